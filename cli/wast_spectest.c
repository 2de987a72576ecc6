/*
 * The spectest host module (see wast_spectest.h). Print functions write one line per
 * argument in the reference interpreter's form, "42 : i32", to stdout.
 */
#include "wast_spectest.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct print_sig {
    const char *name;
    size_t nparams;
    enum waot_valtype params[2];
};

static const struct print_sig print_sigs[WAST_SPECTEST_FUNCS] = {
    {"print", 0, {0, 0}},
    {"print_i32", 1, {WAOT_I32, 0}},
    {"print_i64", 1, {WAOT_I64, 0}},
    {"print_f32", 1, {WAOT_F32, 0}},
    {"print_f64", 1, {WAOT_F64, 0}},
    {"print_i32_f32", 2, {WAOT_I32, WAOT_F32}},
    {"print_f64_f64", 2, {WAOT_F64, WAOT_F64}},
};

static const char *const global_names[WAST_SPECTEST_GLOBALS] = {
    "global_i32", "global_i64", "global_f32", "global_f64",
};

static int print_callback(void *env, const struct waot_val *args, struct waot_val *results,
                          struct waot_error *err)
{
    const struct print_sig *sig = env;
    (void)results;
    (void)err;
    for (size_t i = 0; i < sig->nparams; i++) {
        const struct waot_val *v = &args[i];
        switch (sig->params[i]) {
        case WAOT_I32:
            printf("%" PRId32 " : i32\n", (int32_t)v->of.i32);
            break;
        case WAOT_I64:
            printf("%" PRId64 " : i64\n", (int64_t)v->of.i64);
            break;
        case WAOT_F32: {
            float f;
            memcpy(&f, &v->of.f32_bits, sizeof f);
            printf("%.9g : f32\n", (double)f);
            break;
        }
        case WAOT_F64: {
            double d;
            memcpy(&d, &v->of.f64_bits, sizeof d);
            printf("%.17g : f64\n", d);
            break;
        }
        default:
            break;
        }
    }
    fflush(stdout);
    return 0;
}

int wast_spectest_init(struct wast_spectest *s, struct waot_error *err)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < WAST_SPECTEST_FUNCS; i++) {
        const struct print_sig *sig = &print_sigs[i];
        s->funcs[i] = waot_func_create_host(sig->params, sig->nparams, NULL, 0, print_callback,
                                            (void *)sig, err);
        if (!s->funcs[i])
            goto fail;
    }
    float f32 = 666.6f;
    double f64 = 666.6;
    struct waot_val vals[WAST_SPECTEST_GLOBALS] = {
        {.type = WAOT_I32, .of.i32 = 666},
        {.type = WAOT_I64, .of.i64 = 666},
        {.type = WAOT_F32},
        {.type = WAOT_F64},
    };
    memcpy(&vals[2].of.f32_bits, &f32, sizeof f32);
    memcpy(&vals[3].of.f64_bits, &f64, sizeof f64);
    for (size_t i = 0; i < WAST_SPECTEST_GLOBALS; i++) {
        s->globals[i] = waot_global_create(vals[i], 0, err);
        if (!s->globals[i])
            goto fail;
    }
    s->table = waot_table_create(WAOT_FUNCREF, 10, 20, err);
    if (!s->table)
        goto fail;
    s->memory = waot_memory_create(1, 2, err);
    if (!s->memory)
        goto fail;
    return 0;
fail:
    wast_spectest_fini(s);
    return -1;
}

void wast_spectest_fini(struct wast_spectest *s)
{
    waot_memory_destroy(s->memory);
    waot_table_destroy(s->table);
    for (size_t i = 0; i < WAST_SPECTEST_GLOBALS; i++)
        waot_global_destroy(s->globals[i]);
    for (size_t i = 0; i < WAST_SPECTEST_FUNCS; i++)
        waot_func_destroy_host(s->funcs[i]);
    memset(s, 0, sizeof *s);
}

int wast_spectest_find(const struct wast_spectest *s, const char *name, struct waot_extern *out)
{
    for (size_t i = 0; i < WAST_SPECTEST_FUNCS; i++) {
        if (strcmp(name, print_sigs[i].name) == 0) {
            out->kind = WAOT_EXTERN_FUNC;
            out->of.func = s->funcs[i];
            return 0;
        }
    }
    for (size_t i = 0; i < WAST_SPECTEST_GLOBALS; i++) {
        if (strcmp(name, global_names[i]) == 0) {
            out->kind = WAOT_EXTERN_GLOBAL;
            out->of.global = s->globals[i];
            return 0;
        }
    }
    if (strcmp(name, "table") == 0) {
        out->kind = WAOT_EXTERN_TABLE;
        out->of.table = s->table;
        return 0;
    }
    if (strcmp(name, "memory") == 0) {
        out->kind = WAOT_EXTERN_MEMORY;
        out->of.memory = s->memory;
        return 0;
    }
    return -1;
}
