/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The content-parser worker's reply (common/scanproto.h), parsed as the agent parses it:
 * the worker is hostile once it has parsed a hostile file, so every reply out of shape is
 * refused with a one-line reason, nothing the worker sends can forge an agent-only finding,
 * and what the worker builds always parses without losing its strictest finding. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "scanproto.h"

#define ID 42

static FutContentResult *
result_new(void)
{
	FutContentResult *r = g_new0(FutContentResult, 1);

	r->evidence = g_ptr_array_new_with_free_func((GDestroyNotify)fut_evidence_free);
	r->klass = FUT_CLASS_III;
	r->complete = TRUE;
	return r;
}

static void
add(FutContentResult *r, const gchar *rule, FutClass k, guint64 n, const gchar *text)
{
	g_ptr_array_add(r->evidence, fut_evidence_new(rule, k, n, text));
	r->klass = fut_class_max(
	    r->klass == FUT_CLASS_III && r->evidence->len == 1 ? FUT_CLASS_NONE : r->klass, k);
	if (r->klass == FUT_CLASS_NONE)
		r->klass = FUT_CLASS_III;
}

static FutContentResult *
sample(void)
{
	FutContentResult *r = result_new();

	add(r, "mynumber", FUT_CLASS_I, 3, "3 My Number(s) (first 1234********)");
	add(r, "marking", FUT_CLASS_NONE, 1, "\"極秘\" found 1 time(s), below the threshold");
	return r;
}

static GByteArray *
built(const FutContentResult *r)
{
	g_autoptr(GBytes) b = fut_scan_reply_build(r, ID);
	GByteArray *a = g_byte_array_new();

	g_byte_array_append(a, g_bytes_get_data(b, NULL), (guint)g_bytes_get_size(b));
	return a;
}

/* A reply with @json as its body. */
static GByteArray *
framed(const gchar *json)
{
	FutScanReplyHeader h = {FUT_SCAN_MAGIC_REPLY, (guint32)strlen(json), ID};
	GByteArray *a = g_byte_array_new();

	g_byte_array_append(a, (const guint8 *)&h, sizeof(h));
	g_byte_array_append(a, (const guint8 *)json, (guint)strlen(json));
	return a;
}

static void
expect_refused(const GByteArray *a, guint64 id, const gchar *reason)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutContentResult) r = fut_scan_reply_parse(a->data, a->len, id, &error);

	g_assert_null(r);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	if (strstr(error->message, reason) == NULL)
		g_error("expected \"%s\", got \"%s\"", reason, error->message);
	g_assert_null(strchr(error->message, '\n'));
}

static void
test_round_trip(void)
{
	g_autoptr(FutContentResult) in = sample();
	g_autoptr(GByteArray) a = built(in);
	g_autoptr(GError) error = NULL;
	g_autoptr(FutContentResult) out = fut_scan_reply_parse(a->data, a->len, ID, &error);

	g_assert_no_error(error);
	g_assert_cmpint(out->klass, ==, FUT_CLASS_I);
	g_assert_true(out->complete);
	g_assert_cmpuint(out->evidence->len, ==, 2);
	for (guint i = 0; i < 2; i++) {
		FutEvidence *x = g_ptr_array_index(in->evidence, i);
		FutEvidence *y = g_ptr_array_index(out->evidence, i);
		g_assert_cmpstr(x->rule, ==, y->rule);
		g_assert_cmpstr(x->description, ==, y->description);
		g_assert_cmpint(x->klass, ==, y->klass);
		g_assert_cmpuint(x->count, ==, y->count);
	}
}

static void
test_framing(void)
{
	g_autoptr(FutContentResult) in = sample();
	g_autoptr(GByteArray) a = built(in);
	g_autoptr(GByteArray) b = NULL;

	expect_refused(a, ID + 1, "answers another request");
	a->data[0] ^= 1;
	expect_refused(a, ID, "bad magic");
	a->data[0] ^= 1;
	for (guint len = 0; len < a->len; len++) {
		g_autoptr(FutContentResult) r = fut_scan_reply_parse(a->data, len, ID, NULL);
		g_assert_null(r);
	}
	b = g_byte_array_sized_new(a->len + 1);
	g_byte_array_append(b, a->data, a->len);
	g_byte_array_append(b, (const guint8 *)" ", 1);
	expect_refused(b, ID, "body length");
	g_byte_array_set_size(b, FUT_SCAN_REPLY_MAX + 1);
	expect_refused(b, ID, "longer than the limit");
	g_byte_array_set_size(b, 3);
	expect_refused(b, ID, "shorter than its header");
}

/* Bodies a hostile worker may write. */
static void
test_bodies(void)
{
	static const struct {
		const gchar *json;
		const gchar *reason;
	} bad[] = {
	    {"", ""},
	    {"[]", ""},
	    {"{\"v\":1,\"class\":\"III\",\"complete\":true,\"evidence\":[]", ""},
	    {"{\"v\":2,\"class\":\"III\",\"complete\":true,\"evidence\":[]}", ""},
	    {"{\"v\":1,\"class\":\"IV\",\"complete\":true,\"evidence\":[]}", ""},
	    {"{\"v\":1,\"class\":\"III\",\"complete\":true,\"evidence\":[],\"x\":1}", ""},
	    /* lower than its own evidence */
	    {"{\"v\":1,\"class\":\"III\",\"complete\":true,\"evidence\":[{\"rule\":\"mynumber\","
	     "\"class\":\"I\",\"count\":1,\"description\":\"x\"}]}",
	     ""},
	    /* a rule a content scan never gives */
	    {"{\"v\":1,\"class\":\"III\",\"complete\":true,\"evidence\":[{\"rule\":\"label\","
	     "\"class\":\"III\",\"count\":1,\"description\":\"labelled Class III\"}]}",
	     ""},
	    {"{\"v\":1,\"class\":\"II\",\"complete\":true,\"evidence\":[{\"rule\":\"path-rule\","
	     "\"class\":\"II\",\"count\":1,\"description\":\"x\"}]}",
	     ""},
	    /* an escape sequence, a C1 control */
	    {"{\"v\":1,\"class\":\"II\",\"complete\":true,\"evidence\":[{\"rule\":\"marking\","
	     "\"class\":\"II\",\"count\":1,\"description\":\"\\u001b[2J\"}]}",
	     ""},
	    {"{\"v\":1,\"class\":\"II\",\"complete\":true,\"evidence\":[{\"rule\":\"marking\","
	     "\"class\":\"II\",\"count\":1,\"description\":\"\\u009b2J\"}]}",
	     ""},
	    {"{\"v\":1,\"class\":\"II\",\"complete\":true,\"evidence\":[{\"rule\":\"marking\","
	     "\"class\":\"II\",\"count\":-1,\"description\":\"x\"}]}",
	     ""},
	    {"\xff\xfe", ""},
	    /* a lone surrogate spelt as an escape: not UTF-8 once read */
	    {"{\"v\":1,\"class\":\"II\",\"complete\":true,\"evidence\":[{\"rule\":\"marking\","
	     "\"class\":\"II\",\"count\":1,\"description\":\"\\ud800x\"}]}",
	     ""},
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GByteArray) a = framed(bad[i].json);
		g_test_message("body %u", i);
		expect_refused(a, ID, bad[i].reason);
	}
	{
		g_autoptr(GByteArray) a = framed("{\"v\":1,\"class\":\"III\",\"complete\":true,"
		                                 "\"evidence\":[]}");
		g_autoptr(FutContentResult) r = fut_scan_reply_parse(a->data, a->len, ID, NULL);
		g_assert_nonnull(r);
		g_assert_cmpint(r->klass, ==, FUT_CLASS_III);
	}
}

/* What the worker builds always parses, and the limits never cut its strictest finding. */
static void
test_build_fits(void)
{
	g_autoptr(FutContentResult) in = result_new();
	g_autoptr(GString) long_text = g_string_new(NULL);
	g_autoptr(GByteArray) a = NULL;
	g_autoptr(FutContentResult) out = NULL;
	g_autoptr(GError) error = NULL;

	while (long_text->len < 1000)
		g_string_append(long_text, "極");
	for (guint i = 0; i < 300; i++)
		add(in, "marking", FUT_CLASS_NONE, i, long_text->str);
	add(in, "zip-bomb", FUT_CLASS_II, 1, "listed last, sent first");
	a = built(in);
	g_assert_cmpuint(a->len, <=, FUT_SCAN_REPLY_MAX);
	out = fut_scan_reply_parse(a->data, a->len, ID, &error);
	g_assert_no_error(error);
	g_assert_cmpint(out->klass, ==, FUT_CLASS_II);
	g_assert_cmpstr(((FutEvidence *)g_ptr_array_index(out->evidence, 0))->rule, ==, "zip-bomb");
	/* cut short: not a complete reading of the file */
	g_assert_false(out->complete);
}

static void
test_failed_result(void)
{
	g_autoptr(FutContentResult) r = fut_scan_result_failed("worker", "not scanned: gone");

	g_assert_cmpint(r->klass, ==, FUT_CLASS_II);
	g_assert_false(r->complete);
	g_assert_true(fut_scan_rule_is_agent_only("worker"));
	g_assert_true(fut_scan_rule_is_agent_only("taint"));
	g_assert_false(fut_scan_rule_is_agent_only("mynumber"));
}

/* Random mutations of a good reply: refused or parsed, never more. */
static void
test_garbage(void)
{
	g_autoptr(FutContentResult) in = sample();
	g_autoptr(GByteArray) good = built(in);
	GRand *rnd = g_rand_new_with_seed(17);

	for (guint round = 0; round < 20000; round++) {
		g_autoptr(GByteArray) a = g_byte_array_new();
		g_autoptr(FutContentResult) r = NULL;
		g_autoptr(GError) error = NULL;

		g_byte_array_append(a, good->data, good->len);
		for (guint k = 0, n = (guint)g_rand_int_range(rnd, 1, 6); k < n; k++)
			a->data[g_rand_int_range(rnd, 0, (gint)a->len)] = (guint8)g_rand_int(rnd);
		if (round % 4 == 0)
			g_byte_array_set_size(a, (guint)g_rand_int_range(rnd, 0, (gint)a->len + 1));
		r = fut_scan_reply_parse(a->data, a->len, ID, &error);
		g_assert_true((r == NULL) != (error == NULL));
		if (r != NULL) {
			g_assert_cmpint(r->klass, >=, FUT_CLASS_I);
			g_assert_cmpint(r->klass, <=, FUT_CLASS_III);
		}
	}
	g_rand_free(rnd);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/scanproto/round-trip", test_round_trip);
	g_test_add_func("/scanproto/framing", test_framing);
	g_test_add_func("/scanproto/bodies", test_bodies);
	g_test_add_func("/scanproto/build-fits", test_build_fits);
	g_test_add_func("/scanproto/failed-result", test_failed_result);
	g_test_add_func("/scanproto/garbage", test_garbage);
	return g_test_run();
}
