/*
 * Index, manifest and config JSON (jansson): Docker and OCI media types, nested indexes,
 * attestation manifests skipped, the Wasm platform chosen (wasip1/wasm, wasi/wasm,
 * wasip2/wasm, and the older wasm32/wasi pair), the image family decided (tar layers or a
 * raw module layer), and docker-archive manifest.json converted to a manifest blob.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "image_internal.h"

#define INDEX_DEPTH_MAX 4

static const char *const wasm_layer_types[] = {
    "application/wasm",
    "application/vnd.wasm.content.layer.v1+wasm",
    "application/vnd.module.wasm.content.layer.v1+wasm",
    "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm",
};

bool image_json_is_wasm_layer(const char *media_type)
{
    for (size_t i = 0; media_type && i < sizeof wasm_layer_types / sizeof *wasm_layer_types; i++)
        if (strcmp(media_type, wasm_layer_types[i]) == 0)
            return true;
    return false;
}

static bool is_wasm_platform(const char *os, const char *arch)
{
    if (!os || !arch)
        return false;
    if (strcmp(arch, "wasm") == 0)
        return strcmp(os, "wasip1") == 0 || strcmp(os, "wasi") == 0 || strcmp(os, "wasip2") == 0;
    return (strcmp(os, "wasm32") == 0 && strcmp(arch, "wasi") == 0) ||
           (strcmp(os, "wasi") == 0 && strcmp(arch, "wasm32") == 0);
}

static bool is_index_type(const char *mt)
{
    return mt && (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
                  strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0);
}

static const char *jstr(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A NULL-terminated copy of a JSON array of strings (missing/null: empty array). */
static int str_array(json_t *arr, char ***out, size_t *n, const char *what, struct waot_error *err)
{
    size_t count = json_is_array(arr) ? json_array_size(arr) : 0;
    if (arr && !json_is_array(arr) && !json_is_null(arr))
        return waot_fail(err, WAOT_E_INVALID, "image config: %s is not an array", what);
    char **v = calloc(count + 1, sizeof *v);
    if (!v)
        return waot_fail(err, WAOT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) || !(v[i] = strdup(json_string_value(s)))) {
            for (size_t k = 0; k < i; k++)
                free(v[k]);
            free(v);
            return waot_fail(err, WAOT_E_INVALID, "image config: %s[%zu] is not a string", what, i);
        }
    }
    *out = v;
    *n = count;
    return 0;
}

static void free_strs(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void image_info_free(struct image_info *info)
{
    free(info->name);
    free_strs(info->entrypoint);
    free_strs(info->cmd);
    free_strs(info->env);
    free(info->workdir);
    for (size_t i = 0; i < info->nlayers; i++)
        free(info->layers[i].media_type);
    free(info->layers);
    memset(info, 0, sizeof *info);
}

static json_t *load_blob_json(struct image_store *st, const char *digest, uint64_t size,
                              struct waot_error *err)
{
    char *text = NULL;
    size_t len = 0;
    if (image_blob_read(st, digest, size, IMAGE_JSON_MAX, &text, &len, err) < 0)
        return NULL;
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    free(text);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        waot_fail(err, WAOT_E_INVALID, "blob %s: not a JSON object (%s)", digest, je.text);
        return NULL;
    }
    return j;
}

/* Reads a descriptor's digest and size; -1 when malformed. */
static int descriptor(json_t *d, const char **digest, uint64_t *size, struct waot_error *err)
{
    const char *hex;
    json_t *sz = json_object_get(d, "size");
    *digest = jstr(d, "digest");
    if (!*digest || image_digest_hex(*digest, &hex) < 0)
        return waot_fail(err, WAOT_E_INVALID, "descriptor with unsupported or malformed digest "
                         "\"%.80s\" (only sha256 is accepted)", *digest ? *digest : "");
    if (!json_is_integer(sz) || json_integer_value(sz) < 0)
        return waot_fail(err, WAOT_E_INVALID, "descriptor %s has no valid size", *digest);
    *size = (uint64_t)json_integer_value(sz);
    return 0;
}

static int load_config(struct image_store *st, struct image_info *info, uint64_t size,
                       struct waot_error *err)
{
    json_t *c = load_blob_json(st, info->config_digest, size, err);
    if (!c)
        return -1;
    snprintf(info->os, sizeof info->os, "%s", jstr(c, "os") ? jstr(c, "os") : "");
    snprintf(info->arch, sizeof info->arch, "%s",
             jstr(c, "architecture") ? jstr(c, "architecture") : "");
    json_t *cfg = json_object_get(c, "config");
    if (!json_is_object(cfg))
        cfg = json_object_get(c, "Config"); /* docker legacy spelling */
    int r = str_array(json_object_get(cfg, "Entrypoint"), &info->entrypoint, &info->nentrypoint,
                      "Entrypoint", err);
    if (r == 0)
        r = str_array(json_object_get(cfg, "Cmd"), &info->cmd, &info->ncmd, "Cmd", err);
    if (r == 0)
        r = str_array(json_object_get(cfg, "Env"), &info->env, &info->nenv, "Env", err);
    const char *wd = jstr(cfg, "WorkingDir");
    if (r == 0 && wd && *wd && !(info->workdir = strdup(wd)))
        r = waot_fail(err, WAOT_E_NOMEM, "out of memory");
    json_t *diff = json_object_get(json_object_get(c, "rootfs"), "diff_ids");
    if (r == 0 && info->kind == IMAGE_KIND_ROOTFS && json_is_array(diff)) {
        if (json_array_size(diff) != info->nlayers) {
            r = waot_fail(err, WAOT_E_INVALID, "image %s: %zu layers but %zu diff_ids",
                          info->manifest_digest, info->nlayers, json_array_size(diff));
        } else {
            for (size_t i = 0; r == 0 && i < info->nlayers; i++) {
                const char *d = json_string_value(json_array_get(diff, i)), *hex;
                if (!d || image_digest_hex(d, &hex) < 0)
                    r = waot_fail(err, WAOT_E_INVALID, "image config: bad diff_id %zu", i);
                else
                    snprintf(info->layers[i].diff_id, IMAGE_DIGEST_SIZE, "%s", d);
            }
        }
    }
    json_decref(c);
    return r;
}

int image_json_load_manifest(struct image_store *st, const char *digest, uint64_t size,
                             struct image_info *info, struct waot_error *err)
{
    json_t *m = load_blob_json(st, digest, size, err);
    if (!m)
        return -1;
    snprintf(info->manifest_digest, sizeof info->manifest_digest, "%s", digest);
    const char *cdigest;
    uint64_t csize;
    json_t *layers = json_object_get(m, "layers");
    int r = 0;
    if (!json_is_object(json_object_get(m, "config")) || !json_is_array(layers)) {
        r = waot_fail(err, WAOT_E_INVALID, "manifest %s has no config or layers", digest);
    } else if (descriptor(json_object_get(m, "config"), &cdigest, &csize, err) == 0) {
        snprintf(info->config_digest, sizeof info->config_digest, "%s", cdigest);
        size_t n = json_array_size(layers);
        info->layers = calloc(n ? n : 1, sizeof *info->layers);
        if (!info->layers)
            r = waot_fail(err, WAOT_E_NOMEM, "out of memory");
        info->kind = IMAGE_KIND_ROOTFS;
        bool found = false;
        for (size_t i = 0; r == 0 && i < n; i++) {
            json_t *l = json_array_get(layers, i);
            struct image_layer *L = &info->layers[i];
            const char *ld, *mt = jstr(l, "mediaType");
            if (descriptor(l, &ld, &L->size, err) < 0) {
                r = -1;
                break;
            }
            snprintf(L->digest, sizeof L->digest, "%s", ld);
            L->media_type = strdup(mt ? mt : "");
            info->nlayers = i + 1;
            if (!L->media_type)
                r = waot_fail(err, WAOT_E_NOMEM, "out of memory");
            else if (!found && image_json_is_wasm_layer(mt)) {
                found = true;
                info->kind = IMAGE_KIND_ARTIFACT;
                info->module_layer = i;
            }
        }
        if (r == 0)
            r = load_config(st, info, csize, err);
    } else {
        r = -1;
    }
    json_decref(m);
    return r;
}

struct walk {
    struct image_store *st;
    struct image_info *info;
    char found[512];           /* platforms seen, for the error message */
    bool done;
};

static void note_platform(struct walk *w, const char *os, const char *arch)
{
    char p[80];
    snprintf(p, sizeof p, "%s/%s", os && *os ? os : "?", arch && *arch ? arch : "?");
    if (strstr(w->found, p))
        return;
    size_t len = strlen(w->found);
    snprintf(w->found + len, sizeof w->found - len, "%s%s", len ? ", " : "", p);
}

static int walk_index(struct walk *w, json_t *index, int depth, struct waot_error *err);

/* One index entry: a nested index, an attestation (skipped) or a candidate manifest. */
static int walk_entry(struct walk *w, json_t *d, int depth, struct waot_error *err)
{
    const char *mt = jstr(d, "mediaType"), *digest;
    uint64_t size;
    if (descriptor(d, &digest, &size, err) < 0)
        return -1;
    json_t *ann = json_object_get(d, "annotations");
    const char *ref_type = jstr(ann, "vnd.docker.reference.type");
    if (ref_type && strcmp(ref_type, "attestation-manifest") == 0)
        return 0;
    json_t *plat = json_object_get(d, "platform");
    const char *os = jstr(plat, "os"), *arch = jstr(plat, "architecture");
    if (os && arch && strcmp(os, "unknown") == 0 && strcmp(arch, "unknown") == 0)
        return 0;
    if (is_index_type(mt)) {
        if (depth >= INDEX_DEPTH_MAX)
            return waot_fail(err, WAOT_E_INVALID, "image index nested too deeply");
        json_t *sub = load_blob_json(w->st, digest, size, err);
        if (!sub)
            return -1;
        int r = walk_index(w, sub, depth + 1, err);
        json_decref(sub);
        return r;
    }
    if (os && arch && !is_wasm_platform(os, arch)) {
        note_platform(w, os, arch);
        return 0;
    }
    /* no platform on the descriptor, or a Wasm one: the config decides */
    struct image_info cand = {0};
    if (image_json_load_manifest(w->st, digest, size, &cand, err) < 0) {
        image_info_free(&cand);
        return -1;
    }
    bool desc_wasm = os && arch; /* a non-Wasm platform was skipped above */
    if (is_wasm_platform(cand.os, cand.arch) || (desc_wasm && !cand.os[0] && !cand.arch[0]) ||
        (!cand.os[0] && cand.kind == IMAGE_KIND_ARTIFACT) ||
        (cand.kind == IMAGE_KIND_ARTIFACT && strcmp(cand.arch, "wasm") == 0)) {
        cand.name = w->info->name;
        *w->info = cand;
        w->done = true;
        return 0;
    }
    note_platform(w, cand.os, cand.arch);
    image_info_free(&cand);
    return 0;
}

static int walk_index(struct walk *w, json_t *index, int depth, struct waot_error *err)
{
    json_t *ms = json_object_get(index, "manifests");
    if (!json_is_array(ms))
        return waot_fail(err, WAOT_E_INVALID, "image index has no manifests array");
    for (size_t i = 0; i < json_array_size(ms) && !w->done; i++)
        if (walk_entry(w, json_array_get(ms, i), depth, err) < 0)
            return -1;
    return 0;
}

/* The name an index entry gives its image, or NULL. */
static char *entry_name(json_t *d, const char *hint)
{
    json_t *ann = json_object_get(d, "annotations");
    const char *full = jstr(ann, "io.containerd.image.name");
    if (full && *full)
        return strdup(full);
    const char *ref = jstr(ann, "org.opencontainers.image.ref.name");
    if (!ref || !*ref)
        return NULL;
    if (strchr(ref, '/') || strchr(ref, ':'))
        return strdup(ref);
    size_t n = strlen(hint) + strlen(ref) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s:%s", hint, ref);
    return s;
}

int image_json_select_index(struct image_store *st, const char *json, size_t len,
                            const char *name_hint, struct image_info *info,
                            struct waot_error *err)
{
    json_error_t je;
    json_t *idx = json_loadb(json, len, 0, &je);
    memset(info, 0, sizeof *info);
    if (!idx || !json_is_object(idx)) {
        json_decref(idx);
        return waot_fail(err, WAOT_E_INVALID, "index.json: not a JSON object (%s)", je.text);
    }
    struct walk w = {.st = st, .info = info};
    json_t *ms = json_object_get(idx, "manifests");
    int r = 0;
    if (!json_is_array(ms)) {
        r = waot_fail(err, WAOT_E_INVALID, "index.json has no manifests array");
    } else {
        /* each top-level entry separately, so that the name comes from the chosen one */
        for (size_t i = 0; i < json_array_size(ms) && !w.done && r == 0; i++) {
            json_t *d = json_array_get(ms, i);
            info->name = entry_name(d, name_hint);
            r = walk_entry(&w, d, 0, err);
            if (!w.done) {
                free(info->name);
                info->name = NULL;
            }
        }
    }
    json_decref(idx);
    if (r == 0 && !w.done)
        r = w.found[0] ? waot_fail(err, WAOT_E_INVALID, "image has no wasm platform (found %s)",
                                   w.found)
                       : waot_fail(err, WAOT_E_INVALID, "image has no wasm platform (no manifests)");
    if (r < 0)
        image_info_free(info);
    return r;
}

int image_json_docker_archive(struct image_store *st, const char *json, size_t len,
                              const char *(*lookup)(void *arg, const char *name, uint64_t *size),
                              void *arg, struct image_info *info, struct waot_error *err)
{
    json_error_t je;
    json_t *arr = json_loadb(json, len, 0, &je);
    memset(info, 0, sizeof *info);
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        json_decref(arr);
        return waot_fail(err, WAOT_E_INVALID, "manifest.json: not a docker-archive manifest");
    }
    char found[512] = "";
    int r = -1;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i), *ls = json_object_get(e, "Layers");
        uint64_t csize;
        const char *cfg = jstr(e, "Config"), *cdig = cfg ? lookup(arg, cfg, &csize) : NULL;
        if (!cdig || !json_is_array(ls)) {
            r = waot_fail(err, WAOT_E_INVALID, "manifest.json entry %zu: config or layers missing", i);
            break;
        }
        json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[]}", "schemaVersion", 2,
                              "mediaType", "application/vnd.docker.distribution.manifest.v2+json",
                              "config", "mediaType", "application/vnd.docker.container.image.v1+json",
                              "digest", cdig, "size", (json_int_t)csize, "layers");
        bool ok = m != NULL;
        for (size_t k = 0; ok && k < json_array_size(ls); k++) {
            uint64_t lsize;
            const char *ln = json_string_value(json_array_get(ls, k));
            const char *ldig = ln ? lookup(arg, ln, &lsize) : NULL;
            if (!ldig) {
                ok = false;
                break;
            }
            json_array_append_new(json_object_get(m, "layers"),
                                  json_pack("{s:s, s:s, s:I}", "mediaType",
                                            "application/vnd.docker.image.rootfs.diff.tar",
                                            "digest", ldig, "size", (json_int_t)lsize));
        }
        char *text = ok ? json_dumps(m, JSON_COMPACT) : NULL;
        json_decref(m);
        if (!text) {
            r = waot_fail(err, WAOT_E_INVALID, "manifest.json entry %zu: a layer is missing", i);
            break;
        }
        char mdig[IMAGE_DIGEST_SIZE];
        struct image_info cand = {0};
        r = image_blob_put(st, text, strlen(text), mdig, err);
        if (r == 0)
            r = image_json_load_manifest(st, mdig, strlen(text), &cand, err);
        free(text);
        if (r < 0) {
            image_info_free(&cand);
            break;
        }
        if (is_wasm_platform(cand.os, cand.arch)) {
            const char *tag = json_string_value(json_array_get(json_object_get(e, "RepoTags"), 0));
            if (tag && !(cand.name = strdup(tag)))
                r = waot_fail(err, WAOT_E_NOMEM, "out of memory");
            *info = cand;
            json_decref(arr);
            return r;
        }
        snprintf(found + strlen(found), sizeof found - strlen(found), "%s%s/%s",
                 found[0] ? ", " : "", cand.os[0] ? cand.os : "?", cand.arch[0] ? cand.arch : "?");
        image_info_free(&cand);
    }
    json_decref(arr);
    if (r == 0)
        waot_fail(err, WAOT_E_INVALID, "image has no wasm platform (found %s)", found);
    return -1;
}
