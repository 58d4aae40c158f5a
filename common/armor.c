/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "armor.h"
#include "errors.h"

#define BEGIN_PREFIX "-----BEGIN FUTARI "
#define END_PREFIX   "-----END FUTARI "
#define DASHES       "-----"
#define LABEL_MAX    32
#define B64_COLS     64

static gboolean
label_is_valid(const gchar *label, gsize len)
{
	if (len == 0 || len > LABEL_MAX || label[0] == ' ' || label[len - 1] == ' ')
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!((label[i] >= 'A' && label[i] <= 'Z') || label[i] == ' '))
			return FALSE;
	}
	return TRUE;
}

static gboolean
body_is_valid(const gchar *body)
{
	const gchar *p = body;

	if (!g_utf8_validate(body, -1, NULL))
		return FALSE;
	while (*p != '\0') {
		const gchar *nl = strchr(p, '\n');
		if (nl == NULL || (gsize)(nl - p) > FUT_ARMOR_LINE_MAX)
			return FALSE;
		for (const gchar *q = p; q < nl; q++) {
			if ((guchar)*q < 0x20 || *q == 0x7f)
				return FALSE;
		}
		if (g_str_has_prefix(p, "-----"))
			return FALSE;
		p = nl + 1;
	}
	return TRUE;
}

gchar *
fut_armor_encode_text(const gchar *label, const gchar *body)
{
	g_return_val_if_fail(label_is_valid(label, strlen(label)), NULL);
	g_return_val_if_fail(body_is_valid(body), NULL);
	return g_strconcat(BEGIN_PREFIX, label, DASHES "\n", body, END_PREFIX, label, DASHES "\n",
	                   NULL);
}

gchar *
fut_armor_encode_bytes(const gchar *label, const guint8 *data, gsize len)
{
	g_autofree gchar *b64 = g_base64_encode(data, len);
	g_autoptr(GString) body = g_string_new(NULL);
	gsize n = strlen(b64);

	for (gsize i = 0; i < n; i += B64_COLS) {
		g_string_append_len(body, b64 + i, MIN(B64_COLS, n - i));
		g_string_append_c(body, '\n');
	}
	return fut_armor_encode_text(label, body->str);
}

/* Returns the label of a BEGIN or END line (without line ending), or NULL. */
static gchar *
line_label(const gchar *line, gsize len, const gchar *prefix)
{
	gsize plen = strlen(prefix);

	if (len < plen + strlen(DASHES) + 1 || strncmp(line, prefix, plen) != 0 ||
	    strncmp(line + len - strlen(DASHES), DASHES, strlen(DASHES)) != 0)
		return NULL;
	if (!label_is_valid(line + plen, len - plen - strlen(DASHES)))
		return NULL;
	return g_strndup(line + plen, len - plen - strlen(DASHES));
}

gchar *
fut_armor_peek_label(const gchar *text, gsize len)
{
	const gchar *nl = memchr(text, '\n', MIN(len, 128));
	gsize n;

	if (nl == NULL)
		return NULL;
	n = (gsize)(nl - text);
	if (n > 0 && text[n - 1] == '\r')
		n--;
	return line_label(text, n, BEGIN_PREFIX);
}

/* Splits @text into lines, enforcing one consistent line ending. Returns the lines
 * without their endings; refuses empty input and a missing final line ending only on
 * lines other than the last. */
static GPtrArray *
split_lines(const gchar *text, gsize len, GError **error)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	gint crlf = -1; /* unknown until the first line ending */
	gsize start = 0;

	for (gsize i = 0; i < len; i++) {
		if (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n')) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("bare carriage return at byte %zu"), i);
			return NULL;
		}
		if (text[i] != '\n')
			continue;
		gboolean this_crlf = i > start && text[i - 1] == '\r';
		if (crlf == -1)
			crlf = this_crlf;
		else if (crlf != this_crlf) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("mixed line endings (LF and CRLF) in line %u"),
			            lines->len + 1);
			return NULL;
		}
		g_ptr_array_add(lines, g_strndup(text + start, i - start - (this_crlf ? 1 : 0)));
		start = i + 1;
	}
	if (start < len)
		g_ptr_array_add(lines, g_strndup(text + start, len - start));
	return g_steal_pointer(&lines);
}

gboolean
fut_armor_decode_text(const gchar *text,
                      gsize len,
                      const gchar *label,
                      gsize max_len,
                      gchar **ret_body,
                      GError **error)
{
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GString) body = NULL;
	g_autofree gchar *begin = NULL;
	g_autofree gchar *end_line = NULL;
	guint last;

	if (len > max_len) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("input has %zu bytes, more than the limit of %zu"), len, max_len);
		return FALSE;
	}
	if (memchr(text, '\0', len) != NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("input contains a NUL byte"));
		return FALSE;
	}
	if (!g_utf8_validate_len(text, len, NULL)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("input is not valid UTF-8"));
		return FALSE;
	}
	lines = split_lines(text, len, error);
	if (lines == NULL)
		return FALSE;
	if (lines->len < 2) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("input is empty or truncated: no BEGIN and END lines"));
		return FALSE;
	}
	begin = line_label(lines->pdata[0], strlen(lines->pdata[0]), BEGIN_PREFIX);
	if (begin == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("first line is not \"%s%s%s\""), BEGIN_PREFIX, label, DASHES);
		return FALSE;
	}
	if (g_strcmp0(begin, label) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("this is a FUTARI %s, expected a FUTARI %s"), begin, label);
		return FALSE;
	}
	/* The END line must be the last line; anything after it is trailing data. */
	end_line = g_strconcat(END_PREFIX, label, DASHES, NULL);
	for (last = 1; last < lines->len; last++) {
		if (g_str_equal(lines->pdata[last], end_line))
			break;
	}
	if (last == lines->len) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("input is truncated: no \"%s\" line"), end_line);
		return FALSE;
	}
	if (last != lines->len - 1) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("trailing data after the END line"));
		return FALSE;
	}
	/* A missing final line ending is accepted: copy and paste often drops it. */
	body = g_string_new(NULL);
	for (guint i = 1; i < last; i++) {
		const gchar *line = lines->pdata[i];
		gsize n = strlen(line);
		if (n > FUT_ARMOR_LINE_MAX) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("line %u is longer than %d bytes"), i + 1,
			            FUT_ARMOR_LINE_MAX);
			return FALSE;
		}
		for (gsize k = 0; k < n; k++) {
			if ((guchar)line[k] < 0x20 || line[k] == 0x7f) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("line %u contains a control character"), i + 1);
				return FALSE;
			}
		}
		if (g_str_has_prefix(line, "-----")) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("line %u: unexpected armour line inside the body"), i + 1);
			return FALSE;
		}
		g_string_append_len(body, line, n);
		g_string_append_c(body, '\n');
	}
	*ret_body = g_string_free(g_steal_pointer(&body), FALSE);
	return TRUE;
}

static gint
b64_value(gchar c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

gboolean
fut_base64_decode_strict(
    const gchar *b64, gsize len, guint8 **ret_data, gsize *ret_len, GError **error)
{
	g_autofree guint8 *out = NULL;
	gsize pad = 0;
	gsize o = 0;

	if (len % 4 != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("base64 length %zu is not a multiple of 4"), len);
		return FALSE;
	}
	if (len >= 1 && b64[len - 1] == '=')
		pad++;
	if (len >= 2 && b64[len - 2] == '=')
		pad++;
	out = g_malloc(len / 4 * 3 + 1);
	for (gsize i = 0; i < len; i += 4) {
		gint v[4];
		gboolean last = i + 4 == len;
		for (gsize k = 0; k < 4; k++) {
			gchar c = b64[i + k];
			if (c == '=' && last && k >= 4 - pad) {
				v[k] = 0;
				continue;
			}
			v[k] = b64_value(c);
			if (v[k] < 0) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("invalid base64 character at offset %zu"), i + k);
				return FALSE;
			}
		}
		guint32 w =
		    (guint32)v[0] << 18 | (guint32)v[1] << 12 | (guint32)v[2] << 6 | (guint32)v[3];
		out[o++] = (guint8)(w >> 16);
		if (!last || pad < 2)
			out[o++] = (guint8)(w >> 8);
		if (!last || pad < 1)
			out[o++] = (guint8)w;
		/* Canonical form: the bits the padding leaves unused must be zero. */
		if (last && ((pad == 1 && (v[2] & 0x3)) || (pad == 2 && (v[1] & 0xf)))) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("non-canonical base64 (unused bits set)"));
			return FALSE;
		}
	}
	*ret_len = o;
	*ret_data = g_steal_pointer(&out);
	return TRUE;
}

GBytes *
fut_armor_decode_bytes(
    const gchar *text, gsize len, const gchar *label, gsize max_len, GError **error)
{
	g_autofree gchar *body = NULL;
	g_autoptr(GString) joined = g_string_new(NULL);
	g_autofree guint8 *data = NULL;
	gsize data_len = 0;
	gchar **lines;
	guint n;

	if (!fut_armor_decode_text(text, len, label, max_len, &body, error))
		return NULL;
	lines = g_strsplit(body, "\n", -1);
	n = g_strv_length(lines);
	/* body ends in "\n", so the last element is empty */
	for (guint i = 0; i + 1 < n; i++) {
		gsize l = strlen(lines[i]);
		gboolean is_last = i + 2 == n;
		if (l == 0 || l > B64_COLS || (!is_last && l != B64_COLS)) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("base64 line %u has %zu characters; lines must have %d "
			              "(the last 1 to %d)"),
			            i + 2, l, B64_COLS, B64_COLS);
			g_strfreev(lines);
			return NULL;
		}
		g_string_append(joined, lines[i]);
	}
	g_strfreev(lines);
	if (joined->len == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("empty body"));
		return NULL;
	}
	if (!fut_base64_decode_strict(joined->str, joined->len, &data, &data_len, error))
		return NULL;
	return g_bytes_new_take(g_steal_pointer(&data), data_len);
}
