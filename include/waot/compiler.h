/*
 * waot compiler library (libwaot_compiler.so): Wasm bytes in, artifact bytes out.
 *
 * This is the only part of waot that links LLVM. The `waot` executable loads it with dlopen
 * only when a module must be compiled, so that running a cached artifact never maps libLLVM.
 * The entry points below are looked up by name (WAOT_COMPILER_SYMBOL) and must keep their
 * signatures; bump WAOT_COMPILER_ABI when they change.
 */
#ifndef WAOT_COMPILER_H
#define WAOT_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#include "waot.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WAOT_COMPILER_ABI 2
#define WAOT_COMPILER_SYMBOL "waot_compiler_v1"

struct waot_compile_options {
    int opt_level;       /* 0..3; 2 by default */
    const char *triple;  /* NULL: the host ("x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu") */
    const char *cpu;     /* NULL: the host CPU when triple is the host, else "generic" */
    int threads;         /* codegen threads; 0: one per online CPU */
    /* Optional (NULL: none; since ABI 2). Called with done = 0 when code generation starts,
     * then whenever a batch of functions is finished, from the compiling threads but never
     * two calls at once; done == total at the end. Must not call back into the compiler. */
    void (*progress)(void *arg, uint32_t done, uint32_t total);
    void *progress_arg;
};

struct waot_compiler {
    int abi; /* WAOT_COMPILER_ABI */
    const char *version;
    /* Decodes and validates only (no LLVM work): 0, or -1 with WAOT_E_MALFORMED/INVALID/UNSUPPORTED. */
    int (*validate)(const uint8_t *wasm, size_t len, struct waot_error *err);
    /* Compiles; on success *out (malloc'd, caller frees with free_artifact) holds the artifact. */
    int (*compile)(const uint8_t *wasm, size_t len, const struct waot_compile_options *opt,
                   uint8_t **out, size_t *out_len, struct waot_error *err);
    void (*free_artifact)(uint8_t *buf);
};

/* Exported by libwaot_compiler.so under WAOT_COMPILER_SYMBOL. */
const struct waot_compiler *waot_compiler_v1(void);

#ifdef __cplusplus
}
#endif
#endif
