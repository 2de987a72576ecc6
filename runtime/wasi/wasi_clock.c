/*
 * Clocks: realtime, monotonic, process and thread CPU time, in nanoseconds.
 */
#include "wasi_internal.h"

uint32_t wasi_clock_host(uint32_t id, clockid_t *out)
{
    switch (id) {
    case 0: *out = CLOCK_REALTIME; return 0;
    case 1: *out = CLOCK_MONOTONIC; return 0;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return 0;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return 0;
    default: return WASI_EINVAL;
    }
}

WASI_IMPL(wasi_clock_res_get)
{
    (void)err;
    clockid_t c;
    uint32_t r = wasi_clock_host(ARG32(0), &c);
    if (r)
        return (int)r;
    if (!wasi_mem_ptr(&w->mem, ARG32(1), 8))
        return WASI_EFAULT;
    struct timespec ts;
    if (clock_getres(c, &ts) < 0)
        return (int)wasi_errno_last();
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    return (int)wasi_mem_put64(&w->mem, ARG32(1), ns ? ns : 1);
}

WASI_IMPL(wasi_clock_time_get)
{
    (void)err;
    clockid_t c;
    uint32_t r = wasi_clock_host(ARG32(0), &c);
    if (r)
        return (int)r;
    if (!wasi_mem_ptr(&w->mem, ARG32(2), 8))
        return WASI_EFAULT;
    struct timespec ts;
    if (clock_gettime(c, &ts) < 0)
        return (int)wasi_errno_last();
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    return (int)wasi_mem_put64(&w->mem, ARG32(2), ns);
}
