/*
 * The `delete` action (containerd-shim.md §4): containerd runs it whenever its connection
 * to the daemon closes, after every normal task end as well as after a crash. It must be
 * cheap, idempotent and scoped to this id: kill the init process the daemon left behind
 * (recorded in <bundle>/init.pid until the task is deleted), unmount the rootfs, remove the
 * cgroup and the daemon's stale socket, and answer with a DeleteResponse on stdout. It never
 * touches a daemon that still serves other containers of the group.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "shim_cgroup.h"
#include "shim_cli.h"
#include "shim_mount.h"
#include "shim_pb.h"
#include "shim_proc.h"
#include "shim_spec.h"

static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n >= 0)
        buf[n] = 0;
    return n;
}

/* Is pid one of our task runners? (The pid may have been reused since the crash.) */
static bool is_runner(pid_t pid)
{
    char path[64], cmd[512];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    ssize_t n = read_small(path, cmd, sizeof cmd);
    if (n <= 0)
        return false;
    size_t first = strnlen(cmd, (size_t)n);
    return first + 1 < (size_t)n && strcmp(cmd + first + 1, SHIM_RUNNER_ARG) == 0;
}

static bool socket_alive(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return false;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return true;   /* cannot tell: leave it */
    bool alive = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return alive;
}

int shim_action_delete(const struct shim_flags *f)
{
    char cwd[PATH_MAX], path[PATH_MAX + 32], text[PATH_MAX];
    const char *bundle = f->bundle;
    if (!bundle)
        bundle = getcwd(cwd, sizeof cwd);
    uint32_t pid = 0;
    if (bundle) {
        snprintf(path, sizeof path, "%s/init.pid", bundle);
        if (read_small(path, text, sizeof text) > 0) {
            /* The daemon died with the task alive: end what it left. */
            long v = strtol(text, NULL, 10);
            if (v > 1 && v < INT_MAX && is_runner((pid_t)v)) {
                kill((pid_t)v, SIGKILL);
                pid = (uint32_t)v;
            }
            struct shim_spec spec = {0};
            struct waot_error err = {0};
            if (shim_spec_load(bundle, &spec, &err) == 0 && spec.cgroups_path) {
                struct shim_resources none = {0};
                struct shim_cgroup *cg = shim_cgroup_create(spec.cgroups_path, &none, &err);
                if (cg)
                    shim_cgroup_destroy(cg);
            }
            shim_spec_free(&spec);
            unlink(path);
        }
        snprintf(path, sizeof path, "%s/rootfs", bundle);
        struct waot_error err = {0};
        if (shim_unmount_rootfs(path, &err) != 0)
            fprintf(stderr, "%s\n", err.msg);
        snprintf(path, sizeof path, "%s/address", bundle);
        if (read_small(path, text, sizeof text) > 0 && strncmp(text, "unix://", 7) == 0 &&
            !socket_alive(text + 7))
            unlink(text + 7);
    }

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    at.seconds = now.tv_sec;
    at.nanos = (int32_t)now.tv_nsec;
    Containerd__Task__V2__DeleteResponse out = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
    out.pid = pid;
    out.exit_status = 128 + SIGKILL;
    out.exited_at = &at;
    uint8_t buf[128];
    size_t len = protobuf_c_message_get_packed_size(&out.base);
    if (len > sizeof buf)
        return 1;
    protobuf_c_message_pack(&out.base, buf);
    return fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
}
