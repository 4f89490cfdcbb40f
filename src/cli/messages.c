/* messages.c: the one place that formats what gpuviz prints on stderr (curl's tool_msgs idea).
 * Errors: "gpuviz: error: <where>: <message>". Warnings: the first few of each kind with their
 * position, then a count of the rest. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

void gv_msgs_init(gv_msgs *m, bool quiet)
{
    *m = (gv_msgs){.quiet = quiet, .shown_limit = 5};
}

static void on_warn(void *ctx, gv_warn_kind kind, const char *file, long line, const char *msg)
{
    gv_msgs *m = ctx;
    if (m->count[kind]++ >= m->shown_limit || m->quiet)
        return;
    if (file && line > 0)
        fprintf(stderr, "gpuviz: warning: %s:%ld: %s\n", file, line, msg);
    else if (file)
        fprintf(stderr, "gpuviz: warning: %s: %s\n", file, msg);
    else
        fprintf(stderr, "gpuviz: warning: %s\n", msg);
}

gv_diag gv_msgs_diag(gv_msgs *m) { return (gv_diag){.fn = on_warn, .ctx = m}; }

void gv_msg_error(const gv_error *err)
{
    if (err->where[0])
        fprintf(stderr, "gpuviz: error: %s: %s\n", err->where, err->msg);
    else
        fprintf(stderr, "gpuviz: error: %s\n", err->msg);
}

void gv_msg_info(const gv_msgs *m, const char *fmt, ...)
{
    if (m->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

void gv_msgs_flush(const gv_msgs *m)
{
    static const char *const what[GV_WARN_KIND_COUNT] = {
        "skipped CSV rows", "CSV restarts", "CSV time warnings", "log line warnings",
        "log event warnings", "range warnings"};
    if (m->quiet)
        return;
    for (int k = 0; k < GV_WARN_KIND_COUNT; k++)
        if (m->count[k] > m->shown_limit)
            fprintf(stderr, "gpuviz: warning: ... and %zu more %s (%zu in all)\n",
                    m->count[k] - m->shown_limit, what[k], m->count[k]);
}

size_t gv_msgs_total(const gv_msgs *m)
{
    size_t n = 0;
    for (int k = 0; k < GV_WARN_KIND_COUNT; k++)
        n += m->count[k];
    return n;
}
