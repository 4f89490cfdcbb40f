/* ci_report.h: what a CI job reads: the --check results as JUnit XML (each check a test case)
 * and a Markdown summary a job can post on a pull request (the run's time, energy, phases, GPUs,
 * checks and anomalies). Both read the const timeline; text from the command line (expressions)
 * and from the inputs (file names) is escaped for XML and Markdown. Owns nothing. */
#ifndef GPUVIZ_CI_REPORT_H
#define GPUVIZ_CI_REPORT_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stdbool.h>
#include <stdio.h>

/* One evaluated --check. */
typedef struct {
    const char *expr;
    bool pass;
    const char *detail;   /* the compared values, e.g. "74 < 85" */
} gv_check_outcome;

/* `<testsuites><testsuite name="gpuviz" ...><testcase name=EXPR>[<failure .../>]...`; name is the
 * run's name (the GPU file). */
gv_status gv_junit_write(FILE *f, const char *name, const gv_check_outcome *c, size_t n, gv_error *err);

/* The Markdown summary; title names the run (the GPU file). */
gv_status gv_summary_md_write(FILE *f, const gv_timeline *tl, const char *title, const gv_check_outcome *c,
                              size_t n, gv_error *err);

#endif
