/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari export: files to a USB stick. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "errors.h"
#include "util.h"

#include "futari-cli.h"

static gchar *opt_to = NULL;
static gchar *opt_dir = NULL;
static gchar *opt_reason = NULL;
static gboolean opt_with_copy = FALSE;

static gboolean opt_recursive = FALSE;

/* The files of a folder go to the agent several at a time (issue 18): while a batch is
 * written, the next files are read and classified and wait at the stick, and the agent
 * writes those that are ready as its next batch (group commit), so the more files wait
 * there, the fewer flushes a folder costs. Two bounds:
 * - at most EXPORT_READING files being read by the agent: fewer than its share of workers
 *   reading a user's files (FUT_BROKER_WORK_PER_UID, 9), so the folder's files are never
 *   refused as "busy" by each other (each retry would count against the file bucket,
 *   [limits] export-files-at-once) and another program of the user still gets one. The
 *   agent says when a file is read (progress {"stage":"read"}), and the next one goes;
 * - at most EXPORT_IN_FLIGHT files with the agent in all, read or waiting at the stick
 *   (each a connection): fewer than the agent's connections per user (40), leaving some
 *   for the notifier and the user's other commands. The more wait at the stick, the more
 *   share a flush: with 8 in all, batches of 3.7 files; with 32, about 10. A connection
 *   past the bound (two folders at once, or other commands) is answered "busy": the file
 *   is sent again (export_one), and this export keeps one file fewer with the agent from
 *   then on (flight_max, down to EXPORT_READING), so two folders at once settle below the
 *   bound instead of retrying against each other. */
#define EXPORT_READING   8
#define EXPORT_IN_FLIGHT 32

/* The tally, the progress bar and the terminal, shared by the threads sending files. */
static GMutex out_lock;

/* The job as each call names it to the agent, for the desktop's progress bar
 * (futari-notify; agent/export-progress.h): a random id, and the files and bytes still
 * expected (a file that cannot be opened is taken out). Under out_lock. */
static struct {
	gchar id[33];
	guint files;
	guint64 bytes;
} job;

static JsonObject *
job_arg_locked(void)
{
	JsonObject *o = json_object_new();

	json_object_set_string_member(o, "id", job.id);
	json_object_set_int_member(o, "files", MAX(job.files, 1));
	json_object_set_int_member(o, "bytes", (gint64)job.bytes);
	return o;
}

static void
job_init(guint files, guint64 bytes)
{
	guint8 rnd[16];

	/* An id to tell the user's jobs apart, not a secret: without randomness, the time. */
	if (!fut_random_bytes(rnd, sizeof rnd, NULL)) {
		gint64 t = g_get_real_time() ^ ((gint64)getpid() << 40);
		memset(rnd, 0, sizeof rnd);
		memcpy(rnd, &t, sizeof t);
	}
	for (guint i = 0; i < sizeof rnd; i++)
		g_snprintf(job.id + 2 * i, 3, "%02x", rnd[i]);
	job.files = files;
	job.bytes = bytes;
}

static GMutex flight_lock;
static GCond flight_cond;
static guint in_flight; /* files with the agent */
static guint reading;   /* of which the agent has not said "read" yet */
static guint flight_max = EXPORT_IN_FLIGHT;

/* The agent answered "busy": one file fewer with it from now on. */
static void
flight_busy(void)
{
	g_mutex_lock(&flight_lock);
	if (flight_max > EXPORT_READING)
		flight_max--;
	g_mutex_unlock(&flight_lock);
}

/* One file's call: its "read" counted once, by the agent's word or by the call's end. */
typedef struct {
	FutProgress *pg;
	gboolean read;
} ExportCall;

static void
call_read(ExportCall *c)
{
	g_mutex_lock(&flight_lock);
	if (!c->read) {
		c->read = TRUE;
		reading--;
		g_cond_broadcast(&flight_cond);
	}
	g_mutex_unlock(&flight_lock);
}

static void
progress_locked(JsonObject *msg, gpointer data)
{
	ExportCall *c = data;

	if (g_strcmp0(str_member(msg, "stage"), "read") == 0) {
		call_read(c);
		return;
	}
	g_mutex_lock(&out_lock);
	fut_progress_agent(msg, c->pg);
	g_mutex_unlock(&out_lock);
}

typedef struct {
	guint written, requested, refused;
	guint held;      /* Class I/II files held for the job's one request (-R) */
	gboolean sealed; /* and that request made */
	guint64 written_bytes;
	gchar *where; /* the stick, as the agent names it (escaped) */
} ExportTally;

static guint
dir_depth(const gchar *dir)
{
	g_auto(GStrv) parts = g_strsplit(dir != NULL ? dir : "", "/", -1);
	guint n = 0;

	for (guint i = 0; parts[i] != NULL; i++)
		n += *parts[i] != '\0';
	return n;
}

/* Every path and reason is escaped here, once. */
static void
refuse_line(FutProgress *pg, ExportTally *t, const gchar *message)
{
	fut_progress_clear(pg);
	fail_line(message);
	t->refused++;
}

static void export_one_done(
    const FutExportItem *it, int fd, FutProgress *pg, ExportTally *t, JsonObject *r, GError *error);

/* Exports one file through @fd (closed here): one agent job, so one classification and one
 * log record per file. Says what happened; counts it in @t. */
static void
export_one(const FutExportItem *it, int fd, FutProgress *pg, ExportTally *t)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) r = NULL;
	g_autofree gchar *dir = NULL;
	guint busy_tries = 0;
	ExportCall call = {.pg = pg};

	if (it->reldir != NULL)
		dir = opt_dir != NULL && *opt_dir != '\0'
		          ? g_strconcat(opt_dir, "/", it->reldir, NULL)
		          : g_strdup(it->reldir);
	else
		dir = g_strdup(opt_dir);
	json_object_set_string_member(args, "name", it->name);
	json_object_set_string_member(args, "to", opt_to);
	if (dir != NULL)
		json_object_set_string_member(args, "dir", dir);
	json_object_set_string_member(args, "reason", opt_reason);
	/* -R: the Class I/II files wait for one request of the whole job (export-seal). */
	if (opt_recursive)
		json_object_set_boolean_member(args, "hold", TRUE);
	g_mutex_lock(&out_lock);
	json_object_set_object_member(args, "job", job_arg_locked());
	fut_progress_draw(pg, TRUE);
	g_mutex_unlock(&out_lock);
	/* A folder can hold more files than the agent takes requests in a minute
	 * ([limits] requests-per-minute): such a refusal comes before the agent reads the
	 * file, so the same file is sent again when the minute has passed, rather than
	 * leaving the rest of the folder behind. The agent says which refusals may be waited
	 * out by their code ("rate-limited", "busy"), never by their words. */
	for (guint waited = 0;; waited += 5) {
		g_clear_error(&error);
		r = agent_call_full("export", args, fd, progress_locked, &call, &error);
		/* The agent frees a worker share just after it answers: a file sent at once
		 * after an answer may find the share still taken (a few times, briefly). */
		if (r == NULL && busy_tries < 500 &&
		    g_error_matches(error, FUT_ERROR, FUT_ERROR_BUSY)) {
			busy_tries++;
			flight_busy();
			waited -= 5;
			g_usleep(20 * 1000);
			continue;
		}
		if (r != NULL || waited >= 120 ||
		    !g_error_matches(error, FUT_ERROR, FUT_ERROR_RATE_LIMITED))
			break;
		g_mutex_lock(&out_lock);
		pg->waiting = TRUE;
		fut_progress_draw(pg, TRUE);
		g_mutex_unlock(&out_lock);
		g_usleep(5 * G_USEC_PER_SEC);
		g_mutex_lock(&out_lock);
		pg->waiting = FALSE;
		g_mutex_unlock(&out_lock);
	}
	call_read(&call);
	g_mutex_lock(&out_lock);
	export_one_done(it, fd, pg, t, r, error);
	g_mutex_unlock(&out_lock);
}

/* The rest of export_one(), under out_lock. */
static void
export_one_done(
    const FutExportItem *it, int fd, FutProgress *pg, ExportTally *t, JsonObject *r, GError *error)
{
	g_autofree gchar *ename = fut_strescape(it->display, -1);

	fut_progress_file_done(pg, it->size);
	if (r == NULL) {
		g_autofree gchar *msg = g_strdup_printf("%s: %s", it->display, error->message);
		close(fd);
		refuse_line(pg, t, msg);
		return;
	}
	if (bool_member(r, "held")) {
		t->held++;
		close(fd);
		if (opt_json) {
			fut_progress_clear(pg);
			print_json(r);
		}
		return;
	}
	if (str_member(r, "request_text") != NULL) {
		t->requested++;
		fut_progress_clear(pg);
		if (opt_json)
			print_json(r);
		else if (!save_request(it->display, ename, r, opt_with_copy ? fd : -1))
			t->refused++;
		close(fd);
		return;
	}
	close(fd);
	t->written++;
	t->written_bytes += (guint64)int_member(r, "size");
	if (t->where == NULL)
		t->where = esc(str_member(r, "asset") != NULL ? str_member(r, "asset")
		                                              : str_member(r, "serial"));
	if (opt_json) {
		fut_progress_clear(pg);
		print_json(r);
	} else if (it->reldir == NULL) {
		/* A file named on the command line: its own line, with its digest. Files found
		 * in a folder are counted in the summary (their digests are in the log). */
		g_autofree gchar *ewritten = esc(str_member(r, "written"));
		fut_progress_clear(pg);
		printf(_("%s: Class %s, written to %s:/%s\n  SHA-256 %s\n"), ename,
		       str_member(r, "class"), t->where, ewritten, str_member(r, "sha256"));
	}
}

typedef struct {
	const FutExportItem *it;
	int fd;
} ExportWork;

typedef struct {
	FutProgress *pg;
	ExportTally *t;
} ExportShared;

/* The one request for the Class I/II files held in the job (-R), saved beside @source
 * (FOLDER.futari-request). */
static void
seal_job(const gchar *source, ExportTally *t)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) r = NULL;
	g_autofree gchar *ename = fut_strescape(source, -1);

	json_object_set_string_member(args, "job", job.id);
	r = agent_call("export-seal", args, -1, &error);
	if (r == NULL) {
		fail_line(error->message);
		t->refused += t->held;
		return;
	}
	if (int_member(r, "files") == 0)
		return;
	t->sealed = TRUE;
	if (opt_json) {
		print_json(r);
		return;
	}
	printf(_("%s: %u files need approval: one request for all of them.\n"), ename,
	       (guint)int_member(r, "files"));
	/* The agent drops what a job held for over an hour: say so rather than count them. */
	if ((guint)int_member(r, "files") != t->held) {
		g_autofree gchar *msg = g_strdup_printf(
		    _("%s: %u files were held for approval but the request names %u: export the "
		      "missing ones again"),
		    source, t->held, (guint)int_member(r, "files"));
		fail_line(msg);
		t->refused += t->held > (guint)int_member(r, "files")
		                  ? t->held - (guint)int_member(r, "files")
		                  : 0;
		t->held = (guint)int_member(r, "files");
	}
	/* -2: no copy, and no hint to add --with-copy (a folder's copy is not made yet) */
	if (!save_request(source, ename, r, -2)) {
		t->sealed = FALSE;
		t->refused += t->held;
	} else if (opt_with_copy)
		printf(_("  --with-copy is not made for a folder's request: the supervisor sees "
		         "each file's path, size and SHA-256.\n"));
}

static void
export_worker(gpointer data, gpointer user_data)
{
	ExportWork *w = data;
	ExportShared *sh = user_data;

	export_one(w->it, w->fd, sh->pg, sh->t);
	g_free(w);
	g_mutex_lock(&flight_lock);
	in_flight--;
	g_cond_broadcast(&flight_cond);
	g_mutex_unlock(&flight_lock);
}

/* Waits until fewer than @max files are with the agent and fewer than @max_reading are
 * being read there. */
static void
wait_in_flight_below(guint max, guint max_reading)
{
	g_mutex_lock(&flight_lock);
	while (in_flight >= MIN(max, flight_max) || reading >= max_reading)
		g_cond_wait(&flight_cond, &flight_lock);
	g_mutex_unlock(&flight_lock);
}

/* One more file with the agent, not read yet. */
static void
flight_add(void)
{
	g_mutex_lock(&flight_lock);
	in_flight++;
	reading++;
	g_mutex_unlock(&flight_lock);
}

int
cmd_export(int argc, char **argv)
{
	const GOptionEntry entries[] = {
	    {"to", 't', 0, G_OPTION_ARG_STRING, &opt_to,
	     N_("The stick: its serial, label, register asset id or mount point"), "DEVICE"},
	    {"dir", 'd', 0, G_OPTION_ARG_STRING, &opt_dir, N_("A folder on the stick"), "DIR"},
	    {"reason", 'r', 0, G_OPTION_ARG_STRING, &opt_reason,
	     N_("Why the file leaves the PC (shown to the approver and logged)"), "TEXT"},
	    {"recursive", 'R', 0, G_OPTION_ARG_NONE, &opt_recursive,
	     N_("Export folders with the files in them, keeping their tree"), NULL},
	    {"with-copy", 0, 0, G_OPTION_ARG_NONE, &opt_with_copy,
	     N_("When approval is needed, put a copy of the exact bytes beside the request for "
	        "the supervisor to see"),
	     NULL},
	    {NULL}};
	g_autoptr(GPtrArray) items = fut_export_items_new();
	g_autoptr(GArray) roots = g_array_new(FALSE, FALSE, sizeof(int));
	g_autoptr(GPtrArray) tops = g_ptr_array_new_with_free_func(g_free);
	ExportTally t = {0};
	ExportShared shared;
	GThreadPool *pool;
	FutProgress pg;
	guint64 total = 0;
	guint nfiles = 0;
	int rc;

	if (!parse_sub_options(&argc, &argv, _("FILE…"),
	                       _("Export files to a USB stick. Class III files are written at "
	                         "once; Class I and II files need a supervisor's approval."),
	                       entries))
		return EXIT_USAGE;
	if (argc < 2 || opt_to == NULL || opt_reason == NULL) {
		fprintf(stderr, _("Usage: futari export FILE… --to DEVICE [--dir D] --reason "
		                  "TEXT [--recursive] [--with-copy]\n"));
		return EXIT_USAGE;
	}
	/* The job: every file first (a folder listed whole, or refused whole), then one
	 * export per file, in order, under one progress bar. */
	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *base = g_path_get_basename(argv[i]);
		struct stat st;

		if (opt_recursive && lstat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			gchar *top = NULL;
			guint first = items->len;
			int fd = fut_export_walk(argv[i],
			                         FUT_WALK_MAX_DEPTH -
			                             MIN(dir_depth(opt_dir), FUT_WALK_MAX_DEPTH),
			                         items, &top, &error);
			if (fd < 0) {
				fail_line(error->message);
				t.refused++;
				continue;
			}
			for (guint k = first; k < items->len; k++)
				((FutExportItem *)items->pdata[k])->root = roots->len;
			g_array_append_val(roots, fd);
			g_ptr_array_add(tops, top);
			continue;
		}
		g_ptr_array_add(items, fut_export_item_new(argv[i], NULL, base));
		if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode))
			((FutExportItem *)items->pdata[items->len - 1])->size = (guint64)st.st_size;
	}
	for (guint k = 0; k < items->len; k++) {
		const FutExportItem *it = items->pdata[k];
		if (it->refusal == NULL) {
			total += it->size;
			nfiles++;
		}
	}
	fut_progress_init(&pg, total, nfiles);
	job_init(nfiles, total);
	shared.pg = &pg;
	shared.t = &t;
	pool = g_thread_pool_new(export_worker, &shared, EXPORT_IN_FLIGHT, FALSE, NULL);
	for (guint k = 0; k < items->len; k++) {
		g_autoptr(GError) error = NULL;
		const FutExportItem *it = items->pdata[k];
		int fd;

		/* A file named on the command line is said on its own line, in order: those
		 * sent before it are answered first. */
		if (it->reldir == NULL)
			wait_in_flight_below(1, 1);
		g_mutex_lock(&out_lock);
		if (it->refusal != NULL) {
			g_autofree gchar *msg = g_strdup_printf("%s %s", it->display, it->refusal);
			refuse_line(&pg, &t, msg);
			g_mutex_unlock(&out_lock);
			continue;
		}
		g_mutex_unlock(&out_lock);
		/* At most EXPORT_IN_FLIGHT sent and EXPORT_READING being read, the next
		 * opened when one is answered or read. */
		wait_in_flight_below(EXPORT_IN_FLIGHT, EXPORT_READING);
		if (it->reldir == NULL)
			fd = open_for_export(it->display, &error);
		else
			fd = fut_export_item_open(g_array_index(roots, int, it->root),
			                          tops->pdata[it->root], it, &error);
		if (fd < 0) {
			g_mutex_lock(&out_lock);
			job.files = job.files > 0 ? job.files - 1 : 0;
			job.bytes -= MIN(job.bytes, it->size);
			fut_progress_file_done(&pg, it->size);
			refuse_line(&pg, &t, error->message);
			g_mutex_unlock(&out_lock);
			continue;
		}
		if (it->reldir == NULL) {
			flight_add();
			export_one(it, fd, &pg, &t);
			g_mutex_lock(&flight_lock);
			in_flight--;
			g_mutex_unlock(&flight_lock);
		} else {
			ExportWork *w = g_new0(ExportWork, 1);
			w->it = it;
			w->fd = fd;
			flight_add();
			g_thread_pool_push(pool, w, NULL);
		}
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	fut_progress_clear(&pg);
	if (t.held > 0) {
		g_autofree gchar *source = g_canonicalize_filename(argv[1], NULL);
		seal_job(source, &t);
	}
	for (guint k = 0; k < roots->len; k++)
		close(g_array_index(roots, int, k));
	if (!opt_json && (roots->len > 0 || items->len > 1)) {
		g_autofree gchar *sbytes = g_format_size(t.written_bytes);
		printf(_("%u written (%s) to %s, %u waiting for approval, %u refused.\n"),
		       t.written, sbytes, t.where != NULL ? t.where : "-",
		       t.requested + (t.sealed ? t.held : 0), t.refused);
	}
	rc = t.refused > 0 ? EXIT_REFUSED : EXIT_SUCCESS;
	g_free(t.where);
	return rc;
}
