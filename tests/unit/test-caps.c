/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's capability drop (agent/caps.c): what is kept, that the check fails while
 * capabilities are held, and that after the drop the kernel refuses what was given up. */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <linux/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/caps.h"

static void
test_names(void)
{
	g_autofree gchar *keep = fut_caps_to_string(fut_caps_agent_keep());
	g_autofree gchar *none = fut_caps_to_string(0);

	g_assert_cmpstr(keep, ==, "dac_override,sys_chroot,sys_ptrace,sys_admin");
	g_assert_cmpstr(none, ==, "");
}

/* Runs in a child so the test process keeps its own capabilities. Exit codes name the
 * step that went wrong. */
static int
child(void)
{
	guint64 keep = fut_caps_agent_keep();
	g_autoptr(GError) error = NULL;

	/* with all of root's capabilities the proof must fail */
	if (fut_caps_verify(keep, &error))
		return 10;
	g_clear_error(&error);
	if (!fut_caps_restrict(keep, &error)) {
		g_printerr("restrict: %s\n", error->message);
		return 11;
	}
	if (!fut_caps_verify(keep, &error)) {
		g_printerr("verify: %s\n", error->message);
		return 12;
	}
	/* what was dropped is really gone: CAP_SETUID, CAP_SYS_NICE, CAP_CHOWN */
	if (setgid(65534) == 0 || errno != EPERM)
		return 13;
	if (nice(-5) != -1 || errno != EPERM)
		return 14;
	{
		g_autofree gchar *path = NULL;
		int fd = g_file_open_tmp("futari-caps-XXXXXX", &path, NULL);
		int rc;

		if (fd < 0)
			return 15;
		close(fd);
		rc = chown(path, 65534, 65534);
		unlink(path);
		if (rc == 0 || errno != EPERM)
			return 16;
	}
	/* asking to keep a capability already given up fails */
	if (fut_caps_restrict(keep | (1ULL << CAP_SYS_MODULE), &error))
		return 17;
	return 0;
}

static void
test_restrict(void)
{
	pid_t pid;
	int status = 0;

	if (getuid() != 0) {
		g_test_skip("needs root (capabilities to drop)");
		return;
	}
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(child());
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/caps/names", test_names);
	g_test_add_func("/agent/caps/restrict", test_restrict);
	return g_test_run();
}
