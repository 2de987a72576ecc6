/*
 * Test-only embedder for the seccomp test (tests/security/security_test.sh): runs a
 * precompiled artifact like `waot run` does (same confinement step, launch_limits_apply),
 * but also offers the guest test-only imports that make system calls directly:
 * waot_test.forbidden_syscall calls socket(2), which the filter forbids;
 * waot_test.kill_self calls kill(getpid(), 0), which it allows (raise/abort need it), and
 * waot_test.kill_other calls kill(getppid(), 0), which it forbids: together they check the
 * pid the filter compares against. They exist only in this test program; the waot
 * executable never links them.
 *   seccomp_probe [--unconfined] ARTIFACT.waot
 * The guest's exported "run" calls one import and returns its result. Exit: 0 after
 * printing "NAME: ok" (socket, kill_self or kill_other) when the call worked, 1 after
 * "NAME: failed", 2 on a usage or setup error; the filter itself ends the process with
 * 159 and "waot: seccomp: blocked system call socket" (or kill).
 */
#include <signal.h>
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

/* The pids kill_probe signals, read before the filter (which forbids getppid). */
static pid_t self_pid, parent_pid;

/* kill(pid, 0): sends nothing, only checks; env points to the pid */
static int kill_probe(void *env, const struct waot_val *args, struct waot_val *results,
                      struct waot_error *err)
{
    (void)args;
    (void)err;
    pid_t pid = *(const pid_t *)env;
    results[0].type = WAOT_I32;
    results[0].of.i32 = (uint32_t)kill(pid, 0);
    return 0;
}

static const struct {
    const char *name;     /* the import's name in module waot_test */
    const char *label;    /* what the probe prints */
    waot_host_callback fn;
    pid_t *env;
} probes[] = {
    {"forbidden_syscall", "socket", forbidden_syscall, NULL},
    {"kill_self", "kill_self", kill_probe, &self_pid},
    {"kill_other", "kill_other", kill_probe, &parent_pid},
};
#define NPROBES (sizeof probes / sizeof probes[0])

int main(int argc, char **argv)
{
    struct launch_spec spec;
    launch_spec_init(&spec);
    self_pid = getpid();
    parent_pid = getppid();
    int a = 1;
    if (argc == 2 && strcmp(argv[1], "--sanitized") == 0) {
        /* The filter of an AddressSanitizer build allows kill and tgkill to any process
         * (LeakSanitizer's exit-time check needs them): the pid test must know. */
#if defined(__SANITIZE_ADDRESS__)
        puts("yes");
#else
        puts("no");
#endif
        return 0;
    }
    if (a < argc && strcmp(argv[a], "--unconfined") == 0) {
        spec.seccomp_unconfined = true;
        a++;
    }
    if (a + 1 != argc) {
        fprintf(stderr, "usage: seccomp_probe [--unconfined] ARTIFACT.waot | --sanitized\n");
        return 2;
    }
    struct waot_error err = {0};
    struct waot_module *m = waot_module_open(argv[a], &err);
    if (!m) {
        fprintf(stderr, "seccomp_probe: %s\n", err.msg);
        return 2;
    }
    enum waot_valtype i32 = WAOT_I32;
    struct waot_func *funcs[NPROBES] = {0};
    size_t n = waot_module_import_count(m);
    struct waot_extern imports[NPROBES];
    const char *label = NULL;
    if (n != 1) {
        fprintf(stderr, "seccomp_probe: the module must import exactly one probe\n");
        return 2;
    }
    const char *mod, *name;
    enum waot_extern_kind kind;
    waot_module_import(m, 0, &mod, &name, &kind);
    for (size_t k = 0; k < NPROBES; k++) {
        if (strcmp(mod, "waot_test") != 0 || strcmp(name, probes[k].name) != 0)
            continue;
        funcs[k] = waot_func_create_host(NULL, 0, &i32, 1, probes[k].fn, probes[k].env,
                                         &err);
        if (!funcs[k]) {
            fprintf(stderr, "seccomp_probe: %s\n", err.msg);
            return 2;
        }
        imports[0] = (struct waot_extern){.kind = WAOT_EXTERN_FUNC, .of.func = funcs[k]};
        label = probes[k].label;
    }
    if (!label) {
        fprintf(stderr, "seccomp_probe: unknown import %s.%s\n", mod, name);
        return 2;
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
    int r = (int32_t)result.of.i32;
    printf("%s: %s\n", label, r >= 0 ? "ok" : "failed");
    fflush(stdout);
    waot_instance_destroy(inst);
    for (size_t k = 0; k < NPROBES; k++)
        waot_func_destroy_host(funcs[k]);
    waot_module_close(m);
    return r >= 0 ? 0 : 1;
}
