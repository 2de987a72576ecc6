/*
 * The local image store: image records (name -> manifest digest, refs/<sha256(name)>.json,
 * written temp + rename), resolving IMAGE arguments (layout directory, archive, or a
 * recorded name), removal with the blobs and root file system nobody else uses, and the
 * unpacked root file system per manifest digest, built on first use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "artifact_format.h"
#include "image_internal.h"

bool image_path_is_image(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) < 0)
        return false;
    if (S_ISDIR(sb.st_mode)) {
        char p[IMAGE_PATH_MAX];
        snprintf(p, sizeof p, "%s/index.json", path);
        return access(p, F_OK) == 0;
    }
    if (!S_ISREG(sb.st_mode))
        return false;
    /* Neither a Wasm module nor a compiled artifact (`waot run` takes both as files). */
    unsigned char magic[sizeof ART_MAGIC - 1] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    if (n >= 4 && memcmp(magic, "\0asm", 4) == 0)
        return false;
    if (n == sizeof magic && memcmp(magic, ART_MAGIC, sizeof magic) == 0)
        return false;
    return n > 0;
}

static void ref_file(const char *name, char out[80])
{
    char d[IMAGE_DIGEST_SIZE];
    image_sha256_digest(name, strlen(name), d);
    snprintf(out, 80, "%s.json", d + 7);
}

int image_store_tag(struct image_store *st, const char *name, const char *manifest_digest,
                    struct waot_error *err)
{
    char file[80], tmp[128];
    ref_file(name, file);
    snprintf(tmp, sizeof tmp, ".tmp-%ld-%s", (long)getpid(), file);
    json_t *j = json_pack("{s:s, s:s}", "name", name, "digest", manifest_digest);
    char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    json_decref(j);
    if (!text)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    int fd = openat(st->refs_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(text);
    bool ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    int e = errno;
    if (fd >= 0)
        close(fd);
    free(text);
    if (!ok || renameat(st->refs_fd, tmp, st->refs_fd, file) < 0) {
        e = ok ? errno : e;
        unlinkat(st->refs_fd, tmp, 0);
        return waot_fail(err, WAOT_E_IO, "%s/refs/%s: %s", st->root, file, strerror(e));
    }
    return 0;
}

/* Reads a record file; 0 and the fields, -1 when unreadable. */
static int read_ref(struct image_store *st, const char *file, char **name, char digest[IMAGE_DIGEST_SIZE])
{
    int fd = openat(st->refs_fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    json_error_t je;
    json_t *j = json_loadfd(fd, 0, &je);
    close(fd);
    const char *n = json_string_value(json_object_get(j, "name"));
    const char *d = json_string_value(json_object_get(j, "digest")), *hex;
    int r = -1;
    if (n && d && image_digest_hex(d, &hex) == 0 && (*name = strdup(n)) != NULL) {
        snprintf(digest, IMAGE_DIGEST_SIZE, "%s", d);
        r = 0;
    }
    json_decref(j);
    return r;
}

/* 1 and the digest when name (or name:latest) is recorded, 0 when not. */
static int lookup(struct image_store *st, const char *name, char digest[IMAGE_DIGEST_SIZE],
                  char *found, size_t size)
{
    for (int pass = 0; pass < 2; pass++) {
        char want[1024], file[80], *stored = NULL;
        const char *last = strrchr(name, '/');
        if (pass == 1 && strchr(last ? last : name, ':'))
            break;
        snprintf(want, sizeof want, pass ? "%s:latest" : "%s", name);
        ref_file(want, file);
        if (read_ref(st, file, &stored, digest) == 0) {
            int same = strcmp(stored, want) == 0;
            snprintf(found, size, "%s", stored);
            free(stored);
            if (same)
                return 1;
        }
    }
    return 0;
}

int image_resolve(struct image_store *st, const char *image, struct image_info *info,
                  struct waot_error *err)
{
    memset(info, 0, sizeof *info);
    struct stat sb;
    if (stat(image, &sb) == 0)
        return image_archive_import(st, image, info, err);
    char digest[IMAGE_DIGEST_SIZE], name[1024];
    if (lookup(st, image, digest, name, sizeof name) != 1)
        return waot_fail(err, WAOT_E_USAGE, "%s: no such file, directory or image in the store "
                         "(%s)", image, st->root);
    if (image_json_load_manifest(st, digest, UINT64_MAX, info, err) < 0) {
        image_info_free(info);
        return -1;
    }
    if (!(info->name = strdup(name))) {
        image_info_free(info);
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    }
    return 0;
}

int image_store_foreach(struct image_store *st,
                        int (*fn)(const char *name, const char *digest, void *arg), void *arg,
                        struct waot_error *err)
{
    int fd = fcntl(st->refs_fd, F_DUPFD_CLOEXEC, 0);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return waot_fail(err, WAOT_E_IO, "%s/refs: %s", st->root, strerror(errno));
    }
    rewinddir(d);
    int r = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        char *name = NULL, digest[IMAGE_DIGEST_SIZE];
        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        if (read_ref(st, de->d_name, &name, digest) == 0)
            r = fn(name, digest, arg);
        free(name);
    }
    closedir(d);
    return r;
}

struct used {
    struct image_store *st;
    const char *skip;          /* the name being removed */
    char (*v)[IMAGE_DIGEST_SIZE];
    size_t n, cap;
};

static void used_add(struct used *u, const char *digest)
{
    if (u->n == u->cap) {
        size_t cap = u->cap ? 2 * u->cap : 32;
        void *v = realloc(u->v, cap * sizeof *u->v);
        if (!v)
            return;
        u->v = v;
        u->cap = cap;
    }
    snprintf(u->v[u->n++], IMAGE_DIGEST_SIZE, "%s", digest);
}

static bool used_has(const struct used *u, const char *digest)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->v[i], digest) == 0)
            return true;
    return false;
}

static void info_digests(struct used *u, const struct image_info *info)
{
    used_add(u, info->manifest_digest);
    used_add(u, info->config_digest);
    for (size_t i = 0; i < info->nlayers; i++)
        used_add(u, info->layers[i].digest);
}

static int collect_used(const char *name, const char *digest, void *arg)
{
    struct used *u = arg;
    struct image_info info = {0};
    struct waot_error err = {0};
    if (strcmp(name, u->skip) == 0)
        return 0;
    used_add(u, digest);
    if (image_json_load_manifest(u->st, digest, UINT64_MAX, &info, &err) == 0)
        info_digests(u, &info);
    image_info_free(&info);
    return 0;
}

int image_store_remove(struct image_store *st, const char *name, struct waot_error *err)
{
    char digest[IMAGE_DIGEST_SIZE], found[1024], file[80];
    if (lookup(st, name, digest, found, sizeof found) != 1)
        return waot_fail(err, WAOT_E_USAGE, "no such image: %s", name);
    struct image_info info = {0};
    struct waot_error lerr = {0};
    bool loaded = image_json_load_manifest(st, digest, UINT64_MAX, &info, &lerr) == 0;
    ref_file(found, file);
    if (unlinkat(st->refs_fd, file, 0) < 0) {
        image_info_free(&info);
        return waot_fail(err, WAOT_E_IO, "%s/refs/%s: %s", st->root, file, strerror(errno));
    }
    struct used u = {.st = st, .skip = found};
    if (image_store_foreach(st, collect_used, &u, err) < 0) {
        free(u.v);
        image_info_free(&info);
        return -1;
    }
    const char *hex;
    if (!used_has(&u, digest) && image_digest_hex(digest, &hex) == 0)
        image_remove_tree(st->rootfs_fd, hex);
    if (loaded) {
        struct used mine = {0};
        info_digests(&mine, &info);
        for (size_t i = 0; i < mine.n; i++)
            if (!used_has(&u, mine.v[i]) && image_digest_hex(mine.v[i], &hex) == 0)
                unlinkat(st->blobs_fd, hex, 0);
        free(mine.v);
    }
    free(u.v);
    image_info_free(&info);
    return 0;
}

int image_rootfs(struct image_store *st, const struct image_info *info, char *buf, size_t size,
                 struct waot_error *err)
{
    const char *hex;
    if (image_digest_hex(info->manifest_digest, &hex) < 0)
        return waot_fail(err, WAOT_E_INVALID, "image without a manifest digest");
    int n = snprintf(buf, size, "%s/rootfs/%s", st->root, hex);
    if (n < 0 || (size_t)n >= size)
        return waot_fail(err, WAOT_E_IO, "%s: path too long", st->root);
    struct stat sb;
    if (fstatat(st->rootfs_fd, hex, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode))
        return 0;
    char tmp[128];
    snprintf(tmp, sizeof tmp, ".tmp-%.16s-%ld", hex, (long)getpid());
    image_remove_tree(st->rootfs_fd, tmp);
    if (mkdirat(st->rootfs_fd, tmp, 0755) < 0)
        return waot_fail(err, WAOT_E_IO, "%s/rootfs/%s: %s", st->root, tmp, strerror(errno));
    int fd = openat(st->rootfs_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int r = fd < 0 ? waot_fail(err, WAOT_E_IO, "%s/rootfs/%s: %s", st->root, tmp, strerror(errno)) : 0;
    struct image_unpack_limits lim;
    image_unpack_default_limits(&lim);
    for (size_t i = 0; r == 0 && info->kind == IMAGE_KIND_ROOTFS && i < info->nlayers; i++) {
        const struct image_layer *L = &info->layers[i];
        char path[IMAGE_PATH_MAX];
        if (!image_blob_has(st, L->digest, L->size))
            r = waot_fail(err, WAOT_E_IO, "layer %s is missing or has the wrong size", L->digest);
        else if (image_blob_path(st, L->digest, path, sizeof path, err) == 0)
            r = image_unpack_layer(fd, path, L->diff_id, &lim, err);
        else
            r = -1;
    }
    if (fd >= 0)
        close(fd);
    if (r == 0 && renameat(st->rootfs_fd, tmp, st->rootfs_fd, hex) < 0) {
        if (errno != EEXIST && errno != ENOTEMPTY)
            r = waot_fail(err, WAOT_E_IO, "%s: %s", buf, strerror(errno));
    }
    image_remove_tree(st->rootfs_fd, tmp); /* after a failure, or when another run won */
    return r;
}
