/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <systemd/sd-journal.h>

#include "agent/logforward.h"
#include "egresslog.h"
#include "errors.h"
#include "logrecord.h"
#include "util.h"

static FutKey *
test_key(void)
{
	guint8 seed[FUT_ED25519_SEED_LEN];
	memset(seed, 0x42, sizeof(seed));
	return fut_key_new_from_seed(seed, NULL);
}

static void
rm_rf(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(dir, name, NULL);
		g_unlink(p);
	}
	g_rmdir(dir);
}

/* RFC 5424 over a local datagram socket, as rsyslog or syslog-ng receive it. */
static void
test_syslog(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("futari-fwd-XXXXXX", &error);
	g_autofree gchar *sock_path = g_build_filename(dir, "log.sock", NULL);
	g_autofree gchar *log_dir = g_build_filename(dir, "log", NULL);
	g_autoptr(FutKey) key = test_key();
	g_autoptr(FutLogForward) fwd = NULL;
	g_autoptr(GPtrArray) msgs = g_ptr_array_new_with_free_func(g_free);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	FutEgressLogOptions opts = {0};
	FutEgressLog *log;
	guint checkpoints = 0;
	int srv;

	g_assert_no_error(error);
	srv = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(srv, >=, 0);
	g_strlcpy(addr.sun_path, sock_path, sizeof(addr.sun_path));
	g_assert_cmpint(bind(srv, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);

	fwd = fut_log_forward_new_syslog(sock_path, NULL, &error);
	g_assert_no_error(error);
	opts.record_func = fut_log_forward_record_func;
	opts.record_data = fwd;
	log = fut_egress_log_open(log_dir, "pc-001", key, &opts, &error);
	g_assert_no_error(error);
	{
		g_autoptr(FutLogEvent) ev = fut_log_event_new(FUT_LOG_EV_UPLOAD_DENIED);
		fut_log_event_set_object(ev, "/home/u/x]\"\n.txt", 5, NULL, "I");
		fut_log_event_set_decision(ev, FUT_LOG_DECISION_DENY, "class I to a browser");
		g_assert_true(
		    fut_egress_log_append(log, ev, FUT_EGRESS_LOG_APPEND_DURABLE, NULL, &error));
	}
	g_assert_true(fut_egress_log_close(log, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(fut_log_forward_get_failures(fwd), ==, 0);

	for (;;) {
		gchar buf[70000];
		ssize_t n = recv(srv, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n <= 0)
			break;
		buf[n] = '\0';
		g_ptr_array_add(msgs, g_strdup(buf));
	}
	close(srv);
	/* start, checkpoint, upload.denied, stop, checkpoint */
	g_assert_cmpuint(msgs->len, ==, 5);
	for (guint i = 0; i < msgs->len; i++) {
		const gchar *m = g_ptr_array_index(msgs, i);
		const gchar *msg = strstr(m, "] ");
		g_assert_true(m[0] == '<');
		g_assert_nonnull(strstr(m, ">1 "));
		g_assert_nonnull(strstr(m, " pc-001 futarid "));
		g_assert_nonnull(strstr(m, "[futari@32473 host=\"pc-001\" seq=\""));
		g_assert_null(strchr(m, '\n'));
		g_assert_nonnull(msg);
		msg += 2;
		if (strstr(m, " checkpoint [") != NULL) {
			g_autoptr(FutLogCheckpoint) cp =
			    fut_log_checkpoint_from_witness(msg, strlen(msg), &error);
			g_assert_no_error(error);
			g_assert_true(fut_log_checkpoint_verify(cp, &error));
			g_assert_no_error(error);
			checkpoints++;
		} else {
			g_autoptr(FutLogRecord) rec =
			    fut_log_record_parse(msg, strlen(msg), &error);
			g_assert_no_error(error);
			if (g_strcmp0(rec->ev->event, FUT_LOG_EV_UPLOAD_DENIED) == 0) {
				/* authpriv (10) * 8 + notice (5) */
				g_assert_true(g_str_has_prefix(m, "<85>1 "));
				g_assert_cmpstr(rec->ev->object.path, ==, "/home/u/x]\"\\n.txt");
			}
		}
	}
	g_assert_cmpuint(checkpoints, ==, 2);

	/* Nobody listening: counted and reported, never blocking. */
	g_unlink(sock_path);
	{
		g_autoptr(GError) e = NULL;
		FutLogRecord rec = {0};
		g_autoptr(FutLogEvent) ev = fut_log_event_new(FUT_LOG_EV_AGENT_RELOAD);
		rec.host = (gchar *)"pc-001";
		rec.ev = ev;
		g_assert_false(fut_log_forward_record(fwd, &rec, "{}", 2, &e));
		g_assert_error(e, FUT_ERROR, FUT_ERROR_IO);
		g_assert_cmpuint(fut_log_forward_get_failures(fwd), ==, 1);
	}
	rm_rf(log_dir);
	rm_rf(dir);
}

static void
test_journald(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutLogForward) fwd = fut_log_forward_new_journald(&error);
	g_autoptr(FutKey) key = test_key();
	g_autofree gchar *id = NULL;
	g_autoptr(FutLogEvent) ev = fut_log_event_new(FUT_LOG_EV_CHECKPOINT);
	g_autoptr(FutLogCheckpoint) cp = g_new0(FutLogCheckpoint, 1);
	g_autofree gchar *line = NULL;
	g_autofree gchar *root_hex = NULL;
	FutLogRecord rec = {0};
	sd_journal *j = NULL;
	gboolean found = FALSE;
	guint8 r[16];
	gsize len = 0;

	if (fwd == NULL) {
		g_test_skip(error->message);
		return;
	}
	/* A checkpoint record with a random root, to find it again in the journal. */
	fut_random_bytes(r, sizeof(r), NULL);
	id = fut_hex_encode(r, sizeof(r));
	cp->host = g_strdup("pc-journal-test");
	g_strlcpy(cp->month, "2026-11", 8);
	cp->size = 1;
	fut_sha256(id, strlen(id), cp->root);
	cp->time_us = g_get_real_time();
	g_assert_true(fut_log_checkpoint_sign(cp, key, &error));
	root_hex = fut_hex_encode(cp->root, FUT_SHA256_LEN);
	fut_log_event_set_detail(ev, "month", cp->month);
	fut_log_event_set_detail_int(ev, "size", 1);
	fut_log_event_set_detail(ev, "root", root_hex);
	fut_log_event_set_detail_int(ev, "last_seq", 0);
	{
		g_autofree gchar *h = fut_hex_encode(cp->last_hash, 32);
		g_autofree gchar *k = fut_hex_encode(cp->key_id, 8);
		g_autofree gchar *p = fut_hex_encode(cp->pub, 32);
		g_autofree gchar *s = fut_hex_encode(cp->sig, 64);
		fut_log_event_set_detail(ev, "last_hash", h);
		fut_log_event_set_detail(ev, "key_id", k);
		fut_log_event_set_detail(ev, "key", p);
		fut_log_event_set_detail(ev, "sig", s);
	}
	rec.seq = 1;
	rec.time_us = cp->time_us;
	rec.host = cp->host;
	rec.ev = ev;
	line = fut_log_record_encode(&rec, &len);
	if (!fut_log_forward_record(fwd, &rec, line, len, &error)) {
		g_test_skip(error->message);
		return;
	}
	/* Read it back when this process may read the journal. */
	if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0) {
		g_test_skip("cannot open the journal to read the message back");
		return;
	}
	{
		g_autofree gchar *match = g_strdup_printf("FUTARI_HOST=%s", cp->host);
		sd_journal_add_match(j, match, 0);
	}
	for (gint tries = 0; tries < 50 && !found; tries++) {
		const void *data;
		size_t dlen;
		sd_journal_seek_head(j);
		while (sd_journal_next(j) > 0) {
			if (sd_journal_get_data(j, "FUTARI_CHECKPOINT", &data, &dlen) >= 0 &&
			    g_strstr_len(data, (gssize)dlen, root_hex) != NULL)
				found = TRUE;
		}
		if (!found)
			g_usleep(100000);
	}
	sd_journal_close(j);
	if (!found) {
		g_test_skip("the journal did not show the message (not persisted or not readable)");
		return;
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log/forward/syslog-rfc5424", test_syslog);
	g_test_add_func("/log/forward/journald", test_journald);
	return g_test_run();
}
