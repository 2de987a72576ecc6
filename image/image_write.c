/*
 * OCI archive writer for `waot image build` (see image_write.h): builds the layer tar in
 * memory, the config, manifest and index as JSON with sorted keys, and streams the outer
 * tar (ustar headers, every field fixed) to a temporary file that is renamed into place.
 */
#include "image_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#define TAR_BLOCK 512
#define MAX_MODULE_SIZE (4ull << 30)
#define IMAGE_EPOCH "1970-01-01T00:00:00Z"

static const char media_index[] = "application/vnd.oci.image.index.v1+json";
static const char media_manifest[] = "application/vnd.oci.image.manifest.v1+json";
static const char media_config[] = "application/vnd.oci.image.config.v1+json";
static const char media_layer[] = "application/vnd.oci.image.layer.v1.tar";

/* A blob of the archive: its bytes and digest. */
struct wblob {
    uint8_t *data;          /* owned */
    size_t len;
    char digest[IMAGE_WRITE_DIGEST_SIZE];
};

static int sha256_digest(const void *data, size_t len, char out[IMAGE_WRITE_DIGEST_SIZE])
{
    uint8_t md[32];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
        return -1;
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* Fills one ustar header: mode, uid/gid 0, mtime 0, owner names empty. */
static void tar_header(uint8_t h[TAR_BLOCK], const char *name, char type, uint64_t size,
                       unsigned mode)
{
    memset(h, 0, TAR_BLOCK);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", mode);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < TAR_BLOCK; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

/* The layer: one regular file `name` (mode 0755) holding data, then the end blocks. */
static int build_layer(const char *name, const uint8_t *data, size_t len, struct wblob *out,
                       struct waot_error *err)
{
    size_t padded = (len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
    out->len = TAR_BLOCK + padded + 2 * TAR_BLOCK;
    out->data = calloc(1, out->len);
    if (!out->data)
        return waot_fail(err, WAOT_E_NOMEM, "image build: out of memory for the layer");
    tar_header(out->data, name, '0', len, 0755);
    if (len)
        memcpy(out->data + TAR_BLOCK, data, len);
    if (sha256_digest(out->data, out->len, out->digest) < 0)
        return waot_fail(err, WAOT_E_INTERNAL, "image build: SHA-256 failed");
    return 0;
}

/* Serialises j (consumed) as compact JSON with sorted keys into a blob. */
static int json_blob(json_t *j, struct wblob *out, struct waot_error *err)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    if (!text)
        return waot_fail(err, WAOT_E_NOMEM, "image build: cannot build JSON");
    out->data = (uint8_t *)text;
    out->len = strlen(text);
    if (sha256_digest(out->data, out->len, out->digest) < 0)
        return waot_fail(err, WAOT_E_INTERNAL, "image build: SHA-256 failed");
    return 0;
}

static json_t *string_array(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *descriptor(const char *media, const struct wblob *b)
{
    return json_pack("{s:s, s:s, s:I}", "mediaType", media, "digest", b->digest, "size",
                     (json_int_t)b->len);
}

static json_t *config_json(const struct image_write_opts *o, const char *default_entry,
                           const struct wblob *layer)
{
    json_t *cfg = json_object();
    if (!cfg)
        return NULL;
    if (o->entrypoint)
        json_object_set_new(cfg, "Entrypoint", string_array(o->entrypoint, o->nentrypoint));
    else
        json_object_set_new(cfg, "Entrypoint", json_pack("[s]", default_entry));
    if (o->ncmd)
        json_object_set_new(cfg, "Cmd", string_array(o->cmd, o->ncmd));
    if (o->nenv)
        json_object_set_new(cfg, "Env", string_array(o->env, o->nenv));
    if (o->workdir)
        json_object_set_new(cfg, "WorkingDir", json_string(o->workdir));
    /* a fixed creation time keeps the output reproducible (tools expect the field) */
    return json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:[s]}, s:[{s:s, s:s, s:s}]}", "created",
                     IMAGE_EPOCH, "architecture", "wasm", "os", "wasip1", "config", cfg,
                     "rootfs", "type", "layers", "diff_ids", layer->digest, "history",
                     "created", IMAGE_EPOCH, "created_by", "waot image build", "comment",
                     "WebAssembly module");
}

/* "name[:tag]" -> full name (tag defaulted) and tag; -1 when malformed. */
static int split_name(const char *name, char *full, size_t full_size, const char **tag)
{
    size_t n = strlen(name);
    if (n == 0 || n >= full_size - 8 || strchr(name, '@'))
        return -1;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return -1;
    const char *slash = strrchr(name, '/');
    const char *colon = strrchr(slash ? slash : name, ':');
    if (colon && (colon[1] == '\0' || colon == name || colon[-1] == '/'))
        return -1;
    snprintf(full, full_size, "%s%s", name, colon ? "" : ":latest");
    *tag = strrchr(full, ':') + 1;
    return 0;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int put_entry(int fd, const char *name, char type, const void *data, size_t len,
                     unsigned mode)
{
    uint8_t h[TAR_BLOCK];
    static const uint8_t zero[TAR_BLOCK];
    tar_header(h, name, type, len, mode);
    if (write_all(fd, h, TAR_BLOCK) < 0 || (len && write_all(fd, data, len) < 0))
        return -1;
    size_t pad = (TAR_BLOCK - len % TAR_BLOCK) % TAR_BLOCK;
    return pad ? write_all(fd, zero, pad) : 0;
}

static int cmp_blob(const void *a, const void *b)
{
    return strcmp((*(const struct wblob *const *)a)->digest, (*(const struct wblob *const *)b)->digest);
}

/* The outer tar: oci-layout, index.json, blobs/, blobs/sha256/, the blobs by digest. */
static int write_archive(int fd, const struct wblob *index, struct wblob **blobs, size_t n)
{
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    static const uint8_t end[2 * TAR_BLOCK];
    if (put_entry(fd, "oci-layout", '0', layout, sizeof layout - 1, 0644) < 0 ||
        put_entry(fd, "index.json", '0', index->data, index->len, 0644) < 0 ||
        put_entry(fd, "blobs/", '5', NULL, 0, 0755) < 0 ||
        put_entry(fd, "blobs/sha256/", '5', NULL, 0, 0755) < 0)
        return -1;
    qsort(blobs, n, sizeof *blobs, cmp_blob);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(blobs[i]->digest, blobs[i - 1]->digest) == 0)
            continue;
        char name[100];
        snprintf(name, sizeof name, "blobs/sha256/%s", blobs[i]->digest + 7);
        if (put_entry(fd, name, '0', blobs[i]->data, blobs[i]->len, 0644) < 0)
            return -1;
    }
    return write_all(fd, end, sizeof end);
}

/* Temporary next to path, fsync, rename over path. */
static int publish(const char *path, const struct wblob *index, struct wblob **blobs, size_t n,
                   struct waot_error *err)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (!tmp)
        return waot_fail(err, WAOT_E_NOMEM, "image build: out of memory");
    snprintf(tmp, len + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return waot_fail(err, WAOT_E_IO, "cannot create a temporary next to %s: %s", path, strerror(e));
    }
    int rc = 0;
    if (write_archive(fd, index, blobs, n) < 0 || fchmod(fd, 0644) < 0 || fsync(fd) < 0)
        rc = waot_fail(err, WAOT_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (close(fd) < 0 && rc == 0)
        rc = waot_fail(err, WAOT_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) < 0)
        rc = waot_fail(err, WAOT_E_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

static int read_module(const char *path, uint8_t **out, size_t *len, struct waot_error *err)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_MODULE_SIZE) {
        close(fd);
        return waot_fail(err, WAOT_E_IO, "%s: %s", path,
                         S_ISREG(st.st_mode) ? "too large" : "not a regular file");
    }
    size_t size = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(size ? size : 1);
    while (buf && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != size) {
        free(buf);
        return waot_fail(err, buf ? WAOT_E_IO : WAOT_E_NOMEM, "%s: cannot read it", path);
    }
    if (size < 8 || memcmp(buf, "\0asm", 4) != 0) {
        free(buf);
        return waot_fail(err, WAOT_E_MALFORMED, "%s: not a WebAssembly module", path);
    }
    *out = buf;
    *len = size;
    return 0;
}

int image_write_archive(const struct image_write_opts *o,
                        char manifest_digest[IMAGE_WRITE_DIGEST_SIZE], char *full_name,
                        size_t name_size, struct waot_error *err)
{
    char full[512], file[104], entry[108];
    const char *tag = NULL;
    if (!o->name || split_name(o->name, full, sizeof full, &tag) < 0)
        return waot_fail(err, WAOT_E_USAGE, "image build: bad image name \"%s\" (NAME[:TAG])",
                         o->name ? o->name : "");
    const char *base = strrchr(o->module_path, '/');
    base = base ? base + 1 : o->module_path;
    size_t blen = strlen(base);
    if (blen == 0 || blen > 95 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return waot_fail(err, WAOT_E_USAGE, "image build: %s: unusable file name for the image",
                         o->module_path);
    snprintf(file, sizeof file, "%s%s", base,
             blen > 5 && strcmp(base + blen - 5, ".wasm") == 0 ? "" : ".wasm");
    snprintf(entry, sizeof entry, "/%s", file);

    uint8_t *wasm = NULL;
    size_t wasm_len = 0;
    struct wblob layer = {0}, config = {0}, manifest = {0}, index = {0};
    int rc = -1;
    if (read_module(o->module_path, &wasm, &wasm_len, err) < 0)
        goto done;
    if (build_layer(file, wasm, wasm_len, &layer, err) < 0 ||
        json_blob(config_json(o, entry, &layer), &config, err) < 0)
        goto done;
    if (json_blob(json_pack("{s:i, s:s, s:o, s:[o]}", "schemaVersion", 2, "mediaType",
                            media_manifest, "config", descriptor(media_config, &config),
                            "layers", descriptor(media_layer, &layer)),
                  &manifest, err) < 0)
        goto done;
    json_t *desc = descriptor(media_manifest, &manifest);
    if (desc) {
        json_object_set_new(desc, "platform", json_pack("{s:s, s:s}", "architecture", "wasm",
                                                        "os", "wasip1"));
        json_object_set_new(desc, "annotations",
                            json_pack("{s:s, s:s}", "io.containerd.image.name", full,
                                      "org.opencontainers.image.ref.name", tag));
    }
    if (json_blob(json_pack("{s:i, s:s, s:[o]}", "schemaVersion", 2, "mediaType", media_index,
                            "manifests", desc),
                  &index, err) < 0)
        goto done;
    struct wblob *blobs[] = {&layer, &config, &manifest};
    if (publish(o->out_path, &index, blobs, 3, err) < 0)
        goto done;
    if (manifest_digest)
        snprintf(manifest_digest, IMAGE_WRITE_DIGEST_SIZE, "%s", manifest.digest);
    if (full_name)
        snprintf(full_name, name_size, "%s", full);
    rc = 0;
done:
    free(wasm);
    free(layer.data);
    free(config.data);
    free(manifest.data);
    free(index.data);
    return rc;
}
