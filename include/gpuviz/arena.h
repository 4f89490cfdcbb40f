/* arena.h: a bump allocator for strings and small records that live as long as the timeline.
 * Owns: every block it hands out; gv_arena_cleanup frees them all at once. */
#ifndef GPUVIZ_ARENA_H
#define GPUVIZ_ARENA_H

#include <stddef.h>

typedef struct gv_arena_block gv_arena_block;
typedef struct {
    gv_arena_block *head;
} gv_arena;

void gv_arena_init(gv_arena *a);
void gv_arena_cleanup(gv_arena *a);
/* Zeroed memory, aligned for any type; lives until gv_arena_cleanup. Aborts when out of memory. */
void *gv_arena_alloc(gv_arena *a, size_t n);
/* Copies s[0..n) as a NUL-terminated string, replacing invalid UTF-8 and control characters
 * (other than tab) with U+FFFD / space so that every stored string is safe to emit as JSON. */
const char *gv_arena_strndup(gv_arena *a, const char *s, size_t n);
const char *gv_arena_strdup(gv_arena *a, const char *s);

#endif
