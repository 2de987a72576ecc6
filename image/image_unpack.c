/*
 * Safe unpack of one untrusted layer (tar, tar+gzip, tar+zstd) into a root directory.
 * Everything is created with *at() calls relative to a directory descriptor, one path
 * component at a time with O_NOFOLLOW, so no symlink is followed implicitly while writing.
 * An entry below a symlink whose relative target stays inside the root (Debian's
 * lib -> usr/lib) is placed where the link leads, resolved by hand within the root; below
 * a symlink with an absolute target, one that climbs above the root, or a non-directory it
 * is refused. Names: leading "/" and "./" are dropped,
 * "." components ignored, ".." refused. Hardlinks must name an earlier entry inside the root.
 * Device nodes, fifos and sockets are skipped; set-id bits and ownership are dropped.
 * Whiteouts: ".wh.NAME" removes NAME, ".wh..wh..opq" empties its directory (entries of the
 * same layer that precede the marker are removed too; tools write the marker first).
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

#include <archive.h>
#include <archive_entry.h>

#include "image_internal.h"

#define UNPACK_DEPTH_MAX 256
#define SYMLINK_HOPS_MAX 40
#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"

void image_unpack_default_limits(struct image_unpack_limits *lim)
{
    lim->max_file = 4ull << 30;
    lim->max_total = 16ull << 30;
    lim->max_entries = 1000000;
    lim->max_path = 4096;
}

int image_remove_tree(int parent, const char *name)
{
    struct stat sb;
    if (fstatat(parent, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(sb.st_mode))
        return unlinkat(parent, name, 0);
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if ((sb.st_mode & 0700) != 0700)
        fchmod(fd, sb.st_mode | 0700);
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    int r = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (image_remove_tree(dirfd(d), de->d_name) < 0)
            r = -1;
    }
    closedir(d);
    if (unlinkat(parent, name, AT_REMOVEDIR) < 0)
        r = -1;
    return r;
}

/* Splits a tar name into components in buf; 0 with *n == 0 for the root itself, -1 when
 * it contains "..", is too deep or too long. */
static int split(const char *raw, char *buf, size_t size, char **comps, int *n)
{
    int len = snprintf(buf, size, "%s", raw);
    if (len < 0 || (size_t)len >= size)
        return -1;
    *n = 0;
    char *save = NULL;
    for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0 || *n >= UNPACK_DEPTH_MAX)
            return -1;
        comps[(*n)++] = c;
    }
    return 0;
}

/* Opens the directory root/cur (cur: real directory names joined by "/", or ""). */
static int open_cur(int root_fd, const char *cur)
{
    int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    char name[NAME_MAX + 1];
    while (fd >= 0 && *cur) {
        size_t len = strcspn(cur, "/");
        memcpy(name, cur, len);
        name[len] = '\0';
        cur += len + (cur[len] == '/');
        int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(fd);
        errno = e;
        fd = next;
    }
    return fd;
}

/* Opens the directory holding comps[n-1], walking from root one component at a time with
 * O_NOFOLLOW and creating missing directories when create is set. A symlink on the way is
 * followed only when its target is relative and stays inside the root (Debian's
 * lib -> usr/lib): its components are walked in turn from the link's directory, ".." pops
 * one level and may never climb above the root, at most SYMLINK_HOPS_MAX links. An
 * absolute target, a climb above the root or a loop fails with ELOOP; a non-directory on
 * the way with ENOTDIR. -1 with errno. */
static int open_parent(int root_fd, char **comps, int n, bool create)
{
    /* cur: where fd is, as real directory names from the root */
    char cur[IMAGE_PATH_MAX] = "", rest[IMAGE_PATH_MAX], joined[IMAGE_PATH_MAX], comp[NAME_MAX + 1];
    size_t used = 0;
    rest[0] = '\0';
    for (int i = 0; i < n - 1; i++) {
        int w = snprintf(rest + used, sizeof rest - used, "%s/", comps[i]);
        if (w < 0 || (size_t)w >= sizeof rest - used) {
            errno = ENAMETOOLONG;
            return -1;
        }
        used += (size_t)w;
    }
    int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0), hops = 0;
    size_t cur_len = 0;
    const char *p = rest;
    while (fd >= 0) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len == 0)
            break;
        if (len > NAME_MAX) {
            close(fd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        p += len;
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) { /* only link targets contain "..": split refuses it */
            close(fd);
            if (cur_len == 0) {
                errno = ELOOP;
                return -1;
            }
            char *slash = strrchr(cur, '/');
            cur_len = slash ? (size_t)(slash - cur) : 0;
            cur[cur_len] = '\0';
            fd = open_cur(root_fd, cur);
            continue;
        }
        int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && (errno == ELOOP || errno == ENOTDIR)) {
            char target[IMAGE_PATH_MAX];
            ssize_t tl = readlinkat(fd, comp, target, sizeof target - 1);
            int e = tl < 0 ? ENOTDIR : ELOOP;
            if (tl > 0)
                target[tl] = '\0';
            if (tl <= 0 || target[0] == '/' || ++hops > SYMLINK_HOPS_MAX ||
                snprintf(joined, sizeof joined, "%s/%s", target, p) >= (int)sizeof joined) {
                close(fd);
                errno = e;
                return -1;
            }
            memcpy(rest, joined, sizeof rest);
            p = rest; /* the target's components, from the link's directory */
            continue;
        }
        if (next < 0 && errno == ENOENT && create) {
            if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
                int e = errno;
                close(fd);
                errno = e;
                return -1;
            }
            next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        int e = errno;
        close(fd);
        errno = e;
        if (next >= 0) {
            int w = snprintf(cur + cur_len, sizeof cur - cur_len, "%s%s", cur_len ? "/" : "", comp);
            if (w < 0 || (size_t)w >= sizeof cur - cur_len) {
                close(next);
                errno = ENAMETOOLONG;
                return -1;
            }
            cur_len += (size_t)w;
        }
        fd = next;
    }
    return fd;
}

/* Removes whatever is at name unless it is a directory and keep_dir is set. */
static int clear_slot(int dirfd, const char *name, bool keep_dir)
{
    struct stat sb;
    if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (keep_dir && S_ISDIR(sb.st_mode))
        return 1;
    return image_remove_tree(dirfd, name);
}

static int empty_dir(int dirfd)
{
    int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int r = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
            image_remove_tree(dirfd, de->d_name) < 0)
            r = -1;
    closedir(d);
    return r;
}

struct unpack {
    struct archive *a;
    int root_fd;
    const char *layer;
    const struct image_unpack_limits *lim;
    uint64_t total;
    struct waot_error *err;
};

static int bad(struct unpack *u, const char *name, const char *why)
{
    return waot_fail(u->err, WAOT_E_INVALID, "%s: layer entry \"%.200s\": %s", u->layer, name, why);
}

static int write_file(struct unpack *u, struct archive_entry *e, int dirfd, const char *leaf,
                      const char *name)
{
    int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    if (size < 0 || (uint64_t)size > u->lim->max_file)
        return bad(u, name, "file too large");
    if (u->total + (uint64_t)size > u->lim->max_total)
        return bad(u, name, "layer too large");
    mode_t mode = (archive_entry_perm(e) & 0777) | 0600;
    int fd = openat(dirfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return waot_fail(u->err, WAOT_E_IO, "%s: %s: %s", u->layer, name, strerror(errno));
    int r = 0;
    for (;;) {
        const void *buf;
        size_t len;
        la_int64_t off;
        int rc = archive_read_data_block(u->a, &buf, &len, &off);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc != ARCHIVE_OK) {
            r = waot_fail(u->err, WAOT_E_INVALID, "%s: %s: %s", u->layer, name,
                          archive_error_string(u->a));
            break;
        }
        if (off < 0 || (uint64_t)off + len > (uint64_t)size) {
            r = bad(u, name, "data beyond the entry's size");
            break;
        }
        const char *p = buf;
        while (len > 0) {
            ssize_t n = pwrite(fd, p, len, off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                r = waot_fail(u->err, WAOT_E_IO, "%s: %s: write: %s", u->layer, name,
                              strerror(n < 0 ? errno : EIO));
                break;
            }
            p += n;
            off += n;
            len -= (size_t)n;
        }
        if (r < 0)
            break;
    }
    if (r == 0 && ftruncate(fd, size) < 0)
        r = waot_fail(u->err, WAOT_E_IO, "%s: %s: %s", u->layer, name, strerror(errno));
    close(fd);
    u->total += (uint64_t)size;
    return r;
}

static int hardlink(struct unpack *u, const char *target, int dirfd, const char *leaf,
                    const char *name)
{
    char buf[IMAGE_PATH_MAX];
    char *comps[UNPACK_DEPTH_MAX];
    int n;
    if (strlen(target) > u->lim->max_path || split(target, buf, sizeof buf, comps, &n) < 0 || n == 0)
        return bad(u, name, "hardlink target outside the image root");
    int tfd = open_parent(u->root_fd, comps, n, false);
    if (tfd < 0)
        return bad(u, name, "hardlink target is missing or below an escaping symlink");
    struct stat sb;
    int r = 0;
    if (fstatat(tfd, comps[n - 1], &sb, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(sb.st_mode))
        r = bad(u, name, "hardlink target is missing or a directory");
    else if (linkat(tfd, comps[n - 1], dirfd, leaf, 0) < 0)
        r = waot_fail(u->err, WAOT_E_IO, "%s: %s: link: %s", u->layer, name, strerror(errno));
    close(tfd);
    return r;
}

static int one_entry(struct unpack *u, struct archive_entry *e)
{
    const char *name = archive_entry_pathname(e);
    if (!name)
        return bad(u, "?", "entry without a name");
    if (strlen(name) > u->lim->max_path)
        return bad(u, "(long name)", "name too long");
    char buf[IMAGE_PATH_MAX + 1];
    char *comps[UNPACK_DEPTH_MAX];
    int n;
    if (split(name, buf, sizeof buf, comps, &n) < 0)
        return bad(u, name, "path leaves the image root (\"..\") or is too deep");
    mode_t type = archive_entry_filetype(e);
    const char *hl = archive_entry_hardlink(e);
    if (n == 0)
        return 0; /* the root directory itself */
    if (!hl && (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK))
        return 0; /* device nodes and friends are skipped */
    const char *leaf = comps[n - 1];
    bool whiteout = strncmp(leaf, WHITEOUT, strlen(WHITEOUT)) == 0;
    int dirfd = open_parent(u->root_fd, comps, n, !whiteout);
    if (dirfd < 0) {
        if (whiteout && errno == ENOENT)
            return 0;
        if (errno == ELOOP || errno == ENOTDIR)
            return bad(u, name, "parent is a symlink leading out of the root, or not a directory");
        return waot_fail(u->err, WAOT_E_IO, "%s: %s: %s", u->layer, name, strerror(errno));
    }
    int r = 0;
    if (whiteout) {
        const char *victim = leaf + strlen(WHITEOUT);
        if (strcmp(leaf, OPAQUE) == 0) {
            if (empty_dir(dirfd) < 0)
                r = waot_fail(u->err, WAOT_E_IO, "%s: whiteout %s: %s", u->layer, name,
                              strerror(errno));
        } else if (strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0) {
            r = bad(u, name, "whiteout of \".\" or \"..\"");
        } else if (*victim && image_remove_tree(dirfd, victim) < 0) {
            r = waot_fail(u->err, WAOT_E_IO, "%s: whiteout %s: %s", u->layer, name, strerror(errno));
        }
    } else if (clear_slot(dirfd, leaf, !hl && type == AE_IFDIR) < 0) {
        r = waot_fail(u->err, WAOT_E_IO, "%s: %s: %s", u->layer, name, strerror(errno));
    } else if (hl) {
        r = hardlink(u, hl, dirfd, leaf, name);
    } else if (type == AE_IFDIR) {
        mode_t mode = (archive_entry_perm(e) & 0777) | 0700;
        if (mkdirat(dirfd, leaf, mode) < 0 && errno != EEXIST)
            r = waot_fail(u->err, WAOT_E_IO, "%s: %s: %s", u->layer, name, strerror(errno));
    } else if (type == AE_IFREG) {
        r = write_file(u, e, dirfd, leaf, name);
    } else if (type == AE_IFLNK) {
        const char *t = archive_entry_symlink(e);
        if (!t || strlen(t) > u->lim->max_path)
            r = bad(u, name, "symlink target missing or too long");
        else if (symlinkat(t, dirfd, leaf) < 0)
            r = waot_fail(u->err, WAOT_E_IO, "%s: %s: symlink: %s", u->layer, name, strerror(errno));
    }
    close(dirfd);
    return r;
}

static struct archive *open_layer(const char *path, bool raw, struct waot_error *err)
{
    struct archive *a = archive_read_new();
    if (!a) {
        waot_fail(err, WAOT_E_IO, "unpacking layers: %s", image_libarchive_error());
        return NULL;
    }
    if (raw) {
        archive_read_support_format_raw(a);
    } else {
        archive_read_support_format_tar(a);
        archive_read_support_format_empty(a);
    }
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_none(a);
    if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
        waot_fail(err, WAOT_E_INVALID, "%s: %s", path, archive_error_string(a));
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* SHA-256 of the uncompressed stream must be diff_id. */
static int check_diff_id(const char *path, const char *diff_id,
                         const struct image_unpack_limits *lim, struct waot_error *err)
{
    struct archive *a = open_layer(path, true, err);
    if (!a)
        return -1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int r = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
                ? 0 : waot_fail(err, WAOT_E_INTERNAL, "SHA-256 unavailable");
    struct archive_entry *e;
    uint64_t total = 0, cap = lim->max_total + (lim->max_entries + 1) * 2048;
    if (r == 0 && archive_read_next_header(a, &e) == ARCHIVE_OK) {
        for (;;) {
            const void *buf;
            size_t len;
            la_int64_t off;
            int rc = archive_read_data_block(a, &buf, &len, &off);
            if (rc == ARCHIVE_EOF)
                break;
            if (rc != ARCHIVE_OK) {
                r = waot_fail(err, WAOT_E_INVALID, "%s: %s", path, archive_error_string(a));
                break;
            }
            total += len;
            if (total > cap) {
                r = waot_fail(err, WAOT_E_INVALID, "%s: layer too large", path);
                break;
            }
            EVP_DigestUpdate(md, buf, len);
        }
    }
    uint8_t d[32];
    unsigned dl = 0;
    char got[IMAGE_DIGEST_SIZE];
    if (r == 0) {
        EVP_DigestFinal_ex(md, d, &dl);
        snprintf(got, sizeof got, "sha256:");
        for (int i = 0; i < 32; i++)
            snprintf(got + 7 + 2 * i, 3, "%02x", d[i]);
        if (strcmp(got, diff_id) != 0)
            r = waot_fail(err, WAOT_E_INVALID, "%s: uncompressed layer is %s, config diff_id says %s",
                          path, got, diff_id);
    }
    EVP_MD_CTX_free(md);
    archive_read_free(a);
    return r;
}

int image_unpack_layer(int root_fd, const char *layer_path, const char *diff_id,
                       const struct image_unpack_limits *lim, struct waot_error *err)
{
    if (diff_id && diff_id[0] && check_diff_id(layer_path, diff_id, lim, err) < 0)
        return -1;
    struct unpack u = {.root_fd = root_fd, .layer = layer_path, .lim = lim, .err = err};
    if (!(u.a = open_layer(layer_path, false, err)))
        return -1;
    int r = 0;
    uint64_t count = 0;
    struct archive_entry *e;
    for (;;) {
        int rc = archive_read_next_header(u.a, &e);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc < ARCHIVE_WARN) {
            r = waot_fail(err, WAOT_E_INVALID, "%s: %s", layer_path, archive_error_string(u.a));
            break;
        }
        if (++count > lim->max_entries) {
            r = waot_fail(err, WAOT_E_INVALID, "%s: too many entries", layer_path);
            break;
        }
        if ((r = one_entry(&u, e)) < 0)
            break;
    }
    archive_read_free(u.a);
    return r;
}
