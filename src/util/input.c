/* input.c: plain, standard-input and gzip inputs behind one read call. The first bytes are read
 * into a buffer to recognise gzip, so pipes work too; gzip members are inflated one after the
 * other (concatenated .gz files). Depends on libc, POSIX and zlib only. */
#include "gpuviz/input.h"

#include "gpuviz/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define RAW_CAP (128u << 10) /* (gzip input and small reads; large plain reads bypass it) */
#define DIRECT_MIN (64u << 10) /* plain reads at least this large bypass the raw buffer */
#define U16_CAP (64u << 10)

struct gv_input {
    const char *path;
    FILE *f;
    bool is_stdin, gzip, raw_eof, done;
    unsigned char *raw;      /* bytes read from the file, not yet consumed */
    size_t raw_len, raw_pos;
    unsigned long long consumed, size;
    z_stream zs;
    char *back;              /* pushed-back content (gv_input_unread) */
    size_t back_len, back_pos;
    int utf16;               /* 0, or the byte order of a UTF-16 file (1 little, 2 big endian) */
    unsigned char *u16;      /* UTF-16 bytes read, not yet decoded (U16_CAP; only for such files) */
    size_t u16_len;
};

static bool fill(gv_input *in)
{
    if (in->raw_pos < in->raw_len || in->raw_eof)
        return in->raw_pos < in->raw_len;
    in->raw_len = fread(in->raw, 1, RAW_CAP, in->f);
    in->raw_pos = 0;
    if (in->raw_len == 0)
        in->raw_eof = true;
    return in->raw_len > 0;
}

gv_status gv_input_open(gv_input **out, const char *path, gv_error *err)
{
    *out = NULL;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        gv_error_set(err, path, 0, "cannot open: %s", strerror(errno));
        return GV_ERR_INPUT;
    }
    struct stat st;
    unsigned long long size = 0;
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            gv_error_set(err, path, 0, "is a directory, not a file");
            if (!is_stdin)
                fclose(f);
            return GV_ERR_INPUT;
        }
        if (S_ISREG(st.st_mode))
            size = (unsigned long long)st.st_size;
    }
    gv_input *in = gv_xcalloc(1, sizeof *in);
    in->path = path;
    in->f = f;
    in->is_stdin = is_stdin;
    in->size = size;
    in->raw = gv_xmalloc(RAW_CAP);
    fill(in);
    if (in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
        in->gzip = true;
        if (inflateInit2(&in->zs, 15 + 32) != Z_OK) {
            gv_error_set(err, path, 0, "cannot start gzip decompression");
            gv_input_close(in);
            return GV_ERR_INPUT;
        }
    }
    /* UTF-16 with a byte order mark (Windows PowerShell's `>`): decoded to UTF-8 as it is read */
    if (!in->gzip && in->raw_len >= 2 && ((in->raw[0] == 0xFF && in->raw[1] == 0xFE) ||
                                          (in->raw[0] == 0xFE && in->raw[1] == 0xFF))) {
        in->utf16 = in->raw[0] == 0xFF ? 1 : 2;
        in->u16 = gv_xmalloc(U16_CAP);
        in->raw_pos = 2;
        in->consumed = 2;
    }
    *out = in;
    return GV_OK;
}

void gv_input_unread(gv_input *in, const char *buf, size_t n)
{
    free(in->back);
    in->back = gv_xmalloc(n ? n : 1);
    memcpy(in->back, buf, n);
    in->back_len = n;
    in->back_pos = 0;
}

static long read_bytes(gv_input *in, char *buf, size_t cap, gv_error *err);

/* Up to cap bytes of UTF-8 from a UTF-16 file: each unit pair read becomes 1-3 bytes, a
 * surrogate pair 4; unpaired surrogates become U+FFFD. */
static long read_utf16(gv_input *in, char *buf, size_t cap, gv_error *err)
{
    size_t o = 0;
    bool eof = false;
    while (o + 4 <= cap && !eof) {
        size_t room = (cap - o) / 3 * 2; /* (3 bytes of UTF-8 at most per unit) */
        if (room > U16_CAP - in->u16_len)
            room = U16_CAP - in->u16_len;
        long n = 0;
        if (room >= 2) { /* (else decode what is held first) */
            n = read_bytes(in, (char *)in->u16 + in->u16_len, room, err);
            if (n < 0)
                return -1;
            eof = n == 0;
        }
        in->u16_len += (size_t)n;
        size_t i = 0;
        while (i + 2 <= in->u16_len && o + 4 <= cap) {
            const unsigned char *u = in->u16 + i;
            unsigned c = in->utf16 == 1 ? (unsigned)(u[0] | u[1] << 8) : (unsigned)(u[0] << 8 | u[1]);
            size_t used = 2;
            if (c >= 0xD800 && c < 0xDC00) { /* a high surrogate: its pair next */
                if (i + 4 > in->u16_len && !eof)
                    break;
                unsigned d = i + 4 <= in->u16_len ? (in->utf16 == 1 ? (unsigned)(u[2] | u[3] << 8)
                                                                   : (unsigned)(u[2] << 8 | u[3])) : 0;
                if (d >= 0xDC00 && d < 0xE000) {
                    c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
                    used = 4;
                } else {
                    c = 0xFFFD;
                }
            } else if (c >= 0xDC00 && c < 0xE000) {
                c = 0xFFFD;
            }
            if (c < 0x80) {
                buf[o++] = (char)c;
            } else if (c < 0x800) {
                buf[o++] = (char)(0xC0 | c >> 6);
                buf[o++] = (char)(0x80 | (c & 0x3F));
            } else if (c < 0x10000) {
                buf[o++] = (char)(0xE0 | c >> 12);
                buf[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
                buf[o++] = (char)(0x80 | (c & 0x3F));
            } else {
                buf[o++] = (char)(0xF0 | c >> 18);
                buf[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
                buf[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
                buf[o++] = (char)(0x80 | (c & 0x3F));
            }
            i += used;
        }
        memmove(in->u16, in->u16 + i, in->u16_len - i);
        in->u16_len -= i;
        if (o)
            break;
    }
    return (long)o;
}

long gv_input_read(gv_input *in, char *buf, size_t cap, gv_error *err)
{
    if (cap > (size_t)1 << 30)
        cap = (size_t)1 << 30;
    if (in->back_pos < in->back_len) {
        size_t n = in->back_len - in->back_pos < cap ? in->back_len - in->back_pos : cap;
        memcpy(buf, in->back + in->back_pos, n);
        in->back_pos += n;
        return (long)n;
    }
    if (in->utf16 && cap >= 4)
        return read_utf16(in, buf, cap, err);
    return read_bytes(in, buf, cap, err);
}

static long read_bytes(gv_input *in, char *buf, size_t cap, gv_error *err)
{
    if (!in->gzip) {
        if (in->raw_pos == in->raw_len && !in->raw_eof && cap >= DIRECT_MIN) {
            /* a large read straight into the caller's buffer: no second copy */
            size_t n = fread(buf, 1, cap, in->f);
            if (n == 0) {
                in->raw_eof = true;
                if (ferror(in->f)) {
                    gv_error_set(err, in->path, 0, "read error: %s", strerror(errno));
                    return -1;
                }
            }
            in->consumed += n;
            return (long)n;
        }
        if (!fill(in)) {
            if (ferror(in->f)) {
                gv_error_set(err, in->path, 0, "read error: %s", strerror(errno));
                return -1;
            }
            return 0;
        }
        size_t n = in->raw_len - in->raw_pos < cap ? in->raw_len - in->raw_pos : cap;
        memcpy(buf, in->raw + in->raw_pos, n);
        in->raw_pos += n;
        in->consumed += n;
        return (long)n;
    }
    size_t produced = 0;
    while (produced == 0 && !in->done) {
        if (!fill(in)) {
            if (ferror(in->f)) {
                gv_error_set(err, in->path, 0, "read error: %s", strerror(errno));
                return -1;
            }
            gv_error_set(err, in->path, 0, "gzip data ends early (truncated file?)");
            return -1;
        }
        in->zs.next_in = in->raw + in->raw_pos;
        in->zs.avail_in = (uInt)(in->raw_len - in->raw_pos);
        in->zs.next_out = (unsigned char *)buf + produced;
        in->zs.avail_out = (uInt)(cap - produced);
        int rc = inflate(&in->zs, Z_NO_FLUSH);
        size_t used = (in->raw_len - in->raw_pos) - in->zs.avail_in;
        in->raw_pos += used;
        in->consumed += used;
        produced = cap - in->zs.avail_out;
        if (rc == Z_STREAM_END) {
            /* another member may follow (cat a.gz b.gz) */
            if (fill(in))
                inflateReset(&in->zs);
            else
                in->done = true;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            gv_error_set(err, in->path, 0, "gzip data is corrupt (%s)", in->zs.msg ? in->zs.msg : "inflate failed");
            return -1;
        }
    }
    return (long)produced;
}

unsigned long long gv_input_consumed(const gv_input *in) { return in->consumed; }
unsigned long long gv_input_size(const gv_input *in) { return in->size; }
bool gv_input_compressed(const gv_input *in) { return in->gzip; }

void gv_input_close(gv_input *in)
{
    if (!in)
        return;
    if (in->gzip)
        inflateEnd(&in->zs);
    if (!in->is_stdin)
        fclose(in->f);
    free(in->raw);
    free(in->back);
    free(in->u16);
    free(in);
}
