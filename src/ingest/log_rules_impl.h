/* log_rules_impl.h: the compiled form of a rule set, shared by log_rules.c (which builds it) and
 * log_parser.c (which runs it). Private to src/ingest. Everything is owned by the gv_log_rules. */
#ifndef GPUVIZ_LOG_RULES_IMPL_H
#define GPUVIZ_LOG_RULES_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include "gpuviz/buf.h"
#include "gpuviz/log_rules.h"
#include "gpuviz/timeline.h"

#include <pcre2.h>
#include <stdbool.h>

typedef enum { GV_ROLE_EVENT, GV_ROLE_ITEM, GV_ROLE_OPEN, GV_ROLE_CLOSE } gv_rule_role;
typedef enum { GV_GROUP_NONE, GV_GROUP_SESSION, GV_GROUP_MERGE } gv_rule_grouping;
typedef enum { GV_WINDOW_LINE, GV_WINDOW_PREVIOUS_LINE } gv_rule_window;

/* Capture-group names with a meaning (docs/rules.md); looked up once per pattern. */
enum {
    RG_STEP, RG_VALUE, RG_METRIC, RG_DURATION,                       /* events */
    RG_TASK, RG_SHOTS, RG_TASK_TYPE, RG_ACCURACY, RG_CENTERED,       /* session items */
    RG_WHAT, RG_DIR,                                                 /* checkpoint files */
    RG_TOTAL, RG_FIELDS,                                             /* steps */
    RG_LOSS, RG_GRAD_NORM, RG_LRM, RG_DT_MS, RG_TOK_PER_SEC, RG_MFU, RG_TOTAL_TIME_MIN,
    RG_ETA_MIN, RG_NUM_TOKENS,                                       /* step fields */
    RG_TIME, RG_YEAR, RG_MONTH, RG_DAY, RG_HOUR, RG_MINUTE, RG_SECOND, /* timestamps */
    RG_EPOCH_S, RG_EPOCH_MS,                                         /* timestamps since 1970 */
    RG_ELAPSED,                                 /* time since the log's start ([H:]MM:SS, seconds) */
    RG_RANKS,                                   /* world size: the ranks (processes) of the run */
    RG_COUNT
};
extern const char *const gv_rule_group_names[RG_COUNT];

typedef struct {
    gv_rule_role role;
    int type;          /* index into gv_log_rules.types; -1 for step and timestamp patterns */
    char *literal;     /* prefilter: the line must contain it; NULL = none */
    size_t literal_len;
    char *metric;      /* the metric name of the `value` group (a `metric` group overrides) */
    pcre2_code *code;
    int group[RG_COUNT]; /* group numbers, -1 when absent */
} gv_rule_pattern;

typedef struct {
    char *name, *color, *dash;
    char *label;        /* label template */
    char *merge_key;    /* template: consecutive matches with equal keys merge ("" = all) */
    char *count_metric; /* metric counting a session's items or a merge's lines; NULL = none */
    char **metrics;     /* further groups recorded as metrics */
    size_t metrics_len;
    gv_phase phase;
    gv_rule_window window;
    gv_rule_grouping grouping;
    double merge_within_s; /* < 0: no limit */
} gv_rule_type;

struct gv_log_rules {
    gv_rule_type *types;
    size_t types_len;
    gv_rule_pattern *events; /* event patterns in file order (type by type) */
    size_t events_len, events_cap;
    gv_rule_pattern *steps;
    size_t steps_len;
    gv_rule_pattern *stamps;
    size_t stamps_len;
    gv_rule_pattern *world;  /* "world_size": lines that say how many ranks the run has */
    size_t world_len;
};

/* Template rendering: resolve appends the value of placeholder name[0..nlen) formatted by
 * spec[0..slen) ("" raw, "d" integer, ".Nf" fixed) to out and returns false when it has none.
 * Optional sections "[...]" vanish when one of their placeholders has no value; a placeholder
 * without a value elsewhere renders as "?". {{ }} [[ ]] are literal braces and brackets. */
typedef bool (*gv_tmpl_resolve)(void *ctx, const char *name, size_t nlen, const char *spec,
                                size_t slen, gv_buf *out);
void gv_tmpl_render(const char *tmpl, gv_tmpl_resolve resolve, void *ctx, gv_buf *out);
/* Appends v formatted by spec (as above) to out. */
void gv_tmpl_format_number(double v, const char *spec, size_t slen, gv_buf *out);

#endif
