/*
 * Private to the decoder (wasm_decode*.c) and the validator (wasm_validate*.c): the
 * instruction reader both use to read one instruction with its immediates, and the state
 * the decoder's files share while they read a module.
 *
 * The decoder scans every function body and constant expression once with
 * wasm_decode_instr, so every instruction-level format error (unknown opcode, bad LEB128,
 * missing `end`, "zero byte expected", "data count section required") is reported by
 * wasm_decode as WAOT_E_MALFORMED before any validation error, as the spec orders them.
 * The validator reads bodies again with the same reader and may trust their syntax.
 */
#ifndef WAOT_WASM_DECODE_INT_H
#define WAOT_WASM_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm_module.h"
#include "wasm_opcodes.h"
#include "wasm_reader.h"

/* One decoded instruction. Which fields hold what depends on wasm_opinfo[op].imm. */
struct wasm_instr {
    int op;             /* enum wasm_op */
    size_t offset;      /* module offset of the opcode */
    /* IMM_LABEL, IMM_FUNC, IMM_LOCAL, IMM_GLOBAL, IMM_TABLE, IMM_DATA, IMM_ELEM: a.
     * IMM_CALL_INDIRECT: a = type index, b = table index.
     * IMM_MEMARG: a = alignment exponent, b = offset.
     * IMM_MEMORY_INIT: a = data index. IMM_TABLE_INIT: a = elem index, b = table index.
     * IMM_TABLE_COPY: a = destination table, b = source table.
     * IMM_BR_TABLE: a = number of labels before the default, b = default label.
     * IMM_BLOCKTYPE: a = type index when bt_index. */
    uint32_t a, b;
    uint64_t value;     /* IMM_I32/IMM_I64 (sign-extended), IMM_F32/IMM_F64 bits */
    /* IMM_BLOCKTYPE: result type or 0 for none (when !bt_index); IMM_REFTYPE: the type;
     * IMM_SELECT_T: the first type (valtype_count says how many were given). */
    wasm_valtype valtype;
    bool bt_index;
    uint32_t valtype_count;
    size_t targets;     /* IMM_BR_TABLE: module offset of the label vector's first label */
    uint8_t lane;       /* IMM_LANE, IMM_MEMARG_LANE: the lane index (not yet checked) */
    uint8_t v128[16];   /* IMM_V128: the bytes; IMM_SHUFFLE: the 16 lane indices */
};

/* Reads one instruction. Returns 0, or -1 with r->failed set (malformed, message in
 * r->err). */
int wasm_decode_instr(struct wasm_reader *r, struct wasm_instr *in);

/* Reads a value type byte: a number type, v128 or a reference type; anything else is
 * malformed. Returns 0 on failure. */
wasm_valtype wasm_decode_valtype(struct wasm_reader *r);

bool wasm_decode_utf8_valid(const uint8_t *s, size_t len);

/* State shared by the decoder's files while one module is read. */
struct wasm_decoder {
    struct wasm_module *m;
    struct waot_error *err;
    bool has_func_section;
    uint32_t ndefined_funcs;   /* from the function section */
    const uint32_t *func_types; /* type index per defined function (function section) */
    bool has_code_section, has_data_section;
    bool index_spaces_done;    /* imported entities counted and placed */
    size_t name_start, name_end; /* payload of a `name` custom section, if seen */
    bool has_name_section;
    /* First memory.init/data.drop seen without a data count section. It is malformed only
     * if the module has a data section: without one, every data index is unknown and the
     * validator reports the module invalid (encoders omit the data count section when
     * there are no segments, so that is the error the module really has). */
    bool needs_data_count;
    char needs_data_count_where[160];
    /* Scratch stack of open blocks for wasm_decode_expr (malloc'd, reused). */
    uint8_t *blocks;
    size_t blocks_cap;
    char where[96];            /* message prefix for the current section/function */
};

/* Reads a vector count and fails (malformed) when count * min_size bytes cannot fit in
 * what is left, so callers may allocate count elements safely. */
uint32_t wasm_decode_count(struct wasm_reader *r, size_t min_size);

/* Reads a name (vec(byte), valid UTF-8) into a NUL-terminated arena copy. */
const char *wasm_decode_name(struct wasm_decoder *d, struct wasm_reader *r, uint32_t *len);

/* Reads an expression up to and including its final `end`, checking the syntax of every
 * instruction. When ce is not NULL it is a constant expression: its one instruction is
 * stored in ce, and shapes that are well-formed but not constant (or hold not exactly
 * one value) are noted with wasm_decode_note_invalid. Returns 0 or -1. */
int wasm_decode_expr(struct wasm_decoder *d, struct wasm_reader *r, struct wasm_const_expr *ce);

/* Notes the first validation error seen while decoding (reported by wasm_validate). */
void wasm_decode_note_invalid(struct wasm_decoder *d, size_t offset, const char *what);

/* Section decoders in wasm_decode_segments.c. */
int wasm_decode_elem_section(struct wasm_decoder *d, struct wasm_reader *r);
int wasm_decode_data_section(struct wasm_decoder *d, struct wasm_reader *r);
int wasm_decode_code_section(struct wasm_decoder *d, struct wasm_reader *r);
/* Reads the `name` custom section noted in d; never fails the module. */
void wasm_decode_name_section(struct wasm_decoder *d);

#endif
