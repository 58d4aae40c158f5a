/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "crypto.h"
#include "logrecord.h"

G_BEGIN_DECLS

/* The egress log writer (DESIGN.md §7; docs/log-format.md is the specification).
 *
 * <dir>/egress-YYYY-MM.jsonl, one canonical JSON record per line, each carrying the hash of
 * the one before (across months too), and signed checkpoints carrying the RFC 9162 tree head
 * over the records of the month so far. One FutEgressLog per directory and process; its
 * functions may be called from several threads (an internal mutex serialises them).
 *
 * Opening writes, in order: a "gap" record of kind torn-tail when the last file ends in a
 * partial or unreadable line (the bytes stay where they are; the gap names their offset,
 * length and SHA-256); a checkpoint sealing the previous month when the clock has moved on
 * to a new month; a "gap" of kind unclean-stop when the previous run did not end with
 * agent.stop and its checkpoint; then "agent.start" carrying the host public key.
 * Closing writes "agent.stop" and a final checkpoint, durably. */

#define FUT_EGRESS_LOG_CHECKPOINT_RECORDS_DEFAULT 1000
#define FUT_EGRESS_LOG_CHECKPOINT_SECONDS_DEFAULT 300
#define FUT_EGRESS_LOG_RETENTION_DEFAULT          13
#define FUT_EGRESS_LOG_RETENTION_MIN              13 /* policy 2.2.3: at least one year */

typedef struct _FutEgressLog FutEgressLog;

/* Called with every checkpoint just written (and fsynced), so the caller can forward it
 * (journald, syslog) as a witness. Runs with the log's lock held: it must not call back
 * into the log. @cp is owned by the log and valid only during the call. */
typedef void (*FutEgressLogCheckpointFunc)(const FutLogCheckpoint *cp, gpointer user_data);

/* Called with every record just written (checkpoints included), e.g. to forward it to
 * journald. @line is the record's line without LF. Same rules as the checkpoint callback. */
typedef void (*FutEgressLogRecordFunc)(const FutLogRecord *rec,
                                       const gchar *line,
                                       gsize len,
                                       gpointer user_data);

/* Returns the current time in microseconds since the epoch (tests replace the clock). */
typedef gint64 (*FutEgressLogClockFunc)(gpointer user_data);

typedef struct {
	guint checkpoint_records; /* checkpoint after this many records; 0: default */
	guint checkpoint_seconds; /* ... or when this much time has passed; 0: default */
	FutEgressLogCheckpointFunc checkpoint_func; /* may be NULL */
	gpointer checkpoint_data;
	FutEgressLogClockFunc clock_func; /* NULL: g_get_real_time() */
	gpointer clock_data;
	const gchar *version;               /* put in agent.start; may be NULL */
	FutEgressLogRecordFunc record_func; /* may be NULL */
	gpointer record_data;
} FutEgressLogOptions;

typedef enum {
	FUT_EGRESS_LOG_APPEND_NONE = 0,
	/* fdatasync before returning: use for every record that reports an egress (or a
	 * refusal) before the caller reports it done. Without it the record is written to the
	 * file at once (it survives the agent being killed) but not flushed to the disk. */
	FUT_EGRESS_LOG_APPEND_DURABLE = 1 << 0,
} FutEgressLogAppendFlags;

/* Opens (creating if needed, mode 0750) the log directory @dir for host @host (the name
 * put in every record: 1-64 characters of [A-Za-z0-9._-]) and signs checkpoints with
 * @host_key (which must hold a private key; it is borrowed and must outlive the log).
 * Recovers the chain state from the newest month file and writes the records described
 * above. @opts may be NULL. Only one writer may have a directory open (flock; a second
 * open fails with FUT_ERROR_EXISTS). Returns NULL with a reason if the directory or the newest
 * file cannot be used; the caller must then refuse every egress. Free with fut_egress_log_close()
 * or fut_egress_log_free(). */
FutEgressLog *fut_egress_log_open(const gchar *dir,
                                  const gchar *host,
                                  const FutKey *host_key,
                                  const FutEgressLogOptions *opts,
                                  GError **error);

/* Appends @ev as the next record (any event but checkpoint and agent.start, which the log
 * writes itself) (and a checkpoint after it when one is due, and a
 * clock-jump gap before it when the clock went backwards). Returns FALSE with a reason when
 * the record could not be written (and synced, with FUT_EGRESS_LOG_APPEND_DURABLE): the
 * caller must then refuse or report failure of the egress it was about to report; nothing is
 * dropped silently. The file is left as it was before the call when a write fails. On
 * success stores the record's sequence number in @ret_seq (may be NULL). */
gboolean fut_egress_log_append(FutEgressLog *log,
                               const FutLogEvent *ev,
                               FutEgressLogAppendFlags flags,
                               gint64 *ret_seq,
                               GError **error);

/* Flushes every record appended so far to the disk (fdatasync): one flush for a batch of
 * records appended without FUT_EGRESS_LOG_APPEND_DURABLE (group commit). */
gboolean fut_egress_log_sync(FutEgressLog *log, GError **error);

/* Writes a checkpoint now (durably) and hands it to the checkpoint callback. */
gboolean fut_egress_log_checkpoint(FutEgressLog *log, GError **error);

/* Writes a checkpoint if one is due by time and records were written since the last one,
 * and rotates to a new month file if the month has changed. Call from a timer (e.g. every
 * minute). */
gboolean fut_egress_log_tick(FutEgressLog *log, GError **error);

/* Writes agent.stop (with @reason, may be NULL) and a final checkpoint durably, closes the
 * file and frees @log. Returns FALSE if those records could not be written (the log is
 * freed anyway; the next open will record an unclean stop). NULL is fine. */
gboolean fut_egress_log_close(FutEgressLog *log, const gchar *reason, GError **error);
/* Frees @log without writing anything (the next open records an unclean stop). */
void fut_egress_log_free(FutEgressLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutEgressLog, fut_egress_log_free)

/* State, for status displays and tests. */
gint64 fut_egress_log_get_next_seq(FutEgressLog *log);
/* Returns the path of the month file being written. Caller frees. */
gchar *fut_egress_log_dup_current_path(FutEgressLog *log);

/* Deletes month files of @dir older than @retention_months (at least
 * FUT_EGRESS_LOG_RETENTION_MIN; 0 means the default): egress-YYYY-MM.jsonl goes only when
 * (month of @now_us) - YYYY-MM > @retention_months, so the current month and the
 * @retention_months before it are always kept. Other files are never touched. Stores the
 * deleted file names in @ret_deleted (may be NULL). */
gboolean fut_egress_log_prune(
    const gchar *dir, guint retention_months, gint64 now_us, GStrv *ret_deleted, GError **error);

/* Returns TRUE and the month ("YYYY-MM") if @name is a log month file name. */
gboolean fut_egress_log_file_month(const gchar *name, gchar ret_month[8]);
/* Returns the month after / before @month ("YYYY-MM") in @ret_month. */
void fut_log_month_next(const gchar *month, gchar ret_month[8]);
void fut_log_month_prev(const gchar *month, gchar ret_month[8]);
/* Returns a - b in months for two "YYYY-MM" strings. */
gint fut_log_month_diff(const gchar *a, const gchar *b);

G_END_DECLS
