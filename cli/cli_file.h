/*
 * Whole-file helpers for the CLI: read a file into a malloc'd buffer, and publish a file
 * atomically (write a temporary in the same directory, fsync, rename into place).
 */
#ifndef WAOT_CLI_FILE_H
#define WAOT_CLI_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "waot/waot.h"

/* *out is malloc'd (caller frees); -1 with WAOT_E_IO/WAOT_E_NOMEM naming the path. */
int cli_file_read(const char *path, uint8_t **out, size_t *out_len, struct waot_error *err);
/* Writes buf to path via PATH.tmpXXXXXX + rename; the temporary is removed on failure. */
int cli_file_write_atomic(const char *path, const uint8_t *buf, size_t len, struct waot_error *err);

#endif
