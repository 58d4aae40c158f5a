/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit report: summary.json, the machine-readable summary and witness lines. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "egresslog.h"
#include "futari-audit-report.h"
#include "logrecord.h"
#include "mediareg.h"
#include "util.h"

/* summary.json is written as it is built, never held whole: with tens of thousands of hosts
 * a JSON tree in memory cost more than all the rest of the report. The layout is
 * json-glib's pretty form ("key" : value, two-space indent). */
typedef struct {
	FILE *f;
	GString *buf;
	guint depth;
	guint64 first; /* bit n: nothing written yet at depth n */
	gboolean after_name;
	gboolean failed;
} W;

static void
w_flush(W *w, gboolean force)
{
	if (w->buf->len == 0 || (!force && w->buf->len < 1024 * 1024))
		return;
	if (fwrite(w->buf->str, 1, w->buf->len, w->f) != w->buf->len)
		w->failed = TRUE;
	g_string_truncate(w->buf, 0);
}

static void
w_indent(W *w)
{
	g_string_append_c(w->buf, '\n');
	for (guint i = 0; i < w->depth; i++)
		g_string_append(w->buf, "  ");
}

/* Before a value: a comma and a new line in an array, nothing after a member name. */
static void
w_value(W *w)
{
	if (w->after_name) {
		w->after_name = FALSE;
		return;
	}
	if (w->depth > 0) {
		if (!(w->first & (G_GUINT64_CONSTANT(1) << w->depth)))
			g_string_append_c(w->buf, ',');
		w->first &= ~(G_GUINT64_CONSTANT(1) << w->depth);
		w_indent(w);
	}
}

static void
w_quoted(W *w, const gchar *v)
{
	g_string_append_c(w->buf, '"');
	for (const guchar *p = (const guchar *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_c(w->buf, '\\');
		if (*p < 0x20 || *p == 0x7f)
			g_string_append_printf(w->buf, "\\u%04x", *p);
		else
			g_string_append_c(w->buf, (gchar)*p);
	}
	g_string_append_c(w->buf, '"');
}

static void
w_open(W *w, gchar c)
{
	w_value(w);
	g_string_append_c(w->buf, c);
	w->depth++;
	w->first |= G_GUINT64_CONSTANT(1) << w->depth;
}

static void
w_close(W *w, gchar c)
{
	gboolean empty = (w->first & (G_GUINT64_CONSTANT(1) << w->depth)) != 0;

	w->depth--;
	if (!empty)
		w_indent(w);
	g_string_append_c(w->buf, c);
	w_flush(w, FALSE);
}

static void
w_name(W *w, const gchar *name)
{
	w_value(w);
	w_quoted(w, name);
	g_string_append(w->buf, " : ");
	w->after_name = TRUE;
}

static void
w_string(W *w, const gchar *v)
{
	w_value(w);
	if (v != NULL)
		w_quoted(w, v);
	else
		g_string_append(w->buf, "null");
}

static void
w_int(W *w, gint64 v)
{
	w_value(w);
	g_string_append_printf(w->buf, "%" G_GINT64_FORMAT, v);
}

static void
w_bool(W *w, gboolean v)
{
	w_value(w);
	g_string_append(w->buf, v ? "true" : "false");
}

static void
w_null(W *w)
{
	w_value(w);
	g_string_append(w->buf, "null");
}

/* @json: one JSON value already encoded (a canonical witness line). */
static void
w_raw(W *w, const gchar *json)
{
	w_value(w);
	g_string_append(w->buf, json);
}

static void
jstr(W *b, const gchar *name, const gchar *v)
{
	w_name(b, name);
	w_string(b, v);
}

static void
jint(W *b, const gchar *name, gint64 v)
{
	w_name(b, name);
	w_int(b, v);
}

gboolean
report_summary_json_write(const Report *r, GPtrArray *media, GPtrArray *lost, FILE *out)
{
	W w = {.f = out, .buf = g_string_sized_new(2 * 1024 * 1024)};
	W *b = &w;
	static const gchar *const cls[] = {"I", "II", "III", "unknown"};

	w_open(b, '{');
	jstr(b, "month", r->month);
	jstr(b, "lang", r->ja ? "ja" : "en");
	jint(b, "hosts_count", r->hosts->len);
	jint(b, "records", (gint64)r->records);
	w_name(b, "integrity_ok");
	w_bool(b, report_total_findings(r) == 0 && r->hosts->len > 0);
	jint(b, "findings", (gint64)report_total_findings(r));
	w_name(b, "exports");
	w_open(b, '{');
	for (gint c = 0; c < N_CLASSES; c++)
		jint(b, cls[c], r->n_exports[c]);
	w_close(b, '}');
	jint(b, "exports_withdrawn", (gint64)r->retracted);
	jint(b, "export_requests", (gint64)r->requested);
	jint(b, "redeems_accepted", (gint64)r->redeemed);
	w_name(b, "denials");
	w_open(b, '{');
	jint(b, "export.refused", r->denial_counts[0]);
	jint(b, "upload.denied", r->denial_counts[1]);
	jint(b, "approval.refused", r->denial_counts[2]);
	jint(b, "device.suspicious", r->denial_counts[3]);
	jint(b, "revocation.refused", r->denial_counts[4]);
	w_close(b, '}');
	w_name(b, "uploads");
	w_open(b, '{');
	jint(b, "allowed", r->upload_counts[0]);
	jint(b, "denied", r->upload_counts[1]);
	jint(b, "observed", r->upload_counts[2]);
	w_close(b, '}');
	w_name(b, "exports_per_day");
	w_open(b, '{');
	for (gint c = 0; c < 3; c++) {
		w_name(b, cls[c]);
		w_open(b, '[');
		for (gint d = 0; d < r->days; d++)
			w_int(b, r->exports_day[c][d]);
		w_close(b, ']');
	}
	w_close(b, '}');
	w_name(b, "denials_per_day");
	w_open(b, '[');
	for (gint d = 0; d < r->days; d++)
		w_int(b, r->denials_day[d]);
	w_close(b, ']');

	w_name(b, "media");
	w_open(b, '[');
	for (guint i = 0; i < media->len; i++) {
		Medium *m = g_ptr_array_index(media, i);
		g_autofree gchar *a = fut_log_time_format(m->first_us);
		g_autofree gchar *z = fut_log_time_format(m->last_us);
		g_autofree const gchar **hosts =
		    (const gchar **)g_hash_table_get_keys_as_array(m->hosts, NULL);
		guint n = g_hash_table_size(m->hosts);
		g_qsort_with_data(hosts, (gint)n, sizeof(gchar *), report_cmp_strptr, NULL);
		w_open(b, '{');
		jstr(b, "asset", m->reg != NULL ? m->reg->asset_id : m->asset);
		w_name(b, "registered");
		if (r->reg != NULL)
			w_bool(b, m->reg != NULL);
		else
			w_null(b);
		jstr(b, "vid", m->vid);
		jstr(b, "pid", m->pid);
		jstr(b, "serial", m->serial);
		jstr(b, "label", m->label);
		jstr(b, "owner", m->reg != NULL ? m->reg->owner : NULL);
		jstr(b, "first_seen", a);
		jstr(b, "last_seen", z);
		w_name(b, "hosts");
		w_open(b, '[');
		for (guint k = 0; k < n; k++)
			w_string(b, hosts[k]);
		w_close(b, ']');
		jint(b, "attaches", m->attaches);
		jint(b, "writes", m->writes);
		jint(b, "suspicious", m->suspicious);
		w_close(b, '}');
	}
	w_close(b, ']');
	w_name(b, "lost_media");
	if (r->reg == NULL) {
		w_null(b);
	} else {
		w_open(b, '[');
		for (guint i = 0; i < lost->len; i++) {
			const FutMediaEntry *m = g_ptr_array_index(lost, i);
			w_open(b, '{');
			jstr(b, "asset", m->asset_id);
			jstr(b, "vid", m->vid);
			jstr(b, "pid", m->pid);
			jstr(b, "serial", m->serial);
			jstr(b, "owner", m->owner);
			w_close(b, '}');
		}
		w_close(b, ']');
	}
	w_name(b, "hosts");
	w_open(b, '[');
	for (guint i = 0; i < r->hosts->len; i++) {
		HostReport *h = g_ptr_array_index(r->hosts, i);
		const FutLogCheckpoint *cp = report_month_checkpoint(r, h);
		g_autofree gchar *dir = fut_strescape(h->dir, -1);
		w_open(b, '{');
		jstr(b, "host", h->res->host);
		jstr(b, "dir", dir);
		jint(b, "records", (gint64)h->records);
		jint(b, "checkpoints", (gint64)h->checkpoints);
		w_name(b, "ok");
		w_bool(b, h->res->findings->len == 0);
		w_name(b, "unreadable");
		w_bool(b, h->unreadable);
		w_name(b, "key_pinned");
		w_bool(b, h->res->key_pinned);
		w_name(b, "witnessed");
		w_bool(b, h->res->witnessed);
		w_name(b, "gaps");
		w_open(b, '{');
		jint(b, "unclean-stop", h->gaps[0]);
		jint(b, "queue-overflow", h->gaps[1]);
		jint(b, "torn-tail", h->gaps[2]);
		jint(b, "clock-jump", h->gaps[3]);
		w_close(b, '}');
		w_name(b, "findings");
		w_open(b, '[');
		for (guint k = 0; k < h->res->findings->len; k++) {
			const FutLogFinding *f = g_ptr_array_index(h->res->findings, k);
			w_open(b, '{');
			jstr(b, "code", f->code);
			jstr(b, "file", f->file);
			jint(b, "line", (gint64)f->line);
			jint(b, "seq", f->seq);
			jstr(b, "message", f->message);
			w_close(b, '}');
		}
		w_close(b, ']');
		w_name(b, "final_checkpoint");
		if (cp != NULL) {
			g_autofree gchar *line = fut_log_checkpoint_to_witness(cp);
			w_raw(b, line);
		} else {
			w_null(b);
		}
		w_close(b, '}');
	}
	w_close(b, ']');
	w_close(b, '}');
	g_string_append_c(w.buf, '\n');
	w_flush(&w, TRUE);
	g_string_free(w.buf, TRUE);
	return !w.failed;
}
