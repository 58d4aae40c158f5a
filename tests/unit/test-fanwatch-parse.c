/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parsers upload control applies to what the kernel and other processes wrote (issue
 * 14): /proc/PID/maps lines (a program run through the loader), /proc/PID/cmdline (a busybox
 * applet), /proc/self/mountinfo lines (mounts followed). Real lines give the right facts;
 * garbage, truncation and hostile names give none. */
#include "config.h"

#include <string.h>
#include <sys/sysmacros.h>

#include "agent/fanwatch-private.h"

static void
test_maps(void)
{
	guint64 dev = 0, ino = 0;
	const gchar *path = NULL;
	static const gchar *const garbage[] = {
	    "",
	    "hello",
	    "7f12-7f34 rw-p 00000000 00:00 0 ",
	    "55d0-55d1 rw-p 00000000 00:00 0                          [heap]",
	    "7f12-7f34 r-xp 00000000 08:01 0 /usr/bin/curl",
	    "7f12-7f34 r-xp zz 08:01 12 /usr/bin/curl",
	    "7f12-7f34 r-xp 00000000 08:01 12 usr/bin/curl",
	    "7f12-7f34 r-xp 00000000 0801 12 /usr/bin/curl",
	    "7f12 r-xp 00000000 08:01 12 /usr/bin/curl",
	    "7f12-7f34 r-xp 00000000 08:01",
	};

	g_assert_true(fw_parse_maps_line(
	    "7f1234560000-7f1234580000 r-xp 00002000 08:01 1234      /usr/bin/curl", &dev, &ino,
	    &path));
	g_assert_cmpuint(dev, ==, (guint64)makedev(8, 1));
	g_assert_cmpuint(ino, ==, 1234);
	g_assert_cmpstr(path, ==, "/usr/bin/curl");
	/* Hexadecimal device numbers, a name with spaces, a removed file. */
	g_assert_true(fw_parse_maps_line(
	    "7f12-7f34 r--p 00000000 fd:1a 99 /home/u/my prog (deleted)", &dev, &ino, &path));
	g_assert_cmpuint(dev, ==, (guint64)makedev(0xfd, 0x1a));
	g_assert_cmpuint(ino, ==, 99);
	g_assert_cmpstr(path, ==, "/home/u/my prog (deleted)");
	for (gsize i = 0; i < G_N_ELEMENTS(garbage); i++)
		g_assert_false(fw_parse_maps_line(garbage[i], &dev, &ino, &path));
}

static void
check_applet(const gchar *cmdline, gsize len, const gchar *want)
{
	g_autofree gchar *got = fw_parse_applet(cmdline, len);
	g_assert_cmpstr(got, ==, want);
}

static void
test_applet(void)
{
	check_applet("wget\0-q\0", 8, "wget");
	check_applet("/home/u/wget\0", 13, "wget");
	check_applet("/bin/busybox\0wget\0-q\0", 21, "wget");
	check_applet("busybox\0/x/ftpput\0", 18, "ftpput");
	check_applet("toybox\0wget\0", 12, "wget");
	/* No applet after the multiplexer, an empty argv[0], truncation, nothing. */
	check_applet("busybox\0", 8, NULL);
	check_applet("busybox\0\0", 9, NULL);
	check_applet("\0wget\0", 6, NULL);
	check_applet("wget", 4, NULL);
	check_applet("busybox\0wget", 12, NULL);
	check_applet("", 0, NULL);
	check_applet(NULL, 0, NULL);
}

static void
test_mountinfo(void)
{
	g_autofree gchar *mp = NULL, *fs = NULL, *opts = NULL;
	static const gchar *const garbage[] = {
	    "",
	    "1 2 3",
	    "22 1 0:21 / /tmp rw tmpfs tmpfs rw",
	    "22 1 0:21 / tmp rw - tmpfs tmpfs rw",
	    "22 1 0:21 / /tmp rw - tmpfs tmpfs",
	    "22 1 0:21 / /tmp rw -",
	};

	g_assert_true(fw_parse_mountinfo_line("36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime "
	                                      "master:1 - ext3 /dev/root rw,errors=continue",
	                                      &mp, &fs, &opts));
	g_assert_cmpstr(mp, ==, "/mnt/with space");
	g_assert_cmpstr(fs, ==, "ext3");
	g_assert_cmpstr(opts, ==, "rw,errors=continue");
	g_clear_pointer(&mp, g_free);
	g_clear_pointer(&fs, g_free);
	g_clear_pointer(&opts, g_free);
	g_assert_true(fw_parse_mountinfo_line("22 1 0:21 / /run/user/1000/doc rw,nosuid - "
	                                      "fuse.portal portal rw,user_id=1000,group_id=1000",
	                                      &mp, &fs, &opts));
	g_assert_cmpstr(mp, ==, "/run/user/1000/doc");
	g_assert_true(fw_is_user_fuse(fs, opts));
	for (gsize i = 0; i < G_N_ELEMENTS(garbage); i++) {
		gchar *a = NULL, *b = NULL, *c = NULL;
		g_assert_false(fw_parse_mountinfo_line(garbage[i], &a, &b, &c));
		g_assert_null(a);
	}
}

static void
test_user_fuse(void)
{
	g_assert_true(fw_is_user_fuse("fuse.sshfs", "rw,user_id=1000,group_id=1000"));
	g_assert_true(fw_is_user_fuse("fuse", "rw,user_id=00,group_id=0"));
	g_assert_true(fw_is_user_fuse("fuse", "rw"));
	g_assert_false(fw_is_user_fuse("fuse", "rw,user_id=0,group_id=0"));
	g_assert_false(fw_is_user_fuse("fuseblk", "rw,user_id=0"));
	g_assert_false(fw_is_user_fuse("tmpfs", "rw,user_id=1000"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fanwatch/parse/maps", test_maps);
	g_test_add_func("/fanwatch/parse/applet", test_applet);
	g_test_add_func("/fanwatch/parse/mountinfo", test_mountinfo);
	g_test_add_func("/fanwatch/parse/user-fuse", test_user_fuse);
	return g_test_run();
}
