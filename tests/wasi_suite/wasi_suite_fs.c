/*
 * The temporary copy a WASI test runs on: copying the test's folder (the shared suite is
 * never written), deleting *.cleanup leftovers, listing the tree to detect writes outside
 * the guest's preopen, and removing the copy afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_suite.h"

static int join(char *out, const char *dir, const char *name, struct waot_error *err)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_MAX)
        return waot_fail(err, WAOT_E_IO, "%s/%s: path too long", dir, name);
    return 0;
}

static bool is_dot(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

static int copy_file(const char *src, const char *dst, mode_t mode, struct waot_error *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", src, strerror(errno));
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode & 07777) | S_IWUSR);
    if (out < 0) {
        waot_fail(err, WAOT_E_IO, "%s: %s", dst, strerror(errno));
        close(in);
        return -1;
    }
    char buf[65536];
    int rc = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = waot_fail(err, WAOT_E_IO, "%s: %s", src, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = waot_fail(err, WAOT_E_IO, "%s: %s", dst, strerror(errno));
                break;
            }
            off += w;
        }
        if (rc < 0)
            break;
    }
    close(in);
    if (close(out) < 0 && rc == 0)
        rc = waot_fail(err, WAOT_E_IO, "%s: %s", dst, strerror(errno));
    return rc;
}

static int copy_entry(const char *src, const char *dst, struct waot_error *err)
{
    struct stat st;
    if (lstat(src, &st) < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", src, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(dst, (st.st_mode & 07777) | S_IRWXU) < 0)
            return waot_fail(err, WAOT_E_IO, "%s: %s", dst, strerror(errno));
        return wasi_suite_fs_copy(src, dst, err);
    }
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlink(src, target, sizeof target - 1);
        if (n < 0)
            return waot_fail(err, WAOT_E_IO, "%s: %s", src, strerror(errno));
        target[n] = '\0';
        if (symlink(target, dst) < 0)
            return waot_fail(err, WAOT_E_IO, "%s: %s", dst, strerror(errno));
        return 0;
    }
    if (S_ISREG(st.st_mode))
        return copy_file(src, dst, st.st_mode, err);
    return waot_fail(err, WAOT_E_IO, "%s: not a file, directory or symlink", src);
}

int wasi_suite_fs_copy(const char *src, const char *dst, struct waot_error *err)
{
    DIR *d = opendir(src);
    if (!d)
        return waot_fail(err, WAOT_E_IO, "%s: %s", src, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (is_dot(e->d_name))
            continue;
        char s[PATH_MAX], t[PATH_MAX];
        if (join(s, src, e->d_name, err) < 0 || join(t, dst, e->d_name, err) < 0)
            rc = -1;
        else
            rc = copy_entry(s, t, err);
    }
    closedir(d);
    return rc;
}

int wasi_suite_fs_remove(const char *path, struct waot_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) < 0)
            return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
        return 0;
    }
    /* a guest may have left a directory without write permission for us */
    chmod(path, (st.st_mode & 07777) | S_IRWXU);
    DIR *d = opendir(path);
    if (!d)
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (is_dot(e->d_name))
            continue;
        char s[PATH_MAX];
        rc = join(s, path, e->d_name, err);
        if (rc == 0)
            rc = wasi_suite_fs_remove(s, err);
    }
    closedir(d);
    if (rc == 0 && rmdir(path) < 0)
        rc = waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int wasi_suite_fs_cleanup(const char *dir, struct waot_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return waot_fail(err, WAOT_E_IO, "%s: %s", dir, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (is_dot(e->d_name))
            continue;
        char s[PATH_MAX];
        struct stat st;
        if (join(s, dir, e->d_name, err) < 0) {
            rc = -1;
        } else if (ends_with(e->d_name, ".cleanup")) {
            rc = wasi_suite_fs_remove(s, err);
        } else if (lstat(s, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = wasi_suite_fs_cleanup(s, err);
        }
    }
    closedir(d);
    return rc;
}

/* ---- snapshot ---- */

struct lines {
    char **v;
    size_t n, cap;
};

static int lines_add(struct lines *l, const char *s, struct waot_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return waot_fail(err, WAOT_E_NOMEM, "snapshot: out of memory");
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return waot_fail(err, WAOT_E_NOMEM, "snapshot: out of memory");
    l->n++;
    return 0;
}

static int list_tree(const char *dir, const char *rel, const char *skip, struct lines *l,
                     struct waot_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return waot_fail(err, WAOT_E_IO, "%s: %s", dir, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (is_dot(e->d_name))
            continue;
        char s[PATH_MAX], r[PATH_MAX];
        struct stat st;
        if (join(s, dir, e->d_name, err) < 0 || join(r, rel, e->d_name, err) < 0) {
            rc = -1;
            break;
        }
        if (skip && strcmp(s, skip) == 0)
            continue;
        if (lstat(s, &st) < 0) {
            rc = waot_fail(err, WAOT_E_IO, "%s: %s", s, strerror(errno));
            break;
        }
        char line[PATH_MAX + 96];
        char kind = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'f';
        snprintf(line, sizeof line, "%c %lld %lld.%09ld %s", kind, (long long)st.st_size,
                 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, r);
        rc = lines_add(l, line, err);
        if (rc == 0 && S_ISDIR(st.st_mode))
            rc = list_tree(s, r, skip, l, err);
    }
    closedir(d);
    return rc;
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *wasi_suite_fs_snapshot(const char *dir, const char *skip, struct waot_error *err)
{
    struct lines l = {0};
    char *text = NULL;
    if (list_tree(dir, ".", skip, &l, err) == 0) {
        qsort(l.v, l.n, sizeof *l.v, cmp_line);
        size_t len = 1;
        for (size_t i = 0; i < l.n; i++)
            len += strlen(l.v[i]) + 1;
        text = malloc(len);
        if (!text) {
            waot_fail(err, WAOT_E_NOMEM, "snapshot: out of memory");
        } else {
            char *p = text;
            for (size_t i = 0; i < l.n; i++)
                p += sprintf(p, "%s\n", l.v[i]);
            *p = '\0';
        }
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i]);
    free(l.v);
    return text;
}
