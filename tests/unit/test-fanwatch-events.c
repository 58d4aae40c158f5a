/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listener's read loop on events the kernel does not send to futari's group: with
 * FAN_UNLIMITED_QUEUE the queue never overflows, and a permission event the kernel cannot
 * allocate fails the open instead of queueing FAN_Q_OVERFLOW. So the overflow path (a `gap`
 * record of kind queue-overflow) cannot be reached through a real group. This test compiles
 * against agent/fanwatch-private.h and feeds its read loop events through a pipe, without root
 * and without fanotify. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sys/fanotify.h>

#include "agent/fanwatch-private.h"

typedef struct {
	GPtrArray *records; /* FutFanwatchRecord copies of what reached the agent */
} Got;

static void
collect(const FutFanwatchRecord *rec, gpointer user_data)
{
	Got *s = user_data;
	FutFanwatchRecord *c = g_memdup2(rec, sizeof *rec);

	c->exe = g_strdup(rec->exe);
	c->comm = g_strdup(rec->comm);
	c->path = g_strdup(rec->path);
	c->approval_id = g_strdup(rec->approval_id);
	g_ptr_array_add(s->records, c);
}

static GPtrArray *
got_records_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)fut_fanwatch_record_free);
}

/* A listener as fut_fanwatch_new() makes one, reading the pipe @fd instead of a fanotify
 * group and handing its records to @s through @ctx. */
static FutFanwatch *
listener_on_pipe(int fd, Got *s, GMainContext *ctx)
{
	FutFanwatch *fw = g_new0(FutFanwatch, 1);

	g_mutex_init(&fw->lock);
	fw->fan_fd = fd;
	fw->self = getpid();
	fw->sink = g_new0(Sink, 1);
	fw->sink->ref = 1;
	fw->sink->func = collect;
	fw->sink->data = s;
	fw->record_ctx = g_main_context_ref(ctx);
	fw->buf = g_malloc(READ_BUF_SIZE);
	return fw;
}

static void
put_event(int fd, guint8 vers, guint64 mask)
{
	struct fanotify_event_metadata m = {
	    .event_len = FAN_EVENT_METADATA_LEN,
	    .vers = vers,
	    .metadata_len = FAN_EVENT_METADATA_LEN,
	    .mask = mask,
	    .fd = FAN_NOFD,
	    .pid = 0,
	};

	g_assert_cmpint(write(fd, &m, sizeof m), ==, (gssize)sizeof m);
}

static void
drain(GMainContext *ctx)
{
	while (g_main_context_iteration(ctx, FALSE))
		;
}

/* FAN_Q_OVERFLOW: counted, never answered (it is not a permission event), and reported to
 * the agent as a gap of kind queue-overflow, one per overflow event. */
static void
test_queue_overflow(void)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	Got s = {.records = got_records_new()};
	FutFanwatchStats st;
	FutFanwatch *fw;
	int p[2];

	g_assert_cmpint(pipe2(p, O_NONBLOCK | O_CLOEXEC), ==, 0);
	fw = listener_on_pipe(p[0], &s, ctx);
	put_event(p[1], FANOTIFY_METADATA_VERSION, FAN_Q_OVERFLOW);
	put_event(p[1], FANOTIFY_METADATA_VERSION, FAN_Q_OVERFLOW);
	g_assert_cmpint(fw_on_readable(p[0], G_IO_IN, fw), ==, G_SOURCE_CONTINUE);
	drain(ctx);

	fut_fanwatch_get_stats(fw, &st);
	g_assert_cmpuint(st.overflows, ==, 2);
	g_assert_cmpuint(st.events, ==, 0);
	/* A reply written to the pipe's read end would fail and be counted here. */
	g_assert_cmpuint(st.reply_errors, ==, 0);
	g_assert_cmpuint(st.records_dropped, ==, 0);
	g_assert_cmpuint(s.records->len, ==, 2);
	for (guint i = 0; i < s.records->len; i++) {
		const FutFanwatchRecord *r = g_ptr_array_index(s.records, i);
		g_autoptr(FutLogEvent) ev = NULL;

		g_assert_cmpint(r->kind, ==, FUT_FANWATCH_RECORD_GAP);
		g_assert_cmpstr(r->gap_kind, ==, "queue-overflow");
		g_assert_cmpuint(r->gap_count, ==, 1);
		g_assert_cmpuint(r->uid, ==, G_MAXUINT32);
		ev = fut_fanwatch_record_to_log_event(r);
		g_assert_cmpstr(ev->event, ==, "gap");
		g_assert_cmpstr(fut_log_event_get_detail_str(ev, "kind"), ==, "queue-overflow");
	}
	fut_fanwatch_free(fw); /* closes p[0] */
	close(p[1]);
	g_ptr_array_unref(s.records);
}

/* An event in a layout the listener does not know cannot be parsed or answered: counted,
 * and the listener stops reading (the kernel allows what is pending when the group goes). */
static void
test_unknown_version(void)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	Got s = {.records = got_records_new()};
	FutFanwatchStats st;
	FutFanwatch *fw;
	int p[2];

	g_assert_cmpint(pipe2(p, O_NONBLOCK | O_CLOEXEC), ==, 0);
	fw = listener_on_pipe(p[0], &s, ctx);
	put_event(p[1], FANOTIFY_METADATA_VERSION + 1, FAN_Q_OVERFLOW);
	g_assert_cmpint(fw_on_readable(p[0], G_IO_IN, fw), ==, G_SOURCE_REMOVE);
	drain(ctx);
	fut_fanwatch_get_stats(fw, &st);
	g_assert_cmpuint(st.reply_errors, ==, 1);
	g_assert_cmpuint(st.overflows, ==, 0);
	g_assert_cmpuint(s.records->len, ==, 0);
	fut_fanwatch_free(fw);
	close(p[1]);
	g_ptr_array_unref(s.records);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fanwatch/events/queue-overflow", test_queue_overflow);
	g_test_add_func("/fanwatch/events/unknown-version", test_unknown_version);
	return g_test_run();
}
