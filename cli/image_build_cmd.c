/*
 * `waot image build`: parses the options and calls image_write_archive (image/image_write.c),
 * which writes a deterministic OCI archive for platform wasip1/wasm. --entrypoint and
 * --cmd may repeat (one argv element each); --env KEY=VALUE may repeat. Without -o the
 * archive is NAME.tar in the current directory (NAME: the last path component of the
 * image name, without its tag).
 */
#include "image_build_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_write.h"

#define EXIT_WAOT 125

static const char build_usage[] =
    "usage: waot image build FILE.wasm -t NAME[:TAG] [OPTIONS]\n"
    "  -t, --tag NAME[:TAG]      image name (TAG defaults to latest)\n"
    "  -o, --output OUT.tar      archive to write (default: NAME.tar here)\n"
    "      --entrypoint ARG      Entrypoint element (repeat for more; default /FILE.wasm)\n"
    "      --cmd ARG             Cmd element (repeat for more)\n"
    "  -e, --env KEY=VALUE       environment variable of the image (repeatable)\n"
    "  -w, --workdir DIR         working directory of the image\n";

static int fail(const char *msg, const char *arg)
{
    fprintf(stderr, "waot: image build: ");
    fprintf(stderr, msg, arg);
    fprintf(stderr, "\n");
    return EXIT_WAOT;
}

/* Matches short or long option; *value gets "--l=V", "--l V", "-sV" or "-s V" (NULL if none). */
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

int image_build_cmd_main(int argc, char **argv)
{
    struct image_write_opts o = {0};
    const char **entry = calloc((size_t)argc, sizeof *entry);
    const char **cmd = calloc((size_t)argc, sizeof *cmd);
    const char **env = calloc((size_t)argc, sizeof *env);
    char *default_out = NULL;
    int status = 0;
    if (!entry || !cmd || !env)
        status = fail("%s", "out of memory");
    for (int i = 1; i < argc && status == 0; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(build_usage, stdout);
            status = -1;
        } else if (option(argc, argv, &i, "-t", "--tag", &v)) {
            o.name = v;
            if (!v || !*v)
                status = fail("%s needs NAME[:TAG]", a);
        } else if (option(argc, argv, &i, "-o", "--output", &v)) {
            o.out_path = v;
            if (!v || !*v)
                status = fail("%s needs a file name", a);
        } else if (option(argc, argv, &i, NULL, "--entrypoint", &v)) {
            if (!v)
                status = fail("%s needs a value", a);
            else
                entry[o.nentrypoint++] = v;
        } else if (option(argc, argv, &i, NULL, "--cmd", &v)) {
            if (!v)
                status = fail("%s needs a value", a);
            else
                cmd[o.ncmd++] = v;
        } else if (option(argc, argv, &i, "-e", "--env", &v)) {
            if (!v || !strchr(v, '=') || v[0] == '=')
                status = fail("--env needs KEY=VALUE, got \"%s\"", v ? v : "");
            else
                env[o.nenv++] = v;
        } else if (option(argc, argv, &i, "-w", "--workdir", &v)) {
            o.workdir = v;
            if (!v || v[0] != '/')
                status = fail("%s needs an absolute directory", a);
        } else if (a[0] == '-' && a[1] != '\0') {
            status = fail("unknown option %s (try waot image build --help)", a);
        } else if (!o.module_path) {
            o.module_path = a;
        } else {
            status = fail("only one module file is allowed (extra: %s)", a);
        }
    }
    if (status == 0 && !o.module_path)
        status = fail("%s", "no module file given (waot image build FILE.wasm -t NAME[:TAG])");
    if (status == 0 && !o.name)
        status = fail("%s", "no image name given (-t NAME[:TAG])");
    if (status == 0 && !o.out_path) {
        const char *slash = strrchr(o.name, '/');
        const char *base = slash ? slash + 1 : o.name;
        size_t n = strcspn(base, ":");
        default_out = malloc(n + 5);
        if (!default_out || n == 0)
            status = fail("%s", "cannot derive an output name; give -o OUT.tar");
        else
            snprintf(default_out, n + 5, "%.*s.tar", (int)n, base);
        o.out_path = default_out;
    }
    if (status == 0) {
        o.entrypoint = o.nentrypoint ? entry : NULL;
        o.cmd = cmd;
        o.env = env;
        char digest[IMAGE_WRITE_DIGEST_SIZE], full[512];
        struct waot_error err = {0};
        if (image_write_archive(&o, digest, full, sizeof full, &err) < 0) {
            fprintf(stderr, "waot: %s\n", err.msg);
            status = EXIT_WAOT;
        } else {
            printf("%s: %s (wasip1/wasm) %s\n", o.out_path, full, digest);
        }
    }
    free(default_out);
    free(entry);
    free(cmd);
    free(env);
    return status < 0 ? 0 : status;
}
