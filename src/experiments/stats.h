/* Small statistics shared by the experiments: 95% t intervals over replicates, correlation. */
#ifndef ATTUNE_STATS_H
#define ATTUNE_STATS_H

#include <stddef.h>

/* The 0.975 quantile of Student's t with `df` degrees of freedom (GSL); INFINITY for df < 1. */
double stats_t975(int df);

/* Mean of the `n` values and the 95% t interval of the mean. n = 0: NaN everywhere; n = 1: the
 * value, with an infinite interval. */
void stats_mean_ci(const double *x, size_t n, double *mean, double *lo, double *hi);

/* Pearson correlation of x and y; NaN when n < 3 or either has no variance. */
double stats_pearson(const double *x, const double *y, size_t n);

/* One step of the course of a series (claim C11: well-being during a distress episode). *low is
 * the lowest value so far and *high the highest since that low (start both at the first value).
 * Returns 1 when w completes a setback: the series had risen `fall` or more above its low and w
 * lies `fall` or more below that high, wherever w ends (below the old low too); then w, if a new
 * low, restarts both. */
int stats_setback_step(float *low, float *high, float w, double fall);

#endif
