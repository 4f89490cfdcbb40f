/* phases.c: activity segments from events and step lines (a priority sweep). Depends on model
 * and util only. */
#include "gpuviz/phases.h"

#include "gpuviz/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    gv_time_us t;
    int delta;  /* +1 start, -1 end */
    int prio;   /* 0 training .. 3 checkpoint */
    int train;
} edge;

static int edge_cmp(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->delta - y->delta; /* ends before starts at the same time */
}

static const gv_phase PRIO_PHASE[4] = {GV_PHASE_TRAINING, GV_PHASE_VALIDATION,
                                       GV_PHASE_EVALUATION, GV_PHASE_CHECKPOINT};

static bool in_range(const gv_timeline *tl, gv_time_us t)
{
    return (tl->pass.range_start == GV_TIME_NONE || t >= tl->pass.range_start) &&
           (tl->pass.range_end == GV_TIME_NONE || t <= tl->pass.range_end);
}

static void add_interval(edge **e, size_t *len, size_t *cap, gv_time_us a, gv_time_us b, int prio,
                         int train)
{
    if (b <= a)
        return;
    GV_GROW(*e, *cap, *len + 2);
    (*e)[(*len)++] = (edge){a, +1, prio, train};
    (*e)[(*len)++] = (edge){b, -1, prio, train};
}

static void label_train_phases(gv_timeline *tl)
{
    /* a phase is named after the kind of the first checkpoint saved between its start and the
     * start of the next phase (base_checkpoints -> "base") */
    for (size_t p = 0; p < tl->log.step_phases; p++) {
        gv_train_phase *tp = &tl->pass.train_phases[p];
        gv_time_us next = p + 1 < tl->log.step_phases ? tl->pass.train_phases[p + 1].start : INT64_MAX;
        for (size_t i = 0; i < tl->events_len && !tp->label; i++) {
            const gv_event *ev = &tl->events[i];
            if (ev->type == GV_EV_CHECKPOINT && ev->t >= tp->start && ev->t < next &&
                ev->ckpt_kind && ev->ckpt_kind[0])
                tp->label = ev->ckpt_kind;
        }
        if (!tp->label) {
            char buf[32];
            snprintf(buf, sizeof buf, "phase %zu", p + 1);
            tp->label = gv_arena_strdup(&tl->arena, buf);
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Per training phase: how far a step line without a dt covers back, GV_TRAIN_BRIDGE_MIN_S or
 * GV_TRAIN_BRIDGE_GAP_FACTOR times the median gap between its step lines (in range). Caller frees. */
static double *sparse_limits(const gv_timeline *tl)
{
    double *limit = gv_xmalloc((tl->log.step_phases + 1) * sizeof *limit);
    double *gaps = gv_xmalloc((tl->steps_len + 1) * sizeof *gaps);
    size_t i = 0;
    for (size_t p = 0; p <= tl->log.step_phases; p++)
        limit[p] = GV_TRAIN_BRIDGE_MIN_S;
    while (i < tl->steps_len) { /* (a phase's steps are consecutive) */
        int phase = tl->steps[i].phase;
        size_t n = 0;
        gv_time_us last = GV_TIME_NONE;
        for (; i < tl->steps_len && tl->steps[i].phase == phase; i++) {
            gv_time_us t = tl->steps[i].t;
            if (t == GV_TIME_NONE || !in_range(tl, t))
                continue;
            if (last != GV_TIME_NONE && t > last)
                gaps[n++] = (double)(t - last) / 1e6;
            last = t;
        }
        if (n && phase >= 0 && (size_t)phase < tl->log.step_phases) {
            qsort(gaps, n, sizeof *gaps, cmp_double);
            limit[phase] = fmax(GV_TRAIN_BRIDGE_MIN_S, GV_TRAIN_BRIDGE_GAP_FACTOR * gaps[n / 2]);
        }
    }
    free(gaps);
    return limit;
}

size_t gv_phases_plan(gv_timeline *tl, gv_segment **segs)
{
    edge *e = NULL;
    size_t len = 0, cap = 0;

    free(tl->pass.train_phases);
    tl->pass.train_phases = gv_xcalloc(tl->log.step_phases + 1, sizeof *tl->pass.train_phases);
    for (size_t p = 0; p < tl->log.step_phases; p++)
        tl->pass.train_phases[p] = (gv_train_phase){.start = GV_TIME_NONE, .end = GV_TIME_NONE,
                                               .first_step = -1, .last_step = -1, .tokens = NAN,
                                               .total_steps = tl->log.step_totals ? tl->log.step_totals[p] : -1};

    double *no_dt_limit = sparse_limits(tl);
    const gv_step *prev = NULL;
    for (size_t i = 0; i < tl->steps_len; i++) {
        const gv_step *s = &tl->steps[i];
        if (s->t == GV_TIME_NONE || !in_range(tl, s->t))
            continue;
        gv_train_phase *tp = &tl->pass.train_phases[s->phase];
        double dt_s = isfinite(s->dt_ms) && s->dt_ms > 0 ? s->dt_ms / 1000 : NAN;
        gv_time_us from = s->t;
        if (prev && prev->phase == s->phase) {
            double gap_s = (double)(s->t - prev->t) / 1e6;
            double limit = isfinite(dt_s) ? fmax(GV_TRAIN_BRIDGE_DT_FACTOR * dt_s, GV_TRAIN_BRIDGE_MIN_S)
                                          : no_dt_limit[s->phase];
            if (gap_s <= limit)
                from = prev->t;
        } else if (isfinite(dt_s)) {
            from = s->t - (gv_time_us)llround(fmin(dt_s, GV_TRAIN_BRIDGE_MIN_S) * 1e6);
        }
        if (len && e[len - 1].t == from && e[len - 1].delta < 0 && e[len - 1].prio == 0 &&
            e[len - 1].train == s->phase && s->t > from)
            e[len - 1].t = s->t; /* abuts the previous step's interval: one interval (the same
                                    segments, far fewer edges) */
        else
            add_interval(&e, &len, &cap, from, s->t, 0, s->phase);
        if (tp->start == GV_TIME_NONE || from < tp->start)
            tp->start = from;
        if (tp->end == GV_TIME_NONE || s->t > tp->end)
            tp->end = s->t;
        if (tp->first_step < 0)
            tp->first_step = s->step;
        tp->last_step = s->step;
        tp->steps++;
        if (isfinite(s->tok_per_sec) && isfinite(dt_s))
            tp->tokens = (isnan(tp->tokens) ? 0 : tp->tokens) + s->tok_per_sec * dt_s;
        prev = s;
    }
    free(no_dt_limit);
    label_train_phases(tl);

    /* step edges are nearly always in order already: sort them only when not, sort the few
     * event edges, and merge the two lists */
    size_t steps_len = len;
    bool sorted = true;
    for (size_t i = 1; i < steps_len && sorted; i++)
        sorted = edge_cmp(&e[i - 1], &e[i]) <= 0;
    if (!sorted)
        qsort(e, steps_len, sizeof *e, edge_cmp);
    for (size_t i = 0; i < tl->events_len; i++) {
        const gv_event *ev = &tl->events[i];
        gv_phase ph = tl->types[ev->type].phase;
        int prio = ph == GV_PHASE_CHECKPOINT ? 3 : ph == GV_PHASE_EVALUATION ? 2
                 : ph == GV_PHASE_VALIDATION ? 1 : -1;
        if (prio < 0)
            continue; /* a type that counts as no activity */
        add_interval(&e, &len, &cap, ev->start, ev->end, prio, -1);
    }
    if (len > steps_len + 1)
        qsort(e + steps_len, len - steps_len, sizeof *e, edge_cmp);
    if (steps_len && len > steps_len) {
        edge *m = gv_xmalloc(len * sizeof *m);
        size_t a = 0, b = steps_len, o = 0;
        while (a < steps_len || b < len)
            m[o++] = b == len || (a < steps_len && edge_cmp(&e[a], &e[b]) <= 0) ? e[a++] : e[b++];
        free(e);
        e = m;
    }

    gv_segment *out = NULL;
    size_t n = 0, out_cap = 0;
    int active[4] = {0, 0, 0, 0};
    int train = -1;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && e[i].t > e[i - 1].t) {
            int top = -1;
            for (int p = 3; p >= 0 && top < 0; p--)
                if (active[p] > 0)
                    top = p;
            if (top >= 0) {
                gv_phase ph = PRIO_PHASE[top];
                int tr = top == 0 ? train : -1;
                if (n && out[n - 1].end == e[i - 1].t && out[n - 1].phase == ph && out[n - 1].train == tr) {
                    out[n - 1].end = e[i].t;
                } else {
                    GV_GROW(out, out_cap, n + 1);
                    out[n++] = (gv_segment){e[i - 1].t, e[i].t, ph, tr};
                }
            }
        }
        active[e[i].prio] += e[i].delta;
        if (e[i].prio == 0 && e[i].delta > 0)
            train = e[i].train;
    }
    free(e);
    *segs = out;
    return n;
}

size_t gv_segment_find(const gv_segment *segs, size_t n, gv_time_us t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (segs[mid].end <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
