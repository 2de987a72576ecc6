/*
 * The one table of Wasm opcodes (the SIMD ones come from wasm_opcodes_simd.h). Decoder,
 * validator and translator read it rather than each growing a switch of names and types.
 *
 * WASM_OPCODES(X) expands X(ENUM, prefix, code, "text", IMM, A, B, R) per opcode:
 *   prefix 0x00 for single-byte opcodes, 0xfc for the misc prefix (code is its LEB u32);
 *   IMM is the immediate kind (enum wasm_imm);
 *   A, B, R are the operand and result types of "simple" ops (pure numeric, memory) using
 *   the short names I32/I64/F32/F64/NONE; ops with custom typing rules (control, locals,
 *   calls, references, tables, bulk memory, parametric) use NONE everywhere and are
 *   handled by name.
 * Loads: A = I32 (address), R = loaded type. Stores: A = I32, B = stored type.
 */
#ifndef WAOT_WASM_OPCODES_H
#define WAOT_WASM_OPCODES_H

#include <stdint.h>

#include "wasm_opcodes_simd.h"

enum wasm_imm {
    IMM_NONE,
    IMM_BLOCKTYPE,     /* block, loop, if: s33 block type */
    IMM_LABEL,         /* br, br_if: label index */
    IMM_BR_TABLE,      /* vec(label) label */
    IMM_FUNC,          /* call, ref.func: function index */
    IMM_CALL_INDIRECT, /* type index, table index */
    IMM_LOCAL,
    IMM_GLOBAL,
    IMM_TABLE,         /* table.get/set/size/grow/fill: table index */
    IMM_MEMARG,        /* align u32, offset u32 */
    IMM_MEMORY,        /* memory.size/grow: a 0x00 byte (memory index) */
    IMM_I32,           /* s32 */
    IMM_I64,           /* s64 */
    IMM_F32,           /* 4 bytes */
    IMM_F64,           /* 8 bytes */
    IMM_SELECT_T,      /* vec(valtype), length 1 */
    IMM_REFTYPE,       /* ref.null: reftype byte */
    IMM_MEMORY_INIT,   /* data index, 0x00 */
    IMM_DATA,          /* data.drop: data index */
    IMM_MEMORY_COPY,   /* 0x00 0x00 */
    IMM_TABLE_INIT,    /* elem index, table index */
    IMM_ELEM,          /* elem.drop: elem index */
    IMM_TABLE_COPY,    /* dst table, src table */
    IMM_V128,          /* v128.const: 16 bytes */
    IMM_SHUFFLE,       /* i8x16.shuffle: 16 lane index bytes */
    IMM_LANE,          /* extract/replace_lane: one lane index byte */
    IMM_MEMARG_LANE,   /* load/store_lane: memarg, then one lane index byte */
};

#define WASM_OPCODES(X) \
    X(UNREACHABLE, 0, 0x00, "unreachable", IMM_NONE, NONE, NONE, NONE) \
    X(NOP, 0, 0x01, "nop", IMM_NONE, NONE, NONE, NONE) \
    X(BLOCK, 0, 0x02, "block", IMM_BLOCKTYPE, NONE, NONE, NONE) \
    X(LOOP, 0, 0x03, "loop", IMM_BLOCKTYPE, NONE, NONE, NONE) \
    X(IF, 0, 0x04, "if", IMM_BLOCKTYPE, NONE, NONE, NONE) \
    X(ELSE, 0, 0x05, "else", IMM_NONE, NONE, NONE, NONE) \
    X(END, 0, 0x0b, "end", IMM_NONE, NONE, NONE, NONE) \
    X(BR, 0, 0x0c, "br", IMM_LABEL, NONE, NONE, NONE) \
    X(BR_IF, 0, 0x0d, "br_if", IMM_LABEL, NONE, NONE, NONE) \
    X(BR_TABLE, 0, 0x0e, "br_table", IMM_BR_TABLE, NONE, NONE, NONE) \
    X(RETURN, 0, 0x0f, "return", IMM_NONE, NONE, NONE, NONE) \
    X(CALL, 0, 0x10, "call", IMM_FUNC, NONE, NONE, NONE) \
    X(CALL_INDIRECT, 0, 0x11, "call_indirect", IMM_CALL_INDIRECT, NONE, NONE, NONE) \
    X(DROP, 0, 0x1a, "drop", IMM_NONE, NONE, NONE, NONE) \
    X(SELECT, 0, 0x1b, "select", IMM_NONE, NONE, NONE, NONE) \
    X(SELECT_T, 0, 0x1c, "select", IMM_SELECT_T, NONE, NONE, NONE) \
    X(LOCAL_GET, 0, 0x20, "local.get", IMM_LOCAL, NONE, NONE, NONE) \
    X(LOCAL_SET, 0, 0x21, "local.set", IMM_LOCAL, NONE, NONE, NONE) \
    X(LOCAL_TEE, 0, 0x22, "local.tee", IMM_LOCAL, NONE, NONE, NONE) \
    X(GLOBAL_GET, 0, 0x23, "global.get", IMM_GLOBAL, NONE, NONE, NONE) \
    X(GLOBAL_SET, 0, 0x24, "global.set", IMM_GLOBAL, NONE, NONE, NONE) \
    X(TABLE_GET, 0, 0x25, "table.get", IMM_TABLE, NONE, NONE, NONE) \
    X(TABLE_SET, 0, 0x26, "table.set", IMM_TABLE, NONE, NONE, NONE) \
    X(I32_LOAD, 0, 0x28, "i32.load", IMM_MEMARG, I32, NONE, I32) \
    X(I64_LOAD, 0, 0x29, "i64.load", IMM_MEMARG, I32, NONE, I64) \
    X(F32_LOAD, 0, 0x2a, "f32.load", IMM_MEMARG, I32, NONE, F32) \
    X(F64_LOAD, 0, 0x2b, "f64.load", IMM_MEMARG, I32, NONE, F64) \
    X(I32_LOAD8_S, 0, 0x2c, "i32.load8_s", IMM_MEMARG, I32, NONE, I32) \
    X(I32_LOAD8_U, 0, 0x2d, "i32.load8_u", IMM_MEMARG, I32, NONE, I32) \
    X(I32_LOAD16_S, 0, 0x2e, "i32.load16_s", IMM_MEMARG, I32, NONE, I32) \
    X(I32_LOAD16_U, 0, 0x2f, "i32.load16_u", IMM_MEMARG, I32, NONE, I32) \
    X(I64_LOAD8_S, 0, 0x30, "i64.load8_s", IMM_MEMARG, I32, NONE, I64) \
    X(I64_LOAD8_U, 0, 0x31, "i64.load8_u", IMM_MEMARG, I32, NONE, I64) \
    X(I64_LOAD16_S, 0, 0x32, "i64.load16_s", IMM_MEMARG, I32, NONE, I64) \
    X(I64_LOAD16_U, 0, 0x33, "i64.load16_u", IMM_MEMARG, I32, NONE, I64) \
    X(I64_LOAD32_S, 0, 0x34, "i64.load32_s", IMM_MEMARG, I32, NONE, I64) \
    X(I64_LOAD32_U, 0, 0x35, "i64.load32_u", IMM_MEMARG, I32, NONE, I64) \
    X(I32_STORE, 0, 0x36, "i32.store", IMM_MEMARG, I32, I32, NONE) \
    X(I64_STORE, 0, 0x37, "i64.store", IMM_MEMARG, I32, I64, NONE) \
    X(F32_STORE, 0, 0x38, "f32.store", IMM_MEMARG, I32, F32, NONE) \
    X(F64_STORE, 0, 0x39, "f64.store", IMM_MEMARG, I32, F64, NONE) \
    X(I32_STORE8, 0, 0x3a, "i32.store8", IMM_MEMARG, I32, I32, NONE) \
    X(I32_STORE16, 0, 0x3b, "i32.store16", IMM_MEMARG, I32, I32, NONE) \
    X(I64_STORE8, 0, 0x3c, "i64.store8", IMM_MEMARG, I32, I64, NONE) \
    X(I64_STORE16, 0, 0x3d, "i64.store16", IMM_MEMARG, I32, I64, NONE) \
    X(I64_STORE32, 0, 0x3e, "i64.store32", IMM_MEMARG, I32, I64, NONE) \
    X(MEMORY_SIZE, 0, 0x3f, "memory.size", IMM_MEMORY, NONE, NONE, NONE) \
    X(MEMORY_GROW, 0, 0x40, "memory.grow", IMM_MEMORY, NONE, NONE, NONE) \
    X(I32_CONST, 0, 0x41, "i32.const", IMM_I32, NONE, NONE, NONE) \
    X(I64_CONST, 0, 0x42, "i64.const", IMM_I64, NONE, NONE, NONE) \
    X(F32_CONST, 0, 0x43, "f32.const", IMM_F32, NONE, NONE, NONE) \
    X(F64_CONST, 0, 0x44, "f64.const", IMM_F64, NONE, NONE, NONE) \
    X(I32_EQZ, 0, 0x45, "i32.eqz", IMM_NONE, I32, NONE, I32) \
    X(I32_EQ, 0, 0x46, "i32.eq", IMM_NONE, I32, I32, I32) \
    X(I32_NE, 0, 0x47, "i32.ne", IMM_NONE, I32, I32, I32) \
    X(I32_LT_S, 0, 0x48, "i32.lt_s", IMM_NONE, I32, I32, I32) \
    X(I32_LT_U, 0, 0x49, "i32.lt_u", IMM_NONE, I32, I32, I32) \
    X(I32_GT_S, 0, 0x4a, "i32.gt_s", IMM_NONE, I32, I32, I32) \
    X(I32_GT_U, 0, 0x4b, "i32.gt_u", IMM_NONE, I32, I32, I32) \
    X(I32_LE_S, 0, 0x4c, "i32.le_s", IMM_NONE, I32, I32, I32) \
    X(I32_LE_U, 0, 0x4d, "i32.le_u", IMM_NONE, I32, I32, I32) \
    X(I32_GE_S, 0, 0x4e, "i32.ge_s", IMM_NONE, I32, I32, I32) \
    X(I32_GE_U, 0, 0x4f, "i32.ge_u", IMM_NONE, I32, I32, I32) \
    X(I64_EQZ, 0, 0x50, "i64.eqz", IMM_NONE, I64, NONE, I32) \
    X(I64_EQ, 0, 0x51, "i64.eq", IMM_NONE, I64, I64, I32) \
    X(I64_NE, 0, 0x52, "i64.ne", IMM_NONE, I64, I64, I32) \
    X(I64_LT_S, 0, 0x53, "i64.lt_s", IMM_NONE, I64, I64, I32) \
    X(I64_LT_U, 0, 0x54, "i64.lt_u", IMM_NONE, I64, I64, I32) \
    X(I64_GT_S, 0, 0x55, "i64.gt_s", IMM_NONE, I64, I64, I32) \
    X(I64_GT_U, 0, 0x56, "i64.gt_u", IMM_NONE, I64, I64, I32) \
    X(I64_LE_S, 0, 0x57, "i64.le_s", IMM_NONE, I64, I64, I32) \
    X(I64_LE_U, 0, 0x58, "i64.le_u", IMM_NONE, I64, I64, I32) \
    X(I64_GE_S, 0, 0x59, "i64.ge_s", IMM_NONE, I64, I64, I32) \
    X(I64_GE_U, 0, 0x5a, "i64.ge_u", IMM_NONE, I64, I64, I32) \
    X(F32_EQ, 0, 0x5b, "f32.eq", IMM_NONE, F32, F32, I32) \
    X(F32_NE, 0, 0x5c, "f32.ne", IMM_NONE, F32, F32, I32) \
    X(F32_LT, 0, 0x5d, "f32.lt", IMM_NONE, F32, F32, I32) \
    X(F32_GT, 0, 0x5e, "f32.gt", IMM_NONE, F32, F32, I32) \
    X(F32_LE, 0, 0x5f, "f32.le", IMM_NONE, F32, F32, I32) \
    X(F32_GE, 0, 0x60, "f32.ge", IMM_NONE, F32, F32, I32) \
    X(F64_EQ, 0, 0x61, "f64.eq", IMM_NONE, F64, F64, I32) \
    X(F64_NE, 0, 0x62, "f64.ne", IMM_NONE, F64, F64, I32) \
    X(F64_LT, 0, 0x63, "f64.lt", IMM_NONE, F64, F64, I32) \
    X(F64_GT, 0, 0x64, "f64.gt", IMM_NONE, F64, F64, I32) \
    X(F64_LE, 0, 0x65, "f64.le", IMM_NONE, F64, F64, I32) \
    X(F64_GE, 0, 0x66, "f64.ge", IMM_NONE, F64, F64, I32) \
    X(I32_CLZ, 0, 0x67, "i32.clz", IMM_NONE, I32, NONE, I32) \
    X(I32_CTZ, 0, 0x68, "i32.ctz", IMM_NONE, I32, NONE, I32) \
    X(I32_POPCNT, 0, 0x69, "i32.popcnt", IMM_NONE, I32, NONE, I32) \
    X(I32_ADD, 0, 0x6a, "i32.add", IMM_NONE, I32, I32, I32) \
    X(I32_SUB, 0, 0x6b, "i32.sub", IMM_NONE, I32, I32, I32) \
    X(I32_MUL, 0, 0x6c, "i32.mul", IMM_NONE, I32, I32, I32) \
    X(I32_DIV_S, 0, 0x6d, "i32.div_s", IMM_NONE, I32, I32, I32) \
    X(I32_DIV_U, 0, 0x6e, "i32.div_u", IMM_NONE, I32, I32, I32) \
    X(I32_REM_S, 0, 0x6f, "i32.rem_s", IMM_NONE, I32, I32, I32) \
    X(I32_REM_U, 0, 0x70, "i32.rem_u", IMM_NONE, I32, I32, I32) \
    X(I32_AND, 0, 0x71, "i32.and", IMM_NONE, I32, I32, I32) \
    X(I32_OR, 0, 0x72, "i32.or", IMM_NONE, I32, I32, I32) \
    X(I32_XOR, 0, 0x73, "i32.xor", IMM_NONE, I32, I32, I32) \
    X(I32_SHL, 0, 0x74, "i32.shl", IMM_NONE, I32, I32, I32) \
    X(I32_SHR_S, 0, 0x75, "i32.shr_s", IMM_NONE, I32, I32, I32) \
    X(I32_SHR_U, 0, 0x76, "i32.shr_u", IMM_NONE, I32, I32, I32) \
    X(I32_ROTL, 0, 0x77, "i32.rotl", IMM_NONE, I32, I32, I32) \
    X(I32_ROTR, 0, 0x78, "i32.rotr", IMM_NONE, I32, I32, I32) \
    X(I64_CLZ, 0, 0x79, "i64.clz", IMM_NONE, I64, NONE, I64) \
    X(I64_CTZ, 0, 0x7a, "i64.ctz", IMM_NONE, I64, NONE, I64) \
    X(I64_POPCNT, 0, 0x7b, "i64.popcnt", IMM_NONE, I64, NONE, I64) \
    X(I64_ADD, 0, 0x7c, "i64.add", IMM_NONE, I64, I64, I64) \
    X(I64_SUB, 0, 0x7d, "i64.sub", IMM_NONE, I64, I64, I64) \
    X(I64_MUL, 0, 0x7e, "i64.mul", IMM_NONE, I64, I64, I64) \
    X(I64_DIV_S, 0, 0x7f, "i64.div_s", IMM_NONE, I64, I64, I64) \
    X(I64_DIV_U, 0, 0x80, "i64.div_u", IMM_NONE, I64, I64, I64) \
    X(I64_REM_S, 0, 0x81, "i64.rem_s", IMM_NONE, I64, I64, I64) \
    X(I64_REM_U, 0, 0x82, "i64.rem_u", IMM_NONE, I64, I64, I64) \
    X(I64_AND, 0, 0x83, "i64.and", IMM_NONE, I64, I64, I64) \
    X(I64_OR, 0, 0x84, "i64.or", IMM_NONE, I64, I64, I64) \
    X(I64_XOR, 0, 0x85, "i64.xor", IMM_NONE, I64, I64, I64) \
    X(I64_SHL, 0, 0x86, "i64.shl", IMM_NONE, I64, I64, I64) \
    X(I64_SHR_S, 0, 0x87, "i64.shr_s", IMM_NONE, I64, I64, I64) \
    X(I64_SHR_U, 0, 0x88, "i64.shr_u", IMM_NONE, I64, I64, I64) \
    X(I64_ROTL, 0, 0x89, "i64.rotl", IMM_NONE, I64, I64, I64) \
    X(I64_ROTR, 0, 0x8a, "i64.rotr", IMM_NONE, I64, I64, I64) \
    X(F32_ABS, 0, 0x8b, "f32.abs", IMM_NONE, F32, NONE, F32) \
    X(F32_NEG, 0, 0x8c, "f32.neg", IMM_NONE, F32, NONE, F32) \
    X(F32_CEIL, 0, 0x8d, "f32.ceil", IMM_NONE, F32, NONE, F32) \
    X(F32_FLOOR, 0, 0x8e, "f32.floor", IMM_NONE, F32, NONE, F32) \
    X(F32_TRUNC, 0, 0x8f, "f32.trunc", IMM_NONE, F32, NONE, F32) \
    X(F32_NEAREST, 0, 0x90, "f32.nearest", IMM_NONE, F32, NONE, F32) \
    X(F32_SQRT, 0, 0x91, "f32.sqrt", IMM_NONE, F32, NONE, F32) \
    X(F32_ADD, 0, 0x92, "f32.add", IMM_NONE, F32, F32, F32) \
    X(F32_SUB, 0, 0x93, "f32.sub", IMM_NONE, F32, F32, F32) \
    X(F32_MUL, 0, 0x94, "f32.mul", IMM_NONE, F32, F32, F32) \
    X(F32_DIV, 0, 0x95, "f32.div", IMM_NONE, F32, F32, F32) \
    X(F32_MIN, 0, 0x96, "f32.min", IMM_NONE, F32, F32, F32) \
    X(F32_MAX, 0, 0x97, "f32.max", IMM_NONE, F32, F32, F32) \
    X(F32_COPYSIGN, 0, 0x98, "f32.copysign", IMM_NONE, F32, F32, F32) \
    X(F64_ABS, 0, 0x99, "f64.abs", IMM_NONE, F64, NONE, F64) \
    X(F64_NEG, 0, 0x9a, "f64.neg", IMM_NONE, F64, NONE, F64) \
    X(F64_CEIL, 0, 0x9b, "f64.ceil", IMM_NONE, F64, NONE, F64) \
    X(F64_FLOOR, 0, 0x9c, "f64.floor", IMM_NONE, F64, NONE, F64) \
    X(F64_TRUNC, 0, 0x9d, "f64.trunc", IMM_NONE, F64, NONE, F64) \
    X(F64_NEAREST, 0, 0x9e, "f64.nearest", IMM_NONE, F64, NONE, F64) \
    X(F64_SQRT, 0, 0x9f, "f64.sqrt", IMM_NONE, F64, NONE, F64) \
    X(F64_ADD, 0, 0xa0, "f64.add", IMM_NONE, F64, F64, F64) \
    X(F64_SUB, 0, 0xa1, "f64.sub", IMM_NONE, F64, F64, F64) \
    X(F64_MUL, 0, 0xa2, "f64.mul", IMM_NONE, F64, F64, F64) \
    X(F64_DIV, 0, 0xa3, "f64.div", IMM_NONE, F64, F64, F64) \
    X(F64_MIN, 0, 0xa4, "f64.min", IMM_NONE, F64, F64, F64) \
    X(F64_MAX, 0, 0xa5, "f64.max", IMM_NONE, F64, F64, F64) \
    X(F64_COPYSIGN, 0, 0xa6, "f64.copysign", IMM_NONE, F64, F64, F64) \
    X(I32_WRAP_I64, 0, 0xa7, "i32.wrap_i64", IMM_NONE, I64, NONE, I32) \
    X(I32_TRUNC_F32_S, 0, 0xa8, "i32.trunc_f32_s", IMM_NONE, F32, NONE, I32) \
    X(I32_TRUNC_F32_U, 0, 0xa9, "i32.trunc_f32_u", IMM_NONE, F32, NONE, I32) \
    X(I32_TRUNC_F64_S, 0, 0xaa, "i32.trunc_f64_s", IMM_NONE, F64, NONE, I32) \
    X(I32_TRUNC_F64_U, 0, 0xab, "i32.trunc_f64_u", IMM_NONE, F64, NONE, I32) \
    X(I64_EXTEND_I32_S, 0, 0xac, "i64.extend_i32_s", IMM_NONE, I32, NONE, I64) \
    X(I64_EXTEND_I32_U, 0, 0xad, "i64.extend_i32_u", IMM_NONE, I32, NONE, I64) \
    X(I64_TRUNC_F32_S, 0, 0xae, "i64.trunc_f32_s", IMM_NONE, F32, NONE, I64) \
    X(I64_TRUNC_F32_U, 0, 0xaf, "i64.trunc_f32_u", IMM_NONE, F32, NONE, I64) \
    X(I64_TRUNC_F64_S, 0, 0xb0, "i64.trunc_f64_s", IMM_NONE, F64, NONE, I64) \
    X(I64_TRUNC_F64_U, 0, 0xb1, "i64.trunc_f64_u", IMM_NONE, F64, NONE, I64) \
    X(F32_CONVERT_I32_S, 0, 0xb2, "f32.convert_i32_s", IMM_NONE, I32, NONE, F32) \
    X(F32_CONVERT_I32_U, 0, 0xb3, "f32.convert_i32_u", IMM_NONE, I32, NONE, F32) \
    X(F32_CONVERT_I64_S, 0, 0xb4, "f32.convert_i64_s", IMM_NONE, I64, NONE, F32) \
    X(F32_CONVERT_I64_U, 0, 0xb5, "f32.convert_i64_u", IMM_NONE, I64, NONE, F32) \
    X(F32_DEMOTE_F64, 0, 0xb6, "f32.demote_f64", IMM_NONE, F64, NONE, F32) \
    X(F64_CONVERT_I32_S, 0, 0xb7, "f64.convert_i32_s", IMM_NONE, I32, NONE, F64) \
    X(F64_CONVERT_I32_U, 0, 0xb8, "f64.convert_i32_u", IMM_NONE, I32, NONE, F64) \
    X(F64_CONVERT_I64_S, 0, 0xb9, "f64.convert_i64_s", IMM_NONE, I64, NONE, F64) \
    X(F64_CONVERT_I64_U, 0, 0xba, "f64.convert_i64_u", IMM_NONE, I64, NONE, F64) \
    X(F64_PROMOTE_F32, 0, 0xbb, "f64.promote_f32", IMM_NONE, F32, NONE, F64) \
    X(I32_REINTERPRET_F32, 0, 0xbc, "i32.reinterpret_f32", IMM_NONE, F32, NONE, I32) \
    X(I64_REINTERPRET_F64, 0, 0xbd, "i64.reinterpret_f64", IMM_NONE, F64, NONE, I64) \
    X(F32_REINTERPRET_I32, 0, 0xbe, "f32.reinterpret_i32", IMM_NONE, I32, NONE, F32) \
    X(F64_REINTERPRET_I64, 0, 0xbf, "f64.reinterpret_i64", IMM_NONE, I64, NONE, F64) \
    X(I32_EXTEND8_S, 0, 0xc0, "i32.extend8_s", IMM_NONE, I32, NONE, I32) \
    X(I32_EXTEND16_S, 0, 0xc1, "i32.extend16_s", IMM_NONE, I32, NONE, I32) \
    X(I64_EXTEND8_S, 0, 0xc2, "i64.extend8_s", IMM_NONE, I64, NONE, I64) \
    X(I64_EXTEND16_S, 0, 0xc3, "i64.extend16_s", IMM_NONE, I64, NONE, I64) \
    X(I64_EXTEND32_S, 0, 0xc4, "i64.extend32_s", IMM_NONE, I64, NONE, I64) \
    X(REF_NULL, 0, 0xd0, "ref.null", IMM_REFTYPE, NONE, NONE, NONE) \
    X(REF_IS_NULL, 0, 0xd1, "ref.is_null", IMM_NONE, NONE, NONE, NONE) \
    X(REF_FUNC, 0, 0xd2, "ref.func", IMM_FUNC, NONE, NONE, NONE) \
    X(I32_TRUNC_SAT_F32_S, 0xfc, 0, "i32.trunc_sat_f32_s", IMM_NONE, F32, NONE, I32) \
    X(I32_TRUNC_SAT_F32_U, 0xfc, 1, "i32.trunc_sat_f32_u", IMM_NONE, F32, NONE, I32) \
    X(I32_TRUNC_SAT_F64_S, 0xfc, 2, "i32.trunc_sat_f64_s", IMM_NONE, F64, NONE, I32) \
    X(I32_TRUNC_SAT_F64_U, 0xfc, 3, "i32.trunc_sat_f64_u", IMM_NONE, F64, NONE, I32) \
    X(I64_TRUNC_SAT_F32_S, 0xfc, 4, "i64.trunc_sat_f32_s", IMM_NONE, F32, NONE, I64) \
    X(I64_TRUNC_SAT_F32_U, 0xfc, 5, "i64.trunc_sat_f32_u", IMM_NONE, F32, NONE, I64) \
    X(I64_TRUNC_SAT_F64_S, 0xfc, 6, "i64.trunc_sat_f64_s", IMM_NONE, F64, NONE, I64) \
    X(I64_TRUNC_SAT_F64_U, 0xfc, 7, "i64.trunc_sat_f64_u", IMM_NONE, F64, NONE, I64) \
    X(MEMORY_INIT, 0xfc, 8, "memory.init", IMM_MEMORY_INIT, NONE, NONE, NONE) \
    X(DATA_DROP, 0xfc, 9, "data.drop", IMM_DATA, NONE, NONE, NONE) \
    X(MEMORY_COPY, 0xfc, 10, "memory.copy", IMM_MEMORY_COPY, NONE, NONE, NONE) \
    X(MEMORY_FILL, 0xfc, 11, "memory.fill", IMM_MEMORY, NONE, NONE, NONE) \
    X(TABLE_INIT, 0xfc, 12, "table.init", IMM_TABLE_INIT, NONE, NONE, NONE) \
    X(ELEM_DROP, 0xfc, 13, "elem.drop", IMM_ELEM, NONE, NONE, NONE) \
    X(TABLE_COPY, 0xfc, 14, "table.copy", IMM_TABLE_COPY, NONE, NONE, NONE) \
    X(TABLE_GROW, 0xfc, 15, "table.grow", IMM_TABLE, NONE, NONE, NONE) \
    X(TABLE_SIZE, 0xfc, 16, "table.size", IMM_TABLE, NONE, NONE, NONE) \
    X(TABLE_FILL, 0xfc, 17, "table.fill", IMM_TABLE, NONE, NONE, NONE)

enum wasm_op {
#define WASM_OP_ENUM(name, prefix, code, text, imm, a, b, r) WASM_OP_##name,
    WASM_OPCODES(WASM_OP_ENUM)
    WASM_SIMD_OPCODES(WASM_OP_ENUM)
#undef WASM_OP_ENUM
    WASM_OP_COUNT
};

/* Operand kinds for the A/B/R columns. */
enum wasm_opty {
    OPTY_NONE = 0, OPTY_I32 = 0x7f, OPTY_I64 = 0x7e, OPTY_F32 = 0x7d, OPTY_F64 = 0x7c,
    OPTY_V128 = 0x7b,
};

struct wasm_opinfo {
    const char *text;
    uint8_t prefix;
    uint32_t code;
    enum wasm_imm imm;
    uint8_t a, b, r;   /* enum wasm_opty */
};

extern const struct wasm_opinfo wasm_opinfo[WASM_OP_COUNT];

/* Maps a single-byte opcode (prefix 0) or a 0xfc/0xfd sub-opcode to enum wasm_op; returns
 * -1 when the opcode is unknown. */
int wasm_op_lookup(uint8_t prefix, uint32_t code);

#define WASM_PREFIX_MISC 0xfc
#define WASM_PREFIX_SIMD 0xfd

#endif
