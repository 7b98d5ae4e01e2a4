/* A progress bar on stderr, drawn at most ten times a second. */
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "engine/clock.h"

double now_seconds(void)
{
    return monotonic_seconds();
}

void progress_start(progress *p, int32_t total_weeks, int enabled)
{
    progress_start_units(p, total_weeks, enabled, "week");
}

void progress_start_units(progress *p, int32_t total, int enabled, const char *unit)
{
    p->unit = unit;
    p->note[0] = '\0';
    p->enabled = enabled;
    p->total = total;
    p->total = total;
    p->started = now_seconds();
    p->last_draw = 0;
}

static void format_duration(double s, char *buf, size_t size)
{
    if (s < 60)
        snprintf(buf, size, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, size, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

void progress_update(progress *p, int32_t week)
{
    if (!p->enabled)
        return;
    double now = now_seconds();
    if (week < p->total && now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    double elapsed = now - p->started;
    double rate = elapsed > 0 ? week / elapsed : 0;
    double left = rate > 0 ? (p->total - week) / rate : 0;
    int width = 30;
    int filled = p->total > 0 ? (int)((double)week / p->total * width) : width;
    char bar[64];
    for (int k = 0; k < width; k++)
        bar[k] = k < filled ? '#' : '.';
    bar[width] = '\0';
    char eta[32];
    format_duration(left, eta, sizeof eta);
    if (rate >= 0.1 || week == 0)
        fprintf(stderr, "\r[%s] %s %d/%d%s  %.1f %ss/s  %s left   ", bar, p->unit, week, p->total,
                p->note, rate, p->unit, eta);
    else
        fprintf(stderr, "\r[%s] %s %d/%d%s  %.2f %ss/min  %s left   ", bar, p->unit, week, p->total,
                p->note, rate * 60, p->unit, eta);
    fflush(stderr);
}

void progress_finish(progress *p)
{
    if (p->enabled) {
        fprintf(stderr, "\n");
        fflush(stderr);
    }
}
