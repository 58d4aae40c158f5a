/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari: talking to the agent (connect, one request and its reply, progress messages)
 * and the helpers every subcommand shares. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "apimsg.h"
#include "errors.h"
#include "util.h"

#include "futari-cli.h"

gchar *opt_socket = NULL;
gboolean opt_json = FALSE;

void
fail_line(const gchar *message)
{
	g_autofree gchar *e = fut_strescape(message, -1);
	fprintf(stderr, "futari: %s\n", e);
}

void
fail_line_escaped(const gchar *message)
{
	fprintf(stderr, "futari: %s\n", message);
}

static const gchar *
socket_path(void)
{
	const gchar *env = g_getenv("FUTARI_SOCKET");

	if (opt_socket != NULL)
		return opt_socket;
	if (env != NULL && *env != '\0')
		return env;
	return RUNSTATEDIR "/futari/agent.sock";
}

static int
agent_connect(GError **error)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const gchar *path = socket_path();
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("socket path too long"));
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fut_error_set_errno(error, errno, "socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		g_autofree gchar *epath = fut_strescape(path, -1);
		close(fd);
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
		            _("cannot reach the futari agent at %s (%s): is futarid running? "
		              "Ask IT to check 'systemctl status futarid'"),
		            epath, g_strerror(e));
		return -1;
	}
	return fd;
}
/* How long a command waits for each message from the agent, in ms (-1: no limit). A stopped
 * or wedged agent must give the user an error, not a hang; exports and redeems write to a
 * stick for as long as that takes, so they wait. FUTARI_TIMEOUT (seconds) overrides. */
static int
reply_timeout_ms(const gchar *command)
{
	const gchar *env = g_getenv("FUTARI_TIMEOUT");
	guint64 secs = 0;

	if (env != NULL && g_ascii_string_to_unsigned(env, 10, 1, 3600, &secs, NULL))
		return (int)secs * 1000;
	if (g_str_equal(command, "export") || g_str_equal(command, "redeem"))
		return -1;
	return 30 * 1000;
}

/* Reads the answer to @command on @fd, handing progress messages to @progress. Sets
 * *@ret_reply (NULL when the agent closed without one). */
static gboolean
read_answer(int fd,
            const gchar *command,
            ProgressFunc progress,
            gpointer progress_data,
            JsonObject **ret_reply,
            GError **error)
{
	g_autoptr(JsonObject) reply = NULL;

	for (;;) {
		JsonNode *pn;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int timeout = reply_timeout_ms(command), pr, got_fd = -1;

		do
			pr = poll(&pfd, 1, timeout);
		while (pr < 0 && errno == EINTR);
		if (pr == 0) {
			g_set_error(
			    error, FUT_ERROR, FUT_ERROR_IO,
			    _("the futari agent did not answer within %d seconds: is futarid "
			      "stopped? Ask IT to check 'systemctl status futarid'"),
			    timeout / 1000);
			return FALSE;
		}
		g_clear_pointer(&reply, json_object_unref);
		if (!fut_api_recv(fd, 4 * 1024 * 1024, &reply, &got_fd, error)) {
			/* An agent that answers and closes before reading the request (too many
			 * connections of this user) makes the kernel report the reset first; its
			 * answer is still queued behind it and says why. */
			struct pollfd again = {.fd = fd, .events = POLLIN};
			if (poll(&again, 1, 0) != 1 || (again.revents & POLLIN) == 0 ||
			    !fut_api_recv(fd, 4 * 1024 * 1024, &reply, &got_fd, NULL) ||
			    reply == NULL)
				return FALSE;
			g_clear_error(error);
		}
		if (got_fd >= 0)
			close(got_fd);
		if (reply == NULL)
			break;
		pn = json_object_get_member(reply, "progress");
		if (pn == NULL)
			break;
		if (JSON_NODE_HOLDS_OBJECT(pn) && progress != NULL)
			progress(json_node_get_object(pn), progress_data);
	}
	*ret_reply = g_steal_pointer(&reply);
	return TRUE;
}

/* Sends one request and returns its result object; a refusal becomes @error with the
 * agent's one-line reason. Interim {"progress":…} messages go to @progress. */
JsonObject *
agent_call_full(const gchar *command,
                JsonObject *args,
                int pass_fd,
                ProgressFunc progress,
                gpointer progress_data,
                GError **error)
{
	g_autoptr(JsonObject) req = json_object_new();
	g_autoptr(JsonObject) reply = NULL;
	g_autoptr(GError) send_error = NULL;
	int fd = agent_connect(error);
	JsonNode *ok;
	const gchar *msg = NULL;
	gboolean read;

	if (fd < 0)
		return NULL;
	json_object_set_string_member(req, "command", command);
	if (args != NULL)
		json_object_set_object_member(req, "args", json_object_ref(args));
	if (fut_api_send(fd, req, pass_fd, &send_error)) {
		read = read_answer(fd, command, progress, progress_data, &reply, error);
	} else {
		/* The agent may have answered at once and closed (too many connections of this
		 * user): its answer, with its code, says more than the broken pipe. */
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		read = poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) != 0 &&
		       read_answer(fd, command, NULL, NULL, &reply, NULL) && reply != NULL;
		if (!read)
			g_propagate_error(error, g_steal_pointer(&send_error));
	}
	close(fd);
	if (!read)
		return NULL;
	if (reply == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO, _("the agent closed the connection"));
		return NULL;
	}
	ok = json_object_get_member(reply, "ok");
	if (ok == NULL || !JSON_NODE_HOLDS_VALUE(ok) ||
	    json_node_get_value_type(ok) != G_TYPE_BOOLEAN) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the agent sent a malformed reply"));
		return NULL;
	}
	if (!json_node_get_boolean(ok)) {
		const gchar *code = NULL;
		FutError e = FUT_ERROR_REFUSED;

		if (!fut_api_get_string(reply, "error", TRUE, &msg, error))
			return NULL;
		/* The two answers a client may wait out and send again; anything else (and an
		 * agent that sends no code) is a refusal. */
		if (json_object_has_member(reply, "code") &&
		    !fut_api_get_string(reply, "code", TRUE, &code, error))
			return NULL;
		if (g_strcmp0(code, "rate-limited") == 0)
			e = FUT_ERROR_RATE_LIMITED;
		else if (g_strcmp0(code, "busy") == 0)
			e = FUT_ERROR_BUSY;
		g_set_error_literal(error, FUT_ERROR, e, msg);
		return NULL;
	}
	if (!json_object_has_member(reply, "result"))
		return json_object_new();
	if (!JSON_NODE_HOLDS_OBJECT(json_object_get_member(reply, "result"))) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the agent sent a malformed reply"));
		return NULL;
	}
	return json_object_ref(json_object_get_object_member(reply, "result"));
}

JsonObject *
agent_call(const gchar *command, JsonObject *args, int pass_fd, GError **error)
{
	return agent_call_full(command, args, pass_fd, NULL, NULL, error);
}

void
print_json(JsonObject *obj)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree gchar *text = NULL;

	json_node_set_object(node, obj);
	json_generator_set_root(gen, node);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
}

const gchar *
str_member(JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member(o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

gint64
int_member(JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member(o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return 0;
	return json_node_get_int(n);
}

gboolean
bool_member(JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member(o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
		return FALSE;
	return json_node_get_boolean(n);
}

/* Device strings come from the stick itself: escape before they reach the terminal. */
gchar *
esc(const gchar *s)
{
	return fut_strescape(s != NULL ? s : "-", -1);
}

gboolean
parse_sub_options(
    int *argc, char ***argv, const gchar *params, const gchar *summary, const GOptionEntry *extra)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(params);
	g_autoptr(GError) error = NULL;
	GOptionEntry common[] = {
	    {"json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print JSON records"), NULL},
	    {"socket", 0, 0, G_OPTION_ARG_FILENAME, &opt_socket, NULL, "PATH"},
	    {NULL}};
	/* The default comes from configure: formatted here, not pasted into the msgid. */
	g_autofree gchar *socket_help =
	    g_strdup_printf(_("The agent's socket (default %s)"), RUNSTATEDIR "/futari/agent.sock");

	common[1].description = socket_help;

	g_option_context_set_summary(ctx, summary);
	g_option_context_add_main_entries(ctx, common, GETTEXT_PACKAGE);
	if (extra != NULL)
		g_option_context_add_main_entries(ctx, extra, GETTEXT_PACKAGE);
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		fprintf(stderr, "futari: %s\n", error->message);
		return FALSE;
	}
	return TRUE;
}

/* The first half of a command that takes no arguments: its options, the call, and --json.
 * Returns -1 with the agent's reply in @ret when the caller prints it, else the exit
 * status. */
int
call_without_args(int *argc, char ***argv, const gchar *cmd, const gchar *summary, JsonObject **ret)
{
	g_autoptr(GError) error = NULL;
	JsonObject *r;

	if (!parse_sub_options(argc, argv, NULL, summary, NULL))
		return EXIT_USAGE;
	if (*argc > 1) {
		fprintf(stderr, _("futari %s: takes no arguments\n"), cmd);
		return EXIT_USAGE;
	}
	r = agent_call(cmd, NULL, -1, &error);
	if (r == NULL) {
		fail_line(error->message);
		return EXIT_REFUSED;
	}
	if (opt_json) {
		print_json(r);
		json_object_unref(r);
		return EXIT_SUCCESS;
	}
	*ret = r;
	return -1;
}
