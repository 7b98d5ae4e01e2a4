/*
 * INI input shared by scenario and sweep files: inih's handler gets no line numbers in
 * Debian's build, so the input is read into memory and fed to inih through a reader that
 * counts lines; a handler then knows the line of every key it sees.
 */
#ifndef ATTUNE_INI_LINES_H
#define ATTUNE_INI_LINES_H

#include <stdarg.h>
#include <stddef.h>

#include "attune/attune.h"

/* Longest section name the reader accepts, in bytes (longer ones are refused). inih cuts section
 * names at INI_MAX_SECTION (50 bytes with the NUL) without a word, so the reader keeps the whole
 * name of the current section in ini_lines.section and handlers take it from there. 127 holds
 * every section the writers produce: [intervention NAME] and [vary intervention.NAME.FIELD] with
 * a name of ATTUNE_NAME_MAX - 1 (63) characters. */
#define INI_SECTION_NAME_MAX 127

typedef struct ini_lines {
    const char *text; /* whole input, need not end in NUL */
    size_t size, pos;
    int line;         /* 1-based line last handed to inih */
    int section_line; /* line of the last [section] header */
    /* Name of the current section, whole (inih's handler argument is cut at 49 bytes): the
     * text between '[' and ']' of the last header inih accepted, "" before any. */
    char section[INI_SECTION_NAME_MAX + 1];
    /* Called for what inih would take silently: a line longer than its buffer, a section name
     * that is too long, text after a section header, ':' between a key and its value. */
    void (*syntax_error)(void *owner, int line, const char *message);
    void *owner;
} ini_lines;

/* The first error of a file by line: later calls replace it only with an earlier line. */
typedef struct ini_first_error {
    attune_error error;
    int failed;
} ini_first_error;

/* Records status and the printf-style message at `line` of file `name` in `first`. */
void ini_vfail(ini_first_error *first, const char *name, int status, int line, const char *key,
               const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* Starts reading `text` (a UTF-8 byte order mark is skipped). */
void ini_lines_init(ini_lines *r, const char *text, size_t size,
                    void (*syntax_error)(void *owner, int line, const char *message), void *owner);

/* inih's reader (ini_parse_stream): `stream` is the ini_lines. Hands inih each line without its
 * leading white space (so no line continues the value before it). */
char *ini_lines_read(char *str, int num, void *stream);

/* Fails with ATTUNE_ERR_SYNTAX naming the line of the first NUL byte, if there is one. */
int ini_refuse_binary(const char *text, size_t size, const char *name, attune_error *err);

/* Line `line` of `text`, at most 60 characters, control characters shown as '?'. */
void ini_line_excerpt(const char *text, size_t size, int line, char *out, size_t out_size);

/* Drops a trailing " # comment" that inih keeps (it strips only " ; comment") and blanks. */
void ini_strip_hash_comment(char *value);

/* Reads a whole file of at most `max_bytes` into a malloc'd buffer (NUL-terminated; `size`
 * excludes the NUL). `what` names the file's kind in messages, e.g. "scenario file". */
int ini_read_file(const char *path, size_t max_bytes, const char *what, char **text, size_t *size,
                  attune_error *err);

#endif
