/*
 * Instantiation, in the order the spec gives:
 *   1. check every import against the module's declaration (function signature equality,
 *      table and memory limits subtyping, global type and mutability), failing with
 *      WAOT_E_UNLINKABLE before anything is written;
 *   2. allocate the defined functions' funcref objects, tables, memory and globals, and
 *      evaluate global initialisers and element segments' reference lists;
 *   3. inside one trap activation: active element segments (table.init then elem.drop),
 *      declarative ones dropped, active data segments (memory.init then data.drop), each
 *      bounds-checked at its turn through the helpers, then the start function.
 * A trap in step 3 makes the module uninstantiable (WAOT_E_TRAP), but what it already wrote
 * into imported tables and memories stays, and those tables may now hold funcrefs of this
 * instance that must stay callable. Such an instance is therefore not freed: it becomes a
 * "zombie" owned by its module and is freed by waot_module_close.
 *
 * An imported host function gets a funcref of this instance, { code = this module's host
 * trampoline for the import's type, vmctx = host ctx }, because host functions are made
 * without any module and so have no trampoline of their own (see func.c).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

void instance_free(struct waot_instance *inst)
{
    if (!inst)
        return;
    const struct rt_module *rt = inst->rt;
    if (inst->own_tables) {
        for (uint32_t i = 0; i < rt->ntables - rt->nimported_tables; i++)
            table_destroy(inst->own_tables[i]);
    }
    memory_destroy(inst->own_memory);
    if (inst->elem_refs) {
        for (uint32_t i = 0; i < rt->nelems; i++)
            free(inst->elem_refs[i]);
    }
    free(inst->elem_refs);
    free(inst->elem_len);
    free(inst->data_len);
    free(inst->own_tables);
    free(inst->tables);
    free(inst->own_globals);
    free(inst->globals);
    free(inst->own_funcs);
    free(inst->funcs);
    free(inst->type_ids);
    free(inst);
}

/* Guards every module's zombie list (instantiation may run on several threads). */
static pthread_mutex_t zombie_lock = PTHREAD_MUTEX_INITIALIZER;

void instance_free_zombies(struct waot_module *m)
{
    pthread_mutex_lock(&zombie_lock);
    struct waot_instance *z = m->zombies;
    m->zombies = NULL;
    pthread_mutex_unlock(&zombie_lock);
    while (z) {
        struct waot_instance *next = z->next_zombie;
        instance_free(z);
        z = next;
    }
}

/* ---- step 1: imports ---- */

static bool limits_match(uint64_t cur_min, bool cur_has_max, uint64_t cur_max,
                         const struct rt_limits *want)
{
    if (cur_min < want->min)
        return false;
    if (want->has_max && (!cur_has_max || cur_max > want->max))
        return false;
    return true;
}

static int link_import(struct waot_instance *inst, uint32_t i, const struct waot_extern *ext,
                       struct waot_error *err)
{
    const struct rt_module *rt = inst->rt;
    const struct rt_import *imp = &rt->imports[i];
    bool ok = ext->kind == imp->kind;
    switch (ok ? imp->kind : WAOT_EXTERN_FUNC) {
    case WAOT_EXTERN_FUNC: {
        struct waot_funcref *r = ext->of.func ? func_to_ref(ext->of.func) : NULL;
        if (!ok || !r || imp->index >= rt->nfuncs)
            break;
        uint32_t ti = rt->funcs[imp->index].type_index;
        if (r->type_id != inst->type_ids[ti]) {
            ok = false;
            break;
        }
        if (r->host) {
            struct waot_funcref *own = &inst->own_funcs[imp->index];
            own->code = rt->host_tramps[ti];
            own->vmctx = r->host;
            own->type_id = r->type_id;
            own->func_index = imp->index;
            own->entry = NULL;
            own->host = r->host;
            own->module = NULL;
            r = own;
        }
        inst->funcs[imp->index] = r;
        break;
    }
    case WAOT_EXTERN_TABLE: {
        struct waot_table *t = ext->of.table;
        if (!t || imp->index >= rt->ntables)
            return waot_fail(err, WAOT_E_USAGE, "import %u \"%s\".\"%s\": %s", i,
                             imp->module, imp->name, t ? "index out of range" : "table is NULL");
        const struct rt_table *want = &rt->tables[imp->index];
        ok = t->tab.elem_type == want->elem_type &&
             limits_match(t->tab.size, t->has_max, t->tab.max, &want->limits);
        inst->tables[imp->index] = &t->tab;
        break;
    }
    case WAOT_EXTERN_MEMORY: {
        struct waot_memory *mem = ext->of.memory;
        if (!mem || imp->index != 0 || rt->nmemories == 0)
            return waot_fail(err, WAOT_E_USAGE, "import %u \"%s\".\"%s\": %s", i, imp->module,
                             imp->name, mem ? "memory index out of range" : "memory is NULL");
        ok = limits_match(mem->mem.pages, mem->has_max, mem->mem.max_pages,
                          &rt->memories[0].limits);
        inst->memory = mem;
        break;
    }
    case WAOT_EXTERN_GLOBAL: {
        struct waot_global *g = ext->of.global;
        if (!g || imp->index >= rt->nglobals)
            return waot_fail(err, WAOT_E_USAGE, "import %u \"%s\".\"%s\": %s", i,
                             imp->module, imp->name, g ? "index out of range" : "global is NULL");
        const struct rt_global *want = &rt->globals[imp->index];
        ok = g->glob.type == want->type && (bool)g->glob.mutable_ == want->mutable_;
        inst->globals[imp->index] = &g->glob;
        break;
    }
    }
    if (!ok)
        return waot_fail(err, WAOT_E_UNLINKABLE, "import %u \"%s\".\"%s\": incompatible import type",
                         i, imp->module, imp->name);
    return 0;
}

/* ---- step 2: allocation and constant expressions ---- */

static int eval_const(const struct waot_instance *inst, const struct rt_const_expr *e,
                      union waot_slot *out, struct waot_error *err)
{
    const struct rt_module *rt = inst->rt;
    memset(out, 0, sizeof *out);
    switch (e->kind) {
    case RT_CONST_I32: out->i32 = e->value.i32; return 0;
    case RT_CONST_F32: out->i32 = e->value.i32; return 0;
    case RT_CONST_I64: out->i64 = e->value.i64; return 0;
    case RT_CONST_F64: out->i64 = e->value.i64; return 0;
    case RT_CONST_V128: memcpy(out->v128, e->value.v128, 16); return 0;
    case RT_CONST_REF_NULL: out->ref = NULL; return 0;
    case RT_CONST_REF_FUNC:
        if (e->value.index >= rt->nfuncs)
            break;
        out->ref = inst->funcs[e->value.index];
        return 0;
    case RT_CONST_GLOBAL_GET:
        if (e->value.index >= rt->nglobals || !inst->globals[e->value.index])
            break;
        *out = inst->globals[e->value.index]->value;
        return 0;
    }
    return waot_fail(err, WAOT_E_ARTIFACT, "constant expression (kind %d, index %u) out of range",
                     (int)e->kind, e->value.index);
}

static int allocate(struct waot_instance *inst, struct waot_error *err)
{
    const struct rt_module *rt = inst->rt;
    for (uint32_t i = rt->nimported_funcs; i < rt->nfuncs; i++) {
        const struct rt_func *f = &rt->funcs[i];
        struct waot_funcref *r = &inst->own_funcs[i];
        r->code = f->code;
        r->vmctx = &inst->vm;
        r->type_id = inst->type_ids[f->type_index];
        r->func_index = i;
        r->entry = (waot_entry_fn)rt->entry_tramps[f->type_index];
        r->host = NULL;
        r->module = rt;
        inst->funcs[i] = r;
    }
    for (uint32_t i = rt->nimported_tables; i < rt->ntables; i++) {
        const struct rt_table *t = &rt->tables[i];
        uint64_t max = t->limits.has_max ? t->limits.max : UINT32_MAX;
        struct waot_table *tab = table_create(t->elem_type, (uint32_t)t->limits.min,
                                              (uint32_t)max, t->limits.has_max, err);
        if (!tab)
            return -1;
        inst->own_tables[i - rt->nimported_tables] = tab;
        inst->tables[i] = &tab->tab;
    }
    if (rt->nmemories > rt->nimported_memories) {
        const struct rt_limits *l = &rt->memories[0].limits;
        if (l->min > MEMORY_MAX_PAGES || (l->has_max && l->max > MEMORY_MAX_PAGES))
            return waot_fail(err, WAOT_E_ARTIFACT, "memory limits out of range");
        inst->own_memory = memory_create((uint32_t)l->min, (uint32_t)l->max, l->has_max, err);
        if (!inst->own_memory)
            return -1;
        inst->memory = inst->own_memory;
    }
    for (uint32_t i = rt->nimported_globals; i < rt->nglobals; i++) {
        const struct rt_global *g = &rt->globals[i];
        union waot_slot v;
        if (eval_const(inst, &g->init, &v, err) < 0)
            return -1;
        struct waot_global *own = &inst->own_globals[i - rt->nimported_globals];
        global_init(own, g->type, g->mutable_, v);
        inst->globals[i] = &own->glob;
    }
    for (uint32_t i = 0; i < rt->nelems; i++) {
        const struct rt_elem *e = &rt->elems[i];
        inst->elem_refs[i] = calloc(e->ninit ? e->ninit : 1, sizeof(void *));
        if (!inst->elem_refs[i])
            return waot_fail(err, WAOT_E_NOMEM, "element segment %u: out of memory", i);
        for (uint32_t j = 0; j < e->ninit; j++) {
            union waot_slot v;
            if (eval_const(inst, &e->init[j], &v, err) < 0)
                return -1;
            inst->elem_refs[i][j] = v.ref;
        }
        inst->elem_len[i] = e->ninit;
    }
    for (uint32_t i = 0; i < rt->ndatas; i++)
        inst->data_len[i] = rt->datas[i].len;

    struct waot_vmctx *vm = &inst->vm;
    vm->mem = inst->memory ? &inst->memory->mem : NULL;
    vm->mem_base = inst->memory ? inst->memory->mem.base : NULL;
    vm->stack_limit = trap_stack_limit();
    vm->helpers = &helpers_table;
    vm->type_ids = inst->type_ids;
    vm->funcs = inst->funcs;
    vm->globals = inst->globals;
    vm->tables = inst->tables;
    vm->instance = inst;
    return 0;
}

/* ---- step 3: segments and start, inside an activation ---- */

static void run_segments_and_start(void *arg)
{
    struct waot_instance *inst = arg;
    const struct rt_module *rt = inst->rt;
    struct waot_vmctx *vm = &inst->vm;
    union waot_slot off;
    for (uint32_t i = 0; i < rt->nelems; i++) {
        const struct rt_elem *e = &rt->elems[i];
        if (e->mode == RT_SEG_ACTIVE) {
            eval_const(inst, &e->offset, &off, NULL);
            helpers_table.table_init(vm, e->table_index, i, off.i32, 0, e->ninit);
        }
        if (e->mode != RT_SEG_PASSIVE)
            helpers_table.elem_drop(vm, i);
    }
    for (uint32_t i = 0; i < rt->ndatas; i++) {
        const struct rt_data *d = &rt->datas[i];
        if (d->mode != RT_SEG_ACTIVE)
            continue;
        eval_const(inst, &d->offset, &off, NULL);
        helpers_table.memory_init(vm, i, off.i32, 0, d->len);
        helpers_table.data_drop(vm, i);
    }
    if (rt->has_start) {
        struct waot_funcref *r = inst->funcs[rt->start];
        union waot_slot slot[1] = { { .i64 = 0 } };
        if (r->host)
            r->host->fn(r->host, slot);
        else
            r->entry(r->code, r->vmctx, slot);
    }
}

/* Checks what run_segments_and_start relies on, so that a corrupt artifact fails here. */
static int check_segments(const struct rt_module *rt, struct waot_error *err)
{
    for (uint32_t i = 0; i < rt->nelems; i++) {
        const struct rt_elem *e = &rt->elems[i];
        if (e->mode == RT_SEG_ACTIVE && e->table_index >= rt->ntables)
            return waot_fail(err, WAOT_E_ARTIFACT, "element segment %u: table %u out of range",
                             i, e->table_index);
    }
    for (uint32_t i = 0; i < rt->ndatas; i++) {
        if (rt->datas[i].mode == RT_SEG_ACTIVE && (rt->nmemories == 0 || rt->datas[i].memory_index))
            return waot_fail(err, WAOT_E_ARTIFACT, "data segment %u: memory %u out of range", i,
                             rt->datas[i].memory_index);
    }
    if (rt->has_start && rt->start >= rt->nfuncs)
        return waot_fail(err, WAOT_E_ARTIFACT, "start function %u out of range", rt->start);
    if (rt->nmemories > 1)
        return waot_fail(err, WAOT_E_UNSUPPORTED, "%u memories: only one is supported",
                         rt->nmemories);
    return 0;
}

static void *alloc_array(size_t n, size_t size, bool *failed)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        *failed = true;
    return p;
}

struct waot_instance *waot_instance_create(struct waot_module *m, const struct waot_extern *imports,
                                           size_t nimports, struct waot_error *err)
{
    if (!m || !m->rt) {
        waot_fail(err, WAOT_E_USAGE, "instantiate: module is NULL");
        return NULL;
    }
    const struct rt_module *rt = m->rt;
    if (nimports != rt->nimports || (nimports && !imports)) {
        waot_fail(err, WAOT_E_USAGE, "instantiate: module has %u imports, %zu given",
                  rt->nimports, nimports);
        return NULL;
    }
    if (check_segments(rt, err) < 0)
        return NULL;
    struct waot_instance *inst = calloc(1, sizeof *inst);
    if (!inst) {
        waot_fail(err, WAOT_E_NOMEM, "instantiate: out of memory");
        return NULL;
    }
    inst->module = m;
    inst->rt = rt;
    bool failed = false;
    inst->type_ids = alloc_array(rt->ntypes, sizeof *inst->type_ids, &failed);
    inst->funcs = alloc_array(rt->nfuncs, sizeof *inst->funcs, &failed);
    inst->own_funcs = alloc_array(rt->nfuncs, sizeof *inst->own_funcs, &failed);
    inst->globals = alloc_array(rt->nglobals, sizeof *inst->globals, &failed);
    inst->own_globals = alloc_array(rt->nglobals - rt->nimported_globals,
                                    sizeof *inst->own_globals, &failed);
    inst->tables = alloc_array(rt->ntables, sizeof *inst->tables, &failed);
    inst->own_tables = alloc_array(rt->ntables - rt->nimported_tables, sizeof *inst->own_tables,
                                   &failed);
    inst->elem_refs = alloc_array(rt->nelems, sizeof *inst->elem_refs, &failed);
    inst->elem_len = alloc_array(rt->nelems, sizeof *inst->elem_len, &failed);
    inst->data_len = alloc_array(rt->ndatas, sizeof *inst->data_len, &failed);
    if (failed) {
        waot_fail(err, WAOT_E_NOMEM, "instantiate: out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < rt->ntypes; i++) {
        const struct rt_functype *t = &rt->types[i];
        inst->type_ids[i] = types_intern(t->params, t->nparams, t->results, t->nresults);
        if (inst->type_ids[i] == UINT32_MAX) {
            waot_fail(err, WAOT_E_NOMEM, "instantiate: out of memory for type %u", i);
            goto fail;
        }
    }
    for (uint32_t i = 0; i < rt->nimports; i++) {
        if (link_import(inst, i, &imports[i], err) < 0)
            goto fail;
    }
    if (allocate(inst, err) < 0)
        goto fail;
    if (trap_run(run_segments_and_start, inst, err) < 0) {
        pthread_mutex_lock(&zombie_lock);
        inst->next_zombie = m->zombies;
        m->zombies = inst;
        pthread_mutex_unlock(&zombie_lock);
        return NULL;
    }
    return inst;
fail:
    instance_free(inst);
    return NULL;
}

void waot_instance_destroy(struct waot_instance *inst)
{
    instance_free(inst);
}
