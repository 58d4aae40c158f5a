/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit report: report.html (self-contained, A4, inline SVG charts, Japanese by
 * default). */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gi18n.h>

#include "crypto.h"
#include "egresslog.h"
#include "futari-audit-report.h"
#include "logrecord.h"
#include "mediareg.h"
#include "util.h"

static const gchar *
T(const Report *r, const gchar *key)
{
	return report_text(r->ja, key);
}

static void
esc(GString *s, const gchar *v)
{
	if (v == NULL) {
		g_string_append(s, "—");
		return;
	}
	for (const gchar *p = v; *p; p++) {
		switch (*p) {
		case '&':
			g_string_append(s, "&amp;");
			break;
		case '<':
			g_string_append(s, "&lt;");
			break;
		case '>':
			g_string_append(s, "&gt;");
			break;
		case '"':
			g_string_append(s, "&quot;");
			break;
		case '\'':
			g_string_append(s, "&#39;");
			break;
		default:
			g_string_append_c(s, *p);
		}
	}
}

static gchar *
fmt_time(gint64 us)
{
	g_autofree gchar *t = fut_log_time_format(us);

	/* 2026-11-26T09:00:00.000000Z -> 2026-11-26 09:00 */
	return g_strdup_printf("%.10s %.5s", t, t + 11);
}

static gchar *
fmt_size(gint64 n)
{
	if (n < 0)
		return g_strdup("—");
	return g_format_size_full((guint64)n, G_FORMAT_SIZE_IEC_UNITS);
}

static void
td(GString *s, const gchar *cls, const gchar *v)
{
	if (cls != NULL)
		g_string_append_printf(s, "<td class=\"%s\">", cls);
	else
		g_string_append(s, "<td>");
	esc(s, v);
	g_string_append(s, "</td>");
}

/* A request id is 32 hex digits: the first 8 identify it on paper (events.csv has it whole;
 * the title attribute too). */
static void
td_request(GString *s, const gchar *id)
{
	if (id == NULL || strlen(id) <= 10) {
		td(s, "id", id);
		return;
	}
	g_string_append(s, "<td class=\"id\" title=\"");
	esc(s, id);
	g_string_append_printf(s, "\">%.8s…</td>", id);
}

static void
td_num(GString *s, guint64 n)
{
	g_string_append_printf(s, "<td class=\"num\">%" G_GUINT64_FORMAT "</td>", n);
}

static void
th_row(GString *s, const Report *r, const gchar *const *keys)
{
	g_string_append(s, "<thead><tr>");
	for (const gchar *const *k = keys; *k != NULL; k++) {
		g_string_append(s, "<th>");
		esc(s, T(r, *k));
		g_string_append(s, "</th>");
	}
	g_string_append(s, "</tr></thead>\n");
}

static gchar *
device_text(const FutLogDestination *d)
{
	GString *s = g_string_new(NULL);

	if (g_strcmp0(d->kind, "upload") == 0) {
		if (d->program != NULL)
			g_string_append(s, d->program);
		if (d->host != NULL)
			g_string_append_printf(s, " → %s", d->host);
		return g_string_free(s, FALSE);
	}
	if (d->asset != NULL)
		g_string_append_printf(s, "%s ", d->asset);
	if (d->label != NULL)
		g_string_append_printf(s, "「%s」 ", d->label);
	if (d->vid != NULL)
		g_string_append_printf(s, "%s:%s ", d->vid, d->pid != NULL ? d->pid : "?");
	if (d->serial != NULL)
		g_string_append(s, d->serial);
	return g_string_free(s, FALSE);
}

static gchar *
user_text(const FutLogSubject *s)
{
	if (s->login != NULL && s->uid >= 0)
		return g_strdup_printf("%s (%" G_GINT64_FORMAT ")", s->login, s->uid);
	if (s->login != NULL)
		return g_strdup(s->login);
	if (s->uid >= 0)
		return g_strdup_printf("uid %" G_GINT64_FORMAT, s->uid);
	return NULL;
}

/* A nice axis maximum and step: 1, 2 or 5 times a power of ten, at most 5 steps. */
static void
axis(guint max, guint *ret_top, guint *ret_step)
{
	guint step = 1;

	if (max < 1)
		max = 1;
	for (guint mag = 1;; mag *= 10) {
		if (max <= mag * 5) {
			step = mag;
			break;
		}
		if (max <= mag * 10) {
			step = mag * 2;
			break;
		}
		if (max <= mag * 25) {
			step = mag * 5;
			break;
		}
	}
	*ret_step = step;
	*ret_top = ((max + step - 1) / step) * step;
}

/* A bar chart of @series (1 or 3 stacked) over the days of the month. */
static void
chart(GString *s,
      const Report *r,
      const gchar *title,
      const guint (*series)[31],
      guint nseries,
      const gchar *const *colors,
      const gchar *const *names)
{
	const gdouble W = 700, H = 230, L = 44, R = 10, TOP = 30, B = 28;
	const gdouble pw = W - L - R, ph = H - TOP - B;
	guint max = 0, top, step;
	gdouble slot = pw / r->days;

	for (gint d = 0; d < r->days; d++) {
		guint sum = 0;
		for (guint k = 0; k < nseries; k++)
			sum += series[k][d];
		max = MAX(max, sum);
	}
	axis(max, &top, &step);
	g_string_append_printf(
	    s,
	    "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f "
	    "%.0f\" role=\"img\" aria-label=\"",
	    W, H);
	esc(s, title);
	g_string_append(s, "\"><title>");
	esc(s, title);
	g_string_append(s, "</title>\n");
	g_string_append_printf(
	    s, "<text x=\"%.0f\" y=\"16\" font-size=\"13\" font-weight=\"bold\">", L);
	esc(s, title);
	g_string_append(s, "</text>\n");
	for (guint v = 0; v <= top; v += step) {
		gdouble y = TOP + ph - ph * v / top;
		g_string_append_printf(s,
		                       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		                       "stroke=\"#ccc\" stroke-width=\"0.6\"/>"
		                       "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
		                       "text-anchor=\"end\">%u</text>\n",
		                       L, y, W - R, y, L - 4, y + 3.5, v);
	}
	for (gint d = 0; d < r->days; d++) {
		gdouble x = L + slot * d + slot * 0.15;
		gdouble y = TOP + ph;
		for (guint k = 0; k < nseries; k++) {
			gdouble h = ph * series[k][d] / top;
			if (series[k][d] == 0)
				continue;
			y -= h;
			g_string_append_printf(
			    s,
			    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" fill=\"%s\"><title>%d: %u</title></rect>",
			    x, y, slot * 0.7, h, colors[k], d + 1, series[k][d]);
		}
		if (d == 0 || (d + 1) % 5 == 0 || d == r->days - 1)
			g_string_append_printf(s,
			                       "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
			                       "text-anchor=\"middle\">%d</text>",
			                       L + slot * d + slot / 2, TOP + ph + 14, d + 1);
	}
	g_string_append_printf(s,
	                       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	                       "stroke=\"#333\" stroke-width=\"1\"/>\n",
	                       L, TOP + ph, W - R, TOP + ph);
	g_string_append_printf(s,
	                       "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
	                       "text-anchor=\"end\">(%s)</text>\n",
	                       W - R, H - 2, T(r, "day"));
	if (nseries > 1) {
		gdouble x = W - R - 80.0 * nseries;
		for (guint k = 0; k < nseries; k++) {
			g_string_append_printf(
			    s,
			    "<rect x=\"%.1f\" y=\"7\" width=\"10\" height=\"10\" "
			    "fill=\"%s\"/><text x=\"%.1f\" y=\"16\" "
			    "font-size=\"11\">",
			    x + 80.0 * k, colors[k], x + 80.0 * k + 14);
			esc(s, names[k]);
			g_string_append(s, "</text>");
		}
	}
	g_string_append(s, "</svg></figure>\n");
}

static gchar *
more_text(const Report *r, guint n)
{
	return g_strdup_printf("%s%u%s", T(r, "more_rows_a"), n, T(r, "more_rows_b"));
}

static void
more_rows(GString *s, const Report *r, guint shown, guint total)
{
	if (total > shown) {
		g_autofree gchar *m = more_text(r, total - shown);
		g_string_append(s, "<p class=\"note\">");
		esc(s, m);
		g_string_append(s, "</p>\n");
	}
}

static void
none(GString *s, const Report *r)
{
	g_string_append(s, "<p class=\"none\">");
	esc(s, T(r, "none"));
	g_string_append(s, "</p>\n");
}

static gchar *
hosts_text(GHashTable *set)
{
	g_autofree const gchar **keys = (const gchar **)g_hash_table_get_keys_as_array(set, NULL);
	guint n = g_hash_table_size(set);

	g_qsort_with_data(keys, (gint)n, sizeof(gchar *), report_cmp_strptr, NULL);
	if (n > 5) {
		return g_strdup_printf("%s, %s, %s … (%u)", keys[0], keys[1], keys[2], n);
	}
	return g_strjoinv(", ", (gchar **)keys);
}

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

/* Names @hosts (HostReport*) in one paragraph after @key. */
static void
verdict_list(GString *s, const Report *r, const gchar *key, GPtrArray *hosts)
{
	if (hosts->len == 0)
		return;
	g_string_append(s, "<br><span class=\"vlist\">");
	esc(s, T(r, key));
	g_string_append_printf(s, " (%u): ", hosts->len);
	for (guint i = 0; i < hosts->len; i++) {
		const HostReport *h = g_ptr_array_index(hosts, i);
		g_autofree gchar *name = report_host_name(h);
		if (i >= 50) {
			g_autofree gchar *m = more_text(r, hosts->len - i);
			g_string_append(s, " … ");
			esc(s, m);
			break;
		}
		if (i > 0)
			g_string_append(s, ", ");
		esc(s, name);
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
	esc(s, T(r, "integrity"));
	g_string_append(s, ": ");
	esc(s, ok ? T(r, "all_ok") : T(r, "not_ok"));
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
	esc(s, T(r, "title"));
	g_string_append_printf(s, " %s</title><style>%s</style></head><body>\n", r->month, css);
	/* The verdict is the first thing on the page. */
	write_verdict(s, r);
	g_string_append(s, "<h1>");
	esc(s, T(r, "title"));
	g_string_append_printf(s, " — %s</h1>\n<p class=\"sub\">", r->month);
	esc(s, T(r, "subtitle"));
	g_string_append(s, "<br>");
	esc(s, T(r, "generated"));
	g_string_append_printf(s, ": %s　", gen);
	esc(s, T(r, "hosts"));
	g_string_append_printf(s, ": %u　", r->hosts->len);
	esc(s, T(r, "tz"));
	g_string_append(s, "</p>\n");
	g_string_append(s, "<div class=\"sign\"><div>");
	esc(s, T(r, "sign"));
	g_string_append(s, "</div><div>");
	esc(s, T(r, "date"));
	g_string_append(s, "</div><div class=\"seal\">");
	esc(s, T(r, "seal"));
	g_string_append(s, "</div></div>\n");
}

static void
kpi(GString *s, const Report *r, const gchar *key, guint64 n, const gchar *extra)
{
	g_string_append_printf(s, "<div><b>%" G_GUINT64_FORMAT "</b><span>", n);
	esc(s, T(r, key));
	if (extra != NULL) {
		g_string_append(s, " ");
		esc(s, extra);
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
	esc(s, T(r, "s_summary"));
	g_string_append(s, "</h2>\n<div class=\"kpi\">");
	kpi(s, r, "class_I", r->n_exports[CLASS_I], T(r, "exports"));
	kpi(s, r, "class_II", r->n_exports[CLASS_II], T(r, "exports"));
	kpi(s, r, "class_III", r->n_exports[CLASS_III], T(r, "exports"));
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
		esc(s, T(r, "class_unknown"));
		g_string_append_printf(s, ": %u</p>\n", r->n_exports[CLASS_UNKNOWN]);
	}
}

static void
write_media(GString *s, const Report *r, GPtrArray *media, GPtrArray *lost)
{
	static const gchar *const cols[] = {"asset",    "registered", "device",     "serial",
	                                    "label",    "owner",      "first_seen", "last_seen",
	                                    "on_hosts", "attaches",   "writes",     NULL};
	static const gchar *const lost_cols[] = {"asset", "device",     "serial", "label",
	                                         "owner", "lost_check", NULL};

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_media"));
	g_string_append(s, "</h2>\n");
	if (r->reg == NULL) {
		g_string_append(s, "<p class=\"note\">");
		esc(s, T(r, "no_register"));
		g_string_append(s, "</p>\n");
	}
	if (media->len == 0) {
		none(s, r);
	} else {
		g_string_append(s, "<table>");
		th_row(s, r, cols);
		for (guint i = 0; i < media->len; i++) {
			Medium *m = g_ptr_array_index(media, i);
			g_autofree gchar *dev = g_strdup_printf(
			    "%s:%s", m->vid != NULL ? m->vid : "?", m->pid != NULL ? m->pid : "?");
			g_autofree gchar *a = fmt_time(m->first_us);
			g_autofree gchar *z = fmt_time(m->last_us);
			g_autofree gchar *hosts = hosts_text(m->hosts);
			gboolean warn = (r->reg != NULL && m->reg == NULL) || m->suspicious > 0;
			g_string_append_printf(s, "<tr%s>", warn ? " class=\"warn\"" : "");
			td(s, NULL, m->reg != NULL ? m->reg->asset_id : m->asset);
			if (r->reg == NULL)
				td(s, NULL, NULL);
			else
				g_string_append_printf(s, "<td class=\"%s\">%s</td>",
				                       m->reg != NULL ? "ok" : "ng",
				                       m->reg != NULL ? T(r, "yes") : T(r, "no"));
			td(s, "t", dev);
			td(s, "mono", m->serial);
			td(s, NULL, m->label);
			td(s, NULL, m->reg != NULL ? m->reg->owner : NULL);
			td(s, "t", a);
			td(s, "t", z);
			td(s, NULL, hosts);
			td_num(s, m->attaches);
			td_num(s, m->writes);
			g_string_append(s, "</tr>\n");
		}
		g_string_append(s, "</table>\n");
	}

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_lost"));
	g_string_append(s, "</h2>\n");
	if (r->reg == NULL) {
		g_string_append(s, "<p class=\"note\">");
		esc(s, T(r, "no_register"));
		g_string_append(s, "</p>\n");
		return;
	}
	if (lost->len == 0) {
		none(s, r);
		return;
	}
	g_string_append(s, "<p>");
	esc(s, T(r, "lost_note"));
	g_string_append(s, "</p><table>");
	th_row(s, r, lost_cols);
	for (guint i = 0; i < lost->len; i++) {
		const FutMediaEntry *m = g_ptr_array_index(lost, i);
		g_autofree gchar *dev = g_strdup_printf("%s:%s", m->vid, m->pid);
		g_string_append(s, "<tr class=\"warn\">");
		td(s, NULL, m->asset_id);
		td(s, "t", dev);
		td(s, "mono", m->serial);
		td(s, NULL, NULL); /* the register has no label: it is the stick's to change */
		td(s, NULL, m->owner);
		g_string_append(s, "<td>□</td></tr>\n");
	}
	g_string_append(s, "</table>\n");
}

static void
write_exports(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"time",    "host",        "requester", "file",
	                                    "size",    "destination", "approvers", "reason",
	                                    "request", NULL};
	static const gchar *const keys[] = {"class_I", "class_II", "class_III", "class_unknown"};
	static const gchar *const colors[] = {"#b3261e", "#e08a00", "#7d8b99"};
	const gchar *names[] = {T(r, "class_I"), T(r, "class_II"), T(r, "class_III")};

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_exports"));
	g_string_append(s, "</h2>\n");
	chart(s, r, T(r, "chart_exports"), (const guint(*)[31])r->exports_day, 3, colors, names);
	for (gint c = 0; c < N_CLASSES; c++) {
		GPtrArray *rows = r->exports[c];
		guint cap = c == CLASS_III ? ROWS_CLASS_III : G_MAXUINT;
		guint total = r->n_exports[c];
		guint shown = MIN(rows->len, cap);
		if (c == CLASS_UNKNOWN && total == 0)
			continue;
		g_string_append(s, "<h3>");
		esc(s, T(r, keys[c]));
		g_string_append_printf(s, " — %u</h3>\n", total);
		if (total == 0) {
			none(s, r);
			continue;
		}
		g_string_append(s, "<table>");
		th_row(s, r, cols);
		for (guint i = 0; i < shown; i++) {
			Row *row = g_ptr_array_index(rows, i);
			g_autofree gchar *t = fmt_time(row->time_us);
			g_autofree gchar *user = user_text(&row->ev->subject);
			g_autofree gchar *size = fmt_size(row->ev->object.size);
			g_autofree gchar *dev = device_text(&row->ev->destination);
			g_autofree gchar *appr = report_approvers_text(row->ev, r->ja);
			/* Class I and II leave only with approvers; none listed is worth a look. */
			gboolean warn = c <= CLASS_II && appr == NULL;
			g_string_append_printf(s, "<tr%s>", warn ? " class=\"warn\"" : "");
			td(s, "t", t);
			td(s, "t", row->host);
			td(s, NULL, user);
			td(s, "path", row->ev->object.path);
			td(s, "num", size);
			td(s, NULL, dev);
			td(s, NULL, appr);
			td(s, NULL, report_reason_of(row->ev));
			td_request(s, row->ev->request);
			g_string_append(s, "</tr>\n");
		}
		g_string_append(s, "</table>\n");
		more_rows(s, r, shown, total);
	}
}

static void
write_denials(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"time", "host",  "event",  "user", "program",
	                                    "file", "class", "reason", NULL};
	static const gchar *const colors[] = {"#6a3d9a"};
	const gchar *names[] = {T(r, "denials")};
	guint shown = MIN(r->denials->len, ROWS_DENIALS);

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_denials"));
	g_string_append(s, "</h2>\n");
	chart(s, r, T(r, "chart_denials"), (const guint(*)[31]) & r->denials_day, 1, colors, names);
	if (r->n_denials == 0) {
		none(s, r);
		return;
	}
	g_string_append(s, "<table>");
	th_row(s, r, cols);
	for (guint i = 0; i < shown; i++) {
		Row *row = g_ptr_array_index(r->denials, i);
		g_autofree gchar *t = fmt_time(row->time_us);
		g_autofree gchar *user = user_text(&row->ev->subject);
		g_autofree gchar *evkey = g_strdup_printf("ev_%s", row->ev->event);
		g_autofree gchar *dev = NULL;
		const gchar *program = row->ev->destination.program != NULL
		                           ? row->ev->destination.program
		                           : row->ev->subject.exe;
		g_string_append(s, "<tr>");
		td(s, "t", t);
		td(s, "t", row->host);
		td(s, NULL, T(r, evkey));
		td(s, NULL, user);
		if (g_strcmp0(row->ev->event, FUT_LOG_EV_DEVICE_SUSPICIOUS) == 0) {
			dev = device_text(&row->ev->destination);
			td(s, "path", dev);
		} else {
			td(s, "path", program);
		}
		td(s, "path", row->ev->object.path);
		td(s, NULL, row->ev->object.klass);
		td(s, NULL, row->ev->reason);
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</table>\n");
	more_rows(s, r, shown, r->n_denials);
}

static void
write_uploads(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"time",  "host",     "user",      "program", "file",
	                                    "class", "decision", "approvers", "reason",  NULL};
	guint shown = MIN(r->uploads->len, ROWS_UPLOADS);

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_uploads"));
	g_string_append(s, "</h2>\n");
	if (r->n_uploads == 0) {
		none(s, r);
		return;
	}
	g_string_append(s, "<table>");
	th_row(s, r, cols);
	for (guint i = 0; i < shown; i++) {
		Row *row = g_ptr_array_index(r->uploads, i);
		g_autofree gchar *t = fmt_time(row->time_us);
		g_autofree gchar *user = user_text(&row->ev->subject);
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
		td(s, "t", t);
		td(s, "t", row->host);
		td(s, NULL, user);
		{
			g_autofree gchar *dest = device_text(&row->ev->destination);
			const gchar *prog = dest[0] != '\0' ? dest : row->ev->subject.exe;
			g_autofree gchar *via = NULL;
			/* the open names no host; the redeemed request it used does */
			if (row->ev->destination.host == NULL && red != NULL && red->host != NULL)
				via = g_strdup_printf("%s → %s", prog != NULL ? prog : "?",
				                      red->host);
			td(s, "path", via != NULL ? via : prog);
		}
		td(s, "path", row->ev->object.path);
		td(s, NULL, row->ev->object.klass);
		td(s, NULL, d == NULL ? T(r, "observed") : T(r, d));
		td(s, NULL, appr);
		td(s, NULL, why);
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</table>\n");
	more_rows(s, r, shown, r->n_uploads);
}

static void
write_integrity(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"host",       "records_short", "period", "checkpoints",
	                                    "gaps_short", "key",           "result", NULL};
	g_autoptr(GString) ok_hosts = g_string_new(NULL);
	guint listed = 0;

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_integrity"));
	g_string_append(s, "</h2>\n<table>");
	th_row(s, r, cols);
	for (guint i = 0; i < r->hosts->len; i++) {
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
			g_autofree gchar *a = fmt_time(h->first_us);
			g_autofree gchar *z = fmt_time(h->last_us);
			period = g_strdup_printf("%s – %s", a, z);
		}
		if (h->gaps[0] > 0)
			g_string_append_printf(gap_text, "%s %u ", T(r, "unclean"), h->gaps[0]);
		if (h->gaps[1] > 0)
			g_string_append_printf(gap_text, "%s %u ", T(r, "overflow"), h->gaps[1]);
		if (h->gaps[2] > 0)
			g_string_append_printf(gap_text, "%s %u ", T(r, "torn"), h->gaps[2]);
		if (h->gaps[3] > 0)
			g_string_append_printf(gap_text, "%s %u ", T(r, "clock"), h->gaps[3]);
		g_string_append_printf(s, "<tr%s>", bad ? " class=\"warn\"" : "");
		td(s, "t", host);
		td_num(s, h->records);
		td(s, "t", period);
		td_num(s, h->checkpoints);
		td(s, NULL, gap_text->len > 0 ? gap_text->str : "0");
		td(s, NULL, h->res->key_pinned ? T(r, "pinned") : T(r, "unpinned"));
		g_string_append_printf(s, "<td class=\"%s\">%s", bad ? "ng" : "ok",
		                       bad ? T(r, "ng") : T(r, "ok"));
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
				esc(s, T(r, key));
				g_string_append(s, "</b> ");
			}
			esc(s, f->code);
			g_string_append(s, " ");
			esc(s, where);
			g_string_append(s, ": ");
			esc(s, f->message);
			g_string_append(s, "</td></tr>\n");
		}
		if (h->res->findings->len > ROWS_FINDINGS) {
			g_string_append(s, "<tr class=\"warn\"><td></td><td colspan=\"6\">");
			{
				g_autofree gchar *m =
				    more_text(r, h->res->findings->len - ROWS_FINDINGS);
				esc(s, m);
			}
			g_string_append(s, "</td></tr>\n");
		}
	}
	g_string_append(s, "</table>\n");
	if (ok_hosts->len > 0) {
		g_string_append(s, "<p class=\"note\"><b>");
		esc(s, T(r, "ok_hosts"));
		g_string_append_printf(s, " (%u):</b> ", r->hosts->len - listed);
		esc(s, ok_hosts->str);
		g_string_append(s, "</p>\n");
	}
}

static void
write_final(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"host",      "cp_size", "last_seq", "time",
	                                    "tree_head", "key",     NULL};

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_final"));
	g_string_append(s, "</h2>\n<p class=\"note\">");
	esc(s, T(r, "final_note"));
	g_string_append(s, "</p><table>");
	th_row(s, r, cols);
	for (guint i = 0; i < r->hosts->len; i++) {
		HostReport *h = g_ptr_array_index(r->hosts, i);
		const FutLogCheckpoint *cp = report_month_checkpoint(r, h);
		g_string_append(s, "<tr>");
		td(s, "t", h->res->host != NULL ? h->res->host : h->dir);
		if (cp == NULL) {
			g_string_append(s, "<td colspan=\"5\" class=\"ng\">");
			esc(s, T(r, "no_checkpoint"));
			g_string_append(s, "</td></tr>\n");
			continue;
		}
		{
			g_autofree gchar *t = fmt_time(cp->time_us);
			g_autofree gchar *root = fut_hex_encode(cp->root, FUT_SHA256_LEN);
			g_autofree gchar *kid = fut_hex_encode(cp->key_id, FUT_KEY_ID_LEN);
			g_autofree gchar *root_fmt = g_strdup_printf(
			    "<b>%.16s</b> <span>%.16s</span> <span>%.16s</span> <span>%.16s</span>",
			    root, root + 16, root + 32, root + 48);
			td_num(s, cp->size);
			g_string_append_printf(s, "<td class=\"num\">%" G_GINT64_FORMAT "</td>",
			                       cp->last_seq);
			td(s, "t", t);
			/* hex only: no escaping needed */
			g_string_append_printf(s, "<td class=\"mono root\">%s</td>", root_fmt);
			td(s, "mono", kid);
		}
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</table>\n");
}

void
report_write_html(GString *s, const Report *r, GPtrArray *media, GPtrArray *lost)
{
	write_html_head(s, r);
	write_summary(s, r, media, lost);
	write_media(s, r, media, lost);
	write_exports(s, r);
	write_denials(s, r);
	write_uploads(s, r);
	write_integrity(s, r);
	write_final(s, r);
	g_string_append(s, "</body></html>\n");
}
