/*
 * File-level mechanics of the cache: whether a file or directory can be trusted (ours,
 * not writable by anyone else), and publishing a file atomically so that readers and
 * other processes never see half of it: write a temporary in the same directory
 * (O_EXCL, mode 0600), fsync it, rename it into place, fsync the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache_internal.h"

int cache_stat_trusted(const struct stat *st, uid_t uid)
{
    return st->st_uid == uid && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        size_t chunk = len > (1u << 30) ? (1u << 30) : len;
        ssize_t n = write(fd, p, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Creates a fresh ".tmp-..." file in sub_fd; its name goes to tmp. */
static int create_temp(int sub_fd, const char *name, char *tmp, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long long salt = (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(tmp, size, ".tmp-%.16s-%ld-%llx", name, (long)getpid(), salt + (unsigned)attempt);
        int fd = openat(sub_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

int cache_write_atomic(struct cache *c, int sub_fd, const char *sub, const char *name,
                       const void *data, size_t len, struct waot_error *err)
{
    char tmp[128];
    int fd = create_temp(sub_fd, name, tmp, sizeof tmp);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "cannot create a temporary file in %s/%s: %s", c->dir, sub,
                         strerror(errno));
    const char *step = "write";
    if (write_all(fd, data, len) < 0)
        goto fail;
    step = "fsync";
    if (fsync(fd) < 0)
        goto fail;
    step = "close";
    int rc = close(fd);
    fd = -1;
    if (rc < 0)
        goto fail;
    step = "rename";
    if (renameat(sub_fd, tmp, sub_fd, name) < 0)
        goto fail;
    /* Without this the rename itself may not survive a crash. Failing here leaves a whole
     * file in place, so it is not reported. */
    fsync(sub_fd);
    return 0;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlinkat(sub_fd, tmp, 0);
    return waot_fail(err, WAOT_E_IO, "cannot publish %s/%s/%s (%s of %s): %s", c->dir, sub, name,
                     step, tmp, strerror(e));
}
