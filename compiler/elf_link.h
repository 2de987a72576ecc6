/*
 * waot's own static linker (internal to the artifact writer): reads the ELF64 relocatable
 * objects codegen emitted, lays every .text* section into one text region and every
 * read-only allocatable section into rodata, resolves symbols across objects, routes the
 * few C library calls through an import table (GOT) and applies relocations. The result
 * is one position-independent image plus the load-time fixups it still needs.
 *
 * Image layout: [text sections | import-call stubs] pad to ART_IMAGE_ALIGN [rodata | GOT].
 * Per-CPU relocation arithmetic lives in elf_reloc_<arch>.c behind struct elf_reloc_target.
 */
#ifndef WAOT_ELF_LINK_H
#define WAOT_ELF_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "artifact_format.h"
#include "codegen.h"

/* How the linker treats one relocation type. */
enum elf_reloc_class {
    ELF_RELOC_UNSUPPORTED = 0, /* refuse with the type's name */
    ELF_RELOC_SKIP,            /* R_*_NONE */
    ELF_RELOC_DIRECT,          /* computed from S + A and P */
    ELF_RELOC_CALL,            /* a branch: calls to imports go through a stub */
    ELF_RELOC_GOT,             /* needs a GOT slot holding the symbol's address */
    ELF_RELOC_ABS64,           /* absolute address: becomes a load-time fixup */
};

/* Relocation arithmetic of one CPU (elf_reloc_x86_64.c, elf_reloc_aarch64.c). */
struct elf_reloc_target {
    uint16_t machine;          /* EM_X86_64, EM_AARCH64 */
    const char *arch;          /* triple prefix: "x86_64", "aarch64" */
    uint32_t stub_size;        /* bytes of one import-call stub */
    uint32_t page_align;       /* largest page size of the target's kernels */
    enum elf_reloc_class (*classify)(uint32_t type);
    const char *(*name)(uint32_t type);     /* "R_X86_64_PC32"; a generic name when unknown */
    uint32_t (*width)(uint32_t type);       /* bytes the relocation patches */
    /* Patches loc (P = its image offset) for symbol address S, addend A and GOT slot
     * address G (GOT classes only). All addresses are image offsets; the image is loaded
     * at a page-aligned (>= 4 KiB) base, so page arithmetic on offsets is exact.
     * Returns NULL, or a short reason ("out of range", ...). */
    const char *(*apply)(uint8_t *loc, uint32_t type, uint64_t P, uint64_t S, int64_t A,
                         uint64_t G);
    /* Writes a stub at stub (image offset stub_at) that jumps to *(image + slot_at). */
    void (*write_stub)(uint8_t *stub, uint64_t stub_at, uint64_t slot_at);
};

extern const struct elf_reloc_target elf_reloc_x86_64;
extern const struct elf_reloc_target elf_reloc_aarch64;

/* Target for an ELF e_machine, or NULL. */
const struct elf_reloc_target *elf_link_target_find(uint16_t machine);

struct elf_link_symmap;

struct elf_link {
    const struct elf_reloc_target *target;
    uint8_t *image;            /* malloc'd, image_size bytes, zero padding */
    uint64_t image_size;
    uint64_t text_size;        /* text (and stubs) is [0, text_size) */
    uint64_t rodata_offset;    /* target->page_align-aligned */
    uint64_t got_offset;
    uint32_t got_count;
    uint32_t nfixups;
    struct art_fixup *fixups;  /* malloc'd */
    struct elf_link_symmap *globals; /* global symbols; names point into cg's objects */
};

/* Links cg's objects. On failure (-1, WAOT_E_COMPILE or WAOT_E_NOMEM naming the object,
 * section, offset and symbol or relocation) l holds nothing to release; on success release
 * with elf_link_fini. cg must outlive l (symbol names point into its objects). */
int elf_link_objects(const struct codegen_output *cg, struct elf_link *l, struct waot_error *err);
/* Image offset of global symbol name defined in text: 0, or -1 when there is none. */
int elf_link_symbol_find(const struct elf_link *l, const char *name, uint64_t *offset);
void elf_link_fini(struct elf_link *l);

#endif
