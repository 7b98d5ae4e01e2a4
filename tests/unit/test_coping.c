/* Coping, insight and integration, release (docs/ODD.md 7.3b, 7.3c, 7.4): each mechanism is
 * checked on a small town whose state the test sets, by calling the process functions of
 * src/model/processes.h directly, against the equations of the ODD and of the source files'
 * header comments, with expected values derived from m->p. What test_model.c,
 * test_relationships.c, test_wounds.c and test_network.c already check is not repeated here. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/model_internal.h"
#include "model/processes.h"
#include "small_town.h"

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* A number in [0, 1) spread over ids (the fractional part of id x a golden-ratio step). */
static double spread(uint32_t i, double step)
{
    double x = (double)i * step;
    return x - floor(x);
}

/* Nobody copes, and no habit or run of calm weeks is left. */
static void clear_coping(attune_model *m)
{
    people *pp = &m->people;
    for (uint32_t i = 0; i < pp->count; i++) {
        pp->coping_form[i] = COPING_NONE;
        pp->coping[i] = 0;
        pp->coping_habit[i] = 0;
        pp->coping_calm_run[i] = 0;
    }
}

/* S of ODD 7.3b, worked out here: the sum over i's ties of kind weight x (1 + trust)/2 x
 * contact, a ruptured tie at rupture.contact_factor; a teacher's students and a therapist's
 * clients are not counted unless `professional`. */
static double support_counted(const attune_model *m, uint32_t i, int professional)
{
    const tie_store *t = &m->ties;
    double s = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        if (!professional && (t->kind[h] == ATTUNE_TIE_STUDENT || t->kind[h] == ATTUNE_TIE_CLIENT))
            continue;
        double contact =
            t->contact[h] * ((t->rupture[h] & TIE_RUPTURED) ? m->p->rupture_contact_factor : 1.0);
        s += m->kind_weight[t->kind[h]] * (1.0 + t->trust[h]) / 2.0 * contact;
    }
    return s;
}

static double support_one_can_count_on(const attune_model *m, uint32_t i)
{
    return support_counted(m, i, 0);
}

/* Number of events of `type` by `person` in the last merged week; the last one in *last. */
static int count_events(const attune_model *m, const char *type, uint32_t person,
                        const attune_event **last)
{
    int k = 0;
    for (size_t e = 0; e < m->events.week_count; e++) {
        const attune_event *ev = &m->events.week_events[e];
        if (ev->person == person && strcmp(ev->type, type) == 0) {
            k++;
            if (last != NULL)
                *last = ev;
        }
    }
    return k;
}

/* One week of a single process's events: begin, run, merge. */
#define WITH_EVENTS(m, call)                                                                       \
    do {                                                                                           \
        events_begin_week(&(m)->events);                                                           \
        call;                                                                                      \
        assert_int_equal(events_finish_week(&(m)->events), ATTUNE_OK);                             \
    } while (0)

/* ------------------------------------------------------------------------------------------ */
/* Coping (ODD 7.3b)                                                                           */

/* ODD 7.3b: urge = (distress_need need + distress_affect max(0, -affect) + distress_stress
 * stress) (1 - support_buffer S/(S+1)) (1 - insight.urge_relief integration), S the support
 * one can count on (trust, contact, ruptures as in support_one_can_count_on). With no noise and
 * no liability, everyone of 10 or more whose urge exceeds coping.onset_threshold starts coping
 * at intensity (urge - stop)/(1 - stop), stop = coping.stop_threshold (no habit), and nobody
 * else does: the intensity at onset measures the urge, which is checked person by person over
 * a town with need, affect, stress, trust, ruptures and integration spread. */
static void the_urge_is_distress_buffered_by_support_and_relieved_by_integration(void **state)
{
    (void)state;
    /* a town of 4,000: enough teachers to set between the bars */
    const char *const settings[] = {
        "coping.urge_noise", "0", "coping.liability_sd", "0", "population.size", "4000", NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    clear_coping(m);
    /* A third of the town expects no contact at all (its own halves only: only i's halves
     * count toward i's support), a third a fifth of it. */
    for (uint32_t i = 0; i < pp->count; i++) {
        pp->unmet_need[i] = (float)(0.5 + 0.5 * spread(i, 0.6180339887));
        pp->affect[i] = (float)(-1.0 + 1.5 * spread(i, 0.3772));
        pp->stress[i] = (float)spread(i, 0.2914);
        pp->integration[i] = (float)(0.25 * (i % 4));
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            t->trust[h] = (float)spread(h, 0.7548776662);
            t->rupture[h] = (h < t->twin[h] ? h : t->twin[h]) % 5 == 0; /* alike at both ends */
            t->contact[h] *= i % 3 == 0 ? 0.0f : i % 3 == 1 ? 0.2f : 1.0f;
        }
    }
    /* Teachers whose students, were they support, would keep them below the bar: no contact
     * expected on their other ties, and their distress (unmet need alone) set between the two
     * bars. */
    const double bar = p->coping_onset_threshold, buffer = p->coping_support_buffer;
    uint32_t teachers = 0;
    uint8_t *set_between = calloc(pp->count, 1);
    assert_non_null(set_between);
    for (uint32_t i = 0; i < pp->count; i++) {
        if (!pp->alive[i] || pp->role[i] != ATTUNE_ROLE_TEACHER)
            continue;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            if (t->kind[h] != ATTUNE_TIE_STUDENT)
                t->contact[h] = 0;
        double own = support_counted(m, i, 0), all = support_counted(m, i, 1);
        double kept_own = 1.0 - buffer * own / (own + 1.0),
               kept_all = 1.0 - buffer * all / (all + 1.0);
        double distress = bar / (0.5 * (kept_own + kept_all));
        if (all <= own || distress / p->coping_distress_need > 1)
            continue;
        pp->unmet_need[i] = (float)(distress / p->coping_distress_need);
        pp->affect[i] = 0;
        pp->stress[i] = 0;
        pp->integration[i] = 0;
        set_between[i] = 1;
        teachers++;
    }
    const int32_t week = 1;
    coping_update(m, week);
    uint32_t teachers_started = 0;
    for (uint32_t i = 0; i < pp->count; i++)
        teachers_started += set_between[i] && pp->coping_form[i] != COPING_NONE;
    print_message("%u teachers set between the bars with and without their students, %u of them "
                  "started coping\n",
                  teachers, teachers_started);
    assert_true(teachers >= 5 && teachers_started == teachers);
    free(set_between);
    const double stop = p->coping_stop_threshold;
    uint32_t started = 0, not_started = 0, lonely_started = 0, lonely = 0;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (!pp->alive[i])
            continue;
        if (person_age_at(m, i, week) < 10) {
            assert_int_equal(pp->coping_form[i], COPING_NONE);
            continue;
        }
        double bad = pp->affect[i] < 0 ? -(double)pp->affect[i] : 0.0;
        double distress = p->coping_distress_need * pp->unmet_need[i] +
                          p->coping_distress_affect * bad +
                          p->coping_distress_stress * pp->stress[i];
        double s = support_one_can_count_on(m, i);
        double urge = distress * (1.0 - p->coping_support_buffer * s / (s + 1.0)) *
                      (1.0 - p->insight_urge_relief * pp->integration[i]);
        if (fabs(urge - p->coping_onset_threshold) < 1e-5)
            continue; /* too close to call in float */
        if (urge > p->coping_onset_threshold) {
            started++;
            assert_int_not_equal(pp->coping_form[i], COPING_NONE);
            expect_near(pp->coping[i], clamp((urge - stop) / (1.0 - stop), 0, 1), 1e-5);
        } else {
            not_started++;
            assert_int_equal(pp->coping_form[i], COPING_NONE);
            assert_true(pp->coping[i] == 0);
        }
        /* The same distress without support, and without integration, would have started. */
        if (distress > p->coping_onset_threshold && pp->integration[i] == 0) {
            lonely++;
            lonely_started += urge > p->coping_onset_threshold;
        }
    }
    print_message("onsets %u, no onset %u; of those whose distress alone exceeds the bar, %u of "
                  "%u started\n",
                  started, not_started, lonely_started, lonely);
    assert_true(started > 50 && not_started > 500);
    assert_true(lonely > 50 && lonely_started < lonely);
    attune_model_free(m);
}

/* ODD 7.3b: the liability L is added to the urge after the buffer and the relief: "support does
 * not buffer it and integration does not relieve it", and it is a standard normal deviate times
 * coping.liability_sd fixed for life. With no distress, no noise and both bars at 0, the
 * intensity at onset is the urge, max(0, liability): its mean over the town is liability_sd /
 * sqrt(2 pi) (within 4 standard errors) and half the people have a positive one; with full
 * trust on every tie and integration 1, a week later, every intensity is the same to the bit. */
static void the_liability_is_neither_buffered_by_support_nor_relieved_by_integration(void **state)
{
    (void)state;
    static const char *const settings[] = {"coping.urge_noise",
                                           "0",
                                           "coping.onset_threshold",
                                           "0",
                                           "coping.stop_threshold",
                                           "0",
                                           "coping.distress_need",
                                           "0",
                                           "coping.distress_affect",
                                           "0",
                                           "coping.distress_stress",
                                           "0",
                                           NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t n = pp->count;
    assert_true(p->coping_liability_sd > 0);
    float *first = malloc(n * sizeof *first);
    assert_non_null(first);
    for (uint32_t i = 0; i < n; i++)
        pp->integration[i] = 0;
    clear_coping(m);
    coping_update(m, 1);
    double sum = 0, sum2 = 0;
    uint32_t eligible = 0, positive = 0;
    for (uint32_t i = 0; i < n; i++) {
        first[i] = pp->coping[i];
        if (!pp->alive[i] || person_age_at(m, i, 1) < 10)
            continue;
        assert_int_equal(pp->coping_form[i] != COPING_NONE, pp->coping[i] > 0);
        eligible++;
        positive += pp->coping[i] > 0;
        sum += pp->coping[i];
        sum2 += (double)pp->coping[i] * pp->coping[i];
    }
    /* E max(0, sd Z) = sd / sqrt(2 pi); E max(0, sd Z)^2 = sd^2 / 2. */
    double sd = p->coping_liability_sd, mean = sd / sqrt(2.0 * acos(-1.0));
    double se = sqrt(sd * sd / 2.0 - mean * mean) / sqrt((double)eligible);
    print_message("mean max(0, liability) %.5f (expected %.5f, se %.5f); positive %u of %u\n",
                  sum / eligible, mean, se, positive, eligible);
    expect_near(sum / eligible, mean, 4 * se);
    /* Var max(0, sd Z)^2 = sd^4 (3/2 - 1/4). */
    expect_near(sum2 / eligible, sd * sd / 2.0, 4 * sd * sd * sqrt(1.25 / eligible));
    expect_near((double)positive / eligible, 0.5, 4 * 0.5 / sqrt((double)eligible));
    /* Full support and integration, another week: the same urge. */
    for (uint32_t i = 0; i < n; i++) {
        pp->integration[i] = 1;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            t->trust[h] = 1, t->rupture[h] = 0;
    }
    clear_coping(m);
    coping_update(m, 2);
    for (uint32_t i = 0; i < n; i++)
        if (pp->alive[i] && person_age_at(m, i, 1) >= 10)
            assert_true(pp->coping[i] == first[i]);
    free(first);
    attune_model_free(m);
}

/* Urge = coping.distress_need x unmet need: no affect, stress, support, noise or liability. */
static const char *const plain_urge[] = {"coping.distress_affect",
                                         "0",
                                         "coping.distress_stress",
                                         "0",
                                         "coping.support_buffer",
                                         "0",
                                         "coping.urge_noise",
                                         "0",
                                         "coping.liability_sd",
                                         "0",
                                         NULL};

/* Sets i's unmet need so that the plain urge is `urge`. */
static void set_urge(attune_model *m, uint32_t i, double urge)
{
    m->people.unmet_need[i] = (float)(urge / m->p->coping_distress_need);
    m->people.integration[i] = 0;
}

/* ODD 7.3b, hysteresis through habit: coping ends when the urge stays below stop =
 * coping.stop_threshold - coping.habit_hysteresis x habit for coping.stop_weeks consecutive
 * weeks. Adults who cope with a habit of 0.8 (held there) go on for three times stop_weeks at
 * an urge halfway between the lowered stop and stop_threshold, where those without habit stop
 * after exactly stop_weeks weeks; below the lowered stop they too stop after stop_weeks weeks,
 * and a week at or above the stop in a run of calm weeks starts the count again. */
static void habit_lowers_the_bar_below_which_coping_ends(void **state)
{
    (void)state;
    attune_model *m = small_town(plain_urge);
    const attune_params *p = m->p;
    people *pp = &m->people;
    const double habit = 0.8,
                 lowered = p->coping_stop_threshold - p->coping_habit_hysteresis * habit;
    assert_true(lowered < p->coping_stop_threshold - 0.05);
    clear_coping(m);
    /* Adults, each of the two groups half of them: odd ids with habit, even ids without. */
    uint32_t adults = 0;
    int32_t week = 1;
    for (uint32_t i = 0; i < pp->count; i++)
        adults += pp->alive[i] && person_age_at(m, i, 1) >= 18;
    assert_true(adults > 1000);
#define ADULT(i) (pp->alive[i] && person_age_at(m, i, 1) >= 18)
    for (uint32_t i = 0; i < pp->count; i++)
        if (ADULT(i))
            set_urge(m, i, p->coping_onset_threshold + 0.05);
    coping_update(m, week++);
    for (uint32_t i = 0; i < pp->count; i++)
        if (ADULT(i))
            assert_int_not_equal(pp->coping_form[i], COPING_NONE);
    /* Between the lowered stop and stop_threshold. */
    double between = (lowered + p->coping_stop_threshold) / 2;
    for (int k = 1; k <= 3 * p->coping_stop_weeks; k++) {
        for (uint32_t i = 0; i < pp->count; i++) {
            if (!ADULT(i))
                continue;
            set_urge(m, i, between);
            if (i % 2)
                pp->coping_habit[i] = (float)habit;
        }
        coping_update(m, week++);
        for (uint32_t i = 0; i < pp->count; i++) {
            if (!ADULT(i))
                continue;
            int ended = pp->coping_form[i] == COPING_NONE;
            if (i % 2)
                assert_false(ended);
            else
                assert_int_equal(ended, k >= p->coping_stop_weeks);
        }
    }
    /* Below the lowered stop, the run broken once by a week back between the bars. */
    int calm = 0;
    for (int k = 1; k <= 2 * p->coping_stop_weeks; k++) {
        int broken = k == p->coping_stop_weeks;
        for (uint32_t i = 1; i < pp->count; i += 2) {
            if (!ADULT(i))
                continue;
            set_urge(m, i, broken ? between : lowered - 0.05);
            pp->coping_habit[i] = (float)habit;
        }
        coping_update(m, week++);
        calm = broken ? 0 : calm + 1;
        for (uint32_t i = 1; i < pp->count; i += 2)
            if (ADULT(i))
                assert_int_equal(pp->coping_form[i] == COPING_NONE, calm >= p->coping_stop_weeks);
        if (calm >= p->coping_stop_weeks)
            break;
    }
    assert_int_equal(calm, p->coping_stop_weeks);
#undef ADULT
    attune_model_free(m);
}

/* ODD 7.3b: while coping lasts, intensity moves the share coping.intensity_rate of the way a
 * week toward (urge - stop)/(1 - stop) + habit/2 (kept in [0, 1]) and habit follows the new
 * intensity at coping.habit_rate; without coping, habit fades at habit_rate (intensity 0).
 * Checked person by person for one week, intensity, habit and urge spread over the town. */
static void intensity_and_habit_move_at_their_rates(void **state)
{
    (void)state;
    attune_model *m = small_town(plain_urge);
    const attune_params *p = m->p;
    people *pp = &m->people;
    const int32_t week = 1;
    uint32_t n = pp->count, coping = 0, idle = 0;
    for (uint32_t i = 0; i < n; i++) {
        pp->coping_calm_run[i] = 0;
        pp->coping_habit[i] = (float)spread(i, 0.4142);
        if (i % 3) {
            pp->coping_form[i] = (uint8_t)(1 + i % 3);
            pp->coping[i] = (float)spread(i, 0.7321);
            /* Urges from above the stop up to 1: coping goes on. */
            set_urge(m, i, 0.6 + 0.4 * spread(i, 0.2361));
        } else {
            pp->coping_form[i] = COPING_NONE;
            pp->coping[i] = 0;
            set_urge(m, i, p->coping_onset_threshold * spread(i, 0.2361));
        }
    }
    float *habit0 = malloc(n * sizeof *habit0), *coping0 = malloc(n * sizeof *coping0);
    assert_non_null(habit0);
    assert_non_null(coping0);
    memcpy(habit0, pp->coping_habit, n * sizeof *habit0);
    memcpy(coping0, pp->coping, n * sizeof *coping0);
    coping_update(m, week);
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i] || person_age_at(m, i, week) < 10)
            continue;
        double h = habit0[i], urge = p->coping_distress_need * pp->unmet_need[i];
        double stop = p->coping_stop_threshold - p->coping_habit_hysteresis * h;
        if (i % 3) {
            assert_true(urge >= stop);
            double target = (urge - stop) / (1.0 - stop) + h / 2.0;
            double c = clamp(coping0[i] + p->coping_intensity_rate * (target - coping0[i]), 0, 1);
            expect_near(pp->coping[i], c, 1e-6);
            expect_near(pp->coping_habit[i], h + p->coping_habit_rate * (c - h), 1e-6);
            coping++;
        } else {
            assert_int_equal(pp->coping_form[i], COPING_NONE);
            expect_near(pp->coping_habit[i], h * (1.0 - p->coping_habit_rate), 1e-6);
            idle++;
        }
    }
    assert_true(coping > 1000 && idle > 500);
    free(habit0);
    free(coping0);
    attune_model_free(m);
}

/* ODD 7.2 and 7.3b: affect gains coping.relief x coping a week (the short-term relief of
 * coping): affect = clamp(b + inertia (affect - b) + social_gain tanh(I) - stress_impact stress
 * + relief coping, -1, 1), checked person by person, and those who cope at 1 gain exactly
 * relief more than they would without (when not clamped). */
static void coping_relieves_affect_in_the_short_term(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
    assert_true(p->coping_relief > 0);
    float *affect0 = malloc(n * sizeof *affect0);
    assert_non_null(affect0);
    for (uint32_t i = 0; i < n; i++) {
        pp->coping[i] = (float)(i % 4) / 3.0f;
        pp->stress[i] = (float)(0.5 * spread(i, 0.3));
        pp->received_input[i] = (float)(spread(i, 0.61) - 0.5);
        pp->affect[i] = (float)(0.8 * spread(i, 0.17) - 0.4);
        affect0[i] = pp->affect[i];
    }
    affect_update(m);
    uint32_t relieved = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        double b = pp->affect_baseline[i];
        double without = b + p->affect_inertia * (affect0[i] - b) +
                         p->affect_social_gain * tanh(pp->received_input[i]) -
                         p->life_events_stress_impact * pp->stress[i];
        expect_near(pp->affect[i], clamp(without + p->coping_relief * pp->coping[i], -1, 1), 1e-6);
        if (pp->coping[i] == 1 && without + p->coping_relief < 1) {
            expect_near(pp->affect[i] - without, p->coping_relief, 1e-6);
            relieved++;
        }
    }
    assert_true(relieved > 300);
    free(affect0);
    attune_model_free(m);
}

/* ODD 7.2: need += need.rate ((1 - need) inflow - need outflow), inflow = 1 +
 * need.hostility_gain share_hostile + coping.need_gain coping, outflow = need.satiation C:
 * checked person by person for one week; and under one attuned tie (C = 0.6, no hostility)
 * kept for 400 weeks, the stock settles at inflow / (inflow + outflow), higher for one who
 * copes at 1 than for one who does not. */
static void coping_raises_unmet_need(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
    assert_true(p->coping_need_gain > 0);
    float *need0 = malloc(n * sizeof *need0);
    assert_non_null(need0);
    for (uint32_t i = 0; i < n; i++) {
        pp->coping[i] = (float)spread(i, 0.618);
        pp->unmet_need[i] = need0[i] = (float)spread(i, 0.414);
        pp->learn_weight[i] = i % 5 == 0 ? 0.0f : (float)(2.0 * spread(i, 0.732));
        pp->learn_care[i] = (float)(pp->learn_weight[i] * spread(i, 0.236));
        pp->learn_fright[i] = (float)(pp->learn_weight[i] * 0.3 * spread(i, 0.577));
    }
    affect_update(m);
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        double w = pp->learn_weight[i];
        double inflow = 1.0 + p->coping_need_gain * pp->coping[i] +
                        (w > 0 ? p->need_hostility_gain * pp->learn_fright[i] / w : 0.0);
        double outflow = p->need_satiation * pp->learn_care[i];
        double need = need0[i];
        expect_near(pp->unmet_need[i],
                    clamp(need + p->need_rate * ((1.0 - need) * inflow - need * outflow), 0, 1),
                    1e-6);
    }
    /* Settled under one attuned tie: person 0 without coping, person 1 coping at 1. */
    for (int week = 0; week < 400; week++) {
        for (uint32_t i = 0; i < 2; i++) {
            pp->coping[i] = (float)i;
            pp->learn_weight[i] = 0.8f;
            pp->learn_care[i] = 0.6f;
            pp->learn_fright[i] = 0;
        }
        affect_update(m);
    }
    double outflow = p->need_satiation * 0.6f;
    for (uint32_t i = 0; i < 2; i++) {
        double inflow = 1.0 + p->coping_need_gain * i;
        expect_near(pp->unmet_need[i], inflow / (inflow + outflow), 0.005);
    }
    assert_true(pp->unmet_need[1] > pp->unmet_need[0] + 0.01);
    free(need0);
    attune_model_free(m);
}

/* Capacities of the snapshot at week 0 (no swing of mood, no spells of withdrawal). */
static void snapshot_capacity(attune_model *m, float *capacity, float *hostility)
{
    interactions_snapshot(m, 0);
    if (capacity != NULL)
        memcpy(capacity, m->people.give_capacity, m->people.count * sizeof(float));
    if (hostility != NULL)
        memcpy(hostility, m->people.hostility, m->people.count * sizeof(float));
}

/* ODD 7.3b: capacity x (1 - coping.capacity_cost coping). The week-0 snapshot of everyone
 * without coping and integration gives c0; with coping spread over the town, each capacity is
 * c0 (1 - capacity_cost coping) (for c0 strictly inside (0, 1), where no clamp hides it). */
static void coping_costs_the_capacity_to_attune(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count, checked = 0;
    float *c0 = malloc(n * sizeof *c0);
    assert_non_null(c0);
    for (uint32_t i = 0; i < n; i++) {
        pp->coping[i] = 0;
        pp->coping_form[i] = COPING_NONE;
        pp->integration[i] = 0;
    }
    snapshot_capacity(m, c0, NULL);
    for (uint32_t i = 0; i < n; i++) {
        pp->coping[i] = (float)spread(i, 0.618);
        pp->coping_form[i] = (uint8_t)(1 + i % 3);
    }
    interactions_snapshot(m, 0);
    for (uint32_t i = 0; i < n; i++) {
        if (c0[i] <= 0.01 || c0[i] >= 0.99)
            continue;
        expect_near(pp->give_capacity[i], c0[i] * (1.0 - p->coping_capacity_cost * pp->coping[i]),
                    1e-6);
        checked++;
    }
    print_message("capacities checked: %u\n", checked);
    assert_true(checked > 1000);
    free(c0);
    attune_model_free(m);
}

/* ODD 7.3b: substance use adds coping.strain x coping to hostility; eating and withdrawal do
 * not (withdrawal holds back engagement instead: test_network.c). The week-0 snapshot's
 * hostility h0 without coping becomes clamp(h0 + strain coping) for substance use and stays h0
 * for the other forms. */
static void substance_use_adds_hostility_the_other_forms_do_not(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count, tally[4] = {0};
    float *h0 = malloc(n * sizeof *h0);
    assert_non_null(h0);
    assert_true(p->coping_strain > 0);
    clear_coping(m);
    snapshot_capacity(m, NULL, h0);
    for (uint32_t i = 0; i < n; i++) {
        pp->coping[i] = (float)(0.2 + 0.8 * spread(i, 0.618));
        pp->coping_form[i] = (uint8_t)(1 + i % 3);
    }
    interactions_snapshot(m, 0);
    for (uint32_t i = 0; i < n; i++) {
        if (h0[i] <= 0)
            continue; /* a clamped hostility would hide the sum */
        if (pp->coping_form[i] == COPING_SUBSTANCE)
            expect_near(pp->hostility[i], clamp(h0[i] + p->coping_strain * pp->coping[i], 0, 1),
                        1e-6);
        else
            assert_true(pp->hostility[i] == h0[i]);
        tally[pp->coping_form[i]]++;
    }
    print_message("hostility checked: substance %u, eating %u, withdrawal %u\n", tally[1], tally[2],
                  tally[3]);
    assert_true(tally[1] > 300 && tally[2] > 300 && tally[3] > 300);
    free(h0);
    attune_model_free(m);
}

/* ------------------------------------------------------------------------------------------ */
/* Insight and integration (ODD 7.3c)                                                          */

/* ODD 7.3c: what i's teachers teach it a week, the sum over its ties to a teacher (kind
 * teacher at i's end) of contact (times rupture.contact_factor while ruptured) times the
 * teacher's snapshot capacity; nothing for an isolated pupil, nor from an isolated teacher. */
static double taught_by_teachers(const attune_model *m, uint32_t i)
{
    const tie_store *t = &m->ties;
    const uint8_t *isolated = m->isolated;
    double taught = 0;
    if (isolated != NULL && isolated[i])
        return 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        if (t->kind[h] == ATTUNE_TIE_TEACHER && !(isolated != NULL && isolated[t->other[h]]))
            taught += t->contact[h] *
                      ((t->rupture[h] & TIE_RUPTURED) ? m->p->rupture_contact_factor : 1.0) *
                      m->people.give_capacity[t->other[h]];
    return taught;
}

/* ODD 7.3c: insight grows by (magnitude x insight.self_help_rate while a self-help
 * intervention acts + insight.reflection_rate (1 - well-being) + insight.teaching_rate T)
 * (1 - insight) and fades at insight.decay. A self-help intervention of magnitude 2 for half the
 * town; no support, so nothing is integrated: each person's insight is exactly that after one week,
 * the targets' gain more than the others' at the same well-being. */
static void insight_comes_from_reflection_and_self_help(void **state)
{
    (void)state;
    static const char *const settings[] = {"intervention.books.kind",
                                           "self_help",
                                           "intervention.books.share",
                                           "0.5",
                                           "intervention.books.magnitude",
                                           "2",
                                           "intervention.books.start_week",
                                           "1",
                                           NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count, helped = 0, not_helped = 0;
    WITH_EVENTS(m, assert_int_equal(interventions_begin_week(m, 1), ATTUNE_OK));
    assert_non_null(m->self_help);
    float *insight0 = malloc(n * sizeof *insight0);
    assert_non_null(insight0);
    for (uint32_t i = 0; i < n; i++) {
        pp->insight[i] = insight0[i] = (float)(0.9 * spread(i, 0.618));
        pp->wellbeing[i] = (float)spread(i, 0.414);
        pp->integration[i] = 0;
        pp->learn_care[i] = 0;
        pp->self_relation[i] = 0;
    }
    insight_update(m, 1);
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        double magnitude = m->self_help[i];
        assert_true(magnitude == 0 || magnitude == 2);
        double gain = magnitude * p->insight_self_help_rate +
                      p->insight_reflection_rate * (1 - pp->wellbeing[i]) +
                      p->insight_teaching_rate * taught_by_teachers(m, i);
        double ins = insight0[i];
        expect_near(pp->insight[i], clamp(ins + gain * (1 - ins) - p->insight_decay * ins, 0, 1),
                    1e-6);
        assert_true(pp->integration[i] == 0); /* no support: nothing integrated */
        if (magnitude > 0)
            helped++;
        else
            not_helped++;
    }
    print_message("self-help targets %u, others %u\n", helped, not_helped);
    assert_true(helped > 700 && not_helped > 700);
    free(insight0);
    attune_model_free(m);
}

/* ODD 7.3c: teaching is a source of insight. With reflection off and nothing integrated, one
 * week's insight from 0 is exactly insight.teaching_rate x the sum over one's teachers of
 * contact (halved while ruptured) x the teacher's capacity: students gain in proportion to how
 * much their teachers attune, and people without a teacher gain nothing. */
static void insight_comes_from_teachers_who_attune(void **state)
{
    (void)state;
    static const char *const settings[] = {"insight.reflection_rate", "0", NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t n = pp->count, students = 0, others = 0, ruptured = 0;
    assert_true(p->insight_teaching_rate > 0);
    for (uint32_t i = 0; i < n; i++) {
        pp->give_capacity[i] = (float)spread(i, 0.618);
        pp->insight[i] = pp->integration[i] = pp->learn_care[i] = pp->self_relation[i] = 0;
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            if (t->kind[h] == ATTUNE_TIE_TEACHER && i % 4 == 0) {
                t->rupture[h] = t->rupture[t->twin[h]] = 1;
                ruptured++;
            }
    insight_update(m, 1);
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        double taught = taught_by_teachers(m, i);
        expect_near(pp->insight[i], p->insight_teaching_rate * taught, 1e-7);
        if (count_kind(m, i, ATTUNE_TIE_TEACHER) > 0) {
            students++;
            assert_true(pp->insight[i] > 0);
        } else {
            others++;
            assert_true(pp->insight[i] == 0);
        }
    }
    print_message("students %u (ruptured teacher ties %u), others %u\n", students, ruptured,
                  others);
    assert_true(students > 150 && others > 150 && ruptured > 20);
    attune_model_free(m);
}

/* ODD 7.3c and 7.6: an isolated person meets nobody, so an isolated pupil is taught nothing and
 * an isolated teacher teaches nothing; the others are taught as before. */
static void isolation_stops_teaching_both_ways(void **state)
{
    (void)state;
    static const char *const settings[] = {"insight.reflection_rate",
                                           "0",
                                           "intervention.apart.kind",
                                           "isolation",
                                           "intervention.apart.share",
                                           "0.3",
                                           "intervention.apart.start_week",
                                           "1",
                                           NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    const tie_store *t = &m->ties;
    uint32_t n = pp->count, isolated_pupils = 0, unseen_teachers = 0, taught = 0;
    WITH_EVENTS(m, assert_int_equal(interventions_begin_week(m, 1), ATTUNE_OK));
    assert_non_null(m->isolated);
    for (uint32_t i = 0; i < n; i++) {
        pp->give_capacity[i] = (float)spread(i, 0.618);
        pp->insight[i] = pp->integration[i] = pp->learn_care[i] = pp->self_relation[i] = 0;
    }
    insight_update(m, 1);
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i] || count_kind(m, i, ATTUNE_TIE_TEACHER) == 0)
            continue;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            unseen_teachers += t->kind[h] == ATTUNE_TIE_TEACHER && m->isolated[t->other[h]];
        double expected = taught_by_teachers(m, i);
        isolated_pupils += m->isolated[i];
        taught += !m->isolated[i] && expected > 0;
        expect_near(pp->insight[i], p->insight_teaching_rate * expected, 1e-7);
    }
    print_message("isolated pupils %u, ties to isolated teachers %u, pupils taught %u\n",
                  isolated_pupils, unseen_teachers, taught);
    assert_true(isolated_pupils > 20 && unseen_teachers > 20 && taught > 50);
    attune_model_free(m);
}

/* ODD 7.7 (a fourth source of insight; integrated in 7.3c with the therapist's care as
 * support): each session of therapy adds therapy.insight_gain a (1 - insight) to the client's
 * insight, a the alliance after the session. A course begun by an adult client with the town's
 * first therapist (recruited in week 1): over six weekly sessions, the client's insight moves
 * exactly so (while the course lasts), and another adult's does not move at all. */
static void a_session_of_therapy_brings_insight_in_proportion_to_the_alliance(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    people *pp = &m->people;
    const attune_params *p = m->p;
    step(m, 1);
    uint32_t therapist = TIE_NONE, client = TIE_NONE, other = TIE_NONE;
    for (uint32_t i = 0; i < pp->count && therapist == TIE_NONE; i++)
        if (pp->alive[i] && pp->role[i] == ATTUNE_ROLE_THERAPIST)
            therapist = i;
    assert_true(therapist != TIE_NONE);
    for (uint32_t i = 0; i < pp->count && other == TIE_NONE; i++) {
        if (pp->alive[i] && pp->role[i] == ATTUNE_ROLE_PERSON && person_age_years(m, i) >= 30 &&
            person_age_years(m, i) < 60 && pp->therapy_status[i] == THERAPY_NONE &&
            ties_find(&m->ties, i, therapist) == TIE_NONE) {
            if (client == TIE_NONE)
                client = i;
            else
                other = i;
        }
    }
    assert_true(therapist != TIE_NONE && client != TIE_NONE && other != TIE_NONE);
    assert_true(p->therapy_insight_gain > 0);
    assert_int_equal(therapy_start_course(m, client, therapist, 20, PHASE_THERAPY), ATTUNE_OK);
    pp->insight[client] = 0.1f;
    pp->insight[other] = 0.1f;
    int sessions = 0;
    for (int32_t week = 21; week <= 26; week++) {
        pp->in_episode[client] = 1;
        double before = pp->insight[client];
        WITH_EVENTS(m, assert_int_equal(therapy_update(m, week), ATTUNE_OK));
        if (pp->therapy_status[client] != THERAPY_ACTIVE)
            break;
        double a = pp->alliance[client];
        assert_true(a > 0);
        expect_near(pp->insight[client], before + p->therapy_insight_gain * a * (1.0 - before),
                    1e-6);
        sessions++;
    }
    print_message("sessions checked: %d; insight %.4f\n", sessions, pp->insight[client]);
    assert_true(sessions >= 3);
    assert_true(pp->insight[other] == 0.1f);
    attune_model_free(m);
}

/* ODD 7.3c: support = min(1, C/(C + insight.support_half_care) + insight.self_support
 * self_relation); integration = (1 - integration_decay) integration + integration_rate insight
 * support (1 - integration), and what is absorbed leaves insight. Over a grid of care taken in
 * (none to far beyond the half point) and relationships with oneself (none to whole), each
 * person's integration and insight are exactly that (teaching off, so no insight comes in): one
 * with no care but a good relationship with itself integrates (self_support), and support
 * beyond 1 is capped. */
static void integration_draws_support_from_care_and_from_oneself(void **state)
{
    (void)state;
    static const char *const no_teaching[] = {"insight.teaching_rate", "0", NULL};
    attune_model *m = small_town(no_teaching);
    const attune_params *p = m->p;
    people *pp = &m->people;
    static const double care[] = {0, 0.5, 3, 30, 300};
    static const double self[] = {0, 0.5, 1};
    assert_true(p->insight_self_support > 0);
    int capped = 0, alone = 0;
    for (uint32_t c = 0; c < 5; c++) {
        for (uint32_t s = 0; s < 3; s++) {
            uint32_t i = c * 3 + s;
            assert_true(pp->alive[i]);
            pp->insight[i] = 0.6f;
            pp->integration[i] = 0.2f;
            pp->wellbeing[i] = 1; /* no reflection */
            pp->learn_care[i] = (float)care[c];
            pp->self_relation[i] = (float)self[s];
        }
    }
    insight_update(m, 1);
    for (uint32_t c = 0; c < 5; c++) {
        for (uint32_t s = 0; s < 3; s++) {
            uint32_t i = c * 3 + s;
            double C = (float)care[c], sr = (float)self[s];
            double support = C / (C + p->insight_support_half_care) + p->insight_self_support * sr;
            capped += support > 1;
            support = support > 1 ? 1 : support;
            double ins = 0.6f * (1.0 - p->insight_decay), integ = 0.2f;
            double absorbed = p->insight_integration_rate * ins * support * (1.0 - integ);
            expect_near(pp->integration[i], (1.0 - p->insight_integration_decay) * integ + absorbed,
                        1e-6);
            expect_near(pp->insight[i], ins - absorbed, 1e-6);
            if (C == 0 && sr > 0) {
                assert_true(pp->integration[i] > (1.0 - p->insight_integration_decay) * integ);
                alone++;
            }
        }
    }
    assert_true(capped >= 2 && alone == 2);
    attune_model_free(m);
}

/* ODD 7.3c: integration multiplies the avoidance discount by 1 - insight.loosening x
 * integration, so the working model learns from more of the care that comes:
 * learned_care_factor = (1 - x d)/(1 - d), d = interaction.avoidance_discount avoidance
 * (1 - loosening integration), x = working_model.defensive_exclusion (ODD 7.3). */
static void integration_loosens_the_working_models_distortions(void **state)
{
    (void)state;
    static const char *const settings[] = {"interaction.avoidance_discount", "0.6", NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    assert_true(p->insight_loosening > 0);
    assert_true(p->working_model_defensive_exclusion > 0 &&
                p->working_model_defensive_exclusion < 1);
    double previous = 0;
    for (int k = 0; k <= 4; k++) {
        double integ = k / 4.0;
        pp->avoidance[0] = 0.9f;
        pp->integration[0] = (float)integ;
        double d = p->interaction_avoidance_discount * (double)pp->avoidance[0] *
                   (1.0 - p->insight_loosening * (double)pp->integration[0]);
        double factor = (1.0 - p->working_model_defensive_exclusion * d) / (1.0 - d);
        expect_near(learned_care_factor(m, 0), factor, 1e-9);
        /* Of the care received, the model learns from (1 - d) x factor = 1 - x d: more as
         * integration loosens the discount. */
        double learned = (1.0 - d) * learned_care_factor(m, 0);
        expect_near(learned, 1.0 - p->working_model_defensive_exclusion * d, 1e-9);
        assert_true(learned > previous || k == 0);
        previous = learned;
    }
    attune_model_free(m);
}

/* ODD 7.3c: integration adds insight.capacity_gain x integration to the capacity to attune:
 * the week-0 snapshot's capacity c0 without integration becomes c0 + capacity_gain integration
 * (without coping, for c0 + gain < 1). */
static void integration_raises_the_capacity_to_attune(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count, checked = 0;
    float *c0 = malloc(n * sizeof *c0);
    assert_non_null(c0);
    assert_true(p->insight_capacity_gain > 0);
    clear_coping(m);
    for (uint32_t i = 0; i < n; i++)
        pp->integration[i] = 0;
    snapshot_capacity(m, c0, NULL);
    for (uint32_t i = 0; i < n; i++)
        pp->integration[i] = (float)spread(i, 0.618);
    interactions_snapshot(m, 0);
    for (uint32_t i = 0; i < n; i++) {
        if (c0[i] <= 0.01 || c0[i] + p->insight_capacity_gain >= 0.999)
            continue;
        expect_near(pp->give_capacity[i], c0[i] + p->insight_capacity_gain * pp->integration[i],
                    1e-6);
        checked++;
    }
    print_message("capacities checked: %u\n", checked);
    assert_true(checked > 1000);
    free(c0);
    attune_model_free(m);
}

/* ODD 7.3c: without renewal (no self-help, no teaching, no reflection at well-being 1, no
 * support) loose
 * insight fades at insight.decay a week and integration at insight.integration_decay: after 52
 * weeks, insight0 (1 - decay)^52 and integration0 (1 - integration_decay)^52. */
static void insight_and_integration_fade_without_renewal(void **state)
{
    (void)state;
    static const char *const no_teaching[] = {"insight.teaching_rate", "0", NULL};
    attune_model *m = small_town(no_teaching);
    const attune_params *p = m->p;
    people *pp = &m->people;
    assert_true(p->insight_decay > 0 && p->insight_integration_decay > 0);
    for (uint32_t i = 0; i < 100; i++) {
        pp->insight[i] = (float)(0.01 * i);
        pp->integration[i] = (float)(1.0 - 0.01 * i);
    }
    for (int32_t week = 1; week <= 52; week++) {
        for (uint32_t i = 0; i < 100; i++) {
            pp->wellbeing[i] = 1;
            pp->learn_care[i] = 0;
            pp->self_relation[i] = 0;
        }
        insight_update(m, week);
    }
    for (uint32_t i = 0; i < 100; i++) {
        if (!pp->alive[i])
            continue;
        expect_near(pp->insight[i], 0.01 * i * pow(1.0 - p->insight_decay, 52), 1e-5);
        expect_near(pp->integration[i],
                    (1.0 - 0.01 * i) * pow(1.0 - p->insight_integration_decay, 52), 1e-5);
    }
    attune_model_free(m);
}

/* ------------------------------------------------------------------------------------------ */
/* Release: ending toxic ties (ODD 7.4)                                                        */

/* The first living person from `from` aged in [lo, hi) at the model's week with at least
 * `ties` ties. */
static uint32_t find_person(const attune_model *m, double lo, double hi, uint32_t ties,
                            uint32_t from)
{
    for (uint32_t i = from; i < m->people.count; i++) {
        double age = person_age_years(m, i);
        if (m->people.alive[i] && age >= lo && age < hi && m->ties.count[i] >= ties)
            return i;
    }
    fail_msg("nobody aged %g to %g with %u ties", lo, hi, ties);
    return 0;
}

/* Sets person i's age at the model's week to `years` (to the nearest week). */
static void set_age(attune_model *m, uint32_t i, double years)
{
    m->people.birth_week[i] = m->week - (int32_t)lround(years * WEEKS_PER_YEAR);
}

/* ODD 7.1, 7.4: a half-tie is toxic when its harm exceeds its benefit, harm.benefit_scale x
 * trust; tie_worst_toxic names the toxic tie with the largest excess (not the largest harm)
 * that i may end, and counts as supportive the ties that are trusted (>= 1/2) and not toxic. */
static void a_tie_is_toxic_when_harm_exceeds_its_benefit_and_the_worst_is_named(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    const attune_params *p = m->p;
    tie_store *t = &m->ties;
    const double bs = p->harm_benefit_scale;
    assert_true(bs > 2);
    uint32_t i = find_person(m, 30, 60, 6, 0);
    uint32_t h = t->start[i];
    for (uint32_t k = 0; k < 6; k++)
        t->kind[h + k] = ATTUNE_TIE_FRIEND;
    for (uint32_t k = 6; k < t->count[i]; k++)
        t->trust[h + k] = 0.1f, t->harm[h + k] = 0; /* neither toxic nor supportive */
    /* Toxicity at the boundary. */
    t->trust[h] = 0.5f;
    t->harm[h] = (float)(bs * 0.5);
    assert_false(tie_is_toxic(m, h));
    t->harm[h] = nextafterf((float)(bs * 0.5), 10.0f * (float)bs);
    assert_true(tie_is_toxic(m, h));
    t->trust[h] = 0;
    t->harm[h] = 0;
    assert_false(tie_is_toxic(m, h));
    /* h: harm bs/2 + 1 at trust 1/2 (excess 1); h+1: harm 2 at trust 0 (excess 2, less harm);
     * h+2: excess 3, but a teacher's tie, which may not be ended; h+3: trusted exactly 1/2, not
     * toxic (supportive); h+4: trusted and toxic (not supportive); h+5: trust just below 1/2. */
    t->trust[h] = 0.5f, t->harm[h] = (float)(bs * 0.5 + 1);
    t->trust[h + 1] = 0, t->harm[h + 1] = 2;
    t->kind[h + 2] = ATTUNE_TIE_TEACHER, t->trust[h + 2] = 0, t->harm[h + 2] = 3;
    t->trust[h + 3] = 0.5f, t->harm[h + 3] = 0;
    t->trust[h + 4] = 0.9f, t->harm[h + 4] = (float)(bs + 2);
    t->trust[h + 5] = 0.49f, t->harm[h + 5] = 0;
    double excess = -1, supportive = -1;
    uint32_t worst = tie_worst_toxic(m, i, &excess, &supportive);
    assert_int_equal(worst, h + 4); /* excess bs + 2 - 0.9 bs = 2 + bs/10 */
    expect_near(excess, tie_toxic_excess(m, h + 4), 1e-12);
    expect_near(supportive, 1, 0);
    /* A trusted tie to one's student (or client) is not support. */
    t->kind[h + 3] = ATTUNE_TIE_STUDENT;
    tie_worst_toxic(m, i, &excess, &supportive);
    expect_near(supportive, 0, 0);
    t->kind[h + 3] = ATTUNE_TIE_CLIENT;
    tie_worst_toxic(m, i, &excess, &supportive);
    expect_near(supportive, 0, 0);
    t->kind[h + 3] = ATTUNE_TIE_FRIEND;
    /* Without h+4 (healed): h+1, the most harmful by excess, not by harm. */
    t->harm[h + 4] = 0;
    worst = tie_worst_toxic(m, i, &excess, &supportive);
    assert_int_equal(worst, h + 1);
    expect_near(excess, 2.0, 1e-12);
    expect_near(supportive, 2, 0);
    /* No endable toxic tie: none. */
    t->harm[h] = t->harm[h + 1] = 0;
    assert_int_equal(tie_worst_toxic(m, i, NULL, NULL), TIE_NONE);
    attune_model_free(m);
}

/* ODD 7.4: friend and community ties may be ended from release.min_age; partner, sibling,
 * family and (an adult's) caregiver ties from 18; a tie to one's own child only once the child
 * is 18; teacher's, student's, therapist's and client's ties never. Checked kind by kind on
 * either side of each age bar. */
static void which_ties_may_be_ended_by_kind_and_age(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    const attune_params *p = m->p;
    tie_store *t = &m->ties;
    uint32_t i = find_person(m, 0, 120, 1, 0);
    uint32_t h = t->start[i], j = t->other[h];
    assert_true(p->release_min_age > 1 && p->release_min_age < 17);
    const double ages[] = {p->release_min_age - 0.1, p->release_min_age + 0.1, 17.9, 18.1, 40};
    for (int a = 0; a < 5; a++) {
        set_age(m, i, ages[a]);
        double age = person_age_years(m, i);
        for (int other = 0; other < 2; other++) {
            double other_age = other ? 18.1 : 17.9;
            set_age(m, j, other_age);
            for (int kind = 0; kind < ATTUNE_TIE_KIND_COUNT; kind++) {
                t->kind[h] = (uint8_t)kind;
                int expected;
                switch (kind) {
                case ATTUNE_TIE_FRIEND:
                case ATTUNE_TIE_COMMUNITY: expected = age >= p->release_min_age; break;
                case ATTUNE_TIE_PARTNER:
                case ATTUNE_TIE_SIBLING:
                case ATTUNE_TIE_FAMILY:
                case ATTUNE_TIE_CAREGIVER: expected = age >= 18; break;
                case ATTUNE_TIE_CHILD: expected = age >= 18 && other_age >= 18; break;
                default: expected = 0; break; /* teacher, student, therapist, client */
                }
                if (tie_is_endable(m, i, h) != expected)
                    fail_msg("kind %d at age %.2f (other %.1f): endable %d, expected %d", kind, age,
                             other_age, tie_is_endable(m, i, h), expected);
            }
        }
    }
    attune_model_free(m);
}

/* The weekly processes read ages in the week they simulate (model_open_week), not in the last
 * completed one: a person who turns 18 in week w may end a tie to its caregiver in week w, and
 * between steps ages are those of the completed week again. */
static void ages_are_read_in_the_week_being_simulated(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    tie_store *t = &m->ties;
    uint32_t i = find_person(m, 0, 120, 1, 0);
    uint32_t h = t->start[i];
    t->kind[h] = ATTUNE_TIE_CAREGIVER;
    m->people.birth_week[i] = m->week + 1 - (int32_t)ceil(18 * WEEKS_PER_YEAR);
    assert_false(tie_is_endable(m, i, h));
    int32_t week = model_open_week(m);
    assert_int_equal(week, m->week + 1);
    assert_true(person_age_years(m, i) == person_age_at(m, i, week));
    assert_true(tie_is_endable(m, i, h));
    model_close_week(m, week, 0);
    assert_false(tie_is_endable(m, i, h));
    week = model_open_week(m);
    model_close_week(m, week, 1);
    assert_int_equal(m->week, week);
    assert_true(tie_is_endable(m, i, h));
    attune_model_free(m);
}

/* Makes person i certain to end a toxic tie it may end: full self-worth, no anxiety, no
 * therapy, every tie trusted and harmless (so supportive) until the caller makes one toxic. */
static void give_full_agency(attune_model *m, uint32_t i)
{
    tie_store *t = &m->ties;
    m->people.self_worth[i] = 1;
    m->people.anxiety[i] = 0;
    m->people.alliance[i] = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        t->trust[h] = 1, t->harm[h] = 0;
}

/* Clears every half-tie's harm: nobody has a toxic tie. */
static void heal_all(attune_model *m)
{
    for (uint32_t h = 0; h < m->ties.size; h++)
        m->ties.harm[h] = 0;
}

/* ODD 7.4, release: a minor from release.min_age certain to act (release.rate 1, full agency)
 * ends its toxic friendship, not its more harmful tie to its caregiver (the worst tie it may
 * end is the one ended); one younger than release.min_age ends neither. Nobody else has a toxic
 * tie, and nobody else ends one. */
static void
minors_end_toxic_friendships_from_the_minimum_age_but_keep_their_caregivers(void **state)
{
    (void)state;
    static const char *const certain[] = {"release.rate", "1", "release.support_ties", "0.1", NULL};
    attune_model *m = small_town(certain);
    const attune_params *p = m->p;
    tie_store *t = &m->ties;
    heal_all(m);
    /* Minors with a caregiver tie and a friend tie. */
    uint32_t subject[2] = {TIE_NONE, TIE_NONE}, friend_h[2] = {0, 0}, care_h[2] = {0, 0};
    double age_of[2] = {p->release_min_age + 1, p->release_min_age - 1};
    for (int s = 0; s < 2; s++) {
        for (uint32_t i = s ? subject[0] + 1 : 0; i < m->people.count && subject[s] == TIE_NONE;
             i++) {
            double age = person_age_years(m, i);
            if (!m->people.alive[i] || age < age_of[s] - 0.9 || age >= age_of[s] + 0.9)
                continue;
            uint32_t f = TIE_NONE, c = TIE_NONE;
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
                if (t->kind[h] == ATTUNE_TIE_FRIEND && f == TIE_NONE)
                    f = h;
                if (t->kind[h] == ATTUNE_TIE_CAREGIVER && c == TIE_NONE)
                    c = h;
            }
            if (f != TIE_NONE && c != TIE_NONE)
                subject[s] = i, friend_h[s] = f, care_h[s] = c;
        }
        assert_int_not_equal(subject[s], TIE_NONE);
        uint32_t i = subject[s];
        give_full_agency(m, i);
        t->trust[friend_h[s]] = 0, t->harm[friend_h[s]] = 1;
        t->trust[care_h[s]] = 0, t->harm[care_h[s]] = 5;
        double supportive = 0;
        tie_worst_toxic(m, i, NULL, &supportive);
        assert_true(supportive >= p->release_support_ties); /* agency 1 */
    }
    uint32_t friend_of[2] = {t->other[friend_h[0]], t->other[friend_h[1]]};
    uint32_t carer_of[2] = {t->other[care_h[0]], t->other[care_h[1]]};
    WITH_EVENTS(m, assert_int_equal(tie_release_update(m, 1), ATTUNE_OK));
    const attune_event *ev = NULL;
    /* The minor from the minimum age: the friendship ended, the caregiver kept. */
    assert_int_equal(count_events(m, "tie_ended", subject[0], &ev), 1);
    assert_int_equal(ev->other, friend_of[0]);
    assert_string_equal(ev->detail, "friend");
    assert_int_equal(ties_find(t, subject[0], friend_of[0]), TIE_NONE);
    assert_int_not_equal(ties_find(t, subject[0], carer_of[0]), TIE_NONE);
    /* The younger one: nothing ended. */
    assert_int_equal(count_events(m, "tie_ended", subject[1], NULL), 0);
    assert_int_not_equal(ties_find(t, subject[1], friend_of[1]), TIE_NONE);
    assert_int_not_equal(ties_find(t, subject[1], carer_of[1]), TIE_NONE);
    /* Nobody else had a toxic tie. */
    assert_int_equal(m->events.week_count, 1);
    attune_model_free(m);
}

/* ODD 7.4, release: each week a person with a toxic tie it may end ends it with probability
 * release.rate x agency, agency = self_worth (1 - anxiety) (1/2 + s/2), s = min(1, supportive /
 * release.support_ties). Over ten weeks, each adult (from release.min_age) with an endable
 * tie to a person of higher id has that one tie toxic, 0 to 4 others supportive and the rest
 * neither, self-worth and anxiety spread: the number of ties ended in each fifth of the range
 * of probabilities is the sum of the probabilities within 4 standard deviations. */
static void the_weekly_chance_of_release_is_the_rate_times_agency(void **state)
{
    (void)state;
    static const char *const settings[] = {"release.rate", "0.6", NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t n = pp->count;
    double *prob = malloc(n * sizeof *prob);
    uint8_t *full = malloc(n);
    assert_true(prob != NULL && full != NULL);
    double expected[5] = {0}, variance[5] = {0}, observed[5] = {0};
    double by_support[2][2] = {{0}}; /* [s < 1 or s = 1][expected, observed] */
    for (int32_t week = 1; week <= 10; week++) {
        heal_all(m);
        for (uint32_t i = 0; i < n; i++) {
            prob[i] = -1;
            if (!pp->alive[i] || person_age_years(m, i) < p->release_min_age)
                continue;
            uint32_t target = TIE_NONE;
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
                if (target == TIE_NONE && t->other[h] > i && t->kind[h] != ATTUNE_TIE_PARTNER &&
                    tie_is_endable(m, i, h))
                    target = h;
            if (target == TIE_NONE)
                continue;
            pp->self_worth[i] = (float)(0.2 + 0.8 * spread(i + 7u * (uint32_t)week, 0.618));
            pp->anxiety[i] = (float)(0.7 * spread(i + 3u * (uint32_t)week, 0.414));
            pp->alliance[i] = 0;
            uint32_t want = (i + (uint32_t)week) % 5, supportive = 0;
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
                if (h == target)
                    continue;
                int trusted = supportive < want;
                t->trust[h] = trusted ? 0.75f : 0.25f;
                supportive += (uint32_t)trusted;
            }
            t->trust[target] = 0;
            t->harm[target] = 1;
            full[i] = supportive >= p->release_support_ties;
            double s = supportive / p->release_support_ties;
            s = s < 1 ? s : 1;
            prob[i] =
                p->release_rate * pp->self_worth[i] * (1.0 - pp->anxiety[i]) * (0.5 + 0.5 * s);
        }
        WITH_EVENTS(m, assert_int_equal(tie_release_update(m, week), ATTUNE_OK));
        for (uint32_t i = 0; i < n; i++) {
            if (prob[i] < 0) {
                assert_int_equal(count_events(m, "tie_ended", i, NULL), 0);
                continue;
            }
            int ended = count_events(m, "tie_ended", i, NULL);
            assert_true(ended <= 1);
            int bin = (int)(prob[i] / p->release_rate * 5.0);
            bin = bin > 4 ? 4 : bin;
            expected[bin] += prob[i];
            variance[bin] += prob[i] * (1.0 - prob[i]);
            observed[bin] += ended;
            by_support[full[i]][0] += prob[i];
            by_support[full[i]][1] += ended;
        }
    }
    for (int b = 0; b < 5; b++) {
        print_message("agency %.1f-%.1f: ended %.0f, expected %.1f (sd %.1f)\n", b / 5.0,
                      (b + 1) / 5.0, observed[b], expected[b], sqrt(variance[b]));
        assert_true(variance[b] > 10);
        expect_near(observed[b], expected[b], 4 * sqrt(variance[b]));
    }
    print_message("few supportive ties: ended %.0f (expected %.1f); enough: %.0f (%.1f)\n",
                  by_support[0][1], by_support[0][0], by_support[1][1], by_support[1][0]);
    for (int f = 0; f < 2; f++)
        expect_near(by_support[f][1], by_support[f][0], 4 * sqrt(by_support[f][0]));
    free(prob);
    free(full);
    attune_model_free(m);
}

/* ODD 7.4, release: a person certain to end a toxic tie ends the most harmful one (largest
 * harm - benefit, which here is not the largest harm) and no other; the event carries the
 * tie's harm and kind; the tie is gone at both ends; release.grief is recorded and added to
 * stress the next week through the life-events channel (no stressors, no chronic strain):
 * stress = stress e^(-1/recovery_weeks) + grief. */
static void the_most_harmful_toxic_tie_is_ended_at_the_cost_of_grief(void **state)
{
    (void)state;
    static const char *const settings[] = {
        "release.rate", "1", "life_events.stressor_rate", "0", "harm.chronic_stress", "0", NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t n = pp->count;
    const double bs = p->harm_benefit_scale;
    assert_true(bs * 0.5 + 1 > 2); /* the worst by excess is not the most harmful */
    heal_all(m);
    /* Subjects: adults with 3 + support_ties ties between equals other than a partner, no two
     * of them tied to each other or to a common person. */
    uint8_t *taken = calloc(n, 1);
    uint32_t *worst_other = malloc(n * sizeof *worst_other);
    float *worst_harm = malloc(n * sizeof *worst_harm);
    assert_true(taken != NULL && worst_other != NULL && worst_harm != NULL);
    uint32_t subjects = 0;
    const uint32_t need = 3 + (uint32_t)ceil(p->release_support_ties);
    for (uint32_t i = 0; i < n; i++) {
        worst_other[i] = TIE_NONE;
        if (!pp->alive[i] || person_age_years(m, i) < 18 || taken[i])
            continue;
        uint32_t equals = 0, busy = 0;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            int k = t->kind[h];
            equals += k == ATTUNE_TIE_FRIEND || k == ATTUNE_TIE_COMMUNITY ||
                      k == ATTUNE_TIE_SIBLING || k == ATTUNE_TIE_FAMILY;
            busy += taken[t->other[h]];
        }
        if (equals < need || busy > 0)
            continue;
        taken[i] = 1;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            taken[t->other[h]] = 1;
        give_full_agency(m, i);
        pp->stress[i] = 0.2f;
        pp->grief_pending[i] = 0;
        int toxic = 0;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i] && toxic < 3; h++) {
            int k = t->kind[h];
            if (k != ATTUNE_TIE_FRIEND && k != ATTUNE_TIE_COMMUNITY && k != ATTUNE_TIE_SIBLING &&
                k != ATTUNE_TIE_FAMILY)
                continue;
            /* Excess 1 at the largest harm; excess 2 (the worst); excess 0.5. */
            static const float trust[3] = {0.5f, 0.0f, 0.25f};
            static const double over[3] = {1.0, 2.0, 0.5};
            t->trust[h] = trust[toxic];
            t->harm[h] = (float)(bs * trust[toxic] + over[toxic]);
            if (toxic == 1) {
                worst_other[i] = t->other[h];
                worst_harm[i] = t->harm[h];
            }
            toxic++;
        }
        subjects++;
    }
    print_message("subjects: %u\n", subjects);
    assert_true(subjects > 30);
    uint32_t *degree = malloc(n * sizeof *degree);
    assert_non_null(degree);
    for (uint32_t i = 0; i < n; i++)
        degree[i] = t->count[i];
    WITH_EVENTS(m, assert_int_equal(tie_release_update(m, 1), ATTUNE_OK));
    assert_int_equal(m->events.week_count, subjects);
    for (uint32_t i = 0; i < n; i++) {
        if (worst_other[i] == TIE_NONE)
            continue;
        const attune_event *ev = NULL;
        assert_int_equal(count_events(m, "tie_ended", i, &ev), 1);
        assert_int_equal(ev->other, worst_other[i]);
        expect_near(ev->value, worst_harm[i], 0);
        assert_int_equal(ties_find(t, i, worst_other[i]), TIE_NONE);
        assert_int_equal(ties_find(t, worst_other[i], i), TIE_NONE);
        assert_int_equal(t->count[i], degree[i] - 1);
        expect_near(pp->grief_pending[i], p->release_grief, 1e-7);
    }
    life_events_update(m, 2);
    double recovery = exp(-1.0 / p->life_events_recovery_weeks);
    for (uint32_t i = 0; i < n; i++) {
        if (worst_other[i] == TIE_NONE)
            continue;
        expect_near(pp->stress[i], clamp(0.2f * recovery + (float)p->release_grief, 0, 1), 1e-6);
        assert_true(pp->grief_pending[i] == 0);
    }
    free(taken);
    free(worst_other);
    free(worst_harm);
    free(degree);
    attune_model_free(m);
}

/* ODD 7.4, release frees room for new ties: formation tops friendships up to one's wish. With
 * formation certain for the open (formation.friend_rate 1, everyone at well-being 1 without
 * avoidance) and no partnering or community ties forming, the town first fills its wishes;
 * then adults at exactly their wish each end one toxic friendship (release.rate 1, full agency)
 * and, within 8 weeks of formation, most of them have as many friends as before, while as
 * many adults at their wish who ended nothing seek no one and keep their number of friends (or
 * gain one only by accepting another's request). */
static void ending_a_friendship_frees_room_for_a_new_one(void **state)
{
    (void)state;
    static const char *const settings[] = {"release.rate",
                                           "1",
                                           "release.support_ties",
                                           "0.1",
                                           "formation.friend_rate",
                                           "1",
                                           "formation.community_rate",
                                           "0",
                                           "demography.partnering_rate",
                                           "0",
                                           NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t n = pp->count;
    (void)p;
    for (uint32_t i = 0; i < n; i++) {
        pp->wellbeing[i] = 1;
        pp->avoidance[i] = 0;
        pp->alliance[i] = 0;
    }
    int32_t week = 1;
    for (; week <= 8; week++)
        WITH_EVENTS(m, assert_int_equal(tie_formation_update(m, week), ATTUNE_OK));
    heal_all(m);
    /* Adults at their wish (kept once drawn) with a friend: every other one ends one. */
    int32_t *group = malloc(n * sizeof *group);
    uint32_t *before = malloc(n * sizeof *before);
    assert_true(group != NULL && before != NULL);
    uint32_t size[2] = {0, 0};
    for (uint32_t i = 0; i < n; i++) {
        group[i] = -1;
        uint32_t friends = count_kind(m, i, ATTUNE_TIE_FRIEND);
        before[i] = friends;
        if (!pp->alive[i] || person_age_years(m, i) < 18 || pp->friends_wish[i] == 0 ||
            friends == 0 || friends != pp->friends_wish[i] - 1u)
            continue;
        group[i] = (int32_t)(size[0] <= size[1] ? 0 : 1);
        size[group[i]]++;
        if (group[i] == 0) {
            give_full_agency(m, i);
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
                if (t->kind[h] == ATTUNE_TIE_FRIEND) {
                    t->trust[h] = 0, t->harm[h] = 1;
                    break;
                }
        }
    }
    print_message("adults at their wish: %u ending a friendship, %u not\n", size[0], size[1]);
    assert_true(size[0] > 100 && size[1] > 100);
    WITH_EVENTS(m, assert_int_equal(tie_release_update(m, week), ATTUNE_OK));
    week++;
    uint32_t ended = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (group[i] != 0)
            continue;
        /* A friendship may also have been ended by the friend (both in group 0). */
        uint32_t now = count_kind(m, i, ATTUNE_TIE_FRIEND);
        assert_true(now < before[i]);
        ended += count_events(m, "tie_ended", i, NULL);
    }
    assert_true(ended > 0.9 * size[0]);
    heal_all(m);
    for (int k = 0; k < 8; k++, week++)
        WITH_EVENTS(m, assert_int_equal(tie_formation_update(m, week), ATTUNE_OK));
    uint32_t refilled = 0, kept = 0, sought = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (group[i] < 0 || !pp->alive[i])
            continue;
        uint32_t now = count_kind(m, i, ATTUNE_TIE_FRIEND);
        if (group[i] == 0)
            refilled += now >= before[i];
        else {
            kept += now >= before[i];
            sought += now > before[i];
        }
    }
    print_message("refilled %u of %u; the others kept %u of %u, %u with more\n", refilled, size[0],
                  kept, size[1], sought);
    assert_true(refilled > 0.8 * size[0]);
    assert_true(kept > 0.95 * size[1]);
    free(group);
    free(before);
    attune_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_urge_is_distress_buffered_by_support_and_relieved_by_integration),
        cmocka_unit_test(the_liability_is_neither_buffered_by_support_nor_relieved_by_integration),
        cmocka_unit_test(habit_lowers_the_bar_below_which_coping_ends),
        cmocka_unit_test(intensity_and_habit_move_at_their_rates),
        cmocka_unit_test(coping_relieves_affect_in_the_short_term),
        cmocka_unit_test(coping_raises_unmet_need),
        cmocka_unit_test(coping_costs_the_capacity_to_attune),
        cmocka_unit_test(substance_use_adds_hostility_the_other_forms_do_not),
        cmocka_unit_test(insight_comes_from_reflection_and_self_help),
        cmocka_unit_test(insight_comes_from_teachers_who_attune),
        cmocka_unit_test(isolation_stops_teaching_both_ways),
        cmocka_unit_test(a_session_of_therapy_brings_insight_in_proportion_to_the_alliance),
        cmocka_unit_test(integration_draws_support_from_care_and_from_oneself),
        cmocka_unit_test(integration_loosens_the_working_models_distortions),
        cmocka_unit_test(integration_raises_the_capacity_to_attune),
        cmocka_unit_test(insight_and_integration_fade_without_renewal),
        cmocka_unit_test(a_tie_is_toxic_when_harm_exceeds_its_benefit_and_the_worst_is_named),
        cmocka_unit_test(which_ties_may_be_ended_by_kind_and_age),
        cmocka_unit_test(ages_are_read_in_the_week_being_simulated),
        cmocka_unit_test(
            minors_end_toxic_friendships_from_the_minimum_age_but_keep_their_caregivers),
        cmocka_unit_test(the_weekly_chance_of_release_is_the_rate_times_agency),
        cmocka_unit_test(the_most_harmful_toxic_tie_is_ended_at_the_cost_of_grief),
        cmocka_unit_test(ending_a_friendship_frees_room_for_a_new_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
