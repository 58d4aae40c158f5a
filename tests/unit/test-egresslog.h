/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the parts of test-egresslog: helpers (test-egresslog-util.c) and the tests
 * below the writer (test-egresslog-records.c). */

#include <glib.h>

#include "crypto.h"
#include "logrecord.h"

typedef struct {
	gint64 now;
} FakeClock;

gint64 fake_clock(gpointer data);
gint64 utc(gint y, gint mo, gint d, gint h, gint mi, gint s);
FutKey *test_key(guint8 fill);
gchar *make_tmpdir(void);
void rm_rf(const gchar *dir);
/* Reads the lines of a month file (LF removed; an unterminated tail is kept as a line). */
GPtrArray *read_lines(const gchar *dir, const gchar *month);
FutLogRecord *parse_ok(const gchar *line);
/* Checks the chain through @lines (all must be records), starting after @prev/@seq; the
 * month's tree must match every checkpoint. Returns the number of checkpoints. */
guint check_chain(GPtrArray *lines, guint8 prev[FUT_SHA256_LEN], gint64 *seq);
const gchar *event_of(GPtrArray *lines, guint i);
FutLogEvent *sample_export(const gchar *path);

void test_merkle(void);
void test_record_roundtrip(void);
void test_record_mutations(void);
void test_record_garbage(void);
void test_record_escaping(void);
void test_record_long_strings(void);
void test_witness(void);
void test_time_format_calendar(void);
