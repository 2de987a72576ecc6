/*
 * Function bodies: walks one validated body with wasm_reader and builds its LLVM function.
 *
 * Wasm's operand stack becomes a stack of LLVM values; locals are allocas in the entry
 * block (SROA/mem2reg promote them). Every block, loop and if has a continuation block
 * whose phis receive the block's results from each branch to it; a loop header has phis
 * for the loop's params. A continuation no branch reaches is deleted and the code after
 * it is unreachable. Unreachable code (after br, br_table, return, unreachable, or a dead
 * continuation) emits nothing: its instructions are only parsed, and blocks opened inside
 * it are only counted (dead_depth) so that the matching else/end is found.
 *
 * Memory, table, numeric and SIMD instructions are delegated to translate_memory.c,
 * translate_table.c, translate_numeric.c and translate_simd.c.
 */
#include <stdlib.h>
#include <string.h>

#include "translate.h"
#include "vmctx.h"

/* ---- stacks ---- */

void translate_func_internal(struct translate_func *f, const char *what)
{
    if (f->failed)
        return;
    f->failed = true;
    waot_fail(f->err, WAOT_E_INTERNAL, "codegen, func %u: %s", f->index, what);
}

static void nomem(struct translate_func *f)
{
    if (f->failed)
        return;
    f->failed = true;
    waot_fail(f->err, WAOT_E_NOMEM, "codegen, func %u: out of memory", f->index);
}

void translate_func_push(struct translate_func *f, LLVMValueRef v)
{
    struct translate_module *tm = f->tm;
    if (f->sp == tm->stack_cap) {
        uint32_t cap = tm->stack_cap ? tm->stack_cap * 2 : 64;
        LLVMValueRef *s = realloc(tm->stack, cap * sizeof *s);
        if (!s) {
            nomem(f);
            return;
        }
        tm->stack = f->stack = s;
        tm->stack_cap = cap;
    }
    f->stack[f->sp++] = v;
}

LLVMValueRef translate_func_pop(struct translate_func *f)
{
    uint32_t floor = f->nctl ? f->ctl[f->nctl - 1].height : 0;
    if (f->sp <= floor) {
        translate_func_internal(f, "operand stack underflow");
        return LLVMGetUndef(f->tm->t_i32);
    }
    return f->stack[--f->sp];
}

LLVMValueRef *translate_func_pop_n(struct translate_func *f, uint32_t n)
{
    if (n == 0)
        return NULL;
    LLVMValueRef *vals = arena_array(&f->arena, n, sizeof *vals);
    if (!vals) {
        nomem(f);
        return NULL;
    }
    for (uint32_t i = n; i-- > 0;)
        vals[i] = translate_func_pop(f);
    return vals;
}

static struct translate_ctl *push_ctl(struct translate_func *f)
{
    struct translate_module *tm = f->tm;
    if (f->nctl == tm->ctl_cap) {
        uint32_t cap = tm->ctl_cap ? tm->ctl_cap * 2 : 16;
        struct translate_ctl *c = realloc(tm->ctl, cap * sizeof *c);
        if (!c) {
            nomem(f);
            return NULL;
        }
        tm->ctl = f->ctl = c;
        tm->ctl_cap = cap;
    }
    struct translate_ctl *c = &f->ctl[f->nctl++];
    memset(c, 0, sizeof *c);
    return c;
}

/* ---- control flow ---- */

static const wasm_valtype single_types[] = {WAOT_I32, WAOT_I64, WAOT_F32, WAOT_F64,
                                            WAOT_V128, WAOT_FUNCREF, WAOT_EXTERNREF};

static void read_blocktype(struct translate_func *f, struct translate_ctl *c)
{
    int64_t bt = wasm_read_s33(&f->r);
    if (bt == -64)
        return;
    if (bt < 0) {
        wasm_valtype vt = (wasm_valtype)(bt & 0x7f);
        for (size_t i = 0; i < sizeof single_types; i++)
            if (single_types[i] == vt) {
                c->nresults = 1;
                c->results = &single_types[i];
                return;
            }
        translate_func_internal(f, "bad block type");
        return;
    }
    if ((uint64_t)bt >= f->m->ntypes) {
        translate_func_internal(f, "bad block type index");
        return;
    }
    const struct wasm_functype *ft = &f->m->types[bt];
    c->nparams = ft->nparams;
    c->params = ft->params;
    c->nresults = ft->nresults;
    c->results = ft->results;
}

static LLVMBasicBlockRef new_block(struct translate_func *f, const char *name)
{
    return LLVMAppendBasicBlockInContext(f->tm->ctx, f->fn, name);
}

/* n phis of the given types at the start of bb (which is still empty). */
static LLVMValueRef *make_phis(struct translate_func *f, LLVMBasicBlockRef bb, uint32_t n,
                               const wasm_valtype *types)
{
    if (n == 0)
        return NULL;
    LLVMValueRef *phis = arena_array(&f->arena, n, sizeof *phis);
    if (!phis) {
        nomem(f);
        return NULL;
    }
    LLVMBasicBlockRef cur = LLVMGetInsertBlock(f->b);
    LLVMPositionBuilderAtEnd(f->b, bb);
    for (uint32_t i = 0; i < n; i++)
        phis[i] = LLVMBuildPhi(f->b, translate_module_valtype(f->tm, types[i]), "");
    LLVMPositionBuilderAtEnd(f->b, cur);
    return phis;
}

/* Adds the top values of the stack as incoming values of the label's phis from the
 * current block; returns the label's branch target. */
static LLVMBasicBlockRef branch_edge(struct translate_func *f, uint32_t depth)
{
    if (depth >= f->nctl) {
        translate_func_internal(f, "bad label");
        return NULL;
    }
    struct translate_ctl *c = &f->ctl[f->nctl - 1 - depth];
    bool loop = c->kind == CTL_LOOP;
    uint32_t n = loop ? c->nparams : c->nresults;
    LLVMValueRef *phis = loop ? c->header_phis : c->cont_phis;
    if (n > f->sp) {
        translate_func_internal(f, "branch arity exceeds stack");
        return NULL;
    }
    if (n && !phis) /* out of memory when the block was opened */
        return NULL;
    LLVMBasicBlockRef from = LLVMGetInsertBlock(f->b);
    for (uint32_t i = 0; i < n; i++)
        LLVMAddIncoming(phis[i], &f->stack[f->sp - n + i], &from, 1);
    return loop ? c->header : c->cont;
}

static LLVMValueRef to_bool(struct translate_func *f, LLVMValueRef v)
{
    return LLVMBuildICmp(f->b, LLVMIntNE, v, LLVMConstInt(f->tm->t_i32, 0, 0), "");
}

static void op_block(struct translate_func *f, enum wasm_op op)
{
    struct translate_ctl tmp = {0};
    read_blocktype(f, &tmp);
    if (f->unreachable) {
        f->dead_depth++;
        return;
    }
    uint32_t need = tmp.nparams + (op == WASM_OP_IF);
    if (f->failed || need > f->sp - f->ctl[f->nctl - 1].height) {
        translate_func_internal(f, "block params exceed stack");
        return;
    }
    if (op == WASM_OP_IF) {
        LLVMValueRef cond = translate_func_pop(f);
        LLVMBasicBlockRef then_bb = new_block(f, "then");
        tmp.else_bb = new_block(f, "else");
        LLVMBuildCondBr(f->b, to_bool(f, cond), then_bb, tmp.else_bb);
        LLVMPositionBuilderAtEnd(f->b, then_bb);
        if (tmp.nparams) {
            tmp.if_params = arena_array(&f->arena, tmp.nparams, sizeof *tmp.if_params);
            if (!tmp.if_params)
                return nomem(f);
            memcpy(tmp.if_params, &f->stack[f->sp - tmp.nparams], tmp.nparams * sizeof(LLVMValueRef));
        }
    }
    struct translate_ctl *c = push_ctl(f);
    if (!c)
        return;
    *c = tmp;
    c->kind = op == WASM_OP_BLOCK ? CTL_BLOCK : op == WASM_OP_LOOP ? CTL_LOOP : CTL_IF;
    c->height = f->sp - c->nparams;
    c->cont = new_block(f, op == WASM_OP_LOOP ? "loop.end" : op == WASM_OP_IF ? "if.end" : "block.end");
    c->cont_phis = make_phis(f, c->cont, c->nresults, c->results);
    if (op == WASM_OP_LOOP) {
        c->header = new_block(f, "loop");
        c->header_phis = make_phis(f, c->header, c->nparams, c->params);
        LLVMBasicBlockRef target = branch_edge(f, 0);
        if (!target)
            return;
        LLVMBuildBr(f->b, target);
        LLVMPositionBuilderAtEnd(f->b, c->header);
        for (uint32_t i = 0; i < c->nparams; i++)
            f->stack[c->height + i] = c->header_phis[i];
    }
}

static void op_else(struct translate_func *f)
{
    struct translate_ctl *c = &f->ctl[f->nctl - 1];
    if (c->kind != CTL_IF || c->seen_else)
        return translate_func_internal(f, "else without if");
    if (!f->unreachable) {
        LLVMBasicBlockRef target = branch_edge(f, 0);
        if (target)
            LLVMBuildBr(f->b, target);
    }
    LLVMPositionBuilderAtEnd(f->b, c->else_bb);
    f->sp = c->height;
    for (uint32_t i = 0; i < c->nparams; i++)
        translate_func_push(f, c->if_params[i]);
    c->seen_else = true;
    f->unreachable = false;
}

static void build_return(struct translate_func *f)
{
    uint32_t n = f->type->nresults;
    if (n > f->sp)
        return translate_func_internal(f, "return arity exceeds stack");
    if (n == 0) {
        LLVMBuildRetVoid(f->b);
    } else if (n == 1) {
        LLVMBuildRet(f->b, f->stack[f->sp - 1]);
    } else {
        LLVMValueRef agg = LLVMGetUndef(LLVMGetReturnType(f->tm->func_types[f->m->funcs[f->index].type_index]));
        for (uint32_t i = 0; i < n; i++)
            agg = LLVMBuildInsertValue(f->b, agg, f->stack[f->sp - n + i], i, "");
        LLVMBuildRet(f->b, agg);
    }
}

static void op_end(struct translate_func *f)
{
    struct translate_ctl *c = &f->ctl[f->nctl - 1];
    if (!f->unreachable) {
        /* Falling off the end is a branch to the continuation, also for loops. */
        LLVMBasicBlockRef from = LLVMGetInsertBlock(f->b);
        if (c->nresults > f->sp - c->height)
            return translate_func_internal(f, "block results exceed stack");
        for (uint32_t i = 0; i < c->nresults; i++)
            LLVMAddIncoming(c->cont_phis[i], &f->stack[f->sp - c->nresults + i], &from, 1);
        LLVMBuildBr(f->b, c->cont);
    }
    if (c->kind == CTL_IF && !c->seen_else) {
        /* No else arm: the params pass through as the results (same types). */
        LLVMPositionBuilderAtEnd(f->b, c->else_bb);
        for (uint32_t i = 0; i < c->nresults && i < c->nparams; i++)
            LLVMAddIncoming(c->cont_phis[i], &c->if_params[i], &c->else_bb, 1);
        LLVMBuildBr(f->b, c->cont);
    }
    f->sp = c->height;
    f->nctl--;
    if (!LLVMGetFirstUse(LLVMBasicBlockAsValue(c->cont))) {
        LLVMDeleteBasicBlock(c->cont);
        f->unreachable = true;
        return;
    }
    LLVMPositionBuilderAtEnd(f->b, c->cont);
    f->unreachable = false;
    for (uint32_t i = 0; i < c->nresults; i++)
        translate_func_push(f, c->cont_phis[i]);
    if (c->kind == CTL_FUNC)
        build_return(f);
}

static void op_br(struct translate_func *f, uint32_t depth)
{
    LLVMBasicBlockRef target = branch_edge(f, depth);
    if (target)
        LLVMBuildBr(f->b, target);
    f->unreachable = true;
}

static void op_br_if(struct translate_func *f, uint32_t depth)
{
    LLVMValueRef cond = to_bool(f, translate_func_pop(f));
    LLVMBasicBlockRef target = branch_edge(f, depth);
    if (!target)
        return;
    LLVMBasicBlockRef next = new_block(f, "");
    LLVMBuildCondBr(f->b, cond, target, next);
    LLVMPositionBuilderAtEnd(f->b, next);
}

static void op_br_table(struct translate_func *f)
{
    uint32_t n = wasm_read_u32(&f->r);
    uint32_t *labels = arena_array(&f->arena, (size_t)n + 1, sizeof *labels);
    if (!labels)
        return nomem(f);
    for (uint32_t i = 0; i <= n; i++)
        labels[i] = wasm_read_u32(&f->r);
    if (f->r.failed)
        return;
    LLVMValueRef idx = translate_func_pop(f);
    LLVMBasicBlockRef def = branch_edge(f, labels[n]);
    if (!def)
        return;
    LLVMValueRef sw = LLVMBuildSwitch(f->b, idx, def, n);
    /* One phi entry per edge, duplicates included, as LLVM wants. */
    for (uint32_t i = 0; i < n && !f->failed; i++) {
        LLVMBasicBlockRef target = branch_edge(f, labels[i]);
        if (target)
            LLVMAddCase(sw, LLVMConstInt(f->tm->t_i32, i, 0), target);
    }
    f->unreachable = true;
}

/* ---- calls ---- */

void translate_func_call(struct translate_func *f, const struct wasm_functype *ft,
                         LLVMTypeRef fnty, LLVMValueRef callee, LLVMValueRef vmctx,
                         const LLVMValueRef *args)
{
    LLVMValueRef *all = arena_array(&f->arena, ft->nparams + 1, sizeof *all);
    if (!all)
        return nomem(f);
    all[0] = vmctx;
    for (uint32_t i = 0; i < ft->nparams; i++)
        all[i + 1] = args[i];
    LLVMValueRef call = LLVMBuildCall2(f->b, fnty, callee, all, ft->nparams + 1, "");
    if (ft->nresults == 1) {
        translate_func_push(f, call);
    } else {
        for (uint32_t i = 0; i < ft->nresults; i++)
            translate_func_push(f, LLVMBuildExtractValue(f->b, call, i, ""));
    }
}

static void op_call(struct translate_func *f, uint32_t index)
{
    if (index >= f->m->nfuncs)
        return translate_func_internal(f, "bad function index");
    const struct wasm_func *callee = &f->m->funcs[index];
    const struct wasm_functype *ft = &f->m->types[callee->type_index];
    LLVMTypeRef fnty = f->tm->func_types[callee->type_index];
    LLVMValueRef *args = translate_func_pop_n(f, ft->nparams);
    if (f->failed)
        return;
    if (!callee->imported) {
        translate_func_call(f, ft, fnty, translate_module_func(f->tm, index), f->vm, args);
        return;
    }
    /* Imported: call the funcref's code with its own vmctx (an instance or a host ctx). */
    LLVMValueRef fr = translate_vm_array_elem(f, offsetof(struct waot_vmctx, funcs), index);
    LLVMValueRef code = translate_vm_load_invariant(f, f->tm->t_ptr, fr, offsetof(struct waot_funcref, code));
    LLVMValueRef ctx = translate_vm_load_invariant(f, f->tm->t_ptr, fr, offsetof(struct waot_funcref, vmctx));
    translate_func_call(f, ft, fnty, code, ctx, args);
}

/* ---- variables and parametric ---- */

static void op_local(struct translate_func *f, enum wasm_op op)
{
    uint32_t i = wasm_read_u32(&f->r);
    if (i >= f->nlocals)
        return translate_func_internal(f, "bad local index");
    if (op == WASM_OP_LOCAL_GET) {
        translate_func_push(f, LLVMBuildLoad2(f->b, f->local_types[i], f->locals[i], ""));
        return;
    }
    LLVMValueRef v = translate_func_pop(f);
    LLVMBuildStore(f->b, v, f->locals[i]);
    if (op == WASM_OP_LOCAL_TEE)
        translate_func_push(f, v);
}

static void op_global(struct translate_func *f, enum wasm_op op)
{
    uint32_t i = wasm_read_u32(&f->r);
    if (i >= f->m->nglobals)
        return translate_func_internal(f, "bad global index");
    const struct wasm_global *g = &f->m->globals[i];
    LLVMTypeRef ty = translate_module_valtype(f->tm, g->type.type);
    LLVMValueRef glob = translate_vm_array_elem(f, offsetof(struct waot_vmctx, globals), i);
    if (op == WASM_OP_GLOBAL_GET) {
        LLVMValueRef v = LLVMBuildLoad2(f->b, ty, glob, "");
        LLVMSetAlignment(v, 8); /* struct waot_glob is 8-aligned; a v128 needs no more */
        if (g->type.mutable_)
            translate_vm_tbaa(f, v, TRANSLATE_TBAA_GLOBAL);
        else
            translate_vm_invariant(f, v); /* set before any code of the instance runs */
        translate_func_push(f, v);
        return;
    }
    LLVMValueRef st = LLVMBuildStore(f->b, translate_func_pop(f), glob);
    LLVMSetAlignment(st, 8);
    translate_vm_tbaa(f, st, TRANSLATE_TBAA_GLOBAL);
}

static void op_select(struct translate_func *f, enum wasm_op op)
{
    if (op == WASM_OP_SELECT_T) {
        uint32_t n = wasm_read_u32(&f->r);
        for (uint32_t i = 0; i < n; i++)
            wasm_read_u8(&f->r);
    }
    LLVMValueRef cond = translate_func_pop(f);
    LLVMValueRef b = translate_func_pop(f);
    LLVMValueRef a = translate_func_pop(f);
    translate_func_push(f, LLVMBuildSelect(f->b, to_bool(f, cond), a, b, ""));
}

static void op_const(struct translate_func *f, enum wasm_op op)
{
    struct translate_module *tm = f->tm;
    switch (op) {
    case WASM_OP_I32_CONST:
        translate_func_push(f, LLVMConstInt(tm->t_i32, (uint32_t)wasm_read_s32(&f->r), 0));
        break;
    case WASM_OP_I64_CONST:
        translate_func_push(f, LLVMConstInt(tm->t_i64, (uint64_t)wasm_read_s64(&f->r), 0));
        break;
    case WASM_OP_F32_CONST: /* bit patterns, so that NaN payloads survive */
        translate_func_push(f, LLVMConstBitCast(LLVMConstInt(tm->t_i32, wasm_read_fixed32(&f->r), 0), tm->t_f32));
        break;
    default:
        translate_func_push(f, LLVMConstBitCast(LLVMConstInt(tm->t_i64, wasm_read_fixed64(&f->r), 0), tm->t_f64));
        break;
    }
}

static void op_numeric(struct translate_func *f, enum wasm_op op)
{
    LLVMValueRef a, b = NULL;
    if (wasm_opinfo[op].b != OPTY_NONE) {
        b = translate_func_pop(f);
        a = translate_func_pop(f);
    } else {
        a = translate_func_pop(f);
    }
    if (f->failed)
        return;
    translate_func_push(f, numeric_emit(&f->nenv, op, a, b));
}

/* ---- dispatch ---- */

/* Reads and discards an instruction's immediates (in unreachable code). */
static void skip_immediates(struct translate_func *f, enum wasm_op op)
{
    struct wasm_reader *r = &f->r;
    switch (wasm_opinfo[op].imm) {
    case IMM_NONE: break;
    case IMM_BLOCKTYPE: wasm_read_s33(r); break;
    case IMM_BR_TABLE: {
        uint32_t n = wasm_read_u32(r);
        for (uint32_t i = 0; i <= n && !r->failed; i++)
            wasm_read_u32(r);
        break;
    }
    case IMM_LABEL: case IMM_FUNC: case IMM_LOCAL: case IMM_GLOBAL: case IMM_TABLE:
    case IMM_DATA: case IMM_ELEM:
        wasm_read_u32(r);
        break;
    case IMM_CALL_INDIRECT: case IMM_MEMARG: case IMM_TABLE_INIT: case IMM_TABLE_COPY:
        wasm_read_u32(r);
        wasm_read_u32(r);
        break;
    case IMM_MEMORY: case IMM_REFTYPE: wasm_read_u8(r); break;
    case IMM_I32: wasm_read_s32(r); break;
    case IMM_I64: wasm_read_s64(r); break;
    case IMM_F32: wasm_read_fixed32(r); break;
    case IMM_F64: wasm_read_fixed64(r); break;
    case IMM_SELECT_T: {
        uint32_t n = wasm_read_u32(r);
        for (uint32_t i = 0; i < n && !r->failed; i++)
            wasm_read_u8(r);
        break;
    }
    case IMM_MEMORY_INIT: wasm_read_u32(r); wasm_read_u8(r); break;
    case IMM_MEMORY_COPY: wasm_read_u8(r); wasm_read_u8(r); break;
    case IMM_V128: case IMM_SHUFFLE: wasm_read_bytes(r, 16); break;
    case IMM_LANE: wasm_read_u8(r); break;
    case IMM_MEMARG_LANE: wasm_read_u32(r); wasm_read_u32(r); wasm_read_u8(r); break;
    }
}

static void translate_op(struct translate_func *f, enum wasm_op op)
{
    if (f->unreachable) {
        switch (op) {
        case WASM_OP_BLOCK: case WASM_OP_LOOP: case WASM_OP_IF:
            op_block(f, op);
            return;
        case WASM_OP_ELSE:
            if (!f->dead_depth)
                op_else(f);
            return;
        case WASM_OP_END:
            if (f->dead_depth)
                f->dead_depth--;
            else
                op_end(f);
            return;
        default:
            skip_immediates(f, op);
            return;
        }
    }
    switch (op) {
    case WASM_OP_UNREACHABLE: translate_vm_trap(f, WAOT_TRAP_UNREACHABLE); break;
    case WASM_OP_NOP: break;
    case WASM_OP_BLOCK: case WASM_OP_LOOP: case WASM_OP_IF: op_block(f, op); break;
    case WASM_OP_ELSE: op_else(f); break;
    case WASM_OP_END: op_end(f); break;
    case WASM_OP_BR: op_br(f, wasm_read_u32(&f->r)); break;
    case WASM_OP_BR_IF: op_br_if(f, wasm_read_u32(&f->r)); break;
    case WASM_OP_BR_TABLE: op_br_table(f); break;
    case WASM_OP_RETURN: op_br(f, f->nctl - 1); break;
    case WASM_OP_CALL: op_call(f, wasm_read_u32(&f->r)); break;
    case WASM_OP_DROP: translate_memory_keep_loads(f, translate_func_pop(f)); break;
    case WASM_OP_SELECT: case WASM_OP_SELECT_T: op_select(f, op); break;
    case WASM_OP_LOCAL_GET: case WASM_OP_LOCAL_SET: case WASM_OP_LOCAL_TEE: op_local(f, op); break;
    case WASM_OP_GLOBAL_GET: case WASM_OP_GLOBAL_SET: op_global(f, op); break;
    case WASM_OP_I32_CONST: case WASM_OP_I64_CONST: case WASM_OP_F32_CONST: case WASM_OP_F64_CONST:
        op_const(f, op);
        break;
    default:
        if (translate_simd_handles(op))
            translate_simd_op(f, op);
        else if (translate_memory_handles(op))
            translate_memory_op(f, op);
        else if (translate_table_handles(op))
            translate_table_op(f, op);
        else if (numeric_handles(op))
            op_numeric(f, op);
        else
            translate_func_internal(f, "unhandled opcode");
        break;
    }
}

static void numeric_trap_if(struct numeric_env *env, LLVMValueRef cond, enum waot_trap kind)
{
    translate_vm_trap_if(env->user, cond, kind);
}

/* Entry block: allocas for params and locals, then the stack check. */
static int setup_entry(struct translate_func *f, const struct wasm_func *wf, LLVMBasicBlockRef body)
{
    struct translate_module *tm = f->tm;
    uint64_t nlocals = (uint64_t)f->type->nparams + wf->nlocals;
    if (nlocals > UINT32_MAX)
        return waot_fail(f->err, WAOT_E_INTERNAL, "codegen, func %u: too many locals", f->index);
    f->nlocals = (uint32_t)nlocals;
    f->locals = arena_array(&f->arena, nlocals ? nlocals : 1, sizeof *f->locals);
    f->local_types = arena_array(&f->arena, nlocals ? nlocals : 1, sizeof *f->local_types);
    if (!f->locals || !f->local_types)
        return waot_fail(f->err, WAOT_E_NOMEM, "codegen, func %u: out of memory", f->index);
    uint32_t k = 0;
    for (uint32_t i = 0; i < f->type->nparams; i++, k++) {
        f->local_types[k] = translate_module_valtype(tm, f->type->params[i]);
        f->locals[k] = LLVMBuildAlloca(f->eb, f->local_types[k], "");
        LLVMBuildStore(f->eb, LLVMGetParam(f->fn, i + 1), f->locals[k]);
    }
    for (uint32_t d = 0; d < wf->nlocal_decls; d++) {
        LLVMTypeRef ty = translate_module_valtype(tm, wf->local_decls[d].type);
        for (uint32_t j = 0; j < wf->local_decls[d].count && k < nlocals; j++, k++) {
            f->local_types[k] = ty;
            f->locals[k] = LLVMBuildAlloca(f->eb, ty, "");
            LLVMBuildStore(f->eb, LLVMConstNull(ty), f->locals[k]); /* 0, +0.0, null */
        }
    }
    if (k != nlocals)
        return waot_fail(f->err, WAOT_E_INTERNAL, "codegen, func %u: local count mismatch", f->index);
    translate_vm_stack_check(f, body);
    return 0;
}

int translate_func_body(struct translate_module *tm, uint32_t index, struct waot_error *err)
{
    const struct wasm_module *m = tm->m;
    const struct wasm_func *wf = &m->funcs[index];
    struct translate_func f;
    memset(&f, 0, sizeof f);
    f.tm = tm;
    f.m = m;
    f.index = index;
    f.type = &m->types[wf->type_index];
    f.err = err;
    f.fn = translate_module_func(tm, index);
    f.vm = LLVMGetParam(f.fn, 0);
    f.stack = tm->stack;
    f.ctl = tm->ctl;
    f.nenv = (struct numeric_env){tm->ctx, tm->mod, NULL, numeric_trap_if, &f};
    arena_init(&f.arena);
    f.b = LLVMCreateBuilderInContext(tm->ctx);
    f.eb = LLVMCreateBuilderInContext(tm->ctx);
    f.nenv.b = f.b;
    LLVMBasicBlockRef entry = new_block(&f, "entry");
    LLVMBasicBlockRef body = new_block(&f, "body");
    LLVMPositionBuilderAtEnd(f.eb, entry);
    LLVMPositionBuilderAtEnd(f.b, body);
    int rc = setup_entry(&f, wf, body);
    if (rc == 0) {
        struct translate_ctl *c = push_ctl(&f);
        if (c) {
            c->kind = CTL_FUNC;
            c->nresults = f.type->nresults;
            c->results = f.type->results;
            c->cont = new_block(&f, "return");
            c->cont_phis = make_phis(&f, c->cont, c->nresults, c->results);
        }
        wasm_reader_init(&f.r, m->bytes, wf->code_offset, wf->code_end, err);
        f.r.where = "codegen";
        while (f.nctl > 0 && !f.failed && !f.r.failed) {
            uint8_t byte = wasm_read_u8(&f.r);
            int op = byte == WASM_PREFIX_MISC || byte == WASM_PREFIX_SIMD
                         ? wasm_op_lookup(byte, wasm_read_u32(&f.r))
                         : wasm_op_lookup(0, byte);
            if (f.r.failed)
                break;
            if (op < 0) {
                translate_func_internal(&f, "unknown opcode");
                break;
            }
            translate_op(&f, (enum wasm_op)op);
        }
        if (f.failed || f.r.failed)
            rc = -1;
        else if (f.nctl != 0 || f.r.pos != f.r.end)
            rc = waot_fail(err, WAOT_E_INTERNAL, "codegen, func %u: body does not end with its last end", index);
    }
    LLVMDisposeBuilder(f.b);
    LLVMDisposeBuilder(f.eb);
    arena_fini(&f.arena);
    if (rc < 0 && err && err->code == WAOT_E_MALFORMED)
        err->code = WAOT_E_INTERNAL; /* the validator accepted this body */
    return rc;
}
