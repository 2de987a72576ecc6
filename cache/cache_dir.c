/*
 * The cache directory: where it is (environment, user, root), creating it and its
 * subdirectories with mode 0700, and refusing one that another user could write to,
 * since what it holds is native code this process will execute. The descriptors opened
 * here pin the checked directories, so later operations work relative to them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_internal.h"

#define DEFAULT_MEMO_RACY_NS 2000000000LL

static int too_long(struct waot_error *err, const char *what)
{
    return waot_fail(err, WAOT_E_IO, "cache directory path too long (%s)", what);
}

/* Copies dir into buf, made absolute against the working directory, without trailing '/'. */
static int absolute(const char *dir, char *buf, size_t size, struct waot_error *err)
{
    int n;
    if (dir[0] == '/') {
        n = snprintf(buf, size, "%s", dir);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return waot_fail(err, WAOT_E_IO, "cache directory %s: cannot get working directory: %s",
                             dir, strerror(errno));
        n = snprintf(buf, size, "%s/%s", cwd, dir);
    }
    if (n < 0 || (size_t)n >= size)
        return too_long(err, dir);
    for (size_t len = (size_t)n; len > 1 && buf[len - 1] == '/'; len--)
        buf[len - 1] = 0;
    return 0;
}

static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (home && home[0] == '/')
        return home;
    struct passwd *pw = getpwuid(geteuid());
    return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

int cache_dir_resolve(char *buf, size_t size, struct waot_error *err)
{
    const char *env = getenv("WAOT_CACHE_DIR");
    if (env && env[0])
        return absolute(env, buf, size, err);
    char tmp[PATH_MAX];
    int n;
    if (geteuid() == 0) {
        n = snprintf(tmp, sizeof tmp, "/var/lib/waot/cache");
    } else if ((env = getenv("XDG_CACHE_HOME")) && env[0] == '/') {
        n = snprintf(tmp, sizeof tmp, "%s/waot", env);
    } else {
        const char *home = home_dir();
        if (!home)
            return waot_fail(err, WAOT_E_IO, "no cache directory: HOME is unset and uid %u has "
                             "no home directory; set WAOT_CACHE_DIR", (unsigned)geteuid());
        n = snprintf(tmp, sizeof tmp, "%s/.cache/waot", home);
    }
    if (n < 0 || (size_t)n >= sizeof tmp)
        return too_long(err, "$HOME or $XDG_CACHE_HOME");
    return absolute(tmp, buf, size, err);
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int make_dirs(char *path, struct waot_error *err)
{
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != 0)
            continue;
        char save = *p;
        *p = 0;
        if (p[-1] != '/' && mkdir(path, 0700) < 0 && errno != EEXIST) {
            int e = errno;
            waot_fail(err, WAOT_E_IO, "cannot create cache directory %s: %s", path, strerror(e));
            *p = save;
            return -1;
        }
        *p = save;
        if (!save)
            return 0;
    }
}

static int check_dir(int fd, const char *path, uid_t uid, struct waot_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return waot_fail(err, WAOT_E_IO, "cannot stat cache directory %s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return waot_fail(err, WAOT_E_IO, "cache directory %s is not a directory", path);
    if (st.st_uid != uid)
        return waot_fail(err, WAOT_E_IO, "cache directory %s belongs to uid %u, not to uid %u; "
                         "refusing to run code from it", path, (unsigned)st.st_uid, (unsigned)uid);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return waot_fail(err, WAOT_E_IO, "cache directory %s is writable by group or others "
                         "(mode %04o); refusing to run code from it (chmod 700 fixes it)",
                         path, (unsigned)(st.st_mode & 07777));
    return 0;
}

static int open_sub(struct cache *c, const char *name, int *fd_out, struct waot_error *err)
{
    if (mkdirat(c->dir_fd, name, 0700) < 0 && errno != EEXIST)
        return waot_fail(err, WAOT_E_IO, "cannot create cache directory %s/%s: %s", c->dir, name,
                         strerror(errno));
    int fd = openat(c->dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "cannot open cache directory %s/%s: %s", c->dir, name,
                         strerror(errno));
    *fd_out = fd;
    char path[CACHE_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    return check_dir(fd, path, c->uid, err);
}

int cache_open_dir(struct cache *c, const char *dir, struct waot_error *err)
{
    memset(c, 0, sizeof *c);
    c->dir_fd = c->artifacts_fd = c->digests_fd = -1;
    c->uid = geteuid();
    c->memo_racy_ns = DEFAULT_MEMO_RACY_NS;
    if (absolute(dir, c->dir, sizeof c->dir - 128, err) < 0)
        goto fail;
    if (make_dirs(c->dir, err) < 0)
        goto fail;
    c->dir_fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->dir_fd < 0) {
        waot_fail(err, WAOT_E_IO, "cannot open cache directory %s: %s", c->dir, strerror(errno));
        goto fail;
    }
    if (check_dir(c->dir_fd, c->dir, c->uid, err) < 0 ||
        open_sub(c, "artifacts", &c->artifacts_fd, err) < 0 ||
        open_sub(c, "digests", &c->digests_fd, err) < 0)
        goto fail;
    return 0;
fail:
    cache_close(c);
    return -1;
}

int cache_open(struct cache *c, struct waot_error *err)
{
    char dir[CACHE_PATH_MAX];
    if (cache_dir_resolve(dir, sizeof dir, err) < 0) {
        memset(c, 0, sizeof *c);
        c->dir_fd = c->artifacts_fd = c->digests_fd = -1;
        return -1;
    }
    return cache_open_dir(c, dir, err);
}

void cache_close(struct cache *c)
{
    if (!c->dir[0])
        return; /* zeroed or already closed: the fds are not ours */
    int *fds[] = { &c->digests_fd, &c->artifacts_fd, &c->dir_fd };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
    c->dir[0] = 0;
}
