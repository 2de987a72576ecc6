/*
 * File system basics. Run with an empty writable directory preopened as "/":
 * create, write, read, seek, pread/pwrite, stat, truncate, append, directories and
 * readdir (with "." and ".."), rename, hard and symbolic links, unlink, rmdir.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_check.h"

static void test_file(void)
{
    int fd = open("f.txt", O_CREAT | O_EXCL | O_RDWR, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello world", 11) == 11);
    CHECK(lseek(fd, 0, SEEK_CUR) == 11);
    CHECK(lseek(fd, 6, SEEK_SET) == 6);
    char buf[32] = {0};
    CHECK(read(fd, buf, sizeof buf) == 5);
    CHECK(strcmp(buf, "world") == 0);
    CHECK(pwrite(fd, "W", 1, 6) == 1);
    memset(buf, 0, sizeof buf);
    CHECK(pread(fd, buf, 11, 0) == 11);
    CHECK(strcmp(buf, "hello World") == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 11);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode));
    CHECK(ftruncate(fd, 5) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 5);
    CHECK_ERRNO(lseek(fd, -100, SEEK_SET), EINVAL);
    CHECK(close(fd) == 0);
    CHECK_ERRNO(close(fd), EBADF);
    CHECK_ERRNO(open("f.txt", O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
    CHECK_ERRNO(open("missing.txt", O_RDONLY), ENOENT);
    CHECK_ERRNO(open("f.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK_ERRNO(open("f.txt/", O_RDONLY), ENOTDIR);

    fd = open("f.txt", O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    CHECK(write(fd, "!!", 2) == 2);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 7);
    close(fd);
    fd = open("f.txt", O_RDONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(write(fd, "x", 1), EBADF);
    close(fd);
}

static void test_dirs(void)
{
    CHECK(mkdir("d", 0755) == 0);
    CHECK_ERRNO(mkdir("d", 0755), EEXIST);
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "d/entry-with-a-long-name-%02d", i);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        CHECK(fd >= 0);
        close(fd);
    }
    DIR *dir = opendir("d");
    CHECK(dir != NULL);
    int n = 0, dots = 0;
    long mid = -1;
    struct dirent *e;
    while (dir && (e = readdir(dir))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            dots++;
        else
            n++;
        if (n == 10)
            mid = telldir(dir);
    }
    CHECK(n == 20);
    CHECK(dots == 2);
    /* cookies are stable: seeking back replays the same tail */
    if (dir && mid >= 0) {
        seekdir(dir, mid);
        int rest = 0;
        while ((e = readdir(dir)))
            rest++;
        CHECK(rest > 0 && rest <= 12);
    }
    if (dir)
        closedir(dir);
    CHECK_ERRNO(rmdir("d"), ENOTEMPTY);
    CHECK_ERRNO(unlink("d"), EISDIR);
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "d/entry-with-a-long-name-%02d", i);
        CHECK(unlink(name) == 0);
    }
    CHECK(rmdir("d") == 0);
    CHECK_ERRNO(rmdir("d"), ENOENT);
}

static void test_links(void)
{
    CHECK(rename("f.txt", "g.txt") == 0);
    CHECK_ERRNO(open("f.txt", O_RDONLY), ENOENT);
    CHECK(link("g.txt", "h.txt") == 0);
    struct stat st;
    CHECK(stat("h.txt", &st) == 0 && st.st_nlink == 2);
    CHECK(symlink("g.txt", "s.txt") == 0);
    char buf[64] = {0};
    CHECK(readlink("s.txt", buf, sizeof buf) == 5 && strcmp(buf, "g.txt") == 0);
    CHECK(lstat("s.txt", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(stat("s.txt", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 7);
    int fd = open("s.txt", O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(open("s.txt", O_RDONLY | O_NOFOLLOW), ELOOP);
    CHECK(unlink("s.txt") == 0);
    CHECK(unlink("h.txt") == 0);
    CHECK(unlink("g.txt") == 0);
}

int main(void)
{
    test_file();
    test_dirs();
    test_links();
    return check_done("fs_basic");
}
