/*
 * Private to the validator's files: the scratch state reused across function bodies (one
 * operand stack, one control stack, one table of local ranges, grown as needed and freed
 * once per module) and the body checker's entry point.
 */
#ifndef WAOT_WASM_VALIDATE_INT_H
#define WAOT_WASM_VALIDATE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "wasm_module.h"

struct wasm_validate_frame;

struct wasm_validator {
    struct wasm_module *m;
    struct waot_error *err;
    uint32_t func;                 /* function being checked */
    uint8_t *vals;                 /* operand types; 0 = unknown (polymorphic stack) */
    size_t nvals, vals_cap;
    struct wasm_validate_frame *ctrls;
    size_t nctrls, ctrls_cap;
    uint64_t *local_ends;          /* per local declaration: index one past its run */
    size_t local_ends_cap;
};

/* Checks the body of defined function `index`. Returns 0, or -1 with WAOT_E_INVALID
 * ("func N, offset 0x..: what"), or WAOT_E_NOMEM. */
int wasm_validate_func(struct wasm_validator *v, uint32_t index);
/* Frees the scratch stacks. */
void wasm_validate_fini(struct wasm_validator *v);

/* "i32", "funcref", ... for messages. */
const char *wasm_validate_type_name(wasm_valtype t);

#endif
