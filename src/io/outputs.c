/*
 * The outputs of a run folder: metrics.csv (a row a week, from week 0), events.csv (a row an
 * event), manifest.json (version, commit, parameters, seed, threads, wall time), panel.csv (a
 * sampled fraction of people every 52 weeks; output.panel_fraction), network-sample.graphml
 * (a few ego networks at the end; output.network_egos), on request network.graphml and, with
 * output.graphml_every > 0, networks/ (network snapshots, below).
 * Every file is written under NAME.partial and all are renamed to their final names together
 * when the run finishes (or is interrupted), after every one of them was written: a run that
 * fails before leaves the folder's earlier run untouched and removes what it wrote, except
 * what a checkpoint in the folder needs to resume. One process at a time writes a folder
 * (an advisory lock on FOLDER/.lock).
 *
 * Network snapshots follow the same rules, with the folder networks.partial/ in the place of
 * NAME.partial: networks.partial/week-NNNNNN.graphml, the whole network as network.graphml
 * has it, at week 0 and after every output.graphml_every weeks, each file itself written
 * atomically (so a snapshot that exists under its name is complete). When the run finishes or
 * is interrupted, networks.partial/ replaces the folder's networks/ (a replaced run's
 * snapshots go, also when this run writes none). A failed run removes networks.partial/ unless
 * a checkpoint needs it, as it does the streamed files; a resume takes back the networks/ of
 * an interrupted run, checks that every snapshot up to the checkpoint's week is there and
 * removes those after it (written again, identically, as the run goes on).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/model_internal.h"
#include "io/atomic_file.h"
#include "io/checkpoint.h"
#include "io/panel.h"

struct attune_output {
    char dir[3072];
    int created_dir;
    attune_output_options options;
    char scenario_source[1024];
    char command_line[4096];
    char started_utc[32];
    atomic_file metrics;
    atomic_file events;
    atomic_file panel; /* open when output.panel_fraction > 0 */
    uint64_t events_written;
    int lock_fd; /* FOLDER/.lock, held with flock while the outputs are open */
};

static int list_checkpoints(const char *dir, int32_t *weeks, int max);
static int resume_locked(const char *dir, int threads, const attune_output_options *options,
                         attune_resume_warning warn, void *user, int lock_fd, const int32_t *weeks,
                         int n, attune_model **model, attune_output **output, attune_error *err);
static void checkpoint_path(const char *dir, int32_t week, char *out, size_t size);

/* Every output by its final name, in the order they are published: the manifest, which says
 * whether the run is complete, last. */
static const char *const output_files[] = {"metrics.csv",     "events.csv",
                                           "panel.csv",       "network-sample.graphml",
                                           "network.graphml", "manifest.json"};
#define OUTPUT_FILE_COUNT (sizeof output_files / sizeof output_files[0])
#define LOCK_NAME         ".lock"

/* The files written week by week (and cut back on resume): output_files[0] to [2]. */
#define STREAMED_COUNT 3
static void streamed_files(attune_output *o, atomic_file *files[STREAMED_COUNT])
{
    files[0] = &o->metrics;
    files[1] = &o->events;
    files[2] = &o->panel;
}

static int panel_on(const attune_model *m)
{
    return m->p->output_panel_fraction > 0;
}

static int network_sample_on(const attune_model *m)
{
    return m->p->output_network_egos > 0;
}

/* The snapshots' folder: DIR/networks/ when published, DIR/networks.partial/ while written. */
#define SNAPSHOT_DIR "networks"

static int snapshots_on(const attune_model *m)
{
    return m->p->output_graphml_every > 0;
}

/* Whether a snapshot falls due at the end of week `week` (week 0 included). */
static int snapshot_due(const attune_model *m, int32_t week)
{
    return snapshots_on(m) && week % m->p->output_graphml_every == 0;
}

/* DIR/networks (partial 0) or DIR/networks.partial (partial 1). */
static void snapshot_dir(const char *dir, int partial, char *out, size_t size)
{
    snprintf(out, size, "%s/%s%s", dir, SNAPSHOT_DIR, partial ? ".partial" : "");
}

/* If `name` is a snapshot file, week-NNNNNN.graphml or one being written (with ".partial"
 * after it: sets *partial), returns its week; otherwise -1. */
static int32_t snapshot_week(const char *name, int *partial)
{
    if (strncmp(name, "week-", 5) != 0)
        return -1;
    size_t digits = strspn(name + 5, "0123456789");
    if (digits == 0 || digits > 9)
        return -1;
    const char *rest = name + 5 + digits;
    *partial = strcmp(rest, ".graphml.partial") == 0;
    if (!*partial && strcmp(rest, ".graphml") != 0)
        return -1;
    return (int32_t)strtol(name + 5, NULL, 10);
}

/* Removes from a snapshots' folder every half-written snapshot and those of weeks after
 * `after`; with `after` < 0, every snapshot and then the folder (if that empties it). Files
 * that are not snapshots are left alone. */
static void remove_snapshots(const char *folder, int32_t after)
{
    DIR *d = opendir(folder);
    if (d == NULL)
        return;
    char path[3600];
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int partial = 0;
        int32_t week = snapshot_week(e->d_name, &partial);
        if (week >= 0 && (partial || after < 0 || week > after)) {
            snprintf(path, sizeof path, "%s/%s", folder, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
    if (after < 0)
        rmdir(folder);
}

/* Writes the snapshot of the model's week to DIR/networks.partial/week-NNNNNN.graphml
 * (attune_write_graphml writes it atomically). */
static int write_snapshot(const char *dir, const attune_model *m, attune_error *err)
{
    char folder[3200], path[3300];
    snapshot_dir(dir, 1, folder, sizeof folder);
    snprintf(path, sizeof path, "%s/week-%06d.graphml", folder, m->week);
    return attune_write_graphml(m, path, err);
}

static int make_dirs(const char *dir, int *created)
{
    char path[3072];
    snprintf(path, sizeof path, "%s", dir);
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0777) == 0) {
        *created = 1;
        return 0;
    }
    return errno == EEXIST ? 0 : -1;
}

static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            strcmp(e->d_name, LOCK_NAME) != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

/* The time now, as 2026-11-30T18:25:23Z. */
static void utc_now(char *out, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void join(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static const char folder_taken[] = "output folder exists and is not empty; choose another "
                                   "--out or replace it with --force";

/* Takes the folder's lock (FOLDER/.lock, flock): one process writes a run folder at a time.
 * Sets *fd to the lock's descriptor. */
static int lock_folder(const char *dir, int *fd, attune_error *err)
{
    char path[3200];
    join(path, sizeof path, dir, LOCK_NAME);
    for (int attempt = 0; attempt < 8; attempt++) {
        *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (*fd < 0)
            return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL,
                               "cannot create the folder's lock: %s", strerror(errno));
        if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
            int saved = errno;
            close(*fd);
            *fd = -1;
            if (saved == EWOULDBLOCK)
                return attune_fail(err, ATTUNE_ERR_EXISTS, dir, 0, NULL,
                                   "another attune process is writing this run folder");
            return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "cannot lock the folder: %s",
                               strerror(saved));
        }
        /* The holder before us removes the file as it lets go: a lock on a file no longer
         * at the path locks nothing, so take the one there now. */
        struct stat held, named;
        if (fstat(*fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
            held.st_ino == named.st_ino)
            return ATTUNE_OK;
        close(*fd);
        *fd = -1;
    }
    return attune_fail(err, ATTUNE_ERR_EXISTS, dir, 0, NULL,
                       "another attune process is writing this run folder");
}

static void unlock_folder(const char *dir, int fd)
{
    if (fd < 0)
        return;
    char path[3200];
    join(path, sizeof path, dir, LOCK_NAME);
    unlink(path);
    close(fd);
}

/* Where a run's checkpoints keep what its manifest needs and the model does not hold: the
 * scenario's source and the command that started the run, one a line. */
#define ORIGIN_NAME "checkpoints/origin.txt"

/* Removes the checkpoints of the run in dir, and their folder. */
static void remove_checkpoints(const char *dir)
{
    char path[3200];
    int32_t weeks[64];
    int n = list_checkpoints(dir, weeks, 64);
    for (int k = 0; k < n; k++) {
        checkpoint_path(dir, weeks[k], path, sizeof path);
        unlink(path);
    }
    join(path, sizeof path, dir, ORIGIN_NAME);
    unlink(path);
    join(path, sizeof path, dir, "checkpoints");
    rmdir(path);
}

/* Writes ORIGIN_NAME (line breaks within the two texts become spaces). */
static int write_origin(const attune_output *o, attune_error *err)
{
    char text[sizeof o->scenario_source + sizeof o->command_line + 2];
    snprintf(text, sizeof text, "%s\n%s\n", o->scenario_source, o->command_line);
    size_t first = strlen(o->scenario_source), len = strlen(text);
    for (size_t k = 0; k + 1 < len; k++)
        if (k != first && (text[k] == '\n' || text[k] == '\r'))
            text[k] = ' ';
    char path[3200];
    join(path, sizeof path, o->dir, ORIGIN_NAME);
    return atomic_write_string(path, text, err);
}

/* Reads ORIGIN_NAME into o's scenario source and command line, the command line followed by
 * the command that resumed the run; leaves them as they are if there is none. */
static void read_origin(attune_output *o)
{
    char path[3200];
    join(path, sizeof path, o->dir, ORIGIN_NAME);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    /* Room for the line break, so that a line of the longest text is read whole. */
    char source[sizeof o->scenario_source + 2], command[sizeof o->command_line + 2];
    if (fgets(source, sizeof source, f) != NULL && fgets(command, sizeof command, f) != NULL) {
        source[strcspn(source, "\n")] = '\0';
        command[strcspn(command, "\n")] = '\0';
        snprintf(o->scenario_source, sizeof o->scenario_source, "%.*s",
                 (int)sizeof o->scenario_source - 1, source);
        /* The starting command, then the resuming one; the buffer keeps what it can hold. */
        char both[2 * sizeof o->command_line + 16];
        if (o->command_line[0] != '\0')
            snprintf(both, sizeof both, "%s (resumed: %s)", command, o->command_line);
        else
            snprintf(both, sizeof both, "%s", command);
        snprintf(o->command_line, sizeof o->command_line, "%.*s", (int)sizeof o->command_line - 1,
                 both);
    }
    fclose(f);
}

/* Removes NAME.partial of every output in dir from output_files[first] on. */
static void remove_partials(const char *dir, size_t first)
{
    char path[3200];
    for (size_t k = first; k < OUTPUT_FILE_COUNT; k++) {
        snprintf(path, sizeof path, "%s/%s.partial", dir, output_files[k]);
        unlink(path);
    }
}

/* One metrics.csv row: integers in decimal, reals with nine significant digits. */
static int write_metrics_row(atomic_file *f, const attune_metrics *x)
{
    int failed = 0;
    for (size_t c = 0; c < attune_metric_count(); c++) {
        double v = attune_metric_value(x, c);
        const char *sep = c + 1 < attune_metric_count() ? "," : "\n";
        if (attune_metric_is_integer(c))
            failed |= fprintf(f->f, "%lld%s", (long long)v, sep) < 0;
        else
            failed |= fprintf(f->f, "%.9g%s", v, sep) < 0;
    }
    return failed ? ATTUNE_ERR_IO : ATTUNE_OK;
}

static void write_metrics_header(atomic_file *f)
{
    for (size_t c = 0; c < attune_metric_count(); c++)
        fprintf(f->f, "%s%s", attune_metric_name(c), c + 1 < attune_metric_count() ? "," : "\n");
}

int attune_output_open(const attune_model *model, const char *dir,
                       const attune_output_options *options, attune_output **out, attune_error *err)
{
    if (model == NULL || dir == NULL || out == NULL || dir[0] == '\0')
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing model or folder");
    if (model->state != ATTUNE_STATE_READY)
        return attune_fail(err, ATTUNE_ERR_STATE, NULL, 0, NULL,
                           "the model must be initialised before its outputs are opened");
    if (strlen(dir) > 3000)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, dir, 0, NULL, "folder name is too long");
    attune_output_options opts = {0};
    if (options != NULL)
        opts = *options;
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return attune_fail(err, ATTUNE_ERR_EXISTS, dir, 0, NULL, "exists and is not a folder");
        if (!dir_is_empty(dir) && !opts.force)
            return attune_fail(err, ATTUNE_ERR_EXISTS, dir, 0, NULL, "%s", folder_taken);
    }
    attune_output *o = calloc(1, sizeof *o);
    if (o == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    o->options = opts;
    snprintf(o->scenario_source, sizeof o->scenario_source, "%s",
             opts.scenario_source ? opts.scenario_source : "built-in default");
    snprintf(o->command_line, sizeof o->command_line, "%s",
             opts.command_line ? opts.command_line : "");
    o->options.scenario_source = NULL;
    o->options.command_line = NULL;
    utc_now(o->started_utc, sizeof o->started_utc);
    o->lock_fd = -1;
    if (make_dirs(dir, &o->created_dir) != 0) {
        int saved = errno;
        free(o);
        return attune_fail(err, ATTUNE_ERR_IO, dir, 0, NULL, "cannot create output folder: %s",
                           strerror(saved));
    }
    int locked = lock_folder(dir, &o->lock_fd, err);
    /* Checked again under the lock: another run may have filled the folder meanwhile. */
    if (locked == ATTUNE_OK && !opts.force && !dir_is_empty(dir)) {
        unlock_folder(dir, o->lock_fd);
        locked = attune_fail(err, ATTUNE_ERR_EXISTS, dir, 0, NULL, "%s", folder_taken);
    }
    if (locked != ATTUNE_OK) {
        if (o->created_dir)
            rmdir(dir);
        free(o);
        return locked;
    }
    /* A replaced run's checkpoints must not be resumed into this run, nor its unfinished files
     * mixed with this run's. Its finished outputs stay until this run's replace them. */
    remove_checkpoints(dir);
    remove_partials(dir, 0);
    char path[3200];
    snapshot_dir(dir, 1, path, sizeof path);
    remove_snapshots(path, -1);
    join(path, sizeof path, dir, "metrics.csv");
    int rc = atomic_open(&o->metrics, path, err);
    if (rc == ATTUNE_OK) {
        join(path, sizeof path, dir, "events.csv");
        rc = atomic_open(&o->events, path, err);
    }
    if (rc == ATTUNE_OK && panel_on(model)) {
        join(path, sizeof path, dir, "panel.csv");
        rc = atomic_open(&o->panel, path, err);
        if (rc == ATTUNE_OK && (panel_write_header(o->panel.f) != ATTUNE_OK ||
                                panel_write_week(o->panel.f, model) != ATTUNE_OK))
            rc = atomic_check(&o->panel, err) != ATTUNE_OK
                     ? ATTUNE_ERR_IO
                     : attune_fail(err, ATTUNE_ERR_IO, o->panel.temp, 0, NULL, "write failed");
    }
    if (rc == ATTUNE_OK) {
        write_metrics_header(&o->metrics);
        fprintf(o->events.f, "week,type,person,other,value,detail\n");
        rc = write_metrics_row(&o->metrics, &model->metrics);
        if (rc == ATTUNE_OK)
            rc = atomic_check(&o->metrics, err);
        else
            rc = atomic_check(&o->metrics, err) ? ATTUNE_ERR_IO : rc;
    }
    if (rc == ATTUNE_OK && snapshots_on(model)) {
        snapshot_dir(dir, 1, path, sizeof path);
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            rc = attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "cannot create folder: %s",
                             strerror(errno));
        if (rc == ATTUNE_OK && snapshot_due(model, model->week))
            rc = write_snapshot(dir, model, err);
    }
    if (rc != ATTUNE_OK) {
        attune_output_close(o, model, false, 0, NULL);
        return rc;
    }
    *out = o;
    return ATTUNE_OK;
}

int attune_output_write_week(attune_output *o, const attune_model *model, attune_error *err)
{
    if (o == NULL || model == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing output or model");
    if (write_metrics_row(&o->metrics, &model->metrics) != ATTUNE_OK)
        return atomic_check(&o->metrics, err) != ATTUNE_OK
                   ? ATTUNE_ERR_IO
                   : attune_fail(err, ATTUNE_ERR_IO, o->metrics.temp, 0, NULL, "write failed");
    const attune_event *ev = model->events.week_events;
    for (size_t k = 0; k < model->events.week_count; k++) {
        if (ev[k].other == UINT32_MAX)
            fprintf(o->events.f, "%d,%s,%u,,%.9g,%s\n", ev[k].week, ev[k].type, ev[k].person,
                    ev[k].value, ev[k].detail);
        else
            fprintf(o->events.f, "%d,%s,%u,%u,%.9g,%s\n", ev[k].week, ev[k].type, ev[k].person,
                    ev[k].other, ev[k].value, ev[k].detail);
    }
    o->events_written += model->events.week_count;
    int rc = atomic_check(&o->metrics, err);
    if (rc == ATTUNE_OK)
        rc = atomic_check(&o->events, err);
    if (rc == ATTUNE_OK && o->panel.f != NULL) {
        if (panel_write_week(o->panel.f, model) != ATTUNE_OK)
            rc = atomic_check(&o->panel, err) != ATTUNE_OK
                     ? ATTUNE_ERR_IO
                     : attune_fail(err, ATTUNE_ERR_IO, o->panel.temp, 0, NULL, "write failed");
        else
            rc = atomic_check(&o->panel, err);
    }
    if (rc == ATTUNE_OK && snapshot_due(model, model->week))
        rc = write_snapshot(o->dir, model, err);
    return rc;
}

static char *manifest_text(const attune_output *o, const attune_model *m, double wall_seconds)
{
    char *params = NULL;
    if (attune_scenario_to_json(m->scenario, &params) != ATTUNE_OK)
        return NULL;
    char finished[32];
    utc_now(finished, sizeof finished);
    /* Escape the free-text fields for JSON. */
    char source[2200], command[8400];
    const char *raw[2] = {o->scenario_source, o->command_line};
    char *dst[2] = {source, command};
    size_t cap[2] = {sizeof source, sizeof command};
    for (int f = 0; f < 2; f++) {
        size_t k = 0;
        for (const char *c = raw[f]; *c && k + 7 < cap[f]; c++) {
            unsigned char ch = (unsigned char)*c;
            if (ch == '"' || ch == '\\') {
                dst[f][k++] = '\\';
                dst[f][k++] = (char)ch;
            } else if (ch < 0x20) {
                k += (size_t)snprintf(dst[f] + k, cap[f] - k, "\\u%04x", ch);
            } else {
                dst[f][k++] = (char)ch;
            }
        }
        dst[f][k] = '\0';
    }
#define MANIFEST_FORMAT                                                                            \
    "{\n"                                                                                          \
    "  \"attune_version\": \"%s\",\n"                                                              \
    "  \"git_commit\": \"%s\",\n"                                                                  \
    "  \"seed\": %lld,\n"                                                                          \
    "  \"weeks\": %d,\n"                                                                           \
    "  \"weeks_planned\": %lld,\n"                                                                 \
    "  \"complete\": %s,\n"                                                                        \
    "  \"people_at_end\": %llu,\n"                                                                 \
    "  \"ties_at_end\": %llu,\n"                                                                   \
    "  \"events\": %llu,\n"                                                                        \
    "  \"scenario_source\": \"%s\",\n"                                                             \
    "  \"outputs\": [\"metrics.csv\", \"events.csv\", \"manifest.json\"%s%s%s%s],\n"               \
    "  \"run\": {\n"                                                                               \
    "    \"threads\": %d,\n"                                                                       \
    "    \"wall_seconds\": %.3f,\n"                                                                \
    "    \"started_utc\": \"%s\",\n"                                                               \
    "    \"finished_utc\": \"%s\",\n"                                                              \
    "    \"command\": \"%s\"\n"                                                                    \
    "  },\n"                                                                                       \
    "  \"scenario\": %s\n"                                                                         \
    "}\n"
    size_t size =
        strlen(MANIFEST_FORMAT) + strlen(params) + strlen(source) + strlen(command) + 1024;
    char *text = malloc(size);
    if (text != NULL)
        snprintf(text, size, MANIFEST_FORMAT, attune_version(), attune_git_commit(),
                 (long long)m->p->run_seed, m->week, (long long)m->p->run_weeks,
                 m->week >= m->p->run_weeks ? "true" : "false",
                 (unsigned long long)m->metrics.people, (unsigned long long)m->metrics.ties,
                 (unsigned long long)o->events_written, source,
                 o->panel.path[0] ? ", \"panel.csv\"" : "",
                 network_sample_on(m) ? ", \"network-sample.graphml\"" : "",
                 o->options.graphml ? ", \"network.graphml\"" : "",
                 snapshots_on(m) ? ", \"" SNAPSHOT_DIR "/\"" : "", m->threads, wall_seconds,
                 o->started_utc, finished, command, params);
    free(params);
    return text;
}

/* Writes every output of the run under NAME.partial (metrics, events and panel are finished;
 * the network files and the manifest written). */
static int write_partials(attune_output *o, const attune_model *model, double wall_seconds,
                          attune_error *err)
{
    char path[3200];
    int rc = atomic_finish(&o->metrics, err);
    if (rc == ATTUNE_OK)
        rc = atomic_finish(&o->events, err);
    if (rc == ATTUNE_OK && o->panel.f != NULL)
        rc = atomic_finish(&o->panel, err);
    if (rc == ATTUNE_OK && network_sample_on(model)) {
        join(path, sizeof path, o->dir, "network-sample.graphml.partial");
        rc = attune_write_network_sample(model, path, err);
    }
    if (rc == ATTUNE_OK && o->options.graphml) {
        join(path, sizeof path, o->dir, "network.graphml.partial");
        rc = attune_write_graphml(model, path, err);
    }
    if (rc == ATTUNE_OK) {
        char *text = manifest_text(o, model, wall_seconds);
        if (text == NULL)
            return attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
        join(path, sizeof path, o->dir, "manifest.json.partial");
        rc = atomic_write_string(path, text, err);
        free(text);
    }
    return rc;
}

/* Renames every NAME.partial to NAME, and networks.partial/ to networks/; an output this run
 * does not write is removed, so a replaced run keeps no network, snapshots or panel of the run
 * before it. */
static int publish(const attune_output *o, attune_error *err)
{
    char partial[3300], final[3200];
    struct stat st;
    snapshot_dir(o->dir, 0, final, sizeof final);
    snapshot_dir(o->dir, 1, partial, sizeof partial);
    remove_snapshots(final, -1);
    if (stat(partial, &st) == 0 && rename(partial, final) != 0)
        return attune_fail(err, ATTUNE_ERR_IO, final, 0, NULL, "cannot rename into place: %s",
                           strerror(errno));
    for (size_t k = 0; k < OUTPUT_FILE_COUNT; k++) {
        join(final, sizeof final, o->dir, output_files[k]);
        snprintf(partial, sizeof partial, "%s.partial", final);
        if (stat(partial, &st) != 0)
            unlink(final);
        else if (rename(partial, final) != 0)
            return attune_fail(err, ATTUNE_ERR_IO, final, 0, NULL, "cannot rename into place: %s",
                               strerror(errno));
    }
    join(final, sizeof final, o->dir, output_files[0]);
    return atomic_sync_dir(final, err);
}

int attune_output_close(attune_output *o, const attune_model *model, bool commit,
                        double wall_seconds, attune_error *err)
{
    if (o == NULL)
        return ATTUNE_OK;
    int rc = ATTUNE_OK;
    if (commit) {
        rc = write_partials(o, model, wall_seconds, err);
        if (rc == ATTUNE_OK)
            rc = publish(o, err);
        /* A finished run needs no checkpoints to resume from. */
        if (rc == ATTUNE_OK && model->week >= model->p->run_weeks && !o->options.keep_checkpoints)
            remove_checkpoints(o->dir);
    }
    if (!commit || rc != ATTUNE_OK) {
        /* What a checkpoint in the folder refers to stays for attune_resume; the rest goes.
         * Files already under their final names are the folder's earlier run (or this one's
         * from before it was resumed): they stay. */
        int32_t weeks[1];
        int resumable = list_checkpoints(o->dir, weeks, 1) > 0;
        atomic_file *streamed[STREAMED_COUNT];
        streamed_files(o, streamed);
        for (int k = 0; k < STREAMED_COUNT; k++)
            if (streamed[k]->f != NULL) {
                fclose(streamed[k]->f);
                streamed[k]->f = NULL;
            }
        remove_partials(o->dir, resumable ? STREAMED_COUNT : 0);
        if (!resumable) {
            char folder[3200];
            snapshot_dir(o->dir, 1, folder, sizeof folder);
            remove_snapshots(folder, -1);
        }
        unlock_folder(o->dir, o->lock_fd);
        o->lock_fd = -1;
        if (o->created_dir)
            rmdir(o->dir);
    }
    unlock_folder(o->dir, o->lock_fd);
    free(o);
    return rc;
}

/* Flushes the output files to disk and records how long they are. */
static int output_sync(attune_output *o, checkpoint_info *info, attune_error *err)
{
    atomic_file *files[STREAMED_COUNT];
    streamed_files(o, files);
    long sizes[STREAMED_COUNT] = {0, 0, 0};
    for (int k = 0; k < STREAMED_COUNT; k++) {
        if (files[k]->f == NULL)
            continue;
        if (fflush(files[k]->f) != 0 || fsync(fileno(files[k]->f)) != 0 ||
            (sizes[k] = ftell(files[k]->f)) < 0)
            return attune_fail(err, ATTUNE_ERR_IO, files[k]->temp, 0, NULL,
                               "cannot flush output (is the disk full?): %s", strerror(errno));
    }
    info->metrics_bytes = (uint64_t)sizes[0];
    info->events_bytes = (uint64_t)sizes[1];
    info->panel_bytes = (uint64_t)sizes[2];
    info->events_written = o->events_written;
    return ATTUNE_OK;
}

#define CHECKPOINTS_KEPT 2

/* Checkpoint files of a run folder, newest first; returns how many (at most `max`). */
static int list_checkpoints(const char *dir, int32_t *weeks, int max)
{
    char path[3200];
    join(path, sizeof path, dir, "checkpoints");
    DIR *d = opendir(path);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int32_t w;
        char tail[8];
        if (sscanf(e->d_name, "week-%d.ck%7s", &w, tail) == 2 && strcmp(tail, "pt") == 0 &&
            w >= 0) {
            if (n < max)
                weeks[n++] = w;
        }
    }
    closedir(d);
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0 && weeks[b] > weeks[b - 1]; b--) {
            int32_t t = weeks[b];
            weeks[b] = weeks[b - 1];
            weeks[b - 1] = t;
        }
    return n;
}

static void checkpoint_path(const char *dir, int32_t week, char *out, size_t size)
{
    snprintf(out, size, "%s/checkpoints/week-%06d.ckpt", dir, week);
}

int attune_output_checkpoint(attune_output *o, const attune_model *m, attune_error *err)
{
    if (o == NULL || m == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing output or model");
    char path[3200];
    join(path, sizeof path, o->dir, "checkpoints");
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "cannot create folder: %s",
                           strerror(errno));
    checkpoint_info info;
    int rc = output_sync(o, &info, err);
    if (rc != ATTUNE_OK)
        return rc;
    checkpoint_path(o->dir, m->week, path, sizeof path);
    rc = checkpoint_write(m, &info, path, err);
    if (rc == ATTUNE_OK)
        rc = write_origin(o, err);
    if (rc != ATTUNE_OK)
        return rc;
    int32_t weeks[64];
    int n = list_checkpoints(o->dir, weeks, 64);
    for (int k = CHECKPOINTS_KEPT; k < n; k++) {
        checkpoint_path(o->dir, weeks[k], path, sizeof path);
        unlink(path);
    }
    return ATTUNE_OK;
}

/* 1 if the folder's manifest.json is that of an interrupted run ("complete": false). */
static int interrupted_run(const char *dir)
{
    char path[3200], line[256];
    join(path, sizeof path, dir, "manifest.json");
    FILE *f = fopen(path, "r");
    int interrupted = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strstr(line, "\"complete\": false") != NULL)
            interrupted = 1;
    if (f != NULL)
        fclose(f);
    return interrupted;
}

/* Finds an output file of a run to resume, at least `bytes` long, under NAME.partial: a run
 * that was interrupted renamed its outputs into place, and they are taken back (sets
 * *taken_back), but only if the folder's manifest says the run was interrupted; files of a
 * finished run are never taken (they may be those of a run that --force was replacing). */
static int find_partial(atomic_file *af, const char *dir, const char *name, uint64_t bytes,
                        int *taken_back, attune_error *err)
{
    memset(af, 0, sizeof *af);
    *taken_back = 0;
    snprintf(af->path, sizeof af->path, "%s/%s", dir, name);
    snprintf(af->temp, sizeof af->temp, "%s.partial", af->path);
    struct stat st;
    if (stat(af->temp, &st) != 0) {
        if (stat(af->path, &st) != 0)
            return attune_fail(err, ATTUNE_ERR_IO, af->path, 0, NULL,
                               "cannot resume: the run's %s is missing", name);
        if (!interrupted_run(dir))
            return attune_fail(err, ATTUNE_ERR_CORRUPT, af->temp, 0, NULL,
                               "cannot resume: missing, and the folder's %s is that of a "
                               "finished run (manifest.json does not say it was interrupted)",
                               name);
        if (rename(af->path, af->temp) != 0)
            return attune_fail(err, ATTUNE_ERR_IO, af->path, 0, NULL, "cannot take back: %s",
                               strerror(errno));
        *taken_back = 1;
    }
    if ((uint64_t)st.st_size < bytes)
        return attune_fail(err, ATTUNE_ERR_CORRUPT, af->temp, 0, NULL,
                           "cannot resume: %s is shorter (%lld bytes) than the checkpoint "
                           "recorded (%llu)",
                           name, (long long)st.st_size, (unsigned long long)bytes);
    return ATTUNE_OK;
}

/* Finds the snapshots of a run to resume from a checkpoint (the model m it holds) in
 * DIR/networks.partial/, taking back DIR/networks/ of an interrupted run as find_partial takes
 * back a file (sets *taken_back), and checks that the snapshot of every week due up to m's
 * week is there. Changes nothing else; the caller removes those after that week. */
static int find_snapshots(const char *dir, const attune_model *m, int *taken_back,
                          attune_error *err)
{
    char final[3200], partial[3300], path[3400];
    snapshot_dir(dir, 0, final, sizeof final);
    snapshot_dir(dir, 1, partial, sizeof partial);
    *taken_back = 0;
    struct stat st;
    if (stat(partial, &st) != 0) {
        if (stat(final, &st) != 0)
            return attune_fail(err, ATTUNE_ERR_IO, final, 0, NULL,
                               "cannot resume: the run's network snapshots (" SNAPSHOT_DIR
                               "/) are missing");
        if (!interrupted_run(dir))
            return attune_fail(err, ATTUNE_ERR_CORRUPT, partial, 0, NULL,
                               "cannot resume: missing, and the folder's " SNAPSHOT_DIR
                               "/ is that of a finished run (manifest.json does not say it was "
                               "interrupted)");
        if (rename(final, partial) != 0)
            return attune_fail(err, ATTUNE_ERR_IO, final, 0, NULL, "cannot take back: %s",
                               strerror(errno));
        *taken_back = 1;
    }
    for (int32_t w = 0; w <= m->week; w++) {
        if (!snapshot_due(m, w))
            continue;
        snprintf(path, sizeof path, "%s/week-%06d.graphml", partial, w);
        if (stat(path, &st) != 0) {
            /* Named where it is missing from: networks/ goes back into place. */
            if (*taken_back)
                snprintf(path, sizeof path, "%s/week-%06d.graphml", final, w);
            return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL,
                               "cannot resume: the network snapshot of week %d is missing", w);
        }
    }
    return ATTUNE_OK;
}

/* Opens a file found by find_partial for appending, cut to `bytes`. */
static int reopen(atomic_file *af, uint64_t bytes, attune_error *err)
{
    af->f = fopen(af->temp, "r+b");
    if (af->f == NULL || ftruncate(fileno(af->f), (off_t)bytes) != 0 ||
        fseek(af->f, 0, SEEK_END) != 0) {
        int saved = errno;
        if (af->f != NULL)
            fclose(af->f);
        af->f = NULL;
        return attune_fail(err, ATTUNE_ERR_IO, af->temp, 0, NULL, "cannot reopen: %s",
                           strerror(saved));
    }
    return ATTUNE_OK;
}

uint64_t attune_resume_memory_estimate(const char *dir)
{
    int32_t weeks[64];
    int n = dir != NULL ? list_checkpoints(dir, weeks, 64) : 0;
    uint64_t need = 0;
    /* Any of them may be the one resumed from (a damaged newest one is skipped). */
    for (int k = 0; k < n; k++) {
        char path[3200];
        checkpoint_path(dir, weeks[k], path, sizeof path);
        struct stat st;
        if (stat(path, &st) != 0 || st.st_size <= 0)
            continue;
        /* The model the checkpoint holds (measured: a run of 300,000 people with checkpoints
         * of 152 MB peaked at 190 MB), and at least what the run was checked against when it
         * started: births over the whole run and, with output.graphml or
         * output.graphml_every, igraph's copy of the network. */
        uint64_t model = (uint64_t)((double)st.st_size * 1.3) + (64u << 20);
        attune_scenario *s = NULL;
        if (checkpoint_read_scenario(path, &s) == ATTUNE_OK) {
            uint64_t planned = attune_model_memory_estimate(s);
            model = planned > model ? planned : model;
            attune_scenario_free(s);
        }
        need = model > need ? model : need;
    }
    return need;
}

int attune_resume(const char *dir, int threads, const attune_output_options *options,
                  attune_resume_warning warn, void *user, attune_model **model,
                  attune_output **output, attune_error *err)
{
    if (dir == NULL || model == NULL || output == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing argument");
    int32_t weeks[64];
    int n = list_checkpoints(dir, weeks, 64);
    if (n == 0)
        return attune_fail(err, ATTUNE_ERR_IO, dir, 0, NULL,
                           "no checkpoints to resume from (run with --checkpoint-every WEEKS)");
    int lock_fd;
    int rc = lock_folder(dir, &lock_fd, err);
    if (rc != ATTUNE_OK)
        return rc;
    rc = resume_locked(dir, threads, options, warn, user, lock_fd, weeks, n, model, output, err);
    if (rc != ATTUNE_OK)
        unlock_folder(dir, lock_fd);
    return rc;
}

static int resume_locked(const char *dir, int threads, const attune_output_options *options,
                         attune_resume_warning warn, void *user, int lock_fd, const int32_t *weeks,
                         int n, attune_model **model, attune_output **output, attune_error *err)
{
    attune_model *m = NULL;
    checkpoint_info info = {0};
    int rc = ATTUNE_ERR_CORRUPT;
    char path[3200];
    for (int k = 0; k < n; k++) {
        checkpoint_path(dir, weeks[k], path, sizeof path);
        rc = checkpoint_read(path, threads, &m, &info, err);
        if (rc == ATTUNE_OK)
            break;
        if (warn != NULL && k + 1 < n) {
            char msg[4800];
            snprintf(msg, sizeof msg, "%s: %s; trying the checkpoint before it", path,
                     err ? err->message : attune_strerror(rc));
            warn(msg, user);
        }
    }
    if (rc != ATTUNE_OK)
        return rc;
    attune_output *o = calloc(1, sizeof *o);
    if (o == NULL) {
        attune_model_free(m);
        return attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    o->lock_fd = lock_fd;
    if (options != NULL)
        o->options = *options;
    snprintf(o->scenario_source, sizeof o->scenario_source, "%s",
             o->options.scenario_source ? o->options.scenario_source : "checkpoint");
    snprintf(o->command_line, sizeof o->command_line, "%s",
             o->options.command_line ? o->options.command_line : "");
    o->options.scenario_source = o->options.command_line = NULL;
    read_origin(o);
    o->options.graphml = m->p->output_graphml;
    utc_now(o->started_utc, sizeof o->started_utc);
    o->events_written = info.events_written;
    atomic_file *files[STREAMED_COUNT];
    streamed_files(o, files);
    const uint64_t bytes[STREAMED_COUNT] = {info.metrics_bytes, info.events_bytes,
                                            info.panel_bytes};
    int taken_back[STREAMED_COUNT] = {0, 0, 0};
    int files_used = panel_on(m) ? STREAMED_COUNT : STREAMED_COUNT - 1;
    /* Every file is found and checked before any is cut back. */
    for (int k = 0; k < files_used && rc == ATTUNE_OK; k++)
        rc = find_partial(files[k], dir, output_files[k], bytes[k], &taken_back[k], err);
    int snapshots_taken_back = 0;
    if (rc == ATTUNE_OK && snapshots_on(m))
        rc = find_snapshots(dir, m, &snapshots_taken_back, err);
    for (int k = 0; k < files_used && rc == ATTUNE_OK; k++)
        rc = reopen(files[k], bytes[k], err);
    char snapshots[3200], snapshots_partial[3300];
    snapshot_dir(dir, 0, snapshots, sizeof snapshots);
    snapshot_dir(dir, 1, snapshots_partial, sizeof snapshots_partial);
    if (rc != ATTUNE_OK) {
        /* Leave the folder as it was: files taken back go back into place. */
        for (int k = 0; k < files_used; k++) {
            if (files[k]->f != NULL)
                fclose(files[k]->f);
            if (taken_back[k])
                rename(files[k]->temp, files[k]->path);
        }
        if (snapshots_taken_back)
            rename(snapshots_partial, snapshots);
        free(o);
        attune_model_free(m);
        return rc;
    }
    /* Snapshots after the checkpoint's week are written again as the run goes on. */
    if (snapshots_on(m))
        remove_snapshots(snapshots_partial, m->week);
    /* The manifest of an interrupted run is rewritten when the run ends. */
    join(path, sizeof path, dir, "manifest.json");
    unlink(path);
    *model = m;
    *output = o;
    return ATTUNE_OK;
}
