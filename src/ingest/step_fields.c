/* step_fields.c: the fields of a training step line (step_fields.h). Depends on libc only. */
#include "step_fields.h"

#include <string.h>

/* Character classes (the table gv_step_char_classes fills). */
enum { C_KEY = 1, C_SPACE = 2, C_LETTER = 4, C_STOP = 8 };

void gv_step_char_classes(unsigned char cls[256])
{
    for (int c = 0; c < 256; c++) {
        bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        bool key = letter || (c >= '0' && c <= '9') || c == '_' || c == '/' || c == ' ';
        bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        cls[c] = (unsigned char)((key ? C_KEY : 0) | (space ? C_SPACE : 0) | (letter ? C_LETTER : 0) |
                                 (c == ':' || c == '|' ? C_STOP : 0));
    }
}

/* One forward scan: `bad` follows the last byte that cannot be part of a key, so the key's start
 * is known when the ':' is reached (a walk back is needed only after a tab before the ':'). */
bool gv_step_next_field(const unsigned char cls[256], const char *f, size_t len, size_t *off,
                        const char **k, size_t *klen, const char **v, size_t *vlen)
{
    const char *end = f + len, *c = f + *off, *seg = c, *bad = c;
#define CLS(p) cls[(unsigned char)*(p)]
    for (;;) {
        for (; c < end && !(CLS(c) & C_STOP); c++)
            if (!(CLS(c) & C_KEY))
                bad = c + 1;
        if (c == end) {
            *off = len;
            return false;
        }
        if (*c == '|') {
            seg = bad = ++c;
            continue;
        }
        const char *e = c, *b; /* a ':' */
        while (e > seg && (CLS(e - 1) & C_SPACE))
            e--;
        if (bad <= e) {
            b = bad;
        } else { /* a byte that is space but no key byte (a tab) before the ':' */
            for (b = e; b > seg && (CLS(b - 1) & C_KEY); b--)
                ;
        }
        while (b < e && !(CLS(b) & C_LETTER))
            b++;
        bad = ++c; /* (a ':' is not part of a key) */
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

/* Whether k[0..len) is name[0..len), ignoring ASCII case (name: lower case). */
static inline bool key_is(const char *k, size_t len, const char *name)
{
    for (size_t i = 0; i < len; i++)
        if ((k[i] >= 'A' && k[i] <= 'Z' ? k[i] + 32 : k[i]) != name[i])
            return false;
    return true;
}

int gv_step_field(const char *k, size_t len)
{
#define KEY(name, field) \
    if (key_is(k, len, name)) \
        return field;
    switch (len) {
    case 2: KEY("dt", GV_SF_DT_MS) break;
    case 3: KEY("mfu", GV_SF_MFU) KEY("lrm", GV_SF_OTHER) KEY("eta", GV_SF_OTHER) break;
    case 4: KEY("loss", GV_SF_LOSS) break;
    case 7: KEY("tok/sec", GV_SF_TOK_PER_SEC) break;
    case 8: KEY("bf16_mfu", GV_SF_MFU) break;
    case 9: KEY("grad norm", GV_SF_OTHER) break;
    case 10: KEY("total time", GV_SF_OTHER) KEY("num_tokens", GV_SF_OTHER) break;
    case 13: KEY("training loss", GV_SF_LOSS) break;
    }
#undef KEY
    return GV_SF_UNKNOWN;
}

