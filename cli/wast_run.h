/*
 * Executes one spec test script, already converted by wast2json into a JSON command list
 * plus .wasm files: modules, register, invoke/get actions and every assertion kind. Counts
 * land in a struct wast_progress, which the driver may share with a parent process so that
 * counts survive a crash.
 */
#ifndef WAOT_CLI_WAST_RUN_H
#define WAOT_CLI_WAST_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "waot/compiler.h"

struct wast_progress {
    uint64_t passed, failed, skipped;
    int line;     /* line of the command being run (for crash reports) */
    int finished; /* set once the whole script ran */
};

struct wast_run_options {
    const struct waot_compiler *api;     /* borrowed */
    struct waot_compile_options compile;
    bool loose_traps; /* a trap with other wording passes, with a note */
};

/* Runs the script at json_path (its .wasm files are in dir); name prefixes messages.
 * Failures are printed to stdout and counted in *progress. Returns -1 (with a message
 * printed and one failure counted) when the script cannot be run at all. */
int wast_run_script(const char *json_path, const char *dir, const char *name,
                    const struct wast_run_options *opt, struct wast_progress *progress);

#endif
