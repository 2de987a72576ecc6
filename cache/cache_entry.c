/*
 * Cache entries: artifacts/<key>.waot. Lookup trusts an entry only if it is a regular,
 * non-empty file of ours that nobody else can write (it is native code we will map and
 * run); anything else is a miss that the next publish replaces. Publishing goes through
 * cache_write_atomic, so a reader sees a whole entry or none. A hit refreshes the entry's
 * access time, which `waot cache gc` reads as its last use. Whether the bytes are a good
 * artifact is for the loader to decide; the caller discards an entry it rejects.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache_internal.h"

#define ENTRY_SUFFIX ".waot"
/* A hit refreshes the entry's access time (its "last use" for `waot cache gc`) when it is
 * older than this; the file system's relatime rule would otherwise keep it for a day. */
#define TOUCH_AFTER_NS 1000000000LL

static void entry_name(const uint8_t key[CACHE_KEY_SIZE], char name[CACHE_HEX_SIZE + 8])
{
    cache_hex(key, name);
    memcpy(name + CACHE_HEX_SIZE - 1, ENTRY_SUFFIX, sizeof ENTRY_SUFFIX);
}

int cache_entry_path(const struct cache *c, const uint8_t key[CACHE_KEY_SIZE], char *buf,
                     size_t size)
{
    char name[CACHE_HEX_SIZE + 8];
    entry_name(key, name);
    int n = snprintf(buf, size, "%s/artifacts/%s", c->dir, name);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int trusted_entry(const struct cache *c, const struct stat *st)
{
    return S_ISREG(st->st_mode) && st->st_size > 0 && cache_stat_trusted(st, c->uid);
}

int cache_lookup(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], char *path_out, size_t size)
{
    char name[CACHE_HEX_SIZE + 8];
    entry_name(key, name);
    struct stat st;
    if (fstatat(c->artifacts_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !trusted_entry(c, &st))
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    int64_t atime_ns = (int64_t)st.st_atim.tv_sec * 1000000000 + st.st_atim.tv_nsec;
    if (now_ns - atime_ns > TOUCH_AFTER_NS) {
        /* best effort: a read-only cache still serves hits */
        const struct timespec times[2] = {{.tv_nsec = UTIME_NOW}, {.tv_nsec = UTIME_OMIT}};
        (void)utimensat(c->artifacts_fd, name, times, AT_SYMLINK_NOFOLLOW);
    }
    return cache_entry_path(c, key, path_out, size) == 0 ? 1 : 0;
}

int cache_publish(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], const uint8_t *data,
                  size_t len, struct waot_error *err)
{
    char name[CACHE_HEX_SIZE + 8];
    entry_name(key, name);
    if (len == 0)
        return waot_fail(err, WAOT_E_USAGE, "cannot publish %s/artifacts/%s: empty artifact",
                         c->dir, name);
    return cache_write_atomic(c, c->artifacts_fd, "artifacts", name, data, len, err);
}

int cache_discard(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], struct waot_error *err)
{
    char name[CACHE_HEX_SIZE + 8];
    entry_name(key, name);
    if (unlinkat(c->artifacts_fd, name, 0) < 0 && errno != ENOENT)
        return waot_fail(err, WAOT_E_IO, "cannot remove %s/artifacts/%s: %s", c->dir, name,
                         strerror(errno));
    return 0;
}

/* 1 and key filled when name is "<64 hex>.waot". */
static int parse_entry_name(const char *name, uint8_t key[CACHE_KEY_SIZE])
{
    char hex[CACHE_HEX_SIZE];
    if (strlen(name) != CACHE_HEX_SIZE - 1 + sizeof ENTRY_SUFFIX - 1 ||
        strcmp(name + CACHE_HEX_SIZE - 1, ENTRY_SUFFIX) != 0)
        return 0;
    memcpy(hex, name, CACHE_HEX_SIZE - 1);
    hex[CACHE_HEX_SIZE - 1] = 0;
    return cache_hex_parse(hex, key) == 0;
}

int cache_foreach(struct cache *c, int (*fn)(const struct cache_entry_info *e, void *arg),
                  void *arg, struct waot_error *err)
{
    int fd = openat(c->artifacts_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return waot_fail(err, WAOT_E_IO, "cannot read %s/artifacts: %s", c->dir, strerror(e));
    }
    int rc = 0;
    struct dirent *de;
    char path[CACHE_PATH_MAX + 128];
    for (;;) {
        errno = 0;
        de = readdir(d);
        if (!de) {
            if (errno)
                rc = waot_fail(err, WAOT_E_IO, "cannot read %s/artifacts: %s", c->dir, strerror(errno));
            break;
        }
        struct cache_entry_info e;
        struct stat st;
        if (!parse_entry_name(de->d_name, e.key) ||
            fstatat(c->artifacts_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue; /* not an entry, or removed meanwhile */
        cache_hex(e.key, e.hex);
        cache_entry_path(c, e.key, path, sizeof path);
        e.path = path;
        e.size = (uint64_t)st.st_size;
        e.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        e.atime_ns = (int64_t)st.st_atim.tv_sec * 1000000000 + st.st_atim.tv_nsec;
        e.trusted = trusted_entry(c, &st);
        rc = fn(&e, arg);
        if (rc)
            break;
    }
    closedir(d);
    return rc;
}
