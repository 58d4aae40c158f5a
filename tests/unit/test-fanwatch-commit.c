/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record thread (agent/fanwatch-commit.c, issue 14): an upload program's open of a
 * Class III file under an observed path is allowed only once its upload.observed is durable.
 * Against agent/fanwatch-private.h, without root or fanotify (the answer's write fails on a
 * closed group and is counted; what the test looks at is the decision). Opens waiting
 * together are handed over in one batch; an open whose record the log refused is denied
 * with a reason and leaves nothing that would spare the next open its record; an open the
 * deadline answered first gets no record. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "agent/fanwatch-private.h"

typedef struct {
	guint batches;
	guint handed; /* records handed over, in all */
	guint last_batch;
	gboolean refuse_odd; /* the log refuses the 2nd, 4th... record of a batch */
	GPtrArray *posted;   /* kinds of the records posted after the answer */
} Log;

static void
on_observing(const FutFanwatchRecord *const *recs,
             guint n,
             gboolean *ret_durable,
             gpointer user_data)
{
	Log *log = user_data;

	log->batches++;
	log->last_batch = n;
	for (guint i = 0; i < n; i++) {
		g_assert_cmpint(recs[i]->kind, ==, FUT_FANWATCH_RECORD_OBSERVED);
		g_assert_true(recs[i]->allowed);
		g_assert_cmpuint(recs[i]->file_class, ==, FUT_FANWATCH_CLASS_III);
		ret_durable[i] = !(log->refuse_odd && i % 2 == 1);
		log->handed++;
	}
}

static void
on_record(const FutFanwatchRecord *rec, gpointer user_data)
{
	Log *log = user_data;

	g_ptr_array_add(log->posted,
	                g_strdup_printf("%s %s", fut_fanwatch_record_kind_to_string(rec->kind),
	                                rec->reason != NULL ? rec->reason : ""));
}

static FutFanwatch *
listener_new(Log *log)
{
	FutFanwatch *fw = g_new0(FutFanwatch, 1);

	g_mutex_init(&fw->lock);
	g_mutex_init(&fw->commit_lock);
	g_cond_init(&fw->commit_cond);
	g_queue_init(&fw->commits);
	fw->fan_fd = -1;
	fw->attr_fd = -1;
	fw->no_ignore_marks = TRUE;
	fw->observe_interval_s = 3600;
	fw->observed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	fw->on_observing = on_observing;
	fw->on_observing_data = log;
	fw->sink = g_new0(Sink, 1);
	fw->sink->ref = 1;
	fw->sink->func = on_record;
	fw->sink->data = log;
	return fw;
}

static void
listener_free(FutFanwatch *fw)
{
	fw_commit_stop(fw);
	/* Records posted to the default context are delivered there. */
	while (g_main_context_iteration(NULL, FALSE))
		;
	fw_sink_unref(fw->sink);
	g_hash_table_unref(fw->observed);
	g_mutex_clear(&fw->lock);
	g_mutex_clear(&fw->commit_lock);
	g_cond_clear(&fw->commit_cond);
	g_free(fw);
}

/* An upload program's open of the Class III file @ino, waiting for its record. */
static Pending *
observed_open(FutFanwatch *fw, guint64 ino)
{
	Pending *p = g_new0(Pending, 1);

	p->ref = 1;
	p->fd_users = 1;
	p->fw = fw;
	p->ev.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(p->ev.fd, >=, 0);
	p->ev.pid = getpid();
	p->ev.upload = TRUE;
	p->ev.have_st = TRUE;
	p->ev.st.st_dev = 7;
	p->ev.st.st_ino = (ino_t)ino;
	p->ev.st.st_mode = S_IFREG | 0644;
	p->ev.exe_key.dev = 1;
	p->ev.exe_key.ino = 2;
	p->ev.file_class = FUT_FANWATCH_CLASS_III;
	p->ev.observe = TRUE;
	p->ev.commit = TRUE;
	p->ev.path = g_strdup_printf("/home/u/f%" G_GUINT64_FORMAT, ino);
	return p;
}

/* Runs the record thread over what waits now, and stops it. */
static void
run_batch(FutFanwatch *fw)
{
	fw->commit_thread = g_thread_new("commit", fw_commit_main, fw);
	/* The thread takes everything waiting in one go; wait until it has. */
	for (;;) {
		gboolean empty;
		g_mutex_lock(&fw->commit_lock);
		empty = g_queue_is_empty(&fw->commits);
		g_mutex_unlock(&fw->commit_lock);
		if (empty)
			break;
		g_usleep(1000);
	}
	fw_commit_stop(fw);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static void
test_batch(void)
{
	Log log = {0};
	FutFanwatch *fw;
	Pending *p[4];

	log.posted = g_ptr_array_new_with_free_func(g_free);
	log.refuse_odd = TRUE;
	fw = listener_new(&log);
	for (guint i = 0; i < 4; i++) {
		p[i] = observed_open(fw, 100 + i);
		g_atomic_int_inc(&p[i]->ref); /* the test's own, to look at the result */
		fw_commit_push(fw, p[i]);
	}
	run_batch(fw);
	/* One batch, one flush, four records. */
	g_assert_cmpuint(log.batches, ==, 1);
	g_assert_cmpuint(log.last_batch, ==, 4);
	for (guint i = 0; i < 4; i++) {
		gboolean durable = i % 2 == 0;
		g_assert_true(g_atomic_int_get(&p[i]->answered));
		g_assert_cmpint(p[i]->ev.allow, ==, durable);
		/* Only a written record spares the next open of that file its own. */
		g_assert_cmpint(fw_observe_recorded(fw, &p[i]->ev), ==, durable);
	}
	/* The refused opens' denials follow, with the reason; nothing else is posted. */
	g_assert_cmpuint(log.posted->len, ==, 2);
	for (guint i = 0; i < log.posted->len; i++)
		g_assert_cmpstr(g_ptr_array_index(log.posted, i), ==,
		                "upload.denied the egress log cannot record this upload");
	g_assert_cmpuint(fw->stats.observed_durable, ==, 2);
	g_assert_cmpuint(fw->stats.observed_refused, ==, 2);
	g_assert_cmpuint(fw->stats.observe_commits, ==, 1);
	for (guint i = 0; i < 4; i++)
		fw_pending_unref(p[i]);
	listener_free(fw);
	g_ptr_array_unref(log.posted);
}

/* The deadline answered (denied) an open before the record thread came to it: nothing went
 * out, so no record is written for it; the others in the batch go on. */
static void
test_answered_first(void)
{
	Log log = {0};
	FutFanwatch *fw;
	Pending *late, *ok;

	log.posted = g_ptr_array_new_with_free_func(g_free);
	fw = listener_new(&log);
	late = observed_open(fw, 200);
	ok = observed_open(fw, 201);
	g_atomic_int_inc(&late->ref);
	g_atomic_int_inc(&ok->ref);
	g_assert_true(fw_answer(fw, late, FALSE)); /* as the deadline thread does */
	fw_commit_push(fw, late);
	fw_commit_push(fw, ok);
	run_batch(fw);
	g_assert_cmpuint(log.handed, ==, 1);
	g_assert_false(late->ev.allow);
	g_assert_false(fw_observe_recorded(fw, &late->ev));
	g_assert_true(ok->ev.allow);
	g_assert_true(fw_observe_recorded(fw, &ok->ev));
	g_assert_cmpuint(log.posted->len, ==, 0);
	fw_pending_unref(late);
	fw_pending_unref(ok);
	listener_free(fw);
	g_ptr_array_unref(log.posted);
}

/* Stopping: what is handed over afterwards is denied, never allowed unrecorded. */
static void
test_stopping(void)
{
	Log log = {0};
	FutFanwatch *fw;
	Pending *p;

	log.posted = g_ptr_array_new_with_free_func(g_free);
	fw = listener_new(&log);
	fw_commit_stop(fw);
	p = observed_open(fw, 300);
	g_atomic_int_inc(&p->ref);
	fw_commit_push(fw, p);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_true(g_atomic_int_get(&p->answered));
	g_assert_false(p->ev.allow);
	g_assert_cmpuint(log.handed, ==, 0);
	g_assert_cmpuint(log.posted->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(log.posted, 0), ==,
	                "upload.denied upload control is stopping");
	fw_pending_unref(p);
	listener_free(fw);
	g_ptr_array_unref(log.posted);
}

/* A log that hangs: the opens waiting are bounded (each holds a descriptor); past the
 * bound an open is refused at once, with its reason. */
static void
test_bounded(void)
{
	Log log = {0};
	FutFanwatch *fw;
	Pending *p[3];

	log.posted = g_ptr_array_new_with_free_func(g_free);
	fw = listener_new(&log);
	fw->commit_bound = 2;
	for (guint i = 0; i < 3; i++) {
		p[i] = observed_open(fw, 400 + i);
		g_atomic_int_inc(&p[i]->ref);
		fw_commit_push(fw, p[i]);
	}
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_false(g_atomic_int_get(&p[0]->answered));
	g_assert_false(g_atomic_int_get(&p[1]->answered));
	g_assert_true(g_atomic_int_get(&p[2]->answered));
	g_assert_false(p[2]->ev.allow);
	g_assert_cmpuint(log.posted->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(log.posted, 0), ==,
	                "upload.denied too many uploads waiting for the egress log");
	run_batch(fw);
	g_assert_cmpuint(log.handed, ==, 2);
	g_assert_true(p[0]->ev.allow);
	g_assert_true(p[1]->ev.allow);
	/* The batch being written counts too: its opens hold their descriptors as well. */
	{
		Pending *q = observed_open(fw, 410);
		g_atomic_int_inc(&q->ref);
		fw->commit_quit = FALSE; /* as if the record thread ran on, busy with 2 */
		fw->commit_writing = 2;
		fw_commit_push(fw, q);
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_assert_true(g_atomic_int_get(&q->answered));
		g_assert_false(q->ev.allow);
		g_assert_cmpuint(log.posted->len, ==, 2);
		g_assert_cmpstr(g_ptr_array_index(log.posted, 1), ==,
		                "upload.denied too many uploads waiting for the egress log");
		fw->commit_writing = 0;
		fw_pending_unref(q);
	}
	for (guint i = 0; i < 3; i++)
		fw_pending_unref(p[i]);
	listener_free(fw);
	g_ptr_array_unref(log.posted);
}

/* A record stands for one user's open: another user's open of the same file by the same
 * program within the interval is their own egress and is recorded too. */
static void
test_per_user(void)
{
	Log log = {0};
	FutFanwatch *fw;
	Pending *a, *b, *c;

	log.posted = g_ptr_array_new_with_free_func(g_free);
	fw = listener_new(&log);
	a = observed_open(fw, 500);
	b = observed_open(fw, 500);
	c = observed_open(fw, 500);
	a->ev.have_uid = b->ev.have_uid = c->ev.have_uid = TRUE;
	a->ev.uid = 1000;
	b->ev.uid = 1001;
	c->ev.uid = 1000;
	fw_observe_note(fw, &a->ev);
	g_assert_true(fw_observe_recorded(fw, &c->ev));
	g_assert_false(fw_observe_recorded(fw, &b->ev));
	/* a user that cannot be read is never taken for one already recorded */
	c->ev.have_uid = FALSE;
	c->ev.pid = G_MAXINT32;
	g_assert_false(fw_observe_recorded(fw, &c->ev));
	fw_pending_unref(a);
	fw_pending_unref(b);
	fw_pending_unref(c);
	listener_free(fw);
	g_ptr_array_unref(log.posted);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fanwatch/commit/batch", test_batch);
	g_test_add_func("/fanwatch/commit/answered-first", test_answered_first);
	g_test_add_func("/fanwatch/commit/stopping", test_stopping);
	g_test_add_func("/fanwatch/commit/bounded", test_bounded);
	g_test_add_func("/fanwatch/commit/per-user", test_per_user);
	return g_test_run();
}
