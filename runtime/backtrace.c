/*
 * waot_trap_backtrace: names the raw return addresses trap.c recorded at the last trap.
 * A PC belongs to the function (or trampoline) whose code starts closest below it;
 * trampolines (entry and host-call glue) are not Wasm frames and are left out.
 */
#include "rt_internal.h"

/* Function index containing pc, UINT32_MAX when none (or a trampoline is closer). */
static uint32_t func_at(const struct rt_module *rt, uintptr_t pc)
{
    uintptr_t best = 0;
    uint32_t index = UINT32_MAX;
    if (pc < (uintptr_t)rt->text_start || pc >= (uintptr_t)rt->text_start + rt->text_size)
        return UINT32_MAX;
    for (uint32_t i = 0; i < rt->nfuncs; i++) {
        uintptr_t start = (uintptr_t)rt->funcs[i].code;
        if (!rt->funcs[i].imported && start && start <= pc && start >= best) {
            best = start;
            index = i;
        }
    }
    for (uint32_t t = 0; t < rt->ntypes; t++) {
        uintptr_t e = (uintptr_t)rt->entry_tramps[t], h = (uintptr_t)rt->host_tramps[t];
        if ((e && e <= pc && e > best) || (h && h <= pc && h > best))
            return UINT32_MAX;
    }
    return index;
}

size_t waot_trap_backtrace(const struct waot_module *m, struct waot_frame *out, size_t max)
{
    const struct trap_backtrace *bt = trap_last_backtrace();
    const struct rt_module *rt = m ? m->rt : NULL;
    size_t n = 0;
    for (size_t i = 0; i < bt->n; i++) {
        uint32_t f = rt ? func_at(rt, bt->pc[i]) : UINT32_MAX;
        if (f == UINT32_MAX && rt && bt->pc[i] >= (uintptr_t)rt->text_start &&
            bt->pc[i] < (uintptr_t)rt->text_start + rt->text_size)
            continue; /* a trampoline of m */
        if (n < max) {
            out[n].func_index = f;
            out[n].func_name = f != UINT32_MAX ? rt->funcs[f].name : NULL;
            out[n].pc = bt->pc[i];
        }
        n++;
    }
    return n;
}
