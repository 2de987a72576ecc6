/*
 * waot embedding API.
 *
 * An embedder loads a compiled artifact (never Wasm bytes: compiling is the job of the
 * separate compiler library, see waot/compiler.h), instantiates it against a list of
 * imports, looks up exports and calls functions with typed values. Every function that can
 * fail returns 0 or -1 (or NULL) and fills a struct waot_error. A guest trap is reported as
 * WAOT_E_TRAP with err->trap naming the kind; it is an outcome, not a failure of waot.
 *
 * Ownership: a module owns its mapping; an instance keeps its module alive (the module must
 * not be destroyed before every instance made from it). Externs returned by
 * waot_instance_export are borrowed from the instance. Host objects made with
 * waot_*_create are owned by the caller and must outlive every instance that imports them.
 */
#ifndef WAOT_WAOT_H
#define WAOT_WAOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum waot_errcode {
    WAOT_OK = 0,
    WAOT_E_MALFORMED,      /* binary format error (decoder) */
    WAOT_E_INVALID,        /* validation error */
    WAOT_E_UNSUPPORTED,    /* valid Wasm that waot does not handle yet (e.g. SIMD) */
    WAOT_E_UNLINKABLE,     /* unknown import or import type mismatch */
    WAOT_E_TRAP,           /* guest trapped; err->trap says which */
    WAOT_E_EXIT,           /* guest called proc_exit; err->exit_code holds the status */
    WAOT_E_ARTIFACT,       /* artifact corrupt or built for another waot/CPU */
    WAOT_E_IO,             /* file system error */
    WAOT_E_NOMEM,          /* allocation or mapping failed */
    WAOT_E_COMPILE,        /* LLVM failed (target lookup, emission) */
    WAOT_E_USAGE,          /* bad argument from the embedder or the command line */
    WAOT_E_INTERNAL,
};

enum waot_trap {
    WAOT_TRAP_NONE = 0,
    WAOT_TRAP_UNREACHABLE,        /* "unreachable" */
    WAOT_TRAP_INT_DIV_ZERO,       /* "integer divide by zero" */
    WAOT_TRAP_INT_OVERFLOW,       /* "integer overflow" */
    WAOT_TRAP_INVALID_CONVERSION, /* "invalid conversion to integer" */
    WAOT_TRAP_MEMORY_OOB,         /* "out of bounds memory access" */
    WAOT_TRAP_TABLE_OOB,          /* "out of bounds table access" */
    WAOT_TRAP_UNDEFINED_ELEMENT,  /* call_indirect index >= table size: "undefined element" */
    WAOT_TRAP_UNINIT_ELEMENT,     /* call_indirect of a null entry: "uninitialized element" */
    WAOT_TRAP_INDIRECT_TYPE,      /* "indirect call type mismatch" */
    WAOT_TRAP_STACK_EXHAUSTED,    /* "call stack exhausted" */
    WAOT_TRAP_HOST,               /* a host function failed; see msg */
    WAOT_TRAP_TIMEOUT,            /* the embedder's time limit ran out: "timeout" */
    WAOT_TRAP_COUNT
};

struct waot_error {
    enum waot_errcode code;
    enum waot_trap trap;   /* when code == WAOT_E_TRAP */
    int32_t exit_code;     /* when code == WAOT_E_EXIT */
    char msg[256];         /* "code section, func 12, offset 0x1f3: unknown opcode 0xd7" */
};

/* Fills err (if not NULL) and returns -1, so callers can write `return waot_fail(...)`. */
int waot_fail(struct waot_error *err, enum waot_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The spec's wording for a trap kind ("integer divide by zero", ...). */
const char *waot_trap_message(enum waot_trap trap);

/* Value types, numbered as in the Wasm binary format. */
enum waot_valtype {
    WAOT_I32 = 0x7f,
    WAOT_I64 = 0x7e,
    WAOT_F32 = 0x7d,
    WAOT_F64 = 0x7c,
    WAOT_V128 = 0x7b,
    WAOT_FUNCREF = 0x70,
    WAOT_EXTERNREF = 0x6f,
};

struct waot_func;

/* A typed value. Floats are carried as bits so that NaN payloads survive. */
struct waot_val {
    enum waot_valtype type;
    union {
        uint32_t i32;
        uint64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t v128[16];
        struct waot_func *funcref; /* NULL is ref.null func */
        void *externref;           /* NULL is ref.null extern */
    } of;
};

enum waot_extern_kind {
    WAOT_EXTERN_FUNC = 0,
    WAOT_EXTERN_TABLE = 1,
    WAOT_EXTERN_MEMORY = 2,
    WAOT_EXTERN_GLOBAL = 3,
};

struct waot_module;
struct waot_instance;
struct waot_table;
struct waot_memory;
struct waot_global;

struct waot_extern {
    enum waot_extern_kind kind;
    union {
        struct waot_func *func;
        struct waot_table *table;
        struct waot_memory *memory;
        struct waot_global *global;
    } of;
};

/* ---- modules (loaded artifacts) ---- */

/* Maps the artifact at path; checks header, sizes and that it was built for this waot and CPU. */
struct waot_module *waot_module_open(const char *path, struct waot_error *err);
/* Same, from an artifact held in memory (copied into a fresh mapping). */
struct waot_module *waot_module_open_memory(const void *buf, size_t len, struct waot_error *err);
void waot_module_close(struct waot_module *m);

size_t waot_module_import_count(const struct waot_module *m);
/* Fills module/name/kind of import i; returns -1 when i is out of range. */
int waot_module_import(const struct waot_module *m, size_t i, const char **module,
                       const char **name, enum waot_extern_kind *kind);
size_t waot_module_export_count(const struct waot_module *m);
int waot_module_export(const struct waot_module *m, size_t i, const char **name,
                       enum waot_extern_kind *kind);

/* ---- instances ---- */

/* imports[i] satisfies the module's import i. Type mismatches fail with WAOT_E_UNLINKABLE;
 * a trap during segment initialisation or the start function fails with WAOT_E_TRAP (the
 * spec's "uninstantiable"), and in that case the instance is not returned, but writes that
 * reached imported tables and memories before the trap stay, as the spec requires. */
struct waot_instance *waot_instance_create(struct waot_module *m, const struct waot_extern *imports,
                                           size_t nimports, struct waot_error *err);
void waot_instance_destroy(struct waot_instance *inst);
/* Returns 0 and fills out, or -1 (no error filled) when there is no export of that name. */
int waot_instance_export_find(struct waot_instance *inst, const char *name, struct waot_extern *out);
/* The same for a name of len bytes, which may contain NUL characters (Wasm allows them). */
int waot_instance_export_findn(struct waot_instance *inst, const char *name, size_t len,
                               struct waot_extern *out);

/* ---- functions ---- */

size_t waot_func_param_count(const struct waot_func *f);
size_t waot_func_result_count(const struct waot_func *f);
enum waot_valtype waot_func_param_type(const struct waot_func *f, size_t i);
enum waot_valtype waot_func_result_type(const struct waot_func *f, size_t i);

/* Calls f. Argument count and types must match (WAOT_E_USAGE otherwise). Traps come back as
 * WAOT_E_TRAP, proc_exit as WAOT_E_EXIT. results must have room for the result count. */
int waot_func_call(struct waot_func *f, const struct waot_val *args, size_t nargs,
                   struct waot_val *results, size_t nresults, struct waot_error *err);

/* A host function: returns 0, or -1 after filling err to make the guest trap with
 * WAOT_TRAP_HOST (or with err->code WAOT_E_EXIT to end the guest with err->exit_code). */
typedef int (*waot_host_callback)(void *env, const struct waot_val *args, struct waot_val *results,
                                  struct waot_error *err);
struct waot_func *waot_func_create_host(const enum waot_valtype *params, size_t nparams,
                                        const enum waot_valtype *results, size_t nresults,
                                        waot_host_callback cb, void *env, struct waot_error *err);
void waot_func_destroy_host(struct waot_func *f);

/* ---- host-made tables, memories, globals (spectest, WASI) ---- */

/* max UINT32_MAX or UINT64_MAX means no maximum. */
struct waot_table *waot_table_create(enum waot_valtype elem, uint32_t min, uint32_t max,
                                     struct waot_error *err);
void waot_table_destroy(struct waot_table *t);
uint32_t waot_table_size(const struct waot_table *t);

struct waot_memory *waot_memory_create(uint32_t min_pages, uint32_t max_pages, struct waot_error *err);
void waot_memory_destroy(struct waot_memory *mem);
uint8_t *waot_memory_data(const struct waot_memory *mem);
uint64_t waot_memory_size(const struct waot_memory *mem); /* bytes */

struct waot_global *waot_global_create(struct waot_val value, int mutable_, struct waot_error *err);
void waot_global_destroy(struct waot_global *g);
struct waot_val waot_global_get(const struct waot_global *g);

/* ---- trap backtraces ---- */

/* One Wasm frame of the call chain at a trap. */
struct waot_frame {
    uint32_t func_index;   /* in the module's function index space; UINT32_MAX: unknown */
    const char *func_name; /* from the name section, or NULL; borrowed from the module */
    uintptr_t pc;          /* code address inside the frame's function */
};

/* The Wasm frames active at the most recent trap on the calling thread, innermost first
 * (the trapping function, then its callers, up to the host call that entered Wasm, at most
 * 64). Recorded from the frame-pointer chain when the trap happens; frames are named from
 * m, and frames of code outside m get func_index UINT32_MAX. Writes up to max frames and
 * returns how many there are. Call it before the next call into Wasm on this thread. */
size_t waot_trap_backtrace(const struct waot_module *m, struct waot_frame *out, size_t max);

#ifdef __cplusplus
}
#endif
#endif
