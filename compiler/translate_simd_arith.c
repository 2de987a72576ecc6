/*
 * SIMD lane arithmetic with Wasm's exact semantics: integer ops (shifts with counts taken
 * modulo the lane width, saturating add/sub, narrowing with saturation, extension,
 * extended multiplication, pairwise addition, dot product, q15mulr_sat, rounding average),
 * float ops (min/max with NaN and signed zero rules, pmin/pmax, rounding) and the
 * conversions between shapes.
 *
 * As in translate_numeric.c, LLVM folds float arithmetic on constant operands as if
 * signaling NaNs were quiet (x * 1.0 -> x); float results with a constant operand are
 * therefore passed through a lane-wise quieting select, which is a no-op at run time.
 */
#include <string.h>

#include "translate_simd.h"

static LLVMValueRef splat_int(struct translate_func *f, LLVMTypeRef vty, unsigned long long x)
{
    LLVMTypeRef lane = LLVMGetElementType(vty);
    return simd_splat(f, LLVMConstInt(lane, x, 0), LLVMGetVectorSize(vty));
}

static unsigned lane_bits(LLVMValueRef v)
{
    return LLVMGetIntTypeWidth(LLVMGetElementType(LLVMTypeOf(v)));
}

/* v's integer lanes widened (sign- or zero-extended) to twice their width. */
static LLVMValueRef widen(struct translate_func *f, LLVMValueRef v, bool is_signed)
{
    LLVMTypeRef vty = LLVMTypeOf(v);
    LLVMTypeRef wide = simd_vec_of(LLVMIntTypeInContext(f->tm->ctx, lane_bits(v) * 2),
                                   LLVMGetVectorSize(vty));
    return is_signed ? LLVMBuildSExt(f->b, v, wide, "") : LLVMBuildZExt(f->b, v, wide, "");
}

/* The low or high half of v, widened. */
static LLVMValueRef extend_half(struct translate_func *f, LLVMValueRef v, bool high, bool is_signed)
{
    unsigned n = LLVMGetVectorSize(LLVMTypeOf(v)) / 2;
    return widen(f, simd_slice(f, v, high ? n : 0, n), is_signed);
}

/* Even and odd lanes of v, summed after widening (extadd_pairwise). */
static LLVMValueRef pairwise(struct translate_func *f, LLVMValueRef v)
{
    unsigned n = LLVMGetVectorSize(LLVMTypeOf(v)) / 2;
    unsigned even[8], odd[8];
    for (unsigned i = 0; i < n; i++) {
        even[i] = 2 * i;
        odd[i] = 2 * i + 1;
    }
    return LLVMBuildAdd(f->b, simd_shuffle(f, v, NULL, even, n), simd_shuffle(f, v, NULL, odd, n), "");
}

static LLVMValueRef shift(struct translate_func *f, enum wasm_op op, LLVMValueRef a, LLVMValueRef count)
{
    enum simd_shape s = simd_shape_of(op);
    a = simd_as(f, a, s);
    unsigned bits = lane_bits(a);
    LLVMTypeRef lane = LLVMGetElementType(LLVMTypeOf(a));
    count = LLVMBuildAnd(f->b, count, LLVMConstInt(f->tm->t_i32, bits - 1, 0), "");
    if (bits < 32)
        count = LLVMBuildTrunc(f->b, count, lane, "");
    else if (bits > 32)
        count = LLVMBuildZExt(f->b, count, lane, "");
    LLVMValueRef c = simd_splat(f, count, simd_lanes(s));
    const char *name = wasm_opinfo[op].text + 6;
    if (name[2] == 'l') /* shl */
        return LLVMBuildShl(f->b, a, c, "");
    if (name[4] == 's')
        return LLVMBuildAShr(f->b, a, c, "");
    return LLVMBuildLShr(f->b, a, c, "");
}

/* Narrowing of two vectors of 2N-bit lanes to one of N-bit lanes with saturation. */
static LLVMValueRef narrow(struct translate_func *f, enum wasm_op op, LLVMValueRef a, LLVMValueRef b)
{
    enum simd_shape out = simd_shape_of(op);
    enum simd_shape in = out == SIMD_I8X16 ? SIMD_I16X8 : SIMD_I32X4;
    unsigned n = simd_lanes(in), bits = out == SIMD_I8X16 ? 8 : 16;
    bool is_signed = op == WASM_OP_I8X16_NARROW_I16X8_S || op == WASM_OP_I16X8_NARROW_I32X4_S;
    unsigned idx[16];
    for (unsigned i = 0; i < 2 * n; i++)
        idx[i] = i;
    LLVMValueRef v = simd_shuffle(f, simd_as(f, a, in), simd_as(f, b, in), idx, 2 * n);
    LLVMTypeRef vty = LLVMTypeOf(v);
    long long lo = is_signed ? -(1ll << (bits - 1)) : 0;
    long long hi = is_signed ? (1ll << (bits - 1)) - 1 : (1ll << bits) - 1;
    v = simd_intrinsic(f, "llvm.smax", v, splat_int(f, vty, (unsigned long long)lo), NULL);
    v = simd_intrinsic(f, "llvm.smin", v, splat_int(f, vty, (unsigned long long)hi), NULL);
    return LLVMBuildTrunc(f->b, v, simd_vec_type(f, out), "");
}

static LLVMValueRef int_arith(struct translate_func *f, enum wasm_op op, LLVMValueRef a, LLVMValueRef b)
{
    LLVMBuilderRef bld = f->b;
    enum simd_shape s = simd_shape_of(op);
    const char *name = wasm_opinfo[op].text + 6;
    if (strncmp(name, "sh", 2) == 0) /* the count is an i32 */
        return shift(f, op, a, b);
    LLVMValueRef x = simd_as(f, a, s), y = b ? simd_as(f, b, s) : NULL;
    if (s == SIMD_I16X8 || s == SIMD_I32X4 || s == SIMD_I64X2) {
        /* Ops that read a narrower shape than they produce. */
        enum simd_shape src = s == SIMD_I16X8 ? SIMD_I8X16 : s == SIMD_I32X4 ? SIMD_I16X8 : SIMD_I32X4;
        LLVMValueRef u = simd_as(f, a, src), w = b ? simd_as(f, b, src) : NULL;
        switch (op) {
        case WASM_OP_I16X8_EXTEND_LOW_I8X16_S: case WASM_OP_I32X4_EXTEND_LOW_I16X8_S:
        case WASM_OP_I64X2_EXTEND_LOW_I32X4_S:
            return extend_half(f, u, false, true);
        case WASM_OP_I16X8_EXTEND_HIGH_I8X16_S: case WASM_OP_I32X4_EXTEND_HIGH_I16X8_S:
        case WASM_OP_I64X2_EXTEND_HIGH_I32X4_S:
            return extend_half(f, u, true, true);
        case WASM_OP_I16X8_EXTEND_LOW_I8X16_U: case WASM_OP_I32X4_EXTEND_LOW_I16X8_U:
        case WASM_OP_I64X2_EXTEND_LOW_I32X4_U:
            return extend_half(f, u, false, false);
        case WASM_OP_I16X8_EXTEND_HIGH_I8X16_U: case WASM_OP_I32X4_EXTEND_HIGH_I16X8_U:
        case WASM_OP_I64X2_EXTEND_HIGH_I32X4_U:
            return extend_half(f, u, true, false);
        case WASM_OP_I16X8_EXTMUL_LOW_I8X16_S: case WASM_OP_I32X4_EXTMUL_LOW_I16X8_S:
        case WASM_OP_I64X2_EXTMUL_LOW_I32X4_S:
            return LLVMBuildMul(bld, extend_half(f, u, false, true), extend_half(f, w, false, true), "");
        case WASM_OP_I16X8_EXTMUL_HIGH_I8X16_S: case WASM_OP_I32X4_EXTMUL_HIGH_I16X8_S:
        case WASM_OP_I64X2_EXTMUL_HIGH_I32X4_S:
            return LLVMBuildMul(bld, extend_half(f, u, true, true), extend_half(f, w, true, true), "");
        case WASM_OP_I16X8_EXTMUL_LOW_I8X16_U: case WASM_OP_I32X4_EXTMUL_LOW_I16X8_U:
        case WASM_OP_I64X2_EXTMUL_LOW_I32X4_U:
            return LLVMBuildMul(bld, extend_half(f, u, false, false), extend_half(f, w, false, false), "");
        case WASM_OP_I16X8_EXTMUL_HIGH_I8X16_U: case WASM_OP_I32X4_EXTMUL_HIGH_I16X8_U:
        case WASM_OP_I64X2_EXTMUL_HIGH_I32X4_U:
            return LLVMBuildMul(bld, extend_half(f, u, true, false), extend_half(f, w, true, false), "");
        case WASM_OP_I16X8_EXTADD_PAIRWISE_I8X16_S: case WASM_OP_I32X4_EXTADD_PAIRWISE_I16X8_S:
            return pairwise(f, widen(f, u, true));
        case WASM_OP_I16X8_EXTADD_PAIRWISE_I8X16_U: case WASM_OP_I32X4_EXTADD_PAIRWISE_I16X8_U:
            return pairwise(f, widen(f, u, false));
        case WASM_OP_I32X4_DOT_I16X8_S:
            return pairwise(f, LLVMBuildMul(bld, widen(f, u, true), widen(f, w, true), ""));
        default:
            break;
        }
    }
    switch (op) {
    case WASM_OP_I8X16_NARROW_I16X8_S: case WASM_OP_I8X16_NARROW_I16X8_U:
    case WASM_OP_I16X8_NARROW_I32X4_S: case WASM_OP_I16X8_NARROW_I32X4_U:
        return narrow(f, op, a, b);
    case WASM_OP_I16X8_Q15MULR_SAT_S: {
        LLVMValueRef p = LLVMBuildMul(bld, widen(f, x, true), widen(f, y, true), "");
        LLVMTypeRef wty = LLVMTypeOf(p);
        p = LLVMBuildAShr(bld, LLVMBuildAdd(bld, p, splat_int(f, wty, 0x4000), ""),
                          splat_int(f, wty, 15), "");
        p = simd_intrinsic(f, "llvm.smin", p, splat_int(f, wty, 0x7fff), NULL);
        return LLVMBuildTrunc(bld, p, LLVMTypeOf(x), "");
    }
    case WASM_OP_I8X16_POPCNT:
        return simd_intrinsic(f, "llvm.ctpop", x, NULL, NULL);
    default:
        break;
    }
    if (strcmp(name, "abs") == 0)
        return simd_intrinsic(f, "llvm.abs", x, LLVMConstInt(LLVMInt1TypeInContext(f->tm->ctx), 0, 0), NULL);
    if (strcmp(name, "neg") == 0)
        return LLVMBuildSub(bld, LLVMConstNull(LLVMTypeOf(x)), x, "");
    if (strcmp(name, "add") == 0)
        return LLVMBuildAdd(bld, x, y, "");
    if (strcmp(name, "sub") == 0)
        return LLVMBuildSub(bld, x, y, "");
    if (strcmp(name, "mul") == 0)
        return LLVMBuildMul(bld, x, y, "");
    static const struct {
        const char *wasm, *llvm;
    } calls[] = {
        {"add_sat_s", "llvm.sadd.sat"}, {"add_sat_u", "llvm.uadd.sat"},
        {"sub_sat_s", "llvm.ssub.sat"}, {"sub_sat_u", "llvm.usub.sat"},
        {"min_s", "llvm.smin"}, {"min_u", "llvm.umin"},
        {"max_s", "llvm.smax"}, {"max_u", "llvm.umax"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        if (strcmp(name, calls[i].wasm) == 0)
            return simd_intrinsic(f, calls[i].llvm, x, y, NULL);
    if (strcmp(name, "avgr_u") == 0) {
        LLVMValueRef sum = LLVMBuildAdd(bld, widen(f, x, false), widen(f, y, false), "");
        LLVMTypeRef wty = LLVMTypeOf(sum);
        sum = LLVMBuildAdd(bld, sum, splat_int(f, wty, 1), "");
        return LLVMBuildTrunc(bld, LLVMBuildLShr(bld, sum, splat_int(f, wty, 1), ""), LLVMTypeOf(x), "");
    }
    return NULL;
}

/* ---- floats ---- */

static LLVMTypeRef bits_type_of(struct translate_func *f, LLVMValueRef v)
{
    LLVMTypeRef vty = LLVMTypeOf(v);
    bool f32 = LLVMGetTypeKind(LLVMGetElementType(vty)) == LLVMFloatTypeKind;
    return simd_vec_of(f32 ? f->tm->t_i32 : f->tm->t_i64, LLVMGetVectorSize(vty));
}

static bool is_f32_vec(LLVMValueRef v)
{
    return LLVMGetTypeKind(LLVMGetElementType(LLVMTypeOf(v))) == LLVMFloatTypeKind;
}

/* r with every NaN lane made quiet. */
static LLVMValueRef quiet(struct translate_func *f, LLVMValueRef r)
{
    LLVMBuilderRef bld = f->b;
    LLVMTypeRef ity = bits_type_of(f, r);
    LLVMValueRef q = splat_int(f, ity, is_f32_vec(r) ? 0x00400000ull : 0x0008000000000000ull);
    LLVMValueRef quieted = LLVMBuildBitCast(bld, LLVMBuildOr(bld, LLVMBuildBitCast(bld, r, ity, ""), q, ""),
                                            LLVMTypeOf(r), "");
    return LLVMBuildSelect(bld, LLVMBuildFCmp(bld, LLVMRealUNO, r, r, ""), quieted, r, "");
}

/* Lane-wise Wasm min/max, as float_min_max in translate_numeric.c. */
static LLVMValueRef min_max(struct translate_func *f, LLVMValueRef a, LLVMValueRef b, bool is_max)
{
    LLVMBuilderRef bld = f->b;
    LLVMTypeRef fty = LLVMTypeOf(a), ity = bits_type_of(f, a);
    LLVMValueRef ai = LLVMBuildBitCast(bld, a, ity, ""), bi = LLVMBuildBitCast(bld, b, ity, "");
    LLVMValueRef merged = is_max ? LLVMBuildAnd(bld, ai, bi, "") : LLVMBuildOr(bld, ai, bi, "");
    LLVMValueRef canon = LLVMBuildBitCast(
        bld, splat_int(f, ity, is_f32_vec(a) ? 0x7fc00000ull : 0x7ff8000000000000ull), fty, "");
    LLVMValueRef pick_a = LLVMBuildFCmp(bld, is_max ? LLVMRealOGT : LLVMRealOLT, a, b, "");
    LLVMValueRef equal = LLVMBuildFCmp(bld, LLVMRealOEQ, a, b, "");
    LLVMValueRef nan = LLVMBuildFCmp(bld, LLVMRealUNO, a, b, "");
    LLVMValueRef r = LLVMBuildSelect(bld, pick_a, a, b, "");
    r = LLVMBuildSelect(bld, equal, LLVMBuildBitCast(bld, merged, fty, ""), r, "");
    return LLVMBuildSelect(bld, nan, canon, r, "");
}

static LLVMValueRef float_arith(struct translate_func *f, enum wasm_op op, LLVMValueRef a, LLVMValueRef b)
{
    LLVMBuilderRef bld = f->b;
    enum simd_shape s = simd_shape_of(op);
    LLVMValueRef x = simd_as(f, a, s), y = b ? simd_as(f, b, s) : NULL;
    const char *name = wasm_opinfo[op].text + 6;
    if (strcmp(name, "abs") == 0)
        return simd_intrinsic(f, "llvm.fabs", x, NULL, NULL);
    if (strcmp(name, "neg") == 0)
        return LLVMBuildFNeg(bld, x, "");
    if (strcmp(name, "pmin") == 0) /* b < a ? b : a */
        return LLVMBuildSelect(bld, LLVMBuildFCmp(bld, LLVMRealOLT, y, x, ""), y, x, "");
    if (strcmp(name, "pmax") == 0) /* a < b ? b : a */
        return LLVMBuildSelect(bld, LLVMBuildFCmp(bld, LLVMRealOLT, x, y, ""), y, x, "");
    if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0)
        return min_max(f, x, y, name[1] == 'a');
    LLVMValueRef r;
    if (strcmp(name, "add") == 0)
        r = LLVMBuildFAdd(bld, x, y, "");
    else if (strcmp(name, "sub") == 0)
        r = LLVMBuildFSub(bld, x, y, "");
    else if (strcmp(name, "mul") == 0)
        r = LLVMBuildFMul(bld, x, y, "");
    else if (strcmp(name, "div") == 0)
        r = LLVMBuildFDiv(bld, x, y, "");
    else if (strcmp(name, "sqrt") == 0)
        r = simd_intrinsic(f, "llvm.sqrt", x, NULL, NULL);
    else if (strcmp(name, "ceil") == 0)
        r = simd_intrinsic(f, "llvm.ceil", x, NULL, NULL);
    else if (strcmp(name, "floor") == 0)
        r = simd_intrinsic(f, "llvm.floor", x, NULL, NULL);
    else if (strcmp(name, "trunc") == 0)
        r = simd_intrinsic(f, "llvm.trunc", x, NULL, NULL);
    else if (strcmp(name, "nearest") == 0)
        r = simd_intrinsic(f, "llvm.roundeven", x, NULL, NULL);
    else
        return NULL;
    if (LLVMIsConstant(x) || (y && LLVMIsConstant(y)))
        r = quiet(f, r);
    return r;
}

static LLVMValueRef convert(struct translate_func *f, enum wasm_op op, LLVMValueRef a)
{
    LLVMBuilderRef bld = f->b;
    LLVMTypeRef v4i32 = simd_vec_type(f, SIMD_I32X4), v2i32 = simd_vec_of(f->tm->t_i32, 2);
    static const unsigned lo4[4] = {0, 1, 2, 3};
    switch (op) {
    case WASM_OP_I32X4_TRUNC_SAT_F32X4_S:
        return simd_intrinsic2(f, "llvm.fptosi.sat", v4i32, simd_as(f, a, SIMD_F32X4));
    case WASM_OP_I32X4_TRUNC_SAT_F32X4_U:
        return simd_intrinsic2(f, "llvm.fptoui.sat", v4i32, simd_as(f, a, SIMD_F32X4));
    case WASM_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO:
    case WASM_OP_I32X4_TRUNC_SAT_F64X2_U_ZERO: {
        const char *name = op == WASM_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO ? "llvm.fptosi.sat" : "llvm.fptoui.sat";
        LLVMValueRef r = simd_intrinsic2(f, name, v2i32, simd_as(f, a, SIMD_F64X2));
        return simd_shuffle(f, r, LLVMConstNull(v2i32), lo4, 4);
    }
    case WASM_OP_F32X4_CONVERT_I32X4_S:
        return LLVMBuildSIToFP(bld, simd_as(f, a, SIMD_I32X4), simd_vec_type(f, SIMD_F32X4), "");
    case WASM_OP_F32X4_CONVERT_I32X4_U:
        return LLVMBuildUIToFP(bld, simd_as(f, a, SIMD_I32X4), simd_vec_type(f, SIMD_F32X4), "");
    case WASM_OP_F64X2_CONVERT_LOW_I32X4_S:
        return LLVMBuildSIToFP(bld, simd_slice(f, simd_as(f, a, SIMD_I32X4), 0, 2),
                               simd_vec_type(f, SIMD_F64X2), "");
    case WASM_OP_F64X2_CONVERT_LOW_I32X4_U:
        return LLVMBuildUIToFP(bld, simd_slice(f, simd_as(f, a, SIMD_I32X4), 0, 2),
                               simd_vec_type(f, SIMD_F64X2), "");
    case WASM_OP_F32X4_DEMOTE_F64X2_ZERO: {
        LLVMTypeRef v2f32 = simd_vec_of(LLVMFloatTypeInContext(f->tm->ctx), 2);
        LLVMValueRef r = quiet(f, LLVMBuildFPTrunc(bld, simd_as(f, a, SIMD_F64X2), v2f32, ""));
        return simd_shuffle(f, r, LLVMConstNull(v2f32), lo4, 4);
    }
    case WASM_OP_F64X2_PROMOTE_LOW_F32X4:
        return quiet(f, LLVMBuildFPExt(bld, simd_slice(f, simd_as(f, a, SIMD_F32X4), 0, 2),
                                       simd_vec_type(f, SIMD_F64X2), ""));
    default:
        return NULL;
    }
}

LLVMValueRef translate_simd_arith(struct translate_func *f, enum wasm_op op, LLVMValueRef a,
                                  LLVMValueRef b)
{
    LLVMValueRef r = convert(f, op, a);
    if (r)
        return r;
    enum simd_shape s = simd_shape_of(op);
    if (s == SIMD_F32X4 || s == SIMD_F64X2)
        return float_arith(f, op, a, b);
    return int_arith(f, op, a, b);
}
