/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEST ONLY helper for approve-cli.sh, standing in for the agent, which is not part of this
 * test:
 *   protocol-helper request --requester LOGIN --class II --out FILE
 *       writes a fresh request signed by the TEST ONLY host key (seed from a public label)
 *   protocol-helper redeem --root ORG.PUB [--crl FILE] REQUEST APPROVAL...
 *       runs fut_redeem_check() as this host, with the request pending and the request's
 *       own destination attached, and prints the refusal name ("accepted" on success). */
#include "config.h"

#include <string.h>

#include "fields.h"
#include "redeem.h"
#include "token.h"
#include "util.h"

static FutKey *
host_key(void)
{
	const gchar *label = "futari TEST ONLY key: host pc-test-only-01";
	guint8 seed[FUT_SHA256_LEN];

	fut_sha256(label, strlen(label), seed);
	return fut_key_new_from_seed(seed, NULL);
}

static int
die(GError *error)
{
	g_printerr("protocol-helper: %s\n", error->message);
	g_error_free(error);
	return 1;
}

static int
cmd_request(int argc, char **argv)
{
	g_autofree gchar *requester = NULL;
	g_autofree gchar *klass = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *file = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	g_autoptr(FutKey) key = host_key();
	g_autoptr(FutRequest) q = fut_request_new();
	g_autofree gchar *text = NULL;
	GError *error = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	const gchar *content = "TEST ONLY content";
	GOptionEntry entries[] = {
	    {"requester", 0, 0, G_OPTION_ARG_STRING, &requester, "login", NULL},
	    {"class", 0, 0, G_OPTION_ARG_STRING, &klass, "I, II or III", NULL},
	    {"file", 0, 0, G_OPTION_ARG_FILENAME, &file, "file name", NULL},
	    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out, "output", NULL},
	    {NULL}};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || requester == NULL ||
	    klass == NULL || out == NULL) {
		g_printerr("usage: protocol-helper request --requester L --class C --out F\n");
		g_clear_error(&error);
		return 2;
	}
	q->host = g_strdup("pc-test-only-01");
	q->requester = g_strdup(requester);
	q->uid = 1001;
	q->destination.channel = FUT_CHANNEL_USB;
	q->destination.usb_vendor = g_strdup("0781");
	q->destination.usb_product = g_strdup("5581");
	q->destination.usb_serial = g_strdup("TESTONLY0001");
	q->destination.usb_fs_uuid = g_strdup("1234-ABCD");
	q->destination.usb_label = g_strdup("TEST ONLY");
	q->file_name = g_strdup(file != NULL ? file : "報告書 TEST ONLY.xlsx");
	q->size = strlen(content);
	fut_sha256(content, strlen(content), q->sha256);
	q->klass = fut_class_from_string(klass);
	q->class_evidence = g_strdup("TEST ONLY label");
	q->reason = g_strdup("TEST ONLY reason");
	q->created = now;
	q->expires = now + 7 * 86400;
	if (!fut_request_set_random_nonce(q, &error) || !fut_request_sign(q, key, &error))
		return die(error);
	text = fut_request_to_text(q, &error);
	if (text == NULL || !fut_file_write_new(out, text, strlen(text), 0644, &error))
		return die(error);
	return 0;
}

static FutRequestState
pending(const guint8 id[FUT_REQUEST_ID_LEN], gpointer user_data)
{
	return FUT_REQUEST_STATE_PENDING;
}

static int
cmd_redeem(int argc, char **argv)
{
	g_autofree gchar *root_path = NULL;
	g_autofree gchar *crl_path = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	g_autoptr(FutKey) key = host_key();
	g_autoptr(FutKey) root = NULL;
	g_autoptr(FutRevocationList) crl = NULL;
	g_autoptr(FutRequest) q = NULL;
	g_autoptr(GPtrArray) approvals =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_approval_free);
	g_autoptr(FutPolicy) policy = fut_policy_new_default();
	g_autofree gchar *message = NULL;
	g_autofree gchar *text = NULL;
	GError *error = NULL;
	FutRedeemInput in = {0};
	FutRefusal r;
	gsize len = 0;
	GOptionEntry entries[] = {
	    {"root", 0, 0, G_OPTION_ARG_FILENAME, &root_path, "org.pub", NULL},
	    {"crl", 0, 0, G_OPTION_ARG_FILENAME, &crl_path, "revocation list", NULL},
	    {NULL}};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || root_path == NULL || argc < 2) {
		g_printerr(
		    "usage: protocol-helper redeem --root F [--crl F] REQUEST APPROVAL...\n");
		g_clear_error(&error);
		return 2;
	}
	root = fut_key_load_public(root_path, &error);
	if (root == NULL)
		return die(error);
	if (crl_path != NULL) {
		if (!fut_file_read_bounded(crl_path, FUT_REVOCATION_TEXT_MAX, &text, &len, &error))
			return die(error);
		crl = fut_revocation_list_parse(text, len, &error);
		if (crl == NULL)
			return die(error);
		g_clear_pointer(&text, g_free);
	}
	if (!fut_file_read_bounded(argv[1], FUT_REQUEST_TEXT_MAX, &text, &len, &error))
		return die(error);
	q = fut_request_parse(text, len, &error);
	if (q == NULL)
		return die(error);
	for (int i = 2; i < argc; i++) {
		g_autofree gchar *t = NULL;
		FutApproval *a;
		if (!fut_file_read_bounded(argv[i], FUT_APPROVAL_TEXT_MAX, &t, &len, &error))
			return die(error);
		a = fut_approval_parse(t, len, &error);
		if (a == NULL)
			return die(error);
		g_ptr_array_add(approvals, a);
	}
	in.request = q;
	in.approvals = (FutApproval *const *)approvals->pdata;
	in.n_approvals = approvals->len;
	in.root_key = root;
	in.revocations = crl;
	in.policy = policy;
	in.now = g_get_real_time() / G_USEC_PER_SEC;
	in.host_key = key;
	in.lookup = pending;
	in.destination = &q->destination;
	r = fut_redeem_check(&in, &message);
	g_print("%s: %s\n", fut_refusal_to_string(r), message);
	return r == FUT_REFUSAL_NONE ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && g_str_equal(argv[1], "request"))
		return cmd_request(argc - 1, argv + 1);
	if (argc >= 2 && g_str_equal(argv[1], "redeem"))
		return cmd_redeem(argc - 1, argv + 1);
	g_printerr("usage: protocol-helper request|redeem ...\n");
	return 2;
}
