/*
 * The attachment working model (ODD 7.3; claims C1, C2) and adverse childhood
 * experiences.
 *
 * The working model is a set of learned statistics of how close others respond to one's bids
 * for care (after Petters; Cittern, Nolte, Friston and Edalat 2018), each an exponentially
 * forgetting mean (a Beta-Bernoulli belief with forgetting):
 *   expected care   <- mean perceived care
 *   avoidance       <- expectation of rejection: 1 - answered / good_enough_care (clamped),
 *                      answered = closeness-weighted care / (W + availability_weight)
 *   anxiety         <- unpredictability: surprise_gain x |week's care - expected care|,
 *                      felt more by a negative temperament (reactivity)
 *   disorganization <- fright: fright_gain x share of hostile (frightening) responses
 * each weighted by closeness (tie kind weight x (0.5 + 0.5 trust)), the care counted as the
 * working model registers it (defensive_exclusion: learned_care_factor). The learning rate is
 *   rate = plasticity(age) x W / (W + input_half_weight)
 * with W the week's closeness weight, and plasticity falling from plasticity_infant at birth
 * toward plasticity_adult (e-folding plasticity_decay_years): highest in infancy (C2), never
 * zero (partners, friends, teachers and community keep shaping it).
 *
 * Consistent warm care gives a secure model; consistent rejection, avoidance; inconsistent
 * care, anxiety (resistance); frightening care, disorganization.
 */
#include <math.h>

#include "model/processes.h"

static float clamp01f(double x)
{
    return (float)(x < 0 ? 0 : x > 1 ? 1 : x);
}

int attachment_infant_class(const attune_model *m, uint32_t i)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    if (pp->disorganization[i] > p->classes_infant_disorganized)
        return CLASS_DISORGANIZED;
    if (pp->avoidance[i] > p->classes_infant_avoidant && pp->avoidance[i] >= pp->anxiety[i])
        return CLASS_AVOIDANT;
    if (pp->anxiety[i] > p->classes_infant_resistant)
        return CLASS_RESISTANT;
    return CLASS_SECURE;
}

int attachment_adult_class(const attune_model *m, uint32_t i)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    if (pp->disorganization[i] > p->classes_adult_unresolved)
        return ADULT_UNRESOLVED;
    if (pp->avoidance[i] > p->classes_adult_dismissing && pp->avoidance[i] >= pp->anxiety[i])
        return ADULT_DISMISSING;
    if (pp->anxiety[i] > p->classes_adult_preoccupied)
        return ADULT_PREOCCUPIED;
    return ADULT_SECURE;
}

const char *attachment_infant_class_name(int c)
{
    static const char *names[] = {"secure", "avoidant", "resistant", "disorganized"};
    return c >= 0 && c < 4 ? names[c] : "unassessed";
}

const char *attachment_adult_class_name(int c)
{
    static const char *names[] = {"secure", "dismissing", "preoccupied", "unresolved"};
    return c >= 0 && c < 4 ? names[c] : "?";
}

static const char *ace_names[ACE_KIND_COUNT] = {
    "abuse", "neglect", "caregiver_distress", "caregiver_coping", "loss", "separation"};

void ace_record(attune_model *m, int thread, uint32_t phase, uint32_t i, int k)
{
    people *pp = &m->people;
    uint16_t bit = (uint16_t)(1u << k);
    if (pp->ace_mask[i] & bit)
        return;
    pp->ace_mask[i] = (uint16_t)(pp->ace_mask[i] | bit);
    if (pp->ace_count[i] < 255)
        pp->ace_count[i]++;
    events_emit(&m->events, thread, phase, m->week + 1, "ace", i, UINT32_MAX, pp->ace_count[i],
                ace_names[k]);
}

/* Factor exp(working_model.reactivity x z) on the unpredictability person i registers, with
 * z = (affect.baseline_mean - affect set point) / affect.baseline_sd: how many standard
 * deviations i's temperament lies toward negative emotionality (0 when the spread is 0).
 * Temperament does not make care unpredictable; it sets how strongly unpredictability is
 * felt (negative emotionality and attachment anxiety correlate about 0.4-0.5: Noftle and
 * Shaver 2006), so the same inconsistent care leaves some people far more anxious. */
static double reactivity(const attune_params *p, const people *pp, uint32_t i)
{
    if (p->working_model_reactivity <= 0 || p->affect_baseline_sd <= 0)
        return 1.0;
    double z = (p->affect_baseline_mean - pp->affect_baseline[i]) / p->affect_baseline_sd;
    return exp(p->working_model_reactivity * z);
}

/* Factor on the care person i took in this week (learn_care, after the avoidance discount
 * of interactions.c: take_in = 1 - interaction.avoidance_discount x avoidance x loosening)
 * that gives the care its working model learns from: the discount applies to learning only
 * in the share working_model.defensive_exclusion (Bowlby's defensive exclusion: an avoidant
 * model screens out part of the care that would disconfirm it). 1 when the share is 1 or
 * nothing was discounted; at share 0 the model learns from the care as received. */
double learned_care_factor(const attune_model *m, uint32_t i)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    if (p->working_model_defensive_exclusion >= 1)
        return 1.0; /* exactly: the model as before the parameter existed */
    double loosen = 1.0 - p->insight_loosening * pp->integration[i];
    double discount = p->interaction_avoidance_discount * pp->avoidance[i] * loosen;
    if (discount <= 0 || discount >= 1)
        return 1.0;
    return (1.0 - p->working_model_defensive_exclusion * discount) / (1.0 - discount);
}

void working_model_update(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
    const double memory = 1.0 / p->ace_memory_weeks;
#pragma omp parallel for schedule(static) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        double age = person_age_at(m, i, week);
        double weight = pp->learn_weight[i];
        if (weight > 0) {
            double plasticity =
                p->working_model_plasticity_adult +
                (p->working_model_plasticity_infant - p->working_model_plasticity_adult) *
                    age_decay(m, week - pp->birth_week[i]);
            double rate = plasticity * weight / (weight + p->working_model_input_half_weight);
            /* Care as the working model registers it: interactions.c hands over what was
             * taken in, after the avoidance discount; defensive exclusion keeps only its
             * share of that discount (learned_care_factor). */
            double care_sum = pp->learn_care[i] * learned_care_factor(m, i);
            double care = care_sum / weight;
            /* Unpredictability: how far this week's care falls from what was expected, as
             * registered by the person's temperament (reactivity). Care from many people
             * varies less from week to week than care from one. */
            double surprise = fabs(care - pp->expected_care[i]) * reactivity(p, pp, i);
            double fright = pp->learn_fright[i] / weight;
            /* Bids answered: the week's care, shrunk when few were there to answer. */
            double answered = care_sum / (weight + p->working_model_availability_weight);
            double rejection = 1.0 - answered / p->working_model_good_enough_care;
            /* The mean of care is learned faster than its spread: a first, better-than-expected
             * experience is not read as unpredictability for long. */
            double mean_rate = 3.0 * rate < 1.0 ? 3.0 * rate : 1.0;
            pp->expected_care[i] += (float)(mean_rate * (care - pp->expected_care[i]));
            pp->avoidance[i] += (float)(rate * ((double)clamp01f(rejection) - pp->avoidance[i]));
            /* Targets are not clamped before averaging (a rare frightening week counts in
             * full); the state is kept in [0,1]. */
            pp->anxiety[i] +=
                (float)(rate * (p->working_model_surprise_gain * surprise - pp->anxiety[i]));
            pp->disorganization[i] +=
                (float)(rate * (p->working_model_fright_gain * fright - pp->disorganization[i]));
            pp->expected_care[i] = clamp01f(pp->expected_care[i]);
            pp->avoidance[i] = clamp01f(pp->avoidance[i]);
            pp->anxiety[i] = clamp01f(pp->anxiety[i]);
            pp->disorganization[i] = clamp01f(pp->disorganization[i]);
        }
        int thread = omp_get_thread_num();
        /* Infants are assessed once, at classes.assessment_age weeks. */
        if (week - pp->birth_week[i] == (int32_t)p->classes_assessment_age &&
            pp->birth_week[i] >= 0) {
            int c = attachment_infant_class(m, i);
            pp->infant_class[i] = (uint8_t)c;
            events_emit(&m->events, thread, PHASE_WORKING_MODEL, week, "infant_assessment", i,
                        UINT32_MAX, c, attachment_infant_class_name(c));
        }
        /* Adverse childhood experiences from caregiving, while a minor. */
        if (age < 18 && pp->caregiver_meetings[i] > 0) {
            double k = pp->caregiver_meetings[i];
            pp->childhood_care[i] +=
                (float)(memory * (pp->caregiver_care[i] / k - pp->childhood_care[i]));
            pp->childhood_hostility[i] +=
                (float)(memory * (pp->caregiver_hostile[i] / k - pp->childhood_hostility[i]));
            pp->caregiver_distress[i] +=
                (float)(memory * (pp->caregiver_distressed[i] / k - pp->caregiver_distress[i]));
            pp->caregiver_coping_share[i] +=
                (float)(memory *
                        (pp->caregiver_coping_meetings[i] / k - pp->caregiver_coping_share[i]));
            if (age >= 0.5) {
                if (pp->childhood_hostility[i] > p->ace_abuse_share)
                    ace_record(m, thread, PHASE_WORKING_MODEL, i, ACE_ABUSE);
                if (pp->childhood_care[i] < p->ace_neglect_care)
                    ace_record(m, thread, PHASE_WORKING_MODEL, i, ACE_NEGLECT);
                if (pp->caregiver_distress[i] > p->ace_distress_share)
                    ace_record(m, thread, PHASE_WORKING_MODEL, i, ACE_CAREGIVER_DISTRESS);
                if (pp->caregiver_coping_share[i] > p->ace_distress_share)
                    ace_record(m, thread, PHASE_WORKING_MODEL, i, ACE_CAREGIVER_COPING);
            }
        }
    }
}
