/*
 * Finds and loads the compiler library (libwaot_compiler.so) with dlopen, so that the
 * `waot` executable itself never links LLVM. Search order: $WAOT_COMPILER_LIB, the
 * directory of the running executable, then ../lib/waot/ relative to it.
 */
#ifndef WAOT_LAUNCH_COMPILER_LOAD_H
#define WAOT_LAUNCH_COMPILER_LOAD_H

#include "waot/compiler.h"

struct compiler_load {
    void *handle;                       /* dlopen handle; owned, released by compiler_load_close */
    const struct waot_compiler *api;    /* table inside the library */
    char path[4096];                    /* where it was found */
};

/* Loads the library and checks its ABI; -1 with WAOT_E_USAGE/WAOT_E_ARTIFACT and a message
 * naming the paths tried when it is missing or incompatible. */
int compiler_load_open(struct compiler_load *cl, struct waot_error *err);
void compiler_load_close(struct compiler_load *cl);

#endif
