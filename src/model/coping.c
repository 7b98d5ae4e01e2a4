/*
 * Maladaptive coping (ODD 7.3b; claims C4, C11): addiction, disordered eating and
 * withdrawal as affect regulation that communicates unmet needs.
 *
 *   distress = distress_need unmet need + distress_affect max(0, -affect)
 *              + distress_stress stress
 *   urge     = distress (1 - support_buffer S / (S + 1)) (1 - urge_relief integration)
 *              + liability_sd L + urge_noise z
 * with S the support one can count on: the closeness-weighted contact expected from one's ties,
 * sum over ties of kind weight x (1 + trust)/2 x contact (ruptured ties at
 * rupture.contact_factor), not whether one happened to meet anyone this week; z a normal deviate
 * drawn each week, L one drawn once for life (coping_liability).
 *
 * Coping starts when the urge exceeds onset_threshold; its form is chosen then, by disposition
 * (withdrawal likelier with avoidance, disordered eating with anxiety, substance use otherwise).
 * While coping, its intensity moves toward (urge - stop) / (1 - stop) + habit / 2, and habit
 * follows intensity at habit_rate. It stops when the urge stays below stop = stop_threshold -
 * habit_hysteresis x habit for stop_weeks weeks: once begun, it takes more support to stop than
 * would have prevented it (hysteresis).
 *
 * Its effects are elsewhere: short-term relief of affect and more unmet need (affect.c), less
 * capacity to attune, hostility (substance use) and withdrawal from ties (interactions.c,
 * tie_maintenance.c), and a signal that secure neighbours answer by reaching out and insecure
 * ones by pulling back (tie_maintenance.c).
 */
#include <math.h>

#include "model/processes.h"

/* sqrt(-2 ln URGE_U_BOUND) = 3.0349: a bound with a margin for rounding. */
#define URGE_U_BOUND 0.01
#define URGE_Z_BOUND 3.04

/* Closeness-weighted weekly contact person i can expect from its ties (not from its students or
 * clients: tie_kind_supports). */
static double expected_support(const attune_model *m, uint32_t i)
{
    const tie_store *t = &m->ties;
    double support = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        if (!tie_kind_supports(t->kind[h]))
            continue;
        support +=
            m->kind_weight[t->kind[h]] * 0.5 * (1.0 + t->trust[h]) * tie_meeting_chance(m, h);
    }
    return support;
}

/* The lifelong liability to cope that is not relational (heritable, in people): a normal
 * deviate fixed at birth from the person's id, times coping.liability_sd. */
static double coping_liability(const attune_model *m, uint32_t i)
{
    if (m->p->coping_liability_sd <= 0)
        return 0;
    uint32_t r[4];
    rng_draw4(m->key, RNG_WEEK_INIT, STREAM_COPING_LIABILITY, i, 0, r);
    return m->p->coping_liability_sd * rng_normal(r[0], r[1]);
}

static const char *const form_names[] = {"none", "substance", "eating", "withdrawal"};

const char *coping_form_name(int form)
{
    return form >= 0 && form <= COPING_WITHDRAWAL ? form_names[form] : "?";
}

static int choose_form(const people *pp, uint32_t i, double u)
{
    double w_substance = 0.4, w_eating = 0.3 + 0.5 * pp->anxiety[i],
           w_withdrawal = 0.3 + 0.5 * pp->avoidance[i];
    double total = w_substance + w_eating + w_withdrawal;
    u *= total;
    if (u < w_substance)
        return COPING_SUBSTANCE;
    if (u < w_substance + w_eating)
        return COPING_EATING;
    return COPING_WITHDRAWAL;
}

void coping_update(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
#pragma omp parallel for schedule(static) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i] || person_age_at(m, i, week) < 10)
            continue;
        double bad = pp->affect[i] < 0 ? -(double)pp->affect[i] : 0.0;
        double distress = p->coping_distress_need * pp->unmet_need[i] +
                          p->coping_distress_affect * bad +
                          p->coping_distress_stress * pp->stress[i];
        double w = expected_support(m, i);
        uint32_t r[4];
        rng_draw4(m->key, (uint32_t)week, STREAM_COPING, i, 0, r);
        /* The urge before this week's noise: buffered distress plus the liability. */
        double settled = distress * (1.0 - p->coping_support_buffer * w / (w + 1.0)) *
                         (1.0 - p->insight_urge_relief * pp->integration[i]);
        settled += coping_liability(m, i);
        double habit = pp->coping_habit[i];
        double stop = p->coping_stop_threshold - p->coping_habit_hysteresis * habit;
        int thread = omp_get_thread_num();
        /* The normal deviate z = sqrt(-2 ln u) cos(2 pi v) of the urge's noise has |z| <
         * URGE_Z_BOUND when u >= URGE_U_BOUND. For one not coping whose urge cannot then reach
         * the onset threshold whatever z, the urge is only compared with that threshold: z (a
         * logarithm and a cosine) is not computed, and the urge without noise stands in. */
        int below_onset = pp->coping_form[i] == COPING_NONE && rng_u01(r[0]) >= URGE_U_BOUND &&
                          settled + p->coping_urge_noise * URGE_Z_BOUND < p->coping_onset_threshold;
        double urge =
            below_onset ? settled : settled + p->coping_urge_noise * rng_normal(r[0], r[1]);
        if (pp->coping_form[i] == COPING_NONE) {
            if (urge > p->coping_onset_threshold) {
                int form = choose_form(pp, i, rng_u01(r[2]));
                pp->coping_form[i] = (uint8_t)form;
                double onset = (urge - stop) / (1.0 - stop);
                pp->coping[i] = (float)(onset < 0 ? 0 : onset > 1 ? 1 : onset);
                events_emit(&m->events, thread, PHASE_COPING, week, "coping_onset", i, UINT32_MAX,
                            urge, form_names[form]);
            }
            pp->coping_habit[i] = (float)(habit * (1.0 - p->coping_habit_rate));
        } else if (urge < stop && (pp->coping_calm_run[i] = (uint8_t)(pp->coping_calm_run[i] +
                                                                      1)) >= p->coping_stop_weeks) {
            pp->coping_calm_run[i] = 0;
            events_emit(&m->events, thread, PHASE_COPING, week, "coping_end", i, UINT32_MAX, habit,
                        form_names[pp->coping_form[i]]);
            pp->coping_form[i] = COPING_NONE;
            pp->coping[i] = 0;
            pp->coping_habit[i] = (float)(habit * (1.0 - p->coping_habit_rate));
        } else {
            if (urge >= stop)
                pp->coping_calm_run[i] = 0;
            double target = (urge - stop) / (1.0 - stop) + 0.5 * habit;
            double c = pp->coping[i] + p->coping_intensity_rate * (target - pp->coping[i]);
            pp->coping[i] = (float)(c < 0 ? 0 : c > 1 ? 1 : c);
            pp->coping_habit[i] = (float)(habit + p->coping_habit_rate * (pp->coping[i] - habit));
        }
        if (pp->coping[i] > 1)
            pp->coping[i] = 1;
        if (pp->coping[i] < 0)
            pp->coping[i] = 0;
    }
}
