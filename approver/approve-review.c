/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "approve-common.h"
#include "approve-review.h"
#include "approve-review-private.h"
#include "errors.h"
#include "fields.h"
#include "util.h"

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

/* The default paths depend on configure's sysconfdir, so the help texts are formatted at
 * run time (a macro pasted into a msgid would hide the string from xgettext). */
const gchar *
fut_approve_help_root(void)
{
	static gchar *text;

	if (text == NULL)
		text = g_strdup_printf(_("Organisation root public key (default %s)"),
		                       FUT_APPROVE_DEFAULT_ROOT);
	return text;
}

const gchar *
fut_approve_help_revocations(void)
{
	static gchar *text;

	if (text == NULL)
		text =
		    g_strdup_printf(_("Revocation list: refuse to sign with a revoked certificate "
		                      "(default %s, when installed)"),
		                    FUT_APPROVE_DEFAULT_REVOCATIONS);
	return text;
}

const gchar *
fut_approve_help_config(void)
{
	static gchar *text;

	if (text == NULL)
		text = g_strdup_printf(_("Config with the [approval] class policy (default %s)"),
		                       FUT_APPROVE_DEFAULT_CONFIG);
	return text;
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

guint64
fut_approve_request_size(const FutRequest *q)
{
	guint64 total = 0;

	if (q->version != 2)
		return q->size;
	for (guint i = 0; i < q->files->len; i++)
		total += ((const FutRequestFile *)g_ptr_array_index(q->files, i))->size;
	return total;
}

gchar *
fut_approve_request_subject(const FutRequest *q)
{
	const FutRequestFile *f;
	g_autofree gchar *first = NULL;

	if (q->version != 2)
		return fut_approve_escape(q->file_name);
	f = g_ptr_array_index(q->files, 0);
	first = fut_approve_escape(f->path);
	if (q->files->len == 1)
		return g_strdup(first);
	return g_strdup_printf(
	    g_dngettext(GETTEXT_PACKAGE, "%u file (%s, …)", "%u files (%s, …)", q->files->len),
	    q->files->len, first);
}

gchar *
fut_approve_files_text(const FutRequest *q)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; q->version == 2 && i < q->files->len; i++) {
		const FutRequestFile *f = g_ptr_array_index(q->files, i);
		g_autofree gchar *path = fut_approve_escape(f->path);
		g_autofree gchar *hex = fut_hex_encode(f->sha256, FUT_SHA256_LEN);
		g_autofree gchar *n = g_strdup_printf("%" G_GUINT64_FORMAT, f->size);
		if (i > 0)
			g_string_append_c(s, '\n');
		/* xgettext cannot see through G_GUINT64_FORMAT: the number is formatted first */
		g_string_append_printf(s, _("%u. %s (%s bytes, Class %s)\n    SHA-256 %s"), i + 1,
		                       path, n, fut_class_to_string(f->klass), hex);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}
