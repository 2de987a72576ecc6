/*
 * Spec scripts for another machine (`waot wast --emit DIR` / `--artifacts DIR`, see
 * docs/cross-testing.md): the machine that has the compiler compiles every binary module of
 * a script for the target and records, per module, what the runner on the target will ask
 * the compiler; the target's waot, built without the compiler, answers from that record.
 *
 * DIR holds, for a module whose bytes have the SHA-256 HEX:
 *   HEX.waot   the artifact (the module validated and compiled)
 *   HEX.err    "V CODE MESSAGE" (validation failed) or "C CODE MESSAGE" (valid, compile failed)
 * and "manifest", the target, CPU and optimisation level the artifacts were compiled with.
 */
#ifndef WAOT_CLI_WAST_ARTIFACTS_H
#define WAOT_CLI_WAST_ARTIFACTS_H

#include <stdint.h>

#include "waot/compiler.h"

/* Creates out_dir when missing and writes its manifest for opt. -1 with err filled. */
int wast_artifacts_prepare(const char *out_dir, const struct waot_compile_options *opt,
                           struct waot_error *err);

/* Validates and compiles every *.wasm file of wasm_dir (a script converted by wast2json) into
 * out_dir. Counts modules recorded in *recorded; -1 with err filled on the first failure to
 * read or write a file (a module the compiler rejects is recorded, not a failure). */
int wast_artifacts_emit(const char *wasm_dir, const char *out_dir, const struct waot_compiler *api,
                        const struct waot_compile_options *opt, uint64_t *recorded,
                        struct waot_error *err);

/* A compiler interface that answers from dir instead of compiling: validate() and compile()
 * return what the emitting machine's compiler returned; a module that was never emitted is
 * WAOT_E_IO naming its digest and dir. dir must hold a manifest (-1 with err filled
 * otherwise) and is kept for the rest of the process (one directory per process). */
int wast_artifacts_open(const char *dir, const struct waot_compiler **api, struct waot_error *err);

#endif
