/*
 * Housekeeping for the cache directory: removes what crashed processes leave behind
 * (temporaries of an interrupted publish, lock files of a dead compiler). Entries
 * themselves are enumerated with cache_foreach and removed with cache_discard by whoever
 * decides a policy (`waot cache gc`). A lock file is removed only after winning its lock
 * without waiting, and the removal happens while holding it, as cache_unlock does, so a
 * running compile is never disturbed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
