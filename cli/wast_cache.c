/*
 * Module cache for `waot wast` (see wast_cache.h): an open hash table keyed by FNV-1a of
 * the Wasm bytes, confirmed with memcmp. Entries keep the bytes, the loaded module or the
 * error that stopped it. Artifacts are freed as soon as they are loaded: the loader copies
 * them into its own mapping.
 */
#include "wast_cache.h"

#include <stdlib.h>
#include <string.h>

struct cache_entry {
    uint64_t hash;
    uint8_t *wasm; /* owned copy; NULL marks an empty slot */
    size_t len;
    struct waot_module *module; /* owned; NULL when err says why */
    struct waot_error err;
};

struct wast_cache {
    const struct waot_compiler *api;
    const struct waot_compile_options *opt;
    struct cache_entry *slots; /* owned, cap entries, cap a power of two */
    size_t cap, count;
};

static uint64_t hash_bytes(const uint8_t *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

struct wast_cache *wast_cache_create(const struct waot_compiler *api,
                                     const struct waot_compile_options *opt)
{
    struct wast_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->api = api;
    c->opt = opt;
    c->cap = 64;
    c->slots = calloc(c->cap, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    return c;
}

void wast_cache_destroy(struct wast_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->cap; i++) {
        waot_module_close(c->slots[i].module);
        free(c->slots[i].wasm);
    }
    free(c->slots);
    free(c);
}

static struct cache_entry *lookup(struct wast_cache *c, uint64_t hash, const uint8_t *wasm, size_t len)
{
    size_t mask = c->cap - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        struct cache_entry *e = &c->slots[i];
        if (!e->wasm)
            return e;
        if (e->hash == hash && e->len == len && memcmp(e->wasm, wasm, len) == 0)
            return e;
    }
}

static int grow(struct wast_cache *c)
{
    size_t ncap = c->cap * 2;
    struct cache_entry *old = c->slots, *slots = calloc(ncap, sizeof *slots);
    if (!slots)
        return -1;
    size_t ocap = c->cap;
    c->slots = slots;
    c->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].wasm)
            *lookup(c, old[i].hash, old[i].wasm, old[i].len) = old[i];
    }
    free(old);
    return 0;
}

static struct waot_module *build(struct wast_cache *c, const uint8_t *wasm, size_t len,
                                 struct waot_error *err)
{
    uint8_t *artifact = NULL;
    size_t artifact_len = 0;
    if (c->api->compile(wasm, len, c->opt, &artifact, &artifact_len, err) < 0)
        return NULL;
    struct waot_module *m = waot_module_open_memory(artifact, artifact_len, err);
    c->api->free_artifact(artifact);
    return m;
}

struct waot_module *wast_cache_module(struct wast_cache *c, const uint8_t *wasm, size_t len,
                                      struct waot_error *err)
{
    uint64_t hash = hash_bytes(wasm, len);
    struct cache_entry *e = lookup(c, hash, wasm, len);
    if (e->wasm) {
        if (!e->module && err)
            *err = e->err;
        return e->module;
    }
    struct waot_error local = {0};
    struct waot_module *m = build(c, wasm, len, &local);
    if (err && !m)
        *err = local;
    /* Remember the outcome unless memory runs short; the caller has its answer either way. */
    if ((c->count + 1) * 2 > c->cap && grow(c) < 0)
        goto uncached;
    e = lookup(c, hash, wasm, len);
    e->wasm = malloc(len ? len : 1);
    if (!e->wasm)
        goto uncached;
    memcpy(e->wasm, wasm, len);
    e->hash = hash;
    e->len = len;
    e->module = m;
    e->err = local;
    c->count++;
    return m;
uncached:
    /* A module nobody tracks would leak; report out of memory instead. */
    waot_module_close(m);
    waot_fail(err, WAOT_E_NOMEM, "module cache: out of memory");
    return NULL;
}
