/*
 * AArch64 relocation arithmetic for elf_link.c: branches (CALL26/JUMP26, +-128 MiB, no
 * veneers: larger text is refused), ADRP/ADD/LDR page pairs to rodata and to GOT slots,
 * PC-relative data words (PREL16/32/64) and 64-bit absolute words (load-time fixups).
 * Instruction fields follow the ELF for the Arm 64-bit Architecture (AAELF64) document.
 */
#include <elf.h>
#include <string.h>

#include "elf_link.h"

static enum elf_reloc_class a64_classify(uint32_t type)
{
    switch (type) {
    case R_AARCH64_NONE:
    case 256: /* R_AARCH64_NONE (alternative number, "withdrawn") */
        return ELF_RELOC_SKIP;
    case R_AARCH64_CALL26:
    case R_AARCH64_JUMP26:
        return ELF_RELOC_CALL;
    case R_AARCH64_ADR_PREL_PG_HI21:
    case R_AARCH64_ADR_PREL_PG_HI21_NC:
    case R_AARCH64_ADR_PREL_LO21:
    case R_AARCH64_ADD_ABS_LO12_NC:
    case R_AARCH64_LDST8_ABS_LO12_NC:
    case R_AARCH64_LDST16_ABS_LO12_NC:
    case R_AARCH64_LDST32_ABS_LO12_NC:
    case R_AARCH64_LDST64_ABS_LO12_NC:
    case R_AARCH64_LDST128_ABS_LO12_NC:
    case R_AARCH64_PREL16:
    case R_AARCH64_PREL32:
    case R_AARCH64_PREL64:
        return ELF_RELOC_DIRECT;
    case R_AARCH64_ADR_GOT_PAGE:
    case R_AARCH64_LD64_GOT_LO12_NC:
        return ELF_RELOC_GOT;
    case R_AARCH64_ABS64:
        return ELF_RELOC_ABS64;
    default:
        return ELF_RELOC_UNSUPPORTED;
    }
}

static const char *a64_name(uint32_t type)
{
    switch (type) {
    case R_AARCH64_NONE: return "R_AARCH64_NONE";
    case R_AARCH64_ABS64: return "R_AARCH64_ABS64";
    case R_AARCH64_ABS32: return "R_AARCH64_ABS32 (absolute, code is not position-independent)";
    case R_AARCH64_ABS16: return "R_AARCH64_ABS16";
    case R_AARCH64_PREL64: return "R_AARCH64_PREL64";
    case R_AARCH64_PREL32: return "R_AARCH64_PREL32";
    case R_AARCH64_PREL16: return "R_AARCH64_PREL16";
    case R_AARCH64_MOVW_UABS_G0: return "R_AARCH64_MOVW_UABS_G0 (absolute)";
    case R_AARCH64_MOVW_UABS_G1: return "R_AARCH64_MOVW_UABS_G1 (absolute)";
    case R_AARCH64_MOVW_UABS_G2: return "R_AARCH64_MOVW_UABS_G2 (absolute)";
    case R_AARCH64_MOVW_UABS_G3: return "R_AARCH64_MOVW_UABS_G3 (absolute)";
    case R_AARCH64_ADR_PREL_LO21: return "R_AARCH64_ADR_PREL_LO21";
    case R_AARCH64_ADR_PREL_PG_HI21: return "R_AARCH64_ADR_PREL_PG_HI21";
    case R_AARCH64_ADR_PREL_PG_HI21_NC: return "R_AARCH64_ADR_PREL_PG_HI21_NC";
    case R_AARCH64_ADD_ABS_LO12_NC: return "R_AARCH64_ADD_ABS_LO12_NC";
    case R_AARCH64_LDST8_ABS_LO12_NC: return "R_AARCH64_LDST8_ABS_LO12_NC";
    case R_AARCH64_LDST16_ABS_LO12_NC: return "R_AARCH64_LDST16_ABS_LO12_NC";
    case R_AARCH64_LDST32_ABS_LO12_NC: return "R_AARCH64_LDST32_ABS_LO12_NC";
    case R_AARCH64_LDST64_ABS_LO12_NC: return "R_AARCH64_LDST64_ABS_LO12_NC";
    case R_AARCH64_LDST128_ABS_LO12_NC: return "R_AARCH64_LDST128_ABS_LO12_NC";
    case R_AARCH64_TSTBR14: return "R_AARCH64_TSTBR14";
    case R_AARCH64_CONDBR19: return "R_AARCH64_CONDBR19";
    case R_AARCH64_JUMP26: return "R_AARCH64_JUMP26";
    case R_AARCH64_CALL26: return "R_AARCH64_CALL26";
    case R_AARCH64_ADR_GOT_PAGE: return "R_AARCH64_ADR_GOT_PAGE";
    case R_AARCH64_LD64_GOT_LO12_NC: return "R_AARCH64_LD64_GOT_LO12_NC";
    default: return "unknown aarch64 relocation";
    }
}

static uint32_t a64_width(uint32_t type)
{
    switch (type) {
    case R_AARCH64_NONE:
    case 256:
        return 0;
    case R_AARCH64_PREL16:
        return 2;
    case R_AARCH64_PREL64:
    case R_AARCH64_ABS64:
        return 8;
    default:
        return 4;
    }
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static uint64_t page(uint64_t a)
{
    return a & ~(uint64_t)0xfff;
}

/* ADR/ADRP immediate: immlo in bits 30:29, immhi in bits 23:5. */
static void put_adr_imm(uint8_t *loc, int64_t imm21)
{
    uint32_t imm = (uint32_t)imm21 & 0x1fffff;
    uint32_t insn = get32(loc) & ~((3u << 29) | (0x7ffffu << 5));
    insn |= (imm & 3) << 29;
    insn |= (imm >> 2) << 5;
    put32(loc, insn);
}

/* 12-bit unsigned immediate in bits 21:10 (ADD and LDR/STR unsigned offset). */
static const char *put_lo12(uint8_t *loc, uint64_t value, unsigned shift)
{
    uint32_t lo = (uint32_t)(value & 0xfff);
    if (lo & ((1u << shift) - 1))
        return "target not aligned for the scaled load/store offset";
    uint32_t insn = get32(loc) & ~(0xfffu << 10);
    insn |= (lo >> shift) << 10;
    put32(loc, insn);
    return NULL;
}

static const char *adrp(uint8_t *loc, uint64_t target, uint64_t P, int check)
{
    int64_t pages = ((int64_t)page(target) - (int64_t)page(P)) >> 12;
    if (check && (pages < -(1 << 20) || pages >= (1 << 20)))
        return "ADRP page offset out of range (+-4 GiB)";
    put_adr_imm(loc, pages);
    return NULL;
}

static const char *a64_apply(uint8_t *loc, uint32_t type, uint64_t P, uint64_t S, int64_t A,
                             uint64_t G)
{
    uint64_t X = S + (uint64_t)A;
    int64_t rel = (int64_t)(X - P);
    switch (type) {
    case R_AARCH64_CALL26:
    case R_AARCH64_JUMP26: {
        if (rel & 3)
            return "branch target not 4-byte aligned";
        if (rel < -(INT64_C(1) << 27) || rel >= (INT64_C(1) << 27))
            return "branch out of range (+-128 MiB; text too large, veneers not supported)";
        uint32_t insn = get32(loc) & 0xfc000000u;
        insn |= ((uint32_t)(rel >> 2)) & 0x03ffffffu;
        put32(loc, insn);
        return NULL;
    }
    case R_AARCH64_ADR_PREL_PG_HI21:
        return adrp(loc, X, P, 1);
    case R_AARCH64_ADR_PREL_PG_HI21_NC:
        return adrp(loc, X, P, 0);
    case R_AARCH64_ADR_PREL_LO21:
        if (rel < -(1 << 20) || rel >= (1 << 20))
            return "ADR offset out of range (+-1 MiB)";
        put_adr_imm(loc, rel);
        return NULL;
    case R_AARCH64_ADD_ABS_LO12_NC:
        return put_lo12(loc, X, 0);
    case R_AARCH64_LDST8_ABS_LO12_NC:
        return put_lo12(loc, X, 0);
    case R_AARCH64_LDST16_ABS_LO12_NC:
        return put_lo12(loc, X, 1);
    case R_AARCH64_LDST32_ABS_LO12_NC:
        return put_lo12(loc, X, 2);
    case R_AARCH64_LDST64_ABS_LO12_NC:
        return put_lo12(loc, X, 3);
    case R_AARCH64_LDST128_ABS_LO12_NC:
        return put_lo12(loc, X, 4);
    case R_AARCH64_PREL16: {
        if (rel < INT16_MIN || rel > UINT16_MAX)
            return "PC-relative value does not fit in 16 bits";
        uint16_t v = (uint16_t)rel;
        memcpy(loc, &v, 2);
        return NULL;
    }
    case R_AARCH64_PREL32: {
        if (rel < INT32_MIN || rel > (int64_t)UINT32_MAX)
            return "PC-relative value does not fit in 32 bits";
        put32(loc, (uint32_t)rel);
        return NULL;
    }
    case R_AARCH64_PREL64: {
        uint64_t v = (uint64_t)rel;
        memcpy(loc, &v, 8);
        return NULL;
    }
    case R_AARCH64_ADR_GOT_PAGE:
        if (A != 0)
            return "GOT reference with a non-zero addend";
        return adrp(loc, G, P, 1);
    case R_AARCH64_LD64_GOT_LO12_NC:
        if (A != 0)
            return "GOT reference with a non-zero addend";
        return put_lo12(loc, G, 3);
    default:
        return "relocation type not handled here";
    }
}

/* adrp x16, slot; ldr x16, [x16, :lo12:slot]; br x16; udf #0 */
static void a64_write_stub(uint8_t *stub, uint64_t stub_at, uint64_t slot_at)
{
    put32(stub, 0x90000010u);              /* adrp x16, 0 */
    put32(stub + 4, 0xf9400210u);          /* ldr x16, [x16] */
    put32(stub + 8, 0xd61f0200u);          /* br x16 */
    put32(stub + 12, 0x00000000u);         /* udf #0 */
    adrp(stub, slot_at, stub_at, 0);
    put_lo12(stub + 4, slot_at, 3);
}

const struct elf_reloc_target elf_reloc_aarch64 = {
    .machine = EM_AARCH64,
    .arch = "aarch64",
    .stub_size = 16,
    .page_align = 65536,
    .classify = a64_classify,
    .name = a64_name,
    .width = a64_width,
    .apply = a64_apply,
    .write_stub = a64_write_stub,
};
