/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit report: the monthly inspection of policy 2.8.1 over many hosts' logs.
 * Writes report.html (self-contained, A4, inline SVG charts, Japanese by default),
 * events.csv (UTF-8 with BOM) and summary.json into the output directory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "crypto.h"
#include "egresslog.h"
#include "errors.h"
#include "futari-audit.h"
#include "logverify.h"
#include "futari-audit-report.h"
#include "mediareg.h"
#include "util.h"

/* Opens one of the report's output files for writing. Never blocks and never writes through
 * anything but a regular file: a FIFO (or a device) planted under an output name would make
 * the report hang or write elsewhere; it fails with errno set (EINVAL for "not a file"). */
static int
create_output(const gchar *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	int e;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	else if (ftruncate(fd, 0) < 0 || fcntl(fd, F_SETFL, 0) < 0)
		e = errno;
	else
		return fd;
	close(fd);
	errno = e;
	return -1;
}

static gboolean
parse_month(const gchar *s, Report *r)
{
	gint y, m;
	g_autoptr(GDateTime) start = NULL;
	g_autoptr(GDateTime) next = NULL;

	if (s == NULL || strlen(s) != 7 || s[4] != '-' || !g_ascii_isdigit(s[0]) ||
	    !g_ascii_isdigit(s[1]) || !g_ascii_isdigit(s[2]) || !g_ascii_isdigit(s[3]) ||
	    !g_ascii_isdigit(s[5]) || !g_ascii_isdigit(s[6]))
		return FALSE;
	y = atoi(s);
	m = atoi(s + 5);
	if (m < 1 || m > 12 || y < 1970)
		return FALSE;
	g_strlcpy(r->month, s, sizeof(r->month));
	start = g_date_time_new_utc(y, m, 1, 0, 0, 0);
	next = g_date_time_add_months(start, 1);
	r->month_start_us = g_date_time_to_unix(start) * G_USEC_PER_SEC;
	r->days = (gint)((g_date_time_to_unix(next) - g_date_time_to_unix(start)) / 86400);
	return TRUE;
}

/* The hosts are read one per core at a time, each into its own part of the report; the
 * parts are merged in the order the hosts were given (a thread whose host is done waits for
 * its turn), so the report and events.csv do not depend on which thread ran first, and at
 * most one part per thread is held. */
typedef struct {
	Report *r;
	AuditTrust *trust;
	AuditProgress *progress;
	gchar **dirs;
	HostReport **hosts;
	GMutex lock;
	GCond turn;
	guint next; /* the host whose part is merged next */
} ReportJobs;

static void
report_one(gpointer data, gpointer user_data)
{
	ReportJobs *j = user_data;
	guint i = GPOINTER_TO_UINT(data) - 1;
	FutLogVerifyOptions opts = {0};
	g_autoptr(GError) error = NULL;
	HostReport *h = g_new0(HostReport, 1);
	Report *part = report_part_new(j->r);

	h->dir = g_strdup(j->dirs[i]);
	part->cur = h;
	audit_trust_fill(j->trust, &opts);
	opts.record_func = report_collect;
	opts.record_data = part;
	opts.progress_func = audit_progress_func;
	opts.progress_data = j->progress;
	h->res = fut_log_verify_dir(j->dirs[i], &opts, &error);
	if (h->res == NULL) {
		/* Named in the report as not verified, never left out of it. */
		g_autofree gchar *msg = fut_strescape(error->message, -1);
		audit_progress_end(j->progress);
		g_mutex_lock(&j->progress->lock);
		g_printerr("futari-audit report: %s\n", msg);
		g_mutex_unlock(&j->progress->lock);
		h->res = fut_log_host_result_new_unreadable(j->dirs[i], error->message);
		h->unreadable = TRUE;
	}
	audit_progress_host_done(j->progress);
	g_mutex_lock(&j->lock);
	while (j->next != i)
		g_cond_wait(&j->turn, &j->lock);
	report_merge(j->r, part);
	j->hosts[i] = h;
	j->next++;
	g_cond_broadcast(&j->turn);
	g_mutex_unlock(&j->lock);
	/* pool threads may outlive the run: leave no OpenSSL state behind */
	fut_crypto_thread_done();
}

int
audit_cmd_report(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new(_("LOGDIR… - write the monthly inspection report"));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *month = NULL;
	g_autofree gchar *lang = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *media_file = NULL;
	g_autoptr(GPtrArray) media = NULL;
	g_autoptr(GPtrArray) lost = NULL;
	g_autofree gchar *csv_path = NULL;
	g_autoptr(GPtrArray) results = NULL;
	AuditTrust trust = {0};
	AuditProgress progress;
	Report r = {0};
	GOptionEntry entries[] = {
	    {"month", 'm', 0, G_OPTION_ARG_STRING, &month, N_("The month to report (UTC)"),
	     N_("YYYY-MM")},
	    {"lang", 0, 0, G_OPTION_ARG_STRING, &lang, N_("Report language: ja (default) or en"),
	     N_("LANG")},
	    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Output directory (created if needed)"),
	     N_("DIR")},
	    {"media", 0, 0, G_OPTION_ARG_FILENAME, &media_file, NULL, N_("FILE")},
	    {NULL}};
	int rc = AUDIT_EXIT_OK;
	/* The default path comes from configure: formatted here, not pasted into the msgid. */
	g_autofree gchar *media_help = g_strdup_printf(
	    _("The media register (default %s if it exists)"), FUT_MEDIA_REGISTER_PATH);

	entries[3].description = media_help;

	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	audit_trust_add_options(ctx, &trust);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("futari-audit report: %s\n", error->message);
		return AUDIT_EXIT_USAGE;
	}
	if (argc < 2 || month == NULL || out == NULL) {
		g_printerr(
		    _("futari-audit report: give --month YYYY-MM, --out DIR and at least one "
		      "LOGDIR\n"));
		return AUDIT_EXIT_USAGE;
	}
	if (!parse_month(month, &r)) {
		g_autofree gchar *safe = fut_strescape(month, -1);
		g_printerr(_("futari-audit report: --month \"%s\" is not YYYY-MM\n"), safe);
		return AUDIT_EXIT_USAGE;
	}
	if (lang != NULL && strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0) {
		g_printerr(_("futari-audit report: --lang must be ja or en\n"));
		return AUDIT_EXIT_USAGE;
	}
	r.ja = lang == NULL || strcmp(lang, "ja") == 0;
	if (media_file == NULL && g_file_test(FUT_MEDIA_REGISTER_PATH, G_FILE_TEST_EXISTS))
		media_file = g_strdup(FUT_MEDIA_REGISTER_PATH);
	if (media_file != NULL) {
		r.reg = fut_media_register_load(media_file, &error);
		if (r.reg == NULL) {
			g_printerr("futari-audit report: %s\n", error->message);
			return AUDIT_EXIT_FINDINGS;
		}
	}
	if (!audit_trust_load(&trust)) {
		audit_trust_clear(&trust);
		fut_media_register_free(r.reg);
		return AUDIT_EXIT_FINDINGS;
	}
	if (g_mkdir_with_parents(out, 0750) < 0) {
		g_autofree gchar *safe = fut_strescape(out, -1);
		g_printerr("futari-audit report: %s: %s\n", safe, g_strerror(errno));
		audit_trust_clear(&trust);
		fut_media_register_free(r.reg);
		return AUDIT_EXIT_FINDINGS;
	}
	csv_path = g_build_filename(out, "events.csv", NULL);
	{
		int fd = create_output(csv_path);
		r.csv = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (r.csv == NULL) {
			g_autofree gchar *safe = fut_strescape(csv_path, -1);
			g_printerr("futari-audit report: %s: %s\n", safe, g_strerror(errno));
			if (fd >= 0)
				close(fd);
			audit_trust_clear(&trust);
			fut_media_register_free(r.reg);
			return AUDIT_EXIT_FINDINGS;
		}
	}
	report_csv_header(r.csv);
	for (gint c = 0; c < N_CLASSES; c++) {
		r.export_spool[c] = -1;
		if (c != CLASS_III && (r.export_spool[c] = report_spool_open(out, &error)) < 0) {
			g_printerr("futari-audit report: %s\n", error->message);
			for (gint k = 0; k < c; k++)
				if (r.export_spool[k] >= 0)
					close(r.export_spool[k]);
			fclose(r.csv);
			audit_trust_clear(&trust);
			fut_media_register_free(r.reg);
			return AUDIT_EXIT_FINDINGS;
		}
	}

	r.hosts = g_ptr_array_new_with_free_func(report_host_free);
	r.media = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, report_medium_free);
	r.redeems = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, report_redeemed_free);
	for (gint c = 0; c < N_CLASSES; c++)
		r.exports[c] = g_ptr_array_new_with_free_func(report_row_free);
	r.denials = g_ptr_array_new_with_free_func(report_row_free);
	r.uploads = g_ptr_array_new_with_free_func(report_row_free);

	results = g_ptr_array_new();
	audit_progress_init(&progress, _("reading"), argv + 1);
	{
		guint n = (guint)(argc - 1);
		ReportJobs j = {.r = &r,
		                .trust = &trust,
		                .progress = &progress,
		                .dirs = argv + 1,
		                .hosts = g_new0(HostReport *, n)};
		guint threads = MAX(1, MIN((guint)g_get_num_processors(), n));
		g_mutex_init(&j.lock);
		g_cond_init(&j.turn);
		if (threads == 1) {
			for (guint i = 0; i < n; i++)
				report_one(GUINT_TO_POINTER(i + 1), &j);
		} else {
			GThreadPool *pool =
			    g_thread_pool_new(report_one, &j, (gint)threads, TRUE, NULL);
			for (guint i = 0; i < n; i++)
				g_thread_pool_push(pool, GUINT_TO_POINTER(i + 1), NULL);
			g_thread_pool_free(pool, FALSE, TRUE);
			/* The threads end now: their thread-local state (OpenSSL's) is released. */
			g_thread_pool_set_max_unused_threads(0);
			g_thread_pool_stop_unused_threads();
		}
		for (guint i = 0; i < n; i++) {
			HostReport *h = j.hosts[i];
			if (h->unreadable)
				rc = AUDIT_EXIT_FINDINGS;
			g_ptr_array_add(r.hosts, h);
			g_ptr_array_add(results, h->res);
		}
		g_free(j.hosts);
		g_mutex_clear(&j.lock);
		g_cond_clear(&j.turn);
	}
	/* The same host or directory twice is flagged (its records are counted twice). */
	fut_log_host_results_flag_duplicates(results);
	audit_progress_end(&progress);
	if (fclose(r.csv) != 0 || r.write_failed) {
		g_printerr(_("futari-audit report: writing events.csv failed\n"));
		rc = AUDIT_EXIT_FINDINGS;
	}

	media = report_sorted_media(&r);
	lost = report_lost_media(&r);
	{
		/* A page that misses rows, or is cut short, is not left behind looking whole (its
		 * verdict is at the top): it is removed, and the run fails */
		g_autofree gchar *path = g_build_filename(out, "report.html", NULL);
		g_autofree gchar *safe = fut_strescape(path, -1);
		int fd = -1;
		gboolean ok = FALSE;

		if (r.spool_failed) {
			g_printerr(_("futari-audit report: %s: keeping its rows failed\n"), safe);
		} else if ((fd = create_output(path)) < 0) {
			g_printerr("futari-audit report: %s: %s\n", safe, g_strerror(errno));
		} else {
			ok = report_write_html(fd, &r, media, lost, &error);
			if (close(fd) < 0 && ok) {
				ok = FALSE;
				fut_error_set_errno(&error, errno, "close");
			}
			if (!ok)
				g_printerr("futari-audit report: %s: %s\n", safe, error->message);
		}
		if (!ok) {
			/* (nor one of an earlier run left in its place) */
			unlink(path);
			rc = AUDIT_EXIT_FINDINGS;
		}
		g_clear_error(&error);
	}
	{
		g_autofree gchar *path = g_build_filename(out, "summary.json", NULL);
		int fd = create_output(path);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		gboolean ok = f != NULL && report_summary_json_write(&r, media, lost, f);
		if (f != NULL && fclose(f) != 0)
			ok = FALSE;
		else if (f == NULL && fd >= 0)
			close(fd);
		if (!ok) {
			g_autofree gchar *safe = fut_strescape(path, -1);
			g_printerr(_("futari-audit report: writing %s failed\n"), safe);
			rc = AUDIT_EXIT_FINDINGS;
		}
	}
	if (report_total_findings(&r) > 0)
		rc = AUDIT_EXIT_FINDINGS;
	{
		g_autofree gchar *safe = fut_strescape(out, -1);
		g_print(_("%s: report.html, events.csv, summary.json for %s: %u host(s), %llu "
		          "record(s), %llu finding(s), %u registered medium/media not seen\n"),
		        safe, r.month, r.hosts->len, (unsigned long long)r.records,
		        (unsigned long long)report_total_findings(&r), lost->len);
	}

	for (gint c = 0; c < N_CLASSES; c++)
		if (r.export_spool[c] >= 0)
			close(r.export_spool[c]);
	audit_trust_clear(&trust);
	fut_media_register_free(r.reg);
	g_ptr_array_unref(r.hosts);
	g_hash_table_unref(r.media);
	g_hash_table_unref(r.redeems);
	for (gint c = 0; c < N_CLASSES; c++)
		g_ptr_array_unref(r.exports[c]);
	g_ptr_array_unref(r.denials);
	g_ptr_array_unref(r.uploads);
	return rc;
}
