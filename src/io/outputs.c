/*
 * The outputs of a run folder: metrics.csv (a row a week, from week 0), events.csv (a row an
 * event), manifest.json (version, commit, parameters, seed, threads, wall time) and, on
 * request, network.graphml. Every file is written under a temporary name and renamed when the
 * run finishes; a failed run removes what it wrote.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/model_internal.h"
#include "io/atomic_file.h"

struct attune_output {
    char dir[3072];
    int created_dir;
    attune_output_options options;
    char scenario_source[1024];
    char command_line[4096];
    char started_utc[32];
    atomic_file metrics;
    atomic_file events;
    uint64_t events_written;
};

static const char *const output_files[] = {"metrics.csv", "events.csv", "manifest.json",
                                           "network.graphml"};

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
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

static void join(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static int write_metrics_row(atomic_file *f, const attune_metrics *x)
{
    return fprintf(f->f, "%d,%llu,%llu,%llu,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n",
                   x->week, (unsigned long long)x->people, (unsigned long long)x->ties,
                   (unsigned long long)x->meetings, x->mean_degree, x->isolated_share,
                   x->affect_mean, x->affect_sd, x->self_worth_mean, x->anxiety_mean,
                   x->avoidance_mean, x->disorganization_mean, x->received_quality_mean,
                   x->hostile_share) < 0
               ? ATTUNE_ERR_IO
               : ATTUNE_OK;
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
            return attune_fail(err, ATTUNE_ERR_EXISTS, dir, 0, NULL,
                               "output folder exists and is not empty; choose another --out "
                               "or replace it with --force");
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
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(o->started_utc, sizeof o->started_utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (make_dirs(dir, &o->created_dir) != 0) {
        int saved = errno;
        free(o);
        return attune_fail(err, ATTUNE_ERR_IO, dir, 0, NULL, "cannot create output folder: %s",
                           strerror(saved));
    }
    char path[3200];
    join(path, sizeof path, dir, "metrics.csv");
    int rc = atomic_open(&o->metrics, path, err);
    if (rc == ATTUNE_OK) {
        join(path, sizeof path, dir, "events.csv");
        rc = atomic_open(&o->events, path, err);
    }
    if (rc == ATTUNE_OK) {
        fprintf(o->metrics.f, "week,people,ties,meetings,mean_degree,isolated_share,affect_mean,"
                              "affect_sd,self_worth_mean,anxiety_mean,avoidance_mean,"
                              "disorganization_mean,received_quality_mean,hostile_share\n");
        fprintf(o->events.f, "week,type,person,other,value,detail\n");
        rc = write_metrics_row(&o->metrics, &model->metrics);
        if (rc == ATTUNE_OK)
            rc = atomic_check(&o->metrics, err);
        else
            rc = atomic_check(&o->metrics, err) ? ATTUNE_ERR_IO : rc;
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
    return rc;
}

static char *manifest_text(const attune_output *o, const attune_model *m, double wall_seconds)
{
    char *params = NULL;
    if (attune_scenario_to_json(m->scenario, &params) != ATTUNE_OK)
        return NULL;
    time_t now = time(NULL);
    struct tm tm;
    char finished[32];
    gmtime_r(&now, &tm);
    strftime(finished, sizeof finished, "%Y-%m-%dT%H:%M:%SZ", &tm);
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
    "  \"people_at_end\": %llu,\n"                                                                 \
    "  \"ties_at_end\": %llu,\n"                                                                   \
    "  \"events\": %llu,\n"                                                                        \
    "  \"scenario_source\": \"%s\",\n"                                                             \
    "  \"outputs\": [\"metrics.csv\", \"events.csv\", \"manifest.json\"%s],\n"                     \
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
                 (long long)m->p->run_seed, m->week, (unsigned long long)m->metrics.people,
                 (unsigned long long)m->metrics.ties, (unsigned long long)o->events_written, source,
                 o->options.graphml ? ", \"network.graphml\"" : "", m->threads, wall_seconds,
                 o->started_utc, finished, command, params);
    free(params);
    return text;
}

int attune_output_close(attune_output *o, const attune_model *model, bool commit,
                        double wall_seconds, attune_error *err)
{
    if (o == NULL)
        return ATTUNE_OK;
    int rc = ATTUNE_OK;
    char path[3200];
    if (commit) {
        rc = atomic_commit(&o->metrics, err);
        if (rc == ATTUNE_OK)
            rc = atomic_commit(&o->events, err);
        if (rc == ATTUNE_OK && o->options.graphml) {
            join(path, sizeof path, o->dir, "network.graphml");
            rc = attune_write_graphml(model, path, err);
        }
        if (rc == ATTUNE_OK) {
            char *text = manifest_text(o, model, wall_seconds);
            if (text == NULL)
                rc = attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
            else {
                join(path, sizeof path, o->dir, "manifest.json");
                rc = atomic_write_string(path, text, err);
                free(text);
            }
        }
        if (rc == ATTUNE_OK && !o->options.graphml) {
            /* A replaced run must not keep a network of the run before it. */
            join(path, sizeof path, o->dir, "network.graphml");
            unlink(path);
        }
    }
    if (!commit || rc != ATTUNE_OK) {
        atomic_abort(&o->metrics);
        atomic_abort(&o->events);
        if (rc != ATTUNE_OK) {
            /* Whatever of this run reached its final name goes too: no partial run remains. */
            for (size_t k = 0; k < sizeof output_files / sizeof output_files[0]; k++) {
                join(path, sizeof path, o->dir, output_files[k]);
                unlink(path);
            }
        }
        if (o->created_dir)
            rmdir(o->dir);
    }
    free(o);
    return rc;
}
