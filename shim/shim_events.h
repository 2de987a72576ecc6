/*
 * Task events for containerd: each one is forwarded over ttrpc to containerd's event
 * service (TTRPC_ADDRESS, containerd.services.events.ttrpc.v1.Events/Forward) in an
 * Envelope with timestamp, namespace and topic. Publishing never blocks a task method: events
 * go through a queue drained by one thread, in order, re-dialling and retrying with back-off
 * (5 tries) when containerd is away.
 */
#ifndef WAOT_SHIM_EVENTS_H
#define WAOT_SHIM_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "waot/waot.h"

struct shim_events;

/* address: containerd's ttrpc socket (TTRPC_ADDRESS); namespace: the -namespace flag. NULL
 * address: events are dropped (logged) — containerd always sets it. */
struct shim_events *shim_events_start(const char *address, const char *ns,
                                      struct waot_error *err);
/* Queues one event. topic "/tasks/exit"; type_url the bare message name
 * ("containerd.events.TaskExit", no type.googleapis.com/ prefix); value the serialised
 * message (copied). */
void shim_events_publish(struct shim_events *e, const char *topic, const char *type_url,
                         const uint8_t *value, size_t len);
/* Sends what is queued (waiting at most timeout_ms), stops the thread, frees. */
void shim_events_stop(struct shim_events *e, int timeout_ms);

#endif
