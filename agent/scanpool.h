/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "content.h"
#include "scanspawn.h"

G_BEGIN_DECLS

/* The pool of content-parser workers (futari-scan-worker) and the agent's client of their
 * protocol (common/scanproto.h). Thread-safe: fanotify listener threads and broker jobs
 * scan at the same time, each on its own worker, so one slow file holds up only its own
 * request. Up to @workers run; one is started at creation (proving the sandbox works on
 * this system), the others when they are first needed.
 *
 * Every request has a deadline from the moment it is sent. A worker that passes it is
 * killed; one that dies, sends anything out of shape or sends descriptors is killed; all
 * three make that file Class II with the reason (rule "worker"), and the next request
 * gets a fresh worker. A worker that has answered fut_scan_pool_set_files_per_worker()
 * requests is replaced too: a file that took one over undetected can sway at most that
 * many answers. */

typedef struct _FutScanPool FutScanPool;
typedef struct _FutScanJob FutScanJob;

/* Takes @spawner. @classify_kf (borrowed): the configuration whose [classify] group every
 * worker builds its classifier from. */
FutScanPool *fut_scan_pool_new(FutScanSpawner *spawner,
                               guint workers,
                               guint timeout_ms,
                               GKeyFile *classify_kf,
                               GError **error);
/* Kills every worker and stops the spawner. Call when no scan runs. */
void fut_scan_pool_free(FutScanPool *self);

/* Replaces each worker after it has answered @files requests (at least 1; default
 * FUT_SCAN_POOL_FILES_PER_WORKER). Workers already past it go when they next finish. */
#define FUT_SCAN_POOL_FILES_PER_WORKER 1000
void fut_scan_pool_set_files_per_worker(FutScanPool *self, guint files);

/* A new [classify] group (a reload): idle workers go, busy ones go when they finish, new
 * ones build the new classifier. */
void fut_scan_pool_set_config(FutScanPool *self, GKeyFile *classify_kf);

/* Sends the open file @fd (borrowed; the worker gets a duplicate of the descriptor, so it
 * must be open read-only) to a free worker, waiting for one until the deadline. Never
 * fails: a failure is kept for fut_scan_pool_finish(). The caller may do other work (hash
 * the file) before finishing. */
FutScanJob *fut_scan_pool_begin(FutScanPool *self, int fd);
/* Waits for the answer until the deadline and returns the content findings (never NULL):
 * Class II, not complete, with a "worker" evidence on any failure. Frees @job. */
FutContentResult *fut_scan_pool_finish(FutScanPool *self, FutScanJob *job);

typedef struct {
	guint64 scanned;  /* answers received and accepted */
	guint64 started;  /* workers started */
	guint64 failures; /* requests failed (crash, deadline, bad reply, no worker) */
	guint64 recycled; /* workers replaced after their share of files */
} FutScanPoolStats;

void fut_scan_pool_get_stats(FutScanPool *self, FutScanPoolStats *ret);

/* Whether the workers run under Landlock (the kernel has it), as the last one started said. */
gboolean fut_scan_pool_get_landlock(FutScanPool *self);

G_END_DECLS
