/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The content-parser worker's wire protocol (scanproto.h). */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "scanproto.h"

static const gchar *const agent_only_rules[] = {"label",  "label-memory", "path-rule",
                                                "worker", "taint",        NULL};

gboolean
fut_scan_rule_is_agent_only(const gchar *rule)
{
	return g_strv_contains(agent_only_rules, rule);
}

FutContentResult *
fut_scan_result_failed(const gchar *rule, const gchar *description)
{
	FutContentResult *r = g_new0(FutContentResult, 1);

	r->evidence = g_ptr_array_new_with_free_func((GDestroyNotify)fut_evidence_free);
	g_ptr_array_add(r->evidence, fut_evidence_new(rule, FUT_CLASS_II, 1, description));
	r->klass = FUT_CLASS_II;
	r->complete = FALSE;
	return r;
}

static guint
strictness(FutClass k)
{
	return k == FUT_CLASS_NONE ? 4 : (guint)k;
}

/* @r's evidence, strictest first (stable), at most @n items, as a borrowed view. */
static FutContentResult
view(const FutContentResult *r, GPtrArray *order, guint n)
{
	FutContentResult v = {FUT_CLASS_NONE, order, r->complete};

	g_ptr_array_set_size(order, 0);
	for (guint k = FUT_CLASS_I; k <= 4; k++) {
		for (guint i = 0; i < r->evidence->len && order->len < n; i++) {
			FutEvidence *e = g_ptr_array_index(r->evidence, i);
			if (strictness(e->klass) == k)
				g_ptr_array_add(order, e);
		}
	}
	for (guint i = 0; i < order->len; i++)
		v.klass =
		    fut_class_max(v.klass, ((FutEvidence *)g_ptr_array_index(order, i))->klass);
	if (v.klass == FUT_CLASS_NONE)
		v.klass = FUT_CLASS_III;
	if (order->len < r->evidence->len)
		v.complete = FALSE;
	return v;
}

GBytes *
fut_scan_reply_build(const FutContentResult *r, guint64 id)
{
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	g_autofree gchar *json = NULL;
	FutScanReplyHeader h = {FUT_SCAN_MAGIC_REPLY, 0, id};
	GByteArray *out;
	guint n = r->evidence->len;

	/* the serialiser takes at most 128 items of at most 1 KiB each: fewer, until it fits */
	for (;;) {
		FutContentResult v = view(r, order, n);
		g_free(json);
		json = fut_content_result_to_json(&v);
		if (strlen(json) <= FUT_CONTENT_RESULT_MAX || n == 0)
			break;
		n = n > 128 ? 128 : n - 1;
	}
	h.body_len = (guint32)strlen(json);
	out = g_byte_array_sized_new(sizeof(h) + h.body_len);
	g_byte_array_append(out, (const guint8 *)&h, sizeof(h));
	g_byte_array_append(out, (const guint8 *)json, h.body_len);
	return g_byte_array_free_to_bytes(out);
}

static FutContentResult *
refuse(GError **error, const gchar *why)
{
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("malformed worker reply: %s"), why);
	return NULL;
}

FutContentResult *
fut_scan_reply_parse(const guint8 *data, gsize len, guint64 id, GError **error)
{
	g_autoptr(FutContentResult) r = NULL;
	g_autoptr(GError) local = NULL;
	FutScanReplyHeader h;

	if (len > FUT_SCAN_REPLY_MAX)
		return refuse(error, _("longer than the limit"));
	if (len < sizeof(h))
		return refuse(error, _("shorter than its header"));
	memcpy(&h, data, sizeof(h));
	if (h.magic != FUT_SCAN_MAGIC_REPLY)
		return refuse(error, _("bad magic"));
	if (h.id != id)
		return refuse(error, _("answers another request"));
	if (h.body_len != len - sizeof(h))
		return refuse(error, _("body length does not match the message"));
	r = fut_content_result_from_json((const gchar *)data + sizeof(h), h.body_len, &local);
	if (r == NULL)
		return refuse(error, local->message);
	for (guint i = 0; i < r->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(r->evidence, i);
		if (fut_scan_rule_is_agent_only(e->rule))
			return refuse(error, _("a rule only the agent gives"));
		/* JSON's \u escapes can spell a lone surrogate, which the JSON reader passes on
		 * as bytes that are not UTF-8 (found by fuzz-scanreply) */
		if (!g_utf8_validate(e->description, -1, NULL))
			return refuse(error, _("a description that is not UTF-8"));
		/* C1 controls too (U+009B is CSI to a terminal); the content parser already
		 * refused C0 and DEL */
		for (const gchar *c = e->description; *c != '\0'; c = g_utf8_next_char(c)) {
			gunichar u = g_utf8_get_char(c);
			if (u >= 0x7f && u <= 0x9f)
				return refuse(error, _("a control character in a description"));
		}
	}
	return g_steal_pointer(&r);
}
