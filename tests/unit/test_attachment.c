/* Caregiving and the working model: a newborn's class follows how its caregivers respond. */
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

typedef enum { WARM, REJECTING, INCONSISTENT, FRIGHTENING } caregiving;

/* Holds the caregivers of `child` in a state that makes them respond as `style` says. */
static void hold_caregivers(attune_model *m, uint32_t child, caregiving style)
{
    tie_store *t = &m->ties;
    people *pp = &m->people;
    for (uint32_t h = t->start[child]; h < t->start[child] + t->count[child]; h++) {
        if (t->kind[h] != ATTUNE_TIE_CAREGIVER)
            continue;
        uint32_t c = t->other[h];
        pp->stress[c] = 0;
        switch (style) {
        case WARM:
            pp->disposition[c] = 0.3f, pp->self_worth[c] = 1, pp->affect[c] = 1;
            pp->anxiety[c] = 0, pp->avoidance[c] = 0, pp->disorganization[c] = 0;
            break;
        case REJECTING:
            pp->disposition[c] = -0.5f, pp->self_worth[c] = 0.2f, pp->affect[c] = 0;
            pp->anxiety[c] = 0, pp->avoidance[c] = 1, pp->disorganization[c] = 0;
            break;
        case INCONSISTENT:
            pp->disposition[c] = 0.1f, pp->self_worth[c] = 0.7f, pp->affect[c] = 0.5f;
            pp->anxiety[c] = 1, pp->avoidance[c] = 0, pp->disorganization[c] = 0;
            break;
        case FRIGHTENING:
            pp->disposition[c] = 0, pp->self_worth[c] = 0.5f, pp->affect[c] = 0;
            pp->anxiety[c] = 0.3f, pp->avoidance[c] = 0.2f, pp->disorganization[c] = 1;
            break;
        }
    }
}

/* Raises the first newborn without siblings of a quiet town (no stressors, deaths or
 * separations; `settings` over that), so that its caregivers are all its close others, to the
 * assessment age, its caregivers held to `style` and its affect set point
 * to `set_point` (working_model.reactivity). Returns the model (the caller frees it) and the
 * child. */
static attune_model *raise_newborn(caregiving style, double set_point, const char *const *settings,
                                   uint32_t *child_out)
{
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    attune_scenario_set(s, "population.size", "2000", NULL);
    attune_scenario_set(s, "life_events.stressor_rate", "0", NULL);
    attune_scenario_set(s, "demography.mortality_a", "0", NULL);
    attune_scenario_set(s, "demography.separation_rate", "0", NULL);
    for (size_t k = 0; settings != NULL && settings[k] != NULL; k += 2)
        assert_int_equal(attune_scenario_set(s, settings[k], settings[k + 1], NULL), ATTUNE_OK);
    attune_model *m = NULL;
    attune_error err;
    assert_int_equal(attune_model_create(s, 2, &m, &err), ATTUNE_OK);
    attune_scenario_free(s);
    assert_int_equal(attune_model_init(m, &err), ATTUNE_OK);
    uint32_t child = UINT32_MAX;
    while (child == UINT32_MAX && m->week < 200) {
        assert_int_equal(attune_model_step(m, &err), ATTUNE_OK);
        for (uint32_t i = 0; i < m->people.count && child == UINT32_MAX; i++)
            if (m->people.birth_week[i] == m->week &&
                !person_has_tie_kind(m, i, ATTUNE_TIE_SIBLING))
                child = i;
    }
    assert_true(child != UINT32_MAX);
    int32_t assessed = m->week + (int32_t)m->p->classes_assessment_age;
    while (m->week < assessed) {
        hold_caregivers(m, child, style);
        m->people.affect_baseline[child] = (float)set_point;
        assert_int_equal(attune_model_step(m, &err), ATTUNE_OK);
    }
    *child_out = child;
    return m;
}

/* The affect set point `sds` standard deviations of temperament from the population's mean, by
 * the parameter table (affect.baseline_mean, affect.baseline_sd; no test here sets them). */
static double set_point_at(double sds)
{
    return attune_param_find("affect.baseline_mean")->default_value +
           sds * attune_param_find("affect.baseline_sd")->default_value;
}

/* The infant class of a child `sds` standard deviations of temperament from the mean raised
 * under `style`. */
static int raise_child_of(caregiving style, double sds, const char *const *settings)
{
    uint32_t child = 0;
    attune_model *m = raise_newborn(style, set_point_at(sds), settings, &child);
    int c = m->people.infant_class[child];
    print_message("child %u: anxiety %.2f avoidance %.2f disorganization %.2f -> %s\n", child,
                  m->people.anxiety[child], m->people.avoidance[child],
                  m->people.disorganization[child], attachment_infant_class_name(c));
    attune_model_free(m);
    return c;
}

/* The infant class of a child of average temperament raised under `style`. */
static int raise_child(caregiving style, const char *const *settings)
{
    return raise_child_of(style, 0, settings);
}

/* The attachment anxiety at the assessment age of a newborn raised under `style` with its
 * affect set point held at `set_point`. */
static double anxiety_of_child(caregiving style, double set_point, const char *const *settings)
{
    uint32_t child = 0;
    attune_model *m = raise_newborn(style, set_point, settings, &child);
    double anxiety = m->people.anxiety[child];
    attune_model_free(m);
    return anxiety;
}

/* Temperament sets how strongly unpredictable care is felt: with reactivity, the same
 * inconsistent caregivers leave a child of negative emotionality more anxious than one of
 * positive emotionality; without it, the set point does not matter. */
static void reactivity_scales_the_anxiety_inconsistency_teaches(void **state)
{
    (void)state;
    /* without hostility, so that only inconsistency teaches */
    const char *const reactive[] = {"interaction.hostility_base",
                                    "0",
                                    "interaction.hostility_gain",
                                    "0",
                                    "working_model.reactivity",
                                    "0.8",
                                    NULL};
    const char *const flat[] = {"interaction.hostility_base",
                                "0",
                                "interaction.hostility_gain",
                                "0",
                                "working_model.reactivity",
                                "0",
                                NULL};
    double negative = anxiety_of_child(INCONSISTENT, -0.2, reactive);
    double positive = anxiety_of_child(INCONSISTENT, 0.4, reactive);
    print_message("reactivity 0.8: anxiety %.3f (set point -0.2) vs %.3f (0.4)\n", negative,
                  positive);
    assert_true(negative > 1.5 * positive);
    double negative_flat = anxiety_of_child(INCONSISTENT, -0.2, flat);
    double positive_flat = anxiety_of_child(INCONSISTENT, 0.4, flat);
    print_message("reactivity 0: anxiety %.3f vs %.3f\n", negative_flat, positive_flat);
    assert_true(fabs(negative_flat - positive_flat) < 0.25 * (negative - positive));
}

/* Defensive exclusion: the share of the avoidance discount that also screens care from the
 * working model's learning (1: all of it, factor 1; 0: none, the care as received). */
static void defensive_exclusion_sets_the_care_learned(void **state)
{
    (void)state;
    double factor[3];
    const char *const shares[3] = {"1", "0.5", "0"};
    for (int k = 0; k < 3; k++) {
        attune_scenario *s = NULL;
        assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
        attune_scenario_set(s, "population.size", "1000", NULL);
        attune_scenario_set(s, "interaction.avoidance_discount", "0.6", NULL);
        attune_scenario_set(s, "working_model.defensive_exclusion", shares[k], NULL);
        attune_model *m = NULL;
        attune_error err;
        assert_int_equal(attune_model_create(s, 1, &m, &err), ATTUNE_OK);
        attune_scenario_free(s);
        assert_int_equal(attune_model_init(m, &err), ATTUNE_OK);
        m->people.integration[0] = 0;
        m->people.avoidance[0] = 0;
        assert_true(fabs(learned_care_factor(m, 0) - 1.0) < 1e-12);
        m->people.avoidance[0] = 0.5f;
        factor[k] = learned_care_factor(m, 0);
        attune_model_free(m);
    }
    /* discount 0.6 x 0.5 = 0.3: care taken in is 0.7 of care received */
    assert_true(fabs(factor[0] - 1.0) < 1e-12);
    assert_true(fabs(factor[1] - 0.85 / 0.7) < 1e-6);
    assert_true(fabs(factor[2] - 1.0 / 0.7) < 1e-6);
}

static void warm_caregiving_gives_a_secure_child(void **state)
{
    (void)state;
    assert_int_equal(raise_child(WARM, NULL), CLASS_SECURE);
}

static void rejecting_caregiving_gives_an_avoidant_child(void **state)
{
    (void)state;
    const char *const calm[] = {"interaction.hostility_base", "0", "interaction.hostility_gain",
                                "0", NULL};
    assert_int_equal(raise_child(REJECTING, calm), CLASS_AVOIDANT);
}

/* Inconsistency teaches anxiety, and temperament sets how strongly unpredictable care is felt
 * (working_model.reactivity). Since the defaults calibrated in the twenty-sixth session (a lower
 * surprise gain, a higher reactivity), a child of average temperament of the most anxious
 * caregivers ends just short of the resistant threshold; so the child here is of mildly negative
 * emotionality, its set point half an SD below the mean: resistant under inconsistent caregivers
 * (anxiety 0.35 at the twenty-eighth session's defaults, 0.38 at the twenty-sixth's), secure
 * under warm ones (0.26; 0.29), so that temperament alone does not make it resistant. */
static void inconsistent_caregiving_gives_a_resistant_child(void **state)
{
    (void)state;
    const char *const calm[] = {"interaction.hostility_base", "0", "interaction.hostility_gain",
                                "0", NULL};
    const double reactive = -0.5; /* SDs of temperament toward negative emotionality */
    assert_int_equal(raise_child_of(INCONSISTENT, reactive, calm), CLASS_RESISTANT);
    assert_int_equal(raise_child_of(WARM, reactive, calm), CLASS_SECURE);
}

static void frightening_caregiving_gives_a_disorganized_child(void **state)
{
    (void)state;
    assert_int_equal(raise_child(FRIGHTENING, NULL), CLASS_DISORGANIZED);
}

static void plasticity_falls_with_age(void **state)
{
    (void)state;
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    const attune_params *p = &((struct attune_scenario *)s)->params;
    double infant = p->working_model_plasticity_infant;
    double at30 =
        p->working_model_plasticity_adult + (infant - p->working_model_plasticity_adult) *
                                                exp(-30 / p->working_model_plasticity_decay_years);
    assert_true(infant > 3 * at30);
    attune_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(warm_caregiving_gives_a_secure_child),
        cmocka_unit_test(rejecting_caregiving_gives_an_avoidant_child),
        cmocka_unit_test(inconsistent_caregiving_gives_a_resistant_child),
        cmocka_unit_test(frightening_caregiving_gives_a_disorganized_child),
        cmocka_unit_test(plasticity_falls_with_age),
        cmocka_unit_test(reactivity_scales_the_anxiety_inconsistency_teaches),
        cmocka_unit_test(defensive_exclusion_sets_the_care_learned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
