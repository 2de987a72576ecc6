/*
 * Error records shared by every subsystem: waot_fail fills a struct waot_error and returns
 * -1 so that a failing path reads `return waot_fail(err, CODE, "what: why")`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "waot/waot.h"

int waot_fail(struct waot_error *err, enum waot_errcode code, const char *fmt, ...)
{
    if (!err)
        return -1;
    err->code = code;
    err->trap = WAOT_TRAP_NONE;
    err->exit_code = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

const char *waot_trap_message(enum waot_trap trap)
{
    static const char *const messages[WAOT_TRAP_COUNT] = {
        [WAOT_TRAP_NONE] = "no trap",
        [WAOT_TRAP_UNREACHABLE] = "unreachable",
        [WAOT_TRAP_INT_DIV_ZERO] = "integer divide by zero",
        [WAOT_TRAP_INT_OVERFLOW] = "integer overflow",
        [WAOT_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
        [WAOT_TRAP_MEMORY_OOB] = "out of bounds memory access",
        [WAOT_TRAP_TABLE_OOB] = "out of bounds table access",
        [WAOT_TRAP_UNDEFINED_ELEMENT] = "undefined element",
        [WAOT_TRAP_UNINIT_ELEMENT] = "uninitialized element",
        [WAOT_TRAP_INDIRECT_TYPE] = "indirect call type mismatch",
        [WAOT_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
        [WAOT_TRAP_HOST] = "host function failed",
        [WAOT_TRAP_TIMEOUT] = "timeout",
    };
    if ((unsigned)trap >= WAOT_TRAP_COUNT)
        return "unknown trap";
    return messages[trap];
}
