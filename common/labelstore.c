/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "labelstore.h"
#include "util.h"

#define HEADER    "futari-labelstore 1\n"
#define HEX_LEN   (FUT_SHA256_LEN * 2)
#define ENTRY_MAX (HEX_LEN + 1 + 2 + 1) /* "<hex> II\n" */

struct _FutLabelStore {
	GMutex lock;
	gchar *path;
	guint max_entries;
	GHashTable *map; /* GBytes (32-byte digest) -> GINT_TO_POINTER(FutClass) */
};

FutLabelStore *
fut_labelstore_new(const gchar *path, guint max_entries)
{
	FutLabelStore *self = g_new0(FutLabelStore, 1);

	g_mutex_init(&self->lock);
	self->path = g_strdup(path);
	self->max_entries = max_entries == 0 ? FUT_LABELSTORE_MAX_DEFAULT
	                                     : MIN(max_entries, FUT_LABELSTORE_MAX_LIMIT);
	self->map =
	    g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
	return self;
}

void
fut_labelstore_free(FutLabelStore *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->map);
	g_free(self->path);
	g_mutex_clear(&self->lock);
	g_free(self);
}

static gboolean
parse_locked(FutLabelStore *self, const gchar *text, gsize len, GError **error)
{
	g_autoptr(GHashTable) map =
	    g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
	const gchar *p = text;
	const gchar *end = text + len;
	guint lineno = 1;

	if (len < strlen(HEADER) || memcmp(text, HEADER, strlen(HEADER)) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("label store: line 1 is not \"futari-labelstore 1\""));
		return FALSE;
	}
	p += strlen(HEADER);
	while (p < end) {
		const gchar *nl = memchr(p, '\n', (gsize)(end - p));
		g_autofree gchar *hex = NULL;
		guint8 digest[FUT_SHA256_LEN];
		FutClass klass;
		GBytes *key;

		lineno++;
		if (nl == NULL) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("label store: line %u has no line ending"), lineno);
			return FALSE;
		}
		if (nl - p < HEX_LEN + 2 || p[HEX_LEN] != ' ') {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("label store: line %u is not \"<sha256> <class>\""), lineno);
			return FALSE;
		}
		hex = g_strndup(p, HEX_LEN);
		if (!fut_hex_decode(hex, digest, FUT_SHA256_LEN, NULL)) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("label store: line %u: the digest is not 64 lower-case hex "
			              "digits"),
			            lineno);
			return FALSE;
		}
		klass = fut_class_parse(p + HEX_LEN + 1, (gsize)(nl - (p + HEX_LEN + 1)));
		if (klass != FUT_CLASS_I && klass != FUT_CLASS_II) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("label store: line %u: the class must be I or II"), lineno);
			return FALSE;
		}
		key = g_bytes_new(digest, sizeof(digest));
		if (g_hash_table_contains(map, key)) {
			g_bytes_unref(key);
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("label store: line %u repeats a digest"), lineno);
			return FALSE;
		}
		if (g_hash_table_size(map) >= self->max_entries) {
			g_bytes_unref(key);
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("label store: more than %u entries"), self->max_entries);
			return FALSE;
		}
		g_hash_table_insert(map, key, GINT_TO_POINTER(klass));
		p = nl + 1;
	}
	g_hash_table_unref(self->map);
	self->map = g_steal_pointer(&map);
	return TRUE;
}

gboolean
fut_labelstore_parse(FutLabelStore *self, const gchar *text, gsize len, GError **error)
{
	gboolean ok;

	g_mutex_lock(&self->lock);
	ok = parse_locked(self, text, len, error);
	g_mutex_unlock(&self->lock);
	return ok;
}

gboolean
fut_labelstore_load(FutLabelStore *self, GError **error)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) local = NULL;
	gsize len = 0;
	gsize max = strlen(HEADER) + (gsize)self->max_entries * ENTRY_MAX;

	g_return_val_if_fail(self->path != NULL, FALSE);
	if (!fut_file_read_bounded(self->path, max, &text, &len, &local)) {
		if (g_error_matches(local, FUT_ERROR, FUT_ERROR_IO) &&
		    access(self->path, F_OK) != 0 && errno == ENOENT) {
			g_mutex_lock(&self->lock);
			g_hash_table_remove_all(self->map);
			g_mutex_unlock(&self->lock);
			return TRUE;
		}
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return fut_labelstore_parse(self, text, len, error);
}

FutClass
fut_labelstore_lookup(FutLabelStore *self, const guint8 digest[FUT_SHA256_LEN])
{
	g_autoptr(GBytes) key = g_bytes_new_static(digest, FUT_SHA256_LEN);
	gpointer value;

	g_mutex_lock(&self->lock);
	value = g_hash_table_lookup(self->map, key);
	g_mutex_unlock(&self->lock);
	return (FutClass)GPOINTER_TO_INT(value);
}

guint
fut_labelstore_get_size(FutLabelStore *self)
{
	guint n;

	g_mutex_lock(&self->lock);
	n = g_hash_table_size(self->map);
	g_mutex_unlock(&self->lock);
	return n;
}

static gint
cmp_bytes(gconstpointer a, gconstpointer b)
{
	return g_bytes_compare(*(GBytes *const *)a, *(GBytes *const *)b);
}

/* Sorted, so the same content always gives the same file. */
static gchar *
to_text_locked(FutLabelStore *self)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;
	GString *out = g_string_new(HEADER);

	g_hash_table_iter_init(&it, self->map);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(keys, key);
	g_ptr_array_sort(keys, cmp_bytes);
	for (guint i = 0; i < keys->len; i++) {
		GBytes *k = g_ptr_array_index(keys, i);
		g_autofree gchar *hex = fut_hex_encode(g_bytes_get_data(k, NULL), FUT_SHA256_LEN);
		FutClass c = GPOINTER_TO_INT(g_hash_table_lookup(self->map, k));
		g_string_append_printf(out, "%s %s\n", hex, fut_class_name(c));
	}
	return g_string_free(out, FALSE);
}

gchar *
fut_labelstore_to_text(FutLabelStore *self)
{
	gchar *text;

	g_mutex_lock(&self->lock);
	text = to_text_locked(self);
	g_mutex_unlock(&self->lock);
	return text;
}

static gboolean
save_locked(FutLabelStore *self, GError **error)
{
	g_autofree gchar *text = to_text_locked(self);
	g_autofree gchar *dir = g_path_get_dirname(self->path);
	g_autofree gchar *tmp = NULL;
	g_autofree gchar *safe = fut_strescape(self->path, -1);
	guint8 rnd[8];
	g_autofree gchar *rhex = NULL;
	int dfd;

	if (!fut_random_bytes(rnd, sizeof(rnd), error))
		return FALSE;
	rhex = fut_hex_encode(rnd, sizeof(rnd));
	tmp = g_strdup_printf("%s.tmp-%s", self->path, rhex);
	if (!fut_file_write_new(tmp, text, strlen(text), 0600, error))
		return FALSE;
	if (rename(tmp, self->path) < 0) {
		int e = errno;
		unlink(tmp);
		return fut_error_set_errno(error, e, safe);
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		/* the rename is only durable once the directory is */
		int rc = fsync(dfd);
		int e = errno;
		close(dfd);
		if (rc < 0)
			return fut_error_set_errno(error, e, safe);
	}
	return TRUE;
}

gboolean
fut_labelstore_record(FutLabelStore *self,
                      const guint8 digest[FUT_SHA256_LEN],
                      FutClass klass,
                      GError **error)
{
	g_autoptr(GBytes) key = g_bytes_new(digest, FUT_SHA256_LEN);
	gpointer old_value = NULL;
	gboolean had;
	gboolean ok = TRUE;

	g_mutex_lock(&self->lock);
	had = g_hash_table_lookup_extended(self->map, key, NULL, &old_value);
	if (klass == FUT_CLASS_I || klass == FUT_CLASS_II) {
		if (!had && g_hash_table_size(self->map) >= self->max_entries) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("the label store is full (%u entries)"), self->max_entries);
			g_mutex_unlock(&self->lock);
			return FALSE;
		}
		g_hash_table_replace(self->map, g_bytes_ref(key), GINT_TO_POINTER(klass));
	} else {
		g_hash_table_remove(self->map, key);
	}
	if (self->path != NULL) {
		ok = save_locked(self, error);
		if (!ok) {
			/* keep memory and disk telling the same story */
			if (had)
				g_hash_table_replace(self->map, g_bytes_ref(key), old_value);
			else
				g_hash_table_remove(self->map, key);
		}
	}
	g_mutex_unlock(&self->lock);
	return ok;
}
