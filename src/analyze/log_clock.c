/* log_clock.c: times for the log lines without one, between the stamped lines around them
 * (log_clock.h says how). Depends on model and util only. */
#include "gpuviz/log_clock.h"

#include "gpuviz/buf.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

/* One item of a span: a step or an event, with what its line says of the time before it. */
typedef struct {
    size_t span;
    long line;
    bool is_event;
    size_t idx;
    double cost_s; /* printed duration that ends at its line */
    int slots;     /* 1 when something before its line took a time no line prints */
} item;

static int by_span_line(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->span != y->span)
        return x->span < y->span ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->is_event != y->is_event) /* a step and an event on one line: the event first */
        return x->is_event ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The span holding line (strictly between its stamped lines), or (size_t)-1. */
static size_t span_of(const gv_timeline *tl, long line)
{
    size_t lo = 0, hi = tl->log.spans_len;
    while (lo < hi) { /* the first span that ends at or after line */
        size_t mid = lo + (hi - lo) / 2;
        if (tl->log.spans[mid].line_hi < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < tl->log.spans_len && tl->log.spans[lo].line_lo <= line; lo++) {
        const gv_log_span *s = &tl->log.spans[lo];
        if ((s->line_lo < line || (s->lo_inclusive && s->line_lo == line)) &&
            (line < s->line_hi || (s->hi_inclusive && s->line_hi == line)))
            return lo;
    }
    return (size_t)-1;
}

static gv_time_us us(double s) { return (gv_time_us)llround(s * 1e6); }

/* The step on a line, or NULL (steps are in line order). */
static const gv_step *step_at(const gv_timeline *tl, long line)
{
    size_t k = gv_timeline_step_from_line(tl, line);
    return k < tl->steps_len && tl->steps[k].line == line ? &tl->steps[k] : NULL;
}

static void event_cost(const gv_event *ev, double *cost, int *slots)
{
    *cost = 0;
    *slots = 0;
    if (ev->tasks_len) { /* a session: its tasks' times end at its line */
        for (size_t k = 0; k < ev->tasks_len; k++) {
            if (isfinite(ev->tasks[k].time_s))
                *cost += ev->tasks[k].time_s;
            else
                *slots = 1;
        }
    } else if (isfinite(ev->printed_dur_s)) {
        *cost = ev->printed_dur_s;
    } else {
        *slots = 1;
    }
}

/* Places items[0..n) of span s. */
static void place_span(gv_timeline *tl, const gv_log_span *s, item *it, size_t n, bool from_start)
{
    gv_time_us lo = s->t_lo, hi = s->t_hi;
    gv_time_basis basis = GV_TB_BRACKETED;
    if (from_start)
        basis = GV_TB_LOG_START;
    else if (lo == GV_TIME_NONE)
        basis = GV_TB_BEFORE_FIRST;
    else if (hi == GV_TIME_NONE)
        basis = GV_TB_AFTER_LAST;

    /* A stamped step line is all accounted for by its dt: the lines after it follow it at once,
     * and those before it end its dt before its time. Another stamped line leaves a slot on its
     * side (start-up after a logging line, the wind-down before one). */
    const gv_step *lo_step = s->line_lo > 0 && !s->lo_inclusive ? step_at(tl, s->line_lo) : NULL;
    const gv_step *hi_step = s->line_hi != LONG_MAX && !s->hi_inclusive ? step_at(tl, s->line_hi) : NULL;
    int lo_slot = lo_step ? 0 : 1, hi_slot = hi_step ? 0 : 1;
    if (lo != GV_TIME_NONE && hi != GV_TIME_NONE && hi < lo)
        hi = lo; /* the log's time went back across the span (warned by the parser): no room */
    if (hi_step && hi != GV_TIME_NONE && gv_duration_ok(hi_step->dt_ms / 1000)) {
        hi -= us(hi_step->dt_ms / 1000);
        if (lo != GV_TIME_NONE && hi < lo)
            hi = lo;
    }
    double total = 0;
    int slots = lo_slot + hi_slot;
    for (size_t k = 0; k < n; k++) {
        total += it[k].cost_s;
        slots += it[k].slots;
    }
    if (slots == 0) { /* every duration is printed: the slack goes evenly between the items */
        for (size_t k = 0; k < n; k++)
            it[k].slots = 1;
        slots = (int)n + 1;
        lo_slot = 0;
    }
    double gap = lo != GV_TIME_NONE && hi != GV_TIME_NONE ? (double)(hi - lo) / 1e6 : NAN;
    double f = 1, slack = 0, unc_all = NAN;
    if (isfinite(gap)) {
        if (total > gap) {
            f = total > 0 ? gap / total : 1;
            unc_all = total - gap; /* how much the printed durations overshoot */
            tl->clock.compressed_spans++;
        } else {
            slack = gap - total;
        }
    }
    double cum = 0;
    int used = lo_slot;
    gv_time_us prev = lo;
    for (size_t k = 0; k < n; k++) {
        cum += it[k].cost_s;
        used += it[k].slots;
        gv_time_us t;
        double unc;
        if (isfinite(gap)) {
            double share = slack * used / slots;
            t = lo + us(cum * f + share);
            unc = isfinite(unc_all) ? unc_all : fmax(share, slack - share);
        } else if (lo != GV_TIME_NONE) {
            t = lo + us(cum);
            unc = NAN;
        } else {
            t = hi - us(total - cum);
            unc = NAN;
        }
        if (lo != GV_TIME_NONE && t < lo)
            t = lo;
        if (hi != GV_TIME_NONE && t > hi)
            t = hi;
        if (it[k].is_event) {
            gv_event *ev = &tl->events[it[k].idx];
            gv_event_place(ev, t, f, prev);
            ev->time_basis = (unsigned char)basis;
            ev->time_uncertainty_s = unc;
            if (isfinite(unc) && unc > tl->clock.max_uncertainty_s)
                tl->clock.max_uncertainty_s = unc;
            tl->clock.placed_events++;
        } else {
            tl->steps[it[k].idx].t = t;
            tl->clock.placed_steps++;
        }
        assert(prev == GV_TIME_NONE || t >= prev);
        prev = t;
    }
}

void gv_log_clock_set_start(gv_timeline *tl, gv_time_us start) { tl->clock.start = start; }

bool gv_log_clock_untimed(const gv_timeline *tl)
{
    return tl->log.stamped_lines == 0 && tl->clock.start == GV_TIME_NONE &&
           (tl->steps_len || tl->events_len);
}

void gv_log_clock_place(gv_timeline *tl, const char *file, const gv_diag *diag)
{
    if (tl->log.spans_len == 0)
        return;
    gv_log_span *first = &tl->log.spans[0];
    bool from_start = false;
    if (tl->clock.start != GV_TIME_NONE && first->line_lo == 0) {
        if (first->t_hi != GV_TIME_NONE && tl->clock.start > first->t_hi) {
            char a[40];
            gv_time_format_iso(first->t_hi, a, sizeof a);
            gv_diag_warn(diag, GV_WARN_LOG_LINE, file, first->line_hi,
                         "the log start given is after this line's own time (%s); ignored", a);
        } else {
            first->t_lo = tl->clock.start;
            from_start = true;
        }
    }

    item *it = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < tl->steps_len; i++) {
        if (tl->steps[i].own_time)
            continue;
        size_t s = span_of(tl, tl->steps[i].line);
        if (s == (size_t)-1)
            continue;
        double dt = tl->steps[i].dt_ms / 1000;
        GV_GROW(it, cap, n + 1);
        it[n++] = (item){s, tl->steps[i].line, false, i, gv_duration_ok(dt) ? dt : 0, gv_duration_ok(dt) ? 0 : 1};
    }
    for (size_t i = 0; i < tl->events_len; i++) {
        if (tl->events[i].time_basis == GV_TB_STAMPED)
            continue;
        size_t s = span_of(tl, tl->events[i].line);
        if (s == (size_t)-1)
            continue;
        GV_GROW(it, cap, n + 1);
        it[n] = (item){s, tl->events[i].line, true, i, 0, 0};
        event_cost(&tl->events[i], &it[n].cost_s, &it[n].slots);
        n++;
    }
    if (n) /* (qsort wants an array, even of nothing) */
        qsort(it, n, sizeof *it, by_span_line);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && it[b].span == it[a].span)
            b++;
        place_span(tl, &tl->log.spans[it[a].span], it + a, b - a, from_start && it[a].span == 0);
        a = b;
    }
    free(it);

    /* the log's time range now covers what was placed */
    for (size_t i = 0; i < tl->events_len; i++) {
        const gv_event *ev = &tl->events[i];
        if (tl->log.first == GV_TIME_NONE || ev->start < tl->log.first)
            tl->log.first = ev->start;
        if (tl->log.last == GV_TIME_NONE || ev->end > tl->log.last)
            tl->log.last = ev->end;
    }
    for (size_t i = 0; i < tl->steps_len; i++) {
        gv_time_us t = tl->steps[i].t;
        if (t == GV_TIME_NONE)
            continue;
        if (tl->log.first == GV_TIME_NONE || t < tl->log.first)
            tl->log.first = t;
        if (tl->log.last == GV_TIME_NONE || t > tl->log.last)
            tl->log.last = t;
    }
}

void gv_log_clock_anchor(gv_timeline *tl, gv_time_us zero, gv_anchor_kind by, double uncertainty_s)
{
    assert(zero != GV_TIME_NONE && by != GV_ANCHOR_NONE);
    gv_timeline_shift_log(tl, zero - GV_LOG_ORIGIN);
    for (size_t i = 0; i < tl->events_len; i++)
        tl->events[i].time_uncertainty_s += uncertainty_s;
    tl->log.relative = false;
    tl->clock.anchor_by = by;
    tl->clock.anchor = zero;
    tl->clock.anchor_uncertainty_s = uncertainty_s;
    if (tl->clock.start != GV_TIME_NONE)
        tl->clock.start += zero - GV_LOG_ORIGIN;
}

gv_time_us gv_log_clock_training_start(const gv_timeline *tl)
{
    if (tl->log.relative)
        return GV_LOG_ORIGIN;
    for (size_t i = 0; i < tl->steps_len; i++) {
        const gv_step *s = &tl->steps[i];
        if (s->t == GV_TIME_NONE)
            continue;
        double dt = s->dt_ms / 1000;
        return s->t - (gv_duration_ok(dt) ? (gv_time_us)llround(dt * 1e6) : 0);
    }
    gv_time_us first = GV_TIME_NONE;
    for (size_t i = 0; i < tl->events_len; i++)
        if (first == GV_TIME_NONE || tl->events[i].start < first)
            first = tl->events[i].start;
    return first;
}
