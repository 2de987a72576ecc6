/*
 * The image branch of `waot run`: when the argument is an OCI archive, a layout directory or
 * a stored image name rather than a .wasm file, turn the image into the launch spec's module,
 * argv, environment, root volume and working directory (image/image.h).
 */
#ifndef WAOT_CLI_RUN_IMAGE_H
#define WAOT_CLI_RUN_IMAGE_H

#include <stdbool.h>

#include "image.h"
#include "launch.h"

struct run_image {
    struct image_store st;
    struct image_info info;
    struct image_run run;
    const char **argv;             /* owned arrays; strings borrowed */
    const char **envp;
    struct launch_volume *volumes;
    bool store_open, info_loaded, prepared;
};

struct run_image_opts {
    int nargs;                     /* user ARGS (replace the image's Cmd) */
    char *const *args;
    const char *argv0;             /* --argv0, or NULL */
    bool read_only, rm, quiet;
};

/* True when arg should run as an image: not an existing file starting with the Wasm magic
 * and not a name ending in ".wasm". */
bool run_image_wanted(const char *arg);
/* The argument names a module by its suffix (".wasm"): never an image, never probed. */
bool run_is_wasm_name(const char *arg);
/* Resolves image and rewrites s (module_path, argv, env, volumes, workdir when unset) to run
 * it. 0, or the exit status (125, 126, 127) after printing one "waot: ..." line. */
int run_image_setup(struct run_image *ri, struct launch_spec *s, const char *image,
                    const struct run_image_opts *o);
/* Unmounts and (with --rm) removes the run's writable layer; frees everything. */
void run_image_cleanup(struct run_image *ri);

#endif
