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
	GHashTable *verified;       /* log checkpoints found valid (logv_verified_new()) */
	GPtrArray *month_witnesses; /* of this host and month, by size */
	guint next_witness;
	guint64 line_no;
	guint month_cp_mismatches;
	gboolean link_checked;

	/* A month verified on its own, in parallel with the others (logverify-months.c): the
	 * checks of its first record against the month before wait for the merge. */
	gboolean deferred;
	gboolean first_seen;
	gint64 first_seq;
	guint8 first_prev[FUT_SHA256_LEN];
	gint64 first_time_us;
	gboolean first_clock_jump;
	guint64 first_line;
	guint link_at;       /* findings of the month before its first record's checks */
	gint key_finding_at; /* the month's once-per-log key finding, -1 when none */
	gboolean diverged;   /* a check used the chain before the month: read it again in order */
} Verifier;

void G_GNUC_PRINTF(5, 6) logv_add_finding(
    Verifier *v, const gchar *code, guint64 line, gint64 seq, const gchar *fmt, ...);
FutLogHostResult *logv_result_new(const gchar *dir);

/* logverify.c */
/* Verifies the month file @name (@next_name: the next file's, NULL for the newest). */
void logv_verify_file(Verifier *v, int dirfd, const gchar *name, const gchar *next_name);
/* The checks of a month's first record against the chain so far (month link, time). */
void logv_check_first(Verifier *v,
                      gint64 seq,
                      const guint8 prev[FUT_SHA256_LEN],
                      gint64 time_us,
                      gboolean clock_jump,
                      guint64 line);

/* logverify-months.c */
/* What is judged when a month file is done (unsealed month, unsigned tail). */
void logv_month_done(Verifier *v, gboolean newest);
/* Verifies the files @names[@from..] (at least two), each month on its own in parallel
 * (bounded by the number of CPUs), then merges them in order into @v as if read one after
 * another: same findings in the same order. Needs the host and its key known (from the
 * months before @from) and no record consumer. */
void logv_verify_months_parallel(Verifier *v, int dirfd, GPtrArray *names, guint from);

/* logverify-checkpoint.c */
void
logv_set_host_key(Verifier *v, const guint8 pub[FUT_ED25519_PUBLIC_LEN], guint64 line, gint64 seq);
/* A set for Verifier.verified: checkpoints (owned) whose signature is authenticated. */
GHashTable *logv_verified_new(void);
/* A GArray for Verifier.pending. */
GArray *logv_pending_new(void);
void logv_check_checkpoint(Verifier *v, const FutLogRecord *rec, guint64 line);
void logv_finish_checkpoints(Verifier *v);
