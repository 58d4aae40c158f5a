/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-scan-worker: the content parser, out of the root agent (issue 17).
 *
 * futarid starts a pool of these (agent/scanpool.c). Each one becomes its own user, gives up
 * every privilege (agent/sandbox.h) and then reads file contents it is handed as
 * descriptors, answering with fut_content_scan_fd()'s findings (common/content.h,
 * common/scanproto.h). Its socket to
 * the agent is descriptor 3. Zip, XML, legacy encodings and whatever else the classifier
 * parses run here, so a parser bug gives an attacker a process that can read the files it
 * is handed and nothing else. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "content.h"
#include "errors.h"
#include "sandbox.h"
#include "scanproto.h"

#define SOCK_FD                 3
/* Parsing yields the CPU to the agent's threads that answer the kernel and to every
 * ordinary program (issue 14): nice 19, not SCHED_IDLE, so that a machine kept busy by
 * other work still gives the worker some time and its files are judged before the scan's
 * deadline rather than refused at it. */
#define WORKER_NICE             19
/* a request is answered in at most this much CPU time, or SIGXCPU ends the worker */
#define CPU_PER_REQUEST_DEFAULT 30
#define CPU_TOTAL               3600

static gint64 opt_uid = -1, opt_gid = -1;
static gint64 opt_memory = 1024 * 1024 * 1024;
static gint opt_cpu = CPU_PER_REQUEST_DEFAULT;
static gchar *opt_self_test;
/* the nice value once confined, read before the allow-list (which has no getpriority) */
static int confined_nice = -100;

static const GOptionEntry options[] = {
    {"uid", 0, 0, G_OPTION_ARG_INT64, &opt_uid, N_("the worker user's uid"), "UID"},
    {"gid", 0, 0, G_OPTION_ARG_INT64, &opt_gid, N_("the worker user's gid"), "GID"},
    {"memory", 0, 0, G_OPTION_ARG_INT64, &opt_memory, N_("address-space limit in bytes"), "BYTES"},
    {"cpu", 0, 0, G_OPTION_ARG_INT, &opt_cpu, N_("CPU seconds one file may take"), "SECONDS"},
    {"self-test", 0, 0, G_OPTION_ARG_STRING, &opt_self_test,
     N_("confine, then try to open a file and a socket (\"files\"), to fork (\"fork\") or "
        "to start a thread (\"thread\"), and report"),
     "WHAT"},
    {NULL},
};

#if defined(__SANITIZE_ADDRESS__)
#define FUT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUT_ASAN 1
#endif
#endif
#ifdef FUT_ASAN
#include <sanitizer/lsan_interface.h>
#endif

/* What the worker may read once confined: poppler's encoding data (package poppler-data),
 * whose CMap files read Japanese text in PDF fonts that are not embedded. Public, read-only
 * files; only where Landlock is there to keep every other path out. */
static const gchar *const read_dirs[] = {"/usr/share/poppler", NULL};

static gboolean
confine(gboolean *ret_landlock, GError **error)
{
	FutSandboxLimits limits = {0};

#ifdef FUT_ASAN
	/* Sanitizer builds only: LeakSanitizer's check at exit stops the world with clone and
	 * ptrace, which the allow-list kills. Check now, before the sandbox, instead. */
	__lsan_do_leak_check();
#endif

	limits.memory = (guint64)opt_memory;
#ifdef FUT_ASAN
	limits.memory = 0; /* ASan reserves terabytes of shadow memory */
#endif
	limits.cpu_total = CPU_TOTAL;
	limits.open_files = 16;
	limits.nice = WORKER_NICE;
	if (!fut_sandbox_drop_user((uid_t)opt_uid, (gid_t)opt_gid, error) ||
	    !fut_sandbox_limit(&limits, error))
		return FALSE;
	errno = 0;
	confined_nice = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		confined_nice = -100;
	return fut_sandbox_landlock(read_dirs, ret_landlock, error) &&
	       fut_sandbox_seccomp(*ret_landlock, error);
}

static const gchar *
outcome(int rc)
{
	static gchar buf[64];

	if (rc >= 0)
		return "ALLOWED";
	g_snprintf(buf, sizeof(buf), "refused (%s)",
	           errno == EPERM    ? "EPERM"
	           : errno == EACCES ? "EACCES"
	                             : g_strerror(errno));
	return buf;
}

/* Prints one line per attempt; exits 0 when all were refused. */
static gpointer
thread_main(gpointer data)
{
	(void)data;
	return GINT_TO_POINTER(1);
}

static int
self_test(void)
{
	g_autoptr(GError) error = NULL;
	gboolean landlock = FALSE;
	int bad = 0, rc;

	if (!confine(&landlock, &error)) {
		fprintf(stderr, "futari-scan-worker: %s\n", error->message);
		return 2;
	}
	printf("uid %u gid %u no_new_privs %d landlock %s\n", (guint)getuid(), (guint)getgid(),
	       (int)prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), landlock ? "yes" : "no");
	printf("nice %d\n", confined_nice);
	if (g_strcmp0(opt_self_test, "thread") == 0) {
		/* a thread of its own is allowed (content-split.c), as the scan starts one */
		GThread *t = g_thread_try_new("self-test", thread_main, NULL, &error);

		printf("thread: %s\n", t != NULL && g_thread_join(t) == GINT_TO_POINTER(1)
		                           ? "allowed"
		                       : error != NULL ? error->message
		                                       : "failed");
		return t != NULL ? 0 : 1;
	}
	if (g_strcmp0(opt_self_test, "fork") == 0) {
		fflush(stdout);
		rc = fork(); /* the allow-list has no clone: SIGSYS ends the process here */
		printf("fork: %s\n", outcome(rc));
		return 1;
	}
	rc = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	printf("open /etc/passwd: %s\n", outcome(rc));
	bad += rc >= 0;
	rc = openat(AT_FDCWD, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	printf("openat /: %s\n", outcome(rc));
	bad += rc >= 0;
	/* the one folder it may read (read_dirs), for reading only */
	rc = open("/usr/share/poppler/cMap/Adobe-Japan1/UniJIS-UCS2-H", O_RDONLY | O_CLOEXEC);
	printf("read poppler data: %s\n", outcome(rc));
	if (rc >= 0)
		close(rc);
	rc = open("/usr/share/poppler/cMap/Adobe-Japan1/UniJIS-UCS2-H", O_RDWR | O_CLOEXEC);
	printf("write poppler data: %s\n", outcome(rc));
	bad += rc >= 0;
	rc = open("/usr/share/poppler/../../../etc/passwd", O_RDONLY | O_CLOEXEC);
	printf("open /etc/passwd through poppler data: %s\n", outcome(rc));
	bad += rc >= 0;
	rc = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	printf("socket AF_INET: %s\n", outcome(rc));
	bad += rc >= 0;
	rc = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	printf("socket AF_UNIX: %s\n", outcome(rc));
	bad += rc >= 0;
	return bad == 0 ? 0 : 1;
}

/* The agent's [classify] group, before the sandbox: building the classifier loads the
 * iconv modules and the message catalog, which needs files. */
static FutContentConfig *
read_config(GError **error)
{
	g_autofree guint8 *buf = g_malloc(sizeof(FutScanConfigHeader) + FUT_SCAN_CONFIG_MAX + 1);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	FutScanConfigHeader h;
	struct iovec iov = {buf, sizeof(FutScanConfigHeader) + FUT_SCAN_CONFIG_MAX + 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	do
		n = recvmsg(SOCK_FD, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fut_error_set_errno(error, errno, "reading the configuration"), NULL;
	if ((gsize)n < sizeof(h) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		            "bad configuration message");
		return NULL;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != FUT_SCAN_MAGIC_CONFIG || h.len != (gsize)n - sizeof(h)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		            "bad configuration message");
		return NULL;
	}
	if (!g_key_file_load_from_data(kf, (const gchar *)buf + sizeof(h), h.len, G_KEY_FILE_NONE,
	                               error))
		return NULL;
	return fut_content_config_new(kf, error);
}

static gboolean
send_all(const void *data, gsize len)
{
	struct iovec iov = {(void *)data, len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	do
		n = sendmsg(SOCK_FD, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len;
}

/* Receives one request and its descriptor. Returns the descriptor, -1 at the end (the agent
 * closed the socket or sent something out of shape: the agent is trusted, so that is a
 * bug, and the worker goes). */
static int
receive(guint64 *ret_id)
{
	FutScanRequest req;
	struct iovec iov = {&req, sizeof(req)};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cbuf;
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = cbuf.buf,
	                     .msg_controllen = sizeof(cbuf.buf)};
	int fd = -1, nfds = 0;
	ssize_t n;

	do
		n = recvmsg(SOCK_FD, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (gsize i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int got;
			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (nfds++ == 0)
				fd = got;
			else
				close(got);
		}
	}
	if (n != sizeof(req) || nfds != 1 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
	    req.magic != FUT_SCAN_MAGIC_REQUEST || req.flags != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*ret_id = req.id;
	return fd;
}

static double
cpu_used(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return CPU_TOTAL;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int
main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(FutContentConfig) cl = NULL;
	gboolean landlock = FALSE;
	guint cpus;
	guint32 ready[2] = {FUT_SCAN_MAGIC_READY, 0};

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	g_option_context_add_main_entries(ctx, options, GETTEXT_PACKAGE);
	g_option_context_set_summary(
	    ctx, _("The futari agent's content parser; started by futarid, socket on fd 3."));
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 1) {
		fprintf(stderr, "futari-scan-worker: %s\n",
		        error != NULL ? error->message : _("no arguments expected"));
		return 2;
	}
	if (opt_uid <= 0 || opt_uid > G_MAXUINT32 - 1 || opt_gid <= 0 ||
	    opt_gid > G_MAXUINT32 - 1 || opt_memory < 0 || opt_cpu < 1 || opt_cpu > 3600) {
		fprintf(stderr, "futari-scan-worker: %s\n",
		        _("--uid and --gid (not 0), --memory and --cpu (1-3600) are needed"));
		return 2;
	}
	if (opt_self_test != NULL) {
		if (g_strcmp0(opt_self_test, "files") != 0 &&
		    g_strcmp0(opt_self_test, "fork") != 0 &&
		    g_strcmp0(opt_self_test, "thread") != 0) {
			fprintf(stderr, "futari-scan-worker: %s\n",
			        _("--self-test takes \"files\", \"fork\" or \"thread\""));
			return 2;
		}
		return self_test();
	}
	if (fcntl(SOCK_FD, F_GETFD) < 0) {
		fprintf(stderr, "futari-scan-worker: %s\n", _("no socket on descriptor 3"));
		return 2;
	}
	/* counted before the sandbox (sched_getaffinity is not in its allow-list) */
	cpus = g_get_num_processors();
	/* the user first: the configuration is parsed without root already */
	if (!fut_sandbox_drop_user((uid_t)opt_uid, (gid_t)opt_gid, &error) ||
	    (cl = read_config(&error)) == NULL || !confine(&landlock, &error)) {
		fprintf(stderr, "futari-scan-worker: %s\n", error->message);
		return 1;
	}
	/* large text files are read with pread(), not mapped (fut_content_config_set_map_files()
	 * is not called): on the 2-vCPU development VM (2026-12-05) mapping cost 20-35 % more
	 * CPU than the copy (page faults, TLB misses; docs/classification.md, "Sandbox") */
	/* A large text is scanned by one thread fewer than there are CPUs (content-split.c;
	 * the filter allows threads, never a new process) where there are three or more: the
	 * agent hashes the file in a thread of its own beside the scan (common/classify.c), and
	 * on two CPUs three threads were slower than two (bench/classify.sh, 2026-12-06: 1.28x
	 * grep against 1.14x; docs/classification.md, "Two threads on one text"). */
	fut_content_config_set_split_scan(cl, cpus >= 3 ? cpus - 1 : 1);
	ready[1] = landlock ? 1 : 0;
	if (!send_all(ready, sizeof(ready)))
		return 1;
	for (;;) {
		guint64 id = 0;
		int fd = receive(&id);
		g_autoptr(FutContentResult) c = NULL;
		g_autoptr(GBytes) reply = NULL;
		struct rlimit rl;
		double used = cpu_used();

		if (fd < 0)
			return 0;
		/* this file's CPU budget: SIGXCPU past it */
		rl.rlim_cur = (rlim_t)used + (rlim_t)opt_cpu + 1;
		rl.rlim_max = CPU_TOTAL;
		if (rl.rlim_cur > rl.rlim_max || setrlimit(RLIMIT_CPU, &rl) < 0)
			return 0; /* spent: the agent starts a fresh worker (before sending) */
		/* the one boundary: bytes in, findings out (content.h) */
		c = fut_content_scan_fd(cl, fd);
		close(fd);
		reply = fut_scan_reply_build(c, id);
		if (!send_all(g_bytes_get_data(reply, NULL), g_bytes_get_size(reply)))
			return 1;
		if (cpu_used() + opt_cpu + 1 > CPU_TOTAL)
			return 0;
	}
}
