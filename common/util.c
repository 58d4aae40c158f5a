/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "util.h"

void
fut_memzero(gpointer p, gsize len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

void
fut_secret_free(gchar *secret)
{
	if (secret == NULL)
		return;
	fut_memzero(secret, strlen(secret));
	g_free(secret);
}

gchar *
fut_hex_encode(const guint8 *data, gsize len)
{
	static const gchar digits[] = "0123456789abcdef";
	gchar *out = g_malloc(len * 2 + 1);

	for (gsize i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0x0f];
	}
	out[len * 2] = '\0';
	return out;
}

static gint
hex_value(gchar c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

gboolean
fut_hex_decode(const gchar *hex, guint8 *out, gsize out_len, GError **error)
{
	gsize len = strlen(hex);

	if (len != out_len * 2) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("hex value has %zu characters, expected %zu"), len, out_len * 2);
		return FALSE;
	}
	for (gsize i = 0; i < out_len; i++) {
		gint hi = hex_value(hex[2 * i]);
		gint lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("hex value has a character that is not 0-9 or a-f"));
			return FALSE;
		}
		out[i] = (guint8)(hi << 4 | lo);
	}
	return TRUE;
}

/* Characters that render invisibly or reorder text: a file name carrying them could make a
 * log line or a review screen lie about what it shows. */
gboolean
fut_unichar_is_deceptive(gunichar c)
{
	GUnicodeType t = g_unichar_type(c);

	return t == G_UNICODE_FORMAT || t == G_UNICODE_CONTROL || t == G_UNICODE_LINE_SEPARATOR ||
	       t == G_UNICODE_PARAGRAPH_SEPARATOR || t == G_UNICODE_UNASSIGNED ||
	       t == G_UNICODE_SURROGATE || t == G_UNICODE_PRIVATE_USE;
}

gchar *
fut_strescape(const gchar *s, gssize len)
{
	GString *out;
	const gchar *p;
	const gchar *end;

	if (s == NULL)
		return g_strdup("");
	if (len < 0)
		len = (gssize)strlen(s);
	out = g_string_sized_new((gsize)len + 8);
	p = s;
	end = s + len;
	while (p < end) {
		guchar c = (guchar)*p;
		if (c < 0x80) {
			if (c == '\\')
				g_string_append(out, "\\\\");
			else if (c == '\n')
				g_string_append(out, "\\n");
			else if (c == '\t')
				g_string_append(out, "\\t");
			else if (c == '\r')
				g_string_append(out, "\\r");
			else if (c < 0x20 || c == 0x7f)
				g_string_append_printf(out, "\\x%02x", c);
			else
				g_string_append_c(out, (gchar)c);
			p++;
			continue;
		}
		gunichar u = g_utf8_get_char_validated(p, end - p);
		if (u == (gunichar)-1 || u == (gunichar)-2) {
			g_string_append_printf(out, "\\x%02x", c);
			p++;
			continue;
		}
		const gchar *next = g_utf8_next_char(p);
		if (fut_unichar_is_deceptive(u))
			g_string_append_printf(out, "\\u{%04X}", u);
		else
			g_string_append_len(out, p, next - p);
		p = next;
	}
	return g_string_free(out, FALSE);
}

gboolean
fut_file_read_bounded(
    const gchar *path, gsize max_len, gchar **ret_data, gsize *ret_len, GError **error)
{
	g_autofree gchar *buf = NULL;
	g_autofree gchar *safe = fut_strescape(path, -1);
	struct stat st;
	gsize have = 0, cap;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
			            _("%s: is a symbolic link; refusing to follow it"), safe);
			return FALSE;
		}
		return fut_error_set_errno(error, e, safe);
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return fut_error_set_errno(error, e, safe);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("%s: not a regular file"),
		            safe);
		return FALSE;
	}
	/* Size the buffer from fstat() (never from the limit, which may be hundreds of MiB),
	 * grow it if the file grew, and read one byte past the limit so a file that grew
	 * beyond it is caught too. */
	cap = (gsize)MIN((guint64)st.st_size, (guint64)max_len) + 2;
	buf = g_malloc(cap);
	for (;;) {
		ssize_t n;

		if (have + 1 >= cap) {
			/* not g_realloc(): the old buffer may hold a secret, wipe it first */
			gsize ncap = cap > (max_len + 2) / 2 ? max_len + 2 : cap * 2;
			gchar *nbuf = g_malloc(ncap);
			memcpy(nbuf, buf, have);
			fut_memzero(buf, cap);
			g_free(buf);
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + have, MIN(cap - 1, max_len + 1) - have);
		if (n < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			close(fd);
			return fut_error_set_errno(error, e, safe);
		}
		if (n == 0)
			break;
		have += (gsize)n;
		if (have > max_len) {
			close(fd);
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("%s: larger than the limit of %zu bytes"), safe, max_len);
			return FALSE;
		}
	}
	close(fd);
	buf[have] = '\0';
	*ret_data = g_steal_pointer(&buf);
	*ret_len = have;
	return TRUE;
}

gboolean
fut_file_write_new(const gchar *path, const void *data, gsize len, mode_t mode, GError **error)
{
	g_autofree gchar *safe = fut_strescape(path, -1);
	const guint8 *p = data;
	gsize done = 0;
	int fd;
	int e;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0)
		return fut_error_set_errno(error, errno, safe);
	/* The umask may have narrowed @mode; never widen it, but make it exact when asked for
	 * something stricter than the umask allows. */
	if (fchmod(fd, mode) < 0)
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		done += (gsize)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	return TRUE;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(path);
	return fut_error_set_errno(error, e, safe);
}

gchar *
fut_mountinfo_unescape(const gchar *s)
{
	GString *out = g_string_new(NULL);

	for (const gchar *p = s; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			g_string_append_c(
			    out, (gchar)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
			p += 3;
		} else {
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}
