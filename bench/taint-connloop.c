/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For bench/taint-bench.sh: the network side of an untainted process. On ADDR (an IPv4
 * address of this machine: the guest's dummy 192.0.2.1), COUNT times: socket, connect,
 * send 64 bytes, accept, close (the "connect" figure); then on one connection COUNT times
 * send 64 bytes and receive them (the "send" figure). Prints "connect NS" and "send NS", the
 * mean cost of one round in nanoseconds. With a third argument MAPFILE the process first maps
 * that file (made 4 KiB and writable by anyone) shared and read-only and keeps it mapped: with the
 * programs loaded it is then one whose decisions look at the files it maps shared (round 16). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

static int
die(const char *what)
{
	perror(what);
	return 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	char buf[64] = {0};
	long count;
	int l, c, a;
	double t0;

	if ((argc != 3 && argc != 4) || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 ||
	    (count = strtol(argv[2], NULL, 10)) <= 0 || count > 10000000) {
		fprintf(stderr, "usage: taint-connloop ADDR COUNT [MAPFILE]\n");
		return 2;
	}
	if (argc == 4) {
		int fd = open(argv[3], O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		/* writable by others: a file only root can write is not followed */
		if (fd < 0 || fchmod(fd, 0666) != 0 || ftruncate(fd, 4096) != 0 ||
		    mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
			return die(argv[3]);
		close(fd);
	}
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 128) != 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) != 0)
		return die("listener");
	t0 = now_ns();
	for (long i = 0; i < count; i++) {
		c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof sa) != 0)
			return die("connect");
		if (send(c, buf, sizeof buf, 0) != (ssize_t)sizeof buf)
			return die("send");
		a = accept(l, NULL, NULL);
		if (a < 0)
			return die("accept");
		close(c);
		close(a);
	}
	printf("connect %.0f\n", (now_ns() - t0) / (double)count);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof sa) != 0)
		return die("connect");
	a = accept(l, NULL, NULL);
	if (a < 0)
		return die("accept");
	t0 = now_ns();
	for (long i = 0; i < count; i++) {
		if (send(c, buf, sizeof buf, 0) != (ssize_t)sizeof buf)
			return die("send");
		if (recv(a, buf, sizeof buf, MSG_WAITALL) != (ssize_t)sizeof buf)
			return die("recv");
	}
	printf("send %.0f\n", (now_ns() - t0) / (double)count);
	close(c);
	close(a);
	close(l);
	return 0;
}
