/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "errors.h"
#include "util.h"

static void
test_escape(void)
{
	static const struct {
		const gchar *in;
		gssize len;
		const gchar *out;
	} cases[] = {
	    {"report.xlsx", -1, "report.xlsx"},
	    {"報告書.xlsx", -1, "報告書.xlsx"},
	    {"a\nb", -1, "a\\nb"},
	    {"fake\n{\"seq\":1}", -1, "fake\\n{\"seq\":1}"},
	    {"\x1b[31mred", -1, "\\x1b[31mred"},
	    {"back\\slash", -1, "back\\\\slash"},
	    {"bad\xff utf8", -1, "bad\\xff utf8"},
	    {"cut\xe5\xa0", -1, "cut\\xe5\\xa0"},
	    {"nul\0after", 9, "nul\\x00after"},
	    /* U+202E RIGHT-TO-LEFT OVERRIDE: "exe.txt" that displays as "txt.exe" */
	    {"\xe2\x80\xae"
	     "txt.exe",
	     -1, "\\u{202E}txt.exe"},
	    {"del\x7f", -1, "del\\x7f"},
	    {"c1\xc2\x9b", -1, "c1\\u{009B}"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *got = fut_strescape(cases[i].in, cases[i].len);
		g_assert_cmpstr(got, ==, cases[i].out);
		g_assert_true(g_utf8_validate(got, -1, NULL));
		for (const gchar *p = got; *p; p++)
			g_assert_cmpint((guchar)*p, >=, 0x20);
	}
}

/* Every byte value, alone and in pairs: the output never holds a control character. */
static void
test_escape_all_bytes(void)
{
	for (guint a = 0; a < 256; a++) {
		for (guint b = 0; b < 256; b += 17) {
			gchar in[2] = {(gchar)a, (gchar)b};
			g_autofree gchar *got = fut_strescape(in, 2);
			g_assert_true(g_utf8_validate(got, -1, NULL));
			for (const gchar *p = got; *p; p++)
				g_assert_true((guchar)*p >= 0x20 && *p != 0x7f);
		}
	}
}

static void
test_hex(void)
{
	g_autoptr(GError) error = NULL;
	guint8 out[2];
	g_autofree gchar *s = NULL;

	g_assert_true(fut_hex_decode("0aff", out, 2, &error));
	g_assert_cmpuint(out[0], ==, 0x0a);
	g_assert_cmpuint(out[1], ==, 0xff);
	s = fut_hex_encode(out, 2);
	g_assert_cmpstr(s, ==, "0aff");
	g_assert_false(fut_hex_decode("0AFF", out, 2, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(fut_hex_decode("0af", out, 2, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(fut_hex_decode("0g00", out, 2, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
}

static void
test_file_io(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("futari-test-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "f", NULL);
	g_autofree gchar *link = g_build_filename(dir, "l", NULL);
	g_autofree gchar *data = NULL;
	gsize len = 0;
	struct stat st;

	g_assert_true(fut_file_write_new(path, "hello", 5, 0640, &error));
	g_assert_no_error(error);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0640);
	g_assert_false(fut_file_write_new(path, "again", 5, 0640, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_EXISTS);
	g_clear_error(&error);

	g_assert_true(fut_file_read_bounded(path, 5, &data, &len, &error));
	g_assert_cmpstr(data, ==, "hello");
	g_clear_pointer(&data, g_free);
	g_assert_false(fut_file_read_bounded(path, 4, &data, &len, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	g_clear_error(&error);

	/* A huge limit must not cost a huge buffer, and a file whose size fstat() does not
	 * know (procfs says 0) is still read whole by growing the buffer. */
	g_assert_true(fut_file_read_bounded(path, G_MAXSIZE / 4, &data, &len, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(len, ==, 5);
	g_assert_cmpstr(data, ==, "hello");
	g_clear_pointer(&data, g_free);
	{
		g_autofree gchar *want = NULL;
		gsize want_len = 0;

		g_assert_true(g_file_get_contents("/proc/self/maps", &want, &want_len, NULL));
		g_assert_cmpuint(want_len, >, 64);
		g_assert_true(
		    fut_file_read_bounded("/proc/self/maps", 1 << 20, &data, &len, &error));
		g_assert_no_error(error);
		/* the map changes between reads; its first line (the executable) does not */
		g_assert_cmpuint(len, >, 64);
		g_assert_cmpint(memcmp(data, want, 32), ==, 0);
		g_assert_cmpuint(strlen(data), ==, len);
		g_clear_pointer(&data, g_free);
		g_assert_false(fut_file_read_bounded("/proc/self/maps", 10, &data, &len, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
		g_clear_error(&error);
	}

	g_assert_cmpint(symlink(path, link), ==, 0);
	g_assert_false(fut_file_read_bounded(link, 100, &data, &len, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_PERMISSION);
	g_clear_error(&error);
	g_assert_false(fut_file_read_bounded(dir, 100, &data, &len, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);

	g_unlink(link);
	g_unlink(path);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/futari/util/escape", test_escape);
	g_test_add_func("/futari/util/escape-all-bytes", test_escape_all_bytes);
	g_test_add_func("/futari/util/hex", test_hex);
	g_test_add_func("/futari/util/file-io", test_file_io);
	return g_test_run();
}
