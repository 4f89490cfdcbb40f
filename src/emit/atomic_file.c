/* atomic_file.c: write to a temporary file, then rename. Depends on util and POSIX only. */
#include "gpuviz/atomic_file.h"

#include "gpuviz/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

gv_status gv_out_open(gv_out *o, const char *path, gv_error *err)
{
    o->f = NULL;
    o->tmp_path = NULL;
    o->path = gv_xstrndup(path, strlen(path));
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        return GV_OK;
    }
    size_t n = strlen(path);
    o->tmp_path = gv_xmalloc(n + 16);
    memcpy(o->tmp_path, path, n);
    memcpy(o->tmp_path + n, ".tmp.XXXXXX", 12);
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        gv_error_set(err, path, 0, "cannot create output: %s", strerror(errno));
        free(o->tmp_path);
        o->tmp_path = NULL;
        gv_out_abort(o);
        return GV_ERR_OUTPUT;
    }
    fchmod(fd, 0644);
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        gv_error_set(err, path, 0, "cannot write output: %s", strerror(errno));
        close(fd);
        gv_out_abort(o);
        return GV_ERR_OUTPUT;
    }
    return GV_OK;
}

gv_status gv_out_commit(gv_out *o, gv_error *err)
{
    if (!o->tmp_path) {
        if (o->f && fflush(o->f) != 0) {
            gv_error_set(err, "<stdout>", 0, "write error: %s", strerror(errno));
            return GV_ERR_OUTPUT;
        }
        free(o->path);
        o->path = NULL;
        return GV_OK;
    }
    int bad = ferror(o->f);
    if (fclose(o->f) != 0)
        bad = 1;
    o->f = NULL;
    if (bad || rename(o->tmp_path, o->path) != 0) {
        gv_error_set(err, o->path, 0, "cannot write output: %s", strerror(errno ? errno : EIO));
        gv_out_abort(o);
        return GV_ERR_OUTPUT;
    }
    free(o->tmp_path);
    free(o->path);
    o->tmp_path = o->path = NULL;
    return GV_OK;
}

void gv_out_abort(gv_out *o)
{
    if (o->tmp_path) {
        if (o->f)
            fclose(o->f);
        remove(o->tmp_path);
    }
    free(o->tmp_path);
    free(o->path);
    o->f = NULL;
    o->tmp_path = o->path = NULL;
}

bool gv_same_file(const char *a, const char *b)
{
    if (!a || !b || strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
        return false;
    if (strcmp(a, b) == 0)
        return true;
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
