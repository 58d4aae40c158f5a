/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "egresslog.h"
#include "log-fixture.h"
#include "util.h"

gint64
fake_clock(gpointer data)
{
	FakeClock *c = data;
	c->now += 7 * G_USEC_PER_SEC;
	return c->now;
}

gint64
utc(gint y, gint mo, gint d, gint h, gint mi, gint s)
{
	g_autoptr(GDateTime) dt = g_date_time_new_utc(y, mo, d, h, mi, s);
	return g_date_time_to_unix(dt) * G_USEC_PER_SEC;
}

FutKey *
test_key(guint8 fill)
{
	guint8 seed[FUT_ED25519_SEED_LEN];
	memset(seed, fill, sizeof(seed));
	return fut_key_new_from_seed(seed, NULL);
}

void
rm_rf(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(dir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_rf(p);
		else
			g_unlink(p);
	}
	g_rmdir(dir);
}

void
on_checkpoint(const FutLogCheckpoint *cp, gpointer data)
{
	GString *w = data;
	g_autofree gchar *line = fut_log_checkpoint_to_witness(cp);
	g_string_append_printf(w, "%s\n", line);
}

/* Three months of a host's log (2026-09..11), a checkpoint every 4 records. */
void
fixture_make(Fixture *fx, const gchar *host, guint8 key_fill)
{
	g_autoptr(GError) error = NULL;
	GString *witness = g_string_new("# witnesses from the collector\n");
	FakeClock clock;
	FutEgressLogOptions opts = {.clock_func = fake_clock,
	                            .clock_data = &clock,
	                            .checkpoint_records = 4,
	                            .checkpoint_func = on_checkpoint,
	                            .checkpoint_data = witness};
	const gint64 starts[] = {utc(2026, 9, 30, 20, 0, 0), utc(2026, 10, 31, 23, 58, 0),
	                         utc(2026, 11, 20, 8, 0, 0)};

	fx->dir = g_dir_make_tmp("futari-verify-XXXXXX", &error);
	g_assert_no_error(error);
	fx->key = test_key(key_fill);
	for (gsize run = 0; run < G_N_ELEMENTS(starts); run++) {
		FutEgressLog *log;
		clock.now = starts[run];
		log = fut_egress_log_open(fx->dir, host, fx->key, &opts, &error);
		g_assert_no_error(error);
		for (gint i = 0; i < 14; i++) {
			g_autoptr(FutLogEvent) ev = fut_log_event_new(
			    i % 3 == 0 ? FUT_LOG_EV_EXPORT_REFUSED : FUT_LOG_EV_EXPORT_WRITTEN);
			g_autofree gchar *path =
			    g_strdup_printf("/home/user/file-%zu-%d.txt", run, i);
			fut_log_event_set_subject(ev, 1000, "user", 1000, 100 + i,
			                          "/usr/bin/futari");
			fut_log_event_set_object(ev, path, 100 + i, NULL, "III");
			g_assert_true(fut_egress_log_append(log, ev, FUT_EGRESS_LOG_APPEND_DURABLE,
			                                    NULL, &error));
			g_assert_no_error(error);
		}
		g_assert_true(fut_egress_log_close(log, NULL, &error));
		g_assert_no_error(error);
	}
	fx->witness = g_build_filename(fx->dir, "..", "witness-XXXXXX", NULL);
	g_free(fx->witness);
	{
		gint fd = g_file_open_tmp("futari-witness-XXXXXX", &fx->witness, &error);
		g_assert_no_error(error);
		close(fd);
	}
	g_file_set_contents(fx->witness, witness->str, -1, &error);
	g_assert_no_error(error);
	g_string_free(witness, TRUE);
}

void
fixture_free(Fixture *fx)
{
	rm_rf(fx->dir);
	g_unlink(fx->witness);
	g_free(fx->dir);
	g_free(fx->witness);
	fut_key_free(fx->key);
}

gchar *
month_path(Fixture *fx, const gchar *month)
{
	return g_strdup_printf("%s/egress-%s.jsonl", fx->dir, month);
}

GPtrArray *
lines_read(Fixture *fx, const gchar *month)
{
	g_autofree gchar *path = month_path(fx, month);
	g_autofree gchar *data = NULL;
	g_auto(GStrv) parts = NULL;
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

	g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
	parts = g_strsplit(data, "\n", -1);
	for (gchar **p = parts; *p != NULL; p++) {
		if (**p != '\0')
			g_ptr_array_add(lines, g_strdup(*p));
	}
	return lines;
}

void
lines_write(Fixture *fx, const gchar *month, GPtrArray *lines)
{
	g_autofree gchar *path = month_path(fx, month);
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf(s, "%s\n", (gchar *)g_ptr_array_index(lines, i));
	g_assert_true(g_file_set_contents(path, s->str, (gssize)s->len, NULL));
	g_string_free(s, TRUE);
}

FutLogRecord *
parse_ok(const gchar *line)
{
	g_autoptr(GError) error = NULL;
	FutLogRecord *rec = fut_log_record_parse(line, strlen(line), &error);
	g_assert_no_error(error);
	return rec;
}

/* What an attacker with write access does after an edit: recompute seq, prev and hash of
 * every line from @from on, so the hash chain is intact again. */
void
rechain(GPtrArray *lines, guint from)
{
	g_autoptr(FutLogRecord) before = parse_ok(g_ptr_array_index(lines, from - 1));
	guint8 prev[FUT_SHA256_LEN];
	gint64 seq = before->seq;

	memcpy(prev, before->hash, FUT_SHA256_LEN);
	for (guint i = from; i < lines->len; i++) {
		g_autoptr(FutLogRecord) rec = NULL;
		g_autoptr(GError) error = NULL;
		const gchar *line = g_ptr_array_index(lines, i);
		gchar *body;
		/* The line may be edited already: parse it with a fresh hash. */
		{
			g_autofree gchar *cut = g_strndup(line, strstr(line, ",\"hash\":") - line);
			g_autofree gchar *nohash = g_strconcat(cut, "}", NULL);
			guint8 h[FUT_SHA256_LEN];
			g_autofree gchar *hex = NULL;
			g_autofree gchar *fixed = NULL;
			fut_sha256(nohash, strlen(nohash), h);
			hex = fut_hex_encode(h, FUT_SHA256_LEN);
			fixed = g_strdup_printf("%s,\"hash\":\"%s\"}", cut, hex);
			rec = fut_log_record_parse(fixed, strlen(fixed), &error);
			g_assert_no_error(error);
		}
		rec->seq = ++seq;
		memcpy(rec->prev, prev, FUT_SHA256_LEN);
		body = fut_log_record_encode(rec, NULL);
		memcpy(prev, rec->hash, FUT_SHA256_LEN);
		g_free(g_ptr_array_index(lines, i));
		g_ptr_array_index(lines, i) = body;
	}
}

FutLogHostResult *
verify(Fixture *fx, const gchar *witness_path, const FutKey *pinned)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) witnesses = NULL;
	FutLogVerifyOptions opts = {.pinned_key = pinned};
	FutLogHostResult *res;

	g_autoptr(GPtrArray) files = NULL;

	if (witness_path != NULL) {
		witnesses = fut_log_witness_file_load(witness_path, &error);
		g_assert_no_error(error);
		opts.witnesses = witnesses;
	}
	res = fut_log_verify_dir(fx->dir, &opts, &error);
	g_assert_no_error(error);
	g_assert_nonnull(res);
	if (witness_path != NULL) {
		/* The same witnesses through an indexed witness file (futari-audit's way): the
		 * same findings in the same order. */
		g_autoptr(FutLogHostResult) res2 = NULL;
		files = g_ptr_array_new_with_free_func((GDestroyNotify)fut_log_witness_file_free);
		g_ptr_array_add(files, fut_log_witness_file_open(witness_path, &error));
		g_assert_no_error(error);
		opts.witnesses = NULL;
		opts.witness_files = files;
		res2 = fut_log_verify_dir(fx->dir, &opts, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(res2->findings->len, ==, res->findings->len);
		g_assert_cmpuint(res2->witnesses_checked, ==, res->witnesses_checked);
		g_assert_cmpuint(res2->signatures_checked, ==, res->signatures_checked);
		for (guint i = 0; i < res->findings->len; i++)
			g_assert_cmpstr(
			    ((FutLogFinding *)g_ptr_array_index(res2->findings, i))->code, ==,
			    ((FutLogFinding *)g_ptr_array_index(res->findings, i))->code);
	}
	for (guint i = 0; i < res->findings->len; i++) {
		FutLogFinding *f = g_ptr_array_index(res->findings, i);
		g_test_message("finding %s %s:%" G_GUINT64_FORMAT " %s", f->code, f->file, f->line,
		               f->message);
	}
	return res;
}

gboolean
has_finding(FutLogHostResult *res, const gchar *code)
{
	for (guint i = 0; i < res->findings->len; i++) {
		FutLogFinding *f = g_ptr_array_index(res->findings, i);
		if (strcmp(f->code, code) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Index of the n-th checkpoint line (0-based) in @lines. */
guint
nth_checkpoint(GPtrArray *lines, guint n)
{
	for (guint i = 0; i < lines->len; i++) {
		if (strstr(g_ptr_array_index(lines, i), "\"event\":\"checkpoint\"") != NULL) {
			if (n-- == 0)
				return i;
		}
	}
	g_assert_not_reached();
}

FutLogHostResult *
verify_with(const gchar *dir, const FutLogVerifyOptions *opts)
{
	g_autoptr(GError) error = NULL;
	FutLogHostResult *res = fut_log_verify_dir(dir, opts, &error);

	g_assert_no_error(error);
	g_assert_nonnull(res);
	for (guint i = 0; i < res->findings->len; i++) {
		FutLogFinding *f = g_ptr_array_index(res->findings, i);
		g_test_message("finding %s %s:%" G_GUINT64_FORMAT " %s", f->code, f->file, f->line,
		               f->message);
	}
	for (guint i = 0; i < res->notes->len; i++)
		g_test_message("note %s", (gchar *)g_ptr_array_index(res->notes, i));
	return res;
}

/* Sets seq, prev and hash of every line from @from on as a forger does, the first of them
 * continuing @seq and @prev (a line before it, or seq -1 and zeros for a new log). */
void
rechain_from(GPtrArray *lines, guint from, gint64 seq, const guint8 prev_in[FUT_SHA256_LEN])
{
	guint8 prev[FUT_SHA256_LEN];

	memcpy(prev, prev_in, FUT_SHA256_LEN);
	for (guint i = from; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		g_autofree gchar *cut = g_strndup(line, strstr(line, ",\"hash\":") - line);
		g_autofree gchar *nohash = g_strconcat(cut, "}", NULL);
		g_autofree gchar *hex = NULL;
		g_autofree gchar *fixed = NULL;
		g_autoptr(FutLogRecord) rec = NULL;
		guint8 h[FUT_SHA256_LEN];
		gchar *body;

		fut_sha256(nohash, strlen(nohash), h);
		hex = fut_hex_encode(h, FUT_SHA256_LEN);
		fixed = g_strdup_printf("%s,\"hash\":\"%s\"}", cut, hex);
		rec = parse_ok(fixed);
		rec->seq = ++seq;
		memcpy(rec->prev, prev, FUT_SHA256_LEN);
		body = fut_log_record_encode(rec, NULL);
		memcpy(prev, rec->hash, FUT_SHA256_LEN);
		g_free(g_ptr_array_index(lines, i));
		g_ptr_array_index(lines, i) = body;
	}
}
