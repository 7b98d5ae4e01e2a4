/* Sweep designs, seeds, result packing and what a run records (the database at large and MPI
 * are tested end to end in tests/e2e/sweep.sh). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <unistd.h>

#include "experiments/sweep_internal.h"

/* Removes a database made in a test folder, its side files and the folder. */
static void remove_database(const char *dir, const char *path)
{
    char side[96];
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t k = 0; k < 4; k++) {
        snprintf(side, sizeof side, "%s%s", path, suffixes[k]);
        unlink(side);
    }
    rmdir(dir);
}

static attune_sweep *load(const char *text)
{
    attune_sweep *sw = NULL;
    attune_error err = {0};
    int rc = attune_sweep_load_buffer(text, strlen(text), "test.ini", 0, &sw, &err);
    if (rc != ATTUNE_OK)
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    return sw;
}

static void grid_is_every_combination_last_factor_fastest(void **state)
{
    (void)state;
    attune_sweep *sw = load("[sweep]\ndesign = grid\nreplicates = 3\n"
                            "[vary contact.friend]\nvalues = 0.1, 0.2\n"
                            "[vary network.friends_mean]\nmin = 2\nmax = 6\nlevels = 3\n"
                            "[vary population.size]\nvalues = 1000\n");
    assert_int_equal(attune_sweep_point_count(sw), 6);
    assert_int_equal(attune_sweep_run_count(sw), 18);
    const double expect[6][2] = {{0.1, 2}, {0.1, 4}, {0.1, 6}, {0.2, 2}, {0.2, 4}, {0.2, 6}};
    for (size_t p = 0; p < 6; p++) {
        assert_true(sw->values[p * 3 + 0] == expect[p][0]);
        assert_true(sw->values[p * 3 + 1] == expect[p][1]);
        assert_true(sw->values[p * 3 + 2] == 1000);
    }
    attune_sweep_free(sw);
}

static void latin_hypercube_puts_one_point_in_every_stratum(void **state)
{
    (void)state;
    attune_sweep *sw = load("[sweep]\ndesign = lhs\nsamples = 50\n"
                            "[vary contact.friend]\nmin = 0\nmax = 1\n"
                            "[vary interaction.noise]\nmin = 0.1\nmax = 0.3\n");
    assert_int_equal(attune_sweep_point_count(sw), 50);
    for (size_t f = 0; f < 2; f++) {
        int hits[50] = {0};
        double lo = f ? 0.1 : 0, hi = f ? 0.3 : 1;
        for (size_t p = 0; p < 50; p++) {
            double u = (sw->values[p * 2 + f] - lo) / (hi - lo);
            hits[(int)(u * 50)]++;
        }
        for (int s = 0; s < 50; s++)
            assert_int_equal(hits[s], 1);
    }
    attune_sweep_free(sw);
}

static void sobol_rows_are_a_b_and_a_with_one_column_of_b(void **state)
{
    (void)state;
    attune_sweep *sw = load("[sweep]\ndesign = sobol\nsamples = 16\n"
                            "[vary contact.friend]\nmin = 0\nmax = 1\n"
                            "[vary contact.family]\nmin = 0\nmax = 1\n"
                            "[vary contact.community]\nmin = 0\nmax = 1\n");
    size_t k = 3;
    assert_int_equal(attune_sweep_point_count(sw), 16 * (k + 2));
    for (size_t j = 0; j < 16; j++) {
        const double *a = &sw->values[(j * (k + 2)) * k], *b = a + k;
        assert_int_equal(sw->points[j * (k + 2)].block, BLOCK_A);
        assert_int_equal(sw->points[j * (k + 2) + 1].block, BLOCK_B);
        for (size_t i = 0; i < k; i++) {
            const sweep_point *pt = &sw->points[j * (k + 2) + 2 + i];
            const double *ab = a + (2 + i) * k;
            assert_int_equal(pt->block, BLOCK_AB);
            assert_int_equal(pt->factor, (int)i);
            for (size_t f = 0; f < k; f++)
                assert_true(ab[f] == (f == i ? b[f] : a[f]));
        }
    }
    attune_sweep_free(sw);
}

static void morris_steps_move_one_factor_by_delta(void **state)
{
    (void)state;
    attune_sweep *sw = load("[sweep]\ndesign = morris\nsamples = 20\nlevels = 4\n"
                            "[vary contact.friend]\nmin = 0\nmax = 1\n"
                            "[vary contact.family]\nmin = 0\nmax = 1\n"
                            "[vary contact.community]\nmin = 0\nmax = 1\n");
    size_t k = 3;
    assert_true(fabs(sw->morris_delta - 4.0 / 6.0) < 1e-12);
    for (size_t t = 0; t < 20; t++) {
        int moved[3] = {0};
        for (size_t s = 1; s <= k; s++) {
            size_t p = t * (k + 1) + s;
            const sweep_point *pt = &sw->points[p];
            for (size_t f = 0; f < k; f++) {
                double d = sw->values[p * k + f] - sw->values[(p - 1) * k + f];
                if ((int)f == pt->factor)
                    assert_true(fabs(d - pt->sign * sw->morris_delta) < 1e-12);
                else
                    assert_true(d == 0);
            }
            moved[pt->factor]++;
        }
        for (size_t f = 0; f < k; f++)
            assert_int_equal(moved[f], 1);
    }
    attune_sweep_free(sw);
}

/* Counts of each whole number lo .. lo + 3 among factor f's values at the given points. */
static void count_whole(const attune_sweep *sw, size_t f, size_t first, size_t step, double lo,
                        int counts[4])
{
    size_t k = sw->factor_count;
    for (int i = 0; i < 4; i++)
        counts[i] = 0;
    for (size_t p = first; p < sw->point_count; p += step) {
        double v = sw->values[p * k + f];
        assert_true(v == floor(v) && v >= lo && v <= lo + 3);
        counts[(int)(v - lo)]++;
    }
}

/* An integer parameter drawn from a range takes each whole number in it equally often: rounding
 * a uniform draw would give the two ends half the share of the others. */
static void integer_factors_give_every_whole_number_the_same_share(void **state)
{
    (void)state;
    int n[4];
    /* Latin hypercube: 4000 strata over 4 numbers, exactly 1000 each. */
    attune_sweep *sw = load("[sweep]\ndesign = lhs\nsamples = 4000\n"
                            "[vary network.tie_slack]\nmin = 0\nmax = 3\n"
                            "[vary contact.friend]\nmin = 0\nmax = 1\n");
    count_whole(sw, 0, 0, 1, 0, n);
    for (int i = 0; i < 4; i++)
        assert_int_equal(n[i], 1000);
    attune_sweep_free(sw);
    /* The ends of a range are the whole numbers within it: [0.4, 3.4] is 1 .. 3. */
    sw = load("[sweep]\ndesign = lhs\nsamples = 3000\n"
              "[vary network.tie_slack]\nmin = 0.4\nmax = 3.4\n");
    count_whole(sw, 0, 0, 1, 0, n);
    assert_int_equal(n[0], 0);
    for (int i = 1; i < 4; i++)
        assert_int_equal(n[i], 1000);
    attune_sweep_free(sw);
    /* Sobol: the A rows' column of 1024 base samples, a quarter each give or take a point. */
    sw = load("[sweep]\ndesign = sobol\nsamples = 1024\n"
              "[vary network.tie_slack]\nmin = 1\nmax = 4\n"
              "[vary contact.friend]\nmin = 0\nmax = 1\n");
    count_whole(sw, 0, 0, 4, 1, n);
    for (int i = 0; i < 4; i++)
        if (abs(n[i] - 256) > 2)
            fail_msg("sobol: %d of 1024 A rows at %d, expected about 256", n[i], i + 1);
    attune_sweep_free(sw);
    /* Morris with 4 levels over 4 numbers: each level is one number, so each is as likely. */
    sw = load("[sweep]\ndesign = morris\nsamples = 500\nlevels = 4\n"
              "[vary network.tie_slack]\nmin = 0\nmax = 3\n"
              "[vary contact.friend]\nmin = 0\nmax = 1\n");
    count_whole(sw, 0, 0, 1, 0, n);
    for (size_t p = 0; p < sw->point_count; p++) {
        /* A Morris step moves the number by delta = 2 levels. */
        const sweep_point *pt = &sw->points[p];
        if (pt->step > 0 && pt->factor == 0)
            assert_true(sw->values[p * 2] - sw->values[(p - 1) * 2] == 2.0 * pt->sign);
    }
    for (int i = 0; i < 4; i++)
        if (abs(n[i] - 375) > 60)
            fail_msg("morris: %d of 1500 points at %d, expected about 375", n[i], i);
    attune_sweep_free(sw);
    /* On a log scale the number k has the share of [k, k + 1) of [1, 4): 1/2, 0.29, 0.21. */
    sw = load("[sweep]\ndesign = lhs\nsamples = 4000\n"
              "[vary coping.stop_weeks]\nmin = 1\nmax = 3\nscale = log\n");
    count_whole(sw, 0, 0, 1, 1, n);
    const double share[3] = {log(2.0) / log(4.0), log(1.5) / log(4.0), log(4.0 / 3) / log(4.0)};
    for (int i = 0; i < 3; i++)
        if (fabs(n[i] - 4000 * share[i]) > 1.5)
            fail_msg("log scale: %d of 4000 at %d, expected %.1f", n[i], i + 1, 4000 * share[i]);
    attune_sweep_free(sw);
}

/* A grid of an integer parameter by levels spans the whole numbers within min and max; a range
 * with fewer than two whole numbers is refused. */
static void integer_grids_span_the_whole_numbers_of_the_range(void **state)
{
    (void)state;
    attune_sweep *sw = load("[sweep]\ndesign = grid\n"
                            "[vary network.tie_slack]\nmin = 0.4\nmax = 3.4\nlevels = 3\n");
    assert_int_equal(attune_sweep_point_count(sw), 3);
    for (size_t p = 0; p < 3; p++)
        assert_true(sw->values[p] == (double)(p + 1));
    attune_sweep_free(sw);
    static const struct {
        const char *range;
        const char *part;
    } bad[] = {
        {"min = 2.6\nmax = 3.4\n", "[vary network.tie_slack] holds one whole number (3)"},
        {"min = 2.2\nmax = 2.8\n", "[vary network.tie_slack] holds no whole number"},
    };
    for (size_t k = 0; k < 2; k++) {
        char text[256];
        snprintf(text, sizeof text,
                 "[sweep]\ndesign = lhs\nsamples = 4\n[vary network.tie_slack]\n%s", bad[k].range);
        attune_error err = {0};
        assert_int_equal(attune_sweep_load_buffer(text, strlen(text), "s.ini", 0, &sw, &err),
                         ATTUNE_ERR_RANGE);
        if (strstr(err.message, bad[k].part) == NULL || err.line != 6)
            fail_msg("case %zu: line %d: %s", k, err.line, err.message);
    }
}

/* Grid values of an integer parameter are rounded as the runs use them; values or levels that
 * round to the same number (the same design point twice) are refused, naming the factor. */
static void integer_grid_values_that_round_together_are_refused(void **state)
{
    (void)state;
    attune_sweep *sw = load("[sweep]\ndesign = grid\n"
                            "[vary network.tie_slack]\nmin = 1\nmax = 10\nlevels = 3\n"
                            "[vary coping.stop_weeks]\nvalues = 2.4, 7.6\n");
    const double slack[3] = {1, 6, 10}, stop[2] = {2, 8};
    for (size_t i = 0; i < 3; i++)
        assert_true(sw->factors[0].values[i] == slack[i]);
    for (size_t i = 0; i < 2; i++)
        assert_true(sw->factors[1].values[i] == stop[i]);
    assert_int_equal(attune_sweep_point_count(sw), 6);
    for (size_t p = 0; p < 6; p++) {
        assert_true(sw->values[p * 2] == slack[p / 2]);
        assert_true(sw->values[p * 2 + 1] == stop[p % 2]);
    }
    attune_sweep_free(sw);
    static const struct {
        const char *vary;
        int line;
        const char *part;
    } bad[] = {
        {"min = 1\nmax = 3\nlevels = 5\n", 6,
         "levels = 5 of [vary network.tie_slack] give 2 twice: network.tie_slack is an integer "
         "parameter and [1, 3] holds 3 whole numbers"},
        {"values = 3, 1.2, 1.4\n", 4, "values of [vary network.tie_slack] give 1 twice"},
        {"min = 1\nmax = 64\nlevels = 40\nscale = log\n", 6,
         "its lowest levels on the log scale lie less than 1 apart"},
    };
    for (size_t k = 0; k < 3; k++) {
        char text[256];
        snprintf(text, sizeof text, "[sweep]\ndesign = grid\n[vary network.tie_slack]\n%s",
                 bad[k].vary);
        attune_error err = {0};
        sw = NULL;
        int rc = attune_sweep_load_buffer(text, strlen(text), "s.ini", 0, &sw, &err);
        if (rc != ATTUNE_ERR_DUPLICATE || err.line != bad[k].line ||
            strstr(err.message, bad[k].part) == NULL)
            fail_msg("case %zu: status %d, line %d: %s", k, rc, err.line, err.message);
        assert_null(sw);
    }
}

static void replicate_seeds_are_fixed_distinct_and_in_range(void **state)
{
    (void)state;
    attune_sweep *a = load("[sweep]\ndesign = grid\nseed = 5\n[vary contact.friend]\nvalues = 1\n");
    attune_sweep *b = load("[sweep]\ndesign = grid\nseed = 5\n[vary contact.friend]\nvalues = 1\n");
    attune_sweep *c = load("[sweep]\ndesign = grid\nseed = 6\n[vary contact.friend]\nvalues = 1\n");
    for (int r = 0; r < 100; r++) {
        uint64_t s = attune_sweep_replicate_seed(a, r);
        assert_true(s == attune_sweep_replicate_seed(b, r));
        assert_true(s != attune_sweep_replicate_seed(c, r));
        assert_true(s != attune_sweep_replicate_seed(a, r + 1));
        assert_true(s < (UINT64_C(1) << 53));
    }
    attune_sweep_free(a);
    attune_sweep_free(b);
    attune_sweep_free(c);
}

static void results_survive_packing_and_damage_is_refused(void **state)
{
    (void)state;
    attune_sweep *sw = load("[sweep]\nmodel = ishigami\ndesign = lhs\nsamples = 4\n"
                            "[vary x1]\nmin = -3\nmax = 3\n[vary x2]\nmin = -3\nmax = 3\n"
                            "[vary x3]\nmin = -3\nmax = 3\n");
    attune_sweep_result *r = NULL, *back = NULL;
    assert_int_equal(attune_sweep_run(sw, 2, 1, NULL, &r, NULL), ATTUNE_OK);
    const double *x = &sw->values[2 * 3];
    double y = sin(x[0]) + 7 * sin(x[1]) * sin(x[1]) + 0.1 * pow(x[2], 4) * sin(x[0]);
    assert_true(fabs(r->values[0] - y) < 1e-12);
    unsigned char *buf = NULL;
    size_t size = 0;
    assert_int_equal(attune_sweep_result_pack(r, &buf, &size), ATTUNE_OK);
    assert_int_equal(attune_sweep_result_unpack(buf, size, &back), ATTUNE_OK);
    assert_int_equal(back->run_id, 2);
    assert_int_equal(back->weeks, -1);
    assert_true(back->values[0] == r->values[0]);
    assert_string_equal(back->started_at, r->started_at);
    attune_sweep_result_free(back);
    assert_int_equal(attune_sweep_result_unpack(buf, size - 1, &back), ATTUNE_ERR_CORRUPT);
    buf[0] ^= 1;
    assert_int_equal(attune_sweep_result_unpack(buf, size, &back), ATTUNE_ERR_CORRUPT);
    free(buf);
    attune_sweep_result_free(r);
    attune_sweep_free(sw);
}

/* A failed run records the weeks it simulated before it stopped, not the weeks planned. */
static void a_failed_run_records_the_weeks_it_simulated(void **state)
{
    (void)state;
    attune_sweep *sw = load("[sweep]\ndesign = grid\n[set]\npopulation.size = 1000\n"
                            "population.community_size = 250\nrun.weeks = 10\n"
                            "[vary contact.friend]\nvalues = 0.1, 0.2\n");
    /* A stop raised from the start ends the run after its first week: a failed run. */
    const volatile int stop = 1;
    attune_sweep_result *r = NULL, *back = NULL;
    assert_int_equal(attune_sweep_run(sw, 1, 1, &stop, &r, NULL), ATTUNE_OK);
    assert_int_equal(r->status, ATTUNE_ERR_STATE);
    assert_int_equal(r->rows, 11);
    assert_int_equal(r->weeks, 1);
    unsigned char *buf = NULL;
    size_t size = 0;
    assert_int_equal(attune_sweep_result_pack(r, &buf, &size), ATTUNE_OK);
    assert_int_equal(attune_sweep_result_unpack(buf, size, &back), ATTUNE_OK);
    assert_int_equal(back->weeks, 1);
    free(buf);

    char dir[] = "/tmp/attune-sweep-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.sqlite", dir);
    attune_sweep_db *db = NULL;
    attune_error err = {0};
    assert_int_equal(attune_sweep_db_open(sw, path, 0, &db, NULL, &err), ATTUNE_OK);
    assert_int_equal(attune_sweep_db_record(db, back, "here", 0, &err), ATTUNE_OK);
    attune_sweep_result *done = NULL;
    assert_int_equal(attune_sweep_run(sw, 0, 1, NULL, &done, NULL), ATTUNE_OK);
    assert_int_equal(done->status, ATTUNE_OK);
    assert_int_equal(done->weeks, 10);
    assert_int_equal(attune_sweep_db_record(db, done, "here", 0, &err), ATTUNE_OK);
    attune_sweep_db_close(db);

    sqlite3 *con = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, &con, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(con, "SELECT status, weeks FROM runs ORDER BY run_id", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "done");
    assert_int_equal(sqlite3_column_int(st, 1), 10);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "failed");
    assert_int_equal(sqlite3_column_int(st, 1), 1);
    sqlite3_finalize(st);
    sqlite3_close(con);
    remove_database(dir, path);
    attune_sweep_result_free(done);
    attune_sweep_result_free(back);
    attune_sweep_result_free(r);
    attune_sweep_free(sw);
}

/* A run whose result could not be made (out of memory: the run pool's spare result, without
 * values) travels between ranks and is recorded failed, with its weeks unknown. */
static void a_run_without_values_is_recorded_failed(void **state)
{
    (void)state;
    attune_sweep *sw = load("[sweep]\ndesign = grid\n[set]\npopulation.size = 1000\n"
                            "run.weeks = 10\n[vary contact.friend]\nvalues = 0.1, 0.2\n");
    attune_sweep_result *r = calloc(1, sizeof *r), *back = NULL;
    assert_non_null(r);
    r->run_id = 1;
    r->status = ATTUNE_ERR_NOMEM;
    r->weeks = -1;
    snprintf(r->error, sizeof r->error, "out of memory: the run's result could not be made");
    unsigned char *buf = NULL;
    size_t size = 0;
    assert_int_equal(attune_sweep_result_pack(r, &buf, &size), ATTUNE_OK);
    assert_int_equal(attune_sweep_result_unpack(buf, size, &back), ATTUNE_OK);
    assert_int_equal(back->rows, 0);
    assert_int_equal(back->status, ATTUNE_ERR_NOMEM);
    free(buf);
    /* A run done must still have its values. */
    r->status = ATTUNE_OK;
    assert_int_equal(attune_sweep_result_pack(r, &buf, &size), ATTUNE_OK);
    assert_int_equal(attune_sweep_result_unpack(buf, size, &r), ATTUNE_ERR_CORRUPT);
    free(buf);

    char dir[] = "/tmp/attune-sweep-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.sqlite", dir);
    attune_sweep_db *db = NULL;
    attune_error err = {0};
    assert_int_equal(attune_sweep_db_open(sw, path, 0, &db, NULL, &err), ATTUNE_OK);
    assert_int_equal(attune_sweep_db_record(db, r, "here", 0, &err), ATTUNE_ERR_ARGUMENT);
    if (attune_sweep_db_record(db, back, "here", 0, &err) != ATTUNE_OK)
        fail_msg("%s", err.message);
    attune_sweep_db_close(db);
    sqlite3 *con = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, &con, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(con,
                                        "SELECT status, weeks IS NULL, error FROM runs "
                                        "WHERE run_id = 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "failed");
    assert_int_equal(sqlite3_column_int(st, 1), 1);
    assert_non_null(strstr((const char *)sqlite3_column_text(st, 2), "out of memory"));
    sqlite3_finalize(st);
    sqlite3_close(con);
    remove_database(dir, path);
    attune_sweep_result_free(back);
    attune_sweep_result_free(r);
    attune_sweep_free(sw);
}

static void indented_sweep_files_read_as_flush_ones(void **state)
{
    (void)state;
    attune_sweep *flush = load("[sweep]\ndesign = grid\nreplicates = 2\n"
                               "[vary contact.friend]\nvalues = 0.1, 0.2\n"
                               "[vary population.size]\nvalues = 1000\n");
    attune_sweep *indented = load("[sweep]\n  design = grid\n  replicates = 2\n"
                                  "  [vary contact.friend]\n\tvalues = 0.1, 0.2\n"
                                  "[vary population.size]\n    values = 1000\n");
    assert_int_equal(attune_sweep_point_count(indented), 2);
    assert_int_equal(attune_sweep_run_count(indented), 4);
    assert_int_equal(attune_sweep_factor_count(indented), 2);
    assert_memory_equal(flush->values, indented->values, 4 * sizeof flush->values[0]);
    attune_sweep_free(flush);
    attune_sweep_free(indented);
}

static void sweep_files_refuse_text_after_headers_and_colons(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int line;
        const char *part;
    } bad[] = {
        {"[sweep] grid\ndesign = grid\n[vary contact.friend]\nvalues = 0.1\n", 1,
         "text after the section header [sweep]"},
        {"[sweep]\ndesign: grid\n[vary contact.friend]\nvalues = 0.1\n", 2,
         "'design' is followed by ':'"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        attune_sweep *sw = NULL;
        attune_error err = {0};
        int rc = attune_sweep_load_buffer(bad[k].text, strlen(bad[k].text), "s.ini", 0, &sw, &err);
        if (rc != ATTUNE_ERR_SYNTAX || err.line != bad[k].line ||
            strstr(err.message, bad[k].part) == NULL)
            fail_msg("case %zu: status %d line %d: %s", k, rc, err.line, err.message);
        assert_null(sw);
    }
}

/* An intervention that the [set] of a sweep makes unable to target anyone is refused at the line
 * of the sweep file that set the field to blame. */
static void sweep_settings_of_an_impossible_intervention_name_their_line(void **state)
{
    (void)state;
    const char *text = "[sweep]\ndesign = grid\n[set]\nrun.weeks = 10\n"
                       "intervention.x.kind = self_help\nintervention.x.start_week = 20\n"
                       "[vary contact.friend]\nvalues = 0.1\n";
    attune_sweep *sw = NULL;
    attune_error err = {0};
    int rc = attune_sweep_load_buffer(text, strlen(text), "s.ini", 0, &sw, &err);
    if (rc != ATTUNE_ERR_RANGE || strcmp(err.file, "s.ini") != 0 || err.line != 6 ||
        strstr(err.message, "[intervention x] has start_week 20, after the last week") == NULL)
        fail_msg("status %d at '%s':%d: %s", rc, err.file, err.line, err.message);
    assert_null(sw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indented_sweep_files_read_as_flush_ones),
        cmocka_unit_test(sweep_files_refuse_text_after_headers_and_colons),
        cmocka_unit_test(sweep_settings_of_an_impossible_intervention_name_their_line),
        cmocka_unit_test(grid_is_every_combination_last_factor_fastest),
        cmocka_unit_test(latin_hypercube_puts_one_point_in_every_stratum),
        cmocka_unit_test(sobol_rows_are_a_b_and_a_with_one_column_of_b),
        cmocka_unit_test(morris_steps_move_one_factor_by_delta),
        cmocka_unit_test(integer_factors_give_every_whole_number_the_same_share),
        cmocka_unit_test(integer_grids_span_the_whole_numbers_of_the_range),
        cmocka_unit_test(integer_grid_values_that_round_together_are_refused),
        cmocka_unit_test(replicate_seeds_are_fixed_distinct_and_in_range),
        cmocka_unit_test(results_survive_packing_and_damage_is_refused),
        cmocka_unit_test(a_failed_run_records_the_weeks_it_simulated),
        cmocka_unit_test(a_run_without_values_is_recorded_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
