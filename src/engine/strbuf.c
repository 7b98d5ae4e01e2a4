/* A growable string (see strbuf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/strbuf.h"

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    if (sb->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = sb->cap - sb->len;
        int n = vsnprintf(sb->data ? sb->data + sb->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            sb->failed = 1;
            return;
        }
        if ((size_t)n < room) {
            sb->len += (size_t)n;
            return;
        }
        size_t cap = sb->cap ? sb->cap * 2 : 4096;
        while (cap - sb->len <= (size_t)n)
            cap *= 2;
        char *d = realloc(sb->data, cap);
        if (d == NULL) {
            sb->failed = 1;
            return;
        }
        sb->data = d;
        sb->cap = cap;
    }
}

int sb_finish(strbuf *sb, char **text)
{
    if (sb->failed || sb->data == NULL) {
        free(sb->data);
        return ATTUNE_ERR_NOMEM;
    }
    *text = sb->data;
    return ATTUNE_OK;
}
