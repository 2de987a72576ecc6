/*
 * One spec test script, command by command (see wast_run.h). State: the instances made so
 * far (slots, newest last; a slot may carry a "$name"), the names registered for imports,
 * the spectest host module and a module cache. Every command counts once as passed,
 * failed or skipped. A module the engine refuses as unsupported is skipped, and so is
 * every command that needs it. Instances live until the end of the script because
 * references to their functions may sit in shared tables; they are destroyed before the
 * host objects and the modules they were made from.
 */
#include "wast_run.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_file.h"
#include "wast_cache.h"
#include "wast_spectest.h"
#include "wast_values.h"

#define MAX_VALUES 256 /* arguments or results of one action */

enum slot_state { SLOT_READY, SLOT_SKIPPED, SLOT_FAILED };

struct slot {
    char *name;                 /* "$M" from the script, or NULL; owned */
    struct waot_instance *inst; /* owned; NULL unless READY */
    enum slot_state state;
    int line;
};

struct registration {
    char *as;    /* import module name; owned */
    size_t slot; /* index into run.slots */
};

struct run {
    const struct wast_run_options *opt;
    const char *dir, *name;
    struct wast_progress *progress;
    struct wast_cache *cache;
    struct wast_spectest spectest;
    struct slot *slots;
    size_t nslots, capslots;
    struct registration *regs;
    size_t nregs, capregs;
    long current; /* slot of the most recent module command, -1 before the first */
    int line;     /* of the command being run */
    const char *cmd;
};

enum act_status {
    ACT_RETURNED, /* results filled */
    ACT_ERROR,    /* waot returned an error (a trap, usually); in act.err */
    ACT_COUNTED,  /* skipped or failed before running; already counted */
};

struct act {
    struct waot_val results[MAX_VALUES];
    size_t nresults;
    struct waot_error err;
};

/* ---- counting and messages ---- */

static void pass(struct run *r)
{
    r->progress->passed++;
}

static void skip(struct run *r)
{
    r->progress->skipped++;
}

static void fail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct run *r, const char *fmt, ...)
{
    va_list ap;
    printf("%s:%d: %s: ", r->name, r->line, r->cmd);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    r->progress->failed++;
}

static const char *code_name(enum waot_errcode code)
{
    static const char *const names[] = {
        [WAOT_OK] = "ok",
        [WAOT_E_MALFORMED] = "malformed",
        [WAOT_E_INVALID] = "invalid",
        [WAOT_E_UNSUPPORTED] = "unsupported",
        [WAOT_E_UNLINKABLE] = "unlinkable",
        [WAOT_E_TRAP] = "trap",
        [WAOT_E_EXIT] = "exit",
        [WAOT_E_ARTIFACT] = "artifact error",
        [WAOT_E_IO] = "i/o error",
        [WAOT_E_NOMEM] = "out of memory",
        [WAOT_E_COMPILE] = "compile error",
        [WAOT_E_USAGE] = "usage error",
        [WAOT_E_INTERNAL] = "internal error",
    };
    if ((unsigned)code < sizeof names / sizeof names[0] && names[code])
        return names[code];
    return "unknown error";
}

/* "trap: integer divide by zero" or "invalid: <message>". */
static const char *describe(const struct waot_error *err, char *buf, size_t len)
{
    if (err->code == WAOT_E_TRAP)
        snprintf(buf, len, "trap \"%s\"%s%s", waot_trap_message(err->trap),
                 err->msg[0] ? " / " : "", err->msg);
    else
        snprintf(buf, len, "%s: %s", code_name(err->code), err->msg);
    return buf;
}

static const char *jstr(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* A v128 value's lanes as strings (wast2json: "value": ["1", "2", ...]); -1 when value is
 * not an array of at most 16 strings. */
static int v128_lanes(const json_t *v, const char **lanes, size_t *n)
{
    const json_t *arr = json_object_get(v, "value");
    *n = json_array_size(arr);
    if (!json_is_array(arr) || *n > 16)
        return -1;
    for (size_t i = 0; i < *n; i++)
        if (!(lanes[i] = json_string_value(json_array_get(arr, i))))
            return -1;
    return 0;
}

static int parse_arg(const json_t *arg, struct waot_val *out, struct waot_error *err)
{
    const char *type = jstr(arg, "type");
    if (!type || strcmp(type, "v128") != 0)
        return wast_values_parse(type, jstr(arg, "value"), out, err);
    const char *lanes[16];
    size_t n;
    if (v128_lanes(arg, lanes, &n) < 0)
        return waot_fail(err, WAOT_E_USAGE, "v128 value without a lane array");
    return wast_values_parse_v128(jstr(arg, "lane_type"), lanes, n, out, err);
}

static int parse_expect(const json_t *e, struct wast_expect *out, struct waot_error *err)
{
    const char *type = jstr(e, "type");
    if (!type || strcmp(type, "v128") != 0)
        return wast_values_parse_expect(type, jstr(e, "value"), out, err);
    const char *lanes[16];
    size_t n;
    if (v128_lanes(e, lanes, &n) < 0)
        return waot_fail(err, WAOT_E_USAGE, "v128 value without a lane array");
    return wast_values_parse_expect_v128(jstr(e, "lane_type"), lanes, n, out, err);
}

/* ---- instances and names ---- */

static long add_slot(struct run *r, const char *name, enum slot_state state)
{
    if (r->nslots == r->capslots) {
        size_t ncap = r->capslots ? r->capslots * 2 : 16;
        struct slot *s = realloc(r->slots, ncap * sizeof *s);
        if (!s)
            return -1;
        r->slots = s;
        r->capslots = ncap;
    }
    struct slot *s = &r->slots[r->nslots];
    s->name = name ? strdup(name) : NULL;
    if (name && !s->name)
        return -1;
    s->inst = NULL;
    s->state = state;
    s->line = r->line;
    return (long)r->nslots++;
}

/* The slot an action or register names: by "$name" (newest first), else the current one. */
static struct slot *find_slot(struct run *r, const char *name)
{
    if (!name)
        return r->current >= 0 ? &r->slots[r->current] : NULL;
    for (size_t i = r->nslots; i-- > 0;) {
        if (r->slots[i].name && strcmp(r->slots[i].name, name) == 0)
            return &r->slots[i];
    }
    return NULL;
}

static struct slot *find_registered(struct run *r, const char *as)
{
    for (size_t i = r->nregs; i-- > 0;) {
        if (strcmp(r->regs[i].as, as) == 0)
            return &r->slots[r->regs[i].slot];
    }
    return NULL;
}

static const char *kind_name(enum waot_extern_kind k)
{
    switch (k) {
    case WAOT_EXTERN_FUNC: return "func";
    case WAOT_EXTERN_TABLE: return "table";
    case WAOT_EXTERN_MEMORY: return "memory";
    case WAOT_EXTERN_GLOBAL: return "global";
    }
    return "?";
}

/* Fills *out (malloc'd, caller frees) with one extern per import. Fails with
 * WAOT_E_UNLINKABLE (unknown import, wrong kind), WAOT_E_UNSUPPORTED (the provider was
 * skipped) or WAOT_E_USAGE (the provider failed to load). */
static int resolve_imports(struct run *r, struct waot_module *m, struct waot_extern **out,
                           size_t *count, struct waot_error *err)
{
    size_t n = waot_module_import_count(m);
    struct waot_extern *ext = calloc(n ? n : 1, sizeof *ext);
    *out = NULL;
    *count = 0;
    if (!ext)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *mod = NULL, *name = NULL;
        enum waot_extern_kind kind;
        if (waot_module_import(m, i, &mod, &name, &kind) < 0) {
            waot_fail(err, WAOT_E_INTERNAL, "import %zu cannot be read", i);
            goto fail;
        }
        int found;
        if (strcmp(mod, "spectest") == 0) {
            found = wast_spectest_find(&r->spectest, name, &ext[i]) == 0;
        } else {
            struct slot *s = find_registered(r, mod);
            if (s && s->state == SLOT_SKIPPED) {
                waot_fail(err, WAOT_E_UNSUPPORTED, "import %s.%s: module skipped", mod, name);
                goto fail;
            }
            if (s && s->state == SLOT_FAILED) {
                waot_fail(err, WAOT_E_USAGE, "import %s.%s: module from line %d failed", mod, name, s->line);
                goto fail;
            }
            found = s && waot_instance_export_find(s->inst, name, &ext[i]) == 0;
        }
        if (!found) {
            waot_fail(err, WAOT_E_UNLINKABLE, "unknown import %s.%s", mod, name);
            goto fail;
        }
        if (ext[i].kind != kind) {
            waot_fail(err, WAOT_E_UNLINKABLE, "incompatible import type: %s.%s is a %s, module wants a %s",
                      mod, name, kind_name(ext[i].kind), kind_name(kind));
            goto fail;
        }
    }
    *out = ext;
    *count = n;
    return 0;
fail:
    free(ext);
    return -1;
}

/* Reads and compiles the module file named by the command. Returns 1 with *out set, 0 after
 * counting a skip (a module the engine does not support), -1 after counting a failure. */
static int load_module(struct run *r, const json_t *cmd, struct waot_module **out)
{
    const char *filename = jstr(cmd, "filename");
    if (!filename) {
        fail(r, "command has no \"filename\"");
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", r->dir, filename);
    uint8_t *wasm = NULL;
    size_t len = 0;
    struct waot_error err = {0};
    char buf[400];
    if (cli_file_read(path, &wasm, &len, &err) < 0) {
        fail(r, "%s", err.msg);
        return -1;
    }
    *out = wast_cache_module(r->cache, wasm, len, &err);
    free(wasm);
    if (*out)
        return 1;
    if (err.code == WAOT_E_UNSUPPORTED) {
        skip(r);
        return 0;
    }
    fail(r, "%s: cannot compile or load: %s", filename, describe(&err, buf, sizeof buf));
    return -1;
}

/* Resolves imports and instantiates; NULL with err filled. */
static struct waot_instance *instantiate(struct run *r, struct waot_module *m, struct waot_error *err)
{
    struct waot_extern *ext = NULL;
    size_t n = 0;
    if (resolve_imports(r, m, &ext, &n, err) < 0)
        return NULL;
    struct waot_instance *inst = waot_instance_create(m, ext, n, err);
    free(ext);
    return inst;
}

/* Keeps an instance alive until the end of the script without naming it. */
static void keep_instance(struct run *r, struct waot_instance *inst)
{
    long idx = add_slot(r, NULL, SLOT_READY);
    if (idx < 0) {
        /* Destroying it could leave dangling references in shared tables; leak instead. */
        return;
    }
    r->slots[idx].inst = inst;
}

/* ---- actions ---- */

static enum act_status run_action(struct run *r, const json_t *action, struct act *a)
{
    char buf[400];
    const char *type = jstr(action, "type"), *field = jstr(action, "field");
    if (!type || !field) {
        fail(r, "action without type or field");
        return ACT_COUNTED;
    }
    size_t field_len = json_string_length(json_object_get(action, "field"));
    struct slot *s = find_slot(r, jstr(action, "module"));
    if (!s) {
        fail(r, "no module %s to act on", jstr(action, "module") ? jstr(action, "module") : "");
        return ACT_COUNTED;
    }
    if (s->state == SLOT_SKIPPED) {
        skip(r);
        return ACT_COUNTED;
    }
    if (s->state == SLOT_FAILED) {
        fail(r, "\"%s\": module from line %d failed to load", field, s->line);
        return ACT_COUNTED;
    }
    struct waot_extern ext;
    if (waot_instance_export_findn(s->inst, field, field_len, &ext) < 0) {
        fail(r, "no export \"%s\"", field);
        return ACT_COUNTED;
    }
    memset(&a->err, 0, sizeof a->err);
    a->nresults = 0;
    if (strcmp(type, "get") == 0) {
        if (ext.kind != WAOT_EXTERN_GLOBAL) {
            fail(r, "export \"%s\" is a %s, not a global", field, kind_name(ext.kind));
            return ACT_COUNTED;
        }
        a->results[0] = waot_global_get(ext.of.global);
        a->nresults = 1;
        return ACT_RETURNED;
    }
    if (strcmp(type, "invoke") != 0) {
        fail(r, "unknown action type \"%s\"", type);
        return ACT_COUNTED;
    }
    if (ext.kind != WAOT_EXTERN_FUNC) {
        fail(r, "export \"%s\" is a %s, not a func", field, kind_name(ext.kind));
        return ACT_COUNTED;
    }
    const json_t *args = json_object_get(action, "args");
    size_t nargs = json_array_size(args);
    struct waot_val argv[MAX_VALUES];
    if (nargs > MAX_VALUES) {
        fail(r, "too many arguments (%zu)", nargs);
        return ACT_COUNTED;
    }
    for (size_t i = 0; i < nargs; i++) {
        const json_t *arg = json_array_get(args, i);
        if (parse_arg(arg, &argv[i], &a->err) < 0) {
            if (a->err.code == WAOT_E_UNSUPPORTED)
                skip(r);
            else
                fail(r, "argument %zu: %s", i, a->err.msg);
            return ACT_COUNTED;
        }
    }
    struct waot_func *f = ext.of.func;
    if (waot_func_param_count(f) != nargs) {
        fail(r, "\"%s\" takes %zu arguments, script passes %zu", field, waot_func_param_count(f), nargs);
        return ACT_COUNTED;
    }
    size_t nres = waot_func_result_count(f);
    if (nres > MAX_VALUES) {
        fail(r, "\"%s\" has too many results (%zu)", field, nres);
        return ACT_COUNTED;
    }
    if (waot_func_call(f, argv, nargs, a->results, nres, &a->err) < 0) {
        if (a->err.code == WAOT_E_UNSUPPORTED) {
            skip(r);
            return ACT_COUNTED;
        }
        if (a->err.code != WAOT_E_TRAP && a->err.code != WAOT_E_EXIT) {
            fail(r, "\"%s\": call failed: %s", field, describe(&a->err, buf, sizeof buf));
            return ACT_COUNTED;
        }
        return ACT_ERROR;
    }
    a->nresults = nres;
    return ACT_RETURNED;
}

/* Passes if err is a trap whose wording matches want (loosely: either contains the other's
 * start, since scripts sometimes add detail such as "uninitialized element 2"). */
static void check_trap(struct run *r, const char *want, const struct waot_error *err)
{
    char buf[400];
    if (err->code != WAOT_E_TRAP) {
        fail(r, "expected trap \"%s\", got %s", want ? want : "", describe(err, buf, sizeof buf));
        return;
    }
    const char *got = waot_trap_message(err->trap);
    if (!want || strstr(got, want) || strncmp(want, got, strlen(got)) == 0 ||
        (err->trap == WAOT_TRAP_HOST && strstr(err->msg, want))) {
        pass(r);
        return;
    }
    if (r->opt->loose_traps) {
        printf("%s:%d: %s: note: expected trap \"%s\", got \"%s\" (counted as passed)\n", r->name,
               r->line, r->cmd, want, got);
        pass(r);
        return;
    }
    fail(r, "expected trap \"%s\", got trap \"%s\"", want, got);
}

/* ---- commands ---- */

static void cmd_module(struct run *r, const json_t *cmd)
{
    char buf[400];
    long idx = add_slot(r, jstr(cmd, "name"), SLOT_FAILED);
    if (idx < 0) {
        fail(r, "out of memory");
        return;
    }
    r->current = idx;
    struct waot_module *m = NULL;
    int loaded = load_module(r, cmd, &m);
    if (loaded <= 0) {
        /* load_module counted a skip or a failure; remember which for dependants. */
        r->slots[idx].state = loaded == 0 ? SLOT_SKIPPED : SLOT_FAILED;
        return;
    }
    struct waot_error err = {0};
    struct waot_instance *inst = instantiate(r, m, &err);
    if (!inst) {
        if (err.code == WAOT_E_UNSUPPORTED) {
            r->slots[idx].state = SLOT_SKIPPED;
            skip(r);
        } else {
            fail(r, "instantiation failed: %s", describe(&err, buf, sizeof buf));
        }
        return;
    }
    r->slots[idx].inst = inst;
    r->slots[idx].state = SLOT_READY;
    pass(r);
}

static void cmd_register(struct run *r, const json_t *cmd)
{
    const char *as = jstr(cmd, "as"), *name = jstr(cmd, "name");
    struct slot *s = find_slot(r, name);
    if (!as || !s) {
        fail(r, "nothing to register%s%s", name ? " for " : "", name ? name : "");
        return;
    }
    if (r->nregs == r->capregs) {
        size_t ncap = r->capregs ? r->capregs * 2 : 8;
        struct registration *g = realloc(r->regs, ncap * sizeof *g);
        if (!g) {
            fail(r, "out of memory");
            return;
        }
        r->regs = g;
        r->capregs = ncap;
    }
    char *copy = strdup(as);
    if (!copy) {
        fail(r, "out of memory");
        return;
    }
    r->regs[r->nregs].as = copy;
    r->regs[r->nregs].slot = (size_t)(s - r->slots);
    r->nregs++;
    if (s->state == SLOT_READY)
        pass(r);
    else if (s->state == SLOT_SKIPPED)
        skip(r);
    else
        fail(r, "module from line %d failed to load", s->line);
}

static void cmd_action(struct run *r, const json_t *cmd)
{
    struct act a;
    char buf[400];
    switch (run_action(r, json_object_get(cmd, "action"), &a)) {
    case ACT_RETURNED:
        pass(r);
        break;
    case ACT_ERROR:
        fail(r, "action failed: %s", describe(&a.err, buf, sizeof buf));
        break;
    case ACT_COUNTED:
        break;
    }
}

static void cmd_assert_return(struct run *r, const json_t *cmd)
{
    const json_t *expected = json_object_get(cmd, "expected");
    size_t n = json_array_size(expected);
    struct wast_expect want[MAX_VALUES];
    struct waot_error err = {0};
    char buf[400], wbuf[200], gbuf[200];
    if (n > MAX_VALUES) {
        fail(r, "too many expected values (%zu)", n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(expected, i);
        if (parse_expect(e, &want[i], &err) < 0) {
            if (err.code == WAOT_E_UNSUPPORTED)
                skip(r);
            else
                fail(r, "expected value %zu: %s", i, err.msg);
            return;
        }
    }
    struct act a;
    enum act_status st = run_action(r, json_object_get(cmd, "action"), &a);
    if (st == ACT_COUNTED)
        return;
    const char *field = jstr(json_object_get(cmd, "action"), "field");
    if (st == ACT_ERROR) {
        fail(r, "\"%s\": expected a return, got %s", field, describe(&a.err, buf, sizeof buf));
        return;
    }
    if (a.nresults != n) {
        fail(r, "\"%s\": expected %zu results, got %zu", field, n, a.nresults);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!wast_values_match(&want[i], &a.results[i])) {
            wast_values_format_expect(&want[i], wbuf, sizeof wbuf);
            wast_values_format(&a.results[i], gbuf, sizeof gbuf);
            fail(r, "\"%s\": result %zu: expected %s, got %s", field, i, wbuf, gbuf);
            return;
        }
    }
    pass(r);
}

static void cmd_assert_trap(struct run *r, const json_t *cmd, bool exhaustion)
{
    struct act a;
    const char *want = jstr(cmd, "text");
    char buf[400];
    const json_t *action = json_object_get(cmd, "action");
    enum act_status st = run_action(r, action, &a);
    if (st == ACT_COUNTED)
        return;
    const char *field = jstr(action, "field");
    if (st == ACT_RETURNED) {
        fail(r, "\"%s\": expected trap \"%s\", got a return", field, want ? want : "");
        return;
    }
    if (exhaustion && (a.err.code != WAOT_E_TRAP || a.err.trap != WAOT_TRAP_STACK_EXHAUSTED)) {
        fail(r, "\"%s\": expected stack exhaustion, got %s", field, describe(&a.err, buf, sizeof buf));
        return;
    }
    check_trap(r, want, &a.err);
}

/* assert_invalid and assert_malformed: the compiler's validate() must reject the module
 * with the matching code. Text modules (wast2json keeps them as .wat) are skipped. */
static void cmd_assert_rejected(struct run *r, const json_t *cmd, enum waot_errcode want)
{
    const char *mtype = jstr(cmd, "module_type"), *filename = jstr(cmd, "filename");
    const char *text = jstr(cmd, "text");
    char buf[400];
    if (mtype && strcmp(mtype, "binary") != 0) {
        skip(r);
        return;
    }
    if (!filename) {
        fail(r, "command has no \"filename\"");
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", r->dir, filename);
    uint8_t *wasm = NULL;
    size_t len = 0;
    struct waot_error err = {0};
    if (cli_file_read(path, &wasm, &len, &err) < 0) {
        fail(r, "%s", err.msg);
        return;
    }
    int rc = r->opt->api->validate(wasm, len, &err);
    free(wasm);
    if (rc == 0) {
        fail(r, "%s: expected %s (\"%s\"), but the module validated", filename, code_name(want),
             text ? text : "");
    } else if (err.code == want) {
        pass(r);
    } else if (err.code == WAOT_E_UNSUPPORTED) {
        skip(r);
    } else {
        fail(r, "%s: expected %s (\"%s\"), got %s", filename, code_name(want), text ? text : "",
             describe(&err, buf, sizeof buf));
    }
}

static void cmd_assert_unlinkable(struct run *r, const json_t *cmd)
{
    struct waot_module *m = NULL;
    char buf[400];
    if (load_module(r, cmd, &m) <= 0)
        return;
    struct waot_error err = {0};
    struct waot_instance *inst = instantiate(r, m, &err);
    if (inst) {
        keep_instance(r, inst);
        fail(r, "expected unlinkable (\"%s\"), but instantiation succeeded", jstr(cmd, "text"));
    } else if (err.code == WAOT_E_UNLINKABLE) {
        pass(r);
    } else if (err.code == WAOT_E_UNSUPPORTED) {
        skip(r);
    } else {
        fail(r, "expected unlinkable (\"%s\"), got %s", jstr(cmd, "text"), describe(&err, buf, sizeof buf));
    }
}

static void cmd_assert_uninstantiable(struct run *r, const json_t *cmd)
{
    struct waot_module *m = NULL;
    if (load_module(r, cmd, &m) <= 0)
        return;
    struct waot_error err = {0};
    struct waot_instance *inst = instantiate(r, m, &err);
    if (inst) {
        keep_instance(r, inst);
        fail(r, "expected trap \"%s\" during instantiation, but it succeeded", jstr(cmd, "text"));
    } else if (err.code == WAOT_E_UNSUPPORTED) {
        skip(r);
    } else {
        check_trap(r, jstr(cmd, "text"), &err);
    }
}

static void run_command(struct run *r, const json_t *cmd)
{
    const char *type = r->cmd;
    if (strcmp(type, "module") == 0)
        cmd_module(r, cmd);
    else if (strcmp(type, "register") == 0)
        cmd_register(r, cmd);
    else if (strcmp(type, "action") == 0)
        cmd_action(r, cmd);
    else if (strcmp(type, "assert_return") == 0)
        cmd_assert_return(r, cmd);
    else if (strcmp(type, "assert_trap") == 0 && !json_object_get(cmd, "action"))
        cmd_assert_uninstantiable(r, cmd); /* older wast2json: a trapping module */
    else if (strcmp(type, "assert_trap") == 0)
        cmd_assert_trap(r, cmd, false);
    else if (strcmp(type, "assert_exhaustion") == 0)
        cmd_assert_trap(r, cmd, true);
    else if (strcmp(type, "assert_invalid") == 0)
        cmd_assert_rejected(r, cmd, WAOT_E_INVALID);
    else if (strcmp(type, "assert_malformed") == 0)
        cmd_assert_rejected(r, cmd, WAOT_E_MALFORMED);
    else if (strcmp(type, "assert_unlinkable") == 0)
        cmd_assert_unlinkable(r, cmd);
    else if (strcmp(type, "assert_uninstantiable") == 0)
        cmd_assert_uninstantiable(r, cmd);
    else
        fail(r, "unknown command type");
}

/* ---- driver ---- */

static void run_fini(struct run *r)
{
    for (size_t i = r->nslots; i-- > 0;) {
        waot_instance_destroy(r->slots[i].inst);
        free(r->slots[i].name);
    }
    free(r->slots);
    for (size_t i = 0; i < r->nregs; i++)
        free(r->regs[i].as);
    free(r->regs);
    wast_spectest_fini(&r->spectest);
    wast_cache_destroy(r->cache);
}

int wast_run_script(const char *json_path, const char *dir, const char *name,
                    const struct wast_run_options *opt, struct wast_progress *progress)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.opt = opt;
    r.dir = dir;
    r.name = name;
    r.progress = progress;
    r.current = -1;
    r.cmd = "setup";

    json_error_t jerr;
    /* names.wast has an export name with NUL characters in it. */
    json_t *root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
    if (!root) {
        fail(&r, "%s:%d: %s", json_path, jerr.line, jerr.text);
        return -1;
    }
    const json_t *commands = json_object_get(root, "commands");
    if (!json_is_array(commands)) {
        fail(&r, "%s: no \"commands\" array", json_path);
        json_decref(root);
        return -1;
    }
    struct waot_error err = {0};
    r.cache = wast_cache_create(opt->api, &opt->compile);
    if (!r.cache || wast_spectest_init(&r.spectest, &err) < 0) {
        fail(&r, "cannot set up: %s", r.cache ? err.msg : "out of memory");
        wast_cache_destroy(r.cache);
        json_decref(root);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(commands); i++) {
        const json_t *cmd = json_array_get(commands, i);
        r.line = (int)json_integer_value(json_object_get(cmd, "line"));
        r.cmd = jstr(cmd, "type") ? jstr(cmd, "type") : "?";
        progress->line = r.line;
        run_command(&r, cmd);
    }
    run_fini(&r);
    json_decref(root);
    progress->finished = 1;
    return 0;
}
