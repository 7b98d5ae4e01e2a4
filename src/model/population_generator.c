/*
 * The initial population (week 0): households, communities with a culture each, the first
 * generation's inner state, and the network (household ties, friendships, teachers, community
 * ties). Ids are assigned household by household and community by community, so that the
 * people one meets most are stored near each other.
 *
 * Every draw is keyed by what it is about (household, community or person index) through
 * rng.h, so the population depends on the seed alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bulk_memory.h"
#include "model/population_history.h"
#include "model/processes.h"

#define WEEKS_PER_YEAR 52.1775
#define AGE_BANDS      7
#define MAX_CHILDREN   6

static int age_band(double age)
{
    if (age < 5)
        return 0;
    if (age < 13)
        return 1;
    if (age < 18)
        return 2;
    if (age < 30)
        return 3;
    if (age < 45)
        return 4;
    if (age < 65)
        return 5;
    return 6;
}

static float clamp01f(double x)
{
    return (float)(x < 0 ? 0 : x > 1 ? 1 : x);
}

static float clamp11f(double x)
{
    return (float)(x < -1 ? -1 : x > 1 ? 1 : x);
}

/* Adult age: flat from 18 to 60, then falling linearly to zero at max_age (rejection). */
static double draw_adult_age(rng_seq *s, double max_age)
{
    for (int tries = 0; tries < 64; tries++) {
        double a = 18.0 + (max_age - 18.0) * rng_seq_u01(s);
        double w = a < 60.0 ? 1.0 : (max_age - a) / (max_age - 60.0);
        if (rng_seq_u01(s) < w)
            return a;
    }
    return 40.0;
}

typedef struct edge_list {
    tie_edge *items;
    size_t count, capacity;
} edge_list;

static int edge_push(edge_list *l, uint32_t a, uint32_t b, int kind_a, int kind_b, double contact,
                     double trust, int32_t since)
{
    if (a == b)
        return ATTUNE_OK;
    if (l->count == l->capacity) {
        size_t cap = l->capacity ? l->capacity + l->capacity / 2 : 1u << 16;
        tie_edge *items =
            bulk_memory_resize(l->items, l->count * sizeof *items, cap * sizeof *items);
        if (items == NULL)
            return ATTUNE_ERR_NOMEM;
        l->items = items;
        l->capacity = cap;
    }
    tie_edge *e = &l->items[l->count++];
    e->a = a;
    e->b = b;
    e->kind_at_a = (uint8_t)kind_a;
    e->kind_at_b = (uint8_t)kind_b;
    e->contact = (float)contact;
    e->trust = (float)trust;
    e->since = since;
    return ATTUNE_OK;
}

/* Orders edges by (min id, max id), keeping generation order among duplicates. */
typedef struct keyed_edge {
    uint64_t pair;
    size_t order;
} keyed_edge;

static int keyed_order(const void *pa, const void *pb)
{
    const keyed_edge *a = pa, *b = pb;
    if (a->pair != b->pair)
        return a->pair < b->pair ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Sorts the edge list by pair and drops repeated pairs (the first generated kind wins). */
static int sort_unique_edges(edge_list *l)
{
    keyed_edge *keys = malloc((l->count ? l->count : 1) * sizeof *keys);
    if (keys == NULL)
        return ATTUNE_ERR_NOMEM;
    bulk_memory_advise(keys, l->count * sizeof *keys);
    for (size_t e = 0; e < l->count; e++) {
        uint32_t lo = l->items[e].a < l->items[e].b ? l->items[e].a : l->items[e].b;
        uint32_t hi = l->items[e].a ^ l->items[e].b ^ lo;
        keys[e].pair = ((uint64_t)lo << 32) | hi;
        keys[e].order = e;
    }
    qsort(keys, l->count, sizeof *keys, keyed_order);
    tie_edge *sorted = malloc((l->count ? l->count : 1) * sizeof *sorted);
    if (sorted == NULL) {
        free(keys);
        return ATTUNE_ERR_NOMEM;
    }
    bulk_memory_advise(sorted, l->count * sizeof *sorted);
    size_t n = 0;
    for (size_t e = 0; e < l->count; e++) {
        if (e > 0 && keys[e].pair == keys[e - 1].pair)
            continue;
        sorted[n++] = l->items[keys[e].order];
    }
    free(keys);
    free(l->items);
    l->items = sorted;
    l->count = n;
    l->capacity = n;
    return ATTUNE_OK;
}

int population_draw_household(const attune_params *p, rng_seq *s, double ages[DRAWN_HOUSEHOLD_MAX],
                              int *adults)
{
    int members = 0;
    double head = draw_adult_age(s, p->population_max_age);
    ages[members++] = head;
    int couple = head >= 22 && head <= 75 && rng_seq_u01(s) < p->population_partnered_share;
    if (couple) {
        double partner = head + 3.0 * rng_seq_normal(s);
        if (partner < 18)
            partner = 18;
        if (partner > p->population_max_age)
            partner = p->population_max_age;
        ages[members++] = partner;
    }
    *adults = members;
    if (head >= 22 && head <= 50 && rng_seq_u01(s) < p->population_family_share) {
        double mean_extra = p->population_children_mean > 1 ? p->population_children_mean - 1 : 0;
        uint32_t kids = 1 + rng_poisson(mean_extra, rng_seq_next(s));
        if (kids > MAX_CHILDREN)
            kids = MAX_CHILDREN;
        double youngest_parent = couple && ages[1] < head ? ages[1] : head;
        double oldest_child = youngest_parent - 18.0 < 17.99 ? youngest_parent - 18.0 : 17.99;
        if (oldest_child < 0)
            oldest_child = 0;
        double child_ages[MAX_CHILDREN];
        for (uint32_t k = 0; k < kids; k++)
            child_ages[k] = oldest_child * rng_seq_u01(s);
        /* Children from oldest to youngest. */
        for (uint32_t a = 1; a < kids; a++)
            for (uint32_t b = a; b > 0 && child_ages[b] > child_ages[b - 1]; b--) {
                double t = child_ages[b];
                child_ages[b] = child_ages[b - 1];
                child_ages[b - 1] = t;
            }
        for (uint32_t k = 0; k < kids; k++)
            ages[members++] = child_ages[k];
    }
    return members;
}

/* Households drawn directly (initial.history_years 0): ids in household order; returns the
 * number of households. */
static int make_households(attune_model *m, uint32_t *household_count)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = (uint32_t)p->population_size;
    uint32_t id = 0, h = 0;
    while (id < n) {
        rng_seq s = rng_seq_start(m->key, RNG_WEEK_INIT, STREAM_INIT_HOUSEHOLD, h);
        double ages[DRAWN_HOUSEHOLD_MAX];
        int adults;
        int members = population_draw_household(p, &s, ages, &adults);
        /* Born before the run (week -1 at the latest: birth_week >= 0 means born in it, even
         * for a child whose parent's age left it none, aged 0). */
        for (int k = 0; k < members && id < n; k++, id++) {
            pp->birth_week[id] = -1 - (int32_t)floor(ages[k] * WEEKS_PER_YEAR);
            pp->household[id] = h;
            pp->alive[id] = 1;
            pp->role[id] = ATTUNE_ROLE_PERSON;
        }
        h++;
    }
    pp->count = n;
    *household_count = h;
    return ATTUNE_OK;
}

/* Community c's target size (uniform in [0.7, 1.3] x population.community_size) and its culture,
 * drawn in proportion to the cultures' shares. */
static double draw_community(const attune_model *m, uint32_t c, uint32_t *culture)
{
    const attune_entry_list *cultures = &m->scenario->entries[ENTRY_KIND_CULTURE];
    double share_total = 0;
    for (size_t k = 0; k < cultures->count; k++)
        share_total += cultures->items[k].values[CULTURE_share];
    rng_seq s = rng_seq_start(m->key, RNG_WEEK_INIT, STREAM_INIT_COMMUNITY, c);
    double target = (double)m->p->population_community_size * (0.7 + 0.6 * rng_seq_u01(&s));
    double pick = rng_seq_u01(&s) * share_total, acc = 0;
    *culture = 0;
    for (size_t k = 0; k < cultures->count; k++) {
        acc += cultures->items[k].values[CULTURE_share];
        if (cultures->items[k].values[CULTURE_share] > 0) {
            *culture = (uint32_t)k;
            if (pick < acc)
                break;
        }
    }
    return target;
}

/* Communities: consecutive households until each reaches its target size; a culture each. */
static int make_communities(attune_model *m, uint32_t **first_out)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
    uint32_t max_communities = n / 25 + 2;
    uint32_t *first = malloc(((size_t)max_communities + 1) * sizeof *first);
    m->community_culture = malloc((size_t)max_communities * sizeof *m->community_culture);
    if (first == NULL || m->community_culture == NULL) {
        free(first);
        return ATTUNE_ERR_NOMEM;
    }
    uint32_t c = 0, id = 0;
    while (id < n) {
        uint32_t culture;
        double target = draw_community(m, c, &culture);
        first[c] = id;
        m->community_culture[c] = culture;
        uint32_t start = id;
        while (id < n &&
               ((double)(id - start) < target || pp->household[id] == pp->household[id - 1])) {
            pp->community[id] = c;
            pp->culture[id] = (uint8_t)culture;
            id++;
        }
        c++;
        if (c >= max_communities)
            break;
    }
    /* A short last community joins the one before. */
    if (c > 1 && (double)(n - first[c - 1]) < 0.3 * (double)p->population_community_size) {
        for (uint32_t i = first[c - 1]; i < n; i++) {
            pp->community[i] = c - 2;
            pp->culture[i] = (uint8_t)m->community_culture[c - 2];
        }
        c--;
    }
    first[c] = n;
    m->community_count = c;
    *first_out = first;
    return ATTUNE_OK;
}

/* Seeds of a history below this many people die out too easily: the last community of a
 * population aims at least this high and is cut. */
#define HISTORY_SEED_MIN 50

/* Grows an array of communities to hold at least `need`. */
static int reserve_communities(attune_model *m, uint32_t **first, uint32_t *room, uint32_t need)
{
    if (need <= *room)
        return ATTUNE_OK;
    uint32_t cap = *room ? *room * 2 : 64;
    while (cap < need)
        cap *= 2;
    uint32_t *f = realloc(*first, ((size_t)cap + 1) * sizeof *f);
    if (f != NULL)
        *first = f;
    uint32_t *culture = realloc(m->community_culture, (size_t)cap * sizeof *culture);
    if (culture != NULL)
        m->community_culture = culture;
    if (f == NULL || culture == NULL)
        return ATTUNE_ERR_NOMEM;
    *room = cap;
    return ATTUNE_OK;
}

/* Histories run at once, in parallel: a fixed number (the results must not depend on the
 * threads), fewer for large communities (each holds its people while it waits). */
static uint32_t history_batch(const attune_params *p)
{
    double batch = 4e6 / (double)p->population_community_size;
    return batch >= 8 ? 8 : batch >= 1 ? (uint32_t)batch : 1;
}

/* Appends the living at the end of history h as community `label` (culture `culture`) from id
 * *id on, cut at population.size, with their kin and partner ties; the households numbered from
 * *households on. */
static int take_community(attune_model *m, history *h, uint32_t label, uint32_t culture,
                          uint32_t *id, uint32_t *households, edge_list *edges)
{
    people *pp = &m->people;
    uint32_t n = (uint32_t)m->p->population_size;
    start_community sc;
    int rc = population_history_assemble(h, *id, &sc);
    uint32_t take = sc.count < n - *id ? sc.count : n - *id;
    for (uint32_t k = 0; k < take && rc == ATTUNE_OK; k++) {
        uint32_t i = *id + k;
        pp->birth_week[i] = -1 - (int32_t)floor(sc.age[k] * WEEKS_PER_YEAR);
        pp->household[i] = *households + sc.household[k];
        pp->community[i] = label;
        pp->culture[i] = (uint8_t)culture;
        pp->alive[i] = 1;
        pp->role[i] = ATTUNE_ROLE_PERSON;
    }
    for (size_t e = 0; e < sc.edge_count && rc == ATTUNE_OK; e++) {
        tie_edge t = sc.edges[e];
        if (t.a < take && t.b < take)
            rc = edge_push(edges, *id + t.a, *id + t.b, t.kind_at_a, t.kind_at_b, t.contact,
                           t.trust, t.since);
    }
    if (rc == ATTUNE_OK && take > 0) {
        *households += sc.household[take - 1] + 1;
        *id += take;
    }
    start_community_free(&sc);
    return rc;
}

/* People, households and communities from the communities' demographic histories (ODD 5),
 * community after community until population.size people exist, with their kin and partner
 * ties in `edges`. Each history starts from a seed of the community's target size over the
 * growth of the histories taken before its batch (births and deaths need not balance in them),
 * so that communities end near their target size; the first runs alone to measure it. The last
 * community aims at what is left (x 1.1) and is cut at population.size; what a last community
 * that ended short leaves, if less than 0.3 x community_size, joins it as a history of its own.
 * Histories of a batch whose turn comes when what is left calls for a last one are dropped. */
static int make_population_from_history(attune_model *m, uint32_t **first_out,
                                        uint32_t *household_count, edge_list *edges,
                                        attune_error *err)
{
    const attune_params *p = m->p;
    const uint32_t n = (uint32_t)p->population_size, most = history_batch(p);
    const double small = 0.3 * (double)p->population_community_size;
    uint32_t *first = NULL, room = 0, id = 0, c = 0, households = 0, run = 0;
    double seeded = 0, ended = 0;
    history *batch[8] = {NULL};
    uint32_t culture[8];
    double target[8];
    int rc = ATTUNE_OK;
    while (id < n && rc == ATTUNE_OK) {
        double growth = seeded > 0 ? ended / seeded : 1.0;
        if (growth < 0.05) {
            rc = attune_fail(err, ATTUNE_ERR_RANGE, NULL, 0, NULL,
                             "the %d years of demographic history before the run leave %.1f%% of "
                             "their people alive: births do not replace deaths (no births with "
                             "demography.fertility_rate or initial.partnering_rate 0); set "
                             "initial.history_years = 0 to draw households directly",
                             (int)p->initial_history_years, 100.0 * growth);
            break;
        }
        /* The batch: communities expected to end at their targets before what is left calls
         * for the last one (which runs alone). */
        uint32_t size = 0;
        double left = (double)(n - id);
        int joins = 0;
        while (size < (seeded > 0 ? most : 1)) {
            double t = draw_community(m, c + size, &culture[size]);
            if (left < t + small) {
                if (size == 0) { /* the last community: what is left */
                    joins = c > 0 && left < small;
                    if (joins)
                        culture[0] = m->community_culture[c - 1];
                    target[size++] = 1.1 * left;
                }
                break;
            }
            target[size++] = t;
            left -= t;
        }
        uint32_t seeds[8];
        for (uint32_t b = 0; b < size; b++) {
            double seed = target[b] / growth;
            seeds[b] = seed < HISTORY_SEED_MIN ? HISTORY_SEED_MIN : (uint32_t)ceil(seed);
        }
        int failed = ATTUNE_OK;
#pragma omp parallel for schedule(dynamic, 1) num_threads(m->threads) reduction(min : failed)
        for (uint32_t b = 0; b < size; b++) {
            int r = population_history_simulate(m, run + b, seeds[b], &batch[b]);
            failed = r < failed ? r : failed;
        }
        rc = failed;
        uint32_t used = 0;
        for (uint32_t b = 0; b < size && rc == ATTUNE_OK; b++) {
            /* A history of the batch whose turn comes when what is left calls for the last
             * community is dropped: the next batch starts there. */
            if (size > 1 && (double)(n - id) < target[b] + small)
                break;
            rc = reserve_communities(m, &first, &room, c + 1);
            if (rc != ATTUNE_OK)
                break;
            uint32_t label = joins ? c - 1 : c, before = id;
            if (!joins) {
                first[c] = id;
                m->community_culture[c] = culture[b];
            }
            seeded += seeds[b];
            ended += population_history_living(batch[b]);
            rc = take_community(m, batch[b], label, culture[b], &id, &households, edges);
            c += id > before && !joins;
            used = b + 1;
        }
        run += used > 0 ? used : size; /* a dropped history's index is run again */
    }
    for (uint32_t b = 0; b < most; b++) /* their room served every batch */
        population_history_free(batch[b]);
    if (rc != ATTUNE_OK) {
        free(first);
        return rc;
    }
    first[c] = n;
    m->people.count = n;
    m->community_count = c;
    *household_count = households;
    *first_out = first;
    return ATTUNE_OK;
}

/* The stress the stressors of the last ten recovery times (ODD 7.0) leave at the start: a draw
 * from its steady distribution rather than none. Stressors come as a Poisson process at
 * life_events.stressor_rate a year, each of exponential severity, decaying by
 * exp(-1/recovery_weeks) a week; capped at 1. */
static double stress_left(const attune_params *p, rng_seq *s)
{
    double chance = p->life_events_stressor_rate / WEEKS_PER_YEAR; /* a week */
    double back = 10.0 * p->life_events_recovery_weeks, stress = 0;
    if (chance <= 0)
        return 0;
    for (double t = -log(rng_seq_u01(s)) / chance; t < back; t += -log(rng_seq_u01(s)) / chance)
        stress += -p->life_events_stressor_severity * log(rng_seq_u01(s)) *
                  exp(-floor(t) / p->life_events_recovery_weeks);
    return stress < 1 ? stress : 1;
}

/* The first generation's inner state: expectations of care learned in its culture. */
static void draw_inner_state(attune_model *m)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
#pragma omp parallel for schedule(static) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        rng_seq s = rng_seq_start(m->key, RNG_WEEK_INIT, STREAM_INIT_PERSON, i);
        const culture_norms *c = &m->cultures[pp->culture[i]];
        double sd = p->initial_working_model_sd;
        double anxiety = 0.55 - 0.45 * c->warmth + sd * rng_seq_normal(&s);
        double avoidance =
            0.50 - 0.40 * c->warmth + 0.15 * (0.5 - c->expressiveness) + sd * rng_seq_normal(&s);
        double disorganization = 0.25 - 0.25 * c->warmth + 0.5 * sd * rng_seq_normal(&s);
        pp->anxiety[i] = clamp01f(anxiety);
        pp->avoidance[i] = clamp01f(avoidance);
        pp->disorganization[i] = clamp01f(disorganization);
        double worth = p->initial_self_worth_mean + 0.2 * (c->warmth - 0.6) -
                       0.2 * (pp->anxiety[i] - 0.3) + p->initial_self_worth_sd * rng_seq_normal(&s);
        pp->self_worth[i] = clamp01f(worth);
        pp->affect_baseline[i] =
            clamp11f(p->affect_baseline_mean + p->affect_baseline_sd * rng_seq_normal(&s));
        pp->affect[i] = pp->affect_baseline[i];
        pp->self_relation[i] = clamp01f(pp->self_worth[i] + 0.1 * rng_seq_normal(&s));
        double d = p->individual_disposition_sd * rng_seq_normal(&s);
        pp->disposition[i] = (float)(d < -0.5 ? -0.5 : d > 0.5 ? 0.5 : d);
        pp->expected_care[i] =
            clamp01f(p->working_model_good_enough_care * (1.0 - pp->avoidance[i]));
        /* The running mean of care received starts, as a newborn's does, at the prior: a
         * child's childhood before the run is not observed (ODD 5), so neglect is counted only
         * once the care received in the run has brought the mean below ace.neglect_care. */
        pp->childhood_care[i] = (float)p->working_model_prior_expected_care;
        pp->infant_class[i] = CLASS_UNASSESSED;
        pp->unmet_need[i] = pp->avoidance[i];
        /* With a history the start's stress is a draw from its steady distribution; without
         * one (the start as it was before the twenty-third session) it is 0. */
        pp->stress[i] = p->initial_history_years > 0 ? (float)stress_left(p, &s) : 0.0f;
        pp->wellbeing[i] = (float)wellbeing_of(m, i);
        pp->ace_count[i] = 0;
    }
}

static double age_at_start(const people *pp, uint32_t i)
{
    return (double)(-pp->birth_week[i]) / WEEKS_PER_YEAR;
}

/* Partners, caregivers and children, siblings: everyone who shares a household. */
static int household_ties(attune_model *m, edge_list *edges)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    uint32_t n = pp->count;
    for (uint32_t start = 0; start < n;) {
        uint32_t end = start;
        while (end < n && pp->household[end] == pp->household[start])
            end++;
        for (uint32_t a = start; a < end; a++) {
            for (uint32_t b = a + 1; b < end; b++) {
                int adult_a = age_at_start(pp, a) >= 18, adult_b = age_at_start(pp, b) >= 18;
                int rc;
                int32_t since =
                    pp->birth_week[a] > pp->birth_week[b] ? pp->birth_week[a] : pp->birth_week[b];
                if (adult_a && adult_b)
                    rc = edge_push(edges, a, b, ATTUNE_TIE_PARTNER, ATTUNE_TIE_PARTNER,
                                   p->contact_household, 0.7, 0);
                else if (adult_a)
                    rc = edge_push(edges, a, b, ATTUNE_TIE_CHILD, ATTUNE_TIE_CAREGIVER,
                                   p->contact_household, 0.7, pp->birth_week[b]);
                else
                    rc = edge_push(edges, a, b, ATTUNE_TIE_SIBLING, ATTUNE_TIE_SIBLING,
                                   p->contact_household, 0.6, since);
                if (rc != ATTUNE_OK)
                    return rc;
            }
        }
        start = end;
    }
    return ATTUNE_OK;
}

/* Members of each (community, age band), in id order, for picking friends of one's age. */
typedef struct band_index {
    uint32_t *offset;  /* (community * AGE_BANDS + band) -> first position in members */
    uint32_t *members; /* person ids */
} band_index;

static int build_band_index(const attune_model *m, const uint8_t *band, band_index *bi)
{
    uint32_t n = m->people.count;
    size_t cells = (size_t)m->community_count * AGE_BANDS;
    bi->offset = calloc(cells + 1, sizeof *bi->offset);
    bi->members = malloc((size_t)(n ? n : 1) * sizeof *bi->members);
    if (bi->offset == NULL || bi->members == NULL)
        return ATTUNE_ERR_NOMEM;
    for (uint32_t i = 0; i < n; i++)
        bi->offset[(size_t)m->people.community[i] * AGE_BANDS + band[i] + 1]++;
    for (size_t c = 0; c < cells; c++)
        bi->offset[c + 1] += bi->offset[c];
    uint32_t *fill = malloc((cells ? cells : 1) * sizeof *fill);
    if (fill == NULL)
        return ATTUNE_ERR_NOMEM;
    memcpy(fill, bi->offset, cells * sizeof *fill);
    for (uint32_t i = 0; i < n; i++)
        bi->members[fill[(size_t)m->people.community[i] * AGE_BANDS + band[i]]++] = i;
    free(fill);
    return ATTUNE_OK;
}

/* A random member of community c aged 5 or more, in band `want` if it has any; or none. */
static uint32_t pick_member(const band_index *bi, const uint32_t *first, const uint8_t *band,
                            uint32_t c, int want, rng_seq *s)
{
    if (want >= 0) {
        uint32_t lo = bi->offset[(size_t)c * AGE_BANDS + (uint32_t)want];
        uint32_t hi = bi->offset[(size_t)c * AGE_BANDS + (uint32_t)want + 1];
        if (hi > lo)
            return bi->members[lo + rng_below(rng_seq_next(s), hi - lo)];
    }
    uint32_t size = first[c + 1] - first[c];
    for (int tries = 0; tries < 4; tries++) {
        uint32_t j = first[c] + rng_below(rng_seq_next(s), size);
        if (band[j] > 0)
            return j;
    }
    return TIE_NONE;
}

/* Candidates drawn for one friendship of the initial network before it is given up (as many as
 * a friendship sought in the run: tie_formation.c). */
#define FIT_TRIES 8

static int friendships(attune_model *m, const uint32_t *first, const uint8_t *band,
                       const band_index *bi, edge_list *edges)
{
    const attune_params *p = m->p;
    uint32_t n = m->people.count;
    size_t first_friend = edges->count;
    for (uint32_t i = 0; i < n; i++) {
        if (band[i] == 0)
            continue;
        rng_seq s = rng_seq_start(m->key, RNG_WEEK_INIT, STREAM_INIT_FRIENDS, i);
        uint32_t k = rng_poisson(p->network_friends_mean / 2.0, rng_seq_next(&s));
        uint32_t c = m->people.community[i];
        double age = age_at_start(&m->people, i);
        for (uint32_t f = 0; f < k; f++) {
            uint32_t cc = c;
            if (m->community_count > 1 && rng_seq_u01(&s) >= p->network_friends_within_community) {
                cc = nearby_community(c, m->community_count, rng_seq_next(&s));
            }
            /* An adult's friend is of its age band with probability friends_same_age, else of
             * any age from FRIEND_MIN_AGE (a minor drawn is passed over). A minor's is within
             * MINOR_FRIEND_SPAN of it, as every friendship of a minor (friend_ages_fit): each
             * candidate is drawn from the band of an age drawn uniformly in that window, so
             * that the window may cross a band's edge. */
            int same_band = rng_seq_u01(&s) < p->network_friends_same_age;
            uint32_t j = TIE_NONE;
            for (int tries = 0; tries < FIT_TRIES && j == TIE_NONE; tries++) {
                int want = same_band ? band[i] : -1;
                if (age < 18) {
                    double near = age + MINOR_FRIEND_SPAN * (2.0 * rng_seq_u01(&s) - 1.0);
                    want = age_band(near > FRIEND_MIN_AGE ? near : FRIEND_MIN_AGE);
                }
                j = pick_member(bi, first, band, cc, want, &s);
                if (j == i || (j != TIE_NONE && !friend_ages_fit(age, age_at_start(&m->people, j))))
                    j = TIE_NONE;
            }
            if (j == TIE_NONE)
                continue;
            int rc = edge_push(edges, i, j, ATTUNE_TIE_FRIEND, ATTUNE_TIE_FRIEND, p->contact_friend,
                               0.5, 0);
            if (rc != ATTUNE_OK)
                return rc;
        }
    }
    /* Triadic closure: some people befriend a friend of a friend. */
    size_t base_end = edges->count;
    uint32_t *deg = calloc((size_t)n + 1, sizeof *deg);
    if (deg == NULL)
        return ATTUNE_ERR_NOMEM;
    for (size_t e = first_friend; e < base_end; e++) {
        deg[edges->items[e].a + 1]++;
        deg[edges->items[e].b + 1]++;
    }
    for (uint32_t i = 0; i < n; i++)
        deg[i + 1] += deg[i];
    uint32_t *adj = malloc((size_t)(deg[n] ? deg[n] : 1) * sizeof *adj);
    uint32_t *fill = malloc((size_t)(n ? n : 1) * sizeof *fill);
    if (adj == NULL || fill == NULL) {
        free(deg);
        free(adj);
        free(fill);
        return ATTUNE_ERR_NOMEM;
    }
    memcpy(fill, deg, (size_t)n * sizeof *fill);
    for (size_t e = first_friend; e < base_end; e++) {
        adj[fill[edges->items[e].a]++] = edges->items[e].b;
        adj[fill[edges->items[e].b]++] = edges->items[e].a;
    }
    int rc = ATTUNE_OK;
    for (uint32_t i = 0; i < n && rc == ATTUNE_OK; i++) {
        uint32_t di = deg[i + 1] - deg[i];
        if (di == 0)
            continue;
        rng_seq s = rng_seq_start(m->key, RNG_WEEK_INIT, STREAM_INIT_FRIENDS, n + i);
        if (rng_seq_u01(&s) >= p->network_friends_of_friends)
            continue;
        uint32_t f = adj[deg[i] + rng_below(rng_seq_next(&s), di)];
        uint32_t df = deg[f + 1] - deg[f];
        uint32_t g = adj[deg[f] + rng_below(rng_seq_next(&s), df)];
        if (g != i && friend_ages_fit(age_at_start(&m->people, i), age_at_start(&m->people, g)))
            rc = edge_push(edges, i, g, ATTUNE_TIE_FRIEND, ATTUNE_TIE_FRIEND, p->contact_friend,
                           0.5, 0);
    }
    free(deg);
    free(adj);
    free(fill);
    return rc;
}

/* The people each person is tied to by the edges made so far (kin), in CSR form. */
typedef struct kin_index {
    uint32_t *offset, *other;
} kin_index;

static int build_kin_index(const edge_list *edges, uint32_t n, kin_index *ki)
{
    ki->offset = calloc((size_t)n + 1, sizeof *ki->offset);
    ki->other = malloc((2 * edges->count + 1) * sizeof *ki->other);
    uint32_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
    if (ki->offset == NULL || ki->other == NULL || fill == NULL) {
        free(fill);
        return ATTUNE_ERR_NOMEM;
    }
    for (size_t e = 0; e < edges->count; e++) {
        ki->offset[edges->items[e].a + 1]++;
        ki->offset[edges->items[e].b + 1]++;
    }
    for (uint32_t i = 0; i < n; i++)
        ki->offset[i + 1] += ki->offset[i];
    memcpy(fill, ki->offset, ((size_t)n + 1) * sizeof *fill);
    for (size_t e = 0; e < edges->count; e++) {
        ki->other[fill[edges->items[e].a]++] = edges->items[e].b;
        ki->other[fill[edges->items[e].b]++] = edges->items[e].a;
    }
    free(fill);
    return ATTUNE_OK;
}

static int kin_of(const kin_index *ki, uint32_t i, uint32_t j)
{
    for (uint32_t k = ki->offset[i]; k < ki->offset[i + 1]; k++)
        if (ki->other[k] == j)
            return 1;
    return 0;
}

/* Teachers: enough adults of 25-64 per community for its school-age children, by age. */
static int teachers(attune_model *m, const uint32_t *first, edge_list *edges)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t class_size = (uint32_t)p->population_class_size;
    kin_index ki = {0};
    int rc = build_kin_index(edges, pp->count, &ki);
    uint32_t *pupils = NULL, *staff = NULL;
    size_t room = 0;
    for (uint32_t c = 0; c < m->community_count && rc == ATTUNE_OK; c++) {
        uint32_t lo = first[c], hi = first[c + 1];
        if (hi - lo > room) {
            room = hi - lo;
            uint32_t *np = realloc(pupils, room * sizeof *np);
            if (np != NULL)
                pupils = np;
            uint32_t *ns = realloc(staff, room * sizeof *ns);
            if (ns != NULL)
                staff = ns;
            if (np == NULL || ns == NULL) {
                rc = ATTUNE_ERR_NOMEM;
                break;
            }
        }
        uint32_t np_count = 0, ns_count = 0;
        for (uint32_t i = lo; i < hi; i++) {
            double age = age_at_start(pp, i);
            if (age >= 5 && age < 18)
                pupils[np_count++] = i;
            else if (age >= 25 && age < 65)
                staff[ns_count++] = i;
        }
        if (np_count == 0 || ns_count == 0)
            continue;
        uint32_t classes = (np_count + class_size - 1) / class_size;
        if (classes > ns_count)
            classes = ns_count;
        /* Choose `classes` teachers by a partial Fisher-Yates shuffle of the staff list. */
        rng_seq s = rng_seq_start(m->key, RNG_WEEK_INIT, STREAM_INIT_TEACHERS, c);
        for (uint32_t k = 0; k < classes; k++) {
            uint32_t r = k + rng_below(rng_seq_next(&s), ns_count - k);
            uint32_t t = staff[k];
            staff[k] = staff[r];
            staff[r] = t;
            pp->role[staff[k]] = ATTUNE_ROLE_TEACHER;
        }
        /* Pupils by age (birth week, then id), in consecutive classes. */
        for (uint32_t a = 1; a < np_count; a++) {
            uint32_t v = pupils[a];
            uint32_t b = a;
            while (b > 0 &&
                   (pp->birth_week[pupils[b - 1]] > pp->birth_week[v] ||
                    (pp->birth_week[pupils[b - 1]] == pp->birth_week[v] && pupils[b - 1] > v))) {
                pupils[b] = pupils[b - 1];
                b--;
            }
            pupils[b] = v;
        }
        /* A pupil whose class teacher lives in its household or is its kin (a parent, a
         * grown sibling: the kin tie would take the pair's place) joins the next class with a
         * teacher who is neither; with none, it starts without a school and finds one as the
         * run begins (ODD 7.5). */
        for (uint32_t k = 0; k < np_count && rc == ATTUNE_OK; k++) {
            uint32_t class = (uint32_t)((uint64_t)k * classes / np_count), teacher = TIE_NONE;
            for (uint32_t step = 0; step < classes && teacher == TIE_NONE; step++) {
                uint32_t q = staff[(class + step) % classes];
                if (pp->household[q] != pp->household[pupils[k]] && !kin_of(&ki, pupils[k], q))
                    teacher = q;
            }
            if (teacher != TIE_NONE)
                rc = edge_push(edges, pupils[k], teacher, ATTUNE_TIE_TEACHER, ATTUNE_TIE_STUDENT,
                               p->contact_teacher, 0.5, 0);
        }
    }
    free(pupils);
    free(staff);
    free(ki.offset);
    free(ki.other);
    return rc;
}

/* Community ties among people of 5 or more, denser where the culture's norm says so. */
static int community_ties(attune_model *m, const uint32_t *first, const uint8_t *band,
                          edge_list *edges)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (band[i] < 1)
            continue;
        uint32_t c = pp->community[i];
        double mean = p->network_community_ties_mean *
                      m->cultures[m->community_culture[c]].community_density / 2.0;
        rng_seq s = rng_seq_start(m->key, RNG_WEEK_INIT, STREAM_INIT_COMMUNITY_TIES, i);
        uint32_t k = rng_poisson(mean, rng_seq_next(&s));
        uint32_t size = first[c + 1] - first[c];
        for (uint32_t t = 0; t < k; t++) {
            uint32_t j = first[c] + rng_below(rng_seq_next(&s), size);
            if (j == i || band[j] < 1)
                continue;
            int rc = edge_push(edges, i, j, ATTUNE_TIE_COMMUNITY, ATTUNE_TIE_COMMUNITY,
                               p->contact_community, 0.4, 0);
            if (rc != ATTUNE_OK)
                return rc;
        }
    }
    return ATTUNE_OK;
}

/* The ties of the start are old (ODD 5), and what follows what they give starts where it would
 * have settled, at what a meeting on each can be expected to give at the start's states (the
 * week-0 snapshot of capacities and hostility; interactions_expected_meeting), each tie met
 * with its contact probability: trust in each tie (7.1); the quality of meetings one is used to
 * (hedonic adaptation, 7.2), their mean quality; the care the working model expects (7.3), the
 * mean care taken in weighed by closeness (kind weight x (0.5 + 0.5 trust)) as the working model
 * registers it; unmet need at the level where the week's care drains what fills it (7.2); and
 * affect at the level where its pull to the baseline balances the week's relational input and
 * the stress drawn (7.2). Someone without ties keeps no adaptation and its expected care drawn,
 * and its need and affect settle without care. Well-being follows. */
static void settle_running_means(attune_model *m)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    interactions_snapshot(m, 0);
#pragma omp parallel for schedule(dynamic, 1024) num_threads(m->threads)
    for (uint32_t i = 0; i < pp->count; i++) {
        double quality = 0, contact = 0, care = 0, closeness = 0, fright = 0;
        double weighed = 0, weight = 0;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            expected_meeting e = interactions_expected_meeting(m, h);
            t->trust[h] = (float)e.trust_target;
            double c = t->contact[h], w = m->kind_weight[t->kind[h]];
            double near = c * w * (0.5 + 0.5 * e.trust_target);
            quality += c * e.quality;
            contact += c;
            care += near * e.care;
            fright += near * e.hostile;
            closeness += near;
            weighed += c * w * e.quality;
            weight += c * w;
        }
        if (contact > 0)
            pp->quality_shift[i] = (float)(quality / contact - p->interaction_reference_quality);
        if (closeness > 0)
            pp->expected_care[i] = (float)fmin(1.0, care / closeness * learned_care_factor(m, i));
        double inflow = 1.0 + (closeness > 0 ? p->need_hostility_gain * fright / closeness : 0.0);
        double outflow = p->need_satiation * care;
        pp->unmet_need[i] = (float)(inflow / (inflow + outflow));
        if (p->affect_inertia < 1) {
            double neutral = p->interaction_reference_quality +
                             p->affect_adaptation_share * pp->quality_shift[i];
            double input = (weighed - weight * neutral) / (weight + 1.0);
            double affect =
                pp->affect_baseline[i] + (p->affect_social_gain * tanh(input) -
                                          p->life_events_stress_impact * pp->stress[i]) /
                                             (1.0 - p->affect_inertia);
            pp->affect[i] = (float)(affect < -1 ? -1 : affect > 1 ? 1 : affect);
        }
        pp->wellbeing[i] = (float)wellbeing_of(m, i);
    }
}

int population_generate(attune_model *m, attune_error *err)
{
    const attune_params *p = m->p;
    uint32_t n = (uint32_t)p->population_size;
    uint32_t *first = NULL;
    uint8_t *band = NULL;
    band_index bi = {0};
    edge_list edges = {0};
    uint32_t households = 0;
    int rc = people_init(&m->people, n);
    if (rc != ATTUNE_OK)
        goto out;
    if (p->initial_history_years > 0) {
        rc = make_population_from_history(m, &first, &households, &edges, err);
    } else {
        rc = make_households(m, &households);
        if (rc == ATTUNE_OK)
            rc = make_communities(m, &first);
    }
    if (rc != ATTUNE_OK)
        goto out;
    draw_inner_state(m);
    band = malloc(n);
    if (band == NULL) {
        rc = ATTUNE_ERR_NOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        band[i] = (uint8_t)age_band(age_at_start(&m->people, i));
    rc = build_band_index(m, band, &bi);
    if (rc == ATTUNE_OK && p->initial_history_years == 0)
        rc = household_ties(m, &edges);
    if (rc == ATTUNE_OK)
        rc = teachers(m, first, &edges);
    if (rc == ATTUNE_OK)
        rc = friendships(m, first, band, &bi, &edges);
    if (rc == ATTUNE_OK)
        rc = community_ties(m, first, band, &edges);
    if (rc == ATTUNE_OK)
        rc = sort_unique_edges(&edges);
    if (rc == ATTUNE_OK)
        rc = ties_build_owned(&m->ties, n, &edges.items, edges.count,
                              (uint32_t)p->network_tie_slack);
    if (rc == ATTUNE_OK) {
        /* Engagement: avoidant people hold back from the start. */
        tie_store *t = &m->ties;
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
                t->engagement[h] =
                    (float)(1.0 - p->ties_engagement_avoidance * m->people.avoidance[i]);
        /* initial.history_years 0 keeps the start as it was before the twenty-third session,
         * bit for bit (ODD 5). */
        if (p->initial_history_years > 0)
            settle_running_means(m);
        m->next_household = households;
        m->community_members = calloc(m->community_count, sizeof *m->community_members);
        if (m->community_members == NULL)
            rc = ATTUNE_ERR_NOMEM;
        for (uint32_t i = 0; i < n && rc == ATTUNE_OK; i++)
            rc = id_list_push(&m->community_members[m->people.community[i]], i);
    }
out:
    free(first);
    free(band);
    free(bi.offset);
    free(bi.members);
    free(edges.items);
    if (rc == ATTUNE_ERR_RANGE)
        return rc; /* a history that dies out: err says so */
    if (rc == ATTUNE_ERR_NOMEM)
        return attune_fail(err, rc, NULL, 0, NULL,
                           "out of memory while generating %u people and their ties", n);
    if (rc == ATTUNE_ERR_TOO_LARGE)
        return attune_fail(err, rc, NULL, 0, NULL,
                           "%u people with their ties exceed the tie store's 2^32 slots", n);
    if (rc != ATTUNE_OK)
        return attune_fail(err, rc, NULL, 0, NULL, "population generation failed: %s",
                           attune_strerror(rc));
    return ATTUNE_OK;
}
