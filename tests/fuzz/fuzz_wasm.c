/*
 * libFuzzer target: wasm_decode + wasm_validate on arbitrary bytes. Any input must end in
 * 0 or -1 with a filled error (never a crash, leak or sanitizer report).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "wasm_module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wasm_module m;
    struct waot_error err = {0};
    if (wasm_decode(&m, data, size, &err) == 0) {
        err.code = 0;
        if (wasm_validate(&m, &err) < 0 && err.msg[0] == '\0') {
            fprintf(stderr, "fuzz_wasm: validate failed without a message\n");
            abort();
        }
    } else if (err.code != WAOT_E_MALFORMED && err.code != WAOT_E_NOMEM &&
               err.code != WAOT_E_UNSUPPORTED && err.code != WAOT_E_INVALID) {
        fprintf(stderr, "fuzz_wasm: decode failed with unexpected code %d: %s\n",
                (int)err.code, err.msg);
        abort();
    }
    wasm_module_destroy(&m);
    return 0;
}
