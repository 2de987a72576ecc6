/*
 * Private to translate_simd*.c: the lane shapes of v128 and the small builders the SIMD
 * translator's files share.
 *
 * Between instructions a v128 value is always an LLVM <4 x i32> (translate_module_valtype);
 * each op bitcasts its operands to the shape it works on (<16 x i8>, <8 x i16>, <4 x i32>,
 * <2 x i64>, <4 x float>, <2 x double>) and its result back. Bitcasts are free, so LLVM
 * sees through them.
 */
#ifndef WAOT_TRANSLATE_SIMD_H
#define WAOT_TRANSLATE_SIMD_H

#include "translate.h"

enum simd_shape { SIMD_I8X16, SIMD_I16X8, SIMD_I32X4, SIMD_I64X2, SIMD_F32X4, SIMD_F64X2 };

/* The shape named by an op's text ("i8x16.add" -> SIMD_I8X16). */
enum simd_shape simd_shape_of(enum wasm_op op);
unsigned simd_lanes(enum simd_shape s);
/* The lane type (i8 ... double) and the vector type of a shape. */
LLVMTypeRef simd_lane_type(struct translate_func *f, enum simd_shape s);
LLVMTypeRef simd_vec_type(struct translate_func *f, enum simd_shape s);
/* <n x ty> */
LLVMTypeRef simd_vec_of(LLVMTypeRef ty, unsigned n);
/* v (any 128-bit vector) seen as shape s, and back as the canonical <4 x i32>. */
LLVMValueRef simd_as(struct translate_func *f, LLVMValueRef v, enum simd_shape s);
LLVMValueRef simd_canon(struct translate_func *f, LLVMValueRef v);
/* A vector of n copies of the scalar x. */
LLVMValueRef simd_splat(struct translate_func *f, LLVMValueRef x, unsigned n);
/* shufflevector(a, b, <idx...>) with a constant mask of n lanes. */
LLVMValueRef simd_shuffle(struct translate_func *f, LLVMValueRef a, LLVMValueRef b,
                          const unsigned *idx, unsigned n);
/* Lanes [first, first + n) of a. */
LLVMValueRef simd_slice(struct translate_func *f, LLVMValueRef a, unsigned first, unsigned n);
/* Calls an intrinsic overloaded on its first argument's type, with 1-3 arguments. */
LLVMValueRef simd_intrinsic(struct translate_func *f, const char *name, LLVMValueRef a,
                            LLVMValueRef b, LLVMValueRef c);
/* Calls an intrinsic overloaded on (result type, argument type), e.g. llvm.fptosi.sat. */
LLVMValueRef simd_intrinsic2(struct translate_func *f, const char *name, LLVMTypeRef ret,
                             LLVMValueRef a);

/* translate_simd_arith.c: integer and float lane arithmetic and conversions. Returns NULL,
 * having emitted nothing, for an op it does not handle. a and b as popped (b NULL for
 * unary ops). */
LLVMValueRef translate_simd_arith(struct translate_func *f, enum wasm_op op, LLVMValueRef a,
                                  LLVMValueRef b);

#endif
