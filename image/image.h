/*
 * Wasm container images: the local image store, OCI archives / layout directories /
 * docker-archives, blob verification, safe layer unpack and image config -> launch spec.
 * libc, libarchive, jansson and libcrypto only (never LLVM).
 *
 * Store layout (root = $WAOT_IMAGE_DIR, else next to the compiled-code cache: the cache
 * directory's parent when it is named "cache" (/var/lib/waot/cache -> /var/lib/waot/images),
 * else <cache dir>/images (~/.cache/waot/images)); created 0700:
 *   blobs/sha256/<hex>      content-addressed blobs; each is hashed while it is written (temp
 *                           file + rename) and only published when digest and size match
 *   refs/<sha256(name)>.json image records {"name", "digest": manifest digest}
 *   rootfs/<manifest hex>/  unpacked root file system, built on first use (temp + rename)
 *   runs/<id>/              per-run writable layer (overlayfs upper/work/merged)
 *   memos/<dev>-<ino>.archive  archive file state -> manifest digest and name, so a warm
 *                           run of an unchanged archive does not read it again
 *
 * Flow: image_resolve(IMAGE) imports whatever the argument names into the blob store and
 * selects the Wasm manifest (struct image_info); image_run_prepare turns it into the
 * pieces of a launch spec (module path, argv, env, preopened root); image_module_path is
 * what `waot prewarm` needs (the module file, without running).
 */
#ifndef WAOT_IMAGE_H
#define WAOT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "waot/waot.h"

#define IMAGE_DIGEST_SIZE 72 /* "sha256:" + 64 hex + NUL */
#define IMAGE_PATH_MAX 4096

struct image_store {
    char root[IMAGE_PATH_MAX]; /* absolute */
    int root_fd;               /* owned; -1 when closed */
    int blobs_fd;              /* blobs/sha256 */
    int refs_fd;
    int rootfs_fd;
    int runs_fd;
    int memos_fd;              /* memos/: archive -> manifest digest (see image_archive.c) */
    const char *source;        /* internal: an OCI layout directory missing blobs come from */
};

struct image_layer {
    char digest[IMAGE_DIGEST_SIZE];
    char *media_type;          /* owned */
    uint64_t size;
    char diff_id[IMAGE_DIGEST_SIZE]; /* "" when the config lists none */
};

enum image_kind {
    IMAGE_KIND_ROOTFS,         /* Docker+Wasm: tar layers; Entrypoint names the module */
    IMAGE_KIND_ARTIFACT,       /* Wasm OCI artifact: a layer is the module itself */
};

struct image_info {
    char manifest_digest[IMAGE_DIGEST_SIZE];
    char config_digest[IMAGE_DIGEST_SIZE];
    char *name;                /* owned; NULL when the source names none */
    char os[32], arch[32];
    char **entrypoint;         /* owned NULL-terminated arrays (never NULL after a load) */
    size_t nentrypoint;
    char **cmd;
    size_t ncmd;
    char **env;
    size_t nenv;
    char *workdir;             /* owned; NULL when unset */
    struct image_layer *layers;
    size_t nlayers;
    enum image_kind kind;
    size_t module_layer;       /* IMAGE_KIND_ARTIFACT: index into layers */
};

/* ---- store (image_blob.c) ---- */

/* Writes the store root image_store_open would use into buf; -1 with WAOT_E_IO. cache_dir
 * is the --cache-dir value or NULL. */
int image_store_resolve(const char *cache_dir, char *buf, size_t size, struct waot_error *err);
/* Opens (creating 0700) the store. */
int image_store_open(struct image_store *st, const char *cache_dir, struct waot_error *err);
void image_store_close(struct image_store *st);
/* "sha256:<64 lowercase hex>" -> 0 and the hex part; -1 otherwise. */
int image_digest_hex(const char *digest, const char **hex);
/* Path of a blob; -1 with WAOT_E_IO when the digest is malformed or the path too long. */
int image_blob_path(const struct image_store *st, const char *digest, char *buf, size_t size,
                    struct waot_error *err);

/* SHA-256 of a file as "sha256:<hex>". */
int image_file_digest(const char *path, char out[IMAGE_DIGEST_SIZE], struct waot_error *err);

/* ---- images (image_store.c) ---- */

/* IMAGE is an OCI layout directory, an OCI archive or docker-archive tar, or the name of an
 * image in the store. Imports the blobs it needs (verifying each) and fills info with the
 * manifest for a Wasm platform. -1 with WAOT_E_USAGE when nothing of that name exists,
 * WAOT_E_IO / WAOT_E_INVALID for unreadable or malformed images and digest mismatches. */
int image_resolve(struct image_store *st, const char *image, struct image_info *info,
                  struct waot_error *err);
/* True when path looks like an image source rather than a module (a directory with
 * oci-layout, or a file that does not start with the Wasm magic). */
bool image_path_is_image(const char *path);
void image_info_free(struct image_info *info);

/* Records name -> info->manifest_digest (replacing an earlier record of that name). */
int image_store_tag(struct image_store *st, const char *name, const char *manifest_digest,
                    struct waot_error *err);
/* Calls fn(name, manifest digest) for each record; -1 with err when the store is unreadable. */
int image_store_foreach(struct image_store *st,
                        int (*fn)(const char *name, const char *digest, void *arg), void *arg,
                        struct waot_error *err);
/* Removes the record and the blobs and root file system no other record uses. -1 with
 * WAOT_E_USAGE when there is no such image. */
int image_store_remove(struct image_store *st, const char *name, struct waot_error *err);
/* Writes the path of the unpacked root file system of info, unpacking it on first use
 * (every layer verified, diff_ids checked; on failure nothing is left behind). */
int image_rootfs(struct image_store *st, const struct image_info *info, char *buf, size_t size,
                 struct waot_error *err);

/* ---- launch (image_launch.c) ---- */

/* Opens path (absolute or relative to the root) inside root_fd with every symlink resolved
 * as if root_fd were "/" (openat2 RESOLVE_IN_ROOT, or the same by hand where the kernel
 * lacks it), so nothing outside root_fd is reachable. flags as for open (O_CLOEXEC is
 * added). -1 with errno. */
int image_open_in_root(int root_fd, const char *path, int flags);

/* Writes the host path of the module to compile for info: the module blob itself for an
 * artifact, else Entrypoint[0] (or Cmd[0]) resolved inside the unpacked root (symlinks
 * followed within the root). *status_out gets the Docker exit status on failure: 127 when
 * the module is not in the image, 126 when it is not a regular file, else 125. */
int image_module_path(struct image_store *st, const struct image_info *info, char *buf,
                      size_t size, int *status_out, struct waot_error *err);

struct image_run_opts {
    int nargs;                 /* user ARGS: replace Cmd when nargs > 0 */
    char *const *args;
    bool read_only;            /* --read-only */
    bool rm;                   /* --rm: discard the writable layer afterwards */
    bool quiet;                /* no notices on stderr */
};

/* What a run of an image needs; filled by image_run_prepare, released by image_run_finish
 * (which unmounts the writable layer and removes it with --rm). */
struct image_run {
    char module_path[IMAGE_PATH_MAX];
    char root_host[IMAGE_PATH_MAX]; /* preopened as "/" */
    bool root_readonly;
    char **argv;               /* owned, NULL-terminated */
    int argc;
    char **env;                /* image Env (owned, NULL-terminated) */
    int envc;
    const char *workdir;       /* borrowed from the info; NULL when unset */
    char run_dir[IMAGE_PATH_MAX]; /* "" unless a writable layer exists */
    bool mounted;
    bool tmpfs;                /* --rm: upper and work live on a tmpfs at run_dir */
    bool rm;
    int status;                /* Docker status when prepare fails (125/126/127) */
};

int image_run_prepare(struct image_store *st, const struct image_info *info,
                      const struct image_run_opts *opts, struct image_run *run,
                      struct waot_error *err);
void image_run_finish(struct image_store *st, struct image_run *run);

#endif
