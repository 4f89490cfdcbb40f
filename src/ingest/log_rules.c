/* log_rules.c: rules files (JSON, read with cJSON) -> compiled rule sets; label templates.
 * Depends on util and the model's type names only. The schema is docs/rules.md; every check
 * here names the rule (its JSON path), the field and, for patterns, the offset in the pattern. */
#include "log_rules_impl.h"

#include "gpuviz/input.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char gv_asset_rules_json[], gv_asset_rules_modded[], gv_asset_rules_llmc[],
    gv_asset_rules_hf[], gv_asset_rules_mlperf[];
extern const unsigned long gv_asset_rules_json_len, gv_asset_rules_modded_len, gv_asset_rules_llmc_len,
    gv_asset_rules_hf_len, gv_asset_rules_mlperf_len;

#define RULES_FILE_MAX (4u << 20) /* a rules file is small; more is a mistake */

const char *const gv_rule_group_names[RG_COUNT] = {
    "step", "value", "metric", "duration", "task", "shots", "task_type", "accuracy", "centered",
    "what", "dir", "total", "fields", "loss", "grad_norm", "lrm", "dt_ms", "tok_per_sec", "mfu",
    "total_time_min", "eta_min", "num_tokens", "time", "year", "month", "day", "hour", "minute",
    "second", "epoch_s", "epoch_ms", "elapsed", "ranks"};

/* Event fields a template may name besides capture groups. */
static const char *const TEMPLATE_FIELDS[] = {"step", "type", "count", "value"};

/* ---------------------------------------------------------------- templates */

typedef enum { TK_END, TK_TEXT, TK_PLACE, TK_OPEN, TK_CLOSE, TK_ERROR } tk_kind;
typedef struct {
    tk_kind kind;
    const char *p, *spec; /* TEXT: p[0..n); PLACE: name p[0..n), spec[0..slen) */
    size_t n, slen;
    const char *error;    /* TK_ERROR */
} tk;

/* The token at s[*i], advancing *i. */
static tk tmpl_next(const char *s, size_t *i)
{
    const char *c = s + *i;
    if (!*c)
        return (tk){.kind = TK_END};
    if ((c[0] == '{' && c[1] == '{') || (c[0] == '}' && c[1] == '}') || (c[0] == '[' && c[1] == '[') ||
        (c[0] == ']' && c[1] == ']')) {
        *i += 2;
        return (tk){.kind = TK_TEXT, .p = c, .n = 1};
    }
    if (*c == '[' || *c == ']') {
        (*i)++;
        return (tk){.kind = *c == '[' ? TK_OPEN : TK_CLOSE};
    }
    if (*c == '}')
        return (tk){.kind = TK_ERROR, .error = "'}' without '{' (write }} for a brace)"};
    if (*c != '{') {
        size_t n = strcspn(c, "{}[]");
        *i += n;
        return (tk){.kind = TK_TEXT, .p = c, .n = n};
    }
    const char *end = strchr(c, '}');
    if (!end)
        return (tk){.kind = TK_ERROR, .error = "'{' without '}' (write {{ for a brace)"};
    const char *name = c + 1;
    size_t n = strcspn(name, ":}");
    const char *spec = name + n + (name[n] == ':');
    *i += (size_t)(end - c) + 1;
    return (tk){.kind = TK_PLACE, .p = name, .n = n, .spec = spec, .slen = (size_t)(end - spec)};
}

static bool spec_valid(const char *spec, size_t slen)
{
    return slen == 0 || (slen == 1 && spec[0] == 'd') ||
           (slen == 3 && spec[0] == '.' && spec[1] >= '0' && spec[1] <= '9' && spec[2] == 'f');
}

void gv_tmpl_format_number(double v, const char *spec, size_t slen, gv_buf *out)
{
    if (slen == 1 && spec[0] == 'd' && isfinite(v))
        gv_buf_printf(out, "%.0f", trunc(v));
    else if (slen == 3)
        gv_buf_printf(out, "%.*f", spec[1] - '0', v);
    else
        gv_buf_printf(out, "%.15g", v);
}

void gv_tmpl_render(const char *tmpl, gv_tmpl_resolve resolve, void *ctx, gv_buf *out)
{
    size_t i = 0, opt_start = 0;
    bool in_opt = false, opt_ok = true;
    gv_buf_append(out, "", 0);
    for (;;) {
        tk t = tmpl_next(tmpl, &i);
        if (t.kind == TK_END || t.kind == TK_ERROR) /* errors were refused at load */
            break;
        if (t.kind == TK_TEXT) {
            gv_buf_append(out, t.p, t.n);
        } else if (t.kind == TK_OPEN) {
            in_opt = true;
            opt_ok = true;
            opt_start = out->len;
        } else if (t.kind == TK_CLOSE) {
            if (in_opt && !opt_ok) {
                out->len = opt_start;
                out->data[out->len] = '\0';
            }
            in_opt = false;
        } else {
            size_t before = out->len;
            if (!resolve(ctx, t.p, t.n, t.spec, t.slen, out)) {
                out->len = before;
                if (out->data)
                    out->data[before] = '\0';
                if (in_opt)
                    opt_ok = false;
                else
                    gv_buf_putc(out, '?');
            }
        }
    }
}

/* ---------------------------------------------------------------- loading */

typedef struct {
    const char *file;
    gv_error *err;
    gv_log_rules *r;
    char path[96]; /* JSON path of the rule being read, for errors */
} loader;

static bool fail(loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(loader *L, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gv_error_set(L->err, L->file, 0, "%s%s%s", L->path, *L->path ? ": " : "", msg);
    return false;
}

/* Refuses fields not in allowed (NULL-terminated) and fields given twice. */
static bool check_fields(loader *L, const cJSON *obj, const char *const *allowed)
{
    if (!cJSON_IsObject(obj))
        return fail(L, "expected an object");
    for (const cJSON *c = obj->child; c; c = c->next) {
        bool ok = false;
        for (size_t k = 0; allowed[k] && !ok; k++)
            ok = strcmp(c->string, allowed[k]) == 0;
        if (!ok) {
            char list[200] = "";
            for (size_t k = 0; allowed[k]; k++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", allowed[k]);
            return fail(L, "unknown field \"%.40s\" (known: %s)", c->string, list);
        }
        for (const cJSON *d = c->next; d; d = d->next)
            if (strcmp(c->string, d->string) == 0)
                return fail(L, "field \"%s\" given twice", c->string);
    }
    return true;
}

/* The string field `name` of obj: *out = a copy (caller frees), NULL when absent and optional. */
static bool get_string(loader *L, const cJSON *obj, const char *name, bool required, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    *out = NULL;
    if (!v) {
        if (required)
            return fail(L, "field \"%s\" is required", name);
        return true;
    }
    if (!cJSON_IsString(v))
        return fail(L, "field \"%s\" must be a string", name);
    *out = gv_xstrndup(v->valuestring, strlen(v->valuestring));
    return true;
}

/* Index of s in the NULL-terminated list, or -1. */
static int one_of(const char *s, const char *const *list)
{
    for (int k = 0; list[k]; k++)
        if (strcmp(s, list[k]) == 0)
            return k;
    return -1;
}

static bool get_enum(loader *L, const cJSON *obj, const char *name, const char *const *list, int *out)
{
    char *s;
    if (!get_string(L, obj, name, false, &s))
        return false;
    if (!s)
        return true;
    int k = one_of(s, list);
    if (k < 0) {
        char all[160] = "";
        for (size_t j = 0; list[j]; j++)
            snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", j ? ", " : "", list[j]);
        fail(L, "%s \"%.40s\" is not one of: %s", name, s, all);
        free(s);
        return false;
    }
    free(s);
    *out = k;
    return true;
}

static bool compile(loader *L, gv_rule_pattern *rp, const cJSON *obj)
{
    static const char *const fields[] = {"regex", "literal", "role", "metric", NULL};
    if (!check_fields(L, obj, fields))
        return false;
    char *regex;
    if (!get_string(L, obj, "regex", true, &regex) || !get_string(L, obj, "literal", false, &rp->literal) ||
        !get_string(L, obj, "metric", false, &rp->metric)) {
        free(regex);
        return false;
    }
    if (rp->literal && !*rp->literal) {
        free(regex);
        return fail(L, "literal is empty (leave it out for no prefilter)");
    }
    rp->literal_len = rp->literal ? strlen(rp->literal) : 0;
    int ec;
    PCRE2_SIZE eo;
    rp->code = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
    if (!rp->code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        size_t from = eo > 40 ? eo - 40 : 0;
        fail(L, "regex error at offset %zu: %s: \"%s%.*s\" <-- here", (size_t)eo, (const char *)msg,
             from ? "..." : "", (int)(eo - from), regex + from);
        free(regex);
        return false;
    }
    free(regex);
    pcre2_jit_compile(rp->code, PCRE2_JIT_COMPLETE); /* the interpreter runs it if JIT is absent */
    for (int g = 0; g < RG_COUNT; g++) {
        int n = pcre2_substring_number_from_name(rp->code, (PCRE2_SPTR)gv_rule_group_names[g]);
        rp->group[g] = n > 0 ? n : -1;
    }
    return true;
}

static bool has_group(const gv_rule_pattern *rp, const char *name, size_t n)
{
    char tmp[64];
    if (n >= sizeof tmp)
        return false;
    memcpy(tmp, name, n);
    tmp[n] = '\0';
    return pcre2_substring_number_from_name(rp->code, (PCRE2_SPTR)tmp) > 0;
}

/* Whether some pattern of type `type` has the named group. */
static bool type_has_group(const gv_log_rules *r, int type, const char *name, size_t n)
{
    for (size_t i = 0; i < r->events_len; i++)
        if (r->events[i].type == type && has_group(&r->events[i], name, n))
            return true;
    return false;
}

static bool check_template(loader *L, const char *field, const char *tmpl, int type)
{
    size_t i = 0;
    bool in_opt = false;
    for (;;) {
        size_t at = i;
        tk t = tmpl_next(tmpl, &i);
        if (t.kind == TK_END)
            break;
        if (t.kind == TK_ERROR)
            return fail(L, "%s: %s at offset %zu", field, t.error, at);
        if (t.kind == TK_OPEN || t.kind == TK_CLOSE) {
            if (in_opt == (t.kind == TK_OPEN))
                return fail(L, "%s: unbalanced '%c' at offset %zu (write %s for a bracket)", field,
                            t.kind == TK_OPEN ? '[' : ']', at, t.kind == TK_OPEN ? "[[" : "]]");
            in_opt = t.kind == TK_OPEN;
        }
        if (t.kind != TK_PLACE)
            continue;
        if (!spec_valid(t.spec, t.slen))
            return fail(L, "%s: bad format \"%.*s\" at offset %zu (use d or .Nf)", field, (int)t.slen,
                        t.spec, at);
        bool known = type_has_group(L->r, type, t.p, t.n);
        for (size_t k = 0; k < sizeof TEMPLATE_FIELDS / sizeof *TEMPLATE_FIELDS && !known; k++)
            known = strlen(TEMPLATE_FIELDS[k]) == t.n && memcmp(TEMPLATE_FIELDS[k], t.p, t.n) == 0;
        if (!known)
            return fail(L, "%s: {%.*s} at offset %zu names no capture group of this type's patterns "
                           "and no event field (step, type, count, value)", field, (int)t.n, t.p, at);
    }
    if (in_opt)
        return fail(L, "%s: '[' without ']'", field);
    return true;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static bool valid_color(const char *s)
{
    size_t n = strlen(s);
    if (s[0] != '#' || (n != 4 && n != 7))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

static const char *const DASHES[] = {"solid", "dot", "dash", "longdash", "dashdot", "longdashdot", NULL};
static const char *const PHASES[] = {"validation", "evaluation", "checkpoint", "none", NULL};
static const gv_phase PHASE_OF[] = {GV_PHASE_VALIDATION, GV_PHASE_EVALUATION, GV_PHASE_CHECKPOINT,
                                    GV_PHASE_OTHER};
static const char *const GROUPINGS[] = {"none", "session", "merge", NULL};
static const char *const WINDOWS[] = {"line", "previous_line", NULL};
static const char *const ROLES[] = {"event", "item", "open", "close", NULL};

static bool load_type(loader *L, const cJSON *obj, int index)
{
    static const char *const fields[] = {"name", "color", "dash", "phase", "label", "window", "group",
                                         "merge_key", "merge_within_s", "count_metric", "metrics",
                                         "patterns", NULL};
    gv_log_rules *r = L->r;
    gv_rule_type *ty = &r->types[index];
    ty->merge_within_s = -1;
    if (!cJSON_IsObject(obj))
        return fail(L, "expected an object");
    if (!get_string(L, obj, "name", true, &ty->name))
        return false;
    if (!valid_name(ty->name))
        return fail(L, "name \"%.40s\" must be 1-32 of a-z, 0-9, _ starting with a letter", ty->name);
    snprintf(L->path + strlen(L->path), sizeof L->path - strlen(L->path), " (\"%s\")", ty->name);
    if (!check_fields(L, obj, fields))
        return false;
    for (int k = 0; k < index; k++)
        if (strcmp(r->types[k].name, ty->name) == 0)
            return fail(L, "type \"%s\" is defined twice", ty->name);
    if (!get_string(L, obj, "color", false, &ty->color) || !get_string(L, obj, "dash", false, &ty->dash) ||
        !get_string(L, obj, "label", false, &ty->label) ||
        !get_string(L, obj, "merge_key", false, &ty->merge_key) ||
        !get_string(L, obj, "count_metric", false, &ty->count_metric))
        return false;
    if (ty->color && !valid_color(ty->color))
        return fail(L, "color \"%.40s\" is not #rgb or #rrggbb", ty->color);
    if (ty->dash && one_of(ty->dash, DASHES) < 0)
        return fail(L, "dash \"%.40s\" is not one of: solid, dot, dash, longdash, dashdot, longdashdot",
                    ty->dash);
    int phase = one_of(ty->name, PHASES), grouping = GV_GROUP_NONE, window = GV_WINDOW_LINE;
    if (phase < 0 || phase == 3)
        phase = 3;
    if (!get_enum(L, obj, "phase", PHASES, &phase) || !get_enum(L, obj, "group", GROUPINGS, &grouping) ||
        !get_enum(L, obj, "window", WINDOWS, &window))
        return false;
    ty->phase = PHASE_OF[phase];
    ty->grouping = (gv_rule_grouping)grouping;
    ty->window = (gv_rule_window)window;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(obj, "merge_within_s");
    if (w && (!cJSON_IsNumber(w) || !(w->valuedouble >= 0)))
        return fail(L, "merge_within_s must be a number >= 0");
    if (w)
        ty->merge_within_s = w->valuedouble;
    if ((ty->merge_key || w) && ty->grouping != GV_GROUP_MERGE)
        return fail(L, "merge_key and merge_within_s need \"group\": \"merge\"");
    if (ty->count_metric && ty->grouping == GV_GROUP_NONE)
        return fail(L, "count_metric needs \"group\": \"session\" or \"merge\"");
    if (ty->window != GV_WINDOW_LINE && ty->grouping != GV_GROUP_NONE)
        return fail(L, "window applies to ungrouped types only");

    const cJSON *pats = cJSON_GetObjectItemCaseSensitive(obj, "patterns");
    if (!cJSON_IsArray(pats) || cJSON_GetArraySize(pats) == 0)
        return fail(L, "field \"patterns\" must be a non-empty array");
    size_t base = strlen(L->path);
    int k = 0;
    bool opens = false;
    for (const cJSON *p = pats->child; p; p = p->next, k++) {
        snprintf(L->path + base, sizeof L->path - base, ".patterns[%d]", k);
        GV_GROW(r->events, r->events_cap, r->events_len + 1);
        gv_rule_pattern *rp = &r->events[r->events_len++];
        memset(rp, 0, sizeof *rp);
        rp->type = index;
        if (!compile(L, rp, p))
            return false;
        int role = ty->grouping == GV_GROUP_SESSION ? GV_ROLE_ITEM : GV_ROLE_EVENT;
        if (!get_enum(L, p, "role", ROLES, &role))
            return false;
        if ((role == GV_ROLE_EVENT) != (ty->grouping != GV_GROUP_SESSION))
            return fail(L, ty->grouping == GV_GROUP_SESSION
                               ? "role \"event\" does not belong in a session type (item, open, close)"
                               : "role \"%s\" needs \"group\": \"session\"", ROLES[role]);
        rp->role = (gv_rule_role)role;
        opens |= role == GV_ROLE_ITEM || role == GV_ROLE_OPEN;
    }
    L->path[base] = '\0';
    if (ty->grouping == GV_GROUP_SESSION && !opens)
        return fail(L, "a session type needs an \"item\" or \"open\" pattern");

    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(obj, "metrics");
    if (ms) {
        if (!cJSON_IsArray(ms))
            return fail(L, "field \"metrics\" must be an array of group names");
        ty->metrics = gv_xcalloc((size_t)cJSON_GetArraySize(ms) + 1, sizeof *ty->metrics);
        for (const cJSON *m = ms->child; m; m = m->next) {
            if (!cJSON_IsString(m) || !type_has_group(r, index, m->valuestring, strlen(m->valuestring)))
                return fail(L, "metrics: \"%.40s\" is not a capture group of this type's patterns",
                            cJSON_IsString(m) ? m->valuestring : "(not a string)");
            ty->metrics[ty->metrics_len++] = gv_xstrndup(m->valuestring, strlen(m->valuestring));
        }
    }
    if (!ty->label) {
        size_t n = strlen(ty->name);
        ty->label = gv_xstrndup(ty->name, n);
    }
    if (!check_template(L, "label", ty->label, index))
        return false;
    if (ty->merge_key && !check_template(L, "merge_key", ty->merge_key, index))
        return false;
    return true;
}

static bool load_aux(loader *L, const cJSON *arr, const char *field, gv_rule_pattern **out, size_t *len)
{
    if (!arr)
        return true;
    if (!cJSON_IsArray(arr))
        return fail(L, "field \"%s\" must be an array", field);
    *out = gv_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out);
    int k = 0;
    for (const cJSON *p = arr->child; p; p = p->next, k++) {
        snprintf(L->path, sizeof L->path, "%s[%d]", field, k);
        gv_rule_pattern *rp = &(*out)[(*len)++];
        rp->type = -1;
        if (!compile(L, rp, p))
            return false;
        if (cJSON_GetObjectItemCaseSensitive(p, "role") || rp->metric)
            return fail(L, "role and metric belong to event patterns only");
        const int *g = rp->group;
        if (field[0] == 'w') {
            if (g[RG_RANKS] < 0)
                return fail(L, "a world_size pattern needs a (?<ranks>...) group");
        } else if (field[0] == 's') {
            bool any = g[RG_FIELDS] >= 0;
            for (int f = RG_LOSS; f <= RG_NUM_TOKENS; f++)
                any |= g[f] >= 0;
            if (!any)
                return fail(L, "a step pattern needs a (?<fields>...) group or a group per field (loss, "
                               "dt_ms, tok_per_sec, ...), and may have a (?<step>...) group");
        } else if (g[RG_TIME] < 0 && g[RG_EPOCH_S] < 0 && g[RG_EPOCH_MS] < 0 && g[RG_ELAPSED] < 0 &&
                   (g[RG_YEAR] < 0 || g[RG_MONTH] < 0 || g[RG_DAY] < 0 || g[RG_HOUR] < 0 || g[RG_MINUTE] < 0)) {
            return fail(L, "a timestamp pattern needs a (?<time>...), (?<epoch_s>...), (?<epoch_ms>...) "
                           "or (?<elapsed>...) group, or year, month, day, hour, minute (and second) groups");
        }
    }
    L->path[0] = '\0';
    return true;
}

gv_log_rules *gv_log_rules_load(const char *json, size_t len, const char *file, gv_error *err)
{
    loader L = {.file = file, .err = err, .r = gv_xcalloc(1, sizeof *L.r)};
    gv_log_rules *r = L.r;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
    bool ok = false;
    if (!root) {
        size_t off = end && end >= json ? (size_t)(end - json) : 0, line = 1, col = 1;
        for (size_t i = 0; i < off && i < len; i++, col++)
            if (json[i] == '\n') {
                line++;
                col = 0;
            }
        gv_error_set(err, file, (long)line, "invalid JSON at column %zu", col);
        goto out;
    }
    static const char *const fields[] = {"gpuviz_rules", "description", "types", "steps", "timestamps",
                                         "world_size", NULL};
    if (!check_fields(&L, root, fields))
        goto out;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "gpuviz_rules");
    if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
        fail(&L, "field \"gpuviz_rules\" must be 1 (the version of the rules format)");
        goto out;
    }
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(root, "types");
    if (!cJSON_IsArray(types)) {
        fail(&L, "field \"types\" must be an array");
        goto out;
    }
    r->types = gv_xcalloc((size_t)cJSON_GetArraySize(types) + 1, sizeof *r->types);
    int k = 0;
    for (const cJSON *t = types->child; t; t = t->next, k++) {
        snprintf(L.path, sizeof L.path, "types[%d]", k);
        r->types_len++;
        if (!load_type(&L, t, k))
            goto out;
    }
    L.path[0] = '\0';
    if (!load_aux(&L, cJSON_GetObjectItemCaseSensitive(root, "steps"), "steps", &r->steps, &r->steps_len) ||
        !load_aux(&L, cJSON_GetObjectItemCaseSensitive(root, "timestamps"), "timestamps", &r->stamps,
                  &r->stamps_len) ||
        !load_aux(&L, cJSON_GetObjectItemCaseSensitive(root, "world_size"), "world_size", &r->world,
                  &r->world_len))
        goto out;
    ok = true;
out:
    cJSON_Delete(root);
    if (!ok) {
        gv_log_rules_free(r);
        return NULL;
    }
    return r;
}

gv_status gv_log_rules_load_file(const char *path, gv_log_rules **out, gv_error *err)
{
    gv_input *in;
    *out = NULL;
    gv_status st = gv_input_open(&in, path, err);
    if (st != GV_OK)
        return st;
    gv_buf b;
    gv_buf_init(&b, RULES_FILE_MAX);
    char chunk[65536];
    long n;
    while ((n = gv_input_read(in, chunk, sizeof chunk, err)) > 0)
        if (!gv_buf_append(&b, chunk, (size_t)n)) {
            gv_error_set(err, path, 0, "rules file larger than %u MiB", RULES_FILE_MAX >> 20);
            n = -1;
            break;
        }
    gv_input_close(in);
    if (n == 0)
        *out = gv_log_rules_load(b.data ? b.data : "", b.len, path, err);
    gv_buf_cleanup(&b);
    return *out ? GV_OK : GV_ERR_INPUT;
}



/* The built-in rule sets, nanochat's first (the default). */
static const struct {
    const char *name;
    const unsigned char *text;
    const unsigned long *len;
} BUILTIN[] = {{"nanochat", gv_asset_rules_json, &gv_asset_rules_json_len},
               {"modded-nanogpt", gv_asset_rules_modded, &gv_asset_rules_modded_len},
               {"llm.c", gv_asset_rules_llmc, &gv_asset_rules_llmc_len},
               {"hf-trainer", gv_asset_rules_hf, &gv_asset_rules_hf_len},
               {"mlperf", gv_asset_rules_mlperf, &gv_asset_rules_mlperf_len}};

size_t gv_log_rules_builtin_count(void) { return sizeof BUILTIN / sizeof *BUILTIN; }

const char *gv_log_rules_builtin_name(size_t i)
{
    return i < gv_log_rules_builtin_count() ? BUILTIN[i].name : NULL;
}

const char *gv_log_rules_builtin_text(size_t i, size_t *len)
{
    if (i >= gv_log_rules_builtin_count())
        return NULL;
    if (len)
        *len = *BUILTIN[i].len;
    return (const char *)BUILTIN[i].text;
}

long gv_log_rules_builtin_find(const char *name)
{
    for (size_t i = 0; i < gv_log_rules_builtin_count(); i++)
        if (strcmp(BUILTIN[i].name, name) == 0)
            return (long)i;
    return -1;
}

gv_log_rules *gv_log_rules_builtin(gv_error *err)
{
    return gv_log_rules_builtin_at(0, err);
}

gv_log_rules *gv_log_rules_builtin_at(size_t i, gv_error *err)
{
    char file[64];
    snprintf(file, sizeof file, "(built-in rules %s)", BUILTIN[i].name);
    return gv_log_rules_load((const char *)BUILTIN[i].text, *BUILTIN[i].len, file, err);
}

static void free_patterns(gv_rule_pattern *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pcre2_code_free(p[i].code);
        free(p[i].literal);
        free(p[i].metric);
    }
    free(p);
}

void gv_log_rules_free(gv_log_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->types_len; i++) {
        gv_rule_type *t = &r->types[i];
        free(t->name);
        free(t->color);
        free(t->dash);
        free(t->label);
        free(t->merge_key);
        free(t->count_metric);
        for (size_t k = 0; k < t->metrics_len; k++)
            free(t->metrics[k]);
        free(t->metrics);
    }
    free(r->types);
    free_patterns(r->events, r->events_len);
    free_patterns(r->steps, r->steps_len);
    free_patterns(r->stamps, r->stamps_len);
    free_patterns(r->world, r->world_len);
    free(r);
}

void gv_log_rules_register_types(const gv_log_rules *r, gv_timeline *tl, gv_event_type *map)
{
    for (size_t i = 0; i < r->types_len; i++) {
        const gv_rule_type *ty = &r->types[i];
        gv_event_type_info info = {ty->name, ty->color, ty->dash, ty->phase};
        gv_event_type t = gv_timeline_event_type(tl, ty->name, &info);
        if (map)
            map[i] = t;
    }
}
