/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-notify: the user-session notifier (XDG autostart). It subscribes to the agent's
 * events for its own user (docs/agent-api-events.md) and shows each as a desktop
 * notification saying what happened and what to do, with an "Open Folder" action where a
 * folder helps. It holds no secret and decides nothing; when the agent is not there it
 * retries with a growing delay.
 *
 *   futari-notify [--socket PATH] [--once]      (or FUTARI_SOCKET=PATH) */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libnotify/notify.h>

#include "apimsg.h"
#include "errors.h"
#include "futari-hint.h"
#include "notify-event.h"
#include "util.h"

#define DEFAULT_SOCKET RUNSTATEDIR "/futari/agent.sock"
#define MESSAGE_MAX    (64 * 1024)
#define RETRY_MIN      2
#define RETRY_MAX      300
/* An export job's progress is shown once it has run this long (a short one is said by its
 * files' own notifications, or for a folder by one summary at the end). */
#define LONG_EXPORT_MS 1000
/* Export jobs followed at once (more are not shown as progress). */
#define JOBS_MAX       16

typedef struct {
	gchar *socket_path;
	gboolean once; /* exit when the agent closes the stream (tests) */
	gboolean markup;
	int fd;
	guint watch;
	guint retry;
	guint retry_delay;
	GMainLoop *loop;
	gint status;
	GHashTable *jobs; /* export job id -> JobNote* */
} Notifier;

/* One export job's notification, updated in place (the same id: replaces-id). */
typedef struct {
	NotifyNotification *note; /* NULL until shown */
	gboolean multi;           /* more than one file: its files are said in one summary */
	/* Until shown: the job's latest figures, when they came, and the timer that shows
	 * them once the job is long. The agent sends nothing while nothing happens (the CLI
	 * waits, a big file is written): a job that goes quiet before it is long is shown
	 * all the same. */
	FutNotifyProgress *last;
	gint64 last_at;
	guint long_timer;
	Notifier *n;
} JobNote;

static void
job_note_free(gpointer data)
{
	JobNote *j = data;

	if (j->long_timer != 0)
		g_source_remove(j->long_timer);
	g_clear_pointer(&j->last, fut_notify_progress_free);
	g_clear_object(&j->note);
	g_free(j);
}

static void schedule_retry(Notifier *n);

static void
log_msg(const gchar *what, const gchar *detail)
{
	g_autofree gchar *safe = fut_strescape(detail != NULL ? detail : "", -1);

	g_printerr("futari-notify: %s%s%s\n", what, detail != NULL ? ": " : "", safe);
}

static void
open_folder(NotifyNotification *notification, char *action, gpointer data)
{
	const gchar *folder = data;
	g_autoptr(GFile) f = g_file_new_for_path(folder);
	g_autofree gchar *uri = g_file_get_uri(f);
	g_autoptr(GError) error = NULL;

	if (!g_app_info_launch_default_for_uri(uri, NULL, &error))
		log_msg(_("cannot open the folder"), error->message);
}

/* Sets @note's text, urgency and progress value from @m. */
static void
fill(Notifier *n, NotifyNotification *note, const FutNotifyMessage *m)
{
	g_autofree gchar *body = n->markup ? g_markup_escape_text(m->body, -1) : g_strdup(m->body);

	notify_notification_update(note, m->summary, body,
	                           m->urgent ? "dialog-warning" : "drive-removable-media");
	notify_notification_set_app_name(note, _("futari"));
	notify_notification_set_urgency(note, m->urgent ? NOTIFY_URGENCY_CRITICAL
	                                                : NOTIFY_URGENCY_NORMAL);
	notify_notification_set_hint_string(note, "desktop-entry", "futari-notify");
	if (m->has_value)
		notify_notification_set_hint_int32(note, "value", (gint)MIN(m->value, 100));
	else
		notify_notification_set_hint(note, "value", NULL);
}

static void
show(Notifier *n, const FutNotifyMessage *m)
{
	NotifyNotification *note = notify_notification_new(m->summary, NULL, NULL);
	g_autoptr(GError) error = NULL;

	fill(n, note, m);
	if (m->folder != NULL)
		notify_notification_add_action(note, "open-folder", _("Open Folder"), open_folder,
		                               g_strdup(m->folder), g_free);
	/* The notification lives until the server closes it, so its action still works. */
	g_signal_connect(note, "closed", G_CALLBACK(g_object_unref), NULL);
	if (!notify_notification_show(note, &error)) {
		log_msg(_("cannot show a notification"), error->message);
		g_object_unref(note);
	}
}

static void
disconnect(Notifier *n)
{
	if (n->watch != 0)
		g_source_remove(n->watch);
	n->watch = 0;
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

static void show_job(Notifier *n, JobNote *j, const FutNotifyProgress *p);

/* A job quiet since its last figures has become long: it is shown with them. */
static gboolean
on_long_job(gpointer data)
{
	JobNote *j = data;

	j->long_timer = 0;
	if (j->note == NULL && j->last != NULL) {
		j->last->elapsed_ms += (g_get_monotonic_time() - j->last_at) / 1000;
		show_job(j->n, j, j->last);
	}
	return G_SOURCE_REMOVE;
}

/* An export job's progress (export.progress, @p taken): one notification per job, shown
 * once the job is long, updated in place with the progress value, and at the end turned
 * into what happened (a folder or several files) or closed (one file: its own notification
 * says it). */
static void
show_progress(Notifier *n, FutNotifyProgress *p)
{
	JobNote *j = g_hash_table_lookup(n->jobs, p->job);

	if (j == NULL) {
		if ((p->finished && p->files <= 1) || g_hash_table_size(n->jobs) >= JOBS_MAX) {
			fut_notify_progress_free(p);
			return;
		}
		j = g_new0(JobNote, 1);
		j->n = n;
		g_hash_table_insert(n->jobs, g_strdup(p->job), j);
	}
	j->multi = p->files > 1;
	if (!p->finished && j->note == NULL && p->elapsed_ms < LONG_EXPORT_MS) {
		if (j->long_timer == 0)
			j->long_timer = g_timeout_add(
			    (guint)(LONG_EXPORT_MS - MAX(p->elapsed_ms, 0)), on_long_job, j);
		g_clear_pointer(&j->last, fut_notify_progress_free);
		j->last = p;
		j->last_at = g_get_monotonic_time();
		return;
	}
	g_clear_pointer(&j->last, fut_notify_progress_free);
	if (j->long_timer != 0)
		g_source_remove(j->long_timer);
	j->long_timer = 0;
	show_job(n, j, p);
	fut_notify_progress_free(p);
}

/* Shows @p in @j's notification, or ends it when the job finished (@j may be freed). */
static void
show_job(Notifier *n, JobNote *j, const FutNotifyProgress *p)
{
	g_autoptr(FutNotifyMessage) m = fut_notify_progress_message(p);
	g_autoptr(GError) error = NULL;

	if (p->finished && !j->multi) {
		if (j->note != NULL && !notify_notification_close(j->note, &error))
			log_msg(_("cannot close a notification"), error->message);
		g_hash_table_remove(n->jobs, p->job);
		return;
	}
	if (j->note == NULL)
		j->note = notify_notification_new(m->summary, NULL, NULL);
	fill(n, j->note, m);
	if (!notify_notification_show(j->note, &error))
		log_msg(_("cannot show a notification"), error->message);
	if (p->finished)
		g_hash_table_remove(n->jobs, p->job);
}

/* While a job of several files runs, its files are said in its summary, not one by one. */
static gboolean
in_multi_job(Notifier *n, JsonObject *event)
{
	GHashTableIter it;
	gpointer v;

	if (g_strcmp0(json_object_get_string_member_with_default(event, "event", NULL),
	              "export.written") != 0)
		return FALSE;
	g_hash_table_iter_init(&it, n->jobs);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((JobNote *)v)->multi)
			return TRUE;
	return FALSE;
}

static void
show_event(Notifier *n, JsonObject *event)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutNotifyProgress) p = fut_notify_progress_from_event(event, &error);
	g_autoptr(FutNotifyMessage) m = NULL;

	if (p != NULL) {
		show_progress(n, g_steal_pointer(&p));
		return;
	}
	if (error == NULL && !in_multi_job(n, event))
		m = fut_notify_message_from_event(event, &error);
	if (m == NULL) {
		if (error != NULL)
			log_msg(_("ignored a malformed event"), error->message);
		return;
	}
	show(n, m);
}

/* export.requested comes from the agent before `futari` has its reply and saves the
 * request, where the agent cannot know (issue 19): beside the file or in the current
 * folder. The CLI leaves the path by request id (futari-hint.h); the notification waits for
 * it up to 2 s, then names it exactly (detail.request_file) and opens its folder. */
typedef struct {
	Notifier *n;
	JsonObject *event;
	gchar *id;
	guint tries;
} RequestWait;

static void
request_wait_free(gpointer data)
{
	RequestWait *w = data;

	json_object_unref(w->event);
	g_free(w->id);
	g_free(w);
}

static gboolean
request_wait_tick(gpointer data)
{
	RequestWait *w = data;
	g_autofree gchar *file = fut_request_hint_take(w->id);

	if (file == NULL && ++w->tries < 8)
		return G_SOURCE_CONTINUE;
	if (file != NULL)
		json_object_set_string_member(json_object_get_object_member(w->event, "detail"),
		                              "request_file", file);
	show_event(w->n, w->event);
	return G_SOURCE_REMOVE;
}

static gboolean
wait_for_request_file(Notifier *n, JsonObject *event)
{
	JsonNode *detail = json_object_get_member(event, "detail");
	JsonNode *idn = json_object_get_member(event, "request");
	const gchar *id = idn != NULL && JSON_NODE_HOLDS_VALUE(idn) &&
	                          json_node_get_value_type(idn) == G_TYPE_STRING
	                      ? json_node_get_string(idn)
	                      : NULL;
	RequestWait *w;

	if (g_strcmp0(json_object_get_string_member_with_default(event, "event", NULL),
	              "export.requested") != 0 ||
	    id == NULL || detail == NULL || !JSON_NODE_HOLDS_OBJECT(detail) ||
	    json_object_has_member(json_node_get_object(detail), "request_file"))
		return FALSE;
	w = g_new0(RequestWait, 1);
	w->n = n;
	w->event = json_object_ref(event);
	w->id = g_strdup(id);
	g_timeout_add_full(G_PRIORITY_DEFAULT, 250, request_wait_tick, w, request_wait_free);
	return TRUE;
}

static void
handle(Notifier *n, JsonObject *msg)
{
	JsonNode *event;

	if (json_object_has_member(msg, "ok")) {
		if (!json_object_get_boolean_member_with_default(msg, "ok", FALSE)) {
			log_msg(_("the agent refused the subscription"),
			        json_object_get_string_member_with_default(msg, "error", "?"));
			disconnect(n);
			if (n->once) {
				n->status = 1;
				g_main_loop_quit(n->loop);
			} else {
				schedule_retry(n);
			}
		} else {
			n->retry_delay = RETRY_MIN;
		}
		return;
	}
	event = json_object_get_member(msg, "event");
	if (event == NULL || !JSON_NODE_HOLDS_OBJECT(event)) {
		log_msg(_("ignored a message from the agent without an event"), NULL);
		return;
	}
	/* The agent's first message on a working subscription (docs/agent-api.md): from now
	 * on a lost connection is retried quickly again. */
	if (g_strcmp0(json_object_get_string_member_with_default(json_node_get_object(event),
	                                                         "event", NULL),
	              "subscribed") == 0) {
		n->retry_delay = RETRY_MIN;
		log_msg(_("listening to the agent's events"), NULL);
		return;
	}
	if (!wait_for_request_file(n, json_node_get_object(event)))
		show_event(n, json_node_get_object(event));
}

static void
forget_jobs(Notifier *n)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, n->jobs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		JobNote *j = v;
		if (j->note != NULL)
			notify_notification_close(j->note, NULL);
	}
	g_hash_table_remove_all(n->jobs);
}

static void
closed(Notifier *n)
{
	n->watch = 0;
	disconnect(n);
	/* The agent's jobs are its own (a restarted agent knows none of them): their progress
	 * notifications would stay at their last figure, so they are closed. */
	forget_jobs(n);
	log_msg(_("the agent closed the connection"), NULL);
	if (n->once)
		g_main_loop_quit(n->loop);
	else
		schedule_retry(n);
}

static gboolean
on_readable(gint fd, GIOCondition cond, gpointer data)
{
	Notifier *n = data;
	g_autoptr(JsonObject) msg = NULL;
	g_autoptr(GError) error = NULL;
	int passed = -1;

	/* The API's own framing and checks (agent/apimsg.c): size, UTF-8, JSON, depth; a
	 * descriptor sent along is closed. */
	if (!fut_api_recv(fd, MESSAGE_MAX, &msg, &passed, &error)) {
		if (g_error_matches(error, FUT_ERROR, FUT_ERROR_IO)) {
			closed(n);
			return G_SOURCE_REMOVE;
		}
		log_msg(_("ignored a message from the agent"), error->message);
		return G_SOURCE_CONTINUE;
	}
	if (passed >= 0)
		close(passed);
	if (msg == NULL) {
		closed(n);
		return G_SOURCE_REMOVE;
	}
	handle(n, msg);
	return G_SOURCE_CONTINUE;
}

static gboolean
connect_agent(Notifier *n, GError **error)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	g_autoptr(JsonObject) hello = json_object_new();
	g_autofree gchar *safe = fut_strescape(n->socket_path, -1);
	int fd;

	if (strlen(n->socket_path) >= sizeof(addr.sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            _("%s: socket path too long"), safe);
		return FALSE;
	}
	strcpy(addr.sun_path, n->socket_path);
	json_object_set_string_member(hello, "command", "subscribe");
	json_object_set_object_member(hello, "args", json_object_new());
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s", safe,
		            g_strerror(e));
		return FALSE;
	}
	if (!fut_api_send(fd, hello, -1, error)) {
		close(fd);
		return FALSE;
	}
	n->fd = fd;
	n->watch = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, n);
	return TRUE;
}

static gboolean
retry_now(gpointer data)
{
	Notifier *n = data;
	g_autoptr(GError) error = NULL;

	n->retry = 0;
	if (!connect_agent(n, &error)) {
		if (n->once) {
			log_msg(_("cannot reach the agent"), error->message);
			n->status = 1;
			g_main_loop_quit(n->loop);
			return G_SOURCE_REMOVE;
		}
		schedule_retry(n);
	}
	return G_SOURCE_REMOVE;
}

static void
schedule_retry(Notifier *n)
{
	if (n->retry != 0 || n->once)
		return;
	n->retry = g_timeout_add_seconds(n->retry_delay, retry_now, n);
	n->retry_delay = MIN(n->retry_delay * 2, RETRY_MAX);
}

static gboolean
on_signal(gpointer data)
{
	g_main_loop_quit(((Notifier *)data)->loop);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
	Notifier n = {.fd = -1, .retry_delay = RETRY_MIN};
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *socket_path = NULL;
	g_autofree gchar *socket_help = NULL;
	GList *caps;
	GOptionEntry entries[] = {
	    {"socket", 0, 0, G_OPTION_ARG_FILENAME, &socket_path, NULL, N_("PATH")},
	    {"once", 0, 0, G_OPTION_ARG_NONE, &n.once,
	     N_("Exit when the agent closes the connection instead of reconnecting"), NULL},
	    {NULL}};

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	g_set_prgname("futari-notify");

	/* The default path comes from configure, so this help text is formatted here. */
	socket_help = g_strdup_printf(_("The agent's socket (default %s)"), DEFAULT_SOCKET);
	entries[0].description = socket_help;
	ctx = g_option_context_new(NULL);
	g_option_context_set_summary(
	    ctx, _("Show futari's messages for you on the desktop: blocked writes, saved requests, "
	           "finished exports and denied uploads."));
	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		log_msg(error->message, NULL);
		return 2;
	}
	if (argc != 1) {
		log_msg(_("futari-notify takes no arguments"), NULL);
		return 2;
	}
	/* The same order as the futari CLI: option, FUTARI_SOCKET, the built-in default. */
	if (socket_path == NULL && g_getenv("FUTARI_SOCKET") != NULL &&
	    g_getenv("FUTARI_SOCKET")[0] != '\0')
		socket_path = g_strdup(g_getenv("FUTARI_SOCKET"));
	n.socket_path = socket_path != NULL ? socket_path : g_strdup(DEFAULT_SOCKET);
	socket_path = NULL;
	if (!notify_init("futari")) {
		log_msg(_("cannot reach the desktop's notification service"), NULL);
		return 1;
	}
	caps = notify_get_server_caps();
	n.markup = g_list_find_custom(caps, "body-markup", (GCompareFunc)g_strcmp0) != NULL;
	g_list_free_full(caps, g_free);

	n.loop = g_main_loop_new(NULL, FALSE);
	n.jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, job_note_free);
	g_unix_signal_add(SIGTERM, on_signal, &n);
	g_unix_signal_add(SIGINT, on_signal, &n);
	g_idle_add(retry_now, &n);
	g_main_loop_run(n.loop);

	disconnect(&n);
	g_main_loop_unref(n.loop);
	g_hash_table_unref(n.jobs);
	g_free(n.socket_path);
	notify_uninit();
	return n.status;
}
