/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: sends raw packets to the agent's socket and prints each reply on one line.
 *   fut-sockprobe SOCKET [--fd PATH] MSG...   a MSG of "@FILE" sends the bytes of FILE;
 *   --fd PATH opens PATH (read-only, non-blocking, following nothing special) and attaches
 *   the descriptor to the next message
 * Exits 0 when every packet got a reply, 1 when the agent closed the connection. */
#include "config.h"

#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, pass_fd = -1;

	if (argc < 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: fut-sockprobe SOCKET MSG...\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		g_autofree gchar *data = NULL;
		gsize len;
		static gchar buf[1024 * 1024];
		ssize_t n;
		struct msghdr mh = {0};
		struct iovec iov;
		union {
			struct cmsghdr align;
			char b[CMSG_SPACE(sizeof(int))];
		} cbuf;

		if (g_str_equal(argv[i], "--fd") && i + 2 < argc) {
			pass_fd = open(argv[i + 1], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			if (pass_fd < 0) {
				perror(argv[i + 1]);
				return 2;
			}
			i++;
			continue;
		}
		if (argv[i][0] == '@') {
			if (!g_file_get_contents(argv[i] + 1, &data, &len, NULL)) {
				fprintf(stderr, "cannot read %s\n", argv[i] + 1);
				return 2;
			}
		} else {
			data = g_strdup(argv[i]);
			len = strlen(data);
		}
		iov.iov_base = data;
		iov.iov_len = len;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (pass_fd >= 0) {
			struct cmsghdr *c;
			memset(&cbuf, 0, sizeof(cbuf));
			mh.msg_control = cbuf.b;
			mh.msg_controllen = sizeof(cbuf.b);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
		}
		if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
			perror("send");
			return 1;
		}
		if (pass_fd >= 0) {
			close(pass_fd);
			pass_fd = -1;
		}
		/* Skip interim progress messages. */
		do
			n = recv(fd, buf, sizeof(buf) - 1, 0);
		while (n > 12 && memcmp(buf, "{\"progress\"", 11) == 0);
		if (n <= 0) {
			fprintf(stderr, "connection closed after message %d\n", i - 1);
			return 1;
		}
		buf[n] = '\0';
		printf("%s\n", buf);
	}
	close(fd);
	return 0;
}
