/*
 * Globals. A global is one slot plus its type and mutability; compiled code reads and
 * writes the slot directly through vmctx->globals. Defined globals live in their
 * instance's array, host-made ones are allocated here; both are struct waot_global.
 */
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

void global_init(struct waot_global *g, uint8_t type, bool mutable_, union waot_slot value)
{
    memset(g, 0, sizeof *g);
    g->glob.value = value;
    g->glob.type = type;
    g->glob.mutable_ = mutable_;
}

struct waot_global *global_create(uint8_t type, bool mutable_, union waot_slot value,
                                  struct waot_error *err)
{
    switch (type) {
    case WAOT_I32: case WAOT_I64: case WAOT_F32: case WAOT_F64: case WAOT_V128:
    case WAOT_FUNCREF: case WAOT_EXTERNREF:
        break;
    default:
        waot_fail(err, WAOT_E_USAGE, "global: unknown value type 0x%x", type);
        return NULL;
    }
    struct waot_global *g = malloc(sizeof *g);
    if (!g) {
        waot_fail(err, WAOT_E_NOMEM, "global: out of memory");
        return NULL;
    }
    global_init(g, type, mutable_, value);
    return g;
}

void global_destroy(struct waot_global *g)
{
    free(g);
}
