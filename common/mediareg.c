/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "mediareg.h"
#include "util.h"

struct _FutMediaRegister {
	GPtrArray *media;   /* FutMedium* */
	GHashTable *by_key; /* "vid:pid:serial" -> FutMedium* */
};

static void
medium_free(gpointer p)
{
	FutMedium *m = p;

	g_free(m->asset);
	g_free(m->vid);
	g_free(m->pid);
	g_free(m->serial);
	g_free(m->owner);
	g_free(m->label);
	g_free(m);
}

void
fut_media_register_free(FutMediaRegister *reg)
{
	if (reg == NULL)
		return;
	g_ptr_array_unref(reg->media);
	g_hash_table_unref(reg->by_key);
	g_free(reg);
}

static gboolean
hex4(const gchar *s)
{
	if (s == NULL || strlen(s) != 4)
		return FALSE;
	for (gint i = 0; i < 4; i++) {
		if (!g_ascii_isxdigit(s[i]))
			return FALSE;
	}
	return TRUE;
}

static gchar *
make_key(const gchar *vid, const gchar *pid, const gchar *serial)
{
	g_autofree gchar *v = g_ascii_strdown(vid, -1);
	g_autofree gchar *p = g_ascii_strdown(pid, -1);

	return g_strdup_printf("%s:%s:%s", v, p, serial);
}

static gboolean
text_ok(const gchar *s)
{
	g_autofree gchar *esc = NULL;

	if (s == NULL || s[0] == '\0' || strlen(s) > 256 || !g_utf8_validate(s, -1, NULL))
		return FALSE;
	/* Nothing that the escaper would change, but for backslashes. */
	for (const gchar *p = s; *p; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return FALSE;
	}
	return TRUE;
}

FutMediaRegister *
fut_media_register_parse(const gchar *data, gsize len, const gchar *name, GError **error)
{
	static const gchar *const keys[] = {"vid", "pid", "serial", "owner", "label", NULL};
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(FutMediaRegister) reg = g_new0(FutMediaRegister, 1);
	g_autoptr(GError) local = NULL;
	g_autofree gchar *safe = fut_strescape(name, -1);
	g_auto(GStrv) groups = NULL;

	reg->media = g_ptr_array_new_with_free_func(medium_free);
	reg->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (memchr(data, '\0', len) != NULL ||
	    !g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("%s: not a key file: %s"),
		            safe, local != NULL ? local->message : _("NUL byte"));
		return NULL;
	}
	groups = g_key_file_get_groups(kf, NULL);
	for (gchar **g = groups; *g != NULL; g++) {
		g_autofree gchar *gsafe = fut_strescape(*g, -1);
		g_auto(GStrv) present = g_key_file_get_keys(kf, *g, NULL, NULL);
		FutMedium *m;
		gchar *key;

		if (!text_ok(*g) || strlen(*g) > 64) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("%s: [%s]: an asset id is 1-64 printable characters"), safe,
			            gsafe);
			return NULL;
		}
		for (gchar **k = present; k != NULL && *k != NULL; k++) {
			if (!g_strv_contains(keys, *k)) {
				g_autofree gchar *ksafe = fut_strescape(*k, -1);
				g_set_error(
				    error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				    _("%s: [%s]: unknown key \"%s\" (known: vid, pid, serial, "
				      "owner, label)"),
				    safe, gsafe, ksafe);
				return NULL;
			}
		}
		m = g_new0(FutMedium, 1);
		m->asset = g_strdup(*g);
		m->vid = g_key_file_get_string(kf, *g, "vid", NULL);
		m->pid = g_key_file_get_string(kf, *g, "pid", NULL);
		m->serial = g_key_file_get_string(kf, *g, "serial", NULL);
		m->owner = g_key_file_get_string(kf, *g, "owner", NULL);
		m->label = g_key_file_get_string(kf, *g, "label", NULL);
		g_ptr_array_add(reg->media, m);
		if (!hex4(m->vid) || !hex4(m->pid)) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("%s: [%s]: vid and pid must be 4 hex digits"), safe, gsafe);
			return NULL;
		}
		if (!text_ok(m->serial) || !text_ok(m->owner) ||
		    (m->label != NULL && !text_ok(m->label))) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("%s: [%s]: serial and owner are required, 1-256 printable "
			              "characters"),
			            safe, gsafe);
			return NULL;
		}
		{
			gchar *v = g_ascii_strdown(m->vid, -1);
			gchar *p = g_ascii_strdown(m->pid, -1);
			g_free(m->vid);
			g_free(m->pid);
			m->vid = v;
			m->pid = p;
		}
		key = make_key(m->vid, m->pid, m->serial);
		if (g_hash_table_contains(reg->by_key, key)) {
			g_free(key);
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("%s: [%s]: the same device is registered twice"), safe,
			            gsafe);
			return NULL;
		}
		g_hash_table_insert(reg->by_key, key, m);
	}
	return g_steal_pointer(&reg);
}

FutMediaRegister *
fut_media_register_load(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!fut_file_read_bounded(path, FUT_MEDIA_REGISTER_MAX, &data, &len, error))
		return NULL;
	return fut_media_register_parse(data, len, path, error);
}

GPtrArray *
fut_media_register_get_all(FutMediaRegister *reg)
{
	return reg->media;
}

const FutMedium *
fut_media_register_lookup(FutMediaRegister *reg,
                          const gchar *vid,
                          const gchar *pid,
                          const gchar *serial)
{
	g_autofree gchar *key = NULL;

	if (vid == NULL || pid == NULL || serial == NULL)
		return NULL;
	key = make_key(vid, pid, serial);
	return g_hash_table_lookup(reg->by_key, key);
}
