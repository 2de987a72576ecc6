# A private containerd for the shim tests and bench/containerd.sh (sourced, bash).
#
# Every user gets its own containerd: config, root, state, gRPC and ttrpc sockets in one
# short temporary directory $CT, a containerd namespace of its own ($CTD_NS) and a PATH whose
# first directory holds containerd-shim-waot-v1 -> the shim under test, so the system
# containerd (if any), /var/lib/waot, /opt/containerd, /etc/cni and other tests running at
# the same time are never touched. The compiled-code cache of the shim's tasks is
# $CT/cache (WAOT_CACHE_DIR in containerd's environment, which shims and tasks inherit).
#
# After a run nothing may be left: no containerd, no shim or task process, no mount under
# $CT, no shim socket in /run/containerd/s and no task cgroup for an id of ours, no $CT.
# ctr_leftovers lists whatever is left (the tests assert it is empty), ctr_teardown removes
# it all (processes by pid).
#
#   ctr_require                   exit 77 (ctest SKIP) unless root with containerd and ctr
#   ctr_setup SHIM [--cri FILE]   make $CT and its config (FILE: extra TOML for the CRI
#                                 plugin, @CT@ in it is replaced by $CT)
#   ctr_start / ctr_stop          containerd up (waits for its socket) / down (by pid)
#   ctr ARGS...                   ctr against it, in namespace $CTD_NS, with a time limit
#   ctr_track ID                  remember a task id (or CRI sandbox id) for the socket check
#   ctr_leftovers                 print leftovers, one per line; status 1 if there are any
#   ctr_teardown                  stop, kill and unmount what is left, remove $CT
# Variables: CT, CTD_SOCK, CTD_NS, CTD_PID, CTD_LOG, CTD_SHIM.

CTD_PID=
CT=
CTD_TIMEOUT=${CTD_TIMEOUT:-60}   # seconds for one ctr command

ctr_require() {
    local missing=
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: the containerd tests need root (containerd, mounts, /run/containerd/s)"
        exit 77
    fi
    for tool in containerd ctr; do
        command -v "$tool" >/dev/null || missing="$missing $tool"
    done
    if [ -n "$missing" ]; then
        echo "SKIP: not installed:$missing (Debian packages containerd, runc)"
        exit 77
    fi
}

# The config disables what a shim test does not use: other snapshotters, tracing, and the
# CRI plugin unless --cri gives its section (the v1 runtime stays: the tasks service of
# containerd 1.6 refuses to load without it). Debug log level, so that shims get -debug and
# their log lines land in $CTD_LOG.
ctr_setup() {
    CTD_SHIM=$1
    local cri_toml=
    [ "${2:-}" = --cri ] && cri_toml=$3
    # Short: the ttrpc socket path must stay below 108 bytes.
    CT=$(mktemp -d /tmp/wctr-XXXXXX) || exit 1
    chmod 0711 "$CT"
    CTD_SOCK=$CT/c.sock
    CTD_NS=wt-${CT##*-}
    CTD_LOG=$CT/containerd.log
    mkdir -p "$CT/bin" "$CT/cache" "$CT/root" "$CT/state"
    : >"$CT/ids"
    if [ -n "$CTD_SHIM" ]; then
        ln -s "$(readlink -f "$CTD_SHIM")" "$CT/bin/containerd-shim-waot-v1"
    fi
    local disabled='"io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"'
    [ -z "$cri_toml" ] && disabled="$disabled, \"io.containerd.grpc.v1.cri\""
    cat >"$CT/config.toml" <<EOF
version = 2
root = "$CT/root"
state = "$CT/state"
disabled_plugins = [$disabled]

[grpc]
  address = "$CTD_SOCK"
[ttrpc]
  address = "$CTD_SOCK.ttrpc"
[debug]
  level = "debug"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CT/opt"
EOF
    [ -n "$cri_toml" ] && sed "s|@CT@|$CT|g" "$cri_toml" >>"$CT/config.toml"
    return 0
}

ctr_start() {
    # WAOT_CTR_TEST marks every process started on our behalf (containerd, shims, tasks)
    # so that ctr_leftovers can find them by their environment.
    (cd "$CT" && exec env PATH="$CT/bin:$PATH" WAOT_CACHE_DIR="$CT/cache" WAOT_CTR_TEST="$CT" \
         containerd --config "$CT/config.toml" >>"$CTD_LOG" 2>&1 </dev/null) &
    CTD_PID=$!
    local i
    for i in $(seq 100); do
        if [ -S "$CTD_SOCK" ] && ctr version >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$CTD_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "containerd did not come up; its log:"
    tail -n 30 "$CTD_LOG" | sed 's/^/  containerd: /'
    return 1
}

ctr_stop() {
    [ -n "$CTD_PID" ] || return 0
    kill -TERM "$CTD_PID" 2>/dev/null
    local i
    for i in $(seq 100); do
        kill -0 "$CTD_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$CTD_PID" 2>/dev/null; then
        echo "containerd $CTD_PID ignored SIGTERM for 10 s: killing it"
        kill -KILL "$CTD_PID" 2>/dev/null
    fi
    wait "$CTD_PID" 2>/dev/null
    CTD_PID=
}

# `run` and `task exec` get --fifo-dir: ctr's default /run/containerd/fifo keeps the
# directories of detached tasks forever.
ctr() {
    case "$1 ${2:-}" in
    "run "*) set -- run --fifo-dir "$CT/fifo" "${@:2}" ;;
    "task exec") set -- task exec --fifo-dir "$CT/fifo" "${@:3}" ;;
    esac
    timeout "$CTD_TIMEOUT" ctr -a "$CTD_SOCK" -n "$CTD_NS" "$@"
}

ctr_track() { echo "$1" >>"$CT/ids"; }

# The socket a shim listens on for task (or group) ID: containerd-shim.md §3.
ctr_shim_socket() {
    local h
    h=$(printf '%s' "$CTD_SOCK/${2:-$CTD_NS}/$1" | sha256sum)
    echo "/run/containerd/s/${h%% *}"
}

# Processes of ours other than containerd and this shell: found by the marker in their
# environment, a command line naming $CT (shims get -address $CT/c.sock), or a working
# directory under $CT (bundles).
ctr_procs() {
    local f pid
    {
        grep -lzxF "WAOT_CTR_TEST=$CT" /proc/[0-9]*/environ 2>/dev/null
        grep -lzF "$CT/" /proc/[0-9]*/cmdline 2>/dev/null
        for f in /proc/[0-9]*/cwd; do
            case $(readlink "$f" 2>/dev/null) in "$CT"/*) echo "$f" ;; esac
        done
    } | while IFS=/ read -r _ _ pid _; do
        case $pid in "$$" | "$BASHPID" | "$CTD_PID") ;; *) echo "$pid" ;; esac
    done | sort -un
}

ctr_mounts() { awk -v d="$CT/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo; }

ctr_sockets() {
    local id s
    while read -r id; do
        [ -n "$id" ] || continue
        s=$(ctr_shim_socket "$id")
        [ -e "$s" ] && echo "$s"
    done <"$CT/ids"
    return 0
}

# Task cgroups (cgroupsPath /NAMESPACE/ID in ctr's and CRI's specs) of tracked ids, in
# every v1 hierarchy or the v2 root.
ctr_cgroups() {
    local id d
    while read -r id; do
        [ -n "$id" ] || continue
        for d in /sys/fs/cgroup/"$CTD_NS"/"$id" /sys/fs/cgroup/*/"$CTD_NS"/"$id"; do
            [ -d "$d" ] && echo "$d"
        done
    done <"$CT/ids"
    return 0
}

ctr_leftovers() {
    local found=0 pid mnt sock cg
    for pid in $(ctr_procs); do
        echo "process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
        found=1
    done
    for mnt in $(ctr_mounts); do echo "mount $mnt"; found=1; done
    for sock in $(ctr_sockets); do echo "socket $sock"; found=1; done
    for cg in $(ctr_cgroups); do echo "cgroup $cg"; found=1; done
    return $found
}

# Best effort and quiet: runs from the EXIT trap, also after a failed or interrupted test.
ctr_teardown() {
    [ -n "$CT" ] && [ -d "$CT" ] || return 0
    local ns id pid mnt sock cg
    if [ -n "$CTD_PID" ] && kill -0 "$CTD_PID" 2>/dev/null; then
        CTD_TIMEOUT=10
        for ns in $(ctr namespaces ls -q 2>/dev/null); do
            for id in $(CTD_NS=$ns ctr task ls -q 2>/dev/null); do
                CTD_NS=$ns ctr task kill -s KILL "$id" >/dev/null 2>&1
                CTD_NS=$ns ctr task delete -f "$id" >/dev/null 2>&1
            done
            for id in $(CTD_NS=$ns ctr containers ls -q 2>/dev/null); do
                CTD_NS=$ns ctr containers rm "$id" >/dev/null 2>&1
            done
        done
    fi
    ctr_stop >/dev/null
    for pid in $(ctr_procs); do kill -KILL "$pid" 2>/dev/null; done
    for mnt in $(ctr_mounts | sort -r); do umount -l "$mnt" 2>/dev/null; done
    for sock in $(ctr_sockets); do rm -f "$sock"; done
    for cg in $(ctr_cgroups); do rmdir "$cg" 2>/dev/null; done
    # Per-namespace parents that runc and shims create and leave: runc's state directory
    # and the namespace level of the cgroup paths (rmdir: only when empty).
    rmdir "/run/containerd/runc/$CTD_NS" 2>/dev/null
    for cg in /sys/fs/cgroup/"$CTD_NS" /sys/fs/cgroup/*/"$CTD_NS"; do
        [ -d "$cg" ] && rmdir "$cg" 2>/dev/null
    done
    rm -rf "$CT"
    CT=
}

# For failure reports: the last lines of containerd's log (shim log lines included: a shim's
# stderr goes to the bundle's log fifo, which containerd copies into its own log).
ctr_log_tail() { tail -n "${1:-40}" "$CTD_LOG" | sed 's/^/  containerd: /'; }
