/*
 * Code generation driver: picks the target machine, splits the module's functions into
 * partitions, translates each partition to LLVM IR in its own LLVMContext, optimises it
 * with the new pass manager and emits an ELF relocatable object into memory.
 *
 * Partitions are runs of consecutive defined functions of about PARTITION_BYTES of body
 * code, so the split depends on the module alone and the output does not depend on the
 * thread count or timing; partition 0 also holds every trampoline. A huge function (body of
 * HUGE_FUNC_BYTES or more) is a partition of its own and gets the O1 pipeline at O2 and O3:
 * O2's superlinear passes would take minutes on it. Worker threads take
 * partitions through an atomic counter, the costliest first (optimisation time grows
 * faster than function size), so that one big partition does not finish last alone; a
 * module of one partition creates no thread. The optional progress callback of the compile
 * options hears of each finished partition (functions done of total), one call at a time.
 *
 * Debug aids: WAOT_VERIFY=1 verifies the IR (always on in builds without NDEBUG);
 * WAOT_DUMP_IR=path writes the IR before optimisation (path.<p> for partition p > 0),
 * WAOT_DUMP_OPT_IR=path after it; WAOT_TIMING=1 prints each partition's times to stderr;
 * WAOT_HUGE_BYTES=n moves the huge-function threshold (0: every function is huge), so that
 * tests can run the huge path on small modules. It changes the code without changing the
 * cache key: it is for study and for tests with private caches.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Error.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "codegen.h"
#include "translate.h"

#define PARTITION_BYTES (128u * 1024)
/* A function body this big or bigger is compiled alone with the O1 pipeline at O2 and O3
 * (see docs/decisions.md, "Huge functions get the O1 pipeline"). */
#define HUGE_FUNC_BYTES (16u * 1024)
#define WORKER_STACK (64u << 20) /* LLVM recurses deeply on some large functions */

struct target {
    LLVMTargetRef target;
    LLVMCodeGenOptLevel cg_level;
    int opt_level;
};

struct partition {
    uint32_t first, last; /* function indices [first, last) */
    uint64_t cost;        /* estimate: optimisation is superlinear in function size */
    bool huge;            /* one huge function: the O1 pipeline */
};

struct job {
    const struct wasm_module *m;
    const struct codegen_output *out;
    struct target tg;
    struct partition *parts;
    uint32_t nparts;
    uint32_t *order;         /* partitions by decreasing cost: big ones start first */
    struct codegen_object *objects;
    struct waot_error *errs; /* per partition */
    int *failed;             /* per partition */
    atomic_uint next;
    atomic_bool stop;
    bool verify;
    bool timing;
    /* opt->progress, called under progress_lock so that callers need no locking */
    void (*progress)(void *arg, uint32_t done, uint32_t total);
    void *progress_arg;
    pthread_mutex_t progress_lock;
    uint32_t funcs_done, funcs_total;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_targets(void)
{
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
    /* X86 domain reassignment (run when AVX-512 is on) is quadratic on big functions:
     * 45 s of 52 on ruby.wasm's largest; what it buys (mask-register ops) is marginal.
     * The option exists in LLVM 16, which this library is built against. */
    /* The SLP vectorizer costs 55-65 % of O2's time on big functions (phi-heavy Wasm after
     * mem2reg) for little gain on scalar Wasm, where the loop vectorizer does the real
     * work. "default<On>" forces it on at O2 and O3 whatever the pipeline options say;
     * only this switch turns it off. */
    const char *argv[] = {"waot", "-disable-x86-domain-reassignment", "-vectorize-slp=false"};
    int argc = (int)(sizeof argv / sizeof argv[0]);
    LLVMParseCommandLineOptions(argc, argv, NULL);
}

static int fail_llvm(struct waot_error *err, const char *what, char *msg)
{
    waot_fail(err, WAOT_E_COMPILE, "codegen: %s: %s", what, msg ? msg : "unknown LLVM error");
    if (msg)
        LLVMDisposeMessage(msg);
    return -1;
}

/* ---- target selection ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Host features sorted (LLVM's order comes from a hash map), so that equal CPUs give equal
 * strings; disabled features are dropped first if the string does not fit. */
static int sort_features(const char *in, char *out, size_t cap, struct waot_error *err)
{
    char *copy = strdup(in);
    size_t n = 1;
    for (const char *p = in; *p; p++)
        n += *p == ',';
    char **items = calloc(n, sizeof *items);
    if (!copy || !items) {
        free(copy);
        free(items);
        return waot_fail(err, WAOT_E_NOMEM, "codegen: out of memory");
    }
    size_t k = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        items[k++] = tok;
    qsort(items, k, sizeof *items, cmp_str);
    int rc = -1;
    for (int pass = 0; pass < 2 && rc < 0; pass++) {
        size_t len = 0;
        out[0] = 0;
        bool fits = true;
        for (size_t i = 0; i < k && fits; i++) {
            if (pass == 1 && items[i][0] == '-')
                continue;
            size_t l = strlen(items[i]);
            if (len + l + 2 > cap) {
                fits = false;
                break;
            }
            if (len)
                out[len++] = ',';
            memcpy(out + len, items[i], l + 1);
            len += l;
        }
        if (fits)
            rc = 0;
    }
    free(copy);
    free(items);
    if (rc < 0)
        return waot_fail(err, WAOT_E_COMPILE, "codegen: host CPU feature string too long");
    return 0;
}

static int copy_name(char *dst, size_t cap, const char *src, const char *what, struct waot_error *err)
{
    if (strlen(src) >= cap)
        return waot_fail(err, WAOT_E_COMPILE, "codegen: %s name too long: %.64s", what, src);
    strcpy(dst, src);
    return 0;
}

static bool same_arch(const char *a, const char *b)
{
    size_t la = strcspn(a, "-"), lb = strcspn(b, "-");
    return la == lb && strncmp(a, b, la) == 0;
}

static int select_target(const struct waot_compile_options *opt, struct codegen_output *out,
                         struct target *tg, struct waot_error *err)
{
    char *host = LLVMGetDefaultTargetTriple();
    char *host_norm = LLVMNormalizeTargetTriple(host);
    char *norm = LLVMNormalizeTargetTriple(opt->triple ? opt->triple : host);
    int rc = copy_name(out->triple, sizeof out->triple, norm, "target triple", err);
    bool is_host = same_arch(norm, host_norm);
    LLVMDisposeMessage(host);
    LLVMDisposeMessage(host_norm);
    LLVMDisposeMessage(norm);
    if (rc < 0)
        return -1;
    if ((strncmp(out->triple, "x86_64-", 7) != 0 && strncmp(out->triple, "aarch64-", 8) != 0) ||
        !strstr(out->triple, "linux"))
        return waot_fail(err, WAOT_E_COMPILE, "codegen: unsupported target %s (x86_64 and aarch64 Linux only)",
                         out->triple);
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(out->triple, &tg->target, &msg))
        return fail_llvm(err, "target lookup", msg);

    char *host_cpu = LLVMGetHostCPUName();
    const char *cpu = opt->cpu ? opt->cpu : is_host ? host_cpu : "generic";
    bool host_features = is_host && strcmp(cpu, host_cpu) == 0;
    rc = copy_name(out->cpu, sizeof out->cpu, cpu, "CPU", err);
    LLVMDisposeMessage(host_cpu);
    if (rc < 0)
        return -1;
    out->features[0] = 0;
    if (host_features) {
        char *features = LLVMGetHostCPUFeatures();
        rc = sort_features(features, out->features, sizeof out->features, err);
        LLVMDisposeMessage(features);
        if (rc < 0)
            return -1;
    }
    tg->opt_level = opt->opt_level < 0 ? 0 : opt->opt_level > 3 ? 3 : opt->opt_level;
    static const LLVMCodeGenOptLevel levels[4] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess,
                                                  LLVMCodeGenLevelDefault, LLVMCodeGenLevelAggressive};
    tg->cg_level = levels[tg->opt_level];
    return 0;
}

/* ---- partitions ---- */

static void add_partition(struct partition *parts, uint32_t *n, uint32_t first, uint32_t last,
                          uint64_t cost, bool huge)
{
    if (parts)
        parts[*n] = (struct partition){first, last, cost, huge};
    (*n)++;
}

static uint32_t plan_partitions(const struct wasm_module *m, size_t huge_bytes, struct partition *parts)
{
    uint32_t n = 0;
    size_t bytes = 0;
    uint64_t cost = 0;
    uint32_t first = m->nimported_funcs;
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
        const struct wasm_func *f = &m->funcs[i];
        if (f->imported)
            continue;
        size_t size = f->code_end - f->code_offset + 16;
        uint64_t fcost = size + (uint64_t)size * size / 8192;
        if (size >= huge_bytes) {
            /* Alone, so that its pipeline is its own; the run before it closes first. */
            if (i > first)
                add_partition(parts, &n, first, i, cost, false);
            add_partition(parts, &n, i, i + 1, fcost, true);
            first = i + 1;
            bytes = 0;
            cost = 0;
            continue;
        }
        bytes += size;
        cost += fcost;
        if (bytes >= PARTITION_BYTES) {
            add_partition(parts, &n, first, i + 1, cost, false);
            first = i + 1;
            bytes = 0;
            cost = 0;
        }
    }
    if (first < m->nfuncs || n == 0)
        add_partition(parts, &n, first, m->nfuncs, cost, false);
    return n;
}

/* Decreasing cost, then increasing index (qsort_r comparator over partition indices). */
static int cmp_cost(const void *a, const void *b, void *arg)
{
    const struct partition *parts = arg;
    uint32_t pa = *(const uint32_t *)a, pb = *(const uint32_t *)b;
    if (parts[pa].cost != parts[pb].cost)
        return parts[pa].cost > parts[pb].cost ? -1 : 1;
    return pa < pb ? -1 : pa > pb;
}

/* ---- one partition ---- */

static void dump_ir(LLVMModuleRef mod, const char *env, uint32_t p)
{
    const char *path = getenv(env);
    if (!path || !*path)
        return;
    char name[4096];
    if (p == 0)
        snprintf(name, sizeof name, "%s", path);
    else
        snprintf(name, sizeof name, "%s.%u", path, p);
    char *msg = NULL;
    if (LLVMPrintModuleToFile(mod, name, &msg) && msg)
        fprintf(stderr, "waot: cannot write %s: %s\n", name, msg);
    if (msg)
        LLVMDisposeMessage(msg);
}

static int optimise(LLVMModuleRef mod, LLVMTargetMachineRef tmach, int level, bool huge,
                    struct waot_error *err)
{
    char pipeline[32];
    /* O2's superlinear passes (GVN, CorrelatedValuePropagation and JumpThreading through
     * LazyValueInfo, LICM and loop unrolling through ScalarEvolution) cost minutes on the
     * biggest bodies; O1 keeps SROA, EarlyCSE, InstCombine, SimplifyCFG, inlining and the
     * simple loop passes at about a third of the time. */
    snprintf(pipeline, sizeof pipeline, "default<O%d>", huge && level >= 2 ? 1 : level);
    LLVMPassBuilderOptionsRef pbo = LLVMCreatePassBuilderOptions();
    /* Loop and SLP vectorization follow the level ("default<On>" sets them); see
     * init_targets for SLP. */
    LLVMPassBuilderOptionsSetLoopUnrolling(pbo, level >= 2);
    LLVMErrorRef e = LLVMRunPasses(mod, pipeline, tmach, pbo);
    LLVMDisposePassBuilderOptions(pbo);
    if (e) {
        char *msg = LLVMGetErrorMessage(e);
        waot_fail(err, WAOT_E_COMPILE, "codegen: optimisation failed: %s", msg);
        LLVMDisposeErrorMessage(msg);
        return -1;
    }
    return 0;
}

static double clock_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* This thread's CPU time: on a loaded machine, wall time says little about the work. */
static double cpu_now(void)
{
    return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static int compile_partition(struct job *job, uint32_t p, struct waot_error *err)
{
    double t0 = now(), t1 = t0, t2 = t0;
    double c0 = cpu_now(), c1 = c0, c2 = c0;
    char name[32];
    snprintf(name, sizeof name, "waot.p%u", p);
    struct translate_module tm;
    if (translate_module_init(&tm, job->m, name, err) < 0)
        return -1;
    const struct codegen_output *out = job->out;
    LLVMTargetMachineRef tmach = LLVMCreateTargetMachine(job->tg.target, out->triple, out->cpu,
                                                         out->features, job->tg.cg_level,
                                                         LLVMRelocPIC, LLVMCodeModelSmall);
    int rc = -1;
    if (!tmach) {
        waot_fail(err, WAOT_E_COMPILE, "codegen: cannot create a target machine for %s", out->triple);
        goto done;
    }
    LLVMSetTarget(tm.mod, out->triple);
    LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(tmach);
    LLVMSetModuleDataLayout(tm.mod, layout);
    LLVMDisposeTargetData(layout);

    if (p == 0)
        translate_module_trampolines(&tm);
    if (translate_module_funcs(&tm, job->parts[p].first, job->parts[p].last, err) < 0)
        goto done;
    dump_ir(tm.mod, "WAOT_DUMP_IR", p);
    char *msg = NULL;
    if (job->verify && LLVMVerifyModule(tm.mod, LLVMReturnStatusAction, &msg)) {
        fail_llvm(err, "invalid IR", msg);
        goto done;
    }
    if (msg)
        LLVMDisposeMessage(msg);
    t1 = now();
    c1 = cpu_now();
    if (optimise(tm.mod, tmach, job->tg.opt_level, job->parts[p].huge, err) < 0)
        goto done;
    t2 = now();
    c2 = cpu_now();
    dump_ir(tm.mod, "WAOT_DUMP_OPT_IR", p);
    LLVMMemoryBufferRef buf = NULL;
    msg = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tmach, tm.mod, LLVMObjectFile, &msg, &buf)) {
        fail_llvm(err, "emission failed", msg);
        goto done;
    }
    if (msg)
        LLVMDisposeMessage(msg);
    size_t len = LLVMGetBufferSize(buf);
    uint8_t *data = malloc(len ? len : 1);
    if (!data) {
        LLVMDisposeMemoryBuffer(buf);
        waot_fail(err, WAOT_E_NOMEM, "codegen: out of memory");
        goto done;
    }
    memcpy(data, LLVMGetBufferStart(buf), len);
    LLVMDisposeMemoryBuffer(buf);
    job->objects[p] = (struct codegen_object){data, len};
    rc = 0;
    if (job->timing)
        fprintf(stderr, "waot: partition %u (funcs %u..%u%s): translate %.3f s, optimise %.3f s, emit %.3f s"
                " (cpu %.3f, %.3f, %.3f s)\n", p, job->parts[p].first, job->parts[p].last,
                job->parts[p].huge ? ", huge" : "", t1 - t0, t2 - t1, now() - t2, c1 - c0, c2 - c1,
                cpu_now() - c2);
done:
    if (tmach)
        LLVMDisposeTargetMachine(tmach);
    translate_module_fini(&tm);
    return rc;
}

/* Reports partition p (or, with p == UINT32_MAX, the start) to the progress callback. */
static void report_progress(struct job *job, uint32_t p)
{
    if (!job->progress)
        return;
    pthread_mutex_lock(&job->progress_lock);
    if (p != UINT32_MAX)
        job->funcs_done += job->parts[p].last - job->parts[p].first;
    job->progress(job->progress_arg, job->funcs_done, job->funcs_total);
    pthread_mutex_unlock(&job->progress_lock);
}

static void *worker(void *arg)
{
    struct job *job = arg;
    for (;;) {
        if (atomic_load(&job->stop))
            break;
        unsigned next = atomic_fetch_add(&job->next, 1);
        if (next >= job->nparts)
            break;
        uint32_t p = job->order[next];
        if (compile_partition(job, p, &job->errs[p]) < 0) {
            job->failed[p] = 1;
            atomic_store(&job->stop, true);
        } else {
            report_progress(job, p);
        }
    }
    return NULL;
}

static bool verify_enabled(void)
{
    const char *v = getenv("WAOT_VERIFY");
    if (v && *v)
        return strcmp(v, "0") != 0;
#ifdef NDEBUG
    return false;
#else
    return true;
#endif
}

static unsigned thread_count(const struct waot_compile_options *opt, uint32_t nparts)
{
    long n = opt->threads > 0 ? opt->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if ((unsigned long)n > nparts)
        n = nparts;
    return (unsigned)n;
}

/* Runs the job on nthreads threads (the caller is one of them). */
static void run_workers(struct job *job, unsigned nthreads)
{
    pthread_t *threads = nthreads > 1 ? calloc(nthreads - 1, sizeof *threads) : NULL;
    unsigned started = 0;
    if (threads) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, WORKER_STACK);
        for (; started < nthreads - 1; started++)
            if (pthread_create(&threads[started], &attr, worker, job) != 0)
                break; /* fewer threads is fine: the rest share the work */
        pthread_attr_destroy(&attr);
    }
    worker(job);
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
}

int codegen_module(const struct wasm_module *m, const struct waot_compile_options *opt,
                   struct codegen_output *out, struct waot_error *err)
{
    memset(out, 0, sizeof *out);
    static const struct waot_compile_options defaults = {.opt_level = 2};
    if (!opt)
        opt = &defaults;
    pthread_once(&init_once, init_targets);

    struct job job;
    memset(&job, 0, sizeof job);
    job.m = m;
    job.out = out;
    job.verify = verify_enabled();
    const char *timing = getenv("WAOT_TIMING");
    job.timing = timing && *timing && strcmp(timing, "0") != 0;
    if (select_target(opt, out, &job.tg, err) < 0)
        return -1;
    size_t huge_bytes = HUGE_FUNC_BYTES;
    const char *huge_env = getenv("WAOT_HUGE_BYTES");
    if (huge_env && *huge_env)
        huge_bytes = strtoull(huge_env, NULL, 10);
    job.nparts = plan_partitions(m, huge_bytes, NULL);
    job.parts = calloc(job.nparts, sizeof *job.parts);
    job.objects = calloc(job.nparts, sizeof *job.objects);
    job.errs = calloc(job.nparts, sizeof *job.errs);
    job.failed = calloc(job.nparts, sizeof *job.failed);
    job.order = calloc(job.nparts, sizeof *job.order);
    int rc = -1;
    if (!job.parts || !job.objects || !job.errs || !job.failed || !job.order) {
        waot_fail(err, WAOT_E_NOMEM, "codegen: out of memory");
        goto done;
    }
    plan_partitions(m, huge_bytes, job.parts);
    for (uint32_t p = 0; p < job.nparts; p++)
        job.order[p] = p;
    qsort_r(job.order, job.nparts, sizeof *job.order, cmp_cost, job.parts);
    atomic_init(&job.next, 0);
    atomic_init(&job.stop, false);
    job.progress = opt->progress;
    job.progress_arg = opt->progress_arg;
    pthread_mutex_init(&job.progress_lock, NULL);
    for (uint32_t p = 0; p < job.nparts; p++)
        job.funcs_total += job.parts[p].last - job.parts[p].first;
    report_progress(&job, UINT32_MAX);

    unsigned nthreads = thread_count(opt, job.nparts);
    if (nthreads <= 1) {
        for (uint32_t p = 0; p < job.nparts; p++)
            if (compile_partition(&job, p, &job.errs[p]) < 0) {
                job.failed[p] = 1;
                break;
            } else {
                report_progress(&job, p);
            }
    } else {
        run_workers(&job, nthreads);
    }
    /* Report the failure of the lowest partition, whatever the timing was. */
    for (uint32_t p = 0; p < job.nparts; p++)
        if (job.failed[p]) {
            if (err)
                *err = job.errs[p];
            goto done;
        }
    out->nobjects = job.nparts;
    out->objects = job.objects;
    job.objects = NULL;
    rc = 0;
done:
    if (job.objects) {
        for (uint32_t p = 0; p < job.nparts; p++)
            free(job.objects[p].data);
        free(job.objects);
    }
    free(job.parts);
    free(job.errs);
    free(job.failed);
    free(job.order);
    if (job.progress)
        pthread_mutex_destroy(&job.progress_lock);
    return rc;
}

void codegen_output_fini(struct codegen_output *out)
{
    if (!out)
        return;
    for (uint32_t i = 0; i < out->nobjects; i++)
        free(out->objects[i].data);
    free(out->objects);
    memset(out, 0, sizeof *out);
}
