/*
 * Sockets handed to the guest as preopens (and those accepted from them): accept, recv,
 * send, shutdown. Any other descriptor is ENOTSOCK, a closed one EBADF.
 */
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi_internal.h"

#define SOCK_RIFLAG_PEEK 1u
#define SOCK_RIFLAG_WAITALL 2u
#define SOCK_ROFLAG_TRUNCATED 1u

static uint32_t sock_get(struct wasi_ctx *w, uint32_t fd, struct wasi_fd **out)
{
    struct wasi_fd *e = wasi_fd_lookup(w, fd);
    if (!e)
        return WASI_EBADF;
    if (e->kind != WASI_FD_SOCKET)
        return WASI_ENOTSOCK;
    *out = e;
    return 0;
}

WASI_IMPL(wasi_sock_accept)
{
    (void)err;
    struct wasi_fd *e;
    uint32_t r = sock_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    uint32_t flags = ARG32(1);
    if (flags & ~WASI_FDFLAG_NONBLOCK)
        return WASI_EINVAL;
    if (!wasi_mem_ptr(&w->mem, ARG32(2), 4))
        return WASI_EFAULT;
    int h = accept4(e->host, NULL, NULL,
                    SOCK_CLOEXEC | ((flags & WASI_FDFLAG_NONBLOCK) ? SOCK_NONBLOCK : 0));
    if (h < 0)
        return (int)wasi_errno_last();
    struct wasi_fd n = {0};
    n.kind = WASI_FD_SOCKET;
    n.host = h;
    n.filetype = e->filetype;
    n.rights = e->inherit;
    n.inherit = e->inherit;
    uint32_t fd;
    if ((r = wasi_fd_insert(w, &n, &fd)) != 0) {
        close(h);
        return (int)r;
    }
    return (int)wasi_mem_put32(&w->mem, ARG32(2), fd);
}

WASI_IMPL(wasi_sock_recv)
{
    (void)err;
    struct wasi_fd *e;
    uint32_t r = sock_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    uint32_t riflags = ARG32(3);
    if (riflags & ~(SOCK_RIFLAG_PEEK | SOCK_RIFLAG_WAITALL))
        return WASI_EINVAL;
    if (!wasi_mem_ptr(&w->mem, ARG32(4), 4) || !wasi_mem_ptr(&w->mem, ARG32(5), 2))
        return WASI_EFAULT;
    struct iovec v[WASI_IOV_MAX];
    int n = 0;
    if ((r = wasi_file_iovs(w, ARG32(1), ARG32(2), v, &n)) != 0)
        return (int)r;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = v;
    msg.msg_iovlen = (size_t)n;
    int fl = ((riflags & SOCK_RIFLAG_PEEK) ? MSG_PEEK : 0) |
             ((riflags & SOCK_RIFLAG_WAITALL) ? MSG_WAITALL : 0);
    ssize_t got = recvmsg(e->host, &msg, fl);
    if (got < 0)
        return (int)wasi_errno_last();
    wasi_mem_put32(&w->mem, ARG32(4), (uint32_t)got);
    wasi_mem_st16(wasi_mem_ptr(&w->mem, ARG32(5), 2),
                  (msg.msg_flags & MSG_TRUNC) ? SOCK_ROFLAG_TRUNCATED : 0);
    return 0;
}

WASI_IMPL(wasi_sock_send)
{
    (void)err;
    struct wasi_fd *e;
    uint32_t r = sock_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    if (!wasi_mem_ptr(&w->mem, ARG32(4), 4))
        return WASI_EFAULT;
    struct iovec v[WASI_IOV_MAX];
    int n = 0;
    if ((r = wasi_file_iovs(w, ARG32(1), ARG32(2), v, &n)) != 0)
        return (int)r;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = v;
    msg.msg_iovlen = (size_t)n;
    ssize_t sent = sendmsg(e->host, &msg, MSG_NOSIGNAL);
    if (sent < 0)
        return (int)wasi_errno_last();
    return (int)wasi_mem_put32(&w->mem, ARG32(4), (uint32_t)sent);
}

WASI_IMPL(wasi_sock_shutdown)
{
    (void)err;
    struct wasi_fd *e;
    uint32_t r = sock_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    int how;
    switch (ARG32(1)) {
    case 1: how = SHUT_RD; break;
    case 2: how = SHUT_WR; break;
    case 3: how = SHUT_RDWR; break;
    default: return WASI_EINVAL;
    }
    if (shutdown(e->host, how) < 0)
        return (int)wasi_errno_last();
    return 0;
}
