/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit report: events.csv, every record of the month, one row each. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "egresslog.h"
#include "futari-audit-report.h"
#include "logrecord.h"

/* RFC 4180 quoting; a cell that a spreadsheet would run as a formula gets a leading '.
 * Written in runs between quotes: events.csv holds every record of the month. */
static void
csv_text(GString *s, const gchar *v)
{
	for (;;) {
		gsize n = strcspn(v, "\"");
		g_string_append_len(s, v, (gssize)n);
		if (v[n] == '\0')
			return;
		g_string_append(s, "\"\"");
		v += n + 1;
	}
}

/* The first bytes that make a spreadsheet run a cell as a formula. */
static const gboolean csv_formula[256] = {
    ['='] = TRUE, ['+'] = TRUE, ['-'] = TRUE, ['@'] = TRUE, ['\t'] = TRUE, ['\r'] = TRUE,
};

static void
csv_open(GString *s, const gchar *first)
{
	g_string_append_c(s, '"');
	if (csv_formula[(guchar)first[0]])
		g_string_append_c(s, '\'');
}

/* Room for @n more bytes at the end of @s; returns where they go. The caller ends the string
 * with csv_done(). */
static inline gchar *
csv_room(GString *s, gsize n)
{
	if (s->len + n + 1 > s->allocated_len) {
		gsize at = s->len;
		g_string_set_size(s, at + n);
		g_string_truncate(s, at);
	}
	return s->str + s->len;
}

static inline void
csv_done(GString *s, gchar *end)
{
	*end = '\0';
	s->len = (gsize)(end - s->str);
}

/* A cell: quoted, quotes doubled, a leading ' before what a spreadsheet would run as a
 * formula; NULL as an empty cell. Written in one pass into room reserved for the worst case
 * (every byte a quote). */
static void
csv_cell(GString *s, const gchar *v, gboolean last)
{
	gsize n;
	gchar *p;

	if (v == NULL) {
		p = csv_room(s, 2);
		if (last) {
			*p++ = '\r';
			*p++ = '\n';
		} else {
			*p++ = ',';
		}
		csv_done(s, p);
		return;
	}
	n = strlen(v);
	p = csv_room(s, 2 * n + 6);
	*p++ = '"';
	if (n > 0 && csv_formula[(guchar)v[0]])
		*p++ = '\'';
	for (;;) {
		const gchar *q = memchr(v, '"', n);
		gsize run = q != NULL ? (gsize)(q - v) : n;
		memcpy(p, v, run);
		p += run;
		if (q == NULL)
			break;
		*p++ = '"';
		*p++ = '"';
		v += run + 1;
		n -= run + 1;
	}
	*p++ = '"';
	if (last) {
		*p++ = '\r';
		*p++ = '\n';
	} else {
		*p++ = ',';
	}
	csv_done(s, p);
}

static void
csv_int(GString *s, gint64 v)
{
	gchar *p = csv_room(s, 24);

	if (v >= 0) {
		gchar digits[24];
		gsize n = sizeof(digits);
		do {
			digits[--n] = (gchar)('0' + v % 10);
			v /= 10;
		} while (v > 0);
		memcpy(p, digits + n, sizeof(digits) - n);
		p += sizeof(digits) - n;
	}
	*p++ = ',';
	csv_done(s, p);
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
	/* a host's part is written straight into its buffer; without one, a line at a time */
	g_autoptr(GString) own = r->csv_buf == NULL ? g_string_sized_new(512) : NULL;
	GString *s = r->csv_buf != NULL ? r->csv_buf : own;
	gchar t[FUT_LOG_TIME_LEN + 1];
	const FutLogEvent *ev = rec->ev;

	fut_log_time_format_buf(rec->time_us, t);
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
	/* the approvers, space-separated in one cell (absent when that text is empty) */
	{
		guint n = ev->approvers->len;
		if (n > 1 ||
		    (n == 1 && ((gchar *)g_ptr_array_index(ev->approvers, 0))[0] != '\0')) {
			csv_open(s, g_ptr_array_index(ev->approvers, 0));
			for (guint i = 0; i < ev->approvers->len; i++) {
				if (i > 0)
					g_string_append_c(s, ' ');
				csv_text(s, g_ptr_array_index(ev->approvers, i));
			}
			g_string_append_c(s, '"');
		}
		g_string_append_c(s, ',');
	}
	csv_cell(s,
	         g_strcmp0(ev->event, FUT_LOG_EV_GAP) == 0
	             ? fut_log_event_get_detail_str(ev, "kind")
	             : NULL,
	         FALSE);
	csv_cell(s, fut_log_event_get_detail_str(ev, "requester_reason"), FALSE);
	if (ev->approvers->len > 0) {
		g_autoptr(GString) names = g_string_new(NULL);
		for (guint i = 0; i < ev->approvers->len; i++) {
			gchar key[32];
			const gchar *who;
			g_snprintf(key, sizeof(key), "approver_%u", i + 1);
			who = fut_log_event_get_detail_str(ev, key);
			if (i > 0)
				g_string_append(names, "; ");
			g_string_append(names, who != NULL ? who : "");
		}
		csv_cell(s, names->len > 0 ? names->str : NULL, TRUE);
	} else {
		csv_cell(s, NULL, TRUE);
	}
	if (own != NULL && fwrite(own->str, 1, own->len, r->csv) != own->len)
		r->write_failed = TRUE;
}
