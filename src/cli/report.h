/*
 * attune report: one self-contained HTML file (and SVG figures for papers) from a run folder.
 *
 * report_data.c reads the folder into aggregates (report_data), report.c writes them as JSON
 * into an HTML page that inlines chart.js, cytoscape and report/report.js (embedded in the
 * binary at build time, see report_assets.h), and report_figures.c draws the static figures
 * with gnuplot when it is installed. What each file of the folder must hold is in
 * docs/outputs.md ("What the report reads").
 */
#ifndef ATTUNE_REPORT_H
#define ATTUNE_REPORT_H

#include <stddef.h>
#include <stdint.h>

/* Failures of the report, mapped to exit codes by the commands. */
typedef enum report_status {
    REPORT_OK = 0,
    REPORT_ERR_INPUT = -1,  /* the run folder or one of its files is missing or unreadable */
    REPORT_ERR_OUTPUT = -2, /* the report or a figure cannot be written */
    REPORT_ERR_NOMEM = -3,
} report_status;

typedef struct report_options {
    const char *run_dir;  /* the run folder */
    const char *out_path; /* the HTML file; NULL: RUN_DIR/report.html */
    int figures;          /* 1: also SVG figures (gnuplot) in figures/ beside the HTML file */
} report_options;

/* What report_write did, for the command to print. */
typedef struct report_result {
    char html_path[4200];
    char figures_dir[4200]; /* "" when no figures were written */
    int figures_written;
    char note[512]; /* a warning that did not stop the report (e.g. gnuplot missing), or "" */
} report_result;

/**
 * Writes the report of the run in opt->run_dir. On failure returns a report_status and a
 * sentence naming the path (and the missing file) in msg. The HTML file is written atomically;
 * figures are optional and their failure only fills result->note.
 */
int report_write(const report_options *opt, report_result *result, char *msg, size_t msg_size);

/** Removes report.html and the figures a report of `run_dir` wrote (a replaced run). */
void report_remove(const char *run_dir);

/* ---------------------------------------------------------------------------------------- */
/* Aggregates of a run folder (report_data.c), shared by the HTML and the figures.           */

#define REPORT_CLASSES     4    /* secure, avoidant/dismissing, resistant/preoccupied, disorg. */
#define REPORT_BANDS       5    /* age bands of the panel: 0-11, 12-17, 18-34, 35-54, 55+ */
#define REPORT_ACE_BUCKETS 5    /* 0, 1, 2, 3, 4 or more adverse childhood experiences */
#define REPORT_DOSE        5    /* sessions per course: 1-2, 3-5, 6-10, 11-20, 21+ */
#define REPORT_MAX_TYPES   64   /* distinct event types counted by name (more: "other") */
#define REPORT_MAX_REASONS 16   /* distinct end reasons of therapy */
#define REPORT_MAX_POINTS  2000 /* courses kept for scatter plots */
#define REPORT_MAX_ROWS    6000 /* metrics rows kept (evenly thinned beyond) */
#define REPORT_MAX_NODES   1500 /* nodes of the network drawing */

extern const char *const report_band_names[REPORT_BANDS];
extern const char *const report_dose_names[REPORT_DOSE];

typedef struct report_course {
    uint32_t sessions;
    double change;   /* well-being at the last session minus at the start */
    double alliance; /* mean alliance over the sessions (NAN if none reported) */
} report_course;

typedef struct report_node {
    uint32_t person;
    int ego;
    double security, age, wellbeing, coping;
    char adult_class[16];
} report_node;

typedef struct report_edge {
    uint32_t source, target; /* node indices */
    int toxic, ruptured;
    double trust, harm;
    char kind[16]; /* kind at the source end */
} report_edge;

typedef struct report_data {
    /* metrics.csv: every column; row-major values[row * metric_cols + col] */
    size_t metric_cols, metric_rows;
    char **metric_names;
    double *metrics;
    int32_t last_week; /* last week of metrics.csv */
    size_t years;      /* whole or partial years of the run: last_week / 52 + 1 */

    /* events.csv: counts per type and year (year = week / 52) */
    uint64_t events;
    size_t type_count;
    char type_names[REPORT_MAX_TYPES][40];
    uint64_t *type_year;                       /* [type * years + year] */
    uint64_t *infant_year;                     /* [year * REPORT_CLASSES + class] */
    uint64_t ace_n[REPORT_ACE_BUCKETS];        /* people born in the run, alive, 10+ at its end */
    uint64_t ace_ever[REPORT_ACE_BUCKETS];     /* of those, with a coping onset */
    uint64_t ace_now[REPORT_ACE_BUCKETS];      /* of those, coping at the end */
    uint64_t ace_distress[REPORT_ACE_BUCKETS]; /* of those, with a distress episode */

    /* therapy events (therapy_referral, therapy_start, therapy_session, therapy_end) */
    uint64_t therapy_events;
    double *waitlist;      /* [week], from referrals and starts (NULL without referrals) */
    double *in_therapy;    /* [week]: courses started and not ended */
    double *sessions;      /* [week]: sessions held */
    uint64_t courses;      /* courses ended */
    report_course *course; /* up to REPORT_MAX_POINTS of them, evenly spread */
    size_t course_kept;
    uint64_t dose_n[REPORT_DOSE];
    double dose_sum[REPORT_DOSE], dose_sumsq[REPORT_DOSE];
    size_t reason_count;
    char reason_names[REPORT_MAX_REASONS][40];
    uint64_t reason_n[REPORT_MAX_REASONS];
    uint64_t ruptures, repairs;

    /* panel.csv: attachment classes by age band, and ties, per wave (a wave every 52 weeks) */
    int has_panel;
    uint64_t panel_rows;
    size_t waves;
    int32_t *wave_week;
    uint64_t *band_class; /* [(wave * REPORT_BANDS + band) * REPORT_CLASSES + class] */
    uint64_t *wave_n, *wave_with_toxic, *wave_toxic, *wave_degree, *wave_ruptured;

    /* network-sample.graphml */
    int has_network;
    size_t node_count, edge_count;
    uint64_t network_nodes_total; /* before trimming to REPORT_MAX_NODES */
    report_node *nodes;
    report_edge *edges;

    /* why an optional part is missing ("" when present) */
    char panel_note[256], network_note[256];

    /* whole texts of files shown as they are (NULL when absent) */
    char *manifest, *claims, *validation;
    char *files; /* the folder's files with their sizes, a line each */
} report_data;

/** Reads the run folder. Fails (REPORT_ERR_INPUT, message in msg) without metrics.csv,
 * events.csv or manifest.json; the other files are optional. */
int report_data_read(const char *run_dir, report_data *d, char *msg, size_t msg_size);

/** Frees everything report_data_read allocated. */
void report_data_free(report_data *d);

/** Column index of metrics.csv named `name`, or -1. */
int report_metric_column(const report_data *d, const char *name);

/** Names of every figure report_figures_write may write. */
const char *const *report_figure_names(size_t *count);

/** Writes SVG figures into `dir` with gnuplot. Returns how many were written (>= 0), or -1
 * with a reason in note (gnuplot missing or failing). */
int report_figures_write(const report_data *d, const char *dir, char *note, size_t note_size);

#endif
