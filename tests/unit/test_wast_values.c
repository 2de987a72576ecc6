/*
 * Unit tests for the spec-test value layer (cli/wast_values.c): parsing wast2json's typed
 * strings, NaN classes, reference expectations and the externref mapping. The CLI sources
 * are not part of a library, so the file under test is compiled into this executable.
 */
#include <stdio.h>
#include <string.h>

#include "../../cli/wast_values.c"
#include "check.h"

struct parse_case {
    const char *type, *value;
    int ok;                    /* 0 parses, -1 fails */
    enum waot_errcode code;    /* when it fails */
    uint64_t bits;             /* i32/i64/f32/f64 payload when it parses */
};

static const struct parse_case parse_cases[] = {
    {"i32", "0", 0, WAOT_OK, 0},
    {"i32", "4294967295", 0, WAOT_OK, 0xffffffffu},
    {"i32", "4294967296", -1, WAOT_E_USAGE, 0},
    {"i32", "-1", -1, WAOT_E_USAGE, 0},
    {"i32", "12x", -1, WAOT_E_USAGE, 0},
    {"i32", "", -1, WAOT_E_USAGE, 0},
    {"i64", "18446744073709551615", 0, WAOT_OK, UINT64_MAX},
    {"i64", "18446744073709551616", -1, WAOT_E_USAGE, 0},
    {"i64", "9223372036854775808", 0, WAOT_OK, 0x8000000000000000ull},
    {"f32", "2143289344", 0, WAOT_OK, 0x7fc00000u},
    {"f32", "1065353216", 0, WAOT_OK, 0x3f800000u},
    {"f64", "4607182418800017408", 0, WAOT_OK, 0x3ff0000000000000ull},
    {"v128", "0", -1, WAOT_E_UNSUPPORTED, 0},
    {"i33", "0", -1, WAOT_E_USAGE, 0},
    {"funcref", "3", -1, WAOT_E_USAGE, 0},
};

static void test_parse(void)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const struct parse_case *c = &parse_cases[i];
        struct waot_val v;
        struct waot_error err = {0};
        int rc = wast_values_parse(c->type, c->value, &v, &err);
        CHECK(rc == c->ok);
        if (rc != c->ok) {
            fprintf(stderr, "  case %zu: %s \"%s\"\n", i, c->type, c->value);
            continue;
        }
        if (rc < 0) {
            CHECK(err.code == c->code);
            CHECK(err.msg[0] != '\0');
            continue;
        }
        if (v.type == WAOT_I32 || v.type == WAOT_F32)
            CHECK(v.of.i32 == (uint32_t)c->bits);
        else
            CHECK(v.of.i64 == c->bits);
    }
}

static struct waot_val f32_val(uint32_t bits)
{
    struct waot_val v = {.type = WAOT_F32};
    v.of.f32_bits = bits;
    return v;
}

static struct waot_val f64_val(uint64_t bits)
{
    struct waot_val v = {.type = WAOT_F64};
    v.of.f64_bits = bits;
    return v;
}

static void test_nan_classes(void)
{
    struct wast_expect canon, arith;
    struct waot_error err = {0};
    CHECK(wast_values_parse_expect("f32", "nan:canonical", &canon, &err) == 0);
    CHECK(canon.kind == WAST_EXPECT_NAN_CANONICAL && canon.val.type == WAOT_F32);
    CHECK(wast_values_parse_expect("f32", "nan:arithmetic", &arith, &err) == 0);
    CHECK(arith.kind == WAST_EXPECT_NAN_ARITHMETIC);

    struct waot_val v;
    v = f32_val(0x7fc00000u); /* canonical */
    CHECK(wast_values_match(&canon, &v) && wast_values_match(&arith, &v));
    v = f32_val(0xffc00000u); /* canonical, negative */
    CHECK(wast_values_match(&canon, &v) && wast_values_match(&arith, &v));
    v = f32_val(0x7fc00001u); /* quiet, other payload: arithmetic only */
    CHECK(!wast_values_match(&canon, &v) && wast_values_match(&arith, &v));
    v = f32_val(0x7fa00000u); /* signalling NaN: neither */
    CHECK(!wast_values_match(&canon, &v) && !wast_values_match(&arith, &v));
    v = f32_val(0x7f800000u); /* infinity: neither */
    CHECK(!wast_values_match(&canon, &v) && !wast_values_match(&arith, &v));
    v = f32_val(0x00400000u); /* quiet bit without exponent: a denormal */
    CHECK(!wast_values_match(&arith, &v));
    v = f64_val(0x7ff8000000000000ull); /* f64 canonical, but the type differs */
    CHECK(!wast_values_match(&canon, &v));

    CHECK(wast_values_parse_expect("f64", "nan:canonical", &canon, &err) == 0);
    CHECK(wast_values_parse_expect("f64", "nan:arithmetic", &arith, &err) == 0);
    v = f64_val(0xfff8000000000000ull);
    CHECK(wast_values_match(&canon, &v) && wast_values_match(&arith, &v));
    v = f64_val(0x7ff8000000000001ull);
    CHECK(!wast_values_match(&canon, &v) && wast_values_match(&arith, &v));
    v = f64_val(0x7ff4000000000000ull);
    CHECK(!wast_values_match(&canon, &v) && !wast_values_match(&arith, &v));
    CHECK(wast_values_parse_expect("f64", "nan:other", &canon, &err) < 0 && err.code == WAOT_E_USAGE);
}

static void test_exact_floats(void)
{
    struct wast_expect e;
    struct waot_error err = {0};
    /* -0.0 must not match +0.0: floats compare by bits. */
    CHECK(wast_values_parse_expect("f32", "2147483648", &e, &err) == 0);
    struct waot_val v = f32_val(0x80000000u);
    CHECK(wast_values_match(&e, &v));
    v = f32_val(0);
    CHECK(!wast_values_match(&e, &v));
    /* A specific NaN payload is compared exactly. */
    CHECK(wast_values_parse_expect("f64", "9221120237041090561", &e, &err) == 0);
    v = f64_val(0x7ff8000000000001ull);
    CHECK(wast_values_match(&e, &v));
    v = f64_val(0x7ff8000000000000ull);
    CHECK(!wast_values_match(&e, &v));
}

static void test_refs(void)
{
    struct waot_val v;
    struct waot_error err = {0};
    CHECK(wast_values_parse("externref", "0", &v, &err) == 0);
    CHECK(v.type == WAOT_EXTERNREF && v.of.externref != NULL);
    CHECK(v.of.externref == wast_values_extern_ref(0));
    CHECK(wast_values_extern_ref(1) != wast_values_extern_ref(0));
    CHECK(wast_values_parse("externref", "null", &v, &err) == 0 && v.of.externref == NULL);
    CHECK(wast_values_parse("funcref", "null", &v, &err) == 0 && v.of.funcref == NULL);

    struct wast_expect e;
    struct waot_val got = {.type = WAOT_EXTERNREF};
    CHECK(wast_values_parse_expect("externref", "137", &e, &err) == 0);
    got.of.externref = wast_values_extern_ref(137);
    CHECK(wast_values_match(&e, &got));
    got.of.externref = wast_values_extern_ref(136);
    CHECK(!wast_values_match(&e, &got));
    got.of.externref = NULL;
    CHECK(!wast_values_match(&e, &got));

    CHECK(wast_values_parse_expect("externref", "null", &e, &err) == 0);
    CHECK(wast_values_match(&e, &got));
    /* (ref.extern) without a number: any non-null reference. */
    CHECK(wast_values_parse_expect("externref", NULL, &e, &err) == 0);
    CHECK(e.kind == WAST_EXPECT_NONNULL_REF && !wast_values_match(&e, &got));
    got.of.externref = wast_values_extern_ref(5);
    CHECK(wast_values_match(&e, &got));

    struct waot_val fr = {.type = WAOT_FUNCREF};
    CHECK(wast_values_parse_expect("funcref", "null", &e, &err) == 0);
    CHECK(wast_values_match(&e, &fr));
    CHECK(wast_values_parse_expect("funcref", NULL, &e, &err) == 0);
    CHECK(!wast_values_match(&e, &fr));
    fr.of.funcref = (struct waot_func *)&fr;
    CHECK(wast_values_match(&e, &fr));
    /* A funcref never matches an externref expectation, even when both are null. */
    CHECK(wast_values_parse_expect("externref", "null", &e, &err) == 0);
    fr.of.funcref = NULL;
    CHECK(!wast_values_match(&e, &fr));
}

static void test_format(void)
{
    char buf[128];
    struct waot_val v = {.type = WAOT_I32};
    v.of.i32 = 0xffffffffu;
    wast_values_format(&v, buf, sizeof buf);
    CHECK(strcmp(buf, "i32:4294967295 (0xffffffff)") == 0);
    v = f32_val(0x3f800000u);
    wast_values_format(&v, buf, sizeof buf);
    CHECK(strcmp(buf, "f32:0x3f800000 (1)") == 0);
    v.type = WAOT_EXTERNREF;
    v.of.externref = wast_values_extern_ref(42);
    wast_values_format(&v, buf, sizeof buf);
    CHECK(strcmp(buf, "externref:42") == 0);
    struct wast_expect e;
    struct waot_error err = {0};
    CHECK(wast_values_parse_expect("f32", "nan:arithmetic", &e, &err) == 0);
    wast_values_format_expect(&e, buf, sizeof buf);
    CHECK(strcmp(buf, "f32:nan:arithmetic") == 0);
}

static void test_v128(void)
{
    struct waot_val v;
    struct wast_expect e;
    struct waot_error err = {0};

    /* i16 lanes are little-endian in the bytes. */
    const char *i16[8] = {"1", "65535", "0", "0", "0", "0", "0", "258"};
    CHECK(wast_values_parse_v128("i16", i16, 8, &v, &err) == 0);
    CHECK(v.type == WAOT_V128 && v.of.v128[0] == 1 && v.of.v128[1] == 0 && v.of.v128[2] == 0xff &&
          v.of.v128[3] == 0xff && v.of.v128[14] == 2 && v.of.v128[15] == 1);
    CHECK(wast_values_parse_v128("i16", i16, 7, &v, &err) < 0 && err.code == WAOT_E_USAGE);
    const char *big[16] = {"256", "0", "0", "0", "0", "0", "0", "0",
                           "0", "0", "0", "0", "0", "0", "0", "0"};
    CHECK(wast_values_parse_v128("i8", big, 16, &v, &err) < 0 && err.code == WAOT_E_USAGE);
    CHECK(wast_values_parse_v128("i128", big, 16, &v, &err) < 0 && err.code == WAOT_E_USAGE);

    /* f32 lanes with NaN classes: each lane matches on its own. */
    const char *f32[4] = {"nan:canonical", "nan:arithmetic", "1065353216", "0"};
    CHECK(wast_values_parse_expect_v128("f32", f32, 4, &e, &err) == 0);
    CHECK(e.kind == WAST_EXPECT_V128_LANES);
    struct waot_val got = {.type = WAOT_V128};
    uint32_t lanes[4] = {0xffc00000u, 0x7fc00001u, 0x3f800000u, 0};
    memcpy(got.of.v128, lanes, 16); /* little-endian host */
    CHECK(wast_values_match(&e, &got));
    lanes[0] = 0x7fc00001u; /* not canonical */
    memcpy(got.of.v128, lanes, 16);
    CHECK(!wast_values_match(&e, &got));
    lanes[0] = 0x7fc00000u;
    lanes[1] = 0x7f800001u; /* signaling: not arithmetic */
    memcpy(got.of.v128, lanes, 16);
    CHECK(!wast_values_match(&e, &got));
    lanes[1] = 0x7fc00000u;
    lanes[3] = 0x80000000u; /* -0 is not +0 */
    memcpy(got.of.v128, lanes, 16);
    CHECK(!wast_values_match(&e, &got));

    /* Exact v128 expectations compare all 16 bytes. */
    const char *i64[2] = {"18446744073709551615", "1"};
    CHECK(wast_values_parse_expect_v128("i64", i64, 2, &e, &err) == 0 && e.kind == WAST_EXPECT_EXACT);
    memset(got.of.v128, 0xff, 8);
    memset(got.of.v128 + 8, 0, 8);
    got.of.v128[8] = 1;
    CHECK(wast_values_match(&e, &got));
    got.of.v128[15] = 1;
    CHECK(!wast_values_match(&e, &got));
    char buf[200];
    wast_values_format_expect(&e, buf, sizeof buf);
    CHECK(strcmp(buf, "v128:i64 0xffffffffffffffff 0x0000000000000001") == 0);
}

int main(void)
{
    test_v128();
    test_parse();
    test_nan_classes();
    test_exact_floats();
    test_refs();
    test_format();
    return check_summary("test_wast_values");
}
