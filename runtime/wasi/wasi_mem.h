/*
 * Guest linear memory access for WASI calls: every pointer and length coming from the
 * guest is checked against the memory size before use (out of range => EFAULT), and
 * values are read and written little-endian at any alignment. The view is refreshed at
 * the start of each host call (memory may have grown since the previous one).
 */
#ifndef WAOT_WASI_MEM_H
#define WAOT_WASI_MEM_H

#include <stdint.h>
#include <string.h>

struct wasi_mem {
    uint8_t *base;   /* NULL before wasi_set_memory */
    uint64_t size;   /* bytes */
};

/* The host address of guest [off, off+len), or NULL when any byte of it is out of range. */
static inline uint8_t *wasi_mem_ptr(const struct wasi_mem *m, uint32_t off, uint64_t len)
{
    if (!m->base || (uint64_t)off > m->size || len > m->size - off)
        return NULL;
    return m->base + off;
}

static inline uint16_t wasi_mem_ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t wasi_mem_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t wasi_mem_ld64(const uint8_t *p)
{
    return (uint64_t)wasi_mem_ld32(p) | (uint64_t)wasi_mem_ld32(p + 4) << 32;
}

static inline void wasi_mem_st8(uint8_t *p, uint8_t v)
{
    p[0] = v;
}

static inline void wasi_mem_st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void wasi_mem_st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void wasi_mem_st64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Stores v at guest offset off; returns 0 or WASI EFAULT (21). */
static inline uint32_t wasi_mem_put32(const struct wasi_mem *m, uint32_t off, uint32_t v)
{
    uint8_t *p = wasi_mem_ptr(m, off, 4);
    if (!p)
        return 21;
    wasi_mem_st32(p, v);
    return 0;
}

static inline uint32_t wasi_mem_put64(const struct wasi_mem *m, uint32_t off, uint64_t v)
{
    uint8_t *p = wasi_mem_ptr(m, off, 8);
    if (!p)
        return 21;
    wasi_mem_st64(p, v);
    return 0;
}

#endif
