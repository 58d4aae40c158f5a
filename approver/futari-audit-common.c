/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit: what verify, report and show share: the progress line and the trust inputs
 * (witnesses, pinned keys, retention). */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "crypto.h"
#include "egresslog.h"
#include "futari-audit.h"
#include "logverify.h"
#include "util.h"

/* --- progress -------------------------------------------------------------------------- */

void
audit_progress_init(AuditProgress *p, const gchar *what, GStrv dirs)
{
	memset(p, 0, sizeof(*p));
	g_mutex_init(&p->lock);
	p->tty = isatty(STDERR_FILENO) == 1;
	p->what = what;
	p->hosts_total = dirs != NULL ? g_strv_length(dirs) : 0;
	if (p->tty) {
		for (gchar **d = dirs; d != NULL && *d != NULL; d++)
			p->total += fut_log_dir_size(*d);
	}
}

/* Called with p->lock held. A bar on a terminal: [#####.....] 45% 3/100 hosts. */
static void
progress_print(AuditProgress *p, gboolean force)
{
	gint64 now = g_get_monotonic_time();
	gdouble frac;
	gchar bar[31];
	guint fill;

	if (!p->tty || (!force && now - p->last_print_us < 200000))
		return;
	p->last_print_us = now;
	frac = p->total > 0 ? MIN(1.0, (gdouble)p->done / (gdouble)p->total) : 1.0;
	fill = (guint)(frac * 30.0);
	memset(bar, '#', fill);
	memset(bar + fill, '.', 30 - fill);
	bar[30] = '\0';
	g_printerr("\r\033[K%s [%s] %3.0f%%  %u/%u %s", p->what, bar, 100.0 * frac, p->hosts_done,
	           p->hosts_total, _("hosts"));
}

void
audit_progress_func(guint64 bytes, gpointer user_data)
{
	AuditProgress *p = user_data;

	g_mutex_lock(&p->lock);
	p->done += bytes;
	progress_print(p, FALSE);
	g_mutex_unlock(&p->lock);
}

void
audit_progress_host_done(AuditProgress *p)
{
	g_mutex_lock(&p->lock);
	p->hosts_done++;
	progress_print(p, FALSE);
	g_mutex_unlock(&p->lock);
}

void
audit_progress_end(AuditProgress *p)
{
	g_mutex_lock(&p->lock);
	if (p->tty && p->hosts_total > 0)
		g_printerr("\r\033[K");
	g_mutex_unlock(&p->lock);
}

/* --- verifying many hosts ------------------------------------------------------------ */

typedef struct {
	AuditTrust *trust;
	AuditProgress *progress;
	gchar **dirs;
	FutLogHostResult **out;
	const gchar *prog;
} VerifyJobs;

static void
verify_one(gpointer data, gpointer user_data)
{
	VerifyJobs *j = user_data;
	guint i = GPOINTER_TO_UINT(data) - 1;
	FutLogVerifyOptions opts = {0};
	g_autoptr(GError) error = NULL;
	FutLogHostResult *res;

	audit_trust_fill(j->trust, &opts);
	opts.progress_func = audit_progress_func;
	opts.progress_data = j->progress;
	res = fut_log_verify_dir(j->dirs[i], &opts, &error);
	if (res == NULL) {
		/* Counted and named as a host that failed, never skipped. */
		g_autofree gchar *msg = fut_strescape(error->message, -1);
		audit_progress_end(j->progress);
		g_mutex_lock(&j->progress->lock);
		g_printerr("%s: %s\n", j->prog, msg);
		g_mutex_unlock(&j->progress->lock);
		res = fut_log_host_result_new_unreadable(j->dirs[i], error->message);
	}
	j->out[i] = res;
	audit_progress_host_done(j->progress);
	/* pool threads may outlive the run: leave no OpenSSL state behind */
	fut_crypto_thread_done();
}

GPtrArray *
audit_verify_dirs(AuditTrust *t, gchar **dirs, guint n, AuditProgress *p, const gchar *prog)
{
	g_autofree FutLogHostResult **out = g_new0(FutLogHostResult *, n);
	GPtrArray *results =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_log_host_result_free);
	VerifyJobs j = {.trust = t, .progress = p, .dirs = dirs, .out = out, .prog = prog};
	guint threads = MAX(1, MIN((guint)g_get_num_processors(), n));

	if (threads == 1) {
		for (guint i = 0; i < n; i++)
			verify_one(GUINT_TO_POINTER(i + 1), &j);
	} else {
		/* Hosts are independent: one per core at a time; results kept in argument order. */
		GThreadPool *pool = g_thread_pool_new(verify_one, &j, (gint)threads, TRUE, NULL);
		for (guint i = 0; i < n; i++)
			g_thread_pool_push(pool, GUINT_TO_POINTER(i + 1), NULL);
		g_thread_pool_free(pool, FALSE, TRUE);
	}
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(results, out[i]);
	fut_log_host_results_flag_duplicates(results);
	return results;
}

/* --- trust inputs ---------------------------------------------------------------------- */

void
audit_trust_add_options(GOptionContext *ctx, AuditTrust *t)
{
	GOptionEntry entries[] = {
	    {"witness", 'w', 0, G_OPTION_ARG_FILENAME_ARRAY, &t->witness_files,
	     N_("Checkpoints collected elsewhere (one witness line per line); repeatable"),
	     N_("FILE")},
	    {"host-key", 0, 0, G_OPTION_ARG_FILENAME, &t->host_key_file,
	     N_("Pin the host public key (futari public-key file); for a single host"), N_("FILE")},
	    {"keys", 0, 0, G_OPTION_ARG_FILENAME, &t->keys_dir,
	     N_("Directory of pinned host keys named HOST.pub"), N_("DIR")},
	    {"retention", 0, 0, G_OPTION_ARG_INT, &t->retention,
	     N_("Retention in months when judging a missing oldest month (default 13)"), N_("N")},
	    {"now", 0, 0, G_OPTION_ARG_STRING, &t->now,
	     N_("Judge future times against this UTC time instead of the system clock "
	        "(YYYY-MM-DDThh:mm:ssZ), e.g. to check a copy as of its collection"),
	     N_("TIME")},
	    {"since-month", 0, 0, G_OPTION_ARG_STRING, &t->since_month,
	     N_("Only months from YYYY-MM on were copied: earlier ones are not missing"),
	     N_("YYYY-MM")},
	    {NULL}};

	/* The entries are copied by GLib; their targets live in @t. */
	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
}

gboolean
audit_trust_load(AuditTrust *t)
{
	g_autoptr(GError) error = NULL;

	if (t->retention < 0 || t->retention > 1200) {
		g_printerr(_("futari-audit: --retention must be between 1 and 1200 months\n"));
		return FALSE;
	}
	if (t->now != NULL) {
		g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
		g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(t->now, utc);
		if (dt == NULL || g_date_time_get_year(dt) < 1970) {
			g_autofree gchar *safe = fut_strescape(t->now, -1);
			g_printerr(_("futari-audit: --now \"%s\" is not an RFC 3339 UTC time\n"),
			           safe);
			return FALSE;
		}
		t->now_us =
		    g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
	}
	if (t->since_month != NULL) {
		gchar m[8];
		g_autofree gchar *name = g_strdup_printf("egress-%s.jsonl", t->since_month);
		if (!fut_egress_log_file_month(name, m)) {
			g_autofree gchar *safe = fut_strescape(t->since_month, -1);
			g_printerr(_("futari-audit: --since-month \"%s\" is not YYYY-MM\n"), safe);
			return FALSE;
		}
	}
	t->witness_sets = g_ptr_array_new_with_free_func((GDestroyNotify)fut_log_witness_file_free);
	for (gchar **f = t->witness_files; f != NULL && *f != NULL; f++) {
		FutLogWitnessFile *wf = fut_log_witness_file_open(*f, &error);
		if (wf == NULL) {
			g_printerr("futari-audit: %s\n", error->message);
			return FALSE;
		}
		t->witness_count += fut_log_witness_file_count(wf);
		g_ptr_array_add(t->witness_sets, wf);
	}
	if (t->host_key_file != NULL) {
		t->host_key = fut_key_load_public(t->host_key_file, &error);
		if (t->host_key == NULL) {
			g_printerr("futari-audit: %s\n", error->message);
			return FALSE;
		}
	}
	if (t->keys_dir != NULL) {
		g_autoptr(GDir) d = g_dir_open(t->keys_dir, 0, &error);
		const gchar *name;
		if (d == NULL) {
			g_autofree gchar *safe = fut_strescape(error->message, -1);
			g_printerr("futari-audit: %s\n", safe);
			return FALSE;
		}
		t->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		                                (GDestroyNotify)fut_key_free);
		while ((name = g_dir_read_name(d)) != NULL) {
			g_autofree gchar *path = NULL;
			FutKey *k;
			if (!g_str_has_suffix(name, ".pub"))
				continue;
			path = g_build_filename(t->keys_dir, name, NULL);
			k = fut_key_load_public(path, &error);
			if (k == NULL) {
				g_printerr("futari-audit: %s\n", error->message);
				return FALSE;
			}
			g_hash_table_insert(t->keys, g_strndup(name, strlen(name) - 4), k);
		}
	}
	return TRUE;
}

void
audit_trust_fill(AuditTrust *t, FutLogVerifyOptions *opts)
{
	opts->witness_files = t->witness_count > 0 ? t->witness_sets : NULL;
	opts->pinned_key = t->host_key;
	opts->pinned_keys = t->keys;
	opts->retention_months = (guint)t->retention;
	opts->first_month = t->since_month;
	opts->now_us = t->now_us;
}

void
audit_trust_clear(AuditTrust *t)
{
	g_strfreev(t->witness_files);
	g_free(t->host_key_file);
	g_free(t->keys_dir);
	g_free(t->since_month);
	g_free(t->now);
	g_clear_pointer(&t->witness_sets, g_ptr_array_unref);
	g_clear_pointer(&t->host_key, fut_key_free);
	g_clear_pointer(&t->keys, g_hash_table_unref);
}
