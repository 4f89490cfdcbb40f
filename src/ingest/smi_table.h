/* smi_table.h: the full `nvidia-smi` table, printed again and again (`nvidia-smi -l 1 >> log`, or
 * a loop around `date; nvidia-smi`), read as samples (private to src/ingest; dcgm_reader.c feeds it
 * lines). Each snapshot begins with its date line (`Tue Oct 29 19:00:23 2024`, local time, whole
 * seconds); each GPU is two table lines, `|   0  NVIDIA L40S   On |` (its index) and
 * `| N/A   53C    P0   305W /  350W |  11948MiB /  46068MiB |   93%   Default |` (fan, temperature,
 * performance state, power / cap, memory used / total, utilization). The processes table is
 * skipped. Snapshots that share a date line's second (a tight loop) are spread evenly over it:
 * snapshot i of n at stamp + i/n s. Series: power.draw [W], temperature.gpu [C],
 * utilization.gpu [%], memory.used [MiB], fan.speed [%].
 * Owns: the snapshots of the current second (bounded) and its grouper. */
#ifndef GPUVIZ_SMI_TABLE_H
#define GPUVIZ_SMI_TABLE_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct gv_smi_table gv_smi_table;

/* Does this line begin an nvidia-smi table file: a `date` line, or the table's top border? */
bool gv_smi_table_starts(const char *line);

/* Caller frees with _free. file and diag are borrowed for the reader's life. */
gv_smi_table *gv_smi_table_new(gv_timeline *tl, const char *file, gv_sample_sink sink, const gv_diag *diag);
/* One line (without its line end; modified). */
gv_status gv_smi_table_line(gv_smi_table *t, char *line, long line_no, gv_error *err);
gv_status gv_smi_table_finish(gv_smi_table *t, gv_error *err);
void gv_smi_table_free(gv_smi_table *t);

#endif
