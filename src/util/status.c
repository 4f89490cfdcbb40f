/* status.c: filling gv_error records and forwarding warnings. Depends on libc only. */
#include "gpuviz/status.h"

#include <stdio.h>

void gv_error_set(gv_error *err, const char *file, long line, const char *fmt, ...)
{
    if (!err)
        return;
    if (!file)
        err->where[0] = '\0';
    else if (line > 0)
        snprintf(err->where, sizeof err->where, "%s:%ld", file, line);
    else
        snprintf(err->where, sizeof err->where, "%s", file);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void gv_diag_warn(const gv_diag *diag, gv_warn_kind kind, const char *file, long line,
                  const char *fmt, ...)
{
    if (!diag || !diag->fn)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag->fn(diag->ctx, kind, file, line, msg);
}
