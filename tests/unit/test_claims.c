/* The statistics the claim experiments compute that can be checked on made-up series: the
 * setbacks of C11 (a rise of 0.05 above an episode's low, then a fall of 0.05 from that high). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "experiments/stats.h"

/* The number of setbacks stats_setback_step reports over a series. */
static int setbacks_in(const float *w, size_t n)
{
    float low = w[0], high = w[0];
    int count = 0;
    for (size_t k = 1; k < n; k++)
        count += stats_setback_step(&low, &high, w[k], 0.05);
    return count;
}

/* C11 (docs/claims.md): a setback is a rise of at least 0.05 above the episode's low followed by
 * a fall of at least 0.05 from that high, wherever the fall ends: above the old low, at it, or
 * below it (the worst setbacks). A steady rise, a rise and fall of less than 0.05, or a fall
 * without a rise before it is none. */
static void a_setback_is_a_rise_then_a_fall_wherever_the_fall_ends(void **state)
{
    (void)state;
    const float rise_fall[] = {0.30f, 0.36f, 0.30f};
    const float below_low[] = {0.30f, 0.36f, 0.25f};
    const float far_below[] = {0.30f, 0.40f, 0.10f, 0.12f};
    const float small[] = {0.30f, 0.34f, 0.30f, 0.33f, 0.29f};
    const float steady[] = {0.30f, 0.32f, 0.36f, 0.41f, 0.47f};
    const float fall_first[] = {0.40f, 0.30f, 0.31f, 0.33f};
    const float after_new_low[] = {0.30f, 0.25f, 0.29f, 0.26f, 0.32f, 0.26f};
    assert_int_equal(setbacks_in(rise_fall, 3), 1);
    assert_int_equal(setbacks_in(below_low, 3), 1);
    assert_int_equal(setbacks_in(far_below, 4), 1);
    assert_int_equal(setbacks_in(small, 5), 0);
    assert_int_equal(setbacks_in(steady, 5), 0);
    assert_int_equal(setbacks_in(fall_first, 4), 0);
    /* From the new low 0.25: a rise to 0.29 and fall to 0.26 is none; to 0.32 and back to 0.26
     * is one. */
    assert_int_equal(setbacks_in(after_new_low, 6), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_setback_is_a_rise_then_a_fall_wherever_the_fall_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
