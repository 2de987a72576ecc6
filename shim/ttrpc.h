/*
 * ttrpc: containerd's small RPC protocol over a unix socket (see
 * ../shared/design/containerd-shim.md §5). A frame is a 10-byte big-endian header (payload
 * length, stream id, type, flags) and a protobuf payload: a ttrpc.Request from the client,
 * a ttrpc.Response back on the same stream id. The server reads frames continuously, runs
 * every request on its own thread (Wait blocks for as long as the task runs) and serialises
 * the writes of each connection, so answers may go out in any order.
 *
 * ttrpc_frame.c: header encoding and reading one frame with limits.
 * ttrpc_server.c: the listening side (the shim's task service).
 * ttrpc_client.c: the calling side (events forwarded to containerd).
 */
#ifndef WAOT_SHIM_TTRPC_H
#define WAOT_SHIM_TTRPC_H

#include <stddef.h>
#include <stdint.h>

#include "waot/waot.h"

#define TTRPC_HEADER_SIZE 10
#define TTRPC_MAX_PAYLOAD (4u << 20)   /* as ttrpc's messageLengthMax */
#define TTRPC_TYPE_REQUEST 1
#define TTRPC_TYPE_RESPONSE 2

/* google.rpc.Code values containerd maps to errdefs. */
enum ttrpc_code {
    TTRPC_OK = 0,
    TTRPC_CANCELLED = 1,
    TTRPC_UNKNOWN = 2,
    TTRPC_INVALID_ARGUMENT = 3,
    TTRPC_DEADLINE_EXCEEDED = 4,
    TTRPC_NOT_FOUND = 5,
    TTRPC_ALREADY_EXISTS = 6,
    TTRPC_RESOURCE_EXHAUSTED = 8,
    TTRPC_FAILED_PRECONDITION = 9,
    TTRPC_UNIMPLEMENTED = 12,
    TTRPC_INTERNAL = 13,
    TTRPC_UNAVAILABLE = 14,
};

struct ttrpc_header {
    uint32_t length;      /* payload bytes, header excluded */
    uint32_t stream_id;
    uint8_t type;
    uint8_t flags;
};

/* ---- ttrpc_frame.c ---- */

void ttrpc_header_encode(const struct ttrpc_header *h, uint8_t out[TTRPC_HEADER_SIZE]);
void ttrpc_header_decode(const uint8_t in[TTRPC_HEADER_SIZE], struct ttrpc_header *h);

/* Reads one whole frame from fd (retrying short reads and EINTR). 1: a frame, *payload
 * malloc'd (owned by the caller, NULL when length is 0). 0: clean end of stream before a
 * header. -1: err says why (truncated frame, read error, or length above max_payload: the
 * payload is then not read, h is filled and err->code is WAOT_E_USAGE so that the caller
 * can answer RESOURCE_EXHAUSTED before closing). */
int ttrpc_frame_read(int fd, size_t max_payload, struct ttrpc_header *h, uint8_t **payload,
                     struct waot_error *err);
/* Writes header + payload as one frame (loops over short writes, EINTR). */
int ttrpc_frame_write(int fd, uint32_t stream_id, uint8_t type, const uint8_t *payload,
                      size_t len, struct waot_error *err);

/* ---- ttrpc_server.c ---- */

/* What a handler answers. message is sent in the google.rpc.Status of an error. */
struct ttrpc_status {
    int code;             /* enum ttrpc_code */
    char message[512];
};

/* Fills st (code and printf-style message) and returns code, so that a handler can write
 * `return ttrpc_status_fail(st, TTRPC_NOT_FOUND, "process %s: already finished", id);`. */
int ttrpc_status_fail(struct ttrpc_status *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A method implementation. Runs on a thread of its own and may block. req is the request's
 * payload (the method's input message). On success returns TTRPC_OK and sets *resp to a
 * malloc'd serialised output message (the server frees it; NULL with *resp_len 0 is an
 * empty message); otherwise returns a code and fills st->message. */
typedef int (*ttrpc_handler)(void *ctx, const uint8_t *req, size_t req_len, uint8_t **resp,
                             size_t *resp_len, struct ttrpc_status *st);

struct ttrpc_method {
    const char *service;  /* "containerd.task.v2.Task" */
    const char *method;   /* "Create" */
    ttrpc_handler fn;
};

/* What the server does with one received frame, decided without I/O (fuzzed by
 * tests/fuzz/fuzz_ttrpc.c). */
enum ttrpc_verdict {
    TTRPC_VERDICT_RUN,     /* req names a known method: run req.target on req.payload */
    TTRPC_VERDICT_REJECT,  /* answer st (INVALID_ARGUMENT: even stream id; UNIMPLEMENTED) */
    TTRPC_VERDICT_IGNORE,  /* not a request frame (ttrpc >= 1.2 data frames): skip it */
    TTRPC_VERDICT_CLOSE,   /* undecodable Request: close the connection (err says why) */
};

/* A decoded ttrpc.Request; the strings and payload point into msg, which
 * ttrpc_request_fini frees. */
struct ttrpc_request {
    void *msg;                         /* Ttrpc__Request * */
    const char *service, *method;      /* never NULL after a decode ("" when absent) */
    const uint8_t *payload;
    size_t payload_len;
    int64_t timeout_nano;              /* ignored by the server (see ttrpc_server.c) */
    const struct ttrpc_method *target; /* set with TTRPC_VERDICT_RUN */
};

/* Decodes the frame (h, payload/len) and looks its method up in methods. req must be
 * ttrpc_request_fini'd after any verdict (it is zeroed first). */
enum ttrpc_verdict ttrpc_request_decode(const struct ttrpc_header *h, const uint8_t *payload,
                                        size_t len, const struct ttrpc_method *methods,
                                        size_t nmethods, struct ttrpc_request *req,
                                        struct ttrpc_status *st, struct waot_error *err);
void ttrpc_request_fini(struct ttrpc_request *req);
/* Serialises a ttrpc.Response: code TTRPC_OK carries payload and no status; any other code a
 * google.rpc.Status {code, message} and no payload. *out is malloc'd (NULL when empty). */
int ttrpc_response_encode(int code, const char *message, const uint8_t *payload, size_t len,
                          uint8_t **out, size_t *out_len, struct waot_error *err);

struct ttrpc_server;

/* Takes ownership of listen_fd (a bound, listening unix socket). methods must outlive the
 * server. Unknown service/method → UNIMPLEMENTED; an even stream id → INVALID_ARGUMENT; an
 * oversized frame → RESOURCE_EXHAUSTED and that connection is closed; a malformed frame or
 * Request closes that connection only. */
struct ttrpc_server *ttrpc_server_new(int listen_fd, const struct ttrpc_method *methods,
                                      size_t nmethods, void *ctx, struct waot_error *err);
/* Accepts and serves connections until ttrpc_server_stop. Returns 0 when stopped, or 1 when
 * no connection arrived within first_conn_timeout_ms of the call (0: wait for ever): a shim
 * whose `start` containerd gave up on must not live for ever. */
int ttrpc_server_serve(struct ttrpc_server *s, int first_conn_timeout_ms);
/* Makes serve return (callable from a handler; replies already queued are still written
 * when flush_ms > 0, waiting at most that long). */
void ttrpc_server_stop(struct ttrpc_server *s, int flush_ms);
/* Closes the listening socket and every connection; waits for handler threads that have
 * not returned only up to a bounded time (they may block in Wait). */
void ttrpc_server_free(struct ttrpc_server *s);

/* ---- ttrpc_client.c ---- */

struct ttrpc_client;

/* Connects to a unix socket path (a leading "unix://" is accepted). */
struct ttrpc_client *ttrpc_client_dial(const char *address, struct waot_error *err);
/* One synchronous call. metadata: nmeta key/value pairs (keys[i], values[i]). On TTRPC_OK
 * *resp is the malloc'd response payload (may be NULL/0); otherwise st says why (a
 * transport failure is TTRPC_UNAVAILABLE). timeout_ms 0: none. */
int ttrpc_client_call(struct ttrpc_client *c, const char *service, const char *method,
                      const uint8_t *req, size_t req_len, const char *const *meta_keys,
                      const char *const *meta_values, size_t nmeta, int timeout_ms,
                      uint8_t **resp, size_t *resp_len, struct ttrpc_status *st);
void ttrpc_client_close(struct ttrpc_client *c);

#endif
