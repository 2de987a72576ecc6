/*
 * The container's root file system (see shim_mount.h). Create's mounts are applied in
 * order on <bundle>/rootfs: option words that are mount flags become flags, the rest is
 * the file system's data string (overlay's lowerdir=..., upperdir=..., workdir=...). A bind
 * is made first and made read-only by a second remount, because the kernel ignores
 * MS_RDONLY on the first bind. Unmounting reads /proc/self/mountinfo and takes down every
 * mount at or below the directory, the last mounted first; a busy one is detached instead
 * (MNT_DETACH), so Delete never fails on a file a leftover process still holds open.
 *
 * An overlay of many layers can have options longer than the page the kernel copies; as
 * containerd does, its directories are then given relative to their common parent, from a
 * thread that unshares its working directory (CLONE_FS) and moves there, so that the
 * daemon's other threads never see the change.
 */
#include "shim_mount.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define MOUNT_DATA_MAX 4095 /* the kernel copies one page of data */

struct mount_flag {
    const char *name;
    bool clear;                /* the word clears the flag ("rw", "suid", ...) */
    unsigned long flag;
};

static const struct mount_flag mount_flags[] = {
    {"ro", false, MS_RDONLY},        {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},      {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS}, {"async", true, MS_SYNCHRONOUS},
    {"noatime", false, MS_NOATIME},  {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME}, {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"bind", false, MS_BIND},        {"rbind", false, MS_BIND | MS_REC},
    {"defaults", false, 0},
};

/* When o is a flag word, applies it to *flags and returns true. */
static bool apply_flag(const char *o, unsigned long *flags)
{
    for (size_t k = 0; k < sizeof mount_flags / sizeof mount_flags[0]; k++)
        if (strcmp(o, mount_flags[k].name) == 0) {
            if (mount_flags[k].clear)
                *flags &= ~mount_flags[k].flag;
            else
                *flags |= mount_flags[k].flag;
            return true;
        }
    return false;
}

/* Splits options into flags and a data string; -1 when the data does not fit a page. */
static int mount_options(const struct shim_mount *m, unsigned long *flags, char *data,
                         size_t size, struct waot_error *err)
{
    size_t used = 0;
    *flags = 0;
    data[0] = '\0';
    for (size_t i = 0; i < m->noptions; i++) {
        const char *o = m->options[i];
        if (apply_flag(o, flags))
            continue;
        size_t len = strlen(o);
        if (used + len + 2 > size)
            return waot_fail(err, WAOT_E_INVALID,
                             "mount of %s: options longer than %zu bytes (too many layers?)",
                             m->source ? m->source : "?", size - 1);
        if (used)
            data[used++] = ',';
        memcpy(data + used, o, len + 1);
        used += len;
    }
    if (m->type && (strcmp(m->type, "bind") == 0 || strcmp(m->type, "rbind") == 0))
        *flags |= MS_BIND | (strcmp(m->type, "rbind") == 0 ? MS_REC : 0);
    return 0;
}

/* target_dir + "/" + target, refusing ".." so a mount cannot land outside the rootfs. */
static int mount_point(const char *target_dir, const char *target, char *buf, size_t size,
                       struct waot_error *err)
{
    if (!target || !*target)
        target = "";
    for (const char *p = target; *p;) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return waot_fail(err, WAOT_E_INVALID, "mount target %s: contains \"..\"", target);
        p += len;
    }
    int n = snprintf(buf, size, "%s%s%s", target_dir, *target && *target != '/' ? "/" : "", target);
    if (n < 0 || (size_t)n >= size)
        return waot_fail(err, WAOT_E_INVALID, "mount target %s/%s: path too long", target_dir,
                         target);
    return 0;
}

/* ---- overlays too long for one page ---- */

/* Length of the directory prefix dir/ that path starts with (0 when none). */
static size_t dir_prefix(const char *path, const char *dir, size_t dlen)
{
    return strncmp(path, dir, dlen) == 0 && path[dlen] == '/' ? dlen + 1 : 0;
}

/* The deepest directory that holds every path of an overlay's lowerdir, upperdir and
 * workdir options (all absolute); written to dir, its length returned (0: none). */
static size_t common_dir(const struct shim_mount *m, char *dir, size_t size)
{
    dir[0] = '\0';
    size_t len = 0;
    bool first = true;
    for (size_t i = 0; i < m->noptions; i++) {
        const char *o = m->options[i];
        const char *v = strncmp(o, "lowerdir=", 9) == 0 ? o + 9
                        : strncmp(o, "upperdir=", 9) == 0 ? o + 9
                        : strncmp(o, "workdir=", 8) == 0 ? o + 8 : NULL;
        while (v && *v) {
            size_t plen = strcspn(v, ":");
            if (v[0] != '/')
                return 0;
            if (first) {
                /* start from the first path's parent */
                len = plen < size ? plen : size - 1;
                memcpy(dir, v, len);
                while (len > 0 && dir[len - 1] != '/')
                    len--;
                if (len > 1)
                    len--;
                first = false;
            } else {
                while (len > 1 && !(plen > len && strncmp(v, dir, len) == 0 && v[len] == '/'))
                    while (--len > 0 && dir[len] != '/')
                        ;
            }
            dir[len] = '\0';
            v += plen;
            if (*v == ':')
                v++;
        }
    }
    return len > 1 ? len : 0;
}

/* The options with every overlay directory made relative to dir. */
static int relative_options(const struct shim_mount *m, const char *dir, size_t dlen,
                            char *data, size_t size, unsigned long *flags, struct waot_error *err)
{
    size_t used = 0;
    *flags = 0;
    for (size_t i = 0; i < m->noptions; i++) {
        const char *o = m->options[i];
        if (apply_flag(o, flags))
            continue;
        size_t key = strncmp(o, "lowerdir=", 9) == 0 || strncmp(o, "upperdir=", 9) == 0 ? 9
                     : strncmp(o, "workdir=", 8) == 0 ? 8 : 0;
        char word[PATH_MAX * 4];
        size_t w = 0;
        if (!key) {
            snprintf(word, sizeof word, "%s", o);
            w = strlen(word);
        } else {
            memcpy(word, o, key);
            w = key;
            for (const char *v = o + key; *v;) {
                size_t plen = strcspn(v, ":");
                size_t skip = dir_prefix(v, dir, dlen);
                if (w + plen + 2 > sizeof word)
                    return waot_fail(err, WAOT_E_INVALID, "overlay option too long");
                memcpy(word + w, v + skip, plen - skip);
                w += plen - skip;
                v += plen;
                if (*v == ':') {
                    word[w++] = ':';
                    v++;
                }
            }
            word[w] = '\0';
        }
        if (used + w + 2 > size)
            return waot_fail(err, WAOT_E_INVALID,
                             "overlay of %s: options longer than %zu bytes even relative to %s",
                             m->source ? m->source : "?", size - 1, dir);
        if (used)
            data[used++] = ',';
        memcpy(data + used, word, w + 1);
        used += w;
    }
    return 0;
}

struct chdir_mount {
    const char *dir, *where, *data;
    unsigned long flags;
    int err;   /* errno of the failed step, 0 on success */
};

static void *chdir_mount_main(void *arg)
{
    struct chdir_mount *c = arg;
    c->err = 0;
    if (unshare(CLONE_FS) < 0 || chdir(c->dir) < 0 ||
        mount("overlay", c->where, "overlay", c->flags, c->data) < 0)
        c->err = errno;
    return NULL;
}

static int mount_long_overlay(const struct shim_mount *m, const char *where,
                              struct waot_error *err)
{
    char dir[PATH_MAX], where_abs[PATH_MAX];
    size_t dlen = common_dir(m, dir, sizeof dir);
    if (!dlen)
        return waot_fail(err, WAOT_E_INVALID, "overlay of %s: options longer than %d bytes and "
                         "no common directory to shorten them", m->source ? m->source : "?",
                         MOUNT_DATA_MAX);
    if (!realpath(where, where_abs))
        return waot_fail(err, WAOT_E_IO, "%s: %s", where, strerror(errno));
    char data[MOUNT_DATA_MAX + 1];
    unsigned long flags;
    if (relative_options(m, dir, dlen, data, sizeof data, &flags, err) < 0)
        return -1;
    struct chdir_mount c = {.dir = dir, .where = where_abs, .data = data, .flags = flags};
    pthread_t t;
    int r = pthread_create(&t, NULL, chdir_mount_main, &c);
    if (r != 0)
        return waot_fail(err, WAOT_E_IO, "overlay mount thread: %s", strerror(r));
    pthread_join(t, NULL);
    if (c.err)
        return waot_fail(err, WAOT_E_IO, "mount -t overlay (directories relative to %s) on %s: %s",
                         dir, where, strerror(c.err));
    return 0;
}

static int mount_one(const struct shim_mount *m, const char *where, struct waot_error *err)
{
    char data[MOUNT_DATA_MAX + 1];
    unsigned long flags;
    const char *type = m->type && *m->type ? m->type : "none";
    if (mount_options(m, &flags, data, sizeof data, err) < 0) {
        if (strcmp(type, "overlay") != 0)
            return -1;
        *err = (struct waot_error){0};
        return mount_long_overlay(m, where, err);
    }
    const char *source = m->source && *m->source ? m->source : type;
    if (flags & MS_BIND) {
        if (mount(source, where, NULL, flags & (MS_BIND | MS_REC), NULL) < 0)
            return waot_fail(err, WAOT_E_IO, "bind mount of %s on %s: %s", source, where,
                             strerror(errno));
        unsigned long rest = flags & ~(MS_BIND | MS_REC);
        if (rest && mount(NULL, where, NULL, MS_REMOUNT | MS_BIND | rest, NULL) < 0) {
            int e = errno;
            umount2(where, MNT_DETACH);
            return waot_fail(err, WAOT_E_IO, "remounting the bind of %s on %s: %s", source,
                             where, strerror(e));
        }
        return 0;
    }
    if (mount(source, where, type, flags, data[0] ? data : NULL) < 0)
        return waot_fail(err, WAOT_E_IO, "mount -t %s %s on %s: %s", type, source, where,
                         strerror(errno));
    return 0;
}

int shim_mount_rootfs(const struct shim_mount *mounts, size_t n, const char *target_dir,
                      struct waot_error *err)
{
    char where[PATH_MAX];
    for (size_t i = 0; i < n; i++) {
        if (mount_point(target_dir, mounts[i].target, where, sizeof where, err) < 0 ||
            mount_one(&mounts[i], where, err) < 0) {
            /* take down what this call mounted, newest first */
            for (size_t k = i; k-- > 0;) {
                struct waot_error ignored = {0};
                if (mount_point(target_dir, mounts[k].target, where, sizeof where, &ignored) == 0 &&
                    umount2(where, 0) < 0)
                    umount2(where, MNT_DETACH);
            }
            return -1;
        }
    }
    return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
    char *d = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *d++ = *s++;
        }
    }
    *d = '\0';
}

/* The mount points at or below dir, in mountinfo order (parents before children). */
static char **mounts_below(const char *dir, size_t *count, struct waot_error *err)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) {
        waot_fail(err, WAOT_E_IO, "/proc/self/mountinfo: %s", strerror(errno));
        return NULL;
    }
    size_t dlen = strlen(dir), n = 0, cap = 0;
    char **v = NULL, *line = NULL;
    size_t lsize = 0;
    bool oom = false;
    while (!oom && getline(&line, &lsize, f) > 0) {
        /* id parent major:minor root mount-point ... */
        char *save = NULL, *tok = strtok_r(line, " ", &save);
        for (int i = 0; tok && i < 4; i++)
            tok = strtok_r(NULL, " ", &save);
        if (!tok)
            continue;
        unescape(tok);
        if (strncmp(tok, dir, dlen) != 0 || (tok[dlen] != '\0' && tok[dlen] != '/'))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char **nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                oom = true;
                break;
            }
            v = nv;
            cap = ncap;
        }
        if (!(v[n] = strdup(tok)))
            oom = true;
        else
            n++;
    }
    free(line);
    fclose(f);
    if (oom) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        waot_fail(err, WAOT_E_NOMEM, "out of memory");
        return NULL;
    }
    *count = n;
    return v ? v : calloc(1, sizeof *v);
}

int shim_unmount_rootfs(const char *target_dir, struct waot_error *err)
{
    char dir[PATH_MAX];
    if (!realpath(target_dir, dir)) {
        if (errno == ENOENT)
            return 0; /* nothing there, nothing mounted */
        return waot_fail(err, WAOT_E_IO, "%s: %s", target_dir, strerror(errno));
    }
    size_t n = 0;
    char **v = mounts_below(dir, &n, err);
    if (!v)
        return -1;
    int rc = 0;
    for (size_t i = n; i-- > 0;) {
        if (umount2(v[i], 0) < 0 && errno != EINVAL && errno != ENOENT &&
            umount2(v[i], MNT_DETACH) < 0 && errno != EINVAL && rc == 0)
            rc = waot_fail(err, WAOT_E_IO, "unmounting %s: %s", v[i], strerror(errno));
    }
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return rc;
}
