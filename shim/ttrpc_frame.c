/*
 * ttrpc frames (see ttrpc.h): the 10-byte big-endian header and whole-frame reads and writes
 * on a stream socket. The length is checked against the limit before anything is allocated,
 * so a peer cannot make us reserve more than max_payload bytes.
 */
#include "ttrpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

void ttrpc_header_encode(const struct ttrpc_header *h, uint8_t out[TTRPC_HEADER_SIZE])
{
    out[0] = (uint8_t)(h->length >> 24);
    out[1] = (uint8_t)(h->length >> 16);
    out[2] = (uint8_t)(h->length >> 8);
    out[3] = (uint8_t)h->length;
    out[4] = (uint8_t)(h->stream_id >> 24);
    out[5] = (uint8_t)(h->stream_id >> 16);
    out[6] = (uint8_t)(h->stream_id >> 8);
    out[7] = (uint8_t)h->stream_id;
    out[8] = h->type;
    out[9] = h->flags;
}

void ttrpc_header_decode(const uint8_t in[TTRPC_HEADER_SIZE], struct ttrpc_header *h)
{
    h->length = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
    h->stream_id = (uint32_t)in[4] << 24 | (uint32_t)in[5] << 16 | (uint32_t)in[6] << 8 | in[7];
    h->type = in[8];
    h->flags = in[9];
}

/* Reads up to len bytes, stopping early only at end of stream. Returns the count, or -1
 * with errno set. */
static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int ttrpc_frame_read(int fd, size_t max_payload, struct ttrpc_header *h, uint8_t **payload,
                     struct waot_error *err)
{
    uint8_t raw[TTRPC_HEADER_SIZE];
    *payload = NULL;
    memset(h, 0, sizeof *h);
    ssize_t n = read_full(fd, raw, sizeof raw);
    if (n < 0)
        return waot_fail(err, WAOT_E_IO, "ttrpc: reading a frame header: %s", strerror(errno));
    if (n == 0)
        return 0;
    if ((size_t)n < sizeof raw)
        return waot_fail(err, WAOT_E_MALFORMED,
                         "ttrpc: truncated frame header (%zd of %d bytes before end of stream)",
                         n, TTRPC_HEADER_SIZE);
    ttrpc_header_decode(raw, h);
    if (h->length > max_payload)
        return waot_fail(err, WAOT_E_USAGE,
                         "ttrpc: frame of stream %u declares %u payload bytes, above the limit of %zu",
                         h->stream_id, h->length, max_payload);
    if (h->length == 0)
        return 1;
    uint8_t *buf = malloc(h->length);
    if (!buf)
        return waot_fail(err, WAOT_E_NOMEM, "ttrpc: %u bytes for a frame payload", h->length);
    n = read_full(fd, buf, h->length);
    if (n < 0 || (size_t)n < h->length) {
        int saved = errno;
        free(buf);
        if (n < 0)
            return waot_fail(err, WAOT_E_IO, "ttrpc: reading the payload of stream %u: %s",
                             h->stream_id, strerror(saved));
        return waot_fail(err, WAOT_E_MALFORMED,
                         "ttrpc: truncated payload on stream %u (%zd of %u bytes before end of stream)",
                         h->stream_id, n, h->length);
    }
    *payload = buf;
    return 1;
}

/* sendmsg with MSG_NOSIGNAL so that a vanished peer is an EPIPE error, not a SIGPIPE that
 * kills the shim; plain writev for descriptors that are not sockets (pipes in tests). */
static ssize_t write_vec(int fd, struct iovec *iov, int iovcnt)
{
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)iovcnt};
    ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK)
        n = writev(fd, iov, iovcnt);
    return n;
}

int ttrpc_frame_write(int fd, uint32_t stream_id, uint8_t type, const uint8_t *payload,
                      size_t len, struct waot_error *err)
{
    if (len > UINT32_MAX)
        return waot_fail(err, WAOT_E_USAGE, "ttrpc: payload of %zu bytes for stream %u is too large",
                         len, stream_id);
    struct ttrpc_header h = {.length = (uint32_t)len, .stream_id = stream_id, .type = type};
    uint8_t raw[TTRPC_HEADER_SIZE];
    ttrpc_header_encode(&h, raw);
    struct iovec iov[2] = {{raw, sizeof raw}, {(void *)payload, len}};
    int iovcnt = len ? 2 : 1;
    struct iovec *cur = iov;
    while (iovcnt > 0) {
        ssize_t n = write_vec(fd, cur, iovcnt);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return waot_fail(err, WAOT_E_IO, "ttrpc: writing a frame on stream %u: %s",
                             stream_id, strerror(errno));
        }
        size_t left = (size_t)n;
        while (iovcnt > 0 && left >= cur->iov_len) {
            left -= cur->iov_len;
            cur++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            cur->iov_base = (uint8_t *)cur->iov_base + left;
            cur->iov_len -= left;
        }
    }
    return 0;
}
