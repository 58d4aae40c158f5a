/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "procinfo.h"

static gboolean
parse_u64(const gchar *s, gsize len, guint64 *ret, const gchar *what, GError **error)
{
	guint64 v = 0;

	if (len == 0 || len > 20) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "%s: not a number", what);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "%s: not a number",
			            what);
			return FALSE;
		}
		if (v > (G_MAXUINT64 - (guint64)(s[i] - '0')) / 10) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            "%s: number too large", what);
			return FALSE;
		}
		v = v * 10 + (guint64)(s[i] - '0');
	}
	*ret = v;
	return TRUE;
}

gboolean
fut_procinfo_parse_stat(
    const gchar *text, gsize len, guint64 *ret_starttime, guint32 *ret_flags, GError **error)
{
	const gchar *p = NULL;
	const gchar *end = text + len;
	guint64 starttime = 0, flags = 0;
	guint field = 2; /* the field the last ')' closes */

	for (gsize i = 0; i < len; i++) {
		if (text[i] == ')')
			p = text + i;
		else if (text[i] == '\0')
			break;
	}
	if (p == NULL || memchr(text, '(', (gsize)(p - text)) == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            "/proc stat: no command name in parentheses");
		return FALSE;
	}
	p++;
	/* Fields after the command name are single-space separated tokens. */
	while (p < end && field < 22) {
		const gchar *tok;
		gsize toklen;

		if (*p != ' ') {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            "/proc stat: malformed after field %u", field);
			return FALSE;
		}
		p++;
		tok = p;
		while (p < end && *p != ' ' && *p != '\n' && *p != '\0')
			p++;
		toklen = (gsize)(p - tok);
		field++;
		if (toklen == 0) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            "/proc stat: empty field %u", field);
			return FALSE;
		}
		if (field == 9 && !parse_u64(tok, toklen, &flags, "/proc stat flags", error))
			return FALSE;
		if (field == 22 &&
		    !parse_u64(tok, toklen, &starttime, "/proc stat start time", error))
			return FALSE;
	}
	if (field < 22) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "/proc stat: only %u fields",
		            field);
		return FALSE;
	}
	if (flags > G_MAXUINT32) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            "/proc stat: flags out of range");
		return FALSE;
	}
	*ret_starttime = starttime;
	*ret_flags = (guint32)flags;
	return TRUE;
}

gboolean
fut_procinfo_parse_status_uid(const gchar *text, gsize len, guint32 *ret_uid, GError **error)
{
	const gchar *p = text;
	const gchar *end = text + len;

	while (p < end) {
		const gchar *eol = memchr(p, '\n', (gsize)(end - p));
		gsize linelen = eol != NULL ? (gsize)(eol - p) : (gsize)(end - p);

		if (linelen > 4 && memcmp(p, "Uid:", 4) == 0) {
			const gchar *q = p + 4;
			const gchar *lend = p + linelen;
			const gchar *tok;
			guint64 uid = 0;

			while (q < lend && (*q == '\t' || *q == ' '))
				q++;
			tok = q;
			while (q < lend && *q >= '0' && *q <= '9')
				q++;
			if (q == tok || (q < lend && *q != '\t' && *q != ' ') ||
			    !parse_u64(tok, (gsize)(q - tok), &uid, "/proc status Uid", error))
				goto bad;
			if (uid >= G_MAXUINT32)
				goto bad;
			*ret_uid = (guint32)uid;
			return TRUE;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
bad:
	g_clear_error(error);
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "/proc status: no valid Uid line");
	return FALSE;
}

gboolean
fut_procinfo_parse_loginuid(const gchar *text, gsize len, guint32 *ret_loginuid, GError **error)
{
	guint64 v = 0;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (!parse_u64(text, len, &v, "/proc loginuid", error))
		return FALSE;
	if (v > G_MAXUINT32) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            "/proc loginuid: out of range");
		return FALSE;
	}
	*ret_loginuid = (guint32)v;
	return TRUE;
}

gboolean
fut_procinfo_read(pid_t pid, const gchar *name, gchar **ret_text, gsize *ret_len, GError **error)
{
	gchar path[64];
	g_autofree gchar *buf = g_malloc(FUT_PROCINFO_READ_MAX + 1);
	gsize len = 0;
	int fd;

	g_snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fut_error_set_errno(error, errno, path);
	while (len < FUT_PROCINFO_READ_MAX) {
		ssize_t n = read(fd, buf + len, FUT_PROCINFO_READ_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return fut_error_set_errno(error, e, path);
		}
		if (n == 0)
			break;
		len += (gsize)n;
	}
	close(fd);
	buf[len] = '\0';
	*ret_len = len;
	*ret_text = g_steal_pointer(&buf);
	return TRUE;
}

gchar *
fut_procinfo_read_exe(pid_t pid, GError **error)
{
	gchar path[64];
	gchar target[PATH_MAX];
	ssize_t n;

	g_snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	n = readlink(path, target, sizeof target);
	if (n < 0) {
		fut_error_set_errno(error, errno, path);
		return NULL;
	}
	if ((gsize)n >= sizeof target) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE, "%s: path too long", path);
		return NULL;
	}
	return g_strndup(target, (gsize)n);
}

gchar *
fut_procinfo_read_comm(pid_t pid, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (!fut_procinfo_read(pid, "comm", &text, &len, error))
		return NULL;
	if (len > 0 && text[len - 1] == '\n')
		text[len - 1] = '\0';
	return g_steal_pointer(&text);
}

gboolean
fut_procinfo_read_uid(pid_t pid, guint32 *ret_uid, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (!fut_procinfo_read(pid, "status", &text, &len, error))
		return FALSE;
	return fut_procinfo_parse_status_uid(text, len, ret_uid, error);
}

gboolean
fut_procinfo_read_loginuid(pid_t pid, guint32 *ret_loginuid, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (!fut_procinfo_read(pid, "loginuid", &text, &len, error))
		return FALSE;
	return fut_procinfo_parse_loginuid(text, len, ret_loginuid, error);
}

gboolean
fut_procinfo_read_stat(pid_t pid, guint64 *ret_starttime, guint32 *ret_flags, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (!fut_procinfo_read(pid, "stat", &text, &len, error))
		return FALSE;
	return fut_procinfo_parse_stat(text, len, ret_starttime, ret_flags, error);
}
