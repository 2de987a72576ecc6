/*
 * Housekeeping for the cache directory: removes what crashed processes leave behind
 * (temporaries of an interrupted publish, lock files of a dead compiler), and evicts
 * entries least recently used first down to a size limit (`waot cache gc --max-size`).
 * A lock file is removed only after winning its lock
 * without waiting, and the removal happens while holding it, as cache_unlock does, so a
 * running compile is never disturbed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache_internal.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* 1 when removed. */
static int remove_free_lock(int dir_fd, const char *name)
{
    int fd = openat(dir_fd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int removed = 0;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        struct stat held, current;
        if (fstat(fd, &held) == 0 && fstatat(dir_fd, name, &current, AT_SYMLINK_NOFOLLOW) == 0 &&
            held.st_ino == current.st_ino && held.st_dev == current.st_dev)
            removed = unlinkat(dir_fd, name, 0) == 0;
    }
    close(fd);
    return removed;
}

static int sweep(struct cache *c, int dir_fd, const char *sub, int64_t cutoff_ns,
                 struct waot_error *err)
{
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return waot_fail(err, WAOT_E_IO, "cannot read %s/%s: %s", c->dir, sub, strerror(e));
    }
    int removed = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        int temp = strncmp(de->d_name, ".tmp-", 5) == 0;
        int lock = !temp && ends_with(de->d_name, ".lock");
        struct stat st;
        if ((!temp && !lock) || fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if ((int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec > cutoff_ns)
            continue;
        if (temp)
            removed += unlinkat(dir_fd, de->d_name, 0) == 0;
        else
            removed += remove_free_lock(dir_fd, de->d_name);
    }
    closedir(d);
    return removed;
}

int cache_gc_leftovers(struct cache *c, int64_t min_age_ns, struct waot_error *err)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t cutoff = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - min_age_ns;
    int a = sweep(c, c->artifacts_fd, "artifacts", cutoff, err);
    if (a < 0)
        return -1;
    int d = sweep(c, c->digests_fd, "digests", cutoff, err);
    return d < 0 ? -1 : a + d;
}

int64_t cache_entry_last_use(const struct cache_entry_info *e)
{
    return e->atime_ns > e->mtime_ns ? e->atime_ns : e->mtime_ns;
}

struct gc_item {
    uint8_t key[CACHE_KEY_SIZE];
    uint64_t size;
    int64_t last_use_ns;
    int trusted;
};

struct gc_list {
    struct gc_item *items;
    size_t count, cap;
    int oom;
};

static int gc_collect(const struct cache_entry_info *e, void *arg)
{
    struct gc_list *l = arg;
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct gc_item *n = realloc(l->items, cap * sizeof *n);
        if (!n) {
            l->oom = 1;
            return 1;
        }
        l->items = n;
        l->cap = cap;
    }
    struct gc_item *it = &l->items[l->count++];
    memcpy(it->key, e->key, CACHE_KEY_SIZE);
    it->size = e->size;
    it->last_use_ns = cache_entry_last_use(e);
    it->trusted = e->trusted;
    return 0;
}

/* Eviction order: untrusted first, then oldest last use, then key. */
static int gc_order(const void *pa, const void *pb)
{
    const struct gc_item *a = pa, *b = pb;
    if (a->trusted != b->trusted)
        return a->trusted - b->trusted;
    if (a->last_use_ns != b->last_use_ns)
        return a->last_use_ns < b->last_use_ns ? -1 : 1;
    return memcmp(a->key, b->key, CACHE_KEY_SIZE);
}

int cache_gc_lru(struct cache *c, uint64_t max_bytes, struct cache_gc_report *r,
                 struct waot_error *err)
{
    memset(r, 0, sizeof *r);
    struct gc_list l = {0};
    int rc = cache_foreach(c, gc_collect, &l, err);
    if (rc < 0 || l.oom) {
        free(l.items);
        return rc < 0 ? -1 : waot_fail(err, WAOT_E_NOMEM, "out of memory listing %s/artifacts", c->dir);
    }
    uint64_t total = 0;
    for (size_t i = 0; i < l.count; i++)
        total += l.items[i].size;
    r->entries_before = l.count;
    r->bytes_before = total;
    qsort(l.items, l.count, sizeof *l.items, gc_order);
    for (size_t i = 0; i < l.count && total > max_bytes; i++) {
        if (cache_discard(c, l.items[i].key, err) < 0) {
            free(l.items);
            return -1;
        }
        total -= l.items[i].size;
        r->entries_removed++;
        r->bytes_removed += l.items[i].size;
    }
    free(l.items);
    return 0;
}
