/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "apimsg.h"
#include "errors.h"
#include "util.h"

typedef struct {
	GQueue times; /* gint64 monotonic µs of recent requests */
	guint connections;
	/* The file bucket (FUT_API_PER_FILE): files that may be sent now, as of files_at. */
	gdouble files;
	gint64 files_at; /* monotonic µs; 0: full */
} UidState;

struct _FutApiServer {
	gchar *path;
	int fd;
	guint watch_id;
	const FutApiCommand *commands;
	FutApiLimits limits;
	gpointer user_data;
	GHashTable *uids;  /* uid -> UidState */
	GHashTable *conns; /* Conn set */
	gboolean stopping; /* fut_api_server_stop: no new connection or request */
};

typedef struct {
	gint ref;
	FutApiServer *server; /* NULL once the server is gone */
	int fd;
	guint watch_id;
	struct ucred cred;
	gboolean busy; /* a call is outstanding */
} Conn;

struct _FutApiCall {
	Conn *conn;
	int fd;
};

static void conn_close(Conn *conn);
static gboolean conn_cb(gint fd, GIOCondition cond, gpointer user_data);

static void
uid_state_free(UidState *s)
{
	g_queue_clear_full(&s->times, g_free);
	g_free(s);
}

static UidState *
uid_state(FutApiServer *server, uid_t uid)
{
	UidState *s = g_hash_table_lookup(server->uids, GUINT_TO_POINTER(uid));
	if (s == NULL) {
		s = g_new0(UidState, 1);
		g_queue_init(&s->times);
		g_hash_table_insert(server->uids, GUINT_TO_POINTER(uid), s);
	}
	return s;
}

static Conn *
conn_ref(Conn *conn)
{
	conn->ref++;
	return conn;
}

static void
conn_unref(Conn *conn)
{
	if (--conn->ref > 0)
		return;
	if (conn->fd >= 0)
		close(conn->fd);
	g_free(conn);
}

static const gchar *
code_name(const GError *error)
{
	if (error->domain != FUT_ERROR)
		return "failed";
	switch ((FutError)error->code) {
	case FUT_ERROR_INVALID_DATA:
		return "invalid";
	case FUT_ERROR_TOO_LARGE:
		return "too-large";
	case FUT_ERROR_BAD_SIGNATURE:
		return "bad-signature";
	case FUT_ERROR_PERMISSION:
		return "permission";
	case FUT_ERROR_EXISTS:
		return "exists";
	case FUT_ERROR_REFUSED:
		return "refused";
	case FUT_ERROR_NOT_SUPPORTED:
		return "not-supported";
	case FUT_ERROR_IO:
		return "io";
	case FUT_ERROR_RATE_LIMITED:
		return "rate-limited";
	case FUT_ERROR_BUSY:
		return "busy";
	default:
		return "failed";
	}
}

static void
conn_send(Conn *conn, JsonObject *reply)
{
	g_autoptr(GError) error = NULL;

	if (conn->fd < 0)
		return;
	/* The socket is non-blocking: a client that does not read its replies loses its
	 * connection rather than stalling the agent. */
	if (!fut_api_send(conn->fd, reply, -1, &error))
		conn_close(conn);
}

static void
send_error(Conn *conn, const GError *error)
{
	g_autoptr(JsonObject) reply = json_object_new();
	/* Messages may quote what the caller sent: keep them to one printable line. */
	g_autofree gchar *msg = fut_strescape(error->message, -1);

	json_object_set_boolean_member(reply, "ok", FALSE);
	json_object_set_string_member(reply, "error", msg);
	json_object_set_string_member(reply, "code", code_name(error));
	conn_send(conn, reply);
}

/* --- closing what callers pass -------------------------------------------------------- */

/* Closing a descriptor can wait on whoever serves the file: close() sends FLUSH to a FUSE
 * daemon, which may never answer. A caller's descriptors are closed by a few closer
 * threads so the main loop never waits (issue 16 item 9); while all of them wait, the
 * descriptors queue (their number is bounded by the connection and rate limits). */
#define CLOSERS 4

static void
closer_run(gpointer data, gpointer user_data)
{
	close(GPOINTER_TO_INT(data) - 1);
}

void
fut_api_close_passed_fd(int fd)
{
	static GThreadPool *pool;
	static gsize once;

	if (fd < 0)
		return;
	if (g_once_init_enter(&once)) {
		pool = g_thread_pool_new(closer_run, NULL, CLOSERS, FALSE, NULL);
		g_once_init_leave(&once, 1);
	}
	if (pool == NULL || !g_thread_pool_push(pool, GINT_TO_POINTER(fd + 1), NULL))
		close(fd);
}

static void
call_finish(FutApiCall *call)
{
	Conn *conn = call->conn;

	if (call->fd >= 0)
		fut_api_close_passed_fd(call->fd);
	conn->busy = FALSE;
	if (conn->watch_id == 0 && conn->fd >= 0 && conn->server != NULL && !conn->server->stopping)
		conn->watch_id =
		    g_unix_fd_add(conn->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, conn_cb, conn);
	conn_unref(conn);
	g_free(call);
}

void
fut_api_call_send_progress(FutApiCall *call, JsonObject *progress)
{
	g_autoptr(JsonObject) msg = json_object_new();

	json_object_set_object_member(msg, "progress", json_object_ref(progress));
	conn_send(call->conn, msg);
}

void
fut_api_call_send_event(FutApiCall *call, JsonObject *event)
{
	g_autoptr(JsonObject) msg = json_object_new();

	json_object_set_object_member(msg, "event", json_object_ref(event));
	conn_send(call->conn, msg);
}

gboolean
fut_api_call_is_connected(FutApiCall *call)
{
	return call->conn->fd >= 0;
}

void
fut_api_call_return(FutApiCall *call, JsonObject *result)
{
	g_autoptr(JsonObject) reply = json_object_new();

	json_object_set_boolean_member(reply, "ok", TRUE);
	if (result != NULL)
		json_object_set_object_member(reply, "result", json_object_ref(result));
	conn_send(call->conn, reply);
	call_finish(call);
}

void
fut_api_call_return_error(FutApiCall *call, const GError *error)
{
	send_error(call->conn, error);
	call_finish(call);
}

uid_t
fut_api_call_get_uid(FutApiCall *call)
{
	return call->conn->cred.uid;
}

gid_t
fut_api_call_get_gid(FutApiCall *call)
{
	return call->conn->cred.gid;
}

pid_t
fut_api_call_get_pid(FutApiCall *call)
{
	return call->conn->cred.pid;
}

int
fut_api_call_get_fd(FutApiCall *call)
{
	return call->fd;
}

int
fut_api_call_steal_fd(FutApiCall *call)
{
	int fd = call->fd;
	call->fd = -1;
	return fd;
}

static gboolean
rate_ok(FutApiServer *server, uid_t uid)
{
	UidState *s = uid_state(server, uid);
	gint64 now = g_get_monotonic_time();

	while (!g_queue_is_empty(&s->times) &&
	       *(gint64 *)g_queue_peek_head(&s->times) < now - 60 * G_USEC_PER_SEC)
		g_free(g_queue_pop_head(&s->times));
	if (g_queue_get_length(&s->times) >= server->limits.requests_per_minute)
		return FALSE;
	g_queue_push_tail(&s->times, g_memdup2(&now, sizeof(now)));
	return TRUE;
}

/* A bucket of limits.files_burst files, refilled at files_per_minute: a folder of that many
 * files goes at full speed, a user sending files without end is held to the rate (each
 * refused export is a log record: the bucket bounds how fast a user can grow the log). */
static gboolean
files_ok(FutApiServer *server, uid_t uid)
{
	UidState *s = uid_state(server, uid);
	gint64 now = g_get_monotonic_time();
	gdouble burst = (gdouble)server->limits.files_burst;

	if (s->files_at == 0)
		s->files = burst;
	else
		s->files += (gdouble)(now - s->files_at) * server->limits.files_per_minute /
		            (60.0 * G_USEC_PER_SEC);
	s->files = MIN(s->files, burst);
	s->files_at = now;
	if (s->files < 1.0)
		return FALSE;
	s->files -= 1.0;
	return TRUE;
}

static const FutApiCommand *
lookup_command(FutApiServer *server, const gchar *name)
{
	for (const FutApiCommand *c = server->commands; c->name != NULL; c++) {
		if (g_str_equal(c->name, name))
			return c;
	}
	return NULL;
}

static void
dispatch(Conn *conn, JsonObject *msg, gsize len, int fd)
{
	FutApiServer *server = conn->server;
	const FutApiCommand *cmd;
	const gchar *name = NULL;
	JsonNode *args_node;
	g_autoptr(JsonObject) empty = NULL;
	g_autoptr(GError) error = NULL;
	FutApiCall *call;

	if (!fut_api_get_string(msg, "command", TRUE, &name, &error))
		goto refuse;
	cmd = lookup_command(server, name);
	if (cmd == NULL) {
		g_autofree gchar *ename = fut_strescape(name, -1);
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("unknown command '%s'"),
		            ename);
		goto refuse;
	}
	/* Each command's own limit: only a command the table allows more (redeem, with its
	 * approvals) may be larger than the server's (issue 16 item 10). */
	{
		gsize max = MAX(server->limits.max_message, cmd->max_message);
		if (len > max) {
			g_set_error(&error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("message larger than %zu bytes for '%s'"), max, cmd->name);
			goto refuse;
		}
	}
	if ((cmd->flags & FUT_API_ROOT_ONLY) != 0 && conn->cred.uid != 0) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("'%s' is for the administrator (root) only"), cmd->name);
		goto refuse;
	}
	if ((cmd->flags & FUT_API_TAKES_FD) == 0 && fd >= 0) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("'%s' takes no file descriptor"), cmd->name);
		goto refuse;
	}
	if ((cmd->flags & FUT_API_TAKES_FD) != 0 && fd < 0) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("'%s' needs an open file descriptor"), cmd->name);
		goto refuse;
	}
	{
		g_autoptr(GList) members = json_object_get_members(msg);
		for (GList *it = members; it != NULL; it = it->next) {
			if (!g_str_equal(it->data, "command") && !g_str_equal(it->data, "args")) {
				g_autofree gchar *em = fut_strescape(it->data, -1);
				g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("unknown field '%s'"), em);
				goto refuse;
			}
		}
	}
	args_node = json_object_get_member(msg, "args");
	if (args_node != NULL && !JSON_NODE_HOLDS_OBJECT(args_node)) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'args' must be an object"));
		goto refuse;
	}
	call = g_new0(FutApiCall, 1);
	call->conn = conn_ref(conn);
	call->fd = fd;
	conn->busy = TRUE;
	if (args_node == NULL)
		empty = json_object_new();
	cmd->handler(call, args_node != NULL ? json_node_get_object(args_node) : empty,
	             server->user_data);
	return;
refuse:
	if (fd >= 0)
		fut_api_close_passed_fd(fd);
	send_error(conn, error);
}

static gboolean
is_per_file(FutApiServer *server, JsonObject *msg)
{
	JsonNode *n = msg != NULL ? json_object_get_member(msg, "command") : NULL;
	const FutApiCommand *cmd;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return FALSE;
	cmd = lookup_command(server, json_node_get_string(n));
	return cmd != NULL && (cmd->flags & FUT_API_PER_FILE) != 0;
}

static gboolean
conn_read(Conn *conn, GIOCondition cond)
{
	g_autoptr(JsonObject) msg = NULL;
	g_autoptr(GError) error = NULL;
	int pass_fd = -1;
	gsize max, len = 0;
	gboolean ok;

	if (conn->server == NULL || conn->fd < 0)
		return FALSE;
	if (conn->busy)
		return FALSE;
	/* The table may allow one command a larger message than the default limit. */
	max = conn->server->limits.max_message;
	for (const FutApiCommand *c = conn->server->commands; c->name != NULL; c++)
		max = MAX(max, c->max_message);
	ok = fut_api_recv_sized(conn->fd, max, &msg, &pass_fd, &len, &error);
	if (!ok && error->domain == FUT_ERROR && error->code == FUT_ERROR_IO) {
		conn_close(conn);
		return FALSE;
	}
	if (ok && msg == NULL) {
		/* recv() returns 0 for the end of the stream and for an empty packet alike;
		 * only a hang-up tells them apart. */
		if ((cond & (G_IO_HUP | G_IO_ERR)) != 0) {
			conn_close(conn);
			return FALSE;
		}
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("empty message"));
		ok = FALSE;
	}
	/* Every packet counts against a rate, garbage included: a well-formed request of a
	 * command that takes one file, with its descriptor, against the file bucket; every
	 * other packet against requests-per-minute. */
	if (ok && pass_fd >= 0 && is_per_file(conn->server, msg)) {
		if (!files_ok(conn->server, conn->cred.uid)) {
			g_clear_error(&error);
			g_set_error(&error, FUT_ERROR, FUT_ERROR_RATE_LIMITED,
			            _("too many files: %u at once, then at most %u per minute"),
			            conn->server->limits.files_burst,
			            conn->server->limits.files_per_minute);
			fut_api_close_passed_fd(pass_fd);
			ok = FALSE;
		}
	} else if (!rate_ok(conn->server, conn->cred.uid)) {
		g_clear_error(&error);
		g_set_error(&error, FUT_ERROR, FUT_ERROR_RATE_LIMITED,
		            _("too many requests: at most %u per minute"),
		            conn->server->limits.requests_per_minute);
		if (pass_fd >= 0)
			fut_api_close_passed_fd(pass_fd);
		ok = FALSE;
	}
	if (!ok) {
		send_error(conn, error);
		return conn->fd >= 0;
	}
	dispatch(conn, msg, len, pass_fd);
	/* While a call is outstanding the connection is not read (its fd stays readable, so
	 * the watch goes away and call_finish() brings it back). */
	return conn->fd >= 0 && !conn->busy;
}

static gboolean
conn_cb(gint fd, GIOCondition cond, gpointer user_data)
{
	Conn *conn = conn_ref(user_data);
	gboolean keep = conn_read(conn, cond);

	if (!keep)
		conn->watch_id = 0;
	conn_unref(conn);
	return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
conn_close(Conn *conn)
{
	if (conn->fd < 0)
		return;
	if (conn->server != NULL) {
		UidState *s = uid_state(conn->server, conn->cred.uid);
		s->connections--;
		g_hash_table_remove(conn->server->conns, conn);
	}
	if (conn->watch_id != 0) {
		g_source_remove(conn->watch_id);
		conn->watch_id = 0;
	}
	close(conn->fd);
	conn->fd = -1;
	conn->server = NULL;
	conn_unref(conn);
}

static gboolean
accept_cb(gint lfd, GIOCondition cond, gpointer user_data)
{
	FutApiServer *server = user_data;
	Conn *conn;
	socklen_t len = sizeof(struct ucred);
	UidState *s;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return G_SOURCE_CONTINUE;
	conn = g_new0(Conn, 1);
	conn->ref = 1;
	conn->fd = fd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &conn->cred, &len) < 0 ||
	    len != sizeof(struct ucred)) {
		conn_unref(conn);
		return G_SOURCE_CONTINUE;
	}
	s = uid_state(server, conn->cred.uid);
	if (s->connections >= server->limits.connections_per_uid) {
		/* "busy": a client may wait it out and ask again (one of a folder export's
		 * files beside another folder and the notifier), tests/integration/
		 * agent-export-connections.sh */
		g_autoptr(GError) error = g_error_new(FUT_ERROR, FUT_ERROR_BUSY,
		                                      _("too many open connections for this user"));
		/* A failed send (the caller has gone already) closes the connection, which drops
		 * a reference: hold a second one so the last unref below frees it, once. */
		conn_ref(conn);
		send_error(conn, error);
		if (conn->fd >= 0)
			conn_unref(conn);
		conn_unref(conn);
		return G_SOURCE_CONTINUE;
	}
	s->connections++;
	conn->server = server;
	g_hash_table_add(server->conns, conn);
	conn->watch_id = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, conn_cb, conn);
	return G_SOURCE_CONTINUE;
}

FutApiServer *
fut_api_server_new(const gchar *path,
                   const FutApiCommand *commands,
                   const FutApiLimits *limits,
                   gpointer user_data,
                   GError **error)
{
	g_autoptr(FutApiServer) server = g_new0(FutApiServer, 1);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct sockaddr_un tsa = {.sun_family = AF_UNIX};
	g_autofree gchar *epath = fut_strescape(path, -1);
	struct stat st;

	server->fd = -1;
	fut_api_set_passed_fd_closer(fut_api_close_passed_fd);
	server->path = g_strdup(path);
	server->commands = commands;
	server->limits = *limits;
	server->user_data = user_data;
	server->uids = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)uid_state_free);
	server->conns = g_hash_table_new(NULL, NULL);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("socket path too long"));
		return NULL;
	}
	strcpy(sa.sun_path, path);
	if (g_snprintf(tsa.sun_path, sizeof tsa.sun_path, "%s.new", path) >=
	    (gint)sizeof tsa.sun_path) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("socket path too long"));
		return NULL;
	}
	unlink(tsa.sun_path);
	/* Only a stale socket is removed; anything else in its place is an error. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_EXISTS,
			            _("%s exists and is not a socket"), epath);
			return NULL;
		}
		if (unlink(path) < 0)
			return fut_error_set_errno(error, errno, epath), NULL;
	}
	server->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (server->fd < 0)
		return fut_error_set_errno(error, errno, "socket"), NULL;
	/* Bound under a temporary name, listening and with its mode set before it takes its
	 * real name: a client that sees the socket can connect at once (before, one that came
	 * between bind and listen got "Connection refused"). */
	if (bind(server->fd, (struct sockaddr *)&tsa, sizeof(tsa)) < 0)
		return fut_error_set_errno(error, errno, epath), NULL;
	if (listen(server->fd, 64) < 0) {
		int e = errno;
		unlink(tsa.sun_path);
		return fut_error_set_errno(error, e, epath), NULL;
	}
	/* Any local user may connect; what each may do is decided per command by uid. */
	if (chmod(tsa.sun_path, 0666) < 0 || rename(tsa.sun_path, path) < 0) {
		int e = errno;
		unlink(tsa.sun_path);
		return fut_error_set_errno(error, e, epath), NULL;
	}
	server->watch_id = g_unix_fd_add(server->fd, G_IO_IN, accept_cb, server);
	return g_steal_pointer(&server);
}

void
fut_api_server_set_limits(FutApiServer *server, const FutApiLimits *limits)
{
	/* The buckets keep what they hold, up to the new size (files_ok()). */
	server->limits = *limits;
}

void
fut_api_server_stop(FutApiServer *server)
{
	g_autoptr(GPtrArray) idle = NULL;
	GHashTableIter it;
	gpointer c;

	if (server == NULL || server->stopping)
		return;
	server->stopping = TRUE;
	if (server->watch_id != 0)
		g_source_remove(server->watch_id);
	server->watch_id = 0;
	if (server->fd >= 0) {
		close(server->fd);
		unlink(server->path);
		server->fd = -1;
	}
	/* Idle connections go; one with a call outstanding stays until the call answers. */
	idle = g_ptr_array_new();
	g_hash_table_iter_init(&it, server->conns);
	while (g_hash_table_iter_next(&it, &c, NULL))
		if (!((Conn *)c)->busy)
			g_ptr_array_add(idle, c);
	for (guint i = 0; i < idle->len; i++)
		conn_close(g_ptr_array_index(idle, i));
}

void
fut_api_server_free(FutApiServer *server)
{
	GHashTableIter it;
	gpointer c;

	if (server == NULL)
		return;
	if (server->watch_id != 0)
		g_source_remove(server->watch_id);
	if (server->conns != NULL) {
		g_hash_table_iter_init(&it, server->conns);
		while (g_hash_table_iter_next(&it, &c, NULL)) {
			Conn *conn = c;
			g_hash_table_iter_steal(&it);
			conn->server = NULL;
			if (conn->watch_id != 0)
				g_source_remove(conn->watch_id);
			conn->watch_id = 0;
			close(conn->fd);
			conn->fd = -1;
			conn_unref(conn);
		}
		g_hash_table_unref(server->conns);
	}
	if (server->fd >= 0) {
		close(server->fd);
		unlink(server->path);
	}
	if (server->uids != NULL)
		g_hash_table_unref(server->uids);
	g_free(server->path);
	g_free(server);
}
