/*
 * Process-wide resource limits an embedder sets before guest code runs (`waot run
 * --memory`, `--timeout`): the cap on each linear memory, and the wall-clock timer that
 * ends a guest which runs too long with the trap "timeout". Used by memory.c and by the
 * launch step; nothing else.
 */
#ifndef WAOT_RT_LIMITS_H
#define WAOT_RT_LIMITS_H

#include <stdint.h>

#include "waot/waot.h"

/* Caps every linear memory at bytes (rounded down to whole pages; 0: no cap beyond the
 * type's maximum). memory.grow past the cap returns -1; a memory whose minimum exceeds it
 * fails to instantiate. */
void rt_limits_set_memory(uint64_t bytes);
/* The cap in pages (65536 when none). */
uint32_t rt_limits_memory_pages(void);

/* Arms a one-shot timer on the calling thread: after ns nanoseconds of wall-clock time, guest
 * code running on this thread traps with WAOT_TRAP_TIMEOUT; when the signal finds the thread
 * in host code (a WASI call, possibly blocked), the process prints
 * "waot: wasm trap: timeout" on stderr and ends with status 134 at once. */
int rt_limits_timeout_start(uint64_t ns, struct waot_error *err);
/* Disarms it (nothing when none is armed). */
void rt_limits_timeout_stop(void);

#endif
