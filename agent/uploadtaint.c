/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's side of the BPF LSM process taint (agent/taint.h): which programs are exempt,
 * the records of the kernel's denials, what `futari status` shows. Part of futarid. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "agent.h"
#include "egresslog.h"
#include "errors.h"
#include "taint.h"
#include "util.h"

/* Browsers and mail clients stay on fanotify's deny-at-open and are never tainted, so a
 * user's browser is never cut off from the network: the listed upload programs whose file
 * name starts with one of these. Not [upload] names: the packaged list names curl, wget,
 * scp and rsync there too, which this layer must stop. */
static const gchar *const browsers_and_mail[] = {
    "firefox", "chromium",  "chrome",   "google-chrome", "brave",     "vivaldi",
    "opera",   "msedge",    "epiphany", "falkon",        "konqueror", "thunderbird",
    "icedove", "evolution", "kmail",    "claws-mail",    "geary",     NULL};

static GPtrArray *
exempt_programs(const FutConfig *c)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; c->upload_programs != NULL && c->upload_programs[i] != NULL; i++) {
		g_autofree gchar *base = g_path_get_basename(c->upload_programs[i]);

		for (guint j = 0; browsers_and_mail[j] != NULL; j++) {
			if (g_str_has_prefix(base, browsers_and_mail[j])) {
				g_ptr_array_add(out, g_strdup(c->upload_programs[i]));
				break;
			}
		}
	}
	g_ptr_array_add(out, NULL);
	return out;
}

static void
append(FutAgent *agent, FutLogEvent *ev)
{
	g_autoptr(GError) error = NULL;

	/* A refused send is an egress decision: durable, like fanotify's. When the log
	 * cannot take it the send stays refused (the kernel decided already). */
	if (agent->log != NULL &&
	    fut_egress_log_append(agent->log, ev, FUT_EGRESS_LOG_APPEND_DURABLE, NULL, &error))
		return;
	g_free(agent->taint_error);
	agent->taint_error =
	    g_strdup_printf(_("a denial could not be logged: %s"),
	                    error != NULL ? error->message : _("the log is closed"));
}

/* A user's desktop hears of at most one refused send in this many seconds: a tainted
 * program that retries (or loops over thousands of connects) would flood it otherwise. Every
 * refusal is in the log all the same. */
#define NOTICE_INTERVAL_S 5

static void
on_denial(const FutTaintDenial *d, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(FutLogEvent) ev = fut_taint_denial_to_log_event(d);
	gint64 now = g_get_monotonic_time();
	gpointer last;

	append(agent, ev);
	/* main context only (the ring buffer is read there) */
	if (agent->taint_notices == NULL)
		agent->taint_notices = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	last = g_hash_table_lookup(agent->taint_notices, GUINT_TO_POINTER(d->uid));
	if (last == NULL || now - *(gint64 *)last >= NOTICE_INTERVAL_S * G_USEC_PER_SEC) {
		g_autoptr(JsonObject) fields = fut_taint_denial_to_fields(d);

		g_hash_table_insert(agent->taint_notices, GUINT_TO_POINTER(d->uid),
		                    g_memdup2(&now, sizeof now));
		fut_agent_notify_record(agent, "upload.denied", fields);
	}
}

static void
on_gap(guint64 lost, gpointer user_data)
{
	g_autoptr(FutLogEvent) ev = fut_taint_gap_to_log_event(lost);

	append(user_data, ev);
}

/* fanwatch's on_approved (a worker thread): the open of an approved upload program was allowed
 * under @request_id; let that program of that user send that content. Without the taint
 * layer there is nothing to tell. Fails closed: an approval the kernel side cannot take
 * denies the open. */
gboolean
fut_agent_taint_approved(
    int fd, guint32 uid, const gchar *exe, const gchar *request_id, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(GError) error = NULL;

	if (agent->taint == NULL)
		return TRUE;
	if (fut_taint_allow(agent->taint, fd, (uid_t)uid, exe, request_id, &error))
		return TRUE;
	g_warning("upload approval %s: %s", request_id, error->message);
	return FALSE;
}

/* fanwatch's on_pending (a thread answering the kernel): mark the file's inode pending. */
gboolean
fut_agent_taint_pending(int fd, guint64 seq, gpointer user_data)
{
	FutAgent *agent = user_data;

	return agent->taint != NULL && fut_taint_set_pending(agent->taint, fd, seq, NULL);
}

/* fanwatch's on_settled (a thread answering the kernel): the open's version is known; an
 * older version's number on the inode goes. */
void
fut_agent_taint_settled(int fd, guint64 below, gpointer user_data)
{
	FutAgent *agent = user_data;

	if (agent->taint != NULL)
		(void)fut_taint_settle(agent->taint, fd, below);
}

/* fanwatch's on_resolved (a worker, the learner or whichever thread ended the event). A
 * resolution the kernel side cannot take leaves the readers refused (fail closed). */
void
fut_agent_taint_resolved(int fd, guint64 seq, guint file_class, gpointer user_data)
{
	FutAgent *agent = user_data;

	if (agent->taint != NULL)
		(void)fut_taint_resolve(agent->taint, seq, file_class, fd, NULL);
}

void
fut_agent_taint_window(FutAgent *agent, const gchar *request_id, gint64 not_after)
{
	if (agent->taint != NULL)
		fut_taint_set_window(agent->taint, request_id, not_after);
}

void
fut_agent_taint_withdraw(FutAgent *agent, const gchar *request_id)
{
	if (agent->taint != NULL)
		fut_taint_withdraw(agent->taint, request_id);
}

gboolean
fut_agent_taint_start(FutAgent *agent, GError **error)
{
	g_autoptr(GPtrArray) exempt = NULL;

	if (!agent->config->upload_enabled)
		return TRUE;
	exempt = exempt_programs(agent->config);
	agent->taint =
	    fut_taint_new((const gchar *const *)exempt->pdata, on_denial, on_gap, agent, error);
	if (agent->taint == NULL) {
		agent->taint_error = g_strdup((*error)->message);
		return FALSE;
	}
	(void)fut_taint_exempt_peers(
	    agent->taint, (const gchar *const *)agent->config->upload_taint_exempt_peers);
	return TRUE;
}

void
fut_agent_taint_stop(FutAgent *agent)
{
	g_clear_pointer(&agent->taint, fut_taint_free);
	g_clear_pointer(&agent->taint_error, g_free);
	g_clear_pointer(&agent->taint_notices, g_hash_table_unref);
}

const gchar *
fut_agent_enforcement(const FutAgent *agent)
{
	if (agent->taint != NULL && agent->fanwatch != NULL)
		return "bpf-lsm+fanotify";
	if (agent->taint != NULL)
		return "bpf-lsm";
	if (agent->fanwatch != NULL)
		return "fanotify";
	return "none";
}

/* A kernel or agent counter in the status reply (JSON integers are signed). */
static void
set_count(JsonObject *r, const gchar *name, guint64 value)
{
	json_object_set_int_member(r, name, (gint64)MIN(value, G_MAXINT64));
}

void
fut_agent_taint_status(FutAgent *agent, JsonObject *r)
{
	json_object_set_string_member(r, "upload_enforcement", fut_agent_enforcement(agent));
	json_object_set_boolean_member(r, "bpf_lsm", agent->taint != NULL);
	if (agent->taint != NULL) {
		FutTaintStats st;

		fut_taint_get_stats(agent->taint, &st);
		set_count(r, "taint_marked", st.marked);
		set_count(r, "taint_shared_marked", st.shared_marked);
		set_count(r, "taint_shared_dropped", st.shared_dropped);
		set_count(r, "taint_shared_owed", st.shared_owed);
		set_count(r, "taint_shared_owed_taken", st.shared_owed_taken);
		set_count(r, "taint_shared_overflow", st.shared_overflow);
		set_count(r, "taint_mapped_noted", st.mapped_noted);
		set_count(r, "taint_mapped_overflow", st.mapped_overflow);
		set_count(r, "taint_mapped_pulled", st.mapped_pulled);
		set_count(r, "taint_mapped_full", st.mapped_full);
		set_count(r, "taint_mapped_lost", st.mapped_lost);
		set_count(r, "taint_shared_owed_open", (guint64)MAX(st.owed_open, 0));
		set_count(r, "taint_tainted", st.tainted);
		set_count(r, "taint_denied", st.denied);
		set_count(r, "taint_dropped", st.dropped);
		set_count(r, "taint_flowed", st.flowed);
		set_count(r, "taint_expired", st.expired);
		set_count(r, "taint_peer_exempt", st.peer_exempt);
		json_object_set_int_member(r, "taint_peers_exempt", (gint64)st.peers_exempt);
		json_object_set_int_member(r, "taint_approvals", (gint64)st.approvals);
		set_count(r, "taint_pending_set", st.pending_set);
		set_count(r, "taint_pending_read", st.pending);
		set_count(r, "taint_resolved", st.resolved);
		set_count(r, "taint_settled", st.settled);
		set_count(r, "taint_republished", st.republished);
		set_count(r, "taint_pending_overflow", st.pending_overflow);
		set_count(r, "taint_splice_unnoted", st.splice_unnoted);
		set_count(r, "taint_splice_note_lost", st.splice_note_lost);
		set_count(r, "taint_exempt_fed", st.exempt_fed);
		json_object_set_boolean_member(r, "taint_exempt_fed_full", st.exempt_fed_full != 0);
	}
	if (agent->taint_error != NULL) {
		g_autofree gchar *esc = fut_strescape(agent->taint_error, -1);

		json_object_set_string_member(r, "bpf_lsm_reason", esc);
	}
}
