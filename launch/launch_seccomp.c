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
 * The rules are data (the tables below). libseccomp turns them into a BPF program, laid out
 * as a binary tree sorted by system call number (SCMP_FLTATR_CTL_OPTIMIZE 2: the same
 * decisions as its default if-chain, but the kernel checks and runs it in fewer steps).
 * Generating the program costs more than the rest of a warm start's confinement, so the
 * program is kept in the compiled-code cache (SECCOMP_CACHE_DIR below it), keyed by
 * everything that shapes it: waot's version, the architecture, libseccomp's version, the
 * filter attributes and the rule tables themselves. The one value that differs between
 * runs, this process's pid in the kill/tgkill rules, is generated as a placeholder that no
 * pid or other constant of the rules can equal, and patched into the loaded copy. An entry
 * is used only if its header, key, length and SHA-256 check out and it lies in a directory
 * of the cache owned by this user and writable by nobody else (as the artifacts, which are
 * native code, must); otherwise the program is generated afresh. Entries are published by
 * writing a temporary file and renaming it. Without a usable cache the filter still loads,
 * just generated each time.
 *
 * The handler resolves the name with libseccomp, which allocates. That is safe here: the
 * SIGSYS is synchronous, raised at a blocked call, and the only calls malloc itself makes
 * (brk, mmap without PROT_EXEC, munmap, madvise, mremap, futex) are allowed, so the
 * interrupted code never holds the allocator's lock; and the process has one thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "cache.h"
#include "launch_internal.h"

#define SECCOMP_EXIT 159 /* 128 + SIGSYS */
#define SECCOMP_DEFAULT_ACTION SCMP_ACT_TRAP
#define SECCOMP_OPTIMIZE 2 /* binary tree sorted by system call number */
/* Stands for this process's pid while the program is generated: above PID_MAX_LIMIT (2^22)
 * and unlike every other constant of the rules, so each comparison against it in the
 * program comes from the kill/tgkill rules. */
#define SECCOMP_PID_PLACEHOLDER 0x3a5eed01u
#define SECCOMP_MAX_INSNS 4096 /* BPF_MAXINSNS */
#define SECCOMP_CACHE_DIR "seccomp"
#define SECCOMP_CACHE_MAGIC "WAOTSBPF"
#define SECCOMP_CACHE_FORMAT 1u

/* ---- the rules ---- */

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

/* A comparison as data (libseccomp's SCMP_An macros make compound literals, which a
 * static table cannot hold). */
#define CMP(a, o, x, y) {.arg = (a), .op = (o), .datum_a = (x), .datum_b = (y)}

struct seccomp_arg_rule {
    int nr;                        /* SCMP_SYS(name) */
    unsigned ncmp;                 /* all must hold */
    struct scmp_arg_cmp cmp[2];
};

/* Allowed only with these arguments. */
static const struct seccomp_arg_rule seccomp_args[] = {
    /* memory: never executable (code was mapped before the filter) */
    {SCMP_SYS(mmap), 1, {CMP(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)}},
    {SCMP_SYS(mprotect), 1, {CMP(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)}},
    /* ioctl: FIONREAD (poll_oneoff's bytes available), TCGETS (isatty) */
    {SCMP_SYS(ioctl), 1, {CMP(1, SCMP_CMP_EQ, FIONREAD, 0)}},
    {SCMP_SYS(ioctl), 1, {CMP(1, SCMP_CMP_EQ, TCGETS, 0)}},
    /* fcntl: fd_fdstat_get/set_flags, fd_write with O_APPEND, CLOEXEC handling */
    {SCMP_SYS(fcntl), 1, {CMP(1, SCMP_CMP_EQ, F_GETFL, 0)}},
    {SCMP_SYS(fcntl), 1, {CMP(1, SCMP_CMP_EQ, F_SETFL, 0)}},
    {SCMP_SYS(fcntl), 1, {CMP(1, SCMP_CMP_EQ, F_GETFD, 0)}},
    {SCMP_SYS(fcntl), 1, {CMP(1, SCMP_CMP_EQ, F_SETFD, 0)}},
    {SCMP_SYS(fcntl), 1, {CMP(1, SCMP_CMP_EQ, F_DUPFD_CLOEXEC, 0)}},
    /* getrlimit (the trap path reads RLIMIT_STACK for a thread's stack bounds): reading
     * only, this process only */
    {SCMP_SYS(prlimit64), 2, {CMP(0, SCMP_CMP_EQ, 0, 0), CMP(2, SCMP_CMP_EQ, 0, 0)}},
    /* `waot run IMAGE` cleanup (image_launch.c): unmounting the run's overlay and tmpfs,
     * which live in the private mount namespace the run unshared; plain or MNT_DETACH */
    {SCMP_SYS(umount2), 1, {CMP(1, SCMP_CMP_EQ, 0, 0)}},
    {SCMP_SYS(umount2), 1, {CMP(1, SCMP_CMP_EQ, MNT_DETACH, 0)}},
#if defined(__SANITIZE_ADDRESS__)
    /* LeakSanitizer's tracer (another process) signals the threads it stops */
    {SCMP_SYS(tgkill), 0, {{0}}},
    {SCMP_SYS(kill), 0, {{0}}},
#else
    /* raise/abort after a crash in waot itself: signals to this process only */
    {SCMP_SYS(tgkill), 1, {CMP(0, SCMP_CMP_EQ, SECCOMP_PID_PLACEHOLDER, 0)}},
    {SCMP_SYS(kill), 1, {CMP(0, SCMP_CMP_EQ, SECCOMP_PID_PLACEHOLDER, 0)}},
#endif
};

#if defined(__SANITIZE_ADDRESS__)
#define SECCOMP_PID_RULES 0
/* AddressSanitizer builds only (-DWAOT_SANITIZE=ON): LeakSanitizer's exit-time check stops
 * the world with a tracer thread (clone, ptrace, wait4, prctl) and reads /proc/self/maps;
 * reports symbolise through readlink. Release builds never allow these. */
static const int seccomp_asan_extra[] = {
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
#else
#define SECCOMP_PID_RULES 2
#endif

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

static int seccomp_rules(scmp_filter_ctx ctx, struct waot_error *err)
{
    for (size_t i = 0; i < sizeof seccomp_plain / sizeof seccomp_plain[0]; i++)
        if (seccomp_allow(ctx, seccomp_plain[i], 0, NULL, err) < 0)
            return -1;
    for (size_t i = 0; i < sizeof seccomp_args / sizeof seccomp_args[0]; i++) {
        const struct seccomp_arg_rule *r = &seccomp_args[i];
        if (seccomp_allow(ctx, r->nr, r->ncmp, r->cmp, err) < 0)
            return -1;
    }
#if defined(__SANITIZE_ADDRESS__)
    for (size_t i = 0; i < sizeof seccomp_asan_extra / sizeof seccomp_asan_extra[0]; i++)
        if (seccomp_allow(ctx, seccomp_asan_extra[i], 0, NULL, err) < 0)
            return -1;
#endif
    return 0;
}

/* ---- the program ---- */

struct seccomp_program {
    struct sock_filter *insns;     /* heap, owned */
    uint32_t n;
    uint32_t nplaceholders;        /* comparisons against SECCOMP_PID_PLACEHOLDER */
};

static bool seccomp_is_placeholder(const struct sock_filter *f)
{
    return f->code == (BPF_JMP | BPF_JEQ | BPF_K) && f->k == SECCOMP_PID_PLACEHOLDER;
}

static uint32_t seccomp_count_placeholders(const struct seccomp_program *p)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < p->n; i++)
        count += seccomp_is_placeholder(&p->insns[i]);
    return count;
}

/* Builds the program with libseccomp (the pid still a placeholder). */
static int seccomp_generate(struct seccomp_program *p, struct waot_error *err)
{
    int rc = -1, mfd = -1;
    scmp_filter_ctx ctx = seccomp_init(SECCOMP_DEFAULT_ACTION);
    if (!ctx)
        return waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot create a filter");
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, SECCOMP_OPTIMIZE);
    if (r < 0) {
        waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot ask for a binary tree: %s",
                  strerror(-r));
        goto out;
    }
    if (seccomp_rules(ctx, err) < 0)
        goto out;
    mfd = memfd_create("waot-seccomp", MFD_CLOEXEC);
    if (mfd < 0 || (r = seccomp_export_bpf(ctx, mfd)) < 0) {
        waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot generate the filter: %s",
                  strerror(mfd < 0 ? errno : -r));
        goto out;
    }
    off_t size = lseek(mfd, 0, SEEK_END);
    if (size <= 0 || size % sizeof(struct sock_filter) != 0 ||
        size > (off_t)(SECCOMP_MAX_INSNS * sizeof(struct sock_filter))) {
        waot_fail(err, WAOT_E_INTERNAL, "seccomp: generated filter has %lld bytes",
                  (long long)size);
        goto out;
    }
    p->insns = malloc((size_t)size);
    if (!p->insns) {
        waot_fail(err, WAOT_E_NOMEM, "seccomp: out of memory");
        goto out;
    }
    if (pread(mfd, p->insns, (size_t)size, 0) != size) {
        waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot read the generated filter");
        goto out;
    }
    p->n = (uint32_t)(size / sizeof(struct sock_filter));
    p->nplaceholders = seccomp_count_placeholders(p);
    if (SECCOMP_PID_RULES > 0 && p->nplaceholders == 0) {
        waot_fail(err, WAOT_E_INTERNAL, "seccomp: the generated filter lacks the pid checks");
        goto out;
    }
    rc = 0;
out:
    if (rc < 0) {
        free(p->insns);
        p->insns = NULL;
    }
    if (mfd >= 0)
        close(mfd);
    seccomp_release(ctx);
    return rc;
}

/* Replaces the placeholder by pid; the count must be the one found at generation. */
static int seccomp_patch_pid(struct seccomp_program *p, pid_t pid, struct waot_error *err)
{
    uint32_t patched = 0;
    for (uint32_t i = 0; i < p->n; i++)
        if (seccomp_is_placeholder(&p->insns[i])) {
            p->insns[i].k = (uint32_t)pid;
            patched++;
        }
    if (patched != p->nplaceholders)
        return waot_fail(err, WAOT_E_INTERNAL, "seccomp: filter has %u pid checks, expected %u",
                         patched, p->nplaceholders);
    return 0;
}

static int seccomp_load_program(const struct seccomp_program *p, struct waot_error *err)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot set no_new_privs: %s",
                         strerror(errno));
    struct sock_fprog prog = {.len = (unsigned short)p->n, .filter = p->insns};
    /* TSYNC: every thread of the process gets the filter, also one that only waits for the
     * guest's (launch_run's --max-stack thread): it shares the guest's address space. */
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
    if (r == 0)
        return 0;
    if (r > 0)
        return waot_fail(err, WAOT_E_INTERNAL, "seccomp: thread %ld cannot take the filter", r);
    if (errno == ENOSYS && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0)
        return 0;
    return waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot load the filter: %s",
                     strerror(errno));
}

/* ---- the program cache ---- */

struct seccomp_cache_header {
    char magic[8];                 /* SECCOMP_CACHE_MAGIC, no NUL */
    uint32_t format;               /* SECCOMP_CACHE_FORMAT */
    uint32_t ninsns;
    uint32_t nplaceholders;
    uint32_t reserved;             /* 0 */
    uint8_t key[CACHE_KEY_SIZE];
    uint8_t digest[CACHE_KEY_SIZE]; /* SHA-256 of the instructions */
};

/* SHA-256 of everything that shapes the program. */
static int seccomp_key(uint8_t key[CACHE_KEY_SIZE])
{
    uint8_t plain[CACHE_KEY_SIZE], args[CACHE_KEY_SIZE];
    char plain_hex[CACHE_HEX_SIZE], args_hex[CACHE_HEX_SIZE], extra_hex[CACHE_HEX_SIZE];
    if (cache_sha256(seccomp_plain, sizeof seccomp_plain, plain) < 0 ||
        cache_sha256(seccomp_args, sizeof seccomp_args, args) < 0)
        return -1;
    cache_hex(plain, plain_hex);
    cache_hex(args, args_hex);
#if defined(__SANITIZE_ADDRESS__)
    uint8_t extra[CACHE_KEY_SIZE];
    if (cache_sha256(seccomp_asan_extra, sizeof seccomp_asan_extra, extra) < 0)
        return -1;
    cache_hex(extra, extra_hex);
#else
    snprintf(extra_hex, sizeof extra_hex, "none");
#endif
    const struct scmp_version *v = seccomp_version();
    char id[512];
    int n = snprintf(id, sizeof id,
                     "waot %s;seccomp %u;arch %u;libseccomp %u.%u.%u;default %u;optimize %d;"
                     "pid %u;insn %zu;plain %s;args %s;extra %s",
                     WAOT_VERSION, SECCOMP_CACHE_FORMAT, seccomp_arch_native(),
                     v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
                     (unsigned)SECCOMP_DEFAULT_ACTION, SECCOMP_OPTIMIZE,
                     SECCOMP_PID_PLACEHOLDER, sizeof(struct sock_filter), plain_hex, args_hex,
                     extra_hex);
    if (n < 0 || (size_t)n >= sizeof id)
        return -1;
    return cache_sha256(id, (size_t)n, key);
}

/* Owned by this user, writable by nobody else: what the cache requires of its directories
 * (cache_dir.c), since what it holds decides what this process may do. */
static bool seccomp_trusted(int fd, bool dir)
{
    struct stat st;
    return fstat(fd, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) &&
           st.st_uid == geteuid() && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* The cache's seccomp directory, created if the cache exists; -1 when there is none we
 * may use (then the program is generated every time). */
static int seccomp_cache_open(const char *cache_dir)
{
    char buf[CACHE_PATH_MAX];
    struct waot_error ignored;
    if (!cache_dir) {
        if (cache_dir_resolve(buf, sizeof buf, &ignored) < 0)
            return -1;
        cache_dir = buf;
    }
    int base = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (base < 0)
        return -1;
    int fd = -1;
    if (seccomp_trusted(base, true)) {
        int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
        fd = openat(base, SECCOMP_CACHE_DIR, flags);
        if (fd < 0 && errno == ENOENT && mkdirat(base, SECCOMP_CACHE_DIR, 0700) == 0)
            fd = openat(base, SECCOMP_CACHE_DIR, flags);
        if (fd >= 0 && !seccomp_trusted(fd, true)) {
            close(fd);
            fd = -1;
        }
    }
    close(base);
    return fd;
}

static bool read_at(int fd, void *buf, size_t len, off_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    return true;
}

/* 0 and the program when the entry for key exists and checks out, else -1. */
static int seccomp_cache_read(int dir, const uint8_t key[CACHE_KEY_SIZE],
                              struct seccomp_program *p)
{
    char name[CACHE_HEX_SIZE + 8];
    cache_hex(key, name);
    strcat(name, ".bpf");
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct seccomp_cache_header h;
    struct stat st;
    uint8_t digest[CACHE_KEY_SIZE];
    int rc = -1;
    if (!seccomp_trusted(fd, false) || fstat(fd, &st) < 0 || !read_at(fd, &h, sizeof h, 0) ||
        memcmp(h.magic, SECCOMP_CACHE_MAGIC, sizeof h.magic) != 0 ||
        h.format != SECCOMP_CACHE_FORMAT || h.reserved != 0 ||
        memcmp(h.key, key, CACHE_KEY_SIZE) != 0 || h.ninsns == 0 ||
        h.ninsns > SECCOMP_MAX_INSNS || h.nplaceholders > h.ninsns ||
        (uint64_t)st.st_size != sizeof h + (uint64_t)h.ninsns * sizeof(struct sock_filter))
        goto out;
    size_t bytes = (size_t)h.ninsns * sizeof(struct sock_filter);
    p->insns = malloc(bytes);
    if (!p->insns)
        goto out;
    /* the instructions follow the header */
    if (!read_at(fd, p->insns, bytes, sizeof h) || cache_sha256(p->insns, bytes, digest) < 0 ||
        memcmp(digest, h.digest, sizeof digest) != 0)
        goto out;
    p->n = h.ninsns;
    p->nplaceholders = h.nplaceholders;
    if (seccomp_count_placeholders(p) != p->nplaceholders)
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        free(p->insns);
        p->insns = NULL;
    }
    close(fd);
    return rc;
}

/* Publishes p under key: a temporary file renamed into place. Best effort: a cache that
 * cannot take it only means the next run generates the program again. */
static void seccomp_cache_write(int dir, const uint8_t key[CACHE_KEY_SIZE],
                                const struct seccomp_program *p)
{
    struct seccomp_cache_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, SECCOMP_CACHE_MAGIC, sizeof h.magic);
    h.format = SECCOMP_CACHE_FORMAT;
    h.ninsns = p->n;
    h.nplaceholders = p->nplaceholders;
    memcpy(h.key, key, CACHE_KEY_SIZE);
    size_t bytes = (size_t)p->n * sizeof(struct sock_filter);
    if (cache_sha256(p->insns, bytes, h.digest) < 0)
        return;
    char name[CACHE_HEX_SIZE + 8], tmp[CACHE_HEX_SIZE + 40];
    cache_hex(key, name);
    snprintf(tmp, sizeof tmp, ".tmp-%s-%ld", name, (long)getpid());
    strcat(name, ".bpf");
    int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    bool ok = write(fd, &h, sizeof h) == (ssize_t)sizeof h &&
              write(fd, p->insns, bytes) == (ssize_t)bytes;
    ok = close(fd) == 0 && ok;
    if (!ok || renameat(dir, tmp, dir, name) != 0)
        unlinkat(dir, tmp, 0);
}

/* ---- SIGSYS ---- */

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

/* ---- install ---- */

int launch_seccomp_install(const char *cache_dir, struct waot_error *err)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = seccomp_on_sigsys;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) != 0)
        return waot_fail(err, WAOT_E_INTERNAL, "seccomp: cannot install the SIGSYS handler: %s",
                         strerror(errno));
    struct seccomp_program p = {0};
    uint8_t key[CACHE_KEY_SIZE];
    bool keyed = seccomp_key(key) == 0;
    int dir = keyed ? seccomp_cache_open(cache_dir) : -1;
    int rc = -1;
    if (dir < 0 || seccomp_cache_read(dir, key, &p) < 0) {
        if (seccomp_generate(&p, err) < 0)
            goto out;
        if (dir >= 0)
            seccomp_cache_write(dir, key, &p);
    }
    if (seccomp_patch_pid(&p, getpid(), err) < 0)
        goto out;
    rc = seccomp_load_program(&p, err);
out:
    if (dir >= 0)
        close(dir);
    free(p.insns);
    return rc;
}
