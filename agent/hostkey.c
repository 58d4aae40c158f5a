/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "hostkey.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>

#include "armor.h"
#include "errors.h"
#include "util.h"

static FutKey *
host_key_load(const gchar *path, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	g_autoptr(GBytes) seed = NULL;
	FutKey *key;
	gsize slen = 0;
	const guint8 *s;

	if (!fut_file_read_bounded(path, FUT_HOST_KEY_MAX, &text, &len, error))
		return NULL;
	seed = fut_armor_decode_bytes(text, len, FUT_HOST_KEY_LABEL, FUT_HOST_KEY_MAX, error);
	fut_memzero(text, len);
	if (seed == NULL)
		return NULL;
	s = g_bytes_get_data(seed, &slen);
	if (slen != FUT_ED25519_SEED_LEN) {
		g_autofree gchar *epath = fut_strescape(path, -1);
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s: a host key holds %d bytes, not %zu"), epath,
		            FUT_ED25519_SEED_LEN, slen);
		fut_memzero((gpointer)s, slen);
		return NULL;
	}
	key = fut_key_new_from_seed(s, error);
	fut_memzero((gpointer)s, slen);
	return key;
}

FutKey *
fut_host_key_load(const gchar *path, GError **error)
{
	return host_key_load(path, error);
}

FutKey *
fut_host_key_load_or_create(const gchar *path, gboolean *ret_created, GError **error)
{
	struct stat st;
	g_autoptr(FutKey) key = NULL;
	g_autofree gchar *text = NULL;
	guint8 seed[FUT_ED25519_SEED_LEN];
	g_autoptr(FutKey) check = NULL;
	gboolean ok;

	*ret_created = FALSE;
	if (lstat(path, &st) == 0 || errno != ENOENT)
		return host_key_load(path, error);
	if (!fut_random_bytes(seed, sizeof(seed), error))
		return NULL;
	key = fut_key_new_from_seed(seed, error);
	if (key == NULL) {
		fut_memzero(seed, sizeof(seed));
		return NULL;
	}
	text = fut_armor_encode_bytes(FUT_HOST_KEY_LABEL, seed, sizeof(seed));
	fut_memzero(seed, sizeof(seed));
	ok = fut_file_write_new(path, text, strlen(text), 0600, error);
	fut_memzero(text, strlen(text));
	if (!ok)
		return NULL;
	/* Read it back, so a key that cannot be loaded next time fails now. */
	check = host_key_load(path, error);
	if (check == NULL || !fut_key_equal(check, key)) {
		if (check != NULL)
			g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
			            _("the host key read back differs from the one written"));
		return NULL;
	}
	*ret_created = TRUE;
	return g_steal_pointer(&key);
}
