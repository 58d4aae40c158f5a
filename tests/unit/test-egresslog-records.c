/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-egresslog, the parts below the writer: the Merkle tree, records and their
 * parsing, checkpoint witnesses, the time format. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "egresslog.h"
#include "errors.h"
#include "logrecord.h"
#include "merkle.h"
#include "test-egresslog.h"
#include "util.h"

static void
reference_mth(GPtrArray *leaves, guint lo, guint hi, guint8 ret[FUT_SHA256_LEN])
{
	guint n = hi - lo;
	guint k = 1;
	guint8 l[FUT_SHA256_LEN], r[FUT_SHA256_LEN];

	if (n == 0) {
		fut_sha256("", 0, ret);
		return;
	}
	if (n == 1) {
		GBytes *b = g_ptr_array_index(leaves, lo);
		fut_merkle_leaf_hash(g_bytes_get_data(b, NULL), g_bytes_get_size(b), ret);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	reference_mth(leaves, lo, lo + k, l);
	reference_mth(leaves, lo + k, hi, r);
	fut_merkle_node_hash(l, r, ret);
}

void
test_merkle(void)
{
	/* The RFC 6962 test vectors of the Certificate Transparency reference code. */
	static const struct {
		const gchar *data;
		gsize len;
	} leaves[] = {
	    {"", 0},
	    {"\x00", 1},
	    {"\x10", 1},
	    {"\x20\x21", 2},
	    {"\x30\x31", 2},
	    {"\x40\x41\x42\x43", 4},
	    {"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
	    {"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
	};
	static const gchar *roots[] = {
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	g_autoptr(FutMerkle) m = fut_merkle_new();
	g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	guint8 root[FUT_SHA256_LEN];
	g_autofree gchar *empty = NULL;

	fut_merkle_root(m, root);
	empty = fut_hex_encode(root, FUT_SHA256_LEN);
	g_assert_cmpstr(empty, ==,
	                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	for (gsize i = 0; i < G_N_ELEMENTS(leaves); i++) {
		g_autofree gchar *hex = NULL;
		fut_merkle_append(m, leaves[i].data, leaves[i].len);
		fut_merkle_root(m, root);
		hex = fut_hex_encode(root, FUT_SHA256_LEN);
		g_assert_cmpstr(hex, ==, roots[i]);
	}

	/* Every size up to 300 against the recursive definition. */
	g_clear_pointer(&m, fut_merkle_free);
	m = fut_merkle_new();
	for (guint n = 1; n <= 300; n++) {
		gchar buf[16];
		guint8 want[FUT_SHA256_LEN];
		g_snprintf(buf, sizeof(buf), "leaf %u", n);
		g_ptr_array_add(many, g_bytes_new(buf, strlen(buf)));
		fut_merkle_append(m, buf, strlen(buf));
		reference_mth(many, 0, n, want);
		fut_merkle_root(m, root);
		g_assert_cmpmem(root, FUT_SHA256_LEN, want, FUT_SHA256_LEN);
		g_assert_cmpuint(fut_merkle_size(m), ==, n);
	}
	/* A copy goes its own way. */
	{
		g_autoptr(FutMerkle) c = fut_merkle_copy(m);
		guint8 r2[FUT_SHA256_LEN];
		fut_merkle_append(c, "x", 1);
		fut_merkle_root(m, r2);
		g_assert_cmpmem(root, FUT_SHA256_LEN, r2, FUT_SHA256_LEN);
		fut_merkle_root(c, r2);
		g_assert_true(memcmp(root, r2, FUT_SHA256_LEN) != 0);
	}
}

void
test_record_roundtrip(void)
{
	g_autoptr(FutLogEvent) ev = sample_export("/home/tanaka/入札仕様書.xlsx");
	FutLogRecord rec = {0};
	g_autofree gchar *line = NULL;
	g_autofree gchar *again = NULL;
	g_autoptr(FutLogRecord) back = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	gsize len2 = 0;

	rec.seq = 7;
	rec.time_us = utc(2026, 11, 26, 9, 0, 0) + 123456;
	rec.host = (gchar *)"pc-001";
	rec.ev = ev;
	memset(rec.prev, 0xab, FUT_SHA256_LEN);
	fut_log_event_set_detail(ev, "mount", "/media/x");
	fut_log_event_set_detail_int(ev, "bytes", 99);
	line = fut_log_record_encode(&rec, &len);
	g_assert_true(g_str_has_prefix(
	    line, "{\"seq\":7,\"time\":\"2026-11-26T09:00:00.123456Z\",\"host\":\"pc-001\","
	          "\"event\":\"export.written\",\"subject\":{\"uid\":1000,\"login\":\"tanaka\","));
	g_assert_nonnull(strstr(line, "\"detail\":{\"bytes\":99,\"mount\":\"/media/x\"}"));
	g_assert_nonnull(strstr(line, "\"approvers\":[\"A-0042\"]"));
	back = fut_log_record_parse(line, len, &error);
	g_assert_no_error(error);
	g_assert_cmpint(back->seq, ==, 7);
	g_assert_cmpstr(back->ev->object.path, ==, "/home/tanaka/入札仕様書.xlsx");
	g_assert_cmpstr(back->ev->object.klass, ==, "II");
	g_assert_cmpstr(back->ev->destination.serial, ==, "4C530001231120115142");
	g_assert_cmpmem(back->hash, FUT_SHA256_LEN, rec.hash, FUT_SHA256_LEN);
	again = fut_log_record_encode(back, &len2);
	g_assert_cmpstr(again, ==, line);

	/* The hash is SHA-256 of the line without its hash member. */
	{
		g_autofree gchar *body = g_strndup(line, strstr(line, ",\"hash\":") - line);
		g_autofree gchar *hashed = g_strconcat(body, "}", NULL);
		guint8 h[FUT_SHA256_LEN];
		fut_sha256(hashed, strlen(hashed), h);
		g_assert_cmpmem(h, FUT_SHA256_LEN, rec.hash, FUT_SHA256_LEN);
	}

	/* Flip every byte in turn: nothing but the exact line parses. */
	for (gsize i = 0; i < len; i++) {
		g_autofree gchar *bad = g_strdup(line);
		g_autoptr(FutLogRecord) r = NULL;
		g_autoptr(GError) e = NULL;
		bad[i] ^= 0x01;
		r = fut_log_record_parse(bad, len, &e);
		g_assert_null(r);
		g_assert_nonnull(e);
	}
}

/* Random damage to a valid line: every prefix, and thousands of random byte edits. A line
 * is either refused or is exactly the canonical encoding of what was parsed. */
void
test_record_mutations(void)
{
	g_autoptr(FutLogEvent) ev = sample_export("/home/tanaka/入札仕様書.xlsx");
	g_autoptr(GRand) rand = g_rand_new_with_seed(4242);
	FutLogRecord rec = {0};
	g_autofree gchar *line = NULL;
	gsize len = 0;

	rec.seq = 12;
	rec.time_us = utc(2026, 11, 26, 9, 0, 0);
	rec.host = (gchar *)"pc-001";
	rec.ev = ev;
	fut_log_event_set_detail_int(ev, "n", 5);
	line = fut_log_record_encode(&rec, &len);
	for (gsize cut = 0; cut < len; cut++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(FutLogRecord) r = fut_log_record_parse(line, cut, &error);
		g_assert_null(r);
		g_assert_nonnull(error);
	}
	for (guint i = 0; i < 20000; i++) {
		g_autofree gchar *bad = g_malloc(len + 8);
		gsize blen = len;
		g_autoptr(GError) error = NULL;
		g_autoptr(FutLogRecord) r = NULL;
		guint edits = (guint)g_rand_int_range(rand, 1, 4);
		memcpy(bad, line, len);
		for (guint e = 0; e < edits; e++) {
			gsize at = (gsize)g_rand_int_range(rand, 0, (gint32)blen);
			switch (g_rand_int_range(rand, 0, 3)) {
			case 0: /* replace */
				bad[at] = (gchar)g_rand_int_range(rand, 0, 256);
				break;
			case 1: /* delete */
				memmove(bad + at, bad + at + 1, blen - at - 1);
				blen--;
				break;
			default: /* insert */
				memmove(bad + at + 1, bad + at, blen - at);
				bad[at] = "\"\\{}[],:0a\x00\x1b\xff"[g_rand_int_range(rand, 0, 13)];
				blen++;
			}
		}
		r = fut_log_record_parse(bad, blen, &error);
		if (r != NULL) {
			gsize again_len = 0;
			g_autofree gchar *again = fut_log_record_encode(r, &again_len);
			g_assert_cmpmem(again, again_len, bad, blen);
		} else {
			g_assert_nonnull(error);
		}
	}
}

void
test_record_garbage(void)
{
	static const gchar *garbage[] = {
	    "",
	    "{}",
	    "[]",
	    "null",
	    "{\"seq\":0}",
	    "not json at all, but long enough to pass the length check of the parser, surely",
	    "{\"seq\":0,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\","
	    "\"prev\":\"00\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000"
	    "000000\"}",
	    "{\"seq\":1.5,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":"
	    "\"gap\","
	    "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
	    "\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
	    "{\"seq\":1,\"time\":\"2026-11-26 09:00:00\",\"host\":\"h\",\"event\":\"gap\","
	    "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
	    "\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\","
	    "\"evil\":1,"
	    "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
	    "\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(garbage); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(FutLogRecord) r =
		    fut_log_record_parse(garbage[i], strlen(garbage[i]), &error);
		g_assert_null(r);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}

	/* A line in canonical form whose string holds an escape character (the writer never
	 * stores one) is refused, so decoded values are always safe to print. */
	{
		g_autoptr(FutLogEvent) ev = fut_log_event_new(FUT_LOG_EV_AGENT_RELOAD);
		FutLogRecord rec = {0};
		g_autofree gchar *line = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(FutLogRecord) r = NULL;
		rec.time_us = utc(2026, 1, 1, 0, 0, 0);
		rec.host = (gchar *)"h";
		rec.ev = ev;
		ev->reason = g_strdup("\x1b[2J");
		line = fut_log_record_encode(&rec, NULL);
		g_assert_nonnull(strstr(line, "\\u001b"));
		r = fut_log_record_parse(line, strlen(line), &error);
		g_assert_null(r);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_pointer(&ev->reason, g_free);
		ev->reason = g_strdup("\xe2\x80\xae"
		                      "abc");
		g_free(line);
		line = fut_log_record_encode(&rec, NULL);
		g_clear_error(&error);
		g_assert_null(fut_log_record_parse(line, strlen(line), &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}

	/* A valid line re-spelled (spaces, \u escapes, reordered, duplicated) is refused. */
	{
		g_autoptr(FutLogEvent) ev = fut_log_event_new(FUT_LOG_EV_AGENT_RELOAD);
		FutLogRecord rec = {0};
		g_autofree gchar *line = NULL;
		const gchar *variants[4];
		g_autofree gchar *v0 = NULL, *v1 = NULL, *v2 = NULL, *v3 = NULL;
		rec.time_us = utc(2026, 1, 1, 0, 0, 0);
		rec.host = (gchar *)"h";
		rec.ev = ev;
		line = fut_log_record_encode(&rec, NULL);
		v0 = g_strdup_printf("{ %s", line + 1);
		v1 = g_strdup_printf("%.*s\"\\u0068\"%s", (int)(strstr(line, "\"h\"") - line), line,
		                     strstr(line, "\"h\"") + 3);
		v2 = g_strdup_printf("{\"seq\":0,%s", line + 1);
		v3 = g_strdup_printf("%s ", line);
		variants[0] = v0;
		variants[1] = v1;
		variants[2] = v2;
		variants[3] = v3;
		for (gsize i = 0; i < G_N_ELEMENTS(variants); i++) {
			g_autoptr(GError) error = NULL;
			g_autoptr(FutLogRecord) r =
			    fut_log_record_parse(variants[i], strlen(variants[i]), &error);
			g_assert_null(r);
			g_assert_nonnull(error);
		}
	}
}

/* Hostile names cannot make a second record, a raw control character or a bidi override
 * in the file. */
void
test_record_escaping(void)
{
	static const gchar *names[] = {
	    "evil\n{\"seq\":99,\"event\":\"export.refused\"}",
	    "quote\"},\"decision\":\"deny",
	    "\x1b[2K\x1b[1A\rrewritten",
	    "bad\xff\xfe utf8 \xc3",
	    "back\\slash\\\"",
	    "\xe2\x80\xae"
	    "fdp.exe",
	    "nul-free\x7f\x01\x02",
	};
	g_autofree gchar *dir = make_tmpdir();
	g_autoptr(FutKey) key = test_key(1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	FakeClock clock = {utc(2026, 11, 26, 9, 0, 0)};
	FutEgressLogOptions opts = {.clock_func = fake_clock, .clock_data = &clock};
	FutEgressLog *log = fut_egress_log_open(dir, "pc-001", key, &opts, &error);
	guint8 prev[FUT_SHA256_LEN] = {0};
	gint64 seq = 0;

	g_assert_no_error(error);
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(FutLogEvent) ev = sample_export(names[i]);
		fut_log_event_set_decision(ev, FUT_LOG_DECISION_DENY, names[i]);
		fut_log_event_set_usb(ev, "0781", "5581", names[i], NULL, names[i], NULL);
		g_assert_true(
		    fut_egress_log_append(log, ev, FUT_EGRESS_LOG_APPEND_DURABLE, NULL, &error));
		g_assert_no_error(error);
	}
	g_assert_true(fut_egress_log_close(log, NULL, &error));
	g_assert_no_error(error);

	lines = read_lines(dir, "2026-11");
	/* start, checkpoint, the names, stop, checkpoint: nothing more. */
	g_assert_cmpuint(lines->len, ==, 2 + G_N_ELEMENTS(names) + 2);
	check_chain(lines, prev, &seq);
	for (guint i = 0; i < lines->len; i++) {
		const guchar *p = g_ptr_array_index(lines, i);
		g_assert_true(g_utf8_validate((const gchar *)p, -1, NULL));
		for (; *p; p++)
			g_assert_true(*p >= 0x20 && *p != 0x7f);
		g_assert_null(strstr(g_ptr_array_index(lines, i), "\xe2\x80\xae"));
	}
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(FutLogRecord) rec = parse_ok(g_ptr_array_index(lines, 2 + i));
		g_autofree gchar *want = fut_strescape(names[i], -1);
		g_assert_cmpstr(rec->ev->event, ==, FUT_LOG_EV_EXPORT_WRITTEN);
		g_assert_cmpstr(rec->ev->object.path, ==, want);
		g_assert_cmpstr(rec->ev->reason, ==, want);
		g_assert_cmpstr(rec->ev->destination.serial, ==, want);
		g_assert_cmpint(rec->seq, ==, 2 + (gint64)i);
	}
	rm_rf(dir);
}

void
test_record_long_strings(void)
{
	g_autofree gchar *huge = g_strnfill(100000, 'a');
	g_autofree gchar *huge_ctl = g_strnfill(5000, '\x01');
	g_autoptr(FutLogEvent) ev = fut_log_event_new(FUT_LOG_EV_EXPORT_REFUSED);
	FutLogRecord rec = {0};
	g_autofree gchar *line = NULL;
	g_autoptr(FutLogRecord) back = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	fut_log_event_set_object(ev, huge, 1, NULL, "I");
	fut_log_event_set_decision(ev, FUT_LOG_DECISION_DENY, huge_ctl);
	rec.time_us = utc(2026, 1, 1, 0, 0, 0);
	rec.host = (gchar *)"h";
	rec.ev = ev;
	line = fut_log_record_encode(&rec, &len);
	g_assert_cmpuint(len, <, FUT_LOG_LINE_MAX);
	back = fut_log_record_parse(line, len, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(strlen(back->ev->object.path), <=, FUT_LOG_STRING_MAX);
	g_assert_true(g_str_has_suffix(back->ev->object.path, "…"));
	g_assert_true(g_str_has_suffix(back->ev->reason, "…"));
	g_assert_true(g_str_has_prefix(back->ev->reason, "\\x01\\x01"));
}

void
test_witness(void)
{
	g_autoptr(FutKey) key = test_key(2);
	g_autoptr(FutLogCheckpoint) cp = g_new0(FutLogCheckpoint, 1);
	g_autoptr(FutLogCheckpoint) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = NULL;
	static const gchar *garbage[] = {
	    "", "{}", "{\"host\":\"h\"}", "[1,2]", "{\"host\":\"h\",\"month\":\"2026-13\"}",
	};

	cp->host = g_strdup("pc-001");
	g_strlcpy(cp->month, "2026-11", 8);
	cp->size = 10;
	memset(cp->root, 1, FUT_SHA256_LEN);
	cp->last_seq = 41;
	memset(cp->last_hash, 2, FUT_SHA256_LEN);
	cp->time_us = utc(2026, 11, 26, 9, 0, 0);
	g_assert_true(fut_log_checkpoint_sign(cp, key, &error));
	g_assert_no_error(error);
	line = fut_log_checkpoint_to_witness(cp);
	back = fut_log_checkpoint_from_witness(line, strlen(line), &error);
	g_assert_no_error(error);
	g_assert_true(fut_log_checkpoint_verify(back, &error));
	g_assert_no_error(error);
	g_assert_cmpint(back->last_seq, ==, 41);
	back->size++;
	g_assert_false(fut_log_checkpoint_verify(back, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE);
	for (gsize i = 0; i < G_N_ELEMENTS(garbage); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(FutLogCheckpoint) c =
		    fut_log_checkpoint_from_witness(garbage[i], strlen(garbage[i]), &e);
		g_assert_null(c);
		g_assert_error(e, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
	{
		g_autofree gchar *spaced = g_strdup_printf("%s ", line);
		g_autoptr(GError) e = NULL;
		g_autoptr(FutLogCheckpoint) c =
		    fut_log_checkpoint_from_witness(spaced, strlen(spaced), &e);
		g_assert_null(c);
		g_assert_error(e, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

/* The hand-made time formatting agrees with GDateTime's calendar everywhere it is used, and
 * the times it does not handle fall back to the old path. */
static gchar *
time_format_reference(gint64 time_us)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);

	if (dt == NULL)
		return g_strdup("0000-00-00T00:00:00.000000Z");
	return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", g_date_time_get_year(dt),
	                       g_date_time_get_month(dt), g_date_time_get_day_of_month(dt),
	                       g_date_time_get_hour(dt), g_date_time_get_minute(dt),
	                       g_date_time_get_second(dt), (gint)(time_us % G_USEC_PER_SEC));
}

void
test_time_format_calendar(void)
{
	const gint64 fixed[] = {0,
	                        1,
	                        G_USEC_PER_SEC - 1,
	                        G_GINT64_CONSTANT(951782400) * G_USEC_PER_SEC,  /* 2000-02-29 */
	                        G_GINT64_CONSTANT(4107542400) * G_USEC_PER_SEC, /* 2100-03-01 */
	                        G_GINT64_CONSTANT(253402300799999999),          /* 9999-12-31 */
	                        G_GINT64_CONSTANT(253402300800000000),
	                        -1,
	                        G_MININT64,
	                        G_MAXINT64};
	g_autoptr(GRand) rand = g_rand_new_with_seed(15);
	const gchar *refused[] = {"2026-02-29T00:00:00.000000Z", "2024-02-30T00:00:00.000000Z",
	                          "2026-04-31T00:00:00.000000Z", "2026-13-01T00:00:00.000000Z",
	                          "2026-00-01T00:00:00.000000Z", "2026-01-00T00:00:00.000000Z",
	                          "2026-01-01T24:00:00.000000Z", "2026-01-01T00:60:00.000000Z",
	                          "2026-01-01T00:00:60.000000Z", "1969-12-31T23:59:59.999999Z"};

	for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
		gint64 t = 0;
		g_autoptr(GError) error = NULL;

		g_assert_false(fut_log_time_parse(refused[i], &t, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}

	for (gsize i = 0; i < G_N_ELEMENTS(fixed); i++) {
		g_autofree gchar *got = fut_log_time_format(fixed[i]);
		g_autofree gchar *want = time_format_reference(fixed[i]);
		g_assert_cmpstr(got, ==, want);
	}
	for (gint i = 0; i < 200000; i++) {
		gint64 t = (gint64)(g_rand_double(rand) * 253402300800.0) * G_USEC_PER_SEC +
		           g_rand_int_range(rand, 0, G_USEC_PER_SEC);
		g_autofree gchar *got = fut_log_time_format(t);
		g_autofree gchar *want = time_format_reference(t);
		gint64 back = 0;

		g_assert_cmpstr(got, ==, want);
		g_assert_true(fut_log_time_parse(got, &back, NULL));
		g_assert_cmpint(back, ==, t);
	}
}
