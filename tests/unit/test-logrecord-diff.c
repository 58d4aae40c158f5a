/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The single-pass canonical reader (fut_log_record_parse) against the reference that parses,
 * encodes again and compares (fut_log_record_parse_reencode): for generated records and for
 * mutations of them, both must accept the same lines, refuse the same lines with the same
 * error code, and what is accepted must encode back to the same bytes and hash.
 *
 * The lean read (fut_log_record_parse_lean) must refuse the same lines too, and so must the
 * reads in place into one arena reused for every line (fut_log_record_parse_view, lean and
 * full: the verifier's), whose full read must also encode back to the same bytes.
 *
 * The same for checkpoint witness lines: the direct reader against the JSON parser.
 *
 * A mutation is "re-hashed" half of the time (the hash member recomputed over the mutated
 * content), so the checks before the hash are what decides, not the hash alone. */
#include "config.h"

#include <string.h>

#include "crypto.h"
#include "errors.h"
#include "logrecord-priv.h"
#include "logrecord.h"
#include "util.h"

#define HASH_SUFFIX_LEN (sizeof(",\"hash\":\"") - 1 + 2 * FUT_SHA256_LEN + 2)

static guint64 n_accepted;
/* one arena for the whole run: every read overwrites the one before */
static FutLogRecordArena *arena;
static guint64 n_refused;

/* A string from pieces a forger would use: JSON syntax, escapes, multi-byte text, controls
 * and invisible characters (the setters escape what needs it). */
static gchar *
random_string(GRand *rand)
{
	static const gchar *const pieces[] = {
	    "a",  "Z",      "0",    " ",    "\"",       "\\",           "/", "{",    "}", ",", ":",
	    "[",  "]",      "入札", "ｶﾅ",   "é",        "\xe2\x80\xae", /* RLO */
	    "\t", "\x1b[m", "\n",   "\x7f", "\xc2\x85", "hash\":\"",    "€", "\xff", "😀",
	};
	GString *s = g_string_new(NULL);
	guint n = (guint)g_rand_int_range(rand, 0, 6);

	for (guint i = 0; i < n; i++)
		g_string_append(s, pieces[g_rand_int_range(rand, 0, G_N_ELEMENTS(pieces))]);
	return g_string_free(s, FALSE);
}

static const gchar *
maybe(GRand *rand, const gchar *s)
{
	return g_rand_boolean(rand) ? s : NULL;
}

static gint64
maybe_int(GRand *rand)
{
	switch (g_rand_int_range(rand, 0, 4)) {
	case 0:
		return FUT_LOG_INT_ABSENT;
	case 1:
		return 0;
	case 2:
		return g_rand_int_range(rand, 1, 100000);
	default:
		return G_GINT64_CONSTANT(999999999999999999); /* the largest integer read */
	}
}

static FutLogEvent *
random_event(GRand *rand)
{
	static const gchar *const events[] = {FUT_LOG_EV_EXPORT_WRITTEN, FUT_LOG_EV_GAP,
	                                      FUT_LOG_EV_CHECKPOINT, "x-custom.event"};
	FutLogEvent *ev = fut_log_event_new(events[g_rand_int_range(rand, 0, 4)]);
	g_autofree gchar *a = random_string(rand);
	g_autofree gchar *b = random_string(rand);
	g_autofree gchar *c = random_string(rand);

	if (g_rand_boolean(rand))
		fut_log_event_set_subject(ev, maybe_int(rand), maybe(rand, a), maybe_int(rand),
		                          maybe_int(rand), maybe(rand, b));
	if (g_rand_boolean(rand))
		fut_log_event_set_object(
		    ev, maybe(rand, c), maybe_int(rand),
		    maybe(rand, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"),
		    maybe(rand, "II"));
	if (g_rand_boolean(rand))
		fut_log_event_set_usb(ev, maybe(rand, "0781"), maybe(rand, "5581"), maybe(rand, a),
		                      maybe(rand, "1234-ABCD"), maybe(rand, b), maybe(rand, c));
	else if (g_rand_boolean(rand))
		fut_log_event_set_upload(ev, maybe(rand, a), maybe(rand, "/usr/bin/curl"));
	if (g_rand_boolean(rand))
		fut_log_event_set_decision(ev, g_rand_boolean(rand) ? "allow" : "deny",
		                           maybe(rand, b));
	if (g_rand_boolean(rand))
		fut_log_event_set_request(ev, c);
	for (gint i = g_rand_int_range(rand, 0, 4); i > 0; i--) {
		g_autofree gchar *s = random_string(rand);
		fut_log_event_add_approver(ev, s);
	}
	for (gint i = g_rand_int_range(rand, 0, 5); i > 0; i--) {
		static const gchar *const keys[] = {"a", "b", "kind", "length", "key", "z_9", "ab"};
		const gchar *key = keys[g_rand_int_range(rand, 0, G_N_ELEMENTS(keys))];
		if (g_rand_boolean(rand)) {
			g_autofree gchar *s = random_string(rand);
			fut_log_event_set_detail(ev, key, s);
		} else {
			fut_log_event_set_detail_int(ev, key, g_rand_int_range(rand, 0, 1000));
		}
	}
	return ev;
}

/* Replaces the hash member at the end of @line (when it has one) by the hash of the content
 * before it, as a forger who knows the format would. */
static void
rehash(gchar *line, gsize len)
{
	static const gchar suffix[] = ",\"hash\":\"";
	guint8 h[FUT_SHA256_LEN];
	g_autofree gchar *buf = NULL;
	g_autofree gchar *hex = NULL;
	gsize n;

	if (len < HASH_SUFFIX_LEN ||
	    memcmp(line + len - HASH_SUFFIX_LEN, suffix, sizeof(suffix) - 1) != 0)
		return;
	n = len - HASH_SUFFIX_LEN;
	buf = g_malloc(n + 1);
	memcpy(buf, line, n);
	buf[n] = '}';
	fut_sha256(buf, n + 1, h);
	hex = fut_hex_encode(h, FUT_SHA256_LEN);
	memcpy(line + n + sizeof(suffix) - 1, hex, 64);
}

static void
check_agree(const gchar *line, gsize len)
{
	g_autoptr(GError) e_new = NULL;
	g_autoptr(GError) e_old = NULL;
	g_autoptr(FutLogRecord) r_new = fut_log_record_parse(line, len, &e_new);
	g_autoptr(FutLogRecord) r_old = fut_log_record_parse_reencode(line, len, &e_old);
	g_autoptr(GError) e_lean = NULL;
	g_autoptr(FutLogRecord) r_lean = fut_log_record_parse_lean(line, len, &e_lean);

	/* the lean read (what verify uses) refuses exactly what the full read refuses */
	g_assert_true((r_lean == NULL) == (r_new == NULL));
	if (r_lean == NULL)
		g_assert_cmpint(e_lean->code, ==, e_new->code);
	else
		g_assert_cmpmem(r_lean->hash, FUT_SHA256_LEN, r_new->hash, FUT_SHA256_LEN);

	/* the reads in place, lean then full, into the same arena */
	for (gint lean = 1; lean >= 0; lean--) {
		g_autoptr(GError) e_view = NULL;
		const FutLogRecord *v = fut_log_record_parse_view(arena, line, len, lean, &e_view);
		g_assert_true((v == NULL) == (r_new == NULL));
		if (v == NULL) {
			g_assert_cmpint(e_view->code, ==, e_new->code);
			continue;
		}
		g_assert_cmpmem(v->hash, FUT_SHA256_LEN, r_new->hash, FUT_SHA256_LEN);
		g_assert_cmpmem(v->prev, FUT_SHA256_LEN, r_new->prev, FUT_SHA256_LEN);
		g_assert_cmpint(v->seq, ==, r_new->seq);
		g_assert_cmpint(v->time_us, ==, r_new->time_us);
		g_assert_cmpstr(v->host, ==, r_new->host);
		g_assert_cmpstr(v->ev->event, ==, r_new->ev->event);
		g_assert_cmpuint(v->ev->detail->len, ==, r_new->ev->detail->len);
		if (!lean) {
			FutLogRecord copy =
			    *v; /* encode sets the hash: not in the arena's record */
			gsize n = 0;
			g_autofree gchar *again = fut_log_record_encode(&copy, &n);
			g_autoptr(FutLogEvent) ev = fut_log_event_copy(v->ev);
			g_assert_cmpmem(again, n, line, len);
			g_assert_cmpmem(copy.hash, FUT_SHA256_LEN, r_new->hash, FUT_SHA256_LEN);
			g_assert_cmpuint(ev->approvers->len, ==, r_new->ev->approvers->len);
		}
	}

	if ((r_new == NULL) != (r_old == NULL)) {
		g_autofree gchar *shown = g_strescape(line, NULL);
		g_test_message("disagree on %s: single pass %s, re-encode %s", shown,
		               e_new != NULL ? e_new->message : "accepts",
		               e_old != NULL ? e_old->message : "accepts");
		g_assert_not_reached();
	}
	if (r_new == NULL) {
		g_assert_nonnull(e_new);
		g_assert_nonnull(e_old);
		g_assert_cmpint(e_new->code, ==, e_old->code);
		n_refused++;
		return;
	}
	{
		gsize again_len = 0;
		g_autofree gchar *again = fut_log_record_encode(r_new, &again_len);
		g_assert_cmpmem(again, again_len, line, len);
		g_assert_cmpmem(r_new->hash, FUT_SHA256_LEN, r_old->hash, FUT_SHA256_LEN);
		g_assert_cmpmem(r_new->prev, FUT_SHA256_LEN, r_old->prev, FUT_SHA256_LEN);
		g_assert_cmpint(r_new->time_us, ==, r_old->time_us);
	}
	n_accepted++;
}

/* Edits that keep the line close to valid: one byte replaced with JSON syntax, a byte
 * deleted or inserted, a member copied to another place (a repeat or a reordering), an
 * empty object or array inserted. */
static gsize
mutate(GRand *rand, gchar *buf, gsize len, gsize cap)
{
	static const gchar alphabet[] = "\"\\{}[],:0123456789a-_.Z \x01\x7f\xc2\xff";
	guint edits = (guint)g_rand_int_range(rand, 1, 3);

	for (guint e = 0; e < edits && len > 2; e++) {
		gsize at = (gsize)g_rand_int_range(rand, 0, (gint32)len);
		switch (g_rand_int_range(rand, 0, 5)) {
		case 0:
			buf[at] = alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)];
			break;
		case 1:
			memmove(buf + at, buf + at + 1, len - at - 1);
			len--;
			break;
		case 2:
			if (len + 1 > cap)
				break;
			memmove(buf + at + 1, buf + at, len - at);
			buf[at] = alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)];
			len++;
			break;
		case 3: {
			/* copy ,"…" from one comma up to the next to after another comma */
			const gchar *from = memchr(buf + at, ',', len - at);
			const gchar *to;
			gsize piece, dest;
			if (from == NULL)
				break;
			to = memchr(from + 1, ',', len - (gsize)(from + 1 - buf));
			if (to == NULL)
				break;
			piece = (gsize)(to - from);
			dest = (gsize)g_rand_int_range(rand, 0, (gint32)len);
			if (len + piece > cap || memchr(buf + dest, ',', len - dest) == NULL)
				break;
			dest = (gsize)((const gchar *)memchr(buf + dest, ',', len - dest) - buf);
			{
				g_autofree gchar *copy = g_memdup2(from, piece);
				memmove(buf + dest + piece, buf + dest, len - dest);
				memcpy(buf + dest, copy, piece);
				len += piece;
			}
			break;
		}
		default: {
			static const gchar *const ins[] = {"\"subject\":{},", "\"approvers\":[],",
			                                   "\"detail\":{},", "{}", "[]"};
			const gchar *s = ins[g_rand_int_range(rand, 0, G_N_ELEMENTS(ins))];
			const gchar *comma = memchr(buf + at, ',', len - at);
			gsize n = strlen(s);
			gsize dest;
			if (comma == NULL || len + n > cap)
				break;
			dest = (gsize)(comma - buf) + 1;
			memmove(buf + dest + n, buf + dest, len - dest);
			memcpy(buf + dest, s, n);
			len += n;
		}
		}
	}
	return len;
}

static void
test_diff_generated(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(15);
	guint rounds = g_test_slow() ? 200000 : 20000;

	n_accepted = n_refused = 0;
	for (guint i = 0; i < rounds; i++) {
		g_autoptr(FutLogEvent) ev = random_event(rand);
		FutLogRecord rec = {0};
		g_autofree gchar *line = NULL;
		gsize len = 0;
		gsize cap;
		g_autofree gchar *bad = NULL;

		rec.seq = g_rand_boolean(rand) ? 0 : g_rand_int_range(rand, 1, 1 << 30);
		rec.time_us = G_GINT64_CONSTANT(1796000000000000) +
		              (gint64)g_rand_int(rand) * G_GINT64_CONSTANT(1000003);
		rec.host = (gchar *)(g_rand_boolean(rand) ? "pc-0001" : "端末\\\"1");
		rec.ev = ev;
		for (guint j = 0; j < FUT_SHA256_LEN; j++)
			rec.prev[j] = (guint8)g_rand_int(rand);
		line = fut_log_record_encode(&rec, &len);
		check_agree(line, len);

		cap = len * 2 + 64;
		bad = g_malloc(cap);
		for (guint m = 0; m < 4; m++) {
			gsize blen;
			memcpy(bad, line, len);
			blen = mutate(rand, bad, len, cap);
			if (g_rand_boolean(rand))
				rehash(bad, blen);
			check_agree(bad, blen);
		}
	}
	g_test_message("%" G_GUINT64_FORMAT " accepted, %" G_GUINT64_FORMAT " refused", n_accepted,
	               n_refused);
	/* the generator must exercise both sides, or the comparison says nothing */
	g_assert_cmpuint(n_accepted, >, rounds);
	g_assert_cmpuint(n_refused, >, rounds);
}

/* Hand-made lines for each rule the re-encode enforced implicitly. */
static void
test_diff_cases(void)
{
	static const gchar *const bodies[] = {
	    /* canonical */
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\",",
	    /* order: host before time */
	    "{\"seq\":1,\"host\":\"h\",\"time\":\"2026-11-26T09:00:00.000000Z\",\"event\":\"gap\",",
	    /* repeated seq */
	    "{\"seq\":1,\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\","
	    "\"event\":\"gap\",",
	    /* empty subject */
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\","
	    "\"subject\":{},",
	    /* empty approvers */
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\","
	    "\"approvers\":[],",
	    /* detail out of order */
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\","
	    "\"detail\":{\"b\":1,\"a\":2},",
	    /* detail repeated */
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\","
	    "\"detail\":{\"a\":1,\"a\":2},",
	    /* subject members out of order */
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\","
	    "\"subject\":{\"pid\":1,\"uid\":2},",
	    /* destination members out of order */
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\","
	    "\"destination\":{\"vid\":\"1\",\"kind\":\"usb\"},",
	    /* object after destination */
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\","
	    "\"destination\":{\"kind\":\"usb\"},\"object\":{\"size\":1},",
	    /* detail before approvers */
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\","
	    "\"detail\":{\"a\":1},\"approvers\":[\"x\"],",
	    /* a non-canonical time (24:00) */
	    "{\"seq\":1,\"time\":\"2026-11-26T24:00:00.000000Z\",\"host\":\"h\",\"event\":\"gap\",",
	    /* an escaped solidus the writer never writes */
	    "{\"seq\":1,\"time\":\"2026-11-26T09:00:00.000000Z\",\"host\":\"h\\/\","
	    "\"event\":\"gap\",",
	};
	guint accepted = 0;

	for (guint i = 0; i < G_N_ELEMENTS(bodies); i++) {
		for (guint variant = 0; variant < 2; variant++) {
			/* prev last but one, hash last; variant 1 puts hash before prev */
			g_autofree gchar *line = g_strconcat(
			    bodies[i], variant == 0 ? "\"prev\":\"" : "\"hash\":\"",
			    "0000000000000000000000000000000000000000000000000000000000000000\",",
			    variant == 0 ? "\"hash\":\"" : "\"prev\":\"",
			    "1111111111111111111111111111111111111111111111111111111111111111\"}",
			    NULL);
			g_autoptr(FutLogRecord) r = NULL;
			rehash(line, strlen(line));
			check_agree(line, strlen(line));
			r = fut_log_record_parse(line, strlen(line), NULL);
			if (r != NULL) {
				g_assert_cmpuint(i, ==, 0);
				g_assert_cmpuint(variant, ==, 0);
				accepted++;
			}
		}
	}
	g_assert_cmpuint(accepted, ==, 1);

	/* NUL bytes inside the time, prev and hash, after their printed length or in it */
	for (guint at = 0; at < 3; at++) {
		static const gchar *const where[] = {"Z", "\"prev\":\"", "\"hash\":\""};
		for (guint extra = 0; extra < 2; extra++) {
			g_autoptr(GString) l = g_string_new(bodies[0]);
			gchar *mark;
			gsize pos;
			g_string_append(
			    l, "\"prev\":\"0000000000000000000000000000000000000000000000000"
			       "000000000000000\",\"hash\":\"11111111111111111111111111111"
			       "11111111111111111111111111111111111\"}");
			if (at == 2) /* the hash itself is cut: rehashing after would mend it */
				rehash(l->str, l->len);
			mark = strstr(l->str, where[at]);
			g_assert_nonnull(mark);
			pos = (gsize)(mark - l->str) + strlen(where[at]) + (at == 0 ? 0 : 2);
			if (extra)
				g_string_insert_len(l, (gssize)pos, "\0x", 2);
			else
				l->str[pos - 1] = '\0';
			if (at != 2)
				rehash(l->str, l->len);
			check_agree(l->str, l->len);
			{
				g_autoptr(FutLogRecord) r =
				    fut_log_record_parse(l->str, l->len, NULL);
				g_assert_null(r);
			}
		}
	}
}

static void
check_witness_agree(const gchar *line, gsize len)
{
	g_autoptr(GError) e_new = NULL;
	g_autoptr(GError) e_old = NULL;
	g_autoptr(FutLogCheckpoint) c_new = fut_log_checkpoint_from_witness(line, len, &e_new);
	g_autoptr(FutLogCheckpoint) c_old = fut_log_checkpoint_from_witness_json(line, len, &e_old);

	if ((c_new == NULL) != (c_old == NULL)) {
		g_autofree gchar *shown = g_strndup(line, len);
		g_autofree gchar *esc = g_strescape(shown, NULL);
		g_test_message("witness disagree on %s", esc);
		g_assert_not_reached();
	}
	if (c_new == NULL) {
		g_assert_nonnull(e_new);
		g_assert_nonnull(e_old);
		n_refused++;
		return;
	}
	{
		g_autofree gchar *a = fut_log_checkpoint_to_witness(c_new);
		g_autofree gchar *b = fut_log_checkpoint_to_witness(c_old);
		g_assert_cmpstr(a, ==, b);
		g_assert_cmpmem(a, strlen(a), line, len);
	}
	n_accepted++;
}

/* The witness reader's direct path against the JSON parser it falls back to. */
static void
test_diff_witness(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(1515);
	guint rounds = g_test_slow() ? 50000 : 5000;

	n_accepted = n_refused = 0;
	for (guint i = 0; i < rounds; i++) {
		g_autoptr(FutLogCheckpoint) cp = g_new0(FutLogCheckpoint, 1);
		g_autofree gchar *host = random_string(rand);
		g_autofree gchar *line = NULL;
		g_autofree gchar *bad = NULL;
		gsize len, cap;

		cp->host = g_strconcat("pc-", host, NULL);
		g_snprintf(cp->month, sizeof(cp->month), "20%02d-%02d",
		           g_rand_int_range(rand, 20, 40), g_rand_int_range(rand, 1, 13));
		cp->size = g_rand_boolean(rand) ? 0 : (guint64)g_rand_int(rand);
		cp->last_seq = g_rand_boolean(rand) ? -1 : g_rand_int_range(rand, 0, 1 << 30);
		cp->time_us = G_GINT64_CONSTANT(1796000000000000) + g_rand_int(rand);
		for (guint j = 0; j < FUT_SHA256_LEN; j++) {
			cp->root[j] = (guint8)g_rand_int(rand);
			cp->last_hash[j] = (guint8)g_rand_int(rand);
		}
		for (guint j = 0; j < FUT_ED25519_SIG_LEN; j++)
			cp->sig[j] = (guint8)g_rand_int(rand);
		line = fut_log_checkpoint_to_witness(cp);
		len = strlen(line);
		check_witness_agree(line, len);
		cap = len * 2 + 64;
		bad = g_malloc(cap);
		for (guint m = 0; m < 4; m++) {
			gsize blen;
			memcpy(bad, line, len);
			blen = mutate(rand, bad, len, cap);
			check_witness_agree(bad, blen);
		}
	}
	g_test_message("%" G_GUINT64_FORMAT " accepted, %" G_GUINT64_FORMAT " refused", n_accepted,
	               n_refused);
	g_assert_cmpuint(n_accepted, >, rounds / 2);
	g_assert_cmpuint(n_refused, >, rounds);
}

int
main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log/record/diff/cases", test_diff_cases);
	g_test_add_func("/log/record/diff/generated", test_diff_generated);
	g_test_add_func("/log/record/diff/witness", test_diff_witness);
	arena = fut_log_record_arena_new();
	ret = g_test_run();
	fut_log_record_arena_free(arena);
	return ret;
}
