/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Version-2 requests (one request for a folder's Class I/II files, issue 18): the round
 * trip, and garbage refused with a one-line reason: N out of range, gaps, duplicate paths,
 * unsafe path parts, over-size, a class that is not the highest, a version-1 reader's view. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "fixtures.h"

static FutRequest *
v2_request(const FutKey *host, guint n, FutClass first)
{
	g_autoptr(GError) error = NULL;
	FutRequest *q = fx_request(FUT_CLASS_II, host);

	g_clear_pointer(&q->file_name, g_free);
	g_clear_pointer(&q->class_evidence, g_free);
	q->size = 0;
	memset(q->sha256, 0, sizeof q->sha256);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *path =
		    g_strdup_printf("名簿 TEST ONLY/sub %u/file-%u.csv", i % 3, i);
		g_autofree gchar *content = g_strdup_printf("TEST ONLY content %u", i);
		guint8 sha[FUT_SHA256_LEN];
		fut_sha256(content, strlen(content), sha);
		fut_request_add_file(q, path, strlen(content), sha, i == 0 ? first : FUT_CLASS_II);
	}
	q->klass = first == FUT_CLASS_I ? FUT_CLASS_I : FUT_CLASS_II;
	g_assert_true(fut_request_sign(q, host, &error));
	g_assert_no_error(error);
	return q;
}

static void
test_roundtrip(void)
{
	g_autoptr(FutKey) host = fx_key("host pc-test-only-01");
	g_autoptr(FutRequest) q = v2_request(host, 3, FUT_CLASS_I);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = fut_request_to_text(q, &error);
	g_autoptr(FutRequest) back = NULL;
	g_autofree gchar *again = NULL;
	g_autofree gchar *id1 = NULL, *id2 = NULL;

	g_assert_no_error(error);
	/* Where the fuzz corpus entry (tests/fuzz/corpus/request/v2-three-files) comes from. */
	if (g_getenv("FUT_WRITE_V2_CORPUS") != NULL)
		g_assert_true(g_file_set_contents(g_getenv("FUT_WRITE_V2_CORPUS"), text, -1, NULL));
	g_assert_nonnull(strstr(text, "\nversion: 2\n"));
	g_assert_nonnull(strstr(text, "\nfiles: 3\nfile.1: "));
	g_assert_null(strstr(text, "class-evidence"));
	back = fut_request_parse(text, strlen(text), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(back->version, ==, 2);
	g_assert_cmpuint(fut_request_n_files(back), ==, 3);
	g_assert_cmpint(back->klass, ==, FUT_CLASS_I);
	for (guint i = 0; i < 3; i++) {
		const FutRequestFile *a = g_ptr_array_index(q->files, i);
		const FutRequestFile *b = g_ptr_array_index(back->files, i);
		g_assert_cmpstr(a->path, ==, b->path);
		g_assert_cmpuint(a->size, ==, b->size);
		g_assert_cmpmem(a->sha256, FUT_SHA256_LEN, b->sha256, FUT_SHA256_LEN);
		g_assert_cmpint(a->klass, ==, b->klass);
	}
	g_assert_true(fut_request_verify(back, &error));
	again = fut_request_to_text(back, &error);
	g_assert_cmpstr(again, ==, text);
	id1 = fut_request_dup_id_string(q);
	id2 = fut_request_dup_id_string(back);
	g_assert_cmpstr(id1, ==, id2);
	/* a copy is deep */
	{
		g_autoptr(FutRequest) d = fut_request_dup(back);
		g_autofree gchar *dt = fut_request_to_text(d, &error);
		g_assert_cmpstr(dt, ==, text);
	}
	/* a version-1 request still reads as one file */
	{
		g_autoptr(FutRequest) v1 = fx_request(FUT_CLASS_II, host);
		g_autofree gchar *t1 = fut_request_to_text(v1, &error);
		g_autoptr(FutRequest) b1 = fut_request_parse(t1, strlen(t1), &error);
		g_assert_no_error(error);
		g_assert_cmpuint(b1->version, ==, 0);
		g_assert_null(b1->files);
		g_assert_cmpuint(fut_request_n_files(b1), ==, 1);
		g_assert_nonnull(strstr(t1, "\nversion: 1\n"));
	}
}

/* The signed body is edited (and signed again with the same key, so only the parser's own
 * rules can refuse it): each edit is refused with a reason naming what is wrong. */
static void
expect_refused(const gchar *text, const gchar *from, const gchar *to, const gchar *why)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) t = g_string_new(text);
	g_autoptr(FutRequest) q = NULL;
	guint n = g_string_replace(t, from, to, 1);

	g_assert_cmpuint(n, ==, 1);
	q = fut_request_parse(t->str, t->len, &error);
	g_assert_null(q);
	g_assert_nonnull(error);
	g_test_message("%s -> %s: %s", from, to, error->message);
	g_assert_null(strchr(error->message, '\n'));
	if (strstr(error->message, why) == NULL)
		g_error("edit %s -> %s: '%s' does not say '%s'", from, to, error->message, why);
}

static void
test_garbage(void)
{
	g_autoptr(FutKey) host = fx_key("host pc-test-only-01");
	g_autoptr(FutRequest) q = v2_request(host, 3, FUT_CLASS_II);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = fut_request_to_text(q, &error);
	const FutRequestFile *f2 = g_ptr_array_index(q->files, 1);
	g_autofree gchar *f2line = g_strdup_printf("file.2: %s\n", f2->path);

	g_assert_no_error(error);
	/* N out of range, N that disagrees with the blocks */
	expect_refused(text, "files: 3\n", "files: 0\n", "must be 1 to 1000");
	expect_refused(text, "files: 3\n", "files: 1001\n", "files");
	expect_refused(text, "files: 3\n", "files: 03\n", "files");
	expect_refused(text, "files: 3\n", "files: 2\n", "class");
	expect_refused(text, "files: 3\n", "files: 4\n", "file.4");
	/* a gap, a block out of order */
	expect_refused(text, "file.2: ", "file.4: ", "file.2");
	expect_refused(text, "size.2: ", "sha256.2: ", "size.2");
	/* duplicate paths (the parser checks them after reading all) */
	{
		const FutRequestFile *f1 = g_ptr_array_index(q->files, 0);
		g_autofree gchar *dup = g_strdup_printf("file.2: %s\n", f1->path);
		expect_refused(text, f2line, dup, "the same path");
	}
	/* unsafe path parts */
	expect_refused(text, f2line, "file.2: ../etc/passwd\n", "'.' or '..'");
	expect_refused(text, f2line, "file.2: a/./b\n", "'.' or '..'");
	expect_refused(text, f2line, "file.2: /abs\n", "empty folder or file name");
	expect_refused(text, f2line, "file.2: a//b\n", "empty folder or file name");
	expect_refused(text, f2line, "file.2: a/\n", "empty folder or file name");
	expect_refused(text, f2line, "file.2: a%0Ab\n", "control");
	expect_refused(text, f2line, "file.2: a%E2%80%AEb\n", "format character");
	expect_refused(text, f2line, "file.2: bad%FF\n", "UTF-8");
	expect_refused(text, f2line, "file.2: a:b\n", "cannot store");
	expect_refused(text, f2line, "file.2: a\\b\n", "cannot store");
	expect_refused(text, f2line, "file.2: dot.\n", "ends with a dot");
	expect_refused(text, f2line, "file.2:\n", "file.2");
	{
		g_autoptr(GString) deep = g_string_new("file.2: ");
		g_autoptr(GString) longname = g_string_new("file.2: ");
		for (guint i = 0; i < FUT_REQUEST_PATH_DEPTH + 1; i++)
			g_string_append(deep, i > 0 ? "/d" : "d");
		g_string_append_c(deep, '\n');
		expect_refused(text, f2line, deep->str, "deeper");
		for (guint i = 0; i < 256; i++)
			g_string_append_c(longname, 'x');
		g_string_append_c(longname, '\n');
		expect_refused(text, f2line, longname->str, "longer than 255");
	}
	/* over-size, a Class III file, a class that is not the highest */
	expect_refused(text, "size.2: ", "size.2: 9223372036854775808", "size.2");
	expect_refused(text, "class.2: II\n", "class.2: III\n", "must be I or II");
	expect_refused(text, "class.2: II\n", "class.2: I\n", "highest class");
	/* the fields of version 1 do not mix in */
	expect_refused(text, "\nclass: II\n", "\nclass: II\nclass-evidence: x\n", "class-evidence");
	expect_refused(text, "files: 3\n", "file: a\nfiles: 3\n", "version");
	/* a version-1 request that says version 2, and back */
	{
		g_autoptr(FutRequest) v1 = fx_request(FUT_CLASS_II, host);
		g_autofree gchar *t1 = fut_request_to_text(v1, &error);
		expect_refused(t1, "version: 1\n", "version: 2\n", "version");
		expect_refused(text, "version: 2\n", "version: 1\n", "file");
		expect_refused(text, "version: 2\n", "version: 3\n", "version");
	}
}

/* Edits re-signed with the host key: the signature is right, the rules still refuse. */
static void
test_writer_refuses(void)
{
	g_autoptr(FutKey) host = fx_key("host pc-test-only-01");
	g_autoptr(FutRequest) q = v2_request(host, 2, FUT_CLASS_II);
	g_autoptr(GError) error = NULL;
	FutRequestFile *f = g_ptr_array_index(q->files, 1);
	const FutRequestFile *f0 = g_ptr_array_index(q->files, 0);
	guint8 sha[FUT_SHA256_LEN];

	memcpy(sha, f0->sha256, sizeof sha); /* the list is emptied below */
	g_free(f->path);
	f->path = g_strdup(f0->path);
	g_assert_false(fut_request_sign(q, host, &error));
	g_assert_nonnull(strstr(error->message, "the same path"));
	g_clear_error(&error);
	g_free(f->path);
	f->path = g_strdup("x/../y");
	g_assert_false(fut_request_sign(q, host, &error));
	g_clear_error(&error);
	g_free(f->path);
	f->path = g_strdup("ok.txt");
	g_assert_true(fut_request_sign(q, host, &error));
	/* over the count */
	for (guint i = 2; i <= FUT_REQUEST_MAX_FILES; i++) {
		g_autofree gchar *p = g_strdup_printf("f%u", i);
		fut_request_add_file(q, p, 1, sha, FUT_CLASS_II);
	}
	g_assert_false(fut_request_sign(q, host, &error));
	g_assert_nonnull(strstr(error->message, "1 to 1000"));
	g_clear_error(&error);
	/* 1000 files of long names pass the text limit: refused by the writer, not made */
	g_ptr_array_set_size(q->files, 0);
	for (guint i = 0; i < FUT_REQUEST_MAX_FILES; i++) {
		g_autofree gchar *p = g_strdup_printf("%0250u/%0250u", i, i);
		fut_request_add_file(q, p, 1, sha, FUT_CLASS_II);
	}
	g_assert_false(fut_request_sign(q, host, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	g_clear_error(&error);
	/* 1000 files of short names fit */
	g_ptr_array_set_size(q->files, 0);
	for (guint i = 0; i < FUT_REQUEST_MAX_FILES; i++) {
		g_autofree gchar *p = g_strdup_printf("folder/file %u.csv", i);
		fut_request_add_file(q, p, 1, sha, FUT_CLASS_II);
	}
	g_assert_true(fut_request_sign(q, host, &error));
	{
		g_autofree gchar *text = fut_request_to_text(q, &error);
		g_autoptr(FutRequest) back = fut_request_parse(text, strlen(text), &error);
		g_assert_no_error(error);
		g_assert_cmpuint(fut_request_n_files(back), ==, FUT_REQUEST_MAX_FILES);
		g_assert_true(fut_request_verify(back, &error));
	}
}

/* A file added to, or a digest changed in, a signed request: the host signature fails, and
 * the request id (which approvals name) changes. */
static void
test_tamper(void)
{
	g_autoptr(FutKey) host = fx_key("host pc-test-only-01");
	g_autoptr(FutRequest) q = v2_request(host, 3, FUT_CLASS_II);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *id = fut_request_dup_id_string(q);
	g_autoptr(FutRequest) added = fut_request_dup(q);
	g_autoptr(FutRequest) changed = fut_request_dup(q);
	const FutRequestFile *f0 = g_ptr_array_index(q->files, 0);
	FutRequestFile *c = g_ptr_array_index(changed->files, 2);

	fut_request_add_file(added, "extra.csv", 5, f0->sha256, FUT_CLASS_II);
	g_assert_false(fut_request_verify(added, &error));
	g_clear_error(&error);
	c->sha256[0] ^= 1;
	g_assert_false(fut_request_verify(changed, &error));
	g_clear_error(&error);
	{
		g_autofree gchar *id2 = fut_request_dup_id_string(added);
		g_autofree gchar *id3 = fut_request_dup_id_string(changed);
		g_assert_cmpstr(id, !=, id2);
		g_assert_cmpstr(id, !=, id3);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/request-v2/roundtrip", test_roundtrip);
	g_test_add_func("/request-v2/garbage", test_garbage);
	g_test_add_func("/request-v2/writer-refuses", test_writer_refuses);
	g_test_add_func("/request-v2/tamper", test_tamper);
	return g_test_run();
}
