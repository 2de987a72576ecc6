/*
 * containerd-shim-waot-v1: the containerd runtime v2 shim of waot (runtime name
 * io.containerd.waot.v1). containerd runs it as `... start` (daemonise, print the socket
 * address) and `... delete` (clean up after a task); the daemon then serves the task
 * service over ttrpc. The same binary, with SHIM_RUNNER_ARG first, is the process of each
 * task (shim_runner.c).
 */
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim_cli.h"
#include "shim_proc.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: containerd-shim-waot-v1 -namespace NS -address ADDRESS -id ID "
            "[-publish-binary PATH] [-bundle DIR] [-debug] start|delete\n"
            "containerd runs this program; see the README (\"Use with containerd, Docker "
            "and Kubernetes\").\n");
}

/* containerd's opt plugin sets LD_LIBRARY_PATH="<dir>/lib:" and the empty entry means "the
 * current directory": every exec of a runner would then look for libc in the bundle first.
 * Drop empty entries once, before anything is started. */
static void clean_library_path(void)
{
    const char *v = getenv("LD_LIBRARY_PATH");
    if (!v)
        return;
    size_t n = strlen(v);
    char *out = malloc(n + 1);
    if (!out)
        return;
    size_t k = 0;
    for (const char *p = v; *p;) {
        size_t len = strcspn(p, ":");
        if (len > 0) {
            if (k > 0)
                out[k++] = ':';
            memcpy(out + k, p, len);
            k += len;
        }
        p += len;
        if (*p == ':')
            p++;
    }
    out[k] = 0;
    if (k == 0)
        unsetenv("LD_LIBRARY_PATH");
    else if (k != n)
        setenv("LD_LIBRARY_PATH", out, 1);
    free(out);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], SHIM_RUNNER_ARG) == 0)
        return shim_runner_main(argc, argv);
    clean_library_path();

    struct shim_flags f = {.ns = "default"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            f.action = a;
            continue;
        }
        /* Go's flag package: -name, --name, -name=value or -name value. */
        const char *name = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const char *value = eq ? eq + 1 : NULL;
        const char **slot = NULL;
        if (nlen == 5 && strncmp(name, "debug", 5) == 0) {
            f.debug = !value || strcmp(value, "false") != 0;
            continue;
        }
        if (nlen == 9 && strncmp(name, "namespace", 9) == 0)
            slot = &f.ns;
        else if (nlen == 7 && strncmp(name, "address", 7) == 0)
            slot = &f.address;
        else if (nlen == 14 && strncmp(name, "publish-binary", 14) == 0)
            slot = &f.publish_binary;
        else if (nlen == 2 && strncmp(name, "id", 2) == 0)
            slot = &f.id;
        else if (nlen == 6 && strncmp(name, "bundle", 6) == 0)
            slot = &f.bundle;
        else if ((nlen == 1 && name[0] == 'h') || (nlen == 4 && strncmp(name, "help", 4) == 0)) {
            usage();
            return 0;
        } else if (nlen == 7 && strncmp(name, "version", 7) == 0) {
            printf("containerd-shim-waot-v1 (waot) %s\n", WAOT_VERSION);
            return 0;
        }
        if (!value && slot && i + 1 < argc)
            value = argv[++i];
        else if (!value && !slot && i + 1 < argc && argv[i + 1][0] != '-' &&
                 strcmp(argv[i + 1], "start") != 0 && strcmp(argv[i + 1], "delete") != 0)
            i++;   /* an unknown flag's value: newer containerds add flags; skip them */
        if (slot)
            *slot = value;
    }
    if (!f.action) {
        usage();
        return 2;
    }
    /* containerd passes nothing beyond 0-2, but descriptors leaked into containerd by its own
     * parent reach us too: none of them may live on in the daemon or in a task. */
    syscall(SYS_close_range, 3u, ~0u, 0u);
    if (strcmp(f.action, "start") == 0)
        return shim_action_start(&f);
    if (strcmp(f.action, "delete") == 0)
        return shim_action_delete(&f);
    fprintf(stderr, "containerd-shim-waot-v1: unknown action %s\n", f.action);
    return 2;
}
