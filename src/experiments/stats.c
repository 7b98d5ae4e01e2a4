/* Small statistics shared by the experiments (see stats.h). */
#include <gsl/gsl_cdf.h>
#include <math.h>

#include "experiments/stats.h"

double stats_t975(int df)
{
    if (df < 1)
        return INFINITY;
    return gsl_cdf_tdist_Pinv(0.975, (double)df);
}

void stats_mean_ci(const double *x, size_t n, double *mean, double *lo, double *hi)
{
    if (n == 0) {
        *mean = *lo = *hi = NAN;
        return;
    }
    double s = 0, ss = 0;
    for (size_t k = 0; k < n; k++)
        s += x[k];
    double mu = s / (double)n;
    for (size_t k = 0; k < n; k++)
        ss += (x[k] - mu) * (x[k] - mu);
    double half =
        n > 1 ? stats_t975((int)n - 1) * sqrt(ss / (double)(n - 1) / (double)n) : INFINITY;
    *mean = mu;
    *lo = mu - half;
    *hi = mu + half;
}

int stats_setback_step(float *low, float *high, float w, double fall)
{
    /* Checked before a new low restarts the course (float differences, then double). */
    int setback = *high - *low >= fall && w <= *high - fall;
    if (w < *low)
        *low = *high = w;
    if (w > *high)
        *high = w;
    return setback;
}

double stats_pearson(const double *x, const double *y, size_t n)
{
    if (n < 3)
        return NAN;
    double mx = 0, my = 0;
    for (size_t k = 0; k < n; k++) {
        mx += x[k];
        my += y[k];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxx = 0, syy = 0, sxy = 0;
    for (size_t k = 0; k < n; k++) {
        sxx += (x[k] - mx) * (x[k] - mx);
        syy += (y[k] - my) * (y[k] - my);
        sxy += (x[k] - mx) * (y[k] - my);
    }
    if (!(sxx > 0) || !(syy > 0))
        return NAN;
    return sxy / sqrt(sxx * syy);
}
