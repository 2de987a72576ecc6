/*
 * libarchive, loaded on first use. Reading archives and layers is the only thing waot needs
 * libarchive for, but linking it pulls a dozen shared libraries (libxml2, ICU, libstdc++,
 * compressors) into every process, and resolving them cost a warm `waot run hello.wasm`
 * more than the rest of its start. So waot does not link libarchive: the functions the
 * image code calls are defined here and forward to libarchive.so.13, opened with dlopen
 * the first time one is needed. Without the library, archive_read_new returns NULL and
 * image_libarchive_error() says why.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include <archive.h>
#include <archive_entry.h>

#include "image_internal.h"

#define LIBARCHIVE_SONAME "libarchive.so.13"

/* X(return type, name, (parameters), (arguments)): the functions the image code uses;
 * every one but archive_read_new is forwarded as it is. */
#define LIBARCHIVE_FORWARDED(X) \
    X(int, archive_read_free, (struct archive *a), (a)) \
    X(int, archive_read_support_format_tar, (struct archive *a), (a)) \
    X(int, archive_read_support_format_raw, (struct archive *a), (a)) \
    X(int, archive_read_support_format_empty, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_none, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_gzip, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_zstd, (struct archive *a), (a)) \
    X(int, archive_read_open_filename, (struct archive *a, const char *f, size_t b), (a, f, b)) \
    X(int, archive_read_next_header, (struct archive *a, struct archive_entry **e), (a, e)) \
    X(la_ssize_t, archive_read_data, (struct archive *a, void *buf, size_t n), (a, buf, n)) \
    X(int, archive_read_data_block, \
      (struct archive *a, const void **buf, size_t *n, la_int64_t *off), (a, buf, n, off)) \
    X(const char *, archive_error_string, (struct archive *a), (a)) \
    X(la_int64_t, archive_entry_size, (struct archive_entry *e), (e)) \
    X(int, archive_entry_size_is_set, (struct archive_entry *e), (e)) \
    X(__LA_MODE_T, archive_entry_perm, (struct archive_entry *e), (e)) \
    X(__LA_MODE_T, archive_entry_filetype, (struct archive_entry *e), (e)) \
    X(const char *, archive_entry_pathname, (struct archive_entry *e), (e)) \
    X(const char *, archive_entry_symlink, (struct archive_entry *e), (e)) \
    X(const char *, archive_entry_hardlink, (struct archive_entry *e), (e))
#define LIBARCHIVE_FUNCS(X) \
    X(struct archive *, archive_read_new, (void), ()) \
    LIBARCHIVE_FORWARDED(X)

static struct {
#define FIELD(ret, name, params, args) ret(*name) params;
    LIBARCHIVE_FUNCS(FIELD)
#undef FIELD
    int loaded;          /* 1: every pointer set; -1: failed (see why) */
    char why[200];
} lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    void *h = dlopen(LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(lib.why, sizeof lib.why, "cannot load %s: %s", LIBARCHIVE_SONAME, dlerror());
        lib.loaded = -1;
        return;
    }
#define LOOKUP(ret, name, params, args) \
    if (!(*(void **)&lib.name = dlsym(h, #name))) { \
        snprintf(lib.why, sizeof lib.why, "%s lacks %s", LIBARCHIVE_SONAME, #name); \
        lib.loaded = -1; \
        return; \
    }
    LIBARCHIVE_FUNCS(LOOKUP)
#undef LOOKUP
    lib.loaded = 1;
}

const char *image_libarchive_error(void)
{
    pthread_once(&lib_once, load);
    return lib.loaded == 1 ? "out of memory" : lib.why;
}

/* archive_read_new is the way into every other function: it alone reports a missing
 * library (NULL), and waot reaches the others only with the archive it returned. */
struct archive *archive_read_new(void)
{
    pthread_once(&lib_once, load);
    return lib.loaded == 1 ? lib.archive_read_new() : NULL;
}

/* Each forwarder loads the library too: in a program that also links libarchive (the unit
 * tests write tars with it), libarchive's own internal calls reach these definitions. */
#define FORWARD(ret, name, params, args) \
    ret name params \
    { \
        pthread_once(&lib_once, load); \
        return lib.name args; \
    }
LIBARCHIVE_FORWARDED(FORWARD)
#undef FORWARD
