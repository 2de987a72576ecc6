/*
 * Runtime tests without the compiler: rt_modules are built by hand whose "compiled code" is
 * C functions below following the wasm ABI of vmctx.h (hidden vmctx argument, entry and host
 * trampolines). They live in their own ELF section, registered with the trap handler as guest
 * text, so that a deliberate out-of-bounds load inside one becomes a trap while a fault in
 * ordinary test code still kills the process (checked in a forked child).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_internal.h"
#include "check.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* ---- "compiled code" ---- */

#define GUEST __attribute__((section("waot_guest_text"), noinline, used, no_sanitize_address, \
                              no_sanitize("undefined")))
typedef int32_t __attribute__((aligned(1))) unaligned_i32;
extern const char __start_waot_guest_text[], __stop_waot_guest_text[];

typedef int32_t (*fn_i_i)(void *, int32_t);
typedef int32_t (*fn_ii_i)(void *, int32_t, int32_t);
typedef int32_t (*fn_v_i)(void *);

/* type 0: (i32) -> i32 */
GUEST static void entry0(void *code, void *vm, union waot_slot *s) { s[0].i32 = (uint32_t)((fn_i_i)code)(vm, (int32_t)s[0].i32); }
/* type 1: () -> () */
GUEST static void entry1(void *code, void *vm, union waot_slot *s) { (void)s; ((void (*)(void *))code)(vm); }
/* type 2: (i32, i32) -> i32 */
GUEST static void entry2(void *code, void *vm, union waot_slot *s) { s[0].i32 = (uint32_t)((fn_ii_i)code)(vm, (int32_t)s[0].i32, (int32_t)s[1].i32); }
/* type 3: () -> i32 */
GUEST static void entry3(void *code, void *vm, union waot_slot *s) { s[0].i32 = (uint32_t)((fn_v_i)code)(vm); }

GUEST static int32_t host0(struct waot_host_ctx *hc, int32_t a)
{
    union waot_slot s[1];
    memset(s, 0, sizeof s);
    s[0].i32 = (uint32_t)a;
    hc->fn(hc, s);
    return (int32_t)s[0].i32;
}
GUEST static void host1(struct waot_host_ctx *hc)
{
    union waot_slot s[1];
    memset(s, 0, sizeof s);
    hc->fn(hc, s);
}
GUEST static int32_t host2(struct waot_host_ctx *hc, int32_t a, int32_t b)
{
    union waot_slot s[2];
    memset(s, 0, sizeof s);
    s[0].i32 = (uint32_t)a;
    s[1].i32 = (uint32_t)b;
    hc->fn(hc, s);
    return (int32_t)s[0].i32;
}
GUEST static int32_t host3(struct waot_host_ctx *hc)
{
    union waot_slot s[1];
    memset(s, 0, sizeof s);
    hc->fn(hc, s);
    return (int32_t)s[0].i32;
}

/* func 1 "load": i32.load (no bounds check, as compiled code) */
GUEST static int32_t g_load(struct waot_vmctx *vm, int32_t addr)
{
    return *(volatile unaligned_i32 *)(vm->mem_base + (uint32_t)addr);
}
/* func 2 "oob": a load 5 GiB past the base, inside the reservation */
GUEST static int32_t g_oob(struct waot_vmctx *vm)
{
    return *(volatile int32_t *)(vm->mem_base + (UINT64_C(5) << 30));
}
/* func 3 "call_host": calls func 0 (the import) through its funcref */
GUEST static int32_t g_call_host(struct waot_vmctx *vm, int32_t a, int32_t b)
{
    struct waot_funcref *r = vm->funcs[0];
    return ((fn_ii_i)r->code)(r->vmctx, a, b) + 1;
}
/* func 4 "trap": explicit trap through the helper table */
GUEST static int32_t g_trap(struct waot_vmctx *vm)
{
    vm->helpers->trap(vm, WAOT_TRAP_UNREACHABLE);
    return 0;
}
/* func 5 "grow": memory.grow */
GUEST static int32_t g_grow(struct waot_vmctx *vm, int32_t delta)
{
    return (int32_t)vm->helpers->memory_grow(vm, (uint32_t)delta);
}
/* func 6 "recurse": unbounded recursion with the prologue's stack check */
GUEST static int32_t g_recurse(struct waot_vmctx *vm, int32_t n)
{
    volatile char pad[256];
    if ((uintptr_t)__builtin_frame_address(0) < vm->stack_limit)
        vm->helpers->trap(vm, WAOT_TRAP_STACK_EXHAUSTED);
    pad[0] = (char)n;
    if (n == INT32_MAX)
        return 0;
    int32_t r = g_recurse(vm, n + 1);
    return r + pad[0];
}
/* func 7 "tget": table.get 0, returns the func_index of the entry or -1 for null */
GUEST static int32_t g_tget(struct waot_vmctx *vm, int32_t idx)
{
    struct waot_funcref *r = vm->helpers->table_get(vm, 0, (uint32_t)idx);
    return r ? (int32_t)r->func_index : -1;
}
/* func 8 "call_indirect": call table 0 entry idx with type 3 () -> i32 */
GUEST static int32_t g_call_indirect(struct waot_vmctx *vm, int32_t idx)
{
    struct waot_tab *t = vm->tables[0];
    if ((uint32_t)idx >= t->size)
        vm->helpers->trap(vm, WAOT_TRAP_UNDEFINED_ELEMENT);
    struct waot_funcref *r = t->elems[idx];
    if (!r)
        vm->helpers->trap(vm, WAOT_TRAP_UNINIT_ELEMENT);
    if (r->type_id != vm->type_ids[3])
        vm->helpers->trap(vm, WAOT_TRAP_INDIRECT_TYPE);
    return ((fn_v_i)r->code)(r->vmctx);
}
/* func 9 "seven": () -> i32 */
GUEST static int32_t g_seven(struct waot_vmctx *vm)
{
    (void)vm;
    return 7;
}

/* ---- module A: everything ---- */

static const uint8_t t_i32[] = { WAOT_I32, WAOT_I32 };
static const struct rt_functype types_a[] = {
    { 1, 1, t_i32, t_i32 },
    { 0, 0, NULL, NULL },
    { 2, 1, t_i32, t_i32 },
    { 0, 1, NULL, t_i32 },
};
static void *entries[] = { (void *)entry0, (void *)entry1, (void *)entry2, (void *)entry3 };
static void *hosts[] = { (void *)host0, (void *)host1, (void *)host2, (void *)host3 };

static const struct rt_import imports_a[] = { { "env", "host_add", WAOT_EXTERN_FUNC, 0, sizeof "env" - 1, sizeof "host_add" - 1 } };
static const struct rt_export exports_a[] = {
    { "load", WAOT_EXTERN_FUNC, 1, sizeof "load" - 1 }, { "oob", WAOT_EXTERN_FUNC, 2, sizeof "oob" - 1 },
    { "call_host", WAOT_EXTERN_FUNC, 3, sizeof "call_host" - 1 }, { "trap", WAOT_EXTERN_FUNC, 4, sizeof "trap" - 1 },
    { "grow", WAOT_EXTERN_FUNC, 5, sizeof "grow" - 1 }, { "recurse", WAOT_EXTERN_FUNC, 6, sizeof "recurse" - 1 },
    { "tget", WAOT_EXTERN_FUNC, 7, sizeof "tget" - 1 }, { "call_indirect", WAOT_EXTERN_FUNC, 8, sizeof "call_indirect" - 1 },
    { "seven", WAOT_EXTERN_FUNC, 9, sizeof "seven" - 1 }, { "host_add", WAOT_EXTERN_FUNC, 0, sizeof "host_add" - 1 },
    { "mem", WAOT_EXTERN_MEMORY, 0, sizeof "mem" - 1 }, { "tab", WAOT_EXTERN_TABLE, 0, sizeof "tab" - 1 },
    { "g42", WAOT_EXTERN_GLOBAL, 0, sizeof "g42" - 1 }, { "gref", WAOT_EXTERN_GLOBAL, 1, sizeof "gref" - 1 },
};
static const struct rt_func funcs_a[] = {
    { 2, true, NULL, "host_add" },
    { 0, false, (void *)g_load, "load" },
    { 3, false, (void *)g_oob, "oob" },
    { 2, false, (void *)g_call_host, "call_host" },
    { 3, false, (void *)g_trap, "trap" },
    { 0, false, (void *)g_grow, "grow" },
    { 0, false, (void *)g_recurse, "recurse" },
    { 0, false, (void *)g_tget, "tget" },
    { 0, false, (void *)g_call_indirect, "call_indirect" },
    { 3, false, (void *)g_seven, "seven" },
};
static const struct rt_table tables_a[] = { { WAOT_FUNCREF, { 4, 8, true }, false } };
static const struct rt_memory memories_a[] = { { { 1, 3, true }, false } };
static const struct rt_global globals_a[] = {
    { WAOT_I32, false, false, { RT_CONST_I32, WAOT_I32, { .i32 = 42 } } },
    { WAOT_FUNCREF, false, false, { RT_CONST_REF_FUNC, WAOT_FUNCREF, { .index = 1 } } },
};
static const struct rt_const_expr elem0[] = {
    { RT_CONST_REF_FUNC, WAOT_FUNCREF, { .index = 1 } },
    { RT_CONST_REF_FUNC, WAOT_FUNCREF, { .index = 4 } },
    { RT_CONST_REF_FUNC, WAOT_FUNCREF, { .index = 9 } },
};
static const struct rt_const_expr elem1[] = { { RT_CONST_REF_FUNC, WAOT_FUNCREF, { .index = 2 } } };
static const struct rt_const_expr elem2[] = { { RT_CONST_REF_FUNC, WAOT_FUNCREF, { .index = 5 } } };
static const struct rt_elem elems_a[] = {
    { RT_SEG_ACTIVE, 0, { RT_CONST_I32, WAOT_I32, { .i32 = 1 } }, WAOT_FUNCREF, 3, elem0 },
    { RT_SEG_PASSIVE, 0, { 0 }, WAOT_FUNCREF, 1, elem1 },
    { RT_SEG_DECLARATIVE, 0, { 0 }, WAOT_FUNCREF, 1, elem2 },
};
static const struct rt_data datas_a[] = {
    { RT_SEG_ACTIVE, 0, { RT_CONST_I32, WAOT_I32, { .i32 = 16 } }, (const uint8_t *)"hello", 5 },
    { RT_SEG_PASSIVE, 0, { 0 }, (const uint8_t *)"xyz", 3 },
};

static struct rt_module module_a(void)
{
    struct rt_module m;
    memset(&m, 0, sizeof m);
    m.ntypes = 4; m.types = types_a; m.entry_tramps = entries; m.host_tramps = hosts;
    m.nimports = 1; m.imports = imports_a;
    m.nexports = sizeof exports_a / sizeof exports_a[0]; m.exports = exports_a;
    m.nfuncs = 10; m.nimported_funcs = 1; m.funcs = funcs_a;
    m.ntables = 1; m.tables = tables_a;
    m.nmemories = 1; m.memories = memories_a;
    m.nglobals = 2; m.globals = globals_a;
    m.nelems = 3; m.elems = elems_a;
    m.ndatas = 2; m.datas = datas_a;
    return m;
}

/* ---- host functions ---- */

static struct waot_instance *reenter_inst;

static struct waot_func *export_func(struct waot_instance *inst, const char *name)
{
    struct waot_extern ext;
    if (waot_instance_export_find(inst, name, &ext) < 0 || ext.kind != WAOT_EXTERN_FUNC)
        return NULL;
    return ext.of.func;
}

/* host_add(a, b): a + b, or special behaviours selected by a */
static int cb_host_add(void *env, const struct waot_val *args, struct waot_val *results,
                       struct waot_error *err)
{
    int *calls = env;
    (*calls)++;
    int32_t a = (int32_t)args[0].of.i32, b = (int32_t)args[1].of.i32;
    if (a == -1)
        return waot_fail(err, WAOT_E_USAGE, "boom %d", b);
    if (a == -2) {
        waot_fail(err, WAOT_E_EXIT, "exit");
        err->exit_code = b;
        return -1;
    }
    if (a == 99) {
        /* nested: guest -> host -> guest, the inner call traps, the outer one continues */
        struct waot_error inner;
        struct waot_val r;
        int rc = waot_func_call(export_func(reenter_inst, "trap"), NULL, 0, &r, 1, &inner);
        if (rc != -1 || inner.code != WAOT_E_TRAP || inner.trap != WAOT_TRAP_UNREACHABLE)
            return waot_fail(err, WAOT_E_INTERNAL, "inner trap not reported");
        struct waot_val arg = { .type = WAOT_I32, .of.i32 = 16 };
        if (waot_func_call(export_func(reenter_inst, "load"), &arg, 1, &r, 1, &inner) < 0)
            return waot_fail(err, WAOT_E_INTERNAL, "inner load failed");
        results[0].of.i32 = r.of.i32; /* "hell" as a little-endian i32 */
        return 0;
    }
    if (a == 98) {
        /* nested trap propagated by the host keeps its kind */
        struct waot_val r;
        return waot_func_call(export_func(reenter_inst, "oob"), NULL, 0, &r, 1, err);
    }
    results[0].type = WAOT_I32;
    results[0].of.i32 = (uint32_t)(a + b);
    return 0;
}

static struct waot_func *make_host_add(int *calls)
{
    enum waot_valtype p[] = { WAOT_I32, WAOT_I32 }, r[] = { WAOT_I32 };
    struct waot_error err;
    return waot_func_create_host(p, 2, r, 1, cb_host_add, calls, &err);
}

static int call_i32(struct waot_instance *inst, const char *name, const int32_t *args, size_t n,
                    int32_t *out, struct waot_error *err);

/* Runs on a second thread against reenter_inst: stack exhaustion and a fault trap there too. */
static void *thread_body(void *arg)
{
    int *ok = arg;
    struct waot_error err;
    int32_t out, zero = 0;
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    uintptr_t limit = trap_stack_limit();
    *ok = limit < here && here - limit < ((uintptr_t)64 << 20) &&
          call_i32(reenter_inst, "recurse", &zero, 1, &out, &err) == -1 &&
          err.trap == WAOT_TRAP_STACK_EXHAUSTED && reenter_inst->vm.stack_limit == limit &&
          call_i32(reenter_inst, "oob", NULL, 0, &out, &err) == -1 &&
          err.trap == WAOT_TRAP_MEMORY_OOB;
    return NULL;
}

static int call_i32(struct waot_instance *inst, const char *name, const int32_t *args, size_t n,
                    int32_t *out, struct waot_error *err)
{
    struct waot_val a[4], r;
    for (size_t i = 0; i < n; i++) {
        a[i].type = WAOT_I32;
        a[i].of.i32 = (uint32_t)args[i];
    }
    struct waot_func *f = export_func(inst, name);
    if (!f)
        return waot_fail(err, WAOT_E_USAGE, "no export %s", name);
    int rc = waot_func_call(f, a, n, &r, 1, err);
    if (rc == 0)
        *out = (int32_t)r.of.i32;
    return rc;
}

/* ---- helpers called directly inside an activation ---- */

struct hcall {
    struct waot_vmctx *vm;
    int op;
    uint32_t a, b, c, d;
    void *ref;
    void *out;
};

static void helper_body(void *arg)
{
    struct hcall *h = arg;
    const struct waot_helpers *H = h->vm->helpers;
    switch (h->op) {
    case 0: H->memory_fill(h->vm, h->a, h->b, h->c); break;
    case 1: H->memory_copy(h->vm, h->a, h->b, h->c); break;
    case 2: H->memory_init(h->vm, h->a, h->b, h->c, h->d); break;
    case 3: H->data_drop(h->vm, h->a); break;
    case 4: H->table_set(h->vm, 0, h->a, h->ref); break;
    case 5: H->table_fill(h->vm, 0, h->a, h->ref, h->b); break;
    case 6: H->table_copy(h->vm, 0, 0, h->a, h->b, h->c); break;
    case 7: H->table_init(h->vm, 0, h->a, h->b, h->c, h->d); break;
    case 8: H->elem_drop(h->vm, h->a); break;
    case 9: h->out = H->table_get(h->vm, 0, h->a); break;
    case 10: *(uint32_t *)h->out = H->table_grow(h->vm, 0, h->ref, h->a); break;
    }
}

/* Returns WAOT_TRAP_NONE or the trap kind the helper raised. */
static enum waot_trap helper(struct waot_vmctx *vm, int op, uint32_t a, uint32_t b, uint32_t c,
                             uint32_t d, void *ref)
{
    struct hcall h = { vm, op, a, b, c, d, ref, NULL };
    struct waot_error err;
    if (trap_run(helper_body, &h, &err) == 0)
        return WAOT_TRAP_NONE;
    return err.code == WAOT_E_TRAP ? err.trap : WAOT_TRAP_COUNT;
}

/* ---- tests ---- */

static void test_types(void)
{
    uint8_t a[] = { WAOT_I32, WAOT_I64 }, b[] = { WAOT_I32, WAOT_I64 };
    uint32_t x = types_intern(a, 1, a + 1, 1), y = types_intern(b, 1, b + 1, 1);
    uint32_t z = types_intern(a, 2, NULL, 0);
    CHECK(x == y && x != z);
    const uint8_t *p, *r;
    uint32_t np, nr;
    types_get(z, &p, &np, &r, &nr);
    CHECK(np == 2 && nr == 0 && p[1] == WAOT_I64);
}

static void test_module_a(void)
{
    struct rt_module rt = module_a();
    struct waot_module mod = { &rt, NULL, false };
    struct waot_error err;
    int calls = 0;
    struct waot_func *add = make_host_add(&calls);
    CHECK(add != NULL);
    struct waot_extern imp = { WAOT_EXTERN_FUNC, { .func = add } };
    struct waot_instance *inst = waot_instance_create(&mod, &imp, 1, &err);
    CHECK(inst != NULL);
    if (!inst) {
        fprintf(stderr, "instantiate: %s\n", err.msg);
        waot_func_destroy_host(add);
        return;
    }
    reenter_inst = inst;
    struct waot_vmctx *vm = &inst->vm;
    int32_t out = 0, args[2];

    /* data segment, memory export, load */
    struct waot_extern ext;
    CHECK(waot_instance_export_find(inst, "mem", &ext) == 0 && ext.kind == WAOT_EXTERN_MEMORY);
    CHECK(memcmp(waot_memory_data(ext.of.memory) + 16, "hello", 5) == 0);
    CHECK(waot_memory_size(ext.of.memory) == 65536);
    args[0] = 16;
    CHECK(call_i32(inst, "load", args, 1, &out, &err) == 0 && out == 0x6c6c6568);
    CHECK(waot_instance_export_find(inst, "nope", &ext) == -1);

    /* globals */
    CHECK(waot_instance_export_find(inst, "g42", &ext) == 0 && ext.kind == WAOT_EXTERN_GLOBAL);
    struct waot_val gv = waot_global_get(ext.of.global);
    CHECK(gv.type == WAOT_I32 && gv.of.i32 == 42);
    CHECK(waot_instance_export_find(inst, "gref", &ext) == 0);
    gv = waot_global_get(ext.of.global);
    CHECK(gv.type == WAOT_FUNCREF && gv.of.funcref == export_func(inst, "load"));

    /* signatures */
    struct waot_func *load = export_func(inst, "load");
    CHECK(waot_func_param_count(load) == 1 && waot_func_result_count(load) == 1);
    CHECK(waot_func_param_type(load, 0) == WAOT_I32);

    /* usage errors */
    struct waot_val bad = { .type = WAOT_I64, .of.i64 = 1 }, res;
    CHECK(waot_func_call(load, &bad, 1, &res, 1, &err) == -1 && err.code == WAOT_E_USAGE);
    CHECK(waot_func_call(load, NULL, 0, &res, 1, &err) == -1 && err.code == WAOT_E_USAGE);
    CHECK(waot_func_call(NULL, NULL, 0, &res, 1, &err) == -1 && err.code == WAOT_E_USAGE);

    /* out of bounds load through the guard */
    CHECK(call_i32(inst, "oob", NULL, 0, &out, &err) == -1 && err.code == WAOT_E_TRAP &&
          err.trap == WAOT_TRAP_MEMORY_OOB && strcmp(err.msg, "out of bounds memory access") == 0);
    args[0] = 65536 - 2; /* straddles the end */
    CHECK(call_i32(inst, "load", args, 1, &out, &err) == -1 && err.trap == WAOT_TRAP_MEMORY_OOB);
    args[0] = 65536 - 4;
    CHECK(call_i32(inst, "load", args, 1, &out, &err) == 0 && out == 0);

    /* memory.grow: max 3 pages */
    args[0] = 1;
    CHECK(call_i32(inst, "grow", args, 1, &out, &err) == 0 && out == 1);
    args[0] = 0;
    CHECK(call_i32(inst, "grow", args, 1, &out, &err) == 0 && out == 2);
    args[0] = 2;
    CHECK(call_i32(inst, "grow", args, 1, &out, &err) == 0 && out == -1);
    args[0] = 1;
    CHECK(call_i32(inst, "grow", args, 1, &out, &err) == 0 && out == 2);
    CHECK(vm->mem->pages == 3 && vm->mem->size == 3 * 65536u && vm->mem_base == vm->mem->base);
    args[0] = 3 * 65536 - 4;
    CHECK(call_i32(inst, "load", args, 1, &out, &err) == 0 && out == 0);
    args[0] = 3 * 65536;
    CHECK(call_i32(inst, "load", args, 1, &out, &err) == -1 && err.trap == WAOT_TRAP_MEMORY_OOB);

    /* explicit trap, and calls keep working after traps */
    CHECK(call_i32(inst, "trap", NULL, 0, &out, &err) == -1 && err.code == WAOT_E_TRAP &&
          err.trap == WAOT_TRAP_UNREACHABLE && strcmp(err.msg, "unreachable") == 0);
    CHECK(call_i32(inst, "seven", NULL, 0, &out, &err) == 0 && out == 7);

    /* host function called from guest code, and host failures */
    args[0] = 2; args[1] = 3;
    CHECK(call_i32(inst, "call_host", args, 2, &out, &err) == 0 && out == 6 && calls == 1);
    CHECK(call_i32(inst, "host_add", args, 2, &out, &err) == 0 && out == 5 && calls == 2);
    args[0] = -1; args[1] = 5;
    CHECK(call_i32(inst, "call_host", args, 2, &out, &err) == -1 && err.code == WAOT_E_TRAP &&
          err.trap == WAOT_TRAP_HOST && strcmp(err.msg, "boom 5") == 0);
    CHECK(call_i32(inst, "host_add", args, 2, &out, &err) == -1 && err.trap == WAOT_TRAP_HOST);
    args[0] = -2; args[1] = 7;
    CHECK(call_i32(inst, "call_host", args, 2, &out, &err) == -1 && err.code == WAOT_E_EXIT &&
          err.exit_code == 7);

    /* nested guest -> host -> guest */
    args[0] = 99; args[1] = 0;
    CHECK(call_i32(inst, "call_host", args, 2, &out, &err) == 0 && out == 0x6c6c6568 + 1);
    args[0] = 98;
    CHECK(call_i32(inst, "call_host", args, 2, &out, &err) == -1 && err.code == WAOT_E_TRAP &&
          err.trap == WAOT_TRAP_MEMORY_OOB);

    /* stack: a sane limit, and unbounded recursion traps */
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    uintptr_t limit = trap_stack_limit();
    CHECK(limit != 0 && limit < here && here - limit < ((uintptr_t)1 << 30));
    CHECK(vm->stack_limit == limit);
    args[0] = 0;
    CHECK(call_i32(inst, "recurse", args, 1, &out, &err) == -1 &&
          err.trap == WAOT_TRAP_STACK_EXHAUSTED);
    CHECK(call_i32(inst, "seven", NULL, 0, &out, &err) == 0 && out == 7);

    /* another thread: its own stack limit, alternate stack and activations */
    pthread_t th;
    int thread_ok = 0;
    CHECK(pthread_create(&th, NULL, thread_body, &thread_ok) == 0 && pthread_join(th, NULL) == 0);
    CHECK(thread_ok == 1);
    CHECK(call_i32(inst, "seven", NULL, 0, &out, &err) == 0 && vm->stack_limit == limit);

    /* tables: active elem at 1 = funcs 1, 4, 9 */
    args[0] = 1;
    CHECK(call_i32(inst, "tget", args, 1, &out, &err) == 0 && out == 1);
    args[0] = 3;
    CHECK(call_i32(inst, "tget", args, 1, &out, &err) == 0 && out == 9);
    args[0] = 0;
    CHECK(call_i32(inst, "tget", args, 1, &out, &err) == 0 && out == -1);
    args[0] = 4;
    CHECK(call_i32(inst, "tget", args, 1, &out, &err) == -1 && err.trap == WAOT_TRAP_TABLE_OOB);
    args[0] = 3;
    CHECK(call_i32(inst, "call_indirect", args, 1, &out, &err) == 0 && out == 7);
    args[0] = 1; /* load has type 0 */
    CHECK(call_i32(inst, "call_indirect", args, 1, &out, &err) == -1 &&
          err.trap == WAOT_TRAP_INDIRECT_TYPE);
    args[0] = 0;
    CHECK(call_i32(inst, "call_indirect", args, 1, &out, &err) == -1 &&
          err.trap == WAOT_TRAP_UNINIT_ELEMENT);
    args[0] = 9;
    CHECK(call_i32(inst, "call_indirect", args, 1, &out, &err) == -1 &&
          err.trap == WAOT_TRAP_UNDEFINED_ELEMENT);

    struct waot_tab *tab = vm->tables[0];
    void *f9 = inst->funcs[9];
    CHECK(helper(vm, 4, 4, 0, 0, 0, f9) == WAOT_TRAP_TABLE_OOB);            /* set oob */
    CHECK(helper(vm, 5, 2, 3, 0, 0, f9) == WAOT_TRAP_TABLE_OOB);            /* fill 2..5 */
    CHECK(tab->elems[2] == inst->funcs[4] && tab->elems[3] == f9);          /* untouched */
    CHECK(helper(vm, 5, 4, 0, 0, 0, f9) == WAOT_TRAP_NONE);                 /* len 0 at size */
    CHECK(helper(vm, 5, 5, 0, 0, 0, f9) == WAOT_TRAP_TABLE_OOB);            /* len 0 past it */
    CHECK(helper(vm, 6, 0, 1, 3, 0, NULL) == WAOT_TRAP_NONE);               /* copy 1..4 -> 0 */
    CHECK(tab->elems[0] == inst->funcs[1] && tab->elems[2] == f9);
    CHECK(helper(vm, 6, 2, 0, 3, 0, NULL) == WAOT_TRAP_TABLE_OOB);
    CHECK(helper(vm, 7, 1, 0, 0, 1, NULL) == WAOT_TRAP_NONE);               /* passive seg */
    CHECK(tab->elems[0] == inst->funcs[2]);
    CHECK(helper(vm, 7, 1, 0, 1, 1, NULL) == WAOT_TRAP_TABLE_OOB);          /* src past seg */
    CHECK(helper(vm, 7, 0, 0, 0, 1, NULL) == WAOT_TRAP_TABLE_OOB);          /* active: dropped */
    CHECK(helper(vm, 7, 2, 0, 0, 1, NULL) == WAOT_TRAP_TABLE_OOB);          /* declarative */
    CHECK(helper(vm, 7, 2, 4, 0, 0, NULL) == WAOT_TRAP_NONE);               /* len 0 is fine */
    CHECK(helper(vm, 8, 1, 0, 0, 0, NULL) == WAOT_TRAP_NONE);               /* elem.drop */
    CHECK(helper(vm, 7, 1, 0, 0, 1, NULL) == WAOT_TRAP_TABLE_OOB);
    uint32_t old = 0;
    struct hcall g = { vm, 10, 4, 0, 0, 0, f9, &old };
    CHECK(trap_run(helper_body, &g, &err) == 0 && old == 4 && tab->size == 8 && tab->elems[7] == f9);
    g.a = 1;
    CHECK(trap_run(helper_body, &g, &err) == 0 && old == UINT32_MAX && tab->size == 8);

    /* funcref round trip: table.set of an exported function, table.get gives it back */
    struct waot_func *seven = export_func(inst, "seven");
    struct hcall s = { vm, 4, 5, 0, 0, 0, func_to_ref(seven), NULL };
    CHECK(trap_run(helper_body, &s, &err) == 0);
    struct hcall gt = { vm, 9, 5, 0, 0, 0, NULL, NULL };
    CHECK(trap_run(helper_body, &gt, &err) == 0 && func_from_ref(gt.out) == seven);
    CHECK(waot_table_size((struct waot_table *)tab) == 8);

    /* memory bulk ops */
    uint8_t *base = vm->mem->base;
    uint32_t size = (uint32_t)vm->mem->size;
    CHECK(helper(vm, 0, size - 1, 0xab, 2, 0, NULL) == WAOT_TRAP_MEMORY_OOB);
    CHECK(base[size - 1] == 0);                                              /* nothing written */
    CHECK(helper(vm, 0, size, 0xab, 0, 0, NULL) == WAOT_TRAP_NONE);
    CHECK(helper(vm, 0, size + 1, 0xab, 0, 0, NULL) == WAOT_TRAP_MEMORY_OOB);
    CHECK(helper(vm, 0, 100, 0x1cd, 3, 0, NULL) == WAOT_TRAP_NONE && base[102] == 0xcd);
    CHECK(helper(vm, 1, 200, 16, 5, 0, NULL) == WAOT_TRAP_NONE && memcmp(base + 200, "hello", 5) == 0);
    CHECK(helper(vm, 1, 17, 16, 5, 0, NULL) == WAOT_TRAP_NONE && memcmp(base + 17, "hello", 5) == 0);
    CHECK(helper(vm, 1, 0, size - 2, 3, 0, NULL) == WAOT_TRAP_MEMORY_OOB);
    CHECK(helper(vm, 2, 1, 300, 0, 3, NULL) == WAOT_TRAP_NONE && memcmp(base + 300, "xyz", 3) == 0);
    CHECK(helper(vm, 2, 1, 400, 1, 3, NULL) == WAOT_TRAP_MEMORY_OOB && base[400] == 0);
    CHECK(helper(vm, 2, 0, 400, 0, 1, NULL) == WAOT_TRAP_MEMORY_OOB);       /* active: dropped */
    CHECK(helper(vm, 2, 1, size, 3, 0, NULL) == WAOT_TRAP_NONE);            /* len 0 at ends */
    CHECK(helper(vm, 3, 1, 0, 0, 0, NULL) == WAOT_TRAP_NONE);
    CHECK(helper(vm, 2, 1, 400, 0, 1, NULL) == WAOT_TRAP_MEMORY_OOB);
    CHECK(helper(vm, 2, 1, 400, 0, 0, NULL) == WAOT_TRAP_NONE);

    waot_instance_destroy(inst);
    waot_func_destroy_host(add);
    CHECK(mod.zombies == NULL);
}

/* ---- module B: imports of every kind, for linking checks ---- */

static const struct rt_import imports_b[] = {
    { "env", "f", WAOT_EXTERN_FUNC, 0, sizeof "env" - 1, sizeof "f" - 1 },
    { "env", "tab", WAOT_EXTERN_TABLE, 0, sizeof "env" - 1, sizeof "tab" - 1 },
    { "env", "mem", WAOT_EXTERN_MEMORY, 0, sizeof "env" - 1, sizeof "mem" - 1 },
    { "env", "g", WAOT_EXTERN_GLOBAL, 0, sizeof "env" - 1, sizeof "g" - 1 },
};
static const struct rt_func funcs_b[] = { { 0, true, NULL, NULL }, { 3, false, (void *)g_seven, NULL } };
static const struct rt_table tables_b[] = { { WAOT_FUNCREF, { 2, 10, true }, true } };
static const struct rt_memory memories_b[] = { { { 1, 2, true }, true } };
static const struct rt_global globals_b[] = { { WAOT_I32, true, true, { 0 } } };
static const struct rt_const_expr elem_b[] = { { RT_CONST_REF_FUNC, WAOT_FUNCREF, { .index = 1 } } };
static const struct rt_elem elems_b[] = {
    { RT_SEG_ACTIVE, 0, { RT_CONST_I32, WAOT_I32, { .i32 = 0 } }, WAOT_FUNCREF, 1, elem_b },
    { RT_SEG_ACTIVE, 0, { RT_CONST_I32, WAOT_I32, { .i32 = 2 } }, WAOT_FUNCREF, 1, elem_b },
};
static const struct rt_data datas_b[] = {
    { RT_SEG_ACTIVE, 0, { RT_CONST_I32, WAOT_I32, { .i32 = 0 } }, (const uint8_t *)"ab", 2 },
    { RT_SEG_ACTIVE, 0, { RT_CONST_GLOBAL_GET, WAOT_I32, { .index = 0 } }, (const uint8_t *)"xyz", 3 },
};

static struct rt_module module_b(void)
{
    struct rt_module m;
    memset(&m, 0, sizeof m);
    m.ntypes = 4; m.types = types_a; m.entry_tramps = entries; m.host_tramps = hosts;
    m.nimports = 4; m.imports = imports_b;
    m.nfuncs = 2; m.nimported_funcs = 1; m.funcs = funcs_b;
    m.ntables = 1; m.nimported_tables = 1; m.tables = tables_b;
    m.nmemories = 1; m.nimported_memories = 1; m.memories = memories_b;
    m.nglobals = 1; m.nimported_globals = 1; m.globals = globals_b;
    m.nelems = 2; m.elems = elems_b;
    m.ndatas = 2; m.datas = datas_b;
    return m;
}

static int cb_id(void *env, const struct waot_val *args, struct waot_val *results,
                 struct waot_error *err)
{
    (void)env; (void)err;
    results[0] = args[0];
    return 0;
}

static void test_linking(void)
{
    struct rt_module rt = module_b();
    struct waot_module mod = { &rt, NULL, false };
    struct waot_error err;
    enum waot_valtype i32 = WAOT_I32, i64 = WAOT_I64;
    struct waot_func *fid = waot_func_create_host(&i32, 1, &i32, 1, cb_id, NULL, &err);
    struct waot_func *fbad = waot_func_create_host(&i64, 1, &i64, 1, cb_id, NULL, &err);
    struct waot_table *tab = waot_table_create(WAOT_FUNCREF, 3, 10, &err);
    struct waot_table *tab_nomax = waot_table_create(WAOT_FUNCREF, 3, UINT32_MAX, &err);
    struct waot_table *tab2 = waot_table_create(WAOT_FUNCREF, 2, 10, &err);
    struct waot_memory *mem = waot_memory_create(1, 2, &err);
    struct waot_memory *mem_big = waot_memory_create(1, 3, &err);
    struct waot_val v = { .type = WAOT_I32, .of.i32 = 65535 };
    struct waot_global *g = waot_global_create(v, 1, &err);
    struct waot_global *gconst = waot_global_create(v, 0, &err);
    CHECK(fid && fbad && tab && tab_nomax && tab2 && mem && mem_big && g && gconst);
    struct waot_extern ok[4] = {
        { WAOT_EXTERN_FUNC, { .func = fid } }, { WAOT_EXTERN_TABLE, { .table = tab } },
        { WAOT_EXTERN_MEMORY, { .memory = mem } }, { WAOT_EXTERN_GLOBAL, { .global = g } },
    };
    struct waot_extern imp[4];

    memcpy(imp, ok, sizeof imp);
    imp[0].of.func = fbad;
    CHECK(waot_instance_create(&mod, imp, 4, &err) == NULL && err.code == WAOT_E_UNLINKABLE &&
          strcmp(err.msg, "import 0 \"env\".\"f\": incompatible import type") == 0);
    memcpy(imp, ok, sizeof imp);
    imp[1].of.table = tab_nomax;  /* declared max 10, the table has none */
    CHECK(waot_instance_create(&mod, imp, 4, &err) == NULL && err.code == WAOT_E_UNLINKABLE &&
          strstr(err.msg, "import 1 ") == err.msg);
    memcpy(imp, ok, sizeof imp);
    imp[2].of.memory = mem_big;   /* max 3 > declared max 2 */
    CHECK(waot_instance_create(&mod, imp, 4, &err) == NULL && err.code == WAOT_E_UNLINKABLE);
    memcpy(imp, ok, sizeof imp);
    imp[3].of.global = gconst;    /* immutable for mutable */
    CHECK(waot_instance_create(&mod, imp, 4, &err) == NULL && err.code == WAOT_E_UNLINKABLE);
    memcpy(imp, ok, sizeof imp);
    imp[3].kind = WAOT_EXTERN_FUNC; /* wrong kind */
    imp[3].of.func = fid;
    CHECK(waot_instance_create(&mod, imp, 4, &err) == NULL && err.code == WAOT_E_UNLINKABLE);
    CHECK(waot_instance_create(&mod, ok, 3, &err) == NULL && err.code == WAOT_E_USAGE);
    CHECK(mod.zombies == NULL);

    /* data segment 1 at global 65535 is out of bounds: trap, earlier writes stay */
    CHECK(waot_instance_create(&mod, ok, 4, &err) == NULL && err.code == WAOT_E_TRAP &&
          err.trap == WAOT_TRAP_MEMORY_OOB);
    CHECK(memcmp(waot_memory_data(mem), "ab", 2) == 0 && waot_memory_data(mem)[65535] == 0);
    CHECK(mod.zombies != NULL);
    /* the element segment stored funcs[1] of the failed instance; it stays callable */
    struct waot_funcref *r = tab->tab.elems[0];
    CHECK(r != NULL && r->func_index == 1);
    struct waot_val res;
    CHECK(r && waot_func_call(func_from_ref(r), NULL, 0, &res, 1, &err) == 0 && res.of.i32 == 7);

    /* element segment 1 at 2 is out of bounds for a 2-element table; data is not reached */
    memset(waot_memory_data(mem), 0, 2);
    memcpy(imp, ok, sizeof imp);
    imp[1].of.table = tab2;
    CHECK(waot_instance_create(&mod, imp, 4, &err) == NULL && err.code == WAOT_E_TRAP &&
          err.trap == WAOT_TRAP_TABLE_OOB &&
          strcmp(err.msg, "out of bounds table access") == 0);
    CHECK(tab2->tab.elems[0] != NULL && tab2->tab.elems[1] == NULL &&
          waot_memory_data(mem)[0] == 0);

    /* in bounds: instantiates, the host function works through the host trampoline */
    g->glob.value.i32 = 2;
    struct waot_instance *inst = waot_instance_create(&mod, ok, 4, &err);
    CHECK(inst != NULL);
    if (inst) {
        struct waot_funcref *own = inst->funcs[0];
        CHECK(own != func_to_ref(fid) && own->host == func_to_ref(fid)->host &&
              own->code == (void *)host0);
        CHECK(host0(own->vmctx, 41) == 41);
        CHECK(memcmp(waot_memory_data(mem) + 2, "xyz", 3) == 0);
        waot_instance_destroy(inst);
    }
    instance_free_zombies(&mod);
    CHECK(mod.zombies == NULL);

    waot_func_destroy_host(fid);
    waot_func_destroy_host(fbad);
    waot_table_destroy(tab);
    waot_table_destroy(tab_nomax);
    waot_table_destroy(tab2);
    waot_memory_destroy(mem);
    waot_memory_destroy(mem_big);
    waot_global_destroy(g);
    waot_global_destroy(gconst);
}

static void test_host_objects(void)
{
    struct waot_error err;
    struct waot_memory *m = waot_memory_create(0, UINT32_MAX, &err);
    CHECK(m && waot_memory_size(m) == 0);
    if (m) {
        CHECK(memory_grow(&m->mem, 65536) == 0 && m->mem.pages == 65536);
        CHECK(memory_grow(&m->mem, 1) == UINT32_MAX);
        waot_memory_destroy(m);
    }
    CHECK(waot_memory_create(2, 1, &err) == NULL && err.code == WAOT_E_USAGE);
    CHECK(waot_memory_create(65537, UINT32_MAX, &err) == NULL);
    struct waot_table *t = waot_table_create(WAOT_EXTERNREF, 0, UINT32_MAX, &err);
    CHECK(t && table_grow(&t->tab, 0xfffffff0u, NULL) == UINT32_MAX && t->tab.size == 0);
    CHECK(t && table_grow(&t->tab, 800, (void *)&err) == 0 && t->tab.elems[799] == (void *)&err);
    waot_table_destroy(t);
    CHECK(waot_table_create(WAOT_I32, 0, 1, &err) == NULL && err.code == WAOT_E_USAGE);
    struct waot_val v = { .type = WAOT_F64, .of.f64_bits = 0x7ff4000000000001ull };
    struct waot_global *g = waot_global_create(v, 0, &err);
    CHECK(g && waot_global_get(g).type == WAOT_F64 &&
          waot_global_get(g).of.f64_bits == 0x7ff4000000000001ull);
    waot_global_destroy(g);
}

/* A fault outside guest text must not be caught, even inside an activation. */
static void crash_body(void *arg)
{
    volatile int *p = arg;
    *p = 1;
}

static void test_fault_outside_guest(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2); /* a sanitizer's report of the expected crash is noise here */
        struct waot_error err;
        trap_run(crash_body, NULL, &err);
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
#if UNDER_ASAN
    /* the sanitizer's handler was there first: it reports the fault and exits */
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) ||
          (WIFEXITED(status) && WEXITSTATUS(status) != 0));
#else
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
#endif
}

int main(void)
{
    struct waot_error err;
    CHECK(trap_register_text(__start_waot_guest_text,
                             (size_t)(__stop_waot_guest_text - __start_waot_guest_text), &err) == 0);
    test_types();
    test_module_a();
    test_linking();
    test_host_objects();
    test_fault_outside_guest();
    trap_unregister_text(__start_waot_guest_text);
    return check_summary(NULL);
}
