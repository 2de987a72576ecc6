/*
 * Image config -> the pieces of a launch spec. Docker+Wasm style: the module is
 * Entrypoint[0] (else Cmd[0]) resolved inside the unpacked root (symlinks followed within the
 * root with openat2 RESOLVE_IN_ROOT), argv = Entrypoint + Cmd (user ARGS replace Cmd), Env
 * and WorkingDir from the config, the root preopened as "/". Wasm artifact style: the module
 * is the layer blob itself (its digest is the SHA-256 of the module, so the cache key is the
 * layer digest). Each run gets a writable overlayfs layer in a private mount namespace when
 * running as root (unmounted afterwards, discarded with --rm); otherwise, or with
 * --read-only, the stored root is preopened read-only without copying.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "image_internal.h"

#define SYMLINK_HOPS_MAX 40
#define RESOLVE_DEPTH_MAX 128

/* Opens comps[0..n) below root_fd one directory at a time, never following a symlink. */
static int open_walk(int root_fd, char **comps, int n, int flags)
{
    int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    for (int i = 0; fd >= 0 && i < n; i++) {
        int last = i == n - 1;
        int next = openat(fd, comps[i], (last ? flags : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW |
                                            O_CLOEXEC);
        int e = errno;
        close(fd);
        errno = e;
        fd = next;
    }
    return fd;
}

/* What openat2(RESOLVE_IN_ROOT) does, for kernels (and valgrind) without it: symlinks are
 * resolved by hand, absolute targets and ".." relative to the root, at most 40 hops. */
static int open_in_root_slow(int root_fd, const char *path, int flags)
{
    char rest[IMAGE_PATH_MAX], names[RESOLVE_DEPTH_MAX][256];
    char *comps[RESOLVE_DEPTH_MAX];
    int n = 0, hops = 0;
    if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (int i = 0; i < RESOLVE_DEPTH_MAX; i++)
        comps[i] = names[i];
    char *p = rest;
    while (*p) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len == 0)
            break;
        char comp[256];
        if (len >= sizeof comp) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        p += len;
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            n -= n > 0;
            continue;
        }
        int dfd = n ? open_walk(root_fd, comps, n, O_RDONLY | O_DIRECTORY)
                    : fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
        if (dfd < 0)
            return -1;
        char target[IMAGE_PATH_MAX];
        ssize_t tl = readlinkat(dfd, comp, target, sizeof target - 1);
        close(dfd);
        if (tl < 0) { /* not a symlink (or missing: the final open reports it) */
            if (n >= RESOLVE_DEPTH_MAX) {
                errno = ENAMETOOLONG;
                return -1;
            }
            snprintf(comps[n++], 256, "%s", comp);
            continue;
        }
        if (++hops > SYMLINK_HOPS_MAX) {
            errno = ELOOP;
            return -1;
        }
        target[tl] = '\0';
        char joined[IMAGE_PATH_MAX];
        if (snprintf(joined, sizeof joined, "%s/%s", target, p) >= (int)sizeof joined) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (target[0] == '/')
            n = 0;
        memcpy(rest, joined, sizeof rest);
        p = rest;
    }
    if (n == 0)
        return openat(root_fd, ".", flags | O_CLOEXEC);
    return open_walk(root_fd, comps, n, flags);
}

int image_open_in_root(int root_fd, const char *path, int flags)
{
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    while (*path == '/')
        path++;
    int fd = (int)syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof how);
    if (fd < 0 && (errno == ENOSYS || errno == EPERM))
        return open_in_root_slow(root_fd, path, flags);
    return fd;
}

static const char *program_of(const struct image_info *info)
{
    if (info->nentrypoint > 0)
        return info->entrypoint[0];
    return info->ncmd > 0 ? info->cmd[0] : NULL;
}

int image_module_path(struct image_store *st, const struct image_info *info, char *buf,
                      size_t size, int *status_out, struct waot_error *err)
{
    *status_out = 125;
    if (info->kind == IMAGE_KIND_ARTIFACT) {
        const struct image_layer *L = &info->layers[info->module_layer];
        if (!image_blob_has(st, L->digest, L->size))
            return waot_fail(err, WAOT_E_IO, "module layer %s is missing or has the wrong size",
                             L->digest);
        return image_blob_path(st, L->digest, buf, size, err);
    }
    const char *prog = program_of(info);
    if (!prog || !*prog)
        return waot_fail(err, WAOT_E_USAGE, "image %s has neither Entrypoint nor Cmd",
                         info->name ? info->name : info->manifest_digest);
    char root[IMAGE_PATH_MAX], rel[IMAGE_PATH_MAX];
    if (image_rootfs(st, info, root, sizeof root, err) < 0)
        return -1;
    if (prog[0] != '/' && info->workdir)
        snprintf(rel, sizeof rel, "%s/%s", info->workdir, prog);
    else
        snprintf(rel, sizeof rel, "%s", prog);
    int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", root, strerror(errno));
    int fd = image_open_in_root(rfd, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    int e = errno;
    close(rfd);
    if (fd < 0) {
        *status_out = e == ENOENT || e == ENOTDIR ? 127 : 126;
        return waot_fail(err, WAOT_E_IO, "%s: module %s not found in the image (%s)",
                         info->name ? info->name : info->manifest_digest, prog, strerror(e));
    }
    struct stat sb;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? readlink(link, buf, size - 1) : -2;
    close(fd);
    if (n == -2) {
        *status_out = 126;
        return waot_fail(err, WAOT_E_IO, "%s: module %s is not a regular file",
                         info->name ? info->name : info->manifest_digest, prog);
    }
    if (n < 0 || (size_t)n >= size - 1 || strncmp(buf, root, strlen(root)) != 0)
        return waot_fail(err, WAOT_E_IO, "%s: cannot resolve %s inside the image root", root, prog);
    buf[n] = '\0';
    return 0;
}

static char **strv_new(size_t n)
{
    return calloc(n + 1, sizeof(char *));
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static int build_argv(const struct image_info *info, const struct image_run_opts *o,
                      struct image_run *run, struct waot_error *err)
{
    size_t nrest = o->nargs > 0 ? (size_t)o->nargs : info->ncmd;
    bool add0 = info->kind == IMAGE_KIND_ARTIFACT && info->nentrypoint == 0;
    size_t n = (add0 ? 1 : 0) + info->nentrypoint + nrest, k = 0;
    char **v = strv_new(n);
    if (!v)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    bool ok = true;
    if (add0)
        ok = (v[k++] = strdup("module.wasm")) != NULL;
    for (size_t i = 0; ok && i < info->nentrypoint; i++)
        ok = (v[k++] = strdup(info->entrypoint[i])) != NULL;
    for (size_t i = 0; ok && i < nrest; i++)
        ok = (v[k++] = strdup(o->nargs > 0 ? o->args[i] : info->cmd[i])) != NULL;
    char **env = strv_new(info->nenv);
    for (size_t i = 0; ok && env && i < info->nenv; i++)
        ok = (env[i] = strdup(info->env[i])) != NULL;
    if (!ok || !env) {
        strv_free(v);
        strv_free(env);
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    }
    run->argv = v;
    run->argc = (int)n;
    run->env = env;
    run->envc = (int)info->nenv;
    return 0;
}

/* Mounts an overlay (lower = the stored root) in a private mount namespace; 0 on success,
 * -1 with a reason in why. */
static int writable_layer(struct image_store *st, const char *lower, struct image_run *run,
                          char *why, size_t why_size)
{
    char id[64], upper[IMAGE_PATH_MAX], work[IMAGE_PATH_MAX], opts[3 * IMAGE_PATH_MAX + 64];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(id, sizeof id, "%ld-%lld%09ld", (long)getpid(), (long long)ts.tv_sec, ts.tv_nsec);
    if (snprintf(run->run_dir, sizeof run->run_dir, "%s/runs/%s", st->root, id) >= IMAGE_PATH_MAX - 16 ||
        snprintf(upper, sizeof upper, "%s/upper", run->run_dir) < 0 ||
        snprintf(work, sizeof work, "%s/work", run->run_dir) < 0 ||
        snprintf(run->root_host, sizeof run->root_host, "%s/merged", run->run_dir) < 0) {
        run->run_dir[0] = '\0';
        snprintf(why, why_size, "the store path is too long");
        return -1;
    }
    if (strpbrk(lower, ",:") || strpbrk(run->run_dir, ",:")) {
        snprintf(why, why_size, "the store path contains ',' or ':'");
        return -1;
    }
    /* a private mount namespace: whatever happens, the mounts end with this process */
    if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
        snprintf(why, why_size, "mount namespace: %s", strerror(errno));
        return -1;
    }
    if (mkdir(run->run_dir, 0700) < 0) {
        snprintf(why, why_size, "%s: %s", run->run_dir, strerror(errno));
        return -1;
    }
    /* --rm: the layer lives on a tmpfs, so discarding it costs no disk work */
    if (run->rm && mount("tmpfs", run->run_dir, "tmpfs", MS_NODEV | MS_NOSUID, "mode=0700") == 0)
        run->tmpfs = true;
    if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(run->root_host, 0755) < 0) {
        snprintf(why, why_size, "%s: %s", run->run_dir, strerror(errno));
        return -1;
    }
    snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
    if (mount("overlay", run->root_host, "overlay", MS_NODEV | MS_NOSUID, opts) < 0) {
        snprintf(why, why_size, "overlayfs: %s", strerror(errno));
        return -1;
    }
    run->mounted = true;
    return 0;
}

int image_run_prepare(struct image_store *st, const struct image_info *info,
                      const struct image_run_opts *opts, struct image_run *run,
                      struct waot_error *err)
{
    memset(run, 0, sizeof *run);
    run->status = 125;
    run->rm = opts->rm;
    if (image_module_path(st, info, run->module_path, sizeof run->module_path, &run->status,
                          err) < 0)
        return -1;
    run->status = 125;
    char lower[IMAGE_PATH_MAX];
    if (image_rootfs(st, info, lower, sizeof lower, err) < 0 || build_argv(info, opts, run, err) < 0)
        return -1;
    run->workdir = info->workdir;
    char why[IMAGE_PATH_MAX + 64] = "";
    if (run->workdir) { /* a WorkingDir the image lacks is ignored */
        int rfd = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int wfd = rfd >= 0 ? image_open_in_root(rfd, run->workdir, O_RDONLY | O_DIRECTORY) : -1;
        if (wfd < 0)
            run->workdir = NULL;
        else
            close(wfd);
        if (rfd >= 0)
            close(rfd);
    }
    if (!opts->read_only && geteuid() == 0 && writable_layer(st, lower, run, why, sizeof why) == 0)
        return 0;
    if (run->run_dir[0]) {
        const char *slash = strrchr(run->run_dir, '/');
        if (run->tmpfs)
            umount2(run->run_dir, MNT_DETACH);
        run->tmpfs = false;
        image_remove_tree(st->runs_fd, slash + 1);
        run->run_dir[0] = '\0';
    }
    snprintf(run->root_host, sizeof run->root_host, "%s", lower);
    run->root_readonly = true;
    if (!opts->read_only && !opts->quiet)
        fprintf(stderr, "waot: notice: the image's root file system is read-only for this run "
                "(%s); use -v HOST:GUEST for writable directories\n",
                why[0] ? why : "a writable layer needs root for overlayfs");
    return 0;
}

void image_run_finish(struct image_store *st, struct image_run *run)
{
    if (run->mounted && umount2(run->root_host, 0) < 0)
        umount2(run->root_host, MNT_DETACH);
    run->mounted = false;
    if (run->tmpfs && umount2(run->run_dir, 0) < 0)
        umount2(run->run_dir, MNT_DETACH);
    run->tmpfs = false;
    if (run->rm && run->run_dir[0]) {
        const char *slash = strrchr(run->run_dir, '/');
        image_remove_tree(st->runs_fd, slash + 1);
    }
    strv_free(run->argv);
    strv_free(run->env);
    run->argv = run->env = NULL;
}
