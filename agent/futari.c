/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari: the staff member's command line. Talks to futarid over the local API; never
 * decides anything itself. Exit status: 0 success, 1 refused or invalid, 2 usage. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "apimsg.h"
#include "crypto.h"
#include "errors.h"
#include "infoclass.h"
#include "redeem.h"
#include "token.h"
#include "util.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE   2

static gchar *opt_socket = NULL;
static gboolean opt_json = FALSE;

typedef int (*SubcommandFunc)(int argc, char **argv);

typedef struct {
	const gchar *name;
	SubcommandFunc func;
	const gchar *summary;
} Subcommand;

static void
fail_line(const gchar *message)
{
	g_autofree gchar *e = fut_strescape(message, -1);
	fprintf(stderr, "futari: %s\n", e);
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

typedef void (*ProgressFunc)(JsonObject *progress, gpointer data);

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

/* Sends one request and returns its result object; a refusal becomes @error with the
 * agent's one-line reason. Interim {"progress":…} messages go to @progress. */
static JsonObject *
agent_call_full(const gchar *command,
                JsonObject *args,
                int pass_fd,
                ProgressFunc progress,
                gpointer progress_data,
                GError **error)
{
	g_autoptr(JsonObject) req = json_object_new();
	g_autoptr(JsonObject) reply = NULL;
	int fd = agent_connect(error);
	int got_fd = -1;
	JsonNode *ok;
	const gchar *msg = NULL;

	if (fd < 0)
		return NULL;
	json_object_set_string_member(req, "command", command);
	if (args != NULL)
		json_object_set_object_member(req, "args", json_object_ref(args));
	if (!fut_api_send(fd, req, pass_fd, error)) {
		close(fd);
		return NULL;
	}
	for (;;) {
		JsonNode *pn;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int timeout = reply_timeout_ms(command), pr;

		do
			pr = poll(&pfd, 1, timeout);
		while (pr < 0 && errno == EINTR);
		if (pr == 0) {
			close(fd);
			g_set_error(
			    error, FUT_ERROR, FUT_ERROR_IO,
			    _("the futari agent did not answer within %d seconds: is futarid "
			      "stopped? Ask IT to check 'systemctl status futarid'"),
			    timeout / 1000);
			return NULL;
		}
		g_clear_pointer(&reply, json_object_unref);
		if (!fut_api_recv(fd, 4 * 1024 * 1024, &reply, &got_fd, error)) {
			close(fd);
			return NULL;
		}
		if (got_fd >= 0) {
			close(got_fd);
			got_fd = -1;
		}
		if (reply == NULL)
			break;
		pn = json_object_get_member(reply, "progress");
		if (pn == NULL)
			break;
		if (JSON_NODE_HOLDS_OBJECT(pn) && progress != NULL)
			progress(json_node_get_object(pn), progress_data);
	}
	close(fd);
	if (got_fd >= 0)
		close(got_fd);
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
		if (!fut_api_get_string(reply, "error", TRUE, &msg, error))
			return NULL;
		g_set_error_literal(error, FUT_ERROR, FUT_ERROR_REFUSED, msg);
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

static JsonObject *
agent_call(const gchar *command, JsonObject *args, int pass_fd, GError **error)
{
	return agent_call_full(command, args, pass_fd, NULL, NULL, error);
}

static void
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

static const gchar *
str_member(JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member(o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static gint64
int_member(JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member(o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return 0;
	return json_node_get_int(n);
}

static gboolean
bool_member(JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member(o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
		return FALSE;
	return json_node_get_boolean(n);
}

/* Device strings come from the stick itself: escape before they reach the terminal. */
static gchar *
esc(const gchar *s)
{
	return fut_strescape(s != NULL ? s : "-", -1);
}

static gboolean
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
static int
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

static int
cmd_status(int argc, char **argv)
{
	g_autoptr(JsonObject) r = NULL;
	int rc = call_without_args(&argc, &argv, "status",
	                           _("Show whether the agent is enforcing."), &r);

	if (rc >= 0)
		return rc;
	printf(_("agent:            running (version %s, since %s)\n"), str_member(r, "version"),
	       str_member(r, "started"));
	printf(_("host key:         %s\n"), str_member(r, "host_key_id"));
	printf(_("USB storage:      %u attached, %s\n"), (guint)int_member(r, "usb_devices"),
	       bool_member(r, "usb_readonly") ? _("all read-only")
	                                      : _("NOT all read-only: tell IT at once"));
	if (int_member(r, "suspicious_devices") > 0)
		printf(_("suspicious:       %u device(s) also act as keyboard or network: "
		         "never written\n"),
		       (guint)int_member(r, "suspicious_devices"));
	printf(_("your requests:    %u waiting for approval (see 'futari requests')\n"),
	       (guint)int_member(r, "pending_requests"));
	if (bool_member(r, "upload_control"))
		/* %lld, not G_GINT64_FORMAT: a macro inside the msgid cuts it for xgettext. */
		printf(_("upload control:   on (%lld opens answered, %lld denied, %lld approvals "
		         "active)\n"),
		       (long long)int_member(r, "upload_events"),
		       (long long)int_member(r, "upload_denied"),
		       (long long)int_member(r, "upload_approvals"));
	else
		printf(_("upload control:   off (not configured)\n"));
	{
		const gchar *enf = str_member(r, "upload_enforcement");

		if (g_strcmp0(enf, "bpf-lsm+fanotify") == 0)
			printf(_("enforcement:      BPF LSM process taint and fanotify (%lld "
			         "processes "
			         "tainted, %lld sends refused)\n"),
			       (long long)int_member(r, "taint_tainted"),
			       (long long)int_member(r, "taint_denied"));
		else if (g_strcmp0(enf, "fanotify") == 0)
			printf(_("enforcement:      fanotify only (no BPF LSM: %s)\n"),
			       str_member(r, "bpf_lsm_reason") != NULL
			           ? str_member(r, "bpf_lsm_reason")
			           : _("unknown"));
		else if (enf != NULL && g_strcmp0(enf, "none") != 0)
			printf(_("enforcement:      %s\n"), enf);
	}
	printf(_("egress log:       %u records\n"), (guint)int_member(r, "log_next_seq"));
	if (json_object_has_member(r, "revocation_sequence") &&
	    int_member(r, "revocation_sequence") >= 0)
		printf(_("revocations:      list %lld in force\n"),
		       (long long)int_member(r, "revocation_sequence"));
	else
		printf(_("revocations:      no list in force\n"));
	if (str_member(r, "revocation_note") != NULL) {
		g_autofree gchar *note = fut_strescape(str_member(r, "revocation_note"), -1);
		printf(_("                  %s\n"), note);
	}
	printf(_("registered media: %u%s\n"), (guint)int_member(r, "registered_media"),
	       bool_member(r, "export_to_unregistered") ? _(" (exports allowed to any stick)")
	                                                : _(" (exports only to these)"));
	return EXIT_SUCCESS;
}

static int
cmd_devices(int argc, char **argv)
{
	g_autoptr(JsonObject) r = NULL;
	JsonArray *arr;
	int rc = call_without_args(&argc, &argv, "devices",
	                           _("List the USB storage devices the agent knows."), &r);

	if (rc >= 0)
		return rc;
	if (!json_object_has_member(r, "devices") ||
	    !JSON_NODE_HOLDS_ARRAY(json_object_get_member(r, "devices"))) {
		fail_line(_("the agent sent a malformed reply"));
		return EXIT_REFUSED;
	}
	arr = json_object_get_array_member(r, "devices");
	if (json_array_get_length(arr) == 0) {
		printf(_("No USB storage attached.\n"));
		return EXIT_SUCCESS;
	}
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonObject *d = json_array_get_object_element(arr, i);
		g_autofree gchar *vendor = esc(str_member(d, "vendor"));
		g_autofree gchar *product = esc(str_member(d, "product"));
		g_autofree gchar *serial = esc(str_member(d, "serial"));
		g_autofree gchar *vid = esc(str_member(d, "vid"));
		g_autofree gchar *pid = esc(str_member(d, "pid"));
		g_autofree gchar *asset = esc(str_member(d, "asset_id"));
		g_autofree gchar *owner = esc(str_member(d, "owner"));
		g_autofree gchar *size = g_format_size((guint64)int_member(d, "capacity"));
		JsonArray *vols;

		printf("%s  %s %s  %s:%s  serial %s  %s  %s\n", str_member(d, "devnode"), vendor,
		       product, vid, pid, serial, size,
		       bool_member(d, "readonly") ? _("read-only") : _("WRITABLE"));
		if (str_member(d, "asset_id") != NULL)
			printf(_("    registered as %s (%s)\n"), asset, owner);
		else
			printf(_("    not in the media register: exports to it are refused\n"));
		if (str_member(d, "suspicious") != NULL) {
			g_autofree gchar *why = esc(str_member(d, "suspicious"));
			printf(_("    SUSPICIOUS: %s; it will never be written\n"), why);
		}
		if (!JSON_NODE_HOLDS_ARRAY(json_object_get_member(d, "volumes")))
			continue;
		vols = json_object_get_array_member(d, "volumes");
		for (guint j = 0; j < json_array_get_length(vols); j++) {
			JsonObject *v = json_array_get_object_element(vols, j);
			g_autofree gchar *fs = esc(str_member(v, "fs_type"));
			g_autofree gchar *label = esc(str_member(v, "fs_label"));
			g_autofree gchar *uuid = esc(str_member(v, "fs_uuid"));
			printf(_("    %s  %s  label %s  uuid %s\n"), str_member(v, "devnode"), fs,
			       label, uuid);
		}
	}
	return EXIT_SUCCESS;
}

static gchar *opt_to = NULL;
static gchar *opt_dir = NULL;
static gchar *opt_reason = NULL;
static gboolean opt_with_copy = FALSE;

typedef struct {
	const gchar *name;
	gboolean shown;
} ExportProgress;

static void
export_progress(JsonObject *p, gpointer data)
{
	ExportProgress *ep = data;
	gint64 done = int_member(p, "done"), total = int_member(p, "total");
	g_autofree gchar *sdone = g_format_size((guint64)done);
	g_autofree gchar *stotal = g_format_size((guint64)total);

	if (!isatty(STDERR_FILENO) || total <= 0)
		return;
	/* The carriage return stays out of the msgid: xgettext cannot keep it there. */
	fputc('\r', stderr);
	fprintf(stderr, _("%s: copying %3d%% (%s of %s)"), ep->name, (int)(done * 100 / total),
	        sdone, stotal);
	ep->shown = TRUE;
}

/* Opens @path the way the agent wants it: the caller's own read access, no symlink, no
 * blocking on a FIFO. Returns -1 with a one-line reason. */
static int
open_for_export(const gchar *path, GError **error)
{
	struct stat st;
	g_autofree gchar *epath = fut_strescape(path, -1);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("%s is a symbolic link: export the file it points to"),
			            epath);
		else if (e == EACCES)
			g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
			            _("%s: you cannot read this file"), epath);
		else
			fut_error_set_errno(error, e, epath);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            S_ISDIR(st.st_mode)
		                ? _("%s is a directory: export the files in it")
		                : _("%s is not a regular file (FIFO, device or socket)"),
		            epath);
		close(fd);
		return -1;
	}
	return fd;
}

/* The request is signed by the agent, so the user's own copy cannot be altered unnoticed;
 * the CLI writes it, as the user, so the root agent never creates files in directories
 * users control. Next to the file if possible, else in the current directory; never over
 * an existing file. */
static gboolean
write_request_file(const gchar *source, const gchar *text, gchar **ret_path, GError **error)
{
	g_autofree gchar *base = g_path_get_basename(source);
	g_autofree gchar *dir = g_path_get_dirname(source);
	const gchar *dirs[] = {dir, ".", NULL};
	g_autoptr(GError) last = NULL;

	for (guint d = 0; dirs[d] != NULL; d++) {
		for (guint n = 1; n <= 20; n++) {
			g_autofree gchar *name =
			    n == 1 ? g_strconcat(base, ".futari-request", NULL)
			           : g_strdup_printf("%s.%u.futari-request", base, n);
			g_autofree gchar *path = g_build_filename(dirs[d], name, NULL);
			g_clear_error(&last);
			if (fut_file_write_new(path, text, strlen(text), 0644, &last)) {
				*ret_path = g_canonicalize_filename(path, NULL);
				return TRUE;
			}
			if (!g_error_matches(last, FUT_ERROR, FUT_ERROR_EXISTS))
				break;
		}
	}
	g_propagate_error(error, g_steal_pointer(&last));
	return FALSE;
}

/* The copy that goes beside REQUEST ("NAME.futari-request" -> "NAME.futari-copy"), where
 * futari-approver and 'futari-approve show --file' look first. Caller frees. */
static gchar *
copy_path_for(const gchar *request_path)
{
	g_autofree gchar *stem = g_strdup(request_path);

	if (g_str_has_suffix(stem, ".futari-request"))
		stem[strlen(stem) - strlen(".futari-request")] = '\0';
	return g_strconcat(stem, ".futari-copy", NULL);
}

/* Writes beside the request a copy of the bytes the agent spooled: read again, from offset
 * 0, through the descriptor the agent read (the same open file, so the same inode even if
 * the name now points elsewhere), and kept only when its size and SHA-256 are the
 * request's, that is when it is exactly the spooled content. Mode 0600: the requester's
 * alone, to send with the request. */
static gboolean
write_copy_file(
    int fd, const gchar *request_path, const FutRequest *req, gchar **ret_path, GError **error)
{
	g_autofree gchar *path = copy_path_for(request_path);
	g_autofree gchar *epath = fut_strescape(path, -1);
	g_autoptr(FutSha256) sha = fut_sha256_new();
	g_autofree guint8 *buf = g_malloc(65536);
	guint8 digest[FUT_SHA256_LEN];
	guint64 off = 0;
	gboolean ok = FALSE;
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);

	if (out < 0)
		return fut_error_set_errno(error, errno, epath);
	for (;;) {
		ssize_t n = pread(fd, buf, 65536, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fut_error_set_errno(error, errno, epath);
			goto out;
		}
		if (n == 0)
			break;
		/* Bounded: more bytes than the request names cannot be the spooled copy. */
		if (off + (guint64)n > req->size)
			break;
		fut_sha256_update(sha, buf, (gsize)n);
		for (ssize_t w = 0; w < n;) {
			ssize_t m = write(out, buf + w, (size_t)(n - w));
			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0) {
				fut_error_set_errno(error, errno, epath);
				goto out;
			}
			w += m;
		}
		off += (guint64)n;
	}
	fut_sha256_finish(sha, digest);
	if (off != req->size || memcmp(digest, req->sha256, sizeof digest) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the file changed after the agent read it, so no copy was made"));
		goto out;
	}
	if (fsync(out) < 0) {
		fut_error_set_errno(error, errno, epath);
		goto out;
	}
	ok = TRUE;
out:
	close(out);
	if (!ok) {
		unlink(path);
		return FALSE;
	}
	*ret_path = g_steal_pointer(&path);
	return TRUE;
}

/* Saves the request text of an export or upload-request reply next to @source and says
 * where it is and what to do next; with @copy_fd >= 0 also a copy of the spooled bytes
 * beside it (write_copy_file). FALSE (after saying why) when either cannot be saved. */
static gboolean
save_request(const gchar *source, const gchar *ename, JsonObject *r, int copy_fd)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *epath = NULL;
	g_autofree gchar *copy = NULL;
	g_autofree gchar *ecopy = NULL;
	const gchar *text = str_member(r, "request_text");

	if (!write_request_file(source, text, &path, &error)) {
		g_autofree gchar *msg = g_strdup_printf(_("%s: the request could not be saved: %s"),
		                                        ename, error->message);
		fail_line(msg);
		return FALSE;
	}
	epath = fut_strescape(path, -1);
	if (copy_fd >= 0) {
		g_autoptr(FutRequest) req = fut_request_parse(text, strlen(text), &error);
		if (req == NULL || !write_copy_file(copy_fd, path, req, &copy, &error)) {
			g_autofree gchar *msg = g_strdup_printf(
			    _("%s: the request is in %s, but the copy for your supervisor could "
			      "not be saved: %s"),
			    ename, epath, error->message);
			fail_line(msg);
			return FALSE;
		}
		ecopy = fut_strescape(copy, -1);
	}
	printf(_("%s: Class %s: approval needed. Send %s to your supervisor; then run 'futari "
	         "redeem APPROVAL-FILE' with the approval you get back.\n"),
	       ename, str_member(r, "class"), epath);
	if (ecopy != NULL)
		printf(_("  A copy of the exact bytes to approve is beside it: %s (send both: the "
		         "supervisor checks the copy against the request)\n"),
		       ecopy);
	else if (copy_fd == -1)
		printf(_("  Add --with-copy to put a copy of the file beside the request, so your "
		         "supervisor can see what they approve.\n"));
	return TRUE;
}

static int
cmd_export(int argc, char **argv)
{
	const GOptionEntry entries[] = {
	    {"to", 't', 0, G_OPTION_ARG_STRING, &opt_to,
	     N_("The stick: its serial, label, register asset id or mount point"), "DEVICE"},
	    {"dir", 'd', 0, G_OPTION_ARG_STRING, &opt_dir, N_("A folder on the stick"), "DIR"},
	    {"reason", 'r', 0, G_OPTION_ARG_STRING, &opt_reason,
	     N_("Why the file leaves the PC (shown to the approver and logged)"), "TEXT"},
	    {"with-copy", 0, 0, G_OPTION_ARG_NONE, &opt_with_copy,
	     N_("When approval is needed, put a copy of the exact bytes beside the request for "
	        "the supervisor to see"),
	     NULL},
	    {NULL}};
	int rc = EXIT_SUCCESS;

	if (!parse_sub_options(&argc, &argv, _("FILE…"),
	                       _("Export files to a USB stick. Class III files are written at "
	                         "once; Class I and II files need a supervisor's approval."),
	                       entries))
		return EXIT_USAGE;
	if (argc < 2 || opt_to == NULL || opt_reason == NULL) {
		fprintf(stderr, _("Usage: futari export FILE… --to DEVICE [--dir D] --reason "
		                  "TEXT [--with-copy]\n"));
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonObject) args = json_object_new();
		g_autoptr(JsonObject) r = NULL;
		g_autofree gchar *base = g_path_get_basename(argv[i]);
		g_autofree gchar *ename = fut_strescape(argv[i], -1);
		ExportProgress ep = {ename, FALSE};
		int fd = open_for_export(argv[i], &error);

		if (fd < 0) {
			fail_line(error->message);
			rc = EXIT_REFUSED;
			continue;
		}
		json_object_set_string_member(args, "name", base);
		json_object_set_string_member(args, "to", opt_to);
		if (opt_dir != NULL)
			json_object_set_string_member(args, "dir", opt_dir);
		json_object_set_string_member(args, "reason", opt_reason);
		r = agent_call_full("export", args, fd, export_progress, &ep, &error);
		if (ep.shown)
			fprintf(stderr, "\n");
		if (r == NULL) {
			g_autofree gchar *msg = g_strdup_printf("%s: %s", ename, error->message);
			close(fd);
			fail_line(msg);
			rc = EXIT_REFUSED;
			continue;
		}
		if (opt_json) {
			close(fd);
			print_json(r);
			continue;
		}
		if (str_member(r, "request_text") != NULL) {
			if (!save_request(argv[i], ename, r, opt_with_copy ? fd : -1))
				rc = EXIT_REFUSED;
			close(fd);
			continue;
		}
		close(fd);
		{
			const gchar *where = str_member(r, "asset") != NULL
			                         ? str_member(r, "asset")
			                         : str_member(r, "serial");
			g_autofree gchar *ewhere = esc(where);
			g_autofree gchar *ewritten = esc(str_member(r, "written"));
			printf(_("%s: Class %s, written to %s:/%s\n  SHA-256 %s\n"), ename,
			       str_member(r, "class"), ewhere, ewritten, str_member(r, "sha256"));
		}
	}
	return rc;
}

static gchar *opt_app = NULL;

static int
cmd_upload_request(int argc, char **argv)
{
	const GOptionEntry entries[] = {
	    {"to", 't', 0, G_OPTION_ARG_STRING, &opt_to, N_("The host the file is uploaded to"),
	     "HOST"},
	    {"app", 'a', 0, G_OPTION_ARG_FILENAME, &opt_app,
	     N_("The program that uploads it (absolute path; default: any upload program)"), "EXE"},
	    {"reason", 'r', 0, G_OPTION_ARG_STRING, &opt_reason,
	     N_("Why the file leaves the PC (shown to the approver and logged)"), "TEXT"},
	    {NULL}};
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) r = NULL;
	g_autofree gchar *base = NULL;
	g_autofree gchar *ename = NULL;
	g_autofree gchar *app = NULL;
	ExportProgress ep = {NULL, FALSE};
	int fd;

	if (!parse_sub_options(&argc, &argv, _("FILE"),
	                       _("Ask for approval to upload a Class I or II file with a "
	                         "browser, mail client or transfer tool."),
	                       entries))
		return EXIT_USAGE;
	if (argc != 2 || opt_to == NULL || opt_reason == NULL) {
		fprintf(stderr, _("Usage: futari upload-request FILE --to HOST [--app EXE] "
		                  "--reason TEXT\n"));
		return EXIT_USAGE;
	}
	ename = fut_strescape(argv[1], -1);
	ep.name = ename;
	fd = open_for_export(argv[1], &error);
	if (fd < 0) {
		fail_line(error->message);
		return EXIT_REFUSED;
	}
	base = g_path_get_basename(argv[1]);
	json_object_set_string_member(args, "name", base);
	json_object_set_string_member(args, "to", opt_to);
	if (opt_app != NULL) {
		/* The approval names the program as the kernel will see it: a relative
		 * name or a symbolic link is resolved here, for the user's convenience;
		 * the agent only checks that it is absolute. */
		app = realpath(opt_app, NULL);
		if (app == NULL) {
			g_autofree gchar *eapp = fut_strescape(opt_app, -1);
			g_autofree gchar *msg =
			    g_strdup_printf(_("--app %s: %s"), eapp, g_strerror(errno));
			close(fd);
			fail_line(msg);
			return EXIT_REFUSED;
		}
		json_object_set_string_member(args, "app", app);
	}
	json_object_set_string_member(args, "reason", opt_reason);
	r = agent_call_full("upload-request", args, fd, export_progress, &ep, &error);
	close(fd);
	if (ep.shown)
		fprintf(stderr, "\n");
	if (r == NULL) {
		g_autofree gchar *msg = g_strdup_printf("%s: %s", ename, error->message);
		fail_line(msg);
		return EXIT_REFUSED;
	}
	if (opt_json) {
		print_json(r);
		return EXIT_SUCCESS;
	}
	if (str_member(r, "request_text") != NULL)
		return save_request(argv[1], ename, r, -2) ? EXIT_SUCCESS : EXIT_REFUSED;
	printf(_("%s: Class %s: no approval is needed; upload programs may read it.\n"), ename,
	       str_member(r, "class") != NULL ? str_member(r, "class") : "?");
	return EXIT_SUCCESS;
}

/* Sends @cmd with @args and the descriptor of @path; on failure prints one line naming the
 * file and returns NULL. */
static JsonObject *
call_with_file(const gchar *cmd, JsonObject *args, const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ename = fut_strescape(path, -1);
	JsonObject *r;
	int fd = open_for_export(path, &error);

	if (fd < 0) {
		fail_line(error->message);
		return NULL;
	}
	r = agent_call(cmd, args, fd, &error);
	close(fd);
	if (r == NULL) {
		g_autofree gchar *msg = g_strdup_printf("%s: %s", ename, error->message);
		fail_line(msg);
	}
	return r;
}

static int
cmd_classify(int argc, char **argv)
{
	int rc = EXIT_SUCCESS;

	if (!parse_sub_options(&argc, &argv, _("FILE…"),
	                       _("Show the class the agent gives each file, and why."), NULL))
		return EXIT_USAGE;
	if (argc < 2) {
		fprintf(stderr, _("Usage: futari classify FILE…\n"));
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		g_autoptr(JsonObject) r = call_with_file("classify", NULL, argv[i]);

		if (r == NULL) {
			rc = EXIT_REFUSED;
			continue;
		}
		if (opt_json) {
			json_object_remove_member(r, "text");
			print_json(r);
			continue;
		}
		/* The agent's text is already escaped (fut_classification_to_text); the
		 * check that it holds no control character is ours. */
		{
			g_autofree gchar *text = g_strdup(str_member(r, "text"));
			if (text == NULL) {
				fail_line(_("the agent sent a malformed reply"));
				rc = EXIT_REFUSED;
				continue;
			}
			for (gchar *p = text; *p != '\0'; p++) {
				if ((guchar)*p < 0x20 && *p != '\n')
					*p = '?';
			}
			printf("%s%s", text, g_str_has_suffix(text, "\n") ? "" : "\n");
		}
	}
	return rc;
}

static int
cmd_label(int argc, char **argv)
{
	g_autoptr(JsonObject) args = json_object_new();
	const gchar *klass;
	int rc = EXIT_SUCCESS;

	if (!parse_sub_options(&argc, &argv, _("FILE… CLASS"),
	                       _("Set the class (I, II or III) of your files: you may raise it; "
	                         "only root lowers it."),
	                       NULL))
		return EXIT_USAGE;
	if (argc < 3) {
		fprintf(stderr, _("Usage: futari label FILE… CLASS\n"));
		return EXIT_USAGE;
	}
	klass = argv[argc - 1];
	if (fut_class_parse(klass, strlen(klass)) == FUT_CLASS_NONE) {
		g_autofree gchar *eclass = fut_strescape(klass, -1);
		g_autofree gchar *msg =
		    g_strdup_printf(_("%s: the class must be I, II or III"), eclass);
		fail_line(msg);
		return EXIT_USAGE;
	}
	json_object_set_string_member(args, "class", klass);
	for (int i = 1; i < argc - 1; i++) {
		g_autoptr(JsonObject) r = call_with_file("label", args, argv[i]);
		g_autofree gchar *ename = NULL;

		if (r == NULL) {
			rc = EXIT_REFUSED;
			continue;
		}
		if (opt_json) {
			print_json(r);
			continue;
		}
		ename = fut_strescape(argv[i], -1);
		printf(_("%s: now Class %s\n"), ename, klass);
	}
	return rc;
}

#define APPROVAL_FILE_MAX (16 * 1024)

static int
cmd_redeem(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) r = NULL;
	JsonArray *arr;

	if (!parse_sub_options(&argc, &argv, _("APPROVAL…"),
	                       _("Use approvals: an export is written to the stick named in its "
	                         "request; an upload is allowed for the approval's window. Give "
	                         "every approval the request needs."),
	                       NULL))
		return EXIT_USAGE;
	if (argc < 2) {
		fprintf(stderr, _("Usage: futari redeem APPROVAL…\n"));
		return EXIT_USAGE;
	}
	arr = json_array_new();
	json_object_set_array_member(args, "approvals", arr);
	for (int i = 1; i < argc; i++) {
		g_autofree gchar *text = NULL;
		gsize len = 0;
		if (!fut_file_read_bounded(argv[i], APPROVAL_FILE_MAX, &text, &len, &error)) {
			fail_line(error->message);
			return EXIT_REFUSED;
		}
		if (strlen(text) != len || !g_utf8_validate(text, (gssize)len, NULL)) {
			g_autofree gchar *e = fut_strescape(argv[i], -1);
			g_autofree gchar *msg = g_strdup_printf(_("%s is not an approval file"), e);
			/* Refused here, before the agent: the same name as the agent would give. */
			fut_refusal_set_error(&error, FUT_REFUSAL_MALFORMED, msg);
			fail_line(error->message);
			return EXIT_REFUSED;
		}
		json_array_add_string_element(arr, text);
	}
	r = agent_call("redeem", args, -1, &error);
	if (r == NULL) {
		fail_line(error->message);
		return EXIT_REFUSED;
	}
	if (opt_json) {
		print_json(r);
		return EXIT_SUCCESS;
	}
	if (g_strcmp0(str_member(r, "channel"), "upload") == 0) {
		g_autofree gchar *name = esc(str_member(r, "name"));
		g_autofree gchar *host = esc(str_member(r, "upload_host"));
		const gchar *prog = str_member(r, "upload_program");
		g_autofree gchar *eprog = esc(prog);
		g_autoptr(GDateTime) nb =
		    g_date_time_new_from_unix_local(int_member(r, "not_before"));
		g_autoptr(GDateTime) na =
		    g_date_time_new_from_unix_local(int_member(r, "not_after"));
		g_autofree gchar *snb =
		    nb != NULL ? g_date_time_format(nb, "%Y-%m-%d %H:%M:%S") : NULL;
		g_autofree gchar *sna =
		    na != NULL ? g_date_time_format(na, "%Y-%m-%d %H:%M:%S") : NULL;
		printf(_("Approved. Class %s file %s may be uploaded to %s by %s from %s until %s "
		         "(this content, by you only).\n  SHA-256 %s\n"),
		       str_member(r, "class"), name, host,
		       g_strcmp0(prog, "*") == 0 ? _("any upload program") : eprog,
		       snb != NULL ? snb : "?", sna != NULL ? sna : "?", str_member(r, "sha256"));
		return EXIT_SUCCESS;
	}
	{
		const gchar *where = str_member(r, "asset") != NULL ? str_member(r, "asset")
		                                                    : str_member(r, "serial");
		g_autofree gchar *ewhere = esc(where);
		g_autofree gchar *ewritten = esc(str_member(r, "written"));
		printf(_("Approved. Class %s file written to %s:/%s\n  SHA-256 %s\n"),
		       str_member(r, "class"), ewhere, ewritten, str_member(r, "sha256"));
	}
	return EXIT_SUCCESS;
}

static int
cmd_requests(int argc, char **argv)
{
	g_autoptr(JsonObject) r = NULL;
	JsonArray *arr;
	int rc = call_without_args(&argc, &argv, "requests", _("List your export requests."), &r);

	if (rc >= 0)
		return rc;
	if (!JSON_NODE_HOLDS_ARRAY(json_object_get_member(r, "requests"))) {
		fail_line(_("the agent sent a malformed reply"));
		return EXIT_REFUSED;
	}
	arr = json_object_get_array_member(r, "requests");
	if (json_array_get_length(arr) == 0) {
		printf(_("You have no export requests.\n"));
		return EXIT_SUCCESS;
	}
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonObject *q = json_array_get_object_element(arr, i);
		g_autofree gchar *name = esc(str_member(q, "name"));
		g_autofree gchar *serial = esc(str_member(q, "serial"));
		g_autoptr(GDateTime) exp =
		    g_date_time_new_from_unix_local(int_member(q, "expires"));
		g_autofree gchar *sexp =
		    exp != NULL ? g_date_time_format(exp, "%Y-%m-%d %H:%M") : NULL;
		g_autofree gchar *id =
		    g_strndup(str_member(q, "id") != NULL ? str_member(q, "id") : "", 16);
		if (g_strcmp0(str_member(q, "channel"), "upload") == 0) {
			g_autofree gchar *host = esc(str_member(q, "upload_host"));
			g_autofree gchar *prog = esc(str_member(q, "upload_program"));
			printf(_("%s  %-8s Class %-3s %s -> upload to %s by %s (expires %s)\n"), id,
			       str_member(q, "state"),
			       str_member(q, "class") != NULL ? str_member(q, "class") : "?", name,
			       host, prog, sexp != NULL ? sexp : "?");
			continue;
		}
		printf(_("%s  %-8s Class %-3s %s -> stick %s (expires %s)\n"), id,
		       str_member(q, "state"),
		       str_member(q, "class") != NULL ? str_member(q, "class") : "?", name, serial,
		       sexp != NULL ? sexp : "?");
	}
	return EXIT_SUCCESS;
}

static const Subcommand subcommands[] = {
    {"status", cmd_status, N_("show whether the agent is enforcing")},
    {"devices", cmd_devices, N_("list USB storage devices")},
    {"export", cmd_export, N_("export files to a USB stick")},
    {"upload-request", cmd_upload_request, N_("ask for approval to upload a file")},
    {"redeem", cmd_redeem, N_("use an approval (write to the stick, or allow the upload)")},
    {"requests", cmd_requests, N_("list your export and upload requests")},
    {"classify", cmd_classify, N_("show the class of files")},
    {"label", cmd_label, N_("set the class of your files (raise only, unless root)")},
    {NULL, NULL, NULL},
};

static void
usage(FILE *out)
{
	fprintf(out, _("Usage: futari COMMAND [OPTIONS…]\n\nCommands:\n"));
	for (const Subcommand *s = subcommands; s->name != NULL; s++)
		fprintf(out, "  %-16s %s\n", s->name, _(s->summary));
	fprintf(out, _("\nRun 'futari COMMAND --help' for the options of a command.\n"));
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h") ||
	    g_str_equal(argv[1], "help")) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	for (const Subcommand *s = subcommands; s->name != NULL; s++) {
		if (g_str_equal(argv[1], s->name))
			return s->func(argc - 1, argv + 1);
	}
	{
		g_autofree gchar *e = fut_strescape(argv[1], -1);
		fprintf(stderr, _("futari: unknown command '%s'\n"), e);
	}
	usage(stderr);
	return EXIT_USAGE;
}
