/*
 * Runtime services that compiled code calls through vmctx->helpers (struct waot_helpers in
 * vmctx.h): traps, memory.grow and the bulk memory and table instructions. They run inside
 * the activation of the call that entered guest code, so a failing bounds check unwinds
 * with trap_raise and never returns. Bulk operations check every bound before writing
 * anything, as the spec requires; a zero length at offset == size is in bounds, and a
 * dropped segment behaves as one of length 0. Instantiation reuses table_init/memory_init
 * for active segments (instance.c runs them inside an activation too).
 */
#include <string.h>

#include "rt_internal.h"

static void h_trap(struct waot_vmctx *vm, uint32_t trap)
{
    (void)vm;
    trap_raise((enum waot_trap)trap);
}

static uint32_t h_memory_grow(struct waot_vmctx *vm, uint32_t delta)
{
    return memory_grow(vm->mem, delta);
}

static void h_memory_fill(struct waot_vmctx *vm, uint32_t dst, uint32_t val, uint32_t len)
{
    if (!memory_range_ok(vm->mem, dst, len))
        trap_raise(WAOT_TRAP_MEMORY_OOB);
    memset(vm->mem->base + dst, (int)(uint8_t)val, len);
}

static void h_memory_copy(struct waot_vmctx *vm, uint32_t dst, uint32_t src, uint32_t len)
{
    if (!memory_range_ok(vm->mem, dst, len) || !memory_range_ok(vm->mem, src, len))
        trap_raise(WAOT_TRAP_MEMORY_OOB);
    memmove(vm->mem->base + dst, vm->mem->base + src, len);
}

static void h_memory_init(struct waot_vmctx *vm, uint32_t seg, uint32_t dst, uint32_t src,
                          uint32_t len)
{
    struct waot_instance *inst = vm->instance;
    uint32_t seglen = inst->data_len[seg];
    if ((uint64_t)src + len > seglen || !memory_range_ok(vm->mem, dst, len))
        trap_raise(WAOT_TRAP_MEMORY_OOB);
    if (len)
        memcpy(vm->mem->base + dst, inst->rt->datas[seg].bytes + src, len);
}

static void h_data_drop(struct waot_vmctx *vm, uint32_t seg)
{
    vm->instance->data_len[seg] = 0;
}

static void *h_table_get(struct waot_vmctx *vm, uint32_t table, uint32_t idx)
{
    struct waot_tab *t = vm->tables[table];
    if (idx >= t->size)
        trap_raise(WAOT_TRAP_TABLE_OOB);
    return t->elems[idx];
}

static void h_table_set(struct waot_vmctx *vm, uint32_t table, uint32_t idx, void *ref)
{
    struct waot_tab *t = vm->tables[table];
    if (idx >= t->size)
        trap_raise(WAOT_TRAP_TABLE_OOB);
    t->elems[idx] = ref;
}

static uint32_t h_table_grow(struct waot_vmctx *vm, uint32_t table, void *init, uint32_t delta)
{
    return table_grow(vm->tables[table], delta, init);
}

static void h_table_fill(struct waot_vmctx *vm, uint32_t table, uint32_t dst, void *ref,
                         uint32_t len)
{
    struct waot_tab *t = vm->tables[table];
    if (!table_range_ok(t, dst, len))
        trap_raise(WAOT_TRAP_TABLE_OOB);
    for (uint32_t i = 0; i < len; i++)
        t->elems[dst + i] = ref;
}

static void h_table_copy(struct waot_vmctx *vm, uint32_t dst_table, uint32_t src_table,
                         uint32_t dst, uint32_t src, uint32_t len)
{
    struct waot_tab *d = vm->tables[dst_table];
    struct waot_tab *s = vm->tables[src_table];
    if (!table_range_ok(d, dst, len) || !table_range_ok(s, src, len))
        trap_raise(WAOT_TRAP_TABLE_OOB);
    if (len)
        memmove(d->elems + dst, s->elems + src, (size_t)len * sizeof(void *));
}

static void h_table_init(struct waot_vmctx *vm, uint32_t table, uint32_t seg, uint32_t dst,
                         uint32_t src, uint32_t len)
{
    struct waot_instance *inst = vm->instance;
    struct waot_tab *t = vm->tables[table];
    if ((uint64_t)src + len > inst->elem_len[seg] || !table_range_ok(t, dst, len))
        trap_raise(WAOT_TRAP_TABLE_OOB);
    if (len)
        memcpy(t->elems + dst, inst->elem_refs[seg] + src, (size_t)len * sizeof(void *));
}

static void h_elem_drop(struct waot_vmctx *vm, uint32_t seg)
{
    vm->instance->elem_len[seg] = 0;
}

const struct waot_helpers helpers_table = {
    .trap = h_trap,
    .memory_grow = h_memory_grow,
    .memory_fill = h_memory_fill,
    .memory_copy = h_memory_copy,
    .memory_init = h_memory_init,
    .data_drop = h_data_drop,
    .table_get = h_table_get,
    .table_set = h_table_set,
    .table_grow = h_table_grow,
    .table_fill = h_table_fill,
    .table_copy = h_table_copy,
    .table_init = h_table_init,
    .elem_drop = h_elem_drop,
};
