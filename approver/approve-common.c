/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "approve-common.h"
#include "crypto.h"
#include "errors.h"
#include "fields.h"

gint
fut_approve_fail(GError *error)
{
	g_printerr("%s: %s\n", g_get_prgname(), error != NULL ? error->message : _("failed"));
	g_clear_error(&error);
	return FUT_EXIT_REFUSED;
}

gint
fut_approve_usage(const gchar *command, const gchar *message)
{
	g_printerr("%s: %s\n", g_get_prgname(), message);
	g_printerr(_("Try \"%s --help\".\n"), g_get_prgname());
	return FUT_EXIT_USAGE;
}

gboolean
fut_approve_check_root(gboolean allow_root, GError **error)
{
	if ((getuid() == 0 || geteuid() == 0) && !allow_root) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("refusing to run as root: approver and root keys belong to a person, "
		              "not to the system (use --allow-root to override)"));
		return FALSE;
	}
	return TRUE;
}

static gboolean
strip_line(gchar *s, GError **error)
{
	gsize n = strlen(s);

	if (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	if (n > 0 && s[n - 1] == '\r')
		s[--n] = '\0';
	if (strchr(s, '\n') != NULL || strchr(s, '\r') != NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the passphrase file must hold one line"));
		return FALSE;
	}
	return TRUE;
}

/* The terminal's settings while echo is off, for a signal to put back before the process
 * dies: Ctrl-C at the prompt must not leave the user's shell without echo. */
static int tty_fd = -1;
static struct termios tty_saved;
static const int tty_signals[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};

static void
tty_restore_and_die(int sig)
{
	if (tty_fd >= 0) {
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
		if (write(tty_fd, "\n", 1) < 0) {
			/* cosmetic */
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads one line from the terminal with echo off. */
static FutSecret *
read_tty(const gchar *prompt, GError **error)
{
	struct sigaction act = {0}, prev[G_N_ELEMENTS(tty_signals)];
	struct termios old, quiet;
	gchar buf[FUT_PASSPHRASE_MAX_LEN + 2];
	gsize have = 0;
	gboolean restored = FALSE;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	FutSecret *out = NULL;

	if (fd < 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
		            _("no terminal to read the passphrase from; use --passphrase-file"));
		return NULL;
	}
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
		            _("cannot turn off echo on the terminal; use --passphrase-file"));
		return NULL;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	tty_saved = old;
	tty_fd = fd;
	act.sa_handler = tty_restore_and_die;
	sigemptyset(&act.sa_mask);
	for (gsize i = 0; i < G_N_ELEMENTS(tty_signals); i++)
		sigaction(tty_signals[i], &act, &prev[i]);
	if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) < 0)
		goto out;
	while (have < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + have, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || buf[have] == '\n')
			break;
		have++;
	}
	buf[have] = '\0';
	tcsetattr(fd, TCSAFLUSH, &old);
	restored = TRUE;
	if (write(fd, "\n", 1) < 0) {
		/* the newline is cosmetic */
	}
	if (have >= sizeof(buf) - 1) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_PASSPHRASE,
		            _("the passphrase is longer than %d characters"),
		            FUT_PASSPHRASE_MAX_LEN);
		goto out;
	}
	out = g_strdup(buf);
out:
	if (!restored)
		tcsetattr(fd, TCSAFLUSH, &old);
	for (gsize i = 0; i < G_N_ELEMENTS(tty_signals); i++)
		sigaction(tty_signals[i], &prev[i], NULL);
	tty_fd = -1;
	fut_memzero(buf, sizeof(buf));
	close(fd);
	if (out == NULL && error != NULL && *error == NULL)
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED, _("cannot read from the terminal"));
	return out;
}

FutSecret *
fut_approve_read_passphrase(const gchar *file,
                            const gchar *prompt,
                            gboolean confirm,
                            GError **error)
{
	g_autoptr(FutSecret) first = NULL;
	g_autoptr(FutSecret) second = NULL;

	if (file != NULL) {
		gsize len = 0;
		if (!fut_file_read_bounded(file, FUT_PASSPHRASE_MAX_LEN + 2, &first, &len, error))
			return NULL;
		if (strlen(first) != len) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("the passphrase file holds a NUL byte"));
			return NULL;
		}
		if (!strip_line(first, error))
			return NULL;
		return g_steal_pointer(&first);
	}
	first = read_tty(prompt, error);
	if (first == NULL)
		return NULL;
	if (confirm) {
		second = read_tty(_("Repeat the passphrase: "), error);
		if (second == NULL)
			return NULL;
		if (!g_str_equal(first, second)) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_PASSPHRASE,
			            _("the two passphrases differ"));
			return NULL;
		}
	}
	return g_steal_pointer(&first);
}

gchar *
fut_approve_read_file(const gchar *path, gsize max, gsize *ret_len, GError **error)
{
	gchar *data = NULL;

	if (!fut_file_read_bounded(path, max, &data, ret_len, error))
		return NULL;
	return data;
}

gboolean
fut_approve_write_output(const gchar *path, const gchar *text, GError **error)
{
	if (path == NULL || g_str_equal(path, "-")) {
		fputs(text, stdout);
		return fflush(stdout) == 0 ||
		       fut_error_set_errno(error, errno, _("standard output"));
	}
	return fut_file_write_new(path, text, strlen(text), 0644, error);
}

FutRequest *
fut_approve_load_request(const gchar *path, GError **error)
{
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autofree gchar *text = NULL;
	g_autoptr(FutRequest) q = NULL;
	gsize len = 0;

	text = fut_approve_read_file(path, FUT_REQUEST_V2_TEXT_MAX, &len, error);
	if (text == NULL)
		return NULL;
	q = fut_request_parse(text, len, error);
	if (q == NULL || !fut_request_verify(q, error)) {
		g_prefix_error(error, "%s: ", safe);
		return NULL;
	}
	return g_steal_pointer(&q);
}

FutCertificate *
fut_approve_load_certificate(const gchar *path, GError **error)
{
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autofree gchar *text = NULL;
	FutCertificate *c;
	gsize len = 0;

	text = fut_approve_read_file(path, FUT_CERT_TEXT_MAX, &len, error);
	if (text == NULL)
		return NULL;
	c = fut_certificate_parse(text, len, error);
	if (c == NULL)
		g_prefix_error(error, "%s: ", safe);
	return c;
}

FutKey *
fut_approve_load_root(const gchar *path, GError **error)
{
	if (path == NULL) {
		if (!g_file_test(FUT_APPROVE_DEFAULT_ROOT, G_FILE_TEST_EXISTS))
			return NULL;
		path = FUT_APPROVE_DEFAULT_ROOT;
	}
	return fut_key_load_public(path, error);
}

FutPolicy *
fut_approve_load_policy(const gchar *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *safe = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (path == NULL) {
		if (!g_file_test(FUT_APPROVE_DEFAULT_CONFIG, G_FILE_TEST_EXISTS))
			return fut_policy_new_default();
		path = FUT_APPROVE_DEFAULT_CONFIG;
	}
	safe = fut_strescape(path, -1);
	text = fut_approve_read_file(path, 1024 * 1024, &len, error);
	if (text == NULL)
		return NULL;
	if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, error)) {
		g_prefix_error(error, "%s: ", safe);
		return NULL;
	}
	return fut_policy_load(kf, FUT_APPROVE_POLICY_GROUP, safe, error);
}

gboolean
fut_approve_check_not_revoked(const FutCertificate *cert,
                              const gchar *path,
                              const gchar *root_path,
                              GError **error)
{
	g_autoptr(FutRevocationList) crl = NULL;
	g_autoptr(FutKey) root = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *safe = NULL;
	gsize len = 0;

	if (path == NULL) {
		if (!g_file_test(FUT_APPROVE_DEFAULT_REVOCATIONS, G_FILE_TEST_EXISTS))
			return TRUE;
		path = FUT_APPROVE_DEFAULT_REVOCATIONS;
	}
	safe = fut_strescape(path, -1);
	text = fut_approve_read_file(path, 1024 * 1024, &len, error);
	if (text == NULL)
		return FALSE;
	crl = fut_revocation_list_parse(text, len, error);
	if (crl == NULL) {
		g_prefix_error(error, "%s: ", safe);
		return FALSE;
	}
	root = fut_approve_load_root(root_path, error);
	if (root == NULL && error != NULL && *error != NULL)
		return FALSE;
	if (root != NULL && !fut_revocation_list_verify(crl, root, error)) {
		g_prefix_error(error, "%s: ", safe);
		return FALSE;
	}
	if (fut_revocation_list_contains(crl, cert->serial)) {
		g_autofree gchar *serial = fut_certificate_dup_serial_string(cert);
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("your certificate %s is revoked (%s, sequence %llu); the agents "
		              "refuse what it signs: ask the security manager for a new one"),
		            serial, safe, (unsigned long long)crl->sequence);
		return FALSE;
	}
	return TRUE;
}

gint64
fut_approve_now(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

gchar *
fut_approve_format_time(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

	if (dt == NULL)
		return g_strdup("?");
	return g_date_time_format(dt, "%Y-%m-%d %H:%M:%S UTC");
}
