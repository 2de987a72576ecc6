/* Autovectorised loops: plain C, no intrinsics; clang vectorises the inner loops at -O2
 * (wasm with -msimd128 into f32x4/i8x16 ops, native with -march=x86-64-v2 into SSE).
 * R rounds (argv[2], default 2400) over N elements (argv[1], default 262144) of
 *   saxpy        y[i] = a * x[i] + y[i]           (float, no reassociation: exact)
 *   byte blend   d[i] = (p[i] * q[i] + 255) >> 8, then saturating add of p[i] >> 2
 *   int clamp    z[i] = min(max(z[i] + k[i], -5000), 5000)
 * Prints a checksum that is identical natively and under wasm. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void simd_autovec_saxpy(int n, float a, const float *restrict x, float *restrict y)
{
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

static void simd_autovec_blend(int n, const uint8_t *restrict p, const uint8_t *restrict q,
                               uint8_t *restrict d)
{
    for (int i = 0; i < n; i++) {
        unsigned m = ((unsigned)p[i] * q[i] + 255u) >> 8;
        unsigned s = m + (p[i] >> 2);
        d[i] = (uint8_t)(s > 255u ? 255u : s);
    }
}

static void simd_autovec_clamp(int n, int32_t *restrict z, const int32_t *restrict k)
{
    for (int i = 0; i < n; i++) {
        int32_t v = z[i] + k[i];
        v = v < -5000 ? -5000 : v;
        z[i] = v > 5000 ? 5000 : v;
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 262144;
    int rounds = argc > 2 ? atoi(argv[2]) : 2400;
    float *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    uint8_t *p = malloc((size_t)n), *q = malloc((size_t)n), *d = malloc((size_t)n);
    int32_t *z = malloc((size_t)n * sizeof *z), *k = malloc((size_t)n * sizeof *k);
    if (!x || !y || !p || !q || !d || !z || !k || n <= 0) {
        fprintf(stderr, "simd_autovec: out of memory\n");
        return 1;
    }
    uint32_t s = 88172645u;
    for (int i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)(s >> 20) / 4096.0f - 0.5f;
        y[i] = (float)(i % 97) / 97.0f;
        p[i] = (uint8_t)(s >> 8);
        q[i] = (uint8_t)(s >> 16);
        z[i] = (int32_t)(s >> 19) - 4096;
        k[i] = (int32_t)((s >> 3) & 255) - 127;
    }
    uint64_t bytes = 0;
    for (int r = 0; r < rounds; r++) {
        simd_autovec_saxpy(n, (r & 1) ? -0.75f : 0.5f, x, y);
        simd_autovec_blend(n, p, q, d);
        simd_autovec_clamp(n, z, k);
        bytes += d[(r * 7919) % n];
        q[(r * 104729) % n] = d[(r * 7919) % n];
    }
    double ys = 0;
    int64_t zs = 0;
    for (int i = 0; i < n; i++) {
        ys += y[i];
        zs += z[i];
        bytes += d[i];
    }
    printf("simd_autovec %d x %d: %.9e %lld %llu\n", n, rounds, ys, (long long)zs,
           (unsigned long long)bytes);
    free(x);
    free(y);
    free(p);
    free(q);
    free(d);
    free(z);
    free(k);
    return 0;
}
