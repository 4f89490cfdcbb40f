/* columns.h: what a GPU CSV's column is, from its name as people write it (private to
 * src/ingest; docs/formats.md lists the names). Names are compared without case, without a unit in
 * brackets or parentheses (`power.draw [W]`, `Temp (C)`), and with '.', ' ' and '-' read as '_'.
 * Owns nothing. */
#ifndef GPUVIZ_COLUMNS_H
#define GPUVIZ_COLUMNS_H

#include "gpuviz/timeline.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    GV_ROLE_METRIC,   /* a number: a series (its kind from gv_column_kind) */
    GV_ROLE_TIME,     /* timestamp, time, datetime, date_time, TimeStampUs, ... */
    GV_ROLE_ELAPSED,  /* elapsed_sec, elapsed: redundant with the wall clock, skipped */
    GV_ROLE_GPU_ID,   /* index, gpu, gpu_index, gpu_id, GPUId, device: one row per GPU */
    GV_ROLE_TEXT,     /* name, pci.bus_id, uuid, driver_version, pstate ...: not numbers, skipped */
    GV_ROLE_FIELD     /* field, metric, field_name: each row names its metric (a long table) */
} gv_column_role;

gv_column_role gv_column_role_of(const char *name);

/* The series kind of a metric column named name: power.draw, power_W, power_watts, Watts,
 * power_usage_instant, ... -> power kinds; temperature.gpu, temperature_C, Temp (C), temp ->
 * GV_SERIES_TEMP; anything else GV_SERIES_OTHER. */
gv_series_kind gv_column_kind(const char *name);

/* A wide column of one GPU: `gpuN_power_instant_w`, `gpuN_power_avg_w`, `gpuN_power_w`,
 * `gpuN_temp_c` (the monitor CSV), or a bare `GPU<N>` / `gpu<N>` (watts implied); *gpu is N.
 * Returns the kind, or GV_SERIES_OTHER (and *gpu -1) when the name is not one. */
gv_series_kind gv_column_wide(const char *name, int *gpu);

/* A whole server's power (a BMC or PDU log): `n1_watts`, `node2_power`, `node_3_power_w` ->
 * true and its node name ("n1", "node2", "node_3") in node (size n); `total_watts`,
 * `total_power`: *total true (the nodes' sum: not a device of its own when nodes are there). */
bool gv_column_node_power(const char *name, char *node, size_t n, bool *total);

/* Whether a header is an nvidia-smi query header (names like power.draw, utilization.gpu,
 * memory.used, or units in brackets): such a file has one row per GPU per query even without an
 * index column. */
bool gv_columns_smi_like(char *const *names, size_t n);

/* A time column's unit from its name: microseconds per unit of `TimeStampUs`/`time_us` (1),
 * `*_ms` (1000), `*_s` (1e6); 0 when the name does not say (numbers then go by magnitude). */
double gv_column_time_unit_us(const char *name);

/* The unit written in a column's name ("W" of `power.draw [W]`, "C" of `Temp (C)`), copied into
 * out (size n); "" when none. */
void gv_column_unit(const char *name, char *out, size_t n);

#endif
