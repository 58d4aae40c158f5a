/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "crypto.h"
#include "logrecord.h"

G_BEGIN_DECLS

/* The egress log verifier: reads one host's log directory and reports every deviation from
 * docs/log-format.md as a finding with a stable code. Library code: it prints nothing.
 *
 * Finding codes: unreadable, malformed, hash-mismatch, torn-tail, foreign-host, seq-gap,
 * seq-order, chain-broken, time-backwards, checkpoint-mismatch, checkpoint-signature,
 * checkpoint-key, key-changed, key-not-pinned, key-missing, not-signed, month-link-broken,
 * month-missing, month-unsealed, month-mismatch, time-future, witness-mismatch,
 * witness-beyond-log, witness-signature, witness-month-missing, no-records, duplicate-host.
 *
 * Fail closed: a pinned key means that every record up to the last checkpoint is covered by a
 * checkpoint that key signed; the host's identity comes from every record and checkpoint, not
 * from one line; months are judged against the clock and the records' own times. */

/* How far a record's time or a file's month may lie after the verifier's clock (clocks of
 * hosts and of the inspector's PC differ) before it is a finding. */
#define FUT_LOG_VERIFY_CLOCK_SLACK_US ((gint64)24 * 3600 * G_USEC_PER_SEC)

typedef struct {
	gchar *code;    /* one of the codes above */
	gchar *file;    /* month file name, or NULL */
	guint64 line;   /* 1-based line in @file, 0 if none */
	gint64 seq;     /* record sequence number, -1 if none */
	gchar *message; /* one line, already escaped, English */
} FutLogFinding;

typedef struct {
	gchar month[8];
	gchar *file;
	guint64 records; /* valid records */
	guint64 checkpoints;
	guint64 gaps;
	gint64 first_seq; /* -1 when no record */
	gint64 last_seq;
	gint64 first_time_us;
	gint64 last_time_us;
	guint64 unsigned_tail;             /* records after the month's last checkpoint */
	FutLogCheckpoint *last_checkpoint; /* NULL when none */
	guint64 bytes;
} FutLogMonthSummary;

typedef struct {
	gchar *dir;
	gchar *host; /* from the first record; NULL when none */
	guint8 pub[FUT_ED25519_PUBLIC_LEN];
	gboolean have_key;
	gboolean key_pinned; /* a pinned key was given and signed the log's checkpoints */
	gboolean witnessed;  /* witnesses of this host were given and checked */
	GPtrArray *months;   /* of FutLogMonthSummary*, oldest first */
	GPtrArray *findings; /* of FutLogFinding*; empty when the log verified */
	GPtrArray *notes;    /* of gchar*: facts that are not findings (pruned start, ...) */
	guint64 records;
	guint64 gaps_unclean;
	guint64 gaps_overflow;
	guint64 gaps_torn;
	guint64 gaps_clock;
	guint64 witnesses_checked;
	FutLogCheckpoint *final_checkpoint; /* the last checkpoint of the newest month */
	guint months_parallel;      /* months verified on their own, in parallel (statistics) */
	guint64 signatures_checked; /* Ed25519 verifications (statistics): one per month when
	                               every checkpoint and witness matches the records */
} FutLogHostResult;

void fut_log_host_result_free(FutLogHostResult *res);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutLogHostResult, fut_log_host_result_free)

/* Called for each valid record in chain order (with its month and line), e.g. by report and
 * show. @rec and @line are valid only during the call. */
typedef void (*FutLogRecordFunc)(
    const FutLogRecord *rec, const gchar *month, const gchar *line, gsize len, gpointer user_data);
/* Called now and then with the number of bytes read since the last call. */
typedef void (*FutLogProgressFunc)(guint64 bytes, gpointer user_data);

typedef struct {
	const FutKey *pinned_key;     /* the host key must be this one; may be NULL */
	GHashTable *pinned_keys;      /* host name -> FutKey*, may be NULL */
	GPtrArray *witnesses;         /* FutLogCheckpoint* of any host; may be NULL */
	GHashTable *witness_index;    /* from fut_log_witness_index_new(); used instead of
	                                 @witnesses when set (fast with many hosts) */
	GPtrArray *witness_files;     /* FutLogWitnessFile*: used instead of both when set (a
	                                 fleet's witnesses, read when their host is verified) */
	guint retention_months;       /* 0: FUT_EGRESS_LOG_RETENTION_DEFAULT */
	const gchar *first_month;     /* "YYYY-MM": months before it were not copied, so a
	                                 log starting mid-chain at or before it is no finding */
	FutLogRecordFunc record_func; /* may be NULL */
	gpointer record_data;
	FutLogProgressFunc progress_func; /* may be NULL */
	gpointer progress_data;
	gint64 now_us;     /* the clock for future times and retention; 0: the real clock */
	guint max_threads; /* months of the host verified at once: 0 the number of CPUs, 1 one
	                      after another (the same findings either way) */
} FutLogVerifyOptions;

/* Verifies the log in @dir. Returns the result (check ->findings) or NULL when @dir itself
 * cannot be read. Caller frees. */
FutLogHostResult *
fut_log_verify_dir(const gchar *dir, const FutLogVerifyOptions *opts, GError **error);

/* A result for a log directory that could not be read at all (@message says why, escaped
 * here): one "unreadable" finding, no host. For callers that must list every directory. */
FutLogHostResult *fut_log_host_result_new_unreadable(const gchar *dir, const gchar *message);

/* Adds a finding to @res (@message is escaped here). */
void fut_log_host_result_add_finding(FutLogHostResult *res,
                                     const gchar *code,
                                     const gchar *file,
                                     const gchar *message);

/* Flags every result whose host name (or directory) appears more than once in @results
 * (FutLogHostResult*) with a "duplicate-host" finding. Returns the number flagged. */
guint fut_log_host_results_flag_duplicates(GPtrArray *results);

/* Reads a witness file (one witness line per line; blank lines and '#' comments ignored);
 * refuses a malformed line naming its line number. Returns FutLogCheckpoint*. */
GPtrArray *fut_log_witness_file_load(const gchar *path, GError **error);

/* Returns host name -> GPtrArray of the FutLogCheckpoint* in @witnesses (borrowed: keep
 * @witnesses alive). Free with g_hash_table_unref(). */
GHashTable *fut_log_witness_index_new(GPtrArray *witnesses);

/* A witness file of a whole fleet, indexed by host when opened (every line checked then, a
 * malformed one refused with its line number), its lines read again when their host is
 * verified: the memory holds where each line is (16 bytes), not the checkpoints, whatever
 * the size of the fleet. The file stays open; reading it from several threads is safe. */
typedef struct _FutLogWitnessFile FutLogWitnessFile;
FutLogWitnessFile *fut_log_witness_file_open(const gchar *path, GError **error);
void fut_log_witness_file_free(FutLogWitnessFile *wf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutLogWitnessFile, fut_log_witness_file_free)
/* The number of witness lines. */
guint64 fut_log_witness_file_count(const FutLogWitnessFile *wf);
/* Appends the witnesses of @host (new FutLogCheckpoint*, in file order) to @out. FALSE with
 * @error when a line no longer reads as it did when indexed (the file changed). */
gboolean
fut_log_witness_file_get(FutLogWitnessFile *wf, const gchar *host, GPtrArray *out, GError **error);

/* Returns the total size in bytes of the month files in @dir (for progress). */
guint64 fut_log_dir_size(const gchar *dir);

G_END_DECLS
