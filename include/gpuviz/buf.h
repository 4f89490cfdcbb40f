/* buf.h: a growable byte buffer (curl's dynbuf idea) and the out-of-memory policy.
 * Owns: the bytes in gv_buf.data. A gv_buf is embedded by its user (_init/_cleanup).
 * Out of memory aborts with a message: gpuviz has nothing useful to do without memory. */
#ifndef GPUVIZ_BUF_H
#define GPUVIZ_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *data; /* always NUL-terminated once anything was appended; NULL when empty */
    size_t len;
    size_t cap;
    size_t max; /* cap on len; 0 = none. Appends beyond it fail (return false) */
} gv_buf;

void *gv_xmalloc(size_t n);                    /* aborts on failure; caller frees */
void *gv_xcalloc(size_t n, size_t size);       /* aborts on failure; caller frees */
void *gv_xrealloc(void *p, size_t n);          /* aborts on failure */
char *gv_xstrndup(const char *s, size_t n);    /* aborts on failure; caller frees */
/* Large, long-lived arrays (the display pyramid): memory straight from the system, as huge pages
 * where Linux allows (one page fault per 2 MB instead of 512: faults are slow, on virtual
 * machines most). Contents undefined; aborts on failure; free with gv_free_large(p, n). */
void *gv_xalloc_large(size_t n);
/* Address space for n bytes (>= 1 MB) committed only as it is touched, in huge pages where
 * possible; NULL when refused (the caller then grows an array as usual). Free with
 * gv_free_large(p, n). */
void *gv_reserve_large(size_t n);
void gv_free_large(void *p, size_t n);

void gv_buf_init(gv_buf *b, size_t max);
void gv_buf_cleanup(gv_buf *b);
void gv_buf_reset(gv_buf *b); /* len = 0, keeps memory */
bool gv_buf_append(gv_buf *b, const void *p, size_t n);
bool gv_buf_puts(gv_buf *b, const char *s);
bool gv_buf_putc(gv_buf *b, char c);
bool gv_buf_printf(gv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Splits s on blanks (space, tab, CR) into at most max words: pointers into s, each word
 * NUL-terminated in place (s is modified). Returns how many. */
size_t gv_words(char *s, char **w, size_t max);

/* Grows a typed array so that it holds at least `need` elements (amortised doubling). */
void gv_grow(void **array, size_t *cap, size_t need, size_t elem_size);
#define GV_GROW(arr, cap, need) gv_grow((void **)&(arr), &(cap), (need), sizeof *(arr))

#endif
