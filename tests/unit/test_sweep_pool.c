/* The run pool of attune sweep (src/cli/sweep_pool.c) when memory runs out. The linker's --wrap
 * (tests/CMakeLists.txt) routes the pool's malloc, calloc and attune_sweep_run through this
 * file, which can make allocations fail in one thread from a chosen moment. A run handed to the
 * pool must always come back, failed if need be: a lost run left the coordinator waiting for
 * ever. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/sweep_pool.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
int __real_attune_sweep_run(const attune_sweep *sweep, uint32_t run_id, int threads,
                            const volatile int *stop, attune_sweep_result **out, attune_error *err);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
int __wrap_attune_sweep_run(const attune_sweep *sweep, uint32_t run_id, int threads,
                            const volatile int *stop, attune_sweep_result **out, attune_error *err);

/* Non-zero: every allocation of this thread fails (out of memory). */
static _Thread_local int out_of_memory;

/* What the wrapped run does: 0 runs it, 1 runs it and then runs out of memory, 2 runs out of
 * memory before it can make a result. */
static int run_mode;

void *__wrap_malloc(size_t size)
{
    return out_of_memory ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size)
{
    return out_of_memory ? NULL : __real_calloc(count, size);
}

int __wrap_attune_sweep_run(const attune_sweep *sweep, uint32_t run_id, int threads,
                            const volatile int *stop, attune_sweep_result **out, attune_error *err)
{
    if (run_mode == 2) {
        out_of_memory = 1;
        *out = NULL;
        if (err != NULL) {
            memset(err, 0, sizeof *err);
            err->status = ATTUNE_ERR_NOMEM;
            snprintf(err->message, sizeof err->message, "out of memory");
        }
        return ATTUNE_ERR_NOMEM;
    }
    int rc = __real_attune_sweep_run(sweep, run_id, threads, stop, out, err);
    if (run_mode == 1)
        out_of_memory = 1; /* the rest of this worker thread's life */
    return rc;
}

static attune_sweep *ishigami(void)
{
    static const char text[] = "[sweep]\nmodel = ishigami\ndesign = lhs\nsamples = 8\n"
                               "[vary x1]\nmin = -3\nmax = 3\n[vary x2]\nmin = -3\nmax = 3\n"
                               "[vary x3]\nmin = -3\nmax = 3\n";
    attune_sweep *sw = NULL;
    attune_error err = {0};
    if (attune_sweep_load_buffer(text, strlen(text), "t.ini", 0, &sw, &err) != ATTUNE_OK)
        fail_msg("%s", err.message);
    return sw;
}

/* Submits run 3 to a pool of one thread and takes what comes back (NULL after 10 s). */
static attune_sweep_result *one_run(const attune_sweep *sw, int mode)
{
    run_mode = mode;
    sweep_pool *pool = NULL;
    assert_int_equal(sweep_pool_start(sw, 1, 1, NULL, 1, &pool), ATTUNE_OK);
    assert_int_equal(sweep_pool_submit(pool, 3), ATTUNE_OK);
    attune_sweep_result *r = sweep_pool_take(pool, 10.0);
    assert_int_equal(sweep_pool_busy(pool), 0);
    sweep_pool_finish(pool); /* ends the worker thread that ran out of memory */
    run_mode = 0;
    return r;
}

/* Out of memory once the run has its result: the result still comes back, whole. */
static void a_result_comes_back_when_memory_runs_out_after_the_run(void **state)
{
    (void)state;
    attune_sweep *sw = ishigami();
    attune_sweep_result *r = one_run(sw, 1);
    if (r == NULL)
        fail_msg("run 3 was lost: the pool gave nothing back in 10 s");
    assert_int_equal(r->run_id, 3);
    assert_int_equal(r->status, ATTUNE_OK);
    assert_int_equal(r->rows, 1);
    attune_sweep_result_free(r);
    attune_sweep_free(sw);
}

/* Out of memory before the run could make its result: it comes back failed, without values. */
static void a_run_without_a_result_comes_back_failed(void **state)
{
    (void)state;
    attune_sweep *sw = ishigami();
    attune_sweep_result *r = one_run(sw, 2);
    if (r == NULL)
        fail_msg("run 3 was lost: the pool gave nothing back in 10 s");
    assert_int_equal(r->run_id, 3);
    assert_int_equal(r->status, ATTUNE_ERR_NOMEM);
    assert_int_equal(r->rows, 0);
    assert_int_equal(r->weeks, -1);
    assert_non_null(strstr(r->error, "out of memory"));
    attune_sweep_result_free(r);
    attune_sweep_free(sw);
}

/* Out of memory when a run is submitted: the pool says so, and holds nothing to wait for. */
static void a_run_that_cannot_be_queued_is_refused_at_once(void **state)
{
    (void)state;
    attune_sweep *sw = ishigami();
    sweep_pool *pool = NULL;
    assert_int_equal(sweep_pool_start(sw, 1, 1, NULL, 1, &pool), ATTUNE_OK);
    out_of_memory = 1;
    int rc = sweep_pool_submit(pool, 3);
    out_of_memory = 0;
    assert_int_equal(rc, ATTUNE_ERR_NOMEM);
    assert_int_equal(sweep_pool_busy(pool), 0);
    assert_int_equal(sweep_pool_free_slots(pool), 1);
    /* With memory back, the pool runs as before. */
    assert_int_equal(sweep_pool_submit(pool, 1), ATTUNE_OK);
    attune_sweep_result *r = sweep_pool_take(pool, 10.0);
    assert_non_null(r);
    assert_int_equal(r->run_id, 1);
    assert_int_equal(r->status, ATTUNE_OK);
    attune_sweep_result_free(r);
    sweep_pool_finish(pool);
    attune_sweep_free(sw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_result_comes_back_when_memory_runs_out_after_the_run),
        cmocka_unit_test(a_run_without_a_result_comes_back_failed),
        cmocka_unit_test(a_run_that_cannot_be_queued_is_refused_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
