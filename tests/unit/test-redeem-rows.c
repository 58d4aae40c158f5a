/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-redeem's rows: each changes the accepted scenario so that exactly one rule of
 * the redeem decision breaks, and names the refusal expected. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "fixtures.h"
#include "test-redeem.h"

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

const Row rows[] = {
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

const guint n_rows = G_N_ELEMENTS(rows);
