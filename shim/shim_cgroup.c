/*
 * A container's cgroup (see shim_cgroup.h). On a cgroup v2 host (/sys/fs/cgroup has
 * cgroup.controllers) it is one directory of the unified tree; on v1 and hybrid hosts one
 * directory per controller waot uses (memory, pids, cpu, cpuacct, freezer), each under that
 * controller's own mount. linux.cgroupsPath is either a path ("/default/<id>", as containerd
 * writes it) or systemd's "slice:prefix:name", which is expanded here to the directory
 * systemd would use (a-b.slice -> a.slice/a-b.slice, unit prefix-name.scope) without
 * talking to systemd. ".." is refused in either form.
 *
 * v1 values: memory.limit_in_bytes, memory.memsw.limit_in_bytes (memory + swap, only where
 * swap accounting is on), pids.max, cpu.shares, cpu.cfs_quota_us/cfs_period_us.
 * v2 values: memory.max, memory.swap.max (swap alone, so OCI's memory+swap minus the
 * limit), pids.max, cpu.weight (from shares by the conversion runc and crun use) and
 * cpu.max. Destroying removes only the container's own directories (not "/default"), and
 * waits briefly while the kernel still counts exiting processes in them.
 */
#include "shim_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_V1_MAX 5
#define CGROUP_RMDIR_TRIES 100   /* x 10 ms */

enum cg_ctl { CG_MEMORY, CG_PIDS, CG_CPU, CG_CPUACCT, CG_FREEZER, CG_NCTL };
static const char *const cg_ctl_names[CG_NCTL] = {"memory", "pids", "cpu", "cpuacct", "freezer"};

struct shim_cgroup {
    bool v2;
    char rel[PATH_MAX / 2];        /* the cgroup below each root, with a leading "/" */
    char *dir[CG_NCTL];            /* v1: the directory per controller (NULL: not mounted);
                                    * v2: dir[0] is the one directory */
};

/* ---- paths ---- */

static bool has_dotdot(const char *p)
{
    while (*p) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return true;
        p += len;
    }
    return false;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "" and "-.slice" -> "". */
static int expand_slice(const char *slice, char *buf, size_t size, struct waot_error *err)
{
    buf[0] = '\0';
    if (!*slice || strcmp(slice, "-.slice") == 0)
        return 0;
    size_t len = strlen(slice);
    if (len <= 6 || strcmp(slice + len - 6, ".slice") != 0 || strchr(slice, '/'))
        return waot_fail(err, WAOT_E_INVALID, "cgroupsPath: %s is not a systemd slice name", slice);
    size_t base = len - 6, used = 0;
    for (size_t i = 0; i <= base; i++) {
        if (i < base && slice[i] != '-')
            continue;
        if (i == 0 || slice[i - 1] == '-' || (i < base && i + 1 == base))
            return waot_fail(err, WAOT_E_INVALID, "cgroupsPath: %s: empty part in the slice name",
                             slice);
        int n = snprintf(buf + used, size - used, "/%.*s.slice", (int)i, slice);
        if (n < 0 || (size_t)n >= size - used)
            return waot_fail(err, WAOT_E_INVALID, "cgroupsPath: %s: too long", slice);
        used += (size_t)n;
    }
    return 0;
}

/* linux.cgroupsPath -> the path below a hierarchy root, with a leading "/". */
static int cgroup_rel(const char *path, char *buf, size_t size, struct waot_error *err)
{
    if (has_dotdot(path))
        return waot_fail(err, WAOT_E_INVALID, "cgroupsPath %s: contains \"..\"", path);
    const char *c1 = path[0] != '/' ? strchr(path, ':') : NULL;
    if (c1) { /* systemd: slice:prefix:name */
        const char *c2 = strchr(c1 + 1, ':');
        if (!c2 || strchr(c2 + 1, ':') || strchr(c2 + 1, '/') || !c2[1])
            return waot_fail(err, WAOT_E_INVALID,
                             "cgroupsPath %s: expected slice:prefix:name", path);
        char slice[256], sdir[PATH_MAX / 2];
        if ((size_t)(c1 - path) >= sizeof slice)
            return waot_fail(err, WAOT_E_INVALID, "cgroupsPath %s: slice too long", path);
        snprintf(slice, sizeof slice, "%.*s", (int)(c1 - path), path);
        if (!slice[0])
            snprintf(slice, sizeof slice, "system.slice");
        if (expand_slice(slice, sdir, sizeof sdir, err) < 0)
            return -1;
        const char *name = c2 + 1;
        size_t nlen = strlen(name);
        int n;
        if (nlen > 6 && strcmp(name + nlen - 6, ".slice") == 0)
            n = snprintf(buf, size, "%s/%s", sdir, name);
        else if (c2 > c1 + 1)
            n = snprintf(buf, size, "%s/%.*s-%s.scope", sdir, (int)(c2 - c1 - 1), c1 + 1, name);
        else
            n = snprintf(buf, size, "%s/%s.scope", sdir, name);
        if (n < 0 || (size_t)n >= size)
            return waot_fail(err, WAOT_E_INVALID, "cgroupsPath %s: too long", path);
        return 0;
    }
    while (*path == '/')
        path++;
    if (!*path)
        return waot_fail(err, WAOT_E_INVALID, "cgroupsPath \"/\": the root cgroup is not a container's");
    int n = snprintf(buf, size, "/%s", path);
    if (n < 0 || (size_t)n >= size)
        return waot_fail(err, WAOT_E_INVALID, "cgroupsPath %s: too long", path);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    return 0;
}

/* mkdir -p of root + rel; on v2 each new level gets the controllers enabled in its parent's
 * cgroup.subtree_control first (best effort: a controller the parent lacks stays off). */
static int make_dirs(const char *root, const char *rel, bool v2, char **out,
                     struct waot_error *err)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof path)
        return waot_fail(err, WAOT_E_INVALID, "cgroup %s%s: path too long", root, rel);
    for (char *p = path + strlen(root) + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (v2) {
            char ctl[PATH_MAX + 32];
            const char *slash = strrchr(path, '/');
            snprintf(ctl, sizeof ctl, "%.*s/cgroup.subtree_control", (int)(slash - path), path);
            static const char *const enable[] = {"+memory", "+pids", "+cpu"};
            for (size_t i = 0; i < 3; i++) {
                int fd = open(ctl, O_WRONLY | O_CLOEXEC);
                if (fd >= 0) {
                    ssize_t w = write(fd, enable[i], strlen(enable[i]));
                    (void)w;
                    close(fd);
                }
            }
        }
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            return waot_fail(err, WAOT_E_IO, "cgroup %s: %s", path, strerror(errno));
        *p = saved;
        if (!saved)
            break;
    }
    if (!(*out = strdup(path)))
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    return 0;
}

/* ---- files ---- */

static int write_value(const char *dir, const char *file, const char *value,
                       struct waot_error *err)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "cgroup %s: %s", path, strerror(errno));
    size_t len = strlen(value);
    ssize_t w = write(fd, value, len);
    int e = errno;
    close(fd);
    if (w != (ssize_t)len)
        return waot_fail(err, WAOT_E_IO, "cgroup %s: writing \"%s\": %s", path, value,
                         w < 0 ? strerror(e) : "short write");
    return 0;
}

static int read_text(const char *dir, const char *file, char *buf, size_t size)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

static uint64_t read_u64(const char *dir, const char *file)
{
    char buf[64];
    if (!dir || read_text(dir, file, buf, sizeof buf) < 0)
        return 0;
    return strtoull(buf, NULL, 10);
}

/* The number after "key " in a flat keyed file (memory.events, cpu.stat, oom_control). */
static uint64_t read_key(const char *dir, const char *file, const char *key)
{
    char buf[4096];
    if (!dir || read_text(dir, file, buf, sizeof buf) < 0)
        return 0;
    size_t klen = strlen(key);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
            return strtoull(line + klen + 1, NULL, 10);
    return 0;
}

static bool file_exists(const char *dir, const char *file)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

/* ---- resources ---- */

/* OCI cpu.shares [2, 262144] -> cgroup v2 cpu.weight [1, 10000]. */
static uint64_t shares_to_weight(uint64_t shares)
{
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

static int apply_v2(struct shim_cgroup *cg, const struct shim_resources *r, struct waot_error *err)
{
    char v[64];
    const char *d = cg->dir[0];
    if (r->memory_limit) {
        snprintf(v, sizeof v, "%lld", (long long)r->memory_limit);
        if (write_value(d, "memory.max", v, err) < 0)
            return -1;
        if (r->memory_swap && file_exists(d, "memory.swap.max")) {
            int64_t swap = r->memory_swap > r->memory_limit ? r->memory_swap - r->memory_limit : 0;
            snprintf(v, sizeof v, "%lld", (long long)swap);
            if (write_value(d, "memory.swap.max", v, err) < 0)
                return -1;
        }
    }
    if (r->pids_limit) {
        snprintf(v, sizeof v, "%lld", (long long)r->pids_limit);
        if (write_value(d, "pids.max", v, err) < 0)
            return -1;
    }
    if (r->cpu_shares) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)shares_to_weight(r->cpu_shares));
        if (write_value(d, "cpu.weight", v, err) < 0)
            return -1;
    }
    if (r->cpu_quota || r->cpu_period) {
        uint64_t period = r->cpu_period ? r->cpu_period : 100000;
        if (r->cpu_quota)
            snprintf(v, sizeof v, "%lld %llu", (long long)r->cpu_quota, (unsigned long long)period);
        else
            snprintf(v, sizeof v, "max %llu", (unsigned long long)period);
        if (write_value(d, "cpu.max", v, err) < 0)
            return -1;
    }
    return 0;
}

static int apply_v1(struct shim_cgroup *cg, const struct shim_resources *r, struct waot_error *err)
{
    char v[64];
    const char *mem = cg->dir[CG_MEMORY], *cpu = cg->dir[CG_CPU], *pids = cg->dir[CG_PIDS];
    if ((r->memory_limit || r->memory_swap) && !mem)
        return waot_fail(err, WAOT_E_IO, "cgroup v1 memory controller is not mounted");
    if (r->memory_limit) {
        snprintf(v, sizeof v, "%lld", (long long)r->memory_limit);
        /* memsw must stay >= the limit: raising the limit above the old memsw fails until
         * memsw has been raised, so on EINVAL set memsw first and retry */
        struct waot_error first = {0};
        if (write_value(mem, "memory.limit_in_bytes", v, &first) < 0) {
            char s[64];
            snprintf(s, sizeof s, "%lld", (long long)(r->memory_swap ? r->memory_swap : -1));
            struct waot_error ignored = {0};
            if (!file_exists(mem, "memory.memsw.limit_in_bytes") ||
                write_value(mem, "memory.memsw.limit_in_bytes", s, &ignored) < 0 ||
                write_value(mem, "memory.limit_in_bytes", v, err) < 0) {
                *err = first;
                return -1;
            }
        }
    }
    if (r->memory_swap && file_exists(mem, "memory.memsw.limit_in_bytes")) {
        snprintf(v, sizeof v, "%lld", (long long)r->memory_swap);
        if (write_value(mem, "memory.memsw.limit_in_bytes", v, err) < 0)
            return -1;
    }
    if (r->pids_limit) {
        if (!pids)
            return waot_fail(err, WAOT_E_IO, "cgroup v1 pids controller is not mounted");
        snprintf(v, sizeof v, "%lld", (long long)r->pids_limit);
        if (write_value(pids, "pids.max", v, err) < 0)
            return -1;
    }
    if ((r->cpu_shares || r->cpu_quota || r->cpu_period) && !cpu)
        return waot_fail(err, WAOT_E_IO, "cgroup v1 cpu controller is not mounted");
    if (r->cpu_shares) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)r->cpu_shares);
        if (write_value(cpu, "cpu.shares", v, err) < 0)
            return -1;
    }
    if (r->cpu_period) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)r->cpu_period);
        if (write_value(cpu, "cpu.cfs_period_us", v, err) < 0)
            return -1;
    }
    if (r->cpu_quota) {
        snprintf(v, sizeof v, "%lld", (long long)r->cpu_quota);
        if (write_value(cpu, "cpu.cfs_quota_us", v, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- lifetime ---- */

static void free_cg(struct shim_cgroup *cg)
{
    for (int i = 0; i < CG_NCTL; i++)
        free(cg->dir[i]);
    free(cg);
}

struct shim_cgroup *shim_cgroup_create(const char *path, const struct shim_resources *res,
                                       struct waot_error *err)
{
    err->code = WAOT_OK;
    if (!path || !*path)
        return NULL;
    struct shim_cgroup *cg = calloc(1, sizeof *cg);
    if (!cg) {
        waot_fail(err, WAOT_E_NOMEM, "out of memory");
        return NULL;
    }
    if (cgroup_rel(path, cg->rel, sizeof cg->rel, err) < 0)
        goto fail;
    cg->v2 = access(CGROUP_ROOT "/cgroup.controllers", F_OK) == 0;
    if (cg->v2) {
        if (make_dirs(CGROUP_ROOT, cg->rel, true, &cg->dir[0], err) < 0)
            goto fail;
    } else {
        char *real[CG_NCTL] = {0};
        for (int i = 0; i < CG_NCTL; i++) {
            char root[PATH_MAX];
            snprintf(root, sizeof root, CGROUP_ROOT "/%s", cg_ctl_names[i]);
            real[i] = realpath(root, NULL);   /* cpu and cpuacct are often one mount */
            if (!real[i])
                continue;
            if (make_dirs(real[i], cg->rel, false, &cg->dir[i], err) < 0) {
                for (int k = 0; k < CG_NCTL; k++)
                    free(real[k]);
                goto fail;
            }
        }
        for (int k = 0; k < CG_NCTL; k++)
            free(real[k]);
    }
    if (res && shim_cgroup_update(cg, res, err) < 0) {
        shim_cgroup_destroy(cg);
        return NULL;
    }
    return cg;
fail:
    free_cg(cg);
    return NULL;
}

int shim_cgroup_add(struct shim_cgroup *cg, pid_t pid, struct waot_error *err)
{
    char v[32];
    snprintf(v, sizeof v, "%d", (int)pid);
    for (int i = 0; i < CG_NCTL; i++) {
        if (!cg->dir[i])
            continue;
        /* a shared v1 hierarchy (cpu,cpuacct) lists the same directory twice: writing the
         * pid again is harmless */
        if (write_value(cg->dir[i], "cgroup.procs", v, err) < 0)
            return -1;
    }
    return 0;
}

uint64_t shim_cgroup_oom_kills(struct shim_cgroup *cg)
{
    if (!cg)
        return 0;
    if (cg->v2)
        return read_key(cg->dir[0], "memory.events", "oom_kill");
    return read_key(cg->dir[CG_MEMORY], "memory.oom_control", "oom_kill");
}

void shim_cgroup_usage(struct shim_cgroup *cg, uint64_t *memory_bytes, uint64_t *pids,
                       uint64_t *cpu_usage_ns)
{
    *memory_bytes = *pids = *cpu_usage_ns = 0;
    if (!cg)
        return;
    if (cg->v2) {
        *memory_bytes = read_u64(cg->dir[0], "memory.current");
        *pids = read_u64(cg->dir[0], "pids.current");
        *cpu_usage_ns = read_key(cg->dir[0], "cpu.stat", "usage_usec") * 1000;
        return;
    }
    *memory_bytes = read_u64(cg->dir[CG_MEMORY], "memory.usage_in_bytes");
    *pids = read_u64(cg->dir[CG_PIDS], "pids.current");
    *cpu_usage_ns = read_u64(cg->dir[CG_CPUACCT], "cpuacct.usage");
}

int shim_cgroup_update(struct shim_cgroup *cg, const struct shim_resources *res,
                       struct waot_error *err)
{
    if (!cg)
        return 0;
    return cg->v2 ? apply_v2(cg, res, err) : apply_v1(cg, res, err);
}

int shim_cgroup_freeze(struct shim_cgroup *cg, bool frozen, struct waot_error *err)
{
    if (!cg)
        return waot_fail(err, WAOT_E_USAGE, "the container has no cgroup to freeze");
    if (cg->v2)
        return write_value(cg->dir[0], "cgroup.freeze", frozen ? "1" : "0", err);
    if (!cg->dir[CG_FREEZER])
        return waot_fail(err, WAOT_E_IO, "cgroup v1 freezer controller is not mounted");
    if (write_value(cg->dir[CG_FREEZER], "freezer.state", frozen ? "FROZEN" : "THAWED", err) < 0)
        return -1;
    /* FREEZING -> FROZEN is asynchronous; wait (up to a second) until it settles */
    for (int i = 0; frozen && i < 100; i++) {
        char state[32];
        if (read_text(cg->dir[CG_FREEZER], "freezer.state", state, sizeof state) == 0 &&
            strncmp(state, "FROZEN", 6) == 0)
            return 0;
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    return frozen ? waot_fail(err, WAOT_E_IO, "cgroup %s did not freeze within a second",
                              cg->rel)
                  : 0;
}

const char *shim_cgroup_path(const struct shim_cgroup *cg)
{
    return cg ? cg->rel : NULL;
}

void shim_cgroup_destroy(struct shim_cgroup *cg)
{
    if (!cg)
        return;
    for (int i = 0; i < CG_NCTL; i++) {
        if (!cg->dir[i])
            continue;
        /* processes that just exited can linger in cgroup.procs for a moment: EBUSY */
        for (int t = 0; t < CGROUP_RMDIR_TRIES; t++) {
            if (rmdir(cg->dir[i]) == 0 || errno == ENOENT || errno != EBUSY)
                break;
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
    }
    free_cg(cg);
}
