/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "errors.h"
#include "mediareg.h"

static const gchar *good = "# city media register\n"
                           "[asset:CITY-USB-0421]\n"
                           "vid = 0781\n"
                           "pid = 5581\n"
                           "serial = 4C530001234567\n"
                           "owner = 総務課\n"
                           "\n"
                           "[asset:CITY-USB-0422]\n"
                           "vid = 0951\n"
                           "pid = 1666\n"
                           "serial = E0D55EA573DCF450\n"
                           "owner = Finance\n";

static void
test_good(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutMediaRegister) reg =
	    fut_media_register_parse("media.conf", good, strlen(good), &error);
	const FutMediaEntry *e;

	g_assert_no_error(error);
	g_assert_cmpuint(fut_media_register_get_n_entries(reg), ==, 2);
	e = fut_media_register_lookup(reg, "0781", "5581", "4C530001234567");
	g_assert_nonnull(e);
	g_assert_cmpstr(e->asset_id, ==, "CITY-USB-0421");
	g_assert_cmpstr(e->owner, ==, "総務課");
	g_assert_cmpuint(e->line, ==, 2);
	/* VID and PID compare without case; the serial exactly. */
	g_assert_true(fut_media_register_lookup(reg, "0781", "5581", "4c530001234567") == NULL);
	g_assert_true(fut_media_register_lookup(reg, "0951", "1666", "E0D55EA573DCF450") ==
	              fut_media_register_lookup_asset(reg, "CITY-USB-0422"));
	g_assert_null(fut_media_register_lookup(reg, "0781", "5581", NULL));
	g_assert_null(fut_media_register_lookup_asset(reg, "CITY-USB-9999"));
}

static void
test_refusals(void)
{
	static const struct {
		const gchar *text;
		const gchar *why;
	} cases[] = {
	    {"[media]\nvid = 0781\n", "media.conf:1: unknown group"},
	    {"[asset:]\nvid = 0781\n", "media.conf:1: asset id"},
	    {"[asset:a b]\n", "media.conf:1: asset id"},
	    {"[asset:A]\nvid = 0781\npid = 5581\nserial = X\n",
	     "media.conf:1: missing key 'owner'"},
	    {"[asset:A]\nvid = 781\npid = 5581\nserial = X\nowner = o\n",
	     "media.conf:2: 'vid' must be 4 hex"},
	    {"[asset:A]\nvid = 0781\npid = 55g1\nserial = X\nowner = o\n",
	     "media.conf:3: 'pid' must be 4 hex"},
	    {"[asset:A]\nvid = 0781\npid = 5581\nserial = X Y\nowner = o\n",
	     "media.conf:4: 'serial' must be printable"},
	    {"[asset:A]\nvid = 0781\npid = 5581\nserial = X\nowner = o\ncolor = red\n",
	     "media.conf:6: unknown key 'color'"},
	    {"[asset:A]\nvid = 0781\npid = 5581\nserial = X\nowner = o\nvid = 0782\n",
	     "media.conf:6: duplicate key"},
	    {"[asset:A]\nvid = 0781\npid = 5581\nserial = X\nowner = o\n"
	     "[asset:B]\nvid = 0781\npid = 5581\nserial = X\nowner = p\n",
	     "media.conf:6: same vid, pid and serial as [asset:A] at line 1"},
	    {"[asset:A]\nvid = 0781\npid = 5581\nserial = X\nowner = \n", "media.conf:5: 'owner'"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(FutMediaRegister) reg = fut_media_register_parse(
		    "media.conf", cases[i].text, strlen(cases[i].text), &error);
		g_assert_null(reg);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		if (strstr(error->message, cases[i].why) == NULL)
			g_error("case %zu: '%s' lacks '%s'", i, error->message, cases[i].why);
	}
}

static void
test_garbage(void)
{
	GRand *r = g_rand_new_with_seed(42);
	gsize len = strlen(good);

	for (guint i = 0; i < 3000; i++) {
		g_autofree gchar *buf = g_strdup(good);
		g_autoptr(GError) error = NULL;
		g_autoptr(FutMediaRegister) reg = NULL;

		for (guint k = 0; k < 1 + i % 3; k++)
			buf[g_rand_int_range(r, 0, (gint32)len)] =
			    (gchar)g_rand_int_range(r, 0, 256);
		reg = fut_media_register_parse("m.conf", buf, len, &error);
		g_assert_true((reg == NULL) != (error == NULL));
	}
	g_rand_free(r);
}

/* A register of 30,000 sticks in one file (several MiB, over the old 1 MiB limit): loaded,
 * each stick found by identity and by asset id; a duplicate at the very end still named with
 * its line; a file over FUT_MEDIA_REGISTER_MAX and a large file of garbage refused with a
 * one-line reason. */
static void
test_large(void)
{
	const guint n = 30000;
	g_autoptr(GString) text = g_string_new("# fleet register\n");
	g_autofree gchar *dir = g_dir_make_tmp("futari-mediareg-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "media.conf", NULL);
	g_autofree gchar *big = g_build_filename(dir, "big.conf", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(FutMediaRegister) reg = NULL;
	gint64 t0;
	int fd;

	for (guint i = 0; i < n; i++)
		g_string_append_printf(text,
		                       "[asset:CITY-USB-%05u]\nvid = 0781\npid = %04X\n"
		                       "serial = 4C53%012u\nowner = 総務課 第%u係\n\n",
		                       i, i % 0x10000, i, i % 7);
	g_assert_cmpuint(text->len, >, 1024 * 1024);
	g_assert_true(g_file_set_contents(path, text->str, (gssize)text->len, NULL));
	t0 = g_get_monotonic_time();
	reg = fut_media_register_load(path, &error);
	g_assert_no_error(error);
	g_test_message("%u sticks, %zu bytes, loaded in %.2f s", n, text->len,
	               (g_get_monotonic_time() - t0) / 1e6);
	g_assert_cmpuint(fut_media_register_get_n_entries(reg), ==, n);
	for (guint i = 0; i < n; i += 997) {
		g_autofree gchar *pid = g_strdup_printf("%04x", i % 0x10000); /* lower case */
		g_autofree gchar *serial = g_strdup_printf("4C53%012u", i);
		g_autofree gchar *asset = g_strdup_printf("CITY-USB-%05u", i);
		const FutMediaEntry *e = fut_media_register_lookup(reg, "0781", pid, serial);
		g_assert_nonnull(e);
		g_assert_cmpstr(e->asset_id, ==, asset);
		g_assert_true(fut_media_register_lookup_asset(reg, asset) == e);
		g_assert_cmpuint(e->line, ==, 2 + 6 * i);
	}
	g_assert_null(fut_media_register_lookup(reg, "0781", "0000", "4C53000000000001"));
	g_clear_pointer(&reg, fut_media_register_free);

	/* a copy of the first stick under another asset id, at the end (VID in upper case) */
	g_string_append(text, "[asset:LATE]\nvid = 0781\npid = 0000\nserial = 4C53000000000000\n"
	                      "owner = x\n");
	g_assert_true(g_file_set_contents(path, text->str, (gssize)text->len, NULL));
	reg = fut_media_register_load(path, &error);
	g_assert_null(reg);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message,
	                        "same vid, pid and serial as [asset:CITY-USB-00000] "
	                        "at line 2"));
	g_assert_null(strchr(error->message, '\n'));
	g_clear_error(&error);

	/* over the limit: refused before it is parsed */
	fd = open(big, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, (off_t)FUT_MEDIA_REGISTER_MAX + 1), ==, 0);
	close(fd);
	reg = fut_media_register_load(big, &error);
	g_assert_null(reg);
	g_assert_nonnull(error);
	g_assert_null(strchr(error->message, '\n'));
	g_clear_error(&error);

	/* 8 MiB of garbage under the limit: refused with a line number */
	{
		g_autoptr(GRand) r = g_rand_new_with_seed(15);
		gsize glen = 8 * 1024 * 1024;
		g_autofree gchar *junk = g_malloc(glen);
		for (gsize i = 0; i < glen; i++)
			junk[i] = (gchar)g_rand_int_range(r, 0, 256);
		g_assert_true(g_file_set_contents(big, junk, (gssize)glen, NULL));
		reg = fut_media_register_load(big, &error);
		g_assert_null(reg);
		g_assert_nonnull(error);
		g_assert_null(strchr(error->message, '\n'));
	}
	g_unlink(path);
	g_unlink(big);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/common/mediareg/good", test_good);
	g_test_add_func("/common/mediareg/refusals", test_refusals);
	g_test_add_func("/common/mediareg/garbage", test_garbage);
	g_test_add_func("/common/mediareg/large", test_large);
	return g_test_run();
}
