/*
 * Hostile guest: tries to change a read-only volume (fd 3, /ro, mounted with `:ro`) in every
 * way preview1 offers, directly, through a directory opened below it, and by way of the
 * writable volume beside it (fd 4, /rw). /ro holds file.txt, d/f.txt and the empty e/;
 * /rw holds w.txt. The documented outcome is EPERM (63) for everything that would change
 * /ro; a file opened read-only refuses writes with EBADF (8). The script compares /ro
 * before and after.
 */
#include "hostile.h"

static const int32_t RO = 3, RW = 4;

#define PATH(s) P(s), LEN(s)

static int32_t open_at(int32_t dir, const char *path, int32_t oflags, uint64_t rights,
                       int32_t fdflags, int32_t *fd)
{
    return raw_path_open(dir, LOOKUP_FOLLOW, PATH(path), oflags, (int64_t)rights,
                         (int64_t)rights, fdflags, P(fd));
}

static void opens(int32_t dir, const char *where)
{
    char name[128];
    int32_t fd;
#define OPEN(what, path, of, rights, ff)                                          \
    do {                                                                          \
        snprintf(name, sizeof name, "%s: %s", where, what);                       \
        check(name, open_at(dir, path, of, rights, ff, &fd), E_PERM);            \
    } while (0)
    OPEN("open for writing", "file.txt", 0, R_FD_WRITE, 0);
    OPEN("open read-write", "file.txt", 0, R_ALL, 0);
    OPEN("create", "new.txt", O_CREAT_, R_FD_READ, 0);
    OPEN("create existing", "file.txt", O_CREAT_, R_FD_READ, 0);
    OPEN("create exclusive", "new.txt", O_CREAT_ | O_EXCL_, R_ALL, 0);
    OPEN("truncate", "file.txt", O_TRUNC_, R_FD_READ, 0);
    OPEN("append", "file.txt", 0, R_FD_READ, FDFLAG_APPEND);
    OPEN("set-size right", "file.txt", 0, R_FILESTAT_SET_SIZE, 0);
#undef OPEN
}

static void name_calls(int32_t dir, const char *where, const char *file, const char *emptydir)
{
    char name[128];
#define CALL(what, expr)                                   \
    do {                                                   \
        snprintf(name, sizeof name, "%s: %s", where, what); \
        check(name, expr, E_PERM);                         \
    } while (0)
    CALL("mkdir", raw_path_create_directory(dir, PATH("newdir")));
    CALL("rmdir", raw_path_remove_directory(dir, PATH(emptydir)));
    CALL("unlink", raw_path_unlink_file(dir, PATH(file)));
    CALL("rename inside", raw_path_rename(dir, PATH(file), dir, PATH("moved")));
    CALL("symlink", raw_path_symlink(PATH("x"), dir, PATH("newlink")));
    CALL("hard link inside", raw_path_link(dir, 0, PATH(file), dir, PATH("hard")));
    CALL("set_times follow", raw_path_filestat_set_times(dir, LOOKUP_FOLLOW, PATH(file), 0, 0, 4));
    CALL("set_times nofollow", raw_path_filestat_set_times(dir, 0, PATH(file), 0, 0, 4));
    CALL("set_times now", raw_path_filestat_set_times(dir, 0, PATH(file), 0, 0, 10));
#undef CALL
}

int main(void)
{
    opens(RO, "ro");
    name_calls(RO, "ro", "file.txt", "e");
    /* across volumes: nothing may move out of /ro or into it, and no hard link made in /rw
     * may give write access to a file of /ro */
    check("rename ro to rw", raw_path_rename(RO, PATH("file.txt"), RW, PATH("taken")), E_PERM);
    check("rename rw to ro", raw_path_rename(RW, PATH("w.txt"), RO, PATH("planted")), E_PERM);
    check("hard link ro file into rw", raw_path_link(RO, 0, PATH("file.txt"), RW,
          PATH("writable-alias")), E_PERM);
    check("hard link rw file into ro", raw_path_link(RW, 0, PATH("w.txt"), RO, PATH("planted")),
          E_PERM);
    int32_t fd;
    check("open writable-alias", open_at(RW, "writable-alias", 0, R_ALL, 0, &fd), E_NOENT);

    /* a file opened for reading: every write path is closed */
    int32_t f = -1;
    check("open for reading", open_at(RO, "file.txt", 0, R_READ, 0, &f), 0);
    char data[] = "PWNED";
    int32_t iov[2] = {P(data), 5}, n = 0;
    check("fd_write", raw_fd_write(f, P(iov), 1, P(&n)), E_BADF);
    check("fd_pwrite", raw_fd_pwrite(f, P(iov), 1, 0, P(&n)), E_BADF);
    check("fd_filestat_set_size", raw_fd_filestat_set_size(f, 0), E_PERM);
    check("fd_filestat_set_times", raw_fd_filestat_set_times(f, 0, 0, 4), E_PERM);
    check("fd_fdstat_set_flags append", raw_fd_fdstat_set_flags(f, FDFLAG_APPEND), E_PERM);
    check("fd_allocate", raw_fd_allocate(f, 0, 4096), E_NOTSUP);
    check("fd_fdstat_set_rights cannot grow", raw_fd_fdstat_set_rights(f, (int64_t)R_ALL,
          (int64_t)R_ALL), E_NOTCAPABLE);
    raw_fd_close(f);
    /* the preopen itself as a descriptor */
    check("set_times on the preopen", raw_fd_filestat_set_times(RO, 0, 0, 4), E_PERM);

    /* a directory opened below the read-only volume is read-only too */
    int32_t d = -1;
    check("open subdirectory", open_at(RO, "d", O_DIRECTORY_, R_ALL, 0, &d), 0);
    opens(d, "ro/d");
    name_calls(d, "ro/d", "f.txt", "../e");

    /* renumbering moves entries, not rights: the writable volume stays writable, the
     * read-only one read-only wherever it lands */
    check("renumber ro onto stdin", raw_fd_renumber(RO, 0), 0);
    check("renumbered ro still read-only", raw_path_create_directory(0, PATH("newdir")), E_PERM);

    /* the writable volume next to it works, so the refusals above come from :ro */
    check("rw create", open_at(RW, "made.txt", O_CREAT_, R_ALL, 0, &fd), 0);
    return finish();
}
