/*
 * Unit tests for shim_cgroup.c, as root, on whatever the host has (cgroup v2, or v1 /
 * hybrid): a cgroup with memory, pids and cpu limits under a test-only parent, the values
 * read back from the controller files, a child process moved in and counted, destroy
 * leaving no directory; the systemd "slice:prefix:name" form expanded to its directories;
 * bad paths refused. Skipped, with a message, when not root.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim_cgroup.h"
#include "check.h"

static bool v2;

static long long read_num(const char *ctl, const char *rel, const char *file)
{
    char path[512], buf[256];
    if (v2)
        snprintf(path, sizeof path, "/sys/fs/cgroup%s/%s", rel, file);
    else
        snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s/%s", ctl, rel, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return strtoll(buf, NULL, 10);
}

static bool dir_exists(const char *ctl, const char *rel)
{
    char path[512];
    struct stat sb;
    if (v2)
        snprintf(path, sizeof path, "/sys/fs/cgroup%s", rel);
    else
        snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s", ctl, rel);
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void remove_parent(const char *rel)
{
    static const char *const ctls[] = {"memory", "pids", "cpu", "cpuacct", "freezer"};
    char path[512];
    if (v2) {
        snprintf(path, sizeof path, "/sys/fs/cgroup%s", rel);
        rmdir(path);
        return;
    }
    for (size_t i = 0; i < sizeof ctls / sizeof ctls[0]; i++) {
        snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s", ctls[i], rel);
        rmdir(path);
    }
}

static void test_limits(void)
{
    char parent[64], path[128];
    snprintf(parent, sizeof parent, "/waot-test-%d", (int)getpid());
    snprintf(path, sizeof path, "%s/c1", parent);
    struct shim_resources res = {.memory_limit = 64 << 20, .pids_limit = 32, .cpu_shares = 512,
                                 .cpu_quota = 50000, .cpu_period = 100000};
    struct waot_error err = {0};
    struct shim_cgroup *cg = shim_cgroup_create(path, &res, &err);
    CHECK(cg != NULL);
    if (!cg) {
        fprintf(stderr, "create: %s\n", err.msg);
        remove_parent(parent);
        return;
    }
    CHECK(strcmp(shim_cgroup_path(cg), path) == 0);
    if (v2) {
        CHECK(read_num(NULL, path, "memory.max") == 64 << 20);
        CHECK(read_num(NULL, path, "pids.max") == 32);
        CHECK(read_num(NULL, path, "cpu.weight") == 1 + (510 * 9999) / 262142);
        CHECK(read_num(NULL, path, "cpu.max") == 50000);
    } else {
        CHECK(read_num("memory", path, "memory.limit_in_bytes") == 64 << 20);
        CHECK(read_num("pids", path, "pids.max") == 32);
        CHECK(read_num("cpu", path, "cpu.shares") == 512);
        CHECK(read_num("cpu", path, "cpu.cfs_quota_us") == 50000);
        CHECK(read_num("cpu", path, "cpu.cfs_period_us") == 100000);
    }
    /* Update */
    struct shim_resources more = {.memory_limit = 128 << 20, .pids_limit = 64};
    CHECK(shim_cgroup_update(cg, &more, &err) == 0);
    CHECK(read_num("memory", path, v2 ? "memory.max" : "memory.limit_in_bytes") == 128 << 20);
    CHECK(read_num("pids", path, "pids.max") == 64);

    /* a child process in it is counted */
    int gate[2], done[2];
    CHECK(pipe(gate) == 0 && pipe(done) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        /* once moved in: touch 4 MiB (charged to the cgroup), say so, wait for EOF */
        char c;
        close(gate[1]);
        close(done[0]);
        ssize_t n = read(gate[0], &c, 1);
        char *mem = malloc(4 << 20);
        if (mem)
            memset(mem, 1, 4 << 20);
        ssize_t w = write(done[1], "x", 1);
        n = read(gate[0], &c, 1);
        _exit(n < 0 || w != 1 || !mem ? 1 : 0);
    }
    close(gate[0]);
    close(done[1]);
    CHECK(shim_cgroup_add(cg, pid, &err) == 0);
    char c;
    CHECK(write(gate[1], "g", 1) == 1 && read(done[0], &c, 1) == 1);
    close(done[0]);
    uint64_t mem = 0, pids = 0, cpu = 0;
    shim_cgroup_usage(cg, &mem, &pids, &cpu);
    CHECK(pids == 1);
    CHECK(mem > 0);
    CHECK(shim_cgroup_oom_kills(cg) == 0);
    /* freeze and thaw */
    CHECK(shim_cgroup_freeze(cg, true, &err) == 0);
    CHECK(shim_cgroup_freeze(cg, false, &err) == 0);
    close(gate[1]);
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    shim_cgroup_destroy(cg);
    CHECK(!dir_exists("memory", path));
    CHECK(!dir_exists("pids", path));
    remove_parent(parent);
    CHECK(!dir_exists("memory", parent));
}

static void test_systemd_path(void)
{
    char name[64], want[160];
    snprintf(name, sizeof name, "waot-test.slice:waot:t%d", (int)getpid());
    snprintf(want, sizeof want, "/waot.slice/waot-test.slice/waot-t%d.scope", (int)getpid());
    struct waot_error err = {0};
    struct shim_cgroup *cg = shim_cgroup_create(name, NULL, &err);
    CHECK(cg != NULL);
    if (!cg) {
        fprintf(stderr, "create: %s\n", err.msg);
        return;
    }
    CHECK(strcmp(shim_cgroup_path(cg), want) == 0);
    CHECK(dir_exists("pids", want));
    shim_cgroup_destroy(cg);
    CHECK(!dir_exists("pids", want));
    remove_parent("/waot.slice/waot-test.slice");
    remove_parent("/waot.slice");
}

static void test_bad_paths(void)
{
    struct waot_error err = {0};
    CHECK(shim_cgroup_create(NULL, NULL, &err) == NULL && err.code == WAOT_OK);
    static const char *const bad[] = {"/default/../../etc", "/", "a:b", "x.slice:p:n:m",
                                      "bad:p:n", "a--b.slice:p:n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        CHECK(shim_cgroup_create(bad[i], NULL, &err) == NULL);
        CHECK(err.code == WAOT_E_INVALID && strstr(err.msg, "cgroupsPath") != NULL);
    }
}

int main(void)
{
    if (geteuid() != 0) {
        printf("test_shim_cgroup: skipped: needs root (creates cgroups)\n");
        return check_summary(NULL);
    }
    v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
    test_limits();
    test_systemd_path();
    test_bad_paths();
    return check_summary(NULL);
}
