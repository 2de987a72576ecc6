/*
 * Bump allocator for compile-time data. Everything allocated from an arena is freed at once
 * by arena_fini; nothing is freed piecemeal. Allocation failure is reported by NULL; callers
 * turn it into WAOT_E_NOMEM.
 */
#ifndef WAOT_ARENA_H
#define WAOT_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head;
};

void arena_init(struct arena *a);
void arena_fini(struct arena *a);
/* Zeroed storage of n bytes aligned to 16; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/* Zeroed array of count elements of size bytes; NULL on overflow or out of memory. */
void *arena_array(struct arena *a, size_t count, size_t size);

#endif
