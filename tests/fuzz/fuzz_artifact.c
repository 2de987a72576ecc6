/*
 * libFuzzer target: rt_module_open_memory on arbitrary bytes. A corrupt or foreign cache
 * file must be refused with WAOT_E_ARTIFACT (or WAOT_E_NOMEM), never crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt_module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct waot_error err = {0};
    struct rt_module *m = rt_module_open_memory(data, size, &err);
    if (m) {
        rt_module_destroy(m);
        return 0;
    }
    if (err.code != WAOT_E_ARTIFACT && err.code != WAOT_E_NOMEM) {
        fprintf(stderr, "fuzz_artifact: refused with code %d, not WAOT_E_ARTIFACT: %s\n",
                (int)err.code, err.msg);
        abort();
    }
    return 0;
}
