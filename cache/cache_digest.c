/*
 * Module digests: SHA-256 of a module file, memoised so that a warm start does not read a
 * large unchanged file again. The memo for a regular file is digests/<dev>-<ino>.memo and
 * records size, mtime and ctime (ns) with the digest; it is used only when all of them
 * still match. ctime is there because a program can rewrite a file keeping its size and
 * setting its mtime back, but cannot set ctime. A file that changed during hashing, or
 * whose ctime is so recent that a further write could land in the same timestamp tick
 * (cache->memo_racy_ns), is hashed but not memoised. Files are read with read(), not
 * mmap: a module truncated by someone else while mapped would kill us with SIGBUS.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The SHA256_* functions go straight to libcrypto's SHA-256 code; the EVP interface would
 * first set up OpenSSL's provider machinery, which cost more than the rest of a warm start
 * together. They are deprecated in OpenSSL 3 in favour of EVP but kept for this use. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "cache_internal.h"

#define READ_CHUNK (1u << 20)
#define MEMO_MAGIC "waot-digest-memo 1"

int cache_sha256(const void *data, size_t len, uint8_t out[CACHE_KEY_SIZE])
{
    /* not SHA256(): in OpenSSL 3 the one-shot goes through EVP (config file, providers) */
    SHA256_CTX ctx;
    return SHA256_Init(&ctx) && SHA256_Update(&ctx, data, len) && SHA256_Final(out, &ctx) ? 0 : -1;
}

void cache_hex(const uint8_t key[CACHE_KEY_SIZE], char out[CACHE_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < CACHE_KEY_SIZE; i++) {
        out[2 * i] = digits[key[i] >> 4];
        out[2 * i + 1] = digits[key[i] & 15];
    }
    out[2 * CACHE_KEY_SIZE] = 0;
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

int cache_hex_parse(const char *s, uint8_t key[CACHE_KEY_SIZE])
{
    for (int i = 0; i < CACHE_KEY_SIZE; i++) {
        int hi = hex_value(s[2 * i]);
        int lo = hi < 0 ? -1 : hex_value(s[2 * i + 1]);
        if (lo < 0)
            return -1;
        key[i] = (uint8_t)(hi << 4 | lo);
    }
    return s[2 * CACHE_KEY_SIZE] == 0 ? 0 : -1;
}

static int64_t ns_of(struct timespec ts)
{
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           ns_of(a->st_mtim) == ns_of(b->st_mtim) && ns_of(a->st_ctim) == ns_of(b->st_ctim);
}

/* Hashes fd from its current offset to EOF. -1 with errno set (ENOMEM, EIO, read's). */
static int hash_fd(int fd, uint8_t digest[CACHE_KEY_SIZE], uint64_t *bytes)
{
    uint8_t *buf = malloc(READ_CHUNK);
    SHA256_CTX ctx;
    int rc = -1;
    *bytes = 0;
    if (!buf) {
        errno = ENOMEM;
        goto out;
    }
    if (!SHA256_Init(&ctx)) {
        errno = EIO;
        goto out;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    for (;;) {
        ssize_t n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out;
        if (n == 0)
            break;
        if (!SHA256_Update(&ctx, buf, (size_t)n)) {
            errno = EIO;
            goto out;
        }
        *bytes += (uint64_t)n;
    }
    if (!SHA256_Final(digest, &ctx)) {
        errno = EIO;
        goto out;
    }
    rc = 0;
out:
    free(buf);
    return rc;
}

static void memo_name(const struct stat *st, const char *suffix, char *buf, size_t size)
{
    snprintf(buf, size, "%" PRIx64 "-%" PRIx64 "%s", (uint64_t)st->st_dev, (uint64_t)st->st_ino,
             suffix);
}

/* The memo's text is a pure function of (magic, st, value). */
static int memo_format(const char *magic, const struct stat *st, const char *value, char *buf,
                       size_t size)
{
    int n = snprintf(buf, size, "%s\n%" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64 " %s\n",
                     magic, (uint64_t)st->st_dev, (uint64_t)st->st_ino, (int64_t)st->st_size,
                     ns_of(st->st_mtim), ns_of(st->st_ctim), value);
    return n > 0 && (size_t)n < size ? n : -1;
}

int cache_memo_get(int dir_fd, uid_t uid, const char *magic, const char *suffix,
                   const struct stat *st, char *value, size_t size)
{
    char name[96], buf[CACHE_MEMO_VALUE_MAX + 256], expect[sizeof buf];
    memo_name(st, suffix, name, sizeof name);
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat mst;
    ssize_t n = -1;
    if (fstat(fd, &mst) == 0 && S_ISREG(mst.st_mode) && cache_stat_trusted(&mst, uid))
        n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    /* value = what follows the fifth number; then rebuild the whole text and compare */
    const char *p = strchr(buf, '\n');
    for (int i = 0; p && i < 5; i++) /* dev ino size mtime ctime */
        p = strchr(p + 1, ' ');
    if (!p || buf[n - 1] != '\n' || (size_t)(buf + n - 1 - (p + 1)) >= size)
        return 0;
    size_t vlen = (size_t)(buf + n - 1 - (p + 1));
    memcpy(value, p + 1, vlen);
    value[vlen] = 0;
    if (memo_format(magic, st, value, expect, sizeof expect) < 0 || strcmp(expect, buf) != 0)
        return 0;
    return 1;
}

int cache_memo_stable(const struct stat *before, int fd, uint64_t bytes_read, int64_t racy_ns)
{
    struct stat after;
    if (!S_ISREG(before->st_mode) || fstat(fd, &after) < 0 || !same_file_state(before, &after) ||
        (uint64_t)before->st_size != bytes_read)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return ns_of(now) - ns_of(before->st_ctim) >= racy_ns;
}

int cache_memo_put(int dir_fd, const char *magic, const char *suffix, const struct stat *st,
                   const char *value)
{
    char name[96], tmp[128], text[CACHE_MEMO_VALUE_MAX + 256];
    int len = strlen(value) <= CACHE_MEMO_VALUE_MAX && !strchr(value, '\n')
                  ? memo_format(magic, st, value, text, sizeof text) : -1;
    if (len < 0)
        return -1;
    memo_name(st, suffix, name, sizeof name);
    snprintf(tmp, sizeof tmp, ".tmp-%ld-%s", (long)getpid(), name);
    /* no fsync: a memo torn by a crash does not match its own text and is ignored */
    int fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int ok = write(fd, text, (size_t)len) == len;
    close(fd);
    if (!ok || renameat(dir_fd, tmp, dir_fd, name) < 0) {
        unlinkat(dir_fd, tmp, 0);
        return -1;
    }
    return 0;
}

/* 1 and digest filled when a trusted memo matches st exactly; 0 otherwise. */
static int memo_read(struct cache *c, const struct stat *st, uint8_t digest[CACHE_KEY_SIZE])
{
    char hex[CACHE_HEX_SIZE + 1];
    return cache_memo_get(c->digests_fd, c->uid, MEMO_MAGIC, ".memo", st, hex, sizeof hex) == 1 &&
           cache_hex_parse(hex, digest) == 0;
}

int cache_module_digest(struct cache *c, const char *path, uint8_t digest[CACHE_KEY_SIZE],
                        struct waot_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat before;
    if (fstat(fd, &before) < 0) {
        int e = errno;
        close(fd);
        return waot_fail(err, WAOT_E_IO, "cannot stat %s: %s", path, strerror(e));
    }
    int regular = S_ISREG(before.st_mode);
    if (regular && !c->no_digest_memo && memo_read(c, &before, digest)) {
        close(fd);
        c->stats.digest_memo_hits++;
        return 0;
    }
    uint64_t bytes;
    if (hash_fd(fd, digest, &bytes) < 0) {
        int e = errno;
        close(fd);
        return waot_fail(err, WAOT_E_IO, "cannot read %s: %s", path, strerror(e));
    }
    c->stats.digest_hashed++;
    c->stats.bytes_hashed += bytes;
    int stable = regular && !c->no_digest_memo &&
                 cache_memo_stable(&before, fd, bytes, c->memo_racy_ns);
    close(fd);
    if (!stable)
        return 0;
    char name[96], text[256], hex[CACHE_HEX_SIZE];
    cache_hex(digest, hex);
    memo_name(&before, ".memo", name, sizeof name);
    memo_format(MEMO_MAGIC, &before, hex, text, sizeof text);
    /* A memo that cannot be written only costs a re-hash next time. */
    cache_write_atomic(c, c->digests_fd, "digests", name, text, strlen(text), NULL);
    return 0;
}
