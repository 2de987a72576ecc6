/*
 * Small files the shim leaves in a bundle for containerd and for its own `delete` action
 * (`address`, `init.pid`): written to a temporary beside them and renamed into place, so a
 * reader never sees half a file.
 */
#ifndef WAOT_SHIM_FILE_H
#define WAOT_SHIM_FILE_H

#include "waot/waot.h"

/* Writes text as dir/name (mode 0600). -1 with WAOT_E_IO naming the path. */
int shim_write_file_atomic(const char *dir, const char *name, const char *text,
                           struct waot_error *err);

#endif
