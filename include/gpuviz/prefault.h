/* prefault.h: commits fresh memory ahead of a writer, on a helper thread.
 * A page written for the first time stops its writer while the kernel clears it (on these
 * virtual machines ~0.3 ms per 2 MB huge page): an array filled front to back at a few hundred
 * MB/s (the log's step records) spends a quarter of its time there. The helper commits the pages
 * up to `ahead` bytes past the writer's mark on the other core (MADV_POPULATE_WRITE: contents
 * are never touched, so writer and helper may meet on a page), and the writer finds them ready.
 * Owns: its thread. Where Linux refuses (before 5.14) the helper stops and nothing else changes. */
#ifndef GPUVIZ_PREFAULT_H
#define GPUVIZ_PREFAULT_H

#include <stddef.h>

typedef struct gv_prefault gv_prefault;

/* Starts committing base[0..len) (base page-aligned: gv_reserve_large) ahead of the mark.
 * NULL when no thread could be started; every function takes NULL and does nothing. */
gv_prefault *gv_prefault_start(void *base, size_t len, size_t ahead);
/* The writer has written base[0..written): the helper commits up to `ahead` bytes beyond it,
 * from the second 2 MB piece past the writer's on (the writer faults the nearer ones itself
 * rather than wait for a helper running late). */
void gv_prefault_mark(gv_prefault *pf, size_t written);
/* Stops the helper, waits for it and frees pf. Call before base is unmapped. */
void gv_prefault_stop(gv_prefault *pf);

#endif
