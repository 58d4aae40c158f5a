/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-redeem's scenario: keys, certificates, a request and its approvals that
 * fut_redeem_check() accepts until a row changes one thing. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "fixtures.h"
#include "test-redeem.h"

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

void
add_approval(Scenario *s, FutCertificate *c, FutKey *k, gint64 nb, gint64 na)
{
	g_ptr_array_add(s->approvals, fx_approval(s->req, c, k, FUT_DECISION_APPROVE, nb, na));
}

void
set_request(Scenario *s, FutClass klass)
{
	fut_request_free(s->req);
	s->req = fx_request(klass, s->host);
	g_ptr_array_set_size(s->approvals, 0);
}

Scenario *
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

void
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

FutRefusal
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

FutApproval *
approval_at(Scenario *s, guint i)
{
	return s->approvals->pdata[i];
}

void
resign_approval(Scenario *s, guint i, FutKey *key)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(fut_approval_sign(approval_at(s, i), key, &error));
	g_assert_no_error(error);
}
