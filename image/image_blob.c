/*
 * The content-addressed blob store under the image store root: opening the store, writing
 * blobs (hashed while written, temp file + rename, published only when digest and size
 * match) and reading small blobs back with their digest checked again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "image_internal.h"

static int open_sub(int parent, const char *name, const char *root, struct waot_error *err)
{
    if (mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
        return waot_fail(err, WAOT_E_IO, "%s/%s: %s", root, name, strerror(errno));
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "%s/%s: %s", root, name, strerror(errno));
    return fd;
}

static int mkdir_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int r = mkdir(path, 0700);
        *p = '/';
        if (r < 0 && errno != EEXIST)
            return -1;
    }
    return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

int image_store_resolve(const char *cache_dir, char *buf, size_t size, struct waot_error *err)
{
    const char *env = getenv("WAOT_IMAGE_DIR");
    char cdir[IMAGE_PATH_MAX];
    int n;
    if (env && *env) {
        n = snprintf(buf, size, "%s", env);
    } else {
        if (cache_dir) {
            n = snprintf(cdir, sizeof cdir, "%s", cache_dir);
            if (n < 0 || (size_t)n >= sizeof cdir)
                return waot_fail(err, WAOT_E_IO, "%s: path too long", cache_dir);
        } else if (cache_dir_resolve(cdir, sizeof cdir, err) < 0) {
            return -1;
        }
        size_t len = strlen(cdir);
        while (len > 1 && cdir[len - 1] == '/')
            cdir[--len] = '\0';
        const char *base = strrchr(cdir, '/');
        if (base && strcmp(base + 1, "cache") == 0) {
            n = snprintf(buf, size, "%.*s/images", (int)(base - cdir), cdir);
        } else {
            n = snprintf(buf, size, "%s/images", cdir);
        }
    }
    if (n < 0 || (size_t)n >= size)
        return waot_fail(err, WAOT_E_IO, "image store path too long");
    if (buf[0] != '/') {
        char cwd[IMAGE_PATH_MAX], rel[IMAGE_PATH_MAX];
        snprintf(rel, sizeof rel, "%s", buf);
        if (!getcwd(cwd, sizeof cwd))
            return waot_fail(err, WAOT_E_IO, "getcwd: %s", strerror(errno));
        n = snprintf(buf, size, "%s/%s", cwd, rel);
        if (n < 0 || (size_t)n >= size)
            return waot_fail(err, WAOT_E_IO, "image store path too long");
    }
    return 0;
}

int image_store_open(struct image_store *st, const char *cache_dir, struct waot_error *err)
{
    memset(st, 0, sizeof *st);
    st->root_fd = st->blobs_fd = st->refs_fd = st->rootfs_fd = st->runs_fd = st->memos_fd = -1;
    if (image_store_resolve(cache_dir, st->root, sizeof st->root, err) < 0)
        return -1;
    char tmp[IMAGE_PATH_MAX];
    memcpy(tmp, st->root, sizeof tmp);
    if (mkdir_parents(tmp) < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", st->root, strerror(errno));
    st->root_fd = open(st->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->root_fd < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", st->root, strerror(errno));
    struct stat sb;
    if (fstat(st->root_fd, &sb) == 0 && (sb.st_uid != geteuid() || (sb.st_mode & 022))) {
        image_store_close(st);
        return waot_fail(err, WAOT_E_IO, "%s: not owned by this user or writable by others",
                         st->root);
    }
    int blobs = open_sub(st->root_fd, "blobs", st->root, err);
    if (blobs < 0) {
        image_store_close(st);
        return -1;
    }
    st->blobs_fd = open_sub(blobs, "sha256", st->root, err);
    close(blobs);
    if (st->blobs_fd < 0 || (st->refs_fd = open_sub(st->root_fd, "refs", st->root, err)) < 0 ||
        (st->rootfs_fd = open_sub(st->root_fd, "rootfs", st->root, err)) < 0 ||
        (st->runs_fd = open_sub(st->root_fd, "runs", st->root, err)) < 0 ||
        (st->memos_fd = open_sub(st->root_fd, "memos", st->root, err)) < 0) {
        image_store_close(st);
        return -1;
    }
    return 0;
}

void image_store_close(struct image_store *st)
{
    int *fds[] = {&st->root_fd, &st->blobs_fd, &st->refs_fd, &st->rootfs_fd, &st->runs_fd,
                  &st->memos_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

int image_digest_hex(const char *digest, const char **hex)
{
    if (!digest || strncmp(digest, "sha256:", 7) != 0)
        return -1;
    const char *h = digest + 7;
    for (int i = 0; i < 64; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return -1;
    if (h[64] != '\0')
        return -1;
    *hex = h;
    return 0;
}

int image_blob_path(const struct image_store *st, const char *digest, char *buf, size_t size,
                    struct waot_error *err)
{
    const char *hex;
    if (image_digest_hex(digest, &hex) < 0)
        return waot_fail(err, WAOT_E_INVALID, "unsupported or malformed digest \"%.80s\"",
                         digest ? digest : "");
    int n = snprintf(buf, size, "%s/blobs/sha256/%s", st->root, hex);
    if (n < 0 || (size_t)n >= size)
        return waot_fail(err, WAOT_E_IO, "%s: path too long", st->root);
    return 0;
}

int image_sha256_digest(const void *data, size_t len, char out[IMAGE_DIGEST_SIZE])
{
    uint8_t d[32];
    char hex[65];
    if (cache_sha256(data, len, d) < 0)
        return -1;
    cache_hex(d, hex);
    snprintf(out, IMAGE_DIGEST_SIZE, "sha256:%s", hex);
    return 0;
}

int image_blob_begin(struct image_store *st, struct image_blob_writer *w, struct waot_error *err)
{
    static unsigned counter;
    memset(w, 0, sizeof *w);
    w->st = st;
    w->fd = -1;
    snprintf(w->tmp, sizeof w->tmp, ".tmp-%ld-%u", (long)getpid(), counter++);
    w->md = EVP_MD_CTX_new();
    if (!w->md || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(w->md);
        w->md = NULL;
        return waot_fail(err, WAOT_E_INTERNAL, "SHA-256 unavailable");
    }
    w->fd = openat(st->blobs_fd, w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC, 0600);
    if (w->fd < 0) {
        int e = errno;
        EVP_MD_CTX_free(w->md);
        w->md = NULL;
        return waot_fail(err, WAOT_E_IO, "%s/blobs/sha256/%s: %s", st->root, w->tmp, strerror(e));
    }
    return 0;
}

int image_blob_write(struct image_blob_writer *w, const void *data, size_t len,
                     struct waot_error *err)
{
    const char *p = data;
    if (EVP_DigestUpdate(w->md, data, len) != 1)
        return waot_fail(err, WAOT_E_INTERNAL, "SHA-256 failed");
    w->size += len;
    while (len > 0) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return waot_fail(err, WAOT_E_IO, "%s/blobs/sha256/%s: write: %s", w->st->root, w->tmp,
                             strerror(n < 0 ? errno : EIO));
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void image_blob_abort(struct image_blob_writer *w)
{
    if (w->fd >= 0) {
        close(w->fd);
        unlinkat(w->st->blobs_fd, w->tmp, 0);
    }
    w->fd = -1;
    EVP_MD_CTX_free(w->md);
    w->md = NULL;
}

int image_blob_commit(struct image_blob_writer *w, const char *expect, uint64_t expect_size,
                      char out[IMAGE_DIGEST_SIZE], struct waot_error *err)
{
    uint8_t d[32];
    unsigned dl = 0;
    char hex[65], digest[IMAGE_DIGEST_SIZE];
    if (EVP_DigestFinal_ex(w->md, d, &dl) != 1 || dl != 32) {
        image_blob_abort(w);
        return waot_fail(err, WAOT_E_INTERNAL, "SHA-256 failed");
    }
    cache_hex(d, hex);
    snprintf(digest, sizeof digest, "sha256:%s", hex);
    if (expect && strcmp(expect, digest) != 0) {
        image_blob_abort(w);
        return waot_fail(err, WAOT_E_INVALID, "blob %s: digest mismatch (content is %.19s...)",
                         expect, digest);
    }
    if (expect && expect_size != UINT64_MAX && expect_size != w->size) {
        uint64_t got = w->size;
        image_blob_abort(w);
        return waot_fail(err, WAOT_E_INVALID, "blob %s: size %llu, descriptor says %llu", expect,
                         (unsigned long long)got, (unsigned long long)expect_size);
    }
    if (fsync(w->fd) < 0 || close(w->fd) < 0) {
        w->fd = -1;
        unlinkat(w->st->blobs_fd, w->tmp, 0);
        image_blob_abort(w);
        return waot_fail(err, WAOT_E_IO, "%s: blob %s: %s", w->st->root, digest, strerror(errno));
    }
    w->fd = -1;
    if (renameat(w->st->blobs_fd, w->tmp, w->st->blobs_fd, hex) < 0) {
        int e = errno;
        unlinkat(w->st->blobs_fd, w->tmp, 0);
        image_blob_abort(w);
        return waot_fail(err, WAOT_E_IO, "%s: blob %s: %s", w->st->root, digest, strerror(e));
    }
    EVP_MD_CTX_free(w->md);
    w->md = NULL;
    if (out)
        memcpy(out, digest, IMAGE_DIGEST_SIZE);
    return 0;
}

int image_blob_import_file(struct image_store *st, const char *path, const char *expect,
                           uint64_t expect_size, char out[IMAGE_DIGEST_SIZE],
                           struct waot_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
    struct image_blob_writer w;
    if (image_blob_begin(st, &w, err) < 0) {
        close(fd);
        return -1;
    }
    static char buf[1 << 16];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            image_blob_abort(&w);
            return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(e));
        }
        if (n == 0)
            break;
        if (image_blob_write(&w, buf, (size_t)n, err) < 0) {
            close(fd);
            image_blob_abort(&w);
            return -1;
        }
    }
    close(fd);
    if (image_blob_commit(&w, expect, expect_size, out, err) < 0) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return waot_fail(err, err->code, "%s: %s", path, msg);
    }
    return 0;
}

int image_blob_put(struct image_store *st, const void *data, size_t len,
                   char out[IMAGE_DIGEST_SIZE], struct waot_error *err)
{
    struct image_blob_writer w;
    if (image_blob_begin(st, &w, err) < 0)
        return -1;
    if (image_blob_write(&w, data, len, err) < 0) {
        image_blob_abort(&w);
        return -1;
    }
    return image_blob_commit(&w, NULL, UINT64_MAX, out, err);
}

int image_blob_has(struct image_store *st, const char *digest, uint64_t size)
{
    const char *hex;
    struct stat sb;
    if (image_digest_hex(digest, &hex) < 0 || fstatat(st->blobs_fd, hex, &sb, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    return S_ISREG(sb.st_mode) && (size == UINT64_MAX || (uint64_t)sb.st_size == size);
}

int image_blob_ensure(struct image_store *st, const char *digest, uint64_t size,
                      struct waot_error *err)
{
    const char *hex;
    if (image_digest_hex(digest, &hex) < 0)
        return waot_fail(err, WAOT_E_INVALID, "unsupported or malformed digest \"%.80s\"", digest);
    if (image_blob_has(st, digest, size))
        return 0;
    if (!st->source)
        return waot_fail(err, WAOT_E_IO, "blob %s (%llu bytes) is missing from the image", digest,
                         (unsigned long long)size);
    char path[IMAGE_PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/blobs/sha256/%s", st->source, hex);
    if (n < 0 || (size_t)n >= sizeof path)
        return waot_fail(err, WAOT_E_IO, "%s: path too long", st->source);
    return image_blob_import_file(st, path, digest, size, NULL, err);
}

int image_blob_read(struct image_store *st, const char *digest, uint64_t size, size_t max,
                    char **out, size_t *len, struct waot_error *err)
{
    const char *hex;
    *out = NULL;
    if (image_digest_hex(digest, &hex) < 0)
        return waot_fail(err, WAOT_E_INVALID, "unsupported or malformed digest \"%.80s\"", digest);
    if (size != UINT64_MAX && size > max)
        return waot_fail(err, WAOT_E_INVALID, "blob %s: size %llu is too large", digest,
                         (unsigned long long)size);
    if (size != UINT64_MAX && image_blob_ensure(st, digest, size, err) < 0)
        return -1;
    int fd = openat(st->blobs_fd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "blob %s is missing from the image", digest);
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > max ||
        (size != UINT64_MAX && (uint64_t)sb.st_size != size)) {
        close(fd);
        return waot_fail(err, WAOT_E_INVALID, "blob %s: size %lld does not match its descriptor",
                         digest, (long long)sb.st_size);
    }
    char *buf = malloc((size_t)sb.st_size + 1);
    if (!buf) {
        close(fd);
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    }
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    /* Not hashed again: a blob is only published in the store (private, 0700) after its
     * digest was checked while it was written (image_blob_commit). */
    if (got != (size_t)sb.st_size) {
        free(buf);
        return waot_fail(err, WAOT_E_IO, "blob %s: short read", digest);
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

int image_file_digest(const char *path, char out[IMAGE_DIGEST_SIZE], struct waot_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int r = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
                ? 0 : waot_fail(err, WAOT_E_INTERNAL, "SHA-256 unavailable");
    static char buf[1 << 16];
    while (r == 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            r = waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
        if (n <= 0)
            break;
        EVP_DigestUpdate(md, buf, (size_t)n);
    }
    close(fd);
    uint8_t d[32];
    unsigned dl = 0;
    char hex[65];
    if (r == 0 && EVP_DigestFinal_ex(md, d, &dl) == 1) {
        cache_hex(d, hex);
        snprintf(out, IMAGE_DIGEST_SIZE, "sha256:%s", hex);
    }
    EVP_MD_CTX_free(md);
    return r;
}
