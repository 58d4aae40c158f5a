/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "logverify.h"

G_BEGIN_DECLS

/* Shared by the futari-audit subcommands (futari-audit-common.c). */

#define AUDIT_EXIT_OK       0
#define AUDIT_EXIT_FINDINGS 1 /* findings, or refused input */
#define AUDIT_EXIT_USAGE    2

/* Progress on stderr when it is a terminal; silent otherwise. */
typedef struct {
	GMutex lock; /* the counters are updated from the verifying threads */
	gboolean tty;
	guint64 total;
	guint64 done;
	guint hosts_total;
	guint hosts_done;
	gint64 last_print_us;
	const gchar *what;
} AuditProgress;

void audit_progress_init(AuditProgress *p, const gchar *what, GStrv dirs);
void audit_progress_func(guint64 bytes, gpointer user_data);
void audit_progress_host_done(AuditProgress *p);
void audit_progress_end(AuditProgress *p);

/* The trust inputs common to verify, report and show. */
typedef struct {
	gchar **witness_files;
	gchar *host_key_file;
	gchar *keys_dir;
	gint retention;
	gchar *since_month;
	gchar *now;    /* --now: the clock of the check, as text */
	gint64 now_us; /* parsed; 0: the system clock */
	/* loaded */
	GPtrArray *witness_sets; /* FutLogWitnessFile*, one per --witness */
	guint64 witness_count;   /* witness lines in them all */
	FutKey *host_key;        /* may be NULL */
	GHashTable *keys;        /* host -> FutKey*, may be NULL */
} AuditTrust;

/* Adds --witness, --host-key, --keys and --retention to @ctx. */
void audit_trust_add_options(GOptionContext *ctx, AuditTrust *t);
/* Loads the files named by the options; prints a one-line reason and returns FALSE. */
gboolean audit_trust_load(AuditTrust *t);
void audit_trust_clear(AuditTrust *t);
void audit_trust_fill(AuditTrust *t, FutLogVerifyOptions *opts);

/* Verifies the @n directories @dirs, one host per core at a time. Returns a
 * FutLogHostResult* per directory, in order: a directory that cannot be read is a result
 * with an "unreadable" finding (its reason printed after @prog); hosts given twice are
 * flagged. */
GPtrArray *
audit_verify_dirs(AuditTrust *t, gchar **dirs, guint n, AuditProgress *p, const gchar *prog);

/* The subcommand that writes report.html, events.csv and summary.json
 * (futari-audit-report.c). */
int audit_cmd_report(int argc, char **argv);

G_END_DECLS
