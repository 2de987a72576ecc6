/*
 * State shared by the files of the task service (see shim_task.h). One mutex guards the
 * whole table; handlers hold it only for bookkeeping, never across a spawn, a mount or a
 * wait, so a slow Create (a first compile) never stalls State or Wait of other tasks.
 */
#ifndef WAOT_SHIM_TASK_INTERNAL_H
#define WAOT_SHIM_TASK_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "shim_cgroup.h"
#include "shim_events.h"
#include "shim_proc.h"
#include "shim_spec.h"
#include "shim_task.h"

/* containerd.v1.types.Status */
enum task_status { TASK_UNKNOWN = 0, TASK_CREATED = 1, TASK_RUNNING = 2, TASK_STOPPED = 3,
                   TASK_PAUSED = 4 };

struct task_proc {
    struct task_proc *next;          /* in its container's exec list */
    unsigned refs;                   /* the table holds one, each waiting Wait one */
    char *exec_id;                   /* "" for the init process */
    struct shim_process_spec pspec;  /* an exec's own process spec */
    bool has_pspec;
    char *stdin_path, *stdout_path, *stderr_path;
    bool terminal;
    struct shim_proc proc;           /* pid, go pipe */
    enum task_status status;
    bool exited;
    uint32_t exit_status;
    struct timespec exited_at;
    bool start_published;            /* /tasks/exit may only follow /tasks/start */
    bool exit_published;
};

struct task_container {
    struct task_container *next;
    char *id, *bundle, *rootfs;
    bool creating;                   /* Create is still running: not visible to others */
    bool mounted;                    /* we mounted Create's rootfs on rootfs */
    struct shim_spec spec;
    struct shim_cgroup *cg;
    uint64_t oom_seen;
    struct task_proc *init;
    struct task_proc *execs;
};

struct early_exit { pid_t pid; int wstatus; struct timespec at; };
#define TASK_EARLY_EXITS 64

struct shim_task_service {
    pthread_mutex_t mu;
    pthread_cond_t exited;           /* broadcast after every exit */
    struct task_container *containers;
    struct shim_events *events;
    struct ttrpc_server *server;
    char *ns, *cache_dir;
    bool debug;
    pthread_t reaper;
    bool reaper_started;
    struct early_exit early[TASK_EARLY_EXITS];   /* reaped before their spawn returned */
    unsigned nearly;
};

/* ---- shim_task_state.c (callers hold svc->mu unless noted) ---- */
struct task_container *task_find_container(struct shim_task_service *svc, const char *id);
/* exec_id "" or NULL: the init process. */
struct task_proc *task_find_proc(struct task_container *c, const char *exec_id);
struct task_proc *task_proc_new(const char *exec_id);
void task_proc_unref(struct task_proc *p);
/* A spawned process: takes an exit the reaper saw before the pid was known. */
void task_proc_adopt(struct shim_task_service *svc, struct task_container *c,
                     struct task_proc *p);
/* Forgets an early exit of a runner whose spawn failed. */
void task_forget_pid(struct shim_task_service *svc, pid_t pid);
/* Sends sig to every live process of c (all) or to p. */
void task_signal_all(struct task_container *c, int sig);
/* Waits (releasing mu) until p exited or timeout_ms passed; true when it exited. */
bool task_wait_exit(struct shim_task_service *svc, struct task_proc *p, int timeout_ms);
/* Unlinks c from the table and frees it (its procs are unreferenced). */
void task_container_free(struct shim_task_service *svc, struct task_container *c);
/* Not holding mu: starts the reaper thread. */
int task_reaper_start(struct shim_task_service *svc, struct waot_error *err);
/* The status containerd should see for an exit: the code, or 128+N for signal N. */
uint32_t task_exit_status(int wstatus);

/* ---- shim_task_events.c (callers hold svc->mu) ---- */
void task_event_create(struct shim_task_service *svc, struct task_container *c,
                       const void *create_request);
void task_event_start(struct shim_task_service *svc, struct task_container *c,
                      struct task_proc *p);
void task_event_exit(struct shim_task_service *svc, struct task_container *c,
                     struct task_proc *p);
void task_event_delete(struct shim_task_service *svc, struct task_container *c,
                       struct task_proc *p);
void task_event_exec_added(struct shim_task_service *svc, struct task_container *c,
                           struct task_proc *p);
void task_event_simple(struct shim_task_service *svc, const char *topic, const char *type,
                       const char *container_id);

/* ---- shim_task_stats.c ---- */
/* A serialised StatsResponse for cg (not holding mu is fine: it only reads cgroup files). */
int task_stats_encode(struct shim_cgroup *cg, uint8_t **out, size_t *len);

#endif
