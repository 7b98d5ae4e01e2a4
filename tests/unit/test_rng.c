/* Counter-based randomness: pure functions of their counters, symmetric for pairs, uniform. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/rng.h"

static void draws_are_pure_functions_of_counters(void **state)
{
    (void)state;
    rng_key k = rng_key_from_seed(12345);
    uint32_t a[4], b[4], c[4];
    rng_draw4(k, 3, STREAM_MEET, 10, 20, a);
    rng_draw4(k, 3, STREAM_MEET, 10, 20, b);
    for (int i = 0; i < 4; i++)
        assert_int_equal(a[i], b[i]);
    rng_draw4(k, 4, STREAM_MEET, 10, 20, c);
    assert_int_not_equal(a[0], c[0]);
    rng_draw4(rng_key_from_seed(12346), 3, STREAM_MEET, 10, 20, c);
    assert_int_not_equal(a[0], c[0]);
    /* The high word of a 64-bit seed matters too. */
    rng_draw4(rng_key_from_seed(12345 + (1ull << 32)), 3, STREAM_MEET, 10, 20, c);
    assert_int_not_equal(a[0], c[0]);
}

/* A sequence started at counter b draws the blocks b, b + 1, ... of its (week, stream, a), each
 * block's words last to first: sequences kept apart by the counter's high bits (an
 * intervention's draws) share no block. */
static void sequences_started_at_a_counter_draw_its_blocks(void **state)
{
    (void)state;
    rng_key k = rng_key_from_seed(7);
    rng_seq s = rng_seq_start_at(k, 5, STREAM_INTERVENTION, 42, 2u << 16);
    for (uint32_t b = 2u << 16; b < (2u << 16) + 3; b++) {
        uint32_t w[4];
        rng_draw4(k, 5, STREAM_INTERVENTION, 42, b, w);
        for (int q = 3; q >= 0; q--)
            assert_int_equal(rng_seq_next(&s), w[q]);
    }
    rng_seq zero = rng_seq_start(k, 5, STREAM_INTERVENTION, 42);
    rng_seq at0 = rng_seq_start_at(k, 5, STREAM_INTERVENTION, 42, 0);
    rng_seq other = rng_seq_start_at(k, 5, STREAM_INTERVENTION, 42, 1u << 16);
    uint32_t first = rng_seq_next(&zero);
    assert_int_equal(rng_seq_next(&at0), first);
    assert_int_not_equal(rng_seq_next(&other), first);
}

static void uniforms_and_normals_have_the_right_moments(void **state)
{
    (void)state;
    rng_seq s = rng_seq_start(rng_key_from_seed(1), 0, 9, 0);
    double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = rng_seq_u01(&s);
        assert_true(u > 0 && u < 1);
        sum += u;
        sum2 += u * u;
        double z = rng_seq_normal(&s);
        nsum += z;
        nsum2 += z * z;
    }
    double mean = sum / n, var = sum2 / n - mean * mean;
    assert_true(fabs(mean - 0.5) < 0.005);
    assert_true(fabs(var - 1.0 / 12) < 0.002);
    assert_true(fabs(nsum / n) < 0.01);
    assert_true(fabs(nsum2 / n - 1) < 0.02);
}

static void poisson_and_below_are_unbiased(void **state)
{
    (void)state;
    rng_seq s = rng_seq_start(rng_key_from_seed(2), 0, 9, 0);
    double sum = 0;
    uint32_t counts[5] = {0};
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        sum += rng_poisson(2.5, rng_seq_next(&s));
        counts[rng_below(rng_seq_next(&s), 5)]++;
    }
    assert_true(fabs(sum / n - 2.5) < 0.03);
    for (int k = 0; k < 5; k++)
        assert_true(fabs(counts[k] / (double)n - 0.2) < 0.01);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(draws_are_pure_functions_of_counters),
        cmocka_unit_test(sequences_started_at_a_counter_draw_its_blocks),
        cmocka_unit_test(uniforms_and_normals_have_the_right_moments),
        cmocka_unit_test(poisson_and_below_are_unbiased),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
