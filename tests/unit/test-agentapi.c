/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/api.h"
#include "agent/apimsg.h"
#include "agent/usbstore.h"
#include "errors.h"

static void
test_parse_garbage(void)
{
	static const struct {
		const gchar *data;
		gsize len;
	} cases[] = {
	    {"", 0},
	    {"garbage", 7},
	    {"[1,2]", 5},
	    {"\"str\"", 5},
	    {"{\"a\":1", 6},
	    {"{\"a\":1}\0", 8},
	    {"{\"a\":\"\xff\"}", 9},
	    {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 40},
	    {"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":{\"j\":{\"k\":{"
	     "\"l\":{\"m\":{\"n\":{\"o\":{\"p\":{\"q\":1}}}}}}}}}}}}}}}}}",
	     0},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		gsize len = cases[i].len != 0 || i == 0 ? cases[i].len : strlen(cases[i].data);
		g_autoptr(JsonObject) o = fut_api_parse(cases[i].data, len, &error);
		g_assert_null(o);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		/* Brackets inside strings do not count as nesting. */
		const gchar *ok = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[\"}";
		g_autoptr(JsonObject) o = fut_api_parse(ok, strlen(ok), &error);
		g_assert_no_error(error);
		g_assert_nonnull(o);
	}
}

static void
test_fd_passing(void)
{
	int sv[2];
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) msg = json_object_new();
	g_autoptr(JsonObject) got = NULL;
	int fd = -1, pipefd[2];
	gchar c = 0;

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), ==, 0);
	g_assert_cmpint(pipe2(pipefd, O_CLOEXEC), ==, 0);
	json_object_set_string_member(msg, "command", "export");
	g_assert_true(fut_api_send(sv[0], msg, pipefd[0], &error));
	g_assert_no_error(error);
	g_assert_true(fut_api_recv(sv[1], 1024, &got, &fd, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(json_object_get_string_member(got, "command"), ==, "export");
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(fcntl(fd, F_GETFD), ==, FD_CLOEXEC);
	g_assert_cmpint(write(pipefd[1], "x", 1), ==, 1);
	g_assert_cmpint(read(fd, &c, 1), ==, 1);
	g_assert_cmpint(c, ==, 'x');
	close(fd);
	g_clear_pointer(&got, json_object_unref);

	/* Oversized: refused, the rest of the packet does not leak into the next read. */
	{
		g_autofree gchar *big = g_strnfill(4000, 'a');
		g_autoptr(JsonObject) bigmsg = json_object_new();
		json_object_set_string_member(bigmsg, "x", big);
		g_assert_true(fut_api_send(sv[0], bigmsg, pipefd[0], &error));
		g_assert_true(fut_api_send(sv[0], msg, -1, &error));
		g_assert_false(fut_api_recv(sv[1], 1024, &got, &fd, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
		g_clear_error(&error);
		g_assert_true(fut_api_recv(sv[1], 1024, &got, &fd, &error));
		g_assert_no_error(error);
		g_assert_cmpint(fd, ==, -1);
		g_assert_cmpstr(json_object_get_string_member(got, "command"), ==, "export");
	}
	close(pipefd[0]);
	close(pipefd[1]);
	close(sv[0]);
	close(sv[1]);
}

/* --- the server, in process ----------------------------------------------------------- */

static void
h_echo(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	g_autoptr(JsonObject) r = json_object_new();
	json_object_set_int_member(r, "uid", fut_api_call_get_uid(call));
	json_object_set_boolean_member(r, "fd", fut_api_call_get_fd(call) >= 0);
	fut_api_call_return(call, r);
}

static gboolean
later_cb(gpointer data)
{
	fut_api_call_return(data, NULL);
	return G_SOURCE_REMOVE;
}

static void
h_later(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	g_timeout_add(20, later_cb, call);
}

static const FutApiCommand table[] = {
    {"echo", h_echo, FUT_API_ANY_USER, 0},
    {"withfd", h_echo, FUT_API_TAKES_FD, 0},
    {"admin", h_echo, FUT_API_ROOT_ONLY, 0},
    {"later", h_later, FUT_API_ANY_USER, 0},
    {"file", h_echo, FUT_API_TAKES_FD | FUT_API_PER_FILE, 0},
    {NULL, NULL, 0, 0},
};

typedef struct {
	int fd;
	GPtrArray *replies;
	GPtrArray *requests; /* raw bytes to send, each a GBytes */
	GMainLoop *loop;
} Client;

static gpointer
client_thread(gpointer data)
{
	Client *c = data;

	for (guint i = 0; i < c->requests->len; i++) {
		GBytes *b = g_ptr_array_index(c->requests, i);
		gsize len;
		const gchar *d = g_bytes_get_data(b, &len);
		gchar buf[70000];
		ssize_t n;

		/* "+..." goes with a descriptor (of /dev/null) */
		if (len > 0 && d[0] == '+') {
			int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
			struct iovec iov = {.iov_base = (gchar *)d + 1, .iov_len = len - 1};
			union {
				char buf[CMSG_SPACE(sizeof(int))];
				struct cmsghdr align;
			} u;
			struct msghdr mh = {.msg_iov = &iov,
			                    .msg_iovlen = 1,
			                    .msg_control = u.buf,
			                    .msg_controllen = sizeof(u.buf)};
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &nul, sizeof(int));
			g_assert_cmpint(nul, >=, 0);
			g_assert_cmpint(sendmsg(c->fd, &mh, MSG_NOSIGNAL), ==, (ssize_t)len - 1);
			close(nul);
		} else
			g_assert_cmpint(send(c->fd, d, len, MSG_NOSIGNAL), ==, (ssize_t)len);
		n = recv(c->fd, buf, sizeof(buf), 0);
		g_assert_cmpint(n, >, 0);
		g_ptr_array_add(c->replies, g_strndup(buf, n));
	}
	g_main_loop_quit(c->loop);
	return NULL;
}

static int
connect_to(const gchar *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	return fd;
}

/* Sends @reqs (n of them) in a row on one connection to the server at @path, each reply read
 * before the next request, while the main loop serves them; returns the replies. */
static GPtrArray *
run_client(const gchar *path, const gchar *const *reqs, guint n)
{
	Client c = {0};
	GThread *t;

	c.fd = connect_to(path);
	c.loop = g_main_loop_new(NULL, FALSE);
	c.replies = g_ptr_array_new_with_free_func(g_free);
	c.requests = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(c.requests, g_bytes_new_static(reqs[i], strlen(reqs[i])));
	t = g_thread_new("client", client_thread, &c);
	g_main_loop_run(c.loop);
	g_thread_join(t);
	close(c.fd);
	g_ptr_array_unref(c.requests);
	g_main_loop_unref(c.loop);
	g_assert_cmpuint(c.replies->len, ==, n);
	return c.replies;
}

static void
test_server(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("futari-api-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "agent.sock", NULL);
	FutApiLimits limits = {
	    .max_message = 1024, .requests_per_minute = 12, .connections_per_uid = 4};
	g_autoptr(FutApiServer) server = fut_api_server_new(path, table, &limits, NULL, &error);
	const gchar *reqs[] = {
	    "garbage",
	    "{\"command\":\"nope\"}",
	    "{\"command\":\"echo\",\"args\":[]}",
	    "{\"command\":\"echo\",\"extra\":1}",
	    "{\"command\":7}",
	    "{\"command\":\"withfd\"}",
	    "{\"command\":\"later\"}",
	    "{\"command\":\"echo\"}",
	    "{\"command\":\"admin\"}",
	    "{\"command\":\"echo\",\"args\":{}}",
	    "{\"command\":\"echo\"}",
	    "{\"command\":\"echo\"}",
	    "{\"command\":\"echo\"}", /* the 13th in a minute */
	};
	const gchar *expect[] = {
	    "\"code\":\"invalid\"",
	    "unknown command 'nope'",
	    "'args' must be an object",
	    "unknown field 'extra'",
	    "must be a string",
	    "needs an open file descriptor",
	    "{\"ok\":true}",
	    "\"ok\":true",
	    NULL,
	    "\"ok\":true",
	    "\"ok\":true",
	    "\"ok\":true",
	    "too many requests",
	};
	g_autoptr(GPtrArray) replies = NULL;

	g_assert_no_error(error);
	replies = run_client(path, reqs, G_N_ELEMENTS(reqs));
	for (guint i = 0; i < G_N_ELEMENTS(reqs); i++) {
		const gchar *r = g_ptr_array_index(replies, i);
		const gchar *want = expect[i];
		if (want == NULL)
			want = getuid() == 0 ? "\"ok\":true" : "root) only";
		if (strstr(r, want) == NULL)
			g_error("request %u: reply '%s' lacks '%s'", i, r, want);
		g_assert_null(strchr(r, '\n'));
	}
	g_clear_pointer(&server, fut_api_server_free);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_rmdir(dir);
}

/* A command that takes one file (FUT_API_PER_FILE) counts against the file bucket, only
 * with its descriptor: a folder's files do not eat the budget of every other request, and
 * neither garbage with a descriptor nor the command without one gets into the bucket. */
static void
test_file_bucket(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("futari-api-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "agent.sock", NULL);
	FutApiLimits limits = {.max_message = 1024,
	                       .requests_per_minute = 3,
	                       .connections_per_uid = 4,
	                       .files_burst = 5,
	                       .files_per_minute = 1};
	g_autoptr(FutApiServer) server = fut_api_server_new(path, table, &limits, NULL, &error);
	static const struct {
		const gchar *req, *want;
	} steps[] = {
	    {"+{\"command\":\"file\"}", "\"fd\":true"},
	    {"+{\"command\":\"file\"}", "\"fd\":true"},
	    {"+{\"command\":\"file\"}", "\"fd\":true"},
	    {"+{\"command\":\"file\"}", "\"fd\":true"},
	    {"+{\"command\":\"file\"}", "\"fd\":true"},
	    {"+{\"command\":\"file\"}", "too many files: 5 at once, then at most 1 per minute"},
	    {"+{\"command\":\"file\",\"args\":{\"x\":1}}", "too many files"},
	    {"{\"command\":\"echo\"}", "\"ok\":true"},
	    {"{\"command\":\"echo\"}", "\"ok\":true"},
	    {"{\"command\":\"file\"}", "needs an open file descriptor"},
	    {"{\"command\":\"echo\"}", "too many requests"},
	    {"+garbage", "too many requests"},
	    {"+{\"command\":\"withfd\"}", "too many requests"},
	    {"+{\"command\":\"file\"}", "too many files"},
	};
	const gchar *reqs[G_N_ELEMENTS(steps)];
	g_autoptr(GPtrArray) replies = NULL;

	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(steps); i++)
		reqs[i] = steps[i].req;
	replies = run_client(path, reqs, G_N_ELEMENTS(steps));
	for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
		const gchar *r = g_ptr_array_index(replies, i);
		if (strstr(r, steps[i].want) == NULL)
			g_error("request %u: reply '%s' lacks '%s'", i, r, steps[i].want);
	}
	g_clear_pointer(&server, fut_api_server_free);
	g_rmdir(dir);
}

static void
test_usb_classes(void)
{
	g_autofree FutUsbClass *t = NULL;
	guint n = 0;

	g_assert_true(fut_usb_parse_interfaces_property(":080650:", &t, &n));
	g_assert_cmpuint(n, ==, 1);
	g_assert_null(fut_usb_interfaces_suspicious(t, n));
	g_clear_pointer(&t, g_free);

	g_assert_true(fut_usb_parse_interfaces_property(":080650:030101:", &t, &n));
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpuint(t[1].cls, ==, 3);
	g_assert_cmpuint(t[1].protocol, ==, 1);
	g_assert_nonnull(strstr(fut_usb_interfaces_suspicious(t, n), "HID"));
	g_clear_pointer(&t, g_free);

	g_assert_true(fut_usb_parse_interfaces_property(":080650:020600:0a0000:", &t, &n));
	g_assert_nonnull(strstr(fut_usb_interfaces_suspicious(t, n), "CDC"));
	g_clear_pointer(&t, g_free);
	g_assert_true(fut_usb_parse_interfaces_property(":080650:e00103:", &t, &n));
	g_assert_nonnull(fut_usb_interfaces_suspicious(t, n));
	g_clear_pointer(&t, g_free);
	g_assert_true(fut_usb_parse_interfaces_property(":080650:ef0401:", &t, &n));
	g_assert_nonnull(strstr(fut_usb_interfaces_suspicious(t, n), "RNDIS"));
	g_clear_pointer(&t, g_free);

	const gchar *bad[] = {"", ":", "080650", ":0806:", ":08065g:", "::", ":080650", NULL};
	for (guint i = 0; bad[i] != NULL; i++)
		g_assert_false(fut_usb_parse_interfaces_property(bad[i], &t, &n));
	g_assert_false(fut_usb_parse_interfaces_property(NULL, &t, &n));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/api/parse-garbage", test_parse_garbage);
	g_test_add_func("/agent/api/fd-passing", test_fd_passing);
	g_test_add_func("/agent/api/server", test_server);
	g_test_add_func("/agent/api/file-bucket", test_file_bucket);
	g_test_add_func("/agent/usb/interface-classes", test_usb_classes);
	return g_test_run();
}
