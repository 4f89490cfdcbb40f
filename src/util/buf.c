/* buf.c: growable buffers and aborting allocators. Depends on libc only. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MADV_HUGEPAGE */
#include "gpuviz/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "gpuviz: fatal: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *gv_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *gv_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return p;
}

void *gv_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

#define LARGE_MIN ((size_t)1 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

static size_t large_len(size_t n)
{
    return (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
}

/* A 2 MB-aligned run of whole huge pages of at least n bytes, cut out of a mapping one page
 * longer; NULL when the system refuses. reserve: address space only, committed as touched. */
static void *map_large(size_t n, bool reserve)
{
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE) && defined(MAP_NORESERVE)
    size_t len = large_len(n);
    char *m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | (reserve ? MAP_NORESERVE : 0), -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    char *p = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (p > m)
        munmap(m, (size_t)(p - m));
    if (m + HUGE_PAGE > p)
        munmap(p + len, (size_t)(m + HUGE_PAGE - p));
    madvise(p, len, MADV_HUGEPAGE); /* a wish: without it, plain pages */
    return p;
#else
    (void)n;
    (void)reserve;
    return NULL;
#endif
}

void *gv_xalloc_large(size_t n)
{
    if (n >= LARGE_MIN) {
        void *p = map_large(n, false);
        if (p)
            return p;
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE) && defined(MAP_NORESERVE)
        out_of_memory(n);
#endif
    }
    return gv_xmalloc(n);
}

void *gv_reserve_large(size_t n)
{
    return n >= LARGE_MIN ? map_large(n, true) : NULL;
}

void gv_free_large(void *p, size_t n)
{
    if (!p)
        return;
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE) && defined(MAP_NORESERVE)
    if (n >= LARGE_MIN) {
        munmap(p, large_len(n));
        return;
    }
#endif
    free(p);
}

char *gv_xstrndup(const char *s, size_t n)
{
    char *p = gv_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void gv_grow(void **array, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    *array = gv_xrealloc(*array, n * elem_size);
    *cap = n;
}

void gv_buf_init(gv_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void gv_buf_cleanup(gv_buf *b)
{
    free(b->data);
    gv_buf_init(b, b->max);
}

void gv_buf_reset(gv_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

bool gv_buf_append(gv_buf *b, const void *p, size_t n)
{
    if (b->max && b->len + n > b->max)
        return false;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = gv_xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool gv_buf_puts(gv_buf *b, const char *s) { return gv_buf_append(b, s, strlen(s)); }

bool gv_buf_putc(gv_buf *b, char c) { return gv_buf_append(b, &c, 1); }

bool gv_buf_printf(gv_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return false;
    if ((size_t)n < sizeof small)
        return gv_buf_append(b, small, (size_t)n);
    char *big = gv_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    bool ok = gv_buf_append(b, big, (size_t)n);
    free(big);
    return ok;
}

size_t gv_words(char *s, char **w, size_t max)
{
    size_t n = 0;
    for (char *p = s; *p && n < max;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (!*p)
            break;
        w[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        if (*p)
            *p++ = '\0';
    }
    return n;
}
