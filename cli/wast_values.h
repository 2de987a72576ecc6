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
};

struct wast_expect {
    enum wast_expect_kind kind;
    struct waot_val val; /* val.type is always set */
};

/* The host pointer standing for (ref.extern n): non-null and distinct for every n. */
void *wast_values_extern_ref(uint64_t n);

/* Parses an argument. value may be NULL only where the script omits it (never for
 * arguments). Fails with WAOT_E_UNSUPPORTED for v128 (the caller counts a skip) and with
 * WAOT_E_USAGE for anything it cannot read; the message names type and value. */
int wast_values_parse(const char *type, const char *value, struct waot_val *out,
                      struct waot_error *err);
/* Parses an expected result; value NULL means "any non-null reference" for ref types. */
int wast_values_parse_expect(const char *type, const char *value, struct wast_expect *out,
                             struct waot_error *err);

bool wast_values_match(const struct wast_expect *want, const struct waot_val *got);

/* "i32:42", "f32:0x7fc00000 (nan)", "externref:3", "funcref:null", ... */
void wast_values_format(const struct waot_val *v, char *buf, size_t len);
void wast_values_format_expect(const struct wast_expect *e, char *buf, size_t len);

/* Name of a value type ("i32", "funcref", ...); "?" for anything else. */
const char *wast_values_type_name(enum waot_valtype t);

#endif
