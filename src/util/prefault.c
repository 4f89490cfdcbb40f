/* prefault.c: a helper thread committing memory ahead of a writer (prefault.h). Depends on libc
 * and pthreads only. */
#define _DEFAULT_SOURCE /* MADV_POPULATE_WRITE */
#include "gpuviz/prefault.h"

#include "gpuviz/buf.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdbool.h>
#include <sys/mman.h>

#define PIECE ((size_t)2 << 20) /* one huge page per call: the writer's mark is seen between */

struct gv_prefault {
    char *base;
    size_t len, ahead;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t mark;  /* under mu */
    bool stop;    /* under mu */
    bool waiting; /* under mu: the helper sleeps on cv */
};

static void *helper(void *arg)
{
    gv_prefault *pf = arg;
    size_t done = 0;
    pthread_mutex_lock(&pf->mu);
    while (!pf->stop) {
        /* whole pieces (madvise takes page-aligned starts), within base[0..len) rounded to 4 KB,
         * never the writer's piece or the next: were the helper's core slow (a host that lends
         * the second vCPU out), a writer reaching a page being committed would wait for it */
        size_t target = (pf->mark + pf->ahead + PIECE - 1) / PIECE * PIECE;
        size_t end = (pf->len + 4095) / 4096 * 4096;
        size_t near = (pf->mark + PIECE - 1) / PIECE * PIECE + PIECE;
        target = target < end ? target : end;
        done = done > near ? done : near;
        if (done >= target) {
            pf->waiting = true;
            pthread_cond_wait(&pf->cv, &pf->mu);
            pf->waiting = false;
            continue;
        }
        pthread_mutex_unlock(&pf->mu);
        size_t n = target - done < PIECE ? target - done : PIECE;
        bool ok = false;
#ifdef MADV_POPULATE_WRITE
        ok = madvise(pf->base + done, n, MADV_POPULATE_WRITE) == 0;
#endif
        done += n;
        pthread_mutex_lock(&pf->mu);
        if (!ok)
            break; /* refused (an older kernel): the writer faults its pages as before */
    }
    pthread_mutex_unlock(&pf->mu);
    return NULL;
}

gv_prefault *gv_prefault_start(void *base, size_t len, size_t ahead)
{
    gv_prefault *pf = gv_xcalloc(1, sizeof *pf);
    *pf = (gv_prefault){.base = base, .len = len, .ahead = ahead};
    pthread_mutex_init(&pf->mu, NULL);
    pthread_cond_init(&pf->cv, NULL);
    if (pthread_create(&pf->thread, NULL, helper, pf) != 0) {
        pthread_cond_destroy(&pf->cv);
        pthread_mutex_destroy(&pf->mu);
        free(pf);
        return NULL;
    }
    return pf;
}

void gv_prefault_mark(gv_prefault *pf, size_t written)
{
    if (!pf)
        return;
    pthread_mutex_lock(&pf->mu);
    pf->mark = written;
    if (pf->waiting)
        pthread_cond_signal(&pf->cv);
    pthread_mutex_unlock(&pf->mu);
}

void gv_prefault_stop(gv_prefault *pf)
{
    if (!pf)
        return;
    pthread_mutex_lock(&pf->mu);
    pf->stop = true;
    pthread_cond_signal(&pf->cv);
    pthread_mutex_unlock(&pf->mu);
    pthread_join(pf->thread, NULL);
    pthread_cond_destroy(&pf->cv);
    pthread_mutex_destroy(&pf->mu);
    free(pf);
}
