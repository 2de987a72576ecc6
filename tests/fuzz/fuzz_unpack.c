/*
 * libFuzzer target: image_unpack_layer on an arbitrary layer file (tar, tar+gzip or
 * tar+zstd). Each input is unpacked into a fresh BASE/box/root, BASE being
 * /dev/shm/waot-fuzz-unpack (or /tmp/...). Afterwards nothing may have appeared outside the
 * root: BASE holds only layer, box, outside (a canary directory that stays empty) and sentinel
 * (a file whose content stays the same), and box holds only root. The root is then removed.
 * Inputs whose symlinks point at BASE/outside (make_corpus.sh writes some) test escapes.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "image_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_UNPACK_SENTINEL "sentinel: must not change\n"

static char fuzz_unpack_base[128];

static void fuzz_unpack_die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_unpack: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static int fuzz_unpack_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb;
    (void)f;
    if (flag == FTW_DP || flag == FTW_D)
        return rmdir(path) < 0 ? -1 : 0;
    return unlink(path) < 0 ? -1 : 0;
}

static void fuzz_unpack_rm(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) < 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    if (nftw(path, fuzz_unpack_rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
        fuzz_unpack_die("cannot remove", path);
}

static void fuzz_unpack_write(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || (n && write(fd, data, n) != (ssize_t)n) || close(fd) < 0)
        fuzz_unpack_die("cannot write", path);
}

static void fuzz_unpack_init(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char p[256];
    snprintf(fuzz_unpack_base, sizeof fuzz_unpack_base, "%s/waot-fuzz-unpack", base);
    fuzz_unpack_rm(fuzz_unpack_base);
    if (mkdir(fuzz_unpack_base, 0700) < 0)
        fuzz_unpack_die("mkdir", fuzz_unpack_base);
    snprintf(p, sizeof p, "%s/outside", fuzz_unpack_base);
    if (mkdir(p, 0700) < 0)
        fuzz_unpack_die("mkdir", p);
    snprintf(p, sizeof p, "%s/box", fuzz_unpack_base);
    if (mkdir(p, 0700) < 0)
        fuzz_unpack_die("mkdir", p);
    snprintf(p, sizeof p, "%s/sentinel", fuzz_unpack_base);
    fuzz_unpack_write(p, FUZZ_UNPACK_SENTINEL, strlen(FUZZ_UNPACK_SENTINEL));
}

/* Every entry of dir must be one of the allowed names (NULL-terminated). */
static void fuzz_unpack_only(const char *dir, const char *const *allowed)
{
    DIR *d = opendir(dir);
    if (!d)
        fuzz_unpack_die("cannot list", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            ok |= strcmp(e->d_name, allowed[i]) == 0;
        if (!ok) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s/%s appeared outside the unpack root", dir, e->d_name);
            closedir(d);
            fuzz_unpack_die("ESCAPE", msg);
        }
    }
    closedir(d);
}

static void fuzz_unpack_check_outside(void)
{
    char p[256], buf[64];
    static const char *const base_names[] = {"layer", "box", "outside", "sentinel", NULL};
    static const char *const box_names[] = {"root", NULL};
    static const char *const none[] = {NULL};
    fuzz_unpack_only(fuzz_unpack_base, base_names);
    snprintf(p, sizeof p, "%s/box", fuzz_unpack_base);
    fuzz_unpack_only(p, box_names);
    snprintf(p, sizeof p, "%s/outside", fuzz_unpack_base);
    fuzz_unpack_only(p, none);
    snprintf(p, sizeof p, "%s/sentinel", fuzz_unpack_base);
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)strlen(FUZZ_UNPACK_SENTINEL) || memcmp(buf, FUZZ_UNPACK_SENTINEL, (size_t)n))
        fuzz_unpack_die("ESCAPE", "the sentinel file outside the root changed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        fuzz_unpack_init();
        ready = 1;
    }
    char layer[256], root[256];
    snprintf(layer, sizeof layer, "%s/layer", fuzz_unpack_base);
    snprintf(root, sizeof root, "%s/box/root", fuzz_unpack_base);
    fuzz_unpack_write(layer, data, size);
    if (mkdir(root, 0700) < 0)
        fuzz_unpack_die("mkdir", root);
    int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0)
        fuzz_unpack_die("open", root);

    struct image_unpack_limits lim;
    image_unpack_default_limits(&lim);
    lim.max_file = 1u << 20;
    lim.max_total = 4u << 20;
    lim.max_entries = 2000;
    lim.max_path = 1024;
    struct waot_error err = {0};
    int r = image_unpack_layer(root_fd, layer, NULL, &lim, &err);
    close(root_fd);
    if (r < 0 && (err.code == WAOT_OK || err.msg[0] == '\0'))
        fuzz_unpack_die("failure without an error", err.msg);

    fuzz_unpack_check_outside();
    fuzz_unpack_rm(root);
    return 0;
}
