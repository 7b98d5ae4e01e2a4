/* Harm, rupture and repair; spells of withdrawal and availability; ending ties (release); the
 * interventions that act on ties. */
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

/* ODD 7.1: hostility accumulates harm and ruptures ties, alike at both ends; not therapy ties,
 * whose ruptures are the sessions' (7.7), though a client's hostility harms them too. */
static void hostility_accumulates_harm_and_ruptures_both_ends_alike(void **state)
{
    (void)state;
    static const char *const hostile[] = {"interaction.hostility_base", "0.6", NULL};
    attune_model *m = small_town(hostile);
    step(m, 26);
    const tie_store *t = &m->ties;
    double harm = 0, therapy_harm = 0;
    size_t halves = 0, ruptured = 0, therapy_halves = 0;
    for (uint32_t i = 0; i < m->people.count; i++) {
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            assert_int_equal(t->rupture[h] & TIE_RUPTURED, t->rupture[t->twin[h]] & TIE_RUPTURED);
            if (t->kind[h] == ATTUNE_TIE_THERAPIST || t->kind[h] == ATTUNE_TIE_CLIENT) {
                /* a therapy tie ruptures only in its sessions (therapy.c), not here */
                assert_false(t->rupture[h] & TIE_RUPTURED);
                therapy_harm += t->harm[h];
                therapy_halves++;
                continue;
            }
            harm += t->harm[h];
            ruptured += t->rupture[h] & TIE_RUPTURED;
            halves++;
        }
    }
    print_message("mean harm %.2f, ruptured %.2f of ties; %zu therapy half-ties, harm %.2f\n",
                  harm / halves, (double)ruptured / halves, therapy_halves, therapy_harm);
    assert_true(harm / halves > 1.0);
    assert_true((double)ruptured / halves > 0.3);
    assert_true(therapy_halves > 20 && therapy_harm > 0); /* clients were hostile in them */
    attune_model_free(m);
}

/* Ruptures every friendship, then holds one end of half of them unable to attune: repair
 * needs both sides to attune. */
static void repair_needs_both_sides_to_attune(void **state)
{
    (void)state;
    static const char *const calm[] = {"interaction.hostility_base", "0",
                                       "interaction.hostility_gain", "0", NULL};
    attune_model *m = small_town(calm);
    tie_store *t = &m->ties;
    people *pp = &m->people;
    /* Odd ids (newborns too) cannot attune. */
#define cold(i) ((i) % 2u)
    size_t n[2] = {0, 0}, repaired[2] = {0, 0};
    for (uint32_t i = 0; i < pp->count; i++)
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            if (t->kind[h] == ATTUNE_TIE_FRIEND)
                t->rupture[h] = 1;
    for (int w = 0; w < 26; w++) {
        for (uint32_t i = 0; i < pp->count; i++)
            if (cold(i))
                pp->disposition[i] = -1, pp->self_worth[i] = 0, pp->affect[i] = -1;
        step(m, 1);
    }
    for (uint32_t i = 0; i < pp->count; i++) {
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            if (t->kind[h] != ATTUNE_TIE_FRIEND || t->since[h] > 0)
                continue;
            int g = cold(i) || cold(t->other[h]);
            n[g]++;
            repaired[g] += !(t->rupture[h] & TIE_RUPTURED);
        }
    }
    double warm_share = (double)repaired[0] / n[0], cold_share = (double)repaired[1] / n[1];
    print_message("repaired: both attune %.2f, one cannot %.2f\n", warm_share, cold_share);
    assert_true(warm_share > 0.5);
    assert_true(cold_share < 0.5 * warm_share);
#undef cold
    attune_model_free(m);
}

/* Spells of withdrawal start only in adults below the reference well-being, hold back their
 * care (so quality falls), and do not depend on the thread count. */
static void spells_of_withdrawal_follow_low_wellbeing(void **state)
{
    (void)state;
    attune_model *off = small_town(NULL);
    step(off, 20);
    for (uint32_t i = 0; i < off->people.count; i++)
        assert_int_equal(off->people.withdrawn[i], 0);
    static const char *const settings[] = {"withdrawal.rate", "1", NULL};
    attune_model *on = small_town(settings);
    step(on, 20);
    double w_in = 0, w_out = 0, q_in = 0, q_out = 0, n_in = 0, n_out = 0;
    for (uint32_t i = 0; i < on->people.count; i++) {
        if (!on->people.alive[i])
            continue;
        if (person_age_years(on, i) < 18) {
            assert_int_equal(on->people.withdrawn[i], 0);
            continue;
        }
        if (on->people.withdrawn[i]) {
            w_in += on->people.wellbeing[i];
            q_in += on->people.relationship_quality[i];
            n_in++;
        } else {
            w_out += on->people.wellbeing[i];
            q_out += on->people.relationship_quality[i];
            n_out++;
        }
    }
    print_message("adults withdrawn: %.0f of %.0f; well-being %.3f vs %.3f, quality %.3f vs %.3f\n",
                  n_in, n_in + n_out, w_in / n_in, w_out / n_out, q_in / n_in, q_out / n_out);
    assert_true(n_in > 50 && n_out > 50);
    assert_true(w_in / n_in < w_out / n_out);
    assert_true(q_in / n_in < q_out / n_out);
    /* The same spells and well-being on one thread as on two. */
    attune_model *one = small_town_on(settings, 1);
    step(one, 20);
    assert_int_equal(one->people.count, on->people.count);
    assert_memory_equal(one->people.withdrawn, on->people.withdrawn, on->people.count);
    assert_memory_equal(one->people.wellbeing, on->people.wellbeing,
                        on->people.count * sizeof(float));
    attune_model_free(one);
    attune_model_free(on);
    attune_model_free(off);
}

/* ODD 7.1, availability: a[t] = c + phi (a[t-1] - c) + sqrt(1 - phi^2) sd z with centre
 * c = wellbeing_gain (w - reference), only in adults; its noise is stationary with the given
 * standard deviation and persistence, and the same on one thread as on two. */
static void availability_follows_wellbeing_and_circumstances(void **state)
{
    (void)state;
    static const char *const none[] = {"availability.sd", "0", "availability.wellbeing_gain", "0",
                                       NULL};
    attune_model *off = small_town(none);
    step(off, 10);
    for (uint32_t i = 0; i < off->people.count; i++)
        assert_true(off->people.availability[i] == 0.0f);
    attune_model_free(off);

    /* Without noise, one snapshot moves availability a share 1 - phi of the way to the centre. */
    static const char *const centred[] = {"availability.sd",
                                          "0",
                                          "availability.wellbeing_gain",
                                          "2",
                                          "availability.persistence",
                                          "0.5",
                                          "availability.reference",
                                          "0.5",
                                          NULL};
    attune_model *m = small_town(centred);
    people *pp = &m->people;
    uint32_t adults = 0;
    for (uint32_t i = 0; i < pp->count; i++) {
        pp->availability[i] = 0.25f;
        pp->wellbeing[i] = (float)(0.3 + 0.4 * (i % 5) / 4.0);
    }
    interactions_snapshot(m, 1);
    for (uint32_t i = 0; i < pp->count; i++) {
        if (person_age_years(m, i) < 18) {
            assert_true(pp->availability[i] == 0.0f);
            continue;
        }
        double centre = 2.0 * ((double)(float)(0.3 + 0.4 * (i % 5) / 4.0) - 0.5);
        expect_near(pp->availability[i], centre + 0.5 * (0.25 - centre), 1e-6);
        adults++;
    }
    assert_true(adults > 1000);
    attune_model_free(m);

    /* Circumstances alone: mean 0, the standard deviation sd, lag-1 correlation phi. */
    static const char *const noisy[] = {"availability.sd", "0.3", "availability.persistence", "0.9",
                                        NULL};
    attune_model *on = small_town(noisy);
    step(on, 79);
    uint32_t n = on->people.count;
    float *before = malloc(n * sizeof *before);
    assert_non_null(before);
    memcpy(before, on->people.availability, n * sizeof *before);
    step(on, 1);
    double s = 0, s2 = 0, sxy = 0, sx2 = 0, k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!on->people.alive[i] || person_age_years(on, i) < 19)
            continue;
        double a = on->people.availability[i], b = before[i];
        s += a;
        s2 += a * a;
        sxy += a * b;
        sx2 += b * b;
        k++;
    }
    double mean = s / k, sd = sqrt(s2 / k - mean * mean), r = sxy / sqrt(s2 * sx2);
    print_message("adults %.0f: availability mean %.4f, sd %.4f, lag-1 correlation %.3f\n", k, mean,
                  sd, r);
    assert_true(fabs(mean) < 0.03);
    assert_true(fabs(sd - 0.3) < 0.03);
    assert_true(fabs(r - 0.9) < 0.04);
    attune_model *one = small_town_on(noisy, 1);
    step(one, 80);
    assert_int_equal(one->people.count, n);
    assert_memory_equal(one->people.availability, on->people.availability, n * sizeof(float));
    free(before);
    attune_model_free(one);
    attune_model_free(on);
}

/* Care given to an adult on a tie between equals is scaled by the giver's max(0, 1 + a): one
 * meeting between two adult friends, with j's availability 0, -1/2 and -1. */
static double exchange_with_availability(float a, uint32_t *ip, uint32_t *jp)
{
    static const char *const calm[] = {"interaction.hostility_base",
                                       "0",
                                       "interaction.hostility_gain",
                                       "0",
                                       "availability.wellbeing_gain",
                                       "1",
                                       "availability.sd",
                                       "0",
                                       NULL};
    attune_model *m = small_town(calm);
    const tie_store *t = &m->ties;
    uint32_t i = 0, h = TIE_NONE;
    for (i = 0; i < m->people.count && h == TIE_NONE; i++) {
        if (person_age_years(m, i) < 25)
            continue;
        for (uint32_t x = t->start[i]; x < t->start[i] + t->count[i]; x++)
            if (t->kind[x] == ATTUNE_TIE_FRIEND && person_age_years(m, t->other[x]) >= 25) {
                h = x;
                break;
            }
    }
    assert_true(h != TIE_NONE);
    i = t->other[t->twin[h]];
    uint32_t j = t->other[h];
    set_contact_all(m, i, 0);
    m->ties.contact[h] = m->ties.contact[t->twin[h]] = 1;
    interactions_snapshot(m, 1);
    m->people.availability[j] = a;
    interactions_exchange(m, 1);
    assert_int_equal(m->people.meetings[i], 1);
    double exchange = m->people.exchange_sum[i];
    *ip = i;
    *jp = j;
    attune_model_free(m);
    return exchange;
}

static void availability_scales_care_between_adult_equals(void **state)
{
    (void)state;
    uint32_t i, j;
    /* exchange = (given + received) / 2 with no hostility; only received changes */
    double full = exchange_with_availability(0.0f, &i, &j);
    double half = exchange_with_availability(-0.5f, &i, &j);
    double none = exchange_with_availability(-1.0f, &i, &j);
    double beyond = exchange_with_availability(-3.0f, &i, &j);
    double received = 2.0 * (full - none);
    print_message("adults %u and %u: exchange %.4f, %.4f, %.4f (received %.4f)\n", i, j, full, half,
                  none, received);
    assert_true(received > 0.05);
    expect_near(full - half, 0.25 * received, 1e-6);
    expect_near(beyond, none, 1e-7);
}

static void toxic_ties_are_ended_but_minors_keep_their_caregivers(void **state)
{
    (void)state;
    static const char *const harsh[] = {
        "interaction.hostility_base", "0.4", "release.rate", "1", "harm.benefit_scale", "0", NULL};
    attune_model *m = small_town(harsh);
    size_t ended = 0, by_minor_of_caregiver = 0;
    for (int w = 0; w < 52; w++) {
        step(m, 1);
        const attune_event *ev;
        size_t count;
        attune_model_events(m, &ev, &count);
        for (size_t k = 0; k < count; k++) {
            if (strcmp(ev[k].type, "tie_ended") != 0)
                continue;
            ended++;
            if (person_age_years(m, ev[k].person) < 18 &&
                (strcmp(ev[k].detail, "caregiver") == 0 || strcmp(ev[k].detail, "teacher") == 0))
                by_minor_of_caregiver++;
        }
    }
    print_message("ties ended %zu, by a minor of its caregiver or teacher %zu\n", ended,
                  by_minor_of_caregiver);
    assert_true(ended > 100);
    assert_int_equal(by_minor_of_caregiver, 0);
    attune_error err;
    assert_int_equal(attune_model_check(m, &err), ATTUNE_OK);
    attune_model_free(m);
}

static void interventions_add_community_ties_end_toxic_ties_and_warm_parents(void **state)
{
    (void)state;
    static const char *const setup[] = {"interaction.hostility_base",
                                        "0.3",
                                        "release.rate",
                                        "0",
                                        "intervention.programme.kind",
                                        "community_programme",
                                        "intervention.programme.start_week",
                                        "30",
                                        "intervention.programme.magnitude",
                                        "3",
                                        "intervention.programme.age_min",
                                        "18",
                                        "intervention.programme.share",
                                        "0.2",
                                        "intervention.leave.kind",
                                        "leave_toxic_tie",
                                        "intervention.leave.start_week",
                                        "30",
                                        "intervention.leave.age_min",
                                        "18",
                                        "intervention.leave.target_state",
                                        "toxic_ties",
                                        "intervention.leave.state_min",
                                        "1",
                                        "intervention.parents.kind",
                                        "parenting",
                                        "intervention.parents.start_week",
                                        "30",
                                        "intervention.parents.magnitude",
                                        "0.5",
                                        NULL};
    attune_model *m = small_town(setup);
    step(m, 29);
    step(m, 1);
    const id_list *leavers = &m->interventions[1].targets;
    const id_list *joiners = &m->interventions[0].targets;
    size_t formed = 0, ended = 0;
    const attune_event *ev;
    size_t count;
    attune_model_events(m, &ev, &count);
    for (size_t k = 0; k < count; k++) {
        formed +=
            strcmp(ev[k].type, "tie_formed") == 0 && strcmp(ev[k].detail, "intervention") == 0;
        ended += strcmp(ev[k].type, "tie_ended") == 0 && strstr(ev[k].detail, "(intervention)");
    }
    print_message("programme: %u targets, %zu ties formed; leave: %u targets, %zu ended\n",
                  joiners->count, formed, leavers->count, ended);
    assert_true(joiners->count > 100);
    assert_true(formed >= 2 * (size_t)joiners->count);
    assert_true(leavers->count > 20);
    assert_true(ended >= leavers->count / 2 && ended <= leavers->count);
    /* Parents in the programme give their children more than they otherwise would. */
    const id_list *parents = &m->interventions[2].targets;
    assert_true(parents->count > 50);
    assert_non_null(m->parenting);
    double with = 0, without = 0;
    for (uint32_t k = 0; k < parents->count; k++) {
        uint32_t i = parents->ids[k];
        with += capacity_toward(m, i, ATTUNE_TIE_CHILD);
        float saved = m->parenting[i];
        m->parenting[i] = 0;
        without += capacity_toward(m, i, ATTUNE_TIE_CHILD);
        m->parenting[i] = saved;
    }
    print_message("capacity toward children: %.3f with the programme, %.3f without\n",
                  with / parents->count, without / parents->count);
    assert_true(with > without);
    attune_error err;
    assert_int_equal(attune_model_check(m, &err), ATTUNE_OK);
    attune_model_free(m);
}

/* Every friendship, partnership and caregiving tie is made harmful (harm 4, trust 0.1: 3.2
 * beyond its benefit); friendships and caregiving ties are ruptured, partnerships not. Only the
 * open rifts between equals (the friendships) carry a grievance, as the formula gives. Returns
 * the hostile meetings of the week that follows. */
static uint64_t hostile_meetings_with_open_rifts(const char *gain)
{
    const char *const settings[] = {"harm.grievance_gain", gain, NULL};
    attune_model *m = small_town(settings);
    tie_store *t = &m->ties;
    for (uint32_t i = 0; i < m->people.count; i++) {
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            int kind = t->kind[h];
            if (kind == ATTUNE_TIE_FRIEND || kind == ATTUNE_TIE_PARTNER ||
                kind == ATTUNE_TIE_CAREGIVER || kind == ATTUNE_TIE_CHILD) {
                t->harm[h] = 4.0f;
                t->trust[h] = 0.1f;
                t->rupture[h] = kind != ATTUNE_TIE_PARTNER;
            }
        }
    }
    interactions_snapshot(m, m->week + 1);
    double excess = 4.0 - m->p->harm_benefit_scale * (double)0.1f;
    double scale = m->p->harm_grievance_scale, g = atof(gain);
    uint8_t expected =
        (uint8_t)lround(255.0 * g * excess * excess / (excess * excess + scale * scale));
    size_t friends = 0;
    for (uint32_t i = 0; i < m->people.count; i++) {
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            if (t->kind[h] == ATTUNE_TIE_FRIEND) {
                assert_int_equal(t->grievance[h], expected);
                friends++;
            } else {
                assert_int_equal(t->grievance[h], 0);
            }
        }
    }
    assert_true(friends > 1000);
    step(m, 1);
    uint64_t hostile = 0;
    for (uint32_t i = 0; i < m->people.count; i++)
        hostile += m->people.hostile_meetings[i];
    attune_model_free(m);
    return hostile;
}

static void open_rifts_breed_hostility_intact_and_role_ties_carry_none(void **state)
{
    (void)state;
    uint64_t without = hostile_meetings_with_open_rifts("0");
    uint64_t with = hostile_meetings_with_open_rifts("1");
    print_message("hostile meetings in a week: no grievance %llu, grievance %llu\n",
                  (unsigned long long)without, (unsigned long long)with);
    assert_true(with > 2 * without);
}

/* Stress added to a person by one week of life events with no stressors and no grief
 * (harm.chronic_stress `chronic`, harm.chronic_scale 0.7), after its ties were set: a friend
 * tie toxic by `excess`, another tie between equals by 2 `excess`, every tie of caregiving,
 * teaching or therapy (the person has at least one) by 5 harm units, the rest harm 0. */
static double chronic_stress_of_a_week(const char *chronic, double excess)
{
    const char *const settings[] = {"life_events.stressor_rate",
                                    "0",
                                    "harm.chronic_stress",
                                    chronic,
                                    "harm.chronic_scale",
                                    "0.7",
                                    NULL};
    attune_model *m = small_town(settings);
    tie_store *t = &m->ties;
    uint32_t person = UINT32_MAX, friend = TIE_NONE, equal = TIE_NONE;
    for (uint32_t i = 0; i < m->people.count && person == UINT32_MAX; i++) {
        int asymmetric = 0;
        friend = equal = TIE_NONE;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            if (t->kind[h] == ATTUNE_TIE_FRIEND && friend == TIE_NONE)
                friend = h;
            else if (!tie_kind_asymmetric(t->kind[h]) && equal == TIE_NONE)
                equal = h;
            asymmetric |= tie_kind_asymmetric(t->kind[h]);
        }
        if (friend != TIE_NONE && equal != TIE_NONE && asymmetric)
            person = i;
    }
    assert_true(person != UINT32_MAX);
    double benefit = m->p->harm_benefit_scale;
    for (uint32_t h = t->start[person]; h < t->start[person] + t->count[person]; h++)
        t->harm[h] = tie_kind_asymmetric(t->kind[h]) ? (float)(benefit * t->trust[h] + 5.0) : 0;
    t->harm[friend] = (float)(benefit * t->trust[friend] + excess);
    t->harm[equal] = (float)(benefit * t->trust[equal] + 2 * excess);
    m->people.stress[person] = 0;
    m->people.grief_pending[person] = 0;
    life_events_update(m, m->week);
    double stress = m->people.stress[person];
    attune_model_free(m);
    return stress;
}

/* The load is the sum over toxic ties between equals of e^2 / (e^2 + scale^2); ties of
 * caregiving, teaching and therapy carry none. */
static void toxic_ties_between_equals_weigh_as_chronic_stress(void **state)
{
    (void)state;
    const double scale2 = 0.7 * 0.7;
    for (double e = 0.25; e <= 1.0; e *= 2) {
        double expected = 0.04 * (e * e / (e * e + scale2) + 4 * e * e / (4 * e * e + scale2));
        double stress = chronic_stress_of_a_week("0.04", e);
        print_message("excess %.2f: stress %.6f, expected %.6f\n", e, stress, expected);
        assert_float_equal(stress, expected, 2e-6);
    }
}

/* Hedonic adaptation: with affect.adaptation_share a, relational input is measured against
 * the reference plus a x quality_shift, so a person used to better meetings (shift 0.3) takes
 * the same week as less: input falls by 0.3 a W / (W + 1), W the week's kind weights; the
 * quality of the meetings and everything else is the same. quality_shift then follows the
 * week's mean quality at affect.adaptation_rate. */
static void affect_adapts_to_the_quality_one_is_used_to(void **state)
{
    (void)state;
    const char *const plain_settings[] = {"affect.adaptation_share", "0", NULL};
    const char *const adapted_settings[] = {"affect.adaptation_share", "1",
                                            "affect.adaptation_rate", "0.05", NULL};
    attune_model *plain = small_town(plain_settings);
    attune_model *adapted = small_town(adapted_settings);
    uint32_t n = plain->people.count;
    assert_int_equal(adapted->people.count, n);
    /* The start's affect settles with the input as adaptation measures it (ODD 5): the same in
     * both, so that only the reference differs. */
    for (uint32_t i = 0; i < n; i++) {
        plain->people.quality_shift[i] = adapted->people.quality_shift[i] = 0.3f;
        adapted->people.affect[i] = plain->people.affect[i];
    }
    attune_model *both[2] = {plain, adapted};
    for (int k = 0; k < 2; k++) {
        interactions_snapshot(both[k], 1);
        interactions_exchange(both[k], 1);
    }
    const people *a = &plain->people, *b = &adapted->people;
    uint32_t met = 0;
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(a->meetings[i], b->meetings[i]);
        assert_true(a->received_quality_sum[i] == b->received_quality_sum[i]);
        if (a->meetings[i] == 0) {
            assert_true(a->received_input[i] == b->received_input[i]);
            continue;
        }
        met++;
        assert_true(b->received_input[i] < a->received_input[i]);
        assert_true(b->received_input[i] > a->received_input[i] - 0.3 - 1e-6);
    }
    assert_true(met > 1000);
    /* The shift follows the week's mean quality minus the reference. */
    uint32_t who = 0;
    while (b->meetings[who] == 0)
        who++;
    double mean = (double)b->received_quality_sum[who] / b->meetings[who];
    double expected = 0.3 + 0.05 * (mean - adapted->p->interaction_reference_quality - 0.3);
    affect_update(adapted);
    assert_true(fabs(b->quality_shift[who] - expected) < 1e-5);
    attune_model_free(plain);
    attune_model_free(adapted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostility_accumulates_harm_and_ruptures_both_ends_alike),
        cmocka_unit_test(repair_needs_both_sides_to_attune),
        cmocka_unit_test(spells_of_withdrawal_follow_low_wellbeing),
        cmocka_unit_test(availability_follows_wellbeing_and_circumstances),
        cmocka_unit_test(availability_scales_care_between_adult_equals),
        cmocka_unit_test(open_rifts_breed_hostility_intact_and_role_ties_carry_none),
        cmocka_unit_test(affect_adapts_to_the_quality_one_is_used_to),
        cmocka_unit_test(toxic_ties_between_equals_weigh_as_chronic_stress),
        cmocka_unit_test(toxic_ties_are_ended_but_minors_keep_their_caregivers),
        cmocka_unit_test(interventions_add_community_ties_end_toxic_ties_and_warm_parents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
