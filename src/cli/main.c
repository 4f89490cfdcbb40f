/* main.c: gpuviz's command line. Parses the log first (it is small), then makes one pass over the
 * GPU CSV that feeds every consumer, then writes the page and the exports. The only place that
 * calls exit statuses into being; one exit path at the end. */
#include "build_info.h"
#include "cli.h"
#include "gpuviz/atomic_file.h"
#include "gpuviz/correlate.h"
#include "gpuviz/csv_reader.h"
#include "gpuviz/html_report.h"
#include "gpuviz/log_parser.h"
#include "gpuviz/timeline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int exit_for(gv_status st)
{
    switch (st) {
    case GV_OK: return GV_EXIT_OK;
    case GV_ERR_OUTPUT: return GV_EXIT_OUTPUT;
    case GV_ERR_USAGE:
    case GV_ERR_INPUT:
    case GV_ERR_LIMIT: break;
    }
    return GV_EXIT_USAGE;
}

/* Inputs must be readable regular files; outputs must not overwrite an input. */
static gv_status check_paths(const gv_cli_opts *o, gv_error *err)
{
    const char *inputs[] = {o->csv_path, o->log_path};
    for (int i = 0; i < 2; i++) {
        if (!inputs[i])
            continue;
        struct stat st;
        FILE *f = fopen(inputs[i], "rb");
        if (!f) {
            gv_error_set(err, inputs[i], 0, "cannot open: %s", strerror(errno));
            return GV_ERR_INPUT;
        }
        int is_dir = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
        fclose(f);
        if (is_dir) {
            gv_error_set(err, inputs[i], 0, "is a directory, not a file");
            return GV_ERR_INPUT;
        }
    }
    const char *outputs[] = {o->output, o->export_path};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 2; i++)
            if (outputs[k] && gv_same_file(outputs[k], inputs[i])) {
                gv_error_set(err, outputs[k], 0,
                             "refusing to overwrite an input file with an output; choose "
                             "another output path");
                return GV_ERR_USAGE;
            }
    if (o->export_path && gv_same_file(o->output, o->export_path)) {
        gv_error_set(err, o->export_path, 0, "the page and the export would be the same file");
        return GV_ERR_USAGE;
    }
    return GV_OK;
}

static gv_status write_output(const char *path, const gv_timeline *tl, const gv_cli_opts *o,
                              bool page, gv_error *err)
{
    gv_out out;
    gv_status st = gv_out_open(&out, path, err);
    if (st != GV_OK)
        return st;
    if (page) {
        gv_report_opts ro = {.csv_path = o->csv_path, .log_path = o->log_path,
                             .plotly_cdn = o->plotly_cdn};
        st = gv_html_write(out.f, tl, &ro, err);
    } else {
        st = gv_export_events(out.f, tl, o->export_fmt, err);
    }
    if (st != GV_OK) {
        gv_error_set(err, path, 0, "%s", err->msg);
        gv_out_abort(&out);
        return st;
    }
    return gv_out_commit(&out, err);
}

static void fmt_duration(char *out, size_t n, double s)
{
    long t = lround(s);
    snprintf(out, n, "%ld h %02ld min %02ld s", t / 3600, t / 60 % 60, t % 60);
}

static void print_summary(const gv_msgs *m, const gv_timeline *tl, const gv_cli_opts *o)
{
    char a[40], b[40], dur[48];
    gv_time_format_iso(tl->t_first, a, sizeof a);
    gv_time_format_iso(tl->t_last, b, sizeof b);
    double secs = (double)(tl->t_last - tl->t_first) / 1e6;
    fmt_duration(dur, sizeof dur, secs);
    gv_msg_info(m, "gpuviz: %s: %zu rows read, %zu skipped", o->csv_path, tl->rows_read,
                tl->rows_skipped);
    if (tl->restarts)
        gv_msg_info(m, ", %zu sampler restart%s", tl->restarts, tl->restarts == 1 ? "" : "s");
    gv_msg_info(m, "\n  time %s .. %s (%s)", a, b, dur);
    if (secs > 0)
        gv_msg_info(m, ", %.1f samples/s", (double)(tl->rows_read - 1) / secs);
    gv_msg_info(m, "\n");
    for (size_t g = 0; g < tl->gpus_len; g++) {
        const gv_gpu *gp = &tl->gpus[g];
        gv_msg_info(m, "  GPU%d", gp->index);
        int ps = gv_gpu_energy_series(gp);
        if (ps >= 0) {
            const gv_series_stats *s = &tl->series[ps].stats;
            if (s->n)
                gv_msg_info(m, "  power (%s) mean %.1f W, min %.1f, max %.1f; energy %.1f Wh",
                            tl->series[ps].name, s->sum / (double)s->n, s->min, s->max,
                            s->energy_wh);
        }
        if (gp->temp >= 0 && tl->series[gp->temp].stats.n) {
            const gv_series_stats *s = &tl->series[gp->temp].stats;
            gv_msg_info(m, "  temp mean %.1f C, min %.0f, max %.0f", s->sum / (double)s->n, s->min,
                        s->max);
        }
        gv_msg_info(m, "\n");
    }
    if (tl->idle_cutoff != GV_TIME_NONE) {
        gv_time_format_iso(tl->idle_cutoff, a, sizeof a);
        gv_msg_info(m, "  idle cutoff %s (%.0f min after the last sample >= %.0f W); later samples "
                       "not plotted\n", a, o->buffer_min, o->power_threshold_w);
    }
    if (o->log_path) {
        size_t c[GV_EV_TYPE_COUNT];
        gv_timeline_count_events(tl, c);
        gv_msg_info(m, "  events: %zu validation, %zu evaluation, %zu checkpoint", c[0], c[1], c[2]);
        if (tl->events_before || tl->events_after)
            gv_msg_info(m, " (%zu outside the samples left out)", tl->events_before + tl->events_after);
        gv_msg_info(m, "; %zu training step lines in %zu phase%s\n", tl->steps_len, tl->step_phases,
                    tl->step_phases == 1 ? "" : "s");
    }
}

int main(int argc, char **argv)
{
    gv_cli_opts o;
    gv_error err = {{0}, {0}};
    gv_timeline tl;
    gv_correlator *corr = NULL;
    gv_msgs msgs;
    gv_status st = gv_cli_parse(argc, argv, &o, &err);
    gv_timeline_init(&tl);
    gv_msgs_init(&msgs, o.quiet);
    gv_diag diag = gv_msgs_diag(&msgs);

    if (st != GV_OK)
        goto cleanup;
    if (o.action == GV_CLI_HELP) {
        gv_cli_print_help();
        goto cleanup;
    }
    if (o.action == GV_CLI_VERSION) {
        printf("gpuviz %s (Plotly.js %s embedded)\n", GV_VERSION, GV_PLOTLY_VERSION);
        goto cleanup;
    }
    if ((st = check_paths(&o, &err)) != GV_OK)
        goto cleanup;

    /* 1. the log: small, parsed whole before the samples so that the pass can correlate */
    if (o.log_path) {
        if ((st = gv_log_parse_file(o.log_path, &tl, &diag, &err)) != GV_OK)
            goto cleanup;
        if (o.time_offset_s != 0)
            gv_timeline_shift_log(&tl, (gv_time_us)llround(o.time_offset_s * 1e6));
        gv_timeline_filter_types(&tl, o.event_mask);
        gv_timeline_sort_events(&tl);
    }

    /* 2. one pass over the samples */
    gv_correlate_opts co = {.power_threshold_w = o.power_threshold_w, .buffer_min = o.buffer_min,
                            .idle_cutoff = o.idle_cutoff, .max_points = o.max_points};
    corr = gv_correlator_new(&tl, &co);
    if ((st = gv_csv_read_file(o.csv_path, &tl, gv_correlator_sink(corr), &diag, &err)) != GV_OK)
        goto cleanup;
    gv_correlator_finish(corr, &diag, o.log_path);

    /* 3. outputs */
    print_summary(&msgs, &tl, &o);
    if ((st = write_output(o.output, &tl, &o, true, &err)) != GV_OK)
        goto cleanup;
    if (o.export_path && (st = write_output(o.export_path, &tl, &o, false, &err)) != GV_OK)
        goto cleanup;
    gv_msgs_flush(&msgs);
    if (strcmp(o.output, "-") != 0)
        gv_msg_info(&msgs, "gpuviz: wrote %s\n", o.output);
    if (o.export_path && strcmp(o.export_path, "-") != 0)
        gv_msg_info(&msgs, "gpuviz: wrote %s\n", o.export_path);

cleanup:
    if (st != GV_OK)
        gv_msg_error(&err);
    gv_correlator_free(corr);
    gv_timeline_cleanup(&tl);
    return exit_for(st);
}
