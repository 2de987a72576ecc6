/*
 * Image sources on disk: an OCI image-layout directory (blobs copied into the store on
 * demand, each verified), an oci-archive tar (every blob streamed into the store in one pass,
 * verified against its name; blobs the store already holds are skipped) and a docker-archive
 * (`docker save`: manifest.json + config + layer tars, stored under their computed digests and
 * turned into a manifest). Tars are read with libarchive.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "cache.h"
#include "image_internal.h"

#define ARCHIVE_FILES_MAX 100000
#define ARCHIVE_MEMO_MAGIC "waot-archive-memo 1"
/* an archive changed less than this long ago may change again within the same timestamp
 * tick: it is read but not memoised (as cache_digest.c does for modules) */
#define ARCHIVE_MEMO_RACY_NS 2000000000LL

struct member {
    char *name;
    char digest[IMAGE_DIGEST_SIZE];
    uint64_t size;
    char *link;                /* symlink target (normalised), else NULL */
};

struct members {
    struct member *v;
    size_t n, cap;
};

static void members_free(struct members *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].name);
        free(m->v[i].link);
    }
    free(m->v);
}

/* Strips "./" and "/" prefixes. */
static const char *norm(const char *name)
{
    while (name[0] == '/' || (name[0] == '.' && name[1] == '/'))
        name += name[0] == '/' ? 1 : 2;
    return name;
}

static const char *members_lookup(void *arg, const char *name, uint64_t *size)
{
    struct members *m = arg;
    char cur[IMAGE_PATH_MAX];
    snprintf(cur, sizeof cur, "%s", norm(name));
    for (int hops = 0; hops < 8; hops++) {
        struct member *hit = NULL;
        for (size_t i = 0; i < m->n && !hit; i++)
            if (strcmp(m->v[i].name, cur) == 0)
                hit = &m->v[i];
        if (!hit)
            return NULL;
        if (!hit->link) {
            *size = hit->size;
            return hit->digest;
        }
        snprintf(cur, sizeof cur, "%s", hit->link);
    }
    return NULL;
}

static struct member *members_add(struct members *m, const char *name, struct waot_error *err)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        struct member *v = cap <= ARCHIVE_FILES_MAX ? realloc(m->v, cap * sizeof *v) : NULL;
        if (!v) {
            waot_fail(err, WAOT_E_NOMEM, "archive has too many files");
            return NULL;
        }
        m->v = v;
        m->cap = cap;
    }
    struct member *e = &m->v[m->n];
    memset(e, 0, sizeof *e);
    if (!(e->name = strdup(name))) {
        waot_fail(err, WAOT_E_NOMEM, "out of memory");
        return NULL;
    }
    m->n++;
    return e;
}

/* "dir/../x" style link targets of skopeo's docker-archives, relative to the link. */
static char *resolve_link(const char *link_name, const char *target)
{
    char buf[IMAGE_PATH_MAX];
    if (target[0] == '/') {
        snprintf(buf, sizeof buf, "%s", norm(target));
    } else {
        const char *slash = strrchr(link_name, '/');
        snprintf(buf, sizeof buf, "%.*s%s%s", slash ? (int)(slash - link_name) : 0, link_name,
                 slash ? "/" : "", target);
    }
    /* fold "a/../" pairs */
    char out[IMAGE_PATH_MAX] = "";
    char *save = NULL;
    for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            char *s = strrchr(out, '/');
            if (s)
                *s = '\0';
            else
                out[0] = '\0';
            continue;
        }
        size_t len = strlen(out);
        snprintf(out + len, sizeof out - len, "%s%s", len ? "/" : "", c);
    }
    return strdup(out);
}

static int read_small(struct archive *a, const char *path, const char *name, char **out,
                      size_t *len, struct waot_error *err)
{
    free(*out);
    *out = malloc(IMAGE_JSON_MAX + 1);
    if (!*out)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    size_t got = 0;
    for (;;) {
        la_ssize_t n = archive_read_data(a, *out + got, IMAGE_JSON_MAX + 1 - got);
        if (n < 0)
            return waot_fail(err, WAOT_E_IO, "%s: %s: %s", path, name, archive_error_string(a));
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > IMAGE_JSON_MAX)
            return waot_fail(err, WAOT_E_INVALID, "%s: %s is too large", path, name);
    }
    (*out)[got] = '\0';
    *len = got;
    return 0;
}

/* Streams the current entry into the blob store. */
static int store_entry(struct image_store *st, struct archive *a, const char *path,
                       const char *name, const char *expect, char out[IMAGE_DIGEST_SIZE],
                       uint64_t *size, struct waot_error *err)
{
    struct image_blob_writer w;
    if (image_blob_begin(st, &w, err) < 0)
        return -1;
    for (;;) {
        const void *buf;
        size_t len;
        la_int64_t off;
        int r = archive_read_data_block(a, &buf, &len, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            image_blob_abort(&w);
            return waot_fail(err, WAOT_E_IO, "%s: %s: %s", path, name, archive_error_string(a));
        }
        if ((uint64_t)off != w.size) {
            image_blob_abort(&w);
            return waot_fail(err, WAOT_E_INVALID, "%s: %s: sparse entries are not supported", path,
                             name);
        }
        if (image_blob_write(&w, buf, len, err) < 0) {
            image_blob_abort(&w);
            return -1;
        }
    }
    *size = w.size;
    if (image_blob_commit(&w, expect, UINT64_MAX, out, err) < 0) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return waot_fail(err, err->code, "%s: %s", path, msg);
    }
    return 0;
}

static int scan_tar(struct image_store *st, const char *path, struct members *mem, char **index,
                    size_t *index_len, char **dmanifest, size_t *dmanifest_len,
                    struct waot_error *err)
{
    struct archive *a = archive_read_new();
    if (!a)
        return waot_fail(err, WAOT_E_IO, "reading archives: %s", image_libarchive_error());
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_none(a);
    int r = 0;
    if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
        r = waot_fail(err, WAOT_E_INVALID, "%s: not an image archive (%s)", path,
                      archive_error_string(a));
        archive_read_free(a);
        return r;
    }
    struct archive_entry *e;
    int rc;
    while (r == 0 && (rc = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
        if (rc < ARCHIVE_WARN) {
            r = waot_fail(err, WAOT_E_INVALID, "%s: not an image archive (%s)", path,
                          archive_error_string(a));
            break;
        }
        const char *raw = archive_entry_pathname(e);
        const char *name = raw ? norm(raw) : "";
        mode_t type = archive_entry_filetype(e);
        if (type == AE_IFLNK) {
            const char *t = archive_entry_symlink(e);
            struct member *m = t ? members_add(mem, name, err) : NULL;
            if (t && (!m || !(m->link = resolve_link(name, t))))
                r = waot_fail(err, WAOT_E_NOMEM, "out of memory");
            continue;
        }
        if (type != AE_IFREG)
            continue;
        if (strcmp(name, "index.json") == 0) {
            r = read_small(a, path, name, index, index_len, err);
            continue;
        }
        if (strcmp(name, "manifest.json") == 0) {
            r = read_small(a, path, name, dmanifest, dmanifest_len, err);
            continue;
        }
        if (strcmp(name, "oci-layout") == 0 || strcmp(name, "repositories") == 0)
            continue;
        struct member *m = members_add(mem, name, err);
        if (!m) {
            r = -1;
            break;
        }
        char expect[IMAGE_DIGEST_SIZE] = "";
        const char *hex;
        if (strncmp(name, "blobs/sha256/", 13) == 0) {
            snprintf(expect, sizeof expect, "sha256:%s", name + 13);
            if (image_digest_hex(expect, &hex) < 0)
                expect[0] = '\0';
        }
        if (expect[0] && archive_entry_size_is_set(e) &&
            image_blob_has(st, expect, (uint64_t)archive_entry_size(e))) {
            memcpy(m->digest, expect, sizeof m->digest);
            m->size = (uint64_t)archive_entry_size(e);
            continue; /* already stored and verified */
        }
        r = store_entry(st, a, path, name, expect[0] ? expect : NULL, m->digest, &m->size, err);
    }
    archive_read_free(a);
    return r;
}

/* File name without directories and .tar / .oci / .tgz suffixes. */
static void name_hint(const char *path, char *buf, size_t size)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    const char *start = path;
    for (size_t i = 0; i < len; i++)
        if (path[i] == '/')
            start = path + i + 1;
    snprintf(buf, size, "%.*s", (int)(path + len - start), start);
    static const char *const sfx[] = {".tar.gz", ".tgz", ".tar", ".oci", ".docker"};
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
            size_t bl = strlen(buf), sl = strlen(sfx[i]);
            if (bl > sl && strcmp(buf + bl - sl, sfx[i]) == 0) {
                buf[bl - sl] = '\0';
                again = 1;
            }
        }
    }
    for (char *p = buf; *p; p++)
        if (*p == ':' || *p == '@')
            *p = '-';
}

static int scan_archive(struct image_store *st, const char *path, const struct stat *sb, int fd,
                        struct image_info *info, struct waot_error *err);

static int ensure_layers(struct image_store *st, const struct image_info *info,
                         struct waot_error *err)
{
    for (size_t i = 0; i < info->nlayers; i++)
        if (image_blob_ensure(st, info->layers[i].digest, info->layers[i].size, err) < 0)
            return -1;
    return 0;
}

static int import_layout(struct image_store *st, const char *dir, struct image_info *info,
                         struct waot_error *err)
{
    char path[IMAGE_PATH_MAX], hint[256];
    int n = snprintf(path, sizeof path, "%s/index.json", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return waot_fail(err, WAOT_E_IO, "%s: path too long", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
    char *text = malloc(IMAGE_JSON_MAX + 1);
    size_t len = text ? fread(text, 1, IMAGE_JSON_MAX + 1, f) : 0;
    fclose(f);
    if (!text)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    if (len > IMAGE_JSON_MAX) {
        free(text);
        return waot_fail(err, WAOT_E_INVALID, "%s is too large", path);
    }
    name_hint(dir, hint, sizeof hint);
    st->source = dir;
    int r = image_json_select_index(st, text, len, hint, info, err);
    if (r == 0 && (r = ensure_layers(st, info, err)) < 0)
        image_info_free(info);
    st->source = NULL;
    free(text);
    return r;
}

/* A memo hit: the archive (unchanged since) was imported before and selected this manifest,
 * whose blobs the store verified then. 0 with info filled, -1 (nothing reported) when the
 * store no longer holds everything, so the archive is read again. */
static int memo_load(struct image_store *st, const char *value, struct image_info *info)
{
    char digest[IMAGE_DIGEST_SIZE];
    const char *sp = strchr(value, ' '), *hex;
    struct waot_error err = {0};
    if (!sp || (size_t)(sp - value) >= sizeof digest)
        return -1;
    memcpy(digest, value, (size_t)(sp - value));
    digest[sp - value] = '\0';
    if (image_digest_hex(digest, &hex) < 0 || !image_blob_has(st, digest, UINT64_MAX) ||
        image_json_load_manifest(st, digest, UINT64_MAX, info, &err) < 0 ||
        (sp[1] && !(info->name = strdup(sp + 1))) || ensure_layers(st, info, &err) < 0) {
        image_info_free(info);
        return -1;
    }
    return 0;
}

static void memo_store(struct image_store *st, const struct stat *before, int fd,
                       const struct image_info *info)
{
    char value[IMAGE_DIGEST_SIZE + 1024];
    const char *name = info->name ? info->name : "";
    if (strpbrk(name, "\n ") || snprintf(value, sizeof value, "%s %s", info->manifest_digest,
                                          name) >= (int)sizeof value)
        return;
    if (cache_memo_stable(before, fd, (uint64_t)before->st_size, ARCHIVE_MEMO_RACY_NS))
        cache_memo_put(st->memos_fd, ARCHIVE_MEMO_MAGIC, ".archive", before, value);
}

int image_archive_import(struct image_store *st, const char *path, struct image_info *info,
                         struct waot_error *err)
{
    struct stat sb;
    memset(info, 0, sizeof *info);
    if (stat(path, &sb) < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return import_layout(st, path, info, err);
    /* the file's state is taken from an open descriptor, so it is the file that was read */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(e));
    }
    char value[CACHE_MEMO_VALUE_MAX + 1];
    if (S_ISREG(sb.st_mode) &&
        cache_memo_get(st->memos_fd, geteuid(), ARCHIVE_MEMO_MAGIC, ".archive", &sb, value,
                       sizeof value) == 1 &&
        memo_load(st, value, info) == 0) {
        close(fd);
        return 0;
    }
    int r = scan_archive(st, path, &sb, fd, info, err);
    close(fd);
    return r;
}

static int scan_archive(struct image_store *st, const char *path, const struct stat *sb, int fd,
                        struct image_info *info, struct waot_error *err)
{
    struct members mem = {0};
    char *index = NULL, *dman = NULL, hint[256];
    size_t index_len = 0, dman_len = 0;
    int r = scan_tar(st, path, &mem, &index, &index_len, &dman, &dman_len, err);
    name_hint(path, hint, sizeof hint);
    if (r == 0 && index)
        r = image_json_select_index(st, index, index_len, hint, info, err);
    else if (r == 0 && dman)
        r = image_json_docker_archive(st, dman, dman_len, members_lookup, &mem, info, err);
    else if (r == 0)
        r = waot_fail(err, WAOT_E_INVALID, "%s: neither an OCI archive (index.json) nor a "
                      "docker-archive (manifest.json)", path);
    if (r == 0 && (r = ensure_layers(st, info, err)) < 0)
        image_info_free(info);
    if (r == 0 && S_ISREG(sb->st_mode))
        memo_store(st, sb, fd, info);
    free(index);
    free(dman);
    members_free(&mem);
    return r;
}
