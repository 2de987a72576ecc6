/*
 * Test-only embedder for the seccomp test (tests/security/security_test.sh): runs a
 * precompiled artifact like `waot run` does (same confinement step, launch_limits_apply),
 * but also offers the guest the import waot_test.forbidden_syscall, which calls socket(2),
 * a system call the filter forbids. It exists only in this test program; the waot
 * executable never links it.
 *   seccomp_probe [--unconfined] ARTIFACT.waot
 * Exit: what the guest's _start does; 0 after printing "socket: ok" when the call worked,
 * 1 when it failed, 2 on a usage or setup error; the filter itself ends the process with
 * 159 and "waot: seccomp: blocked system call socket".
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launch_internal.h"
#include "waot/waot.h"

static int forbidden_syscall(void *env, const struct waot_val *args, struct waot_val *results,
                             struct waot_error *err)
{
    (void)env;
    (void)args;
    (void)err;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    results[0].type = WAOT_I32;
    results[0].of.i32 = (uint32_t)fd;
    if (fd >= 0)
        close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    struct launch_spec spec;
    launch_spec_init(&spec);
    int a = 1;
    if (a < argc && strcmp(argv[a], "--unconfined") == 0) {
        spec.seccomp_unconfined = true;
        a++;
    }
    if (a + 1 != argc) {
        fprintf(stderr, "usage: seccomp_probe [--unconfined] ARTIFACT.waot\n");
        return 2;
    }
    struct waot_error err = {0};
    struct waot_module *m = waot_module_open(argv[a], &err);
    if (!m) {
        fprintf(stderr, "seccomp_probe: %s\n", err.msg);
        return 2;
    }
    enum waot_valtype i32 = WAOT_I32;
    struct waot_func *probe =
        waot_func_create_host(NULL, 0, &i32, 1, forbidden_syscall, NULL, &err);
    size_t n = waot_module_import_count(m);
    struct waot_extern imports[4];
    if (!probe || n > 4) {
        fprintf(stderr, "seccomp_probe: setup failed\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        const char *mod, *name;
        enum waot_extern_kind kind;
        waot_module_import(m, i, &mod, &name, &kind);
        if (strcmp(mod, "waot_test") != 0 || strcmp(name, "forbidden_syscall") != 0) {
            fprintf(stderr, "seccomp_probe: unknown import %s.%s\n", mod, name);
            return 2;
        }
        imports[i] = (struct waot_extern){.kind = WAOT_EXTERN_FUNC, .of.func = probe};
    }
    if (launch_limits_apply(&spec, &err) < 0) {
        fprintf(stderr, "seccomp_probe: %s\n", err.msg);
        return 2;
    }
    struct waot_instance *inst = waot_instance_create(m, imports, n, &err);
    struct waot_extern start;
    if (!inst || waot_instance_export_find(inst, "run", &start) < 0) {
        fprintf(stderr, "seccomp_probe: cannot instantiate: %s\n", err.msg);
        return 2;
    }
    struct waot_val result;
    if (waot_func_call(start.of.func, NULL, 0, &result, 1, &err) < 0) {
        fprintf(stderr, "seccomp_probe: %s\n", err.msg);
        return 2;
    }
    int fd = (int32_t)result.of.i32;
    printf("socket: %s\n", fd >= 0 ? "ok" : "failed");
    fflush(stdout);
    waot_instance_destroy(inst);
    waot_func_destroy_host(probe);
    waot_module_close(m);
    return fd >= 0 ? 0 : 1;
}
