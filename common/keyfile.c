/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "keyfile.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "util.h"

struct _FutKeyfile {
	gchar *path;
	GKeyFile *keyfile;
	GHashTable *lines; /* "group" or "group\x1fkey" -> GUINT_TO_POINTER(line) */
};

void
fut_keyfile_free(FutKeyfile *kf)
{
	if (kf == NULL)
		return;
	g_free(kf->path);
	if (kf->keyfile != NULL)
		g_key_file_unref(kf->keyfile);
	if (kf->lines != NULL)
		g_hash_table_unref(kf->lines);
	g_free(kf);
}

static gchar *
line_key(const gchar *group, const gchar *key)
{
	return key == NULL ? g_strdup(group) : g_strconcat(group, "\x1f", key, NULL);
}

static gboolean scan_error(GError **error, const gchar *path, guint line, const gchar *format, ...)
    G_GNUC_PRINTF(4, 5);

static gboolean
scan_error(GError **error, const gchar *path, guint line, const gchar *format, ...)
{
	va_list ap;
	g_autofree gchar *msg = NULL;
	g_autofree gchar *epath = fut_strescape(path, -1);

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "%s:%u: %s", epath, line, msg);
	return FALSE;
}

static gboolean
scan_lines(FutKeyfile *kf, const gchar *data, gsize len, GError **error)
{
	g_auto(GStrv) lines = NULL;
	g_autofree gchar *group = NULL;

	lines = g_strsplit(data, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		guint lineno = i + 1;
		gchar *line = g_strstrip(lines[i]);
		gchar *eq;
		g_autofree gchar *key = NULL;
		g_autofree gchar *lk = NULL;

		for (const gchar *p = line; *p != '\0'; p++) {
			if ((guchar)*p < 0x20 && *p != '\t')
				return scan_error(error, kf->path, lineno,
				                  _("control character in line"));
			if ((guchar)*p == 0x7f)
				return scan_error(error, kf->path, lineno,
				                  _("control character in line"));
		}
		if (*line == '\0' || *line == '#')
			continue;
		if (*line == '[') {
			gsize l = strlen(line);
			if (l < 3 || line[l - 1] != ']' || strpbrk(line + 1, "[") != NULL ||
			    memchr(line + 1, ']', l - 2) != NULL)
				return scan_error(error, kf->path, lineno,
				                  _("malformed group header"));
			g_free(group);
			group = g_strndup(line + 1, l - 2);
			lk = line_key(group, NULL);
			if (g_hash_table_contains(kf->lines, lk))
				return scan_error(
				    error, kf->path, lineno,
				    _("duplicate group [%s] (first at line %u)"), group,
				    GPOINTER_TO_UINT(g_hash_table_lookup(kf->lines, lk)));
			g_hash_table_insert(kf->lines, g_steal_pointer(&lk),
			                    GUINT_TO_POINTER(lineno));
			continue;
		}
		eq = strchr(line, '=');
		if (eq == NULL)
			return scan_error(error, kf->path, lineno,
			                  _("not a [group], a key = value pair or a # comment"));
		if (group == NULL)
			return scan_error(error, kf->path, lineno,
			                  _("key before the first [group]"));
		key = g_strndup(line, eq - line);
		g_strstrip(key);
		if (*key == '\0')
			return scan_error(error, kf->path, lineno, _("empty key name"));
		for (const gchar *p = key; *p != '\0'; p++) {
			if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
				return scan_error(error, kf->path, lineno,
				                  _("key names use only letters, digits, '-' and "
				                    "'_' (no localised keys)"));
		}
		lk = line_key(group, key);
		if (g_hash_table_contains(kf->lines, lk))
			return scan_error(error, kf->path, lineno,
			                  _("duplicate key '%s' (first at line %u)"), key,
			                  GPOINTER_TO_UINT(g_hash_table_lookup(kf->lines, lk)));
		g_hash_table_insert(kf->lines, g_steal_pointer(&lk), GUINT_TO_POINTER(lineno));
	}
	return TRUE;
}

FutKeyfile *
fut_keyfile_parse(const gchar *path, const gchar *data, gsize len, GError **error)
{
	g_autoptr(FutKeyfile) kf = g_new0(FutKeyfile, 1);
	g_autofree gchar *copy = NULL;
	g_autoptr(GError) local = NULL;
	const gchar *end = NULL;

	kf->path = g_strdup(path);
	kf->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	kf->keyfile = g_key_file_new();

	end = memchr(data, '\0', len);
	if (end != NULL || !g_utf8_validate(data, len, &end)) {
		guint lineno = 1;
		for (const gchar *p = data; p < end; p++)
			lineno += *p == '\n';
		scan_error(error, path, lineno, _("NUL byte or invalid UTF-8"));
		return NULL;
	}
	copy = g_strndup(data, len);
	if (!scan_lines(kf, copy, len, error))
		return NULL;
	if (!g_key_file_load_from_data(kf->keyfile, data, len, G_KEY_FILE_NONE, &local)) {
		g_autofree gchar *epath = fut_strescape(path, -1);
		g_autofree gchar *emsg = fut_strescape(local->message, -1);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "%s: %s", epath, emsg);
		return NULL;
	}
	return g_steal_pointer(&kf);
}

GKeyFile *
fut_keyfile_get_keyfile(FutKeyfile *kf)
{
	return kf->keyfile;
}

const gchar *
fut_keyfile_get_path(FutKeyfile *kf)
{
	return kf->path;
}

guint
fut_keyfile_get_line(FutKeyfile *kf, const gchar *group, const gchar *key)
{
	g_autofree gchar *lk = line_key(group, key);
	return GPOINTER_TO_UINT(g_hash_table_lookup(kf->lines, lk));
}

gboolean
fut_keyfile_set_error(FutKeyfile *kf,
                      GError **error,
                      gint code,
                      const gchar *group,
                      const gchar *key,
                      const gchar *format,
                      ...)
{
	va_list ap;
	g_autofree gchar *msg = NULL;
	g_autofree gchar *epath = fut_strescape(kf->path, -1);
	guint line = group != NULL ? fut_keyfile_get_line(kf, group, key) : 0;

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	if (line > 0)
		g_set_error(error, FUT_ERROR, code, "%s:%u: %s", epath, line, msg);
	else
		g_set_error(error, FUT_ERROR, code, "%s: %s", epath, msg);
	return FALSE;
}

gboolean
fut_keyfile_check_keys(FutKeyfile *kf,
                       const gchar *group,
                       const gchar *const *known,
                       GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf->keyfile, group, NULL, NULL);

	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		if (!g_strv_contains(known, keys[i])) {
			g_autofree gchar *ek = fut_strescape(keys[i], -1);
			g_autofree gchar *eg = fut_strescape(group, -1);
			return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group,
			                             keys[i], _("unknown key '%s' in [%s]"), ek,
			                             eg);
		}
	}
	return TRUE;
}

gboolean
fut_keyfile_get_string(
    FutKeyfile *kf, const gchar *group, const gchar *key, gchar **ret_value, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree gchar *value = NULL;

	if (!g_key_file_has_key(kf->keyfile, group, key, NULL))
		return TRUE;
	value = g_key_file_get_string(kf->keyfile, group, key, &local);
	if (value == NULL) {
		g_autofree gchar *emsg = fut_strescape(local->message, -1);
		return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, key,
		                             _("bad value for '%s': %s"), key, emsg);
	}
	for (const gchar *p = value; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || (guchar)*p == 0x7f)
			return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, key,
			                             _("control character in the value of '%s'"),
			                             key);
	}
	g_free(*ret_value);
	*ret_value = g_steal_pointer(&value);
	return TRUE;
}

gboolean
fut_keyfile_get_path_value(
    FutKeyfile *kf, const gchar *group, const gchar *key, gchar **ret_value, GError **error)
{
	g_autofree gchar *value = NULL;
	g_auto(GStrv) parts = NULL;

	if (!fut_keyfile_get_string(kf, group, key, &value, error))
		return FALSE;
	if (value == NULL)
		return TRUE;
	if (value[0] != '/' || strlen(value) >= 4096)
		return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, key,
		                             _("'%s' must be an absolute path"), key);
	parts = g_strsplit(value + 1, "/", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		if (g_str_equal(parts[i], ".") || g_str_equal(parts[i], "..") ||
		    (parts[i][0] == '\0' && parts[i + 1] != NULL) || (parts[i][0] == '\0' && i > 0))
			return fut_keyfile_set_error(
			    kf, error, FUT_ERROR_INVALID_DATA, group, key,
			    _("'%s' must be a plain absolute path (no '.', '..' or '//')"), key);
	}
	g_free(*ret_value);
	*ret_value = g_steal_pointer(&value);
	return TRUE;
}

gboolean
fut_keyfile_get_bool(
    FutKeyfile *kf, const gchar *group, const gchar *key, gboolean *ret_value, GError **error)
{
	g_autofree gchar *value = NULL;

	if (!fut_keyfile_get_string(kf, group, key, &value, error))
		return FALSE;
	if (value == NULL)
		return TRUE;
	if (g_str_equal(value, "true"))
		*ret_value = TRUE;
	else if (g_str_equal(value, "false"))
		*ret_value = FALSE;
	else
		return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, key,
		                             _("'%s' must be true or false"), key);
	return TRUE;
}

gboolean
fut_keyfile_get_uint64(FutKeyfile *kf,
                       const gchar *group,
                       const gchar *key,
                       guint64 min,
                       guint64 max,
                       guint64 *ret_value,
                       GError **error)
{
	g_autofree gchar *value = NULL;
	guint64 v;
	gchar *end = NULL;

	if (!fut_keyfile_get_string(kf, group, key, &value, error))
		return FALSE;
	if (value == NULL)
		return TRUE;
	if (!g_ascii_isdigit(value[0]) || strlen(value) > 20)
		goto bad;
	errno = 0;
	v = g_ascii_strtoull(value, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*ret_value = v;
	return TRUE;
bad:
	return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, key,
	                             _("'%s' must be a whole number from %llu to %llu"), key,
	                             (unsigned long long)min, (unsigned long long)max);
}
