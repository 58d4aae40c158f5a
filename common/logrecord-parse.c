/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "logrecord-priv.h"
#include "logrecord.h"
#include "util.h"

#define HASH_SUFFIX_LEN (sizeof(",\"hash\":\"") - 1 + 2 * FUT_SHA256_LEN + 2)

/* --- parsing --------------------------------------------------------------------------- */

gboolean
fut_log_invalid(GError **error, const gchar *what)
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
 * writer never stores), non-negative integers without leading zeros.
 *
 * With @canonical set it also refuses everything else the writer would never produce: members
 * out of the writer's order or repeated (a rank per member name; detail keys in strcmp
 * order), and empty objects or arrays (the writer leaves them out). What it then accepts is
 * exactly the canonical encoding of what it read, in one pass, without encoding the record
 * again. Without @canonical it is the older reader, whose result is re-encoded and compared
 * byte for byte (fut_log_record_parse_reencode(), kept as the reference for the tests). */
typedef struct {
	const gchar *start;
	const gchar *p;
	const gchar *end;
	GError **error;
	gboolean canonical;
	gboolean lean;            /* strings the verifier does not use are checked, not kept */
	FutLogRecordArena *arena; /* strings kept here, never freed one by one; or NULL */
} Reader;

/* One record read in place (fut_log_record_parse_view): its event, its detail entries and its
 * strings live here and are overwritten by the next read. A string read takes at most the
 * bytes of its quoted form in the line (two quotes for one NUL; an escape is two bytes for
 * one), a detail key the bytes of its quoted name and colon: @buf of a line's length holds
 * every string of a record. */
struct _FutLogRecordArena {
	FutLogRecord rec;
	FutLogEvent ev;
	FutLogDetail details[FUT_LOG_DETAIL_MAX];
	gchar *buf; /* FUT_LOG_LINE_MAX + 1 bytes */
	gsize used;
	gchar *scratch; /* the line to hash, FUT_LOG_LINE_MAX + 1 bytes */
};

FutLogRecordArena *
fut_log_record_arena_new(void)
{
	FutLogRecordArena *a = g_new0(FutLogRecordArena, 1);

	a->buf = g_malloc(FUT_LOG_LINE_MAX + 1);
	a->scratch = g_malloc(FUT_LOG_LINE_MAX + 1);
	a->ev.approvers = g_ptr_array_sized_new(FUT_LOG_APPROVERS_MAX);
	a->ev.detail = g_ptr_array_sized_new(FUT_LOG_DETAIL_MAX);
	return a;
}

void
fut_log_record_arena_free(FutLogRecordArena *a)
{
	if (a == NULL)
		return;
	g_ptr_array_unref(a->ev.approvers);
	g_ptr_array_unref(a->ev.detail);
	g_free(a->buf);
	g_free(a->scratch);
	g_free(a);
}

/* Empties @a for the next record: nothing is freed, the event is reset in place. */
static void
arena_reset(FutLogRecordArena *a)
{
	GPtrArray *approvers = a->ev.approvers;
	GPtrArray *detail = a->ev.detail;

	a->used = 0;
	memset(&a->rec, 0, sizeof(a->rec));
	memset(&a->ev, 0, sizeof(a->ev));
	a->ev.subject.uid = FUT_LOG_INT_ABSENT;
	a->ev.subject.loginuid = FUT_LOG_INT_ABSENT;
	a->ev.subject.pid = FUT_LOG_INT_ABSENT;
	a->ev.object.size = FUT_LOG_INT_ABSENT;
	g_ptr_array_set_size(approvers, 0);
	g_ptr_array_set_size(detail, 0);
	a->ev.approvers = approvers;
	a->ev.detail = detail;
}

/* A member read by a member function with a rank in the writer's order; RANK_BY_NAME for the
 * detail object, whose keys are sorted by name. */
#define RANK_BY_NAME (-1)

/* @key (a NUL-terminated member name in a buffer of 40 bytes) is the literal @lit: a memcmp of
 * a constant size, inlined, instead of a strcmp call per candidate name. */
#define KEY_IS(key, lit) (memcmp((key), lit, sizeof(lit)) == 0)

static gboolean
rd_fail(Reader *r, const gchar *what)
{
	g_set_error(r->error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("log record: %s at byte %zu"),
	            what, (gsize)(r->p - r->start));
	return FALSE;
}

static inline gboolean
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

static inline gboolean
rd_peek(Reader *r, gchar c)
{
	return r->p < r->end && *r->p == c;
}

/* Returns a NUL-terminated copy of the @n bytes at @s: in the arena when there is one (NULL
 * when it is full, which the bound on its size rules out), else a new allocation. */
static gchar *
rd_keep(Reader *r, const gchar *s, gsize n)
{
	gchar *v;

	if (r->arena == NULL) {
		v = g_malloc(n + 1);
	} else {
		if (n + 1 > FUT_LOG_LINE_MAX + 1 - r->arena->used)
			return NULL;
		v = r->arena->buf + r->arena->used;
		r->arena->used += n + 1;
	}
	memcpy(v, s, n);
	v[n] = '\0';
	return v;
}

/* Gives back @v, the last string rd_keep() returned. */
static void
rd_drop(Reader *r, gchar *v)
{
	if (r->arena == NULL)
		g_free(v);
	else
		r->arena->used = (gsize)(v - r->arena->buf);
}

/* Stores @v in *@ret (or gives it back when @ret is NULL). */
static void
rd_set(Reader *r, gchar **ret, gchar *v)
{
	if (ret == NULL) {
		rd_drop(r, v);
		return;
	}
	if (r->arena == NULL)
		g_free(*ret);
	*ret = v;
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

/* Bytes a string holds as they are in the common case: printable ASCII, not '"' or '\\'. */
static const guint8 str_plain[256] = {
    [0x20] = 1,
    [0x21] = 1,
    [0x23 ... 0x5b] = 1,
    [0x5d ... 0x7e] = 1,
};

static gboolean
rd_string(Reader *r, gchar **ret)
{
	GString *s;

	if (!rd_char(r, '"'))
		return FALSE;
	/* The common case: no escape, printable bytes up to the closing quote, one copy. */
	{
		const gchar *q = r->p;
		guchar high = 0;
		/* printable ASCII but the quote and the backslash: one table look-up a byte */
		while (q < r->end && str_plain[(guchar)*q])
			q++;
		while (q < r->end && *q != '"' && *q != '\\' && (guchar)*q >= 0x20 && *q != 0x7f) {
			high |= (guchar)*q;
			q++;
		}
		if (q < r->end && *q == '"' && high < 0x80) {
			/* printable ASCII only: valid UTF-8, and string_safe() refuses none of it
			 * (copied with memcpy: g_strndup() pads with strncpy) */
			gsize n = (gsize)(q - r->p);
			if (ret != NULL) {
				gchar *v = rd_keep(r, r->p, n);
				if (v == NULL)
					return rd_fail(r, _("strings longer than the line"));
				rd_set(r, ret, v);
			}
			r->p = q + 1;
			return TRUE;
		}
		if (q < r->end && *q == '"') {
			gsize n = (gsize)(q - r->p);
			if (!g_utf8_validate(r->p, (gssize)n, NULL)) {
				r->p = q;
				return rd_fail(
				    r,
				    _("string is not valid UTF-8 or holds an invisible character"));
			}
			{
				gchar *v = rd_keep(r, r->p, n);
				if (v == NULL)
					return rd_fail(r, _("strings longer than the line"));
				if (!string_safe(v)) {
					rd_drop(r, v);
					r->p = q;
					return rd_fail(r, _("string is not valid UTF-8 or holds an "
					                    "invisible character"));
				}
				rd_set(r, ret, v);
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
	if (ret != NULL && r->arena == NULL) {
		g_free(*ret);
		*ret = g_string_free(s, FALSE);
	} else if (ret != NULL) {
		/* (a string with an escape: the arena read copies it from the GString) */
		gchar *v = rd_keep(r, s->str, s->len);
		g_string_free(s, TRUE);
		if (v == NULL)
			return rd_fail(r, _("strings longer than the line"));
		rd_set(r, ret, v);
	} else {
		g_string_free(s, TRUE);
	}
	return TRUE;
}

/* A string the verifier does not use (who, what, where, why): in a lean read it is checked
 * exactly as rd_string() checks it, and not kept. */
static gboolean
rd_text(Reader *r, gchar **ret)
{
	return rd_string(r, r->lean ? NULL : ret);
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

/* Reads "{...}" calling @member for each member; @member sets *@ret_rank to the member's
 * place in the writer's order (or RANK_BY_NAME). */
typedef gboolean (*RdMemberFunc)(Reader *r, const gchar *key, gint *ret_rank, gpointer data);

static gboolean
rd_object(Reader *r, RdMemberFunc member, gpointer data)
{
	gchar key[40] = ""; /* zero-filled: KEY_IS() may read past the NUL */
	gchar last_key[40] = "";
	gint last_rank = -1;

	if (!rd_char(r, '{'))
		return FALSE;
	if (rd_peek(r, '}')) {
		if (r->canonical)
			return rd_fail(r, _("empty object (the writer leaves it out)"));
		r->p++;
		return TRUE;
	}
	for (;;) {
		const gchar *at = r->p;
		gint rank = RANK_BY_NAME;

		if (!rd_key(r, key) || !member(r, key, &rank, data))
			return FALSE;
		if (r->canonical) {
			gboolean in_order = rank == RANK_BY_NAME
			                        ? last_key[0] == '\0' || strcmp(last_key, key) < 0
			                        : rank > last_rank;
			if (!in_order) {
				r->p = at;
				return rd_fail(r,
				               _("member out of the canonical order or repeated"));
			}
			last_rank = rank;
			memcpy(last_key, key, sizeof(key));
		}
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
rd_subject(Reader *r, const gchar *key, gint *ret_rank, gpointer data)
{
	FutLogSubject *s = data;

	if (KEY_IS(key, "uid"))
		return *ret_rank = 0, rd_uint(r, &s->uid);
	if (KEY_IS(key, "login"))
		return *ret_rank = 1, rd_text(r, &s->login);
	if (KEY_IS(key, "loginuid"))
		return *ret_rank = 2, rd_uint(r, &s->loginuid);
	if (KEY_IS(key, "pid"))
		return *ret_rank = 3, rd_uint(r, &s->pid);
	if (KEY_IS(key, "exe"))
		return *ret_rank = 4, rd_text(r, &s->exe);
	return rd_unknown(r, key);
}

static gboolean
rd_objectm(Reader *r, const gchar *key, gint *ret_rank, gpointer data)
{
	FutLogObject *o = data;

	if (KEY_IS(key, "path"))
		return *ret_rank = 0, rd_text(r, &o->path);
	if (KEY_IS(key, "size"))
		return *ret_rank = 1, rd_uint(r, &o->size);
	if (KEY_IS(key, "sha256"))
		return *ret_rank = 2, rd_string(r, &o->sha256);
	if (KEY_IS(key, "class"))
		return *ret_rank = 3, rd_string(r, &o->klass);
	return rd_unknown(r, key);
}

static gboolean
rd_destination(Reader *r, const gchar *key, gint *ret_rank, gpointer data)
{
	FutLogDestination *d = data;

	/* the writer's order; constant-size compares, as in rd_subject() (a strcmp call per
	 * destination member: 0.8 % of the verifier's instructions) */
	if (KEY_IS(key, "kind"))
		return *ret_rank = 0, rd_text(r, &d->kind);
	if (KEY_IS(key, "vid"))
		return *ret_rank = 1, rd_text(r, &d->vid);
	if (KEY_IS(key, "pid"))
		return *ret_rank = 2, rd_text(r, &d->pid);
	if (KEY_IS(key, "serial"))
		return *ret_rank = 3, rd_text(r, &d->serial);
	if (KEY_IS(key, "fs_uuid"))
		return *ret_rank = 4, rd_text(r, &d->fs_uuid);
	if (KEY_IS(key, "label"))
		return *ret_rank = 5, rd_text(r, &d->label);
	if (KEY_IS(key, "asset"))
		return *ret_rank = 6, rd_text(r, &d->asset);
	if (KEY_IS(key, "host"))
		return *ret_rank = 7, rd_text(r, &d->host);
	if (KEY_IS(key, "program"))
		return *ret_rank = 8, rd_text(r, &d->program);
	return rd_unknown(r, key);
}

static gboolean
rd_detail(Reader *r, const gchar *key, gint *ret_rank, gpointer data)
{
	FutLogEvent *ev = data;

	*ret_rank = RANK_BY_NAME;
	if (ev->detail->len >= FUT_LOG_DETAIL_MAX)
		return rd_fail(r, _("too many detail fields"));
	if (r->arena != NULL) {
		/* in canonical order: appended, a repeat is refused by the caller */
		FutLogDetail *d = &r->arena->details[ev->detail->len];
		d->key = rd_keep(r, key, strlen(key));
		d->str = NULL;
		d->num = 0;
		if (d->key == NULL)
			return rd_fail(r, _("strings longer than the line"));
		if (rd_peek(r, '"') ? !rd_string(r, &d->str) : !rd_uint(r, &d->num))
			return FALSE;
		g_ptr_array_add(ev->detail, d);
		return TRUE;
	}
	if (rd_peek(r, '"')) {
		g_autofree gchar *v = NULL;
		if (!rd_string(r, &v))
			return FALSE;
		fut_log_event_set_detail_raw(ev, key, v, FALSE);
	} else {
		gint64 v = 0;
		if (!rd_uint(r, &v))
			return FALSE;
		fut_log_event_set_detail_int(ev, key, v);
	}
	return TRUE;
}

/* A string member kept as the bytes between its quotes, not copied: time, prev and hash are
 * checked and decoded from the line itself. */
typedef struct {
	const gchar *p; /* NULL when absent */
	gsize n;
} Span;

typedef struct {
	FutLogRecord *rec;
	Span time;
	gchar *event;
	Span prev;
	Span hash;
} RdTop;

/* The bytes up to the next quote (time, prev, hash: only digits, hex and the time's own
 * separators pass their checks, so a backslash or a control in one is refused there). */
static gboolean
rd_span(Reader *r, Span *ret)
{
	const gchar *q;

	if (!rd_char(r, '"'))
		return FALSE;
	q = memchr(r->p, '"', (gsize)(r->end - r->p));
	if (q == NULL) {
		r->p = r->end;
		return rd_fail(r, _("unterminated string"));
	}
	ret->p = r->p;
	ret->n = (gsize)(q - r->p);
	r->p = q + 1;
	return TRUE;
}

/* The top-level members in the writer's order. */
enum {
	TOP_SEQ,
	TOP_TIME,
	TOP_HOST,
	TOP_EVENT,
	TOP_SUBJECT,
	TOP_OBJECT,
	TOP_DESTINATION,
	TOP_DECISION,
	TOP_REASON,
	TOP_REQUEST,
	TOP_APPROVERS,
	TOP_DETAIL,
	TOP_PREV,
	TOP_HASH,
};

static gboolean
rd_top(Reader *r, const gchar *key, gint *ret_rank, gpointer data)
{
	RdTop *t = data;
	FutLogRecord *rec = t->rec;

	/* The event comes before every member that fills it (canonical order); the reader
	 * keeps that as a rule so it can fill the event as it goes. */
	if (KEY_IS(key, "seq"))
		return *ret_rank = TOP_SEQ, rd_uint(r, &rec->seq);
	if (KEY_IS(key, "time"))
		return *ret_rank = TOP_TIME, rd_span(r, &t->time);
	if (KEY_IS(key, "host"))
		return *ret_rank = TOP_HOST, rd_string(r, &rec->host);
	if (KEY_IS(key, "event")) {
		*ret_rank = TOP_EVENT;
		if (!rd_string(r, &t->event))
			return FALSE;
		if (!fut_log_event_name_valid(t->event) || rec->ev != NULL)
			return rd_fail(r, _("event name is not of [a-z0-9.-]"));
		if (r->arena != NULL) {
			rec->ev = &r->arena->ev;
			rec->ev->event = g_steal_pointer(&t->event);
			return TRUE;
		}
		rec->ev = fut_log_event_new(t->event);
		/* the name read is the name stored: keep it instead of a second copy */
		g_free(rec->ev->event);
		rec->ev->event = g_steal_pointer(&t->event);
		return TRUE;
	}
	if (KEY_IS(key, "prev"))
		return *ret_rank = TOP_PREV, rd_span(r, &t->prev);
	if (KEY_IS(key, "hash"))
		return *ret_rank = TOP_HASH, rd_span(r, &t->hash);
	if (rec->ev == NULL)
		return rd_fail(r, _("member before \"event\""));
	if (KEY_IS(key, "subject"))
		return *ret_rank = TOP_SUBJECT, rd_object(r, rd_subject, &rec->ev->subject);
	if (KEY_IS(key, "object"))
		return *ret_rank = TOP_OBJECT, rd_object(r, rd_objectm, &rec->ev->object);
	if (KEY_IS(key, "destination"))
		return *ret_rank = TOP_DESTINATION,
		       rd_object(r, rd_destination, &rec->ev->destination);
	if (KEY_IS(key, "decision"))
		return *ret_rank = TOP_DECISION, rd_string(r, &rec->ev->decision);
	if (KEY_IS(key, "reason"))
		return *ret_rank = TOP_REASON, rd_text(r, &rec->ev->reason);
	if (KEY_IS(key, "request"))
		return *ret_rank = TOP_REQUEST, rd_text(r, &rec->ev->request);
	if (KEY_IS(key, "detail"))
		return *ret_rank = TOP_DETAIL, rd_object(r, rd_detail, rec->ev);
	if (KEY_IS(key, "approvers")) {
		*ret_rank = TOP_APPROVERS;
		if (!rd_char(r, '['))
			return FALSE;
		if (r->canonical && rd_peek(r, ']'))
			return rd_fail(r, _("empty array (the writer leaves it out)"));
		for (guint n = 0; !rd_peek(r, ']'); n++) {
			gchar *v = NULL;
			if (n > 0 && !rd_char(r, ','))
				return FALSE;
			if (n >= FUT_LOG_APPROVERS_MAX)
				return rd_fail(r, _("too many approvers"));
			if (!rd_text(r, &v))
				return FALSE;
			if (v != NULL)
				g_ptr_array_add(rec->ev->approvers, v);
		}
		r->p++;
		return TRUE;
	}
	return rd_unknown(r, key);
}

/* The record's own hash when @line is canonical: SHA-256 of the line with its final
 * ,"hash":"…" member cut off (the "}" kept), which is what fut_log_record_encode() hashes. */
static void
hash_canonical_line(const gchar *line, gsize len, gchar *scratch, guint8 ret_hash[FUT_SHA256_LEN])
{
	gchar stack[2048];
	gsize n = len - HASH_SUFFIX_LEN;
	gchar *buf = scratch != NULL ? scratch : n + 1 <= sizeof(stack) ? stack : g_malloc(n + 1);

	memcpy(buf, line, n);
	buf[n] = '}';
	fut_sha256(buf, n + 1, ret_hash);
	if (buf != stack && buf != scratch)
		g_free(buf);
}

/* Reads @line into @rec (zero-filled; with @arena, the arena's own record). */
static gboolean
record_read(FutLogRecord *rec,
            const gchar *line,
            gsize len,
            gboolean canonical,
            gboolean lean,
            FutLogRecordArena *arena,
            GError **error)
{
	g_autofree gchar *again = NULL;
	RdTop top = {rec, {NULL, 0}, NULL, {NULL, 0}, {NULL, 0}};
	gchar time[32] = "";
	Reader r = {line, line, line + len, error, canonical, lean, arena};
	gsize again_len = 0;
	gboolean ok;

	if (len > FUT_LOG_LINE_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("log record: line longer than %d bytes"), FUT_LOG_LINE_MAX);
		return FALSE;
	}
	rec->seq = -1;
	rec->ev = NULL;
	ok = rd_object(&r, rd_top, &top);
	if (ok && r.p != r.end)
		ok = rd_fail(&r, _("trailing bytes after the record"));
	if (ok &&
	    (rec->seq < 0 || top.time.p == NULL || rec->host == NULL || rec->host[0] == '\0' ||
	     rec->ev == NULL || top.prev.p == NULL || top.hash.p == NULL))
		ok = fut_log_invalid(error, _("seq, time, host, event, prev or hash is missing"));
	/* exactly as long as a printed time (a NUL inside makes it shorter and is refused);
	 * anything else stays "", which is refused */
	if (ok && top.time.n == FUT_LOG_TIME_LEN)
		memcpy(time, top.time.p, top.time.n);
	if (ok && !fut_log_time_parse(time, &rec->time_us, error)) {
		g_prefix_error(error, "log record: ");
		ok = FALSE;
	}
	if (ok &&
	    (top.prev.n != 64 || top.hash.n != 64 || !fut_log_hex_decode32(top.prev.p, rec->prev) ||
	     !fut_log_hex_decode32(top.hash.p, rec->hash)))
		ok = fut_log_invalid(error, _("prev or hash is not 64 lower-case hex characters"));
	if (ok && rec->ev->object.sha256 != NULL && !fut_log_hex_valid(rec->ev->object.sha256, 64))
		ok = fut_log_invalid(error, _("object sha256 is not 64 lower-case hex characters"));
	if (ok && rec->ev->object.klass != NULL && !fut_log_klass_valid(rec->ev->object.klass))
		ok = fut_log_invalid(error, _("object class is not I, II or III"));
	if (ok && rec->ev->decision != NULL &&
	    g_strcmp0(rec->ev->decision, FUT_LOG_DECISION_ALLOW) != 0 &&
	    g_strcmp0(rec->ev->decision, FUT_LOG_DECISION_DENY) != 0)
		ok = fut_log_invalid(error, _("decision is neither allow nor deny"));
	if (ok && canonical) {
		/* Read in the writer's order with nothing left out or repeated, the line is the
		 * canonical encoding of @rec, and "hash" is its last member: the hash covers the
		 * bytes before it. */
		guint8 stored[FUT_SHA256_LEN];
		static const gchar suffix[] = ",\"hash\":\"";

		if (len < HASH_SUFFIX_LEN ||
		    memcmp(line + len - HASH_SUFFIX_LEN, suffix, sizeof(suffix) - 1) != 0) {
			ok = fut_log_invalid(error, _("not in canonical form"));
		} else {
			memcpy(stored, rec->hash, FUT_SHA256_LEN);
			hash_canonical_line(line, len, arena != NULL ? arena->scratch : NULL,
			                    rec->hash);
			if (memcmp(stored, rec->hash, FUT_SHA256_LEN) != 0) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE,
				            _("log record: hash does not match the content"));
				ok = FALSE;
			}
		}
	} else if (ok) {
		/* The only accepted spelling of a record is the one the writer produces: member
		 * order, duplicates, omitted empty objects and number forms all show up here. */
		again = fut_log_record_encode(rec, &again_len);
		if (again_len != len || memcmp(again, line, len) != 0) {
			if (again_len == len && memcmp(again, line, len - HASH_SUFFIX_LEN) == 0) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE,
				            _("log record: hash does not match the content"));
			} else {
				fut_log_invalid(error, _("not in canonical form"));
			}
			ok = FALSE;
		}
	}
	if (arena == NULL)
		g_free(top.event);
	return ok;
}

static FutLogRecord *
record_parse(const gchar *line, gsize len, gboolean canonical, gboolean lean, GError **error)
{
	g_autoptr(FutLogRecord) rec = g_new0(FutLogRecord, 1);

	if (!record_read(rec, line, len, canonical, lean, NULL, error))
		return NULL;
	return g_steal_pointer(&rec);
}

const FutLogRecord *
fut_log_record_parse_view(
    FutLogRecordArena *arena, const gchar *line, gsize len, gboolean lean, GError **error)
{
	arena_reset(arena);
	if (!record_read(&arena->rec, line, len, TRUE, lean, arena, error))
		return NULL;
	return &arena->rec;
}

FutLogRecord *
fut_log_record_parse(const gchar *line, gsize len, GError **error)
{
	return record_parse(line, len, TRUE, FALSE, error);
}

FutLogRecord *
fut_log_record_parse_lean(const gchar *line, gsize len, GError **error)
{
	return record_parse(line, len, TRUE, TRUE, error);
}

FutLogRecord *
fut_log_record_parse_reencode(const gchar *line, gsize len, GError **error)
{
	return record_parse(line, len, FALSE, FALSE, error);
}
