/* dcgm_reader.c: dcgmi dmon and nvidia-smi dmon output, and (handed to smi_table.c) nvidia-smi's
 * full table repeated. Depends on model and util; never on the CSV reader's internals (it shares
 * only the sink type). Field names map as: POWER -> the GPU's power,
 * TMPTR -> temperature, any other field -> a generic series with the unit of the ID line. */
#include "gpuviz/dcgm_reader.h"

#include "gpuviz/buf.h"
#include "gpuviz/numparse.h"
#include "sample_grouper.h"
#include "smi_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 64
#define MAX_GPU GV_GROUPER_MAX_GPU
#define LINE_MAX_BYTES 65536

struct gv_dcgm_reader {
    gv_timeline *tl;
    const char *file;
    gv_sample_sink sink;
    const gv_diag *diag;
    gv_time_us start;
    double interval_ms;

    gv_buf line;
    long line_no;
    bool too_long;

    char *names[MAX_FIELDS], *units[MAX_FIELDS];
    size_t fields;
    bool have_names, have_units;
    bool smi;          /* nvidia-smi dmon: rows "<id> <values>", '-' for missing */
    bool dated;        /* its rows begin with YYYYMMDD HH:MM:SS (-o DT) */
    gv_sample_grouper *grouper; /* created with the first GPU line */
    gv_smi_table *table; /* the file is nvidia-smi's full table, repeated (its first line said) */
    bool began;        /* a line that is not blank was seen */
    gv_error *err;
    gv_status status;
};

/* The first line that is not blank begins an nvidia-smi table? */
static bool starts_table(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
        i++;
    char line[128];
    size_t n = 0;
    while (i + n < len && n + 1 < sizeof line && buf[i + n] != '\n')
        n++;
    memcpy(line, buf + i, n);
    line[n] = '\0';
    return n && gv_smi_table_starts(line);
}

/* The first word after '#' of the first non-blank text, into w (size n). */
static void first_header_word(const char *buf, size_t len, char *w, size_t n)
{
    size_t i = 0, o = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
        i++;
    if (i < len && buf[i] == '#') {
        i++;
        while (i < len && buf[i] == ' ')
            i++;
        while (i < len && o + 1 < n && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n')
            w[o++] = buf[i++];
    }
    w[o] = '\0';
}

bool gv_dcgm_detect(const char *buf, size_t len)
{
    char w[16];
    first_header_word(buf, len, w, sizeof w);
    return strcmp(w, "Entity") == 0 || strcmp(w, "gpu") == 0 || strcmp(w, "Date") == 0 || starts_table(buf, len);
}

bool gv_dcgm_detect_timed(const char *buf, size_t len)
{
    char w[16];
    first_header_word(buf, len, w, sizeof w);
    return strcmp(w, "Date") == 0 || starts_table(buf, len);
}

gv_dcgm_reader *gv_dcgm_reader_new(gv_timeline *tl, const char *file_name, gv_sample_sink sink,
                                   const gv_diag *diag, gv_time_us start, double interval_ms)
{
    gv_dcgm_reader *r = gv_xcalloc(1, sizeof *r);
    r->tl = tl;
    r->file = file_name;
    r->sink = sink;
    r->diag = diag;
    r->start = start;
    r->interval_ms = interval_ms;
    gv_buf_init(&r->line, 0);
    return r;
}

void gv_dcgm_reader_free(gv_dcgm_reader *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < MAX_FIELDS; i++) {
        free(r->names[i]);
        free(r->units[i]);
    }
    gv_grouper_free(r->grouper);
    gv_smi_table_free(r->table);
    gv_buf_cleanup(&r->line);
    free(r);
}

static gv_series_kind kind_of(const char *name)
{
    if (strcmp(name, "POWER") == 0 || strcmp(name, "pwr") == 0)
        return GV_SERIES_POWER;
    if (strcmp(name, "TMPTR") == 0 || strcmp(name, "gtemp") == 0)
        return GV_SERIES_TEMP;
    return GV_SERIES_OTHER;
}

/* dcgmi dmon has no timestamps: sample k is at start + k x interval; nvidia-smi dmon -o DT: its
 * first row's time. */
static gv_time_us sample_time(void *ctx, long k, gv_time_us t)
{
    const gv_dcgm_reader *r = ctx;
    if (r->dated)
        return t;
    return r->start + (gv_time_us)llround((double)k * r->interval_ms * 1000);
}

/* An nvidia-smi dmon header line ('#' and its words in w[0..n)): names or units. */
static void smi_header(gv_dcgm_reader *r, char **w, size_t n)
{
    size_t i = strcmp(w[0], "#") == 0 ? 1 : 0;
    if (i == 0)
        w[0]++; /* "#gpu" */
    if (i >= n)
        return;
    bool names = strcmp(w[i], "gpu") == 0 || strcmp(w[i], "Date") == 0;
    if (names && !r->have_names) {
        r->have_names = r->smi = true;
        r->dated = strcmp(w[i], "Date") == 0;
        i += r->dated ? 3 : 1; /* Date Time gpu */
        for (; i < n && r->fields < MAX_FIELDS; i++)
            r->names[r->fields++] = gv_xstrndup(w[i], strlen(w[i]));
    } else if (!names && r->have_names && !r->have_units) {
        r->have_units = true;
        i += r->dated ? 3 : 1; /* YYYYMMDD HH:MM:SS Idx */
        for (size_t f = 0; i < n && f < r->fields; i++, f++)
            r->units[f] = gv_xstrndup(w[i], strlen(w[i]));
    }
}

static void process(gv_dcgm_reader *r, char *s)
{
    if (!r->began && *s && strspn(s, " \t\r") < strlen(s)) {
        r->began = true;
        if (gv_smi_table_starts(s))
            r->table = gv_smi_table_new(r->tl, r->file, r->sink, r->diag);
    }
    if (r->table) {
        r->status = gv_smi_table_line(r->table, s, r->line_no, r->err);
        return;
    }
    char *w[MAX_FIELDS + 3];
    size_t n = gv_words(s, w, MAX_FIELDS + 3);
    if (n == 0)
        return;
    if (w[0][0] == '#' && strcmp(w[0], "#Entity") != 0) {
        smi_header(r, w, n);
        return;
    }
    if (strcmp(w[0], "#Entity") == 0) {
        if (!r->have_names) {
            r->have_names = true;
            for (size_t i = 1; i < n && r->fields < MAX_FIELDS; i++)
                r->names[r->fields++] = gv_xstrndup(w[i], strlen(w[i]));
        } /* else: the header repeats every so many samples */
        return;
    }
    if (strcmp(w[0], "ID") == 0) {
        if (!r->have_units) {
            r->have_units = true;
            for (size_t i = 1; i < n && i - 1 < r->fields; i++)
                r->units[i - 1] = gv_xstrndup(w[i], strlen(w[i]));
        }
        return;
    }
    /* dcgmi: "GPU <id> <values>"; nvidia-smi: "[YYYYMMDD HH:MM:SS] <id> <values>" */
    size_t at = r->smi ? (r->dated ? 2 : 0) : 1;
    gv_time_us t = 0;
    if (r->dated && n >= 2) {
        char stamp[40];
        int frac;
        size_t d = strlen(w[0]);
        if (d == 8 && strlen(w[1]) < 20) {
            snprintf(stamp, sizeof stamp, "%.4s-%.2s-%.2s %s", w[0], w[0] + 4, w[0] + 6, w[1]);
            if (gv_time_parse(stamp, strlen(stamp), &t, &frac) != strlen(stamp))
                t = 0;
        }
        if (!t) {
            r->tl->ingest.rows_skipped++;
            gv_diag_warn(r->diag, GV_WARN_CSV_ROW, r->file, r->line_no,
                         "skipped line: expected a date and time (YYYYMMDD HH:MM:SS) first");
            return;
        }
    }
    if ((!r->smi && strcmp(w[0], "GPU") != 0) || n < at + 1) {
        r->tl->ingest.rows_skipped++;
        gv_diag_warn(r->diag, GV_WARN_CSV_ROW, r->file, r->line_no, "skipped line: not a GPU line");
        return;
    }
    char *end;
    long id = strtol(w[at], &end, 10);
    if (*end || id < 0 || id >= MAX_GPU || !r->have_names || n - at - 1 != r->fields) {
        r->tl->ingest.rows_skipped++;
        gv_diag_warn(r->diag, GV_WARN_CSV_ROW, r->file, r->line_no,
                     "skipped line: expected %s<id> and %zu values, found %zu words",
                     r->smi ? "" : "'GPU' ", r->fields, n);
        return;
    }
    double v[MAX_FIELDS];
    for (size_t f = 0; f < r->fields; f++) {
        const char *x = w[at + 1 + f];
        if (strcmp(x, "-") == 0) { /* nvidia-smi dmon: not available */
            v[f] = NAN;
            continue;
        }
        gv_num_result nr = gv_parse_number(x, strlen(x), &v[f]);
        if (nr != GV_NUM_OK)
            v[f] = NAN;
        if (nr == GV_NUM_BAD) {
            r->tl->ingest.rows_skipped++;
            gv_diag_warn(r->diag, GV_WARN_CSV_ROW, r->file, r->line_no,
                         "skipped line: unparsable number '%.40s' in field %s", x, r->names[f]);
            return;
        }
    }
    if (!r->grouper)
        r->grouper = gv_grouper_new(r->tl, r->file, r->sink, r->diag, r->fields, r->names, r->units,
                                    kind_of, sample_time, r);
    r->status = gv_grouper_row(r->grouper, id, t, r->line_no, v, r->err);
}

gv_status gv_dcgm_reader_feed(gv_dcgm_reader *r, const char *buf, size_t len, gv_error *err)
{
    r->err = err;
    while (len && r->status == GV_OK) {
        const char *nl = memchr(buf, '\n', len);
        size_t n = nl ? (size_t)(nl - buf) : len;
        if (!r->too_long) {
            if (r->line.len + n > LINE_MAX_BYTES) {
                r->too_long = true;
                gv_diag_warn(r->diag, GV_WARN_CSV_ROW, r->file, r->line_no + 1,
                             "line longer than %d bytes; skipped", LINE_MAX_BYTES);
            } else {
                gv_buf_append(&r->line, buf, n);
            }
        }
        if (!nl)
            break;
        r->line_no++;
        gv_buf_append(&r->line, "", 0); /* data is never NULL */
        if (!r->too_long)
            process(r, r->line.data);
        else
            r->tl->ingest.rows_skipped++;
        gv_buf_reset(&r->line);
        r->too_long = false;
        buf += n + 1;
        len -= n + 1;
    }
    return r->status;
}

gv_status gv_dcgm_reader_finish(gv_dcgm_reader *r, gv_error *err)
{
    r->err = err;
    if (r->line.len && !r->too_long && r->status == GV_OK) {
        r->line_no++;
        process(r, r->line.data);
    }
    if (r->grouper && r->status == GV_OK)
        r->status = gv_grouper_finish(r->grouper, err);
    if (r->table && r->status == GV_OK)
        r->status = gv_smi_table_finish(r->table, err);
    if (r->status != GV_OK)
        return r->status;
    if (!r->have_names && !r->table) {
        gv_error_set(err, r->file, 0, "empty file: expected dcgmi dmon or nvidia-smi dmon output");
        return GV_ERR_INPUT;
    }
    if (r->tl->ingest.rows_read == 0) {
        gv_error_set(err, r->file, 0, "no valid GPU %s (%zu skipped)", r->table ? "readings in the nvidia-smi tables" : "lines", r->tl->ingest.rows_skipped);
        return GV_ERR_INPUT;
    }
    return GV_OK;
}
