#!/bin/bash
# Confinement tests (label "security"): the seccomp filter, --memory, --timeout,
# --max-stack and the descriptor limit. One ctest test per case:
#   security_test.sh WAOT PROBE SRCDIR CASE
# PROBE is the test-only embedder seccomp_probe (it offers the guest an import that makes a
# forbidden system call; waot itself has no such import). Guests are assembled or compiled
# at test time from the sources next to this script, in a temporary directory.
set -u
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

FAILS=0
fail() { echo "FAIL [$CASE]: $*"; FAILS=$((FAILS + 1)); }
wat() { "$WAT2WASM" --debug-names "$@" || { echo "wat2wasm failed: $*"; exit 1; }; }

# run EXPECTED_STATUS CMD...: keeps stdout in $T/out and stderr in $T/err.
run() {
    local want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "$* exited $got, expected $want"
        sed 's/^/  stdout: /' "$T/out"
        sed 's/^/  stderr: /' "$T/err"
    fi
}
expect() { grep -Eq -- "$2" "$T/$1" || { fail "$1 lacks /$2/"; sed 's/^/  | /' "$T/$1"; }; }
expect_not() { ! grep -Eq -- "$2" "$T/$1" || { fail "$1 has /$2/"; sed 's/^/  | /' "$T/$1"; }; }

case $CASE in
seccomp_blocks)
    wat "$SRC/probe.wat" -o probe.wasm
    run 0 "$WAOT" compile probe.wasm -o probe.waot
    run 159 "$PROBE" probe.waot
    expect err '^waot: seccomp: blocked system call socket$'
    expect_not out 'socket: ok'
    ;;
seccomp_unconfined)
    wat "$SRC/probe.wat" -o probe.wasm
    run 0 "$WAOT" compile probe.wasm -o probe.waot
    run 0 "$PROBE" --unconfined probe.waot
    expect out '^socket: ok$'
    # the CLI warns loudly and still runs normal guests
    wat "$SRC/grow.wat" -o grow.wasm
    run 0 "$WAOT" run --seccomp=unconfined --memory 64M grow.wasm
    expect err 'WARNING: --seccomp=unconfined'
    run 125 "$WAOT" run --seccomp=bogus grow.wasm
    expect err 'seccomp'
    ;;
memory_grow)
    wat "$SRC/grow.wat" -o grow.wasm
    run 0 "$WAOT" run --memory 64M grow.wasm
    run 0 "$WAOT" run --memory=64MiB grow.wasm
    wat "$SRC/bigmin.wat" -o bigmin.wasm
    run 125 "$WAOT" run --memory 64M bigmin.wasm
    expect err 'memory limit'
    run 0 "$WAOT" run --memory 256M bigmin.wasm
    run 125 "$WAOT" run --memory 12Q bigmin.wasm
    expect err -- '--memory'
    ;;
timeout)
    wat "$SRC/loop.wat" -o loop.wasm
    start=$(date +%s%N)
    run 134 "$WAOT" run --timeout 1s loop.wasm
    end=$(date +%s%N)
    expect err '^waot: wasm trap: timeout$'
    ms=$(((end - start) / 1000000))
    [ "$ms" -ge 900 ] && [ "$ms" -lt 20000 ] || fail "timeout after ${ms} ms, expected about 1000"
    run 134 "$WAOT" run --timeout 200ms loop.wasm
    expect err 'timeout'
    # a guest blocked in a host call (poll_oneoff sleeping) is ended too
    cat >"$T/sleep.c" <<'C'
#include <unistd.h>
int main(void) { sleep(30); return 0; }
C
    "$CLANG" --target=wasm32-wasi -O2 -o sleep.wasm sleep.c || fail "cannot build sleep.c"
    run 134 "$WAOT" run --timeout 300ms sleep.wasm
    expect err '^waot: wasm trap: timeout$'
    run 125 "$WAOT" run --timeout 5parsecs loop.wasm
    ;;
recursion)
    wat "$SRC/recurse.wat" -o recurse.wasm
    run 134 "$WAOT" run recurse.wasm
    expect err 'wasm trap: call stack exhausted'
    run 134 "$WAOT" run --max-stack 256K recurse.wasm
    expect err 'wasm trap: call stack exhausted'
    run 125 "$WAOT" run --max-stack 64G recurse.wasm
    expect err 'max-stack'
    ;;
fd_exhaustion)
    "$CLANG" --target=wasm32-wasi -O2 -o fds.wasm "$SRC/fds.c" || { fail "cannot build fds.c"; exit 1; }
    mkdir data && echo hi >data/f.txt
    run 0 "$WAOT" run --max-fds 64 -v "$T/data:/data" fds.wasm
    expect out '^emfile after [0-9]+ opens$'
    run 0 "$WAOT" run -v "$T/data:/data" fds.wasm
    expect out '^emfile after (9[0-9][0-9]|10[0-9][0-9]) opens$'
    ;;
*)
    echo "unknown case $CASE"
    exit 2
    ;;
esac
[ "$FAILS" = 0 ] || exit 1
echo "ok [$CASE]"
