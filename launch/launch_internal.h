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

/* launch_limits.c: applies the spec's limits to this process and thread (RLIMIT_NOFILE,
 * RLIMIT_AS, the memory cap, the stack budget) and, unless unconfined, the seccomp filter;
 * arms the timeout last. -1 with err (WAOT_E_USAGE for a limit that cannot hold). */
int launch_limits_apply(const struct launch_spec *s, struct waot_error *err);
/* Disarms the timeout once the guest is done. */
void launch_limits_release(const struct launch_spec *s);

/* launch_seccomp.c: sets no_new_privs and loads the allow-list filter (see the file);
 * cache_dir (NULL: the default) keeps the generated program between runs. */
int launch_seccomp_install(const char *cache_dir, struct waot_error *err);

#endif
