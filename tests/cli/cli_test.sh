#!/bin/bash
# CLI tests for `waot run` and `waot compile` (label "cli"). One ctest test per case:
#   cli_test.sh WAOT SRCDIR CASE
# Every case works in its own temporary directory, with its own WAOT_CACHE_DIR inside
# it, and removes it on exit. Guest modules are assembled (wat2wasm) or compiled (clang,
# wasm32-wasi) at test time from the sources next to this script.
set -u
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd) # before any cd: $0 may be relative
WAOT=$1
SRC=$2
CASE=$3
CLANG=${WAOT_TEST_CLANG:-/usr/lib/llvm-16/bin/clang}
WAT2WASM=${WAOT_TEST_WAT2WASM:-wat2wasm}

T=$(mktemp -d /tmp/waot-cli-XXXXXX) || exit 1
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
export WAOT_CACHE_DIR=$T/cache
cd "$T" || exit 1

. "$TESTS_DIR/test_lib.sh"
probe() {
    "$CLANG" --target=wasm32-wasi -O2 -o "$T/probe.wasm" "$SRC/probe.c" ||
        { echo "cannot build probe.c with $CLANG"; exit 1; }
}

# One line on stderr, starting with "waot: ".
one_waot_line() {
    local n
    n=$(wc -l <"$T/err")
    [ "$n" = 1 ] || fail "expected one line on stderr, got $n"
    expect err '^waot: '
}

case $CASE in
missing_file)
    run 125 run "$T/nope.wasm"
    one_waot_line
    expect err 'nope\.wasm'
    ;;
not_wasm)
    echo "this is not wasm" >"$T/text.wasm"
    run 125 run "$T/text.wasm"
    one_waot_line
    expect err 'text\.wasm'
    run 125 run "$T"   # a directory
    one_waot_line
    ;;
invalid_module)
    wat --no-check "$SRC/invalid.wat" -o invalid.wasm
    run 125 run invalid.wasm
    one_waot_line
    expect err 'invalid\.wasm'
    ;;
unknown_import)
    wat "$SRC/unknown_import.wat" -o ui.wasm
    run 125 run ui.wasm
    one_waot_line
    expect err 'unknown import env\.mystery'
    ;;
no_start)
    wat "$SRC/no_start.wat" -o ns.wasm
    run 125 run ns.wasm
    one_waot_line
    expect err '_start'
    run 0 run --invoke answer ns.wasm
    expect out '^42$'
    ;;
bad_option)
    wat "$SRC/returns.wat" -o r.wasm
    run 125 run --bogus r.wasm
    expect err '^waot: run: unknown option --bogus'
    run 125 run
    one_waot_line
    run 125 run --opt-level 9 r.wasm
    one_waot_line
    run 125 run -v nocolon r.wasm
    one_waot_line
    run 125 run -e =x r.wasm
    one_waot_line
    run 0 run --help
    expect out 'usage: waot run'
    ;;
returns)
    wat "$SRC/returns.wat" -o r.wasm
    run 0 run r.wasm
    [ -s "$T/err" ] && fail "unexpected stderr"
    ;;
proc_exit)
    wat "$SRC/exit7.wat" -o e7.wasm
    run 7 run e7.wasm
    [ -s "$T/err" ] && fail "unexpected stderr"
    probe
    run 42 run probe.wasm exit 42
    [ -s "$T/err" ] && fail "unexpected stderr"
    ;;
trap)
    wat "$SRC/trap.wat" -o trap.wasm
    # -O0 keeps every call a real frame
    run 134 run --opt-level 0 trap.wasm
    expect err '^waot: wasm trap: integer divide by zero$'
    expect err '^  0: inner \(func 0\)$'
    expect err '^  1: middle \(func 1\)$'
    expect err '^  2: outer \(func 2\)$'
    expect err '^  3: start \(func 4\)$'
    run 134 run --opt-level 0 --invoke oob trap.wasm
    expect err '^waot: wasm trap: out of bounds memory access$'
    expect err '^  0: load \(func 3\)$'
    expect err '^  1: oob \(func 5\)$'
    run 134 run --opt-level 0 --invoke bulk trap.wasm   # trap raised by a runtime helper
    expect err '^waot: wasm trap: out of bounds memory access$'
    expect err '^  0: fill \(func 6\)$'
    expect err '^  1: bulk \(func 7\)$'
    run 134 run --invoke deep trap.wasm
    expect err '^waot: wasm trap: call stack exhausted$'
    # 64 frames of one function: two shown, the rest counted
    expect err '^  1: recurse \(func 8\)$'
    expect err '^  \.\.\. 62 more frames of the same function$'
    expect err '^  \.\.\. \(deeper frames not shown\)$'
    run 134 run trap.wasm   # optimised: inlined, but still a trap with a frame
    expect err '^waot: wasm trap: integer divide by zero$'
    expect err '^  0: '
    ;;
invoke)
    wat "$SRC/trap.wat" -o trap.wasm
    run 0 run --invoke add trap.wasm -5 123456789012 1.25 -0.1
    printf -- '-4\n123456789011\n2.5\n0.1\n' >"$T/want"
    cmp -s "$T/want" "$T/out" || { fail "--invoke add printed:"; cat "$T/out"; }
    run 0 run --invoke add trap.wasm 4294967295 0x10 nan inf
    printf -- '0\n15\nNaN\n-inf\n' >"$T/want"
    cmp -s "$T/want" "$T/out" || { fail "--invoke add (2) printed:"; cat "$T/out"; }
    run 125 run --invoke add trap.wasm 1 2 3
    one_waot_line
    expect err 'takes 4 arguments, 3 given'
    run 125 run --invoke add trap.wasm x 2 3 4
    one_waot_line
    expect err 'argument 1'
    run 125 run --invoke add trap.wasm 4294967296 2 3 4
    one_waot_line
    run 125 run --invoke nothere trap.wasm
    one_waot_line
    ;;
env)
    probe
    export WAOT_TEST_HOST_VAR=from-host
    export WAOT_TEST_SECRET=hidden
    printf '# a comment\n\nFILEVAR=one=two\n  SPACED=yes\nWAOT_TEST_HOST_VAR\nUNSET_BARE_VAR_XYZ\nA=from-file\n' >"$T/vars.env"
    run 0 run --env-file "$T/vars.env" -e A=from-flag -e WAOT_TEST_HOST_VAR -e EMPTY= probe.wasm env
    expect out '^FILEVAR=one=two$'
    expect out '^SPACED=yes$'
    expect out '^WAOT_TEST_HOST_VAR=from-host$'
    expect out '^A=from-flag$'
    expect out '^EMPTY=$'
    expect_not out 'A=from-file'
    expect_not out 'UNSET_BARE_VAR_XYZ'
    expect_not out 'WAOT_TEST_SECRET'
    expect_not out '^(HOME|PATH)='
    run 0 run probe.wasm env
    [ -s "$T/out" ] && { fail "environment not empty without -e:"; cat "$T/out"; }
    run 125 run --env-file "$T/missing.env" probe.wasm env
    one_waot_line
    expect err 'missing\.env'
    ;;
args)
    probe
    run 0 run probe.wasm args "two words" --not-an-option
    printf 'probe.wasm\nargs\ntwo words\n--not-an-option\n' >"$T/want"
    cmp -s "$T/want" "$T/out" || { fail "argv:"; cat "$T/out"; }
    run 0 run --argv0 myprog -- probe.wasm args
    expect out '^myprog$'
    ;;
volume)
    probe
    mkdir -p "$T/host/sub" "$T/ro"
    echo "hello volume" >"$T/host/in.txt"
    echo "read only" >"$T/ro/r.txt"
    run 0 run -v "$T/host:/data" probe.wasm cat /data/in.txt write /data/out.txt written
    expect out '^hello volume$'
    [ "$(cat "$T/host/out.txt" 2>/dev/null)" = written ] || fail "write through volume missing"
    run 0 run -v "$T/ro:/ro:ro" probe.wasm cat /ro/r.txt
    expect out '^read only$'
    run 3 run -v "$T/ro:/ro:ro" probe.wasm write /ro/new.txt x
    expect out '^write failed'
    [ -e "$T/ro/new.txt" ] && fail "read-only volume was written"
    run 3 run -v "$T/ro:/ro:ro" probe.wasm write /ro/r.txt x
    [ "$(cat "$T/ro/r.txt")" = "read only" ] || fail "read-only file was changed"
    # no volume: nothing of the host file system is reachable
    run 2 run probe.wasm cat "$T/host/in.txt"
    expect out '^cat failed'
    run 125 run -v "$T/absent:/x" probe.wasm
    one_waot_line
    expect err 'absent'
    ;;
workdir)
    probe
    mkdir -p "$T/host/sub"
    echo "relative" >"$T/host/sub/rel.txt"
    run 0 run -v "$T/host:/data" -w /data/sub probe.wasm cat rel.txt write made.txt yes
    expect out '^relative$'
    [ -e "$T/host/sub/made.txt" ] || fail "relative write did not land in the workdir"
    run 0 run -v "$T/host:/data" -w /data probe.wasm cat sub/rel.txt
    expect out '^relative$'
    run 125 run -v "$T/host:/data" -w /elsewhere probe.wasm
    one_waot_line
    expect err 'working directory'
    # a volume at "/" (host path without a trailing slash): the working directory is joined
    # with one "/", and absolute paths still resolve under "/", not under the workdir
    mkdir -p "$T/root/app" "$T/root/data"
    echo "absolute" >"$T/root/data/x"
    echo "in app" >"$T/root/app/x"
    run 0 run -v "$T/root:/" -w /app probe.wasm cat /data/x cat /app/x
    expect out '^absolute$'
    expect out '^in app$'
    run 0 run -v "$T/root/:/" -w /app/ probe.wasm cat /data/x
    expect out '^absolute$'
    run 0 run -v "$T/root:/" -w / probe.wasm cat data/x
    expect out '^absolute$'
    ;;
cache_concurrent)
    probe
    pids=()
    for i in 1 2 3 4 5 6 7 8; do
        "$WAOT" run probe.wasm args "$i" >"$T/out$i" 2>"$T/err$i" &
        pids+=($!)
    done
    i=1
    for p in "${pids[@]}"; do
        wait "$p" || { fail "concurrent run $i failed"; cat "$T/err$i"; }
        grep -qx "$i" "$T/out$i" || fail "concurrent run $i printed the wrong thing"
        i=$((i + 1))
    done
    n=$(find "$WAOT_CACHE_DIR/artifacts" -name '*.waot' | wc -l)
    [ "$n" = 1 ] || fail "cache holds $n entries, expected 1"
    left=$(find "$WAOT_CACHE_DIR/artifacts" -name '.tmp-*' | wc -l)
    [ "$left" = 0 ] || fail "$left temporaries left behind"
    ;;
compile_cache)
    probe
    run 0 compile probe.wasm
    entry=$(cat "$T/out")
    case $entry in "$WAOT_CACHE_DIR"/artifacts/*.waot) ;; *) fail "compile printed '$entry'" ;; esac
    [ -s "$entry" ] || fail "cache entry $entry missing"
    before=$(stat -c %Y.%i "$entry")
    sleep 1
    run 0 run probe.wasm args
    [ "$(stat -c %Y.%i "$entry")" = "$before" ] || fail "run recompiled a cached module"
    run 0 compile probe.wasm
    [ "$(cat "$T/out")" = "$entry" ] || fail "second compile gave another entry"
    # a corrupt entry is discarded and rebuilt
    head -c 100 "$entry" >"$T/trunc" && cat "$T/trunc" >"$entry"
    run 0 run probe.wasm args
    expect out '^probe\.wasm$'
    [ "$(stat -c %s "$entry")" -gt 100 ] || fail "corrupt entry was not rebuilt"
    head -c 4096 /dev/urandom >"$entry"
    run 0 run probe.wasm args
    expect out '^probe\.wasm$'
    run 125 compile "$T/nope.wasm"
    one_waot_line
    ;;
artifact_run)
    # `waot run` takes a compiled artifact in place of the module: no cache, no compiler
    probe
    run 0 compile probe.wasm -o p.waot
    WAOT_COMPILER_LIB=$T/no-compiler.so run 0 run p.waot args one
    expect out '^p\.waot$'
    expect out '^one$'
    [ -s "$T/err" ] && fail "unexpected stderr"
    [ -z "$(ls -A "$WAOT_CACHE_DIR/artifacts" 2>/dev/null)" ] || fail "running an artifact filled the cache"
    run 42 run --argv0 probe.wasm p.waot exit 42
    wat "$SRC/trap.wat" -o trap.wasm
    run 0 compile --opt-level 0 trap.wasm -o trap.waot
    run 134 run trap.waot
    expect err '^waot: wasm trap: integer divide by zero$'
    expect err '^  0: inner \(func 0\)$'
    run 0 run --invoke answer trap.waot
    expect out '^42$'
    ;;
artifact_foreign)
    # an artifact for the other architecture is refused, naming both
    case $(uname -m) in
    x86_64) other=aarch64 here=x86_64 ;;
    aarch64) other=x86_64 here=aarch64 ;;
    *) fail "unexpected host $(uname -m)"; other=aarch64 here=$(uname -m) ;;
    esac
    wat "$SRC/returns.wat" -o r.wasm
    run 0 compile --target $other-linux-gnu r.wasm -o other.waot
    run 125 run other.waot
    one_waot_line
    expect err "other\.waot: built for $other-unknown-linux-gnu, this machine is $here; recompile"
    # one whose feature list names a feature this CPU lacks (fma4: AMD Bulldozer only) is
    # refused, naming the artifact's target and CPU and this machine
    run 0 compile r.wasm -o host.waot
    grep -aq '+cx16' host.waot || fail "host artifact has no +cx16 in its feature list"
    if grep -qw fma4 /proc/cpuinfo; then
        echo "note: this CPU has fma4; the feature refusal is not checked"
    else
        sed 's/+cx16/+fma4/' host.waot >fma4.waot
        run 125 run fma4.waot
        one_waot_line
        expect err "fma4\.waot: built for $here-[a-z]+-linux-gnu CPU \"[^\"]+\" with features \+fma4 which this $here machine lacks"
    fi
    ;;
artifact_corrupt)
    # damaged artifacts: clear errors naming the file, exit 125, never a crash
    wat "$SRC/returns.wat" -o r.wasm
    run 0 compile r.wasm -o good.waot
    run 0 run good.waot
    head -c 5000 good.waot >trunc.waot
    run 125 run trunc.waot
    one_waot_line
    expect err 'trunc\.waot: size 5000 differs from the recorded [0-9]+ \(truncated\?\)'
    # format version (bytes 8..11) changed
    { head -c 8 good.waot; printf '\x7f\x00\x00\x00'; tail -c +13 good.waot; } >version.waot
    run 125 run version.waot
    one_waot_line
    expect err 'version\.waot: format version 127, this waot reads version [0-9]+; recompile'
    # the magic followed by garbage
    { printf 'WAOTART\0'; head -c 20000 /dev/urandom; } >garbage.waot
    run 125 run garbage.waot
    one_waot_line
    expect err 'garbage\.waot'
    ;;
wast_artifacts)
    # `waot wast --emit DIR` records every module of the scripts; `--artifacts DIR` runs them
    # without the compiler (here for this machine; run_aarch64.sh does it for aarch64)
    cat >a.wast <<'EOF'
(module
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))
(assert_return (invoke "div" (i32.const 7) (i32.const 2)) (i32.const 3))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
EOF
    echo '(module (func (export "seven") (result i32) (i32.const 7)))
(assert_return (invoke "seven") (i32.const 7))' >b.wast
    run 0 wast --emit art a.wast
    expect out '^a\.wast: 3 passed, 0 failed, 0 skipped$'
    grep -qx 'waot-artifacts 1' art/manifest || fail "art/manifest has no format line"
    [ "$(ls art/*.waot | wc -l)" = 1 ] || fail "expected one artifact in art/"
    grep -Eq '^V [0-9]+ .*type mismatch' art/*.err || fail "no validation failure recorded"
    WAOT_COMPILER_LIB=$T/no-compiler.so run 0 wast --artifacts art a.wast
    expect out '^5 passed, 0 failed, 0 skipped$'
    # a module that was never emitted fails its command, naming the directory
    WAOT_COMPILER_LIB=$T/no-compiler.so run 1 wast --artifacts art b.wast
    expect out 'art/[0-9a-f]{64}\.waot: module never emitted'
    expect out '^0 passed, 2 failed, 0 skipped$'
    # bad uses
    mkdir empty
    run 125 wast --artifacts empty a.wast
    expect err 'empty/manifest'
    run 125 wast --emit art --artifacts art a.wast
    expect err 'exclude each other'
    run 125 wast --target aarch64-linux-gnu a.wast
    expect err '--target without --emit'
    ;;
*)
    echo "unknown case $CASE"
    exit 2
    ;;
esac

if [ "$FAILS" -ne 0 ]; then
    echo "cli/$CASE: $FAILS failure(s)"
    exit 1
fi
echo "cli/$CASE: ok"
exit 0
