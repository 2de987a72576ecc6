/*
 * Calling functions from the host, and host functions called from guest code.
 *
 * A `struct waot_func *` is the address of a struct waot_funcref (see rt_internal.h), so a
 * funcref read from a table or global comes back to the embedder unchanged and can be
 * stored again. waot_func_call checks the arguments against the canonical signature,
 * marshals them into trampoline slots, and enters guest code through the funcref's entry
 * trampoline inside a trap activation (trap.c); host functions are called directly through
 * their host ctx, inside an activation as well so that their failures unwind the same way.
 *
 * Stack limit: vmctx is per instance, but the limit is a property of a thread. Every call
 * from the host stores the calling thread's limit into the callee's vmctx (instantiation
 * does the same for the instantiating thread). An instance, and the instances it links
 * with, must therefore be entered by one thread at a time; cross-instance calls inside guest
 * code use the limit of the thread that last entered or created the callee's instance.
 *
 * A host function (waot_func_create_host) owns a funcref whose host ctx dispatches to the
 * embedder's callback: its fn converts slots to waot_val, calls the callback, and on -1
 * raises the failure through the trap path (WAOT_TRAP_HOST with the message, or WAOT_E_EXIT).
 * Its own funcref has no code (host functions are created without a module, and host
 * trampolines live in modules): instantiation gives each importing instance a funcref whose
 * code is that module's host trampoline for the import's type (instance.c).
 */
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

#define FUNC_STACK_SLOTS 16

struct func_host {
    struct waot_funcref ref;     /* first: the waot_func address */
    struct waot_host_ctx hc;     /* hc.env points back at this struct */
    waot_host_callback cb;
    void *env;
    uint32_t nparams, nresults;
    enum waot_valtype types[];   /* params then results */
};

union waot_slot func_slot_from_val(const struct waot_val *v)
{
    union waot_slot s;
    memset(&s, 0, sizeof s);
    switch (v->type) {
    case WAOT_I32: s.i32 = v->of.i32; break;
    case WAOT_F32: s.i32 = v->of.f32_bits; break;
    case WAOT_I64: s.i64 = v->of.i64; break;
    case WAOT_F64: s.i64 = v->of.f64_bits; break;
    case WAOT_V128: memcpy(s.v128, v->of.v128, 16); break;
    case WAOT_FUNCREF: s.ref = func_to_ref(v->of.funcref); break;
    case WAOT_EXTERNREF: s.ref = v->of.externref; break;
    }
    return s;
}

struct waot_val func_val_from_slot(union waot_slot s, enum waot_valtype type)
{
    struct waot_val v;
    memset(&v, 0, sizeof v);
    v.type = type;
    switch (type) {
    case WAOT_I32: v.of.i32 = s.i32; break;
    case WAOT_F32: v.of.f32_bits = s.i32; break;
    case WAOT_I64: v.of.i64 = s.i64; break;
    case WAOT_F64: v.of.f64_bits = s.i64; break;
    case WAOT_V128: memcpy(v.of.v128, s.v128, 16); break;
    case WAOT_FUNCREF: v.of.funcref = func_from_ref(s.ref); break;
    case WAOT_EXTERNREF: v.of.externref = s.ref; break;
    }
    return v;
}

static const char *type_name(enum waot_valtype t)
{
    switch (t) {
    case WAOT_I32: return "i32";
    case WAOT_I64: return "i64";
    case WAOT_F32: return "f32";
    case WAOT_F64: return "f64";
    case WAOT_V128: return "v128";
    case WAOT_FUNCREF: return "funcref";
    case WAOT_EXTERNREF: return "externref";
    }
    return "unknown type";
}

/* ---- signature queries ---- */

struct sig {
    const uint8_t *params, *results;
    uint32_t nparams, nresults;
};

static struct sig sig_of(const struct waot_func *f)
{
    struct sig s;
    types_get(func_to_ref(f)->type_id, &s.params, &s.nparams, &s.results, &s.nresults);
    return s;
}

size_t waot_func_param_count(const struct waot_func *f)
{
    return sig_of(f).nparams;
}

size_t waot_func_result_count(const struct waot_func *f)
{
    return sig_of(f).nresults;
}

enum waot_valtype waot_func_param_type(const struct waot_func *f, size_t i)
{
    struct sig s = sig_of(f);
    return i < s.nparams ? (enum waot_valtype)s.params[i] : (enum waot_valtype)0;
}

enum waot_valtype waot_func_result_type(const struct waot_func *f, size_t i)
{
    struct sig s = sig_of(f);
    return i < s.nresults ? (enum waot_valtype)s.results[i] : (enum waot_valtype)0;
}

/* ---- calling from the host ---- */

struct call {
    struct waot_funcref *ref;
    union waot_slot *slots;
};

static void call_body(void *arg)
{
    struct call *c = arg;
    if (c->ref->host)
        c->ref->host->fn(c->ref->host, c->slots);
    else
        c->ref->entry(c->ref->code, c->ref->vmctx, c->slots);
}

int waot_func_call(struct waot_func *f, const struct waot_val *args, size_t nargs,
                   struct waot_val *results, size_t nresults, struct waot_error *err)
{
    if (!f)
        return waot_fail(err, WAOT_E_USAGE, "call: function is NULL");
    struct waot_funcref *ref = func_to_ref(f);
    if (!ref->host && (!ref->entry || !ref->code))
        return waot_fail(err, WAOT_E_USAGE, "call: function has no entry point");
    struct sig s = sig_of(f);
    if (nargs != s.nparams)
        return waot_fail(err, WAOT_E_USAGE, "call: expected %u arguments, got %zu", s.nparams,
                         nargs);
    for (size_t i = 0; i < nargs; i++) {
        if (args[i].type != (enum waot_valtype)s.params[i])
            return waot_fail(err, WAOT_E_USAGE, "call: argument %zu: expected %s, got %s", i,
                             type_name((enum waot_valtype)s.params[i]), type_name(args[i].type));
    }
    if (nresults < s.nresults)
        return waot_fail(err, WAOT_E_USAGE, "call: room for %zu results, function returns %u",
                         nresults, s.nresults);

    size_t nslots = s.nparams > s.nresults ? s.nparams : s.nresults;
    union waot_slot local[FUNC_STACK_SLOTS];
    union waot_slot *slots = local;
    if (nslots > FUNC_STACK_SLOTS) {
        slots = calloc(nslots, sizeof *slots);
        if (!slots)
            return waot_fail(err, WAOT_E_NOMEM, "call: out of memory for %zu arguments", nslots);
    }
    for (size_t i = 0; i < nargs; i++)
        slots[i] = func_slot_from_val(&args[i]);
    if (!ref->host)
        ((struct waot_vmctx *)ref->vmctx)->stack_limit = trap_stack_limit();

    struct call c = { ref, slots };
    int rc = trap_run(call_body, &c, err);
    if (rc == 0) {
        for (uint32_t i = 0; i < s.nresults; i++)
            results[i] = func_val_from_slot(slots[i], (enum waot_valtype)s.results[i]);
    }
    if (slots != local)
        free(slots);
    return rc;
}

/* ---- host functions ---- */

/* hc->fn of every host function: called by host trampolines (guest -> host) and by
 * call_body, always inside an activation. */
static void host_dispatch(struct waot_host_ctx *hc, union waot_slot *slots)
{
    struct func_host *h = hc->env;
    struct waot_val args[h->nparams ? h->nparams : 1];
    struct waot_val results[h->nresults ? h->nresults : 1];
    for (uint32_t i = 0; i < h->nparams; i++)
        args[i] = func_val_from_slot(slots[i], h->types[i]);
    for (uint32_t i = 0; i < h->nresults; i++)
        results[i] = func_val_from_slot((union waot_slot){ .i64 = 0 }, h->types[h->nparams + i]);
    struct waot_error err;
    memset(&err, 0, sizeof err);
    if (h->cb(h->env, args, results, &err) != 0)
        trap_raise_error(&err);
    for (uint32_t i = 0; i < h->nresults; i++) {
        results[i].type = h->types[h->nparams + i];
        slots[i] = func_slot_from_val(&results[i]);
    }
}

static bool valtype_ok(enum waot_valtype t)
{
    switch (t) {
    case WAOT_I32: case WAOT_I64: case WAOT_F32: case WAOT_F64: case WAOT_V128:
    case WAOT_FUNCREF: case WAOT_EXTERNREF:
        return true;
    }
    return false;
}

struct waot_func *waot_func_create_host(const enum waot_valtype *params, size_t nparams,
                                        const enum waot_valtype *results, size_t nresults,
                                        waot_host_callback cb, void *env, struct waot_error *err)
{
    if (!cb || (nparams && !params) || (nresults && !results) || nparams > 1000 ||
        nresults > 1000) {
        waot_fail(err, WAOT_E_USAGE, "host function: bad signature or callback");
        return NULL;
    }
    uint8_t bytes[2000];
    for (size_t i = 0; i < nparams + nresults; i++) {
        enum waot_valtype t = i < nparams ? params[i] : results[i - nparams];
        if (!valtype_ok(t)) {
            waot_fail(err, WAOT_E_USAGE, "host function: unknown value type 0x%x", (unsigned)t);
            return NULL;
        }
        bytes[i] = (uint8_t)t;
    }
    uint32_t id = types_intern(bytes, (uint32_t)nparams, bytes + nparams, (uint32_t)nresults);
    struct func_host *h = calloc(1, sizeof *h + (nparams + nresults) * sizeof h->types[0]);
    if (id == UINT32_MAX || !h) {
        free(h);
        waot_fail(err, WAOT_E_NOMEM, "host function: out of memory");
        return NULL;
    }
    h->hc.fn = host_dispatch;
    h->hc.env = h;
    h->cb = cb;
    h->env = env;
    h->nparams = (uint32_t)nparams;
    h->nresults = (uint32_t)nresults;
    for (size_t i = 0; i < nparams + nresults; i++)
        h->types[i] = (enum waot_valtype)bytes[i];
    h->ref.code = NULL;
    h->ref.vmctx = &h->hc;
    h->ref.type_id = id;
    h->ref.func_index = 0;
    h->ref.entry = NULL;
    h->ref.host = &h->hc;
    h->ref.module = NULL;
    return func_from_ref(&h->ref);
}

void waot_func_destroy_host(struct waot_func *f)
{
    if (!f)
        return;
    struct waot_funcref *ref = func_to_ref(f);
    if (!ref->host || ref->host->fn != host_dispatch || ref != &((struct func_host *)ref->host->env)->ref)
        return; /* not a host function made by waot_func_create_host */
    free(ref->host->env);
}
