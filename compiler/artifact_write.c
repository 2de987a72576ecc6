/*
 * Artifact writer: links codegen's objects (elf_link.c) and serialises the image, its
 * fixups, the code tables and the module metadata into the format of
 * runtime/artifact_format.h (described in docs/artifact.md).
 *
 * Determinism: every record is zeroed before it is filled, strings and sections are
 * written in module order and nothing depends on addresses or time, so identical input
 * gives byte-identical output.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "artifact_format.h"
#include "artifact_write.h"
#include "elf_link.h"
#include "rt_module.h"

static_assert((int)WASM_CONST_I32 == (int)RT_CONST_I32 && (int)WASM_CONST_I64 == (int)RT_CONST_I64 &&
              (int)WASM_CONST_F32 == (int)RT_CONST_F32 && (int)WASM_CONST_F64 == (int)RT_CONST_F64 &&
              (int)WASM_CONST_V128 == (int)RT_CONST_V128 &&
              (int)WASM_CONST_REF_NULL == (int)RT_CONST_REF_NULL &&
              (int)WASM_CONST_REF_FUNC == (int)RT_CONST_REF_FUNC &&
              (int)WASM_CONST_GLOBAL_GET == (int)RT_CONST_GLOBAL_GET,
              "const kinds share numbering");
static_assert((int)WASM_SEG_ACTIVE == (int)RT_SEG_ACTIVE && (int)WASM_SEG_PASSIVE == (int)RT_SEG_PASSIVE &&
              (int)WASM_SEG_DECLARATIVE == (int)RT_SEG_DECLARATIVE, "segment modes share numbering");

/* A growable byte buffer that fails sticky. */
struct buf {
    uint8_t *p;
    size_t len, cap;
    bool failed;
};

static void *buf_grow(struct buf *b, size_t n)
{
    if (b->failed)
        return NULL;
    if (n > SIZE_MAX / 2 - b->len) {
        b->failed = true;
        return NULL;
    }
    if (b->len + n > b->cap || !b->p) { /* allocate even for n == 0: callers get a real pointer */
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    void *at = b->p + b->len;
    memset(at, 0, n);
    b->len += n;
    return at;
}

static void buf_put(struct buf *b, const void *data, size_t n)
{
    void *at = buf_grow(b, n);
    if (at && n)
        memcpy(at, data, n);
}

/* Appends s[0..len) and a NUL to the string section; returns its offset. */
static uint32_t add_string(struct buf *b, const char *s, size_t len)
{
    if (!s)
        return ART_NO_STRING;
    if (b->len + len + 1 >= UINT32_MAX) {
        b->failed = true;
        return ART_NO_STRING;
    }
    uint32_t off = (uint32_t)b->len;
    buf_put(b, s, len);
    buf_grow(b, 1);
    return off;
}

struct writer {
    const struct wasm_module *m;
    const struct codegen_output *cg;
    struct elf_link link;
    struct buf sec[ART_SEC_COUNT];
    struct art_header h;
    struct waot_error *err;
};

#define RECORD(w, id, type) ((type *)buf_grow(&(w)->sec[id], sizeof(type)))

static void put_const(struct art_const *c, const struct wasm_const_expr *e)
{
    memset(c, 0, sizeof *c);
    c->kind = (uint32_t)e->kind;
    c->type = e->type;
    switch (e->kind) {
    case WASM_CONST_I32:
    case WASM_CONST_F32:
        memcpy(c->value, &e->value.i32, 4);
        break;
    case WASM_CONST_I64:
    case WASM_CONST_F64:
        memcpy(c->value, &e->value.i64, 8);
        break;
    case WASM_CONST_V128:
        memcpy(c->value, e->value.v128, 16);
        break;
    case WASM_CONST_REF_FUNC:
    case WASM_CONST_GLOBAL_GET:
        memcpy(c->value, &e->value.index, 4);
        break;
    case WASM_CONST_REF_NULL:
        break;
    }
}

static void put_limits(struct art_limits *a, const struct wasm_limits *l)
{
    a->min = l->min;
    a->max = l->has_max ? l->max : 0;
    a->has_max = l->has_max;
}

static int find_code(struct writer *w, const char *prefix, uint32_t index, uint64_t *off)
{
    char name[48];
    snprintf(name, sizeof name, "%s%u", prefix, index);
    if (elf_link_symbol_find(&w->link, name, off) < 0)
        return waot_fail(w->err, WAOT_E_COMPILE, "link: symbol %s is not defined in text", name);
    return 0;
}

static int write_types(struct writer *w)
{
    const struct wasm_module *m = w->m;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const struct wasm_functype *ft = &m->types[i];
        struct art_type *t = RECORD(w, ART_SEC_TYPES, struct art_type);
        struct art_tramp *tr = RECORD(w, ART_SEC_TRAMPS, struct art_tramp);
        if (!t || !tr)
            return -1;
        t->nparams = ft->nparams;
        t->nresults = ft->nresults;
        t->valtypes = (uint32_t)w->sec[ART_SEC_VALTYPES].len;
        buf_put(&w->sec[ART_SEC_VALTYPES], ft->params, ft->nparams);
        buf_put(&w->sec[ART_SEC_VALTYPES], ft->results, ft->nresults);
        if (find_code(w, WAOT_SYM_ENTRY, i, &tr->entry) < 0 ||
            find_code(w, WAOT_SYM_HOST, i, &tr->host) < 0)
            return -1;
    }
    return 0;
}

static int write_imports_exports(struct writer *w)
{
    const struct wasm_module *m = w->m;
    uint32_t next[4] = { 0, 0, 0, 0 };
    for (uint32_t i = 0; i < m->nimports; i++) {
        const struct wasm_import *im = &m->imports[i];
        struct art_import *a = RECORD(w, ART_SEC_IMPORTS, struct art_import);
        if (!a)
            return -1;
        if ((unsigned)im->kind > WAOT_EXTERN_GLOBAL)
            return waot_fail(w->err, WAOT_E_INTERNAL, "artifact: import %u has bad kind", i);
        a->module = add_string(&w->sec[ART_SEC_STRINGS], im->module, im->module_len);
        a->name = add_string(&w->sec[ART_SEC_STRINGS], im->name, im->name_len);
        a->module_len = im->module_len;
        a->name_len = im->name_len;
        a->kind = im->kind;
        a->index = next[im->kind]++;
    }
    for (uint32_t i = 0; i < m->nexports; i++) {
        const struct wasm_export *ex = &m->exports[i];
        struct art_export *a = RECORD(w, ART_SEC_EXPORTS, struct art_export);
        if (!a)
            return -1;
        a->name = add_string(&w->sec[ART_SEC_STRINGS], ex->name, ex->name_len);
        a->name_len = ex->name_len;
        a->kind = ex->kind;
        a->index = ex->index;
    }
    return 0;
}

static int write_funcs(struct writer *w)
{
    const struct wasm_module *m = w->m;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const struct wasm_func *f = &m->funcs[i];
        struct art_func *a = RECORD(w, ART_SEC_FUNCS, struct art_func);
        if (!a)
            return -1;
        a->type_index = f->type_index;
        a->imported = f->imported;
        a->name = f->name ? add_string(&w->sec[ART_SEC_STRINGS], f->name, strlen(f->name))
                          : ART_NO_STRING;
        a->code = ART_NO_CODE;
        if (!f->imported && find_code(w, WAOT_SYM_FUNC, i, &a->code) < 0)
            return -1;
    }
    return 0;
}

static int write_tables_memories_globals(struct writer *w)
{
    const struct wasm_module *m = w->m;
    for (uint32_t i = 0; i < m->ntables; i++) {
        struct art_table *a = RECORD(w, ART_SEC_TABLES, struct art_table);
        if (!a)
            return -1;
        a->elem_type = m->tables[i].elem_type;
        a->imported = i < m->nimported_tables;
        put_limits(&a->limits, &m->tables[i].limits);
    }
    for (uint32_t i = 0; i < m->nmemories; i++) {
        struct art_memory *a = RECORD(w, ART_SEC_MEMORIES, struct art_memory);
        if (!a)
            return -1;
        put_limits(&a->limits, &m->memories[i]);
        a->imported = i < m->nimported_memories;
    }
    for (uint32_t i = 0; i < m->nglobals; i++) {
        const struct wasm_global *g = &m->globals[i];
        struct art_global *a = RECORD(w, ART_SEC_GLOBALS, struct art_global);
        if (!a)
            return -1;
        a->type = g->type.type;
        a->mutable_ = g->type.mutable_;
        a->imported = g->imported;
        if (!g->imported)
            put_const(&a->init, &g->init);
    }
    return 0;
}

static int write_segments(struct writer *w)
{
    const struct wasm_module *m = w->m;
    uint32_t ninit = 0;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const struct wasm_elem *e = &m->elems[i];
        struct art_elem *a = RECORD(w, ART_SEC_ELEMS, struct art_elem);
        if (!a)
            return -1;
        a->mode = e->mode;
        a->table_index = e->table_index;
        a->elem_type = e->elem_type;
        a->ninit = e->ninit;
        a->init_first = ninit;
        if (e->mode == WASM_SEG_ACTIVE)
            put_const(&a->offset, &e->offset);
        if (e->ninit > UINT32_MAX - ninit)
            return -1;
        ninit += e->ninit;
        for (uint32_t j = 0; j < e->ninit; j++) {
            struct art_const *c = RECORD(w, ART_SEC_ELEM_INIT, struct art_const);
            if (!c)
                return -1;
            put_const(c, &e->init[j]);
        }
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const struct wasm_data *d = &m->datas[i];
        struct art_data *a = RECORD(w, ART_SEC_DATAS, struct art_data);
        if (!a)
            return -1;
        if (d->bytes_offset > m->len || d->len > m->len - d->bytes_offset)
            return waot_fail(w->err, WAOT_E_INTERNAL, "artifact: data segment %u out of module", i);
        a->mode = d->mode;
        a->memory_index = d->memory_index;
        a->bytes = w->sec[ART_SEC_DATA_BYTES].len;
        a->len = d->len;
        if (d->mode == WASM_SEG_ACTIVE)
            put_const(&a->offset, &d->offset);
        buf_put(&w->sec[ART_SEC_DATA_BYTES], m->bytes + d->bytes_offset, d->len);
    }
    return 0;
}

/* Copies the "+feature" items of an LLVM feature string into the string section. */
static uint32_t add_features(struct buf *strings, const char *features)
{
    struct buf b = { 0 };
    const char *p = features;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 1 && p[0] == '+') {
            if (b.len)
                buf_put(&b, ",", 1);
            buf_put(&b, p, n);
        }
        p += n + (end ? 1 : 0);
    }
    uint32_t off = b.failed ? ART_NO_STRING : add_string(strings, (const char *)b.p, b.len);
    if (b.failed)
        strings->failed = true;
    free(b.p);
    return off;
}

static int copy_field(char *dst, size_t size, const char *src, const char *what,
                      struct waot_error *err)
{
    size_t n = strlen(src);
    if (n >= size)
        return waot_fail(err, WAOT_E_COMPILE, "artifact: %s \"%s\" too long", what, src);
    memcpy(dst, src, n);
    return 0;
}

static int fill_header(struct writer *w)
{
    struct art_header *h = &w->h;
    const struct elf_link *l = &w->link;
    const struct wasm_module *m = w->m;
    size_t alen = strlen(l->target->arch);
    if (strncmp(w->cg->triple, l->target->arch, alen) != 0 || w->cg->triple[alen] != '-')
        return waot_fail(w->err, WAOT_E_COMPILE, "artifact: objects are %s but triple is %s",
                         l->target->arch, w->cg->triple);
    memcpy(h->magic, ART_MAGIC, 8);
    h->format_version = ART_FORMAT_VERSION;
    h->header_size = sizeof *h;
    if (copy_field(h->waot_version, sizeof h->waot_version, WAOT_VERSION, "version", w->err) < 0 ||
        copy_field(h->triple, sizeof h->triple, w->cg->triple, "triple", w->err) < 0 ||
        copy_field(h->cpu, sizeof h->cpu, w->cg->cpu, "cpu", w->err) < 0)
        return -1;
    SHA256(m->bytes, m->len, h->wasm_sha256);
    h->image_size = l->image_size;
    h->text_size = l->text_size;
    h->rodata_offset = l->rodata_offset;
    h->got_offset = l->got_offset;
    h->got_count = l->got_count;
    h->features = add_features(&w->sec[ART_SEC_STRINGS], w->cg->features);
    h->name = m->name ? add_string(&w->sec[ART_SEC_STRINGS], m->name, strlen(m->name))
                      : ART_NO_STRING;
    h->has_start = m->has_start;
    h->start = m->has_start ? m->start : 0;
    h->nimported_funcs = m->nimported_funcs;
    h->nimported_tables = m->nimported_tables;
    h->nimported_memories = m->nimported_memories;
    h->nimported_globals = m->nimported_globals;
    return 0;
}

static const size_t record_size[ART_SEC_COUNT] = {
    [ART_SEC_STRINGS] = 1, [ART_SEC_VALTYPES] = 1,
    [ART_SEC_TYPES] = sizeof(struct art_type), [ART_SEC_TRAMPS] = sizeof(struct art_tramp),
    [ART_SEC_IMPORTS] = sizeof(struct art_import), [ART_SEC_EXPORTS] = sizeof(struct art_export),
    [ART_SEC_FUNCS] = sizeof(struct art_func), [ART_SEC_TABLES] = sizeof(struct art_table),
    [ART_SEC_MEMORIES] = sizeof(struct art_memory), [ART_SEC_GLOBALS] = sizeof(struct art_global),
    [ART_SEC_ELEMS] = sizeof(struct art_elem), [ART_SEC_ELEM_INIT] = sizeof(struct art_const),
    [ART_SEC_DATAS] = sizeof(struct art_data), [ART_SEC_DATA_BYTES] = 1,
    [ART_SEC_FIXUPS] = sizeof(struct art_fixup),
};

/* header | sections (8-aligned) | pad | image (aligned to the target's page size). */
static int assemble(struct writer *w, uint8_t **out, size_t *out_len)
{
    struct art_header *h = &w->h;
    uint64_t off = sizeof *h;
    for (int i = 0; i < ART_SEC_COUNT; i++) {
        uint64_t size = w->sec[i].len;
        if (size / record_size[i] > UINT32_MAX)
            return waot_fail(w->err, WAOT_E_COMPILE, "artifact: metadata section %d too large", i);
        off = (off + 7) & ~UINT64_C(7);
        h->sections[i].offset = off;
        h->sections[i].size = size;
        h->sections[i].count = (uint32_t)(size / record_size[i]);
        off += size;
    }
    uint64_t align = w->link.target->page_align;
    h->image_align = (uint32_t)align;
    h->image_offset = (off + align - 1) & ~(align - 1);
    h->file_size = h->image_offset + w->link.image_size;
    uint8_t *file = calloc(1, h->file_size);
    if (!file)
        return waot_fail(w->err, WAOT_E_NOMEM, "artifact: out of memory (%llu bytes)",
                         (unsigned long long)h->file_size);
    memcpy(file, h, sizeof *h);
    for (int i = 0; i < ART_SEC_COUNT; i++)
        if (w->sec[i].len)
            memcpy(file + h->sections[i].offset, w->sec[i].p, w->sec[i].len);
    memcpy(file + h->image_offset, w->link.image, w->link.image_size);
    *out = file;
    *out_len = h->file_size;
    return 0;
}

int artifact_write(const struct wasm_module *m, const struct codegen_output *cg,
                   uint8_t **out, size_t *out_len, struct waot_error *err)
{
    struct waot_error scratch;
    if (!err)
        err = &scratch;
    struct writer w;
    memset(&w, 0, sizeof w);
    w.m = m;
    w.cg = cg;
    w.err = err;
    *out = NULL;
    *out_len = 0;
    if (elf_link_objects(cg, &w.link, err) < 0)
        return -1;
    err->code = WAOT_OK;
    int rc = -1;
    if (fill_header(&w) < 0)
        goto done;
    if (write_types(&w) < 0 || write_imports_exports(&w) < 0 || write_funcs(&w) < 0 ||
        write_tables_memories_globals(&w) < 0 || write_segments(&w) < 0)
        goto fail;
    buf_put(&w.sec[ART_SEC_FIXUPS], w.link.fixups, (size_t)w.link.nfixups * sizeof(struct art_fixup));
    for (int i = 0; i < ART_SEC_COUNT; i++)
        if (w.sec[i].failed)
            goto fail;
    rc = assemble(&w, out, out_len);
    goto done;
fail:
    if (err->code == WAOT_OK)
        waot_fail(err, WAOT_E_NOMEM, "artifact: out of memory writing metadata");
done:
    for (int i = 0; i < ART_SEC_COUNT; i++)
        free(w.sec[i].p);
    elf_link_fini(&w.link);
    return rc;
}
