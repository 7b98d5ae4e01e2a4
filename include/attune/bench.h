/*
 * Benchmark support: the machine's own limit for the model's memory traffic, measured on the
 * model's data layout (used by `attune bench`; docs/performance.md).
 */
#ifndef ATTUNE_BENCH_H
#define ATTUNE_BENCH_H

#include <stdint.h>

#include "attune/attune.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Result of the neighbour-gather probe. */
typedef struct attune_gather_probe {
    uint64_t half_ties;          /**< active half-ties gathered per pass */
    int threads;                 /**< OpenMP threads used */
    double local_gathers_per_s;  /**< neighbour reads a second, ids as the model numbers them */
    double random_gathers_per_s; /**< the same with ids relabelled at random (cache misses) */
    double philox_blocks_per_s;  /**< Philox4x32-10 blocks (four 32-bit words) drawn a second */
    double checksum;             /**< sum of what was read (keeps the reads from being dropped) */
} attune_gather_probe;

/**
 * Reads one float of every neighbour of every person of an initialised model, pass after pass
 * for at least `seconds` in each order, with `threads` OpenMP threads (0: the model's); then
 * draws keyed Philox4x32-10 blocks, as the model draws its random numbers, for `seconds`.
 * O(passes x half-ties); allocates one array of half-ties.
 */
int attune_bench_gather_probe(const attune_model *model, int threads, double seconds,
                              attune_gather_probe *out, attune_error *err);

#ifdef __cplusplus
}
#endif

#endif
