/*
 * Unit tests for image/: the safe layer unpacker against malicious tars written here with
 * libarchive's writer (path traversal, absolute names, symlink escapes, hardlink escapes,
 * device nodes, huge headers, oversized files), whiteouts, gzip/zstd layers and diff_id
 * checks, then the blob store refusing wrong digests and sizes. A sentinel directory next to
 * the unpack root must stay untouched. Everything happens under a mkdtemp directory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image_internal.h"
#include "check.h"

static char base[256], rootdir[300], sentinel[300], layer[300];
static int root_fd = -1;

enum kind { F, D, L, H, C };

struct ent {
    enum kind kind;
    const char *name;
    const char *data;          /* file contents, or symlink / hardlink target */
};

/* Writes the entries as a pax tar with the given filter ("gzip", "zstd" or NULL). */
static void make_tar(const char *path, const struct ent *e, size_t n, const char *filter)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (filter && strcmp(filter, "gzip") == 0)
        archive_write_add_filter_gzip(a);
    else if (filter && strcmp(filter, "zstd") == 0)
        archive_write_add_filter_zstd(a);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
        fprintf(stderr, "cannot write %s: %s\n", path, archive_error_string(a));
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *ae = archive_entry_new();
        archive_entry_set_pathname(ae, e[i].name);
        archive_entry_set_perm(ae, e[i].kind == D ? 0755 : 0644);
        switch (e[i].kind) {
        case F:
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_size(ae, (la_int64_t)strlen(e[i].data));
            break;
        case D:
            archive_entry_set_filetype(ae, AE_IFDIR);
            break;
        case L:
            archive_entry_set_filetype(ae, AE_IFLNK);
            archive_entry_set_symlink(ae, e[i].data);
            break;
        case H:
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_hardlink(ae, e[i].data);
            archive_entry_set_size(ae, 0);
            break;
        case C:
            archive_entry_set_filetype(ae, AE_IFCHR);
            archive_entry_set_rdev(ae, makedev(1, 3));
            break;
        }
        archive_write_header(a, ae);
        if (e[i].kind == F)
            archive_write_data(a, e[i].data, strlen(e[i].data));
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
}

static void fresh_root(void)
{
    if (root_fd >= 0)
        close(root_fd);
    int bfd = open(base, O_RDONLY | O_DIRECTORY);
    image_remove_tree(bfd, "root");
    close(bfd);
    mkdir(rootdir, 0755);
    root_fd = open(rootdir, O_RDONLY | O_DIRECTORY);
}

static int unpack_lim(const struct ent *e, size_t n, const char *filter,
                      const struct image_unpack_limits *lim, struct waot_error *err)
{
    make_tar(layer, e, n, filter);
    memset(err, 0, sizeof *err);
    return image_unpack_layer(root_fd, layer, NULL, lim, err);
}

static int unpack(const struct ent *e, size_t n, struct waot_error *err)
{
    struct image_unpack_limits lim;
    image_unpack_default_limits(&lim);
    return unpack_lim(e, n, NULL, &lim, err);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

static bool exists_in(const char *dir, const char *rel)
{
    char p[1024];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    return lstat(p, &sb) == 0;
}

static void read_in(const char *dir, const char *rel, char *buf, size_t size)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    buf[0] = '\0';
    FILE *f = fopen(p, "r");
    if (f) {
        size_t n = fread(buf, 1, size - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
}

/* The sentinel holds exactly one file, "file", still saying "orig". */
static bool sentinel_intact(void)
{
    char buf[64];
    read_in(sentinel, "file", buf, sizeof buf);
    return count_entries(sentinel) == 1 && strcmp(buf, "orig") == 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_benign(void)
{
    struct waot_error err;
    const struct ent e[] = {{D, "./", NULL}, {D, "./app/", NULL}, {F, "/app/a.txt", "hi"},
                            {L, "app/l", "a.txt"}, {H, "app/h", "app/a.txt"},
                            {L, "app/abs", "/etc/passwd"}};
    fresh_root();
    CHECK(unpack(e, N(e), &err) == 0);
    char buf[64];
    read_in(rootdir, "app/a.txt", buf, sizeof buf);
    CHECK(strcmp(buf, "hi") == 0);
    struct stat a, h;
    char pa[600], ph[600];
    snprintf(pa, sizeof pa, "%s/app/a.txt", rootdir);
    snprintf(ph, sizeof ph, "%s/app/h", rootdir);
    CHECK(stat(pa, &a) == 0 && stat(ph, &h) == 0 && a.st_ino == h.st_ino);
    CHECK(exists_in(rootdir, "app/l") && exists_in(rootdir, "app/abs"));
}

static void test_traversal(void)
{
    struct waot_error err;
    char outside[600];
    const struct ent up[] = {{F, "../x", "evil"}};
    fresh_root();
    CHECK(unpack(up, N(up), &err) < 0);
    CHECK(strstr(err.msg, "..") != NULL);
    CHECK(!exists_in(base, "x"));
    const struct ent up2[] = {{D, "a/", NULL}, {F, "a/../../sentinel/evil", "evil"}};
    fresh_root();
    CHECK(unpack(up2, N(up2), &err) < 0);
    CHECK(sentinel_intact());
    /* an absolute name lands inside the root */
    snprintf(outside, sizeof outside, "%s/abs-target", sentinel);
    const struct ent abs[] = {{F, outside, "evil"}};
    fresh_root();
    CHECK(unpack(abs, N(abs), &err) == 0);
    CHECK(sentinel_intact());
    CHECK(exists_in(rootdir, outside + 1));
}

static void test_symlink_escape(void)
{
    struct waot_error err;
    /* write through a symlink to an absolute outside directory */
    const struct ent e1[] = {{L, "link", sentinel}, {F, "link/pwned", "evil"}};
    fresh_root();
    CHECK(unpack(e1, N(e1), &err) < 0);
    CHECK(strstr(err.msg, "symlink") != NULL);
    CHECK(sentinel_intact());
    /* ... to a relative one */
    const struct ent e2[] = {{L, "l2", "../sentinel"}, {F, "l2/pwned", "evil"}};
    fresh_root();
    CHECK(unpack(e2, N(e2), &err) < 0);
    CHECK(sentinel_intact());
    /* a directory entry below a symlink */
    const struct ent e3[] = {{L, "l3", "/tmp"}, {D, "l3/newdir/", NULL}};
    fresh_root();
    CHECK(unpack(e3, N(e3), &err) < 0);
    /* a file replacing a symlink to an outside file replaces the link, not the target */
    char target[600];
    snprintf(target, sizeof target, "%s/file", sentinel);
    const struct ent e4[] = {{L, "s", target}, {F, "s", "evil"}};
    fresh_root();
    CHECK(unpack(e4, N(e4), &err) == 0);
    CHECK(sentinel_intact());
    char buf[64];
    read_in(rootdir, "s", buf, sizeof buf);
    CHECK(strcmp(buf, "evil") == 0);
    /* a symlink named like a later directory's parent, from another layer */
    const struct ent e5a[] = {{L, "etc", sentinel}};
    const struct ent e5b[] = {{F, "etc/passwd", "evil"}};
    fresh_root();
    CHECK(unpack(e5a, N(e5a), &err) == 0);
    CHECK(unpack(e5b, N(e5b), &err) < 0);
    CHECK(sentinel_intact());
}

/* Symlinks that lead inside the root (Debian's lib -> usr/lib) are followed; the rest is
 * still refused. */
static void test_symlink_inside(void)
{
    struct waot_error err;
    char buf[64];
    const struct ent deb[] = {{D, "usr/", NULL}, {D, "usr/lib/", NULL}, {L, "lib", "usr/lib"},
                              {D, "lib/x86_64/", NULL}, {F, "lib/x86_64/libc.so", "elf"},
                              {F, "/lib/top.txt", "top"}};
    fresh_root();
    CHECK(unpack(deb, N(deb), &err) == 0);
    read_in(rootdir, "usr/lib/x86_64/libc.so", buf, sizeof buf);
    CHECK(strcmp(buf, "elf") == 0);
    read_in(rootdir, "usr/lib/top.txt", buf, sizeof buf);
    CHECK(strcmp(buf, "top") == 0);
    struct stat sb;
    char p[700];
    snprintf(p, sizeof p, "%s/lib", rootdir);
    CHECK(lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode)); /* the link itself stays a link */
    /* from another layer, through a chain of links, with ".." that stays inside, and a
     * hardlink whose target path goes through the link */
    const struct ent l1[] = {{D, "a/", NULL}, {D, "a/b/", NULL}, {L, "a/b/up", "../../c"},
                             {L, "chain", "a/b/up"}};
    const struct ent l2[] = {{F, "chain/deep/f", "x"}, {H, "h", "lib/top.txt"}};
    fresh_root();
    const struct ent l0[] = {{D, "usr/lib/", NULL}, {L, "lib", "usr/lib"},
                             {F, "usr/lib/top.txt", "t"}};
    CHECK(unpack(l0, N(l0), &err) == 0);
    CHECK(unpack(l1, N(l1), &err) == 0);
    CHECK(unpack(l2, N(l2), &err) == 0);
    read_in(rootdir, "c/deep/f", buf, sizeof buf);
    CHECK(strcmp(buf, "x") == 0);
    read_in(rootdir, "h", buf, sizeof buf);
    CHECK(strcmp(buf, "t") == 0);
    /* escaping: ".." above the root, directly, nested, or through a chain */
    const struct ent e1[] = {{D, "a/", NULL}, {L, "a/esc", "../../sentinel"},
                             {F, "a/esc/pwned", "evil"}};
    fresh_root();
    CHECK(unpack(e1, N(e1), &err) < 0);
    CHECK(strstr(err.msg, "symlink") != NULL);
    CHECK(sentinel_intact());
    const struct ent e2[] = {{L, "l1", "l2"}, {L, "l2", "x/../../sentinel"}, {D, "x/", NULL},
                             {F, "l1/pwned", "evil"}};
    fresh_root();
    CHECK(unpack(e2, N(e2), &err) < 0);
    CHECK(sentinel_intact());
    /* inside first, then out: a/in -> .. (the root), then in/../sentinel climbs out */
    const struct ent e3[] = {{D, "a/", NULL}, {L, "a/in", ".."}, {L, "a/out", "in/../sentinel"},
                             {F, "a/out/pwned", "evil"}};
    fresh_root();
    CHECK(unpack(e3, N(e3), &err) < 0);
    CHECK(sentinel_intact());
    /* an absolute target is still refused, even one naming a directory inside */
    const struct ent e4[] = {{D, "usr/", NULL}, {L, "lib", "/usr"}, {F, "lib/f", "x"}};
    fresh_root();
    CHECK(unpack(e4, N(e4), &err) < 0);
    /* a loop */
    const struct ent e5[] = {{L, "x", "y"}, {L, "y", "x"}, {F, "x/f", "x"}};
    fresh_root();
    CHECK(unpack(e5, N(e5), &err) < 0);
    /* a hardlink through an escaping link */
    const struct ent e6[] = {{L, "out", "../sentinel"}, {H, "h", "out/file"}};
    fresh_root();
    CHECK(unpack(e6, N(e6), &err) < 0);
    CHECK(!exists_in(rootdir, "h"));
    CHECK(sentinel_intact());
}

static void test_hardlink_escape(void)
{
    struct waot_error err;
    const struct ent e1[] = {{H, "h", "../sentinel/file"}};
    fresh_root();
    CHECK(unpack(e1, N(e1), &err) < 0);
    CHECK(!exists_in(rootdir, "h"));
    char target[600];
    snprintf(target, sizeof target, "%s/file", sentinel);
    const struct ent e2[] = {{H, "h2", target}}; /* absolute: looked up inside the root */
    fresh_root();
    CHECK(unpack(e2, N(e2), &err) < 0);
    CHECK(!exists_in(rootdir, "h2"));
    const struct ent e3[] = {{L, "link", sentinel}, {H, "h3", "link/file"}};
    fresh_root();
    CHECK(unpack(e3, N(e3), &err) < 0);
    CHECK(!exists_in(rootdir, "h3"));
    /* a hardlink to an inside symlink links the symlink itself; writing it later replaces */
    const struct ent e4[] = {{L, "link", target}, {H, "h4", "link"}, {F, "h4", "evil"}};
    fresh_root();
    CHECK(unpack(e4, N(e4), &err) == 0);
    CHECK(sentinel_intact());
    struct stat sb;
    char p[600];
    snprintf(p, sizeof p, "%s/file", sentinel);
    CHECK(stat(p, &sb) == 0 && sb.st_nlink == 1);
}

static void test_devices_and_limits(void)
{
    struct waot_error err;
    const struct ent dev[] = {{D, "dev/", NULL}, {C, "dev/null2", NULL}, {F, "ok", "fine"}};
    fresh_root();
    CHECK(unpack(dev, N(dev), &err) == 0);
    CHECK(!exists_in(rootdir, "dev/null2"));
    CHECK(exists_in(rootdir, "ok"));
    /* a huge header: a 100 000-byte pax path */
    size_t len = 100000;
    char *huge = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        huge[i] = (i % 100 == 99) ? '/' : 'a';
    huge[len] = '\0';
    const struct ent big[] = {{F, huge, "x"}};
    fresh_root();
    CHECK(unpack(big, N(big), &err) < 0);
    CHECK(count_entries(rootdir) == 0);
    free(huge);
    /* a long symlink target */
    char *tgt = malloc(8193);
    memset(tgt, 'b', 8192);
    tgt[8192] = '\0';
    const struct ent lt[] = {{L, "lt", tgt}};
    fresh_root();
    CHECK(unpack(lt, N(lt), &err) < 0);
    free(tgt);
    /* a file over the size limit */
    struct image_unpack_limits lim;
    image_unpack_default_limits(&lim);
    lim.max_file = 8;
    const struct ent fat[] = {{F, "fat", "0123456789abcdef"}};
    fresh_root();
    CHECK(unpack_lim(fat, N(fat), NULL, &lim, &err) < 0);
    CHECK(strstr(err.msg, "too large") != NULL);
    CHECK(!exists_in(rootdir, "fat"));
    lim.max_file = 1 << 20;
    lim.max_entries = 2;
    const struct ent many[] = {{F, "a", "1"}, {F, "b", "2"}, {F, "c", "3"}};
    fresh_root();
    CHECK(unpack_lim(many, N(many), NULL, &lim, &err) < 0);
}

static void test_whiteouts_and_filters(void)
{
    struct waot_error err;
    struct image_unpack_limits lim;
    image_unpack_default_limits(&lim);
    const struct ent l1[] = {{F, "a/f1", "1"}, {F, "a/f2", "2"}, {F, "b/g", "3"}, {F, "c", "4"}};
    const struct ent l2[] = {{F, "a/.wh.f1", ""}, {F, ".wh.b", ""}, {F, ".wh.nothere", ""}};
    const struct ent l3[] = {{F, "a/.wh..wh..opq", ""}, {F, "a/f3", "5"}, {F, "x/.wh.y", ""}};
    fresh_root();
    CHECK(unpack_lim(l1, N(l1), "gzip", &lim, &err) == 0);
    CHECK(exists_in(rootdir, "a/f1") && exists_in(rootdir, "b/g"));
    CHECK(unpack_lim(l2, N(l2), "zstd", &lim, &err) == 0);
    CHECK(!exists_in(rootdir, "a/f1") && exists_in(rootdir, "a/f2") && !exists_in(rootdir, "b"));
    CHECK(!exists_in(rootdir, "a/.wh.f1") && !exists_in(rootdir, ".wh.b"));
    CHECK(unpack_lim(l3, N(l3), NULL, &lim, &err) == 0);
    CHECK(!exists_in(rootdir, "a/f2") && exists_in(rootdir, "a/f3") && exists_in(rootdir, "c"));
    CHECK(!exists_in(rootdir, "a/.wh..wh..opq") && !exists_in(rootdir, "x"));
    /* whiteouts of "." and "..": refused, the root and its parent stay */
    const struct ent wdot[] = {{F, ".wh..", ""}};
    const struct ent wdotdot[] = {{F, ".wh...", ""}};
    const struct ent wsub[] = {{F, "a/.wh...", ""}};
    CHECK(unpack_lim(wdot, N(wdot), NULL, &lim, &err) < 0);
    CHECK(unpack_lim(wdotdot, N(wdotdot), NULL, &lim, &err) < 0);
    CHECK(unpack_lim(wsub, N(wsub), NULL, &lim, &err) < 0);
    CHECK(exists_in(rootdir, "a/f3") && exists_in(rootdir, "c"));
    CHECK(sentinel_intact());
}

static void test_diff_id(void)
{
    struct waot_error err = {0};
    struct image_unpack_limits lim;
    image_unpack_default_limits(&lim);
    const struct ent e[] = {{F, "m.wasm", "module"}};
    make_tar(layer, e, N(e), "gzip");
    /* the diff_id is the SHA-256 of the uncompressed tar */
    make_tar(layer, e, N(e), NULL);
    char raw[IMAGE_DIGEST_SIZE];
    CHECK(image_file_digest(layer, raw, &err) == 0);
    make_tar(layer, e, N(e), "gzip");
    fresh_root();
    CHECK(image_unpack_layer(root_fd, layer, raw, &lim, &err) == 0);
    CHECK(exists_in(rootdir, "m.wasm"));
    fresh_root();
    const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    CHECK(image_unpack_layer(root_fd, layer, wrong, &lim, &err) < 0);
    CHECK(strstr(err.msg, "diff_id") != NULL);
    CHECK(count_entries(rootdir) == 0);
}

static void test_blobs(void)
{
    struct waot_error err = {0};
    char store[300], file[300], digest[IMAGE_DIGEST_SIZE], blobs[400];
    snprintf(store, sizeof store, "%s/store", base);
    snprintf(blobs, sizeof blobs, "%s/blobs/sha256", store);
    snprintf(file, sizeof file, "%s/blob.bin", base);
    setenv("WAOT_IMAGE_DIR", store, 1);
    struct image_store st;
    CHECK(image_store_open(&st, NULL, &err) == 0);
    FILE *f = fopen(file, "w");
    fputs("layer bytes", f);
    fclose(f);
    const char *wrong = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    CHECK(image_blob_import_file(&st, file, wrong, UINT64_MAX, digest, &err) < 0);
    CHECK(strstr(err.msg, "digest mismatch") != NULL);
    CHECK(count_entries(blobs) == 0);
    char right[IMAGE_DIGEST_SIZE];
    CHECK(image_file_digest(file, right, &err) == 0);
    CHECK(image_blob_import_file(&st, file, right, 5, digest, &err) < 0); /* wrong size */
    CHECK(count_entries(blobs) == 0);
    CHECK(image_blob_import_file(&st, file, right, 11, digest, &err) == 0);
    CHECK(strcmp(digest, right) == 0);
    CHECK(image_blob_has(&st, right, 11) == 1 && image_blob_has(&st, right, 12) == 0);
    char *text = NULL;
    size_t len = 0;
    CHECK(image_blob_read(&st, right, 11, 1024, &text, &len, &err) == 0 && len == 11);
    free(text);
    /* blobs in the (private) store were verified when written and are not hashed again on
     * every read: a stored blob changed behind our back is read as it is now */
    char path[IMAGE_PATH_MAX];
    CHECK(image_blob_path(&st, right, path, sizeof path, &err) == 0);
    f = fopen(path, "r+");
    fputs("L", f);
    fclose(f);
    CHECK(image_blob_read(&st, right, 11, 1024, &text, &len, &err) == 0 &&
          strcmp(text, "Layer bytes") == 0);
    free(text);
    /* ... but one whose size changed is refused */
    f = fopen(path, "a");
    fputs("!", f);
    fclose(f);
    CHECK(image_blob_read(&st, right, 11, 1024, &text, &len, &err) < 0);
    CHECK(image_blob_path(&st, "sha512:abc", path, sizeof path, &err) < 0);
    image_store_close(&st);
    unsetenv("WAOT_IMAGE_DIR");
}

int main(void)
{
    snprintf(base, sizeof base, "/tmp/waot-test-unpack-XXXXXX");
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(rootdir, sizeof rootdir, "%s/root", base);
    snprintf(sentinel, sizeof sentinel, "%s/sentinel", base);
    snprintf(layer, sizeof layer, "%s/layer.tar", base);
    mkdir(sentinel, 0755);
    char sf[400];
    snprintf(sf, sizeof sf, "%s/file", sentinel);
    FILE *f = fopen(sf, "w");
    fputs("orig", f);
    fclose(f);

    test_benign();
    test_traversal();
    test_symlink_escape();
    test_symlink_inside();
    test_hardlink_escape();
    test_devices_and_limits();
    test_whiteouts_and_filters();
    test_diff_id();
    test_blobs();
    CHECK(sentinel_intact());

    if (root_fd >= 0)
        close(root_fd);
    int tfd = open("/tmp", O_RDONLY | O_DIRECTORY);
    image_remove_tree(tfd, base + 5);
    close(tfd);
    return check_summary("test_image_unpack");
}
