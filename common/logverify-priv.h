/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Internal to the verifier (logverify*.c): the state of one run and what its parts share. */

#include <glib.h>

#include "crypto.h"
#include "linereader.h"
#include "logverify.h"
#include "merkle.h"

/* The state of one verification run. */
typedef struct {
	const FutLogVerifyOptions *opts;
	FutLogHostResult *res;
	const FutKey *pinned;
	guint8 pinned_pub[FUT_ED25519_PUBLIC_LEN];
	gint64 now_us;
	gint64 newest_time_us;     /* of any record, for the retention */
	guint64 valid_checkpoints; /* signed by the host key and matching the records */
	gboolean starts_mid;       /* the oldest month does not start at seq 0 */
	gint64 start_seq;
	guint64 start_line;
	gchar start_month[8];
	gchar *start_file;

	/* chain */
	gboolean have_prev;
	gint64 last_seq;
	guint8 last_hash[FUT_SHA256_LEN];
	gint64 last_time_us;
	gchar *prev_month; /* month of the file before */
	gchar newest_month[8];

	/* current file */
	FutLogMonthSummary *month;
	FutMerkle *tree;
	FutLineReader *reader;
	FutLogRecordArena *arena; /* the record being read, reused for every line */
	gint64 month_start_us;    /* the file's month: [start, end) */
	gint64 month_end_us;
	const gchar *next_month; /* of the next file, NULL for the newest */
	gboolean in_month_seen;  /* a record of the file's own month came */
	guint64 late_records;    /* trailing records later than the file's month */
	guint64 late_line;
	gint64 late_seq;
	guint64 future_records;
	GArray *pending;            /* of Pending: the month's checkpoints */
	guint64 key_findings;       /* checkpoints naming another key */
	GPtrArray *host_witnesses;  /* of this host */
	GHashTable *verified;       /* witness lines of log checkpoints found valid */
	GPtrArray *month_witnesses; /* of this host and month, by size */
	guint next_witness;
	guint64 line_no;
	guint month_cp_mismatches;
	gboolean link_checked;
} Verifier;

void G_GNUC_PRINTF(5, 6) logv_add_finding(
    Verifier *v, const gchar *code, guint64 line, gint64 seq, const gchar *fmt, ...);
FutLogHostResult *logv_result_new(const gchar *dir);

/* logverify-checkpoint.c */
void
logv_set_host_key(Verifier *v, const guint8 pub[FUT_ED25519_PUBLIC_LEN], guint64 line, gint64 seq);
/* A GArray for Verifier.pending. */
GArray *logv_pending_new(void);
void logv_check_checkpoint(Verifier *v, const FutLogRecord *rec, guint64 line);
void logv_finish_checkpoints(Verifier *v);
