/*
 * `waot run`'s confinement options: parsing sizes ("64M", "1GiB", "65536"), durations
 * ("500ms", "2s", "1m") and the --seccomp, --memory, --timeout, --max-stack and --max-fds
 * flags into a launch spec.
 */
#ifndef WAOT_RUN_LIMITS_H
#define WAOT_RUN_LIMITS_H

#include <stdint.h>

#include "launch.h"

/* Bytes: a decimal number with an optional suffix K, M, G, T (powers of 1024; "KiB", "KB",
 * "k" alike). -1 when text is not one or is 0. */
int run_limits_size(const char *text, uint64_t *out);
/* Nanoseconds: a decimal number with a unit ns, us, ms, s (default), m, h. -1 when malformed
 * or 0. */
int run_limits_duration(const char *text, uint64_t *out);

/* Tries argv[*i] as one of the options above. 1: consumed (*i may advance past a value);
 * 0: not one of them; -1: malformed, message printed, exit status 125 wanted. */
int run_limits_option(int argc, char **argv, int *i, struct launch_spec *s);

#endif
