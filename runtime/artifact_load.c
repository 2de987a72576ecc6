/*
 * Artifact loader: maps an artifact (docs/artifact.md, runtime/artifact_format.h) with one
 * private mapping, checks every header field, offset, size, count and index against the
 * file, builds the struct rt_module the instance code consumes, fills the import table
 * (GOT) and the other fixups, then makes text read+execute and rodata+GOT read-only.
 *
 * A corrupt or foreign file is bad input: every failure is WAOT_E_ARTIFACT naming the file
 * and the problem, never a crash. The warm path is open, fstat, mmap, close and two
 * mprotects; metadata is read in place, and strings and segment bytes point into the
 * mapping (the loader checks that each string is NUL-terminated inside its section).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact_format.h"
#include "cpu_features.h"
#include "rt_module.h"

/* Addresses of the C library routines the GOT may name, by enum art_import_symbol. */
static void *const import_addr[ART_IMPORT_COUNT] = {
#define IMPORT_ADDR(name) (void *)name,
    ART_IMPORT_SYMBOLS(IMPORT_ADDR)
#undef IMPORT_ADDR
};

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

struct loader {
    const char *where;         /* path or "(memory)" for messages */
    uint8_t *file;
    size_t size;
    const struct art_header *h;
    uint8_t *image;
    struct rt_module *m;
    uint8_t *meta_next, *meta_end;
    struct waot_error *err;
};

#define bad(ld, ...) bad(ld, __VA_ARGS__)

__attribute__((format(printf, 2, 3)))
static int bad(struct loader *ld, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return waot_fail(ld->err, WAOT_E_ARTIFACT, "artifact %s: %s", ld->where, what);
}

static const void *sec(const struct loader *ld, enum art_section_id id)
{
    return ld->file + ld->h->sections[id].offset;
}

static uint32_t sec_count(const struct loader *ld, enum art_section_id id)
{
    return ld->h->sections[id].count;
}

/* A string reference (with its length when known, else -1): NULL when invalid. */
static const char *string_at(struct loader *ld, uint32_t off, int64_t len)
{
    const struct art_section *s = &ld->h->sections[ART_SEC_STRINGS];
    const char *base = (const char *)ld->file + s->offset;
    if (off >= s->size)
        return NULL;
    if (len < 0)
        return memchr(base + off, 0, s->size - off) ? base + off : NULL;
    if ((uint64_t)len >= s->size - off || base[off + len] != 0)
        return NULL;
    return base + off;
}

static bool valtype_ok(uint32_t t)
{
    return t == WAOT_I32 || t == WAOT_I64 || t == WAOT_F32 || t == WAOT_F64 || t == WAOT_V128 ||
           t == WAOT_FUNCREF || t == WAOT_EXTERNREF;
}

static bool reftype_ok(uint32_t t)
{
    return t == WAOT_FUNCREF || t == WAOT_EXTERNREF;
}

static void *meta_take(struct loader *ld, size_t count, size_t size)
{
    size_t n = (count * size + 7) & ~(size_t)7;
    void *p = ld->meta_next;
    ld->meta_next += n;
    return p;
}

/* ---- header ---- */

static bool field_is(const char *field, size_t size, const char *want)
{
    return memchr(field, 0, size) && strcmp(field, want) == 0;
}

static int check_header(struct loader *ld)
{
    const struct art_header *h = ld->h;
    if (ld->size < sizeof *h)
        return bad(ld, "file too short (%zu bytes) for a header", ld->size);
    if (memcmp(h->magic, ART_MAGIC, 8) != 0)
        return bad(ld, "not a waot artifact (bad magic)");
    if (h->format_version != ART_FORMAT_VERSION || h->header_size != sizeof *h)
        return bad(ld, "format version %u, this waot reads version %u; recompile",
                   h->format_version, ART_FORMAT_VERSION);
    if (!field_is(h->waot_version, sizeof h->waot_version, WAOT_VERSION))
        return bad(ld, "built by another waot version (this is %s); recompile", WAOT_VERSION);
    if (!memchr(h->triple, 0, sizeof h->triple) || !memchr(h->cpu, 0, sizeof h->cpu))
        return bad(ld, "corrupt target triple or CPU name");
    const char *arch = cpu_features_arch();
    size_t alen = strlen(arch);
    if (strncmp(h->triple, arch, alen) != 0 || h->triple[alen] != '-')
        return bad(ld, "built for %s, this machine is %s; recompile", h->triple, arch);
    if (h->file_size != ld->size)
        return bad(ld, "size %zu differs from the recorded %llu (truncated?)", ld->size,
                   (unsigned long long)h->file_size);
    uint64_t align = h->image_align, page = (uint64_t)sysconf(_SC_PAGESIZE);
    if (align < ART_IMAGE_ALIGN_MIN || align > ART_IMAGE_ALIGN || (align & (align - 1)))
        return bad(ld, "bad image alignment %llu", (unsigned long long)align);
    if (align < page)
        return bad(ld, "image aligned to %llu bytes, but this machine's pages are %llu; recompile",
                   (unsigned long long)align, (unsigned long long)page);
    if (h->image_offset % align || h->image_offset > ld->size ||
        h->image_size > ld->size - h->image_offset)
        return bad(ld, "image out of range");
    if (h->text_size > h->rodata_offset || h->rodata_offset % align ||
        h->rodata_offset > h->got_offset || h->got_offset % 8 || h->got_offset > h->image_size ||
        (uint64_t)h->got_count > (h->image_size - h->got_offset) / 8)
        return bad(ld, "bad image layout (text 0x%llx, rodata 0x%llx, got 0x%llx)",
                   (unsigned long long)h->text_size, (unsigned long long)h->rodata_offset,
                   (unsigned long long)h->got_offset);
    for (int i = 0; i < ART_SEC_COUNT; i++) {
        const struct art_section *s = &h->sections[i];
        if (s->offset % 8 || s->offset < sizeof *h || s->offset > h->image_offset ||
            s->size > h->image_offset - s->offset || s->size != (uint64_t)s->count * record_size[i])
            return bad(ld, "metadata section %d out of range", i);
    }
    /* the writer stores an empty list (a generic CPU) as no string */
    const char *features = h->features == ART_NO_STRING ? "" : string_at(ld, h->features, -1);
    if (!features)
        return bad(ld, "corrupt feature list");
    char missing[128];
    if (cpu_features_check(features, missing, sizeof missing) < 0)
        return bad(ld, "built for %s CPU \"%s\" with features %s which this %s machine lacks; "
                   "recompile", h->triple, h->cpu[0] ? h->cpu : "generic", missing, arch);
    if (h->name != ART_NO_STRING && !string_at(ld, h->name, -1))
        return bad(ld, "corrupt module name");
    return 0;
}

/* ---- metadata ---- */

static int load_const(struct loader *ld, const struct art_const *a, struct rt_const_expr *c,
                      const char *what, uint32_t i)
{
    c->kind = (enum rt_const_kind)a->kind;
    c->type = (uint8_t)a->type;
    memcpy(&c->value, a->value, 16);
    if (!valtype_ok(a->type))
        return bad(ld, "%s %u: bad constant type 0x%x", what, i, a->type);
    switch (a->kind) {
    case RT_CONST_I32: case RT_CONST_I64: case RT_CONST_F32: case RT_CONST_F64:
    case RT_CONST_V128: case RT_CONST_REF_NULL:
        return 0;
    case RT_CONST_REF_FUNC:
        if (c->value.index >= ld->m->nfuncs)
            return bad(ld, "%s %u: ref.func %u out of range", what, i, c->value.index);
        return 0;
    case RT_CONST_GLOBAL_GET:
        if (c->value.index >= ld->m->nglobals)
            return bad(ld, "%s %u: global.get %u out of range", what, i, c->value.index);
        return 0;
    default:
        return bad(ld, "%s %u: bad constant kind %u", what, i, a->kind);
    }
}

static bool limits_ok(const struct art_limits *l, uint64_t limit)
{
    return l->has_max <= 1 && l->min <= limit && (!l->has_max || (l->max <= limit && l->min <= l->max));
}

static int load_types(struct loader *ld)
{
    struct rt_module *m = ld->m;
    const struct art_type *at = sec(ld, ART_SEC_TYPES);
    const struct art_tramp *tr = sec(ld, ART_SEC_TRAMPS);
    const uint8_t *vt = sec(ld, ART_SEC_VALTYPES);
    uint64_t nvt = ld->h->sections[ART_SEC_VALTYPES].size;
    m->ntypes = sec_count(ld, ART_SEC_TYPES);
    if (sec_count(ld, ART_SEC_TRAMPS) != m->ntypes)
        return bad(ld, "trampoline table size differs from type count");
    struct rt_functype *types = meta_take(ld, m->ntypes, sizeof *types);
    m->entry_tramps = meta_take(ld, m->ntypes, sizeof(void *));
    m->host_tramps = meta_take(ld, m->ntypes, sizeof(void *));
    for (uint32_t i = 0; i < m->ntypes; i++) {
        uint64_t n = (uint64_t)at[i].nparams + at[i].nresults;
        if (at[i].valtypes > nvt || n > nvt - at[i].valtypes)
            return bad(ld, "type %u: value types out of range", i);
        for (uint64_t j = 0; j < n; j++)
            if (!valtype_ok(vt[at[i].valtypes + j]))
                return bad(ld, "type %u: bad value type 0x%x", i, vt[at[i].valtypes + j]);
        types[i].nparams = at[i].nparams;
        types[i].nresults = at[i].nresults;
        types[i].params = vt + at[i].valtypes;
        types[i].results = vt + at[i].valtypes + at[i].nparams;
        if (tr[i].entry >= ld->h->text_size || tr[i].host >= ld->h->text_size)
            return bad(ld, "type %u: trampoline outside text", i);
        m->entry_tramps[i] = ld->image + tr[i].entry;
        m->host_tramps[i] = ld->image + tr[i].host;
    }
    m->types = types;
    return 0;
}

static int load_funcs(struct loader *ld)
{
    struct rt_module *m = ld->m;
    const struct art_func *af = sec(ld, ART_SEC_FUNCS);
    m->nfuncs = sec_count(ld, ART_SEC_FUNCS);
    m->nimported_funcs = ld->h->nimported_funcs;
    if (m->nimported_funcs > m->nfuncs)
        return bad(ld, "more imported functions than functions");
    struct rt_func *funcs = meta_take(ld, m->nfuncs, sizeof *funcs);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        bool imported = i < m->nimported_funcs;
        if (af[i].type_index >= m->ntypes || af[i].imported != imported)
            return bad(ld, "function %u: bad type index or import flag", i);
        funcs[i].type_index = af[i].type_index;
        funcs[i].imported = imported;
        if (imported ? af[i].code != ART_NO_CODE : af[i].code >= ld->h->text_size)
            return bad(ld, "function %u: code offset out of range", i);
        funcs[i].code = imported ? NULL : ld->image + af[i].code;
        if (af[i].name != ART_NO_STRING && !(funcs[i].name = string_at(ld, af[i].name, -1)))
            return bad(ld, "function %u: corrupt name", i);
    }
    m->funcs = funcs;
    if (ld->h->has_start > 1 || (ld->h->has_start && ld->h->start >= m->nfuncs))
        return bad(ld, "start function out of range");
    m->has_start = ld->h->has_start;
    m->start = ld->h->start;
    return 0;
}

static int load_tables_memories_globals(struct loader *ld)
{
    struct rt_module *m = ld->m;
    const struct art_table *at = sec(ld, ART_SEC_TABLES);
    m->ntables = sec_count(ld, ART_SEC_TABLES);
    m->nimported_tables = ld->h->nimported_tables;
    struct rt_table *tables = meta_take(ld, m->ntables, sizeof *tables);
    for (uint32_t i = 0; i < m->ntables; i++) {
        if (!reftype_ok(at[i].elem_type) || !limits_ok(&at[i].limits, UINT32_MAX) ||
            at[i].imported != (i < m->nimported_tables))
            return bad(ld, "table %u: corrupt", i);
        tables[i] = (struct rt_table){ (uint8_t)at[i].elem_type,
                                       { at[i].limits.min, at[i].limits.max, at[i].limits.has_max },
                                       at[i].imported };
    }
    m->tables = tables;
    const struct art_memory *am = sec(ld, ART_SEC_MEMORIES);
    m->nmemories = sec_count(ld, ART_SEC_MEMORIES);
    m->nimported_memories = ld->h->nimported_memories;
    struct rt_memory *mems = meta_take(ld, m->nmemories, sizeof *mems);
    for (uint32_t i = 0; i < m->nmemories; i++) {
        if (!limits_ok(&am[i].limits, 65536) || am[i].imported != (i < m->nimported_memories))
            return bad(ld, "memory %u: corrupt", i);
        mems[i] = (struct rt_memory){ { am[i].limits.min, am[i].limits.max, am[i].limits.has_max },
                                      am[i].imported };
    }
    m->memories = mems;
    const struct art_global *ag = sec(ld, ART_SEC_GLOBALS);
    m->nglobals = sec_count(ld, ART_SEC_GLOBALS);
    m->nimported_globals = ld->h->nimported_globals;
    struct rt_global *globals = meta_take(ld, m->nglobals, sizeof *globals);
    for (uint32_t i = 0; i < m->nglobals; i++) {
        bool imported = i < m->nimported_globals;
        if (!valtype_ok(ag[i].type) || ag[i].mutable_ > 1 || ag[i].imported != imported)
            return bad(ld, "global %u: corrupt", i);
        globals[i].type = (uint8_t)ag[i].type;
        globals[i].mutable_ = ag[i].mutable_;
        globals[i].imported = imported;
        if (!imported && load_const(ld, &ag[i].init, &globals[i].init, "global", i) < 0)
            return -1;
    }
    m->globals = globals;
    if (m->nimported_tables > m->ntables || m->nimported_memories > m->nmemories ||
        m->nimported_globals > m->nglobals)
        return bad(ld, "import counts out of range");
    return 0;
}

static int load_imports_exports(struct loader *ld)
{
    struct rt_module *m = ld->m;
    const struct art_import *ai = sec(ld, ART_SEC_IMPORTS);
    m->nimports = sec_count(ld, ART_SEC_IMPORTS);
    struct rt_import *imports = meta_take(ld, m->nimports, sizeof *imports);
    uint32_t next[4] = { 0, 0, 0, 0 };
    const uint32_t nimported[4] = { m->nimported_funcs, m->nimported_tables,
                                    m->nimported_memories, m->nimported_globals };
    for (uint32_t i = 0; i < m->nimports; i++) {
        imports[i].module = string_at(ld, ai[i].module, ai[i].module_len);
        imports[i].name = string_at(ld, ai[i].name, ai[i].name_len);
        imports[i].module_len = ai[i].module_len;
        imports[i].name_len = ai[i].name_len;
        if (!imports[i].module || !imports[i].name)
            return bad(ld, "import %u: corrupt name", i);
        if (ai[i].kind > WAOT_EXTERN_GLOBAL || ai[i].index != next[ai[i].kind]++)
            return bad(ld, "import %u: bad kind or index", i);
        imports[i].kind = (enum waot_extern_kind)ai[i].kind;
        imports[i].index = ai[i].index;
    }
    for (int k = 0; k < 4; k++)
        if (next[k] != nimported[k])
            return bad(ld, "import list disagrees with the imported counts");
    m->imports = imports;
    const struct art_export *ae = sec(ld, ART_SEC_EXPORTS);
    m->nexports = sec_count(ld, ART_SEC_EXPORTS);
    struct rt_export *exports = meta_take(ld, m->nexports, sizeof *exports);
    const uint32_t count[4] = { m->nfuncs, m->ntables, m->nmemories, m->nglobals };
    for (uint32_t i = 0; i < m->nexports; i++) {
        exports[i].name = string_at(ld, ae[i].name, ae[i].name_len);
        exports[i].name_len = ae[i].name_len;
        if (!exports[i].name)
            return bad(ld, "export %u: corrupt name", i);
        if (ae[i].kind > WAOT_EXTERN_GLOBAL || ae[i].index >= count[ae[i].kind])
            return bad(ld, "export %u: bad kind or index", i);
        exports[i].kind = (enum waot_extern_kind)ae[i].kind;
        exports[i].index = ae[i].index;
    }
    m->exports = exports;
    return 0;
}

static int load_segments(struct loader *ld)
{
    struct rt_module *m = ld->m;
    const struct art_elem *ae = sec(ld, ART_SEC_ELEMS);
    const struct art_const *ainit = sec(ld, ART_SEC_ELEM_INIT);
    uint32_t ninit = sec_count(ld, ART_SEC_ELEM_INIT);
    m->nelems = sec_count(ld, ART_SEC_ELEMS);
    struct rt_elem *elems = meta_take(ld, m->nelems, sizeof *elems);
    struct rt_const_expr *init = meta_take(ld, ninit, sizeof *init);
    for (uint32_t i = 0; i < ninit; i++)
        if (load_const(ld, &ainit[i], &init[i], "element initialiser", i) < 0)
            return -1;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const struct art_elem *a = &ae[i];
        if (a->mode > RT_SEG_DECLARATIVE || !reftype_ok(a->elem_type) || a->init_first > ninit ||
            a->ninit > ninit - a->init_first ||
            (a->mode == RT_SEG_ACTIVE && a->table_index >= m->ntables))
            return bad(ld, "element segment %u: corrupt", i);
        elems[i].mode = (enum rt_segment_mode)a->mode;
        elems[i].table_index = a->table_index;
        elems[i].elem_type = (uint8_t)a->elem_type;
        elems[i].ninit = a->ninit;
        elems[i].init = init + a->init_first;
        if (a->mode == RT_SEG_ACTIVE &&
            load_const(ld, &a->offset, &elems[i].offset, "element segment", i) < 0)
            return -1;
    }
    m->elems = elems;
    const struct art_data *ad = sec(ld, ART_SEC_DATAS);
    const uint8_t *bytes = sec(ld, ART_SEC_DATA_BYTES);
    uint64_t nbytes = ld->h->sections[ART_SEC_DATA_BYTES].size;
    m->ndatas = sec_count(ld, ART_SEC_DATAS);
    struct rt_data *datas = meta_take(ld, m->ndatas, sizeof *datas);
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const struct art_data *a = &ad[i];
        if (a->mode > RT_SEG_PASSIVE || a->bytes > nbytes || a->len > nbytes - a->bytes ||
            (a->mode == RT_SEG_ACTIVE && a->memory_index >= m->nmemories))
            return bad(ld, "data segment %u: corrupt", i);
        datas[i].mode = (enum rt_segment_mode)a->mode;
        datas[i].memory_index = a->memory_index;
        datas[i].bytes = bytes + a->bytes;
        datas[i].len = a->len;
        if (a->mode == RT_SEG_ACTIVE &&
            load_const(ld, &a->offset, &datas[i].offset, "data segment", i) < 0)
            return -1;
    }
    m->datas = datas;
    return 0;
}

/* ---- image ---- */

static int apply_fixups(struct loader *ld, bool *touched_text)
{
    const struct art_fixup *f = sec(ld, ART_SEC_FIXUPS);
    uint32_t n = sec_count(ld, ART_SEC_FIXUPS);
    uint64_t size = ld->h->image_size;
    uintptr_t base = (uintptr_t)ld->image;
    *touched_text = false;
    for (uint32_t i = 0; i < n; i++) {
        if (f[i].offset % 8 || f[i].offset > size - 8 || size < 8)
            return bad(ld, "fixup %u: offset 0x%llx out of range", i,
                       (unsigned long long)f[i].offset);
        uint64_t v;
        if (f[i].kind == ART_FIXUP_RELATIVE) {
            if (f[i].addend < 0 || (uint64_t)f[i].addend > size)
                return bad(ld, "fixup %u: target out of range", i);
            v = base + (uint64_t)f[i].addend;
        } else if (f[i].kind == ART_FIXUP_IMPORT && f[i].import < ART_IMPORT_COUNT) {
            v = (uintptr_t)import_addr[f[i].import] + (uint64_t)f[i].addend;
        } else {
            return bad(ld, "fixup %u: bad kind %u", i, f[i].kind);
        }
        memcpy(ld->image + f[i].offset, &v, 8);
        if (f[i].offset < ld->h->text_size)
            *touched_text = true;
    }
    return 0;
}

static int protect_image(struct loader *ld, bool touched_text)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const struct art_header *h = ld->h;
    size_t text = (h->text_size + page - 1) & ~(page - 1);
    size_t ro = (h->image_size - h->rodata_offset + page - 1) & ~(page - 1);
    if (touched_text)
        __builtin___clear_cache((char *)ld->image, (char *)ld->image + h->text_size);
    if (text && mprotect(ld->image, text, PROT_READ | PROT_EXEC) < 0)
        return waot_fail(ld->err, WAOT_E_NOMEM, "artifact %s: mprotect text: %s", ld->where,
                         strerror(errno));
    if (ro && mprotect(ld->image + h->rodata_offset, ro, PROT_READ) < 0)
        return waot_fail(ld->err, WAOT_E_NOMEM, "artifact %s: mprotect rodata: %s", ld->where,
                         strerror(errno));
    return 0;
}

/* Takes ownership of the mapping file[0..size) whatever happens. */
static struct rt_module *load_mapping(uint8_t *file, size_t size, const char *where,
                                      struct waot_error *err)
{
    struct loader ld = { .where = where, .file = file, .size = size, .err = err };
    ld.h = (const struct art_header *)file;
    struct rt_module *m = calloc(1, sizeof *m);
    if (!m) {
        munmap(file, size);
        waot_fail(err, WAOT_E_NOMEM, "artifact %s: out of memory", where);
        return NULL;
    }
    m->image = file;
    m->image_size = size;
    ld.m = m;
    if (check_header(&ld) < 0)
        goto fail;
    ld.image = file + ld.h->image_offset;
    /* One block for every metadata array: each count is bounded by its section size. */
    uint64_t need = 0;
    const size_t out_size[ART_SEC_COUNT] = {
        [ART_SEC_TYPES] = sizeof(struct rt_functype) + 2 * sizeof(void *),
        [ART_SEC_IMPORTS] = sizeof(struct rt_import), [ART_SEC_EXPORTS] = sizeof(struct rt_export),
        [ART_SEC_FUNCS] = sizeof(struct rt_func), [ART_SEC_TABLES] = sizeof(struct rt_table),
        [ART_SEC_MEMORIES] = sizeof(struct rt_memory), [ART_SEC_GLOBALS] = sizeof(struct rt_global),
        [ART_SEC_ELEMS] = sizeof(struct rt_elem), [ART_SEC_ELEM_INIT] = sizeof(struct rt_const_expr),
        [ART_SEC_DATAS] = sizeof(struct rt_data),
    };
    for (int i = 0; i < ART_SEC_COUNT; i++)
        need += (uint64_t)sec_count(&ld, i) * out_size[i] + (i == ART_SEC_TYPES ? 24 : 8);
    m->meta_alloc = calloc(1, need);
    if (!m->meta_alloc) {
        waot_fail(err, WAOT_E_NOMEM, "artifact %s: out of memory for metadata", where);
        goto fail;
    }
    ld.meta_next = m->meta_alloc;
    ld.meta_end = ld.meta_next + need;
    if (load_types(&ld) < 0 || load_funcs(&ld) < 0 || load_tables_memories_globals(&ld) < 0 ||
        load_imports_exports(&ld) < 0 || load_segments(&ld) < 0)
        goto fail;
    m->name = ld.h->name == ART_NO_STRING ? NULL : string_at(&ld, ld.h->name, -1);
    m->text_start = ld.image;
    m->text_size = ld.h->text_size;
    bool touched_text;
    if (apply_fixups(&ld, &touched_text) < 0 || protect_image(&ld, touched_text) < 0)
        goto fail;
    return m;
fail:
    rt_module_destroy(m);
    return NULL;
}

struct rt_module *rt_module_open(const char *path, struct waot_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        waot_fail(err, WAOT_E_IO, "artifact %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        waot_fail(err, WAOT_E_IO, "artifact %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(struct art_header)) {
        waot_fail(err, WAOT_E_ARTIFACT, "artifact %s: not a regular file of at least %zu bytes",
                  path, sizeof(struct art_header));
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        waot_fail(err, WAOT_E_NOMEM, "artifact %s: mmap: %s", path, strerror(errno));
        return NULL;
    }
    return load_mapping(p, size, path, err);
}

struct rt_module *rt_module_open_memory(const void *buf, size_t len, struct waot_error *err)
{
    if (len < sizeof(struct art_header)) {
        waot_fail(err, WAOT_E_ARTIFACT, "artifact (memory): too short (%zu bytes)", len);
        return NULL;
    }
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        waot_fail(err, WAOT_E_NOMEM, "artifact (memory): mmap: %s", strerror(errno));
        return NULL;
    }
    memcpy(p, buf, len);
    return load_mapping(p, len, "(memory)", err);
}

void rt_module_destroy(struct rt_module *m)
{
    if (!m)
        return;
    if (m->image)
        munmap(m->image, m->image_size);
    free(m->meta_alloc);
    free(m);
}
