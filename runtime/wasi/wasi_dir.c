/*
 * Directories: fd_readdir and the calls that change the name space (mkdir, rmdir, unlink,
 * rename, symlink, link) or read it (readlink). Every name is resolved beneath its
 * directory descriptor by wasi_path.c; the final call then acts on the last component
 * relative to a held parent descriptor, so it never follows a symlink there.
 *
 * fd_readdir reads a fresh stream each call and uses the kernel's d_off as cookies: a
 * cookie is the position after an entry, stable for as long as the directory is not
 * changed (lseek on a directory accepts them back). Entries, "." and ".." included, are
 * packed as 24-byte dirents followed by their names; the last one is cut at buf_len when it
 * does not fit, which tells the guest to call again with a bigger buffer.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_internal.h"

struct host_dirent {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};

static uint8_t dirent_type(int dfd, const struct host_dirent *d)
{
    switch (d->d_type) {
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
    case DT_UNKNOWN: {
        struct stat st;
        if (fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return wasi_fd_filetype(&st, -1);
        return WASI_FILETYPE_UNKNOWN;
    }
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

/* Copies as much of src as fits in [used, cap) of out; returns the new used. */
static uint32_t put_bytes(uint8_t *out, uint32_t used, uint32_t cap, const void *src, size_t n)
{
    size_t room = cap - used;
    if (n > room)
        n = room;
    memcpy(out + used, src, n);
    return used + (uint32_t)n;
}

WASI_IMPL(wasi_dir_fd_readdir)
{
    (void)err;
    struct wasi_fd *e;
    uint32_t r = wasi_fd_get(w, ARG32(0), &e);
    if (r)
        return (int)r;
    if (e->kind != WASI_FD_DIR)
        return WASI_ENOTDIR;
    uint32_t cap = ARG32(2);
    uint8_t *out = wasi_mem_ptr(&w->mem, ARG32(1), cap);
    uint64_t cookie = ARG64(3);
    if (!out || !wasi_mem_ptr(&w->mem, ARG32(4), 4))
        return WASI_EFAULT;
    if (cookie > INT64_MAX)
        return WASI_EINVAL;
    int dfd = openat(e->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return (int)wasi_errno_last();
    if (cookie && lseek(dfd, (off_t)cookie, SEEK_SET) < 0) {
        close(dfd);
        return WASI_EINVAL;
    }
    uint64_t buf[1024];
    uint32_t used = 0;
    uint32_t rc = 0;
    while (used < cap) {
        ssize_t n = getdents64(dfd, buf, sizeof buf);
        if (n < 0) {
            rc = wasi_errno_last();
            break;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n && used < cap;) {
            const struct host_dirent *d = (const struct host_dirent *)((char *)buf + off);
            off += d->d_reclen;
            size_t namlen = strlen(d->d_name);
            uint8_t hdr[24];
            memset(hdr, 0, sizeof hdr);
            wasi_mem_st64(hdr, (uint64_t)d->d_off);
            wasi_mem_st64(hdr + 8, d->d_ino);
            wasi_mem_st32(hdr + 16, (uint32_t)namlen);
            wasi_mem_st8(hdr + 20, dirent_type(dfd, d));
            used = put_bytes(out, used, cap, hdr, sizeof hdr);
            used = put_bytes(out, used, cap, d->d_name, namlen);
        }
    }
    close(dfd);
    if (rc)
        return (int)rc;
    return (int)wasi_mem_put32(&w->mem, ARG32(4), used);
}

/* ---- name space changes ---- */


/* A resolved name: parent descriptor (owned), last component, the copied path. */
struct name {
    int parent;
    const char *base;
    char *path;
};

static void name_fini(struct name *n)
{
    if (n->parent >= 0)
        close(n->parent);
    free(n->path);
}

static uint32_t name_resolve(struct wasi_ctx *w, const struct wasi_fd *d, uint32_t ptr,
                             uint32_t len, struct name *n)
{
    n->parent = -1;
    n->path = NULL;
    uint32_t r = wasi_path_copy(w, ptr, len, &n->path);
    if (r)
        return r;
    int p = wasi_path_parent(d->host, n->path, &n->base);
    if (p < 0) {
        free(n->path);
        n->path = NULL;
        return wasi_errno_from_host(-p);
    }
    n->parent = p;
    return 0;
}

enum name_op { OP_MKDIR, OP_RMDIR, OP_UNLINK };

static int one_name(struct wasi_ctx *w, const struct waot_val *a, enum name_op op)
{
    struct wasi_fd *d;
    uint32_t r = wasi_fd_get_dir(w, ARG32(0), &d);
    if (r)
        return (int)r;
    struct name n;
    if ((r = name_resolve(w, d, ARG32(1), ARG32(2), &n)) != 0)
        return (int)r;
    int rc;
    if (d->readonly)
        rc = (errno = EPERM, -1);
    else if (op == OP_MKDIR)
        rc = mkdirat(n.parent, n.base, 0777);
    else
        rc = unlinkat(n.parent, n.base, op == OP_RMDIR ? AT_REMOVEDIR : 0);
    int saved = errno;
    name_fini(&n);
    return rc < 0 ? (int)wasi_errno_from_host(saved) : 0;
}

WASI_IMPL(wasi_dir_path_create_directory)
{
    (void)err;
    return one_name(w, a, OP_MKDIR);
}

WASI_IMPL(wasi_dir_path_remove_directory)
{
    (void)err;
    return one_name(w, a, OP_RMDIR);
}

WASI_IMPL(wasi_dir_path_unlink_file)
{
    (void)err;
    return one_name(w, a, OP_UNLINK);
}

WASI_IMPL(wasi_dir_path_rename)
{
    (void)err;
    struct wasi_fd *d1, *d2;
    uint32_t r = wasi_fd_get_dir(w, ARG32(0), &d1);
    if (r == 0)
        r = wasi_fd_get_dir(w, ARG32(3), &d2);
    if (r)
        return (int)r;
    struct name n1, n2;
    if ((r = name_resolve(w, d1, ARG32(1), ARG32(2), &n1)) != 0)
        return (int)r;
    if ((r = name_resolve(w, d2, ARG32(4), ARG32(5), &n2)) != 0) {
        name_fini(&n1);
        return (int)r;
    }
    int rc = (d1->readonly || d2->readonly) ? (errno = EPERM, -1)
                                            : renameat(n1.parent, n1.base, n2.parent, n2.base);
    int saved = errno;
    name_fini(&n1);
    name_fini(&n2);
    return rc < 0 ? (int)wasi_errno_from_host(saved) : 0;
}

WASI_IMPL(wasi_dir_path_symlink)
{
    (void)err;
    struct wasi_fd *d;
    uint32_t r = wasi_fd_get_dir(w, ARG32(2), &d);
    if (r)
        return (int)r;
    char *target;
    if ((r = wasi_path_copy(w, ARG32(0), ARG32(1), &target)) != 0)
        return (int)r;
    /* An absolute target could never be followed beneath a preopen; refuse it early. */
    if (target[0] == '/') {
        free(target);
        return WASI_EPERM;
    }
    struct name n;
    if ((r = name_resolve(w, d, ARG32(3), ARG32(4), &n)) != 0) {
        free(target);
        return (int)r;
    }
    int rc;
    size_t bl = strlen(n.base);
    if (d->readonly) {
        rc = (errno = EPERM, -1);
    } else if (bl > 1 && n.base[bl - 1] == '/') {
        /* "name/" can only name a directory: ENOENT when missing, ENOTDIR for a file
         * (Linux says EEXIST there; wasmtime expects ENOTDIR), EEXIST for a directory */
        char *plain = strndup(n.base, bl);
        while (plain && bl > 0 && plain[bl - 1] == '/')
            plain[--bl] = 0;
        struct stat st;
        if (!plain)
            rc = (errno = ENOMEM, -1);
        else if (fstatat(n.parent, plain, &st, AT_SYMLINK_NOFOLLOW) < 0)
            rc = -1;
        else
            rc = (errno = S_ISDIR(st.st_mode) ? EEXIST : ENOTDIR, -1);
        free(plain);
    } else {
        rc = symlinkat(target, n.parent, n.base);
    }
    int saved = errno;
    name_fini(&n);
    free(target);
    return rc < 0 ? (int)wasi_errno_from_host(saved) : 0;
}

/* Following a symlink at the source is refused with EINVAL, as wasmtime does. */
WASI_IMPL(wasi_dir_path_link)
{
    (void)err;
    struct wasi_fd *d1, *d2;
    uint32_t r = wasi_fd_get_dir(w, ARG32(0), &d1);
    if (r == 0)
        r = wasi_fd_get_dir(w, ARG32(4), &d2);
    if (r)
        return (int)r;
    if (ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW)
        return WASI_EINVAL;
    struct name n1, n2;
    if ((r = name_resolve(w, d1, ARG32(2), ARG32(3), &n1)) != 0)
        return (int)r;
    if ((r = name_resolve(w, d2, ARG32(5), ARG32(6), &n2)) != 0) {
        name_fini(&n1);
        return (int)r;
    }
    /* A new name for a file of a read-only volume, made in a writable one, would open it
     * for writing: the source's volume must be writable too. */
    int rc = (d1->readonly || d2->readonly) ? (errno = EPERM, -1)
                                            : linkat(n1.parent, n1.base, n2.parent, n2.base, 0);
    int saved = errno;
    name_fini(&n1);
    name_fini(&n2);
    return rc < 0 ? (int)wasi_errno_from_host(saved) : 0;
}

WASI_IMPL(wasi_dir_path_readlink)
{
    (void)err;
    struct wasi_fd *d;
    uint32_t r = wasi_fd_get_dir(w, ARG32(0), &d);
    if (r)
        return (int)r;
    uint32_t cap = ARG32(4);
    uint8_t *out = wasi_mem_ptr(&w->mem, ARG32(3), cap);
    if (!out || !wasi_mem_ptr(&w->mem, ARG32(5), 4))
        return WASI_EFAULT;
    struct name n;
    if ((r = name_resolve(w, d, ARG32(1), ARG32(2), &n)) != 0)
        return (int)r;
    size_t plen = strlen(n.path);
    ssize_t got;
    if (plen && n.path[plen - 1] == '/') {
        /* "link/" names what the link points to, which is not a link: resolve it safely */
        int h = wasi_path_open(d->host, n.path, O_PATH, 0);
        if (h >= 0)
            close(h);
        got = -1;
        errno = h >= 0 ? EINVAL : -h;
    } else {
        char buf[PATH_MAX];
        got = readlinkat(n.parent, n.base, buf, sizeof buf);
        if (got >= 0) {
            if ((size_t)got > cap)
                got = cap;
            memcpy(out, buf, (size_t)got);
        }
    }
    int saved = errno;
    name_fini(&n);
    if (got < 0)
        return (int)wasi_errno_from_host(saved);
    return (int)wasi_mem_put32(&w->mem, ARG32(5), (uint32_t)got);
}
