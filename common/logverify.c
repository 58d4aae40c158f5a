/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "egresslog.h"
#include "errors.h"
#include "linereader.h"
#include "logverify-priv.h"
#include "logverify.h"
#include "merkle.h"
#include "util.h"

/* A torn region longer than this is never accounted for by a gap (the writer keeps torn
 * bytes of one crash: a partial line). */
#define TORN_REGION_MAX (16 * 1024 * 1024)

void
logv_add_finding(Verifier *v, const gchar *code, guint64 line, gint64 seq, const gchar *fmt, ...)
{
	FutLogFinding *f = g_new0(FutLogFinding, 1);
	va_list ap;

	va_start(ap, fmt);
	f->message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	f->code = g_strdup(code);
	f->file = v->month != NULL ? g_strdup(v->month->file) : NULL;
	f->line = line;
	f->seq = seq;
	g_ptr_array_add(v->res->findings, f);
}

static gint
compare_witness_size(gconstpointer a, gconstpointer b)
{
	const FutLogCheckpoint *x = *(const FutLogCheckpoint *const *)a;
	const FutLogCheckpoint *y = *(const FutLogCheckpoint *const *)b;

	return x->size < y->size ? -1 : x->size > y->size;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* Compares the tree with every witness of this month whose size has been reached. */
static void
check_witnesses(Verifier *v, guint64 line)
{
	guint64 size = fut_merkle_size(v->tree);

	while (v->month_witnesses != NULL && v->next_witness < v->month_witnesses->len) {
		const FutLogCheckpoint *w = g_ptr_array_index(v->month_witnesses, v->next_witness);
		guint8 root[FUT_SHA256_LEN];
		if (w->size > size)
			return;
		v->next_witness++;
		v->res->witnesses_checked++;
		fut_merkle_root(v->tree, root);
		if (w->size != size || memcmp(root, w->root, FUT_SHA256_LEN) != 0 ||
		    memcmp(v->last_hash, w->last_hash, FUT_SHA256_LEN) != 0 ||
		    w->last_seq != v->last_seq) {
			g_autofree gchar *t = fut_log_time_format(w->time_us);
			logv_add_finding(v, "witness-mismatch", line, v->last_seq,
			                 "the witness checkpoint of %s (size %" G_GUINT64_FORMAT
			                 ") does not match the log",
			                 t, w->size);
		}
	}
}

static gboolean
is_gap(const FutLogRecord *rec, const gchar *kind)
{
	return g_strcmp0(rec->ev->event, FUT_LOG_EV_GAP) == 0 &&
	       g_strcmp0(fut_log_event_get_detail_str(rec->ev, "kind"), kind) == 0;
}

/* Month link: the first record of a file continues the chain of the file before. */
static void
check_link(Verifier *v, const FutLogRecord *rec, guint64 line)
{
	if (v->prev_month == NULL) {
		if (rec->seq == 0) {
			if (memcmp(rec->prev, (const guint8[FUT_SHA256_LEN]){0}, FUT_SHA256_LEN) !=
			    0)
				logv_add_finding(v, "chain-broken", line, rec->seq,
				                 "the first record (seq 0) has a non-zero prev");
			return;
		}
		/* The log starts mid-chain: earlier months were pruned, or removed. Judged at
		 * the end (judge_start), against the newest record's time and the clock. */
		v->starts_mid = TRUE;
		v->start_seq = rec->seq;
		v->start_line = line;
		memcpy(v->start_month, v->month->month, sizeof(v->start_month));
		g_free(v->start_file);
		v->start_file = g_strdup(v->month->file);
		return;
	}
	if (v->have_prev && memcmp(rec->prev, v->last_hash, FUT_SHA256_LEN) == 0 &&
	    rec->seq == v->last_seq + 1)
		return;
	{
		gchar expect[8];
		fut_log_month_next(v->prev_month, expect);
		if (strcmp(expect, v->month->month) != 0)
			logv_add_finding(v, "month-missing", line, rec->seq,
			                 "%s does not continue %s: the months between are missing",
			                 v->month->month, v->prev_month);
		else
			logv_add_finding(v, "month-link-broken", line, rec->seq,
			                 "the first record of %s does not continue the last of %s",
			                 v->month->month, v->prev_month);
	}
}

/* Only a month older than the retention may legitimately be gone. The retention is counted
 * from the newest record's time (no later than the clock): a file named for a future month
 * cannot push older months past it. */
static void
judge_start(Verifier *v)
{
	gint retention = (gint)(v->opts->retention_months != 0 ? v->opts->retention_months
	                                                       : FUT_EGRESS_LOG_RETENTION_DEFAULT);
	gint64 ref_us = MIN(v->newest_time_us, v->now_us + FUT_LOG_VERIFY_CLOCK_SLACK_US);
	g_autofree gchar *ref_time = fut_log_time_format(ref_us);
	gchar ref[8];
	gchar before[8];
	FutLogFinding *f;

	if (!v->starts_mid)
		return;
	g_strlcpy(ref, ref_time, sizeof(ref));
	fut_log_month_prev(v->start_month, before);
	if (v->opts->first_month != NULL && strcmp(v->start_month, v->opts->first_month) <= 0) {
		g_ptr_array_add(v->res->notes,
		                g_strdup_printf("the log starts at seq %" G_GINT64_FORMAT
		                                " in %s: earlier months were not given (the "
		                                "check starts at %s)",
		                                v->start_seq, v->start_month,
		                                v->opts->first_month));
		return;
	}
	if (fut_log_month_diff(ref, before) > retention) {
		g_ptr_array_add(v->res->notes,
		                g_strdup_printf("the log starts at seq %" G_GINT64_FORMAT
		                                " in %s: earlier months are past the retention of "
		                                "%d months counted from %s (pruned)",
		                                v->start_seq, v->start_month, retention, ref));
		return;
	}
	v->month = NULL;
	logv_add_finding(
	    v, "month-missing", v->start_line, v->start_seq,
	    "the log starts at seq %" G_GINT64_FORMAT
	    " in %s, but %s is within the retention of %d months (counted from %s, the "
	    "newest record) and is missing",
	    v->start_seq, v->start_month, before, retention, ref);
	f = g_ptr_array_index(v->res->findings, v->res->findings->len - 1);
	f->file = g_strdup(v->start_file);
}

/* The host is known at its first valid record: pick its pinned key and witnesses. */
static void
host_known(Verifier *v, const gchar *host)
{
	const FutLogVerifyOptions *opts = v->opts;

	v->res->host = g_strdup(host);
	if (opts->pinned_key == NULL && opts->pinned_keys != NULL) {
		v->pinned = g_hash_table_lookup(opts->pinned_keys, host);
		if (v->pinned == NULL)
			logv_add_finding(v, "key-missing", 0, -1,
			                 "no pinned key for host \"%s\" in the keys given: its log "
			                 "cannot be authenticated",
			                 host);
	}
	if (v->pinned != NULL)
		fut_key_get_public(v->pinned, v->pinned_pub);
	if (opts->witness_files != NULL) {
		v->host_witnesses =
		    g_ptr_array_new_with_free_func((GDestroyNotify)fut_log_checkpoint_free);
		for (guint i = 0; i < opts->witness_files->len; i++) {
			g_autoptr(GError) werr = NULL;
			if (!fut_log_witness_file_get(g_ptr_array_index(opts->witness_files, i),
			                              host, v->host_witnesses, &werr))
				logv_add_finding(v, "unreadable", 0, -1, "%s", werr->message);
		}
	} else if (opts->witness_index != NULL) {
		GPtrArray *w = g_hash_table_lookup(opts->witness_index, host);
		if (w != NULL)
			v->host_witnesses = g_ptr_array_ref(w);
	} else if (opts->witnesses != NULL) {
		v->host_witnesses = g_ptr_array_new();
		for (guint i = 0; i < opts->witnesses->len; i++) {
			FutLogCheckpoint *w = g_ptr_array_index(opts->witnesses, i);
			if (g_strcmp0(w->host, host) == 0)
				g_ptr_array_add(v->host_witnesses, w);
		}
	}
	if (v->host_witnesses != NULL && v->host_witnesses->len == 0)
		g_clear_pointer(&v->host_witnesses, g_ptr_array_unref);
	/* The witnesses of the month being read (the tree is still empty). */
	if (v->host_witnesses != NULL && v->month_witnesses != NULL) {
		for (guint i = 0; i < v->host_witnesses->len; i++) {
			FutLogCheckpoint *w = g_ptr_array_index(v->host_witnesses, i);
			if (strcmp(w->month, v->month->month) == 0)
				g_ptr_array_add(v->month_witnesses, w);
		}
		g_ptr_array_sort(v->month_witnesses, compare_witness_size);
	}
}

/* A record belongs to its file's month. Allowed exceptions, both from the writer: records
 * earlier than the month after a record of the month (a clock set back keeps writing to the
 * current file, behind a clock-jump gap), and a trailing run later than the month (the
 * rotation checkpoint, and a torn-tail gap written just before it) up to the next file's
 * month. Nothing may lie after the clock. */
static void
check_record_time(Verifier *v, const FutLogRecord *rec, guint64 line_no)
{
	if (rec->time_us > v->now_us + FUT_LOG_VERIFY_CLOCK_SLACK_US) {
		if (v->future_records++ == 0) {
			g_autofree gchar *t = fut_log_time_format(rec->time_us);
			logv_add_finding(
			    v, "time-future", line_no, rec->seq,
			    "the record's time %s is later than the clock of this check "
			    "(more than 24 hours ahead)",
			    t);
		}
	}
	if (rec->time_us >= v->month_end_us) {
		if (v->late_records++ == 0) {
			v->late_line = line_no;
			v->late_seq = rec->seq;
		}
		if (v->next_month != NULL) {
			g_autofree gchar *t = fut_log_time_format(rec->time_us);
			if (strncmp(t, v->next_month, 7) > 0)
				logv_add_finding(
				    v, "month-mismatch", line_no, rec->seq,
				    "the record's time %s is later than the month of the next "
				    "file, %s",
				    t, v->next_month);
		}
		return;
	}
	if (v->late_records > 0) {
		logv_add_finding(v, "month-mismatch", v->late_line, v->late_seq,
		                 "%" G_GUINT64_FORMAT
		                 " record(s) later than %s are followed by records "
		                 "of the month: records outside their file's month",
		                 v->late_records, v->month->month);
		v->late_records = 0;
	}
	if (rec->time_us >= v->month_start_us) {
		v->in_month_seen = TRUE;
	} else if (!v->in_month_seen) {
		g_autofree gchar *t = fut_log_time_format(rec->time_us);
		logv_add_finding(v, "month-mismatch", line_no, rec->seq,
		                 "the record's time %s is before %s, the month of its file", t,
		                 v->month->month);
		v->in_month_seen = TRUE; /* once per file */
	}
}

static void
check_time_back(Verifier *v, gint64 seq, gint64 time_us, gboolean clock_jump, guint64 line_no)
{
	if (time_us < v->last_time_us && !clock_jump) {
		g_autofree gchar *a = fut_log_time_format(v->last_time_us);
		g_autofree gchar *b = fut_log_time_format(time_us);
		logv_add_finding(v, "time-backwards", line_no, seq,
		                 "time goes back from %s to %s without a clock-jump gap", a, b);
	}
}

void
logv_check_first(Verifier *v,
                 gint64 seq,
                 const guint8 prev[FUT_SHA256_LEN],
                 gint64 time_us,
                 gboolean clock_jump,
                 guint64 line)
{
	FutLogRecord rec = {.seq = seq};

	memcpy(rec.prev, prev, FUT_SHA256_LEN);
	check_link(v, &rec, line);
	if (v->have_prev)
		check_time_back(v, seq, time_us, clock_jump, line);
}

static void
check_record(Verifier *v, const FutLogRecord *rec, const gchar *line, gsize len, guint64 line_no)
{
	gboolean first_in_file = v->month->records == 0;

	if (v->res->host == NULL)
		host_known(v, rec->host);
	else if (strcmp(v->res->host, rec->host) != 0)
		logv_add_finding(v, "foreign-host", line_no, rec->seq,
		                 "record of host \"%s\" in the log of \"%s\"", rec->host,
		                 v->res->host);

	if (first_in_file && !v->link_checked && v->deferred) {
		/* checked against the month before when the months are merged */
		v->link_checked = TRUE;
		v->first_seen = TRUE;
		v->first_seq = rec->seq;
		memcpy(v->first_prev, rec->prev, FUT_SHA256_LEN);
		v->first_time_us = rec->time_us;
		v->first_clock_jump = is_gap(rec, FUT_LOG_GAP_CLOCK_JUMP);
		v->first_line = line_no;
		v->link_at = v->res->findings->len;
	} else if (first_in_file && !v->link_checked) {
		v->link_checked = TRUE;
		check_link(v, rec, line_no);
	} else if (v->have_prev) {
		if (rec->seq > v->last_seq + 1)
			logv_add_finding(v, "seq-gap", line_no, rec->seq,
			                 "%" G_GINT64_FORMAT
			                 " record(s) missing before seq %" G_GINT64_FORMAT,
			                 rec->seq - v->last_seq - 1, rec->seq);
		else if (rec->seq <= v->last_seq)
			logv_add_finding(v, "seq-order", line_no, rec->seq,
			                 "seq %" G_GINT64_FORMAT " follows seq %" G_GINT64_FORMAT
			                 ": records reordered or repeated",
			                 rec->seq, v->last_seq);
		if (memcmp(rec->prev, v->last_hash, FUT_SHA256_LEN) != 0)
			logv_add_finding(v, "chain-broken", line_no, rec->seq,
			                 "prev does not match the hash of the record before");
	}
	if (v->have_prev)
		check_time_back(v, rec->seq, rec->time_us, is_gap(rec, FUT_LOG_GAP_CLOCK_JUMP),
		                line_no);

	check_record_time(v, rec, line_no);
	v->newest_time_us = MAX(v->newest_time_us, rec->time_us);

	if (g_strcmp0(rec->ev->event, FUT_LOG_EV_CHECKPOINT) == 0) {
		/* a checkpoint before any record of the month is compared with the month
		 * before: a month verified on its own cannot */
		if (v->deferred && !v->have_prev)
			v->diverged = TRUE;
		logv_check_checkpoint(v, rec, line_no);
	} else {
		if (g_strcmp0(rec->ev->event, FUT_LOG_EV_AGENT_START) == 0) {
			const gchar *key = fut_log_event_get_detail_str(rec->ev, "key");
			guint8 pub[FUT_ED25519_PUBLIC_LEN];
			if (key == NULL || !fut_hex_decode(key, pub, sizeof(pub), NULL))
				logv_add_finding(v, "malformed", line_no, rec->seq,
				                 "agent.start does not carry a host key");
			else
				logv_set_host_key(v, pub, line_no, rec->seq);
		} else if (g_strcmp0(rec->ev->event, FUT_LOG_EV_GAP) == 0) {
			const gchar *kind = fut_log_event_get_detail_str(rec->ev, "kind");
			v->month->gaps++;
			if (g_strcmp0(kind, FUT_LOG_GAP_UNCLEAN_STOP) == 0)
				v->res->gaps_unclean++;
			else if (g_strcmp0(kind, FUT_LOG_GAP_QUEUE_OVERFLOW) == 0)
				v->res->gaps_overflow++;
			else if (g_strcmp0(kind, FUT_LOG_GAP_TORN_TAIL) == 0)
				v->res->gaps_torn++;
			else if (g_strcmp0(kind, FUT_LOG_GAP_CLOCK_JUMP) == 0)
				v->res->gaps_clock++;
		}
	}

	fut_merkle_append(v->tree, line, len);
	v->have_prev = TRUE;
	v->last_seq = rec->seq;
	memcpy(v->last_hash, rec->hash, FUT_SHA256_LEN);
	v->last_time_us = rec->time_us;
	if (v->month->first_seq < 0) {
		v->month->first_seq = rec->seq;
		v->month->first_time_us = rec->time_us;
	}
	v->month->last_seq = rec->seq;
	v->month->last_time_us = rec->time_us;
	v->month->records++;
	v->res->records++;
	check_witnesses(v, line_no);
	if (v->opts->record_func != NULL)
		v->opts->record_func(rec, v->month->month, line, len, v->opts->record_data);
}

/* A bad line waiting for a torn-tail gap that accounts for it. */
typedef struct {
	guint64 offset;
	guint64 len; /* with its LF when it has one */
	guint64 line_no;
	gchar *why;
	gchar *code;
} BadLine;

static void
bad_line_free(gpointer p)
{
	BadLine *b = p;

	g_free(b->why);
	g_free(b->code);
	g_free(b);
}

static void
flush_bad(Verifier *v, GPtrArray *bad, gboolean at_end)
{
	for (guint i = 0; i < bad->len; i++) {
		BadLine *b = g_ptr_array_index(bad, i);
		if (at_end && i == bad->len - 1 && g_strcmp0(b->code, "malformed") == 0)
			logv_add_finding(
			    v, "torn-tail", b->line_no, -1,
			    "%" G_GUINT64_FORMAT " byte(s) at offset %" G_GUINT64_FORMAT
			    " are not a complete record and no gap record names them (a "
			    "crash the agent has not yet recorded, or an altered tail)",
			    b->len, b->offset);
		else
			logv_add_finding(v, b->code, b->line_no, -1, "%s", b->why);
	}
	g_ptr_array_set_size(bad, 0);
}

/* TRUE when @rec is a torn-tail gap naming exactly the bytes of @bad. */
static gboolean
gap_accounts(Verifier *v, const FutLogRecord *rec, GPtrArray *bad, guint64 gap_offset)
{
	const FutLogDetail *off = fut_log_event_get_detail(rec->ev, "offset");
	const FutLogDetail *len = fut_log_event_get_detail(rec->ev, "length");
	const gchar *digest = fut_log_event_get_detail_str(rec->ev, "sha256");
	const gchar *file = fut_log_event_get_detail_str(rec->ev, "file");
	const BadLine *first;
	guint64 region;
	guint8 d[FUT_SHA256_LEN];
	g_autofree gchar *hex = NULL;
	g_autofree gchar *region_data = NULL;

	if (!is_gap(rec, FUT_LOG_GAP_TORN_TAIL) || bad->len == 0 || off == NULL || len == NULL ||
	    off->str != NULL || len->str != NULL || digest == NULL ||
	    g_strcmp0(file, v->month->file) != 0)
		return FALSE;
	first = g_ptr_array_index(bad, 0);
	region = gap_offset - first->offset;
	/* The writer adds the LF that ends a torn line, so the gap may name one byte less. */
	if ((guint64)off->num != first->offset ||
	    ((guint64)len->num != region && (guint64)len->num + 1 != region))
		return FALSE;
	if (len->num > TORN_REGION_MAX)
		return FALSE;
	region_data = fut_line_reader_pread(v->reader, first->offset, (gsize)len->num, NULL);
	if (region_data == NULL)
		return FALSE;
	fut_sha256(region_data, (gsize)len->num, d);
	hex = fut_hex_encode(d, FUT_SHA256_LEN);
	return strcmp(hex, digest) == 0;
}

/* [start, end) of a month "YYYY-MM" in microseconds. */
static void
month_range(const gchar *month, gint64 *ret_start, gint64 *ret_end)
{
	g_autoptr(GDateTime) a =
	    g_date_time_new_utc((gint)g_ascii_strtoll(month, NULL, 10),
	                        (gint)g_ascii_strtoll(month + 5, NULL, 10), 1, 0, 0, 0);
	g_autoptr(GDateTime) z = a != NULL ? g_date_time_add_months(a, 1) : NULL;

	*ret_start = a != NULL ? g_date_time_to_unix(a) * G_USEC_PER_SEC : G_MAXINT64;
	*ret_end = z != NULL ? g_date_time_to_unix(z) * G_USEC_PER_SEC : G_MAXINT64;
}

static void
bad_line_add(GPtrArray *bad, const FutLine *l, guint64 line_no, GError *perr)
{
	BadLine *b = g_new0(BadLine, 1);

	b->offset = l->offset;
	b->len = l->full_len;
	b->line_no = line_no;
	if (perr != NULL && g_error_matches(perr, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE)) {
		b->code = g_strdup("hash-mismatch");
		b->why = g_strdup("the record's content does not match its hash (altered)");
	} else if (l->cut) {
		b->code = g_strdup("malformed");
		b->why = g_strdup_printf("not a valid record: a line of %" G_GUINT64_FORMAT
		                         " bytes, longer than any record",
		                         l->full_len);
	} else {
		b->code = g_strdup("malformed");
		b->why = g_strdup_printf("not a valid record: %s",
		                         perr != NULL ? perr->message : "no line ending (torn)");
	}
	g_ptr_array_add(bad, b);
}

void
logv_verify_file(Verifier *v, int dirfd, const gchar *name, const gchar *next_name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func(bad_line_free);
	g_autoptr(FutLineReader) reader = NULL;
	FutLogMonthSummary *m = g_new0(FutLogMonthSummary, 1);
	gchar next_month[8];
	guint64 line_no = 0;
	guint64 progress_mark = 0;
	guint64 pos = 0;
	FutLine l;

	fut_egress_log_file_month(name, m->month);
	m->file = g_strdup(name);
	m->first_seq = -1;
	m->last_seq = -1;
	g_ptr_array_add(v->res->months, m);
	v->month = m;
	v->tree = fut_merkle_new();
	v->link_checked = FALSE;
	v->next_witness = 0;
	v->month_cp_mismatches = 0;
	v->in_month_seen = FALSE;
	v->late_records = 0;
	v->future_records = 0;
	v->next_month = NULL;
	if (next_name != NULL && fut_egress_log_file_month(next_name, next_month))
		v->next_month = next_month;
	month_range(m->month, &v->month_start_us, &v->month_end_us);
	v->month_witnesses = g_ptr_array_new();
	if (v->host_witnesses != NULL) {
		for (guint i = 0; i < v->host_witnesses->len; i++) {
			FutLogCheckpoint *w = g_ptr_array_index(v->host_witnesses, i);
			if (strcmp(w->month, m->month) == 0)
				g_ptr_array_add(v->month_witnesses, w);
		}
		g_ptr_array_sort(v->month_witnesses, compare_witness_size);
	}
	if (v->month_start_us > v->now_us + FUT_LOG_VERIFY_CLOCK_SLACK_US)
		logv_add_finding(
		    v, "time-future", 0, -1,
		    "the file is named for %s, a month that has not begun by the clock of "
		    "this check",
		    m->month);

	/* O_NONBLOCK|O_NOFOLLOW, fstat: a FIFO or a link is a finding, never waited on; read(),
	 * not a mapping: a file cut while it is read is a finding, never a SIGBUS. */
	reader = fut_line_reader_open(dirfd, name, FUT_LOG_LINE_MAX, &error);
	if (reader == NULL) {
		logv_add_finding(v, "unreadable", 0, -1, "cannot read the file: %s",
		                 error->message);
		goto out;
	}
	v->reader = reader;
	m->bytes = fut_line_reader_size(reader);
	while (fut_line_reader_next(reader, &l, &error)) {
		const FutLogRecord *rec = NULL;
		g_autoptr(GError) perr = NULL;

		line_no++;
		/* read in place, into the run's arena (no allocation per record); without a
		 * consumer of the records, only what the chain needs is kept */
		if (l.has_lf && !l.cut)
			rec = fut_log_record_parse_view(v->arena, l.data, l.len,
			                                v->opts->record_func == NULL, &perr);
		if (rec == NULL) {
			bad_line_add(bad, &l, line_no, perr);
		} else {
			if (bad->len > 0) {
				if (gap_accounts(v, rec, bad, l.offset)) {
					g_ptr_array_add(
					    v->res->notes,
					    g_strdup_printf(
					        "%s: %" G_GUINT64_FORMAT
					        " torn byte(s) at offset %" G_GUINT64_FORMAT
					        " recorded by the gap at seq %" G_GINT64_FORMAT,
					        name,
					        (guint64)fut_log_event_get_detail(rec->ev, "length")
					            ->num,
					        ((BadLine *)g_ptr_array_index(bad, 0))->offset,
					        rec->seq));
					g_ptr_array_set_size(bad, 0);
				} else {
					flush_bad(v, bad, FALSE);
				}
			}
			check_record(v, rec, l.data, l.len, line_no);
		}
		pos = l.offset + l.full_len;
		if (v->opts->progress_func != NULL && pos - progress_mark >= (1 << 20)) {
			v->opts->progress_func(pos - progress_mark, v->opts->progress_data);
			progress_mark = pos;
		}
	}
	if (error != NULL)
		logv_add_finding(v, "unreadable", line_no, -1, "reading stopped: %s",
		                 error->message);
	flush_bad(v, bad, TRUE);
	logv_finish_checkpoints(v);
	if (v->month_cp_mismatches > 1)
		logv_add_finding(v, "checkpoint-mismatch", 0, -1,
		                 "%u later checkpoint(s) of %s disagree with the records as well",
		                 v->month_cp_mismatches - 1, m->month);
	if (v->late_records > 0 && v->next_month == NULL)
		logv_add_finding(v, "month-mismatch", v->late_line, v->late_seq,
		                 "%" G_GUINT64_FORMAT
		                 " record(s) at the end of the newest file are later "
		                 "than its month %s",
		                 v->late_records, m->month);
	if (v->future_records > 1)
		logv_add_finding(v, "time-future", 0, -1,
		                 "%" G_GUINT64_FORMAT " record(s) of %s in all lie after the clock",
		                 v->future_records, m->month);
	if (v->opts->progress_func != NULL && pos > progress_mark)
		v->opts->progress_func(pos - progress_mark, v->opts->progress_data);
	if (m->records == 0)
		logv_add_finding(v, "no-records", 0, -1, "the month file holds no valid record");
	/* Witnesses beyond the end: the log lost records after that checkpoint was taken. */
	if (v->next_witness < v->month_witnesses->len) {
		const FutLogCheckpoint *w = g_ptr_array_index(v->month_witnesses, v->next_witness);
		v->res->witnesses_checked += v->month_witnesses->len - v->next_witness;
		logv_add_finding(v, "witness-beyond-log", line_no, -1,
		                 "a witness checkpoint covers %" G_GUINT64_FORMAT
		                 " records of %s (last seq %" G_GINT64_FORMAT
		                 ") but the file holds only %" G_GUINT64_FORMAT
		                 ": records were removed (truncation)",
		                 w->size, m->month, w->last_seq, fut_merkle_size(v->tree));
	}
out:
	v->reader = NULL;
	g_clear_pointer(&v->tree, fut_merkle_free);
	g_clear_pointer(&v->month_witnesses, g_ptr_array_unref);
	g_free(v->prev_month);
	v->prev_month = g_strdup(m->month);
}

FutLogHostResult *
fut_log_verify_dir(const gchar *dir, const FutLogVerifyOptions *opts, GError **error)
{
	static const FutLogVerifyOptions no_opts = {0};
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = NULL;
	g_autofree gchar *safe = fut_strescape(dir, -1);
	Verifier v = {0};
	const gchar *name;
	int dirfd;

	if (opts == NULL)
		opts = &no_opts;
	res = logv_result_new(dir);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (dirfd < 0) {
		fut_error_set_errno(error, errno, safe);
		return NULL;
	}
	d = g_dir_open(dir, 0, error);
	if (d == NULL) {
		close(dirfd);
		return NULL;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		gchar m[8];
		if (fut_egress_log_file_month(name, m))
			g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, compare_names);
	v.opts = opts;
	v.res = res;
	v.pinned = opts->pinned_key;
	if (v.pinned != NULL)
		fut_key_get_public(v.pinned, v.pinned_pub);
	v.now_us = opts->now_us != 0 ? opts->now_us : g_get_real_time();
	v.newest_time_us = G_MININT64;
	v.last_seq = -1;
	v.verified = logv_verified_new();
	v.pending = logv_pending_new();
	v.arena = fut_log_record_arena_new();
	if (names->len > 0)
		fut_egress_log_file_month(g_ptr_array_index(names, names->len - 1), v.newest_month);

	/* The host, its pinned key and its witnesses come from the first valid record
	 * (host_known), wherever it is: a torn first line does not make the check smaller. */
	for (guint i = 0; i < names->len; i++) {
		gboolean newest = i == names->len - 1;
		/* Once the host and its key are known, the months left are verified in
		 * parallel (each month's own checks), the links between them after. */
		if (i > 0 && names->len - i >= 2 && opts->record_func == NULL &&
		    res->host != NULL && res->have_key &&
		    (opts->max_threads > 1 ||
		     (opts->max_threads == 0 && g_get_num_processors() > 1))) {
			logv_verify_months_parallel(&v, dirfd, names, i);
			break;
		}
		logv_verify_file(&v, dirfd, g_ptr_array_index(names, i),
		                 newest ? NULL : g_ptr_array_index(names, i + 1));
		logv_month_done(&v, newest);
	}
	close(dirfd);
	v.month = NULL;
	if (names->len == 0) {
		logv_add_finding(&v, "no-records", 0, -1, "no egress-YYYY-MM.jsonl file in %s",
		                 safe);
	} else {
		FutLogMonthSummary *last = g_ptr_array_index(res->months, res->months->len - 1);
		if (last->last_checkpoint != NULL)
			res->final_checkpoint = fut_log_checkpoint_copy(last->last_checkpoint);
	}
	if (res->records > 0)
		judge_start(&v);
	/* Whatever the key: records that no valid checkpoint signs are not evidence. With a
	 * pinned key, that key must have signed them. */
	if (res->records > 0 && v.valid_checkpoints == 0)
		logv_add_finding(
		    &v, "not-signed", 0, -1,
		    v.pinned != NULL
		        ? "no checkpoint signed by the pinned key covers the records: the "
		          "log is not authenticated"
		        : "no valid checkpoint covers the records: the log is not "
		          "authenticated");
	else if (v.pinned != NULL && res->records > 0 && !res->key_pinned)
		logv_add_finding(&v, "not-signed", 0, -1,
		                 "no checkpoint of the log is signed by the pinned key");
	/* Witnesses of this host for months the directory does not hold. */
	if (v.host_witnesses != NULL) {
		g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
		res->witnessed = TRUE;
		for (guint i = 0; i < res->months->len; i++)
			g_hash_table_add(
			    seen, ((FutLogMonthSummary *)g_ptr_array_index(res->months, i))->month);
		for (guint i = 0; i < v.host_witnesses->len; i++) {
			FutLogCheckpoint *w = g_ptr_array_index(v.host_witnesses, i);
			g_autoptr(GError) werr = NULL;
			gboolean known = g_hash_table_contains(v.verified, w);
			if (!known)
				res->signatures_checked++;
			if ((!known && !fut_log_checkpoint_verify(w, &werr)) ||
			    (res->have_key &&
			     memcmp(w->pub, res->pub, FUT_ED25519_PUBLIC_LEN) != 0) ||
			    (v.pinned != NULL &&
			     memcmp(w->pub, v.pinned_pub, FUT_ED25519_PUBLIC_LEN) != 0))
				logv_add_finding(
				    &v, "witness-signature", 0, w->last_seq,
				    "a witness checkpoint of %s is not signed by the host key",
				    w->month);
			if (!g_hash_table_contains(seen, w->month))
				logv_add_finding(
				    &v, "witness-month-missing", 0, w->last_seq,
				    "a witness checkpoint covers %s but the log has no such "
				    "month",
				    w->month);
		}
	} else if (res->records > 0) {
		g_ptr_array_add(res->notes,
		                g_strdup("no witness for this host: cutting the log back to an "
		                         "earlier checkpoint, or deleting its newest month, cannot "
		                         "be detected"));
	}
	g_clear_pointer(&v.host_witnesses, g_ptr_array_unref);
	g_clear_pointer(&v.verified, g_hash_table_unref);
	g_array_unref(v.pending);
	fut_log_record_arena_free(v.arena);
	g_free(v.prev_month);
	g_free(v.start_file);
	return g_steal_pointer(&res);
}

guint64
fut_log_dir_size(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;
	guint64 total = 0;

	if (d == NULL)
		return 0;
	while ((name = g_dir_read_name(d)) != NULL) {
		gchar m[8];
		struct stat st;
		g_autofree gchar *p = NULL;
		if (!fut_egress_log_file_month(name, m))
			continue;
		p = g_build_filename(dir, name, NULL);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
			total += (guint64)st.st_size;
	}
	return total;
}
