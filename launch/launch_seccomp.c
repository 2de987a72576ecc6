/*
 * The seccomp filter `waot run` installs after the artifact is mapped and WASI is linked,
 * just before instantiation (which may already run guest code: the start function). From
 * then on the process may make only the system calls that waot's runtime, its WASI
 * implementation and the launch step's cleanup make; docs/security.md lists each and why.
 * Argument filters keep the dangerous forms out: no mmap/mprotect that makes memory
 * executable, ioctl only FIONREAD and TCGETS, fcntl only flag and CLOEXEC queries and
 * changes, signals only to this process. Everything else (execve, ptrace, socket, connect,
 * clone, ...) raises SIGSYS; the handler names the call and ends the process with 159.
 *
 * The handler resolves the name with libseccomp, which allocates. That is safe here: the
 * SIGSYS is synchronous, raised at a blocked call, and the only calls malloc itself makes
 * (brk, mmap without PROT_EXEC, munmap, madvise, mremap, futex) are allowed, so the
 * interrupted code never holds the allocator's lock; and the process has one thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <termios.h>
#include <unistd.h>

#include "launch_internal.h"

#define SECCOMP_EXIT 159 /* 128 + SIGSYS */

/* Allowed without argument checks. */
static const int seccomp_plain[] = {
    /* reading and writing descriptors: fd_read/fd_write/fd_pread/fd_pwrite, stdio, the cache */
    SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(pread64),
    SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
    SCMP_SYS(preadv2), SCMP_SYS(pwritev2),
    /* path_open (openat2 with RESOLVE_BENEATH, openat as fallback), fd_close */
    SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(open), SCMP_SYS(close),
    /* fd_filestat_get, path_filestat_get, fd_seek/fd_tell, fd_readdir */
    SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(lseek),
    SCMP_SYS(getdents64),
    /* path_create_directory, path_unlink_file, path_remove_directory, path_rename, path_link,
     * path_symlink, path_readlink, fd/path_filestat_set_times, fd_filestat_set_size */
    SCMP_SYS(mkdirat), SCMP_SYS(unlinkat), SCMP_SYS(renameat), SCMP_SYS(renameat2),
    SCMP_SYS(linkat), SCMP_SYS(symlinkat), SCMP_SYS(readlinkat),
    SCMP_SYS(utimensat), SCMP_SYS(ftruncate),
    /* fd_sync, fd_datasync, fd_advise, fd_allocate */
    SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(fadvise64), SCMP_SYS(fallocate),
    /* poll_oneoff, clock_time_get, clock_res_get, sched_yield, random_get */
    SCMP_SYS(ppoll), SCMP_SYS(poll), SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
    SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
    SCMP_SYS(gettimeofday), SCMP_SYS(getrandom), SCMP_SYS(sched_yield),
    /* sock_accept, sock_recv, sock_send, sock_shutdown on preopened sockets (no new ones) */
    SCMP_SYS(accept4), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom),
    SCMP_SYS(sendto), SCMP_SYS(shutdown), SCMP_SYS(getsockopt),
    /* the C library: heap, locks, process end */
    SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(mremap), SCMP_SYS(futex),
    SCMP_SYS(exit), SCMP_SYS(exit_group),
    /* traps: the fault handler returns (rt_sigreturn), restores a disposition before a
     * crash (rt_sigaction), per-thread alternate signal stacks; --timeout's timer */
    SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(sigaltstack), SCMP_SYS(timer_settime),
    SCMP_SYS(timer_delete), SCMP_SYS(getpid), SCMP_SYS(gettid),
};

/* nr: SCMP_SYS(name), a compile-time number; negative pseudo numbers are calls this
 * architecture lacks. */
static int seccomp_allow(scmp_filter_ctx ctx, int nr, unsigned n, const struct scmp_arg_cmp *cmp,
                         struct waot_error *err)
{
    if (nr < 0)
        return 0; /* not on this architecture */
    int rc = n ? seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp)
               : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    if (rc < 0)
        return waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot add a rule for system call %d: %s",
                         nr, strerror(-rc));
    return 0;
}

static int seccomp_allow_arg(scmp_filter_ctx ctx, int nr, struct scmp_arg_cmp cmp,
                             struct waot_error *err)
{
    return seccomp_allow(ctx, nr, 1, &cmp, err);
}

static int seccomp_rules(scmp_filter_ctx ctx, struct waot_error *err)
{
    for (size_t i = 0; i < sizeof seccomp_plain / sizeof seccomp_plain[0]; i++)
        if (seccomp_allow(ctx, seccomp_plain[i], 0, NULL, err) < 0)
            return -1;
    /* memory: never executable (code was mapped before the filter) */
    struct scmp_arg_cmp no_exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
    if (seccomp_allow_arg(ctx, SCMP_SYS(mmap), no_exec, err) < 0 ||
        seccomp_allow_arg(ctx, SCMP_SYS(mprotect), no_exec, err) < 0)
        return -1;
    /* ioctl: FIONREAD (poll_oneoff's bytes available), TCGETS (isatty) */
    if (seccomp_allow_arg(ctx, SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, FIONREAD), err) < 0 ||
        seccomp_allow_arg(ctx, SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, TCGETS), err) < 0)
        return -1;
    /* fcntl: fd_fdstat_get/set_flags, fd_write with O_APPEND, CLOEXEC handling */
    static const int fcntl_cmds[] = { F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD_CLOEXEC };
    for (size_t i = 0; i < sizeof fcntl_cmds / sizeof fcntl_cmds[0]; i++)
        if (seccomp_allow_arg(ctx, SCMP_SYS(fcntl),
                              SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i]),
                              err) < 0)
            return -1;
    /* getrlimit (the trap path reads RLIMIT_STACK for a thread's stack bounds): reading only,
     * this process only */
    {
        struct scmp_arg_cmp ro[2] = { SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0) };
        if (seccomp_allow(ctx, SCMP_SYS(prlimit64), 2, ro, err) < 0)
            return -1;
    }
    /* `waot run IMAGE` cleanup (image_launch.c): unmounting the run's overlay and tmpfs,
     * which live in the private mount namespace the run unshared; plain or MNT_DETACH */
    if (seccomp_allow_arg(ctx, SCMP_SYS(umount2), SCMP_A1(SCMP_CMP_EQ, 0), err) < 0 ||
        seccomp_allow_arg(ctx, SCMP_SYS(umount2), SCMP_A1(SCMP_CMP_EQ, MNT_DETACH), err) < 0)
        return -1;
    /* raise/abort after a crash in waot itself: signals to this process only */
#if defined(__SANITIZE_ADDRESS__)
    /* LeakSanitizer's tracer (another process) signals the threads it stops */
    if (seccomp_allow(ctx, SCMP_SYS(tgkill), 0, NULL, err) < 0 ||
        seccomp_allow(ctx, SCMP_SYS(kill), 0, NULL, err) < 0)
        return -1;
#else
    scmp_datum_t self = (scmp_datum_t)getpid();
    if (seccomp_allow_arg(ctx, SCMP_SYS(tgkill), SCMP_A0(SCMP_CMP_EQ, self), err) < 0 ||
        seccomp_allow_arg(ctx, SCMP_SYS(kill), SCMP_A0(SCMP_CMP_EQ, self), err) < 0)
        return -1;
#endif
#if defined(__SANITIZE_ADDRESS__)
    /* AddressSanitizer builds only (-DWAOT_SANITIZE=ON): LeakSanitizer's exit-time check
     * stops the world with a tracer thread (clone, ptrace, wait4, prctl) and reads
     * /proc/self/maps; reports symbolise through readlink. Release builds never allow these. */
    static const int asan_extra[] = {
        SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(prctl),
        SCMP_SYS(sched_getaffinity), SCMP_SYS(getppid),
        SCMP_SYS(readlink), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(arch_prctl),
        SCMP_SYS(getrlimit), SCMP_SYS(prlimit64),
        SCMP_SYS(setrlimit), SCMP_SYS(sysinfo), SCMP_SYS(uname), SCMP_SYS(getcwd),
        SCMP_SYS(pipe2), SCMP_SYS(dup), SCMP_SYS(dup2), SCMP_SYS(dup3),
        SCMP_SYS(lstat), SCMP_SYS(stat), SCMP_SYS(access), SCMP_SYS(faccessat),
        SCMP_SYS(faccessat2), SCMP_SYS(waitid), SCMP_SYS(process_vm_readv),
        SCMP_SYS(tkill), SCMP_SYS(getdents), SCMP_SYS(rt_sigtimedwait),
        SCMP_SYS(sched_setaffinity), SCMP_SYS(close_range),
    };
    for (size_t i = 0; i < sizeof asan_extra / sizeof asan_extra[0]; i++)
        if (seccomp_allow(ctx, asan_extra[i], 0, NULL, err) < 0)
            return -1;
#endif
    return 0;
}

static void seccomp_on_sigsys(int sig, siginfo_t *si, void *uctx)
{
    (void)sig;
    (void)uctx;
    char buf[160];
    const char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, si->si_syscall);
    char num[24];
    if (!name) {
        /* the number in decimal, without stdio */
        unsigned v = (unsigned)si->si_syscall;
        size_t k = sizeof num;
        num[--k] = '\0';
        do {
            num[--k] = (char)('0' + v % 10);
            v /= 10;
        } while (v && k > 0);
        name = num + k;
    }
    static const char head[] = "waot: seccomp: blocked system call ";
    size_t n = 0;
    for (size_t i = 0; head[i] && n < sizeof buf - 2; i++)
        buf[n++] = head[i];
    for (size_t i = 0; name[i] && n < sizeof buf - 2; i++)
        buf[n++] = name[i];
    buf[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, buf, n);
    (void)w;
    _exit(SECCOMP_EXIT);
}

int launch_seccomp_install(struct waot_error *err)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = seccomp_on_sigsys;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) != 0)
        return waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot install the SIGSYS handler: %s",
                         strerror(errno));
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        return waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot create a filter");
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
    if (rc < 0) {
        waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot request no_new_privs: %s", strerror(-rc));
    } else if (seccomp_rules(ctx, err) == 0) {
        rc = seccomp_load(ctx);
        if (rc < 0)
            waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot load the filter: %s", strerror(-rc));
    } else {
        rc = -1;
    }
    seccomp_release(ctx);
    return rc < 0 ? -1 : 0;
}
