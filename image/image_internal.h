/*
 * Internals shared by the image/ files: blob writing and reading, JSON selection, archive
 * import and the safe unpacker. Not used outside image/ (and its unit tests).
 */
#ifndef WAOT_IMAGE_INTERNAL_H
#define WAOT_IMAGE_INTERNAL_H

#include <openssl/evp.h>

#include "image.h"

#define IMAGE_JSON_MAX (4u << 20)   /* index, manifest and config blobs */

/* ---- image_blob.c ---- */

/* A blob being written: hashed as it goes, published by image_blob_commit. */
struct image_blob_writer {
    struct image_store *st;
    int fd;
    char tmp[64];
    EVP_MD_CTX *md;
    uint64_t size;
};

int image_blob_begin(struct image_store *st, struct image_blob_writer *w, struct waot_error *err);
int image_blob_write(struct image_blob_writer *w, const void *data, size_t len,
                     struct waot_error *err);
/* Finishes the hash; when expect is non-NULL the digest (and expect_size unless it is
 * UINT64_MAX) must match or nothing is published ("digest mismatch"). Writes the digest
 * into out (may be NULL). Always releases the writer. */
int image_blob_commit(struct image_blob_writer *w, const char *expect, uint64_t expect_size,
                      char out[IMAGE_DIGEST_SIZE], struct waot_error *err);
void image_blob_abort(struct image_blob_writer *w);
/* Copies a whole file into the store (verified against expect when given). */
int image_blob_import_file(struct image_store *st, const char *path, const char *expect,
                           uint64_t expect_size, char out[IMAGE_DIGEST_SIZE],
                           struct waot_error *err);
/* Stores a buffer; its digest goes to out. */
int image_blob_put(struct image_store *st, const void *data, size_t len,
                   char out[IMAGE_DIGEST_SIZE], struct waot_error *err);
/* 1 when the store holds digest (with that size unless size is UINT64_MAX), else 0. */
int image_blob_has(struct image_store *st, const char *digest, uint64_t size);
/* Reads a blob of at most max bytes, checking size (UINT64_MAX: any); not hashed again,
 * the store only holds blobs verified when they were written. *out is NUL-terminated and
 * owned by the caller. */
int image_blob_read(struct image_store *st, const char *digest, uint64_t size, size_t max,
                    char **out, size_t *len, struct waot_error *err);
/* Makes sure the store holds digest with that size: present, or imported (verified) from
 * st->source; -1 naming the blob otherwise. */
int image_blob_ensure(struct image_store *st, const char *digest, uint64_t size,
                      struct waot_error *err);
/* SHA-256 of a buffer as "sha256:<hex>". */
int image_sha256_digest(const void *data, size_t len, char out[IMAGE_DIGEST_SIZE]);

/* ---- image_json.c ---- */

/* Walks an index (OCI or Docker list; nested indexes followed, attestations skipped) and
 * fills info from the manifest for a Wasm platform. name_hint names the source for bare
 * ref.name tags. */
int image_json_select_index(struct image_store *st, const char *json, size_t len,
                            const char *name_hint, struct image_info *info,
                            struct waot_error *err);
/* Loads manifest digest (and its config) from the store into info (name untouched). */
int image_json_load_manifest(struct image_store *st, const char *digest, uint64_t size,
                             struct image_info *info, struct waot_error *err);
/* Converts a docker-archive manifest.json into an OCI-style manifest blob in the store.
 * lookup maps a file name of the archive to the digest it was stored under. */
int image_json_docker_archive(struct image_store *st, const char *json, size_t len,
                              const char *(*lookup)(void *arg, const char *name,
                                                    uint64_t *size),
                              void *arg, struct image_info *info, struct waot_error *err);
bool image_json_is_wasm_layer(const char *media_type);

/* ---- image_archive.c ---- */

/* Imports an OCI layout directory, oci-archive or docker-archive into the blob store and
 * selects its Wasm manifest. */
int image_archive_import(struct image_store *st, const char *path, struct image_info *info,
                         struct waot_error *err);

/* ---- image_unpack.c ---- */

struct image_unpack_limits {
    uint64_t max_file;         /* bytes of one regular file */
    uint64_t max_total;        /* bytes of all files of one layer */
    uint64_t max_entries;
    size_t max_path;           /* bytes of a path or link target */
};

void image_unpack_default_limits(struct image_unpack_limits *lim);
/* Unpacks the (tar, tar+gzip or tar+zstd) layer file into the directory root_fd. When
 * diff_id is non-empty the SHA-256 of the uncompressed stream is checked first, so a
 * mismatching layer writes nothing. Absolute names are taken relative to the root; entries
 * below a symlink with a relative target inside the root are placed where it leads; `..`,
 * entries below other symlinks, hardlinks to missing or outside targets and oversized entries
 * are refused (-1, WAOT_E_INVALID, naming the entry); device nodes, fifos and sockets are
 * skipped; whiteouts are applied. */
int image_unpack_layer(int root_fd, const char *layer_path, const char *diff_id,
                       const struct image_unpack_limits *lim, struct waot_error *err);
/* Removes name (a file or a whole tree) under dirfd without following symlinks. */
int image_remove_tree(int dirfd, const char *name);

/* Why archive_read_new returned NULL: libarchive is opened on first use (see
 * image_libarchive.c), so it may be missing as well as out of memory. */
const char *image_libarchive_error(void);

#endif
