/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The label memory's scope, quota and file (issue 16 item 7). The format's garbage and the
 * round trip are in test-classify.c. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "labelstore.h"

typedef struct {
	gchar *dir;
	gchar *path;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("futari-labelstore-XXXXXX", NULL);
	f->path = g_build_filename(f->dir, "labels", NULL);
}

static void
teardown(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->dir);
	g_free(f->path);
}

/* A user's label holds for that user's files only; root's for everyone. Labelling `{}`
 * Class I as a user must not make everyone's `{}` Class I. */
static void
test_scope(void)
{
	g_autoptr(FutLabelStore) s = fut_labelstore_new(NULL, 0);
	g_autoptr(GError) error = NULL;
	guint8 braces[FUT_SHA256_LEN] = {0x44, 0x13};
	guint8 report[FUT_SHA256_LEN] = {0x99};

	g_assert_true(fut_labelstore_record_for(s, braces, FUT_CLASS_I, 1000, &error));
	g_assert_no_error(error);
	g_assert_cmpint(fut_labelstore_lookup_owner(s, braces, 1000), ==, FUT_CLASS_I);
	g_assert_cmpint(fut_labelstore_lookup_owner(s, braces, 1001), ==, FUT_CLASS_NONE);
	g_assert_cmpint(fut_labelstore_lookup_owner(s, braces, 0), ==, FUT_CLASS_NONE);
	g_assert_cmpint(fut_labelstore_lookup(s, braces), ==, FUT_CLASS_NONE);
	/* root's label holds for every owner; the stricter of root's and the owner's wins */
	g_assert_true(fut_labelstore_record(s, report, FUT_CLASS_II, &error));
	g_assert_true(fut_labelstore_record_for(s, report, FUT_CLASS_I, 1000, &error));
	g_assert_cmpint(fut_labelstore_lookup_owner(s, report, 1001), ==, FUT_CLASS_II);
	g_assert_cmpint(fut_labelstore_lookup_owner(s, report, 1000), ==, FUT_CLASS_I);
	/* a user's III forgets only that user's entry; root's III forgets everyone's */
	g_assert_true(fut_labelstore_record_for(s, report, FUT_CLASS_III, 1000, &error));
	g_assert_cmpint(fut_labelstore_lookup_owner(s, report, 1000), ==, FUT_CLASS_II);
	g_assert_true(fut_labelstore_record_for(s, braces, FUT_CLASS_II, 1002, &error));
	g_assert_true(fut_labelstore_record(s, braces, FUT_CLASS_III, &error));
	g_assert_no_error(error);
	g_assert_cmpint(fut_labelstore_lookup_owner(s, braces, 1000), ==, FUT_CLASS_NONE);
	g_assert_cmpint(fut_labelstore_lookup_owner(s, braces, 1002), ==, FUT_CLASS_NONE);
	g_assert_cmpuint(fut_labelstore_get_size(s), ==, 1);
}

/* Each user other than root has a quota of its own; the global cap still holds. */
static void
test_quota(void)
{
	g_autoptr(FutLabelStore) s = fut_labelstore_new(NULL, 10);
	g_autoptr(GError) error = NULL;
	guint8 d[FUT_SHA256_LEN] = {0};

	fut_labelstore_set_per_uid_max(s, 3);
	for (guint i = 0; i < 3; i++) {
		d[0] = (guint8)i;
		g_assert_true(fut_labelstore_record_for(s, d, FUT_CLASS_II, 1000, &error));
		g_assert_no_error(error);
	}
	d[0] = 3;
	g_assert_false(fut_labelstore_record_for(s, d, FUT_CLASS_II, 1000, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	g_assert_null(strchr(error->message, '\n'));
	g_clear_error(&error);
	/* raising an entry it has is not a new one */
	d[0] = 0;
	g_assert_true(fut_labelstore_record_for(s, d, FUT_CLASS_I, 1000, &error));
	g_assert_cmpuint(fut_labelstore_get_size_for(s, 1000), ==, 3);
	/* forgetting makes room */
	d[0] = 1;
	g_assert_true(fut_labelstore_record_for(s, d, FUT_CLASS_III, 1000, &error));
	d[0] = 3;
	g_assert_true(fut_labelstore_record_for(s, d, FUT_CLASS_II, 1000, &error));
	/* another user, and root, are not held by it */
	g_assert_true(fut_labelstore_record_for(s, d, FUT_CLASS_II, 1001, &error));
	for (guint i = 10; i < 15; i++) {
		d[0] = (guint8)i;
		g_assert_true(fut_labelstore_record(s, d, FUT_CLASS_II, &error));
	}
	g_assert_no_error(error);
	g_assert_cmpuint(fut_labelstore_get_size(s), ==, 9);
	/* the global cap */
	d[0] = 20;
	g_assert_true(fut_labelstore_record(s, d, FUT_CLASS_II, &error));
	d[0] = 21;
	g_assert_false(fut_labelstore_record(s, d, FUT_CLASS_II, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
}

static gsize
file_size(const gchar *path, ino_t *ret_ino)
{
	struct stat st;
	g_assert_cmpint(stat(path, &st), ==, 0);
	if (ret_ino != NULL)
		*ret_ino = st.st_ino;
	return (gsize)st.st_size;
}

/* A label appends one line to the file: the file is not rewritten (same inode, the old
 * bytes unchanged), and what is loaded again is what was recorded. */
static void
test_append(Fixture *f, gconstpointer data)
{
	g_autoptr(FutLabelStore) s = fut_labelstore_new(f->path, 0);
	g_autoptr(FutLabelStore) again = fut_labelstore_new(f->path, 0);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	guint8 d[FUT_SHA256_LEN] = {7};
	ino_t ino1, ino2;
	gsize len1, len2;

	g_assert_true(fut_labelstore_load(s, &error));
	g_assert_true(fut_labelstore_record_for(s, d, FUT_CLASS_II, 1000, &error));
	g_assert_no_error(error);
	len1 = file_size(f->path, &ino1);
	g_assert_true(g_file_get_contents(f->path, &before, NULL, NULL));
	d[1] = 1;
	g_assert_true(fut_labelstore_record_for(s, d, FUT_CLASS_I, 1001, &error));
	len2 = file_size(f->path, &ino2);
	g_assert_true(g_file_get_contents(f->path, &after, NULL, NULL));
	g_assert_cmpuint(ino1, ==, ino2);
	g_assert_true(g_str_has_prefix(after, before));
	g_assert_cmpstr(
	    after + len1, ==,
	    "0701000000000000000000000000000000000000000000000000000000000000 I 1001\n");
	g_assert_cmpuint(len2, ==, len1 + 72);
	/* forgetting appends too */
	g_assert_true(fut_labelstore_record_for(s, d, FUT_CLASS_III, 1001, &error));
	g_assert_cmpuint(file_size(f->path, NULL), ==, len2 + 74);
	g_assert_true(fut_labelstore_load(again, &error));
	g_assert_no_error(error);
	g_assert_cmpint(fut_labelstore_lookup_owner(again, d, 1001), ==, FUT_CLASS_NONE);
	d[1] = 0;
	g_assert_cmpint(fut_labelstore_lookup_owner(again, d, 1000), ==, FUT_CLASS_II);
	g_assert_cmpuint(fut_labelstore_get_size(again), ==, 1);
}

/* A crash in the middle of an append leaves a last line without its ending: that line is
 * dropped, the rest kept, and the next record rewrites the file whole. A version 1 file is
 * read as root's entries. */
static void
test_torn_and_v1(Fixture *f, gconstpointer data)
{
	g_autoptr(FutLabelStore) s = fut_labelstore_new(f->path, 0);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	guint8 d1[FUT_SHA256_LEN] = {1};
	guint8 d2[FUT_SHA256_LEN] = {2};

	g_assert_true(g_file_set_contents(
	    f->path,
	    "futari-labelstore 2\n"
	    "0100000000000000000000000000000000000000000000000000000000000000 II 1000\n"
	    "0200000000000000000000000000000000000000000000000000000000000000 I 10",
	    -1, NULL));
	g_assert_true(fut_labelstore_load(s, &error));
	g_assert_no_error(error);
	g_assert_cmpint(fut_labelstore_lookup_owner(s, d1, 1000), ==, FUT_CLASS_II);
	g_assert_cmpint(fut_labelstore_lookup_owner(s, d2, 10), ==, FUT_CLASS_NONE);
	g_assert_true(fut_labelstore_record_for(s, d2, FUT_CLASS_I, 1000, &error));
	g_assert_true(g_file_get_contents(f->path, &text, NULL, NULL));
	g_assert_cmpstr(
	    text, ==,
	    "futari-labelstore 2\n"
	    "0100000000000000000000000000000000000000000000000000000000000000 II 1000\n"
	    "0200000000000000000000000000000000000000000000000000000000000000 I 1000\n");
	g_clear_pointer(&text, g_free);

	g_assert_true(g_file_set_contents(
	    f->path,
	    "futari-labelstore 1\n"
	    "0100000000000000000000000000000000000000000000000000000000000000 I\n",
	    -1, NULL));
	g_assert_true(fut_labelstore_load(s, &error));
	g_assert_cmpint(fut_labelstore_lookup_owner(s, d1, 4242), ==, FUT_CLASS_I);
	g_assert_true(fut_labelstore_record_for(s, d2, FUT_CLASS_II, 1000, &error));
	g_assert_true(g_file_get_contents(f->path, &text, NULL, NULL));
	g_assert_true(g_str_has_prefix(text, "futari-labelstore 2\n"));
	g_assert_nonnull(
	    strstr(text, "0100000000000000000000000000000000000000000000000000000000000000 I 0\n"));
}

/* Garbage in the version 2 lines is refused with its line. */
static void
test_garbage_v2(void)
{
	static const gchar *const bad[] = {
	    "0100000000000000000000000000000000000000000000000000000000000000 I\n",
	    "0100000000000000000000000000000000000000000000000000000000000000 I -1\n",
	    "0100000000000000000000000000000000000000000000000000000000000000 I 01\n",
	    "0100000000000000000000000000000000000000000000000000000000000000 I 4294967296\n",
	    "0100000000000000000000000000000000000000000000000000000000000000 I 1 \n",
	    "0100000000000000000000000000000000000000000000000000000000000000 IV 1\n",
	    "0100000000000000000000000000000000000000000000000000000000000000  I 1\n",
	    "0100000000000000000000000000000000000000000000000000000000000000 I x\n",
	};
	g_autoptr(FutLabelStore) s = fut_labelstore_new(NULL, 0);

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = g_strconcat("futari-labelstore 2\n", bad[i], NULL);
		g_assert_false(fut_labelstore_parse(s, text, strlen(text), &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_nonnull(strstr(error->message, "line 2"));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/labelstore/scope", test_scope);
	g_test_add_func("/labelstore/quota", test_quota);
	g_test_add_func("/labelstore/garbage-v2", test_garbage_v2);
	g_test_add("/labelstore/append", Fixture, NULL, setup, test_append, teardown);
	g_test_add("/labelstore/torn-and-v1", Fixture, NULL, setup, test_torn_and_v1, teardown);
	return g_test_run();
}
