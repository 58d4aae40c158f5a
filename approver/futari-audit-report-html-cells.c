/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit report: the building blocks of report.html (escaping, table cells, the
 * inline SVG bar chart); the page and its sections are written by
 * futari-audit-report-html.c. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "futari-audit-report-html.h"
#include "futari-audit-report.h"
#include "logrecord.h"

const gchar *
html_t(const Report *r, const gchar *key)
{
	return report_text(r->ja, key);
}

/* The escape of each byte that needs one (HTML text and attribute values), else NULL. */
static const gchar *const html_escapes[256] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};

void
html_esc(GString *s, const gchar *v)
{
	const gchar *run;

	if (v == NULL) {
		g_string_append(s, "—");
		return;
	}
	/* runs of bytes that need no escape are copied at once */
	for (run = v;; v++) {
		const gchar *e = html_escapes[(guchar)*v];
		if (e == NULL && *v != '\0')
			continue;
		if (v > run)
			g_string_append_len(s, run, v - run);
		if (*v == '\0')
			return;
		g_string_append(s, e);
		run = v + 1;
	}
}

gchar *
html_fmt_time(gint64 us)
{
	gchar t[FUT_LOG_TIME_LEN + 1];

	/* 2026-11-26T09:00:00.000000Z -> 2026-11-26 09:00 */
	fut_log_time_format_buf(us, t);
	t[10] = ' ';
	t[16] = '\0';
	return g_strdup(t);
}

gchar *
html_fmt_size(gint64 n)
{
	if (n < 0)
		return g_strdup("—");
	return g_format_size_full((guint64)n, G_FORMAT_SIZE_IEC_UNITS);
}

void
html_td(GString *s, const gchar *cls, const gchar *v)
{
	if (cls != NULL) {
		g_string_append(s, "<td class=\"");
		g_string_append(s, cls);
		g_string_append(s, "\">");
	} else {
		g_string_append(s, "<td>");
	}
	html_esc(s, v);
	g_string_append(s, "</td>");
}

/* A request id is 32 hex digits: the first 8 identify it on paper (events.csv has it whole;
 * the title attribute too). */
void
html_td_request(GString *s, const gchar *id)
{
	if (id == NULL || strlen(id) <= 10) {
		html_td(s, "id", id);
		return;
	}
	g_string_append(s, "<td class=\"id\" title=\"");
	html_esc(s, id);
	g_string_append_printf(s, "\">%.8s…</td>", id);
}

void
html_td_num(GString *s, guint64 n)
{
	g_string_append_printf(s, "<td class=\"num\">%" G_GUINT64_FORMAT "</td>", n);
}

void
html_th_row(GString *s, const Report *r, const gchar *const *keys)
{
	g_string_append(s, "<thead><tr>");
	for (const gchar *const *k = keys; *k != NULL; k++) {
		g_string_append(s, "<th>");
		html_esc(s, html_t(r, *k));
		g_string_append(s, "</th>");
	}
	g_string_append(s, "</tr></thead>\n");
}

gchar *
html_device_text(const FutLogDestination *d)
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

gchar *
html_user_text(const FutLogSubject *s)
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
void
html_chart(GString *s,
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
	html_esc(s, title);
	g_string_append(s, "\"><title>");
	html_esc(s, title);
	g_string_append(s, "</title>\n");
	g_string_append_printf(
	    s, "<text x=\"%.0f\" y=\"16\" font-size=\"13\" font-weight=\"bold\">", L);
	html_esc(s, title);
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
	                       W - R, H - 2, html_t(r, "day"));
	if (nseries > 1) {
		gdouble x = W - R - 80.0 * nseries;
		for (guint k = 0; k < nseries; k++) {
			g_string_append_printf(
			    s,
			    "<rect x=\"%.1f\" y=\"7\" width=\"10\" height=\"10\" "
			    "fill=\"%s\"/><text x=\"%.1f\" y=\"16\" "
			    "font-size=\"11\">",
			    x + 80.0 * k, colors[k], x + 80.0 * k + 14);
			html_esc(s, names[k]);
			g_string_append(s, "</text>");
		}
	}
	g_string_append(s, "</svg></figure>\n");
}

gchar *
html_more_text(const Report *r, guint n)
{
	return g_strdup_printf("%s%u%s", html_t(r, "more_rows_a"), n, html_t(r, "more_rows_b"));
}

void
html_more_rows(GString *s, const Report *r, guint shown, guint total)
{
	if (total > shown) {
		g_autofree gchar *m = html_more_text(r, total - shown);
		g_string_append(s, "<p class=\"note\">");
		html_esc(s, m);
		g_string_append(s, "</p>\n");
	}
}

void
html_none(GString *s, const Report *r)
{
	g_string_append(s, "<p class=\"none\">");
	html_esc(s, html_t(r, "none"));
	g_string_append(s, "</p>\n");
}

gchar *
html_hosts_text(GHashTable *set)
{
	g_autofree const gchar **keys = (const gchar **)g_hash_table_get_keys_as_array(set, NULL);
	guint n = g_hash_table_size(set);

	g_qsort_with_data(keys, (gint)n, sizeof(gchar *), report_cmp_strptr, NULL);
	if (n > 5) {
		return g_strdup_printf("%s, %s, %s … (%u)", keys[0], keys[1], keys[2], n);
	}
	return g_strjoinv(", ", (gchar **)keys);
}
