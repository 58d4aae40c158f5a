/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why agent/fanwatch.c uses FAN_UNLIMITED_QUEUE (docs/upload-control.md): fills a fanotify
 * group's queue with more notification events than the default limit (16384) without
 * reading them, then opens a file with a FAN_OPEN_PERM mark from a child process.
 *   bounded queue:   prints whether the open went through without any answer (fail open);
 *   unlimited queue: the open must wait for the answer (exit 1 if it does not).
 * usage: fanotify-queue DIR   (DIR on a scratch filesystem; files are created under it) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILES 17000

/* Returns 1 when the child's open completed without an answer, 0 when it waited, -1 on
 * error. */
static int
run(const char *dir, int unlimited)
{
	char path[4096], target[4096];
	unsigned int flags =
	    FAN_CLASS_CONTENT | FAN_CLOEXEC | (unlimited ? FAN_UNLIMITED_QUEUE : 0);
	int fd = fanotify_init(flags, O_RDONLY | O_CLOEXEC);
	int status;
	pid_t child;

	snprintf(target, sizeof target, "%s/target", dir);
	if (fd < 0 ||
	    fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CLOSE_NOWRITE, AT_FDCWD,
	                  dir) != 0 ||
	    fanotify_mark(fd, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, target) != 0) {
		fprintf(stderr, "fanotify-queue: %s\n", strerror(errno));
		return -1;
	}
	/* Distinct files: events for different objects are not merged. */
	for (int i = 0; i < FILES; i++) {
		int f;
		snprintf(path, sizeof path, "%s/f%06d", dir, i);
		f = open(path, O_RDONLY | O_CLOEXEC);
		if (f >= 0)
			close(f);
	}
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		int f;
		/* The group lives while any copy of its descriptor does. */
		close(fd);
		f = open(target, O_RDONLY | O_CLOEXEC);
		_exit(f >= 0 ? 0 : 1);
	}
	sleep(2);
	if (waitpid(child, &status, WNOHANG) == child) {
		close(fd);
		return 1;
	}
	/* Still waiting: closing the group lets the kernel allow it. */
	close(fd);
	waitpid(child, &status, 0);
	return 0;
}

int
main(int argc, char **argv)
{
	char path[4096];
	int bounded, unlimited;

	if (argc != 2) {
		fprintf(stderr, "usage: fanotify-queue DIR\n");
		return 2;
	}
	for (int i = 0; i < FILES; i++) {
		int f;
		snprintf(path, sizeof path, "%s/f%06d", argv[1], i);
		f = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (f < 0) {
			fprintf(stderr, "fanotify-queue: %s: %s\n", path, strerror(errno));
			return 1;
		}
		close(f);
	}
	snprintf(path, sizeof path, "%s/target", argv[1]);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));

	bounded = run(argv[1], 0);
	unlimited = run(argv[1], 1);
	if (bounded < 0 || unlimited < 0)
		return 1;
	printf("bounded queue, %d unread events: the permission event %s\n", FILES,
	       bounded ? "was dropped and the open ALLOWED without an answer"
	               : "waited for an answer");
	printf("unlimited queue, %d unread events: the permission event %s\n", FILES,
	       unlimited ? "was dropped and the open ALLOWED without an answer"
	                 : "waited for an answer");
	return unlimited ? 1 : 0;
}
