/*
 * Unit tests for cache/: directory location and creation (0700), refusal of directories
 * and entries others can write, module digests against known SHA-256 vectors, the digest
 * memo (hit, ctime change, content change, untrusted memo), publish and lookup, listing,
 * compile locks under 8 concurrent processes (one compile, all succeed), discarding a
 * truncated entry, cache_obtain, and removal of leftovers of crashed processes. Everything happens under a mkdtemp directory removed at the end.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "check.h"

static char root[256];

static void path_in(char *buf, size_t size, const char *rel)
{
    snprintf(buf, size, "%s/%s", root, rel);
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len)
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
    if (fd >= 0)
        close(fd);
}

static int read_file(const char *path, uint8_t *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size);
    close(fd);
    return (int)n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int hex_is(const uint8_t d[CACHE_KEY_SIZE], const char *expect)
{
    char hex[CACHE_HEX_SIZE];
    cache_hex(d, hex);
    return strcmp(hex, expect) == 0;
}

/* ---- location and directory trust ---- */

static void test_resolve(void)
{
    char buf[CACHE_PATH_MAX], expect[512];
    struct waot_error err = { 0 };
    setenv("WAOT_CACHE_DIR", "/some/where/", 1);
    CHECK(cache_dir_resolve(buf, sizeof buf, &err) == 0 && strcmp(buf, "/some/where") == 0);
    unsetenv("WAOT_CACHE_DIR");
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    setenv("HOME", "/home/someone", 1);
    CHECK(cache_dir_resolve(buf, sizeof buf, &err) == 0);
    CHECK(strcmp(buf, geteuid() == 0 ? "/var/lib/waot/cache" : "/xdg/waot") == 0);
    setenv("XDG_CACHE_HOME", "relative", 1); /* ignored, as the XDG spec says */
    CHECK(cache_dir_resolve(buf, sizeof buf, &err) == 0);
    CHECK(strcmp(buf, geteuid() == 0 ? "/var/lib/waot/cache" : "/home/someone/.cache/waot") == 0);
    unsetenv("XDG_CACHE_HOME");
    path_in(expect, sizeof expect, "c/a/b");
    setenv("WAOT_CACHE_DIR", expect, 1);
}

static void test_create(void)
{
    struct cache c;
    struct waot_error err = { 0 };
    char path[512];
    CHECK(cache_open(&c, &err) == 0);
    path_in(path, sizeof path, "c/a/b");
    CHECK(strcmp(c.dir, path) == 0);
    const char *subs[] = { "c/a", "c/a/b", "c/a/b/artifacts", "c/a/b/digests" };
    for (size_t i = 0; i < 4; i++) {
        struct stat st;
        path_in(path, sizeof path, subs[i]);
        CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
    }
    cache_close(&c);
    cache_close(&c); /* twice is harmless */
    /* reopening an existing directory works */
    CHECK(cache_open(&c, &err) == 0);
    cache_close(&c);
}

static void test_refuse_dir(void)
{
    struct cache c;
    struct waot_error err = { 0 };
    char path[512];
    path_in(path, sizeof path, "gw");
    mkdir(path, 0700);
    chmod(path, 0770);
    CHECK(cache_open_dir(&c, path, &err) == -1);
    CHECK(err.code == WAOT_E_IO && strstr(err.msg, path) && strstr(err.msg, "writable"));
    cache_close(&c); /* harmless after a failed open */
    chmod(path, 0700);
    CHECK(cache_open_dir(&c, path, &err) == 0);
    cache_close(&c);
    /* a subdirectory others can write is refused too */
    path_in(path, sizeof path, "gw/artifacts");
    chmod(path, 0707);
    path_in(path, sizeof path, "gw");
    err.msg[0] = 0;
    CHECK(cache_open_dir(&c, path, &err) == -1);
    CHECK(strstr(err.msg, "artifacts") && strstr(err.msg, "writable"));
    /* a directory of another user is refused (only root can set that up) */
    if (geteuid() == 0) {
        path_in(path, sizeof path, "other");
        mkdir(path, 0700);
        CHECK(chown(path, 65534, 65534) == 0);
        CHECK(cache_open_dir(&c, path, &err) == -1);
        CHECK(err.code == WAOT_E_IO && strstr(err.msg, path) && strstr(err.msg, "uid 65534"));
    }
    /* a file where the directory should be */
    path_in(path, sizeof path, "afile");
    write_file(path, "x", 1);
    CHECK(cache_open_dir(&c, path, &err) == -1 && err.code == WAOT_E_IO && strstr(err.msg, path));
}

/* ---- digests ---- */

static void test_digest_vectors(void)
{
    struct cache c;
    struct waot_error err = { 0 };
    char path[512];
    uint8_t d[CACHE_KEY_SIZE];
    CHECK(cache_open(&c, &err) == 0);
    path_in(path, sizeof path, "abc.wasm");
    write_file(path, "abc", 3);
    CHECK(cache_module_digest(&c, path, d, &err) == 0);
    CHECK(hex_is(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    path_in(path, sizeof path, "empty.wasm");
    write_file(path, "", 0);
    CHECK(cache_module_digest(&c, path, d, &err) == 0);
    CHECK(hex_is(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    /* larger than one read chunk: one million 'a' is a standard vector */
    size_t n = 1000000;
    char *big = malloc(n);
    memset(big, 'a', n);
    path_in(path, sizeof path, "million.wasm");
    write_file(path, big, n);
    free(big);
    CHECK(cache_module_digest(&c, path, d, &err) == 0);
    CHECK(hex_is(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    CHECK(cache_sha256("abc", 3, d) == 0 &&
          hex_is(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    path_in(path, sizeof path, "missing.wasm");
    CHECK(cache_module_digest(&c, path, d, &err) == -1 && err.code == WAOT_E_IO &&
          strstr(err.msg, path));
    uint8_t back[CACHE_KEY_SIZE];
    char hex[CACHE_HEX_SIZE];
    cache_hex(d, hex);
    CHECK(cache_hex_parse(hex, back) == 0 && memcmp(back, d, sizeof d) == 0);
    CHECK(cache_hex_parse("abc", back) == -1);
    cache_close(&c);
}

static void test_digest_memo(void)
{
    struct cache c;
    struct waot_error err = { 0 };
    char path[512];
    uint8_t d1[CACHE_KEY_SIZE], d2[CACHE_KEY_SIZE], want[CACHE_KEY_SIZE];
    CHECK(cache_open(&c, &err) == 0);
    path_in(path, sizeof path, "memo.wasm");
    write_file(path, "module-one", 10);

    /* a file changed just now is not memoised (a write in the same tick would go unseen) */
    CHECK(cache_module_digest(&c, path, d1, &err) == 0);
    CHECK(cache_module_digest(&c, path, d2, &err) == 0);
    CHECK(c.stats.digest_hashed == 2 && c.stats.digest_memo_hits == 0);

    c.memo_racy_ns = 0;
    CHECK(cache_module_digest(&c, path, d1, &err) == 0); /* hashes and memoises */
    CHECK(cache_module_digest(&c, path, d2, &err) == 0); /* from the memo */
    CHECK(c.stats.digest_hashed == 3 && c.stats.digest_memo_hits == 1);
    CHECK(memcmp(d1, d2, sizeof d1) == 0);
    cache_sha256("module-one", 10, want);
    CHECK(memcmp(d2, want, sizeof want) == 0);

    /* same size, mtime set back: only ctime tells, and it must */
    struct stat before, after;
    stat(path, &before);
    sleep_ms(30);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0 && pwrite(fd, "MODULE-TWO", 10, 0) == 10);
    struct timespec times[2] = { before.st_atim, before.st_mtim };
    CHECK(futimens(fd, times) == 0);
    close(fd);
    stat(path, &after);
    CHECK(after.st_size == before.st_size && after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
          after.st_mtim.tv_nsec == before.st_mtim.tv_nsec && after.st_ino == before.st_ino);
    CHECK(cache_module_digest(&c, path, d1, &err) == 0);
    CHECK(c.stats.digest_hashed == 4);
    cache_sha256("MODULE-TWO", 10, want);
    CHECK(memcmp(d1, want, sizeof want) == 0);
    CHECK(cache_module_digest(&c, path, d2, &err) == 0 && memcmp(d2, want, sizeof want) == 0);
    CHECK(c.stats.digest_memo_hits == 2);

    /* a modified file (new size) gets a new digest */
    sleep_ms(30);
    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    CHECK(fd >= 0 && write(fd, "!", 1) == 1);
    close(fd);
    CHECK(cache_module_digest(&c, path, d1, &err) == 0);
    cache_sha256("MODULE-TWO!", 11, want);
    CHECK(memcmp(d1, want, sizeof want) == 0 && c.stats.digest_hashed == 5);

    /* a memo others could have written is ignored */
    struct stat st;
    stat(path, &st);
    char memo[CACHE_PATH_MAX + 100];
    snprintf(memo, sizeof memo, "%s/digests/%llx-%llx.memo", c.dir, (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    CHECK(access(memo, F_OK) == 0);
    CHECK(chmod(memo, 0666) == 0);
    CHECK(cache_module_digest(&c, path, d2, &err) == 0 && memcmp(d2, want, sizeof want) == 0);
    CHECK(c.stats.digest_hashed == 6);
    /* a garbled memo is not used either */
    write_file(memo, "waot-digest-memo 1\ngarbage\n", 27);
    CHECK(cache_module_digest(&c, path, d2, &err) == 0 && memcmp(d2, want, sizeof want) == 0);
    CHECK(c.stats.digest_hashed == 7);
    cache_close(&c);
}

static void test_identity_key(void)
{
    char id1[512], id2[512];
    struct waot_error err = { 0 };
    struct waot_compile_options o = { .opt_level = 2 };
    CHECK(cache_identity(NULL, id1, sizeof id1, &err) == 0);
    CHECK(strstr(id1, WAOT_VERSION) && strstr(id1, "-unknown-linux-gnu") && strstr(id1, "opt 2"));
    CHECK(cache_identity(&o, id2, sizeof id2, &err) == 0 && strcmp(id1, id2) == 0);
    o.opt_level = 3;
    CHECK(cache_identity(&o, id2, sizeof id2, &err) == 0 && strcmp(id1, id2) != 0);
    o.opt_level = 2;
    o.triple = "aarch64-unknown-linux-gnu";
    CHECK(cache_identity(&o, id2, sizeof id2, &err) == 0 && strcmp(id1, id2) != 0);
    CHECK(cache_identity(NULL, id2, 10, &err) == -1 && err.code == WAOT_E_USAGE);

    uint8_t d[CACHE_KEY_SIZE] = { 1 }, k1[CACHE_KEY_SIZE], k2[CACHE_KEY_SIZE];
    CHECK(cache_key(d, id1, k1, &err) == 0 && cache_key(d, id1, k2, &err) == 0);
    CHECK(memcmp(k1, k2, sizeof k1) == 0);
    CHECK(cache_key(d, "waot 0.0.0", k2, &err) == 0 && memcmp(k1, k2, sizeof k1) != 0);
    d[31] = 1;
    CHECK(cache_key(d, id1, k2, &err) == 0 && memcmp(k1, k2, sizeof k1) != 0);
}

/* ---- entries ---- */

static int count_entries(const struct cache_entry_info *e, void *arg)
{
    int *n = arg;
    (*n)++;
    if (e->key[0] != 0xab || !e->trusted || e->size != 5 || !strstr(e->path, e->hex))
        (*n) += 1000;
    return 0;
}

static int count_names(const char *dir, const char *part)
{
    int n = 0;
    char cmd[CACHE_PATH_MAX + 100];
    snprintf(cmd, sizeof cmd, "ls -A %s", dir);
    FILE *p = popen(cmd, "r");
    char line[512];
    while (p && fgets(line, sizeof line, p))
        n += strstr(line, part) != NULL;
    if (p)
        pclose(p);
    return n;
}

static void test_publish_lookup(void)
{
    struct cache c;
    struct waot_error err = { 0 };
    char path[CACHE_PATH_MAX], dir[CACHE_PATH_MAX + 16];
    uint8_t key[CACHE_KEY_SIZE], buf[64];
    memset(key, 0xab, sizeof key);
    CHECK(cache_open(&c, &err) == 0);
    snprintf(dir, sizeof dir, "%s/artifacts", c.dir);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 0);
    CHECK(cache_publish(&c, key, (const uint8_t *)"hello", 5, &err) == 0);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 1);
    CHECK(read_file(path, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_uid == geteuid());
    CHECK(count_names(dir, ".tmp") == 0);
    int n = 0;
    CHECK(cache_foreach(&c, count_entries, &n, &err) == 0 && n == 1);

    /* replaced atomically by a second publish */
    CHECK(cache_publish(&c, key, (const uint8_t *)"world", 5, &err) == 0);
    CHECK(read_file(path, buf, sizeof buf) == 5 && memcmp(buf, "world", 5) == 0);

    /* untrusted entries are misses */
    chmod(path, 0620);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 0);
    chmod(path, 0602);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 0);
    chmod(path, 0600);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 1);
    if (geteuid() == 0) { /* another user's entry is never ours to run */
        CHECK(chown(path, 65534, 65534) == 0);
        CHECK(cache_lookup(&c, key, path, sizeof path) == 0);
        CHECK(chown(path, 0, 0) == 0);
        CHECK(cache_lookup(&c, key, path, sizeof path) == 1);
    }
    CHECK(truncate(path, 0) == 0);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 0);
    unlink(path);
    CHECK(symlink("/etc/passwd", path) == 0);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 0);
    /* publishing replaces what was there */
    CHECK(cache_publish(&c, key, (const uint8_t *)"again", 5, &err) == 0);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 1);
    CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
    CHECK(cache_publish(&c, key, NULL, 0, &err) == -1 && strstr(err.msg, c.dir));

    CHECK(cache_discard(&c, key, &err) == 0);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 0);
    CHECK(cache_discard(&c, key, &err) == 0); /* absent is fine */
    n = 0;
    CHECK(cache_foreach(&c, count_entries, &n, &err) == 0 && n == 0);

    /* a stale lock file (left by a crash) does not block, and unlock removes it */
    char hex[CACHE_HEX_SIZE], lockpath[CACHE_PATH_MAX + 100];
    cache_hex(key, hex);
    snprintf(lockpath, sizeof lockpath, "%s/%s.lock", dir, hex);
    write_file(lockpath, "", 0);
    struct cache_lock lk;
    CHECK(cache_lock(&c, key, &lk, &err) == 0 && lk.fd >= 0);
    cache_unlock(&c, &lk);
    CHECK(lk.fd == -1 && access(lockpath, F_OK) != 0);
    cache_unlock(&c, &lk); /* not held: nothing */
    cache_close(&c);
}

/* ---- concurrent first runs ---- */

#define NCHILD 8
#define ARTIFACT "artifact-bytes-for-the-shared-key"

static int child_build(void *arg, uint8_t **out, size_t *len, struct waot_error *err)
{
    const char *counter = arg;
    int fd = open(counter, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, "c", 1) != 1)
        return waot_fail(err, WAOT_E_IO, "counter %s", counter);
    close(fd);
    sleep_ms(150);
    *out = (uint8_t *)ARTIFACT;
    *len = sizeof ARTIFACT;
    return 0;
}

/* Odd children go through cache_obtain, even ones spell the sequence out. */
static int child_run(int index, const uint8_t key[CACHE_KEY_SIZE], const char *counter)
{
    if (index % 2) {
        struct cache c;
        struct waot_error err = { 0 };
        char path[CACHE_PATH_MAX];
        uint8_t buf[128];
        struct cache_builder b = { child_build, NULL, (void *)counter };
        if (cache_open(&c, &err) < 0 || cache_obtain(&c, key, &b, path, sizeof path, &err) < 0)
            return 16;
        int n = read_file(path, buf, sizeof buf);
        cache_close(&c);
        return n == (int)sizeof ARTIFACT && memcmp(buf, ARTIFACT, sizeof ARTIFACT) == 0 ? 0 : 17;
    }
    struct cache c;
    struct waot_error err = { 0 };
    char path[CACHE_PATH_MAX];
    uint8_t buf[128];
    if (cache_open(&c, &err) < 0)
        return 10;
    if (cache_lookup(&c, key, path, sizeof path) == 0) {
        struct cache_lock lk;
        if (cache_lock(&c, key, &lk, &err) < 0)
            return 11;
        if (cache_lookup(&c, key, path, sizeof path) == 0) {
            int fd = open(counter, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
            if (fd < 0 || write(fd, "c", 1) != 1)
                return 12;
            close(fd);
            sleep_ms(150); /* "compiling": the others pile up on the lock */
            if (cache_publish(&c, key, (const uint8_t *)ARTIFACT, sizeof ARTIFACT, &err) < 0)
                return 13;
        }
        cache_unlock(&c, &lk);
        if (cache_lookup(&c, key, path, sizeof path) == 0)
            return 14;
    }
    int n = read_file(path, buf, sizeof buf);
    cache_close(&c);
    return n == (int)sizeof ARTIFACT && memcmp(buf, ARTIFACT, sizeof ARTIFACT) == 0 ? 0 : 15;
}

static void test_concurrent(void)
{
    uint8_t key[CACHE_KEY_SIZE];
    char counter[512];
    memset(key, 0x5c, sizeof key);
    path_in(counter, sizeof counter, "compiles");
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t pids[NCHILD];
    for (int i = 0; i < NCHILD; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char ch;
            close(go[1]);
            if (read(go[0], &ch, 1) != 0) /* wait until the parent closes: all start together */
                _exit(20);
            _exit(child_run(i, key, counter));
        }
    }
    close(go[0]);
    close(go[1]);
    int ok = 0;
    for (int i = 0; i < NCHILD; i++) {
        int status;
        if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status)) {
            if (WEXITSTATUS(status) == 0)
                ok++;
            else
                fprintf(stderr, "child %d exited %d\n", i, WEXITSTATUS(status));
        }
    }
    CHECK(ok == NCHILD);
    uint8_t buf[64];
    CHECK(read_file(counter, buf, sizeof buf) == 1); /* compiled exactly once */
    struct cache c;
    struct waot_error err = { 0 };
    CHECK(cache_open(&c, &err) == 0);
    char dir[CACHE_PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/artifacts", c.dir);
    CHECK(count_names(dir, ".lock") == 0 && count_names(dir, ".tmp") == 0);
    cache_close(&c);
}

/* ---- a truncated entry is detected, discarded and rebuilt ---- */

/* Stand-in for the artifact loader: 8-byte length, then that many bytes. */
static int fake_load(const char *path)
{
    uint8_t buf[256];
    int n = read_file(path, buf, sizeof buf);
    if (n < 8)
        return -1;
    uint64_t len;
    memcpy(&len, buf, 8);
    return len == (uint64_t)n - 8 ? 0 : -1;
}

static void test_truncated(void)
{
    struct cache c;
    struct waot_error err = { 0 };
    char path[CACHE_PATH_MAX];
    uint8_t key[CACHE_KEY_SIZE], art[8 + 40];
    memset(key, 0x77, sizeof key);
    uint64_t len = 40;
    memcpy(art, &len, 8);
    memset(art + 8, 0xcc, 40);
    CHECK(cache_open(&c, &err) == 0);
    CHECK(cache_publish(&c, key, art, sizeof art, &err) == 0);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 1 && fake_load(path) == 0);
    CHECK(truncate(path, 20) == 0);
    int rebuilt = 0;
    if (cache_lookup(&c, key, path, sizeof path) == 1 && fake_load(path) < 0) {
        CHECK(cache_discard(&c, key, &err) == 0);
        CHECK(cache_lookup(&c, key, path, sizeof path) == 0);
        CHECK(cache_publish(&c, key, art, sizeof art, &err) == 0);
        rebuilt = 1;
    }
    CHECK(rebuilt);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 1 && fake_load(path) == 0);
    cache_close(&c);
}

/* ---- cache_obtain in one process ---- */

struct build_state {
    int calls;
    int fail;
};

static int test_build(void *arg, uint8_t **out, size_t *len, struct waot_error *err)
{
    struct build_state *st = arg;
    st->calls++;
    if (st->fail)
        return waot_fail(err, WAOT_E_COMPILE, "module.wasm: compile failed");
    *out = malloc(6);
    memcpy(*out, "built!", 6);
    *len = 6;
    return 0;
}

static void test_release(void *arg, uint8_t *buf)
{
    (void)arg;
    free(buf);
}

static void test_obtain(void)
{
    struct cache c;
    struct waot_error err = { 0 };
    char path[CACHE_PATH_MAX], dir[CACHE_PATH_MAX + 16];
    uint8_t key[CACHE_KEY_SIZE], buf[16];
    memset(key, 0x31, sizeof key);
    struct build_state st = { 0, 1 };
    struct cache_builder b = { test_build, test_release, &st };
    CHECK(cache_open(&c, &err) == 0);
    snprintf(dir, sizeof dir, "%s/artifacts", c.dir);
    CHECK(cache_obtain(&c, key, &b, path, sizeof path, &err) == -1);
    CHECK(err.code == WAOT_E_COMPILE && strstr(err.msg, "compile failed") && st.calls == 1);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 0 && count_names(dir, ".lock") == 0);
    st.fail = 0;
    CHECK(cache_obtain(&c, key, &b, path, sizeof path, &err) == 0 && st.calls == 2);
    CHECK(read_file(path, buf, sizeof buf) == 6 && memcmp(buf, "built!", 6) == 0);
    CHECK(cache_obtain(&c, key, &b, path, sizeof path, &err) == 1 && st.calls == 2);
    CHECK(count_names(dir, ".lock") == 0 && count_names(dir, ".tmp") == 0);
    cache_close(&c);
}

/* ---- leftovers of crashed processes ---- */

static void make_old(int dir_fd, const char *name)
{
    struct timespec now, t[2];
    clock_gettime(CLOCK_REALTIME, &now);
    t[0] = t[1] = (struct timespec){ now.tv_sec - 7200, 0 };
    int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    utimensat(dir_fd, name, t, AT_SYMLINK_NOFOLLOW);
}

static void test_gc(void)
{
    struct cache c;
    struct waot_error err = { 0 };
    char path[CACHE_PATH_MAX], dir[CACHE_PATH_MAX + 16], hex[CACHE_HEX_SIZE], name[100];
    uint8_t key[CACHE_KEY_SIZE], held_key[CACHE_KEY_SIZE];
    memset(key, 0x42, sizeof key);
    memset(held_key, 0x43, sizeof held_key);
    CHECK(cache_open(&c, &err) == 0);
    snprintf(dir, sizeof dir, "%s/artifacts", c.dir);
    CHECK(cache_publish(&c, key, (const uint8_t *)"entry", 5, &err) == 0);
    cache_hex(key, hex);
    snprintf(name, sizeof name, "%s.waot", hex);
    make_old(c.artifacts_fd, name);                    /* entries are not leftovers */
    snprintf(name, sizeof name, "%s.lock", hex);
    make_old(c.artifacts_fd, name);                    /* unheld, old: goes */
    make_old(c.artifacts_fd, ".tmp-crashed");           /* old temporary: goes */
    make_old(c.digests_fd, ".tmp-crashed-memo");        /* goes */
    int fd = openat(c.artifacts_fd, ".tmp-fresh", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    close(fd);                                         /* young: stays */
    struct cache_lock lk;
    CHECK(cache_lock(&c, held_key, &lk, &err) == 0);
    cache_hex(held_key, hex);
    snprintf(name, sizeof name, "%s.lock", hex);
    make_old(c.artifacts_fd, name);                    /* old but held: stays */
    CHECK(cache_gc_leftovers(&c, 3600LL * 1000000000, &err) == 3);
    CHECK(faccessat(c.artifacts_fd, name, F_OK, 0) == 0);
    CHECK(faccessat(c.artifacts_fd, ".tmp-fresh", F_OK, 0) == 0);
    CHECK(faccessat(c.artifacts_fd, ".tmp-crashed", F_OK, 0) != 0);
    CHECK(faccessat(c.digests_fd, ".tmp-crashed-memo", F_OK, 0) != 0);
    CHECK(cache_lookup(&c, key, path, sizeof path) == 1);
    cache_unlock(&c, &lk);
    CHECK(count_names(dir, ".lock") == 0);
    unlinkat(c.artifacts_fd, ".tmp-fresh", 0);
    cache_close(&c);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int main(void)
{
    strcpy(root, "/tmp/waot-test-cache-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_resolve();
    test_create();
    test_refuse_dir();
    test_digest_vectors();
    test_digest_memo();
    test_identity_key();
    test_publish_lookup();
    test_concurrent();
    test_truncated();
    test_obtain();
    test_gc();
    nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    return check_summary("test_cache");
}
