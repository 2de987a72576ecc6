/*
 * waot's linker: ELF64 relocatable objects (from codegen) in, one position-independent
 * image plus load-time fixups out (see elf_link.h for the layout).
 *
 * Passes, in order:
 *   1. parse    check every header, section and symbol offset of every object
 *   2. place    give each allocatable section a place in text or rodata (region-relative)
 *   3. scan     resolve every relocation's symbol; reserve GOT slots, import stubs, fixups
 *   4. layout   size text (+ stubs), place rodata and the GOT, allocate the image
 *   5. apply    copy section bytes, write stubs, patch relocations, emit fixups
 * Objects come from LLVM, but nothing here trusts them: a bad offset is an error, not a crash.
 * Writable data (.data, .bss) is refused: generated code keeps all state in vmctx.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "elf_link.h"

enum region { REGION_NONE, REGION_TEXT, REGION_RODATA };

struct object {
    const uint8_t *data;
    size_t len;
    const Elf64_Ehdr *eh;
    const Elf64_Shdr *sh;
    uint32_t shnum;
    const char *shstr;
    size_t shstr_size;
    uint32_t symtab;         /* section index of .symtab */
    const Elf64_Sym *syms;
    uint32_t nsyms;
    const char *str;
    size_t str_size;
    uint8_t *region;         /* per section: enum region */
    uint64_t *addr;          /* per section: region-relative, image offset after layout */
};

/* A resolved relocation target. */
struct target {
    bool import;
    uint32_t id;             /* import: enum art_import_symbol */
    uint32_t obj, sym;       /* defining object and symbol (not import) */
    uint64_t addr;           /* image offset (not import; valid after layout) */
};

/* Open-addressing hash: global symbol name -> (object, symbol). */
struct symmap_entry {
    const char *name;
    uint32_t obj, sym;
};
struct elf_link_symmap {
    uint32_t cap, count;
    struct symmap_entry *e;
    struct object *objs;     /* to compute addresses */
    uint32_t nobjs;
};

/* Open-addressing hash: GOT key -> slot number. */
struct gotmap {
    uint32_t cap, count;
    uint64_t *keys;          /* 0 = empty */
    uint32_t *slot;
    struct target *targets;  /* per slot, in creation order */
};

struct linker {
    const struct codegen_output *cg;
    const struct elf_reloc_target *t;
    struct object *objs;
    uint32_t nobjs;
    uint64_t text_end, rodata_end;
    struct elf_link_symmap *globals;
    struct gotmap got;
    int32_t stub_of[ART_IMPORT_COUNT]; /* stub number per import, -1 if none */
    uint32_t nstubs;
    uint32_t nfixups, fixups_cap;
    struct art_fixup *fixups;
    struct elf_link *out;    /* the apply pass writes here */
    struct waot_error *err;
};

static const char *const import_names[ART_IMPORT_COUNT] = {
#define IMPORT_NAME(name) #name,
    ART_IMPORT_SYMBOLS(IMPORT_NAME)
#undef IMPORT_NAME
};

const struct elf_reloc_target *elf_link_target_find(uint16_t machine)
{
    if (machine == EM_X86_64)
        return &elf_reloc_x86_64;
    if (machine == EM_AARCH64)
        return &elf_reloc_aarch64;
    return NULL;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static uint32_t hash_u64(uint64_t k)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    return (uint32_t)k;
}

/* ---- 1. parse ---- */

static const char *sec_name(const struct object *o, uint32_t i)
{
    uint32_t n = o->sh[i].sh_name;
    if (!o->shstr || n >= o->shstr_size || !memchr(o->shstr + n, 0, o->shstr_size - n))
        return "?";
    return o->shstr + n;
}

static const char *sym_name(const struct object *o, uint32_t i)
{
    const Elf64_Sym *s = &o->syms[i];
    if (ELF64_ST_TYPE(s->st_info) == STT_SECTION && s->st_shndx < o->shnum)
        return sec_name(o, s->st_shndx);
    return o->str + s->st_name; /* checked in parse_symbols */
}

static bool range_ok(size_t len, uint64_t off, uint64_t size)
{
    return off <= len && size <= len - off;
}

static int parse_object(struct linker *lk, uint32_t idx)
{
    struct object *o = &lk->objs[idx];
    struct waot_error *err = lk->err;
    const struct codegen_object *co = &lk->cg->objects[idx];
    o->data = co->data;
    o->len = co->len;
    if (!o->data || o->len < sizeof(Elf64_Ehdr) || ((uintptr_t)o->data & 7))
        return waot_fail(err, WAOT_E_COMPILE, "link: object %u: too short or misaligned", idx);
    o->eh = (const Elf64_Ehdr *)o->data;
    const Elf64_Ehdr *eh = o->eh;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_type != ET_REL)
        return waot_fail(err, WAOT_E_COMPILE,
                         "link: object %u: not a little-endian ELF64 relocatable object", idx);
    const struct elf_reloc_target *t = elf_link_target_find(eh->e_machine);
    if (!t)
        return waot_fail(err, WAOT_E_COMPILE, "link: object %u: unsupported ELF machine %u",
                         idx, eh->e_machine);
    if (lk->t && lk->t != t)
        return waot_fail(err, WAOT_E_COMPILE, "link: object %u: machine %s differs from object 0",
                         idx, t->arch);
    lk->t = t;
    /* With 0xff00 sections or more, e_shnum is 0 and section 0 holds the real count
     * (and the string table index when e_shstrndx is SHN_XINDEX). */
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff == 0 || (eh->e_shoff & 7) ||
        !range_ok(o->len, eh->e_shoff, sizeof(Elf64_Shdr)))
        return waot_fail(err, WAOT_E_COMPILE, "link: object %u: bad section header table", idx);
    o->sh = (const Elf64_Shdr *)(o->data + eh->e_shoff);
    uint64_t shnum = eh->e_shnum ? eh->e_shnum : o->sh[0].sh_size;
    uint32_t shstrndx = eh->e_shstrndx == SHN_XINDEX ? o->sh[0].sh_link : eh->e_shstrndx;
    if (shnum == 0 || shnum > UINT32_MAX ||
        !range_ok(o->len, eh->e_shoff, shnum * sizeof(Elf64_Shdr)))
        return waot_fail(err, WAOT_E_COMPILE, "link: object %u: bad section header table", idx);
    o->shnum = (uint32_t)shnum;
    for (uint32_t i = 1; i < o->shnum; i++) {
        const Elf64_Shdr *s = &o->sh[i];
        if (s->sh_type != SHT_NOBITS && s->sh_type != SHT_NULL &&
            !range_ok(o->len, s->sh_offset, s->sh_size))
            return waot_fail(err, WAOT_E_COMPILE,
                             "link: object %u: section %u extends past the end (offset 0x%llx)",
                             idx, i, (unsigned long long)s->sh_offset);
        if (s->sh_addralign > 1 && (s->sh_addralign & (s->sh_addralign - 1)))
            return waot_fail(err, WAOT_E_COMPILE,
                             "link: object %u: section %u alignment %llu is not a power of two",
                             idx, i, (unsigned long long)s->sh_addralign);
    }
    if (shstrndx != SHN_UNDEF && shstrndx < o->shnum && o->sh[shstrndx].sh_type != SHT_NOBITS) {
        const Elf64_Shdr *s = &o->sh[shstrndx];
        o->shstr = (const char *)o->data + s->sh_offset;
        o->shstr_size = s->sh_size;
    }
    o->symtab = 0;
    for (uint32_t i = 1; i < o->shnum; i++) {
        if (o->sh[i].sh_type != SHT_SYMTAB)
            continue;
        if (o->symtab)
            return waot_fail(err, WAOT_E_COMPILE, "link: object %u: two symbol tables", idx);
        o->symtab = i;
    }
    if (!o->symtab)
        return waot_fail(err, WAOT_E_COMPILE, "link: object %u: no symbol table", idx);
    const Elf64_Shdr *st = &o->sh[o->symtab];
    if (st->sh_entsize != sizeof(Elf64_Sym) || st->sh_size % sizeof(Elf64_Sym) ||
        (st->sh_offset & 7) || st->sh_link == 0 || st->sh_link >= o->shnum ||
        o->sh[st->sh_link].sh_type != SHT_STRTAB || st->sh_size / sizeof(Elf64_Sym) > UINT32_MAX)
        return waot_fail(err, WAOT_E_COMPILE, "link: object %u: malformed symbol table", idx);
    o->syms = (const Elf64_Sym *)(o->data + st->sh_offset);
    o->nsyms = (uint32_t)(st->sh_size / sizeof(Elf64_Sym));
    const Elf64_Shdr *ss = &o->sh[st->sh_link];
    o->str = (const char *)o->data + ss->sh_offset;
    o->str_size = ss->sh_size;
    for (uint32_t i = 0; i < o->nsyms; i++) {
        const Elf64_Sym *s = &o->syms[i];
        if (s->st_name >= o->str_size ||
            !memchr(o->str + s->st_name, 0, o->str_size - s->st_name))
            return waot_fail(err, WAOT_E_COMPILE, "link: object %u: symbol %u has a bad name",
                             idx, i);
        if (s->st_shndx >= o->shnum && s->st_shndx != SHN_ABS && s->st_shndx != SHN_COMMON)
            return waot_fail(err, WAOT_E_COMPILE,
                             "link: object %u: symbol %s in bad section %u", idx,
                             o->str + s->st_name, s->st_shndx);
        if (s->st_shndx != SHN_UNDEF && s->st_shndx < o->shnum &&
            s->st_value > o->sh[s->st_shndx].sh_size)
            return waot_fail(err, WAOT_E_COMPILE,
                             "link: object %u: symbol %s lies outside its section", idx,
                             o->str + s->st_name);
    }
    o->region = calloc(o->shnum, 1);
    o->addr = calloc(o->shnum, sizeof *o->addr);
    if (!o->region || !o->addr)
        return waot_fail(err, WAOT_E_NOMEM, "link: out of memory");
    return 0;
}

/* ---- 2. place ---- */

static bool skipped_section(const struct object *o, uint32_t i)
{
    const Elf64_Shdr *s = &o->sh[i];
    const char *name = sec_name(o, i);
    if (!(s->sh_flags & SHF_ALLOC) || s->sh_type == SHT_NOTE || s->sh_type == SHT_GROUP)
        return true;
    /* Unwind tables: traps leave guest code with siglongjmp, never by unwinding. */
    return s->sh_type == SHT_X86_64_UNWIND || strcmp(name, ".eh_frame") == 0;
}

static int place_sections(struct linker *lk, uint32_t idx)
{
    struct object *o = &lk->objs[idx];
    for (uint32_t i = 1; i < o->shnum; i++) {
        const Elf64_Shdr *s = &o->sh[i];
        if (skipped_section(o, i))
            continue;
        const char *name = sec_name(o, i);
        if (s->sh_flags & SHF_TLS)
            return waot_fail(lk->err, WAOT_E_COMPILE,
                             "link: object %u: thread-local section %s is not supported", idx, name);
        bool relro = strncmp(name, ".data.rel.ro", 12) == 0;
        if (s->sh_type == SHT_NOBITS || ((s->sh_flags & SHF_WRITE) && !relro)) {
            if (s->sh_size == 0)
                continue;
            return waot_fail(lk->err, WAOT_E_COMPILE,
                             "link: object %u: writable section %s (%llu bytes) is not supported: "
                             "generated code must keep its state in vmctx",
                             idx, name, (unsigned long long)s->sh_size);
        }
        if (s->sh_type != SHT_PROGBITS)
            return waot_fail(lk->err, WAOT_E_COMPILE,
                             "link: object %u: section %s has unsupported type 0x%x", idx, name,
                             s->sh_type);
        uint64_t align = s->sh_addralign ? s->sh_addralign : 1;
        if (align > ART_IMAGE_ALIGN)
            return waot_fail(lk->err, WAOT_E_COMPILE,
                             "link: object %u: section %s alignment %llu too large", idx, name,
                             (unsigned long long)align);
        uint64_t *end = (s->sh_flags & SHF_EXECINSTR) ? &lk->text_end : &lk->rodata_end;
        o->region[i] = (s->sh_flags & SHF_EXECINSTR) ? REGION_TEXT : REGION_RODATA;
        o->addr[i] = align_up(*end, align);
        *end = o->addr[i] + s->sh_size;
        if (*end > (UINT64_C(1) << 31))
            return waot_fail(lk->err, WAOT_E_COMPILE, "link: image larger than 2 GiB");
    }
    return 0;
}

/* ---- symbols ---- */

static struct symmap_entry *symmap_slot(struct elf_link_symmap *m, const char *name)
{
    uint32_t mask = m->cap - 1;
    for (uint32_t i = hash_name(name) & mask;; i = (i + 1) & mask)
        if (!m->e[i].name || strcmp(m->e[i].name, name) == 0)
            return &m->e[i];
}

static int collect_globals(struct linker *lk)
{
    uint64_t n = 0;
    for (uint32_t k = 0; k < lk->nobjs; k++)
        n += lk->objs[k].nsyms;
    uint32_t cap = 16;
    while (cap < 2 * n && cap < (UINT32_C(1) << 30))
        cap *= 2;
    struct elf_link_symmap *m = calloc(1, sizeof *m);
    if (!m || !(m->e = calloc(cap, sizeof *m->e))) {
        free(m);
        return waot_fail(lk->err, WAOT_E_NOMEM, "link: out of memory");
    }
    m->cap = cap;
    m->objs = lk->objs;
    lk->globals = m;
    for (uint32_t k = 0; k < lk->nobjs; k++) {
        struct object *o = &lk->objs[k];
        for (uint32_t i = 1; i < o->nsyms; i++) {
            const Elf64_Sym *s = &o->syms[i];
            int bind = ELF64_ST_BIND(s->st_info);
            if ((bind != STB_GLOBAL && bind != STB_WEAK) || s->st_shndx == SHN_UNDEF)
                continue;
            const char *name = o->str + s->st_name;
            if (s->st_shndx == SHN_ABS || s->st_shndx == SHN_COMMON ||
                o->region[s->st_shndx] == REGION_NONE)
                continue; /* not linkable; refused if a relocation names it */
            struct symmap_entry *e = symmap_slot(m, name);
            if (e->name && (bind == STB_WEAK ||
                            ELF64_ST_BIND(lk->objs[e->obj].syms[e->sym].st_info) == STB_WEAK))
                continue; /* a weak definition yields to the first one */
            if (e->name)
                return waot_fail(lk->err, WAOT_E_COMPILE,
                                 "link: symbol %s defined in objects %u and %u", name, e->obj, k);
            if (m->count + 1 >= cap)
                return waot_fail(lk->err, WAOT_E_COMPILE, "link: too many symbols");
            e->name = name;
            e->obj = k;
            e->sym = i;
            m->count++;
        }
    }
    return 0;
}

static uint64_t sym_addr(const struct object *o, uint32_t sym)
{
    const Elf64_Sym *s = &o->syms[sym];
    return o->addr[s->st_shndx] + s->st_value;
}

/* Resolves symbol sym of object obj for a relocation at (obj, sec, off). */
static int resolve(struct linker *lk, uint32_t obj, uint32_t sym, uint32_t sec, uint64_t off,
                   struct target *t)
{
    struct object *o = &lk->objs[obj];
    memset(t, 0, sizeof *t);
    if (sym == 0 || sym >= o->nsyms)
        return waot_fail(lk->err, WAOT_E_COMPILE,
                         "link: object %u, %s+0x%llx: relocation names bad symbol %u", obj,
                         sec_name(o, sec), (unsigned long long)off, sym);
    const Elf64_Sym *s = &o->syms[sym];
    const char *name = sym_name(o, sym);
    int bind = ELF64_ST_BIND(s->st_info);
    if (s->st_shndx == SHN_UNDEF || bind == STB_GLOBAL || bind == STB_WEAK) {
        struct symmap_entry *e = symmap_slot(lk->globals, name);
        if (e->name) {
            t->obj = e->obj;
            t->sym = e->sym;
            t->addr = sym_addr(&lk->objs[e->obj], e->sym);
            return 0;
        }
        if (s->st_shndx == SHN_UNDEF) {
            for (uint32_t i = 0; i < ART_IMPORT_COUNT; i++)
                if (strcmp(name, import_names[i]) == 0) {
                    t->import = true;
                    t->id = i;
                    return 0;
                }
            return waot_fail(lk->err, WAOT_E_COMPILE,
                             "link: object %u, %s+0x%llx: undefined symbol %s", obj,
                             sec_name(o, sec), (unsigned long long)off, name);
        }
    }
    if (s->st_shndx == SHN_ABS || s->st_shndx == SHN_COMMON ||
        o->region[s->st_shndx] == REGION_NONE)
        return waot_fail(lk->err, WAOT_E_COMPILE,
                         "link: object %u, %s+0x%llx: symbol %s is in a section that is not linked",
                         obj, sec_name(o, sec), (unsigned long long)off, name);
    t->obj = obj;
    t->sym = sym;
    t->addr = sym_addr(o, sym);
    return 0;
}

/* ---- 3. scan ---- */

static uint64_t got_key(const struct target *t)
{
    if (t->import)
        return (UINT64_C(1) << 63) | t->id;
    return ((uint64_t)t->obj << 32 | t->sym) + 1;
}

static int got_grow(struct gotmap *g)
{
    uint32_t cap = g->cap ? g->cap * 2 : 64;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *slot = calloc(cap, sizeof *slot);
    struct target *targets = realloc(g->targets, (size_t)cap / 2 * sizeof *targets);
    if (!keys || !slot || !targets) {
        free(keys);
        free(slot);
        if (targets)
            g->targets = targets;
        return -1;
    }
    g->targets = targets;
    for (uint32_t i = 0; i < g->cap; i++) {
        if (!g->keys[i])
            continue;
        uint32_t j = hash_u64(g->keys[i]) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = g->keys[i];
        slot[j] = g->slot[i];
    }
    free(g->keys);
    free(g->slot);
    g->keys = keys;
    g->slot = slot;
    g->cap = cap;
    return 0;
}

/* Slot number for t, created on first use; -1 when out of memory. */
static int64_t got_slot(struct gotmap *g, const struct target *t)
{
    if (2 * (g->count + 1) > g->cap && got_grow(g) < 0)
        return -1;
    uint64_t key = got_key(t);
    uint32_t j = hash_u64(key) & (g->cap - 1);
    while (g->keys[j] && g->keys[j] != key)
        j = (j + 1) & (g->cap - 1);
    if (!g->keys[j]) {
        g->keys[j] = key;
        g->slot[j] = g->count;
        g->targets[g->count++] = *t;
    }
    return g->slot[j];
}

typedef int (*rela_fn)(struct linker *lk, uint32_t obj, uint32_t sec, const Elf64_Rela *r,
                       const struct target *t, enum elf_reloc_class cls);

/* Walks every relocation that applies to a linked section, checked and resolved. */
static int for_each_rela(struct linker *lk, rela_fn fn)
{
    for (uint32_t k = 0; k < lk->nobjs; k++) {
        struct object *o = &lk->objs[k];
        for (uint32_t i = 1; i < o->shnum; i++) {
            const Elf64_Shdr *rs = &o->sh[i];
            if (rs->sh_type == SHT_REL)
                return waot_fail(lk->err, WAOT_E_COMPILE,
                                 "link: object %u: REL section %s not supported (RELA only)", k,
                                 sec_name(o, i));
            if (rs->sh_type != SHT_RELA)
                continue;
            uint32_t sec = rs->sh_info;
            if (sec == 0 || sec >= o->shnum)
                return waot_fail(lk->err, WAOT_E_COMPILE,
                                 "link: object %u: %s applies to bad section %u", k,
                                 sec_name(o, i), sec);
            if (o->region[sec] == REGION_NONE)
                continue; /* e.g. .rela.eh_frame */
            if (rs->sh_link != o->symtab || rs->sh_entsize != sizeof(Elf64_Rela) ||
                rs->sh_size % sizeof(Elf64_Rela) || (rs->sh_offset & 7))
                return waot_fail(lk->err, WAOT_E_COMPILE, "link: object %u: malformed %s", k,
                                 sec_name(o, i));
            const Elf64_Rela *rel = (const Elf64_Rela *)(o->data + rs->sh_offset);
            uint64_t n = rs->sh_size / sizeof(Elf64_Rela);
            for (uint64_t j = 0; j < n; j++) {
                const Elf64_Rela *r = &rel[j];
                uint32_t type = (uint32_t)ELF64_R_TYPE(r->r_info);
                enum elf_reloc_class cls = lk->t->classify(type);
                if (cls == ELF_RELOC_UNSUPPORTED)
                    return waot_fail(lk->err, WAOT_E_COMPILE,
                                     "link: object %u, %s+0x%llx: unsupported relocation %s (%u)",
                                     k, sec_name(o, sec), (unsigned long long)r->r_offset,
                                     lk->t->name(type), type);
                if (cls == ELF_RELOC_SKIP)
                    continue;
                uint32_t width = lk->t->width(type);
                if (!range_ok(o->sh[sec].sh_size, r->r_offset, width))
                    return waot_fail(lk->err, WAOT_E_COMPILE,
                                     "link: object %u, %s: relocation offset 0x%llx out of range",
                                     k, sec_name(o, sec), (unsigned long long)r->r_offset);
                struct target t;
                uint64_t symidx = ELF64_R_SYM(r->r_info);
                if (resolve(lk, k, (uint32_t)(symidx > UINT32_MAX ? 0 : symidx), sec,
                            r->r_offset, &t) < 0)
                    return -1;
                if (fn(lk, k, sec, r, &t, cls) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

static int scan_rela(struct linker *lk, uint32_t obj, uint32_t sec, const Elf64_Rela *r,
                     const struct target *t, enum elf_reloc_class cls)
{
    (void)obj;
    (void)sec;
    (void)r;
    if (cls == ELF_RELOC_ABS64) {
        lk->fixups_cap++;
    } else if (cls == ELF_RELOC_GOT || t->import) {
        if (got_slot(&lk->got, t) < 0)
            return waot_fail(lk->err, WAOT_E_NOMEM, "link: out of memory");
        /* Calls to an import, and PC-relative references to one (a call or an address
         * taken as if the routine were local), go to its stub. */
        if (cls != ELF_RELOC_GOT && lk->stub_of[t->id] < 0)
            lk->stub_of[t->id] = (int32_t)lk->nstubs++;
    }
    return 0;
}

/* ---- 4./5. layout and apply ---- */

static void add_fixup(struct linker *lk, uint64_t offset, const struct target *t, int64_t addend)
{
    struct art_fixup *f = &lk->fixups[lk->nfixups++];
    memset(f, 0, sizeof *f);
    f->offset = offset;
    if (t->import) {
        f->kind = ART_FIXUP_IMPORT;
        f->import = t->id;
        f->addend = addend;
    } else {
        f->kind = ART_FIXUP_RELATIVE;
        f->addend = (int64_t)t->addr + addend;
    }
}

static int apply_rela(struct linker *lk, uint32_t obj, uint32_t sec, const Elf64_Rela *r,
                      const struct target *t, enum elf_reloc_class cls)
{
    struct elf_link *l = lk->out;
    struct object *o = &lk->objs[obj];
    uint64_t P = o->addr[sec] + r->r_offset;
    uint8_t *loc = l->image + P;
    uint32_t type = (uint32_t)ELF64_R_TYPE(r->r_info);
    if (cls == ELF_RELOC_ABS64) {
        if (P & 7)
            return waot_fail(lk->err, WAOT_E_COMPILE,
                             "link: object %u, %s+0x%llx: misaligned absolute word", obj,
                             sec_name(o, sec), (unsigned long long)r->r_offset);
        int64_t value = (int64_t)t->addr + r->r_addend;
        if (!t->import && (value < 0 || (uint64_t)value > l->image_size))
            return waot_fail(lk->err, WAOT_E_COMPILE,
                             "link: object %u, %s+0x%llx: absolute address outside the image", obj,
                             sec_name(o, sec), (unsigned long long)r->r_offset);
        memset(loc, 0, 8);
        add_fixup(lk, P, t, r->r_addend);
        return 0;
    }
    uint64_t S = t->addr, G = 0;
    if (cls == ELF_RELOC_GOT || t->import) {
        int64_t slot = got_slot(&lk->got, t); /* exists since the scan */
        G = l->got_offset + 8 * (uint64_t)slot;
        if (t->import && cls != ELF_RELOC_GOT)
            S = lk->text_end + (uint64_t)lk->stub_of[t->id] * lk->t->stub_size;
    }
    const char *why = lk->t->apply(loc, type, P, S, r->r_addend, G);
    if (why)
        return waot_fail(lk->err, WAOT_E_COMPILE, "link: object %u, %s+0x%llx: %s against %s: %s",
                         obj, sec_name(o, sec), (unsigned long long)r->r_offset,
                         lk->t->name(type), t->import ? import_names[t->id]
                                                      : sym_name(&lk->objs[t->obj], t->sym),
                         why);
    return 0;
}

static int layout(struct linker *lk, struct elf_link *l)
{
    lk->text_end = align_up(lk->text_end, 16);
    l->text_size = lk->text_end + (uint64_t)lk->nstubs * lk->t->stub_size;
    l->rodata_offset = align_up(l->text_size, lk->t->page_align);
    l->got_offset = align_up(l->rodata_offset + lk->rodata_end, 8);
    l->got_count = lk->got.count;
    l->image_size = l->got_offset + 8 * (uint64_t)lk->got.count;
    for (uint32_t k = 0; k < lk->nobjs; k++) {
        struct object *o = &lk->objs[k];
        for (uint32_t i = 1; i < o->shnum; i++)
            if (o->region[i] == REGION_RODATA)
                o->addr[i] += l->rodata_offset;
    }
    for (uint32_t i = 0; i < lk->got.count; i++) {
        struct target *t = &lk->got.targets[i];
        if (!t->import)
            t->addr = sym_addr(&lk->objs[t->obj], t->sym);
    }
    l->image = calloc(1, l->image_size ? l->image_size : 1);
    lk->fixups = calloc(lk->fixups_cap + lk->got.count + 1, sizeof *lk->fixups);
    if (!l->image || !lk->fixups)
        return waot_fail(lk->err, WAOT_E_NOMEM, "link: out of memory for a %llu-byte image",
                         (unsigned long long)l->image_size);
    for (uint32_t k = 0; k < lk->nobjs; k++) {
        struct object *o = &lk->objs[k];
        for (uint32_t i = 1; i < o->shnum; i++)
            if (o->region[i] != REGION_NONE)
                memcpy(l->image + o->addr[i], o->data + o->sh[i].sh_offset, o->sh[i].sh_size);
    }
    for (uint32_t i = 0; i < ART_IMPORT_COUNT; i++) {
        if (lk->stub_of[i] < 0)
            continue;
        struct target t = { .import = true, .id = i };
        uint64_t at = lk->text_end + (uint64_t)lk->stub_of[i] * lk->t->stub_size;
        uint64_t slot = l->got_offset + 8 * (uint64_t)got_slot(&lk->got, &t);
        lk->t->write_stub(l->image + at, at, slot);
    }
    for (uint32_t i = 0; i < lk->got.count; i++)
        add_fixup(lk, l->got_offset + 8 * (uint64_t)i, &lk->got.targets[i], 0);
    return 0;
}


static void linker_free(struct linker *lk)
{
    for (uint32_t k = 0; k < lk->nobjs && lk->objs; k++) {
        free(lk->objs[k].region);
        free(lk->objs[k].addr);
    }
    free(lk->objs);
    free(lk->got.keys);
    free(lk->got.slot);
    free(lk->got.targets);
    free(lk->fixups);
    if (lk->globals) {
        free(lk->globals->e);
        free(lk->globals);
    }
}

int elf_link_objects(const struct codegen_output *cg, struct elf_link *l, struct waot_error *err)
{
    struct linker link;
    struct linker *lk = &link;
    memset(lk, 0, sizeof *lk);
    memset(l, 0, sizeof *l);
    lk->out = l;
    lk->cg = cg;
    lk->err = err;
    lk->nobjs = cg->nobjects;
    for (uint32_t i = 0; i < ART_IMPORT_COUNT; i++)
        lk->stub_of[i] = -1;
    if (cg->nobjects == 0)
        return waot_fail(err, WAOT_E_COMPILE, "link: no objects to link");
    lk->objs = calloc(cg->nobjects, sizeof *lk->objs);
    if (!lk->objs)
        return waot_fail(err, WAOT_E_NOMEM, "link: out of memory");
    for (uint32_t k = 0; k < lk->nobjs; k++)
        if (parse_object(lk, k) < 0 || place_sections(lk, k) < 0)
            goto fail;
    if (collect_globals(lk) < 0 || for_each_rela(lk, scan_rela) < 0 || layout(lk, l) < 0 ||
        for_each_rela(lk, apply_rela) < 0)
        goto fail;
    l->target = lk->t;
    l->nfixups = lk->nfixups;
    l->fixups = lk->fixups;
    l->globals = lk->globals;
    lk->fixups = NULL;
    lk->globals = NULL;
    /* The symbol map keeps per-object addresses: hand the objects over too. */
    l->globals->objs = lk->objs;
    l->globals->nobjs = lk->nobjs;
    lk->objs = NULL;
    linker_free(lk);
    return 0;
fail:
    free(l->image);
    memset(l, 0, sizeof *l);
    linker_free(lk);
    return -1;
}

int elf_link_symbol_find(const struct elf_link *l, const char *name, uint64_t *offset)
{
    if (!l->globals)
        return -1;
    struct symmap_entry *e = symmap_slot(l->globals, name);
    if (!e->name)
        return -1;
    const struct object *o = &l->globals->objs[e->obj];
    const Elf64_Sym *s = &o->syms[e->sym];
    if (o->region[s->st_shndx] != REGION_TEXT)
        return -1;
    *offset = sym_addr(o, e->sym);
    return 0;
}

void elf_link_fini(struct elf_link *l)
{
    if (l->globals) {
        for (uint32_t k = 0; k < l->globals->nobjs; k++) {
            free(l->globals->objs[k].region);
            free(l->globals->objs[k].addr);
        }
        free(l->globals->objs);
        free(l->globals->e);
        free(l->globals);
    }
    free(l->image);
    free(l->fixups);
    memset(l, 0, sizeof *l);
}
