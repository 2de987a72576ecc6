/*
 * The image branch of `waot run` (see run_image.h): image -> launch spec. The image's root
 * is preopened as "/" (writable overlay or read-only, image_run_prepare decides), user
 * volumes follow it, user -e variables override the image's Env, -w overrides WorkingDir
 * (which launch preopens as the working directory, see launch.h).
 */
#include "run_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXIT_WAOT 125

bool run_is_wasm_name(const char *arg)
{
    size_t len = strlen(arg);
    return len > 5 && strcmp(arg + len - 5, ".wasm") == 0;
}

bool run_image_wanted(const char *arg)
{
    struct stat sb;
    if (run_is_wasm_name(arg))
        return false;
    if (stat(arg, &sb) == 0)
        return image_path_is_image(arg);
    return true;
}

static bool env_has_key(const struct launch_spec *s, const char *var)
{
    size_t klen = strcspn(var, "=");
    for (int i = 0; i < s->envc; i++)
        if (strncmp(s->envp[i], var, klen) == 0 && s->envp[i][klen] == '=')
            return true;
    return false;
}

int run_image_setup(struct run_image *ri, struct launch_spec *s, const char *image,
                    const struct run_image_opts *o)
{
    struct waot_error err = {0};
    memset(ri, 0, sizeof *ri);
    if (image_store_open(&ri->st, s->cache_dir, &err) < 0)
        goto fail;
    ri->store_open = true;
    if (image_resolve(&ri->st, image, &ri->info, &err) < 0)
        goto fail;
    ri->info_loaded = true;
    struct image_run_opts ro = {.nargs = s->invoke ? 0 : o->nargs, .args = o->args,
                                .read_only = o->read_only, .rm = o->rm, .quiet = o->quiet};
    if (image_run_prepare(&ri->st, &ri->info, &ro, &ri->run, &err) < 0) {
        fprintf(stderr, "waot: %s\n", err.msg);
        return ri->run.status;
    }
    ri->prepared = true;
    ri->argv = calloc((size_t)ri->run.argc + 1, sizeof *ri->argv);
    ri->envp = calloc((size_t)(ri->run.envc + s->envc) + 1, sizeof *ri->envp);
    ri->volumes = calloc(s->nvolumes + 1, sizeof *ri->volumes);
    if (!ri->argv || !ri->envp || !ri->volumes) {
        fprintf(stderr, "waot: out of memory\n");
        return EXIT_WAOT;
    }
    for (int i = 0; i < ri->run.argc; i++)
        ri->argv[i] = ri->run.argv[i];
    if (o->argv0 && ri->run.argc > 0)
        ri->argv[0] = o->argv0;
    int n = 0;
    for (int i = 0; i < ri->run.envc; i++)
        if (!env_has_key(s, ri->run.env[i]))
            ri->envp[n++] = ri->run.env[i];
    for (int i = 0; i < s->envc; i++)
        ri->envp[n++] = s->envp[i];
    ri->volumes[0] = (struct launch_volume){.host_path = ri->run.root_host, .guest_path = "/",
                                            .readonly = ri->run.root_readonly};
    for (size_t i = 0; i < s->nvolumes; i++)
        ri->volumes[i + 1] = s->volumes[i];
    s->module_path = ri->run.module_path;
    s->argc = ri->run.argc;
    s->argv = ri->argv;
    s->envc = n;
    s->envp = ri->envp;
    s->volumes = ri->volumes;
    s->nvolumes = s->nvolumes + 1;
    /* WorkingDir (when the image has that directory) unless -w was given; it also resolves
     * a relative Entrypoint (image_module_path). */
    if (!s->workdir)
        s->workdir = ri->run.workdir;
    return 0;
fail:
    fprintf(stderr, "waot: %s\n", err.msg);
    return EXIT_WAOT;
}

void run_image_cleanup(struct run_image *ri)
{
    if (ri->prepared)
        image_run_finish(&ri->st, &ri->run);
    if (ri->info_loaded)
        image_info_free(&ri->info);
    if (ri->store_open)
        image_store_close(&ri->st);
    free(ri->argv);
    free(ri->envp);
    free(ri->volumes);
    memset(ri, 0, sizeof *ri);
}
