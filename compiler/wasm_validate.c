/*
 * Module validation (spec section 3.4): type indices, limits, the single memory, constant
 * expressions (Wasm 2.0: constants, ref.null, ref.func and global.get of an immutable
 * imported global), segments against their tables and memories, the start function,
 * unique export names, and then every function body (wasm_validate_code.c).
 *
 * Needs a module wasm_decode accepted. Fills m->func_declared (the functions ref.func may
 * name) and the type of global.get constant expressions. Errors are WAOT_E_INVALID with
 * a message naming the entity ("global 3: ...", "func 7, offset 0x44: ...").
 */
#include "wasm_decode_int.h"
#include "wasm_validate_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PAGES 65536u

static int invalid(struct waot_error *err, const char *what, uint32_t index, const char *why)
{
    return waot_fail(err, WAOT_E_INVALID, "%s %u: %s", what, index, why);
}

static int check_type_index(const struct wasm_module *m, uint32_t t, const char *what,
                            uint32_t index, struct waot_error *err)
{
    if (t >= m->ntypes)
        return waot_fail(err, WAOT_E_INVALID, "%s %u: unknown type %u", what, index, t);
    return 0;
}

static int check_table_limits(const struct wasm_tabletype *t, uint32_t index, struct waot_error *err)
{
    if (t->limits.has_max && t->limits.min > t->limits.max)
        return invalid(err, "table", index, "size minimum must not be greater than maximum");
    return 0;
}

static int check_memory_limits(const struct wasm_limits *l, uint32_t index, struct waot_error *err)
{
    if (l->min > MAX_PAGES || (l->has_max && l->max > MAX_PAGES))
        return invalid(err, "memory", index, "memory size must be at most 65536 pages (4GiB)");
    if (l->has_max && l->min > l->max)
        return invalid(err, "memory", index, "size minimum must not be greater than maximum");
    return 0;
}

/* Checks a constant expression producing `want`; fills in the type of global.get. */
static int check_const(struct wasm_module *m, struct wasm_const_expr *ce, wasm_valtype want,
                       const char *what, uint32_t index, struct waot_error *err)
{
    switch (ce->kind) {
    case WASM_CONST_REF_FUNC:
        if (ce->value.index >= m->nfuncs)
            return waot_fail(err, WAOT_E_INVALID, "%s %u: unknown function %u in constant "
                             "expression", what, index, ce->value.index);
        break;
    case WASM_CONST_GLOBAL_GET: {
        uint32_t g = ce->value.index;
        if (g >= m->nimported_globals)
            return waot_fail(err, WAOT_E_INVALID, "%s %u: unknown global %u in constant "
                             "expression (only imported globals may be read)", what, index, g);
        if (m->globals[g].type.mutable_)
            return waot_fail(err, WAOT_E_INVALID, "%s %u: constant expression required "
                             "(global %u is mutable)", what, index, g);
        ce->type = m->globals[g].type.type;
        break;
    }
    default:
        break;
    }
    if (ce->type != want)
        return waot_fail(err, WAOT_E_INVALID, "%s %u: type mismatch in constant expression: "
                         "expected %s, got %s", what, index, wasm_validate_type_name(want),
                         wasm_validate_type_name(ce->type));
    return 0;
}

static int check_imports(struct wasm_module *m, struct waot_error *err)
{
    for (uint32_t i = 0; i < m->nimports; i++) {
        const struct wasm_import *im = &m->imports[i];
        int rc = 0;
        switch (im->kind) {
        case WAOT_EXTERN_FUNC:
            rc = check_type_index(m, im->desc.type_index, "import", i, err);
            break;
        case WAOT_EXTERN_TABLE:
            rc = check_table_limits(&im->desc.table, i, err);
            break;
        case WAOT_EXTERN_MEMORY:
            rc = check_memory_limits(&im->desc.memory, i, err);
            break;
        case WAOT_EXTERN_GLOBAL:
            break;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int check_declarations(struct wasm_module *m, struct waot_error *err)
{
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++)
        if (check_type_index(m, m->funcs[i].type_index, "func", i, err) < 0)
            return -1;
    for (uint32_t i = m->nimported_tables; i < m->ntables; i++)
        if (check_table_limits(&m->tables[i], i, err) < 0)
            return -1;
    for (uint32_t i = m->nimported_memories; i < m->nmemories; i++)
        if (check_memory_limits(&m->memories[i], i, err) < 0)
            return -1;
    if (m->nmemories > 1)
        return waot_fail(err, WAOT_E_INVALID, "multiple memories (%u); at most one is allowed",
                         m->nmemories);
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++)
        if (check_const(m, &m->globals[i].init, m->globals[i].type.type, "global", i, err) < 0)
            return -1;
    return 0;
}

static int check_segments(struct wasm_module *m, struct waot_error *err)
{
    for (uint32_t i = 0; i < m->nelems; i++) {
        struct wasm_elem *e = &m->elems[i];
        if (e->mode == WASM_SEG_ACTIVE) {
            if (e->table_index >= m->ntables)
                return waot_fail(err, WAOT_E_INVALID, "elem segment %u: unknown table %u", i,
                                 e->table_index);
            if (check_const(m, &e->offset, WAOT_I32, "elem segment", i, err) < 0)
                return -1;
            if (m->tables[e->table_index].elem_type != e->elem_type)
                return waot_fail(err, WAOT_E_INVALID, "elem segment %u: type mismatch: "
                                 "segment of %s, table of %s", i,
                                 wasm_validate_type_name(e->elem_type),
                                 wasm_validate_type_name(m->tables[e->table_index].elem_type));
        }
        for (uint32_t k = 0; k < e->ninit; k++)
            if (check_const(m, (struct wasm_const_expr *)&e->init[k], e->elem_type,
                            "elem segment", i, err) < 0)
                return -1;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        struct wasm_data *d = &m->datas[i];
        if (d->mode != WASM_SEG_ACTIVE)
            continue;
        if (d->memory_index >= m->nmemories)
            return waot_fail(err, WAOT_E_INVALID, "data segment %u: unknown memory %u", i,
                             d->memory_index);
        if (check_const(m, &d->offset, WAOT_I32, "data segment", i, err) < 0)
            return -1;
    }
    return 0;
}

static uint64_t hash_name(const char *s, uint32_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 0x100000001b3u;
    return h;
}

static int check_exports(struct wasm_module *m, struct waot_error *err)
{
    for (uint32_t i = 0; i < m->nexports; i++) {
        const struct wasm_export *ex = &m->exports[i];
        uint32_t limit = 0;
        const char *kind = "";
        switch (ex->kind) {
        case WAOT_EXTERN_FUNC: limit = m->nfuncs, kind = "function"; break;
        case WAOT_EXTERN_TABLE: limit = m->ntables, kind = "table"; break;
        case WAOT_EXTERN_MEMORY: limit = m->nmemories, kind = "memory"; break;
        case WAOT_EXTERN_GLOBAL: limit = m->nglobals, kind = "global"; break;
        }
        if (ex->index >= limit)
            return waot_fail(err, WAOT_E_INVALID, "export %u (\"%.64s\"): unknown %s %u", i,
                             ex->name, kind, ex->index);
    }
    /* Unique names: an open-addressing set of export numbers + 1. */
    size_t cap = 16;
    while (cap < (size_t)m->nexports * 2)
        cap *= 2;
    uint32_t *set = calloc(cap, sizeof *set);
    if (!set)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory checking export names");
    int rc = 0;
    for (uint32_t i = 0; i < m->nexports && rc == 0; i++) {
        const struct wasm_export *ex = &m->exports[i];
        size_t slot = hash_name(ex->name, ex->name_len) & (cap - 1);
        while (set[slot]) {
            const struct wasm_export *o = &m->exports[set[slot] - 1];
            if (o->name_len == ex->name_len && memcmp(o->name, ex->name, ex->name_len) == 0) {
                rc = waot_fail(err, WAOT_E_INVALID, "export %u: duplicate export name \"%.64s\"",
                               i, ex->name);
                break;
            }
            slot = (slot + 1) & (cap - 1);
        }
        set[slot] = i + 1;
    }
    free(set);
    return rc;
}

static int check_start(struct wasm_module *m, struct waot_error *err)
{
    if (!m->has_start)
        return 0;
    if (m->start >= m->nfuncs)
        return waot_fail(err, WAOT_E_INVALID, "start section: unknown function %u", m->start);
    const struct wasm_functype *ft = &m->types[m->funcs[m->start].type_index];
    if (ft->nparams || ft->nresults)
        return waot_fail(err, WAOT_E_INVALID, "start section: start function %u must have "
                         "type [] -> []", m->start);
    return 0;
}

/* The functions ref.func may name: those referenced from exports, element segments and
 * global initialisers (indices already checked). */
static int mark_declared(struct wasm_module *m, struct waot_error *err)
{
    m->func_declared = arena_array(&m->arena, m->nfuncs, sizeof *m->func_declared);
    if (!m->func_declared)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory marking declared functions");
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == WAOT_EXTERN_FUNC)
            m->func_declared[m->exports[i].index] = true;
    for (uint32_t i = 0; i < m->nelems; i++)
        for (uint32_t k = 0; k < m->elems[i].ninit; k++)
            if (m->elems[i].init[k].kind == WASM_CONST_REF_FUNC)
                m->func_declared[m->elems[i].init[k].value.index] = true;
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++)
        if (m->globals[i].init.kind == WASM_CONST_REF_FUNC)
            m->func_declared[m->globals[i].init.value.index] = true;
    return 0;
}

static int check_bodies(struct wasm_module *m, struct waot_error *err)
{
    struct wasm_validator v = {.m = m, .err = err};
    int rc = 0;
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs && rc == 0; i++)
        rc = wasm_validate_func(&v, i);
    wasm_validate_fini(&v);
    return rc;
}

int wasm_validate(struct wasm_module *m, struct waot_error *err)
{
    if (m->decode_invalid)
        return waot_fail(err, WAOT_E_INVALID, "%s", m->decode_invalid);
    if (check_imports(m, err) < 0 || check_declarations(m, err) < 0 ||
        check_segments(m, err) < 0 || check_exports(m, err) < 0 || check_start(m, err) < 0)
        return -1;
    if (mark_declared(m, err) < 0)
        return -1;
    return check_bodies(m, err);
}
