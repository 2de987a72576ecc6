/*
 * Guest of the containerd shim tests and bench/containerd.sh (built to wasm32-wasi by the
 * build, packed as an image with `waot image build`). One command per run:
 *   echo WORDS...   print the words on one line, exit 0
 *   exit N          print "exiting with N", exit with status N (proc_exit)
 *   trap            print "trapping", then execute `unreachable` (the runner reports 134)
 *   forever         print "running", then sleep one second at a time until killed: the
 *                   long-running task of the kill, exec, restart and memory cases
 *   grow MIB        allocate and touch MIB mebibytes, 1 MiB at a time, printing the total
 *                   every 16 MiB; "grew MIB" at the end (the memory-limit case)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "echo") == 0) {
        for (int i = 2; i < argc; i++)
            printf(i > 2 ? " %s" : "%s", argv[i]);
        putchar('\n');
        return 0;
    }
    if (strcmp(cmd, "exit") == 0 && argc > 2) {
        int code = atoi(argv[2]);
        printf("exiting with %d\n", code);
        fflush(stdout);
        exit(code);
    }
    if (strcmp(cmd, "trap") == 0) {
        puts("trapping");
        fflush(stdout);
        __builtin_trap();
    }
    if (strcmp(cmd, "grow") == 0 && argc > 2) {
        int mib = atoi(argv[2]);
        unsigned sum = 0;
        for (int i = 1; i <= mib; i++) {
            /* volatile: a buffer nobody reads would be optimised away with its memset */
            volatile char *p = malloc(1 << 20);
            if (!p) {
                printf("malloc failed after %d MiB\n", i - 1);
                return 1;
            }
            for (int k = 0; k < (1 << 20); k += 4096)
                p[k] = (char)i;
            sum += (unsigned char)p[(i * 4096) % (1 << 20)];
            if (i % 16 == 0) {
                printf("%d MiB\n", i);
                fflush(stdout);
            }
        }
        printf("grew %d (%u)\n", mib, sum);
        return 0;
    }
    if (strcmp(cmd, "forever") == 0) {
        puts("running");
        fflush(stdout);
        for (;;)
            sleep(1);
    }
    fprintf(stderr, "usage: task.wasm echo WORDS... | exit N | trap | forever | grow MIB\n");
    return 2;
}
