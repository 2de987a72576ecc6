/*
 * Values of the spec test scripts, as wast2json writes them: a type name and a decimal
 * string ("i32" "4294967295", floats as their bit pattern, "nan:canonical", "null" for a
 * null reference, N for (ref.extern N)). This file turns those strings into waot values and
 * expectations, compares results against expectations and formats both for messages. It
 * knows nothing about JSON (wast.c extracts the strings) so that unit tests need no jansson.
 */
#ifndef WAOT_CLI_WAST_VALUES_H
#define WAOT_CLI_WAST_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "waot/waot.h"

enum wast_expect_kind {
    WAST_EXPECT_EXACT,          /* val must match (floats by bits, refs by identity) */
    WAST_EXPECT_NAN_CANONICAL,  /* f32/f64: quiet NaN with the canonical payload, any sign */
    WAST_EXPECT_NAN_ARITHMETIC, /* f32/f64: any NaN with the quiet bit set */
    WAST_EXPECT_NONNULL_REF,    /* funcref/externref: any non-null reference */
    WAST_EXPECT_V128_LANES,     /* v128 with float lanes: lane_nan says how each matches */
};

/* How one float lane of a v128 expectation matches (WAST_EXPECT_V128_LANES). */
enum wast_lane_match { WAST_LANE_EXACT, WAST_LANE_NAN_CANONICAL, WAST_LANE_NAN_ARITHMETIC };

struct wast_expect {
    enum wast_expect_kind kind;
    struct waot_val val; /* val.type is always set; v128: the exact lanes (NaN lanes 0) */
    /* v128 only: the script's lane shape ("i8" ... "f64") for messages, and per float lane
     * (4 for f32, 2 for f64) how it matches. */
    char lane_type[4];
    uint8_t lane_nan[4];
};

/* The host pointer standing for (ref.extern n): non-null and distinct for every n. */
void *wast_values_extern_ref(uint64_t n);

/* Parses an argument. value may be NULL only where the script omits it (never for
 * arguments). Fails with WAOT_E_UNSUPPORTED for v128 (use wast_values_parse_v128) and with
 * WAOT_E_USAGE for anything it cannot read; the message names type and value. */
int wast_values_parse(const char *type, const char *value, struct waot_val *out,
                      struct waot_error *err);
/* Parses an expected result; value NULL means "any non-null reference" for ref types. */
int wast_values_parse_expect(const char *type, const char *value, struct wast_expect *out,
                             struct waot_error *err);

/* A v128 argument or expected result: wast2json writes it as a lane type ("i8", "i16",
 * "i32", "i64", "f32", "f64") and one decimal string per lane (the lane's bits, unsigned;
 * expected float lanes may be "nan:canonical" or "nan:arithmetic"). WAOT_E_USAGE for a bad
 * shape, lane count or lane value. */
int wast_values_parse_v128(const char *lane_type, const char *const *lanes, size_t nlanes,
                           struct waot_val *out, struct waot_error *err);
int wast_values_parse_expect_v128(const char *lane_type, const char *const *lanes, size_t nlanes,
                                  struct wast_expect *out, struct waot_error *err);

bool wast_values_match(const struct wast_expect *want, const struct waot_val *got);

/* "i32:42", "f32:0x7fc00000 (nan)", "externref:3", "funcref:null", ... */
void wast_values_format(const struct waot_val *v, char *buf, size_t len);
void wast_values_format_expect(const struct wast_expect *e, char *buf, size_t len);

/* Name of a value type ("i32", "funcref", ...); "?" for anything else. */
const char *wast_values_type_name(enum waot_valtype t);

#endif
