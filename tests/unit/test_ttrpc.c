/*
 * Tests the shim's ttrpc layer against a real server on a temporary unix socket: framing,
 * calls through the client, pipelined requests answered out of order on one connection,
 * the in-flight bound, and hostile frames (truncated header or payload, oversized length,
 * garbage Request, even stream id, unknown method) that must close or answer that connection
 * while the server keeps serving others. Also the event forwarder against a fake containerd
 * event service: envelope contents, namespace metadata, order, and retry until containerd
 * appears.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "github.com/containerd/containerd/api/services/ttrpc/events/v1/events.pb-c.h"
#include "shim_events.h"
#include "ttrpc.h"
#include "ttrpc.pb-c.h"
#include "check.h"

/* ---- test methods ---- */

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int blocked_now;

static void gate_set(bool open)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

/* Opens the gate and waits until every parked Block handler has left it, so that the next
 * test starts with none. */
static void gate_release_all(void)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = true;
    pthread_cond_broadcast(&gate_cv);
    while (blocked_now > 0) {
        pthread_mutex_unlock(&gate_mu);
        usleep(1000);
        pthread_mutex_lock(&gate_mu);
    }
    pthread_mutex_unlock(&gate_mu);
}

static int echo(void *ctx, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len,
                struct ttrpc_status *st)
{
    (void)ctx;
    (void)st;
    *resp = len ? malloc(len) : NULL;
    if (len)
        memcpy(*resp, req, len);
    *resp_len = len;
    return TTRPC_OK;
}

/* Waits for the gate, then answers "late:" + request. */
static int block(void *ctx, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len,
                 struct ttrpc_status *st)
{
    (void)ctx;
    (void)st;
    pthread_mutex_lock(&gate_mu);
    blocked_now++;
    pthread_cond_broadcast(&gate_cv);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    blocked_now--;
    pthread_mutex_unlock(&gate_mu);
    *resp = malloc(len + 5);
    memcpy(*resp, "late:", 5);
    if (len)
        memcpy(*resp + 5, req, len);
    *resp_len = len + 5;
    return TTRPC_OK;
}

static int fail(void *ctx, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len,
                struct ttrpc_status *st)
{
    (void)ctx;
    (void)req;
    (void)len;
    (void)resp;
    (void)resp_len;
    return ttrpc_status_fail(st, TTRPC_NOT_FOUND, "process %s already finished", "p1");
}

static const struct ttrpc_method methods[] = {
    {"test.v1.T", "Echo", echo},
    {"test.v1.T", "Block", block},
    {"test.v1.T", "Fail", fail},
};

/* Waits until n Block handlers are parked at the gate (or 5 s). */
static bool wait_blocked(int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&gate_mu);
    while (blocked_now < n)
        if (pthread_cond_timedwait(&gate_cv, &gate_mu, &until) != 0)
            break;
    bool ok = blocked_now >= n;
    pthread_mutex_unlock(&gate_mu);
    return ok;
}

/* ---- server fixture ---- */

static char sock_dir[64];
static char sock_path[100];
static struct ttrpc_server *server;
static pthread_t serve_thread;
static int serve_result = -1;

static int listen_on(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
        perror(path);
        exit(2);
    }
    return fd;
}

static void *serve_main(void *arg)
{
    (void)arg;
    serve_result = ttrpc_server_serve(server, 0);
    return NULL;
}

static int dial_raw(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("connect");
        exit(2);
    }
    struct timeval tv = {10, 0};   /* a hung test fails instead of hanging */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

/* Sends a Request frame for service/method on stream id. */
static void send_request(int fd, uint32_t stream, const char *service, const char *method,
                         const char *payload)
{
    Ttrpc__Request r = TTRPC__REQUEST__INIT;
    r.service = (char *)service;
    r.method = (char *)method;
    r.payload.data = (uint8_t *)payload;
    r.payload.len = payload ? strlen(payload) : 0;
    size_t len = ttrpc__request__get_packed_size(&r);
    uint8_t *buf = malloc(len + 1);
    ttrpc__request__pack(&r, buf);
    struct waot_error err = {0};
    ttrpc_frame_write(fd, stream, TTRPC_TYPE_REQUEST, buf, len, &err);
    free(buf);
}

struct reply {
    uint32_t stream;
    int code;           /* -1: no frame (end of stream or error) */
    char message[256];
    char payload[64];
};

static struct reply read_reply(int fd)
{
    struct reply r = {.code = -1};
    struct ttrpc_header h;
    uint8_t *payload;
    struct waot_error err = {0};
    if (ttrpc_frame_read(fd, TTRPC_MAX_PAYLOAD, &h, &payload, &err) != 1)
        return r;
    r.stream = h.stream_id;
    Ttrpc__Response *resp = ttrpc__response__unpack(NULL, h.length, payload);
    free(payload);
    if (!resp || h.type != TTRPC_TYPE_RESPONSE) {
        r.code = -2;
        return r;
    }
    r.code = resp->status ? resp->status->code : 0;
    if (resp->status)
        snprintf(r.message, sizeof r.message, "%s", resp->status->message);
    size_t n = resp->payload.len < sizeof r.payload - 1 ? resp->payload.len : sizeof r.payload - 1;
    if (n)
        memcpy(r.payload, resp->payload.data, n);
    ttrpc__response__free_unpacked(resp, NULL);
    return r;
}

/* True when the server has closed fd within 5 s, with no frame first: end of stream, or a
 * reset when it hung up with our bytes still unread. */
static bool closed_by_server(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1)
        return false;
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* One echo round trip through the client on a fresh connection. */
static bool server_still_serves(void)
{
    struct waot_error err = {0};
    struct ttrpc_client *c = ttrpc_client_dial(sock_path, &err);
    if (!c)
        return false;
    uint8_t *resp;
    size_t len;
    struct ttrpc_status st;
    int code = ttrpc_client_call(c, "test.v1.T", "Echo", (const uint8_t *)"ping", 4, NULL,
                                 NULL, 0, 5000, &resp, &len, &st);
    bool ok = code == TTRPC_OK && len == 4 && memcmp(resp, "ping", 4) == 0;
    free(resp);
    ttrpc_client_close(c);
    return ok;
}

/* ---- tests ---- */

static void test_header(void)
{
    /* The first frame containerd sent in the design note's capture. */
    const uint8_t wire[] = {0x00, 0x00, 0x01, 0xec, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00};
    struct ttrpc_header h;
    ttrpc_header_decode(wire, &h);
    CHECK_MSG(h.length == 0x1ec && h.stream_id == 1 && h.type == 1 && h.flags == 0,
              "decode: len %u id %u type %u", h.length, h.stream_id, h.type);
    struct ttrpc_header big = {0xfedcba98u, 0x80000001u, 2, 7};
    uint8_t out[TTRPC_HEADER_SIZE];
    ttrpc_header_encode(&big, out);
    CHECK_MSG(out[0] == 0xfe && out[3] == 0x98 && out[4] == 0x80 && out[7] == 0x01 && out[8] == 2 &&
              out[9] == 7, "encode is big-endian");
    ttrpc_header_decode(out, &h);
    CHECK_MSG(h.length == big.length && h.stream_id == big.stream_id && h.flags == 7, "round trip");
}

/* ttrpc_frame_read over a pipe fed with bytes, writer closed. */
static int read_fed(const void *bytes, size_t n, size_t max, struct ttrpc_header *h,
                    uint8_t **payload, struct waot_error *err)
{
    int p[2];
    if (pipe(p) < 0)
        exit(2);
    if (n && write(p[1], bytes, n) != (ssize_t)n)
        exit(2);
    close(p[1]);
    int rc = ttrpc_frame_read(p[0], max, h, payload, err);
    close(p[0]);
    return rc;
}

static void test_frame_read(void)
{
    struct ttrpc_header h;
    uint8_t *payload;
    struct waot_error err = {0};
    CHECK_MSG(read_fed("", 0, 100, &h, &payload, &err) == 0, "clean end of stream");

    CHECK_MSG(read_fed("\0\0\0\5\0\0", 6, 100, &h, &payload, &err) == -1 &&
                  err.code == WAOT_E_MALFORMED && strstr(err.msg, "truncated frame header"),
              "truncated header: %s", err.msg);

    const uint8_t short_payload[] = {0, 0, 0, 9, 0, 0, 0, 3, 1, 0, 'a', 'b'};
    CHECK_MSG(read_fed(short_payload, sizeof short_payload, 100, &h, &payload, &err) == -1 &&
                  err.code == WAOT_E_MALFORMED && strstr(err.msg, "truncated payload"),
              "truncated payload: %s", err.msg);

    const uint8_t too_big[] = {0, 0, 0, 101, 0, 0, 0, 7, 1, 0};
    CHECK_MSG(read_fed(too_big, sizeof too_big, 100, &h, &payload, &err) == -1 &&
                  err.code == WAOT_E_USAGE && h.stream_id == 7 && h.length == 101,
              "oversized: code %d id %u: %s", err.code, h.stream_id, err.msg);

    const uint8_t good[] = {0, 0, 0, 3, 0, 0, 0, 5, 1, 0, 'x', 'y', 'z'};
    int rc = read_fed(good, sizeof good, 100, &h, &payload, &err);
    CHECK_MSG(rc == 1 && h.length == 3 && h.stream_id == 5 && payload &&
                  memcmp(payload, "xyz", 3) == 0,
              "whole frame");
    free(payload);

    const uint8_t empty[] = {0, 0, 0, 0, 0, 0, 0, 9, 1, 0};
    rc = read_fed(empty, sizeof empty, 100, &h, &payload, &err);
    CHECK_MSG(rc == 1 && h.length == 0 && payload == NULL, "empty payload");
}

static void test_decode_verdicts(void)
{
    struct ttrpc_request req;
    struct ttrpc_status st;
    struct waot_error err = {0};
    Ttrpc__Request r = TTRPC__REQUEST__INIT;
    r.service = "test.v1.T";
    r.method = "Echo";
    r.payload.data = (uint8_t *)"abc";
    r.payload.len = 3;
    r.timeout_nano = 2000000000;
    uint8_t buf[128];
    size_t len = ttrpc__request__pack(&r, buf);
    struct ttrpc_header h = {(uint32_t)len, 1, TTRPC_TYPE_REQUEST, 0};

    enum ttrpc_verdict v = ttrpc_request_decode(&h, buf, len, methods, 3, &req, &st, &err);
    CHECK_MSG(v == TTRPC_VERDICT_RUN && req.target == &methods[0] && req.payload_len == 3 &&
                  memcmp(req.payload, "abc", 3) == 0 && req.timeout_nano == 2000000000,
              "known method runs");
    ttrpc_request_fini(&req);

    h.stream_id = 2;
    v = ttrpc_request_decode(&h, buf, len, methods, 3, &req, &st, &err);
    CHECK_MSG(v == TTRPC_VERDICT_REJECT && st.code == TTRPC_INVALID_ARGUMENT, "even id rejected");
    ttrpc_request_fini(&req);

    h.stream_id = 3;
    h.type = 3;
    v = ttrpc_request_decode(&h, buf, len, methods, 3, &req, &st, &err);
    CHECK_MSG(v == TTRPC_VERDICT_IGNORE, "data frame ignored");
    ttrpc_request_fini(&req);

    h.type = TTRPC_TYPE_REQUEST;
    v = ttrpc_request_decode(&h, buf, len, methods, 2 /* Echo hidden? no: first two */, &req,
                             &st, &err);
    CHECK_MSG(v == TTRPC_VERDICT_RUN, "lookup within nmethods");
    ttrpc_request_fini(&req);
    v = ttrpc_request_decode(&h, buf, len, methods + 1, 2, &req, &st, &err);
    CHECK_MSG(v == TTRPC_VERDICT_REJECT && st.code == TTRPC_UNIMPLEMENTED &&
                  strstr(st.message, "test.v1.T/Echo"),
              "unknown method: %s", st.message);
    ttrpc_request_fini(&req);

    const uint8_t garbage[] = {0x0a, 0x7f, 'x'};   /* string field claiming 127 bytes */
    h.length = sizeof garbage;
    v = ttrpc_request_decode(&h, garbage, sizeof garbage, methods, 3, &req, &st, &err);
    CHECK_MSG(v == TTRPC_VERDICT_CLOSE && err.code == WAOT_E_MALFORMED, "garbage closes");
    ttrpc_request_fini(&req);

    /* Response encoding: status only on error. */
    uint8_t *out;
    size_t out_len;
    CHECK_MSG(ttrpc_response_encode(TTRPC_OK, "ignored", (const uint8_t *)"pl", 2, &out, &out_len,
                                    &err) == 0, "encode ok");
    Ttrpc__Response *resp = ttrpc__response__unpack(NULL, out_len, out);
    CHECK_MSG(resp && !resp->status && resp->payload.len == 2, "success has no status");
    ttrpc__response__free_unpacked(resp, NULL);
    free(out);
    CHECK_MSG(ttrpc_response_encode(TTRPC_NOT_FOUND, "gone", (const uint8_t *)"pl", 2, &out,
                                    &out_len, &err) == 0, "encode error");
    resp = ttrpc__response__unpack(NULL, out_len, out);
    CHECK_MSG(resp && resp->status && resp->status->code == 5 &&
                  strcmp(resp->status->message, "gone") == 0 && resp->payload.len == 0,
              "error carries google.rpc.Status");
    ttrpc__response__free_unpacked(resp, NULL);
    free(out);
}

static void test_client_calls(void)
{
    struct waot_error err = {0};
    struct ttrpc_client *c = ttrpc_client_dial(sock_path, &err);
    CHECK_MSG(c != NULL, "dial: %s", err.msg);
    if (!c)
        return;
    uint8_t *resp;
    size_t len;
    struct ttrpc_status st;
    const char *keys[] = {"containerd-namespace-ttrpc"};
    const char *values[] = {"default"};
    int code = ttrpc_client_call(c, "test.v1.T", "Echo", (const uint8_t *)"hello", 5, keys,
                                 values, 1, 2000, &resp, &len, &st);
    CHECK_MSG(code == TTRPC_OK && len == 5 && memcmp(resp, "hello", 5) == 0, "echo: %d %s", code,
              st.message);
    free(resp);

    code = ttrpc_client_call(c, "test.v1.T", "Echo", NULL, 0, NULL, NULL, 0, 2000, &resp, &len,
                             &st);
    CHECK_MSG(code == TTRPC_OK && len == 0 && resp == NULL, "empty message");

    code = ttrpc_client_call(c, "test.v1.T", "Fail", NULL, 0, NULL, NULL, 0, 2000, &resp, &len,
                             &st);
    CHECK_MSG(code == TTRPC_NOT_FOUND && strcmp(st.message, "process p1 already finished") == 0,
              "error status: %d %s", code, st.message);

    code = ttrpc_client_call(c, "containerd.task.v2.Task", "Create", NULL, 0, NULL, NULL, 0,
                             2000, &resp, &len, &st);
    CHECK_MSG(code == TTRPC_UNIMPLEMENTED, "unknown method: %d %s", code, st.message);

    /* A call that outlives its timeout: DEADLINE_EXCEEDED, then the client is spent. */
    gate_set(false);
    code = ttrpc_client_call(c, "test.v1.T", "Block", NULL, 0, NULL, NULL, 0, 200, &resp, &len,
                             &st);
    CHECK_MSG(code == TTRPC_DEADLINE_EXCEEDED, "timeout: %d %s", code, st.message);
    code = ttrpc_client_call(c, "test.v1.T", "Echo", NULL, 0, NULL, NULL, 0, 200, &resp, &len,
                             &st);
    CHECK_MSG(code == TTRPC_UNAVAILABLE, "broken client: %d", code);
    ttrpc_client_close(c);
    gate_release_all();

    c = ttrpc_client_dial("unix:///nonexistent/dir/sock", &err);
    CHECK_MSG(c == NULL && err.code == WAOT_E_IO, "dial failure: %s", err.msg);
}

/* Block on stream 1, Echo on stream 3: the echo must come back first, on one connection. */
static void test_pipelining(void)
{
    gate_set(false);
    int fd = dial_raw();
    send_request(fd, 1, "test.v1.T", "Block", "first");
    CHECK_MSG(wait_blocked(1), "Block is running");
    send_request(fd, 3, "test.v1.T", "Echo", "second");
    struct reply r = read_reply(fd);
    CHECK_MSG(r.stream == 3 && r.code == 0 && strcmp(r.payload, "second") == 0,
              "later request answered first: stream %u code %d", r.stream, r.code);
    gate_release_all();
    r = read_reply(fd);
    CHECK_MSG(r.stream == 1 && r.code == 0 && strcmp(r.payload, "late:first") == 0,
              "blocked request answered when released: stream %u code %d '%s'", r.stream, r.code,
              r.payload);
    close(fd);
}

static void test_in_flight_bound(void)
{
    gate_set(false);
    int fd = dial_raw();
    enum { N = 300 };
    for (uint32_t i = 0; i < N; i++)
        send_request(fd, 2 * i + 1, "test.v1.T", "Block", "b");
    /* Everything above the bound is refused at once, while the rest still block. */
    int refused = 0;
    for (int i = 0; i < N - 256; i++) {
        struct reply r = read_reply(fd);
        if (r.code == TTRPC_RESOURCE_EXHAUSTED)
            refused++;
    }
    CHECK_MSG(refused == N - 256, "refused %d of %d beyond the bound", refused, N - 256);
    CHECK_MSG(wait_blocked(256), "256 requests running");
    gate_release_all();
    int ok = 0;
    for (int i = 0; i < 256; i++) {
        struct reply r = read_reply(fd);
        if (r.code == 0 && strcmp(r.payload, "late:b") == 0)
            ok++;
    }
    CHECK_MSG(ok == 256, "%d of 256 blocked requests answered", ok);
    close(fd);
}

static void test_hostile_frames(void)
{
    /* Truncated header, then end of stream: the server hangs up. */
    int fd = dial_raw();
    send_all(fd, "\0\0\0\4\0", 5);
    shutdown(fd, SHUT_WR);
    CHECK_MSG(closed_by_server(fd), "truncated header closes");
    close(fd);

    /* Truncated payload. */
    fd = dial_raw();
    const uint8_t hdr[] = {0, 0, 0, 100, 0, 0, 0, 1, 1, 0};
    send_all(fd, hdr, sizeof hdr);
    send_all(fd, "0123456789", 10);
    shutdown(fd, SHUT_WR);
    CHECK_MSG(closed_by_server(fd), "truncated payload closes");
    close(fd);

    /* Oversized length: RESOURCE_EXHAUSTED on its stream id, then closed. */
    fd = dial_raw();
    uint32_t big = TTRPC_MAX_PAYLOAD + 1;
    const uint8_t over[] = {(uint8_t)(big >> 24), (uint8_t)(big >> 16), (uint8_t)(big >> 8),
                            (uint8_t)big, 0, 0, 0, 5, 1, 0};
    send_all(fd, over, sizeof over);
    send_all(fd, "some of the payload", 19);
    struct reply r = read_reply(fd);
    CHECK_MSG(r.stream == 5 && r.code == TTRPC_RESOURCE_EXHAUSTED && strstr(r.message, "limit"),
              "oversized answered: stream %u code %d '%s'", r.stream, r.code, r.message);
    CHECK_MSG(closed_by_server(fd), "oversized closes");
    close(fd);

    /* Garbage Request: closed without an answer; other connections unaffected. */
    int other = dial_raw();
    fd = dial_raw();
    const uint8_t garbage[] = {0, 0, 0, 6, 0, 0, 0, 1, 1, 0, 0x0a, 0x7f, 'x', 0xff, 0xff, 0xff};
    send_all(fd, garbage, sizeof garbage);
    CHECK_MSG(closed_by_server(fd), "garbage closes");
    close(fd);
    send_request(other, 1, "test.v1.T", "Echo", "still here");
    r = read_reply(other);
    CHECK_MSG(r.stream == 1 && r.code == 0 && strcmp(r.payload, "still here") == 0,
              "an open connection keeps working");
    close(other);
    CHECK_MSG(server_still_serves(), "a new connection is served after garbage");

    /* Even stream id: INVALID_ARGUMENT, connection stays usable. Unknown method likewise. */
    fd = dial_raw();
    send_request(fd, 2, "test.v1.T", "Echo", "x");
    r = read_reply(fd);
    CHECK_MSG(r.stream == 2 && r.code == TTRPC_INVALID_ARGUMENT, "even id: stream %u code %d",
              r.stream, r.code);
    send_request(fd, 3, "test.v1.T", "Nope", "x");
    r = read_reply(fd);
    CHECK_MSG(r.stream == 3 && r.code == TTRPC_UNIMPLEMENTED && strstr(r.message, "test.v1.T/Nope"),
              "unknown method: code %d '%s'", r.code, r.message);
    /* A response-type frame from the client is skipped, not answered. */
    struct waot_error err = {0};
    ttrpc_frame_write(fd, 5, TTRPC_TYPE_RESPONSE, NULL, 0, &err);
    send_request(fd, 7, "test.v1.T", "Echo", "after");
    r = read_reply(fd);
    CHECK_MSG(r.stream == 7 && r.code == 0 && strcmp(r.payload, "after") == 0,
              "non-request frame ignored: stream %u", r.stream);
    close(fd);

    /* A handler finishing after its connection closed (ASan watches this one). */
    gate_set(false);
    fd = dial_raw();
    send_request(fd, 1, "test.v1.T", "Block", "orphan");
    CHECK_MSG(wait_blocked(1), "orphan running");
    close(fd);
    usleep(50000);
    gate_release_all();
    usleep(50000);
    CHECK_MSG(server_still_serves(), "serving after an orphaned reply");
}

struct hammer {
    int id, ok;
};

static void *hammer_main(void *arg)
{
    struct hammer *hm = arg;
    struct waot_error err = {0};
    struct ttrpc_client *c = ttrpc_client_dial(sock_path, &err);
    if (!c)
        return NULL;
    for (int i = 0; i < 200; i++) {
        char msg[32];
        int n = snprintf(msg, sizeof msg, "%d-%d", hm->id, i);
        uint8_t *resp;
        size_t len;
        struct ttrpc_status st;
        if (ttrpc_client_call(c, "test.v1.T", "Echo", (const uint8_t *)msg, (size_t)n, NULL,
                              NULL, 0, 5000, &resp, &len, &st) == TTRPC_OK &&
            len == (size_t)n && memcmp(resp, msg, len) == 0)
            hm->ok++;
        free(resp);
    }
    ttrpc_client_close(c);
    return NULL;
}

static void test_concurrency(void)
{
    /* Several clients at once... */
    enum { T = 8 };
    pthread_t t[T];
    struct hammer hm[T];
    for (int i = 0; i < T; i++) {
        hm[i] = (struct hammer){i, 0};
        pthread_create(&t[i], NULL, hammer_main, &hm[i]);
    }
    int total = 0;
    for (int i = 0; i < T; i++) {
        pthread_join(t[i], NULL);
        total += hm[i].ok;
    }
    CHECK_MSG(total == T * 200, "%d of %d concurrent calls answered correctly", total, T * 200);

    /* ...and 200 requests pipelined on one connection, every answer on its own stream. */
    int fd = dial_raw();
    enum { P = 200 };
    for (int i = 0; i < P; i++) {
        char msg[16];
        snprintf(msg, sizeof msg, "m%d", 2 * i + 1);
        send_request(fd, (uint32_t)(2 * i + 1), "test.v1.T", "Echo", msg);
    }
    static bool seen[2 * P + 2];
    int good = 0;
    for (int i = 0; i < P; i++) {
        struct reply r = read_reply(fd);
        char want[16];
        snprintf(want, sizeof want, "m%u", r.stream);
        if (r.code == 0 && r.stream < 2 * P + 2 && !seen[r.stream] && strcmp(r.payload, want) == 0) {
            seen[r.stream] = true;
            good++;
        }
    }
    CHECK_MSG(good == P, "%d of %d pipelined answers matched their stream", good, P);
    close(fd);
}

static void test_first_connection_timeout(void)
{
    char path[160];
    snprintf(path, sizeof path, "%s/idle.sock", sock_dir);
    struct waot_error err = {0};
    struct ttrpc_server *s = ttrpc_server_new(listen_on(path), methods, 3, NULL, &err);
    CHECK_MSG(s != NULL, "server: %s", err.msg);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int rc = ttrpc_server_serve(s, 200);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
    CHECK_MSG(rc == 1 && ms >= 190 && ms < 2000, "no connection: serve returned %d after %.0f ms",
              rc, ms);
    ttrpc_server_free(s);
    unlink(path);
}

/* ---- events against a fake containerd ---- */

struct fake_containerd {
    char path[160];
    int listen_fd;
    int delay_ms;          /* listen only after this long */
    int want;              /* events to receive */
    pthread_t thread;
    int got;
    char topics[8][32];
    char type_urls[8][64];
    char values[8][32];
    char ns[8][32];
    char meta[8][64];
    int64_t seconds[8];
};

static void *fake_main(void *arg)
{
    struct fake_containerd *f = arg;
    usleep((useconds_t)f->delay_ms * 1000);
    f->listen_fd = listen_on(f->path);
    while (f->got < f->want) {
        struct pollfd p = {f->listen_fd, POLLIN, 0};
        if (poll(&p, 1, 15000) != 1)
            break;
        int fd = accept(f->listen_fd, NULL, NULL);
        for (;;) {
            struct ttrpc_header h;
            uint8_t *payload;
            struct waot_error err = {0};
            if (ttrpc_frame_read(fd, TTRPC_MAX_PAYLOAD, &h, &payload, &err) != 1)
                break;
            Ttrpc__Request *req = ttrpc__request__unpack(NULL, h.length, payload);
            free(payload);
            if (!req)
                break;
            int i = f->got < 8 ? f->got : 7;
            Containerd__Services__Events__Ttrpc__V1__ForwardRequest *fw =
                containerd__services__events__ttrpc__v1__forward_request__unpack(
                    NULL, req->payload.len, req->payload.data);
            if (strcmp(req->service, "containerd.services.events.ttrpc.v1.Events") == 0 &&
                strcmp(req->method, "Forward") == 0 && fw && fw->envelope &&
                fw->envelope->event && fw->envelope->timestamp) {
                const Containerd__Services__Events__Ttrpc__V1__Envelope *env = fw->envelope;
                snprintf(f->topics[i], sizeof f->topics[i], "%s", env->topic);
                snprintf(f->type_urls[i], sizeof f->type_urls[i], "%s", env->event->type_url);
                snprintf(f->values[i], sizeof f->values[i], "%.*s", (int)env->event->value.len,
                         (const char *)env->event->value.data);
                snprintf(f->ns[i], sizeof f->ns[i], "%s", env->namespace_);
                if (req->n_metadata == 1)
                    snprintf(f->meta[i], sizeof f->meta[i], "%s=%s", req->metadata[0]->key,
                             req->metadata[0]->value);
                f->seconds[i] = env->timestamp->seconds;
                f->got++;
            }
            if (fw)
                containerd__services__events__ttrpc__v1__forward_request__free_unpacked(fw, NULL);
            uint8_t *out;
            size_t out_len;
            ttrpc_response_encode(TTRPC_OK, NULL, NULL, 0, &out, &out_len, &err);
            ttrpc_frame_write(fd, h.stream_id, TTRPC_TYPE_RESPONSE, out, out_len, &err);
            free(out);
            ttrpc__request__free_unpacked(req, NULL);
            if (f->got >= f->want)
                break;
        }
        close(fd);
    }
    close(f->listen_fd);
    unlink(f->path);
    return NULL;
}

static void test_events(void)
{
    struct fake_containerd f = {.delay_ms = 0, .want = 3};
    snprintf(f.path, sizeof f.path, "%s/containerd.sock.ttrpc", sock_dir);
    pthread_create(&f.thread, NULL, fake_main, &f);
    usleep(50000);
    struct waot_error err = {0};
    struct shim_events *e = shim_events_start(f.path, "k8s.io", &err);
    CHECK_MSG(e != NULL, "events start: %s", err.msg);
    shim_events_publish(e, "/tasks/create", "containerd.events.TaskCreate",
                        (const uint8_t *)"one", 3);
    shim_events_publish(e, "/tasks/start", "containerd.events.TaskStart",
                        (const uint8_t *)"two", 3);
    shim_events_publish(e, "/tasks/exit", "containerd.events.TaskExit",
                        (const uint8_t *)"three", 5);
    shim_events_stop(e, 5000);
    pthread_join(f.thread, NULL);
    CHECK_MSG(f.got == 3, "3 events forwarded, got %d", f.got);
    CHECK_MSG(strcmp(f.topics[0], "/tasks/create") == 0 &&
                  strcmp(f.topics[1], "/tasks/start") == 0 &&
                  strcmp(f.topics[2], "/tasks/exit") == 0, "in order");
    CHECK_MSG(strcmp(f.type_urls[2], "containerd.events.TaskExit") == 0 &&
                  strcmp(f.values[2], "three") == 0, "Any carries type_url and value");
    CHECK_MSG(strcmp(f.ns[0], "k8s.io") == 0 &&
                  strcmp(f.meta[0], "containerd-namespace-ttrpc=k8s.io") == 0,
              "namespace in envelope and metadata: '%s' '%s'", f.ns[0], f.meta[0]);
    CHECK_MSG(f.seconds[0] > 1600000000, "timestamp set: %lld", (long long)f.seconds[0]);

    /* containerd away at first: the event goes through on a retry. */
    struct fake_containerd late = {.delay_ms = 1500, .want = 1};
    snprintf(late.path, sizeof late.path, "%s/late.sock", sock_dir);
    e = shim_events_start(late.path, "default", &err);
    pthread_create(&late.thread, NULL, fake_main, &late);
    shim_events_publish(e, "/tasks/oom", "containerd.events.TaskOOM", (const uint8_t *)"x", 1);
    shim_events_stop(e, 8000);
    pthread_join(late.thread, NULL);
    CHECK_MSG(late.got == 1 && strcmp(late.topics[0], "/tasks/oom") == 0,
              "retried until containerd listened: got %d", late.got);

    /* Nobody listening and a short stop: stop returns within its budget. */
    char nowhere[160];
    snprintf(nowhere, sizeof nowhere, "%s/nobody.sock", sock_dir);
    e = shim_events_start(nowhere, "default", &err);
    shim_events_publish(e, "/tasks/exit", "containerd.events.TaskExit", NULL, 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    shim_events_stop(e, 300);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
    CHECK_MSG(ms < 1000, "stop bounded: %.0f ms", ms);

    /* No address: publishing is a no-op, not a crash. */
    e = shim_events_start(NULL, "default", &err);
    CHECK_MSG(e != NULL, "events without address");
    shim_events_publish(e, "/tasks/exit", "containerd.events.TaskExit", NULL, 0);
    shim_events_stop(e, 100);
}

int main(void)
{
    snprintf(sock_dir, sizeof sock_dir, "/tmp/test_ttrpc.XXXXXX");
    if (!mkdtemp(sock_dir)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(sock_path, sizeof sock_path, "%s/shim.sock", sock_dir);
    struct waot_error err = {0};
    server = ttrpc_server_new(listen_on(sock_path), methods, 3, NULL, &err);
    if (!server) {
        fprintf(stderr, "server: %s\n", err.msg);
        return 2;
    }
    pthread_create(&serve_thread, NULL, serve_main, NULL);

    test_header();
    test_frame_read();
    test_decode_verdicts();
    test_client_calls();
    test_pipelining();
    test_in_flight_bound();
    test_hostile_frames();
    test_concurrency();
    test_first_connection_timeout();
    test_events();

    gate_release_all();
    ttrpc_server_stop(server, 1000);
    pthread_join(serve_thread, NULL);
    CHECK_MSG(serve_result == 0, "serve returns 0 after stop, got %d", serve_result);
    ttrpc_server_free(server);
    unlink(sock_path);
    rmdir(sock_dir);

    return check_summary(NULL);
}
