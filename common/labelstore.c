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

#define HEADER_V1 "futari-labelstore 1\n"
#define HEADER    "futari-labelstore 2\n"
#define HEX_LEN   (FUT_SHA256_LEN * 2)
#define ENTRY_MAX (HEX_LEN + 1 + 3 + 1 + 10 + 1) /* "<hex> III <uid>\n" */
#define KEY_LEN   (FUT_SHA256_LEN + 4)

struct _FutLabelStore {
	GMutex lock;
	gchar *path;
	guint max_entries;
	guint per_uid_max;
	GHashTable *map;     /* GBytes (digest + uid, 36 bytes) -> GINT_TO_POINTER(FutClass) */
	GHashTable *per_uid; /* uid -> entries it holds */
	guint lines_on_disk; /* entry lines in the file (0: no file, or one to rewrite) */
};

static GBytes *
make_key(const guint8 digest[FUT_SHA256_LEN], guint32 uid)
{
	guint8 k[KEY_LEN];

	memcpy(k, digest, FUT_SHA256_LEN);
	memcpy(k + FUT_SHA256_LEN, &uid, 4);
	return g_bytes_new(k, sizeof(k));
}

static guint32
key_uid(GBytes *key)
{
	guint32 uid;

	memcpy(&uid, (const guint8 *)g_bytes_get_data(key, NULL) + FUT_SHA256_LEN, 4);
	return uid;
}

/* A uid as written: decimal digits, no sign, no leading zero, at most 2^32-1. */
static gboolean
parse_uid(const gchar *s, gsize len, guint64 *ret)
{
	guint64 v = 0;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit(s[i]))
			return FALSE;
		v = v * 10 + (guint64)(s[i] - '0');
	}
	if (v > G_MAXUINT32)
		return FALSE;
	*ret = v;
	return TRUE;
}

static void
per_uid_add(GHashTable *per_uid, guint32 uid, gint delta)
{
	gpointer u = GUINT_TO_POINTER(uid);
	gint n = (gint)GPOINTER_TO_UINT(g_hash_table_lookup(per_uid, u)) + delta;

	if (n <= 0)
		g_hash_table_remove(per_uid, u);
	else
		g_hash_table_insert(per_uid, u, GUINT_TO_POINTER((guint)n));
}

static GHashTable *
new_map(void)
{
	return g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref,
	                             NULL);
}

FutLabelStore *
fut_labelstore_new(const gchar *path, guint max_entries)
{
	FutLabelStore *self = g_new0(FutLabelStore, 1);

	g_mutex_init(&self->lock);
	self->path = g_strdup(path);
	self->max_entries = max_entries == 0 ? FUT_LABELSTORE_MAX_DEFAULT
	                                     : MIN(max_entries, FUT_LABELSTORE_MAX_LIMIT);
	self->per_uid_max = FUT_LABELSTORE_PER_UID_DEFAULT;
	self->map = new_map();
	self->per_uid = g_hash_table_new(NULL, NULL);
	return self;
}

void
fut_labelstore_set_per_uid_max(FutLabelStore *self, guint per_uid_max)
{
	g_mutex_lock(&self->lock);
	self->per_uid_max = per_uid_max;
	g_mutex_unlock(&self->lock);
}

void
fut_labelstore_free(FutLabelStore *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->map);
	g_hash_table_unref(self->per_uid);
	g_free(self->path);
	g_mutex_clear(&self->lock);
	g_free(self);
}

static void
count_uids(GHashTable *map, GHashTable *per_uid)
{
	GHashTableIter it;
	gpointer key;

	g_hash_table_remove_all(per_uid);
	g_hash_table_iter_init(&it, map);
	while (g_hash_table_iter_next(&it, &key, NULL))
		per_uid_add(per_uid, key_uid(key), 1);
}

/* Version 1: "<hex> <I|II>", each digest once (root's: uid 0). Version 2: "<hex> <class>
 * <uid>", appended, so a later line for the same digest and uid replaces an earlier one and
 * III forgets it. */
static gboolean
parse_locked(FutLabelStore *self, const gchar *text, gsize len, guint *ret_lines, GError **error)
{
	g_autoptr(GHashTable) map = new_map();
	const gchar *p = text;
	const gchar *end = text + len;
	guint lineno = 1;
	gboolean v1;

	if (len >= strlen(HEADER) && memcmp(text, HEADER, strlen(HEADER)) == 0) {
		v1 = FALSE;
	} else if (len >= strlen(HEADER_V1) && memcmp(text, HEADER_V1, strlen(HEADER_V1)) == 0) {
		v1 = TRUE;
	} else {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("label store: line 1 is not \"futari-labelstore 2\""));
		return FALSE;
	}
	p += strlen(HEADER);
	while (p < end) {
		const gchar *nl = memchr(p, '\n', (gsize)(end - p));
		const gchar *cls, *cls_end;
		g_autofree gchar *hex = NULL;
		guint8 digest[FUT_SHA256_LEN];
		guint64 uid = 0;
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
			            _("label store: line %u is not \"<sha256> <class> <uid>\""),
			            lineno);
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
		cls = p + HEX_LEN + 1;
		cls_end = v1 ? nl : memchr(cls, ' ', (gsize)(nl - cls));
		if (cls_end == NULL) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("label store: line %u is not \"<sha256> <class> <uid>\""),
			            lineno);
			return FALSE;
		}
		klass = fut_class_parse(cls, (gsize)(cls_end - cls));
		if (klass == FUT_CLASS_NONE || (v1 && klass == FUT_CLASS_III)) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("label store: line %u: the class must be I or II"), lineno);
			return FALSE;
		}
		if (!v1) {
			if (!parse_uid(cls_end + 1, (gsize)(nl - cls_end - 1), &uid)) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("label store: line %u: the uid is not a number"),
				            lineno);
				return FALSE;
			}
		}
		key = make_key(digest, (guint32)uid);
		if (v1 && g_hash_table_contains(map, key)) {
			g_bytes_unref(key);
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("label store: line %u repeats a digest"), lineno);
			return FALSE;
		}
		if (klass == FUT_CLASS_III) {
			g_hash_table_remove(map, key);
			g_bytes_unref(key);
		} else {
			g_hash_table_replace(map, key, GINT_TO_POINTER(klass));
		}
		if (g_hash_table_size(map) > self->max_entries) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("label store: more than %u entries"), self->max_entries);
			return FALSE;
		}
		p = nl + 1;
	}
	g_hash_table_unref(self->map);
	self->map = g_steal_pointer(&map);
	count_uids(self->map, self->per_uid);
	/* a version 1 file is rewritten (as version 2) before anything is appended */
	*ret_lines = v1 ? 0 : lineno - 1;
	return TRUE;
}

gboolean
fut_labelstore_parse(FutLabelStore *self, const gchar *text, gsize len, GError **error)
{
	gboolean ok;
	guint lines = 0;

	g_mutex_lock(&self->lock);
	ok = parse_locked(self, text, len, &lines, error);
	g_mutex_unlock(&self->lock);
	return ok;
}

gboolean
fut_labelstore_load(FutLabelStore *self, GError **error)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) local = NULL;
	gsize len = 0;
	/* appended lines: at most twice the live entries before the file is rewritten */
	gsize max = strlen(HEADER) + ((gsize)self->max_entries * 2 + 2048) * ENTRY_MAX;
	gboolean ok;
	guint lines = 0;

	g_return_val_if_fail(self->path != NULL, FALSE);
	if (!fut_file_read_bounded(self->path, max, &text, &len, &local)) {
		if (g_error_matches(local, FUT_ERROR, FUT_ERROR_IO) &&
		    access(self->path, F_OK) != 0 && errno == ENOENT) {
			g_mutex_lock(&self->lock);
			g_hash_table_remove_all(self->map);
			g_hash_table_remove_all(self->per_uid);
			self->lines_on_disk = 0;
			g_mutex_unlock(&self->lock);
			return TRUE;
		}
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	/* An append cut short by a crash leaves a last line without its ending: that one
	 * addition is lost (the file's own label still holds), the rest is kept, and the file
	 * is rewritten before the next append. Anything else damaged is an error. */
	g_mutex_lock(&self->lock);
	if (len > strlen(HEADER) && memcmp(text, HEADER, strlen(HEADER)) == 0 &&
	    text[len - 1] != '\n') {
		const gchar *last = g_strrstr_len(text, (gssize)len, "\n");
		len = (gsize)(last - text) + 1;
		ok = parse_locked(self, text, len, &lines, error);
		lines = 0;
	} else {
		ok = parse_locked(self, text, len, &lines, error);
	}
	if (ok)
		self->lines_on_disk = lines;
	g_mutex_unlock(&self->lock);
	return ok;
}

FutClass
fut_labelstore_lookup_owner(FutLabelStore *self, const guint8 digest[FUT_SHA256_LEN], guint32 uid)
{
	g_autoptr(GBytes) global = make_key(digest, 0);
	g_autoptr(GBytes) own = make_key(digest, uid);
	FutClass a, b;

	g_mutex_lock(&self->lock);
	a = (FutClass)GPOINTER_TO_INT(g_hash_table_lookup(self->map, global));
	b = uid == 0 ? FUT_CLASS_NONE
	             : (FutClass)GPOINTER_TO_INT(g_hash_table_lookup(self->map, own));
	g_mutex_unlock(&self->lock);
	return fut_class_max(a, b);
}

FutClass
fut_labelstore_lookup(FutLabelStore *self, const guint8 digest[FUT_SHA256_LEN])
{
	return fut_labelstore_lookup_owner(self, digest, 0);
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

guint
fut_labelstore_get_size_for(FutLabelStore *self, guint32 uid)
{
	guint n;

	g_mutex_lock(&self->lock);
	n = GPOINTER_TO_UINT(g_hash_table_lookup(self->per_uid, GUINT_TO_POINTER(uid)));
	g_mutex_unlock(&self->lock);
	return n;
}

static gint
cmp_bytes(gconstpointer a, gconstpointer b)
{
	return g_bytes_compare(*(GBytes *const *)a, *(GBytes *const *)b);
}

static void
append_entry(GString *out, GBytes *k, FutClass c)
{
	g_autofree gchar *hex = fut_hex_encode(g_bytes_get_data(k, NULL), FUT_SHA256_LEN);
	g_string_append_printf(out, "%s %s %u\n", hex, fut_class_name(c), (guint)key_uid(k));
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
		append_entry(out, k, GPOINTER_TO_INT(g_hash_table_lookup(self->map, k)));
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

/* Writes the whole store anew (the first time, after a version 1 file or a torn append,
 * and when appended lines outnumber the entries). */
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
	self->lines_on_disk = MAX(g_hash_table_size(self->map), 1);
	return TRUE;
}

/* One line at the end of the file, made durable (issue 16 item 7: each label rewrote and
 * fsynced the whole store). */
static gboolean
append_locked(FutLabelStore *self, GBytes *key, FutClass klass, GError **error)
{
	g_autoptr(GString) line = g_string_new(NULL);
	g_autofree gchar *safe = NULL;
	gsize off = 0;
	int fd;

	if (self->lines_on_disk == 0 ||
	    self->lines_on_disk > 2 * g_hash_table_size(self->map) + 1024)
		return save_locked(self, error);
	fd = open(self->path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return save_locked(self, error);
	safe = fut_strescape(self->path, -1);
	if (fd < 0)
		return fut_error_set_errno(error, errno, safe);
	append_entry(line, key, klass);
	while (off < line->len) {
		ssize_t n = write(fd, line->str + off, line->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			/* a partial line is dropped at the next load; rewrite before appending */
			self->lines_on_disk = 0;
			return fut_error_set_errno(error, e, safe);
		}
		off += (gsize)n;
	}
	if (fdatasync(fd) < 0) {
		int e = errno;
		close(fd);
		self->lines_on_disk = 0;
		return fut_error_set_errno(error, e, safe);
	}
	close(fd);
	self->lines_on_disk++;
	return TRUE;
}

gboolean
fut_labelstore_record_for(FutLabelStore *self,
                          const guint8 digest[FUT_SHA256_LEN],
                          FutClass klass,
                          guint32 uid,
                          GError **error)
{
	g_autoptr(GBytes) key = make_key(digest, uid);
	gpointer old_value = NULL;
	gboolean had, ok = TRUE;
	guint held;

	if (klass != FUT_CLASS_I && klass != FUT_CLASS_II)
		klass = FUT_CLASS_III;
	g_mutex_lock(&self->lock);
	had = g_hash_table_lookup_extended(self->map, key, NULL, &old_value);
	held = GPOINTER_TO_UINT(g_hash_table_lookup(self->per_uid, GUINT_TO_POINTER(uid)));
	if (klass != FUT_CLASS_III && !had) {
		if (g_hash_table_size(self->map) >= self->max_entries) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("the label store is full (%u entries)"), self->max_entries);
			g_mutex_unlock(&self->lock);
			return FALSE;
		}
		if (uid != 0 && held >= self->per_uid_max) {
			g_set_error(
			    error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			    _("you have labelled %u files already, the most the label memory "
			      "keeps for one person: ask IT to label more"),
			    held);
			g_mutex_unlock(&self->lock);
			return FALSE;
		}
	}
	if (klass == FUT_CLASS_III && !had) {
		g_mutex_unlock(&self->lock);
		return TRUE;
	}
	if (klass != FUT_CLASS_III)
		g_hash_table_replace(self->map, g_bytes_ref(key), GINT_TO_POINTER(klass));
	else
		g_hash_table_remove(self->map, key);
	if (self->path != NULL)
		ok = append_locked(self, key, klass, error);
	if (!ok) {
		/* keep memory and disk telling the same story */
		if (had)
			g_hash_table_replace(self->map, g_bytes_ref(key), old_value);
		else
			g_hash_table_remove(self->map, key);
	} else if (!had) {
		per_uid_add(self->per_uid, uid, 1);
	} else if (klass == FUT_CLASS_III) {
		per_uid_add(self->per_uid, uid, -1);
	}
	g_mutex_unlock(&self->lock);
	return ok;
}

/* Root lowering a class to III forgets every user's entry for the content too. */
static gboolean
forget_all(FutLabelStore *self, const guint8 digest[FUT_SHA256_LEN], GError **error)
{
	g_autoptr(GPtrArray) uids = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;

	g_mutex_lock(&self->lock);
	g_hash_table_iter_init(&it, self->map);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		if (key_uid(key) != 0 &&
		    memcmp(g_bytes_get_data(key, NULL), digest, FUT_SHA256_LEN) == 0)
			g_ptr_array_add(uids, GUINT_TO_POINTER(key_uid(key)));
	}
	g_mutex_unlock(&self->lock);
	for (guint i = 0; i < uids->len; i++) {
		if (!fut_labelstore_record_for(self, digest, FUT_CLASS_III,
		                               GPOINTER_TO_UINT(g_ptr_array_index(uids, i)), error))
			return FALSE;
	}
	return TRUE;
}

gboolean
fut_labelstore_record(FutLabelStore *self,
                      const guint8 digest[FUT_SHA256_LEN],
                      FutClass klass,
                      GError **error)
{
	if (klass != FUT_CLASS_I && klass != FUT_CLASS_II && !forget_all(self, digest, error))
		return FALSE;
	return fut_labelstore_record_for(self, digest, klass, 0, error);
}
