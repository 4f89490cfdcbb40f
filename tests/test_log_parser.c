/* Unit tests of the log parser: every built-in rule, timestamps of every kind and their
 * precedence, ANSI, '\r' rewrites, CRLF, invalid UTF-8, long lines, grouping of evaluation
 * sessions and checkpoints, step-line variants, and identical results in any chunk size.
 * Expected values are read off the literal log below by hand (times via Python's datetime, as in
 * test_util.c). */
#include "gpuviz/log_parser.h"
#include "harness.h"

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

    CHECK_EQ_LONG(tl.events_len, 6); /* 3 validations (line 1 has no time), 2 evaluations, 1 ckpt */
    size_t c[GV_EV_BUILTIN_COUNT];
    CHECK_EQ_LONG(tl.types_len, GV_EV_BUILTIN_COUNT);
    gv_timeline_count_events(&tl, c);
    CHECK_EQ_LONG(c[GV_EV_VALIDATION], 3);
    CHECK_EQ_LONG(c[GV_EV_EVALUATION], 2);
    CHECK_EQ_LONG(c[GV_EV_CHECKPOINT], 1);

    /* events are in log order before sorting */
    const gv_event *v = &tl.events[0];
    CHECK_EQ_LONG(v->type, GV_EV_VALIDATION);
    CHECK_EQ_LONG(v->step, 2000);
    CHECK_EQ_LONG(v->t, T("2025-12-22 21:00:05.250")); /* the 6-digit prefix beats nothing */
    CHECK_EQ_LONG(v->start, T("2025-12-22 21:00:01"));  /* the line before */
    CHECK_STR(v->metrics[0].name, "bpb");
    CHECK(v->metrics[0].value == 0.9326);
    CHECK_STR(v->label, "Val: 0.933");

    const gv_event *e = &tl.events[1];
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

    const gv_event *k = &tl.events[2];
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

    const gv_event *vl = &tl.events[3];
    CHECK_EQ_LONG(vl->step, 100);
    CHECK_STR(vl->metrics[0].name, "loss");
    CHECK_STR(vl->label, "Val: 1.235");

    /* line 17: invalid UTF-8 in a task name is replaced, the task has no result; the session it
     * opens is closed by the step line 19 without CORE (incomplete), with line 18's task */
    const gv_event *inc = &tl.events[4];
    CHECK_EQ_LONG(inc->type, GV_EV_EVALUATION);
    CHECK(!inc->complete);
    CHECK_EQ_LONG(inc->tasks_len, 2);
    CHECK_STR(inc->tasks[0].name, "bad\xEF\xBF\xBDname");
    CHECK(isnan(inc->tasks[0].accuracy));
    CHECK_EQ_LONG(inc->start, T("2025-12-22 21:04:10"));
    CHECK_EQ_LONG(inc->end, T("2025-12-22 21:04:20"));
    CHECK_EQ_LONG(inc->step, 200); /* the last step seen */

    /* line 20: a validation at an earlier time than line 19 (warned), ANSI stripped */
    const gv_event *last = &tl.events[5];
    CHECK_EQ_LONG(last->type, GV_EV_VALIDATION);
    CHECK_EQ_LONG(last->t, T("2025-12-22 21:04:00"));
    CHECK_EQ_LONG(last->line, 20);

    /* steps: base line, mid line (restart -> phase 2), SFT line, mid line */
    CHECK_EQ_LONG(tl.steps_len, 4);
    CHECK_EQ_LONG(tl.step_phases, 3); /* 12 -> 1 restarts, 200 -> 2 restarts */
    const gv_step *s0 = &tl.steps[0];
    CHECK_EQ_LONG(s0->step, 12);
    CHECK_EQ_LONG(s0->total, 33600);
    CHECK(s0->loss == 3.241555 && s0->grad_norm == 0.3870 && s0->lrm == 1.0 && s0->dt_ms == 2940.12);
    CHECK(s0->tok_per_sec == 178321 && s0->mfu == 50.31 && s0->total_time_min == 97.90);
    const gv_step *s1 = &tl.steps[1];
    CHECK_EQ_LONG(s1->step, 1);
    CHECK_EQ_LONG(s1->total, -1);
    CHECK(s1->mfu == 1.84 && s1->tok_per_sec == 18114 && s1->eta_min == 12.5);
    CHECK_EQ_LONG(s1->t, T("2025-12-22 21:03:00"));
    CHECK_EQ_LONG(s1->phase, 1);
    const gv_step *s2 = &tl.steps[2];
    CHECK_EQ_LONG(s2->step, 200);
    CHECK_EQ_LONG(s2->total, 700);
    CHECK(s2->loss == 1.234567 && s2->num_tokens == 12345 && isnan(s2->dt_ms));

    CHECK_EQ_LONG(tl.log_first, T("2025-12-22 21:00:00.005"));
    CHECK_EQ_LONG(tl.log_last, T("2025-12-22 21:05:00"));

    /* warnings: the timeless event (line 1), the incomplete session, time going back (line 20) */
    CHECK_EQ_LONG(w.n, 3);
    CHECK_EQ_LONG(w.line[0], 1);
    CHECK(strstr(w.msg[0], "before any timestamp") != NULL);
    CHECK_EQ_LONG(w.line[1], 17);
    CHECK(strstr(w.msg[1], "evaluation session (2 items) has no closing line") != NULL);
    CHECK_EQ_LONG(w.line[2], 20);
    CHECK(strstr(w.msg[2], "goes back 60.000 s") != NULL);
    gv_timeline_cleanup(&tl);
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

int main(void)
{
    size_t chunks[] = {1, 3, 17, 4096};
    for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++)
        test_events(chunks[i]);
    test_long_line();
    return test_summary("test_log_parser");
}
