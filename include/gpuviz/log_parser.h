/* log_parser.h: training log -> timeline events and training steps, by a rule set (log_rules.h).
 * Owns: the match data of the rules' patterns, the current-line buffer (capped at GV_LOG_LINE_MAX
 * bytes) and the open session / merged event while they are being grouped. Borrows the rule set.
 * Events go into the timeline (the timeline owns them; the rules' event types are registered in
 * it at _new). Lifecycle: _new, _feed..., _finish, _free; chunk sizes do not matter.
 *
 * Timestamps: a line prefix (`YYYY-MM-DD HH:MM:SS[.f...] `, ISO `T` accepted) and/or a Python
 * logging time (`YYYY-MM-DD HH:MM:SS,mmm - `); where both exist the one with more fraction digits
 * wins (a tie goes to the logging time). A line without a time takes the last time seen. */
#ifndef GPUVIZ_LOG_PARSER_H
#define GPUVIZ_LOG_PARSER_H

#include "gpuviz/log_rules.h"
#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stddef.h>

#define GV_LOG_LINE_MAX (1u << 20) /* longer lines are truncated (with a warning) */

typedef struct gv_log_parser gv_log_parser;

/* rules must outlive the parser. The caller frees the parser with gv_log_parser_free. */
gv_log_parser *gv_log_parser_new(gv_timeline *tl, const gv_log_rules *rules, const char *file_name,
                                  const gv_diag *diag);
void gv_log_parser_feed(gv_log_parser *p, const char *buf, size_t len);
/* Ends the input: the last line, open sessions and checkpoints are completed. */
void gv_log_parser_finish(gv_log_parser *p);
void gv_log_parser_free(gv_log_parser *p);

/* Which built-in rule set (log_rules.h) reads text[0..len) best: the index of the one that makes
 * the most events and steps of it, plus the lines it gives a time when it makes any (a set's own
 * timestamp patterns are a strong sign: MLPerf's logs also hold HuggingFace Trainer lines); 0,
 * nanochat's, on a tie or when none reads anything. *items (may be NULL) receives that score. */
size_t gv_log_guess_rules(const char *text, size_t len, size_t *items);

/* How gv_log_parse_file reads. helper_min: a file of this many bytes or more (0: none) has its
 * step records committed ahead of the parser by a second thread (prefault.h); the results are
 * the same either way. progress (may be NULL): called after each read with the bytes of the
 * file consumed and its size (0 when unknown). */
#define GV_LOG_HELPER_MIN (32ull << 20) /* smaller logs gain nothing from the helper */
typedef struct {
    unsigned long long helper_min;
    void (*progress)(void *ctx, unsigned long long done, unsigned long long total);
    void *progress_ctx;
} gv_log_read_opts;

/* Parses a whole file (o may be NULL: no helper, no progress); *lines (may be NULL) receives the
 * number of lines read. */
gv_status gv_log_parse_file(const char *path, const gv_log_rules *rules, gv_timeline *tl,
                            const gv_diag *diag, const gv_log_read_opts *o, gv_error *err, long *lines);

#endif
