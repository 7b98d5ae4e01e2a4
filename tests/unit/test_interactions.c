/* The interaction process (src/model/interactions.c; docs/ODD.md 7.1, with the effects of coping
 * of 7.3b and of integration of 7.3c): the snapshot (capacity to attune, its weekly swing,
 * hostility), caregiving toward one's own child, the care channels, perception through the
 * working model (claim C3), meetings decided alike at both ends, trust and reciprocity. Each test
 * drives interactions_snapshot and interactions_exchange directly on a small town whose state it
 * sets, and checks the equations of the ODD with expected values derived from m->p. (Harm,
 * rupture, repair, grievances, spells of withdrawal, depletion and mutuality are tested in
 * test_relationships.c and test_wounds.c.) */
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

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* ------------------------------------------------------------------------------------------ */
/* The snapshot (ODD 7.1, 7.3b, 7.3c)                                                          */

/* A person's inner state, as the snapshot reads it. */
typedef struct inner_state {
    float self_worth, affect, anxiety, avoidance, disorganization, disposition, integration;
    float coping;
    uint8_t coping_form;
} inner_state;

static void set_inner_state(attune_model *m, uint32_t i, const inner_state *s)
{
    people *pp = &m->people;
    pp->self_worth[i] = s->self_worth;
    pp->affect[i] = s->affect;
    pp->anxiety[i] = s->anxiety;
    pp->avoidance[i] = s->avoidance;
    pp->disorganization[i] = s->disorganization;
    pp->disposition[i] = s->disposition;
    pp->integration[i] = s->integration;
    pp->coping[i] = s->coping;
    pp->coping_form[i] = s->coping_form;
}

/* ODD 7.1 (with 7.3b and 7.3c): the capacity to attune before the week's swing and before the
 * clamp to [0,1]:
 *   security = clamp(1 - (anxiety + avoidance)/2 - disorganization/2, 0, 1)
 *   inner    = inner_self_worth self_worth + inner_mood (affect + 1)/2 + inner_security security
 *   capacity = capacity_base + capacity_gain inner + disposition + insight.capacity_gain
 * integration. */
static double capacity_before_swing(const attune_params *p, const inner_state *s)
{
    double security =
        clamp01(1.0 - 0.5 * ((double)s->anxiety + s->avoidance) - 0.5 * s->disorganization);
    double inner = p->interaction_inner_self_worth * s->self_worth +
                   p->interaction_inner_mood * 0.5 * ((double)s->affect + 1.0) +
                   p->interaction_inner_security * security;
    return p->interaction_capacity_base + p->interaction_capacity_gain * inner + s->disposition +
           p->insight_capacity_gain * s->integration;
}

/* ODD 7.1 and 7.3b: hostility = clamp(hostility_base + hostility_gain strain (+ coping.strain
 * coping for substance use), 0, 1), strain = strain_disorganization disorganization +
 * strain_self_worth (1 - self_worth) + strain_affect max(0, -affect) - disposition. */
static double expected_hostility(const attune_params *p, const inner_state *s)
{
    double strain = p->interaction_strain_disorganization * s->disorganization +
                    p->interaction_strain_self_worth * (1.0 - s->self_worth) +
                    p->interaction_strain_affect * (s->affect < 0 ? -(double)s->affect : 0.0) -
                    s->disposition;
    double hostility = p->interaction_hostility_base + p->interaction_hostility_gain * strain;
    if (s->coping_form == COPING_SUBSTANCE)
        hostility += p->coping_strain * s->coping;
    return clamp01(hostility);
}

/* The first `count` living people from id 0. */
static void first_living(const attune_model *m, uint32_t *who, int count)
{
    int k = 0;
    for (uint32_t i = 0; i < m->people.count && k < count; i++)
        if (m->people.alive[i])
            who[k++] = i;
    assert_int_equal(k, count);
}

/* ODD 7.1 (C9: inner state sets how well one gives care), 7.3b (capacity x (1 - coping.
 * capacity_cost coping)) and 7.3c (integration adds insight.capacity_gain integration): people
 * differing from a reference person in one term each get the capacity of the closed form, in
 * the direction the term says; the result is clamped to [0,1] at both ends. Week 0: no swing. */
static void capacity_follows_inner_state_disposition_integration_and_coping(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    const attune_params *p = m->p;
    enum { BASE, WORTH, MOOD, INSECURE, WARM, COLD, INTEGRATED, COPING, SUBSTANCE, TOP, BOTTOM, N };
    const inner_state states[N] = {
        [BASE] = {0.5f, 0.0f, 0.2f, 0.2f, 0.1f, 0.0f, 0.0f, 0.0f, COPING_NONE},
        [WORTH] = {0.9f, 0.0f, 0.2f, 0.2f, 0.1f, 0.0f, 0.0f, 0.0f, COPING_NONE},
        [MOOD] = {0.5f, 0.6f, 0.2f, 0.2f, 0.1f, 0.0f, 0.0f, 0.0f, COPING_NONE},
        [INSECURE] = {0.5f, 0.0f, 0.6f, 0.6f, 0.5f, 0.0f, 0.0f, 0.0f, COPING_NONE},
        [WARM] = {0.5f, 0.0f, 0.2f, 0.2f, 0.1f, 0.2f, 0.0f, 0.0f, COPING_NONE},
        [COLD] = {0.5f, 0.0f, 0.2f, 0.2f, 0.1f, -0.3f, 0.0f, 0.0f, COPING_NONE},
        [INTEGRATED] = {0.5f, 0.0f, 0.2f, 0.2f, 0.1f, 0.0f, 1.0f, 0.0f, COPING_NONE},
        [COPING] = {0.5f, 0.0f, 0.2f, 0.2f, 0.1f, 0.0f, 0.0f, 0.5f, COPING_EATING},
        [SUBSTANCE] = {0.5f, 0.0f, 0.2f, 0.2f, 0.1f, 0.0f, 0.0f, 0.5f, COPING_SUBSTANCE},
        [TOP] = {1.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.5f, 1.0f, 0.0f, COPING_NONE},
        [BOTTOM] = {0.0f, -1.0f, 1.0f, 1.0f, 1.0f, -0.5f, 0.0f, 0.0f, COPING_NONE},
    };
    uint32_t who[N];
    first_living(m, who, N);
    for (int k = 0; k < N; k++)
        set_inner_state(m, who[k], &states[k]);
    interactions_snapshot(m, 0);
    const float *cap = m->people.give_capacity;
    double expected[N];
    for (int k = 0; k < N; k++) {
        expected[k] = clamp01(capacity_before_swing(p, &states[k]) *
                              (1.0 - p->coping_capacity_cost * states[k].coping));
        expect_near(cap[who[k]], expected[k], 1e-6);
    }
    /* Every reference term inside (0,1), so that each difference is the term itself. */
    assert_true(expected[BASE] > 0.1 && expected[BASE] < 0.9);
    expect_near(cap[who[WORTH]] - cap[who[BASE]],
                p->interaction_capacity_gain * p->interaction_inner_self_worth * 0.4, 1e-6);
    expect_near(cap[who[MOOD]] - cap[who[BASE]],
                p->interaction_capacity_gain * p->interaction_inner_mood * 0.3, 1e-6);
    assert_true(cap[who[INSECURE]] < cap[who[BASE]]);
    expect_near(cap[who[WARM]] - cap[who[BASE]], 0.2, 1e-6);
    expect_near(cap[who[COLD]] - cap[who[BASE]], -0.3, 1e-6);
    expect_near(cap[who[INTEGRATED]] - cap[who[BASE]], p->insight_capacity_gain, 1e-6);
    assert_true(p->insight_capacity_gain > 0 && p->coping_capacity_cost > 0);
    /* Coping costs capacity whatever its form. */
    expect_near(cap[who[COPING]], cap[who[BASE]] * (1.0 - 0.5 * p->coping_capacity_cost), 1e-6);
    expect_near(cap[who[SUBSTANCE]], cap[who[COPING]], 1e-7);
    /* Clamped at both ends. */
    assert_true(capacity_before_swing(p, &states[TOP]) > 1.0);
    assert_true(capacity_before_swing(p, &states[BOTTOM]) < 0.0);
    assert_true(cap[who[TOP]] == 1.0f && cap[who[BOTTOM]] == 0.0f);
    attune_model_free(m);
}

/* ODD 7.1: capacity x (1 + caregiving.inconsistency_gain anxiety (2u - 1)), u a uniform draw
 * per person and week (anxious people are inconsistently available). The town at four levels
 * of anxiety, all else equal, over four weeks: at anxiety 0 the capacity does not move; at
 * anxiety a the relative swing is bounded by gain a, centred on 0 with standard deviation
 * gain a / sqrt(3) across people, and differs from week to week. Week 0 has no swing. */
static void the_weekly_swing_of_capacity_grows_with_anxiety(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    const attune_params *p = m->p;
    people *pp = &m->people;
    const uint32_t n = pp->count;
    enum { LEVELS = 4, WEEKS = 4 };
    const float anxiety[LEVELS] = {0.0f, 1.0f / 3, 2.0f / 3, 1.0f};
    double base[LEVELS];
    for (int a = 0; a < LEVELS; a++) {
        /* Low enough that the largest swing stays inside [0,1]. */
        inner_state s = {0.3f, -0.4f, anxiety[a], 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, COPING_NONE};
        base[a] = capacity_before_swing(p, &s);
        assert_true(base[a] * (1 + p->caregiving_inconsistency_gain * anxiety[a]) < 1.0);
        assert_true(base[a] * (1 - p->caregiving_inconsistency_gain * anxiety[a]) > 0.0);
    }
    for (uint32_t i = 0; i < n; i++) {
        inner_state s = {0.3f, -0.4f, anxiety[i % LEVELS], 0.0f, 0.0f, 0.0f,
                         0.0f, 0.0f,  COPING_NONE};
        set_inner_state(m, i, &s);
    }
    interactions_snapshot(m, 0);
    for (uint32_t i = 0; i < n; i++)
        expect_near(pp->give_capacity[i], base[i % LEVELS], 1e-6);
    float *last = malloc(n * sizeof *last);
    assert_non_null(last);
    memcpy(last, pp->give_capacity, n * sizeof *last);
    double sum[LEVELS] = {0}, sum2[LEVELS] = {0}, most[LEVELS] = {0};
    uint32_t count[LEVELS] = {0}, moved[LEVELS] = {0};
    for (int32_t week = 1; week <= WEEKS; week++) {
        interactions_snapshot(m, week);
        for (uint32_t i = 0; i < n; i++) {
            int a = (int)(i % LEVELS);
            double swing = pp->give_capacity[i] / base[a] - 1.0;
            /* The person's own draw of the week. */
            uint32_t r[4];
            rng_draw4(m->key, (uint32_t)week, STREAM_MOOD, i, 0, r);
            expect_near(swing,
                        p->caregiving_inconsistency_gain * anxiety[a] * (2.0 * rng_u01(r[0]) - 1.0),
                        1e-5);
            sum[a] += swing;
            sum2[a] += swing * swing;
            most[a] = fmax(most[a], fabs(swing));
            count[a]++;
            moved[a] += pp->give_capacity[i] != last[i];
            last[i] = pp->give_capacity[i];
        }
    }
    free(last);
    for (int a = 0; a < LEVELS; a++) {
        double bound = p->caregiving_inconsistency_gain * anxiety[a];
        double mean = sum[a] / count[a];
        double sd = sqrt(sum2[a] / count[a] - mean * mean);
        print_message("anxiety %.2f: swing mean %+.4f sd %.4f (expected %.4f), largest %.4f\n",
                      anxiety[a], mean, sd, bound / sqrt(3.0), most[a]);
        assert_true(most[a] <= bound + 1e-5);
        if (a == 0) {
            assert_int_equal(moved[a], 0);
            assert_true(most[a] < 1e-6);
            continue;
        }
        /* Uniform on [-bound, bound]: sd bound / sqrt(3), the mean within 4 standard errors. */
        expect_near(sd, bound / sqrt(3.0), 0.05 * bound / sqrt(3.0));
        assert_true(fabs(mean) < 4.0 * bound / sqrt(3.0) / sqrt((double)count[a]));
        assert_true(most[a] > 0.95 * bound);
        assert_int_equal(moved[a], count[a]); /* a new swing every week */
    }
    /* The spread grows with anxiety. */
    for (int a = 1; a < LEVELS; a++)
        assert_true(sum2[a] / count[a] > 1.5 * sum2[a - 1] / count[a - 1]);
    attune_model_free(m);
}

/* ODD 7.1 and 7.3b: hostility from strain (disorganization, low self-worth, bad affect only,
 * minus disposition), plus coping.strain coping for substance use only, clamped to [0,1]. */
static void hostility_follows_strain_and_substance_use(void **state)
{
    (void)state;
    attune_model *m = small_town(NULL);
    const attune_params *p = m->p;
    enum {
        BASE,
        DISORGANIZED,
        WORTHLESS,
        LOW,
        HIGH,
        WARM,
        SUBSTANCE,
        EATING,
        WITHDRAWAL,
        CALM,
        RAGE,
        N
    };
    const inner_state states[N] = {
        [BASE] = {0.5f, 0.0f, 0.2f, 0.2f, 0.2f, 0.0f, 0.0f, 0.0f, COPING_NONE},
        [DISORGANIZED] = {0.5f, 0.0f, 0.2f, 0.2f, 0.8f, 0.0f, 0.0f, 0.0f, COPING_NONE},
        [WORTHLESS] = {0.1f, 0.0f, 0.2f, 0.2f, 0.2f, 0.0f, 0.0f, 0.0f, COPING_NONE},
        [LOW] = {0.5f, -0.6f, 0.2f, 0.2f, 0.2f, 0.0f, 0.0f, 0.0f, COPING_NONE},
        [HIGH] = {0.5f, 0.7f, 0.2f, 0.2f, 0.2f, 0.0f, 0.0f, 0.0f, COPING_NONE},
        [WARM] = {0.5f, 0.0f, 0.2f, 0.2f, 0.2f, 0.1f, 0.0f, 0.0f, COPING_NONE},
        [SUBSTANCE] = {0.5f, 0.0f, 0.2f, 0.2f, 0.2f, 0.0f, 0.0f, 0.5f, COPING_SUBSTANCE},
        [EATING] = {0.5f, 0.0f, 0.2f, 0.2f, 0.2f, 0.0f, 0.0f, 0.5f, COPING_EATING},
        [WITHDRAWAL] = {0.5f, 0.0f, 0.2f, 0.2f, 0.2f, 0.0f, 0.0f, 0.5f, COPING_WITHDRAWAL},
        [CALM] = {1.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.5f, 0.0f, 0.0f, COPING_NONE},
        [RAGE] = {0.0f, -1.0f, 1.0f, 1.0f, 1.0f, -0.5f, 0.0f, 1.0f, COPING_SUBSTANCE},
    };
    static const char *const settings[] = {"interaction.hostility_gain", "0.8", NULL};
    attune_model *strong = small_town(settings);
    attune_model *both[2] = {m, strong};
    for (int k = 0; k < 2; k++) {
        const attune_params *q = both[k]->p;
        uint32_t who[N];
        first_living(both[k], who, N);
        for (int s = 0; s < N; s++)
            set_inner_state(both[k], who[s], &states[s]);
        interactions_snapshot(both[k], 0);
        const float *host = both[k]->people.hostility;
        for (int s = 0; s < N; s++)
            expect_near(host[who[s]], expected_hostility(q, &states[s]), 1e-6);
        const double gain = q->interaction_hostility_gain;
        assert_true(host[who[BASE]] > 0);
        expect_near(host[who[DISORGANIZED]] - host[who[BASE]],
                    gain * q->interaction_strain_disorganization * 0.6, 1e-6);
        expect_near(host[who[WORTHLESS]] - host[who[BASE]],
                    gain * q->interaction_strain_self_worth * 0.4, 1e-6);
        expect_near(host[who[LOW]] - host[who[BASE]], gain * q->interaction_strain_affect * 0.6,
                    1e-6);
        expect_near(host[who[HIGH]], host[who[BASE]], 1e-7); /* good affect: no strain */
        expect_near(host[who[WARM]] - host[who[BASE]], -gain * 0.1, 1e-6);
        expect_near(host[who[SUBSTANCE]] - host[who[BASE]], 0.5 * q->coping_strain, 1e-6);
        expect_near(host[who[EATING]], host[who[BASE]], 1e-7);
        expect_near(host[who[WITHDRAWAL]], host[who[BASE]], 1e-7);
        assert_true(host[who[CALM]] == 0.0f);
    }
    /* Strain 1.5 and full substance use: within [0,1] at the default gain, clamped to 1 at
     * gain 0.8. */
    assert_true(expected_hostility(p, &states[RAGE]) < 1.0);
    const attune_params *q = strong->p;
    assert_true(q->interaction_hostility_base + q->interaction_hostility_gain * 1.5 +
                    q->coping_strain >
                1.0);
    uint32_t who[N];
    first_living(strong, who, N);
    assert_true(strong->people.hostility[who[RAGE]] == 1.0f);
    attune_model_free(strong);
    attune_model_free(m);
}

/* ------------------------------------------------------------------------------------------ */
/* Caregiving and the care channels (ODD 7.1, 7.6)                                             */

/* Care (and mirroring) a giver of capacity cap and engagement e gives in a meeting without
 * noise (interaction.noise 0), ODD 7.1: clamp(cap e (1 + f_m + f_v) / 3), f_m = 0.7 + 0.6 (E -
 * 0.5), f_v = 0.7 + 0.6 (W - 0.5) of the giver's culture; mirroring clamp(cap e (f_m + f_v)/2).*/
static double care_without_noise(const attune_model *m, uint32_t giver, double cap, double e,
                                 double *mirror)
{
    const culture_norms *c = &m->cultures[m->people.culture[giver]];
    double fm = 0.7 + 0.6 * (c->expressiveness - 0.5), fv = 0.7 + 0.6 * (c->warmth - 0.5);
    if (mirror != NULL)
        *mirror = clamp01(cap * e * (fm + fv) / 2.0);
    return clamp01(cap * e * (1.0 + fm + fv) / 3.0);
}

/* Whether person i has a half-tie of the given kind. */
static int has_kind(const attune_model *m, uint32_t i, int kind)
{
    return count_kind(m, i, kind) > 0;
}

/* ODD 7.1 "Caregiving" and 7.6 "parenting": toward its own child a caregiver's capacity is
 *   c' = clamp(capacity + sensitivity_shift + culture_gain (W - 0.5), 0, 1),
 * and a parenting programme closes the share parenting of the gap to 1: c' + parenting (1 -
 * c'); toward anyone else (its own caregiver, a friend, ...) it is the snapshot's capacity. In
 * a meeting without noise the child then receives care of the closed form of the channels from
 * each caregiver, whatever the culture. */
static void a_caregivers_capacity_toward_its_child_follows_culture_and_parenting(void **state)
{
    (void)state;
    static const char *const settings[] = {"caregiving.sensitivity_shift",
                                           "-0.1",
                                           "caregiving.culture_gain",
                                           "0.8",
                                           "interaction.noise",
                                           "0",
                                           NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    const uint32_t n = pp->count;
    assert_null(m->parenting);
    m->parenting = calloc(n, sizeof *m->parenting); /* freed with the model */
    assert_non_null(m->parenting);
    for (uint32_t i = 0; i < n; i++)
        m->parenting[i] = i % 3 == 0 ? 0.5f : i % 3 == 1 ? 0.2f : 0.0f;
    interactions_snapshot(m, 1);
    uint32_t caregivers = 0, shifted_up = 0, shifted_down = 0;
    for (uint32_t i = 0; i < n; i++) {
        double cap = pp->give_capacity[i];
        expect_near(capacity_toward(m, i, ATTUNE_TIE_FRIEND), cap, 1e-7);
        expect_near(capacity_toward(m, i, ATTUNE_TIE_CAREGIVER), cap, 1e-7);
        expect_near(capacity_toward(m, i, ATTUNE_TIE_PARTNER), cap, 1e-7);
        if (!pp->alive[i] || !has_kind(m, i, ATTUNE_TIE_CHILD))
            continue;
        caregivers++;
        double warmth = m->cultures[pp->culture[i]].warmth;
        double norm = clamp01(cap + p->caregiving_sensitivity_shift +
                              p->caregiving_culture_gain * (warmth - 0.5));
        double expected = clamp01(norm + m->parenting[i] * (1.0 - norm));
        expect_near(capacity_toward(m, i, ATTUNE_TIE_CHILD), expected, 1e-6);
        if (m->parenting[i] == 0) {
            shifted_up += norm > cap + 1e-6;
            shifted_down += norm < cap - 1e-6;
        }
    }
    print_message("%u caregivers; without a programme %u warmer and %u colder toward children\n",
                  caregivers, shifted_up, shifted_down);
    /* The town's cultures put caregivers on both sides of the norm. */
    assert_true(caregivers > 200 && shifted_up > 10 && shifted_down > 10);
    /* In a meeting (every caregiving tie met, no other tie), a child receives from each
     * caregiver care of the closed form at the caregiver's capacity toward it. */
    for (uint32_t i = 0; i < n; i++)
        set_contact_all(m, i, 0);
    for (uint32_t h = 0; h < t->size; h++)
        if (t->kind[h] == ATTUNE_TIE_CAREGIVER || t->kind[h] == ATTUNE_TIE_CHILD) {
            t->contact[h] = 1;
            t->rupture[h] = 0;
        }
    interactions_exchange(m, 1);
    uint32_t children = 0;
    for (uint32_t c = 0; c < n; c++) {
        if (!pp->alive[c] || !has_kind(m, c, ATTUNE_TIE_CAREGIVER))
            continue;
        double care = 0;
        uint32_t met = 0;
        for (uint32_t h = t->start[c]; h < t->start[c] + t->count[c]; h++) {
            uint32_t g = t->other[h];
            if (t->kind[h] != ATTUNE_TIE_CAREGIVER || !pp->alive[g])
                continue;
            care += care_without_noise(m, g, capacity_toward(m, g, ATTUNE_TIE_CHILD),
                                       t->engagement[t->twin[h]], NULL);
            met++;
        }
        assert_int_equal(pp->caregiver_meetings[c], met);
        expect_near(pp->caregiver_care[c], care, 1e-5);
        children += met > 0;
    }
    assert_true(children > 200);
    attune_model_free(m);
}

/* Share of hostile responses a caregiver gives its children and a child its caregivers. */
typedef struct hostile_shares {
    double toward_child[2]; /* by whether the caregiver is in a parenting programme */
    double toward_caregiver;
    double meetings_child[2], meetings_caregiver;
} hostile_shares;

/* ODD 7.1 "Caregiving" and 7.6 "parenting": toward its own child a caregiver responds with
 * hostility with probability clamp(hostility caregiving.frightening_gain, 0, 1) (a frightening
 * response), less the share `parenting` after a parenting programme; a child responds to its
 * caregiver with its own hostility. Everyone's snapshot hostility is held at h; only caregiving
 * ties meet; the shares of hostile meetings over eight weeks are compared with the
 * probabilities (binomial tolerance). */
static void hostility_toward_ones_child_is_frightening_and_parenting_lowers_it(void **state)
{
    (void)state;
    static const char *const settings[] = {"caregiving.frightening_gain", "2", NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    const uint32_t n = pp->count;
    const double h0 = 0.15, programme = 0.5;
    m->parenting = calloc(n, sizeof *m->parenting); /* freed with the model */
    assert_non_null(m->parenting);
    /* The programme by household, so that a child's caregivers are mostly both in or both out. */
    for (uint32_t i = 0; i < n; i++)
        m->parenting[i] = pp->household[i] % 2 ? (float)programme : 0.0f;
    for (uint32_t i = 0; i < n; i++)
        set_contact_all(m, i, 0);
    for (uint32_t h = 0; h < t->size; h++)
        if (t->kind[h] == ATTUNE_TIE_CAREGIVER || t->kind[h] == ATTUNE_TIE_CHILD)
            t->contact[h] = 1;
    /* Children whose caregivers are all in the programme or all out (and who raise no one),
     * and caregivers who have no caregiver of their own. */
    int8_t *group = malloc(n);
    assert_non_null(group);
    for (uint32_t i = 0; i < n; i++) {
        group[i] = -1;
        if (!pp->alive[i])
            continue;
        int kinds = 0;
        if (has_kind(m, i, ATTUNE_TIE_CAREGIVER) && !has_kind(m, i, ATTUNE_TIE_CHILD)) {
            int in = 0, out = 0;
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
                if (t->kind[h] == ATTUNE_TIE_CAREGIVER) {
                    in += m->parenting[t->other[h]] > 0;
                    out += m->parenting[t->other[h]] == 0;
                }
            if (in == 0 || out == 0)
                group[i] = in > 0, kinds++;
        }
        if (has_kind(m, i, ATTUNE_TIE_CHILD) && !has_kind(m, i, ATTUNE_TIE_CAREGIVER))
            group[i] = 2, kinds++;
        assert_true(kinds <= 1);
    }
    hostile_shares s = {{0, 0}, 0, {0, 0}, 0};
    for (int32_t week = 1; week <= 8; week++) {
        interactions_snapshot(m, week);
        for (uint32_t i = 0; i < n; i++)
            pp->hostility[i] = (float)h0;
        interactions_exchange(m, week);
        for (uint32_t i = 0; i < n; i++) {
            if (group[i] == 0 || group[i] == 1) {
                assert_int_equal(pp->meetings[i], pp->caregiver_meetings[i]);
                s.toward_child[group[i]] += pp->caregiver_hostile[i];
                s.meetings_child[group[i]] += pp->caregiver_meetings[i];
            } else if (group[i] == 2) {
                s.toward_caregiver += pp->hostile_meetings[i];
                s.meetings_caregiver += pp->meetings[i];
            }
        }
    }
    free(group);
    const double expected[3] = {clamp01(h0 * p->caregiving_frightening_gain),
                                clamp01(h0 * p->caregiving_frightening_gain) * (1 - programme), h0};
    const double share[3] = {s.toward_child[0] / s.meetings_child[0],
                             s.toward_child[1] / s.meetings_child[1],
                             s.toward_caregiver / s.meetings_caregiver};
    const double count[3] = {s.meetings_child[0], s.meetings_child[1], s.meetings_caregiver};
    const char *const name[3] = {"toward a child", "toward a child (programme)",
                                 "toward a caregiver"};
    for (int k = 0; k < 3; k++) {
        double se = sqrt(expected[k] * (1 - expected[k]) / count[k]);
        print_message("hostile %s: %.4f of %.0f meetings, expected %.4f (se %.4f)\n", name[k],
                      share[k], count[k], expected[k], se);
        assert_true(count[k] > 1000);
        expect_near(share[k], expected[k], 4.5 * se);
    }
    attune_model_free(m);
}

/* ------------------------------------------------------------------------------------------ */
/* Lone friendships: pairs of adults who meet each other and nobody else                       */

typedef struct lone_tie {
    uint32_t giver, taker; /* the two ends */
    uint32_t h, tw;        /* the giver's half-tie and the taker's */
} lone_tie;

/* `count` friendships between distinct adults of 25 or more, each pair meeting (contact 1) no
 * one but each other; intact, trust 1/2, no harm, no balance, full engagement; the givers all
 * of culture 0 (so that every pair's care is alike). */
static void lone_friendships(attune_model *m, lone_tie *q, int count)
{
    const people *pp = &m->people;
    tie_store *t = &m->ties;
    uint8_t *used = calloc(pp->count, 1);
    assert_non_null(used);
    int k = 0;
    for (uint32_t i = 0; i < pp->count && k < count; i++) {
        if (!pp->alive[i] || used[i] || person_age_years(m, i) < 25)
            continue;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            uint32_t j = t->other[h];
            if (t->kind[h] != ATTUNE_TIE_FRIEND || !pp->alive[j] || used[j] ||
                person_age_years(m, j) < 25)
                continue;
            q[k++] = (lone_tie){i, j, h, t->twin[h]};
            used[i] = used[j] = 1;
            break;
        }
    }
    free(used);
    assert_int_equal(k, count);
    for (k = 0; k < count; k++) {
        set_contact_all(m, q[k].giver, 0);
        set_contact_all(m, q[k].taker, 0);
    }
    for (k = 0; k < count; k++) {
        uint32_t halves[2] = {q[k].h, q[k].tw};
        for (int e = 0; e < 2; e++) {
            uint32_t h = halves[e];
            t->contact[h] = t->engagement[h] = 1;
            t->trust[h] = 0.5f;
            t->rupture[h] = 0;
            t->harm[h] = t->reciprocity[h] = 0;
        }
        m->people.culture[q[k].giver] = 0;
    }
}

/* The week's snapshot, then for each pair the giver at capacity 0.6 and hostility `hostility`,
 * the taker at capacity 0.3 and never hostile, no grievance either way. */
static void lone_snapshot(attune_model *m, const lone_tie *q, int count, int32_t week,
                          float hostility)
{
    people *pp = &m->people;
    interactions_snapshot(m, week);
    for (int k = 0; k < count; k++) {
        pp->give_capacity[q[k].giver] = 0.6f;
        pp->give_capacity[q[k].taker] = 0.3f;
        pp->hostility[q[k].giver] = hostility;
        pp->hostility[q[k].taker] = 0;
        m->ties.grievance[q[k].h] = m->ties.grievance[q[k].tw] = 0;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Perception through the working model (ODD 7.1 "Perceiving", 7.3c; claim C3)                 */

/* ODD 7.1 and 7.3c (claim C3): the receiver i perceives
 *   quality = care (1 - avoidance_discount avoidance_i L)
 *             - [hostile] hostility_severity (1 + anxiety_negativity_bias anxiety_i L),
 * L = 1 - insight.loosening integration_i; the care taken in (learn_care, mirroring) is
 * discounted alike, and a hostile response adds severity (1 + bias anxiety L) to harm. Four
 * receivers of the same care differ only in their working model: anxiety does not change what
 * care is taken in but makes hostility weigh more; avoidance takes less from care; integration
 * loosens both. Checked in a week of care without hostility and one with hostility always. */
static void perception_anxious_weigh_hostility_more_and_avoidant_take_less_from_care(void **state)
{
    (void)state;
    static const char *const settings[] = {
        "interaction.noise", "0", "rupture.probability", "0", "availability.sd", "0", NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    enum { SECURE, ANXIOUS, AVOIDANT, INTEGRATED, N };
    const float anxiety[N] = {0, 0.8f, 0, 0.8f}, avoidance[N] = {0, 0, 0.8f, 0.8f},
                integration[N] = {0, 0, 0, 1};
    lone_tie q[N];
    lone_friendships(m, q, N);
    for (int k = 0; k < N; k++) {
        uint32_t r = q[k].taker;
        pp->anxiety[r] = anxiety[k];
        pp->avoidance[r] = avoidance[k];
        pp->integration[r] = integration[k];
        pp->disorganization[r] = 0;
    }
    const double w = m->kind_weight[ATTUNE_TIE_FRIEND];
    const double closeness = w * (0.5 + 0.5 * 0.5);
    double mirror = 0;
    const double care = care_without_noise(m, q[0].giver, 0.6f, 1.0, &mirror);
    assert_true(care > 0.2);
    double quality[2][N];
    for (int hostile = 0; hostile <= 1; hostile++) {
        for (int k = 0; k < N; k++) { /* the same tie state each week */
            t->trust[q[k].tw] = 0.5f;
            t->harm[q[k].tw] = 0;
            t->reciprocity[q[k].tw] = 0;
        }
        const int32_t week = 3 + hostile;
        lone_snapshot(m, q, N, week, hostile ? 1.0f : 0.0f);
        interactions_exchange(m, week);
        for (int k = 0; k < N; k++) {
            uint32_t r = q[k].taker;
            double loosen = 1.0 - p->insight_loosening * integration[k];
            double take_in = 1.0 - p->interaction_avoidance_discount * avoidance[k] * loosen;
            double negativity = 1.0 + p->interaction_anxiety_negativity_bias * anxiety[k] * loosen;
            double harm = hostile ? p->interaction_hostility_severity * negativity : 0.0;
            assert_int_equal(pp->meetings[r], 1);
            assert_int_equal(pp->hostile_meetings[r], hostile);
            expect_near(pp->received_quality_sum[r], care * take_in - harm, 1e-6);
            expect_near(pp->learn_weight[r], closeness, 1e-6);
            expect_near(pp->learn_care[r], closeness * care * take_in, 1e-6);
            expect_near(pp->mirror_sum[r], closeness * mirror * take_in, 1e-6);
            expect_near(pp->learn_fright[r], hostile ? closeness : 0.0, 1e-6);
            expect_near(t->harm[q[k].tw], harm, 1e-6);
            quality[hostile][k] = pp->received_quality_sum[r];
        }
    }
    const double disc = p->interaction_avoidance_discount,
                 bias = p->interaction_anxiety_negativity_bias;
    const double severity = p->interaction_hostility_severity;
    assert_true(disc > 0 && bias > 0 && p->insight_loosening > 0);
    /* Care alone: anxiety changes nothing; avoidance takes less. */
    expect_near(quality[0][ANXIOUS], quality[0][SECURE], 1e-7);
    expect_near(quality[0][AVOIDANT] - quality[0][SECURE], -care * disc * 0.8, 1e-6);
    /* Hostility: the anxious weigh it more, the avoidant as the secure do. */
    expect_near(quality[1][ANXIOUS] - quality[1][SECURE], -severity * bias * 0.8, 1e-6);
    expect_near(quality[1][AVOIDANT] - quality[0][AVOIDANT],
                quality[1][SECURE] - quality[0][SECURE], 1e-6);
    /* Integration loosens both distortions. */
    assert_true(quality[0][INTEGRATED] > quality[0][AVOIDANT]);
    assert_true(quality[1][INTEGRATED] - quality[0][INTEGRATED] >
                quality[1][ANXIOUS] - quality[0][ANXIOUS]);
    attune_model_free(m);
}

/* ------------------------------------------------------------------------------------------ */
/* Meetings (ODD 7.1 "Meeting", "Rupture and repair")                                         */

/* ODD 7.1: the two ends of a tie meet with probability contact (contact x rupture.contact_factor
 * while ruptured), decided by one pair-keyed draw, and work the meeting out alike. Every tie of
 * the town is given one of three contacts and a quarter are ruptured (no hostility, so no
 * rupture starts; no repair). Each week a half-tie's balance starts at 0 and its trust at 1/2,
 * so that a meeting shows in either (engagement 1/2 keeps care below 1, where it would clamp
 * and could leave both as they were); the meetings so found are each person's count. A town of
 * 8,000 (two chunks of the exchange's schedule, more half-ties than a thread keeps notes for),
 * so that many higher ids work a meeting out again rather than read the lower id's note. Both
 * halves of every tie met or neither, and each took in what the other gave (balances opposite).
 * Over four weeks the share of ties met is the contact, within a binomial tolerance. */
static void both_ends_decide_a_meeting_alike_at_the_contact(void **state)
{
    (void)state;
    static const char *const settings[] = {"population.size",
                                           "8000",
                                           "interaction.hostility_base",
                                           "0",
                                           "interaction.hostility_gain",
                                           "0",
                                           "coping.strain",
                                           "0",
                                           "harm.grievance_gain",
                                           "0",
                                           "rupture.repair_probability",
                                           "0",
                                           NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    const uint32_t n = pp->count;
    enum { CLASSES = 3 };
    const float contact[CLASSES] = {0.2f, 0.5f, 0.9f};
    double ties[2][CLASSES] = {{0}}, met[2][CLASSES] = {{0}};
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            uint32_t j = t->other[h];
            if (j < i)
                continue;
            uint32_t tw = t->twin[h];
            t->contact[h] = t->contact[tw] = contact[(i + j) % CLASSES];
            t->rupture[h] = t->rupture[tw] = (i * 7u + j) % 4u == 0;
            /* Care below 1 both ways, so that no meeting leaves balance and trust as they were. */
            t->engagement[h] = t->engagement[tw] = 0.5f;
        }
    }
    uint8_t *seen = malloc(t->size);
    assert_non_null(seen);
    print_message("%u people, %u half-tie slots\n", n, t->size);
    for (int32_t week = 1; week <= 4; week++) {
        for (uint32_t h = 0; h < t->size; h++) {
            t->reciprocity[h] = 0;
            t->trust[h] = 0.5f;
        }
        interactions_snapshot(m, week);
        interactions_exchange(m, week);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t found = 0;
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
                seen[h] = t->reciprocity[h] != 0 || t->trust[h] != 0.5f;
                found += seen[h];
            }
            assert_int_equal(found, pp->meetings[i]);
        }
        for (uint32_t i = 0; i < n; i++) {
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
                uint32_t j = t->other[h], tw = t->twin[h];
                assert_int_equal(seen[h], seen[tw]);
                assert_true(t->reciprocity[h] == -t->reciprocity[tw]);
                assert_int_equal(t->rupture[h] & TIE_RUPTURED, t->rupture[tw] & TIE_RUPTURED);
                if (j < i || !pp->alive[i] || !pp->alive[j])
                    continue;
                int c = (int)((i + j) % CLASSES), r = t->rupture[h] & TIE_RUPTURED;
                ties[r][c]++;
                met[r][c] += seen[h];
            }
        }
    }
    free(seen);
    for (int r = 0; r < 2; r++) {
        for (int c = 0; c < CLASSES; c++) {
            double expected = contact[c] * (r ? p->rupture_contact_factor : 1.0);
            double share = met[r][c] / ties[r][c];
            double se = sqrt(expected * (1 - expected) / ties[r][c]);
            print_message("contact %.2f%s: met %.4f of %.0f tie-weeks, expected %.4f (se %.4f)\n",
                          contact[c], r ? " ruptured" : "", share, ties[r][c], expected, se);
            assert_true(ties[r][c] > 1000);
            expect_near(share, expected, 4.5 * se);
        }
    }
    attune_model_free(m);
}

/* ------------------------------------------------------------------------------------------ */
/* Trust and reciprocity (ODD 7.1 "Trust", "Reciprocity")                                      */

/* ODD 7.1: in a meeting trust moves by interaction.trust_rate toward clamp(perceived care -
 * harm [+ rupture.repair_bond], 0, 1), harm the meeting's hostility as perceived, the bond for a
 * tie once repaired that is not toxic now; not upward while the tie is ruptured (downward it
 * still moves). One lone friendship, the same meeting six ways: intact from low trust (rises),
 * intact with a hostile response (falls toward 0), ruptured from low trust (does not rise),
 * ruptured from high trust (falls), repaired once (rises toward perceived care + the bond), and
 * repaired once but toxic (rises toward perceived care only). The receiver is avoidant and
 * anxious, so that perceived care and harm are its own. */
static void trust_moves_toward_perceived_care_minus_harm_and_not_up_across_a_rupture(void **state)
{
    (void)state;
    static const char *const settings[] = {"interaction.noise",
                                           "0",
                                           "rupture.probability",
                                           "0",
                                           "rupture.repair_probability",
                                           "0",
                                           "rupture.contact_factor",
                                           "1",
                                           "rupture.repair_bond",
                                           "0.15",
                                           "availability.sd",
                                           "0",
                                           NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    lone_tie q;
    lone_friendships(m, &q, 1);
    pp->anxiety[q.taker] = 0.5f;
    pp->avoidance[q.taker] = 0.4f;
    pp->integration[q.taker] = 0;
    const double rate = p->interaction_trust_rate;
    const double take_in = 1.0 - p->interaction_avoidance_discount * 0.4;
    const double perceived = care_without_noise(m, q.giver, 0.6f, 1.0, NULL) * take_in;
    const double fright =
        p->interaction_hostility_severity * (1.0 + p->interaction_anxiety_negativity_bias * 0.5);
    assert_true(rate > 0 && perceived > 0.3);
    /* The last two were repaired once (TIE_REPAIRED): the first keeps rupture.repair_bond above
     * what it perceives; the second harms more than it gives, and keeps nothing. */
    enum { INTACT_LOW, INTACT_HOSTILE, RUPTURED_LOW, RUPTURED_HIGH, BONDED, BONDED_TOXIC, CASES };
    const float trust0[CASES] = {0.1f, 0.8f, 0.1f, 0.9f, 0.1f, 0.1f};
    const int bits[CASES] = {0, 0, TIE_RUPTURED, TIE_RUPTURED, TIE_REPAIRED, TIE_REPAIRED};
    const int hostile[CASES] = {0, 1, 0, 0, 0, 0};
    const float harm0[CASES] = {0, 0, 0, 0, 0, (float)(p->harm_benefit_scale * 0.1 + 1.0)};
    const double bond = p->rupture_repair_bond;
    assert_true(bond > 0 && perceived + bond < 1);
    for (int c = 0; c < CASES; c++) {
        t->trust[q.tw] = t->trust[q.h] = trust0[c];
        t->rupture[q.tw] = t->rupture[q.h] = (uint8_t)bits[c];
        t->harm[q.tw] = t->harm[q.h] = harm0[c];
        t->reciprocity[q.tw] = t->reciprocity[q.h] = 0;
        lone_snapshot(m, &q, 1, 7, hostile[c] ? 1.0f : 0.0f);
        interactions_exchange(m, 7);
        assert_int_equal(pp->meetings[q.taker], 1);
        assert_int_equal(pp->hostile_meetings[q.taker], hostile[c]);
        double target = clamp01(perceived - (hostile[c] ? fright : 0.0) + (c == BONDED ? bond : 0));
        if ((bits[c] & TIE_RUPTURED) && target > trust0[c])
            target = trust0[c];
        double expected = trust0[c] + rate * (target - trust0[c]);
        print_message("case %d: trust %.3f -> %.6f (expected %.6f)\n", c, trust0[c], t->trust[q.tw],
                      expected);
        expect_near(t->trust[q.tw], expected, 1e-6);
    }
    /* The directions: rises intact, falls with hostility, holds across a rupture. */
    assert_true(perceived > trust0[INTACT_LOW] && perceived < trust0[RUPTURED_HIGH]);
    assert_true(perceived - fright < 0);
    attune_model_free(m);
}

/* ODD 7.1 (C6): each half-tie keeps a balance B of care given minus care received: every week
 * B <- reciprocity.retention B and, in a meeting, B += care_i->j - care_j->i; the other half
 * keeps the opposite. One lone friendship in which both give (capacities 0.6 and 0.3,
 * engagements 1 and 0.5), without noise, over six weeks from a balance of 0.4 (past the allowance
 * too: mutuality damps only what the taker takes in, not the balance); then a week without a
 * meeting, in which the balance is only retained. */
static void reciprocity_accumulates_care_given_minus_care_received(void **state)
{
    (void)state;
    static const char *const settings[] = {"interaction.noise", "0", "availability.sd", "0", NULL};
    attune_model *m = small_town(settings);
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    lone_tie q;
    lone_friendships(m, &q, 1);
    t->engagement[q.tw] = 0.5f;
    t->reciprocity[q.h] = 0.4f;
    t->reciprocity[q.tw] = -0.4f;
    const double given = care_without_noise(m, q.giver, 0.6f, 1.0, NULL);
    const double received = care_without_noise(m, q.taker, 0.3f, 0.5f, NULL);
    assert_true(given > received + 0.1 && received > 0.05);
    const float retention = (float)p->reciprocity_retention;
    assert_true(retention < 1.0f);
    double b = 0.4f, b_taker = -0.4f;
    for (int32_t week = 1; week <= 6; week++) {
        lone_snapshot(m, &q, 1, week, 0.0f);
        interactions_exchange(m, week);
        assert_int_equal(pp->meetings[q.giver], 1);
        b = (float)((float)b * retention) + (given - received);
        b_taker = (float)((float)b_taker * retention) + (received - given);
        expect_near(t->reciprocity[q.h], b, 1e-5);
        expect_near(t->reciprocity[q.tw], b_taker, 1e-5);
        expect_near(t->reciprocity[q.h], -t->reciprocity[q.tw], 1e-6);
    }
    /* Weeks without a meeting: the balance is only retained. */
    t->contact[q.h] = t->contact[q.tw] = 0;
    float before = t->reciprocity[q.h];
    lone_snapshot(m, &q, 1, 7, 0.0f);
    interactions_exchange(m, 7);
    assert_int_equal(pp->meetings[q.giver], 0);
    expect_near(t->reciprocity[q.h], before * retention, 1e-6);
    attune_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(capacity_follows_inner_state_disposition_integration_and_coping),
        cmocka_unit_test(the_weekly_swing_of_capacity_grows_with_anxiety),
        cmocka_unit_test(hostility_follows_strain_and_substance_use),
        cmocka_unit_test(a_caregivers_capacity_toward_its_child_follows_culture_and_parenting),
        cmocka_unit_test(hostility_toward_ones_child_is_frightening_and_parenting_lowers_it),
        cmocka_unit_test(perception_anxious_weigh_hostility_more_and_avoidant_take_less_from_care),
        cmocka_unit_test(both_ends_decide_a_meeting_alike_at_the_contact),
        cmocka_unit_test(trust_moves_toward_perceived_care_minus_harm_and_not_up_across_a_rupture),
        cmocka_unit_test(reciprocity_accumulates_care_given_minus_care_received),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
