/* The tie store: twins agree, degrees and slack stay consistent through adds, removes and
 * compaction (which keeps each person's half-ties in order), checked against a plain adjacency
 * matrix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "attune/attune.h"
#include "engine/bulk_memory.h"
#include "engine/rng.h"
#include "engine/ties.h"

#define N 60

static tie_edge edge(uint32_t a, uint32_t b)
{
    tie_edge e = {a, b, ATTUNE_TIE_FRIEND, ATTUNE_TIE_FRIEND, 0.5f, 0.5f, 0};
    return e;
}

static void assert_consistent(const tie_store *t, const unsigned char adj[N][N])
{
    char why[256];
    if (ties_check(t, why, sizeof why) != ATTUNE_OK)
        fail_msg("%s", why);
    uint64_t total = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t degree = 0;
        for (uint32_t j = 0; j < N; j++) {
            degree += adj[i][j];
            uint32_t h = ties_find(t, i, j);
            assert_int_equal(h != TIE_NONE, adj[i][j] != 0);
            if (h != TIE_NONE) {
                assert_int_equal(t->other[t->twin[h]], i);
                assert_int_equal(t->twin[t->twin[h]], h);
            }
        }
        assert_int_equal(t->count[i], degree);
        assert_true(t->count[i] <= t->cap[i]);
        total += degree;
    }
    assert_int_equal(t->active, total);
}

static void build_from_edges(void **state)
{
    (void)state;
    tie_edge edges[] = {edge(0, 1), edge(1, 2), edge(2, 0), edge(5, 9)};
    tie_store t;
    assert_int_equal(ties_build(&t, 10, edges, 4, 2), ATTUNE_OK);
    assert_int_equal(t.count[0], 2);
    assert_int_equal(t.count[3], 0);
    assert_int_equal(t.cap[3], 2);
    assert_int_equal(t.active, 8);
    uint32_t h = ties_find(&t, 5, 9);
    assert_int_not_equal(h, TIE_NONE);
    assert_int_equal(t.other[t.twin[h]], 5);
    char why[256];
    assert_int_equal(ties_check(&t, why, sizeof why), ATTUNE_OK);
    ties_free(&t);
}

/* ties_build_owned frees the edges and builds the very store ties_build does, slot for slot. */
static void build_owned_matches_build(void **state)
{
    (void)state;
    tie_edge edges[] = {edge(0, 1), edge(1, 2), edge(2, 0), edge(5, 9), edge(9, 3)};
    edges[1].kind_at_a = ATTUNE_TIE_CHILD;
    edges[1].kind_at_b = ATTUNE_TIE_CAREGIVER;
    edges[3].trust = 0.25f;
    edges[4].since = 7;
    size_t n = sizeof edges / sizeof *edges;
    tie_edge *owned = malloc(sizeof edges);
    assert_non_null(owned);
    memcpy(owned, edges, sizeof edges);
    tie_store a, b;
    assert_int_equal(ties_build(&a, 10, edges, n, 2), ATTUNE_OK);
    assert_int_equal(ties_build_owned(&b, 10, &owned, n, 2), ATTUNE_OK);
    assert_null(owned);
    assert_int_equal(a.size, b.size);
    assert_int_equal(a.active, b.active);
    assert_memory_equal(a.start, b.start, 10 * sizeof *a.start);
    assert_memory_equal(a.count, b.count, 10 * sizeof *a.count);
#define SAME(f) assert_memory_equal(a.f, b.f, (size_t)a.size * sizeof *a.f);
    TIE_SLOT_ARRAYS(SAME)
#undef SAME
    /* As ties_add writes a half; spare slots zero. */
    for (uint32_t i = 0; i < 10; i++) {
        for (uint32_t h = b.start[i]; h < b.start[i] + b.cap[i]; h++) {
            int used = h < b.start[i] + b.count[i];
            assert_true(b.engagement[h] == (used ? 1.0f : 0.0f));
            assert_int_equal(b.rupture[h], 0);
            assert_true(b.harm[h] == 0.0f && b.reciprocity[h] == 0.0f);
            if (!used)
                assert_true(b.other[h] == 0 && b.twin[h] == 0 && b.kind[h] == 0 &&
                            b.contact[h] == 0.0f && b.trust[h] == 0.0f && b.since[h] == 0);
        }
    }
    uint32_t h = ties_find(&b, 2, 1);
    assert_int_equal(b.kind[h], ATTUNE_TIE_CAREGIVER);
    assert_int_equal(b.kind[b.twin[h]], ATTUNE_TIE_CHILD);
    assert_true(b.trust[ties_find(&b, 9, 5)] == 0.25f && b.contact[h] == 0.5f);
    assert_int_equal(b.since[ties_find(&b, 3, 9)], 7);
    ties_free(&a);
    ties_free(&b);
}

static void random_churn_keeps_invariants(void **state)
{
    (void)state;
    static unsigned char adj[N][N];
    memset(adj, 0, sizeof adj);
    tie_store t;
    assert_int_equal(ties_build(&t, N, NULL, 0, 1), ATTUNE_OK);
    rng_seq s = rng_seq_start(rng_key_from_seed(7), 0, 0, 0);
    for (int step = 0; step < 6000; step++) {
        uint32_t a = rng_below(rng_seq_next(&s), N), b = rng_below(rng_seq_next(&s), N);
        if (a == b)
            continue;
        if (adj[a][b]) {
            uint32_t h = ties_find(&t, a, b);
            /* Ended ties held grievances; slots they free must not pass them on. */
            t.grievance[h] = t.grievance[t.twin[h]] = 200;
            assert_int_equal(ties_remove(&t, rng_seq_next(&s) & 1 ? h : t.twin[h]), ATTUNE_OK);
            adj[a][b] = adj[b][a] = 0;
        } else {
            tie_edge e = edge(a, b);
            uint32_t slot;
            assert_int_equal(ties_add(&t, &e, &slot), ATTUNE_OK);
            assert_int_equal(t.other[slot], b);
            /* A new tie holds no grievance at either end. */
            assert_int_equal(t.grievance[slot], 0);
            assert_int_equal(t.grievance[t.twin[slot]], 0);
            adj[a][b] = adj[b][a] = 1;
        }
        if (step % 500 == 0)
            assert_consistent(&t, adj);
        if (step % 1500 == 1499) {
            /* Each person's half-ties keep their order and state through compaction. */
            static uint32_t others[N][N];
            static float trusts[N][N];
            for (uint32_t i = 0; i < N; i++) {
                for (uint32_t k = 0; k < t.count[i]; k++) {
                    others[i][k] = t.other[t.start[i] + k];
                    t.trust[t.start[i] + k] = (float)(i * N + k);
                    trusts[i][k] = t.trust[t.start[i] + k];
                }
            }
            assert_int_equal(ties_compact(&t, 2), ATTUNE_OK);
            assert_consistent(&t, adj);
            assert_false(ties_compact_due(&t, 2));
            for (uint32_t i = 0; i < N; i++) {
                for (uint32_t k = 0; k < t.count[i]; k++) {
                    assert_int_equal(t.other[t.start[i] + k], others[i][k]);
                    assert_true(t.trust[t.start[i] + k] == trusts[i][k]);
                }
            }
            /* After compaction the arena is exactly degrees plus slack, in id order. */
            uint64_t expect = 0;
            for (uint32_t i = 0; i < N; i++) {
                assert_int_equal(t.start[i], expect);
                expect += t.count[i] + 2;
            }
            assert_int_equal(t.size, expect);
        }
    }
    assert_consistent(&t, adj);
    ties_free(&t);
}

/* Compaction is due once the slots beyond every person's half-ties and slack exceed an eighth
 * of the arena: relocations (a block outgrowing its slots moves to the end) leave such slots. */
static void compaction_due_after_relocations(void **state)
{
    (void)state;
    tie_store t;
    assert_int_equal(ties_build(&t, N, NULL, 0, 0), ATTUNE_OK);
    assert_false(ties_compact_due(&t, 0));
    int due = 0;
    for (uint32_t b = 1; b < N && !due; b++) {
        tie_edge e = edge(0, b);
        assert_int_equal(ties_add(&t, &e, NULL), ATTUNE_OK);
        due = ties_compact_due(&t, 0);
    }
    assert_true(due);
    assert_true(t.size - t.active > t.size / TIE_COMPACT_WASTE_DIVISOR);
    uint32_t active = (uint32_t)t.active;
    assert_int_equal(ties_compact(&t, 0), ATTUNE_OK);
    assert_int_equal(t.size, active);
    assert_false(ties_compact_due(&t, 0));
    ties_free(&t);
}

static void growing_people_adds_empty_slots(void **state)
{
    (void)state;
    tie_edge edges[] = {edge(0, 1)};
    tie_store t;
    assert_int_equal(ties_build(&t, 2, edges, 1, 0), ATTUNE_OK);
    assert_int_equal(ties_grow_people(&t, 5, 3), ATTUNE_OK);
    assert_int_equal(t.people, 5);
    tie_edge e = edge(4, 0);
    assert_int_equal(ties_add(&t, &e, NULL), ATTUNE_OK); /* 0 has no slack: relocates */
    char why[256];
    assert_int_equal(ties_check(&t, why, sizeof why), ATTUNE_OK);
    assert_int_equal(t.count[0], 2);
    assert_int_equal(t.count[4], 1);
    tie_edge self = edge(3, 3);
    assert_int_equal(ties_add(&t, &self, NULL), ATTUNE_ERR_ARGUMENT);
    ties_free(&t);
}

/* Growing a large array (past the size advised for huge pages) keeps the bytes asked for;
 * a zeroed one is zero. */
static void bulk_memory_keeps_contents(void **state)
{
    (void)state;
    size_t small = 1000, large = BULK_MEMORY_MIN_BYTES + 12345, larger = 3 * large;
    unsigned char *p = bulk_memory_resize(NULL, 0, small);
    assert_non_null(p);
    for (size_t k = 0; k < small; k++)
        p[k] = (unsigned char)(k * 7);
    p = bulk_memory_resize(p, small, large);
    assert_non_null(p);
    for (size_t k = 0; k < small; k++)
        assert_int_equal(p[k], (unsigned char)(k * 7));
    for (size_t k = small; k < large; k++)
        p[k] = (unsigned char)(k * 13);
    p = bulk_memory_resize(p, large, larger);
    assert_non_null(p);
    for (size_t k = 0; k < large; k++)
        assert_int_equal(p[k], (unsigned char)(k < small ? k * 7 : k * 13));
    free(p);
    uint32_t *z = bulk_memory_zeroed(large / sizeof *z, sizeof *z);
    assert_non_null(z);
    for (size_t k = 0; k < large / sizeof *z; k++)
        assert_int_equal(z[k], 0);
    free(z);
    assert_null(bulk_memory_zeroed(SIZE_MAX / 2, 4));
}

/* A store whose slot arrays are past the huge-page size keeps its invariants through the
 * growth of its arena (relocations), of its people and through compaction. */
static void large_store_grows_and_compacts(void **state)
{
    (void)state;
    uint32_t people = 300000;
    tie_edge *edges = malloc(people * sizeof *edges);
    assert_non_null(edges);
    for (uint32_t i = 0; i < people; i++)
        edges[i] = edge(i, (i + 1) % people);
    tie_store t;
    assert_int_equal(ties_build(&t, people, edges, people, 0), ATTUNE_OK);
    free(edges);
    assert_true((size_t)t.size * sizeof *t.other >= BULK_MEMORY_MIN_BYTES);
    assert_int_equal(ties_grow_people(&t, people + 1000, 1), ATTUNE_OK);
    for (uint32_t i = 0; i < people; i += 3) {
        tie_edge e = edge(i, (i + people / 2 + 1) % people);
        assert_int_equal(ties_add(&t, &e, NULL), ATTUNE_OK);
    }
    char why[256];
    if (ties_check(&t, why, sizeof why) != ATTUNE_OK)
        fail_msg("%s", why);
    assert_int_equal(ties_compact(&t, 1), ATTUNE_OK);
    assert_int_equal(ties_check(&t, why, sizeof why), ATTUNE_OK);
    for (uint32_t i = 0; i < people; i += 3) {
        assert_true(ties_find(&t, i, (i + 1) % people) != TIE_NONE);
        assert_true(ties_find(&t, i, (i + people / 2 + 1) % people) != TIE_NONE);
    }
    ties_free(&t);
}

static void check_detects_corruption(void **state)
{
    (void)state;
    tie_edge edges[] = {edge(0, 1), edge(1, 2)};
    tie_store t;
    assert_int_equal(ties_build(&t, 3, edges, 2, 1), ATTUNE_OK);
    char why[256];
    uint32_t h = ties_find(&t, 0, 1);
    t.twin[h] = ties_find(&t, 2, 1);
    assert_int_equal(ties_check(&t, why, sizeof why), ATTUNE_ERR_INVARIANT);
    assert_non_null(strstr(why, "twin"));
    t.twin[h] = ties_find(&t, 1, 0);
    assert_int_equal(ties_check(&t, why, sizeof why), ATTUNE_OK);
    /* A rupture open at one end only, and a bit with no meaning. */
    t.rupture[h] = TIE_RUPTURED | TIE_REPAIRED;
    assert_int_equal(ties_check(&t, why, sizeof why), ATTUNE_ERR_INVARIANT);
    assert_non_null(strstr(why, "rupture"));
    t.rupture[t.twin[h]] = TIE_RUPTURED;
    assert_int_equal(ties_check(&t, why, sizeof why), ATTUNE_OK);
    t.rupture[h] = 4;
    assert_int_equal(ties_check(&t, why, sizeof why), ATTUNE_ERR_INVARIANT);
    ties_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_from_edges),
        cmocka_unit_test(build_owned_matches_build),
        cmocka_unit_test(random_churn_keeps_invariants),
        cmocka_unit_test(compaction_due_after_relocations),
        cmocka_unit_test(growing_people_adds_empty_slots),
        cmocka_unit_test(bulk_memory_keeps_contents),
        cmocka_unit_test(large_store_grows_and_compacts),
        cmocka_unit_test(check_detects_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
