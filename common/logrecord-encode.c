/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "logrecord-priv.h"
#include "logrecord.h"
#include "util.h"

/* --- canonical encoding ---------------------------------------------------------------- */

/* JSON string: '"' and '\' escaped with a backslash, C0 controls and DEL as \u00xx, every
 * other byte as is. The setters never store controls; the rule exists so that the encoding
 * is total and a parsed line that holds one is re-encoded the same way. */
static void
json_append_str(GString *out, const gchar *s)
{
	g_string_append_c(out, '"');
	for (const guchar *p = (const guchar *)s; *p; p++) {
		/* a run of bytes that need no escape, in one append */
		const guchar *q = p;
		while (*q != '\0' && *q != '"' && *q != '\\' && *q >= 0x20 && *q != 0x7f)
			q++;
		if (q > p) {
			g_string_append_len(out, (const gchar *)p, (gssize)(q - p));
			p = q - 1;
			continue;
		}
		if (*p == '"' || *p == '\\') {
			g_string_append_c(out, '\\');
			g_string_append_c(out, (gchar)*p);
		} else if (*p < 0x20 || *p == 0x7f) {
			g_string_append_printf(out, "\\u%04x", *p);
		} else {
			g_string_append_c(out, (gchar)*p);
		}
	}
	g_string_append_c(out, '"');
}

void
fut_log_members_key(FutLogMembers *m, const gchar *key)
{
	if (!m->first)
		g_string_append_c(m->out, ',');
	m->first = FALSE;
	g_string_append_c(m->out, '"');
	g_string_append(m->out, key);
	g_string_append(m->out, "\":");
}

void
fut_log_members_str(FutLogMembers *m, const gchar *key, const gchar *value)
{
	if (value == NULL)
		return;
	fut_log_members_key(m, key);
	json_append_str(m->out, value);
}

void
fut_log_members_int(FutLogMembers *m, const gchar *key, gint64 value)
{
	if (value < 0)
		return;
	gchar digits[24];
	gsize n = sizeof(digits);

	fut_log_members_key(m, key);
	do {
		digits[--n] = (gchar)('0' + value % 10);
		value /= 10;
	} while (value > 0);
	g_string_append_len(m->out, digits + n, (gssize)(sizeof(digits) - n));
}

/* Opens a nested object under @key; returns its member list. The object is dropped again
 * by members_close() when nothing was put in it. */
static gsize
members_open(FutLogMembers *m, const gchar *key, FutLogMembers *inner)
{
	gsize mark = m->out->len;
	gboolean was_first = m->first;

	fut_log_members_key(m, key);
	g_string_append_c(m->out, '{');
	inner->out = m->out;
	inner->first = TRUE;
	m->first = was_first;
	return mark;
}

static void
members_close(FutLogMembers *m, FutLogMembers *inner, gsize mark)
{
	if (inner->first) {
		g_string_truncate(m->out, mark);
		return;
	}
	g_string_append_c(m->out, '}');
	m->first = FALSE;
}

static void
encode_event(FutLogMembers *m, const FutLogEvent *ev)
{
	FutLogMembers in;
	gsize mark;

	fut_log_members_str(m, "event", ev->event);

	mark = members_open(m, "subject", &in);
	fut_log_members_int(&in, "uid", ev->subject.uid);
	fut_log_members_str(&in, "login", ev->subject.login);
	fut_log_members_int(&in, "loginuid", ev->subject.loginuid);
	fut_log_members_int(&in, "pid", ev->subject.pid);
	fut_log_members_str(&in, "exe", ev->subject.exe);
	members_close(m, &in, mark);

	mark = members_open(m, "object", &in);
	fut_log_members_str(&in, "path", ev->object.path);
	fut_log_members_int(&in, "size", ev->object.size);
	fut_log_members_str(&in, "sha256", ev->object.sha256);
	fut_log_members_str(&in, "class", ev->object.klass);
	members_close(m, &in, mark);

	mark = members_open(m, "destination", &in);
	fut_log_members_str(&in, "kind", ev->destination.kind);
	fut_log_members_str(&in, "vid", ev->destination.vid);
	fut_log_members_str(&in, "pid", ev->destination.pid);
	fut_log_members_str(&in, "serial", ev->destination.serial);
	fut_log_members_str(&in, "fs_uuid", ev->destination.fs_uuid);
	fut_log_members_str(&in, "label", ev->destination.label);
	fut_log_members_str(&in, "asset", ev->destination.asset);
	fut_log_members_str(&in, "host", ev->destination.host);
	fut_log_members_str(&in, "program", ev->destination.program);
	members_close(m, &in, mark);

	fut_log_members_str(m, "decision", ev->decision);
	fut_log_members_str(m, "reason", ev->reason);
	fut_log_members_str(m, "request", ev->request);
	if (ev->approvers->len > 0) {
		fut_log_members_key(m, "approvers");
		g_string_append_c(m->out, '[');
		for (guint i = 0; i < ev->approvers->len; i++) {
			if (i > 0)
				g_string_append_c(m->out, ',');
			json_append_str(m->out, g_ptr_array_index(ev->approvers, i));
		}
		g_string_append_c(m->out, ']');
	}
	mark = members_open(m, "detail", &in);
	for (guint i = 0; i < ev->detail->len; i++) {
		const FutLogDetail *d = g_ptr_array_index(ev->detail, i);
		if (d->str != NULL)
			fut_log_members_str(&in, d->key, d->str);
		else
			fut_log_members_int(&in, d->key, d->num);
	}
	members_close(m, &in, mark);
}

gchar *
fut_log_record_encode(FutLogRecord *rec, gsize *ret_len)
{
	GString *out = g_string_sized_new(512);
	FutLogMembers m = {out, TRUE};
	g_autofree gchar *time = fut_log_time_format(rec->time_us);
	g_autofree gchar *prev = fut_hex_encode(rec->prev, FUT_SHA256_LEN);
	g_autofree gchar *hash = NULL;

	g_string_append_c(out, '{');
	fut_log_members_int(&m, "seq", rec->seq);
	fut_log_members_str(&m, "time", time);
	fut_log_members_str(&m, "host", rec->host);
	encode_event(&m, rec->ev);
	fut_log_members_str(&m, "prev", prev);
	g_string_append_c(out, '}');
	fut_sha256(out->str, out->len, rec->hash);
	g_string_truncate(out, out->len - 1);
	hash = fut_hex_encode(rec->hash, FUT_SHA256_LEN);
	g_string_append_printf(out, ",\"hash\":\"%s\"}", hash);
	if (ret_len != NULL)
		*ret_len = out->len;
	return g_string_free(out, FALSE);
}
