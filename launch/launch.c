/*
 * launch_run: the whole way from a launch spec to an exit status (see launch.h). Cache
 * resolution lives in launch_cache.c, value parsing in launch_value.c, backtraces in
 * launch_frames.c, confinement in launch_limits.c and launch_seccomp.c; this file links
 * WASI, confines the process, instantiates and calls the entry point.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch_internal.h"
#include "rt_internal.h"
#include "wasi/wasi.h"

#define WASI_MODULE "wasi_snapshot_preview1"

void launch_spec_init(struct launch_spec *s)
{
    memset(s, 0, sizeof *s);
    s->stdin_fd = 0;
    s->stdout_fd = 1;
    s->stderr_fd = 2;
    s->compile.opt_level = 2;
}

static int open_cache(const char *dir, struct cache *c, struct waot_error *err)
{
    memset(c, 0, sizeof *c);
    c->dir_fd = c->artifacts_fd = c->digests_fd = -1;
    return dir ? cache_open_dir(c, dir, err) : cache_open(c, err);
}

/* Length of p without trailing slashes and without leading "/" or "./". */
static const char *path_trim(const char *p, size_t *len)
{
    while (*p == '/' || (p[0] == '.' && (p[1] == '/' || p[1] == '\0')))
        p++;
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        n--;
    *len = n;
    return p;
}

/* Host directory of the guest directory dir: under the volume with the longest guest path
 * that contains it. Writes it into buf; -1 with WAOT_E_USAGE when no volume holds dir. */
static int workdir_host(const struct launch_spec *s, char *buf, size_t size, bool *readonly,
                        struct waot_error *err)
{
    size_t wlen;
    const char *w = path_trim(s->workdir, &wlen);
    const struct launch_volume *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < s->nvolumes; i++) {
        size_t glen;
        const char *g = path_trim(s->volumes[i].guest_path, &glen);
        bool inside = glen == 0 || (wlen >= glen && memcmp(w, g, glen) == 0 &&
                                    (wlen == glen || w[glen] == '/'));
        if (inside && (!best || glen >= best_len)) {
            best = &s->volumes[i];
            best_len = glen;
        }
    }
    if (!best)
        return waot_fail(err, WAOT_E_USAGE,
                         "working directory %s is not inside any volume (add -v HOSTDIR:GUESTDIR)",
                         s->workdir);
    /* the rest below the volume, joined with exactly one "/" (a volume at "/" leaves no
     * leading slash in it) */
    const char *rest = w + best_len;
    size_t rlen = wlen - best_len, hlen = strlen(best->host_path);
    while (rlen > 0 && *rest == '/') {
        rest++;
        rlen--;
    }
    bool sep = rlen > 0 && (hlen == 0 || best->host_path[hlen - 1] != '/');
    int n = snprintf(buf, size, "%s%s%.*s", best->host_path, sep ? "/" : "", (int)rlen, rest);
    if (n < 0 || (size_t)n >= size)
        return waot_fail(err, WAOT_E_USAGE, "working directory %s: path too long", s->workdir);
    *readonly = best->readonly;
    return 0;
}

/* True when a volume is the guest's "/". */
static bool root_volume(const struct launch_spec *s)
{
    for (size_t i = 0; i < s->nvolumes; i++) {
        size_t glen;
        path_trim(s->volumes[i].guest_path, &glen);
        if (glen == 0 && s->volumes[i].guest_path[0] == '/')
            return true;
    }
    return false;
}

/* Every import must come from WASI: anything else is an unknown import. */
static int check_imports(const struct launch_spec *s, struct waot_module *m, struct waot_error *err)
{
    size_t n = waot_module_import_count(m);
    for (size_t i = 0; i < n; i++) {
        const char *mod = NULL, *name = NULL;
        enum waot_extern_kind kind;
        if (waot_module_import(m, i, &mod, &name, &kind) < 0)
            return waot_fail(err, WAOT_E_INTERNAL, "%s: import %zu unreadable", s->module_path, i);
        if (strcmp(mod, WASI_MODULE) != 0)
            return waot_fail(err, WAOT_E_UNLINKABLE, "%s: unknown import %s.%s (only %s is provided)",
                             s->module_path, mod, name, WASI_MODULE);
    }
    return 0;
}

static struct wasi_ctx *make_wasi(const struct launch_spec *s, struct waot_error *err)
{
    size_t n = s->nvolumes + (s->workdir ? 1 : 0);
    struct wasi_preopen *pre = calloc(n ? n : 1, sizeof *pre);
    char *cwd_host = malloc(4096);
    struct wasi_ctx *w = NULL;
    if (!pre || !cwd_host) {
        waot_fail(err, WAOT_E_NOMEM, "out of memory");
        goto done;
    }
    /* wasi-libc strips "/" and "." from preopen names alike and, for equally long
     * matches, uses the preopen announced last; its cwd is always "/", so a relative "x"
     * and "/x" reach the same lookup. With a volume at "/" the working directory therefore
     * goes first: the root wins, absolute paths stay right, and relative paths resolve
     * from "/" (WASI preview1 has no initial working directory). Otherwise it goes last,
     * where it is the only empty prefix and relative paths resolve beneath it. */
    size_t first = s->workdir && root_volume(s) ? 1 : 0;
    for (size_t i = 0; i < s->nvolumes; i++) {
        pre[first + i].host_path = s->volumes[i].host_path;
        pre[first + i].guest_path = s->volumes[i].guest_path;
        pre[first + i].readonly = s->volumes[i].readonly;
        pre[first + i].sock_fd = -1;
    }
    if (s->workdir) {
        bool ro = false;
        if (workdir_host(s, cwd_host, 4096, &ro, err) < 0)
            goto done;
        pre[first ? 0 : s->nvolumes] = (struct wasi_preopen){
            .host_path = cwd_host, .guest_path = ".", .readonly = ro, .sock_fd = -1};
    }
    struct wasi_config cfg;
    wasi_config_init(&cfg);
    cfg.argc = s->argc;
    cfg.argv = s->argv;
    cfg.envc = s->envc;
    cfg.envp = s->envp;
    cfg.preopens = pre;
    cfg.npreopens = n;
    cfg.stdin_fd = s->stdin_fd;
    cfg.stdout_fd = s->stdout_fd;
    cfg.stderr_fd = s->stderr_fd;
    w = wasi_create(&cfg, err);
done:
    free(cwd_host);
    free(pre);
    return w;
}

/* The outcome of a guest call: 0 and the exit status, or -1 for a trap or failure. */
static int outcome(const struct waot_module *m, struct launch_result *out, struct waot_error *err)
{
    if (err->code == WAOT_E_EXIT) {
        out->exit_code = err->exit_code;
        return 0;
    }
    if (err->code == WAOT_E_TRAP)
        launch_frames_collect(m, out);
    return -1;
}

static struct waot_func *find_func(struct waot_instance *inst, const char *name)
{
    struct waot_extern ext;
    if (waot_instance_export_find(inst, name, &ext) < 0 || ext.kind != WAOT_EXTERN_FUNC)
        return NULL;
    return ext.of.func;
}

static int call_invoke(const struct launch_spec *s, struct waot_module *m,
                       struct waot_instance *inst, struct launch_result *out,
                       struct waot_error *err)
{
    struct waot_func *init = find_func(inst, "_initialize");
    if (init && strcmp(s->invoke, "_initialize") != 0 &&
        waot_func_param_count(init) == 0 && waot_func_result_count(init) == 0) {
        if (waot_func_call(init, NULL, 0, NULL, 0, err) < 0)
            return outcome(m, out, err);
    }
    struct waot_func *f = find_func(inst, s->invoke);
    if (!f)
        return waot_fail(err, WAOT_E_USAGE, "%s: no exported function named \"%s\"", s->module_path,
                         s->invoke);
    size_t np = waot_func_param_count(f), nr = waot_func_result_count(f);
    if ((size_t)s->ninvoke_args != np)
        return waot_fail(err, WAOT_E_USAGE, "%s: function %s takes %zu argument%s, %d given",
                         s->module_path, s->invoke, np, np == 1 ? "" : "s", s->ninvoke_args);
    if (nr > LAUNCH_MAX_RESULTS)
        return waot_fail(err, WAOT_E_USAGE, "%s: function %s has %zu results (at most %d supported)",
                         s->module_path, s->invoke, nr, LAUNCH_MAX_RESULTS);
    struct waot_val *args = calloc(np ? np : 1, sizeof *args);
    if (!args)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < np; i++) {
        if (launch_value_parse(waot_func_param_type(f, i), s->invoke_args[i], &args[i], err) < 0) {
            char msg[sizeof err->msg];
            memcpy(msg, err->msg, sizeof msg);
            free(args);
            return waot_fail(err, WAOT_E_USAGE, "--invoke %s: argument %zu: %s", s->invoke, i + 1, msg);
        }
    }
    int r = waot_func_call(f, args, np, out->results, nr, err);
    free(args);
    if (r < 0)
        return outcome(m, out, err);
    out->nresults = nr;
    return 0;
}

static int call_start(const struct launch_spec *s, struct waot_module *m,
                      struct waot_instance *inst, struct launch_result *out,
                      struct waot_error *err)
{
    struct waot_func *f = find_func(inst, "_start");
    if (!f)
        return waot_fail(err, WAOT_E_USAGE,
                         "%s: module exports no _start function (not a WASI command; use --invoke NAME)",
                         s->module_path);
    if (waot_func_param_count(f) != 0 || waot_func_result_count(f) != 0)
        return waot_fail(err, WAOT_E_USAGE, "%s: _start must take no arguments and return nothing",
                         s->module_path);
    if (waot_func_call(f, NULL, 0, NULL, 0, err) < 0)
        return outcome(m, out, err);
    out->exit_code = 0;
    return 0;
}

static int run_module(const struct launch_spec *s, struct waot_module *m,
                      struct launch_result *out, struct waot_error *err)
{
    if (check_imports(s, m, err) < 0)
        return -1;
    struct wasi_ctx *w = make_wasi(s, err);
    if (!w)
        return -1;
    size_t n = waot_module_import_count(m);
    struct waot_extern *imports = calloc(n ? n : 1, sizeof *imports);
    struct waot_instance *inst = NULL;
    int r = -1;
    if (!imports) {
        waot_fail(err, WAOT_E_NOMEM, "out of memory");
        goto done;
    }
    if (wasi_link(w, m, imports, err) < 0) {
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        waot_fail(err, err->code, "%s: %s", s->module_path, msg);
        goto done;
    }
    if (s->after_link && s->after_link(s->after_link_ctx, err) < 0)
        goto done;
    /* confinement: limits, seccomp, timeout; from here on guest code may run */
    if (launch_limits_apply(s, err) < 0)
        goto done;
    inst = waot_instance_create(m, imports, n, err);
    if (!inst) {
        r = outcome(m, out, err);
        launch_limits_release(s);
        goto done;
    }
    struct waot_extern mem;
    if (waot_instance_export_find(inst, "memory", &mem) == 0 && mem.kind == WAOT_EXTERN_MEMORY)
        wasi_set_memory(w, mem.of.memory);
    if (s->before_start && s->before_start(s->before_start_ctx, err) < 0)
        r = -1;
    else
        r = s->invoke ? call_invoke(s, m, inst, out, err) : call_start(s, m, inst, out, err);
    launch_limits_release(s);
done:
    waot_instance_destroy(inst);
    wasi_destroy(w);
    free(imports);
    return r;
}

static int run_here(const struct launch_spec *s, struct launch_result *out, struct waot_error *err)
{
    memset(out, 0, sizeof *out);
    if (!s->module_path)
        return waot_fail(err, WAOT_E_USAGE, "no module file");
    struct waot_module *m = NULL;
    if (s->module_is_artifact) {
        m = waot_module_open(s->module_path, err);
        snprintf(out->artifact_path, sizeof out->artifact_path, "%s", s->module_path);
    } else {
        struct cache c;
        if (open_cache(s->cache_dir, &c, err) < 0)
            return -1;
        c.no_digest_memo = s->no_digest_memo;
        bool compiled = false;
        m = launch_cache_module(&c, s->module_path, &s->compile, out->artifact_path,
                                sizeof out->artifact_path, &compiled, err);
        cache_close(&c);
        out->compiled = compiled;
        if (m && compiled && s->after_compile && s->after_compile(s->after_compile_ctx, err) < 0) {
            waot_module_close(m);
            return -1;
        }
    }
    if (!m)
        return -1;
    int r = run_module(s, m, out, err);
    waot_module_close(m);
    return r;
}

/* --max-stack beyond what this thread's stack has left (8 MiB main stacks are common): the
 * whole run moves to a thread whose stack holds the budget plus room for the runtime's own
 * frames. The seccomp filter is installed with TSYNC, so this waiting thread is confined
 * as well as the guest's. */
#define LAUNCH_THREAD_EXTRA (4u << 20)
/* A stack is committed as it is used: a runaway recursion under a huge budget would eat
 * that much memory before its trap. */
#define LAUNCH_MAX_STACK ((uint64_t)1 << 30)

struct run_thread {
    const struct launch_spec *s;
    struct launch_result *out;
    struct waot_error *err;
    int rc;
};

static void *run_thread_main(void *arg)
{
    struct run_thread *t = arg;
    t->rc = run_here(t->s, t->out, t->err);
    return NULL;
}

int launch_run(const struct launch_spec *s, struct launch_result *out, struct waot_error *err)
{
    if (!s->max_stack || s->max_stack <= trap_stack_room())
        return run_here(s, out, err);
    if (s->max_stack > LAUNCH_MAX_STACK)
        return waot_fail(err, WAOT_E_USAGE, "--max-stack: %llu bytes is above the limit of %llu",
                         (unsigned long long)s->max_stack, (unsigned long long)LAUNCH_MAX_STACK);
    struct run_thread t = {.s = s, .out = out, .err = err, .rc = -1};
    pthread_attr_t attr;
    pthread_t th;
    int r = pthread_attr_init(&attr);
    if (r == 0)
        r = pthread_attr_setstacksize(&attr, (size_t)s->max_stack + LAUNCH_THREAD_EXTRA);
    if (r == 0)
        r = pthread_create(&th, &attr, run_thread_main, &t);
    pthread_attr_destroy(&attr);
    if (r != 0)
        return waot_fail(err, WAOT_E_NOMEM, "--max-stack: cannot start a thread with a %llu-byte stack: %s",
                         (unsigned long long)s->max_stack, strerror(r));
    pthread_join(th, NULL);
    return t.rc;
}

int launch_cache_artifact(const char *module_path, const struct waot_compile_options *opt,
                          const char *cache_dir, char *path_out, size_t size, bool *compiled,
                          struct waot_error *err)
{
    struct cache c;
    *compiled = false;
    if (open_cache(cache_dir, &c, err) < 0)
        return -1;
    int r = launch_cache_entry(&c, module_path, opt, path_out, size, compiled, err);
    cache_close(&c);
    return r;
}
