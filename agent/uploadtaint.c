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

static void
on_denial(const FutTaintDenial *d, gpointer user_data)
{
	g_autoptr(FutLogEvent) ev = fut_taint_denial_to_log_event(d);

	append(user_data, ev);
}

static void
on_gap(guint64 lost, gpointer user_data)
{
	g_autoptr(FutLogEvent) ev = fut_taint_gap_to_log_event(lost);

	append(user_data, ev);
}

/* TEST ONLY (the e2e scenario 22, until the redeem path calls fut_taint_allow()):
 * FUTARI_TEST_TAINT_ALLOW="UID:PROGRAM:FILE" in root's environment activates one approval
 * at start. Garbage is refused with a reason and the taint layer then stays off. */
static gboolean
test_allow(FutAgent *agent, GError **error)
{
	const gchar *spec = g_getenv("FUTARI_TEST_TAINT_ALLOW");
	g_auto(GStrv) parts = NULL;
	guint64 uid = 0;
	int fd;
	gboolean ok;

	if (spec == NULL)
		return TRUE;
	parts = g_strsplit(spec, ":", 3);
	if (g_strv_length(parts) != 3 ||
	    !g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXUINT32 - 1, &uid, NULL) ||
	    !g_path_is_absolute(parts[1]) || !g_path_is_absolute(parts[2])) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("FUTARI_TEST_TAINT_ALLOW is not UID:/PROGRAM:/FILE"));
		return FALSE;
	}
	fd = open(parts[2], O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return fut_error_set_errno(error, errno, "FUTARI_TEST_TAINT_ALLOW");
	ok = fut_taint_allow(agent->taint, fd, (uid_t)uid, parts[1], error);
	close(fd);
	return ok;
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
	if (!test_allow(agent, error)) {
		g_clear_pointer(&agent->taint, fut_taint_free);
		agent->taint_error = g_strdup((*error)->message);
		return FALSE;
	}
	return TRUE;
}

void
fut_agent_taint_stop(FutAgent *agent)
{
	g_clear_pointer(&agent->taint, fut_taint_free);
	g_clear_pointer(&agent->taint_error, g_free);
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

void
fut_agent_taint_status(FutAgent *agent, JsonObject *r)
{
	json_object_set_string_member(r, "upload_enforcement", fut_agent_enforcement(agent));
	json_object_set_boolean_member(r, "bpf_lsm", agent->taint != NULL);
	if (agent->taint != NULL) {
		FutTaintStats st;

		fut_taint_get_stats(agent->taint, &st);
		json_object_set_int_member(r, "taint_marked", (gint64)MIN(st.marked, G_MAXINT64));
		json_object_set_int_member(r, "taint_tainted", (gint64)MIN(st.tainted, G_MAXINT64));
		json_object_set_int_member(r, "taint_denied", (gint64)MIN(st.denied, G_MAXINT64));
		json_object_set_int_member(r, "taint_dropped", (gint64)MIN(st.dropped, G_MAXINT64));
		json_object_set_int_member(r, "taint_flowed", (gint64)MIN(st.flowed, G_MAXINT64));
	}
	if (agent->taint_error != NULL) {
		g_autofree gchar *esc = fut_strescape(agent->taint_error, -1);

		json_object_set_string_member(r, "bpf_lsm_reason", esc);
	}
}
