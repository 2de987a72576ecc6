/*
 * `waot cache ls|gc|rm`: looks after the compiled-code cache. ls lists every entry (key,
 * the module digest and target read from the artifact header, size, last use); gc removes
 * what crashed processes left behind and, with --max-size, evicts least recently used
 * entries until the cache fits; rm removes entries by key (or unique key prefix) or all.
 */
#include "cache_cmd.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "artifact_format.h"
#include "cache.h"

#define EXIT_WAOT 125
#define LEFTOVER_AGE_NS (3600LL * 1000000000LL)

static const char cache_usage[] =
    "usage: waot cache COMMAND [--cache-dir DIR]\n"
    "  ls [--no-trunc]           list entries: key, module digest, target, size, last use\n"
    "  gc [--max-size SIZE]      remove leftovers of crashed runs; with SIZE (bytes, or with\n"
    "                            a K, M or G suffix, powers of 1024) evict least recently\n"
    "                            used entries until the cache is at most SIZE\n"
    "  rm KEY...|--all           remove the entries with these keys (or unique key prefixes)\n";

struct cache_row {
    struct cache_entry_info info;
    char module[65];
    char target[140];
};

struct cache_rows {
    struct cache_row *rows;
    size_t count, cap;
    int oom;
};

static int fail(const char *sub, const char *msg)
{
    fprintf(stderr, "waot: cache%s%s: %s\n", sub ? " " : "", sub ? sub : "", msg);
    return EXIT_WAOT;
}

void cache_cmd_format_size(uint64_t n, char *buf, size_t size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%" PRIu64 " B", n);
    else
        snprintf(buf, size, "%.1f %s", v, units[u]);
}

int cache_cmd_parse_size(const char *s, uint64_t *out)
{
    char *end = NULL;
    if (!s || !*s || *s == '-')
        return -1;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    double mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1024.0; end++; break;
    case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (mult > 1 && end[0] == 'i' && end[1] == 'B')
        end += 2;
    else if (end[0] == 'B')
        end++;
    if (*end || v * mult > 1.8e19)
        return -1;
    *out = (uint64_t)(v * mult);
    return 0;
}

/* Reads the artifact header for the module digest and target; "?" when unreadable (or
 * not ours: O_NOATIME needs the owner, and lookup ignores such entries anyway). */
static void read_header(const char *path, struct cache_row *row)
{
    snprintf(row->module, sizeof row->module, "?");
    snprintf(row->target, sizeof row->target, "?");
    /* O_NOATIME: listing must not count as a use (the access time is the entry's last use) */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOATIME);
    if (fd < 0)
        return;
    struct art_header h;
    ssize_t n = pread(fd, &h, sizeof h, 0);
    close(fd);
    if (n != (ssize_t)sizeof h || memcmp(h.magic, ART_MAGIC, 8) != 0)
        return;
    for (int i = 0; i < 32; i++)
        snprintf(row->module + 2 * i, 3, "%02x", h.wasm_sha256[i]);
    h.triple[sizeof h.triple - 1] = '\0';
    h.cpu[sizeof h.cpu - 1] = '\0';
    snprintf(row->target, sizeof row->target, "%s/%s", h.triple, h.cpu[0] ? h.cpu : "generic");
}

static int collect(const struct cache_entry_info *e, void *arg)
{
    struct cache_rows *l = arg;
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        struct cache_row *n = realloc(l->rows, cap * sizeof *n);
        if (!n) {
            l->oom = 1;
            return 1;
        }
        l->rows = n;
        l->cap = cap;
    }
    struct cache_row *r = &l->rows[l->count++];
    r->info = *e;
    r->info.path = NULL;
    read_header(e->path, r);
    return 0;
}

/* Most recently used first. */
static int by_last_use(const void *pa, const void *pb)
{
    const struct cache_row *a = pa, *b = pb;
    int64_t x = cache_entry_last_use(&a->info), y = cache_entry_last_use(&b->info);
    if (x != y)
        return x > y ? -1 : 1;
    return strcmp(a->info.hex, b->info.hex);
}

static int list_entries(struct cache *c, struct cache_rows *l, struct waot_error *err)
{
    memset(l, 0, sizeof *l);
    if (cache_foreach(c, collect, l, err) < 0)
        return -1;
    if (l->oom)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory listing %s", c->dir);
    if (l->count) /* an empty cache has no rows array to sort */
        qsort(l->rows, l->count, sizeof *l->rows, by_last_use);
    return 0;
}

static int cmd_ls(struct cache *c, int no_trunc)
{
    struct cache_rows l;
    struct waot_error err = {0};
    if (list_entries(c, &l, &err) < 0) {
        free(l.rows);
        return fail("ls", err.msg);
    }
    int w = no_trunc ? 64 : 12;
    printf("%-*s  %-*s  %-32s  %10s  %s\n", w, "KEY", w + 7, "MODULE", "TARGET", "SIZE", "LAST USE");
    uint64_t total = 0;
    for (size_t i = 0; i < l.count; i++) {
        const struct cache_row *r = &l.rows[i];
        char size[32], when[64], module[80];
        cache_cmd_format_size(r->info.size, size, sizeof size);
        time_t t = (time_t)(cache_entry_last_use(&r->info) / 1000000000);
        struct tm tm;
        if (!localtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm))
            snprintf(when, sizeof when, "?");
        snprintf(module, sizeof module, "%s%.*s", r->module[0] == '?' ? "" : "sha256:", w, r->module);
        printf("%-*.*s  %-*s  %-32s  %10s  %s%s\n", w, w, r->info.hex, w + 7, module, r->target,
               size, when, r->info.trusted ? "" : "  (untrusted: ignored)");
        total += r->info.size;
    }
    char tsize[32];
    cache_cmd_format_size(total, tsize, sizeof tsize);
    printf("%zu entr%s, %s in %s\n", l.count, l.count == 1 ? "y" : "ies", tsize, c->dir);
    free(l.rows);
    return 0;
}

static int cmd_gc(struct cache *c, const char *max_size)
{
    struct waot_error err = {0};
    uint64_t max = 0;
    if (max_size && cache_cmd_parse_size(max_size, &max) < 0)
        return fail("gc", "--max-size needs a size such as 500M, 2G or 1048576");
    int left = cache_gc_leftovers(c, LEFTOVER_AGE_NS, &err);
    if (left < 0)
        return fail("gc", err.msg);
    struct cache_gc_report r;
    if (cache_gc_lru(c, max_size ? max : UINT64_MAX, &r, &err) < 0)
        return fail("gc", err.msg);
    char removed[32], kept[32];
    cache_cmd_format_size(r.bytes_removed, removed, sizeof removed);
    cache_cmd_format_size(r.bytes_before - r.bytes_removed, kept, sizeof kept);
    printf("removed %" PRIu64 " entr%s (%s) and %d leftover file%s; %" PRIu64 " entr%s (%s) left\n",
           r.entries_removed, r.entries_removed == 1 ? "y" : "ies", removed, left,
           left == 1 ? "" : "s", r.entries_before - r.entries_removed,
           r.entries_before - r.entries_removed == 1 ? "y" : "ies", kept);
    return 0;
}

static int cmd_rm(struct cache *c, int all, int nkeys, char **keys)
{
    struct cache_rows l;
    struct waot_error err = {0};
    if (list_entries(c, &l, &err) < 0) {
        free(l.rows);
        return fail("rm", err.msg);
    }
    int status = 0;
    for (size_t i = 0; all && i < l.count; i++) {
        if (cache_discard(c, l.rows[i].info.key, &err) < 0)
            status = fail("rm", err.msg);
    }
    for (int k = 0; k < nkeys; k++) {
        size_t n = strlen(keys[k]), match = 0, found = 0;
        for (size_t i = 0; i < l.count; i++) {
            if (n > 0 && n <= 64 && strncasecmp(l.rows[i].info.hex, keys[k], n) == 0) {
                match++;
                found = i;
            }
        }
        char msg[256];
        if (match != 1) {
            snprintf(msg, sizeof msg, "%s: %s", keys[k],
                     match ? "ambiguous key prefix (use more digits)" : "no such cache entry");
            status = fail("rm", msg);
        } else if (cache_discard(c, l.rows[found].info.key, &err) < 0) {
            status = fail("rm", err.msg);
        } else {
            printf("%s\n", l.rows[found].info.hex);
        }
    }
    free(l.rows);
    return status;
}

int cache_cmd_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(cache_usage, stderr);
        return EXIT_WAOT;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        fputs(cache_usage, stdout);
        return 0;
    }
    const char *dir = NULL, *max_size = NULL;
    int no_trunc = 0, all = 0, nkeys = 0;
    char **keys = calloc((size_t)argc, sizeof *keys);
    if (!keys)
        return fail(NULL, "out of memory");
    int status = 0;
    for (int i = 2; i < argc && status == 0; i++) {
        const char *a = argv[i];
        const char **slot = strncmp(a, "--cache-dir", 11) == 0 ? &dir
                            : strncmp(a, "--max-size", 10) == 0 ? &max_size : NULL;
        size_t n = slot == &dir ? 11 : 10;
        if (slot && (a[n] == '=' || a[n] == '\0')) {
            *slot = a[n] == '=' ? a + n + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!*slot || !**slot || (slot == &max_size && strcmp(sub, "gc") != 0))
                status = fail(sub, slot == &dir ? "--cache-dir needs a directory"
                                                : "--max-size needs a size (gc only)");
        } else if (strcmp(a, "--no-trunc") == 0 && strcmp(sub, "ls") == 0) {
            no_trunc = 1;
        } else if ((strcmp(a, "--all") == 0 || strcmp(a, "-a") == 0) && strcmp(sub, "rm") == 0) {
            all = 1;
        } else if (a[0] != '-' && strcmp(sub, "rm") == 0) {
            keys[nkeys++] = argv[i];
        } else {
            char msg[300];
            snprintf(msg, sizeof msg, "unexpected argument %s (try waot cache --help)", a);
            status = fail(sub, msg);
        }
    }
    if (status == 0 && strcmp(sub, "rm") == 0 && (all == (nkeys > 0)))
        status = fail("rm", "give entry keys or --all (not both)");
    if (status == 0 && strcmp(sub, "ls") != 0 && strcmp(sub, "gc") != 0 && strcmp(sub, "rm") != 0) {
        fprintf(stderr, "waot: cache: unknown command \"%s\"\n%s", sub, cache_usage);
        status = EXIT_WAOT;
    }
    struct cache c;
    struct waot_error err = {0};
    memset(&c, 0, sizeof c);
    if (status == 0 && (dir ? cache_open_dir(&c, dir, &err) : cache_open(&c, &err)) < 0)
        status = fail(sub, err.msg);
    if (status == 0) {
        if (strcmp(sub, "ls") == 0)
            status = cmd_ls(&c, no_trunc);
        else if (strcmp(sub, "gc") == 0)
            status = cmd_gc(&c, max_size);
        else
            status = cmd_rm(&c, all, nkeys, keys);
    }
    cache_close(&c);
    free(keys);
    return status;
}
