/*
 * The opcode table and the reverse lookup from encodings to enum wasm_op, built once from
 * WASM_OPCODES so that the two can never disagree.
 */
#include "wasm_opcodes.h"

#define NONE OPTY_NONE
#define I32 OPTY_I32
#define I64 OPTY_I64
#define F32 OPTY_F32
#define F64 OPTY_F64
#define V128 OPTY_V128

const struct wasm_opinfo wasm_opinfo[WASM_OP_COUNT] = {
#define WASM_OP_INFO(name, prefix, code, text, imm, a, b, r) \
    [WASM_OP_##name] = {text, prefix, code, imm, a, b, r},
    WASM_OPCODES(WASM_OP_INFO)
    WASM_SIMD_OPCODES(WASM_OP_INFO)
#undef WASM_OP_INFO
};

int wasm_op_lookup(uint8_t prefix, uint32_t code)
{
    if (code > 0xff)
        return -1;
    /* A switch over the table's encodings; the compiler turns it into a jump table. */
    switch ((uint32_t)prefix << 8 | code) {
#define WASM_OP_CASE(name, prefix, code, text, imm, a, b, r) \
    case (uint32_t)(prefix) << 8 | (code): return WASM_OP_##name;
        WASM_OPCODES(WASM_OP_CASE)
        WASM_SIMD_OPCODES(WASM_OP_CASE)
#undef WASM_OP_CASE
    default:
        return -1;
    }
}
