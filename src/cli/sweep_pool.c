/*
 * A pool of threads that run sweep runs: `jobs` runs at once in this process, each with its
 * own model and OpenMP team. Runs are queued in the order submitted; results come back in the
 * order they finish.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/sweep_pool.h"

typedef struct result_node {
    attune_sweep_result *result;
    struct result_node *next;
} result_node;

struct sweep_pool {
    const attune_sweep *sweep;
    int jobs, threads;
    const volatile int *stop;
    pthread_mutex_t lock;
    pthread_cond_t work_ready, result_ready;
    uint32_t *queue; /* ring of submitted run ids */
    size_t queue_cap, head, count;
    int running;
    int closing;
    result_node *done_head, *done_tail;
    size_t done_count;
    pthread_t *workers;
    int started;
};

/* A failed result when even the result could not be made (out of memory). */
static attune_sweep_result *failed_result(uint32_t run_id, const attune_error *e)
{
    attune_sweep_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->run_id = run_id;
    r->weeks = -1; /* unknown */
    r->status = e->status ? e->status : ATTUNE_ERR_NOMEM;
    snprintf(r->error, sizeof r->error, "%.500s", e->message);
    return r;
}

static void *worker(void *arg)
{
    sweep_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->count == 0 && !p->closing)
            pthread_cond_wait(&p->work_ready, &p->lock);
        if (p->count == 0)
            break;
        uint32_t run_id = p->queue[p->head];
        p->head = (p->head + 1) % p->queue_cap;
        p->count--;
        p->running++;
        pthread_mutex_unlock(&p->lock);

        attune_sweep_result *r = NULL;
        attune_error e = {0};
        if (attune_sweep_run(p->sweep, run_id, p->threads, p->stop, &r, &e) != ATTUNE_OK)
            r = failed_result(run_id, &e);
        result_node *node = malloc(sizeof *node);

        pthread_mutex_lock(&p->lock);
        p->running--;
        if (node != NULL && r != NULL) {
            node->result = r;
            node->next = NULL;
            if (p->done_tail)
                p->done_tail->next = node;
            else
                p->done_head = node;
            p->done_tail = node;
            p->done_count++;
        } else {
            /* Out of memory: the run stays pending in the database and is redone on resume. */
            free(node);
            attune_sweep_result_free(r);
        }
        pthread_cond_broadcast(&p->result_ready);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int sweep_pool_start(const attune_sweep *sweep, int jobs, int threads, const volatile int *stop,
                     size_t capacity, sweep_pool **out)
{
    sweep_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return ATTUNE_ERR_NOMEM;
    p->sweep = sweep;
    p->jobs = jobs;
    p->threads = threads;
    p->stop = stop;
    p->queue_cap = capacity ? capacity : 1;
    p->queue = malloc(p->queue_cap * sizeof *p->queue);
    p->workers = calloc((size_t)jobs, sizeof *p->workers);
    if (p->queue == NULL || p->workers == NULL) {
        free(p->queue);
        free(p->workers);
        free(p);
        return ATTUNE_ERR_NOMEM;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work_ready, NULL);
    pthread_cond_init(&p->result_ready, NULL);
    for (int i = 0; i < jobs; i++) {
        if (pthread_create(&p->workers[i], NULL, worker, p) != 0)
            break;
        p->started++;
    }
    if (p->started == 0) {
        sweep_pool_finish(p);
        return ATTUNE_ERR_NOMEM;
    }
    *out = p;
    return ATTUNE_OK;
}

int sweep_pool_free_slots(sweep_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int free_slots = p->started - p->running - (int)p->count;
    pthread_mutex_unlock(&p->lock);
    return free_slots > 0 ? free_slots : 0;
}

int sweep_pool_busy(sweep_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int busy = p->running + (int)p->count + (int)p->done_count;
    pthread_mutex_unlock(&p->lock);
    return busy;
}

void sweep_pool_submit(sweep_pool *p, uint32_t run_id)
{
    pthread_mutex_lock(&p->lock);
    if (p->count < p->queue_cap) {
        p->queue[(p->head + p->count) % p->queue_cap] = run_id;
        p->count++;
        pthread_cond_signal(&p->work_ready);
    }
    pthread_mutex_unlock(&p->lock);
}

attune_sweep_result *sweep_pool_take(sweep_pool *p, double timeout_seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long ns = (long)(timeout_seconds * 1e9);
    until.tv_sec += ns / 1000000000L;
    until.tv_nsec += ns % 1000000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->lock);
    while (p->done_head == NULL) {
        if (pthread_cond_timedwait(&p->result_ready, &p->lock, &until) == ETIMEDOUT)
            break;
    }
    attune_sweep_result *r = NULL;
    if (p->done_head != NULL) {
        result_node *node = p->done_head;
        p->done_head = node->next;
        if (p->done_head == NULL)
            p->done_tail = NULL;
        p->done_count--;
        r = node->result;
        free(node);
    }
    pthread_mutex_unlock(&p->lock);
    return r;
}

void sweep_pool_finish(sweep_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->closing = 1;
    p->count = 0; /* queued runs are dropped: they stay pending in the database */
    pthread_cond_broadcast(&p->work_ready);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->workers[i], NULL);
    while (p->done_head != NULL) {
        result_node *node = p->done_head;
        p->done_head = node->next;
        attune_sweep_result_free(node->result);
        free(node);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work_ready);
    pthread_cond_destroy(&p->result_ready);
    free(p->queue);
    free(p->workers);
    free(p);
}

#ifndef ATTUNE_WITH_MPI
/* Built without MPI: a sweep is one process. */
int sweep_mpi_start(int *argc, char ***argv, int *rank, int *size)
{
    (void)argc;
    (void)argv;
    *rank = 0;
    *size = 1;
    return ATTUNE_OK;
}

void sweep_mpi_finish(int abort_code)
{
    (void)abort_code;
}

int sweep_mpi_poll(int *from_rank, attune_sweep_result **result, int *ready, uint64_t fingerprint)
{
    (void)from_rank;
    (void)fingerprint;
    *result = NULL;
    *ready = 0;
    return 0;
}

int sweep_mpi_assign(int rank, uint32_t run_id)
{
    (void)rank;
    (void)run_id;
    return ATTUNE_ERR_STATE;
}

int sweep_mpi_worker(const attune_sweep *sweep, int jobs, int threads, const volatile int *stop)
{
    (void)sweep;
    (void)jobs;
    (void)threads;
    (void)stop;
    return ATTUNE_ERR_STATE;
}
#endif
