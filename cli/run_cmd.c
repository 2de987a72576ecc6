/*
 * `waot run`: parses Docker-style options into a launch spec, calls launch_run and turns
 * the outcome into an exit status and messages. Options end at the first non-option
 * (the module) or at `--`; everything after the module goes to the guest (or, with
 * --invoke, is the function's arguments, as with `wasmtime run --invoke`). The module may
 * also be an artifact of `waot compile -o` (as `wasmtime run` takes a .cwasm), recognised
 * by its magic.
 */
#include "run_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact_format.h"
#include "launch.h"
#include "progress.h"
#include "run_env.h"
#include "run_image.h"
#include "run_limits.h"

#define EXIT_WAOT 125
#define EXIT_TRAP 134

static const char run_usage[] =
    "usage: waot run [OPTIONS] [--] FILE.wasm|ARTIFACT|IMAGE [ARGS...]\n"
    "  ARTIFACT: a module compiled by `waot compile -o` for this machine's architecture and CPU\n"
    "  IMAGE: an OCI archive or docker-archive tar, an OCI layout directory or a stored name\n"
    "      --rm                  discard the image run's writable layer afterwards\n"
    "      --read-only           preopen the image's root file system read-only\n"
    "  -e, --env KEY[=VALUE]     set a guest environment variable (KEY alone: the host's value)\n"
    "      --env-file FILE       read KEY=VALUE lines (# comments) into the environment\n"
    "  -v, --volume HOST:GUEST[:ro|:rw]\n"
    "                            preopen directory HOST as GUEST\n"
    "  -w, --workdir DIR         guest working directory (inside a volume)\n"
    "      --invoke NAME         call exported function NAME with ARGS, print its results\n"
    "      --argv0 NAME          guest argv[0] (default: the module's file name)\n"
    "      --opt-level N         optimisation level 0-3 when compiling (default 2)\n"
    "      --cache-dir DIR       compiled-code cache (default: $WAOT_CACHE_DIR, ~/.cache/waot)\n"
    "  -q, --quiet               no compile progress on a terminal\n"
    "confinement:\n"
    "      --memory SIZE         cap linear memory (and address space) at SIZE (64M, 1G)\n"
    "      --timeout DURATION    trap with \"timeout\" after DURATION (500ms, 2s, 1m)\n"
    "      --max-stack SIZE      Wasm call-stack budget (default: the thread's stack)\n"
    "      --max-fds N           open file descriptor limit (default 1024)\n"
    "      --seccomp=unconfined  no system call filter (debugging only; warns)\n";

struct run_opts {
    struct launch_spec spec;
    struct run_env env;
    struct launch_volume *volumes; /* owned array; strings owned by vol_strings */
    char **vol_strings;
    size_t nvolumes;
    const char *argv0;
    bool quiet;
    bool rm, read_only;            /* images only */
    int nrest;                     /* ARGS after the module or image */
    char **rest;
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "waot: run: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return EXIT_WAOT;
}

/* Matches short or long (with "--long VALUE", "--long=VALUE", "-s VALUE", "-sVALUE"); on a
 * match sets *value (NULL when the value is missing) and returns 1. */
static int option(int argc, char **argv, int *i, const char *s, const char *l, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(l);
    if (strncmp(a, l, n) == 0 && (a[n] == '\0' || a[n] == '=')) {
        *value = a[n] == '=' ? a + n + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
        return 1;
    }
    if (s && strncmp(a, s, 2) == 0) {
        *value = a[2] ? a + 2 : (*i + 1 < argc ? argv[++*i] : NULL);
        return 1;
    }
    return 0;
}

/* HOST:GUEST[:ro|:rw] */
static int add_volume(struct run_opts *o, const char *arg)
{
    char *copy = strdup(arg);
    struct launch_volume *v = realloc(o->volumes, (o->nvolumes + 1) * sizeof *v);
    char **strs = v ? realloc(o->vol_strings, (o->nvolumes + 1) * sizeof *strs) : NULL;
    if (v)
        o->volumes = v;
    if (strs)
        o->vol_strings = strs;
    if (!copy || !v || !strs) {
        free(copy);
        return fail("out of memory");
    }
    bool ro = false;
    size_t len = strlen(copy);
    if (len > 3 && (strcmp(copy + len - 3, ":ro") == 0 || strcmp(copy + len - 3, ":rw") == 0)) {
        ro = copy[len - 2] == 'r' && copy[len - 1] == 'o';
        copy[len - 3] = '\0';
    }
    char *colon = strrchr(copy, ':');
    if (!colon || colon == copy || colon[1] == '\0') {
        free(copy);
        return fail("-v %s: expected HOSTDIR:GUESTDIR[:ro|:rw]", arg);
    }
    *colon = '\0';
    o->vol_strings[o->nvolumes] = copy;
    o->volumes[o->nvolumes] = (struct launch_volume){.host_path = copy, .guest_path = colon + 1,
                                                     .readonly = ro};
    o->nvolumes++;
    return 0;
}

static void opts_free(struct run_opts *o)
{
    for (size_t i = 0; i < o->nvolumes; i++)
        free(o->vol_strings[i]);
    free(o->vol_strings);
    free(o->volumes);
    run_env_free(&o->env);
    free((void *)o->spec.argv);
}

/* Parses argv into o; 0, or an exit status (help: 0 after printing, errors: 125). */
static int parse(int argc, char **argv, struct run_opts *o, int *done)
{
    struct launch_spec *s = &o->spec;
    struct waot_error err = {0};
    int i = 1;
    *done = 0;
    for (; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            break;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(run_usage, stdout);
            *done = 1;
            return 0;
        }
        int lim = run_limits_option(argc, argv, &i, s);
        if (lim < 0)
            return EXIT_WAOT;
        if (lim > 0)
            continue;
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (strcmp(a, "--rm") == 0) {
            o->rm = true;
        } else if (strcmp(a, "--read-only") == 0) {
            o->read_only = true;
        } else if (option(argc, argv, &i, "-e", "--env", &v)) {
            if (!v)
                return fail("%s needs KEY=VALUE", a);
            if (run_env_add(&o->env, v, &err) < 0)
                return fail("%s", err.msg);
        } else if (option(argc, argv, &i, NULL, "--env-file", &v)) {
            if (!v)
                return fail("%s needs a file", a);
            if (run_env_add_file(&o->env, v, &err) < 0)
                return fail("%s", err.msg);
        } else if (option(argc, argv, &i, "-v", "--volume", &v)) {
            if (!v)
                return fail("%s needs HOSTDIR:GUESTDIR", a);
            if (add_volume(o, v) != 0)
                return EXIT_WAOT;
        } else if (option(argc, argv, &i, "-w", "--workdir", &v)) {
            if (!v || !*v)
                return fail("%s needs a directory", a);
            s->workdir = v;
        } else if (option(argc, argv, &i, NULL, "--invoke", &v)) {
            if (!v || !*v)
                return fail("%s needs a function name", a);
            s->invoke = v;
        } else if (option(argc, argv, &i, NULL, "--argv0", &v)) {
            if (!v)
                return fail("%s needs a value", a);
            o->argv0 = v;
        } else if (option(argc, argv, &i, NULL, "--cache-dir", &v)) {
            if (!v || !*v)
                return fail("%s needs a directory", a);
            s->cache_dir = v;
        } else if (option(argc, argv, &i, NULL, "--opt-level", &v)) {
            char *end = NULL;
            errno = 0;
            long n = v ? strtol(v, &end, 10) : -1;
            if (!v || !*v || *end || errno || n < 0 || n > 3)
                return fail("--opt-level must be 0, 1, 2 or 3");
            s->compile.opt_level = (int)n;
        } else {
            fprintf(stderr, "waot: run: unknown option %s\n%s", a, run_usage);
            return EXIT_WAOT;
        }
    }
    if (i >= argc)
        return fail("no module file given (waot run [OPTIONS] FILE.wasm [ARGS...])");
    s->module_path = argv[i++];
    int nrest = argc - i;
    o->nrest = nrest;
    o->rest = argv + i;
    if (s->invoke) {
        s->ninvoke_args = nrest;
        s->invoke_args = (const char *const *)(argv + i);
        nrest = 0;
    }
    const char **gargv = calloc((size_t)nrest + 2, sizeof *gargv);
    if (!gargv)
        return fail("out of memory");
    const char *base = strrchr(s->module_path, '/');
    gargv[0] = o->argv0 ? o->argv0 : base ? base + 1 : s->module_path;
    for (int k = 0; k < nrest; k++)
        gargv[k + 1] = argv[i + k];
    s->argc = nrest + 1;
    s->argv = gargv;
    s->envc = (int)o->env.count;
    s->envp = (const char *const *)o->env.vars;
    s->volumes = o->volumes;
    s->nvolumes = o->nvolumes;
    return 0;
}

/* An artifact starts with ART_MAGIC; a Wasm module, a tar or a directory never does. */
static bool is_artifact(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char magic[8];
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    return n == (ssize_t)sizeof magic && memcmp(magic, ART_MAGIC, sizeof magic) == 0;
}

int run_cmd_main(int argc, char **argv)
{
    struct run_opts o;
    memset(&o, 0, sizeof o);
    launch_spec_init(&o.spec);
    int done = 0;
    int status = parse(argc, argv, &o, &done);
    if (status != 0 || done) {
        opts_free(&o);
        return status;
    }
    /* an artifact instead of a .wasm file: run it as it is; an image: rewrite the spec
     * from the image (run_image.c) */
    const char *const *own_argv = o.spec.argv;
    const char *shown = o.spec.module_path; /* what the progress line names: the argument */
    struct run_image *img = NULL;
    if (!run_image_wanted(o.spec.module_path)) {
        /* Only a name that is not *.wasm is probed for the artifact magic, so that a warm
         * start of a module costs no extra open (image_path_is_image told artifacts apart
         * from images already). */
        o.spec.module_is_artifact = !run_is_wasm_name(o.spec.module_path) &&
                                    is_artifact(o.spec.module_path);
    } else {
        struct run_image_opts io = {.nargs = o.nrest, .args = o.rest, .argv0 = o.argv0,
                                    .read_only = o.read_only, .rm = o.rm, .quiet = o.quiet};
        img = malloc(sizeof *img);
        status = img ? run_image_setup(img, &o.spec, o.spec.module_path, &io) : fail("out of memory");
        if (status != 0) {
            if (img)
                run_image_cleanup(img);
            free(img);
            o.spec.argv = own_argv;
            opts_free(&o);
            return status;
        }
    }
    struct launch_result *res = malloc(sizeof *res);
    if (!res) {
        if (img)
            run_image_cleanup(img);
        free(img);
        o.spec.argv = own_argv;
        opts_free(&o);
        return fail("out of memory");
    }
    struct waot_error err = {0};
    struct progress prog;
    progress_attach(&prog, &o.spec.compile, shown, o.quiet);
    int rc = launch_run(&o.spec, res, &err);
    progress_finish(&prog);
    if (rc == 0) {
        status = res->exit_code;
        for (size_t k = 0; k < res->nresults; k++) {
            char buf[128];
            launch_value_format(&res->results[k], buf, sizeof buf);
            printf("%s\n", buf);
        }
        fflush(stdout);
    } else if (err.code == WAOT_E_TRAP) {
        fflush(stdout);
        launch_print_trap(stderr, &err, res);
        status = EXIT_TRAP;
    } else {
        fprintf(stderr, "waot: %s\n", err.msg);
        status = EXIT_WAOT;
    }
    free(res);
    if (img)
        run_image_cleanup(img);
    free(img);
    o.spec.argv = own_argv;
    opts_free(&o);
    return status;
}
