/*
 * Typed values as text for `--invoke`: parsing command-line arguments by the parameter
 * types of the called function, and printing results the way `wasmtime run --invoke`
 * does (one value per line, integers signed, floats shortest round-trip).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"

const char *launch_valtype_name(enum waot_valtype t)
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

/* Integer of `bits` bits: signed or unsigned, decimal or 0x hex. */
static int parse_int(const char *text, unsigned bits, uint64_t *out)
{
    const char *p = text;
    bool neg = false;
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    if (!*p || *p == '-' || *p == '+' || *p == ' ')
        return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(p, &end, 0);
    if (errno || !end || *end)
        return -1;
    uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    uint64_t nmax = UINT64_C(1) << (bits - 1); /* magnitude of the most negative value */
    if (neg) {
        if (v > nmax)
            return -1;
        *out = (uint64_t)0 - (uint64_t)v;
    } else {
        if (v > umax)
            return -1;
        *out = v;
    }
    if (bits < 64)
        *out &= umax;
    return 0;
}

int launch_value_parse(enum waot_valtype t, const char *text, struct waot_val *out,
                       struct waot_error *err)
{
    memset(out, 0, sizeof *out);
    out->type = t;
    uint64_t u = 0;
    char *end = NULL;
    switch (t) {
    case WAOT_I32:
        if (parse_int(text, 32, &u) == 0) {
            out->of.i32 = (uint32_t)u;
            return 0;
        }
        break;
    case WAOT_I64:
        if (parse_int(text, 64, &u) == 0) {
            out->of.i64 = u;
            return 0;
        }
        break;
    case WAOT_F32: {
        errno = 0;
        float f = strtof(text, &end);
        if (*text && end && !*end) {
            memcpy(&out->of.f32_bits, &f, sizeof f);
            return 0;
        }
        break;
    }
    case WAOT_F64: {
        errno = 0;
        double d = strtod(text, &end);
        if (*text && end && !*end) {
            memcpy(&out->of.f64_bits, &d, sizeof d);
            return 0;
        }
        break;
    }
    default:
        return waot_fail(err, WAOT_E_USAGE, "cannot pass a %s argument on the command line",
                         launch_valtype_name(t));
    }
    return waot_fail(err, WAOT_E_USAGE, "\"%s\" is not a valid %s", text, launch_valtype_name(t));
}

/* Shortest %.*g that reads back to the same double (or float when is_float). */
static void format_float(double d, bool is_float, char *buf, size_t size)
{
    if (isnan(d)) {
        snprintf(buf, size, "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (is_float ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d)
            return;
    }
}

void launch_value_format(const struct waot_val *v, char *buf, size_t size)
{
    switch (v->type) {
    case WAOT_I32:
        snprintf(buf, size, "%" PRId32, (int32_t)v->of.i32);
        return;
    case WAOT_I64:
        snprintf(buf, size, "%" PRId64, (int64_t)v->of.i64);
        return;
    case WAOT_F32: {
        float f;
        memcpy(&f, &v->of.f32_bits, sizeof f);
        format_float(f, true, buf, size);
        return;
    }
    case WAOT_F64: {
        double d;
        memcpy(&d, &v->of.f64_bits, sizeof d);
        format_float(d, false, buf, size);
        return;
    }
    case WAOT_FUNCREF:
        snprintf(buf, size, v->of.funcref ? "<funcref>" : "null");
        return;
    case WAOT_EXTERNREF:
        snprintf(buf, size, v->of.externref ? "<externref>" : "null");
        return;
    case WAOT_V128: {
        int n = snprintf(buf, size, "0x");
        for (int i = 15; i >= 0 && n > 0 && (size_t)n + 2 < size; i--)
            n += snprintf(buf + n, size - (size_t)n, "%02x", v->of.v128[i]);
        return;
    }
    }
    snprintf(buf, size, "?");
}
