/* csv_reader.c: GPU metrics CSV -> timeline schema + sample rows, tokenized by libcsv.
 * The only file that includes <csv.h>. Depends on model and util; never on the log parser or
 * the emitters. Line numbers come from libcsv's CSV_REPALL_NL row reports (one per line end). */
#include "gpuviz/csv_reader.h"

#include "gpuviz/buf.h"
#include "gpuviz/numparse.h"
#include "columns.h"
#include "sample_grouper.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COL_SKIP = -1, COL_TIME = -2, COL_INDEX = -3, COL_METRIC = -4, COL_FIELD = -5 };
#define SMI_MAX_GPU GV_GROUPER_MAX_GPU /* GPU indices in nvidia-smi's long layout */
#define MAX_HEADER_FIELDS 4096
#define FIELD_SHOW 40 /* bytes of a bad field quoted in a message */
#define FIELD_MAX (1u << 20) /* libcsv buffers one field at a time: longer fields are an error */
#define GV_FIELDS_MAX 64     /* a long table's distinct metrics (those of its first rows) */

/* libcsv's buffer allocator, capped so that a field without end cannot take the memory. */
static void *capped_realloc(void *p, size_t n)
{
    return n > FIELD_MAX + 64 ? NULL : realloc(p, n);
}

/* What the fast path does with a column of a wide CSV's data row (anything unusual goes to the
 * general code, which gives the same result). */
typedef enum { OP_SLOW, OP_SKIP, OP_TIME, OP_NUM, OP_NUM_NONNEG } col_op_kind;
typedef struct {
    unsigned char op;   /* col_op_kind */
    int series;         /* OP_NUM*: the series index */
} col_op;

struct gv_csv_reader {
    /* the per-field fast path's state, first */
    bool row_fast;      /* this row takes the fast path: a wide CSV's data, nothing wrong so far */
    bool fast_mode;     /* rows can take it at all (header read, not nvidia-smi, no failure) */
    size_t field;       /* fields seen in the current row */
    col_op *ops;        /* per header column */
    size_t ops_len;
    size_t h0_len;      /* length of the header's first name: a first field as long may be a header */
    double *values;
    gv_time_cache tcache; /* the timestamps' repeating minute */
    gv_time_us row_t;
    double time_col_us;     /* a time column of numbers: microseconds per unit (0: by magnitude) */
    const char *map;        /* gv_csv_reader_set_map (borrowed) */
    gv_time_us start;       /* --start: times of day and elapsed seconds are placed from it */
    bool zone_known;        /* a row's time said its zone: zone_s (UTC + seconds) */
    int zone_s;

    struct csv_parser p;
    gv_timeline *tl;
    const char *file;
    gv_sample_sink sink;
    const gv_diag *diag;

    bool have_header;
    char **header;      /* header field names (for restart detection) */
    size_t header_len;
    int *col_map;       /* per column: series index, COL_TIME or COL_SKIP */
    bool *col_strict;   /* a bad number in this column spoils the row (GPU columns) */

    long line;          /* line being parsed, 1-based */
    bool line_had_row;  /* a row ended on the current line (so a bare terminator is not empty) */
    bool row_bad;
    bool row_is_header; /* all fields so far equal the header */
    bool extra_nonempty; /* a field past the header's count held something */
    bool given_columns;  /* the header came from gv_csv_reader_set_columns */
    char row_err[200];
    gv_time_us prev_t;  /* the previous valid row's time (for going-back warnings) */

    gv_status status;   /* sticky failure from a callback */
    gv_error *err;

    /* counts: the timeline's, or a chunk reader's own (gv_csv_reader_chunk) */
    size_t *n_read, *n_skipped, *n_restarts;
    size_t own[3];
    bool borrowed;      /* header, col_map and col_strict belong to the reader it was made from */

    /* nvidia-smi query layout (one row per GPU per query): rows are grouped into one sample per
     * query (a group ends where the GPU index stops increasing); the GPUs are those of the
     * first query */
    bool smi;
    size_t metrics_len;
    int *col_metric;        /* per column: metric index (COL_METRIC columns) */
    char **metric_name;     /* header text without its [unit] */
    char **metric_unit;
    double *mvals;          /* the current row's metrics */
    long row_index;         /* the current row's GPU index */
    /* no GPU id column: the GPUs answer each query in turn; their number is learnt from the
     * first INFER_ROWS rows (held here meanwhile), then a row's GPU is its place in its query */
    bool infer_ids;
    long gpus_n;            /* GPUs per query (0: not known yet) */
    long row_pos;           /* rows since the first query began */
    struct held_row { gv_time_us t; long line, id; int field; double *m; } *held;
    size_t held_len;
    bool holding;           /* the first INFER_ROWS rows are held: GPUs per query, time order,
                               a long table's fields are learnt from them */
    bool unsorted;          /* rows out of time order: the grouper reorders them */
    /* a long table (DCGM API: GPUId,TimeStampUs,Field,Values): each row one metric, named in
     * its field column, the value in its one metric column */
    int field_col;          /* -1: not a long table */
    char *field_names[GV_FIELDS_MAX];
    size_t fields_len;
    int row_field;          /* the current row's field (-1: one not among the first rows') */
    bool field_warned;
    gv_sample_grouper *grouper; /* created when the header is read */
};

/* Whether s[0..len) is well-formed UTF-8 (no overlongs or surrogates checked: names only). */
static bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
        if (n == 4 || i + n >= len + (n == 0))
            return n == 0;
        for (size_t k = 1; k <= n; k++)
            if ((u[i + k] & 0xC0) != 0x80)
                return false;
        i += n + 1;
    }
    return true;
}

/* A header name in Latin-1 (`Temp (\xB0C)` from a Windows tool) as UTF-8. Caller frees. */
static char *latin1_to_utf8(const char *s, size_t len)
{
    char *out = gv_xmalloc(2 * len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            out[o++] = (char)c;
        } else {
            out[o++] = (char)(0xC0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = '\0';
    return out;
}

static void add_header_field(gv_csv_reader *r, const char *s, size_t len)
{
    if (r->header_len >= MAX_HEADER_FIELDS) {
        r->status = GV_ERR_LIMIT;
        gv_error_set(r->err, r->file, r->line, "header has more than %d columns", MAX_HEADER_FIELDS);
        return;
    }
    if (r->header_len == 0 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 BOM */
        s += 3;
        len -= 3;
    }
    r->header = gv_xrealloc(r->header, (r->header_len + 1) * sizeof *r->header);
    r->header[r->header_len++] = utf8_valid(s, len) ? gv_xstrndup(s, len) : latin1_to_utf8(s, len);
}

static void setup_schema(gv_csv_reader *r);

/* One row per GPU (nvidia-smi's query layout, or any CSV with a GPU id column): a time column and
 * a GPU id column, or nvidia-smi's column names without the id (then the GPUs answer each query
 * in turn and are counted from the rows' times). */
static bool is_smi_header(const gv_csv_reader *r)
{
    bool id = false, ts = false;
    for (size_t i = 0; i < r->header_len; i++) {
        gv_column_role role = gv_column_role_of(r->header[i]);
        id |= role == GV_ROLE_GPU_ID;
        ts |= role == GV_ROLE_TIME;
    }
    return ts && (id || gv_columns_smi_like(r->header, r->header_len));
}

static void setup_smi(gv_csv_reader *r)
{
    r->smi = true;
    r->col_metric = gv_xmalloc(r->header_len * sizeof *r->col_metric);
    r->metric_name = gv_xcalloc(r->header_len, sizeof *r->metric_name);
    r->metric_unit = gv_xcalloc(r->header_len, sizeof *r->metric_unit);
    bool have_time = false, have_index = false;
    for (size_t i = 0; i < r->header_len; i++) {
        const char *h = r->header[i];
        r->col_metric[i] = -1;
        gv_column_role role = gv_column_role_of(h);
        if (role == GV_ROLE_TIME && !have_time) {
            r->col_map[i] = COL_TIME;
            have_time = true;
            r->time_col_us = gv_column_time_unit_us(h);
        } else if (role == GV_ROLE_GPU_ID && !have_index) {
            r->col_map[i] = COL_INDEX;
            have_index = true;
        } else if (role == GV_ROLE_FIELD && r->field_col < 0) {
            r->col_map[i] = COL_FIELD;
            r->field_col = (int)i;
        } else if (role != GV_ROLE_METRIC) { /* text, elapsed time, a second time or id */
            r->col_map[i] = COL_SKIP;
        } else {
            const char *br = strchr(h, '[');
            size_t n = br ? (size_t)(br - h) : strlen(h);
            while (n && h[n - 1] == ' ')
                n--;
            r->col_map[i] = COL_METRIC;
            r->col_metric[i] = (int)r->metrics_len;
            r->metric_name[r->metrics_len] = gv_xstrndup(h, n);
            const char *close = br ? strchr(br, ']') : NULL;
            r->metric_unit[r->metrics_len] = br && close ? gv_xstrndup(br + 1, (size_t)(close - br - 1)) : gv_xstrndup("", 0);
            r->metrics_len++;
        }
    }
    r->mvals = gv_xmalloc((r->metrics_len + 1) * sizeof *r->mvals);
    if (r->field_col >= 0 && r->metrics_len != 1) {
        r->status = GV_ERR_INPUT;
        gv_error_set(r->err, r->file, 1, "a long table of fields (column '%s' names each row's metric) "
                     "needs one value column, not %zu", r->header[r->field_col], r->metrics_len);
        return;
    }
    if (r->field_col < 0) /* (a long table's metrics are its first rows' fields: made at release) */
        r->grouper = gv_grouper_new(r->tl, r->file, r->sink, r->diag, r->metrics_len, r->metric_name,
                                    r->metric_unit, gv_column_kind, NULL, NULL); /* (a query: its first row's time) */
    r->infer_ids = !have_index && r->field_col < 0;
    r->holding = true;
}


/* A valid nvidia-smi row goes to the grouper, which makes one sample per query. */
/* Rows of one nvidia-smi query are written this close together (a few ms; the next query comes
 * an interval later). */
#define SAME_QUERY_US 10000
#define INFER_ROWS 512

/* GPUs per query from held rows' times: a query's rows come within SAME_QUERY_US of each other,
 * the next query an interval later; the commonest number of rows from one such jump to the next
 * (a row that comes late splits a query now and then: the mode, not the mean). */
static long count_gpus(const struct held_row *h, size_t n)
{
    size_t votes[SMI_MAX_GPU] = {0};
    size_t last = 0, jumps = 0;
    for (size_t i = 1; i < n; i++) {
        gv_time_us d = h[i].t - h[i - 1].t;
        if (d >= 0 && d < SAME_QUERY_US)
            continue;
        if (jumps++ && i - last < SMI_MAX_GPU)
            votes[i - last]++;
        last = i;
    }
    if (jumps < 2) /* one query (all rows together) or one jump: the rows before it */
        return jumps ? (long)last : (long)(n ? n : 1);
    long best = 1;
    for (long k = 1; k < SMI_MAX_GPU; k++)
        if (votes[k] > votes[best])
            best = k;
    return best;
}

static void smi_push(gv_csv_reader *r, gv_time_us t, long line, long id, int field, const double *m)
{
    if (r->infer_ids)
        id = r->row_pos++ % r->gpus_n;
    double v[GV_FIELDS_MAX];
    if (r->field_col >= 0) { /* a long table's row: one metric of its GPU */
        if (field < 0)
            return;
        for (size_t k = 0; k < r->fields_len; k++)
            v[k] = NAN;
        v[field] = m[0];
        m = v;
    }
    gv_status st = gv_grouper_row(r->grouper, id, t, line, m, r->err);
    if (st != GV_OK)
        r->status = st;
}

/* The held rows tell what the rest of the file is: the GPUs per query (no id column), whether its
 * rows come out of time order (a DCGM API dump: a batch of each GPU's rows in turn), a long
 * table's fields. Then they go on as any row. */
static void release_held(gv_csv_reader *r)
{
    r->holding = false;
    if (r->infer_ids && r->gpus_n == 0) {
        r->gpus_n = count_gpus(r->held, r->held_len);
        r->tl->ingest.gpus_inferred = (size_t)r->gpus_n;
    }
    gv_time_us latest = GV_TIME_NONE;
    for (size_t i = 0; i < r->held_len && !r->infer_ids; i++) {
        if (latest != GV_TIME_NONE && r->held[i].t < latest - SAME_QUERY_US)
            r->unsorted = true;
        if (latest == GV_TIME_NONE || r->held[i].t > latest)
            latest = r->held[i].t;
    }
    if (r->field_col >= 0) {
        char *units[GV_FIELDS_MAX];
        for (size_t k = 0; k < r->fields_len; k++)
            units[k] = r->metric_unit[0];
        r->grouper = gv_grouper_new(r->tl, r->file, r->sink, r->diag, r->fields_len, r->field_names, units,
                                    gv_column_kind, NULL, NULL);
        r->unsorted = true; /* (its fields come at their own times: one sample per GPU and round) */
    }
    if (r->unsorted)
        gv_grouper_unsorted(r->grouper);
    for (size_t i = 0; i < r->held_len && r->status == GV_OK; i++)
        smi_push(r, r->held[i].t, r->held[i].line, r->held[i].id, r->held[i].field, r->held[i].m);
    for (size_t i = 0; i < r->held_len; i++)
        free(r->held[i].m);
    r->held_len = 0;
}

static void smi_row(gv_csv_reader *r)
{
    if (!r->holding) {
        smi_push(r, r->row_t, r->line, r->row_index, r->row_field, r->mvals);
        return;
    }
    if (!r->held)
        r->held = gv_xcalloc(INFER_ROWS, sizeof *r->held);
    struct held_row *h = &r->held[r->held_len++];
    h->t = r->row_t;
    h->line = r->line;
    h->id = r->row_index;
    h->field = r->row_field;
    h->m = gv_xmalloc((r->metrics_len + 1) * sizeof *h->m);
    memcpy(h->m, r->mvals, r->metrics_len * sizeof *h->m);
    if (r->held_len == INFER_ROWS)
        release_held(r);
}

static void smi_finish(gv_csv_reader *r)
{
    if (r->holding)
        release_held(r);
    gv_status st = r->grouper ? gv_grouper_finish(r->grouper, r->err) : GV_OK;
    if (st != GV_OK)
        r->status = st;
}

/* A long table's field name -> its metric: one of the first rows' (learnt while holding), else -1
 * (warned once). */
static int field_of(gv_csv_reader *r, const char *f, size_t len)
{
    while (len && (f[len - 1] == ' ' || f[len - 1] == '\r'))
        len--;
    while (len && *f == ' ')
        f++, len--;
    for (size_t k = 0; k < r->fields_len; k++)
        if (strlen(r->field_names[k]) == len && memcmp(r->field_names[k], f, len) == 0)
            return (int)k;
    if (r->holding && r->fields_len < GV_FIELDS_MAX && len) {
        r->field_names[r->fields_len] = gv_xstrndup(f, len);
        return (int)r->fields_len++;
    }
    if (!r->field_warned) {
        r->field_warned = true;
        gv_diag_warn(r->diag, GV_WARN_CSV_ROW, r->file, r->line,
                     "field '%.*s' was not among the first %d rows' fields (or more than %d): its rows are "
                     "ignored", (int)(len < 60 ? len : 60), f, INFER_ROWS, GV_FIELDS_MAX);
    }
    return -1;
}

/* A time written as a number since 1970 (UTC): in the column's unit (us_per_unit), or told by
 * its magnitude: seconds below 1e11 (until the year 5138), milliseconds below 1e14, microseconds
 * below 1e17, else nanoseconds. Shown as UTC wall-clock time. */
static bool epoch_time(const char *f, size_t len, double us_per_unit, gv_time_us *t)
{
    double v;
    while (len && (f[len - 1] == ' ' || f[len - 1] == '\r'))
        len--;
    while (len && *f == ' ')
        f++, len--;
    if (!len || gv_parse_number(f, len, &v) != GV_NUM_OK || !(v >= 1e8) || v >= 1e19)
        return false; /* (smaller numbers are no time since 1970 (1973 in seconds): elapsed time?) */
    if (us_per_unit <= 0)
        us_per_unit = v < 1e11 ? 1e6 : v < 1e14 ? 1e3 : v < 1e17 ? 1 : 1e-3;
    double us = v * us_per_unit;
    if (!(us < 9e18))
        return false;
    *t = (gv_time_us)llround(us);
    return true;
}

/* "642.32 W", "100 %", "28481 MiB": the number, with a unit after it allowed. */
static gv_num_result parse_with_unit(const char *f, size_t len, double *v)
{
    size_t n = 0;
    while (n < len && f[n] == ' ')
        n++;
    size_t num_end = n;
    while (num_end < len && strchr("+-0123456789.eE", f[num_end]) && f[num_end])
        num_end++;
    size_t u = num_end;
    while (u < len && f[u] == ' ')
        u++;
    bool unit_only = u < len;
    for (size_t i = u; i < len; i++)
        if (!((f[i] >= 'A' && f[i] <= 'Z') || (f[i] >= 'a' && f[i] <= 'z') || f[i] == '%' || f[i] == ' '))
            unit_only = false;
    if (num_end > n && unit_only)
        return gv_parse_number(f + n, num_end - n, v);
    return gv_parse_number(f, len, v);
}

void gv_csv_reader_set_columns(gv_csv_reader *r, const char *names)
{
    for (const char *p = names; *p;) {
        size_t n = strcspn(p, ",");
        const char *a = p, *b = p + n;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        add_header_field(r, a, (size_t)(b - a));
        p += n + (p[n] == ',');
    }
    r->have_header = true;
    r->given_columns = true;
    setup_schema(r);
}

/* The column map (gv_csv_reader_set_map): each named column takes the canonical name of its role,
 * which the rest of the schema then reads as such. False (and r->status set) when a named column
 * is not in the header. */
static bool apply_map(gv_csv_reader *r)
{
    static const struct {
        const char *role, *canonical;
    } roles[] = {{"time", "timestamp"}, {"gpu", "index"}, {"power", "power.draw"}, {"temp", "temperature.gpu"},
                 {"power_instant", "power.draw.instant"}, {"power_avg", "power.draw.average"}};
    for (const char *p = r->map; p && *p;) {
        size_t n = strcspn(p, ",");
        const char *eq = memchr(p, '=', n);
        size_t k = 0;
        while (eq && k < sizeof roles / sizeof *roles &&
               !(strlen(roles[k].role) == (size_t)(eq - p) && memcmp(roles[k].role, p, (size_t)(eq - p)) == 0))
            k++;
        size_t i = 0;
        while (eq && i < r->header_len &&
               !(strlen(r->header[i]) == n - (size_t)(eq + 1 - p) && memcmp(r->header[i], eq + 1, n - (size_t)(eq + 1 - p)) == 0))
            i++;
        if (!eq || k == sizeof roles / sizeof *roles || i == r->header_len) {
            r->status = GV_ERR_INPUT;
            gv_error_set(r->err, r->file, 1, "the column map's '%.*s' %s", (int)(n < 80 ? n : 80), p,
                         !eq || k == sizeof roles / sizeof *roles
                             ? "is not ROLE=COLUMN with a role of time, gpu, power, temp, power_instant, power_avg"
                             : "names a column the header lacks");
            return false;
        }
        free(r->header[i]);
        r->header[i] = gv_xstrndup(roles[k].canonical, strlen(roles[k].canonical));
        p += n + (p[n] == ',');
    }
    return true;
}

static void setup_schema(gv_csv_reader *r)
{
    r->col_map = gv_xmalloc(r->header_len * sizeof *r->col_map);
    r->col_strict = gv_xcalloc(r->header_len, sizeof *r->col_strict);
    if (!apply_map(r))
        return;
    bool timed = false, field = false;
    for (size_t i = 0; i < r->header_len; i++) {
        timed |= gv_column_role_of(r->header[i]) == GV_ROLE_TIME;
        field |= gv_column_role_of(r->header[i]) == GV_ROLE_FIELD;
    }
    if (timed && field) { /* a long table: each row one metric of one GPU */
        setup_smi(r);
        return;
    }
    if (is_smi_header(r)) {
        setup_smi(r);
        return;
    }
    bool have_time = false, per_gpu = false, taken[GV_SERIES_OTHER] = {false};
    int nodes = 0; /* node power columns so far: device numbers */
    bool has_nodes = false;
    for (size_t i = 0; i < r->header_len; i++) {
        int gpu;
        per_gpu |= gv_column_wide(r->header[i], &gpu) != GV_SERIES_OTHER;
        char node[64];
        bool total;
        has_nodes |= gv_column_node_power(r->header[i], node, sizeof node, &total);
    }
    for (size_t i = 0; i < r->header_len; i++) {
        const char *name = r->header[i];
        gv_column_role role = gv_column_role_of(name);
        if ((role == GV_ROLE_TIME || (role == GV_ROLE_ELAPSED && !timed)) && !have_time) {
            /* (elapsed seconds alone: placed from --start) */
            r->col_map[i] = COL_TIME;
            have_time = true;
            r->time_col_us = gv_column_time_unit_us(name);
            continue;
        }
        if (role != GV_ROLE_METRIC || name[0] == '\0') {
            r->col_map[i] = COL_SKIP; /* the wall clock is the time base; elapsed is redundant */
            continue;
        }
        int gpu;
        gv_series_kind kind = gv_column_wide(name, &gpu);
        char node[64];
        bool total;
        if (kind == GV_SERIES_OTHER && !per_gpu && gv_column_node_power(name, node, sizeof node, &total)) {
            /* a whole server's power (with GPU columns too it is a plain series: it holds theirs) */
            size_t idx = gv_timeline_add_series(r->tl, name, GV_SERIES_POWER, nodes);
            r->col_map[i] = (int)idx;
            r->col_strict[i] = true;
            for (size_t g = 0; g < r->tl->gpus_len; g++)
                if (r->tl->gpus[g].index == nodes)
                    r->tl->gpus[g].device = gv_arena_strdup(&r->tl->arena, node);
            nodes++;
            continue;
        }
        if (kind == GV_SERIES_OTHER && !per_gpu && !has_nodes) { /* one GPU's file: `Power (W)`, `temp` ... */
            kind = gv_column_kind(name);
            if (kind != GV_SERIES_OTHER && !taken[kind])
                gpu = 0;
            else
                kind = GV_SERIES_OTHER;
            if (kind != GV_SERIES_OTHER)
                taken[kind] = true;
        }
        size_t idx = gv_timeline_add_series(r->tl, name, kind, gpu);
        r->col_map[i] = (int)idx;
        r->col_strict[i] = gpu >= 0;
        char unit[32];
        gv_column_unit(name, unit, sizeof unit);
        if (gpu < 0 && unit[0])
            r->tl->series[idx].unit = gv_arena_strdup(&r->tl->arena, unit);
    }
    if (!have_time) {
        char line1[64];
        size_t o = 0;
        for (size_t i = 0; i < r->header_len && o + 1 < sizeof line1; i++)
            o += (size_t)snprintf(line1 + o, sizeof line1 - o, "%s%s", i ? "," : "", r->header[i]);
        if (o >= sizeof line1 - 1)
            strcpy(line1 + sizeof line1 - 4, "...");
        for (size_t i = 0; line1[i]; i++)
            if ((unsigned char)line1[i] < 0x20)
                line1[i] = '?';
        r->status = GV_ERR_INPUT;
        gv_error_set(r->err, r->file, 1,
                     "no time column in the header (names read as one: timestamp, time, datetime, "
                     "TimeStampUs, ...; docs/formats.md; {opt:map} time=COLUMN names another): expected a monitor CSV "
                     "(timestamp,elapsed_sec,gpuN_power_..._w,gpuN_temp_c) or nvidia-smi query CSV "
                     "(timestamp, index, power.draw [W], ...); line 1 is '%s'", line1);
        return;
    }
    r->values = gv_xmalloc((r->tl->series_len ? r->tl->series_len : 1) * sizeof *r->values);
    r->ops = gv_xcalloc(r->header_len, sizeof *r->ops);
    r->ops_len = r->header_len;
    r->h0_len = strlen(r->header[0]);
    for (size_t i = 0; i < r->header_len; i++) {
        int c = r->col_map[i];
        col_op *op = &r->ops[i];
        if (c == COL_TIME || c == COL_SKIP) {
            op->op = c == COL_TIME ? OP_TIME : OP_SKIP;
        } else {
            bool power = r->col_strict[i] && r->tl->series[c].kind != GV_SERIES_TEMP;
            op->op = power ? OP_NUM_NONNEG : OP_NUM;
            op->series = c;
        }
    }
    if (r->sink.begin && r->status == GV_OK)
        r->status = r->sink.begin(r->sink.ctx, r->err);
    r->fast_mode = r->status == GV_OK;
}

static void row_error(gv_csv_reader *r, const char *what, const char *field, size_t len,
                      const char *col)
{
    if (r->row_bad)
        return;
    r->row_bad = true;
    char shown[FIELD_SHOW + 4];
    size_t n = len < FIELD_SHOW ? len : FIELD_SHOW;
    memcpy(shown, field, n);
    strcpy(shown + n, len > FIELD_SHOW ? "..." : "");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)shown[i] < 0x20)
            shown[i] = '?';
    snprintf(r->row_err, sizeof r->row_err, "%s '%s' in column %s", what, shown, col);
}

/* Field i of the current row, in general: headers, nvidia-smi rows, errors, anything the fast
 * path in on_field does not take. (Not inlined: the fast path stays small.) */
static void field_general(gv_csv_reader *r, const void *s, size_t len, size_t i);

/* The general path, then whether the rest of the row may take the fast one. */
__attribute__((noinline)) static void field_slow(gv_csv_reader *r, const void *s, size_t len, size_t i)
{
    field_general(r, s, len, i);
    r->row_fast = r->fast_mode && r->status == GV_OK && !r->row_bad && !r->row_is_header;
}

/* A time column without dates: a time of day (`23:32:09.703`) on --start's date, or the next day's
 * when it is earlier than --start's time of day (a run of up to a day); or seconds since the
 * sampler started (`12.5`, in the column's unit) after --start. Without --start: an error that
 * says so. False when f is neither. */
static bool relative_time(gv_csv_reader *r, const char *f, size_t len, const char *col, gv_time_us *t)
{
    while (len && (f[len - 1] == ' ' || f[len - 1] == '\r'))
        len--;
    while (len && *f == ' ')
        f++, len--;
    const gv_time_us day = (gv_time_us)86400 * 1000000;
    gv_time_us offset;
    bool tod = false;
    double v;
    if (len >= 8 && f[2] == ':' && f[5] == ':') {
        char stamp[64];
        int n = snprintf(stamp, sizeof stamp, "1970-01-01 %.*s", (int)(len < 40 ? len : 40), f);
        if (n <= 0 || gv_time_parse(stamp, (size_t)n, &offset, NULL) != (size_t)n)
            return false;
        tod = true;
    } else if (gv_parse_number(f, len, &v) == GV_NUM_OK && v >= 0 && v < 1e8) {
        offset = (gv_time_us)llround(v * (r->time_col_us > 0 ? r->time_col_us : 1e6));
    } else {
        return false;
    }
    if (r->start == GV_TIME_NONE) {
        r->status = GV_ERR_INPUT;
        gv_error_set(r->err, r->file, r->line, "column '%s' holds %s ('%.*s'), not dates and times: give "
                     "{opt:dcgm_start} 'YYYY-MM-DD HH:MM:SS' (%s)", col,
                     tod ? "times of day without a date" : "seconds since the sampler started",
                     (int)(len < 40 ? len : 40), f,
                     tod ? "its date is taken; a time of day before its time is on the next day"
                         : "when the sampler started");
        return false;
    }
    if (!tod) {
        *t = r->start + offset;
        return true;
    }
    gv_time_us start_day = r->start - ((r->start % day) + day) % day;
    *t = start_day + offset + (start_day + offset < r->start - 60 * (gv_time_us)1000000 ? day : 0);
    return true;
}

static void field_general(gv_csv_reader *r, const void *s, size_t len, size_t i)
{
    const char *f = s ? s : "";
    if (r->status != GV_OK)
        return;
    if (!r->have_header) {
        add_header_field(r, f, len);
        return;
    }
    if (r->row_is_header &&
        (i >= r->header_len ||
         (len == 0 ? r->header[i][0] != '\0'
                   : r->header[i][0] != f[0] || strlen(r->header[i]) != len || memcmp(r->header[i], f, len) != 0)))
        r->row_is_header = false;
    if (i >= r->header_len && len > 0)
        r->extra_nonempty = true; /* fields past the header: only empty ones (a trailing comma) are fine */
    if (i >= r->header_len || r->row_bad)
        return;
    int c = r->col_map[i];
    if (c == COL_SKIP)
        return;
    if (c == COL_TIME) {
        int frac, zone;
        size_t used = gv_time_parse_cached(&r->tcache, f, len, &r->row_t, &frac);
        size_t z = used ? gv_time_zone_offset(f + used, len - used, &zone) : 0;
        if (!r->zone_known && used && (f[used - 1] == 'Z' || z)) { /* the times stay as written */
            r->zone_known = true;
            r->zone_s = z ? zone : 0;
        }
        used += z;
        while (used && used < len && (f[used] == ' ' || f[used] == '\r'))
            used++;
        if (!used || used != len) {
            if (epoch_time(f, len, r->time_col_us, &r->row_t))
                r->zone_known = true; /* (since 1970: UTC) */
            else if (!relative_time(r, f, len, r->header[i], &r->row_t) && r->status == GV_OK)
                row_error(r, "unparsable time", f, len, r->header[i]);
        }
        return;
    }
    double v;
    if (c == COL_INDEX) {
        if (gv_parse_number(f, len, &v) != GV_NUM_OK || v < 0 || v >= SMI_MAX_GPU || v != floor(v))
            row_error(r, "unparsable GPU index", f, len, r->header[i]);
        else
            r->row_index = (long)v;
        return;
    }
    if (c == COL_METRIC) {
        r->mvals[r->col_metric[i]] = parse_with_unit(f, len, &v) == GV_NUM_OK ? v : NAN;
        return;
    }
    if (c == COL_FIELD) {
        r->row_field = field_of(r, f, len);
        return;
    }
    switch (gv_parse_number(f, len, &v)) {
    case GV_NUM_OK:
        if (v < 0 && r->col_strict[i] && r->tl->series[c].kind != GV_SERIES_TEMP) {
            row_error(r, "negative power", f, len, r->header[i]);
            break;
        }
        r->values[c] = v;
        break;
    case GV_NUM_MISSING:
        r->values[c] = NAN;
        break;
    case GV_NUM_BAD:
        if (r->col_strict[i])
            row_error(r, "unparsable number", f, len, r->header[i]);
        r->values[c] = NAN;
        break;
    }
}

/* libcsv's field callback. A data row of a wide CSV takes the fast path, field by field, while
 * its fields are plain: a timestamp, decimal numbers (non-negative for power); the first field
 * that is not (or a first field that may be a repeated header) goes to field_slow, and with it the
 * rest of the row. */
static void on_field(void *s, size_t len, void *data)
{
    gv_csv_reader *r = data;
    size_t i = r->field++;
    if (r->row_fast && i < r->ops_len) {
        col_op op = r->ops[i];
        if (i == 0) {
            if (len == r->h0_len)
                goto slow; /* perhaps the header again (a sampler restart) */
            r->row_is_header = false;
        }
        double v;
        switch ((col_op_kind)op.op) {
        case OP_NUM_NONNEG: /* (the sign from the text: no wait for the division) */
            if (gv_decimal_short(s, len, &v) ||
                (len && *(const char *)s != '-' && gv_decimal_fast(s, len, &v))) {
                r->values[op.series] = v;
                return;
            }
            break;
        case OP_NUM:
            if (gv_decimal_short(s, len, &v) || gv_decimal_fast(s, len, &v)) {
                r->values[op.series] = v;
                return;
            }
            break;
        case OP_TIME:
            if (gv_time_parse_hit(&r->tcache, s, len, &r->row_t)) /* (else the general path) */
                return;
            break;
        case OP_SKIP:
            return;
        case OP_SLOW:
            break;
        }
    }
slow:
    field_slow(r, s, len, i); /* (a tail call: the fast path saves no registers) */
}

static void skip_row(gv_csv_reader *r, const char *why)
{
    (*r->n_skipped)++;
    gv_diag_warn(r->diag, GV_WARN_CSV_ROW, r->file, r->line, "skipped row: %s", why);
}

static void end_row(gv_csv_reader *r)
{
    size_t nfields = r->field;
    if (r->status != GV_OK || nfields == 0)
        return;
    if (!r->have_header) {
        gv_time_us t;
        if (r->header_len && gv_time_parse(r->header[0], strlen(r->header[0]), &t, NULL)) {
            r->status = GV_ERR_OPTION;
            gv_error_set(r->err, r->file, 1,
                         "line 1 is data, not a header (nvidia-smi --format=csv,noheader?): name "
                         "the columns with {opt:columns}, e.g. {opt:columns} "
                         "'timestamp,index,power.draw [W],temperature.gpu'");
            return;
        }
        r->have_header = true;
        setup_schema(r);
        return;
    }
    if (r->row_is_header && nfields == r->header_len) {
        (*r->n_restarts)++;
        r->row_pos = 0; /* a new query begins */
        gv_diag_warn(r->diag, GV_WARN_CSV_RESTART, r->file, r->line,
                     "header repeated (sampler restarted); continuing");
        return;
    }
    if (nfields > r->header_len && !r->extra_nonempty)
        nfields = r->header_len; /* trailing commas */
    if (nfields != r->header_len) {
        char why[96];
        snprintf(why, sizeof why, "expected %zu fields, found %zu", r->header_len, nfields);
        skip_row(r, why);
        return;
    }
    if (r->row_bad) {
        skip_row(r, r->row_err);
        return;
    }
    if (r->prev_t != GV_TIME_NONE && r->row_t < r->prev_t && !(r->smi && (r->holding || r->unsorted)))
        gv_diag_warn(r->diag, GV_WARN_CSV_TIME, r->file, r->line,
                     "sample time goes back %.3f s (rows out of order?)",
                     (double)(r->prev_t - r->row_t) / 1e6);
    r->prev_t = r->row_t;
    if (r->smi) {
        smi_row(r);
        return;
    }
    (*r->n_read)++;
    r->sink.row(r->sink.ctx, r->row_t, r->values, NULL);
}

static void start_row(gv_csv_reader *r)
{
    r->field = 0;
    r->row_fast = r->fast_mode && r->status == GV_OK;
    r->row_bad = false;
    r->extra_nonempty = false;
    r->row_is_header = r->have_header;
    if (r->smi) {
        for (size_t i = 0; i < r->metrics_len; i++)
            r->mvals[i] = NAN;
        r->row_field = -1;
        return;
    }
    if (r->values)
        for (size_t i = 0; i < r->tl->series_len; i++)
            r->values[i] = NAN;
}

static void on_row(int c, void *data)
{
    gv_csv_reader *r = data;
    /* With CSV_REPALL_NL libcsv reports every line terminator: a row with fields, or none for
     * the '\n' of a CRLF pair, a blank line, or the end of input. */
    if (r->field > 0) {
        end_row(r);
        r->line_had_row = true;
    }
    if (c == '\n') {
        if (!r->line_had_row && r->have_header && r->status == GV_OK)
            skip_row(r, "empty line");
        r->line_had_row = false;
        if (r->status == GV_OK) /* (after an error the line stays the error's) */
            r->line++;
    }
    start_row(r);
}

gv_csv_reader *gv_csv_reader_new(gv_timeline *tl, const char *file_name, gv_sample_sink sink,
                                 const gv_diag *diag)
{
    gv_csv_reader *r = gv_xcalloc(1, sizeof *r);
    if (csv_init(&r->p, CSV_REPALL_NL) != 0) {
        free(r);
        return NULL;
    }
    csv_set_realloc_func(&r->p, capped_realloc);
    r->tl = tl;
    r->file = file_name;
    r->sink = sink;
    r->diag = diag;
    r->line = 1;
    r->prev_t = GV_TIME_NONE;
    r->n_read = &tl->ingest.rows_read;
    r->n_skipped = &tl->ingest.rows_skipped;
    r->n_restarts = &tl->ingest.restarts;
    r->field_col = -1;
    r->start = GV_TIME_NONE;
    start_row(r);
    return r;
}

void gv_csv_reader_set_start(gv_csv_reader *r, gv_time_us start)
{
    r->start = start;
}

void gv_csv_reader_set_map(gv_csv_reader *r, const char *map)
{
    r->map = map;
}

void gv_csv_reader_set_gpus(gv_csv_reader *r, long gpus)
{
    r->gpus_n = gpus > 0 && gpus < SMI_MAX_GPU ? gpus : 0;
    if (r->gpus_n)
        r->tl->ingest.gpus_inferred = 0;
}

bool gv_csv_reader_chunkable(const gv_csv_reader *r)
{
    return r->have_header && !r->smi && r->status == GV_OK;
}

gv_csv_reader *gv_csv_reader_chunk(const gv_csv_reader *r, gv_sample_sink sink, const gv_diag *diag)
{
    gv_csv_reader *c = gv_csv_reader_new(r->tl, r->file, sink, diag);
    c->borrowed = true;
    c->have_header = true;
    c->header = r->header;
    c->header_len = r->header_len;
    c->col_map = r->col_map;
    c->col_strict = r->col_strict;
    c->ops = r->ops;
    c->ops_len = r->ops_len;
    c->h0_len = r->h0_len;
    c->fast_mode = r->fast_mode;
    c->time_col_us = r->time_col_us;
    c->start = r->start;
    c->values = gv_xmalloc((r->tl->series_len ? r->tl->series_len : 1) * sizeof *c->values);
    c->n_read = &c->own[0];
    c->n_skipped = &c->own[1];
    c->n_restarts = &c->own[2];
    gv_csv_reader_chunk_start(c);
    return c;
}

void gv_csv_reader_chunk_start(gv_csv_reader *r)
{
    r->line = 1;
    r->line_had_row = false;
    r->prev_t = GV_TIME_NONE;
    r->own[0] = r->own[1] = r->own[2] = 0;
    start_row(r);
}

void gv_csv_reader_chunk_counts(const gv_csv_reader *r, size_t *read, size_t *skipped, size_t *restarts)
{
    *read = r->own[0];
    *skipped = r->own[1];
    *restarts = r->own[2];
}

long gv_csv_reader_line(const gv_csv_reader *r) { return r->line; }

bool gv_csv_reader_zone(const gv_csv_reader *r, int *offset_s)
{
    *offset_s = r->zone_s;
    return r->zone_known;
}

gv_status gv_csv_reader_chunk_end(gv_csv_reader *r, gv_error *err)
{
    r->err = err;
    if (r->status == GV_OK)
        csv_fini(&r->p, on_field, on_row, r);
    return r->status;
}

gv_status gv_csv_reader_feed(gv_csv_reader *r, const char *buf, size_t len, gv_error *err)
{
    r->err = err;
    if (r->status != GV_OK)
        return r->status;
    if (csv_parse(&r->p, buf, len, on_field, on_row, r) != len && r->status == GV_OK) {
        r->status = GV_ERR_INPUT;
        if (csv_error(&r->p) == CSV_ENOMEM || csv_error(&r->p) == CSV_ETOOBIG) {
            r->status = GV_ERR_LIMIT;
            gv_error_set(err, r->file, r->line, "a field longer than %u bytes (no line end or "
                         "closing quote?): not a GPU metrics CSV", FIELD_MAX);
        } else {
            gv_error_set(err, r->file, r->line, "CSV error: %s", csv_strerror(csv_error(&r->p)));
        }
    }
    return r->status;
}

gv_status gv_csv_reader_finish(gv_csv_reader *r, gv_error *err)
{
    r->err = err;
    if (r->status != GV_OK)
        return r->status;
    csv_fini(&r->p, on_field, on_row, r);
    if (r->smi && r->status == GV_OK)
        smi_finish(r);
    if (r->status != GV_OK)
        return r->status;
    if (!r->have_header) {
        gv_error_set(err, r->file, 0, "empty file: expected a GPU metrics CSV with a header line");
        return r->status = GV_ERR_INPUT;
    }
    if (r->tl->ingest.rows_read == 0) {
        gv_error_set(err, r->file, 0, "no valid rows (%zu skipped)", r->tl->ingest.rows_skipped);
        return r->status = GV_ERR_INPUT;
    }
    if (r->zone_known && !r->tl->ingest.tz_known) {
        r->tl->ingest.tz_known = true;
        r->tl->ingest.tz_offset_s = r->zone_s;
    }
    return GV_OK;
}

void gv_csv_reader_free(gv_csv_reader *r)
{
    if (!r)
        return;
    csv_free(&r->p);
    if (!r->borrowed) {
        for (size_t i = 0; i < r->header_len; i++)
            free(r->header[i]);
        free(r->header);
        free(r->col_map);
        free(r->col_strict);
        free(r->ops);
    }
    free(r->values);
    for (size_t i = 0; i < r->metrics_len; i++) {
        free(r->metric_name[i]);
        free(r->metric_unit[i]);
    }
    free(r->metric_name);
    free(r->metric_unit);
    free(r->col_metric);
    free(r->mvals);
    gv_grouper_free(r->grouper);
    for (size_t i = 0; i < r->held_len; i++)
        free(r->held[i].m);
    free(r->held);
    for (size_t k = 0; k < r->fields_len; k++)
        free(r->field_names[k]);
    free(r);
}

