/*
 * Counter-based random numbers (Random123 Philox4x32-10).
 *
 * A draw is a pure function of (seed, week, stream, a, b): no state, so any thread or process
 * computes the same numbers. Pair draws use a = min(i, j), b = max(i, j), so both ends of a
 * tie see the same value without talking; person draws use a = person, b = a sub-index.
 */
#ifndef ATTUNE_RNG_H
#define ATTUNE_RNG_H

#include <math.h>
#include <stdint.h>

#include <Random123/philox.h>

/* Streams: one per kind of decision. Never reuse a number for a different purpose. */
enum rng_stream {
    STREAM_MEET = 1,       /* pair: did the two ends meet; giving noise */
    STREAM_CHANNELS = 2,   /* pair: channel noise of each direction */
    STREAM_MOOD = 3,       /* person: week-to-week swing of capacity */
    STREAM_DEMOGRAPHY = 4, /* person: death */
    STREAM_BIRTH = 5,      /* couple: birth */
    STREAM_NEWBORN = 6,    /* person: a newborn's temperament */
    STREAM_PLACEMENT = 7,  /* person: choosing a teacher or foster carer */
    STREAM_FORMATION = 8,  /* person: seeking a friend, community tie or partner */
    /* 9: not used (a partner is sought with the draws of STREAM_FORMATION) */
    STREAM_SEPARATION = 10,       /* couple: separation */
    STREAM_INTERVENTION = 11,     /* targeting: (intervention, person) before the first week;
                                     an intervention's own draws: (person, intervention_draws) */
    STREAM_LEAVE_HOME = 12,       /* person: age of leaving home (drawn once) */
    STREAM_FRIEND_TARGET = 13,    /* person: number of friends wished (drawn once) */
    STREAM_LIFE_EVENTS = 14,      /* person: stressors */
    STREAM_COPING = 15,           /* person: urge noise and form of coping */
    STREAM_RELEASE = 16,          /* person: ending a toxic tie */
    STREAM_THERAPY = 17,          /* person: help-seeking, a session's rupture, repair, dropout */
    STREAM_THERAPY_SKILL = 18,    /* therapist: skill (drawn once) */
    STREAM_THERAPY_RECRUIT = 19,  /* person: recruited as a therapist */
    STREAM_WITHDRAWAL = 20,       /* person: start and end of a spell of withdrawal */
    STREAM_EXPECTANCY = 21,       /* (person, week a course began): expectancy of help */
    STREAM_COPING_LIABILITY = 22, /* person: lifelong liability to cope (drawn once) */
    STREAM_INIT_PERSON = 100,     /* person: initial traits */
    STREAM_INIT_HOUSEHOLD = 101,
    STREAM_INIT_COMMUNITY = 102,
    STREAM_INIT_FRIENDS = 103,
    STREAM_INIT_TEACHERS = 104,
    STREAM_INIT_COMMUNITY_TIES = 105,
    STREAM_INIT_HISTORY = 106,  /* history (one a community): a sequence a year, the seed, order */
    STREAM_OUTPUT_SAMPLE = 200, /* person: in the panel; ego of the network sample (outputs) */
};

/* Week counter value used for draws made before the first week. */
#define RNG_WEEK_INIT 0xFFFFFFFFu

typedef struct rng_key {
    uint32_t k0, k1;
} rng_key;

static inline rng_key rng_key_from_seed(uint64_t seed)
{
    rng_key key = {(uint32_t)(seed & 0xFFFFFFFFu), (uint32_t)(seed >> 32)};
    return key;
}

/* Four independent 32-bit words for (week, stream, a, b). */
static inline void rng_draw4(rng_key key, uint32_t week, uint32_t stream, uint32_t a, uint32_t b,
                             uint32_t out[4])
{
    philox4x32_ctr_t ctr = {{week, stream, a, b}};
    philox4x32_key_t k = {{key.k0, key.k1}};
    philox4x32_ctr_t r = philox4x32(ctr, k);
    out[0] = r.v[0];
    out[1] = r.v[1];
    out[2] = r.v[2];
    out[3] = r.v[3];
}

/* Uniform in (0, 1) from 32 bits; never 0 or 1. */
static inline double rng_u01(uint32_t x)
{
    return ((double)x + 0.5) * (1.0 / 4294967296.0);
}

/* Standard normal from two words (Box-Muller). */
static inline double rng_normal(uint32_t x, uint32_t y)
{
    double u = rng_u01(x), v = rng_u01(y);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Poisson variate by inversion from a single uniform, given p0 = exp(-mean) (for callers that
 * draw many with one mean); the same numbers as rng_poisson. */
static inline uint32_t rng_poisson_p0(double mean, double p0, uint32_t x)
{
    double u = rng_u01(x);
    double p = p0, cdf = p;
    uint32_t k = 0;
    while (u > cdf && k < 1000) {
        k++;
        p *= mean / (double)k;
        cdf += p;
    }
    return k;
}

/* Poisson variate by inversion from a single uniform; fine for means below ~30. */
static inline uint32_t rng_poisson(double mean, uint32_t x)
{
    return rng_poisson_p0(mean, exp(-mean), x);
}

/* Integer in [0, n) from 32 bits (multiply-shift, bias < n / 2^32). */
static inline uint32_t rng_below(uint32_t x, uint32_t n)
{
    return (uint32_t)(((uint64_t)x * (uint64_t)n) >> 32);
}

/*
 * A stream of draws for one (week, stream, a) with a running counter b: for sequential
 * decisions of one person or community during initialisation.
 */
typedef struct rng_seq {
    rng_key key;
    uint32_t week, stream, a, b;
    uint32_t buf[4];
    int left;
} rng_seq;

/* A sequence whose counter starts at b: sequences of one (week, stream, a) kept apart by the
 * high bits of b (the caller keeps each below the next one's start). */
static inline rng_seq rng_seq_start_at(rng_key key, uint32_t week, uint32_t stream, uint32_t a,
                                       uint32_t b)
{
    rng_seq s = {key, week, stream, a, b, {0, 0, 0, 0}, 0};
    return s;
}

static inline rng_seq rng_seq_start(rng_key key, uint32_t week, uint32_t stream, uint32_t a)
{
    return rng_seq_start_at(key, week, stream, a, 0);
}

static inline uint32_t rng_seq_next(rng_seq *s)
{
    if (s->left == 0) {
        rng_draw4(s->key, s->week, s->stream, s->a, s->b++, s->buf);
        s->left = 4;
    }
    return s->buf[--s->left];
}

static inline double rng_seq_u01(rng_seq *s)
{
    return rng_u01(rng_seq_next(s));
}

static inline double rng_seq_normal(rng_seq *s)
{
    uint32_t x = rng_seq_next(s);
    return rng_normal(x, rng_seq_next(s));
}

#endif
