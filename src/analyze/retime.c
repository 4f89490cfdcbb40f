/* retime.c: buffered-log repair by the step lines' own clock. Depends on model and util. */
#include "gpuviz/retime.h"

#include "gpuviz/buf.h"

#include <math.h>
#include <limits.h>
#include <stdlib.h>

static gv_time_us us(double s) { return (gv_time_us)llround(s * 1e6); }

/* A dt that can be turned into time (the burst's span is checked too). */
static bool sane_dt(double ms) { return gv_duration_ok(ms / 1000); }

static void note_shift(gv_timeline *tl, gv_time_us delta)
{
    double s = fabs((double)delta / 1e6);
    if (s > tl->retime.max_shift_s)
        tl->retime.max_shift_s = s;
}

/* What an event's line says of the time before it: a session its tasks' times, a `duration`
 * group its duration; 0 for anything else (nothing in the burst bounds it). */
static double event_cost_s(const gv_event *ev)
{
    double c = 0;
    for (size_t k = 0; k < ev->tasks_len; k++)
        c += isfinite(ev->tasks[k].time_s) ? ev->tasks[k].time_s : 0;
    return ev->tasks_len ? c : isfinite(ev->printed_dur_s) ? ev->printed_dur_s : 0;
}

static int by_line(const void *a, const void *b, const gv_timeline *tl)
{
    long x = tl->events[*(const size_t *)a].line, y = tl->events[*(const size_t *)b].line;
    return x < y ? -1 : x > y;
}

/* Steps i..j share the flush time: the burst's lines (steps, and the printed events between its
 * neighbours) are laid back from the flush, the last at it, each earlier one the later one's
 * printed duration before it, never before the step line that preceded the burst. */
static void retime_burst(gv_timeline *tl, size_t i, size_t j, gv_time_us *fresh, size_t *evs)
{
    gv_step *st = tl->steps;
    gv_time_us stamp = st[i].t;
    gv_time_us floor_t = i > 0 && st[i - 1].t != GV_TIME_NONE ? st[i - 1].t : INT64_MIN;
    long lo = i > 0 ? st[i - 1].line : 0;
    long hi = j + 1 < tl->steps_len ? st[j + 1].line : LONG_MAX;
    size_t n = 0;
    for (size_t e = 0; e < tl->events_len; e++) {
        const gv_event *ev = &tl->events[e];
        if (ev->printed && ev->end == stamp && ev->line > lo && ev->line < hi)
            evs[n++] = e;
    }
    for (size_t a = 1; a < n; a++) /* (a burst has few events) */
        for (size_t b = a; b > 0 && by_line(&evs[b - 1], &evs[b], tl) > 0; b--) {
            size_t x = evs[b];
            evs[b] = evs[b - 1];
            evs[b - 1] = x;
        }

    /* from the last line back, steps and events merged by line */
    gv_time_us cursor = stamp;
    size_t k = j + 1, m = n;
    while (k > i || m > 0) {
        bool event = m > 0 && (k == i || tl->events[evs[m - 1]].line > st[k - 1].line);
        gv_time_us at = cursor < floor_t ? floor_t : cursor;
        if (event) {
            gv_event *ev = &tl->events[evs[--m]];
            double cost = event_cost_s(ev);
            cursor -= us(cost);
            gv_time_us old = ev->end;
            gv_event_place(ev, at, 1, cursor < floor_t ? floor_t : cursor);
            if (at != old) {
                note_shift(tl, at - old);
                tl->retime.events++;
            }
            /* its true time lies between the step line before the burst and the flush */
            ev->time_basis = GV_TB_BURST;
            ev->time_uncertainty_s = floor_t == INT64_MIN ? NAN
                                     : fmax((double)(ev->end - floor_t), (double)(stamp - ev->end)) / 1e6;
        } else {
            k--;
            fresh[k] = at;
            cursor -= us(st[k].dt_ms / 1000);
        }
    }
    for (k = i; k <= j; k++) {
        if (fresh[k] != st[k].t) {
            note_shift(tl, fresh[k] - st[k].t);
            st[k].t = fresh[k];
            tl->retime.steps++;
        }
    }
    tl->retime.bursts++;
}

void gv_retime_bursts(gv_timeline *tl)
{
    gv_time_us *fresh = gv_xmalloc((tl->steps_len + 1) * sizeof *fresh);
    size_t *evs = gv_xmalloc((tl->events_len + 1) * sizeof *evs); /* a burst's events */
    size_t i = 0;
    while (i < tl->steps_len) {
        size_t j = i;
        bool timed = tl->steps[i].t != GV_TIME_NONE && sane_dt(tl->steps[i].dt_ms);
        double span = timed ? tl->steps[i].dt_ms / 1000 : 0;
        while (j + 1 < tl->steps_len && tl->steps[j + 1].t == tl->steps[i].t &&
               tl->steps[j + 1].phase == tl->steps[i].phase) {
            j++;
            timed = timed && sane_dt(tl->steps[j].dt_ms);
            span += timed ? tl->steps[j].dt_ms / 1000 : 0;
        }
        /* the dt of the lines after the first tell how far back they reach */
        if (timed && j - i + 1 >= GV_BURST_MIN_STEPS && span < GV_DURATION_MAX_S &&
            span - tl->steps[i].dt_ms / 1000 > GV_BURST_MIN_SPAN_S)
            retime_burst(tl, i, j, fresh, evs);
        i = j + 1;
    }
    free(fresh);
    free(evs);
}
