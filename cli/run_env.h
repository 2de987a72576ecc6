/*
 * The guest environment for `waot run`, built Docker's way: only what -e and --env-file
 * name reaches the guest; `KEY` alone takes the host's value of KEY (and is dropped when
 * the host has none); a later setting of a key replaces an earlier one in place.
 */
#ifndef WAOT_CLI_RUN_ENV_H
#define WAOT_CLI_RUN_ENV_H

#include <stddef.h>

#include "waot/waot.h"

struct run_env {
    char **vars;     /* owned "KEY=VALUE" strings */
    size_t count, cap;
};

/* Adds one -e argument ("KEY=VALUE" or "KEY"); -1 with WAOT_E_USAGE for an empty or
 * malformed key, WAOT_E_NOMEM. */
int run_env_add(struct run_env *e, const char *arg, struct waot_error *err);
/* Adds every entry of a Docker env file: KEY=VALUE lines taken literally, `#` comment lines
 * and blank lines skipped, bare KEY from the host. -1 with WAOT_E_IO naming the file, or
 * WAOT_E_USAGE naming file:line for a bad line. */
int run_env_add_file(struct run_env *e, const char *path, struct waot_error *err);
void run_env_free(struct run_env *e);

#endif
