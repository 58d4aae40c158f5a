/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The request-path hint from futari to futari-notify (futari-hint.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "futari-hint.h"

#define HINT_MAX 4096

/* A request id as the agent makes them (hex, with '-' allowed): nothing that can walk
 * out of the folder. */
static gboolean
id_ok(const gchar *id)
{
	gsize n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n > 128)
		return FALSE;
	for (const gchar *p = id; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '-')
			return FALSE;
	}
	return TRUE;
}

static gchar *
hint_dir(void)
{
	const gchar *run = g_getenv("XDG_RUNTIME_DIR");

	if (run == NULL || !g_path_is_absolute(run))
		return NULL;
	return g_build_filename(run, "futari", "requests", NULL);
}

static gboolean
path_ok(const gchar *p, gsize len)
{
	if (len == 0 || strlen(p) != len || !g_path_is_absolute(p) || !g_utf8_validate(p, -1, NULL))
		return FALSE;
	for (const gchar *c = p; *c != '\0'; c++) {
		if ((guchar)*c < 0x20 || *c == 0x7f)
			return FALSE;
	}
	return TRUE;
}

gboolean
fut_request_hint_write(const gchar *request_id, const gchar *request_path)
{
	g_autofree gchar *dir = hint_dir();
	g_autofree gchar *path = NULL;
	gsize len = request_path != NULL ? strlen(request_path) : 0;
	int fd;
	gboolean ok;

	if (dir == NULL || !id_ok(request_id) || len >= HINT_MAX || !path_ok(request_path, len) ||
	    g_mkdir_with_parents(dir, 0700) < 0)
		return FALSE;
	path = g_build_filename(dir, request_id, NULL);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return FALSE;
	ok = write(fd, request_path, len) == (ssize_t)len;
	close(fd);
	if (!ok)
		unlink(path);
	return ok;
}

gchar *
fut_request_hint_take(const gchar *request_id)
{
	g_autofree gchar *dir = hint_dir();
	g_autofree gchar *path = NULL;
	g_autofree gchar *buf = NULL;
	struct stat st;
	ssize_t n;
	int fd;

	if (dir == NULL || !id_ok(request_id))
		return NULL;
	path = g_build_filename(dir, request_id, NULL);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	buf = g_malloc0(HINT_MAX + 1);
	/* Only the user's own regular file, and only its first HINT_MAX bytes. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid()) {
		close(fd);
		return NULL;
	}
	do
		n = read(fd, buf, HINT_MAX);
	while (n < 0 && errno == EINTR);
	close(fd);
	unlink(path);
	if (n <= 0 || n >= HINT_MAX || !path_ok(buf, (gsize)n))
		return NULL;
	return g_steal_pointer(&buf);
}
