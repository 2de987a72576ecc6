/*
 * stdio and socket calls on descriptors that are not sockets: shutdown on stdout is
 * ENOTSOCK, on a closed descriptor EBADF; stdout is not seekable; stderr accepts writes.
 * Expected stdout: the two lines printed below, then the summary.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasi_check.h"

int main(void)
{
    CHECK_ERRNO(shutdown(STDOUT_FILENO, SHUT_RD), ENOTSOCK);
    CHECK_ERRNO(shutdown(99, SHUT_RDWR), EBADF);
    CHECK_ERRNO(lseek(STDOUT_FILENO, 0, SEEK_SET), ESPIPE);
    CHECK(write(STDOUT_FILENO, "to stdout\n", 10) == 10);
    CHECK(write(STDERR_FILENO, "to stderr\n", 10) == 10);
    char c;
    CHECK_ERRNO(read(STDOUT_FILENO, &c, 1), EBADF);
    CHECK_ERRNO(write(42, "x", 1), EBADF);
    printf("done writing\n");
    return check_done("stdio_sock");
}
