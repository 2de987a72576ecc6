#!/bin/bash
# `make demo`: packs the example guest (built to wasm32-wasi by the build) as an OCI image
# with `waot image build`, then runs the image with `waot run` twice: cold, with an empty
# compiled-code cache (the run compiles), and warm (the run maps the cached artifact).
#   demo.sh BUILD_DIR
# The demo keeps its cache and image store in BUILD_DIR/demo-cache, so it never touches
# the user's cache; it is emptied first so that the cold start really is cold.
set -eu
BUILD=${1:-build}
WAOT=$BUILD/waot
WASM=$BUILD/examples/hello.wasm
IMAGE=$BUILD/examples/hello.oci.tar
export WAOT_CACHE_DIR=$BUILD/demo-cache

if [ ! -x "$WAOT" ] || [ ! -f "$WASM" ]; then
    echo "demo: $WAOT or $WASM is missing (the wasm32-wasi toolchain may be absent)" >&2
    exit 1
fi
now() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f ms", (b - a) / 1e6 }'; }

echo "== waot image build: $WASM -> $IMAGE"
"$WAOT" image build "$WASM" -t waot.example/hello:latest -o "$IMAGE" --env GREETING_NAME=waot
echo
rm -rf "$WAOT_CACHE_DIR"

echo "== cold start: waot run $IMAGE demo args (empty cache: compiles the module)"
t0=$(now)
"$WAOT" run "$IMAGE" demo args
t1=$(now)
cold=$(ms "$t0" "$t1")
echo
echo "== warm start: waot run $IMAGE demo args (the compiled artifact comes from the cache)"
t0=$(now)
"$WAOT" run "$IMAGE" demo args
t1=$(now)
warm=$(ms "$t0" "$t1")
echo
echo "cold start (compile + run): $cold"
echo "warm start (cached):        $warm"
