/* input.h: an input file as a byte stream: a path, or "-" for standard input, read plainly or,
 * when it starts with the gzip magic bytes, inflated with zlib (the content decides, not the
 * name). A file that starts with a UTF-16 byte order mark (PowerShell's `>`) is decoded to UTF-8.
 * Owns: the open file, the zlib stream and their buffers until gv_input_close. */
#ifndef GPUVIZ_INPUT_H
#define GPUVIZ_INPUT_H

#include "gpuviz/status.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct gv_input gv_input;

/* Opens path ("-": standard input). Errors name the file (cannot open, is a directory). The
 * caller frees with gv_input_close. */
gv_status gv_input_open(gv_input **in, const char *path, gv_error *err);
/* Reads up to cap bytes of content; returns 0 at the end, -1 on an error (err says which). */
long gv_input_read(gv_input *in, char *buf, size_t cap, gv_error *err);
/* Pushes n bytes back: the next reads return them first (once; n <= the last read's size). */
void gv_input_unread(gv_input *in, const char *buf, size_t n);
/* Bytes of the file consumed so far and its size on disk (0 when unknown, e.g. a pipe). */
unsigned long long gv_input_consumed(const gv_input *in);
unsigned long long gv_input_size(const gv_input *in);
bool gv_input_compressed(const gv_input *in);
void gv_input_close(gv_input *in);

#endif
