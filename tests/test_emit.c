/* Unit tests of src/emit: the number printing (gv_json_format_number must write exactly the text
 * cJSON writes for the same double: the expected text comes from cJSON itself), and the summary,
 * the checks over it and the events export of a run made by hand whose figures are worked out
 * in the comments. */
#include "emit/json_util.h"
#include "gpuviz/correlate.h"
#include "gpuviz/export.h"
#include "gpuviz/summary.h"
#include "harness.h"

#include <stdlib.h>

static void same_as_cjson(double v, int *differ)
{
    char mine[32];
    gv_json_format_number(v, mine);
    cJSON *n = cJSON_CreateNumber(v);
    char *theirs = cJSON_PrintUnformatted(n);
    if (strcmp(mine, theirs) != 0) {
        if (*differ < 5)
            fprintf(stderr, "%.17g: \"%s\", cJSON \"%s\"\n", v, mine, theirs);
        ++*differ;
    }
    free(theirs);
    cJSON_Delete(n);
}

static void test_format_number(void)
{
    int differ = 0;
    /* decimals as logs and samplers write them: 0 to 9 places, many magnitudes, both signs */
    unsigned seed = 7;
    for (int i = 0; i < 300000; i++) {
        seed = seed * 1103515245u + 12345u;
        long long m = (long long)(seed >> 4) * (1 + (i % 7) * 1000);
        int places = i % 10;
        char s[48];
        snprintf(s, sizeof s, "%s%lld.%0*lld", i % 3 ? "" : "-", m / 1000, places ? places : 1,
                 places ? m % 1000000000LL % (long long)pow(10, places) : 0);
        same_as_cjson(strtod(s, NULL), &differ);
    }
    /* hours rounded to 1e-7, as the page's x values */
    for (int i = 0; i < 100000; i++)
        same_as_cjson(round(i * 0.0003379 * 1e7) / 1e7, &differ);
    /* the edges: zero, integers around int's range, tiny, huge, not short decimals, not finite */
    static const double edges[] = {0.0, -0.0, 1, -1, 2147483647.0, 2147483648.0, -2147483649.0,
                                   1e14, 999999999999999.0, 1e15, 1e16, 1e-4, 9.99e-5, 1e-7,
                                   0.1 + 0.2, 1.0 / 3, 2.0 / 3, 123456.789012345, 0.000123,
                                   5e-324, 1.7976931348623157e308, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        same_as_cjson(edges[i], &differ);
    CHECK_EQ_LONG(differ, 0);
    char out[32];
    gv_json_format_number(0.005, out);
    CHECK_STR(out, "0.005");
    gv_json_format_number(-12.5, out);
    CHECK_STR(out, "-12.5");
    cJSON *arr = gv_json_number_array((const double[]){1.5, 2, 0.25}, 3);
    char *text = cJSON_PrintUnformatted(arr);
    CHECK_STR(text, "[1.5,2,0.25]");
    free(text);
    cJSON_Delete(arr);
}

#define S(x) ((gv_time_us)((x) * 1000000.0))
static const gv_time_us BASE = 1766437560000000LL; /* 2025-12-22 21:06:00 */

/* One GPU at 300 W for 0..100 s (a row a second, 60 C, 80 C at 45 s); validations at 30 s (step
 * 100, bpb 0.81) and 70 s (step 200, bpb 0.79), both points; an evaluation 40..50 s (step 150)
 * whose label needs quoting. Energy: 300 W x 100 s = 30000 J = 8.333333 Wh; the evaluation's
 * 10 s: 3000 J = 0.833333 Wh, a tenth of the time. Caller cleans tl up. */
static void made_run(gv_timeline *tl)
{
    gv_timeline_init(tl);
    gv_timeline_add_series(tl, "gpu0_power_instant_w", GV_SERIES_POWER_INSTANT, 0);
    gv_timeline_add_series(tl, "gpu0_temp_c", GV_SERIES_TEMP, 0);
    static const struct { gv_event_type type; double start, end; long step, line; double bpb; const char *label; } evs[] = {
        {GV_EV_VALIDATION, 30, 30, 100, 10, 0.81, "Val: 0.810"},
        {GV_EV_EVALUATION, 40, 50, 150, 15, NAN, "Eval \"a\", b"},
        {GV_EV_VALIDATION, 70, 70, 200, 20, 0.79, "Val: 0.790"}};
    for (size_t i = 0; i < 3; i++) {
        gv_event *e = gv_timeline_add_event(tl, evs[i].type);
        e->start = BASE + S(evs[i].start);
        e->t = e->end = BASE + S(evs[i].end);
        e->step = evs[i].step;
        e->line = e->first_line = evs[i].line;
        e->label = evs[i].label;
        e->printed_dur_s = NAN;
        if (!isnan(evs[i].bpb))
            gv_event_add_metric(tl, e, "bpb", evs[i].bpb);
    }
    gv_timeline_sort_events(tl);
    gv_correlate_opts o = {.power_threshold_w = 200, .buffer_min = 10, .idle_cutoff = true,
                           .display_bytes = 1000000, .temp_limit_c = 85, .imbalance_ratio = 0.75};
    gv_correlator *c = gv_correlator_new(tl, &o);
    gv_sample_sink sink = gv_correlator_sink(c);
    gv_error err;
    CHECK_EQ_LONG(sink.begin(sink.ctx, &err), GV_OK);
    for (int i = 0; i <= 100; i++)
        sink.row(sink.ctx, BASE + S(i), (double[]){300, i == 45 ? 80 : 60}, NULL);
    gv_correlator_finish(c, NULL, "t.log");
    gv_correlator_free(c);
}

static double num(const cJSON *doc, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *x = doc;
    for (char *k = strtok(buf, "."); k && x; k = strtok(NULL, "."))
        x = k[0] >= '0' && k[0] <= '9' ? cJSON_GetArrayItem(x, atoi(k)) : cJSON_GetObjectItemCaseSensitive(x, k);
    if (!cJSON_IsNumber(x))
        fprintf(stderr, "%s: not a number in the summary\n", path);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static char *written(gv_status (*write)(FILE *, const void *, gv_error *), const void *what)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    gv_error err;
    CHECK_EQ_LONG(write(f, what, &err), GV_OK);
    fclose(f);
    return text;
}

static gv_status write_summary(FILE *f, const void *s, gv_error *err) { return gv_summary_write(f, s, err); }
static gv_status write_csv(FILE *f, const void *tl, gv_error *err) { return gv_export_events(f, tl, GV_EXPORT_CSV, err); }
static gv_status write_json(FILE *f, const void *tl, gv_error *err) { return gv_export_events(f, tl, GV_EXPORT_JSON, err); }

static void test_summary_and_checks(void)
{
    gv_timeline tl;
    made_run(&tl);
    gv_summary_inputs in = {.csv_path = "gpu.csv", .log_path = "t.log", .csv_bytes = -1, .log_bytes = -1,
                            .power_threshold_w = 200, .temp_limit_c = 85, .imbalance_ratio = 0.75};
    gv_summary *sum = gv_summary_new(&tl, &in);
    char *text = written(write_summary, sum);
    cJSON *doc = cJSON_Parse(text);
    CHECK(doc != NULL);
    CHECK_NEAR(num(doc, "time_range.duration_s"), 100, 1e-9);
    CHECK_NEAR(num(doc, "energy_wh_total"), 30000.0 / 3600, 1e-6);
    CHECK_NEAR(num(doc, "phases.evaluation.seconds"), 10, 1e-9);
    CHECK_NEAR(num(doc, "phases.evaluation.energy_wh"), 3000.0 / 3600, 1e-6);
    CHECK_NEAR(num(doc, "phases.evaluation.share_time"), 0.1, 1e-6);
    CHECK_NEAR(num(doc, "phases.validation.seconds"), 0, 0); /* points: no window */
    CHECK_NEAR(num(doc, "gpus.0.samples"), 101, 0);
    CHECK_NEAR(num(doc, "gpus.0.power_w.mean"), 300, 1e-9);
    CHECK_NEAR(num(doc, "gpus.0.temp_c.max"), 80, 0);
    CHECK_NEAR(num(doc, "validation.count"), 2, 0);
    CHECK_NEAR(num(doc, "validation.first.step"), 100, 0);
    CHECK_NEAR(num(doc, "validation.last.bpb"), 0.79, 1e-12);
    CHECK_NEAR(num(doc, "validation.min.step"), 200, 0);
    cJSON_Delete(doc);
    free(text);

    /* checks over it: what passes, what fails, what the detail shows, what cannot be parsed */
    static const struct { const char *expr; bool pass; const char *shows; } cases[] = {
        {"validation.last.bpb <= 0.80", true, "0.79"},
        {"max(temp_c) < 75", false, "80"},
        {"phases.evaluation.share_time < 0.15", true, "0.1"},
        {"validation.count == 3", false, "2"},
        {"anomalies.count == 0", true, "0"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gv_error err;
        gv_check *c = gv_check_parse(cases[i].expr, &err);
        CHECK(c != NULL);
        gv_check_result r;
        if (c && gv_check_eval(c, sum, &r, &err) == GV_OK) {
            CHECK_EQ_LONG(r.pass, cases[i].pass);
            CHECK(strstr(r.detail, cases[i].shows) != NULL);
        } else {
            CHECK(!"evaluated");
        }
        gv_check_free(c);
    }
    gv_error err;
    CHECK(gv_check_parse("max(", &err) == NULL);
    CHECK(strstr(err.msg, "column 5") != NULL);
    CHECK(strstr(err.msg, "{opt:check}") != NULL); /* the library cites the option, never a flag */
    CHECK(gv_check_parse("nope < 1", &err) == NULL);
    CHECK(strstr(err.msg, "unknown name 'nope'") != NULL);
    gv_check *c = gv_check_parse("validation.nope < 1", &err);
    gv_check_result r;
    CHECK_EQ_LONG(c ? gv_check_eval(c, sum, &r, &err) : GV_OK, GV_ERR_OPTION);
    gv_check_free(c);
    gv_summary_free(sum);
    gv_timeline_cleanup(&tl);
}

/* The fields of one CSV line (RFC 4180 quoting), into f (at most n); returns how many. */
static size_t split_csv(const char *line, char f[][64], size_t n)
{
    size_t k = 0, o = 0;
    bool quoted = false;
    for (const char *p = line; *p && *p != '\r' && k < n; p++) {
        if (quoted && *p == '"' && p[1] == '"')
            f[k][o++] = *p++;
        else if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted) {
            f[k++][o] = '\0';
            o = 0;
        } else if (o + 1 < 64)
            f[k][o++] = *p;
    }
    if (k < n)
        f[k++][o] = '\0';
    return k;
}

static void test_export(void)
{
    gv_timeline tl;
    made_run(&tl);
    char *text = written(write_csv, &tl);
    const char *header = "event_type,timestamp,elapsed_hours,step,metric_name,metric_value,label,start,end,"
                         "duration_s,log_line,gpu0_power_w,gpu0_temp_c,gpu0_mean_power_w,gpu0_max_power_w,"
                         "gpu0_energy_wh\r\n";
    CHECK(strncmp(text, header, strlen(header)) == 0);
    /* one line per event (a validation's bpb; the evaluation has no metric: one empty one) */
    size_t lines = 0;
    for (const char *p = text; (p = strchr(p, '\n')); p++)
        lines++;
    CHECK_EQ_LONG(lines, 4);
    const char *eval = strstr(text, "\nevaluation,");
    char f[20][64];
    CHECK(eval && split_csv(eval + 1, f, 20) == 16);
    if (eval) {
        CHECK_STR(f[1], "2025-12-22T21:06:50.000");
        CHECK_STR(f[2], "0.013889"); /* 50 s in hours */
        CHECK_STR(f[3], "150");
        CHECK_STR(f[4], "");
        CHECK_STR(f[6], "Eval \"a\", b");
        CHECK_STR(f[7], "2025-12-22T21:06:40.000");
        CHECK_STR(f[9], "10.000");
        CHECK_STR(f[10], "15");
        CHECK_STR(f[11], "300.00");    /* at the nearest row */
        CHECK_STR(f[13], "300.00");    /* the window's mean */
        CHECK_STR(f[15], "0.833333"); /* 3000 J */
    }
    const char *val = strstr(text, "\nvalidation,");
    CHECK(val && split_csv(val + 1, f, 20) == 16);
    if (val) {
        CHECK_STR(f[4], "bpb");
        CHECK_STR(f[5], "0.81");
        CHECK_STR(f[12], "60.00");
        CHECK_STR(f[13], ""); /* a point: no window */
    }
    free(text);
    text = written(write_json, &tl);
    cJSON *arr = cJSON_Parse(text);
    CHECK_EQ_LONG(cJSON_GetArraySize(arr), 3);
    static const char *const types[] = {"validation", "evaluation", "validation"};
    static const double steps[] = {100, 150, 200};
    for (int i = 0; i < 3 && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *e = cJSON_GetArrayItem(arr, i);
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "type");
        CHECK_STR(cJSON_IsString(type) ? type->valuestring : NULL, types[i]);
        CHECK_NEAR(num(e, "step"), steps[i], 0);
    }
    cJSON_Delete(arr);
    free(text);
    CHECK_EQ_LONG(gv_export_format_for("events.json"), GV_EXPORT_JSON);
    CHECK_EQ_LONG(gv_export_format_for("events.csv"), GV_EXPORT_CSV);
    CHECK_EQ_LONG(gv_export_format_for("json"), GV_EXPORT_CSV);
    gv_timeline_cleanup(&tl);
}

int main(void)
{
    test_format_number();
    test_summary_and_checks();
    test_export();
    return test_summary("test_emit");
}
