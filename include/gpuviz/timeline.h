/* timeline.h: the shared model. Readers fill it, analysis annotates it, emitters read it (const);
 * who writes which part is said once, above gv_timeline.
 * Owns: the series schema (columns of the GPU CSV), the GPUs, the events parsed from the log, the
 * training-step series, the per-series statistics and display buckets, and every string in them
 * (in the timeline's arena). Times are gv_time_us on the inputs' wall clock. */
#ifndef GPUVIZ_TIMELINE_H
#define GPUVIZ_TIMELINE_H

#include "gpuviz/arena.h"
#include "gpuviz/pyramid.h"
#include "gpuviz/status.h"
#include "gpuviz/timeparse.h"

#include <stdbool.h>
#include <stddef.h>

/* A log's own clock (elapsed times, or none at all) counts from here until it is anchored
 * (gv_log_clock_anchor): a day after 1970-01-01, clear of 0 and of real times. */
#define GV_LOG_ORIGIN ((gv_time_us)86400 * 1000000)

/* How a log on its own clock was put on the wall clock. */
typedef enum { GV_ANCHOR_NONE, GV_ANCHOR_LOG_START, GV_ANCHOR_ALIGN_AUTO } gv_anchor_kind;

/* ---- series (numeric CSV columns) ---- */
typedef enum {
    GV_SERIES_POWER_INSTANT, /* gpuN_power_instant_w */
    GV_SERIES_POWER_AVG,     /* gpuN_power_avg_w (NVML 1-second average) */
    GV_SERIES_POWER,         /* gpuN_power_w (monitor v1) */
    GV_SERIES_TEMP,          /* gpuN_temp_c */
    GV_SERIES_OTHER          /* any other numeric column, kept as a generic series */
} gv_series_kind;

typedef struct {
    double min, max, sum;
    size_t n;          /* valid (non-missing) samples */
    size_t missing;    /* N/A and empty cells */
    double energy_wh;  /* trapezoid over consecutive valid samples (power series only) */
} gv_series_stats;

typedef struct {
    const char *name;  /* column name as in the header */
    const char *unit;  /* "W", "°C" or "" */
    gv_series_kind kind;
    int gpu;           /* GPU index, -1 for generic series */
    gv_series_stats stats;
} gv_series;

typedef struct {
    int index;         /* N of gpuN_... in one file; with several files a number across them all */
    const char *node;  /* several files: the node (file stem or --node-names); NULL with one file */
    int local_index;   /* the N of gpuN_ in its own file */
    const char *device; /* a whole server's power (a node power column such as `n1_watts`): the
                           column's node name ("n1"); NULL for a GPU */
    int power_instant, power_avg, power, temp; /* series indices or -1 */
} gv_gpu;

/* "gpu3", or "node-b:gpu1" when the GPU belongs to a node, or a whole server's "n1"; into out
 * (>= 80 bytes). */
void gv_gpu_name(const gv_gpu *g, char *out, size_t n);
/* The same for people (console, messages, page): "GPU3", "node-b:gpu1", or "node n1". */
void gv_gpu_label(const gv_gpu *g, char *out, size_t n);

/* The series used for energy and event correlation: instant power when present, else the v1
 * power column, else the 1-second average. -1 if the GPU has no power column. */
int gv_gpu_energy_series(const gv_gpu *g);

/* ---- phases (also what an event type's windows count as) ---- */
typedef enum {
    GV_PHASE_TRAINING, GV_PHASE_VALIDATION, GV_PHASE_EVALUATION, GV_PHASE_CHECKPOINT,
    GV_PHASE_IDLE, GV_PHASE_OTHER, GV_PHASE_COUNT
} gv_phase;

const char *gv_phase_name(gv_phase p); /* "training", ..., "other" */

/* ---- events ---- */
/* An event type is an index into gv_timeline.types. The first three always exist and keep their
 * meaning for the analysis (bpb regression reads validation metrics, slow evaluation reads
 * evaluation sessions, incomplete checkpoint reads checkpoint files); rules files may add more. */
typedef int gv_event_type;
enum { GV_EV_VALIDATION, GV_EV_EVALUATION, GV_EV_CHECKPOINT, GV_EV_BUILTIN_COUNT };

typedef struct {
    const char *name;  /* [a-z0-9_], unique */
    const char *color; /* CSS colour "#rrggbb" */
    const char *dash;  /* Plotly dash: solid, dot, dash, longdash, dashdot, longdashdot */
    gv_phase phase;    /* what its windows count as in the phase plan; GV_PHASE_OTHER = nothing */
} gv_event_type_info;

typedef struct {
    const char *name;
    double value;
} gv_metric;

typedef struct {
    const char *name;   /* e.g. hellaswag_zeroshot */
    int shots;          /* -1 if unknown */
    const char *type;   /* e.g. multiple_choice */
    double accuracy, centered, time_s; /* NAN when the line had no result */
    gv_time_us t_end;   /* time of the line that printed the result */
    long line;
} gv_eval_task;

/* GPU state correlated to one event, one per GPU (same order as timeline.gpus). */
typedef struct {
    double power_w, temp_c;      /* at the nearest sample (NAN if none) */
    double mean_power_w, max_power_w, energy_wh; /* over the window (NAN if no window) */
    size_t window_samples;
} gv_event_gpu;

typedef struct {
    gv_event_type type;
    gv_time_us t;        /* where the event is marked: validation its bpb line, evaluation the
                            session start, checkpoint its model-parameters line */
    gv_time_us start, end; /* the event's window; start == end for a point event */
    long line;           /* log line of the canonical line (validation: bpb; evaluation: CORE;
                            checkpoint: model file) */
    long first_line;     /* first log line belonging to the event */
    long step;           /* -1 if none */
    const char *label;   /* short label for the page: "Val: 0.793", "Eval S31000", "CP 033600" */
    gv_metric *metrics;  /* arena */
    size_t metrics_len;
    /* checkpoint */
    const char *ckpt_kind;  /* base / mid / chatsft ... (from <kind>_checkpoints) */
    const char *model_tag;  /* e.g. d24 */
    const char *model_id;   /* e.g. model_033600 */
    const char *dir;        /* checkpoint directory */
    int files_len, optim_len;
    int ranks;              /* the run's world size when it was saved (its log said; 0: unknown) */
    unsigned long long optim_rank_bits; /* optimizer shards named `_rank<R>` (R < 64) */
    bool has_model, has_meta;
    bool file_kinds;        /* its lines said which file each saved (a `what` group) */
    /* evaluation */
    gv_eval_task *tasks;    /* arena */
    size_t tasks_len;
    bool complete;          /* evaluation closed by its CORE line */
    bool closed_with_step;  /* its closing line gave a step (`Step 2000 | CORE metric`): one run
                               during training, not a standalone evaluation after it */
    /* correlation */
    gv_event_gpu *gpu;      /* arena, gpus_len entries, NULL before correlation */
    bool printed;           /* its time came from a line prefix (or the last time seen), not from
                               a logging time: it may lag when stdout was buffered */
    bool start_previous;    /* its window starts at the previous line (rules' "previous_line") */
    double printed_dur_s;   /* the duration its own line printed (a `duration` group); NAN if none */
    unsigned char time_basis;   /* gv_time_basis: how its time was found (log_clock.h) */
    double time_uncertainty_s;  /* how far its true time may be from t: 0 for a line's own time,
                                   NAN when unbounded (placed past the log's last or first time) */
    double nearest_sample_dt_s; /* distance to the nearest sample (NAN if none) */
} gv_event;

/* How a log-derived time was found (gv_log_clock_place, gv_retime_bursts). */
typedef enum {
    GV_TB_STAMPED,      /* the line's own time (prefix or logging time) */
    GV_TB_BURST,        /* a buffered burst of identical prefix times, placed back by the steps' dt */
    GV_TB_BRACKETED,    /* a line without a time, placed between the stamped lines around it */
    GV_TB_AFTER_LAST,   /* after the log's last stamped line: placed forward by printed durations */
    GV_TB_BEFORE_FIRST, /* before the log's first stamped line: placed back by printed durations */
    GV_TB_LOG_START,    /* placed forward from --log-start (the lines before the first stamp) */
    GV_TB_COUNT
} gv_time_basis;

const char *gv_time_basis_name(gv_time_basis b); /* "stamped", "burst", ... */

/* A run of log lines without a time of their own that holds events or steps: the stamped lines
 * around it, exclusive (line_lo 0 / t_lo GV_TIME_NONE before the first stamp; line_hi LONG_MAX / t_hi
 * GV_TIME_NONE after the last). Written by the log parser, in line order. */
typedef struct {
    long line_lo, line_hi;
    gv_time_us t_lo, t_hi;
    bool lo_inclusive, hi_inclusive; /* the stamp and an item without a time share a physical
                                        line (parts split by '\r'): that line is in the span too */
} gv_log_span;

/* ---- training steps ---- */
/* 64 bytes: a week-long log has millions of step lines. What the page and the summary use is
 * kept; a step line's other fields (total time, eta, num_tokens, /total) are recognised, so that
 * they make a line a step line, but not kept. */
typedef struct {
    gv_time_us t;
    double loss, dt_ms, tok_per_sec, mfu; /* NAN where the line lacks the field */
    int32_t step;        /* -1 if none; numbers past INT32_MAX are taken as INT32_MAX */
    int32_t line;        /* the same */
    int32_t phase;       /* 0-based training phase; increments when step numbers restart */
    float grad_norm, lrm; /* NAN where the line lacks the field (the page shows them) */
    bool own_time;       /* its line had a time of its own (else gv_log_clock_place gives it one) */
} gv_step;
_Static_assert(sizeof(gv_step) == 64, "gv_step stays 64 bytes");

/* The double field of st at offset (offsetof(gv_step, loss), ...): code that treats the step
 * metrics alike. */
static inline double gv_step_value(const gv_step *st, size_t offset)
{
    return *(const double *)((const char *)st + offset);
}

/* ---- analysis results ---- */
/* One training phase of the log (base, mid, SFT...): step numbers restart at each. */
typedef struct {
    const char *label;      /* "base", "mid", "chatsft" (from the checkpoint saved in or right
                               after it) or "phase N" */
    gv_time_us start, end;  /* first step line's start (time minus dt) .. last step line */
    long first_step, last_step;
    long total_steps;       /* what its step lines said it would run (`/1200`), -1 unknown */
    size_t steps;           /* step lines inside the analysed range */
    double tokens;          /* sum over its step lines of tok/sec x dt (NAN if unknown) */
    double seconds;         /* training wall time inside the monitored window */
    double energy_wh;       /* training energy, all GPUs */
} gv_train_phase;

/* Whether a training phase ran to the end its step lines announced: 1 yes, 0 no (stopped early),
 * -1 unknown (no total). nanochat numbers steps from 0; its last training step line is total - 1
 * (base_train) or total - 2 (chat_sft, whose last step evaluates and stops): within 2 of the
 * total is complete. */
int gv_train_phase_complete(const gv_train_phase *t);

typedef enum {
    GV_AN_BPB_REGRESSION, GV_AN_SLOW_EVALUATION, GV_AN_THROUGHPUT_DROP, GV_AN_GPU_IMBALANCE,
    GV_AN_POWER_DROP, GV_AN_OVER_TEMPERATURE, GV_AN_SAMPLE_GAP, GV_AN_TIME_BACKWARDS,
    GV_AN_INCOMPLETE_CHECKPOINT, GV_AN_KIND_COUNT
} gv_anomaly_kind;

const char *gv_anomaly_kind_name(gv_anomaly_kind k); /* "bpb_regression", ... */

/* How much an anomaly matters (docs/usage.md says why each kind gets its own):
 * critical: work or hardware at risk (a checkpoint missing files, a GPU over its temperature
 * limit, every GPU's power gone during training); warning: the run was slower or worse than it
 * should be; info: worth knowing, nothing lost (log times going back, a short sample gap). */
typedef enum { GV_SEV_INFO, GV_SEV_WARNING, GV_SEV_CRITICAL, GV_SEV_COUNT } gv_severity;
const char *gv_severity_name(gv_severity s); /* "info", "warning", "critical" */
/* The severity of an anomaly of kind k whose figure is value (gv_anomaly.value). */
gv_severity gv_anomaly_severity(gv_anomaly_kind k, double value);
#define GV_GAP_WARNING_S 60.0 /* a sample gap this long or longer is a warning, shorter ones info */

typedef struct {
    gv_anomaly_kind kind;
    gv_time_us t;
    gv_time_us duration; /* 0 for instants */
    int gpu;             /* GPU index, -1 when it applies to no single GPU */
    double value;        /* the kind's figure (e.g. max temperature, gap seconds) */
    gv_severity severity;
    const char *message; /* one line, arena */
} gv_anomaly;

#define GV_ANOMALIES_PER_KIND_MAX 200 /* more are counted, not stored */

/* The model, by producer. Each part below is written by the stage named with it and read as
 * const by every later one (the outputs get a const gv_timeline *); nothing else writes it:
 *   schema     series, gpus                  the GPU file's reader (ingest/csv_reader, dcgm_reader)
 *   log facts  types, events, steps, log     the rules and the log parser (ingest/log_rules,
 *                                            log_parser); a log's events and steps are then placed
 *                                            on the wall clock by analyze/log_clock (clock) and
 *                                            analyze/retime (retime), and the pass keeps the events
 *                                            inside the samples and adds their energy
 *   ingest     rows, restarts, time zone     the GPU file's readers
 *   pass       pyramid, range, idle, phases  the one pass over the samples (analyze/correlate)
 *   analysis   anomalies                     analyze/sample_watch (in the pass) and anomalies
 * Options (ranges, thresholds) are the stages' own arguments, not the model's. */
typedef struct {
    gv_arena arena;

    /* schema: the GPU file's reader */
    gv_series *series;
    size_t series_len, series_cap;
    gv_gpu *gpus;
    size_t gpus_len, gpus_cap;

    /* log facts: the rules (types) and the log parser; placed by log_clock and retime */
    gv_event_type_info *types;   /* event types (strings in the arena); the built-in three first */
    size_t types_len, types_cap;
    gv_event *events;
    size_t events_len, events_cap;
    gv_step *steps;
    size_t steps_len, steps_cap;
    bool steps_large;          /* steps came from gv_xalloc_large or gv_reserve_large (free with gv_free_large) */
    struct gv_log_facts {
        size_t step_phases;  /* number of training phases seen (0 if no step lines) */
        long *step_totals;   /* per training phase: the steps its lines said it would run (`step
                                766/1200`: 1200), -1 unknown; NULL when no line said */
        gv_time_us first, last;  /* time range of the log's timestamps */
        /* timestamps going backwards (the first GV_ANOMALIES_PER_KIND_MAX are kept, all counted) */
        struct gv_log_backwards { long line; gv_time_us t; double back_s; } *backwards;
        size_t backwards_len, backwards_cap, backwards_count;
        /* runs of lines without a time (their placing: log_clock) */
        gv_log_span *spans;
        size_t spans_len, spans_cap;
        size_t lines, stamped_lines;  /* lines read, lines with a time of their own */
        bool relative;                /* its times are `elapsed` ones: GV_LOG_ORIGIN + the time since
                                         its start, until gv_log_clock_anchor moves them */
        size_t duplicate_lines;       /* lines skipped as an immediate repeat */
    } log;

    /* ingest: the GPU file's readers */
    struct gv_ingest_counts {
        size_t rows_read, rows_skipped, restarts, time_backwards;
        size_t gpus_inferred;        /* one row per GPU without an id column: GPUs counted from the
                                        rows' times (0: not counted) */
        bool tz_known;               /* the samples' times said their zone (Z, +08:00, epoch) */
        int tz_offset_s;             /* ... UTC + this (east positive); times stay as written */
    } ingest;

    /* clock: how the log's lines without a time were placed (analyze/log_clock) */
    struct gv_log_placing {
        gv_time_us start;            /* when the log began (given), moved with the anchor;
                                        GV_TIME_NONE if not given */
        gv_anchor_kind anchor_by;    /* how a log on its own clock was put on the wall clock */
        gv_time_us anchor;           /* the wall-clock time of its zero (GV_TIME_NONE: none) */
        double anchor_uncertainty_s;
        size_t placed_steps, placed_events, compressed_spans;
        double max_uncertainty_s;    /* largest finite uncertainty of a placed event */
    } clock;

    /* retime: buffered-log repair (analyze/retime) */
    struct gv_retime_counts {
        size_t bursts, steps, events;
        double max_shift_s;
    } retime;

    /* pass: the one pass over the samples (analyze/correlate) */
    struct gv_pass_results {
        gv_pyramid *pyramid;         /* display data of every series (owned; NULL before the pass) */
        gv_time_us t_first, t_last;  /* min and max sample time (GV_TIME_NONE if no samples) */
        gv_time_us range_start, range_end; /* the analysed time range (GV_TIME_NONE = open) */
        size_t rows_outside_range;
        gv_time_us idle_cutoff;      /* GV_TIME_NONE when no cutoff applies */
        gv_time_us last_active;      /* last sample with any GPU at/above the threshold */
        size_t events_before, events_after; /* events dropped for lying outside [t_first, t_last] */
        double phase_seconds[GV_PHASE_COUNT];
        double idle_after_run_s;     /* of phase_seconds[IDLE]: after the last active sample (the
                                        run's tail); the rest is idle during the run */
        double *phase_energy_wh;     /* GV_PHASE_COUNT x gpus_len, phase-major */
        gv_train_phase *train_phases; /* log.step_phases entries */
    } pass;

    /* analysis: anomalies (analyze/sample_watch during the pass, analyze/anomalies after it) */
    struct gv_analysis_results {
        gv_anomaly *anomalies;
        size_t anomalies_len, anomalies_cap;
        size_t anomaly_counts[GV_AN_KIND_COUNT]; /* including those not stored */
        size_t anomaly_severity_counts[GV_SEV_COUNT]; /* the same, by severity */
    } analysis;
} gv_timeline;

void gv_timeline_init(gv_timeline *tl);
void gv_timeline_cleanup(gv_timeline *tl);

/* Adds a series (name copied); creates/updates the GPU record when gpu >= 0. Returns its index. */
size_t gv_timeline_add_series(gv_timeline *tl, const char *name, gv_series_kind kind, int gpu);
/* Appends a zeroed event of the given type (gpu, metrics, tasks NULL) and returns it; the pointer
 * is valid until the next add. */
gv_event *gv_timeline_add_event(gv_timeline *tl, gv_event_type type);
void gv_event_add_metric(gv_timeline *tl, gv_event *ev, const char *name, double value);
gv_step *gv_timeline_add_step(gv_timeline *tl);
/* Room for n steps at once: address space committed only as steps are added, in huge pages
 * where possible (a log of known size: fewer page faults and no copies as the array grows). At
 * most GV_STEPS_RESERVE_MAX steps (about 1.8 GB of address space) are reserved; past that (or
 * without a reservation) a large array doubles into huge pages. */
void gv_timeline_reserve_steps(gv_timeline *tl, size_t n);
#define GV_STEPS_RESERVE_MAX ((size_t)1 << 24)

/* Puts ev's (last) line at time t, its window and tasks with it: a session starts its tasks'
 * times (scaled by f) before t and its tasks end one after the other; an event with a printed
 * duration starts that long (scaled by f) before t; an event whose window starts at the previous
 * line starts at prev (when not after t; GV_TIME_NONE: at t); any other is a point at t. */
void gv_event_place(gv_event *ev, gv_time_us t, double f, gv_time_us prev);

/* The index of the first step record on or after log line `line` (steps_len when none; the
 * records are in line order). */
size_t gv_timeline_step_from_line(const gv_timeline *tl, long line);

/* Sorts events by (t, line) for output. */
void gv_timeline_sort_events(gv_timeline *tl);
/* Removes events whose type t has keep[t] false (keep has types_len entries). */
void gv_timeline_filter_types(gv_timeline *tl, const bool *keep);
/* Shifts every log-derived time (events, steps) by offset. */
void gv_timeline_shift_log(gv_timeline *tl, gv_time_us offset);

/* Records an anomaly (message formatted, copied into the arena); past
 * GV_ANOMALIES_PER_KIND_MAX of a kind only the count grows. */
void gv_timeline_add_anomaly(gv_timeline *tl, gv_anomaly_kind kind, gv_time_us t,
                             gv_time_us duration, int gpu, double value, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Sorts anomalies by (t, kind, gpu). */
void gv_timeline_sort_anomalies(gv_timeline *tl);

/* Phase totals over all GPUs: wh[p] per phase and the sums of seconds and energy (any output
 * may be NULL). */
void gv_timeline_phase_totals(const gv_timeline *tl, double wh[GV_PHASE_COUNT], double *all_s,
                              double *all_wh);

/* Where a GPU reader (CSV, dcgmi) delivers samples. */
typedef struct {
    /* Called once, after the reader set up tl's series. Non-GV_OK stops the read. */
    gv_status (*begin)(void *ctx, gv_error *err);
    /* Called per valid row; values has tl->series_len entries, NAN where missing. fresh is NULL
     * when every value was read at t; when several files are merged it marks (non-zero) the
     * series read at t, the others holding their last value (or NAN before their first). */
    void (*row)(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh);
    void *ctx;
    /* Optional (NULL: row is called per row): n rows at once, fresh NULL, values n x series_len
     * row-major; must give the same results as n calls of row. Readers that hold blocks of rows
     * (the parallel paths) use it. */
    void (*rows)(void *ctx, size_t n, const gv_time_us *t, const double *values);
} gv_sample_sink;

/* Counts of events by type; counts has types_len entries. */
void gv_timeline_count_events(const gv_timeline *tl, size_t *counts);

/* The type named name, or -1. */
gv_event_type gv_timeline_find_type(const gv_timeline *tl, const char *name);
/* The type named name, added (name copied; colour, dash and phase from info, NULL = defaults) when
 * absent; an existing type takes info's fields when info is given. */
gv_event_type gv_timeline_event_type(gv_timeline *tl, const char *name, const gv_event_type_info *info);
/* The name of type t ("?" when out of range). */
const char *gv_event_type_name(const gv_timeline *tl, gv_event_type t);

#endif
