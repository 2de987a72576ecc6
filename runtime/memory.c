/*
 * Linear memory. Each memory reserves WAOT_MEM_RESERVE bytes plus one guard page of
 * PROT_NONE address space, makes the first pages read-write and grows with mprotect, so
 * compiled code needs no bounds checks: any i32 address plus any u32 offset plus an
 * 8-byte access lands inside the reservation, and an access past `size` faults.
 * Invariants: base never moves; size == pages * 64 KiB; pages <= max_pages <= 65536; pages
 * never exceed the embedder's cap (rt_limits.c, `--memory`).
 * Faults in the inaccessible part become traps in trap.c, not here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "rt_internal.h"
#include "rt_limits.h"

#define MEMORY_GUARD ((size_t)WAOT_PAGE_SIZE)

struct waot_memory *memory_create(uint32_t min_pages, uint32_t max_pages, bool has_max,
                                  struct waot_error *err)
{
    if (!has_max)
        max_pages = MEMORY_MAX_PAGES;
    if (min_pages > MEMORY_MAX_PAGES || max_pages > MEMORY_MAX_PAGES || min_pages > max_pages) {
        waot_fail(err, WAOT_E_USAGE, "memory limits %u..%u pages out of range", min_pages,
                  max_pages);
        return NULL;
    }
    uint32_t cap = rt_limits_memory_pages();
    if (min_pages > cap) {
        waot_fail(err, WAOT_E_USAGE,
                  "memory of %u pages (%llu bytes) exceeds the memory limit of %u pages", min_pages,
                  (unsigned long long)min_pages * WAOT_PAGE_SIZE, cap);
        return NULL;
    }
    struct waot_memory *m = calloc(1, sizeof *m);
    if (!m) {
        waot_fail(err, WAOT_E_NOMEM, "memory: out of memory");
        return NULL;
    }
    m->reserved = (size_t)WAOT_MEM_RESERVE + MEMORY_GUARD;
    void *base = mmap(NULL, m->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
    if (base == MAP_FAILED) {
        waot_fail(err, WAOT_E_NOMEM, "memory: cannot reserve %zu bytes of address space: %s",
                  m->reserved, strerror(errno));
        free(m);
        return NULL;
    }
    m->mem.base = base;
    m->mem.max_pages = max_pages;
    m->has_max = has_max;
    if (min_pages > 0 && memory_grow(&m->mem, min_pages) == UINT32_MAX) {
        waot_fail(err, WAOT_E_NOMEM, "memory: cannot commit %u pages", min_pages);
        memory_destroy(m);
        return NULL;
    }
    return m;
}

void memory_destroy(struct waot_memory *m)
{
    if (!m)
        return;
    if (m->mem.base)
        munmap(m->mem.base, m->reserved);
    free(m);
}

uint32_t memory_grow(struct waot_mem *m, uint32_t delta)
{
    uint32_t old = m->pages;
    if (delta == 0)
        return old;
    if ((uint64_t)old + delta > m->max_pages || (uint64_t)old + delta > rt_limits_memory_pages())
        return UINT32_MAX;
    uint64_t add = (uint64_t)delta * WAOT_PAGE_SIZE;
    if (mprotect(m->base + m->size, add, PROT_READ | PROT_WRITE) != 0)
        return UINT32_MAX;
    m->pages = old + delta;
    m->size += add;
    return old;
}
