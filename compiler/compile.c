/*
 * The compiler library's entry point (libwaot_compiler.so exports only waot_compiler_v1):
 * validate = decode + validate; compile = decode, validate, codegen, link and write the
 * artifact. This file is the pipeline's table of contents; each step lives in its own file.
 */
#include <stdlib.h>
#include <string.h>

#include "waot/compiler.h"
#include "artifact_write.h"
#include "codegen.h"
#include "wasm_module.h"

static int compile_validate(const uint8_t *wasm, size_t len, struct waot_error *err)
{
    struct wasm_module m;
    int rc = -1;
    if (wasm_decode(&m, wasm, len, err) == 0 && wasm_validate(&m, err) == 0)
        rc = 0;
    wasm_module_destroy(&m);
    return rc;
}

static int compile_module(const uint8_t *wasm, size_t len, const struct waot_compile_options *opt,
                          uint8_t **out, size_t *out_len, struct waot_error *err)
{
    struct waot_compile_options defaults = { .opt_level = 2 };
    struct wasm_module m;
    struct codegen_output cg;
    int rc = -1;
    *out = NULL;
    *out_len = 0;
    memset(&cg, 0, sizeof cg);
    if (!opt)
        opt = &defaults;
    if (wasm_decode(&m, wasm, len, err) < 0 || wasm_validate(&m, err) < 0)
        goto done;
    if (codegen_module(&m, opt, &cg, err) < 0)
        goto done;
    rc = artifact_write(&m, &cg, out, out_len, err);
done:
    codegen_output_fini(&cg);
    wasm_module_destroy(&m);
    return rc;
}

static void compile_free_artifact(uint8_t *buf)
{
    free(buf);
}

__attribute__((visibility("default")))
const struct waot_compiler *waot_compiler_v1(void)
{
    static const struct waot_compiler compiler = {
        .abi = WAOT_COMPILER_ABI,
        .version = WAOT_VERSION,
        .validate = compile_validate,
        .compile = compile_module,
        .free_artifact = compile_free_artifact,
    };
    return &compiler;
}
