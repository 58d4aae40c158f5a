/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit report: summary.json, the machine-readable summary and witness lines. */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "egresslog.h"
#include "futari-audit-report.h"
#include "logrecord.h"
#include "mediareg.h"
#include "util.h"

static void
jstr(JsonBuilder *b, const gchar *name, const gchar *v)
{
	json_builder_set_member_name(b, name);
	if (v != NULL)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

static void
jint(JsonBuilder *b, const gchar *name, gint64 v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

gchar *
report_summary_json(const Report *r, GPtrArray *media, GPtrArray *lost)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	static const gchar *const cls[] = {"I", "II", "III", "unknown"};

	json_builder_begin_object(b);
	jstr(b, "month", r->month);
	jstr(b, "lang", r->ja ? "ja" : "en");
	jint(b, "hosts_count", r->hosts->len);
	jint(b, "records", (gint64)r->records);
	json_builder_set_member_name(b, "integrity_ok");
	json_builder_add_boolean_value(b, report_total_findings(r) == 0 && r->hosts->len > 0);
	jint(b, "findings", (gint64)report_total_findings(r));
	json_builder_set_member_name(b, "exports");
	json_builder_begin_object(b);
	for (gint c = 0; c < N_CLASSES; c++)
		jint(b, cls[c], r->n_exports[c]);
	json_builder_end_object(b);
	jint(b, "export_requests", (gint64)r->requested);
	jint(b, "redeems_accepted", (gint64)r->redeemed);
	json_builder_set_member_name(b, "denials");
	json_builder_begin_object(b);
	jint(b, "export.refused", r->denial_counts[0]);
	jint(b, "upload.denied", r->denial_counts[1]);
	jint(b, "approval.refused", r->denial_counts[2]);
	jint(b, "device.suspicious", r->denial_counts[3]);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "uploads");
	json_builder_begin_object(b);
	jint(b, "allowed", r->upload_counts[0]);
	jint(b, "denied", r->upload_counts[1]);
	jint(b, "observed", r->upload_counts[2]);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "exports_per_day");
	json_builder_begin_object(b);
	for (gint c = 0; c < 3; c++) {
		json_builder_set_member_name(b, cls[c]);
		json_builder_begin_array(b);
		for (gint d = 0; d < r->days; d++)
			json_builder_add_int_value(b, r->exports_day[c][d]);
		json_builder_end_array(b);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "denials_per_day");
	json_builder_begin_array(b);
	for (gint d = 0; d < r->days; d++)
		json_builder_add_int_value(b, r->denials_day[d]);
	json_builder_end_array(b);

	json_builder_set_member_name(b, "media");
	json_builder_begin_array(b);
	for (guint i = 0; i < media->len; i++) {
		Medium *m = g_ptr_array_index(media, i);
		g_autofree gchar *a = fut_log_time_format(m->first_us);
		g_autofree gchar *z = fut_log_time_format(m->last_us);
		g_autofree const gchar **hosts =
		    (const gchar **)g_hash_table_get_keys_as_array(m->hosts, NULL);
		guint n = g_hash_table_size(m->hosts);
		g_qsort_with_data(hosts, (gint)n, sizeof(gchar *), report_cmp_strptr, NULL);
		json_builder_begin_object(b);
		jstr(b, "asset", m->reg != NULL ? m->reg->asset_id : m->asset);
		json_builder_set_member_name(b, "registered");
		if (r->reg != NULL)
			json_builder_add_boolean_value(b, m->reg != NULL);
		else
			json_builder_add_null_value(b);
		jstr(b, "vid", m->vid);
		jstr(b, "pid", m->pid);
		jstr(b, "serial", m->serial);
		jstr(b, "label", m->label);
		jstr(b, "owner", m->reg != NULL ? m->reg->owner : NULL);
		jstr(b, "first_seen", a);
		jstr(b, "last_seen", z);
		json_builder_set_member_name(b, "hosts");
		json_builder_begin_array(b);
		for (guint k = 0; k < n; k++)
			json_builder_add_string_value(b, hosts[k]);
		json_builder_end_array(b);
		jint(b, "attaches", m->attaches);
		jint(b, "writes", m->writes);
		jint(b, "suspicious", m->suspicious);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "lost_media");
	if (r->reg == NULL) {
		json_builder_add_null_value(b);
	} else {
		json_builder_begin_array(b);
		for (guint i = 0; i < lost->len; i++) {
			const FutMediaEntry *m = g_ptr_array_index(lost, i);
			json_builder_begin_object(b);
			jstr(b, "asset", m->asset_id);
			jstr(b, "vid", m->vid);
			jstr(b, "pid", m->pid);
			jstr(b, "serial", m->serial);
			jstr(b, "owner", m->owner);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
	}
	json_builder_set_member_name(b, "hosts");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->hosts->len; i++) {
		HostReport *h = g_ptr_array_index(r->hosts, i);
		const FutLogCheckpoint *cp = report_month_checkpoint(r, h);
		g_autofree gchar *dir = fut_strescape(h->dir, -1);
		json_builder_begin_object(b);
		jstr(b, "host", h->res->host);
		jstr(b, "dir", dir);
		jint(b, "records", (gint64)h->records);
		jint(b, "checkpoints", (gint64)h->checkpoints);
		json_builder_set_member_name(b, "ok");
		json_builder_add_boolean_value(b, h->res->findings->len == 0);
		json_builder_set_member_name(b, "unreadable");
		json_builder_add_boolean_value(b, h->unreadable);
		json_builder_set_member_name(b, "key_pinned");
		json_builder_add_boolean_value(b, h->res->key_pinned);
		json_builder_set_member_name(b, "witnessed");
		json_builder_add_boolean_value(b, h->res->witnessed);
		json_builder_set_member_name(b, "gaps");
		json_builder_begin_object(b);
		jint(b, "unclean-stop", h->gaps[0]);
		jint(b, "queue-overflow", h->gaps[1]);
		jint(b, "torn-tail", h->gaps[2]);
		jint(b, "clock-jump", h->gaps[3]);
		json_builder_end_object(b);
		json_builder_set_member_name(b, "findings");
		json_builder_begin_array(b);
		for (guint k = 0; k < h->res->findings->len; k++) {
			const FutLogFinding *f = g_ptr_array_index(h->res->findings, k);
			json_builder_begin_object(b);
			jstr(b, "code", f->code);
			jstr(b, "file", f->file);
			jint(b, "line", (gint64)f->line);
			jint(b, "seq", f->seq);
			jstr(b, "message", f->message);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_set_member_name(b, "final_checkpoint");
		if (cp != NULL) {
			g_autofree gchar *w = fut_log_checkpoint_to_witness(cp);
			g_autoptr(JsonNode) node = json_from_string(w, NULL);
			json_builder_add_value(b, g_steal_pointer(&node));
		} else {
			json_builder_add_null_value(b);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, root);
	return json_generator_to_data(gen, NULL);
}
