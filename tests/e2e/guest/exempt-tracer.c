/* exempt-tracer FILE: built in the guest as $bin/firefox-tracer, an exempt program (its name
 * starts like a browser's, and it is listed in [upload] programs), so the kernel side never
 * taints it. Starts a child that asks to be traced (PTRACE_TRACEME) and execs /bin/cat FILE.
 * The tracer could read the child's memory with PTRACE_PEEKDATA, which asks no LSM, and send
 * it: the child's read of a marked file must be refused as the browser's own read would be
 * (docs/upload-control.md, round 10). A program of its own, not a copy of python3: upload
 * programs are also known by their size, and a copy would make every python3 one.
 * Exit: 0 the child's read was refused (cat failed), 1 cat read the file, 2 another error. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	pid_t pid;
	int st;

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
