/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Part of taint.bpf.c: how taint flows: into the reading process, from a tainted writer into
 * files and pipes. Included once, by taint.bpf.c only, after taint-pending.bpf.h. */
#pragma once

/* In taint-mapped.bpf.h (included after this part): readers of shared file mappings. */
static __always_inline void mirror_mapped_inline(struct inode *inode,
                                                 const struct fut_taint_mark *im);
static __noinline void mirror_mapped(struct inode *inode, const struct fut_taint_mark *im);
static __always_inline void mirror_owed(const struct fut_taint_mark *m);
static __always_inline void
mirror_by_id(struct fut_taint_inode *id, __u32 uid, const struct fut_taint_mark *im);
__noinline int take_mapped_current(void);
__noinline int take_mapped_scratch(void);

/* In taint-mappers.bpf.h (included after this part): processes whose shared writable
 * mappings overflowed their slots, and their readers. */
__noinline int note_mapper_mark(struct fut_shared_maps *s, const struct fut_taint_mark *m);
static __noinline void take_mapper_marks(struct inode *inode);

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

/* Process @pid, which has files mapped shared and writable since before it carried a mark,
 * took one in (@m, its mark now): the agent marks those files
 * (FUT_TAINT_EVENT_SHARED_FILES). A notice the ring buffer has no room for is counted as
 * dropped, and the agent writes a gap record. */
static __always_inline void
notice_shared_files_of(__u32 pid, const struct fut_taint_mark *m)
{
	struct fut_taint_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (e == 0) {
		__sync_fetch_and_add(&counters.dropped, 1);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = FUT_TAINT_EVENT_SHARED_FILES;
	e->pid = pid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->file_class = m->file_class;
	e->origin = m->origin;
	bpf_get_current_comm(e->comm, sizeof e->comm);
	bpf_ringbuf_submit(e, 0);
}

/* The same for the current process. */
static __always_inline void
notice_shared_files(const struct fut_taint_mark *m)
{
	notice_shared_files_of((__u32)(bpf_get_current_pid_tgid() >> 32), m);
}

/* Whether @m is the mark the shared mapped files last took (@s); noted as taken when it is
 * not. Compared whole, unrolled (no loop): a sum of the pending numbers could come out equal
 * for two different sets, and the file would miss the new one. */
static __always_inline int
shared_applied(struct fut_shared_maps *s, const struct fut_taint_mark *m)
{
	int i, same = s->applied_class == m->file_class;

#pragma unroll
	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++)
		same &= s->applied_pending[i] == m->pending[i];
	if (same)
		return 1;
	s->applied_class = m->file_class;
#pragma unroll
	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++)
		s->applied_pending[i] = m->pending[i];
	return 0;
}

/* Whether the current process's mark @m holds something its shared mapped files have not
 * been given yet; notes it as given. Keeps a process that takes the same mark again and again
 * (a reader of a marked pipe) from filling the ring buffer with notices. */
static __always_inline int
shared_files_new(const struct fut_taint_mark *m)
{
	struct fut_shared_maps *s =
	    bpf_task_storage_get(&shared_maps, current_leader(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	return s == 0 || !shared_applied(s, m);
}

struct shared_vma_ctx {
	struct fut_taint_mark mark;
	int has_pending;
};

/* bpf_find_vma()'s callback: the mapping found is still shared, writable and of a regular
 * file: its inode takes the mark. No loop here (6.1's verifier refuses a loop in a callback:
 * "back-edge"): the pending numbers are copied unrolled into an inode that has none, and an
 * inode that has some already takes Class II instead (as a mark with no free slot does). */
static long
mark_shared_vma(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct shared_vma_ctx *c = data;
	struct file *file = vma->vm_file;
	struct inode *inode;
	struct fut_taint_mark *im;
	int i, busy = 0;

	if ((vma->vm_flags & (VM_SHARED | VM_WRITE)) != (VM_SHARED | VM_WRITE) || file == 0)
		return 0;
	inode = file->f_inode;
	if (inode == 0 || (inode->i_mode & S_IFMT) != S_IFREG)
		return 0;
	im = bpf_inode_storage_get(&inode_marks, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (im == 0)
		return 0;
	if (stronger(c->mark.file_class, im->file_class)) {
		im->file_class = c->mark.file_class;
		im->origin = c->mark.origin;
	}
	if (c->has_pending) {
#pragma unroll
		for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++)
			busy |= im->pending[i] != 0;
		if (!busy) {
#pragma unroll
			for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++)
				im->pending[i] = c->mark.pending[i];
		} else if (stronger(2, im->file_class)) {
			im->file_class = 2;
			im->origin.dev = 0;
			im->origin.ino = 0;
		}
	}
	__sync_fetch_and_add(&counters.flowed, 1);
	/* A SysV segment's readers attached with no mmap_file check to flag it (shmat): they
	 * find its marks by its own key (taint-sysv.bpf.h), where its marks always go. */
	if (sysv_shm_file(file, inode)) {
		struct fut_taint_inode sid = sysv_id(inode->i_ino, inode->i_sb->s_dev);

		mirror_by_id(&sid, inode->i_uid.val, im);
		return 0;
	}
	mirror_mapped_inline(inode, im);
	return 0;
}

/* merge_mark() as a global function: verified once, for callers that merge in a loop. */
__noinline int
merge_marks(struct fut_taint_mark *to, const struct fut_taint_mark *from)
{
	if (to == 0 || from == 0)
		return 0;
	return merge_mark(to, from);
}

__noinline int owe_file(struct fut_taint_inode *key, const struct fut_taint_mark *m);

/* mark_shared_vma() on the mapping at @addr of @t: bpf_find_vma()'s answer (-EBUSY: its
 * address space's lock busy). FUTARI_TEST_FIND_VMA_BUSY (a test knob the agent reads before
 * it loads this, tests/e2e scenario 22) makes every look busy without looking. */
static __always_inline long
mark_shared_at(struct task_struct *t, __u64 addr, struct shared_vma_ctx *c)
{
	if (test_find_vma_busy)
		return -EBUSY;
	return bpf_find_vma(t, addr, mark_shared_vma, c, 0);
}

/* The current process, which mapped files shared and writable while it carried no mark,
 * took one in (@m, its mark now): each file still mapped at a noted address takes it now,
 * before the read that brought it returns. A mapping that cannot be looked at (its address
 * space's lock busy: this is a mapping call itself, or another thread of the process holds
 * the lock, which a process can make happen at will) owes its file the mark instead
 * (owe_file(): taken at the file's next read or mapping), as a tracing program's taint does;
 * only a debt that cannot be noted (owed_files full) is left to the agent, with more mappings
 * than slots beyond what mapper_marks keeps. */
static __noinline void
mark_shared_files(const struct fut_taint_mark *m)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_shared_maps *s = bpf_task_storage_get(&shared_maps, t->group_leader, 0, 0);
	struct shared_vma_ctx c = {};
	int i, missed = 0;

	c.mark = *m;
	c.mark.flags = 0;
	if (s == 0) {
		notice_shared_files(m);
		return;
	}
	if (shared_applied(s, m))
		return; /* nothing new since the files took the mark */
#pragma unroll
	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++)
		c.has_pending |= m->pending[i] != 0;
#pragma unroll
	for (i = 0; i < FUT_SHARED_SLOTS; i++) {
		__u64 addr = s->addr[i];

		if (addr != 0 && mark_shared_at(t, addr, &c) == -EBUSY)
			missed |= owe_file(&s->file[i], m);
	}
	if (s->overflow)
		missed |= note_mapper_mark(s, m);
	if (missed || s->overflow)
		notice_shared_files(m);
}

/* One file of owe_shared_files(): @key owes @m. Returns 1 when the debt could not be noted
 * (the map full), for the agent to be asked. A global function: the verifier checks it once,
 * not once per caller and call (the tracing programs that reach it were near its limit). */
__noinline int
owe_file(struct fut_taint_inode *key, const struct fut_taint_mark *m)
{
	struct fut_taint_mark *o, v;
	struct fut_taint_inode k;
	int added;

	if (key == 0 || m == 0 || key->ino == 0)
		return 0;
	/* on the stack: 6.1 takes map keys and values from nothing else */
	k = *key;
	k.pad = 0;
	v = *m;
	v.flags = 0; /* a process's flags are not a file's */
	/* A SysV segment (sysv_id()): no inode ever takes a debt (no hook reads a segment's
	 * inode storage), its readers look it up by number: its mark goes where they look
	 * (mapped_marks), not into owed_files, which would hold it for good (round 18: before,
	 * owed_count stayed above 0 and every later read of a file paid a lookup). With
	 * mapped_marks full (its owner is not known here for lost_owners) it is owed after all:
	 * readers look owed_files up too, and the agent cannot mark a segment. */
	if (k.ino >> 63) {
		o = lookup_or_add(&mapped_marks, &k, &v, &added);
		if (o != 0 || added) {
			if (o != 0)
				merge_mark(o, &v);
			mirror_owed(&v); /* readers beyond their slots; then mapped_gen moves */
			__sync_fetch_and_add(&counters.shared_owed, 1);
			__sync_fetch_and_add(&counters.shared_owed_taken, 1); /* settled at once */
			return 0;
		}
	}
	/* counted before the entry can exist (a read never misses it), taken back if none came */
	__sync_fetch_and_add(&owed_count, 1);
	o = lookup_or_add(&owed_files, &k, &v, &added);
	mirror_owed(&v);
	if (added) {
		__sync_fetch_and_add(&counters.shared_owed, 1);
		return 0;
	}
	__sync_fetch_and_add(&owed_count, -1);
	if (o == 0)
		return 1;
	merge_mark(o, &v);
	return 0;
}

/* Process @pid (@s, its shared_maps), which mapped files shared and writable while it
 * carried no mark, took one where its mappings cannot be looked at (@m, its mark now): in a
 * tracing program (no inode storage, no bpf_find_vma() of use there), or from another
 * process (merge_into_task(): a tracer, a process_vm_writev(), a browser it fed). Each file
 * noted at its mmap is owed the mark (owed_files), and takes it at its next read or mapping,
 * before that reader gets a byte (take_owed()); so what the process stores into it (or what
 * another process writes into its memory there) is never read unmarked, whatever the agent is
 * doing. A file noted but no longer mapped is owed the mark all the same (marked too much,
 * never too little). No slots, more mappings than slots, or no room for a debt: the agent is
 * asked too, as before. Global, as owe_file(). */
__noinline int
owe_shared_files(struct fut_shared_maps *s, const struct fut_taint_mark *m, __u32 pid)
{
	int i, lost = 0;

	if (m == 0)
		return 0;
	if (s == 0) {
		notice_shared_files_of(pid, m);
		return 0;
	}
	/* (owe_file() copies both to its stack: the caller's is nearly full) */
#pragma unroll
	for (i = 0; i < FUT_SHARED_SLOTS; i++)
		lost |= owe_file(&s->file[i], m);
	if (s->overflow)
		lost |= note_mapper_mark(s, m);
	if (lost || s->overflow)
		notice_shared_files_of(pid, m);
	return 0;
}

/* The key of @t's address space in mm_marks (0: a kernel thread, none). */
static __always_inline __u64
mm_key(struct task_struct *t)
{
	return (__u64)BPF_CORE_READ(t, mm);
}

/* The mark of the shared memory group of @leader's process (flagged
 * FUT_TAINT_TASK_SHM_GROUP), or NULL with *@lost set when the group's entry is gone. */
static __always_inline struct fut_taint_mark *
group_mark(struct task_struct *leader, int *lost)
{
	__u64 *g = bpf_task_storage_get(&shm_groups, leader, 0, 0);
	struct fut_taint_mark *gm = 0;

	if (g != 0 && *g != 0)
		gm = bpf_map_lookup_elem(&group_marks, g);
	*lost = gm == 0;
	return gm;
}

/* Merges @from into the mark of @leader's process, making one if it has none; a change is
 * counted as a flow. A process whose address space is shared or reached (flagged) passes it
 * on to that address space's mark too, as taint_current_from() does. @from must not point
 * into task storage (copy it first: making a mark may move what such a pointer points into). */
static __always_inline void
merge_into_task(struct task_struct *leader, const struct fut_taint_mark *from)
{
	struct fut_taint_mark *m =
	    bpf_task_storage_get(&task_marks, leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (m == 0 || !merge_mark(m, from))
		return;
	__sync_fetch_and_add(&counters.flowed, 1);
	/* Its files mapped shared and writable while it carried nothing owe the new mark: what
	 * it took may already be in its memory there (a tracer's or process_vm_writev()'s write
	 * reaches the file with no hook of the file's). */
	if (m->flags & FUT_TAINT_TASK_SHARED_FILE) {
		struct fut_shared_maps *s = bpf_task_storage_get(&shared_maps, leader, 0, 0);

		/* (direct loads, not BPF_CORE_READ: no stack for a copy, the frame is deep) */
		if (s == 0 || !shared_applied(s, m))
			owe_shared_files(s, m, (__u32)leader->tgid);
	}
	if (mm_lookup_all || (m->flags & FUT_TAINT_TASK_MM_SHARED)) {
		__u64 key = (__u64)leader->mm;
		struct fut_taint_mark *sm = key != 0 ? bpf_map_lookup_elem(&mm_marks, &key) : 0;

		if (sm != 0)
			merge_mark(sm, from);
	}
	if (m->flags & FUT_TAINT_TASK_SHM_GROUP) {
		int lost;
		struct fut_taint_mark *gm = group_mark(leader, &lost);

		if (gm != 0)
			merge_mark(gm, from);
	}
}

/* The mark of the process tracing thread @t (ptrace), when it has one, or NULL. ptrace's
 * reads and writes of a tracee's memory (PTRACE_PEEKDATA, POKEDATA, SETREGS) ask the LSM
 * nothing after the attach, where flow_between() carried what each side held then; what
 * either side takes in later flows while the tracer stays attached (taint_current_from() one
 * way, current_mark() the other). */
static __always_inline struct fut_taint_mark *
tracer_mark(struct task_struct *t)
{
	struct task_struct *tracer;
	struct fut_taint_mark *m;

	if (t->ptrace == 0)
		return 0;
	tracer = t->parent;
	if (tracer == 0)
		return 0;
	m = bpf_task_storage_get(&task_marks, tracer->group_leader, 0, 0);
	if (m == 0 || !has_mark(m))
		return 0;
	return m;
}

/* Thread @t is traced by a process that holds taint: the taint flows into @t's process (the
 * tracer may have written what it holds into its memory). */
static __always_inline void
take_tracer_mark(struct task_struct *t)
{
	struct fut_taint_mark *tm = tracer_mark(t), copy;

	if (tm == 0 || (__u32)BPF_CORE_READ(t, tgid) == agent_tgid)
		return;
	copy = *tm;
	merge_into_task(t->group_leader, &copy);
}

/* What another process sharing the current one's address space took in flows into the
 * current process. */
static __always_inline void
take_mm_mark(struct task_struct *t)
{
	__u64 key = mm_key(t);
	struct fut_taint_mark *sm, copy;

	if (key == 0 || (__u32)BPF_CORE_READ(t, tgid) == agent_tgid)
		return;
	sm = bpf_map_lookup_elem(&mm_marks, &key);
	if (sm == 0 || !has_mark(sm))
		return;
	copy = *sm;
	merge_into_task(t->group_leader, &copy);
}

/* What another process sharing anonymous memory with @t's process took in flows into it;
 * a group whose entry is gone is taken as Class II (what it held is not known). */
static __always_inline void
take_group_mark(struct task_struct *t)
{
	struct fut_taint_mark *gm, copy = {};
	int lost;

	if ((__u32)BPF_CORE_READ(t, tgid) == agent_tgid)
		return;
	gm = group_mark(t->group_leader, &lost);
	if (gm == 0)
		copy.file_class = 2;
	else if (!has_mark(gm))
		return;
	else
		copy = *gm;
	merge_into_task(t->group_leader, &copy);
}

/* The current process's mark, with its tracer's, its shared file mappings', its shared
 * address space's and its shared memory group's taken in first; NULL when it carries nothing. */
static __always_inline struct fut_taint_mark *
current_mark(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_taint_mark *m;

	if (t->ptrace != 0)
		take_tracer_mark(t);
	m = bpf_task_storage_get(&task_marks, t->group_leader, 0, 0);
	if (m != 0 && (m->flags & FUT_TAINT_TASK_SHARED_READ) && take_mapped_current()) {
		/* its mark changed, and it maps files writable: they owe the new mark */
		if (take_mapped_scratch()) {
			struct fut_shared_maps *s =
			    bpf_task_storage_get(&shared_maps, t->group_leader, 0, 0);

			m = bpf_task_storage_get(&task_marks, t->group_leader, 0, 0);
			if (m != 0 && (s == 0 || !shared_applied(s, m)))
				owe_shared_files(s, m, (__u32)(bpf_get_current_pid_tgid() >> 32));
		}
		m = bpf_task_storage_get(&task_marks, t->group_leader, 0, 0);
	}
	if (mm_lookup_all || (m != 0 && (m->flags & FUT_TAINT_TASK_MM_SHARED))) {
		take_mm_mark(t);
		m = bpf_task_storage_get(&task_marks, t->group_leader, 0, 0);
	}
	if (m != 0 && (m->flags & FUT_TAINT_TASK_SHM_GROUP)) {
		take_group_mark(t);
		m = bpf_task_storage_get(&task_marks, t->group_leader, 0, 0);
	}

	if (m == 0 || !has_mark(m))
		return 0;
	return m;
}

/* The current thread is traced: what it just took in (@from) flows into its tracer, which
 * can read this process's memory without asking the LSM again. */
static __always_inline void
taint_tracer(const struct fut_taint_mark *from)
{
	struct task_struct *t = bpf_get_current_task_btf(), *tracer;
	struct fut_taint_mark copy;

	if (t->ptrace == 0)
		return;
	tracer = t->parent;
	if (tracer == 0 || (__u32)BPF_CORE_READ(tracer, tgid) == agent_tgid)
		return;
	copy = *from; /* @from may be the current process's mark */
	merge_into_task(tracer->group_leader, &copy);
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
	/* (merge_mark()'s result is not used here: using it made a loop 6.1's verifier
	 * refused, "back-edge"; mark_shared_files() sees for itself what is new) */
	if ((m->flags & FUT_TAINT_TASK_SHARED_FILE) && check_exempt)
		mark_shared_files(m);
	else if ((m->flags & FUT_TAINT_TASK_SHARED_FILE) && shared_files_new(m))
		/* tracing programs have no inode storage: owed_files */
		owe_shared_files(bpf_task_storage_get(&shared_maps, current_leader(), 0, 0), m,
		                 (__u32)(bpf_get_current_pid_tgid() >> 32));
	/* (A pending resolved on the way counted itself in resolve_pending().) */
	if (before == FUT_TAINT_CLASS_NONE && from->file_class != FUT_TAINT_CLASS_NONE)
		__sync_fetch_and_add(&counters.tainted, 1);
	taint_tracer(from);
	if (mm_lookup_all || (m->flags & FUT_TAINT_TASK_MM_SHARED)) {
		__u64 key = mm_key(bpf_get_current_task_btf());
		struct fut_taint_mark *sm = key != 0 ? bpf_map_lookup_elem(&mm_marks, &key) : 0;

		if (sm != 0 && merge_mark(sm, from))
			__sync_fetch_and_add(&counters.flowed, 1);
	}
	if (m->flags & FUT_TAINT_TASK_SHM_GROUP) {
		int lost;
		struct fut_taint_mark *gm = group_mark(current_leader(), &lost);

		if (gm != 0 && merge_mark(gm, from))
			__sync_fetch_and_add(&counters.flowed, 1);
	}
}

static __always_inline void
taint_current(const struct fut_taint_mark *from)
{
	taint_current_from(from, 1);
}

/* @inode takes @from; returns 1 when its mark changed. Not told to its mapping readers:
 * mark_inode() does that, or the caller. */
static __always_inline int
mark_inode_only(struct inode *inode, const struct fut_taint_mark *from)
{
	struct fut_taint_mark *m =
	    bpf_inode_storage_get(&inode_marks, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (m == 0 || !merge_mark(m, from))
		return 0;
	__sync_fetch_and_add(&counters.flowed, 1);
	return 1;
}

/* A tainted process wrote to @inode (a regular file or a pipe). */
static __always_inline void
mark_inode(struct inode *inode, const struct fut_taint_mark *from)
{
	struct fut_taint_mark *m;

	if (!mark_inode_only(inode, from))
		return;
	m = bpf_inode_storage_get(&inode_marks, inode, 0, 0);
	if (m != 0)
		mirror_mapped(inode, m);
}

/* A regular file about to be read or mapped (an LSM hook): a mark a tracing program owed it
 * (owe_shared_files()) goes to its inode first; returns 1 when there was one, and the caller
 * tells the file's mapping readers, then drops the debt (drop_owed()): a reader looking the
 * file up by number in between finds the one or the other. (A debt added to the same entry
 * between the copy and the drop would be lost: a window of a few instructions, on two CPUs
 * at once, documented in docs/upload-control.md.) Two functions, so that mirror_mapped() is
 * called from the hook's frame, not a third one deep. */
static __noinline int
take_owed_inode(struct inode *inode)
{
	struct fut_taint_inode key;
	struct fut_taint_mark *o, copy;

	if (inode == 0)
		return 0;
	key = inode_id(inode);
	o = bpf_map_lookup_elem(&owed_files, &key);
	if (o == 0)
		return 0;
	copy = *o;
	mark_inode_only(inode, &copy);
	return 1;
}

static __noinline void
drop_owed(struct inode *inode)
{
	struct fut_taint_inode key;

	if (inode == 0)
		return;
	key = inode_id(inode);
	if (bpf_map_delete_elem(&owed_files, &key) == 0) {
		__sync_fetch_and_add(&owed_count, -1);
		__sync_fetch_and_add(&counters.shared_owed_taken, 1);
	}
}

static __always_inline void
take_owed(struct inode *inode)
{
	if (owed_count > 0 && take_owed_inode(inode)) {
		struct fut_taint_mark *m = bpf_inode_storage_get(&inode_marks, inode, 0, 0);

		if (m != 0)
			mirror_mapped(inode, m);
		drop_owed(inode);
	}
	if (overflow_used)
		take_mapper_marks(inode);
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
	struct fut_taint_mark a = {}, b = {};
	int has_a = ms != 0 && has_mark(ms), has_b = mo != 0 && has_mark(mo);

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return;
	/* copies: the storage lookups below may create what the other side points into */
	if (has_a)
		a = *ms;
	if (has_b)
		b = *mo;
	if (has_a)
		merge_into_task(lo, &a);
	if (has_b)
		merge_into_task(ls, &b);
}
