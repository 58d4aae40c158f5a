/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "apimsg.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"
#include "util.h"

gboolean
fut_api_send(int fd, JsonObject *msg, int pass_fd, GError **error)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree gchar *data = NULL;
	gsize len = 0;
	struct iovec iov;
	struct msghdr mh = {0};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	ssize_t n;

	json_node_set_object(node, msg);
	json_generator_set_root(gen, node);
	data = json_generator_to_data(gen, &len);
	iov.iov_base = data;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (pass_fd >= 0) {
		struct cmsghdr *c;
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fut_error_set_errno(error, errno, _("sending to the agent socket"));
	return TRUE;
}

/* json-glib recurses once per nesting level: bound the depth before it sees the text. */
static gboolean
depth_ok(const gchar *data, gsize len)
{
	guint depth = 0;
	gboolean in_str = FALSE;

	for (gsize i = 0; i < len; i++) {
		gchar c = data[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = FALSE;
			continue;
		}
		if (c == '"')
			in_str = TRUE;
		else if (c == '{' || c == '[') {
			if (++depth > FUT_API_JSON_DEPTH_MAX)
				return FALSE;
		} else if ((c == '}' || c == ']') && depth > 0)
			depth--;
	}
	return TRUE;
}

JsonObject *
fut_api_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) local = NULL;
	JsonNode *root;

	if (len == 0 || memchr(data, '\0', len) != NULL || !g_utf8_validate(data, len, NULL)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("message is not UTF-8 text"));
		return NULL;
	}
	if (!depth_ok(data, len)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("message nests deeper than %d levels"), FUT_API_JSON_DEPTH_MAX);
		return NULL;
	}
	if (!json_parser_load_from_data(parser, data, (gssize)len, &local)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("message is not JSON"));
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("message is not a JSON object"));
		return NULL;
	}
	return json_object_ref(json_node_get_object(root));
}

/* The server's way of closing a descriptor a caller passed (fut_api_set_passed_fd_closer). */
static void (*passed_fd_close)(int fd);

void
fut_api_set_passed_fd_closer(void (*close_fn)(int fd))
{
	passed_fd_close = close_fn;
}

static void
close_passed(int fd)
{
	if (passed_fd_close != NULL)
		passed_fd_close(fd);
	else
		close(fd);
}

gboolean
fut_api_recv(int fd, gsize max, JsonObject **ret_msg, int *ret_fd, GError **error)
{
	gsize len;
	return fut_api_recv_sized(fd, max, ret_msg, ret_fd, &len, error);
}

gboolean
fut_api_recv_sized(
    int fd, gsize max, JsonObject **ret_msg, int *ret_fd, gsize *ret_len, GError **error)
{
	g_autofree gchar *buf = g_malloc(max + 1);
	struct iovec iov = {.iov_base = buf, .iov_len = max + 1};
	struct msghdr mh = {0};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cbuf;
	ssize_t n;
	int got_fd = -1, extra = 0;
	JsonObject *msg;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fut_error_set_errno(error, errno, _("reading from the agent socket"));
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (gsize off = 0; off + sizeof(int) <= c->cmsg_len - CMSG_LEN(0);
		     off += sizeof(int)) {
			int f;
			memcpy(&f, CMSG_DATA(c) + off, sizeof(int));
			if (got_fd < 0) {
				got_fd = f;
			} else {
				close_passed(f);
				extra++;
			}
		}
	}
	if (n == 0 && got_fd < 0) {
		*ret_msg = NULL;
		*ret_fd = -1;
		*ret_len = 0;
		return TRUE;
	}
	if ((mh.msg_flags & MSG_CTRUNC) != 0 || extra > 0) {
		if (got_fd >= 0)
			close_passed(got_fd);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("at most one file descriptor per message"));
		return FALSE;
	}
	if ((gsize)n > max || (mh.msg_flags & MSG_TRUNC) != 0) {
		if (got_fd >= 0)
			close_passed(got_fd);
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("message larger than %zu bytes"), max);
		return FALSE;
	}
	msg = fut_api_parse(buf, (gsize)n, error);
	if (msg == NULL) {
		if (got_fd >= 0)
			close_passed(got_fd);
		return FALSE;
	}
	*ret_msg = msg;
	*ret_fd = got_fd;
	*ret_len = (gsize)n;
	return TRUE;
}

gboolean
fut_api_get_string(
    JsonObject *obj, const gchar *name, gboolean required, const gchar **ret_value, GError **error)
{
	JsonNode *n = json_object_get_member(obj, name);

	if (n == NULL || JSON_NODE_HOLDS_NULL(n)) {
		if (required) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("missing field '%s'"), name);
			return FALSE;
		}
		*ret_value = NULL;
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field '%s' must be a string"), name);
		return FALSE;
	}
	*ret_value = json_node_get_string(n);
	return TRUE;
}
