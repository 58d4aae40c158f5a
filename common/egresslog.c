/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "egresslog.h"
#include "errors.h"
#include "linereader.h"
#include "merkle.h"
#include "util.h"

struct _FutEgressLog {
	GMutex lock;
	gchar *dir;
	int dirfd;
	gchar *host;
	const FutKey *key; /* borrowed */
	FutEgressLogOptions opts;
	gchar *version;

	int fd;          /* the month file being written, O_APPEND */
	gchar month[8];  /* its month */
	guint64 offset;  /* its size: where the next record starts */
	FutMerkle *tree; /* over its records */

	gint64 next_seq;
	guint8 last_hash[FUT_SHA256_LEN];
	gint64 last_time_us;

	guint since_checkpoint; /* records (not checkpoints) since the last checkpoint */
	gint64 checkpoint_time_us;
};

static gint64
log_now(FutEgressLog *log)
{
	if (log->opts.clock_func != NULL)
		return log->opts.clock_func(log->opts.clock_data);
	return g_get_real_time();
}

gboolean
fut_egress_log_file_month(const gchar *name, gchar ret_month[8])
{
	gchar m[8];

	if (strlen(name) != strlen("egress-YYYY-MM.jsonl") || !g_str_has_prefix(name, "egress-") ||
	    !g_str_has_suffix(name, ".jsonl"))
		return FALSE;
	memcpy(m, name + 7, 7);
	m[7] = '\0';
	for (gint i = 0; i < 7; i++) {
		if (i == 4 ? m[i] != '-' : !g_ascii_isdigit(m[i]))
			return FALSE;
	}
	if (!((m[5] == '0' && m[6] >= '1') || (m[5] == '1' && m[6] <= '2')))
		return FALSE;
	memcpy(ret_month, m, 8);
	return TRUE;
}

static gint
month_index(const gchar *month)
{
	return atoi(month) * 12 + atoi(month + 5) - 1;
}

static void
month_from_index(gint idx, gchar ret_month[8])
{
	g_snprintf(ret_month, 8, "%04d-%02d", (idx / 12) % 10000, idx % 12 + 1);
}

void
fut_log_month_next(const gchar *month, gchar ret_month[8])
{
	month_from_index(month_index(month) + 1, ret_month);
}

void
fut_log_month_prev(const gchar *month, gchar ret_month[8])
{
	month_from_index(month_index(month) - 1, ret_month);
}

gint
fut_log_month_diff(const gchar *a, const gchar *b)
{
	return month_index(a) - month_index(b);
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

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* Returns the month file names of @dirfd, sorted oldest first. */
static GPtrArray *
list_months(int dirfd, GError **error)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	int fd = dup(dirfd);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return fut_error_set_errno(error, errno, "log directory"), NULL;
	d = fdopendir(fd);
	if (d == NULL) {
		int e = errno;
		close(fd);
		fut_error_set_errno(error, e, "log directory");
		return NULL;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		gchar m[8];
		if (fut_egress_log_file_month(de->d_name, m))
			g_ptr_array_add(names, g_strdup(de->d_name));
	}
	closedir(d);
	g_ptr_array_sort(names, compare_names);
	return g_steal_pointer(&names);
}

/* What a scan of one month file found. */
typedef struct {
	FutMerkle *tree;
	gboolean have_record;
	gint64 last_seq;
	guint8 last_hash[FUT_SHA256_LEN];
	gint64 last_time_us;
	gchar *last_event;
	gchar *prev_event;
	guint since_checkpoint;
	guint64 good_end; /* offset just after the last valid record's LF */
	guint64 file_size;
} ScanResult;

static void
scan_result_clear(ScanResult *s)
{
	g_clear_pointer(&s->tree, fut_merkle_free);
	g_clear_pointer(&s->last_event, g_free);
	g_clear_pointer(&s->prev_event, g_free);
}

static gboolean
scan_file(int dirfd, const gchar *name, ScanResult *res, GError **error)
{
	g_autoptr(FutLineReader) reader = NULL;
	g_autoptr(GError) rerr = NULL;
	FutLine l;

	memset(res, 0, sizeof(*res));
	res->tree = fut_merkle_new();
	/* O_NONBLOCK|O_NOFOLLOW and fstat(): a FIFO or a link is refused, never waited on;
	 * read(), not a mapping: a file cut while it is read is an error, not a SIGBUS. */
	reader = fut_line_reader_open(dirfd, name, FUT_LOG_LINE_MAX, error);
	if (reader == NULL)
		return FALSE;
	res->file_size = fut_line_reader_size(reader);
	while (fut_line_reader_next(reader, &l, &rerr)) {
		g_autoptr(FutLogRecord) rec = NULL;
		if (!l.has_lf)
			break; /* an unterminated tail is never a record */
		rec = l.cut ? NULL : fut_log_record_parse(l.data, l.len, NULL);
		if (rec != NULL) {
			fut_merkle_append(res->tree, l.data, l.len);
			res->have_record = TRUE;
			res->last_seq = rec->seq;
			memcpy(res->last_hash, rec->hash, FUT_SHA256_LEN);
			res->last_time_us = rec->time_us;
			g_free(res->prev_event);
			res->prev_event = g_steal_pointer(&res->last_event);
			res->last_event = g_strdup(rec->ev->event);
			if (g_strcmp0(rec->ev->event, FUT_LOG_EV_CHECKPOINT) == 0)
				res->since_checkpoint = 0;
			else
				res->since_checkpoint++;
			res->good_end = l.offset + l.full_len;
		}
	}
	if (rerr != NULL) {
		g_propagate_error(error, g_steal_pointer(&rerr));
		return FALSE;
	}
	return TRUE;
}

/* SHA-256 of @len bytes at @offset of @name, read in pieces (the region may be large). Its
 * last byte is returned in @ret_last. */
static gboolean
hash_region(int dirfd,
            const gchar *name,
            guint64 offset,
            guint64 len,
            guint8 digest[FUT_SHA256_LEN],
            gchar *ret_last,
            GError **error)
{
	g_autoptr(FutLineReader) reader = fut_line_reader_open(dirfd, name, 1, error);
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize dlen = FUT_SHA256_LEN;
	guint64 done = 0;

	if (reader == NULL)
		return FALSE;
	while (done < len) {
		gsize n = (gsize)MIN(len - done, (guint64)(1024 * 1024));
		g_autofree gchar *piece = fut_line_reader_pread(reader, offset + done, n, error);
		if (piece == NULL)
			return FALSE;
		g_checksum_update(sum, (const guchar *)piece, n);
		*ret_last = piece[n - 1];
		done += n;
	}
	g_checksum_get_digest(sum, digest, &dlen);
	return TRUE;
}

static gboolean
sync_dir(FutEgressLog *log, GError **error)
{
	if (fsync(log->dirfd) < 0)
		return fut_error_set_errno(error, errno, "log directory");
	return TRUE;
}

static gboolean
open_month_file(FutEgressLog *log, const gchar *month, GError **error)
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

static gboolean
write_all(int fd, const gchar *buf, gsize len)
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
static gboolean
write_record(FutEgressLog *log,
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
	if (!write_all(log->fd, line, len + 1) || (durable && fdatasync(log->fd) < 0)) {
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

static gboolean
write_checkpoint(FutEgressLog *log, gint64 now, const gchar *trigger, GError **error)
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
	if (!write_record(log, ev, now, TRUE, NULL, error))
		return FALSE;
	log->since_checkpoint = 0;
	log->checkpoint_time_us = now;
	if (log->opts.checkpoint_func != NULL)
		log->opts.checkpoint_func(cp, log->opts.checkpoint_data);
	return TRUE;
}

/* Moves to the month of @now when it is later than the file's month, sealing the old month
 * with a checkpoint first. A clock that went back to an earlier month stays in the file. */
static gboolean
ensure_month(FutEgressLog *log, gint64 now, GError **error)
{
	gchar month[8];

	fut_log_time_month(now, month);
	if (strcmp(month, log->month) <= 0)
		return TRUE;
	if (!write_checkpoint(log, now, "rotation", error))
		return FALSE;
	g_clear_pointer(&log->tree, fut_merkle_free);
	log->tree = fut_merkle_new();
	if (!open_month_file(log, month, error)) {
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
	gint64 now = log_now(log);

	if (!ensure_month(log, now, error))
		return FALSE;
	if (now < log->last_time_us) {
		g_autoptr(FutLogEvent) gap = fut_log_event_new_gap(FUT_LOG_GAP_CLOCK_JUMP, NULL);
		g_autofree gchar *from = fut_log_time_format(log->last_time_us);
		g_autofree gchar *to = fut_log_time_format(now);
		fut_log_event_set_detail(gap, "from", from);
		fut_log_event_set_detail(gap, "to", to);
		if (!write_record(log, gap, now, FALSE, NULL, error))
			return FALSE;
	}
	if (!write_record(log, ev, now, durable, ret_seq, error))
		return FALSE;
	if (log->since_checkpoint >= log->opts.checkpoint_records || checkpoint_due(log, now)) {
		/* The caller's record is written (and synced if asked): that is what this call
		 * reports. A checkpoint that fails here is tried again on the next append or
		 * tick, which fail themselves if the log cannot be written. */
		(void)write_checkpoint(log, now, "interval", NULL);
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
fut_egress_log_checkpoint(FutEgressLog *log, GError **error)
{
	gboolean ok;

	g_mutex_lock(&log->lock);
	ok = ensure_month(log, log_now(log), error) &&
	     write_checkpoint(log, log_now(log), "request", error);
	g_mutex_unlock(&log->lock);
	return ok;
}

gboolean
fut_egress_log_tick(FutEgressLog *log, GError **error)
{
	gboolean ok = TRUE;
	gint64 now;

	g_mutex_lock(&log->lock);
	now = log_now(log);
	ok = ensure_month(log, now, error);
	if (ok && log->since_checkpoint > 0 && checkpoint_due(log, now))
		ok = write_checkpoint(log, now, "interval", error);
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
	now = log_now(log);
	ok = ensure_month(log, now, error);
	if (ok)
		ok = write_record(log, ev, MAX(now, log->last_time_us), FALSE, NULL, error);
	if (ok)
		ok = write_checkpoint(log, now, "stop", error);
	g_mutex_unlock(&log->lock);
	fut_egress_log_free(log);
	return ok;
}

/* The recovery at open: see the header. */
static gboolean
recover(FutEgressLog *log, GError **error)
{
	g_autoptr(GPtrArray) names = NULL;
	ScanResult cur = {0};
	ScanResult chain = {0};
	gboolean have_chain = FALSE;
	gboolean clean = TRUE;
	gboolean ok = FALSE;
	gint64 now = log_now(log);
	gchar month[8];

	names = list_months(log->dirfd, error);
	if (names == NULL)
		return FALSE;
	fut_log_time_month(now, month);
	log->next_seq = 0;
	memset(log->last_hash, 0, FUT_SHA256_LEN);
	if (names->len == 0) {
		log->tree = fut_merkle_new();
		ok = open_month_file(log, month, error);
		goto out_fresh;
	}

	/* The newest file is the one written last; its chain state may come from an older
	 * file when it holds no record yet (a crash right after rotation). */
	if (!scan_file(log->dirfd, g_ptr_array_index(names, names->len - 1), &cur, error))
		goto out;
	if (cur.have_record) {
		have_chain = TRUE;
	} else {
		for (guint i = names->len - 1; i > 0 && !have_chain; i--) {
			scan_result_clear(&chain);
			if (!scan_file(log->dirfd, g_ptr_array_index(names, i - 1), &chain, error))
				goto out;
			have_chain = chain.have_record;
		}
	}
	{
		const ScanResult *st = cur.have_record ? &cur : &chain;
		if (have_chain) {
			log->next_seq = st->last_seq + 1;
			memcpy(log->last_hash, st->last_hash, FUT_SHA256_LEN);
			log->last_time_us = st->last_time_us;
			clean = g_strcmp0(st->last_event, FUT_LOG_EV_CHECKPOINT) == 0 &&
			        g_strcmp0(st->prev_event, FUT_LOG_EV_AGENT_STOP) == 0;
		}
	}
	{
		gchar newest[8];
		fut_egress_log_file_month(g_ptr_array_index(names, names->len - 1), newest);
		log->tree = g_steal_pointer(&cur.tree);
		log->since_checkpoint = cur.since_checkpoint;
		if (!open_month_file(log, newest, error))
			goto out;
	}

	/* A partial or unreadable tail stays as evidence: end it with a LF so the next record
	 * starts on its own line, and name it in a gap record. */
	if (cur.file_size > cur.good_end) {
		g_autoptr(FutLogEvent) gap = NULL;
		g_autofree gchar *digest_hex = NULL;
		g_autofree gchar *name = g_strdup_printf("egress-%s.jsonl", log->month);
		guint8 digest[FUT_SHA256_LEN];
		guint64 torn_len = cur.file_size - cur.good_end;
		gchar last = '\n';

		if (!hash_region(log->dirfd, name, cur.good_end, torn_len, digest, &last, error))
			goto out;
		digest_hex = fut_hex_encode(digest, FUT_SHA256_LEN);
		if (last != '\n') {
			if (!write_all(log->fd, "\n", 1)) {
				fut_error_set_errno(error, errno, name);
				goto out;
			}
			log->offset++;
		}
		gap = fut_log_event_new_gap(FUT_LOG_GAP_TORN_TAIL,
		                            "bytes after the last complete record were kept");
		fut_log_event_set_detail_int(gap, "offset", (gint64)cur.good_end);
		fut_log_event_set_detail_int(gap, "length", (gint64)torn_len);
		fut_log_event_set_detail(gap, "sha256", digest_hex);
		fut_log_event_set_detail(gap, "file", name);
		if (!write_record(log, gap, MAX(now, log->last_time_us), TRUE, NULL, error))
			goto out;
		clean = FALSE;
	}
	if (!ensure_month(log, now, error))
		goto out;
	if (have_chain && !clean) {
		g_autoptr(FutLogEvent) gap = fut_log_event_new_gap(
		    FUT_LOG_GAP_UNCLEAN_STOP, "the previous run did not end with agent.stop");
		g_autofree gchar *last = fut_log_time_format(log->last_time_us);
		fut_log_event_set_detail(gap, "last_record_time", last);
		fut_log_event_set_detail_int(gap, "last_seq", log->next_seq - 1);
		if (!write_record(log, gap, MAX(now, log->last_time_us), TRUE, NULL, error))
			goto out;
	}
	ok = TRUE;
out_fresh:
	if (ok) {
		g_autoptr(FutLogEvent) start = fut_log_event_new(FUT_LOG_EV_AGENT_START);
		guint8 pub[FUT_ED25519_PUBLIC_LEN];
		g_autofree gchar *pub_hex = NULL;
		g_autofree gchar *kid = fut_key_dup_id_string(log->key);
		fut_key_get_public(log->key, pub);
		pub_hex = fut_hex_encode(pub, sizeof(pub));
		fut_log_event_set_detail(start, "key", pub_hex);
		fut_log_event_set_detail(start, "key_id", kid);
		if (log->version != NULL)
			fut_log_event_set_detail(start, "version", log->version);
		ok = write_record(log, start, MAX(now, log->last_time_us), TRUE, NULL, error) &&
		     write_checkpoint(log, now, "start", error);
	}
out:
	scan_result_clear(&cur);
	scan_result_clear(&chain);
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
	if (!recover(log, error)) {
		g_prefix_error(error, "%s: ", safe);
		return NULL;
	}
	return g_steal_pointer(&log);
}

gboolean
fut_egress_log_prune(
    const gchar *dir, guint retention_months, gint64 now_us, GStrv *ret_deleted, GError **error)
{
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GStrvBuilder) deleted = g_strv_builder_new();
	g_autofree gchar *safe = fut_strescape(dir, -1);
	gchar now_month[8];
	int dirfd;

	if (retention_months == 0)
		retention_months = FUT_EGRESS_LOG_RETENTION_DEFAULT;
	if (retention_months < FUT_EGRESS_LOG_RETENTION_MIN) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("log retention of %u months is below the policy minimum of %d"),
		            retention_months, FUT_EGRESS_LOG_RETENTION_MIN);
		return FALSE;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dirfd < 0)
		return fut_error_set_errno(error, errno, safe);
	names = list_months(dirfd, error);
	if (names == NULL) {
		close(dirfd);
		return FALSE;
	}
	fut_log_time_month(now_us, now_month);
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		gchar m[8];
		fut_egress_log_file_month(name, m);
		if (fut_log_month_diff(now_month, m) <= (gint)retention_months)
			continue;
		if (unlinkat(dirfd, name, 0) < 0) {
			int e = errno;
			close(dirfd);
			return fut_error_set_errno(error, e, name);
		}
		g_strv_builder_add(deleted, name);
	}
	fsync(dirfd);
	close(dirfd);
	if (ret_deleted != NULL)
		*ret_deleted = g_strv_builder_end(deleted);
	return TRUE;
}
