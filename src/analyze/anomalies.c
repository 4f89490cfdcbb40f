/* anomalies.c: anomalies visible in the log. Depends on model and util. */
#include "gpuviz/anomalies.h"

#include "gpuviz/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool in_range(const gv_timeline *tl, gv_time_us t)
{
    return t >= tl->pass.t_first && t <= tl->pass.t_last &&
           (tl->pass.range_start == GV_TIME_NONE || t >= tl->pass.range_start) &&
           (tl->pass.range_end == GV_TIME_NONE || t <= tl->pass.range_end);
}

/* The training run (phase) a log line belongs to: how many runs' first step lines precede it
 * (several runs in one log: step numbers restart). */
static size_t run_of(const gv_timeline *tl, long line)
{
    size_t k = gv_timeline_step_from_line(tl, line);
    return k ? (size_t)tl->steps[k - 1].phase + 1 : 0;
}

static void bpb_regressions(gv_timeline *tl)
{
    const gv_event *prev = NULL;
    size_t prev_run = 0;
    for (size_t i = 0; i < tl->events_len; i++) {
        const gv_event *ev = &tl->events[i];
        if (ev->type != GV_EV_VALIDATION || !ev->metrics_len)
            continue;
        size_t run = run_of(tl, ev->line);
        if (prev && run == prev_run && strcmp(prev->metrics[0].name, ev->metrics[0].name) == 0 && ev->step > prev->step &&
            ev->metrics[0].value > prev->metrics[0].value)
            gv_timeline_add_anomaly(tl, GV_AN_BPB_REGRESSION, ev->t, 0, -1, ev->metrics[0].value,
                                    "validation %s rose from %.4f (step %ld) to %.4f (step %ld)",
                                    ev->metrics[0].name, prev->metrics[0].value, prev->step,
                                    ev->metrics[0].value, ev->step);
        prev = ev;
        prev_run = run;
    }
}

/* Sessions compare only with sessions of their own kind: those closed by a line that numbers its
 * step (run during training) and those closed by one that does not (a standalone evaluation,
 * often on more examples: nanochat's base_eval after training). */
static bool same_kind(const gv_event *a, const gv_event *b)
{
    return a->type == GV_EV_EVALUATION && b->type == GV_EV_EVALUATION && a->closed_with_step == b->closed_with_step;
}

static void slow_sessions(gv_timeline *tl, double factor, bool with_step);

static void slow_evaluations(gv_timeline *tl, double factor)
{
    slow_sessions(tl, factor, true);
    slow_sessions(tl, factor, false);
}

/* A task slower than its reference: what the session's anomaly says of it. */
typedef struct {
    const gv_eval_task *task;
    double ref;      /* the reference time it is compared with */
    bool own;        /* the reference is the same task's (else every task of the run's evaluations) */
    bool pair;       /* (own) the same task's only other time */
    gv_time_us start;
} slow_task;

#define SLOW_TASKS_NAMED 3 /* a session's anomaly names its slowest tasks, counts the rest */

static int slow_task_cmp(const void *a, const void *b)
{
    const slow_task *x = a, *y = b;
    double rx = x->task->time_s / x->ref, ry = y->task->time_s / y->ref;
    return rx > ry ? -1 : rx < ry ? 1 : 0;
}

/* The reference of a task: the median time of the same task over the sessions of its kind (3 or
 * more), else the other time (2); NAN with fewer. *n: how many times it had. */
static double task_reference(const gv_timeline *tl, const gv_event *ev, const char *name, size_t *n)
{
    double *times = NULL;
    size_t m = 0, cap = 0;
    for (size_t j = 0; j < tl->events_len; j++)
        for (size_t q = 0; same_kind(ev, &tl->events[j]) && q < tl->events[j].tasks_len; q++)
            if (strcmp(tl->events[j].tasks[q].name, name) == 0 && isfinite(tl->events[j].tasks[q].time_s)) {
                GV_GROW(times, cap, m + 1);
                times[m++] = tl->events[j].tasks[q].time_s;
            }
    double tm = m >= 3 ? median(times, m) : m == 2 ? (times[0] < times[1] ? times[0] : times[1]) : NAN;
    free(times);
    *n = m;
    return tm;
}

/* One anomaly per evaluation session that is slow, or that has slow tasks: the session against
 * the median session, each task against the same task's median over the sessions (or, with
 * fewer than 3 sessions during training, against every task of them). */
static void slow_sessions(gv_timeline *tl, double factor, bool with_step)
{
    size_t n = 0;
    double *d = gv_xmalloc((tl->events_len + 1) * sizeof *d);
    for (size_t i = 0; i < tl->events_len; i++)
        if (tl->events[i].type == GV_EV_EVALUATION && tl->events[i].closed_with_step == with_step)
            d[n++] = (double)(tl->events[i].end - tl->events[i].start) / 1e6;
    /* 3 or more sessions: against their median; 2: the slower against the other, by far */
    double med = n >= 3 ? median(d, n) : n == 2 ? (d[0] < d[1] ? d[0] : d[1]) : NAN;
    double f = n >= 3 ? factor : GV_SLOW_PAIR_FACTOR;
    free(d);

    /* in-training sessions, fewer than 3: every task of them, for a task against the run's others */
    double all_med = NAN;
    if (with_step && n < 3) {
        double *all = NULL;
        size_t an = 0, acap = 0;
        for (size_t j = 0; j < tl->events_len; j++)
            for (size_t q = 0; tl->events[j].type == GV_EV_EVALUATION && tl->events[j].closed_with_step &&
                               q < tl->events[j].tasks_len; q++)
                if (isfinite(tl->events[j].tasks[q].time_s)) {
                    GV_GROW(all, acap, an + 1);
                    all[an++] = tl->events[j].tasks[q].time_s;
                }
        all_med = an >= 3 ? median(all, an) : NAN;
        free(all);
    }

    slow_task *slow = NULL;
    size_t slow_cap = 0;
    for (size_t i = 0; i < tl->events_len; i++) {
        const gv_event *ev = &tl->events[i];
        if (ev->type != GV_EV_EVALUATION || ev->closed_with_step != with_step)
            continue;
        double dur = (double)(ev->end - ev->start) / 1e6;
        bool session_slow = n >= 2 && med > 0 && dur > f * med &&
                            dur - med >= (n >= 3 ? GV_SLOW_MIN_EXCESS_S : GV_SLOW_PAIR_MIN_S);
        size_t ns = 0;
        for (size_t k = 0; k < ev->tasks_len; k++) {
            const gv_eval_task *task = &ev->tasks[k];
            if (!isfinite(task->time_s))
                continue;
            size_t m;
            double tm = task_reference(tl, ev, task->name, &m), tf = m >= 3 ? factor : GV_SLOW_PAIR_FACTOR;
            slow_task st = {task, tm, true, m == 2, task->t_end - (gv_time_us)llround(task->time_s * 1e6)};
            if (!(tm > 0 && task->time_s > tf * tm && task->time_s - tm >= (m >= 3 ? GV_SLOW_MIN_EXCESS_S : GV_SLOW_PAIR_MIN_S))) {
                if (!(all_med > 0 && task->time_s > GV_SLOW_PAIR_FACTOR * all_med && task->time_s - all_med >= GV_SLOW_PAIR_MIN_S))
                    continue;
                st.ref = all_med;
                st.own = false;
            }
            GV_GROW(slow, slow_cap, ns + 1);
            slow[ns++] = st;
        }
        if (!session_slow && !ns)
            continue;
        gv_time_us start = ev->start, end = ev->end;
        if (!session_slow) { /* the span of its slow tasks */
            start = slow[0].start;
            end = slow[ns - 1].task->t_end;
        }
        qsort(slow, ns, sizeof *slow, slow_task_cmp);
        gv_buf msg;
        gv_buf_init(&msg, 0);
        if (session_slow)
            gv_buf_printf(&msg, "evaluation session at step %ld took %.1f s, %.1fx the %s session (%.1f s)", ev->step, dur,
                          dur / med, n >= 3 ? "median" : "other", med);
        else
            gv_buf_printf(&msg, "evaluation session at step %ld", ev->step);
        for (size_t k = 0; k < ns && k < SLOW_TASKS_NAMED; k++)
            gv_buf_printf(&msg, "%s%s %.2f s (%.1fx %s %.2f s)", k ? ", " : ns == 1 ? "; slow task: " : "; slow tasks: ",
                          slow[k].task->name, slow[k].task->time_s, slow[k].task->time_s / slow[k].ref,
                          !slow[k].own ? "the run's median task" : slow[k].pair ? "its other time" : "its median",
                          slow[k].ref);
        if (ns > SLOW_TASKS_NAMED)
            gv_buf_printf(&msg, " and %zu more", ns - SLOW_TASKS_NAMED);
        gv_buf_putc(&msg, '\0');
        gv_timeline_add_anomaly(tl, GV_AN_SLOW_EVALUATION, start, end - start, -1,
                                dur, "%s", msg.data);
        gv_buf_cleanup(&msg);
    }
    free(slow);
}

/* The last GV_THROUGHPUT_WINDOW values, in arrival order (ring) and kept sorted (for the median
 * without sorting per step). */
typedef struct {
    double ring[GV_THROUGHPUT_WINDOW], sorted[GV_THROUGHPUT_WINDOW];
    size_t len, pos;
} window;

static void window_push(window *w, double v)
{
    if (w->len == GV_THROUGHPUT_WINDOW) { /* drop the oldest from the sorted copy */
        double old = w->ring[w->pos];
        size_t i = 0;
        while (w->sorted[i] != old)
            i++;
        memmove(&w->sorted[i], &w->sorted[i + 1], (w->len - i - 1) * sizeof *w->sorted);
        w->len--;
    }
    size_t i = w->len;
    while (i > 0 && w->sorted[i - 1] > v) {
        w->sorted[i] = w->sorted[i - 1];
        i--;
    }
    w->sorted[i] = v;
    w->len++;
    w->ring[w->pos] = v;
    w->pos = (w->pos + 1) % GV_THROUGHPUT_WINDOW;
}

static double window_median(const window *w)
{
    size_t n = w->len;
    return n % 2 ? w->sorted[n / 2] : (w->sorted[n / 2 - 1] + w->sorted[n / 2]) / 2;
}

static void throughput_drops(gv_timeline *tl)
{
    window win = {.len = 0};
    int phase = -1;
    size_t run = 0;
    const gv_step *first = NULL;
    double low = INFINITY, med_at_start = 0;
    for (size_t i = 0; i <= tl->steps_len; i++) {
        const gv_step *s = i < tl->steps_len ? &tl->steps[i] : NULL;
        bool usable = s && s->t != GV_TIME_NONE && isfinite(s->tok_per_sec) && in_range(tl, s->t);
        if (s && !usable)
            continue;
        bool flagged = false;
        double med = 0;
        if (s && s->phase == phase && win.len >= 10) {
            med = window_median(&win);
            flagged = s->tok_per_sec < GV_THROUGHPUT_DROP_RATIO * med;
        }
        if (flagged) {
            if (run++ == 0) {
                first = s;
                low = s->tok_per_sec;
                med_at_start = med;
            }
            if (s->tok_per_sec < low)
                low = s->tok_per_sec;
            continue; /* dropped steps stay out of the running median */
        }
        if (run >= GV_THROUGHPUT_MIN_STEPS)
            gv_timeline_add_anomaly(tl, GV_AN_THROUGHPUT_DROP, first->t, 0, -1, low,
                                    "throughput fell to %.0f tok/s (%.0f%% of the running median "
                                    "%.0f) for %zu steps from step %ld",
                                    low, 100 * low / med_at_start, med_at_start, run, (long)first->step);
        run = 0;
        if (!s)
            break;
        if (s->phase != phase) {
            phase = s->phase;
            win.len = win.pos = 0;
        }
        window_push(&win, s->tok_per_sec);
    }
}

static void log_time_backwards(gv_timeline *tl)
{
    for (size_t i = 0; i < tl->log.backwards_len; i++) {
        const struct gv_log_backwards *b = &tl->log.backwards[i];
        if (in_range(tl, b->t))
            gv_timeline_add_anomaly(tl, GV_AN_TIME_BACKWARDS, b->t, 0, -1, b->back_s,
                                    "log time goes back %.3f s at line %ld", b->back_s, b->line);
    }
}

/* How many optimizer files a checkpoint of ev's kind should have: the most that one of its kind
 * (base, mid, chatsft...) saved (one per rank, or one), else one, except for SFT checkpoints:
 * nanochat's chat_sft saves none. */
static int optim_files_of_kind(const gv_timeline *tl, const gv_event *ev)
{
    int most = ev->ckpt_kind && strstr(ev->ckpt_kind, "sft") ? 0 : 1;
    for (size_t i = 0; i < tl->events_len; i++) {
        const gv_event *o = &tl->events[i];
        if (o->type == GV_EV_CHECKPOINT && o->file_kinds && o->optim_len > most &&
            strcmp(o->ckpt_kind ? o->ckpt_kind : "", ev->ckpt_kind ? ev->ckpt_kind : "") == 0)
            most = o->optim_len;
    }
    return most;
}

/* Optimizer shards one per rank (files named `_rank<R>`): as many as the run's ranks (its log's
 * world size line), else as the most another checkpoint of its kind has, else one per GPU. */
static int optim_shards_wanted(const gv_timeline *tl, const gv_event *ev)
{
    if (ev->ranks > 0)
        return ev->ranks;
    int most = optim_files_of_kind(tl, ev);
    return most > 1 ? most : tl->gpus_len > 0 ? (int)tl->gpus_len : 1;
}

static void incomplete_checkpoints(gv_timeline *tl)
{
    for (size_t i = 0; i < tl->events_len; i++) {
        const gv_event *ev = &tl->events[i];
        if (ev->type != GV_EV_CHECKPOINT || !ev->file_kinds)
            continue; /* only rules that name the files (a `what` group) say what is missing */
        bool sharded = ev->optim_rank_bits != 0;
        int optim_want = sharded ? optim_shards_wanted(tl, ev) : optim_files_of_kind(tl, ev);
        if (ev->has_model && ev->has_meta && ev->optim_len >= optim_want)
            continue;
        char missing[96] = "";
        if (!ev->has_model)
            strcat(missing, "model parameters");
        if (!ev->has_meta)
            strcat(strcat(missing, missing[0] ? ", " : ""), "metadata");
        if (ev->optim_len == 0 && optim_want > 0)
            strcat(strcat(missing, missing[0] ? ", " : ""), "optimizer state");
        else if (ev->optim_len < optim_want) {
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing),
                     "%s%d of %d optimizer shards", missing[0] ? ", " : "", optim_want - ev->optim_len, optim_want);
            for (int r = 0, listed = 0; sharded && r < optim_want && r < 64 && listed < 4; r++)
                if (!(ev->optim_rank_bits >> r & 1))
                    snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%d",
                             listed++ ? ", " : " (rank ", r);
            if (sharded && strchr(missing, '('))
                snprintf(missing + strlen(missing), sizeof missing - strlen(missing), ")");
        }
        gv_timeline_add_anomaly(tl, GV_AN_INCOMPLETE_CHECKPOINT, ev->t, ev->end - ev->start, -1,
                                ev->files_len, "checkpoint %s (%s) at log line %ld lacks: %s",
                                ev->model_id ? ev->model_id : "?", ev->dir ? ev->dir : "",
                                ev->line, missing);
    }
}

void gv_anomalies_detect(gv_timeline *tl, const gv_anomaly_opts *o)
{
    bpb_regressions(tl);
    slow_evaluations(tl, o->slow_factor > 1 ? o->slow_factor : 2);
    throughput_drops(tl);
    log_time_backwards(tl);
    incomplete_checkpoints(tl);
    gv_timeline_sort_anomalies(tl);
}
