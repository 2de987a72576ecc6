/*
 * Compile locks: artifacts/<key>.lock, held with flock(LOCK_EX) by the one process that
 * compiles that key while the others wait. The holder removes the file before releasing
 * it, so locks leave nothing behind; a waiter that then wins the lock on the removed file
 * notices (the path no longer names its inode) and starts over on the current file. A
 * process that dies while holding the lock releases it with its descriptors; its stale
 * file is reused by the next locker.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_internal.h"

int cache_lock(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], struct cache_lock *lk,
               struct waot_error *err)
{
    lk->fd = -1;
    cache_hex(key, lk->name);
    strcat(lk->name, ".lock");
    for (;;) {
        int fd = openat(c->artifacts_fd, lk->name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return waot_fail(err, WAOT_E_IO, "cannot open lock %s/artifacts/%s: %s", c->dir,
                             lk->name, strerror(errno));
        int rc;
        do
            rc = flock(fd, LOCK_EX);
        while (rc < 0 && errno == EINTR);
        if (rc < 0) {
            int e = errno;
            close(fd);
            return waot_fail(err, WAOT_E_IO, "cannot lock %s/artifacts/%s: %s", c->dir, lk->name,
                             strerror(e));
        }
        struct stat held, current;
        if (fstat(fd, &held) == 0 &&
            fstatat(c->artifacts_fd, lk->name, &current, AT_SYMLINK_NOFOLLOW) == 0 &&
            held.st_dev == current.st_dev && held.st_ino == current.st_ino) {
            lk->fd = fd;
            return 0;
        }
        close(fd); /* the previous holder removed this file: lock the current one */
    }
}

void cache_unlock(struct cache *c, struct cache_lock *lk)
{
    if (lk->fd < 0)
        return;
    unlinkat(c->artifacts_fd, lk->name, 0);
    close(lk->fd);
    lk->fd = -1;
}
