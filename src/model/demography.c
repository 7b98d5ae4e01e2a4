/*
 * Demography (ODD 7.5): deaths, births to couples, leaving home, and school
 * (a teacher for every child of 5-17).
 *
 * Decisions are drawn in parallel from person- or pair-keyed random numbers and applied
 * serially in a fixed order (deaths, leaving home, school, births; by person within each), so
 * that the changes of the network are the same for any thread count.
 *
 * Deaths: Gompertz hazard h(age) = mortality_a exp(mortality_b age) per year. A minor who
 * loses a caregiver counts the loss as an adverse childhood experience; a minor left with no
 * caregiver is placed (place()): with a minor sibling's caregiver, else with its most trusted
 * adult kin, else with an adult of its community (foster care); the adult's partner at home
 * becomes a caregiver too. One not placed is tried again every week. A minor whose caregivers
 * left all live elsewhere (after a separation) moves to one of them.
 * Births: a couple living together, whose younger partner is 20-39, has a child at
 * fertility_rate per year (a third of it at 18-19 and 40-44). The child is tied to both
 * caregivers and to the minors of the household they raise; it starts with the working-model
 * priors, so that newborns differ only in temperament.
 * Leaving home: at an age drawn once per person in [leave_home_min, leave_home_max], a person
 * moves into a household of their own; caregiver ties become adult family ties. A partner it
 * lives with moves along, and so do the minors either of them raises in the household left.
 */
#include <math.h>
#include <stdlib.h>

#include "model/processes.h"

enum demography_change {
    CHANGE_DEATH = 0,
    CHANGE_LEAVE_HOME = 1,
    CHANGE_LEAVE_SCHOOL = 2,
    CHANGE_RETIRE = 3,
    CHANGE_START_SCHOOL = 4,
    CHANGE_BIRTH = 5,
    CHANGE_PLACE = 6,  /* a minor without a caregiver, not placed when it lost the last one */
    CHANGE_SCHOOL = 7, /* a pupil whose teacher lives in another community: a school of its own */
};

#define TEACHER_RETIREMENT_AGE 67.0

double demography_leave_home_age(const attune_model *m, uint32_t i)
{
    uint32_t r[4];
    rng_draw4(m->key, RNG_WEEK_INIT, STREAM_LEAVE_HOME, i, 0, r);
    return m->p->demography_leave_home_min +
           (m->p->demography_leave_home_max - m->p->demography_leave_home_min) * rng_u01(r[0]);
}

/* Minor children of the household that i raises. */
static int minors_raised(const attune_model *m, uint32_t i, int32_t week)
{
    const tie_store *t = &m->ties;
    int k = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        if (t->kind[h] == ATTUNE_TIE_CHILD && person_age_at(m, t->other[h], week) < 18)
            k++;
    return k;
}

double demography_fertility(const attune_params *p, double younger_age)
{
    if (younger_age >= 20 && younger_age < 40)
        return p->demography_fertility_rate;
    if ((younger_age >= 18 && younger_age < 20) || (younger_age >= 40 && younger_age < 45))
        return p->demography_fertility_rate / 3.0;
    return 0.0;
}

static void propose(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    const tie_store *t = &m->ties;
    uint32_t n = pp->count;
    const double leave_lo = fmin(p->demography_leave_home_min, p->demography_leave_home_max);
    const double leave_hi = fmax(p->demography_leave_home_min, p->demography_leave_home_max);
#pragma omp parallel for schedule(dynamic, 1024) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        int thread = omp_get_thread_num();
        double age = person_age_at(m, i, week);
        uint32_t r[4];
        rng_draw4(m->key, (uint32_t)week, STREAM_DEMOGRAPHY, i, 0, r);
        if (rng_u01(r[0]) < death_chance(m, week - pp->birth_week[i])) {
            proposals_push(m, thread, i, TIE_NONE, CHANGE_DEATH, 0);
            continue;
        }
        double before = person_age_at(m, i, week - 1);
        /* The age of leaving home lies between the two limits (a year's margin for rounding):
         * it is drawn only near them. In the first week, a starting minor already past its age
         * of leaving home (demography.leave_home_min below 18) leaves then, as it would have. */
        int first_week = week == 1;
        if (age >= leave_lo - 1.0 && (first_week || before < leave_hi + 1.0)) {
            double leave = demography_leave_home_age(m, i);
            if ((first_week || before < leave) && age >= leave &&
                person_has_tie_kind(m, i, ATTUNE_TIE_CAREGIVER))
                proposals_push(m, thread, i, TIE_NONE, CHANGE_LEAVE_HOME, 0);
        }
        /* One look at the kinds of i's ties serves school, placement and births. */
        int teacher = 0, teacher_elsewhere = 0, partner = 0, caregiver = 0;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            teacher |= t->kind[h] == ATTUNE_TIE_TEACHER;
            teacher_elsewhere |=
                t->kind[h] == ATTUNE_TIE_TEACHER && pp->community[t->other[h]] != pp->community[i];
            partner |= t->kind[h] == ATTUNE_TIE_PARTNER;
            caregiver |= t->kind[h] == ATTUNE_TIE_CAREGIVER;
        }
        if (age < 18 && !caregiver)
            proposals_push(m, thread, i, TIE_NONE, CHANGE_PLACE, 0);
        if (age >= 18 && teacher)
            proposals_push(m, thread, i, TIE_NONE, CHANGE_LEAVE_SCHOOL, 0);
        else if (age >= 5 && age < 18 && !teacher)
            proposals_push(m, thread, i, TIE_NONE, CHANGE_START_SCHOOL, 0);
        else if (age >= 5 && age < 18 && teacher_elsewhere)
            proposals_push(m, thread, i, TIE_NONE, CHANGE_SCHOOL, 0);
        if (pp->role[i] == ATTUNE_ROLE_TEACHER && age >= TEACHER_RETIREMENT_AGE)
            proposals_push(m, thread, i, TIE_NONE, CHANGE_RETIRE, 0);
        if (!partner)
            continue;
        /* Births: decided by the lower id of a couple living together. */
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            uint32_t j = t->other[h];
            if (t->kind[h] != ATTUNE_TIE_PARTNER || j < i || !pp->alive[j] ||
                pp->household[j] != pp->household[i])
                continue;
            double a_j = person_age_at(m, j, week);
            double rate = demography_fertility(p, age < a_j ? age : a_j);
            if (rate <= 0 || minors_raised(m, i, week) >= 6)
                continue;
            uint32_t b[4];
            rng_draw4(m->key, (uint32_t)week, STREAM_BIRTH, i, j, b);
            if (rng_u01(b[0]) < rate / WEEKS_PER_YEAR)
                proposals_push(m, thread, i, j, CHANGE_BIRTH, 0);
        }
    }
}

static int add_tie(attune_model *m, uint32_t a, uint32_t b, int kind_a, int kind_b, double contact,
                   double trust, int32_t week)
{
    tie_edge e = {a, b, (uint8_t)kind_a, (uint8_t)kind_b, (float)contact, (float)trust, week};
    return ties_add(&m->ties, &e, NULL);
}

/* Sets the kind and contact of both halves of the tie at slot h. A caregiving tie that becomes a
 * tie between equals starts with an even balance: what was given while caring for a child is
 * not owed back (reciprocity counts only between equals, ODD 7.1). */
static void retag(attune_model *m, uint32_t h, int kind_here, int kind_there, double contact)
{
    tie_store *t = &m->ties;
    if (tie_kind_asymmetric(t->kind[h]) && !tie_kind_asymmetric(kind_here))
        t->reciprocity[h] = t->reciprocity[t->twin[h]] = 0.0f;
    t->kind[h] = (uint8_t)kind_here;
    t->kind[t->twin[h]] = (uint8_t)kind_there;
    t->contact[h] = t->contact[t->twin[h]] = (float)contact;
}

/* The searches of find_adult, apart in the counter of their draws, so that a child's search
 * for a teacher and for a foster carer in the same week do not draw the same members. */
enum adult_search { SEARCH_TEACHER = 0, SEARCH_FOSTER = 1u << 16 };

/* A random living member of community c satisfying age and role limits, or TIE_NONE: up to 64
 * members drawn by (week, salt, search). */
static uint32_t find_adult(const attune_model *m, uint32_t c, int32_t week, double age_lo,
                           double age_hi, int role, uint32_t exclude, uint32_t salt,
                           uint32_t search)
{
    const id_list *members = &m->community_members[c];
    if (members->count == 0)
        return TIE_NONE;
    rng_seq s = rng_seq_start_at(m->key, (uint32_t)week, STREAM_PLACEMENT, salt, search);
    for (int tries = 0; tries < 64; tries++) {
        uint32_t j = members->ids[rng_below(rng_seq_next(&s), members->count)];
        double age = person_age_at(m, j, week);
        if (j != exclude && m->people.alive[j] && m->people.community[j] == c && age >= age_lo &&
            age < age_hi && (role < 0 || m->people.role[j] == role))
            return j;
    }
    return TIE_NONE;
}

uint32_t demography_partner_at_home(const attune_model *m, uint32_t a)
{
    const tie_store *t = &m->ties;
    uint32_t partner = TIE_NONE;
    for (uint32_t h = t->start[a]; h < t->start[a] + t->count[a]; h++) {
        uint32_t q = t->other[h];
        if (t->kind[h] == ATTUNE_TIE_PARTNER && m->people.alive[q] &&
            m->people.household[q] == m->people.household[a])
            partner = q;
    }
    return partner;
}

/* The adult to take in minor j, who has no caregiver left (ODD 7.5), or TIE_NONE: a caregiver
 * a minor sibling lives with (siblings stay together; the first in the tie order), else the most
 * trusted adult of 21 or more among its kin (sibling and family ties; the lower id on a tie), else
 * an adult of 25-64 of its community found at random (foster care). *kind_out: 0 sibling's
 * caregiver, 1 kin, 2 foster. */
static uint32_t placement_for(const attune_model *m, uint32_t j, int32_t week, int *kind_out)
{
    const people *pp = &m->people;
    const tie_store *t = &m->ties;
    for (uint32_t h = t->start[j]; h < t->start[j] + t->count[j]; h++) {
        uint32_t s = t->other[h];
        if (t->kind[h] != ATTUNE_TIE_SIBLING || person_age_at(m, s, week) >= 18)
            continue;
        for (uint32_t g = t->start[s]; g < t->start[s] + t->count[s]; g++)
            if (t->kind[g] == ATTUNE_TIE_CAREGIVER && pp->alive[t->other[g]] &&
                pp->household[t->other[g]] == pp->household[s]) {
                *kind_out = 0;
                return t->other[g];
            }
    }
    uint32_t kin = TIE_NONE;
    float kin_trust = -1.0f;
    for (uint32_t h = t->start[j]; h < t->start[j] + t->count[j]; h++) {
        uint32_t a = t->other[h];
        if ((t->kind[h] != ATTUNE_TIE_SIBLING && t->kind[h] != ATTUNE_TIE_FAMILY) ||
            !pp->alive[a] || person_age_at(m, a, week) < 21)
            continue;
        if (t->trust[h] > kin_trust || (t->trust[h] == kin_trust && a < kin)) {
            kin = a;
            kin_trust = t->trust[h];
        }
    }
    if (kin != TIE_NONE) {
        *kind_out = 1;
        return kin;
    }
    *kind_out = 2;
    return find_adult(m, pp->community[j], week, 25, 65, -1, j, j, SEARCH_FOSTER);
}

/* Makes adult a a caregiver of minor j at household contact: a kin tie between them (sibling or
 * family) is retagged; any other tie between them (a friend's, a teacher's, a therapist's) ends,
 * with a tie_ended event of the child's ("friend (placement)"), and a caregiver tie is made in its
 * place. */
static int make_caregiver(attune_model *m, uint32_t a, uint32_t j, int32_t week)
{
    tie_store *t = &m->ties;
    uint32_t h = ties_find(t, a, j);
    if (h != TIE_NONE && (t->kind[h] == ATTUNE_TIE_SIBLING || t->kind[h] == ATTUNE_TIE_FAMILY ||
                          t->kind[h] == ATTUNE_TIE_CHILD)) {
        retag(m, h, ATTUNE_TIE_CHILD, ATTUNE_TIE_CAREGIVER, m->p->contact_household);
        return ATTUNE_OK;
    }
    if (h != TIE_NONE) {
        int kind_at_j = t->kind[t->twin[h]];
        double harm = t->harm[t->twin[h]];
        int rc = ties_remove(t, h);
        if (rc != ATTUNE_OK)
            return rc;
        events_emit(&m->events, 0, PHASE_DEMOGRAPHY, week, "tie_ended", j, a, harm,
                    tie_ended_detail(kind_at_j, TIE_ENDED_BY_PLACEMENT));
    }
    return add_tie(m, a, j, ATTUNE_TIE_CHILD, ATTUNE_TIE_CAREGIVER, m->p->contact_household, 0.5,
                   week);
}

static const char *const placement_detail[3] = {"sibling", "kin", "foster"};

/* Places minor j, who has no caregiver left, in the household of an adult who takes it in
 * (placement_for): the adult and a living partner at home become its caregivers. Nothing
 * happens when nobody is found (tried again every week: CHANGE_PLACE), nor for a minor past its
 * age of leaving home (demography.leave_home_min may be below 18: it has left, or would have)
 * or living with a partner (only a scenario built by hand has one). */
static int place(attune_model *m, uint32_t j, int32_t week)
{
    people *pp = &m->people;
    if (person_has_tie_kind(m, j, ATTUNE_TIE_PARTNER) ||
        person_age_at(m, j, week) >= demography_leave_home_age(m, j))
        return ATTUNE_OK; /* it has a home of its own */
    int kind = 2;
    uint32_t a = placement_for(m, j, week, &kind);
    if (a == TIE_NONE)
        return ATTUNE_OK;
    int rc = make_caregiver(m, a, j, week);
    uint32_t q = demography_partner_at_home(m, a);
    if (rc == ATTUNE_OK && q != TIE_NONE)
        rc = make_caregiver(m, q, j, week);
    if (rc != ATTUNE_OK)
        return rc;
    pp->household[j] = pp->household[a];
    demography_settle_sibling_contacts(m, j);
    events_emit(&m->events, 0, PHASE_DEMOGRAPHY, week, "placement", j, a, kind,
                placement_detail[kind]);
    return demography_move_to_community(m, j, pp->community[a]);
}

/* Minor j, who still has a caregiver, moves to the household (and community) of its first living
 * caregiver (in tie order) when none of them lives with it (the one who died was the one at
 * home: after a separation, the other parent lives elsewhere); that tie returns to household
 * contact. */
static int move_to_a_caregiver(attune_model *m, uint32_t j)
{
    people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t first = TIE_NONE;
    for (uint32_t h = t->start[j]; h < t->start[j] + t->count[j]; h++) {
        if (t->kind[h] != ATTUNE_TIE_CAREGIVER || !pp->alive[t->other[h]])
            continue;
        if (pp->household[t->other[h]] == pp->household[j])
            return ATTUNE_OK;
        if (first == TIE_NONE)
            first = h;
    }
    if (first == TIE_NONE)
        return ATTUNE_OK;
    pp->household[j] = pp->household[t->other[first]];
    t->contact[first] = t->contact[t->twin[first]] = (float)m->p->contact_household;
    demography_settle_sibling_contacts(m, j);
    return demography_move_to_community(m, j, pp->community[t->other[first]]);
}

int demography_move_to_community(attune_model *m, uint32_t i, uint32_t c)
{
    people *pp = &m->people;
    if (pp->community[i] == c)
        return ATTUNE_OK;
    pp->community[i] = c;
    const id_list *members = &m->community_members[c];
    for (uint32_t k = 0; k < members->count; k++)
        if (members->ids[k] == i)
            return ATTUNE_OK;
    return id_list_push(&m->community_members[c], i);
}

static int die(attune_model *m, uint32_t i, int32_t week)
{
    people *pp = &m->people;
    tie_store *t = &m->ties;
    events_emit(&m->events, 0, PHASE_DEMOGRAPHY, week, "death", i, UINT32_MAX,
                person_age_at(m, i, week), "");
    pp->alive[i] = 0;
    m->deaths++;
    while (t->count[i] > 0) {
        uint32_t h = t->start[i] + t->count[i] - 1;
        uint32_t j = t->other[h];
        int kind_at_j = t->kind[t->twin[h]];
        int rc = ties_remove(t, h);
        if (rc != ATTUNE_OK)
            return rc;
        if (!pp->alive[j])
            continue;
        if (kind_at_j == ATTUNE_TIE_PARTNER || kind_at_j == ATTUNE_TIE_CAREGIVER ||
            kind_at_j == ATTUNE_TIE_CHILD)
            life_events_grief(m, j);
        if (kind_at_j == ATTUNE_TIE_PARTNER || kind_at_j == ATTUNE_TIE_CAREGIVER ||
            kind_at_j == ATTUNE_TIE_CHILD)
            events_emit(&m->events, 0, PHASE_DEMOGRAPHY, week, "bereavement", j, i, kind_at_j,
                        attune_tie_kind_name(kind_at_j));
        if (kind_at_j == ATTUNE_TIE_CAREGIVER && person_age_at(m, j, week) < 18) {
            ace_record(m, 0, PHASE_DEMOGRAPHY, j, ACE_LOSS);
            if (!person_has_tie_kind(m, j, ATTUNE_TIE_CAREGIVER)) {
                rc = place(m, j, week);
                if (rc != ATTUNE_OK)
                    return rc;
            } else {
                rc = move_to_a_caregiver(m, j);
                if (rc != ATTUNE_OK)
                    return rc;
            }
        }
    }
    return ATTUNE_OK;
}

void demography_move_away_from_caregivers(attune_model *m, uint32_t i, uint32_t household,
                                          int32_t week, uint32_t phase)
{
    tie_store *t = &m->ties;
    m->people.household[i] = household;
    double contact = m->p->contact_family;
    int had_caregiver = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        if (t->kind[h] == ATTUNE_TIE_CAREGIVER) {
            retag(m, h, ATTUNE_TIE_FAMILY, ATTUNE_TIE_FAMILY, contact);
            had_caregiver = 1;
        }
    }
    demography_settle_sibling_contacts(m, i);
    if (had_caregiver)
        events_emit(&m->events, 0, phase, week, "leave_home", i, UINT32_MAX,
                    person_age_at(m, i, week), "");
}

void demography_take_minors_along(attune_model *m, uint32_t q, uint32_t home, uint32_t household,
                                  int32_t week)
{
    const tie_store *t = &m->ties;
    for (uint32_t h = t->start[q]; h < t->start[q] + t->count[q]; h++) {
        uint32_t c = t->other[h];
        if (t->kind[h] == ATTUNE_TIE_CHILD && m->people.household[c] == home &&
            person_age_at(m, c, week) < 18)
            m->people.household[c] = household;
    }
}

void demography_leave_home(attune_model *m, uint32_t i, int32_t week, uint32_t phase)
{
    uint32_t home = m->people.household[i], household = m->next_household++;
    uint32_t partner = demography_partner_at_home(m, i);
    demography_take_minors_along(m, i, home, household, week);
    demography_move_away_from_caregivers(m, i, household, week, phase);
    if (partner != TIE_NONE) {
        demography_take_minors_along(m, partner, home, household, week);
        demography_move_away_from_caregivers(m, partner, household, week, phase);
    }
}

void demography_settle_sibling_contacts(attune_model *m, uint32_t i)
{
    tie_store *t = &m->ties;
    const uint32_t *household = m->people.household;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        if (t->kind[h] == ATTUNE_TIE_SIBLING)
            t->contact[h] = t->contact[t->twin[h]] =
                (float)(household[t->other[h]] == household[i] ? m->p->contact_household
                                                               : m->p->contact_family);
}

/* Ends every school tie of person i of the given kind (ATTUNE_TIE_TEACHER: i leaves school;
 * ATTUNE_TIE_STUDENT: i, a teacher, retires), each with a school_end event naming the student
 * as person and the teacher as other; reason is the event's detail. */
static int end_school_ties(attune_model *m, uint32_t i, int kind, int32_t week, const char *reason)
{
    tie_store *t = &m->ties;
    for (uint32_t k = t->count[i]; k > 0; k--) {
        uint32_t h = t->start[i] + k - 1;
        if (t->kind[h] == kind) {
            uint32_t j = t->other[h];
            int student_here = kind == ATTUNE_TIE_TEACHER;
            events_emit(&m->events, 0, PHASE_DEMOGRAPHY, week, "school_end", student_here ? i : j,
                        student_here ? j : i, person_age_at(m, student_here ? i : j, week), reason);
            int rc = ties_remove(t, h);
            if (rc != ATTUNE_OK)
                return rc;
        }
    }
    return ATTUNE_OK;
}

static uint32_t count_kind(const attune_model *m, uint32_t i, int kind)
{
    const tie_store *t = &m->ties;
    uint32_t k = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        k += t->kind[h] == kind;
    return k;
}

static int start_school(attune_model *m, uint32_t i, int32_t week)
{
    people *pp = &m->people;
    uint32_t c = pp->community[i];
    uint32_t limit = (uint32_t)(1.5 * (double)m->p->population_class_size);
    uint32_t teacher = find_adult(m, c, week, 25, TEACHER_RETIREMENT_AGE, ATTUNE_ROLE_TEACHER, i, i,
                                  SEARCH_TEACHER);
    if (teacher == TIE_NONE || count_kind(m, teacher, ATTUNE_TIE_STUDENT) >= limit) {
        /* No teacher with room: an adult of the community becomes one. */
        teacher =
            find_adult(m, c, week, 25, 60, ATTUNE_ROLE_PERSON, i, i ^ 0x5a5a5a5au, SEARCH_TEACHER);
        if (teacher == TIE_NONE)
            return ATTUNE_OK; /* a community without adults of working age: no school */
        pp->role[teacher] = ATTUNE_ROLE_TEACHER;
    }
    if (ties_find(&m->ties, i, teacher) != TIE_NONE)
        return ATTUNE_OK;
    int rc = add_tie(m, i, teacher, ATTUNE_TIE_TEACHER, ATTUNE_TIE_STUDENT, m->p->contact_teacher,
                     0.5, week);
    if (rc == ATTUNE_OK)
        events_emit(&m->events, 0, PHASE_DEMOGRAPHY, week, "school_start", i, teacher,
                    person_age_at(m, i, week), "");
    return rc;
}

static int birth(attune_model *m, uint32_t a, uint32_t b, int32_t week)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    if (!pp->alive[a] || !pp->alive[b] || pp->household[a] != pp->household[b] ||
        ties_find(&m->ties, a, b) == TIE_NONE)
        return ATTUNE_OK; /* the couple died or parted this week */
    uint32_t child;
    int rc = model_add_person(m, &child);
    if (rc != ATTUNE_OK)
        return rc;
    pp = &m->people;
    pp->birth_week[child] = week;
    pp->household[child] = pp->household[a];
    pp->community[child] = pp->community[a];
    pp->culture[child] = pp->culture[a];
    rc = id_list_push(&m->community_members[pp->community[child]], child);
    if (rc != ATTUNE_OK)
        return rc;
    pp->role[child] = ATTUNE_ROLE_PERSON;
    pp->alive[child] = 1;
    pp->infant_class[child] = CLASS_UNASSESSED;
    pp->anxiety[child] = (float)p->working_model_prior_anxiety;
    pp->avoidance[child] = (float)p->working_model_prior_avoidance;
    pp->disorganization[child] = (float)p->working_model_prior_disorganization;
    pp->expected_care[child] = (float)p->working_model_prior_expected_care;
    pp->self_worth[child] = (float)p->self_worth_at_birth;
    pp->self_relation[child] = (float)p->self_relation_at_birth;
    uint32_t r[4];
    rng_draw4(m->key, (uint32_t)week, STREAM_NEWBORN, child, 0, r);
    double z = rng_normal(r[0], r[1]);
    double base = p->affect_baseline_mean + p->affect_baseline_sd * z;
    pp->affect_baseline[child] = (float)(base < -1 ? -1 : base > 1 ? 1 : base);
    pp->affect[child] = pp->affect_baseline[child];
    double herit = p->individual_disposition_heritability;
    double inherited = 0.5 * ((double)pp->disposition[a] + pp->disposition[b]);
    double d = herit * inherited + sqrt(1.0 - 0.5 * herit * herit) * p->individual_disposition_sd *
                                       rng_normal(r[2], r[3]);
    pp->disposition[child] = (float)(d < -0.5 ? -0.5 : d > 0.5 ? 0.5 : d);
    pp->childhood_care[child] = (float)p->working_model_prior_expected_care;
    pp->wellbeing[child] = (float)wellbeing_of(m, child); /* as the affect phase would */
    /* Siblings: the children either parent raises in this household (grown ones who have not
     * left home included). */
    tie_store *t = &m->ties;
    uint32_t parents[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        for (uint32_t h = t->start[parents[k]]; h < t->start[parents[k]] + t->count[parents[k]];
             h++) {
            uint32_t s = t->other[h];
            if (t->kind[h] == ATTUNE_TIE_CHILD && s != child &&
                pp->household[s] == pp->household[a] && ties_find(t, child, s) == TIE_NONE) {
                rc = add_tie(m, child, s, ATTUNE_TIE_SIBLING, ATTUNE_TIE_SIBLING,
                             p->contact_household, 0.6, week);
                if (rc != ATTUNE_OK)
                    return rc;
            }
        }
    }
    for (int k = 0; k < 2; k++) {
        rc = add_tie(m, child, parents[k], ATTUNE_TIE_CAREGIVER, ATTUNE_TIE_CHILD,
                     p->contact_household, 0.7, week);
        if (rc != ATTUNE_OK)
            return rc;
        double sensitivity = capacity_toward(m, parents[k], ATTUNE_TIE_CHILD);
        int c = attachment_adult_class(m, parents[k]);
        events_emit(&m->events, 0, PHASE_DEMOGRAPHY, week, "birth", child, parents[k], sensitivity,
                    attachment_adult_class_name(c));
    }
    m->births++;
    return ATTUNE_OK;
}

int demography_update(attune_model *m, int32_t week)
{
    m->births = m->deaths = 0;
    proposal *list;
    size_t count;
    int rc = proposals_collect(m, week, propose, &list, &count);
    for (size_t k = 0; k < count && rc == ATTUNE_OK; k++) {
        uint32_t i = list[k].person;
        if (!m->people.alive[i])
            continue;
        switch (list[k].kind) {
        case CHANGE_DEATH: rc = die(m, i, week); break;
        case CHANGE_LEAVE_HOME:
            /* Unless its last caregiver died earlier in this pass: then it has no home to leave. */
            if (person_has_tie_kind(m, i, ATTUNE_TIE_CAREGIVER))
                demography_leave_home(m, i, week, PHASE_DEMOGRAPHY);
            break;
        case CHANGE_LEAVE_SCHOOL:
            rc = end_school_ties(m, i, ATTUNE_TIE_TEACHER, week, "left_school");
            break;
        case CHANGE_RETIRE:
            m->people.role[i] = ATTUNE_ROLE_PERSON;
            rc = end_school_ties(m, i, ATTUNE_TIE_STUDENT, week, "teacher_retired");
            break;
        case CHANGE_START_SCHOOL: rc = start_school(m, i, week); break;
        case CHANGE_SCHOOL:
            rc = end_school_ties(m, i, ATTUNE_TIE_TEACHER, week, "moved");
            if (rc == ATTUNE_OK)
                rc = start_school(m, i, week);
            break;
        case CHANGE_BIRTH: rc = birth(m, i, list[k].other, week); break;
        case CHANGE_PLACE:
            if (!person_has_tie_kind(m, i, ATTUNE_TIE_CAREGIVER))
                rc = place(m, i, week);
            break;
        default: break;
        }
    }
    return rc;
}
