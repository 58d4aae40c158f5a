/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agentconf.h"
#include "errors.h"
#include "keyfile.h"
#include "util.h"

static FutConfig *
parse(const gchar *text, GError **error)
{
	return fut_config_parse("/etc/futari/agent.conf", text, strlen(text), error);
}

static void
test_defaults(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutConfig) c = parse("# nothing set\n", &error);

	g_assert_no_error(error);
	g_assert_nonnull(c);
	g_assert_false(c->export_unregistered);
	g_assert_true(g_str_has_suffix(c->socket, "/futari/agent.sock"));
	g_assert_cmpuint(c->max_message, ==, 64 * 1024);
	g_assert_cmpuint(c->export_queue_seconds, ==, 300);
}

static void
test_values(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutConfig) c = parse("[paths]\n"
	                               "socket = /tmp/x/agent.sock\n"
	                               "spool-dir=/tmp/x/spool\n"
	                               "\n"
	                               "[usb]\n"
	                               "export-to-unregistered = true\n"
	                               "[limits]\n"
	                               "max-message = 2048\n"
	                               "export-queue-seconds = 7\n"
	                               "spool-bytes-per-uid = 10000000000\n",
	                               &error);

	g_assert_no_error(error);
	g_assert_cmpstr(c->socket, ==, "/tmp/x/agent.sock");
	g_assert_cmpstr(c->spool_dir, ==, "/tmp/x/spool");
	g_assert_true(c->export_unregistered);
	g_assert_cmpuint(c->max_message, ==, 2048);
	g_assert_cmpuint(c->spool_bytes_per_uid, ==, G_GUINT64_CONSTANT(10000000000));
	g_assert_cmpuint(c->export_queue_seconds, ==, 7);
}

static void
test_upload(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutConfig) none = parse("[paths]\n", &error);
	g_autoptr(FutConfig) c = NULL;

	g_assert_no_error(error);
	g_assert_false(none->upload_enabled);
	g_assert_null(none->upload_filesystems);
	c = parse("[upload]\n"
	          "filesystems = /home; /srv;\n"
	          "programs = /usr/bin/curl;/usr/bin/wget\n"
	          "names = firefox\n"
	          "observe = /home\n"
	          "digest-max = 1000\n"
	          "mounts = /tmp;/run/user/[0-9]*\n"
	          "deadline-ms = 500\n"
	          "observe-per-minute = 5\n",
	          &error);
	g_assert_no_error(error);
	g_assert_true(c->upload_enabled);
	g_assert_cmpuint(g_strv_length(c->upload_filesystems), ==, 2);
	g_assert_cmpstr(c->upload_filesystems[1], ==, "/srv");
	g_assert_cmpstr(c->upload_programs[1], ==, "/usr/bin/wget");
	g_assert_cmpstr(c->upload_names[0], ==, "firefox");
	g_assert_cmpstr(c->upload_observe[0], ==, "/home");
	g_assert_cmpuint(c->upload_digest_max, ==, 1000);
	g_assert_cmpuint(c->upload_learn_max, ==, 1024 * 1024);
	g_assert_cmpuint(c->upload_observe_interval, ==, 3600);
	g_assert_cmpuint(c->upload_observe_per_minute, ==, 5);
	g_assert_cmpstr(c->upload_mounts[1], ==, "/run/user/[0-9]*");
	g_assert_cmpuint(c->upload_deadline_ms, ==, 500);
	g_assert_cmpuint(none->upload_deadline_ms, ==, 3000);
	/* Garbage: a relative mount pattern, a deadline out of range. */
	{
		g_autoptr(GError) e1 = NULL, e2 = NULL;
		g_autoptr(FutConfig) bad1 =
		    parse("[upload]\nfilesystems = /home\nnames = curl\nmounts = tmp\n", &e1);
		g_autoptr(FutConfig) bad2 =
		    parse("[upload]\nfilesystems = /home\nnames = curl\ndeadline-ms = 10\n", &e2);
		g_assert_null(bad1);
		g_assert_nonnull(e1);
		g_assert_null(bad2);
		g_assert_nonnull(e2);
	}
}

/* [upload] taint-exempt-peers: the default list when not given, "none", a list of absolute
 * paths; garbage refused with a one-line reason naming the line and the key. */
static void
test_taint_exempt_peers(void)
{
	static const gchar *const bad[] = {
	    "[upload]\nfilesystems = /home\nnames = curl\ntaint-exempt-peers = dbus-daemon\n",
	    "[upload]\nfilesystems = /home\nnames = curl\ntaint-exempt-peers = /usr/../bin/sh\n",
	    "[upload]\nfilesystems = /home\nnames = curl\ntaint-exempt-peers = /run/./x\n",
	    "[upload]\nfilesystems = /home\nnames = curl\ntaint-exempt-peers = ;\n",
	    "[upload]\nfilesystems = /home\nnames = curl\ntaint-exempt-peers = /a;none\n",
	    "[upload]\nfilesystems = /home\nnames = curl\ntaint-exempt-peers = /a\001b\n",
	    "[upload]\nfilesystems = /home\nnames = curl\ntaint-exempt-peers = NONE\n",
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(FutConfig) def = parse("[upload]\nfilesystems = /home\nnames = curl\n", &error);
	g_autoptr(FutConfig) none = NULL;
	g_autoptr(FutConfig) list = NULL;
	g_autoptr(GString) many = g_string_new("[upload]\nfilesystems = /home\nnames = curl\n"
	                                       "taint-exempt-peers = ");

	g_assert_no_error(error);
	g_assert_true(g_strv_contains((const gchar *const *)def->upload_taint_exempt_peers,
	                              "/usr/lib/systemd/systemd-journald"));
	g_assert_true(g_strv_contains((const gchar *const *)def->upload_taint_exempt_peers,
	                              "/run/dbus/system_bus_socket"));
	none = parse("[upload]\nfilesystems = /home\nnames = curl\ntaint-exempt-peers = none\n",
	             &error);
	g_assert_no_error(error);
	g_assert_nonnull(none->upload_taint_exempt_peers);
	g_assert_cmpuint(g_strv_length(none->upload_taint_exempt_peers), ==, 0);
	list = parse("[upload]\nfilesystems = /home\nnames = curl\n"
	             "taint-exempt-peers = /usr/bin/dbus-daemon; /run/my app/log.sock;\n",
	             &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_strv_length(list->upload_taint_exempt_peers), ==, 2);
	g_assert_cmpstr(list->upload_taint_exempt_peers[1], ==, "/run/my app/log.sock");
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(FutConfig) c = parse(bad[i], &e);
		g_assert_null(c);
		g_assert_error(e, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		/* The line of the key (and the key, but for the keyfile's own refusals). */
		g_assert_nonnull(strstr(e->message, ":4:"));
		g_assert_true(strstr(e->message, "taint-exempt-peers") != NULL ||
		              strchr(bad[i], 0x01) != NULL);
		g_assert_null(strchr(e->message, '\n'));
	}
	/* Bounded: more than 256 entries are refused. */
	for (guint i = 0; i < 257; i++)
		g_string_append_printf(many, "/p%u;", i);
	g_string_append_c(many, '\n');
	{
		g_autoptr(GError) e = NULL;
		g_autoptr(FutConfig) c = parse(many->str, &e);
		g_assert_null(c);
		g_assert_nonnull(e);
	}
}

/* [upload] system: the system folders by default, "none", a list of absolute paths;
 * garbage refused with a one-line reason naming the line and the key. */
static void
test_upload_system(void)
{
	static const gchar *const bad[] = {
	    "[upload]\nfilesystems = /home\nnames = curl\nsystem = usr\n",
	    "[upload]\nfilesystems = /home\nnames = curl\nsystem = /usr/../home\n",
	    "[upload]\nfilesystems = /home\nnames = curl\nsystem = ;\n",
	    "[upload]\nfilesystems = /home\nnames = curl\nsystem = /usr;none\n",
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(FutConfig) def = parse("[upload]\nfilesystems = /home\nnames = curl\n", &error);
	g_autoptr(FutConfig) none = NULL;
	g_autoptr(FutConfig) list = NULL;

	g_assert_no_error(error);
	g_assert_true(g_strv_contains((const gchar *const *)def->upload_system, "/usr"));
	g_assert_true(g_strv_contains((const gchar *const *)def->upload_system, "/opt"));
	g_assert_false(g_strv_contains((const gchar *const *)def->upload_system, "/home"));
	g_assert_false(g_strv_contains((const gchar *const *)def->upload_system, "/srv"));
	/* the agent's spool is under /var/lib: never the system's own as a whole */
	g_assert_false(g_strv_contains((const gchar *const *)def->upload_system, "/var/lib"));
	g_assert_true(g_strv_contains((const gchar *const *)def->upload_system, "/var/lib/apt"));
	none = parse("[upload]\nfilesystems = /home\nnames = curl\nsystem = none\n", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_strv_length(none->upload_system), ==, 0);
	list =
	    parse("[upload]\nfilesystems = /home\nnames = curl\nsystem = /usr;/opt/app\n", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_strv_length(list->upload_system), ==, 2);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(FutConfig) c = parse(bad[i], &e);
		g_assert_null(c);
		g_assert_error(e, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_nonnull(strstr(e->message, ":4:"));
		g_assert_nonnull(strstr(e->message, "system"));
		g_assert_null(strchr(e->message, '\n'));
	}
}

/* [scan-worker] (issue 17): defaults, values, and garbage refused with a one-line reason
 * naming the line. */
static void
test_scan_worker(void)
{
	static const gchar *const bad[] = {
	    "[scan-worker]\nuser = a;b\n",
	    "[scan-worker]\nuser = ../root\n",
	    "[scan-worker]\nuser = \n",
	    "[scan-worker]\nprogram = futari-scan-worker\n",
	    "[scan-worker]\nprogram = /usr/../bin/sh\n",
	    "[scan-worker]\nworkers = 0\n",
	    "[scan-worker]\nworkers = 65\n",
	    "[scan-worker]\ntimeout-ms = 99\n",
	    "[scan-worker]\ntimeout-ms = -1\n",
	    "[scan-worker]\ncpu-seconds = 0\n",
	    "[scan-worker]\nfiles-per-worker = 0\n",
	    "[scan-worker]\nfiles-per-worker = 1000001\n",
	    "[scan-worker]\nfiles-per-worker = many\n",
	    "[scan-worker]\nmemory = 1000\n",
	    "[scan-worker]\nchroot = /var/empty\n",
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(FutConfig) d = parse("[paths]\n", &error);
	g_autoptr(FutConfig) c = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(d->scan_user, ==, "futari-scan");
	g_assert_true(g_str_has_suffix(d->scan_program, "/futari/futari-scan-worker"));
	g_assert_cmpuint(d->scan_workers, ==, 16);
	g_assert_cmpuint(d->scan_timeout_ms, ==, 30000);
	g_assert_cmpuint(d->scan_files_per_worker, ==, 1000);
	c = parse("[scan-worker]\nuser = nobody\nprogram = /opt/w\nworkers = 2\n"
	          "timeout-ms = 1500\ncpu-seconds = 5\nmemory = 536870912\nfiles-per-worker = 3\n",
	          &error);
	g_assert_no_error(error);
	g_assert_cmpstr(c->scan_user, ==, "nobody");
	g_assert_cmpstr(c->scan_program, ==, "/opt/w");
	g_assert_cmpuint(c->scan_workers, ==, 2);
	g_assert_cmpuint(c->scan_timeout_ms, ==, 1500);
	g_assert_cmpuint(c->scan_files_per_worker, ==, 3);
	g_assert_cmpuint(c->scan_cpu, ==, 5);
	g_assert_cmpuint(c->scan_memory, ==, 536870912);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(FutConfig) x = parse(bad[i], &e);
		if (x != NULL)
			g_error("accepted: %s", bad[i]);
		g_assert_nonnull(e);
		g_assert_null(strchr(e->message, '\n'));
		g_assert_true(strstr(e->message, "agent.conf:2") != NULL);
	}
}

static void
test_policy(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutConfig) c = parse("[approval]\nclass-ii-approvals = 2\n", &error);

	g_assert_no_error(error);
	g_assert_cmpuint(fut_policy_get_rule(c->policy, FUT_CLASS_II)->approvals, ==, 2);
}

/* Every refusal names the file and the line of the offending key. */
static void
test_refusals(void)
{
	static const struct {
		const gchar *text;
		const gchar *where;
		const gchar *why;
	} cases[] = {
	    {"[paths]\nsocket = /a\nsokcet = /b\n", ":3:", "unknown key 'sokcet'"},
	    {"[paths]\n\n[usbb]\nx = 1\n", ":3:", "unknown group [usbb]"},
	    {"[paths]\nsocket = /a\nsocket = /b\n", ":3:", "duplicate key 'socket'"},
	    {"[usb]\n[paths]\n[usb]\n", ":3:", "duplicate group"},
	    {"socket = /a\n", ":1:", "before the first [group]"},
	    {"[paths]\njust text\n", ":2:", "not a [group]"},
	    {"[paths\n", ":1:", "malformed group"},
	    {"[paths]\nsocket[ja] = /a\n", ":2:", "localised"},
	    {"[paths]\nsocket = relative/path\n", ":2:", "absolute path"},
	    {"[paths]\nsocket = /a/../b\n", ":2:", "plain absolute path"},
	    {"[paths]\nsocket = /a//b\n", ":2:", "plain absolute path"},
	    {"[usb]\nexport-to-unregistered = yes\n", ":2:", "true or false"},
	    {"[limits]\nmax-message = 10\n", ":2:", "whole number from 1024"},
	    {"[limits]\nmax-message = -5\n", ":2:", "whole number"},
	    {"[limits]\nmax-message = 0x100\n", ":2:", "whole number"},
	    {"[limits]\nexport-queue-seconds = 0\n", ":2:", "whole number from 1"},
	    {"[limits]\nexport-queue-seconds = 3601\n", ":2:", "to 3600"},
	    {"[limits]\nexport-queue-seconds = soon\n", ":2:", "whole number"},
	    {"[limits]\nexport-files-at-once = 0\n", ":2:", "whole number from 1"},
	    {"[limits]\nexport-files-at-once = many\n", ":2:", "whole number"},
	    {"[limits]\nexport-files-per-minute = 1000001\n", ":2:", "to 1000000"},
	    {"[limits]\nexport-files-per-minute = -1\n", ":2:", "whole number"},
	    {"[limits]\nmax-message = 99999999999999999999999\n", ":2:", "whole number"},
	    {"[paths]\nsocket = /a\x01\n", ":2:", "control character"},
	    {"[paths]\n\nsocket = \xff\n", ":3:", "UTF-8"},
	    {"[paths]\nspool-dir = /x\nlog-dir = /x\n", "agent.conf:", "different directories"},
	    {"[limits]\nmax-export-bytes = 100\nspool-bytes-per-uid = 10\n",
	     "agent.conf:", "must not exceed"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(FutConfig) c = parse(cases[i].text, &error);

		g_assert_null(c);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		if (strstr(error->message, cases[i].where) == NULL ||
		    strstr(error->message, cases[i].why) == NULL)
			g_error("case %zu: '%s' lacks '%s' or '%s'", i, error->message,
			        cases[i].where, cases[i].why);
		g_assert_null(strchr(error->message, '\n'));
	}
}

static void
test_nul(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutConfig) c = fut_config_parse("x.conf", "[paths]\n\0x", 10, &error);
	g_assert_null(c);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "x.conf:2:"));
}

/* Random bytes and mutations of a valid file: refused or accepted, never a crash. */
static void
test_garbage(void)
{
	const gchar *base = "[paths]\nsocket = /run/a.sock\n[limits]\nmax-message = 4096\n";
	GRand *r = g_rand_new_with_seed(5);

	for (guint i = 0; i < 3000; i++) {
		gsize len = strlen(base);
		g_autofree gchar *buf = g_strdup(base);
		g_autoptr(GError) error = NULL;
		g_autoptr(FutConfig) c = NULL;

		for (guint k = 0; k < 1 + i % 4; k++)
			buf[g_rand_int_range(r, 0, (gint32)len)] =
			    (gchar)g_rand_int_range(r, 0, 256);
		c = fut_config_parse("g.conf", buf, len, &error);
		g_assert_true((c == NULL) != (error == NULL));
		if (error != NULL) {
			g_assert_true(g_str_has_prefix(error->message, "g.conf"));
			g_assert_true(g_utf8_validate(error->message, -1, NULL));
		}
	}
	g_rand_free(r);
}

/* The ownership check, exercised with the test's own uid: the agent passes 0. */
static void
test_owner(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("futari-conf-XXXXXX", NULL);
	g_autofree gchar *file = g_build_filename(dir, "agent.conf", NULL);
	g_autofree gchar *missing = g_build_filename(dir, "missing.conf", NULL);
	uid_t me = getuid();

	g_assert_cmpint(chmod(dir, 0755), ==, 0);
	g_assert_true(g_file_set_contents(file, "[paths]\n", -1, NULL));
	g_assert_cmpint(chmod(file, 0644), ==, 0);
	g_assert_true(fut_config_check_file_owner(file, me, FALSE, FALSE, &error));
	g_assert_no_error(error);

	/* Readable by others: fine for config, not for a private key. */
	g_assert_false(fut_config_check_file_owner(file, me, TRUE, FALSE, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_PERMISSION);
	g_clear_error(&error);

	g_assert_cmpint(chmod(file, 0664), ==, 0);
	g_assert_false(fut_config_check_file_owner(file, me, FALSE, FALSE, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_PERMISSION);
	g_assert_nonnull(strstr(error->message, "writable by group or others"));
	g_clear_error(&error);
	g_assert_cmpint(chmod(file, 0644), ==, 0);

	/* A writable directory lets anyone replace the file. */
	g_assert_cmpint(chmod(dir, 0777), ==, 0);
	g_assert_false(fut_config_check_file_owner(file, me, FALSE, FALSE, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_PERMISSION);
	g_clear_error(&error);
	g_assert_cmpint(chmod(dir, 0755), ==, 0);

	/* Owned by someone else. */
	g_assert_false(fut_config_check_file_owner(file, me + 1, FALSE, FALSE, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_PERMISSION);
	g_clear_error(&error);

	g_assert_true(fut_config_check_file_owner(missing, me, FALSE, TRUE, &error));
	g_assert_false(fut_config_check_file_owner(missing, me, FALSE, FALSE, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_IO);
	g_clear_error(&error);

	g_unlink(file);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/config/defaults", test_defaults);
	g_test_add_func("/agent/config/values", test_values);
	g_test_add_func("/agent/config/refusals", test_refusals);
	g_test_add_func("/agent/config/policy", test_policy);
	g_test_add_func("/agent/config/upload", test_upload);
	g_test_add_func("/agent/config/taint-exempt-peers", test_taint_exempt_peers);
	g_test_add_func("/agent/config/upload-system", test_upload_system);
	g_test_add_func("/agent/config/scan-worker", test_scan_worker);
	g_test_add_func("/agent/config/nul", test_nul);
	g_test_add_func("/agent/config/garbage", test_garbage);
	g_test_add_func("/agent/config/owner", test_owner);
	return g_test_run();
}
