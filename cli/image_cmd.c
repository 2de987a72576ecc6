/*
 * `waot image import FILE [-t NAME]`, `ls`, `rm NAME...`, `inspect NAME`: manage the local
 * image store (image/image.h). Import verifies every blob; inspect prints JSON.
 */
#include "image_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "image.h"

#define EXIT_WAOT 125

static const char image_usage[] =
    "usage: waot image COMMAND\n"
    "  import FILE|DIR [-t NAME]  import an OCI archive, OCI layout directory or docker-archive\n"
    "  ls                         list stored images\n"
    "  rm NAME...                 remove images (and blobs no other image uses)\n"
    "  inspect NAME|FILE|DIR      print name, digest, platform, entrypoint, env, workdir and\n"
    "                             module digest as JSON\n"
    "  build FILE.wasm -t NAME    pack a module as an OCI archive (waot image build --help)\n";

static int fail_err(const struct waot_error *err)
{
    fprintf(stderr, "waot: image: %s\n", err->msg);
    return EXIT_WAOT;
}

static int cmd_import(struct image_store *st, int argc, char **argv)
{
    const char *file = NULL, *name = NULL;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--tag") == 0) && i + 1 < argc)
            name = argv[++i];
        else if (argv[i][0] == '-' || file) {
            fprintf(stderr, "waot: image: import: unexpected %s\n%s", argv[i], image_usage);
            return EXIT_WAOT;
        } else
            file = argv[i];
    }
    if (!file) {
        fprintf(stderr, "waot: image: import needs a FILE\n");
        return EXIT_WAOT;
    }
    struct waot_error err = {0};
    struct image_info info;
    if (image_resolve(st, file, &info, &err) < 0)
        return fail_err(&err);
    if (!name)
        name = info.name;
    int status = 0;
    if (!name) {
        fprintf(stderr, "waot: image: %s names no image; give one with -t NAME\n", file);
        status = EXIT_WAOT;
    } else if (image_store_tag(st, name, info.manifest_digest, &err) < 0) {
        status = fail_err(&err);
    } else {
        printf("%s %s\n", name, info.manifest_digest);
    }
    image_info_free(&info);
    return status;
}

static int print_one(const char *name, const char *digest, void *arg)
{
    (void)arg;
    printf("%-40s %.19s\n", name, digest);
    return 0;
}

static int cmd_ls(struct image_store *st)
{
    struct waot_error err = {0};
    printf("%-40s %s\n", "NAME", "DIGEST");
    return image_store_foreach(st, print_one, NULL, &err) < 0 ? fail_err(&err) : 0;
}

static json_t *strv_json(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static int cmd_inspect(struct image_store *st, const char *what)
{
    struct waot_error err = {0};
    struct image_info info;
    if (image_resolve(st, what, &info, &err) < 0)
        return fail_err(&err);
    char module[IMAGE_PATH_MAX], digest[IMAGE_DIGEST_SIZE] = "", platform[80];
    int st_code = 0;
    if (info.kind == IMAGE_KIND_ARTIFACT)
        snprintf(digest, sizeof digest, "%s", info.layers[info.module_layer].digest);
    else if (image_module_path(st, &info, module, sizeof module, &st_code, &err) < 0 ||
             image_file_digest(module, digest, &err) < 0) {
        image_info_free(&info);
        return fail_err(&err);
    }
    snprintf(platform, sizeof platform, "%s/%s", info.os, info.arch);
    json_t *j = json_pack("{s:s?, s:s, s:s, s:s, s:o, s:o, s:o, s:s?, s:s}", "name", info.name,
                          "digest", info.manifest_digest, "platform", platform, "kind",
                          info.kind == IMAGE_KIND_ARTIFACT ? "wasm-artifact" : "rootfs",
                          "entrypoint", strv_json(info.entrypoint, info.nentrypoint), "cmd",
                          strv_json(info.cmd, info.ncmd), "env", strv_json(info.env, info.nenv),
                          "workdir", info.workdir, "module_digest", digest);
    char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    json_decref(j);
    image_info_free(&info);
    if (!text) {
        fprintf(stderr, "waot: image: out of memory\n");
        return EXIT_WAOT;
    }
    printf("%s\n", text);
    free(text);
    return 0;
}

int image_cmd_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(image_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_WAOT : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "import") && strcmp(sub, "ls") && strcmp(sub, "rm") && strcmp(sub, "inspect")) {
        fprintf(stderr, "waot: image: unknown command \"%s\"\n%s", sub, image_usage);
        return EXIT_WAOT;
    }
    struct image_store st;
    struct waot_error err = {0};
    if (image_store_open(&st, NULL, &err) < 0)
        return fail_err(&err);
    int status = 0;
    if (strcmp(sub, "import") == 0) {
        status = cmd_import(&st, argc - 1, argv + 1);
    } else if (strcmp(sub, "ls") == 0) {
        status = cmd_ls(&st);
    } else if (strcmp(sub, "rm") == 0) {
        if (argc < 3)
            status = fail_err(&(struct waot_error){.msg = "rm needs a NAME"});
        for (int i = 2; i < argc; i++) {
            if (image_store_remove(&st, argv[i], &err) < 0)
                status = fail_err(&err);
            else
                printf("%s\n", argv[i]);
        }
    } else {
        status = argc == 3 ? cmd_inspect(&st, argv[2])
                           : fail_err(&(struct waot_error){.msg = "inspect needs one NAME"});
    }
    image_store_close(&st);
    return status;
}
