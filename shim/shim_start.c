/*
 * The `start` action (containerd-shim.md §3): find or create the daemon for this
 * container's group, write the bundle's `address`, print the address and exit. containerd
 * reads stdout and stderr through one pipe and dials whatever it read, so nothing but the
 * address may be printed on success, and the daemon must let go of both before we exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cache.h"
#include "shim_cli.h"
#include "shim_file.h"
#include "shim_spec.h"

#define SHIM_SOCKET_DIR "/run/containerd/s"

int shim_socket_path(const char *address, const char *ns, const char *group, char *out,
                     size_t size, struct waot_error *err)
{
    /* filepath.Join(address, ns, group): one separator between parts. */
    char joined[PATH_MAX * 2];
    size_t alen = strlen(address);
    while (alen > 1 && address[alen - 1] == '/')
        alen--;
    int n = snprintf(joined, sizeof joined, "%.*s/%s/%s", (int)alen, address, ns, group);
    if (n < 0 || (size_t)n >= sizeof joined)
        return waot_fail(err, WAOT_E_USAGE, "address, namespace and id are too long");
    uint8_t md[CACHE_KEY_SIZE];
    if (cache_sha256(joined, (size_t)n, md) != 0)
        return waot_fail(err, WAOT_E_INTERNAL, "sha256 failed");
    char hex[2 * CACHE_KEY_SIZE + 1];
    for (int i = 0; i < CACHE_KEY_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    n = snprintf(out, size, "%s/%s", SHIM_SOCKET_DIR, hex);
    if (n < 0 || (size_t)n >= size)
        return waot_fail(err, WAOT_E_USAGE, "socket path too long");
    return 0;
}

/* A listening socket at path, or -1. *existing is set when a live daemon already listens
 * there (the group's daemon: then no socket is returned). */
static int listen_at(const char *path, bool *existing, struct waot_error *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return waot_fail(err, WAOT_E_USAGE, "socket path %s is too long", path);
    strcpy(sa.sun_path, path);
    *existing = false;
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return waot_fail(err, WAOT_E_IO, "socket: %s", strerror(errno));
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            if (listen(fd, 128) != 0 || chmod(path, 0600) != 0) {
                int e = errno;
                close(fd);
                unlink(path);
                return waot_fail(err, WAOT_E_IO, "listen on %s: %s", path, strerror(e));
            }
            return fd;
        }
        int e = errno;
        if (e != EADDRINUSE) {
            close(fd);
            return waot_fail(err, WAOT_E_IO, "bind %s: %s", path, strerror(e));
        }
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(fd);
            *existing = true;
            return -1;
        }
        close(fd);
        unlink(path);   /* stale: its daemon is gone */
    }
    return waot_fail(err, WAOT_E_IO, "cannot bind %s", path);
}

int shim_action_start(const struct shim_flags *f)
{
    struct waot_error err = {0};
    char cwd[PATH_MAX];
    const char *bundle = f->bundle;
    if (!bundle) {
        if (!getcwd(cwd, sizeof cwd)) {
            fprintf(stderr, "containerd-shim-waot-v1: getcwd: %s\n", strerror(errno));
            return 1;
        }
        bundle = cwd;
    }
    if (!f->id || !*f->id || !f->address || !*f->address) {
        fprintf(stderr, "containerd-shim-waot-v1: start needs -id and -address\n");
        return 1;
    }
    struct shim_spec spec = {0};
    if (shim_spec_load(bundle, &spec, &err) != 0) {
        fprintf(stderr, "containerd-shim-waot-v1: %s\n", err.msg);
        return 1;
    }
    const char *group = shim_spec_group(&spec);
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    int r = shim_socket_path(f->address, f->ns, group ? group : f->id, path, sizeof path, &err);
    shim_spec_free(&spec);
    if (r != 0) {
        fprintf(stderr, "containerd-shim-waot-v1: %s\n", err.msg);
        return 1;
    }
    if (mkdir("/run/containerd", 0711) != 0 && errno != EEXIST) {
        fprintf(stderr, "containerd-shim-waot-v1: mkdir /run/containerd: %s\n", strerror(errno));
        return 1;
    }
    if (mkdir(SHIM_SOCKET_DIR, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "containerd-shim-waot-v1: mkdir %s: %s\n", SHIM_SOCKET_DIR, strerror(errno));
        return 1;
    }
    bool existing;
    int fd = listen_at(path, &existing, &err);
    if (fd < 0 && !existing) {
        fprintf(stderr, "containerd-shim-waot-v1: %s\n", err.msg);
        return 1;
    }
    char address[sizeof path + 8];
    snprintf(address, sizeof address, "unix://%s", path);
    if (shim_write_file_atomic(bundle, "address", address, &err) != 0) {
        fprintf(stderr, "containerd-shim-waot-v1: %s\n", err.msg);
        if (fd >= 0) {
            close(fd);
            unlink(path);
        }
        return 1;
    }
    if (fd >= 0) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "containerd-shim-waot-v1: fork: %s\n", strerror(errno));
            close(fd);
            unlink(path);
            return 1;
        }
        if (pid == 0) {
            /* The daemon: its own session, and none of containerd's pipes (pitfall 2). */
            setsid();
            int null = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null >= 0) {
                dup2(null, 0);
                dup2(null, 1);
                dup2(null, 2);
                close(null);
            }
            if (chdir(bundle) != 0) {
                /* stays where it is: only used for relative paths, and there are none */
            }
            int status = shim_daemon_run(f, fd);
            unlink(path);
            _exit(status);
        }
        close(fd);
    }
    printf("%s", address);
    fflush(stdout);
    return 0;
}
