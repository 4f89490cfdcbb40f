/* atomic_file.h: outputs that never leave a half-written file behind.
 * Owns: the temporary file and its name until _commit renames it over the target or _abort
 * removes it. "-" means standard output (written directly, never closed). */
#ifndef GPUVIZ_ATOMIC_FILE_H
#define GPUVIZ_ATOMIC_FILE_H

#include "gpuviz/status.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    FILE *f;        /* write here */
    char *path;     /* target (malloc'd) */
    char *tmp_path; /* NULL for stdout */
} gv_out;

/* Opens `<path>.tmp.XXXXXX` beside the target (or stdout for "-"). */
gv_status gv_out_open(gv_out *o, const char *path, gv_error *err);
/* Flushes, closes and renames onto the target; on failure removes the temporary file. */
gv_status gv_out_commit(gv_out *o, gv_error *err);
/* Discards the temporary file (safe after a failed commit or on an unopened gv_out{0}). */
void gv_out_abort(gv_out *o);

/* True when both paths name the same existing file (same device and inode), or are equal
 * strings. "-" never matches. */
bool gv_same_file(const char *a, const char *b);

#endif
