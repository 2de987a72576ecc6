/*
 * Task events for containerd (see shim_events.h): a queue drained by one thread that wraps
 * each event in an Envelope and calls containerd.services.events.ttrpc.v1.Events/Forward on
 * containerd's ttrpc socket, the way containerd's own shims do. The timestamp is taken when
 * the event is published, not when it is sent, so a retried event keeps its time. A failed
 * send closes the connection, waits 1 s × attempt (as runc's shim) and tries again, at most
 * 5 times; then the event is dropped with a log line rather than holding up the ones after
 * it for ever.
 */
#include "shim_events.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "github.com/containerd/containerd/api/services/ttrpc/events/v1/events.pb-c.h"
#include "shim_log.h"
#include "ttrpc.h"

#define EVENTS_SERVICE "containerd.services.events.ttrpc.v1.Events"
#define EVENTS_TRIES 5
#define EVENTS_BACKOFF_MS 1000
#define EVENTS_CALL_TIMEOUT_MS 5000

struct event {
    struct event *next;
    struct timespec when;   /* CLOCK_REALTIME at publish */
    char *topic, *type_url;
    uint8_t *value;
    size_t len;
};

struct shim_events {
    char *address, *ns;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cond;            /* CLOCK_MONOTONIC: queue grew, or stop */
    struct event *head, *tail;
    bool stopping;
    int64_t stop_deadline_ms;       /* CLOCK_MONOTONIC, set by shim_events_stop */
    struct ttrpc_client *client;    /* owned by the thread */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void event_free(struct event *ev)
{
    if (!ev)
        return;
    free(ev->topic);
    free(ev->type_url);
    free(ev->value);
    free(ev);
}

/* The ForwardRequest for ev, malloc'd into *out. */
static int encode_forward(const struct shim_events *e, const struct event *ev, uint8_t **out,
                          size_t *out_len)
{
    Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    ts.seconds = ev->when.tv_sec;
    ts.nanos = (int32_t)ev->when.tv_nsec;
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = ev->type_url;
    any.value.data = ev->value;
    any.value.len = ev->len;
    Containerd__Services__Events__Ttrpc__V1__Envelope env =
        CONTAINERD__SERVICES__EVENTS__TTRPC__V1__ENVELOPE__INIT;
    env.timestamp = &ts;
    env.namespace_ = e->ns;
    env.topic = ev->topic;
    env.event = &any;
    Containerd__Services__Events__Ttrpc__V1__ForwardRequest req =
        CONTAINERD__SERVICES__EVENTS__TTRPC__V1__FORWARD_REQUEST__INIT;
    req.envelope = &env;
    *out_len = containerd__services__events__ttrpc__v1__forward_request__get_packed_size(&req);
    *out = malloc(*out_len);
    if (!*out)
        return -1;
    containerd__services__events__ttrpc__v1__forward_request__pack(&req, *out);
    return 0;
}

/* Waits (e->mu held) until deadline_ms or until stop is asked with a deadline already past. */
static void sleep_until(struct shim_events *e, int64_t deadline_ms)
{
    while (now_ms() < deadline_ms) {
        if (e->stopping && now_ms() >= e->stop_deadline_ms)
            return;
        int64_t until = deadline_ms;
        if (e->stopping && e->stop_deadline_ms < until)
            until = e->stop_deadline_ms;
        struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
        pthread_cond_timedwait(&e->cond, &e->mu, &ts);
    }
}

/* Sends one event, retrying; called without e->mu. Returns true once containerd took it. */
static bool forward(struct shim_events *e, const struct event *ev)
{
    uint8_t *msg;
    size_t msg_len;
    if (encode_forward(e, ev, &msg, &msg_len) < 0) {
        shim_errorf("events: out of memory encoding %s", ev->topic);
        return false;
    }
    static const char *const keys[] = {"containerd-namespace-ttrpc"};
    const char *values[] = {e->ns};
    bool sent = false;
    char why[512] = "";
    for (int attempt = 1; attempt <= EVENTS_TRIES && !sent; attempt++) {
        int timeout = EVENTS_CALL_TIMEOUT_MS;
        pthread_mutex_lock(&e->mu);
        if (e->stopping) {
            int64_t left = e->stop_deadline_ms - now_ms();
            if (left <= 0) {
                pthread_mutex_unlock(&e->mu);
                break;
            }
            if (left < timeout)
                timeout = (int)left;
        }
        pthread_mutex_unlock(&e->mu);

        struct waot_error err = {0};
        if (!e->client)
            e->client = ttrpc_client_dial(e->address, &err);
        if (e->client) {
            uint8_t *resp = NULL;
            size_t resp_len = 0;
            struct ttrpc_status st;
            int code = ttrpc_client_call(e->client, EVENTS_SERVICE, "Forward", msg, msg_len,
                                         keys, values, 1, timeout, &resp, &resp_len, &st);
            free(resp);   /* google.protobuf.Empty */
            if (code == TTRPC_OK) {
                sent = true;
                break;
            }
            snprintf(why, sizeof why, "%.400s (code %d)", st.message, code);
            /* Start afresh: after a transport error the connection is unusable, and after
             * an error status a new one costs little. */
            ttrpc_client_close(e->client);
            e->client = NULL;
        } else {
            snprintf(why, sizeof why, "%s", err.msg);
        }
        shim_debugf("events: forwarding %s, attempt %d: %s", ev->topic, attempt, why);
        if (attempt < EVENTS_TRIES) {
            pthread_mutex_lock(&e->mu);
            sleep_until(e, now_ms() + (int64_t)EVENTS_BACKOFF_MS * attempt);
            pthread_mutex_unlock(&e->mu);
        }
    }
    free(msg);
    if (!sent)
        shim_errorf("events: dropping %s (%s): %s", ev->topic, ev->type_url,
                    why[0] ? why : "shutting down");
    return sent;
}

static void *events_main(void *arg)
{
    struct shim_events *e = arg;
    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (!e->head && !e->stopping)
            pthread_cond_wait(&e->cond, &e->mu);
        if (!e->head)
            break;  /* stopping with nothing left */
        if (e->stopping && now_ms() >= e->stop_deadline_ms)
            break;
        struct event *ev = e->head;
        e->head = ev->next;
        if (!e->head)
            e->tail = NULL;
        pthread_mutex_unlock(&e->mu);
        forward(e, ev);
        event_free(ev);
        pthread_mutex_lock(&e->mu);
    }
    size_t dropped = 0;
    while (e->head) {
        struct event *ev = e->head;
        e->head = ev->next;
        event_free(ev);
        dropped++;
    }
    e->tail = NULL;
    pthread_mutex_unlock(&e->mu);
    if (dropped)
        shim_errorf("events: %zu event(s) not sent before shutdown", dropped);
    ttrpc_client_close(e->client);
    e->client = NULL;
    return NULL;
}

static void events_free(struct shim_events *e)
{
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->cond);
    free(e->address);
    free(e->ns);
    free(e);
}

struct shim_events *shim_events_start(const char *address, const char *ns,
                                      struct waot_error *err)
{
    struct shim_events *e = calloc(1, sizeof *e);
    if (!e) {
        waot_fail(err, WAOT_E_NOMEM, "events: out of memory");
        return NULL;
    }
    pthread_mutex_init(&e->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cond, &ca);
    pthread_condattr_destroy(&ca);
    e->ns = strdup(ns ? ns : "");
    e->address = address && address[0] ? strdup(address) : NULL;
    if (!e->ns || (address && address[0] && !e->address)) {
        events_free(e);
        waot_fail(err, WAOT_E_NOMEM, "events: out of memory");
        return NULL;
    }
    if (!e->address) {
        shim_warnf("events: no TTRPC_ADDRESS, task events will be dropped");
        return e;
    }
    int rc = pthread_create(&e->thread, NULL, events_main, e);
    if (rc != 0) {
        events_free(e);
        waot_fail(err, WAOT_E_INTERNAL, "events: cannot start the event thread: %s", strerror(rc));
        return NULL;
    }
    e->thread_started = true;
    return e;
}

void shim_events_publish(struct shim_events *e, const char *topic, const char *type_url,
                         const uint8_t *value, size_t len)
{
    if (!e)
        return;
    if (!e->address) {
        shim_debugf("events: dropping %s (no TTRPC_ADDRESS)", topic);
        return;
    }
    struct event *ev = calloc(1, sizeof *ev);
    if (ev) {
        clock_gettime(CLOCK_REALTIME, &ev->when);
        ev->topic = strdup(topic);
        ev->type_url = strdup(type_url);
        ev->len = len;
        ev->value = malloc(len ? len : 1);
        if (ev->value && len)
            memcpy(ev->value, value, len);
    }
    if (!ev || !ev->topic || !ev->type_url || !ev->value) {
        event_free(ev);
        shim_errorf("events: out of memory queueing %s", topic);
        return;
    }
    pthread_mutex_lock(&e->mu);
    if (e->stopping) {
        pthread_mutex_unlock(&e->mu);
        shim_warnf("events: %s published after shutdown began; dropped", topic);
        event_free(ev);
        return;
    }
    if (e->tail)
        e->tail->next = ev;
    else
        e->head = ev;
    e->tail = ev;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->mu);
}

void shim_events_stop(struct shim_events *e, int timeout_ms)
{
    if (!e)
        return;
    if (e->thread_started) {
        pthread_mutex_lock(&e->mu);
        e->stopping = true;
        e->stop_deadline_ms = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
        pthread_cond_broadcast(&e->cond);
        pthread_mutex_unlock(&e->mu);
        /* A call already on the wire may outlast the deadline (containerd alive but not
         * answering); then leave the thread and its state behind rather than wait: it
         * stops at its next check, and the shim is exiting anyway. */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t wait_ms = (timeout_ms > 0 ? timeout_ms : 0) + 200;
        until.tv_sec += wait_ms / 1000;
        until.tv_nsec += (wait_ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        if (pthread_timedjoin_np(e->thread, NULL, &until) != 0) {
            shim_warnf("events: sender still busy after %d ms; not waiting for it", timeout_ms);
            return;
        }
    }
    events_free(e);
}
