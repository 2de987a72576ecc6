/*
 * Cache keys. A key must change whenever the compiled code would: the module bytes (their
 * digest) and the code identity, a string naming the waot version, the artifact format and
 * compiler ABI, target triple, CPU name, optimisation level and, when compiling for this
 * machine, its CPU features. The identity is computed without LLVM (the compiler library
 * is loaded only on a miss), so the host's features come from runtime/cpu_features.c: we
 * ask it which of the LLVM feature names it knows this CPU lacks. Two machines with the
 * same features and different CPU models share keys; their code is equally valid on both.
 */
#include <stdio.h>
#include <string.h>

#define OPENSSL_SUPPRESS_DEPRECATED /* see cache_digest.c */
#include <openssl/sha.h>

#include "artifact_format.h"
#include "cache_internal.h"
#include "cpu_features.h"

#define KEY_DOMAIN "waot-cache-key-v1"

/* LLVM feature names that runtime/cpu_features.c may probe, for x86_64 and aarch64 alike;
 * names it does not know on this architecture count as present, so they add nothing. */
static const char probe_features[] =
    "+sse3,+pclmul,+ssse3,+fma,+cx16,+sse4.1,+sse4.2,+movbe,+popcnt,+aes,+xsave,+avx,+f16c,"
    "+rdrnd,+cx8,+cmov,+mmx,+fxsr,+sse,+sse2,+fsgsbase,+bmi,+avx2,+bmi2,+invpcid,+rtm,"
    "+avx512f,+avx512dq,+rdseed,+adx,+avx512ifma,+clflushopt,+clwb,+avx512cd,+sha,+avx512bw,"
    "+avx512vl,+avx512vbmi,+pku,+waitpkg,+avx512vbmi2,+gfni,+vaes,+vpclmulqdq,+avx512vnni,"
    "+avx512bitalg,+avx512vpopcntdq,+rdpid,+movdiri,+movdir64b,+serialize,+avx512fp16,+sahf,"
    "+lzcnt,+sse4a,+prfchw,+xop,+fma4,+tbm,+xsaveopt,+xsavec,+xsaves,"
    "+fp-armv8,+neon,+sha2,+crc,+lse,+fullfp16,+rdm,+jsconv,+complxnum,+rcpc,+ccpp,+sha3,"
    "+sm4,+dotprod,+sve,+fp16fml,+dit,+flagm,+ssbs,+sb,+sve2,+i8mm,+bf16";

/* "aarch64-linux-gnu" and "aarch64-unknown-linux-gnu" name the same target (LLVM fills in
 * the vendor); the identity uses the four-part form so that both give one key. */
static void normalize_triple(const char *triple, char *out, size_t size)
{
    int dashes = 0;
    for (const char *p = triple; *p; p++)
        dashes += *p == '-';
    const char *first = strchr(triple, '-');
    if (dashes == 2 && first && strncmp(first + 1, "unknown-", 8) != 0)
        snprintf(out, size, "%.*s-unknown%s", (int)(first - triple), triple, first);
    else
        snprintf(out, size, "%s", triple);
}

static int format_identity(const char *triple, const char *cpu, int opt_level, const char *lacks,
                           char *buf, size_t size, struct waot_error *err)
{
    char norm[128];
    normalize_triple(triple, norm, sizeof norm);
    int n = snprintf(buf, size, "waot %s;art %u;abi %d;triple %s;cpu %s;opt %d%s%s", WAOT_VERSION,
                     (unsigned)ART_FORMAT_VERSION, WAOT_COMPILER_ABI, norm, cpu, opt_level,
                     lacks[0] ? ";lacks " : "", lacks);
    if (n < 0 || (size_t)n >= size)
        return waot_fail(err, WAOT_E_USAGE, "cache identity longer than %zu bytes (triple %s, cpu %s)",
                         size, triple, cpu);
    return 0;
}

int cache_identity(const struct waot_compile_options *opt, char *buf, size_t size,
                   struct waot_error *err)
{
    char host_triple[64];
    snprintf(host_triple, sizeof host_triple, "%s-unknown-linux-gnu", cpu_features_arch());
    const char *triple = opt && opt->triple ? opt->triple : host_triple;
    /* As in compiler/codegen.c: any triple of this architecture targets this machine, and
     * then the host's features may be used (always by default, and with an explicit CPU
     * name when it is the host's, which we cannot tell without LLVM: so always count them). */
    size_t arch_len = strlen(cpu_features_arch());
    int host = strncmp(triple, host_triple, arch_len) == 0 &&
               (triple[arch_len] == '-' || triple[arch_len] == 0);
    const char *cpu = opt && opt->cpu ? opt->cpu : host ? "host" : "generic";
    int opt_level = opt ? opt->opt_level : 2;

    char lacks[2048] = "";
    if (host)
        cpu_features_check(probe_features, lacks, sizeof lacks);
    return format_identity(triple, cpu, opt_level, lacks, buf, size, err);
}

int cache_identity_portable(int opt_level, char *buf, size_t size, struct waot_error *err)
{
    char triple[64];
    snprintf(triple, sizeof triple, "%s-unknown-linux-gnu", cpu_features_arch());
    return format_identity(triple, "generic", opt_level, "", buf, size, err);
}

int cache_key(const uint8_t digest[CACHE_KEY_SIZE], const char *identity,
              uint8_t key[CACHE_KEY_SIZE], struct waot_error *err)
{
    SHA256_CTX ctx;
    int ok = SHA256_Init(&ctx) && SHA256_Update(&ctx, KEY_DOMAIN, sizeof KEY_DOMAIN) &&
             SHA256_Update(&ctx, digest, CACHE_KEY_SIZE) &&
             SHA256_Update(&ctx, identity, strlen(identity) + 1) && SHA256_Final(key, &ctx);
    if (!ok)
        return waot_fail(err, WAOT_E_INTERNAL, "cache key: libcrypto SHA-256 failed");
    return 0;
}
