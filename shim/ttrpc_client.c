/*
 * The calling side of ttrpc (see ttrpc.h), used to forward events to containerd: one
 * connection, one synchronous call at a time, odd stream ids counting up from 1 as
 * containerd's own client does. A call that times out or fails on the wire leaves the
 * connection broken (a late answer would be mistaken for the next one's); every later call
 * then fails with UNAVAILABLE and the owner dials again.
 */
#include "ttrpc.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ttrpc.pb-c.h"

struct ttrpc_client {
    int fd;                 /* -1 once broken */
    uint32_t next_stream;
};

struct ttrpc_client *ttrpc_client_dial(const char *address, struct waot_error *err)
{
    const char *path = address;
    if (strncmp(path, "unix://", 7) == 0)
        path += 7;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof sa.sun_path) {
        waot_fail(err, WAOT_E_USAGE, "ttrpc: socket path \"%s\" is empty or too long", address);
        return NULL;
    }
    memcpy(sa.sun_path, path, len);
    struct ttrpc_client *c = malloc(sizeof *c);
    if (!c) {
        waot_fail(err, WAOT_E_NOMEM, "ttrpc: out of memory for a client");
        return NULL;
    }
    c->next_stream = 1;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        waot_fail(err, WAOT_E_IO, "ttrpc: socket: %s", strerror(errno));
        free(c);
        return NULL;
    }
    int rc;
    do
        rc = connect(c->fd, (struct sockaddr *)&sa, sizeof sa);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        waot_fail(err, WAOT_E_IO, "ttrpc: connect %s: %s", path, strerror(errno));
        close(c->fd);
        free(c);
        return NULL;
    }
    return c;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int broken(struct ttrpc_client *c, struct ttrpc_status *st, int code, const char *what)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    return ttrpc_status_fail(st, code, "ttrpc client: %s", what);
}

/* Sets the socket's receive and send timeouts to what is left before deadline (0: none), so
 * that a peer stalling inside a frame cannot hold us past it. */
static void set_io_timeout(int fd, int64_t deadline)
{
    struct timeval tv = {0, 0};
    if (deadline) {
        int64_t left = deadline - now_ms();
        if (left < 1)
            left = 1;
        tv.tv_sec = left / 1000;
        tv.tv_usec = (left % 1000) * 1000;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Encodes the Request of one call; *out malloc'd. */
static int encode_request(const char *service, const char *method, const uint8_t *req,
                          size_t req_len, const char *const *meta_keys,
                          const char *const *meta_values, size_t nmeta, uint8_t **out,
                          size_t *out_len)
{
    Ttrpc__KeyValue *kv = nmeta ? calloc(nmeta, sizeof *kv) : NULL;
    Ttrpc__KeyValue **kvp = nmeta ? calloc(nmeta, sizeof *kvp) : NULL;
    if (nmeta && (!kv || !kvp)) {
        free(kv);
        free(kvp);
        return -1;
    }
    for (size_t i = 0; i < nmeta; i++) {
        ttrpc__key_value__init(&kv[i]);
        kv[i].key = (char *)meta_keys[i];
        kv[i].value = (char *)meta_values[i];
        kvp[i] = &kv[i];
    }
    Ttrpc__Request r = TTRPC__REQUEST__INIT;
    r.service = (char *)service;
    r.method = (char *)method;
    r.payload.data = (uint8_t *)req;
    r.payload.len = req ? req_len : 0;
    r.n_metadata = nmeta;
    r.metadata = kvp;
    *out_len = ttrpc__request__get_packed_size(&r);
    *out = malloc(*out_len ? *out_len : 1);
    if (*out)
        ttrpc__request__pack(&r, *out);
    free(kv);
    free(kvp);
    return *out ? 0 : -1;
}

int ttrpc_client_call(struct ttrpc_client *c, const char *service, const char *method,
                      const uint8_t *req, size_t req_len, const char *const *meta_keys,
                      const char *const *meta_values, size_t nmeta, int timeout_ms,
                      uint8_t **resp, size_t *resp_len, struct ttrpc_status *st)
{
    *resp = NULL;
    *resp_len = 0;
    st->code = TTRPC_OK;
    st->message[0] = '\0';
    if (c->fd < 0)
        return ttrpc_status_fail(st, TTRPC_UNAVAILABLE, "ttrpc client: connection is closed");
    if (c->next_stream > UINT32_MAX - 2)
        return broken(c, st, TTRPC_UNAVAILABLE, "stream ids exhausted");
    uint32_t stream = c->next_stream;
    c->next_stream += 2;
    int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;

    uint8_t *frame;
    size_t frame_len;
    if (encode_request(service, method, req, req_len, meta_keys, meta_values, nmeta, &frame,
                       &frame_len) < 0)
        return ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "ttrpc client: out of memory");
    struct waot_error err = {0};
    set_io_timeout(c->fd, deadline);
    int rc = ttrpc_frame_write(c->fd, stream, TTRPC_TYPE_REQUEST, frame, frame_len, &err);
    free(frame);
    if (rc < 0)
        return broken(c, st, TTRPC_UNAVAILABLE, err.msg);

    for (;;) {
        struct pollfd p = {c->fd, POLLIN, 0};
        int timeout = -1;
        if (deadline) {
            int64_t left = deadline - now_ms();
            timeout = left > 0 ? (int)left : 0;
        }
        int n = poll(&p, 1, timeout);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return broken(c, st, TTRPC_UNAVAILABLE, strerror(errno));
        if (n == 0)
            return broken(c, st, TTRPC_DEADLINE_EXCEEDED, "no answer before the deadline");

        struct ttrpc_header h;
        uint8_t *payload;
        set_io_timeout(c->fd, deadline);
        rc = ttrpc_frame_read(c->fd, TTRPC_MAX_PAYLOAD, &h, &payload, &err);
        if (rc == 0)
            return broken(c, st, TTRPC_UNAVAILABLE, "the server closed the connection");
        if (rc < 0)
            return broken(c, st, TTRPC_UNAVAILABLE, err.msg);
        if (h.type != TTRPC_TYPE_RESPONSE || h.stream_id != stream) {
            free(payload);      /* not ours (an earlier call's, or a newer frame type) */
            continue;
        }
        Ttrpc__Response *r = ttrpc__response__unpack(NULL, h.length, payload);
        free(payload);
        if (!r)
            return broken(c, st, TTRPC_UNAVAILABLE, "undecodable ttrpc.Response");
        if (r->status && r->status->code != TTRPC_OK) {
            ttrpc_status_fail(st, r->status->code, "%s", r->status->message ? r->status->message : "");
        } else if (r->payload.len) {
            *resp = malloc(r->payload.len);
            if (*resp) {
                memcpy(*resp, r->payload.data, r->payload.len);
                *resp_len = r->payload.len;
            } else {
                ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "ttrpc client: out of memory");
            }
        }
        ttrpc__response__free_unpacked(r, NULL);
        return st->code;
    }
}

void ttrpc_client_close(struct ttrpc_client *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}
