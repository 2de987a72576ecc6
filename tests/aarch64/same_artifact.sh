#!/bin/bash
# An artifact compiled on this x86_64 machine for aarch64 must be byte-identical to one
# compiled on aarch64: here, the aarch64 build of libwaot_compiler.so (linked with Debian's
# libllvm16:arm64) run by the aarch64 waot under qemu-aarch64-static. Both compile with
# `--target aarch64-linux-gnu --cpu generic`, the options a machine uses to prepare code for
# every aarch64 machine. Also checks that the host compiler gives the same bytes twice
# (codegen partitions do not depend on thread count or timing: compiler/codegen.c).
# Usage: same_artifact.sh HOST_BUILD AARCH64_COMPILER_LIB WORK_DIR [MODULE.wasm...]
# Without modules: a set of spec, WASI and SIMD modules. Last line "same: N passed, N failed".
set -u
HOST=$(cd "$1" && pwd) LIB=$2 WORK=$3
shift 3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
QEMU=${QEMU:-qemu-aarch64-static}
# the aarch64 waot that loads LIB: the one built next to it
A64_WAOT=${A64_WAOT:-$(dirname "$LIB")/waot}
rm -rf "$WORK"
mkdir -p "$WORK"
mods=("$@")
if [ ${#mods[@]} -eq 0 ]; then
    wat2wasm --debug-names "$SRC/tests/cli/trap.wat" -o "$WORK/trap.wasm"
    # a SIMD module and a control-flow-heavy one from the spec suite
    for w in simd_f32x4_arith br_table; do
        wast2json "$SRC/../shared/testsuite/spec/$w.wast" -o "$WORK/$w.json" > /dev/null
    done
    mods=("$WORK/trap.wasm" "$WORK/simd_f32x4_arith.0.wasm" "$WORK/br_table.0.wasm")
    for w in "$SRC"/../shared/testsuite/wasi/c/{lseek,fopen-with-access}.wasm; do
        [ -f "$w" ] && mods+=("$w")
    done
fi
p=0 f=0
for m in "${mods[@]}"; do
    name=$(basename "$m" .wasm)
    opts=(compile --target aarch64-linux-gnu --cpu generic "$m")
    if ! "$HOST/waot" "${opts[@]}" -o "$WORK/$name.host1.waot" > /dev/null ||
       ! "$HOST/waot" "${opts[@]}" -o "$WORK/$name.host2.waot" > /dev/null ||
       ! WAOT_COMPILER_LIB=$LIB "$QEMU" "$A64_WAOT" "${opts[@]}" -o "$WORK/$name.a64.waot" > /dev/null; then
        echo "$name: compiling failed"
        f=$((f + 1))
        continue
    fi
    if ! cmp -s "$WORK/$name.host1.waot" "$WORK/$name.host2.waot"; then
        echo "$name: two host compilations differ"
        f=$((f + 1))
    elif ! cmp "$WORK/$name.host1.waot" "$WORK/$name.a64.waot"; then
        echo "$name: the x86_64-built and the aarch64-built artifacts differ"
        f=$((f + 1))
    else
        echo "$name: identical ($(stat -c %s "$WORK/$name.host1.waot") bytes)"
        p=$((p + 1))
    fi
done
echo "same: $p passed, $f failed"
[ "$f" -eq 0 ]
