/*
 * The guest's descriptor table and the calls that act on descriptors as such: close,
 * renumber, fdstat (get, set flags, shrink rights) and the preopen queries.
 *
 * Rights are recorded per descriptor (path_open masks the requested ones with the
 * directory's inheriting rights), reported by fd_fdstat_get and can only shrink, but, as
 * in wasmtime, they are not checked by the other calls: what a descriptor may do is decided
 * by how its host file was opened (read/write mode, chosen from the rights at path_open)
 * and by the read-only flag of its preopen.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasi_internal.h"

struct wasi_fd *wasi_fd_lookup(struct wasi_ctx *w, uint32_t fd)
{
    if (fd >= w->nfds || !w->fds[fd].used)
        return NULL;
    return &w->fds[fd];
}

uint32_t wasi_fd_get(struct wasi_ctx *w, uint32_t fd, struct wasi_fd **out)
{
    struct wasi_fd *e = wasi_fd_lookup(w, fd);
    if (!e)
        return WASI_EBADF;
    *out = e;
    return 0;
}

uint32_t wasi_fd_get_dir(struct wasi_ctx *w, uint32_t fd, struct wasi_fd **out)
{
    struct wasi_fd *e = wasi_fd_lookup(w, fd);
    if (!e)
        return WASI_EBADF;
    if (e->kind != WASI_FD_DIR)
        return WASI_ENOTDIR;
    *out = e;
    return 0;
}

uint32_t wasi_fd_insert(struct wasi_ctx *w, const struct wasi_fd *e, uint32_t *fd)
{
    uint32_t i = 0;
    while (i < w->nfds && w->fds[i].used)
        i++;
    if (i == w->nfds) {
        if (w->nfds >= (1u << 20))
            return WASI_EMFILE;
        uint32_t n = w->nfds ? w->nfds * 2 : 8;
        struct wasi_fd *fds = realloc(w->fds, n * sizeof *fds);
        if (!fds)
            return WASI_ENOMEM;
        memset(fds + w->nfds, 0, (n - w->nfds) * sizeof *fds);
        w->fds = fds;
        w->nfds = n;
    }
    w->fds[i] = *e;
    w->fds[i].used = true;
    *fd = i;
    return 0;
}

void wasi_fd_release(struct wasi_fd *e)
{
    if (e->kind != WASI_FD_STDIO && e->host >= 0)
        close(e->host);
    free(e->preopen_name);
    memset(e, 0, sizeof *e);
}

uint8_t wasi_fd_filetype(const struct stat *st, int host)
{
    switch (st->st_mode & S_IFMT) {
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFSOCK: {
        int type = 0;
        socklen_t len = sizeof type;
        if (host >= 0 && getsockopt(host, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
            type == SOCK_DGRAM)
            return WASI_FILETYPE_SOCKET_DGRAM;
        return WASI_FILETYPE_SOCKET_STREAM;
    }
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

int wasi_fd_usable(const struct wasi_fd *e, bool *owned)
{
    *owned = false;
    if (!e->opath)
        return e->host;
    int fd = openat(e->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0)
        *owned = true;
    return fd;
}

/* ---- calls ---- */

WASI_IMPL(wasi_fd_close)
{
    (void)err;
    struct wasi_fd *e = wasi_fd_lookup(w, ARG32(0));
    if (!e)
        return WASI_EBADF;
    wasi_fd_release(e);
    return 0;
}

WASI_IMPL(wasi_fd_renumber)
{
    (void)err;
    struct wasi_fd *from = wasi_fd_lookup(w, ARG32(0));
    struct wasi_fd *to = wasi_fd_lookup(w, ARG32(1));
    if (!from || !to)
        return WASI_EBADF;
    if (from == to)
        return 0;
    wasi_fd_release(to);
    *to = *from;
    memset(from, 0, sizeof *from);
    return 0;
}

static uint16_t host_fdflags(int host)
{
    int fl = fcntl(host, F_GETFL);
    uint16_t r = 0;
    if (fl < 0)
        return 0;
    if (fl & O_APPEND)
        r |= WASI_FDFLAG_APPEND;
    if (fl & O_NONBLOCK)
        r |= WASI_FDFLAG_NONBLOCK;
    if ((fl & O_SYNC) == O_SYNC)
        r |= WASI_FDFLAG_SYNC;
    else if (fl & O_DSYNC)
        r |= WASI_FDFLAG_DSYNC;
    return r;
}

WASI_IMPL(wasi_fd_fdstat_get)
{
    (void)err;
    struct wasi_fd *e = wasi_fd_lookup(w, ARG32(0));
    if (!e)
        return WASI_EBADF;
    uint8_t *p = wasi_mem_ptr(&w->mem, ARG32(1), 24);
    if (!p)
        return WASI_EFAULT;
    memset(p, 0, 24);
    wasi_mem_st8(p, e->filetype);
    wasi_mem_st16(p + 2, e->opath ? 0 : host_fdflags(e->host));
    wasi_mem_st64(p + 8, e->rights);
    wasi_mem_st64(p + 16, e->inherit);
    return 0;
}

WASI_IMPL(wasi_fd_fdstat_set_flags)
{
    (void)err;
    struct wasi_fd *e;
    uint32_t r = wasi_fd_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    uint32_t flags = ARG32(1);
    if (flags & ~(WASI_FDFLAG_APPEND | WASI_FDFLAG_DSYNC | WASI_FDFLAG_NONBLOCK |
                  WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
        return WASI_EINVAL;
    /* Linux cannot change the sync flags of an open file. */
    if (flags & (WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
        return WASI_ENOTSUP;
    if (e->kind == WASI_FD_DIR)
        return WASI_EBADF;
    /* stdio descriptions are shared with the embedder's process: never change them */
    if (e->kind == WASI_FD_STDIO)
        return flags == host_fdflags(e->host) ? 0 : WASI_ENOTSUP;
    if ((flags & WASI_FDFLAG_APPEND) && e->readonly)
        return WASI_EPERM;
    int fl = fcntl(e->host, F_GETFL);
    if (fl < 0)
        return (int)wasi_errno_last();
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & WASI_FDFLAG_APPEND)
        fl |= O_APPEND;
    if (flags & WASI_FDFLAG_NONBLOCK)
        fl |= O_NONBLOCK;
    if (fcntl(e->host, F_SETFL, fl) < 0)
        return (int)wasi_errno_last();
    return 0;
}

WASI_IMPL(wasi_fd_fdstat_set_rights)
{
    (void)err;
    struct wasi_fd *e = wasi_fd_lookup(w, ARG32(0));
    if (!e)
        return WASI_EBADF;
    uint64_t base = ARG64(1), inherit = ARG64(2);
    if ((base & ~e->rights) || (inherit & ~e->inherit))
        return WASI_ENOTCAPABLE;
    e->rights = base;
    e->inherit = inherit;
    return 0;
}

WASI_IMPL(wasi_fd_prestat_get)
{
    (void)err;
    struct wasi_fd *e = wasi_fd_lookup(w, ARG32(0));
    if (!e || !e->preopen_name)
        return WASI_EBADF;
    uint8_t *p = wasi_mem_ptr(&w->mem, ARG32(1), 8);
    if (!p)
        return WASI_EFAULT;
    memset(p, 0, 8);
    wasi_mem_st8(p, 0); /* preopentype dir */
    wasi_mem_st32(p + 4, (uint32_t)strlen(e->preopen_name));
    return 0;
}

WASI_IMPL(wasi_fd_prestat_dir_name)
{
    (void)err;
    struct wasi_fd *e = wasi_fd_lookup(w, ARG32(0));
    if (!e || !e->preopen_name)
        return WASI_EBADF;
    size_t len = strlen(e->preopen_name);
    uint32_t cap = ARG32(2);
    uint8_t *p = wasi_mem_ptr(&w->mem, ARG32(1), cap);
    if (!p)
        return WASI_EFAULT;
    if (cap < len)
        return WASI_ENAMETOOLONG;
    memcpy(p, e->preopen_name, len);
    return 0;
}
