/* log_rules.h: the rules that turn log lines into events, steps and times, loaded from JSON
 * (docs/rules.md). The built-in nanochat rules are such a file, embedded in the binary.
 * Owns: the compiled PCRE2 patterns and every string of the rule set. A rule set is immutable once
 * loaded; parsers borrow it (gv_log_parser_new) and it must outlive them. */
#ifndef GPUVIZ_LOG_RULES_H
#define GPUVIZ_LOG_RULES_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stddef.h>

typedef struct gv_log_rules gv_log_rules;

/* Compiles the rules in json[0..len) (not necessarily NUL-terminated). file names the source in
 * errors. Returns NULL and fills err (where = "file:line" of the JSON, msg naming the rule, the
 * field and, for a bad pattern, the offset in it) when the text is not a valid rules file.
 * The caller frees the result with gv_log_rules_free. */
gv_log_rules *gv_log_rules_load(const char *json, size_t len, const char *file, gv_error *err);
/* Reads and compiles a rules file (plain or gzip; "-" = stdin). GV_ERR_INPUT on any error. */
gv_status gv_log_rules_load_file(const char *path, gv_log_rules **out, gv_error *err);
/* The built-in nanochat rules, compiled (never fails but for a bug, reported in err). */
gv_log_rules *gv_log_rules_builtin(gv_error *err);
void gv_log_rules_free(gv_log_rules *r);

/* The built-in rule sets (nanochat first, the default; then modded-nanogpt, llm.c, hf-trainer,
 * mlperf): how many, each one's name and text (static), the index of a name (-1: none), and one
 * compiled (the caller frees it). */
size_t gv_log_rules_builtin_count(void);
const char *gv_log_rules_builtin_name(size_t i);
const char *gv_log_rules_builtin_text(size_t i, size_t *len);
long gv_log_rules_builtin_find(const char *name);
gv_log_rules *gv_log_rules_builtin_at(size_t i, gv_error *err);

/* Registers the rule set's event types (name, colour, dash, phase) in tl; map (may be NULL) gets
 * the timeline type of each rules type, in rules order (as many entries as the rules have types). */
void gv_log_rules_register_types(const gv_log_rules *r, gv_timeline *tl, gv_event_type *map);

#endif
