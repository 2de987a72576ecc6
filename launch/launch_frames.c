/*
 * Copies the runtime's backtrace of the last trap into a launch result, with function
 * names copied out of the module (which launch_run closes before returning).
 */
#include <stdio.h>
#include <string.h>

#include "launch_internal.h"

void launch_frames_collect(const struct waot_module *m, struct launch_result *out)
{
    struct waot_frame frames[LAUNCH_MAX_FRAMES];
    size_t n = waot_trap_backtrace(m, frames, LAUNCH_MAX_FRAMES);
    if (n > LAUNCH_MAX_FRAMES)
        n = LAUNCH_MAX_FRAMES;
    for (size_t i = 0; i < n; i++) {
        out->frames[i].func_index = frames[i].func_index;
        snprintf(out->frames[i].name, sizeof out->frames[i].name, "%s",
                 frames[i].func_name ? frames[i].func_name : "");
    }
    out->nframes = n;
}
