/*
 * WASI preview1 tests without a compiled guest: the host functions are called directly
 * through wasi_ctx_invoke (the same path the guest's calls take) on a host-made linear
 * memory, with a temporary directory tree preopened read-write and read-only. Escape
 * attempts run twice: with openat2 (when the kernel has it) and with the fallback walk.
 */
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "waot/compiler.h"
#include "wasi/wasi_internal.h"
#include "check.h"

/* Compares two integers; a failure shows the value got and the one expected. */
#define CHECK_EQ(a, b)                                                                  \
    do {                                                                                \
        long long va_ = (long long)(a), vb_ = (long long)(b);                           \
        CHECK_MSG(va_ == vb_, "%s == %lld, expected %lld", #a, va_, vb_);               \
    } while (0)

static struct wasi_ctx *ctx;
static struct waot_memory *mem;
static struct waot_error err;
static char root[64];        /* temp dir: sandbox/, ro/, outside.txt */
static int out_pipe[2];

/* Calls a WASI function with integer arguments; returns its errno, or -1 when it failed. */
static int call(const char *name, ...)
{
    const struct wasi_func_desc *d = wasi_ctx_find_func(name);
    if (!d) {
        fprintf(stderr, "no wasi function %s\n", name);
        return -2;
    }
    struct waot_val args[16], res[1];
    va_list ap;
    va_start(ap, name);
    for (size_t i = 0; d->params[i]; i++) {
        args[i].type = d->params[i] == 'I' ? WAOT_I64 : WAOT_I32;
        uint64_t v = va_arg(ap, uint64_t);
        if (d->params[i] == 'I')
            args[i].of.i64 = v;
        else
            args[i].of.i32 = (uint32_t)v;
    }
    va_end(ap);
    memset(res, 0, sizeof res);
    if (wasi_ctx_invoke(ctx, name, args, res, &err) < 0)
        return -1;
    return d->has_result ? (int)res[0].of.i32 : 0;
}

#define C(name, ...) call(name, __VA_ARGS__)
#define U(x) ((uint64_t)(x))

static uint8_t *M(uint32_t off) { return waot_memory_data(mem) + off; }
static uint32_t ld32(uint32_t off) { return wasi_mem_ld32(M(off)); }
static uint64_t ld64(uint32_t off) { return wasi_mem_ld64(M(off)); }
static void st32(uint32_t off, uint32_t v) { wasi_mem_st32(M(off), v); }
/* Puts a string at off (no NUL) and returns its length. */
static uint32_t put(uint32_t off, const char *s)
{
    memcpy(M(off), s, strlen(s));
    return (uint32_t)strlen(s);
}

/* Scratch layout in the 64 KiB memory. */
enum { PATH = 1024, OUT = 2048, IOV = 3072, BUF = 4096, BIG = 8192 };

#define RIGHTS_RW (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK | \
    WASI_RIGHT_FD_TELL | WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_SIZE | \
    WASI_RIGHT_FD_READDIR | WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_FD_FDSTAT_SET_FLAGS)

/* path_open beneath dirfd; returns errno, the fd in *fd. */
static int open_at(uint32_t dirfd, const char *path, uint32_t lookup, uint32_t oflags,
                   uint64_t rights, uint32_t fdflags, uint32_t *fd)
{
    uint32_t n = put(PATH, path);
    st32(OUT, 0xffffffff);
    int r = C("path_open", U(dirfd), U(lookup), U(PATH), U(n), U(oflags), U(rights),
              U(rights), U(fdflags), U(OUT));
    *fd = ld32(OUT);
    return r;
}

static int write_str(uint32_t fd, const char *s)
{
    uint32_t n = put(BUF, s);
    st32(IOV, BUF);
    st32(IOV + 4, n);
    return C("fd_write", U(fd), U(IOV), U(1), U(OUT));
}

static void host_write(const char *rel, const char *content)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(content, f);
        fclose(f);
    }
}

static bool host_exists(const char *rel)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", root, rel);
    return lstat(p, &st) == 0;
}

static void host_symlink(const char *target, const char *rel)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    if (symlink(target, p) < 0)
        perror("symlink");
}

static void host_mkdir(const char *rel)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    mkdir(p, 0755);
}

/* ---- tests ---- */

static void test_args(void)
{
    CHECK_EQ(C("args_sizes_get", U(OUT), U(OUT + 4)), 0);
    CHECK_EQ(ld32(OUT), 3);
    CHECK_EQ(ld32(OUT + 4), 5 + 4 + 2);
    CHECK_EQ(C("args_get", U(OUT), U(BUF)), 0);
    CHECK_EQ(ld32(OUT), BUF);
    CHECK_EQ(ld32(OUT + 4), BUF + 5);
    CHECK_EQ(ld32(OUT + 8), BUF + 9);
    CHECK(memcmp(M(BUF), "prog\0a b\0c\0", 11) == 0);
    CHECK_EQ(C("environ_sizes_get", U(OUT), U(OUT + 4)), 0);
    CHECK_EQ(ld32(OUT), 2);
    CHECK_EQ(ld32(OUT + 4), 8 + 3);
    CHECK_EQ(C("environ_get", U(OUT), U(BUF)), 0);
    CHECK(memcmp(M(BUF), "A=x y=z\0B=\0", 11) == 0);
    CHECK_EQ(ld32(OUT + 4), BUF + 8);
    /* out of bounds */
    CHECK_EQ(C("args_get", U(65534), U(BUF)), WASI_EFAULT);
    CHECK_EQ(C("args_get", U(OUT), U(65530)), WASI_EFAULT);
    CHECK_EQ(C("environ_sizes_get", U(0xfffffffe), U(OUT)), WASI_EFAULT);
}

static void test_stdio(void)
{
    CHECK_EQ(write_str(1, "hello"), 0);
    CHECK_EQ(ld32(OUT), 5);
    /* two iovecs */
    put(BUF, " big");
    put(BUF + 100, " world");
    st32(IOV, BUF);
    st32(IOV + 4, 4);
    st32(IOV + 8, BUF + 100);
    st32(IOV + 12, 6);
    CHECK_EQ(C("fd_write", U(1), U(IOV), U(2), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 10);
    char got[32] = {0};
    CHECK_EQ(read(out_pipe[0], got, sizeof got - 1), 15);
    CHECK(strcmp(got, "hello big world") == 0);
    /* faults */
    st32(IOV, 65530);
    st32(IOV + 4, 10);
    CHECK_EQ(C("fd_write", U(1), U(IOV), U(1), U(OUT)), WASI_EFAULT);
    CHECK_EQ(C("fd_write", U(1), U(65532), U(1), U(OUT)), WASI_EFAULT);
    CHECK_EQ(C("fd_write", U(1), U(IOV), U(0x20000000), U(OUT)), WASI_EFAULT);
    CHECK_EQ(C("fd_write", U(1), U(IOV), U(0), U(65534)), WASI_EFAULT);
    CHECK_EQ(C("fd_write", U(77), U(IOV), U(0), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_read", U(1), U(IOV), U(0), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_seek", U(1), U(0), U(0), U(OUT)), WASI_ESPIPE);
    CHECK_EQ(C("fd_fdstat_get", U(1), U(OUT)), 0);
    CHECK(ld64(OUT + 8) & WASI_RIGHT_FD_WRITE);
    CHECK(!(ld64(OUT + 8) & WASI_RIGHT_FD_SEEK));
    CHECK_EQ(C("fd_fdstat_set_flags", U(1), U(WASI_FDFLAG_NONBLOCK)), WASI_ENOTSUP);
    CHECK_EQ(C("fd_fdstat_set_flags", U(1), U(wasi_mem_ld16(M(OUT + 2)))), 0);
}

static void test_prestat(void)
{
    CHECK_EQ(C("fd_prestat_get", U(3), U(OUT)), 0);
    CHECK_EQ(M(OUT)[0], 0);
    CHECK_EQ(ld32(OUT + 4), 8);
    CHECK_EQ(C("fd_prestat_dir_name", U(3), U(BUF), U(8)), 0);
    CHECK(memcmp(M(BUF), "/sandbox", 8) == 0);
    CHECK_EQ(C("fd_prestat_dir_name", U(3), U(BUF), U(4)), WASI_ENAMETOOLONG);
    CHECK_EQ(C("fd_prestat_get", U(1), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_prestat_get", U(50), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_prestat_get", U(4), U(OUT)), 0);
    CHECK_EQ(ld32(OUT + 4), 3);
    CHECK_EQ(C("fd_fdstat_get", U(3), U(OUT)), 0);
    CHECK_EQ(M(OUT)[0], WASI_FILETYPE_DIRECTORY);
}

static void test_file_io(void)
{
    uint32_t fd;
    CHECK_EQ(open_at(3, "new.txt", 0, WASI_OFLAG_CREAT | WASI_OFLAG_EXCL, RIGHTS_RW, 0, &fd), 0);
    CHECK(fd > 4 && fd < 100);
    CHECK_EQ(write_str(fd, "abcdef"), 0);
    CHECK_EQ(ld32(OUT), 6);
    CHECK_EQ(C("fd_tell", U(fd), U(OUT)), 0);
    CHECK_EQ(ld64(OUT), 6);
    CHECK_EQ(C("fd_seek", U(fd), U(-2), U(1), U(OUT)), 0);
    CHECK_EQ(ld64(OUT), 4);
    CHECK_EQ(C("fd_seek", U(fd), U(0), U(7), U(OUT)), WASI_EINVAL);
    CHECK_EQ(C("fd_seek", U(fd), U(-100), U(0), U(OUT)), WASI_EINVAL);
    CHECK_EQ(C("fd_seek", U(fd), U(0), U(0), U(OUT)), 0);
    st32(IOV, BUF);
    st32(IOV + 4, 100);
    memset(M(BUF), 0, 100);
    CHECK_EQ(C("fd_read", U(fd), U(IOV), U(1), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 6);
    CHECK(memcmp(M(BUF), "abcdef", 6) == 0);
    /* pread / pwrite do not move the offset */
    put(BUF, "XY");
    st32(IOV + 4, 2);
    CHECK_EQ(C("fd_pwrite", U(fd), U(IOV), U(1), U(1), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 2);
    st32(IOV + 4, 4);
    CHECK_EQ(C("fd_pread", U(fd), U(IOV), U(1), U(0), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 4);
    CHECK(memcmp(M(BUF), "aXYd", 4) == 0);
    CHECK_EQ(C("fd_tell", U(fd), U(OUT)), 0);
    CHECK_EQ(ld64(OUT), 6);
    /* filestat */
    CHECK_EQ(C("fd_filestat_get", U(fd), U(BIG)), 0);
    CHECK_EQ(M(BIG)[16], WASI_FILETYPE_REGULAR_FILE);
    CHECK_EQ(ld64(BIG + 32), 6);
    CHECK_EQ(ld64(BIG + 24), 1);
    CHECK_EQ(C("fd_filestat_set_size", U(fd), U(3)), 0);
    CHECK_EQ(C("fd_filestat_get", U(fd), U(BIG)), 0);
    CHECK_EQ(ld64(BIG + 32), 3);
    CHECK_EQ(C("fd_filestat_set_times", U(fd), U(5000000000ull), U(7000000000ull),
               U(WASI_FSTFLAG_ATIM | WASI_FSTFLAG_MTIM)), 0);
    CHECK_EQ(C("fd_filestat_get", U(fd), U(BIG)), 0);
    CHECK_EQ(ld64(BIG + 40), 5000000000ull);
    CHECK_EQ(ld64(BIG + 48), 7000000000ull);
    CHECK_EQ(C("fd_filestat_set_times", U(fd), U(0), U(0),
               U(WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW)), WASI_EINVAL);
    CHECK_EQ(C("fd_filestat_get", U(fd), U(65530)), WASI_EFAULT);
    CHECK_EQ(C("fd_sync", U(fd)), 0);
    CHECK_EQ(C("fd_datasync", U(fd)), 0);
    CHECK_EQ(C("fd_advise", U(fd), U(0), U(0), U(9)), WASI_EINVAL);
    CHECK_EQ(C("fd_advise", U(fd), U(0), U(0), U(4)), 0);
    CHECK_EQ(C("fd_allocate", U(fd), U(0), U(100)), WASI_ENOTSUP);
    /* path_filestat_get agrees */
    uint32_t n = put(PATH, "new.txt");
    CHECK_EQ(C("path_filestat_get", U(3), U(0), U(PATH), U(n), U(BIG)), 0);
    CHECK_EQ(ld64(BIG + 32), 3);
    /* renumber and close */
    uint32_t fd2;
    CHECK_EQ(open_at(3, "new.txt", 0, 0, WASI_RIGHT_FD_READ, 0, &fd2), 0);
    CHECK_EQ(C("fd_renumber", U(fd), U(fd2)), 0);
    CHECK_EQ(C("fd_tell", U(fd), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_tell", U(fd2), U(OUT)), 0);
    CHECK_EQ(ld64(OUT), 6);
    CHECK_EQ(C("fd_close", U(fd2)), 0);
    CHECK_EQ(C("fd_close", U(fd2)), WASI_EBADF);
    /* read-only open refuses writes */
    CHECK_EQ(open_at(3, "new.txt", 0, 0, WASI_RIGHT_FD_READ, 0, &fd), 0);
    CHECK_EQ(write_str(fd, "zz"), WASI_EBADF);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    /* append mode: writes go to the end, pwrite to its offset */
    CHECK_EQ(open_at(3, "new.txt", 0, 0, RIGHTS_RW, WASI_FDFLAG_APPEND, &fd), 0);
    CHECK_EQ(write_str(fd, "12"), 0);
    CHECK_EQ(C("fd_filestat_get", U(fd), U(BIG)), 0);
    CHECK_EQ(ld64(BIG + 32), 5);
    CHECK_EQ(C("fd_fdstat_get", U(fd), U(OUT)), 0);
    CHECK_EQ(wasi_mem_ld16(M(OUT + 2)), WASI_FDFLAG_APPEND);
    put(BUF, "Q");
    st32(IOV, BUF);
    st32(IOV + 4, 1);
    CHECK_EQ(C("fd_pwrite", U(fd), U(IOV), U(1), U(0), U(OUT)), 0);
    CHECK_EQ(C("fd_filestat_get", U(fd), U(BIG)), 0);
    CHECK_EQ(ld64(BIG + 32), 5);
    CHECK_EQ(C("fd_fdstat_set_flags", U(fd), U(0)), 0);
    CHECK_EQ(C("fd_fdstat_get", U(fd), U(OUT)), 0);
    CHECK_EQ(wasi_mem_ld16(M(OUT + 2)), 0);
    /* rights can shrink, never grow (and, as in wasmtime, are only reported) */
    CHECK_EQ(C("fd_fdstat_set_rights", U(fd), U(WASI_RIGHT_FD_READ), U(0)), 0);
    CHECK_EQ(C("fd_fdstat_set_rights", U(fd), U(RIGHTS_RW), U(0)), WASI_ENOTCAPABLE);
    CHECK_EQ(C("fd_fdstat_get", U(fd), U(OUT)), 0);
    CHECK_EQ(ld64(OUT + 8), WASI_RIGHT_FD_READ);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    /* opening a file as a directory, trailing slash, missing file */
    CHECK_EQ(open_at(3, "new.txt", 0, WASI_OFLAG_DIRECTORY, WASI_RIGHT_FD_READ, 0, &fd),
             WASI_ENOTDIR);
    CHECK_EQ(open_at(3, "new.txt/", 0, 0, WASI_RIGHT_FD_READ, 0, &fd), WASI_ENOTDIR);
    CHECK_EQ(open_at(3, "nope.txt", 0, 0, WASI_RIGHT_FD_READ, 0, &fd), WASI_ENOENT);
    CHECK_EQ(open_at(3, "new.txt", 0, WASI_OFLAG_CREAT | WASI_OFLAG_EXCL, RIGHTS_RW, 0, &fd),
             WASI_EEXIST);
    CHECK_EQ(open_at(3, "", 0, 0, WASI_RIGHT_FD_READ, 0, &fd), WASI_ENOENT);
    CHECK_EQ(open_at(3, "bad\xc3(", 0, 0, WASI_RIGHT_FD_READ, 0, &fd), WASI_EILSEQ);
    CHECK_EQ(open_at(3, "\xed\xa0\x80", 0, 0, WASI_RIGHT_FD_READ, 0, &fd), WASI_EILSEQ);
    CHECK_EQ(open_at(3, "caf\xc3\xa9", 0, 0, WASI_RIGHT_FD_READ, 0, &fd), WASI_ENOENT);
    memcpy(M(PATH), "new.txt\0", 8);
    CHECK_EQ(C("path_open", U(3), U(0), U(PATH), U(8), U(0), U(0), U(0), U(0), U(OUT)),
             WASI_EINVAL);
    CHECK_EQ(open_at(1, "new.txt", 0, 0, WASI_RIGHT_FD_READ, 0, &fd), WASI_ENOTDIR);
    CHECK_EQ(C("path_open", U(3), U(0), U(65530), U(20), U(0), U(0), U(0), U(0), U(OUT)),
             WASI_EFAULT);
    CHECK_EQ(C("path_open", U(3), U(0), U(PATH), U(3), U(0), U(0), U(0), U(0), U(65534)),
             WASI_EFAULT);
}

static void test_dirs(void)
{
    uint32_t n = put(PATH, "rd");
    CHECK_EQ(C("path_create_directory", U(3), U(PATH), U(n)), 0);
    CHECK_EQ(C("path_create_directory", U(3), U(PATH), U(n)), WASI_EEXIST);
    const char *names[] = {"a1", "b22", "c333", "d4444", "e55555"};
    char rel[64];
    for (int i = 0; i < 5; i++) {
        snprintf(rel, sizeof rel, "sandbox/rd/%s", names[i]);
        host_write(rel, "x");
    }
    uint32_t fd;
    CHECK_EQ(open_at(3, "rd", 0, WASI_OFLAG_DIRECTORY, RIGHTS_RW, 0, &fd), 0);
    CHECK_EQ(C("fd_fdstat_get", U(fd), U(OUT)), 0);
    CHECK_EQ(M(OUT)[0], WASI_FILETYPE_DIRECTORY);
    /* one big read: 7 entries including . and .. */
    CHECK_EQ(C("fd_readdir", U(fd), U(BIG), U(4096), U(0), U(OUT)), 0);
    uint32_t used = ld32(OUT), off = 0;
    int count = 0, seen = 0;
    uint64_t cookies[16];
    while (off + 24 <= used) {
        uint32_t nl = ld32(BIG + off + 16);
        char name[64] = {0};
        memcpy(name, M(BIG + off + 24), nl);
        cookies[count] = ld64(BIG + off);
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            seen |= 1 << (name[1] == '.' ? 5 : 6);
        for (int i = 0; i < 5; i++)
            if (strcmp(name, names[i]) == 0) {
                seen |= 1 << i;
                CHECK_EQ(M(BIG + off + 20)[0], WASI_FILETYPE_REGULAR_FILE);
            }
        count++;
        off += 24 + nl;
    }
    CHECK_EQ(count, 7);
    CHECK_EQ(seen, 0x7f);
    CHECK_EQ(off, used);
    /* resuming at each cookie yields the rest, in the same order */
    for (int k = 0; k < count; k++) {
        CHECK_EQ(C("fd_readdir", U(fd), U(BUF), U(1000), U(cookies[k]), U(OUT)), 0);
        int rest = 0;
        for (uint32_t o = 0; o + 24 <= ld32(OUT); o += 24 + ld32(BUF + o + 16))
            rest++;
        CHECK_EQ(rest, count - 1 - k);
        if (k + 1 < count)
            CHECK_EQ(ld64(BUF), cookies[k + 1]);
    }
    /* a buffer too small: filled completely, the last entry cut */
    CHECK_EQ(C("fd_readdir", U(fd), U(BUF), U(30), U(0), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 30);
    CHECK_EQ(ld64(BUF), cookies[0]);
    CHECK_EQ(C("fd_readdir", U(fd), U(BUF), U(10), U(0), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 10);
    CHECK_EQ(C("fd_readdir", U(fd), U(65530), U(100), U(0), U(OUT)), WASI_EFAULT);
    CHECK_EQ(C("fd_readdir", U(1), U(BUF), U(100), U(0), U(OUT)), WASI_ENOTDIR);
    /* readdir of a preopen works too */
    CHECK_EQ(C("fd_readdir", U(3), U(BIG), U(4096), U(0), U(OUT)), 0);
    CHECK(ld32(OUT) > 24);
    CHECK_EQ(C("fd_close", U(fd)), 0);

    /* remove, unlink, rename, symlink, readlink, link */
    n = put(PATH, "rd");
    CHECK_EQ(C("path_remove_directory", U(3), U(PATH), U(n)), WASI_ENOTEMPTY);
    n = put(PATH, "rd/a1");
    CHECK_EQ(C("path_unlink_file", U(3), U(PATH), U(n)), 0);
    CHECK(!host_exists("sandbox/rd/a1"));
    CHECK_EQ(C("path_unlink_file", U(3), U(PATH), U(n)), WASI_ENOENT);
    n = put(PATH, "rd");
    CHECK_EQ(C("path_unlink_file", U(3), U(PATH), U(n)), WASI_EISDIR);
    n = put(PATH, "rd/b22/");
    CHECK_EQ(C("path_unlink_file", U(3), U(PATH), U(n)), WASI_ENOTDIR);
    uint32_t n1 = put(PATH, "rd/b22"), n2 = put(PATH + 100, "moved");
    CHECK_EQ(C("path_rename", U(3), U(PATH), U(n1), U(3), U(PATH + 100), U(n2)), 0);
    CHECK(host_exists("sandbox/moved") && !host_exists("sandbox/rd/b22"));
    n1 = put(PATH, "moved");
    n2 = put(PATH + 100, "lnk");
    CHECK_EQ(C("path_symlink", U(PATH), U(n1), U(3), U(PATH + 100), U(n2)), 0);
    CHECK_EQ(C("path_readlink", U(3), U(PATH + 100), U(n2), U(BUF), U(100), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 5);
    CHECK(memcmp(M(BUF), "moved", 5) == 0);
    CHECK_EQ(C("path_readlink", U(3), U(PATH + 100), U(n2), U(BUF), U(3), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 3);
    CHECK_EQ(C("path_readlink", U(3), U(PATH), U(n1), U(BUF), U(100), U(OUT)), WASI_EINVAL);
    CHECK_EQ(C("path_filestat_get", U(3), U(0), U(PATH + 100), U(n2), U(BIG)), 0);
    CHECK_EQ(M(BIG + 16)[0], WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK_EQ(C("path_filestat_get", U(3), U(1), U(PATH + 100), U(n2), U(BIG)), 0);
    CHECK_EQ(M(BIG + 16)[0], WASI_FILETYPE_REGULAR_FILE);
    n2 = put(PATH + 100, "hard");
    CHECK_EQ(C("path_link", U(3), U(0), U(PATH), U(n1), U(3), U(PATH + 100), U(n2)), 0);
    CHECK_EQ(C("path_filestat_get", U(3), U(0), U(PATH), U(n1), U(BIG)), 0);
    CHECK_EQ(ld64(BIG + 24), 2);
    n1 = put(PATH, "lnk");
    n2 = put(PATH + 100, "hard2");
    CHECK_EQ(C("path_link", U(3), U(1), U(PATH), U(n1), U(3), U(PATH + 100), U(n2)), WASI_EINVAL);
    CHECK_EQ(C("path_link", U(3), U(0), U(PATH), U(n1), U(3), U(PATH + 100), U(n2)), 0);
    CHECK_EQ(C("path_filestat_get", U(3), U(0), U(PATH + 100), U(n2), U(BIG)), 0);
    CHECK_EQ(M(BIG + 16)[0], WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK_EQ(C("path_unlink_file", U(3), U(PATH + 100), U(n2)), 0);
    n = put(PATH, "moved");
    CHECK_EQ(C("path_filestat_set_times", U(3), U(0), U(PATH), U(n), U(1000000000ull),
               U(2000000000ull), U(WASI_FSTFLAG_ATIM | WASI_FSTFLAG_MTIM)), 0);
    CHECK_EQ(C("path_filestat_get", U(3), U(0), U(PATH), U(n), U(BIG)), 0);
    CHECK_EQ(ld64(BIG + 48), 2000000000ull);
    n = put(PATH, "lnk");
    CHECK_EQ(C("path_filestat_set_times", U(3), U(1), U(PATH), U(n), U(0), U(3000000000ull),
               U(WASI_FSTFLAG_MTIM)), 0);
    n = put(PATH, "moved");
    CHECK_EQ(C("path_filestat_get", U(3), U(0), U(PATH), U(n), U(BIG)), 0);
    CHECK_EQ(ld64(BIG + 48), 3000000000ull);
    n = put(PATH, "rd/.");
    CHECK_EQ(C("path_create_directory", U(3), U(PATH), U(n)), WASI_EEXIST);
    n = put(PATH, "rd/c333");
    CHECK_EQ(C("path_unlink_file", U(3), U(PATH), U(n)), 0);
    n = put(PATH, "rd/d4444");
    CHECK_EQ(C("path_unlink_file", U(3), U(PATH), U(n)), 0);
    n = put(PATH, "rd/e55555");
    CHECK_EQ(C("path_unlink_file", U(3), U(PATH), U(n)), 0);
    n = put(PATH, "rd/");
    CHECK_EQ(C("path_remove_directory", U(3), U(PATH), U(n)), 0);
    CHECK(!host_exists("sandbox/rd"));
}

/* Expectations taken from wasmtime's preview1 test programs (rights 0 everywhere: wasmtime
 * does not enforce rights; directory descriptors refuse file operations with EBADF;
 * trailing slashes). */
static void test_wasmtime_behaviour(void)
{
    uint32_t dir, fd, n, n2;
    CHECK_EQ(open_at(3, ".", 0, WASI_OFLAG_DIRECTORY, 0, 0, &dir), 0);
    CHECK_EQ(C("fd_filestat_get", U(dir), U(BIG)), 0);
    CHECK_EQ(M(BIG + 16)[0], WASI_FILETYPE_DIRECTORY);
    uint64_t dir_ino = ld64(BIG + 8);
    CHECK_EQ(C("fd_prestat_dir_name", U(3), U(BUF), U(9)), 0);
    CHECK_EQ(C("fd_prestat_dir_name", U(3), U(BUF), U(0)), WASI_ENAMETOOLONG);
    st32(IOV, BUF);
    st32(IOV + 4, 16);
    CHECK_EQ(C("fd_read", U(dir), U(IOV), U(1), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_pread", U(dir), U(IOV), U(1), U(0), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_write", U(dir), U(IOV), U(1), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_pwrite", U(dir), U(IOV), U(1), U(0), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_seek", U(dir), U(0), U(1), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_tell", U(dir), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_advise", U(dir), U(0), U(0), U(4)), WASI_EBADF);
    CHECK_EQ(C("fd_allocate", U(dir), U(0), U(0)), WASI_EBADF);
    CHECK_EQ(C("fd_datasync", U(dir)), WASI_EBADF);
    CHECK_EQ(C("fd_sync", U(dir)), WASI_EBADF);
    CHECK_EQ(C("fd_fdstat_set_flags", U(dir), U(WASI_FDFLAG_NONBLOCK)), WASI_EBADF);
    CHECK_EQ(C("fd_filestat_set_size", U(dir), U(0)), WASI_EBADF);

    /* a directory opened with no rights still reads and creates (rights are not enforced) */
    CHECK_EQ(open_at(dir, "wt", 0, WASI_OFLAG_CREAT, 0, 0, &fd), 0);
    CHECK_EQ(C("fd_filestat_get", U(fd), U(BIG)), 0);
    uint64_t file_ino = ld64(BIG + 8);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    CHECK_EQ(C("fd_readdir", U(dir), U(BIG), U(4096), U(0), U(OUT)), 0);
    bool dot_ok = false, file_ok = false;
    for (uint32_t o = 0; o + 24 <= ld32(OUT); o += 24 + ld32(BIG + o + 16)) {
        if (ld32(BIG + o + 16) == 1 && M(BIG + o + 24)[0] == '.')
            dot_ok = ld64(BIG + o + 8) == dir_ino && M(BIG + o + 20)[0] == WASI_FILETYPE_DIRECTORY;
        if (ld32(BIG + o + 16) == 2 && memcmp(M(BIG + o + 24), "wt", 2) == 0)
            file_ok = ld64(BIG + o + 8) == file_ino;
    }
    CHECK(dot_ok);
    CHECK(file_ok);
    /* read-only and write-only opens, chosen by the rights */
    CHECK_EQ(open_at(dir, "wt", 0, 0, WASI_RIGHT_FD_WRITE, 0, &fd), 0);
    CHECK_EQ(C("fd_fdstat_get", U(fd), U(OUT)), 0);
    CHECK_EQ(ld64(OUT + 8) & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE), WASI_RIGHT_FD_WRITE);
    CHECK_EQ(C("fd_read", U(fd), U(IOV), U(1), U(OUT)), WASI_EBADF);
    CHECK_EQ(write_str(fd, "12345"), 0);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    CHECK_EQ(open_at(dir, "wt", 0, 0, WASI_RIGHT_FD_READ, 0, &fd), 0);
    CHECK_EQ(write_str(fd, "x"), WASI_EBADF);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    /* sync and append flags given at open are reported */
    CHECK_EQ(open_at(dir, "wt", 0, 0, WASI_RIGHT_FD_WRITE,
                     WASI_FDFLAG_APPEND | WASI_FDFLAG_SYNC, &fd), 0);
    CHECK_EQ(C("fd_fdstat_get", U(fd), U(OUT)), 0);
    CHECK_EQ(wasi_mem_ld16(M(OUT + 2)), WASI_FDFLAG_APPEND | WASI_FDFLAG_SYNC);
    CHECK_EQ(C("fd_close", U(fd)), 0);

    /* trailing slashes */
    uint32_t a = put(PATH, "wt/"), b = put(PATH + 100, "wt2");
    CHECK_EQ(C("path_rename", U(dir), U(PATH), U(a), U(dir), U(PATH + 100), U(b)), WASI_ENOTDIR);
    a = put(PATH, "wt");
    b = put(PATH + 100, "wt2/");
    CHECK_EQ(C("path_rename", U(dir), U(PATH), U(a), U(dir), U(PATH + 100), U(b)), WASI_ENOTDIR);
    CHECK_EQ(C("path_link", U(dir), U(0), U(PATH), U(a), U(dir), U(PATH + 100), U(b)), WASI_ENOENT);
    CHECK_EQ(C("path_link", U(dir), U(0), U(PATH), U(a), U(dir), U(PATH), U(a)), WASI_EEXIST);
    n = put(PATH, "src");
    n2 = put(PATH + 100, "tgt/");
    CHECK_EQ(C("path_symlink", U(PATH), U(n), U(dir), U(PATH + 100), U(n2)), WASI_ENOENT);
    n2 = put(PATH + 100, "wt/");
    CHECK_EQ(C("path_symlink", U(PATH), U(n), U(dir), U(PATH + 100), U(n2)), WASI_ENOTDIR);
    n2 = put(PATH + 100, "wt");
    CHECK_EQ(C("path_symlink", U(PATH), U(n), U(dir), U(PATH + 100), U(n2)), WASI_EEXIST);
    n = put(PATH, "wtdir");
    CHECK_EQ(C("path_create_directory", U(dir), U(PATH), U(n)), 0);
    n = put(PATH, "wtdir/");
    CHECK_EQ(C("path_unlink_file", U(dir), U(PATH), U(n)), WASI_EISDIR);
    n2 = put(PATH + 100, "wtdir/");
    CHECK_EQ(C("path_symlink", U(PATH), U(n), U(dir), U(PATH + 100), U(n2)), WASI_EEXIST);
    CHECK_EQ(open_at(dir, "wtdir/", 0, 0, 0, 0, &fd), 0);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    a = put(PATH, "wt");
    b = put(PATH + 100, "wtdir");
    CHECK_EQ(C("path_rename", U(dir), U(PATH), U(a), U(dir), U(PATH + 100), U(b)), WASI_EISDIR);
    CHECK_EQ(C("path_link", U(dir), U(0), U(PATH + 100), U(b), U(dir), U(PATH), U(a)), WASI_EEXIST);
    n = put(PATH, "wtdir");
    CHECK_EQ(C("path_remove_directory", U(dir), U(PATH), U(n)), 0);
    /* symlinks without follow */
    n = put(PATH, "target");
    CHECK_EQ(C("path_create_directory", U(dir), U(PATH), U(n)), 0);
    n2 = put(PATH + 100, "symlink");
    CHECK_EQ(C("path_symlink", U(PATH), U(n), U(dir), U(PATH + 100), U(n2)), 0);
    int e = open_at(dir, "symlink", 0, WASI_OFLAG_DIRECTORY, 0, 0, &fd);
    CHECK(e == WASI_ELOOP || e == WASI_ENOTDIR);
    CHECK_EQ(open_at(dir, "symlink", 0, 0, 0, 0, &fd), WASI_ELOOP);
    CHECK_EQ(open_at(dir, "symlink", 1, WASI_OFLAG_DIRECTORY, 0, 0, &fd), 0);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    CHECK_EQ(C("path_unlink_file", U(dir), U(PATH + 100), U(n2)), 0);
    n = put(PATH, "target");
    CHECK_EQ(C("path_remove_directory", U(dir), U(PATH), U(n)), 0);
    /* the whole interesting path */
    CHECK_EQ(open_at(dir, "sub/.//../sub/./in", 0, 0, 0, 0, &fd), 0);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    CHECK_EQ(open_at(dir, "sub/in///", 0, 0, 0, 0, &fd), WASI_ENOTDIR);
    CHECK_EQ(open_at(dir, "/sub/in", 0, 0, 0, 0, &fd), WASI_EPERM);
    n = put(PATH, "wt");
    CHECK_EQ(C("path_unlink_file", U(dir), U(PATH), U(n)), 0);
    /* closing a preopen */
    CHECK_EQ(C("fd_close", U(dir)), 0);
}

/* Escape attempts; run once per resolver. */
static void test_escapes(void)
{
    uint32_t fd;
    const uint64_t R = WASI_RIGHT_FD_READ;
    CHECK_EQ(open_at(3, "../outside.txt", 1, 0, R, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(3, "sub/../../outside.txt", 1, 0, R, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(3, "/etc/passwd", 1, 0, R, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(3, "abs/passwd", 1, 0, R, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(3, "abs", 1, 0, R, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(3, "up", 1, 0, R, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(3, "chain1", 1, 0, R, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(3, "sub/deep", 1, 0, R, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(3, "loop1", 1, 0, R, 0, &fd), WASI_ELOOP);
    CHECK_EQ(open_at(3, "loop1/x", 1, 0, R, 0, &fd), WASI_ELOOP);
    CHECK_EQ(open_at(3, "up", 0, 0, R, 0, &fd), WASI_ELOOP);
    CHECK_EQ(open_at(3, "file.txt/", 1, 0, R, 0, &fd), WASI_ENOTDIR);
    CHECK_EQ(open_at(3, "file.txt/..", 1, 0, R, 0, &fd), WASI_ENOTDIR);
    CHECK_EQ(open_at(3, "outdir/x", 1, WASI_OFLAG_CREAT, R | WASI_RIGHT_FD_WRITE, 0, &fd),
             WASI_EPERM);
    CHECK(!host_exists("x"));
    /* allowed: staying inside */
    CHECK_EQ(open_at(3, "sub/../file.txt", 1, 0, R, 0, &fd), 0);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    CHECK_EQ(open_at(3, "sub/in", 1, 0, R, 0, &fd), 0);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    CHECK_EQ(open_at(3, "sub/./in", 1, 0, R, 0, &fd), 0);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    uint32_t dot;
    CHECK_EQ(open_at(3, ".", 1, WASI_OFLAG_DIRECTORY, R, 0, &dot), 0);
    /* a directory fd below the preopen cannot climb out either */
    uint32_t sub;
    CHECK_EQ(open_at(3, "sub", 1, WASI_OFLAG_DIRECTORY, WASI_RIGHTS_ALL, 0, &sub), 0);
    CHECK_EQ(open_at(sub, "../file.txt", 1, 0, R, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(sub, "in", 1, 0, R, 0, &fd), 0);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    CHECK_EQ(C("fd_close", U(sub)), 0);
    /* stat and the name-space calls */
    uint32_t n = put(PATH, "up");
    CHECK_EQ(C("path_filestat_get", U(3), U(0), U(PATH), U(n), U(BIG)), 0);
    CHECK_EQ(M(BIG + 16)[0], WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK_EQ(C("path_filestat_get", U(3), U(1), U(PATH), U(n), U(BIG)), WASI_EPERM);
    n = put(PATH, "../outside.txt");
    CHECK_EQ(C("path_filestat_get", U(3), U(0), U(PATH), U(n), U(BIG)), WASI_EPERM);
    CHECK_EQ(C("path_unlink_file", U(3), U(PATH), U(n)), WASI_EPERM);
    CHECK(host_exists("outside.txt"));
    n = put(PATH, "../newdir");
    CHECK_EQ(C("path_create_directory", U(3), U(PATH), U(n)), WASI_EPERM);
    n = put(PATH, "abs/newdir");
    CHECK_EQ(C("path_create_directory", U(3), U(PATH), U(n)), WASI_EPERM);
    n = put(PATH, "..");
    CHECK_EQ(C("path_remove_directory", U(3), U(PATH), U(n)), WASI_EPERM);
    uint32_t n1 = put(PATH, "file.txt"), n2 = put(PATH + 100, "../stolen");
    CHECK_EQ(C("path_rename", U(3), U(PATH), U(n1), U(3), U(PATH + 100), U(n2)), WASI_EPERM);
    n2 = put(PATH + 100, "outdir/stolen");
    CHECK_EQ(C("path_rename", U(3), U(PATH), U(n1), U(3), U(PATH + 100), U(n2)), WASI_EPERM);
    CHECK_EQ(C("path_link", U(3), U(0), U(PATH), U(n1), U(3), U(PATH + 100), U(n2)), WASI_EPERM);
    CHECK(!host_exists("stolen"));
    n1 = put(PATH, "sub/deep/x");
    n2 = put(PATH + 100, "hl");
    CHECK_EQ(C("path_link", U(3), U(0), U(PATH), U(n1), U(3), U(PATH + 100), U(n2)), WASI_EPERM);
    n1 = put(PATH, "/etc");
    CHECK_EQ(C("path_symlink", U(PATH), U(n1), U(3), U(PATH + 100), U(n2)), WASI_EPERM);
    n = put(PATH, "sub/deep/");
    CHECK_EQ(C("path_readlink", U(3), U(PATH), U(n), U(BUF), U(100), U(OUT)), WASI_EPERM);
    n = put(PATH, "up");
    CHECK_EQ(C("path_readlink", U(3), U(PATH), U(n), U(BUF), U(100), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 14);
    n = put(PATH, "up");
    CHECK_EQ(C("path_filestat_set_times", U(3), U(1), U(PATH), U(n), U(0), U(0),
               U(WASI_FSTFLAG_MTIM_NOW)), WASI_EPERM);
    CHECK_EQ(C("fd_close", U(dot)), 0);
}

static void test_readonly(void)
{
    uint32_t fd;
    CHECK_EQ(open_at(4, "f.txt", 0, 0, WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE, 0, &fd),
             WASI_EPERM);
    CHECK_EQ(open_at(4, "g.txt", 0, WASI_OFLAG_CREAT, WASI_RIGHT_FD_READ, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(4, "f.txt", 0, WASI_OFLAG_TRUNC, WASI_RIGHT_FD_READ, 0, &fd), WASI_EPERM);
    CHECK_EQ(open_at(4, "f.txt", 0, 0, WASI_RIGHT_FD_READ, WASI_FDFLAG_APPEND, &fd), WASI_EPERM);
    CHECK_EQ(open_at(4, "f.txt", 0, 0, WASI_RIGHT_FD_READ | WASI_RIGHT_FD_FILESTAT_SET_TIMES,
                     0, &fd), 0);
    st32(IOV, BUF);
    st32(IOV + 4, 100);
    CHECK_EQ(C("fd_read", U(fd), U(IOV), U(1), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 2);
    CHECK_EQ(C("fd_filestat_set_times", U(fd), U(0), U(0), U(WASI_FSTFLAG_MTIM_NOW)), WASI_EPERM);
    CHECK_EQ(C("fd_close", U(fd)), 0);
    uint32_t n = put(PATH, "d");
    CHECK_EQ(C("path_create_directory", U(4), U(PATH), U(n)), WASI_EPERM);
    n = put(PATH, "f.txt");
    CHECK_EQ(C("path_unlink_file", U(4), U(PATH), U(n)), WASI_EPERM);
    uint32_t n2 = put(PATH + 100, "h.txt");
    CHECK_EQ(C("path_rename", U(4), U(PATH), U(n), U(4), U(PATH + 100), U(n2)), WASI_EPERM);
    CHECK_EQ(C("path_rename", U(4), U(PATH), U(n), U(3), U(PATH + 100), U(n2)), WASI_EPERM);
    CHECK_EQ(C("path_symlink", U(PATH), U(n), U(4), U(PATH + 100), U(n2)), WASI_EPERM);
    CHECK(host_exists("ro/f.txt") && !host_exists("ro/h.txt") && !host_exists("sandbox/h.txt"));
    /* directories opened below a read-only preopen stay read-only */
    uint32_t dfd;
    CHECK_EQ(open_at(4, ".", 0, WASI_OFLAG_DIRECTORY, WASI_RIGHTS_ALL, 0, &dfd), 0);
    CHECK_EQ(open_at(dfd, "f.txt", 0, 0, WASI_RIGHT_FD_WRITE, 0, &fd), WASI_EPERM);
    CHECK_EQ(C("fd_close", U(dfd)), 0);
}

static void test_clock_random_poll(void)
{
    CHECK_EQ(C("clock_time_get", U(1), U(0), U(OUT)), 0);
    uint64_t t0 = ld64(OUT);
    CHECK_EQ(C("clock_time_get", U(1), U(0), U(OUT)), 0);
    CHECK(ld64(OUT) >= t0);
    CHECK_EQ(C("clock_time_get", U(0), U(0), U(OUT)), 0);
    CHECK(ld64(OUT) > 1600000000ull * 1000000000ull);
    CHECK_EQ(C("clock_time_get", U(2), U(0), U(OUT)), 0);
    CHECK_EQ(C("clock_time_get", U(3), U(0), U(OUT)), 0);
    CHECK_EQ(C("clock_time_get", U(4), U(0), U(OUT)), WASI_EINVAL);
    CHECK_EQ(C("clock_time_get", U(1), U(0), U(65532)), WASI_EFAULT);
    CHECK_EQ(C("clock_res_get", U(1), U(OUT)), 0);
    CHECK(ld64(OUT) > 0);
    CHECK_EQ(C("clock_res_get", U(9), U(OUT)), WASI_EINVAL);

    memset(M(BUF), 0, 64);
    CHECK_EQ(C("random_get", U(BUF), U(64)), 0);
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero += M(BUF)[i] != 0;
    CHECK(nonzero > 32);
    CHECK_EQ(C("random_get", U(BUF), U(0)), 0);
    CHECK_EQ(C("random_get", U(65530), U(100)), WASI_EFAULT);

    /* a relative clock of 20 ms */
    memset(M(BIG), 0, 48 * 2);
    wasi_mem_st64(M(BIG), 0x1234);
    M(BIG)[8] = 0;
    st32(BIG + 16, 1);
    wasi_mem_st64(M(BIG + 24), 20000000);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_EQ(C("poll_oneoff", U(BIG), U(BUF), U(1), U(OUT)), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    CHECK(ms >= 19 && ms < 2000);
    CHECK_EQ(ld32(OUT), 1);
    CHECK_EQ(ld64(BUF), 0x1234);
    CHECK_EQ(wasi_mem_ld16(M(BUF + 8)), 0);
    CHECK_EQ(M(BUF + 10)[0], 0);
    /* a readable pipe (stdin) wins over a 10 s clock */
    CHECK_EQ(write(out_pipe[1], "abc", 3), 3);
    wasi_mem_st64(M(BIG + 24), 10000000000ull);
    wasi_mem_st64(M(BIG + 48), 0x99);
    M(BIG + 56)[0] = 1;
    st32(BIG + 64, 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_EQ(C("poll_oneoff", U(BIG), U(BUF), U(2), U(OUT)), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK(b.tv_sec - a.tv_sec < 5);
    CHECK_EQ(ld32(OUT), 1);
    CHECK_EQ(ld64(BUF), 0x99);
    CHECK_EQ(M(BUF + 10)[0], 1);
    CHECK_EQ(ld64(BUF + 16), 3);
    char junk[8];
    CHECK_EQ(read(out_pipe[0], junk, 3), 3);
    /* a closed fd fails the whole call (wasmtime) */
    st32(BIG + 64, 55);
    CHECK_EQ(C("poll_oneoff", U(BIG), U(BUF), U(2), U(OUT)), WASI_EBADF);
    /* an unknown clock comes back as an event carrying EINVAL */
    st32(BIG + 16, 9);
    CHECK_EQ(C("poll_oneoff", U(BIG), U(BUF), U(1), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 1);
    CHECK_EQ(wasi_mem_ld16(M(BUF + 8)), WASI_EINVAL);
    CHECK_EQ(C("poll_oneoff", U(BIG), U(BUF), U(0), U(OUT)), WASI_EINVAL);
    CHECK_EQ(C("poll_oneoff", U(65500), U(BUF), U(2), U(OUT)), WASI_EFAULT);
    CHECK_EQ(C("sched_yield", 0), 0);
    CHECK_EQ(C("proc_raise", U(6)), WASI_ENOSYS);
}

static void test_sockets(int sock_fd, int peer)
{
    CHECK_EQ(C("sock_shutdown", U(1), U(1)), WASI_ENOTSOCK);
    CHECK_EQ(C("sock_shutdown", U(3), U(1)), WASI_ENOTSOCK);
    CHECK_EQ(C("sock_shutdown", U(90), U(1)), WASI_EBADF);
    CHECK_EQ(C("sock_recv", U(1), U(IOV), U(1), U(0), U(OUT), U(OUT + 4)), WASI_ENOTSOCK);
    CHECK_EQ(C("sock_accept", U(1), U(0), U(OUT)), WASI_ENOTSOCK);
    CHECK_EQ(C("fd_prestat_get", U(sock_fd), U(OUT)), WASI_EBADF);
    CHECK_EQ(C("fd_fdstat_get", U(sock_fd), U(OUT)), 0);
    CHECK_EQ(M(OUT)[0], WASI_FILETYPE_SOCKET_STREAM);
    put(BUF, "ping");
    st32(IOV, BUF);
    st32(IOV + 4, 4);
    CHECK_EQ(C("sock_send", U(sock_fd), U(IOV), U(1), U(0), U(OUT)), 0);
    CHECK_EQ(ld32(OUT), 4);
    char got[8] = {0};
    CHECK_EQ(read(peer, got, 4), 4);
    CHECK(strcmp(got, "ping") == 0);
    CHECK_EQ(write(peer, "pong!", 5), 5);
    st32(IOV + 4, 16);
    CHECK_EQ(C("sock_recv", U(sock_fd), U(IOV), U(1), U(1), U(OUT), U(OUT + 4)), 0);
    CHECK_EQ(ld32(OUT), 5);
    CHECK_EQ(C("sock_recv", U(sock_fd), U(IOV), U(1), U(0), U(OUT), U(OUT + 4)), 0);
    CHECK_EQ(ld32(OUT), 5);
    CHECK(memcmp(M(BUF), "pong!", 5) == 0);
    CHECK_EQ(C("sock_shutdown", U(sock_fd), U(7)), WASI_EINVAL);
    CHECK_EQ(C("sock_shutdown", U(sock_fd), U(2)), 0);
    CHECK_EQ(read(peer, got, 4), 0);
}

static void test_exit_and_nomem(void)
{
    CHECK_EQ(C("proc_exit", U(7)), -1);
    CHECK_EQ(err.code, WAOT_E_EXIT);
    CHECK_EQ(err.exit_code, 7);
    wasi_set_memory(ctx, NULL);
    CHECK_EQ(C("args_sizes_get", U(OUT), U(OUT + 4)), WASI_EFAULT);
    CHECK_EQ(C("fd_write", U(1), U(IOV), U(1), U(OUT)), WASI_EFAULT);
    wasi_set_memory(ctx, mem);
}

/* ---- linking real modules (compiled here) ---- */

/* (module (import "wasi_snapshot_preview1" "fd_write" ...) (import ... "proc_exit" ...)
 *   (memory (export "memory") 1) iovec {32, 5} at 16, "hello" at 32
 *   (func (export "_start") fd_write(1, 16, 1, 8); proc_exit(9))) */
static const uint8_t good_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60, 0x04, 0x7f, 0x7f, 0x7f,
    0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x02, 0x46, 0x02, 0x16, 0x77, 0x61,
    0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76,
    0x69, 0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x00, 0x16,
    0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72,
    0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74,
    0x00, 0x01, 0x03, 0x02, 0x01, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6d,
    0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x02,
    0x0a, 0x13, 0x01, 0x11, 0x00, 0x41, 0x01, 0x41, 0x10, 0x41, 0x01, 0x41, 0x08, 0x10, 0x00, 0x1a,
    0x41, 0x09, 0x10, 0x01, 0x0b, 0x0b, 0x18, 0x02, 0x00, 0x41, 0x10, 0x0b, 0x08, 0x20, 0x00, 0x00,
    0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x41, 0x20, 0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
/* (module (import "wasi_snapshot_preview1" "bogus" (func (param i32))) ...) */
static const uint8_t bad_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00, 0x60,
    0x00, 0x00, 0x02, 0x20, 0x01, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73,
    0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x05, 0x62, 0x6f, 0x67,
    0x75, 0x73, 0x00, 0x00, 0x03, 0x02, 0x01, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61,
    0x72, 0x74, 0x00, 0x01, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
};

static struct waot_module *compile_module(const uint8_t *wasm, size_t len)
{
    const struct waot_compiler *c = waot_compiler_v1();
    struct waot_compile_options opt = {.opt_level = 0, .threads = 1};
    uint8_t *art;
    size_t alen;
    if (c->compile(wasm, len, &opt, &art, &alen, &err) < 0) {
        fprintf(stderr, "compile: %s\n", err.msg);
        return NULL;
    }
    struct waot_module *m = waot_module_open_memory(art, alen, &err);
    c->free_artifact(art);
    return m;
}

static void test_link_and_run(void)
{
    struct wasi_config cfg;
    wasi_config_init(&cfg);
    cfg.stdout_fd = out_pipe[1];
    struct wasi_ctx *w = wasi_create(&cfg, &err);
    CHECK(w != NULL);
    struct waot_module *bad = compile_module(bad_wasm, sizeof bad_wasm);
    CHECK(bad != NULL);
    if (w && bad) {
        struct waot_extern imp[1];
        CHECK_EQ(wasi_link(w, bad, imp, &err), -1);
        CHECK_EQ(err.code, WAOT_E_UNLINKABLE);
        CHECK(strstr(err.msg, "bogus") != NULL);
    }
    waot_module_close(bad);
    struct waot_module *good = compile_module(good_wasm, sizeof good_wasm);
    CHECK(good != NULL);
    if (w && good) {
        struct waot_extern imp[2];
        memset(imp, 0, sizeof imp);
        CHECK_EQ(wasi_link(w, good, imp, &err), 0);
        struct waot_instance *inst = waot_instance_create(good, imp, 2, &err);
        CHECK(inst != NULL);
        struct waot_extern ex;
        if (inst && waot_instance_export_find(inst, "memory", &ex) == 0)
            wasi_set_memory(w, ex.of.memory);
        if (inst && waot_instance_export_find(inst, "_start", &ex) == 0) {
            CHECK_EQ(waot_func_call(ex.of.func, NULL, 0, NULL, 0, &err), -1);
            CHECK_EQ(err.code, WAOT_E_EXIT);
            CHECK_EQ(err.exit_code, 9);
            char got[16] = {0};
            CHECK_EQ(read(out_pipe[0], got, sizeof got - 1), 5);
            CHECK(strcmp(got, "hello") == 0);
        }
        waot_instance_destroy(inst);
    }
    waot_module_close(good);
    wasi_destroy(w);
}

/* ---- a directory swapped for a symlink to the outside while the guest opens through it */

static volatile int swapping;

static void *swap_thread(void *arg)
{
    (void)arg;
    char dir[256], tmp[256];
    snprintf(dir, sizeof dir, "%s/sandbox/swap", root);
    snprintf(tmp, sizeof tmp, "%s/sandbox/swap.real", root);
    while (swapping) {
        if (rename(dir, tmp) == 0) {
            if (symlink("../outdir", dir) == 0)
                unlink(dir);
            rename(tmp, dir);
        }
    }
    return NULL;
}

static void test_swap_race(void)
{
    host_mkdir("sandbox/swap");
    host_write("sandbox/swap/secret", "inside");
    host_write("outdir/secret", "SECRET");
    pthread_t t;
    swapping = 1;
    if (pthread_create(&t, NULL, swap_thread, NULL) != 0) {
        CHECK(!"pthread_create");
        return;
    }
    int opened = 0, leaked = 0;
    for (int i = 0; i < 3000; i++) {
        uint32_t fd;
        if (open_at(3, "swap/secret", 1, 0, WASI_RIGHT_FD_READ, 0, &fd) != 0)
            continue;
        opened++;
        st32(IOV, BUF);
        st32(IOV + 4, 16);
        memset(M(BUF), 0, 16);
        if (C("fd_read", U(fd), U(IOV), U(1), U(OUT)) == 0 && memcmp(M(BUF), "SECRET", 6) == 0)
            leaked++;
        C("fd_close", U(fd));
    }
    swapping = 0;
    pthread_join(t, NULL);
    printf("swap race (%s): %d of 3000 opens succeeded, %d read outside\n",
           wasi_path_force_walk ? "walk" : "default", opened, leaked);
    CHECK_EQ(leaked, 0);
    uint32_t fd;
    CHECK_EQ(open_at(3, "swap/secret", 1, 0, WASI_RIGHT_FD_READ, 0, &fd), 0);
    C("fd_close", U(fd));
}

/* Every function with out-of-range pointers and lengths: an errno back, never a fault. */
static void test_bad_pointers(void)
{
    static const uint32_t ptrs[] = {0xfffffff0u, 65535, 65536, 0x80000000u};
    for (size_t i = 0; wasi_ctx_func_at(i); i++) {
        const struct wasi_func_desc *d = wasi_ctx_func_at(i);
        if (strcmp(d->name, "proc_exit") == 0 || strcmp(d->name, "fd_close") == 0 ||
            strcmp(d->name, "fd_renumber") == 0 || strcmp(d->name, "sched_yield") == 0 ||
            strcmp(d->name, "proc_raise") == 0 || strcmp(d->name, "fd_fdstat_set_rights") == 0)
            continue;
        /* calls without a pointer argument may well succeed */
        static const char *no_ptr = " fd_sync fd_datasync fd_advise fd_allocate "
                                    "fd_fdstat_set_flags fd_filestat_set_size "
                                    "fd_filestat_set_times sock_shutdown ";
        char key[40];
        snprintf(key, sizeof key, " %s ", d->name);
        bool may_succeed = strstr(no_ptr, key) != NULL;
        for (size_t k = 0; k < sizeof ptrs / sizeof ptrs[0]; k++) {
            for (uint32_t fd = 0; fd < 6; fd += 3) {
                struct waot_val args[16], res[1];
                for (size_t j = 0; d->params[j]; j++) {
                    args[j].type = d->params[j] == 'I' ? WAOT_I64 : WAOT_I32;
                    args[j].of.i64 = 0;
                    if (d->params[j] == 'i')
                        args[j].of.i32 = ptrs[k];
                }
                /* the descriptor argument, where there is one, names a real descriptor */
                if (strncmp(d->name, "fd_", 3) == 0 || strncmp(d->name, "path_", 5) == 0 ||
                    strncmp(d->name, "sock_", 5) == 0)
                    args[strcmp(d->name, "path_symlink") == 0 ? 2 : 0].of.i32 = fd;
                int r = wasi_ctx_invoke(ctx, d->name, args, res, &err);
                if (r != 0 || (res[0].of.i32 == 0 && !may_succeed) || res[0].of.i32 > 76) {
                    failed++;
                    fprintf(stderr, "%s with pointer 0x%x, fd %u: r=%d errno=%u\n", d->name,
                            ptrs[k], fd, r, res[0].of.i32);
                } else {
                    passed++;
                }
            }
        }
    }
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

int main(void)
{
    strcpy(root, "/tmp/waot_wasi_XXXXXX");
    if (!mkdtemp(root) || pipe(out_pipe) < 0) {
        perror("setup");
        return 1;
    }
    host_mkdir("sandbox");
    host_mkdir("sandbox/sub");
    host_mkdir("ro");
    host_mkdir("outdir");
    host_write("outside.txt", "secret");
    host_write("sandbox/file.txt", "inside");
    host_write("sandbox/sub/in", "in");
    host_write("ro/f.txt", "ro");
    host_symlink("/etc", "sandbox/abs");
    host_symlink("../outside.txt", "sandbox/up");
    host_symlink("chain2", "sandbox/chain1");
    host_symlink("sub/../../outside.txt", "sandbox/chain2");
    host_symlink("../../outdir", "sandbox/sub/deep");
    host_symlink("../outdir", "sandbox/outdir");
    host_symlink("loop2", "sandbox/loop1");
    host_symlink("loop1", "sandbox/loop2");

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        perror("socketpair");
        return 1;
    }
    char sandbox[128], ro[128];
    snprintf(sandbox, sizeof sandbox, "%s/sandbox", root);
    snprintf(ro, sizeof ro, "%s/ro", root);
    struct wasi_preopen pre[3] = {
        {.host_path = sandbox, .guest_path = "/sandbox"},
        {.host_path = ro, .guest_path = "/ro", .readonly = true},
        {.host_path = NULL, .sock_fd = sv[0]},
    };
    const char *argv[] = {"prog", "a b", "c"};
    const char *envp[] = {"A=x y=z", "B="};
    struct wasi_config cfg;
    wasi_config_init(&cfg);
    cfg.argc = 3;
    cfg.argv = argv;
    cfg.envc = 2;
    cfg.envp = envp;
    cfg.preopens = pre;
    cfg.npreopens = 3;
    cfg.stdin_fd = out_pipe[0];
    cfg.stdout_fd = out_pipe[1];

    /* a missing preopen is a clear error */
    struct wasi_preopen bad = {.host_path = "/nonexistent/dir", .guest_path = "/x"};
    struct wasi_config badcfg = cfg;
    badcfg.preopens = &bad;
    badcfg.npreopens = 1;
    CHECK(wasi_create(&badcfg, &err) == NULL);
    CHECK_EQ(err.code, WAOT_E_IO);
    CHECK(strstr(err.msg, "/nonexistent/dir") != NULL);

    int fds_before = count_fds();
    ctx = wasi_create(&cfg, &err);
    mem = waot_memory_create(1, 1, &err);
    if (!ctx || !mem) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    wasi_set_memory(ctx, mem);
    CHECK(wasi_ctx_find_func("fd_write") != NULL);
    CHECK(wasi_ctx_find_func("no_such_call") == NULL);

    test_args();
    test_stdio();
    test_prestat();
    test_file_io();
    test_dirs();
    test_wasmtime_behaviour();
    test_escapes();
    test_swap_race();
    wasi_path_force_walk = true;
    test_escapes();
    test_swap_race();
    {
        /* the walk also serves ordinary opens */
        uint32_t fd;
        CHECK_EQ(open_at(3, "sub/in", 1, 0, WASI_RIGHT_FD_READ, 0, &fd), 0);
        CHECK_EQ(C("fd_close", U(fd)), 0);
        CHECK_EQ(open_at(3, "created", 1, WASI_OFLAG_CREAT, RIGHTS_RW, 0, &fd), 0);
        CHECK_EQ(C("fd_close", U(fd)), 0);
        CHECK(host_exists("sandbox/created"));
    }
    wasi_path_force_walk = false;
    test_readonly();
    test_clock_random_poll();
    test_sockets(5, sv[1]);
    test_bad_pointers();
    test_exit_and_nomem();
    test_link_and_run();

    wasi_destroy(ctx);
    /* every descriptor the guest opened is gone, and the socket preopen with the ctx */
    CHECK_EQ(count_fds(), fds_before - 1);
    waot_memory_destroy(mem);
    close(sv[1]);
    close(out_pipe[0]);
    close(out_pipe[1]);
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return check_summary(NULL);
}
