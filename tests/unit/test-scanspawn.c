/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The content-parser worker spawner (agent/scanspawn.h), as root: a start whose answer
 * comes after the agent gave up on it must not shift every later start by one. Before the
 * answers carried the request's serial number, the next start read the late answer (the
 * worker started for the request given up on), and its own worker stayed behind unused, one
 * more idle process each time. Now the late worker is killed and the start gets its own. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "errors.h"
#include "scanspawn.h"

/* The live (not zombie) children of this process, reaping the ended ones first. */
static GArray *
live_children(void)
{
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	DIR *d;
	struct dirent *e;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	d = opendir("/proc");
	g_assert_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *stat = NULL;
		const gchar *close_paren;
		char state;
		int ppid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		path = g_strdup_printf("/proc/%s/stat", e->d_name);
		if (!g_file_get_contents(path, &stat, NULL, NULL))
			continue;
		/* pid (comm) state ppid …; comm may hold spaces and parentheses */
		close_paren = strrchr(stat, ')');
		if (close_paren == NULL || sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2)
			continue;
		if (ppid == getpid() && state != 'Z') {
			pid_t pid = (pid_t)atoi(e->d_name);
			g_array_append_val(pids, pid);
		}
	}
	closedir(d);
	return pids;
}

/* The live children once their number is `expected`, or as they are after 10 s: the late
 * worker is killed by the spawner (another process), so its end is not immediate. */
static GArray *
live_children_settled(guint expected)
{
	gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	GArray *pids;

	for (;;) {
		pids = live_children();
		if (pids->len == expected || g_get_monotonic_time() > end)
			return pids;
		g_array_unref(pids);
		g_usleep(20 * 1000);
	}
}

static gboolean
has_pid(GArray *pids, pid_t pid)
{
	for (guint i = 0; i < pids->len; i++)
		if (g_array_index(pids, pid_t, i) == pid)
			return TRUE;
	return FALSE;
}

static void
test_late_answer(void)
{
	g_autofree gchar *dir = NULL;
	g_autofree gchar *program = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) before = NULL;
	g_autoptr(GArray) after = NULL;
	FutScanSpawnConfig cfg = {0};
	FutScanSpawner *sp;
	pid_t spawner, p2 = 0, p3 = 0;
	int fd, fd3;

	if (geteuid() != 0) {
		g_test_skip("the spawner keeps CAP_SETUID, CAP_SETGID and CAP_KILL: needs root");
		return;
	}
	dir = g_dir_make_tmp("futari-spawn-XXXXXX", &error);
	g_assert_no_error(error);
	g_assert_cmpint(chmod(dir, 0755), ==, 0);
	program = g_build_filename(dir, "worker", NULL);
	/* stands in for futari-scan-worker: ignores its options, lives until killed */
	g_file_set_contents(program, "#!/bin/sh\nexec sleep 60\n", -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(chmod(program, 0755), ==, 0);
	cfg.program = program;
	cfg.uid = 65534;
	cfg.gid = 65534;
	cfg.memory = 256 * 1024 * 1024;
	cfg.cpu = 10;

	before = live_children();
	sp = fut_scan_spawner_new(&cfg, &error);
	g_assert_no_error(error);
	g_assert_nonnull(sp);
	spawner = fut_scan_spawner_get_pid(sp);
	fut_scan_spawner_set_timeout(sp, 300);

	/* the spawner held up past the wait: the start fails, its answer comes later */
	g_assert_cmpint(kill(spawner, SIGSTOP), ==, 0);
	fd = fut_scan_spawner_spawn(sp, &p2, &error);
	g_assert_cmpint(fd, ==, -1);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_FAILED);
	g_assert_nonnull(strstr(error->message, "did not answer"));
	g_clear_error(&error);
	g_assert_cmpint(kill(spawner, SIGCONT), ==, 0);
	g_usleep(300 * 1000); /* the late worker starts; its answer waits in the socket */

	/* the next start: its own worker, the late one killed */
	fut_scan_spawner_set_timeout(sp, 10000);
	fd = fut_scan_spawner_spawn(sp, &p2, &error);
	g_assert_no_error(error);
	g_assert_cmpint(fd, >=, 0);
	/* the spawner and this start's worker, nothing else (the late one ends) */
	after = live_children_settled(before->len + 2);
	g_assert_cmpuint(after->len, ==, before->len + 2);
	g_assert_true(has_pid(after, spawner));
	g_assert_true(has_pid(after, p2));

	/* and the one after gets its own too (not p2's answer again) */
	fd3 = fut_scan_spawner_spawn(sp, &p3, &error);
	g_assert_no_error(error);
	g_assert_cmpint(fd3, >=, 0);
	g_assert_cmpint(p3, !=, p2);
	g_array_unref(after);
	after = live_children_settled(before->len + 3);
	g_assert_cmpuint(after->len, ==, before->len + 3);
	g_assert_true(has_pid(after, p3));

	fut_scan_spawner_kill(sp, p2);
	fut_scan_spawner_kill(sp, p3);
	close(fd);
	close(fd3);
	fut_scan_spawner_free(sp);
	waitpid(p2, NULL, 0);
	waitpid(p3, NULL, 0);
	g_unlink(program);
	g_rmdir(dir);
}

/* A spawner for the tests below, its workers "sleep 60" as user nobody; NULL (and the test
 * skipped) without root. */
static FutScanSpawner *
test_spawner(gchar **ret_dir, gchar **ret_program)
{
	g_autoptr(GError) error = NULL;
	FutScanSpawnConfig cfg = {0};
	FutScanSpawner *sp;

	if (geteuid() != 0) {
		g_test_skip("the spawner keeps CAP_SETUID, CAP_SETGID and CAP_KILL: needs root");
		return NULL;
	}
	*ret_dir = g_dir_make_tmp("futari-spawn-XXXXXX", &error);
	g_assert_no_error(error);
	g_assert_cmpint(chmod(*ret_dir, 0755), ==, 0);
	*ret_program = g_build_filename(*ret_dir, "worker", NULL);
	g_file_set_contents(*ret_program, "#!/bin/sh\nexec sleep 60\n", -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(chmod(*ret_program, 0755), ==, 0);
	cfg.program = *ret_program;
	cfg.uid = 65534;
	cfg.gid = 65534;
	cfg.memory = 256 * 1024 * 1024;
	cfg.cpu = 10;
	sp = fut_scan_spawner_new(&cfg, &error);
	g_assert_no_error(error);
	return sp;
}

/* Starts a worker and returns its pid; the worker's socket is closed. */
static pid_t
spawn_one(FutScanSpawner *sp)
{
	g_autoptr(GError) error = NULL;
	pid_t pid = 0;
	int fd = fut_scan_spawner_spawn(sp, &pid, &error);

	g_assert_no_error(error);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	return pid;
}

static guint
count_fds(pid_t pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/fd", (int)pid);
	GDir *d = g_dir_open(path, 0, NULL);
	guint n = 0;

	g_assert_nonnull(d);
	while (g_dir_read_name(d) != NULL)
		n++;
	g_dir_close(d);
	return n;
}

/* The pid namespace's last pid: the next process made gets the one after it. */
static gboolean
set_last_pid(const gchar *pid)
{
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	gboolean ok;

	if (fd < 0)
		return FALSE;
	ok = write(fd, pid, strlen(pid)) == (ssize_t)strlen(pid);
	close(fd);
	return ok;
}

/* The agent reaps the workers (they are its children), so a worker that ended on its own may
 * have its pid taken by another process before the pool's kill request for it reaches the
 * spawner. Before, the spawner killed whatever had that pid then. Here the pid is given to a
 * bystander on purpose (ns_last_pid), and the kill request must leave it alone. */
static void
test_reused_pid(void)
{
	g_autofree gchar *dir = NULL;
	g_autofree gchar *program = NULL;
	FutScanSpawner *sp = test_spawner(&dir, &program);
	gboolean reused = FALSE;

	if (sp == NULL)
		return;
	for (int attempt = 0; attempt < 20 && !reused; attempt++) {
		pid_t worker = spawn_one(sp), bystander;
		g_autofree gchar *last = g_strdup_printf("%d", (int)worker - 1);
		int status;

		/* it ends on its own (here: killed by someone else), and the agent reaps it */
		g_assert_cmpint(kill(worker, SIGKILL), ==, 0);
		g_assert_cmpint(waitpid(worker, NULL, 0), ==, worker);
		/* the next process made takes its pid, unless another one on the machine came
		 * first: then try again */
		if (!set_last_pid(last)) {
			g_test_skip("cannot write /proc/sys/kernel/ns_last_pid");
			break;
		}
		bystander = fork();
		g_assert_cmpint(bystander, >=, 0);
		if (bystander == 0) {
			pause();
			_exit(0);
		}
		if (bystander == worker) {
			reused = TRUE;
			fut_scan_spawner_kill(sp, worker);
			/* the spawner answers in order: once the next start is answered, the kill
			 * request before it has been handled */
			kill(spawn_one(sp), SIGKILL);
			g_usleep(100 * 1000);
			g_assert_cmpint(waitpid(bystander, &status, WNOHANG), ==, 0);
		}
		kill(bystander, SIGKILL);
		waitpid(bystander, NULL, 0);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	if (!reused && !g_test_failed())
		g_test_skip(
		    "no process here took a freed worker's pid in 20 tries (a busy machine)");
	fut_scan_spawner_free(sp);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	g_unlink(program);
	g_rmdir(dir);
}

/* Workers that end without a kill request leave no descriptor in the spawner. */
static void
test_ended_forgotten(void)
{
	g_autofree gchar *dir = NULL;
	g_autofree gchar *program = NULL;
	FutScanSpawner *sp = test_spawner(&dir, &program);
	guint before;

	if (sp == NULL)
		return;
	kill(spawn_one(sp), SIGKILL);
	before = count_fds(fut_scan_spawner_get_pid(sp));
	for (int i = 0; i < 40; i++) {
		pid_t w = spawn_one(sp);

		kill(w, SIGKILL);
		waitpid(w, NULL, 0);
	}
	/* one more request: the spawner looks at what ended before it answers */
	kill(spawn_one(sp), SIGKILL);
	g_assert_cmpuint(count_fds(fut_scan_spawner_get_pid(sp)), <=, before + 2);
	fut_scan_spawner_free(sp);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	g_unlink(program);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/scanspawn/late-answer", test_late_answer);
	g_test_add_func("/agent/scanspawn/reused-pid", test_reused_pid);
	g_test_add_func("/agent/scanspawn/ended-forgotten", test_ended_forgotten);
	return g_test_run();
}
