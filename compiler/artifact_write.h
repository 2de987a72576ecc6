/*
 * Links the objects from codegen into one position-independent image and writes the
 * artifact (format in docs/artifact.md): header, image, fixups, function/trampoline
 * tables and the module metadata the runtime needs, so that running never parses Wasm.
 * The output is a pure function of (module bytes, codegen output, waot version).
 */
#ifndef WAOT_ARTIFACT_WRITE_H
#define WAOT_ARTIFACT_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "codegen.h"
#include "wasm_module.h"

/* On success *out is malloc'd (caller frees) and holds *out_len bytes. */
int artifact_write(const struct wasm_module *m, const struct codegen_output *cg,
                   uint8_t **out, size_t *out_len, struct waot_error *err);

#endif
