/* export.h: events as CSV (RFC 4180) or JSON for scripts. Reads a const timeline; owns nothing.
 * CSV columns (first six fixed): event_type,timestamp,elapsed_hours,step,metric_name,metric_value,
 * label,start,end,duration_s,log_line, then per GPU N: gpuN_power_w,gpuN_temp_c,
 * gpuN_mean_power_w,gpuN_max_power_w,gpuN_energy_wh. One row per event and metric. */
#ifndef GPUVIZ_EXPORT_H
#define GPUVIZ_EXPORT_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stdio.h>

typedef enum { GV_EXPORT_CSV, GV_EXPORT_JSON } gv_export_format;

/* Format implied by a file name: ".json" -> JSON, anything else (and "-") -> CSV. */
gv_export_format gv_export_format_for(const char *path);

/* Writes the timeline's events; returns GV_ERR_OUTPUT on a write error. */
gv_status gv_export_events(FILE *f, const gv_timeline *tl, gv_export_format fmt, gv_error *err);

#endif
