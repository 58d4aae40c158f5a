/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "agent/fsname.h"
#include "errors.h"

static void
test_sanitize(void)
{
	static const struct {
		const gchar *in;
		const gchar *out; /* NULL: refused */
	} cases[] = {
	    {"report.xlsx", "report.xlsx"},
	    {"報告書 2026.docx", "報告書 2026.docx"},
	    {"a:b*c?d\"e<f>g|h\\i", "a_b_c_d_e_f_g_h_i"},
	    {".hidden", ".hidden"},
	    {"", NULL},
	    {".", NULL},
	    {"..", NULL},
	    {"../etc/passwd", NULL},
	    {"a/b", NULL},
	    {"line\nbreak", NULL},
	    {"tab\there", NULL},
	    {"esc\x1b[31m", NULL},
	    {"del\x7f", NULL},
	    {"c1\xc2\x85", NULL},
	    {"\xe2\x80\xaetxt.exe", NULL}, /* right-to-left override */
	    {"bad\xff", NULL},
	    {"trailing.", NULL},
	    {"trailing ", NULL},
	    {" leading", NULL},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *got = fut_fsname_sanitize(cases[i].in, &error);
		if (cases[i].out == NULL) {
			g_assert_null(got);
			g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
			g_assert_null(strchr(error->message, '\n'));
		} else {
			g_assert_no_error(error);
			g_assert_cmpstr(got, ==, cases[i].out);
		}
	}
	{
		g_autofree gchar *longname = g_strnfill(256, 'a');
		g_autoptr(GError) error = NULL;
		g_assert_null(fut_fsname_sanitize(longname, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

static void
test_split_dir(void)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) a = fut_fsname_split_dir("out//2026/", &error);
	g_auto(GStrv) empty = fut_fsname_split_dir(NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(g_strv_length(a), ==, 2);
	g_assert_cmpstr(a[0], ==, "out");
	g_assert_cmpstr(a[1], ==, "2026");
	g_assert_cmpuint(g_strv_length(empty), ==, 0);
	const gchar *bad[] = {"/abs", "../up", "a/../b", "a/./b", "a\nb", NULL};
	for (guint i = 0; bad[i] != NULL; i++) {
		g_auto(GStrv) r = fut_fsname_split_dir(bad[i], &error);
		g_assert_null(r);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/fsname/sanitize", test_sanitize);
	g_test_add_func("/agent/fsname/split-dir", test_split_dir);
	return g_test_run();
}
