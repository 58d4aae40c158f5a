/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Part of taint.bpf.c: how taint flows: into the reading process, from a tainted writer into
 * files and pipes. Included once, by taint.bpf.c only, after taint-pending.bpf.h. */
#pragma once

/* Merges @from into @to: the stronger class (with its origin) and every pending sequence
 * number. Returns 1 when @to changed. */
static __always_inline int
merge_mark(struct fut_taint_mark *to, const struct fut_taint_mark *from)
{
	int i, changed = 0;

	if (stronger(from->file_class, to->file_class)) {
		to->file_class = from->file_class;
		to->origin = from->origin;
		changed = 1;
	}
	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++)
		changed |= add_pending(to, from->pending[i]);
	return changed;
}

static __always_inline struct fut_taint_mark *
current_mark(void)
{
	struct fut_taint_mark *m = bpf_task_storage_get(&task_marks, current_leader(), 0, 0);

	if (m == 0 || !has_mark(m))
		return 0;
	return m;
}

/* The current process read what @from marks: it is tainted with the stronger class and
 * takes its pending sequence numbers. From tracing programs (@check_exempt 0: inode storage
 * is for LSM programs only) an exempt program may be tainted, but it never passes taint on
 * (the flows check) nor is refused. */
static __always_inline void
taint_current_from(const struct fut_taint_mark *from, int check_exempt)
{
	struct fut_taint_mark *m;
	__u32 before;

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return;
	if (check_exempt && current_exempt())
		return;
	m = bpf_task_storage_get(&task_marks, current_leader(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (m == 0)
		return;
	before = m->file_class;
	merge_mark(m, from);
	/* (A pending resolved on the way counted itself in resolve_pending().) */
	if (before == FUT_TAINT_CLASS_NONE && from->file_class != FUT_TAINT_CLASS_NONE)
		__sync_fetch_and_add(&counters.tainted, 1);
}

static __always_inline void
taint_current(const struct fut_taint_mark *from)
{
	taint_current_from(from, 1);
}

/* A tainted process wrote to @inode (a regular file or a pipe). */
static __always_inline void
mark_inode(struct inode *inode, const struct fut_taint_mark *from)
{
	struct fut_taint_mark *m =
	    bpf_inode_storage_get(&inode_marks, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (m != 0 && merge_mark(m, from))
		__sync_fetch_and_add(&counters.flowed, 1);
}

/* The key of @file's inode in pipe_marks: its device and number. Not its address: a freed
 * pipe's inode memory is reused for the next pipe at once, which would inherit the mark.
 * pipefs numbers come from get_next_ino() and repeat only after 2^32 inodes. */
static __always_inline __u64
inode_key(struct file *file)
{
	__u64 ino = BPF_CORE_READ(file, f_inode, i_ino);
	__u64 dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);

	return (dev << 32) | (ino & 0xffffffff);
}

static __always_inline void
mark_pipe_key(__u64 key, const struct fut_taint_mark *from)
{
	struct fut_taint_mark *m;

	if (key == 0)
		return;
	m = bpf_map_lookup_elem(&pipe_marks, &key);
	if (m != 0) {
		if (merge_mark(m, from))
			__sync_fetch_and_add(&counters.flowed, 1);
		return;
	}
	pipes_used = 1;
	bpf_map_update_elem(&pipe_marks, &key, from, BPF_ANY);
	__sync_fetch_and_add(&counters.flowed, 1);
}

/* One process reaches into another's memory (ptrace, process_vm_writev/readv, /proc/PID/mem):
 * content can go either way, so taint flows both ways between the two thread groups. The
 * agent neither passes nor takes taint. A reach across an exempt program with taint on
 * either side never gets here (taint-net.bpf.h, deny_reach() refused it). */
static __always_inline void
flow_between(struct task_struct *self, struct task_struct *other)
{
	struct task_struct *ls = self->group_leader, *lo = other->group_leader;
	struct fut_taint_mark *ms = bpf_task_storage_get(&task_marks, ls, 0, 0);
	struct fut_taint_mark *mo = bpf_task_storage_get(&task_marks, lo, 0, 0);
	struct fut_taint_mark a = {}, b = {}, *n;
	int has_a = ms != 0 && has_mark(ms), has_b = mo != 0 && has_mark(mo);

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return;
	/* copies: the storage lookups below may create what the other side points into */
	if (has_a)
		a = *ms;
	if (has_b)
		b = *mo;
	if (has_a) {
		n = bpf_task_storage_get(&task_marks, lo, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (n != 0 && merge_mark(n, &a))
			__sync_fetch_and_add(&counters.flowed, 1);
	}
	if (has_b) {
		n = bpf_task_storage_get(&task_marks, ls, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (n != 0 && merge_mark(n, &b))
			__sync_fetch_and_add(&counters.flowed, 1);
	}
}
