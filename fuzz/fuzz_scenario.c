/* libFuzzer target: the scenario parser must reject any input cleanly (no crash, no leak). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "attune/attune.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attune_scenario *s = NULL;
    if (attune_scenario_create(&s) != ATTUNE_OK)
        return 0;
    attune_error err;
    if (attune_scenario_load_buffer(s, (const char *)data, size, "fuzz.ini", &err) == ATTUNE_OK) {
        /* What parsed must also validate or be refused with a message, and print back. */
        attune_scenario_validate(s, &err);
        char *text = NULL;
        if (attune_scenario_to_ini(s, &text) == ATTUNE_OK)
            attune_scenario_load_string(s, text, "roundtrip.ini", &err);
        free(text);
    }
    attune_scenario_free(s);
    return 0;
}
