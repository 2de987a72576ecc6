/*
 * A read-only preopen. Run with a directory holding f.txt (any content) preopened read-only
 * as "/": reading works, every change is refused with EPERM (as wasmtime does).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_check.h"

int main(void)
{
    int fd = open("f.txt", O_RDONLY);
    CHECK(fd >= 0);
    char buf[16];
    CHECK(read(fd, buf, sizeof buf) >= 0);
    CHECK_ERRNO(write(fd, "x", 1), EBADF);
    close(fd);
    DIR *d = opendir(".");
    CHECK(d != NULL);
    if (d)
        closedir(d);
    CHECK_ERRNO(open("f.txt", O_WRONLY), EPERM);
    CHECK_ERRNO(open("f.txt", O_RDWR), EPERM);
    CHECK_ERRNO(open("f.txt", O_RDONLY | O_TRUNC), EPERM);
    CHECK_ERRNO(open("new.txt", O_CREAT | O_WRONLY, 0644), EPERM);
    CHECK_ERRNO(mkdir("newdir", 0755), EPERM);
    CHECK_ERRNO(unlink("f.txt"), EPERM);
    CHECK_ERRNO(rename("f.txt", "g.txt"), EPERM);
    CHECK_ERRNO(symlink("f.txt", "s.txt"), EPERM);
    CHECK_ERRNO(link("f.txt", "h.txt"), EPERM);
    CHECK_ERRNO(truncate("f.txt", 0), EPERM);
    struct stat st;
    CHECK(stat("f.txt", &st) == 0 && S_ISREG(st.st_mode));
    return check_done("readonly");
}
