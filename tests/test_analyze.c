/* test_analyze.c: the analysis stages on timelines built by hand: the phase plan (phases.c), the
 * buffered-log repair (retime.c) and the in-pass detectors (sample_watch.c). Expected values are
 * worked out in the comments from each header's stated rules, not from running the code. */
#include "analyze/sample_watch.h"
#include "gpuviz/phases.h"
#include "gpuviz/retime.h"
#include "gpuviz/timeline.h"
#include "harness.h"

#include <stdlib.h>

#define S(x) ((gv_time_us)((x) * 1000000.0))

static gv_step *step(gv_timeline *tl, double t, long n, double dt_ms, int phase, long line)
{
    gv_step *s = gv_timeline_add_step(tl);
    *s = (gv_step){.t = S(t), .loss = 3.0, .dt_ms = dt_ms, .tok_per_sec = 1000, .mfu = NAN, .step = (int32_t)n,
                   .line = (int32_t)line, .phase = phase, .grad_norm = NAN, .lrm = NAN, .own_time = true};
    return s;
}

static gv_event *event(gv_timeline *tl, gv_event_type type, double start, double end, long line)
{
    gv_event *e = gv_timeline_add_event(tl, type);
    e->start = S(start);
    e->t = e->end = S(end);
    e->line = e->first_line = line;
    e->step = -1;
    e->printed_dur_s = NAN;
    return e;
}

/* Steps 0..10 at 10..20 s (dt 1 s: the first covers 9..10 s), a validation 12.5..13 s inside
 * training, an evaluation 21..25 s and a checkpoint 24..26 s (base_checkpoints) that overlaps it.
 * Priority checkpoint > evaluation > validation > training gives five segments:
 *   training 9..12.5, validation 12.5..13, training 13..20, evaluation 21..24, checkpoint 24..26;
 * 20..21 s is in none (the correlator makes it idle or other). The training phase is named after
 * the checkpoint saved after its start ("base"), spans 9..20 s, 11 step lines, tokens 11 x 1000
 * tok/s x 1 s = 11000. */
static void test_phases(void)
{
    gv_timeline tl;
    gv_timeline_init(&tl);
    for (int i = 0; i <= 10; i++)
        step(&tl, 10 + i, i, 1000, 0, 100 + i);
    tl.log.step_phases = 1;
    event(&tl, GV_EV_VALIDATION, 12.5, 13, 103);
    event(&tl, GV_EV_EVALUATION, 21, 25, 120);
    event(&tl, GV_EV_CHECKPOINT, 24, 26, 130)->ckpt_kind = "base";
    gv_timeline_sort_events(&tl);

    gv_segment *seg;
    size_t n = gv_phases_plan(&tl, &seg);
    static const struct { double a, b; gv_phase ph; } want[] = {
        {9, 12.5, GV_PHASE_TRAINING}, {12.5, 13, GV_PHASE_VALIDATION}, {13, 20, GV_PHASE_TRAINING},
        {21, 24, GV_PHASE_EVALUATION}, {24, 26, GV_PHASE_CHECKPOINT}};
    CHECK_EQ_LONG(n, 5);
    for (size_t i = 0; i < n && i < 5; i++) {
        CHECK_EQ_LONG(seg[i].start, S(want[i].a));
        CHECK_EQ_LONG(seg[i].end, S(want[i].b));
        CHECK_EQ_LONG(seg[i].phase, want[i].ph);
        CHECK_EQ_LONG(seg[i].train, want[i].ph == GV_PHASE_TRAINING ? 0 : -1);
    }
    /* the segment holding a time, or the first one after it */
    CHECK_EQ_LONG(gv_segment_find(seg, n, S(12.7)), 1);
    CHECK_EQ_LONG(gv_segment_find(seg, n, S(20.5)), 3); /* 21..24 starts after it: none holds it */
    CHECK(seg[gv_segment_find(seg, n, S(20.5))].start > S(20.5));
    CHECK_EQ_LONG(gv_segment_find(seg, n, S(13)), 2);   /* [start, end): 13 s is training's */
    CHECK_EQ_LONG(gv_segment_find(seg, n, S(30)), n);

    const gv_train_phase *tp = &tl.pass.train_phases[0];
    CHECK_STR(tp->label, "base");
    CHECK_EQ_LONG(tp->start, S(9));
    CHECK_EQ_LONG(tp->end, S(20));
    CHECK_EQ_LONG(tp->first_step, 0);
    CHECK_EQ_LONG(tp->last_step, 10);
    CHECK_EQ_LONG(tp->steps, 11);
    CHECK_EQ_LONG(tp->total_steps, -1);
    CHECK_NEAR(tp->tokens, 11000, 1e-9);
    free(seg);

    /* a step range (the pass's): only steps 3..6 (lines at 13..16 s) count; the first covers its
     * own dt back to 12 s, where the validation (12.5..13) still outranks it */
    gv_timeline_cleanup(&tl);
    gv_timeline_init(&tl);
    for (int i = 0; i <= 10; i++)
        step(&tl, 10 + i, i, 1000, 0, 100 + i);
    tl.log.step_phases = 1;
    tl.pass.range_start = S(13);
    tl.pass.range_end = S(16);
    n = gv_phases_plan(&tl, &seg);
    CHECK_EQ_LONG(n, 1);
    CHECK_EQ_LONG(seg[0].start, S(12));
    CHECK_EQ_LONG(seg[0].end, S(16));
    CHECK_EQ_LONG(tl.pass.train_phases[0].steps, 4);
    CHECK_STR(tl.pass.train_phases[0].label, "phase 1"); /* no checkpoint names it */
    free(seg);
    gv_timeline_cleanup(&tl);
}

/* A burst: step lines 10, 11, 12, 14, 15 all stamped at the flush, 100 s, each with dt 1 s, and
 * a printed validation on line 13 stamped the same. Laid back from the flush, each line the next
 * line's printed duration before it (an event's own duration is 0 here):
 *   line 15 at 100, line 14 at 99, the validation at 98, line 12 at 98, 11 at 97, 10 at 96.
 * Four step lines and the event moved; the largest shift is line 10's, 4 s. Before the burst, two
 * lines sharing a time (dt 5 s each, but fewer than GV_BURST_MIN_STEPS) and three at 500 ms (their dt after the
 * first add up to 1 s, not more than GV_BURST_MIN_SPAN_S) stay as they are. */
static void test_retime(void)
{
    gv_timeline tl;
    gv_timeline_init(&tl);
    step(&tl, 50, 1, 5000, 0, 1);
    step(&tl, 50, 2, 5000, 0, 2);
    step(&tl, 60, 3, 500, 0, 3);
    step(&tl, 60, 4, 500, 0, 4);
    step(&tl, 60, 5, 500, 0, 5);
    for (int k = 0; k < 5; k++)
        step(&tl, 100, 6 + k, 1000, 0, (long[]){10, 11, 12, 14, 15}[k]);
    gv_event *v = event(&tl, GV_EV_VALIDATION, 100, 100, 13);
    v->printed = true;
    gv_retime_bursts(&tl);

    static const double want[] = {50, 50, 60, 60, 60, 96, 97, 98, 99, 100};
    for (size_t i = 0; i < tl.steps_len; i++)
        CHECK_EQ_LONG(tl.steps[i].t, S(want[i]));
    CHECK_EQ_LONG(tl.events[0].end, S(98));
    CHECK_EQ_LONG(tl.events[0].t, S(98));
    CHECK_EQ_LONG(tl.events[0].time_basis, GV_TB_BURST);
    /* its true time lies between the step line before the burst (60 s) and the flush: up to 38 s off */
    CHECK_NEAR(tl.events[0].time_uncertainty_s, 38, 1e-9);
    CHECK_EQ_LONG(tl.retime.bursts, 1);
    CHECK_EQ_LONG(tl.retime.steps, 4);
    CHECK_EQ_LONG(tl.retime.events, 1);
    CHECK_NEAR(tl.retime.max_shift_s, 4, 1e-9);
    gv_timeline_cleanup(&tl);
}

/* Two GPUs (power and temperature series 0..3), training 0..400 s, a row every second:
 *   - GPU 1 draws 100 W from 100 s to 159 s while GPU 0 draws 300 W: below 0.75 x 300 for about
 *     60 s (10-s windows: within 10 s) -> one gpu_imbalance on GPU 1;
 *   - GPU 0 is at 90 C from 200 s to 209 s (limit 85): one over_temperature on GPU 0, its
 *     figure the maximum, 90;
 *   - both GPUs at 50 W from 250 s to 299 s (threshold 200): one power_drop of about 50 s;
 *   - no row between 320 s and 350 s: a 30 s gap (typical interval 1 s) -> one sample_gap, 30;
 *   - a row at 360.5 s after one at 361 s: one time_backwards. */
static void test_sample_watch(void)
{
    gv_timeline tl;
    gv_timeline_init(&tl);
    gv_timeline_add_series(&tl, "gpu0_power_w", GV_SERIES_POWER, 0);
    gv_timeline_add_series(&tl, "gpu0_temp_c", GV_SERIES_TEMP, 0);
    gv_timeline_add_series(&tl, "gpu1_power_w", GV_SERIES_POWER, 1);
    gv_timeline_add_series(&tl, "gpu1_temp_c", GV_SERIES_TEMP, 1);
    int power[2] = {0, 2}, temp[2] = {1, 3};
    gv_segment train = {S(0), S(400), GV_PHASE_TRAINING, 0};
    gv_sample_watch *w = gv_sample_watch_new(&tl, power, temp, 200, 85, 0.75, &train, 1);
    gv_time_us p = GV_TIME_NONE;
    for (int i = 0; i < 400; i++) {
        if (i > 320 && i < 350)
            continue;
        double v[4] = {300, 60, 300, 60};
        if (i >= 100 && i < 160)
            v[2] = 100;
        if (i >= 200 && i < 210)
            v[1] = 90;
        if (i >= 250 && i < 300)
            v[0] = v[2] = 50;
        gv_time_us t = S(i);
        if (i == 362) { /* 361, then 360.5, then 362 */
            double back[4] = {300, 60, 300, 60};
            gv_sample_watch_row(w, p, S(360.5), back);
            p = S(360.5);
        }
        gv_sample_watch_row(w, p, t, v);
        p = t;
    }
    gv_sample_watch_finish(w);
    gv_sample_watch_free(w);

    CHECK_EQ_LONG(tl.analysis.anomaly_counts[GV_AN_GPU_IMBALANCE], 1);
    CHECK_EQ_LONG(tl.analysis.anomaly_counts[GV_AN_OVER_TEMPERATURE], 1);
    CHECK_EQ_LONG(tl.analysis.anomaly_counts[GV_AN_POWER_DROP], 1);
    CHECK_EQ_LONG(tl.analysis.anomaly_counts[GV_AN_SAMPLE_GAP], 1);
    CHECK_EQ_LONG(tl.analysis.anomaly_counts[GV_AN_TIME_BACKWARDS], 1);
    for (size_t i = 0; i < tl.analysis.anomalies_len; i++) {
        const gv_anomaly *a = &tl.analysis.anomalies[i];
        double start = (double)a->t / 1e6, dur = (double)a->duration / 1e6;
        switch (a->kind) {
        case GV_AN_GPU_IMBALANCE:
            CHECK_EQ_LONG(a->gpu, 1);
            CHECK(start >= 90 && start <= 110);
            CHECK(dur >= 50 && dur <= 70);
            break;
        case GV_AN_OVER_TEMPERATURE:
            CHECK_EQ_LONG(a->gpu, 0);
            CHECK_NEAR(a->value, 90, 0);
            CHECK(start >= 199 && start <= 200);
            break;
        case GV_AN_POWER_DROP:
            CHECK_EQ_LONG(a->gpu, -1);
            CHECK(start >= 240 && start <= 260);
            CHECK(dur >= 40 && dur <= 60);
            break;
        case GV_AN_SAMPLE_GAP:
            CHECK_NEAR(a->value, 30, 1e-9);
            CHECK_EQ_LONG(a->t, S(320));
            break;
        case GV_AN_TIME_BACKWARDS:
            CHECK_NEAR(a->value, 0.5, 1e-9);
            break;
        default:
            CHECK(!"an anomaly of another kind");
        }
    }
    gv_timeline_cleanup(&tl);
}

int main(void)
{
    test_phases();
    test_retime();
    test_sample_watch();
    return test_summary("test_analyze");
}
