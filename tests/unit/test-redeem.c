/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The redeem decision: one table row per refusal reason, each built from a scenario that
 * is accepted until the row's change breaks exactly one rule. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "fixtures.h"

#define C_I   (1u << FUT_CLASS_I)
#define C_II  (1u << FUT_CLASS_II)
#define C_III (1u << FUT_CLASS_III)

typedef struct {
	FutKey *root, *other_root, *host, *other_host;
	FutKey *k_alice, *k_carol, *k_dave, *k_eve, *k_bob, *k_frank;
	FutCertificate *c_alice; /* info-manager, Class II */
	FutCertificate *c_carol; /* security-manager, Class I and II */
	FutCertificate *c_dave;  /* info-manager, Class I and II */
	FutCertificate *c_eve;   /* role "staff" only, every class */
	FutCertificate *c_bob;   /* info-manager whose login is the requester's */
	FutCertificate *c_frank; /* info-manager, Class I and II */
	FutRequest *req;
	GPtrArray *approvals;
	FutRevocationList *crl;
	FutPolicy *policy;
	gint64 now;
	FutDestination dest;
	FutRequestState state;
	gboolean no_destination;
} Scenario;

static FutRequestState
lookup(const guint8 id[FUT_REQUEST_ID_LEN], gpointer user_data)
{
	Scenario *s = user_data;
	guint8 want[FUT_REQUEST_ID_LEN];

	/* Only the scenario's own request is known: a lookup of anything else is UNKNOWN. */
	if (!fut_request_get_id(s->req, want, NULL) || memcmp(want, id, sizeof(want)) != 0)
		return FUT_REQUEST_STATE_UNKNOWN;
	return s->state;
}

static void
add_approval(Scenario *s, FutCertificate *c, FutKey *k, gint64 nb, gint64 na)
{
	g_ptr_array_add(s->approvals, fx_approval(s->req, c, k, FUT_DECISION_APPROVE, nb, na));
}

static void
set_request(Scenario *s, FutClass klass)
{
	fut_request_free(s->req);
	s->req = fx_request(klass, s->host);
	g_ptr_array_set_size(s->approvals, 0);
}

static Scenario *
scenario_new(void)
{
	Scenario *s = g_new0(Scenario, 1);
	const guint8 revoked[] = {0xee};

	s->root = fx_key("org root");
	s->other_root = fx_key("another org root");
	s->host = fx_key("host pc-test-only-01");
	s->other_host = fx_key("host pc-test-only-02");
	s->k_alice = fx_key("approver alice");
	s->k_carol = fx_key("approver carol");
	s->k_dave = fx_key("approver dave");
	s->k_eve = fx_key("approver eve");
	s->k_bob = fx_key("approver bob");
	s->k_frank = fx_key("approver frank");
	s->c_alice = fx_cert("S1001", "Alice Test-Only", "alice", "info-manager", C_II, s->k_alice,
	                     s->root, 0x01);
	s->c_carol = fx_cert("S1002", "Carol Test-Only", "carol carol.adm", "security-manager",
	                     C_I | C_II, s->k_carol, s->root, 0x02);
	s->c_dave = fx_cert("S1003", "Dave Test-Only", "dave", "info-manager", C_I | C_II,
	                    s->k_dave, s->root, 0x03);
	s->c_eve = fx_cert("S1004", "Eve Test-Only", "eve", "staff", C_I | C_II | C_III, s->k_eve,
	                   s->root, 0x04);
	s->c_bob = fx_cert("S1005", "Bob Test-Only", "bob", "info-manager", C_I | C_II, s->k_bob,
	                   s->root, 0x05);
	s->c_frank = fx_cert("S1006", "Frank Test-Only", "frank", "info-manager", C_I | C_II,
	                     s->k_frank, s->root, 0x06);
	s->approvals = g_ptr_array_new_with_free_func((GDestroyNotify)fut_approval_free);
	s->crl = fx_crl(s->root, 1, revoked, 1);
	s->policy = fut_policy_new_default();
	s->now = fx_now();
	fx_usb_destination(&s->dest);
	s->state = FUT_REQUEST_STATE_PENDING;
	set_request(s, FUT_CLASS_II);
	add_approval(s, s->c_alice, s->k_alice, s->now - 60, s->now + 8 * 3600);
	return s;
}

static void
scenario_free(Scenario *s)
{
	FutKey *keys[] = {s->root,    s->other_root, s->host,  s->other_host, s->k_alice,
	                  s->k_carol, s->k_dave,     s->k_eve, s->k_bob,      s->k_frank};
	FutCertificate *certs[] = {s->c_alice, s->c_carol, s->c_dave,
	                           s->c_eve,   s->c_bob,   s->c_frank};

	for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
		fut_key_free(keys[i]);
	for (guint i = 0; i < G_N_ELEMENTS(certs); i++)
		fut_certificate_free(certs[i]);
	fut_request_free(s->req);
	g_ptr_array_unref(s->approvals);
	fut_revocation_list_free(s->crl);
	fut_policy_free(s->policy);
	fut_destination_clear(&s->dest);
	g_free(s);
}

static FutRefusal
scenario_run(Scenario *s, gchar **ret_message)
{
	FutRedeemInput in = {
	    .request = s->req,
	    .approvals = (FutApproval *const *)s->approvals->pdata,
	    .n_approvals = s->approvals->len,
	    .root_key = s->root,
	    .revocations = s->crl,
	    .policy = s->policy,
	    .now = s->now,
	    .host_key = s->host,
	    .lookup = lookup,
	    .lookup_data = s,
	    .destination = s->no_destination ? NULL : &s->dest,
	};

	return fut_redeem_check(&in, ret_message);
}

static FutApproval *
approval_at(Scenario *s, guint i)
{
	return s->approvals->pdata[i];
}

static void
resign_approval(Scenario *s, guint i, FutKey *key)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(fut_approval_sign(approval_at(s, i), key, &error));
	g_assert_no_error(error);
}

/* --- the rows ---------------------------------------------------------------------- */

static void
m_none(Scenario *s)
{
}

static void
m_class_i_ok(Scenario *s)
{
	set_request(s, FUT_CLASS_I);
	add_approval(s, s->c_carol, s->k_carol, s->now - 60, s->now + 3600);
	add_approval(s, s->c_dave, s->k_dave, s->now - 60, s->now + 3600);
}

static void
m_class_iii_ok(Scenario *s)
{
	set_request(s, FUT_CLASS_III);
}

static void
m_no_crl_allowed(Scenario *s)
{
	g_clear_pointer(&s->crl, fut_revocation_list_free);
	s->policy->require_revocation_list = FALSE;
}

static void
m_request_sig_flip(Scenario *s)
{
	s->req->signature.sig[10] ^= 0x01;
}

static void
m_request_altered(Scenario *s)
{
	s->req->size += 1;
}

static void
m_request_altered_file(Scenario *s)
{
	g_free(s->req->file_name);
	s->req->file_name = g_strdup("other.xlsx");
}

static void
m_wrong_host(Scenario *s)
{
	fut_request_free(s->req);
	s->req = fx_request(FUT_CLASS_II, s->other_host);
	g_ptr_array_set_size(s->approvals, 0);
	add_approval(s, s->c_alice, s->k_alice, s->now - 60, s->now + 3600);
}

static void
m_unknown(Scenario *s)
{
	s->state = FUT_REQUEST_STATE_UNKNOWN;
}

static void
m_replay(Scenario *s)
{
	s->state = FUT_REQUEST_STATE_REDEEMED;
}

static void
m_request_expired(Scenario *s)
{
	s->now = s->req->expires + 1;
}

/* The clock set back a day after the request was made, with an approval whose window
 * (backdated by its signer) covers the wrong time: still refused. */
static void
m_clock_behind(Scenario *s)
{
	s->now = s->req->created - 86400;
	g_ptr_array_set_size(s->approvals, 0);
	add_approval(s, s->c_alice, s->k_alice, s->now - 3600, s->now + 3600);
}

static void
m_wrong_serial(Scenario *s)
{
	g_free(s->dest.usb_serial);
	s->dest.usb_serial = g_strdup("TESTONLY0002");
}

static void
m_wrong_uuid(Scenario *s)
{
	g_free(s->dest.usb_fs_uuid);
	s->dest.usb_fs_uuid = g_strdup("1234-ABCE");
}

static void
m_wrong_label(Scenario *s)
{
	g_free(s->dest.usb_label);
	s->dest.usb_label = g_strdup("TEST ONLY ");
}

static void
m_wrong_channel(Scenario *s)
{
	fut_destination_clear(&s->dest);
	s->dest.channel = FUT_CHANNEL_UPLOAD;
	s->dest.upload_host = g_strdup("example.org");
	s->dest.upload_program = g_strdup("/usr/bin/firefox");
}

static void
m_wrong_request(Scenario *s)
{
	g_autoptr(FutRequest) other = fx_request(FUT_CLASS_II, s->host);

	other->nonce[0] ^= 0xff;
	g_assert_true(fut_request_sign(other, s->host, NULL));
	g_ptr_array_set_size(s->approvals, 0);
	g_ptr_array_add(s->approvals,
	                fx_approval(other, s->c_alice, s->k_alice, FUT_DECISION_APPROVE,
	                            s->now - 60, s->now + 3600));
}

static void
m_approval_sig_flip(Scenario *s)
{
	approval_at(s, 0)->signature.sig[63] ^= 0x80;
}

static void
m_approval_key_id(Scenario *s)
{
	approval_at(s, 0)->signature.key_id[0] ^= 0x01;
}

static void
m_approval_altered_window(Scenario *s)
{
	approval_at(s, 0)->not_after += 3600;
}

static void
m_approval_altered_comment(Scenario *s)
{
	FutApproval *a = approval_at(s, 0);

	g_free(a->comment);
	a->comment = g_strdup("changed");
}

static void
m_approval_signed_by_other(Scenario *s)
{
	/* Signed by carol's key but carrying alice's certificate: fut_approval_sign refuses,
	 * so forge it by signing with a certificate swap afterwards. */
	FutApproval *a = approval_at(s, 0);

	fut_certificate_free(a->cert);
	a->cert = fut_certificate_dup(s->c_carol);
	resign_approval(s, 0, s->k_carol);
	fut_certificate_free(a->cert);
	a->cert = fut_certificate_dup(s->c_alice);
}

static void
m_cert_other_root(Scenario *s)
{
	FutApproval *a = approval_at(s, 0);

	g_assert_true(fut_certificate_sign(a->cert, s->other_root, NULL));
	resign_approval(s, 0, s->k_alice);
}

static void
m_cert_altered(Scenario *s)
{
	FutApproval *a = approval_at(s, 0);

	/* The approver grants herself Class I: the root's signature no longer holds. */
	a->cert->classes |= C_I;
	resign_approval(s, 0, s->k_alice);
}

static void
m_cert_sig_flip(Scenario *s)
{
	approval_at(s, 0)->cert->signature.sig[0] ^= 0x04;
	resign_approval(s, 0, s->k_alice);
}

static void
m_cert_expired(Scenario *s)
{
	FutApproval *a = approval_at(s, 0);

	a->cert->not_after = s->now - 1;
	a->cert->not_before = s->now - 86400;
	g_assert_true(fut_certificate_sign(a->cert, s->root, NULL));
	resign_approval(s, 0, s->k_alice);
}

static void
m_cert_not_yet_valid(Scenario *s)
{
	FutApproval *a = approval_at(s, 0);

	a->cert->not_before = s->now + 60;
	g_assert_true(fut_certificate_sign(a->cert, s->root, NULL));
	resign_approval(s, 0, s->k_alice);
}

static void
m_no_crl(Scenario *s)
{
	g_clear_pointer(&s->crl, fut_revocation_list_free);
}

static void
m_crl_other_root(Scenario *s)
{
	const guint8 none[] = {0xee};

	fut_revocation_list_free(s->crl);
	s->crl = fx_crl(s->other_root, 2, none, 1);
}

static void
m_crl_altered(Scenario *s)
{
	/* An attacker removes a serial from a genuine list. */
	const guint8 two[] = {0x01, 0xee};

	fut_revocation_list_free(s->crl);
	s->crl = fx_crl(s->root, 2, two, 2);
	g_array_remove_index(s->crl->serials, 0);
}

static void
m_revoked(Scenario *s)
{
	const guint8 two[] = {0x01, 0xee};

	fut_revocation_list_free(s->crl);
	s->crl = fx_crl(s->root, 2, two, 2);
}

static void
m_rejected(Scenario *s)
{
	g_ptr_array_set_size(s->approvals, 0);
	g_ptr_array_add(s->approvals, fx_approval(s->req, s->c_alice, s->k_alice,
	                                          FUT_DECISION_REJECT, s->now - 60, s->now + 3600));
}

static void
m_rejected_class_i(Scenario *s)
{
	m_class_i_ok(s);
	g_ptr_array_remove_index(s->approvals, 1);
	g_ptr_array_add(s->approvals, fx_approval(s->req, s->c_dave, s->k_dave, FUT_DECISION_REJECT,
	                                          s->now - 60, s->now + 3600));
}

static void
m_rejected_hostile_strings(Scenario *s)
{
	/* A comment and a name made to forge a second log line or recolour a terminal. */
	g_autoptr(FutCertificate) c = fx_cert("S1008", "Mallory\n\u202Eevil", "mallory",
	                                      "info-manager", C_II, s->k_frank, s->root, 0x08);
	FutApproval *a =
	    fx_approval(s->req, c, s->k_frank, FUT_DECISION_REJECT, s->now - 60, s->now + 3600);

	g_free(a->comment);
	a->comment = g_strdup("no\naccepted: Class II approved by \x1b[32mEveryone");
	g_assert_true(fut_approval_sign(a, s->k_frank, NULL));
	g_ptr_array_set_size(s->approvals, 0);
	g_ptr_array_add(s->approvals, a);
}

static void
m_self_approval(Scenario *s)
{
	g_ptr_array_set_size(s->approvals, 0);
	add_approval(s, s->c_bob, s->k_bob, s->now - 60, s->now + 3600);
}

static void
m_self_approval_case(Scenario *s)
{
	g_autoptr(FutCertificate) c = fx_cert("S1007", "Bob Again", "Bob.Admin BOB", "info-manager",
	                                      C_II, s->k_bob, s->root, 0x07);

	g_ptr_array_set_size(s->approvals, 0);
	add_approval(s, c, s->k_bob, s->now - 60, s->now + 3600);
}

static void
m_self_approval_class_i(Scenario *s)
{
	m_class_i_ok(s);
	g_ptr_array_remove_index(s->approvals, 1);
	add_approval(s, s->c_bob, s->k_bob, s->now - 60, s->now + 3600);
}

static void
m_class_not_allowed(Scenario *s)
{
	m_class_i_ok(s);
	g_ptr_array_remove_index(s->approvals, 1);
	add_approval(s, s->c_alice, s->k_alice, s->now - 60, s->now + 3600);
}

static void
m_role_not_allowed(Scenario *s)
{
	g_ptr_array_set_size(s->approvals, 0);
	add_approval(s, s->c_eve, s->k_eve, s->now - 60, s->now + 3600);
}

static void
m_approval_not_yet_valid(Scenario *s)
{
	g_ptr_array_set_size(s->approvals, 0);
	add_approval(s, s->c_alice, s->k_alice, s->now + 60, s->now + 3600);
}

static void
m_approval_expired(Scenario *s)
{
	g_ptr_array_set_size(s->approvals, 0);
	add_approval(s, s->c_alice, s->k_alice, s->now - 7200, s->now - 1);
}

static void
m_approval_too_long(Scenario *s)
{
	g_ptr_array_set_size(s->approvals, 0);
	add_approval(s, s->c_alice, s->k_alice, s->now - 60, s->now - 60 + 24 * 3600 + 1);
}

static void
m_class_i_too_long(Scenario *s)
{
	m_class_i_ok(s);
	g_ptr_array_remove_index(s->approvals, 1);
	add_approval(s, s->c_dave, s->k_dave, s->now - 60, s->now + 5 * 3600);
}

static void
m_duplicate(Scenario *s)
{
	set_request(s, FUT_CLASS_I);
	add_approval(s, s->c_carol, s->k_carol, s->now - 60, s->now + 3600);
	add_approval(s, s->c_carol, s->k_carol, s->now - 30, s->now + 3600);
}

static void
m_duplicate_key(Scenario *s)
{
	/* Two certificates, two staff ids, one key: still one person. */
	g_autoptr(FutCertificate) c = fx_cert("S9999", "Carol Alias", "carol2", "info-manager",
	                                      C_I | C_II, s->k_carol, s->root, 0x09);

	set_request(s, FUT_CLASS_I);
	add_approval(s, s->c_carol, s->k_carol, s->now - 60, s->now + 3600);
	add_approval(s, c, s->k_carol, s->now - 60, s->now + 3600);
}

static void
m_duplicate_staff_id(Scenario *s)
{
	g_autoptr(FutCertificate) c = fx_cert("S1002", "Carol New Key", "carol", "info-manager",
	                                      C_I | C_II, s->k_frank, s->root, 0x0a);

	set_request(s, FUT_CLASS_I);
	add_approval(s, s->c_carol, s->k_carol, s->now - 60, s->now + 3600);
	add_approval(s, c, s->k_frank, s->now - 60, s->now + 3600);
}

/* Issue 16 item 2: a re-issue under another staff id that keeps one of the logins. */
static void
m_duplicate_login(Scenario *s)
{
	g_autoptr(FutCertificate) c =
	    fx_cert("S9002", "Carol Re-issued", "carol.adm", "info-manager", C_I | C_II, s->k_frank,
	            s->root, 0x0b);

	set_request(s, FUT_CLASS_I);
	add_approval(s, s->c_carol, s->k_carol, s->now - 60, s->now + 3600);
	add_approval(s, c, s->k_frank, s->now - 60, s->now + 3600);
}

/* ... and one whose staff id differs only in case, with a new login and a new key. */
static void
m_duplicate_staff_id_case(Scenario *s)
{
	g_autoptr(FutCertificate) c = fx_cert("s1002", "Carol Lower-Case", "carol9", "info-manager",
	                                      C_I | C_II, s->k_frank, s->root, 0x0c);

	set_request(s, FUT_CLASS_I);
	add_approval(s, s->c_carol, s->k_carol, s->now - 60, s->now + 3600);
	add_approval(s, c, s->k_frank, s->now - 60, s->now + 3600);
}

/* ... and a login that differs only in case. */
static void
m_duplicate_login_case(Scenario *s)
{
	g_autoptr(FutCertificate) c = fx_cert("S9003", "Carol Upper-Case", "CAROL", "info-manager",
	                                      C_I | C_II, s->k_frank, s->root, 0x0d);

	set_request(s, FUT_CLASS_I);
	add_approval(s, c, s->k_frank, s->now - 60, s->now + 3600);
	add_approval(s, s->c_carol, s->k_carol, s->now - 60, s->now + 3600);
}

static void
m_too_few_class_i(Scenario *s)
{
	set_request(s, FUT_CLASS_I);
	add_approval(s, s->c_carol, s->k_carol, s->now - 60, s->now + 3600);
}

static void
m_too_few_class_ii(Scenario *s)
{
	g_ptr_array_set_size(s->approvals, 0);
}

static void
m_required_role(Scenario *s)
{
	set_request(s, FUT_CLASS_I);
	add_approval(s, s->c_dave, s->k_dave, s->now - 60, s->now + 3600);
	add_approval(s, s->c_frank, s->k_frank, s->now - 60, s->now + 3600);
}

static void
m_too_many(Scenario *s)
{
	for (guint i = 0; i < FUT_REDEEM_MAX_APPROVALS; i++)
		add_approval(s, s->c_alice, s->k_alice, s->now - 60, s->now + 3600);
}

static void
m_no_destination(Scenario *s)
{
	s->no_destination = TRUE;
}

typedef struct {
	const gchar *name;
	void (*mutate)(Scenario *s);
	FutRefusal expect;
	const gchar *message_part;
} Row;

static const Row rows[] = {
    {"accept-class-ii", m_none, FUT_REFUSAL_NONE, "approved by Alice"},
    {"accept-class-i", m_class_i_ok, FUT_REFUSAL_NONE, "Carol"},
    {"accept-class-iii", m_class_iii_ok, FUT_REFUSAL_NONE, "needs no approval"},
    {"accept-no-crl-when-allowed", m_no_crl_allowed, FUT_REFUSAL_NONE, "accepted"},
    {"request-signature-bit-flip", m_request_sig_flip, FUT_REFUSAL_REQUEST_SIGNATURE, "host"},
    {"request-altered-size", m_request_altered, FUT_REFUSAL_REQUEST_SIGNATURE, "forged"},
    {"request-altered-file", m_request_altered_file, FUT_REFUSAL_REQUEST_SIGNATURE, "forged"},
    {"wrong-host", m_wrong_host, FUT_REFUSAL_WRONG_HOST, "another computer"},
    {"unknown-request", m_unknown, FUT_REFUSAL_UNKNOWN_REQUEST, "no pending request"},
    {"replay", m_replay, FUT_REFUSAL_ALREADY_REDEEMED, "already used"},
    {"request-expired", m_request_expired, FUT_REFUSAL_REQUEST_EXPIRED, "expired"},
    {"clock-set-back", m_clock_behind, FUT_REFUSAL_CLOCK_BEHIND, "clock is behind"},
    {"wrong-device-serial", m_wrong_serial, FUT_REFUSAL_WRONG_DESTINATION, "USB device"},
    {"wrong-device-uuid", m_wrong_uuid, FUT_REFUSAL_WRONG_DESTINATION, "USB device"},
    {"wrong-device-label", m_wrong_label, FUT_REFUSAL_WRONG_DESTINATION, "USB device"},
    {"wrong-channel", m_wrong_channel, FUT_REFUSAL_WRONG_DESTINATION, "not the one"},
    {"approval-for-other-request", m_wrong_request, FUT_REFUSAL_WRONG_REQUEST, "another"},
    {"approval-signature-bit-flip", m_approval_sig_flip, FUT_REFUSAL_APPROVAL_SIGNATURE,
     "invalid signature"},
    {"approval-key-id-flip", m_approval_key_id, FUT_REFUSAL_APPROVAL_SIGNATURE, "invalid"},
    {"approval-altered-window", m_approval_altered_window, FUT_REFUSAL_APPROVAL_SIGNATURE,
     "forged"},
    {"approval-altered-comment", m_approval_altered_comment, FUT_REFUSAL_APPROVAL_SIGNATURE,
     "forged"},
    {"approval-signed-by-other-key", m_approval_signed_by_other, FUT_REFUSAL_APPROVAL_SIGNATURE,
     "Alice"},
    {"certificate-other-root", m_cert_other_root, FUT_REFUSAL_CERT_OTHER_ROOT, "root key"},
    {"certificate-altered", m_cert_altered, FUT_REFUSAL_CERT_SIGNATURE, "root signature"},
    {"certificate-signature-bit-flip", m_cert_sig_flip, FUT_REFUSAL_CERT_SIGNATURE, "invalid"},
    {"certificate-expired", m_cert_expired, FUT_REFUSAL_CERT_EXPIRED, "expired"},
    {"certificate-not-yet-valid", m_cert_not_yet_valid, FUT_REFUSAL_CERT_NOT_YET_VALID,
     "valid only from"},
    {"no-revocation-list", m_no_crl, FUT_REFUSAL_NO_REVOCATION_LIST, "revocation list"},
    {"revocation-list-other-root", m_crl_other_root, FUT_REFUSAL_BAD_REVOCATION_LIST, "not signed"},
    {"revocation-list-altered", m_crl_altered, FUT_REFUSAL_BAD_REVOCATION_LIST, "not signed"},
    {"revoked", m_revoked, FUT_REFUSAL_CERT_REVOKED, "0101010101010101"},
    {"rejected", m_rejected, FUT_REFUSAL_REJECTED, "rejected"},
    {"rejected-class-i-second", m_rejected_class_i, FUT_REFUSAL_REJECTED, "Dave"},
    {"rejected-hostile-strings", m_rejected_hostile_strings, FUT_REFUSAL_REJECTED,
     "Mallory\\n\\u{202E}evil (S1008) rejected the request: no\\naccepted"},
    {"self-approval", m_self_approval, FUT_REFUSAL_SELF_APPROVAL, "own login"},
    {"self-approval-other-case", m_self_approval_case, FUT_REFUSAL_SELF_APPROVAL, "own login"},
    {"self-approval-class-i", m_self_approval_class_i, FUT_REFUSAL_SELF_APPROVAL, "Bob"},
    {"class-not-allowed", m_class_not_allowed, FUT_REFUSAL_CLASS_NOT_ALLOWED, "Class I"},
    {"role-not-allowed", m_role_not_allowed, FUT_REFUSAL_ROLE_NOT_ALLOWED, "info-manager"},
    {"approval-not-yet-valid", m_approval_not_yet_valid, FUT_REFUSAL_APPROVAL_NOT_YET_VALID,
     "valid only from"},
    {"approval-expired", m_approval_expired, FUT_REFUSAL_APPROVAL_EXPIRED, "expired"},
    {"approval-too-long-class-ii", m_approval_too_long, FUT_REFUSAL_APPROVAL_TOO_LONG, "1d"},
    {"approval-too-long-class-i", m_class_i_too_long, FUT_REFUSAL_APPROVAL_TOO_LONG, "4h"},
    {"same-approver-twice", m_duplicate, FUT_REFUSAL_DUPLICATE_APPROVER, "same person"},
    {"same-key-two-certificates", m_duplicate_key, FUT_REFUSAL_DUPLICATE_APPROVER, "share the key"},
    {"same-staff-id-two-keys", m_duplicate_staff_id, FUT_REFUSAL_DUPLICATE_APPROVER, "same person"},
    {"same-login-two-staff-ids", m_duplicate_login, FUT_REFUSAL_DUPLICATE_APPROVER,
     "share the login"},
    {"same-staff-id-other-case", m_duplicate_staff_id_case, FUT_REFUSAL_DUPLICATE_APPROVER,
     "share the staff id"},
    {"same-login-other-case", m_duplicate_login_case, FUT_REFUSAL_DUPLICATE_APPROVER,
     "share the login"},
    {"too-few-class-i", m_too_few_class_i, FUT_REFUSAL_TOO_FEW_APPROVALS, "1 given"},
    {"too-few-class-ii", m_too_few_class_ii, FUT_REFUSAL_TOO_FEW_APPROVALS, "0 given"},
    {"class-i-without-security-manager", m_required_role, FUT_REFUSAL_REQUIRED_ROLE_MISSING,
     "security-manager"},
    {"too-many-approvals", m_too_many, FUT_REFUSAL_TOO_MANY_APPROVALS, "more than"},
    {"missing-input", m_no_destination, FUT_REFUSAL_INVALID_INPUT, "incomplete"},
};

static void
test_row(gconstpointer data)
{
	const Row *row = data;
	Scenario *s = scenario_new();
	g_autofree gchar *message = NULL;
	FutRefusal got;

	row->mutate(s);
	got = scenario_run(s, &message);
	g_test_message("%s: %s (%s)", row->name, fut_refusal_to_string(got), message);
	g_assert_cmpstr(fut_refusal_to_string(got), ==, fut_refusal_to_string(row->expect));
	g_assert_nonnull(message);
	for (const gchar *p = message; *p != '\0'; p++)
		g_assert_true((guchar)*p >= 0x20 && *p != 0x7f);
	g_assert_nonnull(strstr(message, row->message_part));
	scenario_free(s);
}

/* Every refusal has a stable name, and every one of them is covered by a row above. */
static void
test_every_refusal_covered(void)
{
	for (FutRefusal r = FUT_REFUSAL_NONE; r <= FUT_REFUSAL_LAST; r++) {
		/* MALFORMED: test_parse_approvals; after it, the agent's own refusals
		 * (agent-redeem.sh), which fut_redeem_check never gives. */
		gboolean found = r >= FUT_REFUSAL_MALFORMED;
		g_assert_cmpstr(fut_refusal_to_string(r), !=, "unknown");
		g_assert_cmpint(fut_refusal_from_string(fut_refusal_to_string(r)), ==,
		                r == FUT_REFUSAL_NONE ? FUT_REFUSAL_NONE : r);
		for (guint i = 0; i < G_N_ELEMENTS(rows) && !found; i++)
			found = rows[i].expect == r;
		if (!found)
			g_error("no test row for refusal %s", fut_refusal_to_string(r));
	}
	g_assert_cmpstr(fut_refusal_to_string(FUT_REFUSAL_LAST + 1), ==, "unknown");
}

/* Issue 16 item 3: every refusal reads "<message> (<name>)", once, and the name can be
 * read back; garbage names nothing. */
static void
test_refusal_error(void)
{
	g_autoptr(GError) error = NULL;
	const gchar *garbage[] = {"",
	                          "x",
	                          "(malformed)",
	                          "a(malformed)",
	                          "a (Malformed)",
	                          "a (nope)",
	                          "a (malformed",
	                          "a (accepted)",
	                          NULL};

	fut_refusal_set_error(&error, FUT_REFUSAL_BEING_REDEEMED, "busy");
	g_assert_error(error, FUT_ERROR, FUT_ERROR_REFUSED);
	g_assert_cmpstr(error->message, ==, "busy (being-redeemed)");
	g_assert_cmpint(fut_refusal_from_message(error->message), ==, FUT_REFUSAL_BEING_REDEEMED);
	/* an error named already keeps its name */
	fut_refusal_set_error(&error, FUT_REFUSAL_AGENT_ERROR, NULL);
	g_assert_cmpstr(error->message, ==, "busy (being-redeemed)");
	g_clear_error(&error);
	/* another error gets the name appended, keeping its domain and code */
	g_set_error(&error, FUT_ERROR, FUT_ERROR_PERMISSION, "only the requester (uid 5)");
	fut_refusal_set_error(&error, FUT_REFUSAL_NOT_REQUESTER, NULL);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_PERMISSION);
	g_assert_cmpstr(error->message, ==, "only the requester (uid 5) (not-requester)");
	g_assert_cmpint(fut_refusal_from_message(error->message), ==, FUT_REFUSAL_NOT_REQUESTER);
	for (guint i = 0; garbage[i] != NULL; i++)
		g_assert_cmpint(fut_refusal_from_message(garbage[i]), ==, FUT_REFUSAL_NONE);
	g_assert_cmpint(fut_refusal_from_message(NULL), ==, FUT_REFUSAL_NONE);
	g_assert_cmpint(fut_refusal_from_string(NULL), ==, FUT_REFUSAL_NONE);
	fut_refusal_set_error(NULL, FUT_REFUSAL_MALFORMED, "ignored");
}

/* A lookup that is asked about something else than the request answers UNKNOWN: make sure
 * the function asks with the request id. */
static void
test_lookup_gets_request_id(void)
{
	Scenario *s = scenario_new();
	FutRefusal r = scenario_run(s, NULL);

	g_assert_cmpint(r, ==, FUT_REFUSAL_NONE);
	scenario_free(s);
}

/* Approval texts as a user hands them in: garbage, a request instead of an approval, too
 * many, and good ones. */
static void
test_parse_approvals(void)
{
	Scenario *s = scenario_new();
	g_autofree gchar *good = fut_approval_to_text(s->approvals->pdata[0], NULL);
	g_autofree gchar *req = fut_request_to_text(s->req, NULL);
	const gchar *texts[FUT_REDEEM_MAX_APPROVALS + 1];
	gsize lens[FUT_REDEEM_MAX_APPROVALS + 1];
	g_autoptr(GPtrArray) out = NULL;
	g_autofree gchar *msg = NULL;

	texts[0] = good;
	lens[0] = strlen(good);
	texts[1] = req;
	lens[1] = strlen(req);
	g_assert_cmpint(fut_redeem_parse_approvals(texts, lens, 2, &out, &msg), ==,
	                FUT_REFUSAL_MALFORMED);
	g_assert_null(out);
	g_assert_nonnull(strstr(msg, "approval 2 is not a valid futari approval: this is a FUTARI "
	                             "REQUEST, expected a FUTARI APPROVAL"));
	g_clear_pointer(&msg, g_free);

	texts[1] = "garbage";
	lens[1] = 7;
	g_assert_cmpint(fut_redeem_parse_approvals(texts, lens, 2, &out, &msg), ==,
	                FUT_REFUSAL_MALFORMED);
	g_clear_pointer(&msg, g_free);

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		texts[i] = good;
		lens[i] = strlen(good);
	}
	g_assert_cmpint(fut_redeem_parse_approvals(texts, lens, G_N_ELEMENTS(texts), &out, &msg),
	                ==, FUT_REFUSAL_TOO_MANY_APPROVALS);
	g_clear_pointer(&msg, g_free);

	g_assert_cmpint(fut_redeem_parse_approvals(texts, lens, 1, &out, NULL), ==,
	                FUT_REFUSAL_NONE);
	g_assert_cmpuint(out->len, ==, 1);
	g_ptr_array_unref(s->approvals);
	s->approvals = g_steal_pointer(&out);
	g_assert_cmpint(scenario_run(s, NULL), ==, FUT_REFUSAL_NONE);
	scenario_free(s);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree gchar *path = g_strdup_printf("/redeem/%s", rows[i].name);
		g_test_add_data_func(path, &rows[i], test_row);
	}
	g_test_add_func("/redeem/every-refusal-covered", test_every_refusal_covered);
	g_test_add_func("/redeem/refusal-error", test_refusal_error);
	g_test_add_func("/redeem/lookup-gets-request-id", test_lookup_gets_request_id);
	g_test_add_func("/redeem/parse-approvals", test_parse_approvals);
	return g_test_run();
}
