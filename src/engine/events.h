/*
 * The event log of one week. Processes emit events from parallel loops into per-thread
 * buffers; events_finish_week() merges them in a fixed order (phase, person, emission order),
 * so the log is the same for any thread count.
 */
#ifndef ATTUNE_EVENTS_H
#define ATTUNE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "attune/attune.h"

#define EVENT_TEXT_SIZE 48 /* room for a detail composed at emission (events_emit_text) */

typedef struct event_record {
    attune_event event;
    uint32_t phase; /* order of the emitting process in the week */
    uint32_t seq;   /* emission order within the thread buffer */
    int owned;      /* the detail is `text`, not a static string */
    char text[EVENT_TEXT_SIZE];
} event_record;

typedef struct event_buffer {
    event_record *items;
    size_t count, capacity;
    int failed; /* an allocation failed: the week reports ATTUNE_ERR_NOMEM */
} event_buffer;

typedef struct event_log {
    int threads;
    event_buffer *per_thread;
    attune_event *week_events; /* merged events of the last completed week */
    size_t week_count, week_capacity;
    event_record *merged; /* the records of week_events (owned details point here) */
    size_t merged_capacity;
} event_log;

int events_init(event_log *log, int threads);
void events_free(event_log *log);

/** Empties the thread buffers at the start of a week. */
void events_begin_week(event_log *log);

/** Records one event from thread `thread` (omp_get_thread_num()). */
void events_emit(event_log *log, int thread, uint32_t phase, int32_t week, const char *type,
                 uint32_t person, uint32_t other, double value, const char *detail);

/** Like events_emit with a detail that is copied (at most EVENT_TEXT_SIZE - 1 bytes), for
 * details composed at emission; it stays valid as long as the week's events. */
void events_emit_text(event_log *log, int thread, uint32_t phase, int32_t week, const char *type,
                      uint32_t person, uint32_t other, double value, const char *text);

/** Merges the thread buffers into the week's ordered list. */
int events_finish_week(event_log *log);

#endif
