/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "errors.h"
#include "fanwatch-private.h"
#include "procinfo.h"
#include "util.h"

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
pending_ref(Pending *p)
{
	g_atomic_int_inc(&p->ref);
}

static void
fd_unref(Pending *p)
{
	if (g_atomic_int_dec_and_test(&p->fd_users)) {
		/* Nobody classified what this open gave a pending number (the learner was full,
		 * stopping or could not read it, the open was denied after all): what cannot be
		 * decided is Class II. */
		if (p->ev.pending_seq != 0 && p->fw != NULL)
			fw_resolve_seq(p->fw, p->ev.pending_seq, FUT_FANWATCH_CLASS_II, p->ev.fd);
		p->ev.pending_seq = 0;
		close(p->ev.fd);
		p->ev.fd = -1;
	}
}

/* Takes a use of the descriptor unless it is closed already (its handler is done, so the
 * event is answered). */
static gboolean
fd_tryref(Pending *p)
{
	for (;;) {
		gint n = g_atomic_int_get(&p->fd_users);
		if (n <= 0)
			return FALSE;
		if (g_atomic_int_compare_and_exchange(&p->fd_users, n, n + 1))
			return TRUE;
	}
}

void
fw_pending_done(Pending *p)
{
	fd_unref(p);
	fw_pending_unref(p);
}

void
fw_pending_unref(Pending *p)
{
	if (!g_atomic_int_dec_and_test(&p->ref))
		return;
	g_free(p->ev.exe);
	g_free(p->ev.path);
	g_free(p->ev.approval_id);
	fut_fanwatch_record_free(p->ev.commit_rec);
	g_free(p);
}

gboolean
fw_answer(FutFanwatch *fw, Pending *p, gboolean allow)
{
	if (!g_atomic_int_compare_and_exchange(&p->answered, 0, 1))
		return FALSE;
	reply(fw, p->ev.fd, allow);
	p->ev.allow = allow;
	g_mutex_lock(&fw->lock);
	fw->stats.events++;
	if (allow)
		fw->stats.allowed++;
	else
		fw->stats.denied++;
	if (p->ev.self)
		fw->stats.self++;
	if (p->ev.upload)
		fw->stats.upload_checks++;
	g_mutex_unlock(&fw->lock);
	return TRUE;
}

/* One version waiting in the learner's queue. */
typedef struct {
	guint64 seq; /* the pending number its first open got (0: none) */
	guint dups;  /* later opens of it that shared the place */
} LearnSlot;

typedef enum {
	LEARN_QUEUED,
	LEARN_SHARED,  /* the version waits already: this open shares its place */
	LEARN_DROPPED, /* the queue is at its bound */
} LearnPlace;

/* Finds @p a place in the learner's queue. An open of a version already waiting (the same
 * identity and the same pending number) shares its place: the one classification resolves
 * the number for both, and this event's descriptor can go at once. Caller has ev->st. */
static LearnPlace
learn_place(FutFanwatch *fw, Pending *p)
{
	Event *ev = &p->ev;
	Ident id = fw_ident_of(&ev->st);
	LearnSlot *slot;
	LearnPlace r;

	g_mutex_lock(&fw->learn_lock);
	slot = g_hash_table_lookup(fw->learning, &id);
	if (slot != NULL && slot->seq == ev->pending_seq) {
		slot->dups++;
		fw->learn_shared++;
		r = LEARN_SHARED;
	} else if (fw->learn_len >= fw->learn_bound) {
		fw->learn_dropped++;
		r = LEARN_DROPPED;
	} else {
		/* A version waiting under another number (the number table started afresh) is
		 * queued on its own, without a slot. */
		if (slot == NULL) {
			slot = g_new0(LearnSlot, 1);
			slot->seq = ev->pending_seq;
			g_hash_table_insert(fw->learning, g_memdup2(&id, sizeof id), slot);
			ev->learn_queued = TRUE;
			ev->learn_id = id;
		}
		fw->learn_len++;
		fw->learn_queued++;
		fw->learn_peak = MAX(fw->learn_peak, fw->learn_len);
		r = LEARN_QUEUED;
	}
	g_mutex_unlock(&fw->learn_lock);
	return r;
}

/* The learner starts on @ev: how many later opens share its place (a file opened twice
 * before the learner came to it counts as opened twice). */
static void
learn_start(FutFanwatch *fw, Event *ev)
{
	g_mutex_lock(&fw->learn_lock);
	if (ev->learn_queued) {
		LearnSlot *slot = g_hash_table_lookup(fw->learning, &ev->learn_id);
		if (slot != NULL)
			ev->learn_dups = slot->dups;
	}
	g_mutex_unlock(&fw->learn_lock);
}

/* The learner is done with @ev: its place goes. From now on a new open of the version
 * queues again (and finds the class cached). */
static void
learn_leave(FutFanwatch *fw, Event *ev)
{
	g_mutex_lock(&fw->learn_lock);
	fw->learn_len--;
	if (ev->learn_queued) {
		g_hash_table_remove(fw->learning, &ev->learn_id);
		ev->learn_queued = FALSE;
	}
	g_mutex_unlock(&fw->learn_lock);
}

void
fw_follow_up(FutFanwatch *fw, Pending *p)
{
	Event *ev = &p->ev;
	gint64 now_us = g_get_real_time();

	/* Only files that could get an ignore mark are worth the learner's time (and a thread
	 * wake-up): regular, owned by root and not writable by others. The learner checks
	 * again, with the ACL, and classifies only what is small enough (learn_max); a larger
	 * one may still be the system's own (libxul, libcrypto), marked without a read. */
	if (ev->learn && fw->on_classified != NULL) {
		/* The kernel side (BPF LSM taint) needs the class of every file other programs
		 * read, users' own files too, as soon as possible: any regular file goes. The
		 * pending mark's statx (fw_mark_pending(), just before the answer) serves. */
		if (!(ev->have_st || fw_fd_stat(ev->fd, &ev->st)) || !S_ISREG(ev->st.st_mode))
			ev->learn = FALSE;
	} else if (ev->learn && (fw->no_ignore_marks || !fw_fd_stat(ev->fd, &ev->st) ||
	                         !S_ISREG(ev->st.st_mode) || ev->st.st_uid != 0 ||
	                         (ev->st.st_mode & (S_IWGRP | S_IWOTH)) != 0)) {
		ev->learn = FALSE;
	}
	if (ev->learn && fw->learner != NULL && !g_atomic_int_get(&fw->stopping)) {
		switch (learn_place(fw, p)) {
		case LEARN_QUEUED:
			/* The learner may take its time: it holds the descriptor, not the opener.
			 */
			g_thread_pool_push(fw->learner, p, NULL);
			return;
		case LEARN_SHARED:
			/* resolved by the event that holds the place (or as Class II when it
			 * ends without a class) */
			ev->pending_seq = 0;
			break;
		case LEARN_DROPPED:
			/* a pending number resolves as Class II when the event ends */
			break;
		}
	}
	if (ev->upload && ev->file_class == FUT_FANWATCH_CLASS_III && ev->allow) {
		Ident id = fw_ident_of(&ev->st);
		if (ev->mark && fw_mark_safe(fw, ev->fd, &ev->st))
			fw_set_ignore_mark(fw, ev->fd, &id);
		/* With on_observing the record is durable already (the record thread) or was
		 * not needed (deduplicated). */
		if (ev->observe && fw->on_observing == NULL && fw_observe_allowed(fw, ev)) {
			ev->record = TRUE;
			ev->kind = FUT_FANWATCH_RECORD_OBSERVED;
			ev->reason = "an upload program opened a class III file";
		}
	}
	if (ev->record)
		fw_post_record(fw, fw_record_from_event(fw, ev, now_us));
	fw_pending_done(p);
}

/* Hands @p on (a worker reads the content, an identifier the process's mappings or argv)
 * or answers it with @v and follows up. */
static void
dispatch(FutFanwatch *fw, Pending *p, FwVerdict v)
{
	if (v == FW_VERDICT_RECORD) {
		fw_commit_push(fw, p);
		return;
	}
	if (v == FW_VERDICT_WORK || v == FW_VERDICT_IDENTIFY) {
		GThreadPool *pool = v == FW_VERDICT_WORK ? fw->workers : fw->identifiers;
		if (!g_atomic_int_get(&fw->stopping) && pool != NULL) {
			g_thread_pool_push(pool, p, NULL);
			return;
		}
		v = FW_VERDICT_DENY;
		p->ev.record = TRUE;
		p->ev.kind = FUT_FANWATCH_RECORD_DENIED;
		p->ev.reason = "upload control is stopping";
	}
	/* Known not to be an upload program: the deadline may allow it. Not yet identified
	 * (a loader or multi-call process): it denies. */
	if (!p->ev.upload && !p->ev.identify_deep)
		g_atomic_int_set(&p->allow_at_deadline, 1);
	if (!fw_answer(fw, p, v == FW_VERDICT_ALLOW)) {
		/* The deadline came first and said so itself. */
		fw_pending_done(p);
		return;
	}
	fw_follow_up(fw, p);
}

/* Responder threads: identify the program and decide what needs no file content; hand the
 * rest to a worker or an identifier. Never waits on a file's content, a user's filesystem
 * or another process's memory map. */
void
fw_respond_job(gpointer data, gpointer user_data)
{
	Pending *p = data;
	FutFanwatch *fw = user_data;

	fw_thread_setup("fut-fan-answer", FALSE);
	if (g_atomic_int_get(&p->answered)) {
		fw_pending_done(p);
		return;
	}
	dispatch(fw, p, p->ev.exec ? fw_decide_exec_fast(fw, &p->ev) : fw_decide_fast(fw, &p->ev));
}

/* Identifier threads: a loader's mappings or a multi-call binary's argv, then the same
 * decision as a responder's. A process that keeps its mmap lock contended holds one of
 * these until its event's deadline, which denies it; the responders go on answering. */
void
fw_identify_job(gpointer data, gpointer user_data)
{
	Pending *p = data;
	FutFanwatch *fw = user_data;

	fw_thread_setup("fut-fan-ident", FALSE);
	if (g_atomic_int_get(&p->answered)) {
		fw_pending_done(p);
		return;
	}
	fw_identify_deep(fw, &p->ev);
	dispatch(fw, p, fw_decide_opener(fw, &p->ev));
}

/* Worker threads: classify and hash, then answer (unless the deadline did). */
void
fw_work_job(gpointer data, gpointer user_data)
{
	Pending *p = data;
	FutFanwatch *fw = user_data;
	gboolean allow = FALSE;

	/* Classification and hashing yield the CPU to the threads that answer the kernel and
	 * to everyone else's work. */
	fw_thread_setup("fut-fan-work", TRUE);
	if (g_atomic_int_get(&p->answered)) {
		fw_pending_done(p);
		return;
	}
	if (p->ev.exec) {
		/* the records are the inherited files' own (fw_decide_exec_slow()) */
		allow = fw_decide_exec_slow(fw, &p->ev);
		if (!fw_answer(fw, p, allow)) {
			fw_pending_done(p);
			return;
		}
		fw_follow_up(fw, p);
		return;
	}
	allow = fw_decide_slow(fw, &p->ev);
	if (allow && p->ev.commit) {
		fw_commit_push(fw, p);
		return;
	}
	if (!fw_answer(fw, p, allow)) {
		fw_pending_done(p);
		return;
	}
	fw_follow_up(fw, p);
}

void
fw_learn_job(gpointer data, gpointer user_data)
{
	Pending *p = data;
	FutFanwatch *fw = user_data;

	fw_thread_setup("fut-fan-learn", TRUE);
	learn_start(fw, &p->ev);
	if (!g_atomic_int_get(&fw->stopping))
		fw_learn(fw, &p->ev);
	/* After the classification, so that opens of this version meanwhile share it. */
	learn_leave(fw, &p->ev);
	if (p->ev.record)
		fw_post_record(fw, fw_record_from_event(fw, &p->ev, g_get_real_time()));
	fw_pending_done(p);
}

/* The deadline thread: answers every event still open at its deadline, allowing programs
 * known not to be upload programs and denying the rest. */
gpointer
fw_deadline_main(gpointer user_data)
{
	FutFanwatch *fw = user_data;

	fw_thread_setup("fut-fan-deadln", FALSE);
	g_mutex_lock(&fw->deadline_lock);
	for (;;) {
		Pending *p = g_queue_peek_head(&fw->deadlines);
		gint64 now = g_get_monotonic_time();

		if (p == NULL) {
			if (fw->deadline_quit)
				break;
			g_cond_wait(&fw->deadline_cond, &fw->deadline_lock);
			continue;
		}
		if (!g_atomic_int_get(&p->answered) && now < p->deadline && !fw->deadline_quit) {
			g_cond_wait_until(&fw->deadline_cond, &fw->deadline_lock, p->deadline);
			continue;
		}
		g_queue_pop_head(&fw->deadlines);
		g_mutex_unlock(&fw->deadline_lock);
		if (!g_atomic_int_get(&p->answered) && fd_tryref(p)) {
			gboolean allow = g_atomic_int_get(&p->allow_at_deadline);
			/* Only this thread touches the event's record fields once it has answered:
			 * the thread still deciding sees it answered and drops its result. */
			if (fw_answer(fw, p, allow)) {
				g_mutex_lock(&fw->lock);
				fw->stats.deadline_answers++;
				g_mutex_unlock(&fw->lock);
				if (!allow) {
					FutFanwatchRecord *rec = g_new0(FutFanwatchRecord, 1);
					rec->kind = FUT_FANWATCH_RECORD_DENIED;
					rec->time_us = g_get_real_time();
					rec->pid = p->ev.pid;
					rec->uid = G_MAXUINT32;
					if (!fut_procinfo_read_uid(p->ev.pid, &rec->uid, NULL))
						rec->uid = G_MAXUINT32;
					if (!fut_procinfo_read_loginuid(p->ev.pid, &rec->loginuid,
					                                NULL))
						rec->loginuid = FUT_PROCINFO_LOGINUID_UNSET;
					rec->exe = fut_procinfo_read_exe(p->ev.pid, NULL);
					rec->comm = fut_procinfo_read_comm(p->ev.pid, NULL);
					rec->path = fw_fd_path(p->ev.fd);
					rec->reason = "undecided at the deadline";
					fw_post_record(fw, rec);
				}
			}
			fd_unref(p);
		}
		fw_pending_unref(p);
		g_mutex_lock(&fw->deadline_lock);
	}
	g_mutex_unlock(&fw->deadline_lock);
	return NULL;
}

static void
handle_event(FutFanwatch *fw, const struct fanotify_event_metadata *meta)
{
	Pending *p;

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
	if ((meta->mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM)) == 0) {
		/* Not asked for; a permission event still needs its answer. */
		if ((meta->mask & FAN_ACCESS_PERM) != 0)
			reply(fw, meta->fd, TRUE);
		close(meta->fd);
		return;
	}

	p = g_new0(Pending, 1);
	p->ref = 1;
	p->fd_users = 1;
	p->fw = fw;
	p->ev.fd = meta->fd;
	p->ev.pid = meta->pid;
	/* A program about to run (fanwatch-exec.c). The kernel asks about an exec in an event
	 * of its own (never merged with the open's). */
	p->ev.exec = (meta->mask & FAN_OPEN_PERM) == 0;
	p->deadline = g_get_monotonic_time() + fw->deadline_us;
	/* The agent's own opens are answered here, at once: nothing it does may wait on a
	 * responder that waits on it. */
	if (meta->pid == fw->self || fw->responders == NULL) {
		p->ev.self = meta->pid == fw->self;
		fw_answer(fw, p, TRUE);
		fw_pending_done(p);
		return;
	}
	/* The common case, an ordinary program whose executable is judged already, costs a
	 * statx without sync and a lookup (and, with the taint layer, for a file whose class is
	 * not known yet, a pending mark): answered here too, without a thread hop. A pending
	 * mark that cannot be set goes the long way, which denies. */
	if (p->ev.exec) {
		/* A program judged before and not an upload program: nothing it inherits is at
		 * stake. */
		if (fw_exec_cached_ordinary(fw, &p->ev)) {
			fw_answer(fw, p, TRUE);
			fw_pending_done(p);
			return;
		}
	} else if (!fw_pipes_active(fw) && fw_identify_cached_ordinary(fw, &p->ev) &&
	           fw_mark_pending(fw, &p->ev)) {
		/* (While a pipe into an upload program is followed, a responder asks whether the
		 * opener writes into it: fanwatch-pipe.c.) */
		p->ev.learn = TRUE;
		fw_answer(fw, p, TRUE);
		fw_follow_up(fw, p);
		return;
	}
	pending_ref(p);
	g_mutex_lock(&fw->deadline_lock);
	g_queue_push_tail(&fw->deadlines, p);
	if (fw->deadlines.length == 1)
		g_cond_signal(&fw->deadline_cond);
	g_mutex_unlock(&fw->deadline_lock);
	g_thread_pool_push(fw->responders, p, NULL);
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

	fw_thread_setup("fut-fanwatch", FALSE);
	g_main_context_push_thread_default(fw->ctx);
	g_main_loop_run(fw->loop);
	g_main_context_pop_thread_default(fw->ctx);
	return NULL;
}
