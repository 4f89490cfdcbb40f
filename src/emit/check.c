/* check.c: --check expressions over the summary document (docs/checks.md).
 * Grammar:  check := operand OP operand      OP := < | <= | > | >= | == | !=
 *           operand := NUMBER | name | FUNC '(' name ')'    FUNC := max|min|mean|sum|count
 *           name := part ('.' part)*          part := identifier | index
 * A name walks the summary: object keys (with the aliases phase -> phases, energy_share ->
 * share_energy, time_share -> share_time, gpuN -> the GPU with index N); on a list, `count` is
 * its length, a number indexes it, an anomaly kind or severity or an event type filters it, any
 * other part is
 * taken from every element. FUNC(temp_c|power_w|energy_wh) is shorthand over the GPUs: max takes
 * their maxima, min their minima, mean and sum their means (or their energies).
 * Depends on the summary (cJSON) and util. */
#include "gpuviz/buf.h"
#include "gpuviz/summary.h"
#include "gpuviz/timeline.h"
#include "summary_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { F_NONE, F_MAX, F_MIN, F_MEAN, F_SUM, F_COUNT } func;
typedef enum { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE } op;

typedef struct {
    bool is_num;
    double num;
    func fn;
    char *parts[32];
    size_t parts_len;
    int col;   /* 1-based column where the operand starts */
    char *text;
} operand;

struct gv_check {
    char *expr;
    operand a, b;
    op o;
};

static const char *const FUNCS[] = {"", "max", "min", "mean", "sum", "count"};
static const char *const OPS[] = {"<", "<=", ">", ">=", "==", "!="};
static const char *const ROOTS[] = {
    "schema_version", "gpuviz_version", "inputs", "time_range", "sample_rate_hz", "gpus",
    "energy_wh_total", "phases", "phase", "evaluation_overhead", "training", "steps", "validation",
    "events", "anomalies", "anomaly_counts", "warnings", "settings", "temp_c", "power_w", "energy_wh"};

static void free_operand(operand *x)
{
    for (size_t i = 0; i < x->parts_len; i++)
        free(x->parts[i]);
    free(x->text);
}

void gv_check_free(gv_check *c)
{
    if (!c)
        return;
    free_operand(&c->a);
    free_operand(&c->b);
    free(c->expr);
    free(c);
}

static bool is_gpu_part(const char *p) { return strncmp(p, "gpu", 3) == 0 && isdigit((unsigned char)p[3]); }

static bool parse_operand(const char *e, size_t *i, operand *x, gv_error *err)
{
    while (e[*i] == ' ')
        (*i)++;
    x->col = (int)*i + 1;
    size_t start = *i;
    const char *s = e + *i;
    if (isdigit((unsigned char)*s) || *s == '-' || *s == '+' || *s == '.') {
        char *end;
        x->num = strtod(s, &end);
        if (end == s || !isfinite(x->num)) {
            gv_error_set(err, NULL, 0, "{opt:check} '%s': expected a number at column %d", e, x->col);
            return false;
        }
        x->is_num = true;
        *i += (size_t)(end - s);
        x->text = gv_xstrndup(s, (size_t)(end - s));
        return true;
    }
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_')
        n++;
    if (n == 0) {
        gv_error_set(err, NULL, 0, "{opt:check} '%s': expected a number or a name at column %d", e, x->col);
        return false;
    }
    bool call = s[n] == '(';
    if (call) {
        for (int f = F_MAX; f <= F_COUNT; f++)
            if (strlen(FUNCS[f]) == n && strncmp(FUNCS[f], s, n) == 0)
                x->fn = (func)f;
        if (x->fn == F_NONE) {
            gv_error_set(err, NULL, 0, "{opt:check} '%s': unknown function '%.*s' at column %d (max, min, "
                         "mean, sum, count)", e, (int)n, s, x->col);
            return false;
        }
        *i += n + 1;
    }
    /* the dotted name */
    for (;;) {
        const char *p = e + *i;
        size_t m = 0;
        while (isalnum((unsigned char)p[m]) || p[m] == '_')
            m++;
        if (m == 0 || x->parts_len == 32) {
            gv_error_set(err, NULL, 0, "{opt:check} '%s': expected a name at column %d", e, (int)*i + 1);
            return false;
        }
        x->parts[x->parts_len++] = gv_xstrndup(p, m);
        *i += m;
        if (e[*i] != '.')
            break;
        (*i)++;
    }
    const char *root = x->parts[0];
    bool known = is_gpu_part(root);
    for (size_t r = 0; r < sizeof ROOTS / sizeof *ROOTS && !known; r++)
        known = strcmp(ROOTS[r], root) == 0;
    bool shorthand = !strcmp(root, "temp_c") || !strcmp(root, "power_w") || !strcmp(root, "energy_wh");
    if (!known || (shorthand && (x->fn == F_NONE || x->parts_len > 1))) {
        gv_error_set(err, NULL, 0, "{opt:check} '%s': unknown name '%s' at column %d%s", e, root,
                     x->col + (call ? (int)n + 1 : 0),
                     shorthand ? " (use it inside max(), min(), mean(), sum() or count())" : "");
        return false;
    }
    if (call) {
        if (e[*i] != ')') {
            gv_error_set(err, NULL, 0, "{opt:check} '%s': expected ')' at column %d", e, (int)*i + 1);
            return false;
        }
        (*i)++;
    }
    x->text = gv_xstrndup(e + start, *i - start);
    return true;
}

gv_check *gv_check_parse(const char *expr, gv_error *err)
{
    gv_check *c = gv_xcalloc(1, sizeof *c);
    c->expr = gv_xstrndup(expr, strlen(expr));
    size_t i = 0;
    if (!parse_operand(expr, &i, &c->a, err))
        goto fail;
    while (expr[i] == ' ')
        i++;
    int best = -1;
    for (int o = 0; o < 6; o++)
        if (strncmp(expr + i, OPS[o], strlen(OPS[o])) == 0 && (best < 0 || strlen(OPS[o]) > strlen(OPS[best])))
            best = o;
    if (best < 0) {
        gv_error_set(err, NULL, 0, "{opt:check} '%s': expected one of < <= > >= == != at column %zu", expr, i + 1);
        goto fail;
    }
    c->o = (op)best;
    i += strlen(OPS[best]);
    if (!parse_operand(expr, &i, &c->b, err))
        goto fail;
    while (expr[i] == ' ')
        i++;
    if (expr[i]) {
        gv_error_set(err, NULL, 0, "{opt:check} '%s': unexpected '%s' at column %zu", expr, expr + i, i + 1);
        goto fail;
    }
    return c;
fail:
    gv_check_free(c);
    return NULL;
}

/* ---- evaluation ---- */

typedef struct {
    cJSON **items;
    size_t n;
} list;

/* An anomaly kind or severity, or an event type of the run (the summary's event_types). */
static bool is_filter_name(const cJSON *doc, const char *p)
{
    for (int k = 0; k < GV_AN_KIND_COUNT; k++)
        if (!strcmp(p, gv_anomaly_kind_name((gv_anomaly_kind)k)))
            return true;
    for (int s = 0; s < GV_SEV_COUNT; s++)
        if (!strcmp(p, gv_severity_name((gv_severity)s)))
            return true;
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "event_types")) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "name");
        if (cJSON_IsString(name) && !strcmp(p, name->valuestring))
            return true;
    }
    return false;
}

static const char *alias(const char *p, size_t depth)
{
    if (depth == 0 && !strcmp(p, "phase"))
        return "phases";
    if (!strcmp(p, "energy_share"))
        return "share_energy";
    if (!strcmp(p, "time_share"))
        return "share_time";
    return p;
}

/* Resolves a name to a list of values (a single value is a list of one). On an unknown part
 * returns false with err set; *count_of receives a list length when the name ends in count. */
static bool resolve(const gv_check *c, const operand *x, cJSON *doc, list *out, double *count_of,
                    gv_error *err)
{
    const char *parts[34];
    size_t n = 0;
    const char *root = x->parts[0];
    static const char *const STAT[] = {"", "max", "min", "mean", "mean", ""};
    if (!strcmp(root, "temp_c") || !strcmp(root, "power_w") || !strcmp(root, "energy_wh")) {
        parts[n++] = "gpus";
        parts[n++] = x->parts[0];
        if (strcmp(root, "energy_wh") && STAT[x->fn][0])
            parts[n++] = STAT[x->fn];
        if (x->fn == F_COUNT)
            n = 1, parts[0] = "gpus";
    } else {
        for (size_t i = 0; i < x->parts_len; i++)
            parts[n++] = x->parts[i];
    }
    list cur = {gv_xmalloc(sizeof(cJSON *)), 1};
    cur.items[0] = doc;
    bool single = true;
    *count_of = NAN;
    for (size_t i = 0; i < n; i++) {
        const char *p = alias(parts[i], i);
        if (i == 0 && is_gpu_part(p)) {
            cJSON *g, *found = NULL;
            cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(doc, "gpus")) {
                cJSON *idx = cJSON_GetObjectItemCaseSensitive(g, "index");
                if (cJSON_IsNumber(idx) && idx->valuedouble == atof(p + 3))
                    found = g;
            }
            if (!found) {
                gv_error_set(err, NULL, 0, "{opt:check} '%s': there is no %s in this run", c->expr, p);
                free(cur.items);
                return false;
            }
            cur.items[0] = found;
            continue;
        }
        if (single && cur.n == 1 && cJSON_IsObject(cur.items[0])) {
            cJSON *v = cJSON_GetObjectItemCaseSensitive(cur.items[0], p);
            if (!v) {
                gv_error_set(err, NULL, 0, "{opt:check} '%s': unknown name '%s' in '%s' (column %d)",
                             c->expr, parts[i], x->text, x->col);
                free(cur.items);
                return false;
            }
            if (cJSON_IsArray(v)) {
                size_t len = (size_t)cJSON_GetArraySize(v);
                free(cur.items);
                cur.items = gv_xmalloc((len + 1) * sizeof *cur.items);
                cur.n = 0;
                cJSON *it;
                cJSON_ArrayForEach(it, v) cur.items[cur.n++] = it;
                single = false;
            } else {
                cur.items[0] = v;
            }
            continue;
        }
        if (single && cur.n == 1 && cJSON_IsNull(cur.items[0]))
            break; /* e.g. validation.last when there was no validation: no value */
        if (single) {
            gv_error_set(err, NULL, 0, "{opt:check} '%s': '%s' has no part '%s' (column %d)", c->expr,
                         x->text, parts[i], x->col);
            free(cur.items);
            return false;
        }
        /* on a list */
        if (!strcmp(p, "count") || !strcmp(p, "length")) {
            *count_of = (double)cur.n;
            free(cur.items);
            out->items = NULL;
            out->n = 0;
            return true;
        }
        size_t o = 0;
        if (isdigit((unsigned char)p[0])) {
            size_t k = (size_t)atol(p);
            if (k < cur.n) {
                cur.items[0] = cur.items[k];
                o = 1;
            }
            single = true;
        } else if (is_filter_name(doc, p)) {
            for (size_t k = 0; k < cur.n; k++) {
                cJSON *kind = cJSON_GetObjectItemCaseSensitive(cur.items[k], "kind");
                cJSON *sev = cJSON_GetObjectItemCaseSensitive(cur.items[k], "severity");
                if (!kind)
                    kind = cJSON_GetObjectItemCaseSensitive(cur.items[k], "type");
                if ((cJSON_IsString(kind) && !strcmp(kind->valuestring, p)) ||
                    (cJSON_IsString(sev) && !strcmp(sev->valuestring, p)))
                    cur.items[o++] = cur.items[k];
            }
        } else {
            for (size_t k = 0; k < cur.n; k++) {
                cJSON *v = cJSON_GetObjectItemCaseSensitive(cur.items[k], p);
                if (v)
                    cur.items[o++] = v;
            }
            if (o == 0 && cur.n > 0) {
                gv_error_set(err, NULL, 0, "{opt:check} '%s': unknown name '%s' in '%s' (column %d)",
                             c->expr, parts[i], x->text, x->col);
                free(cur.items);
                return false;
            }
        }
        cur.n = o;
    }
    *out = cur;
    if (single && cur.n == 1 && cJSON_IsArray(cur.items[0])) { /* a name ending on a list */
        list l = {gv_xmalloc(((size_t)cJSON_GetArraySize(cur.items[0]) + 1) * sizeof(cJSON *)), 0};
        cJSON *it;
        cJSON_ArrayForEach(it, cur.items[0]) l.items[l.n++] = it;
        free(cur.items);
        *out = l;
    }
    return true;
}

/* The operand's value: NAN for null / no values (the check then fails). */
static bool value_of(const gv_check *c, const operand *x, cJSON *doc, double *v, gv_error *err)
{
    if (x->is_num) {
        *v = x->num;
        return true;
    }
    list l;
    double count_of;
    if (!resolve(c, x, doc, &l, &count_of, err))
        return false;
    if (!isnan(count_of)) {
        *v = count_of;
        return true;
    }
    if (x->fn == F_COUNT) {
        *v = (double)l.n;
        free(l.items);
        return true;
    }
    double acc = NAN, sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++) {
        cJSON *it = l.items[i];
        if (cJSON_IsNull(it))
            continue;
        if (!cJSON_IsNumber(it) && !cJSON_IsBool(it)) {
            gv_error_set(err, NULL, 0, "{opt:check} '%s': '%s' is not a number", c->expr, x->text);
            free(l.items);
            return false;
        }
        double y = cJSON_IsBool(it) ? (cJSON_IsTrue(it) ? 1 : 0) : it->valuedouble;
        if (n == 0 || (x->fn == F_MAX && y > acc) || (x->fn == F_MIN && y < acc))
            acc = y;
        sum += y;
        n++;
    }
    free(l.items);
    if (x->fn == F_NONE && l.n > 1) {
        gv_error_set(err, NULL, 0, "{opt:check} '%s': '%s' has %zu values; use max(), min(), mean(), "
                     "sum() or count()", c->expr, x->text, l.n);
        return false;
    }
    *v = n == 0 ? NAN : x->fn == F_SUM ? sum : x->fn == F_MEAN ? sum / (double)n : acc;
    return true;
}

gv_status gv_check_eval(const gv_check *c, const gv_summary *s, gv_check_result *r, gv_error *err)
{
    double a, b;
    if (!value_of(c, &c->a, s->doc, &a, err) || !value_of(c, &c->b, s->doc, &b, err))
        return GV_ERR_OPTION;
    bool ok = false;
    if (!isnan(a) && !isnan(b)) {
        switch (c->o) {
        case OP_LT: ok = a < b; break;
        case OP_LE: ok = a <= b; break;
        case OP_GT: ok = a > b; break;
        case OP_GE: ok = a >= b; break;
        case OP_EQ: ok = a == b; break;
        case OP_NE: ok = a != b; break;
        }
    }
    r->pass = ok;
    char x[40], y[40];
    snprintf(x, sizeof x, isnan(a) ? "no value" : "%.10g", a);
    snprintf(y, sizeof y, isnan(b) ? "no value" : "%.10g", b);
    snprintf(r->detail, sizeof r->detail, "%s %s %s", x, OPS[c->o], y);
    return GV_OK;
}
