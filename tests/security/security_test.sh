#!/bin/bash
# Confinement tests (label "security"): the seccomp filter, --memory, --timeout,
# --max-stack and the descriptor limit. One ctest test per case:
#   security_test.sh WAOT PROBE SRCDIR CASE
# PROBE is the test-only embedder seccomp_probe (it offers the guest an import that makes a
# forbidden system call; waot itself has no such import). Guests are assembled or compiled
# at test time from the sources next to this script, in a temporary directory.
set -u
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd) # before any cd: $0 may be relative
WAOT=$1
PROBE=$2
SRC=$3
CASE=$4
CLANG=${WAOT_TEST_CLANG:-/usr/lib/llvm-16/bin/clang}
WAT2WASM=${WAOT_TEST_WAT2WASM:-wat2wasm}

T=$(mktemp -d /tmp/waot-sec-XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
export WAOT_CACHE_DIR=$T/cache
cd "$T" || exit 1

. "$TESTS_DIR/test_lib.sh"


case $CASE in
seccomp_blocks)
    wat "$SRC/probe.wat" -o probe.wasm
    run_cmd 0 "$WAOT" compile probe.wasm -o probe.waot
    run_cmd 159 "$PROBE" probe.waot
    expect err '^waot: seccomp: blocked system call socket$'
    expect_not out 'socket: ok'
    ;;
seccomp_unconfined)
    wat "$SRC/probe.wat" -o probe.wasm
    run_cmd 0 "$WAOT" compile probe.wasm -o probe.waot
    run_cmd 0 "$PROBE" --unconfined probe.waot
    expect out '^socket: ok$'
    # the CLI warns loudly and still runs normal guests
    wat "$SRC/grow.wat" -o grow.wasm
    run_cmd 0 "$WAOT" run --seccomp=unconfined --memory 64M grow.wasm
    expect err 'WARNING: --seccomp=unconfined'
    run_cmd 125 "$WAOT" run --seccomp=bogus grow.wasm
    expect err 'seccomp'
    ;;
seccomp_pid)
    # kill and tgkill are allowed for this process only: the pid in the filter is ours
    wat "$SRC/kill_self.wat" -o kill_self.wasm
    wat "$SRC/kill_other.wat" -o kill_other.wasm
    run_cmd 0 "$WAOT" compile kill_self.wasm -o kill_self.waot
    run_cmd 0 "$WAOT" compile kill_other.wasm -o kill_other.waot
    mkdir -m 700 "$WAOT_CACHE_DIR" # the second round loads the cached program
    for round in generated cached; do
        run_cmd 0 "$PROBE" kill_self.waot
        expect out '^kill_self: ok$'
        if [ "$("$PROBE" --sanitized)" = yes ]; then
            echo "note: AddressSanitizer build: its filter allows kill to other processes"
        else
            run_cmd 159 "$PROBE" kill_other.waot
            expect err '^waot: seccomp: blocked system call kill$'
            expect_not out 'kill_other: ok'
        fi
        ls "$WAOT_CACHE_DIR"/seccomp/*.bpf >/dev/null 2>&1 || fail "no cached program ($round)"
    done
    run_cmd 0 "$PROBE" --unconfined kill_other.waot
    expect out '^kill_other: ok$'
    ;;
seccomp_cache)
    # The generated BPF program is kept in the cache (seccomp/KEY.bpf) and reused; a
    # damaged or untrusted entry is never loaded: the filter is generated again and still
    # blocks.
    wat "$SRC/probe.wat" -o probe.wasm
    wat "$SRC/grow.wat" -o grow.wasm
    run_cmd 0 "$WAOT" compile probe.wasm -o probe.waot
    # the program is kept only in an existing cache (the probe has no artifact to cache)
    mkdir -m 700 "$WAOT_CACHE_DIR"
    run_cmd 159 "$PROBE" probe.waot
    expect err '^waot: seccomp: blocked system call socket$'
    set -- "$WAOT_CACHE_DIR"/seccomp/*.bpf
    [ $# = 1 ] && [ -f "$1" ] || { fail "no single cached program: $*"; exit 1; }
    entry=$1
    cp "$entry" good.bpf
    [ "$(stat -c %a "$entry")" = 600 ] || fail "cached program mode $(stat -c %a "$entry")"
    # from the cache: same outcome, same file
    run_cmd 159 "$PROBE" probe.waot
    expect err '^waot: seccomp: blocked system call socket$'
    cmp -s good.bpf "$entry" || fail "the cached program changed on reuse"
    run_cmd 0 "$WAOT" run --memory 64M grow.wasm
    # one instruction's jump target flipped (the checksum no longer matches): regenerated
    printf '\x7f' | dd of="$entry" bs=1 seek=100 conv=notrunc status=none
    cmp -s good.bpf "$entry" && fail "could not damage the cached program"
    run_cmd 159 "$PROBE" probe.waot
    expect err '^waot: seccomp: blocked system call socket$'
    cmp -s good.bpf "$entry" || fail "the damaged program was not replaced"
    # truncated, and a key that names another program: regenerated
    head -c 50 good.bpf >"$entry"
    run_cmd 159 "$PROBE" probe.waot
    cmp -s good.bpf "$entry" || fail "the truncated program was not replaced"
    printf '\x00' | dd of="$entry" bs=1 seek=30 conv=notrunc status=none
    run_cmd 159 "$PROBE" probe.waot
    cmp -s good.bpf "$entry" || fail "the program with a foreign key was not replaced"
    # a directory others may write to is not trusted: neither read nor written
    chmod 0777 "$WAOT_CACHE_DIR/seccomp"
    rm -f "$entry"
    run_cmd 159 "$PROBE" probe.waot
    expect err '^waot: seccomp: blocked system call socket$'
    [ -e "$entry" ] && fail "a program was written to a world-writable directory"
    chmod 0700 "$WAOT_CACHE_DIR/seccomp"
    # a symlink in place of the entry is not followed
    ln -s "$T/good.bpf" "$entry"
    run_cmd 159 "$PROBE" probe.waot
    [ -L "$entry" ] && fail "the symlinked entry was kept"
    # no cache directory we may use at all: the filter is generated and loaded anyway
    run_cmd 159 env WAOT_CACHE_DIR=/nonexistent/waot-cache "$PROBE" probe.waot
    expect err '^waot: seccomp: blocked system call socket$'
    [ -z "$(ls -A "$WAOT_CACHE_DIR/seccomp" | grep -v '\.bpf$')" ] ||
        fail "temporary files left: $(ls -A "$WAOT_CACHE_DIR/seccomp")"
    ;;
memory_grow)
    wat "$SRC/grow.wat" -o grow.wasm
    run_cmd 0 "$WAOT" run --memory 64M grow.wasm
    run_cmd 0 "$WAOT" run --memory=64MiB grow.wasm
    wat "$SRC/bigmin.wat" -o bigmin.wasm
    run_cmd 125 "$WAOT" run --memory 64M bigmin.wasm
    expect err 'memory limit'
    run_cmd 0 "$WAOT" run --memory 256M bigmin.wasm
    run_cmd 125 "$WAOT" run --memory 12Q bigmin.wasm
    expect err -- '--memory'
    ;;
timeout)
    wat "$SRC/loop.wat" -o loop.wasm
    start=$(date +%s%N)
    run_cmd 134 "$WAOT" run --timeout 1s loop.wasm
    end=$(date +%s%N)
    expect err '^waot: wasm trap: timeout$'
    ms=$(((end - start) / 1000000))
    [ "$ms" -ge 900 ] && [ "$ms" -lt 20000 ] || fail "timeout after ${ms} ms, expected about 1000"
    run_cmd 134 "$WAOT" run --timeout 200ms loop.wasm
    expect err 'timeout'
    # a guest blocked in a host call (poll_oneoff sleeping) is ended too
    cat >"$T/sleep.c" <<'C'
#include <unistd.h>
int main(void) { sleep(30); return 0; }
C
    "$CLANG" --target=wasm32-wasi -O2 -o sleep.wasm sleep.c || fail "cannot build sleep.c"
    run_cmd 134 "$WAOT" run --timeout 300ms sleep.wasm
    expect err '^waot: wasm trap: timeout$'
    run_cmd 125 "$WAOT" run --timeout 5parsecs loop.wasm
    ;;
recursion)
    wat "$SRC/recurse.wat" -o recurse.wasm
    run_cmd 134 "$WAOT" run recurse.wasm
    expect err 'wasm trap: call stack exhausted'
    run_cmd 134 "$WAOT" run --max-stack 256K recurse.wasm
    expect err 'wasm trap: call stack exhausted'
    run_cmd 125 "$WAOT" run --max-stack 64G recurse.wasm
    expect err 'max-stack'
    # a budget beyond the main thread's stack: the guest runs on a thread that big, and
    # still ends in the trap when it recurses without end
    run_cmd 134 "$WAOT" run --max-stack 64M recurse.wasm
    expect err 'wasm trap: call stack exhausted'
    wat "$SRC/deep.wat" -o deep.wasm
    run_cmd 134 "$WAOT" run --invoke deep deep.wasm 1000000
    expect err 'wasm trap: call stack exhausted'
    run_cmd 0 "$WAOT" run --max-stack 512M --invoke deep deep.wasm 1000000
    expect out '^1000000$'
    ;;
fd_exhaustion)
    "$CLANG" --target=wasm32-wasi -O2 -o fds.wasm "$SRC/fds.c" || { fail "cannot build fds.c"; exit 1; }
    mkdir data && echo hi >data/f.txt
    run_cmd 0 "$WAOT" run --max-fds 64 -v "$T/data:/data" fds.wasm
    expect out '^emfile after [0-9]+ opens$'
    run_cmd 0 "$WAOT" run -v "$T/data:/data" fds.wasm
    expect out '^emfile after (9[0-9][0-9]|10[0-9][0-9]) opens$'
    ;;
*)
    echo "unknown case $CASE"
    exit 2
    ;;
esac
[ "$FAILS" = 0 ] || exit 1
echo "ok [$CASE]"
