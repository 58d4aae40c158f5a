/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <systemd/sd-journal.h>

#include "errors.h"
#include "logforward.h"
#include "util.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

typedef enum {
	FORWARD_JOURNALD,
	FORWARD_SYSLOG,
} ForwardKind;

struct _FutLogForward {
	ForwardKind kind;
	int fd; /* syslog */
	struct sockaddr_un addr;
	socklen_t addr_len;
	gchar *app_name;
	gchar *hostname;
	guint64 failures;
};

FutLogForward *
fut_log_forward_new_journald(GError **error)
{
	FutLogForward *fwd;

	if (access(JOURNAL_SOCKET, W_OK) < 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("no systemd journal socket at %s"), JOURNAL_SOCKET);
		return NULL;
	}
	fwd = g_new0(FutLogForward, 1);
	fwd->kind = FORWARD_JOURNALD;
	fwd->fd = -1;
	return fwd;
}

FutLogForward *
fut_log_forward_new_syslog(const gchar *socket_path, const gchar *app_name, GError **error)
{
	g_autoptr(FutLogForward) fwd = g_new0(FutLogForward, 1);
	g_autofree gchar *safe = NULL;

	if (socket_path == NULL)
		socket_path = "/dev/log";
	safe = fut_strescape(socket_path, -1);
	if (strlen(socket_path) >= sizeof(fwd->addr.sun_path)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("syslog socket path %s is too long"), safe);
		return NULL;
	}
	fwd->kind = FORWARD_SYSLOG;
	fwd->app_name = g_strdup(app_name != NULL ? app_name : "futarid");
	fwd->hostname = g_strdup(g_get_host_name());
	fwd->addr.sun_family = AF_UNIX;
	strcpy(fwd->addr.sun_path, socket_path);
	fwd->addr_len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(socket_path) + 1);
	fwd->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fwd->fd < 0) {
		fut_error_set_errno(error, errno, safe);
		return NULL;
	}
	return g_steal_pointer(&fwd);
}

void
fut_log_forward_free(FutLogForward *fwd)
{
	if (fwd == NULL)
		return;
	if (fwd->fd >= 0)
		close(fwd->fd);
	g_free(fwd->app_name);
	g_free(fwd->hostname);
	g_free(fwd);
}

guint64
fut_log_forward_get_failures(FutLogForward *fwd)
{
	return fwd->failures;
}

static gint
severity_of(const FutLogRecord *rec)
{
	if (g_strcmp0(rec->ev->event, FUT_LOG_EV_GAP) == 0 ||
	    g_strcmp0(rec->ev->event, FUT_LOG_EV_DEVICE_SUSPICIOUS) == 0)
		return LOG_WARNING;
	if (g_strcmp0(rec->ev->decision, FUT_LOG_DECISION_DENY) == 0 ||
	    g_strcmp0(rec->ev->event, FUT_LOG_EV_APPROVAL_REFUSED) == 0)
		return LOG_NOTICE;
	return LOG_INFO;
}

/* A short line for people reading the journal; the values are escaped text already. */
static gchar *
summary_of(const FutLogRecord *rec)
{
	GString *s = g_string_new("futari ");

	g_string_append(s, rec->ev->event);
	if (rec->ev->subject.login != NULL)
		g_string_append_printf(s, " user=%s", rec->ev->subject.login);
	if (rec->ev->object.path != NULL)
		g_string_append_printf(s, " file=%s", rec->ev->object.path);
	if (rec->ev->object.klass != NULL)
		g_string_append_printf(s, " class=%s", rec->ev->object.klass);
	if (rec->ev->destination.serial != NULL)
		g_string_append_printf(s, " device=%s", rec->ev->destination.serial);
	if (rec->ev->destination.program != NULL)
		g_string_append_printf(s, " program=%s", rec->ev->destination.program);
	if (rec->ev->decision != NULL)
		g_string_append_printf(s, " decision=%s", rec->ev->decision);
	if (rec->ev->reason != NULL)
		g_string_append_printf(s, " reason=%s", rec->ev->reason);
	g_string_append_printf(s, " seq=%" G_GINT64_FORMAT, rec->seq);
	return g_string_free(s, FALSE);
}

static gchar *
witness_of(const FutLogRecord *rec)
{
	g_autoptr(FutLogCheckpoint) cp = NULL;

	if (g_strcmp0(rec->ev->event, FUT_LOG_EV_CHECKPOINT) != 0)
		return NULL;
	cp = fut_log_checkpoint_from_record(rec, NULL);
	return cp != NULL ? fut_log_checkpoint_to_witness(cp) : NULL;
}

/* RFC 5424 §6.3.3: '"', '\' and ']' are escaped in a PARAM-VALUE. */
static void
append_sd_value(GString *s, const gchar *v)
{
	for (const gchar *p = v; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == ']')
			g_string_append_c(s, '\\');
		g_string_append_c(s, *p);
	}
}

static gboolean
send_syslog(FutLogForward *fwd,
            const FutLogRecord *rec,
            const gchar *line,
            gsize len,
            const gchar *witness,
            GError **error)
{
	g_autoptr(GString) msg = g_string_new(NULL);
	g_autofree gchar *time = fut_log_time_format(rec->time_us);
	g_autofree gchar *hash = fut_hex_encode(rec->hash, FUT_SHA256_LEN);

	/* <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG */
	g_string_append_printf(msg, "<%d>1 %s %s %s %d %s [futari@32473 host=\"",
	                       LOG_AUTHPRIV | severity_of(rec), time, rec->host, fwd->app_name,
	                       (int)getpid(), rec->ev->event);
	append_sd_value(msg, rec->host);
	g_string_append_printf(msg, "\" seq=\"%" G_GINT64_FORMAT "\" hash=\"%s\"", rec->seq, hash);
	if (witness != NULL)
		g_string_append(msg, " checkpoint=\"1\"");
	g_string_append(msg, "] ");
	if (witness != NULL)
		g_string_append(msg, witness);
	else
		g_string_append_len(msg, line, (gssize)len);
	if (sendto(fwd->fd, msg->str, msg->len, MSG_DONTWAIT | MSG_NOSIGNAL,
	           (struct sockaddr *)&fwd->addr, fwd->addr_len) < 0)
		return fut_error_set_errno(error, errno, "syslog");
	return TRUE;
}

static gboolean
send_journald(
    const FutLogRecord *rec, const gchar *line, gsize len, const gchar *witness, GError **error)
{
	g_autofree gchar *summary = summary_of(rec);
	g_autofree gchar *hash = fut_hex_encode(rec->hash, FUT_SHA256_LEN);
	int r;

	if (witness != NULL)
		r = sd_journal_send("MESSAGE=%s", summary, "PRIORITY=%d", severity_of(rec),
		                    "SYSLOG_IDENTIFIER=futarid", "FUTARI_EVENT=%s", rec->ev->event,
		                    "FUTARI_HOST=%s", rec->host, "FUTARI_SEQ=%" G_GINT64_FORMAT,
		                    rec->seq, "FUTARI_HASH=%s", hash, "FUTARI_RECORD=%.*s",
		                    (int)len, line, "FUTARI_CHECKPOINT=%s", witness, NULL);
	else
		r = sd_journal_send("MESSAGE=%s", summary, "PRIORITY=%d", severity_of(rec),
		                    "SYSLOG_IDENTIFIER=futarid", "FUTARI_EVENT=%s", rec->ev->event,
		                    "FUTARI_HOST=%s", rec->host, "FUTARI_SEQ=%" G_GINT64_FORMAT,
		                    rec->seq, "FUTARI_HASH=%s", hash, "FUTARI_RECORD=%.*s",
		                    (int)len, line, NULL);
	if (r < 0)
		return fut_error_set_errno(error, -r, "journald");
	return TRUE;
}

gboolean
fut_log_forward_record(
    FutLogForward *fwd, const FutLogRecord *rec, const gchar *line, gsize len, GError **error)
{
	g_autofree gchar *witness = witness_of(rec);
	gboolean ok;

	if (fwd->kind == FORWARD_SYSLOG)
		ok = send_syslog(fwd, rec, line, len, witness, error);
	else
		ok = send_journald(rec, line, len, witness, error);
	if (!ok)
		fwd->failures++;
	return ok;
}

void
fut_log_forward_record_func(const FutLogRecord *rec,
                            const gchar *line,
                            gsize len,
                            gpointer user_data)
{
	fut_log_forward_record(user_data, rec, line, len, NULL);
}
