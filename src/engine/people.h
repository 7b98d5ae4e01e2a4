/*
 * People as a struct of arrays: one array per state variable, float where it suffices.
 * Person ids are indices; households and communities occupy contiguous id ranges at start.
 */
#ifndef ATTUNE_PEOPLE_H
#define ATTUNE_PEOPLE_H

#include <stdint.h>

typedef struct people {
    uint32_t count;    /* people ever created; ids 0 .. count-1 */
    uint32_t capacity; /* allocated slots */
    /* identity and place */
    int32_t *birth_week; /* week of birth (negative: before the run); age = week - birth_week */
    uint32_t *household;
    uint32_t *community;
    uint8_t *culture;
    uint8_t *role; /* attune_role */
    uint8_t *alive;
    uint8_t *ace_count; /* adverse childhood experiences counted so far, saturates at 255 */
    /* inner state, each in the range documented in attune_person */
    float *anxiety;
    float *avoidance;
    float *disorganization;
    float *self_worth;
    float *affect;
    float *affect_baseline;
    /* snapshot of the week's start: what neighbours read (the double buffer) */
    float *give_capacity;
    float *hostility;
    /* what the interaction phase delivered to each person this week, written by its owner */
    float *received_quality_sum; /* sum over meetings of perceived quality */
    float *received_input;       /* weighted relational input to affect, before saturation */
    uint16_t *meetings;
    uint16_t *hostile_meetings;
} people;

/** Allocates room for `capacity` people (all zero). Returns an attune_status. */
int people_init(people *p, uint32_t capacity);

/** Frees every array. */
void people_free(people *p);

/** Approximate bytes per person of the arrays above. */
uint64_t people_bytes_per_person(void);

#endif
