/* Unit tests of the log parser: every built-in rule, timestamps of every kind and their
 * precedence, ANSI, '\r' rewrites, CRLF, invalid UTF-8, long lines, grouping of evaluation
 * sessions and checkpoints, step-line variants, and identical results in any chunk size.
 * Expected values are read off the literal log below by hand (times via Python's datetime, as in
 * test_util.c). */
#include "gpuviz/log_parser.h"
#include "harness.h"
#include "ingest/step_fields.h"

#include <stdio.h>
#include <stdlib.h>

#define T(s) ts(s)
static gv_time_us ts(const char *s)
{
    gv_time_us t = GV_TIME_NONE;
    gv_time_parse(s, strlen(s), &t, NULL);
    return t;
}

typedef struct {
    size_t n;
    long line[32];
    char msg[32][240];
} warnings;

static void warn(void *ctx, gv_warn_kind kind, const char *file, long line, const char *msg)
{
    (void)kind;
    (void)file;
    warnings *w = ctx;
    if (w->n < 32) {
        w->line[w->n] = line;
        snprintf(w->msg[w->n], sizeof w->msg[0], "%s", msg);
    }
    w->n++;
}

static void parse(const char *text, size_t len, size_t chunk, gv_timeline *tl, warnings *w)
{
    gv_timeline_init(tl);
    memset(w, 0, sizeof *w);
    gv_diag diag = {warn, w};
    gv_error err;
    gv_log_rules *rules = gv_log_rules_builtin(&err);
    CHECK(rules != NULL);
    gv_log_parser *p = gv_log_parser_new(tl, rules, "t.log", &diag);
    for (size_t off = 0; off < len; off += chunk)
        gv_log_parser_feed(p, text + off, len - off < chunk ? len - off : chunk);
    gv_log_parser_finish(p);
    gv_log_parser_free(p);
    gv_log_rules_free(rules);
}

#define ESC "\x1b"
#define INFO ESC "[32m" ESC "[1mINFO" ESC "[0m"
static const char LOG[] =
    "no time yet: Step 00000 | Validation bpb: 9.9\n"                                            /* 1 */
    "2025-12-22 21:00:00 2025-12-22 21:00:00,005 - nanochat.common - " INFO " - hello\n"          /* 2 */
    "2025-12-22 21:00:01 step 00012/33600 (0.04%) | loss: 3.241555 | grad norm: 0.3870 | lrm: 1.00 | dt: 2940.12ms | tok/sec: 178,321 | mfu: 50.31 | total time: 97.90m\n" /* 3 */
    "2025-12-22 21:00:05.250000 Step 02000 | Validation bpb: 0.932600\n"                         /* 4 */
    "2025-12-22 21:01:00 Evaluating: hellaswag_zeroshot (0-shot, type: multiple_choice)... accuracy: 0.5040 | centered: 0.3387 | time: 3.01s\n" /* 5 */
    "Evaluating: jeopardy (10-shot, type: language_modeling)... accuracy: 0.1120 | centered: 0.1120 | time: 2.50s\n" /* 6: no time */
    "2025-12-22 21:01:09 Step 02000 | CORE metric: 0.1300\n"                                      /* 7 */
    "2025-12-22 21:02:00 2025-12-22 21:02:00,123 - nanochat.checkpoint_manager - " INFO " - Saved model parameters to: /h/.cache/nanochat/mid_checkpoints/d24/model_000813.pt\n" /* 8 */
    "2025-12-22 21:02:00 2025-12-22 21:02:00,456 - nanochat.checkpoint_manager - " INFO " - Saved metadata to: /h/.cache/nanochat/mid_checkpoints/d24/meta_000813.json\n" /* 9 */
    "2025-12-22 21:02:01 2025-12-22 21:02:01,789 - nanochat.checkpoint_manager - " INFO " - Saved optimizer state to: /h/.cache/nanochat/mid_checkpoints/d24/optim_000813_rank0.pt\r\n" /* 10 CRLF */
    "2025-12-22 21:02:02 2025-12-22 21:02:02,012 - nanochat.checkpoint_manager - " INFO " - Saved optimizer state to: /h/.cache/nanochat/mid_checkpoints/d24/optim_000813_rank1.pt\n" /* 11 */
    "2025-12-22T21:03:00 step 00001 (0.13%) | loss: 1.437552 | lrm: 1.00 | dt: 28942.46ms | tok/sec: 18,114 | bf16_mfu: 1.84 | epoch: 1 pq: 2 rg: 3 | total time: 0.00m | eta: 12.5m\n" /* 12 */
    "2025-12-22 21:03:10 Step 00100 | Validation loss: 1.234567\n"                              /* 13 */
    "2025-12-22 21:03:20 Step 00200 | mmlu_acc: 0.312500, arc_easy_acc: 0.456000\n"            /* 14 */
    "2025-12-22 21:03:30 Step 00200/00700 | Training loss: 1.234567| lrm: 1.000000| num_tokens: 12,345\n" /* 15 */
    "2025-12-22 21:04:00 \r" ESC "[KRank 0 | 1/24 (4.17%)\r" ESC "[KRank 0 | 24/24 (100.00%)\n" /* 16 */
    "2025-12-22 21:04:10 junk \xff\xfe Evaluating: bad\xffname (0-shot, type: x)\n"              /* 17 */
    "2025-12-22 21:04:20 Evaluating: lonely (0-shot, type: y)... accuracy: 0.1 | centered: 0.0 | time: 1.00s\n" /* 18 */
    "2025-12-22 21:05:00 step 00002 (0.26%) | loss: 1.4 | lrm: 1.00 | dt: 2894.46ms\n"         /* 19 */
    "2025-12-22 21:04:00 " ESC "[1mStep 00250 | Validation bpb: 0.8000" ESC "[0m\n";          /* 20: goes back */

static void test_events(size_t chunk)
{
    gv_timeline tl;
    warnings w;
    parse(LOG, sizeof LOG - 1, chunk, &tl, &w);

    CHECK_EQ_LONG(tl.events_len, 7); /* 4 validations, 2 evaluations, 1 checkpoint */
    size_t c[GV_EV_BUILTIN_COUNT];
    CHECK_EQ_LONG(tl.types_len, GV_EV_BUILTIN_COUNT);
    gv_timeline_count_events(&tl, c);
    CHECK_EQ_LONG(c[GV_EV_VALIDATION], 4);
    CHECK_EQ_LONG(c[GV_EV_EVALUATION], 2);
    CHECK_EQ_LONG(c[GV_EV_CHECKPOINT], 1);

    /* line 1 has no time and none before it: kept, at a provisional 0 until gv_log_clock_place
     * counts it back from line 2 (the parser records the span of lines without a time) */
    const gv_event *v0 = &tl.events[0];
    CHECK_EQ_LONG(v0->line, 1);
    CHECK_EQ_LONG(v0->t, 0);
    CHECK_EQ_LONG(tl.log.spans_len, 2); /* line 1; line 6 (a task without a time) */
    CHECK_EQ_LONG(tl.log.spans[0].line_lo, 0);
    CHECK_EQ_LONG(tl.log.spans[0].line_hi, 2);
    CHECK_EQ_LONG(tl.log.spans[0].t_lo, GV_TIME_NONE);
    CHECK_EQ_LONG(tl.log.spans[0].t_hi, T("2025-12-22 21:00:00.005"));
    CHECK_EQ_LONG(tl.log.spans[1].line_lo, 5);
    CHECK_EQ_LONG(tl.log.spans[1].line_hi, 7);
    CHECK_EQ_LONG(tl.log.lines, 20);
    CHECK_EQ_LONG(tl.log.stamped_lines, 18); /* all but lines 1 and 6 */

    /* events are in log order before sorting */
    const gv_event *v = &tl.events[1];
    CHECK_EQ_LONG(v->type, GV_EV_VALIDATION);
    CHECK_EQ_LONG(v->step, 2000);
    CHECK_EQ_LONG(v->t, T("2025-12-22 21:00:05.250")); /* the 6-digit prefix beats nothing */
    CHECK_EQ_LONG(v->start, T("2025-12-22 21:00:01"));  /* the line before */
    CHECK_STR(v->metrics[0].name, "bpb");
    CHECK(v->metrics[0].value == 0.9326);
    CHECK_STR(v->label, "Val: 0.933");

    const gv_event *e = &tl.events[2];
    CHECK_EQ_LONG(e->type, GV_EV_EVALUATION);
    CHECK_EQ_LONG(e->step, 2000);
    CHECK(e->complete);
    CHECK_EQ_LONG(e->tasks_len, 2);
    CHECK_EQ_LONG(e->start, T("2025-12-22 21:00:56.990")); /* 21:01:00 - 3.01 s */
    CHECK_EQ_LONG(e->t, e->start);
    CHECK_EQ_LONG(e->end, T("2025-12-22 21:01:09"));
    CHECK_EQ_LONG(e->first_line, 5);
    CHECK_EQ_LONG(e->line, 7);
    CHECK_STR(e->tasks[0].name, "hellaswag_zeroshot");
    CHECK_EQ_LONG(e->tasks[0].shots, 0);
    CHECK_STR(e->tasks[0].type, "multiple_choice");
    CHECK(e->tasks[0].accuracy == 0.5040 && e->tasks[0].centered == 0.3387 && e->tasks[0].time_s == 3.01);
    CHECK_STR(e->tasks[1].name, "jeopardy");
    CHECK_EQ_LONG(e->tasks[1].t_end, T("2025-12-22 21:01:00")); /* no time: the last one seen */
    CHECK_STR(e->metrics[0].name, "core");
    CHECK(e->metrics[0].value == 0.13);
    CHECK_STR(e->label, "Eval S2000");

    const gv_event *k = &tl.events[3];
    CHECK_EQ_LONG(k->type, GV_EV_CHECKPOINT);
    CHECK_EQ_LONG(k->files_len, 4);
    CHECK_EQ_LONG(k->optim_len, 2);
    CHECK(k->has_model && k->has_meta);
    CHECK_EQ_LONG(k->t, T("2025-12-22 21:02:00.123")); /* the logging time beats the prefix */
    CHECK_EQ_LONG(k->end, T("2025-12-22 21:02:02.012"));
    CHECK_EQ_LONG(k->line, 8);
    CHECK_EQ_LONG(k->step, 813);
    CHECK_STR(k->ckpt_kind, "mid");
    CHECK_STR(k->model_tag, "d24");
    CHECK_STR(k->model_id, "model_000813");
    CHECK_STR(k->dir, "/h/.cache/nanochat/mid_checkpoints/d24");
    CHECK_STR(k->label, "CP 000813");

    const gv_event *vl = &tl.events[4];
    CHECK_EQ_LONG(vl->step, 100);
    CHECK_STR(vl->metrics[0].name, "loss");
    CHECK_STR(vl->label, "Val: 1.235");

    /* line 17: invalid UTF-8 in a task name is replaced, the task has no result; the session it
     * opens is closed by the step line 19 without CORE (incomplete), with line 18's task */
    const gv_event *inc = &tl.events[5];
    CHECK_EQ_LONG(inc->type, GV_EV_EVALUATION);
    CHECK(!inc->complete);
    CHECK_EQ_LONG(inc->tasks_len, 2);
    CHECK_STR(inc->tasks[0].name, "bad\xEF\xBF\xBDname");
    CHECK(isnan(inc->tasks[0].accuracy));
    CHECK_EQ_LONG(inc->start, T("2025-12-22 21:04:10"));
    CHECK_EQ_LONG(inc->end, T("2025-12-22 21:04:20"));
    CHECK_EQ_LONG(inc->step, 200); /* the last step seen */

    /* line 20: a validation at an earlier time than line 19 (warned), ANSI stripped */
    const gv_event *last = &tl.events[6];
    CHECK_EQ_LONG(last->type, GV_EV_VALIDATION);
    CHECK_EQ_LONG(last->t, T("2025-12-22 21:04:00"));
    CHECK_EQ_LONG(last->line, 20);

    /* steps: base line, mid line (restart -> phase 2), SFT line, mid line */
    CHECK_EQ_LONG(tl.steps_len, 4);
    CHECK_EQ_LONG(tl.log.step_phases, 3); /* 12 -> 1 restarts, 200 -> 2 restarts */
    const gv_step *s0 = &tl.steps[0];
    CHECK_EQ_LONG(s0->step, 12);
    CHECK(s0->loss == 3.241555 && s0->dt_ms == 2940.12);
    CHECK(s0->tok_per_sec == 178321 && s0->mfu == 50.31);
    CHECK(s0->grad_norm == 0.3870f && s0->lrm == 1.00f); /* (kept as float) */
    const gv_step *s1 = &tl.steps[1];
    CHECK_EQ_LONG(s1->step, 1);
    CHECK(s1->mfu == 1.84 && s1->tok_per_sec == 18114 && s1->loss == 1.437552);
    CHECK_EQ_LONG(s1->t, T("2025-12-22 21:03:00"));
    CHECK_EQ_LONG(s1->phase, 1);
    const gv_step *s2 = &tl.steps[2];
    CHECK_EQ_LONG(s2->step, 200);
    CHECK(s2->loss == 1.234567 && isnan(s2->dt_ms) && isnan(s2->tok_per_sec) && isnan(s2->mfu));

    CHECK_EQ_LONG(tl.log.first, T("2025-12-22 21:00:00.005"));
    CHECK_EQ_LONG(tl.log.last, T("2025-12-22 21:05:00"));

    /* warnings: the incomplete session, time going back (line 20) */
    CHECK_EQ_LONG(w.n, 2);
    CHECK_EQ_LONG(w.line[0], 17);
    CHECK(strstr(w.msg[0], "evaluation session (2 items) has no closing line") != NULL);
    CHECK_EQ_LONG(w.line[1], 20);
    CHECK(strstr(w.msg[1], "goes back 60.000 s") != NULL);
    gv_timeline_cleanup(&tl);
}

/* The fields splitter as first written (a memchr for the '|', then for each ':' a walk back
 * over the key): gv_step_next_field's single forward scan must split every string alike. */
static bool ref_key_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '/' || c == ' ';
}

static bool ref_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool ref_next_field(const char *f, size_t len, size_t *off, const char **k, size_t *klen,
                           const char **v, size_t *vlen)
{
    while (*off < len) {
        const char *seg = f + *off, *bar = memchr(seg, '|', len - *off);
        const char *end = bar ? bar : f + len;
        for (const char *c = memchr(seg, ':', (size_t)(end - seg)); c;
             c = c + 1 < end ? memchr(c + 1, ':', (size_t)(end - c - 1)) : NULL) {
            const char *e = c, *b;
            while (e > seg && ref_space(e[-1]))
                e--;
            for (b = e; b > seg && ref_key_char(b[-1]); b--)
                ;
            while (b < e && !((*b >= 'A' && *b <= 'Z') || (*b >= 'a' && *b <= 'z')))
                b++;
            if (b == e)
                continue;
            const char *x = c + 1;
            while (x < end && ref_space(*x))
                x++;
            *k = b;
            *klen = (size_t)(e - b);
            *v = x;
            *vlen = (size_t)(end - x);
            *off = (size_t)(end - f);
            return true;
        }
        *off = (size_t)(end - f) + (bar != NULL);
    }
    return false;
}

static void test_step_fields(void)
{
    unsigned char cls[256];
    gv_step_char_classes(cls);
    /* random strings over the bytes that matter, the two splitters field by field */
    static const char alphabet[] = "aZ0 \t:|(_/.-\xe9";
    char text[40];
    unsigned seed = 12345;
    long fields = 0, mismatches = 0;
    for (int round = 0; round < 300000; round++) {
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % sizeof text;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        size_t o1 = 0, o2 = 0;
        for (;;) {
            const char *k1 = NULL, *v1 = NULL, *k2 = NULL, *v2 = NULL;
            size_t kl1 = 0, vl1 = 0, kl2 = 0, vl2 = 0;
            bool r1 = ref_next_field(text, len, &o1, &k1, &kl1, &v1, &vl1);
            bool r2 = gv_step_next_field(cls, text, len, &o2, &k2, &kl2, &v2, &vl2);
            if (r1 != r2 || (r1 && (k1 != k2 || kl1 != kl2 || v1 != v2 || vl1 != vl2 || o1 != o2))) {
                mismatches++;
                break;
            }
            if (!r1)
                break;
            fields++;
        }
    }
    CHECK_EQ_LONG(mismatches, 0);
    CHECK(fields > 50000); /* (the alphabet makes fields often: 89,820) */

    /* a nanochat line's fields; a tab before the ':' (the walk back) */
    const char *line = " loss: 3.2 | Grad Norm : 0.3870|dt:  750.00ms | (x) tok/sec: 178,321 |x\t: 1|: 2";
    const char *k, *v;
    size_t kl, vl, off = 0;
    static const char *const keys[] = {"loss", "Grad Norm", "dt", "tok/sec", "x"};
    static const char *const vals[] = {"3.2 ", "0.3870", "750.00ms ", "178,321 ", "1"};
    for (int i = 0; i < 5; i++) {
        CHECK(gv_step_next_field(cls, line, strlen(line), &off, &k, &kl, &v, &vl));
        CHECK(kl == strlen(keys[i]) && memcmp(k, keys[i], kl) == 0);
        CHECK(vl == strlen(vals[i]) && memcmp(v, vals[i], vl) == 0);
    }
    CHECK(!gv_step_next_field(cls, line, strlen(line), &off, &k, &kl, &v, &vl));

    /* key names, any case; near misses */
    CHECK_EQ_LONG(gv_step_field("LOSS", 4), GV_SF_LOSS);
    CHECK_EQ_LONG(gv_step_field("Training Loss", 13), GV_SF_LOSS);
    CHECK_EQ_LONG(gv_step_field("dt", 2), GV_SF_DT_MS);
    CHECK_EQ_LONG(gv_step_field("tok/sec", 7), GV_SF_TOK_PER_SEC);
    CHECK_EQ_LONG(gv_step_field("MFU", 3), GV_SF_MFU);
    CHECK_EQ_LONG(gv_step_field("bf16_mfu", 8), GV_SF_MFU);
    CHECK_EQ_LONG(gv_step_field("BF16_MFU", 8), GV_SF_MFU);
    CHECK_EQ_LONG(gv_step_field("Tok/Sec", 7), GV_SF_TOK_PER_SEC);
    CHECK_EQ_LONG(gv_step_field("NUM_TOKENS", 10), GV_SF_OTHER);
    CHECK_EQ_LONG(gv_step_field("Grad Norm", 9), GV_SF_GRAD_NORM);
    CHECK_EQ_LONG(gv_step_field("LRM", 3), GV_SF_LRM);
    static const char *const other[] = {"total time", "eta", "num_tokens"};
    for (int i = 0; i < 3; i++)
        CHECK_EQ_LONG(gv_step_field(other[i], strlen(other[i])), GV_SF_OTHER);
    static const char *const unknown[] = {"los", "losss", "d", "tok/se", "mfu ", "epoch", "grad_norm", "lr",
                                          "tok sec", "bf16 mfu", "num tokens", "total_time", "d t"};
    for (int i = 0; i < 13; i++)
        CHECK_EQ_LONG(gv_step_field(unknown[i], strlen(unknown[i])), GV_SF_UNKNOWN);
}

/* Fields that are recognised but not kept (total time, eta, num_tokens), or kept for the page only
 * (grad norm, lrm), still make a line a step line; a line with no known field is not one. */
static void test_unkept_fields(void)
{
    static const char text[] = "2025-12-22 21:00:00 step 00005 | lrm: 1.00 | ETA: 3.0m\n"
                               "2025-12-22 21:00:01 step 00006 | epoch: 1 | lossy: 2\n"
                               "2025-12-22 21:00:02 step 00007 | Grad Norm: 0.5 | num_tokens: 12\n";
    gv_timeline tl;
    warnings w;
    parse(text, strlen(text), 7, &tl, &w);
    CHECK_EQ_LONG(tl.steps_len, 2);
    CHECK_EQ_LONG(tl.steps[0].step, 5);
    CHECK_EQ_LONG(tl.steps[0].line, 1);
    CHECK(isnan(tl.steps[0].loss) && isnan(tl.steps[0].dt_ms) && isnan(tl.steps[0].tok_per_sec) &&
          isnan(tl.steps[0].mfu));
    CHECK(tl.steps[0].lrm == 1.0f && isnan(tl.steps[0].grad_norm));
    CHECK_EQ_LONG(tl.steps[1].step, 7);
    CHECK_EQ_LONG(tl.steps[1].line, 3);
    CHECK(tl.steps[1].grad_norm == 0.5f && isnan(tl.steps[1].lrm));
    CHECK_EQ_LONG(w.n, 0);
    gv_timeline_cleanup(&tl);
}

/* gv_log_parse_file with and without the helper thread that commits the step records ahead: a
 * 3 MB log of short step lines has more of them than the reservation made from its size (one per
 * 64 bytes), so the records move while the helper runs (it is stopped first). Same results. */
static void test_parse_file_helper(void)
{
    char path[] = "/tmp/gpuviz-test-log-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    long steps = 0;
    for (long k = 0; ftell(f) < 3L << 20; k++) {
        fprintf(f, "2025-12-22 21:%02ld:%02ld.%03ld step %ld | loss: %.3f\n", k / 60000 % 60, k / 1000 % 60, k % 1000,
                k % 40000, 3 - k * 1e-5);
        steps++;
        if (k % 10000 == 5000)
            fprintf(f, "2025-12-22 21:%02ld:%02ld Step %05ld | Validation bpb: 0.9\n", k / 60000 % 60, k / 1000 % 60, k);
    }
    fclose(f);
    gv_timeline tl[2];
    long lines[2];
    for (int i = 0; i < 2; i++) {
        gv_timeline_init(&tl[i]);
        warnings w = {0};
        gv_diag diag = {warn, &w};
        gv_error err;
        gv_log_rules *rules = gv_log_rules_builtin(&err);
        gv_log_read_opts o = {.helper_min = i ? 1 : 0};
        CHECK(gv_log_parse_file(path, rules, &tl[i], &diag, &o, &err, &lines[i]) == GV_OK);
        gv_log_rules_free(rules);
        CHECK_EQ_LONG(w.n, 0);
    }
    remove(path);
    CHECK_EQ_LONG(tl[0].steps_len, steps);
    CHECK((size_t)steps > (size_t)(3L << 20) / 64); /* (past the reservation) */
    CHECK_EQ_LONG(tl[1].steps_len, steps);
    CHECK_EQ_LONG(lines[1], lines[0]);
    CHECK_EQ_LONG(tl[0].log.step_phases, 2); /* (k % 40000: one restart) */
    CHECK(memcmp(tl[0].steps, tl[1].steps, (size_t)steps * sizeof *tl[0].steps) == 0);
    CHECK_EQ_LONG(tl[1].events_len, tl[0].events_len);
    CHECK(tl[0].events_len >= 6);
    for (int i = 0; i < 2; i++)
        gv_timeline_cleanup(&tl[i]);
}

static void test_long_line(void)
{
    size_t n = GV_LOG_LINE_MAX + 5000;
    char *text = malloc(n + 200);
    memset(text, 'x', n);
    strcpy(text + n, "\n2025-12-22 21:00:00 Step 00001 | Validation bpb: 1.5\n");
    gv_timeline tl;
    warnings w;
    parse(text, strlen(text), 65536, &tl, &w);
    CHECK_EQ_LONG(w.n, 1);
    CHECK_EQ_LONG(w.line[0], 1);
    CHECK(strstr(w.msg[0], "longer than") != NULL);
    CHECK_EQ_LONG(tl.events_len, 1);
    CHECK_EQ_LONG(tl.events[0].line, 2);
    gv_timeline_cleanup(&tl);
    free(text);
}

/* Output captured twice: a line repeated at once after an item line is read once (a third copy
 * counts again; a repeated line that made nothing is harmless); '\r' parts are lines of their own. */
static void test_duplicates_and_parts(size_t chunk)
{
    static const char TEXT[] =
        "2025-12-22 21:00:00,000 - x - INFO - start\n"                          /* 1 */
        "step 00001/00009 (1.00%) | loss: 2.0 | dt: 100.00ms\n"                 /* 2 */
        "step 00001/00009 (1.00%) | loss: 2.0 | dt: 100.00ms\n"                 /* 3: repeat, skipped */
        "step 00001/00009 (1.00%) | loss: 2.0 | dt: 100.00ms\n"                 /* 4: third copy, read */
        "Vocab size: 1\n"                                                        /* 5 */
        "Vocab size: 1\n"                                                        /* 6: not an item */
        "Step 00002 | Validation bpb: 0.9\r\n"                                  /* 7 */
        "Step 00002 | Validation bpb: 0.9\r\n"                                  /* 8: repeat (CRLF), skipped */
        "step 00003/00009 (1.00%) | loss: 2.0\rstep 00004/00009 (1.00%) | loss: 1.9\r"
        "2025-12-22 21:00:09,000 - x - INFO - Saved model parameters to: /h/base_checkpoints/d4/model_000004.pt\n"; /* 9 */
    gv_timeline tl;
    warnings w;
    parse(TEXT, sizeof TEXT - 1, chunk, &tl, &w);
    CHECK_EQ_LONG(tl.log.duplicate_lines, 2);
    CHECK_EQ_LONG(tl.steps_len, 4); /* lines 2, 4, and the two parts of line 9 */
    CHECK_EQ_LONG(tl.steps[1].line, 4);
    CHECK_EQ_LONG(tl.steps[2].line, 9);
    CHECK_EQ_LONG(tl.steps[3].step, 4);
    CHECK(!tl.steps[3].own_time && tl.steps[0].t == T("2025-12-22 21:00:00"));
    CHECK_EQ_LONG(tl.events_len, 2);
    CHECK_EQ_LONG(tl.events[1].type, GV_EV_CHECKPOINT);
    CHECK_EQ_LONG(tl.events[1].t, T("2025-12-22 21:00:09"));
    CHECK_EQ_LONG(tl.events[1].time_basis, GV_TB_STAMPED);
    CHECK_EQ_LONG(tl.log.stamped_lines, 2);
    /* the steps of line 9 come before its logging part: the span ends on that line, inclusive */
    CHECK_EQ_LONG(tl.log.spans_len, 1);
    CHECK(tl.log.spans[0].line_lo == 1 && tl.log.spans[0].line_hi == 9 && tl.log.spans[0].hi_inclusive);
    gv_timeline_cleanup(&tl);
}

int main(void)
{
    size_t chunks[] = {1, 3, 17, 4096};
    for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
        test_events(chunks[i]);
        test_duplicates_and_parts(chunks[i]);
    }
    test_step_fields();
    test_unkept_fields();
    test_parse_file_helper();
    test_long_line();
    return test_summary("test_log_parser");
}
