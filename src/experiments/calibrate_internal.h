/* The pieces of rejection ABC in calibrate.c, exposed for the unit tests. */
#ifndef ATTUNE_CALIBRATE_INTERNAL_H
#define ATTUNE_CALIBRATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Distance of one design point to the targets: the root mean square over the chosen parts of
 * (simulated - target) / tolerance, so that 1 is "at the edge of every tolerance". NaN when a
 * part has no value. `simulated` holds one value per chosen part.
 */
double abc_distance(const double *simulated, const int *parts, size_t part_count);

/*
 * Ranks the `n` distances (nearest first; ties by index; NaN unranked: rank 0) and accepts
 * either the nearest ceil(accept x scored) points (at least one; epsilon = 0) or every point
 * at most `epsilon` away (accept = 0). Writes `rank` and `accepted` (n each), the farthest
 * accepted distance in `*threshold` (NaN: none) and the index of rank 1 in `*best`
 * (SIZE_MAX: none). Returns the number accepted. O(n log n).
 */
size_t abc_accept(const double *distance, size_t n, double accept, double epsilon, uint32_t *rank,
                  bool *accepted, double *threshold, size_t *best);

#endif
