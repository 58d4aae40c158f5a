/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The floor for bench/fanotify-bench.sh: a minimal FAN_OPEN_PERM responder that allows every
 * open of the filesystem holding PATH, with no identification, no cache and no marks. Prints
 * "ready" once marked; stops on SIGTERM (the kernel then allows anything pending). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	static char buf[64 * 1024] __attribute__((aligned(8)));
	struct sigaction sa;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: fanotify-bare PATH\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_UNLIMITED_QUEUE,
	                   O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (fd < 0 || fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_PERM, AT_FDCWD,
	                            argv[1]) != 0) {
		fprintf(stderr, "fanotify-bare: %s\n", strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;
		const struct fanotify_event_metadata *m = (const void *)buf;

		if (poll(&p, 1, -1) < 0)
			continue;
		n = read(fd, buf, sizeof buf);
		if (n <= 0)
			continue;
		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (m->fd < 0)
				continue;
			if (m->mask & FAN_OPEN_PERM) {
				struct fanotify_response r = {.fd = m->fd, .response = FAN_ALLOW};
				if (write(fd, &r, sizeof r) != sizeof r)
					fprintf(stderr, "fanotify-bare: reply: %s\n",
					        strerror(errno));
			}
			close(m->fd);
		}
	}
	close(fd);
	return 0;
}
