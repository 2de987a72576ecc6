/*
 * SIMD (v128) instructions to LLVM vector IR: the dispatch for every 0xfd opcode, and the
 * ops that move bits rather than compute: loads and stores in all their forms, constants,
 * shuffles and swizzles, splats and lane access, bitwise ops, comparisons and the
 * any_true/all_true/bitmask reductions. Arithmetic and conversions are in
 * translate_simd_arith.c. See translate_simd.h for the value representation.
 *
 * Memory accesses compute their address like scalar ones (translate_memory_address: no
 * bounds checks, the guard region traps) and carry the linear-memory TBAA class, so a
 * dropped SIMD load is kept volatile by translate_memory_keep_loads like a scalar one.
 */
#include <string.h>

#include "translate_simd.h"

/* ---- shared builders ---- */

enum simd_shape simd_shape_of(enum wasm_op op)
{
    const char *t = wasm_opinfo[op].text;
    if (strncmp(t, "i8x16", 5) == 0)
        return SIMD_I8X16;
    if (strncmp(t, "i16x8", 5) == 0)
        return SIMD_I16X8;
    if (strncmp(t, "i64x2", 5) == 0)
        return SIMD_I64X2;
    if (strncmp(t, "f32x4", 5) == 0)
        return SIMD_F32X4;
    if (strncmp(t, "f64x2", 5) == 0)
        return SIMD_F64X2;
    return SIMD_I32X4;
}

unsigned simd_lanes(enum simd_shape s)
{
    static const unsigned lanes[] = {16, 8, 4, 2, 4, 2};
    return lanes[s];
}

LLVMTypeRef simd_lane_type(struct translate_func *f, enum simd_shape s)
{
    LLVMContextRef ctx = f->tm->ctx;
    switch (s) {
    case SIMD_I8X16: return LLVMInt8TypeInContext(ctx);
    case SIMD_I16X8: return LLVMInt16TypeInContext(ctx);
    case SIMD_I32X4: return LLVMInt32TypeInContext(ctx);
    case SIMD_I64X2: return LLVMInt64TypeInContext(ctx);
    case SIMD_F32X4: return LLVMFloatTypeInContext(ctx);
    default: return LLVMDoubleTypeInContext(ctx);
    }
}

LLVMTypeRef simd_vec_of(LLVMTypeRef ty, unsigned n)
{
    return LLVMVectorType(ty, n);
}

LLVMTypeRef simd_vec_type(struct translate_func *f, enum simd_shape s)
{
    return simd_vec_of(simd_lane_type(f, s), simd_lanes(s));
}

LLVMValueRef simd_as(struct translate_func *f, LLVMValueRef v, enum simd_shape s)
{
    LLVMTypeRef ty = simd_vec_type(f, s);
    if (LLVMTypeOf(v) == ty)
        return v;
    return LLVMBuildBitCast(f->b, v, ty, "");
}

LLVMValueRef simd_canon(struct translate_func *f, LLVMValueRef v)
{
    return simd_as(f, v, SIMD_I32X4);
}

LLVMValueRef simd_shuffle(struct translate_func *f, LLVMValueRef a, LLVMValueRef b,
                          const unsigned *idx, unsigned n)
{
    LLVMValueRef mask[32];
    LLVMTypeRef i32 = f->tm->t_i32;
    for (unsigned i = 0; i < n; i++)
        mask[i] = LLVMConstInt(i32, idx[i], 0);
    if (!b)
        b = LLVMGetPoison(LLVMTypeOf(a));
    return LLVMBuildShuffleVector(f->b, a, b, LLVMConstVector(mask, n), "");
}

LLVMValueRef simd_splat(struct translate_func *f, LLVMValueRef x, unsigned n)
{
    LLVMTypeRef vty = simd_vec_of(LLVMTypeOf(x), n);
    LLVMValueRef v = LLVMBuildInsertElement(f->b, LLVMGetPoison(vty), x,
                                            LLVMConstInt(f->tm->t_i32, 0, 0), "");
    unsigned zeros[16] = {0};
    return simd_shuffle(f, v, NULL, zeros, n);
}

LLVMValueRef simd_slice(struct translate_func *f, LLVMValueRef a, unsigned first, unsigned n)
{
    unsigned idx[16];
    for (unsigned i = 0; i < n; i++)
        idx[i] = first + i;
    return simd_shuffle(f, a, NULL, idx, n);
}

static LLVMValueRef call(struct translate_func *f, const char *name, LLVMTypeRef *tys,
                         unsigned ntys, LLVMValueRef *args, unsigned nargs)
{
    struct translate_module *tm = f->tm;
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(tm->mod, id, tys, ntys);
    LLVMTypeRef fty = LLVMIntrinsicGetType(tm->ctx, id, tys, ntys);
    return LLVMBuildCall2(f->b, fty, fn, args, nargs, "");
}

LLVMValueRef simd_intrinsic(struct translate_func *f, const char *name, LLVMValueRef a,
                            LLVMValueRef b, LLVMValueRef c)
{
    LLVMTypeRef ty = LLVMTypeOf(a);
    LLVMValueRef args[3] = {a, b, c};
    return call(f, name, &ty, 1, args, c ? 3 : b ? 2 : 1);
}

LLVMValueRef simd_intrinsic2(struct translate_func *f, const char *name, LLVMTypeRef ret,
                             LLVMValueRef a)
{
    LLVMTypeRef tys[2] = {ret, LLVMTypeOf(a)};
    return call(f, name, tys, 2, &a, 1);
}

/* ---- memory ---- */

static LLVMValueRef mem_load(struct translate_func *f, LLVMTypeRef ty, LLVMValueRef ptr)
{
    LLVMValueRef v = LLVMBuildLoad2(f->b, ty, ptr, "");
    LLVMSetAlignment(v, 1);
    translate_vm_tbaa(f, v, TRANSLATE_TBAA_MEM);
    return v;
}

static void mem_store(struct translate_func *f, LLVMValueRef v, LLVMValueRef ptr)
{
    LLVMValueRef st = LLVMBuildStore(f->b, v, ptr);
    LLVMSetAlignment(st, 1);
    translate_vm_tbaa(f, st, TRANSLATE_TBAA_MEM);
}

static LLVMTypeRef int_type(struct translate_func *f, unsigned bits)
{
    return LLVMIntTypeInContext(f->tm->ctx, bits);
}

/* v128.loadNxM_s/u: M lanes of N bits, extended to 2N bits. */
static LLVMValueRef load_extend(struct translate_func *f, enum wasm_op op, LLVMValueRef ptr)
{
    unsigned bits = op <= WASM_OP_V128_LOAD8X8_U ? 8 : op <= WASM_OP_V128_LOAD16X4_U ? 16 : 32;
    unsigned n = 64 / bits;
    LLVMValueRef v = mem_load(f, simd_vec_of(int_type(f, bits), n), ptr);
    LLVMTypeRef wide = simd_vec_of(int_type(f, bits * 2), n);
    bool is_signed = ((op - WASM_OP_V128_LOAD8X8_S) & 1) == 0;
    return is_signed ? LLVMBuildSExt(f->b, v, wide, "") : LLVMBuildZExt(f->b, v, wide, "");
}

static void memory_op(struct translate_func *f, enum wasm_op op)
{
    struct wasm_reader *r = &f->r;
    wasm_read_u32(r); /* alignment hint */
    uint32_t offset = wasm_read_u32(r);
    unsigned lane = wasm_opinfo[op].imm == IMM_MEMARG_LANE ? wasm_read_u8(r) : 0;
    LLVMValueRef vec = NULL, v;
    if (wasm_opinfo[op].b == OPTY_V128)
        vec = translate_func_pop(f);
    LLVMValueRef ptr = translate_memory_address(f, translate_func_pop(f), offset);
    LLVMValueRef idx = LLVMConstInt(f->tm->t_i32, lane, 0);
    switch (op) {
    case WASM_OP_V128_LOAD:
        v = mem_load(f, simd_vec_type(f, SIMD_I32X4), ptr);
        break;
    case WASM_OP_V128_LOAD8X8_S: case WASM_OP_V128_LOAD8X8_U: case WASM_OP_V128_LOAD16X4_S:
    case WASM_OP_V128_LOAD16X4_U: case WASM_OP_V128_LOAD32X2_S: case WASM_OP_V128_LOAD32X2_U:
        v = load_extend(f, op, ptr);
        break;
    case WASM_OP_V128_LOAD8_SPLAT: case WASM_OP_V128_LOAD16_SPLAT:
    case WASM_OP_V128_LOAD32_SPLAT: case WASM_OP_V128_LOAD64_SPLAT: {
        unsigned bits = 8u << (op - WASM_OP_V128_LOAD8_SPLAT);
        v = simd_splat(f, mem_load(f, int_type(f, bits), ptr), 128 / bits);
        break;
    }
    case WASM_OP_V128_LOAD32_ZERO: case WASM_OP_V128_LOAD64_ZERO: {
        unsigned bits = op == WASM_OP_V128_LOAD32_ZERO ? 32 : 64;
        LLVMTypeRef ity = int_type(f, bits);
        v = LLVMBuildInsertElement(f->b, LLVMConstNull(simd_vec_of(ity, 128 / bits)),
                                   mem_load(f, ity, ptr), LLVMConstInt(f->tm->t_i32, 0, 0), "");
        break;
    }
    case WASM_OP_V128_LOAD8_LANE: case WASM_OP_V128_LOAD16_LANE:
    case WASM_OP_V128_LOAD32_LANE: case WASM_OP_V128_LOAD64_LANE: {
        unsigned bits = 8u << (op - WASM_OP_V128_LOAD8_LANE);
        LLVMTypeRef ity = int_type(f, bits);
        LLVMValueRef x = LLVMBuildBitCast(f->b, vec, simd_vec_of(ity, 128 / bits), "");
        v = LLVMBuildInsertElement(f->b, x, mem_load(f, ity, ptr), idx, "");
        break;
    }
    case WASM_OP_V128_STORE:
        mem_store(f, vec, ptr);
        return;
    case WASM_OP_V128_STORE8_LANE: case WASM_OP_V128_STORE16_LANE:
    case WASM_OP_V128_STORE32_LANE: case WASM_OP_V128_STORE64_LANE: {
        unsigned bits = 8u << (op - WASM_OP_V128_STORE8_LANE);
        LLVMValueRef x = LLVMBuildBitCast(f->b, vec, simd_vec_of(int_type(f, bits), 128 / bits), "");
        mem_store(f, LLVMBuildExtractElement(f->b, x, idx, ""), ptr);
        return;
    }
    default:
        translate_func_internal(f, "not a SIMD memory instruction");
        return;
    }
    translate_func_push(f, simd_canon(f, v));
}

/* ---- constants, shuffles, lanes ---- */

static void op_const(struct translate_func *f)
{
    const uint8_t *p = wasm_read_bytes(&f->r, 16);
    if (!p)
        return;
    LLVMValueRef bytes[16];
    for (int i = 0; i < 16; i++)
        bytes[i] = LLVMConstInt(f->tm->t_i8, p[i], 0);
    translate_func_push(f, LLVMConstBitCast(LLVMConstVector(bytes, 16), simd_vec_type(f, SIMD_I32X4)));
}

static void op_shuffle(struct translate_func *f)
{
    const uint8_t *p = wasm_read_bytes(&f->r, 16);
    if (!p)
        return;
    unsigned idx[16];
    for (int i = 0; i < 16; i++)
        idx[i] = p[i] & 31; /* validated < 32 */
    LLVMValueRef b = simd_as(f, translate_func_pop(f), SIMD_I8X16);
    LLVMValueRef a = simd_as(f, translate_func_pop(f), SIMD_I8X16);
    translate_func_push(f, simd_canon(f, simd_shuffle(f, a, b, idx, 16)));
}

/* Lane i of the result is a[s[i]], or 0 when s[i] >= 16. Written as lane-wise variable
 * extracts from the masked index vector, a pattern LLVM's x86 backend turns into one pshufb
 * (and aarch64's into tbl). */
static LLVMValueRef swizzle(struct translate_func *f, LLVMValueRef a, LLVMValueRef s)
{
    LLVMTypeRef i8 = f->tm->t_i8;
    a = simd_as(f, a, SIMD_I8X16);
    s = simd_as(f, s, SIMD_I8X16);
    LLVMValueRef r = LLVMGetPoison(LLVMTypeOf(a));
    LLVMValueRef m = LLVMBuildAnd(f->b, s, simd_splat(f, LLVMConstInt(i8, 15, 0), 16), "");
    for (unsigned i = 0; i < 16; i++) {
        LLVMValueRef li = LLVMConstInt(f->tm->t_i32, i, 0);
        LLVMValueRef j = LLVMBuildExtractElement(f->b, m, li, "");
        LLVMValueRef e = LLVMBuildExtractElement(f->b, a, j, "");
        r = LLVMBuildInsertElement(f->b, r, e, li, "");
    }
    LLVMValueRef in_range = LLVMBuildICmp(f->b, LLVMIntULT, s, simd_splat(f, LLVMConstInt(i8, 16, 0), 16), "");
    return LLVMBuildSelect(f->b, in_range, r, LLVMConstNull(LLVMTypeOf(a)), "");
}

static void op_splat(struct translate_func *f, enum wasm_op op)
{
    enum simd_shape s = simd_shape_of(op);
    LLVMValueRef x = translate_func_pop(f);
    LLVMTypeRef lane = simd_lane_type(f, s);
    if (s == SIMD_I8X16 || s == SIMD_I16X8)
        x = LLVMBuildTrunc(f->b, x, lane, "");
    translate_func_push(f, simd_canon(f, simd_splat(f, x, simd_lanes(s))));
}

static void op_lane(struct translate_func *f, enum wasm_op op)
{
    unsigned lane = wasm_read_u8(&f->r);
    enum simd_shape s = simd_shape_of(op);
    LLVMValueRef idx = LLVMConstInt(f->tm->t_i32, lane, 0);
    LLVMValueRef x = NULL;
    if (wasm_opinfo[op].b != OPTY_NONE)
        x = translate_func_pop(f);
    LLVMValueRef v = simd_as(f, translate_func_pop(f), s);
    if (x) { /* replace_lane */
        if (s == SIMD_I8X16 || s == SIMD_I16X8)
            x = LLVMBuildTrunc(f->b, x, simd_lane_type(f, s), "");
        translate_func_push(f, simd_canon(f, LLVMBuildInsertElement(f->b, v, x, idx, "")));
        return;
    }
    LLVMValueRef e = LLVMBuildExtractElement(f->b, v, idx, "");
    if (op == WASM_OP_I8X16_EXTRACT_LANE_S || op == WASM_OP_I16X8_EXTRACT_LANE_S)
        e = LLVMBuildSExt(f->b, e, f->tm->t_i32, "");
    else if (op == WASM_OP_I8X16_EXTRACT_LANE_U || op == WASM_OP_I16X8_EXTRACT_LANE_U)
        e = LLVMBuildZExt(f->b, e, f->tm->t_i32, "");
    translate_func_push(f, e);
}

/* ---- bitwise, comparisons, reductions ---- */

static LLVMValueRef compare(struct translate_func *f, enum wasm_op op, LLVMValueRef a, LLVMValueRef b)
{
    static const LLVMIntPredicate ipred[] = {LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntULT,
                                             LLVMIntSGT, LLVMIntUGT, LLVMIntSLE, LLVMIntULE,
                                             LLVMIntSGE, LLVMIntUGE};
    static const LLVMRealPredicate fpred[] = {LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT,
                                              LLVMRealOGT, LLVMRealOLE, LLVMRealOGE};
    enum simd_shape s = simd_shape_of(op);
    a = simd_as(f, a, s);
    b = simd_as(f, b, s);
    LLVMValueRef c;
    if (op >= WASM_OP_I8X16_EQ && op <= WASM_OP_I8X16_GE_U)
        c = LLVMBuildICmp(f->b, ipred[op - WASM_OP_I8X16_EQ], a, b, "");
    else if (op >= WASM_OP_I16X8_EQ && op <= WASM_OP_I16X8_GE_U)
        c = LLVMBuildICmp(f->b, ipred[op - WASM_OP_I16X8_EQ], a, b, "");
    else if (op >= WASM_OP_I32X4_EQ && op <= WASM_OP_I32X4_GE_U)
        c = LLVMBuildICmp(f->b, ipred[op - WASM_OP_I32X4_EQ], a, b, "");
    else if (op >= WASM_OP_F32X4_EQ && op <= WASM_OP_F32X4_GE)
        c = LLVMBuildFCmp(f->b, fpred[op - WASM_OP_F32X4_EQ], a, b, "");
    else if (op >= WASM_OP_F64X2_EQ && op <= WASM_OP_F64X2_GE)
        c = LLVMBuildFCmp(f->b, fpred[op - WASM_OP_F64X2_EQ], a, b, "");
    else if (op >= WASM_OP_I64X2_EQ && op <= WASM_OP_I64X2_GE_S) {
        static const LLVMIntPredicate p64[] = {LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntSGT,
                                               LLVMIntSLE, LLVMIntSGE};
        c = LLVMBuildICmp(f->b, p64[op - WASM_OP_I64X2_EQ], a, b, "");
    } else
        return NULL;
    enum simd_shape is = s == SIMD_F32X4 ? SIMD_I32X4 : s == SIMD_F64X2 ? SIMD_I64X2 : s;
    return LLVMBuildSExt(f->b, c, simd_vec_type(f, is), "");
}

static bool is_compare(enum wasm_op op)
{
    return (op >= WASM_OP_I8X16_EQ && op <= WASM_OP_F64X2_GE) ||
           (op >= WASM_OP_I64X2_EQ && op <= WASM_OP_I64X2_GE_S);
}

/* all_true (every lane non-zero) and bitmask (the lanes' sign bits). */
static LLVMValueRef reduce(struct translate_func *f, enum wasm_op op, LLVMValueRef a)
{
    enum simd_shape s = simd_shape_of(op);
    unsigned n = simd_lanes(s);
    a = simd_as(f, a, s);
    LLVMValueRef zero = LLVMConstNull(LLVMTypeOf(a));
    LLVMTypeRef in = int_type(f, n);
    bool all = op == WASM_OP_I8X16_ALL_TRUE || op == WASM_OP_I16X8_ALL_TRUE ||
               op == WASM_OP_I32X4_ALL_TRUE || op == WASM_OP_I64X2_ALL_TRUE;
    LLVMValueRef c = LLVMBuildICmp(f->b, all ? LLVMIntNE : LLVMIntSLT, a, zero, "");
    LLVMValueRef bits = LLVMBuildBitCast(f->b, c, in, "");
    if (all)
        bits = LLVMBuildICmp(f->b, LLVMIntEQ, bits, LLVMConstAllOnes(in), "");
    return LLVMBuildZExt(f->b, bits, f->tm->t_i32, "");
}

static LLVMValueRef bitwise(struct translate_func *f, enum wasm_op op, LLVMValueRef a, LLVMValueRef b)
{
    LLVMBuilderRef bld = f->b;
    switch (op) {
    case WASM_OP_V128_NOT: return LLVMBuildNot(bld, a, "");
    case WASM_OP_V128_AND: return LLVMBuildAnd(bld, a, b, "");
    case WASM_OP_V128_ANDNOT: return LLVMBuildAnd(bld, a, LLVMBuildNot(bld, b, ""), "");
    case WASM_OP_V128_OR: return LLVMBuildOr(bld, a, b, "");
    case WASM_OP_V128_XOR: return LLVMBuildXor(bld, a, b, "");
    case WASM_OP_V128_ANY_TRUE: {
        LLVMTypeRef i128 = int_type(f, 128);
        LLVMValueRef x = LLVMBuildBitCast(bld, a, i128, "");
        return LLVMBuildZExt(bld, LLVMBuildICmp(bld, LLVMIntNE, x, LLVMConstNull(i128), ""),
                             f->tm->t_i32, "");
    }
    default: return NULL;
    }
}

/* ---- dispatch ---- */

bool translate_simd_handles(enum wasm_op op)
{
    return (unsigned)op < WASM_OP_COUNT && wasm_opinfo[op].prefix == WASM_PREFIX_SIMD;
}

void translate_simd_op(struct translate_func *f, enum wasm_op op)
{
    const struct wasm_opinfo *info = &wasm_opinfo[op];
    if (info->imm == IMM_MEMARG || info->imm == IMM_MEMARG_LANE)
        return memory_op(f, op);
    switch (op) {
    case WASM_OP_V128_CONST: return op_const(f);
    case WASM_OP_I8X16_SHUFFLE: return op_shuffle(f);
    case WASM_OP_I8X16_SPLAT: case WASM_OP_I16X8_SPLAT: case WASM_OP_I32X4_SPLAT:
    case WASM_OP_I64X2_SPLAT: case WASM_OP_F32X4_SPLAT: case WASM_OP_F64X2_SPLAT:
        return op_splat(f, op);
    case WASM_OP_V128_BITSELECT: {
        LLVMValueRef c = translate_func_pop(f);
        LLVMValueRef b = translate_func_pop(f);
        LLVMValueRef a = translate_func_pop(f);
        LLVMValueRef r = LLVMBuildOr(f->b, LLVMBuildAnd(f->b, a, c, ""),
                                     LLVMBuildAnd(f->b, b, LLVMBuildNot(f->b, c, ""), ""), "");
        return translate_func_push(f, r);
    }
    default:
        break;
    }
    if (info->imm == IMM_LANE)
        return op_lane(f, op);
    LLVMValueRef a, b = NULL, r;
    if (info->b != OPTY_NONE)
        b = translate_func_pop(f);
    a = translate_func_pop(f);
    if (f->failed)
        return;
    if (op == WASM_OP_I8X16_SWIZZLE)
        r = swizzle(f, a, b);
    else if (is_compare(op))
        r = compare(f, op, a, b);
    else if (op == WASM_OP_I8X16_ALL_TRUE || op == WASM_OP_I16X8_ALL_TRUE ||
             op == WASM_OP_I32X4_ALL_TRUE || op == WASM_OP_I64X2_ALL_TRUE ||
             op == WASM_OP_I8X16_BITMASK || op == WASM_OP_I16X8_BITMASK ||
             op == WASM_OP_I32X4_BITMASK || op == WASM_OP_I64X2_BITMASK)
        r = reduce(f, op, a);
    else if (!(r = bitwise(f, op, a, b)))
        r = translate_simd_arith(f, op, a, b);
    if (!r)
        return translate_func_internal(f, "unhandled SIMD opcode");
    if (info->r == OPTY_V128)
        r = simd_canon(f, r);
    translate_func_push(f, r);
}
