/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The content-parser worker's reply (common/scanproto.h), parsed as the agent parses it:
 * the worker is hostile once it has parsed a hostile file, so every reply out of shape is
 * refused with a reason, and nothing the worker sends can forge an agent-only finding. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "scanproto.h"

#define ID 42

static FutClassification *
sample(void)
{
	FutClassification *c = fut_scan_classification_new();

	fut_scan_evidence_add(c, "mynumber", FUT_CLASS_I, 3, "3 My Number(s) (first 1234********)");
	fut_scan_evidence_add(c, "marking", FUT_CLASS_NONE, 1, "\"極秘\" found 1 time(s), below");
	c->klass = FUT_CLASS_I;
	c->size = 4096;
	return c;
}

static GByteArray *
built(const FutClassification *c)
{
	g_autoptr(GBytes) b = fut_scan_reply_build(c, ID);
	GByteArray *a = g_byte_array_new();

	g_byte_array_append(a, g_bytes_get_data(b, NULL), (guint)g_bytes_get_size(b));
	return a;
}

static void
expect_refused(const GByteArray *a, guint64 id, const gchar *reason)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutClassification) c = fut_scan_reply_parse(a->data, a->len, id, &error);

	g_assert_null(c);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	if (strstr(error->message, reason) == NULL)
		g_error("expected \"%s\", got \"%s\"", reason, error->message);
	g_assert_null(strchr(error->message, '\n'));
}

static void
test_round_trip(void)
{
	g_autoptr(FutClassification) in = sample();
	g_autoptr(GByteArray) a = built(in);
	g_autoptr(GError) error = NULL;
	g_autoptr(FutClassification) out = fut_scan_reply_parse(a->data, a->len, ID, &error);

	g_assert_no_error(error);
	g_assert_cmpint(out->klass, ==, FUT_CLASS_I);
	g_assert_cmpuint(out->size, ==, 4096);
	g_assert_false(out->has_digest);
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
test_no_evidence_is_class_iii(void)
{
	g_autoptr(FutClassification) in = fut_scan_classification_new();
	g_autoptr(GByteArray) a = NULL;
	g_autoptr(FutClassification) out = NULL;

	in->klass = FUT_CLASS_III;
	a = built(in);
	out = fut_scan_reply_parse(a->data, a->len, ID, NULL);
	g_assert_nonnull(out);
	g_assert_cmpint(out->klass, ==, FUT_CLASS_III);
	/* and claiming II without a reason is refused */
	a->data[sizeof(FutScanReplyHeader)] = FUT_CLASS_II;
	expect_refused(a, ID, "does not follow from the evidence");
}

/* The worker cannot lower the class below its own evidence. */
static void
test_class_must_follow(void)
{
	g_autoptr(FutClassification) in = sample();
	g_autoptr(GByteArray) a = built(in);

	a->data[sizeof(FutScanReplyHeader)] = FUT_CLASS_III;
	expect_refused(a, ID, "does not follow from the evidence");
	a->data[sizeof(FutScanReplyHeader)] = 0;
	expect_refused(a, ID, "class out of range");
	a->data[sizeof(FutScanReplyHeader)] = 4;
	expect_refused(a, ID, "class out of range");
}

static void
test_header(void)
{
	g_autoptr(FutClassification) in = sample();
	g_autoptr(GByteArray) a = built(in);
	g_autoptr(GByteArray) b = NULL;

	expect_refused(a, ID + 1, "answers another request");
	a->data[0] ^= 1;
	expect_refused(a, ID, "bad magic");
	a->data[0] ^= 1;
	/* every truncation is refused */
	for (guint len = 0; len < a->len; len++) {
		g_autoptr(FutClassification) c = fut_scan_reply_parse(a->data, len, ID, NULL);
		g_assert_null(c);
	}
	/* trailing bytes, with the length adjusted to cover them */
	b = g_byte_array_sized_new(a->len + 1);
	g_byte_array_append(b, a->data, a->len);
	g_byte_array_append(b, (const guint8 *)"x", 1);
	expect_refused(b, ID, "body length");
	((FutScanReplyHeader *)b->data)->body_len++;
	expect_refused(b, ID, "trailing bytes");
	/* a reply over the limit */
	g_byte_array_set_size(b, FUT_SCAN_REPLY_MAX + 1);
	expect_refused(b, ID, "longer than the limit");
}

/* Offset of the first evidence item's rule in a built reply. */
#define EV0      (sizeof(FutScanReplyHeader) + 12)
#define EV0_RULE (EV0 + 12)

static void
test_evidence_fields(void)
{
	g_autoptr(FutClassification) in = sample();
	g_autoptr(GByteArray) a = built(in);
	guint16 n;

	memcpy(&n, a->data + sizeof(FutScanReplyHeader) + 2, 2);
	g_assert_cmpuint(n, ==, 2);
	n = FUT_SCAN_EVIDENCE_MAX + 1;
	memcpy(a->data + sizeof(FutScanReplyHeader) + 2, &n, 2);
	expect_refused(a, ID, "too many evidence items");
	n = 3;
	memcpy(a->data + sizeof(FutScanReplyHeader) + 2, &n, 2);
	expect_refused(a, ID, "truncated evidence");
	n = 2;
	memcpy(a->data + sizeof(FutScanReplyHeader) + 2, &n, 2);

	a->data[EV0] = 7;
	expect_refused(a, ID, "evidence class out of range");
	a->data[EV0] = FUT_CLASS_I;
	a->data[EV0_RULE] = 'M'; /* "Mynumber" */
	expect_refused(a, ID, "bad rule name");
	a->data[EV0_RULE] = 'm';
	a->data[EV0 + 1] = 0; /* empty rule */
	expect_refused(a, ID, "");
	a->data[EV0 + 1] = 8;
	a->data[EV0 + 12 + 8] = '\x1b'; /* an escape in the description */
	expect_refused(a, ID, "not printable UTF-8");
	a->data[EV0 + 12 + 8] = '\xff';
	expect_refused(a, ID, "not printable UTF-8");
	a->data[EV0 + 12 + 8] = '3';
	{
		g_autoptr(FutClassification) ok = fut_scan_reply_parse(a->data, a->len, ID, NULL);
		g_assert_nonnull(ok);
	}
	a->data[EV0 + 2] = 0xff; /* description length past the end and the limit */
	a->data[EV0 + 3] = 0xff;
	expect_refused(a, ID, "description too long");
}

/* Findings only the agent gives, and the C1 controls a terminal obeys. */
static void
test_agent_only_and_c1(void)
{
	const gchar *const forged[] = {"label", "label-memory", "path-rule", "worker"};

	for (guint i = 0; i < G_N_ELEMENTS(forged); i++) {
		g_autoptr(FutClassification) in = fut_scan_classification_new();
		g_autoptr(GByteArray) a = NULL;
		fut_scan_evidence_add(in, forged[i], FUT_CLASS_III, 1, "labelled Class III");
		in->klass = FUT_CLASS_III;
		a = built(in);
		expect_refused(a, ID, "a rule only the agent gives");
	}
	{
		g_autoptr(FutClassification) in = fut_scan_classification_new();
		g_autoptr(GByteArray) a = NULL;
		fut_scan_evidence_add(in, "marking", FUT_CLASS_II, 1,
		                      "CSI \xc2\x9b"
		                      "2J");
		in->klass = FUT_CLASS_II;
		a = built(in);
		expect_refused(a, ID, "not printable UTF-8");
	}
}

/* What the worker builds always parses, even from oversized findings. */
static void
test_build_cuts(void)
{
	g_autoptr(FutClassification) in = fut_scan_classification_new();
	g_autoptr(GString) long_text = g_string_new(NULL);
	g_autoptr(GByteArray) a = NULL;
	g_autoptr(FutClassification) out = NULL;
	g_autoptr(GError) error = NULL;

	while (long_text->len < FUT_SCAN_DESCRIPTION_MAX + 10)
		g_string_append(long_text, "極");
	for (guint i = 0; i < FUT_SCAN_EVIDENCE_MAX + 20; i++)
		fut_scan_evidence_add(in, "marking", FUT_CLASS_NONE, i, long_text->str);
	fut_scan_evidence_add(in, "zip-bomb", FUT_CLASS_II, 1, "cut off: beyond the limit");
	in->klass = FUT_CLASS_II;
	a = built(in);
	out = fut_scan_reply_parse(a->data, a->len, ID, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(out->evidence->len, >, 10);
	g_assert_cmpuint(out->evidence->len, <=, FUT_SCAN_EVIDENCE_MAX);
	/* the Class II reason listed last is sent first: cutting never lowers the class */
	g_assert_cmpint(out->klass, ==, FUT_CLASS_II);
	g_assert_cmpstr(((FutEvidence *)g_ptr_array_index(out->evidence, 0))->rule, ==, "zip-bomb");
	for (guint i = 0; i < out->evidence->len; i++) {
		FutEvidence *e = g_ptr_array_index(out->evidence, i);
		g_assert_cmpuint(strlen(e->description), <=, FUT_SCAN_DESCRIPTION_MAX);
		g_assert_true(g_utf8_validate(e->description, -1, NULL));
	}
}

/* Random bytes and random mutations of a good reply: refused or parsed, never more. */
static void
test_garbage(void)
{
	g_autoptr(FutClassification) in = sample();
	g_autoptr(GByteArray) good = built(in);
	GRand *r = g_rand_new_with_seed(17);

	for (guint round = 0; round < 20000; round++) {
		g_autoptr(GByteArray) a = g_byte_array_new();
		g_autoptr(FutClassification) c = NULL;
		g_autoptr(GError) error = NULL;

		g_byte_array_append(a, good->data, good->len);
		for (guint k = 0, n = (guint)g_rand_int_range(r, 1, 6); k < n; k++)
			a->data[g_rand_int_range(r, 0, (gint)a->len)] = (guint8)g_rand_int(r);
		if (round % 4 == 0)
			g_byte_array_set_size(a, (guint)g_rand_int_range(r, 0, (gint)a->len + 1));
		c = fut_scan_reply_parse(a->data, a->len, ID, &error);
		g_assert_true((c == NULL) != (error == NULL));
		if (c != NULL) {
			g_assert_cmpint(c->klass, >=, FUT_CLASS_I);
			g_assert_cmpint(c->klass, <=, FUT_CLASS_III);
		}
	}
	g_rand_free(r);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/scanproto/round-trip", test_round_trip);
	g_test_add_func("/scanproto/no-evidence", test_no_evidence_is_class_iii);
	g_test_add_func("/scanproto/class-must-follow", test_class_must_follow);
	g_test_add_func("/scanproto/header", test_header);
	g_test_add_func("/scanproto/evidence-fields", test_evidence_fields);
	g_test_add_func("/scanproto/agent-only-and-c1", test_agent_only_and_c1);
	g_test_add_func("/scanproto/build-cuts", test_build_cuts);
	g_test_add_func("/scanproto/garbage", test_garbage);
	return g_test_run();
}
