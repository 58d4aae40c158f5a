/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The armoured envelope and strict base64: every kind of bad input is refused. */
#include "config.h"

#include <string.h>

#include "armor.h"
#include "errors.h"

static void
test_roundtrip_bytes(void)
{
	for (gsize len = 0; len < 200; len++) {
		g_autoptr(GError) error = NULL;
		g_autofree guint8 *data = g_malloc(len + 1);
		g_autofree gchar *text = NULL;
		g_autoptr(GBytes) back = NULL;

		for (gsize i = 0; i < len; i++)
			data[i] = (guint8)(i * 37 + len);
		text = fut_armor_encode_bytes("TEST OBJECT", data, len);
		back = fut_armor_decode_bytes(text, strlen(text), "TEST OBJECT", 4096, &error);
		if (len == 0) {
			/* an empty body is never a valid object */
			g_assert_null(back);
			g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
			continue;
		}
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(back, NULL), g_bytes_get_size(back), data, len);
	}
}

static void
test_roundtrip_text(void)
{
	g_autoptr(GError) error = NULL;
	const gchar *body = "version: 1\nfile: 報告書.xlsx\nreason: 会議資料\n";
	g_autofree gchar *text = fut_armor_encode_text("REQUEST", body);
	g_autofree gchar *got = NULL;

	g_assert_cmpstr(text, ==,
	                "-----BEGIN FUTARI REQUEST-----\nversion: 1\nfile: 報告書.xlsx\n"
	                "reason: 会議資料\n-----END FUTARI REQUEST-----\n");
	g_assert_true(fut_armor_decode_text(text, strlen(text), "REQUEST", 4096, &got, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(got, ==, body);
}

/* CRLF throughout (a mail client rewrote it) reads as LF; a missing final newline is fine. */
static void
test_crlf_and_final_newline(void)
{
	g_autoptr(GError) error = NULL;
	const gchar *crlf =
	    "-----BEGIN FUTARI REQUEST-----\r\na: 1\r\n-----END FUTARI REQUEST-----\r\n";
	const gchar *nofinal = "-----BEGIN FUTARI REQUEST-----\na: 1\n-----END FUTARI REQUEST-----";
	g_autofree gchar *b1 = NULL;
	g_autofree gchar *b2 = NULL;

	g_assert_true(fut_armor_decode_text(crlf, strlen(crlf), "REQUEST", 4096, &b1, &error));
	g_assert_cmpstr(b1, ==, "a: 1\n");
	g_assert_true(
	    fut_armor_decode_text(nofinal, strlen(nofinal), "REQUEST", 4096, &b2, &error));
	g_assert_cmpstr(b2, ==, "a: 1\n");
}

typedef struct {
	const gchar *name;
	const gchar *text;
	gint code;
	const gchar *message_part;
} BadCase;

static const BadCase bad_text[] = {
    {"empty", "", FUT_ERROR_INVALID_DATA, "empty"},
    {"no-end", "-----BEGIN FUTARI REQUEST-----\na: 1\n", FUT_ERROR_INVALID_DATA, "truncated"},
    {"leading-garbage", "hi\n-----BEGIN FUTARI REQUEST-----\na\n-----END FUTARI REQUEST-----\n",
     FUT_ERROR_INVALID_DATA, "first line"},
    {"trailing-garbage",
     "-----BEGIN FUTARI REQUEST-----\na\n-----END FUTARI REQUEST-----\nPS: thanks\n",
     FUT_ERROR_INVALID_DATA, "trailing"},
    {"trailing-blank-line", "-----BEGIN FUTARI REQUEST-----\na\n-----END FUTARI REQUEST-----\n\n",
     FUT_ERROR_INVALID_DATA, "trailing"},
    {"wrong-type", "-----BEGIN FUTARI APPROVAL-----\na\n-----END FUTARI APPROVAL-----\n",
     FUT_ERROR_INVALID_DATA, "APPROVAL, expected a FUTARI REQUEST"},
    {"mismatched-end", "-----BEGIN FUTARI REQUEST-----\na\n-----END FUTARI APPROVAL-----\n",
     FUT_ERROR_INVALID_DATA, "truncated"},
    {"mixed-line-endings", "-----BEGIN FUTARI REQUEST-----\r\na\n-----END FUTARI REQUEST-----\n",
     FUT_ERROR_INVALID_DATA, "mixed line endings"},
    {"bare-cr", "-----BEGIN FUTARI REQUEST-----\na\rb\n-----END FUTARI REQUEST-----\n",
     FUT_ERROR_INVALID_DATA, "carriage return"},
    {"control-char", "-----BEGIN FUTARI REQUEST-----\na\x1b[2Jb\n-----END FUTARI REQUEST-----\n",
     FUT_ERROR_INVALID_DATA, "control character"},
    {"tab", "-----BEGIN FUTARI REQUEST-----\na\tb\n-----END FUTARI REQUEST-----\n",
     FUT_ERROR_INVALID_DATA, "control character"},
    {"invalid-utf8", "-----BEGIN FUTARI REQUEST-----\na\xff\xfe\n-----END FUTARI REQUEST-----\n",
     FUT_ERROR_INVALID_DATA, "UTF-8"},
    {"overlong-utf8", "-----BEGIN FUTARI REQUEST-----\n\xc0\xaf\n-----END FUTARI REQUEST-----\n",
     FUT_ERROR_INVALID_DATA, "UTF-8"},
    {"nested-armour",
     "-----BEGIN FUTARI REQUEST-----\n-----BEGIN FUTARI REQUEST-----\n-----END FUTARI "
     "REQUEST-----\n",
     FUT_ERROR_INVALID_DATA, "armour line"},
    {"lowercase-label", "-----BEGIN FUTARI request-----\na\n-----END FUTARI request-----\n",
     FUT_ERROR_INVALID_DATA, "first line"},
};

static void
test_bad_text(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(bad_text); i++) {
		const BadCase *c = &bad_text[i];
		g_autoptr(GError) error = NULL;
		g_autofree gchar *body = NULL;

		g_test_message("case %s", c->name);
		g_assert_false(fut_armor_decode_text(c->text, strlen(c->text), "REQUEST", 4096,
		                                     &body, &error));
		g_assert_null(body);
		g_assert_error(error, FUT_ERROR, c->code);
		if (strstr(error->message, c->message_part) == NULL)
			g_error("case %s: message \"%s\" lacks \"%s\"", c->name, error->message,
			        c->message_part);
	}
}

static void
test_nul_byte(void)
{
	g_autoptr(GError) error = NULL;
	const gchar text[] = "-----BEGIN FUTARI REQUEST-----\na\0b\n-----END FUTARI REQUEST-----\n";
	g_autofree gchar *body = NULL;

	g_assert_false(
	    fut_armor_decode_text(text, sizeof(text) - 1, "REQUEST", 4096, &body, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
}

static void
test_oversized(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) s = g_string_new("-----BEGIN FUTARI REQUEST-----\n");
	g_autofree gchar *body = NULL;
	g_autofree gchar *longline = g_strnfill(FUT_ARMOR_LINE_MAX + 1, 'x');
	g_autofree gchar *t2 = NULL;

	while (s->len < 70000)
		g_string_append(s, "field: value\n");
	g_string_append(s, "-----END FUTARI REQUEST-----\n");
	g_assert_false(
	    fut_armor_decode_text(s->str, s->len, "REQUEST", FUT_ARMOR_MAX_DEFAULT, &body, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	g_clear_error(&error);

	t2 = g_strconcat("-----BEGIN FUTARI REQUEST-----\n", longline,
	                 "\n-----END FUTARI REQUEST-----\n", NULL);
	g_assert_false(
	    fut_armor_decode_text(t2, strlen(t2), "REQUEST", FUT_ARMOR_MAX_DEFAULT, &body, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
}

static void
test_bad_base64(void)
{
	static const struct {
		const gchar *name;
		const gchar *body;
		const gchar *part;
	} cases[] = {
	    {"bad-character", "QUJD*A==\n", "invalid base64 character"},
	    {"space-inside", "QUJDR A=\n", "invalid base64 character"},
	    {"missing-padding", "QUJDRA\n", "multiple of 4"},
	    {"padding-in-middle", "QQ==QUJD\n", "invalid base64 character"},
	    {"non-canonical-bits", "QUJDRB==\n", "non-canonical"},
	    {"non-canonical-bits-1", "QUJDRE=\n", "multiple of 4"},
	    {"non-canonical-one-pad", "QUJDREX=\n", "non-canonical"},
	    {"short-line-not-last",
	     "QUJD\nQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJD\n",
	     "lines must have 64"},
	    {"long-line", "QUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJD\n",
	     "lines must have 64"},
	    {"empty-line", "QUJD\n\n", "lines must have 64"},
	    {"empty-body", "", "empty body"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = g_strconcat("-----BEGIN FUTARI BLOB-----\n", cases[i].body,
		                                     "-----END FUTARI BLOB-----\n", NULL);
		g_autoptr(GBytes) b =
		    fut_armor_decode_bytes(text, strlen(text), "BLOB", 4096, &error);
		g_test_message("case %s", cases[i].name);
		g_assert_null(b);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		if (strstr(error->message, cases[i].part) == NULL)
			g_error("case %s: message \"%s\" lacks \"%s\"", cases[i].name,
			        error->message, cases[i].part);
	}
}

/* Canonical forms decode to what every other decoder says. */
static void
test_base64_strict_good(void)
{
	static const struct {
		const gchar *in;
		const gchar *out;
	} cases[] = {{"", ""},
	             {"Zg==", "f"},
	             {"Zm8=", "fo"},
	             {"Zm9v", "foo"},
	             {"Zm9vYg==", "foob"},
	             {"Zm9vYmE=", "fooba"},
	             {"Zm9vYmFy", "foobar"}};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree guint8 *data = NULL;
		gsize len = 0;
		g_assert_true(fut_base64_decode_strict(cases[i].in, strlen(cases[i].in), &data,
		                                       &len, &error));
		g_assert_no_error(error);
		g_assert_cmpmem(data, len, cases[i].out, strlen(cases[i].out));
	}
}

static void
test_peek_label(void)
{
	const gchar *t = "-----BEGIN FUTARI APPROVAL-----\nx\n-----END FUTARI APPROVAL-----\n";
	g_autofree gchar *l = fut_armor_peek_label(t, strlen(t));
	g_autofree gchar *none = fut_armor_peek_label("hello\n", 6);

	g_assert_cmpstr(l, ==, "APPROVAL");
	g_assert_null(none);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/futari/armor/roundtrip-bytes", test_roundtrip_bytes);
	g_test_add_func("/futari/armor/roundtrip-text", test_roundtrip_text);
	g_test_add_func("/futari/armor/crlf-and-final-newline", test_crlf_and_final_newline);
	g_test_add_func("/futari/armor/bad-text", test_bad_text);
	g_test_add_func("/futari/armor/nul-byte", test_nul_byte);
	g_test_add_func("/futari/armor/oversized", test_oversized);
	g_test_add_func("/futari/armor/bad-base64", test_bad_base64);
	g_test_add_func("/futari/armor/base64-rfc4648-vectors", test_base64_strict_good);
	g_test_add_func("/futari/armor/peek-label", test_peek_label);
	return g_test_run();
}
