/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "fields.h"
#include "redeem.h"
#include "util.h"

static const gchar *const refusal_names[] = {
    [FUT_REFUSAL_NONE] = "accepted",
    [FUT_REFUSAL_INVALID_INPUT] = "invalid-input",
    [FUT_REFUSAL_REQUEST_SIGNATURE] = "request-signature",
    [FUT_REFUSAL_WRONG_HOST] = "wrong-host",
    [FUT_REFUSAL_UNKNOWN_REQUEST] = "unknown-request",
    [FUT_REFUSAL_ALREADY_REDEEMED] = "already-redeemed",
    [FUT_REFUSAL_REQUEST_EXPIRED] = "request-expired",
    [FUT_REFUSAL_WRONG_DESTINATION] = "wrong-destination",
    [FUT_REFUSAL_TOO_MANY_APPROVALS] = "too-many-approvals",
    [FUT_REFUSAL_WRONG_REQUEST] = "wrong-request",
    [FUT_REFUSAL_APPROVAL_SIGNATURE] = "approval-signature",
    [FUT_REFUSAL_CERT_OTHER_ROOT] = "certificate-other-root",
    [FUT_REFUSAL_CERT_SIGNATURE] = "certificate-signature",
    [FUT_REFUSAL_CERT_NOT_YET_VALID] = "certificate-not-yet-valid",
    [FUT_REFUSAL_CERT_EXPIRED] = "certificate-expired",
    [FUT_REFUSAL_NO_REVOCATION_LIST] = "no-revocation-list",
    [FUT_REFUSAL_BAD_REVOCATION_LIST] = "bad-revocation-list",
    [FUT_REFUSAL_CERT_REVOKED] = "certificate-revoked",
    [FUT_REFUSAL_REJECTED] = "rejected",
    [FUT_REFUSAL_SELF_APPROVAL] = "self-approval",
    [FUT_REFUSAL_CLASS_NOT_ALLOWED] = "class-not-allowed",
    [FUT_REFUSAL_ROLE_NOT_ALLOWED] = "role-not-allowed",
    [FUT_REFUSAL_APPROVAL_NOT_YET_VALID] = "approval-not-yet-valid",
    [FUT_REFUSAL_APPROVAL_EXPIRED] = "approval-expired",
    [FUT_REFUSAL_APPROVAL_TOO_LONG] = "approval-too-long",
    [FUT_REFUSAL_DUPLICATE_APPROVER] = "duplicate-approver",
    [FUT_REFUSAL_TOO_FEW_APPROVALS] = "too-few-approvals",
    [FUT_REFUSAL_REQUIRED_ROLE_MISSING] = "required-role-missing",
    [FUT_REFUSAL_CLOCK_BEHIND] = "clock-behind",
    [FUT_REFUSAL_MALFORMED] = "malformed",
    [FUT_REFUSAL_NOT_REQUESTER] = "not-requester",
    [FUT_REFUSAL_BEING_REDEEMED] = "being-redeemed",
    [FUT_REFUSAL_DESTINATION_ABSENT] = "destination-absent",
    [FUT_REFUSAL_DESTINATION_REFUSED] = "destination-refused",
    [FUT_REFUSAL_NO_ROOT_KEY] = "no-root-key",
    [FUT_REFUSAL_UPLOAD_CONTROL_OFF] = "upload-control-off",
    [FUT_REFUSAL_AGENT_ERROR] = "agent-error",
    [FUT_REFUSAL_LOG_UNWRITABLE] = "log-unwritable",
};

const gchar *
fut_refusal_to_string(FutRefusal r)
{
	if ((guint)r >= G_N_ELEMENTS(refusal_names) || refusal_names[r] == NULL)
		return "unknown";
	return refusal_names[r];
}

FutRefusal
fut_refusal_from_string(const gchar *name)
{
	for (guint i = FUT_REFUSAL_NONE + 1; name != NULL && i < G_N_ELEMENTS(refusal_names); i++) {
		if (refusal_names[i] != NULL && g_str_equal(name, refusal_names[i]))
			return (FutRefusal)i;
	}
	return FUT_REFUSAL_NONE;
}

void
fut_refusal_set_error(GError **error, FutRefusal refusal, const gchar *message)
{
	const gchar *name = fut_refusal_to_string(refusal);

	if (error == NULL)
		return;
	if (*error == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED, "%s (%s)",
		            message != NULL ? message : _("refused"), name);
		return;
	}
	if (fut_refusal_from_message((*error)->message) != FUT_REFUSAL_NONE)
		return; /* named already */
	{
		gchar *m = g_strdup_printf("%s (%s)", (*error)->message, name);
		g_free((*error)->message);
		(*error)->message = m;
	}
}

FutRefusal
fut_refusal_from_message(const gchar *message)
{
	const gchar *open;
	gsize n;
	g_autofree gchar *name = NULL;

	if (message == NULL || !g_str_has_suffix(message, ")"))
		return FUT_REFUSAL_NONE;
	open = strrchr(message, '(');
	if (open == NULL || open == message || open[-1] != ' ')
		return FUT_REFUSAL_NONE;
	n = strlen(open + 1) - 1;
	name = g_strndup(open + 1, n);
	return fut_refusal_from_string(name);
}

static FutRefusal refuse(gchar **ret_message, FutRefusal r, const gchar *format, ...)
    G_GNUC_PRINTF(3, 4);

static FutRefusal
refuse(gchar **ret_message, FutRefusal r, const gchar *format, ...)
{
	va_list ap;

	if (ret_message != NULL) {
		va_start(ap, format);
		*ret_message = g_strdup_vprintf(format, ap);
		va_end(ap);
	}
	return r;
}

/* Logins are compared without regard to ASCII case: directory services often are, and
 * refusing "Alice" approving "alice" is the safe mistake. */
static gboolean
cert_has_login_ci(const FutCertificate *c, const gchar *login)
{
	for (guint i = 0; i < c->logins->len; i++) {
		if (g_ascii_strcasecmp(c->logins->pdata[i], login) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
cert_has_any_role(const FutCertificate *c, GStrv roles)
{
	for (guint i = 0; roles != NULL && roles[i] != NULL; i++) {
		if (fut_certificate_has_role(c, roles[i]))
			return TRUE;
	}
	return FALSE;
}

/* "Name (staff id)", escaped for a log line. */
static gchar *
who(const FutCertificate *c)
{
	g_autofree gchar *name = fut_strescape(c->name, -1);
	g_autofree gchar *id = fut_strescape(c->staff_id, -1);

	return g_strdup_printf("%s (%s)", name, id);
}

static FutRefusal
check_approval(const FutRedeemInput *in,
               guint idx,
               const guint8 request_id[FUT_REQUEST_ID_LEN],
               const FutClassRule *rule,
               gchar **ret_message)
{
	const FutApproval *a = in->approvals[idx];
	const FutCertificate *c = a->cert;
	const FutRequest *q = in->request;
	g_autofree gchar *name = NULL;
	g_autoptr(GError) error = NULL;
	guint n = idx + 1;

	if (c == NULL)
		return refuse(ret_message, FUT_REFUSAL_INVALID_INPUT,
		              _("approval %u has no certificate"), n);
	if (memcmp(a->request_id, request_id, FUT_REQUEST_ID_LEN) != 0)
		return refuse(ret_message, FUT_REFUSAL_WRONG_REQUEST,
		              _("approval %u is for another request"), n);
	name = who(c);
	/* The certificate first: until it chains to the root, nothing in it means anything. */
	if (!fut_certificate_verify(c, in->root_key, &error)) {
		guint8 root_id[FUT_KEY_ID_LEN];
		fut_key_get_id(in->root_key, root_id);
		if (c->signature.present &&
		    memcmp(root_id, c->signature.key_id, FUT_KEY_ID_LEN) != 0)
			return refuse(ret_message, FUT_REFUSAL_CERT_OTHER_ROOT,
			              _("approval %u: the certificate of %s is not from this "
			                "organisation's root key"),
			              n, name);
		return refuse(ret_message, FUT_REFUSAL_CERT_SIGNATURE,
		              _("approval %u: the certificate of %s has an invalid root signature"),
		              n, name);
	}
	if (!fut_approval_verify(a, NULL))
		return refuse(ret_message, FUT_REFUSAL_APPROVAL_SIGNATURE,
		              _("approval %u by %s has an invalid signature (altered or forged)"),
		              n, name);
	if (in->now < c->not_before) {
		g_autofree gchar *t = fut_time_format(c->not_before);
		return refuse(ret_message, FUT_REFUSAL_CERT_NOT_YET_VALID,
		              _("approval %u: the certificate of %s is valid only from %s"), n,
		              name, t);
	}
	if (in->now > c->not_after) {
		g_autofree gchar *t = fut_time_format(c->not_after);
		return refuse(ret_message, FUT_REFUSAL_CERT_EXPIRED,
		              _("approval %u: the certificate of %s expired at %s"), n, name, t);
	}
	if (in->revocations == NULL) {
		if (in->policy->require_revocation_list)
			return refuse(ret_message, FUT_REFUSAL_NO_REVOCATION_LIST,
			              _("no revocation list is installed, so approvals cannot be "
			                "checked; ask the security manager for one"));
	} else {
		if (!fut_revocation_list_verify(in->revocations, in->root_key, NULL))
			return refuse(ret_message, FUT_REFUSAL_BAD_REVOCATION_LIST,
			              _("the installed revocation list is not signed by this "
			                "organisation's root key"));
		if (fut_revocation_list_contains(in->revocations, c->serial)) {
			g_autofree gchar *serial = fut_certificate_dup_serial_string(c);
			return refuse(
			    ret_message, FUT_REFUSAL_CERT_REVOKED,
			    _("approval %u: the certificate of %s (serial %s) is revoked"), n, name,
			    serial);
		}
	}
	if (a->decision != FUT_DECISION_APPROVE) {
		g_autofree gchar *comment = fut_strescape(a->comment, -1);
		return refuse(ret_message, FUT_REFUSAL_REJECTED, _("%s rejected the request: %s"),
		              name, comment[0] != '\0' ? comment : _("(no comment)"));
	}
	if (cert_has_login_ci(c, q->requester))
		return refuse(ret_message, FUT_REFUSAL_SELF_APPROVAL,
		              _("approval %u: %s may not approve a request of their own login"), n,
		              name);
	if (!fut_certificate_may_approve(c, q->klass))
		return refuse(ret_message, FUT_REFUSAL_CLASS_NOT_ALLOWED,
		              _("approval %u: %s may not approve Class %s"), n, name,
		              fut_class_to_string(q->klass));
	if (!cert_has_any_role(c, rule->roles)) {
		g_autofree gchar *roles = g_strjoinv(", ", rule->roles);
		return refuse(ret_message, FUT_REFUSAL_ROLE_NOT_ALLOWED,
		              _("approval %u: %s holds none of the roles that may approve Class %s "
		                "(%s)"),
		              n, name, fut_class_to_string(q->klass), roles);
	}
	if (in->now < a->not_before) {
		g_autofree gchar *t = fut_time_format(a->not_before);
		return refuse(ret_message, FUT_REFUSAL_APPROVAL_NOT_YET_VALID,
		              _("approval %u by %s is valid only from %s"), n, name, t);
	}
	if (in->now > a->not_after) {
		g_autofree gchar *t = fut_time_format(a->not_after);
		return refuse(ret_message, FUT_REFUSAL_APPROVAL_EXPIRED,
		              _("approval %u by %s expired at %s; ask for a new approval"), n, name,
		              t);
	}
	if (a->not_after - a->not_before > rule->max_validity) {
		g_autofree gchar *max = fut_duration_format(rule->max_validity);
		return refuse(ret_message, FUT_REFUSAL_APPROVAL_TOO_LONG,
		              _("approval %u by %s is valid for longer than Class %s allows (%s)"),
		              n, name, fut_class_to_string(q->klass), max);
	}
	return FUT_REFUSAL_NONE;
}

FutRefusal
fut_redeem_parse_approvals(const gchar *const *texts,
                           const gsize *lens,
                           guint n,
                           GPtrArray **ret_approvals,
                           gchar **ret_message)
{
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_approval_free);

	if (n > FUT_REDEEM_MAX_APPROVALS)
		return refuse(ret_message, FUT_REFUSAL_TOO_MANY_APPROVALS,
		              _("more than %d approvals given"), FUT_REDEEM_MAX_APPROVALS);
	for (guint i = 0; i < n; i++) {
		g_autoptr(GError) error = NULL;
		FutApproval *a = fut_approval_parse(texts[i], lens[i], &error);
		if (a == NULL)
			return refuse(ret_message, FUT_REFUSAL_MALFORMED,
			              _("approval %u is not a valid futari approval: %s"), i + 1,
			              error->message);
		g_ptr_array_add(out, a);
	}
	*ret_approvals = g_steal_pointer(&out);
	if (ret_message != NULL)
		*ret_message = g_strdup_printf(_("%u approval(s) read"), n);
	return FUT_REFUSAL_NONE;
}

FutRefusal
fut_redeem_check(const FutRedeemInput *in, gchar **ret_message)
{
	const FutRequest *q;
	const FutClassRule *rule;
	guint8 id[FUT_REQUEST_ID_LEN];
	guint8 host_pub[FUT_ED25519_PUBLIC_LEN];
	g_autoptr(GString) names = NULL;
	FutRequestState state;
	FutRefusal r;

	if (in == NULL || in->request == NULL || in->root_key == NULL || in->policy == NULL ||
	    in->host_key == NULL || in->lookup == NULL || in->destination == NULL ||
	    (in->n_approvals > 0 && in->approvals == NULL))
		return refuse(ret_message, FUT_REFUSAL_INVALID_INPUT,
		              _("internal error: incomplete redeem input"));
	q = in->request;
	rule = fut_policy_get_rule(in->policy, q->klass);
	if (rule == NULL)
		return refuse(ret_message, FUT_REFUSAL_INVALID_INPUT,
		              _("the request has no valid class"));

	/* The request itself: made and signed by this host, still pending, still alive. */
	if (!fut_request_verify(q, NULL) || !fut_request_get_id(q, id, NULL))
		return refuse(ret_message, FUT_REFUSAL_REQUEST_SIGNATURE,
		              _("the request's host signature is invalid (altered or forged)"));
	fut_key_get_public(in->host_key, host_pub);
	if (memcmp(host_pub, q->host_key, sizeof(host_pub)) != 0) {
		g_autofree gchar *host = fut_strescape(q->host, -1);
		return refuse(ret_message, FUT_REFUSAL_WRONG_HOST,
		              _("the request was made on another computer (%s), not on this one"),
		              host);
	}
	state = in->lookup(id, in->lookup_data);
	if (state == FUT_REQUEST_STATE_REDEEMED)
		return refuse(ret_message, FUT_REFUSAL_ALREADY_REDEEMED,
		              _("this request was already used; make a new request"));
	if (state != FUT_REQUEST_STATE_PENDING)
		return refuse(ret_message, FUT_REFUSAL_UNKNOWN_REQUEST,
		              _("this computer has no pending request with this id"));
	/* This host made the request with its own clock: a clock that now reads earlier was set
	 * back, and would reopen expired requests and approvals. */
	if (in->now < q->created) {
		g_autofree gchar *t = fut_time_format(q->created);
		return refuse(ret_message, FUT_REFUSAL_CLOCK_BEHIND,
		              _("this computer's clock is behind the time the request was made "
		                "(%s); have the clock corrected, then redeem again"),
		              t);
	}
	if (in->now > q->expires) {
		g_autofree gchar *t = fut_time_format(q->expires);
		return refuse(ret_message, FUT_REFUSAL_REQUEST_EXPIRED,
		              _("the request expired at %s; make a new request"), t);
	}
	if (!fut_destination_equal(&q->destination, in->destination))
		return refuse(ret_message, FUT_REFUSAL_WRONG_DESTINATION,
		              q->destination.channel == FUT_CHANNEL_USB
		                  ? _("the USB device attached now is not the one named in the "
		                      "request")
		                  : _("the upload target is not the one named in the request"));
	if (in->n_approvals > FUT_REDEEM_MAX_APPROVALS)
		return refuse(ret_message, FUT_REFUSAL_TOO_MANY_APPROVALS,
		              _("more than %d approvals given"), FUT_REDEEM_MAX_APPROVALS);

	/* Each approval on its own. Every approval given must pass, not only enough of them:
	 * a bad one is a sign of trouble worth a refusal. */
	for (guint i = 0; i < in->n_approvals; i++) {
		r = check_approval(in, i, id, rule, ret_message);
		if (r != FUT_REFUSAL_NONE)
			return r;
	}
	/* Then together: distinct people, enough of them, the required roles among them. */
	for (guint i = 0; i < in->n_approvals; i++) {
		for (guint k = 0; k < i; k++) {
			const FutCertificate *a = in->approvals[i]->cert;
			const FutCertificate *b = in->approvals[k]->cert;
			const gchar *why = NULL;
			/* One person, one approver: a second certificate of the same person (a
			 * re-issue, another staff id spelling) does not make a second person. */
			if (fut_certificate_same_person(a, b, &why)) {
				g_autofree gchar *name_a = who(b);
				g_autofree gchar *name_b = who(a);
				return refuse(
				    ret_message, FUT_REFUSAL_DUPLICATE_APPROVER,
				    _("approvals %u and %u are by the same person (%s and %s "
				      "share %s); Class %s needs distinct approvers"),
				    k + 1, i + 1, name_a, name_b, _(why),
				    fut_class_to_string(q->klass));
			}
		}
	}
	if (in->n_approvals < rule->approvals)
		return refuse(ret_message, FUT_REFUSAL_TOO_FEW_APPROVALS,
		              _("Class %s needs %u approval(s) from distinct approvers, %u given"),
		              fut_class_to_string(q->klass), rule->approvals, in->n_approvals);
	for (guint k = 0; rule->required_roles != NULL && rule->required_roles[k] != NULL; k++) {
		gboolean found = FALSE;
		for (guint i = 0; i < in->n_approvals && !found; i++)
			found = fut_certificate_has_role(in->approvals[i]->cert,
			                                 rule->required_roles[k]);
		if (!found)
			return refuse(ret_message, FUT_REFUSAL_REQUIRED_ROLE_MISSING,
			              _("Class %s needs an approval by a %s"),
			              fut_class_to_string(q->klass), rule->required_roles[k]);
	}

	names = g_string_new(NULL);
	for (guint i = 0; i < in->n_approvals; i++) {
		g_autofree gchar *name = who(in->approvals[i]->cert);
		if (i > 0)
			g_string_append(names, ", ");
		g_string_append(names, name);
	}
	if (in->n_approvals == 0)
		return refuse(ret_message, FUT_REFUSAL_NONE,
		              _("accepted: Class %s needs no approval"),
		              fut_class_to_string(q->klass));
	return refuse(ret_message, FUT_REFUSAL_NONE, _("accepted: Class %s approved by %s"),
	              fut_class_to_string(q->klass), names->str);
}
