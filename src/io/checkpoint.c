/*
 * Checkpoints: the whole state of a model at the end of a week, written atomically
 * (temporary name, fsync, rename) and checked on reading (magic, version, length, CRC-32 of
 * everything before the checksum). The random numbers need no state: they are functions of
 * (seed, week, ids), so a model read back continues exactly as the one that was saved.
 *
 * Layout (little-endian, as the machine writes it): "ATTUNECK", u32 version, u64 payload
 * length, payload, u32 CRC-32 of magic, version, length and payload. The payload holds the
 * scenario as INI text, the scalars of the model, the lengths of the run's output files at the
 * checkpoint, the metrics of the week, every person array, the communities, the tie store and
 * the interventions' targets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/model_internal.h"
#include "io/atomic_file.h"
#include "io/checkpoint.h"
#include "model/processes.h"

/* Version 4: metrics gained `adult_partnered_share`; 5: people gained `quality_shift`; 6: people
 * gained `availability`. */
#define CHECKPOINT_MAGIC     "ATTUNECK"
#define CHECKPOINT_VERSION   6u
#define CHECKPOINT_MAX_BYTES (1ull << 40)

/* ---------------------------------------------------------------------------------------- */
/* Writing: the state is serialised twice, once to count the payload's length (which the    */
/* header holds before it) and once into the file, with the CRC computed as it goes; no copy */
/* of the state is made in memory, so a checkpoint costs no more than the model it saves.   */

typedef struct wsink {
    FILE *f;      /* NULL: only count */
    uint64_t len; /* bytes put so far */
    uint32_t crc; /* CRC-32 of the bytes written */
    int failed;   /* errno of the first failed write, or -1 */
} wsink;

static void put(wsink *b, const void *src, size_t n)
{
    if (b->failed || n == 0)
        return;
    b->len += n;
    if (b->f == NULL)
        return;
    errno = 0;
    if (fwrite(src, 1, n, b->f) != n) {
        b->failed = errno ? errno : -1;
        return;
    }
    for (size_t off = 0; off < n;) {
        size_t chunk = n - off < (1u << 30) ? n - off : (1u << 30);
        b->crc = (uint32_t)crc32(b->crc, (const unsigned char *)src + off, (uInt)chunk);
        off += chunk;
    }
}

static void put_u32(wsink *b, uint32_t v)
{
    put(b, &v, sizeof v);
}
static void put_u64(wsink *b, uint64_t v)
{
    put(b, &v, sizeof v);
}

static void put_ids(wsink *b, const id_list *l)
{
    put_u32(b, l->count);
    put(b, l->ids, (size_t)l->count * sizeof(uint32_t));
}

/* The payload: everything between the header and the checksum. */
static void put_payload(wsink *b, const attune_model *m, const checkpoint_info *info,
                        const char *ini)
{
    put_u64(b, strlen(ini));
    put(b, ini, strlen(ini));
    put(b, &m->week, sizeof m->week);
    put_u32(b, m->next_household);
    put_u32(b, m->births);
    put_u32(b, m->deaths);
    put_u64(b, info ? info->metrics_bytes : 0);
    put_u64(b, info ? info->events_bytes : 0);
    put_u64(b, info ? info->events_written : 0);
    put_u64(b, info ? info->panel_bytes : 0);
    put(b, &m->metrics, sizeof m->metrics);
    const people *pp = &m->people;
    put_u32(b, pp->count);
#define PUT_FIELD(type, name) put(b, pp->name, (size_t)pp->count * sizeof(type));
    PEOPLE_FIELDS(PUT_FIELD)
#undef PUT_FIELD
    put_u32(b, m->community_count);
    put(b, m->community_culture, (size_t)m->community_count * sizeof(uint32_t));
    for (uint32_t c = 0; c < m->community_count; c++)
        put_ids(b, &m->community_members[c]);
    const tie_store *t = &m->ties;
    put_u32(b, t->people);
    put_u32(b, t->size);
    put_u64(b, t->active);
    put(b, t->start, (size_t)t->people * sizeof(uint32_t));
    put(b, t->count, (size_t)t->people * sizeof(uint32_t));
    put(b, t->cap, (size_t)t->people * sizeof(uint32_t));
#define PUT_SLOTS(field) put(b, t->field, (size_t)t->size * sizeof *t->field);
    TIE_SLOT_ARRAYS(PUT_SLOTS)
#undef PUT_SLOTS
    put_u64(b, m->intervention_count);
    for (size_t k = 0; k < m->intervention_count; k++) {
        put_u32(b, (uint32_t)m->interventions[k].started);
        put_ids(b, &m->interventions[k].targets);
        put_ids(b, &m->interventions[k].partners);
    }
}

int checkpoint_write(const attune_model *m, const checkpoint_info *info, const char *path,
                     attune_error *err)
{
    if (m == NULL || path == NULL || m->state != ATTUNE_STATE_READY)
        return attune_fail(err, ATTUNE_ERR_STATE, path, 0, NULL,
                           "only an initialised model can be checkpointed");
    char *ini = NULL;
    int rc = attune_scenario_to_ini(m->scenario, &ini);
    if (rc != ATTUNE_OK)
        return attune_fail(err, rc, path, 0, NULL, "out of memory");
    wsink count = {0};
    put_payload(&count, m, info, ini);
    atomic_file af;
    rc = atomic_open(&af, path, err);
    if (rc != ATTUNE_OK) {
        free(ini);
        return rc;
    }
    wsink b = {af.f, 0, (uint32_t)crc32(0L, Z_NULL, 0), 0};
    put(&b, CHECKPOINT_MAGIC, 8);
    put_u32(&b, CHECKPOINT_VERSION);
    put_u64(&b, count.len);
    put_payload(&b, m, info, ini);
    free(ini);
    uint32_t crc = b.crc;
    put_u32(&b, crc);
    if (!b.failed && b.len != 8 + 4 + 8 + count.len + 4) {
        atomic_abort(&af);
        return attune_fail(err, ATTUNE_ERR_INVARIANT, path, 0, NULL,
                           "the checkpoint's two passes disagree on its length");
    }
    if (b.failed) {
        atomic_abort(&af);
        return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL,
                           "write failed (is the disk full?): %s",
                           strerror(b.failed > 0 ? b.failed : EIO));
    }
    return atomic_commit(&af, err);
}

/* ---------------------------------------------------------------------------------------- */
/* Reading: every length is checked against what is left before it is used.                  */

typedef struct rbuf {
    const unsigned char *data;
    size_t len, pos;
    int bad;
} rbuf;

static int get(rbuf *r, void *dst, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = 1;
        return -1;
    }
    if (n > 0)
        memcpy(dst, r->data + r->pos, n);
    r->pos += n;
    return 0;
}

static uint32_t get_u32(rbuf *r)
{
    uint32_t v = 0;
    get(r, &v, sizeof v);
    return v;
}

static uint64_t get_u64(rbuf *r)
{
    uint64_t v = 0;
    get(r, &v, sizeof v);
    return v;
}

/* Reads `count` elements of `size` bytes into a fresh array (at least one element). */
static void *get_array(rbuf *r, uint64_t count, size_t size)
{
    if (r->bad || count > (r->len - r->pos) / (size ? size : 1)) {
        r->bad = 1;
        return NULL;
    }
    void *a = malloc((size_t)(count ? count : 1) * size);
    if (a == NULL) {
        r->bad = 1;
        return NULL;
    }
    get(r, a, (size_t)count * size);
    return a;
}

static int get_ids(rbuf *r, id_list *l)
{
    uint32_t n = get_u32(r);
    l->ids = get_array(r, n, sizeof(uint32_t));
    l->count = l->capacity = l->ids ? n : 0;
    if (l->capacity == 0 && l->ids != NULL)
        l->capacity = 1;
    return r->bad ? -1 : 0;
}

#define CORRUPT(...) attune_fail(err, ATTUNE_ERR_CORRUPT, name, 0, NULL, __VA_ARGS__)

int checkpoint_read_buffer(const void *data, size_t size, const char *name, int threads,
                           attune_model **out, checkpoint_info *info, attune_error *err)
{
    const unsigned char *d = data;
    if (size < 8 + 4 + 8 + 4 || memcmp(d, CHECKPOINT_MAGIC, 8) != 0)
        return CORRUPT("not an attune checkpoint (bad magic or too short)");
    uint32_t version;
    uint64_t payload;
    memcpy(&version, d + 8, 4);
    memcpy(&payload, d + 12, 8);
    if (version != CHECKPOINT_VERSION)
        return CORRUPT("checkpoint version %u; this attune reads version %u", version,
                       CHECKPOINT_VERSION);
    if (payload != size - 24)
        return CORRUPT("truncated or padded: the header announces %llu bytes of state, the file "
                       "holds %llu",
                       (unsigned long long)payload, (unsigned long long)(size - 24));
    uint32_t stored, crc = (uint32_t)crc32(0L, d, 0);
    memcpy(&stored, d + size - 4, 4);
    for (size_t off = 0; off < size - 4;) {
        size_t chunk = size - 4 - off < (1u << 30) ? size - 4 - off : (1u << 30);
        crc = (uint32_t)crc32(crc, d + off, (uInt)chunk);
        off += chunk;
    }
    if (crc != stored)
        return CORRUPT("checksum mismatch (the file is damaged)");
    rbuf r = {d + 20, (size_t)payload, 0, 0};
    uint64_t ini_len = get_u64(&r);
    if (r.bad || ini_len > r.len - r.pos)
        return CORRUPT("bad scenario section");
    char *ini = malloc((size_t)ini_len + 1);
    if (ini == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, name, 0, NULL, "out of memory");
    get(&r, ini, (size_t)ini_len);
    ini[ini_len] = '\0';
    attune_scenario *s = NULL;
    attune_model *m = NULL;
    int rc = attune_scenario_create(&s);
    if (rc == ATTUNE_OK)
        rc = attune_scenario_load_buffer(s, ini, (size_t)ini_len, name, err);
    free(ini);
    /* The stored scenario sets every parameter of the attune that wrote it. One it does not set
     * was added to attune since, and reading would silently give it today's default, so that the
     * resumed run would not continue the one that was saved. */
    const char *missing = rc == ATTUNE_OK ? attune_scenario_first_unset(s) : NULL;
    if (missing != NULL) { /* a key of the static parameter table */
        attune_scenario_free(s);
        return attune_fail(err, ATTUNE_ERR_CORRUPT, name, 0, missing,
                           "written by another version of attune: its scenario does not set "
                           "%s, which this attune has; resume it with the attune that wrote it",
                           missing);
    }
    if (rc == ATTUNE_OK)
        rc = attune_model_create(s, threads, &m, err);
    attune_scenario_free(s);
    if (rc == ATTUNE_ERR_NOMEM)
        return rc;
    if (rc != ATTUNE_OK) {
        if (err == NULL)
            return ATTUNE_ERR_CORRUPT;
        /* attune_fail clears err before it formats: keep the cause apart. Its line is one of
         * the stored scenario, not of the checkpoint file. */
        attune_error cause = *err;
        char where[48] = "";
        if (cause.line > 0)
            snprintf(where, sizeof where, "line %d of its INI text: ", cause.line);
        return attune_fail(err, ATTUNE_ERR_CORRUPT, name, 0,
                           cause.key[0] != '\0' ? cause.key : NULL,
                           "the checkpoint's scenario is invalid: %s%s", where, cause.message);
    }
    checkpoint_info ci = {0};
    get(&r, &m->week, sizeof m->week);
    m->age_week = m->week;
    m->next_household = get_u32(&r);
    m->births = get_u32(&r);
    m->deaths = get_u32(&r);
    ci.metrics_bytes = get_u64(&r);
    ci.events_bytes = get_u64(&r);
    ci.events_written = get_u64(&r);
    ci.panel_bytes = get_u64(&r);
    get(&r, &m->metrics, sizeof m->metrics);
    uint32_t count = get_u32(&r);
    people *pp = &m->people;
    if (!r.bad && (count == 0 || people_init(pp, count) != ATTUNE_OK))
        r.bad = 1;
    if (!r.bad) {
        pp->count = count;
#define GET_FIELD(type, name) get(&r, pp->name, (size_t)count * sizeof(type));
        PEOPLE_FIELDS(GET_FIELD)
#undef GET_FIELD
    }
    m->community_count = get_u32(&r);
    if (!r.bad) {
        m->community_culture = get_array(&r, m->community_count, sizeof(uint32_t));
        m->community_members = calloc(m->community_count + 1u, sizeof *m->community_members);
        if (m->community_members == NULL)
            r.bad = 1;
    }
    for (uint32_t c = 0; c < m->community_count && !r.bad; c++)
        get_ids(&r, &m->community_members[c]);
    tie_store *t = &m->ties;
    uint32_t tie_people = get_u32(&r), tie_size = get_u32(&r);
    uint64_t active = get_u64(&r);
    if (!r.bad && (tie_people != count || ties_build(t, tie_people, NULL, 0, 0) != ATTUNE_OK))
        r.bad = 1;
    if (!r.bad && ties_reserve_slots(t, tie_size) != ATTUNE_OK)
        r.bad = 1;
    if (!r.bad) {
        t->size = tie_size;
        t->active = active;
        get(&r, t->start, (size_t)tie_people * sizeof(uint32_t));
        get(&r, t->count, (size_t)tie_people * sizeof(uint32_t));
        get(&r, t->cap, (size_t)tie_people * sizeof(uint32_t));
#define GET_SLOTS(field) get(&r, t->field, (size_t)tie_size * sizeof *t->field);
        TIE_SLOT_ARRAYS(GET_SLOTS)
#undef GET_SLOTS
    }
    uint64_t interventions = get_u64(&r);
    if (!r.bad && interventions != m->intervention_count)
        r.bad = 1;
    for (size_t k = 0; k < m->intervention_count && !r.bad; k++) {
        m->interventions[k].started = (int)get_u32(&r);
        get_ids(&r, &m->interventions[k].targets);
        get_ids(&r, &m->interventions[k].partners);
    }
    if (!r.bad && r.pos != r.len)
        r.bad = 1;
    m->state = ATTUNE_STATE_READY;
    /* A well-formed file can still hold an inconsistent state (a bug, or a crafted file). */
    attune_error check;
    if (!r.bad) {
        for (uint32_t c = 0; c < m->community_count && !r.bad; c++)
            for (uint32_t k = 0; k < m->community_members[c].count; k++)
                r.bad |= m->community_members[c].ids[k] >= count;
        for (uint32_t i = 0; i < count && !r.bad; i++)
            r.bad |= pp->culture[i] >= m->culture_count || pp->community[i] >= m->community_count;
        for (size_t k = 0; k < m->intervention_count && !r.bad; k++) {
            const intervention *iv = &m->interventions[k];
            r.bad |= iv->partners.count > 0 && iv->partners.count != iv->targets.count;
            for (uint32_t q = 0; q < iv->targets.count; q++)
                r.bad |= iv->targets.ids[q] >= count ||
                         (iv->partners.count > 0 && iv->partners.ids[q] != TIE_NONE &&
                          iv->partners.ids[q] >= count);
        }
    }
    if (r.bad || attune_model_check(m, &check) != ATTUNE_OK) {
        attune_model_free(m);
        return CORRUPT("the state in the checkpoint is inconsistent%s%s", r.bad ? "" : ": ",
                       r.bad ? "" : check.message);
    }
    if (info != NULL)
        *info = ci;
    *out = m;
    return ATTUNE_OK;
}

int checkpoint_read_scenario(const char *path, attune_scenario **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return ATTUNE_ERR_IO;
    unsigned char head[28];
    uint64_t ini_len = 0;
    int rc = ATTUNE_ERR_CORRUPT;
    if (fread(head, 1, sizeof head, f) == sizeof head && memcmp(head, CHECKPOINT_MAGIC, 8) == 0) {
        uint32_t version;
        memcpy(&version, head + 8, 4);
        memcpy(&ini_len, head + 20, 8);
        if (version == CHECKPOINT_VERSION && ini_len < (1u << 24))
            rc = ATTUNE_OK;
    }
    char *ini = rc == ATTUNE_OK ? malloc((size_t)ini_len + 1) : NULL;
    if (rc == ATTUNE_OK && ini == NULL)
        rc = ATTUNE_ERR_NOMEM;
    if (rc == ATTUNE_OK && fread(ini, 1, (size_t)ini_len, f) != ini_len)
        rc = ATTUNE_ERR_CORRUPT;
    fclose(f);
    attune_scenario *s = NULL;
    if (rc == ATTUNE_OK)
        rc = attune_scenario_create(&s);
    if (rc == ATTUNE_OK)
        rc = attune_scenario_load_buffer(s, ini, (size_t)ini_len, path, NULL);
    free(ini);
    if (rc != ATTUNE_OK) {
        attune_scenario_free(s);
        return rc;
    }
    *out = s;
    return ATTUNE_OK;
}

int checkpoint_read(const char *path, int threads, attune_model **out, checkpoint_info *info,
                    attune_error *err)
{
    /* Mapped, not copied: the file's pages are the page cache's, which the kernel can drop
     * again, so reading a checkpoint needs about the memory of the model it rebuilds. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "cannot open checkpoint: %s",
                           strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "cannot read checkpoint: %s",
                           strerror(saved));
    }
    if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (unsigned long long)st.st_size > CHECKPOINT_MAX_BYTES ||
        (unsigned long long)st.st_size > SIZE_MAX) {
        close(fd);
        return attune_fail(err, ATTUNE_ERR_CORRUPT, path, 0, NULL,
                           S_ISREG(st.st_mode) ? "implausible checkpoint size"
                                               : "not a regular file");
    }
    size_t size = (size_t)st.st_size;
    /* The folder is locked (outputs.c), so no attune process changes the file while it is
     * mapped; a file cut short underneath by something else would end the process (SIGBUS). */
    void *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int saved = errno;
    close(fd);
    if (data == MAP_FAILED)
        return attune_fail(err, saved == ENOMEM ? ATTUNE_ERR_NOMEM : ATTUNE_ERR_IO, path, 0, NULL,
                           "cannot read checkpoint: %s", strerror(saved));
    posix_madvise(data, size, POSIX_MADV_SEQUENTIAL);
    int rc = checkpoint_read_buffer(data, size, path, threads, out, info, err);
    munmap(data, size);
    return rc;
}
