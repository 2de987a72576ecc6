/*
 * The ttrpc methods of containerd.task.v2.Task (see shim_task.h). Each handler decodes its
 * request, works on the table under svc->mu (released across spawns, mounts and waits) and
 * encodes its answer; errors carry the code containerd maps to errdefs and a message that
 * names the container and process.
 */
#include "shim_task_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim_file.h"
#include "shim_log.h"
#include "shim_mount.h"
#include "shim_pb.h"

#define TASK_SERVICE "containerd.task.v2.Task"

static int pack(const ProtobufCMessage *m, uint8_t **resp, size_t *resp_len,
                struct ttrpc_status *st)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    *resp = malloc(len ? len : 1);
    if (!*resp)
        return ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
    *resp_len = protobuf_c_message_pack(m, *resp);
    return TTRPC_OK;
}

static int empty(uint8_t **resp, size_t *resp_len)
{
    *resp = NULL;
    *resp_len = 0;
    return TTRPC_OK;
}

/* Decodes req as desc's message; NULL with an INVALID_ARGUMENT status when it is not one. */
static void *unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *req, size_t len,
                    struct ttrpc_status *st)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, len, req);
    if (!m)
        ttrpc_status_fail(st, TTRPC_INVALID_ARGUMENT, "malformed %s", desc->name);
    return m;
}
#define UNPACK(type, lower) \
    type *r = unpack(&lower##__descriptor, req, req_len, st); \
    if (!r) \
        return st->code
#define FREE(lower) lower##__free_unpacked(r, NULL)

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static void set_ts(Google__Protobuf__Timestamp *ts, const struct timespec *t)
{
    ts->seconds = t->tv_sec;
    ts->nanos = (int32_t)t->tv_nsec;
}

/* Finds container id and process exec_id (mu held); fills st when either is missing. */
static struct task_proc *lookup(struct shim_task_service *svc, const char *id,
                                const char *exec_id, struct task_container **cp,
                                struct ttrpc_status *st)
{
    struct task_container *c = task_find_container(svc, id);
    if (!c) {
        ttrpc_status_fail(st, TTRPC_NOT_FOUND, "container %s: not found", id);
        return NULL;
    }
    struct task_proc *p = task_find_proc(c, exec_id);
    if (!p) {
        ttrpc_status_fail(st, TTRPC_NOT_FOUND, "container %s: process %s not found", id, exec_id);
        return NULL;
    }
    *cp = c;
    return p;
}

/* ---- Create ---- */

static int spawn_proc(struct shim_task_service *svc, struct task_container *c,
                      struct task_proc *p, struct ttrpc_status *st)
{
    struct shim_proc_req pr = {
        .bundle = c->bundle,
        .rootfs = c->rootfs,
        .spec = &c->spec,
        .process = p->has_pspec ? &p->pspec : &c->spec.process,
        .stdin_path = p->stdin_path,
        .stdout_path = p->stdout_path,
        .stderr_path = p->stderr_path,
        .sandbox = p == c->init && shim_spec_is_sandbox(&c->spec),
        .cache_dir = svc->cache_dir,
        .debug = svc->debug,
    };
    struct waot_error err = {0};
    if (shim_proc_spawn(&pr, &p->proc, &err) != 0) {
        if (p->proc.pid > 0) {
            pthread_mutex_lock(&svc->mu);
            task_forget_pid(svc, p->proc.pid);
            pthread_mutex_unlock(&svc->mu);
        }
        p->proc.pid = 0;
        return ttrpc_status_fail(st, TTRPC_FAILED_PRECONDITION, "%s", err.msg);
    }
    if (c->cg && shim_cgroup_add(c->cg, p->proc.pid, &err) != 0)
        shim_warnf("container %s: %s", c->id, err.msg);
    return TTRPC_OK;
}

static void write_init_pid(const char *bundle, pid_t pid)
{
    /* For the `delete` action after a crash of this daemon: which process to kill. */
    char text[32];
    snprintf(text, sizeof text, "%d", (int)pid);
    struct waot_error err = {0};
    if (shim_write_file_atomic(bundle, "init.pid", text, &err) != 0)
        shim_warnf("%s", err.msg);
}

static bool resources_limit(const struct shim_resources *r)
{
    return r->memory_limit > 0 || r->pids_limit > 0 || r->cpu_quota > 0;
}

static int create_container(struct shim_task_service *svc, struct task_container *c,
                            const Containerd__Task__V2__CreateTaskRequest *r,
                            struct ttrpc_status *st)
{
    struct waot_error err = {0};
    if (r->terminal)
        return ttrpc_status_fail(st, TTRPC_UNIMPLEMENTED,
                                 "container %s: waot does not support terminals (run without -t)",
                                 c->id);
    if (r->checkpoint && *r->checkpoint)
        return ttrpc_status_fail(st, TTRPC_UNIMPLEMENTED,
                                 "container %s: checkpoints are not supported", c->id);
    if (shim_spec_load(c->bundle, &c->spec, &err) != 0)
        return ttrpc_status_fail(st, TTRPC_INVALID_ARGUMENT, "%s", err.msg);
    const char *root = c->spec.root_path ? c->spec.root_path : "rootfs";
    if (root[0] == '/')
        c->rootfs = strdup(root);
    else if (asprintf(&c->rootfs, "%s/%s", c->bundle, root) < 0)
        c->rootfs = NULL;
    if (!c->rootfs)
        return ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
    if (r->n_rootfs > 0) {
        struct shim_mount *m = calloc(r->n_rootfs, sizeof *m);
        if (!m)
            return ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
        for (size_t i = 0; i < r->n_rootfs; i++) {
            m[i].type = r->rootfs[i]->type;
            m[i].source = r->rootfs[i]->source;
            m[i].target = r->rootfs[i]->target;
            m[i].options = (const char *const *)r->rootfs[i]->options;
            m[i].noptions = r->rootfs[i]->n_options;
        }
        int mr = shim_mount_rootfs(m, r->n_rootfs, c->rootfs, &err);
        free(m);
        if (mr != 0)
            return ttrpc_status_fail(st, TTRPC_FAILED_PRECONDITION, "container %s: %s", c->id, err.msg);
        c->mounted = true;
    }
    if (c->spec.cgroups_path) {
        c->cg = shim_cgroup_create(c->spec.cgroups_path, &c->spec.resources, &err);
        if (!c->cg && err.code != WAOT_OK) {
            /* Limits asked for and not enforceable: refuse rather than run unbounded. */
            if (resources_limit(&c->spec.resources))
                return ttrpc_status_fail(st, TTRPC_FAILED_PRECONDITION,
                                         "container %s: %s", c->id, err.msg);
            shim_warnf("container %s: no cgroup: %s", c->id, err.msg);
        }
    }
    c->init->stdin_path = dup_or_null(r->stdin);
    c->init->stdout_path = dup_or_null(r->stdout);
    c->init->stderr_path = dup_or_null(r->stderr);
    return spawn_proc(svc, c, c->init, st);
}

/* Undoes a failed Create: nothing of it may stay behind. */
static void create_undo(struct task_container *c)
{
    struct waot_error err = {0};
    if (c->mounted && shim_unmount_rootfs(c->rootfs, &err) != 0)
        shim_warnf("container %s: %s", c->id, err.msg);
    c->mounted = false;
}

static int task_create(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                       size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__CreateTaskRequest, containerd__task__v2__create_task_request);
    int code = TTRPC_OK;
    if (!r->id || !*r->id || !r->bundle || r->bundle[0] != '/') {
        code = ttrpc_status_fail(st, TTRPC_INVALID_ARGUMENT,
                                 "Create needs an id and an absolute bundle path");
        goto out;
    }
    struct task_container *c = calloc(1, sizeof *c);
    if (!c || !(c->id = strdup(r->id)) || !(c->bundle = strdup(r->bundle)) ||
        !(c->init = task_proc_new(""))) {
        if (c) {
            free(c->id);
            free(c->bundle);
            free(c);
        }
        code = ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    c->creating = true;
    pthread_mutex_lock(&svc->mu);
    bool taken = false;
    for (struct task_container *o = svc->containers; o; o = o->next)
        taken |= strcmp(o->id, c->id) == 0;
    if (!taken) {
        c->next = svc->containers;
        svc->containers = c;
    }
    pthread_mutex_unlock(&svc->mu);
    if (taken) {
        task_proc_unref(c->init);
        free(c->id);
        free(c->bundle);
        free(c);
        code = ttrpc_status_fail(st, TTRPC_ALREADY_EXISTS, "container %s: already exists", r->id);
        goto out;
    }

    code = create_container(svc, c, r, st);
    pthread_mutex_lock(&svc->mu);
    if (code != TTRPC_OK) {
        create_undo(c);
        task_container_free(svc, c);
        pthread_mutex_unlock(&svc->mu);
        shim_warnf("Create %s: %s", r->id, st->message);
        goto out;
    }
    c->creating = false;
    c->init->status = TASK_CREATED;
    task_proc_adopt(svc, c, c->init);
    task_event_create(svc, c, r);
    pid_t pid = c->init->proc.pid;
    pthread_mutex_unlock(&svc->mu);
    write_init_pid(c->bundle, pid);
    shim_debugf("Create %s: pid %d", r->id, (int)pid);

    Containerd__Task__V2__CreateTaskResponse out = CONTAINERD__TASK__V2__CREATE_TASK_RESPONSE__INIT;
    out.pid = (uint32_t)pid;
    code = pack(&out.base, resp, resp_len, st);
out:
    FREE(containerd__task__v2__create_task_request);
    return code;
}

/* ---- Start ---- */

static int task_start(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                      size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__StartRequest, containerd__task__v2__start_request);
    int code = TTRPC_OK;
    pthread_mutex_lock(&svc->mu);
    struct task_container *c;
    struct task_proc *p = lookup(svc, r->id, r->exec_id, &c, st);
    if (!p) {
        code = st->code;
    } else if (p->status != TASK_CREATED || p->exited) {
        code = ttrpc_status_fail(st, TTRPC_FAILED_PRECONDITION,
                                 "container %s: process %s is not in the created state",
                                 r->id, or_empty(r->exec_id));
    } else {
        /* RUNNING before the process may run: a guest that exits at once must not have
         * its STOPPED overwritten (pitfall 14). */
        p->status = TASK_RUNNING;
        struct waot_error err = {0};
        if (shim_proc_release(&p->proc, &err) != 0) {
            code = ttrpc_status_fail(st, TTRPC_UNKNOWN, "container %s: %s", r->id, err.msg);
        } else {
            p->start_published = true;
            task_event_start(svc, c, p);
            if (p->exited && !p->exit_published) {
                p->exit_published = true;
                task_event_exit(svc, c, p);
            }
            Containerd__Task__V2__StartResponse out = CONTAINERD__TASK__V2__START_RESPONSE__INIT;
            out.pid = (uint32_t)p->proc.pid;
            code = pack(&out.base, resp, resp_len, st);
        }
    }
    pthread_mutex_unlock(&svc->mu);
    FREE(containerd__task__v2__start_request);
    return code;
}

/* ---- Wait ---- */

static int task_wait(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                     size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__WaitRequest, containerd__task__v2__wait_request);
    int code;
    pthread_mutex_lock(&svc->mu);
    struct task_container *c;
    struct task_proc *p = lookup(svc, r->id, r->exec_id, &c, st);
    if (!p) {
        code = st->code;
    } else {
        p->refs++;   /* Delete may unlink it while we sleep */
        while (!p->exited)
            pthread_cond_wait(&svc->exited, &svc->mu);
        Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
        set_ts(&at, &p->exited_at);
        Containerd__Task__V2__WaitResponse out = CONTAINERD__TASK__V2__WAIT_RESPONSE__INIT;
        out.exit_status = p->exit_status;
        out.exited_at = &at;
        code = pack(&out.base, resp, resp_len, st);
        task_proc_unref(p);
    }
    pthread_mutex_unlock(&svc->mu);
    FREE(containerd__task__v2__wait_request);
    return code;
}

/* ---- State ---- */

static int task_state(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                      size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__StateRequest, containerd__task__v2__state_request);
    int code;
    pthread_mutex_lock(&svc->mu);
    struct task_container *c;
    struct task_proc *p = lookup(svc, r->id, r->exec_id, &c, st);
    if (!p) {
        code = st->code;
    } else {
        Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
        Containerd__Task__V2__StateResponse out = CONTAINERD__TASK__V2__STATE_RESPONSE__INIT;
        out.id = c->id;
        out.bundle = c->bundle;
        out.pid = (uint32_t)p->proc.pid;
        out.status = (Containerd__V1__Types__Status)p->status;
        out.stdin = (char *)or_empty(p->stdin_path);
        out.stdout = (char *)or_empty(p->stdout_path);
        out.stderr = (char *)or_empty(p->stderr_path);
        out.terminal = p->terminal;
        out.exec_id = p->exec_id;
        if (p->exited) {
            out.exit_status = p->exit_status;
            set_ts(&at, &p->exited_at);
            out.exited_at = &at;
        }
        code = pack(&out.base, resp, resp_len, st);
    }
    pthread_mutex_unlock(&svc->mu);
    FREE(containerd__task__v2__state_request);
    return code;
}

/* ---- Kill ---- */

static int task_kill(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                     size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__KillRequest, containerd__task__v2__kill_request);
    int code = TTRPC_OK;
    pthread_mutex_lock(&svc->mu);
    struct task_container *c;
    struct task_proc *p = lookup(svc, r->id, r->exec_id, &c, st);
    int sig = (int)r->signal;
    if (!p) {
        code = st->code;
    } else if (sig <= 0 || sig >= 65) {
        code = ttrpc_status_fail(st, TTRPC_INVALID_ARGUMENT,
                                 "container %s: invalid signal %u", r->id, r->signal);
    } else if (r->all) {
        task_signal_all(c, sig);
    } else if (p->exited || p->proc.pid <= 0) {
        /* What runc answers, and what ctr prints: "process already finished: not found". */
        code = ttrpc_status_fail(st, TTRPC_NOT_FOUND, "process already finished");
    } else if (kill(p->proc.pid, sig) != 0) {
        code = ttrpc_status_fail(st, TTRPC_UNKNOWN, "container %s: kill pid %d: %s", r->id,
                                 (int)p->proc.pid, strerror(errno));
    }
    pthread_mutex_unlock(&svc->mu);
    FREE(containerd__task__v2__kill_request);
    return code == TTRPC_OK ? empty(resp, resp_len) : code;
}

/* ---- Delete ---- */

/* A process that was created but never started holds a ready runner: end it. */
static void end_unstarted(struct shim_task_service *svc, struct task_proc *p)
{
    if (p->exited || p->proc.pid <= 0)
        return;
    shim_proc_abandon(&p->proc);
    kill(p->proc.pid, SIGKILL);
    if (!task_wait_exit(svc, p, 5000))
        shim_warnf("pid %d did not exit after SIGKILL", (int)p->proc.pid);
}

static int task_delete(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                       size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__DeleteRequest, containerd__task__v2__delete_request);
    int code = TTRPC_OK;
    pthread_mutex_lock(&svc->mu);
    struct task_container *c;
    struct task_proc *p = lookup(svc, r->id, r->exec_id, &c, st);
    if (!p) {
        code = st->code;
        goto unlock;
    }
    if (!p->exited && (p->status == TASK_RUNNING || p->status == TASK_PAUSED)) {
        code = ttrpc_status_fail(st, TTRPC_FAILED_PRECONDITION,
                                 "container %s: process %s is running; kill it first",
                                 r->id, *p->exec_id ? p->exec_id : "init");
        goto unlock;
    }
    end_unstarted(svc, p);
    Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    set_ts(&at, &p->exited_at);
    Containerd__Task__V2__DeleteResponse out = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
    out.pid = (uint32_t)p->proc.pid;
    out.exit_status = p->exit_status;
    out.exited_at = &at;
    code = pack(&out.base, resp, resp_len, st);
    if (code != TTRPC_OK)
        goto unlock;
    task_event_delete(svc, c, p);
    if (p != c->init) {
        for (struct task_proc **pp = &c->execs; *pp; pp = &(*pp)->next)
            if (*pp == p) {
                *pp = p->next;
                break;
            }
        task_proc_unref(p);
        goto unlock;
    }
    /* The container goes: its execs were killed when init exited; wait for them so that
     * nothing of it outlives the cgroup and the rootfs. */
    task_signal_all(c, SIGKILL);
    for (struct task_proc *e = c->execs; e; e = e->next)
        if (!e->exited && e->proc.pid > 0 && !task_wait_exit(svc, e, 5000))
            shim_warnf("container %s: exec %s (pid %d) did not exit", c->id, e->exec_id,
                       (int)e->proc.pid);
    struct waot_error err = {0};
    if (c->mounted && shim_unmount_rootfs(c->rootfs, &err) != 0)
        shim_warnf("container %s: %s", c->id, err.msg);
    char pidfile[4200];
    snprintf(pidfile, sizeof pidfile, "%s/init.pid", c->bundle);
    unlink(pidfile);
    task_container_free(svc, c);
unlock:
    pthread_mutex_unlock(&svc->mu);
    FREE(containerd__task__v2__delete_request);
    return code;
}

/* ---- Exec ---- */

static int task_exec(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                     size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__ExecProcessRequest, containerd__task__v2__exec_process_request);
    int code = TTRPC_OK;
    struct task_proc *p = NULL;
    if (!r->exec_id || !*r->exec_id) {
        code = ttrpc_status_fail(st, TTRPC_INVALID_ARGUMENT,
                                 "container %s: Exec needs an exec id", r->id);
        goto out;
    }
    if (r->terminal) {
        code = ttrpc_status_fail(st, TTRPC_UNIMPLEMENTED,
                                 "container %s: waot does not support terminals", r->id);
        goto out;
    }
    if (!r->spec || !r->spec->value.data) {
        code = ttrpc_status_fail(st, TTRPC_INVALID_ARGUMENT,
                                 "container %s: Exec %s has no process spec", r->id, r->exec_id);
        goto out;
    }
    p = task_proc_new(r->exec_id);
    if (!p) {
        code = ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    char what[300];
    snprintf(what, sizeof what, "exec %s of container %s", r->exec_id, r->id);
    struct waot_error err = {0};
    if (shim_process_spec_parse((const char *)r->spec->value.data, r->spec->value.len, what,
                                &p->pspec, &err) != 0) {
        code = ttrpc_status_fail(st, TTRPC_INVALID_ARGUMENT, "%s", err.msg);
        goto out;
    }
    p->has_pspec = true;
    p->stdin_path = dup_or_null(r->stdin);
    p->stdout_path = dup_or_null(r->stdout);
    p->stderr_path = dup_or_null(r->stderr);

    pthread_mutex_lock(&svc->mu);
    struct task_container *c = task_find_container(svc, r->id);
    if (!c)
        code = ttrpc_status_fail(st, TTRPC_NOT_FOUND, "container %s: not found", r->id);
    else if (task_find_proc(c, r->exec_id))
        code = ttrpc_status_fail(st, TTRPC_ALREADY_EXISTS,
                                 "container %s: exec %s already exists", r->id, r->exec_id);
    else if (c->init->exited)
        code = ttrpc_status_fail(st, TTRPC_FAILED_PRECONDITION, "container %s is not running", r->id);
    if (code == TTRPC_OK) {
        /* Listed (as not yet created) so that a second Exec of the same id is refused. */
        p->refs++;
        p->next = c->execs;
        c->execs = p;
    }
    pthread_mutex_unlock(&svc->mu);
    if (code != TTRPC_OK)
        goto out;

    code = spawn_proc(svc, c, p, st);
    pthread_mutex_lock(&svc->mu);
    if (code != TTRPC_OK) {
        for (struct task_proc **pp = &c->execs; *pp; pp = &(*pp)->next)
            if (*pp == p) {
                *pp = p->next;
                task_proc_unref(p);
                break;
            }
    } else {
        p->status = TASK_CREATED;
        task_proc_adopt(svc, c, p);
        task_event_exec_added(svc, c, p);
    }
    pthread_mutex_unlock(&svc->mu);
out:
    task_proc_unref(p);
    FREE(containerd__task__v2__exec_process_request);
    return code == TTRPC_OK ? empty(resp, resp_len) : code;
}

/* ---- Pids ---- */

static int task_pids(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                     size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__PidsRequest, containerd__task__v2__pids_request);
    int code;
    pthread_mutex_lock(&svc->mu);
    struct task_container *c = task_find_container(svc, r->id);
    if (!c) {
        code = ttrpc_status_fail(st, TTRPC_NOT_FOUND, "container %s: not found", r->id);
    } else {
        size_t max = 1;
        for (struct task_proc *p = c->execs; p; p = p->next)
            max++;
        Containerd__V1__Types__ProcessInfo *infos = calloc(max, sizeof *infos);
        Containerd__V1__Types__ProcessInfo **ptrs = calloc(max, sizeof *ptrs);
        size_t n = 0;
        for (struct task_proc *p = c->init; p && infos && ptrs;
             p = (p == c->init ? c->execs : p->next)) {
            if (p->exited || p->proc.pid <= 0)
                continue;
            containerd__v1__types__process_info__init(&infos[n]);
            infos[n].pid = (uint32_t)p->proc.pid;
            ptrs[n] = &infos[n];
            n++;
        }
        Containerd__Task__V2__PidsResponse out = CONTAINERD__TASK__V2__PIDS_RESPONSE__INIT;
        out.n_processes = n;
        out.processes = ptrs;
        if (!infos || !ptrs)
            code = ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
        else
            code = pack(&out.base, resp, resp_len, st);
        free(infos);
        free(ptrs);
    }
    pthread_mutex_unlock(&svc->mu);
    FREE(containerd__task__v2__pids_request);
    return code;
}

/* ---- Pause / Resume ---- */

static int pause_resume(struct shim_task_service *svc, const char *id, bool pause,
                        struct ttrpc_status *st)
{
    int code = TTRPC_OK;
    pthread_mutex_lock(&svc->mu);
    struct task_container *c = task_find_container(svc, id);
    if (!c) {
        code = ttrpc_status_fail(st, TTRPC_NOT_FOUND, "container %s: not found", id);
    } else if (c->init->exited || c->init->status == TASK_CREATED) {
        code = ttrpc_status_fail(st, TTRPC_FAILED_PRECONDITION, "container %s is not running", id);
    } else if (pause != (c->init->status == TASK_PAUSED)) {
        /* The cgroup freezer when there is one (atomic for every process in it), else
         * SIGSTOP/SIGCONT to each process we know. */
        struct waot_error err = {0};
        if (!c->cg || shim_cgroup_freeze(c->cg, pause, &err) != 0)
            task_signal_all(c, pause ? SIGSTOP : SIGCONT);
        enum task_status to = pause ? TASK_PAUSED : TASK_RUNNING;
        c->init->status = to;
        for (struct task_proc *p = c->execs; p; p = p->next)
            if (!p->exited && p->status != TASK_CREATED)
                p->status = to;
        if (pause)
            task_event_simple(svc, "/tasks/paused", "containerd.events.TaskPaused", id);
        else
            task_event_simple(svc, "/tasks/resumed", "containerd.events.TaskResumed", id);
    }
    pthread_mutex_unlock(&svc->mu);
    return code;
}

static int task_pause(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                      size_t *resp_len, struct ttrpc_status *st)
{
    UNPACK(Containerd__Task__V2__PauseRequest, containerd__task__v2__pause_request);
    int code = pause_resume(ctx, r->id, true, st);
    FREE(containerd__task__v2__pause_request);
    return code == TTRPC_OK ? empty(resp, resp_len) : code;
}

static int task_resume(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                       size_t *resp_len, struct ttrpc_status *st)
{
    UNPACK(Containerd__Task__V2__ResumeRequest, containerd__task__v2__resume_request);
    int code = pause_resume(ctx, r->id, false, st);
    FREE(containerd__task__v2__resume_request);
    return code == TTRPC_OK ? empty(resp, resp_len) : code;
}

/* ---- CloseIO, ResizePty, Checkpoint ---- */

static int task_close_io(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                         size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__CloseIORequest, containerd__task__v2__close_iorequest);
    /* The runner opened the stdin fifo itself and the shim holds no end of it: once the
     * client closes its write end the process reads EOF; nothing is left to close here. */
    pthread_mutex_lock(&svc->mu);
    struct task_container *c;
    int code = lookup(svc, r->id, r->exec_id, &c, st) ? TTRPC_OK : st->code;
    pthread_mutex_unlock(&svc->mu);
    FREE(containerd__task__v2__close_iorequest);
    return code == TTRPC_OK ? empty(resp, resp_len) : code;
}

static int task_resize_pty(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                           size_t *resp_len, struct ttrpc_status *st)
{
    (void)ctx, (void)req, (void)req_len, (void)resp, (void)resp_len;
    return ttrpc_status_fail(st, TTRPC_UNIMPLEMENTED,
                             "waot does not support terminals: no pty to resize");
}

static int task_checkpoint(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                           size_t *resp_len, struct ttrpc_status *st)
{
    (void)ctx, (void)req, (void)req_len, (void)resp, (void)resp_len;
    return ttrpc_status_fail(st, TTRPC_UNIMPLEMENTED, "waot does not support checkpoints");
}

/* ---- Update, Stats ---- */

static int task_update(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                       size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__UpdateTaskRequest, containerd__task__v2__update_task_request);
    int code = TTRPC_OK;
    struct shim_resources res;
    struct waot_error err = {0};
    if (!r->resources || !r->resources->value.data) {
        code = ttrpc_status_fail(st, TTRPC_INVALID_ARGUMENT,
                                 "container %s: Update without resources", r->id);
        goto out;
    }
    char what[300];
    snprintf(what, sizeof what, "Update of container %s", r->id);
    if (shim_spec_resources_parse((const char *)r->resources->value.data,
                                  r->resources->value.len, what, &res, &err) != 0) {
        code = ttrpc_status_fail(st, TTRPC_INVALID_ARGUMENT, "%s", err.msg);
        goto out;
    }
    pthread_mutex_lock(&svc->mu);
    struct task_container *c = task_find_container(svc, r->id);
    if (!c)
        code = ttrpc_status_fail(st, TTRPC_NOT_FOUND, "container %s: not found", r->id);
    else if (!c->cg)
        code = ttrpc_status_fail(st, TTRPC_FAILED_PRECONDITION,
                                 "container %s has no cgroup to update", r->id);
    else if (shim_cgroup_update(c->cg, &res, &err) != 0)
        code = ttrpc_status_fail(st, TTRPC_UNKNOWN, "container %s: %s", r->id, err.msg);
    pthread_mutex_unlock(&svc->mu);
out:
    FREE(containerd__task__v2__update_task_request);
    return code == TTRPC_OK ? empty(resp, resp_len) : code;
}

static int task_stats(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                      size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__StatsRequest, containerd__task__v2__stats_request);
    int code = TTRPC_OK;
    pthread_mutex_lock(&svc->mu);
    struct task_container *c = task_find_container(svc, r->id);
    if (!c)
        code = ttrpc_status_fail(st, TTRPC_NOT_FOUND, "container %s: not found", r->id);
    else if (!c->cg)
        code = ttrpc_status_fail(st, TTRPC_FAILED_PRECONDITION,
                                 "container %s has no cgroup to report on", r->id);
    else if (task_stats_encode(c->cg, resp, resp_len) != 0)
        code = ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
    pthread_mutex_unlock(&svc->mu);
    FREE(containerd__task__v2__stats_request);
    return code;
}

/* ---- Connect, Shutdown ---- */

static int task_connect(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                        size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__ConnectRequest, containerd__task__v2__connect_request);
    Containerd__Task__V2__ConnectResponse out = CONTAINERD__TASK__V2__CONNECT_RESPONSE__INIT;
    out.shim_pid = (uint32_t)getpid();
    out.version = (char *)WAOT_VERSION;
    pthread_mutex_lock(&svc->mu);
    struct task_container *c = task_find_container(svc, r->id);
    if (c)
        out.task_pid = (uint32_t)c->init->proc.pid;
    pthread_mutex_unlock(&svc->mu);
    int code = pack(&out.base, resp, resp_len, st);
    FREE(containerd__task__v2__connect_request);
    return code;
}

static int task_shutdown(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                         size_t *resp_len, struct ttrpc_status *st)
{
    struct shim_task_service *svc = ctx;
    UNPACK(Containerd__Task__V2__ShutdownRequest, containerd__task__v2__shutdown_request);
    pthread_mutex_lock(&svc->mu);
    /* Other containers of the group keep the daemon (pitfall 5 is the opposite case: an
     * empty daemon must go). */
    bool go = r->now || !svc->containers;
    pthread_mutex_unlock(&svc->mu);
    if (go && svc->server) {
        shim_debugf("Shutdown: no container left, exiting");
        ttrpc_server_stop(svc->server, 1000);
    }
    FREE(containerd__task__v2__shutdown_request);
    return empty(resp, resp_len);
}

static const struct ttrpc_method methods[] = {
    {TASK_SERVICE, "State", task_state},
    {TASK_SERVICE, "Create", task_create},
    {TASK_SERVICE, "Start", task_start},
    {TASK_SERVICE, "Delete", task_delete},
    {TASK_SERVICE, "Pids", task_pids},
    {TASK_SERVICE, "Pause", task_pause},
    {TASK_SERVICE, "Resume", task_resume},
    {TASK_SERVICE, "Checkpoint", task_checkpoint},
    {TASK_SERVICE, "Kill", task_kill},
    {TASK_SERVICE, "Exec", task_exec},
    {TASK_SERVICE, "ResizePty", task_resize_pty},
    {TASK_SERVICE, "CloseIO", task_close_io},
    {TASK_SERVICE, "Update", task_update},
    {TASK_SERVICE, "Wait", task_wait},
    {TASK_SERVICE, "Stats", task_stats},
    {TASK_SERVICE, "Connect", task_connect},
    {TASK_SERVICE, "Shutdown", task_shutdown},
};

const struct ttrpc_method *shim_task_methods(size_t *n)
{
    *n = sizeof methods / sizeof methods[0];
    return methods;
}

/* ---- the service ---- */

struct shim_task_service *shim_task_service_new(const struct shim_task_config *cfg,
                                                struct waot_error *err)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct shim_task_service *svc = calloc(1, sizeof *svc);
    if (!svc) {
        waot_fail(err, WAOT_E_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&svc->mu, NULL);
    pthread_cond_init(&svc->exited, NULL);
    svc->debug = cfg->debug;
    svc->ns = strdup(cfg->ns ? cfg->ns : "default");
    svc->cache_dir = cfg->cache_dir ? strdup(cfg->cache_dir) : NULL;
    if (!svc->ns || (cfg->cache_dir && !svc->cache_dir)) {
        shim_task_service_free(svc);
        waot_fail(err, WAOT_E_NOMEM, "out of memory");
        return NULL;
    }
    struct waot_error eerr = {0};
    svc->events = shim_events_start(cfg->ttrpc_address, svc->ns, &eerr);
    if (!svc->events)
        shim_warnf("events will not reach containerd: %s", eerr.msg);
    if (task_reaper_start(svc, err) != 0) {
        shim_task_service_free(svc);
        return NULL;
    }
    return svc;
}

void shim_task_service_attach(struct shim_task_service *svc, struct ttrpc_server *server)
{
    svc->server = server;
}

void shim_task_service_free(struct shim_task_service *svc)
{
    if (!svc)
        return;
    pthread_mutex_lock(&svc->mu);
    for (struct task_container *c = svc->containers; c; c = c->next)
        task_signal_all(c, SIGKILL);
    while (svc->containers) {
        struct task_container *c = svc->containers;
        struct waot_error err = {0};
        if (c->mounted && shim_unmount_rootfs(c->rootfs, &err) != 0)
            shim_warnf("container %s: %s", c->id, err.msg);
        task_container_free(svc, c);
    }
    pthread_mutex_unlock(&svc->mu);
    if (svc->events)
        shim_events_stop(svc->events, 2000);
    /* The reaper thread stays blocked in sigwaitinfo: the process is about to exit, and
     * waiters still hold the lock's condition variable; neither is destroyed. */
    free(svc->ns);
    free(svc->cache_dir);
    if (!svc->reaper_started)
        free(svc);
}
