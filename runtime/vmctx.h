/*
 * The ABI between compiled code and the runtime.
 *
 * Generated code reaches everything through the instance context (vmctx), passed as the
 * hidden first argument of every compiled function. The layouts below are fixed: the code
 * generator hard-codes the offsets (asserted with static_assert here), so changing one means
 * bumping the artifact format version (docs/artifact.md).
 *
 * Calling conventions (all use the platform C calling convention):
 *   wasm function     RESULT waot_func_<funcidx>(struct waot_vmctx *vm, PARAMS...)
 *                     RESULT is void, one value, or an LLVM struct of the results.
 *                     Values: i32 -> i32, i64 -> i64, f32 -> float, f64 -> double,
 *                     funcref/externref -> ptr.
 *   entry trampoline  void waot_entry_<typeidx>(void *code, void *vmctx, union waot_slot *slots)
 *                     C -> wasm: loads params from slots[0..], calls code(vmctx, params...),
 *                     stores results to slots[0..]. One per module type index.
 *   host trampoline   RESULT waot_host_<typeidx>(struct waot_host_ctx *hc, PARAMS...)
 *                     wasm -> host: stores params to a slot array on its stack (room for
 *                     max(nparams, nresults) slots), calls hc->fn(hc, slots), loads results.
 *                     One per module type index. A funcref for a host function is
 *                     { code = host trampoline of a module with that type, vmctx = hc }.
 * Calling any funcref r is r->code(r->vmctx, args...), whatever is behind it.
 */
#ifndef WAOT_VMCTX_H
#define WAOT_VMCTX_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* One value in trampolines' argument/result arrays. Values sit in the low bytes. */
union waot_slot {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    void *ref;
    uint8_t v128[16];
};
static_assert(sizeof(union waot_slot) == 16, "slot is 16 bytes");

struct waot_vmctx;
struct waot_host_ctx;
struct rt_module;

typedef void (*waot_entry_fn)(void *code, void *vmctx, union waot_slot *slots);
typedef void (*waot_host_fn)(struct waot_host_ctx *hc, union waot_slot *slots);

/* A function reference: what ref.func yields, what tables hold, what imports resolve to.
 * Its address is the funcref value (NULL is ref.null). Owned by the instance or host
 * function that defines the function; importers point at the same object. */
struct waot_funcref {
    void *code;             /* 0: wasm-ABI code */
    void *vmctx;            /* 8: first argument for code */
    uint32_t type_id;       /* 16: canonical signature id (process-wide, see rt_types) */
    uint32_t func_index;    /* 20: index in the defining module (for names) */
    waot_entry_fn entry;    /* 24: C -> wasm trampoline for this type, NULL for host functions */
    struct waot_host_ctx *host; /* 32: non-NULL for host functions */
    const struct rt_module *module; /* 40: defining module, NULL for host functions */
};
static_assert(offsetof(struct waot_funcref, code) == 0, "funcref.code");
static_assert(offsetof(struct waot_funcref, vmctx) == 8, "funcref.vmctx");
static_assert(offsetof(struct waot_funcref, type_id) == 16, "funcref.type_id");

/* The host side of a host function. fn is at offset 0 (host trampolines load it). */
struct waot_host_ctx {
    waot_host_fn fn;        /* 0 */
    void *env;              /* 8 */
};
static_assert(offsetof(struct waot_host_ctx, fn) == 0, "host_ctx.fn");

/* A linear memory. base never moves (8 GiB reservation + guard); size only grows. */
struct waot_mem {
    uint64_t size;          /* 0: accessible bytes (pages * 65536) */
    uint8_t *base;          /* 8 */
    uint32_t pages;         /* 16 */
    uint32_t max_pages;     /* 20: 65536 when the type has no maximum */
};
static_assert(offsetof(struct waot_mem, size) == 0, "mem.size");
static_assert(offsetof(struct waot_mem, base) == 8, "mem.base");

/* A table of references (funcref pointers or externref pointers; NULL is null). */
struct waot_tab {
    void **elems;           /* 0 */
    uint32_t size;          /* 8 */
    uint32_t max;           /* 12: UINT32_MAX when the type has no maximum */
    uint8_t elem_type;      /* 16: WAOT_FUNCREF or WAOT_EXTERNREF */
};
static_assert(offsetof(struct waot_tab, elems) == 0, "tab.elems");
static_assert(offsetof(struct waot_tab, size) == 8, "tab.size");

/* A global's storage. The value is at offset 0 in the slot's low bytes. */
struct waot_glob {
    union waot_slot value;  /* 0 */
    uint8_t type;           /* 16: value type */
    uint8_t mutable_;       /* 17 */
};
static_assert(offsetof(struct waot_glob, value) == 0, "glob.value");

/* Trap codes passed to helpers->trap: enum waot_trap from waot/waot.h. */

/* Runtime services called by compiled code through vmctx->helpers. Every helper that can
 * trap does so itself (it does not return then). Indices are u32 as in Wasm. */
struct waot_helpers {
    void (*trap)(struct waot_vmctx *vm, uint32_t trap);                              /* 0 */
    uint32_t (*memory_grow)(struct waot_vmctx *vm, uint32_t delta);                  /* 8: old pages or -1 */
    void (*memory_fill)(struct waot_vmctx *vm, uint32_t dst, uint32_t val, uint32_t len); /* 16 */
    void (*memory_copy)(struct waot_vmctx *vm, uint32_t dst, uint32_t src, uint32_t len); /* 24 */
    void (*memory_init)(struct waot_vmctx *vm, uint32_t seg, uint32_t dst, uint32_t src,
                        uint32_t len);                                                /* 32 */
    void (*data_drop)(struct waot_vmctx *vm, uint32_t seg);                          /* 40 */
    void *(*table_get)(struct waot_vmctx *vm, uint32_t table, uint32_t idx);         /* 48 */
    void (*table_set)(struct waot_vmctx *vm, uint32_t table, uint32_t idx, void *ref); /* 56 */
    uint32_t (*table_grow)(struct waot_vmctx *vm, uint32_t table, void *init, uint32_t delta); /* 64 */
    void (*table_fill)(struct waot_vmctx *vm, uint32_t table, uint32_t dst, void *ref,
                       uint32_t len);                                                 /* 72 */
    void (*table_copy)(struct waot_vmctx *vm, uint32_t dst_table, uint32_t src_table,
                       uint32_t dst, uint32_t src, uint32_t len);                     /* 80 */
    void (*table_init)(struct waot_vmctx *vm, uint32_t table, uint32_t seg, uint32_t dst,
                       uint32_t src, uint32_t len);                                   /* 88 */
    void (*elem_drop)(struct waot_vmctx *vm, uint32_t seg);                          /* 96 */
};
#define WAOT_HELPER_OFFSET(name) offsetof(struct waot_helpers, name)

/* The instance context. All pointers are set at instantiation and never change afterwards,
 * so generated code may treat loads of these fields as invariant. */
struct waot_vmctx {
    uint8_t *mem_base;                  /* 0: memory 0 base, NULL without memory */
    struct waot_mem *mem;               /* 8: memory 0 */
    uintptr_t stack_limit;              /* 16: function entry traps when sp < stack_limit */
    const struct waot_helpers *helpers; /* 24 */
    const uint32_t *type_ids;           /* 32: canonical signature id per module type index */
    struct waot_funcref **funcs;        /* 40: per function index, imports first */
    struct waot_glob **globals;         /* 48: per global index, imports first */
    struct waot_tab **tables;           /* 56: per table index, imports first */
    struct waot_instance *instance;     /* 64: owner, for helpers */
};
static_assert(offsetof(struct waot_vmctx, mem_base) == 0, "vmctx.mem_base");
static_assert(offsetof(struct waot_vmctx, mem) == 8, "vmctx.mem");
static_assert(offsetof(struct waot_vmctx, stack_limit) == 16, "vmctx.stack_limit");
static_assert(offsetof(struct waot_vmctx, helpers) == 24, "vmctx.helpers");
static_assert(offsetof(struct waot_vmctx, type_ids) == 32, "vmctx.type_ids");
static_assert(offsetof(struct waot_vmctx, funcs) == 40, "vmctx.funcs");
static_assert(offsetof(struct waot_vmctx, globals) == 48, "vmctx.globals");
static_assert(offsetof(struct waot_vmctx, tables) == 56, "vmctx.tables");

/* Linear memory reservation: any i32 address plus any u32 offset plus an 8-byte access lands
 * inside it, so compiled code does no bounds checks. */
#define WAOT_MEM_RESERVE (UINT64_C(8) << 30)
#define WAOT_PAGE_SIZE 65536u

/* Symbol names the code generator gives and the linker looks up. */
#define WAOT_SYM_FUNC "waot_func_"   /* + decimal function index (defined functions only) */
#define WAOT_SYM_ENTRY "waot_entry_" /* + decimal type index */
#define WAOT_SYM_HOST "waot_host_"   /* + decimal type index */

#endif
