/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mount table parser (agent/mounts.c): per-mount and superblock options, escapes, and
 * garbage refused; the walk over every mount namespace finds this process's own mounts. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sys/sysmacros.h>

#include "agent/mounts.h"
#include "errors.h"

static void
test_parse(void)
{
	const gchar *text = "36 25 7:1 / /media/a\\040b rw,nosuid,relatime shared:1 - ext4 "
	                    "/dev/loop1 rw,errors=remount-ro\n"
	                    "37 25 7:1 /sub /mnt/x ro,relatime - ext4 /dev/loop1 ro\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) m = fut_mounts_parse(text, strlen(text), &error);
	const FutMount *a, *b;

	g_assert_no_error(error);
	g_assert_cmpuint(m->len, ==, 2);
	a = g_ptr_array_index(m, 0);
	b = g_ptr_array_index(m, 1);
	g_assert_cmpstr(a->mount_point, ==, "/media/a b");
	g_assert_cmpstr(a->options, ==, "rw,nosuid,relatime");
	g_assert_cmpstr(a->super_options, ==, "rw,errors=remount-ro");
	g_assert_cmpstr(a->fs_type, ==, "ext4");
	g_assert_cmpuint(a->major, ==, 7);
	g_assert_cmpuint(a->minor, ==, 1);
	g_assert_cmpint(a->ns_pid, ==, 0);
	g_assert_cmpstr(b->root, ==, "/sub");
	g_assert_cmpstr(b->super_options, ==, "ro");
}

static void
test_garbage(void)
{
	static const gchar *const bad[] = {
	    "36 25 7:1 / /m rw - ext4\n",                  /* no source, no super options */
	    "36 25 x:y / /m rw - ext4 /dev/loop1 rw\n",    /* device */
	    "36 25 7:1 / /m rw shared:1 ext4 /dev/x rw\n", /* no separator */
	    "garbage\n",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_null(fut_mounts_parse(bad[i], strlen(bad[i]), &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_null(strchr(error->message, '\n'));
	}
}

/* The filesystem this test runs from is mounted in our own namespace: the walk over every
 * namespace finds it there, with ns_pid 0, and at least as many mounts as our table. */
static void
test_everywhere(void)
{
	struct stat st;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) own = NULL;
	g_autoptr(GPtrArray) all = NULL;
	gboolean ours = FALSE;

	g_assert_cmpint(stat(g_test_get_dir(G_TEST_BUILT), &st), ==, 0);
	own = fut_mounts_for_device(major(st.st_dev), minor(st.st_dev), &error);
	g_assert_no_error(error);
	if (own->len == 0) {
		g_test_skip("the build directory's filesystem is not in the mount table");
		return;
	}
	all = fut_mounts_for_device_everywhere(major(st.st_dev), minor(st.st_dev), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, >=, own->len);
	for (guint i = 0; i < all->len; i++) {
		const FutMount *m = g_ptr_array_index(all, i);
		g_assert_nonnull(m->super_options);
		ours = ours || m->ns_pid == 0;
	}
	g_assert_true(ours);
}

/* The watch the write path keeps between batches (issue 18): armed by a pass that
 * succeeded, it says "unchanged" until a mount table it read changes (here a tmpfs mounted,
 * then remounted, in the test's own namespace) or it is older than asked; unarmed, NULL or
 * after a change it never says "unchanged". The mount part needs root and runs in a child
 * with a mount namespace of its own. */
static void
test_watch_child(void)
{
	g_autoptr(FutMountWatch) w = fut_mount_watch_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = NULL;

	g_assert_cmpint(unshare(CLONE_NEWNS), ==, 0);
	g_assert_cmpint(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), ==, 0);
	dir = g_dir_make_tmp("futari-watch-XXXXXX", &error);
	g_assert_no_error(error);
	/* a device that is mounted nowhere: nothing to change, the pass arms the watch */
	g_assert_true(
	    fut_mounts_make_readonly_everywhere_watch(4095, 4095, NULL, FALSE, w, &error));
	g_assert_no_error(error);
	g_assert_true(fut_mount_watch_unchanged(w, G_USEC_PER_SEC * 60));
	g_assert_true(fut_mount_watch_unchanged(w, G_USEC_PER_SEC * 60));
	g_assert_false(fut_mount_watch_unchanged(w, 0)); /* too old */
	/* a mount in a namespace it read */
	g_assert_cmpint(mount("tmpfs", dir, "tmpfs", 0, "size=64k"), ==, 0);
	g_assert_false(fut_mount_watch_unchanged(w, G_USEC_PER_SEC * 60));
	/* armed again: unchanged until a remount */
	g_assert_true(
	    fut_mounts_make_readonly_everywhere_watch(4095, 4095, NULL, FALSE, w, &error));
	g_assert_true(fut_mount_watch_unchanged(w, G_USEC_PER_SEC * 60));
	g_assert_cmpint(mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), ==, 0);
	g_assert_false(fut_mount_watch_unchanged(w, G_USEC_PER_SEC * 60));
	/* a pass that fails leaves it unarmed */
	g_assert_true(
	    fut_mounts_make_readonly_everywhere_watch(4095, 4095, NULL, FALSE, w, &error));
	umount2(dir, MNT_DETACH);
	g_rmdir(dir);
	exit(0);
}

static void
test_watch(void)
{
	g_autoptr(FutMountWatch) w = fut_mount_watch_new();

	g_assert_false(fut_mount_watch_unchanged(NULL, G_USEC_PER_SEC));
	g_assert_false(fut_mount_watch_unchanged(w, G_USEC_PER_SEC)); /* never armed */
	if (getuid() != 0) {
		g_test_skip("mounting needs root");
		return;
	}
	/* a container may refuse a mount namespace even to root */
	g_test_trap_subprocess("/agent/mounts/watch/subprocess/probe", 0,
	                       G_TEST_SUBPROCESS_DEFAULT);
	if (!g_test_trap_has_passed()) {
		g_test_skip("no mount namespace of our own here (unshare refused)");
		return;
	}
	g_test_trap_subprocess("/agent/mounts/watch/subprocess/child", 0,
	                       G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
}

/* A namespace whose table cannot be opened (here: out of descriptors) fails the pass: it
 * was skipped like a process that had ended, and the pass said every mount was read-only
 * without having looked there. */
static void
test_no_descriptor_child(void)
{
	g_autoptr(FutMountWatch) w = fut_mount_watch_new();
	g_autoptr(GError) error = NULL;
	struct rlimit old, low;
	struct stat own, other;
	g_autofree gchar *ns = NULL;
	gboolean ok;
	int probe, status;
	pid_t g = fork();

	g_assert_cmpint(g, >=, 0);
	if (g == 0) {
		if (unshare(CLONE_NEWNS) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	ns = g_strdup_printf("/proc/%d/ns/mnt", (int)g);
	g_assert_cmpint(stat("/proc/self/ns/mnt", &own), ==, 0);
	for (guint i = 0; i < 500; i++) {
		if (stat(ns, &other) == 0 && other.st_ino != own.st_ino)
			break;
		g_usleep(10 * 1000);
	}
	g_assert_cmpuint(other.st_ino, !=, own.st_ino);
	/* room for our own table (kept by the watch) and /proc, none for another table */
	probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(probe, >=, 0);
	close(probe);
	for (int fd = probe; fd < probe + 4; fd++)
		g_assert_cmpint(fcntl(fd, F_GETFD), ==, -1);
	g_assert_cmpint(getrlimit(RLIMIT_NOFILE, &old), ==, 0);
	low = old;
	low.rlim_cur = (rlim_t)probe + 2;
	g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &low), ==, 0);
	ok = fut_mounts_make_readonly_everywhere_watch(4095, 4095, NULL, FALSE, w, &error);
	setrlimit(RLIMIT_NOFILE, &old);
	kill(g, SIGKILL);
	waitpid(g, &status, 0);
	g_assert_false(ok);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_IO);
	g_assert_false(fut_mount_watch_unchanged(w, G_USEC_PER_SEC * 60));
	/* exit() skips the automatic cleanups: LeakSanitizer would see these */
	g_clear_pointer(&ns, g_free);
	g_clear_error(&error);
	g_clear_pointer(&w, fut_mount_watch_free);
	exit(0);
}

static void
test_no_descriptor(void)
{
	if (getuid() != 0) {
		g_test_skip("a namespace of another process needs root");
		return;
	}
	g_test_trap_subprocess("/agent/mounts/watch/subprocess/probe", 0,
	                       G_TEST_SUBPROCESS_DEFAULT);
	if (!g_test_trap_has_passed()) {
		g_test_skip("no mount namespace of our own here (unshare refused)");
		return;
	}
	g_test_trap_subprocess("/agent/mounts/no-descriptor/subprocess", 0,
	                       G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
}

static void
test_watch_probe(void)
{
	exit(unshare(CLONE_NEWNS) == 0 ? 0 : 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/mounts/parse", test_parse);
	g_test_add_func("/agent/mounts/garbage", test_garbage);
	g_test_add_func("/agent/mounts/everywhere", test_everywhere);
	g_test_add_func("/agent/mounts/watch", test_watch);
	g_test_add_func("/agent/mounts/watch/subprocess/child", test_watch_child);
	g_test_add_func("/agent/mounts/watch/subprocess/probe", test_watch_probe);
	g_test_add_func("/agent/mounts/no-descriptor", test_no_descriptor);
	g_test_add_func("/agent/mounts/no-descriptor/subprocess", test_no_descriptor_child);
	return g_test_run();
}
