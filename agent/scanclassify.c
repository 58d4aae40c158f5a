/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The classifier's content scan through the worker pool (scanclassify.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "scanclassify.h"
#include "scanproto.h"

static GMutex lock;
static GCond idle;
static FutScanPool *pool; /* NULL: not installed, or uninstalled */
static guint inflight;    /* scans using the pool now */

void
fut_scan_install(FutScanPool *p)
{
	g_mutex_lock(&lock);
	pool = p;
	g_mutex_unlock(&lock);
}

void
fut_scan_uninstall(void)
{
	FutScanPool *p;

	g_mutex_lock(&lock);
	p = g_steal_pointer(&pool);
	while (inflight > 0)
		g_cond_wait(&idle, &lock);
	g_mutex_unlock(&lock);
	if (p != NULL)
		fut_scan_pool_free(p);
}

void
fut_scan_reconfigure(GKeyFile *kf)
{
	g_mutex_lock(&lock);
	if (pool != NULL)
		fut_scan_pool_set_config(pool, kf);
	g_mutex_unlock(&lock);
}

/* A FutContentScanFunc. The configuration the classifier passes is its own; the workers
 * were given the same [classify] group (at start and at each reload). */
static FutContentResult *
scan(const FutContentConfig *cfg, int fd, gpointer user_data)
{
	FutContentResult *r;
	FutScanPool *p;
	int ro = -1;

	g_mutex_lock(&lock);
	p = pool;
	if (p != NULL)
		inflight++;
	g_mutex_unlock(&lock);
	if (p == NULL)
		return fut_scan_result_failed("worker", _("not scanned: the classifier workers are "
		                                          "stopped"));
	/* the worker gets a read-only descriptor, whatever the caller opened */
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY) {
		g_autofree gchar *proc = g_strdup_printf("/proc/self/fd/%d", fd);
		ro = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	}
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY && ro < 0) {
		g_autofree gchar *why =
		    g_strdup_printf(_("cannot open the file read-only: %s"), g_strerror(errno));
		r = fut_scan_result_failed("unreadable", why);
	} else {
		r = fut_scan_pool_finish(p, fut_scan_pool_begin(p, ro >= 0 ? ro : fd));
	}
	if (ro >= 0)
		close(ro);
	g_mutex_lock(&lock);
	if (--inflight == 0)
		g_cond_broadcast(&idle);
	g_mutex_unlock(&lock);
	return r;
}

void
fut_scan_attach(FutClassifier *classifier)
{
	fut_classifier_set_content_scan(classifier, scan, NULL);
}
