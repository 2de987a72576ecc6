/*
 * Numeric instructions to LLVM IR with Wasm's exact semantics: integer arithmetic with
 * division traps, masked shift counts, float arithmetic with Wasm's NaN and signed-zero
 * rules, and the conversions (trapping, saturating, reinterpreting).
 *
 * Two LLVM 16 facts shape the code:
 *   - the x86 backend cannot select llvm.minimum/llvm.maximum, so min/max are built from
 *     compares and selects;
 *   - LLVM treats signaling NaNs as quiet ones, so it folds "x * 1.0", "x - 0.0", "x / -1.0",
 *     "demote(promote(x))", "fadd x, sNaN" and the like to x, -x or the signaling NaN,
 *     while Wasm requires an arithmetic (quiet) NaN from arithmetic on a signaling NaN.
 *     Constant signaling NaN operands are therefore quieted before use, and the results
 *     of the foldable forms get an explicit quieting select (a no-op when nothing was
 *     folded, since the hardware already returns quiet NaNs).
 */
#include <string.h>

#include "translate_numeric.h"

/* ---- small builders ---- */

static LLVMTypeRef type_of(struct numeric_env *env, uint8_t opty)
{
    switch (opty) {
    case OPTY_I32: return LLVMInt32TypeInContext(env->ctx);
    case OPTY_I64: return LLVMInt64TypeInContext(env->ctx);
    case OPTY_F32: return LLVMFloatTypeInContext(env->ctx);
    case OPTY_F64: return LLVMDoubleTypeInContext(env->ctx);
    default: return NULL;
    }
}

static unsigned int_width(LLVMValueRef v)
{
    return LLVMGetIntTypeWidth(LLVMTypeOf(v));
}

static bool is_f32(LLVMValueRef v)
{
    return LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMFloatTypeKind;
}

/* The integer type as wide as the float v. */
static LLVMTypeRef bits_type(struct numeric_env *env, LLVMValueRef v)
{
    return is_f32(v) ? LLVMInt32TypeInContext(env->ctx) : LLVMInt64TypeInContext(env->ctx);
}

static LLVMValueRef call_intrinsic(struct numeric_env *env, const char *name,
                                   LLVMTypeRef *tys, unsigned ntys,
                                   LLVMValueRef *args, unsigned nargs)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(env->mod, id, tys, ntys);
    LLVMTypeRef fty = LLVMIntrinsicGetType(env->ctx, id, tys, ntys);
    return LLVMBuildCall2(env->b, fty, fn, args, nargs, "");
}

/* Calls an intrinsic overloaded on the type of its operands (ctpop, fabs, copysign, ...). */
static LLVMValueRef call_same(struct numeric_env *env, const char *name, LLVMValueRef a,
                              LLVMValueRef b)
{
    LLVMTypeRef ty = LLVMTypeOf(a);
    LLVMValueRef args[2] = {a, b};
    return call_intrinsic(env, name, &ty, 1, args, b ? 2 : 1);
}

static LLVMValueRef bool_to_i32(struct numeric_env *env, LLVMValueRef cond)
{
    return LLVMBuildZExt(env->b, cond, LLVMInt32TypeInContext(env->ctx), "");
}

static LLVMValueRef const_int(LLVMValueRef like, unsigned long long v)
{
    return LLVMConstInt(LLVMTypeOf(like), v, 0);
}

/* Traps when cond holds; emits nothing when the builder already folded cond to false
 * (a division by a non-zero constant, a conversion of an in-range constant). */
static void trap_if(struct numeric_env *env, LLVMValueRef cond, enum waot_trap kind)
{
    if (LLVMIsAConstantInt(cond) && LLVMConstIntGetZExtValue(cond) == 0)
        return;
    env->trap_if(env, cond, kind);
}

/* ---- integers ---- */

static LLVMValueRef int_compare(struct numeric_env *env, LLVMIntPredicate pred,
                                LLVMValueRef a, LLVMValueRef b)
{
    return bool_to_i32(env, LLVMBuildICmp(env->b, pred, a, b, ""));
}

static LLVMValueRef int_count(struct numeric_env *env, const char *name, LLVMValueRef a)
{
    /* is_zero_poison = false: clz(0) and ctz(0) are the bit width. */
    LLVMValueRef no_poison = LLVMConstInt(LLVMInt1TypeInContext(env->ctx), 0, 0);
    return call_same(env, name, a, no_poison);
}

static void trap_if_zero(struct numeric_env *env, LLVMValueRef divisor)
{
    LLVMValueRef zero = LLVMBuildICmp(env->b, LLVMIntEQ, divisor, const_int(divisor, 0), "");
    trap_if(env, zero, WAOT_TRAP_INT_DIV_ZERO);
}

static LLVMValueRef int_div_s(struct numeric_env *env, LLVMValueRef a, LLVMValueRef b)
{
    unsigned w = int_width(a);
    LLVMValueRef is_min, is_minus1;

    trap_if_zero(env, b);
    is_minus1 = LLVMBuildICmp(env->b, LLVMIntEQ, b, LLVMConstAllOnes(LLVMTypeOf(b)), "");
    if (!LLVMIsAConstantInt(is_minus1) || LLVMConstIntGetZExtValue(is_minus1) != 0) {
        is_min = LLVMBuildICmp(env->b, LLVMIntEQ, a, const_int(a, 1ull << (w - 1)), "");
        trap_if(env, LLVMBuildAnd(env->b, is_min, is_minus1, ""), WAOT_TRAP_INT_OVERFLOW);
    }
    return LLVMBuildSDiv(env->b, a, b, "");
}

static LLVMValueRef int_rem_s(struct numeric_env *env, LLVMValueRef a, LLVMValueRef b)
{
    LLVMValueRef is_minus1, divisor;

    trap_if_zero(env, b);
    /* INT_MIN % -1 is 0 in Wasm but undefined in LLVM (and faults on x86); x % -1 and
     * x % 1 are both 0, so divide by 1 instead of -1. */
    is_minus1 = LLVMBuildICmp(env->b, LLVMIntEQ, b, LLVMConstAllOnes(LLVMTypeOf(b)), "");
    divisor = LLVMBuildSelect(env->b, is_minus1, const_int(b, 1), b, "");
    return LLVMBuildSRem(env->b, a, divisor, "");
}

/* Wasm shift counts are taken modulo the bit width; LLVM's are poison past it. */
static LLVMValueRef shift_count(struct numeric_env *env, LLVMValueRef b)
{
    return LLVMBuildAnd(env->b, b, const_int(b, int_width(b) - 1), "");
}

/* Sign-extends the low `bits` bits of a to a's width. */
static LLVMValueRef sign_extend_low(struct numeric_env *env, LLVMValueRef a, unsigned bits)
{
    LLVMValueRef low = LLVMBuildTrunc(env->b, a, LLVMIntTypeInContext(env->ctx, bits), "");
    return LLVMBuildSExt(env->b, low, LLVMTypeOf(a), "");
}

static LLVMValueRef emit_int(struct numeric_env *env, enum wasm_op op, LLVMValueRef a,
                             LLVMValueRef b)
{
    LLVMBuilderRef bld = env->b;

    switch (op) {
    case WASM_OP_I32_EQZ: case WASM_OP_I64_EQZ:
        return int_compare(env, LLVMIntEQ, a, const_int(a, 0));
    case WASM_OP_I32_EQ: case WASM_OP_I64_EQ: return int_compare(env, LLVMIntEQ, a, b);
    case WASM_OP_I32_NE: case WASM_OP_I64_NE: return int_compare(env, LLVMIntNE, a, b);
    case WASM_OP_I32_LT_S: case WASM_OP_I64_LT_S: return int_compare(env, LLVMIntSLT, a, b);
    case WASM_OP_I32_LT_U: case WASM_OP_I64_LT_U: return int_compare(env, LLVMIntULT, a, b);
    case WASM_OP_I32_GT_S: case WASM_OP_I64_GT_S: return int_compare(env, LLVMIntSGT, a, b);
    case WASM_OP_I32_GT_U: case WASM_OP_I64_GT_U: return int_compare(env, LLVMIntUGT, a, b);
    case WASM_OP_I32_LE_S: case WASM_OP_I64_LE_S: return int_compare(env, LLVMIntSLE, a, b);
    case WASM_OP_I32_LE_U: case WASM_OP_I64_LE_U: return int_compare(env, LLVMIntULE, a, b);
    case WASM_OP_I32_GE_S: case WASM_OP_I64_GE_S: return int_compare(env, LLVMIntSGE, a, b);
    case WASM_OP_I32_GE_U: case WASM_OP_I64_GE_U: return int_compare(env, LLVMIntUGE, a, b);
    case WASM_OP_I32_CLZ: case WASM_OP_I64_CLZ: return int_count(env, "llvm.ctlz", a);
    case WASM_OP_I32_CTZ: case WASM_OP_I64_CTZ: return int_count(env, "llvm.cttz", a);
    case WASM_OP_I32_POPCNT: case WASM_OP_I64_POPCNT: return call_same(env, "llvm.ctpop", a, NULL);
    case WASM_OP_I32_ADD: case WASM_OP_I64_ADD: return LLVMBuildAdd(bld, a, b, "");
    case WASM_OP_I32_SUB: case WASM_OP_I64_SUB: return LLVMBuildSub(bld, a, b, "");
    case WASM_OP_I32_MUL: case WASM_OP_I64_MUL: return LLVMBuildMul(bld, a, b, "");
    case WASM_OP_I32_DIV_S: case WASM_OP_I64_DIV_S: return int_div_s(env, a, b);
    case WASM_OP_I32_DIV_U: case WASM_OP_I64_DIV_U:
        trap_if_zero(env, b);
        return LLVMBuildUDiv(bld, a, b, "");
    case WASM_OP_I32_REM_S: case WASM_OP_I64_REM_S: return int_rem_s(env, a, b);
    case WASM_OP_I32_REM_U: case WASM_OP_I64_REM_U:
        trap_if_zero(env, b);
        return LLVMBuildURem(bld, a, b, "");
    case WASM_OP_I32_AND: case WASM_OP_I64_AND: return LLVMBuildAnd(bld, a, b, "");
    case WASM_OP_I32_OR: case WASM_OP_I64_OR: return LLVMBuildOr(bld, a, b, "");
    case WASM_OP_I32_XOR: case WASM_OP_I64_XOR: return LLVMBuildXor(bld, a, b, "");
    case WASM_OP_I32_SHL: case WASM_OP_I64_SHL:
        return LLVMBuildShl(bld, a, shift_count(env, b), "");
    case WASM_OP_I32_SHR_S: case WASM_OP_I64_SHR_S:
        return LLVMBuildAShr(bld, a, shift_count(env, b), "");
    case WASM_OP_I32_SHR_U: case WASM_OP_I64_SHR_U:
        return LLVMBuildLShr(bld, a, shift_count(env, b), "");
    case WASM_OP_I32_ROTL: case WASM_OP_I64_ROTL: {
        /* Funnel shifts take the count modulo the width themselves. */
        LLVMTypeRef ty = LLVMTypeOf(a);
        LLVMValueRef args[3] = {a, a, b};
        return call_intrinsic(env, "llvm.fshl", &ty, 1, args, 3);
    }
    case WASM_OP_I32_ROTR: case WASM_OP_I64_ROTR: {
        LLVMTypeRef ty = LLVMTypeOf(a);
        LLVMValueRef args[3] = {a, a, b};
        return call_intrinsic(env, "llvm.fshr", &ty, 1, args, 3);
    }
    case WASM_OP_I32_WRAP_I64:
        return LLVMBuildTrunc(bld, a, LLVMInt32TypeInContext(env->ctx), "");
    case WASM_OP_I64_EXTEND_I32_S:
        return LLVMBuildSExt(bld, a, LLVMInt64TypeInContext(env->ctx), "");
    case WASM_OP_I64_EXTEND_I32_U:
        return LLVMBuildZExt(bld, a, LLVMInt64TypeInContext(env->ctx), "");
    case WASM_OP_I32_EXTEND8_S: case WASM_OP_I64_EXTEND8_S: return sign_extend_low(env, a, 8);
    case WASM_OP_I32_EXTEND16_S: case WASM_OP_I64_EXTEND16_S: return sign_extend_low(env, a, 16);
    case WASM_OP_I64_EXTEND32_S: return sign_extend_low(env, a, 32);
    default:
        return NULL;
    }
}

/* ---- floats ---- */

/* A constant signaling NaN operand is replaced by its quiet twin (see the file comment);
 * anything else is returned unchanged. */
static LLVMValueRef quiet_const(struct numeric_env *env, LLVMValueRef v)
{
    LLVMTypeRef ity;
    LLVMValueRef bits;
    unsigned long long x, exp_mask, quiet, mant_mask;

    if (!v || !LLVMIsAConstantFP(v))
        return v;
    ity = bits_type(env, v);
    bits = LLVMConstBitCast(v, ity);
    if (!LLVMIsAConstantInt(bits))
        return v;
    x = LLVMConstIntGetZExtValue(bits);
    if (is_f32(v)) {
        exp_mask = 0x7f800000ull;
        quiet = 0x00400000ull;
    } else {
        exp_mask = 0x7ff0000000000000ull;
        quiet = 0x0008000000000000ull;
    }
    mant_mask = quiet * 2 - 1;
    if ((x & exp_mask) != exp_mask || (x & mant_mask) == 0 || (x & quiet) != 0)
        return v;
    return LLVMConstBitCast(LLVMConstInt(ity, x | quiet, 0), LLVMTypeOf(v));
}

/* True for a constant operand that lets LLVM fold an arithmetic op to (minus) the other
 * operand: +-0 for add and sub, +-1 for mul and div. */
static bool is_identity_const(LLVMValueRef v)
{
    LLVMBool loses = 0;
    double d;

    if (!LLVMIsAConstantFP(v))
        return false;
    d = LLVMConstRealGetDouble(v, &loses);
    return d == 0.0 || d == 1.0 || d == -1.0;
}

/* r with a NaN made quiet: select(r != r, bits(r) | quiet bit, r). */
static LLVMValueRef quiet_nan(struct numeric_env *env, LLVMValueRef r)
{
    LLVMBuilderRef bld = env->b;
    LLVMTypeRef ity = bits_type(env, r);
    LLVMValueRef bits = LLVMBuildBitCast(bld, r, ity, "");
    LLVMValueRef quiet = LLVMConstInt(ity, is_f32(r) ? 0x00400000ull : 0x0008000000000000ull, 0);
    LLVMValueRef quieted =
        LLVMBuildBitCast(bld, LLVMBuildOr(bld, bits, quiet, ""), LLVMTypeOf(r), "");
    LLVMValueRef nan = LLVMBuildFCmp(bld, LLVMRealUNO, r, r, "");
    return LLVMBuildSelect(bld, nan, quieted, r, "");
}

/* fadd/fsub/fmul/fdiv, guarded against identity folds (see the file comment). */
static LLVMValueRef float_arith(struct numeric_env *env, LLVMOpcode opc, LLVMValueRef a,
                                LLVMValueRef b)
{
    LLVMValueRef r = LLVMBuildBinOp(env->b, opc, a, b, "");
    if (is_identity_const(a) || is_identity_const(b))
        r = quiet_nan(env, r);
    return r;
}

static LLVMValueRef float_compare(struct numeric_env *env, LLVMRealPredicate pred,
                                  LLVMValueRef a, LLVMValueRef b)
{
    return bool_to_i32(env, LLVMBuildFCmp(env->b, pred, a, b, ""));
}

/*
 * Wasm min/max: a NaN operand gives a NaN (here the canonical one, which is always an
 * allowed result), and -0 < +0. When a == b the operands are equal values that may
 * differ only in the sign of zero, so OR-ing their bits picks -0 for min and AND-ing
 * picks +0 for max.
 */
static LLVMValueRef float_min_max(struct numeric_env *env, LLVMValueRef a, LLVMValueRef b,
                                  bool is_max)
{
    LLVMBuilderRef bld = env->b;
    LLVMTypeRef fty = LLVMTypeOf(a), ity = bits_type(env, a);
    LLVMValueRef ai = LLVMBuildBitCast(bld, a, ity, "");
    LLVMValueRef bi = LLVMBuildBitCast(bld, b, ity, "");
    LLVMValueRef merged = is_max ? LLVMBuildAnd(bld, ai, bi, "") : LLVMBuildOr(bld, ai, bi, "");
    LLVMValueRef canon = LLVMConstBitCast(
        LLVMConstInt(ity, is_f32(a) ? 0x7fc00000ull : 0x7ff8000000000000ull, 0), fty);
    LLVMValueRef pick_a = LLVMBuildFCmp(bld, is_max ? LLVMRealOGT : LLVMRealOLT, a, b, "");
    LLVMValueRef equal = LLVMBuildFCmp(bld, LLVMRealOEQ, a, b, "");
    LLVMValueRef nan = LLVMBuildFCmp(bld, LLVMRealUNO, a, b, "");
    LLVMValueRef r = LLVMBuildSelect(bld, pick_a, a, b, "");

    r = LLVMBuildSelect(bld, equal, LLVMBuildBitCast(bld, merged, fty, ""), r, "");
    return LLVMBuildSelect(bld, nan, canon, r, "");
}

static LLVMValueRef emit_float(struct numeric_env *env, enum wasm_op op, LLVMValueRef a,
                               LLVMValueRef b)
{
    LLVMBuilderRef bld = env->b;

    switch (op) {
    /* Bit operations: exact on NaNs, so operands are used as they are. */
    case WASM_OP_F32_ABS: case WASM_OP_F64_ABS: return call_same(env, "llvm.fabs", a, NULL);
    case WASM_OP_F32_NEG: case WASM_OP_F64_NEG: return LLVMBuildFNeg(bld, a, "");
    case WASM_OP_F32_COPYSIGN: case WASM_OP_F64_COPYSIGN:
        return call_same(env, "llvm.copysign", a, b);
    case WASM_OP_F32_EQ: case WASM_OP_F64_EQ: return float_compare(env, LLVMRealOEQ, a, b);
    case WASM_OP_F32_NE: case WASM_OP_F64_NE: return float_compare(env, LLVMRealUNE, a, b);
    case WASM_OP_F32_LT: case WASM_OP_F64_LT: return float_compare(env, LLVMRealOLT, a, b);
    case WASM_OP_F32_GT: case WASM_OP_F64_GT: return float_compare(env, LLVMRealOGT, a, b);
    case WASM_OP_F32_LE: case WASM_OP_F64_LE: return float_compare(env, LLVMRealOLE, a, b);
    case WASM_OP_F32_GE: case WASM_OP_F64_GE: return float_compare(env, LLVMRealOGE, a, b);
    case WASM_OP_I32_REINTERPRET_F32: case WASM_OP_I64_REINTERPRET_F64:
        return LLVMBuildBitCast(bld, a, bits_type(env, a), "");
    case WASM_OP_F32_REINTERPRET_I32:
        return LLVMBuildBitCast(bld, a, LLVMFloatTypeInContext(env->ctx), "");
    case WASM_OP_F64_REINTERPRET_I64:
        return LLVMBuildBitCast(bld, a, LLVMDoubleTypeInContext(env->ctx), "");
    default:
        break;
    }

    /* Arithmetic: a NaN result must be arithmetic (quiet). */
    a = quiet_const(env, a);
    b = quiet_const(env, b);
    switch (op) {
    case WASM_OP_F32_CEIL: case WASM_OP_F64_CEIL: return call_same(env, "llvm.ceil", a, NULL);
    case WASM_OP_F32_FLOOR: case WASM_OP_F64_FLOOR: return call_same(env, "llvm.floor", a, NULL);
    case WASM_OP_F32_TRUNC: case WASM_OP_F64_TRUNC: return call_same(env, "llvm.trunc", a, NULL);
    case WASM_OP_F32_NEAREST: case WASM_OP_F64_NEAREST:
        return call_same(env, "llvm.roundeven", a, NULL);
    case WASM_OP_F32_SQRT: case WASM_OP_F64_SQRT: return call_same(env, "llvm.sqrt", a, NULL);
    case WASM_OP_F32_ADD: case WASM_OP_F64_ADD: return float_arith(env, LLVMFAdd, a, b);
    case WASM_OP_F32_SUB: case WASM_OP_F64_SUB: return float_arith(env, LLVMFSub, a, b);
    case WASM_OP_F32_MUL: case WASM_OP_F64_MUL: return float_arith(env, LLVMFMul, a, b);
    case WASM_OP_F32_DIV: case WASM_OP_F64_DIV: return float_arith(env, LLVMFDiv, a, b);
    case WASM_OP_F32_MIN: case WASM_OP_F64_MIN: return float_min_max(env, a, b, false);
    case WASM_OP_F32_MAX: case WASM_OP_F64_MAX: return float_min_max(env, a, b, true);
    case WASM_OP_F32_DEMOTE_F64:
        /* demote(promote(x)) folds to x, so the result is quieted explicitly. */
        return quiet_nan(env, LLVMBuildFPTrunc(bld, a, LLVMFloatTypeInContext(env->ctx), ""));
    case WASM_OP_F64_PROMOTE_F32:
        return LLVMBuildFPExt(bld, a, LLVMDoubleTypeInContext(env->ctx), "");
    default:
        return NULL;
    }
}

/* ---- conversions between integers and floats ---- */

/*
 * Trapping float -> int truncation. NaN traps as an invalid conversion; otherwise x is
 * in range iff lo < x < hi, with bounds exact in the float type: hi = 2^N (unsigned) or
 * 2^(N-1) (signed); lo = -1 (unsigned) or -2^(N-1) - 1 (signed) when the float type
 * represents it (f64 -> i32). Otherwise no float lies strictly between -2^(N-1) - 1 and
 * -2^(N-1), so the test is x >= -2^(N-1) (e.g. i32.trunc_f32_s accepts -2147483648.0f
 * and rejects the next float down, -2147483904.0f).
 */
static LLVMValueRef float_to_int_trap(struct numeric_env *env, LLVMValueRef x,
                                      LLVMTypeRef ity, bool is_signed)
{
    LLVMBuilderRef bld = env->b;
    LLVMTypeRef fty = LLVMTypeOf(x);
    unsigned n = LLVMGetIntTypeWidth(ity);
    unsigned digits = is_f32(x) ? 24 : 53;
    double two_n1 = (double)(1ull << (n - 1)); /* 2^(N-1), exact */
    LLVMValueRef nan, below, above;

    nan = LLVMBuildFCmp(bld, LLVMRealUNO, x, x, "");
    trap_if(env, nan, WAOT_TRAP_INVALID_CONVERSION);
    if (!is_signed) {
        below = LLVMBuildFCmp(bld, LLVMRealULE, x, LLVMConstReal(fty, -1.0), "");
        above = LLVMBuildFCmp(bld, LLVMRealUGE, x, LLVMConstReal(fty, two_n1 * 2.0), "");
    } else {
        if (n - 1 < digits) /* -2^(N-1) - 1 is exact */
            below = LLVMBuildFCmp(bld, LLVMRealULE, x, LLVMConstReal(fty, -two_n1 - 1.0), "");
        else
            below = LLVMBuildFCmp(bld, LLVMRealULT, x, LLVMConstReal(fty, -two_n1), "");
        above = LLVMBuildFCmp(bld, LLVMRealUGE, x, LLVMConstReal(fty, two_n1), "");
    }
    trap_if(env, LLVMBuildOr(bld, below, above, ""), WAOT_TRAP_INT_OVERFLOW);
    return is_signed ? LLVMBuildFPToSI(bld, x, ity, "") : LLVMBuildFPToUI(bld, x, ity, "");
}

/* Saturating truncation: llvm.fpto[su]i.sat has exactly Wasm's semantics (NaN -> 0). */
static LLVMValueRef float_to_int_sat(struct numeric_env *env, LLVMValueRef x,
                                     LLVMTypeRef ity, bool is_signed)
{
    LLVMTypeRef tys[2] = {ity, LLVMTypeOf(x)};
    return call_intrinsic(env, is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat", tys, 2, &x, 1);
}

static LLVMValueRef emit_convert(struct numeric_env *env, enum wasm_op op, LLVMValueRef a)
{
    const struct wasm_opinfo *info = &wasm_opinfo[op];
    LLVMTypeRef rty = type_of(env, info->r);

    switch (op) {
    case WASM_OP_I32_TRUNC_F32_S: case WASM_OP_I32_TRUNC_F64_S:
    case WASM_OP_I64_TRUNC_F32_S: case WASM_OP_I64_TRUNC_F64_S:
        return float_to_int_trap(env, a, rty, true);
    case WASM_OP_I32_TRUNC_F32_U: case WASM_OP_I32_TRUNC_F64_U:
    case WASM_OP_I64_TRUNC_F32_U: case WASM_OP_I64_TRUNC_F64_U:
        return float_to_int_trap(env, a, rty, false);
    case WASM_OP_I32_TRUNC_SAT_F32_S: case WASM_OP_I32_TRUNC_SAT_F64_S:
    case WASM_OP_I64_TRUNC_SAT_F32_S: case WASM_OP_I64_TRUNC_SAT_F64_S:
        return float_to_int_sat(env, a, rty, true);
    case WASM_OP_I32_TRUNC_SAT_F32_U: case WASM_OP_I32_TRUNC_SAT_F64_U:
    case WASM_OP_I64_TRUNC_SAT_F32_U: case WASM_OP_I64_TRUNC_SAT_F64_U:
        return float_to_int_sat(env, a, rty, false);
    /* LLVM's sitofp/uitofp round to nearest-even, as Wasm requires, for every width. */
    case WASM_OP_F32_CONVERT_I32_S: case WASM_OP_F32_CONVERT_I64_S:
    case WASM_OP_F64_CONVERT_I32_S: case WASM_OP_F64_CONVERT_I64_S:
        return LLVMBuildSIToFP(env->b, a, rty, "");
    case WASM_OP_F32_CONVERT_I32_U: case WASM_OP_F32_CONVERT_I64_U:
    case WASM_OP_F64_CONVERT_I32_U: case WASM_OP_F64_CONVERT_I64_U:
        return LLVMBuildUIToFP(env->b, a, rty, "");
    default:
        return NULL;
    }
}

/* ---- entry points ---- */

bool numeric_handles(enum wasm_op op)
{
    if ((unsigned)op >= WASM_OP_COUNT)
        return false;
    return wasm_opinfo[op].a != OPTY_NONE && wasm_opinfo[op].imm != IMM_MEMARG &&
           wasm_opinfo[op].prefix != WASM_PREFIX_SIMD; /* v128 ops: translate_simd.c */
}

LLVMValueRef numeric_emit(struct numeric_env *env, enum wasm_op op, LLVMValueRef a, LLVMValueRef b)
{
    LLVMValueRef r;

    if (!numeric_handles(op) || !a || (wasm_opinfo[op].b != OPTY_NONE && !b))
        return NULL;
    /* Each family returns NULL, having emitted nothing, for ops outside it. */
    r = emit_int(env, op, a, b);
    if (!r)
        r = emit_float(env, op, a, b);
    if (!r)
        r = emit_convert(env, op, a);
    return r;
}
