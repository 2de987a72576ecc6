/*
 * The memory cap and the --timeout timer (see rt_limits.h). The timer is a POSIX timer
 * delivering SIGALRM to the thread that armed it (SIGEV_THREAD_ID), so it interrupts the
 * guest's own thread even if the embedder has others. Its handler hands the interrupted
 * context to trap_interrupt, which unwinds guest code through the ordinary trap path; host
 * code cannot be unwound safely (it may hold locks or half-built state), so there the
 * handler reports the timeout itself with write(2) and _exit(2), both async-signal-safe.
 */
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rt_internal.h"
#include "rt_limits.h"

#define LIMITS_EXIT_TRAP 134

static _Atomic uint32_t limits_mem_pages = MEMORY_MAX_PAGES;

void rt_limits_set_memory(uint64_t bytes)
{
    uint64_t pages = bytes / WAOT_PAGE_SIZE;
    if (bytes == 0 || pages > MEMORY_MAX_PAGES)
        pages = MEMORY_MAX_PAGES;
    atomic_store(&limits_mem_pages, (uint32_t)pages);
}

uint32_t rt_limits_memory_pages(void)
{
    return atomic_load_explicit(&limits_mem_pages, memory_order_relaxed);
}

static timer_t limits_timer;
static bool limits_timer_armed;

static void on_timeout(int sig, siginfo_t *si, void *uctx)
{
    (void)sig;
    (void)si;
    trap_interrupt(uctx, WAOT_TRAP_TIMEOUT); /* returns only outside guest code */
    static const char msg[] = "waot: wasm trap: timeout\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)n;
    _exit(LIMITS_EXIT_TRAP);
}

int rt_limits_timeout_start(uint64_t ns, struct waot_error *err)
{
    if (ns == 0)
        return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_timeout;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, &sa, NULL) != 0)
        return waot_fail(err, WAOT_E_INTERNAL, "timeout: cannot install the SIGALRM handler");
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGALRM;
    ev._sigev_un._tid = gettid();
    if (timer_create(CLOCK_MONOTONIC, &ev, &limits_timer) != 0)
        return waot_fail(err, WAOT_E_INTERNAL, "timeout: cannot create a timer");
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = (time_t)(ns / 1000000000u);
    its.it_value.tv_nsec = (long)(ns % 1000000000u);
    if (timer_settime(limits_timer, 0, &its, NULL) != 0) {
        timer_delete(limits_timer);
        return waot_fail(err, WAOT_E_INTERNAL, "timeout: cannot arm the timer");
    }
    limits_timer_armed = true;
    return 0;
}

void rt_limits_timeout_stop(void)
{
    if (!limits_timer_armed)
        return;
    timer_delete(limits_timer);
    limits_timer_armed = false;
}
