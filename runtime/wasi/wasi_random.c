/*
 * random_get: bytes from the kernel's CSPRNG (getrandom), written straight into guest
 * memory after the range is checked.
 */
#include <sys/random.h>

#include "wasi_internal.h"

WASI_IMPL(wasi_random_get)
{
    (void)err;
    uint32_t len = ARG32(1);
    uint8_t *p = wasi_mem_ptr(&w->mem, ARG32(0), len);
    if (!p)
        return WASI_EFAULT;
    uint32_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(p + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return (int)wasi_errno_last();
        }
        done += (uint32_t)n;
    }
    return 0;
}
