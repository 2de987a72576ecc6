/*
 * libFuzzer target: the image JSON parsers (image_json.c). The first input byte picks the
 * parser, the rest is the document:
 *   0  index.json              image_json_select_index
 *   1  manifest blob           image_json_load_manifest
 *   2  config blob             image_json_load_manifest of a fixed manifest naming it
 *   3  docker manifest.json    image_json_docker_archive
 * The store lives in a private temporary directory; it holds a valid config and manifest
 * from the start, and the tokens @MANIFEST@ / @CONFIG@ (@MSIZE@ / @CSIZE@) in the input are
 * replaced by their digests (sizes) so that an index can reach real blobs. Blobs an input adds are removed afterwards.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "image_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_json_config[] =
    "{\"os\":\"wasip1\",\"architecture\":\"wasm\",\"config\":{\"Entrypoint\":[\"/app.wasm\"],"
    "\"Cmd\":[\"a\"],\"Env\":[\"A=1\"],\"WorkingDir\":\"/w\"},"
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
    "0000000000000000000000000000000000000000000000000000000000000000\"]}}";

static struct image_store fuzz_json_store;
static char fuzz_json_dir[256];
static char fuzz_json_cfg[IMAGE_DIGEST_SIZE], fuzz_json_man[IMAGE_DIGEST_SIZE];
static size_t fuzz_json_man_len;

static void fuzz_json_die(const char *what, const struct waot_error *err)
{
    fprintf(stderr, "fuzz_image_json: %s: %s\n", what, err ? err->msg : "");
    abort();
}

static void fuzz_json_cleanup(void)
{
    image_store_close(&fuzz_json_store);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_json_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_image_json: could not remove %s\n", fuzz_json_dir);
}

/* libFuzzer ends with _exit after -max_total_time, so atexit does not always run: stores of
 * processes that are gone (BASE/waot-fuzz-json.PID) are removed at start. */
static void fuzz_json_remove_stale(const char *base)
{
    DIR *d = opendir(base);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char proc[64], cmd[300];
        if (strncmp(e->d_name, "waot-fuzz-json.", 15) != 0)
            continue;
        snprintf(proc, sizeof proc, "/proc/%s", e->d_name + 15);
        if (access(proc, F_OK) == 0)
            continue;
        snprintf(cmd, sizeof cmd, "rm -rf '%s/%s'", base, e->d_name);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz_image_json: could not remove %s/%s\n", base, e->d_name);
    }
    if (d)
        closedir(d);
}

static void fuzz_json_init(void)
{
    struct waot_error err = {0};
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    fuzz_json_remove_stale(base);
    snprintf(fuzz_json_dir, sizeof fuzz_json_dir, "%s/waot-fuzz-json.%d", base, (int)getpid());
    if (mkdir(fuzz_json_dir, 0700) < 0)
        fuzz_json_die("mkdir", NULL);
    if (image_store_open(&fuzz_json_store, fuzz_json_dir, &err) < 0)
        fuzz_json_die("image_store_open", &err);
    if (image_blob_put(&fuzz_json_store, fuzz_json_config, strlen(fuzz_json_config),
                       fuzz_json_cfg, &err) < 0)
        fuzz_json_die("put config", &err);
    char man[1024];
    fuzz_json_man_len = (size_t)snprintf(
        man, sizeof man,
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
        "\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
        "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:"
        "1111111111111111111111111111111111111111111111111111111111111111\",\"size\":1}]}",
        fuzz_json_cfg, strlen(fuzz_json_config));
    if (image_blob_put(&fuzz_json_store, man, fuzz_json_man_len, fuzz_json_man, &err) < 0)
        fuzz_json_die("put manifest", &err);
    atexit(fuzz_json_cleanup);
}

/* Removes every blob but the two fixed ones (and anything else left in blobs/sha256). */
static void fuzz_json_prune(void)
{
    int fd = openat(fuzz_json_store.blobs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, fuzz_json_cfg + 7) == 0 ||
            strcmp(e->d_name, fuzz_json_man + 7) == 0)
            continue;
        unlinkat(fuzz_json_store.blobs_fd, e->d_name, 0);
    }
    closedir(d);
}

/* Copies the document, replacing the tokens by the fixed blobs' digests and sizes. */
static char *fuzz_json_expand(const uint8_t *p, size_t n, size_t *out_len)
{
    char *out = malloc(n * 10 + 1);
    size_t o = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        if (n - i >= 10 && memcmp(p + i, "@MANIFEST@", 10) == 0) {
            memcpy(out + o, fuzz_json_man, strlen(fuzz_json_man));
            o += strlen(fuzz_json_man);
            i += 10;
        } else if (n - i >= 8 && memcmp(p + i, "@CONFIG@", 8) == 0) {
            memcpy(out + o, fuzz_json_cfg, strlen(fuzz_json_cfg));
            o += strlen(fuzz_json_cfg);
            i += 8;
        } else if (n - i >= 7 && (memcmp(p + i, "@MSIZE@", 7) == 0 ||
                                  memcmp(p + i, "@CSIZE@", 7) == 0)) {
            o += (size_t)sprintf(out + o, "%zu", p[i + 1] == 'M' ? fuzz_json_man_len
                                                                : strlen(fuzz_json_config));
            i += 7;
        } else {
            out[o++] = (char)p[i++];
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* docker-archive lookup: *.json names the fixed config, anything else a made-up layer. */
static const char *fuzz_json_lookup(void *arg, const char *name, uint64_t *size)
{
    (void)arg;
    size_t n = strlen(name);
    if (n >= 5 && strcmp(name + n - 5, ".json") == 0) {
        *size = strlen(fuzz_json_config);
        return fuzz_json_cfg;
    }
    if (strcmp(name, "missing") == 0)
        return NULL;
    *size = n;
    return "sha256:2222222222222222222222222222222222222222222222222222222222222222";
}

static void fuzz_json_check(int r, const struct image_info *info, const struct waot_error *err)
{
    if (r < 0 && (err->code == WAOT_OK || err->msg[0] == '\0'))
        fuzz_json_die("failure without an error", err);
    if (r == 0 && (!info->entrypoint || !info->cmd || !info->env))
        fuzz_json_die("success with NULL entrypoint/cmd/env arrays", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        fuzz_json_init();
        ready = 1;
    }
    if (size < 1)
        return 0;
    size_t len;
    char *doc = fuzz_json_expand(data + 1, size - 1, &len);
    if (!doc)
        return 0;
    struct image_info info = {0};
    struct waot_error err = {0};
    char dig[IMAGE_DIGEST_SIZE];
    int r;
    switch (data[0] % 4) {
    case 0:
        r = image_json_select_index(&fuzz_json_store, doc, len, "fuzz", &info, &err);
        break;
    case 1:
        r = image_blob_put(&fuzz_json_store, doc, len, dig, &err);
        if (r == 0)
            r = image_json_load_manifest(&fuzz_json_store, dig, len, &info, &err);
        break;
    case 2: {
        char man[512];
        r = image_blob_put(&fuzz_json_store, doc, len, dig, &err);
        if (r < 0)
            break;
        size_t ml = (size_t)snprintf(
            man, sizeof man,
            "{\"config\":{\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
            "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:"
            "1111111111111111111111111111111111111111111111111111111111111111\",\"size\":1}]}",
            dig, len);
        char mdig[IMAGE_DIGEST_SIZE];
        r = image_blob_put(&fuzz_json_store, man, ml, mdig, &err);
        if (r == 0)
            r = image_json_load_manifest(&fuzz_json_store, mdig, ml, &info, &err);
        break;
    }
    default:
        r = image_json_docker_archive(&fuzz_json_store, doc, len, fuzz_json_lookup, NULL, &info,
                                      &err);
        break;
    }
    if (data[0] % 4 != 0 || r == 0)
        fuzz_json_check(r, &info, &err);
    image_info_free(&info);
    free(doc);
    fuzz_json_prune();
    return 0;
}
