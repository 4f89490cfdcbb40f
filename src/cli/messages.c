/* messages.c: the one place that formats what gpuviz prints on stderr (curl's tool_msgs idea).
 * Errors: "gpuviz: error: <where>: <message>". Warnings: the first few of each kind with their
 * position, then a count of the rest. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gv_msgs_init(gv_msgs *m, bool quiet)
{
    *m = (gv_msgs){.quiet = quiet, .shown_limit = 5,
                   .timing_start = getenv("GPUVIZ_TIMING") ? gv_now_s() : 0};
}

static void on_warn(void *ctx, gv_warn_kind kind, const char *file, long line, const char *msg)
{
    gv_msgs *m = ctx;
    if (m->count[kind]++ >= m->shown_limit || m->quiet)
        return;
    if (m->progress)
        gv_progress_end(m->progress); /* the next update draws it again below the warning */
    char spelled[1024];
    gv_cli_spell(msg, spelled, sizeof spelled);
    msg = spelled;
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
    char msg[1024];
    gv_cli_spell(err->msg, msg, sizeof msg);
    if (err->where[0])
        fprintf(stderr, "gpuviz: error: %s: %s\n", err->where, msg);
    else
        fprintf(stderr, "gpuviz: error: %s\n", msg);
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

double gv_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void gv_msg_timing(const gv_msgs *m, const char *step)
{
    if (m->timing_start > 0)
        fprintf(stderr, "gpuviz: timing: %-24s %7.3f s\n", step, gv_now_s() - m->timing_start);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void gv_progress_init(gv_progress *p, bool enabled, const char *name, double delay_ms)
{
    double now = gv_now_s();
    *p = (gv_progress){.enabled = enabled, .name = base_name(name), .start_s = now, .file_s = now,
                       .delay_s = delay_ms / 1000};
}

void gv_progress_next(gv_progress *p, const char *name)
{
    gv_progress_end(p);
    p->name = base_name(name);
    p->file_s = gv_now_s();
}

void gv_progress_update(void *ctx, unsigned long long done, unsigned long long total)
{
    gv_progress *p = ctx;
    if (!p->enabled)
        return;
    double t = gv_now_s(), el = t - p->file_s;
    if (t - p->start_s < p->delay_s || (p->shown && t - p->last_s < 0.2))
        return;
    p->last_s = t;
    double rate = el > 0 ? (double)done / el : 0;
    char line[200];
    int n;
    if (total > 0)
        n = snprintf(line, sizeof line, "gpuviz: reading %s: %3.0f%% (%.0f of %.0f MB), %.0f MB/s, %.1f s left",
                     p->name, 100.0 * (double)done / (double)total, (double)done / 1e6, (double)total / 1e6,
                     rate / 1e6, rate > 0 ? (double)(total - (done < total ? done : total)) / rate : 0);
    else
        n = snprintf(line, sizeof line, "gpuviz: reading %s: %.0f MB, %.0f MB/s", p->name,
                     (double)done / 1e6, rate / 1e6);
    size_t len = n > 0 ? (size_t)n : 0;
    fprintf(stderr, "\r%s%*s", line, (int)(p->width > len ? p->width - len : 0), "");
    p->width = len;
    p->shown = true;
    fflush(stderr);
}

void gv_progress_end(gv_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r%*s\r", (int)p->width, "");
    p->shown = false;
}
