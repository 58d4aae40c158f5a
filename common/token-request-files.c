/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "fields.h"
#include "token-fields.h"
#include "util.h"

/* The files of a version-2 request (docs/formats.md §6.3.1): one request for a folder's
 * Class I/II files (issue 18). */

#define NAME_MAX_BYTES 255

static void
file_free(FutRequestFile *f)
{
	g_free(f->path);
	g_free(f);
}

GPtrArray *
fut_tok_request_files_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)file_free);
}

GPtrArray *
fut_tok_request_files_dup(const GPtrArray *files)
{
	GPtrArray *out;

	if (files == NULL)
		return NULL;
	out = fut_tok_request_files_new();
	for (guint i = 0; i < files->len; i++) {
		const FutRequestFile *f = g_ptr_array_index(files, i);
		FutRequestFile *d = g_new0(FutRequestFile, 1);
		*d = *f;
		d->path = g_strdup(f->path);
		g_ptr_array_add(out, d);
	}
	return out;
}

void
fut_request_add_file(FutRequest *q,
                     const gchar *path,
                     guint64 size,
                     const guint8 sha256[FUT_SHA256_LEN],
                     FutClass klass)
{
	FutRequestFile *f = g_new0(FutRequestFile, 1);

	q->version = 2;
	if (q->files == NULL)
		q->files = fut_tok_request_files_new();
	f->path = g_strdup(path);
	f->size = size;
	memcpy(f->sha256, sha256, FUT_SHA256_LEN);
	f->klass = klass;
	g_ptr_array_add(q->files, f);
}

guint
fut_request_n_files(const FutRequest *q)
{
	return q->version == 2 && q->files != NULL ? q->files->len : 1;
}

static gboolean
part_check(const gchar *p, gsize len, GError **error)
{
	const gchar *why = NULL;

	if (len == 0)
		why = _("an empty folder or file name (two '/' in a row, or one at an end)");
	else if (len > NAME_MAX_BYTES)
		why = _("a name longer than 255 bytes");
	else if (!g_utf8_validate(p, (gssize)len, NULL))
		why = _("a name that is not valid UTF-8");
	else if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
		why = _("'.' or '..'");
	else if (p[0] == ' ' || p[len - 1] == ' ' || p[len - 1] == '.')
		why = _("a name that starts with a space or ends with a dot or a space");
	else {
		for (const gchar *c = p; c < p + len; c = g_utf8_next_char(c)) {
			gunichar u = g_utf8_get_char(c);
			if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) ||
			    g_unichar_type(u) == G_UNICODE_FORMAT) {
				why = _("a control or format character");
				break;
			}
			if (u < 0x80 && strchr("\"*:<>?\\|", (int)u) != NULL) {
				why = _("a character a USB stick cannot store (\" * : < > ? \\ |)");
				break;
			}
		}
	}
	if (why == NULL)
		return TRUE;
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("unsafe path: %s"), why);
	return FALSE;
}

gboolean
fut_request_path_check(const gchar *path, GError **error)
{
	const gchar *p;
	guint parts = 0;

	if (path == NULL || *path == '\0') {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("empty path"));
		return FALSE;
	}
	if (strlen(path) > FUT_TEXT_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE, _("path longer than %d bytes"),
		            FUT_TEXT_MAX);
		return FALSE;
	}
	p = path;
	for (;;) {
		const gchar *slash = strchr(p, '/');
		gsize len = slash != NULL ? (gsize)(slash - p) : strlen(p);
		if (!part_check(p, len, error))
			return FALSE;
		if (++parts > FUT_REQUEST_PATH_DEPTH) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("path nested deeper than %d parts"), FUT_REQUEST_PATH_DEPTH);
			return FALSE;
		}
		if (slash == NULL)
			return TRUE;
		p = slash + 1;
	}
}

static gboolean
files_fail(GError **error, guint k, GError *local)
{
	g_prefix_error(&local, "file.%u: ", k);
	g_propagate_error(error, local);
	return FALSE;
}

gboolean
fut_tok_request_files_check(const FutRequest *q, GError **error)
{
	g_autoptr(GHashTable) seen = NULL;
	FutClass high = FUT_CLASS_INVALID;

	if (q->files == NULL || q->files->len == 0 || q->files->len > FUT_REQUEST_MAX_FILES) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'files': a version-2 request names 1 to %d files"),
		            FUT_REQUEST_MAX_FILES);
		return FALSE;
	}
	seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < q->files->len; i++) {
		const FutRequestFile *f = g_ptr_array_index(q->files, i);
		GError *local = NULL;
		if (!fut_request_path_check(f->path, &local))
			return files_fail(error, i + 1, local);
		if (!g_hash_table_add(seen, f->path)) {
			local = g_error_new(FUT_ERROR, FUT_ERROR_INVALID_DATA,
			                    _("the same path as another file"));
			return files_fail(error, i + 1, local);
		}
		if (f->size > FUT_TOK_SIZE_MAX) {
			local = g_error_new(FUT_ERROR, FUT_ERROR_TOO_LARGE, _("size too large"));
			return files_fail(error, i + 1, local);
		}
		if (f->klass != FUT_CLASS_I && f->klass != FUT_CLASS_II) {
			local = g_error_new(FUT_ERROR, FUT_ERROR_INVALID_DATA,
			                    _("class must be I or II (a Class III file needs no "
			                      "request)"));
			return files_fail(error, i + 1, local);
		}
		/* FUT_CLASS_I is the most restricted: the lowest value of the two. */
		if (high == FUT_CLASS_INVALID || f->klass < high)
			high = f->klass;
	}
	if (q->klass != high) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("field 'class': must be the highest class of its files (%s)"),
		            fut_class_to_string(high));
		return FALSE;
	}
	return TRUE;
}

void
fut_tok_request_files_put(const FutRequest *q, GString *body)
{
	fut_tok_put_uint(body, "files", q->files->len);
	for (guint i = 0; i < q->files->len; i++) {
		const FutRequestFile *f = g_ptr_array_index(q->files, i);
		g_autofree gchar *kf = g_strdup_printf("file.%u", i + 1);
		g_autofree gchar *ks = g_strdup_printf("size.%u", i + 1);
		g_autofree gchar *kh = g_strdup_printf("sha256.%u", i + 1);
		g_autofree gchar *kc = g_strdup_printf("class.%u", i + 1);
		fut_tok_put_text(body, kf, f->path);
		fut_tok_put_uint(body, ks, f->size);
		fut_tok_put_hex(body, kh, f->sha256, FUT_SHA256_LEN);
		fut_fields_append(body, kc, fut_class_to_string(f->klass));
	}
}

static gpointer
make_known(gpointer data)
{
	const gchar *const *v1 = data;
	GPtrArray *k = g_ptr_array_new();

	for (guint i = 0; v1[i] != NULL; i++)
		g_ptr_array_add(k, g_strdup(v1[i]));
	g_ptr_array_add(k, g_strdup("files"));
	for (guint i = 1; i <= FUT_REQUEST_MAX_FILES; i++) {
		g_ptr_array_add(k, g_strdup_printf("file.%u", i));
		g_ptr_array_add(k, g_strdup_printf("size.%u", i));
		g_ptr_array_add(k, g_strdup_printf("sha256.%u", i));
		g_ptr_array_add(k, g_strdup_printf("class.%u", i));
	}
	g_ptr_array_add(k, NULL);
	return g_ptr_array_free(k, FALSE);
}

const gchar *const *
fut_tok_request_v2_keys(const gchar *const *v1_keys)
{
	static GOnce once = G_ONCE_INIT;

	return g_once(&once, make_known, (gpointer)v1_keys);
}

gboolean
fut_tok_request_files_read(FutFieldReader *r, FutRequest *q, GError **error)
{
	guint64 n = 0;

	if (!fut_tok_read_uint(r, "files", FUT_REQUEST_MAX_FILES, &n, error))
		return FALSE;
	if (n == 0) {
		fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA, _("must be 1 to %d"),
		                       FUT_REQUEST_MAX_FILES);
		return FALSE;
	}
	q->files = fut_tok_request_files_new();
	for (guint i = 1; i <= n; i++) {
		g_autofree gchar *kf = g_strdup_printf("file.%u", i);
		g_autofree gchar *ks = g_strdup_printf("size.%u", i);
		g_autofree gchar *kh = g_strdup_printf("sha256.%u", i);
		g_autofree gchar *kc = g_strdup_printf("class.%u", i);
		FutRequestFile *f = g_new0(FutRequestFile, 1);
		const gchar *raw;
		GError *local = NULL;

		g_ptr_array_add(q->files, f);
		if (!fut_tok_read_text(r, kf, FUT_TEXT_MAX, FALSE, &f->path, error))
			return FALSE;
		if (!fut_request_path_check(f->path, &local)) {
			fut_field_reader_error(r, error, local->code, "%s", local->message);
			g_error_free(local);
			return FALSE;
		}
		if (!fut_tok_read_uint(r, ks, FUT_TOK_SIZE_MAX, &f->size, error) ||
		    !fut_tok_read_hex(r, kh, f->sha256, FUT_SHA256_LEN, error))
			return FALSE;
		raw = fut_field_reader_take(r, kc, error);
		if (raw == NULL)
			return FALSE;
		f->klass = fut_class_from_string(raw);
		if (f->klass != FUT_CLASS_I && f->klass != FUT_CLASS_II) {
			fut_field_reader_error(r, error, FUT_ERROR_INVALID_DATA,
			                       _("must be I or II"));
			return FALSE;
		}
	}
	return TRUE;
}
