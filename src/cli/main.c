/* main.c: gpuviz's command line: parses argv (options.c), checks the paths (inputs.c), runs the
 * pipeline (run.h: rules, log, one pass over the samples, analysis), prints the console report
 * (console.c), writes the outputs (outputs.c), evaluates the checks and picks the exit status:
 * the only place that calls exit statuses into being; one exit path at the end. */
#include "build_info.h"
#include "cli.h"
#include "gpuviz/buf.h"
#include "gpuviz/log_rules.h"
#include "gpuviz/run.h"
#include "gpuviz/summary.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int exit_for(gv_status st)
{
    switch (st) {
    case GV_OK: return GV_EXIT_OK;
    case GV_ERR_OUTPUT: return GV_EXIT_OUTPUT;
    case GV_ERR_OPTION:
    case GV_ERR_INPUT:
    case GV_ERR_LIMIT: break;
    }
    return GV_EXIT_USAGE;
}

/* The summary, built on a thread of its own while the page is written (both only read the
 * timeline). */
typedef struct {
    const gv_timeline *tl;
    const gv_summary_inputs *in;
    gv_summary *sum;
} summary_job;

static void *build_summary(void *arg)
{
    summary_job *j = arg;
    j->sum = gv_summary_new(j->tl, j->in);
    return NULL;
}

/* The run's hooks: progress to the next file, a step's time (GPUVIZ_TIMING). */
static void next_file(void *ctx, const char *path) { gv_progress_next(ctx, path); }
static void timing(void *ctx, const char *step) { gv_msg_timing(ctx, step); }

int main(int argc, char **argv)
{
    gv_cli_opts o;
    gv_error err = {{0}, {0}};
    gv_run *run = NULL;
    gv_summary *sum = NULL;
    gv_gpu_input gpu_in[GV_MAX_GPU_FILES];
    char (*node_names)[80] = NULL; /* several GPU files: their nodes */
    gv_check *checks[GV_MAX_CHECKS] = {NULL};
    gv_outcomes oc = {NULL, 0};           /* the checks' results, for the CI outputs */
    gv_check_result *results = NULL;
    size_t failed = 0;
    gv_msgs msgs;
    gv_status st = gv_cli_parse(argc, argv, &o, &err);
    gv_msgs_init(&msgs, o.quiet);
    gv_diag diag = gv_msgs_diag(&msgs);

    if (st != GV_OK)
        goto cleanup;
    if (o.action == GV_CLI_HELP) {
        gv_cli_print_help(stdout);
        goto cleanup;
    }
    if (o.action == GV_CLI_PRINT_RULES) {
        size_t len;
        const char *json = gv_log_rules_builtin_text((size_t)o.rules_builtin, &len);
        fwrite(json, 1, len, stdout);
        if (!o.quiet) {
            fprintf(stderr, "gpuviz: built-in rule sets:");
            for (size_t i = 0; i < gv_log_rules_builtin_count(); i++)
                fprintf(stderr, " %s%s", gv_log_rules_builtin_name(i), (long)i == o.rules_builtin ? " (printed)" : "");
            fprintf(stderr, "; --print-rules=NAME prints one, --rules NAME uses one\n");
        }
        goto cleanup;
    }
    if (o.action == GV_CLI_VERSION) {
        printf("gpuviz %s (Plotly.js %s embedded)\n", GV_VERSION, GV_PLOTLY_VERSION);
        goto cleanup;
    }
    for (size_t i = 0; i < o.checks_len; i++)
        if (!(checks[i] = gv_check_parse(o.checks[i], &err))) {
            st = GV_ERR_OPTION;
            goto cleanup;
        }
    if ((st = gv_cli_check_paths(&o, &err)) != GV_OK)
        goto cleanup;
    bool several = o.csv_len > 1 || o.node_names || o.file_offsets_len;
    if (several) {
        node_names = gv_xcalloc(GV_MAX_GPU_FILES, sizeof *node_names);
        if ((st = gv_cli_gpu_inputs(&o, gpu_in, node_names, &err)) != GV_OK)
            goto cleanup;
    }

    /* the run: rules, log, one pass over the samples, analysis (run.h) */
    gv_progress prog;
    const char *delay = getenv("GPUVIZ_PROGRESS_DELAY_MS"); /* for tests; default 1 s */
    gv_progress_init(&prog, !o.quiet && isatty(fileno(stderr)), o.log_path ? o.log_path : o.csv_path,
                     delay ? atof(delay) : 1000);
    msgs.progress = &prog;
    gv_run_opts ro = {
        .gpu_path = o.csv_path, .gpu_files = several ? gpu_in : NULL, .gpu_files_len = several ? o.csv_len : 0,
        .log_path = o.log_path, .rules_path = o.rules_path, .rules_builtin = o.rules_builtin,
        .read = {.threads = (int)o.threads, .format = o.format, .dcgm_start = o.dcgm_start,
                 .dcgm_interval_ms = o.dcgm_interval_ms, .columns = o.columns, .gpus = o.gpus, .map = o.map,
                 .progress = gv_progress_update, .progress_ctx = &prog,
                 /* tests cut files into many small chunks (docs/testing.md) */
                 .chunk_bytes = getenv("GPUVIZ_CHUNK_BYTES") ? (size_t)atol(getenv("GPUVIZ_CHUNK_BYTES")) : 0},
        .log_start = o.log_start, .align_auto = o.align_auto, .log_offset_s = o.time_offset_s,
        .power_threshold_w = o.power_threshold_w, .only_types = o.only_types,
        .range_set = o.range_set, .range_abs = {o.range_abs[0], o.range_abs[1]},
        .step_range_set = o.step_range_set, .step_range = {o.step_range[0], o.step_range[1]},
        .correlate = {.power_threshold_w = o.power_threshold_w, .buffer_min = o.buffer_min,
                      .idle_cutoff = o.idle_cutoff, .display_bytes = (size_t)(o.max_size_mb * 1e6),
                      .temp_limit_c = o.temp_limit_c, .imbalance_ratio = o.imbalance_ratio,
                      .relative_range = !isnan(o.range_hours[0]) || !isnan(o.range_hours[1]),
                      .range_hours = {o.range_hours[0], o.range_hours[1]}},
        .anomalies = {.slow_factor = o.slow_factor},
        .progress = gv_progress_update, .next_file = next_file, .progress_ctx = &prog,
        .timing = timing, .timing_ctx = &msgs};
    memcpy(ro.no_builtin, o.no_builtin, sizeof ro.no_builtin);
    run = gv_run_new(&ro);
    st = gv_run_read(run, &diag, &err);
    gv_progress_end(&prog);
    msgs.progress = NULL;
    gv_msg_timing(&msgs, "samples read");
    o.rules_builtin = gv_run_rules_builtin(run); /* (the console and the summary name them) */
    o.rules_guessed = gv_run_rules_guessed(run);
    if (st != GV_OK || (st = gv_run_analyse(run, &diag, &err)) != GV_OK)
        goto cleanup;
    const gv_timeline *tl = gv_run_timeline(run);

    /* 3. outputs */
    gv_summary_file files[GV_MAX_GPU_FILES];
    long long csv_bytes = 0;
    for (size_t i = 0; i < o.csv_len; i++) {
        files[i] = (gv_summary_file){o.csv_paths[i], several ? gpu_in[i].node : NULL,
                                     several ? (double)gpu_in[i].offset / 1e6 : 0, gv_cli_file_size(o.csv_paths[i])};
        csv_bytes = csv_bytes < 0 || files[i].bytes < 0 ? -1 : csv_bytes + files[i].bytes;
    }
    gv_summary_inputs si = {.csv_path = o.csv_path, .title = o.title, .files = files, .files_len = o.csv_len,
                            .log_path = o.log_path, .csv_bytes = csv_bytes,
                            .log_bytes = o.log_path ? gv_cli_file_size(o.log_path) : -1,
                            .log_lines = gv_run_log_lines(run),
                            .log_rules = o.rules_path ? o.rules_path
                                         : o.rules_builtin >= 0 ? gv_log_rules_builtin_name((size_t)o.rules_builtin) : NULL,
                            .log_rules_guessed = o.rules_guessed, .power_threshold_w = o.power_threshold_w,
                            .temp_limit_c = o.temp_limit_c, .imbalance_ratio = o.imbalance_ratio};
    memcpy(si.warnings, msgs.count, sizeof si.warnings);
    summary_job sj = {tl, &si, NULL};
    pthread_t summarist;
    bool threaded = o.threads >= 2 && pthread_create(&summarist, NULL, build_summary, &sj) == 0;
    if (!threaded)
        build_summary(&sj);
    gv_console_summary(&msgs, tl, &o, gv_run_align(run));
    oc.c = gv_xcalloc(o.checks_len + 1, sizeof *oc.c);
    results = gv_xcalloc(o.checks_len + 1, sizeof *results);
    st = gv_cli_write_output(o.output, GV_OUT_PAGE, tl, NULL, &o, &oc, &err);
    if (threaded)
        pthread_join(summarist, NULL);
    sum = sj.sum;
    if (st != GV_OK)
        goto cleanup;
    gv_msg_timing(&msgs, "summary built and page written");
    /* 4. checks, before the outputs that report them (the summary's `checks`, JUnit, Markdown) */
    for (size_t i = 0; i < o.checks_len; i++) {
        if ((st = gv_check_eval(checks[i], sum, &results[i], &err)) != GV_OK)
            goto cleanup;
        failed += !results[i].pass;
        oc.c[oc.n++] = (gv_check_outcome){o.checks[i], results[i].pass, results[i].detail};
    }
    for (size_t i = 0; i < o.checks_len; i++)
        gv_summary_add_check(sum, o.checks[i], &results[i]);
    const struct { const char *path; gv_out_kind kind; } outs[] = {
        {o.export_path, GV_OUT_EVENTS}, {o.summary_path, GV_OUT_SUMMARY}, {o.junit_path, GV_OUT_JUNIT},
        {o.summary_md_path, GV_OUT_MD}};
    for (size_t k = 0; k < sizeof outs / sizeof *outs; k++)
        if (outs[k].path && (st = gv_cli_write_output(outs[k].path, outs[k].kind, tl, sum, &o, &oc, &err)) != GV_OK)
            goto cleanup;
    gv_msg_timing(&msgs, "outputs written");
    gv_msgs_flush(&msgs);
    const char *written[] = {o.output, o.export_path, o.summary_path, o.junit_path, o.summary_md_path};
    for (size_t i = 0; i < sizeof written / sizeof *written; i++)
        if (written[i] && strcmp(written[i], "-") != 0)
            gv_msg_info(&msgs, "gpuviz: wrote %s\n", written[i]);
    for (size_t i = 0; i < o.checks_len; i++)
        if (!results[i].pass || !o.quiet)
            fprintf(stderr, "gpuviz: check %s: %s  (%s)\n", results[i].pass ? "PASS" : "FAIL", o.checks[i],
                    results[i].detail);
    if (o.checks_len && failed) /* the verdict, last */
        fprintf(stderr, "gpuviz: verdict: FAIL, %zu of %zu checks failed (exit status 1)\n", failed, o.checks_len);
    else if (o.checks_len && !o.quiet)
        fprintf(stderr, o.checks_len == 1 ? "gpuviz: verdict: PASS, the check passed\n"
                                          : "gpuviz: verdict: PASS, all %zu checks passed\n", o.checks_len);
    else if (!o.checks_len)
        gv_console_verdict(&msgs, tl);

cleanup:
    if (st != GV_OK)
        gv_msg_error(&err);
    for (size_t i = 0; i < o.checks_len && i < GV_MAX_CHECKS; i++)
        gv_check_free(checks[i]);
    free(oc.c);
    free(results);
    gv_summary_free(sum);
    gv_run_free(run);
    free(node_names);
    return st == GV_OK && failed ? GV_EXIT_CHECK_FAILED : exit_for(st);
}
