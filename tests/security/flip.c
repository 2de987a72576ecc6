/*
 * Host-side helper of the race cases in hostile_test.sh: keeps changing a preopen while a
 * guest resolves paths through it, until killed (or after LIMIT seconds, so that it never
 * outlives a test that died).
 *   flip exchange LIMIT NAME ALT...  swaps NAME with each ALT in turn and back
 *                                    (renameat2 RENAME_EXCHANGE: NAME always exists, as
 *                                    a directory one moment and a symlink the next)
 *   flip move LIMIT FROM TO          renames FROM to TO and back (a directory leaving the
 *                                    preopen and coming back)
 * Prints how many changes it made when it stops.
 */
#define _GNU_SOURCE /* renameat2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static int exchange(const char *a, const char *b)
{
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int main(int argc, char **argv)
{
    if (argc < 5 || (strcmp(argv[1], "exchange") != 0 && strcmp(argv[1], "move") != 0)) {
        fprintf(stderr, "usage: flip exchange LIMIT NAME ALT... | flip move LIMIT FROM TO\n");
        return 2;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    time_t end = time(NULL) + atoi(argv[2]);
    unsigned long changes = 0;
    while (!stop && time(NULL) < end) {
        for (int i = 4; i < argc && !stop; i++) {
            for (int k = 0; k < 1000 && !stop; k++) {
                int r1, r2;
                if (argv[1][0] == 'e') {
                    r1 = exchange(argv[3], argv[i]);
                    r2 = exchange(argv[3], argv[i]);
                } else {
                    r1 = rename(argv[3], argv[4]);
                    r2 = rename(argv[4], argv[3]);
                }
                if (r1 != 0 || r2 != 0) {
                    fprintf(stderr, "flip: %s\n", strerror(errno));
                    return 1;
                }
                changes += 2;
            }
            if (argv[1][0] == 'm')
                break;
        }
    }
    printf("flip: %lu changes\n", changes);
    return 0;
}
