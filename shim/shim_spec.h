/*
 * The OCI runtime spec of a container as the shim needs it: config.json of the bundle
 * (process, root, mounts, annotations, linux namespaces/cgroupsPath/resources) and, for an
 * exec, an OCI `process` object given as JSON. Everything is validated here (types, sizes,
 * absolute paths) so that later code trusts the struct; errors name the file and the field.
 */
#ifndef WAOT_SHIM_SPEC_H
#define WAOT_SHIM_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "waot/waot.h"

struct shim_process_spec {
    char **args;           /* args[0]: the module's path inside the rootfs */
    size_t nargs;
    char **env;            /* "KEY=VALUE" */
    size_t nenv;
    char *cwd;             /* absolute; "/" when absent */
    bool terminal;
    uid_t uid;
    gid_t gid;
    gid_t *additional_gids;
    size_t nadditional_gids;
    uint64_t nofile;       /* RLIMIT_NOFILE hard limit from rlimits, 0: not given */
    bool no_new_privileges;
};

struct shim_mount_spec {   /* one entry of config.json "mounts" */
    char *destination;
    char *type;            /* may be NULL */
    char *source;          /* may be NULL */
    char **options;
    size_t noptions;
};

enum shim_ns_type { SHIM_NS_PID, SHIM_NS_NET, SHIM_NS_IPC, SHIM_NS_UTS, SHIM_NS_MOUNT,
                    SHIM_NS_USER, SHIM_NS_CGROUP, SHIM_NS_TIME, SHIM_NS_COUNT };

struct shim_resources {    /* linux.resources; 0 / -1 mean "not given" as noted */
    int64_t memory_limit;  /* bytes, 0: none */
    int64_t memory_swap;   /* bytes, 0: none */
    int64_t pids_limit;    /* 0: none */
    uint64_t cpu_shares;   /* 0: none */
    int64_t cpu_quota;     /* microseconds per period, 0: none */
    uint64_t cpu_period;   /* microseconds, 0: none */
};

struct shim_spec {
    struct shim_process_spec process;
    char *root_path;       /* root.path, relative to the bundle or absolute */
    bool root_readonly;
    struct shim_mount_spec *mounts;
    size_t nmounts;
    char **annotation_keys, **annotation_values;
    size_t nannotations;
    bool ns_wanted[SHIM_NS_COUNT];   /* the namespace is listed */
    char *ns_path[SHIM_NS_COUNT];    /* its path (join it), or NULL (a new one) */
    char *cgroups_path;              /* linux.cgroupsPath, or NULL */
    struct shim_resources resources;
    char *hostname;
};

/* Parses <bundle>/config.json. -1 with a message naming the file and the field. */
int shim_spec_load(const char *bundle, struct shim_spec *spec, struct waot_error *err);
/* Parses an OCI process object (Exec's spec) into p; what_for names it in errors. */
int shim_process_spec_parse(const char *json, size_t len, const char *what_for,
                            struct shim_process_spec *p, struct waot_error *err);
/* Parses an OCI LinuxResources object (Update's resources, JSON) into r. */
int shim_spec_resources_parse(const char *json, size_t len, const char *what_for,
                              struct shim_resources *r, struct waot_error *err);
/* The annotation's value, or NULL. */
const char *shim_spec_annotation(const struct shim_spec *spec, const char *key);
/* io.kubernetes.cri.container-type == "sandbox": the pod's pause container. */
bool shim_spec_is_sandbox(const struct shim_spec *spec);
/* Grouping key for the daemon socket: io.kubernetes.cri.sandbox-id, or
 * io.containerd.waot.v1.group, or NULL (the container id). */
const char *shim_spec_group(const struct shim_spec *spec);
void shim_process_spec_free(struct shim_process_spec *p);
void shim_spec_free(struct shim_spec *spec);

#endif
