/*
 * Terminal progress for long compiles (see progress.h). The compiler reports finished
 * functions through progress_cb (one call at a time, from any of its threads); a ticker
 * thread started at the first report redraws the line every PROGRESS_EVERY_NS once the
 * compile has lasted PROGRESS_DELAY_NS, so a quick compile prints nothing.
 */
#include "progress.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_DELAY_NS 300000000LL  /* quiet for compiles shorter than this */
#define PROGRESS_EVERY_NS 100000000LL  /* redraw period */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Draws the line; p->lock held. */
static void draw(struct progress *p)
{
    double elapsed = (double)(now_ns() - p->start_ns) / 1e9;
    fprintf(stderr, "\r\033[Kwaot: compiling%s%s: %u/%u functions, %.1f s", p->what ? " " : "",
            p->what ? p->what : "", p->done, p->total, elapsed);
    fflush(stderr);
    p->shown = true;
}

/* Ends a drawn line; p->lock held. */
static void end_line(struct progress *p)
{
    if (p->shown) {
        fputc('\n', stderr);
        fflush(stderr);
        p->shown = false;
    }
}

static void *ticker(void *arg)
{
    struct progress *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += PROGRESS_EVERY_NS;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        int r = pthread_cond_timedwait(&p->wake, &p->lock, &until);
        if (p->stop)
            break;
        if (r == ETIMEDOUT && now_ns() - p->start_ns >= PROGRESS_DELAY_NS)
            draw(p);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void stop_ticker(struct progress *p)
{
    pthread_mutex_lock(&p->lock);
    bool join = p->ticking;
    p->stop = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    if (join)
        pthread_join(p->ticker, NULL);
    p->ticking = false;
}

static void progress_cb(void *arg, uint32_t done, uint32_t total)
{
    struct progress *p = arg;
    if (done == 0) {
        stop_ticker(p); /* a second compile (a corrupt entry rebuilt) starts afresh */
        pthread_mutex_lock(&p->lock);
        p->stop = false;
        p->done = 0;
        p->total = total;
        p->start_ns = now_ns();
        p->ticking = pthread_create(&p->ticker, NULL, ticker, p) == 0;
        pthread_mutex_unlock(&p->lock);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->done = done;
    p->total = total;
    if (p->shown)
        draw(p);
    pthread_mutex_unlock(&p->lock);
    if (done == total) {
        stop_ticker(p);
        pthread_mutex_lock(&p->lock);
        end_line(p);
        pthread_mutex_unlock(&p->lock);
    }
}

void progress_attach(struct progress *p, struct waot_compile_options *opt, const char *what,
                     bool quiet)
{
    memset(p, 0, sizeof *p);
    p->what = what;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (quiet || !isatty(STDERR_FILENO))
        return;
    opt->progress = progress_cb;
    opt->progress_arg = p;
}

void progress_finish(struct progress *p)
{
    stop_ticker(p);
    pthread_mutex_lock(&p->lock);
    end_line(p);
    pthread_mutex_unlock(&p->lock);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
}
