/*
 * The whole first-run sequence in one call, for `waot run`, `waot compile` and prewarm:
 * look up; on a miss take the key's compile lock, look again (another process may have
 * compiled it meanwhile), build, publish, release. Building is the caller's (it loads the
 * compiler library only then); this file knows nothing about Wasm or LLVM.
 */
#include "cache_internal.h"

int cache_obtain(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], const struct cache_builder *b,
                 char *path_out, size_t size, struct waot_error *err)
{
    if (cache_lookup(c, key, path_out, size) == 1)
        return 1;
    struct cache_lock lk;
    if (cache_lock(c, key, &lk, err) < 0)
        return -1;
    int rc = 1;
    if (cache_lookup(c, key, path_out, size) == 0) {
        uint8_t *buf = NULL;
        size_t len = 0;
        rc = b->build(b->arg, &buf, &len, err);
        if (rc == 0) {
            rc = cache_publish(c, key, buf, len, err);
            if (b->release)
                b->release(b->arg, buf);
        }
        if (rc == 0 && cache_lookup(c, key, path_out, size) == 0)
            rc = waot_fail(err, WAOT_E_IO, "published %s/artifacts entry is not usable "
                           "(path longer than %zu bytes, or removed at once)", c->dir, size);
    }
    cache_unlock(c, &lk);
    return rc;
}
