/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For bench/taint-bench.sh: the everyday reads and writes that are neither a file's nor the
 * network's, by an untainted process, COUNT times each: write 64 bytes into a pipe and read
 * them back (the "pipe" figure), write and read an eventfd's counter (the "eventfd" figure:
 * anything that is not a file, pipe or socket, like a terminal), and send 64 bytes on a unix
 * stream socket pair and receive them (the "unix" figure: what a desktop's D-Bus and display
 * server traffic does). Prints "pipe NS", "eventfd NS" and "unix NS", the mean cost of one
 * round in nanoseconds. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	char buf[64] = {0};
	uint64_t v = 1;
	int p[2], sp[2], efd;
	long count;
	double t0;

	if (argc != 2 || (count = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: taint-ioloop COUNT\n");
		return 2;
	}
	efd = eventfd(0, EFD_CLOEXEC);
	if (pipe(p) != 0 || efd < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) {
		perror("taint-ioloop: pipe/eventfd/socketpair");
		return 1;
	}
	t0 = now_ns();
	for (long i = 0; i < count; i++) {
		if (write(p[1], buf, sizeof buf) != (ssize_t)sizeof buf ||
		    read(p[0], buf, sizeof buf) != (ssize_t)sizeof buf) {
			perror("taint-ioloop: pipe");
			return 1;
		}
	}
	printf("pipe %.0f\n", (now_ns() - t0) / (double)count);
	t0 = now_ns();
	for (long i = 0; i < count; i++) {
		if (write(efd, &v, sizeof v) != (ssize_t)sizeof v ||
		    read(efd, &v, sizeof v) != (ssize_t)sizeof v) {
			perror("taint-ioloop: eventfd");
			return 1;
		}
		v = 1;
	}
	printf("eventfd %.0f\n", (now_ns() - t0) / (double)count);
	t0 = now_ns();
	for (long i = 0; i < count; i++) {
		if (send(sp[0], buf, sizeof buf, 0) != (ssize_t)sizeof buf ||
		    recv(sp[1], buf, sizeof buf, MSG_WAITALL) != (ssize_t)sizeof buf) {
			perror("taint-ioloop: unix");
			return 1;
		}
	}
	printf("unix %.0f\n", (now_ns() - t0) / (double)count);
	return 0;
}
