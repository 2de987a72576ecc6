/*
 * Private structs of runtime/wasi/: the ctx, its descriptor table, preview1 constants
 * (rights, file types, flags as the witx numbers them), the path resolver's entry points
 * and the implementations of every preview1 function. Nothing outside runtime/wasi/ (and
 * tests/unit/test_wasi.c) includes this header.
 *
 * Every implementation has the same shape: it reads its arguments from args (in witx
 * order, i32 or i64), uses w->mem for guest memory, and returns a WASI errno; returning
 * -1 means "fail the call" with err filled (only proc_exit does that).
 */
#ifndef WAOT_WASI_INTERNAL_H
#define WAOT_WASI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "wasi.h"
#include "wasi_errno.h"
#include "wasi_mem.h"

/* ---- witx constants ---- */

#define WASI_RIGHT_FD_DATASYNC (1ull << 0)
#define WASI_RIGHT_FD_READ (1ull << 1)
#define WASI_RIGHT_FD_SEEK (1ull << 2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define WASI_RIGHT_FD_SYNC (1ull << 4)
#define WASI_RIGHT_FD_TELL (1ull << 5)
#define WASI_RIGHT_FD_WRITE (1ull << 6)
#define WASI_RIGHT_FD_ADVISE (1ull << 7)
#define WASI_RIGHT_FD_ALLOCATE (1ull << 8)
#define WASI_RIGHT_PATH_CREATE_DIRECTORY (1ull << 9)
#define WASI_RIGHT_PATH_CREATE_FILE (1ull << 10)
#define WASI_RIGHT_PATH_LINK_SOURCE (1ull << 11)
#define WASI_RIGHT_PATH_LINK_TARGET (1ull << 12)
#define WASI_RIGHT_PATH_OPEN (1ull << 13)
#define WASI_RIGHT_FD_READDIR (1ull << 14)
#define WASI_RIGHT_PATH_READLINK (1ull << 15)
#define WASI_RIGHT_PATH_RENAME_SOURCE (1ull << 16)
#define WASI_RIGHT_PATH_RENAME_TARGET (1ull << 17)
#define WASI_RIGHT_PATH_FILESTAT_GET (1ull << 18)
#define WASI_RIGHT_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define WASI_RIGHT_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define WASI_RIGHT_FD_FILESTAT_GET (1ull << 21)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE (1ull << 22)
#define WASI_RIGHT_FD_FILESTAT_SET_TIMES (1ull << 23)
#define WASI_RIGHT_PATH_SYMLINK (1ull << 24)
#define WASI_RIGHT_PATH_REMOVE_DIRECTORY (1ull << 25)
#define WASI_RIGHT_PATH_UNLINK_FILE (1ull << 26)
#define WASI_RIGHT_POLL_FD_READWRITE (1ull << 27)
#define WASI_RIGHT_SOCK_SHUTDOWN (1ull << 28)
#define WASI_RIGHT_SOCK_ACCEPT (1ull << 29)
#define WASI_RIGHTS_ALL ((1ull << 30) - 1)

/* Rights that modify the file system (refused below a read-only preopen). */
#define WASI_RIGHTS_WRITE_FILE (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_WRITE | \
    WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_FILESTAT_SET_SIZE)

enum {
    WASI_FILETYPE_UNKNOWN = 0,
    WASI_FILETYPE_BLOCK_DEVICE = 1,
    WASI_FILETYPE_CHARACTER_DEVICE = 2,
    WASI_FILETYPE_DIRECTORY = 3,
    WASI_FILETYPE_REGULAR_FILE = 4,
    WASI_FILETYPE_SOCKET_DGRAM = 5,
    WASI_FILETYPE_SOCKET_STREAM = 6,
    WASI_FILETYPE_SYMBOLIC_LINK = 7,
};

#define WASI_FDFLAG_APPEND 1u
#define WASI_FDFLAG_DSYNC 2u
#define WASI_FDFLAG_NONBLOCK 4u
#define WASI_FDFLAG_RSYNC 8u
#define WASI_FDFLAG_SYNC 16u

#define WASI_OFLAG_CREAT 1u
#define WASI_OFLAG_DIRECTORY 2u
#define WASI_OFLAG_EXCL 4u
#define WASI_OFLAG_TRUNC 8u

#define WASI_LOOKUP_SYMLINK_FOLLOW 1u

#define WASI_FSTFLAG_ATIM 1u
#define WASI_FSTFLAG_ATIM_NOW 2u
#define WASI_FSTFLAG_MTIM 4u
#define WASI_FSTFLAG_MTIM_NOW 8u

/* ---- ctx and descriptor table ---- */

enum wasi_fd_kind {
    WASI_FD_STDIO,     /* host fd not owned */
    WASI_FD_FILE,      /* anything opened by path_open that is not a directory */
    WASI_FD_DIR,       /* directory: host fd may be O_PATH (preopens) */
    WASI_FD_SOCKET,
};

struct wasi_fd {
    bool used;
    enum wasi_fd_kind kind;
    int host;                 /* host descriptor */
    uint8_t filetype;         /* WASI_FILETYPE_* */
    bool readonly;            /* below a read-only preopen */
    bool opath;               /* host is an O_PATH descriptor */
    uint64_t rights, inherit;
    char *preopen_name;       /* guest path of a preopened directory, else NULL */
};

struct wasi_binding {
    struct wasi_ctx *w;
    const struct wasi_func_desc *desc;
    struct waot_func *func;   /* created on first link */
};

struct wasi_ctx {
    struct wasi_mem mem;         /* refreshed at each call */
    struct waot_memory *memory;
    char *args_buf;              /* argv strings, each NUL-terminated */
    uint32_t argc, args_len;
    char *env_buf;
    uint32_t envc, env_len;
    struct wasi_fd *fds;
    uint32_t nfds;               /* slots allocated */
    struct wasi_binding *bindings;  /* one per wasi_func_desc */
};

typedef int (*wasi_impl)(struct wasi_ctx *w, const struct waot_val *args, struct waot_error *err);

struct wasi_func_desc {
    const char *name;
    const char *params;       /* one letter per parameter: 'i' i32, 'I' i64 */
    bool has_result;          /* the errno (every function but proc_exit) */
    wasi_impl impl;
};

/* wasi_ctx.c: the function table, and a direct call for tests (same path as the guest). */
const struct wasi_func_desc *wasi_ctx_find_func(const char *name);
/* The i-th entry of the table, NULL past the end (tests walk every function). */
const struct wasi_func_desc *wasi_ctx_func_at(size_t i);
int wasi_ctx_invoke(struct wasi_ctx *w, const char *name, const struct waot_val *args,
                    struct waot_val *results, struct waot_error *err);

/* wasi_fd.c */
/* Entry for guest fd, or NULL when not open. */
struct wasi_fd *wasi_fd_lookup(struct wasi_ctx *w, uint32_t fd);
/* Looks fd up: 0 or EBADF. Rights are not checked (see wasi_fd.c). */
uint32_t wasi_fd_get(struct wasi_ctx *w, uint32_t fd, struct wasi_fd **out);
/* Same, for a directory (path calls): also ENOTDIR. */
uint32_t wasi_fd_get_dir(struct wasi_ctx *w, uint32_t fd, struct wasi_fd **out);
/* Installs e in the lowest free slot; returns 0 and the number in *fd, or an errno. */
uint32_t wasi_fd_insert(struct wasi_ctx *w, const struct wasi_fd *e, uint32_t *fd);
/* Closes what the entry owns and frees the slot. */
void wasi_fd_release(struct wasi_fd *e);
/* WASI file type of a host stat. */
uint8_t wasi_fd_filetype(const struct stat *st, int host);
/* A descriptor usable for I/O on e (reopens "." of an O_PATH directory); *owned says the
 * caller must close it. Returns -1 with errno set on failure. */
int wasi_fd_usable(const struct wasi_fd *e, bool *owned);

/* wasi_path.c: resolution beneath a directory descriptor. Returns a new host fd or -errno.
 * flags are host open flags; O_NOFOLLOW applies to the last component only. Escapes
 * (absolute paths, `..` above the start, absolute symlinks) fail with -EPERM. */
int wasi_path_open(int dirfd, const char *path, int flags, mode_t mode);
/* Resolves all but the last component of path (following symlinks beneath dirfd) and
 * returns a new O_PATH directory fd or -errno; *base points into path at the last
 * component (trailing slashes kept), or is "." when that component is "." or "..". */
int wasi_path_parent(int dirfd, const char *path, const char **base);
/* Copies guest path [ptr, ptr+len) into a NUL-terminated heap string; 0 or an errno
 * (EFAULT, EINVAL for an embedded NUL, EILSEQ for ill-formed UTF-8, ENAMETOOLONG, ENOMEM). */
uint32_t wasi_path_copy(struct wasi_ctx *w, uint32_t ptr, uint32_t len, char **out);
/* Tests: force the component-by-component walk even when openat2 exists. */
extern bool wasi_path_force_walk;

/* wasi_file.c: converts a guest iovec array into host iovecs, at most WASI_IOV_MAX of them
 * (more make a short transfer); 0 or EFAULT. */
#define WASI_IOV_MAX 1024
struct iovec;
uint32_t wasi_file_iovs(struct wasi_ctx *w, uint32_t iovs, uint32_t n, struct iovec *out,
                        int *count);

/* wasi_clock.c: host clock of a WASI clock id; 0 or EINVAL. */
uint32_t wasi_clock_host(uint32_t id, clockid_t *out);

/* ---- implementations (one per preview1 function) ---- */
#define WASI_IMPL(fn) int fn(struct wasi_ctx *w, const struct waot_val *a, struct waot_error *err)

WASI_IMPL(wasi_args_args_get);
WASI_IMPL(wasi_args_args_sizes_get);
WASI_IMPL(wasi_args_environ_get);
WASI_IMPL(wasi_args_environ_sizes_get);
WASI_IMPL(wasi_args_proc_exit);
WASI_IMPL(wasi_args_proc_raise);
WASI_IMPL(wasi_args_sched_yield);
WASI_IMPL(wasi_clock_res_get);
WASI_IMPL(wasi_clock_time_get);
WASI_IMPL(wasi_fd_close);
WASI_IMPL(wasi_fd_renumber);
WASI_IMPL(wasi_fd_fdstat_get);
WASI_IMPL(wasi_fd_fdstat_set_flags);
WASI_IMPL(wasi_fd_fdstat_set_rights);
WASI_IMPL(wasi_fd_prestat_get);
WASI_IMPL(wasi_fd_prestat_dir_name);
WASI_IMPL(wasi_file_fd_advise);
WASI_IMPL(wasi_file_fd_allocate);
WASI_IMPL(wasi_file_fd_datasync);
WASI_IMPL(wasi_file_fd_sync);
WASI_IMPL(wasi_file_fd_filestat_get);
WASI_IMPL(wasi_file_fd_filestat_set_size);
WASI_IMPL(wasi_file_fd_filestat_set_times);
WASI_IMPL(wasi_file_fd_pread);
WASI_IMPL(wasi_file_fd_pwrite);
WASI_IMPL(wasi_file_fd_read);
WASI_IMPL(wasi_file_fd_write);
WASI_IMPL(wasi_file_fd_seek);
WASI_IMPL(wasi_file_fd_tell);
WASI_IMPL(wasi_file_path_open);
WASI_IMPL(wasi_file_path_filestat_get);
WASI_IMPL(wasi_file_path_filestat_set_times);
WASI_IMPL(wasi_dir_fd_readdir);
WASI_IMPL(wasi_dir_path_create_directory);
WASI_IMPL(wasi_dir_path_link);
WASI_IMPL(wasi_dir_path_readlink);
WASI_IMPL(wasi_dir_path_remove_directory);
WASI_IMPL(wasi_dir_path_rename);
WASI_IMPL(wasi_dir_path_symlink);
WASI_IMPL(wasi_dir_path_unlink_file);
WASI_IMPL(wasi_poll_oneoff);
WASI_IMPL(wasi_random_get);
WASI_IMPL(wasi_sock_accept);
WASI_IMPL(wasi_sock_recv);
WASI_IMPL(wasi_sock_send);
WASI_IMPL(wasi_sock_shutdown);

/* Argument accessors for implementations. */
#define ARG32(i) (a[(i)].of.i32)
#define ARG64(i) (a[(i)].of.i64)

#endif
