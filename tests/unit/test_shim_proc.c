/*
 * Unit tests for the shim's container processes (shim_proc.c, shim_runner.c) and root file
 * system mounts (shim_mount.c), as root: small WASI modules (embedded below, assembled
 * from the WAT in the comment) in a temporary rootfs, spawned through the real runner
 * (WAOT_SHIM, else this executable, which turns into the runner on SHIM_RUNNER_ARG), then
 * ready / release / output / exit statuses 0, 3 and 134 (trap), a missing module and a
 * symlink leaving the rootfs, abandon, and the sandbox (pause) process. Skipped, with a
 * message, when not root.
 *
 *   (module
 *    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
 *    (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
 *    (memory (export "memory") 1)
 *    (data (i32.const 16) "hello from wasm\n")
 *    (func $main
 *      (i32.store (i32.const 0) (i32.const 16))
 *      (i32.store (i32.const 4) (i32.const 16))
 *      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
 *      TAIL)              ;; exit0: nothing; exit3: (call $proc_exit (i32.const 3)); trap: unreachable
 *    (func (export "_start") (call $main)))
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shim_mount.h"
#include "shim_proc.h"
#include "check.h"

static const unsigned char wasm_exit0[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60, 0x04, 0x7f, 0x7f, 0x7f,
    0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x02, 0x46, 0x02, 0x16, 0x77, 0x61,
    0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76,
    0x69, 0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x00, 0x16,
    0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72,
    0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74,
    0x00, 0x01, 0x03, 0x03, 0x02, 0x02, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06,
    0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00,
    0x03, 0x0a, 0x22, 0x02, 0x1b, 0x00, 0x41, 0x00, 0x41, 0x10, 0x36, 0x02, 0x00, 0x41, 0x04, 0x41,
    0x10, 0x36, 0x02, 0x00, 0x41, 0x01, 0x41, 0x00, 0x41, 0x01, 0x41, 0x08, 0x10, 0x00, 0x1a, 0x0b,
    0x04, 0x00, 0x10, 0x02, 0x0b, 0x0b, 0x16, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x10, 0x68, 0x65, 0x6c,
    0x6c, 0x6f, 0x20, 0x66, 0x72, 0x6f, 0x6d, 0x20, 0x77, 0x61, 0x73, 0x6d, 0x0a, 0x00, 0x2e, 0x04,
    0x6e, 0x61, 0x6d, 0x65, 0x01, 0x1c, 0x03, 0x00, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74,
    0x65, 0x01, 0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x02, 0x04, 0x6d, 0x61,
    0x69, 0x6e, 0x02, 0x09, 0x04, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00,
};
static const unsigned char wasm_exit3[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60, 0x04, 0x7f, 0x7f, 0x7f,
    0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x02, 0x46, 0x02, 0x16, 0x77, 0x61,
    0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76,
    0x69, 0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x00, 0x16,
    0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72,
    0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74,
    0x00, 0x01, 0x03, 0x03, 0x02, 0x02, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06,
    0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00,
    0x03, 0x0a, 0x26, 0x02, 0x1f, 0x00, 0x41, 0x00, 0x41, 0x10, 0x36, 0x02, 0x00, 0x41, 0x04, 0x41,
    0x10, 0x36, 0x02, 0x00, 0x41, 0x01, 0x41, 0x00, 0x41, 0x01, 0x41, 0x08, 0x10, 0x00, 0x1a, 0x41,
    0x03, 0x10, 0x01, 0x0b, 0x04, 0x00, 0x10, 0x02, 0x0b, 0x0b, 0x16, 0x01, 0x00, 0x41, 0x10, 0x0b,
    0x10, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x66, 0x72, 0x6f, 0x6d, 0x20, 0x77, 0x61, 0x73, 0x6d,
    0x0a, 0x00, 0x2e, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x1c, 0x03, 0x00, 0x08, 0x66, 0x64, 0x5f,
    0x77, 0x72, 0x69, 0x74, 0x65, 0x01, 0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74,
    0x02, 0x04, 0x6d, 0x61, 0x69, 0x6e, 0x02, 0x09, 0x04, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03,
    0x00,
};
static const unsigned char wasm_trap[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60, 0x04, 0x7f, 0x7f, 0x7f,
    0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x02, 0x46, 0x02, 0x16, 0x77, 0x61,
    0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76,
    0x69, 0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x00, 0x16,
    0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72,
    0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74,
    0x00, 0x01, 0x03, 0x03, 0x02, 0x02, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06,
    0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00,
    0x03, 0x0a, 0x23, 0x02, 0x1c, 0x00, 0x41, 0x00, 0x41, 0x10, 0x36, 0x02, 0x00, 0x41, 0x04, 0x41,
    0x10, 0x36, 0x02, 0x00, 0x41, 0x01, 0x41, 0x00, 0x41, 0x01, 0x41, 0x08, 0x10, 0x00, 0x1a, 0x00,
    0x0b, 0x04, 0x00, 0x10, 0x02, 0x0b, 0x0b, 0x16, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x10, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x20, 0x66, 0x72, 0x6f, 0x6d, 0x20, 0x77, 0x61, 0x73, 0x6d, 0x0a, 0x00, 0x2e,
    0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x1c, 0x03, 0x00, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69,
    0x74, 0x65, 0x01, 0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x02, 0x04, 0x6d,
    0x61, 0x69, 0x6e, 0x02, 0x09, 0x04, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00,
};

static char base[256], rootfs[300], cache[300];
static const char *runner;

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    close(fd);
}

static size_t read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

/* Exit status as the shim reports it: the code, or 128 + signal. */
static int wait_status(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Spawns args[0] with stdout/stderr to the given paths; 0 and p filled, or -1 and err. */
static int spawn(const char *module, const char *out, const char *errpath, bool sandbox,
                 struct shim_proc *p, struct waot_error *err)
{
    char *args[] = {(char *)module, (char *)"arg1", NULL};
    char *env[] = {(char *)"PATH=/", NULL};
    struct shim_process_spec proc = {.args = args, .nargs = 2, .env = env, .nenv = 1,
                                     .cwd = (char *)"/"};
    struct shim_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.process = proc;
    struct shim_proc_req r = {.bundle = base, .rootfs = rootfs, .spec = &spec,
                              .process = &spec.process, .stdout_path = out,
                              .stderr_path = errpath, .sandbox = sandbox, .cache_dir = cache,
                              .runner = runner};
    memset(err, 0, sizeof *err);
    return shim_proc_spawn(&r, p, err);
}

/* A module runs only after release; its output reaches a fifo whose reader is open. */
static void test_ready_release(void)
{
    char fifo[400], errp[400], buf[256];
    snprintf(fifo, sizeof fifo, "%s/out.fifo", base);
    snprintf(errp, sizeof errp, "%s/err0.txt", base);
    CHECK(mkfifo(fifo, 0600) == 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    CHECK(rd >= 0);
    struct shim_proc p;
    struct waot_error err;
    int rc = spawn("/exit0.wasm", fifo, errp, false, &p, &err);
    CHECK(rc == 0);
    if (rc != 0) {
        fprintf(stderr, "spawn: %s\n", err.msg);
        close(rd);
        return;
    }
    CHECK(p.pid > 0 && p.go_fd >= 0);
    /* ready, not released: alive and silent */
    nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
    CHECK(waitpid(p.pid, NULL, WNOHANG) == 0);
    CHECK(read(rd, buf, sizeof buf) < 0 && errno == EAGAIN);
    CHECK(shim_proc_release(&p, &err) == 0);
    CHECK(p.go_fd == -1);
    CHECK(wait_status(p.pid) == 0);
    ssize_t n = read(rd, buf, sizeof buf - 1);
    CHECK(n == 16 && memcmp(buf, "hello from wasm\n", 16) == 0);
    close(rd);
    /* a second release is refused */
    CHECK(shim_proc_release(&p, &err) < 0);
}

static void test_exit_codes(void)
{
    char out[400], errp[400], buf[4096];
    snprintf(out, sizeof out, "%s/out3.txt", base);
    snprintf(errp, sizeof errp, "%s/err3.txt", base);
    struct shim_proc p;
    struct waot_error err;
    CHECK(spawn("/exit3.wasm", out, errp, false, &p, &err) == 0);
    CHECK(shim_proc_release(&p, &err) == 0);
    CHECK(wait_status(p.pid) == 3);
    CHECK(read_file(out, buf, sizeof buf) == 16);

    snprintf(out, sizeof out, "%s/out-trap.txt", base);
    snprintf(errp, sizeof errp, "%s/err-trap.txt", base);
    CHECK(spawn("trap.wasm", out, errp, false, &p, &err) == 0); /* relative to cwd "/" */
    CHECK(shim_proc_release(&p, &err) == 0);
    CHECK(wait_status(p.pid) == 134);
    read_file(errp, buf, sizeof buf);
    CHECK(strstr(buf, "waot: wasm trap: ") != NULL);
    CHECK(strstr(buf, "wasm backtrace:\n  0: ") != NULL); /* as `waot run` prints it */
}

/* A fifo nobody reads: the runner falls back to O_RDWR and still runs. */
static void test_fifo_without_reader(void)
{
    char fifo[400];
    snprintf(fifo, sizeof fifo, "%s/noreader.fifo", base);
    CHECK(mkfifo(fifo, 0600) == 0);
    struct shim_proc p;
    struct waot_error err;
    CHECK(spawn("/exit0.wasm", fifo, NULL, false, &p, &err) == 0);
    CHECK(shim_proc_release(&p, &err) == 0);
    CHECK(wait_status(p.pid) == 0);
}

static void test_spawn_failures(void)
{
    struct shim_proc p;
    struct waot_error err;
    CHECK(spawn("/missing.wasm", NULL, NULL, false, &p, &err) < 0);
    CHECK(strstr(err.msg, "/missing.wasm: not found in the container's root file system") != NULL);
    CHECK(p.pid > 0 && p.go_fd == -1);
    if (p.pid > 0)
        CHECK(wait_status(p.pid) == 125);
    /* a symlink to an absolute host path resolves inside the rootfs, where it does not exist */
    CHECK(spawn("/escape.wasm", NULL, NULL, false, &p, &err) < 0);
    CHECK(strstr(err.msg, "not found in the container's root file system") != NULL);
    if (p.pid > 0)
        wait_status(p.pid);
    /* not Wasm at all: the run path's own message, naming args[0] */
    CHECK(spawn("/junk.wasm", NULL, NULL, false, &p, &err) < 0);
    CHECK(strstr(err.msg, "/junk.wasm") != NULL && strstr(err.msg, "/proc/self/fd") == NULL);
    if (p.pid > 0)
        wait_status(p.pid);
    /* a directory */
    CHECK(spawn("/dir", NULL, NULL, false, &p, &err) < 0);
    CHECK(strstr(err.msg, "not a regular file") != NULL);
    if (p.pid > 0)
        wait_status(p.pid);
}

/* Closing the go pipe without a byte: the guest never runs. */
static void test_abandon(void)
{
    char out[400], buf[64];
    snprintf(out, sizeof out, "%s/out-abandon.txt", base);
    struct shim_proc p;
    struct waot_error err;
    CHECK(spawn("/exit3.wasm", out, NULL, false, &p, &err) == 0);
    shim_proc_abandon(&p);
    CHECK(p.go_fd == -1);
    CHECK(wait_status(p.pid) == 125);
    CHECK(read_file(out, buf, sizeof buf) == 0);
}

static void test_sandbox(void)
{
    struct shim_proc p;
    struct waot_error err;
    /* killed while created (before Start) */
    CHECK(spawn(NULL, NULL, NULL, true, &p, &err) == 0);
    CHECK(kill(p.pid, SIGTERM) == 0);
    CHECK(wait_status(p.pid) == 0);
    shim_proc_abandon(&p);
    /* started, then stopped */
    CHECK(spawn(NULL, NULL, NULL, true, &p, &err) == 0);
    CHECK(shim_proc_release(&p, &err) == 0);
    nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
    CHECK(waitpid(p.pid, NULL, WNOHANG) == 0);
    CHECK(kill(p.pid, SIGINT) == 0);
    CHECK(wait_status(p.pid) == 0);
    /* SIGKILL ends it anyway */
    CHECK(spawn(NULL, NULL, NULL, true, &p, &err) == 0);
    CHECK(shim_proc_release(&p, &err) == 0);
    CHECK(kill(p.pid, SIGKILL) == 0);
    CHECK(wait_status(p.pid) == 128 + SIGKILL);
}

/* ---- shim_mount ---- */

static bool mounted_at(const char *path)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    bool found = false;
    while (f && fgets(line, sizeof line, f)) {
        char *save = NULL, *tok = strtok_r(line, " ", &save);
        for (int i = 0; tok && i < 4; i++)
            tok = strtok_r(NULL, " ", &save);
        if (tok && strcmp(tok, path) == 0)
            found = true;
    }
    if (f)
        fclose(f);
    return found;
}

static void test_mounts(void)
{
    char src[400], target[400], file[500], buf[64];
    snprintf(src, sizeof src, "%s/bindsrc", base);
    snprintf(target, sizeof target, "%s/bindtarget", base);
    CHECK(mkdir(src, 0755) == 0 && mkdir(target, 0755) == 0);
    snprintf(file, sizeof file, "%s/marker", src);
    write_file(file, "bound", 5);
    const char *opts[] = {"rbind", "ro"};
    struct shim_mount m = {.type = "bind", .source = src, .options = opts, .noptions = 2};
    struct waot_error err = {0};
    CHECK(shim_mount_rootfs(&m, 1, target, &err) == 0);
    CHECK(mounted_at(target));
    snprintf(file, sizeof file, "%s/marker", target);
    CHECK(read_file(file, buf, sizeof buf) == 5);
    CHECK(open(file, O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS); /* "ro" took effect */
    CHECK(shim_unmount_rootfs(target, &err) == 0);
    CHECK(!mounted_at(target));
    CHECK(access(file, F_OK) < 0);
    /* nothing mounted, or no directory at all: still fine */
    CHECK(shim_unmount_rootfs(target, &err) == 0);
    snprintf(file, sizeof file, "%s/absent", base);
    CHECK(shim_unmount_rootfs(file, &err) == 0);

    /* overlay as containerd passes it: the lower layer's file shows through */
    char lower[400], upper[400], work[400], o1[500], o2[500], o3[500];
    snprintf(lower, sizeof lower, "%s/lower", base);
    snprintf(upper, sizeof upper, "%s/upper", base);
    snprintf(work, sizeof work, "%s/work", base);
    CHECK(mkdir(lower, 0755) == 0 && mkdir(upper, 0755) == 0 && mkdir(work, 0755) == 0);
    snprintf(file, sizeof file, "%s/layer.txt", lower);
    write_file(file, "lower", 5);
    snprintf(o1, sizeof o1, "workdir=%s", work);
    snprintf(o2, sizeof o2, "upperdir=%s", upper);
    snprintf(o3, sizeof o3, "lowerdir=%s", lower);
    const char *oopts[] = {"index=off", o1, o2, o3};
    struct shim_mount ov = {.type = "overlay", .source = "overlay", .options = oopts,
                            .noptions = 4};
    CHECK(shim_mount_rootfs(&ov, 1, target, &err) == 0);
    snprintf(file, sizeof file, "%s/layer.txt", target);
    CHECK(read_file(file, buf, sizeof buf) == 5 && strcmp(buf, "lower") == 0);
    CHECK(shim_unmount_rootfs(target, &err) == 0);
    CHECK(!mounted_at(target));

    /* an overlay of 80 layers with long paths: options far beyond the kernel's page, so
     * they are given relative to the layers' common directory (as containerd does) */
    enum { NLAYERS = 80 };
    char layers[512];
    snprintf(layers, sizeof layers, "%s/snapshots-with-a-long-directory-name", base);
    CHECK(mkdir(layers, 0755) == 0);
    size_t cap = NLAYERS * 200 + 1024, len = 0;
    char *low = malloc(cap);
    CHECK(low != NULL);
    if (low) {
        len = (size_t)snprintf(low, cap, "lowerdir=");
        for (int i = NLAYERS; i >= 1; i--) {
            char dir[600];
            snprintf(dir, sizeof dir, "%s/%d-layer-%040d", layers, i, i);
            CHECK(mkdir(dir, 0755) == 0);
            char f[700];
            snprintf(f, sizeof f, "%s/file%d", dir, i);
            write_file(f, "x", 1);
            len += (size_t)snprintf(low + len, cap - len, "%s%s", i == NLAYERS ? "" : ":", dir);
        }
        CHECK(len > 4096);
        char up2[600], wk2[600], u[700], w[700];
        snprintf(up2, sizeof up2, "%s/upper", layers);
        snprintf(wk2, sizeof wk2, "%s/work", layers);
        CHECK(mkdir(up2, 0755) == 0 && mkdir(wk2, 0755) == 0);
        snprintf(u, sizeof u, "upperdir=%s", up2);
        snprintf(w, sizeof w, "workdir=%s", wk2);
        const char *lopts[] = {"index=off", w, u, low};
        struct shim_mount big = {.type = "overlay", .source = "overlay", .options = lopts,
                                 .noptions = 4};
        CHECK_MSG(shim_mount_rootfs(&big, 1, target, &err) == 0, "long overlay: %s", err.msg);
        snprintf(file, sizeof file, "%s/file1", target);
        CHECK(access(file, F_OK) == 0);
        snprintf(file, sizeof file, "%s/file%d", target, NLAYERS);
        CHECK(access(file, F_OK) == 0);
        char cwd[PATH_MAX];
        CHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, layers) != 0); /* our cwd is untouched */
        CHECK(shim_unmount_rootfs(target, &err) == 0);
        CHECK(!mounted_at(target));
        free(low);
    }

    /* a failing mount names what failed and leaves nothing mounted */
    struct shim_mount two[2] = {m, {.type = "bind", .source = "/nonexistent-waot-src",
                                    .target = "sub", .options = opts, .noptions = 1}};
    CHECK(shim_mount_rootfs(two, 2, target, &err) < 0);
    CHECK(strstr(err.msg, "/nonexistent-waot-src") != NULL);
    CHECK(!mounted_at(target));
    /* ".." in a target is refused */
    struct shim_mount up = {.type = "bind", .source = src, .target = "../x", .options = opts,
                            .noptions = 1};
    CHECK(shim_mount_rootfs(&up, 1, target, &err) < 0 && strstr(err.msg, "..") != NULL);
}

static void setup(const char *self)
{
    snprintf(base, sizeof base, "/tmp/waot-shim-proc-XXXXXX");
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(rootfs, sizeof rootfs, "%s/rootfs", base);
    snprintf(cache, sizeof cache, "%s/cache", base);
    char path[400];
    if (mkdir(rootfs, 0755) < 0)
        exit(1);
    snprintf(path, sizeof path, "%s/exit0.wasm", rootfs);
    write_file(path, wasm_exit0, sizeof wasm_exit0);
    snprintf(path, sizeof path, "%s/exit3.wasm", rootfs);
    write_file(path, wasm_exit3, sizeof wasm_exit3);
    snprintf(path, sizeof path, "%s/trap.wasm", rootfs);
    write_file(path, wasm_trap, sizeof wasm_trap);
    snprintf(path, sizeof path, "%s/junk.wasm", rootfs);
    write_file(path, "not wasm", 8);
    snprintf(path, sizeof path, "%s/dir", rootfs);
    mkdir(path, 0755);
    /* escape.wasm -> <base>/outside.wasm, which exists on the host but not in the rootfs */
    char outside[400];
    snprintf(outside, sizeof outside, "%s/outside.wasm", base);
    write_file(outside, wasm_exit0, sizeof wasm_exit0);
    snprintf(path, sizeof path, "%s/escape.wasm", rootfs);
    if (symlink(outside, path) < 0)
        exit(1);
    runner = getenv("WAOT_SHIM");
    if (!runner || !*runner) {
        /* this executable is the runner; the compiler library sits in the build root */
        runner = "/proc/self/exe";
        char exe[PATH_MAX], lib[PATH_MAX + 64];
        ssize_t n = readlink(self, exe, sizeof exe - 1);
        if (n > 0 && !getenv("WAOT_COMPILER_LIB")) {
            exe[n] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash) {
                *slash = '\0';
                snprintf(lib, sizeof lib, "%s/../libwaot_compiler.so", exe);
                setenv("WAOT_COMPILER_LIB", lib, 1);
            }
        }
    }
}

static void cleanup(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", base);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], SHIM_RUNNER_ARG) == 0)
        return shim_runner_main(argc, argv);
    if (geteuid() != 0) {
        printf("test_shim_proc: skipped: needs root (mounts, runner processes)\n");
        return check_summary(NULL);
    }
    setup("/proc/self/exe");
    test_ready_release();
    test_exit_codes();
    test_fifo_without_reader();
    test_spawn_failures();
    test_abandon();
    test_sandbox();
    test_mounts();
    cleanup();
    return check_summary(NULL);
}
