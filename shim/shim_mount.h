/*
 * The container's root file system: the mounts containerd passes in Create (an overlay of
 * snapshot layers, or a bind of a native snapshot) mounted on <bundle>/rootfs, and taken
 * down again on Delete and by the `delete` action after a crash.
 */
#ifndef WAOT_SHIM_MOUNT_H
#define WAOT_SHIM_MOUNT_H

#include <stddef.h>

#include "waot/waot.h"

struct shim_mount {        /* containerd.types.Mount */
    const char *type;      /* "overlay", "bind", ... */
    const char *source;
    const char *target;    /* relative to the rootfs; NULL or "" for the rootfs itself */
    const char *const *options;
    size_t noptions;
};

/* Mounts each entry on target_dir (+ its target) in order: "bind"/"rbind" options become
 * MS_BIND|MS_REC, "ro" MS_RDONLY, flags like nosuid/nodev/noexec are honoured, the rest go
 * to the file system as data. On failure unmounts what it mounted. */
int shim_mount_rootfs(const struct shim_mount *mounts, size_t n, const char *target_dir,
                      struct waot_error *err);
/* Unmounts everything at or below target_dir (lazily when busy); 0 when nothing is
 * mounted there. */
int shim_unmount_rootfs(const char *target_dir, struct waot_error *err);

#endif
