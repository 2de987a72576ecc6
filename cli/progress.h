/*
 * Compile progress on a terminal: "waot: compiling NAME: 120/480 functions, 3.2 s" on
 * stderr, redrawn in place several times a second (the elapsed time moves even while the
 * compiler works on one large batch of functions), only when stderr is a terminal, only
 * for a compile that takes longer than a moment, and never with -q.
 */
#ifndef WAOT_CLI_PROGRESS_H
#define WAOT_CLI_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "waot/compiler.h"

struct progress {
    const char *what;       /* shown after "compiling" (borrowed); may be NULL */
    pthread_mutex_t lock;   /* guards the fields below; the ticker thread redraws */
    pthread_cond_t wake;
    pthread_t ticker;
    bool ticking;           /* ticker started (and not yet joined) */
    bool stop;
    bool shown;             /* a line is on screen and needs finishing */
    uint32_t done, total;
    int64_t start_ns;       /* when code generation started (done == 0) */
};

/* Points opt's progress callback at p unless quiet or stderr is not a terminal. p must
 * outlive every compile that uses opt. */
void progress_attach(struct progress *p, struct waot_compile_options *opt, const char *what,
                     bool quiet);
/* Stops the display (ending a line left on screen) and releases p; call it once after
 * every progress_attach, whether or not anything compiled. */
void progress_finish(struct progress *p);

#endif
