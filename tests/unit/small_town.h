/* A test fixture shared by the unit tests of the weekly processes: a town of 2,000 people in
 * communities of 250, built and initialised (include after cmocka.h and the model headers). */
#ifndef ATTUNE_TEST_SMALL_TOWN_H
#define ATTUNE_TEST_SMALL_TOWN_H

/* The town with the default scenario changed by `settings`: key, value, ..., NULL (or NULL),
 * run on `threads` threads. */
static inline attune_model *small_town_on(const char *const *settings, int threads)
{
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    attune_scenario_set(s, "population.size", "2000", NULL);
    attune_scenario_set(s, "population.community_size", "250", NULL);
    for (size_t k = 0; settings != NULL && settings[k] != NULL; k += 2) {
        attune_error e;
        if (attune_scenario_set(s, settings[k], settings[k + 1], &e) != ATTUNE_OK)
            fail_msg("%s", e.message);
    }
    attune_model *m = NULL;
    attune_error err;
    assert_int_equal(attune_model_create(s, threads, &m, &err), ATTUNE_OK);
    attune_scenario_free(s);
    assert_int_equal(attune_model_init(m, &err), ATTUNE_OK);
    return m;
}

/* The town on two threads. */
static inline attune_model *small_town(const char *const *settings)
{
    return small_town_on(settings, 2);
}

/* Runs `weeks` whole weekly steps, failing the test on an error. */
static inline void step(attune_model *m, int weeks)
{
    attune_error err;
    for (int w = 0; w < weeks; w++)
        if (attune_model_step(m, &err) != ATTUNE_OK)
            fail_msg("week %d: %s", m->week, err.message);
}

/* Number of i's half-ties of the given kind (attune_tie_kind, at i's end). */
static inline uint32_t count_kind(const attune_model *m, uint32_t i, int kind)
{
    const tie_store *t = &m->ties;
    uint32_t k = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        k += t->kind[h] == kind;
    return k;
}

/* Fails unless |actual - expected| <= tol, naming what was compared (include math.h first). */
static inline void near_at(double actual, double expected, double tol, const char *what, int line)
{
    if (!(fabs(actual - expected) <= tol))
        fail_msg("line %d: %s = %.9g, expected %.9g (tolerance %g)", line, what, actual, expected,
                 tol);
}
#define expect_near(actual, expected, tol)                                                         \
    near_at((double)(actual), (double)(expected), (tol), #actual, __LINE__)

/* Sets the contact of every tie of person i (both halves) to c. */
static inline void set_contact_all(attune_model *m, uint32_t i, float c)
{
    tie_store *t = &m->ties;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        t->contact[h] = t->contact[t->twin[h]] = c;
}

#endif
