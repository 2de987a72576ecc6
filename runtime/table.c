/*
 * Tables of references. A table is a heap array of pointers (funcref objects or externref
 * values; NULL is the null reference) that grows with realloc, so compiled code reloads
 * `elems` from the waot_tab on every access. Invariants: size <= max; size <= TABLE_MAX_ELEMS;
 * entries past size do not exist. Bounds checks and traps are the callers' (helpers.c).
 */
#include <stdlib.h>

#include "rt_internal.h"

struct waot_table *table_create(uint8_t elem_type, uint32_t min, uint32_t max, bool has_max,
                                struct waot_error *err)
{
    if (!has_max)
        max = UINT32_MAX;
    if (elem_type != WAOT_FUNCREF && elem_type != WAOT_EXTERNREF) {
        waot_fail(err, WAOT_E_USAGE, "table: element type 0x%x is not a reference type",
                  elem_type);
        return NULL;
    }
    if (min > max) {
        waot_fail(err, WAOT_E_USAGE, "table: minimum %u exceeds maximum %u", min, max);
        return NULL;
    }
    if (min > TABLE_MAX_ELEMS) {
        waot_fail(err, WAOT_E_NOMEM, "table: %u elements exceed the limit of %u", min,
                  TABLE_MAX_ELEMS);
        return NULL;
    }
    struct waot_table *t = calloc(1, sizeof *t);
    if (!t) {
        waot_fail(err, WAOT_E_NOMEM, "table: out of memory");
        return NULL;
    }
    t->tab.elem_type = elem_type;
    t->tab.max = max;
    t->has_max = has_max;
    if (min > 0) {
        t->tab.elems = calloc(min, sizeof(void *));
        if (!t->tab.elems) {
            free(t);
            waot_fail(err, WAOT_E_NOMEM, "table: out of memory for %u elements", min);
            return NULL;
        }
    }
    t->tab.size = min;
    return t;
}

void table_destroy(struct waot_table *t)
{
    if (!t)
        return;
    free(t->tab.elems);
    free(t);
}

uint32_t table_grow(struct waot_tab *t, uint32_t delta, void *init)
{
    uint32_t old = t->size;
    if (delta == 0)
        return old;
    uint64_t n = (uint64_t)old + delta;
    if (n > t->max || n > TABLE_MAX_ELEMS)
        return UINT32_MAX;
    void **elems = realloc(t->elems, n * sizeof(void *));
    if (!elems)
        return UINT32_MAX;
    for (uint64_t i = old; i < n; i++)
        elems[i] = init;
    t->elems = elems;
    t->size = (uint32_t)n;
    return old;
}
