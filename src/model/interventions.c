/*
 * Interventions of the scenario ([intervention NAME] entries), applied at the start of each
 * week in which they act. Targets are chosen at the start week among the living people of the
 * targeted ages, each with probability `share` by a draw keyed on (intervention, person), or on
 * (cohort, person) when `cohort` is above 0: two arms of an experiment that differ only in what
 * an intervention does target the same people, and interventions of one cohort the same people.
 *
 *   care_change  the care targets receive on every tie is multiplied by `magnitude`
 *                (a change of the caregiving environment: claim C2)
 *   attuned_tie  each target gains a friend tie (contact 0.9 a week) to an adult of its
 *                community whose capacity to attune is at least 0.6 + 0.3 min(magnitude, 1);
 *                with reciprocal = false the target gives nothing back while the
 *                intervention acts (a one-sided tie: claim C6). The tie outlasts it.
 *   isolation    targets meet nobody (claim C3)
 *   self_help    targets gain insight at magnitude x insight.self_help_rate a week (claim C5)
 *   parenting    targets who raise a minor close the share min(magnitude, 1) of the gap
 *                between their capacity toward their children and 1, and frighten them that
 *                much less (a parenting programme; only people raising minors are targeted)
 *   community_programme  each target gains round(magnitude) community ties to members of
 *                its community aged 5 or more (at the start week; the ties outlast it)
 *   leave_toxic_tie  each target ends its most harmful toxic tie that it may end (at the start
 *                week; grief as in release, tie_ended events marked "(intervention)")
 *   repair_rupture  every ruptured tie of each target that is not toxic is repaired, as a
 *                repair in interactions.c (trust up, harm relieved), at the start week
 *   leave_ruptured_tie  each target ends its least trusted ruptured tie that is not toxic and
 *                that it may end, at the start week (claim C8 compares it with repair)
 *   therapy      each target not in therapy begins a course at the start week (therapy.c)
 *   therapy_waitlist  targets may not seek or begin therapy while it acts
 *   keep_ties    targets end none of their ties by release while it acts (ODD 7.4:
 *                barriers to leaving such as dependence or fear; claim C7's stayers). The
 *                other end may still end a tie, couples may still separate, deaths end ties.
 *
 * Targets can be narrowed to a culture, a community, and a range of one state variable at the
 * start week (wellbeing, self_worth, anxiety, avoidance, disorganization, unmet_need, coping,
 * integration, in_distress, toxic_ties, ruptured_ties, and endable_toxic_ties and
 * endable_ruptured_ties: the same two counting only the ties the person may end, tie_is_endable;
 * claims C7 and C8 target those, since a leaver must be able to leave).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/processes.h"

#define ATTUNED_TIE_CONTACT 0.9

/* The draws intervention `index` makes for person i in a week (partners, members, therapists):
 * keyed on the person, with the intervention in the counter's high bits (at most
 * ATTUNE_MAX_INTERVENTIONS, and fewer than 2^16 blocks each), so no two interventions or
 * people share a number. */
_Static_assert(ATTUNE_MAX_INTERVENTIONS < 65535, "the intervention index fills 16 bits");
static rng_seq intervention_draws(const attune_model *m, size_t index, uint32_t i, int32_t week)
{
    return rng_seq_start_at(m->key, (uint32_t)week, STREAM_INTERVENTION, i,
                            (uint32_t)(index + 1) << 16);
}

int interventions_init(attune_model *m)
{
    const attune_entry_list *list = &m->scenario->entries[ENTRY_KIND_INTERVENTION];
    if (list->count == 0)
        return ATTUNE_OK;
    m->interventions = calloc(list->count, sizeof *m->interventions);
    if (m->interventions == NULL)
        return ATTUNE_ERR_NOMEM;
    m->intervention_count = list->count; /* only once there are that many to free */
    for (size_t k = 0; k < list->count; k++) {
        const double *v = list->items[k].values;
        intervention *iv = &m->interventions[k];
        iv->kind = (int)v[INTERVENTION_kind];
        iv->start_week = (int32_t)v[INTERVENTION_start_week];
        iv->end_week = iv->start_week + (int32_t)v[INTERVENTION_duration_weeks];
        iv->age_min = v[INTERVENTION_age_min];
        iv->age_max = v[INTERVENTION_age_max];
        iv->share = v[INTERVENTION_share];
        iv->magnitude = v[INTERVENTION_magnitude];
        iv->reciprocal = v[INTERVENTION_reciprocal] != 0;
        iv->cohort = (int)v[INTERVENTION_cohort];
        iv->culture = (int)v[INTERVENTION_culture];
        iv->community = (int)v[INTERVENTION_community];
        iv->target_state = (int)v[INTERVENTION_target_state];
        iv->state_min = v[INTERVENTION_state_min];
        iv->state_max = v[INTERVENTION_state_max];
    }
    return ATTUNE_OK;
}

void interventions_free(attune_model *m)
{
    for (size_t k = 0; k < m->intervention_count; k++) {
        free(m->interventions[k].targets.ids);
        free(m->interventions[k].partners.ids);
    }
    free(m->interventions);
    free(m->care_factor);
    free(m->parenting);
    free(m->isolated);
    free(m->self_help);
    free(m->barred);
}

int interventions_bar(const attune_model *m, uint32_t i, unsigned what)
{
    return m->barred != NULL && i < m->barred_size && (m->barred[i] & what) != 0;
}

/* The value of the state variable an intervention targets, for person i. */
static double target_value(const attune_model *m, int state, uint32_t i)
{
    const people *pp = &m->people;
    switch (state) {
    case TARGET_WELLBEING: return pp->wellbeing[i];
    case TARGET_SELF_WORTH: return pp->self_worth[i];
    case TARGET_ANXIETY: return pp->anxiety[i];
    case TARGET_AVOIDANCE: return pp->avoidance[i];
    case TARGET_DISORGANIZATION: return pp->disorganization[i];
    case TARGET_UNMET_NEED: return pp->unmet_need[i];
    case TARGET_COPING: return pp->coping[i];
    case TARGET_INTEGRATION: return pp->integration[i];
    case TARGET_IN_DISTRESS: return pp->in_episode[i];
    case TARGET_TOXIC_TIES:
    case TARGET_RUPTURED_TIES:
    case TARGET_ENDABLE_TOXIC_TIES:
    case TARGET_ENDABLE_RUPTURED_TIES: {
        const tie_store *t = &m->ties;
        int toxic = state == TARGET_TOXIC_TIES || state == TARGET_ENDABLE_TOXIC_TIES;
        int endable = state == TARGET_ENDABLE_TOXIC_TIES || state == TARGET_ENDABLE_RUPTURED_TIES;
        double count = 0;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            count += (toxic ? tie_is_toxic(m, h)
                            : (t->rupture[h] & TIE_RUPTURED) && !tie_is_toxic(m, h)) &&
                     (!endable || tie_is_endable(m, i, h));
        return count;
    }
    default: return 0;
    }
}

static int raises_minor(const attune_model *m, uint32_t i)
{
    const tie_store *t = &m->ties;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        if (t->kind[h] == ATTUNE_TIE_CHILD && person_age_years(m, t->other[h]) < 18)
            return 1;
    return 0;
}

static int eligible(const attune_model *m, const intervention *iv, uint32_t i, int32_t week)
{
    const people *pp = &m->people;
    double age = person_age_at(m, i, week);
    if (!pp->alive[i] || age < iv->age_min || age >= iv->age_max)
        return 0;
    if ((iv->culture >= 0 && pp->culture[i] != (uint32_t)iv->culture) ||
        (iv->community >= 0 && pp->community[i] != (uint32_t)iv->community))
        return 0;
    if (iv->kind == INTERVENTION_PARENTING && !raises_minor(m, i))
        return 0;
    if (iv->target_state != TARGET_ANY) {
        double v = target_value(m, iv->target_state, i);
        if (v < iv->state_min || v > iv->state_max)
            return 0;
    }
    return 1;
}

/* community_programme: round(magnitude) new community ties for target i. */
static int add_community_ties(attune_model *m, const intervention *iv, size_t index, uint32_t i,
                              int32_t week)
{
    const id_list *members = &m->community_members[m->people.community[i]];
    long wanted = lround(iv->magnitude);
    rng_seq s = intervention_draws(m, index, i, week);
    for (int tries = 0; wanted > 0 && tries < 50 * (int)wanted && members->count > 0; tries++) {
        uint32_t j = members->ids[rng_below(rng_seq_next(&s), members->count)];
        if (j == i || !m->people.alive[j] || m->people.community[j] != m->people.community[i] ||
            person_age_at(m, j, week) < COMMUNITY_MIN_AGE || ties_find(&m->ties, i, j) != TIE_NONE)
            continue;
        tie_edge e = {
            i,    j,   ATTUNE_TIE_COMMUNITY, ATTUNE_TIE_COMMUNITY, (float)m->p->contact_community,
            0.5f, week};
        uint32_t slot;
        int rc = ties_add(&m->ties, &e, &slot);
        if (rc != ATTUNE_OK)
            return rc;
        tie_start_engagement(m, slot); /* as a community tie formed by oneself */
        events_emit(&m->events, 0, PHASE_INTERVENTIONS, week, "tie_formed", i, j,
                    ATTUNE_TIE_COMMUNITY, "intervention");
        wanted--;
    }
    return ATTUNE_OK;
}

/* repair_rupture: the healthy ruptured ties of i are repaired (both halves). */
static void repair_ruptures(attune_model *m, uint32_t i, int32_t week)
{
    tie_store *t = &m->ties;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        if (!(t->rupture[h] & TIE_RUPTURED) || tie_is_toxic(m, h))
            continue;
        tie_repair(m, h);
        tie_repair(m, t->twin[h]);
        events_emit(&m->events, 0, PHASE_INTERVENTIONS, week, "tie_repaired", i, t->other[h],
                    t->kind[h], "intervention");
    }
}

/* leave_ruptured_tie: i ends its least trusted healthy ruptured tie that it may end. */
static int leave_ruptured_tie(attune_model *m, uint32_t i, int32_t week)
{
    const tie_store *t = &m->ties;
    uint32_t pick = TIE_NONE;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        if ((t->rupture[h] & TIE_RUPTURED) && !tie_is_toxic(m, h) && tie_is_endable(m, i, h) &&
            (pick == TIE_NONE || t->trust[h] < t->trust[pick]))
            pick = h;
    return pick == TIE_NONE ? ATTUNE_OK
                            : tie_end(m, i, t->other[pick], week, PHASE_INTERVENTIONS, 1);
}

/* Therapists drawn for a trial's client before it is given up (each already tied to it). */
#define THERAPIST_TRIES 8

/* therapy: target i, unless in therapy already or a therapist, begins a course with a therapist
 * drawn at random (a trial's places, beyond caseloads); a therapist already tied to i (its
 * partner, say) is drawn again, up to THERAPIST_TRIES times. */
static int offer_therapy(attune_model *m, size_t index, uint32_t i, int32_t week,
                         const uint32_t *therapists, size_t therapist_count)
{
    const people *pp = &m->people;
    if (therapist_count == 0 || pp->therapy_status[i] == THERAPY_ACTIVE ||
        pp->role[i] == ATTUNE_ROLE_THERAPIST)
        return ATTUNE_OK;
    rng_seq s = intervention_draws(m, index, i, week);
    for (int tries = 0; tries < THERAPIST_TRIES; tries++) {
        uint32_t j = therapists[rng_below(rng_seq_next(&s), (uint32_t)therapist_count)];
        if (ties_find(&m->ties, i, j) == TIE_NONE)
            return therapy_start_course(m, i, j, week, PHASE_INTERVENTIONS);
    }
    return ATTUNE_OK;
}

/* Living therapists in id order; *out is NULL when there are none. */
static int list_therapists(const attune_model *m, uint32_t **out, size_t *count)
{
    const people *pp = &m->people;
    size_t n = 0;
    *out = NULL;
    for (uint32_t i = 0; i < pp->count; i++)
        n += pp->alive[i] && pp->role[i] == ATTUNE_ROLE_THERAPIST;
    *count = n;
    if (n == 0)
        return ATTUNE_OK;
    *out = malloc(n * sizeof **out);
    if (*out == NULL)
        return ATTUNE_ERR_NOMEM;
    n = 0;
    for (uint32_t i = 0; i < pp->count; i++)
        if (pp->alive[i] && pp->role[i] == ATTUNE_ROLE_THERAPIST)
            (*out)[n++] = i;
    return ATTUNE_OK;
}

/* leave_toxic_tie: target i ends its most harmful toxic tie, if it has one it may end. */
static int leave_toxic_tie(attune_model *m, uint32_t i, int32_t week)
{
    const tie_store *t = &m->ties;
    uint32_t worst = tie_worst_toxic(m, i, NULL, NULL);
    if (worst == TIE_NONE)
        return ATTUNE_OK;
    return tie_end(m, i, t->other[worst], week, PHASE_INTERVENTIONS, 1);
}

static uint32_t find_partner(attune_model *m, const intervention *iv, size_t index, uint32_t i,
                             int32_t week)
{
    const id_list *members = &m->community_members[m->people.community[i]];
    double floor_capacity = 0.6 + 0.3 * (iv->magnitude < 1 ? iv->magnitude : 1);
    rng_seq s = intervention_draws(m, index, i, week);
    for (int tries = 0; tries < 200 && members->count > 0; tries++) {
        uint32_t j = members->ids[rng_below(rng_seq_next(&s), members->count)];
        double age = person_age_at(m, j, week);
        if (j != i && m->people.alive[j] && m->people.community[j] == m->people.community[i] &&
            age >= 25 && age < 70 && m->people.give_capacity[j] >= floor_capacity &&
            ties_find(&m->ties, i, j) == TIE_NONE)
            return j;
    }
    return TIE_NONE;
}

static int start(attune_model *m, size_t index, int32_t week)
{
    intervention *iv = &m->interventions[index];
    const people *pp = &m->people;
    iv->started = 1;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (!eligible(m, iv, i, week))
            continue;
        uint32_t r[4];
        uint32_t draw = iv->cohort > 0 ? 0x80000000u + (uint32_t)iv->cohort : (uint32_t)index;
        rng_draw4(m->key, RNG_WEEK_INIT, STREAM_INTERVENTION, draw, i, r);
        if (rng_u01(r[0]) >= iv->share)
            continue;
        if (id_list_push(&iv->targets, i) != ATTUNE_OK)
            return ATTUNE_ERR_NOMEM;
    }
    if (iv->kind == INTERVENTION_ATTUNED_TIE) {
        for (uint32_t k = 0; k < iv->targets.count; k++) {
            uint32_t i = iv->targets.ids[k];
            uint32_t j = find_partner(m, iv, index, i, week);
            if (id_list_push(&iv->partners, j) != ATTUNE_OK)
                return ATTUNE_ERR_NOMEM;
            if (j == TIE_NONE)
                continue;
            tie_edge e = {
                i, j, ATTUNE_TIE_FRIEND, ATTUNE_TIE_FRIEND, (float)ATTUNED_TIE_CONTACT, 0.6f, week};
            int rc = ties_add(&m->ties, &e, NULL);
            if (rc != ATTUNE_OK)
                return rc;
            events_emit(&m->events, 0, PHASE_INTERVENTIONS, week, "tie_formed", i, j,
                        ATTUNE_TIE_FRIEND, "intervention");
        }
    }
    uint32_t *therapists = NULL;
    size_t therapist_count = 0;
    if (iv->kind == INTERVENTION_THERAPY) {
        int rc = list_therapists(m, &therapists, &therapist_count);
        if (rc != ATTUNE_OK)
            return rc;
    }
    for (uint32_t k = 0; k < iv->targets.count; k++) {
        int rc = ATTUNE_OK;
        if (iv->kind == INTERVENTION_THERAPY)
            rc = offer_therapy(m, index, iv->targets.ids[k], week, therapists, therapist_count);
        else if (iv->kind == INTERVENTION_COMMUNITY_PROGRAMME)
            rc = add_community_ties(m, iv, index, iv->targets.ids[k], week);
        else if (iv->kind == INTERVENTION_LEAVE_TOXIC_TIE)
            rc = leave_toxic_tie(m, iv->targets.ids[k], week);
        else if (iv->kind == INTERVENTION_LEAVE_RUPTURED_TIE)
            rc = leave_ruptured_tie(m, iv->targets.ids[k], week);
        else if (iv->kind == INTERVENTION_REPAIR_RUPTURE)
            repair_ruptures(m, iv->targets.ids[k], week);
        if (rc != ATTUNE_OK) {
            free(therapists);
            return rc;
        }
    }
    free(therapists);
    events_emit(&m->events, 0, PHASE_INTERVENTIONS, week, "intervention_start", (uint32_t)index,
                UINT32_MAX, iv->targets.count,
                m->scenario->entries[ENTRY_KIND_INTERVENTION].items[index].name);
    return ATTUNE_OK;
}

int interventions_begin_week(attune_model *m, int32_t week)
{
    uint32_t n = m->people.count;
    int need_factor = 0, need_isolation = 0, need_self_help = 0, need_parenting = 0;
    int need_barred = 0;
    for (size_t k = 0; k < m->intervention_count; k++) {
        intervention *iv = &m->interventions[k];
        if (week < iv->start_week || week >= iv->end_week)
            continue;
        if (!iv->started) {
            int rc = start(m, k, week);
            if (rc != ATTUNE_OK)
                return rc;
        }
        need_factor |= iv->kind == INTERVENTION_CARE_CHANGE;
        need_isolation |= iv->kind == INTERVENTION_ISOLATION;
        need_self_help |= iv->kind == INTERVENTION_SELF_HELP;
        need_parenting |= iv->kind == INTERVENTION_PARENTING;
        need_barred |=
            iv->kind == INTERVENTION_THERAPY_WAITLIST || iv->kind == INTERVENTION_KEEP_TIES;
    }
    free(m->care_factor);
    free(m->parenting);
    free(m->isolated);
    free(m->self_help);
    free(m->barred);
    m->barred = NULL;
    m->care_factor = NULL;
    m->parenting = NULL;
    m->isolated = NULL;
    m->self_help = NULL;
    if (need_parenting) {
        m->parenting = calloc((size_t)n, sizeof *m->parenting);
        if (m->parenting == NULL)
            return ATTUNE_ERR_NOMEM;
    }
    if (need_factor) {
        m->care_factor = malloc((size_t)n * sizeof *m->care_factor);
        if (m->care_factor == NULL)
            return ATTUNE_ERR_NOMEM;
        for (uint32_t i = 0; i < n; i++)
            m->care_factor[i] = 1.0f;
    }
    if (need_self_help) {
        m->self_help = calloc((size_t)n, sizeof *m->self_help);
        if (m->self_help == NULL)
            return ATTUNE_ERR_NOMEM;
    }
    if (need_isolation) {
        m->isolated = calloc((size_t)n, 1);
        if (m->isolated == NULL)
            return ATTUNE_ERR_NOMEM;
    }
    if (need_barred) {
        m->barred = calloc((size_t)n, 1);
        if (m->barred == NULL)
            return ATTUNE_ERR_NOMEM;
        m->barred_size = n;
    }
    tie_store *t = &m->ties;
    for (size_t k = 0; k < m->intervention_count; k++) {
        intervention *iv = &m->interventions[k];
        if (week < iv->start_week || week >= iv->end_week)
            continue;
        for (uint32_t q = 0; q < iv->targets.count; q++) {
            uint32_t i = iv->targets.ids[q];
            switch (iv->kind) {
            case INTERVENTION_CARE_CHANGE: m->care_factor[i] *= (float)iv->magnitude; break;
            case INTERVENTION_ISOLATION: m->isolated[i] = 1; break;
            case INTERVENTION_THERAPY_WAITLIST: m->barred[i] |= BARRED_THERAPY; break;
            case INTERVENTION_KEEP_TIES: m->barred[i] |= BARRED_RELEASE; break;
            case INTERVENTION_SELF_HELP: m->self_help[i] += (float)iv->magnitude; break;
            case INTERVENTION_PARENTING: {
                float share = (float)(iv->magnitude < 1 ? iv->magnitude : 1);
                m->parenting[i] = m->parenting[i] + share * (1.0f - m->parenting[i]);
                break;
            }
            case INTERVENTION_ATTUNED_TIE: {
                uint32_t j = iv->partners.ids[q];
                uint32_t h = j == TIE_NONE ? TIE_NONE : ties_find(t, i, j);
                if (h != TIE_NONE) {
                    t->engagement[h] = iv->reciprocal ? 1.0f : 0.0f;
                    t->engagement[t->twin[h]] = 1.0f;
                }
                break;
            }
            default: break;
            }
        }
    }
    return ATTUNE_OK;
}
