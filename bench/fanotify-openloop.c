/* SPDX-License-Identifier: GPL-2.0-or-later */
/* open/read/close loop for bench/fanotify-bench.sh: opens DIR/f000000 … in order, reads at
 * most 4 KiB from each and closes it, PASSES times, and prints the mean cost of one
 * open/read/close per pass ("pass N NS"). Pass 1 is the first open of each file since the
 * files were made; later passes are repeated opens. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	char buf[4096];
	char **names;
	long count, passes;

	if (argc != 4 || (count = strtol(argv[2], NULL, 10)) <= 0 || count > 10000000 ||
	    (passes = strtol(argv[3], NULL, 10)) <= 0 || passes > 1000) {
		fprintf(stderr, "usage: fanotify-openloop DIR COUNT PASSES\n");
		return 2;
	}
	names = calloc((size_t)count, sizeof *names);
	if (names == NULL)
		return 1;
	for (long i = 0; i < count; i++) {
		size_t len = strlen(argv[1]) + 16;
		names[i] = malloc(len);
		if (names[i] == NULL)
			return 1;
		snprintf(names[i], len, "%s/f%06ld", argv[1], i);
	}
	for (long p = 1; p <= passes; p++) {
		double t0 = now_ns();
		for (long i = 0; i < count; i++) {
			int fd = open(names[i], O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				fprintf(stderr, "fanotify-openloop: %s: %s\n", names[i],
				        strerror(errno));
				return 1;
			}
			if (read(fd, buf, sizeof buf) < 0) {
				fprintf(stderr, "fanotify-openloop: read: %s\n", strerror(errno));
				return 1;
			}
			close(fd);
		}
		printf("pass %ld %.0f\n", p, (now_ns() - t0) / (double)count);
		fflush(stdout);
	}
	for (long i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return 0;
}
