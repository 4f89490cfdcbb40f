/* html_report.h: the self-contained report page. Reads a const timeline; owns nothing.
 * The page is one HTML file: a small skeleton, the data as script-safe JSON, each series' display
 * levels and every step line as base64 binary elements (gv-b-*, gv-steps: their layout is
 * described where they are written), Plotly.js (embedded, or loaded from a CDN with subresource
 * integrity in --plotly=cdn mode) and the page script.
 * Every input-derived string reaches the page either HTML-escaped (title) or inside the JSON
 * block, from which the page script inserts it with textContent or escapes it for Plotly. */
#ifndef GPUVIZ_HTML_REPORT_H
#define GPUVIZ_HTML_REPORT_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    const char *csv_path;
    const char *title;     /* the run's name (--title); NULL: the GPU file's name */
    const char *log_path;  /* NULL when no log was given */
    bool plotly_cdn;       /* load Plotly from the CDN instead of embedding it */
    size_t max_bytes;      /* size budget of the whole page: the finest display levels that fit */
    size_t max_points;     /* points per trace the page shows at once (it picks levels by it) */
    bool timeline_row;     /* --layout timeline: an event row with a lane per type */
    bool helper_thread;    /* encode the display levels on a second thread meanwhile */
} gv_report_opts;

gv_status gv_html_write(FILE *f, const gv_timeline *tl, const gv_report_opts *o, gv_error *err);

#endif
