/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Part of taint.bpf.c: content read before the agent classified it (docs/upload-control.md,
 * "Reads before classification"). A mark carries up to FUT_TAINT_PENDING_SLOTS sequence
 * numbers; the agent's verdicts (the resolved map) turn them into taint or drop them when a
 * send is decided; a reader of a file in inode_pending takes its number. Included once, by
 * taint.bpf.c only, after taint-common.bpf.h. */
#pragma once

/* The first pending sequence number of @m, 0 when none. */
static __always_inline __u64
first_pending(const struct fut_taint_mark *m)
{
	int i;

	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++)
		if (m->pending[i] != 0)
			return m->pending[i];
	return 0;
}

/* Applies the agent's verdicts on @m's pending sequence numbers: Class III ones are
 * dropped, Class I/II ones become taint; unresolved ones stay. */
static __always_inline void
resolve_pending(struct fut_taint_mark *m)
{
	struct fut_taint_resolution *r;
	__u64 seq;
	int i;

	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++) {
		seq = m->pending[i];
		if (seq == 0)
			continue;
		r = bpf_map_lookup_elem(&resolved, &seq);
		if (r == 0)
			continue;
		if ((r->file_class == 1 || r->file_class == 2) &&
		    stronger(r->file_class, m->file_class)) {
			if (m->file_class == FUT_TAINT_CLASS_NONE)
				__sync_fetch_and_add(&counters.tainted, 1);
			m->file_class = r->file_class;
			m->origin = r->origin;
		}
		m->pending[i] = 0;
	}
}

/* Adds @seq to @m's pending slots. With no slot free once resolved ones are dropped, the
 * mark becomes Class II of no known file (what cannot be tracked is denied). Returns 1 when
 * @m changed. */
static __always_inline int
add_pending(struct fut_taint_mark *m, __u64 seq)
{
	int i, have_free = 0;

	if (seq == 0)
		return 0;
	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++) {
		if (m->pending[i] == seq)
			return 0;
		if (m->pending[i] == 0)
			have_free = 1;
	}
	if (!have_free)
		resolve_pending(m);
	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++) {
		if (m->pending[i] == 0) {
			m->pending[i] = seq;
			return 1;
		}
	}
	__sync_fetch_and_add(&counters.pending_overflow, 1);
	if (!stronger(2, m->file_class))
		return 0;
	m->file_class = 2;
	m->origin.ino = 0;
	m->origin.dev = 0;
	m->origin.pad = 0;
	return 1;
}

/* In taint-flow.bpf.h. */
static __always_inline void taint_current_from(const struct fut_taint_mark *from, int check_exempt);
static __always_inline void mark_pipe_key(__u64 key, const struct fut_taint_mark *from);

/* A read of a regular file with a pending sequence number (inode_pending): the reader takes
 * it; with @splice, a splice in progress into a pipe passes it to the pipe. */
static __always_inline void
pending_read(struct inode *inode, int splice)
{
	__u64 *seq = bpf_inode_storage_get(&inode_pending, inode, 0, 0);
	struct fut_taint_mark p = {};
	__u64 pid_tgid;
	__u64 *into;

	if (seq == 0 || *seq == 0)
		return;
	if (current_exempt())
		return;
	p.pending[0] = *seq;
	taint_current_from(&p, 0);
	__sync_fetch_and_add(&counters.pending, 1);
	if (!splice)
		return;
	pid_tgid = bpf_get_current_pid_tgid();
	into = bpf_map_lookup_elem(&splicing, &pid_tgid);
	if (into != 0)
		mark_pipe_key(*into, &p);
}
