/* run.c: one run of the pipeline (run.h): rules, log, one pass over the samples, analysis. The
 * log is read whole before the samples are analysed (the pass correlates them), on the calling
 * thread while the GPU file's parser threads begin (gv_read_opts.prepare is read_log). */
#include "gpuviz/run.h"

#include "gpuviz/buf.h"
#include "gpuviz/input.h"
#include "gpuviz/log_clock.h"
#include "gpuviz/log_parser.h"
#include "gpuviz/log_rules.h"
#include "gpuviz/retime.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gv_run {
    gv_run_opts o;
    gv_timeline tl;
    gv_log_rules *rules;
    gv_correlator *corr;
    const gv_diag *diag;  /* (during gv_run_read) */
    long lines;           /* of the log (0 until it is read) */
    long rules_builtin;
    bool rules_guessed;
    gv_align_result align;
};

static void timing(const gv_run *r, const char *step)
{
    if (r->o.timing)
        r->o.timing(r->o.timing_ctx, step);
}

/* Keeps the event types --only and --no-TYPE ask for; an unknown name in --only is an error. */
static gv_status filter_types(gv_timeline *tl, const gv_run_opts *o, gv_error *err)
{
    bool *keep = gv_xcalloc(tl->types_len, sizeof *keep);
    for (size_t t = 0; t < tl->types_len; t++)
        keep[t] = !o->only_types && !(t < GV_EV_BUILTIN_COUNT && o->no_builtin[t]);
    gv_status st = GV_OK;
    for (const char *p = o->only_types; p && *p && st == GV_OK;) {
        size_t n = strcspn(p, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p);
        gv_event_type t = n ? gv_timeline_find_type(tl, name) : -2;
        if (t == -1) {
            gv_buf names;
            gv_buf_init(&names, 0);
            for (size_t k = 0; k < tl->types_len; k++)
                gv_buf_printf(&names, "%s%s", k ? ", " : "", tl->types[k].name);
            gv_error_set(err, NULL, 0, "{opt:only_types}: unknown event type '%s' (the rules define: %s)", name,
                         names.data);
            gv_buf_cleanup(&names);
            st = GV_ERR_OPTION;
        } else if (t >= 0 && t < GV_EV_BUILTIN_COUNT && o->no_builtin[t]) {
            gv_error_set(err, NULL, 0, "{opt:only_types} and {opt:no_%s} contradict each other", name);
            st = GV_ERR_OPTION;
        } else if (t >= 0) {
            keep[t] = true;
        }
        p += n + (p[n] == ',');
    }
    if (st == GV_OK)
        gv_timeline_filter_types(tl, keep);
    free(keep);
    return st;
}

/* The built-in rule set that reads the log's first 256 KB best (nanochat's for standard input,
 * which cannot be read twice, or when the log cannot be read: its error comes later). */
static size_t guess_rules(const char *log_path)
{
    if (strcmp(log_path, "-") == 0)
        return 0;
    gv_input *in;
    gv_error err;
    if (gv_input_open(&in, log_path, &err) != GV_OK)
        return 0;
    size_t cap = 256u << 10, len = 0;
    char *buf = gv_xcalloc(cap + 64, 1); /* (zeros past the text: see pad_subject in log_parser.c) */
    long n;
    while (len < cap && (n = gv_input_read(in, buf + len, cap - len, &err)) > 0)
        len += (size_t)n;
    while (len == cap && len && buf[len - 1] != '\n') /* (a full buffer: whole lines only) */
        len--;
    gv_input_close(in);
    size_t best = gv_log_guess_rules(buf, len, NULL);
    free(buf);
    return best;
}

/* --step-range A,B: the analysed range runs from the first step line of A..B (less its dt) to
 * the last one. */
static gv_status step_range(gv_run *r, gv_error *err)
{
    const gv_timeline *tl = &r->tl;
    const gv_run_opts *o = &r->o;
    gv_time_us a = GV_TIME_NONE, b = GV_TIME_NONE;
    for (size_t i = 0; i < tl->steps_len; i++) {
        const gv_step *s = &tl->steps[i];
        if (s->t == GV_TIME_NONE || s->step < o->step_range[0] || s->step > o->step_range[1])
            continue;
        bool dt = s->dt_ms > 0 && gv_duration_ok(s->dt_ms / 1000);
        gv_time_us from = s->t - (dt ? (gv_time_us)llround(s->dt_ms * 1000) : 0);
        if (a == GV_TIME_NONE || from < a)
            a = from;
        if (b == GV_TIME_NONE || s->t > b)
            b = s->t;
    }
    if (a == GV_TIME_NONE) {
        gv_error_set(err, o->log_path, 0, "{opt:step_range} %ld,%ld: no training step line in that range",
                     o->step_range[0], o->step_range[1]);
        return GV_ERR_OPTION;
    }
    gv_correlator_set_range(r->corr, a, b);
    return GV_OK;
}


/* --align-log auto: a quick pass over the (first) GPU file for its periods of activity. */
static gv_status scan_activity(gv_run *r, gv_error *err)
{
    const gv_run_opts *o = &r->o;
    gv_timeline scratch;
    gv_timeline_init(&scratch);
    gv_activity *a = gv_activity_new(&scratch, o->power_threshold_w);
    gv_read_opts ro = {.threads = 1, .format = o->read.format, .dcgm_start = o->read.dcgm_start,
                       .dcgm_interval_ms = o->read.dcgm_interval_ms, .columns = o->read.columns,
                       .gpus = o->read.gpus, .map = o->read.map};
    gv_status st = gv_gpu_read_file(o->gpu_path, &scratch, gv_activity_sink(a), NULL, &ro, err);
    if (st == GV_OK) {
        r->align.len = gv_activity_finish(a, r->align.periods);
        if (!gv_activity_has_power(a)) {
            gv_error_set(err, o->gpu_path, 0, "{opt:align_auto} auto looks for the GPUs' first sustained rise of "
                         "power, but the file has no power column: give {opt:log_start} instead");
            st = GV_ERR_OPTION;
        } else if (r->align.len == 0) {
            gv_error_set(err, o->gpu_path, 0, "{opt:align_auto} auto found no sustained GPU activity (a GPU at or "
                         "above %.0f W for %.0f s): lower {opt:power_threshold_w}, or give {opt:log_start}",
                         o->power_threshold_w, GV_ACTIVITY_SUSTAIN_S);
            st = GV_ERR_INPUT;
        }
    }
    gv_activity_free(a);
    gv_timeline_cleanup(&scratch);
    return st;
}

static gv_status read_log(void *ctx, gv_error *err)
{
    gv_run *r = ctx;
    const gv_run_opts *o = &r->o;
    gv_timeline *tl = &r->tl;
    gv_status st;
    if (o->log_path) {
        gv_log_read_opts lo = {.helper_min = o->read.threads >= 2 ? GV_LOG_HELPER_MIN : 0,
                               .progress = o->progress, .progress_ctx = o->progress_ctx};
        st = gv_log_parse_file(o->log_path, r->rules, tl, r->diag, &lo, err, &r->lines);
        if (o->next_file)
            o->next_file(o->progress_ctx, o->gpu_path);
        if (st != GV_OK)
            return st;
        /* a log on its own clock (elapsed times, or none with --align-log auto) is placed on it,
         * then anchored */
        bool own_clock = tl->log.relative || (tl->log.stamped_lines == 0 && o->align_auto);
        gv_log_clock_set_start(tl, own_clock && !tl->log.relative ? GV_LOG_ORIGIN
                                   : tl->log.relative                ? GV_TIME_NONE
                                                                     : o->log_start);
        if (tl->log.relative && o->log_start == GV_TIME_NONE && !o->align_auto) {
            gv_error_set(err, o->log_path, 0,
                         "the log's times are elapsed times (on %zu of its %zu lines: the time since its "
                         "progress bar started), not times of day: give the time they count from with {opt:log_start} 'YYYY-MM-DD "
                         "HH:MM:SS', or {opt:align_auto} auto to start them at the GPUs' first sustained rise of power",
                         tl->log.stamped_lines, tl->log.lines);
            return GV_ERR_INPUT;
        }
        if (tl->steps_len == 0 && tl->events_len == 0) {
            if (o->rules_path)
                gv_error_set(err, o->log_path, 0,
                             "no event or training step recognised in its %zu lines by the rules of %s "
                             "(docs/rules.md)", tl->log.lines, o->rules_path);
            else
                gv_error_set(err, o->log_path, 0,
                             "no event or training step recognised in its %zu lines (the built-in rules "
                             "read nanochat logs): describe its lines in a rules file ({opt:rules_path} FILE.json; "
                             "start from what {opt:print_rules} prints; docs/rules.md), or leave out "
                             "{opt:log_path}", tl->log.lines);
            return GV_ERR_INPUT;
        }
        if (gv_log_clock_untimed(tl)) {
            gv_error_set(err, o->log_path, 0,
                         "no line of the log carries a time (%zu lines, %zu training steps, %zu events), so "
                         "nothing places it on the GPU samples' clock: give the time it began with "
                         "{opt:log_start} 'YYYY-MM-DD HH:MM:SS' (its lines are then laid out by the durations "
                         "they print), or stamp its lines as they are written (e.g. `| ts '%%Y-%%m-%%d "
                         "%%H:%%M:%%S'`)", tl->log.lines, tl->steps_len, tl->events_len);
            return GV_ERR_INPUT;
        }
        gv_log_clock_place(tl, o->log_path, r->diag);
        gv_retime_bursts(tl);
        if (own_clock && o->align_auto) { /* training starts at the first rise that can hold it */
            gv_time_us start = gv_log_clock_training_start(tl), last = start;
            for (size_t i = 0; i < tl->steps_len; i++)
                if (tl->steps[i].t != GV_TIME_NONE && tl->steps[i].t > last)
                    last = tl->steps[i].t;
            gv_align_result *al = &r->align;
            al->train_s = (double)(last - start) / 1e6;
            for (size_t i = al->len < GV_ACTIVITY_PERIODS ? al->len : GV_ACTIVITY_PERIODS; i-- > 0;)
                if ((double)(al->periods[i].end - al->periods[i].start) / 1e6 >= GV_ALIGN_FIT * al->train_s)
                    al->chosen = i; /* (the first that fits: the loop runs backwards) */
            const gv_activity_period *p = &al->periods[al->chosen];
            double within = p->before == GV_TIME_NONE ? 0 : (double)(p->start - p->before) / 1e6;
            gv_log_clock_anchor(tl, p->start - (gv_log_clock_training_start(tl) - GV_LOG_ORIGIN),
                                GV_ANCHOR_ALIGN_AUTO, within);
        } else if (own_clock) {
            gv_log_clock_anchor(tl, o->log_start, GV_ANCHOR_LOG_START, 0);
        }
        if (o->log_offset_s != 0)
            gv_timeline_shift_log(tl, (gv_time_us)llround(o->log_offset_s * 1e6));
    }
    if ((st = filter_types(tl, o, err)) != GV_OK)
        return st;
    gv_timeline_sort_events(tl);
    timing(r, "log read");
    if (o->step_range_set && (st = step_range(r, err)) != GV_OK)
        return st;
    if (o->range_set)
        gv_correlator_set_range(r->corr, o->range_abs[0], o->range_abs[1]);
    return GV_OK;
}


gv_run *gv_run_new(const gv_run_opts *o)
{
    gv_run *r = gv_xcalloc(1, sizeof *r);
    r->o = *o;
    r->rules_builtin = o->rules_builtin;
    gv_timeline_init(&r->tl);
    return r;
}

void gv_run_free(gv_run *r)
{
    if (!r)
        return;
    gv_correlator_free(r->corr);
    gv_log_rules_free(r->rules);
    gv_timeline_cleanup(&r->tl);
    free(r);
}

gv_status gv_run_read(gv_run *r, const gv_diag *diag, gv_error *err)
{
    const gv_run_opts *o = &r->o;
    gv_status st = GV_OK;
    assert(!r->corr); /* (once per run) */
    r->diag = diag;
    /* 1. the rules */
    if (o->rules_path) {
        st = gv_log_rules_load_file(o->rules_path, &r->rules, err);
    } else if (o->log_path) {
        if (r->rules_builtin < 0) {
            r->rules_builtin = (long)guess_rules(o->log_path);
            r->rules_guessed = true;
        }
        r->rules = gv_log_rules_builtin_at((size_t)r->rules_builtin, err);
    }
    if (st != GV_OK || ((o->log_path || o->rules_path) && !r->rules))
        return o->rules_path ? GV_ERR_OPTION : GV_ERR_INPUT;
    if (r->rules)
        gv_log_rules_register_types(r->rules, &r->tl, NULL);
    timing(r, "rules loaded");
    if (o->align_auto && (st = scan_activity(r, err)) != GV_OK)
        return st;
    /* 2. the log (read_log, once the parser threads have started) and 3. one pass over the samples */
    r->corr = gv_correlator_new(&r->tl, &o->correlate);
    gv_read_opts ro = o->read;
    ro.prepare = read_log;
    ro.prepare_ctx = r;
    if (!o->gpu_files_len)
        st = gv_gpu_read_file(o->gpu_path, &r->tl, gv_correlator_sink(r->corr), diag, &ro, err);
    else
        st = gv_gpu_read_files(o->gpu_files, o->gpu_files_len, &r->tl, gv_correlator_sink(r->corr), diag, &ro, err);
    r->diag = NULL;
    return st;
}

gv_status gv_run_analyse(gv_run *r, const gv_diag *diag, gv_error *err)
{
    assert(r->corr); /* (after gv_run_read) */
    gv_correlator_finish(r->corr, diag, r->o.log_path);
    if (r->tl.ingest.rows_read == r->tl.pass.rows_outside_range) {
        gv_error_set(err, r->o.gpu_path, 0, "no sample inside the analysed range");
        return GV_ERR_OPTION;
    }
    gv_anomalies_detect(&r->tl, &r->o.anomalies);
    timing(r, "analysis done");
    return GV_OK;
}

const gv_timeline *gv_run_timeline(const gv_run *r) { return &r->tl; }
long gv_run_log_lines(const gv_run *r) { return r->lines; }
const gv_align_result *gv_run_align(const gv_run *r) { return &r->align; }
long gv_run_rules_builtin(const gv_run *r) { return r->rules_builtin; }
bool gv_run_rules_guessed(const gv_run *r) { return r->rules_guessed; }
