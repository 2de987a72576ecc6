/*
 * Instruction syntax: reading one instruction with its immediates (shared with the
 * validator), scanning a whole expression to its final `end`, and the small readers every
 * section needs (value types, counts, UTF-8 names). Everything here is about the binary
 * format only; types are the validator's business.
 */
#include "wasm_decode_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_valtype(uint8_t b)
{
    return b == WAOT_I32 || b == WAOT_I64 || b == WAOT_F32 || b == WAOT_F64 || b == WAOT_V128 ||
           b == WAOT_FUNCREF || b == WAOT_EXTERNREF;
}

wasm_valtype wasm_decode_valtype(struct wasm_reader *r)
{
    size_t at = r->pos;
    uint8_t b = wasm_read_u8(r);
    if (r->failed)
        return 0;
    if (is_valtype(b))
        return b;
    r->pos = at;
    wasm_reader_fail(r, "malformed value type 0x%02x", b);
    return 0;
}

uint32_t wasm_decode_count(struct wasm_reader *r, size_t min_size)
{
    size_t at = r->pos;
    uint32_t n = wasm_read_u32(r);
    if (r->failed)
        return 0;
    if (n > (r->end - r->pos) / min_size) {
        r->pos = at;
        wasm_reader_fail(r, "length out of bounds: count %u exceeds the %zu bytes left", n,
                         r->end - r->pos);
        return 0;
    }
    return n;
}

bool wasm_decode_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            n = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n > len - i)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n;
    }
    return true;
}

const char *wasm_decode_name(struct wasm_decoder *d, struct wasm_reader *r, uint32_t *len)
{
    uint32_t n = wasm_read_u32(r);
    size_t at = r->pos;
    const uint8_t *p = wasm_read_bytes(r, n);
    if (!p)
        return NULL;
    if (!wasm_decode_utf8_valid(p, n)) {
        r->pos = at;
        wasm_reader_fail(r, "malformed UTF-8 encoding");
        return NULL;
    }
    char *s = arena_alloc(&d->m->arena, (size_t)n + 1);
    if (!s) {
        r->failed = true;
        waot_fail(d->err, WAOT_E_NOMEM, "out of memory reading a name");
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = 0;
    *len = n;
    return s;
}

void wasm_decode_note_invalid(struct wasm_decoder *d, size_t offset, const char *what)
{
    if (d->m->decode_invalid)
        return;
    char buf[200];
    int n = snprintf(buf, sizeof buf, "%s, offset 0x%zx: %s", d->where, offset, what);
    if (n < 0)
        return;
    char *s = arena_alloc(&d->m->arena, (size_t)n + 1);
    if (!s)
        return;
    memcpy(s, buf, (size_t)n + 1);
    d->m->decode_invalid = s;
}

/* ---- one instruction ---- */

static void read_zero_byte(struct wasm_reader *r)
{
    size_t at = r->pos;
    uint8_t b = wasm_read_u8(r);
    if (!r->failed && b != 0) {
        r->pos = at;
        wasm_reader_fail(r, "zero byte expected");
    }
}

static void read_blocktype(struct wasm_reader *r, struct wasm_instr *in)
{
    if (r->pos >= r->end) {
        wasm_reader_fail(r, "unexpected end");
        return;
    }
    uint8_t b = r->bytes[r->pos];
    if (b == 0x40) {
        r->pos++;
        in->valtype = 0;
        return;
    }
    if (is_valtype(b)) {
        r->pos++;
        in->valtype = b;
        return;
    }
    size_t at = r->pos;
    int64_t v = wasm_read_s33(r);
    if (r->failed)
        return;
    if (v < 0) {
        r->pos = at;
        wasm_reader_fail(r, "malformed block type");
        return;
    }
    in->bt_index = true;
    in->a = (uint32_t)v;
}

int wasm_decode_instr(struct wasm_reader *r, struct wasm_instr *in)
{
    in->offset = r->pos;
    in->a = in->b = 0;
    in->value = 0;
    in->valtype = 0;
    in->bt_index = false;
    in->valtype_count = 0;
    in->targets = 0;
    in->lane = 0;
    uint8_t byte = wasm_read_u8(r);
    if (r->failed)
        return -1;
    int op;
    if (byte == WASM_PREFIX_MISC) {
        uint32_t sub = wasm_read_u32(r);
        if (r->failed)
            return -1;
        op = wasm_op_lookup(WASM_PREFIX_MISC, sub);
        if (op < 0) {
            r->pos = in->offset;
            wasm_reader_fail(r, "illegal opcode 0xfc 0x%x", sub);
            return -1;
        }
    } else if (byte == WASM_PREFIX_SIMD) {
        uint32_t sub = wasm_read_u32(r);
        if (r->failed)
            return -1;
        op = wasm_op_lookup(WASM_PREFIX_SIMD, sub);
        if (op < 0) {
            r->pos = in->offset;
            wasm_reader_fail(r, "illegal opcode 0xfd 0x%x", sub);
            return -1;
        }
    } else {
        op = wasm_op_lookup(0, byte);
        if (op < 0) {
            r->pos = in->offset;
            wasm_reader_fail(r, "illegal opcode 0x%02x", byte);
            return -1;
        }
    }
    in->op = op;
    switch (wasm_opinfo[op].imm) {
    case IMM_NONE:
        break;
    case IMM_BLOCKTYPE:
        read_blocktype(r, in);
        break;
    case IMM_LABEL:
    case IMM_FUNC:
    case IMM_LOCAL:
    case IMM_GLOBAL:
    case IMM_TABLE:
    case IMM_DATA:
    case IMM_ELEM:
        in->a = wasm_read_u32(r);
        break;
    case IMM_BR_TABLE:
        in->a = wasm_decode_count(r, 1);
        in->targets = r->pos;
        for (uint32_t i = 0; i < in->a && !r->failed; i++)
            wasm_read_u32(r);
        in->b = wasm_read_u32(r);
        break;
    case IMM_CALL_INDIRECT:
    case IMM_MEMARG:
    case IMM_TABLE_INIT:
    case IMM_TABLE_COPY:
        in->a = wasm_read_u32(r);
        in->b = wasm_read_u32(r);
        break;
    case IMM_MEMORY:
        read_zero_byte(r);
        break;
    case IMM_I32:
        in->value = (uint64_t)(int64_t)wasm_read_s32(r);
        break;
    case IMM_I64:
        in->value = (uint64_t)wasm_read_s64(r);
        break;
    case IMM_F32:
        in->value = wasm_read_fixed32(r);
        break;
    case IMM_F64:
        in->value = wasm_read_fixed64(r);
        break;
    case IMM_SELECT_T:
        in->valtype_count = wasm_decode_count(r, 1);
        for (uint32_t i = 0; i < in->valtype_count && !r->failed; i++) {
            wasm_valtype t = wasm_decode_valtype(r);
            if (i == 0)
                in->valtype = t;
        }
        break;
    case IMM_REFTYPE: {
        uint8_t t = wasm_read_u8(r);
        if (!r->failed && t != WAOT_FUNCREF && t != WAOT_EXTERNREF) {
            r->pos--;
            wasm_reader_fail(r, "malformed reference type 0x%02x", t);
        }
        in->valtype = t;
        break;
    }
    case IMM_MEMORY_INIT:
        in->a = wasm_read_u32(r);
        read_zero_byte(r);
        break;
    case IMM_MEMORY_COPY:
        read_zero_byte(r);
        read_zero_byte(r);
        break;
    case IMM_V128:
    case IMM_SHUFFLE: {
        const uint8_t *p = wasm_read_bytes(r, 16);
        if (p)
            memcpy(in->v128, p, 16);
        break;
    }
    case IMM_LANE:
        in->lane = wasm_read_u8(r);
        break;
    case IMM_MEMARG_LANE:
        in->a = wasm_read_u32(r);
        in->b = wasm_read_u32(r);
        in->lane = wasm_read_u8(r);
        break;
    }
    return r->failed ? -1 : 0;
}

/* ---- whole expressions ---- */

enum { BLOCK_PLAIN, BLOCK_IF, BLOCK_IF_ELSE };

static bool is_constant_op(int op)
{
    return op == WASM_OP_I32_CONST || op == WASM_OP_I64_CONST || op == WASM_OP_F32_CONST ||
           op == WASM_OP_F64_CONST || op == WASM_OP_REF_NULL || op == WASM_OP_REF_FUNC ||
           op == WASM_OP_GLOBAL_GET || op == WASM_OP_V128_CONST;
}

static void store_const(struct wasm_const_expr *ce, const struct wasm_instr *in)
{
    switch (in->op) {
    case WASM_OP_I32_CONST:
        ce->kind = WASM_CONST_I32, ce->type = WAOT_I32, ce->value.i32 = (uint32_t)in->value;
        break;
    case WASM_OP_I64_CONST:
        ce->kind = WASM_CONST_I64, ce->type = WAOT_I64, ce->value.i64 = in->value;
        break;
    case WASM_OP_F32_CONST:
        ce->kind = WASM_CONST_F32, ce->type = WAOT_F32, ce->value.i32 = (uint32_t)in->value;
        break;
    case WASM_OP_F64_CONST:
        ce->kind = WASM_CONST_F64, ce->type = WAOT_F64, ce->value.i64 = in->value;
        break;
    case WASM_OP_REF_NULL:
        ce->kind = WASM_CONST_REF_NULL, ce->type = in->valtype;
        break;
    case WASM_OP_REF_FUNC:
        ce->kind = WASM_CONST_REF_FUNC, ce->type = WAOT_FUNCREF, ce->value.index = in->a;
        break;
    case WASM_OP_V128_CONST:
        ce->kind = WASM_CONST_V128, ce->type = WAOT_V128;
        memcpy(ce->value.v128, in->v128, 16);
        break;
    case WASM_OP_GLOBAL_GET:
        /* The type is the global's; the validator fills it in. */
        ce->kind = WASM_CONST_GLOBAL_GET, ce->type = 0, ce->value.index = in->a;
        break;
    }
}

static int push_block(struct wasm_decoder *d, struct wasm_reader *r, size_t *depth, uint8_t kind)
{
    if (*depth == d->blocks_cap) {
        size_t cap = d->blocks_cap ? d->blocks_cap * 2 : 64;
        uint8_t *p = realloc(d->blocks, cap);
        if (!p) {
            r->failed = true;
            return waot_fail(d->err, WAOT_E_NOMEM, "out of memory scanning blocks");
        }
        d->blocks = p;
        d->blocks_cap = cap;
    }
    d->blocks[(*depth)++] = kind;
    return 0;
}

int wasm_decode_expr(struct wasm_decoder *d, struct wasm_reader *r, struct wasm_const_expr *ce)
{
    size_t depth = 0;
    uint32_t ninstr = 0;
    bool constant = true;
    size_t start = r->pos;
    struct wasm_instr in;
    for (;;) {
        if (r->pos >= r->end && !r->failed) {
            wasm_reader_fail(r, "unexpected end of section or function (END opcode expected)");
            return -1;
        }
        if (wasm_decode_instr(r, &in) < 0)
            return -1;
        switch (in.op) {
        case WASM_OP_BLOCK:
        case WASM_OP_LOOP:
            if (push_block(d, r, &depth, BLOCK_PLAIN) < 0)
                return -1;
            break;
        case WASM_OP_IF:
            if (push_block(d, r, &depth, BLOCK_IF) < 0)
                return -1;
            break;
        case WASM_OP_ELSE:
            if (depth == 0 || d->blocks[depth - 1] != BLOCK_IF) {
                r->pos = in.offset;
                wasm_reader_fail(r, "else without matching if");
                return -1;
            }
            d->blocks[depth - 1] = BLOCK_IF_ELSE;
            break;
        case WASM_OP_END:
            if (depth == 0)
                goto done;
            depth--;
            break;
        case WASM_OP_MEMORY_INIT:
        case WASM_OP_DATA_DROP:
            if (!d->m->has_data_count && !d->needs_data_count) {
                d->needs_data_count = true;
                snprintf(d->needs_data_count_where, sizeof d->needs_data_count_where,
                         "%s, offset 0x%zx", d->where, in.offset);
            }
            break;
        default:
            if (wasm_opinfo[in.op].prefix == WASM_PREFIX_SIMD)
                d->m->uses_simd = true;
            break;
        }
        if (ce) {
            if (ninstr == 0 && is_constant_op(in.op))
                store_const(ce, &in);
            if (constant && !is_constant_op(in.op)) {
                constant = false;
                wasm_decode_note_invalid(d, in.offset, "constant expression required");
            }
        }
        ninstr++;
    }
done:
    if (ce && constant && ninstr != 1)
        wasm_decode_note_invalid(d, start,
                                 ninstr ? "type mismatch: constant expression yields more than one value"
                                        : "type mismatch: empty constant expression");
    return 0;
}
