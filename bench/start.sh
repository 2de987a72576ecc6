#!/usr/bin/env bash
# Start-time benchmark of the example image: prints figures, asserts nothing about speed.
#
# The example module (build/examples/hello.wasm, examples/hello/hello.c built to wasm32-wasi
# by the build) is packed with `waot image build` and imported into a private store; the
# same hello.c is built natively with -static. Medians by hyperfine (-N: no shell) of
#   native static exec                     (the baseline)
#   waot run --rm IMAGE, warm              by store name, from the OCI archive and from an OCI
#                                          layout directory (cache warm, root unpacked)
#   waot run --read-only IMAGE, warm       no writable layer (no overlay mount)
#   waot run hello.wasm, warm              the plain module, for reference
#   waot run --rm IMAGE, cold              compiled-code cache removed before every run
#   waot run --rm IMAGE.tar, cold, empty   cache and image store removed: import, unpack,
#                                          compile, run
# and the ratio of each median to native.
#
#   bench/start.sh [--runs N] [--cold-runs N] [--build DIR]
# Environment: WAOT (default build/waot), WASM (default build/examples/hello.wasm), CC.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
waot=${WAOT:-$top/build/waot}
wasm=${WASM:-$top/build/examples/hello.wasm}
cc=${CC:-gcc}
runs=200
cold_runs=10
build=

usage() {
    echo "usage: $0 [--runs N] [--cold-runs N] [--build DIR]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --cold-runs) cold_runs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) usage ;;
    esac
done

[ -x "$waot" ] || { echo "waot not found at $waot (build it, or set WAOT)" >&2; exit 1; }
[ -f "$wasm" ] || { echo "example module not found at $wasm (build it, or set WASM)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine not installed: no start-time figures"; exit 0; }
command -v jq >/dev/null || { echo "jq not installed: no start-time figures"; exit 0; }
if [ -z "$build" ]; then
    build=$(mktemp -d "${TMPDIR:-/tmp}/waot-start.XXXXXX")
    trap 'rm -rf "$build"' EXIT
fi
mkdir -p "$build"
b=$(cd "$build" && pwd)

# ---- build: native static hello, the image (archive, layout directory, store) ----
"$cc" -O2 -static -o "$b/hello.static" "$top/examples/hello/hello.c"
export WAOT_CACHE_DIR=$b/cache WAOT_IMAGE_DIR=$b/images
rm -rf "$b/cache" "$b/images" "$b/layout"
img=waot-bench/hello:1
"$waot" image build "$wasm" -t "$img" -o "$b/hello.tar" >/dev/null
mkdir -p "$b/layout"
tar xf "$b/hello.tar" -C "$b/layout"
"$waot" image import "$b/hello.tar" >/dev/null
cp "$wasm" "$b/hello.wasm"
native_out=$("$b/hello.static")
native_out=${native_out%%$'\n'*}
image_out=$("$waot" run --rm "$img")
image_out=${image_out%%$'\n'*}
[ "$native_out" = "$image_out" ] ||
    { echo "outputs differ: native \"$native_out\", image \"$image_out\"" >&2; exit 1; }
# archives younger than 2 s are not memoised yet: let them age, then prime every variant
sleep 2.1
for src in "$img" "$b/hello.tar" "$b/layout" "$b/hello.wasm"; do
    "$waot" run --rm "$src" >/dev/null
done

# hf NAME RUNS [hyperfine options...] COMMAND: prints the median in ms
hf() {
    local name=$1 n=$2
    shift 2
    hyperfine -N --style none --runs "$n" --export-json "$b/hf-$name.json" "$@" >/dev/null 2>&1 ||
        { echo nan; return; }
    jq -r '.results[0].median * 1000 | . * 1000 | round / 1000' "$b/hf-$name.json"
}

native=$(hf native "$runs" --warmup 20 "$b/hello.static")
warm_name=$(hf warm-name "$runs" --warmup 10 "$waot run --rm $img")
warm_tar=$(hf warm-tar "$runs" --warmup 10 "$waot run --rm $b/hello.tar")
warm_lay=$(hf warm-layout "$runs" --warmup 10 "$waot run --rm $b/layout")
warm_ro=$(hf warm-ro "$runs" --warmup 10 "$waot run --read-only $img")
warm_wasm=$(hf warm-wasm "$runs" --warmup 10 "$waot run $b/hello.wasm")
cold=$(hf cold "$cold_runs" --prepare "rm -rf $b/cache" "$waot run --rm -q $img")
cold_empty=$(hf cold-empty "$cold_runs" --prepare "rm -rf $b/cache $b/images" \
             "$waot run --rm -q $b/hello.tar")

ratio() { awk -v a="$1" -v b="$native" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf "%-46s %9s %9s\n" "$1" "$2" "$(ratio "$2")"; }
echo
echo "# start of the example image (examples/hello), median wall ms of $runs runs" \
     "($cold_runs cold); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); uid $(id -u)"
printf "%-46s %9s %9s\n" "" "ms" "x native"
row "native static exec (examples/hello, -static)" "$native"
row "waot run --rm IMAGE, warm (store name)" "$warm_name"
row "waot run --rm IMAGE.tar, warm (OCI archive)" "$warm_tar"
row "waot run --rm DIR, warm (OCI layout)" "$warm_lay"
row "waot run --read-only IMAGE, warm" "$warm_ro"
row "waot run hello.wasm, warm (plain module)" "$warm_wasm"
row "waot run --rm IMAGE, cold (fresh cache)" "$cold"
row "waot run --rm IMAGE.tar, cold (empty store)" "$cold_empty"
if [ "$(id -u)" = 0 ]; then
    echo "# as root, --rm runs get an overlayfs writable layer on a tmpfs in a private mount"
    echo "# namespace; --read-only skips it"
fi
