/*
 * libFuzzer target: what the shim's ttrpc server does with bytes from a connection. The
 * input is the byte stream a client sent; it is read back frame by frame with
 * ttrpc_frame_read (through a memfd, the same read path as a socket; a 64 KiB payload limit
 * so that the oversized path is reachable), each frame goes through ttrpc_request_decode
 * against a small method table, and the server's answer is encoded with
 * ttrpc_response_encode and decoded again to check that it says what was meant. The loop
 * stops where the server would close the connection.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ttrpc.h"
#include "ttrpc.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_PAYLOAD (64u << 10)

static int fuzz_ttrpc_unused(void *ctx, const uint8_t *req, size_t len, uint8_t **resp,
                             size_t *resp_len, struct ttrpc_status *st)
{
    (void)ctx, (void)req, (void)len, (void)resp, (void)resp_len, (void)st;
    return TTRPC_OK;
}

static const struct ttrpc_method fuzz_ttrpc_methods[] = {
    {"containerd.task.v2.Task", "Create", fuzz_ttrpc_unused},
    {"containerd.task.v2.Task", "Wait", fuzz_ttrpc_unused},
    {"containerd.task.v2.Task", "Shutdown", fuzz_ttrpc_unused},
};

static int fuzz_ttrpc_fd = -1;

/* Encodes a reply, decodes it, and checks it round-trips. */
static void fuzz_ttrpc_check_reply(int code, const char *message, const uint8_t *payload,
                                   size_t len)
{
    uint8_t *out;
    size_t out_len;
    struct waot_error err = {0};
    if (ttrpc_response_encode(code, message, payload, len, &out, &out_len, &err) < 0)
        return;
    Ttrpc__Response *r = ttrpc__response__unpack(NULL, out_len, out);
    if (!r) {
        fprintf(stderr, "fuzz_ttrpc: our own Response does not decode\n");
        abort();
    }
    int got = r->status ? r->status->code : TTRPC_OK;
    if (got != code || (code == TTRPC_OK && r->payload.len != (payload ? len : 0)) ||
        (code != TTRPC_OK && strcmp(r->status->message, message ? message : "") != 0)) {
        fprintf(stderr, "fuzz_ttrpc: Response round trip changed code %d -> %d\n", code, got);
        abort();
    }
    ttrpc__response__free_unpacked(r, NULL);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_ttrpc_fd < 0) {
        fuzz_ttrpc_fd = memfd_create("fuzz_ttrpc", MFD_CLOEXEC);
        if (fuzz_ttrpc_fd < 0) {
            perror("memfd_create");
            abort();
        }
    }
    if (ftruncate(fuzz_ttrpc_fd, 0) < 0 || pwrite(fuzz_ttrpc_fd, data, size, 0) != (ssize_t)size ||
        lseek(fuzz_ttrpc_fd, 0, SEEK_SET) != 0)
        abort();

    for (int frames = 0; frames < 64; frames++) {
        struct ttrpc_header h;
        uint8_t *payload = NULL;
        struct waot_error err = {0};
        int rc = ttrpc_frame_read(fuzz_ttrpc_fd, FUZZ_MAX_PAYLOAD, &h, &payload, &err);
        if (rc == 0)
            break;
        if (rc < 0) {
            if (err.code == WAOT_E_USAGE)
                fuzz_ttrpc_check_reply(TTRPC_RESOURCE_EXHAUSTED, err.msg, NULL, 0);
            break;
        }
        struct ttrpc_request req;
        struct ttrpc_status st;
        enum ttrpc_verdict v = ttrpc_request_decode(&h, payload, h.length, fuzz_ttrpc_methods, 3,
                                                    &req, &st, &err);
        free(payload);
        if (v == TTRPC_VERDICT_RUN) {
            if (!req.target || strcmp(req.target->method, req.method) != 0)
                abort();
            fuzz_ttrpc_check_reply(TTRPC_OK, NULL, req.payload, req.payload_len);
        } else if (v == TTRPC_VERDICT_REJECT) {
            fuzz_ttrpc_check_reply(st.code, st.message, NULL, 0);
        }
        ttrpc_request_fini(&req);
        if (v == TTRPC_VERDICT_CLOSE)
            break;
    }
    return 0;
}
