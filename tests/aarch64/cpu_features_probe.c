/*
 * cpu_features_probe: asks the runtime's CPU feature check (runtime/cpu_features.c) about a
 * feature list, the way the artifact loader does, so that run_aarch64.sh can check the
 * aarch64 HWCAP mapping under qemu CPU models with and without a feature.
 *   cpu_features_probe "+feat,+feat"
 * Prints "arch ARCH" and "missing LIST" (empty when none); exit 0 when every feature is
 * present, 1 when some is missing, 2 on bad usage.
 */
#include <stdio.h>

#include "cpu_features.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cpu_features_probe +FEATURE[,+FEATURE...]\n");
        return 2;
    }
    char missing[256];
    int rc = cpu_features_check(argv[1], missing, sizeof missing);
    printf("arch %s\nmissing %s\n", cpu_features_arch(), missing);
    return rc == 0 ? 0 : 1;
}
