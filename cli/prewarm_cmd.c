/*
 * `waot prewarm [--target T] [--cpu C] [--opt-level N] [-q] IMAGE_OR_WASM...`: puts the
 * compiled artifact of each module (a .wasm file, or the module an image runs) into the
 * compiled-code cache without running it, so that the next `waot run` maps it straight
 * away. With --target/--cpu the artifacts are for another machine type (a cache directory
 * that is then copied there). Prints one line per input: "compiled" or "cached", the
 * input and the entry's path. Exit status 0, or 125 when any input failed.
 */
#include "prewarm_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "prewarm_image.h"
#include "progress.h"

#define EXIT_WAOT 125

static const char prewarm_usage[] =
    "usage: waot prewarm [OPTIONS] IMAGE_OR_WASM...\n"
    "  --target TRIPLE     compile for this target (default: this machine)\n"
    "  --cpu NAME          compile for this CPU (default: this machine's, or generic)\n"
    "  --opt-level N       optimisation level 0-3 (default 2)\n"
    "  --cache-dir DIR     compiled-code cache (default: $WAOT_CACHE_DIR, ~/.cache/waot)\n"
    "  -q, --quiet         no progress display\n";

static int usage_fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "waot: prewarm: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", prewarm_usage);
    return EXIT_WAOT;
}

/* "--flag VALUE" or "--flag=VALUE": the value ("" when missing), or NULL if not flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
    size_t n = strlen(flag);
    if (strncmp(argv[*i], flag, n) != 0 || (argv[*i][n] != '=' && argv[*i][n] != '\0'))
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    return *i + 1 < argc ? argv[++*i] : "";
}

/* 1 when path is a file starting with the Wasm magic. */
static int is_wasm_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    unsigned char magic[4];
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    return n == 4 && memcmp(magic, "\0asm", 4) == 0;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int prewarm_one(const char *input, struct waot_compile_options *opt, const char *cache_dir,
                       bool quiet)
{
    struct waot_error err = {0};
    char path[4096];
    bool compiled = false;
    struct progress prog;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    progress_attach(&prog, opt, input, quiet);
    int r;
    size_t len = strlen(input);
    if (is_wasm_file(input) || (len > 5 && strcmp(input + len - 5, ".wasm") == 0))
        r = launch_cache_artifact(input, opt, cache_dir, path, sizeof path, &compiled, &err);
    else
        r = prewarm_image(input, opt, cache_dir, path, sizeof path, &compiled, &err);
    progress_finish(&prog);
    opt->progress = NULL;
    opt->progress_arg = NULL;
    if (r < 0) {
        fprintf(stderr, "waot: prewarm: %s\n", err.msg);
        return EXIT_WAOT;
    }
    if (compiled)
        printf("compiled %s in %.2f s: %s\n", input, seconds_since(&t0), path);
    else
        printf("cached   %s: %s\n", input, path);
    fflush(stdout);
    return 0;
}

int prewarm_cmd_main(int argc, char **argv)
{
    struct waot_compile_options opt = {.opt_level = 2};
    const char *cache_dir = NULL, *v;
    bool quiet = false;
    char **inputs = calloc((size_t)argc, sizeof *inputs);
    int ninputs = 0;
    if (!inputs)
        return usage_fail("%s", "out of memory");
    int status = 0;
    bool only_inputs = false;
    for (int i = 1; i < argc && status == 0; i++) {
        const char *a = argv[i];
        if (only_inputs || a[0] != '-' || a[1] == '\0') {
            inputs[ninputs++] = argv[i];
        } else if (strcmp(a, "--") == 0) {
            only_inputs = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(prewarm_usage, stdout);
            free(inputs);
            return 0;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if ((v = flag_value(argc, argv, &i, "--target"))) {
            opt.triple = v;
            if (!*v)
                status = usage_fail("%s needs a target triple", a);
        } else if ((v = flag_value(argc, argv, &i, "--cpu"))) {
            opt.cpu = v;
            if (!*v)
                status = usage_fail("%s needs a CPU name", a);
        } else if ((v = flag_value(argc, argv, &i, "--cache-dir"))) {
            cache_dir = v;
            if (!*v)
                status = usage_fail("%s needs a directory", a);
        } else if ((v = flag_value(argc, argv, &i, "--opt-level"))) {
            char *end = NULL;
            errno = 0;
            long n = strtol(v, &end, 10);
            if (!*v || *end || errno || n < 0 || n > 3)
                status = usage_fail("%s must be 0, 1, 2 or 3", "--opt-level");
            opt.opt_level = (int)n;
        } else {
            status = usage_fail("unknown option %s", a);
        }
    }
    if (status == 0 && ninputs == 0)
        status = usage_fail("%s", "no image or module given");
    for (int k = 0; status == 0 && k < ninputs; k++)
        if (prewarm_one(inputs[k], &opt, cache_dir, quiet) != 0)
            status = -1;
    if (status < 0)
        status = EXIT_WAOT;
    free(inputs);
    return status;
}
