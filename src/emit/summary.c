/* summary.c: the summary document, built with cJSON. Depends on model, util and json_util. */
#include "gpuviz/summary.h"

#include "build_info.h"
#include "json_util.h"
#include "summary_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static cJSON *stats(const gv_series_stats *st, int decimals)
{
    cJSON *o = cJSON_CreateObject();
    gv_json_add_round(o, "mean", st->n ? st->sum / (double)st->n : NAN, decimals);
    gv_json_add_round(o, "min", st->n ? st->min : NAN, decimals);
    gv_json_add_round(o, "max", st->n ? st->max : NAN, decimals);
    return o;
}

static void add_size(cJSON *o, const char *name, long long v)
{
    if (v >= 0)
        cJSON_AddNumberToObject(o, name, (double)v);
    else
        cJSON_AddNullToObject(o, name);
}

static double hours_to_s(const gv_timeline *tl, gv_time_us t) { return (double)(t - tl->pass.t_first) / 1e6; }

/* The k-th smallest of v[0..n) (quickselect; reorders v, leaving v[0..k) no greater than v[k]). */
static double kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* {median, min, max} of one step field over the steps (nulls when none). scratch: room for
 * steps_len values (one buffer for every field: fresh memory is slow to touch). */
static cJSON *step_stats(const gv_timeline *tl, size_t offset, double *scratch)
{
    double *v = scratch;
    size_t n = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < tl->steps_len; i++) {
        double x = gv_step_value(&tl->steps[i], offset);
        if (isfinite(x)) {
            v[n++] = x;
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
    }
    double med = NAN;
    if (n) {
        med = kth(v, n, n / 2);
        if (n % 2 == 0) { /* the next smaller: the largest of v[0..n/2), which kth left below */
            double below = v[0];
            for (size_t i = 1; i < n / 2; i++)
                below = v[i] > below ? v[i] : below;
            med = (med + below) / 2;
        }
    }
    cJSON *o = cJSON_CreateObject();
    gv_json_add_round(o, "median", med, 6);
    gv_json_add_round(o, "min", n ? lo : NAN, 6);
    gv_json_add_round(o, "max", n ? hi : NAN, 6);
    return o;
}

static cJSON *validation_point(const gv_event *ev)
{
    if (!ev)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "step", (double)ev->step);
    gv_json_add_num(o, ev->metrics[0].name, ev->metrics[0].value);
    gv_json_add_time(o, "timestamp", ev->t);
    return o;
}

gv_summary *gv_summary_new(const gv_timeline *tl, const gv_summary_inputs *in)
{
    gv_summary *s = gv_xcalloc(1, sizeof *s);
    cJSON *d = s->doc = cJSON_CreateObject();
    size_t G = tl->gpus_len;
    cJSON_AddNumberToObject(d, "schema_version", GV_SUMMARY_SCHEMA_VERSION);
    cJSON_AddStringToObject(d, "gpuviz_version", GV_VERSION);
    const char *base = strrchr(in->csv_path, '/');
    cJSON_AddStringToObject(d, "title", in->title ? in->title : base ? base + 1 : in->csv_path);

    cJSON *inputs = cJSON_AddObjectToObject(d, "inputs");
    cJSON *csv = cJSON_AddObjectToObject(inputs, "csv");
    cJSON_AddStringToObject(csv, "path", in->csv_path);
    add_size(csv, "bytes", in->csv_bytes);
    cJSON_AddNumberToObject(csv, "rows_read", (double)tl->ingest.rows_read);
    cJSON_AddNumberToObject(csv, "rows_skipped", (double)tl->ingest.rows_skipped);
    cJSON_AddNumberToObject(csv, "restarts", (double)tl->ingest.restarts);
    cJSON_AddNumberToObject(csv, "rows_outside_range", (double)tl->pass.rows_outside_range);
    if (tl->ingest.gpus_inferred)
        cJSON_AddNumberToObject(csv, "gpus_counted", (double)tl->ingest.gpus_inferred);
    else
        cJSON_AddNullToObject(csv, "gpus_counted");
    cJSON *files = cJSON_AddArrayToObject(csv, "files");
    gv_summary_file one = {in->csv_path, NULL, 0, in->csv_bytes};
    for (size_t i = 0; i < (in->files ? in->files_len : 1); i++) {
        const gv_summary_file *f = in->files ? &in->files[i] : &one;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", f->path);
        if (f->node)
            cJSON_AddStringToObject(o, "node", f->node);
        else
            cJSON_AddNullToObject(o, "node");
        cJSON_AddNumberToObject(o, "time_offset_s", f->offset_s);
        add_size(o, "bytes", f->bytes);
        cJSON_AddItemToArray(files, o);
    }
    if (in->log_path) {
        cJSON *log = cJSON_AddObjectToObject(inputs, "log");
        cJSON_AddStringToObject(log, "path", in->log_path);
        add_size(log, "bytes", in->log_bytes);
        cJSON_AddNumberToObject(log, "lines", (double)in->log_lines);
        cJSON_AddStringToObject(log, "rules", in->log_rules ? in->log_rules : "");
        cJSON_AddBoolToObject(log, "rules_chosen_by_content", in->log_rules_guessed);
        cJSON_AddNumberToObject(log, "events_outside_samples", (double)(tl->pass.events_before + tl->pass.events_after));
    } else {
        cJSON_AddNullToObject(inputs, "log");
    }

    cJSON *tr = cJSON_AddObjectToObject(d, "time_range");
    gv_json_add_time(tr, "start", tl->pass.t_first);
    gv_json_add_time(tr, "end", tl->pass.t_last);
    double dur_s = (double)(tl->pass.t_last - tl->pass.t_first) / 1e6;
    gv_json_add_round(tr, "duration_s", dur_s, 3);
    gv_json_add_time(tr, "analysis_start", tl->pass.range_start);
    gv_json_add_time(tr, "analysis_end", tl->pass.range_end);
    gv_json_add_time(tr, "idle_cutoff", tl->pass.idle_cutoff);
    char zone[24];
    gv_time_zone_name(tl->ingest.tz_offset_s, zone, sizeof zone);
    if (tl->ingest.tz_known) /* the samples' clock, as their file wrote it (null: not said) */
        cJSON_AddStringToObject(tr, "time_zone", zone);
    else
        cJSON_AddNullToObject(tr, "time_zone");
    gv_json_add_round(d, "sample_rate_hz", dur_s > 0 ? (double)(tl->ingest.rows_read - 1) / dur_s : NAN, 3);

    cJSON *gpus = cJSON_AddArrayToObject(d, "gpus");
    double total = 0;
    for (size_t g = 0; g < G; g++) {
        const gv_gpu *gp = &tl->gpus[g];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", gp->index);
        char name[80];
        gv_gpu_name(gp, name, sizeof name);
        cJSON_AddStringToObject(o, "name", name);
        if (gp->node)
            cJSON_AddStringToObject(o, "node", gp->node);
        else
            cJSON_AddNullToObject(o, "node");
        int ps = gv_gpu_energy_series(gp);
        if (ps >= 0) {
            cJSON_AddStringToObject(o, "power_column", tl->series[ps].name);
            gv_json_add_round(o, "energy_wh", tl->series[ps].stats.energy_wh, 6);
            cJSON_AddItemToObject(o, "power_w", stats(&tl->series[ps].stats, 3));
            cJSON_AddNumberToObject(o, "samples", (double)tl->series[ps].stats.n);
            cJSON_AddNumberToObject(o, "missing", (double)tl->series[ps].stats.missing);
            total += tl->series[ps].stats.energy_wh;
        } else {
            cJSON_AddNullToObject(o, "power_column");
            cJSON_AddNullToObject(o, "energy_wh");
            cJSON_AddNullToObject(o, "power_w");
        }
        if (gp->temp >= 0)
            cJSON_AddItemToObject(o, "temp_c", stats(&tl->series[gp->temp].stats, 3));
        else
            cJSON_AddNullToObject(o, "temp_c");
        cJSON_AddItemToArray(gpus, o);
    }
    gv_json_add_round(d, "energy_wh_total", total, 6);

    /* phases */
    double all_s, all_wh, ph_wh[GV_PHASE_COUNT];
    gv_timeline_phase_totals(tl, ph_wh, &all_s, &all_wh);
    cJSON *phases = cJSON_AddObjectToObject(d, "phases");
    for (int p = 0; p < GV_PHASE_COUNT; p++) {
        cJSON *o = cJSON_AddObjectToObject(phases, gv_phase_name((gv_phase)p));
        gv_json_add_round(o, "seconds", tl->pass.phase_seconds[p], 3);
        gv_json_add_round(o, "energy_wh", ph_wh[p], 6);
        gv_json_add_round(o, "share_time", all_s > 0 ? tl->pass.phase_seconds[p] / all_s : NAN, 6);
        gv_json_add_round(o, "share_energy", all_wh > 0 ? ph_wh[p] / all_wh : NAN, 6);
        gv_json_add_round(o, "mean_power_w", tl->pass.phase_seconds[p] > 0 ? ph_wh[p] * 3600 / tl->pass.phase_seconds[p] : NAN, 3);
        cJSON *pg = cJSON_AddArrayToObject(o, "gpu");
        for (size_t g = 0; g < G; g++) {
            cJSON *x = cJSON_CreateObject();
            double wh = tl->pass.phase_energy_wh ? tl->pass.phase_energy_wh[p * G + g] : 0;
            cJSON_AddNumberToObject(x, "index", tl->gpus[g].index);
            gv_json_add_round(x, "energy_wh", wh, 6);
            gv_json_add_round(x, "mean_power_w", tl->pass.phase_seconds[p] > 0 ? wh * 3600 / tl->pass.phase_seconds[p] : NAN, 3);
            cJSON_AddItemToArray(pg, x);
        }
    }
    cJSON *idle = cJSON_AddObjectToObject(d, "idle"); /* during the run (stalls) vs its tail */
    double idle_s = tl->pass.phase_seconds[GV_PHASE_IDLE], after_s = tl->pass.idle_after_run_s;
    gv_json_add_round(idle, "during_run_s", idle_s - after_s, 3);
    gv_json_add_round(idle, "after_run_s", after_s, 3);
    gv_json_add_round(idle, "during_run_share", all_s > 0 ? (idle_s - after_s) / all_s : NAN, 6);
    cJSON *ov = cJSON_AddObjectToObject(d, "evaluation_overhead");
    double ov_s = tl->pass.phase_seconds[GV_PHASE_EVALUATION] + tl->pass.phase_seconds[GV_PHASE_VALIDATION];
    double ov_wh = ph_wh[GV_PHASE_EVALUATION] + ph_wh[GV_PHASE_VALIDATION];
    gv_json_add_round(ov, "seconds", ov_s, 3);
    gv_json_add_round(ov, "energy_wh", ov_wh, 6);
    gv_json_add_round(ov, "share_time", all_s > 0 ? ov_s / all_s : NAN, 6);
    gv_json_add_round(ov, "share_energy", all_wh > 0 ? ov_wh / all_wh : NAN, 6);

    /* training */
    cJSON *train = cJSON_AddObjectToObject(d, "training");
    size_t steps = 0;
    double tokens = NAN;
    cJSON *tps = cJSON_AddArrayToObject(train, "phases");
    for (size_t p = 0; tl->pass.train_phases && p < tl->log.step_phases; p++) {
        const gv_train_phase *t = &tl->pass.train_phases[p];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", (double)p);
        cJSON_AddStringToObject(o, "label", t->label ? t->label : "");
        gv_json_add_time(o, "start", t->start == GV_TIME_NONE ? GV_TIME_NONE : t->start);
        gv_json_add_time(o, "end", t->end);
        cJSON_AddNumberToObject(o, "steps", (double)t->steps);
        gv_json_add_num(o, "first_step", t->first_step >= 0 ? (double)t->first_step : NAN);
        gv_json_add_num(o, "last_step", t->last_step >= 0 ? (double)t->last_step : NAN);
        gv_json_add_num(o, "total_steps", t->total_steps > 0 ? (double)t->total_steps : NAN);
        int done = gv_train_phase_complete(t);
        if (done < 0)
            cJSON_AddNullToObject(o, "complete");
        else
            cJSON_AddBoolToObject(o, "complete", done);
        gv_json_add_round(o, "seconds", t->seconds, 3);
        gv_json_add_round(o, "energy_wh", t->energy_wh, 6);
        gv_json_add_round(o, "tokens", t->tokens, 0);
        gv_json_add_round(o, "energy_per_step_j", t->steps ? t->energy_wh * 3600 / (double)t->steps : NAN, 3);
        gv_json_add_round(o, "energy_per_token_j", t->tokens > 0 ? t->energy_wh * 3600 / t->tokens : NAN, 9);
        cJSON_AddItemToArray(tps, o);
        steps += t->steps;
        if (isfinite(t->tokens))
            tokens = (isnan(tokens) ? 0 : tokens) + t->tokens;
    }
    cJSON_AddNumberToObject(train, "steps", (double)steps);
    gv_json_add_round(train, "tokens", tokens, 0);
    gv_json_add_round(train, "energy_wh", ph_wh[GV_PHASE_TRAINING], 6);
    gv_json_add_round(train, "energy_per_step_j", steps ? ph_wh[GV_PHASE_TRAINING] * 3600 / (double)steps : NAN, 3);
    gv_json_add_round(train, "energy_per_token_j", tokens > 0 ? ph_wh[GV_PHASE_TRAINING] * 3600 / tokens : NAN, 9);

    cJSON *rt = cJSON_AddObjectToObject(d, "log_retiming");
    cJSON_AddNumberToObject(rt, "bursts", (double)tl->retime.bursts);
    cJSON_AddNumberToObject(rt, "steps", (double)tl->retime.steps);
    cJSON_AddNumberToObject(rt, "events", (double)tl->retime.events);
    gv_json_add_round(rt, "max_shift_s", tl->retime.max_shift_s, 3);

    cJSON *lt = cJSON_AddObjectToObject(d, "log_timing");
    cJSON_AddNumberToObject(lt, "lines", (double)tl->log.lines);
    cJSON_AddNumberToObject(lt, "stamped_lines", (double)tl->log.stamped_lines);
    cJSON_AddNumberToObject(lt, "duplicate_lines", (double)tl->log.duplicate_lines);
    cJSON_AddNumberToObject(lt, "spans", (double)tl->log.spans_len);
    cJSON_AddNumberToObject(lt, "placed_steps", (double)tl->clock.placed_steps);
    cJSON_AddNumberToObject(lt, "placed_events", (double)tl->clock.placed_events);
    cJSON_AddNumberToObject(lt, "compressed_spans", (double)tl->clock.compressed_spans);
    gv_json_add_round(lt, "max_uncertainty_s", tl->clock.placed_events ? tl->clock.max_uncertainty_s : NAN, 3);
    gv_json_add_time(lt, "log_start", tl->clock.start);
    if (tl->clock.anchor_by != GV_ANCHOR_NONE) { /* a log on its own clock, put on the wall clock */
        cJSON *an = cJSON_AddObjectToObject(lt, "anchor");
        cJSON_AddStringToObject(an, "by", tl->clock.anchor_by == GV_ANCHOR_ALIGN_AUTO ? "align_auto" : "log_start");
        gv_json_add_time(an, "zero", tl->clock.anchor);
        gv_json_add_round(an, "uncertainty_s", tl->clock.anchor_uncertainty_s, 3);
    } else {
        cJSON_AddNullToObject(lt, "anchor");
    }
    cJSON *bases = cJSON_AddObjectToObject(lt, "events_by_basis");
    size_t by_basis[GV_TB_COUNT] = {0};
    for (size_t i = 0; i < tl->events_len; i++)
        if (tl->events[i].time_basis < GV_TB_COUNT)
            by_basis[tl->events[i].time_basis]++;
    for (int b = 0; b < GV_TB_COUNT; b++)
        cJSON_AddNumberToObject(bases, gv_time_basis_name((gv_time_basis)b), (double)by_basis[b]);

    cJSON *st = cJSON_AddObjectToObject(d, "steps");
    cJSON_AddNumberToObject(st, "count", (double)tl->steps_len);
    cJSON_AddNumberToObject(st, "phases", (double)tl->log.step_phases);
    double *scratch = gv_xalloc_large((tl->steps_len + 1) * sizeof *scratch);
    cJSON_AddItemToObject(st, "loss", step_stats(tl, offsetof(gv_step, loss), scratch));
    cJSON_AddItemToObject(st, "tok_per_sec", step_stats(tl, offsetof(gv_step, tok_per_sec), scratch));
    cJSON_AddItemToObject(st, "dt_ms", step_stats(tl, offsetof(gv_step, dt_ms), scratch));
    cJSON_AddItemToObject(st, "mfu", step_stats(tl, offsetof(gv_step, mfu), scratch));
    gv_free_large(scratch, (tl->steps_len + 1) * sizeof *scratch);

    /* validation */
    const gv_event *vfirst = NULL, *vlast = NULL, *vmin = NULL;
    size_t vcount = 0;
    for (size_t i = 0; i < tl->events_len; i++) {
        const gv_event *ev = &tl->events[i];
        if (ev->type != GV_EV_VALIDATION || !ev->metrics_len)
            continue;
        vcount++;
        if (!vfirst)
            vfirst = ev;
        vlast = ev;
        if (!vmin || ev->metrics[0].value < vmin->metrics[0].value)
            vmin = ev;
    }
    cJSON *val = cJSON_AddObjectToObject(d, "validation");
    cJSON_AddNumberToObject(val, "count", (double)vcount);
    cJSON_AddItemToObject(val, "first", validation_point(vfirst));
    cJSON_AddItemToObject(val, "last", validation_point(vlast));
    cJSON_AddItemToObject(val, "min", validation_point(vmin));

    cJSON *types = cJSON_AddArrayToObject(d, "event_types");
    size_t *type_counts = gv_xcalloc(tl->types_len + 1, sizeof *type_counts);
    gv_timeline_count_events(tl, type_counts);
    for (size_t t = 0; t < tl->types_len; t++) {
        const gv_event_type_info *ti = &tl->types[t];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", ti->name);
        cJSON_AddStringToObject(o, "color", ti->color);
        cJSON_AddStringToObject(o, "dash", ti->dash);
        cJSON_AddStringToObject(o, "phase", ti->phase == GV_PHASE_OTHER ? "none" : gv_phase_name(ti->phase));
        cJSON_AddNumberToObject(o, "count", (double)type_counts[t]);
        cJSON_AddItemToArray(types, o);
    }
    free(type_counts);

    cJSON *events = cJSON_AddArrayToObject(d, "events");
    for (size_t i = 0; i < tl->events_len; i++)
        cJSON_AddItemToArray(events, gv_json_event(tl, &tl->events[i]));

    cJSON *an = cJSON_AddArrayToObject(d, "anomalies");
    for (size_t i = 0; i < tl->analysis.anomalies_len; i++) {
        const gv_anomaly *a = &tl->analysis.anomalies[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", gv_anomaly_kind_name(a->kind));
        cJSON_AddStringToObject(o, "severity", gv_severity_name(a->severity));
        gv_json_add_time(o, "timestamp", a->t);
        gv_json_add_round(o, "elapsed_s", hours_to_s(tl, a->t), 3);
        gv_json_add_round(o, "duration_s", (double)a->duration / 1e6, 3);
        if (a->gpu >= 0)
            cJSON_AddNumberToObject(o, "gpu", a->gpu);
        else
            cJSON_AddNullToObject(o, "gpu");
        gv_json_add_round(o, "value", a->value, 6);
        cJSON_AddStringToObject(o, "message", a->message);
        cJSON_AddItemToArray(an, o);
    }
    cJSON *counts = cJSON_AddObjectToObject(d, "anomaly_counts");
    for (int k = 0; k < GV_AN_KIND_COUNT; k++)
        cJSON_AddNumberToObject(counts, gv_anomaly_kind_name((gv_anomaly_kind)k), (double)tl->analysis.anomaly_counts[k]);
    const size_t *sev = tl->analysis.anomaly_severity_counts;
    cJSON *sc = cJSON_AddObjectToObject(d, "anomaly_severity_counts");
    for (int k = GV_SEV_COUNT - 1; k >= 0; k--)
        cJSON_AddNumberToObject(sc, gv_severity_name((gv_severity)k), (double)sev[k]);

    cJSON *w = cJSON_AddObjectToObject(d, "warnings");
    static const char *const wnames[GV_WARN_KIND_COUNT] = {
        "csv_rows_skipped", "csv_restarts", "csv_time", "log_lines", "log_events", "events_out_of_range"};
    size_t wsum = 0;
    for (int k = 0; k < GV_WARN_KIND_COUNT; k++) {
        cJSON_AddNumberToObject(w, wnames[k], (double)in->warnings[k]);
        wsum += in->warnings[k];
    }
    cJSON_AddNumberToObject(w, "count", (double)wsum);

    cJSON *set = cJSON_AddObjectToObject(d, "settings");
    gv_json_add_num(set, "power_threshold_w", in->power_threshold_w);
    gv_json_add_num(set, "temp_limit_c", in->temp_limit_c);
    gv_json_add_num(set, "imbalance_ratio", in->imbalance_ratio);
    cJSON_AddArrayToObject(d, "checks"); /* gv_summary_add_check */
    return s;
}

void gv_summary_add_check(gv_summary *s, const char *expr, const gv_check_result *r)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(s->doc, "checks");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "expr", expr);
    cJSON_AddBoolToObject(o, "pass", r->pass);
    cJSON_AddStringToObject(o, "detail", r->detail);
    cJSON_AddItemToArray(arr, o);
}

void gv_summary_free(gv_summary *s)
{
    if (!s)
        return;
    cJSON_Delete(s->doc);
    free(s);
}

gv_status gv_summary_write(FILE *f, const gv_summary *s, gv_error *err)
{
    char *text = cJSON_Print(s->doc);
    if (!text) {
        gv_error_set(err, NULL, 0, "cannot format the summary as JSON");
        return GV_ERR_OUTPUT;
    }
    fputs(text, f);
    fputc('\n', f);
    free(text);
    if (ferror(f)) {
        gv_error_set(err, NULL, 0, "write error while writing the summary");
        return GV_ERR_OUTPUT;
    }
    return GV_OK;
}
