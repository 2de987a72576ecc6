/*
 * Private header of the translator (Wasm -> LLVM IR), shared by translate_*.c and codegen.c.
 *
 * A translate_module is one partition: an LLVM module in its own LLVMContext holding some
 * of the defined functions (and, in partition 0, every trampoline). A translate_func is the
 * state of one function body while it is translated: the Wasm value stack as LLVM values,
 * the control stack, locals as allocas, and the vmctx loads cached in the entry block.
 *
 * The translator trusts its input: the validator has checked every body. It still checks
 * its own stacks cheaply so that a bug shows as WAOT_E_INTERNAL rather than a crash.
 * Generated code follows runtime/vmctx.h exactly.
 */
#ifndef WAOT_TRANSLATE_H
#define WAOT_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>
#include <llvm-c/Core.h>

#include "arena.h"
#include "translate_numeric.h"
#include "wasm_module.h"
#include "wasm_opcodes.h"
#include "wasm_reader.h"

/* Alias classes (TBAA): accesses of different classes never overlap. */
enum translate_tbaa {
    TRANSLATE_TBAA_MEM,    /* linear memory bytes */
    TRANSLATE_TBAA_GLOBAL, /* struct waot_glob values */
    TRANSLATE_TBAA_TABLE,  /* struct waot_tab fields and table element arrays */
    TRANSLATE_TBAA_VM,     /* struct waot_mem fields */
    TRANSLATE_TBAA_COUNT
};

struct translate_module {
    const struct wasm_module *m;
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMTypeRef t_void, t_i8, t_i32, t_i64, t_f32, t_f64, t_ptr;
    LLVMTypeRef *func_types;     /* per type index: the wasm ABI function type */
    LLVMValueRef *funcs;         /* per function index, declared on first use */
    unsigned kind_invariant, kind_tbaa, kind_prof;
    LLVMValueRef md_empty;       /* !{} for !invariant.load */
    LLVMValueRef md_tbaa[TRANSLATE_TBAA_COUNT];
    LLVMValueRef md_unlikely;    /* !prof branch weights: the true edge is cold */
    LLVMTypeRef *tys;            /* scratch of max arity + 1 over all types */
    LLVMValueRef *vals;
    /* Buffers reused by every function of the partition (grown with realloc). */
    LLVMValueRef *stack;
    uint32_t stack_cap;
    struct translate_ctl *ctl;
    uint32_t ctl_cap;
};

enum translate_ctl_kind { CTL_FUNC, CTL_BLOCK, CTL_LOOP, CTL_IF };

/* One entry of the control stack (a live block: dead blocks inside unreachable code are
 * only counted, see translate_func.dead_depth). */
struct translate_ctl {
    enum translate_ctl_kind kind;
    uint32_t height;                   /* value stack height below the block's params */
    uint32_t nparams, nresults;
    const wasm_valtype *params, *results;
    LLVMBasicBlockRef cont;            /* code after `end`; branch target of non-loops */
    LLVMValueRef *cont_phis;           /* nresults phis at the start of cont */
    LLVMBasicBlockRef header;          /* loop: branch target */
    LLVMValueRef *header_phis;         /* loop: nparams phis */
    LLVMBasicBlockRef else_bb;         /* if: the else arm (or pass-through when absent) */
    LLVMValueRef *if_params;           /* if: param values the else arm starts with */
    bool seen_else;
};

struct translate_func {
    struct translate_module *tm;
    const struct wasm_module *m;
    uint32_t index;                    /* function index */
    const struct wasm_functype *type;
    LLVMValueRef fn, vm;
    LLVMBuilderRef b;                  /* the body */
    LLVMBuilderRef eb;                 /* the entry block, before its terminator */
    struct wasm_reader r;
    struct arena arena;                /* scratch, freed when the function is done */
    uint32_t nlocals;                  /* params included */
    LLVMValueRef *locals;              /* allocas */
    LLVMTypeRef *local_types;
    LLVMValueRef *stack;               /* tm->stack */
    uint32_t sp;
    struct translate_ctl *ctl;         /* tm->ctl */
    uint32_t nctl;
    bool unreachable;                  /* the current point is not reachable */
    uint32_t dead_depth;               /* blocks opened inside unreachable code */
    LLVMValueRef vm_fields[9];         /* cached invariant loads of vmctx fields (offset/8) */
    LLVMBasicBlockRef trap_bbs[WAOT_TRAP_COUNT];
    struct numeric_env nenv;
    bool failed;                       /* err is filled */
    struct waot_error *err;
};

/* ---- translate_module.c ---- */
/* Sets up a partition's LLVM module in a fresh context. */
int translate_module_init(struct translate_module *tm, const struct wasm_module *m,
                          const char *name, struct waot_error *err);
/* Disposes the module, the context and the buffers. */
void translate_module_fini(struct translate_module *tm);
LLVMTypeRef translate_module_valtype(struct translate_module *tm, wasm_valtype vt);
/* The wasm ABI result type of a function type: void, the value, or a literal struct. */
LLVMTypeRef translate_module_result_type(struct translate_module *tm, const struct wasm_functype *ft);
/* waot_func_<index> in this partition (declared on first use). */
LLVMValueRef translate_module_func(struct translate_module *tm, uint32_t index);
/* Emits waot_entry_<T> and waot_host_<T> for every type index (partition 0). */
void translate_module_trampolines(struct translate_module *tm);
/* Translates defined functions [first, last) (function indices) into the partition. */
int translate_module_funcs(struct translate_module *tm, uint32_t first, uint32_t last,
                           struct waot_error *err);

/* ---- translate_func.c ---- */
int translate_func_body(struct translate_module *tm, uint32_t index, struct waot_error *err);
void translate_func_push(struct translate_func *f, LLVMValueRef v);
LLVMValueRef translate_func_pop(struct translate_func *f);
/* Records an internal error (a broken translator invariant) once. */
void translate_func_internal(struct translate_func *f, const char *what);
/* Pops n values into a scratch array (in stack order); NULL when n is 0. */
LLVMValueRef *translate_func_pop_n(struct translate_func *f, uint32_t n);
/* Calls a function of type ft at callee(vmctx, args...) and pushes its results. */
void translate_func_call(struct translate_func *f, const struct wasm_functype *ft,
                         LLVMTypeRef fnty, LLVMValueRef callee, LLVMValueRef vmctx,
                         const LLVMValueRef *args);

/* ---- translate_vm.c: vmctx access, helpers, traps, metadata ---- */
/* Attaches !invariant.load (the location never changes once code runs). */
void translate_vm_invariant(struct translate_func *f, LLVMValueRef load);
void translate_vm_tbaa(struct translate_func *f, LLVMValueRef access, enum translate_tbaa cls);
/* load ty from ptr + offset, invariant. */
LLVMValueRef translate_vm_load_invariant(struct translate_func *f, LLVMTypeRef ty, LLVMValueRef ptr,
                                         uint64_t offset);
/* ptr + offset (bytes). */
LLVMValueRef translate_vm_gep(struct translate_func *f, LLVMValueRef ptr, LLVMValueRef offset);
LLVMValueRef translate_vm_gep_const(struct translate_func *f, LLVMValueRef ptr, uint64_t offset);
/* The vmctx field at byte offset (0, 8, ... 64), loaded once in the entry block. */
LLVMValueRef translate_vm_field(struct translate_func *f, unsigned offset);
/* Element i of the invariant pointer array at vmctx offset (funcs, globals, tables). */
LLVMValueRef translate_vm_array_elem(struct translate_func *f, unsigned offset, uint32_t i);
/* Calls helper at byte offset in struct waot_helpers: fn(vm, args...) of type fnty. */
LLVMValueRef translate_vm_helper_call(struct translate_func *f, unsigned offset, LLVMTypeRef ret,
                                      LLVMValueRef *args, unsigned nargs);
/* Branches to the function's trap block for kind when cond holds (cold path). */
void translate_vm_trap_if(struct translate_func *f, LLVMValueRef cond, enum waot_trap kind);
/* Unconditional trap; the current point becomes unreachable. */
void translate_vm_trap(struct translate_func *f, enum waot_trap kind);
/* Emits the stack-limit check at the end of the entry block and terminates it with a
 * branch to body. */
void translate_vm_stack_check(struct translate_func *f, LLVMBasicBlockRef body);

/* ---- translate_memory.c ---- */
/* Loads, stores, memory.size/grow/fill/copy/init, data.drop. Reads the immediates. */
void translate_memory_op(struct translate_func *f, enum wasm_op op);
/* Marks loads of linear memory feeding a dropped value volatile, so that a discarded
 * out-of-bounds load still traps. */
void translate_memory_keep_loads(struct translate_func *f, LLVMValueRef v);
bool translate_memory_handles(enum wasm_op op);
/* The host address of linear memory for a Wasm address and a memarg offset. */
LLVMValueRef translate_memory_address(struct translate_func *f, LLVMValueRef addr, uint32_t offset);

/* ---- translate_simd.c ---- */
/* Every 0xfd (v128) instruction. Reads the immediates. */
void translate_simd_op(struct translate_func *f, enum wasm_op op);
bool translate_simd_handles(enum wasm_op op);

/* ---- translate_table.c ---- */
/* ref.*, table.*, elem.drop, call_indirect. Reads the immediates. */
void translate_table_op(struct translate_func *f, enum wasm_op op);
bool translate_table_handles(enum wasm_op op);

#endif
