/* cli.h: the command line (options, messages, exit codes). Only the CLI reads argv, writes to
 * stderr and decides exit statuses. Owns: the parsed options (borrowing argv strings) and the
 * warning counters. */
#ifndef GPUVIZ_CLI_H
#define GPUVIZ_CLI_H

#include "gpuviz/ci_report.h"
#include "gpuviz/export.h"
#include "gpuviz/gpu_file.h"
#include "gpuviz/run.h"
#include "gpuviz/status.h"
#include "gpuviz/summary.h"
#include "gpuviz/timeline.h"
#include "gpuviz/timeparse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses (also in --help, docs/usage.md and the man page). */
enum {
    GV_EXIT_OK = 0,           /* success (warnings may have been printed) */
    GV_EXIT_CHECK_FAILED = 1, /* a --check failed (all outputs were written) */
    GV_EXIT_USAGE = 2,        /* usage error, or an input that is missing or unusable */
    GV_EXIT_OUTPUT = 3        /* an output file could not be written */
};

/* Limits of one run (an error past each, never silent truncation). */
#define GV_MAX_GPU_FILES 64    /* GPU files, and --time-offset NODE=SECONDS options */
#define GV_MAX_CHECKS 64       /* --check expressions */

typedef enum { GV_CLI_RUN, GV_CLI_HELP, GV_CLI_VERSION, GV_CLI_PRINT_RULES } gv_cli_action;

typedef struct {
    gv_cli_action action;
    const char *csv_path;      /* the first GPU file (the only one, usually) */
    const char *csv_paths[GV_MAX_GPU_FILES]; /* every GPU file given */
    size_t csv_len;
    const char *node_names;    /* --node-names: comma-separated, one per file; NULL: file stems */
    struct { const char *node; size_t node_len; double seconds; } file_offsets[GV_MAX_GPU_FILES]; /* NODE=SECONDS */
    size_t file_offsets_len;
    const char *log_path;      /* NULL: no log */
    const char *output;        /* page path */
    const char *export_path;   /* NULL: no export */
    gv_export_format export_fmt;
    bool export_fmt_set;       /* --export-format given (else from the export's name) */
    bool plotly_cdn;
    double time_offset_s;      /* --time-offset SECONDS: the log's */
    double power_threshold_w;
    double buffer_min;
    bool idle_cutoff;
    long max_points;
    double max_size_mb;        /* page size budget */
    bool timeline_row;         /* --layout timeline */
    long threads;              /* --threads N: 1 = everything on one thread; N >= 2: N - 1 parser
                                  workers besides the calling thread (gpu_file.h) */
    gv_format format;          /* --format */
    gv_time_us dcgm_start;     /* --start (GV_TIME_NONE: not given) */
    gv_time_us log_start;      /* --log-start (GV_TIME_NONE: not given) */
    bool align_auto;           /* --align-log auto */
    double dcgm_interval_ms;   /* --interval (0: not given) */
    const char *columns;       /* --columns (a CSV without a header line) */
    long gpus;                 /* --gpus (0: counted) */
    const char *map;           /* --map ROLE=COL,... */
    double imbalance_ratio;    /* --imbalance-ratio */
    const char *rules_path;    /* --rules FILE, NULL: built-in rules */
    bool rules_guessed;        /* (set by main) the built-in set was chosen by the log's content */
    long rules_builtin;        /* --rules NAME of a built-in rule set, --print-rules=NAME; -1: none
                                  (then chosen by the log's content) */
    const char *only_types;    /* --only: comma-separated type names, NULL: all */
    bool no_builtin[3];        /* --no-validation, --no-evaluation, --no-checkpoint */
    bool quiet;
    const char *summary_path;  /* --summary-json, NULL: none */
    const char *junit_path;    /* --junit: the checks as JUnit XML, NULL: none */
    const char *title;         /* --title: the run's name (page, Markdown, JUnit); NULL: the GPU file */
    const char *summary_md_path; /* --summary-md: a Markdown summary, NULL: none */
    const char *checks[GV_MAX_CHECKS]; /* --check expressions */
    size_t checks_len;
    double temp_limit_c;
    double slow_factor;
    /* --time-range: each end absolute (wall clock) or hours since the first sample */
    bool range_set;
    gv_time_us range_abs[2];   /* GV_TIME_NONE when that end is relative or open */
    double range_hours[2];     /* NAN when that end is absolute or open */
    bool step_range_set;
    long step_range[2];
} gv_cli_opts;

/* Parses argv into o; on a usage error returns GV_ERR_OPTION with err->msg saying what was wrong. */
gv_status gv_cli_parse(int argc, char **argv, gv_cli_opts *o, gv_error *err);
/* --help, from the options' table. */
void gv_cli_print_help(FILE *f);
/* The man page's option list (roff, from .TP to the last option's text), from the same table:
 * docs/gpuviz.1 holds it between ".SH OPTIONS" and the next ".SH" (ctest man_options). */
void gv_cli_print_man_options(FILE *f);
/* A library message with the options it cites ({opt:NAME}, status.h) spelled as this command
 * line's flags (NAME as the options' table has it); a name no option has stays as it is. Writes
 * at most cap bytes into out, NUL-terminated. */
void gv_cli_spell(const char *msg, char *out, size_t cap);

typedef struct gv_progress gv_progress;

/* Messages: every line gpuviz prints to stderr goes through these. */
typedef struct {
    gv_progress *progress; /* erased before a warning is printed (may be NULL) */
    bool quiet;
    size_t count[GV_WARN_KIND_COUNT];
    size_t shown_limit; /* per kind */
    double timing_start; /* GPUVIZ_TIMING set: when the run began (else 0) */
} gv_msgs;

/* Monotonic seconds. */
double gv_now_s(void);
/* With GPUVIZ_TIMING in the environment, prints the seconds since the start after a step
 * (docs/performance.md). */
void gv_msg_timing(const gv_msgs *m, const char *step);

void gv_msgs_init(gv_msgs *m, bool quiet);
gv_diag gv_msgs_diag(gv_msgs *m);
void gv_msg_error(const gv_error *err);
void gv_msg_info(const gv_msgs *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "... and N more" lines for kinds whose warnings were cut. */
void gv_msgs_flush(const gv_msgs *m);

/* The progress line: on stderr only when it is a terminal and not --quiet, only once reading
 * (the log, then the GPU file) has taken longer than delay_ms, at most five updates a second,
 * plain text (no colour or escape sequences: '\r' rewrites it), erased when done. Its rate and
 * time left are the current file's. */
struct gv_progress {
    bool enabled, shown;
    const char *name;       /* the file being read (its base name) */
    double start_s, file_s; /* when reading began, when this file began */
    double last_s, delay_s;
    size_t width;
};

void gv_progress_init(gv_progress *p, bool enabled, const char *name, double delay_ms);
/* The next file: erases the line, names the file, restarts its rate. */
void gv_progress_next(gv_progress *p, const char *name);
void gv_progress_update(void *ctx, unsigned long long done, unsigned long long total);
void gv_progress_end(gv_progress *p);

/* console.c: the report on stderr after a run (inputs, a table of the GPUs, events, log timing,
 * a table of the phases, training runs, anomalies grouped by kind). al: NULL or how
 * --align-log auto placed the log. */
void gv_console_summary(const gv_msgs *m, const gv_timeline *tl, const gv_cli_opts *o, const gv_align_result *al);
/* The last line of a run without --check: its anomalies by severity (the exit status stays 0;
 * --check 'anomalies.critical.count == 0' makes them fail a CI job). */
void gv_console_verdict(const gv_msgs *m, const gv_timeline *tl);

/* inputs.c: inputs must be readable regular files, outputs never an input or each other */
gv_status gv_cli_check_paths(const gv_cli_opts *o, gv_error *err);
/* The GPU files as inputs of gv_gpu_read_files: nodes from --node-names, else the file names
 * (their directories' names when file names repeat), offsets from --time-offset NODE=S. The node
 * names are written into names (GV_MAX_GPU_FILES x 80 bytes, the caller's). */
gv_status gv_cli_gpu_inputs(const gv_cli_opts *o, gv_gpu_input *in, char (*names)[80], gv_error *err);

/* outputs.c: one output of the run, from its const timeline (and summary, and the checks'
 * results for JUnit and Markdown); an error names the path. */
typedef enum { GV_OUT_PAGE, GV_OUT_EVENTS, GV_OUT_SUMMARY, GV_OUT_JUNIT, GV_OUT_MD } gv_out_kind;
typedef struct {
    gv_check_outcome *c;
    size_t n;
} gv_outcomes;
gv_status gv_cli_write_output(const char *path, gv_out_kind kind, const gv_timeline *tl, const gv_summary *sum,
                             const gv_cli_opts *o, const gv_outcomes *oc, gv_error *err);
long long gv_cli_file_size(const char *path); /* -1: not a file (or unknown) */

#endif
