/*
 * The launch spec: the one seam between "where a program comes from" (CLI flags, and later
 * an image config or a containerd bundle) and "how it runs" (cache, compiler, loader, WASI,
 * traps). A front end fills a struct launch_spec and calls launch_run; nothing else.
 *
 * launch_run resolves the module through the compiled-code cache (digest memoised, so a
 * warm start neither reads the module nor maps LLVM), compiles on a miss with the dlopen'd
 * compiler library, discards and rebuilds a corrupt entry once, maps the artifact, links
 * WASI preview1, instantiates and calls `_start` (or an exported function with typed
 * arguments). Strings in the spec are borrowed for the duration of the call.
 */
#ifndef WAOT_LAUNCH_H
#define WAOT_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "waot/compiler.h"
#include "waot/waot.h"

/* A host directory shown to the guest as guest_path (a WASI preopen). */
struct launch_volume {
    const char *host_path;
    const char *guest_path;
    bool readonly;
};

#define LAUNCH_MAX_RESULTS 64
#define LAUNCH_MAX_FRAMES 64

struct launch_spec {
    const char *module_path;          /* the .wasm file */
    /* module_path is an artifact (`waot compile -o`): mapped as it is, after the loader's
     * checks (format, waot version, architecture, CPU features), without the cache or the
     * compiler. */
    bool module_is_artifact;
    int argc;                         /* guest argv (argv[0] included) */
    const char *const *argv;
    int envc;                         /* "KEY=VALUE": the whole guest environment */
    const char *const *envp;
    const struct launch_volume *volumes;
    size_t nvolumes;
    /* Guest working directory, or NULL. It must lie inside a volume; the matching host
     * directory is preopened once more as ".", so that wasi-libc (whose cwd starts at "/"
     * and which resolves relative paths by preopen prefix) opens relative paths beneath
     * it. With a volume at "/" it is announced before the volumes instead, so absolute
     * paths keep resolving under "/" (wasi-libc cannot tell "x" from "/x" then; relative
     * paths resolve from "/"). */
    const char *workdir;
    int stdin_fd, stdout_fd, stderr_fd;  /* not owned; 0, 1, 2 normally */
    const char *invoke;               /* NULL: run _start; else this exported function */
    int ninvoke_args;                 /* its arguments as text ("42", "-1.5", "0x10") */
    const char *const *invoke_args;
    struct waot_compile_options compile;
    const char *cache_dir;            /* NULL: cache_open's default location */
    bool no_digest_memo;              /* hash the module every run (see struct cache) */
    /* Confinement (launch_limits.c, launch_seccomp.c), applied after the artifact is mapped
     * and WASI linked, before instantiation. Zero means the default. */
    bool seccomp_unconfined;          /* no seccomp filter (debugging only) */
    uint64_t memory_limit;            /* bytes per linear memory, and RLIMIT_AS; 0: none */
    uint64_t timeout_ns;              /* wall-clock limit of the guest; 0: none */
    uint64_t max_stack;               /* Wasm call-stack budget in bytes; 0: the thread's */
    unsigned max_fds;                 /* RLIMIT_NOFILE; 0: LAUNCH_DEFAULT_MAX_FDS */
    /* Front-end hooks (the containerd shim's task runner), each optional; returning -1
     * (with err filled) ends the run before the guest starts. after_link runs once the
     * artifact is mapped, WASI linked and the preopens opened, before any confinement: the
     * runner drops to the container's user there, after the cache and the preopens were
     * opened with its own (root) rights. before_start runs after instantiation, under the
     * seccomp filter (read, write and close are allowed), right before `_start` or the
     * --invoke function: the runner reports "ready" there and waits to be released. */
    /* after_compile runs when this run had to compile the module (a cache miss), with the
     * artifact mapped and the compiler library still loaded: the shim's runner execs itself
     * there, so that a task never keeps LLVM's pages for its whole life. */
    int (*after_compile)(void *ctx, struct waot_error *err);
    void *after_compile_ctx;
    int (*after_link)(void *ctx, struct waot_error *err);
    void *after_link_ctx;
    int (*before_start)(void *ctx, struct waot_error *err);
    void *before_start_ctx;
};

#define LAUNCH_DEFAULT_MAX_FDS 1024

/* One Wasm frame of a trap backtrace, innermost first. */
struct launch_frame {
    uint32_t func_index;              /* UINT32_MAX when the PC is in no known function */
    char name[128];                   /* name-section name, or "" */
};

struct launch_result {
    int exit_code;                    /* proc_exit status; 0 when _start returned */
    size_t nresults;                  /* --invoke: the function's results */
    struct waot_val results[LAUNCH_MAX_RESULTS];
    size_t nframes;                   /* after a trap: the Wasm call chain */
    struct launch_frame frames[LAUNCH_MAX_FRAMES];
    bool compiled;                    /* this run compiled the module (a cache miss) */
    char artifact_path[4096];         /* the cache entry that ran */
};

/* Sets the stdio fds to 0, 1, 2 and the compile options to their defaults; the rest zero. */
void launch_spec_init(struct launch_spec *s);

/* Runs the spec. 0: the guest finished (out->exit_code, and out->results for --invoke).
 * -1: err says why; WAOT_E_TRAP when the guest trapped (out->frames holds the backtrace),
 * any other code when waot itself failed (missing file, not Wasm, invalid module, unknown
 * import, no _start, bad --invoke argument, cache or compiler trouble), with a message
 * naming the file. */
int launch_run(const struct launch_spec *s, struct launch_result *out, struct waot_error *err);

/* Prints a trap as `waot run` reports it: "waot: wasm trap: KIND" and the Wasm backtrace of
 * res (a run of identical frames, as in a recursion that ran out of stack, is counted). */
void launch_print_trap(FILE *out, const struct waot_error *err, const struct launch_result *res);

/* Makes sure the cache holds the artifact of module_path for opt (compiling on a miss) and
 * writes the entry's path; *compiled says whether this call compiled it. */
int launch_cache_artifact(const char *module_path, const struct waot_compile_options *opt,
                          const char *cache_dir, char *path_out, size_t size, bool *compiled,
                          struct waot_error *err);

/* ---- launch_value.c: typed values as text ---- */

/* Parses text as a value of type t (decimal or 0x hex integers, signed or unsigned within
 * the type's width; floats as strtod accepts them, plus "nan"/"inf"). -1 with WAOT_E_USAGE. */
int launch_value_parse(enum waot_valtype t, const char *text, struct waot_val *out,
                       struct waot_error *err);
/* Formats v as `wasmtime run --invoke` prints it: integers signed decimal, floats in the
 * shortest form that reads back exactly ("1.5", "NaN", "inf"). */
void launch_value_format(const struct waot_val *v, char *buf, size_t size);
const char *launch_valtype_name(enum waot_valtype t);

#endif
