/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "approve-issued.h"
#include "errors.h"
#include "fields.h"
#include "util.h"

#define HEADER "# futari issued certificates v1"

typedef enum {
	STATE_ACTIVE,
	STATE_REPLACED,
	STATE_REVOKED,
} State;

static const gchar *const state_names[] = {"active", "replaced", "revoked"};

typedef struct {
	FutCertificate *cert; /* serial, staff id, logins, key, not-after; unsigned */
	State state;
} Entry;

struct _FutIssued {
	gchar *path;
	GPtrArray *entries; /* of Entry* */
};

static void
entry_free(gpointer p)
{
	Entry *e = p;

	fut_certificate_free(e->cert);
	g_free(e);
}

gchar *
fut_issued_default_path(const gchar *root_key_path)
{
	g_autofree gchar *dir = g_path_get_dirname(root_key_path);

	return g_build_filename(dir, FUT_ISSUED_FILE, NULL);
}

void
fut_issued_free(FutIssued *rec)
{
	if (rec == NULL)
		return;
	g_free(rec->path);
	g_ptr_array_unref(rec->entries);
	g_free(rec);
}

static gboolean
is_token(const gchar *s)
{
	gsize n = strlen(s);

	if (n == 0 || n > FUT_TOKEN_MAX)
		return FALSE;
	for (const gchar *p = s; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr("._@$+-", *p) == NULL)
			return FALSE;
	}
	return TRUE;
}

static Entry *
parse_line(const gchar *line, GError **error)
{
	g_auto(GStrv) f = g_strsplit(line, " ", 7);
	g_auto(GStrv) logins = NULL;
	g_autoptr(FutCertificate) c = fut_certificate_new();
	Entry *e;
	gint state = -1;

	if (g_strv_length(f) != 6) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("expected SERIAL STATE NOT-AFTER KEY STAFF-ID LOGINS"));
		return NULL;
	}
	if (!fut_serial_parse(f[0], c->serial, error))
		return NULL;
	for (guint i = 0; i < G_N_ELEMENTS(state_names); i++) {
		if (g_str_equal(f[1], state_names[i]))
			state = (gint)i;
	}
	if (state < 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("the state must be active, replaced or revoked"));
		return NULL;
	}
	if (!fut_time_parse(f[2], &c->not_after, error) ||
	    !fut_hex_decode(f[3], c->public_key, FUT_ED25519_PUBLIC_LEN, error))
		return NULL;
	if (!is_token(f[4])) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("invalid staff id"));
		return NULL;
	}
	c->staff_id = g_strdup(f[4]);
	logins = g_strsplit(f[5], ",", FUT_CERT_MAX_LOGINS + 1);
	if (g_strv_length(logins) > FUT_CERT_MAX_LOGINS) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("too many logins"));
		return NULL;
	}
	for (guint i = 0; logins[i] != NULL; i++) {
		if (!is_token(logins[i])) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("invalid login"));
			return NULL;
		}
		g_ptr_array_add(c->logins, g_strdup(logins[i]));
	}
	e = g_new0(Entry, 1);
	e->cert = g_steal_pointer(&c);
	e->state = (State)state;
	return e;
}

static Entry *find(FutIssued *rec, const guint8 serial[FUT_SERIAL_LEN]);

FutIssued *
fut_issued_load(const gchar *path, GError **error)
{
	g_autoptr(FutIssued) rec = g_new0(FutIssued, 1);
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	gsize len = 0;

	rec->path = g_strdup(path);
	rec->entries = g_ptr_array_new_with_free_func(entry_free);
	if (!g_file_test(path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
		return g_steal_pointer(&rec);
	if (!fut_file_read_bounded(path, FUT_ISSUED_TEXT_MAX, &text, &len, error))
		return NULL;
	if (strlen(text) != len || !g_str_has_suffix(text, "\n")) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s: not an issued-certificates record (NUL byte or no final "
		              "newline)"),
		            safe);
		return NULL;
	}
	text[len - 1] = '\0';
	lines = g_strsplit(text, "\n", FUT_ISSUED_MAX + 2);
	if (!g_str_equal(lines[0], HEADER)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("%s: line 1: expected \"%s\""), safe, HEADER);
		return NULL;
	}
	for (guint i = 1; lines[i] != NULL; i++) {
		GError *local = NULL;
		Entry *e;
		if (i > FUT_ISSUED_MAX) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
			            _("%s: more than %d certificates"), safe, FUT_ISSUED_MAX);
			return NULL;
		}
		e = parse_line(lines[i], &local);
		if (e == NULL) {
			g_propagate_prefixed_error(error, local, _("%s: line %u: "), safe, i + 1);
			return NULL;
		}
		if (find(rec, e->cert->serial) != NULL) {
			entry_free(e);
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("%s: line %u: this serial is listed twice"), safe, i + 1);
			return NULL;
		}
		g_ptr_array_add(rec->entries, e);
	}
	return g_steal_pointer(&rec);
}

static Entry *
find(FutIssued *rec, const guint8 serial[FUT_SERIAL_LEN])
{
	for (guint i = 0; i < rec->entries->len; i++) {
		Entry *e = rec->entries->pdata[i];
		if (memcmp(e->cert->serial, serial, FUT_SERIAL_LEN) == 0)
			return e;
	}
	return NULL;
}

gboolean
fut_issued_admit(
    FutIssued *rec, const FutCertificate *cert, const guint8 *replaces, gint64 now, GError **error)
{
	Entry *old = NULL;
	Entry *e;

	if (replaces != NULL) {
		g_autofree gchar *serial = fut_hex_encode(replaces, FUT_SERIAL_LEN);
		const gchar *why = NULL;
		old = find(rec, replaces);
		if (old == NULL || old->state != STATE_ACTIVE) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
			            old == NULL
			                ? _("--replaces %s: no such certificate in the record")
			                : _("--replaces %s: that certificate is already "
			                    "replaced or revoked"),
			            serial);
			return FALSE;
		}
		if (!fut_certificate_same_person(old->cert, cert, &why)) {
			g_autofree gchar *id = fut_strescape(old->cert->staff_id, -1);
			g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
			            _("--replaces %s: that is the certificate of %s, who shares no "
			              "staff id, login or key with the new one"),
			            serial, id);
			return FALSE;
		}
	}
	if (find(rec, cert->serial) != NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("the record already holds this serial"));
		return FALSE;
	}
	for (guint i = 0; i < rec->entries->len; i++) {
		Entry *x = rec->entries->pdata[i];
		const gchar *why = NULL;
		if (x == old || x->state != STATE_ACTIVE || x->cert->not_after < now)
			continue;
		if (fut_certificate_same_person(x->cert, cert, &why)) {
			g_autofree gchar *serial = fut_certificate_dup_serial_string(x->cert);
			g_autofree gchar *id = fut_strescape(x->cert->staff_id, -1);
			g_set_error(
			    error, FUT_ERROR, FUT_ERROR_REFUSED,
			    _("%s already holds certificate %s (the new one would share %s): "
			      "one person is one approver. To re-issue it, give --replaces %s "
			      "(the old one then goes on the next revocation list)"),
			    id, serial, _(why), serial);
			return FALSE;
		}
	}
	if (old != NULL)
		old->state = STATE_REPLACED;
	e = g_new0(Entry, 1);
	e->cert = fut_certificate_dup(cert);
	e->state = STATE_ACTIVE;
	g_ptr_array_add(rec->entries, e);
	return TRUE;
}

guint
fut_issued_add_revocations(FutIssued *rec, FutRevocationList *list)
{
	guint n = 0;

	for (guint i = 0; i < rec->entries->len; i++) {
		Entry *e = rec->entries->pdata[i];
		if (e->state != STATE_ACTIVE && fut_revocation_list_add(list, e->cert->serial))
			n++;
	}
	return n;
}

gboolean
fut_issued_mark_revoked(FutIssued *rec, const guint8 serial[FUT_SERIAL_LEN])
{
	Entry *e = find(rec, serial);

	if (e == NULL)
		return FALSE;
	e->state = STATE_REVOKED;
	return TRUE;
}

gboolean
fut_issued_save(FutIssued *rec, GError **error)
{
	g_autoptr(GString) s = g_string_new(HEADER "\n");

	for (guint i = 0; i < rec->entries->len; i++) {
		Entry *e = rec->entries->pdata[i];
		g_autofree gchar *serial = fut_certificate_dup_serial_string(e->cert);
		g_autofree gchar *t = fut_time_format(e->cert->not_after);
		g_autofree gchar *key = fut_hex_encode(e->cert->public_key, FUT_ED25519_PUBLIC_LEN);
		g_string_append_printf(s, "%s %s %s %s %s ", serial, state_names[e->state], t, key,
		                       e->cert->staff_id);
		for (guint k = 0; k < e->cert->logins->len; k++)
			g_string_append_printf(s, "%s%s", k > 0 ? "," : "",
			                       (const gchar *)e->cert->logins->pdata[k]);
		g_string_append_c(s, '\n');
	}
	return g_file_set_contents_full(
	    rec->path, s->str, (gssize)s->len,
	    G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, error);
}
