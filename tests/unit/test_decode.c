/*
 * Unit tests for the decoder and validator: crafted modules, each checked for the error
 * code and for the place and reason its message names (section, function, hex offset),
 * plus valid modules whose decoded contents are checked field by field.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_module.h"
#include "check.h"

/* ---- building modules ---- */

struct buf {
    uint8_t d[8192];
    size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put_u32(struct buf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        if (v)
            byte |= 0x80;
        b->d[b->n++] = byte;
    } while (v);
}

static void header(struct buf *b)
{
    b->n = 0;
    put(b, "\0asm\1\0\0\0", 8);
}

/* Appends a section; returns the offset of its id byte. */
static size_t section(struct buf *b, uint8_t id, const void *payload, size_t n)
{
    size_t at = b->n;
    b->d[b->n++] = id;
    put_u32(b, (uint32_t)n);
    put(b, payload, n);
    return at;
}
#define SEC(b, id, lit) section(b, id, lit, sizeof(lit) - 1)

/* Appends a code section with one body (locals + instructions, given as a literal that
 * must end with 0x0b); returns the module offset of the body's first byte. */
static size_t code1(struct buf *b, const void *body, size_t n)
{
    struct buf s = {.n = 0};
    put_u32(&s, 1);
    put_u32(&s, (uint32_t)n);
    size_t in_payload = s.n;
    put(&s, body, n);
    b->d[b->n++] = 10;
    put_u32(b, (uint32_t)s.n);
    size_t at = b->n + in_payload;
    put(b, s.d, s.n);
    return at;
}
#define CODE(b, lit) code1(b, lit, sizeof(lit) - 1)

/* A module with one function of type () -> (); returns it in b. */
static void one_func_prelude(struct buf *b)
{
    header(b);
    SEC(b, 1, "\1\x60\0\0");
    SEC(b, 3, "\1\0");
}

/* ---- checking ---- */

/* Decodes and validates b; expects `code` (WAOT_OK for success) and, when code is an
 * error, every one of the NULL-terminated substrings in the message. */
static void expect(const char *name, const struct buf *b, enum waot_errcode code, ...)
{
    struct wasm_module m;
    struct waot_error err = {0};
    int rc = wasm_decode(&m, b->d, b->n, &err);
    if (rc == 0)
        rc = wasm_validate(&m, &err);
    enum waot_errcode got = rc == 0 ? WAOT_OK : err.code;
    wasm_module_destroy(&m);
    if (got != code) {
        CHECK_MSG(false, "%s: expected code %d, got %d (%s)", name, code, got, rc ? err.msg : "");
        return;
    }
    va_list ap;
    va_start(ap, code);
    const char *want;
    while ((want = va_arg(ap, const char *)) != NULL) {
        if (!strstr(err.msg, want)) {
            CHECK_MSG(false, "%s: message \"%s\" lacks \"%s\"", name, err.msg, want);
            va_end(ap);
            return;
        }
    }
    va_end(ap);
    passed++; /* the code and every substring as expected */
}

static char *hex(size_t off)
{
    static char bufs[8][32];
    static int next;
    char *s = bufs[next++ & 7];
    snprintf(s, 32, "offset 0x%zx", off);
    return s;
}

/* ---- malformed modules ---- */

static void test_header(void)
{
    struct buf b;
    header(&b);
    expect("empty module", &b, WAOT_OK, NULL);
    b.n = 0;
    put(&b, "\0asX\1\0\0\0", 8);
    expect("bad magic", &b, WAOT_E_MALFORMED, "offset 0x0", "magic header not detected", NULL);
    b.n = 0;
    put(&b, "\0asm\2\0\0\0", 8);
    expect("bad version", &b, WAOT_E_MALFORMED, "offset 0x4", "unknown binary version", NULL);
    b.n = 0;
    put(&b, "\0asm\1\0\0", 7);
    expect("truncated header", &b, WAOT_E_MALFORMED, "unexpected end", NULL);
    b.n = 0;
    expect("no bytes", &b, WAOT_E_MALFORMED, "magic header", NULL);
}

static void test_sections(void)
{
    struct buf b;
    header(&b);
    put(&b, "\1\5\1\x60", 4); /* type section claims 5 bytes, 2 remain */
    expect("truncated section", &b, WAOT_E_MALFORMED, "type section", "offset 0x8",
           "section size mismatch", NULL);

    header(&b);
    put(&b, "\1\6\x80\x80\x80\x80\x80\x00", 8); /* count as a 6-byte LEB128 */
    expect("6-byte u32", &b, WAOT_E_MALFORMED, "type section", hex(0xe),
           "integer representation too long", NULL);

    header(&b);
    put(&b, "\1\5\x80\x80\x80\x80\x10", 7); /* 5th byte has bits beyond 32 */
    expect("u32 too large", &b, WAOT_E_MALFORMED, "integer too large", NULL);

    header(&b);
    SEC(&b, 3, "\0");
    size_t at = SEC(&b, 1, "\0");
    expect("section order", &b, WAOT_E_MALFORMED, "type section", hex(at), "out of order", NULL);

    header(&b);
    SEC(&b, 1, "\0");
    at = SEC(&b, 1, "\0");
    expect("duplicate section", &b, WAOT_E_MALFORMED, hex(at), "duplicate section", NULL);

    header(&b);
    SEC(&b, 12, "\0");
    SEC(&b, 10, "\0");
    expect("data count before code", &b, WAOT_OK, NULL);
    header(&b);
    SEC(&b, 10, "\0");
    at = SEC(&b, 12, "\0");
    expect("data count after code", &b, WAOT_E_MALFORMED, hex(at), NULL);

    header(&b);
    at = b.n;
    SEC(&b, 13, "\0");
    expect("section id 13", &b, WAOT_E_MALFORMED, hex(at), "malformed section id", NULL);

    header(&b);
    SEC(&b, 1, "\1\x60\0\0\0"); /* one byte left over */
    expect("section size too big", &b, WAOT_E_MALFORMED, "type section", hex(0xe),
           "section size mismatch", NULL);

    header(&b);
    SEC(&b, 1, "\xff\xff\xff\xff\x0f"); /* 0xffffffff types */
    expect("huge count", &b, WAOT_E_MALFORMED, "type section", "length out of bounds", NULL);

    header(&b);
    SEC(&b, 0, "\4name\1\3\1\0\xff"); /* bad name section: ignored */
    expect("bad name section ignored", &b, WAOT_OK, NULL);
    header(&b);
    SEC(&b, 0, "\2\xc3\x28"); /* custom section name is not UTF-8 */
    expect("custom name utf8", &b, WAOT_E_MALFORMED, "custom section", hex(0xb),
           "malformed UTF-8", NULL);
    header(&b);
    SEC(&b, 0, "\5ab"); /* name longer than the section */
    expect("custom name length", &b, WAOT_E_MALFORMED, "custom section", "unexpected end", NULL);
}

static void test_types_imports(void)
{
    struct buf b;
    header(&b);
    SEC(&b, 1, "\1\x60\1\x7a\0");
    expect("bad valtype", &b, WAOT_E_MALFORMED, "type section", hex(0xd),
           "malformed value type 0x7a", NULL);

    header(&b);
    SEC(&b, 1, "\1\x61\0\0");
    expect("bad type form", &b, WAOT_E_MALFORMED, "type section", hex(0xb), NULL);

    header(&b);
    SEC(&b, 2, "\1\1\xff\1a\0\0"); /* module name 0xff */
    expect("import name utf8", &b, WAOT_E_MALFORMED, "import section", hex(0xc),
           "malformed UTF-8", NULL);

    header(&b);
    SEC(&b, 2, "\1\1m\1f\4\0");
    expect("import kind", &b, WAOT_E_MALFORMED, "malformed import kind", NULL);

    header(&b);
    SEC(&b, 2, "\1\1m\1g\3\x7f\2");
    expect("mutability", &b, WAOT_E_MALFORMED, hex(0x11), "malformed mutability", NULL);

    header(&b);
    SEC(&b, 5, "\1\2\1");
    expect("limits flags", &b, WAOT_E_MALFORMED, "memory section", hex(0xb),
           "malformed limits flags", NULL);

    header(&b);
    SEC(&b, 4, "\1\x7f\0\1");
    expect("table reftype", &b, WAOT_E_MALFORMED, "table section", "malformed reference type",
           NULL);

    header(&b);
    SEC(&b, 1, "\1\x60\1\x7b\0");
    expect("v128 param", &b, WAOT_OK, NULL);
}

static void test_code_section(void)
{
    struct buf b;
    one_func_prelude(&b);
    expect("function without code", &b, WAOT_E_MALFORMED, "inconsistent lengths", NULL);

    one_func_prelude(&b);
    SEC(&b, 10, "\2\2\0\x0b\2\0\x0b");
    expect("two bodies for one function", &b, WAOT_E_MALFORMED, "code section",
           "inconsistent lengths", NULL);

    one_func_prelude(&b);
    size_t at = CODE(&b, "\0\x01");
    expect("missing end", &b, WAOT_E_MALFORMED, "code section, func 0", hex(at + 2),
           "END opcode expected", NULL);

    one_func_prelude(&b);
    at = CODE(&b, "\0\x0b\x01");
    expect("code after end", &b, WAOT_E_MALFORMED, "func 0", hex(at + 2), NULL);

    one_func_prelude(&b);
    at = CODE(&b, "\0\xd7\x0b");
    expect("unknown opcode", &b, WAOT_E_MALFORMED, "code section, func 0", hex(at + 1),
           "illegal opcode 0xd7", NULL);

    one_func_prelude(&b);
    at = CODE(&b, "\0\xfd\x9a\x01\x0b");
    expect("unknown simd opcode", &b, WAOT_E_MALFORMED, "func 0", hex(at + 1),
           "illegal opcode 0xfd 0x9a", NULL);

    one_func_prelude(&b);
    CODE(&b, "\0\xfd\x0c\x0b"); /* v128.const needs 16 immediate bytes */
    expect("simd truncated immediate", &b, WAOT_E_MALFORMED, "func 0", "unexpected end", NULL);

    header(&b);
    SEC(&b, 1, "\1\x60\0\0");
    SEC(&b, 3, "\1\0");
    SEC(&b, 5, "\1\0\1");
    at = CODE(&b, "\0\x3f\1\x1a\x0b");
    expect("zero byte expected", &b, WAOT_E_MALFORMED, hex(at + 2), "zero byte expected", NULL);

    one_func_prelude(&b);
    at = CODE(&b, "\2\xff\xff\xff\xff\x0f\x7f\2\x7e\x0b");
    expect("too many locals", &b, WAOT_E_MALFORMED, "func 0", hex(at + 7), "too many locals",
           NULL);

    header(&b);
    SEC(&b, 1, "\1\x60\0\0");
    SEC(&b, 3, "\1\0");
    SEC(&b, 5, "\1\0\1");
    at = CODE(&b, "\0\x41\0\x41\0\x41\0\xfc\x08\0\0\x0b");
    SEC(&b, 11, "\1\1\0");
    expect("memory.init needs data count", &b, WAOT_E_MALFORMED, hex(at + 7),
           "data count section required", NULL);

    /* Without any data section the index is simply unknown: invalid, not malformed
     * (encoders leave the data count section out when there are no segments). */
    header(&b);
    SEC(&b, 1, "\1\x60\0\0");
    SEC(&b, 3, "\1\0");
    SEC(&b, 5, "\1\0\1");
    at = CODE(&b, "\0\x41\0\x41\0\x41\0\xfc\x08\0\0\x0b");
    expect("memory.init without data segments", &b, WAOT_E_INVALID, "func 0", hex(at + 7),
           "unknown data segment 0", NULL);

    /* Two imported functions shift the defined function's index to 2. */
    header(&b);
    SEC(&b, 1, "\1\x60\0\0");
    SEC(&b, 2, "\2\1m\1a\0\0\1m\1b\0\0");
    SEC(&b, 3, "\1\0");
    at = CODE(&b, "\0\x44\0\0\0\0\0\0\0\0\x41\1\x6a\x1a\x0b");
    expect("i32.add on f64", &b, WAOT_E_INVALID, "func 2", hex(at + 12),
           "type mismatch in i32.add: expected i32, got f64", NULL);
}

static void test_validation(void)
{
    struct buf b;
    /* () -> i32: v128.const 0; i8x16.extract_lane_s LANE */
    header(&b);
    SEC(&b, 1, "\1\x60\0\1\x7f");
    SEC(&b, 3, "\1\0");
    CODE(&b, "\0\xfd\x0c\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xfd\x15\x0f\x0b");
    expect("simd extract_lane 15", &b, WAOT_OK, NULL);

    header(&b);
    SEC(&b, 1, "\1\x60\0\1\x7f");
    SEC(&b, 3, "\1\0");
    CODE(&b, "\0\xfd\x0c\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xfd\x15\x10\x0b");
    expect("simd extract_lane 16", &b, WAOT_E_INVALID, "invalid lane index", NULL);

    /* () -> i32: v128.const 0; i64x2.extract_lane 2 (only 2 lanes) */
    header(&b);
    SEC(&b, 1, "\1\x60\0\1\x7e");
    SEC(&b, 3, "\1\0");
    CODE(&b, "\0\xfd\x0c\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xfd\x1d\x02\x0b");
    expect("simd i64x2 lane 2", &b, WAOT_E_INVALID, "invalid lane index", NULL);

    /* v128 result of the wrong type: v128.const into an i32 result */
    header(&b);
    SEC(&b, 1, "\1\x60\0\1\x7f");
    SEC(&b, 3, "\1\0");
    CODE(&b, "\0\xfd\x0c\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x0b");
    expect("simd type mismatch", &b, WAOT_E_INVALID, "type mismatch", NULL);

    one_func_prelude(&b);
    CODE(&b, "\0\x00\x6a\x1a\x0b"); /* unreachable; i32.add; drop */
    expect("polymorphic stack", &b, WAOT_OK, NULL);

    one_func_prelude(&b);
    CODE(&b, "\0\x41\0\x0b");
    expect("value left at end", &b, WAOT_E_INVALID, "func 0", "type mismatch", NULL);

    header(&b);
    SEC(&b, 1, "\1\x60\0\1\x7f");
    SEC(&b, 3, "\1\0");
    /* block (result i32) block (result f32) i32.const 0; br_table 0 1 ... arity ok, types differ */
    CODE(&b, "\0\x02\x7f\x02\x7d\x43\0\0\0\0\x41\0\x0e\1\0\1\x0b\x0b\x0b");
    expect("br_table types", &b, WAOT_E_INVALID, "type mismatch in br_table", NULL);

    one_func_prelude(&b);
    CODE(&b, "\0\x0c\1\x0b");
    expect("unknown label", &b, WAOT_E_INVALID, "unknown label 1", NULL);

    one_func_prelude(&b);
    CODE(&b, "\1\1\x70\x41\0\x41\1\x20\0\x20\0\x1b\x1a\x1a\x1a\x0b");
    expect("untyped select of refs", &b, WAOT_E_INVALID, "select", NULL);

    header(&b);
    SEC(&b, 1, "\1\x60\0\0");
    SEC(&b, 3, "\1\0");
    SEC(&b, 6, "\1\x7f\0\x41\0\x0b");
    CODE(&b, "\0\x41\0\x24\0\x0b");
    expect("global.set immutable", &b, WAOT_E_INVALID, "global is immutable", NULL);

    header(&b);
    SEC(&b, 1, "\1\x60\0\0");
    SEC(&b, 3, "\1\0");
    SEC(&b, 5, "\1\0\1");
    CODE(&b, "\0\x41\0\x28\3\0\x1a\x0b");
    expect("alignment", &b, WAOT_E_INVALID, "alignment must not be larger than natural", NULL);

    one_func_prelude(&b);
    CODE(&b, "\0\xd2\0\x1a\x0b");
    expect("undeclared ref.func", &b, WAOT_E_INVALID, "undeclared function reference", NULL);
    one_func_prelude(&b);
    SEC(&b, 7, "\1\1f\0\0");
    CODE(&b, "\0\xd2\0\x1a\x0b");
    expect("ref.func of exported function", &b, WAOT_OK, NULL);

    header(&b);
    SEC(&b, 6, "\1\x7f\0\x42\0\x0b");
    expect("global init type", &b, WAOT_E_INVALID, "global 0", "type mismatch", NULL);
    header(&b);
    SEC(&b, 6, "\1\x7f\0\x41\0\x41\0\x6a\x0b");
    expect("global init not constant", &b, WAOT_E_INVALID, "constant expression required", NULL);
    header(&b);
    SEC(&b, 6, "\2\x7f\0\x41\0\x0b\x7f\0\x23\0\x0b");
    expect("global.get of defined global", &b, WAOT_E_INVALID, "unknown global 0", NULL);
    header(&b);
    SEC(&b, 2, "\1\1m\1g\3\x7f\0");
    SEC(&b, 6, "\1\x7f\0\x23\0\x0b");
    expect("global.get of imported global", &b, WAOT_OK, NULL);

    header(&b);
    SEC(&b, 5, "\1\0\x81\x80\4");
    expect("memory too large", &b, WAOT_E_INVALID, "65536 pages", NULL);
    header(&b);
    SEC(&b, 5, "\2\0\1\0\1");
    expect("two memories", &b, WAOT_E_INVALID, "multiple memories", NULL);
    header(&b);
    SEC(&b, 4, "\1\x70\1\2\1");
    expect("table min > max", &b, WAOT_E_INVALID, "table 0", "minimum", NULL);

    one_func_prelude(&b);
    SEC(&b, 7, "\2\1f\0\0\1f\0\0");
    CODE(&b, "\0\x0b");
    expect("duplicate export", &b, WAOT_E_INVALID, "duplicate export name \"f\"", NULL);

    header(&b);
    SEC(&b, 1, "\1\x60\1\x7f\0");
    SEC(&b, 3, "\1\0");
    SEC(&b, 8, "\0");
    CODE(&b, "\0\x0b");
    expect("start type", &b, WAOT_E_INVALID, "start function", NULL);
}

/* ---- valid modules, checked field by field ---- */

static void test_contents(void)
{
    struct buf b;
    header(&b);
    SEC(&b, 1, "\1\x60\2\x7f\x7f\1\x7f");
    SEC(&b, 2, "\1\3env\3imp\x00\x00");
    SEC(&b, 3, "\1\0");
    SEC(&b, 4, "\1\x70\0\2");
    SEC(&b, 5, "\1\1\1\2");
    SEC(&b, 7, "\1\3add\0\1");
    SEC(&b, 12, "\3");
    size_t at = CODE(&b, "\2\1\x7e\2\x7d\x20\0\x20\1\x6a\x0b");
    SEC(&b, 11, "\3\0\x41\4\x0b\2hi\1\1z\2\0\x41\0\x0b\0");
    SEC(&b, 0, "\4name\0\4\3mod\1\6\1\1\3add");
    struct wasm_module m;
    struct waot_error err = {0};
    int rc = wasm_decode(&m, b.d, b.n, &err);
    if (rc == 0)
        rc = wasm_validate(&m, &err);
    CHECK_MSG(rc == 0, "valid module: %s", err.msg);
    if (rc == 0) {
        CHECK_MSG(m.nfuncs == 2 && m.nimported_funcs == 1 && m.funcs[0].imported &&
                  !m.funcs[1].imported, "func index space: nfuncs %u", m.nfuncs);
        CHECK_MSG(strcmp(m.imports[0].module, "env") == 0 && strcmp(m.imports[0].name, "imp") == 0,
                  "import names: %s.%s", m.imports[0].module, m.imports[0].name);
        const struct wasm_func *f = &m.funcs[1];
        CHECK_MSG(f->nlocals == 3 && f->nlocal_decls == 2 && f->local_decls[1].type == WAOT_F32,
                  "locals: nlocals %u", f->nlocals);
        CHECK_MSG(f->code_offset == at + 5 && f->code_end == at + 11, "code range: 0x%zx..0x%zx",
                  f->code_offset, f->code_end);
        CHECK_MSG(m.ntables == 1 && m.tables[0].limits.min == 2 && !m.tables[0].limits.has_max,
                  "table: %u", m.ntables);
        CHECK_MSG(m.nmemories == 1 && m.memories[0].has_max && m.memories[0].max == 2, "memory");
        CHECK_MSG(m.ndatas == 3 && m.datas[0].mode == WASM_SEG_ACTIVE &&
                  m.datas[0].offset.value.i32 == 4 && m.datas[0].len == 2 &&
                  memcmp(b.d + m.datas[0].bytes_offset, "hi", 2) == 0 &&
                  m.datas[1].mode == WASM_SEG_PASSIVE && m.datas[2].memory_index == 0,
                  "data segments");
        CHECK_MSG(m.name && strcmp(m.name, "mod") == 0, "module name: %s", m.name ? m.name : "-");
        CHECK_MSG(f->name && strcmp(f->name, "add") == 0, "function name");
        CHECK_MSG(m.func_declared && m.func_declared[1] && !m.func_declared[0], "func_declared");
    }
    wasm_module_destroy(&m);

    /* All eight element segment encodings. */
    header(&b);
    SEC(&b, 1, "\1\x60\0\0");
    SEC(&b, 3, "\1\0");
    SEC(&b, 4, "\2\x70\0\4\x6f\0\4");
    SEC(&b, 9, "\x08"
               "\0\x41\0\x0b\1\0"             /* 0: active table 0, func indices */
               "\1\0\1\0"                     /* 1: passive, elemkind, func indices */
               "\2\0\x41\1\x0b\0\1\0"         /* 2: active table 0 explicit */
               "\3\0\1\0"                     /* 3: declarative */
               "\4\x41\2\x0b\1\xd2\0\x0b"     /* 4: active, exprs */
               "\5\x6f\1\xd0\x6f\x0b"         /* 5: passive externref exprs */
               "\6\1\x41\0\x0b\x6f\1\xd0\x6f\x0b" /* 6: active table 1 externref */
               "\7\x70\1\xd2\0\x0b");         /* 7: declarative exprs */
    CODE(&b, "\0\x0b");
    rc = wasm_decode(&m, b.d, b.n, &err);
    if (rc == 0)
        rc = wasm_validate(&m, &err);
    CHECK_MSG(rc == 0, "elem encodings: %s", err.msg);
    if (rc == 0) {
        static const enum wasm_segment_mode modes[8] = {
            WASM_SEG_ACTIVE, WASM_SEG_PASSIVE, WASM_SEG_ACTIVE, WASM_SEG_DECLARATIVE,
            WASM_SEG_ACTIVE, WASM_SEG_PASSIVE, WASM_SEG_ACTIVE, WASM_SEG_DECLARATIVE,
        };
        bool ok = m.nelems == 8;
        for (uint32_t i = 0; ok && i < 8; i++)
            ok = m.elems[i].mode == modes[i] && m.elems[i].ninit == 1;
        CHECK_MSG(ok, "elem modes");
        CHECK_MSG(m.elems[6].table_index == 1 && m.elems[6].elem_type == WAOT_EXTERNREF &&
                  m.elems[6].init[0].kind == WASM_CONST_REF_NULL &&
                  m.elems[4].offset.value.i32 == 2 &&
                  m.elems[4].init[0].kind == WASM_CONST_REF_FUNC, "elem contents");
    }
    wasm_module_destroy(&m);

    header(&b);
    SEC(&b, 9, "\1\x08");
    expect("elem flags 8", &b, WAOT_E_MALFORMED, "element section", NULL);
    header(&b);
    SEC(&b, 9, "\1\1\1\0");
    expect("elem kind", &b, WAOT_E_MALFORMED, "malformed element kind", NULL);
    header(&b);
    SEC(&b, 12, "\2");
    SEC(&b, 11, "\1\1\0");
    expect("data count mismatch", &b, WAOT_E_MALFORMED, "inconsistent lengths", NULL);
    header(&b);
    SEC(&b, 11, "\1\3\0");
    expect("data flags 3", &b, WAOT_E_MALFORMED, "data section", NULL);
}

int main(void)
{
    test_header();
    test_sections();
    test_types_imports();
    test_code_section();
    test_validation();
    test_contents();
    return check_summary(NULL);
}
