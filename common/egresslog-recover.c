/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "egresslog-priv.h"
#include "errors.h"
#include "linereader.h"
#include "util.h"

/* The recovery when a log is opened (see fut_egress_log_open()): the chain state from the
 * newest month file, a torn tail kept and named in a gap record, an unclean stop recorded,
 * then agent.start and a checkpoint. */

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

/* The recovery at open: see the header. */
gboolean
fut_egress_log_recover(FutEgressLog *log, GError **error)
{
	g_autoptr(GPtrArray) names = NULL;
	ScanResult cur = {0};
	ScanResult chain = {0};
	gboolean have_chain = FALSE;
	gboolean clean = TRUE;
	gboolean ok = FALSE;
	gint64 now = fut_egress_log_now(log);
	gchar month[8];

	names = fut_egress_log_list_months(log->dirfd, error);
	if (names == NULL)
		return FALSE;
	fut_log_time_month(now, month);
	log->next_seq = 0;
	memset(log->last_hash, 0, FUT_SHA256_LEN);
	if (names->len == 0) {
		log->tree = fut_merkle_new();
		ok = fut_egress_log_open_month_file(log, month, error);
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
		if (!fut_egress_log_open_month_file(log, newest, error))
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
			if (!fut_egress_log_write_all(log->fd, "\n", 1)) {
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
		if (!fut_egress_log_write_record(log, gap, MAX(now, log->last_time_us), TRUE, NULL,
		                                 error))
			goto out;
		clean = FALSE;
	}
	if (!fut_egress_log_ensure_month(log, now, error))
		goto out;
	if (have_chain && !clean) {
		g_autoptr(FutLogEvent) gap = fut_log_event_new_gap(
		    FUT_LOG_GAP_UNCLEAN_STOP, "the previous run did not end with agent.stop");
		g_autofree gchar *last = fut_log_time_format(log->last_time_us);
		fut_log_event_set_detail(gap, "last_record_time", last);
		fut_log_event_set_detail_int(gap, "last_seq", log->next_seq - 1);
		if (!fut_egress_log_write_record(log, gap, MAX(now, log->last_time_us), TRUE, NULL,
		                                 error))
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
		ok = fut_egress_log_write_record(log, start, MAX(now, log->last_time_us), TRUE,
		                                 NULL, error) &&
		     fut_egress_log_write_checkpoint(log, now, "start", error);
	}
out:
	scan_result_clear(&cur);
	scan_result_clear(&chain);
	return ok;
}
