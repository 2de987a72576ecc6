/* SIMD 3x3 box blur: R passes (argv[2], default 480) over a W x W 8-bit greyscale image
 * (argv[1], default 2048), ping-ponging between two buffers. Each output pixel is the
 * sum of its 3x3 neighbourhood divided by 9 as (sum * 7282) >> 16 (exact for sums up to
 * 2295), 16 pixels at a time: u8x16 loads widened to two u16x8 halves, added, scaled and
 * narrowed back. wasm: wasm_simd128.h (extmul u16->u32, shift, narrow); native: SSE2/4.1
 * (pmovzxbw, pmulhuw, packuswb). Borders are copied. Integer maths: the checksum (sum and
 * a rolling hash of the final image) is identical on both. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
typedef v128_t vi;
#define VLOAD(p) wasm_v128_load(p)
#define VSTORE(p, v) wasm_v128_store(p, v)
#define WIDEN_LO(v) wasm_u16x8_extend_low_u8x16(v)
#define WIDEN_HI(v) wasm_u16x8_extend_high_u8x16(v)
#define ADD16(a, b) wasm_i16x8_add(a, b)
#define NARROW(lo, hi) wasm_u8x16_narrow_i16x8(lo, hi)
static inline vi simd_blur_div9(vi s)
{
    v128_t k = wasm_i16x8_splat(7282);
    v128_t lo = wasm_u32x4_shr(wasm_u32x4_extmul_low_u16x8(s, k), 16);
    v128_t hi = wasm_u32x4_shr(wasm_u32x4_extmul_high_u16x8(s, k), 16);
    return wasm_u16x8_narrow_i32x4(lo, hi);
}
#elif defined(__SSE4_1__)
#include <immintrin.h>
typedef __m128i vi;
#define VLOAD(p) _mm_loadu_si128((const __m128i *)(p))
#define VSTORE(p, v) _mm_storeu_si128((__m128i *)(p), v)
#define WIDEN_LO(v) _mm_cvtepu8_epi16(v)
#define WIDEN_HI(v) _mm_unpackhi_epi8(v, _mm_setzero_si128())
#define ADD16(a, b) _mm_add_epi16(a, b)
#define NARROW(lo, hi) _mm_packus_epi16(lo, hi)
static inline vi simd_blur_div9(vi s)
{
    return _mm_mulhi_epu16(s, _mm_set1_epi16(7282));
}
#else
#error "simd_blur needs wasm simd128 or SSE4.1 (-march=x86-64-v2)"
#endif

static inline unsigned simd_blur_px(const uint8_t *p, int w)
{
    unsigned s = 0;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
            s += p[dy * w + dx];
    return (s * 7282u) >> 16;
}

static void simd_blur_pass(const uint8_t *src, uint8_t *dst, int w, int h)
{
    memcpy(dst, src, (size_t)w);
    memcpy(dst + (size_t)(h - 1) * w, src + (size_t)(h - 1) * w, (size_t)w);
    for (int y = 1; y < h - 1; y++) {
        const uint8_t *r = src + (size_t)y * w;
        uint8_t *o = dst + (size_t)y * w;
        o[0] = r[0];
        o[w - 1] = r[w - 1];
        int x = 1;
        for (; x + 17 <= w; x += 16) {
            vi lo = WIDEN_LO(VLOAD(r - w + x - 1)), hi = WIDEN_HI(VLOAD(r - w + x - 1));
            const uint8_t *rows[3] = { r - w, r, r + w };
            for (int k = 0; k < 3; k++)
                for (int dx = (k == 0 ? 0 : -1); dx <= 1; dx++) {
                    vi v = VLOAD(rows[k] + x + dx);
                    lo = ADD16(lo, WIDEN_LO(v));
                    hi = ADD16(hi, WIDEN_HI(v));
                }
            VSTORE(o + x, NARROW(simd_blur_div9(lo), simd_blur_div9(hi)));
        }
        for (; x < w - 1; x++)
            o[x] = (uint8_t)simd_blur_px(r + x, w);
    }
}

int main(int argc, char **argv)
{
    int w = argc > 1 ? atoi(argv[1]) : 2048;
    int passes = argc > 2 ? atoi(argv[2]) : 480;
    if (w < 3)
        w = 3;
    size_t n = (size_t)w * w;
    uint8_t *a = malloc(n), *b = malloc(n);
    if (!a || !b) {
        fprintf(stderr, "simd_blur: out of memory\n");
        return 1;
    }
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        a[i] = (uint8_t)(((i % (size_t)w) * 255 / (size_t)w + (x & 63)) & 255);
    }
    for (int p = 0; p < passes; p++) {
        simd_blur_pass(a, b, w, w);
        uint8_t *t = a;
        a = b;
        b = t;
    }
    uint64_t sum = 0;
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        sum += a[i];
        hash = (hash ^ a[i]) * 16777619u;
    }
    printf("simd_blur %d x %d: sum %llu hash %08x\n", w, passes, (unsigned long long)sum,
           (unsigned)hash);
    free(a);
    free(b);
    return 0;
}
