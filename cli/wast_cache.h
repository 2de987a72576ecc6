/*
 * Content-addressed cache of compiled and loaded modules for the spec-test runner: the
 * same Wasm bytes are compiled and mapped once per cache, and compile failures are
 * remembered too. The cache owns every module it returns; destroy it only after every
 * instance made from those modules is gone.
 */
#ifndef WAOT_CLI_WAST_CACHE_H
#define WAOT_CLI_WAST_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "waot/compiler.h"

struct wast_cache;

/* api and opt are borrowed and must outlive the cache. NULL when out of memory. */
struct wast_cache *wast_cache_create(const struct waot_compiler *api,
                                     const struct waot_compile_options *opt);
void wast_cache_destroy(struct wast_cache *c);

/* Compiles (or finds) and loads wasm. The module is borrowed from the cache. NULL with err
 * filled by the compiler or the loader (WAOT_E_UNSUPPORTED for SIMD modules). */
struct waot_module *wast_cache_module(struct wast_cache *c, const uint8_t *wasm, size_t len,
                                      struct waot_error *err);

#endif
