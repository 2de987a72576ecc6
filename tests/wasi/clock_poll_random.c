/*
 * Clocks, sleeping (poll_oneoff with a clock subscription), randomness, sched_yield.
 */
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "wasi_check.h"

static long long ns(clockid_t c)
{
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0)
        return -1;
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    struct timespec res;
    CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0 && (res.tv_sec > 0 || res.tv_nsec > 0));
    CHECK(clock_getres(CLOCK_REALTIME, &res) == 0);
    CHECK(ns(CLOCK_REALTIME) > 1600000000LL * 1000000000LL);
    CHECK(ns(CLOCK_PROCESS_CPUTIME_ID) >= 0);
    CHECK(ns(CLOCK_THREAD_CPUTIME_ID) >= 0);
    long long t0 = ns(CLOCK_MONOTONIC);
    struct timespec nap = {0, 30000000};
    CHECK(nanosleep(&nap, NULL) == 0);
    long long t1 = ns(CLOCK_MONOTONIC);
    printf("slept %lld us\n", (t1 - t0) / 1000);
    CHECK(t1 - t0 >= 29000000LL);
    CHECK(usleep(1000) == 0);
    unsigned char buf[64] = {0};
    CHECK(getentropy(buf, sizeof buf) == 0);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof buf; i++)
        nonzero += buf[i] != 0;
    CHECK(nonzero > 32);
    CHECK(sched_yield() == 0);
    return check_done("clock_poll_random");
}
