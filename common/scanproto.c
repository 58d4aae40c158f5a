/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The content-parser worker's wire protocol (scanproto.h). */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "scanproto.h"

static const gchar *const agent_only_rules[] = {"label", "label-memory", "path-rule", "worker",
                                                NULL};

gboolean
fut_scan_rule_is_agent_only(const gchar *rule)
{
	return g_strv_contains(agent_only_rules, rule);
}

static void
evidence_free(gpointer p)
{
	FutEvidence *e = p;

	g_free(e->rule);
	g_free(e->description);
	g_free(e);
}

FutClassification *
fut_scan_classification_new(void)
{
	FutClassification *c = g_new0(FutClassification, 1);

	c->evidence = g_ptr_array_new_with_free_func(evidence_free);
	return c;
}

void
fut_scan_evidence_add(FutClassification *c,
                      const gchar *rule,
                      FutClass klass,
                      guint64 count,
                      const gchar *description)
{
	FutEvidence *e = g_new0(FutEvidence, 1);

	e->rule = g_strdup(rule);
	e->klass = klass;
	e->count = count;
	e->description = g_strdup(description);
	g_ptr_array_add(c->evidence, e);
}

/* --- building (worker side) ---------------------------------------------------------- */

static void
put(GByteArray *out, const void *p, gsize n)
{
	g_byte_array_append(out, p, (guint)n);
}

/* The longest prefix of @s, at most @max bytes, that ends on a character boundary. */
static gsize
utf8_cut(const gchar *s, gsize max)
{
	gsize len = strlen(s);
	const gchar *end;

	if (len <= max)
		return len;
	end = g_utf8_find_prev_char(s, s + max + 1);
	return end != NULL ? (gsize)(end - s) : 0;
}

static guint
strictness(FutClass k)
{
	return k == FUT_CLASS_NONE ? 4 : (guint)k;
}

GBytes *
fut_scan_reply_build(const FutClassification *c, guint64 id)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	FutScanReplyHeader h = {FUT_SCAN_MAGIC_REPLY, 0, id};
	guint8 klass, zero = 0;
	guint16 count = 0;
	guint64 size = c->size;
	FutClass worst = FUT_CLASS_NONE;
	gsize room = FUT_SCAN_REPLY_MAX - sizeof(h) - 12;

	/* strictest first, so whatever the limits cut is never stricter than what is sent */
	for (guint k = FUT_CLASS_I; k <= 4; k++) {
		for (guint i = 0; i < c->evidence->len; i++) {
			const FutEvidence *e = g_ptr_array_index(c->evidence, i);
			if (strictness(e->klass) == k)
				g_ptr_array_add(order, (gpointer)e);
		}
	}
	put(out, &h, sizeof(h));
	put(out, &zero, 1); /* class, set below */
	put(out, &zero, 1);
	put(out, &count, 2); /* set below */
	put(out, &size, 8);
	for (guint i = 0; i < order->len && count < FUT_SCAN_EVIDENCE_MAX; i++) {
		const FutEvidence *e = g_ptr_array_index(order, i);
		const gchar *rule = e->rule != NULL ? e->rule : "malformed";
		const gchar *desc = e->description != NULL ? e->description : "";
		guint8 ek = (guint8)e->klass;
		guint8 rlen = (guint8)utf8_cut(rule, FUT_SCAN_RULE_MAX);
		guint16 dlen = (guint16)utf8_cut(desc, FUT_SCAN_DESCRIPTION_MAX);
		guint64 cnt = e->count;

		if (12 + (gsize)rlen + dlen > room)
			break;
		room -= 12 + (gsize)rlen + dlen;
		put(out, &ek, 1);
		put(out, &rlen, 1);
		put(out, &dlen, 2);
		put(out, &cnt, 8);
		put(out, rule, rlen);
		put(out, desc, dlen);
		worst = fut_class_max(worst, e->klass);
		count++;
	}
	/* the class sent is the strictest of the evidence sent, as the parser demands */
	klass = (guint8)(worst == FUT_CLASS_NONE ? FUT_CLASS_III : worst);
	out->data[sizeof(h)] = klass;
	memcpy(out->data + sizeof(h) + 2, &count, 2);
	((FutScanReplyHeader *)out->data)->body_len = out->len - (guint)sizeof(h);
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* --- parsing (agent side) ------------------------------------------------------------ */

typedef struct {
	const guint8 *p;
	gsize left;
} Reader;

static gboolean
take(Reader *r, void *out, gsize n)
{
	if (r->left < n)
		return FALSE;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return TRUE;
}

static gboolean
rule_ok(const guint8 *s, gsize len)
{
	if (len == 0 || len > FUT_SCAN_RULE_MAX)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return FALSE;
	}
	return TRUE;
}

/* Valid UTF-8 without C0, DEL or C1 controls: safe on a terminal and in a log line. */
static gboolean
text_ok(const guint8 *s, gsize len)
{
	const gchar *end = NULL;

	if (!g_utf8_validate_len((const gchar *)s, len, &end))
		return FALSE;
	for (const gchar *c = (const gchar *)s; c < (const gchar *)s + len;
	     c = g_utf8_next_char(c)) {
		gunichar u = g_utf8_get_char(c);
		if (u < 0x20 || (u >= 0x7f && u <= 0x9f))
			return FALSE;
	}
	return TRUE;
}

static FutClassification *
refuse(GError **error, const gchar *why)
{
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "malformed worker reply: %s", why);
	return NULL;
}

FutClassification *
fut_scan_reply_parse(const guint8 *data, gsize len, guint64 id, GError **error)
{
	g_autoptr(FutClassification) c = NULL;
	FutScanReplyHeader h;
	Reader r = {data, len};
	guint8 klass, pad;
	guint16 n;
	FutClass worst = FUT_CLASS_NONE;

	if (len > FUT_SCAN_REPLY_MAX)
		return refuse(error, "longer than the limit");
	if (!take(&r, &h, sizeof(h)))
		return refuse(error, "shorter than its header");
	if (h.magic != FUT_SCAN_MAGIC_REPLY)
		return refuse(error, "bad magic");
	if (h.id != id)
		return refuse(error, "answers another request");
	if (h.body_len != r.left)
		return refuse(error, "body length does not match the message");
	c = fut_scan_classification_new();
	if (!take(&r, &klass, 1) || !take(&r, &pad, 1) || !take(&r, &n, 2) ||
	    !take(&r, &c->size, 8))
		return refuse(error, "truncated body");
	if (klass < FUT_CLASS_I || klass > FUT_CLASS_III)
		return refuse(error, "class out of range");
	if (pad != 0)
		return refuse(error, "reserved byte set");
	if (n > FUT_SCAN_EVIDENCE_MAX)
		return refuse(error, "too many evidence items");
	for (guint i = 0; i < n; i++) {
		guint8 ek, rlen;
		guint16 dlen;
		guint64 count;
		FutEvidence *e;

		if (!take(&r, &ek, 1) || !take(&r, &rlen, 1) || !take(&r, &dlen, 2) ||
		    !take(&r, &count, 8))
			return refuse(error, "truncated evidence");
		if (ek > FUT_CLASS_III)
			return refuse(error, "evidence class out of range");
		if (dlen > FUT_SCAN_DESCRIPTION_MAX)
			return refuse(error, "description too long");
		if (r.left < (gsize)rlen + dlen)
			return refuse(error, "truncated evidence");
		if (!rule_ok(r.p, rlen))
			return refuse(error, "bad rule name");
		if (!text_ok(r.p + rlen, dlen))
			return refuse(error, "description is not printable UTF-8");
		e = g_new0(FutEvidence, 1);
		e->klass = (FutClass)ek;
		e->count = count;
		e->rule = g_strndup((const gchar *)r.p, rlen);
		e->description = g_strndup((const gchar *)r.p + rlen, dlen);
		g_ptr_array_add(c->evidence, e);
		r.p += (gsize)rlen + dlen;
		r.left -= (gsize)rlen + dlen;
		if (fut_scan_rule_is_agent_only(e->rule))
			return refuse(error, "a rule only the agent gives");
		worst = fut_class_max(worst, e->klass);
	}
	if (r.left != 0)
		return refuse(error, "trailing bytes");
	if ((worst == FUT_CLASS_NONE ? FUT_CLASS_III : worst) != klass)
		return refuse(error, "class does not follow from the evidence");
	c->klass = (FutClass)klass;
	c->label = FUT_CLASS_NONE;
	return g_steal_pointer(&c);
}
