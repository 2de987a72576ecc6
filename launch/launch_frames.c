/*
 * Copies the runtime's backtrace of the last trap into a launch result, with function
 * names copied out of the module (which launch_run closes before returning), and prints a
 * trap the way `waot run` and the shim's task runner report it.
 */
#include <stdbool.h>
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

static bool same_frame(const struct launch_frame *a, const struct launch_frame *b)
{
    return a->func_index == b->func_index && strcmp(a->name, b->name) == 0;
}

static void print_frame(FILE *out, size_t i, const struct launch_frame *f)
{
    if (f->func_index == UINT32_MAX)
        fprintf(out, "  %zu: <unknown>\n", i);
    else if (f->name[0])
        fprintf(out, "  %zu: %s (func %u)\n", i, f->name, f->func_index);
    else
        fprintf(out, "  %zu: func %u\n", i, f->func_index);
}

void launch_print_trap(FILE *out, const struct waot_error *err, const struct launch_result *res)
{
    fprintf(out, "waot: wasm trap: %s\n", err->msg[0] ? err->msg : waot_trap_message(err->trap));
    if (res->nframes)
        fprintf(out, "wasm backtrace:\n");
    for (size_t i = 0; i < res->nframes; i++) {
        print_frame(out, i, &res->frames[i]);
        /* A recursion that ran out of stack repeats one frame: show it twice, then count. */
        size_t j = i + 1;
        while (j < res->nframes && same_frame(&res->frames[j], &res->frames[i]))
            j++;
        if (j - i > 3) {
            print_frame(out, i + 1, &res->frames[i + 1]);
            fprintf(out, "  ... %zu more frames of the same function\n", j - i - 2);
            i = j - 1;
        }
    }
    if (res->nframes == LAUNCH_MAX_FRAMES)
        fprintf(out, "  ... (deeper frames not shown)\n");
}
