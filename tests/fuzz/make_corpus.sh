#!/usr/bin/env bash
# Builds the seed corpora of the libFuzzer targets under OUT (never in the source tree):
#   OUT/fuzz_wasm        binary modules wast2json extracts from the spec suite
#   OUT/fuzz_artifact    artifacts `waot compile` makes from some of those modules
#   OUT/fuzz_image_json  index / manifest / config / docker manifest.json samples
#   OUT/fuzz_unpack      tar layers (plain, gzip, zstd), including escape attempts
#   OUT/fuzz_ttrpc       ttrpc byte streams: valid Request frames, pipelined, and broken ones
# usage: make_corpus.sh OUT WAOT_BIN [SPEC_DIR]
set -euo pipefail
OUT=${1:?usage: make_corpus.sh OUT WAOT_BIN [SPEC_DIR]}
WAOT=${2:?usage: make_corpus.sh OUT WAOT_BIN [SPEC_DIR]}
HERE=$(cd "$(dirname "$0")" && pwd)
SPEC=${3:-$HERE/../../../shared/testsuite/spec}
mkdir -p "$OUT"/fuzz_wasm "$OUT"/fuzz_artifact "$OUT"/fuzz_image_json "$OUT"/fuzz_unpack "$OUT"/fuzz_ttrpc
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---- wasm: every binary module of the spec suite (small ones; dedup by content) ----
if [ -z "$(ls -A "$OUT/fuzz_wasm")" ]; then
  for w in "$SPEC"/*.wast; do
    n=$(basename "$w" .wast)
    mkdir -p "$TMP/spec/$n"
    wast2json --enable-all "$w" -o "$TMP/spec/$n/$n.json" >/dev/null 2>&1 || \
      wast2json "$w" -o "$TMP/spec/$n/$n.json" >/dev/null 2>&1 || true
  done
  find "$TMP/spec" -name '*.wasm' -size -64k | while read -r f; do
    cp "$f" "$OUT/fuzz_wasm/$(sha1sum "$f" | cut -c1-16).wasm"
  done
fi

# ---- artifacts: compile a handful of varied modules ----
if [ -z "$(ls -A "$OUT/fuzz_artifact")" ]; then
  for n in i32 memory global table call_indirect elem data start func br_table \
           imports exports memory_grow names ref_func table_grow bulk; do
    d="$TMP/spec/$n"
    [ -d "$d" ] || continue
    k=0
    for f in "$d"/*.wasm; do
      [ -e "$f" ] || continue
      if "$WAOT" compile "$f" -o "$OUT/fuzz_artifact/$n-$k.waot" >/dev/null 2>&1; then
        k=$((k + 1))
        [ $k -ge 2 ] && break
      fi
    done
  done
fi

# ---- image JSON: first byte selects the parser (0 index, 1 manifest, 2 config, 3 docker) ----
J="$OUT/fuzz_image_json"
seed() { printf '%b' "$2" >"$J/$1"; }
LAYER='{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1}'
WLAYER='{"mediaType":"application/vnd.wasm.content.layer.v1+wasm","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":8}'
seed index-plain  '\x00{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"@MANIFEST@","size":@MSIZE@,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}'
seed index-plat   '\x00{"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"@MANIFEST@","size":-1,"platform":{"os":"linux","architecture":"amd64"}},{"digest":"@MANIFEST@","size":@MSIZE@,"platform":{"os":"wasip1","architecture":"wasm"},"annotations":{"io.containerd.image.name":"x/y:z"}}]}'
seed index-att    '\x00{"manifests":[{"digest":"@MANIFEST@","size":@MSIZE@,"annotations":{"vnd.docker.reference.type":"attestation-manifest"}},{"digest":"@MANIFEST@","size":@MSIZE@,"platform":{"os":"unknown","architecture":"unknown"}}]}'
seed index-nested '\x00{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"@MANIFEST@","size":@MSIZE@}]}'
seed index-bad    '\x00{"manifests":[{"digest":"md5:abc","size":1}, 3, null]}'
seed manifest     '\x01{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"@CONFIG@","size":@CSIZE@},"layers":['"$LAYER"']}'
seed manifest-wasm '\x01{"config":{"digest":"@CONFIG@","size":@CSIZE@},"layers":['"$LAYER,$WLAYER"']}'
seed manifest-bad '\x01{"config":{"digest":"sha256:zz","size":-4},"layers":{}}'
seed config       '\x02{"os":"wasip1","architecture":"wasm","config":{"Entrypoint":["/a.wasm","x"],"Cmd":["b"],"Env":["A=1","B=2"],"WorkingDir":"/w"},"rootfs":{"diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}'
seed config-docker '\x02{"os":"wasi","architecture":"wasm32","Config":{"Entrypoint":null,"Cmd":[1],"Env":"x"},"rootfs":{"diff_ids":[]}}'
seed config-deep  '\x02{"config":{"Entrypoint":[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}}'
seed docker       '\x03[{"Config":"c.json","RepoTags":["w:1"],"Layers":["l1/layer.tar","l2/layer.tar"]}]'
seed docker-miss  '\x03[{"Config":"c.json","Layers":["missing"]},{"Config":"x"}]'
seed docker-bad   '\x03{"Config":"c.json"}'
seed unicode      '\x01{"config":{"digest":"@CONFIG@","size":@CSIZE@},"layers":[{"mediaType":"\\u0000\\ud800","digest":"@CONFIG@","size":9007199254740993}]}'

# ---- layers: tar variants built with python's tarfile ----
python3 - "$OUT/fuzz_unpack" <<'PY'
import gzip, io, os, subprocess, sys, tarfile
out = sys.argv[1]
outside = []
for base in ("/dev/shm/waot-fuzz-unpack", "/tmp/waot-fuzz-unpack"):
    outside.append(base + "/outside")

def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.linkname = link
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    return ti, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)

def tar(name, entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for ti, f in entries:
            t.addfile(ti, f)
    raw = buf.getvalue()
    open(os.path.join(out, name + ".tar"), "wb").write(raw)
    return raw

D, S, L, F = tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE
plain = tar("plain", [entry("app", D, mode=0o755), entry("app/main.wasm", data=b"\0asm\1\0\0\0"),
                      entry("app/link", S, link="main.wasm"), entry("app/hard", L, link="app/main.wasm"),
                      entry("etc/", D), entry("etc/passwd", data=b"root:x:0:0::/:/bin/sh\n")])
open(os.path.join(out, "plain.tar.gz"), "wb").write(gzip.compress(plain))
try:
    z = subprocess.run(["zstd", "-q", "-c"], input=plain, capture_output=True, check=True).stdout
    open(os.path.join(out, "plain.tar.zst"), "wb").write(z)
except Exception:
    pass
tar("dotdot", [entry("../outside/x", data=b"x"), entry("a/../../outside/y", data=b"y")])
tar("abs", [entry("/etc/x", data=b"x"), entry("/../outside/z", data=b"z")])
tar("symlink-rel-escape", [entry("s", S, link="../outside"), entry("s/x", data=b"x"),
                           entry("t", S, link="../../box/.."), entry("t/outside/y", data=b"y")])
ents = []
for i, o in enumerate(outside):
    ents += [entry("abs%d" % i, S, link=o), entry("abs%d/x" % i, data=b"x")]
tar("symlink-abs-escape", ents)
tar("symlink-chain", [entry("d", D), entry("d/l", S, link="."), entry("d/l/l/l/f", data=b"f"),
                      entry("up", S, link="d/../.."), entry("up/outside/f", data=b"f")])
tar("symlink-replace", [entry("a", D), entry("a", S, link=outside[0]), entry("a/f", data=b"f"),
                        entry("b", data=b"1"), entry("b", S, link="../sentinel"), entry("b", data=b"2")])
tar("hardlink-escape", [entry("h", L, link="../sentinel"), entry("h2", L, link="/etc/passwd"),
                        entry("s", S, link="../sentinel"), entry("h3", L, link="s"),
                        entry("h3", data=b"overwrite")])
tar("whiteout", [entry("d", D), entry("d/f", data=b"f"), entry("d/.wh.f"), entry(".wh..wh..opq"),
                 entry(".wh.d"), entry(".wh.."), entry("x/.wh...")])
tar("special", [entry("fifo", F), entry("dev", tarfile.CHRTYPE), entry("blk", tarfile.BLKTYPE)])
tar("gnu-long", [entry("a" * 300 + "/b" * 10, data=b"l"), entry("l" * 200, S, link="../" * 100)],
    fmt=tarfile.GNU_FORMAT)
tar("ustar", [entry("u/" * 20 + "f", data=b"u"), entry("m", data=b"m", mode=0o4777)],
    fmt=tarfile.USTAR_FORMAT)
tar("pax-path", [entry("p", data=b"p")])
PY
# ---- ttrpc: frames (10-byte header + ttrpc.Request) as containerd sends them ----
python3 - "$OUT/fuzz_ttrpc" <<'PY'
import os, struct, sys
out = sys.argv[1]

def varint(n):
    b = b""
    n &= (1 << 64) - 1
    while True:
        if n < 0x80:
            return b + bytes([n])
        b += bytes([(n & 0x7f) | 0x80])
        n >>= 7

def field(num, value):
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint(num << 3 | 2) + varint(len(value)) + value

def request(method, payload=b"", timeout=0, meta=(), service="containerd.task.v2.Task"):
    m = field(1, service) + field(2, method) + field(3, payload)
    if timeout:
        m += field(4, timeout)
    for k, v in meta:
        m += field(5, field(1, k) + field(2, v))
    return m

def frame(stream, payload, kind=1, flags=0, length=None):
    return struct.pack(">IIBB", len(payload) if length is None else length, stream, kind, flags) + payload

def seed(name, data):
    open(os.path.join(out, name), "wb").write(data)

mount = field(1, "overlay") + field(2, "overlay") + field(4, "lowerdir=/a") + field(4, "upperdir=/b")
create = field(1, "c1") + field(2, "/run/bundle/c1") + field(3, mount) + field(5, "/fifo/stdin") + field(6, "/fifo/stdout")
seed("create", frame(1, request("Create", create)))
seed("run-sequence", frame(1, request("Create", create)) + frame(3, request("Connect", field(1, "c1"))) +
     frame(5, request("Start", field(1, "c1"))) + frame(7, request("Wait", field(1, "c1"))) +
     frame(9, request("Shutdown", field(1, "c1"), timeout=3000000000)))
seed("metadata", frame(1, request("Wait", field(1, "c1"), meta=[("containerd-namespace-ttrpc", "default")])))
seed("unknown", frame(1, request("Forward", b"", service="containerd.services.events.ttrpc.v1.Events")))
seed("even-id", frame(2, request("Create", create)))
seed("data-frame", frame(3, b"\x01\x02", kind=3, flags=1) + frame(5, request("Wait")))
seed("empty", frame(1, b""))
seed("oversized", frame(1, b"xx", length=(64 << 10) + 1))
seed("truncated", frame(1, request("Create", create))[:-3])
seed("garbage", frame(1, b"\x0a\x7f\xff\xff"))
PY

echo "corpora in $OUT: $(for d in "$OUT"/*; do printf '%s=%s ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"
