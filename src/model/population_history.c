/*
 * The demographic history of the starting population (ODD 5).
 *
 * A community's people at week 0 are those living at the end of initial.history_years years of
 * demography, simulated year by year (each person living at the start of a year in turn) with
 * the run's own rules (ODD 7.4, 7.5) from a seed of households drawn directly
 * (population_draw_household): deaths at the Gompertz hazard (and at population.max_age),
 * births to couples living together at the fertility schedule (to both partners as caregivers,
 * tied as siblings to the children either raises at home), leaving home at an age drawn in
 * [leave_home_min, leave_home_max] (caregiver ties become family ties; a partner at home and
 * the minors either raises move along), partnerships (a single adult of 20-60 meets a member of
 * its community within 10 years of its age at initial.partnering_rate a year, and they partner
 * if that one is single, raises no minors, is not kin and lives in another household: the
 * partner moves in and leaves its caregivers), separations (initial.separation_rate a year: one
 * partner moves out with the minors only it raises, and keeps its caregiver ties to the
 * others), and the placement of a minor left without a caregiver (with a caregiver its minor
 * sibling lives with, else its oldest kin of 21 or more, else an adult of 25-64 of the
 * community). So the start has the ages, households and kin across households that the run's
 * demography makes.
 * A guard keeps scenarios whose births are far from replacing deaths from exploding or dying
 * out: a community of more than twice its seed has births scaled by (2 x seed / living)^4, one
 * of less than half its seed by min(4, seed / 2 / living).
 *
 * The run draws a person's age of leaving home from its id, which the history does not know:
 * so nobody younger than leave_home_max at the end leaves home by age in the history, and at
 * the end, when ids are given, a grown child at home leaves if the run's draw for its id says
 * it would have (assemble()).
 *
 * Every draw comes from one sequence per (history, year), consumed in a fixed order, so a
 * history depends on the seed and its index alone.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/population_history.h"
#include "model/processes.h"

#define NONE UINT32_MAX

/* Week counters of the history's draws: apart from the run's weeks and from RNG_WEEK_INIT. */
#define HISTORY_WEEK_SEED  (RNG_WEEK_INIT - 1u)
#define HISTORY_WEEK_ORDER (RNG_WEEK_INIT - 2u)
#define HISTORY_WEEK(year) (RNG_WEEK_INIT - 3u - (uint32_t)(year))

/* Tries to find a member of the right age (a prospective partner, a foster carer). */
#define MEMBER_TRIES 64

enum hist_kind {
    HIST_CARE = 0,    /* a raises b: a caregiver tie (at b; a child tie at a) */
    HIST_FAMILY = 1,  /* a raised b, who has left home: a family tie */
    HIST_SIBLING = 2, /* siblings, tied at the younger's birth */
};

typedef struct hist_edge {
    uint32_t a, b;
    uint32_t next_a, next_b; /* the next edge of a, of b */
    double since;            /* years from the start of the run (negative) */
    uint8_t kind;
} hist_edge;

typedef struct hist_person {
    double birth;         /* years from the start of the run (negative) */
    double death;         /* age at death, years (drawn once) */
    double leave;         /* age of leaving home, years (the history's own draw) */
    double partner_since; /* years */
    uint32_t household, partner, edges;
    uint8_t alive;
    uint8_t left;     /* has left home, or is past its age of leaving home without a caregiver */
    uint8_t unplaced; /* a minor without a caregiver whom nobody took in: tried every year */
} hist_person;

struct history {
    const attune_model *m;
    uint32_t index; /* of the history: its draws are keyed by it */
    hist_person *person;
    uint32_t count, capacity;
    hist_edge *edge;
    uint32_t edge_count, edge_capacity;
    uint32_t *living; /* the living at the start of the year, by index */
    uint32_t living_count, living_room;
    uint32_t born_before; /* people at the start of the last year: the later are its newborns */
    uint32_t households;
    uint32_t seed_size;
    double now; /* years from the start of the run */
    double leave_lo, leave_hi;
    rng_seq s;
    uint32_t living_end; /* living at the end */
};

static double age_of(const history *h, uint32_t x)
{
    return h->now - h->person[x].birth;
}

static uint32_t next_edge(const history *h, uint32_t e, uint32_t x)
{
    return h->edge[e].a == x ? h->edge[e].next_a : h->edge[e].next_b;
}

static uint32_t other_end(const history *h, uint32_t e, uint32_t x)
{
    return h->edge[e].a == x ? h->edge[e].b : h->edge[e].a;
}

/* Every edge e of person x, newest first. */
#define EACH_EDGE(h, x, e)                                                                         \
    for (uint32_t e = (h)->person[x].edges; e != NONE; e = next_edge(h, e, x))

/* Age at death of one alive at age a: the Gompertz hazard mortality_a exp(mortality_b age) a
 * year, whose cumulative hazard from a reaches an exponential draw e then (no death without
 * hazard: beyond population.max_age, where the history ends a life anyway). */
static double age_at_death(const attune_params *p, double a, double e)
{
    double A = p->demography_mortality_a, B = p->demography_mortality_b;
    if (A <= 0)
        return INFINITY;
    if (B <= 0)
        return a + e / A;
    return log(exp(B * a) + B * e / A) / B;
}

static int add_person(history *h, double birth, uint32_t household, uint32_t *out)
{
    if (h->count == h->capacity) {
        uint32_t cap = h->capacity ? h->capacity * 2 : 1024;
        hist_person *grown = realloc(h->person, (size_t)cap * sizeof *grown);
        if (grown == NULL)
            return ATTUNE_ERR_NOMEM;
        h->person = grown;
        h->capacity = cap;
    }
    hist_person *q = &h->person[h->count];
    q->birth = birth;
    q->leave = h->leave_lo + (h->leave_hi - h->leave_lo) * rng_seq_u01(&h->s);
    q->death =
        age_at_death(h->m->p, h->now - birth > 0 ? h->now - birth : 0, -log(rng_seq_u01(&h->s)));
    q->left = q->unplaced = 0;
    q->partner_since = 0;
    q->household = household;
    q->partner = NONE;
    q->edges = NONE;
    q->alive = 1;
    *out = h->count++;
    return ATTUNE_OK;
}

static int add_edge(history *h, uint32_t a, uint32_t b, int kind, double since)
{
    if (h->edge_count == h->edge_capacity) {
        uint32_t cap = h->edge_capacity ? h->edge_capacity * 2 : 4096;
        hist_edge *grown = realloc(h->edge, (size_t)cap * sizeof *grown);
        if (grown == NULL)
            return ATTUNE_ERR_NOMEM;
        h->edge = grown;
        h->edge_capacity = cap;
    }
    uint32_t k = h->edge_count++;
    hist_edge *e = &h->edge[k];
    e->a = a;
    e->b = b;
    e->kind = (uint8_t)kind;
    e->since = since;
    e->next_a = h->person[a].edges;
    e->next_b = h->person[b].edges;
    h->person[a].edges = h->person[b].edges = k;
    return ATTUNE_OK;
}

/* Whether x has a living caregiver (a caregiver tie, wherever the caregiver lives). */
static int has_caregiver(const history *h, uint32_t x)
{
    EACH_EDGE(h, x, e)
    if (h->edge[e].kind == HIST_CARE && h->edge[e].b == x && h->person[h->edge[e].a].alive)
        return 1;
    return 0;
}

/* Whether q raises c (a caregiver tie from q to c). */
static int raises(const history *h, uint32_t q, uint32_t c)
{
    EACH_EDGE(h, q, e)
    if (h->edge[e].kind == HIST_CARE && h->edge[e].a == q && h->edge[e].b == c)
        return 1;
    return 0;
}

static int related(const history *h, uint32_t x, uint32_t y)
{
    EACH_EDGE(h, x, e)
    if (other_end(h, e, x) == y)
        return 1;
    return 0;
}

/* Living minors q raises, anywhere. */
static uint32_t minors_raised(const history *h, uint32_t q)
{
    uint32_t k = 0;
    EACH_EDGE(h, q, e)
    {
        uint32_t c = h->edge[e].b;
        k += h->edge[e].kind == HIST_CARE && h->edge[e].a == q && h->person[c].alive &&
             age_of(h, c) < 18;
    }
    return k;
}

/* Living minors at home (household `home`) that q raises and `other` does not. */
static uint32_t raised_alone(const history *h, uint32_t q, uint32_t other, uint32_t home)
{
    uint32_t k = 0;
    EACH_EDGE(h, q, e)
    {
        uint32_t c = h->edge[e].b;
        k += h->edge[e].kind == HIST_CARE && h->edge[e].a == q && h->person[c].alive &&
             h->person[c].household == home && age_of(h, c) < 18 && !raises(h, other, c);
    }
    return k;
}

static uint32_t partner_at_home(const history *h, uint32_t x)
{
    uint32_t q = h->person[x].partner;
    return q != NONE && h->person[q].alive && h->person[q].household == h->person[x].household
               ? q
               : NONE;
}

/* The minors q raises in household `home` move to `household`. */
static void take_minors_along(history *h, uint32_t q, uint32_t home, uint32_t household)
{
    EACH_EDGE(h, q, e)
    {
        uint32_t c = h->edge[e].b;
        if (h->edge[e].kind == HIST_CARE && h->edge[e].a == q && h->person[c].alive &&
            h->person[c].household == home && age_of(h, c) < 18)
            h->person[c].household = household;
    }
}

/* x moves to `household`; its caregiver ties become family ties. */
static void move_away_from_caregivers(history *h, uint32_t x, uint32_t household)
{
    h->person[x].household = household;
    h->person[x].left = 1;
    EACH_EDGE(h, x, e)
    if (h->edge[e].kind == HIST_CARE && h->edge[e].b == x)
        h->edge[e].kind = HIST_FAMILY;
}

/* x leaves home with a partner at home and the minors either raises there (ODD 7.5). */
static void leave_home(history *h, uint32_t x)
{
    uint32_t home = h->person[x].household, household = h->households++;
    uint32_t q = partner_at_home(h, x);
    take_minors_along(h, x, home, household);
    move_away_from_caregivers(h, x, household);
    if (q != NONE) {
        take_minors_along(h, q, home, household);
        move_away_from_caregivers(h, q, household);
    }
}

/* Partners a and b (a < b) separate as in the run (ODD 7.4), b (the higher index, as the higher
 * id in the run) moving out unless it raises more minors at home on its own than a does. */
static void separate(history *h, uint32_t a, uint32_t b)
{
    uint32_t home = h->person[a].household;
    uint32_t leaver = b, stayer = a;
    if (raised_alone(h, b, a, home) > raised_alone(h, a, b, home)) {
        leaver = a;
        stayer = b;
    }
    h->person[a].partner = h->person[b].partner = NONE;
    uint32_t household = h->households++;
    EACH_EDGE(h, leaver, e)
    {
        uint32_t c = h->edge[e].b;
        if (h->edge[e].kind != HIST_CARE || h->edge[e].a != leaver || !h->person[c].alive ||
            h->person[c].household != home || raises(h, stayer, c))
            continue; /* the leaver keeps its caregiver tie to a child the stayer raises too */
        if (age_of(h, c) < 18) {
            h->person[c].household = household;
        } else if (partner_at_home(h, c) != NONE) {
            leave_home(h, c);
        } else {
            take_minors_along(h, c, home, household);
            h->person[c].household = household;
        }
    }
    move_away_from_caregivers(h, leaver, household);
}

/* j moves in with i (ODD 7.4): it leaves its caregivers, and its grown children who still lived
 * with it leave home (it raises no minors). */
static void partner_up(history *h, uint32_t i, uint32_t j)
{
    h->person[i].partner = j;
    h->person[j].partner = i;
    h->person[i].partner_since = h->person[j].partner_since = h->now;
    uint32_t old_home = h->person[j].household;
    move_away_from_caregivers(h, j, h->person[i].household);
    EACH_EDGE(h, j, e)
    {
        uint32_t c = h->edge[e].b;
        if (h->edge[e].kind == HIST_CARE && h->edge[e].a == j && h->person[c].alive &&
            h->person[c].household == old_home)
            leave_home(h, c);
    }
}

/* A living member of the community aged [lo, hi) other than x, within `span` years of x's age
 * (span < 0: any), found among up to MEMBER_TRIES drawn at random; or NONE. */
static uint32_t find_member(history *h, uint32_t x, double lo, double hi, double span)
{
    if (h->living_count == 0)
        return NONE;
    double ax = age_of(h, x);
    for (int tries = 0; tries < MEMBER_TRIES; tries++) {
        uint32_t j = h->living[rng_below(rng_seq_next(&h->s), h->living_count)];
        double aj = age_of(h, j);
        if (j != x && h->person[j].alive && aj >= lo && aj < hi &&
            (span < 0 || fabs(aj - ax) <= span))
            return j;
    }
    return NONE;
}

/* Makes adult a a caregiver of minor c: a kin tie between them becomes the caregiver tie. */
static int make_caregiver(history *h, uint32_t a, uint32_t c)
{
    EACH_EDGE(h, c, e)
    {
        hist_edge *x = &h->edge[e];
        if (other_end(h, e, c) != a)
            continue;
        if (x->a != a) { /* turn the edge round: a first */
            uint32_t t = x->next_a;
            x->next_a = x->next_b;
            x->next_b = t;
            x->b = x->a;
            x->a = a;
        }
        x->kind = HIST_CARE;
        return ATTUNE_OK;
    }
    return add_edge(h, a, c, HIST_CARE, h->now);
}

/* Places minor c, who has no caregiver left, as the run does (ODD 7.5): with a caregiver a minor
 * sibling lives with, else with its oldest kin of 21 or more, else with an adult of 25-64 of the
 * community; the adult's partner at home becomes a caregiver too. Nobody found: tried again the
 * next year. */
static int place(history *h, uint32_t c)
{
    uint32_t a = NONE;
    if (h->person[c].left || h->person[c].partner != NONE)
        return ATTUNE_OK; /* a home of its own (leave_home_min below 18) */
    EACH_EDGE(h, c, e)
    {
        uint32_t s = other_end(h, e, c);
        if (h->edge[e].kind != HIST_SIBLING || !h->person[s].alive || age_of(h, s) >= 18)
            continue;
        EACH_EDGE(h, s, g)
        {
            uint32_t q = h->edge[g].a;
            if (h->edge[g].kind == HIST_CARE && h->edge[g].b == s && h->person[q].alive &&
                h->person[q].household == h->person[s].household) {
                a = q;
                break;
            }
        }
        if (a != NONE)
            break;
    }
    if (a == NONE) {
        EACH_EDGE(h, c, e)
        {
            uint32_t q = other_end(h, e, c);
            if ((h->edge[e].kind == HIST_SIBLING || h->edge[e].kind == HIST_FAMILY) &&
                h->person[q].alive && age_of(h, q) >= 21 &&
                (a == NONE || h->person[q].birth < h->person[a].birth))
                a = q;
        }
    }
    if (a == NONE)
        a = find_member(h, c, 25, 65, -1);
    h->person[c].unplaced = a == NONE;
    if (a == NONE)
        return ATTUNE_OK;
    int rc = make_caregiver(h, a, c);
    uint32_t q = partner_at_home(h, a);
    if (rc == ATTUNE_OK && q != NONE)
        rc = make_caregiver(h, q, c);
    h->person[c].household = h->person[a].household;
    return rc;
}

/* x has died: its partner is single, and a minor it raised is placed (no caregiver left) or
 * moves to a living caregiver when none lives with it. */
static int die(history *h, uint32_t x)
{
    h->person[x].alive = 0;
    if (h->person[x].partner != NONE) {
        h->person[h->person[x].partner].partner = NONE;
        h->person[x].partner = NONE;
    }
    EACH_EDGE(h, x, e)
    {
        uint32_t c = h->edge[e].b;
        if (h->edge[e].kind != HIST_CARE || h->edge[e].a != x || !h->person[c].alive ||
            age_of(h, c) >= 18)
            continue;
        if (!has_caregiver(h, c)) {
            int rc = place(h, c);
            if (rc != ATTUNE_OK)
                return rc;
            continue;
        }
        uint32_t first = NONE;
        int at_home = 0;
        EACH_EDGE(h, c, g)
        {
            uint32_t q = h->edge[g].a;
            if (h->edge[g].kind != HIST_CARE || h->edge[g].b != c || !h->person[q].alive)
                continue;
            at_home |= h->person[q].household == h->person[c].household;
            first = q;
        }
        if (!at_home && first != NONE)
            h->person[c].household = h->person[first].household;
    }
    return ATTUNE_OK;
}

/* A child of a and b, born at `when`: tied to both as caregivers and, as siblings, to the
 * children either raises in the household. */
static int birth(history *h, uint32_t a, uint32_t b, double when)
{
    uint32_t c;
    int rc = add_person(h, when, h->person[a].household, &c);
    uint32_t parents[2] = {a, b};
    for (int k = 0; k < 2 && rc == ATTUNE_OK; k++) {
        EACH_EDGE(h, parents[k], e)
        {
            uint32_t s = h->edge[e].b;
            if (h->edge[e].kind != HIST_CARE || h->edge[e].a != parents[k] || s == c ||
                !h->person[s].alive || h->person[s].household != h->person[a].household ||
                related(h, c, s))
                continue;
            rc = add_edge(h, s, c, HIST_SIBLING, when);
            if (rc != ATTUNE_OK)
                break;
        }
    }
    for (int k = 0; k < 2 && rc == ATTUNE_OK; k++)
        rc = add_edge(h, parents[k], c, HIST_CARE, when);
    return rc;
}

static int seed(history *h, uint32_t size)
{
    const attune_params *p = h->m->p;
    h->now = -(double)p->initial_history_years;
    h->s = rng_seq_start(h->m->key, HISTORY_WEEK_SEED, STREAM_INIT_HISTORY, h->index);
    while (h->count < size) {
        double ages[DRAWN_HOUSEHOLD_MAX];
        int adults = 1;
        int members = population_draw_household(p, &h->s, ages, &adults);
        uint32_t household = h->households++, first = h->count;
        for (int k = 0; k < members; k++) {
            uint32_t x;
            int rc = add_person(h, h->now - ages[k], household, &x);
            h->person[x].left = k < adults; /* the seed's adults have no caregivers */
            for (int q = 0; q < adults && k >= adults && rc == ATTUNE_OK; q++)
                rc = add_edge(h, first + (uint32_t)q, x, HIST_CARE, h->person[x].birth);
            for (uint32_t q = first + (uint32_t)adults; q < x && rc == ATTUNE_OK; q++)
                rc = add_edge(h, q, x, HIST_SIBLING, h->person[x].birth);
            if (rc != ATTUNE_OK)
                return rc;
        }
        if (adults == 2) {
            h->person[first].partner = first + 1;
            h->person[first + 1].partner = first;
            h->person[first].partner_since = h->person[first + 1].partner_since = h->now;
        }
    }
    return ATTUNE_OK;
}

/* One year of the history, [now, now + 1): each person living at its start in turn (by index)
 * may separate (the lower index of a couple decides), partner, die (in the year its life ends),
 * leave home by age, have a child (the lower index of a couple living together decides) and,
 * as a minor without a caregiver, be placed. Newborns wait for the next year. */
static int year(history *h, uint32_t y)
{
    const attune_params *p = h->m->p;
    h->now = -(double)p->initial_history_years + (double)y;
    h->s = rng_seq_start(h->m->key, HISTORY_WEEK(y), STREAM_INIT_HISTORY, h->index);
    /* The living at the start of the year: last year's who live, then last year's newborns. */
    uint32_t k = 0;
    for (uint32_t q = 0; q < h->living_count; q++)
        if (h->person[h->living[q]].alive)
            h->living[k++] = h->living[q];
    for (uint32_t x = h->born_before; x < h->count; x++)
        h->living[k++] = x;
    h->living_count = k;
    h->born_before = h->count;
    const uint32_t living = h->living_count;
    const double partnering = 1.0 - exp(-p->initial_partnering_rate);
    const double separation = 1.0 - exp(-p->initial_separation_rate);
    /* A guard for scenarios whose births are far from replacing deaths: beyond twice its seed a
     * community has fewer births, below half of it more (none at the defaults). */
    double regulation = 1.0;
    if (living > 2 * h->seed_size)
        regulation = pow(2.0 * h->seed_size / living, 4);
    else if (2 * living < h->seed_size)
        regulation = fmin(4.0, 0.5 * h->seed_size / (living ? living : 1));
    const double full = p->demography_fertility_rate;
    const double chance_full = 1.0 - exp(-regulation * full);
    const double chance_third = 1.0 - exp(-regulation * full / 3.0);
    int rc = ATTUNE_OK;
    for (k = 0; k < living && rc == ATTUNE_OK; k++) {
        uint32_t x = h->living[k];
        hist_person *px = &h->person[x];
        if (!px->alive)
            continue;
        double a = h->now - px->birth;
        uint32_t q = px->partner;
        if (q != NONE && q > x && rng_seq_u01(&h->s) < separation) {
            separate(h, x, q);
            q = NONE;
        }
        if (q == NONE && a >= 20 && a < 60 && rng_seq_u01(&h->s) < partnering) {
            uint32_t j = find_member(h, x, 20, 60, 10);
            if (j != NONE && h->person[j].partner == NONE && minors_raised(h, j) == 0 &&
                h->person[j].household != px->household && !related(h, x, j))
                partner_up(h, x, j);
        }
        if (a >= p->population_max_age || a + 1.0 > px->death) {
            rc = die(h, x); /* in the year its life ends */
            continue;
        }
        /* Leaving home by age, but for those young enough at the end for the run's own draw
         * to keep them at home (assemble). */
        if (!px->left && -px->birth >= h->leave_hi && a >= px->leave) {
            if (has_caregiver(h, x))
                leave_home(h, x);
            else
                px->left = 1; /* no home to leave: it stays, as in the run */
        }
        q = px->partner;
        if (q != NONE && q > x && h->person[q].alive && h->person[q].household == px->household) {
            double aq = h->now - h->person[q].birth;
            double rate = demography_fertility(p, a < aq ? a : aq);
            if (rate > 0 && rng_seq_u01(&h->s) < (rate < full ? chance_third : chance_full) &&
                minors_raised(h, x) < 6) {
                double when = h->now + rng_seq_u01(&h->s);
                rc = birth(h, x, q, when); /* may move h->person */
                px = &h->person[x];
            }
        }
        if (rc == ATTUNE_OK && px->unplaced && a < 18 && !has_caregiver(h, x))
            rc = place(h, x);
    }
    return rc;
}

/* Grown children at home with what goes with them when they leave (ODD 7.5): the one with the
 * caregiver tie (the head), a partner at home, and the minors either raises at home. */
typedef struct unit {
    uint32_t head, partner;
    double age;
} unit;

/* Weeks from the start of the run back to a time t < 0 (years), as a birth week: -1 -
 * floor(-t x weeks a year), so that week 0 ages are those of the history's end. */
static int32_t week_of(double t)
{
    return -1 - (int32_t)floor(-t * WEEKS_PER_YEAR);
}

/* x's age at the start as the run reads it, from its birth week (up to a week above its age at
 * the history's end). */
static double start_age(const history *h, uint32_t x)
{
    return -(double)week_of(h->person[x].birth) / WEEKS_PER_YEAR;
}

typedef struct ordered {
    uint64_t key;
    uint32_t x;
} ordered;

static int by_key(const void *pa, const void *pb)
{
    const ordered *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->x < b->x ? -1 : a->x > b->x;
}

static int unit_older(const void *pa, const void *pb)
{
    const unit *a = pa, *b = pb;
    if (a->age != b->age)
        return a->age > b->age ? -1 : 1;
    return a->head < b->head ? -1 : a->head > b->head;
}

/* Appends x at the next position of the order. */
static void place_at(uint32_t *pos, uint32_t *order, uint32_t *next, uint32_t x)
{
    pos[x] = *next;
    order[(*next)++] = x;
}

/* Whether minor c at home belongs to unit u: raised by its head or partner. */
static int in_unit(const history *h, const unit *u, uint32_t c)
{
    return raises(h, u->head, c) || (u->partner != NONE && raises(h, u->partner, c));
}

/* The living at the end (h->now = 0), in id order: households in an order drawn for the
 * community; in each, first its adults from the oldest, then its minors from the oldest, then its
 * grown children at home (with a partner and children of their own at home, if any), each of
 * whom stays only if the run's age of leaving home for its id lies beyond its age, the staying
 * ones first: those after the first who leaves move out (leave_home) and are households of
 * their own, so that households stay contiguous in ids. */
static int assemble(history *h, uint32_t base, uint32_t **order_out, uint32_t **pos_out,
                    uint32_t *living_out, uint32_t *forced_out)
{
    const attune_model *m = h->m;
    uint32_t n = 0;
    for (uint32_t x = 0; x < h->count; x++)
        n += h->person[x].alive;
    ordered *byhouse = malloc((size_t)(n ? n : 1) * sizeof *byhouse);
    uint32_t *order = malloc((size_t)(n ? n : 1) * sizeof *order);
    uint32_t *pos = malloc((size_t)(h->count ? h->count : 1) * sizeof *pos);
    unit *units = malloc((size_t)(n ? n : 1) * sizeof *units);
    if (byhouse == NULL || order == NULL || pos == NULL || units == NULL) {
        free(byhouse);
        free(order);
        free(pos);
        free(units);
        return ATTUNE_ERR_NOMEM;
    }
    uint32_t k = 0;
    for (uint32_t x = 0; x < h->count; x++) {
        pos[x] = NONE;
        if (!h->person[x].alive)
            continue;
        uint32_t r[4];
        rng_draw4(m->key, HISTORY_WEEK_ORDER, STREAM_INIT_HISTORY, h->index, h->person[x].household,
                  r);
        byhouse[k].key = ((uint64_t)r[0] << 32) | h->person[x].household;
        byhouse[k++].x = x;
    }
    qsort(byhouse, n, sizeof *byhouse, by_key);
    uint32_t next = 0, forced = 0;
    for (uint32_t lo = 0; lo < n;) {
        uint32_t hi = lo;
        while (hi < n && byhouse[hi].key == byhouse[lo].key)
            hi++;
        /* Grown children at home (the heads of units), and the partners of those. */
        uint32_t units_n = 0;
        for (uint32_t q = lo; q < hi; q++) {
            uint32_t x = byhouse[q].x, partner = partner_at_home(h, x);
            int taken = 0; /* x or its partner heads a unit already (both grown children) */
            for (uint32_t u = 0; u < units_n && !taken; u++)
                taken = units[u].head == partner || units[u].partner == x;
            if (!taken && age_of(h, x) >= h->leave_lo && has_caregiver(h, x))
                units[units_n++] = (unit){x, partner, start_age(h, x)};
        }
        /* The rest of the household: adults, then minors, each from the oldest (members of a
         * unit are placed with it). */
        for (int pass = 0; pass < 2; pass++) {
            uint32_t from = next;
            for (uint32_t q = lo; q < hi; q++) {
                uint32_t x = byhouse[q].x;
                int adult = age_of(h, x) >= 18;
                if (adult != (pass == 0))
                    continue;
                int unit_member = 0;
                for (uint32_t u = 0; u < units_n && !unit_member; u++)
                    unit_member = x == units[u].head || x == units[u].partner ||
                                  (!adult && in_unit(h, &units[u], x));
                if (!unit_member)
                    place_at(pos, order, &next, x);
            }
            for (uint32_t a = from + 1; a < next; a++) /* by age, oldest first */
                for (uint32_t b = a;
                     b > from && h->person[order[b]].birth < h->person[order[b - 1]].birth; b--) {
                    uint32_t t = order[b];
                    order[b] = order[b - 1];
                    order[b - 1] = t;
                }
            for (uint32_t a = from; a < next; a++)
                pos[order[a]] = a;
        }
        /* Units: the oldest whose head stays at the next position, while any does. */
        qsort(units, units_n, sizeof *units, unit_older);
        uint32_t placed = 0;
        int leaving = 0;
        while (placed < units_n) {
            uint32_t pick = placed;
            if (!leaving) {
                uint32_t id = base + next;
                while (pick < units_n && units[pick].age >= demography_leave_home_age(m, id))
                    pick++;
                if (pick == units_n) {
                    leaving = 1;
                    pick = placed;
                }
            }
            unit u = units[pick];
            memmove(&units[placed + 1], &units[placed], (size_t)(pick - placed) * sizeof *units);
            units[placed++] = u;
            uint32_t home = h->person[u.head].household;
            if (leaving) {
                forced += u.age < demography_leave_home_age(m, base + next);
                leave_home(h, u.head);
            }
            place_at(pos, order, &next, u.head);
            if (u.partner != NONE)
                place_at(pos, order, &next, u.partner);
            for (uint32_t q = lo; q < hi; q++) {
                uint32_t c = byhouse[q].x;
                if (pos[c] == NONE && age_of(h, c) < 18 && in_unit(h, &u, c) &&
                    h->person[c].household == (leaving ? h->person[u.head].household : home))
                    place_at(pos, order, &next, c);
            }
        }
        /* Anyone left (a minor of a unit not at home with it: none expected). */
        for (uint32_t q = lo; q < hi; q++)
            if (pos[byhouse[q].x] == NONE)
                place_at(pos, order, &next, byhouse[q].x);
        lo = hi;
    }
    free(byhouse);
    free(units);
    *order_out = order;
    *pos_out = pos;
    *living_out = n;
    *forced_out = forced;
    return ATTUNE_OK;
}

static int push_edge(start_community *out, size_t *capacity, tie_edge e)
{
    if (out->edge_count == *capacity) {
        size_t cap = *capacity ? *capacity * 2 : 4096;
        tie_edge *grown = realloc(out->edges, cap * sizeof *grown);
        if (grown == NULL)
            return ATTUNE_ERR_NOMEM;
        out->edges = grown;
        *capacity = cap;
    }
    out->edges[out->edge_count++] = e;
    return ATTUNE_OK;
}

/* The ties among the living, as the run would hold them: a caregiver tie (a child tie at the
 * caregiver) at household contact when the two live together, else at family contact (a
 * separated parent's); a family tie after leaving home; siblings at household contact when they
 * live together, else at family contact; partners. */
static int write_ties(const history *h, const uint32_t *pos, start_community *out)
{
    const attune_params *p = h->m->p;
    size_t capacity = 0;
    int rc = ATTUNE_OK;
    for (uint32_t k = 0; k < h->edge_count && rc == ATTUNE_OK; k++) {
        const hist_edge *e = &h->edge[k];
        if (!h->person[e->a].alive || !h->person[e->b].alive)
            continue;
        int together = out->household[pos[e->a]] == out->household[pos[e->b]];
        double contact = together ? p->contact_household : p->contact_family;
        tie_edge t = {pos[e->a], pos[e->b], 0, 0, (float)contact, 0.7f, week_of(e->since)};
        if (e->kind == HIST_CARE) {
            t.kind_at_a = ATTUNE_TIE_CHILD;
            t.kind_at_b = ATTUNE_TIE_CAREGIVER;
        } else if (e->kind == HIST_FAMILY) {
            t.kind_at_a = t.kind_at_b = ATTUNE_TIE_FAMILY;
            t.contact = (float)p->contact_family;
        } else {
            t.kind_at_a = t.kind_at_b = ATTUNE_TIE_SIBLING;
            t.trust = 0.6f;
        }
        rc = push_edge(out, &capacity, t);
    }
    for (uint32_t x = 0; x < h->count && rc == ATTUNE_OK; x++) {
        uint32_t q = h->person[x].partner;
        if (!h->person[x].alive || q == NONE || q < x)
            continue;
        tie_edge t = {pos[x],
                      pos[q],
                      ATTUNE_TIE_PARTNER,
                      ATTUNE_TIE_PARTNER,
                      (float)p->contact_household,
                      0.7f,
                      week_of(h->person[x].partner_since)};
        rc = push_edge(out, &capacity, t);
    }
    return rc;
}

void population_history_free(history *h)
{
    if (h == NULL)
        return;
    free(h->person);
    free(h->edge);
    free(h->living);
    free(h);
}

int population_history_simulate(const attune_model *m, uint32_t index, uint32_t seed_size,
                                history **out)
{
    const attune_params *p = m->p;
    history *h = *out;
    if (h == NULL) {
        h = calloc(1, sizeof *h);
        *out = h;
        if (h == NULL)
            return ATTUNE_ERR_NOMEM;
    } else { /* a history run before: its arrays are kept, its content is not */
        history kept = *h;
        memset(h, 0, sizeof *h);
        h->person = kept.person;
        h->capacity = kept.capacity;
        h->edge = kept.edge;
        h->edge_capacity = kept.edge_capacity;
        h->living = kept.living;
        h->living_room = kept.living_room;
    }
    h->m = m;
    h->index = index;
    h->seed_size = seed_size;
    h->leave_lo = fmin(p->demography_leave_home_min, p->demography_leave_home_max);
    h->leave_hi = fmax(p->demography_leave_home_min, p->demography_leave_home_max);
    int rc = seed(h, seed_size);
    for (uint32_t y = 0; rc == ATTUNE_OK && y < (uint32_t)p->initial_history_years; y++) {
        if (h->count > h->living_room) { /* room for the living and the newborns */
            uint32_t room = h->count + h->count / 2;
            uint32_t *grown = realloc(h->living, (size_t)room * sizeof *grown);
            if (grown == NULL)
                return ATTUNE_ERR_NOMEM;
            h->living = grown;
            h->living_room = room;
        }
        rc = year(h, y);
    }
    /* Nobody older than population.max_age at the start. */
    h->now = 0;
    for (uint32_t x = 0; x < h->count && rc == ATTUNE_OK; x++) {
        h->living_end += h->person[x].alive;
        if (h->person[x].alive && age_of(h, x) > p->population_max_age) {
            rc = die(h, x);
            h->living_end--;
        }
    }
    return rc;
}

uint32_t population_history_living(const history *h)
{
    return h->living_end;
}

int population_history_assemble(history *h, uint32_t base, start_community *out)
{
    memset(out, 0, sizeof *out);
    uint32_t *order = NULL, *pos = NULL, n = 0;
    int rc = assemble(h, base, &order, &pos, &n, &out->forced_out);
    if (rc == ATTUNE_OK) {
        out->count = n;
        out->seed_count = h->seed_size;
        out->age = malloc((size_t)(n ? n : 1) * sizeof *out->age);
        out->household = malloc((size_t)(n ? n : 1) * sizeof *out->household);
        if (out->age == NULL || out->household == NULL)
            rc = ATTUNE_ERR_NOMEM;
    }
    if (rc == ATTUNE_OK) {
        uint32_t household = 0;
        for (uint32_t k = 0; k < n; k++) {
            if (k > 0 && h->person[order[k]].household != h->person[order[k - 1]].household)
                household++;
            out->age[k] = -h->person[order[k]].birth;
            out->household[k] = household;
        }
        rc = write_ties(h, pos, out);
    }
    free(order);
    free(pos);
    return rc;
}

void start_community_free(start_community *c)
{
    free(c->age);
    free(c->household);
    free(c->edges);
    memset(c, 0, sizeof *c);
}
