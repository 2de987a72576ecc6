/*
 * WASI preview1 (wasi_snapshot_preview1) for guests run by waot: what the CLI sees.
 *
 * A wasi_ctx holds the guest's arguments, environment and file descriptor table (stdio,
 * preopened directories, preopened sockets). wasi_link creates one host function per
 * preview1 import of a module, with the witx signature; after instantiation the embedder
 * hands the instance's exported "memory" to wasi_set_memory. proc_exit ends the guest
 * through the host-failure path: the call that ran the guest fails with WAOT_E_EXIT and
 * err->exit_code holding the status.
 *
 * Capabilities: the guest reaches only its preopened directories and stdio; path
 * resolution never leaves a preopen (wasi_path.c). Writes below a read-only preopen, and
 * escape attempts, fail with EPERM as in wasmtime. As in wasmtime, rights are recorded and
 * reported but not enforced (wasi_fd.c). Every guest pointer is checked: EFAULT, never a
 * host fault.
 */
#ifndef WAOT_WASI_H
#define WAOT_WASI_H

#include <stdbool.h>
#include <stddef.h>

#include "waot/waot.h"

/* A directory or socket the guest may use. host_path != NULL: a directory, opened by
 * wasi_create and shown to the guest as guest_path. host_path == NULL: sock_fd is an
 * already-open socket (stream or datagram), owned by the ctx from wasi_create on (also when
 * it fails); it gets the next guest fd but is not reported by fd_prestat_get. */
struct wasi_preopen {
    const char *host_path;
    const char *guest_path;
    bool readonly;
    int sock_fd;
};

/* Strings are copied by wasi_create. envp entries are "NAME=value": the exact guest
 * environment, nothing is inherited. stdio fds are not owned: the ctx never closes them.
 * Set stdin_fd/stdout_fd/stderr_fd to 0/1/2 for the usual mapping (wasi_config_init). */
struct wasi_config {
    int argc;
    const char *const *argv;
    int envc;
    const char *const *envp;
    const struct wasi_preopen *preopens;
    size_t npreopens;
    int stdin_fd, stdout_fd, stderr_fd;
};

struct wasi_ctx;

/* Zeroes cfg and sets the stdio fds to 0, 1, 2. */
void wasi_config_init(struct wasi_config *cfg);
/* Opens the preopened directories (O_PATH|O_DIRECTORY|O_CLOEXEC); a missing one fails with
 * WAOT_E_IO naming its host path. */
struct wasi_ctx *wasi_create(const struct wasi_config *cfg, struct waot_error *err);
/* For every import i of m from "wasi_snapshot_preview1", sets imports[i] to the matching
 * host function (created once per ctx, owned by it). Other imports are left untouched.
 * An unknown name or a non-function import fails with WAOT_E_UNLINKABLE naming it. */
int wasi_link(struct wasi_ctx *w, struct waot_module *m, struct waot_extern *imports,
              struct waot_error *err);
/* The guest's linear memory (its "memory" export); calls before this fail with EFAULT. */
void wasi_set_memory(struct wasi_ctx *w, struct waot_memory *mem);
/* Closes every descriptor the ctx owns and frees its host functions (so it goes after every
 * instance linked with it); NULL does nothing. */
void wasi_destroy(struct wasi_ctx *w);

#endif
