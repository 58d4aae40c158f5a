/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "errors.h"
#include "logrecord.h"
#include "util.h"

#define HASH_SUFFIX_LEN (sizeof(",\"hash\":\"") - 1 + 2 * FUT_SHA256_LEN + 2)

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

static gboolean
event_name_valid(const gchar *s)
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

static gboolean
detail_key_valid(const gchar *s)
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

	g_return_val_if_fail(event_name_valid(event), NULL);
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

static gboolean
hex_valid(const gchar *s, gsize n)
{
	gsize i;

	if (s == NULL)
		return FALSE;
	for (i = 0; i < n; i++) {
		guchar c = (guchar)s[i];
		/* also stops at the NUL of a shorter string */
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return FALSE;
	}
	return s[n] == '\0';
}

static gboolean
klass_valid(const gchar *k)
{
	return g_strcmp0(k, "I") == 0 || g_strcmp0(k, "II") == 0 || g_strcmp0(k, "III") == 0;
}

void
fut_log_event_set_object(
    FutLogEvent *ev, const gchar *path, gint64 size, const gchar *sha256_hex, const gchar *klass)
{
	g_return_if_fail(sha256_hex == NULL || hex_valid(sha256_hex, 2 * FUT_SHA256_LEN));
	g_return_if_fail(klass == NULL || klass_valid(klass));
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

	g_return_val_if_fail(detail_key_valid(key), NULL);
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

static void
set_detail_raw(FutLogEvent *ev, const gchar *key, const gchar *value, gboolean escape)
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
	set_detail_raw(ev, key, value, TRUE);
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

/* --- time ------------------------------------------------------------------------------ */

/* 9999-12-31T23:59:59.999999Z + 1 µs: the end of the years GDateTime knows. */
#define TIME_FAST_END G_GINT64_CONSTANT(253402300800000000)

/* The civil date of a day count since 1970-01-01 (days >= 0), H. Hinnant's algorithm. */
static void
civil_from_days(gint64 days, gint *ret_year, gint *ret_month, gint *ret_day)
{
	gint64 z = days + 719468;
	gint64 era = z / 146097;
	gint64 doe = z - era * 146097;
	gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	gint64 mp = (5 * doy + 2) / 153;
	gint64 d = doy - (153 * mp + 2) / 5 + 1;
	gint64 m = mp < 10 ? mp + 3 : mp - 9;

	*ret_year = (gint)(yoe + era * 400 + (m <= 2));
	*ret_month = (gint)m;
	*ret_day = (gint)d;
}

/* The day count since 1970-01-01 of a civil date (year >= 1970), H. Hinnant's algorithm. */
static gint64
days_from_civil(gint64 y, gint64 m, gint64 d)
{
	y -= m <= 2;
	gint64 era = y / 400;
	gint64 yoe = y - era * 400;
	gint64 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void
put_digits(gchar *p, gint64 v, gint width)
{
	for (gint i = width - 1; i >= 0; i--) {
		p[i] = (gchar)('0' + v % 10);
		v /= 10;
	}
}

gchar *
fut_log_time_format(gint64 time_us)
{
	/* Every log record's time is formatted on write and again on verify: the common range
	 * is done by hand, without a GDateTime and printf per record. */
	if (time_us >= 0 && time_us < TIME_FAST_END) {
		gchar *out = g_strdup("0000-00-00T00:00:00.000000Z");
		gint64 secs = time_us / G_USEC_PER_SEC;
		gint64 sod = secs % 86400;
		gint year, month, day;

		civil_from_days(secs / 86400, &year, &month, &day);
		put_digits(out, year, 4);
		put_digits(out + 5, month, 2);
		put_digits(out + 8, day, 2);
		put_digits(out + 11, sod / 3600, 2);
		put_digits(out + 14, sod / 60 % 60, 2);
		put_digits(out + 17, sod % 60, 2);
		put_digits(out + 20, time_us % G_USEC_PER_SEC, 6);
		return out;
	}

	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);

	if (dt == NULL)
		return g_strdup("0000-00-00T00:00:00.000000Z");
	return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", g_date_time_get_year(dt),
	                       g_date_time_get_month(dt), g_date_time_get_day_of_month(dt),
	                       g_date_time_get_hour(dt), g_date_time_get_minute(dt),
	                       g_date_time_get_second(dt), (gint)(time_us % G_USEC_PER_SEC));
}

gboolean
fut_log_time_parse(const gchar *s, gint64 *ret_time_us, GError **error)
{
	static const gchar pattern[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	gint v[7] = {0};
	const gint start[] = {0, 5, 8, 11, 14, 17, 20};
	const gint width[] = {4, 2, 2, 2, 2, 2, 6};
	g_autofree gchar *back = NULL;

	if (strlen(s) != sizeof(pattern) - 1)
		goto bad;
	for (gsize i = 0; i < sizeof(pattern) - 1; i++) {
		if (pattern[i] == 'd' ? !g_ascii_isdigit(s[i]) : s[i] != pattern[i])
			goto bad;
	}
	for (gsize f = 0; f < G_N_ELEMENTS(v); f++) {
		for (gint i = 0; i < width[f]; i++)
			v[f] = v[f] * 10 + (s[start[f] + i] - '0');
	}
	/* Out-of-range fields are refused here; a day past the month's end (02-30) is refused
	 * by the round trip below, as it prints back as another date. */
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 59)
		goto bad;
	*ret_time_us = ((days_from_civil(v[0], v[1], v[2]) * 24 + v[3]) * 60 + v[4]) * 60 + v[5];
	*ret_time_us = *ret_time_us * G_USEC_PER_SEC + v[6];
	/* A time that does not print back the same (e.g. 24:00:00) is not canonical. */
	back = fut_log_time_format(*ret_time_us);
	if (strcmp(back, s) != 0)
		goto bad;
	return TRUE;
bad:
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
	            _("time is not of the form YYYY-MM-DDThh:mm:ss.uuuuuuZ"));
	return FALSE;
}

void
fut_log_time_month(gint64 time_us, gchar ret_month[8])
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);

	if (dt == NULL) {
		g_strlcpy(ret_month, "0000-00", 8);
		return;
	}
	g_snprintf(ret_month, 8, "%04d-%02d", g_date_time_get_year(dt) % 10000,
	           g_date_time_get_month(dt));
}

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

typedef struct {
	GString *out;
	gboolean first;
} Members;

static void
members_key(Members *m, const gchar *key)
{
	if (!m->first)
		g_string_append_c(m->out, ',');
	m->first = FALSE;
	g_string_append_c(m->out, '"');
	g_string_append(m->out, key);
	g_string_append(m->out, "\":");
}

static void
members_str(Members *m, const gchar *key, const gchar *value)
{
	if (value == NULL)
		return;
	members_key(m, key);
	json_append_str(m->out, value);
}

static void
members_int(Members *m, const gchar *key, gint64 value)
{
	if (value < 0)
		return;
	gchar digits[24];
	gsize n = sizeof(digits);

	members_key(m, key);
	do {
		digits[--n] = (gchar)('0' + value % 10);
		value /= 10;
	} while (value > 0);
	g_string_append_len(m->out, digits + n, (gssize)(sizeof(digits) - n));
}

/* Opens a nested object under @key; returns its member list. The object is dropped again
 * by members_close() when nothing was put in it. */
static gsize
members_open(Members *m, const gchar *key, Members *inner)
{
	gsize mark = m->out->len;
	gboolean was_first = m->first;

	members_key(m, key);
	g_string_append_c(m->out, '{');
	inner->out = m->out;
	inner->first = TRUE;
	m->first = was_first;
	return mark;
}

static void
members_close(Members *m, Members *inner, gsize mark)
{
	if (inner->first) {
		g_string_truncate(m->out, mark);
		return;
	}
	g_string_append_c(m->out, '}');
	m->first = FALSE;
}

static void
encode_event(Members *m, const FutLogEvent *ev)
{
	Members in;
	gsize mark;

	members_str(m, "event", ev->event);

	mark = members_open(m, "subject", &in);
	members_int(&in, "uid", ev->subject.uid);
	members_str(&in, "login", ev->subject.login);
	members_int(&in, "loginuid", ev->subject.loginuid);
	members_int(&in, "pid", ev->subject.pid);
	members_str(&in, "exe", ev->subject.exe);
	members_close(m, &in, mark);

	mark = members_open(m, "object", &in);
	members_str(&in, "path", ev->object.path);
	members_int(&in, "size", ev->object.size);
	members_str(&in, "sha256", ev->object.sha256);
	members_str(&in, "class", ev->object.klass);
	members_close(m, &in, mark);

	mark = members_open(m, "destination", &in);
	members_str(&in, "kind", ev->destination.kind);
	members_str(&in, "vid", ev->destination.vid);
	members_str(&in, "pid", ev->destination.pid);
	members_str(&in, "serial", ev->destination.serial);
	members_str(&in, "fs_uuid", ev->destination.fs_uuid);
	members_str(&in, "label", ev->destination.label);
	members_str(&in, "asset", ev->destination.asset);
	members_str(&in, "host", ev->destination.host);
	members_str(&in, "program", ev->destination.program);
	members_close(m, &in, mark);

	members_str(m, "decision", ev->decision);
	members_str(m, "reason", ev->reason);
	members_str(m, "request", ev->request);
	if (ev->approvers->len > 0) {
		members_key(m, "approvers");
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
			members_str(&in, d->key, d->str);
		else
			members_int(&in, d->key, d->num);
	}
	members_close(m, &in, mark);
}

gchar *
fut_log_record_encode(FutLogRecord *rec, gsize *ret_len)
{
	GString *out = g_string_sized_new(512);
	Members m = {out, TRUE};
	g_autofree gchar *time = fut_log_time_format(rec->time_us);
	g_autofree gchar *prev = fut_hex_encode(rec->prev, FUT_SHA256_LEN);
	g_autofree gchar *hash = NULL;

	g_string_append_c(out, '{');
	members_int(&m, "seq", rec->seq);
	members_str(&m, "time", time);
	members_str(&m, "host", rec->host);
	encode_event(&m, rec->ev);
	members_str(&m, "prev", prev);
	g_string_append_c(out, '}');
	fut_sha256(out->str, out->len, rec->hash);
	g_string_truncate(out, out->len - 1);
	hash = fut_hex_encode(rec->hash, FUT_SHA256_LEN);
	g_string_append_printf(out, ",\"hash\":\"%s\"}", hash);
	if (ret_len != NULL)
		*ret_len = out->len;
	return g_string_free(out, FALSE);
}

/* --- parsing --------------------------------------------------------------------------- */

static gboolean
invalid(GError **error, const gchar *what)
{
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("log record: %s"), what);
	return FALSE;
}

/* The setters store fut_strescape() output only, so a parsed string holding a control
 * character, a C1 control or an invisible format character (bidi override) was not written
 * by the writer: refusing it keeps every decoded value safe to print. */
static gboolean
string_safe(const gchar *s)
{
	for (const gchar *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c;
		GUnicodeType t;
		if ((guchar)*p < 0x80) {
			/* ASCII, most of every record: only controls are refused */
			if ((guchar)*p < 0x20 || *p == 0x7f)
				return FALSE;
			continue;
		}
		c = g_utf8_get_char(p);
		if (c < 0xa0)
			return FALSE;
		/* Kana, CJK and full-width forms hold no format character or separator: skip the
		 * table look-up for the bulk of Japanese text. */
		if ((c >= 0x3000 && c <= 0x9fff) || (c >= 0xff00 && c <= 0xffef))
			continue;
		t = g_unichar_type(c);
		if (t == G_UNICODE_FORMAT || t == G_UNICODE_LINE_SEPARATOR ||
		    t == G_UNICODE_PARAGRAPH_SEPARATOR || t == G_UNICODE_SURROGATE)
			return FALSE;
	}
	return TRUE;
}

/* A strict reader for the canonical subset of JSON the writer produces: no whitespace,
 * strings whose only escapes are \" and \\ (anything else would decode to a character the
 * writer never stores), non-negative integers without leading zeros. It is much faster than a
 * general JSON parser, and whatever it accepts is re-encoded and compared byte for byte
 * afterwards, so it needs to reject only what it cannot represent. */
typedef struct {
	const gchar *start;
	const gchar *p;
	const gchar *end;
	GError **error;
} Reader;

static gboolean
rd_fail(Reader *r, const gchar *what)
{
	g_set_error(r->error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("log record: %s at byte %zu"),
	            what, (gsize)(r->p - r->start));
	return FALSE;
}

static gboolean
rd_char(Reader *r, gchar c)
{
	if (r->p >= r->end || *r->p != c) {
		gchar what[32];
		g_snprintf(what, sizeof(what), _("expected '%c'"), c);
		return rd_fail(r, what);
	}
	r->p++;
	return TRUE;
}

static gboolean
rd_peek(Reader *r, gchar c)
{
	return r->p < r->end && *r->p == c;
}

/* A member name: [a-z0-9_]{1,32} (every name the schema knows). */
static gboolean
rd_key(Reader *r, gchar ret_key[40])
{
	gsize n = 0;

	if (!rd_char(r, '"'))
		return FALSE;
	while (r->p < r->end && *r->p != '"') {
		gchar c = *r->p;
		if (n >= 32 || !(g_ascii_islower(c) || g_ascii_isdigit(c) || c == '_'))
			return rd_fail(r, _("bad member name"));
		ret_key[n++] = c;
		r->p++;
	}
	ret_key[n] = '\0';
	if (n == 0)
		return rd_fail(r, _("empty member name"));
	return rd_char(r, '"') && rd_char(r, ':');
}

static gboolean
rd_string(Reader *r, gchar **ret)
{
	GString *s;

	if (!rd_char(r, '"'))
		return FALSE;
	/* The common case: no escape, printable bytes up to the closing quote, one copy. */
	{
		const gchar *q = r->p;
		while (q < r->end && *q != '"' && *q != '\\' && (guchar)*q >= 0x20 && *q != 0x7f)
			q++;
		if (q < r->end && *q == '"') {
			gsize n = (gsize)(q - r->p);
			if (!g_utf8_validate(r->p, (gssize)n, NULL)) {
				r->p = q;
				return rd_fail(
				    r,
				    _("string is not valid UTF-8 or holds an invisible character"));
			}
			{
				gchar *v = g_strndup(r->p, n);
				if (!string_safe(v)) {
					g_free(v);
					r->p = q;
					return rd_fail(r, _("string is not valid UTF-8 or holds an "
					                    "invisible character"));
				}
				g_free(*ret);
				*ret = v;
			}
			r->p = q + 1;
			return TRUE;
		}
	}
	s = g_string_new(NULL);
	while (r->p < r->end && *r->p != '"') {
		guchar c = (guchar)*r->p;
		if (c == '\\') {
			if (r->p + 1 >= r->end || (r->p[1] != '"' && r->p[1] != '\\')) {
				g_string_free(s, TRUE);
				return rd_fail(r, _("escape other than \\\" or \\\\ in a string"));
			}
			g_string_append_c(s, r->p[1]);
			r->p += 2;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			g_string_free(s, TRUE);
			return rd_fail(r, _("control character in a string"));
		}
		g_string_append_c(s, (gchar)c);
		r->p++;
	}
	if (!rd_char(r, '"')) {
		g_string_free(s, TRUE);
		return FALSE;
	}
	if (!g_utf8_validate(s->str, (gssize)s->len, NULL) || !string_safe(s->str)) {
		g_string_free(s, TRUE);
		return rd_fail(r, _("string is not valid UTF-8 or holds an invisible character"));
	}
	g_free(*ret);
	*ret = g_string_free(s, FALSE);
	return TRUE;
}

static gboolean
rd_uint(Reader *r, gint64 *ret)
{
	gint64 v = 0;
	gsize n = 0;

	while (r->p < r->end && g_ascii_isdigit(*r->p)) {
		if (n == 18)
			return rd_fail(r, _("integer too large"));
		if (n == 1 && v == 0)
			return rd_fail(r, _("integer with a leading zero"));
		v = v * 10 + (*r->p - '0');
		r->p++;
		n++;
	}
	if (n == 0)
		return rd_fail(r, _("expected a non-negative integer"));
	*ret = v;
	return TRUE;
}

/* Reads "{...}" calling @member for each member. */
typedef gboolean (*RdMemberFunc)(Reader *r, const gchar *key, gpointer data);

static gboolean
rd_object(Reader *r, RdMemberFunc member, gpointer data)
{
	gchar key[40];

	if (!rd_char(r, '{'))
		return FALSE;
	if (rd_peek(r, '}')) {
		r->p++;
		return TRUE;
	}
	for (;;) {
		if (!rd_key(r, key) || !member(r, key, data))
			return FALSE;
		if (rd_peek(r, ',')) {
			r->p++;
			continue;
		}
		return rd_char(r, '}');
	}
}

static gboolean
rd_unknown(Reader *r, const gchar *key)
{
	g_autofree gchar *what = g_strdup_printf(_("unknown member \"%s\""), key);
	return rd_fail(r, what);
}

static gboolean
rd_subject(Reader *r, const gchar *key, gpointer data)
{
	FutLogSubject *s = data;

	if (strcmp(key, "uid") == 0)
		return rd_uint(r, &s->uid);
	if (strcmp(key, "login") == 0)
		return rd_string(r, &s->login);
	if (strcmp(key, "loginuid") == 0)
		return rd_uint(r, &s->loginuid);
	if (strcmp(key, "pid") == 0)
		return rd_uint(r, &s->pid);
	if (strcmp(key, "exe") == 0)
		return rd_string(r, &s->exe);
	return rd_unknown(r, key);
}

static gboolean
rd_objectm(Reader *r, const gchar *key, gpointer data)
{
	FutLogObject *o = data;

	if (strcmp(key, "path") == 0)
		return rd_string(r, &o->path);
	if (strcmp(key, "size") == 0)
		return rd_uint(r, &o->size);
	if (strcmp(key, "sha256") == 0)
		return rd_string(r, &o->sha256);
	if (strcmp(key, "class") == 0)
		return rd_string(r, &o->klass);
	return rd_unknown(r, key);
}

static gboolean
rd_destination(Reader *r, const gchar *key, gpointer data)
{
	FutLogDestination *d = data;
	gchar **field = NULL;

	if (strcmp(key, "kind") == 0)
		field = &d->kind;
	else if (strcmp(key, "vid") == 0)
		field = &d->vid;
	else if (strcmp(key, "pid") == 0)
		field = &d->pid;
	else if (strcmp(key, "serial") == 0)
		field = &d->serial;
	else if (strcmp(key, "fs_uuid") == 0)
		field = &d->fs_uuid;
	else if (strcmp(key, "label") == 0)
		field = &d->label;
	else if (strcmp(key, "asset") == 0)
		field = &d->asset;
	else if (strcmp(key, "host") == 0)
		field = &d->host;
	else if (strcmp(key, "program") == 0)
		field = &d->program;
	else
		return rd_unknown(r, key);
	return rd_string(r, field);
}

static gboolean
rd_detail(Reader *r, const gchar *key, gpointer data)
{
	FutLogEvent *ev = data;

	if (ev->detail->len >= FUT_LOG_DETAIL_MAX)
		return rd_fail(r, _("too many detail fields"));
	if (rd_peek(r, '"')) {
		g_autofree gchar *v = NULL;
		if (!rd_string(r, &v))
			return FALSE;
		set_detail_raw(ev, key, v, FALSE);
	} else {
		gint64 v = 0;
		if (!rd_uint(r, &v))
			return FALSE;
		fut_log_event_set_detail_int(ev, key, v);
	}
	return TRUE;
}

typedef struct {
	FutLogRecord *rec;
	gchar *time;
	gchar *event;
	gchar *prev;
	gchar *hash;
} RdTop;

static gboolean
rd_top(Reader *r, const gchar *key, gpointer data)
{
	RdTop *t = data;
	FutLogRecord *rec = t->rec;

	/* The event comes before every member that fills it (canonical order); the reader
	 * keeps that as a rule so it can fill the event as it goes. */
	if (strcmp(key, "seq") == 0)
		return rd_uint(r, &rec->seq);
	if (strcmp(key, "time") == 0)
		return rd_string(r, &t->time);
	if (strcmp(key, "host") == 0)
		return rd_string(r, &rec->host);
	if (strcmp(key, "event") == 0) {
		if (!rd_string(r, &t->event))
			return FALSE;
		if (!event_name_valid(t->event) || rec->ev != NULL)
			return rd_fail(r, _("event name is not of [a-z0-9.-]"));
		rec->ev = fut_log_event_new(t->event);
		return TRUE;
	}
	if (strcmp(key, "prev") == 0)
		return rd_string(r, &t->prev);
	if (strcmp(key, "hash") == 0)
		return rd_string(r, &t->hash);
	if (rec->ev == NULL)
		return rd_fail(r, _("member before \"event\""));
	if (strcmp(key, "subject") == 0)
		return rd_object(r, rd_subject, &rec->ev->subject);
	if (strcmp(key, "object") == 0)
		return rd_object(r, rd_objectm, &rec->ev->object);
	if (strcmp(key, "destination") == 0)
		return rd_object(r, rd_destination, &rec->ev->destination);
	if (strcmp(key, "decision") == 0)
		return rd_string(r, &rec->ev->decision);
	if (strcmp(key, "reason") == 0)
		return rd_string(r, &rec->ev->reason);
	if (strcmp(key, "request") == 0)
		return rd_string(r, &rec->ev->request);
	if (strcmp(key, "detail") == 0)
		return rd_object(r, rd_detail, rec->ev);
	if (strcmp(key, "approvers") == 0) {
		if (!rd_char(r, '['))
			return FALSE;
		while (!rd_peek(r, ']')) {
			gchar *v = NULL;
			if (rec->ev->approvers->len > 0 && !rd_char(r, ','))
				return FALSE;
			if (rec->ev->approvers->len >= FUT_LOG_APPROVERS_MAX)
				return rd_fail(r, _("too many approvers"));
			if (!rd_string(r, &v))
				return FALSE;
			g_ptr_array_add(rec->ev->approvers, v);
		}
		r->p++;
		return TRUE;
	}
	return rd_unknown(r, key);
}

FutLogRecord *
fut_log_record_parse(const gchar *line, gsize len, GError **error)
{
	g_autoptr(FutLogRecord) rec = g_new0(FutLogRecord, 1);
	g_autofree gchar *again = NULL;
	RdTop top = {rec, NULL, NULL, NULL, NULL};
	Reader r = {line, line, line + len, error};
	gsize again_len = 0;
	gboolean ok;

	if (len > FUT_LOG_LINE_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("log record: line longer than %d bytes"), FUT_LOG_LINE_MAX);
		return NULL;
	}
	rec->seq = -1;
	rec->ev = NULL;
	ok = rd_object(&r, rd_top, &top);
	if (ok && r.p != r.end)
		ok = rd_fail(&r, _("trailing bytes after the record"));
	if (ok && (rec->seq < 0 || top.time == NULL || rec->host == NULL || rec->host[0] == '\0' ||
	           rec->ev == NULL || top.prev == NULL || top.hash == NULL))
		ok = invalid(error, _("seq, time, host, event, prev or hash is missing"));
	if (ok && !fut_log_time_parse(top.time, &rec->time_us, error)) {
		g_prefix_error(error, "log record: ");
		ok = FALSE;
	}
	if (ok && (!hex_valid(top.prev, 64) || !hex_valid(top.hash, 64)))
		ok = invalid(error, _("prev or hash is not 64 lower-case hex characters"));
	if (ok && rec->ev->object.sha256 != NULL && !hex_valid(rec->ev->object.sha256, 64))
		ok = invalid(error, _("object sha256 is not 64 lower-case hex characters"));
	if (ok && rec->ev->object.klass != NULL && !klass_valid(rec->ev->object.klass))
		ok = invalid(error, _("object class is not I, II or III"));
	if (ok && rec->ev->decision != NULL &&
	    g_strcmp0(rec->ev->decision, FUT_LOG_DECISION_ALLOW) != 0 &&
	    g_strcmp0(rec->ev->decision, FUT_LOG_DECISION_DENY) != 0)
		ok = invalid(error, _("decision is neither allow nor deny"));
	if (ok)
		fut_hex_decode(top.prev, rec->prev, FUT_SHA256_LEN, NULL);
	if (ok) {
		/* The only accepted spelling of a record is the one the writer produces: member
		 * order, duplicates, omitted empty objects and number forms all show up here. */
		again = fut_log_record_encode(rec, &again_len);
		if (again_len != len || memcmp(again, line, len) != 0) {
			if (again_len == len && memcmp(again, line, len - HASH_SUFFIX_LEN) == 0) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE,
				            _("log record: hash does not match the content"));
			} else {
				invalid(error, _("not in canonical form"));
			}
			ok = FALSE;
		}
	}
	g_free(top.time);
	g_free(top.event);
	g_free(top.prev);
	g_free(top.hash);
	if (!ok)
		return NULL;
	return g_steal_pointer(&rec);
}

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
		return invalid(error, _("checkpoint month is not YYYY-MM"));
	if (!gi(src, "size", &size) || !gi(src, "last_seq", &last_seq))
		return invalid(error, _("checkpoint size or last_seq is missing"));
	if (!hex_valid(root, 64) || !hex_valid(last, 64) || !hex_valid(kid, 2 * FUT_KEY_ID_LEN) ||
	    !hex_valid(pub, 2 * FUT_ED25519_PUBLIC_LEN) || !hex_valid(sig, 2 * FUT_ED25519_SIG_LEN))
		return invalid(error, _("checkpoint root, last_hash, key_id, key or sig is not hex "
		                        "of the right length"));
	g_strlcpy(cp->month, month, sizeof(cp->month));
	cp->size = (guint64)size;
	cp->last_seq = last_seq;
	fut_hex_decode(root, cp->root, FUT_SHA256_LEN, NULL);
	fut_hex_decode(last, cp->last_hash, FUT_SHA256_LEN, NULL);
	fut_hex_decode(kid, cp->key_id, FUT_KEY_ID_LEN, NULL);
	fut_hex_decode(pub, cp->pub, FUT_ED25519_PUBLIC_LEN, NULL);
	fut_hex_decode(sig, cp->sig, FUT_ED25519_SIG_LEN, NULL);
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
		invalid(error, _("not a checkpoint record"));
		return NULL;
	}
	if (!checkpoint_fill(cp, rec->ev, event_get_str, event_get_int, error))
		return NULL;
	cp->host = g_strdup(rec->host);
	cp->time_us = rec->time_us;
	return g_steal_pointer(&cp);
}

gchar *
fut_log_checkpoint_to_witness(const FutLogCheckpoint *cp)
{
	GString *out = g_string_sized_new(400);
	Members m = {out, TRUE};
	g_autofree gchar *time = fut_log_time_format(cp->time_us);
	g_autofree gchar *root = fut_hex_encode(cp->root, FUT_SHA256_LEN);
	g_autofree gchar *last = fut_hex_encode(cp->last_hash, FUT_SHA256_LEN);
	g_autofree gchar *kid = fut_hex_encode(cp->key_id, FUT_KEY_ID_LEN);
	g_autofree gchar *pub = fut_hex_encode(cp->pub, FUT_ED25519_PUBLIC_LEN);
	g_autofree gchar *sig = fut_hex_encode(cp->sig, FUT_ED25519_SIG_LEN);

	g_string_append_c(out, '{');
	members_str(&m, "host", cp->host);
	members_str(&m, "month", cp->month);
	members_int(&m, "size", (gint64)cp->size);
	members_str(&m, "root", root);
	members_int(&m, "last_seq", cp->last_seq);
	members_str(&m, "last_hash", last);
	members_str(&m, "time", time);
	members_str(&m, "key_id", kid);
	members_str(&m, "key", pub);
	members_str(&m, "sig", sig);
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

FutLogCheckpoint *
fut_log_checkpoint_from_witness(const gchar *line, gsize len, GError **error)
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
