/*
 * Tests numeric_emit by JIT-compiling (MCJIT) one small LLVM function per case and running
 * it in-process.
 *
 * Every case is compiled in up to four forms: operands as function arguments (so machine
 * code computes the result), both operands constant (so constant folding computes it) and,
 * for binary ops, only b or only a constant (so LLVM's simplifications see one constant);
 * each form at no optimisation and after the O2 pipeline, for MCJIT's baseline CPU and for
 * the host CPU. Functions have the signature  i64 f(i64 a_bits, i64 b_bits, ptr trap_out):
 * operands and results travel as raw bits so NaN payloads survive, and the test's trap_if
 * stores the trap kind to *trap_out and returns. Expected values come from the spec suite
 * (i32/i64/f32/f64/conversions/float_misc/float_exprs.wast).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/ExecutionEngine.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "translate_numeric.h"
#include "check.h"

enum expect { EX_BITS, EX_CANON_NAN, EX_ARITH_NAN, EX_TRAP };

struct tcase {
    enum wasm_op op;
    uint64_t a, b;
    enum expect kind;
    uint64_t want; /* result bits, or the enum waot_trap for EX_TRAP */
    int line;
    int then; /* a unary enum wasm_op applied to the result, or 0 (unreachable) for none */
};

#define T(op, a, b, want) {WASM_OP_##op, (a), (b), EX_BITS, (want), __LINE__, 0}
#define TRAP(op, a, b, k) {WASM_OP_##op, (a), (b), EX_TRAP, WAOT_TRAP_##k, __LINE__, 0}
#define CNAN(op, a, b) {WASM_OP_##op, (a), (b), EX_CANON_NAN, 0, __LINE__, 0}
#define ANAN(op, a, b) {WASM_OP_##op, (a), (b), EX_ARITH_NAN, 0, __LINE__, 0}
#define ANAN2(op, then, a) {WASM_OP_##op, (a), 0, EX_ARITH_NAN, 0, __LINE__, WASM_OP_##then}
#define TRAP2(op, then, a, k) \
    {WASM_OP_##op, (a), 0, EX_TRAP, WAOT_TRAP_##k, __LINE__, WASM_OP_##then}
#define T2(op, then, a, want) {WASM_OP_##op, (a), 0, EX_BITS, (want), __LINE__, WASM_OP_##then}

static uint64_t f32(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

static uint64_t f64(double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    return u;
}

/* Wasm NaN literals: nan:payload, as bits. */
#define F32_NAN(p) (0x7f800000ull | (p))
#define F64_NAN(p) (0x7ff0000000000000ull | (p))
#define F32_CNAN 0x7fc00000ull
#define F64_CNAN 0x7ff8000000000000ull
#define F32_SNAN F32_NAN(0x200000)
#define F64_SNAN F64_NAN(0x4000000000000ull)
#define NEG32 0x80000000ull
#define NEG64 0x8000000000000000ull
#define M32(x) ((uint64_t)(uint32_t)(int32_t)(x)) /* an i32 value as its bits */

/* ---- the cases ---- */

static size_t copy_cases(struct tcase *t, size_t cap, const struct tcase *c, size_t n)
{
    if (n > cap) {
        printf("FAIL: case table full\n");
        failed++;
        return 0;
    }
    memcpy(t, c, n * sizeof *c);
    return n;
}

static size_t int_cases(struct tcase *t, size_t cap)
{
    struct tcase c[] = {
        T(I32_EQZ, 0, 0, 1), T(I32_EQZ, 1, 0, 0), T(I32_EQZ, NEG32, 0, 0),
        T(I64_EQZ, 0, 0, 1), T(I64_EQZ, 1ull << 32, 0, 0),
        T(I32_EQ, 5, 5, 1), T(I32_EQ, 5, 6, 0), T(I32_NE, 5, 6, 1), T(I32_NE, 0, 0, 0),
        T(I32_LT_S, M32(-1), 1, 1), T(I32_LT_U, M32(-1), 1, 0),
        T(I32_GT_S, M32(-1), 1, 0), T(I32_GT_U, M32(-1), 1, 1),
        T(I32_LE_S, NEG32, 0x7fffffff, 1), T(I32_LE_U, NEG32, 0x7fffffff, 0),
        T(I32_GE_S, 7, 7, 1), T(I32_GE_U, 0, 1, 0),
        T(I64_EQ, ~0ull, ~0ull, 1), T(I64_NE, ~0ull, 0xffffffffull, 1),
        T(I64_LT_S, NEG64, 0, 1), T(I64_LT_U, NEG64, 0, 0),
        T(I64_GT_S, 0, NEG64, 1), T(I64_GT_U, 0, NEG64, 0),
        T(I64_LE_S, ~0ull, ~0ull, 1), T(I64_LE_U, 1, 0, 0),
        T(I64_GE_S, 0, ~0ull, 1), T(I64_GE_U, 0, ~0ull, 0),
        /* bit counts */
        T(I32_CLZ, 0, 0, 32), T(I32_CLZ, 1, 0, 31), T(I32_CLZ, NEG32, 0, 0),
        T(I32_CLZ, 0x00008000, 0, 16), T(I64_CLZ, 0, 0, 64), T(I64_CLZ, 1, 0, 63),
        T(I64_CLZ, NEG64, 0, 0),
        T(I32_CTZ, 0, 0, 32), T(I32_CTZ, NEG32, 0, 31), T(I32_CTZ, 0x00010000, 0, 16),
        T(I32_CTZ, 0xffffffff, 0, 0), T(I64_CTZ, 0, 0, 64), T(I64_CTZ, NEG64, 0, 63),
        T(I64_CTZ, 0x0000000100000000ull, 0, 32),
        T(I32_POPCNT, 0, 0, 0), T(I32_POPCNT, 0xffffffff, 0, 32),
        T(I32_POPCNT, 0x55555555, 0, 16), T(I64_POPCNT, ~0ull, 0, 64),
        T(I64_POPCNT, 0xdeadbeefdeadbeefull, 0, 48),
        /* arithmetic wraps */
        T(I32_ADD, 0x7fffffff, 1, NEG32), T(I32_ADD, NEG32, NEG32, 0),
        T(I32_SUB, NEG32, 1, 0x7fffffff), T(I32_SUB, 0, 1, 0xffffffff),
        T(I32_MUL, 0x10000000, 0x1000, 0), T(I32_MUL, 0x01234567, 0x76543210, 0x358e7470),
        T(I32_MUL, NEG32, M32(-1), NEG32),
        T(I64_ADD, 0x7fffffffffffffffull, 1, NEG64), T(I64_SUB, NEG64, 1, 0x7fffffffffffffffull),
        T(I64_MUL, 0x0123456789abcdefull, 0xfedcba9876543210ull, 0x2236d88fe5618cf0ull),
        T(I64_MUL, NEG64, ~0ull, NEG64),
        /* division */
        TRAP(I32_DIV_S, 1, 0, INT_DIV_ZERO), TRAP(I32_DIV_S, 0, 0, INT_DIV_ZERO),
        TRAP(I32_DIV_S, NEG32, M32(-1), INT_OVERFLOW), TRAP(I32_DIV_S, NEG32, 0, INT_DIV_ZERO),
        T(I32_DIV_S, NEG32, 2, M32(-0x40000000)), T(I32_DIV_S, M32(-7), 2, M32(-3)),
        T(I32_DIV_S, 7, M32(-2), M32(-3)), T(I32_DIV_S, M32(-7), M32(-2), 3),
        T(I32_DIV_S, M32(-1), M32(-1), 1), T(I32_DIV_S, NEG32 + 1, M32(-1), 0x7fffffff),
        TRAP(I32_DIV_U, 1, 0, INT_DIV_ZERO), T(I32_DIV_U, NEG32, M32(-1), 0),
        T(I32_DIV_U, M32(-1), 2, 0x7fffffff), T(I32_DIV_U, NEG32, 2, 0x40000000),
        TRAP(I32_REM_S, 1, 0, INT_DIV_ZERO), T(I32_REM_S, NEG32, M32(-1), 0),
        T(I32_REM_S, 0x7fffffff, M32(-1), 0), T(I32_REM_S, M32(-7), 2, M32(-1)),
        T(I32_REM_S, 7, M32(-2), 1), T(I32_REM_S, NEG32, 2, 0), T(I32_REM_S, NEG32, 3, M32(-2)),
        TRAP(I32_REM_U, 1, 0, INT_DIV_ZERO), T(I32_REM_U, NEG32, M32(-1), NEG32),
        T(I32_REM_U, M32(-1), 10, 5),
        TRAP(I64_DIV_S, 1, 0, INT_DIV_ZERO), TRAP(I64_DIV_S, NEG64, ~0ull, INT_OVERFLOW),
        T(I64_DIV_S, NEG64, 2, 0xc000000000000000ull), T(I64_DIV_S, (uint64_t)-7, 2, (uint64_t)-3),
        TRAP(I64_DIV_U, 1, 0, INT_DIV_ZERO), T(I64_DIV_U, NEG64, ~0ull, 0),
        T(I64_DIV_U, ~0ull, 2, 0x7fffffffffffffffull),
        TRAP(I64_REM_S, 1, 0, INT_DIV_ZERO), T(I64_REM_S, NEG64, ~0ull, 0),
        T(I64_REM_S, (uint64_t)-7, 2, ~0ull), T(I64_REM_S, NEG64, 3, (uint64_t)-2),
        TRAP(I64_REM_U, 1, 0, INT_DIV_ZERO), T(I64_REM_U, NEG64, ~0ull, NEG64),
        T(I64_REM_U, ~0ull, 10, 5),
        /* bitwise */
        T(I32_AND, 0xf0f0ffff, 0xfffff0f0, 0xf0f0f0f0),
        T(I32_OR, 0xf0f00000, 0x0000f0f0, 0xf0f0f0f0),
        T(I32_XOR, 0xffffffff, 0x0f0f0f0f, 0xf0f0f0f0),
        T(I64_AND, 0xf0f0ffff00000000ull, ~0ull, 0xf0f0ffff00000000ull),
        T(I64_OR, NEG64, 1, NEG64 | 1), T(I64_XOR, ~0ull, NEG64, 0x7fffffffffffffffull),
        /* shifts: the count is taken modulo the width */
        T(I32_SHL, 1, 31, NEG32), T(I32_SHL, 1, 32, 1), T(I32_SHL, 1, 33, 2),
        T(I32_SHL, 1, M32(-1), NEG32), T(I32_SHL, 1, 0x7fffffff, NEG32),
        T(I32_SHR_S, NEG32, 31, 0xffffffff), T(I32_SHR_S, NEG32, 32, NEG32),
        T(I32_SHR_S, M32(-1), 33, 0xffffffff), T(I32_SHR_S, 0x7fffffff, 30, 1),
        T(I32_SHR_U, NEG32, 31, 1), T(I32_SHR_U, NEG32, 32, NEG32),
        T(I32_SHR_U, M32(-1), 33, 0x7fffffff),
        T(I64_SHL, 1, 63, NEG64), T(I64_SHL, 1, 64, 1), T(I64_SHL, 1, 65, 2),
        T(I64_SHL, 1, ~0ull, NEG64),
        T(I64_SHR_S, NEG64, 63, ~0ull), T(I64_SHR_S, NEG64, 64, NEG64),
        T(I64_SHR_U, NEG64, 63, 1), T(I64_SHR_U, ~0ull, 65, 0x7fffffffffffffffull),
        T(I64_SHR_U, 1, NEG64 | 1, 0),
        /* rotates */
        T(I32_ROTL, 0xabcd9876, 1, 0x579b30ed), T(I32_ROTL, 0xfe00dc00, 4, 0xe00dc00f),
        T(I32_ROTL, 0xb0c1d2e3, 5, 0x183a5c76), T(I32_ROTL, 0x00008000, 37, 0x00100000),
        T(I32_ROTL, 0xb0c1d2e3, 0xff05, 0x183a5c76), T(I32_ROTL, 1, 32, 1), T(I32_ROTL, 1, 0, 1),
        T(I32_ROTR, 0xb0c1d2e3, 0x0005, 0x1d860e97), T(I32_ROTR, 0xb0c1d2e3, 0xff05, 0x1d860e97),
        T(I32_ROTR, 1, 1, NEG32), T(I32_ROTR, 1, 33, NEG32), T(I32_ROTR, 1, M32(-1), 2),
        T(I64_ROTL, 1, 63, NEG64), T(I64_ROTL, 1, 64, 1), T(I64_ROTL, 1, 65, 2),
        T(I64_ROTL, 0xabd1234ef567809cull, 63, 0x55e891a77ab3c04eull),
        T(I64_ROTR, 1, 1, NEG64), T(I64_ROTR, 1, 64, 1), T(I64_ROTR, 1, ~0ull, 2),
        T(I64_ROTR, 0xabcd1234ef567809ull, 53, 0x6891a77ab3c04d5eull),
        /* width changes */
        T(I32_WRAP_I64, 0x123456789ull, 0, 0x23456789), T(I32_WRAP_I64, ~0ull, 0, 0xffffffff),
        T(I32_WRAP_I64, 0x100000000ull, 0, 0),
        T(I64_EXTEND_I32_S, 0x7fffffff, 0, 0x7fffffff),
        T(I64_EXTEND_I32_S, NEG32, 0, 0xffffffff80000000ull),
        T(I64_EXTEND_I32_U, NEG32, 0, NEG32), T(I64_EXTEND_I32_U, 0xffffffff, 0, 0xffffffff),
        T(I32_EXTEND8_S, 0x7f, 0, 0x7f), T(I32_EXTEND8_S, 0x80, 0, 0xffffff80),
        T(I32_EXTEND8_S, 0x12345680, 0, 0xffffff80), T(I32_EXTEND8_S, 0xfedcba7f, 0, 0x7f),
        T(I32_EXTEND16_S, 0x8000, 0, 0xffff8000), T(I32_EXTEND16_S, 0xffff7fff, 0, 0x7fff),
        T(I64_EXTEND8_S, 0x80, 0, 0xffffffffffffff80ull),
        T(I64_EXTEND8_S, 0xffffffffffffff7full, 0, 0x7f),
        T(I64_EXTEND16_S, 0x8000, 0, 0xffffffffffff8000ull),
        T(I64_EXTEND32_S, 0x80000000ull, 0, 0xffffffff80000000ull),
        T(I64_EXTEND32_S, 0x123456787fffffffull, 0, 0x7fffffff),
    };
    return copy_cases(t, cap, c, sizeof c / sizeof c[0]);
}

static size_t float_cases(struct tcase *t, size_t cap)
{
    uint64_t p0 = f32(0.0f), n0 = f32(-0.0f), d0 = f64(0.0), m0 = f64(-0.0);
    uint64_t pinf = f32(1.0f / 0.0f), ninf = f32(-1.0f / 0.0f);
    uint64_t dinf = f64(1.0 / 0.0), dninf = f64(-1.0 / 0.0);
    struct tcase c[] = {
        /* bitwise ops keep NaN payloads exactly */
        T(F32_ABS, f32(-1.5f), 0, f32(1.5f)), T(F32_ABS, n0, 0, p0),
        T(F32_ABS, F32_NAN(0x200000) | NEG32, 0, F32_NAN(0x200000)),
        T(F64_ABS, F64_SNAN | NEG64, 0, F64_SNAN), T(F64_ABS, m0, 0, d0),
        T(F32_NEG, p0, 0, n0), T(F32_NEG, F32_SNAN, 0, F32_SNAN | NEG32),
        T(F32_NEG, F32_NAN(0x0f1e2), 0, F32_NAN(0x0f1e2) | NEG32),
        T(F64_NEG, F64_SNAN | NEG64, 0, F64_SNAN), T(F64_NEG, d0, 0, m0),
        T(F32_COPYSIGN, f32(1.0f), n0, f32(-1.0f)), T(F32_COPYSIGN, f32(-1.0f), p0, f32(1.0f)),
        T(F32_COPYSIGN, F32_SNAN, f32(-2.0f), F32_SNAN | NEG32),
        T(F32_COPYSIGN, f32(2.0f), F32_CNAN | NEG32, f32(-2.0f)),
        T(F32_COPYSIGN, F32_SNAN | NEG32, F32_CNAN, F32_SNAN),
        T(F64_COPYSIGN, f64(1.0), m0, f64(-1.0)),
        T(F64_COPYSIGN, F64_SNAN, F64_CNAN | NEG64, F64_SNAN | NEG64),
        T(F64_COPYSIGN, dninf, d0, dinf),
        /* rounding */
        T(F32_CEIL, f32(-0.5f), 0, n0), T(F32_CEIL, f32(1.5f), 0, f32(2.0f)),
        T(F32_CEIL, f32(0x1p-149f), 0, f32(1.0f)), T(F32_CEIL, ninf, 0, ninf),
        ANAN(F32_CEIL, F32_SNAN, 0), CNAN(F32_CEIL, F32_CNAN, 0),
        T(F64_CEIL, f64(-0.5), 0, m0), T(F64_CEIL, f64(0x1.fffffffffffffp+51), 0, f64(0x1p+52)),
        T(F32_FLOOR, f32(0.5f), 0, p0), T(F32_FLOOR, f32(-0.5f), 0, f32(-1.0f)),
        T(F32_FLOOR, n0, 0, n0), ANAN(F32_FLOOR, F32_SNAN, 0),
        T(F64_FLOOR, f64(-0x1p-1074), 0, f64(-1.0)), T(F64_FLOOR, f64(1.5), 0, f64(1.0)),
        ANAN(F64_FLOOR, F64_SNAN, 0),
        T(F32_TRUNC, f32(-0.5f), 0, n0), T(F32_TRUNC, f32(-1.5f), 0, f32(-1.0f)),
        T(F64_TRUNC, f64(0.9), 0, d0),
        T(F64_TRUNC, f64(-0x1.fffffffffffffp+51), 0, f64(-0x1.ffffffffffffep+51)),
        ANAN(F64_TRUNC, F64_SNAN, 0),
        T(F32_NEAREST, f32(2.5f), 0, f32(2.0f)), T(F32_NEAREST, f32(3.5f), 0, f32(4.0f)),
        T(F32_NEAREST, f32(-0.5f), 0, n0), T(F32_NEAREST, f32(0.5f), 0, p0),
        T(F32_NEAREST, f32(-3.5f), 0, f32(-4.0f)), T(F32_NEAREST, f32(0x1.fffffep-2f), 0, p0),
        T(F32_NEAREST, f32(0x1.000002p+23f), 0, f32(0x1.000002p+23f)),
        T(F32_NEAREST, f32(0x1.fffffep+22f), 0, f32(0x1p+23f)),
        T(F32_NEAREST, f32(-0x1.fffffep+22f), 0, f32(-0x1p+23f)),
        ANAN(F32_NEAREST, F32_SNAN, 0),
        T(F64_NEAREST, f64(2.5), 0, f64(2.0)), T(F64_NEAREST, f64(-0.5), 0, m0),
        T(F64_NEAREST, f64(-4.5), 0, f64(-4.0)), T(F64_NEAREST, f64(0x1.fffffffffffffp-2), 0, d0),
        T(F64_NEAREST, f64(0x1.0000000000001p+52), 0, f64(0x1.0000000000001p+52)),
        T(F64_NEAREST, f64(0x1.fffffffffffffp+51), 0, f64(0x1p+52)),
        T(F32_SQRT, f32(4.0f), 0, f32(2.0f)), T(F32_SQRT, n0, 0, n0), T(F32_SQRT, pinf, 0, pinf),
        CNAN(F32_SQRT, f32(-1.0f), 0), ANAN(F32_SQRT, F32_SNAN, 0),
        T(F32_SQRT, f32(0x1.000002p+0f), 0, f32(0x1p+0f)),
        T(F64_SQRT, f64(2.0), 0, f64(0x1.6a09e667f3bcdp+0)), CNAN(F64_SQRT, dninf, 0),
        T(F64_SQRT, m0, 0, m0),
        /* arithmetic */
        T(F32_ADD, p0, n0, p0), T(F32_ADD, n0, n0, n0),
        T(F32_ADD, f32(0x1p+24f), f32(1.0f), f32(0x1p+24f)),
        T(F32_ADD, f32(0x1p+24f), f32(3.0f), f32(0x1.000004p+24f)),
        CNAN(F32_ADD, pinf, ninf), ANAN(F32_ADD, f32(1.0f), F32_SNAN), ANAN(F32_ADD, F32_SNAN, p0),
        CNAN(F32_ADD, F32_CNAN, f32(1.0f)),
        T(F64_ADD, d0, m0, d0), CNAN(F64_ADD, dinf, dninf), ANAN(F64_ADD, f64(1.0), F64_SNAN),
        T(F64_ADD, f64(0x1p+53), f64(1.0), f64(0x1p+53)),
        T(F32_SUB, p0, p0, p0), T(F32_SUB, n0, p0, n0), CNAN(F32_SUB, pinf, pinf),
        ANAN(F32_SUB, F32_SNAN, f32(1.0f)),
        T(F64_SUB, d0, d0, d0), T(F64_SUB, m0, d0, m0), ANAN(F64_SUB, F64_SNAN | NEG64, d0),
        T(F32_MUL, n0, f32(2.0f), n0), CNAN(F32_MUL, pinf, p0),
        T(F32_MUL, f32(0x1p-126f), f32(0x1p-23f), f32(0x1p-149f)),
        T(F32_MUL, f32(0x1p+127f), f32(2.0f), pinf), ANAN(F32_MUL, F32_SNAN, f32(1.0f)),
        T(F64_MUL, f64(-0x1p-1074), f64(0.5), m0), CNAN(F64_MUL, dninf, m0),
        T(F32_DIV, f32(1.0f), p0, pinf), T(F32_DIV, f32(1.0f), n0, ninf), CNAN(F32_DIV, p0, p0),
        T(F32_DIV, f32(1.0f), f32(3.0f), f32(0x1.555556p-2f)), ANAN(F32_DIV, F32_SNAN, f32(1.0f)),
        T(F64_DIV, f64(-1.0), d0, dninf), CNAN(F64_DIV, dinf, dinf),
        T(F64_DIV, f64(1.0), f64(3.0), f64(0x1.5555555555555p-2)),
        /* folds LLVM would make with a signaling NaN (float_exprs.wast no_fold_*) */
        ANAN(F32_MUL, F32_SNAN, f32(1.0f)), ANAN(F32_MUL, F32_SNAN, f32(-1.0f)),
        ANAN(F32_MUL, f32(-1.0f), F32_SNAN), ANAN(F64_MUL, F64_SNAN, f64(1.0)),
        ANAN(F64_MUL, F64_SNAN, f64(-1.0)), ANAN(F32_DIV, F32_SNAN, f32(-1.0f)),
        ANAN(F64_DIV, F64_SNAN, f64(1.0)), ANAN(F64_DIV, F64_SNAN, f64(-1.0)),
        ANAN(F32_SUB, F32_SNAN, p0), ANAN(F32_SUB, n0, F32_SNAN), ANAN(F64_SUB, F64_SNAN, d0),
        ANAN(F64_SUB, m0, F64_SNAN), ANAN(F32_ADD, F32_SNAN, n0), ANAN(F32_ADD, n0, F32_SNAN),
        ANAN(F64_ADD, F64_SNAN, m0), ANAN(F64_ADD, F64_SNAN, d0), ANAN(F32_MUL, F32_SNAN, p0),
        ANAN(F32_DIV, p0, F32_SNAN),
        T(F32_SUB, n0, p0, n0), T(F32_SUB, n0, n0, p0), T(F32_ADD, p0, n0, p0),
        T(F64_MUL, f64(-1.0), m0, d0), T(F64_DIV, m0, f64(-1.0), d0),
        ANAN2(F64_PROMOTE_F32, F32_DEMOTE_F64, F32_SNAN),
        ANAN2(F64_PROMOTE_F32, F32_DEMOTE_F64, F32_SNAN | NEG32),
        T2(F64_PROMOTE_F32, F32_DEMOTE_F64, f32(0x1p-149f), f32(0x1p-149f)),
        T2(F32_DEMOTE_F64, F64_PROMOTE_F32, f64(0x1.fffffffffffffp-1), f64(1.0)),
        T2(F64_CONVERT_I64_U, I64_TRUNC_F64_U, 0xfffffffffffff401ull, 0xfffffffffffff800ull),
        T2(F32_CONVERT_I32_S, I32_TRUNC_F32_S, 0x7fffffbf, 0x7fffff80),
        TRAP2(F32_CONVERT_I32_S, I32_TRUNC_F32_S, 0x7fffffc0, INT_OVERFLOW),
        /* min/max: NaN wins, -0 < +0 */
        T(F32_MIN, n0, p0, n0), T(F32_MIN, p0, n0, n0), T(F32_MIN, n0, n0, n0),
        T(F32_MIN, p0, p0, p0),
        T(F32_MAX, n0, p0, p0), T(F32_MAX, p0, n0, p0), T(F32_MAX, n0, n0, n0),
        T(F32_MIN, f32(1.0f), f32(2.0f), f32(1.0f)), T(F32_MIN, f32(2.0f), f32(1.0f), f32(1.0f)),
        T(F32_MAX, f32(-1.0f), f32(-2.0f), f32(-1.0f)), T(F32_MIN, ninf, pinf, ninf),
        T(F32_MAX, ninf, pinf, pinf), T(F32_MIN, f32(0x1p-149f), n0, n0),
        CNAN(F32_MIN, F32_CNAN, f32(1.0f)), CNAN(F32_MIN, f32(1.0f), F32_CNAN),
        CNAN(F32_MAX, F32_CNAN | NEG32, pinf), ANAN(F32_MIN, F32_SNAN, f32(1.0f)),
        ANAN(F32_MAX, f32(1.0f), F32_SNAN), ANAN(F32_MIN, F32_SNAN, F32_SNAN),
        ANAN(F32_MAX, F32_NAN(0x200000) | NEG32, n0),
        T(F64_MIN, m0, d0, m0), T(F64_MIN, d0, m0, m0), T(F64_MAX, m0, d0, d0),
        T(F64_MAX, d0, m0, d0),
        T(F64_MIN, f64(3.0), f64(-7.0), f64(-7.0)), T(F64_MAX, f64(3.0), f64(-7.0), f64(3.0)),
        CNAN(F64_MIN, F64_CNAN, dninf), CNAN(F64_MAX, d0, F64_CNAN), ANAN(F64_MIN, F64_SNAN, d0),
        ANAN(F64_MAX, d0, F64_SNAN),
        /* comparisons: ordered except ne */
        T(F32_EQ, p0, n0, 1), T(F32_EQ, F32_CNAN, F32_CNAN, 0), T(F32_EQ, f32(1.0f), f32(1.0f), 1),
        T(F32_NE, F32_CNAN, F32_CNAN, 1), T(F32_NE, p0, n0, 0), T(F32_NE, f32(1.0f), f32(2.0f), 1),
        T(F32_LT, n0, p0, 0), T(F32_LT, f32(1.0f), F32_CNAN, 0), T(F32_LT, ninf, f32(1.0f), 1),
        T(F32_GT, F32_CNAN, f32(1.0f), 0), T(F32_GT, pinf, f32(1.0f), 1),
        T(F32_LE, n0, p0, 1), T(F32_LE, F32_SNAN, F32_SNAN, 0), T(F32_GE, p0, n0, 1),
        T(F32_GE, F32_CNAN, pinf, 0),
        T(F64_EQ, d0, m0, 1), T(F64_EQ, F64_CNAN, F64_CNAN, 0), T(F64_NE, F64_SNAN, d0, 1),
        T(F64_NE, dinf, dinf, 0), T(F64_LT, f64(1.0), f64(2.0), 1),
        T(F64_LT, F64_CNAN, f64(2.0), 0),
        T(F64_GT, f64(2.0), F64_CNAN, 0), T(F64_GT, d0, m0, 0), T(F64_LE, m0, d0, 1),
        T(F64_LE, F64_CNAN, dinf, 0), T(F64_GE, dninf, dninf, 1), T(F64_GE, F64_CNAN, d0, 0),
    };
    return copy_cases(t, cap, c, sizeof c / sizeof c[0]);
}

static size_t convert_cases(struct tcase *t, size_t cap)
{
    uint64_t pinf = f32(1.0f / 0.0f), ninf = f32(-1.0f / 0.0f);
    uint64_t dinf = f64(1.0 / 0.0), dninf = f64(-1.0 / 0.0);
    struct tcase c[] = {
        /* trapping truncations: exact boundaries */
        T(I32_TRUNC_F32_S, f32(-0x1p-149f), 0, 0), T(I32_TRUNC_F32_S, f32(-1.9f), 0, M32(-1)),
        T(I32_TRUNC_F32_S, f32(2147483520.0f), 0, 2147483520),
        T(I32_TRUNC_F32_S, f32(-2147483648.0f), 0, NEG32),
        TRAP(I32_TRUNC_F32_S, f32(2147483648.0f), 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F32_S, f32(-2147483904.0f), 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F32_S, pinf, 0, INT_OVERFLOW), TRAP(I32_TRUNC_F32_S, ninf, 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F32_S, F32_CNAN, 0, INVALID_CONVERSION),
        TRAP(I32_TRUNC_F32_S, F32_SNAN | NEG32, 0, INVALID_CONVERSION),
        T(I32_TRUNC_F32_U, f32(-0.9f), 0, 0),
        T(I32_TRUNC_F32_U, f32(4294967040.0f), 0, 4294967040u),
        T(I32_TRUNC_F32_U, f32(2147483648.0f), 0, NEG32),
        TRAP(I32_TRUNC_F32_U, f32(4294967296.0f), 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F32_U, f32(-1.0f), 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F32_U, F32_CNAN, 0, INVALID_CONVERSION),
        T(I32_TRUNC_F64_S, f64(2147483647.9), 0, 0x7fffffff),
        T(I32_TRUNC_F64_S, f64(-2147483648.9), 0, NEG32),
        TRAP(I32_TRUNC_F64_S, f64(2147483648.0), 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F64_S, f64(-2147483649.0), 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F64_S, dninf, 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F64_S, F64_SNAN, 0, INVALID_CONVERSION),
        T(I32_TRUNC_F64_U, f64(4294967295.9), 0, 0xffffffff), T(I32_TRUNC_F64_U, f64(-0.9), 0, 0),
        T(I32_TRUNC_F64_U, f64(-0x1.fffffffffffffp-1), 0, 0),
        TRAP(I32_TRUNC_F64_U, f64(4294967296.0), 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F64_U, f64(-1.0), 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F64_U, f64(9223372036854775808.0), 0, INT_OVERFLOW),
        TRAP(I32_TRUNC_F64_U, F64_CNAN | NEG64, 0, INVALID_CONVERSION),
        T(I64_TRUNC_F32_S, f32(-9223372036854775808.0f), 0, NEG64),
        T(I64_TRUNC_F32_S, f32(9223371487098961920.0f), 0, 9223371487098961920ull),
        TRAP(I64_TRUNC_F32_S, f32(9223372036854775808.0f), 0, INT_OVERFLOW),
        TRAP(I64_TRUNC_F32_S, f32(-9223373136366403584.0f), 0, INT_OVERFLOW),
        TRAP(I64_TRUNC_F32_S, F32_CNAN, 0, INVALID_CONVERSION),
        T(I64_TRUNC_F32_U, f32(18446742974197923840.0f), 0, (uint64_t)-1099511627776ll),
        T(I64_TRUNC_F32_U, f32(-0x1.fffffep-1f), 0, 0),
        TRAP(I64_TRUNC_F32_U, f32(18446744073709551616.0f), 0, INT_OVERFLOW),
        TRAP(I64_TRUNC_F32_U, f32(-1.0f), 0, INT_OVERFLOW),
        TRAP(I64_TRUNC_F32_U, ninf, 0, INT_OVERFLOW),
        TRAP(I64_TRUNC_F32_U, F32_SNAN, 0, INVALID_CONVERSION),
        T(I64_TRUNC_F64_S, f64(9223372036854774784.0), 0, 9223372036854774784ull),
        T(I64_TRUNC_F64_S, f64(-9223372036854775808.0), 0, NEG64),
        T(I64_TRUNC_F64_S, f64(-1.5), 0, ~0ull),
        TRAP(I64_TRUNC_F64_S, f64(9223372036854775808.0), 0, INT_OVERFLOW),
        TRAP(I64_TRUNC_F64_S, f64(-9223372036854777856.0), 0, INT_OVERFLOW),
        TRAP(I64_TRUNC_F64_S, dinf, 0, INT_OVERFLOW),
        TRAP(I64_TRUNC_F64_S, F64_CNAN, 0, INVALID_CONVERSION),
        T(I64_TRUNC_F64_U, f64(18446744073709549568.0), 0, 18446744073709549568ull),
        T(I64_TRUNC_F64_U, f64(9223372036854775808.0), 0, NEG64),
        T(I64_TRUNC_F64_U, f64(-0.99), 0, 0),
        TRAP(I64_TRUNC_F64_U, f64(18446744073709551616.0), 0, INT_OVERFLOW),
        TRAP(I64_TRUNC_F64_U, f64(-1.0), 0, INT_OVERFLOW),
        TRAP(I64_TRUNC_F64_U, F64_SNAN, 0, INVALID_CONVERSION),
        /* saturating truncations */
        T(I32_TRUNC_SAT_F32_S, F32_CNAN, 0, 0), T(I32_TRUNC_SAT_F32_S, pinf, 0, 0x7fffffff),
        T(I32_TRUNC_SAT_F32_S, ninf, 0, NEG32),
        T(I32_TRUNC_SAT_F32_S, f32(-2147483904.0f), 0, NEG32),
        T(I32_TRUNC_SAT_F32_S, f32(-1.5f), 0, M32(-1)),
        T(I32_TRUNC_SAT_F32_U, F32_SNAN, 0, 0), T(I32_TRUNC_SAT_F32_U, f32(-1.0f), 0, 0),
        T(I32_TRUNC_SAT_F32_U, f32(4294967296.0f), 0, 0xffffffff),
        T(I32_TRUNC_SAT_F32_U, f32(4294967040.0f), 0, 4294967040u),
        T(I32_TRUNC_SAT_F64_S, F64_CNAN | NEG64, 0, 0),
        T(I32_TRUNC_SAT_F64_S, f64(2147483648.0), 0, 0x7fffffff),
        T(I32_TRUNC_SAT_F64_S, f64(-2147483648.9), 0, NEG32),
        T(I32_TRUNC_SAT_F64_U, f64(4294967295.9), 0, 0xffffffff),
        T(I32_TRUNC_SAT_F64_U, dninf, 0, 0),
        T(I32_TRUNC_SAT_F64_U, f64(1e30), 0, 0xffffffff),
        T(I64_TRUNC_SAT_F32_S, pinf, 0, 0x7fffffffffffffffull),
        T(I64_TRUNC_SAT_F32_S, ninf, 0, NEG64),
        T(I64_TRUNC_SAT_F32_S, F32_CNAN, 0, 0),
        T(I64_TRUNC_SAT_F32_U, f32(18446744073709551616.0f), 0, ~0ull),
        T(I64_TRUNC_SAT_F32_U, f32(-0.5f), 0, 0), T(I64_TRUNC_SAT_F32_U, F32_SNAN, 0, 0),
        T(I64_TRUNC_SAT_F64_S, f64(9223372036854775808.0), 0, 0x7fffffffffffffffull),
        T(I64_TRUNC_SAT_F64_S, f64(-9223372036854777856.0), 0, NEG64),
        T(I64_TRUNC_SAT_F64_S, F64_SNAN, 0, 0),
        T(I64_TRUNC_SAT_F64_S, f64(-4294967296.0), 0, (uint64_t)-4294967296ll),
        T(I64_TRUNC_SAT_F64_U, f64(18446744073709551616.0), 0, ~0ull),
        T(I64_TRUNC_SAT_F64_U, dinf, 0, ~0ull),
        T(I64_TRUNC_SAT_F64_U, F64_CNAN, 0, 0), T(I64_TRUNC_SAT_F64_U, f64(1e8), 0, 100000000),
        /* int -> float, rounding to nearest even */
        T(F32_CONVERT_I32_S, M32(-1), 0, f32(-1.0f)),
        T(F32_CONVERT_I32_S, NEG32, 0, f32(-2147483648.0f)),
        T(F32_CONVERT_I32_S, 16777217, 0, f32(16777216.0f)),
        T(F32_CONVERT_I32_S, 16777219, 0, f32(16777220.0f)),
        T(F32_CONVERT_I32_U, 0xffffffff, 0, f32(4294967296.0f)),
        T(F32_CONVERT_I32_U, NEG32, 0, f32(2147483648.0f)),
        T(F32_CONVERT_I32_U, 0x80000080, 0, f32(0x1p+31f)),
        T(F32_CONVERT_I32_U, 0x80000081, 0, f32(0x1.000002p+31f)),
        T(F32_CONVERT_I32_U, 0x80000180, 0, f32(0x1.000004p+31f)),
        T(F32_CONVERT_I64_S, 0x7fffffffffffffffull, 0, f32(9223372036854775808.0f)),
        T(F32_CONVERT_I64_S, NEG64, 0, f32(-9223372036854775808.0f)),
        T(F32_CONVERT_I64_S, 0x0020000020000001ull, 0, f32(0x1.000002p+53f)),
        T(F32_CONVERT_I64_S, (uint64_t)-0x0020000020000001ll, 0, f32(-0x1.000002p+53f)),
        T(F32_CONVERT_I64_U, ~0ull, 0, f32(18446744073709551616.0f)),
        T(F32_CONVERT_I64_U, 0x8000008000000001ull, 0, f32(0x1.000002p+63f)),
        T(F32_CONVERT_I64_U, 0xfffffe8000000001ull, 0, f32(0x1.fffffep+63f)),
        T(F32_CONVERT_I64_U, 0x7fffffbfffffffffull, 0, f32(0x1.fffffep+62f)),
        T(F32_CONVERT_I64_U, 0x0020000020000001ull, 0, f32(0x1.000002p+53f)),
        T(F32_CONVERT_I64_U, 0x8000008000000000ull, 0, f32(0x1p+63f)),
        T(F64_CONVERT_I32_S, NEG32, 0, f64(-2147483648.0)),
        T(F64_CONVERT_I32_U, 0xffffffff, 0, f64(4294967295.0)),
        T(F64_CONVERT_I64_S, 9007199254740993ull, 0, f64(9007199254740992.0)),
        T(F64_CONVERT_I64_S, (uint64_t)-9007199254740995ll, 0, f64(-9007199254740996.0)),
        T(F64_CONVERT_I64_U, ~0ull, 0, f64(18446744073709551616.0)),
        T(F64_CONVERT_I64_U, 0x8000000000000400ull, 0, f64(0x1.0000000000000p+63)),
        T(F64_CONVERT_I64_U, 0x8000000000000401ull, 0, f64(0x1.0000000000001p+63)),
        T(F64_CONVERT_I64_U, 0xfffffffffffff401ull, 0, f64(0x1.fffffffffffffp+63)),
        T(F64_CONVERT_I64_U, 9007199254740995ull, 0, f64(9007199254740996.0)),
        /* float <-> float */
        T(F32_DEMOTE_F64, f64(-0.0), 0, f32(-0.0f)),
        T(F32_DEMOTE_F64, f64(0x0.0000000000001p-1022), 0, f32(0.0f)),
        T(F32_DEMOTE_F64, f64(0x1.fffffe0000000p-127), 0, f32(0x1p-126f)),
        T(F32_DEMOTE_F64, f64(0x1.fffffdfffffffp-127), 0, f32(0x1.fffffcp-127f)),
        T(F32_DEMOTE_F64, f64(0x1.fffffd0000000p+127), 0, f32(0x1.fffffcp+127f)),
        T(F32_DEMOTE_F64, f64(0x1.fffffd0000001p+127), 0, f32(0x1.fffffep+127f)),
        T(F32_DEMOTE_F64, f64(0x1.fffffefffffffp+127), 0, f32(0x1.fffffep+127f)),
        T(F32_DEMOTE_F64, f64(0x1.ffffffp+127), 0, pinf),
        T(F32_DEMOTE_F64, f64(0x1p-150), 0, f32(0.0f)),
        T(F32_DEMOTE_F64, f64(0x1.0000000000001p-150), 0, f32(0x1p-149f)),
        T(F32_DEMOTE_F64, f64(0x1.00000100000p+0), 0, f32(1.0f)),
        T(F32_DEMOTE_F64, f64(0x1.00000300000p+0), 0, f32(0x1.000004p+0f)),
        T(F32_DEMOTE_F64, dninf, 0, ninf),
        CNAN(F32_DEMOTE_F64, F64_CNAN, 0), ANAN(F32_DEMOTE_F64, F64_SNAN, 0),
        ANAN(F32_DEMOTE_F64, F64_NAN(0x1ull), 0),
        T(F64_PROMOTE_F32, f32(0x1p-149f), 0, f64(0x1p-149)),
        T(F64_PROMOTE_F32, f32(-0.0f), 0, f64(-0.0)),
        T(F64_PROMOTE_F32, f32(0x1.fffffep+127f), 0, f64(0x1.fffffep+127)),
        T(F64_PROMOTE_F32, ninf, 0, dninf),
        CNAN(F64_PROMOTE_F32, F32_CNAN, 0), ANAN(F64_PROMOTE_F32, F32_SNAN, 0),
        /* reinterpretation is exact */
        T(I32_REINTERPRET_F32, F32_SNAN | NEG32, 0, F32_SNAN | NEG32),
        T(I32_REINTERPRET_F32, f32(-0.0f), 0, NEG32),
        T(I64_REINTERPRET_F64, F64_NAN(1), 0, F64_NAN(1)),
        T(I64_REINTERPRET_F64, f64(1.0), 0, 0x3ff0000000000000ull),
        T(F32_REINTERPRET_I32, F32_NAN(1), 0, F32_NAN(1)),
        T(F32_REINTERPRET_I32, 0x7fffffff, 0, 0x7fffffff),
        T(F64_REINTERPRET_I64, F64_SNAN | NEG64, 0, F64_SNAN | NEG64),
        T(F64_REINTERPRET_I64, 1, 0, 1),
    };
    return copy_cases(t, cap, c, sizeof c / sizeof c[0]);
}

/* ---- building the test functions ---- */

struct fn_state {
    LLVMValueRef fn;
    LLVMValueRef trap_out;
};

static void test_trap_if(struct numeric_env *env, LLVMValueRef cond, enum waot_trap kind)
{
    struct fn_state *st = env->user;
    LLVMBasicBlockRef trap = LLVMAppendBasicBlockInContext(env->ctx, st->fn, "trap");
    LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(env->ctx, st->fn, "cont");
    LLVMTypeRef i32 = LLVMInt32TypeInContext(env->ctx);

    LLVMBuildCondBr(env->b, cond, trap, cont);
    LLVMPositionBuilderAtEnd(env->b, trap);
    LLVMBuildStore(env->b, LLVMConstInt(i32, (unsigned)kind, 0), st->trap_out);
    LLVMBuildRet(env->b, LLVMConstInt(LLVMInt64TypeInContext(env->ctx), 0, 0));
    LLVMPositionBuilderAtEnd(env->b, cont);
}

static LLVMTypeRef opty_type(LLVMContextRef ctx, uint8_t t)
{
    switch (t) {
    case OPTY_I32: return LLVMInt32TypeInContext(ctx);
    case OPTY_I64: return LLVMInt64TypeInContext(ctx);
    case OPTY_F32: return LLVMFloatTypeInContext(ctx);
    default: return LLVMDoubleTypeInContext(ctx);
    }
}

/* An operand of Wasm type t from 64 bits (an argument or a constant). */
static LLVMValueRef from_bits(LLVMBuilderRef b, LLVMContextRef ctx, LLVMValueRef bits, uint8_t t)
{
    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
    switch (t) {
    case OPTY_I32: return LLVMBuildTrunc(b, bits, i32, "");
    case OPTY_I64: return bits;
    case OPTY_F32:
        return LLVMBuildBitCast(b, LLVMBuildTrunc(b, bits, i32, ""), opty_type(ctx, t), "");
    default: return LLVMBuildBitCast(b, bits, opty_type(ctx, t), "");
    }
}

static LLVMValueRef to_bits(LLVMBuilderRef b, LLVMContextRef ctx, LLVMValueRef v, uint8_t t)
{
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    switch (t) {
    case OPTY_I32: return LLVMBuildZExt(b, v, i64, "");
    case OPTY_I64: return v;
    case OPTY_F32:
        return LLVMBuildZExt(b, LLVMBuildBitCast(b, v, LLVMInt32TypeInContext(ctx), ""), i64, "");
    default: return LLVMBuildBitCast(b, v, i64, "");
    }
}

/* Defines  i64 name(i64 a, i64 b, ptr trap_out)  computing c->op (then c->then); form 1
 * takes both operands as the constants c->a and c->b, form 2 only b, form 3 only a, form 0
 * neither. */
static int build_case(LLVMContextRef ctx, LLVMModuleRef mod, LLVMBuilderRef b,
                      const struct tcase *c, const char *name, int form)
{
    const struct wasm_opinfo *info = &wasm_opinfo[c->op];
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    LLVMTypeRef params[3] = {i64, i64, LLVMPointerTypeInContext(ctx, 0)};
    LLVMTypeRef fty = LLVMFunctionType(i64, params, 3, 0);
    struct fn_state st;
    struct numeric_env env = {ctx, mod, b, test_trap_if, &st};
    LLVMValueRef abits, bbits, a, bv = NULL, r;

    st.fn = LLVMAddFunction(mod, name, fty);
    st.trap_out = LLVMGetParam(st.fn, 2);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, st.fn, "entry"));
    abits = form == 1 || form == 3 ? LLVMConstInt(i64, c->a, 0) : LLVMGetParam(st.fn, 0);
    bbits = form == 1 || form == 2 ? LLVMConstInt(i64, c->b, 0) : LLVMGetParam(st.fn, 1);
    a = from_bits(b, ctx, abits, info->a);
    if (info->b != OPTY_NONE)
        bv = from_bits(b, ctx, bbits, info->b);
    r = numeric_emit(&env, c->op, a, bv);
    if (r && c->then) {
        r = numeric_emit(&env, (enum wasm_op)c->then, r, NULL);
        info = &wasm_opinfo[c->then];
    }
    if (!r)
        return -1;
    LLVMBuildStore(b, LLVMConstInt(LLVMInt32TypeInContext(ctx), 0, 0), st.trap_out);
    LLVMBuildRet(b, to_bits(b, ctx, r, info->r));
    return 0;
}

/* ---- running ---- */

static uint64_t result_mask(uint8_t r)
{
    return r == OPTY_I32 || r == OPTY_F32 ? 0xffffffffull : ~0ull;
}

static void check(const struct tcase *c, const char *mode, uint64_t got, uint32_t trap)
{
    const struct wasm_opinfo *info = &wasm_opinfo[c->then ? c->then : (int)c->op];
    bool wide = info->r == OPTY_F64;
    uint64_t mag = got & (wide ? ~NEG64 : ~NEG32 & 0xffffffffull);
    uint64_t quiet = wide ? F64_CNAN : F32_CNAN;
    bool ok;

    switch (c->kind) {
    case EX_TRAP: ok = trap == c->want; break;
    case EX_BITS: ok = trap == 0 && got == (c->want & result_mask(info->r)); break;
    case EX_CANON_NAN: ok = trap == 0 && mag == quiet; break;
    default: ok = trap == 0 && (mag & quiet) == quiet; break;
    }
    if (ok) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL line %d %s %s(0x%" PRIx64 ", 0x%" PRIx64 ")%s%s: got 0x%" PRIx64
           " trap %u, want ", c->line, mode, wasm_opinfo[c->op].text, c->a, c->b,
           c->then ? " then " : "", c->then ? info->text : "", got, trap);
    switch (c->kind) {
    case EX_TRAP: printf("trap %u\n", (unsigned)c->want); break;
    case EX_BITS: printf("0x%" PRIx64 "\n", c->want); break;
    case EX_CANON_NAN: printf("canonical NaN\n"); break;
    default: printf("arithmetic NaN\n"); break;
    }
}

static LLVMTargetMachineRef host_machine(void)
{
    char *triple = LLVMGetDefaultTargetTriple();
    char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
    LLVMTargetRef target;
    char *msg = NULL;
    LLVMTargetMachineRef tm = NULL;

    if (LLVMGetTargetFromTriple(triple, &target, &msg) == 0)
        tm = LLVMCreateTargetMachine(target, triple, cpu, features, LLVMCodeGenLevelDefault,
                                     LLVMRelocDefault, LLVMCodeModelJITDefault);
    else
        printf("no target: %s\n", msg);
    LLVMDisposeMessage(msg);
    LLVMDisposeMessage(triple);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
    return tm;
}

/* How many forms of the case build_case makes (see there). */
static int forms(const struct tcase *c)
{
    return wasm_opinfo[c->op].b != OPTY_NONE ? 4 : 2;
}

typedef uint64_t (*case_fn)(uint64_t a, uint64_t b, uint32_t *trap_out);

/* Compiles for the host CPU rather than MCJIT's baseline one (rounding instructions instead
 * of libm calls, AVX encodings, ...). */
static void set_host_cpu(LLVMContextRef ctx, LLVMValueRef fn)
{
    char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
    LLVMAttributeRef a =
        LLVMCreateStringAttribute(ctx, "target-cpu", 10, cpu, (unsigned)strlen(cpu));
    LLVMAttributeRef f = LLVMCreateStringAttribute(ctx, "target-features", 15, features,
                                                   (unsigned)strlen(features));
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, a);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, f);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
}

/* Compiles every case (all its forms) into one module at optimisation level opt (0 or 2),
 * for the baseline or the host CPU, and runs them. */
static void run_cases(const struct tcase *cases, size_t n, unsigned opt, bool host_cpu)
{
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("numeric", ctx);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
    LLVMExecutionEngineRef ee = NULL;
    struct LLVMMCJITCompilerOptions jopt;
    char name[48], *msg = NULL;
    static const char *const form_names[4] = {"args", "const", "const-b", "const-a"};
    char modes[4][32];

    for (int k = 0; k < 4; k++)
        snprintf(modes[k], sizeof modes[k], "O%u%s/%s", opt, host_cpu ? "-host" : "",
                 form_names[k]);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < forms(&cases[i]); k++) {
            snprintf(name, sizeof name, "t%zu_%d", i, k);
            if (build_case(ctx, mod, b, &cases[i], name, k) < 0) {
                printf("FAIL line %d: numeric_emit returned NULL for %s\n", cases[i].line,
                       wasm_opinfo[cases[i].op].text);
                failed++;
                goto out;
            }
            if (host_cpu)
                set_host_cpu(ctx, LLVMGetNamedFunction(mod, name));
        }
    }
    if (LLVMVerifyModule(mod, LLVMPrintMessageAction, &msg)) {
        printf("FAIL: module does not verify\n");
        failed++;
        goto out;
    }
    LLVMDisposeMessage(msg);
    msg = NULL;
    if (opt) {
        LLVMTargetMachineRef tm = host_machine();
        LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
        LLVMErrorRef e = LLVMRunPasses(mod, "default<O2>", tm, po);
        LLVMDisposePassBuilderOptions(po);
        if (tm)
            LLVMDisposeTargetMachine(tm);
        if (e) {
            char *em = LLVMGetErrorMessage(e);
            printf("FAIL: O2 pipeline: %s\n", em);
            LLVMDisposeErrorMessage(em);
            failed++;
            goto out;
        }
    }
    LLVMInitializeMCJITCompilerOptions(&jopt, sizeof jopt);
    jopt.OptLevel = opt;
    if (LLVMCreateMCJITCompilerForModule(&ee, mod, &jopt, sizeof jopt, &msg)) {
        printf("FAIL: MCJIT: %s\n", msg);
        LLVMDisposeMessage(msg);
        failed++;
        LLVMDisposeModule(mod);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < forms(&cases[i]); k++) {
            uint32_t trap = 0xdead;
            case_fn fn;
            uint64_t got, addr;

            snprintf(name, sizeof name, "t%zu_%d", i, k);
            addr = LLVMGetFunctionAddress(ee, name);
            memcpy(&fn, &addr, sizeof fn);
            got = fn(cases[i].a, cases[i].b, &trap);
            check(&cases[i], modes[k], got, trap);
        }
    }
    LLVMDisposeExecutionEngine(ee); /* owns mod */
    goto done;
out:
    LLVMDisposeModule(mod);
done:
    LLVMDisposeBuilder(b);
    LLVMContextDispose(ctx);
}

/* numeric_handles covers exactly the non-memory, non-SIMD ops with operand types, numeric_emit
 * produces a value of the table's result type for each, and each has a test case. */
static void check_coverage(const struct tcase *cases, size_t n)
{
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("coverage", ctx);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
    unsigned handled = 0;

    for (int op = 0; op < WASM_OP_COUNT; op++) {
        const struct wasm_opinfo *info = &wasm_opinfo[op];
        bool want = info->a != OPTY_NONE && info->imm != IMM_MEMARG &&
                    info->prefix != WASM_PREFIX_SIMD;
        bool tested = false;
        struct tcase probe = {(enum wasm_op)op, 1, 1, EX_BITS, 0, 0, 0};
        char name[48];

        if (numeric_handles((enum wasm_op)op) != want) {
            printf("FAIL: numeric_handles(%s) is %d\n", info->text, !want);
            failed++;
            continue;
        }
        if (!want) {
            passed++;
            continue;
        }
        handled++;
        snprintf(name, sizeof name, "cov%d", op);
        if (build_case(ctx, mod, b, &probe, name, 0) < 0) {
            printf("FAIL: numeric_emit(%s) returned NULL\n", info->text);
            failed++;
            continue;
        }
        for (size_t i = 0; i < n && !tested; i++)
            tested = cases[i].op == (enum wasm_op)op;
        if (!tested) {
            printf("FAIL: no test case for %s\n", info->text);
            failed++;
            continue;
        }
        passed++;
    }
    if (numeric_handles(WASM_OP_I32_LOAD) || numeric_handles(WASM_OP_I64_STORE) ||
        numeric_handles(WASM_OP_I32_CONST) || numeric_handles(WASM_OP_SELECT) ||
        numeric_handles(WASM_OP_COUNT)) {
        printf("FAIL: numeric_handles accepts a non-numeric op\n");
        failed++;
    }
    if (handled != 128 + 8) {
        printf("FAIL: %u numeric ops handled, expected 136\n", handled);
        failed++;
    }
    {
        char *msg = NULL;
        if (LLVMVerifyModule(mod, LLVMPrintMessageAction, &msg)) {
            printf("FAIL: coverage module does not verify\n");
            failed++;
        }
        LLVMDisposeMessage(msg);
    }
    LLVMDisposeBuilder(b);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
}

int main(void)
{
    static struct tcase cases[1024];
    const size_t cap = sizeof cases / sizeof cases[0];
    size_t n = 0;

    LLVMLinkInMCJIT();
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();

    n += int_cases(cases + n, cap - n);
    n += float_cases(cases + n, cap - n);
    n += convert_cases(cases + n, cap - n);
    check_coverage(cases, n);
    run_cases(cases, n, 0, false);
    run_cases(cases, n, 2, false);
    run_cases(cases, n, 0, true);
    run_cases(cases, n, 2, true);
    return check_summary("test_numeric");
}
