/*
 * The checking harness of the C unit tests (tests/unit/test_*.c): the pass and fail
 * counters, CHECK and CHECK_MSG, and check_summary() for the line every test ends with,
 * "N passed, N failed". Macros and static inline functions only, so that each test stays
 * one .c file and one executable. A test with checks of its own kind (a table of cases, an
 * equality that prints both values) counts them in `passed` and `failed` directly.
 */
#ifndef WAOT_TESTS_UNIT_CHECK_H
#define WAOT_TESTS_UNIT_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int passed, failed;

/* Counts one check; a failed one is reported on stderr as "FILE:LINE: check failed: "
 * and the printf-style message. Returns ok, so that a test can skip what depends on it. */
static inline int check_at(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int check_at(int ok, const char *file, int line, const char *fmt, ...)
{
    if (ok) {
        passed++;
        return 1;
    }
    failed++;
    fprintf(stderr, "%s:%d: check failed: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 0;
}

/* CHECK(cond) reports the condition's text; CHECK_MSG(cond, fmt, ...) a message instead,
 * for the values that explain a failure. Both evaluate cond once and yield its truth. */
#define CHECK(cond) check_at(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...) check_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Prints "NAME: N passed, N failed" (or without "NAME: " when name is NULL) on stdout and
 * returns the exit status for main: 1 when any check failed, else 0. */
static inline int check_summary(const char *name)
{
    if (name)
        printf("%s: ", name);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
