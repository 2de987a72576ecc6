/*
 * Spec-test values: parsing wast2json's typed strings, NaN classes, comparison, printing.
 * See wast_values.h. Floats stay bit patterns throughout so that NaN payloads survive.
 */
#include "wast_values.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F32_SIGN 0x80000000u
#define F32_EXP 0x7f800000u
#define F32_QUIET 0x00400000u
#define F32_CANONICAL 0x7fc00000u
#define F64_SIGN 0x8000000000000000ull
#define F64_EXP 0x7ff0000000000000ull
#define F64_QUIET 0x0008000000000000ull
#define F64_CANONICAL 0x7ff8000000000000ull

void *wast_values_extern_ref(uint64_t n)
{
    return (void *)(uintptr_t)(n + 1);
}

const char *wast_values_type_name(enum waot_valtype t)
{
    switch (t) {
    case WAOT_I32: return "i32";
    case WAOT_I64: return "i64";
    case WAOT_F32: return "f32";
    case WAOT_F64: return "f64";
    case WAOT_V128: return "v128";
    case WAOT_FUNCREF: return "funcref";
    case WAOT_EXTERNREF: return "externref";
    }
    return "?";
}

static int type_from_name(const char *name, enum waot_valtype *out)
{
    static const struct {
        const char *name;
        enum waot_valtype type;
    } names[] = {
        {"i32", WAOT_I32},         {"i64", WAOT_I64},
        {"f32", WAOT_F32},         {"f64", WAOT_F64},
        {"v128", WAOT_V128},       {"funcref", WAOT_FUNCREF},
        {"externref", WAOT_EXTERNREF},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].type;
            return 0;
        }
    }
    return -1;
}

/* Reads an unsigned decimal that must fit in max; the whole string must be consumed. */
static int read_unsigned(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_value(enum waot_valtype type, const char *type_name, const char *value,
                       struct waot_val *out, struct waot_error *err)
{
    uint64_t n = 0;
    memset(out, 0, sizeof *out);
    out->type = type;
    switch (type) {
    case WAOT_I32:
    case WAOT_F32:
        if (read_unsigned(value, UINT32_MAX, &n) < 0)
            break;
        out->of.i32 = (uint32_t)n;
        return 0;
    case WAOT_I64:
    case WAOT_F64:
        if (read_unsigned(value, UINT64_MAX, &n) < 0)
            break;
        out->of.i64 = n;
        return 0;
    case WAOT_FUNCREF:
        /* Scripts can only write ref.null func as a funcref argument. */
        if (value && strcmp(value, "null") == 0) {
            out->of.funcref = NULL;
            return 0;
        }
        break;
    case WAOT_EXTERNREF:
        if (value && strcmp(value, "null") == 0) {
            out->of.externref = NULL;
            return 0;
        }
        if (read_unsigned(value, UINT64_MAX - 1, &n) < 0)
            break;
        out->of.externref = wast_values_extern_ref(n);
        return 0;
    case WAOT_V128:
        return waot_fail(err, WAOT_E_UNSUPPORTED, "v128 value without lanes");
    }
    return waot_fail(err, WAOT_E_USAGE, "bad %s value \"%s\"", type_name, value ? value : "(none)");
}

int wast_values_parse(const char *type, const char *value, struct waot_val *out,
                      struct waot_error *err)
{
    enum waot_valtype t;
    if (!type || type_from_name(type, &t) < 0)
        return waot_fail(err, WAOT_E_USAGE, "unknown value type \"%s\"", type ? type : "(none)");
    return parse_value(t, type, value, out, err);
}

int wast_values_parse_expect(const char *type, const char *value, struct wast_expect *out,
                             struct waot_error *err)
{
    enum waot_valtype t;
    memset(out, 0, sizeof *out);
    if (!type || type_from_name(type, &t) < 0)
        return waot_fail(err, WAOT_E_USAGE, "unknown value type \"%s\"", type ? type : "(none)");
    out->val.type = t;
    out->kind = WAST_EXPECT_EXACT;
    if ((t == WAOT_F32 || t == WAOT_F64) && value && strncmp(value, "nan:", 4) == 0) {
        if (strcmp(value, "nan:canonical") == 0)
            out->kind = WAST_EXPECT_NAN_CANONICAL;
        else if (strcmp(value, "nan:arithmetic") == 0)
            out->kind = WAST_EXPECT_NAN_ARITHMETIC;
        else
            return waot_fail(err, WAOT_E_USAGE, "bad %s value \"%s\"", type, value);
        return 0;
    }
    if ((t == WAOT_FUNCREF || t == WAOT_EXTERNREF) && !value) {
        out->kind = WAST_EXPECT_NONNULL_REF;
        return 0;
    }
    /* (ref.func) results can only be told apart from null: any non-null one matches. */
    if (t == WAOT_FUNCREF && value && strcmp(value, "null") != 0) {
        out->kind = WAST_EXPECT_NONNULL_REF;
        return 0;
    }
    return parse_value(t, type, value, &out->val, err);
}

/* ---- v128 ---- */

/* Lane width in bits for a lane type name, or 0. */
static unsigned lane_width(const char *lane_type, bool *is_float)
{
    static const struct {
        const char *name;
        unsigned bits;
        bool is_float;
    } shapes[] = {
        {"i8", 8, false}, {"i16", 16, false}, {"i32", 32, false},
        {"i64", 64, false}, {"f32", 32, true}, {"f64", 64, true},
    };
    for (size_t i = 0; lane_type && i < sizeof shapes / sizeof shapes[0]; i++) {
        if (strcmp(lane_type, shapes[i].name) == 0) {
            *is_float = shapes[i].is_float;
            return shapes[i].bits;
        }
    }
    return 0;
}

/* Shared by both parsers; nan (when not NULL) receives per float lane its match kind. */
static int parse_v128(const char *lane_type, const char *const *lanes, size_t nlanes,
                      struct waot_val *out, uint8_t *nan, struct waot_error *err)
{
    bool is_float = false;
    unsigned bits = lane_width(lane_type, &is_float);
    memset(out, 0, sizeof *out);
    out->type = WAOT_V128;
    if (!bits)
        return waot_fail(err, WAOT_E_USAGE, "bad v128 lane type \"%s\"",
                         lane_type ? lane_type : "(none)");
    if (nlanes != 128 / bits)
        return waot_fail(err, WAOT_E_USAGE, "v128 of %s lanes needs %u lanes, got %zu", lane_type,
                         128 / bits, nlanes);
    uint64_t max = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
    for (size_t i = 0; i < nlanes; i++) {
        const char *s = lanes[i];
        uint64_t n = 0;
        if (is_float && nan && s && strncmp(s, "nan:", 4) == 0) {
            if (strcmp(s, "nan:canonical") == 0)
                nan[i] = WAST_LANE_NAN_CANONICAL;
            else if (strcmp(s, "nan:arithmetic") == 0)
                nan[i] = WAST_LANE_NAN_ARITHMETIC;
            else
                return waot_fail(err, WAOT_E_USAGE, "bad %s lane \"%s\"", lane_type, s);
            continue;
        }
        if (read_unsigned(s, max, &n) < 0)
            return waot_fail(err, WAOT_E_USAGE, "bad %s lane %zu \"%s\"", lane_type, i,
                             s ? s : "(none)");
        /* Little-endian lanes, whatever the host. */
        for (unsigned k = 0; k < bits / 8; k++)
            out->of.v128[i * (bits / 8) + k] = (uint8_t)(n >> (8 * k));
    }
    return 0;
}

int wast_values_parse_v128(const char *lane_type, const char *const *lanes, size_t nlanes,
                           struct waot_val *out, struct waot_error *err)
{
    return parse_v128(lane_type, lanes, nlanes, out, NULL, err);
}

int wast_values_parse_expect_v128(const char *lane_type, const char *const *lanes, size_t nlanes,
                                  struct wast_expect *out, struct waot_error *err)
{
    memset(out, 0, sizeof *out);
    out->kind = WAST_EXPECT_EXACT;
    if (parse_v128(lane_type, lanes, nlanes, &out->val, out->lane_nan, err) < 0)
        return -1;
    snprintf(out->lane_type, sizeof out->lane_type, "%s", lane_type);
    for (size_t i = 0; i < nlanes && i < 4; i++)
        if (out->lane_nan[i] != WAST_LANE_EXACT)
            out->kind = WAST_EXPECT_V128_LANES;
    return 0;
}

static uint64_t v128_lane(const uint8_t *v, unsigned bits, size_t i)
{
    uint64_t n = 0;
    for (unsigned k = 0; k < bits / 8; k++)
        n |= (uint64_t)v[i * (bits / 8) + k] << (8 * k);
    return n;
}

static bool v128_lanes_match(const struct wast_expect *want, const struct waot_val *got)
{
    bool f32 = strcmp(want->lane_type, "f32") == 0;
    unsigned bits = f32 ? 32 : 64;
    for (size_t i = 0; i < 128 / bits; i++) {
        uint64_t g = v128_lane(got->of.v128, bits, i);
        uint64_t sign = f32 ? F32_SIGN : F64_SIGN, exp = f32 ? F32_EXP : F64_EXP;
        uint64_t quiet = f32 ? F32_QUIET : F64_QUIET, canon = f32 ? F32_CANONICAL : F64_CANONICAL;
        switch (want->lane_nan[i]) {
        case WAST_LANE_NAN_CANONICAL:
            if ((g & ~sign) != canon)
                return false;
            break;
        case WAST_LANE_NAN_ARITHMETIC:
            if ((g & exp) != exp || !(g & quiet))
                return false;
            break;
        default:
            if (g != v128_lane(want->val.of.v128, bits, i))
                return false;
            break;
        }
    }
    return true;
}

static void format_v128(const uint8_t *v, const char *lane_type, const uint8_t *nan, char *buf,
                        size_t len)
{
    bool is_float = false;
    unsigned bits = lane_width(lane_type, &is_float);
    if (!bits)
        bits = 32, lane_type = "i32";
    int n = snprintf(buf, len, "v128:%s", lane_type);
    for (size_t i = 0; i < 128 / bits && n >= 0 && (size_t)n < len; i++) {
        if (nan && is_float && nan[i] != WAST_LANE_EXACT)
            n += snprintf(buf + n, len - (size_t)n, " %s",
                          nan[i] == WAST_LANE_NAN_CANONICAL ? "nan:canonical" : "nan:arithmetic");
        else
            n += snprintf(buf + n, len - (size_t)n, " 0x%0*" PRIx64, (int)(bits / 4),
                          v128_lane(v, bits, i));
    }
}

bool wast_values_match(const struct wast_expect *want, const struct waot_val *got)
{
    enum waot_valtype t = want->val.type;
    if (got->type != t)
        return false;
    switch (want->kind) {
    case WAST_EXPECT_NAN_CANONICAL:
        if (t == WAOT_F32)
            return (got->of.f32_bits & ~F32_SIGN) == F32_CANONICAL;
        return (got->of.f64_bits & ~F64_SIGN) == F64_CANONICAL;
    case WAST_EXPECT_NAN_ARITHMETIC:
        if (t == WAOT_F32)
            return (got->of.f32_bits & F32_EXP) == F32_EXP && (got->of.f32_bits & F32_QUIET);
        return (got->of.f64_bits & F64_EXP) == F64_EXP && (got->of.f64_bits & F64_QUIET);
    case WAST_EXPECT_NONNULL_REF:
        return t == WAOT_FUNCREF ? got->of.funcref != NULL : got->of.externref != NULL;
    case WAST_EXPECT_V128_LANES:
        return v128_lanes_match(want, got);
    case WAST_EXPECT_EXACT:
        break;
    }
    switch (t) {
    case WAOT_I32:
    case WAOT_F32:
        return got->of.i32 == want->val.of.i32;
    case WAOT_I64:
    case WAOT_F64:
        return got->of.i64 == want->val.of.i64;
    case WAOT_FUNCREF:
        return got->of.funcref == want->val.of.funcref;
    case WAOT_EXTERNREF:
        return got->of.externref == want->val.of.externref;
    case WAOT_V128:
        return memcmp(got->of.v128, want->val.of.v128, 16) == 0;
    }
    return false;
}

void wast_values_format(const struct waot_val *v, char *buf, size_t len)
{
    const char *tn = wast_values_type_name(v->type);
    switch (v->type) {
    case WAOT_I32:
        snprintf(buf, len, "i32:%" PRIu32 " (0x%08" PRIx32 ")", v->of.i32, v->of.i32);
        return;
    case WAOT_I64:
        snprintf(buf, len, "i64:%" PRIu64 " (0x%016" PRIx64 ")", v->of.i64, v->of.i64);
        return;
    case WAOT_F32: {
        float f;
        memcpy(&f, &v->of.f32_bits, sizeof f);
        snprintf(buf, len, "f32:0x%08" PRIx32 " (%.9g)", v->of.f32_bits, (double)f);
        return;
    }
    case WAOT_F64: {
        double d;
        memcpy(&d, &v->of.f64_bits, sizeof d);
        snprintf(buf, len, "f64:0x%016" PRIx64 " (%.17g)", v->of.f64_bits, d);
        return;
    }
    case WAOT_FUNCREF:
        if (!v->of.funcref)
            snprintf(buf, len, "funcref:null");
        else
            snprintf(buf, len, "funcref:%p", (void *)v->of.funcref);
        return;
    case WAOT_EXTERNREF:
        if (!v->of.externref)
            snprintf(buf, len, "externref:null");
        else
            snprintf(buf, len, "externref:%" PRIuPTR, (uintptr_t)v->of.externref - 1);
        return;
    case WAOT_V128:
        format_v128(v->of.v128, "i32", NULL, buf, len);
        return;
    }
    snprintf(buf, len, "%s(type 0x%x)", tn, (unsigned)v->type);
}

void wast_values_format_expect(const struct wast_expect *e, char *buf, size_t len)
{
    const char *tn = wast_values_type_name(e->val.type);
    switch (e->kind) {
    case WAST_EXPECT_NAN_CANONICAL:
        snprintf(buf, len, "%s:nan:canonical", tn);
        return;
    case WAST_EXPECT_NAN_ARITHMETIC:
        snprintf(buf, len, "%s:nan:arithmetic", tn);
        return;
    case WAST_EXPECT_NONNULL_REF:
        snprintf(buf, len, "%s:non-null", tn);
        return;
    case WAST_EXPECT_V128_LANES:
    case WAST_EXPECT_EXACT:
        break;
    }
    if (e->val.type == WAOT_V128 && e->lane_type[0]) {
        format_v128(e->val.of.v128, e->lane_type, e->lane_nan, buf, len);
        return;
    }
    wast_values_format(&e->val, buf, len);
}
