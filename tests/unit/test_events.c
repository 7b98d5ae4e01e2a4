/* The event log: events emitted from any thread come out in (phase, person, order) order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/events.h"

static void merge_orders_by_phase_person_and_sequence(void **state)
{
    (void)state;
    event_log log;
    assert_int_equal(events_init(&log, 3), ATTUNE_OK);
    events_begin_week(&log);
    events_emit(&log, 2, 1, 5, "b", 30, UINT32_MAX, 0, "");
    events_emit(&log, 0, 2, 5, "c", 1, UINT32_MAX, 0, "");
    events_emit(&log, 1, 1, 5, "a1", 7, 8, 1.5, "x");
    events_emit(&log, 1, 1, 5, "a2", 7, 9, 2.5, "y");
    events_emit(&log, 0, 1, 5, "z", 2, UINT32_MAX, 0, "");
    assert_int_equal(events_finish_week(&log), ATTUNE_OK);
    const char *order[] = {"z", "a1", "a2", "b", "c"};
    assert_int_equal(log.week_count, 5);
    for (size_t k = 0; k < 5; k++)
        assert_string_equal(log.week_events[k].type, order[k]);
    assert_int_equal(log.week_events[1].other, 8);
    events_begin_week(&log);
    assert_int_equal(events_finish_week(&log), ATTUNE_OK);
    assert_int_equal(log.week_count, 0);
    events_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(merge_orders_by_phase_person_and_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
