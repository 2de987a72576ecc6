/*
 * Private entry points shared by the files of launch/: the cache resolution step
 * (launch_cache.c), the WASI/instance step (launch.c) and the backtrace mapping
 * (launch_frames.c).
 */
#ifndef WAOT_LAUNCH_INTERNAL_H
#define WAOT_LAUNCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cache.h"
#include "launch.h"

/* Finds (or compiles and publishes) the artifact of module_path in c, maps it and returns
 * the module; an entry the loader rejects as corrupt (WAOT_E_ARTIFACT) is discarded and
 * rebuilt once. path_out receives the entry's path, *compiled whether this call compiled. */
struct waot_module *launch_cache_module(struct cache *c, const char *module_path,
                                        const struct waot_compile_options *opt,
                                        char *path_out, size_t size, bool *compiled,
                                        struct waot_error *err);

/* The same without mapping it: makes sure the entry exists. */
int launch_cache_entry(struct cache *c, const char *module_path,
                       const struct waot_compile_options *opt, char *path_out, size_t size,
                       bool *compiled, struct waot_error *err);

/* Fills out->frames from the backtrace the runtime recorded at the last trap on this
 * thread, naming functions of m. */
void launch_frames_collect(const struct waot_module *m, struct launch_result *out);

#endif
