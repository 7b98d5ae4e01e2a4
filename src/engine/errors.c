/* Status names and error records. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "attune/attune.h"
#include "engine/scenario_internal.h"

const char *attune_strerror(int status)
{
    switch (status) {
    case ATTUNE_OK: return "ok";
    case ATTUNE_ERR_NOMEM: return "out of memory";
    case ATTUNE_ERR_ARGUMENT: return "bad argument";
    case ATTUNE_ERR_STATE: return "call not allowed in this state";
    case ATTUNE_ERR_UNKNOWN_KEY: return "unknown key";
    case ATTUNE_ERR_TYPE: return "wrong type";
    case ATTUNE_ERR_RANGE: return "out of range";
    case ATTUNE_ERR_DUPLICATE: return "duplicate key";
    case ATTUNE_ERR_SYNTAX: return "syntax error";
    case ATTUNE_ERR_IO: return "input/output error";
    case ATTUNE_ERR_EXISTS: return "already exists";
    case ATTUNE_ERR_TOO_LARGE: return "too large";
    case ATTUNE_ERR_GRAPH: return "graph library error";
    case ATTUNE_ERR_INVARIANT: return "invariant violated";
    case ATTUNE_ERR_CORRUPT: return "corrupt checkpoint";
    default: return "unknown status";
    }
}

const char *attune_version(void)
{
    return ATTUNE_VERSION_STRING;
}

const char *attune_git_commit(void)
{
    return ATTUNE_GIT_COMMIT;
}

int attune_fail(attune_error *err, int status, const char *file, int line, const char *key,
                const char *fmt, ...)
{
    if (err == NULL)
        return status;
    memset(err, 0, sizeof *err);
    err->status = status;
    if (file != NULL)
        snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    if (key != NULL)
        snprintf(err->key, sizeof err->key, "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

char *attune_error_format(const attune_error *err, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    if (err->file[0] != '\0' && err->line > 0)
        snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->message);
    else if (err->file[0] != '\0')
        snprintf(buf, size, "%s: %s", err->file, err->message);
    else
        snprintf(buf, size, "%s", err->message);
    return buf;
}
