/* Small files of the bundle (see shim_file.h). */
#include "shim_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int shim_write_file_atomic(const char *dir, const char *name, const char *text,
                           struct waot_error *err)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return waot_fail(err, WAOT_E_USAGE, "%s: path too long", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", tmp, strerror(errno));
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(e));
    }
    return 0;
}
