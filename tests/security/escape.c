/*
 * Hostile guest: every way out of a preopen that the path calls offer. Run with the
 * preopen as fd 3 over HOST/pre, where HOST (argv[1], the absolute host path) also holds
 * the canaries secret.txt ("SECRET") and outdir/, and pre/ holds inside.txt ("INSIDE"),
 * sub/deeper/ and the symlinks security_test.sh makes (see case path_escape there).
 * Every escape must fail with the documented errno: EPERM (63) for `..` above the start,
 * absolute paths and symlinks leading out, ELOOP (32) for loops and for O_NOFOLLOW on a
 * symlink; nothing may be read from, written to or created outside. The script checks the
 * host side afterwards.
 */
#include "hostile.h"

static const int32_t PRE = 3;

static void read_fd(int32_t fd, char *buf, size_t cap)
{
    int32_t iov[2] = {P(buf), (int32_t)cap - 1};
    int32_t n = 0;
    if (raw_fd_read(fd, P(iov), 1, P(&n)) != 0 || n < 0)
        n = 0;
    buf[n] = 0;
}

static int32_t open_at(int32_t dir, int32_t dirflags, const char *path, int32_t len,
                       int32_t oflags, uint64_t rights, int32_t *fd)
{
    return raw_path_open(dir, dirflags, P(path), len, oflags, (int64_t)rights, (int64_t)rights,
                         0, P(fd));
}

/* An open that must fail with want; if it succeeds, what it reached is printed. */
static void open_fails(const char *name, int32_t dir, int32_t dirflags, const char *path,
                       int32_t oflags, uint64_t rights, int32_t want)
{
    int32_t fd = -1;
    int32_t r = open_at(dir, dirflags, path, LEN(path), oflags, rights, &fd);
    if (r == 0) {
        char buf[64];
        read_fd(fd, buf, sizeof buf);
        printf("FAIL %s: opened %s (reads \"%s\"), expected errno %d\n", name, path, buf,
               (int)want);
        failures++;
        raw_fd_close(fd);
        return;
    }
    check(name, r, want);
}

/* An open that stays inside and must read "INSIDE". */
static void open_reads_inside(const char *name, int32_t dir, int32_t dirflags, const char *path)
{
    int32_t fd = -1;
    int32_t r = open_at(dir, dirflags, path, LEN(path), 0, R_READ, &fd);
    if (r != 0) {
        check(name, r, 0);
        return;
    }
    char buf[64];
    read_fd(fd, buf, sizeof buf);
    raw_fd_close(fd);
    if (strcmp(buf, "INSIDE\n") == 0) {
        printf("ok %s\n", name);
    } else {
        printf("FAIL %s: read \"%s\"\n", name, buf);
        failures++;
    }
}

static void dotdot(const char *host)
{
    static const char *const paths[] = {
        "..", "../", "../secret.txt", "../../../../../../../../../../etc/passwd",
        "sub/../../secret.txt", "sub/deeper/../../../secret.txt", "./../secret.txt",
        "sub//..//..//secret.txt", "sub/./deeper/./../../..", "../pre/inside.txt",
        "sub/deeper/../../../outdir/file.txt",
    };
    char name[160];
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        snprintf(name, sizeof name, "dotdot %s", paths[i]);
        open_fails(name, PRE, LOOKUP_FOLLOW, paths[i], 0, R_READ, E_PERM);
    }
    open_reads_inside("dotdot inside sub/../inside.txt", PRE, 0, "sub/../inside.txt");
    open_reads_inside("dotdot inside sub/deeper/../../inside.txt", PRE, 0,
                      "sub/deeper/../../inside.txt");
    /* absolute paths, including the host's real path and the preopen's own guest name */
    char abs_secret[512];
    snprintf(abs_secret, sizeof abs_secret, "%s/secret.txt", host);
    const char *const abs[] = {"/", "/etc/passwd", "//etc/passwd", "/pre/inside.txt",
                               abs_secret};
    for (size_t i = 0; i < sizeof abs / sizeof abs[0]; i++) {
        snprintf(name, sizeof name, "absolute %s", abs[i]);
        open_fails(name, PRE, LOOKUP_FOLLOW, abs[i], 0, R_READ, E_PERM);
    }
    /* a directory opened below the preopen is a boundary of its own */
    int32_t sub = -1;
    check("open sub", open_at(PRE, 0, "sub", 3, O_DIRECTORY_, R_ALL, &sub), 0);
    open_fails("dotdot from sub ../inside.txt", sub, 0, "../inside.txt", 0, R_READ, E_PERM);
    open_fails("dotdot from sub deeper/../../inside.txt", sub, 0, "deeper/../../inside.txt", 0,
               R_READ, E_PERM);
    raw_fd_close(sub);
}

static void symlinks(void)
{
    static const char *const out[] = {
        "abs_file", "abs_dir/secret.txt", "rel_file", "rel_dir/secret.txt",
        "chain/secret.txt", "sub/up2/secret.txt", "proc_root/etc/passwd", "rel_file/",
        "abs_dir/outdir/file.txt",
    };
    char name[160];
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        snprintf(name, sizeof name, "symlink out %s", out[i]);
        open_fails(name, PRE, LOOKUP_FOLLOW, out[i], 0, R_READ, E_PERM);
    }
    /* symlinks in the middle of a path are followed even without LOOKUP_FOLLOW */
    open_fails("symlink out, intermediate, nofollow", PRE, 0, "rel_dir/secret.txt", 0, R_READ,
               E_PERM);
    open_fails("symlink out, trailing slash, nofollow", PRE, 0, "rel_dir/", 0, R_READ, E_PERM);
    open_fails("symlink nofollow is ELOOP", PRE, 0, "rel_file", 0, R_READ, E_LOOP);
    open_reads_inside("symlink inward", PRE, LOOKUP_FOLLOW, "inward");
    /* writing through links that lead out */
    open_fails("symlink out O_TRUNC", PRE, LOOKUP_FOLLOW, "rel_file", O_TRUNC_, R_ALL, E_PERM);
    open_fails("symlink out O_CREAT dangling rel", PRE, LOOKUP_FOLLOW, "dangling_rel", O_CREAT_,
               R_ALL, E_PERM);
    open_fails("symlink out O_CREAT dangling abs", PRE, LOOKUP_FOLLOW, "dangling_abs", O_CREAT_,
               R_ALL, E_PERM);
    open_fails("symlink O_CREAT nofollow", PRE, 0, "dangling_rel", O_CREAT_, R_ALL, E_LOOP);
    open_fails("symlink out O_DIRECTORY", PRE, LOOKUP_FOLLOW, "rel_dir", O_DIRECTORY_, R_ALL,
               E_PERM);
    /* loops */
    open_fails("symlink loop", PRE, LOOKUP_FOLLOW, "loop_a", 0, R_READ, E_LOOP);
    open_fails("symlink loop intermediate", PRE, 0, "loop_a/x", 0, R_READ, E_LOOP);
    open_fails("symlink self loop", PRE, LOOKUP_FOLLOW, "self/x", 0, R_READ, E_LOOP);
}

static void path_calls(const char *host)
{
    uint8_t st[64];
#define PATH(s) P(s), LEN(s)
    check("filestat_get follow out", raw_path_filestat_get(PRE, LOOKUP_FOLLOW, PATH("rel_file"),
                                                           P(st)), E_PERM);
    check("filestat_get ../", raw_path_filestat_get(PRE, 0, PATH("../secret.txt"), P(st)),
          E_PERM);
    check("filestat_get nofollow link itself", raw_path_filestat_get(PRE, 0, PATH("rel_file"),
                                                                     P(st)), 0);
    check("filestat_get nofollow is a symlink", st[16], 7);
    /* set mtime to 0 through links that lead out: the canary's mtime must stay */
    check("set_times follow out", raw_path_filestat_set_times(PRE, LOOKUP_FOLLOW,
          PATH("rel_file"), 0, 0, 4), E_PERM);
    check("set_times ../", raw_path_filestat_set_times(PRE, 0, PATH("../secret.txt"), 0, 0, 4),
          E_PERM);
    check("set_times abs_dir/", raw_path_filestat_set_times(PRE, 0, PATH("abs_dir/secret.txt"),
          0, 0, 4), E_PERM);
    check("set_times nofollow touches the link only",
          raw_path_filestat_set_times(PRE, 0, PATH("rel_file"), 0, 0, 4), 0);
    char buf[600];
    int32_t used = 0;
    check("readlink ../", raw_path_readlink(PRE, PATH("../x"), P(buf), sizeof buf, P(&used)),
          E_PERM);
    check("readlink through link out", raw_path_readlink(PRE, PATH("rel_dir/x"), P(buf),
          sizeof buf, P(&used)), E_PERM);
    check("readlink rel_dir/", raw_path_readlink(PRE, PATH("rel_dir/"), P(buf), sizeof buf,
          P(&used)), E_PERM);
    check("readlink reads link text", raw_path_readlink(PRE, PATH("abs_file"), P(buf),
          sizeof buf, P(&used)), 0);
    char want[600];
    snprintf(want, sizeof want, "%s/secret.txt", host);
    check("readlink text", used == LEN(want) && memcmp(buf, want, (size_t)used) == 0, 1);
    static const char *const mk[] = {"../pwned-dir", "rel_dir/pwned-dir", "abs_dir/pwned-dir",
                                     "/tmp/pwned-dir", "sub/up2/pwned-dir"};
    char name[160];
    for (size_t i = 0; i < sizeof mk / sizeof mk[0]; i++) {
        snprintf(name, sizeof name, "mkdir %s", mk[i]);
        check(name, raw_path_create_directory(PRE, PATH(mk[i])), E_PERM);
    }
    check("unlink ../secret.txt", raw_path_unlink_file(PRE, PATH("../secret.txt")), E_PERM);
    check("unlink rel_dir/secret.txt", raw_path_unlink_file(PRE, PATH("rel_dir/secret.txt")),
          E_PERM);
    check("unlink abs_dir/outdir/file.txt",
          raw_path_unlink_file(PRE, PATH("abs_dir/outdir/file.txt")), E_PERM);
    check("rmdir ../outdir", raw_path_remove_directory(PRE, PATH("../outdir")), E_PERM);
    check("rmdir rel_dir/outdir", raw_path_remove_directory(PRE, PATH("rel_dir/outdir")),
          E_PERM);
    check("rmdir a symlink to outside", raw_path_remove_directory(PRE, PATH("rel_dir")),
          E_NOTDIR);
    check("rename out", raw_path_rename(PRE, PATH("inside.txt"), PRE, PATH("../pwned-ren")),
          E_PERM);
    check("rename in", raw_path_rename(PRE, PATH("../secret.txt"), PRE, PATH("stolen")),
          E_PERM);
    check("rename via link", raw_path_rename(PRE, PATH("inside.txt"), PRE,
          PATH("rel_dir/pwned-ren")), E_PERM);
    check("rename outdir in", raw_path_rename(PRE, PATH("abs_dir/outdir"), PRE, PATH("stolen")),
          E_PERM);
    /* hard links: neither source nor target may lie outside */
    check("link outside file in", raw_path_link(PRE, 0, PATH("../secret.txt"), PRE,
          PATH("stolen")), E_PERM);
    check("link via abs link in", raw_path_link(PRE, 0, PATH("abs_dir/secret.txt"), PRE,
          PATH("stolen")), E_PERM);
    check("link inside file out", raw_path_link(PRE, 0, PATH("inside.txt"), PRE,
          PATH("../pwned-link")), E_PERM);
    check("link following a symlink", raw_path_link(PRE, LOOKUP_FOLLOW, PATH("rel_file"), PRE,
          PATH("stolen")), E_INVAL);
    check("link the symlink itself", raw_path_link(PRE, 0, PATH("rel_file"), PRE,
          PATH("link_copy")), 0);
    open_fails("open the linked symlink", PRE, LOOKUP_FOLLOW, "link_copy", 0, R_READ, E_PERM);
    /* symlinks made by the guest */
    check("symlink absolute target", raw_path_symlink(PATH("/etc/passwd"), PRE,
          PATH("new_abs")), E_PERM);
    check("symlink relative target out", raw_path_symlink(PATH("../secret.txt"), PRE,
          PATH("new_rel")), 0);
    open_fails("open own symlink out", PRE, LOOKUP_FOLLOW, "new_rel", 0, R_READ, E_PERM);
    check("symlink placed outside", raw_path_symlink(PATH("x"), PRE, PATH("../pwned-sym")),
          E_PERM);
#undef PATH
}

static void malformed(void)
{
    /* longer than PATH_MAX */
    static char longp[5001];
    for (int i = 0; i < 5000; i += 2)
        memcpy(longp + i, "a/", 2);
    int32_t fd;
    check("path too long", open_at(PRE, 0, longp, 5000, 0, R_READ, &fd), E_NAMETOOLONG);
    /* 1300 `..` components (3900 bytes, within PATH_MAX) */
    static char ups[4000];
    for (int i = 0; i < 3900; i += 3)
        memcpy(ups + i, "../", 3);
    check("many ..", open_at(PRE, 0, ups, 3900, 0, R_READ, &fd), E_PERM);
    static const char nul[] = "inside.txt\0../secret.txt";
    check("embedded NUL", open_at(PRE, 0, nul, sizeof nul - 1, 0, R_READ, &fd), E_INVAL);
    check("ill-formed UTF-8", open_at(PRE, 0, "\xff\xfe", 2, 0, R_READ, &fd), E_ILSEQ);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        printf("usage: escape HOSTDIR\n");
        return 100;
    }
    /* Only stdio and the preopen exist: the host's own descriptors (the artifact, the cache,
     * the timer) are unreachable. */
    int bad = 0;
    for (int32_t fd = 4; fd < 1100; fd++) {
        uint8_t st[24];
        if (raw_fd_fdstat_get(fd, P(st)) != E_BADF)
            bad++;
    }
    check("host descriptors unreachable", bad, 0);
    dotdot(argv[1]);
    symlinks();
    path_calls(argv[1]);
    malformed();
    /* once closed, the preopen is gone for good */
    check("close preopen", raw_fd_close(PRE), 0);
    int32_t fd;
    check("path_open on closed preopen", open_at(PRE, 0, "inside.txt", 10, 0, R_READ, &fd),
          E_BADF);
    return finish();
}
