/*
 * panel.csv: a sampled fraction of people, a row a person every PANEL_WEEKS weeks, with every
 * per-person array of the model (people.h, in its order) and the derived classes and tie
 * counts. Columns are documented in docs/outputs.md.
 */
#include <stdio.h>
#include <string.h>

#include "io/panel.h"
#include "model/processes.h"

/* Every array of people.h goes into the panel except `alive` (rows are living people only). */
static int panel_skips(const char *field)
{
    return strcmp(field, "alive") == 0;
}

/* Columns after week, person and age, and before the arrays of people.h. */
static const char *const derived_columns[] = {"security",      "child_class", "adult_class",
                                              "coping_active", "degree",      "toxic_ties",
                                              "ruptured_ties"};

int panel_member(const attune_model *m, uint32_t i)
{
    uint32_t r[4];
    rng_draw4(m->key, RNG_WEEK_INIT, STREAM_OUTPUT_SAMPLE, i, 0, r);
    return rng_u01(r[0]) < m->p->output_panel_fraction;
}

double panel_ego_rank(const attune_model *m, uint32_t i)
{
    uint32_t r[4];
    rng_draw4(m->key, RNG_WEEK_INIT, STREAM_OUTPUT_SAMPLE, i, 0, r);
    return rng_u01(r[1]);
}

int panel_write_header(FILE *f)
{
    int failed = fputs("week,person,age", f) < 0;
    for (size_t k = 0; k < sizeof derived_columns / sizeof derived_columns[0]; k++)
        failed |= fprintf(f, ",%s", derived_columns[k]) < 0;
#define PANEL_HEADER(type, name)                                                                   \
    if (!panel_skips(#name))                                                                       \
        failed |= fputs("," #name, f) < 0;
    PEOPLE_FIELDS(PANEL_HEADER)
#undef PANEL_HEADER
    failed |= fputc('\n', f) == EOF;
    return failed ? ATTUNE_ERR_IO : ATTUNE_OK;
}

/* Integers in decimal, reals with nine significant digits (exact for float). */
#define PANEL_IS_REAL(x) _Generic((x), float : 1, double : 1, default : 0)

static int write_row(FILE *f, const attune_model *m, uint32_t i)
{
    const people *pp = &m->people;
    const tie_store *t = &m->ties;
    uint32_t toxic = 0, ruptured = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        toxic += tie_is_toxic(m, h) ? 1u : 0u;
        ruptured += (t->rupture[h] & TIE_RUPTURED) ? 1u : 0u;
    }
    int failed =
        fprintf(f, "%d,%u,%.9g,%.9g,%s,%s,%d,%u,%u,%u", m->week, i, person_age_years(m, i),
                person_security(m, i), attachment_infant_class_name(attachment_infant_class(m, i)),
                attachment_adult_class_name(attachment_adult_class(m, i)),
                pp->coping[i] >= m->p->coping_active_level, t->count[i], toxic, ruptured) < 0;
#define PANEL_VALUE(type, name)                                                                    \
    if (panel_skips(#name)) {                                                                      \
    } else if (strcmp(#name, "infant_class") == 0) {                                               \
        failed |= fprintf(f, ",%s", attachment_infant_class_name(pp->infant_class[i])) < 0;        \
    } else if (PANEL_IS_REAL(pp->name[i])) {                                                       \
        failed |= fprintf(f, ",%.9g", (double)pp->name[i]) < 0;                                    \
    } else {                                                                                       \
        failed |= fprintf(f, ",%lld", (long long)pp->name[i]) < 0;                                 \
    }
    PEOPLE_FIELDS(PANEL_VALUE)
#undef PANEL_VALUE
    failed |= fputc('\n', f) == EOF;
    return failed ? ATTUNE_ERR_IO : ATTUNE_OK;
}

int panel_write_week(FILE *f, const attune_model *m)
{
    if (m->week % PANEL_WEEKS != 0 || m->p->output_panel_fraction <= 0)
        return ATTUNE_OK;
    const people *pp = &m->people;
    for (uint32_t i = 0; i < pp->count; i++)
        if (pp->alive[i] && panel_member(m, i) && write_row(f, m, i) != ATTUNE_OK)
            return ATTUNE_ERR_IO;
    return ATTUNE_OK;
}
