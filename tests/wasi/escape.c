/*
 * Sandbox escape attempts. Run with an empty writable directory preopened as "/" (the
 * program builds its own symlinks). Every attempt must fail; nothing outside is touched.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_check.h"

int main(void)
{
    struct stat st;
    CHECK(mkdir("sub", 0755) == 0);
    int fd = open("sub/file", O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    close(fd);

    /* ".." above the preopen */
    CHECK_ERRNO(open("../etc/passwd", O_RDONLY), EPERM);
    CHECK_ERRNO(open("sub/../../etc/passwd", O_RDONLY), EPERM);
    CHECK_ERRNO(stat("..", &st), EPERM);
    CHECK_ERRNO(mkdir("../escaped", 0755), EPERM);
    CHECK_ERRNO(open("../escaped.txt", O_CREAT | O_WRONLY, 0644), EPERM);
    /* absolute names resolve inside the sandbox: its root is the preopen */
    CHECK_ERRNO(open("/etc/passwd", O_RDONLY), ENOENT);
    /* absolute symlink targets are refused when created */
    CHECK_ERRNO(symlink("/etc/passwd", "abs"), EPERM);
    /* relative symlinks that climb out cannot be followed */
    CHECK(symlink("../../etc/passwd", "sub/up") == 0);
    CHECK_ERRNO(open("sub/up", O_RDONLY), EPERM);
    CHECK(lstat("sub/up", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK_ERRNO(stat("sub/up", &st), EPERM);
    CHECK(symlink("sub/up", "chain") == 0);
    CHECK_ERRNO(open("chain", O_RDONLY), EPERM);
    CHECK(symlink("..", "sub/parent") == 0);
    CHECK(stat("sub/parent/sub/file", &st) == 0);  /* stays inside: fine */
    CHECK(symlink("../..", "sub/grand") == 0);
    CHECK_ERRNO(open("sub/grand/etc/passwd", O_RDONLY), EPERM);
    CHECK_ERRNO(mkdir("sub/grand/x", 0755), EPERM);
    CHECK_ERRNO(rename("sub/file", "sub/grand/stolen"), EPERM);
    CHECK_ERRNO(link("sub/file", "sub/grand/stolen"), EPERM);
    /* loops */
    CHECK(symlink("loop2", "loop1") == 0);
    CHECK(symlink("loop1", "loop2") == 0);
    CHECK_ERRNO(open("loop1", O_RDONLY), ELOOP);
    CHECK_ERRNO(open("loop1/x", O_RDONLY), ELOOP);
    /* trailing slashes */
    CHECK_ERRNO(open("sub/file/", O_RDONLY), ENOTDIR);
    CHECK_ERRNO(unlink("sub/file/"), ENOTDIR);
    CHECK_ERRNO(stat("sub/file/", &st), ENOTDIR);

    unlink("loop1");
    unlink("loop2");
    unlink("chain");
    unlink("sub/up");
    unlink("sub/parent");
    unlink("sub/grand");
    unlink("sub/file");
    rmdir("sub");
    return check_done("escape");
}
