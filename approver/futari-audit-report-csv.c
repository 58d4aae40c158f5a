/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit report: events.csv, every record of the month, one row each. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "egresslog.h"
#include "futari-audit-report.h"
#include "logrecord.h"

/* RFC 4180 quoting; a cell that a spreadsheet would run as a formula gets a leading '. */
static void
csv_cell(GString *s, const gchar *v, gboolean last)
{
	if (v != NULL) {
		g_string_append_c(s, '"');
		if (strchr("=+-@\t\r", v[0]) != NULL && v[0] != '\0')
			g_string_append_c(s, '\'');
		for (const gchar *p = v; *p; p++) {
			if (*p == '"')
				g_string_append_c(s, '"');
			g_string_append_c(s, *p);
		}
		g_string_append_c(s, '"');
	}
	g_string_append(s, last ? "\r\n" : ",");
}

static void
csv_int(GString *s, gint64 v)
{
	if (v >= 0)
		g_string_append_printf(s, "%" G_GINT64_FORMAT, v);
	g_string_append_c(s, ',');
}

static const gchar *const csv_header[] = {"time",
                                          "host",
                                          "seq",
                                          "event",
                                          "login",
                                          "uid",
                                          "pid",
                                          "exe",
                                          "path",
                                          "size",
                                          "sha256",
                                          "class",
                                          "dest_kind",
                                          "vid",
                                          "product",
                                          "serial",
                                          "label",
                                          "asset",
                                          "fs_uuid",
                                          "upload_host",
                                          "program",
                                          "decision",
                                          "reason",
                                          "request",
                                          "approvers",
                                          "gap_kind",
                                          "requester_reason",
                                          "approver_names",
                                          NULL};

void
report_csv_header(FILE *f)
{
	/* The BOM makes Excel read the file as UTF-8 (Japanese names and reasons). */
	fputs("\xef\xbb\xbf", f);
	for (const gchar *const *h = csv_header; *h != NULL; h++)
		fprintf(f, "%s%s", *h, h[1] != NULL ? "," : "\r\n");
}

void
report_csv_record(Report *r, const FutLogRecord *rec)
{
	g_autoptr(GString) s = g_string_sized_new(512);
	g_autofree gchar *t = fut_log_time_format(rec->time_us);
	g_autofree gchar *approvers = NULL;
	const FutLogEvent *ev = rec->ev;

	{
		g_autoptr(GString) a = g_string_new(NULL);
		for (guint i = 0; i < ev->approvers->len; i++)
			g_string_append_printf(a, "%s%s", i > 0 ? " " : "",
			                       (gchar *)g_ptr_array_index(ev->approvers, i));
		approvers = g_string_free(g_steal_pointer(&a), FALSE);
	}
	csv_cell(s, t, FALSE);
	csv_cell(s, rec->host, FALSE);
	csv_int(s, rec->seq);
	csv_cell(s, ev->event, FALSE);
	csv_cell(s, ev->subject.login, FALSE);
	csv_int(s, ev->subject.uid);
	csv_int(s, ev->subject.pid);
	csv_cell(s, ev->subject.exe, FALSE);
	csv_cell(s, ev->object.path, FALSE);
	csv_int(s, ev->object.size);
	csv_cell(s, ev->object.sha256, FALSE);
	csv_cell(s, ev->object.klass, FALSE);
	csv_cell(s, ev->destination.kind, FALSE);
	csv_cell(s, ev->destination.vid, FALSE);
	csv_cell(s, ev->destination.pid, FALSE);
	csv_cell(s, ev->destination.serial, FALSE);
	csv_cell(s, ev->destination.label, FALSE);
	csv_cell(s, ev->destination.asset, FALSE);
	csv_cell(s, ev->destination.fs_uuid, FALSE);
	csv_cell(s, ev->destination.host, FALSE);
	csv_cell(s, ev->destination.program, FALSE);
	csv_cell(s, ev->decision, FALSE);
	csv_cell(s, ev->reason, FALSE);
	csv_cell(s, ev->request, FALSE);
	csv_cell(s, approvers[0] != '\0' ? approvers : NULL, FALSE);
	csv_cell(s,
	         g_strcmp0(ev->event, FUT_LOG_EV_GAP) == 0
	             ? fut_log_event_get_detail_str(ev, "kind")
	             : NULL,
	         FALSE);
	csv_cell(s, fut_log_event_get_detail_str(ev, "requester_reason"), FALSE);
	{
		g_autoptr(GString) names = g_string_new(NULL);
		for (guint i = 0; i < ev->approvers->len; i++) {
			g_autofree gchar *key = g_strdup_printf("approver_%u", i + 1);
			const gchar *who = fut_log_event_get_detail_str(ev, key);
			g_string_append_printf(names, "%s%s", i > 0 ? "; " : "",
			                       who != NULL ? who : "");
		}
		csv_cell(s, names->len > 0 ? names->str : NULL, TRUE);
	}
	if (r->csv_buf != NULL)
		g_string_append_len(r->csv_buf, s->str, (gssize)s->len);
	else if (fwrite(s->str, 1, s->len, r->csv) != s->len)
		r->write_failed = TRUE;
}
