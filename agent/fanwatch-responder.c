/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "errors.h"
#include "fanwatch-private.h"
#include "procinfo.h"
#include "util.h"

/* Sets an evictable ignore mark on the inode open at @fd, judged Class III at identity
 * @id. Without "survive modify", the kernel drops the mark on the next write. */
void
fw_set_ignore_mark(FutFanwatch *fw, int fd, const Ident *id)
{
	unsigned int flags;
	Ident after;
	int r;

	if (fw->no_ignore_marks)
		return;
	flags = FAN_MARK_ADD | FAN_MARK_EVICTABLE |
	        (fw->ignore_new_api ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK);
	r = fanotify_mark(fw->fan_fd, flags, FAN_OPEN_PERM, fd, NULL);
	if (r != 0 && errno == EINVAL && fw->ignore_new_api) {
		fw->ignore_new_api = FALSE;
		flags = FAN_MARK_ADD | FAN_MARK_EVICTABLE | FAN_MARK_IGNORED_MASK;
		r = fanotify_mark(fw->fan_fd, flags, FAN_OPEN_PERM, fd, NULL);
	}
	if (r != 0)
		return;
	/* A write between the classification and the mark would not have cleared a mark
	 * that did not exist yet: check the content version is still the one judged. */
	if (!fw_fd_ident(fd, &after) || !fw_ident_equal(&after, id)) {
		fanotify_mark(fw->fan_fd,
		              FAN_MARK_REMOVE |
		                  (fw->ignore_new_api ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK),
		              FAN_OPEN_PERM, fd, NULL);
		return;
	}
	g_mutex_lock(&fw->lock);
	fw->stats.marks++;
	g_mutex_unlock(&fw->lock);
}

static void
reply(FutFanwatch *fw, int fd, gboolean allow)
{
	struct fanotify_response r = {.fd = fd, .response = allow ? FAN_ALLOW : FAN_DENY};

	for (;;) {
		ssize_t n = write(fw->fan_fd, &r, sizeof r);
		if (n == (ssize_t)sizeof r)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		/* ENOENT: the opener was killed and the kernel dropped the event. */
		g_mutex_lock(&fw->lock);
		fw->stats.reply_errors++;
		g_mutex_unlock(&fw->lock);
		break;
	}
}

static void
handle_event(FutFanwatch *fw, const struct fanotify_event_metadata *meta)
{
	Event ev = {.fd = meta->fd, .pid = meta->pid};
	gboolean allow;
	gint64 now_us;

	if ((meta->mask & FAN_Q_OVERFLOW) != 0) {
		FutFanwatchRecord *gap = g_new0(FutFanwatchRecord, 1);
		g_mutex_lock(&fw->lock);
		fw->stats.overflows++;
		g_mutex_unlock(&fw->lock);
		gap->kind = FUT_FANWATCH_RECORD_GAP;
		gap->time_us = g_get_real_time();
		gap->uid = G_MAXUINT32;
		gap->loginuid = FUT_PROCINFO_LOGINUID_UNSET;
		gap->gap_kind = "queue-overflow";
		gap->gap_count = 1;
		gap->reason = "the kernel dropped fanotify events";
		fw_post_record(fw, gap);
		if (meta->fd >= 0)
			close(meta->fd);
		return;
	}
	if (meta->fd < 0)
		return;
	if ((meta->mask & FAN_OPEN_PERM) == 0) {
		/* Not asked for; a permission event still needs its answer. */
		if ((meta->mask & (FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)) != 0)
			reply(fw, meta->fd, TRUE);
		close(meta->fd);
		return;
	}

	allow = fw_decide(fw, &ev);
	reply(fw, meta->fd, allow);
	now_us = g_get_real_time();

	/* Everything below runs after the opener has its answer. */
	g_mutex_lock(&fw->lock);
	fw->stats.events++;
	if (allow)
		fw->stats.allowed++;
	else
		fw->stats.denied++;
	if (ev.self)
		fw->stats.self++;
	if (ev.upload)
		fw->stats.upload_checks++;
	g_mutex_unlock(&fw->lock);

	if (ev.learn)
		fw_learn(fw, &ev);
	if (ev.upload && ev.file_class == FUT_FANWATCH_CLASS_III) {
		Ident id = fw_ident_of(&ev.st);
		if (ev.mark)
			fw_set_ignore_mark(fw, ev.fd, &id);
		if (ev.observe && fw_observe_allowed(fw, &ev)) {
			ev.record = TRUE;
			ev.kind = FUT_FANWATCH_RECORD_OBSERVED;
			ev.reason = "an upload program opened a class III file";
		}
	}
	if (ev.record)
		fw_post_record(fw, fw_record_from_event(fw, &ev, now_us));

	close(meta->fd);
	g_free(ev.exe);
	g_free(ev.path);
	g_free(ev.approval_id);
}

gboolean
fw_on_readable(gint fd, GIOCondition cond, gpointer user_data)
{
	FutFanwatch *fw = user_data;

	for (;;) {
		ssize_t n = read(fw->fan_fd, fw->buf, READ_BUF_SIZE);
		const struct fanotify_event_metadata *meta = (const void *)fw->buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		while (FAN_EVENT_OK(meta, n)) {
			/* A different layout cannot be parsed, so it cannot be answered either;
			 * the events stay pending until the group is closed, which allows them. */
			if (meta->vers != FANOTIFY_METADATA_VERSION) {
				g_mutex_lock(&fw->lock);
				fw->stats.reply_errors++;
				g_mutex_unlock(&fw->lock);
				return G_SOURCE_REMOVE;
			}
			handle_event(fw, meta);
			meta = FAN_EVENT_NEXT(meta, n);
		}
	}
	return G_SOURCE_CONTINUE;
}

gboolean
fw_quit_loop(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

gpointer
fw_thread_main(gpointer user_data)
{
	FutFanwatch *fw = user_data;

	g_main_context_push_thread_default(fw->ctx);
	g_main_loop_run(fw->loop);
	g_main_context_pop_thread_default(fw->ctx);
	return NULL;
}
