/*
 * Network snapshots as GraphML through igraph (readable by Gephi, Cytoscape, networkx, R).
 * Vertices are the living people (attribute "person" keeps the model id); edges are active
 * ties, once each, with the kind seen from each end.
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

int attune_write_graphml(const attune_model *m, const char *path, attune_error *err)
{
    if (m == NULL || path == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing model or path");
    if (m->state != ATTUNE_STATE_READY)
        return attune_fail(err, ATTUNE_ERR_STATE, NULL, 0, NULL, "the model is not initialised");
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
        vertex_of[i] = pp->alive[i] ? nv++ : UINT32_MAX;
    TRY(igraph_vector_int_init(&edges, 0));
    have_edges = 1;
    uint64_t ne = 0;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (!pp->alive[i])
            continue;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            uint32_t j = t->other[h];
            if (j > i && pp->alive[j]) {
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
        if (pp->alive[i])                                                                          \
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
#undef VERTEX_NUMERIC
    TRY(igraph_strvector_resize(&str, nv));
    for (uint32_t i = 0, v = 0; i < pp->count; i++)
        if (pp->alive[i])
            TRY(igraph_strvector_set(
                &str, v++, m->scenario->entries[ENTRY_KIND_CULTURE].items[pp->culture[i]].name));
    TRY(igraph_cattribute_VAS_setv(&g, "culture", &str));

    /* Edge attributes, in the order the edges were added. */
    TRY(igraph_vector_resize(&num, (igraph_integer_t)ne));
    TRY(igraph_strvector_resize(&str, (igraph_integer_t)ne));
#define EDGE_LOOP(body)                                                                            \
    {                                                                                              \
        igraph_integer_t e = 0;                                                                    \
        for (uint32_t i = 0; i < pp->count; i++) {                                                 \
            if (!pp->alive[i])                                                                     \
                continue;                                                                          \
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {                   \
                if (t->other[h] > i && pp->alive[t->other[h]]) {                                   \
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
#undef EDGE_LOOP

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
