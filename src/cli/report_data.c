/*
 * Reading a run folder into the aggregates of the report (see report.h and, for what each
 * file must hold, docs/outputs.md "What the report reads"). Files are streamed a line at a
 * time, so the report of a large run needs memory in proportion to its people, not its events.
 */
#include <dirent.h>
#include <errno.h>
#include <igraph.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/report.h"

const char *const report_band_names[REPORT_BANDS] = {"0-11", "12-17", "18-34", "35-54", "55+"};
const char *const report_dose_names[REPORT_DOSE] = {"1-2", "3-5", "6-10", "11-20", "21+"};

#define WEEKS_A_YEAR       52
#define MAX_PERSON_ID      1000000000u /* ids above this are taken as damage and skipped */
#define MAX_TEXT_BYTES     (64u << 20) /* manifest, claims and validation files */
#define GRADIENT_MIN_YEARS 10.0        /* age at the end of the run for the ACE gradient */

static void say(char *msg, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *msg, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, size, fmt, ap);
    va_end(ap);
}

/* Year of a week: weeks 1..52 are year 0 (week 0, the initial state, too). */
static size_t year_of(const report_data *d, int32_t week)
{
    size_t y = week <= 0 ? 0 : (size_t)(week - 1) / WEEKS_A_YEAR;
    return y < d->years ? y : d->years - 1;
}

/* Reads a whole (text) file; NULL with errno set when it cannot. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *text = NULL;
    size_t len = 0, cap = 0;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            size_t c = cap ? cap * 2 : sizeof chunk * 2;
            while (c < len + n + 1)
                c *= 2;
            char *t = c <= MAX_TEXT_BYTES ? realloc(text, c) : NULL;
            if (t == NULL) {
                free(text);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            text = t;
            cap = c;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        errno = EIO;
        return NULL;
    }
    if (text == NULL && (text = malloc(1)) == NULL)
        return NULL;
    text[len] = '\0';
    return text;
}

static void chomp(char *line)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
}

/* Splits a CSV line (no quoting: attune writes none) into at most `max` fields in place. */
static size_t split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *c = strchr(p, ',');
        if (c == NULL)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int join_path(char *out, size_t size, const char *dir, const char *name)
{
    return snprintf(out, size, "%s/%s", dir, name) < (int)size ? 0 : -1;
}

/* ---------------------------------------------------------------------------------------- */
/* metrics.csv                                                                                */

static int read_metrics(const char *path, report_data *d, char *msg, size_t msg_size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        say(msg, msg_size, "%s: cannot open: %s", path, strerror(errno));
        return REPORT_ERR_INPUT;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = REPORT_OK;
    double *rows = NULL;
    size_t n_rows = 0, rows_cap = 0;
    char *fields[256];
    if (getline(&line, &cap, f) < 0) {
        say(msg, msg_size, "%s is empty (the run did not finish writing it)", path);
        rc = REPORT_ERR_INPUT;
        goto out;
    }
    chomp(line);
    size_t cols = split(line, fields, 256);
    if (cols < 2 || strcmp(fields[0], "week") != 0) {
        say(msg, msg_size, "%s: the first line is not a metrics header (week,...)", path);
        rc = REPORT_ERR_INPUT;
        goto out;
    }
    d->metric_names = calloc(cols, sizeof *d->metric_names);
    if (d->metric_names == NULL) {
        rc = REPORT_ERR_NOMEM;
        goto out;
    }
    d->metric_cols = cols;
    for (size_t c = 0; c < cols; c++)
        if ((d->metric_names[c] = strdup(fields[c])) == NULL) {
            rc = REPORT_ERR_NOMEM;
            goto out;
        }
    long line_no = 1;
    while (getline(&line, &cap, f) >= 0) {
        line_no++;
        chomp(line);
        if (line[0] == '\0')
            continue;
        size_t n = split(line, fields, 256);
        if (n != cols) {
            say(msg, msg_size, "%s:%ld: %zu values, the header has %zu", path, line_no, n, cols);
            rc = REPORT_ERR_INPUT;
            goto out;
        }
        if (n_rows == rows_cap) {
            rows_cap = rows_cap ? rows_cap * 2 : 1024;
            double *r = realloc(rows, rows_cap * cols * sizeof *r);
            if (r == NULL) {
                rc = REPORT_ERR_NOMEM;
                goto out;
            }
            rows = r;
        }
        for (size_t c = 0; c < cols; c++) {
            char *end;
            double v = strtod(fields[c], &end);
            rows[n_rows * cols + c] = end == fields[c] ? NAN : v;
        }
        n_rows++;
    }
    if (ferror(f)) {
        say(msg, msg_size, "%s: read error: %s", path, strerror(errno));
        rc = REPORT_ERR_INPUT;
        goto out;
    }
    if (n_rows == 0) {
        say(msg, msg_size, "%s has no rows (the run wrote no week)", path);
        rc = REPORT_ERR_INPUT;
        goto out;
    }
    d->last_week = (int32_t)rows[(n_rows - 1) * cols];
    /* Keep at most REPORT_MAX_ROWS rows, evenly spread, always the first and the last. */
    size_t stride = (n_rows + REPORT_MAX_ROWS - 2) / (REPORT_MAX_ROWS - 1);
    if (stride < 1)
        stride = 1;
    size_t kept = 0;
    for (size_t r = 0; r < n_rows; r++)
        if (r % stride == 0 || r == n_rows - 1)
            memmove(rows + kept++ * cols, rows + r * cols, cols * sizeof *rows);
    d->metrics = rows;
    d->metric_rows = kept;
    rows = NULL;
out:
    free(rows);
    free(line);
    fclose(f);
    return rc;
}

int report_metric_column(const report_data *d, const char *name)
{
    for (size_t c = 0; c < d->metric_cols; c++)
        if (strcmp(d->metric_names[c], name) == 0)
            return (int)c;
    return -1;
}

/* ---------------------------------------------------------------------------------------- */
/* events.csv                                                                                 */

enum { PERSON_BORN = 1, PERSON_DIED = 2, PERSON_COPED = 4, PERSON_DISTRESSED = 8 };

typedef struct person_record {
    int32_t birth_week;
    uint8_t ace;    /* highest ACE count reported */
    uint8_t flags;  /* PERSON_* */
    int16_t coping; /* coping onsets minus ends */
} person_record;

typedef struct therapy_state {
    double start_wellbeing, first_wellbeing, last_wellbeing, alliance_sum;
    uint32_t sessions, alliance_n;
    int active;
} therapy_state;

typedef struct event_reader {
    report_data *d;
    person_record *people;
    therapy_state *therapy;
    size_t capacity; /* of people (and of therapy once allocated) */
    double *wait_diff, *in_diff;
    size_t weeks; /* length of the weekly arrays: last_week + 2 */
    int referrals;
    report_course *courses;
    size_t course_n, course_cap;
} event_reader;

static int grow_people(event_reader *r, uint64_t id)
{
    if (id < r->capacity)
        return 0;
    size_t cap = r->capacity ? r->capacity : 4096;
    while (cap <= id)
        cap *= 2;
    person_record *p = realloc(r->people, cap * sizeof *p);
    if (p == NULL)
        return -1;
    memset(p + r->capacity, 0, (cap - r->capacity) * sizeof *p);
    r->people = p;
    if (r->therapy != NULL) {
        therapy_state *t = realloc(r->therapy, cap * sizeof *t);
        if (t == NULL)
            return -1;
        memset(t + r->capacity, 0, (cap - r->capacity) * sizeof *t);
        r->therapy = t;
    }
    r->capacity = cap;
    return 0;
}

static int count_type(report_data *d, const char *type, size_t year)
{
    size_t t = 0;
    while (t < d->type_count && strcmp(d->type_names[t], type) != 0)
        t++;
    if (t == d->type_count) {
        if (d->type_count == REPORT_MAX_TYPES)
            t = REPORT_MAX_TYPES - 1; /* the last slot gathers the rest */
        else {
            snprintf(d->type_names[t], sizeof d->type_names[t], "%s",
                     t == REPORT_MAX_TYPES - 1 ? "other" : type);
            d->type_count++;
        }
    }
    d->type_year[t * d->years + year]++;
    return 0;
}

static int therapy_begin(event_reader *r)
{
    if (r->therapy != NULL)
        return 0;
    r->therapy = calloc(r->capacity ? r->capacity : 1, sizeof *r->therapy);
    report_data *d = r->d;
    d->in_therapy = calloc(r->weeks, sizeof *d->in_therapy);
    d->sessions = calloc(r->weeks, sizeof *d->sessions);
    r->wait_diff = calloc(r->weeks, sizeof *r->wait_diff);
    r->in_diff = calloc(r->weeks, sizeof *r->in_diff);
    return r->therapy && d->in_therapy && d->sessions && r->wait_diff && r->in_diff ? 0 : -1;
}

/* Number after "key=" in an event's detail, or NAN. */
static double detail_number(const char *detail, const char *key)
{
    const char *p = strstr(detail, key);
    if (p == NULL)
        return NAN;
    p += strlen(key);
    char *end;
    double v = strtod(p, &end);
    return end == p ? NAN : v;
}

static size_t dose_bucket(uint32_t sessions)
{
    return sessions <= 2 ? 0 : sessions <= 5 ? 1 : sessions <= 10 ? 2 : sessions <= 20 ? 3 : 4;
}

static int course_end(event_reader *r, therapy_state *s, const char *reason)
{
    report_data *d = r->d;
    double base = isnan(s->start_wellbeing) ? s->first_wellbeing : s->start_wellbeing;
    double change = isnan(base) || isnan(s->last_wellbeing) ? NAN : s->last_wellbeing - base;
    d->courses++;
    if (s->sessions > 0 && !isnan(change)) {
        size_t b = dose_bucket(s->sessions);
        d->dose_n[b]++;
        d->dose_sum[b] += change;
        d->dose_sumsq[b] += change * change;
        if (r->course_n == r->course_cap) {
            r->course_cap = r->course_cap ? r->course_cap * 2 : 256;
            report_course *c = realloc(r->courses, r->course_cap * sizeof *c);
            if (c == NULL)
                return -1;
            r->courses = c;
        }
        report_course *c = &r->courses[r->course_n++];
        c->sessions = s->sessions;
        c->change = change;
        c->alliance = s->alliance_n ? s->alliance_sum / s->alliance_n : NAN;
    }
    /* The reason: the detail up to the first space or semicolon. */
    char name[40];
    size_t k = 0;
    while (reason[k] && reason[k] != ' ' && reason[k] != ';' && k + 1 < sizeof name) {
        name[k] = reason[k];
        k++;
    }
    name[k] = '\0';
    if (k == 0)
        snprintf(name, sizeof name, "unspecified");
    size_t q = 0;
    while (q < d->reason_count && strcmp(d->reason_names[q], name) != 0)
        q++;
    if (q == d->reason_count && d->reason_count < REPORT_MAX_REASONS)
        snprintf(d->reason_names[d->reason_count++], sizeof d->reason_names[0], "%s", name);
    if (q < d->reason_count)
        d->reason_n[q]++;
    memset(s, 0, sizeof *s);
    return 0;
}

static int therapy_event(event_reader *r, const char *type, int32_t week, uint64_t person,
                         double value, const char *detail)
{
    if (therapy_begin(r) != 0)
        return -1;
    report_data *d = r->d;
    therapy_state *s = &r->therapy[person];
    size_t w = week < 0 ? 0 : (size_t)week < r->weeks ? (size_t)week : r->weeks - 1;
    d->therapy_events++;
    if (strcmp(type, "therapy_referral") == 0) {
        r->referrals = 1;
        r->wait_diff[w] += 1;
    } else if (strcmp(type, "therapy_start") == 0) {
        r->wait_diff[w] -= 1;
        if (!s->active)
            r->in_diff[w] += 1;
        memset(s, 0, sizeof *s);
        s->active = 1;
        s->start_wellbeing = value;
        s->first_wellbeing = s->last_wellbeing = NAN;
    } else if (strcmp(type, "therapy_session") == 0) {
        if (!s->active) { /* a session without a start: the course starts here */
            r->in_diff[w] += 1;
            memset(s, 0, sizeof *s);
            s->active = 1;
            s->start_wellbeing = s->first_wellbeing = NAN;
        }
        d->sessions[w] += 1;
        s->sessions++;
        if (isnan(s->first_wellbeing))
            s->first_wellbeing = value;
        s->last_wellbeing = value;
        double a = detail_number(detail, "alliance=");
        if (!isnan(a)) {
            s->alliance_sum += a;
            s->alliance_n++;
        }
        if (detail_number(detail, "rupture=") > 0)
            d->ruptures++;
        if (detail_number(detail, "repaired=") > 0)
            d->repairs++;
    } else if (strcmp(type, "therapy_end") == 0) {
        if (s->active) {
            r->in_diff[w] -= 1;
            if (course_end(r, s, detail) != 0)
                return -1;
        }
    }
    return 0;
}

static int read_events(const char *path, report_data *d, char *msg, size_t msg_size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        say(msg, msg_size, "%s: cannot open: %s", path, strerror(errno));
        return REPORT_ERR_INPUT;
    }
    event_reader r = {0};
    r.d = d;
    r.weeks = (size_t)(d->last_week < 0 ? 0 : d->last_week) + 2;
    char *line = NULL;
    size_t cap = 0;
    int rc = REPORT_OK;
    d->type_year = calloc((size_t)REPORT_MAX_TYPES * d->years, sizeof *d->type_year);
    d->infant_year = calloc(d->years * REPORT_CLASSES, sizeof *d->infant_year);
    if (d->type_year == NULL || d->infant_year == NULL) {
        rc = REPORT_ERR_NOMEM;
        goto out;
    }
    if (getline(&line, &cap, f) < 0 || strncmp(line, "week,type,person,other,value,detail", 35)) {
        say(msg, msg_size,
            "%s: the first line is not the events header "
            "(week,type,person,other,value,detail)",
            path);
        rc = REPORT_ERR_INPUT;
        goto out;
    }
    while (getline(&line, &cap, f) >= 0) {
        chomp(line);
        char *fields[6];
        /* The detail is the rest of the line. */
        size_t n = split(line, fields, 6);
        if (n < 5)
            continue;
        char *end;
        long week = strtol(fields[0], &end, 10);
        unsigned long long person = strtoull(fields[2], NULL, 10);
        double value = strtod(fields[4], NULL);
        const char *type = fields[1];
        const char *detail = n == 6 ? fields[5] : "";
        if (end == fields[0] || person > MAX_PERSON_ID || week < 0 || week > 10000000)
            continue;
        d->events++;
        size_t year = year_of(d, (int32_t)week);
        count_type(d, type, year);
        if (grow_people(&r, person) != 0) {
            rc = REPORT_ERR_NOMEM;
            goto out;
        }
        person_record *p = &r.people[person];
        if (strcmp(type, "ace") == 0) {
            if (value > p->ace)
                p->ace = (uint8_t)(value > 255 ? 255 : value);
        } else if (strcmp(type, "birth") == 0) {
            p->flags |= PERSON_BORN;
            p->birth_week = (int32_t)week;
        } else if (strcmp(type, "death") == 0) {
            p->flags |= PERSON_DIED;
        } else if (strcmp(type, "coping_onset") == 0) {
            p->flags |= PERSON_COPED;
            p->coping++;
        } else if (strcmp(type, "distress_onset") == 0) {
            p->flags |= PERSON_DISTRESSED;
        } else if (strcmp(type, "coping_end") == 0) {
            p->coping--;
        } else if (strcmp(type, "infant_assessment") == 0) {
            if (value >= 0 && value < REPORT_CLASSES)
                d->infant_year[year * REPORT_CLASSES + (size_t)value]++;
        } else if (strncmp(type, "therapy_", 8) == 0) {
            if (therapy_event(&r, type, (int32_t)week, person, value, detail) != 0) {
                rc = REPORT_ERR_NOMEM;
                goto out;
            }
        }
    }
    if (ferror(f)) {
        say(msg, msg_size, "%s: read error: %s", path, strerror(errno));
        rc = REPORT_ERR_INPUT;
        goto out;
    }
    /* The ACE gradient: people born in the run, alive at its end and 10 or more by then. */
    for (size_t i = 0; i < r.capacity; i++) {
        const person_record *p = &r.people[i];
        if (!(p->flags & PERSON_BORN) || (p->flags & PERSON_DIED) ||
            (d->last_week - p->birth_week) / 52.1775 < GRADIENT_MIN_YEARS)
            continue;
        size_t b = p->ace < REPORT_ACE_BUCKETS ? p->ace : REPORT_ACE_BUCKETS - 1;
        d->ace_n[b]++;
        d->ace_ever[b] += (p->flags & PERSON_COPED) != 0;
        d->ace_now[b] += p->coping > 0;
        d->ace_distress[b] += (p->flags & PERSON_DISTRESSED) != 0;
    }
    if (r.therapy != NULL) {
        double wait = 0, in = 0;
        if (r.referrals && (d->waitlist = calloc(r.weeks, sizeof *d->waitlist)) == NULL) {
            rc = REPORT_ERR_NOMEM;
            goto out;
        }
        for (size_t w = 0; w < r.weeks; w++) {
            wait += r.wait_diff[w];
            in += r.in_diff[w];
            if (d->waitlist)
                d->waitlist[w] = wait > 0 ? wait : 0;
            d->in_therapy[w] = in;
        }
        /* Keep at most REPORT_MAX_POINTS courses, evenly spread, for the scatter plots. */
        size_t stride = (r.course_n + REPORT_MAX_POINTS - 1) / REPORT_MAX_POINTS;
        if (stride < 1)
            stride = 1;
        for (size_t k = 0; k < r.course_n; k += stride)
            r.courses[d->course_kept++] = r.courses[k];
        d->course = r.courses;
        r.courses = NULL;
    }
out:
    free(line);
    fclose(f);
    free(r.people);
    free(r.therapy);
    free(r.wait_diff);
    free(r.in_diff);
    free(r.courses);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* panel.csv                                                                                  */

static int class_index(const char *name)
{
    static const char *const child[REPORT_CLASSES] = {"secure", "avoidant", "resistant",
                                                      "disorganized"};
    static const char *const adult[REPORT_CLASSES] = {"secure", "dismissing", "preoccupied",
                                                      "unresolved"};
    for (int c = 0; c < REPORT_CLASSES; c++)
        if (strcmp(name, child[c]) == 0 || strcmp(name, adult[c]) == 0)
            return c;
    return -1;
}

static size_t band_of(double age)
{
    return age < 12 ? 0 : age < 18 ? 1 : age < 35 ? 2 : age < 55 ? 3 : 4;
}

static int add_wave(report_data *d, int32_t week)
{
    size_t n = d->waves + 1;
    int32_t *ww = realloc(d->wave_week, n * sizeof *ww);
    if (ww == NULL)
        return -1;
    d->wave_week = ww;
    uint64_t **arrays[] = {&d->wave_n, &d->wave_with_toxic, &d->wave_toxic, &d->wave_degree,
                           &d->wave_ruptured};
    for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++) {
        uint64_t *a = realloc(*arrays[k], n * sizeof *a);
        if (a == NULL)
            return -1;
        a[n - 1] = 0;
        *arrays[k] = a;
    }
    size_t per = (size_t)REPORT_BANDS * REPORT_CLASSES;
    uint64_t *bc = realloc(d->band_class, n * per * sizeof *bc);
    if (bc == NULL)
        return -1;
    memset(bc + (n - 1) * per, 0, per * sizeof *bc);
    d->band_class = bc;
    ww[n - 1] = week;
    d->waves = n;
    return 0;
}

static int read_panel(const char *path, report_data *d, char *note, size_t note_size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        say(note, note_size,
            "this run has no panel.csv (output.panel_fraction = 0, or a run "
            "made before the panel existed)");
        return REPORT_OK;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = REPORT_OK;
    enum { C_WEEK, C_AGE, C_CHILD, C_ADULT, C_DEGREE, C_TOXIC, C_RUPTURED, C_COUNT };
    static const char *const wanted[C_COUNT] = {
        "week", "age", "child_class", "adult_class", "degree", "toxic_ties", "ruptured_ties"};
    int col[C_COUNT];
    char *fields[512];
    size_t n_cols = 0;
    if (getline(&line, &cap, f) >= 0) {
        chomp(line);
        n_cols = split(line, fields, 512);
    }
    for (int k = 0; k < C_COUNT; k++) {
        col[k] = -1;
        for (size_t c = 0; c < n_cols; c++)
            if (strcmp(fields[c], wanted[k]) == 0)
                col[k] = (int)c;
        if (col[k] < 0) {
            say(note, note_size, "panel.csv has no column '%s'; the panel is left out", wanted[k]);
            goto out;
        }
    }
    while (getline(&line, &cap, f) >= 0) {
        chomp(line);
        size_t n = split(line, fields, 512);
        if (n != n_cols)
            continue;
        int32_t week = (int32_t)strtol(fields[col[C_WEEK]], NULL, 10);
        if (d->waves == 0 || d->wave_week[d->waves - 1] != week) {
            if (add_wave(d, week) != 0) {
                rc = REPORT_ERR_NOMEM;
                goto out;
            }
        }
        size_t w = d->waves - 1;
        double age = strtod(fields[col[C_AGE]], NULL);
        int cls = class_index(fields[age < 18 ? col[C_CHILD] : col[C_ADULT]]);
        if (cls >= 0)
            d->band_class[(w * REPORT_BANDS + band_of(age)) * REPORT_CLASSES + (size_t)cls]++;
        uint64_t toxic = strtoull(fields[col[C_TOXIC]], NULL, 10);
        d->wave_n[w]++;
        d->wave_with_toxic[w] += toxic > 0;
        d->wave_toxic[w] += toxic;
        d->wave_degree[w] += strtoull(fields[col[C_DEGREE]], NULL, 10);
        d->wave_ruptured[w] += strtoull(fields[col[C_RUPTURED]], NULL, 10);
        d->panel_rows++;
    }
    d->has_panel = d->panel_rows > 0;
    if (!d->has_panel)
        say(note, note_size, "panel.csv has no rows");
out:
    free(line);
    fclose(f);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* network-sample.graphml, through igraph                                                     */

static double vertex_number(const igraph_t *g, const char *name, igraph_integer_t v)
{
    return igraph_cattribute_has_attr(g, IGRAPH_ATTRIBUTE_VERTEX, name)
               ? (double)igraph_cattribute_VAN(g, name, v)
               : NAN;
}

static double edge_number(const igraph_t *g, const char *name, igraph_integer_t e)
{
    return igraph_cattribute_has_attr(g, IGRAPH_ATTRIBUTE_EDGE, name)
               ? (double)igraph_cattribute_EAN(g, name, e)
               : NAN;
}

static int read_network(const char *path, report_data *d, char *note, size_t note_size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        say(note, note_size,
            "this run has no network-sample.graphml (output.network_egos = 0, "
            "or a run made before the sample existed)");
        return REPORT_OK;
    }
    igraph_attribute_table_t *old_table = igraph_set_attribute_table(&igraph_cattribute_table);
    igraph_error_handler_t *old_handler = igraph_set_error_handler(igraph_error_handler_ignore);
    igraph_t g;
    int rc = REPORT_OK;
    if (igraph_read_graph_graphml(&g, f, 0) != IGRAPH_SUCCESS) {
        say(note, note_size, "network-sample.graphml could not be read as GraphML");
        goto out;
    }
    igraph_integer_t nv = igraph_vcount(&g), ne = igraph_ecount(&g);
    d->network_nodes_total = (uint64_t)nv;
    size_t keep = (size_t)nv < REPORT_MAX_NODES ? (size_t)nv : REPORT_MAX_NODES;
    d->nodes = calloc(keep ? keep : 1, sizeof *d->nodes);
    d->edges = calloc(ne ? (size_t)ne : 1, sizeof *d->edges);
    if (d->nodes == NULL || d->edges == NULL) {
        rc = REPORT_ERR_NOMEM;
        goto out_graph;
    }
    int has_class = igraph_cattribute_has_attr(&g, IGRAPH_ATTRIBUTE_VERTEX, "adult_class");
    int has_kind = igraph_cattribute_has_attr(&g, IGRAPH_ATTRIBUTE_EDGE, "kind_at_source");
    for (size_t v = 0; v < keep; v++) {
        report_node *n = &d->nodes[v];
        igraph_integer_t iv = (igraph_integer_t)v;
        double person = vertex_number(&g, "person", iv);
        n->person = isnan(person) ? (uint32_t)v : (uint32_t)person;
        n->ego = vertex_number(&g, "ego", iv) > 0;
        n->security = vertex_number(&g, "security", iv);
        n->age = vertex_number(&g, "age", iv);
        n->wellbeing = vertex_number(&g, "wellbeing", iv);
        n->coping = vertex_number(&g, "coping", iv);
        snprintf(n->adult_class, sizeof n->adult_class, "%s",
                 has_class ? igraph_cattribute_VAS(&g, "adult_class", iv) : "");
    }
    d->node_count = keep;
    for (igraph_integer_t e = 0; e < ne; e++) {
        igraph_integer_t from, to;
        igraph_edge(&g, e, &from, &to);
        if ((size_t)from >= keep || (size_t)to >= keep)
            continue;
        report_edge *x = &d->edges[d->edge_count++];
        x->source = (uint32_t)from;
        x->target = (uint32_t)to;
        x->toxic = edge_number(&g, "toxic", e) > 0;
        x->ruptured = edge_number(&g, "ruptured", e) > 0;
        x->trust = edge_number(&g, "trust", e);
        x->harm = edge_number(&g, "harm", e);
        snprintf(x->kind, sizeof x->kind, "%s",
                 has_kind ? igraph_cattribute_EAS(&g, "kind_at_source", e) : "");
    }
    d->has_network = d->node_count > 0;
    if (!d->has_network)
        say(note, note_size, "network-sample.graphml has no nodes");
out_graph:
    igraph_destroy(&g);
out:
    fclose(f);
    igraph_set_error_handler(old_handler);
    igraph_set_attribute_table(old_table);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folder's files and their sizes, a line each, sorted by name. */
static char *list_files(const char *dir)
{
    DIR *dp = opendir(dir);
    if (dp == NULL)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int failed = 0;
    while ((e = readdir(dp)) != NULL && !failed) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **t = realloc(names, cap * sizeof *t);
            if (t == NULL) {
                failed = 1;
                break;
            }
            names = t;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            failed = 1;
        else
            n++;
    }
    closedir(dp);
    char *text = NULL;
    size_t len = 0;
    if (!failed) {
        qsort(names, n, sizeof *names, compare_names);
        size_t size = 1;
        for (size_t k = 0; k < n; k++)
            size += strlen(names[k]) + 32;
        text = malloc(size);
        if (text != NULL) {
            text[0] = '\0';
            for (size_t k = 0; k < n; k++) {
                char path[4200];
                struct stat st;
                long long bytes = -1;
                if (join_path(path, sizeof path, dir, names[k]) == 0 && stat(path, &st) == 0)
                    bytes = S_ISDIR(st.st_mode) ? -1 : (long long)st.st_size;
                len += (size_t)snprintf(text + len, size - len, "%s\t%lld\n", names[k], bytes);
            }
        }
    }
    for (size_t k = 0; k < n; k++)
        free(names[k]);
    free(names);
    return text;
}

/* Required files: their absence names the file and says what to do. */
static int need_file(const char *dir, const char *name, char *msg, size_t msg_size)
{
    char path[4200], partial[4300];
    struct stat st;
    if (join_path(path, sizeof path, dir, name) != 0) {
        say(msg, msg_size, "%s: path too long", dir);
        return REPORT_ERR_INPUT;
    }
    if (stat(path, &st) == 0)
        return REPORT_OK;
    snprintf(partial, sizeof partial, "%s.partial", path);
    if (stat(partial, &st) == 0)
        say(msg, msg_size,
            "%s: the run is incomplete: %s is missing (only %s.partial exists; the run was "
            "killed or is still going: finish it with attune run --resume %s)",
            dir, name, name, dir);
    else
        say(msg, msg_size, "%s: not a complete run folder: %s is missing", dir, name);
    return REPORT_ERR_INPUT;
}

int report_data_read(const char *run_dir, report_data *d, char *msg, size_t msg_size)
{
    memset(d, 0, sizeof *d);
    struct stat st;
    if (stat(run_dir, &st) != 0) {
        say(msg, msg_size, "%s: no such run folder", run_dir);
        return REPORT_ERR_INPUT;
    }
    if (!S_ISDIR(st.st_mode)) {
        say(msg, msg_size, "%s: not a folder (give the run folder, e.g. runs/DATE-TIME-seed1)",
            run_dir);
        return REPORT_ERR_INPUT;
    }
    static const char *const required[] = {"metrics.csv", "events.csv", "manifest.json"};
    for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
        int rc = need_file(run_dir, required[k], msg, msg_size);
        if (rc != REPORT_OK)
            return rc;
    }
    char path[4200];
    int rc = REPORT_OK;
    join_path(path, sizeof path, run_dir, "manifest.json");
    if ((d->manifest = read_text(path)) == NULL) {
        say(msg, msg_size, "%s: cannot read: %s", path, strerror(errno));
        return REPORT_ERR_INPUT;
    }
    join_path(path, sizeof path, run_dir, "metrics.csv");
    rc = read_metrics(path, d, msg, msg_size);
    if (rc != REPORT_OK)
        return rc;
    d->years = d->last_week <= 0 ? 1 : (size_t)(d->last_week - 1) / WEEKS_A_YEAR + 1;
    join_path(path, sizeof path, run_dir, "events.csv");
    rc = read_events(path, d, msg, msg_size);
    if (rc != REPORT_OK)
        return rc;
    join_path(path, sizeof path, run_dir, "panel.csv");
    rc = read_panel(path, d, d->panel_note, sizeof d->panel_note);
    if (rc != REPORT_OK)
        return rc;
    join_path(path, sizeof path, run_dir, "network-sample.graphml");
    rc = read_network(path, d, d->network_note, sizeof d->network_note);
    if (rc != REPORT_OK)
        return rc;
    /* Optional tables: attune claims --json > RUN/claims.json, attune validate --json. */
    join_path(path, sizeof path, run_dir, "claims.json");
    d->claims = read_text(path);
    join_path(path, sizeof path, run_dir, "validation.json");
    d->validation = read_text(path);
    d->files = list_files(run_dir);
    return REPORT_OK;
}

void report_data_free(report_data *d)
{
    for (size_t c = 0; c < d->metric_cols && d->metric_names; c++)
        free(d->metric_names[c]);
    free(d->metric_names);
    free(d->metrics);
    free(d->type_year);
    free(d->infant_year);
    free(d->waitlist);
    free(d->in_therapy);
    free(d->sessions);
    free(d->course);
    free(d->wave_week);
    free(d->band_class);
    free(d->wave_n);
    free(d->wave_with_toxic);
    free(d->wave_toxic);
    free(d->wave_degree);
    free(d->wave_ruptured);
    free(d->nodes);
    free(d->edges);
    free(d->manifest);
    free(d->claims);
    free(d->validation);
    free(d->files);
    memset(d, 0, sizeof *d);
}
