/*
 * Confinement options of `waot run` (see run_limits.h). --seccomp=unconfined leaves the
 * process without its system call filter and says so on stderr each time, so that it is
 * never switched off unnoticed.
 */
#include "run_limits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A decimal number followed by a suffix; -1 when there is no number or it overflows. */
static int number(const char *text, uint64_t *n, const char **rest)
{
    if (!text || *text < '0' || *text > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno)
        return -1;
    *n = v;
    *rest = end;
    return 0;
}

static int scale(uint64_t n, uint64_t unit, uint64_t *out)
{
    if (n == 0 || n > UINT64_MAX / unit)
        return -1;
    *out = n * unit;
    return 0;
}

int run_limits_size(const char *text, uint64_t *out)
{
    uint64_t n;
    const char *u;
    if (number(text, &n, &u) < 0)
        return -1;
    static const struct { const char *s; unsigned shift; } units[] = {
        {"", 0}, {"b", 0}, {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20}, {"mb", 20},
        {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40}, {"tb", 40}, {"tib", 40},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcasecmp(u, units[i].s) == 0)
            return scale(n, UINT64_C(1) << units[i].shift, out);
    return -1;
}

int run_limits_duration(const char *text, uint64_t *out)
{
    uint64_t n;
    const char *u;
    if (number(text, &n, &u) < 0)
        return -1;
    static const struct { const char *s; uint64_t ns; } units[] = {
        {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"", 1000000000}, {"s", 1000000000},
        {"m", UINT64_C(60000000000)}, {"h", UINT64_C(3600000000000)},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(u, units[i].s) == 0)
            return scale(n, units[i].ns, out);
    return -1;
}

/* "--name VALUE" or "--name=VALUE": 1 and *value (NULL when missing), or 0. */
static int take(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
        return 0;
    *value = a[n] == '=' ? a + n + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
    return 1;
}

static int bad(const char *opt, const char *value, const char *what)
{
    fprintf(stderr, "waot: run: %s %s: expected %s\n", opt, value ? value : "(missing)", what);
    return -1;
}

int run_limits_option(int argc, char **argv, int *i, struct launch_spec *s)
{
    const char *v = NULL;
    if (take(argc, argv, i, "--seccomp", &v)) {
        if (!v || (strcmp(v, "unconfined") != 0 && strcmp(v, "default") != 0))
            return bad("--seccomp", v, "\"unconfined\" or \"default\"");
        s->seccomp_unconfined = strcmp(v, "unconfined") == 0;
        if (s->seccomp_unconfined)
            fprintf(stderr, "waot: WARNING: --seccomp=unconfined: the guest runs WITHOUT the "
                            "system call filter; use this for debugging only\n");
        return 1;
    }
    if (take(argc, argv, i, "--memory", &v)) {
        if (run_limits_size(v, &s->memory_limit) < 0)
            return bad("--memory", v, "a size such as 64M or 1G");
        return 1;
    }
    if (take(argc, argv, i, "--timeout", &v)) {
        if (run_limits_duration(v, &s->timeout_ns) < 0)
            return bad("--timeout", v, "a duration such as 500ms, 2s or 1m");
        return 1;
    }
    if (take(argc, argv, i, "--max-stack", &v)) {
        if (run_limits_size(v, &s->max_stack) < 0)
            return bad("--max-stack", v, "a size such as 512K or 4M");
        return 1;
    }
    if (take(argc, argv, i, "--max-fds", &v)) {
        uint64_t n;
        const char *rest;
        if (number(v, &n, &rest) < 0 || *rest || n < 16 || n > 1048576)
            return bad("--max-fds", v, "a number of descriptors from 16 to 1048576");
        s->max_fds = (unsigned)n;
        return 1;
    }
    return 0;
}
