/*
 * Test-only embedder for the hostile-guest suite (tests/security/hostile_test.sh): runs a
 * module the way `waot run` does (launch_run: cache, WASI, confinement, seccomp filter) but
 * with wasi_path_force_walk set, so that every path is resolved by wasi_path.c's own
 * component-by-component walk, the fallback for kernels (or outer seccomp policies) without
 * openat2, instead of openat2's RESOLVE_BENEATH. The escape and race cases run once through
 * each resolver.
 *   walk_run [-v HOST:GUEST[:ro]]... MODULE.wasm [ARG...]
 * Exit: the guest's status; 134 after a trap, 125 when the run could not start.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "waot/waot.h"

/* runtime/wasi/wasi_internal.h: resolve by walking even where openat2 exists */
extern bool wasi_path_force_walk;

#define MAX_VOLUMES 8

int main(int argc, char **argv)
{
    struct launch_volume vols[MAX_VOLUMES];
    size_t nvols = 0;
    int a = 1;
    while (a + 1 < argc && strcmp(argv[a], "-v") == 0 && nvols < MAX_VOLUMES) {
        char *spec = argv[a + 1];
        char *colon = strchr(spec, ':');
        if (!colon) {
            fprintf(stderr, "walk_run: -v HOST:GUEST[:ro]\n");
            return 125;
        }
        *colon = '\0';
        char *guest = colon + 1;
        size_t len = strlen(guest);
        bool ro = len > 3 && strcmp(guest + len - 3, ":ro") == 0;
        if (ro)
            guest[len - 3] = '\0';
        vols[nvols++] = (struct launch_volume){.host_path = spec, .guest_path = guest,
                                               .readonly = ro};
        a += 2;
    }
    if (a >= argc) {
        fprintf(stderr, "usage: walk_run [-v HOST:GUEST[:ro]]... MODULE.wasm [ARG...]\n");
        return 125;
    }
    wasi_path_force_walk = true;
    struct launch_spec spec;
    launch_spec_init(&spec);
    spec.module_path = argv[a];
    spec.argc = argc - a;
    spec.argv = (const char *const *)argv + a;
    spec.volumes = vols;
    spec.nvolumes = nvols;
    struct launch_result *res = malloc(sizeof *res);
    if (!res)
        return 125;
    struct waot_error err = {0};
    int status;
    if (launch_run(&spec, res, &err) == 0) {
        status = res->exit_code;
    } else if (err.code == WAOT_E_TRAP) {
        fflush(stdout);
        fprintf(stderr, "waot: wasm trap: %s\n", waot_trap_message(err.trap));
        status = 134;
    } else {
        fprintf(stderr, "walk_run: %s\n", err.msg);
        status = 125;
    }
    free(res);
    return status;
}
