/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "mediareg.h"

#include <glib/gi18n.h>
#include <string.h>

#include "errors.h"
#include "keyfile.h"
#include "util.h"

#define ASSET_PREFIX "asset:"

struct _FutMediaRegister {
	GPtrArray *entries;    /* FutMediaEntry */
	GHashTable *by_device; /* identity_key() -> FutMediaEntry (borrowed) */
	GHashTable *by_asset;  /* asset id -> FutMediaEntry (borrowed) */
};

/* "vid:pid:serial" with vid and pid in lower case (they compare without case); NULL when
 * a part is missing. A register holds tens of thousands of sticks: look-ups and the
 * duplicate check go through hash tables, not a scan per entry. */
static gchar *
identity_key(const gchar *vid, const gchar *pid, const gchar *serial)
{
	g_autofree gchar *v = NULL;
	g_autofree gchar *p = NULL;

	if (vid == NULL || pid == NULL || serial == NULL)
		return NULL;
	v = g_ascii_strdown(vid, -1);
	p = g_ascii_strdown(pid, -1);
	return g_strconcat(v, ":", p, ":", serial, NULL);
}

static void
entry_free(FutMediaEntry *e)
{
	if (e == NULL)
		return;
	g_free(e->asset_id);
	g_free(e->serial);
	g_free(e->owner);
	g_free(e);
}

void
fut_media_register_free(FutMediaRegister *reg)
{
	if (reg == NULL)
		return;
	g_hash_table_unref(reg->by_device);
	g_hash_table_unref(reg->by_asset);
	g_ptr_array_unref(reg->entries);
	g_free(reg);
}

FutMediaRegister *
fut_media_register_new_empty(void)
{
	FutMediaRegister *reg = g_new0(FutMediaRegister, 1);
	reg->entries = g_ptr_array_new_with_free_func((GDestroyNotify)entry_free);
	reg->by_device = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	reg->by_asset = g_hash_table_new(g_str_hash, g_str_equal);
	return reg;
}

static gboolean
asset_id_valid(const gchar *id)
{
	gsize len = strlen(id);

	if (len == 0 || len > FUT_MEDIA_ASSET_ID_MAX)
		return FALSE;
	for (const gchar *p = id; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return FALSE;
	}
	return TRUE;
}

static gboolean
get_hex4(FutKeyfile *kf, const gchar *group, const gchar *key, gchar ret[5], GError **error)
{
	g_autofree gchar *v = NULL;

	if (!fut_keyfile_get_string(kf, group, key, &v, error))
		return FALSE;
	if (v == NULL)
		return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, NULL,
		                             _("missing key '%s'"), key);
	if (strlen(v) != 4 || !g_ascii_isxdigit(v[0]) || !g_ascii_isxdigit(v[1]) ||
	    !g_ascii_isxdigit(v[2]) || !g_ascii_isxdigit(v[3]))
		return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, key,
		                             _("'%s' must be 4 hex digits (e.g. 0781)"), key);
	for (guint i = 0; i < 4; i++)
		ret[i] = g_ascii_tolower(v[i]);
	ret[4] = '\0';
	return TRUE;
}

static gboolean
get_text(FutKeyfile *kf,
         const gchar *group,
         const gchar *key,
         gsize max,
         gboolean ascii,
         gchar **ret,
         GError **error)
{
	g_autofree gchar *v = NULL;

	if (!fut_keyfile_get_string(kf, group, key, &v, error))
		return FALSE;
	if (v == NULL)
		return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, NULL,
		                             _("missing key '%s'"), key);
	if (*v == '\0' || strlen(v) > max)
		return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, key,
		                             _("'%s' must be 1 to %zu bytes"), key, max);
	if (ascii) {
		for (const gchar *p = v; *p != '\0'; p++) {
			if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7f)
				return fut_keyfile_set_error(
				    kf, error, FUT_ERROR_INVALID_DATA, group, key,
				    _("'%s' must be printable ASCII without spaces"), key);
		}
	}
	*ret = g_steal_pointer(&v);
	return TRUE;
}

FutMediaRegister *
fut_media_register_parse(const gchar *path, const gchar *data, gsize len, GError **error)
{
	static const gchar *const known[] = {"vid", "pid", "serial", "owner", NULL};
	g_autoptr(FutKeyfile) kf = NULL;
	g_autoptr(FutMediaRegister) reg = fut_media_register_new_empty();
	g_auto(GStrv) groups = NULL;
	GKeyFile *keyfile;

	kf = fut_keyfile_parse(path, data, len, error);
	if (kf == NULL)
		return NULL;
	keyfile = fut_keyfile_get_keyfile(kf);
	groups = g_key_file_get_groups(keyfile, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		const gchar *group = groups[i];
		FutMediaEntry *e;

		if (!g_str_has_prefix(group, ASSET_PREFIX)) {
			g_autofree gchar *eg = fut_strescape(group, -1);
			fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, NULL,
			                      _("unknown group [%s]: groups are [asset:ID]"), eg);
			return NULL;
		}
		if (!asset_id_valid(group + strlen(ASSET_PREFIX))) {
			fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, group, NULL,
			                      _("asset id must be 1 to %d characters of A-Z, a-z, "
			                        "0-9, '-', '_' and '.'"),
			                      FUT_MEDIA_ASSET_ID_MAX);
			return NULL;
		}
		if (!fut_keyfile_check_keys(kf, group, known, error))
			return NULL;
		e = g_new0(FutMediaEntry, 1);
		g_ptr_array_add(reg->entries, e);
		e->asset_id = g_strdup(group + strlen(ASSET_PREFIX));
		e->line = fut_keyfile_get_line(kf, group, NULL);
		if (!get_hex4(kf, group, "vid", e->vid, error) ||
		    !get_hex4(kf, group, "pid", e->pid, error) ||
		    !get_text(kf, group, "serial", FUT_MEDIA_SERIAL_MAX, TRUE, &e->serial, error) ||
		    !get_text(kf, group, "owner", FUT_MEDIA_OWNER_MAX, FALSE, &e->owner, error))
			return NULL;
		{
			gchar *key = identity_key(e->vid, e->pid, e->serial);
			const FutMediaEntry *o = g_hash_table_lookup(reg->by_device, key);
			if (o != NULL) {
				g_free(key);
				fut_keyfile_set_error(
				    kf, error, FUT_ERROR_INVALID_DATA, group, NULL,
				    _("same vid, pid and serial as [asset:%s] at line %u"),
				    o->asset_id, o->line);
				return NULL;
			}
			g_hash_table_insert(reg->by_device, key, e);
			g_hash_table_insert(reg->by_asset, e->asset_id, e);
		}
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
	return fut_media_register_parse(path, data, len, error);
}

const FutMediaEntry *
fut_media_register_lookup(const FutMediaRegister *reg,
                          const gchar *vid,
                          const gchar *pid,
                          const gchar *serial)
{
	g_autofree gchar *key = identity_key(vid, pid, serial);

	if (key == NULL)
		return NULL;
	return g_hash_table_lookup(reg->by_device, key);
}

const FutMediaEntry *
fut_media_register_lookup_asset(const FutMediaRegister *reg, const gchar *asset_id)
{
	if (asset_id == NULL)
		return NULL;
	return g_hash_table_lookup(reg->by_asset, asset_id);
}

guint
fut_media_register_get_n_entries(const FutMediaRegister *reg)
{
	return reg->entries->len;
}

const FutMediaEntry *
fut_media_register_get_entry(const FutMediaRegister *reg, guint i)
{
	g_return_val_if_fail(i < reg->entries->len, NULL);
	return g_ptr_array_index(reg->entries, i);
}
