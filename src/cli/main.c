/* main.c: gpuviz's command line. Parses the log first (it is small), then makes one pass over the
 * GPU CSV that feeds every consumer, then writes the page and the exports. The only place that
 * calls exit statuses into being; one exit path at the end. */
#include "build_info.h"
#include "cli.h"
#include "gpuviz/activity.h"
#include "gpuviz/anomalies.h"
#include "gpuviz/atomic_file.h"
#include "gpuviz/buf.h"
#include "gpuviz/ci_report.h"
#include "gpuviz/correlate.h"
#include "gpuviz/gpu_file.h"
#include "gpuviz/html_report.h"
#include "gpuviz/log_parser.h"
#include "gpuviz/log_rules.h"
#include "gpuviz/input.h"
#include "gpuviz/log_clock.h"
#include "gpuviz/retime.h"
#include "gpuviz/run.h"
#include "gpuviz/summary.h"
#include "gpuviz/timeline.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int exit_for(gv_status st)
{
    switch (st) {
    case GV_OK: return GV_EXIT_OK;
    case GV_ERR_OUTPUT: return GV_EXIT_OUTPUT;
    case GV_ERR_USAGE:
    case GV_ERR_INPUT:
    case GV_ERR_LIMIT: break;
    }
    return GV_EXIT_USAGE;
}

/* Inputs must be readable regular files; outputs must not overwrite an input. */
static gv_status check_paths(const gv_cli_opts *o, gv_error *err)
{
    const char *inputs[66];
    size_t n = 0, stdin_users = 0;
    for (size_t i = 0; i < o->csv_len; i++)
        inputs[n++] = o->csv_paths[i];
    inputs[n++] = o->log_path;
    inputs[n++] = o->rules_path;
    for (size_t i = 0; i < n; i++)
        stdin_users += inputs[i] && strcmp(inputs[i], "-") == 0;
    if (stdin_users > 1) {
        gv_error_set(err, NULL, 0, "only one input can come from standard input ('-')");
        return GV_ERR_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        if (!inputs[i] || strcmp(inputs[i], "-") == 0)
            continue;
        struct stat st;
        FILE *f = fopen(inputs[i], "rb");
        if (!f) {
            gv_error_set(err, inputs[i], 0, "cannot open: %s", strerror(errno));
            return GV_ERR_INPUT;
        }
        int is_dir = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
        fclose(f);
        if (is_dir) {
            gv_error_set(err, inputs[i], 0, "is a directory, not a file");
            return GV_ERR_INPUT;
        }
        for (size_t j = 0; j < i; j++)
            if (inputs[j] && gv_same_file(inputs[i], inputs[j])) {
                gv_error_set(err, inputs[i], 0, "given twice as an input");
                return GV_ERR_USAGE;
            }
    }
    const char *outputs[] = {o->output, o->export_path, o->summary_path, o->junit_path, o->summary_md_path};
    enum { NOUT = sizeof outputs / sizeof *outputs };
    for (int k = 0; k < NOUT; k++)
        for (size_t i = 0; i < n; i++)
            if (outputs[k] && inputs[i] && gv_same_file(outputs[k], inputs[i])) {
                gv_error_set(err, outputs[k], 0,
                             "refusing to overwrite an input file with an output; choose "
                             "another output path");
                return GV_ERR_USAGE;
            }
    for (int k = 0; k < NOUT; k++)
        for (int j = k + 1; j < NOUT; j++)
            if (outputs[k] && outputs[j] && gv_same_file(outputs[k], outputs[j])) {
                gv_error_set(err, outputs[j], 0, "two outputs would be the same file");
                return GV_ERR_USAGE;
            }
    return GV_OK;
}

/* The name of a GPU file as a node: its base name without directories and extensions
 * (.csv, .txt, .gz, .log); with dir, the name of its directory instead. Into out. */
static void node_of(const char *path, bool dir, char *out, size_t n)
{
    const char *end = path + strlen(path), *b;
    if (dir) {
        end = strrchr(path, '/');
        if (!end) {
            snprintf(out, n, ".");
            return;
        }
    }
    for (b = end; b > path && b[-1] != '/'; b--)
        ;
    size_t len = (size_t)(end - b);
    const char *exts[] = {".gz", ".csv", ".txt", ".log"};
    for (int pass = 0; pass < 2 && !dir; pass++)
        for (int e = 0; e < 4; e++) {
            size_t el = strlen(exts[e]);
            if (len > el && strncmp(b + len - el, exts[e], el) == 0) {
                len -= el;
                break;
            }
        }
    snprintf(out, n, "%.*s", (int)len, b);
}

/* The GPU files as inputs of gv_gpu_read_files: nodes from --node-names, else the file names
 * (their directories' names when file names repeat), offsets from --time-offset NODE=S. The
 * node names live in names (GV_MAX_GPU_FILES x 80 bytes). */
static gv_status gpu_inputs(const gv_cli_opts *o, gv_gpu_input *in, char (*names)[80], gv_error *err)
{
    const char *p = o->node_names;
    for (size_t i = 0; i < o->csv_len; i++) {
        in[i] = (gv_gpu_input){o->csv_paths[i], names[i], 0};
        if (p) {
            size_t len = strcspn(p, ",");
            if (!*p || len == 0 || len >= 80) {
                gv_error_set(err, NULL, 0, "--node-names needs one non-empty name (< 80 bytes) per GPU "
                             "file: %zu files given", o->csv_len);
                return GV_ERR_USAGE;
            }
            snprintf(names[i], 80, "%.*s", (int)len, p);
            p += len + (p[len] == ',');
        } else {
            node_of(o->csv_paths[i], false, names[i], 80);
        }
    }
    if (p && *p) {
        gv_error_set(err, NULL, 0, "--node-names has more names than the %zu GPU files", o->csv_len);
        return GV_ERR_USAGE;
    }
    bool repeated = false;
    for (size_t i = 0; i < o->csv_len; i++)
        for (size_t j = 0; j < i; j++)
            repeated |= strcmp(names[i], names[j]) == 0;
    if (repeated && !o->node_names) {
        for (size_t i = 0; i < o->csv_len; i++)
            node_of(o->csv_paths[i], true, names[i], 80);
        for (size_t i = 0; i < o->csv_len; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(names[i], names[j]) == 0) {
                    gv_error_set(err, NULL, 0, "GPU files %s and %s would be the same node: name the "
                                 "nodes with --node-names (the same name twice merges a node's files)",
                                 o->csv_paths[j], o->csv_paths[i]);
                    return GV_ERR_USAGE;
                }
    }
    for (size_t k = 0; k < o->file_offsets_len; k++) {
        bool found = false;
        for (size_t i = 0; i < o->csv_len; i++)
            if (strlen(names[i]) == o->file_offsets[k].node_len &&
                strncmp(names[i], o->file_offsets[k].node, o->file_offsets[k].node_len) == 0) {
                in[i].offset = (gv_time_us)llround(o->file_offsets[k].seconds * 1e6);
                found = true;
            }
        if (!found) {
            gv_buf all;
            gv_buf_init(&all, 0);
            for (size_t i = 0; i < o->csv_len; i++)
                gv_buf_printf(&all, "%s%s", i ? ", " : "", names[i]);
            gv_error_set(err, NULL, 0, "--time-offset %.*s=...: no GPU file of node '%.*s' (nodes: %s)",
                         (int)o->file_offsets[k].node_len, o->file_offsets[k].node,
                         (int)o->file_offsets[k].node_len, o->file_offsets[k].node, all.data);
            gv_buf_cleanup(&all);
            return GV_ERR_USAGE;
        }
    }
    return GV_OK;
}

typedef enum { OUT_PAGE, OUT_EVENTS, OUT_SUMMARY, OUT_JUNIT, OUT_MD } out_kind;

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

/* The --check results, for the CI outputs. */
typedef struct {
    gv_check_outcome *c;
    size_t n;
} outcomes;

static gv_status write_output(const char *path, out_kind kind, const gv_timeline *tl,
                              const gv_summary *sum, const gv_cli_opts *o, const outcomes *oc, gv_error *err)
{
    gv_out out;
    gv_status st = gv_out_open(&out, path, err);
    if (st != GV_OK)
        return st;
    if (kind == OUT_PAGE) {
        gv_buf csv; /* the GPU files, as the page's header names them */
        gv_buf_init(&csv, 0);
        for (size_t i = 0; i < o->csv_len; i++)
            gv_buf_printf(&csv, "%s%s", i ? ", " : "", o->csv_paths[i]);
        gv_report_opts ro = {.csv_path = csv.data, .title = o->title, .log_path = o->log_path,
                             .plotly_cdn = o->plotly_cdn, .max_bytes = (size_t)(o->max_size_mb * 1e6),
                             .max_points = o->max_points, .timeline_row = o->timeline_row,
                             .helper_thread = o->threads >= 2};
        st = gv_html_write(out.f, tl, &ro, err);
        gv_buf_cleanup(&csv);
    } else if (kind == OUT_EVENTS) {
        st = gv_export_events(out.f, tl, o->export_fmt, err);
    } else if (kind == OUT_JUNIT) {
        st = gv_junit_write(out.f, o->title ? o->title : o->csv_path, oc->c, oc->n, err);
    } else if (kind == OUT_MD) {
        st = gv_summary_md_write(out.f, tl, o->title ? o->title : o->csv_path, oc->c, oc->n, err);
    } else {
        st = gv_summary_write(out.f, sum, err);
    }
    if (st != GV_OK) {
        char msg[sizeof err->msg]; /* (not formatted into itself: overlapping vsnprintf) */
        snprintf(msg, sizeof msg, "%s", err->msg);
        gv_error_set(err, path, 0, "%s", msg);
        gv_out_abort(&out);
        return st;
    }
    return gv_out_commit(&out, err);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
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
    outcomes oc = {NULL, 0};           /* the checks' results, for the CI outputs */
    gv_check_result *results = NULL;
    size_t failed = 0;
    gv_msgs msgs;
    gv_status st = gv_cli_parse(argc, argv, &o, &err);
    gv_msgs_init(&msgs, o.quiet);
    gv_diag diag = gv_msgs_diag(&msgs);

    if (st != GV_OK)
        goto cleanup;
    if (o.action == GV_CLI_HELP) {
        gv_cli_print_help();
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
            st = GV_ERR_USAGE;
            goto cleanup;
        }
    if ((st = check_paths(&o, &err)) != GV_OK)
        goto cleanup;
    bool several = o.csv_len > 1 || o.node_names || o.file_offsets_len;
    if (several) {
        node_names = gv_xcalloc(GV_MAX_GPU_FILES, sizeof *node_names);
        if ((st = gpu_inputs(&o, gpu_in, node_names, &err)) != GV_OK)
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
        .read = {.threads = o.threads, .format = o.format, .dcgm_start = o.dcgm_start,
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
                                     several ? (double)gpu_in[i].offset / 1e6 : 0, file_size(o.csv_paths[i])};
        csv_bytes = csv_bytes < 0 || files[i].bytes < 0 ? -1 : csv_bytes + files[i].bytes;
    }
    gv_summary_inputs si = {.csv_path = o.csv_path, .title = o.title, .files = files, .files_len = o.csv_len,
                            .log_path = o.log_path, .csv_bytes = csv_bytes,
                            .log_bytes = o.log_path ? file_size(o.log_path) : -1,
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
    st = write_output(o.output, OUT_PAGE, tl, NULL, &o, &oc, &err);
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
    const struct { const char *path; out_kind kind; } outs[] = {
        {o.export_path, OUT_EVENTS}, {o.summary_path, OUT_SUMMARY}, {o.junit_path, OUT_JUNIT},
        {o.summary_md_path, OUT_MD}};
    for (size_t k = 0; k < sizeof outs / sizeof *outs; k++)
        if (outs[k].path && (st = write_output(outs[k].path, outs[k].kind, tl, sum, &o, &oc, &err)) != GV_OK)
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
