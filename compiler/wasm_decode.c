/*
 * Wasm binary decoder, part 1: the module header, the section loop (ids, sizes, order,
 * duplicates) and the sections that declare things: type, import, function, table,
 * memory, global, export, start and data count. Segments, code and the name section are
 * in wasm_decode_segments.c; instruction syntax in wasm_decode_instr.c.
 *
 * Every count read from the module is checked against the bytes left before anything is
 * allocated, and all storage comes from the module's arena. Errors are WAOT_E_MALFORMED
 * with "<section>, offset 0x..: what".
 */
#include "wasm_decode_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    SEC_CUSTOM = 0, SEC_TYPE, SEC_IMPORT, SEC_FUNCTION, SEC_TABLE, SEC_MEMORY, SEC_GLOBAL,
    SEC_EXPORT, SEC_START, SEC_ELEMENT, SEC_CODE, SEC_DATA, SEC_DATA_COUNT,
};

static const char *const section_names[] = {
    "custom section", "type section", "import section", "function section",
    "table section", "memory section", "global section", "export section",
    "start section", "element section", "code section", "data section",
    "data count section",
};

/* Position of each section id in the required order (data count sits before code). */
static const uint8_t section_rank[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

static int nomem(struct wasm_decoder *d, struct wasm_reader *r)
{
    r->failed = true;
    return waot_fail(d->err, WAOT_E_NOMEM, "%s: out of memory", d->where);
}

/* ---- small readers ---- */

static void read_limits(struct wasm_reader *r, struct wasm_limits *l)
{
    size_t at = r->pos;
    uint8_t flags = wasm_read_u8(r);
    if (r->failed)
        return;
    if (flags > 1) {
        r->pos = at;
        wasm_reader_fail(r, "malformed limits flags 0x%02x", flags);
        return;
    }
    l->min = wasm_read_u32(r);
    l->has_max = flags == 1;
    if (l->has_max)
        l->max = wasm_read_u32(r);
}

static void read_tabletype(struct wasm_reader *r, struct wasm_tabletype *t)
{
    size_t at = r->pos;
    uint8_t b = wasm_read_u8(r);
    if (r->failed)
        return;
    if (b != WAOT_FUNCREF && b != WAOT_EXTERNREF) {
        r->pos = at;
        wasm_reader_fail(r, "malformed reference type 0x%02x", b);
        return;
    }
    t->elem_type = b;
    read_limits(r, &t->limits);
}

static void read_globaltype(struct wasm_reader *r, struct wasm_globaltype *g)
{
    g->type = wasm_decode_valtype(r);
    size_t at = r->pos;
    uint8_t mut = wasm_read_u8(r);
    if (!r->failed && mut > 1) {
        r->pos = at;
        wasm_reader_fail(r, "malformed mutability 0x%02x", mut);
    }
    g->mutable_ = mut == 1;
}

/* ---- index spaces ---- */

/* Counts the imported entities once the import section is behind us, and sizes the
 * index spaces to hold the imports (definition sections grow them). */
static int place_imports(struct wasm_decoder *d)
{
    struct wasm_module *m = d->m;
    if (d->index_spaces_done)
        return 0;
    d->index_spaces_done = true;
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        switch (m->imports[i].kind) {
        case WAOT_EXTERN_FUNC: nf++; break;
        case WAOT_EXTERN_TABLE: nt++; break;
        case WAOT_EXTERN_MEMORY: nm++; break;
        case WAOT_EXTERN_GLOBAL: ng++; break;
        }
    }
    m->nimported_funcs = m->nfuncs = nf;
    m->nimported_tables = m->ntables = nt;
    m->nimported_memories = m->nmemories = nm;
    m->nimported_globals = m->nglobals = ng;
    m->funcs = arena_array(&m->arena, nf, sizeof *m->funcs);
    m->tables = arena_array(&m->arena, nt, sizeof *m->tables);
    m->memories = arena_array(&m->arena, nm, sizeof *m->memories);
    m->globals = arena_array(&m->arena, ng, sizeof *m->globals);
    if (!m->funcs || !m->tables || !m->memories || !m->globals)
        return waot_fail(d->err, WAOT_E_NOMEM, "out of memory placing imports");
    nf = nt = nm = ng = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const struct wasm_import *im = &m->imports[i];
        switch (im->kind) {
        case WAOT_EXTERN_FUNC:
            m->funcs[nf].type_index = im->desc.type_index;
            m->funcs[nf++].imported = true;
            break;
        case WAOT_EXTERN_TABLE:
            m->tables[nt++] = im->desc.table;
            break;
        case WAOT_EXTERN_MEMORY:
            m->memories[nm++] = im->desc.memory;
            break;
        case WAOT_EXTERN_GLOBAL:
            m->globals[ng].type = im->desc.global;
            m->globals[ng++].imported = true;
            break;
        }
    }
    return 0;
}

/* Grows an index space from `have` imported entries to have + more; NULL when out of
 * memory or when the total would not fit in u32. */
static void *grow_space(struct wasm_decoder *d, void *old, uint32_t have, uint32_t more, size_t size)
{
    if ((uint64_t)have + more > UINT32_MAX)
        return NULL;
    void *p = arena_array(&d->m->arena, (size_t)have + more, size);
    if (p && have)
        memcpy(p, old, (size_t)have * size);
    return p;
}

/* ---- sections ---- */

static int decode_types(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    uint32_t n = wasm_decode_count(r, 3);
    m->types = arena_array(&m->arena, n, sizeof *m->types);
    if (!m->types)
        return nomem(d, r);
    m->ntypes = n;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        struct wasm_functype *ft = &m->types[i];
        size_t at = r->pos;
        uint8_t form = wasm_read_u8(r);
        if (!r->failed && form != 0x60) {
            r->pos = at;
            wasm_reader_fail(r, "malformed function type form 0x%02x", form);
            break;
        }
        for (int k = 0; k < 2 && !r->failed; k++) {
            uint32_t cnt = wasm_decode_count(r, 1);
            wasm_valtype *v = arena_array(&m->arena, cnt, 1);
            if (!v)
                return nomem(d, r);
            for (uint32_t j = 0; j < cnt && !r->failed; j++)
                v[j] = wasm_decode_valtype(r);
            if (k == 0)
                ft->params = v, ft->nparams = cnt;
            else
                ft->results = v, ft->nresults = cnt;
        }
    }
    return r->failed ? -1 : 0;
}

static int decode_imports(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    uint32_t n = wasm_decode_count(r, 4);
    m->imports = arena_array(&m->arena, n, sizeof *m->imports);
    if (!m->imports)
        return nomem(d, r);
    m->nimports = n;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        struct wasm_import *im = &m->imports[i];
        im->module = wasm_decode_name(d, r, &im->module_len);
        im->name = wasm_decode_name(d, r, &im->name_len);
        size_t at = r->pos;
        uint8_t kind = wasm_read_u8(r);
        if (r->failed)
            break;
        im->kind = (enum waot_extern_kind)kind;
        switch (kind) {
        case WAOT_EXTERN_FUNC:
            im->desc.type_index = wasm_read_u32(r);
            break;
        case WAOT_EXTERN_TABLE:
            read_tabletype(r, &im->desc.table);
            break;
        case WAOT_EXTERN_MEMORY:
            read_limits(r, &im->desc.memory);
            break;
        case WAOT_EXTERN_GLOBAL:
            read_globaltype(r, &im->desc.global);
            break;
        default:
            r->pos = at;
            wasm_reader_fail(r, "malformed import kind 0x%02x", kind);
            break;
        }
    }
    return r->failed ? -1 : 0;
}

static int decode_functions(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    uint32_t n = wasm_decode_count(r, 1);
    if (r->failed)
        return -1;
    struct wasm_func *f = grow_space(d, m->funcs, m->nfuncs, n, sizeof *f);
    if (!f)
        return nomem(d, r);
    m->funcs = f;
    for (uint32_t i = 0; i < n && !r->failed; i++)
        f[m->nfuncs + i].type_index = wasm_read_u32(r);
    m->nfuncs += n;
    d->has_func_section = true;
    d->ndefined_funcs = n;
    return r->failed ? -1 : 0;
}

static int decode_tables(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    uint32_t n = wasm_decode_count(r, 2);
    if (r->failed)
        return -1;
    struct wasm_tabletype *t = grow_space(d, m->tables, m->ntables, n, sizeof *t);
    if (!t)
        return nomem(d, r);
    m->tables = t;
    for (uint32_t i = 0; i < n && !r->failed; i++)
        read_tabletype(r, &t[m->ntables + i]);
    m->ntables += n;
    return r->failed ? -1 : 0;
}

static int decode_memories(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    uint32_t n = wasm_decode_count(r, 2);
    if (r->failed)
        return -1;
    struct wasm_limits *l = grow_space(d, m->memories, m->nmemories, n, sizeof *l);
    if (!l)
        return nomem(d, r);
    m->memories = l;
    for (uint32_t i = 0; i < n && !r->failed; i++)
        read_limits(r, &l[m->nmemories + i]);
    m->nmemories += n;
    return r->failed ? -1 : 0;
}

static int decode_globals(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    uint32_t n = wasm_decode_count(r, 3);
    if (r->failed)
        return -1;
    struct wasm_global *g = grow_space(d, m->globals, m->nglobals, n, sizeof *g);
    if (!g)
        return nomem(d, r);
    m->globals = g;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        read_globaltype(r, &g[m->nglobals + i].type);
        if (!r->failed)
            wasm_decode_expr(d, r, &g[m->nglobals + i].init);
    }
    m->nglobals += n;
    return r->failed ? -1 : 0;
}

static int decode_exports(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    uint32_t n = wasm_decode_count(r, 3);
    m->exports = arena_array(&m->arena, n, sizeof *m->exports);
    if (!m->exports)
        return nomem(d, r);
    m->nexports = n;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        struct wasm_export *ex = &m->exports[i];
        ex->name = wasm_decode_name(d, r, &ex->name_len);
        size_t at = r->pos;
        uint8_t kind = wasm_read_u8(r);
        if (!r->failed && kind > WAOT_EXTERN_GLOBAL) {
            r->pos = at;
            wasm_reader_fail(r, "malformed export kind 0x%02x", kind);
        }
        ex->kind = (enum waot_extern_kind)kind;
        ex->index = wasm_read_u32(r);
    }
    return r->failed ? -1 : 0;
}

static int decode_custom(struct wasm_decoder *d, struct wasm_reader *r)
{
    uint32_t len;
    const char *name = wasm_decode_name(d, r, &len);
    if (!name)
        return -1;
    if (len == 4 && memcmp(name, "name", 4) == 0 && !d->has_name_section) {
        d->has_name_section = true;
        d->name_start = r->pos;
        d->name_end = r->end;
    }
    r->pos = r->end; /* other custom sections are ignored */
    return 0;
}

static int decode_section(struct wasm_decoder *d, uint8_t id, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    switch (id) {
    case SEC_CUSTOM: return decode_custom(d, r);
    case SEC_TYPE: return decode_types(d, r);
    case SEC_IMPORT: return decode_imports(d, r);
    case SEC_FUNCTION: return decode_functions(d, r);
    case SEC_TABLE: return decode_tables(d, r);
    case SEC_MEMORY: return decode_memories(d, r);
    case SEC_GLOBAL: return decode_globals(d, r);
    case SEC_EXPORT: return decode_exports(d, r);
    case SEC_START:
        m->has_start = true;
        m->start = wasm_read_u32(r);
        return r->failed ? -1 : 0;
    case SEC_ELEMENT: return wasm_decode_elem_section(d, r);
    case SEC_CODE: return wasm_decode_code_section(d, r);
    case SEC_DATA: return wasm_decode_data_section(d, r);
    case SEC_DATA_COUNT:
        m->has_data_count = true;
        m->data_count = wasm_read_u32(r);
        return r->failed ? -1 : 0;
    }
    return -1;
}

/* ---- the module ---- */

static int decode_module(struct wasm_decoder *d, const uint8_t *bytes, size_t len)
{
    struct wasm_reader r;
    wasm_reader_init(&r, bytes, 0, len, d->err);
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
    if (len < 4 || memcmp(bytes, magic, 4) != 0)
        return waot_fail(d->err, WAOT_E_MALFORMED, "offset 0x0: magic header not detected");
    if (len < 8)
        return waot_fail(d->err, WAOT_E_MALFORMED, "offset 0x4: unexpected end (version)");
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    if (memcmp(bytes + 4, version, 4) != 0)
        return waot_fail(d->err, WAOT_E_MALFORMED, "offset 0x4: unknown binary version");
    r.pos = 8;
    int last_rank = 0;
    while (r.pos < len) {
        size_t at = r.pos;
        uint8_t id = wasm_read_u8(&r);
        if (id > SEC_DATA_COUNT)
            return waot_fail(d->err, WAOT_E_MALFORMED, "offset 0x%zx: malformed section id %u",
                             at, id);
        uint32_t size = wasm_read_u32(&r);
        if (r.failed)
            return -1;
        if (size > len - r.pos)
            return waot_fail(d->err, WAOT_E_MALFORMED,
                             "%s, offset 0x%zx: section size mismatch (size %u, %zu bytes left)",
                             section_names[id], at, size, len - r.pos);
        if (id != SEC_CUSTOM) {
            int rank = section_rank[id];
            if (rank == last_rank)
                return waot_fail(d->err, WAOT_E_MALFORMED,
                                 "%s, offset 0x%zx: unexpected content after last section "
                                 "(duplicate section)", section_names[id], at);
            if (rank < last_rank)
                return waot_fail(d->err, WAOT_E_MALFORMED,
                                 "%s, offset 0x%zx: unexpected content after last section "
                                 "(section out of order)", section_names[id], at);
            last_rank = rank;
            if (rank > section_rank[SEC_IMPORT] && place_imports(d) < 0)
                return -1;
        }
        snprintf(d->where, sizeof d->where, "%s", section_names[id]);
        struct wasm_reader sr;
        wasm_reader_init(&sr, bytes, r.pos, r.pos + size, d->err);
        sr.where = d->where;
        if (decode_section(d, id, &sr) < 0 || sr.failed)
            return -1;
        if (sr.pos != sr.end)
            return waot_fail(d->err, WAOT_E_MALFORMED,
                             "%s, offset 0x%zx: section size mismatch (section ends at 0x%zx)",
                             section_names[id], sr.pos, sr.end);
        r.pos += size;
    }
    if (place_imports(d) < 0)
        return -1;
    struct wasm_module *m = d->m;
    if (d->ndefined_funcs > 0 && !d->has_code_section)
        return waot_fail(d->err, WAOT_E_MALFORMED,
                         "function section: function and code section have inconsistent "
                         "lengths (%u functions, no code section)", d->ndefined_funcs);
    if (m->has_data_count && m->data_count != 0 && !d->has_data_section)
        return waot_fail(d->err, WAOT_E_MALFORMED,
                         "data count section: data count and data section have inconsistent "
                         "lengths (%u segments, no data section)", m->data_count);
    if (d->needs_data_count && d->has_data_section)
        return waot_fail(d->err, WAOT_E_MALFORMED, "%s: data count section required",
                         d->needs_data_count_where);
    if (d->has_name_section)
        wasm_decode_name_section(d);
    return 0;
}

/* Sets m->uses_simd when a type, global or local is v128 (SIMD opcodes set it while the
 * bodies are scanned). */
static void note_simd_types(struct wasm_module *m)
{
    for (uint32_t i = 0; i < m->ntypes && !m->uses_simd; i++) {
        const struct wasm_functype *ft = &m->types[i];
        for (uint32_t k = 0; k < ft->nparams; k++)
            m->uses_simd |= ft->params[k] == WAOT_V128;
        for (uint32_t k = 0; k < ft->nresults; k++)
            m->uses_simd |= ft->results[k] == WAOT_V128;
    }
    for (uint32_t i = 0; i < m->nglobals; i++)
        m->uses_simd |= m->globals[i].type.type == WAOT_V128;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        for (uint32_t k = 0; k < m->funcs[i].nlocal_decls; k++)
            m->uses_simd |= m->funcs[i].local_decls[k].type == WAOT_V128;
}

int wasm_decode(struct wasm_module *m, const uint8_t *bytes, size_t len, struct waot_error *err)
{
    memset(m, 0, sizeof *m);
    arena_init(&m->arena);
    m->bytes = bytes;
    m->len = len;
    struct wasm_decoder d = {.m = m, .err = err};
    int rc = decode_module(&d, bytes, len);
    free(d.blocks);
    if (rc == 0)
        note_simd_types(m);
    return rc;
}

void wasm_module_destroy(struct wasm_module *m)
{
    if (!m)
        return;
    arena_fini(&m->arena);
    memset(m, 0, sizeof *m);
}
