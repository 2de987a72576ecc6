#!/bin/bash
# containerd-shim-waot-v1 under a real containerd 1.6 (label "shim"). One ctest test per case:
#   ctr_test.sh WAOT SHIM HELLO_WASM TASK_WASM CASE
# WAOT packs HELLO_WASM (examples/hello) and TASK_WASM (tests/shim/guests/task.c) as images
# with `waot image build`; each case starts its own containerd (tests/shim/ctr_lib.sh) with
# SHIM first on its PATH, imports the images with `ctr image import`, drives tasks with ctr,
# and finally asserts that no shim or task process, mount or shim socket is left.
#
# WAOT_CTR_RUNTIME=runc runs the same cases with runc on a static busybox image instead
# (commands of the same meaning, so the harness itself can be checked without the shim).
# Exit 77 (ctest: skipped) when not root or containerd is missing.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
WAOT=$(readlink -f "$1")
SHIM=$2
HELLO_WASM=$3
TASK_WASM=$4
CASE=$5
MODE=${WAOT_CTR_RUNTIME:-waot}
PY=/usr/bin/python3   # Debian's: python3-grpcio lives there, not in a pyenv python

. "$HERE/../test_lib.sh"
. "$HERE/ctr_lib.sh"
ctr_require
if [ "$MODE" = waot ] && [ ! -x "$SHIM" ]; then
    echo "FAIL: shim $SHIM is not built"
    exit 1
fi

CRI_TOML=
if [ "$CASE" = cri ]; then
    CRI_TOML=$(mktemp /tmp/wctr-cri-XXXXXX.toml) || exit 1
fi
finish() {
    local rc=$?
    [ "$FAILS" -gt 0 ] && rc=1
    if [ "$rc" != 0 ] && [ -n "$CT" ] && [ -f "$CTD_LOG" ]; then
        echo "--- containerd log (warnings, errors, shim lines), last 80:"
        grep -E 'level=(error|warning|fatal)|shim|waot' "$CTD_LOG" | tail -n 80 | sed 's/^/  | /'
    fi
    ctr_teardown
    [ -n "$CRI_TOML" ] && rm -f "$CRI_TOML"
    exit "$rc"
}
trap finish EXIT

# ---- runtime-specific images and commands ----
TEXT="Hello, waot! This is WebAssembly, compiled ahead of time by waot."
if [ "$MODE" = waot ]; then
    RUNTIME=io.containerd.waot.v1
    HELLO_IMAGE=waot.test/hello:latest
    TASK_IMAGE=waot.test/task:latest
    HELLO_CMD=(/hello.wasm one "two words")
    task_cmd() { TASK_CMD=(/task.wasm "$@"); }
else
    RUNTIME=io.containerd.runc.v2
    HELLO_IMAGE=docker.io/waot/busybox:static
    TASK_IMAGE=$HELLO_IMAGE
    HELLO_CMD=(/bin/sh -c "echo '$TEXT'; echo '  argv[1] = one'; echo '  argv[2] = two words'")
    # Same meaning as the Wasm guest's commands. PID 1 ignores signals it has no handler
    # for, hence the inner shell for the abort and the TERM trap for "forever".
    task_cmd() {
        case $1 in
        echo) shift; TASK_CMD=(/bin/echo "$@") ;;
        exit) TASK_CMD=(/bin/sh -c "echo exiting with $2; exit $2") ;;
        trap) TASK_CMD=(/bin/sh -c 'echo trapping; /bin/sh -c "kill -ABRT \$\$"; exit $?') ;;
        forever) TASK_CMD=(/bin/sh -c 'echo running; trap "exit 143" TERM; while :; do sleep 1; done') ;;
        grow) TASK_CMD=(/bin/sh -c "echo no grow in busybox; exit 137") ;;
        esac
    }
fi

# crun EXPECTED_STATUS ID IMAGE ARGS...: `ctr run --rm`, output in $T/out and $T/err.
crun() {
    local want=$1 id=$2 image=$3
    shift 3
    ctr_track "$id"
    run_cmd "$want" ctr run --rm --runtime "$RUNTIME" "$image" "$id" "$@" </dev/null
}

setup_images() {
    if [ "$MODE" = waot ]; then
        "$WAOT" image build "$HELLO_WASM" -t "$HELLO_IMAGE" -o "$CT/hello.tar" \
            --env GREETING_NAME=waot >/dev/null || { fail "waot image build $HELLO_WASM"; exit 1; }
        "$WAOT" image build "$TASK_WASM" -t "$TASK_IMAGE" -o "$CT/task.tar" >/dev/null ||
            { fail "waot image build $TASK_WASM"; exit 1; }
        # a plain import keeps only the host platform and drops wasip1/wasm images
        run_cmd 0 ctr image import --all-platforms "$CT/hello.tar"
        run_cmd 0 ctr image import --platform wasip1/wasm "$CT/task.tar"
    else
        $PY "$HERE/oci_image.py" "$CT/busybox.tar" "$HELLO_IMAGE" --file /bin/busybox=/bin/busybox \
            --link /bin/sh=busybox --link /bin/echo=busybox --link /bin/sleep=busybox \
            --cmd /bin/sh || { fail "oci_image.py"; exit 1; }
        run_cmd 0 ctr image import "$CT/busybox.tar"
    fi
    [ "$FAILS" = 0 ] || exit 1
}

# wait_status ID STATUS: poll `ctr task ls` (10 s) until the task shows STATUS.
wait_status() {
    local i
    for i in $(seq 100); do
        ctr task ls 2>/dev/null | awk -v id="$1" -v s="$2" '$1 == id && $3 == s { f = 1 } END { exit !f }' &&
            return 0
        sleep 0.1
    done
    fail "task $1 did not reach $2; ctr task ls:"
    ctr task ls 2>&1 | sed 's/^/  | /'
    return 1
}
task_pid() { ctr task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }

# start_forever ID: a detached long-running task; waits until ctr lists it RUNNING.
start_forever() {
    task_cmd forever
    ctr_track "$1"
    run_cmd 0 ctr run -d --runtime "$RUNTIME" "$TASK_IMAGE" "$1" "${TASK_CMD[@]}"
    wait_status "$1" RUNNING
}

# kill_and_delete ID: SIGTERM, STOPPED, `ctr task delete` reports 143, container removed.
kill_and_delete() {
    run_cmd 0 ctr task kill "$1"
    wait_status "$1" STOPPED
    run_cmd 0 ctr task delete "$1"
    expect err "exit code 143"
    run_cmd 0 ctr containers rm "$1"
}

# no_leftovers WHEN: nothing of ours left. containerd does not wait for a shim to exit after
# Shutdown (nor for runc's), so a daemon gets 5 s to go away; a slow exit is noted.
no_leftovers() {
    local what i
    for i in $(seq 50); do
        what=$(ctr_leftovers) && break
        sleep 0.1
    done
    if [ -n "$what" ]; then
        fail "left behind $1 (5 s after the last ctr command):"
        echo "$what" | sed 's/^/  | /'
    elif [ "$i" -gt 5 ]; then
        echo "note: shim processes or sockets took $((i / 10)).$((i % 10)) s to go $1"
    fi
    ctr task ls -q >"$T/tasks" 2>&1
    [ -s "$T/tasks" ] && { fail "tasks left $1:"; sed 's/^/  | /' "$T/tasks"; }
    ctr containers ls -q >"$T/containers" 2>&1
    [ -s "$T/containers" ] && { fail "containers left $1:"; sed 's/^/  | /' "$T/containers"; }
    return 0
}

if [ "$CASE" = cri ]; then
    cat >"$CRI_TOML" <<EOF

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "waot.test/pause:1"
  # sandboxes get oom_score_adj -998, which root without CAP_SYS_RESOURCE (e.g. in a CI
  # container) may not set: runc then fails with "can't get final child's PID from pipe"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    # never the host's /etc/cni/net.d (the plugin creates its conf_dir); host-network pods
    # need no CNI at all
    conf_dir = "@CT@/cni/net.d"
    bin_dir = "@CT@/cni/bin"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.waot]
      runtime_type = "io.containerd.waot.v1"
EOF
    ctr_setup "$SHIM" --cri "$CRI_TOML"
    # the CRI plugin keeps its images, containers and sandboxes in namespace k8s.io
    CTD_NS=k8s.io
else
    ctr_setup "$SHIM"
fi
T=$CT/t
mkdir -p "$T"
ctr_start || { fail "containerd did not start"; exit 1; }
setup_images

case $CASE in
run_output)
    crun 0 h1 "$HELLO_IMAGE" "${HELLO_CMD[@]}"
    expect out "^$TEXT\$"
    expect out '^  argv\[1\] = one$'
    expect out '^  argv\[2\] = two words$'
    if [ "$MODE" = waot ]; then
        expect out '^  GREETING_NAME=waot$'      # the image's Env reaches the module
        ls "$CT"/cache/artifacts/*.waot >/dev/null 2>&1 ||
            fail "no compiled artifact in WAOT_CACHE_DIR=$CT/cache (did the shim use another cache?)"
    fi
    # the second run of the same image (warm cache) behaves the same
    crun 0 h2 "$HELLO_IMAGE" "${HELLO_CMD[@]}"
    expect out "^$TEXT\$"
    no_leftovers "after two ctr run --rm"
    ;;
exit_code)
    task_cmd exit 7
    crun 7 x1 "$TASK_IMAGE" "${TASK_CMD[@]}"
    expect out '^exiting with 7$'
    task_cmd exit 0
    crun 0 x2 "$TASK_IMAGE" "${TASK_CMD[@]}"
    expect out '^exiting with 0$'
    no_leftovers "after ctr run --rm with exit codes"
    ;;
trap)
    task_cmd trap
    crun 134 t1 "$TASK_IMAGE" "${TASK_CMD[@]}"
    expect out '^trapping$'
    no_leftovers "after a trapping task"
    ;;
detach)
    start_forever d1
    pid=$(task_pid d1)
    [ -n "$pid" ] && [ "$pid" -gt 0 ] || fail "ctr task ls shows no pid for d1"
    run_cmd 0 ctr task ps d1
    awk 'NR > 1 { print $1 }' "$T/out" | grep -qx "$pid" || { fail "ctr task ps d1 lacks $pid"; sed 's/^/  | /' "$T/out"; }
    task_cmd echo from exec
    run_cmd 0 ctr task exec --exec-id e1 d1 "${TASK_CMD[@]}" </dev/null
    expect out '^from exec$'
    task_cmd exit 5
    run_cmd 5 ctr task exec --exec-id e2 d1 "${TASK_CMD[@]}" </dev/null
    expect out '^exiting with 5$'
    # the daemon holds no more descriptors after ten more execs than before them (a leak
    # per request or per process would show here)
    shim=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    fds_before=$(ls "/proc/$shim/fd" 2>/dev/null | wc -l)
    task_cmd echo again
    for i in $(seq 10); do
        run_cmd 0 ctr task exec --exec-id "f$i" d1 "${TASK_CMD[@]}" </dev/null
    done
    fds_after=$(ls "/proc/$shim/fd" 2>/dev/null | wc -l)
    [ "$fds_before" -gt 0 ] && [ "$fds_after" -le "$fds_before" ] ||
        fail "shim $shim had $fds_before descriptors before ten execs and $fds_after after"
    # an exec that is still running while ps looks: init plus the exec
    task_cmd forever
    run_cmd 0 ctr task exec -d --exec-id e3 d1 "${TASK_CMD[@]}" </dev/null
    sleep 0.5
    run_cmd 0 ctr task ps d1
    [ "$(awk 'NR > 1' "$T/out" | wc -l)" -ge 2 ] || { fail "ctr task ps d1 shows fewer than 2 processes with exec e3 running"; sed 's/^/  | /' "$T/out"; }
    run_cmd 0 ctr task kill --exec-id e3 d1
    kill_and_delete d1
    kill -0 "$pid" 2>/dev/null && fail "task process $pid still alive after delete"
    no_leftovers "after run -d, exec, kill, delete"
    ;;
concurrent)
    # warm the compiled-code cache first: this case is about the shim, not about 50
    # concurrent compiles of one module
    task_cmd echo warm
    crun 0 warm "$TASK_IMAGE" "${TASK_CMD[@]}"
    for i in $(seq 50); do
        ctr_track "c$i"
        task_cmd echo "task c$i"
        ctr run --rm --runtime "$RUNTIME" "$TASK_IMAGE" "c$i" "${TASK_CMD[@]}" \
            </dev/null >"$T/out.c$i" 2>"$T/err.c$i" &
        echo $! >"$T/pid.c$i"
    done
    for i in $(seq 50); do
        wait "$(cat "$T/pid.c$i")"
        rc=$?
        if [ "$rc" != 0 ] || [ "$(cat "$T/out.c$i")" != "task c$i" ]; then
            fail "task c$i: status $rc, output $(head -c 200 "$T/out.c$i"), stderr $(head -c 300 "$T/err.c$i")"
        fi
    done
    no_leftovers "after 50 concurrent ctr run --rm"
    ;;
shim_kill9)
    start_forever k1
    pid=$(task_pid k1)
    shim=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    if [ -z "$shim" ] || ! tr '\0' ' ' <"/proc/$shim/cmdline" | grep -q 'containerd-shim'; then
        fail "cannot find the shim of task k1 (pid $pid, parent ${shim:-none})"
    else
        kill -KILL "$shim"
        # containerd notices the closed connection, runs the shim's delete action and
        # forgets the task; the task's process must be gone with it
        for i in $(seq 100); do
            ctr task ls -q 2>/dev/null | grep -qx k1 || break
            sleep 0.1
        done
        ctr task ls -q 2>/dev/null | grep -qx k1 && fail "containerd still lists k1 10 s after its shim was killed"
        grep -q 'cleaning up dead shim' "$CTD_LOG" || fail "containerd did not clean up the dead shim"
        for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && fail "task process $pid survived its shim's death and the delete action"
    fi
    ctr task delete k1 >/dev/null 2>&1
    run_cmd 0 ctr containers rm k1
    if [ "$MODE" = runc ]; then   # runc's shim leaves its socket after SIGKILL; ours may not
        echo "note: removing runc's stale socket $(ctr_shim_socket k1)"
        rm -f "$(ctr_shim_socket k1)"
    fi
    no_leftovers "after kill -9 of the shim"
    ;;
restart)
    start_forever r1
    pid=$(task_pid r1)
    ctr_stop
    kill -0 "$pid" 2>/dev/null || fail "task process $pid died with containerd"
    ctr_start || { fail "containerd did not restart"; exit 1; }
    wait_status r1 RUNNING
    [ "$(task_pid r1)" = "$pid" ] || fail "after the restart r1 has pid $(task_pid r1), was $pid"
    task_cmd echo after restart
    run_cmd 0 ctr task exec --exec-id e1 r1 "${TASK_CMD[@]}" </dev/null
    expect out '^after restart$'
    kill_and_delete r1
    no_leftovers "after a containerd restart under a running task"
    ;;
pause_metrics)
    # Pause freezes every process of the task (cgroup freezer), Resume thaws it; Stats
    # answers with the cgroup's figures (ctr task metrics decodes them).
    start_forever p1
    pid=$(task_pid p1)
    run_cmd 0 ctr task pause p1
    wait_status p1 PAUSED
    state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    [ "$state" = D ] || [ "$state" = T ] || [ "$state" = S ] ||
        fail "paused task process $pid is in state '$state'"
    run_cmd 0 ctr task resume p1
    wait_status p1 RUNNING
    run_cmd 0 ctr task metrics p1
    expect out 'memory'
    expect out 'pids'
    kill_and_delete p1
    no_leftovers "after pause, resume and metrics"
    ;;
memory_limit)
    # linux.resources.memory.limit reaches the task's cgroup: a guest that touches more
    # is killed by the kernel (137); the same guest with room to spare finishes.
    task_cmd grow 48
    ctr_track m1
    run_cmd 0 ctr run --rm --memory-limit $((256 << 20)) --runtime "$RUNTIME" "$TASK_IMAGE" m1 \
        "${TASK_CMD[@]}" </dev/null
    expect out '^grew 48 '
    task_cmd grow 256
    ctr_track m2
    # the OOM kill is also published as /tasks/oom (containerd's CRI acts on it)
    command ctr -a "$CTD_SOCK" events >"$T/events" 2>&1 &
    events_pid=$!
    run_cmd 137 ctr run --rm --memory-limit $((32 << 20)) --runtime "$RUNTIME" "$TASK_IMAGE" m2 \
        "${TASK_CMD[@]}" </dev/null
    grep -q '^grew' "$T/out" && fail "a 256 MiB guest finished under a 32 MiB limit"
    sleep 0.5
    kill "$events_pid" 2>/dev/null
    wait "$events_pid" 2>/dev/null
    if [ "$MODE" = waot ]; then
        grep -q '/tasks/oom' "$T/events" || { fail "no /tasks/oom event for m2:"; sed 's/^/  | /' "$T/events"; }
        grep -q '/tasks/exit.*m2' "$T/events" || fail "no /tasks/exit event for m2"
    fi
    no_leftovers "after the memory-limit tasks"
    ;;
cri)
    # the sandbox ("pause") image must exist locally: the shim never runs it, runc does
    $PY "$HERE/oci_image.py" "$CT/pause.tar" waot.test/pause:1 --file /bin/busybox=/bin/busybox \
        --link /bin/sh=busybox --entrypoint /bin/sh --cmd=-c \
        --cmd 'trap "exit 0" TERM INT; while :; do sleep 1; done' || fail "oci_image.py pause"
    run_cmd 0 ctr image import "$CT/pause.tar"
    if [ "$MODE" = waot ]; then
        handler=waot
        image=$TASK_IMAGE
    else
        handler=runc
        image=$HELLO_IMAGE
    fi
    task_cmd echo hello from CRI
    hello=$($PY -c 'import json, sys; print(json.dumps({"name": "hello", "command": sys.argv[1:],
        "exit_code": 0, "stdout": ["hello from CRI"]}))' "${TASK_CMD[@]}")
    task_cmd exit 3
    exit3=$($PY -c 'import json, sys; print(json.dumps({"name": "exit3", "command": sys.argv[1:],
        "exit_code": 3, "stdout": ["exiting with 3"]}))' "${TASK_CMD[@]}")
    task_cmd forever
    long=$($PY -c 'import json, sys; print(json.dumps({"name": "forever", "command": sys.argv[1:]}))' \
        "${TASK_CMD[@]}")
    "$PY" "$HERE/cri_test.py" --socket "$CTD_SOCK" --handler "$handler" --image "$image" \
        --container "$hello" --container "$exit3" --long "$long" --workdir "$T/cri" --ids "$CT/ids" ||
        fail "cri_test.py failed"
    no_leftovers "after the CRI pod's removal"
    ;;
*)
    echo "unknown case $CASE"
    exit 2
    ;;
esac
# A sanitizer build of the shim reports into its log, which containerd copies into its own
# (daemon, runners), or into "cleanup warnings" (the delete action): any report fails.
if grep -Eq 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$CTD_LOG"; then
    fail "sanitizer report in the shim's log:"
    grep -E -A12 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$CTD_LOG" | head -40 | sed 's/^/  | /'
fi
[ "$FAILS" = 0 ] && echo "PASS [$CASE] ($MODE)"
exit "$FAILS"
