/* libFuzzer target: the sweep-file parser and design builder must reject any input cleanly
 * (no crash, no leak, no undefined behaviour) and build designs of the size they promise; the
 * same input is read as a calibration file too (the same parser with [calibrate]). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "attune/calibrate.h"
#include "attune/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attune_sweep *sw = NULL;
    attune_error err;
    if (attune_sweep_load_buffer((const char *)data, size, "fuzz-sweep.ini", 0, &sw, &err) ==
        ATTUNE_OK) {
        size_t runs = attune_sweep_run_count(sw);
        if (runs == 0 || runs % attune_sweep_point_count(sw) != 0)
            abort();
        for (size_t f = 0; f < attune_sweep_factor_count(sw); f++)
            if (attune_sweep_factor_name(sw, f) == NULL)
                abort();
    }
    attune_sweep_free(sw);
    sw = NULL;
    if (attune_calibration_load_buffer((const char *)data, size, "fuzz-calibration.ini", 0, &sw,
                                       &err) == ATTUNE_OK &&
        (!attune_sweep_is_calibration(sw) || attune_sweep_run_count(sw) == 0))
        abort();
    attune_sweep_free(sw);
    return 0;
}
