/*
 * poll_oneoff: clock subscriptions (relative or absolute, on any WASI clock) and fd
 * readiness (read/write), waited for together with ppoll. A closed descriptor fails the
 * whole call with EBADF (as wasmtime does); an unknown clock comes back at once as an event
 * carrying EINVAL. Clock events are reported when their deadline has passed.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wasi_internal.h"

#define SUB_SIZE 48
#define EVENT_SIZE 32
#define EVENTTYPE_CLOCK 0
#define EVENTTYPE_FD_READ 1
#define EVENTTYPE_FD_WRITE 2
#define SUBCLOCK_ABSTIME 1u
#define EVENT_FD_HANGUP 1u

struct sub {
    uint64_t userdata;
    uint8_t type;
    uint16_t error;      /* set up front: reported immediately */
    clockid_t clock;
    uint64_t deadline;   /* ns on clock */
    int pfd;             /* index into the pollfd array, or -1 */
    struct wasi_fd *fd;
};

static uint64_t now_ns(clockid_t c)
{
    struct timespec ts;
    if (clock_gettime(c, &ts) < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put_event(uint8_t *p, const struct sub *s, uint16_t error, uint64_t nbytes,
                      uint16_t flags)
{
    memset(p, 0, EVENT_SIZE);
    wasi_mem_st64(p, s->userdata);
    wasi_mem_st16(p + 8, error);
    wasi_mem_st8(p + 10, s->type);
    if (s->type != EVENTTYPE_CLOCK) {
        wasi_mem_st64(p + 16, nbytes);
        wasi_mem_st16(p + 24, flags);
    }
}

static uint64_t readable_bytes(const struct wasi_fd *e)
{
    struct stat st;
    if (fstat(e->host, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t pos = lseek(e->host, 0, SEEK_CUR);
        return pos >= 0 && st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
    }
    int n = 0;
    if (ioctl(e->host, FIONREAD, &n) == 0 && n > 0)
        return (uint64_t)n;
    return 0;
}

static uint32_t parse_subs(struct wasi_ctx *w, const uint8_t *in, uint32_t nsubs,
                           struct sub *subs, struct pollfd *pfds, int *npfds)
{
    for (uint32_t i = 0; i < nsubs; i++) {
        const uint8_t *p = in + (size_t)i * SUB_SIZE;
        struct sub *s = &subs[i];
        memset(s, 0, sizeof *s);
        s->userdata = wasi_mem_ld64(p);
        s->type = p[8];
        s->pfd = -1;
        if (s->type == EVENTTYPE_CLOCK) {
            uint64_t timeout = wasi_mem_ld64(p + 24);
            uint16_t flags = wasi_mem_ld16(p + 40);
            if (wasi_clock_host(wasi_mem_ld32(p + 16), &s->clock) != 0) {
                s->error = WASI_EINVAL;
                continue;
            }
            if (flags & SUBCLOCK_ABSTIME) {
                s->deadline = timeout;
            } else {
                uint64_t now = now_ns(s->clock);
                s->deadline = timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
            }
        } else if (s->type == EVENTTYPE_FD_READ || s->type == EVENTTYPE_FD_WRITE) {
            uint32_t r = wasi_fd_get(w, wasi_mem_ld32(p + 16), &s->fd);
            if (r)
                return r;   /* wasmtime fails the whole call on a closed descriptor */
            s->pfd = (*npfds)++;
            pfds[s->pfd].fd = s->fd->host;
            pfds[s->pfd].events = s->type == EVENTTYPE_FD_READ ? POLLIN : POLLOUT;
            pfds[s->pfd].revents = 0;
        } else {
            return WASI_EINVAL;
        }
    }
    return 0;
}

/* Writes the events that are ready; returns their count. */
static uint32_t collect(const struct sub *subs, uint32_t nsubs, const struct pollfd *pfds,
                        uint8_t *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < nsubs; i++) {
        const struct sub *s = &subs[i];
        uint8_t *p = out + (size_t)n * EVENT_SIZE;
        if (s->error) {
            put_event(p, s, s->error, 0, 0);
            n++;
        } else if (s->type == EVENTTYPE_CLOCK) {
            if (now_ns(s->clock) >= s->deadline) {
                put_event(p, s, 0, 0, 0);
                n++;
            }
        } else if (pfds[s->pfd].revents) {
            short re = pfds[s->pfd].revents;
            if (re & POLLNVAL) {
                put_event(p, s, WASI_EBADF, 0, 0);
            } else {
                uint64_t nbytes = s->type == EVENTTYPE_FD_READ ? readable_bytes(s->fd) : 0;
                put_event(p, s, 0, nbytes, (re & POLLHUP) ? EVENT_FD_HANGUP : 0);
            }
            n++;
        }
    }
    return n;
}

WASI_IMPL(wasi_poll_oneoff)
{
    (void)err;
    uint32_t nsubs = ARG32(2);
    if (nsubs == 0)
        return WASI_EINVAL;
    const uint8_t *in = wasi_mem_ptr(&w->mem, ARG32(0), (uint64_t)nsubs * SUB_SIZE);
    uint8_t *out = wasi_mem_ptr(&w->mem, ARG32(1), (uint64_t)nsubs * EVENT_SIZE);
    if (!in || !out || !wasi_mem_ptr(&w->mem, ARG32(3), 4))
        return WASI_EFAULT;
    struct sub *subs = malloc(nsubs * sizeof *subs);
    struct pollfd *pfds = malloc(nsubs * sizeof *pfds);
    if (!subs || !pfds) {
        free(subs);
        free(pfds);
        return WASI_ENOMEM;
    }
    int npfds = 0;
    uint32_t r = parse_subs(w, in, nsubs, subs, pfds, &npfds);
    uint32_t nevents = 0;
    while (r == 0) {
        bool immediate = false, have_clock = false;
        uint64_t wait = UINT64_MAX;
        for (uint32_t i = 0; i < nsubs; i++) {
            if (subs[i].error)
                immediate = true;
            else if (subs[i].type == EVENTTYPE_CLOCK) {
                uint64_t now = now_ns(subs[i].clock);
                uint64_t left = subs[i].deadline > now ? subs[i].deadline - now : 0;
                if (left < wait)
                    wait = left;
                have_clock = true;
            }
        }
        if (immediate)
            wait = 0;
        struct timespec ts = {(time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull)};
        int rc = ppoll(pfds, (nfds_t)npfds, (have_clock || immediate) ? &ts : NULL, NULL);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            r = wasi_errno_last();
            break;
        }
        if (rc == 0)
            for (int i = 0; i < npfds; i++)
                pfds[i].revents = 0;
        nevents = collect(subs, nsubs, pfds, out);
        if (nevents)
            break;
    }
    free(subs);
    free(pfds);
    if (r)
        return (int)r;
    return (int)wasi_mem_put32(&w->mem, ARG32(3), nevents);
}
