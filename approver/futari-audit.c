/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit: the inspector's tool. verify, report and show over the egress logs of many
 * hosts (docs/log-format.md). Needs no secret. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "crypto.h"
#include "egresslog.h"
#include "errors.h"
#include "futari-audit.h"
#include "logverify.h"
#include "util.h"

/* --- verify ---------------------------------------------------------------------------- */

static gchar *
time_short(gint64 us)
{
	g_autofree gchar *t = fut_log_time_format(us);

	/* 2026-11-26T09:00:00.000000Z -> 2026-11-26T09:00:00Z */
	return g_strdup_printf("%.19sZ", t);
}

static void
json_add_checkpoint(JsonBuilder *b, const gchar *name, const FutLogCheckpoint *cp)
{
	g_autofree gchar *root = NULL;
	g_autofree gchar *last = NULL;
	g_autofree gchar *kid = NULL;
	g_autofree gchar *time = NULL;

	json_builder_set_member_name(b, name);
	if (cp == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	root = fut_hex_encode(cp->root, FUT_SHA256_LEN);
	last = fut_hex_encode(cp->last_hash, FUT_SHA256_LEN);
	kid = fut_hex_encode(cp->key_id, FUT_KEY_ID_LEN);
	time = fut_log_time_format(cp->time_us);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "month");
	json_builder_add_string_value(b, cp->month);
	json_builder_set_member_name(b, "size");
	json_builder_add_int_value(b, (gint64)cp->size);
	json_builder_set_member_name(b, "root");
	json_builder_add_string_value(b, root);
	json_builder_set_member_name(b, "last_seq");
	json_builder_add_int_value(b, cp->last_seq);
	json_builder_set_member_name(b, "last_hash");
	json_builder_add_string_value(b, last);
	json_builder_set_member_name(b, "time");
	json_builder_add_string_value(b, time);
	json_builder_set_member_name(b, "key_id");
	json_builder_add_string_value(b, kid);
	json_builder_end_object(b);
}

static void
json_add_host(JsonBuilder *b, const FutLogHostResult *res)
{
	g_autofree gchar *dir = fut_strescape(res->dir, -1);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "dir");
	json_builder_add_string_value(b, dir);
	json_builder_set_member_name(b, "host");
	if (res->host != NULL)
		json_builder_add_string_value(b, res->host);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "ok");
	json_builder_add_boolean_value(b, res->findings->len == 0);
	json_builder_set_member_name(b, "records");
	json_builder_add_int_value(b, (gint64)res->records);
	json_builder_set_member_name(b, "key_id");
	if (res->have_key) {
		guint8 id[FUT_SHA256_LEN];
		g_autofree gchar *hex = NULL;
		/* the key id of common/crypto.h, computed from the public key */
		g_autoptr(FutKey) k = fut_key_new_public(res->pub, NULL);
		if (k != NULL) {
			fut_key_get_id(k, id);
			hex = fut_hex_encode(id, FUT_KEY_ID_LEN);
		}
		json_builder_add_string_value(b, hex != NULL ? hex : "");
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_set_member_name(b, "key_pinned");
	json_builder_add_boolean_value(b, res->key_pinned);
	json_builder_set_member_name(b, "witnessed");
	json_builder_add_boolean_value(b, res->witnessed);
	json_builder_set_member_name(b, "witnesses_checked");
	json_builder_add_int_value(b, (gint64)res->witnesses_checked);
	json_builder_set_member_name(b, "signatures_checked");
	json_builder_add_int_value(b, (gint64)res->signatures_checked);
	json_builder_set_member_name(b, "gaps");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "unclean-stop");
	json_builder_add_int_value(b, (gint64)res->gaps_unclean);
	json_builder_set_member_name(b, "queue-overflow");
	json_builder_add_int_value(b, (gint64)res->gaps_overflow);
	json_builder_set_member_name(b, "torn-tail");
	json_builder_add_int_value(b, (gint64)res->gaps_torn);
	json_builder_set_member_name(b, "clock-jump");
	json_builder_add_int_value(b, (gint64)res->gaps_clock);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "months");
	json_builder_begin_array(b);
	for (guint i = 0; i < res->months->len; i++) {
		const FutLogMonthSummary *m = g_ptr_array_index(res->months, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "month");
		json_builder_add_string_value(b, m->month);
		json_builder_set_member_name(b, "records");
		json_builder_add_int_value(b, (gint64)m->records);
		json_builder_set_member_name(b, "first_seq");
		json_builder_add_int_value(b, m->first_seq);
		json_builder_set_member_name(b, "last_seq");
		json_builder_add_int_value(b, m->last_seq);
		if (m->records > 0) {
			g_autofree gchar *a = fut_log_time_format(m->first_time_us);
			g_autofree gchar *z = fut_log_time_format(m->last_time_us);
			json_builder_set_member_name(b, "first_time");
			json_builder_add_string_value(b, a);
			json_builder_set_member_name(b, "last_time");
			json_builder_add_string_value(b, z);
		}
		json_builder_set_member_name(b, "checkpoints");
		json_builder_add_int_value(b, (gint64)m->checkpoints);
		json_builder_set_member_name(b, "gaps");
		json_builder_add_int_value(b, (gint64)m->gaps);
		json_builder_set_member_name(b, "unsigned_tail");
		json_builder_add_int_value(b, (gint64)m->unsigned_tail);
		json_add_checkpoint(b, "last_checkpoint", m->last_checkpoint);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "findings");
	json_builder_begin_array(b);
	for (guint i = 0; i < res->findings->len; i++) {
		const FutLogFinding *f = g_ptr_array_index(res->findings, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "code");
		json_builder_add_string_value(b, f->code);
		json_builder_set_member_name(b, "file");
		if (f->file != NULL)
			json_builder_add_string_value(b, f->file);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "line");
		json_builder_add_int_value(b, (gint64)f->line);
		json_builder_set_member_name(b, "seq");
		json_builder_add_int_value(b, f->seq);
		json_builder_set_member_name(b, "message");
		json_builder_add_string_value(b, f->message);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "notes");
	json_builder_begin_array(b);
	for (guint i = 0; i < res->notes->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(res->notes, i));
	json_builder_end_array(b);
	json_add_checkpoint(b, "final_checkpoint", res->final_checkpoint);
	json_builder_end_object(b);
}

static void
print_host(const FutLogHostResult *res)
{
	g_autofree gchar *dir = fut_strescape(res->dir, -1);

	g_print("%s (%s): %" G_GUINT64_FORMAT " %s\n", res->host != NULL ? res->host : "?", dir,
	        res->records, _("records"));
	if (res->have_key) {
		g_autoptr(FutKey) k = fut_key_new_public(res->pub, NULL);
		g_autofree gchar *id = k != NULL ? fut_key_dup_id_string(k) : g_strdup("?");
		g_print("  %s %s: %s\n", _("host key"), id,
		        res->key_pinned ? _("pinned")
		                        : _("not pinned (proves internal consistency only)"));
	}
	for (guint i = 0; i < res->months->len; i++) {
		const FutLogMonthSummary *m = g_ptr_array_index(res->months, i);
		g_autofree gchar *a = m->records > 0 ? time_short(m->first_time_us) : g_strdup("-");
		g_autofree gchar *z = m->records > 0 ? time_short(m->last_time_us) : g_strdup("-");
		g_print("  %s  %6" G_GUINT64_FORMAT " %s  seq %" G_GINT64_FORMAT
		        "-%" G_GINT64_FORMAT "  %s .. %s  %s %" G_GUINT64_FORMAT
		        "  %s %" G_GUINT64_FORMAT "\n",
		        m->month, m->records, _("records"), m->first_seq, m->last_seq, a, z,
		        _("checkpoints"), m->checkpoints, _("gaps"), m->gaps);
	}
	if (res->gaps_unclean + res->gaps_overflow + res->gaps_torn + res->gaps_clock > 0)
		g_print("  %s: unclean-stop %" G_GUINT64_FORMAT
		        ", queue-overflow %" G_GUINT64_FORMAT ", torn-tail %" G_GUINT64_FORMAT
		        ", clock-jump %" G_GUINT64_FORMAT "\n",
		        _("gaps"), res->gaps_unclean, res->gaps_overflow, res->gaps_torn,
		        res->gaps_clock);
	if (res->witnesses_checked > 0)
		g_print("  %s: %" G_GUINT64_FORMAT "\n", _("witnesses checked"),
		        res->witnesses_checked);
	if (res->final_checkpoint != NULL) {
		g_autofree gchar *root =
		    fut_hex_encode(res->final_checkpoint->root, FUT_SHA256_LEN);
		g_autofree gchar *t = time_short(res->final_checkpoint->time_us);
		g_print("  %s: %s size %" G_GUINT64_FORMAT " last-seq %" G_GINT64_FORMAT
		        " root %s (%s)\n",
		        _("final checkpoint"), res->final_checkpoint->month,
		        res->final_checkpoint->size, res->final_checkpoint->last_seq, root, t);
	}
	for (guint i = 0; i < res->notes->len; i++)
		g_print("  %s: %s\n", _("note"), (gchar *)g_ptr_array_index(res->notes, i));
	for (guint i = 0; i < res->findings->len; i++) {
		const FutLogFinding *f = g_ptr_array_index(res->findings, i);
		g_print("  %s %s", _("FINDING"), f->code);
		if (f->file != NULL && f->line > 0)
			g_print(" %s:%" G_GUINT64_FORMAT, f->file, f->line);
		else if (f->file != NULL)
			g_print(" %s", f->file);
		if (f->seq >= 0)
			g_print(" seq %" G_GINT64_FORMAT, f->seq);
		g_print(": %s\n", f->message);
	}
	g_print("  %s\n", res->findings->len == 0 ? _("result: OK") : _("result: FAILED"));
}

static int
cmd_verify(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(_("LOGDIR… - verify egress logs"));
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	AuditTrust trust = {0};
	AuditProgress progress;
	g_autoptr(GPtrArray) results = NULL;
	gboolean json = FALSE;
	guint64 findings = 0;
	guint hosts = 0;
	guint unwitnessed = 0;
	GOptionEntry entries[] = {
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL}, {NULL}};
	int rc = AUDIT_EXIT_OK;

	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	audit_trust_add_options(ctx, &trust);
	g_option_context_set_summary(
	    ctx, _("Checks records, hash chain, checkpoints and signatures, month links and gaps "
	           "of each host's log directory. Exit status 1 on any finding."));
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("futari-audit verify: %s\n", error->message);
		return AUDIT_EXIT_USAGE;
	}
	if (argc < 2) {
		g_printerr(_("futari-audit verify: give at least one LOGDIR\n"));
		return AUDIT_EXIT_USAGE;
	}
	if (!audit_trust_load(&trust)) {
		audit_trust_clear(&trust);
		return AUDIT_EXIT_FINDINGS;
	}
	audit_progress_init(&progress, _("verifying"), argv + 1);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "hosts");
	json_builder_begin_array(b);
	results = audit_verify_dirs(&trust, argv + 1, (guint)(argc - 1), &progress,
	                            "futari-audit verify");
	audit_progress_end(&progress);
	for (guint i = 0; i < results->len; i++) {
		FutLogHostResult *res = g_ptr_array_index(results, i);
		hosts++;
		findings += res->findings->len;
		if (res->findings->len > 0)
			rc = AUDIT_EXIT_FINDINGS;
		if (!res->witnessed)
			unwitnessed++;
		if (json)
			json_add_host(b, res);
		else
			print_host(res);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "ok");
	json_builder_add_boolean_value(b, rc == AUDIT_EXIT_OK);
	json_builder_set_member_name(b, "findings");
	json_builder_add_int_value(b, (gint64)findings);
	json_builder_set_member_name(b, "hosts_without_witness");
	json_builder_add_int_value(b, unwitnessed);
	json_builder_end_object(b);
	if (json) {
		g_autoptr(JsonGenerator) gen = json_generator_new();
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		g_autofree gchar *text = NULL;
		json_generator_set_pretty(gen, TRUE);
		json_generator_set_root(gen, root);
		text = json_generator_to_data(gen, NULL);
		/* JSON is UTF-8 whatever the locale: no charset conversion. */
		fputs(text, stdout);
		fputc('\n', stdout);
	} else {
		g_print(_("%u host(s), %llu finding(s): %s\n"), hosts, (unsigned long long)findings,
		        rc == AUDIT_EXIT_OK ? _("all logs verified") : _("VERIFICATION FAILED"));
		if (unwitnessed > 0)
			g_print(
			    _("%u host(s) without witnesses: a log cut back to an earlier "
			      "checkpoint, or with its newest month deleted, cannot be detected "
			      "(give --witness)\n"),
			    unwitnessed);
	}
	audit_trust_clear(&trust);
	return rc;
}

/* --- show ------------------------------------------------------------------------------ */

typedef struct {
	gchar *user;
	gchar *klass;
	gchar *device;
	gchar *event;
	gchar *since;
	gint64 since_us;
	gboolean json;
	guint64 shown;
} ShowFilter;

/* Values are escaped text already (backslashes doubled, no control characters); escaping
 * the quote keeps a quoted field from seeming to end early. */
static void
append_quoted(GString *s, const gchar *key, const gchar *v)
{
	g_string_append_printf(s, " %s=\"", key);
	for (const gchar *p = v; *p; p++) {
		if (*p == '"')
			g_string_append_c(s, '\\');
		g_string_append_c(s, *p);
	}
	g_string_append_c(s, '"');
}

static gboolean
show_match(const ShowFilter *f, const FutLogRecord *rec)
{
	const FutLogEvent *ev = rec->ev;

	if (f->since != NULL && rec->time_us < f->since_us)
		return FALSE;
	if (f->event != NULL) {
		gsize n = strlen(f->event);
		/* "export" or "export." matches the family, anything else exactly. */
		gboolean family = strchr(f->event, '.') == NULL || f->event[n - 1] == '.';
		if (family
		        ? !(g_str_has_prefix(ev->event, f->event) &&
		            (f->event[n - 1] == '.' || ev->event[n] == '.' || ev->event[n] == '\0'))
		        : strcmp(ev->event, f->event) != 0)
			return FALSE;
	}
	if (f->klass != NULL && g_strcmp0(ev->object.klass, f->klass) != 0)
		return FALSE;
	if (f->user != NULL) {
		g_autofree gchar *uid = ev->subject.uid >= 0
		                            ? g_strdup_printf("%" G_GINT64_FORMAT, ev->subject.uid)
		                            : NULL;
		if (g_strcmp0(ev->subject.login, f->user) != 0 && g_strcmp0(uid, f->user) != 0)
			return FALSE;
	}
	if (f->device != NULL) {
		const FutLogDestination *d = &ev->destination;
		if (g_strcmp0(d->serial, f->device) != 0 && g_strcmp0(d->label, f->device) != 0 &&
		    g_strcmp0(d->asset, f->device) != 0 && g_strcmp0(d->fs_uuid, f->device) != 0)
			return FALSE;
	}
	return TRUE;
}

static void
show_record(
    const FutLogRecord *rec, const gchar *month, const gchar *line, gsize len, gpointer data)
{
	ShowFilter *f = data;
	const FutLogEvent *ev = rec->ev;
	g_autoptr(GString) s = NULL;
	g_autofree gchar *t = NULL;

	if (!show_match(f, rec))
		return;
	f->shown++;
	if (f->json) {
		/* The record line itself: canonical JSON, one per line. */
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
		return;
	}
	t = time_short(rec->time_us);
	s = g_string_new(NULL);
	g_string_append_printf(s, "%s %s %6" G_GINT64_FORMAT " %-17s", t, rec->host, rec->seq,
	                       ev->event);
	if (ev->object.klass != NULL)
		g_string_append_printf(s, " class=%s", ev->object.klass);
	if (ev->subject.login != NULL || ev->subject.uid >= 0) {
		g_string_append_printf(s, " user=%s",
		                       ev->subject.login != NULL ? ev->subject.login : "");
		if (ev->subject.uid >= 0)
			g_string_append_printf(s, "(%" G_GINT64_FORMAT ")", ev->subject.uid);
	}
	if (ev->subject.exe != NULL)
		g_string_append_printf(s, " exe=%s", ev->subject.exe);
	if (ev->object.path != NULL)
		append_quoted(s, "file", ev->object.path);
	if (ev->destination.kind != NULL) {
		const FutLogDestination *d = &ev->destination;
		g_string_append_printf(s, " -> %s", d->kind);
		if (d->vid != NULL)
			g_string_append_printf(s, " %s:%s", d->vid, d->pid != NULL ? d->pid : "?");
		if (d->serial != NULL)
			g_string_append_printf(s, " serial=%s", d->serial);
		if (d->label != NULL)
			append_quoted(s, "label", d->label);
		if (d->asset != NULL)
			g_string_append_printf(s, " asset=%s", d->asset);
		if (d->host != NULL)
			g_string_append_printf(s, " host=%s", d->host);
		if (d->program != NULL)
			g_string_append_printf(s, " program=%s", d->program);
	}
	if (ev->decision != NULL)
		g_string_append_printf(s, " %s", ev->decision);
	if (ev->request != NULL)
		g_string_append_printf(s, " request=%s", ev->request);
	for (guint i = 0; i < ev->approvers->len; i++)
		g_string_append_printf(s, "%s%s", i == 0 ? " approvers=" : ",",
		                       (gchar *)g_ptr_array_index(ev->approvers, i));
	if (ev->reason != NULL)
		append_quoted(s, "reason", ev->reason);
	if (g_strcmp0(ev->event, "gap") == 0) {
		const gchar *kind = fut_log_event_get_detail_str(ev, "kind");
		g_string_append_printf(s, " kind=%s", kind != NULL ? kind : "?");
	}
	/* Every value is escaped text (the parser refuses control characters). */
	g_print("%s\n", s->str);
	(void)month;
}

static gboolean
parse_since(const gchar *s, gint64 *ret_us)
{
	g_autoptr(GDateTime) dt = NULL;
	gint y, m, d;
	gchar tail;

	if (fut_log_time_parse(s, ret_us, NULL))
		return TRUE;
	if (strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3) {
		dt = g_date_time_new_utc(y, m, d, 0, 0, 0);
	} else {
		g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
		dt = g_date_time_new_from_iso8601(s, utc);
	}
	if (dt == NULL)
		return FALSE;
	*ret_us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
	return TRUE;
}

static int
cmd_show(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(_("LOGDIR… - show log records"));
	g_autoptr(GError) error = NULL;
	AuditTrust trust = {0};
	ShowFilter f = {0};
	GOptionEntry entries[] = {
	    {"user", 'u', 0, G_OPTION_ARG_STRING, &f.user, N_("Only this login name or uid"),
	     N_("USER")},
	    {"class", 'c', 0, G_OPTION_ARG_STRING, &f.klass, N_("Only files of class I, II or III"),
	     N_("CLASS")},
	    {"device", 'd', 0, G_OPTION_ARG_STRING, &f.device,
	     N_("Only this device (serial, label, asset id or filesystem UUID)"), N_("DEVICE")},
	    {"event", 'e', 0, G_OPTION_ARG_STRING, &f.event,
	     N_("Only this event (e.g. export.written) or family (e.g. export)"), N_("EVENT")},
	    {"since", 's', 0, G_OPTION_ARG_STRING, &f.since,
	     N_("Only records at or after this UTC time (YYYY-MM-DD or RFC 3339)"), N_("TIME")},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &f.json, N_("Print the records as JSON lines"), NULL},
	    {NULL}};
	int rc = AUDIT_EXIT_OK;

	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	audit_trust_add_options(ctx, &trust);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_autofree gchar *msg = fut_strescape(error->message, -1);
		g_printerr("futari-audit show: %s\n", msg);
		rc = AUDIT_EXIT_USAGE;
		goto out;
	}
	if (argc < 2) {
		g_printerr(_("futari-audit show: give at least one LOGDIR\n"));
		rc = AUDIT_EXIT_USAGE;
		goto out;
	}
	if (f.klass != NULL && g_strcmp0(f.klass, "I") != 0 && g_strcmp0(f.klass, "II") != 0 &&
	    g_strcmp0(f.klass, "III") != 0) {
		g_printerr(_("futari-audit show: --class must be I, II or III\n"));
		rc = AUDIT_EXIT_USAGE;
		goto out;
	}
	if (f.since != NULL && !parse_since(f.since, &f.since_us)) {
		g_autofree gchar *safe = fut_strescape(f.since, -1);
		g_printerr(_("futari-audit show: --since \"%s\" is not YYYY-MM-DD or an RFC 3339 "
		             "time\n"),
		           safe);
		rc = AUDIT_EXIT_USAGE;
		goto out;
	}
	if (!audit_trust_load(&trust)) {
		rc = AUDIT_EXIT_FINDINGS;
		goto out;
	}
	for (gint i = 1; i < argc; i++) {
		FutLogVerifyOptions opts = {0};
		g_autoptr(FutLogHostResult) res = NULL;
		audit_trust_fill(&trust, &opts);
		opts.record_func = show_record;
		opts.record_data = &f;
		res = fut_log_verify_dir(argv[i], &opts, &error);
		if (res == NULL) {
			g_autofree gchar *msg = fut_strescape(error->message, -1);
			g_printerr("futari-audit show: %s\n", msg);
			g_clear_error(&error);
			rc = AUDIT_EXIT_FINDINGS;
			continue;
		}
		if (res->findings->len > 0) {
			g_autofree gchar *dir = fut_strescape(argv[i], -1);
			g_printerr(_("futari-audit show: warning: %s: %u integrity finding(s); run "
			             "futari-audit verify\n"),
			           dir, res->findings->len);
			rc = AUDIT_EXIT_FINDINGS;
		}
	}
out:
	audit_trust_clear(&trust);
	g_free(f.user);
	g_free(f.klass);
	g_free(f.device);
	g_free(f.event);
	g_free(f.since);
	return rc;
}

static void
usage(FILE *out)
{
	fprintf(out, "%s",
	        _("Usage: futari-audit COMMAND [OPTIONS] LOGDIR…\n"
	          "\n"
	          "Commands:\n"
	          "  verify LOGDIR…                          check integrity (exit 1 on findings)\n"
	          "  report --month YYYY-MM --out DIR LOGDIR…  monthly inspection report\n"
	          "  show [filters] LOGDIR…                  list records\n"
	          "\n"
	          "Run \"futari-audit COMMAND --help\" for the options of a command.\n"));
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	if (argc < 2) {
		usage(stderr);
		return AUDIT_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return AUDIT_EXIT_OK;
	}
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return audit_cmd_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	{
		g_autofree gchar *safe = fut_strescape(argv[1], -1);
		g_printerr(_("futari-audit: unknown command \"%s\"\n"), safe);
	}
	usage(stderr);
	return AUDIT_EXIT_USAGE;
}
