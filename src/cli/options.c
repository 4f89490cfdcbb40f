/* options.c: argument parsing and --help. Accepts "--opt value" and "--opt=value". */
#include "cli.h"

#include "build_info.h"
#include "gpuviz/log_rules.h"
#include "gpuviz/timeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void gv_cli_print_help(void)
{
    fputs(
"Usage: gpuviz GPU_METRICS.csv [MORE.csv...] [--training-log LOG] [options]\n"
"\n"
"Plots GPU power and temperature on a wall-clock axis with the training's events\n"
"(validation, evaluation, checkpoints) laid over them, in one self-contained HTML page.\n"
"The CSV is a monitor CSV (timestamp,gpuN_power_..._w,gpuN_temp_c) or nvidia-smi query CSV;\n"
"either input may be gzip-compressed or '-' for standard input. Several GPU files (one\n"
"per node) are merged on wall-clock time; their GPUs are named node:gpuN.\n"
"\n"
"Inputs and outputs:\n"
"  --training-log FILE     training log to take events from (nanochat, or see --rules)\n"
"  -o, --output FILE       report page (default gpuviz_report.html)\n"
"  --export-events FILE    events as CSV, or JSON when FILE ends in .json; '-' = stdout\n"
"  --export-format csv|json  format of --export-events regardless of its name\n"
"  --format auto|csv|dcgm  the GPU file's format (default: recognised from its content)\n"
"  --columns A,B,...       names of the columns of a CSV without a header line\n"
"                          (nvidia-smi --format=csv,noheader)\n"
"  --map ROLE=COL,...      columns gpuviz does not know by name: roles time, gpu, power,\n"
"                          temp (e.g. --map 'time=When,gpu=Card,power=Pwr (W)')\n"
"  --gpus N                one row per GPU without an index column: N GPUs answer each\n"
"                          query (default: counted from the rows' times)\n"
"  --start TIME            dmon output: when the first sample was taken; a CSV of times\n"
"                          of day: their date; of elapsed seconds: their zero\n"
"  --interval MS           dcgmi dmon output: the sampling interval (its -d)\n"
"  --plotly embed|cdn      embed Plotly.js (default, works offline) or load the same\n"
"                          pinned version from a CDN (small page, needs network)\n"
"Time and idle detection:\n"
"  --time-offset SECONDS   add SECONDS to every log time (clocks that differ)\n"
"  --align-log auto        a log without times of day: its training start at the GPUs'\n"
"                          first sustained rise of power (the GPU file is read twice)\n"
"  --log-start TIME        when the log began: places a log without times (or its lines\n"
"                          before the first time) by the durations it prints\n"
"  --time-offset NODE=S    add S seconds to the sample times of that node's file(s)\n"
"  --node-names A,B,...    several GPU files: their nodes, in order (default: file names);\n"
"                          files with the same name are one node (a restarted sampler)\n"
"  --power-threshold W     a sample is active when any GPU draws >= W (default 200)\n"
"  --buffer-minutes M      plot M minutes past the last active sample (default 10)\n"
"  --no-idle-cutoff        plot every sample\n"
"Events:\n"
"  --no-validation, --no-evaluation, --no-checkpoint   leave that type out\n"
"  --only TYPE[,TYPE]      keep only these types (validation, evaluation, checkpoint,\n"
"                          or those of --rules)\n"
"  --rules FILE.json|NAME  log rules: event types, patterns, labels (docs/rules.md), or a\n"
"                          built-in set: nanochat, modded-nanogpt, llm.c, hf-trainer, mlperf\n"
"                          (default: the one that reads the log's first 256 KB best)\n"
"  --print-rules[=NAME]    print built-in rules (nanochat's: a starting point) and exit\n",
          stdout);
    fputs( /* (two strings: C99 guarantees string literals up to 4095 bytes) */
"Analysis and checks:\n"
"  --summary-json FILE     machine-readable summary (docs/summary.md); '-' = stdout\n"
"  --title TEXT            the run's name: the page's title, the Markdown summary's, the\n"
"                          JUnit suite's (default: the GPU file's name)\n"
"  --junit FILE            the --check results as JUnit XML, each check a test case\n"
"  --summary-md FILE       a Markdown summary (time, energy, phases, checks, anomalies)\n"
"                          for a CI job to post on a pull request\n"
"  --check EXPR            e.g. 'max(temp_c) < 85', 'phase.evaluation.energy_share < 0.15',\n"
"                          'anomalies.count == 0', 'validation.last.bpb <= 0.80'\n"
"                          (repeatable; any failure makes the exit status 1; docs/checks.md)\n"
"  --temp-limit C          over-temperature anomaly above C degrees (default 85)\n"
"  --slow-factor F         slow evaluation: F times the median duration (default 2)\n"
"  --imbalance-ratio R     GPU imbalance: a GPU below R times the others' median power for\n"
"                          20 s of training (default 0.75)\n"
"  --time-range A,B        analyse only A..B: wall-clock times or hours since the first\n"
"                          sample; either end may be empty\n"
"  --step-range A,B        analyse only the time of training steps A..B\n"
"Display:\n"
"  --max-points N          buckets per trace on screen, each a range and its middle\n"
"                          (default 6000)\n"
"  --layout default|timeline  timeline adds a row with a lane per event type\n"
"  --max-size MB           size budget of the page; the finest detail that fits is embedded\n"
"                          for zooming (default 8; 1 MB = 1,000,000 bytes)\n"
"Other:\n"
"  --threads N             1: one thread; N >= 2 (default 2 on 2+ cores): N threads parse\n"
"                          chunks of the CSV, the main one among them; same results\n"
"  -q, --quiet             print errors only\n"
"  -h, --help              this help\n"
"  -V, --version           version and embedded Plotly.js version\n"
"\n"
"Exit status: 0 success; 1 a --check failed; 2 usage error or unusable input;\n"
"3 an output could not be written.\n"
"The console summary goes to stderr; stdout carries only data ('-' exports).\n"
"See 'man gpuviz' and docs/usage.md.\n",
          stdout);
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
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

gv_status gv_cli_parse(int argc, char **argv, gv_cli_opts *o, gv_error *err)
{
    *o = (gv_cli_opts){.action = GV_CLI_RUN, .output = "gpuviz_report.html",
                       .power_threshold_w = 200, .buffer_min = 10, .idle_cutoff = true,
                       .max_points = 6000, .max_size_mb = 8, .threads = 0,
                       .dcgm_start = GV_TIME_NONE, .log_start = GV_TIME_NONE, .rules_builtin = -1,
                       .temp_limit_c = 85, .slow_factor = 2, .imbalance_ratio = 0.75,
                       .range_abs = {GV_TIME_NONE, GV_TIME_NONE}, .range_hours = {NAN, NAN}};
    bool fmt_set = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->csv_len == sizeof o->csv_paths / sizeof *o->csv_paths) {
                gv_error_set(err, NULL, 0, "at most %d GPU files in one run", GV_MAX_GPU_FILES);
                return GV_ERR_USAGE;
            }
            o->csv_paths[o->csv_len++] = a;
            if (!o->csv_path)
                o->csv_path = a;
            continue;
        }
        /* split --name=value */
        char name[64];
        const char *val = NULL;
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        if (nlen >= sizeof name) {
            gv_error_set(err, NULL, 0, "unknown option '%s' (see --help)", a);
            return GV_ERR_USAGE;
        }
        memcpy(name, a, nlen);
        name[nlen] = '\0';
        if (eq)
            val = eq + 1;
#define FLAG(s) (strcmp(name, s) == 0)
#define NEEDS_VALUE()                                                                   \
    do {                                                                                \
        if (!val) {                                                                     \
            if (i + 1 >= argc) {                                                        \
                gv_error_set(err, NULL, 0, "option %s needs a value", name);            \
                return GV_ERR_USAGE;                                                    \
            }                                                                           \
            val = argv[++i];                                                            \
        }                                                                               \
    } while (0)
        if (FLAG("-h") || FLAG("--help")) {
            o->action = GV_CLI_HELP;
            return GV_OK;
        } else if (FLAG("-V") || FLAG("--version")) {
            o->action = GV_CLI_VERSION;
            return GV_OK;
        } else if (FLAG("--training-log")) {
            NEEDS_VALUE();
            o->log_path = val;
        } else if (FLAG("-o") || FLAG("--output")) {
            NEEDS_VALUE();
            o->output = val;
        } else if (FLAG("--export-events")) {
            NEEDS_VALUE();
            o->export_path = val;
        } else if (FLAG("--export-format")) {
            NEEDS_VALUE();
            if (strcmp(val, "csv") && strcmp(val, "json")) {
                gv_error_set(err, NULL, 0, "--export-format takes csv or json, not '%s'", val);
                return GV_ERR_USAGE;
            }
            o->export_fmt = strcmp(val, "json") == 0 ? GV_EXPORT_JSON : GV_EXPORT_CSV;
            fmt_set = true;
        } else if (FLAG("--plotly")) {
            NEEDS_VALUE();
            if (strcmp(val, "embed") && strcmp(val, "cdn")) {
                gv_error_set(err, NULL, 0, "--plotly takes embed or cdn, not '%s'", val);
                return GV_ERR_USAGE;
            }
            o->plotly_cdn = strcmp(val, "cdn") == 0;
        } else if (FLAG("--time-offset")) {
            NEEDS_VALUE();
            const char *eqs = strchr(val, '=');
            double secs;
            if (!parse_double(eqs ? eqs + 1 : val, &secs) || fabs(secs) > 1e9 || eqs == val) {
                gv_error_set(err, NULL, 0, "--time-offset takes SECONDS (the log) or NODE=SECONDS (a GPU "
                                           "file's node), not '%s'", val);
                return GV_ERR_USAGE;
            }
            if (!eqs) {
                o->time_offset_s = secs;
            } else if (o->file_offsets_len == sizeof o->file_offsets / sizeof *o->file_offsets) {
                gv_error_set(err, NULL, 0, "at most %d --time-offset NODE=SECONDS", GV_MAX_GPU_FILES);
                return GV_ERR_USAGE;
            } else {
                size_t k = o->file_offsets_len++;
                o->file_offsets[k].node = val;
                o->file_offsets[k].node_len = (size_t)(eqs - val);
                o->file_offsets[k].seconds = secs;
            }
        } else if (FLAG("--node-names")) {
            NEEDS_VALUE();
            o->node_names = val;
        } else if (FLAG("--power-threshold")) {
            NEEDS_VALUE();
            if (!parse_double(val, &o->power_threshold_w) || o->power_threshold_w < 0) {
                gv_error_set(err, NULL, 0, "--power-threshold takes watts >= 0, not '%s'", val);
                return GV_ERR_USAGE;
            }
        } else if (FLAG("--buffer-minutes")) {
            NEEDS_VALUE();
            if (!parse_double(val, &o->buffer_min) || o->buffer_min < 0 || o->buffer_min > 1e7) {
                gv_error_set(err, NULL, 0, "--buffer-minutes takes minutes >= 0, not '%s'", val);
                return GV_ERR_USAGE;
            }
        } else if (FLAG("--no-idle-cutoff")) {
            o->idle_cutoff = false;
        } else if (FLAG("--max-points")) {
            NEEDS_VALUE();
            double v;
            if (!parse_double(val, &v) || v != floor(v) || v < 100 || v > 10000000) {
                gv_error_set(err, NULL, 0,
                             "--max-points takes a whole number from 100 to 10000000, not '%s'", val);
                return GV_ERR_USAGE;
            }
            o->max_points = (size_t)v;
        } else if (FLAG("--format")) {
            NEEDS_VALUE();
            if (!strcmp(val, "auto"))
                o->format = GV_FORMAT_AUTO;
            else if (!strcmp(val, "csv"))
                o->format = GV_FORMAT_CSV;
            else if (!strcmp(val, "dcgm"))
                o->format = GV_FORMAT_DCGM;
            else {
                gv_error_set(err, NULL, 0, "--format takes auto, csv or dcgm, not '%s'", val);
                return GV_ERR_USAGE;
            }
        } else if (FLAG("--columns")) {
            NEEDS_VALUE();
            if (!strstr(val, "timestamp")) {
                gv_error_set(err, NULL, 0, "--columns must name a timestamp column, not '%s'", val);
                return GV_ERR_USAGE;
            }
            o->columns = val;
        } else if (FLAG("--start")) {
            NEEDS_VALUE();
            int frac;
            if (gv_time_parse(val, strlen(val), &o->dcgm_start, &frac) != strlen(val)) {
                gv_error_set(err, NULL, 0, "--start takes a time like '2025-12-22 21:06:00', not '%s'", val);
                return GV_ERR_USAGE;
            }
        } else if (FLAG("--log-start")) {
            NEEDS_VALUE();
            int frac;
            if (gv_time_parse(val, strlen(val), &o->log_start, &frac) != strlen(val)) {
                gv_error_set(err, NULL, 0, "--log-start takes a time like '2025-12-22 21:06:00', not '%s'", val);
                return GV_ERR_USAGE;
            }
        } else if (FLAG("--align-log")) {
            NEEDS_VALUE();
            if (strcmp(val, "auto") != 0) {
                gv_error_set(err, NULL, 0, "--align-log takes 'auto' (the log's training start at the "
                             "GPUs' first sustained rise of power), not '%s'", val);
                return GV_ERR_USAGE;
            }
            o->align_auto = true;
        } else if (FLAG("--map")) {
            NEEDS_VALUE();
            o->map = val;
        } else if (FLAG("--gpus")) {
            NEEDS_VALUE();
            double v;
            if (!parse_double(val, &v) || v < 1 || v > 1023 || v != floor(v)) {
                gv_error_set(err, NULL, 0, "--gpus takes a number of GPUs from 1 to 1023, not '%s'", val);
                return GV_ERR_USAGE;
            }
            o->gpus = (long)v;
        } else if (FLAG("--interval")) {
            NEEDS_VALUE();
            if (!parse_double(val, &o->dcgm_interval_ms) || o->dcgm_interval_ms <= 0 || o->dcgm_interval_ms > 86400000) {
                gv_error_set(err, NULL, 0, "--interval takes milliseconds > 0, not '%s'", val);
                return GV_ERR_USAGE;
            }
        } else if (FLAG("--threads")) {
            NEEDS_VALUE();
            double v;
            if (!parse_double(val, &v) || v != floor(v) || v < 1 || v > 256) {
                gv_error_set(err, NULL, 0, "--threads takes a whole number from 1 to 256, not '%s'", val);
                return GV_ERR_USAGE;
            }
            o->threads = (int)v;
        } else if (FLAG("--layout")) {
            NEEDS_VALUE();
            if (strcmp(val, "default") && strcmp(val, "timeline")) {
                gv_error_set(err, NULL, 0, "--layout takes default or timeline, not '%s'", val);
                return GV_ERR_USAGE;
            }
            o->timeline_row = strcmp(val, "timeline") == 0;
        } else if (FLAG("--max-size")) {
            NEEDS_VALUE();
            if (!parse_double(val, &o->max_size_mb) || o->max_size_mb < 2 || o->max_size_mb > 4096) {
                gv_error_set(err, NULL, 0, "--max-size takes megabytes from 2 to 4096, not '%s'", val);
                return GV_ERR_USAGE;
            }
        } else if (FLAG("--no-validation") || FLAG("--no-evaluation") || FLAG("--no-checkpoint")) {
            o->no_builtin[FLAG("--no-validation") ? 0 : FLAG("--no-evaluation") ? 1 : 2] = true;
        } else if (FLAG("--only")) {
            NEEDS_VALUE();
            if (strspn(val, ",") == strlen(val)) {
                gv_error_set(err, NULL, 0, "--only needs at least one event type");
                return GV_ERR_USAGE;
            }
            o->only_types = val; /* names are checked against the rules once they are loaded */
        } else if (FLAG("--rules")) {
            NEEDS_VALUE();
            /* a built-in rule set's name, unless a file has that name */
            long b = access(val, F_OK) != 0 ? gv_log_rules_builtin_find(val) : -1;
            o->rules_path = b >= 0 ? NULL : val;
            o->rules_builtin = b;
        } else if (FLAG("--print-rules")) {
            o->action = GV_CLI_PRINT_RULES;
            o->rules_builtin = val ? gv_log_rules_builtin_find(val) : 0;
            if (o->rules_builtin < 0) {
                gv_error_set(err, NULL, 0, "--print-rules=NAME takes a built-in rule set (nanochat, "
                             "modded-nanogpt, llm.c, hf-trainer, mlperf), not '%s'", val);
                return GV_ERR_USAGE;
            }
            return GV_OK;
        } else if (FLAG("--summary-json")) {
            NEEDS_VALUE();
            o->summary_path = val;
        } else if (FLAG("--title")) {
            NEEDS_VALUE();
            o->title = val;
        } else if (FLAG("--junit")) {
            NEEDS_VALUE();
            o->junit_path = val;
        } else if (FLAG("--summary-md")) {
            NEEDS_VALUE();
            o->summary_md_path = val;
        } else if (FLAG("--check")) {
            NEEDS_VALUE();
            if (o->checks_len == sizeof o->checks / sizeof *o->checks) {
                gv_error_set(err, NULL, 0, "at most %d --check expressions", GV_MAX_CHECKS);
                return GV_ERR_USAGE;
            }
            o->checks[o->checks_len++] = val;
        } else if (FLAG("--temp-limit")) {
            NEEDS_VALUE();
            if (!parse_double(val, &o->temp_limit_c)) {
                gv_error_set(err, NULL, 0, "--temp-limit takes degrees C (a number), not '%s'", val);
                return GV_ERR_USAGE;
            }
        } else if (FLAG("--imbalance-ratio")) {
            NEEDS_VALUE();
            if (!parse_double(val, &o->imbalance_ratio) || o->imbalance_ratio <= 0 || o->imbalance_ratio >= 1) {
                gv_error_set(err, NULL, 0, "--imbalance-ratio takes a number between 0 and 1, not '%s'", val);
                return GV_ERR_USAGE;
            }
        } else if (FLAG("--slow-factor")) {
            NEEDS_VALUE();
            if (!parse_double(val, &o->slow_factor) || o->slow_factor <= 1) {
                gv_error_set(err, NULL, 0, "--slow-factor takes a number > 1, not '%s'", val);
                return GV_ERR_USAGE;
            }
        } else if (FLAG("--time-range")) {
            NEEDS_VALUE();
            const char *comma = strchr(val, ',');
            if (!comma || !parse_range_end(val, (size_t)(comma - val), &o->range_abs[0], &o->range_hours[0]) ||
                !parse_range_end(comma + 1, strlen(comma + 1), &o->range_abs[1], &o->range_hours[1])) {
                gv_error_set(err, NULL, 0, "--time-range takes START,END (wall-clock times like "
                             "'2025-12-22 21:10:00' or hours since the first sample), not '%s'", val);
                return GV_ERR_USAGE;
            }
            o->range_set = true;
        } else if (FLAG("--step-range")) {
            NEEDS_VALUE();
            char *end1, *end2;
            long from = strtol(val, &end1, 10), to = -1;
            end2 = end1;
            if (*end1 == ',')
                to = strtol(end1 + 1, &end2, 10);
            if (*end1 != ',' || end1 == val || *end2 != '\0' || end2 == end1 + 1 || from < 0 || to < from) {
                gv_error_set(err, NULL, 0, "--step-range takes A,B with 0 <= A <= B, not '%s'", val);
                return GV_ERR_USAGE;
            }
            o->step_range_set = true;
            o->step_range[0] = from;
            o->step_range[1] = to;
        } else if (FLAG("-q") || FLAG("--quiet")) {
            o->quiet = true;
        } else {
            gv_error_set(err, NULL, 0, "unknown option '%s' (see --help)", name);
            return GV_ERR_USAGE;
        }
        if (eq && (FLAG("--no-idle-cutoff") || FLAG("-q") || FLAG("--quiet") ||
                   strncmp(name, "--no-", 5) == 0)) {
            gv_error_set(err, NULL, 0, "option %s takes no value", name);
            return GV_ERR_USAGE;
        }
#undef FLAG
#undef NEEDS_VALUE
    }
    if (!o->csv_path) {
        gv_error_set(err, NULL, 0, "no GPU metrics CSV given (usage: gpuviz FILE.csv "
                                   "[--training-log LOG]; see --help)");
        return GV_ERR_USAGE;
    }
    if (o->threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        o->threads = cores >= 2 ? 2 : 1;
    }
    if (!fmt_set && o->export_path)
        o->export_fmt = gv_export_format_for(o->export_path);
    int to_stdout = (strcmp(o->output, "-") == 0) + (o->export_path && strcmp(o->export_path, "-") == 0) +
                    (o->summary_path && strcmp(o->summary_path, "-") == 0) +
                    (o->junit_path && strcmp(o->junit_path, "-") == 0) +
                    (o->summary_md_path && strcmp(o->summary_md_path, "-") == 0);
    if (to_stdout > 1) {
        gv_error_set(err, NULL, 0, "only one of the outputs (page, export, summary, JUnit, Markdown) can go to stdout");
        return GV_ERR_USAGE;
    }
    if (o->range_set && o->step_range_set) {
        gv_error_set(err, NULL, 0, "--time-range and --step-range contradict each other; use one");
        return GV_ERR_USAGE;
    }
    if (o->step_range_set && !o->log_path) {
        gv_error_set(err, NULL, 0, "--step-range needs --training-log (steps come from the log)");
        return GV_ERR_USAGE;
    }
    if (o->range_abs[0] != GV_TIME_NONE && o->range_abs[1] != GV_TIME_NONE && o->range_abs[1] < o->range_abs[0]) {
        gv_error_set(err, NULL, 0, "--time-range: the end is before the start");
        return GV_ERR_USAGE;
    }
    if (!isnan(o->range_hours[0]) && !isnan(o->range_hours[1]) && o->range_hours[1] < o->range_hours[0]) {
        gv_error_set(err, NULL, 0, "--time-range: the end is before the start");
        return GV_ERR_USAGE;
    }
    return GV_OK;
}
