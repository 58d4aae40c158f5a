/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "errors.h"
#include "logrecord-priv.h"
#include "logrecord.h"
#include "util.h"

/* --- checkpoints ----------------------------------------------------------------------- */

void
fut_log_checkpoint_free(FutLogCheckpoint *cp)
{
	if (cp == NULL)
		return;
	g_free(cp->host);
	g_free(cp);
}

FutLogCheckpoint *
fut_log_checkpoint_copy(const FutLogCheckpoint *cp)
{
	FutLogCheckpoint *c = g_memdup2(cp, sizeof(*cp));

	c->host = g_strdup(cp->host);
	return c;
}

gchar *
fut_log_checkpoint_signed_text(const FutLogCheckpoint *cp, gsize *ret_len)
{
	g_autofree gchar *root = fut_hex_encode(cp->root, FUT_SHA256_LEN);
	g_autofree gchar *last = fut_hex_encode(cp->last_hash, FUT_SHA256_LEN);
	g_autofree gchar *kid = fut_hex_encode(cp->key_id, FUT_KEY_ID_LEN);
	g_autofree gchar *pub = fut_hex_encode(cp->pub, FUT_ED25519_PUBLIC_LEN);
	g_autofree gchar *time = fut_log_time_format(cp->time_us);
	gchar *text;

	text = g_strdup_printf("futari log checkpoint v1\n"
	                       "host %s\n"
	                       "month %s\n"
	                       "size %" G_GUINT64_FORMAT "\n"
	                       "root %s\n"
	                       "last-seq %" G_GINT64_FORMAT "\n"
	                       "last-hash %s\n"
	                       "time %s\n"
	                       "key-id %s\n"
	                       "key %s\n",
	                       cp->host, cp->month, cp->size, root, cp->last_seq, last, time, kid,
	                       pub);
	if (ret_len != NULL)
		*ret_len = strlen(text);
	return text;
}

gboolean
fut_log_checkpoint_sign(FutLogCheckpoint *cp, const FutKey *key, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;

	fut_key_get_id(key, cp->key_id);
	fut_key_get_public(key, cp->pub);
	text = fut_log_checkpoint_signed_text(cp, &len);
	return fut_key_sign(key, text, len, cp->sig, error);
}

gboolean
fut_log_checkpoint_verify(const FutLogCheckpoint *cp, GError **error)
{
	g_autoptr(FutKey) key = fut_key_new_public(cp->pub, error);
	g_autofree gchar *text = NULL;
	guint8 kid[FUT_KEY_ID_LEN];
	gsize len = 0;

	if (key == NULL)
		return FALSE;
	fut_key_get_id(key, kid);
	if (memcmp(kid, cp->key_id, FUT_KEY_ID_LEN) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE,
		            _("checkpoint key id does not match its public key"));
		return FALSE;
	}
	text = fut_log_checkpoint_signed_text(cp, &len);
	return fut_key_verify(key, text, len, cp->sig, error);
}

static gboolean
month_valid(const gchar *m)
{
	return m != NULL && strlen(m) == 7 && g_ascii_isdigit(m[0]) && g_ascii_isdigit(m[1]) &&
	       g_ascii_isdigit(m[2]) && g_ascii_isdigit(m[3]) && m[4] == '-' &&
	       ((m[5] == '0' && m[6] >= '1' && m[6] <= '9') ||
	        (m[5] == '1' && m[6] >= '0' && m[6] <= '2'));
}

/* Fills the checkpoint fields from string/integer lookups shared by the record and the
 * witness forms. */
typedef const gchar *(*GetStrFunc)(gpointer src, const gchar *key);
typedef gboolean (*GetIntFunc)(gpointer src, const gchar *key, gint64 *ret);

static gboolean
checkpoint_fill(FutLogCheckpoint *cp, gpointer src, GetStrFunc gs, GetIntFunc gi, GError **error)
{
	const gchar *month = gs(src, "month");
	const gchar *root = gs(src, "root");
	const gchar *last = gs(src, "last_hash");
	const gchar *kid = gs(src, "key_id");
	const gchar *pub = gs(src, "key");
	const gchar *sig = gs(src, "sig");
	gint64 size = -1;
	gint64 last_seq = -1;

	if (!month_valid(month))
		return fut_log_invalid(error, _("checkpoint month is not YYYY-MM"));
	if (!gi(src, "size", &size) || !gi(src, "last_seq", &last_seq))
		return fut_log_invalid(error, _("checkpoint size or last_seq is missing"));
	if (!fut_log_hex_valid(root, 64) || !fut_log_hex_valid(last, 64) ||
	    !fut_log_hex_valid(kid, 2 * FUT_KEY_ID_LEN) ||
	    !fut_log_hex_valid(pub, 2 * FUT_ED25519_PUBLIC_LEN) ||
	    !fut_log_hex_valid(sig, 2 * FUT_ED25519_SIG_LEN))
		return fut_log_invalid(
		    error, _("checkpoint root, last_hash, key_id, key or sig is not hex "
		             "of the right length"));
	g_strlcpy(cp->month, month, sizeof(cp->month));
	cp->size = (guint64)size;
	cp->last_seq = last_seq;
	/* checked above: lower-case hex of exactly the length */
	fut_log_hex_decode_valid(root, cp->root, FUT_SHA256_LEN);
	fut_log_hex_decode_valid(last, cp->last_hash, FUT_SHA256_LEN);
	fut_log_hex_decode_valid(kid, cp->key_id, FUT_KEY_ID_LEN);
	fut_log_hex_decode_valid(pub, cp->pub, FUT_ED25519_PUBLIC_LEN);
	fut_log_hex_decode_valid(sig, cp->sig, FUT_ED25519_SIG_LEN);
	return TRUE;
}

static const gchar *
event_get_str(gpointer src, const gchar *key)
{
	return fut_log_event_get_detail_str(src, key);
}

static gboolean
event_get_int(gpointer src, const gchar *key, gint64 *ret)
{
	const FutLogDetail *d = fut_log_event_get_detail(src, key);

	if (d == NULL || d->str != NULL)
		return FALSE;
	*ret = d->num;
	return TRUE;
}

FutLogCheckpoint *
fut_log_checkpoint_from_record(const FutLogRecord *rec, GError **error)
{
	g_autoptr(FutLogCheckpoint) cp = g_new0(FutLogCheckpoint, 1);

	if (g_strcmp0(rec->ev->event, FUT_LOG_EV_CHECKPOINT) != 0) {
		fut_log_invalid(error, _("not a checkpoint record"));
		return NULL;
	}
	if (!checkpoint_fill(cp, rec->ev, event_get_str, event_get_int, error))
		return NULL;
	cp->host = g_strdup(rec->host);
	cp->time_us = rec->time_us;
	return g_steal_pointer(&cp);
}

/* Appends the member @key with @n bytes at @data in lower-case hex. */
static void
members_hex(FutLogMembers *m, const gchar *key, const guint8 *data, gsize n)
{
	static const gchar digits[] = "0123456789abcdef";
	gsize at;

	fut_log_members_key(m, key);
	g_string_append_c(m->out, '"');
	at = m->out->len;
	g_string_set_size(m->out, at + 2 * n);
	for (gsize i = 0; i < n; i++) {
		m->out->str[at + 2 * i] = digits[data[i] >> 4];
		m->out->str[at + 2 * i + 1] = digits[data[i] & 0x0f];
	}
	g_string_append_c(m->out, '"');
}

gchar *
fut_log_checkpoint_to_witness(const FutLogCheckpoint *cp)
{
	/* Encoded for every witness line read too (the reader compares): no allocation per
	 * member. */
	GString *out = g_string_sized_new(400);
	FutLogMembers m = {out, TRUE};
	gchar time[FUT_LOG_TIME_LEN + 1];

	fut_log_time_format_buf(cp->time_us, time);
	g_string_append_c(out, '{');
	fut_log_members_str(&m, "host", cp->host);
	fut_log_members_str(&m, "month", cp->month);
	fut_log_members_int(&m, "size", (gint64)cp->size);
	members_hex(&m, "root", cp->root, FUT_SHA256_LEN);
	fut_log_members_int(&m, "last_seq", cp->last_seq);
	members_hex(&m, "last_hash", cp->last_hash, FUT_SHA256_LEN);
	fut_log_members_str(&m, "time", time);
	members_hex(&m, "key_id", cp->key_id, FUT_KEY_ID_LEN);
	members_hex(&m, "key", cp->pub, FUT_ED25519_PUBLIC_LEN);
	members_hex(&m, "sig", cp->sig, FUT_ED25519_SIG_LEN);
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

static const gchar *
json_get_str(gpointer src, const gchar *key)
{
	JsonNode *n = json_object_get_member(src, key);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static gboolean
json_get_int(gpointer src, const gchar *key, gint64 *ret)
{
	JsonNode *n = json_object_get_member(src, key);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) < 0)
		return FALSE;
	*ret = json_node_get_int(n);
	return TRUE;
}

/* The members of a witness line as read by witness_fast(). */
typedef struct {
	const gchar *names[10];
	gchar *str[10];
	gint64 num[10];
} WitnessFields;

static const gchar *
fields_get_str(gpointer src, const gchar *key)
{
	WitnessFields *f = src;

	for (guint i = 0; i < G_N_ELEMENTS(f->names); i++) {
		if (strcmp(f->names[i], key) == 0)
			return f->str[i];
	}
	return NULL;
}

static gboolean
fields_get_int(gpointer src, const gchar *key, gint64 *ret)
{
	WitnessFields *f = src;

	for (guint i = 0; i < G_N_ELEMENTS(f->names); i++) {
		if (strcmp(f->names[i], key) == 0 && f->str[i] == NULL) {
			*ret = f->num[i];
			return TRUE;
		}
	}
	return FALSE;
}

/* A witness file holds every checkpoint of the fleet (tens of thousands of lines), read
 * before any host is verified. The writer's layout is read here directly; whatever this
 * accepts is encoded again and compared, so it accepts only canonical lines, which the JSON
 * path accepts too. Anything else (an escape, a control, another order) returns NULL and
 * goes to the JSON path, which decides and says why. */
static FutLogCheckpoint *
witness_fast(const gchar *line, gsize len)
{
	static const gchar *const names[] = {"host",      "month", "size",   "root", "last_seq",
	                                     "last_hash", "time",  "key_id", "key",  "sig"};
	static const gboolean is_int[] = {FALSE, FALSE, TRUE,  FALSE, TRUE,
	                                  FALSE, FALSE, FALSE, FALSE, FALSE};
	g_autoptr(FutLogCheckpoint) cp = g_new0(FutLogCheckpoint, 1);
	WitnessFields f = {{NULL}, {NULL}, {0}};
	const gchar *p = line;
	const gchar *end = line + len;
	gboolean ok = TRUE;
	g_autofree gchar *again = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(names) && ok; i++) {
		gsize n = strlen(names[i]);
		f.names[i] = names[i];
		if (p >= end || *p++ != (i == 0 ? '{' : ',') || end - p < (gssize)n + 3 ||
		    p[0] != '"' || memcmp(p + 1, names[i], n) != 0 || p[n + 1] != '"' ||
		    p[n + 2] != ':') {
			ok = FALSE;
			break;
		}
		p += n + 3;
		if (is_int[i]) {
			gint64 v = 0;
			guint digits = 0;
			while (p < end && g_ascii_isdigit(*p) && digits < 18) {
				v = v * 10 + (*p++ - '0');
				digits++;
			}
			ok = digits > 0;
			f.num[i] = v;
		} else {
			const gchar *q;
			if (p >= end || *p++ != '"') {
				ok = FALSE;
				break;
			}
			for (q = p; q < end && *q != '"' && *q != '\\' && (guchar)*q >= 0x20; q++)
				;
			if (q >= end || *q != '"') {
				ok = FALSE;
				break;
			}
			f.str[i] = g_strndup(p, (gsize)(q - p));
			p = q + 1;
		}
	}
	ok = ok && p + 1 == end && *p == '}';
	ok = ok && f.str[0][0] != '\0' && g_utf8_validate(f.str[0], -1, NULL) &&
	     fut_log_time_parse(f.str[6], &cp->time_us, NULL) &&
	     checkpoint_fill(cp, &f, fields_get_str, fields_get_int, NULL);
	if (ok) {
		cp->host = g_strdup(f.str[0]);
		again = fut_log_checkpoint_to_witness(cp);
		ok = strlen(again) == len && memcmp(again, line, len) == 0;
	}
	for (guint i = 0; i < G_N_ELEMENTS(f.str); i++)
		g_free(f.str[i]);
	return ok ? g_steal_pointer(&cp) : NULL;
}

FutLogCheckpoint *
fut_log_checkpoint_from_witness(const gchar *line, gsize len, GError **error)
{
	FutLogCheckpoint *cp;

	if (len > 4096 || memchr(line, '\0', len) != NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("witness: line too long or holds a NUL byte"));
		return NULL;
	}
	cp = witness_fast(line, len);
	if (cp != NULL)
		return cp;
	return fut_log_checkpoint_from_witness_json(line, len, error);
}

FutLogCheckpoint *
fut_log_checkpoint_from_witness_json(const gchar *line, gsize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(FutLogCheckpoint) cp = g_new0(FutLogCheckpoint, 1);
	g_autofree gchar *again = NULL;
	const gchar *host;
	const gchar *time;
	GError *local = NULL;
	JsonObject *o;

	if (len > 4096 || memchr(line, '\0', len) != NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("witness: line too long or holds a NUL byte"));
		return NULL;
	}
	if (!json_parser_load_from_data(parser, line, (gssize)len, &local)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("witness: bad JSON: %s"),
		            local->message);
		g_error_free(local);
		return NULL;
	}
	if (json_parser_get_root(parser) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("witness: not a JSON object"));
		return NULL;
	}
	o = json_node_get_object(json_parser_get_root(parser));
	host = json_get_str(o, "host");
	time = json_get_str(o, "time");
	if (host == NULL || host[0] == '\0' || time == NULL ||
	    !fut_log_time_parse(time, &cp->time_us, NULL)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("witness: host or time is missing or malformed"));
		return NULL;
	}
	if (!checkpoint_fill(cp, o, json_get_str, json_get_int, error))
		return NULL;
	cp->host = g_strdup(host);
	again = fut_log_checkpoint_to_witness(cp);
	if (strlen(again) != len || memcmp(again, line, len) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("witness: not in canonical form"));
		return NULL;
	}
	return g_steal_pointer(&cp);
}
