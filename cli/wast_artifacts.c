/*
 * Artifact directories for running spec scripts on another machine (see wast_artifacts.h
 * and docs/cross-testing.md). Modules are named by the SHA-256 of their bytes, so scripts
 * that share a module share its artifact and the runner finds it from the bytes alone.
 */
#include "wast_artifacts.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache.h"
#include "cli_file.h"

#define MANIFEST_NAME "manifest"
#define MANIFEST_MAGIC "waot-artifacts 1\n"

/* ---- names ---- */

/* dir/HEX.suffix for wasm; -1 with err filled when hashing fails or the name is too long. */
static int record_path(const char *dir, const uint8_t *wasm, size_t len, const char *suffix,
                       char *path, size_t size, struct waot_error *err)
{
    uint8_t digest[CACHE_KEY_SIZE];
    if (cache_sha256(wasm, len, digest) < 0)
        return waot_fail(err, WAOT_E_INTERNAL, "SHA-256 of a module failed");
    char hex[2 * CACHE_KEY_SIZE + 1];
    for (size_t i = 0; i < CACHE_KEY_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    int n = snprintf(path, size, "%s/%s.%s", dir, hex, suffix);
    if (n < 0 || (size_t)n >= size)
        return waot_fail(err, WAOT_E_USAGE, "artifact directory name too long: %s", dir);
    return 0;
}

/* ---- emitting (the machine with the compiler) ---- */

int wast_artifacts_prepare(const char *out_dir, const struct waot_compile_options *opt,
                           struct waot_error *err)
{
    if (mkdir(out_dir, 0755) < 0 && errno != EEXIST)
        return waot_fail(err, WAOT_E_IO, "%s: %s", out_dir, strerror(errno));
    char text[512], path[4096];
    snprintf(text, sizeof text, MANIFEST_MAGIC "waot %s\ntarget %s\ncpu %s\nopt-level %d\n",
             WAOT_VERSION, opt->triple ? opt->triple : "host", opt->cpu ? opt->cpu : "default",
             opt->opt_level);
    int n = snprintf(path, sizeof path, "%s/" MANIFEST_NAME, out_dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return waot_fail(err, WAOT_E_USAGE, "artifact directory name too long: %s", out_dir);
    return cli_file_write_atomic(path, (const uint8_t *)text, strlen(text), err);
}

/* Writes "KIND CODE MESSAGE\n" for a rejected module. */
static int write_rejection(const char *path, char kind, const struct waot_error *why,
                           struct waot_error *err)
{
    char text[sizeof why->msg + 32];
    int n = snprintf(text, sizeof text, "%c %d %s\n", kind, (int)why->code, why->msg);
    return cli_file_write_atomic(path, (const uint8_t *)text, (size_t)n, err);
}

static int emit_module(const char *wasm_path, const char *out_dir, const struct waot_compiler *api,
                       const struct waot_compile_options *opt, struct waot_error *err)
{
    uint8_t *wasm = NULL, *artifact = NULL;
    size_t len = 0, artifact_len = 0;
    char art_path[4096], err_path[4096];
    if (cli_file_read(wasm_path, &wasm, &len, err) < 0)
        return -1;
    int rc = -1;
    if (record_path(out_dir, wasm, len, "waot", art_path, sizeof art_path, err) < 0 ||
        record_path(out_dir, wasm, len, "err", err_path, sizeof err_path, err) < 0)
        goto done;
    struct waot_error why = {0};
    if (api->validate(wasm, len, &why) < 0) {
        rc = write_rejection(err_path, 'V', &why, err);
    } else if (api->compile(wasm, len, opt, &artifact, &artifact_len, &why) < 0) {
        rc = write_rejection(err_path, 'C', &why, err);
    } else {
        rc = cli_file_write_atomic(art_path, artifact, artifact_len, err);
        api->free_artifact(artifact);
    }
done:
    free(wasm);
    return rc;
}

static int has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n > s && strcmp(name + n - s, suffix) == 0;
}

int wast_artifacts_emit(const char *wasm_dir, const char *out_dir, const struct waot_compiler *api,
                        const struct waot_compile_options *opt, uint64_t *recorded,
                        struct waot_error *err)
{
    DIR *d = opendir(wasm_dir);
    if (!d)
        return waot_fail(err, WAOT_E_IO, "%s: %s", wasm_dir, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!has_suffix(e->d_name, ".wasm"))
            continue;
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s", wasm_dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof path) {
            rc = waot_fail(err, WAOT_E_USAGE, "path too long: %s/%s", wasm_dir, e->d_name);
            break;
        }
        rc = emit_module(path, out_dir, api, opt, err);
        if (rc == 0)
            (*recorded)++;
    }
    closedir(d);
    return rc;
}

/* ---- answering (the target machine) ---- */

/* The compiler interface has no context argument; the CLI runs one directory per process. */
static char store_dir[4096];

/* Reads dir/HEX.err for wasm: 1 with *kind and why filled, 0 when there is none, -1 on a
 * bad record (err filled). */
static int read_rejection(const uint8_t *wasm, size_t len, char *kind, struct waot_error *why,
                          struct waot_error *err)
{
    char path[4096];
    if (record_path(store_dir, wasm, len, "err", path, sizeof path, err) < 0)
        return -1;
    struct stat st;
    if (stat(path, &st) < 0)
        return 0;
    uint8_t *text = NULL;
    size_t n = 0;
    if (cli_file_read(path, &text, &n, err) < 0)
        return -1;
    char msg[sizeof why->msg];
    int code = 0;
    char k = 0;
    char *line = malloc(n + 1);
    int fields = 0;
    if (line) {
        memcpy(line, text, n);
        line[n] = '\0';
        line[strcspn(line, "\n")] = '\0';
        int off = 0;
        fields = sscanf(line, "%c %d %n", &k, &code, &off);
        snprintf(msg, sizeof msg, "%s", fields == 2 ? line + off : "");
    }
    free(line);
    free(text);
    if (fields != 2 || (k != 'V' && k != 'C') || code <= WAOT_OK)
        return waot_fail(err, WAOT_E_IO, "%s: not a rejection record", path);
    *kind = k;
    waot_fail(why, (enum waot_errcode)code, "%s", msg);
    return 1;
}

static int stored_validate(const uint8_t *wasm, size_t len, struct waot_error *err)
{
    char kind = 0, path[4096];
    struct waot_error why = {0};
    int r = read_rejection(wasm, len, &kind, &why, err);
    if (r < 0)
        return -1;
    if (r > 0 && kind == 'V') {
        *err = why;
        return -1;
    }
    if (r > 0)
        return 0; /* valid; compiling failed */
    if (record_path(store_dir, wasm, len, "waot", path, sizeof path, err) < 0)
        return -1;
    struct stat st;
    if (stat(path, &st) < 0)
        return waot_fail(err, WAOT_E_IO, "%s: module never emitted (waot wast --emit)", path);
    return 0;
}

static int stored_compile(const uint8_t *wasm, size_t len, const struct waot_compile_options *opt,
                          uint8_t **out, size_t *out_len, struct waot_error *err)
{
    (void)opt; /* the emitting machine's options, recorded in the manifest, apply */
    char kind = 0, path[4096];
    struct waot_error why = {0};
    int r = read_rejection(wasm, len, &kind, &why, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        *err = why;
        return -1;
    }
    if (record_path(store_dir, wasm, len, "waot", path, sizeof path, err) < 0)
        return -1;
    struct stat st;
    if (stat(path, &st) < 0)
        return waot_fail(err, WAOT_E_IO, "%s: module never emitted (waot wast --emit)", path);
    return cli_file_read(path, out, out_len, err);
}

static void stored_free(uint8_t *buf)
{
    free(buf);
}

static const struct waot_compiler stored_compiler = {
    .abi = WAOT_COMPILER_ABI,
    .version = WAOT_VERSION,
    .validate = stored_validate,
    .compile = stored_compile,
    .free_artifact = stored_free,
};

int wast_artifacts_open(const char *dir, const struct waot_compiler **api, struct waot_error *err)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/" MANIFEST_NAME, dir);
    if (n < 0 || (size_t)n >= sizeof path || strlen(dir) >= sizeof store_dir)
        return waot_fail(err, WAOT_E_USAGE, "artifact directory name too long: %s", dir);
    uint8_t *text = NULL;
    size_t len = 0;
    if (cli_file_read(path, &text, &len, err) < 0)
        return -1;
    bool ok = len >= strlen(MANIFEST_MAGIC) && memcmp(text, MANIFEST_MAGIC, strlen(MANIFEST_MAGIC)) == 0;
    free(text);
    if (!ok)
        return waot_fail(err, WAOT_E_IO, "%s: not a waot artifact manifest", path);
    snprintf(store_dir, sizeof store_dir, "%s", dir);
    *api = &stored_compiler;
    return 0;
}
