/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "egresslog-priv.h"
#include "errors.h"
#include "util.h"

/* The writer: appends records to the hash chain, signs checkpoints, moves to the next month
 * file, closes with agent.stop. Recovery at open is in egresslog-recover.c, the month files
 * in egresslog-months.c. */

gint64
fut_egress_log_now(FutEgressLog *log)
{
	if (log->opts.clock_func != NULL)
		return log->opts.clock_func(log->opts.clock_data);
	return g_get_real_time();
}

static gboolean
host_valid(const gchar *host)
{
	gsize n = 0;

	if (host == NULL || host[0] == '\0')
		return FALSE;
	for (const gchar *p = host; *p; p++, n++) {
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-')
			return FALSE;
	}
	return n <= 64;
}

static gboolean
sync_dir(FutEgressLog *log, GError **error)
{
	if (fsync(log->dirfd) < 0)
		return fut_error_set_errno(error, errno, "log directory");
	return TRUE;
}

gboolean
fut_egress_log_open_month_file(FutEgressLog *log, const gchar *month, GError **error)
{
	g_autofree gchar *name = g_strdup_printf("egress-%s.jsonl", month);
	struct stat st;
	int fd;

	fd = openat(log->dirfd, name,
	            O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
	if (fd < 0)
		return fut_error_set_errno(error, errno, name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("%s: not a regular file"),
		            name);
		return FALSE;
	}
	if (log->fd >= 0)
		close(log->fd);
	log->fd = fd;
	log->offset = (guint64)st.st_size;
	g_strlcpy(log->month, month, sizeof(log->month));
	/* The new name must survive a crash as well as the records in it. */
	return sync_dir(log, error);
}

gboolean
fut_egress_log_write_all(int fd, const gchar *buf, gsize len)
{
	gsize done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return FALSE;
		}
		done += (gsize)n;
	}
	return TRUE;
}

/* Writes one record at @time_us, without any checkpoint or rotation logic. */
gboolean
fut_egress_log_write_record(FutEgressLog *log,
                            const FutLogEvent *ev,
                            gint64 time_us,
                            gboolean durable,
                            gint64 *ret_seq,
                            GError **error)
{
	FutLogRecord rec = {0};
	g_autofree gchar *line = NULL;
	gsize len = 0;

	if (log->fd < 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
		            _("the egress log is not open after an earlier failure"));
		return FALSE;
	}
	rec.seq = log->next_seq;
	rec.time_us = time_us;
	rec.host = log->host;
	rec.ev = (FutLogEvent *)ev;
	memcpy(rec.prev, log->last_hash, FUT_SHA256_LEN);
	line = fut_log_record_encode(&rec, &len);
	if (len > FUT_LOG_LINE_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("log record of %zu bytes is over the limit of %d"), len,
		            FUT_LOG_LINE_MAX);
		return FALSE;
	}
	/* Fields set directly rather than through the setters could hold what the reader
	 * refuses; such a record would later look like damage. Refuse it now instead. */
	{
		g_autoptr(GError) local = NULL;
		g_autoptr(FutLogRecord) back = fut_log_record_parse(line, len, &local);
		if (back == NULL) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("refusing a %s record the reader would not accept: %s"),
			            ev->event, local->message);
			return FALSE;
		}
	}
	line[len] = '\n'; /* the encoder's NUL: the line goes out in one write() */
	if (!fut_egress_log_write_all(log->fd, line, len + 1) ||
	    (durable && fdatasync(log->fd) < 0)) {
		int e = errno;
		/* Take back a partial line so the next record starts on a clean line; if even
		 * that fails, stop writing: the next open records the torn tail. */
		if (ftruncate(log->fd, (off_t)log->offset) < 0) {
			close(log->fd);
			log->fd = -1;
		}
		return fut_error_set_errno(error, e, _("writing the egress log"));
	}
	line[len] = '\0';
	log->offset += len + 1;
	fut_merkle_append(log->tree, line, len);
	log->next_seq++;
	memcpy(log->last_hash, rec.hash, FUT_SHA256_LEN);
	log->last_time_us = time_us;
	if (g_strcmp0(ev->event, FUT_LOG_EV_CHECKPOINT) != 0)
		log->since_checkpoint++;
	if (ret_seq != NULL)
		*ret_seq = rec.seq;
	if (log->opts.record_func != NULL)
		log->opts.record_func(&rec, line, len, log->opts.record_data);
	return TRUE;
}

gboolean
fut_egress_log_write_checkpoint(FutEgressLog *log, gint64 now, const gchar *trigger, GError **error)
{
	g_autoptr(FutLogCheckpoint) cp = g_new0(FutLogCheckpoint, 1);
	g_autoptr(FutLogEvent) ev = fut_log_event_new(FUT_LOG_EV_CHECKPOINT);
	g_autofree gchar *root = NULL;
	g_autofree gchar *last = NULL;
	g_autofree gchar *kid = NULL;
	g_autofree gchar *pub = NULL;
	g_autofree gchar *sig = NULL;

	if (now < log->last_time_us)
		now = log->last_time_us;
	cp->host = g_strdup(log->host);
	g_strlcpy(cp->month, log->month, sizeof(cp->month));
	cp->size = fut_merkle_size(log->tree);
	fut_merkle_root(log->tree, cp->root);
	cp->last_seq = log->next_seq - 1;
	memcpy(cp->last_hash, log->last_hash, FUT_SHA256_LEN);
	cp->time_us = now;
	if (!fut_log_checkpoint_sign(cp, log->key, error))
		return FALSE;
	root = fut_hex_encode(cp->root, FUT_SHA256_LEN);
	last = fut_hex_encode(cp->last_hash, FUT_SHA256_LEN);
	kid = fut_hex_encode(cp->key_id, FUT_KEY_ID_LEN);
	pub = fut_hex_encode(cp->pub, FUT_ED25519_PUBLIC_LEN);
	sig = fut_hex_encode(cp->sig, FUT_ED25519_SIG_LEN);
	fut_log_event_set_detail(ev, "month", cp->month);
	fut_log_event_set_detail_int(ev, "size", (gint64)cp->size);
	fut_log_event_set_detail(ev, "root", root);
	fut_log_event_set_detail_int(ev, "last_seq", cp->last_seq);
	fut_log_event_set_detail(ev, "last_hash", last);
	fut_log_event_set_detail(ev, "key_id", kid);
	fut_log_event_set_detail(ev, "key", pub);
	fut_log_event_set_detail(ev, "sig", sig);
	fut_log_event_set_detail(ev, "trigger", trigger);
	if (!fut_egress_log_write_record(log, ev, now, TRUE, NULL, error))
		return FALSE;
	log->since_checkpoint = 0;
	log->checkpoint_time_us = now;
	if (log->opts.checkpoint_func != NULL)
		log->opts.checkpoint_func(cp, log->opts.checkpoint_data);
	return TRUE;
}

/* Moves to the month of @now when it is later than the file's month, sealing the old month
 * with a checkpoint first. A clock that went back to an earlier month stays in the file. */
gboolean
fut_egress_log_ensure_month(FutEgressLog *log, gint64 now, GError **error)
{
	gchar month[8];

	fut_log_time_month(now, month);
	if (strcmp(month, log->month) <= 0)
		return TRUE;
	if (!fut_egress_log_write_checkpoint(log, now, "rotation", error))
		return FALSE;
	g_clear_pointer(&log->tree, fut_merkle_free);
	log->tree = fut_merkle_new();
	if (!fut_egress_log_open_month_file(log, month, error)) {
		close(log->fd);
		log->fd = -1;
		return FALSE;
	}
	return TRUE;
}

/* An interval checkpoint is due once checkpoint_seconds have passed, or at once when the
 * clock reads earlier than the last checkpoint (it was set back): waiting for it to catch up
 * would leave records unsigned, and without a witness, for as long as the jump. */
static gboolean
checkpoint_due(FutEgressLog *log, gint64 now)
{
	return now < log->checkpoint_time_us ||
	       now - log->checkpoint_time_us >=
	           (gint64)log->opts.checkpoint_seconds * G_USEC_PER_SEC;
}

static gboolean
append_locked(
    FutEgressLog *log, const FutLogEvent *ev, gboolean durable, gint64 *ret_seq, GError **error)
{
	gint64 now = fut_egress_log_now(log);

	if (!fut_egress_log_ensure_month(log, now, error))
		return FALSE;
	if (now < log->last_time_us) {
		g_autoptr(FutLogEvent) gap = fut_log_event_new_gap(FUT_LOG_GAP_CLOCK_JUMP, NULL);
		g_autofree gchar *from = fut_log_time_format(log->last_time_us);
		g_autofree gchar *to = fut_log_time_format(now);
		fut_log_event_set_detail(gap, "from", from);
		fut_log_event_set_detail(gap, "to", to);
		if (!fut_egress_log_write_record(log, gap, now, FALSE, NULL, error))
			return FALSE;
	}
	if (!fut_egress_log_write_record(log, ev, now, durable, ret_seq, error))
		return FALSE;
	if (log->since_checkpoint >= log->opts.checkpoint_records || checkpoint_due(log, now)) {
		/* The caller's record is written (and synced if asked): that is what this call
		 * reports. A checkpoint that fails here is tried again on the next append or
		 * tick, which fail themselves if the log cannot be written. */
		(void)fut_egress_log_write_checkpoint(log, now, "interval", NULL);
	}
	return TRUE;
}

gboolean
fut_egress_log_append(FutEgressLog *log,
                      const FutLogEvent *ev,
                      FutEgressLogAppendFlags flags,
                      gint64 *ret_seq,
                      GError **error)
{
	gboolean ok;

	g_return_val_if_fail(log != NULL && ev != NULL, FALSE);
	if (g_strcmp0(ev->event, FUT_LOG_EV_CHECKPOINT) == 0 ||
	    g_strcmp0(ev->event, FUT_LOG_EV_AGENT_START) == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s records are written by the log itself"), ev->event);
		return FALSE;
	}
	g_mutex_lock(&log->lock);
	ok = append_locked(log, ev, (flags & FUT_EGRESS_LOG_APPEND_DURABLE) != 0, ret_seq, error);
	g_mutex_unlock(&log->lock);
	return ok;
}

gboolean
fut_egress_log_sync(FutEgressLog *log, GError **error)
{
	gboolean ok = TRUE;

	g_return_val_if_fail(log != NULL, FALSE);
	g_mutex_lock(&log->lock);
	if (log->fd < 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
		            _("the egress log is not open after an earlier failure"));
		ok = FALSE;
	} else if (fdatasync(log->fd) < 0) {
		ok = fut_error_set_errno(error, errno, _("writing the egress log"));
	}
	g_mutex_unlock(&log->lock);
	return ok;
}

gboolean
fut_egress_log_checkpoint(FutEgressLog *log, GError **error)
{
	gboolean ok;

	g_mutex_lock(&log->lock);
	ok = fut_egress_log_ensure_month(log, fut_egress_log_now(log), error) &&
	     fut_egress_log_write_checkpoint(log, fut_egress_log_now(log), "request", error);
	g_mutex_unlock(&log->lock);
	return ok;
}

gboolean
fut_egress_log_tick(FutEgressLog *log, GError **error)
{
	gboolean ok = TRUE;
	gint64 now;

	g_mutex_lock(&log->lock);
	now = fut_egress_log_now(log);
	ok = fut_egress_log_ensure_month(log, now, error);
	if (ok && log->since_checkpoint > 0 && checkpoint_due(log, now))
		ok = fut_egress_log_write_checkpoint(log, now, "interval", error);
	g_mutex_unlock(&log->lock);
	return ok;
}

gint64
fut_egress_log_get_next_seq(FutEgressLog *log)
{
	gint64 seq;

	g_mutex_lock(&log->lock);
	seq = log->next_seq;
	g_mutex_unlock(&log->lock);
	return seq;
}

gchar *
fut_egress_log_dup_current_path(FutEgressLog *log)
{
	gchar *path;

	g_mutex_lock(&log->lock);
	path = g_strdup_printf("%s/egress-%s.jsonl", log->dir, log->month);
	g_mutex_unlock(&log->lock);
	return path;
}

void
fut_egress_log_free(FutEgressLog *log)
{
	if (log == NULL)
		return;
	if (log->fd >= 0)
		close(log->fd);
	if (log->dirfd >= 0)
		close(log->dirfd);
	g_clear_pointer(&log->tree, fut_merkle_free);
	g_free(log->dir);
	g_free(log->host);
	g_free(log->version);
	g_mutex_clear(&log->lock);
	g_free(log);
}

gboolean
fut_egress_log_close(FutEgressLog *log, const gchar *reason, GError **error)
{
	g_autoptr(FutLogEvent) ev = NULL;
	gboolean ok;
	gint64 now;

	if (log == NULL)
		return TRUE;
	ev = fut_log_event_new(FUT_LOG_EV_AGENT_STOP);
	if (reason != NULL)
		fut_log_event_set_decision(ev, NULL, reason);
	g_mutex_lock(&log->lock);
	now = fut_egress_log_now(log);
	ok = fut_egress_log_ensure_month(log, now, error);
	if (ok)
		ok = fut_egress_log_write_record(log, ev, MAX(now, log->last_time_us), FALSE, NULL,
		                                 error);
	if (ok)
		ok = fut_egress_log_write_checkpoint(log, now, "stop", error);
	g_mutex_unlock(&log->lock);
	fut_egress_log_free(log);
	return ok;
}

FutEgressLog *
fut_egress_log_open(const gchar *dir,
                    const gchar *host,
                    const FutKey *host_key,
                    const FutEgressLogOptions *opts,
                    GError **error)
{
	g_autoptr(FutEgressLog) log = NULL;
	g_autofree gchar *safe = fut_strescape(dir, -1);

	g_return_val_if_fail(dir != NULL && host_key != NULL, NULL);
	if (!host_valid(host)) {
		g_autofree gchar *h = fut_strescape(host, -1);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("host name \"%s\" is not 1-64 characters of A-Z a-z 0-9 . _ -"), h);
		return NULL;
	}
	if (!fut_key_has_private(host_key)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the host key has no private part: cannot sign checkpoints"));
		return NULL;
	}
	log = g_new0(FutEgressLog, 1);
	g_mutex_init(&log->lock);
	log->fd = -1;
	log->dirfd = -1;
	log->dir = g_strdup(dir);
	log->host = g_strdup(host);
	if (opts != NULL)
		log->opts = *opts;
	log->version = g_strdup(log->opts.version);
	log->opts.version = NULL;
	if (log->opts.checkpoint_records == 0)
		log->opts.checkpoint_records = FUT_EGRESS_LOG_CHECKPOINT_RECORDS_DEFAULT;
	if (log->opts.checkpoint_seconds == 0)
		log->opts.checkpoint_seconds = FUT_EGRESS_LOG_CHECKPOINT_SECONDS_DEFAULT;
	log->key = host_key;
	if (g_mkdir_with_parents(dir, 0750) < 0)
		return fut_error_set_errno(error, errno, safe), NULL;
	log->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (log->dirfd < 0)
		return fut_error_set_errno(error, errno, safe), NULL;
	/* Two writers would fork the chain: one log directory, one writer. The lock goes with
	 * the descriptor, so a killed agent does not keep it. */
	if (flock(log->dirfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_EXISTS,
			            _("%s: the egress log is already open in another writer"),
			            safe);
			return NULL;
		}
		return fut_error_set_errno(error, errno, safe), NULL;
	}
	if (!fut_egress_log_recover(log, error)) {
		g_prefix_error(error, "%s: ", safe);
		return NULL;
	}
	return g_steal_pointer(&log);
}
