/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "content.h"
#include "errors.h"
#include "util.h"

/* A content result on the wire between a worker and the agent. The reader trusts nothing:
 * the worker parsed a user's file and may be under that user's control. */

#define EVIDENCE_MAX    128
#define DESCRIPTION_MAX 1024

/* The rules a content scan may report (never label, label-memory or path-rule: those are
 * the decision's). */
static const gchar *const content_rules[] = {
    "mynumber",  "resident-code", "marking",  "unreadable", "too-large", "encrypted",
    "malformed", "unsupported",   "zip-bomb", "encoding",   "base64",    NULL,
};

gchar *
fut_content_result_to_json(const FutContentResult *r)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	guint n = MIN(r->evidence->len, EVIDENCE_MAX);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "v");
	json_builder_add_int_value(b, 1);
	json_builder_set_member_name(b, "class");
	json_builder_add_string_value(b, fut_class_name(r->klass));
	json_builder_set_member_name(b, "complete");
	json_builder_add_boolean_value(b, r->complete);
	json_builder_set_member_name(b, "evidence");
	json_builder_begin_array(b);
	for (guint i = 0; i < n; i++) {
		const FutEvidence *e = g_ptr_array_index(r->evidence, i);
		g_autofree gchar *d = g_utf8_make_valid(e->description, -1);
		if (strlen(d) > DESCRIPTION_MAX) {
			const gchar *end = d + DESCRIPTION_MAX;
			while (end > d && ((guchar)*end & 0xc0) == 0x80)
				end--;
			d[end - d] = '\0';
		}
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "rule");
		json_builder_add_string_value(b, e->rule);
		json_builder_set_member_name(b, "class");
		if (e->klass == FUT_CLASS_NONE)
			json_builder_add_null_value(b);
		else
			json_builder_add_string_value(b, fut_class_name(e->klass));
		json_builder_set_member_name(b, "count");
		json_builder_add_int_value(b, (gint64)MIN(e->count, (guint64)G_MAXINT64));
		json_builder_set_member_name(b, "description");
		json_builder_add_string_value(b, d);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

static gboolean G_GNUC_PRINTF(2, 3) refuse(GError **error, const gchar *fmt, ...)
{
	g_autofree gchar *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("content result: %s"), msg);
	return FALSE;
}

static gboolean
only_members(JsonObject *o, const gchar *const *allowed, GError **error)
{
	g_autoptr(GList) names = json_object_get_members(o);

	for (GList *l = names; l != NULL; l = l->next) {
		if (!g_strv_contains(allowed, l->data))
			return refuse(error, _("unknown member"));
	}
	for (guint i = 0; allowed[i] != NULL; i++) {
		if (!json_object_has_member(o, allowed[i]))
			return refuse(error, _("member \"%s\" missing"), allowed[i]);
	}
	return TRUE;
}

static const gchar *
get_string(JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static gboolean
parse_class(JsonNode *n, gboolean allow_null, FutClass *ret)
{
	const gchar *s;

	if (allow_null && JSON_NODE_HOLDS_NULL(n)) {
		*ret = FUT_CLASS_NONE;
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return FALSE;
	s = json_node_get_string(n);
	*ret = fut_class_parse(s, strlen(s));
	return *ret != FUT_CLASS_NONE;
}

static FutEvidence *
parse_evidence(JsonNode *n, GError **error)
{
	static const gchar *const members[] = {"rule", "class", "count", "description", NULL};
	JsonObject *o;
	JsonNode *cn;
	const gchar *rule;
	const gchar *desc;
	FutClass klass;
	gint64 count;

	if (!JSON_NODE_HOLDS_OBJECT(n)) {
		refuse(error, _("an evidence item is not an object"));
		return NULL;
	}
	o = json_node_get_object(n);
	if (!only_members(o, members, error))
		return NULL;
	rule = get_string(o, "rule");
	if (rule == NULL || !g_strv_contains(content_rules, rule)) {
		refuse(error, _("unknown evidence rule"));
		return NULL;
	}
	if (!parse_class(json_object_get_member(o, "class"), TRUE, &klass)) {
		refuse(error, _("bad evidence class"));
		return NULL;
	}
	cn = json_object_get_member(o, "count");
	if (!JSON_NODE_HOLDS_VALUE(cn) || json_node_get_value_type(cn) != G_TYPE_INT64 ||
	    (count = json_node_get_int(cn)) < 0) {
		refuse(error, _("bad evidence count"));
		return NULL;
	}
	desc = get_string(o, "description");
	if (desc == NULL || strlen(desc) > DESCRIPTION_MAX * 4) {
		refuse(error, _("bad evidence description"));
		return NULL;
	}
	for (const gchar *p = desc; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f) {
			refuse(error, _("control character in an evidence description"));
			return NULL;
		}
	}
	return fut_evidence_new(rule, klass, (guint64)count, desc);
}

FutContentResult *
fut_content_result_from_json(const gchar *json, gsize len, GError **error)
{
	static const gchar *const members[] = {"v", "class", "complete", "evidence", NULL};
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(FutContentResult) r = NULL;
	g_autoptr(GError) local = NULL;
	JsonNode *root;
	JsonObject *o;
	JsonNode *n;
	JsonArray *ev;
	FutClass strictest = FUT_CLASS_NONE;

	if (len > FUT_CONTENT_RESULT_MAX) {
		refuse(error, _("longer than %d bytes"), FUT_CONTENT_RESULT_MAX);
		return NULL;
	}
	if (memchr(json, '\0', len) != NULL || !g_utf8_validate(json, (gssize)len, NULL)) {
		refuse(error, _("not UTF-8 text"));
		return NULL;
	}
	if (!json_parser_load_from_data(parser, json, (gssize)len, &local)) {
		/* json-glib quotes the input: one line, escaped */
		g_autofree gchar *why = fut_strescape(local->message, -1);
		refuse(error, "%s", why);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		refuse(error, _("not a JSON object"));
		return NULL;
	}
	o = json_node_get_object(root);
	if (!only_members(o, members, error))
		return NULL;
	n = json_object_get_member(o, "v");
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) != 1) {
		refuse(error, _("unknown version"));
		return NULL;
	}
	r = g_new0(FutContentResult, 1);
	r->evidence = g_ptr_array_new_with_free_func((GDestroyNotify)fut_evidence_free);
	if (!parse_class(json_object_get_member(o, "class"), FALSE, &r->klass)) {
		refuse(error, _("bad class"));
		return NULL;
	}
	n = json_object_get_member(o, "complete");
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
		refuse(error, _("\"complete\" is not true or false"));
		return NULL;
	}
	r->complete = json_node_get_boolean(n);
	n = json_object_get_member(o, "evidence");
	if (!JSON_NODE_HOLDS_ARRAY(n)) {
		refuse(error, _("\"evidence\" is not an array"));
		return NULL;
	}
	ev = json_node_get_array(n);
	if (json_array_get_length(ev) > EVIDENCE_MAX) {
		refuse(error, _("more than %d evidence items"), EVIDENCE_MAX);
		return NULL;
	}
	for (guint i = 0; i < json_array_get_length(ev); i++) {
		FutEvidence *e = parse_evidence(json_array_get_element(ev, i), error);
		if (e == NULL)
			return NULL;
		strictest = fut_class_max(strictest, e->klass);
		g_ptr_array_add(r->evidence, e);
	}
	if (strictest == FUT_CLASS_NONE)
		strictest = FUT_CLASS_III;
	if (strictest != r->klass) {
		refuse(error, _("the class is not the strictest evidence"));
		return NULL;
	}
	return g_steal_pointer(&r);
}
