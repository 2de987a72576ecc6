/*
 * One process of a container (its init or an exec): a fork of the shim that immediately
 * execs the shim binary again in task-runner mode (shim_runner.c), so that the multithreaded
 * daemon never runs anything but exec in the child. The runner opens the stdio fifos, joins
 * the namespaces config.json names, drops to the process user, resolves the module inside
 * the rootfs through the compiled-code cache (compiling on a miss), instantiates it under
 * the seccomp filter, reports "ready" on a status pipe and waits on a go pipe: Create has a
 * ready process, Start only releases it. A failure before ready is reported on the status
 * pipe with its message and the runner exits 125.
 *
 * Exit statuses are those of `waot run`: the guest's proc_exit code, 134 after a trap, 159
 * when the seccomp filter stopped a system call; the shim reports 128+N for a kill by
 * signal N.
 */
#ifndef WAOT_SHIM_PROC_H
#define WAOT_SHIM_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "shim_spec.h"
#include "waot/waot.h"

struct shim_proc_req {
    const char *bundle;                    /* the container's bundle directory */
    const char *rootfs;                    /* host path of the container's root */
    const struct shim_spec *spec;          /* config.json (mounts, namespaces, ...) */
    const struct shim_process_spec *process; /* what to run: spec->process or an exec's */
    const char *stdin_path, *stdout_path, *stderr_path;  /* fifos; NULL or "": none */
    bool sandbox;                          /* the pod's pause process: no module */
    const char *cache_dir;                 /* NULL: the default (/var/lib/waot/cache as root) */
    bool debug;                            /* runner logs to the shim's log */
    const char *runner;                    /* the runner executable; NULL: /proc/self/exe
                                            * (the shim itself; tests point it elsewhere) */
};

struct shim_proc {
    pid_t pid;
    int go_fd;                             /* write end of the go pipe; -1 once released */
};

/* Forks and execs the runner, waits for its ready report. 0: p->pid is ready and waiting.
 * -1: err holds the runner's own message (e.g. "/hello.wasm: not found in the container's
 * root file system") or why the spawn failed. Never calls waitpid: the shim reaps every
 * child in one place (its reaper thread), so a failed runner's exit arrives there; p->pid
 * is set (or 0) so that the caller can tell it apart. */
int shim_proc_spawn(const struct shim_proc_req *r, struct shim_proc *p, struct waot_error *err);
/* Lets a ready process run (closes the go pipe after writing one byte). */
int shim_proc_release(struct shim_proc *p, struct waot_error *err);
/* Closes the go pipe without releasing: the runner exits without running the guest. */
void shim_proc_abandon(struct shim_proc *p);

/* The runner: main() of the shim binary calls it when argv[1] is SHIM_RUNNER_ARG. Returns
 * the process exit status. */
#define SHIM_RUNNER_ARG "--waot-task-runner"
/* The runner's ends of the two pipes, at fixed descriptors (shim_proc_spawn puts them
 * there): it writes "ready" or its failure to the status pipe, then reads one byte (go) or
 * EOF (abandoned) from the go pipe. */
#define SHIM_RUNNER_STATUS_FD 3
#define SHIM_RUNNER_GO_FD 4
int shim_runner_main(int argc, char **argv);

#endif
