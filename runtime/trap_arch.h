/*
 * Facts about the host CPU that the fault handler needs: where the interrupted program
 * counter and frame pointer sit in the ucontext the kernel hands a SA_SIGINFO handler. The
 * only #if on the host architecture in the runtime's trap path lives here.
 */
#ifndef WAOT_TRAP_ARCH_H
#define WAOT_TRAP_ARCH_H

#include <stdint.h>
#include <ucontext.h>

static inline uintptr_t trap_arch_pc(const void *uctx)
{
    const ucontext_t *uc = uctx;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
#error "waot: unsupported host architecture (trap_arch.h)"
#endif
}

/* The interrupted frame pointer (rbp / x29). */
static inline uintptr_t trap_arch_fp(const void *uctx)
{
    const ucontext_t *uc = uctx;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.regs[29];
#else
#error "waot: unsupported host architecture (trap_arch.h)"
#endif
}

/* The interrupted stack pointer. */
static inline uintptr_t trap_arch_sp(const void *uctx)
{
    const ucontext_t *uc = uctx;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.sp;
#else
#error "waot: unsupported host architecture (trap_arch.h)"
#endif
}

#endif
