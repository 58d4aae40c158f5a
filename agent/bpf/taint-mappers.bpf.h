/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Part of taint.bpf.c: processes with more shared writable file mappings than their slots,
 * and tracers that may write into a process's mappings: the files such a process (its mapper
 * identity) maps are noted in overflow_files, the marks it takes are kept in mapper_marks,
 * and a file's readers take them at its next read or mapping. Maps in taint-common.bpf.h.
 * Included once, by taint.bpf.c only, after taint-flow.bpf.h (which calls in here through
 * the declarations at its top). */
#pragma once

/* The current process (@t) as mapper_marks and overflow_files know it. */
static __always_inline struct fut_mapper
mapper_of(struct task_struct *t)
{
	struct fut_mapper me = {};

	me.tgid = (__u32)t->tgid;
	me.start = t->group_leader->start_time;
	return me;
}

/* A process (@s, its shared_maps) which has files in overflow_files (its shared_maps
 * overflowed, or its parent's did: s->mapper) took a mark (@m): mapper_marks keeps it for
 * their readers (take_mapper_marks()). Returns 1 when it could not be kept (the map full), for
 * the agent to be asked. Global: verified once. */
__noinline int
note_mapper_mark(struct fut_shared_maps *s, const struct fut_taint_mark *m)
{
	struct fut_taint_mark v, *o;
	struct fut_mapper me;
	int added;

	if (m == 0 || !overflow_used)
		return 0;
	if (s == 0 || !s->overflow || s->mapper.tgid == 0)
		return 0;
	me = s->mapper;
	v = *m;
	v.flags = 0;
	mirror_owed(&v);
	o = lookup_or_add(&mapper_marks, &me, &v, &added);
	if (added)
		return 0;
	if (o == 0)
		return 1;
	merge_mark(o, &v);
	return 0;
}

/* A regular file about to be read or mapped (an LSM hook) that a process mapped shared and
 * writable beyond its slots (overflow_files): the marks its mappers hold now (mapper_marks)
 * go to its inode first. The entry stays: a mapper may take more later. */
static __noinline void
take_mapper_marks(struct inode *inode)
{
	struct fut_taint_inode key;
	struct fut_overflow_file *o;
	struct fut_taint_mark acc = {}, *mm;
	struct fut_mapper who;
	int i, any = 0;

	if (inode == 0)
		return;
	key = inode_id(inode);
	o = bpf_map_lookup_elem(&overflow_files, &key);
	if (o == 0)
		return;
#pragma unroll
	for (i = 0; i < FUT_MAPPERS; i++) {
		who = o->who[i];
		if (who.tgid == 0)
			continue;
		mm = bpf_map_lookup_elem(&mapper_marks, &who);
		if (mm != 0)
			any |= merge_marks(&acc, mm);
	}
	/* (readers of the file's mappings find these by its number: overflow_files) */
	if (any)
		mark_inode_only(inode, &acc);
}

/* Notes process @who (a mapper_marks key) in overflow_files as one whose marks file @key
 * takes at its next read or mapping. Returns 1 when it cannot be noted (the map full, or
 * FUT_MAPPERS others noted there). Global: verified once. */
__noinline int
note_file_mapper(struct fut_taint_inode *key, struct fut_mapper *who)
{
	struct fut_overflow_file *o, fresh = {};
	struct fut_taint_inode k;
	struct fut_mapper me;
	int i, added;

	if (key == 0 || who == 0 || key->ino == 0 || who->tgid == 0)
		return 0;
	/* on the stack: 6.1 takes map keys and values from nothing else */
	k = *key;
	k.pad = 0;
	me = *who;
	overflow_used = 1; /* before the entry: a read never misses it */
	fresh.who[0] = me;
	o = lookup_or_add(&overflow_files, &k, &fresh, &added);
	if (added) {
		__sync_fetch_and_add(&counters.shared_overflow, 1);
		return 0;
	}
	if (o == 0)
		return 1;
#pragma unroll
	for (i = 0; i < FUT_MAPPERS; i++)
		if (o->who[i].tgid == me.tgid && o->who[i].start == me.start)
			return 0;
#pragma unroll
	for (i = 0; i < FUT_MAPPERS; i++) {
		if (o->who[i].tgid == 0) {
			o->who[i] = me;
			return 0;
		}
	}
	return 1;
}

/* Process @tracer may now write into @tracee's memory whenever it likes, asking no hook
 * (ptrace attach and PTRACE_POKEDATA; process_vm_writev and /proc/PID/mem ask at each call
 * or at the open): what it stores at an address where @tracee maps a file shared and
 * writable goes into the file. So the marks @tracer takes from now on must reach those files,
 * also while @tracee, stopped, makes no decision: @tracer joins @tracee's mapper identity
 * (shared_maps.mapper, made now if @tracee has none), each file noted in @tracee's slots is
 * noted under it in overflow_files, and @tracer is flagged as a process whose marks go to
 * mapper_marks (shared_maps.overflow), as one that mapped beyond its slots. A file @tracee
 * maps while traced is noted so too (lsm/mmap_file). What @tracer holds already flows at
 * this check (flow_between(), then merge_into_task() owes @tracee's files). Refused
 * (-ENOMEM) when it cannot be noted; refused (-EPERM) when @tracer already writes its marks
 * under another identity and @tracee has files beyond its slots noted under its own. */
static __always_inline int
trace_shared_files(struct task_struct *tracer, struct task_struct *tracee)
{
	struct task_struct *tl = tracer->group_leader, *pl = tracee->group_leader;
	struct fut_taint_mark *pm, *tm;
	struct fut_shared_maps *sp, *st;
	struct fut_mapper me;
	int i, lost = 0;

	if ((__u32)BPF_CORE_READ(tracer, tgid) == agent_tgid)
		return 0;
	pm = bpf_task_storage_get(&task_marks, pl, 0, 0);
	if (pm == 0 || !(pm->flags & FUT_TAINT_TASK_SHARED_FILE))
		return 0;
	tm = bpf_task_storage_get(&task_marks, tl, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	st = bpf_task_storage_get(&shared_maps, tl, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	sp = bpf_task_storage_get(&shared_maps, pl, 0, 0);
	if (tm == 0 || st == 0 || sp == 0)
		return -ENOMEM;
	if (st->mapper.tgid == 0) {
		if (sp->mapper.tgid == 0) {
			sp->mapper.tgid = (__u32)pl->tgid;
			sp->mapper.start = pl->start_time;
		}
		st->mapper = sp->mapper;
	}
	if (sp->overflow &&
	    (st->mapper.tgid != sp->mapper.tgid || st->mapper.start != sp->mapper.start))
		return -EPERM;
	me = st->mapper;
#pragma unroll
	for (i = 0; i < FUT_SHARED_SLOTS; i++)
		lost |= note_file_mapper(&sp->file[i], &me);
	if (lost)
		return -ENOMEM;
	st->overflow = 1;
	tm->flags |= FUT_TAINT_TASK_SHARED_FILE;
	return 0;
}

/* The current process, traced, maps a file shared and writable while it carries no mark
 * (@key): its tracer's marks must reach the file (trace_shared_files()). Returns -ENOMEM
 * when that cannot be noted (the mapping is refused). */
static __always_inline int
note_traced_mapping(struct fut_taint_inode *key)
{
	struct task_struct *t = bpf_get_current_task_btf(), *tracer;
	struct fut_shared_maps *st;
	struct fut_mapper me;

	if (t->ptrace == 0 || key == 0)
		return 0;
	tracer = t->parent;
	if (tracer == 0 || (__u32)BPF_CORE_READ(tracer, tgid) == agent_tgid)
		return 0;
	st = bpf_task_storage_get(&shared_maps, tracer->group_leader, 0, 0);
	if (st == 0 || !st->overflow || st->mapper.tgid == 0)
		return 0; /* a tracer that never met a shared file mapping of this process */
	me = st->mapper;
	return note_file_mapper(key, &me) ? -ENOMEM : 0;
}

/* bpf_find_vma()'s callback for note_overflow_mapping(): the mapping at a noted address is
 * still a shared writable one of a file. */
static long
slot_alive(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	int *alive = data;

	*alive =
	    (vma->vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE) && vma->vm_file != 0;
	return 0;
}

/* The current process (not exempt) maps the regular file @key shared and writable
 * (lsm/mmap_file, before the mapping exists). When every shared_maps slot holds a live
 * mapping (slots whose mapping is gone are freed here: there is no hook at munmap), the file
 * goes into overflow_files with the process, and the process is flagged as overflowed, so
 * that the marks it takes go to mapper_marks: its readers take them there, and nothing is
 * left to the agent's mappings thread, which a user can hold. Returns -ENOMEM when the file
 * cannot be noted (no room): the mapping is refused. */
static __noinline int
note_overflow_mapping(struct fut_taint_inode *key)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_shared_maps *s =
	    bpf_task_storage_get(&shared_maps, t->group_leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	struct fut_mapper me;
	int i, used = 0, alive;

	if (s == 0 || key == 0)
		return -ENOMEM;
#pragma unroll
	for (i = 0; i < FUT_SHARED_SLOTS; i++)
		used += s->addr[i] != 0;
	if (used < FUT_SHARED_SLOTS)
		return 0;
#pragma unroll
	for (i = 0; i < FUT_SHARED_SLOTS; i++) {
		alive = 0;
		if (bpf_find_vma(t, s->addr[i], slot_alive, &alive, 0) == -EBUSY)
			alive = 1; /* cannot look: kept */
		if (!alive) {
			s->addr[i] = 0;
			s->file[i] = (struct fut_taint_inode){};
			used--;
		}
	}
	if (used < FUT_SHARED_SLOTS)
		return 0;
	if (s->mapper.tgid == 0)
		s->mapper = mapper_of(t);
	me = s->mapper;
	s->overflow = 1;
	return note_file_mapper(key, &me) ? -ENOMEM : 0;
}

/* The current process (not exempt, tainted or not) maps file @key shared and writable (an
 * mmap, an mprotect or a SysV shmat): flagged, so that a mark it takes later reaches the file
 * (through its slots, mapper_marks or the agent); a tracer's marks must reach it too, and its
 * address space is one another process may write into (/proc/PID/mem). Returns -ENOMEM when that
 * cannot be noted (no memory for task storage, no room): then it is not mapped. */
static __always_inline int
flag_shared_writer(struct fut_taint_inode *key)
{
	struct fut_taint_mark *t;

	if (key == 0)
		return -ENOMEM;
	t = bpf_task_storage_get(&task_marks, current_leader(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (t == 0)
		return -ENOMEM;
	t->flags |= FUT_TAINT_TASK_SHARED_FILE;
	if (note_traced_mapping(key) != 0)
		return -ENOMEM;
	if (mm_shared_used) {
		__u64 mk = mm_key(bpf_get_current_task_btf());
		struct fut_taint_reached *w = mk != 0 ? bpf_map_lookup_elem(&mm_reached, &mk) : 0;

		if (w != 0)
			w->shared_file = 1;
	}
	return note_overflow_mapping(key);
}

/* A shared writable mapping of file @id (none: a device's) at @addr by a process flagged at
 * its check (flag_shared_writer()): the address is noted for mark_shared_files(), in a free slot or
 * one that held the same address; none free: overflow. */
static __always_inline void
note_shared_slot_id(struct task_struct *t, struct fut_taint_inode id, __u64 addr)
{
	struct fut_taint_mark *m;
	struct fut_shared_maps *s;
	int i, free_slot = -1;

	m = bpf_task_storage_get(&task_marks, t->group_leader, 0, 0);
	if (m == 0 || !(m->flags & FUT_TAINT_TASK_SHARED_FILE))
		return;
	s = bpf_task_storage_get(&shared_maps, t->group_leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (s == 0)
		return; /* no slots at all: mark_shared_files() asks the agent */
	for (i = 0; i < FUT_SHARED_SLOTS; i++) {
		if (s->addr[i] == addr) {
			free_slot = i; /* the address again, maybe another file */
			break;
		}
		if (free_slot < 0 && s->addr[i] == 0)
			free_slot = i;
	}
	if (free_slot >= 0 && free_slot < FUT_SHARED_SLOTS) {
		s->addr[free_slot] = addr;
		s->file[free_slot] = id;
	} else {
		s->overflow = 1;
	}
}

/* note_shared_slot_id() for a mapping of @file: only a regular file carries a mark (a
 * device's mapping owes nothing). */
static __always_inline void
note_shared_slot(struct task_struct *t, struct file *file, __u64 addr)
{
	struct inode *inode = file->f_inode;
	struct fut_taint_inode id = {};

	if (inode != 0 && (inode->i_mode & S_IFMT) == S_IFREG)
		id = inode_id(inode);
	note_shared_slot_id(t, id, addr);
}
