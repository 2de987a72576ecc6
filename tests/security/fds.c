/* Opens the same file until the host runs out of descriptors: every failure must be the
 * errno EMFILE or ENFILE (the WASI "mfile"/"nfile"), never a crash. Prints how many opened.
 * Then closes them all and checks that opening, reading and writing to stdout work again. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_OPENS 100000

int main(void)
{
    static int fds[MAX_OPENS + 1];
    int n = 0;
    for (;;) {
        int fd = open("/data/f.txt", O_RDONLY);
        if (fd < 0) {
            if (errno != EMFILE && errno != ENFILE) {
                printf("unexpected errno %d (%s) after %d\n", errno, strerror(errno), n);
                return 1;
            }
            printf("emfile after %d opens\n", n);
            break;
        }
        fds[n] = fd;
        if (++n > MAX_OPENS) {
            printf("no limit after %d opens\n", n);
            return 2;
        }
    }
    for (int i = 0; i < n; i++)
        if (close(fds[i]) != 0) {
            printf("close failed: %s\n", strerror(errno));
            return 3;
        }
    int fd = open("/data/f.txt", O_RDONLY);
    char buf[16] = {0};
    if (fd < 0 || read(fd, buf, sizeof buf - 1) <= 0) {
        printf("cannot open after closing: %s\n", strerror(errno));
        return 4;
    }
    printf("after closing: read %s", buf);
    return 0;
}
