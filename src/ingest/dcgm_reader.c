/* dcgm_reader.c: dcgmi dmon output. Depends on model and util; never on the CSV reader's
 * internals (it shares only the sink type). Field names map as: POWER -> the GPU's power,
 * TMPTR -> temperature, any other field -> a generic series with the unit of the ID line. */
#include "gpuviz/dcgm_reader.h"

#include "gpuviz/buf.h"
#include "gpuviz/numparse.h"
#include "sample_grouper.h"

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
    gv_sample_grouper *grouper; /* created with the first GPU line */
    gv_error *err;
    gv_status status;
};

bool gv_dcgm_detect(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
        i++;
    return len - i >= 7 && memcmp(buf + i, "#Entity", 7) == 0;
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
    gv_buf_cleanup(&r->line);
    free(r);
}

/* Splits s on blanks into at most max words (pointers into s, which is modified). */
static size_t words(char *s, char **w, size_t max)
{
    size_t n = 0;
    for (char *p = s; *p && n < max;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (!*p)
            break;
        w[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        if (*p)
            *p++ = '\0';
    }
    return n;
}

static gv_series_kind kind_of(const char *name)
{
    if (strcmp(name, "POWER") == 0)
        return GV_SERIES_POWER;
    if (strcmp(name, "TMPTR") == 0)
        return GV_SERIES_TEMP;
    return GV_SERIES_OTHER;
}

/* dcgmi dmon has no timestamps: sample k is at start + k x interval. */
static gv_time_us sample_time(void *ctx, long k, gv_time_us t)
{
    const gv_dcgm_reader *r = ctx;
    (void)t;
    return r->start + (gv_time_us)llround((double)k * r->interval_ms * 1000);
}

static void process(gv_dcgm_reader *r, char *s)
{
    char *w[MAX_FIELDS + 3];
    size_t n = words(s, w, MAX_FIELDS + 3);
    if (n == 0)
        return;
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
    if (strcmp(w[0], "GPU") != 0 || n < 2) {
        r->tl->rows_skipped++;
        gv_diag_warn(r->diag, GV_WARN_CSV_ROW, r->file, r->line_no, "skipped line: not a GPU line");
        return;
    }
    char *end;
    long id = strtol(w[1], &end, 10);
    if (*end || id < 0 || id >= MAX_GPU || !r->have_names || n - 2 != r->fields) {
        r->tl->rows_skipped++;
        gv_diag_warn(r->diag, GV_WARN_CSV_ROW, r->file, r->line_no,
                     "skipped line: expected 'GPU <id>' and %zu values, found %zu words", r->fields, n);
        return;
    }
    double v[MAX_FIELDS];
    for (size_t f = 0; f < r->fields; f++) {
        gv_num_result nr = gv_parse_number(w[2 + f], strlen(w[2 + f]), &v[f]);
        if (nr != GV_NUM_OK)
            v[f] = NAN;
        if (nr == GV_NUM_BAD) {
            r->tl->rows_skipped++;
            gv_diag_warn(r->diag, GV_WARN_CSV_ROW, r->file, r->line_no,
                         "skipped line: unparsable number '%.40s' in field %s", w[2 + f], r->names[f]);
            return;
        }
    }
    if (!r->grouper)
        r->grouper = gv_grouper_new(r->tl, r->file, r->sink, r->diag, r->fields, r->names, r->units,
                                    kind_of, sample_time, r);
    r->status = gv_grouper_row(r->grouper, id, 0, r->line_no, v, r->err);
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
            r->tl->rows_skipped++;
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
    if (r->status != GV_OK)
        return r->status;
    if (!r->have_names) {
        gv_error_set(err, r->file, 0, "empty file: expected dcgmi dmon output");
        return GV_ERR_INPUT;
    }
    if (r->tl->rows_read == 0) {
        gv_error_set(err, r->file, 0, "no valid GPU lines (%zu skipped)", r->tl->rows_skipped);
        return GV_ERR_INPUT;
    }
    return GV_OK;
}
