/*
 * The HTML report: report/report.html with its placeholders filled in: @@TITLE@@ (the run
 * folder), @@STYLE@@ (report.css), @@DATA@@ (the aggregates of report_data.c as JSON),
 * @@LIBS@@ (chart.js and cytoscape) and @@SCRIPT@@ (report.js, which draws everything).
 * The page loads nothing from anywhere: it works offline, as one file.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/report.h"
#include "cli/report_assets.h"
#include "engine/scenario_internal.h"
#include "io/atomic_file.h"

/* ---------------------------------------------------------------------------------------- */
/* JSON, safe inside <script>: '<', '>' and '&' are escaped, so no "</script" can appear.     */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        case '<':
        case '>':
        case '&': fprintf(f, "\\u%04x", *c); break;
        default:
            if (*c < 0x20)
                fprintf(f, "\\u%04x", *c);
            else
                fputc(*c, f);
        }
    }
    fputc('"', f);
}

static void json_str_or_null(FILE *f, const char *s)
{
    if (s == NULL)
        fputs("null", f);
    else
        json_str(f, s);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

static void json_doubles(FILE *f, const double *v, size_t n)
{
    fputc('[', f);
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputc(',', f);
        json_num(f, v[k]);
    }
    fputc(']', f);
}

static void json_counts(FILE *f, const uint64_t *v, size_t n)
{
    fputc('[', f);
    for (size_t k = 0; k < n; k++)
        fprintf(f, "%s%llu", k ? "," : "", (unsigned long long)v[k]);
    fputc(']', f);
}

/* A weekly series thinned to at most REPORT_MAX_ROWS points (means over each stride). */
static void json_weekly(FILE *f, const char *name, const double *v, size_t weeks)
{
    size_t stride = (weeks + REPORT_MAX_ROWS - 1) / REPORT_MAX_ROWS;
    if (stride < 1)
        stride = 1;
    fprintf(f, "\"%s\":{\"stride\":%zu,\"values\":[", name, stride);
    for (size_t w = 0; w < weeks; w += stride) {
        double sum = 0;
        size_t n = 0;
        for (size_t k = w; k < w + stride && k < weeks; k++, n++)
            sum += v[k];
        if (w)
            fputc(',', f);
        json_num(f, sum / (double)n);
    }
    fputs("]}", f);
}

static void write_metrics(FILE *f, const report_data *d)
{
    fputs("\"metrics\":{", f);
    for (size_t c = 0; c < d->metric_cols; c++) {
        if (c)
            fputc(',', f);
        json_str(f, d->metric_names[c]);
        fputs(":[", f);
        for (size_t r = 0; r < d->metric_rows; r++) {
            if (r)
                fputc(',', f);
            json_num(f, d->metrics[r * d->metric_cols + c]);
        }
        fputc(']', f);
    }
    fputc('}', f);
}

static void write_events(FILE *f, const report_data *d)
{
    fprintf(f, ",\"years\":%zu,\"events\":{\"total\":%llu,\"types\":[", d->years,
            (unsigned long long)d->events);
    for (size_t t = 0; t < d->type_count; t++) {
        fputs(t ? ",{\"type\":" : "{\"type\":", f);
        json_str(f, d->type_names[t]);
        fputs(",\"per_year\":", f);
        json_counts(f, d->type_year + t * d->years, d->years);
        fputc('}', f);
    }
    fputs("]},\"infant\":[", f);
    for (size_t y = 0; y < d->years; y++) {
        if (y)
            fputc(',', f);
        json_counts(f, d->infant_year + y * REPORT_CLASSES, REPORT_CLASSES);
    }
    fputs("],\"ace\":{\"n\":", f);
    json_counts(f, d->ace_n, REPORT_ACE_BUCKETS);
    fputs(",\"ever\":", f);
    json_counts(f, d->ace_ever, REPORT_ACE_BUCKETS);
    fputs(",\"now\":", f);
    json_counts(f, d->ace_now, REPORT_ACE_BUCKETS);
    fputs(",\"distress\":", f);
    json_counts(f, d->ace_distress, REPORT_ACE_BUCKETS);
    fputc('}', f);
}

static void write_therapy(FILE *f, const report_data *d)
{
    fputs(",\"therapy\":", f);
    if (d->therapy_events == 0) {
        fputs("null", f);
        return;
    }
    size_t weeks = (size_t)(d->last_week < 0 ? 0 : d->last_week) + 1;
    fprintf(f, "{\"events\":%llu,\"courses\":%llu,\"ruptures\":%llu,\"repairs\":%llu,",
            (unsigned long long)d->therapy_events, (unsigned long long)d->courses,
            (unsigned long long)d->ruptures, (unsigned long long)d->repairs);
    if (d->waitlist != NULL) {
        json_weekly(f, "waitlist", d->waitlist, weeks);
        fputc(',', f);
    }
    json_weekly(f, "in_therapy", d->in_therapy, weeks);
    fputc(',', f);
    json_weekly(f, "sessions", d->sessions, weeks);
    fputs(",\"dose\":{\"n\":", f);
    json_counts(f, d->dose_n, REPORT_DOSE);
    double mean[REPORT_DOSE], se[REPORT_DOSE];
    for (size_t b = 0; b < REPORT_DOSE; b++) {
        double n = (double)d->dose_n[b];
        mean[b] = n > 0 ? d->dose_sum[b] / n : NAN;
        double var = n > 1 ? (d->dose_sumsq[b] - n * mean[b] * mean[b]) / (n - 1) : NAN;
        se[b] = n > 1 && var >= 0 ? sqrt(var / n) : NAN;
    }
    fputs(",\"mean\":", f);
    json_doubles(f, mean, REPORT_DOSE);
    fputs(",\"se\":", f);
    json_doubles(f, se, REPORT_DOSE);
    fputs("},\"points\":[", f);
    for (size_t k = 0; k < d->course_kept; k++) {
        fprintf(f, "%s[%u,", k ? "," : "", d->course[k].sessions);
        json_num(f, d->course[k].change);
        fputc(',', f);
        json_num(f, d->course[k].alliance);
        fputc(']', f);
    }
    fputs("],\"reasons\":[", f);
    for (size_t q = 0; q < d->reason_count; q++) {
        fputs(q ? ",[" : "[", f);
        json_str(f, d->reason_names[q]);
        fprintf(f, ",%llu]", (unsigned long long)d->reason_n[q]);
    }
    fputs("]}", f);
}

static void write_panel(FILE *f, const report_data *d)
{
    fputs(",\"panel\":", f);
    if (!d->has_panel) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"rows\":%llu,\"weeks\":[", (unsigned long long)d->panel_rows);
    for (size_t w = 0; w < d->waves; w++)
        fprintf(f, "%s%d", w ? "," : "", d->wave_week[w]);
    fputs("],\"classes\":[", f);
    for (size_t w = 0; w < d->waves; w++) {
        fputs(w ? ",[" : "[", f);
        for (size_t b = 0; b < REPORT_BANDS; b++) {
            if (b)
                fputc(',', f);
            json_counts(f, d->band_class + (w * REPORT_BANDS + b) * REPORT_CLASSES, REPORT_CLASSES);
        }
        fputc(']', f);
    }
    fputs("],\"n\":", f);
    json_counts(f, d->wave_n, d->waves);
    fputs(",\"with_toxic\":", f);
    json_counts(f, d->wave_with_toxic, d->waves);
    fputs(",\"toxic\":", f);
    json_counts(f, d->wave_toxic, d->waves);
    fputs(",\"degree\":", f);
    json_counts(f, d->wave_degree, d->waves);
    fputs(",\"ruptured\":", f);
    json_counts(f, d->wave_ruptured, d->waves);
    fputc('}', f);
}

static void write_network(FILE *f, const report_data *d)
{
    fputs(",\"network\":", f);
    if (!d->has_network) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"total_nodes\":%llu,\"nodes\":[", (unsigned long long)d->network_nodes_total);
    for (size_t v = 0; v < d->node_count; v++) {
        const report_node *n = &d->nodes[v];
        fprintf(f, "%s[%u,%d,", v ? "," : "", n->person, n->ego);
        json_num(f, n->security);
        fputc(',', f);
        json_num(f, n->age);
        fputc(',', f);
        json_num(f, n->wellbeing);
        fputc(',', f);
        json_num(f, n->coping);
        fputc(',', f);
        json_str(f, n->adult_class);
        fputc(']', f);
    }
    fputs("],\"edges\":[", f);
    for (size_t e = 0; e < d->edge_count; e++) {
        const report_edge *x = &d->edges[e];
        fprintf(f, "%s[%u,%u,%d,%d,", e ? "," : "", x->source, x->target, x->toxic, x->ruptured);
        json_num(f, x->trust);
        fputc(',', f);
        json_num(f, x->harm);
        fputc(',', f);
        json_str(f, x->kind);
        fputc(']', f);
    }
    fputs("]}", f);
}

static void write_params(FILE *f)
{
    fputs(",\"params\":[", f);
    for (size_t i = 0; i < attune_param_count(); i++) {
        const attune_param_info *p = attune_param_at(i);
        char value[64];
        attune_param_format(p, p->default_value, value, sizeof value);
        fputs(i ? ",[" : "[", f);
        json_str(f, p->key);
        fputc(',', f);
        json_str(f, value);
        fputc(',', f);
        json_str(f, p->unit);
        fputc(',', f);
        json_str(f, p->doc);
        fputc(']', f);
    }
    fputc(']', f);
}

static void write_data(FILE *f, const report_data *d, const char *run_dir)
{
    fputc('{', f);
    fputs("\"run_dir\":", f);
    json_str(f, run_dir);
    fputs(",\"attune\":", f);
    char version[128];
    snprintf(version, sizeof version, "attune %s (commit %s)", attune_version(),
             attune_git_commit());
    json_str(f, version);
    fputc(',', f);
    write_metrics(f, d);
    write_events(f, d);
    write_therapy(f, d);
    write_panel(f, d);
    fputs(",\"panel_note\":", f);
    json_str(f, d->panel_note);
    write_network(f, d);
    fputs(",\"network_note\":", f);
    json_str(f, d->network_note);
    fputs(",\"manifest\":", f);
    json_str_or_null(f, d->manifest);
    fputs(",\"claims\":", f);
    json_str_or_null(f, d->claims);
    fputs(",\"validation\":", f);
    json_str_or_null(f, d->validation);
    fputs(",\"files\":", f);
    json_str_or_null(f, d->files);
    write_params(f);
    fputs("}", f);
}

/* ---------------------------------------------------------------------------------------- */

static void html_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static int put_asset(FILE *f, const char *name)
{
    const report_asset *a = report_asset_get(name);
    if (a == NULL)
        return -1;
    return fwrite(a->data, 1, a->size, f) == a->size ? 0 : -1;
}

/* Fills the placeholders of report.html. */
static int write_html(FILE *f, const report_data *d, const char *run_dir)
{
    const report_asset *t = report_asset_get("report.html");
    if (t == NULL)
        return -1;
    const char *s = (const char *)t->data, *end = s + t->size;
    while (s < end) {
        const char *at = memchr(s, '@', (size_t)(end - s));
        if (at == NULL || end - at < 4 || at[1] != '@') {
            size_t n = at == NULL ? (size_t)(end - s) : (size_t)(at - s) + 1;
            fwrite(s, 1, n, f);
            s += n;
            continue;
        }
        const char *name = at + 2;
        const char *close = strstr(name, "@@");
        if (close == NULL || close > end || close - name > 16) {
            fwrite(s, 1, (size_t)(name - s), f);
            s = name;
            continue;
        }
        fwrite(s, 1, (size_t)(at - s), f);
        size_t len = (size_t)(close - name);
        int rc = 0;
        if (len == 5 && memcmp(name, "TITLE", 5) == 0)
            html_escaped(f, run_dir);
        else if (len == 5 && memcmp(name, "STYLE", 5) == 0)
            rc = put_asset(f, "report.css");
        else if (len == 4 && memcmp(name, "DATA", 4) == 0)
            write_data(f, d, run_dir);
        else if (len == 4 && memcmp(name, "LIBS", 4) == 0) {
            fputs("<script>", f);
            rc = put_asset(f, "chart.js");
            fputs("</script>\n<script>", f);
            rc |= put_asset(f, "cytoscape.js");
            fputs("</script>", f);
        } else if (len == 6 && memcmp(name, "SCRIPT", 6) == 0)
            rc = put_asset(f, "report.js");
        else
            fwrite(at, 1, len + 4, f);
        if (rc != 0)
            return -1;
        s = close + 2;
    }
    return 0;
}

static void say(char *msg, size_t size, const char *what, const char *path, int e)
{
    if (snprintf(msg, size, "%s: %s: %s", path, what, strerror(e)) >= (int)size)
        msg[size - 1] = '\0'; /* a long path: the message is cut */
}

int report_write(const report_options *opt, report_result *res, char *msg, size_t msg_size)
{
    memset(res, 0, sizeof *res);
    msg[0] = '\0';
    report_data d;
    int rc = report_data_read(opt->run_dir, &d, msg, msg_size);
    if (rc != REPORT_OK) {
        if (rc == REPORT_ERR_NOMEM)
            snprintf(msg, msg_size, "%s: out of memory while reading the run", opt->run_dir);
        report_data_free(&d);
        return rc;
    }
    if (opt->out_path != NULL)
        snprintf(res->html_path, sizeof res->html_path, "%s", opt->out_path);
    else
        snprintf(res->html_path, sizeof res->html_path, "%s/report.html", opt->run_dir);
    atomic_file af;
    attune_error err = {0};
    if (atomic_open(&af, res->html_path, &err) != ATTUNE_OK) {
        snprintf(msg, msg_size, "%s: cannot write the report: %s", res->html_path, err.message);
        report_data_free(&d);
        return REPORT_ERR_OUTPUT;
    }
    if (write_html(af.f, &d, opt->run_dir) != 0) {
        atomic_abort(&af);
        snprintf(msg, msg_size, "%s: this attune was built without the report's files",
                 res->html_path);
        report_data_free(&d);
        return REPORT_ERR_OUTPUT;
    }
    if (atomic_commit(&af, &err) != ATTUNE_OK) {
        snprintf(msg, msg_size, "%s: cannot write the report: %s", res->html_path, err.message);
        report_data_free(&d);
        return REPORT_ERR_OUTPUT;
    }
    if (opt->figures) {
        char copy[4200];
        snprintf(copy, sizeof copy, "%s", res->html_path);
        snprintf(res->figures_dir, sizeof res->figures_dir, "%s/figures", dirname(copy));
        if (mkdir(res->figures_dir, 0777) != 0 && errno != EEXIST) {
            say(res->note, sizeof res->note, "cannot create the figures folder", res->figures_dir,
                errno);
            res->figures_dir[0] = '\0';
        } else {
            int n = report_figures_write(&d, res->figures_dir, res->note, sizeof res->note);
            res->figures_written = n > 0 ? n : 0;
            if (n <= 0) {
                rmdir(res->figures_dir); /* only if empty */
                res->figures_dir[0] = '\0';
            }
        }
    }
    report_data_free(&d);
    return REPORT_OK;
}

void report_remove(const char *run_dir)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/report.html", run_dir);
    unlink(path);
    size_t n;
    const char *const *names = report_figure_names(&n);
    for (size_t k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s/figures/%s", run_dir, names[k]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/figures", run_dir);
    rmdir(path);
}
