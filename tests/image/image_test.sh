#!/bin/bash
# Tests of `waot run IMAGE` and `waot image import|ls|rm|inspect` (label "image"), with images
# made by tools we did not write (umoci, skopeo) or assembled here byte by byte. One ctest
# test per case:
#   image_test.sh WAOT SRCDIR CASE
# Every case works in its own temporary directory with its own WAOT_CACHE_DIR (so its own
# image store, TMP/images) and removes it on exit, after checking nothing is still mounted.
set -u
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd) # before any cd: $0 may be relative
WAOT=$1
SRC=$2
CASE=$3
CLANG=${WAOT_TEST_CLANG:-/usr/lib/llvm-16/bin/clang}

T=$(mktemp -d /tmp/waot-image-XXXXXX) || exit 1
cleanup() {
    grep -q " $T/" /proc/mounts && echo "FAIL [$CASE]: a mount under $T is left" && FAILS=1
    chmod -R u+w "$T" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
export WAOT_CACHE_DIR=$T/cache
unset WAOT_IMAGE_DIR
STORE=$T/images
cd "$T" || exit 1

. "$TESTS_DIR/test_lib.sh"
sha() { sha256sum "$1" | cut -d' ' -f1; }

probe() {
    "$CLANG" --target=wasm32-wasi -O2 -o "$T/probe.wasm" "$SRC/../cli/probe.c" ||
        { echo "cannot build probe.c with $CLANG"; exit 1; }
}

# An OCI layout lay/ (tag "t") made with umoci: /app/probe.wasm, /app/rel.txt, /data/hello.txt,
# Entrypoint /app/probe.wasm, Cmd ["args"], Env FOO=bar, WorkingDir /app, platform wasip1/wasm.
umoci_image() {
    probe
    umoci init --layout lay >/dev/null && umoci new --image lay:t >/dev/null &&
        umoci unpack --rootless --image lay:t bundle >/dev/null ||
        { echo "umoci failed"; exit 1; }
    mkdir -p bundle/rootfs/app bundle/rootfs/data
    cp probe.wasm bundle/rootfs/app/probe.wasm
    echo "relative file" >bundle/rootfs/app/rel.txt
    echo "hello from the image" >bundle/rootfs/data/hello.txt
    umoci repack --image lay:t bundle >/dev/null &&
        umoci config --image lay:t --os wasip1 --architecture wasm \
            --config.entrypoint /app/probe.wasm --config.cmd args --config.env FOO=bar \
            --config.workingdir /app >/dev/null ||
        { echo "umoci config failed"; exit 1; }
    rm -rf bundle
}

# The basic checks of an image made by umoci, run as IMAGE.
check_umoci_run() {
    local img=$1
    run 0 run "$img"
    expect out '^/app/probe.wasm$'
    expect out '^args$'
    run 0 run "$img" cat /data/hello.txt          # ARGS replace Cmd
    expect out '^hello from the image$'
    run 0 run -e X=1 "$img" env
    expect out '^FOO=bar$'
    expect out '^X=1$'
    run 0 run -e FOO=override "$img" env
    expect out '^FOO=override$'
    expect_not out '^FOO=bar$'
}

case $CASE in
umoci_layout)
    umoci_image
    check_umoci_run lay
    ;;
umoci_archive)
    umoci_image
    (cd lay && tar cf ../img.oci.tar .)
    check_umoci_run img.oci.tar
    "$WAOT" run img.oci.tar exit 7 >/dev/null 2>&1
    [ $? = 7 ] || fail "guest exit status not passed through"
    # a gzip-compressed archive is read as well
    gzip -k img.oci.tar
    run 0 run img.oci.tar.gz
    expect out '^args$'
    ;;
store)
    umoci_image
    (cd lay && tar cf ../img.oci.tar .)
    run 0 image import img.oci.tar
    expect out '^img:t sha256:[0-9a-f]{64}$'
    run 0 image import lay -t example.org/probe:1
    expect out '^example.org/probe:1 sha256:'
    run 0 image ls
    expect out '^img:t '
    expect out '^example.org/probe:1 '
    run 0 image inspect example.org/probe:1
    expect out '"platform": "wasip1/wasm"'
    expect out '"/app/probe.wasm"'
    expect out '"FOO=bar"'
    expect out '"workdir": "/app"'
    expect out "\"module_digest\": \"sha256:$(sha probe.wasm)\""
    digest=$(sed -n 's/^example.org\/probe:1 sha256://p' "$T/out")
    run 0 image inspect example.org/probe:1
    mdigest=$(grep '"digest"' "$T/out" | sed 's/.*sha256:\([0-9a-f]*\).*/\1/')
    rm -rf lay img.oci.tar                         # runs from the store alone
    check_umoci_run example.org/probe:1
    run 0 image rm img:t
    run 0 image ls
    expect_not out '^img:t '
    [ -n "$(ls "$STORE/blobs/sha256")" ] || fail "rm removed blobs still used by another image"
    run 0 image rm example.org/probe:1
    run 125 run example.org/probe:1
    expect err 'no such file, directory or image'
    [ ! -e "$STORE/blobs/sha256/$mdigest" ] || fail "manifest blob left after removing every image"
    [ -z "$(ls "$STORE/rootfs")" ] || fail "root file system left after removing every image"
    run 125 image rm nosuch
    ;;
artifact)
    # A Wasm OCI artifact (runwasi style): the layer is the module itself, no platform on the
    # index entry, config application/vnd.wasm.config.v0+json.
    probe
    mkdir -p art/blobs/sha256
    echo '{"imageLayoutVersion":"1.0.0"}' >art/oci-layout
    L=$(sha probe.wasm)
    cp probe.wasm art/blobs/sha256/$L
    printf '{"architecture":"wasm","os":"wasip1","layerDigests":["sha256:%s"],"component":null}' "$L" >cfg
    C=$(sha cfg)
    cp cfg art/blobs/sha256/$C
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.wasm.config.v0+json","config":{"mediaType":"application/vnd.wasm.config.v0+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.bytecodealliance.wasm.component.layer.v0+wasm","digest":"sha256:%s","size":%d}]}' \
        "$C" "$(stat -c %s cfg)" "$L" "$(stat -c %s probe.wasm)" >man
    M=$(sha man)
    cp man art/blobs/sha256/$M
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"example.org/art:1"}}]}' \
        "$M" "$(stat -c %s man)" >art/index.json
    run 0 run art args one two
    expect out '^one$'
    expect out '^two$'
    run 0 image import art
    expect out '^example.org/art:1 '
    run 0 image inspect example.org/art:1
    expect out '"kind": "wasm-artifact"'
    expect out "\"module_digest\": \"sha256:$L\""
    # the module blob is run in place: the cache memo names the blob's inode
    run 0 run example.org/art:1 env
    [ -e "$STORE/blobs/sha256/$L" ] || fail "module blob not in the store"
    # the same module as a raw application/wasm layer under an OCI image config
    sed 's/application\/vnd.bytecodealliance.wasm.component.layer.v0+wasm/application\/wasm/' man >man2
    M2=$(sha man2)
    cp man2 art/blobs/sha256/$M2
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"platform":{"os":"wasip1","architecture":"wasm"}}]}' \
        "$M2" "$(stat -c %s man2)" >art/index.json
    run 0 run art args three
    expect out '^three$'
    # the cache key is the module's digest (= the layer digest): the plain file shares it
    n=$(ls "$WAOT_CACHE_DIR"/artifacts/*.waot | wc -l)
    run 0 run probe.wasm args
    [ "$(ls "$WAOT_CACHE_DIR"/artifacts/*.waot | wc -l)" = "$n" ] ||
        fail "the module file and the image's module layer got different cache entries"
    ;;
docker_archive)
    umoci_image
    skopeo copy -q oci:lay:t docker-archive:img.docker.tar:docker.io/example/probe:2 >/dev/null 2>&1 ||
        { echo "skopeo failed"; exit 1; }
    check_umoci_run img.docker.tar
    run 0 image import img.docker.tar
    expect out '^docker.io/example/probe:2 '
    run 0 run docker.io/example/probe:2 cat /data/hello.txt
    expect out '^hello from the image$'
    ;;
tamper)
    umoci_image
    # change one byte of the layer blob: refused, nothing unpacked
    layer=$(python3 -c 'import json,sys
m=json.load(open("lay/blobs/sha256/"+json.load(open("lay/index.json"))["manifests"][0]["digest"][7:]))
print(m["layers"][0]["digest"][7:])')
    cp -r lay bad
    chmod u+w bad/blobs/sha256/$layer
    printf 'X' | dd of=bad/blobs/sha256/$layer bs=1 seek=100 conv=notrunc 2>/dev/null
    run 125 run bad
    expect err 'digest mismatch'
    [ -z "$(ls "$STORE/rootfs" 2>/dev/null)" ] || fail "a root file system was unpacked"
    [ ! -e "$STORE/blobs/sha256/$layer" ] || fail "the tampered blob was stored"
    (cd bad && tar cf ../bad.tar .)
    run 125 run bad.tar
    expect err 'digest mismatch'
    run 125 image import bad.tar
    expect err 'digest mismatch'
    [ -z "$(ls "$STORE/refs")" ] || fail "a tampered image was recorded"
    # a descriptor size that lies
    cp -r lay bad2
    python3 - <<'EOF'
import json
i = json.load(open("bad2/index.json"))
i["manifests"][0]["size"] += 1
json.dump(i, open("bad2/index.json", "w"))
EOF
    run 125 run bad2
    expect err 'size'
    ;;
workdir)
    # WorkingDir /app goes to launch as the working directory; with the root preopened as
    # "/", absolute paths still resolve under "/" (not under the working directory)
    umoci_image
    run 0 run lay cat /data/hello.txt cat /app/rel.txt
    expect out '^hello from the image$'
    expect out '^relative file$'
    run 0 run -w /data lay cat /data/hello.txt cat /app/rel.txt
    expect out '^hello from the image$'
    expect out '^relative file$'
    run 0 run --read-only -w /app/ lay cat /data/hello.txt
    expect out '^hello from the image$'
    # -w naming a directory the image lacks fails; a WorkingDir the image lacks is ignored
    run 125 run -w /nope lay
    expect err 'nope'
    umoci config --image lay:t --config.workingdir /missing >/dev/null
    run 0 run lay cat /data/hello.txt
    expect out '^hello from the image$'
    # a relative Entrypoint resolves against WorkingDir
    umoci config --image lay:t --config.workingdir /app --config.entrypoint probe.wasm >/dev/null
    run 0 run lay
    expect out '^probe.wasm$'
    ;;
archive_memo)
    # a warm run of an unchanged archive does not read it again: archive state -> manifest
    # digest is memoised in the store (only once the archive is 2 s old)
    umoci_image
    (cd lay && tar cf ../img.oci.tar .)
    sleep 2.2
    run 0 run img.oci.tar
    expect out '^args$'
    ls "$STORE/memos/"*.archive >/dev/null 2>&1 || fail "no archive memo written"
    grep -q '^waot-archive-memo 1$' "$STORE"/memos/*.archive || fail "memo format"
    run 0 run img.oci.tar env
    expect out '^FOO=bar$'
    if command -v strace >/dev/null; then
        strace -f -e trace=openat,open -o "$T/trace" "$WAOT" run img.oci.tar >/dev/null 2>&1
        n=$(grep -c 'img.oci.tar' "$T/trace")
        grep 'img.oci.tar' "$T/trace" | grep -q 'O_CLOEXEC' || fail "archive not opened"
        [ "$n" -le 2 ] || fail "archive opened $n times on a warm run"
    fi
    # a changed archive (same path) is read again
    umoci config --image lay:t --config.cmd env >/dev/null
    (cd lay && tar cf ../img.oci.tar .)
    run 0 run img.oci.tar
    expect out '^FOO=bar$'
    expect_not out '^args$'
    # a memo whose manifest has left the store falls back to reading the archive
    sleep 2.2
    run 0 run img.oci.tar
    mdigest=$(sed -n 's/.* sha256:\([0-9a-f]*\) .*/\1/p' "$STORE"/memos/*.archive | head -1)
    [ -n "$mdigest" ] && rm -f "$STORE/blobs/sha256/$mdigest"
    run 0 run img.oci.tar
    expect out '^FOO=bar$'
    [ -e "$STORE/blobs/sha256/$mdigest" ] || fail "manifest not imported again"
    # docker-archives are memoised too
    skopeo copy -q oci:lay:t docker-archive:img.docker.tar:docker.io/example/probe:2 >/dev/null 2>&1 ||
        { echo "skopeo failed"; exit 1; }
    sleep 2.2
    run 0 run img.docker.tar
    run 0 run img.docker.tar
    expect out '^FOO=bar$'
    [ "$(ls "$STORE"/memos/*.archive | wc -l)" = 2 ] || fail "docker-archive not memoised"
    ;;
no_wasm)
    umoci_image
    umoci config --image lay:t --os linux --architecture amd64 >/dev/null
    run 125 run lay
    expect err 'image has no wasm platform \(found linux/amd64\)'
    ;;
missing_module)
    umoci_image
    umoci config --image lay:t --config.entrypoint /nope.wasm >/dev/null
    run 127 run lay
    expect err 'nope\.wasm'
    umoci config --image lay:t --config.entrypoint /app >/dev/null
    run 126 run lay
    ;;
writable)
    umoci_image
    if [ "$(id -u)" = 0 ] && grep -qw overlay /proc/filesystems; then
        run 0 run --rm lay write /app/new.txt written
        expect out 'wrote /app/new.txt'
        run 2 run --rm lay cat /app/new.txt          # the last run's writes are gone
        expect out 'cat failed'
        [ -z "$(ls "$STORE/runs")" ] || fail "--rm left a run directory"
        run 0 run lay write /data/kept.txt kept
        [ -n "$(ls "$STORE/runs")" ] || fail "without --rm the writable layer should be kept"
        grep -rq kept "$STORE/runs" || fail "the write is not in the run's layer"
        grep -rq kept "$STORE/rootfs" && fail "the write changed the stored image"
    else
        run 3 run lay write /app/new.txt x
        expect err 'read-only'
    fi
    run 3 run --read-only lay write /app/new.txt x
    expect out 'write failed'
    grep -q " $STORE/" /proc/mounts && fail "an overlay is still mounted"
    ;;
nonroot)
    # without root there is no overlayfs: the root is read-only, with a notice
    if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
        echo "nonroot: skipped (needs root and setpriv to become another user)"
        exit 0
    fi
    umoci_image
    chmod 755 "$T"
    chmod -R a+rX lay probe.wasm
    mkdir nr && chown nobody nr
    as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$T/nr" \
                  WAOT_CACHE_DIR="$T/nr/cache" "$WAOT" "$@"; }
    as_nobody run lay write /app/x.txt data >"$T/out" 2>"$T/err"
    [ $? = 3 ] || fail "a write into the read-only root did not fail"
    expect err 'notice: .*read-only'
    as_nobody run lay cat /data/hello.txt >"$T/out" 2>"$T/err" || fail "reading failed"
    expect out '^hello from the image$'
    as_nobody run --read-only lay cat /data/hello.txt >"$T/out" 2>"$T/err"
    expect_not err 'notice'
    ;;
*)
    echo "unknown case $CASE"
    exit 2
    ;;
esac

if [ "$FAILS" -gt 0 ]; then
    echo "$CASE: $FAILS failure(s)"
    exit 1
fi
echo "$CASE: ok"
exit 0
