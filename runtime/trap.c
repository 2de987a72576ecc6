/*
 * Traps: how guest code stops. Every call into guest code runs inside an activation
 * (trap_run), which records a sigjmp_buf in a thread-local chain, innermost first, in the
 * manner of Lua's luaD_rawrunprotected: set, chain and restore in one function. A trap
 * unwinds to the innermost activation through trap_jump, the runtime's one siglongjmp:
 *   - explicit traps: helpers (called from compiled code) and host-function wrappers call
 *     trap_raise / trap_raise_error;
 *   - faults: SIGSEGV/SIGBUS (out-of-bounds memory, stack overflow past the limit check),
 *     SIGILL or SIGTRAP (llvm.trap for `unreachable`) and SIGFPE are caught by one handler, installed
 *     once per process on an alternate signal stack. It turns the fault into a trap only when
 *     the faulting PC lies in a registered artifact text range and the thread is inside an
 *     activation. Otherwise it reinstates the previous disposition (SIG_DFL normally) and
 *     returns, so the instruction faults again and waot crashes loudly: bugs in waot itself
 *     are never swallowed.
 * The text-range registry is read by the handler, so lookups take no lock and no allocation:
 * fixed-size chunks of atomic (start, end) pairs, never freed, linked once.
 * The handler uses SA_NODEFER and the jump buffers do not save the signal mask, so leaving
 * the handler by siglongjmp leaves the mask as it was, at no syscall cost per call.
 * Stack limit: per thread, the lowest stack address plus a margin (TRAP_STACK_MARGIN) that
 * leaves room for helpers, host functions and the trap path once guest code hits the limit.
 * Backtraces: generated code keeps frame pointers, and so does the runtime (built with
 * -fno-omit-frame-pointer), so at a trap the chain of (saved FP, return address) records
 * leads from the trap point through the Wasm frames. The walk starts at the faulting
 * PC/FP from the ucontext (signal path) or at trap_raise's own frame (helper path), skips
 * the runtime's frames, records every return address inside registered guest text and
 * stops at the first one outside it. Every FP is checked against the thread's stack bounds
 * before it is read. The raw PCs are kept per thread for waot_trap_backtrace (backtrace.c).
 */
#include <pthread.h>
#include <sys/resource.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rt_internal.h"
#include "trap_arch.h"

#define TRAP_STACK_MARGIN ((uintptr_t)256 << 10)
#define TRAP_ALTSTACK_SIZE ((size_t)128 << 10)
#define TRAP_TEXT_CHUNK 256
#define TRAP_BT_SKIP 16 /* runtime frames to pass before the first guest frame */

/* ---- activations ---- */

struct trap_activation {
    sigjmp_buf jb;
    struct trap_activation *prev;
    struct waot_error error; /* filled before the jump */
};

struct trap_thread {
    bool ready;
    uintptr_t stack_lo;      /* lowest usable stack address of this thread */
    uintptr_t stack_limit;   /* stack_lo + margin */
    uintptr_t stack_hi;      /* one past the highest stack address (0: unknown) */
    void *altstack;          /* ours, or NULL when the thread already had one */
};

#define TRAP_TLS __attribute__((tls_model("initial-exec")))
static _Thread_local struct trap_activation *trap_current TRAP_TLS;
static _Thread_local struct trap_thread trap_self TRAP_TLS;
static _Thread_local struct trap_backtrace trap_bt TRAP_TLS;

/* ---- text ranges ---- */

struct text_chunk {
    _Atomic uintptr_t start[TRAP_TEXT_CHUNK]; /* 0: free slot */
    _Atomic uintptr_t end[TRAP_TEXT_CHUNK];
    struct text_chunk *_Atomic next;
};

static struct text_chunk text_first;
static pthread_mutex_t text_lock = PTHREAD_MUTEX_INITIALIZER;

int trap_register_text(const void *start, size_t size, struct waot_error *err)
{
    if (!start || size == 0)
        return 0;
    pthread_mutex_lock(&text_lock);
    struct text_chunk *c = &text_first, *last = NULL;
    for (; c; last = c, c = atomic_load(&c->next)) {
        for (int i = 0; i < TRAP_TEXT_CHUNK; i++) {
            if (atomic_load_explicit(&c->start[i], memory_order_relaxed) == 0) {
                atomic_store_explicit(&c->end[i], (uintptr_t)start + size, memory_order_relaxed);
                atomic_store_explicit(&c->start[i], (uintptr_t)start, memory_order_release);
                pthread_mutex_unlock(&text_lock);
                return 0;
            }
        }
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        pthread_mutex_unlock(&text_lock);
        return waot_fail(err, WAOT_E_NOMEM, "trap: out of memory registering code range");
    }
    atomic_store_explicit(&c->end[0], (uintptr_t)start + size, memory_order_relaxed);
    atomic_store_explicit(&c->start[0], (uintptr_t)start, memory_order_relaxed);
    atomic_store_explicit(&last->next, c, memory_order_release);
    pthread_mutex_unlock(&text_lock);
    return 0;
}

void trap_unregister_text(const void *start)
{
    if (!start)
        return;
    pthread_mutex_lock(&text_lock);
    for (struct text_chunk *c = &text_first; c; c = atomic_load(&c->next)) {
        for (int i = 0; i < TRAP_TEXT_CHUNK; i++) {
            if (atomic_load_explicit(&c->start[i], memory_order_relaxed) == (uintptr_t)start) {
                atomic_store_explicit(&c->start[i], 0, memory_order_release);
                atomic_store_explicit(&c->end[i], 0, memory_order_relaxed);
                pthread_mutex_unlock(&text_lock);
                return;
            }
        }
    }
    pthread_mutex_unlock(&text_lock);
}

/* Async-signal-safe: atomic loads only. */
static bool text_contains(uintptr_t pc)
{
    for (struct text_chunk *c = &text_first; c;
         c = atomic_load_explicit(&c->next, memory_order_acquire)) {
        for (int i = 0; i < TRAP_TEXT_CHUNK; i++) {
            uintptr_t s = atomic_load_explicit(&c->start[i], memory_order_acquire);
            if (s && pc >= s && pc < atomic_load_explicit(&c->end[i], memory_order_relaxed))
                return true;
        }
    }
    return false;
}

/* ---- backtraces ---- */

/* Async-signal-safe. pc (0: none) is the trap point itself; fp the frame to start at; sp
 * the live stack's lowest address: records are only read in [sp, stack_hi), which is
 * mapped, so a garbage FP (code without frame pointers) cannot fault here. */
static void bt_walk(uintptr_t pc, uintptr_t fp, uintptr_t sp)
{
    size_t n = 0;
    if (pc && text_contains(pc))
        trap_bt.pc[n++] = pc;
    uintptr_t lo = sp > trap_self.stack_lo ? sp : trap_self.stack_lo, hi = trap_self.stack_hi;
    int skipped = 0;
    while (n < TRAP_BT_MAX && fp >= lo && fp < hi && hi - fp >= 2 * sizeof(uintptr_t) &&
           fp % sizeof(uintptr_t) == 0) {
        const uintptr_t *rec = (const uintptr_t *)fp;
        uintptr_t next = rec[0], ret = rec[1];
        /* ret - 1: inside the call, which may be the last instruction of its function */
        if (ret && text_contains(ret - 1))
            trap_bt.pc[n++] = ret - 1;
        else if (n > 0 || ++skipped > TRAP_BT_SKIP)
            break;
        if (next <= fp)
            break;
        fp = next;
    }
    trap_bt.n = n;
}

const struct trap_backtrace *trap_last_backtrace(void)
{
    return &trap_bt;
}

/* ---- the trap path ---- */

static void copy_msg(char *dst, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < sizeof ((struct waot_error *)0)->msg; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

/* The one siglongjmp: back to the activation's trap_run. */
static _Noreturn void trap_jump(struct trap_activation *act)
{
    siglongjmp(act->jb, 1);
}

static struct trap_activation *innermost(void)
{
    struct trap_activation *act = trap_current;
    if (!act)
        abort(); /* a trap outside any activation is a bug in waot: crash loudly */
    return act;
}

_Noreturn void trap_raise(enum waot_trap kind)
{
    struct trap_activation *act = innermost();
    bt_walk(0, (uintptr_t)__builtin_frame_address(0), (uintptr_t)__builtin_frame_address(0));
    if ((unsigned)kind >= WAOT_TRAP_COUNT || kind == WAOT_TRAP_NONE)
        kind = WAOT_TRAP_UNREACHABLE;
    act->error.code = WAOT_E_TRAP;
    act->error.trap = kind;
    act->error.exit_code = 0;
    copy_msg(act->error.msg, waot_trap_message(kind));
    trap_jump(act);
}

_Noreturn void trap_raise_error(const struct waot_error *err)
{
    struct trap_activation *act = innermost();
    act->error = *err;
    /* a propagated guest trap keeps the backtrace recorded where it happened */
    if (err->code != WAOT_E_EXIT && err->code != WAOT_E_TRAP)
        bt_walk(0, (uintptr_t)__builtin_frame_address(0), (uintptr_t)__builtin_frame_address(0));
    if (err->code == WAOT_E_EXIT) {
        act->error.trap = WAOT_TRAP_NONE;
    } else if (err->code == WAOT_E_TRAP && err->trap > WAOT_TRAP_NONE &&
               err->trap < WAOT_TRAP_COUNT) {
        /* a guest trap propagated through a host function keeps its kind */
    } else {
        act->error.code = WAOT_E_TRAP;
        act->error.trap = WAOT_TRAP_HOST;
        if (!err->msg[0])
            copy_msg(act->error.msg, waot_trap_message(WAOT_TRAP_HOST));
    }
    trap_jump(act);
}

/* ---- the fault handler ---- */

static const int trap_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE };
#define TRAP_NSIGNALS (sizeof trap_signals / sizeof trap_signals[0])
static struct sigaction trap_previous[TRAP_NSIGNALS];

static enum waot_trap fault_kind(int sig, const siginfo_t *si)
{
    switch (sig) {
    case SIGILL:  /* llvm.trap on x86_64 (ud2) */
    case SIGTRAP: /* llvm.trap on aarch64 (brk) */
        return WAOT_TRAP_UNREACHABLE;
    case SIGFPE:
        return si->si_code == FPE_INTOVF ? WAOT_TRAP_INT_OVERFLOW : WAOT_TRAP_INT_DIV_ZERO;
    default: {
        /* a fault just below or inside the reserved margin is the stack, not memory */
        uintptr_t addr = (uintptr_t)si->si_addr;
        uintptr_t lo = trap_self.stack_lo;
        if (lo && addr < lo + TRAP_STACK_MARGIN && addr + ((uintptr_t)1 << 20) >= lo)
            return WAOT_TRAP_STACK_EXHAUSTED;
        return WAOT_TRAP_MEMORY_OOB;
    }
    }
}

bool trap_interrupt(void *uctx, enum waot_trap kind)
{
    struct trap_activation *act = trap_current;
    if (!act || !text_contains(trap_arch_pc(uctx)))
        return false;
    bt_walk(trap_arch_pc(uctx), trap_arch_fp(uctx), trap_arch_sp(uctx));
    act->error.code = WAOT_E_TRAP;
    act->error.trap = kind;
    act->error.exit_code = 0;
    copy_msg(act->error.msg, waot_trap_message(kind));
    trap_jump(act);
}

static void on_fault(int sig, siginfo_t *si, void *uctx)
{
    struct trap_activation *act = trap_current;
    if (act && si->si_code > 0 && text_contains(trap_arch_pc(uctx))) {
        enum waot_trap kind = fault_kind(sig, si);
        bt_walk(trap_arch_pc(uctx), trap_arch_fp(uctx), trap_arch_sp(uctx));
        act->error.code = WAOT_E_TRAP;
        act->error.trap = kind;
        act->error.exit_code = 0;
        copy_msg(act->error.msg, waot_trap_message(kind));
        trap_jump(act);
    }
    /* Not guest code: put the previous disposition back and let the fault happen again. */
    for (size_t i = 0; i < TRAP_NSIGNALS; i++) {
        if (trap_signals[i] == sig) {
            sigaction(sig, &trap_previous[i], NULL);
            break;
        }
    }
    if (si->si_code <= 0)
        raise(sig); /* sent by kill(): returning would not repeat it */
}

static pthread_once_t trap_once = PTHREAD_ONCE_INIT;

static void install_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < TRAP_NSIGNALS; i++)
        sigaction(trap_signals[i], &sa, &trap_previous[i]);
}

/* ---- per-thread setup: alternate stack, stack bounds ---- */

static pthread_key_t trap_key;
static pthread_once_t trap_key_once = PTHREAD_ONCE_INIT;

static void thread_exit(void *altstack)
{
    stack_t ss = { .ss_flags = SS_DISABLE };
    sigaltstack(&ss, NULL);
    munmap(altstack, TRAP_ALTSTACK_SIZE);
}

static void make_key(void)
{
    pthread_key_create(&trap_key, thread_exit);
}

static void setup_altstack(void)
{
    stack_t old;
    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE))
        return; /* the thread already has one (e.g. a sanitizer's) */
    void *p = mmap(NULL, TRAP_ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return; /* faults then run on the normal stack; only stack overflow suffers */
    stack_t ss = { .ss_sp = p, .ss_size = TRAP_ALTSTACK_SIZE, .ss_flags = 0 };
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(p, TRAP_ALTSTACK_SIZE);
        return;
    }
    trap_self.altstack = p;
    pthread_once(&trap_key_once, make_key);
    pthread_setspecific(trap_key, p);
}

/* The main thread's stack from the stack rlimit and the top the kernel handed to ld.so:
 * what glibc's pthread_getattr_np derives too, but without parsing /proc/self/maps, which
 * was a visible share of a warm start. The real top lies a little above __libc_stack_end
 * (argv and environment strings), so the bounds err on the safe side. */
extern void *__libc_stack_end;

static bool main_stack_bounds(void **addr, size_t *size)
{
    struct rlimit rl;
    if (getpid() != gettid() || getrlimit(RLIMIT_STACK, &rl) != 0 ||
        rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur < ((rlim_t)1 << 20))
        return false;
    uintptr_t top = ((uintptr_t)__libc_stack_end + 4095) & ~(uintptr_t)4095;
    if (top < rl.rlim_cur)
        return false;
    *addr = (void *)(top - rl.rlim_cur);
    *size = rl.rlim_cur;
    return true;
}

/* --max-stack: the bytes of stack guest code may use below the point where the budget was
 * set (0: up to the thread's real limit). Never lowers the limit below the real one. */
static size_t trap_stack_budget;

static void apply_stack_budget(uintptr_t here)
{
    size_t budget = __atomic_load_n(&trap_stack_budget, __ATOMIC_RELAXED);
    if (budget && here > budget && here - budget > trap_self.stack_limit)
        trap_self.stack_limit = here - budget;
}

static void setup_stack_bounds(void)
{
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;
    if (main_stack_bounds(&addr, &size)) {
        /* addr and size set */
    } else if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &size) != 0)
            addr = NULL;
        pthread_attr_destroy(&attr);
    }
    uintptr_t lo = (uintptr_t)addr;
    if (!addr || here < lo || here >= lo + size) {
        /* unknown bounds: assume 1 MiB below the current frame is usable */
        lo = here > ((uintptr_t)1 << 20) ? here - ((uintptr_t)1 << 20) : 0;
        size = here - lo;
    }
    uintptr_t margin = TRAP_STACK_MARGIN;
    if (margin > (here - lo) / 2)
        margin = (here - lo) / 2;
    trap_self.stack_lo = lo;
    trap_self.stack_hi = addr ? lo + size : here;
    trap_self.stack_limit = lo + margin;
    apply_stack_budget(here);
}

static void thread_setup(void)
{
    if (trap_self.ready)
        return;
    pthread_once(&trap_once, install_handler);
    setup_altstack();
    setup_stack_bounds();
    trap_self.ready = true;
}

int trap_set_stack_budget(size_t bytes, struct waot_error *err)
{
    thread_setup();
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    uintptr_t room = here > trap_self.stack_limit ? here - trap_self.stack_limit : 0;
    if (bytes > room)
        return waot_fail(err, WAOT_E_USAGE,
                         "stack budget of %zu bytes exceeds the %zu bytes this thread's stack has "
                         "left (raise `ulimit -s`)", bytes, (size_t)room);
    __atomic_store_n(&trap_stack_budget, bytes, __ATOMIC_RELAXED);
    apply_stack_budget(here);
    return 0;
}

size_t trap_stack_room(void)
{
    thread_setup();
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    return here > trap_self.stack_limit ? here - trap_self.stack_limit : 0;
}

uintptr_t trap_stack_limit(void)
{
    thread_setup();
    return trap_self.stack_limit;
}

int trap_run(void (*fn)(void *arg), void *arg, struct waot_error *err)
{
    thread_setup();
    struct trap_activation act;
    act.prev = trap_current;
    act.error.code = WAOT_OK;
    trap_current = &act;
    if (sigsetjmp(act.jb, 0) == 0)
        fn(arg);
    trap_current = act.prev;
    if (act.error.code == WAOT_OK)
        return 0;
    if (err)
        *err = act.error;
    return -1;
}
