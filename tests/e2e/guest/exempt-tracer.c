/* exempt-tracer FILE: built in the guest as $bin/firefox-tracer, an exempt program (its name
 * starts like a browser's, and it is listed in [upload] programs), so the kernel side never
 * taints it. Starts a child that asks to be traced (PTRACE_TRACEME) and execs /bin/cat FILE.
 * The tracer could read the child's memory with PTRACE_PEEKDATA, which asks no LSM, and send
 * it: the child's read of a marked file must be refused as the browser's own read would be
 * (docs/upload-control.md, round 10). A program of its own, not a copy of python3: upload
 * programs are also known by their size, and a copy would make every python3 one.
 * Exit: 0 the child's read was refused (cat failed), 1 cat read the file, 2 another error.
 *
 * exempt-tracer --recv PORT: a browser's blocking receive (round 11). Connects to
 * 127.0.0.1:PORT, sends a request line and waits in a blocking recv() (its LSM check runs
 * before any data arrive), then copies what it gets to standard output until the peer closes.
 * A tainted server's later send must be refused at the send. Exit 0 at the end of the stream,
 * 2 on an error.
 *
 * exempt-tracer --read: copies standard input to standard output with blocking read()s, so
 * its read check runs while the pipe is still empty (curl and browsers poll first, then read
 * what is there). Exit 0 at the end of input, 2 on an error.
 *
 * exempt-tracer --read-send HOST PORT [GATE]: as --read, then sends what it read to HOST:PORT (an
 * HTTP POST), as a browser that was handed data would upload it; also when a later read was
 * refused, with what came before. Exit 0 when it was sent, 3
 * when the connect or the send was refused with EPERM (the kernel side), 2 on another
 * error. With GATE (a FIFO), it waits for a line there between the read and the send, so
 * that a test can do something to the kernel's state while it holds the data. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static int
blocking_recv(const char *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[4096];
	ssize_t n;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_port = htons((unsigned short)atoi(port));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0 ||
	    send(s, req, strlen(req), 0) != (ssize_t)strlen(req)) {
		perror("exempt-tracer --recv");
		return 2;
	}
	while ((n = recv(s, buf, sizeof buf, 0)) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 2;
	if (n < 0) {
		perror("exempt-tracer --recv: recv");
		return 2;
	}
	return 0;
}

static int
blocking_read(void)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(0, buf, sizeof buf)) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 2;
	if (n < 0) {
		perror("exempt-tracer --read");
		return 2;
	}
	return 0;
}

static int
read_send(const char *host, const char *port, const char *gate)
{
	static char data[65536];
	char head[128];
	struct sockaddr_in a = {.sin_family = AF_INET};
	size_t len = 0;
	ssize_t n;
	int s;

	while (len < sizeof data && (n = read(0, data + len, sizeof data - len)) > 0)
		len += (size_t)n;
	/* A later read refused after data came: what came is sent all the same, as a program
	 * that streams what it received would */
	if (n < 0) {
		perror("exempt-tracer --read-send: read");
		if (len == 0)
			return 2;
	}
	if (write(1, data, len) != (ssize_t)len)
		return 2;
	if (gate != NULL) {
		char go;
		int g = open(gate, O_RDONLY);

		if (g < 0 || read(g, &go, 1) != 1) {
			perror("exempt-tracer --read-send: gate");
			return 2;
		}
		close(g);
	}
	a.sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return 2;
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return 2;
	if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
		int e = errno; /* perror may change it */

		perror("exempt-tracer --read-send: connect");
		return e == EPERM ? 3 : 2;
	}
	snprintf(head, sizeof head, "POST /up HTTP/1.0\r\nContent-Length: %zu\r\n\r\n", len);
	if (send(s, head, strlen(head), 0) < 0 || send(s, data, len, 0) < 0) {
		int e = errno;

		perror("exempt-tracer --read-send: send");
		return e == EPERM ? 3 : 2;
	}
	close(s);
	return 0;
}

int
main(int argc, char **argv)
{
	pid_t pid;
	int st;

	if (argc == 2 && strcmp(argv[1], "--read") == 0)
		return blocking_read();
	if (argc == 3 && strcmp(argv[1], "--recv") == 0)
		return blocking_recv(argv[2]);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "--read-send") == 0)
		return read_send(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (argc != 2)
		return 2;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0 || null < 0)
			_exit(20);
		dup2(null, 1);
		execl("/bin/cat", "cat", argv[1], (char *)NULL);
		_exit(21);
	}
	for (;;) {
		if (waitpid(pid, &st, 0) < 0)
			return 2;
		if (WIFSTOPPED(st)) {
			int sig = WSTOPSIG(st);
			/* the stop after exec (SIGTRAP) is swallowed; any other signal passed on */
			ptrace(PTRACE_CONT, pid, NULL, (void *)(long)(sig == SIGTRAP ? 0 : sig));
			continue;
		}
		break;
	}
	if (!WIFEXITED(st))
		return 2;
	fprintf(stderr, "cat exit %d\n", WEXITSTATUS(st));
	return WEXITSTATUS(st) == 0 ? 1 : WEXITSTATUS(st) == 1 ? 0 : 2;
}
