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
        return waot_fail(err, WAOT_E_UNSUPPORTED, "v128 value (SIMD is not supported yet)");
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
        snprintf(buf, len, "v128");
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
    case WAST_EXPECT_EXACT:
        break;
    }
    wast_values_format(&e->val, buf, len);
}
