/*
 * Runner for WASI preview1 conformance tests (WebAssembly/wasi-testsuite layout) and for
 * waot's own WASI guest programs: shared declarations of its three parts.
 *
 *   wasi_suite.c       reads the test spec (NAME.json), runs its operations, reports
 *   wasi_suite_fs.c    the temporary copy of a test folder: copy, *.cleanup, snapshot, remove
 *   wasi_suite_proc.c  one `waot run` child with stdin/stdout/stderr on pipes and deadlines
 *
 * Errors are reported the project's way: -1/NULL plus a filled struct waot_error.
 */
#ifndef WAOT_TESTS_WASI_SUITE_H
#define WAOT_TESTS_WASI_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "waot/waot.h"

/* ---- wasi_suite_fs.c ---- */

/* Copies the tree at src into the existing directory dst (regular files, directories,
 * symlinks). Copies are made writable by their owner: the shared suite is read-only. */
int wasi_suite_fs_copy(const char *src, const char *dst, struct waot_error *err);
/* Removes path and everything below it (never follows symlinks); a missing path is fine. */
int wasi_suite_fs_remove(const char *path, struct waot_error *err);
/* Removes every file or directory named *.cleanup below dir, as the suite's runner does
 * before and after each run. */
int wasi_suite_fs_cleanup(const char *dir, struct waot_error *err);
/* A text listing (one line per entry: type, size, mtime, path relative to dir) of the tree at
 * dir, sorted, leaving out the subtree at skip (an absolute path; NULL skips nothing).
 * Compared before and after a run, it shows whether the guest wrote outside its preopen.
 * The caller frees it. */
char *wasi_suite_fs_snapshot(const char *dir, const char *skip, struct waot_error *err);

/* ---- wasi_suite_proc.c ---- */

struct wasi_suite_buf {
    char *data;
    size_t len, cap;
    size_t pos;  /* how much the read operations consumed */
    bool eof;
};

struct wasi_suite_proc {
    pid_t pid;                 /* -1 once reaped */
    int in_fd, out_fd, err_fd; /* our ends of the pipes; -1 when closed */
    struct wasi_suite_buf out, err;
    int status;                /* wait status once reaped */
};

/* Seconds on a monotonic clock. */
double wasi_suite_proc_now(void);
/* Starts argv[0] (a path) with argv in directory cwd and the runner's environment, its
 * stdio on fresh pipes. */
int wasi_suite_proc_start(struct wasi_suite_proc *p, char *const argv[], const char *cwd,
                          struct waot_error *err);
/* Reads the child's stdout and stderr until the chosen buffer (1 = stdout, 2 = stderr) holds
 * at least want bytes, reaches end of file, or the deadline passes (-1, WAOT_E_IO). want of
 * SIZE_MAX reads to end of file. */
int wasi_suite_proc_fill(struct wasi_suite_proc *p, int which, size_t want, double deadline,
                         struct waot_error *err);
/* Writes len bytes to the child's stdin. */
int wasi_suite_proc_write(struct wasi_suite_proc *p, const char *buf, size_t len,
                          struct waot_error *err);
/* Closes stdin, reads both outputs to end of file and reaps the child. Past the deadline the
 * child is killed and the call fails. */
int wasi_suite_proc_wait(struct wasi_suite_proc *p, double deadline, struct waot_error *err);
/* Kills and reaps a child still running, closes the pipes and frees the buffers. */
void wasi_suite_proc_fini(struct wasi_suite_proc *p);

#endif
