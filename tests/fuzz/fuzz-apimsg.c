/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: one packet on the agent's socket (agent/apimsg.c), parsed directly
 * and received through a real SOCK_SEQPACKET pair; both ways must agree. */
#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include "apimsg.h"
#include "fuzz-common.h"

#define MAX_MESSAGE 4096

static int pair[2] = {-1, -1};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		abort();
	return 0;
}

/* What the dispatcher reads first: the command name and the args object. */
static void
read_like_dispatcher(JsonObject *msg)
{
	const gchar *name = NULL;
	g_autoptr(GError) error = NULL;

	if (fut_api_get_string(msg, "command", TRUE, &name, &error)) {
		if (name == NULL)
			abort();
	} else if (error == NULL || name != NULL) {
		abort();
	}
	(void)fut_api_get_string(msg, "path", FALSE, &name, NULL);
	(void)fut_api_get_string(msg, "reason", FALSE, &name, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(JsonObject) parsed = fut_api_parse((const gchar *)data, size, NULL);
	g_autoptr(JsonObject) got = NULL;
	int fd = -1;
	gboolean ok;

	if (parsed != NULL)
		read_like_dispatcher(parsed);

	if (size == 0 || size > 65536)
		return 0;
	if (send(pair[0], data, size, MSG_NOSIGNAL) != (ssize_t)size)
		abort();
	ok = fut_api_recv(pair[1], MAX_MESSAGE, &got, &fd, NULL);
	if (fd != -1)
		abort();
	if (size > MAX_MESSAGE) {
		/* an oversized packet is refused, not cut to size and parsed */
		if (ok || got != NULL)
			abort();
		return 0;
	}
	if (ok != (parsed != NULL) || (ok && got == NULL)) {
		fprintf(stderr, "parse and recv disagree\n");
		abort();
	}
	return 0;
}
