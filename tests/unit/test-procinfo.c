/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "agent/procinfo.h"
#include "errors.h"

/* A real line from this kernel, with a command name that holds ") (" and spaces. */
static const gchar stat_line[] =
    "4242 (evil) (x y) S 1 4242 4242 0 -1 4194560 120 0 0 0 1 2 0 0 20 0 1 0 987654 "
    "8192000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

static void
test_stat_good(void)
{
	guint64 start = 0;
	guint32 flags = 0;
	g_autoptr(GError) error = NULL;

	g_assert_true(
	    fut_procinfo_parse_stat(stat_line, strlen(stat_line), &start, &flags, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(start, ==, 987654);
	g_assert_cmpuint(flags, ==, 4194560);
	g_assert_cmpuint(flags & FUT_PROCINFO_PF_KTHREAD, ==, 0);
}

static void
test_stat_garbage(void)
{
	static const gchar *bad[] = {
	    "",
	    "4242 no parentheses S 1",
	    "4242 (x) S 1 2 3", /* too short */
	    "4242 (x) S 1 4242 4242 0 -1 notanumber 1 2 3 4 5 6 7 8 9 10 11 12 13 14", /* flags */
	    "4242 (x) S 1 4242 4242 0 -1 5 1 2 3 4 5 6 7 8 9 10 11 12 99999999999999999999999",
	    "4242 (x)  S 1 4242 4242 0 -1 5 1 2 3 4 5 6 7 8 9 10 11 12 13", /* empty field */
	    "4242 (x)S 1 4242 4242 0 -1 5 1 2 3 4 5 6 7 8 9 10 11 12 13",
	    "4242 (x) S 1 4242 4242 0 -1 99999999999 1 2 3 4 5 6 7 8 9 10 11 12 13", /* > 32 bit */
	    ")",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		guint64 start = 7;
		guint32 flags = 7;
		g_autoptr(GError) error = NULL;

		g_assert_false(
		    fut_procinfo_parse_stat(bad[i], strlen(bad[i]), &start, &flags, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_cmpuint(start, ==, 7);
		g_assert_cmpuint(flags, ==, 7);
	}
}

static void
test_status(void)
{
	static const gchar good[] = "Name:\tcurl\nUmask:\t0022\nState:\tS (sleeping)\n"
	                            "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n";
	static const gchar *bad[] = {
	    "",
	    "Name:\tcurl\n",
	    "Uid:\n",
	    "Uid:\tabc\t1\t1\t1\n",
	    "Uid:\t-1\t1\t1\t1\n",
	    "Uid:\t99999999999999\t1\t1\t1\n",
	    "Uid:\t12x\t1\n",
	};
	guint32 uid = 0;
	g_autoptr(GError) error = NULL;

	g_assert_true(fut_procinfo_parse_status_uid(good, strlen(good), &uid, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(uid, ==, 1000);
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		uid = 7;
		g_assert_false(fut_procinfo_parse_status_uid(bad[i], strlen(bad[i]), &uid, &e));
		g_assert_error(e, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_cmpuint(uid, ==, 7);
	}
}

static void
test_loginuid(void)
{
	static const gchar *bad[] = {"", "\n", "-1", "1000 ", "99999999999", "0x10", "1\n\n"};
	guint32 v = 0;

	g_assert_true(fut_procinfo_parse_loginuid("1000\n", 5, &v, NULL));
	g_assert_cmpuint(v, ==, 1000);
	g_assert_true(fut_procinfo_parse_loginuid("4294967295", 10, &v, NULL));
	g_assert_cmpuint(v, ==, FUT_PROCINFO_LOGINUID_UNSET);
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_assert_false(fut_procinfo_parse_loginuid(bad[i], strlen(bad[i]), &v, &e));
		g_assert_error(e, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

static void
test_self(void)
{
	guint64 start = 0;
	guint32 flags = 0, uid = G_MAXUINT32;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *exe = NULL;
	g_autofree gchar *comm = NULL;

	g_assert_true(fut_procinfo_read_stat(getpid(), &start, &flags, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(start, >, 0);
	g_assert_true(fut_procinfo_read_uid(getpid(), &uid, &error));
	g_assert_cmpuint(uid, ==, getuid());
	exe = fut_procinfo_read_exe(getpid(), &error);
	g_assert_nonnull(exe);
	g_assert_true(g_str_has_suffix(exe, "test-procinfo"));
	comm = fut_procinfo_read_comm(getpid(), &error);
	g_assert_nonnull(comm);
	g_assert_null(strchr(comm, '\n'));
	/* A pid that cannot exist (above pid_max's hard limit). */
	g_assert_false(fut_procinfo_read_stat(1 << 23, &start, &flags, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_IO);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/procinfo/stat/good", test_stat_good);
	g_test_add_func("/procinfo/stat/garbage", test_stat_garbage);
	g_test_add_func("/procinfo/status", test_status);
	g_test_add_func("/procinfo/loginuid", test_loginuid);
	g_test_add_func("/procinfo/self", test_self);
	return g_test_run();
}
