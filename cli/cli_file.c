/*
 * Whole-file read and atomic publish (temporary + rename), see cli_file.h.
 */
#include "cli_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_file_read(const char *path, uint8_t **out, size_t *out_len, struct waot_error *err)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return waot_fail(err, WAOT_E_IO, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return waot_fail(err, WAOT_E_IO, "%s: not a regular file", path);
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        close(fd);
        return waot_fail(err, WAOT_E_NOMEM, "%s: cannot allocate %zu bytes", path, len);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            free(buf);
            close(fd);
            return waot_fail(err, WAOT_E_IO, "%s: read: %s", path, n < 0 ? strerror(e) : "file shrank while reading");
        }
        done += (size_t)n;
    }
    close(fd);
    *out = buf;
    *out_len = len;
    return 0;
}

int cli_file_write_atomic(const char *path, const uint8_t *buf, size_t len, struct waot_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return waot_fail(err, WAOT_E_NOMEM, "%s: out of memory", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmpXXXXXX", 11);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        waot_fail(err, WAOT_E_IO, "%s: cannot create a temporary file next to it: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            waot_fail(err, WAOT_E_IO, "%s: write: %s", tmp, strerror(errno));
            goto fail;
        }
        done += (size_t)n;
    }
    /* mkostemp makes the file 0600; artifacts are ordinary readable files. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) < 0 || fsync(fd) < 0) {
        waot_fail(err, WAOT_E_IO, "%s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        waot_fail(err, WAOT_E_IO, "%s: close: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        waot_fail(err, WAOT_E_IO, "%s: rename to %s: %s", tmp, path, strerror(errno));
        goto fail;
    }
    free(tmp);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
}
