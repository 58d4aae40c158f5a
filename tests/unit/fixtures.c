/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "fields.h"
#include "fixtures.h"

FutKey *
fx_key(const gchar *label)
{
	g_autofree gchar *s = g_strconcat("futari TEST ONLY key: ", label, NULL);
	guint8 seed[FUT_SHA256_LEN];
	g_autoptr(GError) error = NULL;
	FutKey *key;

	fut_sha256(s, strlen(s), seed);
	key = fut_key_new_from_seed(seed, &error);
	g_assert_no_error(error);
	return key;
}

gint64
fx_now(void)
{
	gint64 t = 0;

	g_assert_true(fut_time_parse("2026-11-26T09:00:00Z", &t, NULL));
	return t;
}

static void
fill_list(GPtrArray *list, const gchar *spaced)
{
	g_auto(GStrv) parts = g_strsplit(spaced, " ", -1);

	for (guint i = 0; parts[i] != NULL; i++)
		g_ptr_array_add(list, g_strdup(parts[i]));
}

FutCertificate *
fx_cert(const gchar *staff_id,
        const gchar *name,
        const gchar *logins,
        const gchar *roles,
        guint classes,
        const FutKey *key,
        const FutKey *root,
        guint8 serial_byte)
{
	g_autoptr(GError) error = NULL;
	FutCertificate *c = fut_certificate_new();

	memset(c->serial, serial_byte, FUT_SERIAL_LEN);
	c->staff_id = g_strdup(staff_id);
	c->name = g_strdup(name);
	fill_list(c->logins, logins);
	fill_list(c->roles, roles);
	c->classes = classes;
	fut_key_get_public(key, c->public_key);
	c->not_before = fx_now() - 30 * 86400;
	c->not_after = fx_now() + 335 * 86400;
	g_assert_true(fut_certificate_sign(c, root, &error));
	g_assert_no_error(error);
	return c;
}

void
fx_usb_destination(FutDestination *d)
{
	d->channel = FUT_CHANNEL_USB;
	d->usb_vendor = g_strdup("0781");
	d->usb_product = g_strdup("5581");
	d->usb_serial = g_strdup("TESTONLY0001");
	d->usb_fs_uuid = g_strdup("1234-ABCD");
	d->usb_label = g_strdup("TEST ONLY");
}

FutRequest *
fx_request(FutClass klass, const FutKey *host)
{
	g_autoptr(GError) error = NULL;
	FutRequest *q = fut_request_new();
	const gchar *content = "TEST ONLY file content";

	q->host = g_strdup("pc-test-only-01");
	q->requester = g_strdup("bob");
	q->uid = 1001;
	fx_usb_destination(&q->destination);
	q->file_name = g_strdup("報告書 (TEST ONLY).xlsx");
	q->size = strlen(content);
	fut_sha256(content, strlen(content), q->sha256);
	q->klass = klass;
	q->class_evidence = g_strdup("label trusted.futari.class");
	q->reason = g_strdup("会議資料 TEST ONLY");
	q->created = fx_now() - 600;
	q->expires = fx_now() + 7 * 86400;
	for (guint i = 0; i < FUT_NONCE_LEN; i++)
		q->nonce[i] = (guint8)(0xa0 + i);
	g_assert_true(fut_request_sign(q, host, &error));
	g_assert_no_error(error);
	return q;
}

FutApproval *
fx_approval(const FutRequest *req,
            const FutCertificate *cert,
            const FutKey *key,
            FutDecision decision,
            gint64 not_before,
            gint64 not_after)
{
	g_autoptr(GError) error = NULL;
	FutApproval *a = fut_approval_new();

	g_assert_true(fut_request_get_id(req, a->request_id, &error));
	a->decision = decision;
	a->not_before = not_before;
	a->not_after = not_after;
	a->comment =
	    g_strdup(decision == FUT_DECISION_APPROVE ? "OK (TEST ONLY)" : "no (TEST ONLY)");
	a->cert = fut_certificate_dup(cert);
	g_assert_true(fut_approval_sign(a, key, &error));
	g_assert_no_error(error);
	return a;
}

FutRevocationList *
fx_crl(const FutKey *root, guint64 sequence, const guint8 *serial_bytes, guint n)
{
	g_autoptr(GError) error = NULL;
	FutRevocationList *l = fut_revocation_list_new();

	l->sequence = sequence;
	l->issued = fx_now() - 3600;
	for (guint i = 0; i < n; i++) {
		guint8 s[FUT_SERIAL_LEN];
		memset(s, serial_bytes[i], sizeof(s));
		fut_revocation_list_add(l, s);
	}
	g_assert_true(fut_revocation_list_sign(l, root, &error));
	g_assert_no_error(error);
	return l;
}

gchar *
fx_read_data(const gchar *name, gsize *ret_len)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "..", "data", name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &data, &len, &error));
	g_assert_no_error(error);
	if (ret_len != NULL)
		*ret_len = len;
	return data;
}
