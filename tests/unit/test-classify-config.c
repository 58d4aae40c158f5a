/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "classify.h"
#include "detect.h"
#include "errors.h"
#include "labelstore.h"
#include "pathrules.h"
#include "util.h"
#include "xmltext.h"

#include "test-classify-util.h"

/* --- configuration ------------------------------------------------------------------- */

static void
test_config_garbage(void)
{
	static const struct {
		const gchar *conf;
		const gchar *needle; /* the error names the culprit */
	} cases[] = {
	    {"[classify]\nbogus=1\n", "bogus"},
	    {"[classify]\nscan-limit=\n", "scan-limit"},
	    {"[classify]\nscan-limit=-1\n", "scan-limit"},
	    {"[classify]\nscan-limit=1T\n", "scan-limit"},
	    {"[classify]\nscan-limit=0\n", "scan-limit"},
	    {"[classify]\nscan-limit=99999999999999999999\n", "scan-limit"},
	    {"[classify]\nmynumber-threshold=x\n", "mynumber-threshold"},
	    {"[classify]\nmynumber-threshold=+1\n", "mynumber-threshold"},
	    {"[classify]\narchive-max-depth=9\n", "archive-max-depth"},
	    {"[classify]\nmynumber-min-valid-percent=101\n", "mynumber-min-valid-percent"},
	    {"[classify]\nmarking-words=秘;秘\n", "秘"},
	    {"[classify]\nmarking-words=極秘:0\n", "極秘:0"},
	    {"[classify]\nmarking-words=a;;b\n", "word 2"},
	    {"[classify]\nmynumber-keywords=\\t\n", "mynumber-keywords"},
	    {"[path-rules]\nclass-III=*.txt\n", "class-III"},
	    {"[path-rules]\nclass-I=;\n", "pattern 1"},
	    {"[path-rules]\nclass-II=*.csv;secret/*.xlsx\n", "secret/*.xlsx"},
	    {"[path-rules]\nclass-II=/srv/[abc\n", "/srv/[abc"},
	    {"[path-rules]\nclass-II=/srv/x\\\n", "class-II"},    /* GKeyFile refuses */
	    {"[path-rules]\nclass-II=/srv/x\\\\\n", "backslash"}, /* value "/srv/x\\" */
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GKeyFile) kf = g_key_file_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(FutClassifier) cl = NULL;

		g_assert_true(g_key_file_load_from_data(kf, cases[i].conf, -1, 0, NULL));
		cl = fut_classifier_new(kf, NULL, &error);
		g_assert_null(cl);
		g_assert_nonnull(error);
		g_test_message("%s -> %s", cases[i].conf, error->message);
		g_assert_nonnull(strstr(error->message, cases[i].needle));
		g_assert_null(strchr(error->message, '\n'));
	}
}

static void
test_config_thresholds(Fixture *f, gconstpointer data)
{
	g_autoptr(FutClassifier) cl = classifier_from(
	    "[classify]\nmynumber-threshold-without-keyword=1\nresident-code-threshold-without-"
	    "keyword=2\nmarking-words=機密;秘:2\nscan-limit=1M\n",
	    NULL);

	assert_text_class(f, cl, "order " MN1 "\n", FUT_CLASS_I, "mynumber");
	assert_text_class(f, cl, RC1 "\n", FUT_CLASS_III, NULL);
	assert_text_class(f, cl, RC1 " 24846016224\n", FUT_CLASS_I, "resident-code");
	assert_text_class(f, cl, "取扱注意\n", FUT_CLASS_III, NULL);
	assert_text_class(f, cl, "機密\n", FUT_CLASS_II, "marking");
	assert_text_class(f, cl, "秘書\n", FUT_CLASS_III, NULL);
	assert_text_class(f, cl, "秘 秘\n", FUT_CLASS_II, "marking");
	g_assert_cmpuint(fut_classifier_get_scan_limit(cl), ==, 1024 * 1024);
}

static void
test_path_rules(Fixture *f, gconstpointer data)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(FutPathRules) rules = NULL;
	const gchar *pat = NULL;
	g_autoptr(FutClassifier) cl = NULL;
	g_autofree gchar *conf = g_strdup_printf(
	    "[path-rules]\nclass-II=*.bid.xlsx;/srv/share/入札/*\nclass-I=%s/kikan/*\n", f->dir);
	g_autofree gchar *sub = g_build_filename(f->dir, "kikan", "deep", NULL);
	g_autofree gchar *p = NULL;

	g_assert_true(g_key_file_load_from_data(kf, conf, -1, 0, NULL));
	rules = fut_path_rules_new_from_keyfile(kf, FUT_PATH_RULES_GROUP, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(fut_path_rules_get_count(rules), ==, 3);
	g_assert_cmpint(fut_path_rules_match(rules, "/home/a/x.bid.xlsx", &pat), ==, FUT_CLASS_II);
	g_assert_cmpstr(pat, ==, "*.bid.xlsx");
	g_assert_cmpint(fut_path_rules_match(rules, "/srv/share/入札/2026/a.txt", NULL), ==,
	                FUT_CLASS_II);
	g_assert_cmpint(fut_path_rules_match(rules, "/srv/share/other/a.txt", NULL), ==,
	                FUT_CLASS_NONE);
	g_assert_cmpint(fut_path_rules_match(rules, "x.bid.xlsx.bak", NULL), ==, FUT_CLASS_NONE);
	g_assert_cmpint(fut_path_rules_match(rules, NULL, NULL), ==, FUT_CLASS_NONE);

	/* through the classifier: a rule raises a harmless file */
	g_assert_cmpint(g_mkdir_with_parents(sub, 0700), ==, 0);
	p = g_build_filename(sub, "list.txt", NULL);
	g_assert_true(g_file_set_contents(p, "hello\n", -1, NULL));
	cl = fut_classifier_new(kf, NULL, &error);
	g_assert_no_error(error);
	assert_class(cl, p, FUT_CLASS_I, "path-rule");
}

/* --- labels and the label memory ----------------------------------------------------- */

static void
test_labelstore_garbage(void)
{
	static const gchar *const bad[] = {
	    "",
	    "futari-labelstore 3\n",
	    "futari-labelstore 1",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    "I",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    "III\n",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    "IV\n",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    " I\n",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    "I \n",
	    "futari-labelstore 1\n000000000000000000000000000000000000000000000000000000000000000A "
	    "I\n",
	    "futari-labelstore 1\n00000000000000000000000000000000000000000000000000000000000000 "
	    "I\n",
	    "futari-labelstore 1\n0000000000000000000000000000000000000000000000000000000000000000 "
	    "I\n"
	    "0000000000000000000000000000000000000000000000000000000000000000 II\n",
	    "futari-labelstore 1\n\n",
	    "futari-labelstore 1\r\n",
	};
	g_autoptr(FutLabelStore) store = fut_labelstore_new(NULL, 2);
	const gchar *three =
	    "futari-labelstore 1\n"
	    "0000000000000000000000000000000000000000000000000000000000000001 I\n"
	    "0000000000000000000000000000000000000000000000000000000000000002 I\n"
	    "0000000000000000000000000000000000000000000000000000000000000003 II\n";

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(fut_labelstore_parse(store, bad[i], strlen(bad[i]), &error));
		g_assert_nonnull(error);
		g_test_message("%s", error->message);
		g_assert_null(strchr(error->message, '\n'));
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(fut_labelstore_parse(store, three, strlen(three), &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	}
}

static void
test_labelstore_roundtrip(Fixture *f, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(f->dir, "labels", NULL);
	g_autoptr(FutLabelStore) store = fut_labelstore_new(path, 2);
	g_autoptr(FutLabelStore) again = fut_labelstore_new(path, 2);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	guint8 d1[FUT_SHA256_LEN] = {1};
	guint8 d2[FUT_SHA256_LEN] = {2};
	guint8 d3[FUT_SHA256_LEN] = {3};
	struct stat st;

	g_assert_true(fut_labelstore_load(store, &error)); /* missing: empty */
	g_assert_no_error(error);
	g_assert_cmpuint(fut_labelstore_get_size(store), ==, 0);
	g_assert_true(fut_labelstore_record(store, d1, FUT_CLASS_II, &error));
	g_assert_true(fut_labelstore_record(store, d2, FUT_CLASS_I, &error));
	g_assert_true(fut_labelstore_record(store, d1, FUT_CLASS_I, &error));
	g_assert_no_error(error);
	/* full: a third digest is refused, and nothing changes */
	g_assert_false(fut_labelstore_record(store, d3, FUT_CLASS_I, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	g_clear_error(&error);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0600);

	g_assert_true(fut_labelstore_load(again, &error));
	g_assert_no_error(error);
	g_assert_cmpint(fut_labelstore_lookup(again, d1), ==, FUT_CLASS_I);
	g_assert_cmpint(fut_labelstore_lookup(again, d2), ==, FUT_CLASS_I);
	g_assert_cmpint(fut_labelstore_lookup(again, d3), ==, FUT_CLASS_NONE);
	/* III forgets */
	g_assert_true(fut_labelstore_record(again, d2, FUT_CLASS_III, &error));
	g_assert_cmpint(fut_labelstore_lookup(again, d2), ==, FUT_CLASS_NONE);
	g_assert_true(fut_labelstore_load(store, &error));
	g_assert_cmpuint(fut_labelstore_get_size(store), ==, 1);
	text = fut_labelstore_to_text(store);
	g_assert_cmpstr(text, ==,
	                "futari-labelstore 2\n"
	                "0100000000000000000000000000000000000000000000000000000000000000 I 0\n");
	/* no temporary files left behind */
	{
		g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
		const gchar *n;
		guint count = 0;
		while ((n = g_dir_read_name(dir)) != NULL)
			count++;
		g_assert_cmpuint(count, ==, 1);
	}
	/* a damaged file is an error, not an empty store */
	g_assert_true(g_file_set_contents(path, "garbage\n", -1, NULL));
	g_assert_false(fut_labelstore_load(store, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
}

/* A copy of a labelled file keeps its class through the label memory (no root needed:
 * the memory is filled the way `futari label` fills it). */
static void
test_label_memory_copy(Fixture *f, gconstpointer data)
{
	g_autoptr(FutLabelStore) store = fut_labelstore_new(NULL, 0);
	g_autoptr(FutClassifier) cl = classifier_from(NULL, store);
	const gchar *text = "入札参加者一覧 (no detector finds anything here)\n";
	g_autofree gchar *orig = write_file(f, "orig.txt", text, strlen(text));
	g_autofree gchar *copy = write_file(f, "copy.txt", text, strlen(text));
	g_autofree gchar *other = write_file(f, "other.txt", "x\n", 2);
	g_autoptr(GError) error = NULL;
	g_autoptr(FutClassification) c0 = classify_path(cl, orig, FUT_CLASSIFY_FLAG_DIGEST);

	g_assert_cmpint(c0->klass, ==, FUT_CLASS_III);
	g_assert_true(c0->has_digest);
	g_assert_true(fut_labelstore_record(store, c0->digest, FUT_CLASS_I, &error));
	assert_class(cl, copy, FUT_CLASS_I, "label-memory");
	assert_class(cl, other, FUT_CLASS_III, NULL);
	/* a content scan (a worker) that claims it could not read the file does not keep
	 * the label memory from being asked: the decision hashes the file itself */
	fut_classifier_set_content_scan(
	    cl, hostile_scan,
	    (gpointer) "{\"v\":1,\"class\":\"III\",\"complete\":false,\"evidence\":[]}");
	assert_class(cl, copy, FUT_CLASS_I, "label-memory");
}

static gboolean
can_set_trusted(Fixture *f)
{
	g_autofree gchar *probe = write_file(f, "probe", "x", 1);

	if (geteuid() != 0) {
		g_test_skip("setting trusted.* xattrs needs root (CAP_SYS_ADMIN)");
		return FALSE;
	}
	if (setxattr(probe, "trusted.futari.probe", "1", 1, 0) < 0) {
		g_autofree gchar *msg =
		    g_strdup_printf("the filesystem of %s takes no trusted.* xattrs: %s", f->dir,
		                    g_strerror(errno));
		g_test_skip(msg);
		return FALSE;
	}
	return TRUE;
}

static void
test_label_xattr(Fixture *f, gconstpointer data)
{
	static const struct {
		const gchar *value;
		gsize len;
		FutClass want;
	} cases[] = {
	    {"I", 1, FUT_CLASS_I},
	    {"II", 2, FUT_CLASS_II},
	    {"III", 3, FUT_CLASS_III},
	    {"IV", 2, FUT_CLASS_II},
	    {"I\n", 2, FUT_CLASS_II},
	    {"I\0", 2, FUT_CLASS_II},
	    {"", 0, FUT_CLASS_II},
	    {"iii", 3, FUT_CLASS_II},
	    {"IIIIIIIIIIIIIIIIIIIIIIIII", 25, FUT_CLASS_II},
	};
	g_autoptr(FutLabelStore) store = fut_labelstore_new(NULL, 0);
	g_autoptr(FutClassifier) cl = classifier_from(NULL, store);
	const gchar *text = "plain words\n";
	g_autofree gchar *path = write_file(f, "labelled.txt", text, strlen(text));
	g_autofree gchar *copy = write_file(f, "copy.txt", text, strlen(text));
	g_autoptr(GError) error = NULL;

	if (!can_set_trusted(f))
		return;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(FutClassification) c = NULL;
		g_assert_cmpint(setxattr(path, FUT_CLASSIFY_XATTR, cases[i].value, cases[i].len, 0),
		                ==, 0);
		c = classify_path(cl, path, 0);
		dump(c, cases[i].value);
		g_assert_cmpint(c->klass, ==, cases[i].want);
		g_assert_true(has_rule(c, "label", cases[i].want));
	}
	/* labelled I through the API; the agent remembers the digest; the copy (no xattr)
	 * stays Class I */
	{
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		g_assert_true(fut_classify_write_label(fd, FUT_CLASS_NONE, &error));
		g_assert_true(fut_classify_write_label(fd, FUT_CLASS_NONE, &error));
		assert_class(cl, path, FUT_CLASS_III, NULL);
		g_assert_true(fut_classify_write_label(fd, FUT_CLASS_I, &error));
		g_assert_no_error(error);
		close(fd);
	}
	{
		g_autoptr(FutClassification) c = classify_path(cl, path, FUT_CLASSIFY_FLAG_DIGEST);
		g_assert_cmpint(c->label, ==, FUT_CLASS_I);
		g_assert_true(fut_labelstore_record(store, c->digest, c->label, &error));
	}
	assert_class(cl, copy, FUT_CLASS_I, "label-memory");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/classify/config/garbage", test_config_garbage);
	g_test_add("/classify/config/thresholds", Fixture, NULL, fixture_setup,
	           test_config_thresholds, fixture_teardown);
	g_test_add("/classify/config/path-rules", Fixture, NULL, fixture_setup, test_path_rules,
	           fixture_teardown);
	g_test_add_func("/classify/labelstore/garbage", test_labelstore_garbage);
	g_test_add("/classify/labelstore/roundtrip", Fixture, NULL, fixture_setup,
	           test_labelstore_roundtrip, fixture_teardown);
	g_test_add("/classify/label/memory-copy", Fixture, NULL, fixture_setup,
	           test_label_memory_copy, fixture_teardown);
	g_test_add("/classify/label/xattr", Fixture, NULL, fixture_setup, test_label_xattr,
	           fixture_teardown);
	return g_test_run();
}
