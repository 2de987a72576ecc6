/*
 * The compiler's progress callback (struct waot_compile_options.progress): the first call
 * reports 0 of the total, counts never go down, the last call reports total of total,
 * calls never overlap (checked with a flag set while inside), and the whole module
 * compiles the same with and without a callback. Modules are built in memory: one with a
 * few small functions, and one large enough to be split into several partitions, compiled
 * on two threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waot/compiler.h"
#include "check.h"

struct seen {
    atomic_int inside;
    int overlaps;
    int calls;
    uint32_t first_done, last_done, total;
    int decreased, total_changed;
};

static void on_progress(void *arg, uint32_t done, uint32_t total)
{
    struct seen *s = arg;
    if (atomic_fetch_add(&s->inside, 1) != 0)
        s->overlaps++;
    if (s->calls == 0) {
        s->first_done = done;
        s->total = total;
    } else {
        s->decreased |= done < s->last_done;
        s->total_changed |= total != s->total;
    }
    s->last_done = done;
    s->calls++;
    atomic_fetch_sub(&s->inside, 1);
}

/* Appends an unsigned LEB128. */
static size_t leb(uint8_t *p, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        p[n++] = b | (v ? 0x80 : 0);
    } while (v);
    return n;
}

/* A module of nfuncs functions () -> i32, each summing `adds` constants. */
static uint8_t *make_module(uint32_t nfuncs, uint32_t adds, size_t *len)
{
    size_t body = 1 + 2 + (size_t)adds * 6 + 1; /* locals, i32.const 0, adds, end */
    size_t cap = 64 + (size_t)nfuncs * (body + 8);
    uint8_t *m = malloc(cap), *p = m;
    if (!m)
        return NULL;
    static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f};
    memcpy(p, head, sizeof head);
    p += sizeof head;
    uint8_t tmp[16];
    size_t fl = leb(tmp, nfuncs);
    *p++ = 3;
    p += leb(p, (uint32_t)(fl + nfuncs));
    p += leb(p, nfuncs);
    memset(p, 0, nfuncs);
    p += nfuncs;
    size_t bl = leb(tmp, (uint32_t)body);
    *p++ = 10;
    p += leb(p, (uint32_t)(fl + nfuncs * (bl + body)));
    p += leb(p, nfuncs);
    for (uint32_t f = 0; f < nfuncs; f++) {
        p += leb(p, (uint32_t)body);
        *p++ = 0;
        *p++ = 0x41;
        *p++ = 0;
        for (uint32_t i = 0; i < adds; i++) {
            *p++ = 0x41; /* i32.const 1000 + i (3-byte LEB) */
            uint32_t c = 1000 + (i % 7000);
            *p++ = (uint8_t)(0x80 | (c & 0x7f));
            *p++ = (uint8_t)(0x80 | ((c >> 7) & 0x7f));
            *p++ = (uint8_t)((c >> 14) & 0x3f);
            *p++ = 0x6a; /* i32.add */
            *p++ = 0x01; /* nop */
        }
        *p++ = 0x0b;
    }
    *len = (size_t)(p - m);
    return m;
}

static void run_case(const char *name, uint32_t nfuncs, uint32_t adds, int threads,
                     int min_calls)
{
    size_t len = 0;
    uint8_t *wasm = make_module(nfuncs, adds, &len);
    const struct waot_compiler *c = waot_compiler_v1();
    struct seen s;
    memset(&s, 0, sizeof s);
    struct waot_compile_options opt = {.opt_level = 0, .threads = threads,
                                       .progress = on_progress, .progress_arg = &s};
    struct waot_error err = {0};
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    int r = wasm ? c->compile(wasm, len, &opt, &a, &alen, &err) : -1;
    CHECK_MSG(r == 0, "%s: compiles with a callback (%s)", name, err.msg);
    CHECK_MSG(s.calls >= min_calls, "%s: called at least %d times (%d)", name, min_calls, s.calls);
    CHECK_MSG(s.first_done == 0, "%s: first call reports 0 done (%u)", name, s.first_done);
    CHECK_MSG(s.total == nfuncs, "%s: total is the function count (%u)", name, s.total);
    CHECK_MSG(s.last_done == s.total, "%s: last call reports all done (%u)", name, s.last_done);
    CHECK_MSG(!s.decreased && !s.total_changed && s.overlaps == 0,
              "%s: monotone, fixed total, no overlap", name);
    opt.progress = NULL;
    opt.progress_arg = NULL;
    r = wasm ? c->compile(wasm, len, &opt, &b, &blen, &err) : -1;
    CHECK_MSG(r == 0 && alen == blen && a && b && memcmp(a, b, alen) == 0,
              "%s: same artifact without a callback", name);
    if (a)
        c->free_artifact(a);
    if (b)
        c->free_artifact(b);
    free(wasm);
}

int main(void)
{
    CHECK_MSG(waot_compiler_v1()->abi == WAOT_COMPILER_ABI && WAOT_COMPILER_ABI >= 2,
              "library reports the ABI with the progress callback");
    run_case("small", 5, 3, 1, 2);             /* start and end */
    run_case("partitioned", 120, 400, 2, 3);   /* ~290 KB of code: several partitions */
    return check_summary("test_compile_progress");
}
