/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The worker spawner (scanspawn.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "caps.h"
#include "errors.h"
#include "scanspawn.h"

#define SPAWN_TIMEOUT_MS 10000

struct _FutScanSpawner {
	GMutex lock;
	int sock;
	pid_t pid;
	guint timeout_ms;
	gint32 serial; /* of the last request (under lock) */
	GArray *late;  /* pid_t: workers whose start was given up on, killed, not reaped yet */
};

/* Requests are two gint32: {'s', serial} starts a worker, {'k', pid} kills one (no answer).
 * A start is answered with its serial, so an answer that came after its request was given
 * up on is told apart from the answer to the next one (and its worker killed). */
typedef struct {
	gint32 pid;
	gint32 err; /* errno when pid < 0 */
	gint32 serial;
} SpawnReply;

gboolean
fut_scan_lookup_user(const gchar *user, uid_t *ret_uid, gid_t *ret_gid, GError **error)
{
	struct passwd pw, *res = NULL;
	gchar buf[4096];
	int rc = getpwnam_r(user, &pw, buf, sizeof(buf), &res);

	if (rc != 0 || res == NULL) {
		g_autofree gchar *safe = g_strescape(user, NULL);
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
		            _("the classifier worker user \"%s\" does not exist"), safe);
		return FALSE;
	}
	if (pw.pw_uid == 0 || pw.pw_gid == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
		            _("the classifier worker user must not be root or in group root"));
		return FALSE;
	}
	*ret_uid = pw.pw_uid;
	*ret_gid = pw.pw_gid;
	return TRUE;
}

/* In the spawner: start one worker with @wsock as its descriptor 3, a child of the agent
 * (CLONE_PARENT: the agent reaps it); *@ret_pidfd is a pidfd of it, or -1 on a kernel without
 * clone3 (before 5.3). Only async-signal-safe calls in the child. */
static pid_t
start_worker(char *const argv[], int wsock, int *ret_pidfd)
{
	int pidfd = -1;
	/* exit_signal 0: with CLONE_PARENT the worker takes the spawner's own (SIGCHLD) */
	struct clone_args ca = {
	    .flags = CLONE_PARENT | CLONE_PIDFD,
	    .pidfd = (guint64)(guintptr)&pidfd,
	};
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));

	if (pid < 0 && (errno == ENOSYS || errno == EINVAL)) {
		pidfd = -1;
		pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	}
	if (pid != 0) {
		*ret_pidfd = pid > 0 ? pidfd : -1;
		return pid;
	}
	if (dup2(wsock, 3) < 0)
		_exit(127);
	syscall(SYS_close_range, 4, ~0U, 0);
	execv(argv[0], argv);
	_exit(127);
}

/* In the spawner: drops the workers of @spawned that have ended (their pidfd is readable),
 * and closes their pidfds, so a worker that ended on its own holds no descriptor here. A
 * worker without a pidfd stays until its kill request. */
static void
forget_ended(GHashTable *spawned)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, spawned);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct pollfd p = {.fd = GPOINTER_TO_INT(v) - 1, .events = POLLIN};

		if (p.fd < 0 || poll(&p, 1, 0) <= 0)
			continue;
		close(p.fd);
		g_hash_table_iter_remove(&it);
	}
}

static void G_GNUC_NORETURN
spawner_main(int sock, const FutScanSpawnConfig *cfg, pid_t agent)
{
	g_autofree gchar *uid = g_strdup_printf("%u", (guint)cfg->uid);
	g_autofree gchar *gid = g_strdup_printf("%u", (guint)cfg->gid);
	g_autofree gchar *mem = g_strdup_printf("%" G_GUINT64_FORMAT, cfg->memory);
	g_autofree gchar *cpu = g_strdup_printf("%u", cfg->cpu);
	char o_uid[] = "--uid", o_gid[] = "--gid", o_mem[] = "--memory", o_cpu[] = "--cpu";
	char *argv[] = {
	    g_strdup(cfg->program), o_uid, uid, o_gid, gid, o_mem, mem, o_cpu, cpu, NULL};
	g_autoptr(GError) error = NULL;
	/* workers started and not yet killed: pid -> their pidfd + 1 (0: none) */
	GHashTable *spawned = g_hash_table_new(NULL, NULL);

	/* Gone before the death signal was asked for: the parent is someone else now. Not
	 * "is it 1": the agent itself is pid 1 in a pid namespace of its own. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != agent)
		_exit(0);
	/* nothing of the agent's: its log, its keys, its sockets */
	if (dup2(sock, 3) < 0)
		_exit(1);
	syscall(SYS_close_range, 4, ~0U, 0);
	sock = 3;
	if (!fut_caps_restrict((1ULL << CAP_SETUID) | (1ULL << CAP_SETGID) | (1ULL << CAP_KILL),
	                       &error)) {
		g_printerr("futarid: classifier worker spawner: %s\n", error->message);
		_exit(1);
	}
	for (;;) {
		gint32 c[2] = {0, 0};
		int pair[2], pidfd = -1;
		SpawnReply r = {-1, 0, 0};
		struct iovec iov = {&r, sizeof(r)};
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int))];
		} cbuf;
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recv(sock, c, sizeof(c), 0);
		gpointer v;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		forget_ended(spawned);
		if (n == sizeof(c) && c[0] == 'k') {
			/* only a worker this spawner started, only once, and only while it is that
			 * process: the agent reaps the workers, so a pid may be free again or
			 * another process's by now; a pidfd names the very process */
			if (g_hash_table_steal_extended(spawned, GINT_TO_POINTER(c[1]), NULL, &v)) {
				if (GPOINTER_TO_INT(v) > 0) {
					(void)syscall(SYS_pidfd_send_signal, GPOINTER_TO_INT(v) - 1,
					              SIGKILL, NULL, 0);
					close(GPOINTER_TO_INT(v) - 1);
				} else {
					kill(c[1], SIGKILL);
				}
			}
			continue;
		}
		if (n != sizeof(c) || c[0] != 's')
			_exit(1);
		r.serial = c[1];
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
			r.err = errno;
			pair[0] = -1;
		} else {
			/* the worker's end must survive exec: dup2 in the child clears CLOEXEC */
			r.pid = start_worker(argv, pair[1], &pidfd);
			if (r.pid < 0)
				r.err = errno;
			close(pair[1]);
		}
		if (r.pid > 0) {
			struct cmsghdr *cm;
			msg.msg_control = cbuf.buf;
			msg.msg_controllen = sizeof(cbuf.buf);
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &pair[0], sizeof(int));
		}
		if (r.pid > 0)
			g_hash_table_insert(spawned, GINT_TO_POINTER(r.pid),
			                    GINT_TO_POINTER(pidfd + 1));
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (pair[0] >= 0)
			close(pair[0]);
		if (n < 0)
			_exit(0);
	}
}

FutScanSpawner *
fut_scan_spawner_new(const FutScanSpawnConfig *cfg, GError **error)
{
	int pair[2];
	pid_t pid, agent = getpid();
	FutScanSpawner *self;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return fut_error_set_errno(error, errno, "socketpair"), NULL;
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pair[0]);
		close(pair[1]);
		return fut_error_set_errno(error, e, "fork"), NULL;
	}
	if (pid == 0) {
		close(pair[0]);
		spawner_main(pair[1], cfg, agent);
	}
	close(pair[1]);
	self = g_new0(FutScanSpawner, 1);
	g_mutex_init(&self->lock);
	self->sock = pair[0];
	self->pid = pid;
	self->timeout_ms = SPAWN_TIMEOUT_MS;
	self->late = g_array_new(FALSE, FALSE, sizeof(pid_t));
	return self;
}

void
fut_scan_spawner_set_timeout(FutScanSpawner *self, guint timeout_ms)
{
	g_mutex_lock(&self->lock);
	self->timeout_ms = MAX(timeout_ms, 1);
	g_mutex_unlock(&self->lock);
}

pid_t
fut_scan_spawner_get_pid(FutScanSpawner *self)
{
	return self->pid;
}

/* Lock held. */
static void
send_kill(FutScanSpawner *self, pid_t pid)
{
	gint32 msg[2] = {'k', (gint32)pid};

	(void)!send(self->sock, msg, sizeof(msg), MSG_NOSIGNAL);
}

void
fut_scan_reap_ended(GArray *pids)
{
	for (guint i = pids->len; i-- > 0;)
		if (waitpid(g_array_index(pids, pid_t, i), NULL, WNOHANG) != 0)
			g_array_remove_index_fast(pids, i);
}

void
fut_scan_spawner_free(FutScanSpawner *self)
{
	if (self == NULL)
		return;
	close(self->sock);
	waitpid(self->pid, NULL, 0);
	fut_scan_reap_ended(self->late);
	g_array_unref(self->late);
	g_mutex_clear(&self->lock);
	g_free(self);
}

int
fut_scan_spawner_spawn(FutScanSpawner *self, pid_t *ret_pid, GError **error)
{
	SpawnReply r = {-1, 0, 0};
	gint32 req[2] = {'s', 0};
	gint64 deadline;
	int fd = -1;
	ssize_t n = -1;

	g_mutex_lock(&self->lock);
	fut_scan_reap_ended(self->late);
	req[1] = ++self->serial;
	if (send(self->sock, req, sizeof(req), MSG_NOSIGNAL) != sizeof(req)) {
		int e = errno;
		g_mutex_unlock(&self->lock);
		fut_error_set_errno(error, e, _("the classifier worker spawner is gone"));
		return -1;
	}
	deadline = g_get_monotonic_time() + (gint64)self->timeout_ms * 1000;
	for (;;) {
		struct iovec iov = {&r, sizeof(r)};
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int))];
		} cbuf;
		struct msghdr msg = {.msg_iov = &iov,
		                     .msg_iovlen = 1,
		                     .msg_control = cbuf.buf,
		                     .msg_controllen = sizeof(cbuf.buf)};
		struct pollfd p = {self->sock, POLLIN, 0};
		gint64 left = deadline - g_get_monotonic_time();
		int rc;

		do
			rc = poll(&p, 1, (int)CLAMP((left + 999) / 1000, 0, G_MAXINT));
		while (rc < 0 && errno == EINTR);
		n = rc > 0 ? recvmsg(self->sock, &msg, MSG_CMSG_CLOEXEC) : -1;
		fd = -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); n > 0 && c != NULL;
		     c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
			    c->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&fd, CMSG_DATA(c), sizeof(int));
		}
		if (n != sizeof(r) || r.serial == req[1])
			break;
		/* the late answer to a request given up on: its worker is killed, and reaped
		 * at a later start */
		if (fd >= 0)
			close(fd);
		if (r.pid > 0) {
			send_kill(self, r.pid);
			g_array_append_val(self->late, r.pid);
		}
	}
	g_mutex_unlock(&self->lock);
	if (n != sizeof(r) || r.pid <= 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		if (n == sizeof(r) && r.err != 0)
			fut_error_set_errno(error, r.err, _("starting a classifier worker"));
		else
			g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
			            _("the classifier worker spawner did not answer"));
		return -1;
	}
	*ret_pid = r.pid;
	return fd;
}

void
fut_scan_spawner_kill(FutScanSpawner *self, pid_t pid)
{
	g_mutex_lock(&self->lock);
	send_kill(self, pid);
	g_mutex_unlock(&self->lock);
}
