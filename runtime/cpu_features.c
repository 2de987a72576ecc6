/*
 * Host CPU feature detection (cpuid on x86_64, getauxval(AT_HWCAP) on aarch64), mapped to
 * the names LLVM uses in feature strings, so the loader can refuse an artifact compiled
 * for features this machine lacks. The architecture #if is confined to this file: it is
 * the one place that states facts about the host CPU.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu_features.h"

struct feature_bit {
    const char *name;   /* LLVM feature name */
    uint8_t word;       /* index into the host's feature words */
    uint8_t bit;
};

#if defined(__x86_64__)
#include <cpuid.h>

enum { W1_ECX, W1_EDX, W7_EBX, W7_ECX, W7_EDX, WX1_ECX, WD1_EAX, NWORDS };

static const struct feature_bit features[] = {
    { "sse3", W1_ECX, 0 }, { "pclmul", W1_ECX, 1 }, { "ssse3", W1_ECX, 9 },
    { "fma", W1_ECX, 12 }, { "cx16", W1_ECX, 13 }, { "sse4.1", W1_ECX, 19 },
    { "sse4.2", W1_ECX, 20 }, { "movbe", W1_ECX, 22 }, { "popcnt", W1_ECX, 23 },
    { "aes", W1_ECX, 25 }, { "xsave", W1_ECX, 26 }, { "avx", W1_ECX, 28 },
    { "f16c", W1_ECX, 29 }, { "rdrnd", W1_ECX, 30 },
    { "cx8", W1_EDX, 8 }, { "cmov", W1_EDX, 15 }, { "mmx", W1_EDX, 23 },
    { "fxsr", W1_EDX, 24 }, { "sse", W1_EDX, 25 }, { "sse2", W1_EDX, 26 },
    { "fsgsbase", W7_EBX, 0 }, { "bmi", W7_EBX, 3 }, { "avx2", W7_EBX, 5 },
    { "bmi2", W7_EBX, 8 }, { "invpcid", W7_EBX, 10 }, { "rtm", W7_EBX, 11 },
    { "avx512f", W7_EBX, 16 }, { "avx512dq", W7_EBX, 17 }, { "rdseed", W7_EBX, 18 },
    { "adx", W7_EBX, 19 }, { "avx512ifma", W7_EBX, 21 }, { "clflushopt", W7_EBX, 23 },
    { "clwb", W7_EBX, 24 }, { "avx512cd", W7_EBX, 28 }, { "sha", W7_EBX, 29 },
    { "avx512bw", W7_EBX, 30 }, { "avx512vl", W7_EBX, 31 },
    { "avx512vbmi", W7_ECX, 1 }, { "pku", W7_ECX, 3 }, { "waitpkg", W7_ECX, 5 },
    { "avx512vbmi2", W7_ECX, 6 }, { "gfni", W7_ECX, 8 }, { "vaes", W7_ECX, 9 },
    { "vpclmulqdq", W7_ECX, 10 }, { "avx512vnni", W7_ECX, 11 },
    { "avx512bitalg", W7_ECX, 12 }, { "avx512vpopcntdq", W7_ECX, 14 },
    { "rdpid", W7_ECX, 22 }, { "movdiri", W7_ECX, 27 }, { "movdir64b", W7_ECX, 28 },
    { "serialize", W7_EDX, 14 }, { "avx512fp16", W7_EDX, 23 },
    { "sahf", WX1_ECX, 0 }, { "lzcnt", WX1_ECX, 5 }, { "sse4a", WX1_ECX, 6 },
    { "prfchw", WX1_ECX, 8 }, { "xop", WX1_ECX, 11 }, { "fma4", WX1_ECX, 16 },
    { "tbm", WX1_ECX, 21 },
    { "xsaveopt", WD1_EAX, 0 }, { "xsavec", WD1_EAX, 1 }, { "xsaves", WD1_EAX, 3 },
};

static void host_words(uint32_t w[NWORDS])
{
    unsigned a, b, c, d;
    memset(w, 0, NWORDS * sizeof *w);
    unsigned max = __get_cpuid_max(0, NULL);
    if (max >= 1 && __get_cpuid(1, &a, &b, &c, &d)) {
        w[W1_ECX] = c;
        w[W1_EDX] = d;
    }
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        w[W7_EBX] = b;
        w[W7_ECX] = c;
        w[W7_EDX] = d;
    }
    if (max >= 0xd) {
        __cpuid_count(0xd, 1, a, b, c, d);
        w[WD1_EAX] = a;
    }
    if (__get_cpuid_max(0x80000000u, NULL) >= 0x80000001u &&
        __get_cpuid(0x80000001u, &a, &b, &c, &d))
        w[WX1_ECX] = c;
    /* AVX and AVX-512 also need the OS to save their registers (XCR0), as LLVM checks. */
    uint32_t xcr0 = 0;
    if (w[W1_ECX] >> 27 & 1) { /* OSXSAVE */
        uint32_t hi;
        __asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(hi) : "c"(0));
    }
    if ((xcr0 & 0x6) != 0x6) {
        w[W1_ECX] &= ~(1u << 28 | 1u << 12 | 1u << 29); /* avx, fma, f16c */
        w[W7_EBX] &= ~(1u << 5);                         /* avx2 */
        xcr0 = 0;
    }
    if ((xcr0 & 0xe0) != 0xe0) { /* opmask and ZMM state */
        w[W7_EBX] &= ~(1u << 16 | 1u << 17 | 1u << 21 | 1u << 28 | 1u << 30 | 1u << 31);
        w[W7_ECX] &= ~(1u << 1 | 1u << 6 | 1u << 11 | 1u << 12 | 1u << 14);
        w[W7_EDX] &= ~(1u << 23);
    }
}

const char *cpu_features_arch(void)
{
    return "x86_64";
}

#elif defined(__aarch64__)
#include <sys/auxv.h>

enum { W_HWCAP, W_HWCAP2, NWORDS };

static const struct feature_bit features[] = {
    { "fp-armv8", W_HWCAP, 0 }, { "neon", W_HWCAP, 1 }, { "aes", W_HWCAP, 3 },
    { "sha2", W_HWCAP, 6 }, { "crc", W_HWCAP, 7 }, { "lse", W_HWCAP, 8 },
    { "fullfp16", W_HWCAP, 9 }, { "rdm", W_HWCAP, 12 }, { "jsconv", W_HWCAP, 13 },
    { "complxnum", W_HWCAP, 14 }, { "rcpc", W_HWCAP, 15 }, { "ccpp", W_HWCAP, 16 },
    { "sha3", W_HWCAP, 17 }, { "sm4", W_HWCAP, 18 }, { "dotprod", W_HWCAP, 20 },
    { "sve", W_HWCAP, 22 }, { "fp16fml", W_HWCAP, 23 }, { "dit", W_HWCAP, 24 },
    { "flagm", W_HWCAP, 27 }, { "ssbs", W_HWCAP, 28 }, { "sb", W_HWCAP, 29 },
    { "sve2", W_HWCAP2, 1 }, { "i8mm", W_HWCAP2, 13 }, { "bf16", W_HWCAP2, 14 },
};

static void host_words(uint32_t w[NWORDS])
{
    w[W_HWCAP] = (uint32_t)getauxval(AT_HWCAP);
    w[W_HWCAP2] = (uint32_t)getauxval(AT_HWCAP2);
}

const char *cpu_features_arch(void)
{
    return "aarch64";
}

#else
#error "waot supports x86_64 and aarch64 hosts"
#endif

static void append(char *buf, size_t size, const char *name, size_t len)
{
    size_t used = strlen(buf);
    if (used + len + 3 > size)
        return;
    if (used)
        buf[used++] = ',';
    buf[used++] = '+';
    memcpy(buf + used, name, len);
    buf[used + len] = 0;
}

/* cpuid traps to the hypervisor on virtual machines, costing more than the rest of the
 * check; the answer cannot change while the process runs, so it is read once. */
static uint32_t probed_words[NWORDS];
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static void probe_words(void)
{
    host_words(probed_words);
}

int cpu_features_check(const char *list, char *missing, size_t missing_size)
{
    uint32_t w[NWORDS];
    bool have_words = false, ok = true;
    if (missing_size)
        missing[0] = 0;
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 1 && p[0] == '+') {
            for (size_t i = 0; i < sizeof features / sizeof features[0]; i++) {
                const struct feature_bit *f = &features[i];
                if (strlen(f->name) != n - 1 || memcmp(f->name, p + 1, n - 1) != 0)
                    continue;
                if (!have_words) {
                    pthread_once(&probe_once, probe_words);
                    memcpy(w, probed_words, sizeof w);
                    have_words = true;
                }
                if (!(w[f->word] >> f->bit & 1)) {
                    ok = false;
                    if (missing_size)
                        append(missing, missing_size, p + 1, n - 1);
                }
                break;
            }
        }
        p += n + (end ? 1 : 0);
    }
    return ok ? 0 : -1;
}
