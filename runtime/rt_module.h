/*
 * The runtime's view of a loaded artifact: what artifact_load.c builds from the mapped
 * file, and what instance.c instantiates. It mirrors the Wasm module's metadata (types,
 * imports, exports, tables, memories, globals, segments, names) plus the addresses of the
 * compiled code, so that running never parses Wasm.
 *
 * Ownership: an rt_module owns its mapping (code image) and the metadata arrays, all
 * released by rt_module_destroy. Strings and segment bytes may point into the mapping.
 */
#ifndef WAOT_RT_MODULE_H
#define WAOT_RT_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "waot/waot.h"
#include "vmctx.h"

struct rt_functype {
    uint32_t nparams, nresults;
    const uint8_t *params;   /* value types (WAOT_I32 ...) */
    const uint8_t *results;
};

struct rt_limits {
    uint64_t min, max;
    bool has_max;
};

/* Constant expression, as in the Wasm module (one instruction). */
enum rt_const_kind {
    RT_CONST_I32, RT_CONST_I64, RT_CONST_F32, RT_CONST_F64, RT_CONST_V128,
    RT_CONST_REF_NULL, RT_CONST_REF_FUNC, RT_CONST_GLOBAL_GET,
};
struct rt_const_expr {
    enum rt_const_kind kind;
    uint8_t type;
    union {
        uint32_t i32;      /* also f32 bits */
        uint64_t i64;      /* also f64 bits */
        uint32_t index;    /* function or global index */
        uint8_t v128[16];
    } value;
};

struct rt_import {
    const char *module, *name;  /* NUL-terminated (names may also contain NUL: see lengths) */
    enum waot_extern_kind kind;
    uint32_t index;             /* index in its own index space (func/table/memory/global) */
    uint32_t module_len, name_len;
};

struct rt_export {
    const char *name;           /* NUL-terminated; may contain NUL, name_len is exact */
    enum waot_extern_kind kind;
    uint32_t index;
    uint32_t name_len;
};

struct rt_table {
    uint8_t elem_type;
    struct rt_limits limits;
    bool imported;
};

struct rt_memory {
    struct rt_limits limits;    /* pages */
    bool imported;
};

struct rt_global {
    uint8_t type;
    bool mutable_;
    bool imported;
    struct rt_const_expr init;  /* defined globals */
};

enum rt_segment_mode { RT_SEG_ACTIVE, RT_SEG_PASSIVE, RT_SEG_DECLARATIVE };

struct rt_elem {
    enum rt_segment_mode mode;
    uint32_t table_index;
    struct rt_const_expr offset;
    uint8_t elem_type;
    uint32_t ninit;
    const struct rt_const_expr *init;
};

struct rt_data {
    enum rt_segment_mode mode;
    uint32_t memory_index;
    struct rt_const_expr offset;
    const uint8_t *bytes;
    uint32_t len;
};

struct rt_func {
    uint32_t type_index;
    bool imported;
    void *code;                 /* defined functions: address of waot_func_<index> */
    const char *name;           /* from the name section, or NULL */
};

struct rt_module {
    uint32_t ntypes;
    const struct rt_functype *types;
    void **entry_tramps;        /* per type: waot_entry_<type> */
    void **host_tramps;         /* per type: waot_host_<type> */

    uint32_t nimports;
    const struct rt_import *imports;
    uint32_t nexports;
    const struct rt_export *exports;

    uint32_t nfuncs, nimported_funcs;
    const struct rt_func *funcs;
    uint32_t ntables, nimported_tables;
    const struct rt_table *tables;
    uint32_t nmemories, nimported_memories;
    const struct rt_memory *memories;
    uint32_t nglobals, nimported_globals;
    const struct rt_global *globals;

    uint32_t nelems;
    const struct rt_elem *elems;
    uint32_t ndatas;
    const struct rt_data *datas;

    bool has_start;
    uint32_t start;
    const char *name;           /* module name, or NULL */

    /* The executable image, for the trap handler's "is this PC guest code" test. */
    const uint8_t *text_start;
    size_t text_size;

    /* Private to artifact_load.c. */
    void *image;
    size_t image_size;
    void *meta_alloc;
};

/* Maps and checks an artifact (see docs/artifact.md). Fills err with WAOT_E_ARTIFACT naming
 * the path and the problem when anything is out of range or built for another waot/CPU. */
struct rt_module *rt_module_open(const char *path, struct waot_error *err);
struct rt_module *rt_module_open_memory(const void *buf, size_t len, struct waot_error *err);
void rt_module_destroy(struct rt_module *m);

#endif
