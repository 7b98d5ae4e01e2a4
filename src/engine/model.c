/* Model lifecycle, the weekly scheduler and state queries. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model_internal.h"
#include "model/processes.h"

const char *attune_tie_kind_name(int kind)
{
    static const char *names[ATTUNE_TIE_KIND_COUNT] = {
        "caregiver", "child",   "partner",   "sibling",   "family", "friend",
        "teacher",   "student", "community", "therapist", "client"};
    return kind >= 0 && kind < ATTUNE_TIE_KIND_COUNT ? names[kind] : "?";
}

/* Ages (years) that the age tables of the handle cover. */
#define AGE_TABLE_YEARS 130

/* Expected active half-ties per person at start (friends with closure, community, family). */
static double expected_degree(const attune_params *p)
{
    return p->network_friends_mean * (1.0 + p->network_friends_of_friends / 2.0) +
           p->network_community_ties_mean * 1.2 + 3.0;
}

uint64_t attune_model_memory_estimate(const attune_scenario *scenario)
{
    const attune_params *p = &scenario->params;
    double persons = (double)p->population_size;
    double degree = expected_degree(p);
    double per_person = (double)people_bytes_per_person() + 3 * sizeof(uint32_t) /* CSR */;
    /* Generation peaks either while sorting the edge list (the list, its keys and a sorted
     * copy) or while building the store beside the sorted list. */
    double edges = degree / 2.0;
    double sorting = edges * (2.0 * sizeof(tie_edge) + 16.0);
    double building = (degree + (double)p->network_tie_slack) * (double)ties_bytes_per_slot() +
                      edges * sizeof(tie_edge);
    double peak = sorting > building ? sorting : building;
    /* Ids are never reused: people born during the run add to the arrays (about 1.5% of the
     * population a year in the default demography). */
    double growth = 1.0 + 0.015 * (double)p->run_weeks / 52.0;
    /* network.graphml (at the end) and the snapshots of output.graphml_every are written
     * beside the model: igraph's graph with its attributes (measured: 298 MB more at 300,000
     * people and 1.1 million ties; with the expected degree, which counts more ties than the
     * default network has, 200 bytes a tie and 150 a person cover it by a third). */
    double graphml = p->output_graphml || p->output_graphml_every > 0 ? edges * 200.0 + 150.0 : 0.0;
    return (uint64_t)(persons * growth * (per_person + peak + graphml) * 1.1) + (64u << 20);
}

int attune_model_create(const attune_scenario *scenario, int threads, attune_model **out,
                        attune_error *err)
{
    if (scenario == NULL || out == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing scenario or output");
    if (threads < 0 || threads > 1024)
        return attune_fail(err, ATTUNE_ERR_RANGE, NULL, 0, NULL,
                           "threads is %d; expected 0 (OpenMP's default) to 1024", threads);
    int rc = attune_scenario_validate(scenario, err);
    if (rc != ATTUNE_OK)
        return rc;
    attune_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    rc = attune_scenario_copy(scenario, &m->scenario);
    if (rc != ATTUNE_OK) {
        free(m);
        return attune_fail(err, rc, NULL, 0, NULL, "out of memory");
    }
    m->p = &m->scenario->params;
    m->threads = threads > 0 ? threads : omp_get_max_threads();
    m->key = rng_key_from_seed((uint64_t)m->p->run_seed);
    m->state = ATTUNE_STATE_CREATED;
    rc = events_init(&m->events, m->threads);
    if (rc == ATTUNE_OK)
        rc = interventions_init(m);
    if (rc == ATTUNE_OK) {
        m->proposals = calloc((size_t)m->threads + 1, sizeof *m->proposals);
        if (m->proposals == NULL)
            rc = ATTUNE_ERR_NOMEM;
    }
    if (rc != ATTUNE_OK) {
        attune_model_free(m);
        return attune_fail(err, rc, NULL, 0, NULL, "out of memory");
    }
    const attune_params *p = m->p;
    const attune_entry_list *cultures = &m->scenario->entries[ENTRY_KIND_CULTURE];
    m->culture_count = (uint32_t)cultures->count;
    m->cultures = calloc(cultures->count ? cultures->count : 1, sizeof *m->cultures);
    if (m->cultures == NULL) {
        attune_model_free(m);
        return attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    for (size_t c = 0; c < cultures->count; c++) {
        const double *v = cultures->items[c].values;
        m->cultures[c].warmth = v[CULTURE_warmth];
        m->cultures[c].expressiveness = v[CULTURE_expressiveness];
        m->cultures[c].help_seeking_stigma = v[CULTURE_help_seeking_stigma];
        m->cultures[c].community_density = v[CULTURE_community_density];
        m->cultures[c].community_wish_mean =
            p->network_community_ties_mean * m->cultures[c].community_density;
        m->cultures[c].community_wish_p0 = exp(-m->cultures[c].community_wish_mean);
    }
    m->friends_wish_p0 = exp(-p->network_friends_mean);
    /* Ages up to AGE_TABLE_YEARS; older people (if any) compute directly. */
    m->age_table_size = (uint32_t)(AGE_TABLE_YEARS * WEEKS_PER_YEAR) + 1;
    m->age_decay_table = malloc(m->age_table_size * sizeof *m->age_decay_table);
    m->death_chance_table = malloc(m->age_table_size * sizeof *m->death_chance_table);
    if (m->age_decay_table == NULL || m->death_chance_table == NULL) {
        attune_model_free(m);
        return attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    for (uint32_t d = 0; d < m->age_table_size; d++) {
        m->age_decay_table[d] = age_decay_direct(p, (int32_t)d);
        m->death_chance_table[d] = death_chance_direct(p, (int32_t)d);
    }
    m->kind_weight[ATTUNE_TIE_CAREGIVER] = (float)p->weight_caregiver;
    m->kind_weight[ATTUNE_TIE_CHILD] = (float)p->weight_child;
    m->kind_weight[ATTUNE_TIE_PARTNER] = (float)p->weight_partner;
    m->kind_weight[ATTUNE_TIE_SIBLING] = (float)p->weight_sibling;
    m->kind_weight[ATTUNE_TIE_FAMILY] = (float)p->weight_family;
    m->kind_weight[ATTUNE_TIE_FRIEND] = (float)p->weight_friend;
    m->kind_weight[ATTUNE_TIE_TEACHER] = (float)p->weight_teacher;
    m->kind_weight[ATTUNE_TIE_STUDENT] = (float)p->weight_teacher;
    m->kind_weight[ATTUNE_TIE_COMMUNITY] = (float)p->weight_community;
    m->kind_weight[ATTUNE_TIE_THERAPIST] = (float)p->weight_therapist;
    m->kind_weight[ATTUNE_TIE_CLIENT] = (float)p->weight_therapist;
    *out = m;
    return ATTUNE_OK;
}

int attune_model_init(attune_model *m, attune_error *err)
{
    if (m == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "no model");
    if (m->state != ATTUNE_STATE_CREATED)
        return attune_fail(err, ATTUNE_ERR_STATE, NULL, 0, NULL,
                           "the model is initialised already");
    int rc = population_generate(m, err);
    if (rc != ATTUNE_OK) {
        m->state = ATTUNE_STATE_FAILED;
        return rc;
    }
    /* The number of communities is drawn with the population: only now can an intervention's
     * community be checked. */
    const attune_entry_list *ivs = &m->scenario->entries[ENTRY_KIND_INTERVENTION];
    for (size_t k = 0; k < m->intervention_count; k++) {
        if (m->interventions[k].community >= (int)m->community_count) {
            m->state = ATTUNE_STATE_FAILED;
            char key[ATTUNE_NAME_MAX + 32];
            snprintf(key, sizeof key, "intervention.%s.community", ivs->items[k].name);
            return attune_entry_fail(
                m->scenario, &ivs->items[k], 1u << INTERVENTION_community, key, err,
                "[intervention %s] targets community %d, but the population "
                "has communities 0 to %u; expected -1 (any) or one of them",
                ivs->items[k].name, m->interventions[k].community, m->community_count - 1);
        }
    }
    interactions_snapshot(m, 0);
    rc = metrics_compute(m);
    if (rc != ATTUNE_OK) {
        m->state = ATTUNE_STATE_FAILED;
        return attune_fail(err, rc, NULL, 0, NULL, "out of memory computing metrics");
    }
    m->state = ATTUNE_STATE_READY;
    return ATTUNE_OK;
}

int attune_model_step(attune_model *m, attune_error *err)
{
    if (m == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "no model");
    if (m->state != ATTUNE_STATE_READY)
        return attune_fail(err, ATTUNE_ERR_STATE, NULL, 0, NULL,
                           m->state == ATTUNE_STATE_CREATED
                               ? "the model must be initialised before it can step"
                               : "the model failed earlier and cannot step");
    int32_t week = model_open_week(m);
    events_begin_week(&m->events);
    life_events_update(m, week);
    int rc = interventions_begin_week(m, week);
    if (rc == ATTUNE_OK) {
        interactions_snapshot(m, week);
        interactions_exchange(m, week);
        affect_update(m);
        working_model_update(m, week);
        coping_update(m, week);
        insight_update(m, week);
        tie_engagement_update(m);
        rc = tie_separation_update(m, week);
        if (rc == ATTUNE_OK)
            rc = tie_release_update(m, week);
    }
    if (rc == ATTUNE_OK)
        rc = tie_formation_update(m, week);
    if (rc == ATTUNE_OK)
        rc = demography_update(m, week);
    if (rc == ATTUNE_OK)
        distress_update(m, week);
    if (rc == ATTUNE_OK)
        rc = therapy_update(m, week);
    /* The week's tie changes are done and no slot index is held: reclaim the slots that
     * relocations and removals left (layout only; results do not depend on it). */
    if (rc == ATTUNE_OK && ties_compact_due(&m->ties, (uint32_t)m->p->network_tie_slack))
        rc = ties_compact(&m->ties, (uint32_t)m->p->network_tie_slack);
    if (rc != ATTUNE_OK) {
        m->state = ATTUNE_STATE_FAILED;
        model_close_week(m, week, 0);
        return attune_fail(err, rc, NULL, 0, NULL, "week %d: %s", week, attune_strerror(rc));
    }
    rc = events_finish_week(&m->events);
    if (rc == ATTUNE_OK) {
        model_close_week(m, week, 1);
        rc = metrics_compute(m);
    }
    if (rc != ATTUNE_OK) {
        m->state = ATTUNE_STATE_FAILED;
        model_close_week(m, week, 0);
        return attune_fail(err, rc, NULL, 0, NULL, "week %d: %s", week, attune_strerror(rc));
    }
#ifdef ATTUNE_CHECK_INVARIANTS
    rc = attune_model_check(m, err);
    if (rc != ATTUNE_OK) {
        m->state = ATTUNE_STATE_FAILED;
        return rc;
    }
#endif
    return ATTUNE_OK;
}

int attune_model_run(attune_model *m, int32_t until_week, attune_week_callback callback, void *user,
                     attune_error *err)
{
    if (m == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "no model");
    if (until_week < m->week)
        return attune_fail(err, ATTUNE_ERR_RANGE, NULL, 0, NULL,
                           "cannot run back to week %d from week %d", until_week, m->week);
    while (m->week < until_week) {
        int rc = attune_model_step(m, err);
        if (rc != ATTUNE_OK)
            return rc;
        if (callback != NULL && callback(m, user) != 0)
            break;
    }
    return ATTUNE_OK;
}

int32_t attune_model_week(const attune_model *m)
{
    return m ? m->week : 0;
}

const attune_scenario *attune_model_scenario(const attune_model *m)
{
    return m ? m->scenario : NULL;
}

int attune_model_threads(const attune_model *m)
{
    return m ? m->threads : 0;
}

uint32_t attune_model_people_count(const attune_model *m)
{
    return m ? m->people.count : 0;
}

int attune_model_metrics(const attune_model *m, attune_metrics *out)
{
    if (m == NULL || out == NULL)
        return ATTUNE_ERR_ARGUMENT;
    if (m->state == ATTUNE_STATE_CREATED)
        return ATTUNE_ERR_STATE;
    *out = m->metrics;
    return ATTUNE_OK;
}

int attune_model_person(const attune_model *m, uint32_t id, attune_person *out)
{
    if (m == NULL || out == NULL)
        return ATTUNE_ERR_ARGUMENT;
    if (m->state == ATTUNE_STATE_CREATED)
        return ATTUNE_ERR_STATE;
    if (id >= m->people.count)
        return ATTUNE_ERR_RANGE;
    const people *p = &m->people;
    memset(out, 0, sizeof *out);
    out->id = id;
    out->alive = p->alive[id] != 0;
    out->age_years = person_age_years(m, id);
    out->household = p->household[id];
    out->community = p->community[id];
    out->culture = p->culture[id];
    out->role = p->role[id];
    out->anxiety = p->anxiety[id];
    out->avoidance = p->avoidance[id];
    out->disorganization = p->disorganization[id];
    out->self_worth = p->self_worth[id];
    out->affect = p->affect[id];
    out->affect_baseline = p->affect_baseline[id];
    out->give_capacity = p->give_capacity[id];
    out->hostility = p->hostility[id];
    out->meetings = p->meetings[id];
    out->received_quality =
        p->meetings[id] ? p->received_quality_sum[id] / (double)p->meetings[id] : 0.0;
    out->degree = m->ties.count[id];
    out->ace_count = p->ace_count[id];
    out->expected_care = p->expected_care[id];
    out->self_relation = p->self_relation[id];
    out->wellbeing = p->wellbeing[id];
    out->relationship_quality = p->relationship_quality[id];
    out->adult_class = attachment_adult_class_name(attachment_adult_class(m, id));
    out->infant_class = attachment_infant_class_name(p->infant_class[id]);
    return ATTUNE_OK;
}

int attune_model_person_ties(const attune_model *m, uint32_t id, attune_tie *ties, size_t capacity,
                             size_t *count)
{
    if (m == NULL || count == NULL || (ties == NULL && capacity > 0))
        return ATTUNE_ERR_ARGUMENT;
    if (m->state == ATTUNE_STATE_CREATED)
        return ATTUNE_ERR_STATE;
    if (id >= m->people.count)
        return ATTUNE_ERR_RANGE;
    const tie_store *t = &m->ties;
    *count = t->count[id];
    for (uint32_t k = 0; k < t->count[id] && k < capacity; k++) {
        uint32_t h = t->start[id] + k;
        ties[k].other = t->other[h];
        ties[k].kind = t->kind[h];
        ties[k].contact = t->contact[h];
        ties[k].trust = t->trust[h];
        ties[k].harm = t->harm[h];
        ties[k].reciprocity = t->reciprocity[h];
        ties[k].rupture = (t->rupture[h] & TIE_RUPTURED) != 0;
        ties[k].repaired = (t->rupture[h] & TIE_REPAIRED) != 0;
        ties[k].since_week = t->since[h];
        ties[k].engagement = t->engagement[h];
    }
    return ATTUNE_OK;
}

int attune_model_events(const attune_model *m, const attune_event **events, size_t *count)
{
    if (m == NULL || events == NULL || count == NULL)
        return ATTUNE_ERR_ARGUMENT;
    *events = m->events.week_events;
    *count = m->events.week_count;
    return ATTUNE_OK;
}

#define CHECK_RANGE(array, lo, hi)                                                                 \
    if (!(isfinite(p->array[i]) && p->array[i] >= (lo) && p->array[i] <= (hi)))                    \
        return attune_fail(err, ATTUNE_ERR_INVARIANT, NULL, 0, #array,                             \
                           "week %d: person %u has " #array " = %g, outside [%g, %g]", m->week, i, \
                           (double)p->array[i], (double)(lo), (double)(hi));

/* Every living person is listed exactly once in the member list of the community it lives in
 * (the lists also keep the dead and those who moved away, whom the pickers pass over). */
static int check_community_members(const attune_model *m, attune_error *err)
{
    const people *p = &m->people;
    if (m->community_members == NULL)
        return ATTUNE_OK;
    uint8_t *listed = calloc((size_t)p->count + 1, 1);
    if (listed == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    int rc = ATTUNE_OK;
    for (uint32_t c = 0; c < m->community_count && rc == ATTUNE_OK; c++) {
        const id_list *members = &m->community_members[c];
        for (uint32_t k = 0; k < members->count && rc == ATTUNE_OK; k++) {
            uint32_t i = members->ids[k];
            if (i >= p->count)
                rc = attune_fail(err, ATTUNE_ERR_INVARIANT, NULL, 0, NULL,
                                 "community %u lists person %u of %u", c, i, p->count);
            else if (p->community[i] == c && listed[i]++ > 0)
                rc = attune_fail(err, ATTUNE_ERR_INVARIANT, NULL, 0, NULL,
                                 "week %d: person %u is listed twice in community %u", m->week, i,
                                 c);
        }
    }
    for (uint32_t i = 0; i < p->count && rc == ATTUNE_OK; i++)
        if (p->alive[i] && !listed[i])
            rc = attune_fail(err, ATTUNE_ERR_INVARIANT, NULL, 0, NULL,
                             "week %d: person %u is not listed in its community %u", m->week, i,
                             p->community[i]);
    free(listed);
    return rc;
}

int attune_model_check(const attune_model *m, attune_error *err)
{
    if (m == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "no model");
    if (m->state == ATTUNE_STATE_CREATED)
        return ATTUNE_OK;
    const people *p = &m->people;
    for (uint32_t i = 0; i < p->count; i++) {
        CHECK_RANGE(anxiety, 0, 1)
        CHECK_RANGE(avoidance, 0, 1)
        CHECK_RANGE(disorganization, 0, 1)
        CHECK_RANGE(self_worth, 0, 1)
        CHECK_RANGE(affect, -1, 1)
        CHECK_RANGE(affect_baseline, -1, 1)
        CHECK_RANGE(give_capacity, 0, 1)
        CHECK_RANGE(hostility, 0, 1)
        CHECK_RANGE(expected_care, 0, 1)
        CHECK_RANGE(self_relation, 0, 1)
        CHECK_RANGE(wellbeing, 0, 1)
        CHECK_RANGE(stress, 0, 1)
        CHECK_RANGE(unmet_need, 0, 1)
        CHECK_RANGE(coping, 0, 1)
        CHECK_RANGE(coping_habit, 0, 1)
        CHECK_RANGE(insight, 0, 1)
        CHECK_RANGE(integration, 0, 1)
        CHECK_RANGE(relationship_quality, -1, 1)
        if (p->community[i] >= m->community_count)
            return attune_fail(err, ATTUNE_ERR_INVARIANT, NULL, 0, NULL,
                               "person %u is in community %u of %u", i, p->community[i],
                               m->community_count);
    }
    int rc = check_community_members(m, err);
    if (rc != ATTUNE_OK)
        return rc;
    char why[512];
    rc = ties_check(&m->ties, why, sizeof why);
    if (rc != ATTUNE_OK)
        return attune_fail(err, rc, NULL, 0, NULL, "week %d: tie store: %s", m->week, why);
    return ATTUNE_OK;
}

void attune_model_free(attune_model *m)
{
    if (m == NULL)
        return;
    people_free(&m->people);
    ties_free(&m->ties);
    events_free(&m->events);
    interventions_free(m);
    free(m->metric_partial);
    free(m->meeting_notes);
    if (m->community_members != NULL)
        for (uint32_t c = 0; c < m->community_count; c++)
            free(m->community_members[c].ids);
    free(m->community_members);
    if (m->proposals != NULL)
        for (int t = 0; t <= m->threads; t++)
            free(m->proposals[t].items);
    free(m->proposals);
    free(m->cultures);
    free(m->community_culture);
    free(m->age_decay_table);
    free(m->death_chance_table);
    attune_scenario_free(m->scenario);
    free(m);
}

int id_list_push(id_list *l, uint32_t id)
{
    if (l->count == l->capacity) {
        uint32_t cap = l->capacity ? l->capacity + l->capacity / 2 + 1 : 16;
        uint32_t *ids = realloc(l->ids, (size_t)cap * sizeof *ids);
        if (ids == NULL)
            return ATTUNE_ERR_NOMEM;
        l->ids = ids;
        l->capacity = cap;
    }
    l->ids[l->count++] = id;
    return ATTUNE_OK;
}

int model_add_person(attune_model *m, uint32_t *id)
{
    people *pp = &m->people;
    if (pp->count == UINT32_MAX - 1)
        return ATTUNE_ERR_TOO_LARGE;
    if (pp->count == pp->capacity) {
        uint64_t cap = (uint64_t)pp->capacity + pp->capacity / 4 + 1024;
        if (cap > UINT32_MAX - 1)
            cap = UINT32_MAX - 1;
        int rc = people_reserve(pp, (uint32_t)cap);
        if (rc != ATTUNE_OK)
            return rc;
    }
    uint32_t i = pp->count;
    int rc = ties_grow_people(&m->ties, i + 1, (uint32_t)m->p->network_tie_slack);
    if (rc != ATTUNE_OK)
        return rc;
    people_clear(pp, i);
    pp->count++;
    *id = i;
    return ATTUNE_OK;
}

static void proposals_clear(attune_model *m)
{
    for (int t = 0; t <= m->threads; t++) {
        m->proposals[t].count = 0;
        m->proposals[t].failed = 0;
    }
}

void proposals_push(attune_model *m, int thread, uint32_t person, uint32_t other, uint32_t kind,
                    float value)
{
    proposal_list *l = &m->proposals[thread];
    if (l->count == l->capacity) {
        size_t cap = l->capacity ? 2 * l->capacity : 256;
        proposal *items = realloc(l->items, cap * sizeof *items);
        if (items == NULL) {
            l->failed = 1;
            return;
        }
        l->items = items;
        l->capacity = cap;
    }
    proposal *q = &l->items[l->count++];
    q->person = person;
    q->other = other;
    q->kind = kind;
    q->value = value;
}

static int proposal_order(const void *pa, const void *pb)
{
    const proposal *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->person != b->person)
        return a->person < b->person ? -1 : 1;
    if (a->other != b->other)
        return a->other < b->other ? -1 : 1;
    return a->value < b->value ? -1 : a->value > b->value;
}

int proposals_collect(attune_model *m, int32_t week, propose_fn propose, proposal **out,
                      size_t *count)
{
    proposals_clear(m);
    propose(m, week);
    /* The last buffer (index threads) collects the merged list. */
    proposal_list *all = &m->proposals[m->threads];
    all->count = 0;
    for (int t = 0; t < m->threads; t++) {
        proposal_list *l = &m->proposals[t];
        if (l->failed)
            return ATTUNE_ERR_NOMEM;
        for (size_t k = 0; k < l->count; k++) {
            proposals_push(m, m->threads, l->items[k].person, l->items[k].other, l->items[k].kind,
                           l->items[k].value);
            if (all->failed)
                return ATTUNE_ERR_NOMEM;
        }
    }
    if (all->count > 1)
        qsort(all->items, all->count, sizeof *all->items, proposal_order);
    *out = all->items;
    *count = all->count;
    return ATTUNE_OK;
}
