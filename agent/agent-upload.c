/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futarid's wiring of upload control: starts the fanotify listener from [upload], hands its
 * classifications to the BPF taint, records its decisions in the egress log and ends
 * upload approvals whose window has passed. Part of futarid (main thread unless said). */
#include "config.h"

#include <glib/gi18n.h>

#include "agent.h"
#include "egresslog.h"
#include "fanwatch.h"
#include "scanclassify.h"
#include "taint.h"

/* Runs in the listener thread while an opener waits: reads only the given descriptor. The
 * classifier may be replaced by a reload; retired ones live until exit, so whichever this
 * reads stays valid. */
static gboolean
upload_classify(int fd, const gchar *path, guint *ret_class, gpointer user_data, GError **error)
{
	FutAgent *agent = user_data;
	FutClassifier *c = g_atomic_pointer_get(&agent->classifier);

	return fut_classifier_classify_fd_cb(fd, path, ret_class, c, error);
}

/* The listener found a file Class I or II (or could not judge it: Class II): the kernel side
 * of the taint learns the inode. Any listener thread; the descriptor is borrowed. */
static void
upload_classified(int fd, guint file_class, gpointer user_data)
{
	FutAgent *agent = user_data;

	if (agent->taint != NULL)
		(void)fut_taint_mark_fd(agent->taint, fd, file_class, NULL);
}

/* fanwatch's taint_class (a thread answering the kernel): the class the kernel side's mark
 * gives the file at @fd (a copy of Class I/II content), 0 for none. */
static guint
upload_taint_class(int fd, gpointer user_data)
{
	FutAgent *agent = user_data;

	return agent->taint != NULL ? fut_taint_file_class(agent->taint, fd, NULL, NULL) : 0;
}

/* Upload records the log could not take (a denial while the log's filesystem was full: the
 * open was refused, but its record is lost). Counted, and written as one gap record before
 * the next upload record the log takes. Any thread. */
static gint lost_records;

/* Appends the gap for the records lost so far, if any (without flushing: the caller's own
 * durable append or flush covers it). */
static void
append_lost(FutAgent *agent)
{
	g_autoptr(FutLogEvent) gap = NULL;
	gint n;

	if (agent->log == NULL || g_atomic_int_get(&lost_records) == 0)
		return;
	/* taken whole, so two threads never write the same loss twice; given back if the
	 * log does not take the gap */
	n = g_atomic_int_exchange(&lost_records, 0);
	if (n == 0)
		return;
	gap = fut_log_event_new_gap("records-dropped",
	                            "the log could not take these upload control records");
	fut_log_event_set_detail_int(gap, "count", n);
	if (!fut_egress_log_append(agent->log, gap, FUT_EGRESS_LOG_APPEND_NONE, NULL, NULL))
		g_atomic_int_add(&lost_records, n);
}

/* Runs in the main context, after the listener has answered the kernel. Denials and
 * approved uploads are egress decisions: durable, like export records. */
static void
upload_record(const FutFanwatchRecord *r, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(FutLogEvent) ev = fut_fanwatch_record_to_log_event(r);
	g_autoptr(GError) error = NULL;
	FutEgressLogAppendFlags flags = FUT_EGRESS_LOG_APPEND_NONE;

	if (r->kind == FUT_FANWATCH_RECORD_DENIED || r->kind == FUT_FANWATCH_RECORD_ALLOWED)
		flags |= FUT_EGRESS_LOG_APPEND_DURABLE;
	append_lost(agent);
	if (agent->log == NULL || !fut_egress_log_append(agent->log, ev, flags, NULL, &error)) {
		fut_agent_say(FUT_AGENT_LOG_ERR, _("cannot record %s: %s"),
		              fut_fanwatch_record_kind_to_string(r->kind),
		              error != NULL ? error->message : _("the log is closed"));
		g_atomic_int_inc(&lost_records);
	}
	/* The desktop notification's cue: the person whose upload was refused, and why (the
	 * same record shape as the export events; the fields are escaped already). */
	if (r->kind == FUT_FANWATCH_RECORD_DENIED) {
		g_autoptr(JsonObject) fields = fut_fanwatch_record_to_fields(r);
		fut_agent_notify_record(agent, fut_fanwatch_record_kind_to_string(r->kind), fields);
	}
	if (r->kind == FUT_FANWATCH_RECORD_GAP)
		fut_agent_say(FUT_AGENT_LOG_WARNING, _("upload control: %s (%llu)"), r->gap_kind,
		              (unsigned long long)r->gap_count);
}

/* On a listener worker, before an upload under an approval is let through: its record,
 * durable in the log now, or the upload is refused (no egress without a record). The log
 * is open for as long as the listener runs (fut_agent_clear stops it first) and takes
 * appends from any thread. */
static gboolean
upload_allowing(const FutFanwatchRecord *r, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(FutLogEvent) ev = fut_fanwatch_record_to_log_event(r);
	g_autoptr(GError) error = NULL;

	append_lost(agent);
	if (agent->log != NULL &&
	    fut_egress_log_append(agent->log, ev, FUT_EGRESS_LOG_APPEND_DURABLE, NULL, &error))
		return TRUE;
	fut_agent_say(FUT_AGENT_LOG_ERR, _("cannot record %s, so the upload is refused: %s"),
	              fut_fanwatch_record_kind_to_string(r->kind),
	              error != NULL ? error->message : _("the log is closed"));
	return FALSE;
}

/* On the listener's record thread, before upload programs' opens of Class III files under
 * an observed path are let through: their upload.observed records, written one after the
 * other and flushed once (group commit). An open whose record is not durable is refused. */
static void
upload_observing(const FutFanwatchRecord *const *recs,
                 guint n,
                 gboolean *ret_durable,
                 gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(GError) error = NULL;
	guint written = 0;

	append_lost(agent);
	for (guint i = 0; i < n; i++) {
		g_autoptr(FutLogEvent) ev = fut_fanwatch_record_to_log_event(recs[i]);
		g_autoptr(GError) e = NULL;

		ret_durable[i] =
		    agent->log != NULL &&
		    fut_egress_log_append(agent->log, ev, FUT_EGRESS_LOG_APPEND_NONE, NULL, &e);
		if (ret_durable[i])
			written++;
		else if (error == NULL)
			error = g_steal_pointer(&e);
	}
	if (written > 0 && !fut_egress_log_sync(agent->log, error == NULL ? &error : NULL)) {
		for (guint i = 0; i < n; i++)
			ret_durable[i] = FALSE;
		written = 0;
	}
	if (written < n)
		fut_agent_say(FUT_AGENT_LOG_ERR,
		              _("cannot record %s, so the upload is refused (%u of %u): %s"),
		              fut_fanwatch_record_kind_to_string(FUT_FANWATCH_RECORD_OBSERVED),
		              n - written, n,
		              error != NULL ? error->message : _("the log is closed"));
}

/* Creates and starts the listener from [upload]. Fail closed: when upload control is
 * configured and fanotify cannot be set up, the agent does not start. */
gboolean
fut_agent_upload_start(FutAgent *agent, GError **error)
{
	const FutConfig *c = agent->config;
	FutFanwatchConfig cfg;
	g_autoptr(GStrvBuilder) sys = g_strv_builder_new();
	g_auto(GStrv) system_paths = NULL;

	if (!c->upload_enabled)
		return TRUE;
	/* The egress log is the agent's own output, collected monthly by rsync (an upload
	 * program): judged like a user's file it is Class II as soon as one record names a
	 * file called 取扱注意…, and the collection would be refused. */
	g_strv_builder_addv(sys, (const gchar **)c->upload_system);
	g_strv_builder_add(sys, c->log_dir);
	system_paths = g_strv_builder_end(sys);
	fut_fanwatch_config_init(&cfg);
	cfg.mounts = (const gchar *const *)c->upload_filesystems;
	cfg.mount_patterns = (const gchar *const *)c->upload_mounts;
	cfg.deadline_ms = c->upload_deadline_ms;
	cfg.upload_programs = (const gchar *const *)c->upload_programs;
	cfg.upload_names = (const gchar *const *)c->upload_names;
	cfg.observe_paths = (const gchar *const *)c->upload_observe;
	cfg.system_paths = (const gchar *const *)system_paths;
	cfg.digest_max = c->upload_digest_max;
	cfg.learn_max = c->upload_learn_max;
	cfg.observe_interval_s = c->upload_observe_interval;
	cfg.observe_per_minute = c->upload_observe_per_minute;
	cfg.observe_hidden = c->upload_observe_hidden;
	cfg.on_allowing = upload_allowing;
	cfg.on_allowing_data = agent;
	cfg.on_observing = upload_observing;
	cfg.on_observing_data = agent;
	/* Only with the kernel side running: the learner then classifies every file other
	 * programs open (and holds its descriptor meanwhile, which keeps a user from taking a
	 * write lease on it), and approvals go to the kernel map. Without it, that is cost
	 * with nothing to feed. */
	if (agent->taint != NULL) {
		cfg.on_classified = upload_classified;
		cfg.on_classified_data = agent;
		cfg.on_approved = fut_agent_taint_approved;
		cfg.on_approved_data = agent;
		/* A non-upload program's open of a file not classified yet marks it pending
		 * before it is answered, so a read that comes before the learner's verdict
		 * cannot be sent (docs/upload-control.md). */
		cfg.on_pending = fut_agent_taint_pending;
		cfg.on_resolved = fut_agent_taint_resolved;
		cfg.on_settled = fut_agent_taint_settled;
		cfg.taint_class = upload_taint_class;
		cfg.on_pending_data = agent;
	}
	agent->fanwatch =
	    fut_fanwatch_new(&cfg, upload_classify, agent, upload_record, agent, NULL, error);
	if (agent->fanwatch == NULL || !fut_fanwatch_start(agent->fanwatch, error)) {
		g_prefix_error(error, _("upload control is configured but cannot run: "));
		return FALSE;
	}
	return TRUE;
}

/* Drops upload approvals whose window has ended (the listener ignores them already; this
 * keeps its bounded table free). */
void
fut_agent_upload_expire(FutAgent *agent)
{
	GHashTableIter it;
	gpointer key, value;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (agent->fanwatch == NULL)
		return;
	g_hash_table_iter_init(&it, agent->upload_approvals);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		if (*(gint64 *)value >= now)
			continue;
		fut_fanwatch_remove_approval(agent->fanwatch, key);
		fut_agent_taint_withdraw(agent, key);
		g_hash_table_iter_remove(&it);
	}
}
