/*
 * One partition's LLVM module: its context, the wasm ABI types, the declarations of
 * waot_func_<i> (defined here or in another partition, always hidden so that PIC calls
 * stay direct), and the per-type trampolines waot_entry_<T> (C -> wasm, arguments and
 * results in 16-byte slots) and waot_host_<T> (wasm -> host), as runtime/vmctx.h lays down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translate.h"
#include "vmctx.h"

static LLVMValueRef md_string(LLVMContextRef ctx, const char *s)
{
    return LLVMMetadataAsValue(ctx, LLVMMDStringInContext2(ctx, s, strlen(s)));
}

static LLVMValueRef md_node(LLVMContextRef ctx, LLVMValueRef *vals, unsigned n)
{
    LLVMMetadataRef mds[4];
    for (unsigned i = 0; i < n; i++)
        mds[i] = LLVMValueAsMetadata(vals[i]);
    return LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, mds, n));
}

/* TBAA: a root and one scalar type per alias class; access tags name the type at offset 0. */
static void make_tbaa(struct translate_module *tm)
{
    static const char *const names[TRANSLATE_TBAA_COUNT] = {
        [TRANSLATE_TBAA_MEM] = "wasm memory",
        [TRANSLATE_TBAA_GLOBAL] = "wasm global",
        [TRANSLATE_TBAA_TABLE] = "wasm table",
        [TRANSLATE_TBAA_VM] = "waot_mem",
    };
    LLVMValueRef root_name = md_string(tm->ctx, "waot tbaa");
    LLVMValueRef root = md_node(tm->ctx, &root_name, 1);
    LLVMValueRef zero = LLVMConstInt(tm->t_i64, 0, 0);
    for (int i = 0; i < TRANSLATE_TBAA_COUNT; i++) {
        LLVMValueRef type_vals[3] = {md_string(tm->ctx, names[i]), root, zero};
        LLVMValueRef type = md_node(tm->ctx, type_vals, 3);
        LLVMValueRef tag_vals[3] = {type, type, zero};
        tm->md_tbaa[i] = md_node(tm->ctx, tag_vals, 3);
    }
}

int translate_module_init(struct translate_module *tm, const struct wasm_module *m,
                          const char *name, struct waot_error *err)
{
    memset(tm, 0, sizeof *tm);
    tm->m = m;
    tm->ctx = LLVMContextCreate();
    tm->mod = LLVMModuleCreateWithNameInContext(name, tm->ctx);
    LLVMContextRef ctx = tm->ctx;
    tm->t_void = LLVMVoidTypeInContext(ctx);
    tm->t_i8 = LLVMInt8TypeInContext(ctx);
    tm->t_i32 = LLVMInt32TypeInContext(ctx);
    tm->t_i64 = LLVMInt64TypeInContext(ctx);
    tm->t_f32 = LLVMFloatTypeInContext(ctx);
    tm->t_f64 = LLVMDoubleTypeInContext(ctx);
    tm->t_ptr = LLVMPointerTypeInContext(ctx, 0);
    tm->kind_invariant = LLVMGetMDKindIDInContext(ctx, "invariant.load", 14);
    tm->kind_tbaa = LLVMGetMDKindIDInContext(ctx, "tbaa", 4);
    tm->kind_prof = LLVMGetMDKindIDInContext(ctx, "prof", 4);
    tm->md_empty = LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, NULL, 0));
    LLVMValueRef weights[3] = {md_string(ctx, "branch_weights"), LLVMConstInt(tm->t_i32, 1, 0),
                               LLVMConstInt(tm->t_i32, 1048575, 0)};
    tm->md_unlikely = md_node(ctx, weights, 3);
    make_tbaa(tm);

    uint32_t maxarity = 0;
    for (uint32_t t = 0; t < m->ntypes; t++) {
        if (m->types[t].nparams > maxarity)
            maxarity = m->types[t].nparams;
        if (m->types[t].nresults > maxarity)
            maxarity = m->types[t].nresults;
    }
    tm->func_types = calloc(m->ntypes ? m->ntypes : 1, sizeof *tm->func_types);
    tm->funcs = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *tm->funcs);
    tm->tys = calloc(maxarity + 1, sizeof *tm->tys);
    tm->vals = calloc(maxarity + 1, sizeof *tm->vals);
    if (!tm->func_types || !tm->funcs || !tm->tys || !tm->vals) {
        translate_module_fini(tm);
        return waot_fail(err, WAOT_E_NOMEM, "codegen: out of memory");
    }
    for (uint32_t t = 0; t < m->ntypes; t++) {
        const struct wasm_functype *ft = &m->types[t];
        LLVMTypeRef ret = translate_module_result_type(tm, ft);
        tm->tys[0] = tm->t_ptr;
        for (uint32_t i = 0; i < ft->nparams; i++)
            tm->tys[i + 1] = translate_module_valtype(tm, ft->params[i]);
        tm->func_types[t] = LLVMFunctionType(ret, tm->tys, ft->nparams + 1, 0);
    }
    return 0;
}

void translate_module_fini(struct translate_module *tm)
{
    if (tm->mod)
        LLVMDisposeModule(tm->mod);
    if (tm->ctx)
        LLVMContextDispose(tm->ctx);
    free(tm->func_types);
    free(tm->funcs);
    free(tm->stack);
    free(tm->ctl);
    free(tm->tys);
    free(tm->vals);
    memset(tm, 0, sizeof *tm);
}

LLVMTypeRef translate_module_valtype(struct translate_module *tm, wasm_valtype vt)
{
    switch (vt) {
    case WAOT_I32: return tm->t_i32;
    case WAOT_I64: return tm->t_i64;
    case WAOT_F32: return tm->t_f32;
    case WAOT_F64: return tm->t_f64;
    case WAOT_V128: return LLVMVectorType(tm->t_i32, 4); /* see translate_simd.h */
    default: return tm->t_ptr; /* funcref, externref */
    }
}

LLVMTypeRef translate_module_result_type(struct translate_module *tm, const struct wasm_functype *ft)
{
    if (ft->nresults == 0)
        return tm->t_void;
    if (ft->nresults == 1)
        return translate_module_valtype(tm, ft->results[0]);
    for (uint32_t i = 0; i < ft->nresults; i++)
        tm->tys[i] = translate_module_valtype(tm, ft->results[i]);
    LLVMTypeRef st = LLVMStructTypeInContext(tm->ctx, tm->tys, ft->nresults, 0);
    return st;
}

static LLVMAttributeRef enum_attr(struct translate_module *tm, const char *name, uint64_t val)
{
    return LLVMCreateEnumAttribute(tm->ctx, LLVMGetEnumAttributeKindForName(name, strlen(name)), val);
}

/* A hidden function with the attributes every generated function carries. */
static LLVMValueRef add_function(struct translate_module *tm, const char *name, LLVMTypeRef fnty)
{
    LLVMValueRef fn = LLVMAddFunction(tm->mod, name, fnty);
    LLVMSetLinkage(fn, LLVMExternalLinkage);
    LLVMSetVisibility(fn, LLVMHiddenVisibility);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, enum_attr(tm, "nounwind", 0));
    /* Sibling calls and tail-recursion elimination would turn runaway recursion into an
     * endless loop; the spec wants it to exhaust the stack and trap. */
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(tm->ctx, "disable-tail-calls", 18, "true", 4));
    /* Frame pointers in every frame: a trap's backtrace walks them (runtime/trap.c). */
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(tm->ctx, "frame-pointer", 13, "all", 3));
    return fn;
}

LLVMValueRef translate_module_func(struct translate_module *tm, uint32_t index)
{
    if (tm->funcs[index])
        return tm->funcs[index];
    char name[32];
    snprintf(name, sizeof name, WAOT_SYM_FUNC "%u", index);
    LLVMValueRef fn = add_function(tm, name, tm->func_types[tm->m->funcs[index].type_index]);
    /* The vmctx is always a valid struct waot_vmctx. */
    LLVMAddAttributeAtIndex(fn, 1, enum_attr(tm, "nonnull", 0));
    LLVMAddAttributeAtIndex(fn, 1, enum_attr(tm, "dereferenceable", sizeof(struct waot_vmctx)));
    LLVMAddAttributeAtIndex(fn, 1, enum_attr(tm, "align", 8));
    tm->funcs[index] = fn;
    return fn;
}

static LLVMValueRef slot_ptr(struct translate_module *tm, LLVMBuilderRef b, LLVMValueRef slots, uint32_t k)
{
    if (k == 0)
        return slots;
    LLVMValueRef off = LLVMConstInt(tm->t_i64, (uint64_t)k * sizeof(union waot_slot), 0);
    return LLVMBuildInBoundsGEP2(b, tm->t_i8, slots, &off, 1, "");
}

/* void waot_entry_<t>(ptr code, ptr vmctx, ptr slots) */
static void entry_trampoline(struct translate_module *tm, uint32_t t, LLVMValueRef *args)
{
    const struct wasm_functype *ft = &tm->m->types[t];
    char name[32];
    snprintf(name, sizeof name, WAOT_SYM_ENTRY "%u", t);
    LLVMTypeRef params[3] = {tm->t_ptr, tm->t_ptr, tm->t_ptr};
    LLVMValueRef fn = add_function(tm, name, LLVMFunctionType(tm->t_void, params, 3, 0));
    LLVMBuilderRef b = LLVMCreateBuilderInContext(tm->ctx);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(tm->ctx, fn, "entry"));
    LLVMValueRef slots = LLVMGetParam(fn, 2);
    args[0] = LLVMGetParam(fn, 1);
    for (uint32_t i = 0; i < ft->nparams; i++) {
        LLVMTypeRef ty = translate_module_valtype(tm, ft->params[i]);
        args[i + 1] = LLVMBuildLoad2(b, ty, slot_ptr(tm, b, slots, i), "");
        LLVMSetAlignment(args[i + 1], 8);
    }
    LLVMValueRef call = LLVMBuildCall2(b, tm->func_types[t], LLVMGetParam(fn, 0), args,
                                       ft->nparams + 1, "");
    for (uint32_t i = 0; i < ft->nresults; i++) {
        LLVMValueRef v = ft->nresults == 1 ? call : LLVMBuildExtractValue(b, call, i, "");
        LLVMSetAlignment(LLVMBuildStore(b, v, slot_ptr(tm, b, slots, i)), 8);
    }
    LLVMBuildRetVoid(b);
    LLVMDisposeBuilder(b);
}

/* RESULT waot_host_<t>(ptr hostctx, params...) */
static void host_trampoline(struct translate_module *tm, uint32_t t)
{
    const struct wasm_functype *ft = &tm->m->types[t];
    char name[32];
    snprintf(name, sizeof name, WAOT_SYM_HOST "%u", t);
    LLVMValueRef fn = add_function(tm, name, tm->func_types[t]);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(tm->ctx);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(tm->ctx, fn, "entry"));
    uint32_t nslots = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
    if (nslots == 0)
        nslots = 1;
    LLVMTypeRef slots_ty = LLVMArrayType(tm->t_i64, nslots * 2);
    LLVMValueRef slots = LLVMBuildAlloca(b, slots_ty, "slots");
    LLVMSetAlignment(slots, 16);
    for (uint32_t i = 0; i < ft->nparams; i++)
        LLVMSetAlignment(LLVMBuildStore(b, LLVMGetParam(fn, i + 1), slot_ptr(tm, b, slots, i)), 8);
    LLVMValueRef hc = LLVMGetParam(fn, 0);
    LLVMValueRef hostfn = LLVMBuildLoad2(b, tm->t_ptr, hc, "fn");
    LLVMTypeRef params[2] = {tm->t_ptr, tm->t_ptr};
    LLVMValueRef args[2] = {hc, slots};
    LLVMBuildCall2(b, LLVMFunctionType(tm->t_void, params, 2, 0), hostfn, args, 2, "");
    if (ft->nresults == 0) {
        LLVMBuildRetVoid(b);
    } else {
        LLVMTypeRef rty = LLVMGetReturnType(tm->func_types[t]);
        LLVMValueRef ret = ft->nresults == 1 ? NULL : LLVMGetUndef(rty);
        for (uint32_t i = 0; i < ft->nresults; i++) {
            LLVMTypeRef ty = translate_module_valtype(tm, ft->results[i]);
            LLVMValueRef v = LLVMBuildLoad2(b, ty, slot_ptr(tm, b, slots, i), "");
            LLVMSetAlignment(v, 8);
            ret = ft->nresults == 1 ? v : LLVMBuildInsertValue(b, ret, v, i, "");
        }
        LLVMBuildRet(b, ret);
    }
    LLVMDisposeBuilder(b);
}

void translate_module_trampolines(struct translate_module *tm)
{
    for (uint32_t t = 0; t < tm->m->ntypes; t++) {
        entry_trampoline(tm, t, tm->vals);
        host_trampoline(tm, t);
    }
}

int translate_module_funcs(struct translate_module *tm, uint32_t first, uint32_t last,
                           struct waot_error *err)
{
    for (uint32_t i = first; i < last; i++) {
        if (tm->m->funcs[i].imported)
            continue;
        if (translate_func_body(tm, i, err) < 0)
            return -1;
    }
    return 0;
}
