/* step_fields.c: the fields of a training step line (step_fields.h). Depends on libc only. */
#include "step_fields.h"

#include <stdint.h>
#include <string.h>

/* Character classes (the table gv_step_char_classes fills). */
enum { C_KEY = 1, C_SPACE = 2, C_LETTER = 4 };

void gv_step_char_classes(unsigned char cls[256])
{
    for (int c = 0; c < 256; c++) {
        bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        bool key = letter || (c >= '0' && c <= '9') || c == '_' || c == '/' || c == ' ';
        bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        cls[c] = (unsigned char)((key ? C_KEY : 0) | (space ? C_SPACE : 0) | (letter ? C_LETTER : 0));
    }
}

/* The first ':' or '|' in [c, end), or end: 8 bytes at a step where the byte order allows
 * (the lowest flagged byte of the classic has-zero-byte test is exact). */
static inline const char *next_stop(const char *c, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    for (; end - c >= 8; c += 8) {
        uint64_t x;
        memcpy(&x, c, 8);
        uint64_t a = x ^ (ones * ':'), b = x ^ (ones * '|');
        uint64_t hit = (((a - ones) & ~a) | ((b - ones) & ~b)) & highs;
        if (hit)
            return c + (__builtin_ctzll(hit) >> 3);
    }
#endif
    while (c < end && *c != ':' && *c != '|')
        c++;
    return c;
}

bool gv_step_next_field(const unsigned char cls[256], const char *f, size_t len, size_t *off,
                        const char **k, size_t *klen, const char **v, size_t *vlen)
{
    const char *end = f + len, *c = f + *off, *seg = c;
#define CLS(p) cls[(unsigned char)*(p)]
    for (;;) {
        c = next_stop(c, end);
        if (c == end) {
            *off = len;
            return false;
        }
        if (*c == '|') {
            seg = ++c;
            continue;
        }
        const char *e = c, *b; /* a ':': the key before it (a ':' is no key byte) */
        while (e > seg && (CLS(e - 1) & C_SPACE))
            e--;
        for (b = e; b > seg && (CLS(b - 1) & C_KEY); b--)
            ;
        while (b < e && !(CLS(b) & C_LETTER))
            b++;
        c++;
        if (b == e)
            continue;
        const char *bar = memchr(c, '|', (size_t)(end - c)), *fend = bar ? bar : end;
        while (c < fend && (CLS(c) & C_SPACE))
            c++;
        *k = b;
        *klen = (size_t)(e - b);
        *v = c;
        *vlen = (size_t)(fend - c);
        *off = (size_t)(fend - f);
        return true;
    }
#undef CLS
}

/* Whether the key k[0..len) is name[0..len) (lower case), ASCII case ignored: bit 0x20 set on
 * both sides, which within the bytes of keys (letters, digits, '_', '/', ' ') tells only the case
 * of letters. Byte by byte: len is a constant at each call, the loop unrolled (whole words
 * gathered from bytes would wait on store forwarding). */
static inline bool key_is(const char *k, size_t len, const char *name)
{
    unsigned diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= ((unsigned char)k[i] ^ (unsigned char)name[i]) & ~0x20u;
    return diff == 0;
}

int gv_step_field(const char *k, size_t len)
{
#define KEY(name, field) \
    if (key_is(k, len, name)) \
        return field;
    switch (len) {
    case 2: KEY("dt", GV_SF_DT_MS) break;
    case 3: KEY("mfu", GV_SF_MFU) KEY("lrm", GV_SF_LRM) KEY("eta", GV_SF_OTHER) break;
    case 4: KEY("loss", GV_SF_LOSS) break;
    case 7: KEY("tok/sec", GV_SF_TOK_PER_SEC) break;
    case 8: KEY("bf16_mfu", GV_SF_MFU) break;
    case 9: KEY("grad norm", GV_SF_GRAD_NORM) break;
    case 10: KEY("total time", GV_SF_OTHER) KEY("num_tokens", GV_SF_OTHER) break;
    case 13: KEY("training loss", GV_SF_LOSS) break;
    }
#undef KEY
    return GV_SF_UNKNOWN;
}

