/*
 * The ttrpc server of the shim (see ttrpc.h). One thread accepts; each connection has a
 * reader thread that reads frames for as long as the peer keeps it open; each request runs on
 * a detached thread of its own, because containerd pipelines requests on one connection and
 * Wait blocks until its process exits. Replies are written under the connection's write
 * mutex, in whatever order handlers finish.
 *
 * Lifetimes: a connection is shared by its reader and its running handlers and counted
 * (refs, under the server mutex); the last one to let go closes the socket and frees it, so a
 * handler finishing after the peer hung up writes into a shut-down socket (EPIPE), never into
 * freed memory or a reused descriptor. The server itself is counted the same way by every
 * thread, so ttrpc_server_free may return while a handler still blocks.
 *
 * Request.timeout_nano is ignored: containerd only sets it on State and Shutdown, which
 * answer at once, and it enforces the deadline on its own side.
 */
#include "ttrpc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "shim_log.h"
#include "ttrpc.pb-c.h"

/* Requests of one connection running at once; more get RESOURCE_EXHAUSTED. containerd keeps
 * a handful outstanding per task (Wait, State, Kill...), so this only stops a flood. */
#define TTRPC_MAX_IN_FLIGHT 256
/* How long ttrpc_server_free waits for readers and handlers still running. */
#define TTRPC_FREE_WAIT_MS 1000

struct conn {
    struct ttrpc_server *srv;
    int fd;
    pthread_mutex_t write_mu;   /* one frame at a time on fd */
    unsigned refs;              /* reader + running handlers; under srv->mu */
    unsigned in_flight;         /* running handlers; under srv->mu */
    struct conn *next;          /* srv->conns while the reader runs; under srv->mu */
};

struct ttrpc_server {
    int listen_fd;
    int wake[2];                /* pipe: ttrpc_server_stop wakes the accept poll */
    const struct ttrpc_method *methods;
    size_t nmethods;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t changed;     /* a reader or handler finished */
    struct conn *conns;
    unsigned refs;              /* the owner + every reader and handler thread */
    unsigned readers, handlers;
    bool stopping;
    int flush_ms;
};

/* One request on its way through a handler thread. */
struct job {
    struct conn *conn;
    uint32_t stream_id;
    struct ttrpc_request req;
};

int ttrpc_status_fail(struct ttrpc_status *st, int code, const char *fmt, ...)
{
    st->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->message, sizeof st->message, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- frame → verdict (pure) ---- */

enum ttrpc_verdict ttrpc_request_decode(const struct ttrpc_header *h, const uint8_t *payload,
                                        size_t len, const struct ttrpc_method *methods,
                                        size_t nmethods, struct ttrpc_request *req,
                                        struct ttrpc_status *st, struct waot_error *err)
{
    memset(req, 0, sizeof *req);
    req->service = req->method = "";
    st->code = TTRPC_OK;
    st->message[0] = '\0';
    if (h->type != TTRPC_TYPE_REQUEST)
        return TTRPC_VERDICT_IGNORE;
    if (h->stream_id % 2 == 0) {
        ttrpc_status_fail(st, TTRPC_INVALID_ARGUMENT,
                          "ttrpc: stream id %u must be odd for a client-initiated stream",
                          h->stream_id);
        return TTRPC_VERDICT_REJECT;
    }
    Ttrpc__Request *msg = ttrpc__request__unpack(NULL, len, payload);
    if (!msg) {
        waot_fail(err, WAOT_E_MALFORMED, "ttrpc: stream %u: payload of %zu bytes is not a ttrpc.Request",
                  h->stream_id, len);
        return TTRPC_VERDICT_CLOSE;
    }
    req->msg = msg;
    req->service = msg->service ? msg->service : "";
    req->method = msg->method ? msg->method : "";
    req->payload = msg->payload.data;
    req->payload_len = msg->payload.len;
    req->timeout_nano = msg->timeout_nano;
    for (size_t i = 0; i < nmethods; i++) {
        if (strcmp(methods[i].service, req->service) == 0 &&
            strcmp(methods[i].method, req->method) == 0) {
            req->target = &methods[i];
            return TTRPC_VERDICT_RUN;
        }
    }
    ttrpc_status_fail(st, TTRPC_UNIMPLEMENTED, "ttrpc: %.200s/%.200s: no such method",
                      req->service, req->method);
    return TTRPC_VERDICT_REJECT;
}

void ttrpc_request_fini(struct ttrpc_request *req)
{
    if (req->msg)
        ttrpc__request__free_unpacked(req->msg, NULL);
    memset(req, 0, sizeof *req);
}

int ttrpc_response_encode(int code, const char *message, const uint8_t *payload, size_t len,
                          uint8_t **out, size_t *out_len, struct waot_error *err)
{
    Ttrpc__Response resp = TTRPC__RESPONSE__INIT;
    Google__Rpc__Status status = GOOGLE__RPC__STATUS__INIT;
    if (code != TTRPC_OK) {
        status.code = code;
        status.message = (char *)(message ? message : "");
        resp.status = &status;
    } else {
        resp.payload.data = (uint8_t *)payload;
        resp.payload.len = payload ? len : 0;
    }
    *out = NULL;
    *out_len = ttrpc__response__get_packed_size(&resp);
    if (*out_len == 0)
        return 0;
    *out = malloc(*out_len);
    if (!*out)
        return waot_fail(err, WAOT_E_NOMEM, "ttrpc: %zu bytes for a response", *out_len);
    ttrpc__response__pack(&resp, *out);
    return 0;
}

/* ---- counted lifetimes ---- */

static void server_release(struct ttrpc_server *s)
{
    pthread_mutex_lock(&s->mu);
    bool last = --s->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (!last)
        return;
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->changed);
    free(s);
}

/* Called with srv->mu held; returns true when the caller must destroy c (after unlocking). */
static bool conn_drop_locked(struct conn *c)
{
    return --c->refs == 0;
}

static void conn_destroy(struct conn *c)
{
    close(c->fd);
    pthread_mutex_destroy(&c->write_mu);
    free(c);
}

/* ---- replies ---- */

static void send_reply(struct conn *c, uint32_t stream_id, int code, const char *message,
                       const uint8_t *payload, size_t len)
{
    struct waot_error err = {0};
    uint8_t *frame = NULL;
    size_t frame_len = 0;
    if (ttrpc_response_encode(code, message, payload, len, &frame, &frame_len, &err) < 0) {
        shim_errorf("%s", err.msg);
        /* Still answer, so that the caller does not wait for ever. */
        if (ttrpc_response_encode(TTRPC_RESOURCE_EXHAUSTED, "out of memory encoding the reply",
                                  NULL, 0, &frame, &frame_len, &err) < 0)
            return;
    }
    pthread_mutex_lock(&c->write_mu);
    int rc = ttrpc_frame_write(c->fd, stream_id, TTRPC_TYPE_RESPONSE, frame, frame_len, &err);
    pthread_mutex_unlock(&c->write_mu);
    free(frame);
    if (rc < 0)
        shim_debugf("%s (the client has gone)", err.msg);
}

/* ---- handler threads ---- */

static void *handler_main(void *arg)
{
    struct job *job = arg;
    struct conn *c = job->conn;
    struct ttrpc_server *s = c->srv;
    const struct ttrpc_method *m = job->req.target;

    uint8_t *resp = NULL;
    size_t resp_len = 0;
    struct ttrpc_status st = {0};
    int code = m->fn(s->ctx, job->req.payload, job->req.payload_len, &resp, &resp_len, &st);
    if (code != TTRPC_OK) {
        free(resp);
        resp = NULL;
        resp_len = 0;
        if (!st.message[0])
            snprintf(st.message, sizeof st.message, "%s/%s failed", m->service, m->method);
    }
    send_reply(c, job->stream_id, code, st.message, resp, resp_len);
    free(resp);
    ttrpc_request_fini(&job->req);
    free(job);

    pthread_mutex_lock(&s->mu);
    c->in_flight--;
    s->handlers--;
    bool destroy = conn_drop_locked(c);
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->mu);
    if (destroy)
        conn_destroy(c);
    server_release(s);
    return NULL;
}

/* Starts a handler thread for req (taken over). Fails with RESOURCE_EXHAUSTED in st when the
 * connection has too many requests running or no thread can be made. */
static bool start_handler(struct conn *c, uint32_t stream_id, struct ttrpc_request *req,
                          struct ttrpc_status *st)
{
    struct ttrpc_server *s = c->srv;
    struct job *job = malloc(sizeof *job);
    if (!job) {
        ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "ttrpc: out of memory");
        return false;
    }
    pthread_mutex_lock(&s->mu);
    if (c->in_flight >= TTRPC_MAX_IN_FLIGHT) {
        pthread_mutex_unlock(&s->mu);
        free(job);
        ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED,
                          "ttrpc: %d requests already running on this connection",
                          TTRPC_MAX_IN_FLIGHT);
        return false;
    }
    c->in_flight++;
    c->refs++;
    s->handlers++;
    s->refs++;
    pthread_mutex_unlock(&s->mu);

    job->conn = c;
    job->stream_id = stream_id;
    job->req = *req;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = pthread_create(&t, &attr, handler_main, job);
    pthread_attr_destroy(&attr);
    if (rc == 0) {
        memset(req, 0, sizeof *req);
        return true;
    }
    free(job);
    pthread_mutex_lock(&s->mu);
    c->in_flight--;
    c->refs--;          /* the reader still holds one */
    s->handlers--;
    s->refs--;          /* and the server is held by the reader too */
    pthread_mutex_unlock(&s->mu);
    ttrpc_status_fail(st, TTRPC_RESOURCE_EXHAUSTED, "ttrpc: cannot start a thread: %s",
                      strerror(rc));
    return false;
}

/* ---- reader threads ---- */

static void serve_connection(struct conn *c)
{
    struct ttrpc_server *s = c->srv;
    for (;;) {
        struct ttrpc_header h;
        uint8_t *payload = NULL;
        struct waot_error err = {0};
        int rc = ttrpc_frame_read(c->fd, TTRPC_MAX_PAYLOAD, &h, &payload, &err);
        if (rc == 0)
            return;
        if (rc < 0) {
            if (err.code == WAOT_E_USAGE) {
                /* Oversized: its payload is still in the socket, so the stream cannot be
                 * resynchronised; say why on its stream id, then hang up. */
                shim_warnf("%s; closing the connection", err.msg);
                send_reply(c, h.stream_id, TTRPC_RESOURCE_EXHAUSTED, err.msg, NULL, 0);
            } else {
                shim_debugf("%s; closing the connection", err.msg);
            }
            return;
        }
        struct ttrpc_request req;
        struct ttrpc_status st;
        enum ttrpc_verdict v = ttrpc_request_decode(&h, payload, h.length, s->methods,
                                                    s->nmethods, &req, &st, &err);
        free(payload);
        switch (v) {
        case TTRPC_VERDICT_RUN:
            shim_debugf("ttrpc: stream %u: %s/%s", h.stream_id, req.service, req.method);
            if (!start_handler(c, h.stream_id, &req, &st))
                send_reply(c, h.stream_id, st.code, st.message, NULL, 0);
            break;
        case TTRPC_VERDICT_REJECT:
            shim_debugf("%s", st.message);
            send_reply(c, h.stream_id, st.code, st.message, NULL, 0);
            break;
        case TTRPC_VERDICT_IGNORE:
            shim_debugf("ttrpc: stream %u: ignoring a frame of type %u", h.stream_id, h.type);
            break;
        case TTRPC_VERDICT_CLOSE:
            shim_warnf("%s; closing the connection", err.msg);
            ttrpc_request_fini(&req);
            return;
        }
        ttrpc_request_fini(&req);
    }
}

/* The reader's end: unlink c and drop the reader's hold on it and on the server. */
static void finish_connection(struct conn *c)
{
    struct ttrpc_server *s = c->srv;
    /* Wake handlers blocked writing to a peer that stopped reading, and make their later
     * writes fail at once; the descriptor stays open until the last handler lets go. */
    shutdown(c->fd, SHUT_RDWR);

    pthread_mutex_lock(&s->mu);
    for (struct conn **p = &s->conns; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    s->readers--;
    bool destroy = conn_drop_locked(c);
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->mu);
    if (destroy)
        conn_destroy(c);
    server_release(s);
}

static void *reader_main(void *arg)
{
    struct conn *c = arg;
    serve_connection(c);
    finish_connection(c);
    return NULL;
}

static void start_connection(struct ttrpc_server *s, int fd)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        shim_errorf("ttrpc: out of memory for a connection");
        close(fd);
        return;
    }
    c->srv = s;
    c->fd = fd;
    c->refs = 1;
    pthread_mutex_init(&c->write_mu, NULL);

    pthread_mutex_lock(&s->mu);
    c->next = s->conns;
    s->conns = c;
    s->readers++;
    s->refs++;
    pthread_mutex_unlock(&s->mu);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = pthread_create(&t, &attr, reader_main, c);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        shim_errorf("ttrpc: cannot start a connection thread: %s", strerror(rc));
        finish_connection(c);
    }
}

/* ---- the server ---- */

struct ttrpc_server *ttrpc_server_new(int listen_fd, const struct ttrpc_method *methods,
                                      size_t nmethods, void *ctx, struct waot_error *err)
{
    struct ttrpc_server *s = calloc(1, sizeof *s);
    if (!s) {
        close(listen_fd);
        waot_fail(err, WAOT_E_NOMEM, "ttrpc: out of memory for the server");
        return NULL;
    }
    if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        waot_fail(err, WAOT_E_IO, "ttrpc: pipe: %s", strerror(errno));
        close(listen_fd);
        free(s);
        return NULL;
    }
    /* Non-blocking, so that a connection reset between poll and accept cannot block us. */
    int fl = fcntl(listen_fd, F_GETFL);
    if (fl >= 0)
        fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK);
    s->listen_fd = listen_fd;
    s->methods = methods;
    s->nmethods = nmethods;
    s->ctx = ctx;
    s->refs = 1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->changed, &ca);
    pthread_condattr_destroy(&ca);
    return s;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits on s->changed (s->mu held) until deadline_ms (CLOCK_MONOTONIC). */
static void wait_changed_until(struct ttrpc_server *s, int64_t deadline_ms)
{
    struct timespec ts = {.tv_sec = deadline_ms / 1000, .tv_nsec = (deadline_ms % 1000) * 1000000};
    pthread_cond_timedwait(&s->changed, &s->mu, &ts);
}

int ttrpc_server_serve(struct ttrpc_server *s, int first_conn_timeout_ms)
{
    int64_t first_deadline = first_conn_timeout_ms > 0 ? now_ms() + first_conn_timeout_ms : 0;
    bool accepted = false;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stopping = s->stopping;
        pthread_mutex_unlock(&s->mu);
        if (stopping)
            break;
        int timeout = -1;
        if (!accepted && first_deadline) {
            int64_t left = first_deadline - now_ms();
            if (left <= 0)
                return 1;
            timeout = (int)left;
        }
        struct pollfd p[2] = {{s->listen_fd, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
        int n = poll(p, 2, timeout);
        if (n < 0 && errno != EINTR) {
            shim_errorf("ttrpc: poll: %s", strerror(errno));
            poll(NULL, 0, 100);
        }
        if (n <= 0 || !(p[0].revents & (POLLIN | POLLERR | POLLHUP)))
            continue;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                /* EMFILE and friends: back off instead of spinning on a ready socket. */
                shim_errorf("ttrpc: accept: %s", strerror(errno));
                poll(NULL, 0, 100);
            }
            continue;
        }
        accepted = true;
        start_connection(s, fd);
    }

    /* Stopped: let the replies being produced go out (Shutdown's own among them). */
    pthread_mutex_lock(&s->mu);
    int64_t deadline = now_ms() + s->flush_ms;
    while (s->handlers > 0 && now_ms() < deadline)
        wait_changed_until(s, deadline);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

void ttrpc_server_stop(struct ttrpc_server *s, int flush_ms)
{
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    s->flush_ms = flush_ms > 0 ? flush_ms : 0;
    if (s->wake[1] >= 0) {   /* -1 once freed: a late handler must not write a reused fd */
        ssize_t w = write(s->wake[1], "x", 1);
        (void)w;
    }
    pthread_mutex_unlock(&s->mu);
}

void ttrpc_server_free(struct ttrpc_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    close(s->listen_fd);
    s->listen_fd = -1;
    for (struct conn *c = s->conns; c; c = c->next)
        shutdown(c->fd, SHUT_RDWR);
    int64_t deadline = now_ms() + TTRPC_FREE_WAIT_MS;
    while ((s->readers > 0 || s->handlers > 0) && now_ms() < deadline)
        wait_changed_until(s, deadline);
    if (s->handlers > 0)
        shim_warnf("ttrpc: %u request(s) still running at shutdown", s->handlers);
    close(s->wake[0]);
    close(s->wake[1]);
    s->wake[0] = s->wake[1] = -1;
    pthread_mutex_unlock(&s->mu);
    server_release(s);
}
