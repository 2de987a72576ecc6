/*
 * Reader of Wasm binary data with sticky failure: after the first error every read returns
 * zero and r->failed stays set, so callers check once per record. The first error's message
 * (with its byte offset) is kept in r->err. Used by the decoder, the validator and the
 * translator (which reads bodies the validator has already checked).
 */
#ifndef WAOT_WASM_READER_H
#define WAOT_WASM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "waot/waot.h"

struct wasm_reader {
    const uint8_t *bytes; /* whole module, so offsets in messages are module offsets */
    size_t pos, end;
    bool failed;
    const char *where;    /* "code section", ... prefix for messages; may be NULL */
    struct waot_error *err;
};

void wasm_reader_init(struct wasm_reader *r, const uint8_t *bytes, size_t pos, size_t end,
                      struct waot_error *err);
/* Records a malformed-module error at the current offset (first error wins). */
void wasm_reader_fail(struct wasm_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint8_t wasm_read_u8(struct wasm_reader *r);
uint32_t wasm_read_u32(struct wasm_reader *r);   /* unsigned LEB128, at most 5 bytes */
int32_t wasm_read_s32(struct wasm_reader *r);    /* signed LEB128, at most 5 bytes */
int64_t wasm_read_s64(struct wasm_reader *r);    /* signed LEB128, at most 10 bytes */
int64_t wasm_read_s33(struct wasm_reader *r);    /* block types */
uint32_t wasm_read_fixed32(struct wasm_reader *r); /* little-endian (f32 bits) */
uint64_t wasm_read_fixed64(struct wasm_reader *r); /* little-endian (f64 bits) */
/* Returns a pointer to n bytes in the module and advances, or NULL (and fails) if short. */
const uint8_t *wasm_read_bytes(struct wasm_reader *r, size_t n);
static inline bool wasm_reader_at_end(const struct wasm_reader *r)
{
    return r->failed || r->pos >= r->end;
}

#endif
