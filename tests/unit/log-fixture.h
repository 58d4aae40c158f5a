/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* TEST ONLY: logs of a host made at test time with the real writer, and the edits a forger
 * makes to them (shared by test-logverify and test-logverify-tamper). */

#include <glib.h>

#include "crypto.h"
#include "logrecord.h"
#include "logverify.h"

typedef struct {
	gint64 now;
} FakeClock;

typedef struct {
	gchar *dir;
	gchar *witness; /* path of a witness file holding every checkpoint */
	FutKey *key;
} Fixture;

gint64 fake_clock(gpointer data);
gint64 utc(gint y, gint mo, gint d, gint h, gint mi, gint s);
FutKey *test_key(guint8 fill);
void rm_rf(const gchar *dir);
void on_checkpoint(const FutLogCheckpoint *cp, gpointer data);
void fixture_make(Fixture *fx, const gchar *host, guint8 key_fill);
void fixture_free(Fixture *fx);
gchar *month_path(Fixture *fx, const gchar *month);
GPtrArray *lines_read(Fixture *fx, const gchar *month);
void lines_write(Fixture *fx, const gchar *month, GPtrArray *lines);
FutLogRecord *parse_ok(const gchar *line);
void rechain(GPtrArray *lines, guint from);
FutLogHostResult *verify(Fixture *fx, const gchar *witness_path, const FutKey *pinned);
gboolean has_finding(FutLogHostResult *res, const gchar *code);
guint nth_checkpoint(GPtrArray *lines, guint n);
FutLogHostResult *verify_with(const gchar *dir, const FutLogVerifyOptions *opts);
void rechain_from(GPtrArray *lines, guint from, gint64 seq, const guint8 prev[FUT_SHA256_LEN]);
