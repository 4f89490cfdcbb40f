/* fuzz_chunks.h: the input convention of the streaming fuzz targets: the first byte picks the
 * chunk size (1 to 64 bytes), the rest is fed in chunks of that size, so that every split of a
 * line, field or escape sequence across feeds gets exercised. */
#ifndef GPUVIZ_FUZZ_CHUNKS_H
#define GPUVIZ_FUZZ_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Feeds one chunk; returns false to stop feeding. */
typedef bool (*fuzz_feed_fn)(void *ctx, const char *buf, size_t len);

/* Feeds data[1..size) to fn in chunks chosen by data[0]; false when size is 0 (nothing to do). */
static inline bool fuzz_feed_chunks(const uint8_t *data, size_t size, fuzz_feed_fn fn, void *ctx)
{
    if (size == 0)
        return false;
    size_t chunk = 1 + data[0] % 64;
    for (size_t off = 1; off < size; off += chunk)
        if (!fn(ctx, (const char *)data + off, size - off < chunk ? size - off : chunk))
            break;
    return true;
}

#endif
