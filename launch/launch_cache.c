/*
 * Cache resolution for a launch: module file -> digest (memoised by the cache, so a warm
 * start does not read the module) -> key -> entry. On a miss the compiler library is
 * dlopen'd, the module read and compiled, and the artifact published atomically under the
 * compile lock (cache_obtain). A corrupt entry is discarded and rebuilt once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler_load.h"
#include "launch_internal.h"

struct build_ctx {
    const char *module_path;
    const struct waot_compile_options *opt;
    struct compiler_load cl;
    bool loaded;
    bool compiled;
};

/* Prefixes err's message with the module path, keeping its code. */
static int fail_with_path(struct waot_error *err, const char *path)
{
    char msg[sizeof err->msg];
    memcpy(msg, err->msg, sizeof msg);
    msg[sizeof msg - 1] = '\0';
    enum waot_errcode code = err->code;
    return waot_fail(err, code, "%s: %s", path, msg);
}

/* Maps the module read-only (*len 0 and *out NULL for an empty file). */
static int map_module(const char *path, uint8_t **out, size_t *len, struct waot_error *err)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    errno = 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, e ? strerror(e) : "not a regular file");
    }
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            return waot_fail(err, WAOT_E_IO, "%s: mmap: %s", path, strerror(e));
        }
        *out = p;
        *len = (size_t)st.st_size;
    }
    close(fd);
    return 0;
}

static int build_artifact(void *arg, uint8_t **out, size_t *len, struct waot_error *err)
{
    struct build_ctx *b = arg;
    if (!b->loaded) {
        if (compiler_load_open(&b->cl, err) < 0)
            return -1;
        b->loaded = true;
    }
    uint8_t *wasm = NULL;
    size_t wasm_len = 0;
    if (map_module(b->module_path, &wasm, &wasm_len, err) < 0)
        return -1;
    static const uint8_t empty[1];
    int r = b->cl.api->compile(wasm ? wasm : empty, wasm_len, b->opt, out, len, err);
    if (wasm)
        munmap(wasm, wasm_len);
    if (r < 0)
        return fail_with_path(err, b->module_path);
    b->compiled = true;
    return 0;
}

static void release_artifact(void *arg, uint8_t *buf)
{
    struct build_ctx *b = arg;
    if (buf && b->loaded)
        b->cl.api->free_artifact(buf);
}

/* key: the entry for opt. portable (may be NULL): for a default compile for this machine,
 * the entry a cache filled on another machine would hold (cache_identity_portable); else
 * it is left untouched and *has_portable false. */
static int module_key(struct cache *c, const char *module_path,
                      const struct waot_compile_options *opt, uint8_t key[CACHE_KEY_SIZE],
                      uint8_t portable[CACHE_KEY_SIZE], bool *has_portable,
                      struct waot_error *err)
{
    uint8_t digest[CACHE_KEY_SIZE];
    char identity[2560];
    if (has_portable)
        *has_portable = false;
    if (cache_module_digest(c, module_path, digest, err) < 0)
        return -1;
    if (cache_identity(opt, identity, sizeof identity, err) < 0 ||
        cache_key(digest, identity, key, err) < 0)
        return -1;
    if (portable && !opt->triple && !opt->cpu) {
        if (cache_identity_portable(opt->opt_level, identity, sizeof identity, err) < 0 ||
            cache_key(digest, identity, portable, err) < 0)
            return -1;
        *has_portable = true;
    }
    return 0;
}

static int obtain(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], struct build_ctx *b,
                  char *path_out, size_t size, struct waot_error *err)
{
    struct cache_builder builder = {.build = build_artifact, .release = release_artifact, .arg = b};
    return cache_obtain(c, key, &builder, path_out, size, err);
}

int launch_cache_entry(struct cache *c, const char *module_path,
                       const struct waot_compile_options *opt, char *path_out, size_t size,
                       bool *compiled, struct waot_error *err)
{
    uint8_t key[CACHE_KEY_SIZE];
    if (module_key(c, module_path, opt, key, NULL, NULL, err) < 0)
        return -1;
    struct build_ctx b = {.module_path = module_path, .opt = opt};
    int r = obtain(c, key, &b, path_out, size, err);
    if (b.loaded)
        compiler_load_close(&b.cl);
    *compiled = b.compiled;
    return r < 0 ? -1 : 0;
}

struct waot_module *launch_cache_module(struct cache *c, const char *module_path,
                                        const struct waot_compile_options *opt,
                                        char *path_out, size_t size, bool *compiled,
                                        struct waot_error *err)
{
    uint8_t key[CACHE_KEY_SIZE], portable[CACHE_KEY_SIZE];
    bool has_portable;
    if (module_key(c, module_path, opt, key, portable, &has_portable, err) < 0)
        return NULL;
    struct build_ctx b = {.module_path = module_path, .opt = opt};
    struct waot_module *m = NULL;
    /* Our own entry (a warm start: one lookup); else one prepared for this architecture
     * elsewhere, as long as the loader accepts it here; else obtain (compile) ours. */
    bool own = cache_lookup(c, key, path_out, size) == 1;
    if (!own && has_portable && cache_lookup(c, portable, path_out, size) == 1) {
        struct waot_error perr = {0};
        m = waot_module_open(path_out, &perr);
        if (m) {
            *compiled = false;
            return m;
        }
    }
    for (int attempt = 0; attempt < 2 && !m; attempt++) {
        if (!(own && attempt == 0) && obtain(c, key, &b, path_out, size, err) < 0)
            break;
        m = waot_module_open(path_out, err);
        if (m || err->code != WAOT_E_ARTIFACT || attempt == 1)
            break;
        /* corrupt or stale entry: drop it and build it again */
        if (cache_discard(c, key, err) < 0)
            break;
    }
    if (b.loaded)
        compiler_load_close(&b.cl);
    *compiled = b.compiled;
    return m;
}
