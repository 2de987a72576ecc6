/*
 * Hostile guest for the race cases: resolves the same paths thousands of times while a
 * host-side helper (flip.c) keeps changing the preopen under it. The canaries outside hold
 * "SECRET"; the files the paths name inside hold "INSIDE". A read that returns anything but
 * "INSIDE" is an escape; every failure must be one of the errnos a lookup may see while the
 * tree changes (EPERM: the path led out and was refused; ENOENT: the directory was away;
 * EAGAIN: the kernel saw a rename during a `..` and the retries ran out).
 *   race symlink N: pre/x is a directory one moment, a symlink to ".." or to the absolute
 *                   host directory the next; opens x/secret.txt.
 *   race rename N:  pre/a/b moves to HOST/park/b and back; opens a/b/../../inside.txt,
 *                   which would read HOST/inside.txt if `..` followed the moved directory.
 * Alongside each read, it tries a write that the host side would notice had it landed
 * outside: truncating, setting the mtime to 0, creating a file and a directory.
 * Prints the outcome counts, then "0 failures" when nothing escaped.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "hostile.h"

static const int32_t PRE = 3;

static unsigned counts[80];

static void count(int32_t r)
{
    if (r >= 0 && r < 80)
        counts[r]++;
    if (r != 0 && r != E_PERM && r != E_NOENT && r != 6 /* EAGAIN */) {
        printf("FAIL unexpected errno %d\n", (int)r);
        failures++;
    }
}

static void read_once(const char *path)
{
    int32_t fd = -1;
    int32_t r = raw_path_open(PRE, LOOKUP_FOLLOW, P(path), LEN(path), 0, (int64_t)R_READ,
                              (int64_t)R_READ, 0, P(&fd));
    count(r);
    if (r != 0)
        return;
    char buf[32];
    int32_t iov[2] = {P(buf), sizeof buf - 1};
    int32_t n = 0;
    if (raw_fd_read(fd, P(iov), 1, P(&n)) != 0 || n < 0)
        n = 0;
    buf[n] = 0;
    raw_fd_close(fd);
    if (strcmp(buf, "INSIDE\n") != 0) {
        printf("FAIL read \"%s\" through %s\n", buf, path);
        failures++;
    }
}

static void write_once(const char *trunc, const char *touch, const char *create,
                       const char *dir)
{
    int32_t fd = -1;
    int32_t r = raw_path_open(PRE, LOOKUP_FOLLOW, P(trunc), LEN(trunc), O_TRUNC_,
                              (int64_t)R_ALL, (int64_t)R_ALL, 0, P(&fd));
    count(r);
    if (r == 0)
        raw_fd_close(fd);
    count(raw_path_filestat_set_times(PRE, LOOKUP_FOLLOW, P(touch), LEN(touch), 0, 0, 4));
    r = raw_path_open(PRE, LOOKUP_FOLLOW, P(create), LEN(create), O_CREAT_, (int64_t)R_ALL,
                      (int64_t)R_ALL, 0, P(&fd));
    count(r);
    if (r == 0)
        raw_fd_close(fd);
    r = raw_path_create_directory(PRE, P(dir), LEN(dir));
    if (r == E_EXIST)
        r = 0;
    count(r);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        printf("usage: race symlink|rename N\n");
        return 100;
    }
    int n = atoi(argv[2]);
    bool sym = strcmp(argv[1], "symlink") == 0;
    for (int i = 0; i < n; i++) {
        if (sym) {
            read_once("x/secret.txt");
            if (i % 8 == 0)
                write_once("x/trunc.txt", "x/secret.txt", "x/pwned-file", "x/pwned-dir");
        } else {
            read_once("a/b/../../inside.txt");
            if (i % 8 == 0)
                write_once("a/b/../../trunc.txt", "a/b/../../inside.txt",
                           "a/b/../../pwned-file", "a/b/../../pwned-dir");
        }
    }
    for (int e = 0; e < 80; e++)
        if (counts[e])
            printf("errno %d: %u\n", e, counts[e]);
    return finish();
}
