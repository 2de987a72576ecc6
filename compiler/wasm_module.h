/*
 * The decoded module: what wasm_decode produces, wasm_validate checks and the translator
 * and artifact writer read. Plain structs with counts; everything refers by index and all
 * storage comes from the module's arena (freed at once by wasm_module_destroy).
 *
 * Function bodies are not decoded into a tree: a body is a byte range of the original
 * module (which must stay alive while the module is used); the validator and the
 * translator each walk it with wasm_reader.h. The validator has checked every body before
 * the translator sees it, so the translator may trust what it reads.
 *
 * Index spaces follow the spec: imported functions, tables, memories and globals come
 * first in their index space.
 */
#ifndef WAOT_WASM_MODULE_H
#define WAOT_WASM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "waot/waot.h"
#include "arena.h"

/* Value types use the binary encoding (WAOT_I32 = 0x7f ... WAOT_EXTERNREF = 0x6f). */
typedef uint8_t wasm_valtype;

struct wasm_functype {
    uint32_t nparams, nresults;
    const wasm_valtype *params;   /* nparams */
    const wasm_valtype *results;  /* nresults */
};

struct wasm_limits {
    uint64_t min;
    uint64_t max;                 /* valid when has_max */
    bool has_max;
};

struct wasm_tabletype {
    wasm_valtype elem_type;       /* WAOT_FUNCREF or WAOT_EXTERNREF */
    struct wasm_limits limits;
};

struct wasm_globaltype {
    wasm_valtype type;
    bool mutable_;
};

/* A constant expression. Wasm 2.0 allows one instruction followed by `end`. */
enum wasm_const_kind {
    WASM_CONST_I32,        /* value.i32 */
    WASM_CONST_I64,        /* value.i64 */
    WASM_CONST_F32,        /* value.i32 holds the bits */
    WASM_CONST_F64,        /* value.i64 holds the bits */
    WASM_CONST_V128,       /* value.v128 */
    WASM_CONST_REF_NULL,   /* value.index unused; type says funcref or externref */
    WASM_CONST_REF_FUNC,   /* value.index = function index */
    WASM_CONST_GLOBAL_GET, /* value.index = global index (an imported global) */
};

struct wasm_const_expr {
    enum wasm_const_kind kind;
    wasm_valtype type;             /* type of the value produced */
    union {
        uint32_t i32;
        uint64_t i64;
        uint32_t index;
        uint8_t v128[16];
    } value;
};

struct wasm_import {
    const char *module;            /* NUL-terminated, valid UTF-8 */
    const char *name;
    uint32_t module_len, name_len; /* byte lengths (names may contain NUL) */
    enum waot_extern_kind kind;
    union {
        uint32_t type_index;           /* WAOT_EXTERN_FUNC */
        struct wasm_tabletype table;   /* WAOT_EXTERN_TABLE */
        struct wasm_limits memory;     /* WAOT_EXTERN_MEMORY */
        struct wasm_globaltype global; /* WAOT_EXTERN_GLOBAL */
    } desc;
};

struct wasm_export {
    const char *name;
    uint32_t name_len;
    enum waot_extern_kind kind;
    uint32_t index;
};

/* A run of locals of one type, as declared in the body. */
struct wasm_local_decl {
    uint32_t count;
    wasm_valtype type;
};

/* A function (imported or defined). */
struct wasm_func {
    uint32_t type_index;
    bool imported;
    const char *name;              /* from the name section, or NULL */
    /* defined functions only: */
    uint32_t nlocal_decls;
    const struct wasm_local_decl *local_decls;
    uint32_t nlocals;              /* total declared locals, params excluded */
    size_t code_offset;            /* offset in the module bytes of the first instruction */
    size_t code_end;               /* offset one past the body's final `end` */
    size_t body_offset;            /* offset of the body's size field (for error messages) */
};

struct wasm_global {
    struct wasm_globaltype type;
    bool imported;
    struct wasm_const_expr init;   /* defined globals only */
};

enum wasm_segment_mode {
    WASM_SEG_ACTIVE,
    WASM_SEG_PASSIVE,
    WASM_SEG_DECLARATIVE,          /* element segments only */
};

struct wasm_elem {
    enum wasm_segment_mode mode;
    uint32_t table_index;          /* active */
    struct wasm_const_expr offset; /* active: i32 */
    wasm_valtype elem_type;        /* WAOT_FUNCREF or WAOT_EXTERNREF */
    uint32_t ninit;
    const struct wasm_const_expr *init; /* ref.func / ref.null / global.get each */
};

struct wasm_data {
    enum wasm_segment_mode mode;
    uint32_t memory_index;
    struct wasm_const_expr offset; /* active: i32 */
    size_t bytes_offset;           /* in the module bytes */
    uint32_t len;
};

struct wasm_module {
    struct arena arena;
    const uint8_t *bytes;          /* the module as given; not owned */
    size_t len;

    uint32_t ntypes;
    struct wasm_functype *types;

    uint32_t nimports;
    struct wasm_import *imports;

    uint32_t nfuncs, nimported_funcs;      /* nfuncs includes imports */
    struct wasm_func *funcs;
    uint32_t ntables, nimported_tables;
    struct wasm_tabletype *tables;
    uint32_t nmemories, nimported_memories;
    struct wasm_limits *memories;
    uint32_t nglobals, nimported_globals;
    struct wasm_global *globals;

    uint32_t nexports;
    struct wasm_export *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    struct wasm_elem *elems;

    bool has_data_count;
    uint32_t data_count;
    uint32_t ndatas;
    struct wasm_data *datas;

    const char *name;              /* module name from the name section, or NULL */

    /* Set by the validator: functions referenced outside function bodies (exports,
     * element segments, global initialisers), which ref.func may name. */
    bool *func_declared;           /* nfuncs */
    bool uses_simd;                /* any v128 type or SIMD opcode */

    /* Set by the decoder: the first problem it met that the spec counts as a validation
     * error, not a format error (e.g. a non-constant instruction in a constant
     * expression). wasm_validate reports it as WAOT_E_INVALID. NULL when none. */
    const char *decode_invalid;
};

/* Decodes bytes[0..len) into m (initialised here). Returns 0, or -1 with WAOT_E_MALFORMED
 * and a message naming the section and byte offset. m must be destroyed either way. */
int wasm_decode(struct wasm_module *m, const uint8_t *bytes, size_t len, struct waot_error *err);
/* Validates a decoded module as the spec defines. -1 with WAOT_E_INVALID (or
 * WAOT_E_MALFORMED for the few checks the spec counts as malformed but that only show
 * while reading bodies, e.g. an unknown opcode). */
int wasm_validate(struct wasm_module *m, struct waot_error *err);
void wasm_module_destroy(struct wasm_module *m);

#endif
