/* console.c: the report on stderr after a run: what was read, a table of the GPUs, the events and
 * how the log was timed, a table of the phases, the training runs and the anomalies grouped by
 * kind. Reads the const timeline; writes only through gv_msg_info (silent with --quiet). */
#include "cli.h"

#include "gpuviz/anomalies.h"
#include "gpuviz/buf.h"
#include "gpuviz/log_rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fmt_duration(char *out, size_t n, double s)
{
    long t = lround(s);
    snprintf(out, n, "%ld h %02ld min %02ld s", t / 3600, t / 60 % 60, t % 60);
}

/* h:mm:ss */
static void fmt_clock(char *out, size_t n, double s)
{
    long t = lround(s);
    snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

/* The phases as a table (time and energy of all GPUs, with their shares), then the training runs. */
static void print_phases(const gv_msgs *m, const gv_timeline *tl)
{
    double all_s, all_wh, wh[GV_PHASE_COUNT];
    gv_timeline_phase_totals(tl, wh, &all_s, &all_wh);
    if (all_s <= 0)
        return;
    gv_msg_info(m, "  %-12s %10s %7s %11s %7s\n", "phase", "time", "share", "energy Wh", "share");
    for (int p = 0; p < GV_PHASE_COUNT; p++) {
        if (tl->pass.phase_seconds[p] <= 0)
            continue;
        char t[32];
        fmt_clock(t, sizeof t, tl->pass.phase_seconds[p]);
        gv_msg_info(m, "  %-12s %10s %6.1f%% %11.1f %6.1f%%", gv_phase_name((gv_phase)p), t,
                    100 * tl->pass.phase_seconds[p] / all_s, wh[p], all_wh > 0 ? 100 * wh[p] / all_wh : 0);
        if (p == GV_PHASE_IDLE && tl->pass.idle_after_run_s > 0) /* the run's tail is not a stall */
            gv_msg_info(m, "  (during the run %.1f%%, after it %.1f%%)",
                        100 * (tl->pass.phase_seconds[p] - tl->pass.idle_after_run_s) / all_s, 100 * tl->pass.idle_after_run_s / all_s);
        gv_msg_info(m, "\n");
    }
    for (size_t p = 0; tl->pass.train_phases && p < tl->log.step_phases; p++) {
        const gv_train_phase *t = &tl->pass.train_phases[p];
        if (!t->steps)
            continue;
        bool named = t->label && strncmp(t->label, "phase ", 6) != 0; /* (base, mid, chatsft) */
        gv_msg_info(m, "  training run %zu%s%s%s: steps %ld..%ld", p + 1, named ? " (" : "",
                    named ? t->label : "", named ? ")" : "", t->first_step, t->last_step);
        if (t->total_steps > 0)
            gv_msg_info(m, " of %ld%s", t->total_steps, gv_train_phase_complete(t) ? "" : " (stopped early)");
        gv_msg_info(m, ", %.0f s, %.1f Wh", t->seconds, t->energy_wh);
        if (t->tokens > 0)
            gv_msg_info(m, ", %.3g J/token", t->energy_wh * 3600 / t->tokens);
        gv_msg_info(m, "\n");
    }
}

/* Anomalies grouped by severity (critical first), then by kind: counts, then the first few of
 * each kind. */
#define ANOMALIES_SHOWN_PER_KIND 3
static void print_anomalies(const gv_msgs *m, const gv_timeline *tl)
{
    size_t total = 0;
    for (int k = 0; k < GV_AN_KIND_COUNT; k++)
        total += tl->analysis.anomaly_counts[k];
    gv_msg_info(m, "  anomalies: %zu", total);
    for (int s = GV_SEV_COUNT - 1, n = 0; s >= 0; s--)
        if (tl->analysis.anomaly_severity_counts[s])
            gv_msg_info(m, "%s%zu %s", n++ ? ", " : " (", tl->analysis.anomaly_severity_counts[s], gv_severity_name((gv_severity)s));
    for (int k = 0, n = 0; k < GV_AN_KIND_COUNT; k++)
        if (tl->analysis.anomaly_counts[k])
            gv_msg_info(m, "%s%s %zu", n++ ? ", " : "; ", gv_anomaly_kind_name((gv_anomaly_kind)k), tl->analysis.anomaly_counts[k]);
    gv_msg_info(m, "%s\n", total ? ")" : "");
    for (int s = GV_SEV_COUNT - 1; s >= 0; s--)
        for (int k = 0; k < GV_AN_KIND_COUNT; k++) {
            size_t shown = 0, of = 0;
            for (size_t i = 0; i < tl->analysis.anomalies_len; i++) {
                const gv_anomaly *a = &tl->analysis.anomalies[i];
                if ((int)a->kind != k || (int)a->severity != s)
                    continue;
                if (of++ >= ANOMALIES_SHOWN_PER_KIND)
                    continue;
                char at[40];
                gv_time_format_iso(a->t, at, sizeof at);
                gv_msg_info(m, "    %-8s %s %s: %s\n", gv_severity_name(a->severity), at, gv_anomaly_kind_name(a->kind),
                            a->message);
                shown++;
            }
            if (of > shown)
                gv_msg_info(m, "    ... %zu more %s %s in the summary JSON\n", of - shown, gv_severity_name((gv_severity)s),
                            gv_anomaly_kind_name((gv_anomaly_kind)k));
        }
    for (int k = 0; k < GV_AN_KIND_COUNT; k++) { /* past the number stored: counted only */
        size_t stored = 0;
        for (size_t i = 0; i < tl->analysis.anomalies_len; i++)
            stored += (int)tl->analysis.anomalies[i].kind == k;
        if (tl->analysis.anomaly_counts[k] > stored)
            gv_msg_info(m, "    ... and %zu more %s, counted only\n", tl->analysis.anomaly_counts[k] - stored,
                        gv_anomaly_kind_name((gv_anomaly_kind)k));
    }
}

/* How the log's lines without a time were placed (log_clock.h). */
static void print_log_timing(const gv_msgs *m, const gv_timeline *tl, const gv_align_result *al)
{
    size_t by[GV_TB_COUNT] = {0};
    for (size_t i = 0; i < tl->events_len; i++)
        if (tl->events[i].time_basis < GV_TB_COUNT)
            by[tl->events[i].time_basis]++;
    gv_msg_info(m, "  log timing: %zu of %zu lines carry a time", tl->log.stamped_lines, tl->log.lines);
    if (tl->clock.placed_steps || tl->clock.placed_events)
        gv_msg_info(m, "; %zu step lines and %zu events without one placed by the durations they print",
                    tl->clock.placed_steps, tl->clock.placed_events);
    if (by[GV_TB_BRACKETED])
        gv_msg_info(m, " (%zu events between two stamped lines, within %.1f s)", by[GV_TB_BRACKETED],
                    tl->clock.max_uncertainty_s);
    if (by[GV_TB_AFTER_LAST])
        gv_msg_info(m, "; %zu events after the last stamped line (no bound)", by[GV_TB_AFTER_LAST]);
    if (by[GV_TB_BEFORE_FIRST])
        gv_msg_info(m, "; %zu events before the first stamped line, counted back from it (no bound)",
                    by[GV_TB_BEFORE_FIRST]);
    if (by[GV_TB_LOG_START])
        gv_msg_info(m, "; %zu events counted from the log start given", by[GV_TB_LOG_START]);
    if (tl->clock.compressed_spans)
        gv_msg_info(m, "; in %zu gaps the printed durations exceed the time between the stamps and "
                       "were scaled down", tl->clock.compressed_spans);
    if (tl->clock.anchor_by == GV_ANCHOR_ALIGN_AUTO && al && al->len) {
        char at[40];
        gv_time_format_iso(al->periods[al->chosen].start, at, sizeof at);
        gv_msg_info(m, "; put on the GPU clock by --align-log auto: its training start (%.0f s of steps) at "
                       "the rise of GPU power at %s (within %.1f s: the sample before it), the %s",
                    al->train_s, at, tl->clock.anchor_uncertainty_s,
                    al->chosen ? "first period of activity that lasts 80% as long"
                               : "first period of activity");
        if (al->len > 1) {
            gv_msg_info(m, " of %zu (", al->len);
            for (size_t i = 0; i < al->len && i < GV_ACTIVITY_PERIODS; i++) {
                gv_time_format_iso(al->periods[i].start, at, sizeof at);
                gv_msg_info(m, "%s%s for %.0f s", i ? ", " : "", at,
                            (double)(al->periods[i].end - al->periods[i].start) / 1e6);
            }
            gv_msg_info(m, "); --log-start picks another");
        }
    } else if (tl->clock.anchor_by == GV_ANCHOR_LOG_START) {
        gv_msg_info(m, "; its elapsed times count from the --log-start given");
    }
    if (tl->log.duplicate_lines)
        gv_msg_info(m, "; %zu lines repeated at once (output captured twice) read once",
                    tl->log.duplicate_lines);
    gv_msg_info(m, "\n");
}

/* The GPUs as a table: power (the column energy is computed from), energy, temperature. */
static void print_gpus(const gv_msgs *m, const gv_timeline *tl)
{
    int name_w = 3, col_w = 12;
    bool any_temp = false;
    char name[80];
    for (size_t g = 0; g < tl->gpus_len; g++) {
        gv_gpu_label(&tl->gpus[g], name, sizeof name);
        name_w = (int)strlen(name) > name_w ? (int)strlen(name) : name_w;
        int ps = gv_gpu_energy_series(&tl->gpus[g]);
        if (ps >= 0 && (int)strlen(tl->series[ps].name) > col_w)
            col_w = (int)strlen(tl->series[ps].name);
        any_temp |= tl->gpus[g].temp >= 0 && tl->series[tl->gpus[g].temp].stats.n;
    }
    if (!tl->gpus_len)
        return;
    gv_msg_info(m, "  %-*s  %-*s %8s %8s %8s %10s", name_w, "GPU", col_w, "power column", "mean W", "min W",
                "max W", "energy Wh");
    gv_msg_info(m, any_temp ? " %7s %6s %6s\n" : "\n", "mean C", "min C", "max C");
    for (size_t g = 0; g < tl->gpus_len; g++) {
        const gv_gpu *gp = &tl->gpus[g];
        gv_gpu_label(gp, name, sizeof name);
        gv_msg_info(m, "  %-*s  ", name_w, name);
        int ps = gv_gpu_energy_series(gp);
        const gv_series_stats *s = ps >= 0 ? &tl->series[ps].stats : NULL;
        if (s && s->n)
            gv_msg_info(m, "%-*s %8.1f %8.1f %8.1f %10.1f", col_w, tl->series[ps].name, s->sum / (double)s->n, s->min,
                        s->max, s->energy_wh);
        else
            gv_msg_info(m, "%-*s %8s %8s %8s %10s", col_w, "-", "-", "-", "-", "-");
        if (gp->temp >= 0 && tl->series[gp->temp].stats.n) {
            const gv_series_stats *t = &tl->series[gp->temp].stats;
            gv_msg_info(m, " %7.1f %6.0f %6.0f", t->sum / (double)t->n, t->min, t->max);
        } else if (any_temp) {
            gv_msg_info(m, " %7s %6s %6s", "-", "-", "-");
        }
        gv_msg_info(m, "\n");
    }
}

void gv_console_summary(const gv_msgs *m, const gv_timeline *tl, const gv_cli_opts *o, const gv_align_result *al)
{
    char a[40], b[40], dur[48];
    gv_time_format_iso(tl->pass.t_first, a, sizeof a);
    gv_time_format_iso(tl->pass.t_last, b, sizeof b);
    double secs = (double)(tl->pass.t_last - tl->pass.t_first) / 1e6;
    fmt_duration(dur, sizeof dur, secs);
    if (o->csv_len > 1)
        gv_msg_info(m, "gpuviz: %zu GPU files merged: %zu rows read, %zu skipped", o->csv_len,
                    tl->ingest.rows_read, tl->ingest.rows_skipped);
    else
        gv_msg_info(m, "gpuviz: %s: %zu rows read, %zu skipped", o->csv_path, tl->ingest.rows_read,
                    tl->ingest.rows_skipped);
    if (tl->ingest.restarts)
        gv_msg_info(m, ", %zu sampler restart%s", tl->ingest.restarts, tl->ingest.restarts == 1 ? "" : "s");
    if (tl->ingest.gpus_inferred)
        gv_msg_info(m, "; no GPU index column: %zu GPU%s per query, counted from the rows' times "
                       "(--gpus N says otherwise)", tl->ingest.gpus_inferred, tl->ingest.gpus_inferred == 1 ? "" : "s");
    gv_msg_info(m, "\n  time %s .. %s (%s)", a, b, dur);
    if (tl->ingest.tz_known) {
        char zone[24];
        gv_time_zone_name(tl->ingest.tz_offset_s, zone, sizeof zone);
        gv_msg_info(m, ", %s as the file writes them (the log's times are taken as the same clock)", zone);
    }
    if (secs > 0)
        gv_msg_info(m, ", %.1f samples/s", (double)(tl->ingest.rows_read - 1) / secs);
    gv_msg_info(m, "\n");
    print_gpus(m, tl);
    bool any_power = false;
    for (size_t g = 0; g < tl->gpus_len; g++)
        any_power |= gv_gpu_energy_series(&tl->gpus[g]) >= 0;
    if (!any_power) {
        gv_msg_info(m, "  no power column: energy and phase energy are not known (the page plots");
        for (size_t i = 0, shown = 0; i < tl->series_len; i++)
            if (shown < 6 && tl->series[i].kind != GV_SERIES_POWER && tl->series[i].kind != GV_SERIES_POWER_AVG &&
                tl->series[i].kind != GV_SERIES_POWER_INSTANT)
                gv_msg_info(m, "%s %s", shown++ ? "," : "", tl->series[i].name);
        gv_msg_info(m, "%s)\n", tl->series_len > 6 ? ", ..." : "");
    }
    if (tl->pass.idle_cutoff != GV_TIME_NONE) {
        gv_time_format_iso(tl->pass.idle_cutoff, a, sizeof a);
        gv_msg_info(m, "  idle cutoff %s (%.0f min after the last sample >= %.0f W); later samples "
                       "not plotted\n", a, o->buffer_min, o->power_threshold_w);
    }
    if (o->log_path) {
        size_t *c = gv_xcalloc(tl->types_len, sizeof *c);
        gv_timeline_count_events(tl, c);
        gv_msg_info(m, "  events:");
        for (size_t t = 0; t < tl->types_len; t++)
            gv_msg_info(m, "%s %zu %s", t ? "," : "", c[t], tl->types[t].name);
        free(c);
        if (tl->pass.events_before || tl->pass.events_after)
            gv_msg_info(m, " (%zu outside the samples left out)", tl->pass.events_before + tl->pass.events_after);
        gv_msg_info(m, "; %zu training step lines in %zu phase%s\n", tl->steps_len, tl->log.step_phases,
                    tl->log.step_phases == 1 ? "" : "s");
    }
    if (tl->clock.placed_steps || tl->clock.placed_events || tl->log.duplicate_lines)
        print_log_timing(m, tl, al);
    if (o->log_path && (o->rules_builtin > 0 || o->rules_path))
        gv_msg_info(m, "  log rules: %s%s\n", o->rules_path ? o->rules_path : gv_log_rules_builtin_name((size_t)o->rules_builtin),
                    o->rules_guessed ? " (chosen by the log's content; --rules NAME says otherwise)" : "");
    if (tl->retime.bursts)
        gv_msg_info(m, "  log: %zu bursts of buffered lines re-timed by the steps' dt (%zu steps, %zu "
                       "events moved, by at most %.1f s)\n", tl->retime.bursts, tl->retime.steps,
                    tl->retime.events, tl->retime.max_shift_s);
    print_phases(m, tl);
    print_anomalies(m, tl);
}


void gv_console_verdict(const gv_msgs *m, const gv_timeline *tl)
{
    const size_t *n = tl->analysis.anomaly_severity_counts;
    size_t total = n[GV_SEV_CRITICAL] + n[GV_SEV_WARNING] + n[GV_SEV_INFO];
    if (!total) {
        gv_msg_info(m, "gpuviz: verdict: no anomaly\n");
        return;
    }
    gv_msg_info(m, "gpuviz: verdict: %zu anomal%s (%zu critical, %zu warning, %zu info); no --check given, exit status 0\n",
                total, total == 1 ? "y" : "ies", n[GV_SEV_CRITICAL], n[GV_SEV_WARNING], n[GV_SEV_INFO]);
}
