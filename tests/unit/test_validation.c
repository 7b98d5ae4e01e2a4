/* Validation statistics: Kaplan-Meier dose-response and alliance-outcome correlation from
 * synthetic therapy events (T4, T5), the odds ratio and three-way class (T2, T3), the
 * combination of replicates into a mean, interval, distance and pass, and the drift of the
 * indicators of a steady state. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "attune/attune.h"
#include "attune/params.h"
#include "experiments/validation_internal.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void kaplan_meier_counts_censored_courses_until_they_leave(void **state)
{
    (void)state;
    /* Improved at session 2 and 8; followed to sessions 4 and 10 without improving. */
    uint32_t time[4] = {2, 4, 8, 10};
    uint8_t event[4] = {1, 0, 1, 0};
    /* S(2) = 3/4; at session 8 two are at risk and one improves: S(8) = 3/4 x 1/2. */
    NEAR(km_share_by(time, event, 4, 1), 0.0);
    NEAR(km_share_by(time, event, 4, 2), 0.25);
    NEAR(km_share_by(time, event, 4, 7), 0.25);
    NEAR(km_share_by(time, event, 4, 8), 0.625);
    NEAR(km_share_by(time, event, 4, 10), 0.625);
    /* Beyond the last follow-up (censored) the curve is undefined. */
    assert_true(isnan(km_share_by(time, event, 4, 11)));
    /* Everyone improved early: the share is 1 however far one looks. */
    uint32_t early[3] = {1, 2, 3};
    uint8_t all[3] = {1, 1, 1};
    NEAR(km_share_by(early, all, 3, 26), 1.0);
    /* Without censoring it is the plain share. */
    uint32_t t5[5] = {1, 3, 9, 30, 30};
    uint8_t e5[5] = {1, 1, 1, 0, 0};
    NEAR(km_share_by(t5, e5, 5, 8), 0.4);
    NEAR(km_share_by(t5, e5, 5, 26), 0.6);
    assert_true(isnan(km_share_by(t5, e5, 0, 8)));
}

static void emit(therapy_tracker *t, int32_t week, const char *type, uint32_t person, double value,
                 const char *detail)
{
    attune_event e = {week, type, person, 7, value, detail};
    assert_int_equal(therapy_tracker_event(t, &e), ATTUNE_OK);
}

/* A course: start at `baseline`, then sessions with the given well-being and alliance. */
static void course(therapy_tracker *t, int32_t week, uint32_t client, double baseline,
                   const double *w, const double *alliance, int sessions, int ended)
{
    emit(t, week, "therapy_start", client, baseline, "");
    for (int s = 0; s < sessions; s++) {
        char detail[64];
        snprintf(detail, sizeof detail, "alliance=%.3f;rupture=0;repaired=0", alliance[s]);
        /* The detail must outlive the call only during it: the tracker copies the value. */
        emit(t, week + 1 + s, "therapy_session", client, w[s], detail);
    }
    if (ended)
        emit(t, week + 1 + sessions, "therapy_end", client, sessions, "max_sessions");
}

static void dose_response_uses_the_reliable_change_index(void **state)
{
    (void)state;
    therapy_tracker t;
    therapy_tracker_init(&t);
    therapy_stats s;
    therapy_stats_compute(&t, 0, 0.85, &s);
    assert_true(isnan(s.improved8) && isnan(s.alliance_r));
    assert_string_equal(s.note_dose, "no therapy sessions in the run");

    /* Baselines 0.2, 0.4, 0.2, 0.4: SD = 0.11547, S_diff = sqrt(2) 0.11547 sqrt(1 - 0.85) =
     * 0.063246; a reliable change is 1.96 S_diff = 0.12396 or more. */
    double a[30];
    for (int k = 0; k < 30; k++)
        a[k] = 0.5;
    double w1[10] = {0.2, 0.25, 0.3, 0.32, 0.36, 0.36, 0.36, 0.36, 0.36, 0.36}; /* +0.16 at 5 */
    double w2[30];
    for (int k = 0; k < 30; k++)
        w2[k] = k < 19 ? 0.45 : 0.56; /* +0.16 at session 20 */
    double w3[3] = {0.25, 0.3, 0.3};  /* never: followed to session 3 */
    double w4[12] = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};
    course(&t, 10, 1, 0.2, w1, a, 10, 1);
    course(&t, 10, 2, 0.4, w2, a, 30, 1);
    course(&t, 12, 3, 0.2, w3, a, 3, 1);
    course(&t, 12, 4, 0.4, w4, a, 12, 0); /* still in therapy at the end: censored at 12 */
    /* A course that began before the measured weeks, and a session without a start. */
    course(&t, 1, 5, 0.9, w4, a, 12, 1);
    emit(&t, 50, "therapy_session", 9, 0.5, "alliance=0.5");
    assert_int_equal(t.orphans, 1);
    therapy_stats_compute(&t, 5, 0.85, &s);
    assert_true(s.courses == 4);
    /* Course 3 leaves after session 3; at session 5 three are at risk and one improves: 1/3.
     * Course 4 leaves after 12; at session 20 course 2 alone is at risk and improves: 1. */
    NEAR(s.improved8, 1.0 / 3.0);
    NEAR(s.improved26, 1.0);
    therapy_tracker_free(&t);
}

static void alliance_outcome_correlation_over_ended_courses(void **state)
{
    (void)state;
    therapy_tracker t;
    therapy_tracker_init(&t);
    /* Change = alliance exactly (w = baseline + alliance at the last session): r = 1. */
    for (uint32_t c = 0; c < 6; c++) {
        double baseline = 0.2 + 0.02 * c, al = 0.1 * (c + 1);
        double w[2] = {baseline, baseline + al};
        double alliance[2] = {al - 0.05, al + 0.05}; /* mean = al */
        course(&t, 20, c, baseline, w, alliance, 2, 1);
    }
    /* An unended course does not enter the correlation. */
    double w[2] = {0.9, 0.1}, alliance[2] = {0.9, 0.9};
    course(&t, 20, 99, 0.5, w, alliance, 2, 0);
    therapy_stats s;
    therapy_stats_compute(&t, 0, 0.85, &s);
    NEAR(s.alliance_r, 1.0);
    assert_true(s.ended == 6);
    therapy_tracker_free(&t);

    /* Two ended courses are too few. */
    therapy_tracker_init(&t);
    course(&t, 20, 1, 0.2, w, alliance, 2, 1);
    course(&t, 20, 2, 0.3, w, alliance, 2, 1);
    therapy_stats_compute(&t, 0, 0.85, &s);
    assert_true(isnan(s.alliance_r));
    assert_non_null(s.note_alliance);
    therapy_tracker_free(&t);
}

static void odds_ratio_and_three_way_class(void **state)
{
    (void)state;
    NEAR(odds_ratio(20, 80, 5, 95), 20.0 * 95 / (80.0 * 5));
    /* A zero cell: 0.5 added to every cell. */
    NEAR(odds_ratio(10, 0, 5, 5), 10.5 * 5.5 / (0.5 * 5.5));
    assert_true(isnan(odds_ratio(0, 0, 5, 5)));
    /* dismissing above 0.4 (if above anxiety), preoccupied above 0.3. */
    assert_int_equal(adult_class_three_way(0.1, 0.1, 0.4, 0.3), 0);
    assert_int_equal(adult_class_three_way(0.2, 0.5, 0.4, 0.3), 1);
    assert_int_equal(adult_class_three_way(0.6, 0.5, 0.4, 0.3), 2);
    assert_int_equal(adult_class_three_way(0.35, 0.35, 0.4, 0.3), 2);
}

static void replicates_combine_into_mean_interval_and_pass(void **state)
{
    (void)state;
    attune_target_result r;
    double v[3] = {0.50, 0.52, 0.54}, n[3] = {100, 200, 300};
    assert_int_equal(attune_target_combine(0, v, n, NULL, 3, &r), ATTUNE_OK);
    assert_string_equal(r.info->id, "T1.secure");
    NEAR(r.simulated, 0.52);
    /* t(0.975, 2) = 4.3027, SE = 0.02 / sqrt(3). */
    assert_true(fabs(r.ci_high - 0.52 - 4.302653 * 0.02 / sqrt(3.0)) < 1e-5);
    NEAR(r.n, 200);
    NEAR(r.distance, (0.52 - 0.516) / 0.05);
    assert_true(r.passed);
    assert_string_equal(r.note, "");

    /* Outside the tolerance fails, however narrow the interval. */
    double far[2] = {0.60, 0.60};
    attune_target_combine(0, far, NULL, NULL, 2, &r);
    assert_false(r.passed);

    /* The odds ratio is averaged on the log scale: 4 and 16 give 8. */
    int part = attune_target_find("T3.coping_or");
    assert_int_equal(part, PART_T3_COPING_OR);
    double ors[2] = {4, 16};
    attune_target_combine((size_t)part, ors, NULL, NULL, 2, &r);
    NEAR(r.simulated, 8);
    assert_true(r.passed);
    double high[2] = {13, 13};
    attune_target_combine((size_t)part, high, NULL, NULL, 2, &r);
    assert_false(r.passed);
    /* Its band [4, 12] is the tolerance on the log scale: the ends are at distance -1 and 1. */
    const attune_target_info *or_info = attune_target_at((size_t)part);
    double low, hi;
    attune_target_band(or_info, &low, &hi);
    NEAR(low, 4);
    NEAR(hi, 12);
    NEAR(attune_target_distance(or_info, 12), 1);
    NEAR(attune_target_distance(or_info, 4), -1);
    NEAR(attune_target_distance(or_info, 12 * 3), 3);
    assert_true(isnan(attune_target_distance(or_info, 0)));
    NEAR(attune_target_distance(attune_target_at(0), 0.616), 2);

    /* Missing values are left out and said; no value at all fails with the run's note. */
    double some[2] = {NAN, 0.28};
    const char *notes[2] = {"no therapy sessions in the run", NULL};
    attune_target_combine(PART_T5_ALLIANCE, some, NULL, notes, 2, &r);
    assert_int_equal(r.replicates, 1);
    assert_true(r.passed && isinf(r.ci_high));
    assert_string_equal(r.note, "1 of 2 replicates had no value: no therapy sessions in the run");
    double none[2] = {NAN, NAN};
    const char *why[2] = {"no therapy sessions in the run", "no therapy sessions in the run"};
    attune_target_combine(PART_T4_SESSION8, none, NULL, why, 2, &r);
    assert_false(r.passed);
    assert_true(isnan(r.simulated));
    assert_string_equal(r.note, "no therapy sessions in the run");
    assert_int_equal(attune_target_combine(ATTUNE_TARGET_PART_COUNT, v, n, NULL, 3, &r),
                     ATTUNE_ERR_ARGUMENT);
}

static void every_part_has_a_target_and_a_unique_id(void **state)
{
    (void)state;
    assert_int_equal(attune_target_count(), ATTUNE_TARGET_PART_COUNT);
    for (size_t i = 0; i < attune_target_count(); i++) {
        const attune_target_info *t = attune_target_at(i);
        assert_int_equal(attune_target_find(t->id), (int)i);
        assert_true(t->tolerance > 0);
        assert_true(strncmp(t->id, t->target, 2) == 0);
    }
    assert_null(attune_target_at(ATTUNE_TARGET_PART_COUNT));
    assert_int_equal(attune_target_find("T9"), -1);
}

static void drift_is_ten_times_the_least_squares_slope(void **state)
{
    (void)state;
    /* y = 0.3 + 0.004 t: 0.04 a decade, whatever the noise-free intercept. */
    double line[8];
    for (int t = 0; t < 8; t++)
        line[t] = 0.3 + 0.004 * t;
    NEAR(attune_drift_per_decade(line, 8, false), 0.04);
    /* Least squares, not the ends: 1, 3, 2, 4 has slope 0.8 a year. */
    double zigzag[4] = {1, 3, 2, 4};
    NEAR(attune_drift_per_decade(zigzag, 4, false), 8.0);
    /* A flat series, and one that goes up and comes back, do not drift. */
    double flat[5] = {0.2, 0.2, 0.2, 0.2, 0.2}, hump[5] = {0.1, 0.3, 0.5, 0.3, 0.1};
    NEAR(attune_drift_per_decade(flat, 5, false), 0.0);
    NEAR(attune_drift_per_decade(hump, 5, false), 0.0);
    /* Relative: growth by a factor e^0.01 a year is 0.1 a decade on the log scale. */
    double grow[6];
    for (int t = 0; t < 6; t++)
        grow[t] = 1000.0 * exp(0.01 * t);
    NEAR(attune_drift_per_decade(grow, 6, true), 0.1);
    /* No slope from one year, none of the logarithm of nothing. */
    assert_true(isnan(attune_drift_per_decade(line, 1, false)));
    double zero[3] = {1, 0, 1};
    assert_true(isnan(attune_drift_per_decade(zero, 3, true)));
    assert_false(isnan(attune_drift_per_decade(zero, 3, false)));
}

static void drifts_combine_over_replicates_into_steady_or_not(void **state)
{
    (void)state;
    /* distress_share (tolerance 0.02): steady when the 95% interval of the mean drift lies in
     * [-0.02, 0.02]. Drifts 0.015, 0.016, 0.017: interval 0.016 +- 4.303 x 0.001 / sqrt(3) =
     * [0.0135, 0.0185], steady. The level is the mean level; the window the shortest. */
    int d = -1;
    for (size_t k = 0; k < attune_drift_count(); k++)
        if (strcmp(attune_drift_at(k)->id, "distress_share") == 0)
            d = (int)k;
    assert_true(d >= 0);
    double drift[3] = {0.015, 0.016, 0.017}, level[3] = {0.1, 0.2, 0.3};
    int years[3] = {20, 20, 12};
    attune_drift_result r;
    assert_int_equal(attune_drift_combine((size_t)d, drift, level, years, 3, &r), ATTUNE_OK);
    NEAR(r.drift, 0.016);
    NEAR(r.level, 0.2);
    assert_true(fabs(r.ci_low - 0.0135156) < 1e-6 && fabs(r.ci_high - 0.0184844) < 1e-6);
    assert_int_equal(r.years, 12);
    assert_int_equal(r.replicates, 3);
    assert_true(r.steady);
    assert_string_equal(r.note, "");
    /* Mean 0.02 but an interval reaching past it: not steady (judging the mean alone would). */
    double spread[3] = {0.018, 0.02, 0.022};
    assert_int_equal(attune_drift_combine((size_t)d, spread, level, years, 3, &r), ATTUNE_OK);
    assert_false(r.steady);
    /* Replicates that drift apart, one tipping, one healing: mean 0, not steady. */
    double apart[3] = {0.05, 0.0, -0.05};
    assert_int_equal(attune_drift_combine((size_t)d, apart, level, years, 3, &r), ATTUNE_OK);
    NEAR(r.drift, 0.0);
    assert_false(r.steady);
    /* Falling steadily drifts too. */
    double down[3] = {-0.03, -0.03, -0.03};
    assert_int_equal(attune_drift_combine((size_t)d, down, level, years, 3, &r), ATTUNE_OK);
    assert_false(r.steady);
    /* A replicate without a drift is skipped and said. */
    drift[2] = NAN;
    assert_int_equal(attune_drift_combine((size_t)d, drift, level, years, 3, &r), ATTUNE_OK);
    assert_int_equal(r.replicates, 2);
    NEAR(r.drift, 0.0155);
    NEAR(r.level, 0.15);
    assert_int_equal(r.years, 12);
    assert_non_null(strstr(r.note, "1 of 3 replicates had no drift"));
    /* One drift gives no interval: not steady. */
    double one[3] = {0.0, NAN, NAN};
    assert_int_equal(attune_drift_combine((size_t)d, one, level, years, 3, &r), ATTUNE_OK);
    assert_false(r.steady);
    assert_non_null(strstr(r.note, "no interval"));
    /* Runs too short: not judged, not steady. */
    double none[2] = {NAN, NAN};
    int zero_years[2] = {0, 0};
    assert_int_equal(attune_drift_combine((size_t)d, none, level, zero_years, 2, &r), ATTUNE_OK);
    assert_false(r.steady);
    assert_int_equal(r.replicates, 0);
    assert_int_equal(r.years, 0);
    assert_non_null(strstr(r.note, "not judged: runs of fewer than 10 complete years"));
    assert_int_equal(attune_drift_combine(ATTUNE_DRIFT_COUNT, drift, level, years, 3, &r),
                     ATTUNE_ERR_ARGUMENT);
}

static void every_drift_indicator_is_a_metrics_column(void **state)
{
    (void)state;
    assert_int_equal(attune_drift_count(), ATTUNE_DRIFT_COUNT);
    for (size_t k = 0; k < attune_drift_count(); k++) {
        const attune_drift_info *d = attune_drift_at(k);
        int found = 0;
        for (size_t c = 0; c < attune_metric_count(); c++)
            found += strcmp(attune_metric_name(c), d->id) == 0;
        assert_int_equal(found, 1);
        assert_true(d->tolerance > 0);
    }
    assert_null(attune_drift_at(ATTUNE_DRIFT_COUNT));
}

/* attune_validation_observe's contract: a week observed again is not counted twice, neither its
 * steady-state sums nor its events (infant assessments, therapy). A run of 2,000 people for six
 * years observed once a week and one observed twice a week give the same statistics. */
static void a_week_observed_twice_is_counted_once(void **state)
{
    (void)state;
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    assert_int_equal(attune_scenario_set(s, "population.size", "2000", NULL), ATTUNE_OK);
    assert_int_equal(attune_scenario_set(s, "population.community_size", "500", NULL), ATTUNE_OK);
    attune_model *m = NULL;
    attune_error err;
    assert_int_equal(attune_model_create(s, 1, &m, &err), ATTUNE_OK);
    attune_scenario_free(s);
    assert_int_equal(attune_model_init(m, &err), ATTUNE_OK);
    attune_validation_observer *once = NULL, *twice = NULL;
    assert_int_equal(attune_validation_observer_create(0, &once), ATTUNE_OK);
    assert_int_equal(attune_validation_observer_create(0, &twice), ATTUNE_OK);
    assert_int_equal(attune_validation_observe(once, m), ATTUNE_OK);
    assert_int_equal(attune_validation_observe(twice, m), ATTUNE_OK);
    for (int week = 1; week <= 6 * 52; week++) {
        assert_int_equal(attune_model_step(m, &err), ATTUNE_OK);
        assert_int_equal(attune_validation_observe(once, m), ATTUNE_OK);
        assert_int_equal(attune_validation_observe(twice, m), ATTUNE_OK);
        assert_int_equal(attune_validation_observe(twice, m), ATTUNE_OK);
    }
    attune_validation_stats a, b;
    assert_int_equal(attune_validation_finish(once, m, &a), ATTUNE_OK);
    assert_int_equal(attune_validation_finish(twice, m, &b), ATTUNE_OK);
    size_t counted = 0;
    for (size_t k = 0; k < ATTUNE_TARGET_PART_COUNT; k++) {
        assert_true(a.n[k] == b.n[k]);
        assert_true((isnan(a.value[k]) && isnan(b.value[k])) || a.value[k] == b.value[k]);
        counted += a.n[k] > 0;
    }
    for (size_t d = 0; d < ATTUNE_DRIFT_COUNT; d++)
        assert_true((isnan(a.level[d]) && isnan(b.level[d])) || a.level[d] == b.level[d]);
    assert_true(counted >= 5); /* infants, people and courses were counted */
    attune_validation_observer_free(once);
    attune_validation_observer_free(twice);
    attune_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kaplan_meier_counts_censored_courses_until_they_leave),
        cmocka_unit_test(dose_response_uses_the_reliable_change_index),
        cmocka_unit_test(alliance_outcome_correlation_over_ended_courses),
        cmocka_unit_test(odds_ratio_and_three_way_class),
        cmocka_unit_test(replicates_combine_into_mean_interval_and_pass),
        cmocka_unit_test(every_part_has_a_target_and_a_unique_id),
        cmocka_unit_test(drift_is_ten_times_the_least_squares_slope),
        cmocka_unit_test(drifts_combine_over_replicates_into_steady_or_not),
        cmocka_unit_test(every_drift_indicator_is_a_metrics_column),
        cmocka_unit_test(a_week_observed_twice_is_counted_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
