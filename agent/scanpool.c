/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The content-parser worker pool (scanpool.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "scanpool.h"
#include "scanproto.h"

#define READY_TIMEOUT_MS 10000
#define REAP_TRIES       40 /* 200 ms, then it is reaped later */
#define REAP_PAUSE_US    5000
/* killed workers still stuck in a read (a FUSE file that never answers) end only when the
 * read does; past this many, no new worker is started: memory stays bounded, and scans
 * are Class II until the reads return */
#define DYING_MAX        64

typedef struct {
	int sock;
	pid_t pid;
	guint gen;
	gboolean busy;
	guint files; /* requests answered */
} Worker;

struct _FutScanPool {
	GMutex lock;
	GCond cond;
	FutScanSpawner *spawner;
	GPtrArray *workers; /* Worker*, busy or idle */
	guint starting;     /* being started, counted against @max */
	guint max;
	guint timeout_ms;
	guint files_per_worker; /* a worker is replaced after answering this many */
	guint gen;
	GBytes *config; /* the config message for new workers */
	GArray *dying;  /* pid_t: killed, not reaped yet (stuck in a read that never ends) */
	guint64 next_id;
	gboolean landlock; /* the last worker started is under Landlock */
	FutScanPoolStats stats;
};

struct _FutScanJob {
	Worker *w;
	guint64 id;
	gint64 deadline; /* monotonic µs */
	gchar *failure;  /* set: no answer will come */
	guint64 size;
};

static GBytes *
config_message(GKeyFile *kf)
{
	g_autoptr(GKeyFile) only = g_key_file_new();
	g_auto(GStrv) keys = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;
	FutScanConfigHeader h = {FUT_SCAN_MAGIC_CONFIG, 0};
	GByteArray *out = g_byte_array_new();

	if (kf != NULL)
		keys = g_key_file_get_keys(kf, FUT_CLASSIFY_GROUP, NULL, NULL);
	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		g_autofree gchar *v = g_key_file_get_value(kf, FUT_CLASSIFY_GROUP, keys[i], NULL);
		if (v != NULL)
			g_key_file_set_value(only, FUT_CLASSIFY_GROUP, keys[i], v);
	}
	text = g_key_file_to_data(only, &len, NULL);
	h.len = (guint32)MIN(len, FUT_SCAN_CONFIG_MAX);
	g_byte_array_append(out, (const guint8 *)&h, sizeof(h));
	g_byte_array_append(out, (const guint8 *)text, h.len);
	return g_byte_array_free_to_bytes(out);
}

/* Kills (through the spawner) and reaps @w; returns how it ended, for a message. */
static gchar *
worker_destroy(FutScanPool *self, Worker *w)
{
	int status = 0;
	gchar *how;
	pid_t got = 0;

	/* an idle worker ends at the end of its socket; a busy one is killed */
	close(w->sock);
	fut_scan_spawner_kill(self->spawner, w->pid);
	for (guint i = 0; i < REAP_TRIES && got == 0; i++) {
		got = waitpid(w->pid, &status, WNOHANG);
		if (got == 0)
			g_usleep(REAP_PAUSE_US);
		else if (got < 0 && errno == EINTR)
			got = 0;
	}
	if (got <= 0) {
		/* A read the kernel does not interrupt (a FUSE request already in userspace)
		 * ends the worker only when it returns: reaped later. */
		g_mutex_lock(&self->lock);
		g_array_append_val(self->dying, w->pid);
		g_mutex_unlock(&self->lock);
		how = g_strdup(_("killed, still ending"));
		g_free(w);
		return how;
	}
	if (WIFSIGNALED(status))
		how = g_strdup_printf(_("killed by signal %d (%s)"), WTERMSIG(status),
		                      g_strsignal(WTERMSIG(status)));
	else
		how = g_strdup_printf(_("exited with status %d"), WEXITSTATUS(status));
	g_free(w);
	return how;
}

/* An idle worker has nothing to say: a readable or hung-up socket means it is gone. */
static gboolean
worker_idle_ok(Worker *w)
{
	struct pollfd p = {w->sock, POLLIN, 0};

	return poll(&p, 1, 0) == 0;
}

static gboolean
wait_readable(int sock, gint64 deadline)
{
	for (;;) {
		struct pollfd p = {sock, POLLIN, 0};
		gint64 left = deadline - g_get_monotonic_time();
		int rc;

		if (left < 0)
			left = 0;
		rc = poll(&p, 1, (int)MIN((left + 999) / 1000, G_MAXINT));
		if (rc > 0)
			return TRUE;
		if (rc == 0)
			return FALSE;
		if (errno != EINTR)
			return FALSE;
	}
}

/* Starts a worker and hands it the configuration; waits for its "ready". */
static Worker *
worker_start(FutScanPool *self, GBytes *config, guint gen, GError **error)
{
	Worker *w;
	pid_t pid = 0;
	int sock = fut_scan_spawner_spawn(self->spawner, &pid, error);
	guint32 ready[2] = {0, 0};
	ssize_t n;

	if (sock < 0)
		return NULL;
	w = g_new0(Worker, 1);
	w->sock = sock;
	w->pid = pid;
	w->gen = gen;
	if (send(sock, g_bytes_get_data(config, NULL), g_bytes_get_size(config), MSG_NOSIGNAL) <
	        0 ||
	    !wait_readable(sock, g_get_monotonic_time() + READY_TIMEOUT_MS * 1000) ||
	    (n = recv(sock, ready, sizeof(ready), 0)) != sizeof(ready) ||
	    ready[0] != FUT_SCAN_MAGIC_READY || ready[1] > 1) {
		g_autofree gchar *how = worker_destroy(self, w);
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
		            _("the classifier worker did not start (%s; see its message above)"),
		            how);
		return NULL;
	}
	g_mutex_lock(&self->lock);
	self->stats.started++;
	self->landlock = ready[1] == 1;
	g_mutex_unlock(&self->lock);
	return w;
}

FutScanPool *
fut_scan_pool_new(
    FutScanSpawner *spawner, guint workers, guint timeout_ms, GKeyFile *classify_kf, GError **error)
{
	FutScanPool *self = g_new0(FutScanPool, 1);
	Worker *w;

	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	self->spawner = spawner;
	self->workers = g_ptr_array_new();
	self->dying = g_array_new(FALSE, FALSE, sizeof(pid_t));
	self->max = MAX(workers, 1);
	self->timeout_ms = MAX(timeout_ms, 1);
	self->files_per_worker = FUT_SCAN_POOL_FILES_PER_WORKER;
	self->config = config_message(classify_kf);
	w = worker_start(self, self->config, self->gen, error);
	if (w == NULL) {
		fut_scan_pool_free(self);
		return NULL;
	}
	g_ptr_array_add(self->workers, w);
	return self;
}

void
fut_scan_pool_free(FutScanPool *self)
{
	if (self == NULL)
		return;
	for (guint i = 0; i < self->workers->len; i++)
		g_free(worker_destroy(self, g_ptr_array_index(self->workers, i)));
	g_ptr_array_unref(self->workers);
	fut_scan_spawner_free(self->spawner);
	/* the agent is ending: a worker still stuck is reaped by init after it */
	fut_scan_reap_ended(self->dying);
	g_array_unref(self->dying);
	g_bytes_unref(self->config);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	g_free(self);
}

void
fut_scan_pool_set_config(FutScanPool *self, GKeyFile *classify_kf)
{
	GBytes *config = config_message(classify_kf);
	GPtrArray *gone = g_ptr_array_new();

	g_mutex_lock(&self->lock);
	g_bytes_unref(self->config);
	self->config = config;
	self->gen++;
	for (guint i = self->workers->len; i-- > 0;) {
		Worker *w = g_ptr_array_index(self->workers, i);
		if (!w->busy)
			g_ptr_array_add(gone, g_ptr_array_steal_index(self->workers, i));
	}
	g_cond_broadcast(&self->cond);
	g_mutex_unlock(&self->lock);
	for (guint i = 0; i < gone->len; i++)
		g_free(worker_destroy(self, g_ptr_array_index(gone, i)));
	g_ptr_array_unref(gone);
}

void
fut_scan_pool_set_files_per_worker(FutScanPool *self, guint files)
{
	g_mutex_lock(&self->lock);
	self->files_per_worker = MAX(files, 1);
	g_mutex_unlock(&self->lock);
}

/* Removes @w from the pool (lock held). */
static void
forget(FutScanPool *self, Worker *w)
{
	g_ptr_array_remove_fast(self->workers, w);
	g_cond_broadcast(&self->cond);
}

/* A free worker of the current configuration, started if there is room; NULL with a reason
 * at the deadline. */
static Worker *
acquire(FutScanPool *self, gint64 deadline, gchar **ret_failure)
{
	g_mutex_lock(&self->lock);
	fut_scan_reap_ended(self->dying);
	for (;;) {
		Worker *found = NULL, *stale = NULL;

		for (guint i = 0; i < self->workers->len && found == NULL && stale == NULL; i++) {
			Worker *w = g_ptr_array_index(self->workers, i);
			if (w->busy)
				continue;
			if (w->gen == self->gen && worker_idle_ok(w))
				found = w;
			else
				stale = w;
		}
		if (found != NULL) {
			found->busy = TRUE;
			g_mutex_unlock(&self->lock);
			return found;
		}
		if (stale != NULL) {
			forget(self, stale);
			g_mutex_unlock(&self->lock);
			g_free(worker_destroy(self, stale));
			g_mutex_lock(&self->lock);
			continue;
		}
		if (self->workers->len + self->starting < self->max &&
		    self->dying->len >= DYING_MAX) {
			g_mutex_unlock(&self->lock);
			*ret_failure = g_strdup_printf(
			    _("%u classifier workers are stuck in reads that never return"),
			    self->dying->len);
			return NULL;
		}
		if (self->workers->len + self->starting < self->max) {
			g_autoptr(GBytes) config = g_bytes_ref(self->config);
			g_autoptr(GError) error = NULL;
			guint gen = self->gen;
			Worker *w;

			self->starting++;
			g_mutex_unlock(&self->lock);
			w = worker_start(self, config, gen, &error);
			g_mutex_lock(&self->lock);
			self->starting--;
			if (w != NULL) {
				w->busy = TRUE;
				g_ptr_array_add(self->workers, w);
			} else {
				*ret_failure = g_strdup(error->message);
			}
			g_cond_broadcast(&self->cond);
			g_mutex_unlock(&self->lock);
			return w;
		}
		if (!g_cond_wait_until(&self->cond, &self->lock, deadline)) {
			g_mutex_unlock(&self->lock);
			*ret_failure = g_strdup_printf(
			    _("no classifier worker was free within %u ms (all %u busy)"),
			    self->timeout_ms, self->max);
			return NULL;
		}
	}
}

/* Gives @w back, or ends it (@failed, or a reload happened meanwhile). Returns how it ended
 * when it was ended for @failed. */
static gchar *
release(FutScanPool *self, Worker *w, gboolean failed)
{
	gboolean keep;

	g_mutex_lock(&self->lock);
	/* A worker is not trusted for ever: one that a file has taken over could call
	 * every later file harmless, so after so many files it is replaced. */
	keep = !failed && w->gen == self->gen && w->files < self->files_per_worker;
	if (keep)
		w->busy = FALSE;
	else
		forget(self, w);
	if (!failed && w->files >= self->files_per_worker)
		self->stats.recycled++;
	g_cond_broadcast(&self->cond);
	g_mutex_unlock(&self->lock);
	if (keep)
		return NULL;
	if (!failed) {
		g_free(worker_destroy(self, w));
		return NULL;
	}
	return worker_destroy(self, w);
}

static gboolean
send_request(Worker *w, guint64 id, int fd)
{
	FutScanRequest req = {FUT_SCAN_MAGIC_REQUEST, 0, id};
	struct iovec iov = {&req, sizeof(req)};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = cbuf.buf,
	                     .msg_controllen = sizeof(cbuf.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	memset(cbuf.buf, 0, sizeof(cbuf.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		n = sendmsg(w->sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == sizeof(req);
}

FutScanJob *
fut_scan_pool_begin(FutScanPool *self, int fd)
{
	FutScanJob *job = g_new0(FutScanJob, 1);

	job->deadline = g_get_monotonic_time() + (gint64)self->timeout_ms * 1000;
	/* a worker that died while idle is noticed at acquire; one that dies between that
	 * and the send is the worker's fault, not the file's: one more try */
	for (guint tries = 0; tries < 2; tries++) {
		g_autofree gchar *how = NULL;

		g_clear_pointer(&job->failure, g_free);
		job->w = acquire(self, job->deadline, &job->failure);
		if (job->w == NULL)
			return job;
		g_mutex_lock(&self->lock);
		job->id = ++self->next_id;
		g_mutex_unlock(&self->lock);
		if (send_request(job->w, job->id, fd))
			return job;
		how = release(self, job->w, TRUE);
		job->w = NULL;
		job->failure =
		    g_strdup_printf(_("the classifier worker could not be reached (%s)"), how);
	}
	return job;
}

static FutContentResult *
failed(FutScanPool *self, const gchar *why)
{
	g_autofree gchar *text = g_strdup_printf(_("not scanned: %s"), why);
	FutContentResult *c = fut_scan_result_failed("worker", text);

	g_mutex_lock(&self->lock);
	self->stats.failures++;
	g_mutex_unlock(&self->lock);
	return c;
}

FutContentResult *
fut_scan_pool_finish(FutScanPool *self, FutScanJob *job)
{
	g_autofree guint8 *buf = NULL;
	g_autofree gchar *why = NULL;
	g_autofree gchar *how = NULL;
	g_autoptr(GError) error = NULL;
	FutContentResult *c = NULL;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} cbuf;
	struct iovec iov;
	struct msghdr msg = {0};
	ssize_t n;
	gboolean fds = FALSE;

	if (job->w == NULL) {
		c = failed(self, job->failure);
		goto out;
	}
	if (!wait_readable(job->w->sock, job->deadline)) {
		how = release(self, job->w, TRUE);
		why =
		    g_strdup_printf(_("the content parser took longer than %u ms and was stopped"),
		                    self->timeout_ms);
		c = failed(self, why);
		goto out;
	}
	buf = g_malloc(FUT_SCAN_REPLY_MAX + 1);
	iov.iov_base = buf;
	iov.iov_len = FUT_SCAN_REPLY_MAX + 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	do
		n = recvmsg(job->w->sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	/* the worker sends no descriptors: any it sent are closed and the reply refused */
	for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm != NULL;
	     cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (gsize i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int got;
			memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			close(got);
			fds = TRUE;
		}
	}
	if (n <= 0) {
		how = release(self, job->w, TRUE);
		why =
		    g_strdup_printf(_("the content parser ended while reading the file (%s)"), how);
		c = failed(self, why);
		goto out;
	}
	if (fds || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
		how = release(self, job->w, TRUE);
		c = failed(self, fds ? _("malformed worker reply: it carried descriptors")
		                     : _("malformed worker reply: longer than the limit"));
		goto out;
	}
	c = fut_scan_reply_parse(buf, (gsize)n, job->id, &error);
	if (c == NULL) {
		how = release(self, job->w, TRUE);
		c = failed(self, error->message);
		goto out;
	}
	job->w->files++;
	release(self, job->w, FALSE);
	g_mutex_lock(&self->lock);
	self->stats.scanned++;
	g_mutex_unlock(&self->lock);
out:
	g_free(job->failure);
	g_free(job);
	return c;
}

gboolean
fut_scan_pool_get_landlock(FutScanPool *self)
{
	gboolean on;

	g_mutex_lock(&self->lock);
	on = self->landlock;
	g_mutex_unlock(&self->lock);
	return on;
}

void
fut_scan_pool_get_stats(FutScanPool *self, FutScanPoolStats *ret)
{
	g_mutex_lock(&self->lock);
	*ret = self->stats;
	g_mutex_unlock(&self->lock);
}
