/* log_parser.h: training log -> timeline events and training steps, matched with PCRE2 (JIT).
 * Owns: the compiled rule table, the current-line buffer (capped at GV_LOG_LINE_MAX bytes) and the
 * open evaluation session / checkpoint while they are being grouped. Events go into the timeline
 * (the timeline owns them). Lifecycle: _new, _feed..., _finish, _free; chunk sizes do not matter.
 *
 * Timestamps: a line prefix (`YYYY-MM-DD HH:MM:SS[.f...] `, ISO `T` accepted) and/or a Python
 * logging time (`YYYY-MM-DD HH:MM:SS,mmm - `); where both exist the one with more fraction digits
 * wins (a tie goes to the logging time). A line without a time takes the last time seen. */
#ifndef GPUVIZ_LOG_PARSER_H
#define GPUVIZ_LOG_PARSER_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stddef.h>

#define GV_LOG_LINE_MAX (1u << 20) /* longer lines are truncated (with a warning) */

typedef struct gv_log_parser gv_log_parser;

/* Returns NULL and fills err if a built-in pattern fails to compile (a bug). */
gv_log_parser *gv_log_parser_new(gv_timeline *tl, const char *file_name, const gv_diag *diag,
                                  gv_error *err);
void gv_log_parser_feed(gv_log_parser *p, const char *buf, size_t len);
/* Ends the input: the last line, open sessions and checkpoints are completed. */
void gv_log_parser_finish(gv_log_parser *p);
void gv_log_parser_free(gv_log_parser *p);

/* Lines read so far. */
long gv_log_parser_lines(const gv_log_parser *p);

/* Parses a whole file; *lines (may be NULL) receives the number of lines read. */
gv_status gv_log_parse_file(const char *path, gv_timeline *tl, const gv_diag *diag, gv_error *err,
                            long *lines);

#endif
