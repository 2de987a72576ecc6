/*
 * Code generation tests: Wasm text snippets (assembled with wat2wasm) and the modules of
 * several spec .wast files (converted with wast2json) go through decode -> validate ->
 * codegen with IR verification on; each must produce ELF objects that define exactly the
 * symbols runtime/vmctx.h names. Also: partitioning of a large module (deterministic for any
 * thread count), cross compilation to aarch64, SIMD refusal, and a few IR properties
 * (dropped loads stay, stack check present) checked in the WAOT_DUMP_IR output.
 */
#include <dirent.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codegen.h"
#include "vmctx.h"
#include "wasm_module.h"
#include "check.h"

#define SPEC_DIR "/work/shared/testsuite/spec"

static char tmpdir[256];

/* ---- tools ---- */

static int run(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static uint8_t *wat_to_wasm(const char *wat, size_t *len)
{
    char in[300], out[300];
    snprintf(in, sizeof in, "%s/in.wat", tmpdir);
    snprintf(out, sizeof out, "%s/out.wasm", tmpdir);
    FILE *fp = fopen(in, "w");
    if (!fp)
        return NULL;
    fputs(wat, fp);
    fclose(fp);
    char *argv[] = {"/usr/bin/wat2wasm", in, "-o", out, NULL};
    if (run(argv) < 0)
        return NULL;
    return read_file(out, len);
}

/* ---- ELF symbols ---- */

/* Counts definitions of name across the objects (-1 on a malformed object). */
static int defined_count(const struct codegen_output *cg, const char *name)
{
    int count = 0;
    for (uint32_t o = 0; o < cg->nobjects; o++) {
        const uint8_t *d = cg->objects[o].data;
        size_t len = cg->objects[o].len;
        if (len < sizeof(Elf64_Ehdr) || memcmp(d, ELFMAG, SELFMAG) != 0)
            return -1;
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *)d;
        if (eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > len)
            return -1;
        const Elf64_Shdr *sh = (const Elf64_Shdr *)(d + eh->e_shoff);
        for (unsigned s = 0; s < eh->e_shnum; s++) {
            if (sh[s].sh_type != SHT_SYMTAB)
                continue;
            const Elf64_Sym *syms = (const Elf64_Sym *)(d + sh[s].sh_offset);
            const char *strtab = (const char *)(d + sh[sh[s].sh_link].sh_offset);
            size_t n = sh[s].sh_size / sizeof(Elf64_Sym);
            for (size_t i = 1; i < n; i++)
                if (syms[i].st_shndx != SHN_UNDEF && strcmp(strtab + syms[i].st_name, name) == 0)
                    count++;
        }
    }
    return count;
}

/* Every symbol vmctx.h names is defined exactly once. */
static int check_symbols(const struct wasm_module *m, const struct codegen_output *cg, const char *what)
{
    char name[64];
    int bad = 0;
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
        snprintf(name, sizeof name, WAOT_SYM_FUNC "%u", i);
        if (defined_count(cg, name) != 1 && bad++ < 3)
            fprintf(stderr, "  %s: %s not defined once\n", what, name);
    }
    for (uint32_t t = 0; t < m->ntypes; t++) {
        snprintf(name, sizeof name, WAOT_SYM_ENTRY "%u", t);
        if (defined_count(cg, name) != 1 && bad++ < 3)
            fprintf(stderr, "  %s: %s not defined once\n", what, name);
        snprintf(name, sizeof name, WAOT_SYM_HOST "%u", t);
        if (defined_count(cg, name) != 1 && bad++ < 3)
            fprintf(stderr, "  %s: %s not defined once\n", what, name);
    }
    return bad ? -1 : 0;
}

/* decode -> validate -> codegen; 0 on success with symbols checked. */
static int compile_bytes(const uint8_t *bytes, size_t len, const struct waot_compile_options *opt,
                         struct codegen_output *cg, const char *what, struct waot_error *err)
{
    struct wasm_module m;
    int rc = -1;
    memset(cg, 0, sizeof *cg);
    if (wasm_decode(&m, bytes, len, err) == 0 && wasm_validate(&m, err) == 0 &&
        codegen_module(&m, opt, cg, err) == 0)
        rc = check_symbols(&m, cg, what);
    wasm_module_destroy(&m);
    return rc;
}

/* ---- snippets ---- */

struct snippet {
    const char *name;
    const char *wat;
};

static const struct snippet snippets[] = {
    {"empty", "(module)"},
    {"add", "(module (func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))"},
    {"multi-value", "(module (func $swap (param i32 i64) (result i64 i32) local.get 1 local.get 0)"
                    " (func (result i32) i32.const 1 i64.const 2 call $swap drop i32.wrap_i64)"
                    " (func (param f32) (result f32 f64 i32) local.get 0 f64.const 1.5 i32.const 3))"},
    {"blocks", "(module (func (param i32) (result i32)"
               " (block (result i32) (block (result i32) i32.const 5 local.get 0 br_if 1 drop i32.const 7)"
               "  i32.const 1 i32.add)"
               " local.get 0 (loop (param i32) (result i32) i32.const 1 i32.sub local.tee 0 local.get 0 br_if 0)"
               " i32.add))"},
    {"block params", "(module (func (param i32 i32) (result i32)"
                     " local.get 0 local.get 1 (block (param i32 i32) (result i32) i32.add)"
                     " local.get 0 local.get 1 (if (param i32) (result i32) (then i32.const 1 i32.add))"
                     " local.get 1 local.get 0 (if (param i32) (result i32) (then) (else i32.const 2 i32.mul))"
                     " i32.add i32.add))"},
    {"br_table", "(module (func (param i32) (result i32)"
                 " (block (result i32) (block (result i32) (block (result i32)"
                 "  i32.const 10 local.get 0 br_table 0 1 2 1 0) i32.const 1 i32.add) i32.const 2 i32.add)))"},
    {"unreachable code", "(module (func (param i32) (result i32)"
                         " (block (result i32) i32.const 1 br 0 i32.add drop"
                         "  (block (loop (if (i32.const 0) (then) (else))))"
                         "  unreachable f32.add f32.const 1 i32.const 0 select drop br_table 0 0)"
                         " (if (result i32) (local.get 0) (then unreachable) (else i32.const 3 return))"
                         " i32.add) (func unreachable) (func (result f64) f64.const 1 return f32.add drop f64.const 2)"
                         " (func (result i32) (loop (br 0)) i32.const 1))"},
    {"memory", "(module (memory 1 10) (data \"hello\")"
               " (func (param i32) (result i64)"
               "  local.get 0 i64.load offset=8 local.get 0 i32.load8_s local.get 0 i32.load16_u i32.add"
               "  i64.extend_i32_u i64.add local.get 0 i64.load32_s i64.add)"
               " (func (param i32 f64) local.get 0 local.get 1 f64.store offset=4294967295"
               "  local.get 0 i32.const 7 i32.store8 local.get 0 i64.const 9 i64.store32)"
               " (func (result i32) i32.const 1 memory.grow drop memory.size)"
               " (func (param i32) (drop (i32.load (local.get 0))))"
               " (func (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2))"
               "  (memory.copy (local.get 0) (local.get 1) (local.get 2))"
               "  (memory.init 0 (local.get 0) (local.get 1) (local.get 2)) (data.drop 0)))"},
    {"globals", "(module (import \"m\" \"g\" (global $g i32)) (global $h (mut i64) (i64.const 5))"
                " (global $r (mut funcref) (ref.null func))"
                " (func (result i64) global.get $g i64.extend_i32_s global.get $h i64.add global.set $h global.get $h)"
                " (func (result funcref) global.get $r))"},
    {"calls", "(module (import \"m\" \"f\" (func $imp (param i32) (result i32)))"
              " (type $t (func (param i32) (result i32)))"
              " (table 2 funcref) (elem (i32.const 0) $imp $own)"
              " (func $own (param i32) (result i32) local.get 0 call $imp)"
              " (func (param i32) (result i32) local.get 0 local.get 0 call_indirect (type $t))"
              " (func $fac (param i64) (result i64) (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))"
              "  (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1))))))))"},
    {"tables", "(module (table $t 1 funcref) (table $e 2 externref) (elem func $f) (elem declare func $f)"
               " (func $f (result funcref) ref.func $f)"
               " (func (param externref i32) (result i32)"
               "  (table.set $e (local.get 1) (local.get 0)) (drop (table.get $e (local.get 1)))"
               "  (drop (table.grow $e (ref.null extern) (i32.const 3))) (table.fill $e (i32.const 0) (local.get 0) (i32.const 1))"
               "  (table.copy $e $e (i32.const 0) (i32.const 1) (i32.const 1)) (table.init $t 0 (i32.const 0) (i32.const 0) (i32.const 1))"
               "  (elem.drop 0) (ref.is_null (local.get 0)) table.size $e i32.add)"
               " (func (param funcref funcref i32) (result funcref) (select (result funcref) (local.get 0) (local.get 1) (local.get 2))))"},
    {"numeric", "(module (func (param i32 i32 f32 f64) (result i64)"
                " (i32.div_s (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1)) i32.add"
                " (i32.trunc_f32_s (local.get 2)) i32.add (i32.trunc_sat_f64_u (local.get 3)) i32.add"
                " i64.extend_i32_u (i64.reinterpret_f64 (f64.const nan:0x4)) i64.add"
                " (i64.trunc_f64_u (f64.nearest (local.get 3))) i64.add))"},
    {"locals", "(module (func (param i32) (result f64) (local i64 f32 f64 externref funcref)"
               " local.get 1 drop local.get 2 drop local.get 4 drop local.get 5 drop local.get 3))"},
};

static void test_snippets(void)
{
    for (size_t i = 0; i < sizeof snippets / sizeof snippets[0]; i++) {
        size_t len;
        uint8_t *wasm = wat_to_wasm(snippets[i].wat, &len);
        CHECK_MSG(wasm != NULL, "%s: wat2wasm failed", snippets[i].name);
        if (!wasm)
            continue;
        struct codegen_output cg;
        struct waot_error err = {0};
        int rc = compile_bytes(wasm, len, NULL, &cg, snippets[i].name, &err);
        CHECK_MSG(rc == 0, "%s: %s", snippets[i].name, err.msg);
        CHECK_MSG(rc < 0 || cg.nobjects == 1, "%s: one partition expected, got %u",
                  snippets[i].name, cg.nobjects);
        CHECK_MSG(rc < 0 || (cg.triple[0] && cg.cpu[0]), "%s: triple/cpu recorded",
                  snippets[i].name);
        codegen_output_fini(&cg);
        free(wasm);
    }
}

/* ---- IR properties ---- */

static void test_ir_dump(void)
{
    const char *wat = "(module (memory 1) (func (param i32) (result i32)"
                      " (drop (i32.load offset=16 (local.get 0))) (i32.load (local.get 0))))";
    size_t len;
    uint8_t *wasm = wat_to_wasm(wat, &len);
    CHECK_MSG(wasm != NULL, "ir dump: wat2wasm");
    if (!wasm)
        return;
    char path[300];
    snprintf(path, sizeof path, "%s/dump.ll", tmpdir);
    setenv("WAOT_DUMP_IR", path, 1);
    struct codegen_output cg;
    struct waot_error err = {0};
    CHECK_MSG(compile_bytes(wasm, len, NULL, &cg, "ir dump", &err) == 0, "ir dump: %s", err.msg);
    unsetenv("WAOT_DUMP_IR");
    codegen_output_fini(&cg);
    free(wasm);
    size_t n;
    char *ir = (char *)read_file(path, &n);
    CHECK_MSG(ir != NULL, "ir dump: %s written", path);
    if (!ir)
        return;
    ir = realloc(ir, n + 1);
    ir[n] = 0;
    CHECK_MSG(strstr(ir, "load volatile i32") != NULL, "ir dump: dropped load is volatile");
    CHECK_MSG(strstr(ir, "load i32, ptr") != NULL, "ir dump: used load is not volatile");
    CHECK_MSG(strstr(ir, "@llvm.addressofreturnaddress") != NULL, "ir dump: stack check present");
    CHECK_MSG(strstr(ir, "!invariant.load") != NULL, "ir dump: invariant vmctx loads");
    CHECK_MSG(strstr(ir, "define hidden void @waot_entry_0(ptr") != NULL,
              "ir dump: entry trampoline");
    CHECK_MSG(strstr(ir, "define hidden i32 @waot_host_0(ptr") != NULL, "ir dump: host trampoline");
    free(ir);
}

/* ---- partitions, threads, cross compilation, SIMD ---- */

static char *big_module_wat(unsigned nfuncs)
{
    size_t cap = (size_t)nfuncs * 400 + 100, len = 0;
    char *s = malloc(cap);
    len += (size_t)snprintf(s + len, cap - len, "(module (memory 1)\n");
    for (unsigned i = 0; i < nfuncs; i++)
        len += (size_t)snprintf(s + len, cap - len,
                                "(func (param i32) (result i32) (local i32)"
                                " (local.set 1 (i32.load (local.get 0)))"
                                " (i32.store offset=%u (local.get 0) (i32.add (local.get 1) (i32.const %u)))"
                                " (i32.store offset=%u (local.get 0) (i32.mul (local.get 1) (i32.const %u)))"
                                " (i32.store offset=%u (local.get 0) (i32.xor (local.get 1) (i32.const %u)))"
                                " (i32.add (call %u (local.get 1)) (i32.const 100000)))\n",
                                i * 4, i * 7, i * 8, i * 11, i * 12, i * 13, i ? i - 1 : 0);
    snprintf(s + len, cap - len, ")\n");
    return s;
}

static int same_output(const struct codegen_output *a, const struct codegen_output *b)
{
    if (a->nobjects != b->nobjects)
        return 0;
    for (uint32_t i = 0; i < a->nobjects; i++)
        if (a->objects[i].len != b->objects[i].len ||
            memcmp(a->objects[i].data, b->objects[i].data, a->objects[i].len) != 0)
            return 0;
    return 1;
}

static void test_partitions(void)
{
    char *wat = big_module_wat(3000);
    size_t len;
    uint8_t *wasm = wat_to_wasm(wat, &len);
    free(wat);
    CHECK_MSG(wasm != NULL, "big module: wat2wasm");
    if (!wasm)
        return;
    struct codegen_output one, two;
    struct waot_error err = {0};
    struct waot_compile_options opt = {.opt_level = 0, .threads = 1};
    int rc1 = compile_bytes(wasm, len, &opt, &one, "big module, 1 thread", &err);
    CHECK_MSG(rc1 == 0, "big module, 1 thread: %s", err.msg);
    opt.threads = 2;
    int rc2 = compile_bytes(wasm, len, &opt, &two, "big module, 2 threads", &err);
    CHECK_MSG(rc2 == 0, "big module, 2 threads: %s", err.msg);
    CHECK_MSG(one.nobjects >= 2, "big module (%zu bytes): several partitions, got %u", len,
              one.nobjects);
    CHECK_MSG(rc1 || rc2 || same_output(&one, &two),
              "big module: output independent of thread count");
    codegen_output_fini(&one);
    codegen_output_fini(&two);
    free(wasm);
}

static void test_cross_and_simd(void)
{
    size_t len;
    uint8_t *wasm = wat_to_wasm(snippets[9].wat, &len); /* calls */
    CHECK_MSG(wasm != NULL, "cross: wat2wasm");
    if (!wasm)
        return;
    struct codegen_output cg;
    struct waot_error err = {0};
    struct waot_compile_options opt = {.opt_level = 2, .triple = "aarch64-unknown-linux-gnu"};
    int rc = compile_bytes(wasm, len, &opt, &cg, "aarch64", &err);
    CHECK_MSG(rc == 0, "aarch64: %s", err.msg);
    if (rc == 0) {
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *)cg.objects[0].data;
        CHECK_MSG(eh->e_machine == EM_AARCH64, "aarch64: e_machine %u", eh->e_machine);
        CHECK_MSG(strcmp(cg.cpu, "generic") == 0 && cg.features[0] == 0,
                  "aarch64: generic CPU, cpu=%s", cg.cpu);
        CHECK_MSG(strncmp(cg.triple, "aarch64-", 8) == 0, "aarch64: triple %s", cg.triple);
    }
    codegen_output_fini(&cg);

    opt.triple = "riscv64-unknown-linux-gnu";
    rc = compile_bytes(wasm, len, &opt, &cg, "riscv", &err);
    CHECK_MSG(rc < 0 && err.code == WAOT_E_COMPILE, "riscv64 refused with WAOT_E_COMPILE");
    codegen_output_fini(&cg);

    free(wasm);
}

/* ---- spec modules ---- */

static const char *const spec_files[] = {
    "block", "br", "br_if", "br_table", "loop", "if", "call", "call_indirect", "local_get",
    "local_set", "local_tee", "memory", "fac", "select", "return", "unreachable",
    "left-to-right", "func", "stack", "memory_grow", "bulk", "ref_func", "ref_null",
    "ref_is_null", "table_get", "table_set", "table_size", "table_grow", "table_fill",
    "table_copy", "table_init", "global", "conversions", "i32", "i64", "f32", "f64",
    "float_exprs", "address", "memory_trap", "nop", "labels", "switch", "unwind",
    "memory_copy", "memory_fill", "memory_init", "elem", "data", "exports", "imports",
    "traps", "int_exprs", "endianness", "float_misc", "binary", "start", "names",
    "memory_size", "align", "store", "load", "forward", "func_ptrs", "linking",
};

static void test_spec_file(const char *name, int *nmodules, int *nfail)
{
    char wast[400], json[400];
    snprintf(wast, sizeof wast, SPEC_DIR "/%s.wast", name);
    snprintf(json, sizeof json, "%s/%s.json", tmpdir, name);
    if (access(wast, R_OK) != 0)
        return;
    char *argv[] = {"/usr/bin/wast2json", wast, "-o", json, NULL};
    if (run(argv) < 0) {
        CHECK_MSG(0, "%s: wast2json failed", name);
        return;
    }
    FILE *fp = fopen(json, "r");
    if (!fp)
        return;
    char line[8192];
    while (fgets(line, sizeof line, fp)) {
        if (!strstr(line, "\"type\": \"module\""))
            continue;
        char *fn = strstr(line, "\"filename\": \"");
        if (!fn)
            continue;
        fn += 13;
        char *end = strchr(fn, '"');
        if (!end)
            continue;
        *end = 0;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", tmpdir, fn);
        size_t len;
        uint8_t *wasm = read_file(path, &len);
        if (!wasm)
            continue;
        struct codegen_output cg;
        struct waot_error err = {0};
        struct waot_compile_options opt = {.opt_level = 2, .threads = 1};
        int rc = compile_bytes(wasm, len, &opt, &cg, fn, &err);
        if (rc < 0 && err.code == WAOT_E_UNSUPPORTED) {
            /* SIMD modules are not ours yet */
        } else {
            (*nmodules)++;
            if (rc < 0) {
                (*nfail)++;
                fprintf(stderr, "FAIL: %s: %s\n", fn, err.msg);
            }
        }
        codegen_output_fini(&cg);
        free(wasm);
    }
    fclose(fp);
}

static void test_spec(void)
{
    int nmodules = 0, nfail = 0;
    for (size_t i = 0; i < sizeof spec_files / sizeof spec_files[0]; i++)
        test_spec_file(spec_files[i], &nmodules, &nfail);
    CHECK_MSG(nfail == 0, "spec modules: %d of %d failed", nfail, nmodules);
    CHECK_MSG(nmodules > 100, "spec modules: only %d translated", nmodules);
    if (nmodules)
        printf("spec modules translated: %d (%d failed)\n", nmodules, nfail);
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char p[600];
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
}

int main(void)
{
    setenv("WAOT_VERIFY", "1", 1);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/waot_test_codegen.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    if (access("/usr/bin/wat2wasm", X_OK) != 0) {
        fprintf(stderr, "wat2wasm missing\n");
        return 1;
    }
    test_snippets();
    test_ir_dump();
    test_cross_and_simd();
    test_partitions();
    test_spec();
    remove_tmpdir();
    return check_summary(NULL);
}
