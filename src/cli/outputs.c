/* outputs.c: writes one output of a run (the page, the events, the summary, JUnit, Markdown)
 * through a temporary file renamed into place (atomic_file.h). */
#include "cli.h"

#include "gpuviz/atomic_file.h"
#include "gpuviz/buf.h"
#include "gpuviz/html_report.h"
#include "gpuviz/input.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

gv_status gv_cli_write_output(const char *path, gv_out_kind kind, const gv_timeline *tl, const gv_summary *sum,
                             const gv_cli_opts *o, const gv_outcomes *oc, gv_error *err)
{
    gv_out out;
    gv_status st = gv_out_open(&out, path, err);
    if (st != GV_OK)
        return st;
    if (kind == GV_OUT_PAGE) {
        gv_buf csv; /* the GPU files, as the page's header names them */
        gv_buf_init(&csv, 0);
        for (size_t i = 0; i < o->csv_len; i++)
            gv_buf_printf(&csv, "%s%s", i ? ", " : "", o->csv_paths[i]);
        gv_report_opts ro = {.csv_path = csv.data, .title = o->title, .log_path = o->log_path,
                             .plotly_cdn = o->plotly_cdn, .max_bytes = (size_t)(o->max_size_mb * 1e6),
                             .max_points = (size_t)o->max_points, .timeline_row = o->timeline_row,
                             .helper_thread = o->threads >= 2};
        st = gv_html_write(out.f, tl, &ro, err);
        gv_buf_cleanup(&csv);
    } else if (kind == GV_OUT_EVENTS) {
        st = gv_export_events(out.f, tl, o->export_fmt, err);
    } else if (kind == GV_OUT_JUNIT) {
        st = gv_junit_write(out.f, o->title ? o->title : o->csv_path, oc->c, oc->n, err);
    } else if (kind == GV_OUT_MD) {
        st = gv_summary_md_write(out.f, tl, o->title ? o->title : o->csv_path, oc->c, oc->n, err);
    } else {
        st = gv_summary_write(out.f, sum, err);
    }
    if (st != GV_OK) {
        char msg[sizeof err->msg]; /* (not formatted into itself: overlapping vsnprintf) */
        snprintf(msg, sizeof msg, "%s", err->msg);
        gv_error_set(err, path, 0, "%s", msg);
        gv_out_abort(&out);
        return st;
    }
    return gv_out_commit(&out, err);
}

long long gv_cli_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}
