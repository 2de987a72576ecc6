/* Opens the same file until the host runs out of descriptors: every failure must be the
 * errno EMFILE or ENFILE (the WASI "mfile"/"nfile"), never a crash. Prints how many opened. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    int n = 0;
    for (;;) {
        int fd = open("/data/f.txt", O_RDONLY);
        if (fd < 0) {
            if (errno != EMFILE && errno != ENFILE) {
                printf("unexpected errno %d (%s) after %d\n", errno, strerror(errno), n);
                return 1;
            }
            printf("emfile after %d opens\n", n);
            return 0;
        }
        if (++n > 100000) {
            printf("no limit after %d opens\n", n);
            return 2;
        }
    }
}
