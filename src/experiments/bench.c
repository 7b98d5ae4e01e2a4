/*
 * The machine's own limit for the weekly step's memory traffic: a neighbour-gather probe over
 * the model's tie store (CSR with slack). Each pass reads, for every person in id order, one
 * float of every neighbour: in "local" order the neighbour ids are the model's own (numbered
 * for locality: households and communities have nearby ids); in "random" order they are
 * relabelled by a random permutation, so nearly every read misses the caches. A relationship
 * update of the model reads both ends of a tie, so it costs at least two gathers.
 */
#include <stdlib.h>
#include <time.h>

#include "attune/bench.h"
#include "engine/model_internal.h"
#include "engine/rng.h"
#include "engine/clock.h"
#include "engine/scenario_internal.h"

/* Passes of the gather over `other` until `seconds` have passed; returns gathers a second. */
static double gather_rate(const tie_store *t, const uint32_t *other, const float *value, uint32_t n,
                          int threads, double seconds, double *sink)
{
    uint64_t halves = 0;
    for (uint32_t i = 0; i < n; i++)
        halves += t->count[i];
    double start = monotonic_seconds(), elapsed = 0, total = 0;
    uint64_t passes = 0;
    do {
        double sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum) num_threads(threads)
        for (uint32_t i = 0; i < n; i++) {
            float s = 0;
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
                s += value[other[h]];
            sum += s;
        }
        total += sum;
        passes++;
        elapsed = monotonic_seconds() - start;
    } while (elapsed < seconds);
    *sink += total;
    return elapsed > 0 ? (double)halves * (double)passes / elapsed : 0;
}

int attune_bench_gather_probe(const attune_model *model, int threads, double seconds,
                              attune_gather_probe *out, attune_error *err)
{
    if (model == NULL || out == NULL || model->state != ATTUNE_STATE_READY)
        return attune_fail(err, ATTUNE_ERR_STATE, NULL, 0, NULL,
                           "the probe needs an initialised model");
    const tie_store *t = &model->ties;
    uint32_t n = model->people.count;
    size_t slots = t->size;
    float *value = malloc((n ? n : 1) * sizeof *value);
    uint32_t *perm = malloc((n ? n : 1) * sizeof *perm);
    uint32_t *relabelled = malloc((slots ? slots : 1) * sizeof *relabelled);
    if (value == NULL || perm == NULL || relabelled == NULL) {
        free(value);
        free(perm);
        free(relabelled);
        return attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory for the probe");
    }
    rng_seq s = rng_seq_start(rng_key_from_seed(12345), RNG_WEEK_INIT, 300, 0);
    for (uint32_t i = 0; i < n; i++) {
        value[i] = model->people.affect[i];
        perm[i] = i;
    }
    for (uint32_t i = n; i-- > 1;) {
        uint32_t j = rng_below(rng_seq_next(&s), i + 1);
        uint32_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            relabelled[h] = perm[t->other[h]];
    double sink = 0;
    out->half_ties = 0;
    for (uint32_t i = 0; i < n; i++)
        out->half_ties += t->count[i];
    out->threads = threads > 0 ? threads : model->threads;
    out->local_gathers_per_s = gather_rate(t, t->other, value, n, out->threads, seconds, &sink);
    out->random_gathers_per_s = gather_rate(t, relabelled, value, n, out->threads, seconds, &sink);
    out->checksum = sink;
    free(value);
    free(perm);
    free(relabelled);
    return ATTUNE_OK;
}
