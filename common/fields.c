/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "fields.h"
#include "util.h"

#define TIME_MIN     G_GINT64_CONSTANT(946684800)    /* 2000-01-01T00:00:00Z */
#define TIME_MAX     G_GINT64_CONSTANT(253402300799) /* 9999-12-31T23:59:59Z */
#define DURATION_MAX (G_GINT64_CONSTANT(3660) * 86400)

static void
append_pct(GString *out, guchar c)
{
	g_string_append_printf(out, "%%%02X", c);
}

gchar *
fut_field_escape(const gchar *value)
{
	gsize len = strlen(value);
	GString *out = g_string_sized_new(len + 8);
	const gchar *p = value;
	const gchar *end = value + len;

	while (p < end) {
		guchar c = (guchar)*p;
		if (c < 0x80) {
			gboolean edge_space = c == ' ' && (p == value || p + 1 == end);
			if (c < 0x20 || c == 0x7f || c == '%' || edge_space)
				append_pct(out, c);
			else
				g_string_append_c(out, (gchar)c);
			p++;
			continue;
		}
		gunichar u = g_utf8_get_char_validated(p, end - p);
		if (u == (gunichar)-1 || u == (gunichar)-2) {
			append_pct(out, c);
			p++;
			continue;
		}
		const gchar *next = g_utf8_next_char(p);
		if (fut_unichar_is_deceptive(u)) {
			for (const gchar *q = p; q < next; q++)
				append_pct(out, (guchar)*q);
		} else {
			g_string_append_len(out, p, next - p);
		}
		p = next;
	}
	return g_string_free(out, FALSE);
}

static gint
upper_hex_value(gchar c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

gboolean
fut_field_unescape(const gchar *raw, gchar **ret_value, GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree gchar *again = NULL;

	for (const gchar *p = raw; *p != '\0'; p++) {
		if (*p != '%') {
			g_string_append_c(out, *p);
			continue;
		}
		gint hi = upper_hex_value(p[1]);
		gint lo = hi < 0 ? -1 : upper_hex_value(p[2]);
		if (hi < 0 || lo < 0) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("bad escape: '%%' must be followed by two upper-case hex "
			              "digits"));
			return FALSE;
		}
		if (hi == 0 && lo == 0) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("bad escape: a value may not contain %%00"));
			return FALSE;
		}
		g_string_append_c(out, (gchar)(hi << 4 | lo));
		p += 2;
	}
	/* Canonical form: exactly what the encoder writes, so one value has one encoding
	 * and a signature cannot be carried over to a differently spelled twin. */
	again = fut_field_escape(out->str);
	if (strcmp(again, raw) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("non-canonical escaping (a character is escaped that must not be, "
		              "or one is not escaped that must be)"));
		return FALSE;
	}
	*ret_value = g_string_free(g_steal_pointer(&out), FALSE);
	return TRUE;
}

gchar *
fut_time_format(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(CLAMP(t, TIME_MIN, TIME_MAX));

	return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
}

static gint
digits(const gchar *s, guint n)
{
	gint v = 0;

	for (guint i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

gboolean
fut_time_parse(const gchar *s, gint64 *ret_time, GError **error)
{
	g_autoptr(GDateTime) dt = NULL;
	g_autofree gchar *again = NULL;
	gint y, mo, d, h, mi, se;

	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		goto bad;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (y < 2000 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 59)
		goto bad;
	dt = g_date_time_new_utc(y, mo, d, h, mi, se);
	if (dt == NULL)
		goto bad;
	again = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	if (g_strcmp0(again, s) != 0) /* 2026-02-30 and friends */
		goto bad;
	*ret_time = g_date_time_to_unix(dt);
	return TRUE;
bad:
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
	            _("not a UTC time of the form YYYY-MM-DDTHH:MM:SSZ (year 2000 or later)"));
	return FALSE;
}

gboolean
fut_uint_parse(const gchar *s, guint64 max, guint64 *ret_value, GError **error)
{
	guint64 v = 0;
	gsize n = strlen(s);

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		goto bad;
	for (gsize i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		if (v > (G_MAXUINT64 - (guint64)(s[i] - '0')) / 10)
			goto range;
		v = v * 10 + (guint64)(s[i] - '0');
	}
	if (v > max)
		goto range;
	*ret_value = v;
	return TRUE;
bad:
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
	            _("not a decimal number without sign or leading zeros"));
	return FALSE;
range:
	g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE, _("number is larger than %llu"),
	            (unsigned long long)max);
	return FALSE;
}

gboolean
fut_duration_parse(const gchar *s, gint64 *ret_seconds, GError **error)
{
	g_autofree gchar *num = NULL;
	guint64 v = 0;
	gint64 unit;
	gsize n = strlen(s);

	if (n < 2)
		goto bad;
	switch (s[n - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		goto bad;
	}
	num = g_strndup(s, n - 1);
	if (!fut_uint_parse(num, (guint64)(DURATION_MAX / unit), &v, NULL) || v == 0)
		goto bad;
	*ret_seconds = (gint64)v * unit;
	return TRUE;
bad:
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
	            _("not a duration such as 30m, 8h or 2d (1 second to 3660 days)"));
	return FALSE;
}

gchar *
fut_duration_format(gint64 seconds)
{
	if (seconds > 0 && seconds % 86400 == 0)
		return g_strdup_printf("%" G_GINT64_FORMAT "d", seconds / 86400);
	if (seconds > 0 && seconds % 3600 == 0)
		return g_strdup_printf("%" G_GINT64_FORMAT "h", seconds / 3600);
	if (seconds > 0 && seconds % 60 == 0)
		return g_strdup_printf("%" G_GINT64_FORMAT "m", seconds / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "s", seconds);
}

void
fut_fields_append(GString *body, const gchar *key, const gchar *raw)
{
	g_string_append(body, key);
	g_string_append_c(body, ':');
	if (raw[0] != '\0') {
		g_string_append_c(body, ' ');
		g_string_append(body, raw);
	}
	g_string_append_c(body, '\n');
}

/* --- reader ------------------------------------------------------------------------ */

typedef struct {
	gchar *key;
	gchar *value;
	gsize offset; /* of the line start in the body */
} Line;

struct _FutFieldReader {
	GArray *lines; /* of Line */
	guint pos;
	gsize body_len;
	GStrv known;
	GHashTable *seen;
};

static void
line_clear(gpointer p)
{
	Line *l = p;

	g_free(l->key);
	g_free(l->value);
}

static gboolean
key_is_valid(const gchar *k, gsize n)
{
	if (n == 0 || n > FUT_FIELD_KEY_MAX || !g_ascii_islower(k[0]))
		return FALSE;
	for (gsize i = 0; i < n; i++) {
		if (!(g_ascii_islower(k[i]) || g_ascii_isdigit(k[i]) || k[i] == '-' || k[i] == '.'))
			return FALSE;
	}
	return TRUE;
}

FutFieldReader *
fut_field_reader_new(const gchar *body, const gchar *const *known, GError **error)
{
	g_autoptr(FutFieldReader) r = g_new0(FutFieldReader, 1);
	const gchar *p = body;
	guint lineno = 2;

	r->lines = g_array_new(FALSE, TRUE, sizeof(Line));
	g_array_set_clear_func(r->lines, line_clear);
	r->known = g_strdupv((gchar **)known);
	r->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	r->body_len = strlen(body);
	while (*p != '\0') {
		const gchar *nl = strchr(p, '\n');
		const gchar *colon;
		Line l = {0};

		if (nl == NULL)
			nl = p + strlen(p);
		colon = memchr(p, ':', (gsize)(nl - p));
		if (colon == NULL || !key_is_valid(p, (gsize)(colon - p))) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("line %u: not a \"key: value\" line"), lineno);
			return NULL;
		}
		if (colon + 1 < nl && (colon[1] != ' ' || colon + 2 == nl)) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("line %u: the key must be followed by \": \" and a value, "
			              "or end the line"),
			            lineno);
			return NULL;
		}
		l.key = g_strndup(p, (gsize)(colon - p));
		l.value =
		    colon + 1 < nl ? g_strndup(colon + 2, (gsize)(nl - colon - 2)) : g_strdup("");
		l.offset = (gsize)(p - body);
		g_array_append_val(r->lines, l);
		lineno++;
		p = *nl == '\n' ? nl + 1 : nl;
	}
	return g_steal_pointer(&r);
}

void
fut_field_reader_free(FutFieldReader *r)
{
	if (r == NULL)
		return;
	g_array_unref(r->lines);
	g_strfreev(r->known);
	g_hash_table_unref(r->seen);
	g_free(r);
}

gsize
fut_field_reader_offset(FutFieldReader *r)
{
	if (r->pos >= r->lines->len)
		return r->body_len;
	return g_array_index(r->lines, Line, r->pos).offset;
}

guint
fut_field_reader_line(FutFieldReader *r)
{
	return r->pos + 2;
}

gboolean
fut_field_reader_next_is(FutFieldReader *r, const gchar *key)
{
	return r->pos < r->lines->len &&
	       g_str_equal(g_array_index(r->lines, Line, r->pos).key, key);
}

const gchar *
fut_field_reader_take(FutFieldReader *r, const gchar *key, GError **error)
{
	g_autofree gchar *safe = NULL;
	const Line *l;

	if (r->pos >= r->lines->len) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("missing field '%s' (the object is truncated)"), key);
		return NULL;
	}
	l = &g_array_index(r->lines, Line, r->pos);
	if (g_str_equal(l->key, key)) {
		g_hash_table_add(r->seen, g_strdup(key));
		r->pos++;
		return l->value;
	}
	safe = fut_strescape(l->key, -1);
	if (g_hash_table_contains(r->seen, l->key))
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("line %u: duplicate field '%s'"), r->pos + 2, safe);
	else if (!g_strv_contains((const gchar *const *)r->known, l->key))
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("line %u: unknown field '%s'"), r->pos + 2, safe);
	else
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("line %u: field '%s' is out of order or not allowed here "
		              "(expected '%s')"),
		            r->pos + 2, safe, key);
	return NULL;
}

gchar *
fut_field_reader_take_prefixed(FutFieldReader *r, const gchar *prefix)
{
	GString *out = g_string_new(NULL);

	while (r->pos < r->lines->len) {
		const Line *l = &g_array_index(r->lines, Line, r->pos);
		if (!g_str_has_prefix(l->key, prefix))
			break;
		fut_fields_append(out, l->key + strlen(prefix), l->value);
		r->pos++;
	}
	return g_string_free(out, FALSE);
}

gboolean
fut_field_reader_finish(FutFieldReader *r, GError **error)
{
	if (r->pos < r->lines->len) {
		g_autofree gchar *safe =
		    fut_strescape(g_array_index(r->lines, Line, r->pos).key, -1);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("line %u: trailing field '%s' after the signature"), r->pos + 2,
		            safe);
		return FALSE;
	}
	return TRUE;
}

void
fut_field_reader_error(FutFieldReader *r, GError **error, gint code, const gchar *format, ...)
{
	g_autofree gchar *msg = NULL;
	g_autofree gchar *safe = NULL;
	const Line *l;
	va_list ap;

	g_return_if_fail(r->pos > 0);
	l = &g_array_index(r->lines, Line, r->pos - 1);
	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	safe = fut_strescape(l->key, -1);
	g_set_error(error, FUT_ERROR, code, _("line %u: field '%s': %s"), r->pos + 1, safe, msg);
}
