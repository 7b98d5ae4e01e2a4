/* INI input with line numbers, shared by scenario and sweep files (see ini_lines.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/scenario_internal.h"
#include "io/ini_lines.h"

void ini_vfail(ini_first_error *first, const char *name, int status, int line, const char *key,
               const char *fmt, va_list ap)
{
    if (first->failed && first->error.line <= line)
        return;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    attune_fail(&first->error, status, name, line, key, "%s", msg);
    first->failed = 1;
}

void ini_lines_init(ini_lines *r, const char *text, size_t size,
                    void (*syntax_error)(void *owner, int line, const char *message), void *owner)
{
    memset(r, 0, sizeof *r);
    r->text = text;
    r->size = size;
    r->syntax_error = syntax_error;
    r->owner = owner;
    if (size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
}

/* The first of `chars` in `s`, or the start of an inline comment (';' after white space), or the
 * end of the line: what inih's find_chars_or_comment finds (Debian's build: inline comments on,
 * prefix ';'). */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
    int was_space = 0;
    while (*s != '\0' && *s != '\n' && strchr(chars, *s) == NULL && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

/* A "[section]" line (`p` at its '['): records its line and, as inih does, the name up to the
 * first ']' (a header without one is inih's syntax error and leaves the section as it was). */
static void read_header(ini_lines *r, const char *p)
{
    r->section_line = r->line;
    const char *close = find_chars_or_comment(p + 1, "]");
    if (*close != ']')
        return;
    size_t name_len = (size_t)(close - p - 1);
    if (name_len > INI_SECTION_NAME_MAX) {
        char msg[64];
        snprintf(msg, sizeof msg, "section name is longer than %d characters",
                 INI_SECTION_NAME_MAX);
        r->syntax_error(r->owner, r->line, msg);
        name_len = INI_SECTION_NAME_MAX;
    }
    memcpy(r->section, p + 1, name_len);
    r->section[name_len] = '\0';
    /* inih ignores what follows the ']': only a comment may. */
    const char *rest = close + 1;
    while (*rest != '\0' && *rest != '\n' && isspace((unsigned char)*rest))
        rest++;
    if (*rest != '\0' && *rest != '\n' && *rest != ';' && *rest != '#') {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "text after the section header [%.*s]: a header stands alone on its line "
                 "(a comment may follow, after ; or #)",
                 (int)(name_len < 60 ? name_len : 60), r->section);
        r->syntax_error(r->owner, r->line, msg);
    }
}

/* A "key = value" line (`p` at its first character): inih also takes "key : value", which these
 * files do not allow (one way to write a setting; ':' may still appear in a value). */
static void read_setting(ini_lines *r, const char *p)
{
    const char *sep = find_chars_or_comment(p, "=:");
    if (*sep != ':')
        return;
    size_t key_len = (size_t)(sep - p);
    while (key_len > 0 && isspace((unsigned char)p[key_len - 1]))
        key_len--;
    char msg[160];
    snprintf(msg, sizeof msg,
             "'%.*s' is followed by ':'; write %.*s = VALUE ('=' separates a key "
             "from its value)",
             (int)(key_len < 40 ? key_len : 40), p, (int)(key_len < 40 ? key_len : 40), p);
    r->syntax_error(r->owner, r->line, msg);
}

char *ini_lines_read(char *str, int num, void *stream)
{
    ini_lines *r = stream;
    if (r->pos >= r->size)
        return NULL;
    size_t start = r->pos, end = start;
    while (end < r->size && r->text[end] != '\n')
        end++;
    r->line++;
    r->pos = end < r->size ? end + 1 : end;
    /* Indentation means nothing: inih would take an indented line for the continuation of the
     * value before it (multi-line values are on in Debian's build), so it never sees any. */
    while (start < end && isspace((unsigned char)r->text[start]))
        start++;
    size_t len = end - start;
    if (len + 2 > (size_t)num) {
        char msg[64];
        snprintf(msg, sizeof msg, "line is longer than %d characters", num - 2);
        r->syntax_error(r->owner, r->line, msg);
        len = (size_t)num - 2;
    }
    memcpy(str, r->text + start, len);
    str[len] = '\n';
    str[len + 1] = '\0';
    if (str[0] == '[')
        read_header(r, str);
    else if (str[0] != ';' && str[0] != '#' && str[0] != '\n')
        read_setting(r, str);
    return str;
}

int ini_refuse_binary(const char *text, size_t size, const char *name, attune_error *err)
{
    const char *nul = memchr(text, '\0', size);
    if (nul == NULL)
        return ATTUNE_OK;
    int line = 1;
    for (const char *p = text; p < nul; p++)
        line += *p == '\n';
    return attune_fail(err, ATTUNE_ERR_SYNTAX, name, line, NULL,
                       "binary data (a NUL byte): the file must be INI text");
}

void ini_line_excerpt(const char *text, size_t size, int line, char *out, size_t out_size)
{
    size_t pos = 0;
    for (int l = 1; l < line && pos < size; pos++)
        if (text[pos] == '\n')
            l++;
    size_t end = pos;
    while (end < size && text[end] != '\n' && end - pos < 60)
        end++;
    size_t n = end - pos < out_size - 1 ? end - pos : out_size - 1;
    memcpy(out, text + pos, n);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
            out[i] = '?';
}

void ini_strip_hash_comment(char *value)
{
    for (char *p = value; *p; p++) {
        if (*p == '#' && (p == value || p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            break;
        }
    }
    size_t n = strlen(value);
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        value[--n] = '\0';
}

int ini_read_file(const char *path, size_t max_bytes, const char *what, char **text, size_t *size,
                  attune_error *err)
{
    *text = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "cannot open %s: %s", what,
                           strerror(errno));
    char *buf = NULL;
    size_t used = 0, cap = 0;
    int rc = ATTUNE_OK;
    for (;;) {
        if (used == cap) {
            if (cap >= max_bytes) {
                rc = attune_fail(err, ATTUNE_ERR_TOO_LARGE, path, 0, NULL,
                                 "%s is larger than %zu MiB", what, max_bytes >> 20);
                break;
            }
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                rc = attune_fail(err, ATTUNE_ERR_NOMEM, path, 0, NULL, "out of memory");
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) {
            if (ferror(f))
                rc = attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "cannot read %s: %s", what,
                                 strerror(errno));
            break;
        }
    }
    fclose(f);
    if (rc != ATTUNE_OK) {
        free(buf);
        return rc;
    }
    if (buf == NULL && (buf = malloc(1)) == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, path, 0, NULL, "out of memory");
    buf[used] = '\0';
    *text = buf;
    *size = used;
    return ATTUNE_OK;
}
