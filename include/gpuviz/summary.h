/* summary.h: the machine-readable run summary (docs/summary.md) and --check expressions over it.
 * Owns: the summary document (built once from a const timeline) and the parsed checks. */
#ifndef GPUVIZ_SUMMARY_H
#define GPUVIZ_SUMMARY_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stdbool.h>
#include <stdio.h>

#define GV_SUMMARY_SCHEMA_VERSION 1

/* One GPU file of the run, for inputs.csv.files. */
typedef struct {
    const char *path;
    const char *node;    /* NULL with a single file */
    double offset_s;     /* --time-offset NODE=S */
    long long bytes;     /* -1 unknown */
} gv_summary_file;

typedef struct {
    const char *csv_path;          /* the first GPU file */
    const char *title;             /* the run's name (--title); NULL: the GPU file's name */
    const gv_summary_file *files;  /* every GPU file (files_len >= 1; NULL: just csv_path) */
    size_t files_len;
    const char *log_path;          /* NULL: no log */
    long long csv_bytes, log_bytes; /* -1 unknown */
    long log_lines;
    const char *log_rules;         /* the rules file, or the built-in set's name */
    bool log_rules_guessed;        /* the built-in set was chosen by the log's content */
    size_t warnings[GV_WARN_KIND_COUNT];
    double power_threshold_w, temp_limit_c, imbalance_ratio;
} gv_summary_inputs;

typedef struct gv_summary gv_summary;

/* Caller frees with gv_summary_free. */
gv_summary *gv_summary_new(const gv_timeline *tl, const gv_summary_inputs *in);
void gv_summary_free(gv_summary *s);
gv_status gv_summary_write(FILE *f, const gv_summary *s, gv_error *err);

/* ---- checks: `operand OP operand`, OP one of < <= > >= == !=; an operand is a number, a
 * dotted name into the summary, or max|min|mean|sum|count(name) (docs/checks.md) ---- */
typedef struct gv_check gv_check;

/* Parses one expression; a syntax error or an unknown top-level name is GV_ERR_OPTION with the
 * column in err. Caller frees with gv_check_free. */
gv_check *gv_check_parse(const char *expr, gv_error *err);
void gv_check_free(gv_check *c);

typedef struct {
    bool pass;
    char detail[256]; /* the compared values, e.g. "74 < 85" */
} gv_check_result;

/* Evaluates against a summary. A name that does not exist in the summary is GV_ERR_OPTION
 * (err says which and where); a name whose value is null makes the check fail. */
gv_status gv_check_eval(const gv_check *c, const gv_summary *s, gv_check_result *r, gv_error *err);
/* Records an evaluated check in the summary's `checks` array (expr and detail copied). */
void gv_summary_add_check(gv_summary *s, const char *expr, const gv_check_result *r);

#endif
