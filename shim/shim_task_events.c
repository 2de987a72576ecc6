/*
 * The task service's events, as containerd's containerd.events.* messages, handed to
 * shim_events (which forwards them to containerd in order). Order per process is create,
 * start, exit, delete; the callers keep it (see start_published in shim_task_internal.h).
 */
#include "shim_task_internal.h"

#include <stdlib.h>

#include "shim_pb.h"

static void publish(struct shim_task_service *svc, const char *topic, const char *type,
                    const ProtobufCMessage *m)
{
    if (!svc->events)
        return;
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return;
    protobuf_c_message_pack(m, buf);
    shim_events_publish(svc->events, topic, type, buf, len);
    free(buf);
}

void task_event_create(struct shim_task_service *svc, struct task_container *c,
                       const void *create_request)
{
    const Containerd__Task__V2__CreateTaskRequest *req = create_request;
    Containerd__Events__TaskIO io = CONTAINERD__EVENTS__TASK_IO__INIT;
    io.stdin = req->stdin;
    io.stdout = req->stdout;
    io.stderr = req->stderr;
    io.terminal = req->terminal;
    Containerd__Events__TaskCreate ev = CONTAINERD__EVENTS__TASK_CREATE__INIT;
    ev.container_id = c->id;
    ev.bundle = c->bundle;
    ev.n_rootfs = req->n_rootfs;
    ev.rootfs = req->rootfs;
    ev.io = &io;
    ev.pid = (uint32_t)c->init->proc.pid;
    publish(svc, "/tasks/create", "containerd.events.TaskCreate", &ev.base);
}

void task_event_start(struct shim_task_service *svc, struct task_container *c,
                      struct task_proc *p)
{
    if (p == c->init) {
        Containerd__Events__TaskStart ev = CONTAINERD__EVENTS__TASK_START__INIT;
        ev.container_id = c->id;
        ev.pid = (uint32_t)p->proc.pid;
        publish(svc, "/tasks/start", "containerd.events.TaskStart", &ev.base);
    } else {
        Containerd__Events__TaskExecStarted ev = CONTAINERD__EVENTS__TASK_EXEC_STARTED__INIT;
        ev.container_id = c->id;
        ev.exec_id = p->exec_id;
        ev.pid = (uint32_t)p->proc.pid;
        publish(svc, "/tasks/exec-started", "containerd.events.TaskExecStarted", &ev.base);
    }
}

void task_event_exit(struct shim_task_service *svc, struct task_container *c,
                     struct task_proc *p)
{
    Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    at.seconds = p->exited_at.tv_sec;
    at.nanos = (int32_t)p->exited_at.tv_nsec;
    Containerd__Events__TaskExit ev = CONTAINERD__EVENTS__TASK_EXIT__INIT;
    ev.container_id = c->id;
    ev.id = *p->exec_id ? p->exec_id : c->id;
    ev.pid = (uint32_t)p->proc.pid;
    ev.exit_status = p->exit_status;
    ev.exited_at = &at;
    publish(svc, "/tasks/exit", "containerd.events.TaskExit", &ev.base);
}

void task_event_delete(struct shim_task_service *svc, struct task_container *c,
                       struct task_proc *p)
{
    Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    at.seconds = p->exited_at.tv_sec;
    at.nanos = (int32_t)p->exited_at.tv_nsec;
    Containerd__Events__TaskDelete ev = CONTAINERD__EVENTS__TASK_DELETE__INIT;
    ev.container_id = c->id;
    ev.pid = (uint32_t)p->proc.pid;
    ev.exit_status = p->exit_status;
    ev.exited_at = &at;
    ev.id = *p->exec_id ? p->exec_id : c->id;
    publish(svc, "/tasks/delete", "containerd.events.TaskDelete", &ev.base);
}

void task_event_exec_added(struct shim_task_service *svc, struct task_container *c,
                           struct task_proc *p)
{
    Containerd__Events__TaskExecAdded ev = CONTAINERD__EVENTS__TASK_EXEC_ADDED__INIT;
    ev.container_id = c->id;
    ev.exec_id = p->exec_id;
    publish(svc, "/tasks/exec-added", "containerd.events.TaskExecAdded", &ev.base);
}

/* TaskOOM, TaskPaused and TaskResumed carry the container id alone (field 1 of each). */
void task_event_simple(struct shim_task_service *svc, const char *topic, const char *type,
                       const char *container_id)
{
    Containerd__Events__TaskOOM ev = CONTAINERD__EVENTS__TASK_OOM__INIT;
    ev.container_id = (char *)container_id;
    publish(svc, topic, type, &ev.base);
}
