/*
 * Private structs and entry points shared by the runtime's files (memory.c, table.c,
 * global.c, types.c, trap.c, helpers.c, instance.c, func.c, api.c). Nothing outside
 * runtime/ includes this header; embedders see waot/waot.h, compiled code sees vmctx.h.
 *
 * Pointer identities the whole runtime relies on:
 *   - every struct waot_mem reachable from a vmctx is the first member of a waot_memory,
 *     every waot_tab of a waot_table, every waot_glob of a waot_global, so the public
 *     handle and the ABI struct are the same address (casts both ways are valid);
 *   - struct waot_func is never defined: a `struct waot_func *` is a `struct waot_funcref *`
 *     (func_from_ref / func_to_ref), so funcref values round-trip through the API unchanged.
 */
#ifndef WAOT_RT_INTERNAL_H
#define WAOT_RT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_module.h"
#include "vmctx.h"
#include "waot/waot.h"

/* ---- memory.c: linear memories ---- */

#define MEMORY_MAX_PAGES 65536u

/* A linear memory; owned by the instance that defines it or by the host that made it. */
struct waot_memory {
    struct waot_mem mem;   /* first: vmctx->mem points here */
    bool has_max;          /* type has a maximum (mem.max_pages is 65536 otherwise) */
    size_t reserved;       /* bytes of address space mapped at mem.base */
};

struct waot_memory *memory_create(uint32_t min_pages, uint32_t max_pages, bool has_max,
                                  struct waot_error *err);
void memory_destroy(struct waot_memory *m);
/* Grows by delta pages; returns the old page count or UINT32_MAX (nothing changes then). */
uint32_t memory_grow(struct waot_mem *m, uint32_t delta);
/* True when [off, off+len) lies inside the accessible bytes (len 0 at off == size is fine). */
static inline bool memory_range_ok(const struct waot_mem *m, uint32_t off, uint32_t len)
{
    return (uint64_t)off + len <= m->size;
}

/* ---- table.c: tables of references ---- */

#define TABLE_MAX_ELEMS 10000000u   /* growth beyond this fails like a reached maximum */

struct waot_table {
    struct waot_tab tab;   /* first: vmctx->tables[i] points here */
    bool has_max;
};

struct waot_table *table_create(uint8_t elem_type, uint32_t min, uint32_t max, bool has_max,
                                struct waot_error *err);
void table_destroy(struct waot_table *t);
/* Grows by delta entries set to init; returns the old size or UINT32_MAX. */
uint32_t table_grow(struct waot_tab *t, uint32_t delta, void *init);
static inline bool table_range_ok(const struct waot_tab *t, uint32_t off, uint32_t len)
{
    return (uint64_t)off + len <= t->size;
}

/* ---- global.c: globals ---- */

struct waot_global {
    struct waot_glob glob; /* first: vmctx->globals[i] points here */
};

/* Fills g with the given type, mutability and value (value's low bytes, rest zeroed). */
void global_init(struct waot_global *g, uint8_t type, bool mutable_, union waot_slot value);
struct waot_global *global_create(uint8_t type, bool mutable_, union waot_slot value,
                                  struct waot_error *err);
void global_destroy(struct waot_global *g);

/* ---- types.c: process-wide canonical function signatures ---- */

/* Returns the id of the signature (same params and results => same id, in every module and
 * thread), or UINT32_MAX when out of memory. Ids are never recycled. */
uint32_t types_intern(const uint8_t *params, uint32_t nparams, const uint8_t *results,
                      uint32_t nresults);
/* The signature behind an id (returned pointers stay valid for the process lifetime). */
void types_get(uint32_t id, const uint8_t **params, uint32_t *nparams, const uint8_t **results,
               uint32_t *nresults);

/* ---- trap.c: activations, the trap path and the fault handler ---- */

/* Runs fn(arg) as a new activation on this thread. Returns 0 when fn returns, or -1 with err
 * filled (WAOT_E_TRAP and the kind, or WAOT_E_EXIT) when a trap unwound it. Nests. */
int trap_run(void (*fn)(void *arg), void *arg, struct waot_error *err);
/* Unwind the innermost activation with a trap kind. Never returns. */
_Noreturn void trap_raise(enum waot_trap kind);
/* Unwind with a host failure: WAOT_E_EXIT keeps the exit code, WAOT_E_TRAP keeps its kind,
 * anything else becomes WAOT_TRAP_HOST carrying err->msg. Never returns. */
_Noreturn void trap_raise_error(const struct waot_error *err);
/* Async-signal-safe, for asynchronous signal handlers (the --timeout timer): when the
 * interrupted PC of uctx lies in guest code inside an activation, unwinds it with trap kind
 * and does not return; otherwise returns false. */
bool trap_interrupt(void *uctx, enum waot_trap kind);
/* Caps the stack guest code of this thread may use to bytes below the caller's frame (0:
 * no cap beyond the real stack). -1 with WAOT_E_USAGE when the stack has less room. */
int trap_set_stack_budget(size_t bytes, struct waot_error *err);
/* Bytes of stack this thread has left below the caller's frame, down to the limit. */
size_t trap_stack_room(void);
/* Lowest stack address guest code of this thread may use (a margin above the real end). */
uintptr_t trap_stack_limit(void);
/* Compiled code of [start, start+size) may fault on purpose; async-signal-safe to query. */
int trap_register_text(const void *start, size_t size, struct waot_error *err);
void trap_unregister_text(const void *start);

/* Return addresses (innermost first; the first is the trap PC itself after a fault) of the
 * guest frames at the last trap on this thread. backtrace.c maps them to functions. */
#define TRAP_BT_MAX 64
struct trap_backtrace {
    size_t n;
    uintptr_t pc[TRAP_BT_MAX];
};
const struct trap_backtrace *trap_last_backtrace(void);

/* ---- helpers.c: the table compiled code calls through vmctx->helpers ---- */

extern const struct waot_helpers helpers_table;

/* ---- instance.c ---- */

struct waot_module {
    struct rt_module *rt;           /* owned */
    struct waot_instance *zombies;  /* instances whose instantiation trapped (see instance.c) */
    bool text_registered;
};

struct waot_instance {
    struct waot_module *module;
    const struct rt_module *rt;
    struct waot_vmctx vm;
    uint32_t *type_ids;              /* per module type index */
    struct waot_funcref **funcs;     /* vm.funcs */
    struct waot_funcref *own_funcs;  /* defined functions, then wrappers of host imports */
    struct waot_glob **globals;      /* vm.globals */
    struct waot_global *own_globals; /* defined globals */
    struct waot_tab **tables;        /* vm.tables */
    struct waot_table **own_tables;  /* defined tables (index - nimported_tables) */
    struct waot_memory *memory;      /* memory 0, imported or own */
    struct waot_memory *own_memory;
    void ***elem_refs;               /* per element segment: evaluated references */
    uint32_t *elem_len;              /* 0 once dropped */
    uint32_t *data_len;              /* 0 once dropped */
    struct waot_instance *next_zombie;
};

/* Frees an instance and everything it owns (accepts a half-built one). */
void instance_free(struct waot_instance *inst);
/* Frees the instances of m whose instantiation trapped (waot_module_close calls it). */
void instance_free_zombies(struct waot_module *m);

/* ---- func.c ---- */

static inline struct waot_func *func_from_ref(struct waot_funcref *r) { return (struct waot_func *)r; }
static inline struct waot_funcref *func_to_ref(const struct waot_func *f)
{
    return (struct waot_funcref *)f;
}
/* Conversions between typed values and trampoline slots. */
union waot_slot func_slot_from_val(const struct waot_val *v);
struct waot_val func_val_from_slot(union waot_slot s, enum waot_valtype type);

#endif
