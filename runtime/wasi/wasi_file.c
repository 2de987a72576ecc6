/*
 * File contents and metadata: read, write (vectored and positional), seek, tell, sync,
 * advise, allocate, filestat get/set, and path_open, which creates the descriptors all of
 * these act on. Guest iovec arrays are checked entry by entry before any I/O happens.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi_internal.h"

uint32_t wasi_file_iovs(struct wasi_ctx *w, uint32_t iovs, uint32_t n, struct iovec *out,
                            int *count)
{
    const uint8_t *p = wasi_mem_ptr(&w->mem, iovs, (uint64_t)n * 8);
    if (!p)
        return WASI_EFAULT;
    if (n > WASI_IOV_MAX)
        n = WASI_IOV_MAX;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf = wasi_mem_ld32(p + 8 * i), len = wasi_mem_ld32(p + 8 * i + 4);
        uint8_t *q = wasi_mem_ptr(&w->mem, buf, len);
        if (!q)
            return WASI_EFAULT;
        out[i].iov_base = q;
        out[i].iov_len = len;
    }
    *count = (int)n;
    return 0;
}

enum io_op { IO_READ, IO_WRITE, IO_PREAD, IO_PWRITE };

static int do_io(struct wasi_ctx *w, uint32_t fd, uint32_t iovs, uint32_t niovs, uint64_t off,
                 uint32_t result_ptr, enum io_op op)
{
    bool positional = op == IO_PREAD || op == IO_PWRITE;
    struct wasi_fd *e = wasi_fd_lookup(w, fd);
    if (!e || e->kind == WASI_FD_DIR)
        return WASI_EBADF;
    if (positional && e->kind != WASI_FD_FILE)
        return WASI_ESPIPE;
    if (positional && off > INT64_MAX)
        return WASI_EINVAL;
    if (!wasi_mem_ptr(&w->mem, result_ptr, 4))
        return WASI_EFAULT;
    struct iovec v[WASI_IOV_MAX];
    int n = 0;
    uint32_t r = wasi_file_iovs(w, iovs, niovs, v, &n);
    if (r)
        return (int)r;
    ssize_t done;
    switch (op) {
    case IO_READ: done = readv(e->host, v, n); break;
    case IO_WRITE: done = writev(e->host, v, n); break;
    case IO_PREAD: done = preadv(e->host, v, n, (off_t)off); break;
    default: {
        /* Like wasmtime, a positional write lands at its offset even in append mode. */
        int fl = fcntl(e->host, F_GETFL);
        if (fl >= 0 && (fl & O_APPEND))
            fcntl(e->host, F_SETFL, fl & ~O_APPEND);
        done = pwritev(e->host, v, n, (off_t)off);
        int saved = errno;
        if (fl >= 0 && (fl & O_APPEND))
            fcntl(e->host, F_SETFL, fl);
        errno = saved;
        break;
    }
    }
    if (done < 0)
        return (int)wasi_errno_last();
    return (int)wasi_mem_put32(&w->mem, result_ptr, (uint32_t)done);
}

WASI_IMPL(wasi_file_fd_read)
{
    (void)err;
    return do_io(w, ARG32(0), ARG32(1), ARG32(2), 0, ARG32(3), IO_READ);
}

WASI_IMPL(wasi_file_fd_write)
{
    (void)err;
    return do_io(w, ARG32(0), ARG32(1), ARG32(2), 0, ARG32(3), IO_WRITE);
}

WASI_IMPL(wasi_file_fd_pread)
{
    (void)err;
    return do_io(w, ARG32(0), ARG32(1), ARG32(2), ARG64(3), ARG32(4), IO_PREAD);
}

WASI_IMPL(wasi_file_fd_pwrite)
{
    (void)err;
    return do_io(w, ARG32(0), ARG32(1), ARG32(2), ARG64(3), ARG32(4), IO_PWRITE);
}

WASI_IMPL(wasi_file_fd_seek)
{
    (void)err;
    int64_t off = (int64_t)ARG64(1);
    uint32_t whence = ARG32(2);
    int how;
    switch (whence) {
    case 0: how = SEEK_SET; break;
    case 1: how = SEEK_CUR; break;
    case 2: how = SEEK_END; break;
    default: return WASI_EINVAL;
    }
    struct wasi_fd *e = wasi_fd_lookup(w, ARG32(0));
    if (!e || e->kind == WASI_FD_DIR)
        return WASI_EBADF;
    if (e->kind == WASI_FD_STDIO || e->kind == WASI_FD_SOCKET)
        return WASI_ESPIPE;
    if (!wasi_mem_ptr(&w->mem, ARG32(3), 8))
        return WASI_EFAULT;
    off_t r = lseek(e->host, (off_t)off, how);
    if (r < 0)
        return (int)wasi_errno_last();
    return (int)wasi_mem_put64(&w->mem, ARG32(3), (uint64_t)r);
}

WASI_IMPL(wasi_file_fd_tell)
{
    (void)err;
    struct wasi_fd *e = wasi_fd_lookup(w, ARG32(0));
    if (!e || e->kind == WASI_FD_DIR)
        return WASI_EBADF;
    if (e->kind == WASI_FD_STDIO || e->kind == WASI_FD_SOCKET)
        return WASI_ESPIPE;
    if (!wasi_mem_ptr(&w->mem, ARG32(1), 8))
        return WASI_EFAULT;
    off_t r = lseek(e->host, 0, SEEK_CUR);
    if (r < 0)
        return (int)wasi_errno_last();
    return (int)wasi_mem_put64(&w->mem, ARG32(1), (uint64_t)r);
}

static int sync_fd(struct wasi_ctx *w, uint32_t fd, bool data_only)
{
    struct wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, &e);
    if (r)
        return (int)r;
    if (e->kind == WASI_FD_DIR)   /* as wasmtime: directories cannot be synced */
        return WASI_EBADF;
    int rc = data_only ? fdatasync(e->host) : fsync(e->host);
    int saved = errno;
    /* stdio pipes and terminals have nothing to sync: not an error */
    if (rc < 0 && (saved == EINVAL || saved == EROFS) && e->kind == WASI_FD_STDIO)
        return 0;
    return rc < 0 ? (int)wasi_errno_from_host(saved) : 0;
}

WASI_IMPL(wasi_file_fd_sync)
{
    (void)err;
    return sync_fd(w, ARG32(0), false);
}

WASI_IMPL(wasi_file_fd_datasync)
{
    (void)err;
    return sync_fd(w, ARG32(0), true);
}

WASI_IMPL(wasi_file_fd_advise)
{
    (void)err;
    static const int advice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                 POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    struct wasi_fd *e;
    uint32_t r = wasi_fd_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    if (e->kind == WASI_FD_DIR)
        return WASI_EBADF;
    if (ARG32(3) > 5)
        return WASI_EINVAL;
    if (ARG64(1) > INT64_MAX || ARG64(2) > INT64_MAX)
        return WASI_EINVAL;
    int rc = posix_fadvise(e->host, (off_t)ARG64(1), (off_t)ARG64(2), advice[ARG32(3)]);
    return (int)wasi_errno_from_host(rc);
}

/* Like wasmtime, which dropped fd_allocate: descriptors are checked, then ENOTSUP. */
WASI_IMPL(wasi_file_fd_allocate)
{
    (void)err;
    struct wasi_fd *e;
    uint32_t r = wasi_fd_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    if (e->kind == WASI_FD_DIR)
        return WASI_EBADF;
    return WASI_ENOTSUP;
}

/* ---- metadata ---- */

static uint64_t ts_ns(struct timespec t)
{
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void put_filestat(uint8_t *p, const struct stat *st, uint8_t filetype)
{
    memset(p, 0, 64);
    wasi_mem_st64(p, (uint64_t)st->st_dev);
    wasi_mem_st64(p + 8, (uint64_t)st->st_ino);
    wasi_mem_st8(p + 16, filetype);
    wasi_mem_st64(p + 24, (uint64_t)st->st_nlink);
    wasi_mem_st64(p + 32, (uint64_t)st->st_size);
    wasi_mem_st64(p + 40, ts_ns(st->st_atim));
    wasi_mem_st64(p + 48, ts_ns(st->st_mtim));
    wasi_mem_st64(p + 56, ts_ns(st->st_ctim));
}

WASI_IMPL(wasi_file_fd_filestat_get)
{
    (void)err;
    struct wasi_fd *e;
    uint32_t r = wasi_fd_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    uint8_t *p = wasi_mem_ptr(&w->mem, ARG32(1), 64);
    if (!p)
        return WASI_EFAULT;
    struct stat st;
    if (fstat(e->host, &st) < 0)
        return (int)wasi_errno_last();
    uint8_t type = e->kind == WASI_FD_STDIO ? e->filetype : wasi_fd_filetype(&st, e->host);
    put_filestat(p, &st, type);
    return 0;
}

WASI_IMPL(wasi_file_fd_filestat_set_size)
{
    (void)err;
    struct wasi_fd *e;
    uint32_t r = wasi_fd_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    if (e->readonly)
        return WASI_EPERM;
    if (e->kind == WASI_FD_DIR)
        return WASI_EBADF;
    if (ARG64(1) > INT64_MAX)
        return WASI_EFBIG;
    if (ftruncate(e->host, (off_t)ARG64(1)) < 0)
        return (int)wasi_errno_last();
    return 0;
}

static uint32_t make_times(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec ts[2])
{
    if (flags & ~15u)
        return WASI_EINVAL;
    if (((flags & WASI_FSTFLAG_ATIM) && (flags & WASI_FSTFLAG_ATIM_NOW)) ||
        ((flags & WASI_FSTFLAG_MTIM) && (flags & WASI_FSTFLAG_MTIM_NOW)))
        return WASI_EINVAL;
    uint64_t v[2] = {atim, mtim};
    uint32_t set[2] = {WASI_FSTFLAG_ATIM, WASI_FSTFLAG_MTIM};
    uint32_t now[2] = {WASI_FSTFLAG_ATIM_NOW, WASI_FSTFLAG_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        ts[i].tv_sec = 0;
        if (flags & now[i]) {
            ts[i].tv_nsec = UTIME_NOW;
        } else if (flags & set[i]) {
            ts[i].tv_sec = (time_t)(v[i] / 1000000000ull);
            ts[i].tv_nsec = (long)(v[i] % 1000000000ull);
        } else {
            ts[i].tv_nsec = UTIME_OMIT;
        }
    }
    return 0;
}

WASI_IMPL(wasi_file_fd_filestat_set_times)
{
    (void)err;
    struct wasi_fd *e;
    uint32_t r = wasi_fd_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    struct timespec ts[2];
    if ((r = make_times(ARG64(1), ARG64(2), ARG32(3), ts)) != 0)
        return (int)r;
    if (e->readonly)
        return WASI_EPERM;
    bool owned;
    int h = wasi_fd_usable(e, &owned);
    if (h < 0)
        return (int)wasi_errno_last();
    int rc = futimens(h, ts);
    int saved = errno;
    if (owned)
        close(h);
    return rc < 0 ? (int)wasi_errno_from_host(saved) : 0;
}


static bool has_trailing_slash(const char *path)
{
    size_t n = strlen(path);
    return n > 0 && path[n - 1] == '/';
}

WASI_IMPL(wasi_file_path_filestat_get)
{
    (void)err;
    struct wasi_fd *d;
    uint32_t r = wasi_fd_get_dir(w, ARG32(0), &d);
    if (r)
        return (int)r;
    uint8_t *p = wasi_mem_ptr(&w->mem, ARG32(4), 64);
    if (!p)
        return WASI_EFAULT;
    char *path;
    if ((r = wasi_path_copy(w, ARG32(2), ARG32(3), &path)) != 0)
        return (int)r;
    bool follow = ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW;
    int h = wasi_path_open(d->host, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
    free(path);
    if (h < 0)
        return (int)wasi_errno_from_host(-h);
    struct stat st;
    int rc = fstat(h, &st);
    int saved = errno;
    close(h);
    if (rc < 0)
        return (int)wasi_errno_from_host(saved);
    put_filestat(p, &st, wasi_fd_filetype(&st, -1));
    return 0;
}

WASI_IMPL(wasi_file_path_filestat_set_times)
{
    (void)err;
    struct wasi_fd *d;
    uint32_t r = wasi_fd_get_dir(w, ARG32(0), &d);
    if (r)
        return (int)r;
    struct timespec ts[2];
    if ((r = make_times(ARG64(4), ARG64(5), ARG32(6), ts)) != 0)
        return (int)r;
    char *path;
    if ((r = wasi_path_copy(w, ARG32(2), ARG32(3), &path)) != 0)
        return (int)r;
    bool follow = (ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW) || has_trailing_slash(path);
    int rc, saved;
    if (follow) {
        int h = wasi_path_open(d->host, path, O_PATH, 0);
        if (h < 0) {
            free(path);
            return (int)wasi_errno_from_host(-h);
        }
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", h);
        rc = d->readonly ? (errno = EPERM, -1) : utimensat(AT_FDCWD, proc, ts, 0);
        saved = errno;
        close(h);
    } else {
        const char *base;
        int p = wasi_path_parent(d->host, path, &base);
        if (p < 0) {
            free(path);
            return (int)wasi_errno_from_host(-p);
        }
        rc = d->readonly ? (errno = EPERM, -1) : utimensat(p, base, ts, AT_SYMLINK_NOFOLLOW);
        saved = errno;
        close(p);
    }
    free(path);
    return rc < 0 ? (int)wasi_errno_from_host(saved) : 0;
}

/* ---- path_open ---- */

WASI_IMPL(wasi_file_path_open)
{
    (void)err;
    uint32_t dirflags = ARG32(1), oflags = ARG32(4), fdflags = ARG32(7), out = ARG32(8);
    uint64_t base = ARG64(5), inherit = ARG64(6);
    struct wasi_fd *d;
    uint32_t r = wasi_fd_get_dir(w, ARG32(0), &d);
    if (r)
        return (int)r;
    if (oflags & ~15u || fdflags & ~31u)
        return WASI_EINVAL;
    if (!wasi_mem_ptr(&w->mem, out, 4))
        return WASI_EFAULT;
    /* Rights are taken as requested (wasmtime does not mask them with the directory's
     * inheriting rights either); they choose the read/write mode of the host file. */
    base &= WASI_RIGHTS_ALL;
    inherit &= WASI_RIGHTS_ALL;
    /* With O_DIRECTORY the write rights only pass on (as in wasi-common): a directory is
     * opened for reading. */
    bool want_write = ((base & WASI_RIGHTS_WRITE_FILE) && !(oflags & WASI_OFLAG_DIRECTORY)) ||
                      (oflags & WASI_OFLAG_TRUNC);
    bool want_read = base & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
    if (d->readonly && (want_write || (oflags & (WASI_OFLAG_CREAT | WASI_OFLAG_TRUNC)) ||
                        (fdflags & WASI_FDFLAG_APPEND)))
        return WASI_EPERM;
    int flags = O_CLOEXEC | O_NOCTTY;
    flags |= want_write ? (want_read ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (oflags & WASI_OFLAG_CREAT)
        flags |= O_CREAT;
    if (oflags & WASI_OFLAG_EXCL)
        flags |= O_EXCL;
    if (oflags & WASI_OFLAG_TRUNC)
        flags |= O_TRUNC;
    if (oflags & WASI_OFLAG_DIRECTORY)
        flags |= O_DIRECTORY;
    if (fdflags & WASI_FDFLAG_APPEND)
        flags |= O_APPEND;
    if (fdflags & WASI_FDFLAG_NONBLOCK)
        flags |= O_NONBLOCK;
    if (fdflags & WASI_FDFLAG_DSYNC)
        flags |= O_DSYNC;
    if (fdflags & (WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC))
        flags |= O_SYNC;
    if (!(dirflags & WASI_LOOKUP_SYMLINK_FOLLOW))
        flags |= O_NOFOLLOW;
    char *path;
    if ((r = wasi_path_copy(w, ARG32(2), ARG32(3), &path)) != 0)
        return (int)r;
    int h = wasi_path_open(d->host, path, flags, 0666);
    free(path);
    if (h < 0)
        return (int)wasi_errno_from_host(-h);
    struct stat st;
    if (fstat(h, &st) < 0) {
        int saved = errno;
        close(h);
        return (int)wasi_errno_from_host(saved);
    }
    struct wasi_fd e = {0};
    e.host = h;
    e.filetype = wasi_fd_filetype(&st, h);
    e.kind = S_ISDIR(st.st_mode) ? WASI_FD_DIR : WASI_FD_FILE;
    e.readonly = d->readonly;
    e.rights = base;
    e.inherit = inherit;
    uint32_t fd;
    if ((r = wasi_fd_insert(w, &e, &fd)) != 0) {
        close(h);
        return (int)r;
    }
    return (int)wasi_mem_put32(&w->mem, out, fd);
}
