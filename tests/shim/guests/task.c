/*
 * Guest of the containerd shim tests and bench/containerd.sh (built to wasm32-wasi by the
 * build, packed as an image with `waot image build`). One command per run:
 *   echo WORDS...   print the words on one line, exit 0
 *   exit N          print "exiting with N", exit with status N (proc_exit)
 *   trap            print "trapping", then execute `unreachable` (the runner reports 134)
 *   forever         print "running", then sleep one second at a time until killed: the
 *                   long-running task of the kill, exec, restart and memory cases
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
    if (strcmp(cmd, "forever") == 0) {
        puts("running");
        fflush(stdout);
        for (;;)
            sleep(1);
    }
    fprintf(stderr, "usage: task.wasm echo WORDS... | exit N | trap | forever\n");
    return 2;
}
