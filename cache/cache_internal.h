/*
 * Private helpers shared by the cache's files: trust checks on directories and files, and
 * the atomic publish of a file into one of the cache's directories.
 */
#ifndef WAOT_CACHE_INTERNAL_H
#define WAOT_CACHE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "cache.h"

/* 1 when st belongs to uid and is not writable by group or others. */
int cache_stat_trusted(const struct stat *st, uid_t uid);

/* Publishes data as the file name in the subdirectory sub (open as sub_fd) of the cache:
 * a temporary ".tmp-*" created there O_EXCL with mode 0600, fsync'd, renamed over name,
 * then the directory fsync'd. -1 with WAOT_E_IO naming c->dir/sub/name (err may be NULL);
 * the temporary is removed on failure. */
int cache_write_atomic(struct cache *c, int sub_fd, const char *sub, const char *name,
                       const void *data, size_t len, struct waot_error *err);

#endif
