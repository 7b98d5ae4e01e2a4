/* Wall-clock time for measurements (monotonic: never jumps). */
#ifndef ATTUNE_CLOCK_H
#define ATTUNE_CLOCK_H

#include <time.h>

/* Seconds since an arbitrary fixed point. */
static inline double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
