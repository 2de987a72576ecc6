/*
 * The process side of preview1: command-line arguments, environment variables,
 * proc_exit (ends the guest through the host-failure path with WAOT_E_EXIT), proc_raise
 * (not supported: ENOSYS) and sched_yield.
 */
#include <sched.h>
#include <string.h>

#include "wasi_internal.h"

/* Writes count pointers at ptrs and the packed strings at buf (see pack_strings). */
static int put_strings(struct wasi_ctx *w, uint32_t ptrs, uint32_t buf, const char *strs,
                       uint32_t count, uint32_t len)
{
    uint8_t *pp = wasi_mem_ptr(&w->mem, ptrs, (uint64_t)count * 4);
    uint8_t *bp = wasi_mem_ptr(&w->mem, buf, len);
    if (!pp || !bp)
        return WASI_EFAULT;
    memcpy(bp, strs, len);
    uint32_t off = 0;
    for (uint32_t i = 0; i < count; i++) {
        wasi_mem_st32(pp + 4 * i, buf + off);
        off += (uint32_t)strlen(strs + off) + 1;
    }
    return 0;
}

static int put_sizes(struct wasi_ctx *w, uint32_t count_ptr, uint32_t size_ptr, uint32_t count,
                     uint32_t len)
{
    if (!wasi_mem_ptr(&w->mem, count_ptr, 4) || !wasi_mem_ptr(&w->mem, size_ptr, 4))
        return WASI_EFAULT;
    wasi_mem_put32(&w->mem, count_ptr, count);
    wasi_mem_put32(&w->mem, size_ptr, len);
    return 0;
}

WASI_IMPL(wasi_args_args_get)
{
    (void)err;
    return put_strings(w, ARG32(0), ARG32(1), w->args_buf, w->argc, w->args_len);
}

WASI_IMPL(wasi_args_args_sizes_get)
{
    (void)err;
    return put_sizes(w, ARG32(0), ARG32(1), w->argc, w->args_len);
}

WASI_IMPL(wasi_args_environ_get)
{
    (void)err;
    return put_strings(w, ARG32(0), ARG32(1), w->env_buf, w->envc, w->env_len);
}

WASI_IMPL(wasi_args_environ_sizes_get)
{
    (void)err;
    return put_sizes(w, ARG32(0), ARG32(1), w->envc, w->env_len);
}

WASI_IMPL(wasi_args_proc_exit)
{
    (void)w;
    uint32_t status = ARG32(0);
    waot_fail(err, WAOT_E_EXIT, "proc_exit(%u)", status);
    if (err)
        err->exit_code = (int32_t)status;
    return -1;
}

WASI_IMPL(wasi_args_proc_raise)
{
    (void)w;
    (void)a;
    (void)err;
    return WASI_ENOSYS;
}

WASI_IMPL(wasi_args_sched_yield)
{
    (void)w;
    (void)a;
    (void)err;
    sched_yield();
    return 0;
}
