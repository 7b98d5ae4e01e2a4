/* A growable string for the library's writers (INI, JSON, Markdown, SQL). */
#ifndef ATTUNE_STRBUF_H
#define ATTUNE_STRBUF_H

#include <stddef.h>

#include "attune/attune.h"

/* Start with {0}. A failed allocation sets `failed`; later calls then do nothing. */
typedef struct strbuf {
    char *data;
    size_t len, cap;
    int failed;
} strbuf;

/* Appends printf output. */
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hands the text to *text (the caller frees it), or frees it and returns ATTUNE_ERR_NOMEM
 * if an append failed or nothing was written. */
int sb_finish(strbuf *sb, char **text);

#endif
