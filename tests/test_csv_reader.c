/* Unit tests of the streaming CSV reader: schema from the header, bad rows with their line
 * numbers, restarts, missing values, BOM/CRLF, errors, and identical results in any chunk size.
 * Expected values are read off the literal inputs below by hand. */
#include "gpuviz/csv_reader.h"
#include "gpuviz/dcgm_reader.h"
#include "gpuviz/gpu_file.h"
#include "harness.h"

#include <stdlib.h>

typedef struct {
    size_t rows;
    gv_time_us t[64];
    double v[64][8];
    const gv_timeline *tl;
} collected;

typedef struct {
    long line[16];
    gv_warn_kind kind[16];
    char msg[16][200];
    size_t n;
} warnings;

static gv_status begin(void *ctx, gv_error *err)
{
    (void)ctx;
    (void)err;
    return GV_OK;
}

static void row(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh)
{
    collected *c = ctx;
    CHECK(fresh == NULL);
    if (c->rows < 64) {
        c->t[c->rows] = t;
        for (size_t i = 0; i < c->tl->series_len && i < 8; i++)
            c->v[c->rows][i] = values[i];
    }
    c->rows++;
}

static void warn(void *ctx, gv_warn_kind kind, const char *file, long line, const char *msg)
{
    (void)file;
    warnings *w = ctx;
    if (w->n < 16) {
        w->line[w->n] = line;
        w->kind[w->n] = kind;
        snprintf(w->msg[w->n], sizeof w->msg[0], "%s", msg);
    }
    w->n++;
}

/* Reads text in chunks of `chunk` bytes. */
static gv_status read_text(const char *text, size_t chunk, gv_timeline *tl, collected *c,
                           warnings *w, gv_error *err)
{
    memset(c, 0, sizeof *c);
    memset(w, 0, sizeof *w);
    gv_timeline_init(tl);
    c->tl = tl;
    gv_diag diag = {warn, w};
    gv_csv_reader *r = gv_csv_reader_new(tl, "m.csv", (gv_sample_sink){.begin = begin, .row = row, .ctx = c}, &diag);
    size_t len = strlen(text);
    gv_status st = GV_OK;
    for (size_t off = 0; off < len && st == GV_OK; off += chunk)
        st = gv_csv_reader_feed(r, text + off, len - off < chunk ? len - off : chunk, err);
    if (st == GV_OK)
        st = gv_csv_reader_finish(r, err);
    gv_csv_reader_free(r);
    return st;
}

static const char *DIRTY =
    "\xEF\xBB\xBFtimestamp,elapsed_sec,gpu0_power_instant_w,gpu0_power_avg_w,gpu0_temp_c,"
    "gpu1_power_instant_w,gpu1_power_avg_w,gpu1_temp_c,util\r\n"                 /* line 1 */
    "2025-12-22 21:06:00.162,0.000,642.32,686.69,70,675.62,687.30,63,99\r\n"     /* 2 */
    "2025-12-22 21:06:00.172,0.010,N/A,686.69,70,675.62,687.30,,busy\r\n"        /* 3 */
    "2025-12-22 21:06:00.182,0.020,642.32\r\n"                                   /* 4 short */
    "\r\n"                                                                       /* 5 empty */
    "2025-12-22 21:06:00.192,0.030,6x0,686.69,70,675.62,687.30,63,1\r\n"          /* 6 bad num */
    "2025-02-30 21:06:00.202,0.040,642.32,686.69,70,675.62,687.30,63,1\r\n"      /* 7 bad date */
    "timestamp,elapsed_sec,gpu0_power_instant_w,gpu0_power_avg_w,gpu0_temp_c,"
    "gpu1_power_instant_w,gpu1_power_avg_w,gpu1_temp_c,util\r\n"                 /* 8 restart */
    "2025-12-22 21:06:00.212,0.000,1e2,\"686.69\",71,675.62,687.30,64,2";        /* 9, no EOL */

static void test_dirty(void)
{
    size_t chunks[] = {1, 2, 3, 7, 64, 100000};
    for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
        gv_timeline tl;
        collected c;
        warnings w;
        gv_error err;
        CHECK_EQ_LONG(read_text(DIRTY, chunks[k], &tl, &c, &w, &err), GV_OK);
        CHECK_EQ_LONG(tl.series_len, 7); /* 6 GPU columns + util; timestamp, elapsed are not */
        CHECK_EQ_LONG(tl.gpus_len, 2);
        CHECK_EQ_LONG(tl.gpus[1].power_instant, 3);
        CHECK_EQ_LONG(tl.gpus[1].temp, 5);
        CHECK_STR(tl.series[6].name, "util");
        CHECK_EQ_LONG(tl.series[6].kind, GV_SERIES_OTHER);
        CHECK_EQ_LONG(c.rows, 3);
        CHECK_EQ_LONG(tl.ingest.rows_read, 3);
        CHECK_EQ_LONG(tl.ingest.rows_skipped, 4);
        CHECK_EQ_LONG(tl.ingest.restarts, 1);
        CHECK_EQ_LONG(c.t[0], 1766437560162000LL);
        CHECK_EQ_LONG(c.t[2], 1766437560212000LL);
        CHECK(c.v[0][0] == 642.32 && c.v[0][2] == 70 && c.v[0][6] == 99);
        CHECK(isnan(c.v[1][0]) && c.v[1][1] == 686.69 && isnan(c.v[1][5]));
        CHECK(isnan(c.v[1][6])); /* a text cell in a generic column is missing, not fatal */
        CHECK(c.v[2][0] == 100 && c.v[2][1] == 686.69 && c.v[2][2] == 71);
        CHECK_EQ_LONG(w.n, 5);
        long lines[] = {4, 5, 6, 7, 8};
        for (int i = 0; i < 5; i++)
            CHECK_EQ_LONG(w.line[i], lines[i]);
        CHECK(strstr(w.msg[0], "expected 9 fields, found 3") != NULL);
        CHECK(strstr(w.msg[1], "empty line") != NULL);
        CHECK(strstr(w.msg[2], "'6x0' in column gpu0_power_instant_w") != NULL);
        CHECK(strstr(w.msg[3], "unparsable time '2025-02-30 21:06:00.202'") != NULL);
        CHECK_EQ_LONG(w.kind[4], GV_WARN_CSV_RESTART);
        gv_timeline_cleanup(&tl);
    }
}

static void test_errors(void)
{
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"", "empty file"},
        {"\n\n", "empty file"},
        {"when,gpu0_power_w\n2025-12-22 21:06:00,5\n", "no time column"},
        {"time,gpu0_power_w\n12345,5\n", "seconds since the sampler started ('12345')"}, /* (not since 1970) */
        {"time,gpu0_power_w\n12:00:01,5\n", "times of day without a date"},
        {"timestamp,gpu0_power_w,gpu0_temp_c\n", "no valid rows (0 skipped)"},
        {"timestamp,gpu0_power_w\nx,1\ny,2\n", "no valid rows (2 skipped)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gv_timeline tl;
        collected c;
        warnings w;
        gv_error err = {{0}, {0}};
        CHECK_EQ_LONG(read_text(cases[i].text, 5, &tl, &c, &w, &err), GV_ERR_INPUT);
        CHECK(strstr(err.msg, cases[i].msg) != NULL);
        CHECK(strncmp(err.where, "m.csv", 5) == 0);
        gv_timeline_cleanup(&tl);
    }
    gv_timeline tl;
    gv_timeline_init(&tl);
    gv_error err;
    collected c = {.tl = &tl};
    gv_read_opts ro = {.threads = 1};
    CHECK_EQ_LONG(gv_gpu_read_file("/nonexistent/x.csv", &tl, (gv_sample_sink){.begin = begin, .row = row, .ctx = &c}, NULL, &ro, &err),
                  GV_ERR_INPUT);
    CHECK(strstr(err.msg, "cannot open") != NULL);
    gv_timeline_cleanup(&tl);
}

static void test_trailing_commas(void)
{
    gv_timeline tl;
    collected c;
    warnings w;
    gv_error err;
    const char *text = "timestamp,gpu0_power_w,gpu0_temp_c\n"
                       "2025-12-22 21:06:00,100,50,\n"      /* a trailing comma: fine */
                       "2025-12-22 21:06:01,101,51,,\n"     /* two: fine */
                       "2025-12-22 21:06:02,102,52,7\n";    /* an extra value: a bad row */
    CHECK_EQ_LONG(read_text(text, 3, &tl, &c, &w, &err), GV_OK);
    CHECK_EQ_LONG(c.rows, 2);
    CHECK_EQ_LONG(w.n, 1);
    CHECK_EQ_LONG(w.line[0], 4);
    CHECK(strstr(w.msg[0], "expected 3 fields, found 4") != NULL);
    gv_timeline_cleanup(&tl);
}

static void test_v1_and_generic(void)
{
    gv_timeline tl;
    collected c;
    warnings w;
    gv_error err;
    const char *v1 = "timestamp,gpu3_power_w,gpu3_temp_c,gpu10_power_w,gpu10_temp_c\n"
                     "2025-12-22 21:06:00,100.5,50,200,60\n"
                     "2025-12-22 21:06:01,101.5,51,201,61\n";
    CHECK_EQ_LONG(read_text(v1, 9, &tl, &c, &w, &err), GV_OK);
    CHECK_EQ_LONG(tl.gpus_len, 2);
    CHECK_EQ_LONG(tl.gpus[0].index, 3);
    CHECK_EQ_LONG(tl.gpus[1].index, 10);
    CHECK_EQ_LONG(gv_gpu_energy_series(&tl.gpus[1]), 2);
    CHECK_EQ_LONG(c.rows, 2);
    CHECK_EQ_LONG(w.n, 0);
    gv_timeline_cleanup(&tl);
}

static void test_nvidia_smi(void)
{
    static const char *SMI =
        "timestamp, index, power.draw [W], temperature.gpu, utilization.gpu [%], name\n" /* 1 */
        "2025/12/22 21:06:00.162, 0, 642.32 W, 70, 100 %, NVIDIA H100\n"                 /* 2 */
        "2025/12/22 21:06:00.173, 1, 675.62 W, 63, 99 %, NVIDIA H100\n"                  /* 3 */
        "2025/12/22 21:06:00.262, 0, [N/A], 71, 100 %, NVIDIA H100\n"                    /* 4 */
        "2025/12/22 21:06:00.273, 1, 600 W, [Not Supported], 98 %, NVIDIA H100\n"        /* 5 */
        "2025/12/22 21:06:00.284, 2, 1 W, 1, 1 %, other\n"                               /* 6 */
        "2025/12/22 21:06:00.362, 1, 601.5 W, 64, 97 %, NVIDIA H100\n";                  /* 7 */
    size_t chunks[] = {1, 5, 64, 100000};
    for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
        gv_timeline tl;
        collected c;
        warnings w;
        gv_error err;
        CHECK_EQ_LONG(read_text(SMI, chunks[k], &tl, &c, &w, &err), GV_OK);
        /* 2 GPUs (those of the first query) x 3 metrics; the text column (name) is skipped */
        CHECK_EQ_LONG(tl.series_len, 6);
        CHECK_EQ_LONG(tl.gpus_len, 2);
        CHECK_STR(tl.series[0].name, "gpu0 power.draw");
        CHECK_EQ_LONG(tl.series[0].kind, GV_SERIES_POWER);
        CHECK_STR(tl.series[2].unit, "%");
        CHECK_EQ_LONG(tl.gpus[1].power, 3);
        CHECK_EQ_LONG(tl.gpus[1].temp, 4);
        CHECK_EQ_LONG(c.rows, 3); /* three queries: lines 2-3, 4-6, 7 */
        CHECK_EQ_LONG(c.t[0], 1766437560162000LL);
        CHECK_EQ_LONG(c.t[1], 1766437560262000LL); /* a query takes its first row's time */
        CHECK(c.v[0][0] == 642.32 && c.v[0][1] == 70 && c.v[0][2] == 100);
        CHECK(c.v[0][3] == 675.62 && c.v[0][4] == 63 && c.v[0][5] == 99);
        CHECK(isnan(c.v[1][0]) && c.v[1][1] == 71 && c.v[1][3] == 600 && isnan(c.v[1][4]));
        CHECK(isnan(c.v[2][0]) && c.v[2][3] == 601.5);
        CHECK_EQ_LONG(w.n, 1);
        CHECK_EQ_LONG(w.line[0], 6);
        CHECK(strstr(w.msg[0], "GPU 2 was not in the first query") != NULL);
        gv_timeline_cleanup(&tl);
    }
}

static void test_dcgm(void)
{
    static const char *TEXT = "#Entity   POWER        TMPTR\n"   /* 1 */
                              "ID        W            C\n"       /* 2 */
                              "GPU 0     642.320      70\n"      /* 3 */
                              "GPU 1     N/A          63\n"      /* 4 */
                              "GPU 0     600          71\n"      /* 5 */
                              "#Entity   POWER        TMPTR\n"   /* 6 */
                              "ID        W            C\n"       /* 7 */
                              "GPU 1     610.5        64\n"      /* 8 */
                              "GPU 0     1x           1\n"       /* 9 */
                              "garbage\n"                        /* 10 */
                              "GPU 0     500          60";       /* 11, no newline */
    CHECK(gv_dcgm_detect(TEXT, strlen(TEXT)));
    CHECK(!gv_dcgm_detect("timestamp,gpu0_power_w\n", 23));
    size_t chunks[] = {1, 4, 100000};
    for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
        gv_timeline tl;
        gv_timeline_init(&tl);
        collected c = {.tl = &tl};
        warnings w = {0};
        gv_diag diag = {warn, &w};
        gv_error err;
        gv_dcgm_reader *r = gv_dcgm_reader_new(&tl, "d.txt", (gv_sample_sink){.begin = begin, .row = row, .ctx = &c}, &diag,
                                               1766437560000000LL, 250);
        size_t len = strlen(TEXT);
        for (size_t off = 0; off < len; off += chunks[k])
            gv_dcgm_reader_feed(r, TEXT + off, len - off < chunks[k] ? len - off : chunks[k], &err);
        CHECK_EQ_LONG(gv_dcgm_reader_finish(r, &err), GV_OK);
        gv_dcgm_reader_free(r);
        CHECK_EQ_LONG(tl.series_len, 4);
        CHECK_STR(tl.series[0].name, "gpu0 POWER");
        CHECK_EQ_LONG(tl.gpus[1].temp, 3);
        /* samples: (3,4), (5,8), (11): ids 0 1 | 0 1 | 0 (line 9 bad, line 10 garbage) */
        CHECK_EQ_LONG(c.rows, 3);
        CHECK_EQ_LONG(c.t[0], 1766437560000000LL);
        CHECK_EQ_LONG(c.t[2], 1766437560500000LL);
        CHECK(c.v[0][0] == 642.32 && isnan(c.v[0][2]) && c.v[0][3] == 63);
        CHECK(c.v[1][0] == 600 && c.v[1][2] == 610.5);
        CHECK(c.v[2][0] == 500 && isnan(c.v[2][2]));
        CHECK_EQ_LONG(w.n, 2);
        CHECK_EQ_LONG(w.line[0], 9);
        CHECK_EQ_LONG(w.line[1], 10);
        CHECK_EQ_LONG(tl.ingest.rows_skipped, 2);
        gv_timeline_cleanup(&tl);
    }
}

int main(void)
{
    test_dcgm();
    test_nvidia_smi();
    test_dirty();
    test_errors();
    test_v1_and_generic();
    test_trailing_commas();
    return test_summary("test_csv_reader");
}
