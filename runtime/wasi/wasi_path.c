/*
 * Path resolution that never leaves the directory it starts from (a preopen or a directory
 * opened below one). With openat2 the kernel does it: RESOLVE_BENEATH refuses absolute
 * paths, `..` above the start and absolute symlinks (EXDEV, reported to the guest as EPERM
 * like wasmtime does), atomically with respect to concurrent renames; RESOLVE_NO_MAGICLINKS
 * refuses /proc-style links. Without openat2 (old kernels, seccomp filters) the same rules
 * are applied by a component-by-component walk: every component is opened O_PATH|O_NOFOLLOW
 * relative to the previous one and inspected through the opened descriptor, so a directory
 * swapped for a symlink is seen as the symlink it became and resolved by our rules, never
 * by the kernel's.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi_internal.h"

#define WALK_MAX_LINKS 40
#define WALK_MAX_DEPTH 512
#define WALK_RETRIES 8 /* a last component that changes type under a concurrent rename */

bool wasi_path_force_walk;

static _Atomic int openat2_state; /* 0 not probed, 1 usable, -1 missing */

static bool use_openat2(void)
{
    if (wasi_path_force_walk)
        return false;
    if (openat2_state == 0) {
        struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
        long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
        if (fd >= 0) {
            close((int)fd);
            openat2_state = 1;
        } else {
            openat2_state = -1;
        }
    }
    return openat2_state > 0;
}

static int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int tries = 0; tries < 32; tries++) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0)
            return (int)fd;
        if (errno == EAGAIN || errno == EINTR)
            continue;
        return errno == EXDEV ? -EPERM : -errno;
    }
    return -EAGAIN;
}

/* ---- the walk ---- */

struct walk {
    int root;                    /* not owned */
    int stack[WALK_MAX_DEPTH];   /* owned directory fds below root */
    int depth;
    int links;
    char *rest;                  /* heap: what is left to resolve */
};

static int walk_cur(const struct walk *k)
{
    return k->depth ? k->stack[k->depth - 1] : k->root;
}

static void walk_fini(struct walk *k)
{
    while (k->depth)
        close(k->stack[--k->depth]);
    free(k->rest);
    k->rest = NULL;
}

static int walk_up(struct walk *k)
{
    if (k->depth == 0)
        return -EPERM;
    close(k->stack[--k->depth]);
    return 0;
}

/* Replaces the rest with target + tail (tail may be empty). */
static int walk_splice(struct walk *k, const char *target, const char *tail)
{
    if (++k->links > WALK_MAX_LINKS)
        return -ELOOP;
    if (target[0] == '/')
        return -EPERM;
    if (target[0] == 0)
        return -ENOENT;
    size_t tl = strlen(target), rl = strlen(tail);
    char *n = malloc(tl + rl + 2);
    if (!n)
        return -ENOMEM;
    memcpy(n, target, tl);
    size_t off = tl;
    if (rl) {
        n[off++] = '/';
        memcpy(n + off, tail, rl);
        off += rl;
    }
    n[off] = 0;
    free(k->rest);
    k->rest = n;
    return 0;
}

static int read_link(int fd, const char *name, char *buf)
{
    ssize_t n = readlinkat(fd, name, buf, PATH_MAX);
    if (n < 0)
        return -errno;
    if (n >= PATH_MAX)
        return -ENAMETOOLONG;
    buf[n] = 0;
    return 0;
}

/* Resolves every component of k->rest but the last, following symlinks by our rules.
 * On success *name holds the last component (NUL-terminated, without slashes) and
 * *slash says whether trailing slashes followed it. */
static int walk_parent(struct walk *k, char *name, bool *slash)
{
    char target[PATH_MAX + 1];
restart:
    if (k->rest[0] == '/')
        return -EPERM;
    if (k->rest[0] == 0)
        return -ENOENT;
    const char *p = k->rest;
    for (;;) {
        while (*p == '/')
            p++;
        const char *end = p;
        while (*end && *end != '/')
            end++;
        size_t len = (size_t)(end - p);
        if (len > NAME_MAX)
            return -ENAMETOOLONG;
        memcpy(name, p, len);
        name[len] = 0;
        const char *after = end;
        while (*after == '/')
            after++;
        if (*after == 0) {
            *slash = *end == '/';
            return 0;
        }
        p = after;
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            int r = walk_up(k);
            if (r < 0)
                return r;
            continue;
        }
        int fd = openat(walk_cur(k), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (S_ISDIR(st.st_mode)) {
            if (k->depth == WALK_MAX_DEPTH) {
                close(fd);
                return -ENAMETOOLONG;
            }
            k->stack[k->depth++] = fd;
            continue;
        }
        if (!S_ISLNK(st.st_mode)) {
            close(fd);
            return -ENOTDIR;
        }
        int r = read_link(fd, "", target);
        close(fd);
        if (r == 0)
            r = walk_splice(k, target, after);
        if (r < 0)
            return r;
        goto restart;
    }
}

static int walk_open(int dirfd, const char *path, int flags, mode_t mode)
{
    struct walk k = {.root = dirfd};
    char name[NAME_MAX + 1], target[PATH_MAX + 1];
    bool follow = !(flags & O_NOFOLLOW);
    int r;
    k.rest = strdup(path);
    if (!k.rest)
        return -ENOMEM;
    for (;;) {
        bool slash = false;
        r = walk_parent(&k, name, &slash);
        if (r < 0)
            break;
        bool fol = follow || slash;
        int fl = (flags & ~O_NOFOLLOW) | O_NOFOLLOW | O_CLOEXEC | (slash ? O_DIRECTORY : 0);
        if (strcmp(name, "..") == 0 && (r = walk_up(&k)) < 0)
            break;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            r = openat(walk_cur(&k), ".", fl, mode);
            r = r < 0 ? -errno : r;
            break;
        }
        int fd, e = 0;
        for (int tries = 0;; tries++) {
            fd = openat(walk_cur(&k), name, fl, mode);
            if (fd >= 0)
                break;
            e = errno;
            if (!fol || (e != ELOOP && e != ENOTDIR && e != EMLINK))
                break;
            r = read_link(walk_cur(&k), name, target);
            /* EINVAL: not a symlink (any more). A concurrent rename may have swapped the
             * symlink the open refused for a directory: open again before believing e. */
            if (r != -EINVAL || tries == WALK_RETRIES)
                break;
        }
        if (fd >= 0) {
            struct stat st;
            if (!fol || !(flags & O_PATH) || fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode)) {
                r = fd;
                break;
            }
            r = read_link(fd, "", target);
            close(fd);
        } else if (!fol || (e != ELOOP && e != ENOTDIR && e != EMLINK) || r < 0) {
            r = -e;
            break;
        }
        if (r == 0)
            r = walk_splice(&k, target, slash ? "/" : "");
        if (r < 0)
            break;
    }
    walk_fini(&k);
    return r;
}

/* ---- entry points ---- */

int wasi_path_open(int dirfd, const char *path, int flags, mode_t mode)
{
    if (path[0] == '/')
        return -EPERM;
    if (path[0] == 0)
        return -ENOENT;
    if (use_openat2())
        return open_beneath(dirfd, path, flags, mode);
    return walk_open(dirfd, path, flags, mode);
}

int wasi_path_parent(int dirfd, const char *path, const char **base)
{
    if (path[0] == '/')
        return -EPERM;
    size_t len = strlen(path);
    if (len == 0)
        return -ENOENT;
    size_t end = len;
    while (end > 0 && path[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    size_t nlen = end - start;
    bool dots = (nlen == 1 && path[start] == '.') ||
                (nlen == 2 && path[start] == '.' && path[start + 1] == '.');
    if (dots) {
        *base = ".";
        return wasi_path_open(dirfd, path, O_PATH | O_DIRECTORY, 0);
    }
    *base = path + start;
    if (start == 0)
        return wasi_path_open(dirfd, ".", O_PATH | O_DIRECTORY, 0);
    char *dir = strndup(path, start);
    if (!dir)
        return -ENOMEM;
    int r = wasi_path_open(dirfd, dir, O_PATH | O_DIRECTORY, 0);
    free(dir);
    return r;
}

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF), as wasmtime requires
 * of guest strings. */
static bool utf8_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

uint32_t wasi_path_copy(struct wasi_ctx *w, uint32_t ptr, uint32_t len, char **out)
{
    const uint8_t *p = wasi_mem_ptr(&w->mem, ptr, len);
    if (!p)
        return WASI_EFAULT;
    if (memchr(p, 0, len))
        return WASI_EINVAL;   /* as wasmtime on Unix */
    if (!utf8_ok(p, len))
        return WASI_EILSEQ;
    if (len > PATH_MAX)
        return WASI_ENAMETOOLONG;
    char *s = malloc((size_t)len + 1);
    if (!s)
        return WASI_ENOMEM;
    memcpy(s, p, len);
    s[len] = 0;
    *out = s;
    return 0;
}
