/*
 * The embedding API's thin layer (waot/waot.h) over the runtime's machinery: modules
 * (loaded artifacts, whose text is registered with the trap handler for their lifetime),
 * import/export enumeration, export lookup, and host-made tables, memories and globals.
 * Argument checks live here; the work is done by artifact_load.c, instance.c, memory.c,
 * table.c and global.c. Instance creation and function calls are in instance.c and func.c.
 */
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

/* ---- modules ---- */

static struct waot_module *wrap_module(struct rt_module *rt, struct waot_error *err)
{
    if (!rt)
        return NULL;
    struct waot_module *m = calloc(1, sizeof *m);
    if (!m) {
        rt_module_destroy(rt);
        waot_fail(err, WAOT_E_NOMEM, "module: out of memory");
        return NULL;
    }
    m->rt = rt;
    if (rt->text_start && rt->text_size) {
        if (trap_register_text(rt->text_start, rt->text_size, err) < 0) {
            rt_module_destroy(rt);
            free(m);
            return NULL;
        }
        m->text_registered = true;
    }
    return m;
}

struct waot_module *waot_module_open(const char *path, struct waot_error *err)
{
    if (!path) {
        waot_fail(err, WAOT_E_USAGE, "module: path is NULL");
        return NULL;
    }
    return wrap_module(rt_module_open(path, err), err);
}

struct waot_module *waot_module_open_memory(const void *buf, size_t len, struct waot_error *err)
{
    if (!buf && len) {
        waot_fail(err, WAOT_E_USAGE, "module: buffer is NULL");
        return NULL;
    }
    return wrap_module(rt_module_open_memory(buf, len, err), err);
}

void waot_module_close(struct waot_module *m)
{
    if (!m)
        return;
    instance_free_zombies(m);
    if (m->text_registered)
        trap_unregister_text(m->rt->text_start);
    rt_module_destroy(m->rt);
    free(m);
}

size_t waot_module_import_count(const struct waot_module *m)
{
    return m ? m->rt->nimports : 0;
}

int waot_module_import(const struct waot_module *m, size_t i, const char **module,
                       const char **name, enum waot_extern_kind *kind)
{
    if (!m || i >= m->rt->nimports)
        return -1;
    const struct rt_import *imp = &m->rt->imports[i];
    if (module)
        *module = imp->module;
    if (name)
        *name = imp->name;
    if (kind)
        *kind = imp->kind;
    return 0;
}

size_t waot_module_export_count(const struct waot_module *m)
{
    return m ? m->rt->nexports : 0;
}

int waot_module_export(const struct waot_module *m, size_t i, const char **name,
                       enum waot_extern_kind *kind)
{
    if (!m || i >= m->rt->nexports)
        return -1;
    const struct rt_export *e = &m->rt->exports[i];
    if (name)
        *name = e->name;
    if (kind)
        *kind = e->kind;
    return 0;
}

/* ---- exports of instances ---- */

int waot_instance_export_find(struct waot_instance *inst, const char *name, struct waot_extern *out)
{
    if (!name)
        return -1;
    return waot_instance_export_findn(inst, name, strlen(name), out);
}

int waot_instance_export_findn(struct waot_instance *inst, const char *name, size_t len,
                               struct waot_extern *out)
{
    if (!inst || !name || !out)
        return -1;
    const struct rt_module *rt = inst->rt;
    for (uint32_t i = 0; i < rt->nexports; i++) {
        const struct rt_export *e = &rt->exports[i];
        if (e->name_len != len || memcmp(e->name, name, len) != 0)
            continue;
        out->kind = e->kind;
        switch (e->kind) {
        case WAOT_EXTERN_FUNC:
            if (e->index >= rt->nfuncs)
                return -1;
            out->of.func = func_from_ref(inst->funcs[e->index]);
            return 0;
        case WAOT_EXTERN_TABLE:
            if (e->index >= rt->ntables)
                return -1;
            /* every waot_tab is the first member of a waot_table */
            out->of.table = (struct waot_table *)inst->tables[e->index];
            return 0;
        case WAOT_EXTERN_MEMORY:
            if (e->index != 0 || !inst->memory)
                return -1;
            out->of.memory = inst->memory;
            return 0;
        case WAOT_EXTERN_GLOBAL:
            if (e->index >= rt->nglobals)
                return -1;
            out->of.global = (struct waot_global *)inst->globals[e->index];
            return 0;
        }
        return -1;
    }
    return -1;
}

/* ---- host-made tables, memories, globals ---- */

struct waot_table *waot_table_create(enum waot_valtype elem, uint32_t min, uint32_t max,
                                     struct waot_error *err)
{
    return table_create((uint8_t)elem, min, max, max != UINT32_MAX, err);
}

void waot_table_destroy(struct waot_table *t)
{
    table_destroy(t);
}

uint32_t waot_table_size(const struct waot_table *t)
{
    return t ? t->tab.size : 0;
}

struct waot_memory *waot_memory_create(uint32_t min_pages, uint32_t max_pages, struct waot_error *err)
{
    return memory_create(min_pages, max_pages, max_pages != UINT32_MAX, err);
}

void waot_memory_destroy(struct waot_memory *mem)
{
    memory_destroy(mem);
}

uint8_t *waot_memory_data(const struct waot_memory *mem)
{
    return mem ? mem->mem.base : NULL;
}

uint64_t waot_memory_size(const struct waot_memory *mem)
{
    return mem ? mem->mem.size : 0;
}

struct waot_global *waot_global_create(struct waot_val value, int mutable_, struct waot_error *err)
{
    return global_create((uint8_t)value.type, mutable_ != 0, func_slot_from_val(&value), err);
}

void waot_global_destroy(struct waot_global *g)
{
    global_destroy(g);
}

struct waot_val waot_global_get(const struct waot_global *g)
{
    return func_val_from_slot(g->glob.value, (enum waot_valtype)g->glob.type);
}
