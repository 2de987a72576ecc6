/*
 * Canonical function signatures. Every signature used by any module or host function in
 * the process gets one uint32 id, so that call_indirect and import linking compare types
 * with one integer compare (funcref.type_id against vmctx->type_ids[typeidx]).
 * The registry is process-wide, guarded by one mutex, and only grows: ids and the
 * signature bytes behind them stay valid until exit.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

struct types_entry {
    uint32_t hash, nparams, nresults, next; /* next: chain in its bucket, UINT32_MAX ends */
    uint8_t bytes[];                        /* params then results */
};

static pthread_mutex_t types_lock = PTHREAD_MUTEX_INITIALIZER;
static struct types_entry **types_entries;  /* by id */
static uint32_t types_count, types_cap;
static uint32_t *types_buckets;             /* head id per bucket */
static uint32_t types_nbuckets;

static uint32_t hash_sig(const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr)
{
    uint32_t h = 2166136261u ^ np ^ (nr << 16);
    for (uint32_t i = 0; i < np; i++)
        h = (h ^ params[i]) * 16777619u;
    h = (h ^ 0xff) * 16777619u;
    for (uint32_t i = 0; i < nr; i++)
        h = (h ^ results[i]) * 16777619u;
    return h;
}

static int rehash(uint32_t nbuckets)
{
    uint32_t *b = malloc(nbuckets * sizeof *b);
    if (!b)
        return -1;
    for (uint32_t i = 0; i < nbuckets; i++)
        b[i] = UINT32_MAX;
    for (uint32_t id = 0; id < types_count; id++) {
        struct types_entry *e = types_entries[id];
        uint32_t k = e->hash % nbuckets;
        e->next = b[k];
        b[k] = id;
    }
    free(types_buckets);
    types_buckets = b;
    types_nbuckets = nbuckets;
    return 0;
}

static uint32_t intern_locked(const uint8_t *params, uint32_t np, const uint8_t *results,
                              uint32_t nr)
{
    uint32_t h = hash_sig(params, np, results, nr);
    if (types_nbuckets) {
        for (uint32_t id = types_buckets[h % types_nbuckets]; id != UINT32_MAX;
             id = types_entries[id]->next) {
            struct types_entry *e = types_entries[id];
            if (e->hash == h && e->nparams == np && e->nresults == nr &&
                (np == 0 || memcmp(e->bytes, params, np) == 0) &&
                (nr == 0 || memcmp(e->bytes + np, results, nr) == 0))
                return id;
        }
    }
    if (types_count == UINT32_MAX - 1)
        return UINT32_MAX;
    if (types_count == types_cap) {
        uint32_t cap = types_cap ? types_cap * 2 : 64;
        struct types_entry **v = realloc(types_entries, cap * sizeof *v);
        if (!v)
            return UINT32_MAX;
        types_entries = v;
        types_cap = cap;
    }
    struct types_entry *e = malloc(sizeof *e + (size_t)np + nr);
    if (!e)
        return UINT32_MAX;
    e->hash = h;
    e->nparams = np;
    e->nresults = nr;
    if (np)
        memcpy(e->bytes, params, np);
    if (nr)
        memcpy(e->bytes + np, results, nr);
    uint32_t id = types_count++;
    types_entries[id] = e;
    if (types_count > 2 * types_nbuckets) {
        if (rehash(types_nbuckets ? types_nbuckets * 4 : 64) < 0 && !types_nbuckets) {
            types_count--;
            free(e);
            return UINT32_MAX;
        }
        if (types_nbuckets && types_buckets[h % types_nbuckets] != id) {
            /* rehash failed and kept the old buckets: link the entry by hand */
            e->next = types_buckets[h % types_nbuckets];
            types_buckets[h % types_nbuckets] = id;
        }
    } else {
        e->next = types_buckets[h % types_nbuckets];
        types_buckets[h % types_nbuckets] = id;
    }
    return id;
}

uint32_t types_intern(const uint8_t *params, uint32_t nparams, const uint8_t *results,
                      uint32_t nresults)
{
    pthread_mutex_lock(&types_lock);
    uint32_t id = intern_locked(params, nparams, results, nresults);
    pthread_mutex_unlock(&types_lock);
    return id;
}

void types_get(uint32_t id, const uint8_t **params, uint32_t *nparams, const uint8_t **results,
               uint32_t *nresults)
{
    pthread_mutex_lock(&types_lock);
    struct types_entry *e = id < types_count ? types_entries[id] : NULL;
    pthread_mutex_unlock(&types_lock);
    if (!e) {
        *params = *results = NULL;
        *nparams = *nresults = 0;
        return;
    }
    *params = e->bytes;
    *nparams = e->nparams;
    *results = e->bytes + e->nparams;
    *nresults = e->nresults;
}
