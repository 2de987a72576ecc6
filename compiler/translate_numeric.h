/*
 * Numeric instructions: integer and float arithmetic, comparisons, conversions (trapping
 * and saturating), sign extension and reinterpretation, with Wasm's exact semantics
 * (division traps, NaN rules, min/max with signed zeros, nearest ties-to-even, ...).
 * The translator calls numeric_emit for every op whose table entry has operand types
 * (wasm_opinfo a/r columns) and that is not a load or store.
 *
 * Wasm values map to LLVM types as: i32 -> i32, i64 -> i64, f32 -> float, f64 -> double.
 * Comparisons return i32 (0 or 1).
 */
#ifndef WAOT_TRANSLATE_NUMERIC_H
#define WAOT_TRANSLATE_NUMERIC_H

#include <stdbool.h>
#include <llvm-c/Core.h>

#include "waot/waot.h"
#include "wasm_opcodes.h"

struct numeric_env {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    /* Emits "if (cond) trap(kind)" and leaves the builder in the continuation block. */
    void (*trap_if)(struct numeric_env *env, LLVMValueRef cond, enum waot_trap kind);
    void *user; /* the translator's function state */
};

/* True for the ops numeric_emit handles. */
bool numeric_handles(enum wasm_op op);
/* Emits op on a (and b for binary ops; NULL otherwise) and returns the result value. */
LLVMValueRef numeric_emit(struct numeric_env *env, enum wasm_op op, LLVMValueRef a, LLVMValueRef b);

#endif
