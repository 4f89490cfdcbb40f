/* step_fields.h: the "key: value | key: value" fields of a training step line (private to
 * src/ingest; log_parser.c reads its `fields` group with them). Owns nothing: the caller keeps
 * the class table (256 bytes, filled once) and the text. */
#ifndef GPUVIZ_STEP_FIELDS_H
#define GPUVIZ_STEP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

/* The step fields a key names: the kept ones (gv_step), GV_SF_OTHER (a known key whose value
 * nothing reports: total time, eta, num_tokens) and GV_SF_UNKNOWN. */
enum { GV_SF_LOSS, GV_SF_DT_MS, GV_SF_TOK_PER_SEC, GV_SF_MFU, GV_SF_GRAD_NORM, GV_SF_LRM, GV_SF_KEPT,
       GV_SF_OTHER = GV_SF_KEPT, GV_SF_UNKNOWN };

/* Fills the character-class table gv_step_next_field reads. */
void gv_step_char_classes(unsigned char cls[256]);

/* The next field of f[*off..len): fields are split on '|'; in each, the first ':' preceded by a
 * key (a letter, then letters, digits, _, / or spaces; spaces before the ':' are not part of
 * it) makes the field, its value (leading spaces skipped) running to the '|'. Advances *off
 * past the field; false when none is left. k and v point into f. */
bool gv_step_next_field(const unsigned char cls[256], const char *f, size_t len, size_t *off,
                        const char **k, size_t *klen, const char **v, size_t *vlen);

/* Which field a key (as gv_step_next_field returns it) names, ASCII case ignored: nanochat's
 * names (docs/rules.md). */
int gv_step_field(const char *k, size_t len);

#endif
