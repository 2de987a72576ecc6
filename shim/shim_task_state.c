/*
 * The task service's table of containers and processes, and the reaper: the one place
 * where the daemon waits for its children. SIGCHLD is blocked in every thread and taken by
 * sigwaitinfo in the reaper thread, which collects every exited child with waitpid(WNOHANG)
 * and records its status under the table's lock. An exit that arrives before its spawn has
 * returned (a runner that failed at once, or a guest faster than Create) is kept until the
 * process is adopted.
 */
#include "shim_task_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim_log.h"
#include "shim_mount.h"

struct task_container *task_find_container(struct shim_task_service *svc, const char *id)
{
    for (struct task_container *c = svc->containers; c; c = c->next)
        if (!c->creating && strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

struct task_proc *task_find_proc(struct task_container *c, const char *exec_id)
{
    if (!exec_id || !*exec_id)
        return c->init;
    for (struct task_proc *p = c->execs; p; p = p->next)
        if (strcmp(p->exec_id, exec_id) == 0)
            return p;
    return NULL;
}

struct task_proc *task_proc_new(const char *exec_id)
{
    struct task_proc *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->exec_id = strdup(exec_id ? exec_id : "");
    if (!p->exec_id) {
        free(p);
        return NULL;
    }
    p->refs = 1;
    p->proc.go_fd = -1;
    p->status = TASK_UNKNOWN;
    return p;
}

void task_proc_unref(struct task_proc *p)
{
    if (!p || --p->refs > 0)
        return;
    if (p->proc.go_fd >= 0)
        shim_proc_abandon(&p->proc);
    if (p->has_pspec)
        shim_process_spec_free(&p->pspec);
    free(p->exec_id);
    free(p->stdin_path);
    free(p->stdout_path);
    free(p->stderr_path);
    free(p);
}

uint32_t task_exit_status(int wstatus)
{
    if (WIFEXITED(wstatus))
        return (uint32_t)WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128u + (uint32_t)WTERMSIG(wstatus);
    return 255;
}

void task_signal_all(struct task_container *c, int sig)
{
    if (c->init && c->init->proc.pid > 0 && !c->init->exited)
        kill(c->init->proc.pid, sig);
    for (struct task_proc *p = c->execs; p; p = p->next)
        if (p->proc.pid > 0 && !p->exited)
            kill(p->proc.pid, sig);
}

/* Records the exit of p (mu held): status, waiters, the exit event once the start event is
 * out, the OOM event, and the end of the container's other processes when init ends
 * (an exec must not outlive its container: runc has the pid namespace for that). */
static void proc_exited(struct shim_task_service *svc, struct task_container *c,
                        struct task_proc *p, int wstatus, const struct timespec *at)
{
    p->exited = true;
    p->exit_status = task_exit_status(wstatus);
    p->exited_at = *at;
    p->status = TASK_STOPPED;
    if (p->proc.go_fd >= 0)
        shim_proc_abandon(&p->proc);
    shim_debugf("%s%s%s: pid %d exited with status %u", c->id, *p->exec_id ? "/" : "",
                p->exec_id, (int)p->proc.pid, p->exit_status);
    if (p == c->init)
        task_signal_all(c, SIGKILL);
    if (c->cg) {
        uint64_t ooms = shim_cgroup_oom_kills(c->cg);
        if (ooms > c->oom_seen) {
            c->oom_seen = ooms;
            task_event_simple(svc, "/tasks/oom", "containerd.events.TaskOOM", c->id);
        }
    }
    if (p->start_published && !p->exit_published) {
        p->exit_published = true;
        task_event_exit(svc, c, p);
    }
    pthread_cond_broadcast(&svc->exited);
}

static bool find_by_pid(struct shim_task_service *svc, pid_t pid, struct task_container **cp,
                        struct task_proc **pp)
{
    for (struct task_container *c = svc->containers; c; c = c->next) {
        if (c->init && c->init->proc.pid == pid && !c->init->exited) {
            *cp = c, *pp = c->init;
            return true;
        }
        for (struct task_proc *p = c->execs; p; p = p->next)
            if (p->proc.pid == pid && !p->exited) {
                *cp = c, *pp = p;
                return true;
            }
    }
    return false;
}

static void reaped(struct shim_task_service *svc, pid_t pid, int wstatus)
{
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    pthread_mutex_lock(&svc->mu);
    struct task_container *c;
    struct task_proc *p;
    if (find_by_pid(svc, pid, &c, &p)) {
        proc_exited(svc, c, p, wstatus, &at);
    } else {
        /* Not adopted yet: keep it (the oldest entry gives way when the list is full). */
        struct early_exit *e = &svc->early[svc->nearly % TASK_EARLY_EXITS];
        e->pid = pid, e->wstatus = wstatus, e->at = at;
        svc->nearly++;
    }
    pthread_mutex_unlock(&svc->mu);
}

void task_proc_adopt(struct shim_task_service *svc, struct task_container *c,
                     struct task_proc *p)
{
    unsigned n = svc->nearly < TASK_EARLY_EXITS ? svc->nearly : TASK_EARLY_EXITS;
    for (unsigned i = 0; i < n; i++) {
        struct early_exit *e = &svc->early[i];
        if (e->pid == p->proc.pid && e->pid > 0) {
            e->pid = 0;
            proc_exited(svc, c, p, e->wstatus, &e->at);
            return;
        }
    }
}

void task_forget_pid(struct shim_task_service *svc, pid_t pid)
{
    unsigned n = svc->nearly < TASK_EARLY_EXITS ? svc->nearly : TASK_EARLY_EXITS;
    for (unsigned i = 0; i < n; i++)
        if (svc->early[i].pid == pid)
            svc->early[i].pid = 0;
}

bool task_wait_exit(struct shim_task_service *svc, struct task_proc *p, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L)
        until.tv_sec++, until.tv_nsec -= 1000000000L;
    p->refs++;
    while (!p->exited)
        if (pthread_cond_timedwait(&svc->exited, &svc->mu, &until) == ETIMEDOUT)
            break;
    bool exited = p->exited;
    task_proc_unref(p);
    return exited;
}

void task_container_free(struct shim_task_service *svc, struct task_container *c)
{
    for (struct task_container **pp = &svc->containers; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    while (c->execs) {
        struct task_proc *p = c->execs;
        c->execs = p->next;
        task_proc_unref(p);
    }
    task_proc_unref(c->init);
    if (c->cg)
        shim_cgroup_destroy(c->cg);
    shim_spec_free(&c->spec);
    free(c->id);
    free(c->bundle);
    free(c->rootfs);
    free(c);
}

static void *reaper_main(void *arg)
{
    struct shim_task_service *svc = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (;;) {
        siginfo_t si;
        if (sigwaitinfo(&set, &si) < 0 && errno != EINTR)
            continue;
        /* Several exits may share one signal: collect all of them. */
        for (;;) {
            int wstatus;
            pid_t pid = waitpid(-1, &wstatus, WNOHANG);
            if (pid <= 0)
                break;
            reaped(svc, pid, wstatus);
        }
    }
    return NULL;
}

int task_reaper_start(struct shim_task_service *svc, struct waot_error *err)
{
    int r = pthread_create(&svc->reaper, NULL, reaper_main, svc);
    if (r != 0)
        return waot_fail(err, WAOT_E_INTERNAL, "cannot start the reaper thread: %s", strerror(r));
    pthread_detach(svc->reaper);
    svc->reaper_started = true;
    return 0;
}
