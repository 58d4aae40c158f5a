/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content.h"
#include "test-classify-util.h"

void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	f->dir = g_dir_make_tmp("futari-classify-XXXXXX", &error);
	g_assert_no_error(error);
}

void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->dir);
}

gchar *
write_file(Fixture *f, const gchar *name, const void *data, gsize len)
{
	gchar *path = g_build_filename(f->dir, name, NULL);
	/* plain write, no fsync: hundreds of these per run */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, data, len), ==, (gssize)len);
	g_assert_cmpint(close(fd), ==, 0);
	return path;
}

FutClassifier *
classifier_from(const gchar *conf, FutLabelStore *store)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	FutClassifier *cl;

	if (conf != NULL)
		g_assert_true(g_key_file_load_from_data(kf, conf, -1, G_KEY_FILE_NONE, &error));
	cl = fut_classifier_new(conf != NULL ? kf : NULL, store, &error);
	g_assert_no_error(error);
	g_assert_nonnull(cl);
	return cl;
}

FutClassification *
classify_path(FutClassifier *cl, const gchar *path, FutClassifyFlags flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	FutClassification *c;

	g_assert_cmpint(fd, >=, 0);
	c = fut_classifier_classify_fd(cl, fd, path, flags);
	/* the descriptor's offset is left alone */
	g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, 0);
	close(fd);
	return c;
}

gboolean
has_rule(const FutClassification *c, const gchar *rule, FutClass klass)
{
	for (guint i = 0; i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		if (g_strcmp0(e->rule, rule) == 0 && e->klass == klass)
			return TRUE;
	}
	return FALSE;
}

void
dump(const FutClassification *c, const gchar *name)
{
	g_autofree gchar *t = fut_classification_to_text(c, name);
	g_test_message("%s", t);
}

void
assert_class(FutClassifier *cl, const gchar *path, FutClass want, const gchar *rule)
{
	g_autoptr(FutClassification) c = classify_path(cl, path, 0);
	dump(c, path);
	g_assert_cmpstr(fut_class_name(c->klass), ==, fut_class_name(want));
	/* for Class III the finding is informational: it is listed, below its threshold */
	if (rule != NULL)
		g_assert_true(has_rule(c, rule, want == FUT_CLASS_III ? FUT_CLASS_NONE : want));
}

void
assert_text_class(
    Fixture *f, FutClassifier *cl, const gchar *text, FutClass want, const gchar *rule)
{
	g_autofree gchar *path = write_file(f, "t.txt", text, strlen(text));
	assert_class(cl, path, want, rule);
}

/* A content scanner standing in for a worker: it returns the result @user_data holds as JSON. */
FutContentResult *
hostile_scan(const FutContentConfig *cfg, int fd, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	const gchar *json = user_data;
	FutContentResult *r = fut_content_result_from_json(json, strlen(json), &error);

	g_assert_no_error(error);
	return r;
}
