/* SIMD dot product: R rounds (argv[2], default 100000) of a float32 dot product over two
 * N-element arrays (argv[1], default 65536), 16 lanes at a time in four f32x4 accumulators.
 * wasm: wasm_simd128.h intrinsics (-msimd128); native: SSE intrinsics. Both paths add in
 * the same lane order and reduce the lanes in the same order, so the float results are
 * bit-identical. One element changes each round so no round can be hoisted. Prints a
 * checksum. */
#include <stdio.h>
#include <stdlib.h>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
typedef v128_t vf4;
#define VLOAD(p) wasm_v128_load(p)
#define VADD(a, b) wasm_f32x4_add(a, b)
#define VMUL(a, b) wasm_f32x4_mul(a, b)
#define VZERO() wasm_f32x4_splat(0.0f)
#define VSTORE(p, v) wasm_v128_store(p, v)
#elif defined(__SSE2__)
#include <immintrin.h>
typedef __m128 vf4;
#define VLOAD(p) _mm_loadu_ps(p)
#define VADD(a, b) _mm_add_ps(a, b)
#define VMUL(a, b) _mm_mul_ps(a, b)
#define VZERO() _mm_setzero_ps()
#define VSTORE(p, v) _mm_storeu_ps(p, v)
#else
#error "simd_dot needs wasm simd128 or SSE2"
#endif

static float simd_dot(const float *a, const float *b, int n)
{
    vf4 s0 = VZERO(), s1 = VZERO(), s2 = VZERO(), s3 = VZERO();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = VADD(s0, VMUL(VLOAD(a + i), VLOAD(b + i)));
        s1 = VADD(s1, VMUL(VLOAD(a + i + 4), VLOAD(b + i + 4)));
        s2 = VADD(s2, VMUL(VLOAD(a + i + 8), VLOAD(b + i + 8)));
        s3 = VADD(s3, VMUL(VLOAD(a + i + 12), VLOAD(b + i + 12)));
    }
    float lane[4];
    VSTORE(lane, VADD(VADD(s0, s1), VADD(s2, s3)));
    float s = (lane[0] + lane[1]) + (lane[2] + lane[3]);
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 65536;
    int rounds = argc > 2 ? atoi(argv[2]) : 100000;
    float *a = malloc((size_t)n * sizeof *a);
    float *b = malloc((size_t)n * sizeof *b);
    if (!a || !b || n <= 0) {
        fprintf(stderr, "simd_dot: out of memory\n");
        return 1;
    }
    unsigned x = 12345;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        a[i] = (float)((x >> 16) & 1023) / 512.0f - 1.0f;
        x = x * 1103515245u + 12345u;
        b[i] = (float)((x >> 16) & 1023) / 256.0f - 2.0f;
    }
    double total = 0;
    for (int r = 0; r < rounds; r++) {
        a[(r * 7919) % n] += 0.5f;
        total += simd_dot(a, b, n);
    }
    printf("simd_dot %d x %d: %.9e\n", n, rounds, total);
    free(a);
    free(b);
    return 0;
}
