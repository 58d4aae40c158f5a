/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "export" command and the write to the stick (also used by redeem), and the clean-up
 * of exports interrupted by a crash. */
#include "config.h"

#include "broker-priv.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "apimsg.h"
#include "errors.h"
#include "fastcopy.h"
#include "fsname.h"
#include "util.h"
#include "writepath.h"

/* Export jobs run in a pool of their own (issue 18): after reading its file, a job waits at
 * the stick for its batch (writepath.c), and a folder keeps up to 32 of them there
 * (futari-export.c) so the batches are large. Waiting in GLib's task pool, they held its
 * threads (10 to start with, grown by one about every 0.1 s while all are taken), and every
 * other job of every user (classify, label, upload requests) queued behind them. Bounded: a
 * user's jobs by their connections (40), all of them by the pool; a job that finds every
 * thread taken waits in the queue. */
#define EXPORT_POOL_THREADS 128

typedef struct {
	GTask *task;
	GTaskThreadFunc func;
} PoolRun;

static void
export_pool_run(gpointer data, gpointer user_data)
{
	PoolRun *r = data;

	r->func(r->task, NULL, g_task_get_task_data(r->task), NULL);
	g_object_unref(r->task);
	g_free(r);
}

static void
export_job_start(FutBrokerJob *j, FutApiCall *call, GTaskThreadFunc func)
{
	static GThreadPool *pool;
	PoolRun *r = g_new0(PoolRun, 1);

	if (pool == NULL)
		pool = g_thread_pool_new(export_pool_run, NULL, EXPORT_POOL_THREADS, FALSE, NULL);
	r->task = fut_broker_job_task(j, call);
	r->func = func;
	g_thread_pool_push(pool, r, NULL);
}

static gboolean
read_idle(gpointer data)
{
	FutBrokerJob *j = data;

	if (j->call != NULL) {
		g_autoptr(JsonObject) o = json_object_new();
		json_object_set_string_member(o, "stage", "read");
		fut_api_call_send_progress(j->call, o);
	}
	fut_broker_job_unref(j);
	return G_SOURCE_REMOVE;
}

/* Tells the caller (progress {"stage":"read"}) that @j's file is read and its share of the
 * workers free: a folder's client sends its next file then (futari-export.c). */
static void
tell_read(FutBrokerJob *j)
{
	g_idle_add_full(G_PRIORITY_DEFAULT, read_idle, fut_broker_job_ref(j), NULL);
}

/* The spooled copy is complete: its content is scanned here while another thread still
 * hashes it (issue 18). The copy is the agent's and final, so the scan sees the bytes the
 * digest covers. */
static void
export_scan_copied(int fd, gpointer data)
{
	FutBrokerJob *j = data;

	g_clear_pointer(&j->scan, fut_classification_free);
	j->scan =
	    fut_classifier_classify_fd(j->classifier, fd, j->src_path, FUT_CLASSIFY_FLAG_NONE);
	close(fd);
}

static void
export_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	FutBrokerJob *j = data;
	g_autoptr(GError) error = NULL;

	/* The caller's file is looked at here, never on the main loop (issue 16 item 9). */
	if (fut_broker_check_source(j->src_fd, NULL, &error))
		j->spool = fut_spool_ingest_full(
		    j->config->spool_dir, j->uid, j->src_fd, j->config->max_export_bytes,
		    j->config->spool_bytes_per_uid, j->agent->spool_quota,
		    fut_broker_spool_progress, j, export_scan_copied, j, &error);
	if (j->spool == NULL) {
		g_autoptr(GError) lerr = NULL;
		fut_broker_job_record(j, "export.refused", "deny", error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	fut_broker_job_classify(j);
	/* The caller's file is read: its reading share goes to the caller's next file while
	 * this one waits for its batch at the stick (issue 18). The jobs a user has waiting
	 * are bounded by the user's connections (one call each). */
	fut_broker_job_end_reading(j);
	tell_read(j);
	if (!g_str_equal(j->klass, "III")) {
		g_autoptr(GError) lerr = NULL;
		/* A folder's Class I/II files: one request for the job (broker-held.c). */
		if (!(j->hold ? fut_broker_job_hold(j, &error)
		              : fut_broker_job_make_request(j, &error))) {
			fut_broker_job_record(j, "export.refused", "deny", error->message, &lerr);
			g_task_return_error(task, g_steal_pointer(&error));
			return;
		}
		g_task_return_boolean(task, TRUE);
		return;
	}
	if (!fut_broker_job_write(j, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_boolean(task, TRUE);
}

/* Picks the volume to write: the one the user named by label or mount point, or the only
 * one with a filesystem. */
static const FutUsbVolume *
pick_volume(const FutUsbDevice *d, const gchar *spec, GError **error)
{
	const FutUsbVolume *only = NULL;
	guint n = 0;

	for (guint i = 0; i < d->volumes->len; i++) {
		const FutUsbVolume *v = g_ptr_array_index(d->volumes, i);
		if (v->fs_type == NULL)
			continue;
		if (g_strcmp0(v->fs_label, spec) == 0)
			return v;
		only = v;
		n++;
	}
	if (n == 1)
		return only;
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
	            n == 0 ? _("the stick holds no filesystem the agent recognises")
	                   : _("the stick holds several filesystems: name one by its label"));
	return NULL;
}

void
fut_broker_export(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(FutBrokerJob) j = g_new0(FutBrokerJob, 1);
	g_autoptr(GError) error = NULL;
	const gchar *name = NULL, *to = NULL, *dir = NULL;
	const FutUsbDevice *d;
	const FutUsbVolume *v;

	if (!fut_broker_job_begin(j, agent, call, &error))
		goto refuse;

	if (!fut_api_get_string(args, "name", TRUE, &name, &error) ||
	    !fut_api_get_string(args, "to", TRUE, &to, &error) ||
	    !fut_api_get_string(args, "dir", FALSE, &dir, &error) ||
	    !fut_broker_get_reason(args, &j->reason, &error))
		goto refuse;
	{
		static const gchar *const known[] = {"name", "to",   "dir", "reason",
		                                     "job",  "hold", NULL};
		JsonNode *hold = json_object_get_member(args, "hold");
		if (!fut_broker_args_check_known(args, known, &error) ||
		    !fut_export_job_arg_parse(args, &j->job_arg, &error))
			goto refuse;
		if (hold != NULL &&
		    (!JSON_NODE_HOLDS_VALUE(hold) ||
		     json_node_get_value_type(hold) != G_TYPE_BOOLEAN || j->job_arg == NULL)) {
			g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("'hold' is true or false, and needs a 'job'"));
			goto refuse;
		}
		j->hold = hold != NULL && json_node_get_boolean(hold);
	}
	j->name = fut_fsname_sanitize(name, &error);
	if (j->name == NULL)
		goto refuse;
	j->dir = fut_fsname_split_dir(dir, &error);
	if (j->dir == NULL)
		goto refuse;
	d = fut_usb_store_find(agent->usb, to, &error);
	if (d == NULL)
		goto refuse;
	v = pick_volume(d, to, &error);
	if (v == NULL)
		goto refuse;
	if (!fut_broker_job_set_destination(j, d, v, &error))
		goto refuse;
	export_job_start(j, call, export_thread);
	return;
refuse:
	fut_broker_job_refuse(j, call, g_steal_pointer(&error));
}
