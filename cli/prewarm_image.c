/*
 * The image half of `waot prewarm` (see prewarm_image.h): IMAGE -> image store -> the
 * module it runs (the module blob of an artifact, or Entrypoint[0] inside the unpacked
 * root file system) -> launch_cache_artifact. The cache key is the module's content
 * digest, so `waot run IMAGE` later finds the same entry whatever path it runs from.
 */
#include "prewarm_image.h"

#include <stdio.h>
#include <string.h>

#include "image.h"
#include "launch.h"

int prewarm_image(const char *image, const struct waot_compile_options *opt,
                  const char *cache_dir, char *path_out, size_t size, bool *compiled,
                  struct waot_error *err)
{
    struct image_store st;
    struct image_info info;
    char module[IMAGE_PATH_MAX];
    int status = 0, rc = -1;
    *compiled = false;
    memset(&info, 0, sizeof info);
    if (image_store_open(&st, cache_dir, err) < 0)
        return -1;
    if (image_resolve(&st, image, &info, err) < 0)
        goto done;
    if (image_module_path(&st, &info, module, sizeof module, &status, err) < 0)
        goto done_info;
    rc = launch_cache_artifact(module, opt, cache_dir, path_out, size, compiled, err);
done_info:
    image_info_free(&info);
done:
    image_store_close(&st);
    if (rc < 0 && !strstr(err->msg, image)) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        enum waot_errcode code = err->code;
        waot_fail(err, code, "%s: %s", image, msg);
    }
    return rc;
}
