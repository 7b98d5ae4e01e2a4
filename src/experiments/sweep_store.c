/*
 * The results database of a sweep (SQLite; schema in docs/sweep-database.md). A new database
 * is built with its whole plan under a temporary name and renamed into place, so a database
 * at the final name always holds a complete plan. Each run's results go in one transaction:
 * a run is either recorded whole or not at all, and killing the process loses only the runs
 * in flight. Reopening the database of the same sweep resumes it.
 */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/scenario_internal.h"
#include "engine/strbuf.h"
#include "experiments/sweep_internal.h"

#define SCHEMA_VERSION  "1"
#define LAST_YEAR_WEEKS 52

struct attune_sweep_db {
    sqlite3 *db;
    const attune_sweep *sweep;
    char path[1024];
};

static const char *const block_names[] = {"grid", "A", "B", "AB", "morris"};

static int db_fail(attune_error *err, sqlite3 *db, const char *path, const char *what)
{
    int code = db ? sqlite3_errcode(db) : SQLITE_CANTOPEN;
    int status = code == SQLITE_NOMEM ? ATTUNE_ERR_NOMEM : ATTUNE_ERR_IO;
    return attune_fail(err, status, path, 0, NULL, "%s: %s", what,
                       db ? sqlite3_errmsg(db) : "cannot open");
}

static int exec(sqlite3 *db, const char *sql, const char *path, attune_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return ATTUNE_OK;
    int rc = attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "database: %s", msg ? msg : "?");
    sqlite3_free(msg);
    return rc;
}

/* A quoted SQL identifier ("a.b"), quotes doubled. */
static void quote_ident(char *out, size_t size, const char *name)
{
    size_t o = 0;
    if (o + 1 < size)
        out[o++] = '"';
    for (const char *p = name; *p && o + 3 < size; p++) {
        if (*p == '"')
            out[o++] = '"';
        out[o++] = *p;
    }
    if (o + 1 < size)
        out[o++] = '"';
    out[o] = '\0';
}

/* The summary metrics of a run: every metric column but `week`, or the test function's y. */
static size_t summary_count(const attune_sweep *sw)
{
    return sw->model == MODEL_SIMULATION ? attune_metric_count() - 1 : 1;
}

static const char *summary_name(const attune_sweep *sw, size_t i)
{
    return sw->model == MODEL_SIMULATION ? attune_metric_name(i + 1) : "y";
}

/* A prepared "INSERT INTO table VALUES(?, ...)" with `columns` placeholders, or NULL. */
static sqlite3_stmt *prepare_insert(sqlite3 *db, const char *table, size_t columns)
{
    strbuf sb = {0};
    sb_printf(&sb, "INSERT INTO %s VALUES(?", table);
    for (size_t c = 1; c < columns; c++)
        sb_printf(&sb, ", ?");
    sb_printf(&sb, ")");
    char *sql = NULL;
    sqlite3_stmt *st = NULL;
    if (sb_finish(&sb, &sql) == ATTUNE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        st = NULL;
    free(sql);
    return st;
}

static char *schema_sql(const attune_sweep *sw)
{
    char q[300];
    strbuf sb = {0};
    sb_printf(&sb, "CREATE TABLE sweep(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
                   "CREATE TABLE factors(factor_id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT "
                   "NULL, min REAL, max REAL, scale TEXT, type TEXT, grid_values TEXT);\n"
                   "CREATE TABLE points(point_id INTEGER PRIMARY KEY, block TEXT NOT NULL, "
                   "sample INTEGER, step INTEGER, factor_id INTEGER, sign INTEGER");
    for (size_t f = 0; f < sw->factor_count; f++) {
        quote_ident(q, sizeof q, sw->factors[f].key);
        sb_printf(&sb, ", %s REAL NOT NULL", q);
    }
    sb_printf(&sb, ");\n"
                   "CREATE TABLE runs(run_id INTEGER PRIMARY KEY, point_id INTEGER NOT NULL "
                   "REFERENCES points, replicate INTEGER NOT NULL, seed INTEGER NOT NULL, status "
                   "TEXT NOT NULL CHECK(status IN ('pending','done','failed')), error TEXT, weeks "
                   "INTEGER, started_at TEXT, wall_s REAL, host TEXT, rank INTEGER);\n"
                   "CREATE INDEX runs_point ON runs(point_id);\n"
                   "CREATE INDEX runs_status ON runs(status);\n"
                   "CREATE TABLE weekly(run_id INTEGER NOT NULL REFERENCES runs");
    if (sw->model == MODEL_SIMULATION)
        for (size_t c = 0; c < attune_metric_count(); c++)
            sb_printf(&sb, ", %s %s", attune_metric_name(c),
                      attune_metric_is_integer(c) ? "INTEGER" : "REAL");
    else
        sb_printf(&sb, ", week INTEGER");
    sb_printf(&sb, ", PRIMARY KEY(run_id, week)) WITHOUT ROWID;\n"
                   "CREATE TABLE summary(run_id INTEGER NOT NULL REFERENCES runs, metric TEXT NOT "
                   "NULL, final REAL, mean_last_year REAL, PRIMARY KEY(run_id, metric)) WITHOUT "
                   "ROWID;\n"
                   "CREATE INDEX summary_metric ON summary(metric);\n"
                   "CREATE VIEW results AS SELECT r.run_id, r.point_id, r.replicate, r.seed");
    for (size_t f = 0; f < sw->factor_count; f++) {
        quote_ident(q, sizeof q, sw->factors[f].key);
        sb_printf(&sb, ", p.%s", q);
    }
    for (size_t m = 0; m < summary_count(sw); m++)
        sb_printf(&sb,
                  ", (SELECT mean_last_year FROM summary s WHERE s.run_id = r.run_id AND "
                  "s.metric = '%s') AS %s",
                  summary_name(sw, m), summary_name(sw, m));
    sb_printf(&sb, " FROM runs r JOIN points p USING(point_id) WHERE r.status = 'done';\n");
    if (sw->calibration)
        sb_printf(&sb, "CREATE TABLE run_targets(run_id INTEGER NOT NULL REFERENCES runs, part "
                       "TEXT NOT NULL, value REAL, n REAL, PRIMARY KEY(run_id, part)) WITHOUT "
                       "ROWID;\n");
    char *s = NULL;
    return sb_finish(&sb, &s) == ATTUNE_OK ? s : NULL;
}

static int put_meta(sqlite3 *db, const char *key, const char *value)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO sweep(key, value) VALUES(?, ?)", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

static int write_meta(sqlite3 *db, const attune_sweep *sw)
{
    char buf[64], created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int bad = put_meta(db, "schema_version", SCHEMA_VERSION);
    bad |= put_meta(db, "plan", sw->plan);
    bad |= put_meta(db, "sweep_file", sw->path);
    bad |= put_meta(db, "design", sweep_design_names[sw->design]);
    bad |= put_meta(db, "model", sw->model == MODEL_SIMULATION ? "simulation" : "ishigami");
    snprintf(buf, sizeof buf, "%d", sw->replicates);
    bad |= put_meta(db, "replicates", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)sw->seed);
    bad |= put_meta(db, "seed", buf);
    snprintf(buf, sizeof buf, "%zu", sw->samples);
    bad |= put_meta(db, "samples", buf);
    snprintf(buf, sizeof buf, "%d", sw->levels);
    bad |= put_meta(db, "levels", buf);
    snprintf(buf, sizeof buf, "%.17g", sw->morris_delta);
    bad |= put_meta(db, "morris_delta", buf);
    bad |= put_meta(db, "weekly", sw->weekly ? "true" : "false");
    if (sw->calibration)
        bad |= put_meta(db, "kind", "calibration");
    bad |= put_meta(db, "attune_version", attune_version());
    bad |= put_meta(db, "git_commit", attune_git_commit());
    bad |= put_meta(db, "build", attune_build_id());
    bad |= put_meta(db, "created_at", created);
    return bad ? -1 : 0;
}

static int write_factors(sqlite3 *db, const attune_sweep *sw)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO factors VALUES(?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int bad = 0;
    for (size_t f = 0; f < sw->factor_count && !bad; f++) {
        const sweep_factor *x = &sw->factors[f];
        strbuf sb = {0}; /* every value, however many levels */
        for (size_t i = 0; i < x->value_count; i++)
            sb_printf(&sb, "%s%.17g", i ? "," : "", x->values[i]);
        char *values = NULL;
        if (x->value_count > 0 && sb_finish(&sb, &values) != ATTUNE_OK) {
            bad = 1;
            break;
        }
        sqlite3_bind_int64(st, 1, (sqlite3_int64)f);
        sqlite3_bind_text(st, 2, x->key, -1, SQLITE_STATIC);
        double lo = x->min, hi = x->max;
        for (size_t i = 0; i < x->value_count; i++) {
            lo = i == 0 || x->values[i] < lo ? x->values[i] : lo;
            hi = i == 0 || x->values[i] > hi ? x->values[i] : hi;
        }
        sqlite3_bind_double(st, 3, lo);
        sqlite3_bind_double(st, 4, hi);
        sqlite3_bind_text(st, 5, x->log_scale ? "log" : "linear", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, x->integer ? "int" : "real", -1, SQLITE_STATIC);
        if (x->value_count)
            sqlite3_bind_text(st, 7, values, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 7);
        bad |= sqlite3_step(st) != SQLITE_DONE;
        sqlite3_reset(st);
        free(values);
    }
    sqlite3_finalize(st);
    return bad ? -1 : 0;
}

void sweep_bind_real(sqlite3_stmt *st, int col, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(st, col, v);
    else
        sqlite3_bind_null(st, col);
}

static void bind_or_null(sqlite3_stmt *st, int col, int32_t v)
{
    if (v < 0)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_int64(st, col, v);
}

static int write_points_and_runs(sqlite3 *db, const attune_sweep *sw)
{
    sqlite3_stmt *pt = prepare_insert(db, "points", 6 + sw->factor_count), *run = NULL;
    if (pt == NULL || sqlite3_prepare_v2(db,
                                         "INSERT INTO runs(run_id, point_id, replicate, seed, "
                                         "status) VALUES(?, ?, ?, ?, 'pending')",
                                         -1, &run, NULL) != SQLITE_OK) {
        sqlite3_finalize(pt);
        return -1;
    }
    int bad = 0;
    for (size_t p = 0; p < sw->point_count && !bad; p++) {
        const sweep_point *x = &sw->points[p];
        sqlite3_bind_int64(pt, 1, (sqlite3_int64)p);
        sqlite3_bind_text(pt, 2, block_names[x->block], -1, SQLITE_STATIC);
        bind_or_null(pt, 3, x->sample);
        bind_or_null(pt, 4, x->step);
        bind_or_null(pt, 5, x->factor);
        if (x->block == BLOCK_MORRIS && x->step > 0)
            sqlite3_bind_int(pt, 6, x->sign);
        else
            sqlite3_bind_null(pt, 6);
        for (size_t f = 0; f < sw->factor_count; f++)
            sqlite3_bind_double(pt, 7 + (int)f, sw->values[p * sw->factor_count + f]);
        bad |= sqlite3_step(pt) != SQLITE_DONE;
        sqlite3_reset(pt);
        for (int r = 0; r < sw->replicates && !bad; r++) {
            sqlite3_bind_int64(run, 1, (sqlite3_int64)(p * (size_t)sw->replicates + (size_t)r));
            sqlite3_bind_int64(run, 2, (sqlite3_int64)p);
            sqlite3_bind_int(run, 3, r);
            sqlite3_bind_int64(run, 4, (sqlite3_int64)attune_sweep_replicate_seed(sw, r));
            bad |= sqlite3_step(run) != SQLITE_DONE;
            sqlite3_reset(run);
        }
    }
    sqlite3_finalize(pt);
    sqlite3_finalize(run);
    return bad ? -1 : 0;
}

/* Builds the database of `sw` at `tmp` (which must not exist). */
static int create_database(const attune_sweep *sw, const char *tmp, const char *path,
                           attune_error *err)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        int rc = db_fail(err, db, path, "cannot create the database");
        sqlite3_close(db);
        return rc;
    }
    char *schema = schema_sql(sw);
    int rc =
        schema ? ATTUNE_OK : attune_fail(err, ATTUNE_ERR_NOMEM, path, 0, NULL, "out of memory");
    if (rc == ATTUNE_OK)
        rc = exec(db, "PRAGMA journal_mode = DELETE; BEGIN", path, err);
    if (rc == ATTUNE_OK)
        rc = exec(db, schema, path, err);
    if (rc == ATTUNE_OK &&
        (write_meta(db, sw) || write_factors(db, sw) || write_points_and_runs(db, sw)))
        rc = db_fail(err, db, path, "cannot write the sweep's plan");
    if (rc == ATTUNE_OK)
        rc = exec(db, "COMMIT", path, err);
    free(schema);
    if (sqlite3_close(db) != SQLITE_OK && rc == ATTUNE_OK)
        rc = attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "cannot close the new database");
    return rc;
}

/* 1 if the database at `path` holds the plan of `sw`, 0 if another plan, -1 if not a sweep. */
static int same_plan(sqlite3 *db, const attune_sweep *sw)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT value FROM sweep WHERE key = 'plan'", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int result = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *plan = sqlite3_column_text(st, 0);
        result = plan != NULL && strcmp((const char *)plan, sw->plan) == 0;
    }
    sqlite3_finalize(st);
    return result;
}

/* The value of key `key` of table sweep into `out` ("" when absent); -1 if it cannot be read. */
static int get_meta(sqlite3 *db, const char *key, char *out, size_t size)
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, "SELECT value FROM sweep WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
}

/* A resume by another build (allowed): the build joins the list in key other_builds. */
static int note_other_build(sqlite3 *db)
{
    char builds[1024];
    if (get_meta(db, "other_builds", builds, sizeof builds) != 0)
        return -1;
    const char *id = attune_build_id();
    size_t len = strlen(id);
    for (const char *p = builds; (p = strstr(p, id)) != NULL; p += len)
        if ((p == builds || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return 0;
    char value[1100];
    snprintf(value, sizeof value, "%s%s%s", builds, builds[0] ? "," : "", id);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO sweep(key, value) VALUES('other_builds', ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

static int count_done(sqlite3 *db, size_t *done)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM runs WHERE status = 'done'", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        *done = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

int attune_sweep_db_open(const attune_sweep *sweep, const char *path, unsigned flags,
                         attune_sweep_db **out, size_t *done, attune_error *err)
{
    bool force = (flags & ATTUNE_SWEEP_DB_FORCE) != 0;
    bool other_build = false; /* resuming a database made by another build, as allowed */
    if (sweep == NULL || path == NULL || out == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, path, 0, NULL, "missing sweep or path");
    *out = NULL;
    if (done != NULL)
        *done = 0;
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (exists && !S_ISREG(sb.st_mode))
        return attune_fail(err, ATTUNE_ERR_EXISTS, path, 0, NULL,
                           "exists and is not a database file");
    if (exists && !force) {
        sqlite3 *db = NULL;
        int same = -1;
        char build[64] = "";
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
            same = same_plan(db, sweep);
        if (same == 1 && get_meta(db, "build", build, sizeof build) != 0)
            same = -1;
        sqlite3_close(db);
        if (same < 0)
            return attune_fail(err, ATTUNE_ERR_EXISTS, path, 0, NULL,
                               "exists and is not a sweep database; choose another --out or "
                               "use --force to replace it");
        if (same == 0)
            return attune_fail(err, ATTUNE_ERR_EXISTS, path, 0, NULL,
                               "holds another sweep (the sweep file, its base scenario or the "
                               "replicates changed); use --out for a new database or --force "
                               "to replace it");
        other_build = strcmp(build, attune_build_id()) != 0;
        if (other_build && !(flags & ATTUNE_SWEEP_DB_OTHER_BUILD))
            return attune_fail(
                err, ATTUNE_ERR_EXISTS, path, 0, NULL,
                "was made by another build of attune (%s%s; this is build %s): its runs and "
                "this build's would mix two versions of the model; use --out for a new "
                "database, --force to replace it, or --allow-other-build to resume it anyway",
                build[0] ? "build " : "a build that did not record itself", build,
                attune_build_id());
    }
    if (!exists || force) {
        char tmp[1100];
        snprintf(tmp, sizeof tmp, "%s.partial-%ld", path, (long)getpid());
        unlink(tmp);
        int rc = create_database(sweep, tmp, path, err);
        /* A killed sweep leaves its write-ahead log and shared memory (and a rollback journal)
         * beside the database: SQLite would replay them onto the new file. */
        static const char *const companions[] = {"-wal", "-shm", "-journal"};
        for (size_t k = 0; rc == ATTUNE_OK && k < 3; k++) {
            char side[1100];
            snprintf(side, sizeof side, "%s%s", path, companions[k]);
            if (unlink(side) != 0 && errno != ENOENT)
                rc = attune_fail(err, ATTUNE_ERR_IO, side, 0, NULL,
                                 "cannot remove the old database's %s file: %s", companions[k] + 1,
                                 strerror(errno));
        }
        if (rc == ATTUNE_OK && rename(tmp, path) != 0)
            rc = attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "cannot rename %s: %s", tmp,
                             strerror(errno));
        if (rc != ATTUNE_OK) {
            unlink(tmp);
            return rc;
        }
    }
    attune_sweep_db *d = calloc(1, sizeof *d);
    if (d == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, path, 0, NULL, "out of memory");
    d->sweep = sweep;
    snprintf(d->path, sizeof d->path, "%s", path);
    if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        int rc = db_fail(err, d->db, path, "cannot open the database");
        attune_sweep_db_close(d);
        return rc;
    }
    sqlite3_busy_timeout(d->db, 10000);
    /* WAL: pandas or R can read the database while the sweep writes it. */
    int rc = exec(d->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", path, err);
    if (rc == ATTUNE_OK && other_build && note_other_build(d->db) != 0)
        rc = db_fail(err, d->db, path, "cannot record the resuming build");
    size_t n = 0;
    if (rc == ATTUNE_OK && count_done(d->db, &n) != 0)
        rc = db_fail(err, d->db, path, "cannot read the runs");
    if (rc != ATTUNE_OK) {
        attune_sweep_db_close(d);
        return rc;
    }
    if (done != NULL)
        *done = n;
    *out = d;
    return ATTUNE_OK;
}

int attune_sweep_db_pending(attune_sweep_db *db, uint32_t **runs, size_t *count, attune_error *err)
{
    *runs = NULL;
    *count = 0;
    size_t total = attune_sweep_run_count(db->sweep);
    uint32_t *list = malloc((total ? total : 1) * sizeof *list);
    if (list == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, db->path, 0, NULL, "out of memory");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, "SELECT run_id FROM runs WHERE status != 'done' ORDER BY run_id",
                           -1, &st, NULL) != SQLITE_OK) {
        free(list);
        return db_fail(err, db->db, db->path, "cannot read the runs");
    }
    size_t n = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && n < total)
        list[n++] = (uint32_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE && step != SQLITE_ROW) {
        free(list);
        return db_fail(err, db->db, db->path, "cannot read the runs");
    }
    *runs = list;
    *count = n;
    return ATTUNE_OK;
}

static int insert_weekly(sqlite3 *db, const attune_sweep_result *r)
{
    sqlite3_stmt *st = prepare_insert(db, "weekly", 1 + r->columns);
    if (st == NULL)
        return -1;
    int bad = 0;
    for (size_t row = 0; row < r->rows && !bad; row++) {
        sqlite3_bind_int64(st, 1, r->run_id);
        for (size_t c = 0; c < r->columns; c++) {
            double v = r->values[row * r->columns + c];
            if (attune_metric_is_integer(c))
                sqlite3_bind_int64(st, 2 + (int)c, (sqlite3_int64)v);
            else
                sweep_bind_real(st, 2 + (int)c, v);
        }
        bad |= sqlite3_step(st) != SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return bad ? -1 : 0;
}

static int insert_summary(sqlite3 *db, const attune_sweep *sw, const attune_sweep_result *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO summary VALUES(?, ?, ?, ?)", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    /* The last year: the last 52 weeks, or every week after week 0 of a shorter run. */
    size_t last = r->rows - 1;
    size_t first = r->rows == 1 ? 0 : r->rows > LAST_YEAR_WEEKS + 1 ? r->rows - LAST_YEAR_WEEKS : 1;
    int bad = 0;
    for (size_t m = 0; m < summary_count(sw) && !bad; m++) {
        size_t c = sw->model == MODEL_SIMULATION ? m + 1 : 0;
        double sum = 0;
        for (size_t row = first; row <= last; row++)
            sum += r->values[row * r->columns + c];
        double mean = sum / (double)(last - first + 1);
        double final = r->values[last * r->columns + c];
        sqlite3_bind_int64(st, 1, r->run_id);
        sqlite3_bind_text(st, 2, summary_name(sw, m), -1, SQLITE_STATIC);
        sweep_bind_real(st, 3, final);
        sweep_bind_real(st, 4, mean);
        bad |= sqlite3_step(st) != SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return bad ? -1 : 0;
}

/* A calibration run's target statistics: a row per part, NULL where it has no value. */
static int insert_targets(sqlite3 *db, const attune_sweep_result *r)
{
    if (r->stat_count != 2 * ATTUNE_TARGET_PART_COUNT)
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO run_targets VALUES(?, ?, ?, ?)", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int bad = 0;
    for (size_t k = 0; k < ATTUNE_TARGET_PART_COUNT && !bad; k++) {
        double v = r->stats[k], n = r->stats[ATTUNE_TARGET_PART_COUNT + k];
        sqlite3_bind_int64(st, 1, r->run_id);
        sqlite3_bind_text(st, 2, attune_target_at(k)->id, -1, SQLITE_STATIC);
        sweep_bind_real(st, 3, v);
        sweep_bind_real(st, 4, n);
        bad |= sqlite3_step(st) != SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return bad ? -1 : 0;
}

static int run_status(sqlite3 *db, uint32_t run_id, char *status, size_t size)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT status FROM runs WHERE run_id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, run_id);
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        snprintf(status, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

int attune_sweep_db_record(attune_sweep_db *db, const attune_sweep_result *result, const char *host,
                           int rank, attune_error *err)
{
    const attune_sweep *sw = db->sweep;
    size_t columns = sw->model == MODEL_SIMULATION ? attune_metric_count() : 1;
    /* A failed run's values are not stored: it may have none (rows 0), as when its result could
     * not be made. */
    if (result->run_id >= attune_sweep_run_count(sw) ||
        (result->status == ATTUNE_OK && (result->columns != columns || result->rows == 0)))
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, db->path, 0, NULL,
                           "result of run %u does not fit this sweep", result->run_id);
    int rc = exec(db->db, "BEGIN IMMEDIATE", db->path, err);
    if (rc != ATTUNE_OK)
        return rc;
    char status[16] = "";
    int bad = run_status(db->db, result->run_id, status, sizeof status);
    if (!bad && strcmp(status, "done") == 0)
        return exec(db->db, "ROLLBACK", db->path, err);
    int ok = result->status == ATTUNE_OK;
    char sql[256];
    snprintf(sql, sizeof sql,
             "DELETE FROM weekly WHERE run_id = %u; DELETE FROM summary WHERE "
             "run_id = %u%s%u",
             result->run_id, result->run_id,
             sw->calibration ? "; DELETE FROM run_targets WHERE run_id = " : "; SELECT ",
             result->run_id);
    if (!bad)
        bad = sqlite3_exec(db->db, sql, NULL, NULL, NULL) != SQLITE_OK;
    if (!bad && ok && sw->weekly && sw->model == MODEL_SIMULATION)
        bad = insert_weekly(db->db, result);
    if (!bad && ok)
        bad = insert_summary(db->db, sw, result);
    if (!bad && ok && sw->calibration)
        bad = insert_targets(db->db, result);
    sqlite3_stmt *st = NULL;
    if (!bad)
        bad = sqlite3_prepare_v2(db->db,
                                 "UPDATE runs SET status = ?, error = ?, weeks = ?, started_at = "
                                 "?, wall_s = ?, host = ?, rank = ? WHERE run_id = ?",
                                 -1, &st, NULL) != SQLITE_OK;
    if (!bad) {
        sqlite3_bind_text(st, 1, ok ? "done" : "failed", -1, SQLITE_STATIC);
        if (ok)
            sqlite3_bind_null(st, 2);
        else
            sqlite3_bind_text(st, 2, result->error, -1, SQLITE_STATIC);
        /* The weeks simulated: of a failed run, those before it stopped, not those planned. */
        if (sw->model == MODEL_SIMULATION && result->weeks >= 0)
            sqlite3_bind_int64(st, 3, result->weeks);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_text(st, 4, result->started_at, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 5, result->wall_seconds);
        sqlite3_bind_text(st, 6, host ? host : "", -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, rank);
        sqlite3_bind_int64(st, 8, result->run_id);
        bad = sqlite3_step(st) != SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (bad) {
        rc = db_fail(err, db->db, db->path, "cannot record a run");
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec(db->db, "COMMIT", db->path, err);
}

void attune_sweep_db_close(attune_sweep_db *db)
{
    if (db == NULL)
        return;
    sqlite3_close(db->db);
    free(db);
}
