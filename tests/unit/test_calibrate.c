/* Calibration: the ABC distance and acceptance, calibration files (targets, defaults, what the
 * runs depend on), and target statistics surviving the packing of a run's result. The runs,
 * the database and resuming are tested end to end in tests/e2e/validate.sh. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "attune/calibrate.h"
#include "experiments/calibrate_internal.h"
#include "experiments/sweep_internal.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void distance_is_the_rms_of_tolerance_units(void **state)
{
    (void)state;
    int parts[2] = {attune_target_find("T1.secure"), attune_target_find("T2.secure")};
    double sim[2] = {0.516 + 0.05, 0.58 - 0.06}; /* one tolerance above, one below */
    NEAR(abc_distance(sim, parts, 2), 1.0);
    double sim2[2] = {0.516, 0.58 + 0.12}; /* 0 and 2: sqrt((0 + 4) / 2) */
    NEAR(abc_distance(sim2, parts, 2), sqrt(2.0));
    double missing[2] = {0.5, NAN};
    assert_true(isnan(abc_distance(missing, parts, 2)));
    assert_true(isnan(abc_distance(sim, parts, 0)));
}

static void acceptance_keeps_the_nearest_share_or_those_within_epsilon(void **state)
{
    (void)state;
    const double d[5] = {3, NAN, 1, 2, 1};
    uint32_t rank[5];
    bool acc[5];
    double threshold;
    size_t best;
    /* Four scored; half of them: the two at distance 1, the lower index first. */
    assert_int_equal(abc_accept(d, 5, 0.5, 0, rank, acc, &threshold, &best), 2);
    const uint32_t expect[5] = {4, 0, 1, 3, 2};
    for (int i = 0; i < 5; i++)
        assert_int_equal(rank[i], expect[i]);
    assert_true(acc[2] && acc[4] && !acc[0] && !acc[1] && !acc[3]);
    NEAR(threshold, 1);
    assert_int_equal(best, 2);
    /* A tiny share still accepts the best point. */
    assert_int_equal(abc_accept(d, 5, 0.01, 0, rank, acc, &threshold, &best), 1);
    assert_true(acc[2] && !acc[4]);
    assert_int_equal(abc_accept(d, 5, 1.0, 0, rank, acc, &threshold, &best), 4);
    NEAR(threshold, 3);
    /* Epsilon: every point within it, possibly none. */
    assert_int_equal(abc_accept(d, 5, 0, 2, rank, acc, &threshold, &best), 3);
    assert_true(acc[2] && acc[3] && acc[4] && !acc[0]);
    assert_int_equal(abc_accept(d, 5, 0, 0.5, rank, acc, &threshold, &best), 0);
    assert_true(isnan(threshold));
    assert_int_equal(best, 2);
    /* Nothing scored: nothing accepted, no best. */
    const double none[2] = {NAN, NAN};
    assert_int_equal(abc_accept(none, 2, 0.5, 0, rank, acc, &threshold, &best), 0);
    assert_true(best == SIZE_MAX && rank[0] == 0 && rank[1] == 0);
}

static attune_sweep *load(const char *text)
{
    attune_sweep *sw = NULL;
    attune_error err = {0};
    int rc = attune_calibration_load_buffer(text, strlen(text), "cal.ini", 0, &sw, &err);
    if (rc != ATTUNE_OK)
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    return sw;
}

static void calibration_files_name_targets_and_keep_runs_apart_from_analysis(void **state)
{
    (void)state;
    attune_sweep *sw = load("[calibrate]\nsamples = 5\ntargets = T1, T3.none\nsize = 1000\n"
                            "weeks = 30\n[vary contact.friend]\nmin = 0.1\nmax = 0.5\n");
    assert_true(attune_sweep_is_calibration(sw));
    assert_string_equal(attune_sweep_design(sw), "lhs");
    assert_int_equal(attune_sweep_point_count(sw), 5);
    assert_int_equal(sw->calib.part_count, 5);
    const int parts[5] = {0, 1, 2, 3, attune_target_find("T3.none")};
    for (int k = 0; k < 5; k++)
        assert_int_equal(sw->calib.parts[k], parts[k]);
    NEAR(sw->calib.accept, 0.1);
    assert_false(sw->weekly);
    double size = 0, weeks = 0;
    attune_scenario_get(sw->base, "population.size", &size);
    attune_scenario_get(sw->base, "run.weeks", &weeks);
    assert_true(size == 1000 && weeks == 30);

    /* Other targets or acceptance: the same runs. Another range: other runs. */
    attune_sweep *same = load("[calibrate]\nsamples = 5\ntargets = T2\nepsilon = 0.7\n"
                              "size = 1000\nweeks = 30\n; a comment\n"
                              "[vary contact.friend]\nmin = 0.1\nmax = 0.5\n");
    assert_string_equal(sw->plan, same->plan);
    NEAR(same->calib.epsilon, 0.7);
    attune_sweep *other = load("[calibrate]\nsamples = 5\ntargets = T1\nsize = 1000\n"
                               "weeks = 30\n[vary contact.friend]\nmin = 0.1\nmax = 0.6\n");
    assert_string_not_equal(sw->plan, other->plan);
    attune_sweep_free(sw);
    attune_sweep_free(same);
    attune_sweep_free(other);

    /* A sweep file is not a calibration file, nor the reverse. */
    attune_error err = {0};
    const char *sweep = "[sweep]\ndesign = lhs\nsamples = 4\n[vary contact.friend]\nmin = 0.1\n"
                        "max = 0.5\n";
    assert_int_equal(attune_calibration_load_buffer(sweep, strlen(sweep), "s.ini", 0, &sw, &err),
                     ATTUNE_ERR_SYNTAX);
    assert_int_equal(err.line, 1);
    const char *cal = "[calibrate]\nsamples = 4\ntargets = T1\n[vary contact.friend]\nmin = 0.1\n"
                      "max = 0.5\n";
    assert_int_equal(attune_sweep_load_buffer(cal, strlen(cal), "c.ini", 0, &sw, &err),
                     ATTUNE_ERR_SYNTAX);
    assert_non_null(strstr(err.message, "attune calibrate"));
}

/* Every calibration file committed in scenarios/calibration/ loads: its [set] keys and values,
 * varied parameters and targets are valid at the current parameter table (docs/validation.md
 * cites them as the record of how the defaults were reached). */
static void committed_calibration_files_load(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/scenarios/calibration", ATTUNE_SOURCE_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int loaded = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".ini") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        attune_sweep *sw = NULL;
        attune_error err = {0};
        if (attune_calibration_load(path, 0, &sw, &err) != ATTUNE_OK)
            fail_msg("%s: %s:%d: %s", e->d_name, err.file, err.line, err.message);
        attune_sweep_free(sw);
        loaded++;
    }
    closedir(d);
    /* adversity, adversity-steady, attachment, attachment-steady, therapy, therapy-steady */
    assert_true(loaded >= 6);
}

static void target_statistics_survive_packing(void **state)
{
    (void)state;
    attune_sweep_result r = {0};
    double values[2] = {1, 2}, stats[2 * ATTUNE_TARGET_PART_COUNT];
    for (size_t k = 0; k < 2 * ATTUNE_TARGET_PART_COUNT; k++)
        stats[k] = k == 3 ? NAN : (double)k / 7;
    r.run_id = 9;
    r.columns = 2;
    r.rows = 1;
    r.values = values;
    r.stat_count = 2 * ATTUNE_TARGET_PART_COUNT;
    r.stats = stats;
    unsigned char *buf = NULL;
    size_t size = 0;
    assert_int_equal(attune_sweep_result_pack(&r, &buf, &size), ATTUNE_OK);
    attune_sweep_result *back = NULL;
    assert_int_equal(attune_sweep_result_unpack(buf, size, &back), ATTUNE_OK);
    assert_int_equal(back->stat_count, r.stat_count);
    for (size_t k = 0; k < r.stat_count; k++)
        assert_true(k == 3 ? isnan(back->stats[k]) : back->stats[k] == stats[k]);
    attune_sweep_result_free(back);
    /* A truncated buffer is refused. */
    assert_int_equal(attune_sweep_result_unpack(buf, size - sizeof(double), &back),
                     ATTUNE_ERR_CORRUPT);
    free(buf);
}

static void indented_calibration_files_load(void **state)
{
    (void)state;
    attune_sweep *sw =
        load("[calibrate]\n    samples = 5\n    targets = T1\n    size = 1000\n"
             "    weeks = 30\n[vary contact.friend]\n    min = 0.1\n    max = 0.5\n");
    assert_int_equal(attune_sweep_point_count(sw), 5);
    double size = 0, weeks = 0;
    attune_scenario_get(sw->base, "population.size", &size);
    attune_scenario_get(sw->base, "run.weeks", &weeks);
    assert_true(size == 1000 && weeks == 30);
    attune_sweep_free(sw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indented_calibration_files_load),
        cmocka_unit_test(distance_is_the_rms_of_tolerance_units),
        cmocka_unit_test(acceptance_keeps_the_nearest_share_or_those_within_epsilon),
        cmocka_unit_test(calibration_files_name_targets_and_keep_runs_apart_from_analysis),
        cmocka_unit_test(target_statistics_survive_packing),
        cmocka_unit_test(committed_calibration_files_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
