#!/bin/bash
# Tests of `waot prewarm`, `waot cache ls|gc|rm`, compile progress and `waot image build`
# (labels "cache" and "image"). One ctest test per case:
#   image_cache_test.sh WAOT SRCDIR CASE
# Every case works in its own temporary directory with its own WAOT_CACHE_DIR inside it and
# removes it on exit. The guest is tests/cli/probe.c, compiled with clang for wasm32-wasi.
set -u
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd) # before any cd: $0 may be relative
WAOT=$1
SRC=$2
CASE=$3
CLANG=${WAOT_TEST_CLANG:-/usr/lib/llvm-16/bin/clang}

T=$(mktemp -d /tmp/waot-imgcache-XXXXXX) || exit 1
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
export WAOT_CACHE_DIR=$T/cache
unset WAOT_IMAGE_DIR
cd "$T" || exit 1

. "$TESTS_DIR/test_lib.sh"
probe() {
    "$CLANG" --target=wasm32-wasi -O2 -o "$T/probe.wasm" "$SRC/../cli/probe.c" ||
        { echo "cannot build probe.c with $CLANG"; exit 1; }
}
entries() { ls "$WAOT_CACHE_DIR"/artifacts/*.waot 2>/dev/null | wc -l; }
# sizes from stat: reading the entries would refresh their access times (their last use)
total_size() { local s=0 f; for f in "$WAOT_CACHE_DIR"/artifacts/*.waot; do [ -e "$f" ] && s=$((s + $(stat -c %s "$f"))); done; echo $s; }

case $CASE in
prewarm_no_compile)
    probe
    # control: with no compiler library a cold run must fail ...
    WAOT_COMPILER_LIB=$T/nonexistent.so run 125 run probe.wasm
    expect err 'nonexistent\.so'
    # ... and after prewarm it must not need one
    run 0 prewarm -q probe.wasm
    expect out '^compiled probe\.wasm'
    [ "$(entries)" = 1 ] || fail "prewarm left $(entries) entries"
    WAOT_COMPILER_LIB=$T/nonexistent.so run 0 run probe.wasm args hello
    expect out '^probe\.wasm$'
    expect out '^hello$'
    run 0 prewarm probe.wasm
    expect out '^cached +probe\.wasm'
    # an artifact for another machine type is a different entry: the host still compiles
    rm -rf "$WAOT_CACHE_DIR"
    run 0 prewarm --target aarch64-unknown-linux-gnu --cpu generic probe.wasm
    WAOT_COMPILER_LIB=$T/nonexistent.so run 125 run probe.wasm
    run 0 cache ls
    expect out 'aarch64-unknown-linux-gnu/generic'
    # ... while a generic entry prepared for this architecture (as a cache filled on another
    # machine holds it) serves a run here without compiling
    rm -rf "$WAOT_CACHE_DIR"
    run 0 prewarm -q --target "$(uname -m)-linux-gnu" probe.wasm
    WAOT_COMPILER_LIB=$T/nonexistent.so run 0 run probe.wasm args portable
    expect out '^portable$'
    run 125 prewarm "$T/missing.wasm"
    expect err 'missing\.wasm'
    run 125 prewarm --opt-level 9 probe.wasm
    ;;
cache_gc)
    probe
    for o in 0 1 2 3; do run 0 prewarm -q --opt-level $o probe.wasm; done
    run 0 prewarm -q --target aarch64-unknown-linux-gnu probe.wasm
    [ "$(entries)" = 5 ] || fail "expected 5 entries, have $(entries)"
    : >"$WAOT_CACHE_DIR/artifacts/.tmp-old" && touch -d '2 hours ago' "$WAOT_CACHE_DIR/artifacts/.tmp-old"
    sleep 1.2
    # use the -O0 entry now: it is the most recently used one
    WAOT_COMPILER_LIB=$T/nonexistent.so run 0 run --opt-level 0 probe.wasm
    used=$(ls -t -u "$WAOT_CACHE_DIR"/artifacts/*.waot | head -1)
    run 0 cache ls --no-trunc
    expect out "^$(basename "$used" .waot)"
    before=$(total_size)
    max=$((before / 2))
    [ "$(stat -c %s "$used")" -le "$max" ] || fail "test setup: used entry larger than half"
    run 0 cache gc --max-size $max
    expect out 'removed [1-9]'
    expect out 'and 1 leftover file'
    after=$(total_size)
    [ "$after" -le "$max" ] || fail "cache holds $after bytes after gc --max-size $max"
    [ "$after" -gt 0 ] || fail "gc removed everything"
    [ -f "$used" ] || fail "the most recently used entry was evicted"
    [ -e "$WAOT_CACHE_DIR/artifacts/.tmp-old" ] && fail "old temporary survived gc"
    WAOT_COMPILER_LIB=$T/nonexistent.so run 0 run --opt-level 0 probe.wasm
    # units
    run 0 cache gc --max-size 1G
    expect out 'removed 0 entries'
    run 125 cache gc --max-size lots
    run 0 cache gc --max-size 0
    [ "$(entries)" = 0 ] || fail "gc --max-size 0 left $(entries) entries"
    ;;
cache_rm)
    probe
    run 0 prewarm -q --opt-level 0 probe.wasm
    run 0 prewarm -q --opt-level 1 probe.wasm
    key=$(basename "$(ls "$WAOT_CACHE_DIR"/artifacts/*.waot | head -1)" .waot)
    run 0 cache rm "${key:0:12}"
    expect out "^$key$"
    [ -e "$WAOT_CACHE_DIR/artifacts/$key.waot" ] && fail "cache rm left $key"
    [ "$(entries)" = 1 ] || fail "cache rm removed the wrong number of entries"
    run 125 cache rm 0000000000000000
    expect err 'no such cache entry'
    run 125 cache rm
    run 0 cache rm --all
    [ "$(entries)" = 0 ] || fail "cache rm --all left $(entries) entries"
    run 0 cache ls
    expect out '^0 entries'
    run 125 cache frobnicate
    ;;
progress)
    # a module with many functions takes a while to compile
    {
        echo '#include <stdio.h>'
        for i in $(seq 0 199); do
            echo "__attribute__((noinline)) int f$i(int x) { int s = 0; for (int j = 0; j < x; j++) { s += j * $i ^ (s >> 3); if (s % 7 == $((i % 7))) s += f$(( i > 0 ? i - 1 : 0 ))(j % 3); } return s; }"
        done
        echo 'int main(int argc, char **argv) { int t = 0;'
        for i in $(seq 0 199); do echo "t += f$i(argc);"; done
        echo 'printf("done %d\n", t != 12345); return 0; }'
    } >big.c
    "$CLANG" --target=wasm32-wasi -O1 -o big.wasm big.c || { echo "cannot build big.c"; exit 1; }
    # on a terminal (script(1) provides one) the compile shows progress on stderr
    script -qec "$WAOT prewarm big.wasm" /dev/null >tty.log 2>&1 </dev/null
    grep -aEq 'compiling big\.wasm: [0-9]+/[0-9]+ functions, [0-9.]+ s' tty.log ||
        { fail "no progress on a terminal"; sed 's/^/  | /' tty.log; }
    # -q silences it, and so does a stderr that is not a terminal
    rm -rf "$WAOT_CACHE_DIR"
    script -qec "$WAOT run -q big.wasm" /dev/null >tty.log 2>&1 </dev/null
    grep -aq 'compiling' tty.log && fail "-q still showed progress"
    grep -aq 'done' tty.log || { fail "run -q big.wasm printed no result"; sed 's/^/  | /' tty.log; }
    rm -rf "$WAOT_CACHE_DIR"
    run 0 prewarm big.wasm
    grep -q 'compiling' "$T/err" && fail "progress written to a non-terminal"
    ;;
image_build)
    probe
    run 0 image build probe.wasm -t example.com/waot/probe:v1 -o a.tar --env GREETING=hi --env B=2
    expect out 'example\.com/waot/probe:v1'
    run 0 image build probe.wasm -t example.com/waot/probe:v1 -o b.tar --env GREETING=hi --env B=2
    cmp -s a.tar b.tar || fail "image build is not deterministic"
    ls a.tar.tmp* >/dev/null 2>&1 && fail "temporary left behind"
    tar tf a.tar >list || fail "a.tar is not a tar"
    for e in oci-layout index.json blobs/sha256/; do grep -qx "$e" list || fail "a.tar lacks $e"; done
    grep -q '"os":"wasip1"' <(tar xOf a.tar index.json) || fail "index lacks platform os wasip1"
    grep -q '"io.containerd.image.name":"example.com/waot/probe:v1"' <(tar xOf a.tar index.json) ||
        fail "index lacks io.containerd.image.name"
    grep -q '"org.opencontainers.image.ref.name":"v1"' <(tar xOf a.tar index.json) ||
        fail "index lacks the ref.name tag"
    # skopeo (not ours) reads it: platform, env, and it verifies every digest while copying
    if skopeo inspect oci-archive:a.tar >insp.json 2>insp.err; then
        grep -Eq '"Architecture": "wasm"' insp.json || fail "skopeo: architecture is not wasm"
        grep -Eq '"Os": "wasip1"' insp.json || fail "skopeo: os is not wasip1"
        grep -q 'GREETING=hi' insp.json || fail "skopeo: env missing"
        skopeo inspect --config oci-archive:a.tar >cfg.json 2>>insp.err || fail "skopeo inspect --config failed"
        grep -q '"/probe.wasm"' cfg.json || fail "config Entrypoint is not /probe.wasm"
        skopeo copy -q oci-archive:a.tar oci:copied:v1 >/dev/null 2>>insp.err ||
            { fail "skopeo copy failed"; cat insp.err; }
    else
        fail "skopeo inspect rejected the archive"
        cat insp.err
    fi
    # umoci (not ours) unpacks the root file system: it holds exactly the module
    # (umoci unpack proper refuses to write a runtime config.json for an os other than linux)
    mkdir lay && tar xf a.tar -C lay
    if umoci raw unpack --image lay:v1 rootfs >umoci.log 2>&1; then
        cmp -s rootfs/probe.wasm probe.wasm || fail "umoci unpacked another /probe.wasm"
        [ "$(ls rootfs)" = probe.wasm ] || fail "rootfs holds more than the module: $(ls rootfs)"
    else
        fail "umoci raw unpack failed"
        cat umoci.log
    fi
    umoci stat --image lay:v1 >/dev/null 2>&1 || fail "umoci stat failed"
    # options and errors
    run 0 image build probe.wasm -t probe --entrypoint /probe.wasm --cmd first --cmd second -w /
    [ -s probe.tar ] || fail "without -o the archive is not NAME.tar"
    grep -aq '"Cmd":\["first","second"\]' probe.tar ||
        fail "Cmd not recorded in the config"
    run 125 image build probe.wasm -o x.tar
    expect err 'no image name'
    echo "not wasm" >text.wasm
    run 125 image build text.wasm -t t:1 -o x.tar
    expect err 'not a WebAssembly module'
    [ -e x.tar ] && fail "a failed build left x.tar"
    run 125 image build probe.wasm -t 'bad name:1' -o x.tar
    ;;
image_run)
    # an image we built runs with `waot run`; prewarm of the image means no compile at run time
    probe
    run 0 image build probe.wasm -t example.com/waot/probe:v1 -o a.tar --env GREETING=hi
    run 0 prewarm -q a.tar
    expect out '^compiled a\.tar'
    WAOT_COMPILER_LIB=$T/nonexistent.so run 0 run a.tar args one
    expect out '^/probe\.wasm$'
    expect out '^one$'
    WAOT_COMPILER_LIB=$T/nonexistent.so run 0 run a.tar env
    expect out '^GREETING=hi$'
    run 0 prewarm a.tar
    expect out '^cached +a\.tar'
    run 125 prewarm "$T/nothing-here"
    expect err 'nothing-here'
    ;;
*)
    echo "unknown case $CASE"
    exit 2
    ;;
esac

if [ "$FAILS" != 0 ]; then
    echo "$CASE: $FAILS failure(s)"
    exit 1
fi
echo "$CASE: ok"
