/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Golden test vectors (docs/formats.md): the committed TEST ONLY files in tests/data must be
 * exactly what the code writes from the same keys and fields, byte for byte, and must parse,
 * verify and redeem. Ed25519 signatures are deterministic, so any change in the format
 * shows up here. To rewrite the files after a deliberate format change:
 *   FUTARI_WRITE_VECTORS=$srcdir/tests/data ./test-vectors */
#include "config.h"

#include <string.h>

#include "fields.h"
#include "fixtures.h"
#include "util.h"

#define C_I  (1u << FUT_CLASS_I)
#define C_II (1u << FUT_CLASS_II)

typedef struct {
	gchar *name;
	gchar *text;
} Vector;

static void
vector_free(gpointer p)
{
	Vector *v = p;

	g_free(v->name);
	g_free(v->text);
	g_free(v);
}

static void
add(GPtrArray *out, const gchar *name, gchar *text)
{
	Vector *v = g_new0(Vector, 1);

	g_assert_nonnull(text);
	v->name = g_strdup(name);
	v->text = text;
	g_ptr_array_add(out, v);
}

static void
describe_key(GString *s, const gchar *label, const FutKey *key)
{
	g_autofree gchar *seed_text = g_strconcat("futari TEST ONLY key: ", label, NULL);
	guint8 pub[FUT_ED25519_PUBLIC_LEN];
	g_autofree gchar *pub_hex = NULL;
	g_autofree gchar *id = fut_key_dup_id_string(key);

	fut_key_get_public(key, pub);
	pub_hex = fut_hex_encode(pub, sizeof(pub));
	g_string_append_printf(s, "key \"%s\"\n  seed = SHA-256(\"%s\")\n  public %s\n  id %s\n",
	                       label, seed_text, pub_hex, id);
}

/* Builds every vector from the fixtures. */
static GPtrArray *
build_vectors(void)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(vector_free);
	g_autoptr(FutKey) root = fx_key("org root");
	g_autoptr(FutKey) host = fx_key("host pc-test-only-01");
	g_autoptr(FutKey) alice = fx_key("approver alice");
	g_autoptr(FutKey) carol = fx_key("approver carol");
	g_autoptr(FutKey) dave = fx_key("approver dave");
	g_autoptr(FutKey) carol2 = fx_key("approver carol reissued");
	g_autoptr(FutCertificate) c_alice =
	    fx_cert("S1001", "Alice 情報管理者 (TEST ONLY)", "alice", "info-manager", C_II, alice,
	            root, 0x01);
	g_autoptr(FutCertificate) c_carol =
	    fx_cert("S1002", "Carol Security-Manager (TEST ONLY)", "carol carol.adm",
	            "security-manager", C_I | C_II, carol, root, 0x02);
	g_autoptr(FutCertificate) c_dave = fx_cert("S1003", "Dave (TEST ONLY)", "dave",
	                                           "info-manager", C_I | C_II, dave, root, 0x03);
	/* Carol again, re-issued under another staff id and key but keeping one of her logins:
	 * still one person (formats.md §8 rule 19). */
	g_autoptr(FutCertificate) c_carol2 =
	    fx_cert("S9002", "Carol Re-issued (TEST ONLY)", "carol.adm", "security-manager",
	            C_I | C_II, carol2, root, 0x04);
	const guint8 revoked[] = {0x7e, 0x7f};
	g_autoptr(FutRevocationList) crl = fx_crl(root, 1, revoked, 2);
	g_autoptr(FutRequest) usb = fx_request(FUT_CLASS_II, host);
	g_autoptr(FutRequest) upload = fx_request(FUT_CLASS_I, host);
	g_autoptr(FutApproval) a_alice = NULL;
	g_autoptr(FutApproval) a_carol = NULL;
	g_autoptr(FutApproval) a_dave = NULL;
	g_autoptr(FutApproval) a_carol2 = NULL;
	g_autoptr(GString) info = g_string_new(NULL);
	g_autofree gchar *id_usb = NULL;
	g_autofree gchar *id_upload = NULL;
	gint64 now = fx_now();

	fut_destination_clear(&upload->destination);
	upload->destination.channel = FUT_CHANNEL_UPLOAD;
	upload->destination.upload_host = g_strdup("files.example.org");
	upload->destination.upload_program = g_strdup("/usr/bin/firefox-esr");
	g_free(upload->file_name);
	upload->file_name = g_strdup("住民名簿 100% \xff.csv ");
	g_free(upload->class_evidence);
	upload->class_evidence = g_strdup("My Number with valid check digit (3 hits)");
	g_assert_true(fut_request_sign(upload, host, NULL));
	a_alice = fx_approval(usb, c_alice, alice, FUT_DECISION_APPROVE, now, now + 8 * 3600);
	/* Alice checked the file (content-checked: yes); Carol's and Dave's approvals carry no
	 * such line, as approvals made before the field existed. */
	a_alice->content_checked = FUT_CONTENT_CHECK_YES;
	g_assert_true(fut_approval_sign(a_alice, alice, NULL));
	a_carol = fx_approval(upload, c_carol, carol, FUT_DECISION_APPROVE, now, now + 4 * 3600);
	a_dave = fx_approval(upload, c_dave, dave, FUT_DECISION_REJECT, now, now + 3600);
	a_carol2 = fx_approval(upload, c_carol2, carol2, FUT_DECISION_APPROVE, now, now + 4 * 3600);

	add(out, "TEST-ONLY-org-root.pub", fut_key_export_public(root));
	add(out, "TEST-ONLY-host.pub", fut_key_export_public(host));
	add(out, "TEST-ONLY-alice.futari-certificate", fut_certificate_to_text(c_alice, NULL));
	add(out, "TEST-ONLY-carol.futari-certificate", fut_certificate_to_text(c_carol, NULL));
	add(out, "TEST-ONLY.futari-revocation", fut_revocation_list_to_text(crl, NULL));
	add(out, "TEST-ONLY-usb-class-ii.futari-request", fut_request_to_text(usb, NULL));
	add(out, "TEST-ONLY-upload-class-i.futari-request", fut_request_to_text(upload, NULL));
	add(out, "TEST-ONLY-usb-class-ii.alice.futari-approval",
	    fut_approval_to_text(a_alice, NULL));
	add(out, "TEST-ONLY-upload-class-i.carol.futari-approval",
	    fut_approval_to_text(a_carol, NULL));
	add(out, "TEST-ONLY-upload-class-i.dave-reject.futari-approval",
	    fut_approval_to_text(a_dave, NULL));
	add(out, "TEST-ONLY-carol-reissued.futari-certificate",
	    fut_certificate_to_text(c_carol2, NULL));
	add(out, "TEST-ONLY-upload-class-i.carol-reissued.futari-approval",
	    fut_approval_to_text(a_carol2, NULL));

	id_usb = fut_request_dup_id_string(usb);
	id_upload = fut_request_dup_id_string(upload);
	g_string_append(info, "TEST ONLY - NEVER USE THESE KEYS FOR ANYTHING REAL.\n"
	                      "Their seeds are derived from public strings so that anyone can\n"
	                      "recompute the vectors in this directory (docs/formats.md).\n\n");
	describe_key(info, "org root", root);
	describe_key(info, "host pc-test-only-01", host);
	describe_key(info, "approver alice", alice);
	describe_key(info, "approver carol", carol);
	describe_key(info, "approver dave", dave);
	describe_key(info, "approver carol reissued", carol2);
	g_string_append_printf(info,
	                       "\nrequest id of TEST-ONLY-usb-class-ii.futari-request\n  %s\n"
	                       "request id of TEST-ONLY-upload-class-i.futari-request\n  %s\n",
	                       id_usb, id_upload);
	add(out, "TEST-ONLY-keys.txt", g_string_free(g_steal_pointer(&info), FALSE));
	return out;
}

static void
test_golden(void)
{
	g_autoptr(GPtrArray) vectors = build_vectors();
	const gchar *write_dir = g_getenv("FUTARI_WRITE_VECTORS");

	for (guint i = 0; i < vectors->len; i++) {
		Vector *v = vectors->pdata[i];
		g_autofree gchar *committed = NULL;
		gsize len = 0;

		if (write_dir != NULL) {
			g_autofree gchar *path = g_build_filename(write_dir, v->name, NULL);
			g_assert_true(g_file_set_contents(path, v->text, -1, NULL));
			continue;
		}
		committed = fx_read_data(v->name, &len);
		g_test_message("%s", v->name);
		g_assert_cmpuint(len, ==, strlen(v->text));
		g_assert_cmpmem(committed, len, v->text, strlen(v->text));
	}
}

static gchar *
data_text(const gchar *name, gsize *len)
{
	return fx_read_data(name, len);
}

static FutRequestState
pending(const guint8 id[FUT_REQUEST_ID_LEN], gpointer user_data)
{
	return FUT_REQUEST_STATE_PENDING;
}

/* The committed files, read as an independent verifier would: parse, check signatures,
 * and redeem. */
static void
test_committed_verify(void)
{
	g_autoptr(GError) error = NULL;
	gsize n = 0;
	g_autofree gchar *t_root = data_text("TEST-ONLY-org-root.pub", &n);
	g_autoptr(FutKey) root = fut_key_import_public(t_root, n, &error);
	g_autofree gchar *t_host = data_text("TEST-ONLY-host.pub", &n);
	g_autoptr(FutKey) host = fut_key_import_public(t_host, n, &error);
	g_autofree gchar *t_crl = data_text("TEST-ONLY.futari-revocation", &n);
	g_autoptr(FutRevocationList) crl = fut_revocation_list_parse(t_crl, n, &error);
	g_autofree gchar *t_req = data_text("TEST-ONLY-usb-class-ii.futari-request", &n);
	g_autoptr(FutRequest) req = fut_request_parse(t_req, n, &error);
	g_autofree gchar *t_appr = data_text("TEST-ONLY-usb-class-ii.alice.futari-approval", &n);
	g_autoptr(FutApproval) appr = fut_approval_parse(t_appr, n, &error);
	g_autofree gchar *t_up = data_text("TEST-ONLY-upload-class-i.futari-request", &n);
	g_autoptr(FutRequest) up = fut_request_parse(t_up, n, &error);
	g_autofree gchar *t_rej =
	    data_text("TEST-ONLY-upload-class-i.dave-reject.futari-approval", &n);
	g_autoptr(FutApproval) rej = fut_approval_parse(t_rej, n, &error);
	g_autoptr(FutPolicy) policy = fut_policy_new_default();
	g_autofree gchar *message = NULL;
	FutDestination dest = {0};
	FutApproval *list[1];
	FutRedeemInput in = {0};

	g_assert_no_error(error);
	g_assert_true(fut_revocation_list_verify(crl, root, &error));
	g_assert_true(fut_request_verify(req, &error));
	g_assert_true(fut_approval_verify(appr, &error));
	g_assert_true(fut_certificate_verify(appr->cert, root, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(up->file_name, ==, "住民名簿 100% \xff.csv ");

	fx_usb_destination(&dest);
	list[0] = appr;
	in.request = req;
	in.approvals = list;
	in.n_approvals = 1;
	in.root_key = root;
	in.revocations = crl;
	in.policy = policy;
	in.now = fx_now() + 60;
	in.host_key = host;
	in.lookup = pending;
	in.destination = &dest;
	g_assert_cmpint(fut_redeem_check(&in, &message), ==, FUT_REFUSAL_NONE);
	g_clear_pointer(&message, g_free);

	/* the committed rejection refuses the upload request */
	fut_destination_clear(&dest);
	dest.channel = FUT_CHANNEL_UPLOAD;
	dest.upload_host = g_strdup("files.example.org");
	dest.upload_program = g_strdup("/usr/bin/firefox-esr");
	list[0] = rej;
	in.request = up;
	g_assert_cmpint(fut_redeem_check(&in, &message), ==, FUT_REFUSAL_REJECTED);
	g_assert_nonnull(strstr(message, "Dave"));
	g_clear_pointer(&message, g_free);

	/* Carol and Carol re-issued are one person: two approvals, one approver. */
	{
		g_autofree gchar *t_c =
		    data_text("TEST-ONLY-upload-class-i.carol.futari-approval", &n);
		g_autoptr(FutApproval) a_c = fut_approval_parse(t_c, n, &error);
		g_autofree gchar *t_c2 =
		    data_text("TEST-ONLY-upload-class-i.carol-reissued.futari-approval", &n);
		g_autoptr(FutApproval) a_c2 = fut_approval_parse(t_c2, n, &error);
		FutApproval *pair[2];

		g_assert_no_error(error);
		pair[0] = a_c;
		pair[1] = a_c2;
		in.approvals = pair;
		in.n_approvals = 2;
		g_assert_cmpint(fut_redeem_check(&in, &message), ==,
		                FUT_REFUSAL_DUPLICATE_APPROVER);
		g_assert_nonnull(strstr(message, "share the login"));
	}
	fut_destination_clear(&dest);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vectors/golden-bytes", test_golden);
	g_test_add_func("/vectors/committed-verify", test_committed_verify);
	return g_test_run();
}
