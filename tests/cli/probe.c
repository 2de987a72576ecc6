/*
 * Guest program for the `waot run` CLI tests (built to wasm32-wasi at test time).
 * Commands, one per argv word pair:
 *   env              print the whole environment, one NAME=value per line
 *   args             print argv, one per line, and stop (later words are just arguments)
 *   cat PATH         print the file's contents
 *   write PATH TEXT  create/truncate PATH with TEXT; on failure print "write failed: <errno
 *                    name>" and exit 3
 *   exit N           exit with status N
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cat(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("cat failed: %s\n", strerror(errno));
        return 2;
    }
    char buf[256];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        printf("write failed: %s\n", strerror(errno));
        return 3;
    }
    printf("wrote %s\n", path);
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        int r = 0;
        if (strcmp(argv[i], "env") == 0) {
            for (char **e = environ; *e; e++)
                printf("%s\n", *e);
        } else if (strcmp(argv[i], "args") == 0) {
            for (int k = 0; k < argc; k++)
                printf("%s\n", argv[k]);
            return 0;
        } else if (strcmp(argv[i], "cat") == 0 && i + 1 < argc) {
            r = cat(argv[++i]);
        } else if (strcmp(argv[i], "write") == 0 && i + 2 < argc) {
            r = write_file(argv[i + 1], argv[i + 2]);
            i += 2;
        } else if (strcmp(argv[i], "exit") == 0 && i + 1 < argc) {
            fflush(stdout);
            exit(atoi(argv[++i]));
        } else {
            printf("unknown command %s\n", argv[i]);
            return 1;
        }
        if (r) {
            fflush(stdout);
            return r;
        }
    }
    return 0;
}
