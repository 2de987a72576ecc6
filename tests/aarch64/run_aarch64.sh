#!/bin/bash
# The aarch64 test run behind `make test-aarch64` (docs/cross-testing.md): code is compiled
# on this x86_64 machine for aarch64 by the host build's waot and libwaot_compiler.so, and
# the cross-built aarch64 waot (no compiler) runs it under qemu-aarch64-static.
#   1. spec: `waot wast --target aarch64-linux-gnu --emit DIR` over every .wast, then the
#      aarch64 `waot wast --artifacts DIR` over the same files (two halves in parallel);
#   2. traps: a division by zero, an out-of-bounds load, a helper's trap and stack
#      exhaustion, each with its Wasm backtrace (frame records through x29 on aarch64);
#      and the CPU feature check (HWCAP) under qemu's cortex-a53 and max CPU models;
#   3. WASI: the shared wasi-testsuite modules and waot's own guest programs, each compiled
#      with `waot compile --target aarch64-linux-gnu` and run by tests/wasi_suite/wasi_suite
#      through waot_qemu.sh;
#   4. with COMPILER_A64 set (an aarch64 libwaot_compiler.so): same_artifact.sh;
#   5. `waot prewarm --target aarch64-linux-gnu` here fills a cache that the aarch64 waot
#      (which has no compiler) then runs from.
# Usage: run_aarch64.sh HOST_BUILD A64_BUILD WORK_DIR
# Prints the counts of each part and, last, "aarch64: N passed, N failed"; exit 1 on a failure.
set -u
HOST=$(cd "$1" && pwd) A64=$(cd "$2" && pwd) WORK=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SPEC_DIR=${WAOT_SPEC_DIR:-$SRC/../shared/testsuite/spec}
WASI_DIR=${WAOT_WASI_SUITE_DIR:-$SRC/../shared/testsuite/wasi}
QEMU=${QEMU:-qemu-aarch64-static}
TARGET=aarch64-linux-gnu
export QEMU
rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
passed=0 failed=0

# Counts one line "... P passed, F failed[, S skipped]" into the totals.
count_line() {
    local p f
    p=$(sed -nE 's/.*[^0-9]?([0-9]+) passed, ([0-9]+) failed.*/\1/p' <<<"$1")
    f=$(sed -nE 's/.*[^0-9]?([0-9]+) passed, ([0-9]+) failed.*/\2/p' <<<"$1")
    passed=$((passed + ${p:-0})) failed=$((failed + ${f:-1}))
}

# ---- 1. spec ----
shopt -s nullglob
wasts=("$SPEC_DIR"/*.wast)
if [ ${#wasts[@]} -eq 0 ]; then
    echo "aarch64: no .wast files in $SPEC_DIR"
    failed=$((failed + 1))
else
    start=$SECONDS
    if ! "$HOST/waot" wast --target $TARGET --emit "$WORK/spec-art" "${wasts[@]}" > "$WORK/emit.log" 2>&1; then
        echo "aarch64: emitting artifacts failed:"; grep -v ' 0 failed' "$WORK/emit.log" | tail -20
        failed=$((failed + 1))
    fi
    echo "aarch64: emitted $(tail -1 "$WORK/emit.log" | cut -d' ' -f1) spec modules in $((SECONDS - start)) s"
    start=$SECONDS
    half1=() half2=()
    for i in "${!wasts[@]}"; do
        if [ $((i % 2)) -eq 0 ]; then half1+=("${wasts[$i]}"); else half2+=("${wasts[$i]}"); fi
    done
    "$QEMU" "$A64/waot" wast --artifacts "$WORK/spec-art" "${half1[@]}" > "$WORK/spec1.log" 2>&1 &
    pid1=$!
    "$QEMU" "$A64/waot" wast --artifacts "$WORK/spec-art" "${half2[@]}" > "$WORK/spec2.log" 2>&1
    wait $pid1
    sp=0 sf=0 ss=0
    for log in "$WORK/spec1.log" "$WORK/spec2.log"; do
        # failures: every line of a script's output that is not its count line
        grep -E '^[^ ]+\.wast:[0-9]+:|crashed|timed out|cannot' "$log" | head -40
        last=$(tail -1 "$log")
        read -r p f s <<<"$(sed -E 's/[^0-9 ]//g' <<<"$last")"
        sp=$((sp + ${p:-0})) sf=$((sf + ${f:-1})) ss=$((ss + ${s:-0}))
    done
    echo "aarch64: spec (${#wasts[@]} files, $((SECONDS - start)) s under qemu): $sp passed, $sf failed, $ss skipped"
    passed=$((passed + sp)) failed=$((failed + sf))
fi

# ---- 2. traps and backtraces ----
tp=0 tf=0
check_trap() { # name, expected exit, regex per expected stderr line...
    local name=$1 want=$2 out rc
    shift 2
    out=$("$QEMU" "$A64/waot" run --seccomp=unconfined "${inv[@]}" "$WORK/trap.waot" 2>&1)
    rc=$?
    local ok=1
    [ "$rc" -eq "$want" ] || ok=0
    for re in "$@"; do grep -Eq -- "$re" <<<"$out" || ok=0; done
    if [ $ok -eq 1 ]; then tp=$((tp + 1)); else
        tf=$((tf + 1)); echo "aarch64: trap case $name: exit $rc, output:"; sed 's/^/  | /' <<<"$out"
    fi
}
if wat2wasm --debug-names "$SRC/tests/cli/trap.wat" -o "$WORK/trap.wasm" &&
   "$HOST/waot" compile --opt-level 0 --target $TARGET "$WORK/trap.wasm" -o "$WORK/trap.waot"; then
    inv=()
    check_trap div 134 '^waot: wasm trap: integer divide by zero$' '^  0: inner \(func 0\)$' \
        '^  1: middle \(func 1\)$' '^  2: outer \(func 2\)$' '^  3: start \(func 4\)$'
    inv=(--invoke oob)
    check_trap oob 134 '^waot: wasm trap: out of bounds memory access$' '^  0: load \(func 3\)$' \
        '^  1: oob \(func 5\)$'
    inv=(--invoke bulk)
    check_trap bulk 134 '^waot: wasm trap: out of bounds memory access$' '^  0: fill \(func 6\)$' \
        '^  1: bulk \(func 7\)$'
    inv=(--invoke deep)
    check_trap deep 134 '^waot: wasm trap: call stack exhausted$' '^  0: recurse \(func 8\)$'
    inv=(--invoke answer)
    check_trap answer 0 '^42$'
else
    tf=$((tf + 1)); echo "aarch64: cannot build the trap module"
fi
echo "aarch64: traps: $tp passed, $tf failed"
passed=$((passed + tp)) failed=$((failed + tf))

# ---- 2b. CPU features from HWCAP (the loader's check), under two qemu CPU models ----
cp=0 cf=0
check_features() { # qemu cpu, feature list, expected exit, expected "missing" line
    local out rc
    out=$("$QEMU" -cpu "$1" "$A64/cpu_features_probe" "$2")
    rc=$?
    if [ "$rc" -eq "$3" ] && grep -qx "arch aarch64" <<<"$out" && grep -qx -- "missing $4" <<<"$out"; then
        cp=$((cp + 1))
    else
        cf=$((cf + 1)); echo "aarch64: features $2 on $1: exit $rc:"; sed 's/^/  | /' <<<"$out"
    fi
}
check_features cortex-a53 "+fp-armv8,+neon,+crc" 0 ""
check_features cortex-a53 "+neon,+dotprod,+lse,+sve" 1 "+dotprod,+lse,+sve"
check_features max "+neon,+dotprod,+lse,+sve,+sve2,+i8mm,+bf16" 0 ""
check_features max "+neon,+not-a-feature" 0 ""
echo "aarch64: CPU features: $cp passed, $cf failed"
passed=$((passed + cp)) failed=$((failed + cf))

# ---- 3. WASI ----
mkdir -p "$WORK/wasi-art"
wp=0 wf=0
wasi_tests=()
for suite in c assemblyscript; do
    for wasm in "$WASI_DIR/$suite"/*.wasm; do wasi_tests+=("$wasm|"); done
done
for wasm in "$HOST"/tests/wasi/*.wasm; do
    name=$(basename "$wasm" .wasm)
    wasi_tests+=("$wasm|$SRC/tests/wasi_suite/programs/$name.json")
done
start=$SECONDS
for t in "${wasi_tests[@]}"; do
    wasm=${t%%|*}
    sum=$(sha256sum < "$wasm")
    art=$WORK/wasi-art/${sum%% *}.waot
    [ -f "$art" ] || "$HOST/waot" compile --target $TARGET "$wasm" -o "$art" > /dev/null 2>&1 ||
        echo "aarch64: cannot compile $wasm for $TARGET"
done
compile_s=$((SECONDS - start))
start=$SECONDS
export WAOT_A64="$A64/waot" WAOT_A64_ARTIFACTS="$WORK/wasi-art"
for t in "${wasi_tests[@]}"; do
    wasm=${t%%|*} spec=${t#*|}
    args=(--timeout 240)
    [ -n "$spec" ] && args+=(--spec "$spec")
    if "$HOST/tests/wasi_suite" "${args[@]}" "$SRC/tests/aarch64/waot_qemu.sh" "$wasm" \
        > "$WORK/wasi.out" 2>&1; then
        wp=$((wp + 1))
    else
        wf=$((wf + 1)); echo "aarch64: WASI $wasm failed:"; tail -15 "$WORK/wasi.out" | sed 's/^/  | /'
    fi
done
echo "aarch64: WASI (${#wasi_tests[@]} tests; compiled in ${compile_s} s, ran in $((SECONDS - start)) s): $wp passed, $wf failed"
passed=$((passed + wp)) failed=$((failed + wf))

# ---- 4. the same artifact from an aarch64 compiler ----
if [ -n "${COMPILER_A64:-}" ]; then
    line=$(bash "$SRC/tests/aarch64/same_artifact.sh" "$HOST" "$COMPILER_A64" "$WORK/same" 2>&1 | tee "$WORK/same.log" | tail -1)
    grep -v 'passed,' "$WORK/same.log" | grep -i 'differ\|fail' | head
    echo "aarch64: identical artifacts: ${line#*: }"
    count_line "$line"
fi

# ---- 5. a cache prewarmed here for aarch64 serves the aarch64 waot unchanged ----
mkdir -p "$WORK/prewarm"
cat > "$WORK/prewarm/exit7.wat" <<'WAT'
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 7))))
WAT
pp=0 pf=0
if wat2wasm "$WORK/prewarm/exit7.wat" -o "$WORK/prewarm/exit7.wasm" &&
    WAOT_CACHE_DIR="$WORK/prewarm/cache" "$HOST/waot" prewarm -q --target $TARGET \
        "$WORK/prewarm/exit7.wasm" > /dev/null; then
    # the aarch64 waot has no compiler: only the prewarmed entry can make this run
    WAOT_CACHE_DIR="$WORK/prewarm/cache" "$QEMU" "$A64/waot" run --seccomp=unconfined \
        "$WORK/prewarm/exit7.wasm" > "$WORK/prewarm/out" 2>&1
    rc=$?
    if [ "$rc" = 7 ]; then
        pp=1
    else
        pf=1; echo "aarch64: prewarmed run exited $rc:"; sed 's/^/  | /' "$WORK/prewarm/out"
    fi
else
    pf=1; echo "aarch64: cannot prewarm exit7.wasm for $TARGET"
fi
echo "aarch64: cache prewarmed on x86_64: $pp passed, $pf failed"
passed=$((passed + pp)) failed=$((failed + pf))

echo "aarch64: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
