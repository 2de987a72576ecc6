/*
 * The `spectest` host module that the spec test scripts import: print functions, four
 * immutable globals (666 / 666.6), a funcref table (10..20) and a memory (1..2 pages).
 * The runner creates one per script file; instances that import from it must be destroyed
 * before wast_spectest_fini.
 */
#ifndef WAOT_CLI_WAST_SPECTEST_H
#define WAOT_CLI_WAST_SPECTEST_H

#include "waot/waot.h"

#define WAST_SPECTEST_FUNCS 7
#define WAST_SPECTEST_GLOBALS 4

struct wast_spectest {
    struct waot_func *funcs[WAST_SPECTEST_FUNCS];       /* owned */
    struct waot_global *globals[WAST_SPECTEST_GLOBALS]; /* owned */
    struct waot_table *table;                           /* owned */
    struct waot_memory *memory;                         /* owned */
};

/* Creates every host object; on failure releases what was made and returns -1. */
int wast_spectest_init(struct wast_spectest *s, struct waot_error *err);
void wast_spectest_fini(struct wast_spectest *s);
/* The export called name: 0 and *out filled, or -1 when spectest has no such export. */
int wast_spectest_find(const struct wast_spectest *s, const char *name, struct waot_extern *out);

#endif
