/*
 * A container's cgroup: linux.cgroupsPath ("/default/<id>", or systemd's
 * "slice:prefix:name") under the cgroup v2 unified hierarchy, or under each cgroup v1
 * controller (memory, pids, cpu, freezer) on hybrid/v1 hosts. linux.resources map onto it
 * (memory limit and swap, pids.max, cpu shares/weight and quota); OOM kills are read back
 * from it; it is removed when the container is deleted.
 */
#ifndef WAOT_SHIM_CGROUP_H
#define WAOT_SHIM_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "shim_spec.h"

struct shim_cgroup;

/* Creates (or reuses) the cgroup for path and applies res. NULL path: no cgroup (returns
 * NULL with err->code WAOT_OK). */
struct shim_cgroup *shim_cgroup_create(const char *path, const struct shim_resources *res,
                                       struct waot_error *err);
/* Moves pid into the cgroup. */
int shim_cgroup_add(struct shim_cgroup *cg, pid_t pid, struct waot_error *err);
/* Number of OOM kills in this cgroup so far. */
uint64_t shim_cgroup_oom_kills(struct shim_cgroup *cg);
/* Current memory use in bytes and number of pids, for Stats; 0 when unknown. */
void shim_cgroup_usage(struct shim_cgroup *cg, uint64_t *memory_bytes, uint64_t *pids,
                       uint64_t *cpu_usage_ns);
/* Applies new resources (Update). */
int shim_cgroup_update(struct shim_cgroup *cg, const struct shim_resources *res,
                       struct waot_error *err);
/* Freezes (Pause) or thaws (Resume) every process in the cgroup: v2 cgroup.freeze, v1
 * freezer.state (waiting until FROZEN). */
int shim_cgroup_freeze(struct shim_cgroup *cg, bool frozen, struct waot_error *err);
/* The cgroup below the hierarchy root ("/default/id", "/system.slice/x-y.scope"). */
const char *shim_cgroup_path(const struct shim_cgroup *cg);
/* Removes the cgroup directories (after every process left) and frees cg. */
void shim_cgroup_destroy(struct shim_cgroup *cg);

#endif
