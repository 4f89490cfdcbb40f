/* status.h: how every fallible gpuviz function reports failure and warnings.
 * Owns: the gv_status codes, the caller-owned gv_error record and the warning callback type.
 * The core never prints: errors come back in a gv_error, warnings go to a gv_diag callback. */
#ifndef GPUVIZ_STATUS_H
#define GPUVIZ_STATUS_H

#include <stdarg.h>

typedef enum {
    GV_OK = 0,
    GV_ERR_OPTION, /* an option's value is malformed, or does not fit the input (e.g. a type the
                      rules lack, dmon output without its start and interval) */
    GV_ERR_INPUT,  /* an input file is missing, unreadable or unusable */
    GV_ERR_OUTPUT, /* an output could not be written */
    GV_ERR_LIMIT   /* input exceeds a documented cap */
} gv_status;

/* One error: where it happened ("metrics.csv:1234", or "" when nowhere in particular) and a
 * one-line message. Always caller-owned; functions fill it only when they return non-GV_OK.
 * Messages (errors and warnings) name an option of the run as {opt:NAME}, NAME the field of
 * gv_run_opts, gv_read_opts or gv_correlate_opts that holds it ({opt:log_start}, {opt:check} for
 * a check expression, {opt:no_TYPE} for leaving a type out); the front end spells it (the CLI:
 * its flag, src/cli/options.c), so the library never names a command line's flags. */
typedef struct {
    char where[320];
    char msg[480];
} gv_error;

/* Sets err (if not NULL): where = "file:line" (line <= 0: just file; file NULL: empty). */
void gv_error_set(gv_error *err, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Warning kinds: the CLI counts them per kind and shows the first few of each. */
typedef enum {
    GV_WARN_CSV_ROW,        /* a CSV row was skipped */
    GV_WARN_CSV_RESTART,    /* the header repeated mid-file (sampler restarted) */
    GV_WARN_CSV_TIME,       /* sample time went backwards */
    GV_WARN_LOG_LINE,       /* a log line was truncated or could not be used */
    GV_WARN_LOG_EVENT,      /* an event could not be completed (e.g. session without CORE) */
    GV_WARN_RANGE,          /* events fell outside the monitored time range */
    GV_WARN_KIND_COUNT
} gv_warn_kind;

/* Warning sink: file and line say where (line <= 0: whole file). msg is one line, borrowed for
 * the duration of the call. */
typedef void (*gv_warn_fn)(void *ctx, gv_warn_kind kind, const char *file, long line,
                           const char *msg);

typedef struct {
    gv_warn_fn fn; /* may be NULL: warnings are dropped */
    void *ctx;
} gv_diag;

void gv_diag_warn(const gv_diag *diag, gv_warn_kind kind, const char *file, long line,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
