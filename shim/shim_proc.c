/*
 * Starting a container process (see shim_proc.h): the shim's side of the runner. The
 * runner's whole command line is built before fork, because the daemon has threads and the
 * child may only make async-signal-safe calls: it moves the status and go pipe ends to
 * SHIM_RUNNER_STATUS_FD and SHIM_RUNNER_GO_FD, closes every other descriptor above 2 and
 * execs. The parent then reads the status pipe to EOF; "ready" means the module is
 * instantiated and waiting, anything else is the runner's failure message.
 *
 * Runner command line (parsed by shim_runner.c):
 *   RUNNER --waot-task-runner --rootfs DIR [--readonly] [--sandbox] [--debug]
 *          [--stdin PATH] [--stdout PATH] [--stderr PATH] [--cache-dir DIR] [--cwd DIR]
 *          [--uid N] [--gid N] [--gid-extra N]... [--nofile N]
 *          [--netns PATH] [--ipcns PATH] [--utsns PATH]
 *          [--volume HOST GUEST ro|rw]... [--env KEY=VALUE]... -- ARGS...
 * Only bind mounts of config.json become volumes; /proc, /dev and /sys (and below) are
 * the kernel's view of a Linux container and mean nothing to a WASI guest.
 */
#include "shim_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define STATUS_MAX 4096

/* A growing argv whose strings it owns. */
struct argv_buf {
    char **v;
    size_t n, cap;
    bool oom;
};

static void add(struct argv_buf *a, const char *s)
{
    if (a->oom)
        return;
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        char **v = realloc(a->v, cap * sizeof *v);
        if (!v) {
            a->oom = true;
            return;
        }
        a->v = v;
        a->cap = cap;
    }
    if (!(a->v[a->n] = strdup(s))) {
        a->oom = true;
        return;
    }
    a->v[++a->n] = NULL;
}

static void add_opt(struct argv_buf *a, const char *opt, const char *value)
{
    if (value && *value) {
        add(a, opt);
        add(a, value);
    }
}

static void add_num(struct argv_buf *a, const char *opt, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", v);
    add(a, opt);
    add(a, buf);
}

static void argv_free(struct argv_buf *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
}

static bool has_option(const struct shim_mount_spec *m, const char *o)
{
    for (size_t i = 0; i < m->noptions; i++)
        if (strcmp(m->options[i], o) == 0)
            return true;
    return false;
}

/* dest is /proc, /dev or /sys, or below one of them. */
static bool kernel_path(const char *dest)
{
    static const char *const skip[] = {"/proc", "/dev", "/sys"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++) {
        size_t len = strlen(skip[i]);
        if (strncmp(dest, skip[i], len) == 0 && (dest[len] == '\0' || dest[len] == '/'))
            return true;
    }
    return false;
}

static void add_volumes(struct argv_buf *a, const struct shim_spec *spec)
{
    for (size_t i = 0; spec && i < spec->nmounts; i++) {
        const struct shim_mount_spec *m = &spec->mounts[i];
        bool bind = (m->type && (strcmp(m->type, "bind") == 0 || strcmp(m->type, "rbind") == 0)) ||
                    has_option(m, "bind") || has_option(m, "rbind");
        if (!bind || !m->source || m->source[0] != '/' || kernel_path(m->destination) ||
            strcmp(m->destination, "/") == 0)
            continue;
        add(a, "--volume");
        add(a, m->source);
        add(a, m->destination);
        add(a, has_option(m, "ro") ? "ro" : "rw");
    }
}

static int build_argv(const struct shim_proc_req *r, const char *exe, struct argv_buf *a,
                      struct waot_error *err)
{
    const struct shim_process_spec *p = r->process;
    const struct shim_spec *s = r->spec;
    memset(a, 0, sizeof *a);
    add(a, exe);
    add(a, SHIM_RUNNER_ARG);
    add_opt(a, "--rootfs", r->rootfs);
    if (s && s->root_readonly)
        add(a, "--readonly");
    if (r->sandbox)
        add(a, "--sandbox");
    if (r->debug)
        add(a, "--debug");
    add_opt(a, "--stdin", r->stdin_path);
    add_opt(a, "--stdout", r->stdout_path);
    add_opt(a, "--stderr", r->stderr_path);
    add_opt(a, "--cache-dir", r->cache_dir);
    if (s) {
        add_opt(a, "--netns", s->ns_path[SHIM_NS_NET]);
        add_opt(a, "--ipcns", s->ns_path[SHIM_NS_IPC]);
        add_opt(a, "--utsns", s->ns_path[SHIM_NS_UTS]);
    }
    if (p) {
        add_opt(a, "--cwd", p->cwd);
        add_num(a, "--uid", p->uid);
        add_num(a, "--gid", p->gid);
        for (size_t i = 0; i < p->nadditional_gids; i++)
            add_num(a, "--gid-extra", p->additional_gids[i]);
        if (p->nofile)
            add_num(a, "--nofile", p->nofile);
        for (size_t i = 0; i < p->nenv; i++)
            add_opt(a, "--env", p->env[i]);
    }
    if (!r->sandbox)
        add_volumes(a, s);
    add(a, "--");
    for (size_t i = 0; p && !r->sandbox && i < p->nargs; i++)
        add(a, p->args[i]);
    if (a->oom) {
        argv_free(a);
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    }
    return 0;
}

/* The child between fork and exec: async-signal-safe calls only. */
static void child(pid_t parent, int status_w, int go_r, const char *exe, char **argv,
                  char **envp)
{
    /* A task must not outlive a crashed daemon (containerd then reports it dead and runs
     * `delete`): SIGKILL when the forking thread ends, which is the spawner thread below,
     * alive as long as the daemon. The check closes the race with a daemon already gone. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(125);
    /* move both ends above the fixed slots first, so that dup2 cannot clobber one with
     * the other */
    int s = fcntl(status_w, F_DUPFD, 10), g = fcntl(go_r, F_DUPFD, 10);
    if (s < 0 || g < 0 || dup2(s, SHIM_RUNNER_STATUS_FD) < 0 || dup2(g, SHIM_RUNNER_GO_FD) < 0)
        _exit(125);
    close_range(SHIM_RUNNER_GO_FD + 1, ~0U, 0);
    /* the daemon may block signals in its threads; the runner starts clean */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(exe, argv, envp);
    static const char msg[] = "cannot execute the task runner";
    ssize_t w = write(SHIM_RUNNER_STATUS_FD, msg, sizeof msg - 1);
    (void)w;
    _exit(125);
}

/* Reads the status pipe to EOF into buf (NUL-terminated, truncated to size - 1). */
static size_t read_status(int fd, char *buf, size_t size)
{
    size_t n = 0;
    for (;;) {
        char tmp[512];
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        size_t take = (size_t)r < size - 1 - n ? (size_t)r : size - 1 - n;
        memcpy(buf + n, tmp, take);
        n += take;
    }
    buf[n] = '\0';
    return n;
}

/* The spawner: one long-lived thread forks every runner, because the parent-death signal
 * is tied to the thread that forked, and request threads end after each request. */
struct fork_job {
    int status_w, go_r;
    const char *exe;
    char **argv;
    pid_t pid;
    int err;
    bool done;
};

static pthread_mutex_t spawner_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t spawner_cv = PTHREAD_COND_INITIALIZER;
static struct fork_job *spawner_job;   /* the one job waiting for the spawner, or NULL */
static bool spawner_running;

static pid_t fork_runner(struct fork_job *j)
{
    extern char **environ;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        child(parent, j->status_w, j->go_r, j->exe, j->argv, environ);
    return pid;
}

static void *spawner_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&spawner_mu);
    for (;;) {
        while (!spawner_job || spawner_job->done)
            pthread_cond_wait(&spawner_cv, &spawner_mu);
        struct fork_job *j = spawner_job;
        j->pid = fork_runner(j);
        j->err = errno;
        j->done = true;
        pthread_cond_broadcast(&spawner_cv);
    }
    return NULL;
}

/* Forks through the spawner thread (started on first use); falls back to forking here
 * when the thread cannot be made. */
static pid_t spawn_fork(struct fork_job *j)
{
    pthread_mutex_lock(&spawner_mu);
    if (!spawner_running) {
        pthread_t t;
        if (pthread_create(&t, NULL, spawner_main, NULL) == 0) {
            pthread_detach(t);
            spawner_running = true;
        }
    }
    if (!spawner_running) {
        pthread_mutex_unlock(&spawner_mu);
        pid_t pid = fork_runner(j);
        j->err = errno;
        return pid;
    }
    while (spawner_job)   /* one job at a time: a fork is quick */
        pthread_cond_wait(&spawner_cv, &spawner_mu);
    spawner_job = j;
    pthread_cond_broadcast(&spawner_cv);
    while (!j->done)
        pthread_cond_wait(&spawner_cv, &spawner_mu);
    spawner_job = NULL;
    pthread_cond_broadcast(&spawner_cv);
    pthread_mutex_unlock(&spawner_mu);
    return j->pid;
}

int shim_proc_spawn(const struct shim_proc_req *r, struct shim_proc *p, struct waot_error *err)
{
    p->pid = 0;
    p->go_fd = -1;
    if (!r->rootfs || !*r->rootfs)
        return waot_fail(err, WAOT_E_USAGE, "no root file system for the task");
    if (!r->sandbox && (!r->process || r->process->nargs == 0))
        return waot_fail(err, WAOT_E_USAGE, "no process arguments (args[0] names the module)");
    const char *exe = r->runner && *r->runner ? r->runner : "/proc/self/exe";
    struct argv_buf a;
    if (build_argv(r, exe, &a, err) < 0)
        return -1;
    int status[2], go[2];
    if (pipe2(status, O_CLOEXEC) < 0) {
        argv_free(&a);
        return waot_fail(err, WAOT_E_IO, "pipe: %s", strerror(errno));
    }
    if (pipe2(go, O_CLOEXEC) < 0) {
        int e = errno;
        close(status[0]);
        close(status[1]);
        argv_free(&a);
        return waot_fail(err, WAOT_E_IO, "pipe: %s", strerror(e));
    }
    struct fork_job job = {.status_w = status[1], .go_r = go[0], .exe = exe, .argv = a.v};
    pid_t pid = spawn_fork(&job);
    int fork_errno = job.err;
    close(status[1]);
    close(go[0]);
    argv_free(&a);
    if (pid < 0) {
        close(status[0]);
        close(go[1]);
        return waot_fail(err, WAOT_E_IO, "fork: %s", strerror(fork_errno));
    }
    p->pid = pid;
    char msg[STATUS_MAX];
    size_t n = read_status(status[0], msg, sizeof msg);
    close(status[0]);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    if (strcmp(msg, "ready") == 0) {
        p->go_fd = go[1];
        return 0;
    }
    close(go[1]);
    if (n == 0)
        return waot_fail(err, WAOT_E_IO, "runner exited before it was ready");
    return waot_fail(err, WAOT_E_IO, "%s", msg);
}

int shim_proc_release(struct shim_proc *p, struct waot_error *err)
{
    if (p->go_fd < 0)
        return waot_fail(err, WAOT_E_USAGE, "process %d was already released", (int)p->pid);
    /* a runner killed while it waited makes this write raise SIGPIPE: keep it pending in
     * this thread and consume it, so the daemon does not depend on ignoring SIGPIPE */
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    char go = 'g';
    ssize_t w;
    do
        w = write(p->go_fd, &go, 1);
    while (w < 0 && errno == EINTR);
    int e = errno;
    if (w < 0 && e == EPIPE)
        sigtimedwait(&pipe_set, NULL, &(struct timespec){0});
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(p->go_fd);
    p->go_fd = -1;
    if (w != 1) /* EPIPE: the runner is gone (killed while waiting); the reaper sees why */
        return waot_fail(err, WAOT_E_IO, "releasing process %d: %s", (int)p->pid, strerror(e));
    return 0;
}

void shim_proc_abandon(struct shim_proc *p)
{
    if (p->go_fd >= 0)
        close(p->go_fd);
    p->go_fd = -1;
}
