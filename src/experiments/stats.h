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

#endif
