/* pipe-feed: built in the guest as $bin/pipe-feed (not exempt, not an upload program). Puts
 * data into the pipe on its standard output without write(2), the calls no LSM check sees
 * (docs/upload-control.md, "A browser fed where nothing can refuse"):
 *
 * pipe-feed --vmsplice FILE: reads FILE with read(2) (which taints it when FILE is marked),
 * then moves the bytes into standard output with vmsplice(2).
 *
 * pipe-feed --tee: tee(2)s what is in the pipe on standard input into standard output, then
 * reads standard input to its end and drops it.
 *
 * pipe-feed --splice-file PATH: one splice(2) call from the pipe on standard input into the
 * file PATH (created or truncated): it waits for a writer when the pipe is empty, and moves
 * what the writer put in. One call only: a second would start with the pipe marked.
 *
 * Exit 0 when everything went where it should, 2 on an error (message on stderr). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static int
feed_vmsplice(const char *path)
{
	static char buf[65536];
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		perror("pipe-feed: open");
		return 2;
	}
	while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) > 0)
		len += (size_t)n;
	close(fd);
	for (size_t off = 0; off < len;) {
		struct iovec iov = {.iov_base = buf + off, .iov_len = len - off};
		ssize_t m = vmsplice(1, &iov, 1, 0);
		if (m <= 0) {
			perror("pipe-feed: vmsplice");
			return 2;
		}
		off += (size_t)m;
	}
	return 0;
}

static int
feed_tee(void)
{
	char buf[4096];
	ssize_t n = tee(0, 1, 1 << 20, 0);

	if (n < 0) {
		perror("pipe-feed: tee");
		return 2;
	}
	while (read(0, buf, sizeof buf) > 0)
		;
	return 0;
}

static int
splice_file(const char *path)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		perror("pipe-feed: open");
		return 2;
	}
	n = splice(0, NULL, fd, NULL, 1 << 20, 0);
	if (n <= 0) {
		perror("pipe-feed: splice");
		return 2;
	}
	return close(fd) == 0 ? 0 : 2;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--vmsplice") == 0)
		return feed_vmsplice(argv[2]);
	if (argc == 2 && strcmp(argv[1], "--tee") == 0)
		return feed_tee();
	if (argc == 3 && strcmp(argv[1], "--splice-file") == 0)
		return splice_file(argv[2]);
	fprintf(stderr, "usage: pipe-feed --vmsplice FILE | --tee | --splice-file PATH\n");
	return 2;
}
