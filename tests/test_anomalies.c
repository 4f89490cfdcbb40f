/* test_anomalies.c: the anomalies found from the log (anomalies.c) and their severities
 * (timeline.c): slow evaluations grouped per session with their slow tasks, the minimum excess,
 * the severity of each kind. Expected values are worked out in the comments. */
#include "gpuviz/anomalies.h"
#include "gpuviz/timeline.h"
#include "harness.h"

#include <stdlib.h>

#define S(x) ((gv_time_us)((x) * 1000000.0))

/* An evaluation session at step, from start, its tasks taking the given seconds one after the
 * other (names "t0", "t1", ...). */
static void session(gv_timeline *tl, long step, double start, const double *secs, size_t n)
{
    static const char *const names[] = {"t0", "t1", "t2", "t3", "t4"};
    gv_event *ev = gv_timeline_add_event(tl, GV_EV_EVALUATION);
    ev->step = step;
    ev->closed_with_step = true;
    ev->tasks = calloc(n, sizeof *ev->tasks);
    ev->tasks_len = n;
    double t = start;
    for (size_t k = 0; k < n; k++) {
        t += secs[k];
        ev->tasks[k] = (gv_eval_task){names[k], 0, "multiple_choice", 0.5, 0.1, secs[k], S(t), (long)k + 1};
    }
    ev->start = S(start);
    ev->t = ev->end = S(t);
}

static void free_tasks(gv_timeline *tl)
{
    for (size_t i = 0; i < tl->events_len; i++)
        free(tl->events[i].tasks);
}

/* Five sessions of three tasks (2, 15, 3 s: 20 s). The fourth: t1 takes 45 s (3x its median
 * 15 s, 30 s more) and t2 40 s (13.3x, 37 s more): one anomaly for the session (87 s, 4.35x the
 * median 20 s, printed 4.3) naming both, the larger ratio first. The fifth: t0 takes 5 s (2.5x its 2 s, but
 * only 3 s more: under GV_SLOW_MIN_EXCESS_S): nothing. */
static void test_slow_sessions(void)
{
    gv_timeline tl;
    gv_timeline_init(&tl);
    double normal[] = {2, 15, 3}, slow[] = {2, 45, 40}, bit[] = {5, 15, 3};
    for (int s = 0; s < 3; s++)
        session(&tl, 100 * (s + 1), 1000.0 * s, normal, 3);
    session(&tl, 400, 3000, slow, 3);
    session(&tl, 500, 4000, bit, 3);
    tl.pass.t_first = 0;
    tl.pass.t_last = S(5000);
    gv_anomaly_opts o = {.slow_factor = 2};
    gv_anomalies_detect(&tl, &o);
    CHECK_EQ_LONG(tl.analysis.anomaly_counts[GV_AN_SLOW_EVALUATION], 1);
    CHECK_EQ_LONG(tl.analysis.anomalies_len, 1);
    if (tl.analysis.anomalies_len == 1) {
        const gv_anomaly *a = &tl.analysis.anomalies[0];
        CHECK_EQ_LONG(a->t, S(3000));
        CHECK_EQ_LONG(a->duration, S(87));
        CHECK_NEAR(a->value, 87, 1e-9);
        CHECK_EQ_LONG(a->severity, GV_SEV_WARNING);
        CHECK(strcmp(a->message, "evaluation session at step 400 took 87.0 s, 4.3x the median session (20.0 s); "
                                 "slow tasks: t2 40.00 s (13.3x its median 3.00 s), t1 45.00 s (3.0x its median "
                                 "15.00 s)") == 0);
    }
    free_tasks(&tl);
    gv_timeline_cleanup(&tl);
}

/* The severity of each kind, and of a sample gap by its length. */
static void test_severities(void)
{
    CHECK_EQ_LONG(gv_anomaly_severity(GV_AN_INCOMPLETE_CHECKPOINT, 1), GV_SEV_CRITICAL);
    CHECK_EQ_LONG(gv_anomaly_severity(GV_AN_OVER_TEMPERATURE, 90), GV_SEV_CRITICAL);
    CHECK_EQ_LONG(gv_anomaly_severity(GV_AN_POWER_DROP, 0), GV_SEV_CRITICAL);
    CHECK_EQ_LONG(gv_anomaly_severity(GV_AN_THROUGHPUT_DROP, 1000), GV_SEV_WARNING);
    CHECK_EQ_LONG(gv_anomaly_severity(GV_AN_SLOW_EVALUATION, 80), GV_SEV_WARNING);
    CHECK_EQ_LONG(gv_anomaly_severity(GV_AN_BPB_REGRESSION, 0.9), GV_SEV_WARNING);
    CHECK_EQ_LONG(gv_anomaly_severity(GV_AN_GPU_IMBALANCE, 0.3), GV_SEV_WARNING);
    CHECK_EQ_LONG(gv_anomaly_severity(GV_AN_SAMPLE_GAP, 59.9), GV_SEV_INFO);
    CHECK_EQ_LONG(gv_anomaly_severity(GV_AN_SAMPLE_GAP, 60), GV_SEV_WARNING);
    CHECK_EQ_LONG(gv_anomaly_severity(GV_AN_TIME_BACKWARDS, 100), GV_SEV_INFO);
    CHECK(strcmp(gv_severity_name(GV_SEV_CRITICAL), "critical") == 0 && strcmp(gv_severity_name(GV_SEV_INFO), "info") == 0);
    /* counted by severity also past the number stored */
    gv_timeline tl;
    gv_timeline_init(&tl);
    for (int i = 0; i < GV_ANOMALIES_PER_KIND_MAX + 5; i++)
        gv_timeline_add_anomaly(&tl, GV_AN_SAMPLE_GAP, S(i), S(70), -1, 70, "gap %d", i);
    CHECK_EQ_LONG(tl.analysis.anomalies_len, GV_ANOMALIES_PER_KIND_MAX);
    CHECK_EQ_LONG(tl.analysis.anomaly_severity_counts[GV_SEV_WARNING], GV_ANOMALIES_PER_KIND_MAX + 5);
    gv_timeline_cleanup(&tl);
}

int main(void)
{
    test_slow_sessions();
    test_severities();
    return test_summary("test_anomalies");
}
