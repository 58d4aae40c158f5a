/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pending marks (issue 14: a read before the learner classifies a file does not taint): the
 * userspace half, against agent/fanwatch-private.h, without root, fanotify or BPF. A
 * non-upload program's open of a file whose current version has no known class must give the
 * file a pending number (on_pending) before the open is answered; every number must be
 * resolved (on_resolved) with the class of the content, or Class II when nobody classified
 * it; one number per version, a new one for a rewrite. The kernel half (what a pending
 * reader may send) runs in the e2e VM: tests/e2e/scenarios/24-agent-bpf-taint-pending.sh. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/fanwatch-private.h"

typedef struct {
	guint64 seq;
	guint file_class;
	gboolean had_fd;
} Resolution;

typedef struct {
	GArray *pending;  /* guint64 seqs, in order */
	GArray *resolved; /* Resolution, in order */
	gboolean refuse;  /* on_pending fails */
	guint classify_as;
	gboolean classify_fails;
	guint classified;
	/* The scratch file's inode_pending storage, as the taint layer keeps it (one file per
	 * case), and the bound of the last on_settled. */
	guint64 on_inode;
	guint64 settled_below;
	/* What the kernel's taint layer says of the scratch file's inode (taint_class). */
	guint taint_class;
	guint taint_asked;
} Calls;

static guint
taint_class(int fd, gpointer user_data)
{
	Calls *c = user_data;

	g_assert_cmpint(fd, >=, 0);
	c->taint_asked++;
	return c->taint_class;
}

static gboolean
on_pending(int fd, guint64 seq, gpointer user_data)
{
	Calls *c = user_data;

	g_assert_cmpint(fd, >=, 0);
	if (c->refuse)
		return FALSE;
	g_array_append_val(c->pending, seq);
	c->on_inode = seq;
	return TRUE;
}

static void
on_resolved(int fd, guint64 seq, guint file_class, gpointer user_data)
{
	Calls *c = user_data;
	Resolution r = {seq, file_class, fd >= 0};

	g_array_append_val(c->resolved, r);
	if (fd >= 0 && c->on_inode == seq)
		c->on_inode = 0; /* fut_taint_resolve() */
}

static void
on_settled(int fd, guint64 below, gpointer user_data)
{
	Calls *c = user_data;

	g_assert_cmpint(fd, >=, 0);
	c->settled_below = below;
	if (c->on_inode < below)
		c->on_inode = 0; /* fut_taint_settle() */
}

static void
on_classified(int fd, guint file_class, gpointer user_data)
{
	(void)fd, (void)file_class, (void)user_data;
}

static gboolean
classify(int fd, const gchar *path, guint *ret_class, gpointer user_data, GError **error)
{
	Calls *c = user_data;

	(void)fd, (void)path;
	c->classified++;
	if (c->classify_fails) {
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_IO, "unreadable");
		return FALSE;
	}
	*ret_class = c->classify_as;
	return TRUE;
}

/* A listener as fut_fanwatch_new() makes one with the taint layer on, without threads. */
static FutFanwatch *
listener_new(Calls *c)
{
	FutFanwatch *fw = g_new0(FutFanwatch, 1);

	g_mutex_init(&fw->lock);
	fw->fan_fd = -1;
	fw->attr_fd = -1;
	fw->self = getpid();
	fw->no_ignore_marks = TRUE;
	fw->files = g_hash_table_new_full(fw_key_hash, fw_key_equal, g_free, g_free);
	fw->fuse_devs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	fw->seen = g_hash_table_new_full(fw_key_hash, fw_key_equal, g_free, NULL);
	fw->scanning = g_hash_table_new_full(fw_ident_hash, fw_ident_equal0, g_free, NULL);
	g_cond_init(&fw->scanned);
	fw->classify = classify;
	fw->classify_data = c;
	fw->on_classified = on_classified;
	fw->on_pending = on_pending;
	fw->on_resolved = on_resolved;
	fw->on_settled = on_settled;
	fw->taint_class = taint_class;
	fw->on_pending_data = c;
	fw->approvals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, fw_approval_free);
	fw->seqs = fw_seq_table_new(16);
	return fw;
}

static void
listener_free(FutFanwatch *fw)
{
	g_hash_table_unref(fw->files);
	g_hash_table_unref(fw->fuse_devs);
	g_hash_table_unref(fw->seen);
	g_hash_table_unref(fw->scanning);
	g_hash_table_unref(fw->approvals);
	g_cond_clear(&fw->scanned);
	fw_seq_table_free(fw->seqs);
	g_mutex_clear(&fw->lock);
	g_free(fw);
}

/* A non-upload program's open of @path, as a responder or the reader thread sees it. */
static Pending *
open_event(FutFanwatch *fw, const gchar *path)
{
	Pending *p = g_new0(Pending, 1);

	p->ref = 1;
	p->fd_users = 1;
	p->fw = fw;
	p->ev.fd = open(path, O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(p->ev.fd, >=, 0);
	p->ev.pid = 1;
	p->ev.upload = FALSE;
	return p;
}

static gchar *
scratch_file(const gchar *content)
{
	g_autoptr(GError) error = NULL;
	gchar *path = NULL;
	int fd = g_file_open_tmp("futari-pending-XXXXXX", &path, &error);

	g_assert_no_error(error);
	close(fd);
	g_assert_true(g_file_set_contents(path, content, -1, NULL));
	return path;
}

/* Rewrites @path in place: the inode stays. */
static void
rewrite(const gchar *path, const gchar *content)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, content, strlen(content)), ==, (gssize)strlen(content));
	close(fd);
}

static Calls
calls_new(void)
{
	Calls c = {0};

	c.pending = g_array_new(FALSE, FALSE, sizeof(guint64));
	c.resolved = g_array_new(FALSE, FALSE, sizeof(Resolution));
	c.classify_as = FUT_FANWATCH_CLASS_I;
	return c;
}

static void
calls_clear(Calls *c)
{
	g_array_unref(c->pending);
	g_array_unref(c->resolved);
}

/* Each case: the calls seen, a listener and a scratch file holding the case's data. */
typedef struct {
	Calls c;
	FutFanwatch *fw;
	gchar *path;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer content)
{
	f->c = calls_new();
	f->fw = listener_new(&f->c);
	f->path = scratch_file(content);
}

static void
fixture_tear_down(Fixture *f, gconstpointer content)
{
	(void)content;
	unlink(f->path);
	g_free(f->path);
	listener_free(f->fw);
	calls_clear(&f->c);
}

/* At least one resolution so far, every one of @seq with @file_class. */
static void
assert_resolved_all(const Calls *c, guint64 seq, guint file_class)
{
	g_assert_cmpuint(c->resolved->len, >=, 1);
	for (guint i = 0; i < c->resolved->len; i++) {
		const Resolution *r = &g_array_index(c->resolved, Resolution, i);
		g_assert_cmpuint(r->seq, ==, seq);
		g_assert_cmpuint(r->file_class, ==, file_class);
	}
}

/* The attacker's race: the open is allowed at once, and the file is marked pending before
 * the answer; the learner resolves the number with the class it finds. */
static void
test_open_then_learn(Fixture *f, gconstpointer data)
{
	Calls *c = &f->c;
	FutFanwatch *fw = f->fw;
	const gchar *path = f->path;
	Pending *p = open_event(fw, path);
	guint64 seq;

	g_assert_cmpint(fw_decide_opener(fw, &p->ev), ==, FW_VERDICT_ALLOW);
	g_assert_cmpuint(c->pending->len, ==, 1);
	seq = g_array_index(c->pending, guint64, 0);
	g_assert_cmpuint(seq, !=, 0);
	g_assert_cmpuint(p->ev.pending_seq, ==, seq);
	g_assert_cmpuint(c->resolved->len, ==, 0); /* nothing classified on the answering path */
	g_assert_cmpuint(c->classified, ==, 0);
	fw_learn(fw, &p->ev);
	/* Once: the learner's classification resolves the version's number, and its event
	 * carries the same number with the same class (it was told twice before). */
	g_assert_cmpuint(c->resolved->len, ==, 1);
	for (guint i = 0; i < c->resolved->len; i++) {
		Resolution *r = &g_array_index(c->resolved, Resolution, i);
		g_assert_cmpuint(r->seq, ==, seq);
		g_assert_cmpuint(r->file_class, ==, FUT_FANWATCH_CLASS_I);
		g_assert_true(r->had_fd);
	}
	g_assert_cmpuint(p->ev.pending_seq, ==, 0);
	g_array_set_size(c->resolved, 0);
	fw_pending_done(p); /* resolved already: nothing more */
	g_assert_cmpuint(c->resolved->len, ==, 0);

	/* Classified now: the next open of the same version is not pending. */
	p = open_event(fw, path);
	g_assert_cmpint(fw_decide_opener(fw, &p->ev), ==, FW_VERDICT_ALLOW);
	g_assert_cmpuint(c->pending->len, ==, 1);
	g_assert_cmpuint(p->ev.pending_seq, ==, 0);
	fw_pending_done(p);
	g_assert_cmpuint(c->resolved->len, ==, 0);
}

/* Two opens of one version share its number; a rewrite (a new version) gets a new one, and
 * the old number is resolved by its own event, never taken by the new version's. */
static void
test_versions(Fixture *f, gconstpointer data)
{
	Calls *c = &f->c;
	FutFanwatch *fw = f->fw;
	const gchar *path = f->path;
	Pending *a = open_event(fw, path);
	Pending *b = open_event(fw, path);
	Pending *n;
	struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	guint64 s1, s2;

	g_assert_cmpint(fw_decide_opener(fw, &a->ev), ==, FW_VERDICT_ALLOW);
	g_assert_cmpint(fw_decide_opener(fw, &b->ev), ==, FW_VERDICT_ALLOW);
	s1 = a->ev.pending_seq;
	g_assert_cmpuint(s1, !=, 0);
	g_assert_cmpuint(b->ev.pending_seq, ==, s1);
	g_assert_cmpuint(fw_seq_table_size(fw->seqs), ==, 1);

	/* Rewritten in place (the same inode): a new size and times. */
	rewrite(path, "two, longer\n");
	g_assert_cmpint(utimensat(AT_FDCWD, path, ts, 0), ==, 0);
	n = open_event(fw, path);
	g_assert_cmpint(fw_decide_opener(fw, &n->ev), ==, FW_VERDICT_ALLOW);
	s2 = n->ev.pending_seq;
	g_assert_cmpuint(s2, !=, 0);
	g_assert_cmpuint(s2, !=, s1);
	g_assert_cmpuint(fw_seq_table_size(fw->seqs), ==, 1);

	/* The learner classifies the new version (Class III) for the new open: only s2. */
	c->classify_as = FUT_FANWATCH_CLASS_III;
	fw_learn(fw, &n->ev);
	for (guint i = 0; i < c->resolved->len; i++)
		g_assert_cmpuint(g_array_index(c->resolved, Resolution, i).seq, ==, s2);
	g_assert_cmpuint(c->resolved->len, >=, 1);
	g_array_set_size(c->resolved, 0);

	/* The old version's events: nobody learnt them (a full learner queue): they end
	 * resolving s1, as Class II, never as the Class III of the newer version; the second
	 * says nothing new. */
	fw_pending_done(a);
	fw_pending_done(b);
	g_assert_cmpuint(c->resolved->len, ==, 1);
	assert_resolved_all(c, s1, FUT_FANWATCH_CLASS_II);
	fw_pending_done(n);
}

/* The attacker's rewrite: Class I content is read through a pending open, then Class III
 * content is written over it before the learner comes. The learner's Class III verdict on
 * the new version must not resolve the number the read carries: it ends as Class II. */
static void
test_rewritten_before_learn(Fixture *f, gconstpointer data)
{
	Calls *c = &f->c;
	FutFanwatch *fw = f->fw;
	const gchar *path = f->path;
	Pending *p = open_event(fw, path);
	struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	guint64 seq;

	g_assert_cmpint(fw_decide_opener(fw, &p->ev), ==, FW_VERDICT_ALLOW);
	seq = p->ev.pending_seq;
	g_assert_cmpuint(seq, !=, 0);
	rewrite(path, "lunch menu, harmless and longer\n");
	g_assert_cmpint(utimensat(AT_FDCWD, path, ts, 0), ==, 0);
	c->classify_as = FUT_FANWATCH_CLASS_III;
	fw_learn(fw, &p->ev);
	for (guint i = 0; i < c->resolved->len; i++)
		g_assert_cmpuint(g_array_index(c->resolved, Resolution, i).seq, !=, seq);
	fw_pending_done(p);
	g_assert_cmpuint(c->resolved->len, >=, 1);
	{
		Resolution *r = &g_array_index(c->resolved, Resolution, c->resolved->len - 1);
		g_assert_cmpuint(r->seq, ==, seq);
		g_assert_cmpuint(r->file_class, ==, FUT_FANWATCH_CLASS_II);
	}
}

/* A file created write-only, written and read back (CI, scenario 24): the writer's open gave
 * the empty version a number; the learner judged the written version (Class III), which
 * leaves that number to its event's end (Class II). A reader that opens the written version
 * before that end must not take the empty version's number from the inode: it would be
 * tainted Class II by content nobody read. A number given after the reader's statx (a newer
 * version's, by another thread) is at or above the bound and stays. */
static void
test_read_back_after_write(Fixture *f, gconstpointer data)
{
	Calls *c = &f->c;
	FutFanwatch *fw = f->fw;
	const gchar *path = f->path;
	Pending *w = open_event(fw, path);
	Pending *r;
	struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	guint64 s1;

	(void)data;
	g_assert_cmpint(fw_decide_opener(fw, &w->ev), ==, FW_VERDICT_ALLOW);
	s1 = w->ev.pending_seq;
	g_assert_cmpuint(s1, !=, 0);
	g_assert_cmpuint(c->on_inode, ==, s1);
	rewrite(path, "plain notes, written through the write-only open\n");
	g_assert_cmpint(utimensat(AT_FDCWD, path, ts, 0), ==, 0);
	c->classify_as = FUT_FANWATCH_CLASS_III;
	fw_learn(fw, &w->ev);
	g_assert_cmpuint(w->ev.pending_seq, ==, s1); /* left to its event's end */
	g_assert_cmpuint(c->on_inode, ==, s1);

	/* The read back, before the writer's event ended. */
	r = open_event(fw, path);
	g_assert_cmpint(fw_decide_opener(fw, &r->ev), ==, FW_VERDICT_ALLOW);
	g_assert_cmpuint(r->ev.pending_seq, ==, 0);
	g_assert_cmpuint(c->settled_below, >, s1);
	g_assert_cmpuint(c->on_inode, ==, 0);
	fw_pending_done(r);
	fw_pending_done(w);
	g_assert_cmpuint(c->resolved->len, >=, 1);
	{
		Resolution *last = &g_array_index(c->resolved, Resolution, c->resolved->len - 1);
		g_assert_cmpuint(last->seq, ==, s1);
		g_assert_cmpuint(last->file_class, ==, FUT_FANWATCH_CLASS_II);
	}

	/* A newer version's number comes from the bound on: a later rewrite's open gets a
	 * number no settle with an earlier bound drops. */
	{
		guint64 bound = c->settled_below;
		Pending *n;

		rewrite(path, "a third version, longer than the second one was\n");
		g_assert_cmpint(utimensat(AT_FDCWD, path, ts, 0), ==, 0);
		n = open_event(fw, path);
		g_assert_cmpint(fw_decide_opener(fw, &n->ev), ==, FW_VERDICT_ALLOW);
		g_assert_cmpuint(n->ev.pending_seq, >=, bound);
		on_settled(n->ev.fd, bound, c);
		g_assert_cmpuint(c->on_inode, ==, n->ev.pending_seq);
		fw_pending_done(n);
	}
}

/* What cannot be decided is Class II: the classifier fails. */
static void
test_classifier_fails(Fixture *f, gconstpointer data)
{
	Calls *c = &f->c;
	FutFanwatch *fw = f->fw;
	const gchar *path = f->path;
	Pending *p = open_event(fw, path);
	guint64 seq;

	c->classify_fails = TRUE;
	g_assert_cmpint(fw_decide_opener(fw, &p->ev), ==, FW_VERDICT_ALLOW);
	seq = p->ev.pending_seq;
	g_assert_cmpuint(seq, !=, 0);
	fw_learn(fw, &p->ev);
	assert_resolved_all(c, seq, FUT_FANWATCH_CLASS_II);
	fw_pending_done(p);
	g_assert_cmpuint(c->resolved->len, ==, 1);
}

/* A number already resolved as Class II (an event of the version ended before the learner
 * came to another one carrying it) is resolved again when the learner finds the content
 * stricter (Class I): only a repeat that says nothing new is left out. */
static void
test_stricter_again(Fixture *f, gconstpointer data)
{
	Calls *c = &f->c;
	FutFanwatch *fw = f->fw;
	const gchar *path = f->path;
	Pending *a = open_event(fw, path);
	Pending *b = open_event(fw, path);
	guint64 seq;

	g_assert_cmpint(fw_decide_opener(fw, &a->ev), ==, FW_VERDICT_ALLOW);
	g_assert_cmpint(fw_decide_opener(fw, &b->ev), ==, FW_VERDICT_ALLOW);
	seq = a->ev.pending_seq;
	g_assert_cmpuint(b->ev.pending_seq, ==, seq);
	fw_pending_done(a); /* not learnt: Class II */
	g_assert_cmpuint(c->resolved->len, ==, 1);
	c->classify_as = FUT_FANWATCH_CLASS_I;
	fw_learn(fw, &b->ev);
	g_assert_cmpuint(c->resolved->len, ==, 2);
	g_assert_cmpuint(g_array_index(c->resolved, Resolution, 0).file_class, ==,
	                 FUT_FANWATCH_CLASS_II);
	g_assert_cmpuint(g_array_index(c->resolved, Resolution, 1).seq, ==, seq);
	g_assert_cmpuint(g_array_index(c->resolved, Resolution, 1).file_class, ==,
	                 FUT_FANWATCH_CLASS_I);
	fw_pending_done(b);
	g_assert_cmpuint(c->resolved->len, ==, 2);
}

/* Fail closed: a pending mark the taint layer cannot take denies the open, with a reason. */
static void
test_mark_refused(Fixture *f, gconstpointer data)
{
	Calls *c = &f->c;
	FutFanwatch *fw = f->fw;
	const gchar *path = f->path;
	Pending *p = open_event(fw, path);

	c->refuse = TRUE;
	g_assert_cmpint(fw_decide_opener(fw, &p->ev), ==, FW_VERDICT_DENY);
	g_assert_true(p->ev.record);
	g_assert_nonnull(p->ev.reason);
	g_assert_cmpuint(p->ev.pending_seq, ==, 0);
	fw_pending_done(p);
	g_assert_cmpuint(c->resolved->len, ==, 0);
}

/* Not regular files: no number. An upload program's open is decided by classification
 * before its answer, never pending. */
static void
test_not_pending(Fixture *f, gconstpointer data)
{
	Calls *c = &f->c;
	FutFanwatch *fw = f->fw;
	const gchar *path = f->path;
	Pending *p = open_event(fw, "/dev/null");

	g_assert_cmpint(fw_decide_opener(fw, &p->ev), ==, FW_VERDICT_ALLOW);
	g_assert_cmpuint(p->ev.pending_seq, ==, 0);
	fw_pending_done(p);
	p = open_event(fw, path);
	p->ev.upload = TRUE;
	g_assert_cmpint(fw_decide_opener(fw, &p->ev), ==, FW_VERDICT_WORK);
	g_assert_cmpuint(p->ev.pending_seq, ==, 0);
	g_assert_cmpuint(c->pending->len, ==, 0);
	g_free(p->ev.path);
	p->ev.path = NULL;
	fw_pending_done(p);
}

/* The table alone: same version same number, a new version a new one, take only exactly
 * that version, forget by number, and a full table starts afresh (numbers stay unique). */
/* An upload program (a browser: never tainted itself) opens a file whose content is Class
 * III but which the kernel's taint layer knows as a copy of Class II content (cp of a
 * labelled file, base64): refused as a Class II file, with a reason that says why, both when
 * the content is classified now and when its class is cached. With no mark, the open goes
 * (and is not refused for the mark of another file). */
static void
test_upload_taint_raised(Fixture *f, gconstpointer data)
{
	Calls *c = &f->c;
	FutFanwatch *fw = f->fw;
	Pending *p;

	(void)data;
	c->classify_as = FUT_FANWATCH_CLASS_III;
	c->taint_class = FUT_FANWATCH_CLASS_II;
	for (int round = 0; round < 2; round++) {
		p = open_event(fw, f->path);
		p->ev.upload = TRUE;
		p->ev.pid = getpid();
		p->ev.exe = g_strdup("/usr/bin/firefox-esr");
		if (round == 0) {
			/* not known yet: a worker classifies it */
			g_assert_cmpint(fw_decide_opener(fw, &p->ev), ==, FW_VERDICT_WORK);
			g_assert_false(fw_decide_slow(fw, &p->ev));
		} else {
			g_assert_cmpint(fw_decide_opener(fw, &p->ev), ==, FW_VERDICT_DENY);
		}
		g_assert_cmpuint(p->ev.file_class, ==, FUT_FANWATCH_CLASS_II);
		g_assert_true(p->ev.tainted_copy);
		g_assert_cmpint(p->ev.kind, ==, FUT_FANWATCH_RECORD_DENIED);
		g_assert_nonnull(strstr(p->ev.reason, "kernel taint"));
		g_assert_false(p->ev.mark);
		fw_pending_done(p);
	}
	g_assert_cmpuint(c->classified, ==, 1);
	g_assert_cmpuint(c->taint_asked, ==, 2);

	c->taint_class = 0;
	p = open_event(fw, f->path);
	p->ev.upload = TRUE;
	p->ev.pid = getpid();
	p->ev.exe = g_strdup("/usr/bin/firefox-esr");
	g_assert_cmpint(fw_decide_opener(fw, &p->ev), ==, FW_VERDICT_ALLOW);
	g_assert_cmpuint(p->ev.file_class, ==, FUT_FANWATCH_CLASS_III);
	g_assert_false(p->ev.tainted_copy);
	fw_pending_done(p);
}

static void
test_seq_table(void)
{
	FwSeqTable *t = fw_seq_table_new(2);
	Ident a = {1, 10, 5, 100, 100};
	Ident a2 = {1, 10, 6, 200, 200};
	Ident b = {1, 11, 5, 100, 100};
	Ident c = {2, 10, 5, 100, 100};
	guint64 sa, sa2, sb, sc;

	sa = fw_seq_table_assign(t, &a);
	g_assert_cmpuint(sa, !=, 0);
	g_assert_cmpuint(fw_seq_table_assign(t, &a), ==, sa);
	sa2 = fw_seq_table_assign(t, &a2);
	g_assert_cmpuint(sa2, >, sa);
	g_assert_cmpuint(fw_seq_table_size(t), ==, 1);
	g_assert_cmpuint(fw_seq_table_take(t, &a), ==, 0); /* the old version is gone */
	sb = fw_seq_table_assign(t, &b);
	g_assert_cmpuint(fw_seq_table_size(t), ==, 2);
	sc = fw_seq_table_assign(t, &c); /* full: starts afresh */
	g_assert_cmpuint(fw_seq_table_size(t), ==, 1);
	g_assert_cmpuint(sc, >, sb);
	g_assert_cmpuint(fw_seq_table_assign(t, &b), >, sc);
	fw_seq_table_forget(t, sc);
	g_assert_cmpuint(fw_seq_table_take(t, &c), ==, 0);
	g_assert_cmpuint(fw_seq_table_take(t, &b), !=, 0);
	g_assert_cmpuint(fw_seq_table_size(t), ==, 0);
	fw_seq_table_forget(t, 12345); /* unknown: nothing */
	/* Resolutions: news once per class, again only when stricter; and the number goes. */
	sa = fw_seq_table_assign(t, &a);
	g_assert_true(fw_seq_table_resolving(t, sa, FUT_FANWATCH_CLASS_II));
	g_assert_cmpuint(fw_seq_table_take(t, &a), ==, 0);
	g_assert_false(fw_seq_table_resolving(t, sa, FUT_FANWATCH_CLASS_II));
	g_assert_false(fw_seq_table_resolving(t, sa, FUT_FANWATCH_CLASS_III));
	g_assert_true(fw_seq_table_resolving(t, sa, FUT_FANWATCH_CLASS_I));
	g_assert_false(fw_seq_table_resolving(t, sa, FUT_FANWATCH_CLASS_I));
	g_assert_false(fw_seq_table_resolving(t, sa, FUT_FANWATCH_CLASS_II));
	/* Bounded by the table's size (2): forgetting only repeats a resolution. */
	g_assert_true(fw_seq_table_resolving(t, 900, FUT_FANWATCH_CLASS_III));
	g_assert_true(fw_seq_table_resolving(t, 901, FUT_FANWATCH_CLASS_III));
	g_assert_true(fw_seq_table_resolving(t, 902, FUT_FANWATCH_CLASS_III));
	g_assert_false(fw_seq_table_resolving(t, 902, FUT_FANWATCH_CLASS_III));
	fw_seq_table_free(t);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/fanwatch/pending/open-then-learn", Fixture, "secret\n", fixture_set_up,
	           test_open_then_learn, fixture_tear_down);
	g_test_add("/fanwatch/pending/versions", Fixture, "one\n", fixture_set_up, test_versions,
	           fixture_tear_down);
	g_test_add("/fanwatch/pending/rewritten-before-learn", Fixture, "roster: Class I content\n",
	           fixture_set_up, test_rewritten_before_learn, fixture_tear_down);
	g_test_add("/fanwatch/pending/read-back-after-write", Fixture, "", fixture_set_up,
	           test_read_back_after_write, fixture_tear_down);
	g_test_add("/fanwatch/pending/classifier-fails", Fixture, "garbage\n", fixture_set_up,
	           test_classifier_fails, fixture_tear_down);
	g_test_add("/fanwatch/pending/mark-refused", Fixture, "x\n", fixture_set_up,
	           test_mark_refused, fixture_tear_down);
	g_test_add("/fanwatch/pending/not-pending", Fixture, "x\n", fixture_set_up,
	           test_not_pending, fixture_tear_down);
	g_test_add("/fanwatch/pending/stricter-again", Fixture, "x\n", fixture_set_up,
	           test_stricter_again, fixture_tear_down);
	g_test_add("/fanwatch/pending/upload-taint-raised", Fixture, "public notice\n",
	           fixture_set_up, test_upload_taint_raised, fixture_tear_down);
	g_test_add_func("/fanwatch/pending/seq-table", test_seq_table);
	return g_test_run();
}
