/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit report: report.html (self-contained, A4, inline SVG charts, Japanese by
 * default). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>

#include "crypto.h"
#include "egresslog.h"
#include "futari-audit-report-html.h"
#include "futari-audit-report.h"
#include "logrecord.h"
#include "mediareg.h"
#include "util.h"

static const gchar css[] =
    "@page{size:A4;margin:14mm 12mm}"
    "*{box-sizing:border-box}"
    "body{font-family:'Noto Sans CJK JP','Noto Sans JP','IPAexGothic','Yu Gothic',sans-serif;"
    "font-size:10pt;line-height:1.45;color:#111;max-width:186mm;margin:8mm auto;padding:0 2mm}"
    "h1{font-size:17pt;margin:0 0 2mm;border-bottom:2px solid #1f3b57;padding-bottom:2mm}"
    "h2{font-size:12.5pt;margin:7mm 0 2mm;border-left:5px solid #1f3b57;padding-left:6px;"
    "break-after:avoid}"
    "h3{font-size:10.5pt;margin:4mm 0 1mm;break-after:avoid}"
    ".sub{color:#444;margin:0 0 3mm}"
    "table{border-collapse:collapse;width:100%;font-size:8.5pt;margin:1mm 0 2mm}"
    "th,td{border:1px solid #9aa4ad;padding:1.5px 4px;vertical-align:top;text-align:left}"
    "th{background:#e8edf2;font-weight:bold;white-space:nowrap}"
    "thead{display:table-header-group}tr{break-inside:avoid}"
    "td.num{text-align:right;white-space:nowrap}td.t,td.id{white-space:nowrap}"
    "td.path{word-break:break-all}td.root b,td.root span{white-space:nowrap}"
    ".mono{font-family:'Noto Sans Mono CJK JP','DejaVu Sans Mono',monospace;font-size:8.5pt;"
    "word-break:break-all}td.id{font-family:'Noto Sans Mono CJK JP',monospace;font-size:8pt}"
    ".ok{color:#17692d;font-weight:bold}.ng{color:#b00020;font-weight:bold}"
    "tr.warn td{background:#fdecea}"
    ".kpi{display:grid;grid-template-columns:repeat(4,1fr);gap:2mm;margin:2mm 0}"
    ".kpi div{border:1px solid #9aa4ad;padding:1.5mm 2mm}"
    ".kpi b{display:block;font-size:15pt}"
    ".kpi span{font-size:8pt;color:#333}"
    ".verdict{border:2px solid;padding:2mm 3mm;margin:2mm 0;font-weight:bold}"
    ".verdict .vlist{font-weight:normal;font-size:8.5pt}"
    ".verdict.ok{border-color:#17692d}.verdict.ng{border-color:#b00020;background:#fdecea}"
    ".sign{display:flex;justify-content:flex-end;gap:4mm;margin:3mm 0}"
    ".sign div{border:1px solid #555;width:38mm;height:16mm;padding:1mm;font-size:8pt}"
    ".sign div.seal{width:16mm}"
    "figure{margin:1mm 0 3mm;break-inside:avoid}svg{width:100%;height:auto;"
    "font-family:inherit}"
    ".note{font-size:8.5pt;color:#333}.none{color:#555}"
    "@media print{body{margin:0;max-width:none}}";

/* report.html is written as it is built, in large writes: its size grows with the fleet (every
 * Class I and II export is a row), the memory does not. */
#define HTML_FLUSH_AT (1024 * 1024)

typedef struct {
	GString *s;
	int fd;
	int err; /* the first write's errno, 0 while all went well */
} HtmlSink;

static void
sink_write(HtmlSink *o, const gchar *data, gsize len)
{
	while (len > 0 && o->err == 0) {
		ssize_t n = write(o->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->err = n < 0 ? errno : EIO;
			return;
		}
		data += n;
		len -= (gsize)n;
	}
}

/* Writes out what is built once it is large (@force: whatever there is). */
static void
html_sink_flush(HtmlSink *o, gboolean force)
{
	if (o->s->len == 0 || (!force && o->s->len < HTML_FLUSH_AT))
		return;
	sink_write(o, o->s->str, o->s->len);
	g_string_truncate(o->s, 0);
}

/* Copies the @len bytes of a spool of rendered rows (a temporary file) into the page. */
static void
html_sink_copy_spool(HtmlSink *o, int fd, guint64 len)
{
	g_autofree gchar *buf = NULL;
	guint64 at = 0;

	if (len == 0)
		return;
	html_sink_flush(o, TRUE);
	if (fd < 0) {
		o->err = o->err != 0 ? o->err : EBADF;
		return;
	}
	buf = g_malloc(HTML_FLUSH_AT);
	while (at < len && o->err == 0) {
		ssize_t n = pread(fd, buf, (gsize)MIN((guint64)HTML_FLUSH_AT, len - at), (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* the spool is ours: shorter than written is a failure, never a short page
			 */
			o->err = n < 0 ? errno : EIO;
			return;
		}
		sink_write(o, buf, (gsize)n);
		at += (guint64)n;
	}
}

/* Names @hosts (HostReport*) in one paragraph after @key. */
static void
verdict_list(GString *s, const Report *r, const gchar *key, GPtrArray *hosts)
{
	if (hosts->len == 0)
		return;
	g_string_append(s, "<br><span class=\"vlist\">");
	html_esc(s, html_t(r, key));
	g_string_append_printf(s, " (%u): ", hosts->len);
	for (guint i = 0; i < hosts->len; i++) {
		const HostReport *h = g_ptr_array_index(hosts, i);
		g_autofree gchar *name = report_host_name(h);
		if (i >= 50) {
			g_autofree gchar *m = html_more_text(r, hosts->len - i);
			g_string_append(s, " … ");
			html_esc(s, m);
			break;
		}
		if (i > 0)
			g_string_append(s, ", ");
		html_esc(s, name);
	}
	g_string_append(s, "</span>");
}

/* Verified means: read, and no finding. A host that could not be read is named, never
 * counted as verified; the limits of what was verified (no pinned key, no witness) are said
 * in the verdict itself. */
static void
write_verdict(GString *s, const Report *r)
{
	guint64 findings = report_total_findings(r);
	g_autoptr(GPtrArray) ng = g_ptr_array_new();
	g_autoptr(GPtrArray) unreadable = g_ptr_array_new();
	g_autoptr(GPtrArray) unpinned = g_ptr_array_new();
	g_autoptr(GPtrArray) unwitnessed = g_ptr_array_new();
	gboolean ok = findings == 0 && r->hosts->len > 0;

	for (guint i = 0; i < r->hosts->len; i++) {
		HostReport *h = g_ptr_array_index(r->hosts, i);
		if (h->unreadable)
			g_ptr_array_add(unreadable, h);
		else if (h->res->findings->len > 0)
			g_ptr_array_add(ng, h);
		if (!h->unreadable && !h->res->key_pinned)
			g_ptr_array_add(unpinned, h);
		if (!h->unreadable && !h->res->witnessed)
			g_ptr_array_add(unwitnessed, h);
	}
	g_string_append_printf(s, "<div class=\"verdict %s\">", ok ? "ok" : "ng");
	html_esc(s, html_t(r, "integrity"));
	g_string_append(s, ": ");
	html_esc(s, ok ? html_t(r, "all_ok") : html_t(r, "not_ok"));
	if (findings > 0)
		g_string_append_printf(s, " (%" G_GUINT64_FORMAT ")", findings);
	verdict_list(s, r, "v_unreadable", unreadable);
	verdict_list(s, r, "v_hosts_ng", ng);
	verdict_list(s, r, "v_unpinned", unpinned);
	verdict_list(s, r, "v_unwitnessed", unwitnessed);
	g_string_append(s, "</div>\n");
}

static void
write_html_head(GString *s, const Report *r)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *gen = g_date_time_format(now, "%Y-%m-%d %H:%M UTC");

	g_string_append_printf(s,
	                       "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">",
	                       r->ja ? "ja" : "en");
	g_string_append(s, "<title>");
	html_esc(s, html_t(r, "title"));
	g_string_append_printf(s, " %s</title><style>%s</style></head><body>\n", r->month, css);
	/* The verdict is the first thing on the page. */
	write_verdict(s, r);
	g_string_append(s, "<h1>");
	html_esc(s, html_t(r, "title"));
	g_string_append_printf(s, " — %s</h1>\n<p class=\"sub\">", r->month);
	html_esc(s, html_t(r, "subtitle"));
	g_string_append(s, "<br>");
	html_esc(s, html_t(r, "generated"));
	g_string_append_printf(s, ": %s　", gen);
	html_esc(s, html_t(r, "hosts"));
	g_string_append_printf(s, ": %u　", r->hosts->len);
	html_esc(s, html_t(r, "tz"));
	g_string_append(s, "</p>\n");
	g_string_append(s, "<div class=\"sign\"><div>");
	html_esc(s, html_t(r, "sign"));
	g_string_append(s, "</div><div>");
	html_esc(s, html_t(r, "date"));
	g_string_append(s, "</div><div class=\"seal\">");
	html_esc(s, html_t(r, "seal"));
	g_string_append(s, "</div></div>\n");
}

static void
kpi(GString *s, const Report *r, const gchar *key, guint64 n, const gchar *extra)
{
	g_string_append_printf(s, "<div><b>%" G_GUINT64_FORMAT "</b><span>", n);
	html_esc(s, html_t(r, key));
	if (extra != NULL) {
		g_string_append(s, " ");
		html_esc(s, extra);
	}
	g_string_append(s, "</span></div>");
}

static void
write_summary(GString *s, const Report *r, GPtrArray *media, GPtrArray *lost)
{
	guint unregistered = 0;
	guint gaps = 0;

	for (guint i = 0; i < media->len; i++)
		unregistered += ((Medium *)g_ptr_array_index(media, i))->reg == NULL;
	for (guint i = 0; i < r->hosts->len; i++) {
		HostReport *h = g_ptr_array_index(r->hosts, i);
		gaps += h->gaps[0] + h->gaps[1] + h->gaps[2] + h->gaps[3];
	}
	g_string_append(s, "<h2>");
	html_esc(s, html_t(r, "s_summary"));
	g_string_append(s, "</h2>\n<div class=\"kpi\">");
	kpi(s, r, "class_I", r->n_exports[CLASS_I], html_t(r, "exports"));
	kpi(s, r, "class_II", r->n_exports[CLASS_II], html_t(r, "exports"));
	kpi(s, r, "class_III", r->n_exports[CLASS_III], html_t(r, "exports"));
	kpi(s, r, "denials", r->n_denials, NULL);
	kpi(s, r, "uploads", r->n_uploads, NULL);
	kpi(s, r, "media_seen", media->len, NULL);
	kpi(s, r, r->reg != NULL ? "unregistered" : "media_seen",
	    r->reg != NULL ? unregistered : media->len, NULL);
	kpi(s, r, "lost_count", lost->len, NULL);
	kpi(s, r, "records", r->records, NULL);
	kpi(s, r, "gaps", gaps, NULL);
	kpi(s, r, "findings", report_total_findings(r), NULL);
	kpi(s, r, "hosts", r->hosts->len, NULL);
	g_string_append(s, "</div>\n");
	if (r->n_exports[CLASS_UNKNOWN] > 0) {
		g_string_append(s, "<p class=\"ng\">");
		html_esc(s, html_t(r, "class_unknown"));
		g_string_append_printf(s, ": %u</p>\n", r->n_exports[CLASS_UNKNOWN]);
	}
}

static void
write_media(HtmlSink *o, const Report *r, GPtrArray *media, GPtrArray *lost)
{
	GString *s = o->s;
	static const gchar *const cols[] = {"asset",    "registered", "device",     "serial",
	                                    "label",    "owner",      "first_seen", "last_seen",
	                                    "on_hosts", "attaches",   "writes",     NULL};
	static const gchar *const lost_cols[] = {"asset", "device",     "serial", "label",
	                                         "owner", "lost_check", NULL};

	g_string_append(s, "<h2>");
	html_esc(s, html_t(r, "s_media"));
	g_string_append(s, "</h2>\n");
	if (r->reg == NULL) {
		g_string_append(s, "<p class=\"note\">");
		html_esc(s, html_t(r, "no_register"));
		g_string_append(s, "</p>\n");
	}
	if (media->len == 0) {
		html_none(s, r);
	} else {
		g_string_append(s, "<table>");
		html_th_row(s, r, cols);
		for (guint i = 0; i < media->len; i++) {
			html_sink_flush(o, FALSE);
			Medium *m = g_ptr_array_index(media, i);
			g_autofree gchar *dev = g_strdup_printf(
			    "%s:%s", m->vid != NULL ? m->vid : "?", m->pid != NULL ? m->pid : "?");
			g_autofree gchar *a = html_fmt_time(m->first_us);
			g_autofree gchar *z = html_fmt_time(m->last_us);
			g_autofree gchar *hosts = html_hosts_text(m->hosts);
			gboolean warn = (r->reg != NULL && m->reg == NULL) || m->suspicious > 0;
			g_string_append_printf(s, "<tr%s>", warn ? " class=\"warn\"" : "");
			html_td(s, NULL, m->reg != NULL ? m->reg->asset_id : m->asset);
			if (r->reg == NULL)
				html_td(s, NULL, NULL);
			else
				g_string_append_printf(
				    s, "<td class=\"%s\">%s</td>", m->reg != NULL ? "ok" : "ng",
				    m->reg != NULL ? html_t(r, "yes") : html_t(r, "no"));
			html_td(s, "t", dev);
			html_td(s, "mono", m->serial);
			html_td(s, NULL, m->label);
			html_td(s, NULL, m->reg != NULL ? m->reg->owner : NULL);
			html_td(s, "t", a);
			html_td(s, "t", z);
			html_td(s, NULL, hosts);
			html_td_num(s, m->attaches);
			html_td_num(s, m->writes);
			g_string_append(s, "</tr>\n");
		}
		g_string_append(s, "</table>\n");
	}

	g_string_append(s, "<h2>");
	html_esc(s, html_t(r, "s_lost"));
	g_string_append(s, "</h2>\n");
	if (r->reg == NULL) {
		g_string_append(s, "<p class=\"note\">");
		html_esc(s, html_t(r, "no_register"));
		g_string_append(s, "</p>\n");
		return;
	}
	if (lost->len == 0) {
		html_none(s, r);
		return;
	}
	g_string_append(s, "<p>");
	html_esc(s, html_t(r, "lost_note"));
	g_string_append(s, "</p><table>");
	html_th_row(s, r, lost_cols);
	for (guint i = 0; i < lost->len; i++) {
		html_sink_flush(o, FALSE);
		const FutMediaEntry *m = g_ptr_array_index(lost, i);
		g_autofree gchar *dev = g_strdup_printf("%s:%s", m->vid, m->pid);
		g_string_append(s, "<tr class=\"warn\">");
		html_td(s, NULL, m->asset_id);
		html_td(s, "t", dev);
		html_td(s, "mono", m->serial);
		html_td(s, NULL, NULL); /* the register has no label: it is the stick's to change */
		html_td(s, NULL, m->owner);
		g_string_append(s, "<td>□</td></tr>\n");
	}
	g_string_append(s, "</table>\n");
}

void
report_html_export_row(
    GString *s, const Report *r, gint c, gint64 time_us, const gchar *host, const FutLogEvent *ev)
{
	g_autofree gchar *t = html_fmt_time(time_us);
	g_autofree gchar *user = html_user_text(&ev->subject);
	g_autofree gchar *size = html_fmt_size(ev->object.size);
	g_autofree gchar *dev = html_device_text(&ev->destination);
	g_autofree gchar *appr = report_approvers_text(ev, r->ja);
	/* Class I and II leave only with approvers; none listed is worth a look. */
	gboolean warn = c <= CLASS_II && appr == NULL;

	g_string_append(s, warn ? "<tr class=\"warn\">" : "<tr>");
	html_td(s, "t", t);
	html_td(s, "t", host);
	html_td(s, NULL, user);
	html_td(s, "path", ev->object.path);
	html_td(s, "num", size);
	html_td(s, NULL, dev);
	html_td(s, NULL, appr);
	html_td(s, NULL, report_reason_of(ev));
	html_td_request(s, ev->request);
	g_string_append(s, "</tr>\n");
}

static void
write_exports(HtmlSink *o, const Report *r)
{
	static const gchar *const cols[] = {"time",    "host",        "requester", "file",
	                                    "size",    "destination", "approvers", "reason",
	                                    "request", NULL};
	static const gchar *const keys[] = {"class_I", "class_II", "class_III", "class_unknown"};
	static const gchar *const colors[] = {"#b3261e", "#e08a00", "#7d8b99"};
	const gchar *names[] = {html_t(r, "class_I"), html_t(r, "class_II"),
	                        html_t(r, "class_III")};
	GString *s = o->s;

	g_string_append(s, "<h2>");
	html_esc(s, html_t(r, "s_exports"));
	g_string_append(s, "</h2>\n");
	html_chart(s, r, html_t(r, "chart_exports"), (const guint(*)[31])r->exports_day, 3, colors,
	           names);
	for (gint c = 0; c < N_CLASSES; c++) {
		GPtrArray *rows = r->exports[c];
		guint total = r->n_exports[c];
		guint shown = c == CLASS_III ? MIN(rows->len, ROWS_CLASS_III) : total;
		if (c == CLASS_UNKNOWN && total == 0)
			continue;
		g_string_append(s, "<h3>");
		html_esc(s, html_t(r, keys[c]));
		g_string_append_printf(s, " — %u</h3>\n", total);
		if (total == 0) {
			html_none(s, r);
			continue;
		}
		g_string_append(s, "<table>");
		html_th_row(s, r, cols);
		if (c == CLASS_III) {
			for (guint i = 0; i < shown; i++) {
				Row *row = g_ptr_array_index(rows, i);
				report_html_export_row(s, r, c, row->time_us, row->host, row->ev);
			}
		} else {
			/* every row, rendered as the hosts were read (report_merge()) */
			html_sink_copy_spool(o, r->export_spool[c], r->export_spool_len[c]);
		}
		g_string_append(s, "</table>\n");
		html_more_rows(s, r, shown, total);
		html_sink_flush(o, FALSE);
	}
}

static void
write_denials(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"time", "host",  "event",  "user", "program",
	                                    "file", "class", "reason", NULL};
	static const gchar *const colors[] = {"#6a3d9a"};
	const gchar *names[] = {html_t(r, "denials")};
	guint shown = MIN(r->denials->len, ROWS_DENIALS);

	g_string_append(s, "<h2>");
	html_esc(s, html_t(r, "s_denials"));
	g_string_append(s, "</h2>\n");
	html_chart(s, r, html_t(r, "chart_denials"), (const guint(*)[31]) & r->denials_day, 1,
	           colors, names);
	if (r->n_denials == 0) {
		html_none(s, r);
		return;
	}
	g_string_append(s, "<table>");
	html_th_row(s, r, cols);
	for (guint i = 0; i < shown; i++) {
		Row *row = g_ptr_array_index(r->denials, i);
		g_autofree gchar *t = html_fmt_time(row->time_us);
		g_autofree gchar *user = html_user_text(&row->ev->subject);
		g_autofree gchar *evkey = g_strdup_printf("ev_%s", row->ev->event);
		g_autofree gchar *dev = NULL;
		const gchar *program = row->ev->destination.program != NULL
		                           ? row->ev->destination.program
		                           : row->ev->subject.exe;
		g_string_append(s, "<tr>");
		html_td(s, "t", t);
		html_td(s, "t", row->host);
		html_td(s, NULL, html_t(r, evkey));
		html_td(s, NULL, user);
		if (g_strcmp0(row->ev->event, FUT_LOG_EV_DEVICE_SUSPICIOUS) == 0) {
			dev = html_device_text(&row->ev->destination);
			html_td(s, "path", dev);
		} else {
			html_td(s, "path", program);
		}
		html_td(s, "path", row->ev->object.path);
		html_td(s, NULL, row->ev->object.klass);
		html_td(s, NULL, row->ev->reason);
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</table>\n");
	html_more_rows(s, r, shown, r->n_denials);
}

static void
write_uploads(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"time",  "host",     "user",      "program", "file",
	                                    "class", "decision", "approvers", "reason",  NULL};
	guint shown = MIN(r->uploads->len, ROWS_UPLOADS);

	g_string_append(s, "<h2>");
	html_esc(s, html_t(r, "s_uploads"));
	g_string_append(s, "</h2>\n");
	if (r->n_uploads == 0) {
		html_none(s, r);
		return;
	}
	g_string_append(s, "<table>");
	html_th_row(s, r, cols);
	for (guint i = 0; i < shown; i++) {
		Row *row = g_ptr_array_index(r->uploads, i);
		g_autofree gchar *t = html_fmt_time(row->time_us);
		g_autofree gchar *user = html_user_text(&row->ev->subject);
		g_autofree gchar *appr = report_approvers_text(row->ev, r->ja);
		const gchar *d = row->ev->decision;
		const gchar *why = report_reason_of(row->ev);
		const Redeemed *red = row->red;

		/* an allowed upload shows who approved it and why it was asked for */
		if (red != NULL && appr == NULL)
			appr = g_strdup(red->approvers);
		if (red != NULL && red->reason != NULL)
			why = red->reason;
		g_string_append_printf(s, "<tr%s>",
		                       g_strcmp0(d, "deny") == 0 ? " class=\"warn\"" : "");
		html_td(s, "t", t);
		html_td(s, "t", row->host);
		html_td(s, NULL, user);
		{
			g_autofree gchar *dest = html_device_text(&row->ev->destination);
			const gchar *prog = dest[0] != '\0' ? dest : row->ev->subject.exe;
			g_autofree gchar *via = NULL;
			/* the open names no host; the redeemed request it used does */
			if (row->ev->destination.host == NULL && red != NULL && red->host != NULL)
				via = g_strdup_printf("%s → %s", prog != NULL ? prog : "?",
				                      red->host);
			html_td(s, "path", via != NULL ? via : prog);
		}
		html_td(s, "path", row->ev->object.path);
		html_td(s, NULL, row->ev->object.klass);
		html_td(s, NULL, d == NULL ? html_t(r, "observed") : html_t(r, d));
		html_td(s, NULL, appr);
		html_td(s, NULL, why);
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</table>\n");
	html_more_rows(s, r, shown, r->n_uploads);
}

static void
write_integrity(HtmlSink *o, const Report *r)
{
	GString *s = o->s;
	static const gchar *const cols[] = {"host",       "records_short", "period", "checkpoints",
	                                    "gaps_short", "key",           "result", NULL};
	g_autoptr(GString) ok_hosts = g_string_new(NULL);
	guint listed = 0;

	g_string_append(s, "<h2>");
	html_esc(s, html_t(r, "s_integrity"));
	g_string_append(s, "</h2>\n<table>");
	html_th_row(s, r, cols);
	for (guint i = 0; i < r->hosts->len; i++) {
		html_sink_flush(o, FALSE);
		HostReport *h = g_ptr_array_index(r->hosts, i);
		guint gaps = h->gaps[0] + h->gaps[1] + h->gaps[2] + h->gaps[3];
		gboolean bad = h->res->findings->len > 0;
		g_autofree gchar *period = NULL;
		g_autoptr(GString) gap_text = g_string_new(NULL);
		g_autofree gchar *host = report_host_name(h);

		/* With thousands of hosts, the clean ones go in one line at the end. */
		if (!bad && gaps == 0 && r->hosts->len > 20) {
			g_string_append_printf(ok_hosts, "%s%s", ok_hosts->len > 0 ? ", " : "",
			                       host);
			continue;
		}
		listed++;
		if (h->records > 0) {
			g_autofree gchar *a = html_fmt_time(h->first_us);
			g_autofree gchar *z = html_fmt_time(h->last_us);
			period = g_strdup_printf("%s – %s", a, z);
		}
		if (h->gaps[0] > 0)
			g_string_append_printf(gap_text, "%s %u ", html_t(r, "unclean"),
			                       h->gaps[0]);
		if (h->gaps[1] > 0)
			g_string_append_printf(gap_text, "%s %u ", html_t(r, "overflow"),
			                       h->gaps[1]);
		if (h->gaps[2] > 0)
			g_string_append_printf(gap_text, "%s %u ", html_t(r, "torn"), h->gaps[2]);
		if (h->gaps[3] > 0)
			g_string_append_printf(gap_text, "%s %u ", html_t(r, "clock"), h->gaps[3]);
		g_string_append_printf(s, "<tr%s>", bad ? " class=\"warn\"" : "");
		html_td(s, "t", host);
		html_td_num(s, h->records);
		html_td(s, "t", period);
		html_td_num(s, h->checkpoints);
		html_td(s, NULL, gap_text->len > 0 ? gap_text->str : "0");
		html_td(s, NULL, h->res->key_pinned ? html_t(r, "pinned") : html_t(r, "unpinned"));
		g_string_append_printf(s, "<td class=\"%s\">%s", bad ? "ng" : "ok",
		                       bad ? html_t(r, "ng") : html_t(r, "ok"));
		if (bad)
			g_string_append_printf(s, " (%u)", h->res->findings->len);
		g_string_append(s, "</td></tr>\n");
		for (guint k = 0; k < h->res->findings->len && k < ROWS_FINDINGS; k++) {
			const FutLogFinding *f = g_ptr_array_index(h->res->findings, k);
			g_autofree gchar *where =
			    f->file == NULL ? g_strdup("")
			    : f->line > 0
			        ? g_strdup_printf("%s:%" G_GUINT64_FORMAT, f->file, f->line)
			        : g_strdup(f->file);
			g_string_append(
			    s, "<tr class=\"warn\"><td></td><td colspan=\"6\" class=\"mono\">");
			{
				g_autofree gchar *key = g_strdup_printf("f_%s", f->code);
				g_string_append(s, "<b>");
				html_esc(s, html_t(r, key));
				g_string_append(s, "</b> ");
			}
			html_esc(s, f->code);
			g_string_append(s, " ");
			html_esc(s, where);
			g_string_append(s, ": ");
			html_esc(s, f->message);
			g_string_append(s, "</td></tr>\n");
		}
		if (h->res->findings->len > ROWS_FINDINGS) {
			g_string_append(s, "<tr class=\"warn\"><td></td><td colspan=\"6\">");
			{
				g_autofree gchar *m =
				    html_more_text(r, h->res->findings->len - ROWS_FINDINGS);
				html_esc(s, m);
			}
			g_string_append(s, "</td></tr>\n");
		}
	}
	g_string_append(s, "</table>\n");
	if (ok_hosts->len > 0) {
		g_string_append(s, "<p class=\"note\"><b>");
		html_esc(s, html_t(r, "ok_hosts"));
		g_string_append_printf(s, " (%u):</b> ", r->hosts->len - listed);
		html_esc(s, ok_hosts->str);
		g_string_append(s, "</p>\n");
	}
}

static void
write_final(HtmlSink *o, const Report *r)
{
	GString *s = o->s;
	static const gchar *const cols[] = {"host",      "cp_size", "last_seq", "time",
	                                    "tree_head", "key",     NULL};

	g_string_append(s, "<h2>");
	html_esc(s, html_t(r, "s_final"));
	g_string_append(s, "</h2>\n<p class=\"note\">");
	html_esc(s, html_t(r, "final_note"));
	g_string_append(s, "</p><table>");
	html_th_row(s, r, cols);
	for (guint i = 0; i < r->hosts->len; i++) {
		html_sink_flush(o, FALSE);
		HostReport *h = g_ptr_array_index(r->hosts, i);
		const FutLogCheckpoint *cp = report_month_checkpoint(r, h);
		g_string_append(s, "<tr>");
		html_td(s, "t", h->res->host != NULL ? h->res->host : h->dir);
		if (cp == NULL) {
			g_string_append(s, "<td colspan=\"5\" class=\"ng\">");
			html_esc(s, html_t(r, "no_checkpoint"));
			g_string_append(s, "</td></tr>\n");
			continue;
		}
		{
			g_autofree gchar *t = html_fmt_time(cp->time_us);
			g_autofree gchar *root = fut_hex_encode(cp->root, FUT_SHA256_LEN);
			g_autofree gchar *kid = fut_hex_encode(cp->key_id, FUT_KEY_ID_LEN);
			g_autofree gchar *root_fmt = g_strdup_printf(
			    "<b>%.16s</b> <span>%.16s</span> <span>%.16s</span> <span>%.16s</span>",
			    root, root + 16, root + 32, root + 48);
			html_td_num(s, cp->size);
			g_string_append_printf(s, "<td class=\"num\">%" G_GINT64_FORMAT "</td>",
			                       cp->last_seq);
			html_td(s, "t", t);
			/* hex only: no escaping needed */
			g_string_append_printf(s, "<td class=\"mono root\">%s</td>", root_fmt);
			html_td(s, "mono", kid);
		}
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</table>\n");
}

gboolean
report_write_html(int fd, const Report *r, GPtrArray *media, GPtrArray *lost, GError **error)
{
	g_autoptr(GString) s = g_string_sized_new(HTML_FLUSH_AT + 64 * 1024);
	HtmlSink o = {s, fd, 0};

	write_html_head(s, r);
	write_summary(s, r, media, lost);
	write_media(&o, r, media, lost);
	write_exports(&o, r);
	write_denials(s, r);
	write_uploads(s, r);
	html_sink_flush(&o, FALSE);
	write_integrity(&o, r);
	write_final(&o, r);
	g_string_append(s, "</body></html>\n");
	html_sink_flush(&o, TRUE);
	if (o.err != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(o.err), "%s",
		            g_strerror(o.err));
		return FALSE;
	}
	return TRUE;
}
