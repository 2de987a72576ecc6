/*
 * WASI test runner: runs one WASI preview1 test through `waot run` and checks it against its
 * spec, the way WebAssembly/wasi-testsuite's runner (with its wasmtime adapter) does.
 *
 *   wasi_suite [--timeout SECONDS] [--spec SPEC.json] WAOT FILE.wasm
 *
 * The spec is SPEC.json, or else FILE.json next to the module, or else the defaults. Its
 * folder is copied to a fresh temporary directory, and the test runs there (the shared
 * suite is never written); the copy is removed afterwards. Two spec forms:
 *   legacy      {"args": [], "env": {}, "root": null, "exit_code": 0, "stdout", "stderr"}
 *               (stdout and stderr, where given, must match exactly)
 *   operations  {"operations": [{"type": "run", "args", "env", "root"},
 *                               {"type": "read", "id": "stdout"|"stderr", "payload"},
 *                               {"type": "write", "payload"}, {"type": "wait", "exit_code"}]}
 * A run becomes `waot run -e K=V... [-v COPY/ROOT:/] -- FILE.wasm ARGS...`: the guest's
 * environment is exactly env, root (relative to the spec's folder) is its "/", and argv[0] is
 * the module path, as wasmtime gives it. Two keys serve waot's own guest programs:
 * "waot_create_root" (root starts as a new empty directory) and "waot_root_readonly"
 * (mounted :ro; the runner then also checks that nothing below it changed). Every run is
 * also checked for writes outside its root.
 *
 * Exit status: 0 pass, 1 fail, 2 bad usage or spec.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wasi_suite.h"

#define MAX_OPS 64

enum op_kind { OP_RUN, OP_READ, OP_WRITE, OP_WAIT };

struct op {
    enum op_kind kind;
    json_t *args, *env;   /* run; borrowed from the spec */
    const char *root;     /* run; NULL: no preopen */
    int stream;           /* read: 1 stdout, 2 stderr */
    const char *payload;  /* read, write */
    size_t payload_len;
    bool exact;           /* read: the payload is all the rest of the stream */
    int exit_code;        /* wait */
};

struct spec {
    json_t *json;
    struct op ops[MAX_OPS];
    size_t nops;
    bool create_root, root_readonly;
};

struct runner {
    const char *waot, *wasm;
    char copy[PATH_MAX];       /* the temporary copy of the test folder */
    char wasm_path[PATH_MAX];  /* the module as passed to waot */
    double deadline;
    struct spec spec;
    struct wasi_suite_proc proc;
    bool running;
    char root[PATH_MAX];       /* host side of the current run's "/", or "" */
    char *outside, *inside;    /* snapshots before the run */
};

/* ---- spec ---- */

static int add_op(struct spec *s, struct op op, struct waot_error *err)
{
    if (s->nops == MAX_OPS)
        return waot_fail(err, WAOT_E_USAGE, "spec: more than %d operations", MAX_OPS);
    s->ops[s->nops++] = op;
    return 0;
}

static int parse_run(json_t *o, struct op *op, const char *where, struct waot_error *err)
{
    *op = (struct op){.kind = OP_RUN};
    op->args = json_object_get(o, "args");
    op->env = json_object_get(o, "env");
    json_t *root = json_object_get(o, "root");
    if (op->args && !json_is_array(op->args))
        return waot_fail(err, WAOT_E_USAGE, "%s: \"args\" must be an array", where);
    for (size_t i = 0; op->args && i < json_array_size(op->args); i++)
        if (!json_is_string(json_array_get(op->args, i)))
            return waot_fail(err, WAOT_E_USAGE, "%s: args[%zu] must be a string", where, i);
    if (op->env && !json_is_object(op->env))
        return waot_fail(err, WAOT_E_USAGE, "%s: \"env\" must be an object", where);
    const char *k;
    json_t *v;
    json_object_foreach(op->env, k, v) {
        if (!json_is_string(v) || strchr(k, '=') || !*k)
            return waot_fail(err, WAOT_E_USAGE, "%s: env \"%s\" must be NAME: \"string\"",
                             where, k);
    }
    if (root && !json_is_null(root)) {
        if (!json_is_string(root) || strstr(json_string_value(root), ".."))
            return waot_fail(err, WAOT_E_USAGE, "%s: \"root\" must be a folder name", where);
        op->root = json_string_value(root);
    }
    return 0;
}

static int parse_read(json_t *o, const char *id, bool exact, struct op *op, const char *where,
                      struct waot_error *err)
{
    *op = (struct op){.kind = OP_READ, .exact = exact};
    if (strcmp(id, "stdout") == 0)
        op->stream = 1;
    else if (strcmp(id, "stderr") == 0)
        op->stream = 2;
    else
        return waot_fail(err, WAOT_E_USAGE, "%s: unknown stream \"%s\"", where, id);
    if (o && !json_is_string(o))
        return waot_fail(err, WAOT_E_USAGE, "%s: payload must be a string", where);
    op->payload = o ? json_string_value(o) : "";
    op->payload_len = o ? json_string_length(o) : 0;
    return 0;
}

static int parse_exit_code(json_t *o, struct op *op, const char *where, struct waot_error *err)
{
    *op = (struct op){.kind = OP_WAIT};
    if (o && !json_is_integer(o))
        return waot_fail(err, WAOT_E_USAGE, "%s: \"exit_code\" must be an integer", where);
    op->exit_code = o ? (int)json_integer_value(o) : 0;
    return 0;
}

static int parse_operations(struct spec *s, json_t *ops, struct waot_error *err)
{
    if (!json_is_array(ops))
        return waot_fail(err, WAOT_E_USAGE, "spec: \"operations\" must be an array");
    for (size_t i = 0; i < json_array_size(ops); i++) {
        json_t *o = json_array_get(ops, i);
        const char *type = json_string_value(json_object_get(o, "type"));
        char where[64];
        snprintf(where, sizeof where, "spec: operations[%zu]", i);
        struct op op;
        int rc;
        if (!type) {
            rc = waot_fail(err, WAOT_E_USAGE, "%s: no \"type\"", where);
        } else if (strcmp(type, "run") == 0) {
            rc = parse_run(o, &op, where, err);
        } else if (strcmp(type, "wait") == 0) {
            rc = parse_exit_code(json_object_get(o, "exit_code"), &op, where, err);
        } else if (strcmp(type, "read") == 0 || strcmp(type, "write") == 0) {
            json_t *id = json_object_get(o, "id");
            const char *ids = id ? json_string_value(id) : "stdout";
            if (!ids)
                return waot_fail(err, WAOT_E_USAGE, "%s: \"id\" must be a string", where);
            rc = parse_read(json_object_get(o, "payload"), type[0] == 'r' ? ids : "stdout",
                            false, &op, where, err);
            if (type[0] == 'w')
                op.kind = OP_WRITE;
        } else {
            rc = waot_fail(err, WAOT_E_USAGE, "%s: operation \"%s\" is not supported", where,
                           type);
        }
        if (rc < 0 || add_op(s, op, err) < 0)
            return -1;
    }
    return 0;
}

static int parse_legacy(struct spec *s, json_t *j, struct waot_error *err)
{
    struct op op;
    if (parse_run(j, &op, "spec", err) < 0 || add_op(s, op, err) < 0)
        return -1;
    static const char *const streams[] = {"stdout", "stderr"};
    for (int i = 0; i < 2; i++) {
        json_t *o = json_object_get(j, streams[i]);
        if (o && !json_is_null(o) &&
            (parse_read(o, streams[i], true, &op, "spec", err) < 0 || add_op(s, op, err) < 0))
            return -1;
    }
    if (parse_exit_code(json_object_get(j, "exit_code"), &op, "spec", err) < 0)
        return -1;
    return add_op(s, op, err);
}

static bool key_in(const char *k, const char *const *keys)
{
    for (; *keys; keys++)
        if (strcmp(k, *keys) == 0)
            return true;
    return false;
}

static int spec_load(struct spec *s, const char *path, struct waot_error *err)
{
    static const char *const legacy[] = {"args", "env", "root", "exit_code", "stdout",
                                         "stderr", NULL};
    static const char *const current[] = {"operations", "proposals", "world", "servers", NULL};
    static const char *const ours[] = {"waot_create_root", "waot_root_readonly", NULL};
    memset(s, 0, sizeof *s);
    if (path) {
        json_error_t je;
        s->json = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!s->json)
            return waot_fail(err, WAOT_E_USAGE, "%s:%d: %s", path, je.line, je.text);
    } else {
        s->json = json_object();
    }
    if (!json_is_object(s->json))
        return waot_fail(err, WAOT_E_USAGE, "%s: not a JSON object", path);
    bool has_legacy = false, has_current = false;
    const char *k;
    json_t *v;
    json_object_foreach(s->json, k, v) {
        if (key_in(k, legacy))
            has_legacy = true;
        else if (key_in(k, current))
            has_current = true;
        else if (!key_in(k, ours))
            fprintf(stderr, "wasi_suite: %s: unknown key \"%s\" ignored\n", path, k);
    }
    if (has_legacy && has_current)
        return waot_fail(err, WAOT_E_USAGE, "%s: mixes the legacy and operations forms", path);
    json_t *proposals = json_object_get(s->json, "proposals");
    json_t *world = json_object_get(s->json, "world");
    if ((proposals && json_array_size(proposals) > 0) || json_object_get(s->json, "servers") ||
        (world && (!json_is_string(world) ||
                   strcmp(json_string_value(world), "wasi:cli/command") != 0)))
        return waot_fail(err, WAOT_E_USAGE, "%s: needs proposals, servers or a world beyond "
                         "wasi:cli/command (not supported)", path);
    s->create_root = json_is_true(json_object_get(s->json, "waot_create_root"));
    s->root_readonly = json_is_true(json_object_get(s->json, "waot_root_readonly"));
    if (has_current)
        return parse_operations(s, json_object_get(s->json, "operations"), err);
    return parse_legacy(s, s->json, err);
}

/* ---- operations ---- */

static void print_stream(const char *name, const struct wasi_suite_buf *b)
{
    if (b->len == 0)
        return;
    printf("==%s (%zu bytes)==\n", name, b->len);
    fwrite(b->data, 1, b->len, stdout);
    if (b->data[b->len - 1] != '\n')
        printf("\n");
}

static void print_escaped(const char *s, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            printf("\\n");
        else if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void print_argv(char *const *argv)
{
    printf("$");
    for (; *argv; argv++) {
        printf(" ");
        print_escaped(*argv, strlen(*argv));
    }
    printf("\n");
}

static int check_snapshots(struct runner *r, struct waot_error *err)
{
    int rc = 0;
    if (r->outside) {
        char *now = wasi_suite_fs_snapshot(r->copy, r->root[0] ? r->root : NULL, err);
        if (!now)
            rc = -1;
        else if (strcmp(now, r->outside) != 0) {
            printf("==outside the root, before==\n%s==after==\n%s", r->outside, now);
            rc = waot_fail(err, WAOT_E_INTERNAL, "the guest changed files outside its root");
        }
        free(now);
    }
    if (rc == 0 && r->inside) {
        char *now = wasi_suite_fs_snapshot(r->root, NULL, err);
        if (!now)
            rc = -1;
        else if (strcmp(now, r->inside) != 0) {
            printf("==read-only root, before==\n%s==after==\n%s", r->inside, now);
            rc = waot_fail(err, WAOT_E_INTERNAL, "the guest changed its read-only root");
        }
        free(now);
    }
    free(r->outside);
    free(r->inside);
    r->outside = r->inside = NULL;
    return rc;
}

static int do_run(struct runner *r, const struct op *op, struct waot_error *err)
{
    if (r->running)
        return waot_fail(err, WAOT_E_USAGE, "spec: run before the previous run's wait");
    if (wasi_suite_fs_cleanup(r->copy, err) < 0)
        return -1;
    r->root[0] = '\0';
    if (op->root) {
        char path[PATH_MAX];
        int n = snprintf(path, sizeof path, "%s/%s", r->copy, op->root);
        if (n < 0 || (size_t)n >= sizeof path)
            return waot_fail(err, WAOT_E_IO, "root %s: path too long", op->root);
        if (r->spec.create_root && mkdir(path, 0755) < 0 && errno != EEXIST)
            return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
        if (!realpath(path, r->root))
            return waot_fail(err, WAOT_E_IO, "root %s: %s", path, strerror(errno));
        if (strcmp(r->root, r->copy) != 0 &&
            !(r->outside = wasi_suite_fs_snapshot(r->copy, r->root, err)))
            return -1;
        if (r->spec.root_readonly && !(r->inside = wasi_suite_fs_snapshot(r->root, NULL, err)))
            return -1;
    } else if (!(r->outside = wasi_suite_fs_snapshot(r->copy, NULL, err))) {
        return -1;
    }

    size_t nargs = json_array_size(op->args), nenv = json_object_size(op->env);
    size_t argc = 0, max = 8 + 2 * nenv + nargs;
    char **argv = calloc(max, sizeof *argv);
    char *vol = NULL;
    if (!argv)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    argv[argc++] = (char *)r->waot;
    argv[argc++] = "run";
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach(op->env, k, v) {
        char *kv;
        if (asprintf(&kv, "%s=%s", k, json_string_value(v)) < 0) {
            rc = waot_fail(err, WAOT_E_NOMEM, "out of memory");
            break;
        }
        argv[argc++] = "-e";
        argv[argc++] = kv;
    }
    size_t env_end = argc;
    if (rc == 0 && r->root[0]) {
        if (asprintf(&vol, "%s:/%s", r->root, r->spec.root_readonly ? ":ro" : "") < 0)
            rc = waot_fail(err, WAOT_E_NOMEM, "out of memory");
        argv[argc++] = "-v";
        argv[argc++] = vol;
    }
    argv[argc++] = "--";
    argv[argc++] = r->wasm_path;
    for (size_t i = 0; i < nargs; i++)
        argv[argc++] = (char *)json_string_value(json_array_get(op->args, i));
    argv[argc] = NULL;
    if (rc == 0) {
        print_argv(argv);
        fflush(stdout);
        rc = wasi_suite_proc_start(&r->proc, argv, r->copy, err);
        r->running = rc == 0;
    }
    for (size_t i = 3; i < env_end; i += 2)
        free(argv[i]);
    free(vol);
    free(argv);
    return rc;
}

static int do_read(struct runner *r, const struct op *op, struct waot_error *err)
{
    if (!r->running)
        return waot_fail(err, WAOT_E_USAGE, "spec: read without a run");
    struct wasi_suite_buf *b = op->stream == 1 ? &r->proc.out : &r->proc.err;
    const char *name = op->stream == 1 ? "stdout" : "stderr";
    size_t want = op->exact ? SIZE_MAX : b->pos + op->payload_len;
    if (wasi_suite_proc_fill(&r->proc, op->stream, want, r->deadline, err) < 0) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return waot_fail(err, WAOT_E_IO, "reading %s: %s", name, why);
    }
    size_t have = b->len - b->pos;
    size_t n = have < op->payload_len ? have : op->payload_len;
    bool ok = n == op->payload_len && memcmp(b->data + b->pos, op->payload, n) == 0;
    if (op->exact && have != op->payload_len)
        ok = false;
    if (!ok) {
        printf("%s mismatch\n  expected ", name);
        print_escaped(op->payload, op->payload_len);
        printf("\n  got      ");
        print_escaped(b->data ? b->data + b->pos : "", op->exact ? have : n);
        printf("\n");
        return waot_fail(err, WAOT_E_INTERNAL, "%s does not match", name);
    }
    b->pos += n;
    return 0;
}

static int do_wait(struct runner *r, const struct op *op, struct waot_error *err)
{
    if (!r->running)
        return waot_fail(err, WAOT_E_USAGE, "spec: wait without a run");
    r->running = false;
    if (wasi_suite_proc_wait(&r->proc, r->deadline, err) < 0)
        return -1;
    int st = r->proc.status;
    if (WIFSIGNALED(st))
        return waot_fail(err, WAOT_E_INTERNAL, "waot was killed by signal %d", WTERMSIG(st));
    int code = WEXITSTATUS(st);
    if (code != op->exit_code)
        return waot_fail(err, WAOT_E_INTERNAL, "exit status %d, expected %d", code,
                         op->exit_code);
    if (check_snapshots(r, err) < 0)
        return -1;
    return wasi_suite_fs_cleanup(r->copy, err);
}

static int run_ops(struct runner *r, struct waot_error *err)
{
    for (size_t i = 0; i < r->spec.nops; i++) {
        const struct op *op = &r->spec.ops[i];
        int rc = 0;
        switch (op->kind) {
        case OP_RUN:
            rc = do_run(r, op, err);
            break;
        case OP_READ:
            rc = do_read(r, op, err);
            break;
        case OP_WRITE:
            rc = r->running ? wasi_suite_proc_write(&r->proc, op->payload, op->payload_len, err)
                            : waot_fail(err, WAOT_E_USAGE, "spec: write without a run");
            break;
        case OP_WAIT:
            rc = do_wait(r, op, err);
            break;
        }
        if (rc < 0)
            return -1;
    }
    if (r->running) {  /* no final wait: let it finish, as the suite's runner does */
        r->running = false;
        if (wasi_suite_proc_wait(&r->proc, r->deadline, err) < 0)
            return -1;
        return check_snapshots(r, err);
    }
    return 0;
}

/* ---- driver ---- */

static int usage(void)
{
    fprintf(stderr, "usage: wasi_suite [--timeout SECONDS] [--spec SPEC.json] WAOT FILE.wasm\n");
    return 2;
}

/* FILE.wasm -> FILE.json if that exists */
static char *default_spec(const char *wasm)
{
    size_t n = strlen(wasm);
    if (n < 5 || strcmp(wasm + n - 5, ".wasm") != 0)
        return NULL;
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, wasm, n - 5);
    strcpy(p + n - 5, ".json");
    if (access(p, F_OK) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

static char *dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *slash = strrchr(copy, '/');
    if (!slash)
        strcpy(copy, ".");
    else if (slash == copy)
        slash[1] = '\0';
    else
        *slash = '\0';
    return copy;
}

static int prepare(struct runner *r, const char *spec_arg, struct waot_error *err)
{
    char *spec_path = spec_arg ? strdup(spec_arg) : default_spec(r->wasm);
    char *folder = dir_of(spec_path ? spec_path : r->wasm);
    int rc = -1;
    if (!folder) {
        waot_fail(err, WAOT_E_NOMEM, "out of memory");
        goto out;
    }
    if (spec_load(&r->spec, spec_path, err) < 0)
        goto out;
    const char *tmp = getenv("TMPDIR");
    snprintf(r->copy, sizeof r->copy, "%s/waot-wasi-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r->copy)) {
        waot_fail(err, WAOT_E_IO, "mkdtemp %s: %s", r->copy, strerror(errno));
        r->copy[0] = '\0';
        goto out;
    }
    char real[PATH_MAX];
    if (!realpath(r->copy, real)) {
        waot_fail(err, WAOT_E_IO, "%s: %s", r->copy, strerror(errno));
        goto out;
    }
    snprintf(r->copy, sizeof r->copy, "%s", real);
    if (wasi_suite_fs_copy(folder, r->copy, err) < 0)
        goto out;
    /* a suite test runs the module from the copy; our own programs from the build tree */
    const char *base = strrchr(r->wasm, '/');
    base = base ? base + 1 : r->wasm;
    if (spec_arg) {
        if (!realpath(r->wasm, r->wasm_path)) {
            waot_fail(err, WAOT_E_IO, "%s: %s", r->wasm, strerror(errno));
            goto out;
        }
    } else {
        int n = snprintf(r->wasm_path, sizeof r->wasm_path, "%s/%s", r->copy, base);
        if (n < 0 || (size_t)n >= sizeof r->wasm_path) {
            waot_fail(err, WAOT_E_IO, "%s: path too long", base);
            goto out;
        }
    }
    rc = 0;
out:
    free(spec_path);
    free(folder);
    return rc;
}

int main(int argc, char **argv)
{
    double timeout = 120;
    const char *spec_arg = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = atof(argv[++i]);
        else if (strcmp(argv[i], "--spec") == 0 && i + 1 < argc)
            spec_arg = argv[++i];
        else
            return usage();
    }
    if (argc - i != 2 || timeout <= 0)
        return usage();
    signal(SIGPIPE, SIG_IGN);

    struct runner r = {.waot = argv[i], .wasm = argv[i + 1]};
    r.proc.pid = -1;
    r.proc.in_fd = r.proc.out_fd = r.proc.err_fd = -1;
    r.deadline = wasi_suite_proc_now() + timeout;
    struct waot_error err = {0};
    int status = 0;
    char waot_path[PATH_MAX];  /* the child runs in the copy: make the path absolute */
    if (access(argv[i], X_OK) == 0 && realpath(argv[i], waot_path))
        r.waot = waot_path;
    else
        waot_fail(&err, WAOT_E_USAGE, "%s: %s", argv[i], strerror(errno));
    if (err.code) {
        status = 2;
    } else if (prepare(&r, spec_arg, &err) < 0) {
        status = err.code == WAOT_E_USAGE ? 2 : 1;
    } else if (run_ops(&r, &err) < 0) {
        status = 1;
    }
    if (status != 0 && r.proc.pid > 0) {  /* collect what it said before failing */
        struct waot_error ignored;
        wasi_suite_proc_wait(&r.proc, wasi_suite_proc_now() + 5, &ignored);
    }
    print_stream("stdout", &r.proc.out);
    print_stream("stderr", &r.proc.err);
    wasi_suite_proc_fini(&r.proc);
    free(r.outside);
    free(r.inside);
    json_decref(r.spec.json);
    struct waot_error rm_err;
    if (r.copy[0] && wasi_suite_fs_remove(r.copy, &rm_err) < 0) {
        fprintf(stderr, "wasi_suite: cannot remove the copy: %s\n", rm_err.msg);
        if (status == 0)
            status = 1;
    }
    if (status == 0)
        printf("PASS %s\n", r.wasm);
    else
        printf("FAIL %s: %s\n", r.wasm, err.msg);
    return status;
}
