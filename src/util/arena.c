/* arena.c: bump allocation in chained blocks; UTF-8 cleaning of stored strings. libc only. */
#include "gpuviz/arena.h"

#include "gpuviz/buf.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct gv_arena_block {
    gv_arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

void gv_arena_init(gv_arena *a) { a->head = NULL; }

void gv_arena_cleanup(gv_arena *a)
{
    gv_arena_block *b = a->head;
    while (b) {
        gv_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

void *gv_arena_alloc(gv_arena *a, size_t n)
{
    size_t align = alignof(max_align_t);
    n = (n + align - 1) / align * align;
    gv_arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 60000 ? n : 60000;
        b = gv_xmalloc(sizeof *b + cap);
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

const char *gv_arena_strndup(gv_arena *a, const char *s, size_t n)
{
    char *out = gv_arena_alloc(a, n * 3 + 1); /* worst case: every byte becomes U+FFFD */
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq_len(p + i, n - i);
        if (len == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else if (len == 1 && (p[i] < 0x20 || p[i] == 0x7F)) {
            out[o++] = p[i] == '\t' ? '\t' : ' ';
            i++;
        } else {
            memcpy(out + o, p + i, len);
            o += len;
            i += len;
        }
    }
    out[o] = '\0';
    return out;
}

const char *gv_arena_strdup(gv_arena *a, const char *s) { return gv_arena_strndup(a, s, strlen(s)); }
