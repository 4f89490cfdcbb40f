/* options.c: the command line's options, from one table (name, value, where it goes, its range,
 * its help): the parser, --help and the man page's option list (gv_cli_print_man_options; the
 * ctest man_options fails when docs/gpuviz.1 differs) all read it. Accepts "--opt value" and
 * "--opt=value". */
#include "cli.h"

#include "build_info.h"
#include "gpuviz/log_rules.h"
#include "gpuviz/timeline.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum {
    OPT_TEXT,   /* the value as given: a const char * at off */
    OPT_TRUE,   /* no value: sets the bool at off */
    OPT_FALSE,  /* no value: clears the bool at off */
    OPT_NUMBER, /* a double at off, in range */
    OPT_WHOLE,  /* a whole number, in range: a long at off */
    OPT_CALL,   /* set() parses the value */
    OPT_ACTION  /* help, version: o->action = (gv_cli_action)off; the rest of argv is ignored */
} opt_kind;

typedef struct option option;
/* Parses val into o; false: err says why (the table's `takes` unless set() says more). */
typedef bool (*opt_set)(gv_cli_opts *o, const option *opt, const char *val, gv_error *err);

struct option {
    const char *section; /* non-NULL: the first option of a section of --help */
    const char *name;    /* "--output" */
    const char *alias;   /* "-o", or NULL */
    const char *arg;     /* the value's name ("FILE"); NULL: no value; "[=NAME]": optional, after '=' */
    opt_kind kind;
    size_t off;          /* OPT_TEXT, OPT_TRUE, OPT_FALSE, OPT_NUMBER, OPT_WHOLE: where in gv_cli_opts */
    double lo, hi;       /* OPT_NUMBER, OPT_WHOLE: lo <= v <= hi (lo < v when lo_open, v < hi when hi_open) */
    bool lo_open, hi_open;
    opt_set set;         /* OPT_CALL */
    const char *takes;   /* the error for a bad value: "NAME takes TAKES, not 'VAL'" */
    const char *help;    /* one sentence or two, for --help and the man page */
    const char *more;    /* the man page only: details; NULL: none */
    const char *lib;     /* the library's name for the setting, as its messages cite it: {opt:NAME}
                            (status.h); NULL: none cites it */
};

#define AT(field) offsetof(gv_cli_opts, field)

static bool parse_double(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* The index of val among the choices "a|b|c"; -1: none of them. */
static int choice(const char *val, const char *choices)
{
    size_t n = strlen(val);
    int k = 0;
    for (const char *c = choices;; k++) {
        size_t len = strcspn(c, "|");
        if (len == n && strncmp(c, val, n) == 0)
            return k;
        if (!c[len])
            return -1;
        c += len + 1;
    }
}

static bool set_export_format(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    int k = choice(val, "csv|json");
    o->export_fmt = k == 1 ? GV_EXPORT_JSON : GV_EXPORT_CSV;
    o->export_fmt_set = true;
    return k >= 0;
}

static bool set_format(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    int k = choice(val, "auto|csv|dcgm");
    o->format = k == 2 ? GV_FORMAT_DCGM : k == 1 ? GV_FORMAT_CSV : GV_FORMAT_AUTO;
    return k >= 0;
}

static bool set_plotly(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    int k = choice(val, "embed|cdn");
    o->plotly_cdn = k == 1;
    return k >= 0;
}

static bool set_layout(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    int k = choice(val, "default|timeline");
    o->timeline_row = k == 1;
    return k >= 0;
}

static bool set_align(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    o->align_auto = true;
    return choice(val, "auto") == 0;
}

static bool set_columns(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    o->columns = val;
    return strstr(val, "timestamp") != NULL;
}

/* --start, --log-start: a wall-clock time */
static bool set_time(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)err;
    int frac;
    gv_time_us *t = strcmp(opt->name, "--start") == 0 ? &o->dcgm_start : &o->log_start;
    return gv_time_parse(val, strlen(val), t, &frac) == strlen(val);
}

/* --time-offset SECONDS (the log's) or NODE=SECONDS (a GPU file's node) */
static bool set_time_offset(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    const char *eq = strchr(val, '=');
    double secs;
    if (!parse_double(eq ? eq + 1 : val, &secs) || fabs(secs) > 1e9 || eq == val)
        return false;
    if (!eq) {
        o->time_offset_s = secs;
        return true;
    }
    if (o->file_offsets_len == GV_MAX_GPU_FILES) {
        gv_error_set(err, NULL, 0, "at most %d %s NODE=SECONDS", GV_MAX_GPU_FILES, opt->name);
        return false;
    }
    size_t k = o->file_offsets_len++;
    o->file_offsets[k].node = val;
    o->file_offsets[k].node_len = (size_t)(eq - val);
    o->file_offsets[k].seconds = secs;
    return true;
}

static bool set_only(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    o->only_types = val; /* names are checked against the rules once they are loaded */
    return strspn(val, ",") < strlen(val);
}

static bool set_rules(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    /* a built-in rule set's name, unless a file has that name */
    long b = access(val, F_OK) != 0 ? gv_log_rules_builtin_find(val) : -1;
    o->rules_path = b >= 0 ? NULL : val;
    o->rules_builtin = b;
    return true;
}

static bool set_print_rules(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    o->action = GV_CLI_PRINT_RULES;
    o->rules_builtin = val ? gv_log_rules_builtin_find(val) : 0;
    return o->rules_builtin >= 0;
}

static bool set_check(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    if (o->checks_len == GV_MAX_CHECKS) {
        gv_error_set(err, NULL, 0, "at most %d %s expressions", GV_MAX_CHECKS, opt->name);
        return false;
    }
    o->checks[o->checks_len++] = val;
    return true;
}

/* One end of --time-range: a wall-clock time, or hours since the first sample. */
static bool parse_range_end(const char *s, size_t n, gv_time_us *abs, double *hours)
{
    *abs = GV_TIME_NONE;
    *hours = NAN;
    if (n == 0)
        return true;
    int frac;
    gv_time_us t;
    if (gv_time_parse(s, n, &t, &frac) == n) {
        *abs = t;
        return true;
    }
    char tmp[64];
    if (n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    double h;
    if (!parse_double(tmp, &h) || h < 0)
        return false;
    *hours = h;
    return true;
}

static bool set_time_range(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    const char *comma = strchr(val, ',');
    o->range_set = true;
    return comma && parse_range_end(val, (size_t)(comma - val), &o->range_abs[0], &o->range_hours[0]) &&
           parse_range_end(comma + 1, strlen(comma + 1), &o->range_abs[1], &o->range_hours[1]);
}

static bool set_step_range(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    (void)opt, (void)err;
    char *end1, *end2;
    long from = strtol(val, &end1, 10), to = -1;
    end2 = end1;
    if (*end1 == ',')
        to = strtol(end1 + 1, &end2, 10);
    if (*end1 != ',' || end1 == val || *end2 != '\0' || end2 == end1 + 1 || from < 0 || to < from)
        return false;
    o->step_range_set = true;
    o->step_range[0] = from;
    o->step_range[1] = to;
    return true;
}

static const option options[] = {
    {"Inputs and outputs", "--training-log", NULL, "FILE", OPT_TEXT, AT(log_path), .lib = "log_path", .help =
     "training log to take events from (nanochat, or see --rules)"},
    {NULL, "--output", "-o", "FILE", OPT_TEXT, AT(output), .help =
     "report page (default gpuviz_report.html); '-' = stdout"},
    {NULL, "--export-events", NULL, "FILE", OPT_TEXT, AT(export_path), .help =
     "events as CSV, or JSON when FILE ends in .json; '-' = stdout"},
    {NULL, "--export-format", NULL, "csv|json", OPT_CALL, .set = set_export_format, .takes = "csv or json",
     .help = "format of --export-events regardless of its name"},
    {NULL, "--format", NULL, "auto|csv|dcgm", OPT_CALL, .set = set_format, .takes = "auto, csv or dcgm",
     .help = "the GPU file's format (default: recognised from its content)",
     .more = "Monitor or nvidia-smi CSV, dcgmi dmon text."},
    {NULL, "--columns", NULL, "A,B,...", OPT_CALL, .set = set_columns, .takes = "column names, one of them timestamp",
     .lib = "columns", .help = "names of the columns of a CSV without a header line (nvidia-smi --format=csv,noheader)"},
    {NULL, "--map", NULL, "ROLE=COL,...", OPT_TEXT, AT(map), .lib = "map", .help =
     "columns gpuviz does not know by name: roles time, gpu, power, temp (e.g. --map 'time=When,gpu=Card,power=Pwr (W)')",
     .more = "The roles power_instant and power_avg name a power column's kind; gpu means one row per GPU."},
    {NULL, "--gpus", NULL, "N", OPT_WHOLE, AT(gpus), 1, 1023, .takes = "a number of GPUs from 1 to 1023", .help =
     "one row per GPU without an index column: N GPUs answer each query (default: counted from the rows' times)",
     .more = "A query's rows come a few milliseconds apart; the next query's, a sampling interval later."},
    {NULL, "--start", NULL, "TIME", OPT_CALL, .set = set_time, .takes = "a time like '2025-12-22 21:06:00'", .lib = "dcgm_start", .help =
     "for dmon output: when the first sample was taken; for a CSV of times of day: their date; of elapsed "
     "seconds: their zero",
     .more = "A time of day earlier than the one before it is on the next day."},
    {NULL, "--interval", NULL, "MS", OPT_NUMBER, AT(dcgm_interval_ms), 0, 86400000, true, .takes = "milliseconds > 0",
     .lib = "dcgm_interval_ms", .help = "for dcgmi dmon output: the sampling interval (its -d)"},
    {NULL, "--plotly", NULL, "embed|cdn", OPT_CALL, .set = set_plotly, .takes = "embed or cdn", .help =
     "embed Plotly.js (default, works offline) or load the same pinned version from a CDN (small page, needs network)",
     .more = "The CDN's copy is checked against an integrity hash."},
    {"Time and idle detection", "--time-offset", NULL, "[NODE=]SECONDS", OPT_CALL, .set = set_time_offset,
     .takes = "SECONDS (the log) or NODE=SECONDS (a GPU file's node)", .lib = "log_offset_s", .help =
     "add SECONDS to every log time (clocks that differ); NODE=SECONDS: to the sample times of that node's file(s)"},
    {NULL, "--align-log", NULL, "auto", OPT_CALL, .set = set_align,
     .takes = "'auto' (the log's training start at the GPUs' first sustained rise of power)", .lib = "align_auto", .help =
     "a log without times of day: its training start at the GPUs' first sustained rise of power (the GPU file is "
     "read twice)",
     .more = "That is the start of the first period of activity (any GPU at or above the power threshold for 30 s) "
             "that lasts 80% as long as the training."},
    {NULL, "--log-start", NULL, "TIME", OPT_CALL, .set = set_time, .takes = "a time like '2025-12-22 21:06:00'",
     .lib = "log_start", .help = "when the log began: places a log without times (or its lines before the first time) by the "
             "durations it prints",
     .more = "Those are step dt and task times; in a log with elapsed times (a progress bar's), the time their "
             "zero stands for."},
    {NULL, "--node-names", NULL, "A,B,...", OPT_TEXT, AT(node_names), .help =
     "several GPU files: their nodes, in order (default: file names); files with the same name are one node "
     "(a restarted sampler)"},
    {NULL, "--power-threshold", NULL, "W", OPT_NUMBER, AT(power_threshold_w), 0, HUGE_VAL, .takes = "watts >= 0",
     .lib = "power_threshold_w", .help = "a sample is active when any GPU draws >= W (default 200)"},
    {NULL, "--buffer-minutes", NULL, "M", OPT_NUMBER, AT(buffer_min), 0, 1e7, .takes = "minutes >= 0", .help =
     "plot M minutes past the last active sample (default 10)"},
    {NULL, "--no-idle-cutoff", NULL, NULL, OPT_FALSE, AT(idle_cutoff), .help = "plot every sample"},
    {"Events", "--no-validation", NULL, NULL, OPT_TRUE, AT(no_builtin[0]), .lib = "no_validation", .help = "leave validation passes out"},
    {NULL, "--no-evaluation", NULL, NULL, OPT_TRUE, AT(no_builtin[1]), .lib = "no_evaluation", .help = "leave evaluation sessions out"},
    {NULL, "--no-checkpoint", NULL, NULL, OPT_TRUE, AT(no_builtin[2]), .lib = "no_checkpoint", .help = "leave checkpoint saves out"},
    {NULL, "--only", NULL, "TYPE[,TYPE]", OPT_CALL, .set = set_only, .takes = "at least one event type", .lib = "only_types", .help =
     "keep only these types (validation, evaluation, checkpoint, or those of --rules)"},
    {NULL, "--rules", NULL, "FILE.json|NAME", OPT_CALL, .set = set_rules, .lib = "rules_path", .help =
     "log rules: event types, patterns, labels (docs/rules.md), or a built-in set: nanochat, modded-nanogpt, "
     "llm.c, hf-trainer, mlperf (default: the one that reads the log's first 256 KB best)",
     .more = "Patterns are PCRE2; a rule may also set colours, grouping and timestamp patterns. A bad file is a "
             "usage error naming the rule and the offset in its pattern."},
    {NULL, "--print-rules", NULL, "[=NAME]", OPT_CALL, .set = set_print_rules,
     .takes = "a built-in rule set (nanochat, modded-nanogpt, llm.c, hf-trainer, mlperf)", .lib = "print_rules", .help =
     "print built-in rules (nanochat's: a starting point), list the others, and exit"},
    {"Analysis and checks", "--summary-json", NULL, "FILE", OPT_TEXT, AT(summary_path), .help =
     "machine-readable summary (docs/summary.md); '-' = stdout"},
    {NULL, "--title", NULL, "TEXT", OPT_TEXT, AT(title), .help =
     "the run's name: the page's title, the Markdown summary's, the JUnit suite's (default: the GPU file's name)"},
    {NULL, "--junit", NULL, "FILE", OPT_TEXT, AT(junit_path), .help =
     "the --check results as JUnit XML, each check a test case"},
    {NULL, "--summary-md", NULL, "FILE", OPT_TEXT, AT(summary_md_path), .help =
     "a Markdown summary (time, energy, phases, checks, anomalies) for a CI job to post on a pull request"},
    {NULL, "--check", NULL, "EXPR", OPT_CALL, .set = set_check, .lib = "check", .help =
     "e.g. 'max(temp_c) < 85', 'phase.evaluation.energy_share < 0.15', 'anomalies.count == 0', "
     "'validation.last.bpb <= 0.80' (repeatable; any failure makes the exit status 1; docs/checks.md)"},
    {NULL, "--temp-limit", NULL, "C", OPT_NUMBER, AT(temp_limit_c), -HUGE_VAL, HUGE_VAL, .takes = "degrees C (a number)", .help =
     "over-temperature anomaly above C degrees (default 85)"},
    {NULL, "--slow-factor", NULL, "F", OPT_NUMBER, AT(slow_factor), 1, HUGE_VAL, true, .takes = "a number > 1", .help =
     "slow evaluation: F times the median duration (default 2)"},
    {NULL, "--imbalance-ratio", NULL, "R", OPT_NUMBER, AT(imbalance_ratio), 0, 1, true, true,
     .takes = "a number between 0 and 1", .help =
     "GPU imbalance: a GPU below R times the others' median power for 20 s of training (default 0.75)"},
    {NULL, "--time-range", NULL, "A,B", OPT_CALL, .set = set_time_range,
     .takes = "START,END (wall-clock times like '2025-12-22 21:10:00' or hours since the first sample)", .help =
     "analyse only A..B: wall-clock times or hours since the first sample; either end may be empty"},
    {NULL, "--step-range", NULL, "A,B", OPT_CALL, .set = set_step_range, .takes = "A,B with 0 <= A <= B", .lib = "step_range", .help =
     "analyse only the time of training steps A..B"},
    {"Display", "--max-points", NULL, "N", OPT_WHOLE, AT(max_points), 100, 10000000,
     .takes = "a whole number from 100 to 10000000", .help =
     "buckets per trace on screen, each a range and its middle (default 6000)",
     .more = "At full detail, the samples themselves; the page shows the finest level of detail that fits."},
    {NULL, "--layout", NULL, "default|timeline", OPT_CALL, .set = set_layout, .takes = "default or timeline",
     .help = "timeline adds a row with a lane per event type"},
    {NULL, "--max-size", NULL, "MB", OPT_NUMBER, AT(max_size_mb), 2, 4096, .takes = "megabytes from 2 to 4096",
     .help = "size budget of the page; the finest detail that fits is embedded for zooming (default 8; "
             "1 MB = 1,000,000 bytes)"},
    {"Other", "--threads", NULL, "N", OPT_WHOLE, AT(threads), 1, 256, .takes = "a whole number from 1 to 256",
     .lib = "threads", .help = "1: one thread; N >= 2 (default 2 on 2+ cores): N threads parse chunks of the CSV, the main one "
             "among them; same results",
     .more = "The main thread also analyses the rows in order; helper threads prepare a large log's memory and "
             "build the page and the summary."},
    {NULL, "--quiet", "-q", NULL, OPT_TRUE, AT(quiet), .help = "print errors only"},
    {NULL, "--help", "-h", NULL, OPT_ACTION, GV_CLI_HELP, .help = "this help"},
    {NULL, "--version", "-V", NULL, OPT_ACTION, GV_CLI_VERSION, .help =
     "version and embedded Plotly.js version"},
};
#define N_OPTIONS (sizeof options / sizeof *options)

static const option *find(const char *name)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(name, options[i].name) == 0 || (options[i].alias && strcmp(name, options[i].alias) == 0))
            return &options[i];
    return NULL;
}

/* Sets one option from its value (NULL: none given); false: err says why. */
static bool apply(gv_cli_opts *o, const option *opt, const char *val, gv_error *err)
{
    char *base = (char *)o;
    double v;
    bool ok = true;
    switch (opt->kind) {
    case OPT_TEXT:
        *(const char **)(base + opt->off) = val;
        break;
    case OPT_TRUE:
    case OPT_FALSE:
        *(bool *)(base + opt->off) = opt->kind == OPT_TRUE;
        break;
    case OPT_NUMBER:
    case OPT_WHOLE:
        ok = parse_double(val, &v) && (opt->lo_open ? v > opt->lo : v >= opt->lo) &&
             (opt->hi_open ? v < opt->hi : v <= opt->hi) && (opt->kind == OPT_NUMBER || v == floor(v));
        if (ok && opt->kind == OPT_NUMBER)
            *(double *)(base + opt->off) = v;
        else if (ok)
            *(long *)(base + opt->off) = (long)v;
        break;
    case OPT_CALL:
        err->msg[0] = '\0';
        ok = opt->set(o, opt, val, err);
        if (!ok && err->msg[0])
            return false;
        break;
    case OPT_ACTION:
        o->action = (gv_cli_action)opt->off;
        break;
    }
    bool optional = opt->arg && strncmp(opt->arg, "[=", 2) == 0; /* "--print-rules=NAME takes ..." */
    if (!ok)
        gv_error_set(err, NULL, 0, "%s%.*s takes %s, not '%s'", opt->name, optional ? (int)strlen(opt->arg) - 2 : 0,
                     optional ? opt->arg + 1 : "", opt->takes ? opt->takes : "a value", val);
    return ok;
}

gv_status gv_cli_parse(int argc, char **argv, gv_cli_opts *o, gv_error *err)
{
    *o = (gv_cli_opts){.action = GV_CLI_RUN, .output = "gpuviz_report.html",
                       .power_threshold_w = 200, .buffer_min = 10, .idle_cutoff = true,
                       .max_points = 6000, .max_size_mb = 8, .threads = 0,
                       .dcgm_start = GV_TIME_NONE, .log_start = GV_TIME_NONE, .rules_builtin = -1,
                       .temp_limit_c = 85, .slow_factor = 2, .imbalance_ratio = 0.75,
                       .range_abs = {GV_TIME_NONE, GV_TIME_NONE}, .range_hours = {NAN, NAN}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->csv_len == GV_MAX_GPU_FILES) {
                gv_error_set(err, NULL, 0, "at most %d GPU files in one run", GV_MAX_GPU_FILES);
                return GV_ERR_OPTION;
            }
            o->csv_paths[o->csv_len++] = a;
            if (!o->csv_path)
                o->csv_path = a;
            continue;
        }
        /* split --name=value */
        char name[64];
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        const option *opt = NULL;
        if (nlen < sizeof name) {
            memcpy(name, a, nlen);
            name[nlen] = '\0';
            opt = find(name);
        }
        if (!opt) {
            gv_error_set(err, NULL, 0, "unknown option '%.*s' (see --help)", (int)nlen, a);
            return GV_ERR_OPTION;
        }
        const char *val = eq ? eq + 1 : NULL;
        if (!opt->arg && val) {
            gv_error_set(err, NULL, 0, "option %s takes no value", opt->name);
            return GV_ERR_OPTION;
        }
        if (opt->arg && strncmp(opt->arg, "[=", 2) != 0 && !val) {
            if (i + 1 >= argc) {
                gv_error_set(err, NULL, 0, "option %s needs a value", name);
                return GV_ERR_OPTION;
            }
            val = argv[++i];
        }
        if (!apply(o, opt, val, err))
            return GV_ERR_OPTION;
        if (o->action != GV_CLI_RUN)
            return GV_OK;
    }
    if (!o->csv_path) {
        gv_error_set(err, NULL, 0, "no GPU metrics CSV given (usage: gpuviz FILE.csv "
                                   "[--training-log LOG]; see --help)");
        return GV_ERR_OPTION;
    }
    if (o->threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        o->threads = cores >= 2 ? 2 : 1;
    }
    if (!o->export_fmt_set && o->export_path)
        o->export_fmt = gv_export_format_for(o->export_path);
    int to_stdout = (strcmp(o->output, "-") == 0) + (o->export_path && strcmp(o->export_path, "-") == 0) +
                    (o->summary_path && strcmp(o->summary_path, "-") == 0) +
                    (o->junit_path && strcmp(o->junit_path, "-") == 0) +
                    (o->summary_md_path && strcmp(o->summary_md_path, "-") == 0);
    if (to_stdout > 1) {
        gv_error_set(err, NULL, 0, "only one of the outputs (page, export, summary, JUnit, Markdown) can go to stdout");
        return GV_ERR_OPTION;
    }
    if (o->range_set && o->step_range_set) {
        gv_error_set(err, NULL, 0, "--time-range and --step-range contradict each other; use one");
        return GV_ERR_OPTION;
    }
    if (o->step_range_set && !o->log_path) {
        gv_error_set(err, NULL, 0, "--step-range needs --training-log (steps come from the log)");
        return GV_ERR_OPTION;
    }
    if (o->range_abs[0] != GV_TIME_NONE && o->range_abs[1] != GV_TIME_NONE && o->range_abs[1] < o->range_abs[0]) {
        gv_error_set(err, NULL, 0, "--time-range: the end is before the start");
        return GV_ERR_OPTION;
    }
    if (!isnan(o->range_hours[0]) && !isnan(o->range_hours[1]) && o->range_hours[1] < o->range_hours[0]) {
        gv_error_set(err, NULL, 0, "--time-range: the end is before the start");
        return GV_ERR_OPTION;
    }
    return GV_OK;
}

/* Writes text from column col, wrapped at 80 columns, continuation lines indented to indent. */
static void wrap(FILE *f, const char *text, size_t col, size_t indent)
{
    const size_t width = 80;
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + word > width) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, word, f);
        col += word;
        p += word;
        p += strspn(p, " ");
    }
    fputc('\n', f);
}

void gv_cli_print_help(FILE *f)
{
    fputs("Usage: gpuviz GPU_METRICS.csv [MORE.csv...] [--training-log LOG] [options]\n"
          "\n"
          "Plots GPU power and temperature on a wall-clock axis with the training's events\n"
          "(validation, evaluation, checkpoints) laid over them, in one self-contained HTML page.\n"
          "The CSV is a monitor CSV (timestamp,gpuN_power_..._w,gpuN_temp_c) or nvidia-smi query CSV;\n"
          "either input may be gzip-compressed or '-' for standard input. Several GPU files (one\n"
          "per node) are merged on wall-clock time; their GPUs are named node:gpuN.\n",
          f);
    const size_t indent = 26;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const option *opt = &options[i];
        if (opt->section)
            fprintf(f, "\n%s:\n", opt->section);
        int n = fprintf(f, "  %s%s%s%s%s", opt->alias ? opt->alias : "", opt->alias ? ", " : "", opt->name,
                        opt->arg && strncmp(opt->arg, "[=", 2) != 0 ? " " : "", opt->arg ? opt->arg : "");
        size_t col = (size_t)n;
        if (col + 2 <= indent) {
            fprintf(f, "%*s", (int)(indent - col), "");
            col = indent;
        } else {
            fputc(' ', f); /* wrap adds the second space */
            col++;
        }
        wrap(f, opt->help, col, indent);
    }
    fputs("\n"
          "Exit status: 0 success; 1 a --check failed; 2 usage error or unusable input;\n"
          "3 an output could not be written.\n"
          "The console summary goes to stderr; stdout carries only data ('-' exports).\n"
          "See 'man gpuviz' and docs/usage.md.\n",
          f);
}

/* Text as roff: a backslash as "\\e", the hyphens of a word that starts with one (an option's
 * name) as "\\-", a line that would start with '.' or '\'' guarded. */
static void roff(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    bool in_option = false;
    for (const char *p = s; *p; p++) {
        if (*p == '-' && (p == s || strchr(" ('-=,", p[-1])))
            in_option = true;
        else if (*p != '-' && !isalnum((unsigned char)*p))
            in_option = false;
        if (*p == '\\')
            fputs("\\e", f);
        else if (*p == '-' && in_option)
            fputs("\\-", f);
        else
            fputc(*p, f);
    }
}

void gv_cli_print_man_options(FILE *f)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const option *opt = &options[i];
        fputs(".TP\n", f);
        if (opt->alias) {
            fputs("\\fB", f);
            roff(f, opt->alias);
            fputs("\\fR, ", f);
        }
        fputs("\\fB", f);
        roff(f, opt->name);
        fputs("\\fR", f);
        if (opt->arg) {
            fputs(strncmp(opt->arg, "[=", 2) == 0 ? "\\fI" : " \\fI", f);
            roff(f, opt->arg);
            fputs("\\fR", f);
        }
        fputc('\n', f);
        /* the help as a sentence: its first letter capitalised, a full stop */
        char sentence[512];
        assert(strlen(opt->help) + 2 <= sizeof sentence);
        snprintf(sentence, sizeof sentence, "%s.", opt->help);
        sentence[0] = (char)toupper((unsigned char)sentence[0]);
        roff(f, sentence);
        if (opt->more) {
            fputc(' ', f);
            roff(f, opt->more);
        }
        fputc('\n', f);
    }
}

void gv_cli_spell(const char *msg, char *out, size_t cap)
{
    assert(cap > 0);
    size_t o = 0;
    for (const char *p = msg; *p && o + 1 < cap;) {
        const option *opt = NULL;
        size_t len = 0;
        if (strncmp(p, "{opt:", 5) == 0) {
            len = strcspn(p + 5, "}");
            for (size_t i = 0; i < N_OPTIONS && p[5 + len] == '}'; i++)
                if (options[i].lib && strlen(options[i].lib) == len && strncmp(options[i].lib, p + 5, len) == 0)
                    opt = &options[i];
        }
        if (!opt) {
            out[o++] = *p++;
            continue;
        }
        o += (size_t)snprintf(out + o, cap - o, "%s", opt->name);
        o = o < cap ? o : cap - 1;
        p += 5 + len + 1;
    }
    out[o] = '\0';
}
