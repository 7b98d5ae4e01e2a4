/* Pieces of validation.c exposed for the unit tests: therapy courses read from the events, the
 * dose-response and alliance statistics (T4, T5), the odds ratio and the three-way adult class. */
#ifndef ATTUNE_VALIDATION_INTERNAL_H
#define ATTUNE_VALIDATION_INTERNAL_H

#include <stdint.h>

#include "attune/validation.h"

/* Indices of the parts, in the order of attune_target_at. */
enum target_part {
    PART_T1_SECURE = 0,
    PART_T1_AVOIDANT,
    PART_T1_RESISTANT,
    PART_T1_DISORGANIZED,
    PART_T2_SECURE,
    PART_T2_DISMISSING,
    PART_T2_PREOCCUPIED,
    PART_T3_NONE,
    PART_T3_FOUR_PLUS,
    PART_T3_COPING_OR,
    PART_T4_SESSION8,
    PART_T4_SESSION26,
    PART_T5_ALLIANCE,
};

/* A course of therapy as the events tell it. */
typedef struct therapy_course {
    uint32_t client;
    int32_t start_week;
    double baseline;     /* well-being at therapy_start */
    float *wellbeing;    /* after each session, in order */
    uint32_t sessions;   /* therapy_session events */
    uint32_t capacity;   /* of wellbeing */
    double alliance_sum; /* over the sessions that report one */
    uint32_t alliance_count;
    int ended; /* a therapy_end closed it */
} therapy_course;

typedef struct therapy_tracker {
    therapy_course *courses;
    size_t count, capacity;
    int32_t *open; /* per person: index of the open course, or -1 */
    uint32_t open_capacity;
    uint64_t sessions_seen; /* every therapy_session event, counted or not */
    uint64_t orphans;       /* sessions without an open course (no therapy_start) */
    int failed;             /* an allocation failed */
} therapy_tracker;

void therapy_tracker_init(therapy_tracker *t);
void therapy_tracker_free(therapy_tracker *t);

/* Reads one event (other types are ignored). ATTUNE_ERR_NOMEM when memory runs out. */
int therapy_tracker_event(therapy_tracker *t, const attune_event *e);

typedef struct therapy_stats {
    double improved8, improved26; /* Kaplan-Meier share reliably improved by session 8, 26 */
    double alliance_r;            /* mean alliance vs pre-post change, over ended courses */
    double courses;               /* courses in the dose-response estimate */
    double ended;                 /* ended courses in the correlation */
    const char *note_dose, *note_alliance; /* why a value is NaN, or NULL */
} therapy_stats;

/*
 * T4 and T5 from the courses that started after week `from_week`. A course is reliably
 * improved at session k when (w_k - baseline) / S_diff >= 1.96, S_diff = sqrt(2) s sqrt(1 - rxx)
 * with s the SD of the baselines and rxx `reliability` (Jacobson & Truax 1991). O(sessions).
 */
void therapy_stats_compute(const therapy_tracker *t, int32_t from_week, double reliability,
                           therapy_stats *out);

/*
 * Kaplan-Meier estimate of the share that had the event by session k: course c ended its
 * follow-up at session time[c], with the event (event[c] = 1) or censored. NaN when nobody is
 * followed to session k and the curve has not reached 1 by then. O(n log n).
 */
double km_share_by(const uint32_t *time, const uint8_t *event, size_t n, uint32_t k);

/* Odds ratio of the outcome, exposed vs unexposed, with 0.5 added to every cell when one is
 * 0 (Haldane); NaN when a group is empty. */
double odds_ratio(double exposed_yes, double exposed_no, double unexposed_yes, double unexposed_no);

/* The three-way adult class (0 secure, 1 dismissing, 2 preoccupied) of a working model: the
 * adult classes of the model without the unresolved rule, as the Adult Attachment Interview
 * gives unresolved transcripts their best-fitting organised class. */
int adult_class_three_way(double anxiety, double avoidance, double dismissing_above,
                          double preoccupied_above);

#endif
