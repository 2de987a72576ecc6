/*
 * LEB128 and fixed-width reads for the Wasm binary format. The spec's malformed cases that
 * live here: a LEB128 longer than its type allows ("integer representation too long"),
 * unused bits of the last byte that are not a sign extension ("integer too large"), and
 * reading past the end ("unexpected end").
 */
#include "wasm_reader.h"

#include <stdarg.h>
#include <stdio.h>

void wasm_reader_init(struct wasm_reader *r, const uint8_t *bytes, size_t pos, size_t end,
                      struct waot_error *err)
{
    r->bytes = bytes;
    r->pos = pos;
    r->end = end;
    r->failed = false;
    r->where = NULL;
    r->err = err;
}

void wasm_reader_fail(struct wasm_reader *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    if (!r->err)
        return;
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (r->where)
        waot_fail(r->err, WAOT_E_MALFORMED, "%s, offset 0x%zx: %s", r->where, r->pos, what);
    else
        waot_fail(r->err, WAOT_E_MALFORMED, "offset 0x%zx: %s", r->pos, what);
}

uint8_t wasm_read_u8(struct wasm_reader *r)
{
    if (r->failed)
        return 0;
    if (r->pos >= r->end) {
        wasm_reader_fail(r, "unexpected end");
        return 0;
    }
    return r->bytes[r->pos++];
}

/* Reads an LEB128 of at most `bits` bits; sign-extends when is_signed. */
static uint64_t read_leb(struct wasm_reader *r, unsigned bits, bool is_signed)
{
    uint64_t result = 0;
    unsigned shift = 0;
    unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0; i < max_bytes; i++) {
        if (r->failed)
            return 0;
        if (r->pos >= r->end) {
            wasm_reader_fail(r, "unexpected end");
            return 0;
        }
        uint8_t byte = r->bytes[r->pos++];
        if (i == max_bytes - 1) {
            if (byte & 0x80) {
                r->pos--;
                wasm_reader_fail(r, "integer representation too long");
                return 0;
            }
            /* Bits beyond `bits` in the last byte must be zero (unsigned) or copies of the
             * sign bit (signed). */
            unsigned used = bits - shift; /* 1..7 payload bits that count */
            uint8_t extra = (uint8_t)(byte & 0x7f) >> used;
            if (is_signed) {
                uint8_t sign = (byte >> (used - 1)) & 1;
                uint8_t want = sign ? (uint8_t)(0x7f >> used) : 0;
                if (extra != want) {
                    r->pos--;
                    wasm_reader_fail(r, "integer too large");
                    return 0;
                }
            } else if (extra != 0) {
                r->pos--;
                wasm_reader_fail(r, "integer too large");
                return 0;
            }
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80)) {
            if (is_signed && shift < 64 && (byte & 0x40))
                result |= ~UINT64_C(0) << shift;
            return result;
        }
    }
    return result; /* not reached: the last byte's check returns or fails */
}

uint32_t wasm_read_u32(struct wasm_reader *r)
{
    return (uint32_t)read_leb(r, 32, false);
}

int32_t wasm_read_s32(struct wasm_reader *r)
{
    return (int32_t)(uint32_t)read_leb(r, 32, true);
}

int64_t wasm_read_s64(struct wasm_reader *r)
{
    return (int64_t)read_leb(r, 64, true);
}

int64_t wasm_read_s33(struct wasm_reader *r)
{
    uint64_t v = read_leb(r, 33, true);
    return (int64_t)v;
}

uint32_t wasm_read_fixed32(struct wasm_reader *r)
{
    const uint8_t *p = wasm_read_bytes(r, 4);
    if (!p)
        return 0;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t wasm_read_fixed64(struct wasm_reader *r)
{
    const uint8_t *p = wasm_read_bytes(r, 8);
    if (!p)
        return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

const uint8_t *wasm_read_bytes(struct wasm_reader *r, size_t n)
{
    if (r->failed)
        return NULL;
    if (n > r->end - r->pos) {
        wasm_reader_fail(r, "unexpected end");
        return NULL;
    }
    const uint8_t *p = r->bytes + r->pos;
    r->pos += n;
    return p;
}
