/* The weekly event log (see events.h). */
#include <stdlib.h>
#include <string.h>

#include "engine/events.h"

int events_init(event_log *log, int threads)
{
    memset(log, 0, sizeof *log);
    log->threads = threads > 0 ? threads : 1;
    log->per_thread = calloc((size_t)log->threads, sizeof *log->per_thread);
    return log->per_thread ? ATTUNE_OK : ATTUNE_ERR_NOMEM;
}

void events_free(event_log *log)
{
    if (log->per_thread != NULL)
        for (int t = 0; t < log->threads; t++)
            free(log->per_thread[t].items);
    free(log->per_thread);
    free(log->week_events);
    free(log->merged);
    memset(log, 0, sizeof *log);
}

void events_begin_week(event_log *log)
{
    for (int t = 0; t < log->threads; t++) {
        log->per_thread[t].count = 0;
        log->per_thread[t].failed = 0;
    }
    log->week_count = 0;
}

void events_emit(event_log *log, int thread, uint32_t phase, int32_t week, const char *type,
                 uint32_t person, uint32_t other, double value, const char *detail)
{
    event_buffer *b = &log->per_thread[thread];
    if (b->count == b->capacity) {
        size_t cap = b->capacity ? 2 * b->capacity : 256;
        event_record *items = realloc(b->items, cap * sizeof *items);
        if (items == NULL) {
            b->failed = 1;
            return;
        }
        b->items = items;
        b->capacity = cap;
    }
    event_record *r = &b->items[b->count];
    r->event.week = week;
    r->event.type = type;
    r->event.person = person;
    r->event.other = other;
    r->event.value = value;
    r->event.detail = detail ? detail : "";
    r->phase = phase;
    r->seq = (uint32_t)b->count;
    r->owned = 0;
    b->count++;
}

void events_emit_text(event_log *log, int thread, uint32_t phase, int32_t week, const char *type,
                      uint32_t person, uint32_t other, double value, const char *text)
{
    event_buffer *b = &log->per_thread[thread];
    size_t before = b->count;
    events_emit(log, thread, phase, week, type, person, other, value, "");
    if (b->count == before)
        return; /* out of memory: recorded in b->failed */
    event_record *r = &b->items[before];
    size_t len = strlen(text);
    if (len >= EVENT_TEXT_SIZE)
        len = EVENT_TEXT_SIZE - 1;
    memcpy(r->text, text, len);
    r->text[len] = '\0';
    r->owned = 1;
}

static int record_order(const void *pa, const void *pb)
{
    const event_record *a = pa, *b = pb;
    if (a->phase != b->phase)
        return a->phase < b->phase ? -1 : 1;
    if (a->event.person != b->event.person)
        return a->event.person < b->event.person ? -1 : 1;
    /* One person is handled by one thread within a phase, so seq orders its events. */
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int events_finish_week(event_log *log)
{
    size_t total = 0;
    for (int t = 0; t < log->threads; t++) {
        if (log->per_thread[t].failed)
            return ATTUNE_ERR_NOMEM;
        total += log->per_thread[t].count;
    }
    log->week_count = 0;
    if (total == 0)
        return ATTUNE_OK;
    if (total > log->merged_capacity) {
        event_record *grown = realloc(log->merged, total * sizeof *grown);
        if (grown == NULL)
            return ATTUNE_ERR_NOMEM;
        log->merged = grown;
        log->merged_capacity = total;
    }
    event_record *all = log->merged;
    size_t k = 0;
    for (int t = 0; t < log->threads; t++) {
        if (log->per_thread[t].count == 0)
            continue;
        memcpy(all + k, log->per_thread[t].items, log->per_thread[t].count * sizeof *all);
        k += log->per_thread[t].count;
    }
    qsort(all, total, sizeof *all, record_order);
    if (total > log->week_capacity) {
        attune_event *ev = realloc(log->week_events, total * sizeof *ev);
        if (ev == NULL)
            return ATTUNE_ERR_NOMEM;
        log->week_events = ev;
        log->week_capacity = total;
    }
    for (size_t i = 0; i < total; i++) {
        log->week_events[i] = all[i].event;
        if (all[i].owned)
            log->week_events[i].detail = all[i].text;
    }
    log->week_count = total;
    return ATTUNE_OK;
}
