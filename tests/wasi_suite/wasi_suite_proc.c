/*
 * One `waot run` child of the WASI test runner: started with stdin, stdout and stderr on
 * pipes; both outputs are drained together (poll) so that neither can fill up and block
 * the child; every wait has a deadline, past which the child is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wasi_suite.h"

double wasi_suite_proc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

int wasi_suite_proc_start(struct wasi_suite_proc *p, char *const argv[], const char *cwd,
                          struct waot_error *err)
{
    memset(p, 0, sizeof *p);
    p->pid = -1;
    p->in_fd = p->out_fd = p->err_fd = -1;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        waot_fail(err, WAOT_E_IO, "pipe: %s", strerror(errno));
        goto fail;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        waot_fail(err, WAOT_E_IO, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        /* child: only async-signal-safe calls from here on */
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(errp[1], 2) < 0)
            _exit(126);
        setpgid(0, 0);  /* its own group, so that a timeout kills what it started too */
        signal(SIGPIPE, SIG_DFL);
        if (cwd && chdir(cwd) < 0)
            _exit(126);
        execv(argv[0], argv);
        static const char msg[] = "wasi_suite: exec failed\n";
        if (write(2, msg, sizeof msg - 1) < 0)
            _exit(127);
        _exit(127);
    }
    p->pid = pid;
    setpgid(pid, pid);  /* also here: whichever runs first */
    close(in[0]);
    close(out[1]);
    close(errp[1]);
    p->in_fd = in[1];
    p->out_fd = out[0];
    p->err_fd = errp[0];
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&in[i]);
        close_fd(&out[i]);
        close_fd(&errp[i]);
    }
    return -1;
}

static int buf_read(struct wasi_suite_buf *b, int *fd, struct waot_error *err)
{
    if (b->cap - b->len < 4096) {
        size_t cap = b->cap ? 2 * b->cap : 8192;
        char *d = realloc(b->data, cap + 1);
        if (!d)
            return waot_fail(err, WAOT_E_NOMEM, "output buffer: out of memory");
        b->data = d;
        b->cap = cap;
    }
    ssize_t n = read(*fd, b->data + b->len, b->cap - b->len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n < 0)
        return waot_fail(err, WAOT_E_IO, "read from child: %s", strerror(errno));
    if (n == 0) {
        b->eof = true;
        close_fd(fd);
    }
    b->len += (size_t)n;
    b->data[b->len] = '\0';
    return 0;
}

/* One round of poll on whichever outputs are still open. */
static int pump(struct wasi_suite_proc *p, double deadline, struct waot_error *err)
{
    struct pollfd pf[2];
    struct wasi_suite_buf *bufs[2];
    int *fds[2];
    nfds_t n = 0;
    if (p->out_fd >= 0) {
        pf[n] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
        bufs[n] = &p->out;
        fds[n++] = &p->out_fd;
    }
    if (p->err_fd >= 0) {
        pf[n] = (struct pollfd){.fd = p->err_fd, .events = POLLIN};
        bufs[n] = &p->err;
        fds[n++] = &p->err_fd;
    }
    if (n == 0)
        return 0;
    double left = deadline - wasi_suite_proc_now();
    if (left <= 0)
        return waot_fail(err, WAOT_E_IO, "timed out");
    int r = poll(pf, n, (int)(left * 1000) + 1);
    if (r < 0 && errno != EINTR)
        return waot_fail(err, WAOT_E_IO, "poll: %s", strerror(errno));
    for (nfds_t i = 0; r > 0 && i < n; i++)
        if (pf[i].revents && buf_read(bufs[i], fds[i], err) < 0)
            return -1;
    return 0;
}

int wasi_suite_proc_fill(struct wasi_suite_proc *p, int which, size_t want, double deadline,
                         struct waot_error *err)
{
    struct wasi_suite_buf *b = which == 1 ? &p->out : &p->err;
    while (!b->eof && (want == SIZE_MAX || b->len < want))
        if (pump(p, deadline, err) < 0)
            return -1;
    return 0;
}

int wasi_suite_proc_write(struct wasi_suite_proc *p, const char *buf, size_t len,
                          struct waot_error *err)
{
    if (p->in_fd < 0)
        return waot_fail(err, WAOT_E_IO, "write to stdin: already closed");
    while (len > 0) {
        ssize_t n = write(p->in_fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return waot_fail(err, WAOT_E_IO, "write to stdin: %s", strerror(errno));
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void kill_child(struct wasi_suite_proc *p)
{
    if (p->pid > 0) {
        kill(-p->pid, SIGKILL);
        kill(p->pid, SIGKILL);
        while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
            ;
        p->pid = -1;
    }
}

int wasi_suite_proc_wait(struct wasi_suite_proc *p, double deadline, struct waot_error *err)
{
    close_fd(&p->in_fd);
    if (wasi_suite_proc_fill(p, 1, SIZE_MAX, deadline, err) < 0 ||
        wasi_suite_proc_fill(p, 2, SIZE_MAX, deadline, err) < 0) {
        kill_child(p);
        return -1;
    }
    /* outputs closed; the child may still linger for a moment (or hand its pipes on) */
    while (p->pid > 0) {
        pid_t r = waitpid(p->pid, &p->status, WNOHANG);
        if (r < 0 && errno != EINTR) {
            p->pid = -1;
            return waot_fail(err, WAOT_E_IO, "waitpid: %s", strerror(errno));
        }
        if (r == p->pid) {
            p->pid = -1;
            break;
        }
        if (wasi_suite_proc_now() > deadline) {
            kill_child(p);
            return waot_fail(err, WAOT_E_IO, "timed out");
        }
        struct timespec nap = {0, 2000000};
        nanosleep(&nap, NULL);
    }
    return 0;
}

void wasi_suite_proc_fini(struct wasi_suite_proc *p)
{
    kill_child(p);
    close_fd(&p->in_fd);
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
    free(p->out.data);
    free(p->err.data);
    p->out = p->err = (struct wasi_suite_buf){0};
}
