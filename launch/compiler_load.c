/*
 * dlopen of the compiler library. The `waot` executable links only the runtime; LLVM comes
 * in with libwaot_compiler.so when, and only when, something must be compiled. The library
 * is opened with RTLD_NODELETE so that LLVM's static destructors never run after an unload.
 */
#include "compiler_load.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#define COMPILER_LIB_NAME "libwaot_compiler.so"

/* Directory of the running executable, without a trailing slash; -1 if unknown. */
static int exe_dir(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0 || (size_t)n >= len - 1)
        return -1;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

/* Tries one path. 1: loaded; 0: no such file (keep looking); -1: present but unusable. */
static int try_path(struct compiler_load *cl, const char *path, struct waot_error *err)
{
    if (access(path, F_OK) != 0)
        return 0;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!h) {
        const char *why = dlerror();
        waot_fail(err, WAOT_E_IO, "cannot load compiler library %s: %s", path, why ? why : "?");
        return -1;
    }
    dlerror();
    const struct waot_compiler *(*entry)(void) = NULL;
    *(void **)&entry = dlsym(h, WAOT_COMPILER_SYMBOL);
    if (!entry) {
        dlclose(h);
        waot_fail(err, WAOT_E_IO, "compiler library %s has no symbol %s", path, WAOT_COMPILER_SYMBOL);
        return -1;
    }
    const struct waot_compiler *api = entry();
    if (!api || api->abi != WAOT_COMPILER_ABI || !api->validate || !api->compile || !api->free_artifact) {
        dlclose(h);
        waot_fail(err, WAOT_E_INTERNAL, "compiler library %s has ABI %d, this waot needs %d", path,
                  api ? api->abi : -1, WAOT_COMPILER_ABI);
        return -1;
    }
    cl->handle = h;
    cl->api = api;
    snprintf(cl->path, sizeof cl->path, "%s", path);
    return 1;
}

int compiler_load_open(struct compiler_load *cl, struct waot_error *err)
{
    memset(cl, 0, sizeof *cl);
    const char *env = getenv("WAOT_COMPILER_LIB");
    if (env && *env) {
        int r = try_path(cl, env, err);
        if (r == 0)
            return waot_fail(err, WAOT_E_IO, "compiler library %s (from WAOT_COMPILER_LIB) not found", env);
        return r > 0 ? 0 : -1;
    }
    char dir[PATH_MAX];
    if (exe_dir(dir, sizeof dir) < 0)
        return waot_fail(err, WAOT_E_IO, "cannot find the waot executable's directory; set WAOT_COMPILER_LIB");
    char first[PATH_MAX + 64], second[PATH_MAX + 64];
    snprintf(first, sizeof first, "%s/%s", dir, COMPILER_LIB_NAME);
    snprintf(second, sizeof second, "%s/../lib/waot/%s", dir, COMPILER_LIB_NAME);
    const char *paths[] = {first, second};
    for (size_t i = 0; i < 2; i++) {
        int r = try_path(cl, paths[i], err);
        if (r != 0)
            return r > 0 ? 0 : -1;
    }
    return waot_fail(err, WAOT_E_IO, "compiler library not found (tried %s and %s); set WAOT_COMPILER_LIB",
                     first, second);
}

void compiler_load_close(struct compiler_load *cl)
{
    if (cl->handle)
        dlclose(cl->handle);
    cl->handle = NULL;
    cl->api = NULL;
}
