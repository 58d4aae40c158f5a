/* SPDX-License-Identifier: GPL-2.0-or-later */
/* agent/revstate.c: the revocation list in force never goes back (issue 16 item 1). */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "errors.h"
#include "fixtures.h"
#include "revstate.h"

typedef struct {
	gchar *dir;       /* the agent's state directory */
	gchar *installed; /* where the configuration names the list */
	FutKey *root;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
	(void)data;
	f->dir = g_dir_make_tmp("futari-revstate-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	f->installed = g_build_filename(f->dir, "installed.futari-revocation", NULL);
	f->root = fx_key("org root");
}

static void
teardown(Fixture *f, gconstpointer data)
{
	g_autofree gchar *kept = g_build_filename(f->dir, FUT_REVSTATE_FILE, NULL);

	(void)data;
	g_unlink(f->installed);
	g_unlink(kept);
	g_rmdir(f->dir);
	g_free(f->installed);
	g_free(f->dir);
	fut_key_free(f->root);
}

static void
install(Fixture *f, const FutRevocationList *l)
{
	g_autofree gchar *text = fut_revocation_list_to_text(l, NULL);

	g_assert_nonnull(text);
	g_assert_true(g_file_set_contents(f->installed, text, -1, NULL));
}

/* Returns the sequence in force (G_MAXUINT64 for none); @ret_refused set when refused. */
static guint64
choose(Fixture *f, gchar **ret_refused)
{
	g_autoptr(FutRevocationList) l = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(fut_revstate_choose(f->dir, f->installed, f->root, &l, ret_refused, &error));
	g_assert_no_error(error);
	return l != NULL ? l->sequence : G_MAXUINT64;
}

static void
test_rollback(Fixture *f, gconstpointer data)
{
	const guint8 a = 0xa1, b = 0xb2;
	g_autoptr(FutRevocationList) l1 = fx_crl(f->root, 1, &a, 1);
	g_autoptr(FutRevocationList) l2 = fx_crl(f->root, 2, &b, 1);
	g_autoptr(FutRevocationList) fresh = fx_crl(f->root, 1, NULL, 0);
	g_autoptr(FutRevocationList) other2 = fx_crl(f->root, 2, &a, 1);
	g_autofree gchar *kept = g_build_filename(f->dir, FUT_REVSTATE_FILE, NULL);
	gchar *refused = NULL;
	struct stat st;

	(void)data;
	/* Nothing installed, nothing kept: no list, nothing refused. */
	g_assert_cmpuint(choose(f, &refused), ==, G_MAXUINT64);
	g_assert_null(refused);

	install(f, l1);
	g_assert_cmpuint(choose(f, &refused), ==, 1);
	g_assert_null(refused);
	g_assert_cmpint(g_stat(kept, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 07777, ==, 0600);

	install(f, l2);
	g_assert_cmpuint(choose(f, &refused), ==, 2);
	g_assert_null(refused);

	/* The older list put back: refused, list 2 in force. */
	install(f, l1);
	g_assert_cmpuint(choose(f, &refused), ==, 2);
	g_assert_nonnull(refused);
	g_assert_nonnull(strstr(refused, "older than list 2"));
	g_clear_pointer(&refused, g_free);

	/* A fresh list of sequence 1. */
	install(f, fresh);
	g_assert_cmpuint(choose(f, &refused), ==, 2);
	g_assert_nonnull(refused);
	g_clear_pointer(&refused, g_free);

	/* Another list under the same sequence. */
	install(f, other2);
	g_assert_cmpuint(choose(f, &refused), ==, 2);
	g_assert_nonnull(strstr(refused, "same sequence"));
	g_clear_pointer(&refused, g_free);

	/* The same list again is fine. */
	install(f, l2);
	g_assert_cmpuint(choose(f, &refused), ==, 2);
	g_assert_null(refused);

	/* Removed: list 2 stays. */
	g_assert_cmpint(g_unlink(f->installed), ==, 0);
	g_assert_cmpuint(choose(f, &refused), ==, 2);
	g_assert_nonnull(strstr(refused, "removed"));
	g_clear_pointer(&refused, g_free);
}

static void
test_foreign_not_kept(Fixture *f, gconstpointer data)
{
	g_autoptr(FutKey) other = fx_key("another root");
	g_autoptr(FutRevocationList) l2 = fx_crl(f->root, 2, NULL, 0);
	g_autoptr(FutRevocationList) forged = fx_crl(other, 99, NULL, 0);
	g_autoptr(FutRevocationList) in_force = NULL;
	g_autoptr(GError) error = NULL;
	gchar *refused = NULL;

	(void)data;
	install(f, l2);
	g_assert_cmpuint(choose(f, &refused), ==, 2);
	/* A list of a high sequence by another key is handed on (the redeem check refuses it
	 * as bad-revocation-list) but never kept: it cannot raise the bar. */
	install(f, forged);
	g_assert_true(
	    fut_revstate_choose(f->dir, f->installed, f->root, &in_force, &refused, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(in_force->sequence, ==, 99);
	g_assert_false(fut_revocation_list_verify(in_force, f->root, NULL));
	install(f, l2);
	g_assert_cmpuint(choose(f, &refused), ==, 2);
	g_assert_null(refused);
}

static void
test_garbage(Fixture *f, gconstpointer data)
{
	g_autofree gchar *kept = g_build_filename(f->dir, FUT_REVSTATE_FILE, NULL);
	g_autoptr(FutRevocationList) l = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(FutKey) other = fx_key("another root");
	g_autoptr(FutRevocationList) foreign = fx_crl(other, 5, NULL, 0);
	g_autofree gchar *text = fut_revocation_list_to_text(foreign, NULL);

	(void)data;
	/* Garbage installed: refused with a reason, as before. */
	g_assert_true(g_file_set_contents(f->installed, "garbage\n", -1, NULL));
	g_assert_false(fut_revstate_choose(f->dir, f->installed, f->root, &l, NULL, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "unusable"));
	g_clear_error(&error);
	g_unlink(f->installed);
	/* Garbage kept: nothing can be decided. */
	g_assert_true(g_file_set_contents(kept, "garbage\n", -1, NULL));
	g_assert_false(fut_revstate_choose(f->dir, f->installed, f->root, &l, NULL, &error));
	g_assert_nonnull(strstr(error->message, "keeps is unusable"));
	g_clear_error(&error);
	/* A kept list by another root. */
	g_assert_true(g_file_set_contents(kept, text, -1, NULL));
	g_assert_false(fut_revstate_choose(f->dir, f->installed, f->root, &l, NULL, &error));
	g_assert_nonnull(strstr(error->message, "organisation key"));
	g_assert_null(l);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/revstate/rollback", Fixture, NULL, setup, test_rollback, teardown);
	g_test_add("/revstate/foreign-not-kept", Fixture, NULL, setup, test_foreign_not_kept,
	           teardown);
	g_test_add("/revstate/garbage", Fixture, NULL, setup, test_garbage, teardown);
	return g_test_run();
}
