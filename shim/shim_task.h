/*
 * The containerd task service (containerd.task.v2.Task) of the waot shim daemon: the
 * containers and processes one daemon holds (a container, or every container of a pod), the
 * state machine containerd expects of them (containerd-shim.md §6, pitfalls 5–8, 14), the
 * reaping of their processes and the events they produce.
 *
 *   shim_task.c         the ttrpc methods: decode the request, act, encode the answer
 *   shim_task_state.c   the table of containers and processes, the reaper, exits
 *   shim_task_events.c  events as containerd's messages (TaskCreate ... TaskOOM)
 */
#ifndef WAOT_SHIM_TASK_H
#define WAOT_SHIM_TASK_H

#include <stdbool.h>
#include <stddef.h>

#include "ttrpc.h"
#include "waot/waot.h"

struct shim_task_config {
    const char *ns;              /* -namespace */
    const char *ttrpc_address;   /* TTRPC_ADDRESS: containerd's event service; may be NULL */
    const char *cache_dir;       /* compiled-code cache for the runner; NULL: its default */
    bool debug;
};

struct shim_task_service;

/* Blocks SIGCHLD in the calling thread first: call it before any other thread exists, so
 * that only the reaper thread it starts ever receives the signal. */
struct shim_task_service *shim_task_service_new(const struct shim_task_config *cfg,
                                                struct waot_error *err);
/* The method table for ttrpc_server_new (ctx = the service). */
const struct ttrpc_method *shim_task_methods(size_t *n);
/* The server, so that Shutdown can stop it. */
void shim_task_service_attach(struct shim_task_service *svc, struct ttrpc_server *server);
/* Kills what is left, unmounts, flushes events; frees. */
void shim_task_service_free(struct shim_task_service *svc);

#endif
