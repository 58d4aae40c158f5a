/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "approve-common.h"
#include "approve-content.h"
#include "approve-evidence.h"
#include "approve-review.h"
#include "errors.h"
#include "fields.h"

#define REQUEST_SUFFIX  ".futari-request"
#define APPROVAL_SUFFIX ".futari-approval"
#define CERT_SUFFIX     ".futari-certificate"
/* Approvals start a little in the past so that a PC whose clock lags the approver's does
 * not find them "not yet valid"; the slack counts against the class maximum. */
#define CLOCK_SLACK     300

gchar *
fut_approve_escape(const gchar *s)
{
	if (s == NULL || s[0] == '\0')
		return g_strdup(_("(none)"));
	return fut_strescape(s, -1);
}

gchar *
fut_approve_format_remaining(gint64 secs)
{
	if (secs <= 0)
		return g_strdup(_("EXPIRED"));
	if (secs >= 86400)
		return g_strdup_printf(_("in %d d %d h"), (gint)MIN(secs / 86400, G_MAXINT),
		                       (gint)(secs % 86400 / 3600));
	if (secs >= 3600)
		return g_strdup_printf(_("in %d h %d min"), (gint)(secs / 3600),
		                       (gint)(secs % 3600 / 60));
	return g_strdup_printf(_("in %d min"), (gint)MAX(secs / 60, 1));
}

static void
row(const gchar *label, const gchar *value)
{
	/* Pad by terminal columns, not bytes: a Japanese caption is 3 bytes but 2 columns a
	 * character. */
	glong cols = 0;

	for (const gchar *p = label; *p != '\0'; p = g_utf8_next_char(p))
		cols += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
	g_print("  %s%*s %s\n", label, (int)MAX(14 - cols, 0), "", value);
}

static gchar *
rfc3339(gint64 t)
{
	return fut_time_format(t);
}

static void
json_add_str(JsonBuilder *b, const gchar *key, const gchar *value)
{
	g_autofree gchar *safe = fut_strescape(value != NULL ? value : "", -1);

	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, safe);
}

static void
json_add_time(JsonBuilder *b, const gchar *key, gint64 t)
{
	g_autofree gchar *s = rfc3339(t);

	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, s);
}

static void
print_json(JsonBuilder *b)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree gchar *text = NULL;

	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, NULL);
	g_print("%s\n", text);
}

gchar *
fut_approve_destination_text(const FutDestination *d)
{
	g_autofree gchar *a = NULL, *b = NULL, *c = NULL, *e = NULL, *f = NULL;

	if (d->channel == FUT_CHANNEL_USB) {
		a = fut_approve_escape(d->usb_vendor);
		b = fut_approve_escape(d->usb_product);
		c = fut_approve_escape(d->usb_serial);
		e = fut_approve_escape(d->usb_fs_uuid);
		f = fut_approve_escape(d->usb_label);
		/* The register's name for the stick comes first: that is how people know it. */
		if (d->usb_asset != NULL && d->usb_asset[0] != '\0') {
			g_autofree gchar *asset = fut_approve_escape(d->usb_asset);
			return g_strdup_printf(
			    _("%s: USB storage, vendor %s, product %s, serial %s, "
			      "filesystem UUID %s, label %s"),
			    asset, a, b, c, e, f);
		}
		return g_strdup_printf(_("USB storage: vendor %s, product %s, serial %s, "
		                         "filesystem UUID %s, label %s"),
		                       a, b, c, e, f);
	}
	a = fut_approve_escape(d->upload_host);
	b = fut_approve_escape(d->upload_program);
	return g_strdup_printf(_("upload to %s by the program %s"), a, b);
}

const gchar *
fut_approve_role_name(const gchar *role)
{
	/* The roles of the city's policy by their titles; other roles keep their token. */
	if (g_strcmp0(role, "info-manager") == 0)
		return _("information manager");
	if (g_strcmp0(role, "security-manager") == 0)
		return _("information security manager");
	return role;
}

gchar *
fut_approve_roles_text(GStrv roles, const gchar *separator)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; roles != NULL && roles[i] != NULL; i++) {
		if (i > 0)
			g_string_append(s, separator);
		g_string_append(s, fut_approve_role_name(roles[i]));
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

gchar *
fut_approve_rule_text(const FutPolicy *policy, FutClass klass)
{
	const FutClassRule *rule = fut_policy_get_rule(policy, klass);
	g_autofree gchar *roles = NULL;
	g_autofree gchar *max = NULL;
	g_autoptr(GString) s = g_string_new(NULL);

	if (rule->approvals == 0)
		return g_strdup_printf(_("Class %s needs no approval"), fut_class_to_string(klass));
	roles = fut_approve_roles_text(rule->roles, _(" or "));
	max = fut_duration_format(rule->max_validity);
	g_string_printf(s, _("Class %s needs %u approval(s) from distinct people (%s)"),
	                fut_class_to_string(klass), rule->approvals, roles);
	for (guint i = 0; rule->required_roles[i] != NULL; i++)
		g_string_append_printf(s, _(", at least one of them: %s"),
		                       fut_approve_role_name(rule->required_roles[i]));
	g_string_append_printf(s, _(", each valid at most %s"), max);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static gint
show_request(const gchar *path, gboolean json, const FutPolicy *policy, const gchar *content_file)
{
	GError *error = NULL;
	g_autoptr(FutRequest) q = fut_approve_load_request(path, &error);
	g_autofree gchar *id = NULL;
	g_autoptr(FutKey) host = NULL;
	g_autofree gchar *host_id = NULL;
	g_autofree gchar *content_path = NULL;
	FutContentState content = FUT_CONTENT_NOT_SEEN;
	gint64 now = fut_approve_now();

	if (q == NULL) {
		g_prefix_error(&error, _("do not approve: "));
		return fut_approve_fail(error);
	}
	/* The file itself: given, or found beside the request. A mismatch exits 1. */
	if (!fut_approve_review_content(path, q, content_file, &content, &content_path, &error))
		return fut_approve_fail(error);
	id = fut_request_dup_id_string(q);
	host = fut_key_new_public(q->host_key, NULL);
	host_id = fut_key_dup_id_string(host);
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		const FutDestination *d = &q->destination;
		json_builder_begin_object(b);
		json_add_str(b, "type", "request");
		json_add_str(b, "id", id);
		json_add_str(b, "host", q->host);
		json_add_str(b, "host_key_id", host_id);
		json_builder_set_member_name(b, "signature_valid");
		json_builder_add_boolean_value(b, TRUE);
		json_add_str(b, "requester", q->requester);
		json_builder_set_member_name(b, "uid");
		json_builder_add_int_value(b, q->uid);
		json_add_str(b, "channel", fut_channel_to_string(d->channel));
		json_add_str(b, "file", q->file_name);
		json_builder_set_member_name(b, "size");
		json_builder_add_int_value(b, (gint64)q->size);
		{
			g_autofree gchar *h = fut_hex_encode(q->sha256, FUT_SHA256_LEN);
			json_add_str(b, "sha256", h);
		}
		json_add_str(b, "class", fut_class_to_string(q->klass));
		json_add_str(b, "class_evidence", q->class_evidence);
		json_builder_set_member_name(b, "destination");
		json_builder_begin_object(b);
		if (d->channel == FUT_CHANNEL_USB) {
			if (d->usb_asset != NULL)
				json_add_str(b, "asset", d->usb_asset);
			json_add_str(b, "vendor", d->usb_vendor);
			json_add_str(b, "product", d->usb_product);
			json_add_str(b, "serial", d->usb_serial);
			json_add_str(b, "fs_uuid", d->usb_fs_uuid);
			json_add_str(b, "label", d->usb_label);
		} else {
			json_add_str(b, "host", d->upload_host);
			json_add_str(b, "program", d->upload_program);
		}
		json_builder_end_object(b);
		json_add_str(b, "reason", q->reason);
		json_add_time(b, "created", q->created);
		json_add_time(b, "expires", q->expires);
		json_builder_set_member_name(b, "expired");
		json_builder_add_boolean_value(b, now > q->expires);
		json_builder_set_member_name(b, "content");
		json_builder_begin_object(b);
		json_add_str(b, "file", content_path);
		json_add_str(b, "state",
		             content == FUT_CONTENT_MATCHES   ? "matches"
		             : content == FUT_CONTENT_DIFFERS ? "differs"
		                                              : "not-seen");
		json_builder_end_object(b);
		json_builder_end_object(b);
		print_json(b);
		return content == FUT_CONTENT_DIFFERS ? FUT_EXIT_REFUSED : FUT_EXIT_OK;
	}
	{
		g_autofree gchar *who = NULL, *host_s = NULL, *file = NULL, *size = NULL;
		g_autofree gchar *sha = NULL, *klass = NULL, *dest = NULL, *reason = NULL;
		g_autofree gchar *created = NULL, *expires = NULL, *left = NULL, *exp = NULL;
		g_autofree gchar *ev = NULL, *rule = NULL, *short_id = g_strndup(id, 16);
		g_autofree gchar *requester = fut_approve_escape(q->requester);

		who = g_strdup_printf(_("%s (uid %u)"), requester, q->uid);
		{
			/* (g_steal_pointer inside the printf leaked the escaped name) */
			g_autofree gchar *h = fut_approve_escape(q->host);
			host_s =
			    g_strdup_printf(_("%s (host key %s, signature valid)"), h, host_id);
		}
		file = fut_approve_escape(q->file_name);
		{
			/* xgettext cannot see through G_GUINT64_FORMAT: format the number first */
			g_autofree gchar *n = g_strdup_printf("%" G_GUINT64_FORMAT, q->size);
			size = g_strdup_printf(_("%s bytes"), n);
		}
		sha = fut_hex_encode(q->sha256, FUT_SHA256_LEN);
		ev = fut_approve_evidence_text(q->class_evidence, q->klass);
		klass = g_strdup_printf(_("%s (why: %s)"), fut_class_to_string(q->klass), ev);
		dest = fut_approve_destination_text(&q->destination);
		reason = fut_approve_escape(q->reason);
		created = fut_approve_format_time(q->created);
		left = fut_approve_format_remaining(q->expires - now);
		exp = fut_approve_format_time(q->expires);
		expires = g_strdup_printf("%s (%s)", exp, left);
		rule = fut_approve_rule_text(policy, q->klass);

		g_print(_("Export request %s\n"), short_id);
		row(_("Requester:"), who);
		row(_("Computer:"), host_s);
		row(_("File:"), file);
		row(_("Size:"), size);
		row(_("SHA-256:"), sha);
		row(_("Class:"), klass);
		row(_("Destination:"), dest);
		row(_("Reason:"), reason);
		row(_("Created:"), created);
		row(_("Expires:"), expires);
		row(_("Policy:"), rule);
		row(_("Request id:"), id);
		{
			g_autofree gchar *verdict = fut_approve_content_text(content, content_path);
			row(_("Content:"), verdict);
		}
	}
	return content == FUT_CONTENT_DIFFERS ? FUT_EXIT_REFUSED : FUT_EXIT_OK;
}

gboolean
fut_approve_check_cert_root(const FutCertificate *c,
                            const gchar *root_path,
                            gchar **ret_status,
                            GError **error)
{
	g_autoptr(FutKey) root = fut_approve_load_root(root_path, error);

	if (root == NULL) {
		if (error != NULL && *error != NULL)
			return FALSE;
		*ret_status = g_strdup(_("not checked (no organisation root key; use --root)"));
		return TRUE;
	}
	if (!fut_certificate_verify(c, root, error))
		return FALSE;
	*ret_status = g_strdup(_("signed by the organisation root key"));
	return TRUE;
}

static gchar *
classes_text(guint classes)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (FutClass k = FUT_CLASS_I; k <= FUT_CLASS_III; k++) {
		if ((classes & (1u << k)) == 0)
			continue;
		if (s->len > 0)
			g_string_append(s, ", ");
		g_string_append(s, fut_class_to_string(k));
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static gchar *
list_text(GPtrArray *list)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; i < list->len; i++) {
		g_autofree gchar *e = fut_strescape(list->pdata[i], -1);
		if (i > 0)
			g_string_append(s, ", ");
		g_string_append(s, e);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
print_cert_rows(const FutCertificate *c, const gchar *status)
{
	g_autofree gchar *name = fut_approve_escape(c->name), *id = fut_approve_escape(c->staff_id);
	g_autofree gchar *logins = list_text(c->logins), *roles = list_text(c->roles);
	g_autofree gchar *classes = classes_text(c->classes);
	g_autofree gchar *serial = fut_certificate_dup_serial_string(c);
	g_autofree gchar *nb = fut_approve_format_time(c->not_before);
	g_autofree gchar *na = fut_approve_format_time(c->not_after);
	g_autofree gchar *valid = g_strdup_printf(_("%s to %s"), nb, na);
	g_autofree gchar *who = g_strdup_printf("%s (%s)", name, id);
	g_autoptr(FutKey) key = fut_key_new_public(c->public_key, NULL);
	g_autofree gchar *key_id = key != NULL ? fut_key_dup_id_string(key) : g_strdup("?");

	row(_("Approver:"), who);
	row(_("Logins:"), logins);
	row(_("Roles:"), roles);
	row(_("May approve:"), classes);
	row(_("Valid:"), valid);
	row(_("Serial:"), serial);
	row(_("Key id:"), key_id);
	row(_("Certificate:"), status);
}

static void
json_cert(JsonBuilder *b, const FutCertificate *c)
{
	g_autofree gchar *serial = fut_certificate_dup_serial_string(c);

	json_builder_begin_object(b);
	json_add_str(b, "serial", serial);
	json_add_str(b, "staff_id", c->staff_id);
	json_add_str(b, "name", c->name);
	json_builder_set_member_name(b, "logins");
	json_builder_begin_array(b);
	for (guint i = 0; i < c->logins->len; i++) {
		g_autofree gchar *e = fut_strescape(c->logins->pdata[i], -1);
		json_builder_add_string_value(b, e);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "roles");
	json_builder_begin_array(b);
	for (guint i = 0; i < c->roles->len; i++)
		json_builder_add_string_value(b, c->roles->pdata[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "classes");
	json_builder_begin_array(b);
	for (FutClass k = FUT_CLASS_I; k <= FUT_CLASS_III; k++) {
		if (c->classes & (1u << k))
			json_builder_add_string_value(b, fut_class_to_string(k));
	}
	json_builder_end_array(b);
	json_add_time(b, "not_before", c->not_before);
	json_add_time(b, "not_after", c->not_after);
	json_builder_end_object(b);
}

static gint
show_certificate(const gchar *path, gboolean json, const gchar *root_path)
{
	GError *error = NULL;
	g_autoptr(FutCertificate) c = fut_approve_load_certificate(path, &error);
	g_autofree gchar *status = NULL;

	if (c == NULL || !fut_approve_check_cert_root(c, root_path, &status, &error))
		return fut_approve_fail(error);
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_add_str(b, "type", "certificate");
		json_builder_set_member_name(b, "certificate");
		json_cert(b, c);
		json_add_str(b, "root_check", status);
		json_builder_end_object(b);
		print_json(b);
		return FUT_EXIT_OK;
	}
	g_print(_("Approver certificate\n"));
	print_cert_rows(c, status);
	return FUT_EXIT_OK;
}

static gint
show_approval(const gchar *path, gboolean json, const gchar *root_path)
{
	GError *error = NULL;
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autofree gchar *text = NULL;
	g_autoptr(FutApproval) a = NULL;
	g_autofree gchar *status = NULL;
	g_autofree gchar *rid = NULL;
	gsize len = 0;

	text = fut_approve_read_file(path, FUT_APPROVAL_TEXT_MAX, &len, &error);
	if (text == NULL)
		return fut_approve_fail(error);
	a = fut_approval_parse(text, len, &error);
	if (a == NULL || !fut_approval_verify(a, &error) ||
	    !fut_approve_check_cert_root(a->cert, root_path, &status, &error)) {
		g_prefix_error(&error, "%s: ", safe);
		return fut_approve_fail(error);
	}
	rid = fut_hex_encode(a->request_id, FUT_REQUEST_ID_LEN);
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_add_str(b, "type", "approval");
		json_add_str(b, "request", rid);
		json_add_str(b, "decision", fut_decision_to_string(a->decision));
		json_add_time(b, "not_before", a->not_before);
		json_add_time(b, "not_after", a->not_after);
		json_add_str(b, "comment", a->comment);
		json_add_str(b, "content_checked",
		             a->content_checked == FUT_CONTENT_CHECK_UNRECORDED
		                 ? "not-recorded"
		                 : fut_content_check_to_string(a->content_checked));
		json_builder_set_member_name(b, "certificate");
		json_cert(b, a->cert);
		json_add_str(b, "root_check", status);
		json_builder_end_object(b);
		print_json(b);
		return FUT_EXIT_OK;
	}
	{
		g_autofree gchar *nb = fut_approve_format_time(a->not_before);
		g_autofree gchar *na = fut_approve_format_time(a->not_after);
		g_autofree gchar *window = g_strdup_printf(_("%s to %s"), nb, na);
		g_autofree gchar *comment = fut_approve_escape(a->comment);
		g_print(a->decision == FUT_DECISION_APPROVE ? _("Approval (signature valid)\n")
		                                            : _("REJECTION (signature valid)\n"));
		row(_("Request id:"), rid);
		row(_("Decision:"), fut_decision_to_string(a->decision));
		row(_("Window:"), window);
		row(_("Comment:"), comment);
		row(_("Content seen:"),
		    a->content_checked == FUT_CONTENT_CHECK_YES
		        ? _("yes: the approver checked the file against the request")
		    : a->content_checked == FUT_CONTENT_CHECK_NO
		        ? _("no: the approver did not check the file's content")
		        : _("not recorded (an approval from before this field)"));
		print_cert_rows(a->cert, status);
	}
	return FUT_EXIT_OK;
}

static gint
show_revocation(const gchar *path, gboolean json, const gchar *root_path)
{
	GError *error = NULL;
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autofree gchar *text = NULL;
	g_autoptr(FutRevocationList) l = NULL;
	g_autoptr(FutKey) root = NULL;
	gsize len = 0;
	const gchar *status = _("not checked (no organisation root key; use --root)");

	text = fut_approve_read_file(path, FUT_REVOCATION_TEXT_MAX, &len, &error);
	if (text == NULL)
		return fut_approve_fail(error);
	l = fut_revocation_list_parse(text, len, &error);
	if (l == NULL) {
		g_prefix_error(&error, "%s: ", safe);
		return fut_approve_fail(error);
	}
	root = fut_approve_load_root(root_path, &error);
	if (error != NULL)
		return fut_approve_fail(error);
	if (root != NULL) {
		if (!fut_revocation_list_verify(l, root, &error)) {
			g_prefix_error(&error, "%s: ", safe);
			return fut_approve_fail(error);
		}
		status = _("signed by the organisation root key");
	}
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_add_str(b, "type", "revocation-list");
		json_builder_set_member_name(b, "sequence");
		json_builder_add_int_value(b, (gint64)l->sequence);
		json_add_time(b, "issued", l->issued);
		json_builder_set_member_name(b, "revoked");
		json_builder_begin_array(b);
		for (guint i = 0; i < l->serials->len; i++) {
			g_autofree gchar *s = fut_hex_encode((const guint8 *)l->serials->data +
			                                         (gsize)i * FUT_SERIAL_LEN,
			                                     FUT_SERIAL_LEN);
			json_builder_add_string_value(b, s);
		}
		json_builder_end_array(b);
		json_add_str(b, "root_check", status);
		json_builder_end_object(b);
		print_json(b);
		return FUT_EXIT_OK;
	}
	{
		g_autofree gchar *seq = g_strdup_printf("%" G_GUINT64_FORMAT, l->sequence);
		g_autofree gchar *issued = fut_approve_format_time(l->issued);
		g_autofree gchar *count = g_strdup_printf("%u", l->serials->len);
		g_print(_("Revocation list\n"));
		row(_("Sequence:"), seq);
		row(_("Issued:"), issued);
		row(_("Signature:"), status);
		row(_("Revoked:"), count);
		for (guint i = 0; i < l->serials->len; i++) {
			g_autofree gchar *s = fut_hex_encode((const guint8 *)l->serials->data +
			                                         (gsize)i * FUT_SERIAL_LEN,
			                                     FUT_SERIAL_LEN);
			row("", s);
		}
	}
	return FUT_EXIT_OK;
}

/* The default paths depend on configure's sysconfdir, so the help texts are formatted at
 * run time (a macro pasted into a msgid would hide the string from xgettext). */
static const gchar *
help_root(void)
{
	static gchar *text;

	if (text == NULL)
		text = g_strdup_printf(_("Organisation root public key (default %s)"),
		                       FUT_APPROVE_DEFAULT_ROOT);
	return text;
}

static const gchar *
help_revocations(void)
{
	static gchar *text;

	if (text == NULL)
		text =
		    g_strdup_printf(_("Revocation list: refuse to sign with a revoked certificate "
		                      "(default %s, when installed)"),
		                    FUT_APPROVE_DEFAULT_REVOCATIONS);
	return text;
}

static const gchar *
help_config(void)
{
	static gchar *text;

	if (text == NULL)
		text = g_strdup_printf(_("Config with the [approval] class policy (default %s)"),
		                       FUT_APPROVE_DEFAULT_CONFIG);
	return text;
}

gint
fut_approve_cmd_show(gint argc, gchar **argv)
{
	gboolean json = FALSE;
	gboolean allow_root = FALSE;
	g_autofree gchar *root_path = NULL;
	g_autofree gchar *config = NULL;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(FutPolicy) policy = NULL;
	g_autofree gchar *head = NULL;
	g_autofree gchar *label = NULL;
	g_autofree gchar *file = NULL;
	GError *error = NULL;
	gsize len = 0;
	GOptionEntry entries[] = {
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL},
	    {"file", 0, 0, G_OPTION_ARG_FILENAME, &file,
	     N_("Check this file against the request (default: the file beside the request)"),
	     N_("FILE")},
	    {"root", 0, 0, G_OPTION_ARG_FILENAME, &root_path, help_root(), N_("FILE")},
	    {"config", 0, 0, G_OPTION_ARG_FILENAME, &config, help_config(), N_("FILE")},
	    {"allow-root", 0, 0, G_OPTION_ARG_NONE, &allow_root, N_("Allow running as root"), NULL},
	    {NULL}};

	ctx = g_option_context_new(_("FILE"));
	g_option_context_set_summary(
	    ctx, _("Review a request before signing it: who asks, from which computer, which file, "
	           "where to, and why. The host signature is checked. Also shows approvals, "
	           "certificates and revocation lists."));
	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		return fut_approve_usage("show", error->message);
	if (argc != 2)
		return fut_approve_usage("show", _("show takes one file"));
	if (!fut_approve_check_root(allow_root, &error))
		return fut_approve_fail(error);
	policy = fut_approve_load_policy(config, &error);
	if (policy == NULL)
		return fut_approve_fail(error);
	head = fut_approve_read_file(argv[1], FUT_REVOCATION_TEXT_MAX, &len, &error);
	if (head == NULL)
		return fut_approve_fail(error);
	label = fut_token_peek_label(head, len);
	if (g_strcmp0(label, FUT_LABEL_REQUEST) == 0)
		return show_request(argv[1], json, policy, file);
	if (file != NULL)
		return fut_approve_usage("show", _("--file goes with a request"));
	if (g_strcmp0(label, FUT_LABEL_APPROVAL) == 0)
		return show_approval(argv[1], json, root_path);
	if (g_strcmp0(label, FUT_LABEL_CERTIFICATE) == 0)
		return show_certificate(argv[1], json, root_path);
	if (g_strcmp0(label, FUT_LABEL_REVOCATION) == 0)
		return show_revocation(argv[1], json, root_path);
	{
		g_autofree gchar *safe = fut_strescape(argv[1], -1);
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s: not a futari request, approval, certificate or revocation list"),
		            safe);
	}
	return fut_approve_fail(error);
}

gchar *
fut_approve_default_output(const gchar *request_path, const FutCertificate *c)
{
	g_autofree gchar *stem = NULL;

	if (g_str_has_suffix(request_path, REQUEST_SUFFIX))
		stem = g_strndup(request_path, strlen(request_path) - strlen(REQUEST_SUFFIX));
	else
		stem = g_strdup(request_path);
	/* the staff id is a token of [A-Za-z0-9._@$+-]: safe in a file name */
	return g_strconcat(stem, ".", c->staff_id, APPROVAL_SUFFIX, NULL);
}

gchar *
fut_approve_default_certificate(const gchar *key_path)
{
	g_autofree gchar *stem = g_str_has_suffix(key_path, ".key")
	                             ? g_strndup(key_path, strlen(key_path) - strlen(".key"))
	                             : g_strdup(key_path);

	return g_strconcat(stem, CERT_SUFFIX, NULL);
}

static gboolean
login_matches(const FutCertificate *c, const gchar *login)
{
	for (guint i = 0; i < c->logins->len; i++) {
		if (g_ascii_strcasecmp(c->logins->pdata[i], login) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
has_any_role(const FutCertificate *c, GStrv roles)
{
	for (guint i = 0; roles[i] != NULL; i++) {
		if (fut_certificate_has_role(c, roles[i]))
			return TRUE;
	}
	return FALSE;
}

gboolean
fut_approve_may_decide(const FutRequest *q,
                       const FutCertificate *c,
                       const FutPolicy *policy,
                       FutDecision decision,
                       gint64 now,
                       GError **error)
{
	const FutClassRule *rule = fut_policy_get_rule(policy, q->klass);

	if (rule == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the request has no valid class"));
		return FALSE;
	}
	if (now < c->not_before || now > c->not_after) {
		g_autofree gchar *nb = fut_approve_format_time(c->not_before);
		g_autofree gchar *na = fut_approve_format_time(c->not_after);
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("your certificate is valid only from %s to %s; ask the security "
		              "manager for a new one"),
		            nb, na);
		return FALSE;
	}
	if (now > q->expires) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("the request has expired; the requester must make a new one"));
		return FALSE;
	}
	if (decision != FUT_DECISION_APPROVE)
		return TRUE;
	if (login_matches(c, q->requester)) {
		g_autofree gchar *requester = fut_strescape(q->requester, -1);
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("you cannot approve your own request: the requester \"%s\" is "
		              "one of the logins in your certificate; ask another approver"),
		            requester);
		return FALSE;
	}
	if (rule->approvals == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("Class %s needs no approval; nothing to sign"),
		            fut_class_to_string(q->klass));
		return FALSE;
	}
	if (!fut_certificate_may_approve(c, q->klass)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("your certificate does not allow you to approve Class %s"),
		            fut_class_to_string(q->klass));
		return FALSE;
	}
	if (!has_any_role(c, rule->roles)) {
		g_autofree gchar *roles = fut_approve_roles_text(rule->roles, ", ");
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("Class %s may be approved only by: %s; your certificate holds "
		              "none of these roles"),
		            fut_class_to_string(q->klass), roles);
		return FALSE;
	}
	return TRUE;
}

FutApproval *
fut_approve_decision_new(const FutRequest *q,
                         const FutCertificate *c,
                         const FutPolicy *policy,
                         FutDecision decision,
                         gint64 valid_for,
                         const gchar *comment,
                         gint64 now,
                         gboolean *ret_capped,
                         GError **error)
{
	const FutClassRule *rule = fut_policy_get_rule(policy, q->klass);
	g_autoptr(FutApproval) a = NULL;
	gboolean capped = FALSE;
	gint64 dur = valid_for;

	if (rule == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the request has no valid class"));
		return NULL;
	}
	if (comment != NULL && strlen(comment) > FUT_TEXT_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("the comment is longer than %d bytes"), FUT_TEXT_MAX);
		return NULL;
	}
	if (dur <= 0) {
		dur = rule->max_validity;
	} else if (dur > rule->max_validity) {
		dur = rule->max_validity;
		capped = TRUE;
	}
	a = fut_approval_new();
	if (!fut_request_get_id(q, a->request_id, error))
		return NULL;
	a->decision = decision;
	a->not_before = now - MIN(CLOCK_SLACK, dur / 2);
	a->not_after = a->not_before + dur;
	if (a->not_after > q->expires && q->expires > a->not_before)
		a->not_after = q->expires; /* nothing to approve after the request dies */
	a->comment = g_strdup(comment != NULL ? comment : "");
	a->cert = fut_certificate_dup(c);
	if (ret_capped != NULL)
		*ret_capped = capped;
	return g_steal_pointer(&a);
}

gchar *
fut_approve_sign_with_key_file(FutApproval *a,
                               const gchar *key_path,
                               const gchar *passphrase,
                               GError **error)
{
	/* The key lives only inside this function: it is freed (and wiped by the crypto
	 * core) before the text is returned. */
	g_autoptr(FutKey) key = fut_key_load_secret(key_path, passphrase, error);

	if (key == NULL || !fut_approval_sign(a, key, error))
		return NULL;
	g_clear_pointer(&key, fut_key_free);
	return fut_approval_to_text(a, error);
}

static gint
decide(gint argc, gchar **argv, FutDecision decision)
{
	const gchar *cmd = decision == FUT_DECISION_APPROVE ? "sign" : "reject";
	g_autofree gchar *key_path = NULL;
	g_autofree gchar *cert_path = NULL;
	g_autofree gchar *valid_for = NULL;
	g_autofree gchar *comment = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *root_path = NULL;
	g_autofree gchar *config = NULL;
	g_autofree gchar *pass_file = NULL;
	g_autofree gchar *revocations = NULL;
	g_autofree gchar *content_file = NULL;
	g_autofree gchar *content_path = NULL;
	FutContentState content = FUT_CONTENT_NOT_SEEN;
	gboolean allow_root = FALSE;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(FutRequest) q = NULL;
	g_autoptr(FutCertificate) c = NULL;
	g_autoptr(FutPolicy) policy = NULL;
	g_autoptr(FutSecret) pass = NULL;
	g_autoptr(FutApproval) a = NULL;
	gboolean capped = FALSE;
	g_autofree gchar *status = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *id = NULL;
	GError *error = NULL;
	gint64 now = fut_approve_now();
	gint64 dur = 0;
	GOptionEntry entries[] = {
	    {"key", 0, 0, G_OPTION_ARG_FILENAME, &key_path, N_("Your secret key (from keygen)"),
	     N_("FILE")},
	    {"cert", 0, 0, G_OPTION_ARG_FILENAME, &cert_path,
	     N_("Your certificate from the security manager (default: KEY with .key replaced by "
	        ".futari-certificate)"),
	     N_("FILE")},
	    {"valid-for", 0, 0, G_OPTION_ARG_STRING, &valid_for,
	     N_("How long the decision is valid (default and maximum: the class maximum)"),
	     N_("DURATION")},
	    {"comment", 0, 0, G_OPTION_ARG_STRING, &comment, N_("A comment for the requester"),
	     N_("TEXT")},
	    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out,
	     N_("Where to write it (default: beside the request)"), N_("FILE")},
	    {"file", 0, 0, G_OPTION_ARG_FILENAME, &content_file,
	     N_("The file you looked at: it must match the request, and the decision records "
	        "content-checked: yes (without it: no)"),
	     N_("FILE")},
	    {"root", 0, 0, G_OPTION_ARG_FILENAME, &root_path, help_root(), N_("FILE")},
	    {"config", 0, 0, G_OPTION_ARG_FILENAME, &config, help_config(), N_("FILE")},
	    {"revocations", 0, 0, G_OPTION_ARG_FILENAME, &revocations, help_revocations(),
	     N_("FILE")},
	    {"passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &pass_file,
	     N_("Read the passphrase from the first line of FILE (for scripts)"), N_("FILE")},
	    {"allow-root", 0, 0, G_OPTION_ARG_NONE, &allow_root, N_("Allow running as root"), NULL},
	    {NULL}};

	ctx = g_option_context_new(_("REQUEST"));
	g_option_context_set_summary(
	    ctx, decision == FUT_DECISION_APPROVE
	             ? _("Approve an export request with your key. Review it first with "
	                 "\"futari-approve show REQUEST\". You cannot approve your own requests.")
	             : _("Reject an export request with your key; the requester and the log see "
	                 "your comment."));
	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		return fut_approve_usage(cmd, error->message);
	if (argc != 2)
		return fut_approve_usage(cmd, _("give exactly one request file"));
	if (key_path == NULL)
		return fut_approve_usage(cmd, _("--key is needed"));
	if (cert_path == NULL) {
		/* keygen tells people to keep the certificate beside the key */
		cert_path = fut_approve_default_certificate(key_path);
		if (!g_file_test(cert_path, G_FILE_TEST_EXISTS)) {
			g_autofree gchar *safe = fut_strescape(cert_path, -1);
			g_autofree gchar *msg = g_strdup_printf(
			    _("--cert is needed (there is no %s beside the key)"), safe);
			return fut_approve_usage(cmd, msg);
		}
	}
	if (valid_for != NULL && !fut_duration_parse(valid_for, &dur, &error)) {
		g_prefix_error(&error, "--valid-for: ");
		return fut_approve_usage(cmd, error->message);
	}
	if (comment != NULL && strlen(comment) > FUT_TEXT_MAX)
		return fut_approve_usage(cmd, _("--comment is too long"));
	if (!fut_approve_check_root(allow_root, &error))
		return fut_approve_fail(error);

	q = fut_approve_load_request(argv[1], &error);
	if (q == NULL)
		return fut_approve_fail(error);
	c = fut_approve_load_certificate(cert_path, &error);
	if (c == NULL || !fut_approve_check_cert_root(c, root_path, &status, &error) ||
	    !fut_approve_check_not_revoked(c, revocations, root_path, &error))
		return fut_approve_fail(error);
	policy = fut_approve_load_policy(config, &error);
	if (policy == NULL)
		return fut_approve_fail(error);
	if (!fut_approve_may_decide(q, c, policy, decision, now, &error))
		return fut_approve_fail(error);
	if (content_file != NULL) {
		if (!fut_approve_review_content(argv[1], q, content_file, &content, &content_path,
		                                &error))
			return fut_approve_fail(error);
		/* Approving a file that is not the requested one is refused; rejecting is
		 * always possible, and then records that the content was not confirmed. */
		if (content == FUT_CONTENT_DIFFERS && decision == FUT_DECISION_APPROVE) {
			g_autofree gchar *verdict = fut_approve_content_text(content, content_path);
			g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED, "%s", verdict);
			return fut_approve_fail(error);
		}
	}
	a = fut_approve_decision_new(q, c, policy, decision, valid_for != NULL ? dur : 0, comment,
	                             now, &capped, &error);
	if (a == NULL)
		return fut_approve_fail(error);
	a->content_checked =
	    content == FUT_CONTENT_MATCHES ? FUT_CONTENT_CHECK_YES : FUT_CONTENT_CHECK_NO;
	if (capped) {
		g_autofree gchar *m =
		    fut_duration_format(fut_policy_get_rule(policy, q->klass)->max_validity);
		g_printerr(_("Note: validity capped at %s, the maximum for Class %s.\n"), m,
		           fut_class_to_string(q->klass));
	}

	pass = fut_approve_read_passphrase(pass_file, _("Passphrase of your key: "), FALSE, &error);
	if (pass == NULL)
		return fut_approve_fail(error);
	text = fut_approve_sign_with_key_file(a, key_path, pass, &error);
	if (text == NULL)
		return fut_approve_fail(error);
	if (out == NULL)
		out = fut_approve_default_output(argv[1], c);
	if (!fut_approve_write_output(out, text, &error))
		return fut_approve_fail(error);
	id = fut_request_dup_id_string(q);
	{
		g_autofree gchar *file = fut_strescape(q->file_name, -1);
		g_autofree gchar *requester = fut_strescape(q->requester, -1);
		g_autofree gchar *until = fut_approve_format_time(a->not_after);
		g_autofree gchar *safe_out = fut_strescape(out, -1);
		id[16] = '\0';
		if (decision == FUT_DECISION_APPROVE)
			g_printerr(_("Approved request %s (%s, %s, Class %s) until %s.\n"), id,
			           requester, file, fut_class_to_string(q->klass), until);
		else
			g_printerr(_("Rejected request %s (%s, %s, Class %s).\n"), id, requester,
			           file, fut_class_to_string(q->klass));
		if (content == FUT_CONTENT_MATCHES) {
			g_autofree gchar *safe_file = fut_strescape(content_path, -1);
			g_printerr(_("Content checked: %s matches the request (recorded as "
			             "content-checked: yes).\n"),
			           safe_file);
		} else {
			g_printerr(_("Content not checked (recorded as content-checked: no); give "
			             "--file FILE to check the file against the request.\n"));
		}
		if (!g_str_equal(out, "-"))
			g_printerr(_("Wrote %s; give it to the requester.\n"), safe_out);
		if (status != NULL && g_str_has_prefix(status, _("not checked")))
			g_printerr(_("Note: your certificate was %s.\n"), status);
	}
	return FUT_EXIT_OK;
}

gint
fut_approve_cmd_sign(gint argc, gchar **argv)
{
	return decide(argc, argv, FUT_DECISION_APPROVE);
}

gint
fut_approve_cmd_reject(gint argc, gchar **argv)
{
	return decide(argc, argv, FUT_DECISION_REJECT);
}
