/*
 * The artifact file format (docs/artifact.md), shared by the writer (compiler/artifact_write.c)
 * and the loader (runtime/artifact_load.c).
 *
 * Every record is a fixed-size little-endian struct with explicit reserved fields, so the
 * writer can zero a record, fill it and copy it out byte-identically on every run, and the
 * loader can read it in place from the mapping (each section starts 8-byte aligned).
 * All offsets in the header's section table are file offsets; offsets inside the image
 * (code addresses, fixups) are relative to the image start. Changing any struct here means
 * bumping ART_FORMAT_VERSION.
 */
#ifndef WAOT_ARTIFACT_FORMAT_H
#define WAOT_ARTIFACT_FORMAT_H

#include <assert.h>
#include <stdint.h>

#define ART_MAGIC "WAOTART\0"     /* 8 bytes */
#define ART_FORMAT_VERSION 2u
/* The image's alignment in the file and rodata's inside the image is the target's largest
 * page size (header field image_align: 4 KiB for x86_64; 64 KiB for aarch64, whose kernels
 * may use 64 KiB pages), so that mmap and mprotect work; ART_IMAGE_ALIGN bounds it. */
#define ART_IMAGE_ALIGN 65536u
#define ART_IMAGE_ALIGN_MIN 4096u
#define ART_NO_STRING UINT32_MAX  /* string reference meaning "none" */
#define ART_NO_CODE UINT64_MAX    /* code offset of imported functions */

/* The C library routines generated code may call, in GOT order numbering. The loader
 * resolves each by its index. X(name) */
#define ART_IMPORT_SYMBOLS(X) \
    X(memcpy) X(memmove) X(memset) \
    X(ceil) X(ceilf) X(floor) X(floorf) X(trunc) X(truncf) \
    X(nearbyint) X(nearbyintf) X(rint) X(rintf) X(roundeven) X(roundevenf) \
    X(sqrt) X(sqrtf) X(fmin) X(fminf) X(fmax) X(fmaxf)

enum art_import_symbol {
#define ART_IMPORT_ENUM(name) ART_IMPORT_##name,
    ART_IMPORT_SYMBOLS(ART_IMPORT_ENUM)
#undef ART_IMPORT_ENUM
    ART_IMPORT_COUNT
};

/* Metadata sections, in file order. */
enum art_section_id {
    ART_SEC_STRINGS,    /* bytes: NUL-terminated strings referenced by offset */
    ART_SEC_VALTYPES,   /* bytes: value types of all function types, params then results */
    ART_SEC_TYPES,      /* struct art_type[ntypes] */
    ART_SEC_TRAMPS,     /* struct art_tramp[ntypes] */
    ART_SEC_IMPORTS,    /* struct art_import[] */
    ART_SEC_EXPORTS,    /* struct art_export[] */
    ART_SEC_FUNCS,      /* struct art_func[nfuncs], imports first */
    ART_SEC_TABLES,     /* struct art_table[] */
    ART_SEC_MEMORIES,   /* struct art_memory[] */
    ART_SEC_GLOBALS,    /* struct art_global[] */
    ART_SEC_ELEMS,      /* struct art_elem[] */
    ART_SEC_ELEM_INIT,  /* struct art_const[]: every segment's init expressions */
    ART_SEC_DATAS,      /* struct art_data[] */
    ART_SEC_DATA_BYTES, /* bytes: every data segment's contents */
    ART_SEC_FIXUPS,     /* struct art_fixup[] */
    ART_SEC_COUNT
};

struct art_section {
    uint64_t offset;   /* file offset, 8-aligned */
    uint64_t size;     /* bytes */
    uint32_t count;    /* records (size / record size), or bytes for byte sections */
    uint32_t reserved;
};
static_assert(sizeof(struct art_section) == 24, "art_section");

struct art_header {
    char magic[8];             /* ART_MAGIC */
    uint32_t format_version;   /* ART_FORMAT_VERSION */
    uint32_t header_size;      /* sizeof(struct art_header) */
    char waot_version[32];     /* WAOT_VERSION, NUL-padded */
    char triple[64];           /* target triple, NUL-padded */
    char cpu[64];              /* CPU name, NUL-padded */
    uint8_t wasm_sha256[32];   /* digest of the source module bytes */
    uint64_t file_size;
    uint64_t image_offset;     /* file offset of the image, image_align-aligned */
    uint64_t image_size;       /* text | pad | rodata | got */
    uint64_t text_size;        /* text is [0, text_size) of the image */
    uint64_t rodata_offset;    /* image offset, image_align-aligned; rodata+got to the end */
    uint64_t got_offset;       /* image offset of the import table (8-aligned) */
    uint32_t got_count;        /* 8-byte slots; all are filled by fixups */
    uint32_t features;         /* string: "+feat,+feat" the code needs (may be empty) */
    uint32_t name;             /* string: module name or ART_NO_STRING */
    uint32_t has_start;
    uint32_t start;            /* function index when has_start */
    uint32_t nimported_funcs, nimported_tables, nimported_memories, nimported_globals;
    uint32_t image_align;      /* power of two in [ART_IMAGE_ALIGN_MIN, ART_IMAGE_ALIGN] */
    struct art_section sections[ART_SEC_COUNT];
};
static_assert(sizeof(struct art_header) % 8 == 0, "art_header alignment");

enum art_fixup_kind {
    ART_FIXUP_RELATIVE = 1,  /* *(u64 *)(image + offset) = image + addend */
    ART_FIXUP_IMPORT = 2,    /* *(u64 *)(image + offset) = &symbol[import] + addend */
};

struct art_fixup {
    uint64_t offset;   /* image offset of an 8-byte slot, 8 bytes inside the image */
    int64_t addend;
    uint32_t kind;     /* enum art_fixup_kind */
    uint32_t import;   /* enum art_import_symbol for ART_FIXUP_IMPORT, else 0 */
};
static_assert(sizeof(struct art_fixup) == 24, "art_fixup");

struct art_type {
    uint32_t nparams, nresults;
    uint32_t valtypes;  /* offset in ART_SEC_VALTYPES of params, results follow */
    uint32_t reserved;
};
static_assert(sizeof(struct art_type) == 16, "art_type");

struct art_tramp {
    uint64_t entry;    /* image offset (in text) of waot_entry_<type> */
    uint64_t host;     /* image offset (in text) of waot_host_<type> */
};
static_assert(sizeof(struct art_tramp) == 16, "art_tramp");

struct art_import {
    uint32_t module, name;         /* strings */
    uint32_t module_len, name_len; /* byte lengths (names may contain NUL) */
    uint32_t kind;                 /* enum waot_extern_kind */
    uint32_t index;                /* index in the kind's own index space */
};
static_assert(sizeof(struct art_import) == 24, "art_import");

struct art_export {
    uint32_t name, name_len;
    uint32_t kind;
    uint32_t index;
};
static_assert(sizeof(struct art_export) == 16, "art_export");

struct art_func {
    uint32_t type_index;
    uint32_t imported;
    uint32_t name;      /* string or ART_NO_STRING */
    uint32_t reserved;
    uint64_t code;      /* image offset (in text) of waot_func_<index>, ART_NO_CODE for imports */
};
static_assert(sizeof(struct art_func) == 24, "art_func");

struct art_limits {
    uint64_t min, max;
    uint32_t has_max;
    uint32_t reserved;
};
static_assert(sizeof(struct art_limits) == 24, "art_limits");

struct art_table {
    uint32_t elem_type;
    uint32_t imported;
    struct art_limits limits;
};
static_assert(sizeof(struct art_table) == 32, "art_table");

struct art_memory {
    struct art_limits limits;
    uint32_t imported;
    uint32_t reserved;
};
static_assert(sizeof(struct art_memory) == 32, "art_memory");

/* A constant expression: kind is enum rt_const_kind (same numbering as wasm_const_kind). */
struct art_const {
    uint32_t kind;
    uint32_t type;
    uint8_t value[16]; /* little-endian i32/i64/index, or the v128 bytes */
};
static_assert(sizeof(struct art_const) == 24, "art_const");

struct art_global {
    uint32_t type;
    uint32_t mutable_;
    uint32_t imported;
    uint32_t reserved;
    struct art_const init;
};
static_assert(sizeof(struct art_global) == 40, "art_global");

struct art_elem {
    uint32_t mode;        /* enum rt_segment_mode */
    uint32_t table_index;
    uint32_t elem_type;
    uint32_t ninit;
    uint32_t init_first;  /* first record in ART_SEC_ELEM_INIT */
    uint32_t reserved;
    struct art_const offset;
};
static_assert(sizeof(struct art_elem) == 48, "art_elem");

struct art_data {
    uint32_t mode;        /* enum rt_segment_mode */
    uint32_t memory_index;
    uint64_t bytes;       /* offset in ART_SEC_DATA_BYTES */
    uint32_t len;
    uint32_t reserved;
    struct art_const offset;
};
static_assert(sizeof(struct art_data) == 48, "art_data");

#endif
