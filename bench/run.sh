#!/usr/bin/env bash
# Run-time benchmark: prints figures, asserts nothing about speed.
#
# 1. Compute kernels (bench/kernels/*.c), each built natively with clang -O2 (the baseline),
#    with gcc -O2 (reference) and to wasm32-wasi with clang -O2, run natively, with
#    `waot run` (warm cache) and, if node is installed, with node's WASI. Runs are
#    interleaved round by round; every run's stdout is compared with the native one (the
#    kernels print checksums). Prints each variant's median wall time, the ratios to native
#    clang, and their geometric means over the kernels whose outputs matched.
#    SIMD section: bench/kernels/simd_*.c (wasm_simd128.h intrinsics, or plain C that clang
#    autovectorises), built natively with clang -O2 -march=x86-64-v2 (SSE4.1 intrinsics /
#    autovectorised SSE) and to wasm32-wasi with clang -O2 -msimd128; same runs and ratios,
#    in a second table. --simd LIST picks them, --no-simd skips them, --only-simd runs only
#    them (no scalar kernels, no start-time sections).
# 2. Start time of a one-line hello: native static exec vs `waot run hello.wasm` cold
#    (fresh cache directory every run, so it includes compiling) and warm (cached), medians
#    measured with hyperfine, and the peak RSS of each (median of /usr/bin/time %M).
#
# 3. Start time of the example image (bench/start.sh): native static exec of
#    examples/hello/hello.c vs warm `waot run IMAGE` (store name, archive, layout) and cold
#    (fresh cache), medians and ratios. --no-image skips it.
#
#   bench/run.sh [--runs N] [--hello-runs N] [--kernels "nbody fib ..."] [--no-gcc]
#                [--no-node] [--no-hello] [--no-image] [--build DIR]
#                [--simd LIST] [--no-simd] [--only-simd]
# Environment: WAOT (default build/waot), CLANG (default /usr/lib/llvm-16/bin/clang), GCC.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
waot=${WAOT:-$top/build/waot}
clang=${CLANG:-/usr/lib/llvm-16/bin/clang}
gcc=${GCC:-gcc}
runs=5
hello_runs=200
kernels="nbody fannkuch sha256 matmul hashtable fib cholesky jacobi floyd"
simd_kernels="simd_dot simd_blur simd_autovec"
use_gcc=1
use_node=1
do_hello=1
do_image=1
build=

usage() {
    echo "usage: $0 [--runs N] [--hello-runs N] [--kernels LIST] [--no-gcc] [--no-node]" \
         "[--no-hello] [--no-image] [--build DIR] [--simd LIST] [--no-simd] [--only-simd]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --hello-runs) hello_runs=$2; shift 2 ;;
    --kernels) kernels=$2; shift 2 ;;
    --no-gcc) use_gcc=0; shift ;;
    --no-node) use_node=0; shift ;;
    --no-hello) do_hello=0; shift ;;
    --no-image) do_image=0; shift ;;
    --build) build=$2; shift 2 ;;
    --simd) simd_kernels=$2; shift 2 ;;
    --no-simd) simd_kernels=; shift ;;
    --only-simd) kernels=; do_hello=0; do_image=0; shift ;;
    *) usage ;;
    esac
done

[ -x "$waot" ] || { echo "waot not found at $waot (build it, or set WAOT)" >&2; exit 1; }
command -v "$clang" >/dev/null || { echo "clang not found: $clang" >&2; exit 1; }
command -v "$gcc" >/dev/null || use_gcc=0
command -v node >/dev/null || use_node=0
if [ -z "$build" ]; then
    build=$(mktemp -d "${TMPDIR:-/tmp}/waot-bench.XXXXXX")
    trap 'rm -rf "$build"' EXIT
fi
mkdir -p "$build"
b=$(cd "$build" && pwd)

# ---- build ----
echo "building kernels in $b ..."
for k in $kernels hello; do
    src=$here/kernels/$k.c
    [ -f "$src" ] || { echo "no kernel $src" >&2; exit 1; }
    "$clang" -O2 -o "$b/$k.clang" "$src" -lm
    [ $use_gcc = 1 ] && "$gcc" -O2 -o "$b/$k.gcc" "$src" -lm
    "$clang" --target=wasm32-wasi -O2 -o "$b/$k.wasm" "$src" -lm
done
for k in $simd_kernels; do
    src=$here/kernels/$k.c
    [ -f "$src" ] || { echo "no kernel $src" >&2; exit 1; }
    "$clang" -O2 -march=x86-64-v2 -o "$b/$k.clang" "$src" -lm
    [ $use_gcc = 1 ] && "$gcc" -O2 -march=x86-64-v2 -o "$b/$k.gcc" "$src" -lm
    "$clang" --target=wasm32-wasi -O2 -msimd128 -o "$b/$k.wasm" "$src" -lm
done
if ! "$clang" -O2 -static -o "$b/hello.static" "$here/kernels/hello.c" 2>/dev/null; then
    "$gcc" -O2 -static -o "$b/hello.static" "$here/kernels/hello.c"
fi
if [ $use_node = 1 ]; then
    cat > "$b/node_wasi.mjs" <<'EOF'
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';
const wasi = new WASI({ version: 'preview1', args: process.argv.slice(2), env: {}, returnOnExit: true });
const mod = await WebAssembly.compile(await readFile(process.argv[2]));
const inst = await WebAssembly.instantiate(mod, wasi.getImportObject());
process.exitCode = wasi.start(inst);
EOF
fi

export WAOT_CACHE_DIR=$b/cache
if ! out=$("$waot" run "$b/hello.wasm" 2>&1) || [ "$out" != "hello, world" ]; then
    echo "\`$waot run\` does not work yet: $out" >&2
    exit 1
fi

# ---- helpers ----
# median of the numbers on stdin
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
        else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
now_us() {
    local t=${EPOCHREALTIME/./}
    echo "${t#0}"
}
# variant_cmd VARIANT KERNEL: sets the array cmd to the command line
variant_cmd() {
    case $1 in
    clang) cmd=("$b/$2.clang") ;;
    gcc) cmd=("$b/$2.gcc") ;;
    waot) cmd=("$waot" run "$b/$2.wasm") ;;
    node) cmd=(node --no-warnings "$b/node_wasi.mjs" "$b/$2.wasm") ;;
    esac
}

variants="clang"
[ $use_gcc = 1 ] && variants="$variants gcc"
variants="$variants waot"
[ $use_node = 1 ] && variants="$variants node"

echo
echo "# waot run-time benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# waot $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), $(uname -m)," \
     "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# median of $runs interleaved runs, wall ms; ratios are x native clang -O2"
echo

# ---- kernels ----
# ms[k.v]: median ms; st[k.v]: "" when every run printed the native output and exited 0,
# "rc N" when the output matched but the exit status was N, "differs" otherwise.
declare -A ms st
# run_variant V K: runs once, output to $b/K.V.out; prints nothing, returns the status
run_variant() {
    variant_cmd "$1" "$2"
    { "${cmd[@]}" > "$b/$2.$1.out" 2>"$b/$2.$1.err"; } 2>/dev/null
}
note() {
    local key=$1 rc=$2 out=$3
    if ! cmp -s "$b/${key%%.*}.ref" "$out"; then
        st[$key]=differs
    elif [ "$rc" != 0 ] && [ "${st[$key]}" != differs ]; then
        st[$key]="rc $rc"
    fi
}
for k in $kernels $simd_kernels; do
    "$b/$k.clang" > "$b/$k.ref"
    # untimed first run of every variant: warms the waot cache (compiles) and the page cache
    for v in $variants; do
        st[$k.$v]=
        rc=0
        run_variant "$v" "$k" || rc=$?
        note "$k.$v" $rc "$b/$k.$v.out"
        [ -z "${st[$k.$v]}" ] ||
            echo "  $k: $v: ${st[$k.$v]} (see $b/$k.$v.out and .err)" >&2
        : > "$b/$k.$v.times"
    done
    for ((r = 0; r < runs; r++)); do
        for v in $variants; do
            rc=0
            t0=$(now_us)
            run_variant "$v" "$k" || rc=$?
            t1=$(now_us)
            note "$k.$v" $rc "$b/$k.$v.out"
            echo "$(( t1 - t0 ))" >> "$b/$k.$v.times"
        done
    done
    for v in $variants; do
        ms[$k.$v]=$(median < "$b/$k.$v.times" | awk '{ printf "%.1f", $1 / 1000 }')
    done
done

# usable A B K: both variants printed the native output (a nonzero exit after the right
# output, as node's WASI crash at exit, still counts for node's timing)
usable() {
    [ "${st[$3.$1]}" != differs ] && [ "${st[$3.$2]}" != differs ] &&
        { [ "$1" = node ] || [ -z "${st[$3.$1]}" ]; }
}
# ratio A B K: prints ms(A)/ms(B) for kernel K, or "-"
ratio_of() {
    if usable "$1" "$2" "$3"; then
        awk -v a="${ms[$3.$1]}" -v b="${ms[$3.$2]}" 'BEGIN { printf "%.2f", a / b }'
    else
        echo -
    fi
}
# geomean A B: geometric mean of ms(A)/ms(B) over the kernels of the table ($tbl) where
# both are usable
geomean() {
    local k list=
    for k in $tbl; do
        usable "$1" "$2" "$k" && list="$list ${ms[$k.$1]}/${ms[$k.$2]}"
    done
    echo "$list" | awk '{ s = 0; for (i = 1; i <= NF; i++) { split($i, p, "/"); s += log(p[1] / p[2]) }
        if (NF) printf "%.2f (%d)", exp(s / NF), NF; else print "-" }'
}

# table LIST: prints the table of the kernels in LIST
table() {
tbl=$1
[ -n "$tbl" ] || return 0
cols=("kernel" "clang ms")
[ $use_gcc = 1 ] && cols+=("gcc ms")
cols+=("waot ms" "waot/clang")
[ $use_gcc = 1 ] && cols+=("waot/gcc")
[ $use_node = 1 ] && cols+=("node ms" "node/clang")
cols+=("notes")
fmt="%-12s"
for ((i = 1; i < ${#cols[@]} - 1; i++)); do fmt="$fmt %10s"; done
fmt="$fmt  %s\n"
# shellcheck disable=SC2059
printf "$fmt" "${cols[@]}"
for k in $tbl; do
    row=("$k" "${ms[$k.clang]}")
    [ $use_gcc = 1 ] && row+=("${ms[$k.gcc]}")
    row+=("${ms[$k.waot]}" "$(ratio_of waot clang "$k")")
    [ $use_gcc = 1 ] && row+=("$(ratio_of waot gcc "$k")")
    [ $use_node = 1 ] && row+=("${ms[$k.node]}" "$(ratio_of node clang "$k")")
    notes=
    for v in $variants; do
        [ -z "${st[$k.$v]}" ] || notes="${notes:+$notes, }$v ${st[$k.$v]}"
    done
    row+=("${notes:-outputs match}")
    # shellcheck disable=SC2059
    printf "$fmt" "${row[@]}"
done
row=("geomean" "")
[ $use_gcc = 1 ] && row+=("")
row+=("" "$(geomean waot clang)")
[ $use_gcc = 1 ] && row+=("$(geomean waot gcc)")
[ $use_node = 1 ] && row+=("" "$(geomean node clang)")
row+=("(n) = kernels counted")
# shellcheck disable=SC2059
printf "$fmt" "${row[@]}"
}
table "$kernels"
if [ -n "$simd_kernels" ]; then
    [ -z "$kernels" ] || echo
    echo "# SIMD: native clang -O2 -march=x86-64-v2 (gcc likewise) vs wasm clang -O2 -msimd128"
    table "$simd_kernels"
fi

# ---- start time ----
# start_image: the example image's start time (bench/start.sh)
start_image() {
    [ $do_image = 1 ] || return 0
    local ex=${WASM:-$top/build/examples/hello.wasm}
    [ -f "$ex" ] || { echo "no example module at $ex: no image start-time figures"; return 0; }
    WAOT=$waot WASM=$ex bash "$here/start.sh" --runs "$hello_runs" --build "$b/start"
}
if [ $do_hello = 0 ]; then
    start_image
    exit 0
fi
command -v hyperfine >/dev/null || { echo "hyperfine not installed: no start-time figures"; exit 0; }
# hf NAME RUNS [hyperfine options...] -- COMMAND: prints the median in ms
hf() {
    local name=$1 n=$2
    shift 2
    hyperfine -N --style none --runs "$n" --export-json "$b/hf-$name.json" "$@" >/dev/null 2>&1 ||
        { echo nan; return; }
    jq -r '.results[0].median * 1000 | . * 1000 | round / 1000' "$b/hf-$name.json"
}
# rss CMD...: median peak RSS in KiB over 5 runs
rss() {
    for _ in 1 2 3 4 5; do
        /usr/bin/time -f %M -o "$b/rss" "$@" >/dev/null 2>&1 || { echo nan; return; }
        cat "$b/rss"
    done | median
}
echo
echo "# start of a one-line hello (median wall ms; RSS = median peak resident KiB)"
cold_runs=$(( hello_runs / 10 > 5 ? hello_runs / 10 : 5 ))
native_ms=$(hf native "$hello_runs" --warmup 20 "$b/hello.static")
native_rss=$(rss "$b/hello.static")
export WAOT_CACHE_DIR=$b/cache-warm
"$waot" run "$b/hello.wasm" >/dev/null
warm_ms=$(hf warm "$hello_runs" --warmup 20 "$waot run $b/hello.wasm")
warm_rss=$(rss "$waot" run "$b/hello.wasm")
export WAOT_CACHE_DIR=$b/cache-cold
cold_ms=$(hf cold "$cold_runs" --prepare "rm -rf $b/cache-cold" "$waot run $b/hello.wasm")
rm -rf "$b/cache-cold"
cold_rss=$(/usr/bin/time -f %M "$waot" run "$b/hello.wasm" 2>&1 >/dev/null | tail -1)
printf "%-34s %9s %9s %9s\n" "" "ms" "x native" "RSS KiB"
ratio() { awk -v a="$1" -v b="$native_ms" 'BEGIN { printf "%.2f", a / b }'; }
printf "%-34s %9s %9s %9s\n" "native static exec (clang -O2)" "$native_ms" "1.00" "$native_rss"
printf "%-34s %9s %9s %9s\n" "waot run, warm (cached)" "$warm_ms" "$(ratio "$warm_ms")" "$warm_rss"
printf "%-34s %9s %9s %9s\n" "waot run, cold (compile + run)" "$cold_ms" "$(ratio "$cold_ms")" "$cold_rss"
if [ $use_node = 1 ]; then
    node_ms=$(hf node "$cold_runs" "node --no-warnings $b/node_wasi.mjs $b/hello.wasm")
    node_rss=$(rss node --no-warnings "$b/node_wasi.mjs" "$b/hello.wasm")
    printf "%-34s %9s %9s %9s\n" "node 20 WASI" "$node_ms" "$(ratio "$node_ms")" "$node_rss"
fi
echo "# hello.wasm: $(stat -c %s "$b/hello.wasm") bytes; cold runs: $cold_runs, warm/native runs: $hello_runs"
start_image
