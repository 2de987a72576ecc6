#!/usr/bin/env bash
# containerd throughput of the waot shim against runc: prints figures, asserts nothing.
#
# On a private containerd (tests/shim/ctr_lib.sh: own config, root, state, sockets and
# namespace under a temporary directory; the system containerd is never used):
#   waot  N x `ctr run --rm --runtime io.containerd.waot.v1` of the example image
#         (examples/hello packed by `waot image build`), P at a time, cache warm;
#   runc  N x `ctr run --rm` of a one-layer image holding the host's static busybox
#         (Debian busybox-static) that echoes the example's greeting line, P at a time.
# For each: tasks per second (N / wall time), p50 and p99 latency of one `ctr run --rm`
# (client start to client exit), and the ratio waot/runc. Then the resident memory per
# running task: M detached long-running tasks (tests/shim/guests/task.c `forever` for waot,
# busybox `sleep` for runc), summing VmRSS and PSS of the shim daemons (parents of the task
# processes) and of the task processes, divided by M. In between, 20 runs one at a time
# give the wall time per task and the CPU that containerd and the ctr client spend on it.
#
#   bench/containerd.sh [--tasks N] [--parallel P] [--memory-tasks M] [--runc-only]
# Environment: WAOT (build/waot), SHIM (build/containerd-shim-waot-v1), WASM
# (build/examples/hello.wasm), CLANG (clang 16 for wasm32-wasi, builds the task guest).
# Needs root, containerd and ctr, runc, busybox-static, python3.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
waot=${WAOT:-$top/build/waot}
shim=${SHIM:-$top/build/containerd-shim-waot-v1}
wasm=${WASM:-$top/build/examples/hello.wasm}
clang=${CLANG:-/usr/lib/llvm-16/bin/clang}
tasks=200
parallel=8
mem_tasks=20
runc_only=0

usage() {
    echo "usage: $0 [--tasks N] [--parallel P] [--memory-tasks M] [--runc-only]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
    --tasks) tasks=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --memory-tasks) mem_tasks=$2; shift 2 ;;
    --runc-only) runc_only=1; shift ;;
    *) usage ;;
    esac
done

. "$top/tests/shim/ctr_lib.sh"
ctr_require
command -v runc >/dev/null || { echo "runc is not installed" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "/bin/busybox missing (Debian busybox-static)" >&2; exit 1; }
if [ "$runc_only" = 0 ]; then
    for f in "$waot" "$shim"; do
        [ -x "$f" ] || { echo "$f is not built (or use --runc-only)" >&2; exit 1; }
    done
    [ -f "$wasm" ] || { echo "example module $wasm is not built" >&2; exit 1; }
fi

ctr_setup "$([ "$runc_only" = 0 ] && echo "$shim")"
trap ctr_teardown EXIT
ctr_start || exit 1
b=$CT/bench
mkdir -p "$b"

# ---- images ----
text="Hello, waot! This is WebAssembly, compiled ahead of time by waot."
/usr/bin/python3 "$top/tests/shim/oci_image.py" "$b/busybox.tar" docker.io/waot-bench/busybox:1 \
    --file /bin/busybox=/bin/busybox --link /bin/echo=busybox --link /bin/sleep=busybox \
    --link /bin/sh=busybox --cmd /bin/sh || exit 1
ctr image import "$b/busybox.tar" >/dev/null || exit 1
runc_img=docker.io/waot-bench/busybox:1
runc_args=(/bin/echo "$text")
if [ "$runc_only" = 0 ]; then
    "$waot" image build "$wasm" -t waot-bench/hello:1 -o "$b/hello.tar" \
        --env GREETING_NAME=waot >/dev/null || exit 1
    ctr image import --all-platforms "$b/hello.tar" >/dev/null || exit 1
    "$clang" --target=wasm32-wasi -O2 -o "$b/task.wasm" "$top/tests/shim/guests/task.c" || exit 1
    "$waot" image build "$b/task.wasm" -t waot-bench/task:1 -o "$b/task.tar" >/dev/null || exit 1
    ctr image import --all-platforms "$b/task.tar" >/dev/null || exit 1
fi
waot_img=waot-bench/hello:1
waot_args=(/hello.wasm)

# ---- throughput ----
# One worker per task, P at a time through xargs; each prints "ID STATUS NANOSECONDS OK|BAD"
# (OK when the first output line is the greeting).
cat >"$b/one.sh" <<'EOF'
#!/bin/bash
# one.sh SOCK NS RUNTIME IMAGE ID ARGS...: one timed `ctr run --rm`
sock=$1 ns=$2 rt=$3 img=$4 id=$5
shift 5
t0=${EPOCHREALTIME/./}
out=$(timeout 120 ctr -a "$sock" -n "$ns" run --rm --runtime "$rt" "$img" "$id" "$@" </dev/null 2>"$BENCH_DIR/err.$id")
rc=$?
t1=${EPOCHREALTIME/./}
[ "${out%%$'\n'*}" = "$BENCH_TEXT" ] && ok=OK || ok=BAD
echo "$id $rc $(( (t1 - t0) * 1000 )) $ok"
EOF
chmod +x "$b/one.sh"
export BENCH_DIR=$b BENCH_TEXT=$text

# batch NAME RUNTIME IMAGE ARGS...: N tasks, P at a time; leaves NAME.lat and NAME.wall
batch() {
    local name=$1 rt=$2 img=$3
    shift 3
    local t0 t1
    t0=${EPOCHREALTIME/./}
    seq "$tasks" | sed "s/^/$name-/" |
        xargs -P "$parallel" -I{} "$b/one.sh" "$CTD_SOCK" "$CTD_NS" "$rt" "$img" {} "$@" >"$b/$name.res"
    t1=${EPOCHREALTIME/./}
    echo $(( (t1 - t0) * 1000 )) >"$b/$name.wall"
}

# stats NAME: "tasks/s p50_ms p99_ms failures"
stats() {
    sort -k3,3n "$b/$1.res" | awk -v wall="$(cat "$b/$1.wall")" -v n="$tasks" '
        { lat[NR] = $3; if ($2 != 0 || $4 != "OK") bad++ }
        END {
            p50 = lat[int((NR - 1) * 0.50) + 1]; p99 = lat[int((NR - 1) * 0.99) + 1]
            printf "%.1f %.1f %.1f %d\n", n / (wall / 1e9), p50 / 1e6, p99 / 1e6, bad + (n - NR)
        }'
}

# warm-up: page cache, snapshots, the compiled-code cache ($CT/cache) for the module
"$b/one.sh" "$CTD_SOCK" "$CTD_NS" io.containerd.runc.v2 "$runc_img" warm-runc "${runc_args[@]}" >/dev/null
if [ "$runc_only" = 0 ]; then
    w=$("$b/one.sh" "$CTD_SOCK" "$CTD_NS" io.containerd.waot.v1 "$waot_img" warm-waot "${waot_args[@]}")
    case $w in *" 0 "*OK) ;; *) echo "waot warm-up failed: $w"; cat "$b/err.warm-waot"; exit 1 ;; esac
    # and the long-running guest of the memory figures: a runner that compiled keeps the
    # compiler library mapped, which is not what a warm task costs
    w=$("$b/one.sh" "$CTD_SOCK" "$CTD_NS" io.containerd.waot.v1 waot-bench/task:1 warm-task /task.wasm echo "$text")
    case $w in *" 0 "*OK) ;; *) echo "waot warm-up failed: $w"; cat "$b/err.warm-task"; exit 1 ;; esac
fi

batch runc io.containerd.runc.v2 "$runc_img" "${runc_args[@]}"
read -r runc_tps runc_p50 runc_p99 runc_bad < <(stats runc)
if [ "$runc_only" = 0 ]; then
    batch waot io.containerd.waot.v1 "$waot_img" "${waot_args[@]}"
    read -r waot_tps waot_p50 waot_p99 waot_bad < <(stats waot)
fi

echo "# containerd $(containerd --version | awk '{ print $3 }'): $tasks x ctr run --rm, $parallel at a time;" \
     "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-34s %9s %9s %9s %9s\n" "" "tasks/s" "p50 ms" "p99 ms" "failed"
printf "%-34s %9s %9s %9s %9s\n" "runc, static busybox echo" "$runc_tps" "$runc_p50" "$runc_p99" "$runc_bad"
if [ "$runc_only" = 0 ]; then
    printf "%-34s %9s %9s %9s %9s\n" "waot shim, example image" "$waot_tps" "$waot_p50" "$waot_p99" "$waot_bad"
    awk -v w="$waot_tps" -v r="$runc_tps" 'BEGIN { printf "waot / runc throughput: %.2fx\n", w / r }'
fi
for n in runc waot; do
    [ -f "$b/$n.res" ] || continue
    bad=$(awk '$2 != 0 || $4 != "OK"' "$b/$n.res" | head -3)
    [ -n "$bad" ] && { echo "# $n failures (id status ns output), first 3:"; echo "$bad"; }
done

# ---- one at a time: where the time goes ----
# Serial runs: wall ms per task, and CPU ms per task of containerd itself (its utime+stime)
# and of the ctr clients (this shell's reaped children). Shim daemons and what they start
# are orphans reaped elsewhere, so their CPU is not in either column.
serial_runs=20
ticks=$(getconf CLK_TCK)
# seconds of user+system time of this shell's reaped children, into $b/cpu; `times` must run
# in this shell (in a $(...) subshell it would count the subshell's children)
client_cpu() {
    times >"$b/times"
    tail -n 1 "$b/times" | awk '{ split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' >"$b/cpu"
}
serial() {
    local name=$1 rt=$2 img=$3 i t0 t1 c0 c1 k0 k1
    shift 3
    c0=$(awk '{ print $14 + $15 }' "/proc/$CTD_PID/stat"); client_cpu; k0=$(cat "$b/cpu")
    t0=${EPOCHREALTIME/./}
    for i in $(seq "$serial_runs"); do
        ctr run --rm --runtime "$rt" "$img" "$name-s$i" "$@" </dev/null >/dev/null 2>&1
    done
    t1=${EPOCHREALTIME/./}
    c1=$(awk '{ print $14 + $15 }' "/proc/$CTD_PID/stat"); client_cpu; k1=$(cat "$b/cpu")
    awk -v name="$name" -v n="$serial_runs" -v w=$((t1 - t0)) -v c=$((c1 - c0)) -v t="$ticks" \
        -v k0="$k0" -v k1="$k1" 'BEGIN {
        printf "%-5s %6.1f ms wall per task; CPU per task: containerd %5.1f ms, ctr client %5.1f ms\n",
               name, w / n / 1000, c * 1000 / t / n, (k1 - k0) * 1000 / n }'
}
echo "# one at a time ($serial_runs runs each)"
serial runc io.containerd.runc.v2 "$runc_img" "${runc_args[@]}"
[ "$runc_only" = 0 ] && serial waot io.containerd.waot.v1 "$waot_img" "${waot_args[@]}"

# ---- resident memory per running task ----
# kB of VmRSS and PSS of a list of pids
mem_of() {
    local pid rss=0 pss=0 v
    for pid in "$@"; do
        v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && rss=$((rss + ${v:-0}))
        v=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) && pss=$((pss + ${v:-0}))
    done
    echo "$rss $pss"
}
children_of() { awk -v p="$1" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null; }

# memory NAME RUNTIME IMAGE ARGS...: M detached tasks, then the figures, then kill them
memory() {
    local name=$1 rt=$2 img=$3 i pid
    shift 3
    for i in $(seq "$mem_tasks"); do
        ctr run -d --runtime "$rt" "$img" "$name-m$i" "$@" </dev/null >/dev/null 2>"$b/err.$name-m$i" ||
            { echo "$name: ctr run -d failed: $(cat "$b/err.$name-m$i")"; return; }
    done
    sleep 2   # let every task reach its sleep
    local task_pids=() shim_pids=() kid
    for pid in $(ctr task ls | awk -v p="$name-m" 'index($1, p) == 1 && $3 == "RUNNING" { print $2 }'); do
        task_pids+=("$pid")
        for kid in $(children_of "$pid"); do task_pids+=("$kid"); done
        shim_pids+=("$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")")
    done
    local running=${#shim_pids[@]}
    mapfile -t shim_pids < <(printf '%s\n' "${shim_pids[@]}" | sort -u)
    read -r shim_rss shim_pss < <(mem_of "${shim_pids[@]}")
    read -r task_rss task_pss < <(mem_of "${task_pids[@]}")
    awk -v n="$running" -v d="${#shim_pids[@]}" -v sr="$shim_rss" -v sp="$shim_pss" \
        -v tr="$task_rss" -v tp="$task_pss" -v name="$name" 'BEGIN {
        if (n == 0) { printf "%-5s no task is running\n", name; exit }
        printf "%-5s %3d tasks, %3d shim daemons: shim RSS %6.2f MiB/task (PSS %6.2f); " \
               "task processes RSS %6.2f MiB/task (PSS %6.2f); together PSS %6.2f MiB/task\n",
               name, n, d, sr / 1024 / n, sp / 1024 / n, tr / 1024 / n, tp / 1024 / n,
               (sp + tp) / 1024 / n }'
    for i in $(seq "$mem_tasks"); do ctr task kill -s KILL "$name-m$i" >/dev/null 2>&1; done
    for i in $(seq "$mem_tasks"); do
        for _ in $(seq 50); do
            ctr task ls | awk -v id="$name-m$i" '$1 == id && $3 == "STOPPED" { f = 1 } END { exit !f }' && break
            sleep 0.1
        done
        ctr task delete "$name-m$i" >/dev/null 2>&1
        ctr containers rm "$name-m$i" >/dev/null 2>&1
    done
}
echo "# resident memory with $mem_tasks detached long-running tasks"
memory runc io.containerd.runc.v2 "$runc_img" /bin/sleep 1000000
[ "$runc_only" = 0 ] && memory waot io.containerd.waot.v1 waot-bench/task:1 /task.wasm forever
if ! left=$(ctr_leftovers); then
    echo "# left behind after the benchmark:"
    echo "$left"
fi
exit 0
