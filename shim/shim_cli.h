/*
 * The shim binary's command line as containerd uses it (containerd-shim.md §2): Go-style
 * single-dash flags (-namespace NS -address ADDR -publish-binary P -id ID [-bundle B]
 * [-debug]) and an action, `start` or `delete`. shim_main.c parses; shim_start.c,
 * shim_delete.c and shim_daemon.c carry the actions out.
 */
#ifndef WAOT_SHIM_CLI_H
#define WAOT_SHIM_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "waot/waot.h"

struct shim_flags {
    const char *ns;
    const char *address;         /* containerd's gRPC socket (only hashed into our address) */
    const char *publish_binary;
    const char *id;
    const char *bundle;          /* -bundle, or the current directory */
    const char *action;          /* "start", "delete" */
    bool debug;
};

/* unix socket path of the daemon serving group: /run/containerd/s/<sha256 of
 * address/ns/group>, as containerd's own shims derive it. */
int shim_socket_path(const char *address, const char *ns, const char *group, char *out,
                     size_t size, struct waot_error *err);

/* Each returns the process's exit status. */
int shim_action_start(const struct shim_flags *f);
int shim_action_delete(const struct shim_flags *f);
/* The long-lived daemon (in the child forked by start): serves listen_fd until Shutdown,
 * or until no connection arrives in time. */
int shim_daemon_run(const struct shim_flags *f, int listen_fd);

#endif
