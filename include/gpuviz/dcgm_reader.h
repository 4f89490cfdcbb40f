/* dcgm_reader.h: `dcgmi dmon` and `nvidia-smi dmon` text output, and nvidia-smi's full table
 * printed again and again (src/ingest/smi_table.h), -> timeline schema + sample rows.
 * nvidia-smi dmon's header is `# gpu pwr gtemp ...` / `# Idx W C ...` and its rows start with the
 * GPU id; with `-o DT` (`#Date Time gpu ...`) each row carries its date and time, and a sample
 * takes its first row's.
 * The output is whitespace-aligned, its two header lines (#Entity names, ID units) repeat, and it
 * has no timestamps: sample k (a sample ends where the GPU id stops increasing) is placed at
 * start + k * interval. Owns: its line buffer and the current sample. Lifecycle like the CSV
 * reader: _new, _feed..., _finish, _free; any chunk sizes. */
#ifndef GPUVIZ_DCGM_READER_H
#define GPUVIZ_DCGM_READER_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct gv_dcgm_reader gv_dcgm_reader;

/* Does this text (the first bytes of a file) look like dcgmi dmon or nvidia-smi dmon output, or
 * nvidia-smi's table (a `date` line or the table's border first)? */
bool gv_dcgm_detect(const char *buf, size_t len);
/* Does it carry its own times (nvidia-smi dmon -o DT, the table's date lines)? Then start and interval are not needed. */
bool gv_dcgm_detect_timed(const char *buf, size_t len);

gv_dcgm_reader *gv_dcgm_reader_new(gv_timeline *tl, const char *file_name, gv_sample_sink sink,
                                   const gv_diag *diag, gv_time_us start, double interval_ms);
gv_status gv_dcgm_reader_feed(gv_dcgm_reader *r, const char *buf, size_t len, gv_error *err);
gv_status gv_dcgm_reader_finish(gv_dcgm_reader *r, gv_error *err);
void gv_dcgm_reader_free(gv_dcgm_reader *r);

#endif
