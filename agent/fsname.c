/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "fsname.h"

#include <glib/gi18n.h>
#include <string.h>

#include "errors.h"
#include "util.h"

gchar *
fut_fsname_sanitize(const gchar *name, GError **error)
{
	g_autofree gchar *out = NULL;
	gsize len;

	if (name == NULL || *name == '\0') {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("empty file name"));
		return NULL;
	}
	len = strlen(name);
	if (len > FUT_FSNAME_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("file name longer than %d bytes"), FUT_FSNAME_MAX);
		return NULL;
	}
	if (!g_utf8_validate(name, (gssize)len, NULL)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("file name is not valid UTF-8"));
		return NULL;
	}
	if (g_str_equal(name, ".") || g_str_equal(name, "..")) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("'.' and '..' are not file names"));
		return NULL;
	}
	for (const gchar *p = name; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c == '/') {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("file name contains '/'"));
			return NULL;
		}
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
		    g_unichar_type(c) == G_UNICODE_FORMAT) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("file name contains a control or format character"));
			return NULL;
		}
	}
	if (name[len - 1] == '.' || name[len - 1] == ' ' || name[0] == ' ') {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("file name starts with a space or ends with a dot or a space"));
		return NULL;
	}
	out = g_strdup(name);
	for (gchar *p = out; *p != '\0'; p++) {
		if (strchr("\"*:<>?\\|", *p) != NULL)
			*p = '_';
	}
	return g_steal_pointer(&out);
}

GStrv
fut_fsname_split_dir(const gchar *dir, GError **error)
{
	g_auto(GStrv) parts = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

	if (dir == NULL || *dir == '\0') {
		g_ptr_array_add(out, NULL);
		return (GStrv)g_ptr_array_free(g_steal_pointer(&out), FALSE);
	}
	if (dir[0] == '/') {
		g_set_error(
		    error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		    _("--dir is a folder on the stick, relative to its top (no leading /)"));
		return NULL;
	}
	if (strlen(dir) > 1024) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("--dir is too long"));
		return NULL;
	}
	parts = g_strsplit(dir, "/", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		gchar *clean;
		if (parts[i][0] == '\0')
			continue;
		clean = fut_fsname_sanitize(parts[i], error);
		if (clean == NULL) {
			g_prefix_error(error, "--dir: ");
			return NULL;
		}
		g_ptr_array_add(out, clean);
	}
	if (out->len > 16) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("--dir is nested too deeply"));
		return NULL;
	}
	g_ptr_array_add(out, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
