/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include <glib.h>

#include "logverify.h"
#include "mediareg.h"

G_BEGIN_DECLS

/* The monthly report of futari-audit, internal to the command: the data model collected from
 * the records (futari-audit-report-model.c), and its writers: report.html
 * (futari-audit-report-html.c), events.csv (futari-audit-report-csv.c) and summary.json
 * (futari-audit-report-json.c). */

/* Rows shown in the HTML per table (events.csv has every row). */
#define ROWS_CLASS_III 300
#define ROWS_DENIALS   1000
#define ROWS_UPLOADS   500
#define ROWS_FINDINGS  20

enum { CLASS_I, CLASS_II, CLASS_III, CLASS_UNKNOWN, N_CLASSES };

typedef struct _Report Report;

typedef struct {
	gchar *approvers; /* as report_approvers_text(), or NULL */
	gchar *reason;    /* the requester's, or NULL */
	gchar *host;      /* an upload's destination host, or NULL */
} Redeemed;

typedef struct {
	gint64 time_us;
	gint64 seq;
	gchar *host;
	FutLogEvent *ev;
	Redeemed *red; /* an upload's redeem (same host), attached when merged; or NULL */
} Row;

typedef struct {
	gchar *vid, *pid, *serial, *label, *asset;
	const FutMediaEntry *reg;
	gint64 first_us, last_us;
	GHashTable *hosts; /* set of host names */
	gchar *last_host;  /* the host of the medium's last record (one of @hosts) */
	guint attaches, writes, suspicious;
} Medium;

typedef struct {
	gchar *dir;
	FutLogHostResult *res;
	guint64 records;
	guint64 checkpoints;
	gint64 first_us, last_us;
	guint gaps[4];       /* unclean, overflow, torn, clock */
	gboolean unreadable; /* the directory could not be read: @res holds that finding */
} HostReport;

struct _Report {
	gchar month[8];
	gboolean ja;
	gint days;
	gint64 month_start_us;
	FutMediaRegister *reg;
	GPtrArray *hosts;              /* HostReport* */
	GHashTable *media;             /* key -> Medium* */
	GPtrArray *exports[N_CLASSES]; /* rows kept for the HTML (up to the caps) */
	GPtrArray *denials;
	GPtrArray *uploads;
	guint n_exports[N_CLASSES]; /* all rows, less the withdrawn ones */
	guint retracted;            /* export.written records withdrawn by export.failed */
	guint n_denials;
	guint n_uploads;
	guint exports_day[3][31];
	guint denials_day[31];
	guint64 records;
	guint64 requested, redeemed;
	guint upload_counts[3]; /* allowed, denied, observed */
	/* export.refused, upload.denied, approval.refused, suspicious, revocation.refused */
	guint denial_counts[5];
	FILE *csv;        /* the report's events.csv */
	GString *csv_buf; /* a host's part: its rows, written to @csv when merged */
	/* Class I, II and unknown exports are all shown: each row is rendered into its part's
	 * @export_html as it is read, and appended to the whole report's spool (a temporary
	 * file, -1 for Class III, which keeps its capped rows) when merged: the memory does not
	 * grow with the number of rows. */
	GString *export_html[N_CLASSES];
	/* a part's: "CLASS/detail.partial" -> 1 + the offset of that export's row in
	 * export_html[CLASS], so a withdrawn export's row can be taken out */
	GHashTable *row_at;
	int export_spool[N_CLASSES];
	guint64 export_spool_len[N_CLASSES];
	gboolean spool_failed;
	HostReport *cur;
	gboolean write_failed;
	/* request id -> Redeemed, from redeem.accepted, of one host's part: an upload.allowed
	 * record names only the request it used, the approvers and the requester's reason are
	 * on the redeem. Attached to the part's upload rows when merged, then dropped: the
	 * memory does not grow with the fleet. */
	GHashTable *redeems;
	/* Set (atomically) on the whole report once its kept rows reach the cap; read by the
	 * parts without the lock. The parts merge in host order, so once it is set no later part
	 * gets a row in: a part does not copy rows its merge would drop. */
	gint denials_full, uploads_full, class3_full;
	Report *whole; /* of a part: the report it is merged into; NULL for the whole */
};

/* model */
void report_row_free(gpointer p);
void report_medium_free(gpointer p);
void report_host_free(gpointer p);
void report_redeemed_free(gpointer p);
/* The reason a person gave: the requester's for an export or a redeem, else the agent's. */
const gchar *report_reason_of(const FutLogEvent *ev);
/* The approvers of @ev joined by ", ", or NULL when none. */
gchar *report_approvers_text(const FutLogEvent *ev, gboolean ja);
gint report_cmp_strptr(gconstpointer a, gconstpointer b, gpointer unused);
/* FutLogRecordFunc over the records of every host, with the Report as user data. */
void report_collect(
    const FutLogRecord *rec, const gchar *month, const gchar *line, gsize len, gpointer data);
/* A Report for one host's records, collected apart (in a thread) and merged into @r in the
 * order the hosts were given: report_part_new(), report_collect() on it, report_merge(). */
Report *report_part_new(const Report *r);
/* Moves @part's rows, counts, media and redeems into @r (keeping @r's caps), writes its
 * events.csv rows, and frees @part. */
void report_merge(Report *r, Report *part);
/* The media seen, unregistered first (Medium*, borrowed). */
GPtrArray *report_sorted_media(const Report *r);
/* Registered media with no record this month (FutMediaEntry*, borrowed). */
GPtrArray *report_lost_media(const Report *r);
guint64 report_total_findings(const Report *r);
/* The host name, or the escaped directory when the log named none. */
gchar *report_host_name(const HostReport *h);
/* The last checkpoint of the reported month in @h's log, or NULL. */
const FutLogCheckpoint *report_month_checkpoint(const Report *r, const HostReport *h);

/* events.csv */
void report_csv_header(FILE *f);
void report_csv_record(Report *r, const FutLogRecord *rec);

/* The report text @key in Japanese or English; @key itself when unknown. */
const gchar *report_text(gboolean ja, const gchar *key);

/* report.html, written to @fd as it is built. */
gboolean
report_write_html(int fd, const Report *r, GPtrArray *media, GPtrArray *lost, GError **error);
/* One row of the exports table of class @c. */
/* Whether @ev (an export.failed record) withdraws its file's export.written record. */
gboolean report_is_retraction(const FutLogEvent *ev);
void report_html_export_row(
    GString *s, const Report *r, gint c, gint64 time_us, const gchar *host, const FutLogEvent *ev);
/* A temporary file in @dir (unlinked) for the rows rendered while reading; -1 and @error when
 * none can be made. */
int report_spool_open(const gchar *dir, GError **error);

/* summary.json, written to @f as it is built; FALSE when a write failed. */
gboolean report_summary_json_write(const Report *r, GPtrArray *media, GPtrArray *lost, FILE *f);

G_END_DECLS
