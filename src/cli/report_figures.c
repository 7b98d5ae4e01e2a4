/*
 * Static figures of the report for papers: SVG files drawn by gnuplot (Debian: gnuplot-nox)
 * from the same aggregates as the HTML. One gnuplot script holds every figure with its data
 * inline; each figure is written as NAME.svg.partial and renamed when gnuplot succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/report.h"

extern char **environ;

enum {
    FIG_WELLBEING,
    FIG_ATTACHMENT,
    FIG_ACE,
    FIG_RELATIONSHIPS,
    FIG_TOXIC,
    FIG_WAITLIST,
    FIG_DOSE,
    FIG_ALLIANCE,
    FIG_COUNT
};

static const char *const names[FIG_COUNT] = {
    "wellbeing.svg",  "attachment.svg",       "ace-coping.svg",   "relationships.svg",
    "toxic-ties.svg", "therapy-waitlist.svg", "therapy-dose.svg", "therapy-alliance.svg"};

const char *const *report_figure_names(size_t *count)
{
    *count = FIG_COUNT;
    return names;
}

/* Whether an executable `name` is on the PATH. */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        char full[4200];
        if (len > 0 && len < 4000) {
            snprintf(full, sizeof full, "%.*s/%s", (int)len, path, name);
            if (access(full, X_OK) == 0)
                return 1;
        }
        path += len + (colon ? 1 : 0);
    }
    return 0;
}

/* A gnuplot string literal of a path (double quotes, with " and \ escaped). */
static void gp_path(FILE *f, const char *dir, const char *name, const char *suffix)
{
    fputc('"', f);
    char full[4400];
    snprintf(full, sizeof full, "%s/%s%s", dir, name, suffix);
    for (const char *c = full; *c; c++) {
        if (*c == '"' || *c == '\\')
            fputc('\\', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

static void gp_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, " %.6g", v);
    else
        fputs(" NaN", f);
}

static void begin(FILE *f, const char *dir, int fig, const char *title, const char *xlabel,
                  const char *ylabel)
{
    fputs("reset\nset terminal svg size 900,520 dynamic noenhanced font 'sans,13' "
          "background rgb 'white'\nset output ",
          f);
    gp_path(f, dir, names[fig], ".partial");
    fprintf(f,
            "\nset title '%s'\nset xlabel '%s'\nset ylabel '%s'\nset grid\n"
            "set key outside right top\nset datafile missing 'NaN'\n",
            title, xlabel, ylabel);
}

static void end(FILE *f)
{
    fputs("unset output\n", f);
}

static double metric(const report_data *d, int col, size_t row)
{
    return col < 0 ? NAN : d->metrics[row * d->metric_cols + (size_t)col];
}

static int write_script(FILE *f, const report_data *d, const char *dir, int planned[FIG_COUNT])
{
    /* Well-being, distress and coping over time (metrics.csv). */
    int week = report_metric_column(d, "week");
    int cols[3] = {report_metric_column(d, "wellbeing_mean"),
                   report_metric_column(d, "distress_share"),
                   report_metric_column(d, "coping_share")};
    if (week >= 0 && (cols[0] >= 0 || cols[1] >= 0 || cols[2] >= 0)) {
        planned[FIG_WELLBEING] = 1;
        begin(f, dir, FIG_WELLBEING, "Well-being, distress and coping", "years",
              "mean or share of people");
        fputs("set yrange [0:1]\n$d << EOD\n", f);
        for (size_t r = 0; r < d->metric_rows; r++) {
            gp_num(f, metric(d, week, r) / 52.0);
            for (int k = 0; k < 3; k++)
                gp_num(f, metric(d, cols[k], r));
            fputc('\n', f);
        }
        fputs("EOD\nplot $d using 1:2 with lines lw 2 title 'well-being (mean)', "
              "$d using 1:3 with lines lw 2 title 'in a distress episode', "
              "$d using 1:4 with lines lw 2 title 'coping'\n",
              f);
        end(f);
    }
    /* Secure share by age band over the panel's waves. */
    if (d->has_panel) {
        planned[FIG_ATTACHMENT] = 1;
        begin(f, dir, FIG_ATTACHMENT, "Secure attachment by age band (panel)", "years",
              "share secure");
        fputs("set yrange [0:1]\n$d << EOD\n", f);
        for (size_t w = 0; w < d->waves; w++) {
            gp_num(f, d->wave_week[w] / 52.0);
            for (size_t b = 0; b < REPORT_BANDS; b++) {
                const uint64_t *c = d->band_class + (w * REPORT_BANDS + b) * REPORT_CLASSES;
                uint64_t n = c[0] + c[1] + c[2] + c[3];
                gp_num(f, n > 0 ? (double)c[0] / (double)n : NAN);
            }
            fputc('\n', f);
        }
        fputs("EOD\nplot ", f);
        for (size_t b = 0; b < REPORT_BANDS; b++)
            fprintf(f, "%s$d using 1:%zu with linespoints lw 2 title 'age %s'", b ? ", " : "",
                    b + 2, report_band_names[b]);
        fputc('\n', f);
        end(f);
    }
    /* The adverse-experience gradient of coping. */
    uint64_t ace_people = 0;
    for (size_t b = 0; b < REPORT_ACE_BUCKETS; b++)
        ace_people += d->ace_n[b];
    if (ace_people > 0) {
        planned[FIG_ACE] = 1;
        begin(f, dir, FIG_ACE,
              "Coping and distress by adverse childhood experiences (born in the run, 10+ at its "
              "end)",
              "adverse childhood experiences", "share of people");
        fputs("set yrange [0:*]\nset style data histograms\nset style histogram clustered gap 1\n"
              "set style fill solid 0.8 border -1\n$d << EOD\n",
              f);
        for (size_t b = 0; b < REPORT_ACE_BUCKETS; b++) {
            double n = (double)d->ace_n[b];
            fprintf(f, "\"%zu%s (n=%llu)\"", b, b + 1 == REPORT_ACE_BUCKETS ? "+" : "",
                    (unsigned long long)d->ace_n[b]);
            gp_num(f, n > 0 ? (double)d->ace_ever[b] / n : NAN);
            gp_num(f, n > 0 ? (double)d->ace_now[b] / n : NAN);
            gp_num(f, n > 0 ? (double)d->ace_distress[b] / n : NAN);
            fputc('\n', f);
        }
        fputs("EOD\nplot $d using 2:xtic(1) title 'ever began coping', "
              "'' using 3 title 'coping at the end', '' using 4 title 'ever in distress'\n",
              f);
        end(f);
    }
    /* Relationships formed, ruptured, repaired and ended a year. */
    static const char *const tie_types[] = {"tie_formed", "tie_ruptured", "tie_repaired",
                                            "tie_ended"};
    int tie_index[4];
    int any_tie = 0;
    for (int k = 0; k < 4; k++) {
        tie_index[k] = -1;
        for (size_t t = 0; t < d->type_count; t++)
            if (strcmp(d->type_names[t], tie_types[k]) == 0)
                tie_index[k] = (int)t;
        any_tie |= tie_index[k] >= 0;
    }
    if (any_tie) {
        planned[FIG_RELATIONSHIPS] = 1;
        begin(f, dir, FIG_RELATIONSHIPS, "Relationships formed, ruptured, repaired and ended",
              "year of the run", "ties a year");
        fputs("set logscale y\n$d << EOD\n", f);
        for (size_t y = 0; y < d->years; y++) {
            fprintf(f, "%zu", y + 1);
            for (int k = 0; k < 4; k++) {
                double v = tie_index[k] < 0
                               ? NAN
                               : (double)d->type_year[(size_t)tie_index[k] * d->years + y];
                gp_num(f, v > 0 ? v : NAN);
            }
            fputc('\n', f);
        }
        fputs("EOD\nplot $d using 1:2 with linespoints lw 2 title 'formed', "
              "$d using 1:3 with linespoints lw 2 title 'ruptured', "
              "$d using 1:4 with linespoints lw 2 title 'repaired', "
              "$d using 1:5 with linespoints lw 2 title 'ended'\n",
              f);
        end(f);
    }
    /* Toxic ties in the panel. */
    if (d->has_panel) {
        planned[FIG_TOXIC] = 1;
        begin(f, dir, FIG_TOXIC, "Toxic ties (panel)", "years", "share of people");
        fputs("set yrange [0:*]\n$d << EOD\n", f);
        for (size_t w = 0; w < d->waves; w++) {
            double n = (double)d->wave_n[w];
            gp_num(f, d->wave_week[w] / 52.0);
            gp_num(f, n > 0 ? (double)d->wave_with_toxic[w] / n : NAN);
            fputc('\n', f);
        }
        fputs("EOD\nplot $d using 1:2 with linespoints lw 2 title 'with a toxic tie'\n", f);
        end(f);
    }
    if (d->therapy_events > 0) {
        size_t weeks = (size_t)(d->last_week < 0 ? 0 : d->last_week) + 1;
        planned[FIG_WAITLIST] = 1;
        begin(f, dir, FIG_WAITLIST, "Therapy: waitlist and clients", "years", "people");
        fputs("$d << EOD\n", f);
        for (size_t w = 0; w < weeks; w++) {
            gp_num(f, (double)w / 52.0);
            gp_num(f, d->waitlist ? d->waitlist[w] : NAN);
            gp_num(f, d->in_therapy[w]);
            gp_num(f, d->sessions[w]);
            fputc('\n', f);
        }
        fputs("EOD\nplot $d using 1:3 with lines lw 2 title 'in therapy', "
              "$d using 1:4 with lines lw 1 title 'sessions this week'",
              f);
        fputs(d->waitlist ? ", $d using 1:2 with lines lw 2 title 'waiting'\n" : "\n", f);
        end(f);
    }
    /* Dose and alliance need at least one course that ended. */
    uint64_t courses_ended = 0;
    for (size_t b = 0; b < REPORT_DOSE; b++)
        courses_ended += d->dose_n[b];
    if (courses_ended > 0) {
        planned[FIG_DOSE] = 1;
        begin(f, dir, FIG_DOSE, "Therapy: dose and response", "sessions in the course",
              "change of well-being (mean, 95% interval)");
        fputs("set xrange [-0.5:4.5]\n$d << EOD\n", f);
        for (size_t b = 0; b < REPORT_DOSE; b++) {
            double n = (double)d->dose_n[b];
            double mean = n > 0 ? d->dose_sum[b] / n : NAN;
            double var = n > 1 ? (d->dose_sumsq[b] - n * mean * mean) / (n - 1) : NAN;
            fprintf(f, "%zu \"%s (n=%llu)\"", b, report_dose_names[b],
                    (unsigned long long)d->dose_n[b]);
            gp_num(f, mean);
            gp_num(f, n > 1 && var >= 0 ? 1.96 * sqrt(var / n) : NAN);
            fputc('\n', f);
        }
        fputs("EOD\nplot $d using 1:3:4:xtic(2) with yerrorlines lw 2 pt 7 title 'courses'\n", f);
        end(f);
    }
    if (d->course_kept > 0) {
        planned[FIG_ALLIANCE] = 1;
        begin(f, dir, FIG_ALLIANCE, "Therapy: alliance and outcome", "mean alliance of the course",
              "change of well-being");
        fputs("$d << EOD\n", f);
        for (size_t k = 0; k < d->course_kept; k++) {
            gp_num(f, d->course[k].alliance);
            gp_num(f, d->course[k].change);
            fputc('\n', f);
        }
        fputs("NaN NaN\nEOD\nplot $d using 1:2 with points pt 7 ps 0.5 title 'a course'\n", f);
        end(f);
    }
    return ferror(f) ? -1 : 0;
}

/* Runs `gnuplot script` with its output into log; returns its exit status or -1. */
static int run_gnuplot(const char *script, const char *log)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {"gnuplot", (char *)script, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The first line of gnuplot's log that reports an error (gnuplot writes its warnings there
 * too), else its first line. */
static void error_line(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[256];
    while (fgets(line, (int)sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        int is_error = strstr(line, "rror") != NULL;
        if (line[0] != '\0' && (out[0] == '\0' || is_error))
            snprintf(out, size, "%s", line);
        if (is_error)
            break;
    }
    fclose(f);
}

int report_figures_write(const report_data *d, const char *dir, char *note, size_t note_size)
{
    if (!on_path("gnuplot")) {
        snprintf(note, note_size,
                 "gnuplot is not installed (Debian: apt-get install gnuplot-nox), so no SVG "
                 "figures were written; the HTML report is complete");
        return -1;
    }
    char script[4400], log[4400];
    snprintf(script, sizeof script, "%s/.figures.gp", dir);
    snprintf(log, sizeof log, "%s/.gnuplot.log", dir);
    int planned[FIG_COUNT] = {0};
    FILE *f = fopen(script, "w");
    if (f == NULL) {
        snprintf(note, note_size, "%s: cannot write the figures: %s", dir, strerror(errno));
        return -1;
    }
    int failed = write_script(f, d, dir, planned);
    failed |= fclose(f) != 0;
    int status = failed ? -1 : run_gnuplot(script, log);
    int written = 0;
    char line[256] = "";
    if (status != 0)
        error_line(log, line, sizeof line);
    for (int k = 0; k < FIG_COUNT; k++) {
        if (!planned[k])
            continue;
        char partial[4400], final[4400];
        snprintf(partial, sizeof partial, "%s/%s.partial", dir, names[k]);
        snprintf(final, sizeof final, "%s/%s", dir, names[k]);
        struct stat st;
        if (status == 0 && stat(partial, &st) == 0 && st.st_size > 0 && rename(partial, final) == 0)
            written++;
        else
            unlink(partial);
    }
    unlink(script);
    unlink(log);
    if (status != 0) {
        snprintf(note, note_size,
                 "gnuplot failed (%s), so no SVG figures were written; the HTML "
                 "report is complete",
                 line[0]  ? line
                 : failed ? "cannot write its script"
                          : "no message");
        return -1;
    }
    return written;
}
