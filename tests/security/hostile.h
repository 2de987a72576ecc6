/*
 * Shared by the hostile guests of tests/security (wasm32-wasi C programs): the preview1
 * imports declared raw, so that every argument (pointers, lengths, flags, descriptor
 * numbers) reaches waot exactly as written and wasi-libc cannot check or rewrite it first
 * (its open() resolves absolute paths by preopen prefix, its wrappers call strlen). The
 * signatures are the witx ones, identical to wasi-libc's own imports.
 *
 * Each guest prints one line per check, "ok NAME" or "FAIL NAME: ...", and exits with the
 * number of failures (capped at 100), so the test script sees both the verdict and why.
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WASI_IMPORT(name) \
    __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

WASI_IMPORT(args_get) int32_t raw_args_get(int32_t, int32_t);
WASI_IMPORT(args_sizes_get) int32_t raw_args_sizes_get(int32_t, int32_t);
WASI_IMPORT(environ_get) int32_t raw_environ_get(int32_t, int32_t);
WASI_IMPORT(environ_sizes_get) int32_t raw_environ_sizes_get(int32_t, int32_t);
WASI_IMPORT(clock_res_get) int32_t raw_clock_res_get(int32_t, int32_t);
WASI_IMPORT(clock_time_get) int32_t raw_clock_time_get(int32_t, int64_t, int32_t);
WASI_IMPORT(fd_advise) int32_t raw_fd_advise(int32_t, int64_t, int64_t, int32_t);
WASI_IMPORT(fd_allocate) int32_t raw_fd_allocate(int32_t, int64_t, int64_t);
WASI_IMPORT(fd_close) int32_t raw_fd_close(int32_t);
WASI_IMPORT(fd_datasync) int32_t raw_fd_datasync(int32_t);
WASI_IMPORT(fd_fdstat_get) int32_t raw_fd_fdstat_get(int32_t, int32_t);
WASI_IMPORT(fd_fdstat_set_flags) int32_t raw_fd_fdstat_set_flags(int32_t, int32_t);
WASI_IMPORT(fd_fdstat_set_rights) int32_t raw_fd_fdstat_set_rights(int32_t, int64_t, int64_t);
WASI_IMPORT(fd_filestat_get) int32_t raw_fd_filestat_get(int32_t, int32_t);
WASI_IMPORT(fd_filestat_set_size) int32_t raw_fd_filestat_set_size(int32_t, int64_t);
WASI_IMPORT(fd_filestat_set_times)
int32_t raw_fd_filestat_set_times(int32_t, int64_t, int64_t, int32_t);
WASI_IMPORT(fd_pread) int32_t raw_fd_pread(int32_t, int32_t, int32_t, int64_t, int32_t);
WASI_IMPORT(fd_prestat_get) int32_t raw_fd_prestat_get(int32_t, int32_t);
WASI_IMPORT(fd_prestat_dir_name) int32_t raw_fd_prestat_dir_name(int32_t, int32_t, int32_t);
WASI_IMPORT(fd_pwrite) int32_t raw_fd_pwrite(int32_t, int32_t, int32_t, int64_t, int32_t);
WASI_IMPORT(fd_read) int32_t raw_fd_read(int32_t, int32_t, int32_t, int32_t);
WASI_IMPORT(fd_readdir) int32_t raw_fd_readdir(int32_t, int32_t, int32_t, int64_t, int32_t);
WASI_IMPORT(fd_renumber) int32_t raw_fd_renumber(int32_t, int32_t);
WASI_IMPORT(fd_seek) int32_t raw_fd_seek(int32_t, int64_t, int32_t, int32_t);
WASI_IMPORT(fd_sync) int32_t raw_fd_sync(int32_t);
WASI_IMPORT(fd_tell) int32_t raw_fd_tell(int32_t, int32_t);
WASI_IMPORT(fd_write) int32_t raw_fd_write(int32_t, int32_t, int32_t, int32_t);
WASI_IMPORT(path_create_directory) int32_t raw_path_create_directory(int32_t, int32_t, int32_t);
WASI_IMPORT(path_filestat_get)
int32_t raw_path_filestat_get(int32_t, int32_t, int32_t, int32_t, int32_t);
WASI_IMPORT(path_filestat_set_times)
int32_t raw_path_filestat_set_times(int32_t, int32_t, int32_t, int32_t, int64_t, int64_t,
                                    int32_t);
WASI_IMPORT(path_link)
int32_t raw_path_link(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
WASI_IMPORT(path_open)
int32_t raw_path_open(int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t,
                      int32_t);
WASI_IMPORT(path_readlink)
int32_t raw_path_readlink(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
WASI_IMPORT(path_remove_directory) int32_t raw_path_remove_directory(int32_t, int32_t, int32_t);
WASI_IMPORT(path_rename)
int32_t raw_path_rename(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
WASI_IMPORT(path_symlink) int32_t raw_path_symlink(int32_t, int32_t, int32_t, int32_t, int32_t);
WASI_IMPORT(path_unlink_file) int32_t raw_path_unlink_file(int32_t, int32_t, int32_t);
WASI_IMPORT(poll_oneoff) int32_t raw_poll_oneoff(int32_t, int32_t, int32_t, int32_t);
WASI_IMPORT(proc_raise) int32_t raw_proc_raise(int32_t);
WASI_IMPORT(sched_yield) int32_t raw_sched_yield(void);
WASI_IMPORT(random_get) int32_t raw_random_get(int32_t, int32_t);
WASI_IMPORT(sock_accept) int32_t raw_sock_accept(int32_t, int32_t, int32_t);
WASI_IMPORT(sock_recv)
int32_t raw_sock_recv(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
WASI_IMPORT(sock_send) int32_t raw_sock_send(int32_t, int32_t, int32_t, int32_t, int32_t);
WASI_IMPORT(sock_shutdown) int32_t raw_sock_shutdown(int32_t, int32_t);

/* WASI errno values (witx numbering) the checks expect. */
enum {
    E_OK = 0, E_BADF = 8, E_EXIST = 20, E_FAULT = 21, E_FBIG = 22, E_ILSEQ = 25,
    E_INVAL = 28, E_ISDIR = 31, E_LOOP = 32, E_MFILE = 33, E_NAMETOOLONG = 37, E_NFILE = 41,
    E_NOENT = 44, E_NOSYS = 52, E_NOTDIR = 54, E_NOTEMPTY = 55, E_NOTSOCK = 57,
    E_NOTSUP = 58, E_PERM = 63, E_NOTCAPABLE = 76,
};

/* Rights, lookup and open flags (witx). */
#define R_FD_READ (1ull << 1)
#define R_FD_SEEK (1ull << 2)
#define R_FD_WRITE (1ull << 6)
#define R_FD_READDIR (1ull << 14)
#define R_FILESTAT_SET_SIZE (1ull << 22)
#define R_READ (R_FD_READ | R_FD_SEEK)
#define R_ALL ((1ull << 30) - 1)
#define LOOKUP_FOLLOW 1
#define O_CREAT_ 1
#define O_DIRECTORY_ 2
#define O_EXCL_ 4
#define O_TRUNC_ 8
#define FDFLAG_APPEND 1

static int failures;

/* Address of a guest object as the i32 WASI sees. */
#define P(x) ((int32_t)(uintptr_t)(x))
#define LEN(s) ((int32_t)strlen(s))

static inline void check(const char *name, int32_t got, int32_t want)
{
    if (got == want) {
        printf("ok %s\n", name);
    } else {
        printf("FAIL %s: errno %d, expected %d\n", name, (int)got, (int)want);
        failures++;
    }
}

static inline int finish(void)
{
    printf("%d failures\n", failures);
    fflush(stdout);
    return failures > 100 ? 100 : failures;
}

#endif
