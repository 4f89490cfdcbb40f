/* inputs.c: the command line's inputs: paths that must be readable files and never outputs, and
 * several GPU files named as nodes with their clock offsets. */
#include "cli.h"

#include "gpuviz/atomic_file.h"
#include "gpuviz/buf.h"
#include "gpuviz/html_report.h"
#include "gpuviz/input.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Inputs must be readable regular files; outputs must not overwrite an input. */
gv_status gv_cli_check_paths(const gv_cli_opts *o, gv_error *err)
{
    const char *inputs[66];
    size_t n = 0, stdin_users = 0;
    for (size_t i = 0; i < o->csv_len; i++)
        inputs[n++] = o->csv_paths[i];
    inputs[n++] = o->log_path;
    inputs[n++] = o->rules_path;
    for (size_t i = 0; i < n; i++)
        stdin_users += inputs[i] && strcmp(inputs[i], "-") == 0;
    if (stdin_users > 1) {
        gv_error_set(err, NULL, 0, "only one input can come from standard input ('-')");
        return GV_ERR_OPTION;
    }
    for (size_t i = 0; i < n; i++) {
        if (!inputs[i] || strcmp(inputs[i], "-") == 0)
            continue;
        struct stat st;
        FILE *f = fopen(inputs[i], "rb");
        if (!f) {
            gv_error_set(err, inputs[i], 0, "cannot open: %s", strerror(errno));
            return GV_ERR_INPUT;
        }
        int is_dir = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
        fclose(f);
        if (is_dir) {
            gv_error_set(err, inputs[i], 0, "is a directory, not a file");
            return GV_ERR_INPUT;
        }
        for (size_t j = 0; j < i; j++)
            if (inputs[j] && gv_same_file(inputs[i], inputs[j])) {
                gv_error_set(err, inputs[i], 0, "given twice as an input");
                return GV_ERR_OPTION;
            }
    }
    const char *outputs[] = {o->output, o->export_path, o->summary_path, o->junit_path, o->summary_md_path};
    enum { NOUT = sizeof outputs / sizeof *outputs };
    for (int k = 0; k < NOUT; k++)
        for (size_t i = 0; i < n; i++)
            if (outputs[k] && inputs[i] && gv_same_file(outputs[k], inputs[i])) {
                gv_error_set(err, outputs[k], 0,
                             "refusing to overwrite an input file with an output; choose "
                             "another output path");
                return GV_ERR_OPTION;
            }
    for (int k = 0; k < NOUT; k++)
        for (int j = k + 1; j < NOUT; j++)
            if (outputs[k] && outputs[j] && gv_same_file(outputs[k], outputs[j])) {
                gv_error_set(err, outputs[j], 0, "two outputs would be the same file");
                return GV_ERR_OPTION;
            }
    return GV_OK;
}

/* The name of a GPU file as a node: its base name without directories and extensions
 * (.csv, .txt, .gz, .log); with dir, the name of its directory instead. Into out. */
static void node_of(const char *path, bool dir, char *out, size_t n)
{
    const char *end = path + strlen(path), *b;
    if (dir) {
        end = strrchr(path, '/');
        if (!end) {
            snprintf(out, n, ".");
            return;
        }
    }
    for (b = end; b > path && b[-1] != '/'; b--)
        ;
    size_t len = (size_t)(end - b);
    const char *exts[] = {".gz", ".csv", ".txt", ".log"};
    for (int pass = 0; pass < 2 && !dir; pass++)
        for (int e = 0; e < 4; e++) {
            size_t el = strlen(exts[e]);
            if (len > el && strncmp(b + len - el, exts[e], el) == 0) {
                len -= el;
                break;
            }
        }
    snprintf(out, n, "%.*s", (int)len, b);
}

/* The GPU files as inputs of gv_gpu_read_files: nodes from --node-names, else the file names
 * (their directories' names when file names repeat), offsets from --time-offset NODE=S. The
 * node names live in names (GV_MAX_GPU_FILES x 80 bytes). */
gv_status gv_cli_gpu_inputs(const gv_cli_opts *o, gv_gpu_input *in, char (*names)[80], gv_error *err)
{
    const char *p = o->node_names;
    for (size_t i = 0; i < o->csv_len; i++) {
        in[i] = (gv_gpu_input){o->csv_paths[i], names[i], 0};
        if (p) {
            size_t len = strcspn(p, ",");
            if (!*p || len == 0 || len >= 80) {
                gv_error_set(err, NULL, 0, "--node-names needs one non-empty name (< 80 bytes) per GPU "
                             "file: %zu files given", o->csv_len);
                return GV_ERR_OPTION;
            }
            snprintf(names[i], 80, "%.*s", (int)len, p);
            p += len + (p[len] == ',');
        } else {
            node_of(o->csv_paths[i], false, names[i], 80);
        }
    }
    if (p && *p) {
        gv_error_set(err, NULL, 0, "--node-names has more names than the %zu GPU files", o->csv_len);
        return GV_ERR_OPTION;
    }
    bool repeated = false;
    for (size_t i = 0; i < o->csv_len; i++)
        for (size_t j = 0; j < i; j++)
            repeated |= strcmp(names[i], names[j]) == 0;
    if (repeated && !o->node_names) {
        for (size_t i = 0; i < o->csv_len; i++)
            node_of(o->csv_paths[i], true, names[i], 80);
        for (size_t i = 0; i < o->csv_len; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(names[i], names[j]) == 0) {
                    gv_error_set(err, NULL, 0, "GPU files %s and %s would be the same node: name the "
                                 "nodes with --node-names (the same name twice merges a node's files)",
                                 o->csv_paths[j], o->csv_paths[i]);
                    return GV_ERR_OPTION;
                }
    }
    for (size_t k = 0; k < o->file_offsets_len; k++) {
        bool found = false;
        for (size_t i = 0; i < o->csv_len; i++)
            if (strlen(names[i]) == o->file_offsets[k].node_len &&
                strncmp(names[i], o->file_offsets[k].node, o->file_offsets[k].node_len) == 0) {
                in[i].offset = (gv_time_us)llround(o->file_offsets[k].seconds * 1e6);
                found = true;
            }
        if (!found) {
            gv_buf all;
            gv_buf_init(&all, 0);
            for (size_t i = 0; i < o->csv_len; i++)
                gv_buf_printf(&all, "%s%s", i ? ", " : "", names[i]);
            gv_error_set(err, NULL, 0, "--time-offset %.*s=...: no GPU file of node '%.*s' (nodes: %s)",
                         (int)o->file_offsets[k].node_len, o->file_offsets[k].node,
                         (int)o->file_offsets[k].node_len, o->file_offsets[k].node, all.data);
            gv_buf_cleanup(&all);
            return GV_ERR_OPTION;
        }
    }
    return GV_OK;
}
