/* Unit tests of the one-pass correlator and the min/max downsampler on a synthetic run whose
 * values are worked out by hand in the comments (integrals of linear power ramps). */
#include "gpuviz/correlate.h"
#include "gpuviz/pyramid.h"
#include "harness.h"

#include <stdlib.h>

#define S(x) ((gv_time_us)((x) * 1000000.0))
/* gv_pyramid_finest into arrays of the test's own: lv owns them (gv_level_cleanup frees them,
 * also here before lv is filled again; lv starts zeroed). */
static void finest(const gv_pyramid *p, size_t s, gv_level *lv)
{
    gv_level_cleanup(lv);
    size_t n = gv_pyramid_finest_len(p) + 1;
    gv_pyramid_finest(p, s, lv, malloc(n * sizeof(float)), malloc(n * sizeof(float)));
    lv->owned = true;
}

static const gv_time_us BASE = 1766437560000000LL; /* 2025-12-22 21:06:00 */

static gv_event *add(gv_timeline *tl, gv_event_type type, double t, double start, double end)
{
    gv_event *e = gv_timeline_add_event(tl, type);
    e->t = BASE + S(t);
    e->start = BASE + S(start);
    e->end = BASE + S(end);
    return e;
}

static void test_correlator(void)
{
    gv_timeline tl;
    gv_timeline_init(&tl);
    gv_timeline_add_series(&tl, "gpu0_power_instant_w", GV_SERIES_POWER_INSTANT, 0); /* 0 */
    gv_timeline_add_series(&tl, "gpu0_temp_c", GV_SERIES_TEMP, 0);                   /* 1 */
    gv_timeline_add_series(&tl, "gpu1_power_instant_w", GV_SERIES_POWER_INSTANT, 1); /* 2 */
    gv_timeline_add_series(&tl, "gpu1_temp_c", GV_SERIES_TEMP, 1);                   /* 3 */
    add(&tl, GV_EV_VALIDATION, -5, -5, -5);        /* before the samples: dropped */
    add(&tl, GV_EV_EVALUATION, 2.5, 2.5, 6.5);     /* a window */
    add(&tl, GV_EV_VALIDATION, 7.4, 7.4, 7.4);     /* nearest row: 7 s */
    add(&tl, GV_EV_CHECKPOINT, 7.5, 7.5, 7.5);     /* a tie between 7 s and 8 s: the earlier */
    add(&tl, GV_EV_VALIDATION, 30, 30, 30);        /* after the samples: dropped */
    gv_timeline_sort_events(&tl);

    gv_correlate_opts o = {.power_threshold_w = 150, .buffer_min = 0.1, .idle_cutoff = true,
                           .display_bytes = 1000000, .temp_limit_c = 85};
    gv_correlator *c = gv_correlator_new(&tl, &o);
    gv_sample_sink sink = gv_correlator_sink(c);
    gv_error err;
    CHECK_EQ_LONG(sink.begin(sink.ctx, &err), GV_OK);
    /* rows at 0..10 s: GPU0 100 + 10 i W (missing at 8 s), 50 + i C; GPU1 200 W, 40 C */
    for (int i = 0; i <= 10; i++) {
        double v[4] = {i == 8 ? NAN : 100 + 10 * i, 50 + i, 200, 40};
        sink.row(sink.ctx, BASE + S(i), v, NULL);
    }
    double last[4] = {50, 45, 10, 40}; /* at 20 s, after a 10 s gap: idle */
    sink.row(sink.ctx, BASE + S(20), last, NULL);
    gv_correlator_finish(c, NULL, "t.log");

    CHECK_EQ_LONG(tl.pass.t_first, BASE);
    CHECK_EQ_LONG(tl.pass.t_last, BASE + S(20));
    CHECK_EQ_LONG(tl.pass.events_before, 1);
    CHECK_EQ_LONG(tl.pass.events_after, 1);
    CHECK_EQ_LONG(tl.events_len, 3);
    /* energy: GPU0 ramp 100->200 W over 10 s = 1500 J (the 8 s hole is interpolated over, the
     * 10 s gap to 20 s is not integrated); GPU1 200 W x 10 s = 2000 J */
    CHECK_NEAR(tl.series[0].stats.energy_wh, 1500.0 / 3600, 1e-12);
    CHECK_NEAR(tl.series[2].stats.energy_wh, 2000.0 / 3600, 1e-12);
    CHECK_EQ_LONG(tl.series[0].stats.n, 11);
    CHECK_EQ_LONG(tl.series[0].stats.missing, 1);
    CHECK_NEAR(tl.series[0].stats.min, 50, 0);
    CHECK_NEAR(tl.series[0].stats.max, 200, 0);
    CHECK_NEAR(tl.series[0].stats.sum, 100 + 110 + 120 + 130 + 140 + 150 + 160 + 170 + 190 + 200 + 50, 0);
    CHECK_NEAR(tl.series[1].stats.energy_wh, 0, 0); /* temperature is not integrated */

    /* idle cutoff: last sample >= 150 W at 10 s, + 6 s */
    CHECK_EQ_LONG(tl.pass.last_active, BASE + S(10));
    CHECK_EQ_LONG(tl.pass.idle_cutoff, BASE + S(16));
    gv_level lv = {0};
    finest(tl.pass.pyramid, 0, &lv);
    CHECK_EQ_LONG(gv_level_filled(&lv), 11); /* every valid sample in its own bucket */
    gv_level_cleanup(&lv);

    const gv_event *ev = &tl.events[0];
    CHECK_EQ_LONG(ev->type, GV_EV_EVALUATION);
    /* window 2.5..6.5 s: samples 3,4,5,6 s -> 130,140,150,160: mean 145, max 160;
     * energy = integral of 100 + 10 t dt from 2.5 to 6.5 = 861.25 - 281.25 = 580 J */
    CHECK_EQ_LONG(ev->gpu[0].window_samples, 4);
    CHECK_NEAR(ev->gpu[0].mean_power_w, 145, 1e-12);
    CHECK_NEAR(ev->gpu[0].max_power_w, 160, 0);
    CHECK_NEAR(ev->gpu[0].energy_wh, 580.0 / 3600, 1e-12);
    CHECK_NEAR(ev->gpu[1].energy_wh, 800.0 / 3600, 1e-12);
    CHECK_NEAR(ev->gpu[0].power_w, 120, 0); /* nearest row to 2.5 s: 2 s (tie -> earlier) */

    ev = &tl.events[1];
    CHECK_EQ_LONG(ev->type, GV_EV_VALIDATION);
    CHECK_NEAR(ev->gpu[0].power_w, 170, 0);
    CHECK_NEAR(ev->gpu[0].temp_c, 57, 0);
    CHECK_NEAR(ev->gpu[1].power_w, 200, 0);
    CHECK_NEAR(ev->nearest_sample_dt_s, 0.4, 1e-9);
    CHECK(isnan(ev->gpu[0].mean_power_w)); /* a point event has no window */

    ev = &tl.events[2];
    CHECK_NEAR(ev->gpu[0].power_w, 170, 0);
    gv_correlator_free(c);
    gv_timeline_cleanup(&tl);
}

static void test_pyramid(void)
{
    gv_pyramid *p = gv_pyramid_new(2, 8, 10000);
    /* 10,000 samples 10 ms apart: a sawtooth with one spike and one dip */
    for (int i = 0; i < 10000; i++) {
        double v = i % 100;
        if (i == 4321)
            v = 1000;
        if (i == 7777)
            v = -50;
        gv_pyramid_add(p, 0, (gv_time_us)i * 10000, v);
        if (i % 2 == 0)
            gv_pyramid_add(p, 1, (gv_time_us)i * 10000, 5);
    }
    gv_level lv = {0}, c;
    finest(p, 0, &lv);
    CHECK(lv.n <= 8 && lv.n >= 4);
    CHECK_EQ_LONG(lv.width, 10000 << 11); /* 100 s span in at most 8 buckets: 20.48 s each */
    int spike = 0, dip = 0;
    for (size_t i = 0; i < lv.n; i++) {
        spike |= lv.first[i] == 1000 || lv.second[i] == 1000;
        dip |= lv.first[i] == -50 || lv.second[i] == -50;
    }
    CHECK(spike && dip);
    /* time order inside bucket [40.96 s, 61.44 s): its first minimum 0 (i = 4100) comes before
     * the spike (i = 4321); in bucket [61.44 s, 81.92 s) the dip (i = 7777) comes after the
     * first maximum 99 (i = 6199) */
    CHECK(lv.first[2] == 0 && lv.second[2] == 1000);
    CHECK(lv.first[3] == 99 && lv.second[3] == -50);
    gv_level_coarsen(&lv, &c);
    CHECK_EQ_LONG(c.width, lv.width * 2);
    CHECK_EQ_LONG(c.n, (lv.n + 1) / 2);
    CHECK(c.first[1] == 1000 || c.second[1] == 1000);
    gv_level_cleanup(&c);
    finest(p, 1, &lv); /* the constant series: first == second */
    for (size_t i = 0; i < lv.n; i++)
        CHECK(lv.first[i] == 5 && lv.second[i] == 5);
    /* a sample before the first extends the grid to the left, keeping alignment */
    gv_pyramid_add(p, 0, -100000000, 7);
    finest(p, 0, &lv);
    CHECK(lv.n <= 8);
    CHECK_EQ_LONG(lv.origin + lv.lo * lv.width <= -100000000, 1);
    CHECK(lv.first[0] == 7);
    gv_pyramid_free(p);

    /* a fine grid: one sample per bucket, levels built down from it keep both extremes */
    p = gv_pyramid_new(1, 1024, 10000);
    for (int i = 0; i < 512; i++)
        gv_pyramid_add(p, 0, (gv_time_us)i * 10000, i % 2 ? 10 : -10);
    finest(p, 0, &lv);
    CHECK_EQ_LONG(lv.width, 10000);
    CHECK_EQ_LONG(gv_level_filled(&lv), 512);
    gv_level_coarsen(&lv, &c);
    CHECK(c.first[0] == -10 && c.second[0] == 10); /* -10 at 0 ms, then 10 at 10 ms */
    gv_level_cleanup(&c);
    gv_level_cleanup(&lv);
    gv_pyramid_free(p);
}

/* Rows placed in blocks (gv_pyramid_place, the correlator's block path) give the pyramid that
 * adding them row by row gives, for rows in time order (the correlator adds rows one by one once
 * time has gone back): random blocks, NANs, bursts of one time, and grids that coarsen inside a
 * block. The expected pyramid is the row-by-row one. */
static void test_pyramid_place(void)
{
    enum { ROWS = 20000, NS = 3 };
    static gv_time_us t[ROWS];
    static double v[ROWS * NS];
    unsigned seed = 99;
    gv_time_us now = 5000000;
    for (int i = 0; i < ROWS; i++) {
        seed = seed * 1103515245u + 12345u;
        now += (seed >> 16) % 7 == 0 ? 0 : (gv_time_us)((seed >> 8) % 30000); /* bursts of one time */
        t[i] = now;
        for (int s = 0; s < NS; s++) {
            seed = seed * 1103515245u + 12345u;
            v[i * NS + s] = (seed >> 16) % 11 == 0 ? NAN : (double)((seed >> 8) % 1000) / 7;
        }
    }
    for (size_t cap = 8; cap <= 4096; cap *= 8) {
        gv_pyramid *a = gv_pyramid_new(NS, cap, 10000), *b = gv_pyramid_new(NS, cap, 10000);
        for (int i = 0; i < ROWS; i++)
            gv_pyramid_add_row(a, t[i], &v[i * NS]);
        static size_t run_end[ROWS];
        static gv_pyramid_cell *cells[ROWS];
        for (size_t i = 0; i < ROWS;) {
            seed = seed * 1103515245u + 12345u;
            size_t n = 1 + (seed >> 16) % 3000;
            n = n < ROWS - i ? n : ROWS - i;
            size_t runs = gv_pyramid_place(b, n, &t[i], run_end, cells), k = 0;
            for (size_t r = 0; r < runs; r++)
                for (; k < run_end[r]; k++)
                    for (int s = 0; s < NS; s++)
                        if (!isnan(v[(i + k) * NS + s]))
                            gv_pyramid_cell_add(&cells[r][s], v[(i + k) * NS + s]);
            i += n;
        }
        int differ = 0;
        for (int s = 0; s < NS; s++) {
            gv_level la = {0}, lb = {0};
            finest(a, (size_t)s, &la);
            finest(b, (size_t)s, &lb);
            size_t n = la.n;
            differ += la.origin != lb.origin || la.width != lb.width || la.lo != lb.lo || n != lb.n;
            for (size_t k = 0; k < n && k < lb.n; k++)
                differ += memcmp(&la.first[k], &lb.first[k], sizeof *la.first) != 0 ||
                          memcmp(&la.second[k], &lb.second[k], sizeof *la.second) != 0;
            gv_level_cleanup(&la);
            gv_level_cleanup(&lb);
        }
        CHECK_EQ_LONG(differ, 0);
        gv_pyramid_free(a);
        gv_pyramid_free(b);
    }
}

/* Steps reserved in one block, then past the reservation: every step kept, in order. */
static void test_steps_reserve(void)
{
    gv_timeline tl;
    gv_timeline_init(&tl);
    gv_timeline_add_step(&tl)->step = 0;
    gv_timeline_reserve_steps(&tl, 3);
    for (long i = 1; i < 50; i++)
        gv_timeline_add_step(&tl)->step = i;
    gv_timeline_reserve_steps(&tl, 100); /* (no second reservation once past it) */
    CHECK_EQ_LONG(tl.steps_len, 50);
    long bad = 0;
    for (size_t i = 0; i < tl.steps_len; i++)
        bad += tl.steps[i].step != (long)i || !isnan(tl.steps[i].loss);
    CHECK_EQ_LONG(bad, 0);
    gv_timeline_cleanup(&tl);
    gv_timeline_init(&tl);
    gv_timeline_reserve_steps(&tl, 300000); /* a large one (huge pages), freed by cleanup */
    for (long i = 0; i < 1000; i++)
        gv_timeline_add_step(&tl)->step = i;
    CHECK_EQ_LONG(tl.steps[999].step, 999);
    gv_timeline_cleanup(&tl);
}

int main(void)
{
    test_correlator();
    test_pyramid();
    test_pyramid_place();
    test_steps_reserve();
    return test_summary("test_correlate");
}
