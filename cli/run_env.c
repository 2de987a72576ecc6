/*
 * Guest environment for `waot run` (see run_env.h): -e and --env-file parsing.
 */
#include "run_env.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sets "KEY=VALUE" (key is key_len bytes of s), replacing an entry with the same key. */
static int env_set(struct run_env *e, const char *key, size_t key_len, const char *value,
                   struct waot_error *err)
{
    size_t vlen = strlen(value);
    char *var = malloc(key_len + vlen + 2);
    if (!var)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    memcpy(var, key, key_len);
    var[key_len] = '=';
    memcpy(var + key_len + 1, value, vlen + 1);
    for (size_t i = 0; i < e->count; i++) {
        if (strncmp(e->vars[i], var, key_len + 1) == 0) {
            free(e->vars[i]);
            e->vars[i] = var;
            return 0;
        }
    }
    if (e->count == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 16;
        char **v = realloc(e->vars, cap * sizeof *v);
        if (!v) {
            free(var);
            return waot_fail(err, WAOT_E_NOMEM, "out of memory");
        }
        e->vars = v;
        e->cap = cap;
    }
    e->vars[e->count++] = var;
    return 0;
}

/* NULL when the key is fine, else why not. */
static const char *key_problem(const char *key, size_t len)
{
    if (len == 0)
        return "empty variable name";
    for (size_t i = 0; i < len; i++) {
        if (isspace((unsigned char)key[i]))
            return "variable name contains whitespace";
    }
    return NULL;
}

/* One entry; where names the source for messages ("-e" or "FILE:LINE"). */
static int env_entry(struct run_env *e, const char *arg, const char *where, struct waot_error *err)
{
    const char *eq = strchr(arg, '=');
    size_t key_len = eq ? (size_t)(eq - arg) : strlen(arg);
    const char *why = key_problem(arg, key_len);
    if (why)
        return waot_fail(err, WAOT_E_USAGE, "%s: invalid environment entry \"%s\": %s", where, arg, why);
    if (eq)
        return env_set(e, arg, key_len, eq + 1, err);
    char *key = strndup(arg, key_len);
    if (!key)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    const char *host = getenv(key);
    int r = host ? env_set(e, arg, key_len, host, err) : 0;
    free(key);
    return r;
}

int run_env_add(struct run_env *e, const char *arg, struct waot_error *err)
{
    return env_entry(e, arg, "-e", err);
}

int run_env_add_file(struct run_env *e, const char *path, struct waot_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return waot_fail(err, WAOT_E_IO, "--env-file %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int r = 0;
    for (unsigned lineno = 1; r == 0 && (len = getline(&line, &cap, f)) >= 0; lineno++) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        char where[4200];
        snprintf(where, sizeof where, "%s:%u", path, lineno);
        r = env_entry(e, p, where, err);
    }
    if (r == 0 && ferror(f))
        r = waot_fail(err, WAOT_E_IO, "--env-file %s: read error", path);
    free(line);
    fclose(f);
    return r;
}

void run_env_free(struct run_env *e)
{
    for (size_t i = 0; i < e->count; i++)
        free(e->vars[i]);
    free(e->vars);
    e->vars = NULL;
    e->count = e->cap = 0;
}
