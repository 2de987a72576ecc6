/*
 * x86_64 relocation arithmetic for elf_link.c. LLVM's PIC code uses PC-relative
 * references (PC32, PLT32, PC64), GOT loads (GOTPCREL and its relaxable forms, which we
 * keep as GOT loads) and, rarely, 64-bit absolute words (load-time fixups). 32-bit
 * absolute forms mean non-PIC code and are refused.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "elf_link.h"

static enum elf_reloc_class x86_classify(uint32_t type)
{
    switch (type) {
    case R_X86_64_NONE:
        return ELF_RELOC_SKIP;
    case R_X86_64_PC32:
    case R_X86_64_PC64:
        return ELF_RELOC_DIRECT;
    case R_X86_64_PLT32:
        return ELF_RELOC_CALL;
    case R_X86_64_GOTPCREL:
    case R_X86_64_GOTPCRELX:
    case R_X86_64_REX_GOTPCRELX:
        return ELF_RELOC_GOT;
    case R_X86_64_64:
        return ELF_RELOC_ABS64;
    default:
        return ELF_RELOC_UNSUPPORTED;
    }
}

static const char *x86_name(uint32_t type)
{
    switch (type) {
    case R_X86_64_NONE: return "R_X86_64_NONE";
    case R_X86_64_64: return "R_X86_64_64";
    case R_X86_64_PC32: return "R_X86_64_PC32";
    case R_X86_64_GOT32: return "R_X86_64_GOT32";
    case R_X86_64_PLT32: return "R_X86_64_PLT32";
    case R_X86_64_GOTPCREL: return "R_X86_64_GOTPCREL";
    case R_X86_64_32: return "R_X86_64_32 (absolute, code is not position-independent)";
    case R_X86_64_32S: return "R_X86_64_32S (absolute, code is not position-independent)";
    case R_X86_64_16: return "R_X86_64_16";
    case R_X86_64_PC16: return "R_X86_64_PC16";
    case R_X86_64_8: return "R_X86_64_8";
    case R_X86_64_PC8: return "R_X86_64_PC8";
    case R_X86_64_TPOFF32: return "R_X86_64_TPOFF32 (thread-local)";
    case R_X86_64_TLSGD: return "R_X86_64_TLSGD (thread-local)";
    case R_X86_64_GOTTPOFF: return "R_X86_64_GOTTPOFF (thread-local)";
    case R_X86_64_PC64: return "R_X86_64_PC64";
    case R_X86_64_GOTOFF64: return "R_X86_64_GOTOFF64";
    case R_X86_64_GOTPC32: return "R_X86_64_GOTPC32";
    case R_X86_64_GOTPC64: return "R_X86_64_GOTPC64";
    case R_X86_64_GOTPCRELX: return "R_X86_64_GOTPCRELX";
    case R_X86_64_REX_GOTPCRELX: return "R_X86_64_REX_GOTPCRELX";
    default: return "unknown x86_64 relocation";
    }
}

static uint32_t x86_width(uint32_t type)
{
    switch (type) {
    case R_X86_64_PC64:
    case R_X86_64_64:
        return 8;
    case R_X86_64_NONE:
        return 0;
    default:
        return 4;
    }
}

static const char *put_rel32(uint8_t *loc, int64_t v)
{
    if (v < INT32_MIN || v > INT32_MAX)
        return "PC-relative displacement does not fit in 32 bits";
    int32_t w = (int32_t)v;
    memcpy(loc, &w, 4);
    return NULL;
}

static const char *x86_apply(uint8_t *loc, uint32_t type, uint64_t P, uint64_t S, int64_t A,
                             uint64_t G)
{
    switch (type) {
    case R_X86_64_PC32:
    case R_X86_64_PLT32:
        return put_rel32(loc, (int64_t)(S - P) + A);
    case R_X86_64_PC64: {
        uint64_t v = S + (uint64_t)A - P;
        memcpy(loc, &v, 8);
        return NULL;
    }
    case R_X86_64_GOTPCREL:
    case R_X86_64_GOTPCRELX:
    case R_X86_64_REX_GOTPCRELX:
        return put_rel32(loc, (int64_t)(G - P) + A);
    default:
        return "relocation type not handled here";
    }
}

/* jmp *slot(%rip); int3; int3 */
static void x86_write_stub(uint8_t *stub, uint64_t stub_at, uint64_t slot_at)
{
    int32_t disp = (int32_t)((int64_t)slot_at - (int64_t)(stub_at + 6));
    stub[0] = 0xff;
    stub[1] = 0x25;
    memcpy(stub + 2, &disp, 4);
    stub[6] = 0xcc;
    stub[7] = 0xcc;
}

const struct elf_reloc_target elf_reloc_x86_64 = {
    .machine = EM_X86_64,
    .arch = "x86_64",
    .stub_size = 8,
    .page_align = 4096,
    .classify = x86_classify,
    .name = x86_name,
    .width = x86_width,
    .apply = x86_apply,
    .write_stub = x86_write_stub,
};
