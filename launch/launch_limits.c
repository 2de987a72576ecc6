/*
 * Confinement of a launch (launch.h, struct launch_spec): resource limits for the process
 * and the guest's thread, then the seccomp filter (launch_seccomp.c), then the --timeout
 * timer. launch.c calls launch_limits_apply after WASI is linked and before instantiation,
 * so everything the runtime needs from the kernel beyond the allow-list (mapping the
 * artifact, opening preopens, creating the timer) has already happened.
 *
 * Address space (RLIMIT_AS, with --memory only): linear memory lives inside the 8 GiB
 * reservation each memory makes up front, so the cap on linear memory itself is the
 * runtime's page cap; RLIMIT_AS is the second wall, against the host side growing without
 * end. It is set to what the process maps now, plus one memory's reservation, plus
 * LIMITS_AS_HEADROOM. AddressSanitizer builds skip it: their shadow memory alone is
 * terabytes of address space.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "launch_internal.h"
#include "rt_internal.h"
#include "rt_limits.h"

#define LIMITS_AS_HEADROOM (UINT64_C(256) << 20)
#define LIMITS_GUARD UINT64_C(65536)

static int limits_nofile(unsigned n, struct waot_error *err)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return waot_fail(err, WAOT_E_INTERNAL, "cannot read RLIMIT_NOFILE: %s", strerror(errno));
    rlim_t want = n;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
        want = rl.rlim_max;
    rl.rlim_cur = rl.rlim_max = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return waot_fail(err, WAOT_E_INTERNAL, "cannot set RLIMIT_NOFILE to %u: %s", n,
                         strerror(errno));
    return 0;
}

#if !defined(__SANITIZE_ADDRESS__)
/* Bytes of address space mapped now (/proc/self/statm, first field, in pages). */
static uint64_t limits_vm_size(void)
{
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtoull(buf, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE);
}
#endif

static int limits_address_space(uint64_t memory_limit, struct waot_error *err)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)memory_limit;
    (void)err;
    return 0;
#else
    (void)memory_limit; /* linear memory lies inside the reservation counted below */
    uint64_t now = limits_vm_size();
    if (now == 0)
        return 0;
    uint64_t as = now + WAOT_MEM_RESERVE + LIMITS_GUARD + LIMITS_AS_HEADROOM;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0)
        return 0;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= as)
        return 0; /* already tighter */
    rl.rlim_cur = as;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < as)
        rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        return waot_fail(err, WAOT_E_INTERNAL, "cannot set RLIMIT_AS: %s", strerror(errno));
    return 0;
#endif
}

int launch_limits_apply(const struct launch_spec *s, struct waot_error *err)
{
    if (limits_nofile(s->max_fds ? s->max_fds : LAUNCH_DEFAULT_MAX_FDS, err) < 0)
        return -1;
    if (s->memory_limit) {
        if (s->memory_limit < WAOT_PAGE_SIZE)
            return waot_fail(err, WAOT_E_USAGE, "--memory %llu: less than one 64 KiB page",
                             (unsigned long long)s->memory_limit);
        rt_limits_set_memory(s->memory_limit);
        if (limits_address_space(s->memory_limit, err) < 0)
            return -1;
    }
    if (s->max_stack) {
        struct waot_error e = {0};
        if (trap_set_stack_budget((size_t)s->max_stack, &e) < 0)
            return waot_fail(err, WAOT_E_USAGE, "--max-stack: %s", e.msg);
    }
    if (rt_limits_timeout_start(s->timeout_ns, err) < 0)
        return -1;
    if (!s->seccomp_unconfined && launch_seccomp_install(s->cache_dir, err) < 0) {
        rt_limits_timeout_stop();
        return -1;
    }
    return 0;
}

void launch_limits_release(const struct launch_spec *s)
{
    if (s->timeout_ns)
        rt_limits_timeout_stop();
}
