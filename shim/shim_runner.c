/*
 * The task runner: the shim binary re-executed for one container process (command line in
 * shim_proc.c). It runs single-threaded, in this order:
 *   1. signals back to their defaults, SIGPIPE ignored (a guest writing to a fifo whose
 *      reader left gets EPIPE, not death);
 *   2. stdio from containerd's fifos onto 0, 1, 2 (a missing path is /dev/null);
 *   3. setns into the network, IPC and UTS namespaces config.json names by path (the pod's
 *      sandbox). A pid namespace path is not joined: setns(CLONE_NEWPID) only moves the
 *      caller's future children, and the runner has none. A mount namespace is not joined
 *      either: the rootfs, the fifos and the compiled-code cache are host paths, and the
 *      guest sees only its preopens anyway. New namespaces (no path) are not created: a
 *      WASI guest has no way to reach the host's network, IPC or hostname under the
 *      seccomp filter;
 *   4. the module (args[0], relative to cwd when not absolute) resolved inside the rootfs
 *      with every symlink kept inside it (image_open_in_root), and run by the shared run
 *      path (launch_run) from that open descriptor, so it cannot be swapped afterwards;
 *   5. after the artifact is mapped and the preopens opened, the process drops to
 *      process.user (after_link), then the seccomp filter goes on, the module is
 *      instantiated, and before `_start` it writes "ready" on the status pipe and blocks
 *      on the go pipe (before_start).
 * A failure before "ready" goes to the status pipe (the shim's Create fails with it) and the
 * runner exits 125; after it, the outcome is `waot run`'s: the guest's exit code, 134 with
 * the trap and its backtrace on stderr, 159 from the seccomp handler, 125 and a message
 * for waot's own failures.
 *
 * Sandbox mode (the pod's pause container): no module; after the namespaces it reports
 * ready and waits for SIGTERM or SIGINT (exit 0), reaping any child meanwhile.
 */
#include "shim_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "launch.h"

#define EXIT_WAOT 125
#define EXIT_TRAP 134

struct runner {
    const char *rootfs;
    bool readonly, sandbox, debug;
    const char *stdio_path[3];
    const char *cache_dir;
    const char *cwd;
    uid_t uid;
    gid_t gid;
    gid_t *gids;                   /* owned */
    size_t ngids;
    uint64_t nofile;
    const char *ns_path[3];        /* net, ipc, uts */
    struct launch_volume *volumes; /* owned; [0] is the rootfs */
    size_t nvolumes;
    const char **env;              /* owned array, borrowed strings */
    size_t nenv;
    char **argv;                   /* the whole command line, to exec it again */
    char **args;                   /* borrowed from argv */
    int nargs;
    int status_fd, go_fd, log_fd;
    bool abandoned;                /* the go pipe closed without a byte */
};

static const int ns_flags[3] = {CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS};
static const char *const ns_opts[3] = {"--netns", "--ipcns", "--utsns"};

/* ---- reporting ---- */

static void debugf(const struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void debugf(const struct runner *r, const char *fmt, ...)
{
    if (!r->debug || r->log_fd < 0)
        return;
    char line[1024];
    int n = snprintf(line, sizeof line, "debug waot runner %d: ", (int)getpid());
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m < sizeof line - (size_t)n - 1
                                                ? (size_t)m : sizeof line - (size_t)n - 2);
    line[len++] = '\n';
    ssize_t w = write(r->log_fd, line, len);
    (void)w;
}

static void write_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        len -= (size_t)w;
    }
}

/* Before ready: the message goes to the shim; 125. */
static int fail_early(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail_early(struct runner *r, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->status_fd >= 0) {
        write_all(r->status_fd, msg, strlen(msg));
        close(r->status_fd);
        r->status_fd = -1;
    } else {
        fprintf(stderr, "waot: %s\n", msg);
    }
    return EXIT_WAOT;
}

/* ---- command line ---- */

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(struct runner *r, int argc, char **argv)
{
    size_t nvol = 1, nenv = 0, ngids = 0;
    for (int i = 2; i < argc; i++) { /* sizes first; arguments after "--" are the guest's */
        if (strcmp(argv[i], "--") == 0)
            break;
        nvol += strcmp(argv[i], "--volume") == 0;
        nenv += strcmp(argv[i], "--env") == 0;
        ngids += strcmp(argv[i], "--gid-extra") == 0;
    }
    r->volumes = calloc(nvol, sizeof *r->volumes);
    r->env = calloc(nenv + 1, sizeof *r->env);
    r->gids = calloc(ngids + 1, sizeof *r->gids);
    if (!r->volumes || !r->env || !r->gids)
        return fail_early(r, "runner: out of memory");
    r->nvolumes = 1;
    int i = 2;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--readonly") == 0) {
            r->readonly = true;
        } else if (strcmp(a, "--sandbox") == 0) {
            r->sandbox = true;
        } else if (strcmp(a, "--debug") == 0) {
            r->debug = true;
        } else if (strcmp(a, "--volume") == 0 && i + 3 < argc) {
            r->volumes[r->nvolumes++] = (struct launch_volume){
                .host_path = argv[i + 1], .guest_path = argv[i + 2],
                .readonly = strcmp(argv[i + 3], "ro") == 0};
            i += 3;
        } else if (!v) {
            return fail_early(r, "runner: %s needs a value", a);
        } else if (strcmp(a, "--rootfs") == 0) {
            r->rootfs = v, i++;
        } else if (strcmp(a, "--stdin") == 0) {
            r->stdio_path[0] = v, i++;
        } else if (strcmp(a, "--stdout") == 0) {
            r->stdio_path[1] = v, i++;
        } else if (strcmp(a, "--stderr") == 0) {
            r->stdio_path[2] = v, i++;
        } else if (strcmp(a, "--cache-dir") == 0) {
            r->cache_dir = v, i++;
        } else if (strcmp(a, "--cwd") == 0) {
            r->cwd = v, i++;
        } else if (strcmp(a, "--env") == 0) {
            r->env[r->nenv++] = v, i++;
        } else if (strcmp(a, "--uid") == 0 && parse_uint(v, UINT32_MAX - 1, &n) == 0) {
            r->uid = (uid_t)n, i++;
        } else if (strcmp(a, "--gid") == 0 && parse_uint(v, UINT32_MAX - 1, &n) == 0) {
            r->gid = (gid_t)n, i++;
        } else if (strcmp(a, "--gid-extra") == 0 && parse_uint(v, UINT32_MAX - 1, &n) == 0) {
            r->gids[r->ngids++] = (gid_t)n, i++;
        } else if (strcmp(a, "--nofile") == 0 && parse_uint(v, UINT64_MAX, &n) == 0) {
            r->nofile = n, i++;
        } else {
            int k = -1;
            for (int t = 0; t < 3; t++)
                if (strcmp(a, ns_opts[t]) == 0)
                    k = t;
            if (k < 0)
                return fail_early(r, "runner: unknown or malformed option %s", a);
            r->ns_path[k] = v, i++;
        }
    }
    r->args = argv + i;
    r->nargs = argc - i;
    if (!r->rootfs)
        return fail_early(r, "runner: no --rootfs");
    if (!r->sandbox && r->nargs == 0)
        return fail_early(r, "runner: no module (process.args is empty)");
    r->volumes[0] = (struct launch_volume){.host_path = r->rootfs, .guest_path = "/",
                                           .readonly = r->readonly};
    return 0;
}

/* ---- process setup ---- */

static void reset_signals(void)
{
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Opens one stdio path: containerd's fifo, or a plain file (also as file://PATH, which
 * CRI logging plugins use), created for output. Output: O_WRONLY|O_NONBLOCK, which fails
 * with ENXIO on a fifo nobody reads (ctr run -d after ctr left); then O_RDWR, so that our
 * own read end keeps writes from failing. The flag is cleared afterwards: the guest
 * expects blocking stdio. */
static int open_stdio(int slot, const char *path)
{
    int fd;
    if (path && strncmp(path, "file://", 7) == 0)
        path += 7;
    if (path && strstr(path, "://")) {
        errno = EPROTONOSUPPORT; /* binary:// and other logging URIs */
        return -1;
    }
    if (!path || !*path) {
        fd = open("/dev/null", (slot == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
    } else if (slot == 0) {
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    } else {
        int flags = O_NONBLOCK | O_CLOEXEC | O_CREAT | O_APPEND | O_NOCTTY;
        fd = open(path, O_WRONLY | flags, 0600);
        if (fd < 0 && errno == ENXIO)
            fd = open(path, O_RDWR | flags, 0600);
    }
    if (fd < 0)
        return -1;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int setup_stdio(struct runner *r)
{
    static const char *const names[3] = {"stdin", "stdout", "stderr"};
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = open_stdio(i, r->stdio_path[i]);
        if (fds[i] < 0) {
            int e = errno;
            for (int k = 0; k < i; k++)
                close(fds[k]);
            return fail_early(r, "%s %s: %s", names[i],
                              r->stdio_path[i] && *r->stdio_path[i] ? r->stdio_path[i] : "/dev/null",
                              strerror(e));
        }
    }
    /* the shim's log (our fd 2 until now) stays reachable for -debug */
    if (r->debug)
        r->log_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 5);
    for (int i = 0; i < 3; i++) {
        if (dup2(fds[i], i) < 0) {
            int e = errno;
            for (int k = i; k < 3; k++)
                close(fds[k]);
            return fail_early(r, "%s: dup2: %s", names[i], strerror(e));
        }
        close(fds[i]);
    }
    return 0;
}

static int join_namespaces(struct runner *r)
{
    for (int i = 0; i < 3; i++) {
        if (!r->ns_path[i])
            continue;
        int fd = open(r->ns_path[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return fail_early(r, "namespace %s: %s", r->ns_path[i], strerror(errno));
        if (setns(fd, ns_flags[i]) < 0) {
            int e = errno;
            close(fd);
            return fail_early(r, "joining namespace %s: %s", r->ns_path[i], strerror(e));
        }
        close(fd);
        debugf(r, "joined %s", r->ns_path[i]);
    }
    return 0;
}

/* launch's after_compile hook: this task compiled its module, and the compiler library
 * (LLVM, ~80 MB resident) would stay mapped for the task's whole life. Start again from the
 * top instead: the new process finds the artifact in the cache. Failing that, carry on. */
static int restart_warm(void *ctx, struct waot_error *err)
{
    (void)err;
    struct runner *r = ctx;
    debugf(r, "%s compiled; starting again from the cache", r->args[0]);
    fcntl(r->status_fd, F_SETFD, 0);
    fcntl(r->go_fd, F_SETFD, 0);
    execv("/proc/self/exe", r->argv);
    debugf(r, "cannot exec the runner again (%s); going on", strerror(errno));
    fcntl(r->status_fd, F_SETFD, FD_CLOEXEC);
    fcntl(r->go_fd, F_SETFD, FD_CLOEXEC);
    return 0;
}

/* launch's after_link hook: the container's user from here on. */
static int drop_user(void *ctx, struct waot_error *err)
{
    struct runner *r = ctx;
    bool want = r->uid != 0 || r->gid != 0 || r->ngids > 0;
    if (!want)
        return 0;
    if (geteuid() != 0) {
        if (r->uid == geteuid() && r->gid == getegid())
            return 0;
        return waot_fail(err, WAOT_E_USAGE, "cannot run as uid %u gid %u: the shim is not root",
                         (unsigned)r->uid, (unsigned)r->gid);
    }
    pid_t parent = getppid();
    if (setgroups(r->ngids, r->gids) < 0 || setgid(r->gid) < 0 || setuid(r->uid) < 0)
        return waot_fail(err, WAOT_E_IO, "cannot switch to uid %u gid %u: %s", (unsigned)r->uid,
                         (unsigned)r->gid, strerror(errno));
    /* A change of credentials clears the parent-death signal the shim set (shim_proc.c). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        return waot_fail(err, WAOT_E_IO, "the shim went away");
    return 0;
}

/* Reads the go pipe: 1 released, 0 abandoned (EOF), -1 error. */
static int wait_go(int fd)
{
    char c;
    ssize_t n;
    do
        n = read(fd, &c, 1);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 1 : n == 0 ? 0 : -1;
}

/* launch's before_start hook, under the seccomp filter (write, read, close only). */
static int report_ready(void *ctx, struct waot_error *err)
{
    struct runner *r = ctx;
    write_all(r->status_fd, "ready", 5);
    close(r->status_fd);
    r->status_fd = -1;
    int go = wait_go(r->go_fd);
    close(r->go_fd);
    r->go_fd = -1;
    if (go <= 0) {
        r->abandoned = true;
        return waot_fail(err, WAOT_E_USAGE, "not started");
    }
    return 0;
}

/* ---- the module ---- */

/* Opens args[0] inside the rootfs; the descriptor (or -1 after reporting) goes to fd_out. */
static int open_module(struct runner *r, int *fd_out)
{
    const char *prog = r->args[0];
    char rel[PATH_MAX];
    if (prog[0] == '/' || !r->cwd)
        snprintf(rel, sizeof rel, "%s", prog);
    else if (snprintf(rel, sizeof rel, "%s/%s", r->cwd, prog) >= (int)sizeof rel)
        return fail_early(r, "%s: path too long", prog);
    int root = open(r->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return fail_early(r, "root file system %s: %s", r->rootfs, strerror(errno));
    int fd = image_open_in_root(root, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    int e = errno;
    close(root);
    if (fd < 0)
        return fail_early(r, "%s: not found in the container's root file system (%s)", prog,
                          strerror(e));
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return fail_early(r, "%s: not a regular file in the container's root file system", prog);
    }
    *fd_out = fd;
    return 0;
}

/* launch names the module by the descriptor path; messages should name args[0]. */
static void rename_module(char *msg, size_t size, const char *fd_path, const char *prog)
{
    size_t flen = strlen(fd_path);
    char *at = strstr(msg, fd_path);
    if (!at)
        return;
    char tail[sizeof((struct waot_error *)0)->msg];
    snprintf(tail, sizeof tail, "%s", at + flen);
    snprintf(at, size - (size_t)(at - msg), "%s%s", prog, tail);
}

/* Drops volumes whose host side is not a directory (CRI binds files such as /etc/hosts;
 * a WASI preopen is a directory). */
static void keep_directories(struct runner *r)
{
    size_t k = 1;
    for (size_t i = 1; i < r->nvolumes; i++) {
        struct stat sb;
        if (stat(r->volumes[i].host_path, &sb) == 0 && S_ISDIR(sb.st_mode))
            r->volumes[k++] = r->volumes[i];
        else
            debugf(r, "mount %s -> %s skipped: not a directory", r->volumes[i].host_path,
                   r->volumes[i].guest_path);
    }
    r->nvolumes = k;
}

static int run_module(struct runner *r)
{
    int mfd = -1;
    if (open_module(r, &mfd) != 0)
        return EXIT_WAOT;
    char fd_path[64];
    snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", mfd);
    keep_directories(r);
    struct launch_spec s;
    launch_spec_init(&s);
    s.module_path = fd_path;
    s.argc = r->nargs;
    s.argv = (const char *const *)r->args;
    s.envc = (int)r->nenv;
    s.envp = r->env;
    s.volumes = r->volumes;
    s.nvolumes = r->nvolumes;
    s.workdir = r->cwd && strcmp(r->cwd, "/") != 0 ? r->cwd : NULL;
    s.cache_dir = r->cache_dir;
    /* Each task's overlay rootfs is a new device: a digest memo would never be found again. */
    s.no_digest_memo = true;
    s.max_fds = r->nofile > UINT_MAX ? UINT_MAX : (unsigned)r->nofile;
    s.after_compile = restart_warm;
    s.after_compile_ctx = r;
    s.after_link = drop_user;
    s.after_link_ctx = r;
    s.before_start = report_ready;
    s.before_start_ctx = r;
    struct launch_result *res = calloc(1, sizeof *res);
    if (!res) {
        close(mfd);
        return fail_early(r, "runner: out of memory");
    }
    struct waot_error err = {0};
    debugf(r, "running %s", r->args[0]);
    int rc = launch_run(&s, res, &err);
    close(mfd);
    int status;
    if (rc == 0) {
        status = res->exit_code;
    } else if (r->abandoned) {
        status = EXIT_WAOT; /* the shim gave up on this process before starting it */
    } else if (err.code == WAOT_E_TRAP && r->status_fd >= 0) {
        /* the start function trapped while instantiating: Create fails with it */
        status = fail_early(r, "%s: wasm trap while instantiating: %s", r->args[0],
                            err.msg[0] ? err.msg : waot_trap_message(err.trap));
    } else if (err.code == WAOT_E_TRAP) {
        launch_print_trap(stderr, &err, res);
        status = EXIT_TRAP;
    } else {
        rename_module(err.msg, sizeof err.msg, fd_path, r->args[0]);
        status = fail_early(r, "%s", err.msg);
    }
    debugf(r, "%s finished with status %d", r->args[0], status);
    free(res);
    return status;
}

/* ---- sandbox ---- */

static int run_sandbox(struct runner *r)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0)
        return fail_early(r, "signalfd: %s", strerror(errno));
    write_all(r->status_fd, "ready", 5);
    close(r->status_fd);
    r->status_fd = -1;
    debugf(r, "sandbox ready");
    for (;;) {
        struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN}, {.fd = r->go_fd, .events = POLLIN}};
        int n = poll(pfd, r->go_fd >= 0 ? 2 : 1, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (r->go_fd >= 0 && pfd[1].revents) {
            int go = wait_go(r->go_fd);
            close(r->go_fd);
            r->go_fd = -1;
            if (go <= 0) {
                close(sfd);
                return EXIT_WAOT; /* abandoned before Start */
            }
        }
        if (pfd[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) != sizeof si)
                continue;
            if (si.ssi_signo == SIGCHLD) {
                while (waitpid(-1, NULL, WNOHANG) > 0)
                    ;
                continue;
            }
            debugf(r, "sandbox stopping on signal %u", si.ssi_signo);
            close(sfd);
            return 0;
        }
    }
    close(sfd);
    return EXIT_WAOT;
}

int shim_runner_main(int argc, char **argv)
{
    struct runner r;
    memset(&r, 0, sizeof r);
    r.status_fd = SHIM_RUNNER_STATUS_FD;
    r.go_fd = SHIM_RUNNER_GO_FD;
    r.log_fd = -1;
    r.argv = argv;
    /* nothing this process starts may inherit the pipes */
    fcntl(r.status_fd, F_SETFD, FD_CLOEXEC);
    fcntl(r.go_fd, F_SETFD, FD_CLOEXEC);
    reset_signals();
    int status = parse_args(&r, argc, argv);
    if (status == 0)
        status = setup_stdio(&r);
    if (status == 0)
        status = join_namespaces(&r);
    if (status == 0)
        status = r.sandbox ? run_sandbox(&r) : run_module(&r);
    if (r.status_fd >= 0)
        close(r.status_fd);
    if (r.go_fd >= 0)
        close(r.go_fd);
    if (r.log_fd >= 0)
        close(r.log_fd);
    free(r.volumes);
    free(r.env);
    free(r.gids);
    return status;
}
