/*
 * Network snapshots as GraphML through igraph (readable by Gephi, Cytoscape, networkx, R).
 * Vertices are the living people (attribute "person" keeps the model id); edges are active
 * ties, once each, with the kind seen from each end. The network sample holds the ego networks
 * of a few adults (half of them, when there are enough, with a toxic tie): the egos, everyone
 * they are tied to, and every tie among those people.
 *
 * igraph's attribute table and error handler are process-wide settings: they are set for the
 * duration of the call and restored afterwards, so callers that use igraph themselves keep
 * their own.
 */
#include <igraph.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model_internal.h"
#include "io/atomic_file.h"
#include "io/panel.h"
#include "model/processes.h"

#define TRY(call)                                                                                  \
    do {                                                                                           \
        if ((call) != IGRAPH_SUCCESS) {                                                            \
            rc = ATTUNE_ERR_GRAPH;                                                                 \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

static igraph_error_t set_numeric(igraph_t *g, const char *name, const igraph_vector_t *v,
                                  int vertex)
{
    return vertex ? igraph_cattribute_VAN_setv(g, name, v) : igraph_cattribute_EAN_setv(g, name, v);
}

/* Whether half-tie h or its twin is toxic to its end. */
static int tie_toxic_either(const attune_model *m, uint32_t h)
{
    return tie_is_toxic(m, h) || tie_is_toxic(m, m->ties.twin[h]);
}

/*
 * Writes the graph of the living people with in_graph[i] set (every living person when
 * in_graph is NULL) and the active ties among them; `ego` (may be NULL) marks the egos of a
 * sample and adds the vertex attribute "ego".
 */
static int write_graph(const attune_model *m, const uint8_t *in_graph, const uint8_t *ego,
                       const char *path, attune_error *err)
{
    igraph_attribute_table_t *old_table = igraph_set_attribute_table(&igraph_cattribute_table);
    igraph_error_handler_t *old_handler = igraph_set_error_handler(igraph_error_handler_ignore);
    const people *pp = &m->people;
    const tie_store *t = &m->ties;
    int rc = ATTUNE_OK;
    igraph_t g;
    int have_graph = 0;
    igraph_vector_int_t edges;
    igraph_vector_t num;
    igraph_strvector_t str;
    int have_edges = 0, have_num = 0, have_str = 0;
    atomic_file af = {0};
    uint32_t *vertex_of = malloc((size_t)(pp->count ? pp->count : 1) * sizeof *vertex_of);
    if (vertex_of == NULL) {
        rc = ATTUNE_ERR_NOMEM;
        goto out;
    }
    uint32_t nv = 0;
    for (uint32_t i = 0; i < pp->count; i++)
        vertex_of[i] = pp->alive[i] && (in_graph == NULL || in_graph[i]) ? nv++ : UINT32_MAX;
#define IN_GRAPH(i) (vertex_of[i] != UINT32_MAX)
    TRY(igraph_vector_int_init(&edges, 0));
    have_edges = 1;
    uint64_t ne = 0;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (!IN_GRAPH(i))
            continue;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            uint32_t j = t->other[h];
            if (j > i && IN_GRAPH(j)) {
                TRY(igraph_vector_int_push_back(&edges, vertex_of[i]));
                TRY(igraph_vector_int_push_back(&edges, vertex_of[j]));
                ne++;
            }
        }
    }
    TRY(igraph_create(&g, &edges, nv, IGRAPH_UNDIRECTED));
    have_graph = 1;
    TRY(igraph_vector_init(&num, nv));
    have_num = 1;
    TRY(igraph_strvector_init(&str, 0));
    have_str = 1;

    /* Vertex attributes. */
#define VERTEX_NUMERIC(name, expr)                                                                 \
    for (uint32_t i = 0, v = 0; i < pp->count; i++)                                                \
        if (IN_GRAPH(i))                                                                           \
            VECTOR(num)[v++] = (igraph_real_t)(expr);                                              \
    TRY(set_numeric(&g, name, &num, 1));
    VERTEX_NUMERIC("person", i)
    VERTEX_NUMERIC("age", person_age_years(m, i))
    VERTEX_NUMERIC("household", pp->household[i])
    VERTEX_NUMERIC("community", pp->community[i])
    VERTEX_NUMERIC("role", pp->role[i])
    VERTEX_NUMERIC("anxiety", pp->anxiety[i])
    VERTEX_NUMERIC("avoidance", pp->avoidance[i])
    VERTEX_NUMERIC("disorganization", pp->disorganization[i])
    VERTEX_NUMERIC("self_worth", pp->self_worth[i])
    VERTEX_NUMERIC("affect", pp->affect[i])
    VERTEX_NUMERIC("security", person_security(m, i))
    VERTEX_NUMERIC("wellbeing", pp->wellbeing[i])
    VERTEX_NUMERIC("coping", pp->coping[i])
    VERTEX_NUMERIC("distress", pp->in_episode[i])
    if (ego != NULL) {
        VERTEX_NUMERIC("ego", ego[i])
    }
#undef VERTEX_NUMERIC
    TRY(igraph_strvector_resize(&str, nv));
    for (uint32_t i = 0, v = 0; i < pp->count; i++)
        if (IN_GRAPH(i))
            TRY(igraph_strvector_set(
                &str, v++, m->scenario->entries[ENTRY_KIND_CULTURE].items[pp->culture[i]].name));
    TRY(igraph_cattribute_VAS_setv(&g, "culture", &str));
    for (uint32_t i = 0, v = 0; i < pp->count; i++)
        if (IN_GRAPH(i))
            TRY(igraph_strvector_set(&str, v++,
                                     attachment_adult_class_name(attachment_adult_class(m, i))));
    TRY(igraph_cattribute_VAS_setv(&g, "adult_class", &str));

    /* Edge attributes, in the order the edges were added. */
    TRY(igraph_vector_resize(&num, (igraph_integer_t)ne));
    TRY(igraph_strvector_resize(&str, (igraph_integer_t)ne));
#define EDGE_LOOP(body)                                                                            \
    {                                                                                              \
        igraph_integer_t e = 0;                                                                    \
        for (uint32_t i = 0; i < pp->count; i++) {                                                 \
            if (!IN_GRAPH(i))                                                                      \
                continue;                                                                          \
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {                   \
                if (t->other[h] > i && IN_GRAPH(t->other[h])) {                                    \
                    body;                                                                          \
                    e++;                                                                           \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }
    EDGE_LOOP(TRY(igraph_strvector_set(&str, e, attune_tie_kind_name(t->kind[h]))))
    TRY(igraph_cattribute_EAS_setv(&g, "kind_at_source", &str));
    EDGE_LOOP(TRY(igraph_strvector_set(&str, e, attune_tie_kind_name(t->kind[t->twin[h]]))))
    TRY(igraph_cattribute_EAS_setv(&g, "kind_at_target", &str));
    EDGE_LOOP(VECTOR(num)[e] = t->contact[h])
    TRY(set_numeric(&g, "contact", &num, 0));
    EDGE_LOOP(VECTOR(num)[e] = t->trust[h])
    TRY(set_numeric(&g, "trust", &num, 0));
    EDGE_LOOP(VECTOR(num)[e] = t->harm[h] + t->harm[t->twin[h]])
    TRY(set_numeric(&g, "harm", &num, 0));
    EDGE_LOOP(VECTOR(num)[e] = t->since[h])
    TRY(set_numeric(&g, "since_week", &num, 0));
    EDGE_LOOP(VECTOR(num)[e] = tie_toxic_either(m, h))
    TRY(set_numeric(&g, "toxic", &num, 0));
    EDGE_LOOP(VECTOR(num)[e] =
                  (t->rupture[h] & TIE_RUPTURED) || (t->rupture[t->twin[h]] & TIE_RUPTURED))
    TRY(set_numeric(&g, "ruptured", &num, 0));
    EDGE_LOOP(VECTOR(num)[e] = ((t->rupture[h] & TIE_REPAIRED) != 0) +
                               ((t->rupture[t->twin[h]] & TIE_REPAIRED) != 0))
    TRY(set_numeric(&g, "repaired", &num, 0));
#undef EDGE_LOOP
#undef IN_GRAPH

    rc = atomic_open(&af, path, err);
    if (rc != ATTUNE_OK)
        goto out_reported;
    if (igraph_write_graph_graphml(&g, af.f, 0) != IGRAPH_SUCCESS) {
        atomic_abort(&af);
        rc = attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL,
                         "igraph could not write the GraphML file (is the disk full?)");
        goto out_reported;
    }
    rc = atomic_commit(&af, err);
    goto out_reported;
out:
    if (rc != ATTUNE_OK)
        attune_fail(err, rc, path, 0, NULL, "could not build the network for GraphML: %s",
                    rc == ATTUNE_ERR_NOMEM ? "out of memory" : "igraph reported an error");
out_reported:
    if (have_str)
        igraph_strvector_destroy(&str);
    if (have_num)
        igraph_vector_destroy(&num);
    if (have_graph)
        igraph_destroy(&g);
    if (have_edges)
        igraph_vector_int_destroy(&edges);
    free(vertex_of);
    igraph_set_error_handler(old_handler);
    igraph_set_attribute_table(old_table);
    return rc;
}

int attune_write_graphml(const attune_model *m, const char *path, attune_error *err)
{
    if (m == NULL || path == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing model or path");
    if (m->state != ATTUNE_STATE_READY)
        return attune_fail(err, ATTUNE_ERR_STATE, NULL, 0, NULL, "the model is not initialised");
    return write_graph(m, NULL, NULL, path, err);
}

/* Candidate egos: living adults who are not teachers or therapists, with two ties or more. */
static int ego_candidate(const attune_model *m, uint32_t i)
{
    const people *pp = &m->people;
    return pp->alive[i] && pp->role[i] == ATTUNE_ROLE_PERSON && m->ties.count[i] >= 2 &&
           person_age_years(m, i) >= 18;
}

static int has_toxic_tie(const attune_model *m, uint32_t i)
{
    const tie_store *t = &m->ties;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        if (tie_toxic_either(m, h))
            return 1;
    return 0;
}

/* Adds to chosen[0..*n) (kept sorted by rank, at most `want`) the candidates with the lowest
 * panel_ego_rank among those that pass `need_toxic` and are not chosen yet. O(people x want). */
static void choose_egos(const attune_model *m, int need_toxic, uint8_t *is_ego, uint32_t *chosen,
                        double *rank, uint32_t first, uint32_t want)
{
    uint32_t n = first;
    if (want <= first)
        return;
    for (uint32_t i = 0; i < m->people.count; i++) {
        if (is_ego[i] || !ego_candidate(m, i) || (need_toxic && !has_toxic_tie(m, i)))
            continue;
        double r = panel_ego_rank(m, i);
        if (n == want && r >= rank[n - 1])
            continue;
        uint32_t k = n < want ? n++ : n - 1;
        while (k > first && rank[k - 1] > r) {
            chosen[k] = chosen[k - 1];
            rank[k] = rank[k - 1];
            k--;
        }
        chosen[k] = i;
        rank[k] = r;
    }
    for (uint32_t k = first; k < n; k++)
        is_ego[chosen[k]] = 1;
}

int attune_write_network_sample(const attune_model *m, const char *path, attune_error *err)
{
    if (m == NULL || path == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing model or path");
    if (m->state != ATTUNE_STATE_READY)
        return attune_fail(err, ATTUNE_ERR_STATE, NULL, 0, NULL, "the model is not initialised");
    uint32_t want = (uint32_t)m->p->output_network_egos;
    size_t n = m->people.count ? m->people.count : 1;
    uint8_t *is_ego = calloc(n, 1), *in_graph = calloc(n, 1);
    uint32_t *chosen = malloc((want + 1u) * sizeof *chosen);
    double *rank = malloc((want + 1u) * sizeof *rank);
    if (is_ego == NULL || in_graph == NULL || chosen == NULL || rank == NULL) {
        free(is_ego);
        free(in_graph);
        free(chosen);
        free(rank);
        return attune_fail(err, ATTUNE_ERR_NOMEM, path, 0, NULL, "out of memory");
    }
    /* Half the egos (rounded up) with a toxic tie, the rest from everyone else. */
    choose_egos(m, 1, is_ego, chosen, rank, 0, (want + 1u) / 2u);
    uint32_t have = 0;
    for (uint32_t i = 0; i < m->people.count; i++)
        have += is_ego[i];
    choose_egos(m, 0, is_ego, chosen, rank, have, want);
    const tie_store *t = &m->ties;
    for (uint32_t i = 0; i < m->people.count; i++) {
        if (!is_ego[i])
            continue;
        in_graph[i] = 1;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            in_graph[t->other[h]] = 1;
    }
    int rc = write_graph(m, in_graph, is_ego, path, err);
    free(is_ego);
    free(in_graph);
    free(chosen);
    free(rank);
    return rc;
}
