/*
 * Wasm binary decoder, part 2: element segments (all eight encodings), data segments
 * (three encodings), the code section (local declarations and a syntax scan of every
 * body) and the `name` custom section. Function bodies stay in the module bytes; a
 * wasm_func records where its instructions start and end.
 */
#include "wasm_decode_int.h"

#include <stdio.h>
#include <string.h>

static int nomem(struct wasm_decoder *d, struct wasm_reader *r)
{
    r->failed = true;
    return waot_fail(d->err, WAOT_E_NOMEM, "%s: out of memory", d->where);
}

/* ---- element section ---- */

static void read_elemkind(struct wasm_reader *r, struct wasm_elem *e)
{
    size_t at = r->pos;
    uint8_t kind = wasm_read_u8(r);
    if (!r->failed && kind != 0x00) {
        r->pos = at;
        wasm_reader_fail(r, "malformed element kind 0x%02x", kind);
    }
    e->elem_type = WAOT_FUNCREF;
}

static void read_reftype(struct wasm_reader *r, struct wasm_elem *e)
{
    size_t at = r->pos;
    uint8_t t = wasm_read_u8(r);
    if (r->failed)
        return;
    if (t != WAOT_FUNCREF && t != WAOT_EXTERNREF) {
        r->pos = at;
        wasm_reader_fail(r, "malformed reference type 0x%02x", t);
        return;
    }
    e->elem_type = t;
}

static int read_func_indices(struct wasm_decoder *d, struct wasm_reader *r, struct wasm_elem *e)
{
    uint32_t n = wasm_decode_count(r, 1);
    struct wasm_const_expr *init = arena_array(&d->m->arena, n, sizeof *init);
    if (!init)
        return nomem(d, r);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        init[i].kind = WASM_CONST_REF_FUNC;
        init[i].type = WAOT_FUNCREF;
        init[i].value.index = wasm_read_u32(r);
    }
    e->ninit = n;
    e->init = init;
    return r->failed ? -1 : 0;
}

static int read_init_exprs(struct wasm_decoder *d, struct wasm_reader *r, struct wasm_elem *e)
{
    uint32_t n = wasm_decode_count(r, 2);
    struct wasm_const_expr *init = arena_array(&d->m->arena, n, sizeof *init);
    if (!init)
        return nomem(d, r);
    for (uint32_t i = 0; i < n && !r->failed; i++)
        wasm_decode_expr(d, r, &init[i]);
    e->ninit = n;
    e->init = init;
    return r->failed ? -1 : 0;
}

static int read_elem(struct wasm_decoder *d, struct wasm_reader *r, struct wasm_elem *e)
{
    size_t at = r->pos;
    uint32_t flags = wasm_read_u32(r);
    if (r->failed)
        return -1;
    if (flags > 7) {
        r->pos = at;
        wasm_reader_fail(r, "malformed elements segment kind %u", flags);
        return -1;
    }
    /* Bit 0: passive or declarative; bit 1: explicit table (active) or declarative;
     * bit 2: expressions instead of function indices. */
    bool exprs = flags & 4;
    if (flags & 1) {
        e->mode = (flags & 2) ? WASM_SEG_DECLARATIVE : WASM_SEG_PASSIVE;
    } else {
        e->mode = WASM_SEG_ACTIVE;
        if (flags & 2)
            e->table_index = wasm_read_u32(r);
        if (r->failed || wasm_decode_expr(d, r, &e->offset) < 0)
            return -1;
    }
    e->elem_type = WAOT_FUNCREF;
    if (flags & 3) {
        if (exprs)
            read_reftype(r, e);
        else
            read_elemkind(r, e);
    }
    if (r->failed)
        return -1;
    return exprs ? read_init_exprs(d, r, e) : read_func_indices(d, r, e);
}

int wasm_decode_elem_section(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    uint32_t n = wasm_decode_count(r, 2);
    m->elems = arena_array(&m->arena, n, sizeof *m->elems);
    if (!m->elems)
        return nomem(d, r);
    m->nelems = n;
    for (uint32_t i = 0; i < n && !r->failed; i++)
        if (read_elem(d, r, &m->elems[i]) < 0)
            return -1;
    return r->failed ? -1 : 0;
}

/* ---- data section ---- */

int wasm_decode_data_section(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    size_t at = r->pos;
    uint32_t n = wasm_decode_count(r, 2);
    if (r->failed)
        return -1;
    if (m->has_data_count && n != m->data_count) {
        r->pos = at;
        wasm_reader_fail(r, "data count and data section have inconsistent lengths "
                            "(%u and %u)", m->data_count, n);
        return -1;
    }
    d->has_data_section = true;
    m->datas = arena_array(&m->arena, n, sizeof *m->datas);
    if (!m->datas)
        return nomem(d, r);
    m->ndatas = n;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        struct wasm_data *seg = &m->datas[i];
        size_t fat = r->pos;
        uint32_t flags = wasm_read_u32(r);
        if (r->failed)
            break;
        switch (flags) {
        case 0:
        case 2:
            seg->mode = WASM_SEG_ACTIVE;
            if (flags == 2)
                seg->memory_index = wasm_read_u32(r);
            if (!r->failed)
                wasm_decode_expr(d, r, &seg->offset);
            break;
        case 1:
            seg->mode = WASM_SEG_PASSIVE;
            break;
        default:
            r->pos = fat;
            wasm_reader_fail(r, "malformed data segment kind %u", flags);
            return -1;
        }
        seg->len = wasm_read_u32(r);
        seg->bytes_offset = r->pos;
        wasm_read_bytes(r, seg->len);
    }
    return r->failed ? -1 : 0;
}

/* ---- code section ---- */

static int decode_body(struct wasm_decoder *d, struct wasm_reader *r, uint32_t index)
{
    struct wasm_module *m = d->m;
    struct wasm_func *f = &m->funcs[index];
    f->body_offset = r->pos;
    uint32_t size = wasm_read_u32(r);
    if (r->failed)
        return -1;
    if (size > r->end - r->pos) {
        wasm_reader_fail(r, "unexpected end: body size %u exceeds the section", size);
        return -1;
    }
    size_t body_end = r->pos + size;
    char saved[sizeof d->where];
    memcpy(saved, d->where, sizeof saved);
    snprintf(d->where, sizeof d->where, "code section, func %u", index);
    struct wasm_reader br;
    wasm_reader_init(&br, r->bytes, r->pos, body_end, d->err);
    br.where = d->where;

    uint32_t ndecls = wasm_decode_count(&br, 2);
    struct wasm_local_decl *decls = arena_array(&m->arena, ndecls, sizeof *decls);
    if (!decls) {
        nomem(d, &br);
        goto out;
    }
    uint64_t total = 0;
    for (uint32_t i = 0; i < ndecls && !br.failed; i++) {
        size_t at = br.pos;
        decls[i].count = wasm_read_u32(&br);
        decls[i].type = wasm_decode_valtype(&br);
        total += decls[i].count;
        if (!br.failed && total > UINT32_MAX) {
            br.pos = at;
            wasm_reader_fail(&br, "too many locals");
        }
    }
    f->nlocal_decls = ndecls;
    f->local_decls = decls;
    f->nlocals = (uint32_t)total;
    f->code_offset = br.pos;
    if (!br.failed && wasm_decode_expr(d, &br, NULL) == 0 && br.pos != body_end)
        wasm_reader_fail(&br, "section size mismatch: code after the body's final end");
    f->code_end = br.pos;
out:
    memcpy(d->where, saved, sizeof saved);
    if (br.failed) {
        r->failed = true;
        return -1;
    }
    r->pos = body_end;
    return 0;
}

int wasm_decode_code_section(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    size_t at = r->pos;
    uint32_t n = wasm_decode_count(r, 1);
    if (r->failed)
        return -1;
    d->has_code_section = true;
    if (n != d->ndefined_funcs) {
        r->pos = at;
        wasm_reader_fail(r, "function and code section have inconsistent lengths (%u and %u)",
                         d->ndefined_funcs, n);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++)
        if (decode_body(d, r, m->nimported_funcs + i) < 0)
            return -1;
    return 0;
}

/* ---- name section ---- */

/* Reads the name section's subsections: 0 = module name, 1 = function names. Any format
 * error drops every name read so far; the module itself stays valid. */
static bool read_names(struct wasm_decoder *d, struct wasm_reader *r)
{
    struct wasm_module *m = d->m;
    int last_id = -1;
    while (!wasm_reader_at_end(r)) {
        uint8_t id = wasm_read_u8(r);
        uint32_t size = wasm_read_u32(r);
        if (r->failed || size > r->end - r->pos || (int)id <= last_id)
            return false;
        last_id = id;
        struct wasm_reader sr;
        wasm_reader_init(&sr, r->bytes, r->pos, r->pos + size, NULL);
        uint32_t len;
        if (id == 0) {
            m->name = wasm_decode_name(d, &sr, &len);
        } else if (id == 1) {
            uint32_t n = wasm_decode_count(&sr, 2);
            for (uint32_t i = 0; i < n && !sr.failed; i++) {
                uint32_t idx = wasm_read_u32(&sr);
                const char *name = wasm_decode_name(d, &sr, &len);
                if (!sr.failed && idx < m->nfuncs)
                    m->funcs[idx].name = name;
            }
        } else {
            sr.pos = sr.end;
        }
        if (sr.failed || sr.pos != sr.end)
            return false;
        r->pos += size;
    }
    return !r->failed;
}

void wasm_decode_name_section(struct wasm_decoder *d)
{
    struct wasm_reader r;
    wasm_reader_init(&r, d->m->bytes, d->name_start, d->name_end, NULL);
    if (read_names(d, &r))
        return;
    d->m->name = NULL;
    for (uint32_t i = 0; i < d->m->nfuncs; i++)
        d->m->funcs[i].name = NULL;
}
