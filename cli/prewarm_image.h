/*
 * The image half of `waot prewarm`: resolve IMAGE (archive, layout directory or stored
 * name) to the module it runs and make sure the cache holds that module's artifact.
 */
#ifndef WAOT_CLI_PREWARM_IMAGE_H
#define WAOT_CLI_PREWARM_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "waot/compiler.h"
#include "waot/waot.h"

/* As launch_cache_artifact, for the module of an image. */
int prewarm_image(const char *image, const struct waot_compile_options *opt,
                  const char *cache_dir, char *path_out, size_t size, bool *compiled,
                  struct waot_error *err);

#endif
