/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "logrecord-priv.h"
#include "logrecord.h"
#include "util.h"

static const gchar *const known_events[] = {
    FUT_LOG_EV_AGENT_START,       FUT_LOG_EV_AGENT_STOP,
    FUT_LOG_EV_AGENT_RELOAD,      FUT_LOG_EV_GAP,
    FUT_LOG_EV_DEVICE_ATTACH,     FUT_LOG_EV_DEVICE_DETACH,
    FUT_LOG_EV_DEVICE_SUSPICIOUS, FUT_LOG_EV_EXPORT_REQUESTED,
    FUT_LOG_EV_EXPORT_WRITTEN,    FUT_LOG_EV_EXPORT_REFUSED,
    FUT_LOG_EV_EXPORT_FAILED,     FUT_LOG_EV_APPROVAL_REFUSED,
    FUT_LOG_EV_REDEEM_ACCEPTED,   FUT_LOG_EV_UPLOAD_DENIED,
    FUT_LOG_EV_UPLOAD_ALLOWED,    FUT_LOG_EV_UPLOAD_OBSERVED,
    FUT_LOG_EV_LABEL_CHANGED,     FUT_LOG_EV_CHECKPOINT,
    FUT_LOG_EV_CRL_REFUSED,
};

gboolean
fut_log_event_name_is_known(const gchar *event)
{
	for (gsize i = 0; i < G_N_ELEMENTS(known_events); i++) {
		if (g_strcmp0(event, known_events[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean
fut_log_event_name_valid(const gchar *s)
{
	gsize n = 0;

	if (s == NULL || !g_ascii_islower(s[0]))
		return FALSE;
	for (const gchar *p = s; *p; p++, n++) {
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '-' && *p != '.')
			return FALSE;
	}
	return n <= 64;
}

gboolean
fut_log_detail_key_valid(const gchar *s)
{
	gsize n = 0;

	if (s == NULL || s[0] == '\0')
		return FALSE;
	for (const gchar *p = s; *p; p++, n++) {
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_')
			return FALSE;
	}
	return n <= 32;
}

static void
detail_free(gpointer p)
{
	FutLogDetail *d = p;

	g_free(d->key);
	g_free(d->str);
	g_free(d);
}

FutLogEvent *
fut_log_event_new(const gchar *event)
{
	FutLogEvent *ev;

	g_return_val_if_fail(fut_log_event_name_valid(event), NULL);
	ev = g_new0(FutLogEvent, 1);
	ev->event = g_strdup(event);
	ev->subject.uid = FUT_LOG_INT_ABSENT;
	ev->subject.loginuid = FUT_LOG_INT_ABSENT;
	ev->subject.pid = FUT_LOG_INT_ABSENT;
	ev->object.size = FUT_LOG_INT_ABSENT;
	ev->approvers = g_ptr_array_new_with_free_func(g_free);
	ev->detail = g_ptr_array_new_with_free_func(detail_free);
	return ev;
}

FutLogEvent *
fut_log_event_new_gap(const gchar *kind, const gchar *reason)
{
	FutLogEvent *ev = fut_log_event_new(FUT_LOG_EV_GAP);

	fut_log_event_set_detail(ev, "kind", kind);
	if (reason != NULL)
		fut_log_event_set_decision(ev, NULL, reason);
	return ev;
}

void
fut_log_event_free(FutLogEvent *ev)
{
	if (ev == NULL)
		return;
	g_free(ev->event);
	g_free(ev->subject.login);
	g_free(ev->subject.exe);
	g_free(ev->object.path);
	g_free(ev->object.sha256);
	g_free(ev->object.klass);
	g_free(ev->destination.kind);
	g_free(ev->destination.vid);
	g_free(ev->destination.pid);
	g_free(ev->destination.serial);
	g_free(ev->destination.fs_uuid);
	g_free(ev->destination.label);
	g_free(ev->destination.asset);
	g_free(ev->destination.host);
	g_free(ev->destination.program);
	g_free(ev->decision);
	g_free(ev->reason);
	g_free(ev->request);
	g_ptr_array_unref(ev->approvers);
	g_ptr_array_unref(ev->detail);
	g_free(ev);
}

FutLogEvent *
fut_log_event_copy(const FutLogEvent *src)
{
	FutLogEvent *ev = fut_log_event_new(src->event);

	ev->subject.uid = src->subject.uid;
	ev->subject.login = g_strdup(src->subject.login);
	ev->subject.loginuid = src->subject.loginuid;
	ev->subject.pid = src->subject.pid;
	ev->subject.exe = g_strdup(src->subject.exe);
	ev->object.path = g_strdup(src->object.path);
	ev->object.size = src->object.size;
	ev->object.sha256 = g_strdup(src->object.sha256);
	ev->object.klass = g_strdup(src->object.klass);
	ev->destination.kind = g_strdup(src->destination.kind);
	ev->destination.vid = g_strdup(src->destination.vid);
	ev->destination.pid = g_strdup(src->destination.pid);
	ev->destination.serial = g_strdup(src->destination.serial);
	ev->destination.fs_uuid = g_strdup(src->destination.fs_uuid);
	ev->destination.label = g_strdup(src->destination.label);
	ev->destination.asset = g_strdup(src->destination.asset);
	ev->destination.host = g_strdup(src->destination.host);
	ev->destination.program = g_strdup(src->destination.program);
	ev->decision = g_strdup(src->decision);
	ev->reason = g_strdup(src->reason);
	ev->request = g_strdup(src->request);
	for (guint i = 0; i < src->approvers->len; i++)
		g_ptr_array_add(ev->approvers, g_strdup(g_ptr_array_index(src->approvers, i)));
	for (guint i = 0; i < src->detail->len; i++) {
		const FutLogDetail *d = g_ptr_array_index(src->detail, i);
		FutLogDetail *c = g_new0(FutLogDetail, 1);
		c->key = g_strdup(d->key);
		c->str = g_strdup(d->str);
		c->num = d->num;
		g_ptr_array_add(ev->detail, c);
	}
	return ev;
}

/* The escaped form of an untrusted string, bounded: escaping first, then cutting at a
 * character boundary, keeps the result free of control characters whatever the input. */
static gchar *
escape_bounded(const gchar *s)
{
	gchar *esc;
	gsize len;
	const gchar *cut;

	if (s == NULL)
		return NULL;
	esc = fut_strescape(s, -1);
	len = strlen(esc);
	if (len <= FUT_LOG_STRING_MAX)
		return esc;
	cut = g_utf8_find_prev_char(esc, esc + FUT_LOG_STRING_MAX - 3 + 1);
	while (cut != NULL && (gsize)(cut - esc) > FUT_LOG_STRING_MAX - 3)
		cut = g_utf8_find_prev_char(esc, cut);
	len = cut != NULL ? (gsize)(cut - esc) : 0;
	esc[len] = '\0';
	{
		gchar *out = g_strconcat(esc, "\xe2\x80\xa6", NULL);
		g_free(esc);
		return out;
	}
}

static void
set_str(gchar **field, const gchar *value)
{
	g_free(*field);
	*field = escape_bounded(value);
}

void
fut_log_event_set_subject(
    FutLogEvent *ev, gint64 uid, const gchar *login, gint64 loginuid, gint64 pid, const gchar *exe)
{
	/* (uid_t)-1 is "no login uid" for the kernel: the same as unknown here. */
	ev->subject.uid = uid >= 0 && uid < G_MAXUINT32 ? uid : FUT_LOG_INT_ABSENT;
	ev->subject.loginuid =
	    loginuid >= 0 && loginuid < G_MAXUINT32 ? loginuid : FUT_LOG_INT_ABSENT;
	ev->subject.pid = pid >= 0 ? pid : FUT_LOG_INT_ABSENT;
	set_str(&ev->subject.login, login);
	set_str(&ev->subject.exe, exe);
}

/* 0x10 | value for a lower-case hex digit, 0 for any other byte (NUL included). */
static const guint8 hex_value_table[256] = {
    ['0'] = 0x10, ['1'] = 0x11, ['2'] = 0x12, ['3'] = 0x13, ['4'] = 0x14, ['5'] = 0x15,
    ['6'] = 0x16, ['7'] = 0x17, ['8'] = 0x18, ['9'] = 0x19, ['a'] = 0x1a, ['b'] = 0x1b,
    ['c'] = 0x1c, ['d'] = 0x1d, ['e'] = 0x1e, ['f'] = 0x1f,
};

gboolean
fut_log_hex_valid(const gchar *s, gsize n)
{
	guint8 all = 0x10;

	if (s == NULL)
		return FALSE;
	/* a table, not two range tests: hex digits and letters mix at random, and a mispredicted
	 * branch per byte was an eighth of the verifier's time. A NUL before @n is not hex and
	 * stops the loop. */
	for (gsize i = 0; i < n; i++) {
		all &= hex_value_table[(guchar)s[i]];
		if (all == 0)
			return FALSE;
	}
	return s[n] == '\0';
}

gboolean
fut_log_hex_decode32(const gchar *s, guint8 ret[32])
{
	guint8 all = 0x10;

	for (gsize i = 0; i < 32 && all != 0; i++) {
		guint8 hi = hex_value_table[(guchar)s[2 * i]];
		guint8 lo = hex_value_table[(guchar)s[2 * i + 1]];
		all &= hi & lo;
		ret[i] = (guint8)((hi & 0x0f) << 4 | (lo & 0x0f));
	}
	return all != 0;
}

void
fut_log_hex_decode_valid(const gchar *s, guint8 *ret, gsize n)
{
	for (gsize i = 0; i < n; i++)
		ret[i] = (guint8)((hex_value_table[(guchar)s[2 * i]] & 0x0f) << 4 |
		                  (hex_value_table[(guchar)s[2 * i + 1]] & 0x0f));
}

gboolean
fut_log_klass_valid(const gchar *k)
{
	return g_strcmp0(k, "I") == 0 || g_strcmp0(k, "II") == 0 || g_strcmp0(k, "III") == 0;
}

void
fut_log_event_set_object(
    FutLogEvent *ev, const gchar *path, gint64 size, const gchar *sha256_hex, const gchar *klass)
{
	g_return_if_fail(sha256_hex == NULL || fut_log_hex_valid(sha256_hex, 2 * FUT_SHA256_LEN));
	g_return_if_fail(klass == NULL || fut_log_klass_valid(klass));
	set_str(&ev->object.path, path);
	ev->object.size = size >= 0 ? size : FUT_LOG_INT_ABSENT;
	set_str(&ev->object.sha256, sha256_hex);
	set_str(&ev->object.klass, klass);
}

void
fut_log_event_set_usb(FutLogEvent *ev,
                      const gchar *vid,
                      const gchar *pid,
                      const gchar *serial,
                      const gchar *fs_uuid,
                      const gchar *label,
                      const gchar *asset)
{
	set_str(&ev->destination.kind, "usb");
	set_str(&ev->destination.vid, vid);
	set_str(&ev->destination.pid, pid);
	set_str(&ev->destination.serial, serial);
	set_str(&ev->destination.fs_uuid, fs_uuid);
	set_str(&ev->destination.label, label);
	set_str(&ev->destination.asset, asset);
}

void
fut_log_event_set_upload(FutLogEvent *ev, const gchar *host, const gchar *program)
{
	set_str(&ev->destination.kind, "upload");
	set_str(&ev->destination.host, host);
	set_str(&ev->destination.program, program);
}

void
fut_log_event_set_decision(FutLogEvent *ev, const gchar *decision, const gchar *reason)
{
	g_return_if_fail(decision == NULL || g_strcmp0(decision, FUT_LOG_DECISION_ALLOW) == 0 ||
	                 g_strcmp0(decision, FUT_LOG_DECISION_DENY) == 0);
	set_str(&ev->decision, decision);
	set_str(&ev->reason, reason);
}

void
fut_log_event_set_request(FutLogEvent *ev, const gchar *request_id)
{
	set_str(&ev->request, request_id);
}

void
fut_log_event_add_approver(FutLogEvent *ev, const gchar *approver_id)
{
	g_return_if_fail(approver_id != NULL);
	g_return_if_fail(ev->approvers->len < FUT_LOG_APPROVERS_MAX);
	g_ptr_array_add(ev->approvers, escape_bounded(approver_id));
}

static FutLogDetail *
detail_slot(FutLogEvent *ev, const gchar *key)
{
	FutLogDetail *d;
	guint i;

	g_return_val_if_fail(fut_log_detail_key_valid(key), NULL);
	for (i = 0; i < ev->detail->len; i++) {
		d = g_ptr_array_index(ev->detail, i);
		gint c = strcmp(d->key, key);
		if (c == 0) {
			g_clear_pointer(&d->str, g_free);
			d->num = 0;
			return d;
		}
		if (c > 0)
			break;
	}
	g_return_val_if_fail(ev->detail->len < FUT_LOG_DETAIL_MAX, NULL);
	d = g_new0(FutLogDetail, 1);
	d->key = g_strdup(key);
	g_ptr_array_insert(ev->detail, (gint)i, d);
	return d;
}

void
fut_log_event_set_detail_raw(FutLogEvent *ev, const gchar *key, const gchar *value, gboolean escape)
{
	FutLogDetail *d;

	if (value == NULL)
		return;
	d = detail_slot(ev, key);
	if (d != NULL)
		d->str = escape ? escape_bounded(value) : g_strdup(value);
}

void
fut_log_event_set_detail(FutLogEvent *ev, const gchar *key, const gchar *value)
{
	fut_log_event_set_detail_raw(ev, key, value, TRUE);
}

void
fut_log_event_set_detail_int(FutLogEvent *ev, const gchar *key, gint64 value)
{
	FutLogDetail *d;

	g_return_if_fail(value >= 0);
	d = detail_slot(ev, key);
	if (d != NULL)
		d->num = value;
}

const FutLogDetail *
fut_log_event_get_detail(const FutLogEvent *ev, const gchar *key)
{
	for (guint i = 0; i < ev->detail->len; i++) {
		const FutLogDetail *d = g_ptr_array_index(ev->detail, i);
		if (strcmp(d->key, key) == 0)
			return d;
	}
	return NULL;
}

const gchar *
fut_log_event_get_detail_str(const FutLogEvent *ev, const gchar *key)
{
	const FutLogDetail *d = fut_log_event_get_detail(ev, key);

	return d != NULL ? d->str : NULL;
}

void
fut_log_record_free(FutLogRecord *rec)
{
	if (rec == NULL)
		return;
	g_free(rec->host);
	fut_log_event_free(rec->ev);
	g_free(rec);
}
