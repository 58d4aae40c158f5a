/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Internal to the egress log writer (egresslog*.c): its state and what its parts share.
 * egresslog.c writes records and checkpoints, egresslog-recover.c recovers at open,
 * egresslog-months.c handles the month files. */

#include <glib.h>

#include "egresslog.h"
#include "merkle.h"

G_BEGIN_DECLS

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

/* The log's clock, in microseconds since the epoch (the tests' clock when set). */
gint64 fut_egress_log_now(FutEgressLog *log);
/* Opens (creating) the file of @month for appending and makes it the current one; the
 * directory is synced so that the name survives a crash. */
gboolean fut_egress_log_open_month_file(FutEgressLog *log, const gchar *month, GError **error);
/* Writes all of @buf to @fd, retrying on EINTR. FALSE with errno set on failure. */
gboolean fut_egress_log_write_all(int fd, const gchar *buf, gsize len);
/* Writes one record at @time_us, without any checkpoint or rotation logic. */
gboolean fut_egress_log_write_record(FutEgressLog *log,
                                     const FutLogEvent *ev,
                                     gint64 time_us,
                                     gboolean durable,
                                     gint64 *ret_seq,
                                     GError **error);
/* Writes a signed checkpoint (durably) and hands it to the checkpoint callback. */
gboolean fut_egress_log_write_checkpoint(FutEgressLog *log,
                                         gint64 now,
                                         const gchar *trigger,
                                         GError **error);
/* Moves to the month of @now when it is later than the file's month, sealing the old month
 * with a checkpoint first. */
gboolean fut_egress_log_ensure_month(FutEgressLog *log, gint64 now, GError **error);
/* Returns the month file names of @dirfd, sorted oldest first. */
GPtrArray *fut_egress_log_list_months(int dirfd, GError **error);
/* The recovery at open (egresslog-recover.c): see fut_egress_log_open(). */
gboolean fut_egress_log_recover(FutEgressLog *log, GError **error);

G_END_DECLS
