/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The redeem decision: one table row per refusal reason, each built from a scenario that
 * is accepted until the row's change breaks exactly one rule. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "fixtures.h"
#include "test-redeem.h"

static void
test_row(gconstpointer data)
{
	const Row *row = data;
	Scenario *s = scenario_new();
	g_autofree gchar *message = NULL;
	FutRefusal got;

	row->mutate(s);
	got = scenario_run(s, &message);
	g_test_message("%s: %s (%s)", row->name, fut_refusal_to_string(got), message);
	g_assert_cmpstr(fut_refusal_to_string(got), ==, fut_refusal_to_string(row->expect));
	g_assert_nonnull(message);
	for (const gchar *p = message; *p != '\0'; p++)
		g_assert_true((guchar)*p >= 0x20 && *p != 0x7f);
	g_assert_nonnull(strstr(message, row->message_part));
	scenario_free(s);
}

/* Every refusal has a stable name, and every one of them is covered by a row above. */
static void
test_every_refusal_covered(void)
{
	for (FutRefusal r = FUT_REFUSAL_NONE; r <= FUT_REFUSAL_LAST; r++) {
		/* MALFORMED: test_parse_approvals; after it, the agent's own refusals
		 * (agent-redeem.sh), which fut_redeem_check never gives. */
		gboolean found = r >= FUT_REFUSAL_MALFORMED;
		g_assert_cmpstr(fut_refusal_to_string(r), !=, "unknown");
		g_assert_cmpint(fut_refusal_from_string(fut_refusal_to_string(r)), ==,
		                r == FUT_REFUSAL_NONE ? FUT_REFUSAL_NONE : r);
		for (guint i = 0; i < n_rows && !found; i++)
			found = rows[i].expect == r;
		if (!found)
			g_error("no test row for refusal %s", fut_refusal_to_string(r));
	}
	g_assert_cmpstr(fut_refusal_to_string(FUT_REFUSAL_LAST + 1), ==, "unknown");
}

/* Issue 16 item 3: every refusal reads "<message> (<name>)", once, and the name can be
 * read back; garbage names nothing. */
static void
test_refusal_error(void)
{
	g_autoptr(GError) error = NULL;
	const gchar *garbage[] = {"",
	                          "x",
	                          "(malformed)",
	                          "a(malformed)",
	                          "a (Malformed)",
	                          "a (nope)",
	                          "a (malformed",
	                          "a (accepted)",
	                          NULL};

	fut_refusal_set_error(&error, FUT_REFUSAL_BEING_REDEEMED, "busy");
	g_assert_error(error, FUT_ERROR, FUT_ERROR_REFUSED);
	g_assert_cmpstr(error->message, ==, "busy (being-redeemed)");
	g_assert_cmpint(fut_refusal_from_message(error->message), ==, FUT_REFUSAL_BEING_REDEEMED);
	/* an error named already keeps its name */
	fut_refusal_set_error(&error, FUT_REFUSAL_AGENT_ERROR, NULL);
	g_assert_cmpstr(error->message, ==, "busy (being-redeemed)");
	g_clear_error(&error);
	/* another error gets the name appended, keeping its domain and code */
	g_set_error(&error, FUT_ERROR, FUT_ERROR_PERMISSION, "only the requester (uid 5)");
	fut_refusal_set_error(&error, FUT_REFUSAL_NOT_REQUESTER, NULL);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_PERMISSION);
	g_assert_cmpstr(error->message, ==, "only the requester (uid 5) (not-requester)");
	g_assert_cmpint(fut_refusal_from_message(error->message), ==, FUT_REFUSAL_NOT_REQUESTER);
	for (guint i = 0; garbage[i] != NULL; i++)
		g_assert_cmpint(fut_refusal_from_message(garbage[i]), ==, FUT_REFUSAL_NONE);
	g_assert_cmpint(fut_refusal_from_message(NULL), ==, FUT_REFUSAL_NONE);
	g_assert_cmpint(fut_refusal_from_string(NULL), ==, FUT_REFUSAL_NONE);
	fut_refusal_set_error(NULL, FUT_REFUSAL_MALFORMED, "ignored");
}

/* A lookup that is asked about something else than the request answers UNKNOWN: make sure
 * the function asks with the request id. */
static void
test_lookup_gets_request_id(void)
{
	Scenario *s = scenario_new();
	FutRefusal r = scenario_run(s, NULL);

	g_assert_cmpint(r, ==, FUT_REFUSAL_NONE);
	scenario_free(s);
}

/* Approval texts as a user hands them in: garbage, a request instead of an approval, too
 * many, and good ones. */
static void
test_parse_approvals(void)
{
	Scenario *s = scenario_new();
	g_autofree gchar *good = fut_approval_to_text(s->approvals->pdata[0], NULL);
	g_autofree gchar *req = fut_request_to_text(s->req, NULL);
	const gchar *texts[FUT_REDEEM_MAX_APPROVALS + 1];
	gsize lens[FUT_REDEEM_MAX_APPROVALS + 1];
	g_autoptr(GPtrArray) out = NULL;
	g_autofree gchar *msg = NULL;

	texts[0] = good;
	lens[0] = strlen(good);
	texts[1] = req;
	lens[1] = strlen(req);
	g_assert_cmpint(fut_redeem_parse_approvals(texts, lens, 2, &out, &msg), ==,
	                FUT_REFUSAL_MALFORMED);
	g_assert_null(out);
	g_assert_nonnull(strstr(msg, "approval 2 is not a valid futari approval: this is a FUTARI "
	                             "REQUEST, expected a FUTARI APPROVAL"));
	g_clear_pointer(&msg, g_free);

	texts[1] = "garbage";
	lens[1] = 7;
	g_assert_cmpint(fut_redeem_parse_approvals(texts, lens, 2, &out, &msg), ==,
	                FUT_REFUSAL_MALFORMED);
	g_clear_pointer(&msg, g_free);

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		texts[i] = good;
		lens[i] = strlen(good);
	}
	g_assert_cmpint(fut_redeem_parse_approvals(texts, lens, G_N_ELEMENTS(texts), &out, &msg),
	                ==, FUT_REFUSAL_TOO_MANY_APPROVALS);
	g_clear_pointer(&msg, g_free);

	g_assert_cmpint(fut_redeem_parse_approvals(texts, lens, 1, &out, NULL), ==,
	                FUT_REFUSAL_NONE);
	g_assert_cmpuint(out->len, ==, 1);
	g_ptr_array_unref(s->approvals);
	s->approvals = g_steal_pointer(&out);
	g_assert_cmpint(scenario_run(s, NULL), ==, FUT_REFUSAL_NONE);
	scenario_free(s);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < n_rows; i++) {
		g_autofree gchar *path = g_strdup_printf("/redeem/%s", rows[i].name);
		g_test_add_data_func(path, &rows[i], test_row);
	}
	g_test_add_func("/redeem/every-refusal-covered", test_every_refusal_covered);
	g_test_add_func("/redeem/refusal-error", test_refusal_error);
	g_test_add_func("/redeem/lookup-gets-request-id", test_lookup_gets_request_id);
	g_test_add_func("/redeem/parse-approvals", test_parse_approvals);
	return g_test_run();
}
