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

/* A submitted run. It is allocated with a spare failed result when the run is submitted, so
 * that once the run is running nothing more needs memory: a run whose own result cannot be made
 * (out of memory) still comes back, failed, and no run is ever lost to an allocation. */
typedef struct run_node {
    uint32_t run_id;
    attune_sweep_result *result; /* the run's result, or the spare */
    attune_sweep_result *spare;  /* freed when the run gives a result of its own */
    struct run_node *next;
} run_node;

struct sweep_pool {
    const attune_sweep *sweep;
    int jobs, threads;
    const volatile int *stop;
    pthread_mutex_t lock;
    pthread_cond_t work_ready, result_ready;
    run_node **queue; /* ring of submitted runs */
    size_t queue_cap, head, count;
    int running;
    int closing;
    run_node *done_head, *done_tail;
    size_t done_count;
    pthread_t *workers;
    int started;
};

static void node_free(run_node *node)
{
    if (node == NULL)
        return;
    if (node->spare != node->result)
        attune_sweep_result_free(node->spare);
    attune_sweep_result_free(node->result);
    free(node);
}

/* Runs the run of `node` and sets its result: its own, or the spare saying why it has none. */
static void run_one(sweep_pool *p, run_node *node)
{
    attune_sweep_result *r = NULL;
    attune_error e = {0};
    if (attune_sweep_run(p->sweep, node->run_id, p->threads, p->stop, &r, &e) == ATTUNE_OK &&
        r != NULL) {
        attune_sweep_result_free(node->spare);
        node->spare = NULL;
        node->result = r;
        return;
    }
    attune_sweep_result_free(r);
    r = node->spare;
    r->status = e.status ? e.status : ATTUNE_ERR_NOMEM;
    snprintf(r->error, sizeof r->error, "%.500s",
             e.message[0] ? e.message : "out of memory: the run's result could not be made");
    node->result = r;
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
        run_node *node = p->queue[p->head];
        p->head = (p->head + 1) % p->queue_cap;
        p->count--;
        p->running++;
        pthread_mutex_unlock(&p->lock);

        run_one(p, node);

        pthread_mutex_lock(&p->lock);
        p->running--;
        node->next = NULL;
        if (p->done_tail)
            p->done_tail->next = node;
        else
            p->done_head = node;
        p->done_tail = node;
        p->done_count++;
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

int sweep_pool_submit(sweep_pool *p, uint32_t run_id)
{
    run_node *node = calloc(1, sizeof *node);
    if (node != NULL)
        node->spare = calloc(1, sizeof *node->spare);
    if (node == NULL || node->spare == NULL) {
        free(node);
        return ATTUNE_ERR_NOMEM;
    }
    node->run_id = run_id;
    node->spare->run_id = run_id;
    node->spare->weeks = -1; /* unknown */
    pthread_mutex_lock(&p->lock);
    int rc = ATTUNE_ERR_STATE; /* the queue is full: more runs than free slots */
    if (p->count < p->queue_cap) {
        p->queue[(p->head + p->count) % p->queue_cap] = node;
        p->count++;
        pthread_cond_signal(&p->work_ready);
        rc = ATTUNE_OK;
    }
    pthread_mutex_unlock(&p->lock);
    if (rc != ATTUNE_OK)
        node_free(node);
    return rc;
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
    run_node *node = p->done_head;
    if (node != NULL) {
        p->done_head = node->next;
        if (p->done_head == NULL)
            p->done_tail = NULL;
        p->done_count--;
    }
    pthread_mutex_unlock(&p->lock);
    if (node == NULL)
        return NULL;
    attune_sweep_result *r = node->result;
    node->result = NULL;
    if (node->spare == r)
        node->spare = NULL;
    node_free(node);
    return r;
}

void sweep_pool_finish(sweep_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->closing = 1;
    /* Queued runs are dropped: they stay pending in the database. */
    for (; p->count > 0; p->count--) {
        node_free(p->queue[p->head]);
        p->head = (p->head + 1) % p->queue_cap;
    }
    pthread_cond_broadcast(&p->work_ready);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->workers[i], NULL);
    while (p->done_head != NULL) {
        run_node *node = p->done_head;
        p->done_head = node->next;
        node_free(node);
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

enum sweep_poll sweep_mpi_poll(int *from_rank, attune_sweep_result **result, int *ready,
                               uint64_t fingerprint)
{
    (void)from_rank;
    (void)fingerprint;
    *result = NULL;
    *ready = 0;
    return SWEEP_POLL_NONE;
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
