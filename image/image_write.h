/*
 * `waot image build`: packs one WebAssembly module into an OCI archive of the Docker+Wasm
 * kind (platform wasip1/wasm), which ctr, skopeo, umoci and `waot run` accept.
 *
 * The archive is a tar of an OCI image layout: oci-layout, index.json, blobs/sha256/<hex>
 * for the index's one manifest, its config and a single uncompressed layer tar that holds
 * the module as /<file name>.wasm. The config sets os "wasip1", architecture "wasm",
 * Entrypoint (default ["/<file name>.wasm"]), Cmd, Env, WorkingDir and rootfs.diff_ids; the
 * index entry carries the platform and the annotations io.containerd.image.name (the full
 * name) and org.opencontainers.image.ref.name (the tag). The output is byte-for-byte
 * deterministic (mtimes 0, uid/gid 0, sorted entries, JSON with sorted keys) and appears
 * atomically (temporary file next to it, fsync, rename).
 */
#ifndef WAOT_IMAGE_WRITE_H
#define WAOT_IMAGE_WRITE_H

#include <stddef.h>

#include "waot/waot.h"

#define IMAGE_WRITE_DIGEST_SIZE 72 /* "sha256:" + 64 hex + NUL */

struct image_write_opts {
    const char *module_path;            /* the .wasm file */
    const char *name;                   /* "NAME[:TAG]"; ":latest" when no tag */
    const char *out_path;               /* the archive to write */
    const char *const *entrypoint;      /* NULL: ["/<file name>.wasm"] */
    size_t nentrypoint;
    const char *const *cmd;             /* may be NULL */
    size_t ncmd;
    const char *const *env;             /* "KEY=VALUE" */
    size_t nenv;
    const char *workdir;                /* NULL: unset */
};

/* Writes the archive; manifest_digest (may be NULL) receives the manifest's digest and
 * full_name (may be NULL, size name_size) the name recorded in the index. -1 with
 * WAOT_E_USAGE for a bad name or module file name, WAOT_E_IO naming the path, or
 * WAOT_E_MALFORMED when the file is not WebAssembly. */
int image_write_archive(const struct image_write_opts *o,
                        char manifest_digest[IMAGE_WRITE_DIGEST_SIZE], char *full_name,
                        size_t name_size, struct waot_error *err);

#endif
