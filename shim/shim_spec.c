/*
 * config.json (OCI runtime spec) -> struct shim_spec, and an Exec's OCI `process` object ->
 * struct shim_process_spec (see shim_spec.h). The bundle comes from containerd, but the
 * spec's contents come from the image and the user (ctr flags, a pod manifest), so every
 * field is checked here: its JSON type, its range, absolute paths where the OCI spec wants
 * them, and a bound on every array and on the file itself. Errors name the file and the
 * field path ("config.json: process.args[2]: not a string"). Fields waot has no use for are
 * ignored, as the OCI spec asks of runtimes.
 */
#include "shim_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPEC_FILE_MAX (16u << 20)   /* config.json larger than this is refused */
#define SPEC_ARRAY_MAX 16384        /* args, env, mounts, options, gids, annotations */

/* Where we are, for messages: the file (or "exec spec") and the field path. */
struct where {
    const char *file;
    char field[192];
};

static int bad(struct waot_error *err, const struct where *w, const char *what)
{
    return waot_fail(err, WAOT_E_INVALID, "%s: %s: %s", w->file, w->field, what);
}

/* Appends ".name" or "[i]" to the field path of a child. */
static struct where child(const struct where *w, const char *name)
{
    struct where c = {.file = w->file};
    if (snprintf(c.field, sizeof c.field, "%s%s%s", w->field, w->field[0] ? "." : "", name) >=
        (int)sizeof c.field)
        memcpy(c.field + sizeof c.field - 4, "...", 4); /* a long field path, cut */
    return c;
}

static struct where item(const struct where *w, size_t i)
{
    struct where c = {.file = w->file};
    if (snprintf(c.field, sizeof c.field, "%s[%zu]", w->field, i) >= (int)sizeof c.field)
        memcpy(c.field + sizeof c.field - 4, "...", 4);
    return c;
}

static char *dup_or_fail(const char *s, struct waot_error *err)
{
    char *d = strdup(s);
    if (!d)
        waot_fail(err, WAOT_E_NOMEM, "out of memory");
    return d;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* A string field: *out stays NULL when the key is absent; wrong type or an embedded NUL
 * is an error. */
static int get_string(json_t *obj, const char *key, const struct where *w, char **out,
                      struct waot_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    struct where c = child(w, key);
    if (!json_is_string(v))
        return bad(err, &c, "not a string");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return bad(err, &c, "contains a NUL byte");
    *out = dup_or_fail(json_string_value(v), err);
    return *out ? 0 : -1;
}

static int get_bool(json_t *obj, const char *key, const struct where *w, bool *out,
                    struct waot_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        struct where c = child(w, key);
        return bad(err, &c, "not a boolean");
    }
    *out = json_is_true(v);
    return 0;
}

/* An integer field within [min, max]; *present says whether it was given. */
static int get_int(json_t *obj, const char *key, const struct where *w, json_int_t min,
                   json_int_t max, json_int_t *out, bool *present, struct waot_error *err)
{
    json_t *v = json_object_get(obj, key);
    *present = false;
    if (!v || json_is_null(v))
        return 0;
    struct where c = child(w, key);
    if (!json_is_integer(v))
        return bad(err, &c, "not an integer");
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) {
        char msg[96];
        snprintf(msg, sizeof msg, "%lld is out of range [%lld, %lld]", (long long)n,
                 (long long)min, (long long)max);
        return bad(err, &c, msg);
    }
    *out = n;
    *present = true;
    return 0;
}

/* An array of strings (absent: zero entries). */
static int get_strings(json_t *obj, const char *key, const struct where *w, char ***out,
                       size_t *n, struct waot_error *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    *n = 0;
    if (!v || json_is_null(v))
        return 0;
    struct where c = child(w, key);
    if (!json_is_array(v))
        return bad(err, &c, "not an array");
    size_t len = json_array_size(v);
    if (len > SPEC_ARRAY_MAX) {
        char msg[64];
        snprintf(msg, sizeof msg, "%zu entries (at most %u)", len, SPEC_ARRAY_MAX);
        return bad(err, &c, msg);
    }
    char **a = calloc(len ? len : 1, sizeof *a);
    if (!a)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < len; i++) {
        json_t *s = json_array_get(v, i);
        struct where ci = item(&c, i);
        if (!json_is_string(s) || strlen(json_string_value(s)) != json_string_length(s)) {
            strv_free(a, i);
            return bad(err, &ci, json_is_string(s) ? "contains a NUL byte" : "not a string");
        }
        if (!(a[i] = dup_or_fail(json_string_value(s), err))) {
            strv_free(a, i);
            return -1;
        }
    }
    *out = a;
    *n = len;
    return 0;
}

static json_t *get_object(json_t *obj, const char *key, const struct where *w, bool *ok,
                          struct waot_error *err)
{
    json_t *v = json_object_get(obj, key);
    *ok = true;
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_object(v)) {
        struct where c = child(w, key);
        bad(err, &c, "not an object");
        *ok = false;
        return NULL;
    }
    return v;
}

/* ---- process ---- */

static int parse_user(json_t *proc, const struct where *w, struct shim_process_spec *p,
                      struct waot_error *err)
{
    bool ok, present;
    json_t *user = get_object(proc, "user", w, &ok, err);
    if (!ok)
        return -1;
    if (!user)
        return 0;
    struct where uw = child(w, "user");
    json_int_t v;
    if (get_int(user, "uid", &uw, 0, UINT32_MAX - 1, &v, &present, err) < 0)
        return -1;
    if (present)
        p->uid = (uid_t)v;
    if (get_int(user, "gid", &uw, 0, UINT32_MAX - 1, &v, &present, err) < 0)
        return -1;
    if (present)
        p->gid = (gid_t)v;
    json_t *gids = json_object_get(user, "additionalGids");
    if (!gids || json_is_null(gids))
        return 0;
    struct where gw = child(&uw, "additionalGids");
    if (!json_is_array(gids))
        return bad(err, &gw, "not an array");
    size_t n = json_array_size(gids);
    if (n > SPEC_ARRAY_MAX)
        return bad(err, &gw, "too many entries");
    p->additional_gids = calloc(n ? n : 1, sizeof *p->additional_gids);
    if (!p->additional_gids)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *g = json_array_get(gids, i);
        struct where gi = item(&gw, i);
        if (!json_is_integer(g) || json_integer_value(g) < 0 ||
            json_integer_value(g) > (json_int_t)UINT32_MAX - 1)
            return bad(err, &gi, "not a group id");
        p->additional_gids[i] = (gid_t)json_integer_value(g);
    }
    p->nadditional_gids = n;
    return 0;
}

static int parse_rlimits(json_t *proc, const struct where *w, struct shim_process_spec *p,
                         struct waot_error *err)
{
    json_t *rl = json_object_get(proc, "rlimits");
    if (!rl || json_is_null(rl))
        return 0;
    struct where rw = child(w, "rlimits");
    if (!json_is_array(rl))
        return bad(err, &rw, "not an array");
    if (json_array_size(rl) > SPEC_ARRAY_MAX)
        return bad(err, &rw, "too many entries");
    for (size_t i = 0; i < json_array_size(rl); i++) {
        json_t *e = json_array_get(rl, i);
        struct where ei = item(&rw, i);
        if (!json_is_object(e))
            return bad(err, &ei, "not an object");
        char *type = NULL;
        if (get_string(e, "type", &ei, &type, err) < 0)
            return -1;
        if (!type)
            return bad(err, &ei, "type is missing");
        bool nofile = strcmp(type, "RLIMIT_NOFILE") == 0;
        free(type);
        json_int_t hard, soft;
        bool has_hard, has_soft;
        if (get_int(e, "hard", &ei, 0, INT64_MAX, &hard, &has_hard, err) < 0 ||
            get_int(e, "soft", &ei, 0, INT64_MAX, &soft, &has_soft, err) < 0)
            return -1;
        if (!has_hard || !has_soft)
            return bad(err, &ei, "hard and soft are both required");
        if (soft > hard)
            return bad(err, &ei, "soft is above hard");
        if (nofile)
            p->nofile = (uint64_t)hard;
    }
    return 0;
}

static int check_env(const struct where *w, const struct shim_process_spec *p,
                     struct waot_error *err)
{
    struct where ew = child(w, "env");
    for (size_t i = 0; i < p->nenv; i++) {
        const char *eq = strchr(p->env[i], '=');
        if (!eq || eq == p->env[i]) {
            struct where ei = item(&ew, i);
            return bad(err, &ei, "not KEY=VALUE");
        }
    }
    return 0;
}

static int parse_process(json_t *proc, const struct where *w, struct shim_process_spec *p,
                         struct waot_error *err)
{
    memset(p, 0, sizeof *p);
    if (!json_is_object(proc))
        return bad(err, w, "not an object");
    if (get_strings(proc, "args", w, &p->args, &p->nargs, err) < 0)
        return -1;
    if (p->nargs == 0 || !p->args[0][0]) {
        struct where aw = child(w, "args");
        return bad(err, &aw, "missing or empty (args[0] names the module inside the rootfs)");
    }
    if (get_strings(proc, "env", w, &p->env, &p->nenv, err) < 0 || check_env(w, p, err) < 0)
        return -1;
    if (get_string(proc, "cwd", w, &p->cwd, err) < 0)
        return -1;
    if (p->cwd && p->cwd[0] != '/') {
        struct where cw = child(w, "cwd");
        return bad(err, &cw, "not an absolute path");
    }
    if (!p->cwd && !(p->cwd = dup_or_fail("/", err)))
        return -1;
    if (get_bool(proc, "terminal", w, &p->terminal, err) < 0 ||
        get_bool(proc, "noNewPrivileges", w, &p->no_new_privileges, err) < 0)
        return -1;
    if (parse_user(proc, w, p, err) < 0 || parse_rlimits(proc, w, p, err) < 0)
        return -1;
    return 0;
}

/* ---- mounts, annotations ---- */

static int parse_mounts(json_t *root, const struct where *w, struct shim_spec *spec,
                        struct waot_error *err)
{
    json_t *ms = json_object_get(root, "mounts");
    if (!ms || json_is_null(ms))
        return 0;
    struct where mw = child(w, "mounts");
    if (!json_is_array(ms))
        return bad(err, &mw, "not an array");
    size_t n = json_array_size(ms);
    if (n > SPEC_ARRAY_MAX)
        return bad(err, &mw, "too many entries");
    spec->mounts = calloc(n ? n : 1, sizeof *spec->mounts);
    if (!spec->mounts)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_array_get(ms, i);
        struct where mi = item(&mw, i);
        if (!json_is_object(m))
            return bad(err, &mi, "not an object");
        struct shim_mount_spec *d = &spec->mounts[i];
        spec->nmounts = i + 1; /* counted before filling, so a failure frees the part */
        if (get_string(m, "destination", &mi, &d->destination, err) < 0 ||
            get_string(m, "type", &mi, &d->type, err) < 0 ||
            get_string(m, "source", &mi, &d->source, err) < 0 ||
            get_strings(m, "options", &mi, &d->options, &d->noptions, err) < 0)
            return -1;
        if (!d->destination)
            return bad(err, &mi, "destination is missing");
        if (d->destination[0] != '/') {
            struct where dw = child(&mi, "destination");
            return bad(err, &dw, "not an absolute path");
        }
    }
    return 0;
}

static int parse_annotations(json_t *root, const struct where *w, struct shim_spec *spec,
                             struct waot_error *err)
{
    bool ok;
    json_t *an = get_object(root, "annotations", w, &ok, err);
    if (!ok)
        return -1;
    if (!an)
        return 0;
    struct where aw = child(w, "annotations");
    size_t n = json_object_size(an);
    if (n > SPEC_ARRAY_MAX)
        return bad(err, &aw, "too many entries");
    spec->annotation_keys = calloc(n ? n : 1, sizeof(char *));
    spec->annotation_values = calloc(n ? n : 1, sizeof(char *));
    if (!spec->annotation_keys || !spec->annotation_values)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    const char *key;
    json_t *v;
    json_object_foreach(an, key, v) {
        struct where kw = child(&aw, key);
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
            return bad(err, &kw, "not a string");
        size_t i = spec->nannotations;
        spec->annotation_keys[i] = strdup(key);
        spec->annotation_values[i] = strdup(json_string_value(v));
        spec->nannotations++;
        if (!spec->annotation_keys[i] || !spec->annotation_values[i])
            return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    }
    return 0;
}

/* ---- linux ---- */

static const char *const ns_names[SHIM_NS_COUNT] = {
    [SHIM_NS_PID] = "pid",     [SHIM_NS_NET] = "network", [SHIM_NS_IPC] = "ipc",
    [SHIM_NS_UTS] = "uts",     [SHIM_NS_MOUNT] = "mount", [SHIM_NS_USER] = "user",
    [SHIM_NS_CGROUP] = "cgroup", [SHIM_NS_TIME] = "time",
};

static int parse_namespaces(json_t *linux_obj, const struct where *w, struct shim_spec *spec,
                            struct waot_error *err)
{
    json_t *nss = json_object_get(linux_obj, "namespaces");
    if (!nss || json_is_null(nss))
        return 0;
    struct where nw = child(w, "namespaces");
    if (!json_is_array(nss))
        return bad(err, &nw, "not an array");
    if (json_array_size(nss) > SPEC_ARRAY_MAX)
        return bad(err, &nw, "too many entries");
    for (size_t i = 0; i < json_array_size(nss); i++) {
        json_t *e = json_array_get(nss, i);
        struct where ei = item(&nw, i);
        if (!json_is_object(e))
            return bad(err, &ei, "not an object");
        char *type = NULL, *path = NULL;
        if (get_string(e, "type", &ei, &type, err) < 0)
            return -1;
        if (!type)
            return bad(err, &ei, "type is missing");
        int k = -1;
        for (int t = 0; t < SHIM_NS_COUNT; t++)
            if (strcmp(type, ns_names[t]) == 0)
                k = t;
        free(type);
        if (k < 0)
            return bad(err, &ei, "unknown namespace type");
        if (spec->ns_wanted[k])
            return bad(err, &ei, "namespace type listed twice");
        if (get_string(e, "path", &ei, &path, err) < 0)
            return -1;
        if (path && !path[0]) { /* "" means a new namespace, as no path */
            free(path);
            path = NULL;
        }
        if (path && path[0] != '/') {
            free(path);
            struct where pw = child(&ei, "path");
            return bad(err, &pw, "not an absolute path");
        }
        spec->ns_wanted[k] = true;
        spec->ns_path[k] = path;
    }
    return 0;
}

/* A resource value: OCI uses -1 (and sometimes 0) for "unlimited"; both become 0 here. */
static int get_limit(json_t *obj, const char *key, const struct where *w, int64_t *out,
                     struct waot_error *err)
{
    json_int_t v;
    bool present;
    if (get_int(obj, key, w, -1, INT64_MAX, &v, &present, err) < 0)
        return -1;
    *out = present && v > 0 ? (int64_t)v : 0;
    return 0;
}

static int parse_resources(json_t *res, const struct where *w, struct shim_resources *r,
                           struct waot_error *err)
{
    bool ok;
    memset(r, 0, sizeof *r);
    json_t *mem = get_object(res, "memory", w, &ok, err);
    if (!ok)
        return -1;
    if (mem) {
        struct where mw = child(w, "memory");
        if (get_limit(mem, "limit", &mw, &r->memory_limit, err) < 0 ||
            get_limit(mem, "swap", &mw, &r->memory_swap, err) < 0)
            return -1;
    }
    json_t *pids = get_object(res, "pids", w, &ok, err);
    if (!ok)
        return -1;
    if (pids) {
        struct where pw = child(w, "pids");
        if (get_limit(pids, "limit", &pw, &r->pids_limit, err) < 0)
            return -1;
    }
    json_t *cpu = get_object(res, "cpu", w, &ok, err);
    if (!ok)
        return -1;
    if (cpu) {
        struct where cw = child(w, "cpu");
        json_int_t v;
        bool present;
        if (get_int(cpu, "shares", &cw, 0, UINT32_MAX, &v, &present, err) < 0)
            return -1;
        r->cpu_shares = present ? (uint64_t)v : 0;
        if (get_limit(cpu, "quota", &cw, &r->cpu_quota, err) < 0)
            return -1;
        if (get_int(cpu, "period", &cw, 0, 1000000, &v, &present, err) < 0)
            return -1;
        r->cpu_period = present ? (uint64_t)v : 0;
    }
    return 0;
}

int shim_spec_resources_parse(const char *json, size_t len, const char *what_for,
                              struct shim_resources *r, struct waot_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return waot_fail(err, WAOT_E_INVALID, "%s: line %d: %s", what_for, je.line, je.text);
    struct where w = {.file = what_for, .field = "resources"};
    int rc = json_is_object(root) ? parse_resources(root, &w, r, err)
                                  : bad(err, &w, "not an object");
    json_decref(root);
    return rc;
}

static int parse_linux(json_t *root, const struct where *w, struct shim_spec *spec,
                       struct waot_error *err)
{
    bool ok;
    json_t *lx = get_object(root, "linux", w, &ok, err);
    if (!ok)
        return -1;
    if (!lx)
        return 0;
    struct where lw = child(w, "linux");
    if (parse_namespaces(lx, &lw, spec, err) < 0 ||
        get_string(lx, "cgroupsPath", &lw, &spec->cgroups_path, err) < 0)
        return -1;
    if (spec->cgroups_path && !spec->cgroups_path[0]) {
        free(spec->cgroups_path);
        spec->cgroups_path = NULL;
    }
    json_t *res = get_object(lx, "resources", &lw, &ok, err);
    if (!ok)
        return -1;
    if (res) {
        struct where rw = child(&lw, "resources");
        if (parse_resources(res, &rw, &spec->resources, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- entry points ---- */

static int parse_spec(json_t *root, const struct where *w, struct shim_spec *spec,
                      struct waot_error *err)
{
    if (!json_is_object(root))
        return bad(err, w, "not an object");
    json_t *proc = json_object_get(root, "process");
    if (!proc || json_is_null(proc)) {
        struct where pw = child(w, "process");
        return bad(err, &pw, "missing");
    }
    struct where pw = child(w, "process");
    if (parse_process(proc, &pw, &spec->process, err) < 0)
        return -1;
    bool ok;
    json_t *rootfs = get_object(root, "root", w, &ok, err);
    if (!ok)
        return -1;
    struct where rw = child(w, "root");
    if (!rootfs)
        return bad(err, &rw, "missing");
    if (get_string(rootfs, "path", &rw, &spec->root_path, err) < 0 ||
        get_bool(rootfs, "readonly", &rw, &spec->root_readonly, err) < 0)
        return -1;
    if (!spec->root_path || !spec->root_path[0]) {
        struct where pp = child(&rw, "path");
        return bad(err, &pp, "missing");
    }
    return parse_mounts(root, w, spec, err) < 0 || parse_annotations(root, w, spec, err) < 0 ||
                   parse_linux(root, w, spec, err) < 0 ||
                   get_string(root, "hostname", w, &spec->hostname, err) < 0
               ? -1
               : 0;
}

/* Reads the whole file (at most SPEC_FILE_MAX bytes). */
static char *read_file(const char *path, size_t *len, struct waot_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        waot_fail(err, WAOT_E_IO, "%s: not a regular file", path);
        return NULL;
    }
    if ((uint64_t)sb.st_size > SPEC_FILE_MAX) {
        close(fd);
        waot_fail(err, WAOT_E_INVALID, "%s: %lld bytes (at most %u)", path,
                  (long long)sb.st_size, SPEC_FILE_MAX);
        return NULL;
    }
    char *buf = malloc((size_t)sb.st_size + 1);
    size_t n = 0;
    while (buf && n < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)sb.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!buf) {
        waot_fail(err, WAOT_E_NOMEM, "out of memory");
        return NULL;
    }
    *len = n;
    return buf;
}

int shim_spec_load(const char *bundle, struct shim_spec *spec, struct waot_error *err)
{
    memset(spec, 0, sizeof *spec);
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/config.json", bundle) >= (int)sizeof path)
        return waot_fail(err, WAOT_E_INVALID, "%s: bundle path too long", bundle);
    size_t len = 0;
    char *text = read_file(path, &len, err);
    if (!text)
        return -1;
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!root)
        return waot_fail(err, WAOT_E_INVALID, "%s: line %d: %s", path, je.line, je.text);
    struct where w = {.file = path};
    int rc = parse_spec(root, &w, spec, err);
    json_decref(root);
    if (rc < 0) {
        shim_spec_free(spec);
        return -1;
    }
    return 0;
}

int shim_process_spec_parse(const char *json, size_t len, const char *what_for,
                            struct shim_process_spec *p, struct waot_error *err)
{
    memset(p, 0, sizeof *p);
    if (len > SPEC_FILE_MAX)
        return waot_fail(err, WAOT_E_INVALID, "%s: %zu bytes (at most %u)", what_for, len,
                         SPEC_FILE_MAX);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return waot_fail(err, WAOT_E_INVALID, "%s: line %d: %s", what_for, je.line, je.text);
    struct where w = {.file = what_for, .field = "process"};
    int rc = parse_process(root, &w, p, err);
    json_decref(root);
    if (rc < 0)
        shim_process_spec_free(p);
    return rc;
}

const char *shim_spec_annotation(const struct shim_spec *spec, const char *key)
{
    for (size_t i = 0; i < spec->nannotations; i++)
        if (strcmp(spec->annotation_keys[i], key) == 0)
            return spec->annotation_values[i];
    return NULL;
}

bool shim_spec_is_sandbox(const struct shim_spec *spec)
{
    const char *t = shim_spec_annotation(spec, "io.kubernetes.cri.container-type");
    return t && strcmp(t, "sandbox") == 0;
}

const char *shim_spec_group(const struct shim_spec *spec)
{
    const char *g = shim_spec_annotation(spec, "io.kubernetes.cri.sandbox-id");
    if (g && *g)
        return g;
    g = shim_spec_annotation(spec, "io.containerd.waot.v1.group");
    return g && *g ? g : NULL;
}

void shim_process_spec_free(struct shim_process_spec *p)
{
    strv_free(p->args, p->nargs);
    strv_free(p->env, p->nenv);
    free(p->cwd);
    free(p->additional_gids);
    memset(p, 0, sizeof *p);
}

void shim_spec_free(struct shim_spec *spec)
{
    shim_process_spec_free(&spec->process);
    free(spec->root_path);
    for (size_t i = 0; i < spec->nmounts; i++) {
        struct shim_mount_spec *m = &spec->mounts[i];
        free(m->destination);
        free(m->type);
        free(m->source);
        strv_free(m->options, m->noptions);
    }
    free(spec->mounts);
    strv_free(spec->annotation_keys, spec->nannotations);
    strv_free(spec->annotation_values, spec->nannotations);
    for (int i = 0; i < SHIM_NS_COUNT; i++)
        free(spec->ns_path[i]);
    free(spec->cgroups_path);
    free(spec->hostname);
    memset(spec, 0, sizeof *spec);
}
