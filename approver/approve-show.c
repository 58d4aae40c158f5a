/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "approve-common.h"
#include "approve-content.h"
#include "approve-evidence.h"
#include "approve-review.h"
#include "approve-review-private.h"
#include "errors.h"
#include "fields.h"

/* futari-approve show: prints a request, certificate, approval or revocation list as text
 * or JSON, every string from the file escaped. It reads public files only. */

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
		json_builder_set_member_name(b, "version");
		json_builder_add_int_value(b, q->version == 2 ? 2 : 1);
		if (q->version == 2) {
			/* every file: path (escaped like every string here), size, digest, class */
			json_builder_set_member_name(b, "files");
			json_builder_begin_array(b);
			for (guint i = 0; i < q->files->len; i++) {
				const FutRequestFile *f = g_ptr_array_index(q->files, i);
				g_autofree gchar *h = fut_hex_encode(f->sha256, FUT_SHA256_LEN);
				json_builder_begin_object(b);
				json_add_str(b, "path", f->path);
				json_builder_set_member_name(b, "size");
				json_builder_add_int_value(b, (gint64)f->size);
				json_add_str(b, "sha256", h);
				json_add_str(b, "class", fut_class_to_string(f->klass));
				json_builder_end_object(b);
			}
			json_builder_end_array(b);
			json_builder_set_member_name(b, "size");
			json_builder_add_int_value(b, (gint64)fut_approve_request_size(q));
		} else {
			g_autofree gchar *h = fut_hex_encode(q->sha256, FUT_SHA256_LEN);
			json_add_str(b, "file", q->file_name);
			json_builder_set_member_name(b, "size");
			json_builder_add_int_value(b, (gint64)q->size);
			json_add_str(b, "sha256", h);
		}
		json_add_str(b, "class", fut_class_to_string(q->klass));
		if (q->version != 2)
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
		file = fut_approve_request_subject(q);
		{
			/* xgettext cannot see through G_GUINT64_FORMAT: format the number first */
			g_autofree gchar *n =
			    g_strdup_printf("%" G_GUINT64_FORMAT, fut_approve_request_size(q));
			size = g_strdup_printf(_("%s bytes"), n);
		}
		if (q->version == 2) {
			sha = g_strdup(_("one for each file, in the list below"));
			klass = g_strdup_printf(_("%s (the highest of the files)"),
			                        fut_class_to_string(q->klass));
		} else {
			sha = fut_hex_encode(q->sha256, FUT_SHA256_LEN);
			ev = fut_approve_evidence_text(q->class_evidence, q->klass);
			klass =
			    g_strdup_printf(_("%s (why: %s)"), fut_class_to_string(q->klass), ev);
		}
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
		row(q->version == 2 ? _("Files:") : _("File:"), file);
		row(_("Size:"), size);
		row(_("SHA-256:"), sha);
		row(_("Class:"), klass);
		row(_("Destination:"), dest);
		row(_("Reason:"), reason);
		row(_("Created:"), created);
		row(_("Expires:"), expires);
		row(_("Policy:"), rule);
		row(_("Request id:"), id);
		if (q->version == 2) {
			row(_("Content:"), _("not checked here: compare each file with its "
			                     "SHA-256 in the list below"));
		} else {
			g_autofree gchar *verdict = fut_approve_content_text(content, content_path);
			row(_("Content:"), verdict);
		}
		if (q->version == 2) {
			/* Every file the one approval covers, each with its digest. */
			g_autofree gchar *list = fut_approve_files_text(q);
			g_print(
			    _("The %u files this request names (one approval covers them all):\n"),
			    q->files->len);
			g_print("%s\n", list);
		}
	}
	return content == FUT_CONTENT_DIFFERS ? FUT_EXIT_REFUSED : FUT_EXIT_OK;
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
	    {"root", 0, 0, G_OPTION_ARG_FILENAME, &root_path, fut_approve_help_root(), N_("FILE")},
	    {"config", 0, 0, G_OPTION_ARG_FILENAME, &config, fut_approve_help_config(), N_("FILE")},
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
