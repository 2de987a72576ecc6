#!/usr/bin/python3
"""Writes a one-layer Linux OCI image as an oci-archive tar, for the containerd tests.

The tests need native images next to the Wasm ones: a static busybox for the runc
comparison (bench/containerd.sh and the runc mode of tests/shim/ctr_test.sh) and a
"pause" image that the CRI plugin insists on having locally before RunPodSandbox. Neither
may come from a registry, so this builds them from host files; the bytes are reproducible
(mtime 0, sorted entries, no owner names).

usage: oci_image.py OUT.tar NAME:TAG [--file HOSTPATH=IMAGEPATH]... [--link IMAGEPATH=TARGET]...
                    [--entrypoint ARG]... [--cmd ARG]... [--env K=V]... [--os linux] [--arch amd64]
"""
import argparse
import hashlib
import io
import json
import os
import sys
import tarfile

LAYOUT_INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def entry(name, kind, mode, size=0, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.linkname, info.mtime = kind, mode, size, link, 0
    return info


def layer_tar(files, links):
    """files: {image path: host path}; links: {image path: symlink target}. Parent
    directories are added once, before their children."""
    out = io.BytesIO()
    paths = sorted(set(files) | set(links))
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        made = set()
        for path in paths:
            parts = path.split("/")
            for depth in range(1, len(parts)):
                parent = "/".join(parts[:depth])
                if parent not in made:
                    made.add(parent)
                    tar.addfile(entry(parent, tarfile.DIRTYPE, 0o755))
            if path in links:
                tar.addfile(entry(path, tarfile.SYMTYPE, 0o777, link=links[path]))
            else:
                with open(files[path], "rb") as src:
                    data = src.read()
                tar.addfile(entry(path, tarfile.REGTYPE, 0o755, len(data)), io.BytesIO(data))
    return out.getvalue()


def pairs(values, what):
    """--file HOST=IMAGE and --link IMAGE=TARGET, both keyed by the path inside the image."""
    result = {}
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left or not right:
            sys.exit(f"oci_image.py: --{what} wants A=B, got {value!r}")
        if what == "file":
            result[right.strip("/")] = left
        else:
            result[left.strip("/")] = right
    return result


def main():
    ap = argparse.ArgumentParser(description="one-layer OCI image as an oci-archive tar")
    ap.add_argument("out")
    ap.add_argument("name", help="full reference, e.g. docker.io/waot/busybox:static")
    ap.add_argument("--file", action="append", default=[], help="HOSTPATH=IMAGEPATH")
    ap.add_argument("--link", action="append", default=[], help="IMAGEPATH=TARGET (symlink)")
    ap.add_argument("--entrypoint", action="append", default=[])
    ap.add_argument("--cmd", action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--os", default="linux")
    ap.add_argument("--arch", default="amd64")
    args = ap.parse_args()
    if ":" not in args.name.rsplit("/", 1)[-1]:
        sys.exit("oci_image.py: NAME needs a :TAG")

    layer = layer_tar(pairs(args.file, "file"), pairs(args.link, "link"))
    config = {"architecture": args.arch, "os": args.os,
              "config": {"Entrypoint": args.entrypoint or None, "Cmd": args.cmd or None,
                         "Env": args.env or ["PATH=/bin"], "WorkingDir": "/"},
              "rootfs": {"type": "layers", "diff_ids": [digest(layer)]}}
    blobs = {}

    def blob(data, media_type):
        blobs[digest(data)] = data
        return {"mediaType": media_type, "digest": digest(data), "size": len(data)}

    config_desc = blob(json.dumps(config, sort_keys=True).encode(), CONFIG)
    manifest = {"schemaVersion": 2, "mediaType": MANIFEST, "config": config_desc,
                "layers": [blob(layer, LAYER)]}
    manifest_desc = blob(json.dumps(manifest, sort_keys=True).encode(), MANIFEST)
    manifest_desc["platform"] = {"os": args.os, "architecture": args.arch}
    # containerd names the imported image after io.containerd.image.name
    manifest_desc["annotations"] = {"io.containerd.image.name": args.name,
                                    "org.opencontainers.image.ref.name": args.name.rsplit(":", 1)[1]}
    index = {"schemaVersion": 2, "mediaType": LAYOUT_INDEX, "manifests": [manifest_desc]}

    tmp = args.out + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        def add(name, data):
            tar.addfile(entry(name, tarfile.REGTYPE, 0o644, len(data)), io.BytesIO(data))
        add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add("index.json", json.dumps(index, sort_keys=True).encode())
        tar.addfile(entry("blobs", tarfile.DIRTYPE, 0o755))
        tar.addfile(entry("blobs/sha256", tarfile.DIRTYPE, 0o755))
        for name in sorted(blobs):
            add("blobs/sha256/" + name[7:], blobs[name])
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
