/* SPDX-License-Identifier: GPL-2.0-or-later */
/* approver/approve-issued.c: the issued-certificates record gives one person one
 * certificate (issue 16 item 2), and refuses a record it cannot read with the line. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "approve-issued.h"
#include "errors.h"
#include "fixtures.h"

#define C_II (1u << FUT_CLASS_II)

typedef struct {
	gchar *dir;
	gchar *path;
	FutKey *root;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
	(void)data;
	f->dir = g_dir_make_tmp("futari-issued-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	f->path = g_build_filename(f->dir, FUT_ISSUED_FILE, NULL);
	f->root = fx_key("org root");
}

static void
teardown(Fixture *f, gconstpointer data)
{
	(void)data;
	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
	fut_key_free(f->root);
}

static FutCertificate *
cert(Fixture *f, const gchar *id, const gchar *logins, const gchar *key, guint8 serial)
{
	g_autoptr(FutKey) k = fx_key(key);

	return fx_cert(id, "TEST ONLY", logins, "info-manager", C_II, k, f->root, serial);
}

static void
admit(FutIssued *rec, const FutCertificate *c, const guint8 *replaces, const gchar *refusal)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = fut_issued_admit(rec, c, replaces, fx_now(), &error);

	if (refusal == NULL) {
		g_assert_no_error(error);
		g_assert_true(ok);
		return;
	}
	g_assert_false(ok);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_REFUSED);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, refusal));
	g_assert_null(strchr(error->message, '\n'));
}

static void
test_one_person(Fixture *f, gconstpointer data)
{
	g_autoptr(FutIssued) rec = fut_issued_load(f->path, NULL);
	g_autoptr(FutIssued) again = NULL;
	g_autoptr(FutCertificate) carol = cert(f, "S1003", "carol carol.adm", "carol", 0x31);
	g_autoptr(FutCertificate) dave = cert(f, "S1004", "dave", "dave", 0x32);
	g_autoptr(FutCertificate) by_login = cert(f, "S9003", "CAROL.ADM", "carol3", 0x33);
	g_autoptr(FutCertificate) by_id = cert(f, "s1003", "carol9", "carol2", 0x34);
	g_autoptr(FutCertificate) by_key = cert(f, "S9004", "carol9", "carol", 0x35);
	g_autoptr(FutCertificate) reissue = cert(f, "S1003", "carol", "carol2", 0x36);
	g_autoptr(FutCertificate) expired = cert(f, "S1005", "erin", "erin", 0x37);
	g_autoptr(FutCertificate) erin2 = cert(f, "S1005", "erin", "erin2", 0x38);
	g_autoptr(FutCertificate) same_id = cert(f, "S1003", "x", "x", 0x39);
	g_autoptr(FutRevocationList) list = fut_revocation_list_new();
	g_autoptr(GError) error = NULL;
	const guint8 unknown[FUT_SERIAL_LEN] = {0};

	(void)data;
	g_assert_nonnull(rec);
	admit(rec, carol, NULL, NULL);
	admit(rec, dave, NULL, NULL);
	admit(rec, by_login, NULL, "share the login");
	admit(rec, by_id, NULL, "share the staff id");
	admit(rec, by_key, NULL, "share the key");
	admit(rec, carol, NULL, "already holds this serial");
	admit(rec, reissue, unknown, "no such certificate");
	admit(rec, reissue, dave->serial, "shares no staff id, login or key");
	/* an expired certificate does not block its holder's next one */
	expired->not_after = fx_now() - 1;
	admit(rec, expired, NULL, NULL);
	admit(rec, erin2, NULL, NULL);

	admit(rec, reissue, carol->serial, NULL);
	g_assert_true(fut_issued_save(rec, &error));
	g_assert_no_error(error);

	/* what was saved reads back the same: carol replaced, so revoked from now on */
	again = fut_issued_load(f->path, &error);
	g_assert_no_error(error);
	admit(again, by_login, NULL, NULL); /* carol.adm is free again: the re-issue dropped it */
	admit(again, same_id, NULL, "share the staff id");
	admit(again, reissue, carol->serial, "already replaced or revoked");
	g_assert_cmpuint(fut_issued_add_revocations(again, list), ==, 1);
	g_assert_true(fut_revocation_list_contains(list, carol->serial));
	g_assert_cmpuint(fut_issued_add_revocations(again, list), ==, 0);
	g_assert_true(fut_issued_mark_revoked(again, dave->serial));
	g_assert_false(fut_issued_mark_revoked(again, unknown));
	g_assert_cmpuint(fut_issued_add_revocations(again, list), ==, 1);
}

static void
test_garbage(Fixture *f, gconstpointer data)
{
	static const struct {
		const gchar *text;
		const gchar *message;
	} rows[] = {
	    {"", "final newline"},
	    {"# futari issued certificates v1", "final newline"},
	    {"# futari issued certificates v2\n", "line 1"},
	    {"# futari issued certificates v1\n\n", "line 2"},
	    {"# futari issued certificates v1\nabc\n", "line 2"},
	    {"# futari issued certificates v1\n"
	     "0101010101010101 active 2027-01-01T00:00:00Z " /* key too short */
	     "00 S1 a\n",
	     "line 2"},
	    {"# futari issued certificates v1\n"
	     "0101010101010101 lost 2027-01-01T00:00:00Z "
	     "0000000000000000000000000000000000000000000000000000000000000000 S1 a\n",
	     "active, replaced or revoked"},
	    {"# futari issued certificates v1\n"
	     "0101010101010101 active 2027-01-01 "
	     "0000000000000000000000000000000000000000000000000000000000000000 S1 a\n",
	     "line 2"},
	    {"# futari issued certificates v1\n"
	     "0101010101010101 active 2027-01-01T00:00:00Z "
	     "0000000000000000000000000000000000000000000000000000000000000000 S/1 a\n",
	     "invalid staff id"},
	    {"# futari issued certificates v1\n"
	     "0101010101010101 active 2027-01-01T00:00:00Z "
	     "0000000000000000000000000000000000000000000000000000000000000000 S1 a,,b\n",
	     "invalid login"},
	    {"# futari issued certificates v1\n"
	     "0101010101010101 active 2027-01-01T00:00:00Z "
	     "0000000000000000000000000000000000000000000000000000000000000000 S1 a extra\n",
	     "line 2"},
	    {"# futari issued certificates v1\n"
	     "0101010101010101 active 2027-01-01T00:00:00Z "
	     "0000000000000000000000000000000000000000000000000000000000000000 S1 a\r\n",
	     "invalid login"},
	    {"# futari issued certificates v1\n"
	     "0101010101010101 active 2027-01-01T00:00:00Z "
	     "0000000000000000000000000000000000000000000000000000000000000000 S1 a\n"
	     "0101010101010101 active 2027-01-01T00:00:00Z "
	     "0000000000000000000000000000000000000000000000000000000000000000 S2 b\n",
	     "line 3"},
	};

	(void)data;
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(FutIssued) rec = NULL;
		g_assert_true(g_file_set_contents(f->path, rows[i].text, -1, NULL));
		rec = fut_issued_load(f->path, &error);
		g_test_message("row %u: %s", i, error != NULL ? error->message : "(loaded)");
		g_assert_null(rec);
		g_assert_nonnull(error);
		g_assert_nonnull(strstr(error->message, rows[i].message));
		g_assert_null(strchr(error->message, '\n'));
	}
	/* a NUL byte */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(FutIssued) rec = NULL;
		g_assert_true(g_file_set_contents(f->path, "# futari issued certificates v1\n\0\n",
		                                  34, NULL));
		rec = fut_issued_load(f->path, &error);
		g_assert_null(rec);
		g_assert_nonnull(strstr(error->message, "NUL"));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/issued/one-person", Fixture, NULL, setup, test_one_person, teardown);
	g_test_add("/issued/garbage", Fixture, NULL, setup, test_garbage, teardown);
	return g_test_run();
}
