/*
 * Validation of function bodies: the operand-stack typing algorithm of the spec's
 * appendix. A control stack holds one frame per open block; an operand stack holds value
 * types, with 0 standing for "unknown", the bottom type that pops off the polymorphic stack
 * after unreachable, br, br_table and return. Both stacks are growable arrays owned by
 * the wasm_validator and reused for every function, so a module with many functions
 * costs no allocation per function.
 *
 * The decoder has already checked every body's syntax, so reading instructions here
 * cannot fail except on a bug; such a failure is still reported, never trusted.
 */
#include "wasm_decode_int.h"
#include "wasm_validate_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wasm_validate_frame {
    int op;                       /* WASM_OP_BLOCK/LOOP/IF/ELSE; BLOCK for the function */
    const wasm_valtype *params, *results;
    uint32_t nparams, nresults;
    size_t height;                /* operand stack height at entry (params excluded) */
    bool unreachable;
};

#define UNKNOWN 0

static const wasm_valtype value_types[] = {
    WAOT_I32, WAOT_I64, WAOT_F32, WAOT_F64, WAOT_V128, WAOT_FUNCREF, WAOT_EXTERNREF,
};

const char *wasm_validate_type_name(wasm_valtype t)
{
    switch (t) {
    case WAOT_I32: return "i32";
    case WAOT_I64: return "i64";
    case WAOT_F32: return "f32";
    case WAOT_F64: return "f64";
    case WAOT_V128: return "v128";
    case WAOT_FUNCREF: return "funcref";
    case WAOT_EXTERNREF: return "externref";
    default: return "unknown";
    }
}

static bool is_num(wasm_valtype t)
{
    return t == UNKNOWN || t == WAOT_I32 || t == WAOT_I64 || t == WAOT_F32 || t == WAOT_F64;
}

static bool is_ref(wasm_valtype t)
{
    return t == UNKNOWN || t == WAOT_FUNCREF || t == WAOT_EXTERNREF;
}

/* ---- errors ---- */

static int fail(struct wasm_validator *v, const struct wasm_instr *in, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct wasm_validator *v, const struct wasm_instr *in, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return waot_fail(v->err, WAOT_E_INVALID, "func %u, offset 0x%zx: %s", v->func, in->offset,
                     what);
}

static const char *op_name(const struct wasm_instr *in)
{
    return wasm_opinfo[in->op].text;
}

/* ---- the stacks ---- */

static int push(struct wasm_validator *v, wasm_valtype t)
{
    if (v->nvals == v->vals_cap) {
        size_t cap = v->vals_cap ? v->vals_cap * 2 : 256;
        uint8_t *p = realloc(v->vals, cap);
        if (!p)
            return waot_fail(v->err, WAOT_E_NOMEM, "func %u: out of memory (operand stack)",
                             v->func);
        v->vals = p;
        v->vals_cap = cap;
    }
    v->vals[v->nvals++] = t;
    return 0;
}

static int push_all(struct wasm_validator *v, const wasm_valtype *ts, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (push(v, ts[i]) < 0)
            return -1;
    return 0;
}

static struct wasm_validate_frame *top(struct wasm_validator *v)
{
    return &v->ctrls[v->nctrls - 1];
}

/* Pops one value of type `want` (UNKNOWN: any type) into *got. */
static int pop(struct wasm_validator *v, const struct wasm_instr *in, wasm_valtype want,
               wasm_valtype *got)
{
    struct wasm_validate_frame *f = top(v);
    if (v->nvals == f->height) {
        if (f->unreachable) {
            if (got)
                *got = UNKNOWN;
            return 0;
        }
        return fail(v, in, "type mismatch in %s: expected %s, but the stack is empty",
                    op_name(in), want ? wasm_validate_type_name(want) : "a value");
    }
    wasm_valtype t = v->vals[--v->nvals];
    if (want != UNKNOWN && t != UNKNOWN && t != want)
        return fail(v, in, "type mismatch in %s: expected %s, got %s", op_name(in),
                    wasm_validate_type_name(want), wasm_validate_type_name(t));
    if (got)
        *got = t;
    return 0;
}

static int pop_all(struct wasm_validator *v, const struct wasm_instr *in, const wasm_valtype *ts,
                   uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        if (pop(v, in, ts[i], NULL) < 0)
            return -1;
    return 0;
}

/* Checks that the top n values match ts without popping them (br_table's per-label
 * check: popping and pushing back the values actually found). */
static int peek_all(struct wasm_validator *v, const struct wasm_instr *in, const wasm_valtype *ts,
                    uint32_t n)
{
    struct wasm_validate_frame *f = top(v);
    size_t pos = v->nvals;
    for (uint32_t i = n; i-- > 0;) {
        if (pos == f->height) {
            if (f->unreachable)
                return 0;
            return fail(v, in, "type mismatch in %s: expected %s, but the stack is empty",
                        op_name(in), wasm_validate_type_name(ts[i]));
        }
        wasm_valtype t = v->vals[--pos];
        if (t != UNKNOWN && t != ts[i])
            return fail(v, in, "type mismatch in %s: expected %s, got %s", op_name(in),
                        wasm_validate_type_name(ts[i]), wasm_validate_type_name(t));
    }
    return 0;
}

static int push_frame(struct wasm_validator *v, int op, const wasm_valtype *params,
                      uint32_t nparams, const wasm_valtype *results, uint32_t nresults)
{
    if (v->nctrls == v->ctrls_cap) {
        size_t cap = v->ctrls_cap ? v->ctrls_cap * 2 : 64;
        struct wasm_validate_frame *p = realloc(v->ctrls, cap * sizeof *p);
        if (!p)
            return waot_fail(v->err, WAOT_E_NOMEM, "func %u: out of memory (control stack)",
                             v->func);
        v->ctrls = p;
        v->ctrls_cap = cap;
    }
    struct wasm_validate_frame *f = &v->ctrls[v->nctrls++];
    f->op = op;
    f->params = params;
    f->nparams = nparams;
    f->results = results;
    f->nresults = nresults;
    f->height = v->nvals;
    f->unreachable = false;
    return push_all(v, params, nparams);
}

static void set_unreachable(struct wasm_validator *v)
{
    struct wasm_validate_frame *f = top(v);
    v->nvals = f->height;
    f->unreachable = true;
}

static void label_types(const struct wasm_validate_frame *f, const wasm_valtype **ts, uint32_t *n)
{
    if (f->op == WASM_OP_LOOP) {
        *ts = f->params;
        *n = f->nparams;
    } else {
        *ts = f->results;
        *n = f->nresults;
    }
}

/* ---- immediates that name things ---- */

static int local_type(struct wasm_validator *v, const struct wasm_instr *in, wasm_valtype *t)
{
    const struct wasm_module *m = v->m;
    const struct wasm_func *f = &m->funcs[v->func];
    const struct wasm_functype *ft = &m->types[f->type_index];
    uint32_t idx = in->a;
    if (idx < ft->nparams) {
        *t = ft->params[idx];
        return 0;
    }
    uint64_t j = (uint64_t)idx - ft->nparams;
    if (j >= f->nlocals)
        return fail(v, in, "unknown local %u", idx);
    /* First declaration whose run ends past j. */
    size_t lo = 0, hi = f->nlocal_decls;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->local_ends[mid] > j)
            hi = mid;
        else
            lo = mid + 1;
    }
    *t = f->local_decls[lo].type;
    return 0;
}

static int block_type(struct wasm_validator *v, const struct wasm_instr *in,
                      const wasm_valtype **params, uint32_t *nparams,
                      const wasm_valtype **results, uint32_t *nresults)
{
    *params = NULL;
    *nparams = 0;
    *results = NULL;
    *nresults = 0;
    if (in->bt_index) {
        if (in->a >= v->m->ntypes)
            return fail(v, in, "unknown type %u", in->a);
        const struct wasm_functype *ft = &v->m->types[in->a];
        *params = ft->params;
        *nparams = ft->nparams;
        *results = ft->results;
        *nresults = ft->nresults;
    } else if (in->valtype) {
        for (size_t i = 0; i < sizeof value_types; i++)
            if (value_types[i] == in->valtype)
                *results = &value_types[i];
        *nresults = 1;
    }
    return 0;
}

static int check_memory(struct wasm_validator *v, const struct wasm_instr *in)
{
    if (v->m->nmemories == 0)
        return fail(v, in, "unknown memory 0 in %s", op_name(in));
    return 0;
}

static int check_table(struct wasm_validator *v, const struct wasm_instr *in, uint32_t idx)
{
    if (idx >= v->m->ntables)
        return fail(v, in, "unknown table %u in %s", idx, op_name(in));
    return 0;
}

/* log2 of the access size of a load or store. */
static uint32_t natural_align(int op)
{
    switch (op) {
    case WASM_OP_V128_LOAD: case WASM_OP_V128_STORE:
        return 4;
    case WASM_OP_V128_LOAD8_SPLAT: case WASM_OP_V128_LOAD8_LANE: case WASM_OP_V128_STORE8_LANE:
        return 0;
    case WASM_OP_V128_LOAD16_SPLAT: case WASM_OP_V128_LOAD16_LANE: case WASM_OP_V128_STORE16_LANE:
        return 1;
    case WASM_OP_V128_LOAD32_SPLAT: case WASM_OP_V128_LOAD32_LANE: case WASM_OP_V128_STORE32_LANE:
    case WASM_OP_V128_LOAD32_ZERO:
        return 2;
    case WASM_OP_I32_LOAD8_S: case WASM_OP_I32_LOAD8_U: case WASM_OP_I64_LOAD8_S:
    case WASM_OP_I64_LOAD8_U: case WASM_OP_I32_STORE8: case WASM_OP_I64_STORE8:
        return 0;
    case WASM_OP_I32_LOAD16_S: case WASM_OP_I32_LOAD16_U: case WASM_OP_I64_LOAD16_S:
    case WASM_OP_I64_LOAD16_U: case WASM_OP_I32_STORE16: case WASM_OP_I64_STORE16:
        return 1;
    case WASM_OP_I32_LOAD: case WASM_OP_F32_LOAD: case WASM_OP_I64_LOAD32_S:
    case WASM_OP_I64_LOAD32_U: case WASM_OP_I32_STORE: case WASM_OP_F32_STORE:
    case WASM_OP_I64_STORE32:
        return 2;
    default:
        return 3;
    }
}

/* Number of lanes a SIMD lane immediate indexes: from the shape in the name (i8x16.*,
 * f64x2.*, ...) or the access width of v128.loadN_lane / storeN_lane. */
static uint32_t simd_lanes(int op)
{
    switch (op) {
    case WASM_OP_V128_LOAD8_LANE: case WASM_OP_V128_STORE8_LANE: return 16;
    case WASM_OP_V128_LOAD16_LANE: case WASM_OP_V128_STORE16_LANE: return 8;
    case WASM_OP_V128_LOAD32_LANE: case WASM_OP_V128_STORE32_LANE: return 4;
    case WASM_OP_V128_LOAD64_LANE: case WASM_OP_V128_STORE64_LANE: return 2;
    default: break;
    }
    const char *t = wasm_opinfo[op].text;
    if (strncmp(t, "i8x16", 5) == 0)
        return 16;
    if (strncmp(t, "i16x8", 5) == 0)
        return 8;
    if (strncmp(t, "i32x4", 5) == 0 || strncmp(t, "f32x4", 5) == 0)
        return 4;
    return 2;
}

/* Lane immediates of SIMD instructions, and v128.bitselect's three operands. */
static int check_simd_special(struct wasm_validator *v, const struct wasm_instr *in)
{
    const struct wasm_opinfo *info = &wasm_opinfo[in->op];
    if (info->imm == IMM_LANE || info->imm == IMM_MEMARG_LANE) {
        uint32_t n = simd_lanes(in->op);
        if (in->lane >= n)
            return fail(v, in, "invalid lane index %u in %s (%u lanes)", in->lane, op_name(in), n);
    }
    if (info->imm == IMM_SHUFFLE)
        for (int i = 0; i < 16; i++)
            if (in->v128[i] >= 32)
                return fail(v, in, "invalid lane index %u in i8x16.shuffle", in->v128[i]);
    return 0;
}

/* ---- instructions ---- */

static int check_branch_table(struct wasm_validator *v, const struct wasm_instr *in)
{
    if (pop(v, in, WAOT_I32, NULL) < 0)
        return -1;
    if (in->b >= v->nctrls)
        return fail(v, in, "unknown label %u", in->b);
    const wasm_valtype *dts;
    uint32_t arity;
    label_types(&v->ctrls[v->nctrls - 1 - in->b], &dts, &arity);
    struct wasm_reader r;
    wasm_reader_init(&r, v->m->bytes, in->targets, v->m->funcs[v->func].code_end, NULL);
    /* Labels whose types are the very array just checked (same block, or blocks of one
     * type index) need no second check; this keeps long tables linear in practice. */
    const wasm_valtype *checked = NULL;
    for (uint32_t i = 0; i < in->a; i++) {
        uint32_t l = wasm_read_u32(&r);
        if (l >= v->nctrls)
            return fail(v, in, "unknown label %u", l);
        const wasm_valtype *ts;
        uint32_t n;
        label_types(&v->ctrls[v->nctrls - 1 - l], &ts, &n);
        if (n != arity)
            return fail(v, in, "type mismatch in br_table: label %u has %u values, the default %u",
                        l, n, arity);
        if (n == 0 || ts == checked)
            continue;
        if (peek_all(v, in, ts, n) < 0)
            return -1;
        checked = ts;
    }
    if (pop_all(v, in, dts, arity) < 0)
        return -1;
    set_unreachable(v);
    return 0;
}

static int check_end(struct wasm_validator *v, const struct wasm_instr *in)
{
    struct wasm_validate_frame *f = top(v);
    if (pop_all(v, in, f->results, f->nresults) < 0)
        return -1;
    if (v->nvals != f->height)
        return fail(v, in, "type mismatch in %s: %zu values left on the stack at the end of "
                    "the block", op_name(in), v->nvals - f->height);
    if (f->op == WASM_OP_IF) {
        bool same = f->nparams == f->nresults;
        for (uint32_t i = 0; same && i < f->nparams; i++)
            same = f->params[i] == f->results[i];
        if (!same)
            return fail(v, in, "type mismatch: if without else must leave its parameters as "
                        "its results");
    }
    const wasm_valtype *results = f->results;
    uint32_t nresults = f->nresults;
    v->nctrls--;
    return push_all(v, results, nresults);
}

static int check_block(struct wasm_validator *v, const struct wasm_instr *in)
{
    const wasm_valtype *params, *results;
    uint32_t nparams, nresults;
    if (block_type(v, in, &params, &nparams, &results, &nresults) < 0)
        return -1;
    if (in->op == WASM_OP_IF && pop(v, in, WAOT_I32, NULL) < 0)
        return -1;
    if (pop_all(v, in, params, nparams) < 0)
        return -1;
    return push_frame(v, in->op, params, nparams, results, nresults);
}

static int check_else(struct wasm_validator *v, const struct wasm_instr *in)
{
    struct wasm_validate_frame *f = top(v);
    if (f->op != WASM_OP_IF)
        return fail(v, in, "else without if");
    if (pop_all(v, in, f->results, f->nresults) < 0)
        return -1;
    if (v->nvals != f->height)
        return fail(v, in, "type mismatch in else: %zu values left on the stack at the end of "
                    "the then-branch", v->nvals - f->height);
    f->op = WASM_OP_ELSE;
    f->unreachable = false;
    return push_all(v, f->params, f->nparams);
}

static int check_select(struct wasm_validator *v, const struct wasm_instr *in)
{
    wasm_valtype t1, t2;
    if (in->op == WASM_OP_SELECT_T) {
        if (in->valtype_count != 1)
            return fail(v, in, "invalid result arity %u in select", in->valtype_count);
        if (pop(v, in, WAOT_I32, NULL) < 0 || pop(v, in, in->valtype, NULL) < 0 ||
            pop(v, in, in->valtype, NULL) < 0)
            return -1;
        return push(v, in->valtype);
    }
    if (pop(v, in, WAOT_I32, NULL) < 0 || pop(v, in, UNKNOWN, &t1) < 0 ||
        pop(v, in, UNKNOWN, &t2) < 0)
        return -1;
    if ((!is_num(t1) && t1 != WAOT_V128) || (!is_num(t2) && t2 != WAOT_V128))
        return fail(v, in, "type mismatch in select: operands are %s and %s; untyped select "
                    "needs numeric or vector operands", wasm_validate_type_name(t2),
                    wasm_validate_type_name(t1));
    if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN)
        return fail(v, in, "type mismatch in select: operands are %s and %s",
                    wasm_validate_type_name(t2), wasm_validate_type_name(t1));
    return push(v, t1 != UNKNOWN ? t1 : t2);
}

static int check_call(struct wasm_validator *v, const struct wasm_instr *in)
{
    const struct wasm_module *m = v->m;
    uint32_t type_index;
    if (in->op == WASM_OP_CALL) {
        if (in->a >= m->nfuncs)
            return fail(v, in, "unknown function %u", in->a);
        type_index = m->funcs[in->a].type_index;
    } else {
        if (check_table(v, in, in->b) < 0)
            return -1;
        if (m->tables[in->b].elem_type != WAOT_FUNCREF)
            return fail(v, in, "type mismatch in call_indirect: table %u holds %s, not funcref",
                        in->b, wasm_validate_type_name(m->tables[in->b].elem_type));
        if (in->a >= m->ntypes)
            return fail(v, in, "unknown type %u", in->a);
        type_index = in->a;
        if (pop(v, in, WAOT_I32, NULL) < 0)
            return -1;
    }
    const struct wasm_functype *ft = &m->types[type_index];
    if (pop_all(v, in, ft->params, ft->nparams) < 0)
        return -1;
    return push_all(v, ft->results, ft->nresults);
}

/* Pops n values of type t. */
static int pop_n(struct wasm_validator *v, const struct wasm_instr *in, wasm_valtype t, int n)
{
    for (int i = 0; i < n; i++)
        if (pop(v, in, t, NULL) < 0)
            return -1;
    return 0;
}

static int check_tables_ops(struct wasm_validator *v, const struct wasm_instr *in)
{
    const struct wasm_module *m = v->m;
    switch (in->op) {
    case WASM_OP_TABLE_GET:
        if (check_table(v, in, in->a) < 0 || pop(v, in, WAOT_I32, NULL) < 0)
            return -1;
        return push(v, m->tables[in->a].elem_type);
    case WASM_OP_TABLE_SET:
        if (check_table(v, in, in->a) < 0 || pop(v, in, m->tables[in->a].elem_type, NULL) < 0)
            return -1;
        return pop(v, in, WAOT_I32, NULL);
    case WASM_OP_TABLE_SIZE:
        if (check_table(v, in, in->a) < 0)
            return -1;
        return push(v, WAOT_I32);
    case WASM_OP_TABLE_GROW:
        if (check_table(v, in, in->a) < 0 || pop(v, in, WAOT_I32, NULL) < 0 ||
            pop(v, in, m->tables[in->a].elem_type, NULL) < 0)
            return -1;
        return push(v, WAOT_I32);
    case WASM_OP_TABLE_FILL:
        if (check_table(v, in, in->a) < 0 || pop(v, in, WAOT_I32, NULL) < 0 ||
            pop(v, in, m->tables[in->a].elem_type, NULL) < 0)
            return -1;
        return pop(v, in, WAOT_I32, NULL);
    case WASM_OP_TABLE_INIT:
        if (check_table(v, in, in->b) < 0)
            return -1;
        if (in->a >= m->nelems)
            return fail(v, in, "unknown elem segment %u", in->a);
        if (m->elems[in->a].elem_type != m->tables[in->b].elem_type)
            return fail(v, in, "type mismatch in table.init: segment of %s, table of %s",
                        wasm_validate_type_name(m->elems[in->a].elem_type),
                        wasm_validate_type_name(m->tables[in->b].elem_type));
        return pop_n(v, in, WAOT_I32, 3);
    case WASM_OP_TABLE_COPY:
        if (check_table(v, in, in->a) < 0 || check_table(v, in, in->b) < 0)
            return -1;
        if (m->tables[in->a].elem_type != m->tables[in->b].elem_type)
            return fail(v, in, "type mismatch in table.copy: tables of %s and %s",
                        wasm_validate_type_name(m->tables[in->a].elem_type),
                        wasm_validate_type_name(m->tables[in->b].elem_type));
        return pop_n(v, in, WAOT_I32, 3);
    case WASM_OP_ELEM_DROP:
        if (in->a >= m->nelems)
            return fail(v, in, "unknown elem segment %u", in->a);
        return 0;
    }
    return 0;
}

static int check_memory_ops(struct wasm_validator *v, const struct wasm_instr *in)
{
    const struct wasm_module *m = v->m;
    switch (in->op) {
    case WASM_OP_MEMORY_SIZE:
        if (check_memory(v, in) < 0)
            return -1;
        return push(v, WAOT_I32);
    case WASM_OP_MEMORY_GROW:
        if (check_memory(v, in) < 0 || pop(v, in, WAOT_I32, NULL) < 0)
            return -1;
        return push(v, WAOT_I32);
    case WASM_OP_MEMORY_INIT:
        if (check_memory(v, in) < 0)
            return -1;
        if (in->a >= m->data_count)
            return fail(v, in, "unknown data segment %u", in->a);
        return pop_n(v, in, WAOT_I32, 3);
    case WASM_OP_DATA_DROP:
        if (in->a >= m->data_count)
            return fail(v, in, "unknown data segment %u", in->a);
        return 0;
    case WASM_OP_MEMORY_COPY:
    case WASM_OP_MEMORY_FILL:
        if (check_memory(v, in) < 0)
            return -1;
        return pop_n(v, in, WAOT_I32, 3);
    }
    return 0;
}

/* Loads, stores and the pure numeric operators, typed by the opcode table. */
static int check_simple(struct wasm_validator *v, const struct wasm_instr *in)
{
    const struct wasm_opinfo *info = &wasm_opinfo[in->op];
    if (info->prefix == WASM_PREFIX_SIMD) {
        if (check_simd_special(v, in) < 0)
            return -1;
        if (in->op == WASM_OP_V128_BITSELECT) {
            if (pop_n(v, in, WAOT_V128, 3) < 0)
                return -1;
            return push(v, WAOT_V128);
        }
    }
    if (info->imm == IMM_MEMARG || info->imm == IMM_MEMARG_LANE) {
        if (check_memory(v, in) < 0)
            return -1;
        uint32_t natural = natural_align(in->op);
        if (in->a > natural)
            return fail(v, in, "alignment must not be larger than natural (2^%u > %u bytes in %s)",
                        in->a, 1u << natural, op_name(in));
    }
    if (info->b != OPTY_NONE && pop(v, in, info->b, NULL) < 0)
        return -1;
    if (info->a != OPTY_NONE && pop(v, in, info->a, NULL) < 0)
        return -1;
    if (info->r != OPTY_NONE)
        return push(v, info->r);
    return 0;
}

static int check_variable(struct wasm_validator *v, const struct wasm_instr *in)
{
    const struct wasm_module *m = v->m;
    wasm_valtype t;
    switch (in->op) {
    case WASM_OP_LOCAL_GET:
        if (local_type(v, in, &t) < 0)
            return -1;
        return push(v, t);
    case WASM_OP_LOCAL_SET:
        if (local_type(v, in, &t) < 0)
            return -1;
        return pop(v, in, t, NULL);
    case WASM_OP_LOCAL_TEE:
        if (local_type(v, in, &t) < 0 || pop(v, in, t, NULL) < 0)
            return -1;
        return push(v, t);
    case WASM_OP_GLOBAL_GET:
        if (in->a >= m->nglobals)
            return fail(v, in, "unknown global %u", in->a);
        return push(v, m->globals[in->a].type.type);
    case WASM_OP_GLOBAL_SET:
        if (in->a >= m->nglobals)
            return fail(v, in, "unknown global %u", in->a);
        if (!m->globals[in->a].type.mutable_)
            return fail(v, in, "global is immutable: global.set of global %u", in->a);
        return pop(v, in, m->globals[in->a].type.type, NULL);
    }
    return 0;
}

static int check_instr(struct wasm_validator *v, const struct wasm_instr *in)
{
    const struct wasm_module *m = v->m;
    const wasm_valtype *ts;
    uint32_t n;
    wasm_valtype t;
    switch (in->op) {
    case WASM_OP_UNREACHABLE:
        set_unreachable(v);
        return 0;
    case WASM_OP_NOP:
        return 0;
    case WASM_OP_BLOCK:
    case WASM_OP_LOOP:
    case WASM_OP_IF:
        return check_block(v, in);
    case WASM_OP_ELSE:
        return check_else(v, in);
    case WASM_OP_END:
        return check_end(v, in);
    case WASM_OP_BR:
    case WASM_OP_BR_IF:
        if (in->op == WASM_OP_BR_IF && pop(v, in, WAOT_I32, NULL) < 0)
            return -1;
        if (in->a >= v->nctrls)
            return fail(v, in, "unknown label %u", in->a);
        label_types(&v->ctrls[v->nctrls - 1 - in->a], &ts, &n);
        if (pop_all(v, in, ts, n) < 0)
            return -1;
        if (in->op == WASM_OP_BR_IF)
            return push_all(v, ts, n);
        set_unreachable(v);
        return 0;
    case WASM_OP_BR_TABLE:
        return check_branch_table(v, in);
    case WASM_OP_RETURN:
        if (pop_all(v, in, v->ctrls[0].results, v->ctrls[0].nresults) < 0)
            return -1;
        set_unreachable(v);
        return 0;
    case WASM_OP_CALL:
    case WASM_OP_CALL_INDIRECT:
        return check_call(v, in);
    case WASM_OP_DROP:
        return pop(v, in, UNKNOWN, NULL);
    case WASM_OP_SELECT:
    case WASM_OP_SELECT_T:
        return check_select(v, in);
    case WASM_OP_LOCAL_GET:
    case WASM_OP_LOCAL_SET:
    case WASM_OP_LOCAL_TEE:
    case WASM_OP_GLOBAL_GET:
    case WASM_OP_GLOBAL_SET:
        return check_variable(v, in);
    case WASM_OP_TABLE_GET:
    case WASM_OP_TABLE_SET:
    case WASM_OP_TABLE_SIZE:
    case WASM_OP_TABLE_GROW:
    case WASM_OP_TABLE_FILL:
    case WASM_OP_TABLE_INIT:
    case WASM_OP_TABLE_COPY:
    case WASM_OP_ELEM_DROP:
        return check_tables_ops(v, in);
    case WASM_OP_MEMORY_SIZE:
    case WASM_OP_MEMORY_GROW:
    case WASM_OP_MEMORY_INIT:
    case WASM_OP_DATA_DROP:
    case WASM_OP_MEMORY_COPY:
    case WASM_OP_MEMORY_FILL:
        return check_memory_ops(v, in);
    case WASM_OP_I32_CONST:
        return push(v, WAOT_I32);
    case WASM_OP_I64_CONST:
        return push(v, WAOT_I64);
    case WASM_OP_F32_CONST:
        return push(v, WAOT_F32);
    case WASM_OP_F64_CONST:
        return push(v, WAOT_F64);
    case WASM_OP_REF_NULL:
        return push(v, in->valtype);
    case WASM_OP_REF_IS_NULL:
        if (pop(v, in, UNKNOWN, &t) < 0)
            return -1;
        if (!is_ref(t))
            return fail(v, in, "type mismatch in ref.is_null: expected a reference, got %s",
                        wasm_validate_type_name(t));
        return push(v, WAOT_I32);
    case WASM_OP_REF_FUNC:
        if (in->a >= m->nfuncs)
            return fail(v, in, "unknown function %u", in->a);
        if (!m->func_declared[in->a])
            return fail(v, in, "undeclared function reference %u in ref.func", in->a);
        return push(v, WAOT_FUNCREF);
    default:
        return check_simple(v, in);
    }
}

static int prepare_locals(struct wasm_validator *v, const struct wasm_func *f)
{
    if (f->nlocal_decls > v->local_ends_cap) {
        uint64_t *p = realloc(v->local_ends, (size_t)f->nlocal_decls * sizeof *p);
        if (!p)
            return waot_fail(v->err, WAOT_E_NOMEM, "func %u: out of memory (locals)", v->func);
        v->local_ends = p;
        v->local_ends_cap = f->nlocal_decls;
    }
    uint64_t end = 0;
    for (uint32_t i = 0; i < f->nlocal_decls; i++) {
        end += f->local_decls[i].count;
        v->local_ends[i] = end;
    }
    return 0;
}

int wasm_validate_func(struct wasm_validator *v, uint32_t index)
{
    struct wasm_module *m = v->m;
    const struct wasm_func *f = &m->funcs[index];
    v->func = index;
    v->nvals = 0;
    v->nctrls = 0;
    if (prepare_locals(v, f) < 0)
        return -1;
    const struct wasm_functype *ft = &m->types[f->type_index];
    if (push_frame(v, WASM_OP_BLOCK, NULL, 0, ft->results, ft->nresults) < 0)
        return -1;
    struct wasm_reader r;
    wasm_reader_init(&r, m->bytes, f->code_offset, f->code_end, v->err);
    char where[48];
    snprintf(where, sizeof where, "code section, func %u", index);
    r.where = where;
    struct wasm_instr in;
    while (v->nctrls > 0) {
        if (wasm_decode_instr(&r, &in) < 0)
            return -1;
        if (check_instr(v, &in) < 0)
            return -1;
    }
    if (r.pos != f->code_end)
        return waot_fail(v->err, WAOT_E_MALFORMED,
                         "code section, func %u, offset 0x%zx: code after the final end",
                         index, r.pos);
    return 0;
}

void wasm_validate_fini(struct wasm_validator *v)
{
    free(v->vals);
    free(v->ctrls);
    free(v->local_ends);
    v->vals = NULL;
    v->ctrls = NULL;
    v->local_ends = NULL;
}
