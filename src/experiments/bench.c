/*
 * The machine's own limit for the weekly step's memory traffic: a neighbour-gather probe over
 * the model's tie store (CSR with slack). Each pass reads, for every person in id order, one
 * float of every neighbour: in "local" order the neighbour ids are the model's own (numbered
 * for locality: households and communities have nearby ids); in "random" order they are
 * relabelled by a random permutation, so nearly every read misses the caches. A relationship
 * update of the model reads both ends of a tie, so it costs at least two gathers.
 *
 * And the machine's limit for the step's random numbers: keyed Philox4x32-10 blocks a second,
 * drawn as the model draws them (rng_draw4: one block per (week, stream, id, id)). The model
 * draws at least one block per tie a week (did the two meet) and one more per meeting (the
 * channels of care), so its relationship-updates a second cannot exceed this rate.
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

/* Keyed Philox4x32-10 blocks a second on `threads` threads, for at least `seconds`. */
static double philox_rate(int threads, double seconds, double *sink)
{
    const uint32_t chunk = 1u << 20;
    const rng_key key = rng_key_from_seed(54321);
    double start = monotonic_seconds(), elapsed = 0;
    uint64_t blocks = 0;
    uint32_t pass = 0;
    do {
        uint32_t mixed = 0;
#pragma omp parallel for schedule(static) reduction(^ : mixed) num_threads(threads)
        for (uint32_t i = 0; i < chunk; i++) {
            uint32_t r[4];
            rng_draw4(key, pass, 301, i, i >> 4, r);
            mixed ^= r[0] ^ r[1] ^ r[2] ^ r[3];
        }
        *sink += mixed;
        blocks += chunk;
        pass++;
        elapsed = monotonic_seconds() - start;
    } while (elapsed < seconds);
    return elapsed > 0 ? (double)blocks / elapsed : 0;
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
    out->philox_blocks_per_s = philox_rate(out->threads, seconds, &sink);
    out->checksum = sink;
    free(value);
    free(perm);
    free(relabelled);
    return ATTUNE_OK;
}
