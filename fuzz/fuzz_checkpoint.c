/* libFuzzer target: the checkpoint reader must reject any damaged input cleanly. */
#include <stddef.h>
#include <stdint.h>

#include "engine/model_internal.h"
#include "io/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attune_model *m = NULL;
    attune_error err;
    checkpoint_info info;
    if (checkpoint_read_buffer(data, size, "fuzz.ckpt", 1, &m, &info, &err) == ATTUNE_OK) {
        /* A checkpoint that reads must describe a model that can step. */
        attune_model_step(m, &err);
        attune_model_free(m);
    }
    return 0;
}
