/*
 * `waot compile`: Wasm file in, artifact file out, through the dlopen'd compiler library.
 * The artifact is published atomically (temporary in the output's directory, then rename),
 * so a reader never sees half an artifact. Without -o the module is compiled into the
 * compiled-code cache that `waot run` uses (launch_cache_artifact), and the entry's path
 * is printed. Every failure prints one "waot: ..." line and exits 125.
 */
#include "compile_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_file.h"
#include "compiler_load.h"
#include "launch.h"

#define EXIT_WAOT 125

static int usage_fail(const char *why)
{
    fprintf(stderr, "waot: compile: %s\n", why);
    fprintf(stderr, "usage: waot compile IN.wasm [-o OUT.waot] [--opt-level N] [--target TRIPLE] [--cpu NAME]\n");
    return EXIT_WAOT;
}

/* Accepts "--flag VALUE" and "--flag=VALUE"; returns the value or NULL if arg is not flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
    size_t n = strlen(flag);
    if (strncmp(argv[*i], flag, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

int compile_cmd_main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *v;
    struct waot_compile_options opt = {.opt_level = 2, .triple = NULL, .cpu = NULL, .threads = 0};
    for (int i = 1; i < argc; i++) {
        if ((v = flag_value(argc, argv, &i, "-o")) || (v = flag_value(argc, argv, &i, "--output"))) {
            if (!*v)
                return usage_fail("-o needs a file name");
            out = v;
        } else if ((v = flag_value(argc, argv, &i, "--opt-level"))) {
            char *end = NULL;
            errno = 0;
            long n = strtol(v, &end, 10);
            if (!*v || *end || errno || n < 0 || n > 3)
                return usage_fail("--opt-level must be 0, 1, 2 or 3");
            opt.opt_level = (int)n;
        } else if ((v = flag_value(argc, argv, &i, "--target"))) {
            if (!*v)
                return usage_fail("--target needs a triple");
            opt.triple = v;
        } else if ((v = flag_value(argc, argv, &i, "--cpu"))) {
            if (!*v)
                return usage_fail("--cpu needs a name");
            opt.cpu = v;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "waot: compile: unknown option %s\n", argv[i]);
            return EXIT_WAOT;
        } else if (!in) {
            in = argv[i];
        } else {
            return usage_fail("only one input file is allowed");
        }
    }
    if (!in)
        return usage_fail("no input file");
    struct waot_error err = {0};
    if (!out) {
        char path[4096];
        bool compiled = false;
        if (launch_cache_artifact(in, &opt, NULL, path, sizeof path, &compiled, &err) < 0) {
            fprintf(stderr, "waot: %s\n", err.msg);
            return EXIT_WAOT;
        }
        printf("%s\n", path);
        return 0;
    }

    struct compiler_load cl;
    uint8_t *wasm = NULL, *artifact = NULL;
    size_t wasm_len = 0, artifact_len = 0;
    int status = EXIT_WAOT;
    if (compiler_load_open(&cl, &err) < 0) {
        fprintf(stderr, "waot: %s\n", err.msg);
        return EXIT_WAOT;
    }
    if (cli_file_read(in, &wasm, &wasm_len, &err) < 0) {
        fprintf(stderr, "waot: %s\n", err.msg);
        goto done;
    }
    if (cl.api->compile(wasm, wasm_len, &opt, &artifact, &artifact_len, &err) < 0) {
        fprintf(stderr, "waot: %s: %s\n", in, err.msg);
        goto done;
    }
    if (cli_file_write_atomic(out, artifact, artifact_len, &err) < 0) {
        fprintf(stderr, "waot: %s\n", err.msg);
        goto done;
    }
    status = 0;
done:
    if (artifact)
        cl.api->free_artifact(artifact);
    free(wasm);
    compiler_load_close(&cl);
    return status;
}
