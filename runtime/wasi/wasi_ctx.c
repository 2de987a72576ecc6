/*
 * The WASI ctx: creation from a wasi_config (arguments, environment, stdio, preopens),
 * the table of preview1 functions with their witx signatures, linking a module's imports
 * to host functions, and the one callback every host function goes through.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasi_internal.h"

#define WASI_MODULE "wasi_snapshot_preview1"

static const struct wasi_func_desc func_table[] = {
    {"args_get", "ii", true, wasi_args_args_get},
    {"args_sizes_get", "ii", true, wasi_args_args_sizes_get},
    {"environ_get", "ii", true, wasi_args_environ_get},
    {"environ_sizes_get", "ii", true, wasi_args_environ_sizes_get},
    {"clock_res_get", "ii", true, wasi_clock_res_get},
    {"clock_time_get", "iIi", true, wasi_clock_time_get},
    {"fd_advise", "iIIi", true, wasi_file_fd_advise},
    {"fd_allocate", "iII", true, wasi_file_fd_allocate},
    {"fd_close", "i", true, wasi_fd_close},
    {"fd_datasync", "i", true, wasi_file_fd_datasync},
    {"fd_fdstat_get", "ii", true, wasi_fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii", true, wasi_fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII", true, wasi_fd_fdstat_set_rights},
    {"fd_filestat_get", "ii", true, wasi_file_fd_filestat_get},
    {"fd_filestat_set_size", "iI", true, wasi_file_fd_filestat_set_size},
    {"fd_filestat_set_times", "iIIi", true, wasi_file_fd_filestat_set_times},
    {"fd_pread", "iiiIi", true, wasi_file_fd_pread},
    {"fd_prestat_get", "ii", true, wasi_fd_prestat_get},
    {"fd_prestat_dir_name", "iii", true, wasi_fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi", true, wasi_file_fd_pwrite},
    {"fd_read", "iiii", true, wasi_file_fd_read},
    {"fd_readdir", "iiiIi", true, wasi_dir_fd_readdir},
    {"fd_renumber", "ii", true, wasi_fd_renumber},
    {"fd_seek", "iIii", true, wasi_file_fd_seek},
    {"fd_sync", "i", true, wasi_file_fd_sync},
    {"fd_tell", "ii", true, wasi_file_fd_tell},
    {"fd_write", "iiii", true, wasi_file_fd_write},
    {"path_create_directory", "iii", true, wasi_dir_path_create_directory},
    {"path_filestat_get", "iiiii", true, wasi_file_path_filestat_get},
    {"path_filestat_set_times", "iiiiIIi", true, wasi_file_path_filestat_set_times},
    {"path_link", "iiiiiii", true, wasi_dir_path_link},
    {"path_open", "iiiiiIIii", true, wasi_file_path_open},
    {"path_readlink", "iiiiii", true, wasi_dir_path_readlink},
    {"path_remove_directory", "iii", true, wasi_dir_path_remove_directory},
    {"path_rename", "iiiiii", true, wasi_dir_path_rename},
    {"path_symlink", "iiiii", true, wasi_dir_path_symlink},
    {"path_unlink_file", "iii", true, wasi_dir_path_unlink_file},
    {"poll_oneoff", "iiii", true, wasi_poll_oneoff},
    {"proc_exit", "i", false, wasi_args_proc_exit},
    {"proc_raise", "i", true, wasi_args_proc_raise},
    {"sched_yield", "", true, wasi_args_sched_yield},
    {"random_get", "ii", true, wasi_random_get},
    {"sock_accept", "iii", true, wasi_sock_accept},
    {"sock_recv", "iiiiii", true, wasi_sock_recv},
    {"sock_send", "iiiii", true, wasi_sock_send},
    {"sock_shutdown", "ii", true, wasi_sock_shutdown},
};
#define FUNC_COUNT (sizeof func_table / sizeof func_table[0])

const struct wasi_func_desc *wasi_ctx_func_at(size_t i)
{
    return i < FUNC_COUNT ? &func_table[i] : NULL;
}

const struct wasi_func_desc *wasi_ctx_find_func(const char *name)
{
    for (size_t i = 0; i < FUNC_COUNT; i++)
        if (strcmp(func_table[i].name, name) == 0)
            return &func_table[i];
    return NULL;
}

/* ---- calls ---- */

static void refresh_memory(struct wasi_ctx *w)
{
    if (w->memory) {
        w->mem.base = waot_memory_data(w->memory);
        w->mem.size = waot_memory_size(w->memory);
    } else {
        w->mem.base = NULL;
        w->mem.size = 0;
    }
}

static int call_desc(struct wasi_ctx *w, const struct wasi_func_desc *d,
                     const struct waot_val *args, struct waot_val *results,
                     struct waot_error *err)
{
    refresh_memory(w);
    int r = d->impl(w, args, err);
    if (r < 0)
        return -1;
    if (d->has_result) {
        results[0].type = WAOT_I32;
        results[0].of.i64 = 0;
        results[0].of.i32 = (uint32_t)r;
    }
    return 0;
}

static int host_callback(void *env, const struct waot_val *args, struct waot_val *results,
                         struct waot_error *err)
{
    struct wasi_binding *b = env;
    return call_desc(b->w, b->desc, args, results, err);
}

int wasi_ctx_invoke(struct wasi_ctx *w, const char *name, const struct waot_val *args,
                    struct waot_val *results, struct waot_error *err)
{
    const struct wasi_func_desc *d = wasi_ctx_find_func(name);
    if (!d)
        return waot_fail(err, WAOT_E_USAGE, "wasi: no function %s", name);
    return call_desc(w, d, args, results, err);
}

/* ---- linking ---- */

static struct waot_func *binding_func(struct wasi_binding *b, struct waot_error *err)
{
    if (b->func)
        return b->func;
    enum waot_valtype params[16];
    size_t n = strlen(b->desc->params);
    for (size_t i = 0; i < n; i++)
        params[i] = b->desc->params[i] == 'I' ? WAOT_I64 : WAOT_I32;
    enum waot_valtype result = WAOT_I32;
    b->func = waot_func_create_host(params, n, &result, b->desc->has_result ? 1 : 0,
                                    host_callback, b, err);
    return b->func;
}

int wasi_link(struct wasi_ctx *w, struct waot_module *m, struct waot_extern *imports,
              struct waot_error *err)
{
    size_t n = waot_module_import_count(m);
    for (size_t i = 0; i < n; i++) {
        const char *mod, *name;
        enum waot_extern_kind kind;
        if (waot_module_import(m, i, &mod, &name, &kind) < 0)
            return waot_fail(err, WAOT_E_INTERNAL, "wasi: import %zu unreadable", i);
        if (strcmp(mod, WASI_MODULE) != 0)
            continue;
        const struct wasi_func_desc *d = wasi_ctx_find_func(name);
        if (!d || kind != WAOT_EXTERN_FUNC)
            return waot_fail(err, WAOT_E_UNLINKABLE, "unknown import: %s.%s%s", mod, name,
                             d ? " (not a function)" : "");
        struct waot_func *f = binding_func(&w->bindings[d - func_table], err);
        if (!f)
            return -1;
        imports[i].kind = WAOT_EXTERN_FUNC;
        imports[i].of.func = f;
    }
    return 0;
}

void wasi_set_memory(struct wasi_ctx *w, struct waot_memory *mem)
{
    w->memory = mem;
}

/* ---- creation ---- */

void wasi_config_init(struct wasi_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->stdin_fd = 0;
    cfg->stdout_fd = 1;
    cfg->stderr_fd = 2;
}

/* Packs n strings into one buffer of NUL-terminated strings. */
static int pack_strings(int n, const char *const *v, char **buf, uint32_t *count,
                        uint32_t *len, struct waot_error *err)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += strlen(v[i]) + 1;
    if (total > UINT32_MAX / 2 || (size_t)n > UINT32_MAX / 8)
        return waot_fail(err, WAOT_E_USAGE, "wasi: arguments or environment too large");
    *buf = malloc(total ? total : 1);
    if (!*buf)
        return waot_fail(err, WAOT_E_NOMEM, "wasi: out of memory");
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(v[i]) + 1;
        memcpy(*buf + off, v[i], l);
        off += l;
    }
    *count = (uint32_t)n;
    *len = (uint32_t)total;
    return 0;
}

static int add_stdio(struct wasi_ctx *w, int host, uint64_t rights, struct waot_error *err)
{
    struct wasi_fd e = {0};
    e.kind = WASI_FD_STDIO;
    e.host = host;
    e.filetype = isatty(host) ? WASI_FILETYPE_CHARACTER_DEVICE : WASI_FILETYPE_UNKNOWN;
    e.rights = rights | WASI_RIGHT_POLL_FD_READWRITE | WASI_RIGHT_FD_FILESTAT_GET |
               WASI_RIGHT_FD_FDSTAT_SET_FLAGS;
    uint32_t fd;
    if (wasi_fd_insert(w, &e, &fd) != 0)
        return waot_fail(err, WAOT_E_NOMEM, "wasi: out of memory");
    return 0;
}

static int add_preopen(struct wasi_ctx *w, const struct wasi_preopen *p, struct waot_error *err)
{
    struct wasi_fd e = {0};
    if (!p->host_path) {
        struct stat st;
        if (p->sock_fd < 0 || fstat(p->sock_fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
            if (p->sock_fd >= 0)
                close(p->sock_fd);
            return waot_fail(err, WAOT_E_USAGE, "wasi: preopened fd %d is not a socket",
                             p->sock_fd);
        }
        e.kind = WASI_FD_SOCKET;
        e.host = p->sock_fd;
        e.filetype = wasi_fd_filetype(&st, p->sock_fd);
        e.rights = WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_POLL_FD_READWRITE |
                   WASI_RIGHT_SOCK_SHUTDOWN | WASI_RIGHT_SOCK_ACCEPT |
                   WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_FILESTAT_GET;
        e.inherit = e.rights & ~WASI_RIGHT_SOCK_ACCEPT;
    } else {
        int fd = open(p->host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return waot_fail(err, WAOT_E_IO, "wasi: cannot open preopened directory %s: %s",
                             p->host_path, strerror(errno));
        const char *guest = p->guest_path ? p->guest_path : p->host_path;
        e.preopen_name = strdup(guest);
        if (!e.preopen_name) {
            close(fd);
            return waot_fail(err, WAOT_E_NOMEM, "wasi: out of memory");
        }
        e.kind = WASI_FD_DIR;
        e.host = fd;
        e.opath = true;
        e.filetype = WASI_FILETYPE_DIRECTORY;
        e.readonly = p->readonly;
        e.rights = WASI_RIGHTS_ALL;
        e.inherit = WASI_RIGHTS_ALL;
    }
    uint32_t gfd;
    if (wasi_fd_insert(w, &e, &gfd) != 0) {
        wasi_fd_release(&e);
        return waot_fail(err, WAOT_E_NOMEM, "wasi: out of memory");
    }
    return 0;
}

struct wasi_ctx *wasi_create(const struct wasi_config *cfg, struct waot_error *err)
{
    struct wasi_ctx *w = calloc(1, sizeof *w);
    size_t i = 0;
    if (!w) {
        waot_fail(err, WAOT_E_NOMEM, "wasi: out of memory");
        goto fail;
    }
    w->bindings = calloc(FUNC_COUNT, sizeof *w->bindings);
    if (!w->bindings) {
        waot_fail(err, WAOT_E_NOMEM, "wasi: out of memory");
        goto fail;
    }
    for (size_t k = 0; k < FUNC_COUNT; k++) {
        w->bindings[k].w = w;
        w->bindings[k].desc = &func_table[k];
    }
    if (pack_strings(cfg->argc, cfg->argv, &w->args_buf, &w->argc, &w->args_len, err) < 0 ||
        pack_strings(cfg->envc, cfg->envp, &w->env_buf, &w->envc, &w->env_len, err) < 0)
        goto fail;
    if (add_stdio(w, cfg->stdin_fd, WASI_RIGHT_FD_READ, err) < 0 ||
        add_stdio(w, cfg->stdout_fd, WASI_RIGHT_FD_WRITE, err) < 0 ||
        add_stdio(w, cfg->stderr_fd, WASI_RIGHT_FD_WRITE, err) < 0)
        goto fail;
    for (; i < cfg->npreopens; i++)
        if (add_preopen(w, &cfg->preopens[i], err) < 0) {
            i++;
            goto fail;
        }
    return w;
fail:
    /* sockets handed in are owned from here on, also those not reached */
    for (; cfg && i < cfg->npreopens; i++)
        if (!cfg->preopens[i].host_path && cfg->preopens[i].sock_fd >= 0)
            close(cfg->preopens[i].sock_fd);
    wasi_destroy(w);
    return NULL;
}

void wasi_destroy(struct wasi_ctx *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->nfds; i++)
        if (w->fds[i].used)
            wasi_fd_release(&w->fds[i]);
    free(w->fds);
    if (w->bindings)
        for (size_t k = 0; k < FUNC_COUNT; k++)
            waot_func_destroy_host(w->bindings[k].func);
    free(w->bindings);
    free(w->args_buf);
    free(w->env_buf);
    free(w);
}
