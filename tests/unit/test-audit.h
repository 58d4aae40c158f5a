/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "crypto.h"
#include "egresslog.h"
#include "logrecord.h"
#include "util.h"

G_BEGIN_DECLS

/* test-audit's fixture (test-audit-fixture.c): three hosts' logs of November 2026 under a
 * temporary folder, and futari-audit run as a program. */

extern gchar *tmp_root;
extern gchar *logs[3];
extern gchar *media_conf;
extern gchar *witness_file;
extern FutKey *host_keys[3]; /* borrowed by the logs while they are open */
extern const gchar HASH[];   /* a SHA-256 in hex, for the records' objects */

typedef struct {
	gint64 now;
} FakeClock;

typedef struct {
	FutEgressLog *log;
	FakeClock clock;
} Host;

gint64 fake_clock(gpointer data);
/* 2026-@mo-@d @h:@mi UTC in microseconds */
gint64 utc(gint mo, gint d, gint h, gint mi);
/* Appends @ev (freed) to @h's log at 2026-@mo-@d @hh:00 UTC. */
void emit(Host *h, gint mo, gint d, gint hh, FutLogEvent *ev);
FutLogEvent *ev_new(const gchar *name, const gchar *login, gint64 uid, const gchar *exe);
void build_fixtures(void);
/* Runs futari-audit with @args; returns its exit status, stdout and stderr. */
gint run(const gchar *const *args, gchar **ret_out, gchar **ret_err);
/* The futari-audit of this build. Caller frees. */
gchar *audit_path(void);
JsonObject *parse_json(const gchar *text, JsonParser **ret_parser);
guint count_lines(const gchar *s);
void rm_rf(const gchar *dir);

/* Registers the report tests (test-audit-report.c). */
void test_audit_add_report(void);

G_END_DECLS
