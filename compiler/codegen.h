/*
 * Code generation: a validated wasm_module in, ELF relocatable objects out (one per
 * partition, each compiled in its own LLVMContext, possibly on several threads).
 *
 * Symbols the objects define (see runtime/vmctx.h for the calling conventions):
 *   waot_func_<funcidx>   every defined function
 *   waot_entry_<typeidx>  C -> wasm trampoline, every type index
 *   waot_host_<typeidx>   wasm -> host trampoline, every type index
 * Each symbol is defined in exactly one object; objects call each other's functions by
 * these names (undefined in the caller's object). The only other undefined symbols are
 * the C library routines LLVM may call (memcpy, memmove, memset, and libm rounding/sqrt
 * routines on targets without the instruction); the linker maps them to a fixup table.
 */
#ifndef WAOT_CODEGEN_H
#define WAOT_CODEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "waot/compiler.h"
#include "wasm_module.h"

struct codegen_object {
    uint8_t *data; /* malloc'd ELF64 relocatable object */
    size_t len;
};

struct codegen_output {
    uint32_t nobjects;
    struct codegen_object *objects; /* malloc'd */
    char triple[64];      /* normalised target triple actually used */
    char cpu[64];         /* CPU name actually used */
    char features[1024];  /* LLVM feature string actually used ("+sse4.1,+avx,...") */
};

/* Translates, optimises and emits m. Returns 0 or -1 (WAOT_E_COMPILE / WAOT_E_UNSUPPORTED /
 * WAOT_E_NOMEM). out is zeroed first and must be released with codegen_output_fini. */
int codegen_module(const struct wasm_module *m, const struct waot_compile_options *opt,
                   struct codegen_output *out, struct waot_error *err);
void codegen_output_fini(struct codegen_output *out);

#endif
