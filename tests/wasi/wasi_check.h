/*
 * Tiny check helpers shared by the WASI guest programs in tests/wasi/. Each program prints
 * a line per failed check and a summary, and exits 0 only when every check passed.
 *
 * Build: /usr/lib/llvm-16/bin/clang --target=wasm32-wasi -O2 NAME.c -o NAME.wasm
 * Run (environment exactly as listed, nothing inherited):
 *   args_env           args: one "two words" 3; env: WAOT_A=alpha WAOT_B=
 *   fs_basic, escape   an empty writable directory preopened as "/"
 *   readonly           a directory holding f.txt, preopened read-only as "/"
 *   clock_poll_random  nothing
 *   stdio_sock         nothing; stdout is "to stdout\ndone writing\n" + the summary line
 *   exit_code          args: 42; exit status 42, stdout "exiting with 42\n"
 */
#ifndef WAOT_TESTS_WASI_CHECK_H
#define WAOT_TESTS_WASI_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int check_failed, check_passed;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            check_passed++;                                                          \
        } else {                                                                     \
            check_failed++;                                                          \
            printf("FAIL %s:%d: %s (errno %d %s)\n", __FILE__, __LINE__, #cond, errno, \
                   strerror(errno));                                                 \
        }                                                                            \
    } while (0)

/* expr must fail with errno e */
#define CHECK_ERRNO(expr, e)                                                         \
    do {                                                                             \
        errno = 0;                                                                   \
        long r_ = (long)(expr);                                                      \
        int got_ = errno;                                                            \
        if (r_ < 0 && got_ == (e)) {                                                 \
            check_passed++;                                                          \
        } else {                                                                     \
            check_failed++;                                                          \
            printf("FAIL %s:%d: %s = %ld errno %d (%s), expected errno %d (%s)\n",    \
                   __FILE__, __LINE__, #expr, r_, got_, strerror(got_), (e),         \
                   strerror(e));                                                     \
        }                                                                            \
    } while (0)

static int check_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
