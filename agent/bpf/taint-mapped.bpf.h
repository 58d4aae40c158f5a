/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Part of taint.bpf.c: readers of file mappings (round 16). A process that maps a file sees
 * what any other process writes into the file later, with no hook of its own (a private
 * mapping too, until it writes a page): "map first, then taint". The file is flagged when
 * the mapping is made (mapped_shared), every mark it takes afterwards is copied by device and
 * inode number (mapped_marks), and the mapping process notes the file (shared_reads) and
 * takes those marks at each decision (current_mark()). Maps in taint-common.bpf.h.
 * Included once, by taint.bpf.c only, after taint-flow.bpf.h (which calls in here through
 * the declarations at its top). */
#pragma once

/* Merges @from into @to without a loop (bpf_find_vma()'s callback may not loop on 6.1): the
 * stronger class; the pending numbers copied into a mark that has none, and a mark that has
 * others already takes Class II instead (what cannot be kept exactly is denied). */
static __always_inline void
merge_unrolled(struct fut_taint_mark *to, const struct fut_taint_mark *from)
{
	int i, mine = 0, theirs = 0, same = 1;

	if (stronger(from->file_class, to->file_class)) {
		to->file_class = from->file_class;
		to->origin = from->origin;
	}
#pragma unroll
	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++) {
		mine |= to->pending[i] != 0;
		theirs |= from->pending[i] != 0;
		same &= to->pending[i] == from->pending[i];
	}
	if (!theirs || same)
		return;
	if (!mine) {
#pragma unroll
		for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++)
			to->pending[i] = from->pending[i];
	} else if (stronger(2, to->file_class)) {
		to->file_class = 2;
		to->origin.dev = 0;
		to->origin.ino = 0;
	}
}

/* A reader's marks (@acc) when what a file it maps holds was lost: at least Class II, with no
 * origin (no approval of one file can cover what is not known). */
static __always_inline void
lost_mark(struct fut_taint_mark *acc)
{
	if (stronger(2, acc->file_class)) {
		acc->file_class = 2;
		acc->origin.dev = 0;
		acc->origin.ino = 0;
	}
}

/* mapped_marks had no room for the mark of a file of @uid: its readers take @uid's marks
 * (lost_owners; mapped_by_owner, which the caller adds the mark to before mapped_gen moves),
 * or every reader Class II when the owner cannot be noted either (mapped_lost). A global
 * function: verified once, not in every hook mirror_by_id() is inlined into (file_permission
 * went past the verifier's million instructions with it inline). */
__noinline int
note_lost_owner(__u32 uid)
{
	__u32 one = 1;

	__sync_fetch_and_add(&counters.mapped_full, 1);
	lost_owners_used = 1;
	if (bpf_map_update_elem(&lost_owners, &uid, &one, BPF_ANY) != 0) {
		__sync_fetch_and_add(&counters.mapped_lost, 1);
		mapped_lost = 1;
	}
	return 0;
}

/* A file mapped by readers (@id, owned by @uid) took a mark, @im: it is copied into
 * mapped_marks, mapped_union and mapped_by_owner, and the readers are told (mapped_gen). */
static __always_inline void
mirror_by_id(struct fut_taint_inode *id, __u32 uid, const struct fut_taint_mark *im)
{
	struct fut_taint_mark *mm, *om;
	int added;

	/* (an inode's mark has no flags: @im goes in as it is) */
	mm = lookup_or_add(&mapped_marks, id, im, &added);
	if (mm != 0)
		merge_unrolled(mm, im);
	else if (!added)
		note_lost_owner(uid);
	merge_unrolled(&mapped_union, im);
	om = lookup_or_add(&mapped_by_owner, &uid, im, &added);
	if (om != 0)
		merge_unrolled(om, im);
	else if (!added)
		mapped_owner_lost = 1;
	__sync_fetch_and_add(&mapped_gen, 1);
}

/* Regular file @inode took a mark, @im (its inode storage, stored before this is called).
 * When a process maps it shared (flagged), the mark is copied for its readers
 * (mirror_by_id()). The locked add before the flag's load orders the mark's store before it:
 * a process flagging the file at the same time either is seen here or sees the mark at its
 * mapping (note_shared_read()). */
static __always_inline void
mirror_mapped_inline(struct inode *inode, const struct fut_taint_mark *im)
{
	struct fut_taint_inode id;
	__u32 *flag;

	if (inode == 0 || (inode->i_mode & S_IFMT) != S_IFREG)
		return;
	__sync_fetch_and_add(&mapped_order, 1);
	flag = bpf_inode_storage_get(&mapped_shared, inode, 0, 0);
	if (flag == 0 || *flag == 0)
		return;
	id = inode_id(inode);
	mirror_by_id(&id, inode->i_uid.val, im);
}

/* A mark owed to a file, or kept for its writable mappers beyond their slots (by device and
 * inode number only: no inode here, tracing programs call this): readers beyond their slots
 * take it (owed_union), readers with the file in a slot find it by the number. */
static __always_inline void
mirror_owed(const struct fut_taint_mark *m)
{
	merge_unrolled(&owed_union, m);
	__sync_fetch_and_add(&mapped_gen, 1);
}

/* The same as a function of its own, for callers whose frame is deep already. */
static __noinline void
mirror_mapped(struct inode *inode, const struct fut_taint_mark *im)
{
	if (inode != 0 && im != 0)
		mirror_mapped_inline(inode, im);
}

/* What file @key (owned by @owner: uid + 1, 0 when not known) holds for its readers: its
 * mirrored marks, or when it has no entry and its owner's marks found no room there, all of
 * that owner's (lost_owners; not known: Class II), a mark a tracing program owes it
 * (owed_files) and the marks of the processes that map it writable beyond their slots
 * (overflow_files, mapper_marks), merged into @acc. */
static __noinline void
marks_of_file(struct fut_taint_inode *key, __u32 owner, struct fut_taint_mark *acc)
{
	struct fut_taint_mark *m;
	struct fut_overflow_file *o;
	int i;

	if (key == 0 || acc == 0)
		return;
	m = bpf_map_lookup_elem(&mapped_marks, key);
	if (m != 0) {
		merge_marks(acc, m);
	} else if (lost_owners_used) {
		__u32 uid = owner - 1;

		if (owner == 0) {
			lost_mark(acc); /* whose file it is is not known */
		} else if (bpf_map_lookup_elem(&lost_owners, &uid) != 0) {
			m = bpf_map_lookup_elem(&mapped_by_owner, &uid);
			if (m != 0)
				merge_marks(acc, m);
			else
				lost_mark(acc); /* the owner's marks found no room either */
		}
	}
	if (owed_count > 0) {
		m = bpf_map_lookup_elem(&owed_files, key);
		if (m != 0)
			merge_marks(acc, m);
	}
	if (!overflow_used)
		return;
	o = bpf_map_lookup_elem(&overflow_files, key);
	if (o == 0)
		return;
	for (i = 0; i < FUT_MAPPERS; i++) {
		struct fut_mapper who = o->who[i];

		if (who.tgid == 0)
			continue;
		m = bpf_map_lookup_elem(&mapper_marks, &who);
		if (m != 0)
			merge_marks(acc, m);
	}
}

/* What the files a process mapped (@s, its shared_reads) got since it last looked, gathered
 * in @s->scratch: returns 1 when the process is to take that (the caller does, with
 * merge_into_task(), in its own frame: the callers' frames are deep). Only when mapped_gen
 * moved, so a decision costs one load otherwise. mapped_gen is read before the files: a mark
 * mirrored meanwhile moves it again and is taken at the next decision. (Tracing programs
 * call this too: no inode storage here. An exempt program is never flagged: its mappings are
 * not noted, and an exec into one drops the flag, lsm/bprm_committed_creds.) */
static __always_inline int
gather_mapped(struct fut_shared_reads *s)
{
	struct fut_taint_mark *acc;
	__u64 gen = *(volatile __u64 *)&mapped_gen;
	int i;

	if (s->seen_gen == gen)
		return 0;
	/* gathered in the storage, not on the stack: the callers' frames are deep */
	acc = &s->scratch;
	*acc = s->held;
	for (i = 0; i < FUT_READ_SLOTS; i++)
		if (s->inode[i] != 0)
			marks_of_file(&s->file[i], s->file_owner[i], acc);
	if (s->overflow) {
		merge_marks(acc, &owed_union);
		if (s->owners_all || mapped_owner_lost) {
			merge_marks(acc, &mapped_union);
		} else {
			for (i = 0; i < FUT_READ_OWNERS; i++) {
				__u32 uid = s->owner[i] - 1;
				struct fut_taint_mark *om;

				if (s->owner[i] == 0)
					continue;
				om = bpf_map_lookup_elem(&mapped_by_owner, &uid);
				if (om != 0)
					merge_marks(acc, om);
			}
		}
	}
	if (mapped_lost)
		lost_mark(acc);
	s->seen_gen = gen;
	if (!has_mark(acc))
		return 0;
	__sync_fetch_and_add(&counters.mapped_pulled, 1);
	return 1;
}

/* gather_mapped() for the current process, then the merge into its mark: global functions,
 * verified once per program, not again at each of the many places current_mark() is inlined
 * (the verifier walks a static one's loops at every call), and two of them, each called from
 * the hook's frame, so that no chain of frames grows past 512 bytes. take_mapped_current()
 * returns 1 when there is something to take; take_mapped_scratch() takes it. */
__noinline int
take_mapped_current(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_shared_reads *s = bpf_task_storage_get(&shared_reads, t->group_leader, 0, 0);

	if (s == 0)
		return 0;
	return gather_mapped(s);
}

__noinline int
take_mapped_scratch(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct task_struct *leader = t->group_leader;
	struct fut_shared_reads *s = bpf_task_storage_get(&shared_reads, leader, 0, 0);
	struct fut_taint_mark *m = bpf_task_storage_get(&task_marks, leader, 0, 0);

	/* merge_into_task() but for the files the process maps writable, which the caller owes
	 * the new mark from its own frame (owe_shared_files() goes two frames deep) */
	if (s == 0 || m == 0 || !merge_marks(m, &s->scratch))
		return 0;
	__sync_fetch_and_add(&counters.flowed, 1);
	if (mm_lookup_all || (m->flags & FUT_TAINT_TASK_MM_SHARED)) {
		__u64 key = (__u64)leader->mm;
		struct fut_taint_mark *sm = key != 0 ? bpf_map_lookup_elem(&mm_marks, &key) : 0;

		if (sm != 0)
			merge_marks(sm, &s->scratch);
	}
	if (m->flags & FUT_TAINT_TASK_SHM_GROUP) {
		int lost;
		struct fut_taint_mark *gm = group_mark(leader, &lost);

		if (gm != 0)
			merge_marks(gm, &s->scratch);
	}
	return (m->flags & FUT_TAINT_TASK_SHARED_FILE) != 0;
}

/* The same for another process, @leader (one whose memory the current process reaches). */
static __noinline int
take_mapped_marks(struct task_struct *leader)
{
	struct fut_shared_reads *s;

	if (leader == 0)
		return 0;
	s = bpf_task_storage_get(&shared_reads, leader, 0, 0);
	if (s == 0)
		return 0;
	return gather_mapped(s);
}

/* @leader's process maps files shared (flagged). */
static __always_inline int
maps_shared(struct task_struct *leader)
{
	struct fut_taint_mark *m = bpf_task_storage_get(&task_marks, leader, 0, 0);

	return m != 0 && (m->flags & FUT_TAINT_TASK_SHARED_READ);
}

/* take_mapped_marks() and the merge current_mark() makes, for another process (@leader):
 * one whose memory the current process reaches. */
static __always_inline void
take_mapped_of(struct task_struct *leader)
{
	struct fut_shared_reads *s;

	if (!maps_shared(leader) || !take_mapped_marks(leader))
		return;
	s = bpf_task_storage_get(&shared_reads, leader, 0, 0);
	if (s != 0)
		merge_into_task(leader, &s->scratch);
}

/* Process @leader reaches into the memory of one that maps files shared (ptrace, a
 * /proc/PID/mem descriptor, process_vm_readv): what is written into those files later is in
 * that memory, and which files the other maps later is not known here, so @leader takes every
 * flagged file's mark (mapped_union) at its decisions from now on, as a process beyond its
 * slots does: too much, never too little. Returns -ENOMEM when it cannot be noted. */
static __noinline int
read_all_mapped(struct task_struct *leader)
{
	struct fut_taint_mark *tm;
	struct fut_shared_reads *s;

	if (leader == 0)
		return 0;
	tm = bpf_task_storage_get(&task_marks, leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (tm == 0)
		return -ENOMEM;
	tm->flags |= FUT_TAINT_TASK_SHARED_READ;
	s = bpf_task_storage_get(&shared_reads, leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (s == 0)
		return -ENOMEM;
	if (!s->overflow || !s->owners_all) {
		s->overflow = 1;
		s->owners_all = 1;
		s->seen_gen = 0;
	}
	return 0;
}

/* Slot @i of @s when nobody maps its file any more (its inode's i_mmap tree is empty, read
 * without trusting the address: an inode freed since reads as unmapped or as another one):
 * its file's marks go into @s->held and the slot is freed. Returns 1 when freed. */
static __always_inline int
reclaim_read_slot(struct fut_shared_reads *s, int i)
{
	struct inode *inode;
	struct rb_node *n;
	struct fut_taint_inode key;

	if (i < 0 || i >= FUT_READ_SLOTS)
		return 0;
	inode = (struct inode *)s->inode[i];
	n = BPF_CORE_READ(inode, i_mapping, i_mmap.rb_root.rb_node);
	if (n != 0)
		return 0;
	key = s->file[i];
	marks_of_file(&key, s->file_owner[i], &s->held);
	s->inode[i] = 0;
	s->file[i] = (struct fut_taint_inode){};
	s->file_owner[i] = 0;
	return 1;
}

/* The current process maps file @id (@addr: its inode's address, @owner: its owner's uid),
 * which an unprivileged user can write (note_shared_read(); sysv_attach() for SysV shared
 * memory): noted in the process's slots. Slots whose file nobody maps any more are freed
 * when none is free, their files' marks kept in the process's storage (held) for its next
 * decision; no slot free: the process takes its files' owners' marks from then on. Returns
 * 0, or -ENOMEM when it cannot be followed (no memory for the storage): then it is not
 * mapped. */
static __always_inline int
note_read_slot(struct fut_taint_inode id, __u64 addr, __u32 owner_uid)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_taint_mark *tm;
	struct fut_shared_reads *s;
	int i, slot = -1;

	tm = bpf_task_storage_get(&task_marks, t->group_leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (tm == 0)
		return -ENOMEM;
	tm->flags |= FUT_TAINT_TASK_SHARED_READ;
	s = bpf_task_storage_get(&shared_reads, t->group_leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (s == 0)
		return -ENOMEM;
	/* a locked add: the caller's flag store is ordered before its load of the mark
	 * (mirror_mapped_inline() orders the other side) */
	__sync_fetch_and_add(&counters.mapped_noted, 1);
	/* Its memory is read by another process: its tracer (PEEKDATA asks no hook), or through
	 * a /proc/PID/mem descriptor (mm_reached: proc_mem_io() makes such a reader take every
	 * flagged file's mark). */
	if (t->ptrace != 0 && t->parent != 0 &&
	    (__u32)BPF_CORE_READ(t->parent, tgid) != agent_tgid &&
	    read_all_mapped(t->parent->group_leader) != 0)
		return -ENOMEM;
	if (mm_shared_used) {
		__u64 key = (__u64)BPF_CORE_READ(t, mm);
		struct fut_taint_reached *w = key != 0 ? bpf_map_lookup_elem(&mm_reached, &key) : 0;

		if (w != 0)
			w->shared_read = 1;
	}
	for (i = 0; i < FUT_READ_SLOTS; i++) {
		if (s->inode[i] == addr && s->file[i].ino == id.ino && s->file[i].dev == id.dev)
			return 0; /* noted already */
		if (slot < 0 && s->inode[i] == 0)
			slot = i;
	}
	if (slot < 0) {
		for (i = 0; i < FUT_READ_SLOTS; i++)
			if (reclaim_read_slot(s, i) && slot < 0)
				slot = i;
		if (slot >= 0)
			s->seen_gen = 0; /* held: taken at the next decision */
	}
	if (slot >= 0 && slot < FUT_READ_SLOTS) {
		s->file[slot] = id;
		s->inode[slot] = addr;
		s->file_owner[slot] = owner_uid + 1;
	} else {
		__u32 owner = owner_uid + 1;
		int have = 0, free_owner = -1;

		if (!s->overflow) {
			s->overflow = 1;
			__sync_fetch_and_add(&counters.mapped_overflow, 1);
		}
		/* it takes its files' owners' marks from now on: what was mirrored before too */
		for (i = 0; i < FUT_READ_OWNERS; i++) {
			have |= s->owner[i] == owner;
			if (free_owner < 0 && s->owner[i] == 0)
				free_owner = i;
		}
		if (!have && free_owner >= 0 && free_owner < FUT_READ_OWNERS)
			s->owner[free_owner] = owner;
		else if (!have)
			s->owners_all = 1;
		s->seen_gen = 0;
	}
	return 0;
}

/* Regular file @inode, which an unprivileged user can write, is being mapped MAP_SHARED by
 * the current process (lsm/mmap_file, before the mapping exists): flagged, so its later marks
 * are copied for its readers, and noted in the process's slots (note_read_slot()); the caller
 * then takes its mark whatever the protection (a PROT_NONE mapping can be made readable by
 * mprotect later). Returns 0, or -ENOMEM when it cannot be followed: then it is not mapped. */
static __noinline int
note_shared_read(struct inode *inode)
{
	__u32 *flag;

	if (inode == 0)
		return 0;
	flag = bpf_inode_storage_get(&mapped_shared, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (flag == 0)
		return -ENOMEM;
	/* before the slot (note_read_slot()'s locked add orders it before the caller's load of
	 * the mark); a flag left set when the slot cannot be noted costs copies, never a leak */
	*flag = 1;
	return note_read_slot(inode_id(inode), (__u64)inode, inode->i_uid.val);
}

/* The current process runs a program whose shared mappings are not followed: an exempt
 * program (never tainted) or an exempt peer ([upload] taint-exempt-peers: a display server
 * maps its clients' buffers, and one tainted by a client's picture would pass the taint to
 * every client; a peer is not tainted by what it receives, and a mapping is a receipt). */
static __always_inline int
current_maps_unfollowed(void)
{
	struct fut_taint_exe *x;

	if (current_exempt())
		return 1;
	x = current_exe();
	return x != 0 && (x->flags & FUT_TAINT_EXE_PEER_EXEMPT);
}

/* Whether a shared mapping of @inode by the current process is followed: a regular file an
 * unprivileged user can write (not root's with no group or other write bit: a POSIX ACL
 * granting anyone write sets the group bits), by a process that is not the agent, an exempt
 * program nor an exempt peer. */
static __always_inline int
shared_read_followed(struct inode *inode)
{
	if ((inode->i_mode & S_IFMT) != S_IFREG)
		return 0;
	if (inode->i_uid.val == 0 && !(inode->i_mode & 0022))
		return 0;
	return !current_maps_unfollowed();
}
