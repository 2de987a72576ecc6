/*
 * Tests for the linker, artifact writer and artifact loader without the code generator:
 * objects come from small LLVM IR modules (from C, written to exercise cross-object calls,
 * jump tables, string constants, memcpy/memset/libm imports, GOT loads and absolute
 * pointer tables) emitted through the LLVM C API; a hand-filled wasm_module supplies the
 * metadata. Checks: calling the linked code, metadata round trip, determinism, clean
 * rejection of corrupt artifacts and objects, and AArch64 relocation bit patterns.
 */
#include <elf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <llvm-c/Core.h>
#include <llvm-c/IRReader.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "artifact_format.h"
#include "artifact_write.h"
#include "cpu_features.h"
#include "elf_link.h"
#include "rt_module.h"
#include "check.h"

/* IR produced by clang -O2 -fPIC from small C files (attributes and metadata removed). */
static const char ir_a[] =
    "@.str = private unnamed_addr constant [20 x i8] c\"the quick brown fox\\00\", align 1\n"
    "define i32 @waot_func_1(ptr noundef %0, i32 noundef %1) local_unnamed_addr {\n"
    "  %3 = add nsw i32 %1, 1\n"
    "  %4 = tail call i32 @waot_func_2(ptr noundef %0, i32 noundef %3)\n"
    "  %5 = shl nsw i32 %4, 1\n"
    "  ret i32 %5\n"
    "}\n"
    "declare i32 @waot_func_2(ptr noundef, i32 noundef) local_unnamed_addr\n"
    "define i32 @waot_func_3(ptr noundef %0, i32 noundef %1) local_unnamed_addr {\n"
    "  switch i32 %1, label %26 [\n"
    "    i32 0, label %3\n"
    "    i32 1, label %6\n"
    "    i32 2, label %10\n"
    "    i32 3, label %13\n"
    "    i32 4, label %17\n"
    "    i32 5, label %20\n"
    "    i32 6, label %24\n"
    "  ]\n"
    "3:\n"
    "  %4 = tail call i32 @waot_func_2(ptr noundef %0, i32 noundef 100)\n"
    "  %5 = add nsw i32 %4, 1\n"
    "  br label %26\n"
    "6:\n"
    "  %7 = tail call i32 @waot_func_2(ptr noundef %0, i32 noundef 8)\n"
    "  %8 = shl nsw i32 %7, 1\n"
    "  %9 = add nsw i32 %8, -3\n"
    "  br label %26\n"
    "10:\n"
    "  %11 = tail call i32 @waot_func_2(ptr noundef %0, i32 noundef 2)\n"
    "  %12 = add nsw i32 %11, 154\n"
    "  br label %26\n"
    "13:\n"
    "  %14 = tail call i32 @waot_func_2(ptr noundef %0, i32 noundef 4)\n"
    "  %15 = shl nsw i32 %14, 1\n"
    "  %16 = sub nsw i32 5000, %15\n"
    "  br label %26\n"
    "17:\n"
    "  %18 = tail call i32 @waot_func_2(ptr noundef %0, i32 noundef 4)\n"
    "  %19 = xor i32 %18, 85\n"
    "  br label %26\n"
    "20:\n"
    "  %21 = tail call i32 @waot_func_2(ptr noundef %0, i32 noundef 6)\n"
    "  %22 = shl nsw i32 %21, 1\n"
    "  %23 = or i32 %22, 4096\n"
    "  br label %26\n"
    "24:\n"
    "  %25 = tail call i32 @waot_func_2(ptr noundef %0, i32 noundef -6)\n"
    "  br label %26\n"
    "26:\n"
    "  %27 = phi i32 [ %25, %24 ], [ %23, %20 ], [ %19, %17 ], [ %16, %13 ], [ %12, %10 ], [ %9, %6 ], [ %5, %3 ], [ -1, %2 ]\n"
    "  ret i32 %27\n"
    "}\n"
    "define i32 @waot_func_4(ptr nocapture noundef readnone %0, i32 noundef %1) local_unnamed_addr {\n"
    "  %3 = and i32 %1, 15\n"
    "  %4 = zext i32 %3 to i64\n"
    "  %5 = getelementptr inbounds [20 x i8], ptr @.str, i64 0, i64 %4\n"
    "  %6 = load i8, ptr %5, align 1\n"
    "  %7 = sext i8 %6 to i32\n"
    "  ret i32 %7\n"
    "}\n"
    "define void @waot_func_5(ptr nocapture noundef readnone %0, ptr nocapture noundef writeonly %1, ptr nocapture noundef readonly %2, i64 noundef %3) local_unnamed_addr {\n"
    "  tail call void @llvm.memcpy.p0.p0.i64(ptr align 1 %1, ptr align 1 %2, i64 %3, i1 false)\n"
    "  %5 = getelementptr inbounds i8, ptr %1, i64 %3\n"
    "  tail call void @llvm.memset.p0.i64(ptr align 1 %5, i8 122, i64 %3, i1 false)\n"
    "  ret void\n"
    "}\n"
    "declare void @llvm.memcpy.p0.p0.i64(ptr noalias nocapture writeonly, ptr noalias nocapture readonly, i64, i1 immarg)\n"
    "declare void @llvm.memset.p0.i64(ptr nocapture writeonly, i8, i64, i1 immarg)\n"
    ;
static const char ir_b[] =
    "%union.slot = type { i64, [8 x i8] }\n"
    "@table = internal unnamed_addr constant [2 x ptr] [ptr @waot_func_1, ptr @waot_func_2], align 16\n"
    "define i32 @waot_func_2(ptr nocapture readnone %0, i32 noundef %1) {\n"
    "  %3 = mul nsw i32 %1, 3\n"
    "  ret i32 %3\n"
    "}\n"
    "define double @waot_func_6(ptr nocapture noundef readnone %0, double noundef %1) local_unnamed_addr {\n"
    "  %3 = tail call double @llvm.floor.f64(double %1)\n"
    "  %4 = tail call double @llvm.sqrt.f64(double %1)\n"
    "  %5 = fadd double %3, %4\n"
    "  %6 = fmul double %1, 5.000000e-01\n"
    "  %7 = tail call double @llvm.rint.f64(double %6)\n"
    "  %8 = fadd double %5, %7\n"
    "  ret double %8\n"
    "}\n"
    "declare double @llvm.floor.f64(double)\n"
    "declare double @llvm.sqrt.f64(double)\n"
    "declare double @llvm.rint.f64(double)\n"
    "define nonnull ptr @waot_func_7(ptr nocapture noundef readnone %0) local_unnamed_addr {\n"
    "  ret ptr @memmove\n"
    "}\n"
    "declare ptr @memmove(ptr noundef returned writeonly, ptr nocapture noundef readonly, i64 noundef)\n"
    "define i32 @waot_func_8(ptr noundef %0, i32 noundef %1, i32 noundef %2) local_unnamed_addr {\n"
    "  %4 = and i32 %1, 1\n"
    "  %5 = zext i32 %4 to i64\n"
    "  %6 = getelementptr inbounds [2 x ptr], ptr @table, i64 0, i64 %5\n"
    "  %7 = load ptr, ptr %6, align 8\n"
    "  %8 = tail call i32 %7(ptr noundef %0, i32 noundef %2)\n"
    "  ret i32 %8\n"
    "}\n"
    "define void @waot_entry_0(ptr nocapture noundef readonly %0, ptr noundef %1, ptr nocapture noundef %2) local_unnamed_addr {\n"
    "  %4 = load i32, ptr %2, align 8\n"
    "  %5 = tail call i32 %0(ptr noundef %1, i32 noundef %4)\n"
    "  store i32 %5, ptr %2, align 8\n"
    "  ret void\n"
    "}\n"
    "define i32 @waot_host_0(ptr noundef %0, i32 noundef %1) local_unnamed_addr {\n"
    "  %3 = alloca [1 x %union.slot], align 16\n"
    "  call void @llvm.lifetime.start.p0(i64 16, ptr nonnull %3)\n"
    "  store i32 %1, ptr %3, align 16\n"
    "  %4 = load ptr, ptr %0, align 8\n"
    "  call void %4(ptr noundef nonnull %0, ptr noundef nonnull %3)\n"
    "  %5 = load i32, ptr %3, align 16\n"
    "  call void @llvm.lifetime.end.p0(i64 16, ptr nonnull %3)\n"
    "  ret i32 %5\n"
    "}\n"
    "declare void @llvm.lifetime.start.p0(i64 immarg, ptr nocapture)\n"
    "declare void @llvm.lifetime.end.p0(i64 immarg, ptr nocapture)\n"
    "declare i32 @waot_func_1(ptr noundef, i32 noundef)\n"
    ;

static const char ir_undefined[] =
    "declare i32 @puts(ptr)\n"
    "define i32 @waot_func_1(ptr %0, i32 %1) {\n"
    "  %3 = call i32 @puts(ptr %0)\n"
    "  ret i32 %3\n"
    "}\n";

static const char ir_writable[] =
    "@counter = global i32 5\n"
    "define i32 @waot_func_1(ptr %0, i32 %1) {\n"
    "  %3 = load i32, ptr @counter\n"
    "  %4 = add i32 %3, %1\n"
    "  store i32 %4, ptr @counter\n"
    "  ret i32 %4\n"
    "}\n";

/* A 32-bit absolute address: only valid in non-PIC code. */
static const char ir_absolute[] =
    "@p = constant i32 ptrtoint (ptr @waot_func_1 to i32)\n"
    "define i32 @waot_func_1(ptr %0, i32 %1) {\n"
    "  %3 = load volatile i32, ptr @p\n"
    "  ret i32 %3\n"
    "}\n";

/* A constant-pool load (AArch64: adrp + ldr d, LDST64_ABS_LO12_NC). */
static const char ir_const[] =
    "define double @waot_func_9(ptr %0, double %1) {\n"
    "  %3 = fadd double %1, 1.2345678\n"
    "  ret double %3\n"
    "}\n";

/* The address of a C library routine declared dso_local: a PC32 reference to an import. */
static const char ir_local_import[] =
    "declare dso_local ptr @memset(ptr, i32, i64)\n"
    "define ptr @waot_func_1(ptr %0, i32 %1) {\n"
    "  ret ptr @memset\n"
    "}\n";

/* ---- emitting objects ---- */

static int emit(const char *triple, const char *ir, LLVMRelocMode reloc, struct codegen_object *out)
{
    char *msg = NULL;
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMMemoryBufferRef mb = LLVMCreateMemoryBufferWithMemoryRangeCopy(ir, strlen(ir), "ir");
    LLVMModuleRef mod;
    if (LLVMParseIRInContext(ctx, mb, &mod, &msg)) {
        printf("IR parse: %s\n", msg);
        LLVMDisposeMessage(msg);
        LLVMContextDispose(ctx);
        return -1;
    }
    LLVMTargetRef t;
    if (LLVMGetTargetFromTriple(triple, &t, &msg)) {
        printf("target %s: %s\n", triple, msg);
        LLVMDisposeMessage(msg);
        LLVMDisposeModule(mod);
        LLVMContextDispose(ctx);
        return -1;
    }
    const char *cpu = strncmp(triple, "x86_64", 6) == 0 ? "x86-64" : "generic";
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(t, triple, cpu, "", LLVMCodeGenLevelDefault,
                                                      reloc, LLVMCodeModelDefault);
    LLVMSetTarget(mod, triple);
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(mod, td);
    LLVMDisposeTargetData(td);
    LLVMMemoryBufferRef obj;
    int rc = -1;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, &obj)) {
        printf("emit: %s\n", msg);
        LLVMDisposeMessage(msg);
    } else {
        out->len = LLVMGetBufferSize(obj);
        out->data = malloc(out->len);
        memcpy(out->data, LLVMGetBufferStart(obj), out->len);
        LLVMDisposeMemoryBuffer(obj);
        rc = 0;
    }
    LLVMDisposeTargetMachine(tm);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    return rc;
}

static void cg_init(struct codegen_output *cg, const char *triple, const char *features)
{
    memset(cg, 0, sizeof *cg);
    snprintf(cg->triple, sizeof cg->triple, "%s", triple);
    snprintf(cg->cpu, sizeof cg->cpu, "%s", "x86-64");
    snprintf(cg->features, sizeof cg->features, "%s", features);
}

static int cg_add(struct codegen_output *cg, const char *ir, LLVMRelocMode reloc)
{
    cg->objects = realloc(cg->objects, (cg->nobjects + 1) * sizeof *cg->objects);
    if (emit(cg->triple, ir, reloc, &cg->objects[cg->nobjects]) < 0)
        return -1;
    cg->nobjects++;
    return 0;
}

static void cg_free(struct codegen_output *cg)
{
    for (uint32_t i = 0; i < cg->nobjects; i++)
        free(cg->objects[i].data);
    free(cg->objects);
    cg->objects = NULL;
    cg->nobjects = 0;
}

/* ---- a hand-made module: func 0 imported, funcs 1..8 defined, all of type 0 ---- */

#define NDEFINED 8
static const uint8_t wasm_bytes[] = "\0asm\1\0\0\0helloxyz";
static const wasm_valtype sig_i32[] = { WAOT_I32 };
static struct wasm_functype types[1];
static struct wasm_import imports[1];
static struct wasm_func funcs[2 + NDEFINED]; /* one spare for the missing-code test */
static struct wasm_export exports[2];
static struct wasm_tabletype tables[1];
static struct wasm_limits memories[1];
static struct wasm_global globals[1];
static struct wasm_const_expr elem_init[2];
static struct wasm_elem elems[1];
static struct wasm_data datas[2];

static void module_init(struct wasm_module *m, uint32_t ndefined)
{
    memset(m, 0, sizeof *m);
    m->bytes = wasm_bytes;
    m->len = sizeof wasm_bytes - 1;
    types[0] = (struct wasm_functype){ 1, 1, sig_i32, sig_i32 };
    m->ntypes = 1;
    m->types = types;
    imports[0] = (struct wasm_import){ .module = "env", .name = "imp", .module_len = 3,
                                       .name_len = 3, .kind = WAOT_EXTERN_FUNC };
    m->nimports = 1;
    m->imports = imports;
    memset(funcs, 0, sizeof funcs);
    funcs[0].imported = true;
    funcs[1].name = "first";
    m->nfuncs = 1 + ndefined;
    m->nimported_funcs = 1;
    m->funcs = funcs;
    exports[0] = (struct wasm_export){ "f1", 2, WAOT_EXTERN_FUNC, 1 };
    exports[1] = (struct wasm_export){ "mem", 3, WAOT_EXTERN_MEMORY, 0 };
    m->nexports = 2;
    m->exports = exports;
    tables[0] = (struct wasm_tabletype){ WAOT_FUNCREF, { 1, 10, true } };
    m->ntables = 1;
    m->tables = tables;
    memories[0] = (struct wasm_limits){ 1, 0, false };
    m->nmemories = 1;
    m->memories = memories;
    memset(globals, 0, sizeof globals);
    globals[0].type = (struct wasm_globaltype){ WAOT_I32, true };
    globals[0].init.kind = WASM_CONST_I32;
    globals[0].init.type = WAOT_I32;
    globals[0].init.value.i32 = 42;
    m->nglobals = 1;
    m->globals = globals;
    memset(elem_init, 0, sizeof elem_init);
    elem_init[0].kind = WASM_CONST_REF_FUNC;
    elem_init[0].type = WAOT_FUNCREF;
    elem_init[0].value.index = 1;
    elem_init[1].kind = WASM_CONST_REF_NULL;
    elem_init[1].type = WAOT_FUNCREF;
    memset(elems, 0, sizeof elems);
    elems[0].mode = WASM_SEG_ACTIVE;
    elems[0].offset.kind = WASM_CONST_I32;
    elems[0].offset.type = WAOT_I32;
    elems[0].elem_type = WAOT_FUNCREF;
    elems[0].ninit = 2;
    elems[0].init = elem_init;
    m->nelems = 1;
    m->elems = elems;
    memset(datas, 0, sizeof datas);
    datas[0].mode = WASM_SEG_ACTIVE;
    datas[0].offset.kind = WASM_CONST_I32;
    datas[0].offset.type = WAOT_I32;
    datas[0].offset.value.i32 = 8;
    datas[0].bytes_offset = 8;
    datas[0].len = 5;
    datas[1].mode = WASM_SEG_PASSIVE;
    datas[1].bytes_offset = 13;
    datas[1].len = 3;
    m->ndatas = 2;
    m->datas = datas;
    m->name = "testmod";
}

/* ---- x86_64: link, load, call ---- */

static void host_double(struct waot_host_ctx *hc, union waot_slot *s)
{
    (void)hc;
    s[0].i32 *= 2;
}

typedef int (*fn_ii)(void *, int);

static void test_metadata(const struct rt_module *rm)
{
    CHECK(rm->ntypes == 1 && rm->types[0].nparams == 1 && rm->types[0].nresults == 1 &&
          rm->types[0].params[0] == WAOT_I32 && rm->types[0].results[0] == WAOT_I32);
    CHECK(rm->nimports == 1 && strcmp(rm->imports[0].module, "env") == 0 &&
          strcmp(rm->imports[0].name, "imp") == 0 && rm->imports[0].kind == WAOT_EXTERN_FUNC &&
          rm->imports[0].index == 0);
    CHECK(rm->nexports == 2 && strcmp(rm->exports[0].name, "f1") == 0 &&
          rm->exports[0].index == 1 && rm->exports[1].kind == WAOT_EXTERN_MEMORY);
    CHECK(rm->nfuncs == 1 + NDEFINED && rm->nimported_funcs == 1 && rm->funcs[0].imported &&
          rm->funcs[0].code == NULL && rm->funcs[1].code != NULL);
    CHECK(rm->funcs[1].name && strcmp(rm->funcs[1].name, "first") == 0 && rm->funcs[2].name == NULL);
    CHECK(rm->ntables == 1 && rm->tables[0].elem_type == WAOT_FUNCREF &&
          rm->tables[0].limits.min == 1 && rm->tables[0].limits.max == 10 &&
          rm->tables[0].limits.has_max);
    CHECK(rm->nmemories == 1 && rm->memories[0].limits.min == 1 && !rm->memories[0].limits.has_max);
    CHECK(rm->nglobals == 1 && rm->globals[0].type == WAOT_I32 && rm->globals[0].mutable_ &&
          rm->globals[0].init.kind == RT_CONST_I32 && rm->globals[0].init.value.i32 == 42);
    CHECK(rm->nelems == 1 && rm->elems[0].mode == RT_SEG_ACTIVE && rm->elems[0].ninit == 2 &&
          rm->elems[0].init[0].kind == RT_CONST_REF_FUNC && rm->elems[0].init[0].value.index == 1 &&
          rm->elems[0].init[1].kind == RT_CONST_REF_NULL);
    CHECK(rm->ndatas == 2 && rm->datas[0].len == 5 && memcmp(rm->datas[0].bytes, "hello", 5) == 0 &&
          rm->datas[0].offset.value.i32 == 8 && rm->datas[1].mode == RT_SEG_PASSIVE &&
          memcmp(rm->datas[1].bytes, "xyz", 3) == 0);
    CHECK(!rm->has_start && rm->name && strcmp(rm->name, "testmod") == 0);
    CHECK(rm->text_start && rm->text_size > 0);
}

static void test_calls(const struct rt_module *rm)
{
    void *vm = NULL;
    fn_ii f1 = (fn_ii)rm->funcs[1].code, f2 = (fn_ii)rm->funcs[2].code;
    fn_ii f3 = (fn_ii)rm->funcs[3].code, f4 = (fn_ii)rm->funcs[4].code;
    CHECK(f2(vm, 7) == 21);
    CHECK(f1(vm, 4) == 30); /* calls func 2 in the other object */
    static const int want3[] = { 301, 45, 160, 4976, 89, 4132, -18, -1, -1 };
    for (int i = 0; i < 9; i++)
        CHECK(f3(vm, i) == want3[i]);
    CHECK(f4(vm, 4) == 'q' && f4(vm, 0) == 't');
    void (*f5)(void *, char *, const char *, unsigned long) =
        (void (*)(void *, char *, const char *, unsigned long))rm->funcs[5].code;
    char buf[16] = { 0 };
    f5(vm, buf, "abcdef", 5);
    CHECK(memcmp(buf, "abcdezzzzz", 10) == 0 && buf[10] == 0);
    double (*f6)(void *, double) = (double (*)(void *, double))rm->funcs[6].code;
    CHECK(f6(vm, 6.25) == 11.5);
    void *(*f7)(void *) = (void *(*)(void *))rm->funcs[7].code;
    CHECK(f7(vm) == (void *)&memmove);
    int (*f8)(void *, int, int) = (int (*)(void *, int, int))rm->funcs[8].code;
    CHECK(f8(vm, 0, 4) == 30 && f8(vm, 1, 4) == 12);
    union waot_slot slots[1];
    memset(slots, 0, sizeof slots);
    slots[0].i32 = 11;
    ((waot_entry_fn)rm->entry_tramps[0])(rm->funcs[2].code, vm, slots);
    CHECK(slots[0].i32 == 33);
    struct waot_host_ctx hc = { host_double, NULL };
    int (*host)(struct waot_host_ctx *, int) = (int (*)(struct waot_host_ctx *, int))rm->host_tramps[0];
    CHECK(host(&hc, 21) == 42);
}

/* Every single-field corruption must be refused with WAOT_E_ARTIFACT. */
static void expect_reject(const uint8_t *buf, size_t len, const char *what, const char *needle)
{
    struct waot_error err = { 0 };
    struct rt_module *rm = rt_module_open_memory(buf, len, &err);
    int ok = rm == NULL && err.code == WAOT_E_ARTIFACT && (!needle || strstr(err.msg, needle));
    if (!ok)
        printf("  %s: %s (code %d)\n", what, rm ? "accepted" : err.msg, err.code);
    CHECK(ok);
    rt_module_destroy(rm);
}

static void test_corruption(const uint8_t *art, size_t len)
{
    uint8_t *b = malloc(len);
    const struct art_header *h0 = (const struct art_header *)art;
    struct art_header *h = (struct art_header *)b;
#define RESET() memcpy(b, art, len)
    RESET();
    expect_reject(b, len - 1, "truncated by one", "differs");
    expect_reject(b, 100, "truncated to 100", "too short");
    expect_reject(b, h0->image_offset, "image cut off", NULL);
    b[0] ^= 1;
    expect_reject(b, len, "magic", "magic");
    RESET();
    h->format_version++;
    expect_reject(b, len, "format version", "version");
    RESET();
    h->image_align = 0;
    expect_reject(b, len, "image alignment 0", "alignment");
    RESET();
    h->image_align = 3000;
    expect_reject(b, len, "image alignment not a power of two", "alignment");
    RESET();
    h->image_align = 1u << 17;
    expect_reject(b, len, "image alignment above 64 KiB", "alignment");
    RESET();
    h->waot_version[0] ^= 1;
    expect_reject(b, len, "waot version", "waot version");
    RESET();
    memcpy(h->triple, "riscv64-unknown-linux", 22);
    expect_reject(b, len, "triple", "recompile");
    RESET();
    h->image_size = len;
    expect_reject(b, len, "image size", NULL);
    RESET();
    h->got_count = 1u << 30;
    expect_reject(b, len, "got count", NULL);
    RESET();
    h->sections[ART_SEC_FUNCS].offset = len;
    expect_reject(b, len, "funcs offset", NULL);
    RESET();
    h->sections[ART_SEC_FUNCS].count++;
    expect_reject(b, len, "funcs count", NULL);
    RESET();
    h->sections[ART_SEC_TYPES].count = 0;
    h->sections[ART_SEC_TYPES].size = 0;
    expect_reject(b, len, "types removed", NULL);
    RESET();
    h->has_start = 1;
    h->start = 99;
    expect_reject(b, len, "start", "start");
    RESET();
    h->nimported_funcs = 5;
    expect_reject(b, len, "imported funcs", NULL);
    RESET();
    struct art_func *fn = (struct art_func *)(b + h->sections[ART_SEC_FUNCS].offset);
    fn[3].code = h->text_size;
    expect_reject(b, len, "code offset", "function 3");
    RESET();
    fn[2].type_index = 7;
    expect_reject(b, len, "type index", "function 2");
    RESET();
    struct art_export *ex = (struct art_export *)(b + h->sections[ART_SEC_EXPORTS].offset);
    ex[0].name = 1u << 30;
    expect_reject(b, len, "export name", "export 0");
    RESET();
    ex[0].name_len++;
    expect_reject(b, len, "export name length", "export 0");
    RESET();
    ex[1].index = 3;
    expect_reject(b, len, "export index", "export 1");
    RESET();
    struct art_data *d = (struct art_data *)(b + h->sections[ART_SEC_DATAS].offset);
    d[0].len = 1000;
    expect_reject(b, len, "data length", "data segment 0");
    RESET();
    struct art_elem *e = (struct art_elem *)(b + h->sections[ART_SEC_ELEMS].offset);
    e[0].ninit = 3;
    expect_reject(b, len, "elem count", "element segment 0");
    RESET();
    struct art_fixup *fx = (struct art_fixup *)(b + h->sections[ART_SEC_FIXUPS].offset);
    CHECK(h->sections[ART_SEC_FIXUPS].count > 0);
    fx[0].offset = h->image_size;
    expect_reject(b, len, "fixup offset", "fixup 0");
    RESET();
    fx[0].kind = 9;
    expect_reject(b, len, "fixup kind", "fixup 0");
    RESET();
    fx[0].import = ART_IMPORT_COUNT;
    fx[0].kind = ART_FIXUP_IMPORT;
    expect_reject(b, len, "fixup import", "fixup 0");
    /* Flip each metadata byte in turn: load or refuse cleanly, never crash. */
    uint64_t meta_end = 0;
    for (int i = 0; i < ART_SEC_COUNT; i++)
        if (h0->sections[i].offset + h0->sections[i].size > meta_end)
            meta_end = h0->sections[i].offset + h0->sections[i].size;
    int clean = 1;
    for (uint64_t i = 0; i < meta_end; i++) {
        RESET();
        b[i] ^= 0xa5;
        struct waot_error err = { 0 };
        struct rt_module *rm = rt_module_open_memory(b, len, &err);
        if (!rm && err.code != WAOT_E_ARTIFACT) {
            printf("  flip at 0x%llx: code %d %s\n", (unsigned long long)i, err.code, err.msg);
            clean = 0;
        }
        rt_module_destroy(rm);
    }
    CHECK(clean);
#undef RESET
    free(b);
}

static void test_x86_64(void)
{
    struct codegen_output cg;
    struct wasm_module m;
    struct waot_error err = { 0 };
    const char *triple = "x86_64-unknown-linux-gnu";
    cg_init(&cg, triple, "+cx8,+fxsr,+mmx,+sse,+sse2,-avx,+x87");
    if (!CHECK(cg_add(&cg, ir_a, LLVMRelocPIC) == 0 && cg_add(&cg, ir_b, LLVMRelocPIC) == 0))
        return;
    module_init(&m, NDEFINED);
    uint8_t *art = NULL, *art2 = NULL;
    size_t len = 0, len2 = 0;
    if (!CHECK(artifact_write(&m, &cg, &art, &len, &err) == 0)) {
        printf("  artifact_write: %s\n", err.msg);
        cg_free(&cg);
        return;
    }
    CHECK(artifact_write(&m, &cg, &art2, &len2, &err) == 0);
    CHECK(len == len2 && memcmp(art, art2, len) == 0); /* deterministic */
    const struct art_header *h = (const struct art_header *)art;
    /* x86_64 images are aligned to 4 KiB pages (small artifacts stay small). */
    CHECK(h->image_align == 4096 && h->image_offset % 4096 == 0 && h->rodata_offset % 4096 == 0);
    CHECK(len < ART_IMAGE_ALIGN); /* this small module's artifact fits in less than 64 KiB */
    CHECK(strcmp(h->triple, triple) == 0);

    struct rt_module *rm = rt_module_open_memory(art, len, &err);
    if (CHECK(rm != NULL)) {
        test_metadata(rm);
        test_calls(rm);
        rt_module_destroy(rm);
    } else {
        printf("  open: %s\n", err.msg);
    }
    /* The same through a file. */
    char path[] = "/tmp/waot_test_artifact_XXXXXX";
    int fd = mkstemp(path);
    if (CHECK(fd >= 0)) {
        CHECK(write(fd, art, len) == (ssize_t)len);
        close(fd);
        rm = rt_module_open(path, &err);
        if (CHECK(rm != NULL))
            test_calls(rm);
        rt_module_destroy(rm);
        unlink(path);
        rm = rt_module_open(path, &err);
        CHECK(rm == NULL && err.code == WAOT_E_IO && strstr(err.msg, path));
    }
    test_corruption(art, len);
    free(art);
    free(art2);

    /* Features this host lacks are refused at load time. */
    char missing[64];
    if (cpu_features_check("+xop,+fma4,+tbm", missing, sizeof missing) < 0) {
        snprintf(cg.features, sizeof cg.features, "+sse2,+xop,+fma4,+tbm");
        CHECK(artifact_write(&m, &cg, &art, &len, &err) == 0);
        expect_reject(art, len, "missing CPU feature", "lacks");
        free(art);
    }
    CHECK(cpu_features_check("+sse2,+unknownfeature", missing, sizeof missing) == 0);

    /* A function without code is a link error naming the symbol. */
    module_init(&m, NDEFINED + 1);
    CHECK(artifact_write(&m, &cg, &art, &len, &err) < 0 && err.code == WAOT_E_COMPILE &&
          strstr(err.msg, "waot_func_9"));
    cg_free(&cg);
}

/* ---- linker refusals and corrupt objects ---- */

static void expect_link_error(const char *ir, LLVMRelocMode reloc, int twice, const char *needle)
{
    struct codegen_output cg;
    struct elf_link l;
    struct waot_error err = { 0 };
    cg_init(&cg, "x86_64-unknown-linux-gnu", "");
    if (!CHECK(cg_add(&cg, ir, reloc) == 0))
        return;
    if (twice)
        CHECK(cg_add(&cg, ir, reloc) == 0);
    int rc = elf_link_objects(&cg, &l, &err);
    int ok = rc < 0 && err.code == WAOT_E_COMPILE && strstr(err.msg, needle);
    if (!ok)
        printf("  expected link error with \"%s\", got rc %d: %s\n", needle, rc, err.msg);
    CHECK(ok);
    if (rc == 0)
        elf_link_fini(&l);
    cg_free(&cg);
}

static void test_link_errors(void)
{
    expect_link_error(ir_undefined, LLVMRelocPIC, 0, "undefined symbol puts");
    expect_link_error(ir_writable, LLVMRelocPIC, 0, "writable section .data");
    expect_link_error(ir_absolute, LLVMRelocStatic, 0, "R_X86_64_32");
    expect_link_error(ir_a, LLVMRelocPIC, 1, "defined in objects 0 and 1");

    /* A PC-relative reference to an import resolves to its stub (jmp *slot(%rip)). */
    {
        struct codegen_output c2;
        struct elf_link l2;
        struct waot_error err = { 0 };
        cg_init(&c2, "x86_64-unknown-linux-gnu", "");
        uint64_t f = 0;
        int ok = cg_add(&c2, ir_local_import, LLVMRelocPIC) == 0 &&
                 elf_link_objects(&c2, &l2, &err) == 0;
        if (CHECK(ok)) {
            CHECK(elf_link_symbol_find(&l2, "waot_func_1", &f) == 0);
            ok = 0;
            for (uint64_t off = f; off + 7 <= f + 16 && !ok; off++) {
                const uint8_t *p = l2.image + off;
                if (p[0] != 0x48 || p[1] != 0x8d || (p[2] & 0xc7) != 0x05)
                    continue; /* lea disp32(%rip), %reg */
                int32_t d, d2;
                memcpy(&d, p + 3, 4);
                uint64_t stub = off + 7 + (int64_t)d;
                if (stub + 6 > l2.text_size || l2.image[stub] != 0xff || l2.image[stub + 1] != 0x25)
                    continue;
                memcpy(&d2, l2.image + stub + 2, 4);
                uint64_t slot = stub + 6 + (int64_t)d2;
                for (uint32_t k = 0; k < l2.nfixups; k++)
                    ok |= l2.fixups[k].offset == slot && l2.fixups[k].kind == ART_FIXUP_IMPORT &&
                          l2.fixups[k].import == ART_IMPORT_memset;
            }
            CHECK(ok);
            elf_link_fini(&l2);
        } else {
            printf("  dso_local import: %s\n", err.msg);
        }
        cg_free(&c2);
    }

    /* Damaged objects: refused or linked, never a crash. */
    struct codegen_output cg;
    struct elf_link l;
    struct waot_error err = { 0 };
    cg_init(&cg, "x86_64-unknown-linux-gnu", "");
    if (!CHECK(cg_add(&cg, ir_a, LLVMRelocPIC) == 0 && cg_add(&cg, ir_b, LLVMRelocPIC) == 0))
        return;
    size_t len = cg.objects[0].len;
    uint8_t *orig = malloc(len);
    memcpy(orig, cg.objects[0].data, len);
    cg.objects[0].len = 100;
    CHECK(elf_link_objects(&cg, &l, &err) < 0 && err.code == WAOT_E_COMPILE);
    cg.objects[0].len = len;
    int clean = 1;
    for (size_t i = 0; i < len; i++) {
        memcpy(cg.objects[0].data, orig, len);
        cg.objects[0].data[i] ^= 0xff;
        err.code = WAOT_OK;
        if (elf_link_objects(&cg, &l, &err) == 0)
            elf_link_fini(&l);
        else if (err.code != WAOT_E_COMPILE)
            clean = 0;
    }
    CHECK(clean);
    free(orig);
    cg_free(&cg);
}

/* ---- aarch64 ---- */

static uint32_t insn_at(const struct elf_link *l, uint64_t off)
{
    uint32_t v;
    memcpy(&v, l->image + off, 4);
    return v;
}

static int64_t sext(uint64_t v, int bits)
{
    return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

/* Target of the ADRP at off plus the lo12 of the next ADD/LDR. */
static uint64_t adrp_target(const struct elf_link *l, uint64_t off, unsigned scale)
{
    uint32_t a = insn_at(l, off), b = insn_at(l, off + 4);
    int64_t pages = sext(((a >> 5) & 0x7ffff) << 2 | ((a >> 29) & 3), 21);
    uint64_t lo = ((b >> 10) & 0xfff) << scale;
    return (off & ~UINT64_C(0xfff)) + (uint64_t)(pages << 12) + lo;
}

static void test_aarch64_apply(void)
{
    const struct elf_reloc_target *t = &elf_reloc_aarch64;
    uint8_t b[4];
    uint32_t v;
    v = 0x94000000u; /* bl 0 */
    memcpy(b, &v, 4);
    CHECK(t->apply(b, R_AARCH64_CALL26, 0x1000, 0x2000, 0, 0) == NULL);
    memcpy(&v, b, 4);
    CHECK(v == 0x94000400u);
    v = 0x94000000u;
    memcpy(b, &v, 4);
    CHECK(t->apply(b, R_AARCH64_CALL26, 0x2000, 0x1000, 0, 0) == NULL);
    memcpy(&v, b, 4);
    CHECK(v == (0x94000000u | (0x3ffffffu & (uint32_t)-0x400)));
    CHECK(t->apply(b, R_AARCH64_CALL26, 0, UINT64_C(1) << 28, 0, 0) != NULL); /* out of range */
    v = 0x90000000u; /* adrp x0, 0 */
    memcpy(b, &v, 4);
    CHECK(t->apply(b, R_AARCH64_ADR_PREL_PG_HI21, 0x1000, 0x12345, 0, 0) == NULL);
    memcpy(&v, b, 4);
    CHECK(v == 0xb0000080u); /* 0x11 pages: immlo 1, immhi 4 */
    v = 0xf9400000u; /* ldr x0, [x0] */
    memcpy(b, &v, 4);
    CHECK(t->apply(b, R_AARCH64_LDST64_ABS_LO12_NC, 0, 0x12348, 0, 0) == NULL);
    memcpy(&v, b, 4);
    CHECK(v == (0xf9400000u | (0x348u >> 3) << 10));
    CHECK(t->apply(b, R_AARCH64_LDST64_ABS_LO12_NC, 0, 0x12344, 0, 0) != NULL); /* misaligned */
    v = 0x91000000u; /* add x0, x0, #0 */
    memcpy(b, &v, 4);
    CHECK(t->apply(b, R_AARCH64_ADD_ABS_LO12_NC, 0, 0x12345, 0, 0) == NULL);
    memcpy(&v, b, 4);
    CHECK(v == (0x91000000u | 0x345u << 10));
    CHECK(t->classify(R_AARCH64_MOVW_UABS_G0) == ELF_RELOC_UNSUPPORTED);
}

static void test_aarch64_link(void)
{
    struct codegen_output cg;
    struct elf_link l;
    struct waot_error err = { 0 };
    cg_init(&cg, "aarch64-unknown-linux-gnu", "+neon");
    if (!CHECK(cg_add(&cg, ir_a, LLVMRelocPIC) == 0 && cg_add(&cg, ir_b, LLVMRelocPIC) == 0 &&
               cg_add(&cg, ir_const, LLVMRelocPIC) == 0)) {
        cg_free(&cg);
        return;
    }
    if (!CHECK(elf_link_objects(&cg, &l, &err) == 0)) {
        printf("  aarch64 link: %s\n", err.msg);
        cg_free(&cg);
        return;
    }
    CHECK(l.target == &elf_reloc_aarch64);
    uint64_t f1, f2, f4, f5;
    CHECK(elf_link_symbol_find(&l, "waot_func_1", &f1) == 0 &&
          elf_link_symbol_find(&l, "waot_func_2", &f2) == 0 &&
          elf_link_symbol_find(&l, "waot_func_4", &f4) == 0 &&
          elf_link_symbol_find(&l, "waot_func_5", &f5) == 0);
    /* func 1's bl reaches func 2 in the other object. */
    int found = 0;
    for (uint64_t off = f1; off < f1 + 64 && !found; off += 4) {
        uint32_t i = insn_at(&l, off);
        if ((i & 0xfc000000u) == 0x94000000u)
            found = off + (uint64_t)(sext(i & 0x3ffffff, 26) * 4) == f2;
    }
    CHECK(found);
    /* func 4's adrp+add reaches the string in rodata. */
    found = 0;
    for (uint64_t off = f4; off < f4 + 32 && !found; off += 4) {
        if ((insn_at(&l, off) & 0x9f000000u) == 0x90000000u) {
            uint64_t s = adrp_target(&l, off, 0);
            found = s >= l.rodata_offset && s + 20 <= l.image_size &&
                    memcmp(l.image + s, "the quick brown fox", 20) == 0;
        }
    }
    CHECK(found);
    /* func 9's adrp+ldr reaches its 8-byte constant in rodata. */
    uint64_t f9;
    found = 0;
    CHECK(elf_link_symbol_find(&l, "waot_func_9", &f9) == 0);
    for (uint64_t off = f9; off < f9 + 32 && !found; off += 4) {
        if ((insn_at(&l, off) & 0x9f000000u) == 0x90000000u &&
            (insn_at(&l, off + 4) & 0xffc00000u) == 0xfd400000u) { /* ldr d, [x, #imm] */
            uint64_t s = adrp_target(&l, off, 3);
            double d = 0;
            if (s >= l.rodata_offset && s + 8 <= l.image_size)
                memcpy(&d, l.image + s, 8);
            found = d == 1.2345678;
        }
    }
    CHECK(found);
    /* func 5's call to memcpy goes through a stub that loads a GOT slot with an import fixup. */
    found = 0;
    for (uint64_t off = f5; off < f5 + 64 && !found; off += 4) {
        uint32_t i = insn_at(&l, off);
        if ((i & 0x7c000000u) != 0x14000000u) /* b or bl */
            continue;
        uint64_t stub = off + (uint64_t)(sext(i & 0x3ffffff, 26) * 4);
        if (stub >= l.text_size || (insn_at(&l, stub) & 0x9f000000u) != 0x90000000u)
            continue;
        uint64_t slot = adrp_target(&l, stub, 3);
        for (uint32_t k = 0; k < l.nfixups; k++)
            if (l.fixups[k].offset == slot && l.fixups[k].kind == ART_FIXUP_IMPORT &&
                l.fixups[k].import == ART_IMPORT_memcpy)
                found = slot >= l.got_offset && slot < l.got_offset + 8 * l.got_count;
    }
    CHECK(found);
    elf_link_fini(&l);
    cg_free(&cg);
}

int main(void)
{
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
    if (strcmp(cpu_features_arch(), "x86_64") == 0)
        test_x86_64();
    test_link_errors();
    test_aarch64_apply();
    test_aarch64_link();
    return check_summary(NULL);
}
