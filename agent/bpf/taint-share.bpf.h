/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Part of taint.bpf.c: memory one process shares with another after the check that let it
 * (round 9): a /proc/PID/mem descriptor read and written long after its open, and anonymous
 * shared memory a fork() leaves two address spaces holding. Included once, by taint.bpf.c
 * only, after taint-net.bpf.h. */
#pragma once

#define PROC_SUPER_MAGIC 0x9fa0

/* @file is a /proc/PID/mem or /proc/PID/task/TID/mem: a regular file of procfs named "mem"
 * in a folder named by a number (only procfs makes its files; a bind mount does not change
 * the filesystem an inode is on). Not by its file operations: proc_mem_operations is a
 * static symbol, which libbpf finds in kallsyms, and the agent without CAP_SYSLOG reads
 * zeros there. Two loads for any other regular file. */
static __always_inline int
proc_mem_file(struct file *file, struct inode *inode)
{
	char name[5] = {}, dir[2] = {};

	if (inode->i_sb->s_magic != PROC_SUPER_MAGIC)
		return 0;
	if (bpf_probe_read_kernel_str(name, sizeof name,
	                              BPF_CORE_READ(file, f_path.dentry, d_name.name)) != 4 ||
	    name[0] != 'm' || name[1] != 'e' || name[2] != 'm')
		return 0;
	if (bpf_probe_read_kernel(dir, 1,
	                          BPF_CORE_READ(file, f_path.dentry, d_parent, d_name.name)) != 0)
		return 0;
	return dir[0] >= '1' && dir[0] <= '9';
}

/* A read or write through a /proc/PID/mem descriptor (@mask: MAY_READ, MAY_WRITE): the
 * ATTACH check ran at its open only, long before (ptrace_access_check, where the reached
 * address space was noted and its process flagged: share_mm()); memory moves now. What that
 * address space holds taints the reader; what a writer holds goes into it (its process takes
 * it in at its next decision, current_mark()). Across an exempt program, with taint on
 * either side, refused as at the open. A descriptor opened before the agent loaded reached
 * an address space never noted: not judged (docs/upload-control.md). */
static __always_inline int
proc_mem_io(struct file *file, int mask)
{
	__u64 key = (__u64)BPF_CORE_READ(file, private_data);
	struct fut_taint_mark *sm, *m, copy;
	struct fut_taint_reached *who;
	struct fut_taint_event *e;
	struct dest d = {};

	if (key == 0 || (__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return 0;
	sm = bpf_map_lookup_elem(&mm_marks, &key);
	who = bpf_map_lookup_elem(&mm_reached, &key);
	m = (mask & MAY_WRITE) ? current_mark() : 0;
	/* A tainted writer into a process that maps files shared and writable (who->shared_file)
	 * is refused too: what it writes at such a mapping's address goes into the file, whose
	 * readers no hook here can reach (that process's mark reaches its files only when it
	 * takes it, at its next decision, and a stopped process makes none). */
	if ((sm != 0 && has_mark(sm) && (mask & MAY_READ) && current_exempt()) ||
	    (m != 0 && who != 0 && (who->exempt || who->shared_file))) {
		e = deny_event(FUT_TAINT_EVENT_DENY_PTRACE, m != 0 ? m : sm, &d);
		if (e != 0) {
			e->call = FUT_TAINT_CALL_PTRACE;
			if (who != 0) {
				e->fs_dev = who->tgid;
				__builtin_memcpy(e->target, who->comm, sizeof who->comm);
			}
			bpf_ringbuf_submit(e, 0);
		}
		return -EPERM;
	}
	if ((mask & MAY_READ) && sm != 0 && has_mark(sm)) {
		copy = *sm;
		taint_current(&copy);
	}
	/* a process that maps files shared others write into: what they write later is in the
	 * memory read here (round 16) */
	if ((mask & MAY_READ) && who != 0 && who->shared_read && !current_exempt() &&
	    read_all_mapped(current_leader()) != 0)
		return -ENOMEM;
	if (m != 0 && sm != 0) {
		copy = *m;
		if (merge_mark(sm, &copy))
			__sync_fetch_and_add(&counters.flowed, 1);
	}
	return 0;
}

/* The current process may read and write @other's memory from now on without asking again
 * (a /proc/PID/mem descriptor being opened; the same check stands for process_vm_* and a
 * ptrace attach): @other's address space is noted in mm_marks with what @other holds now,
 * and @other is flagged, so that what it takes in later reaches the address space's mark
 * (taint_current_from(), merge_into_task()), and what is written into it reaches @other
 * (current_mark()); which process it is goes to mm_reached. One that cannot be noted (the
 * maps full) is refused. */
static __always_inline int
share_mm(struct task_struct *other)
{
	__u64 key = mm_key(other);
	struct fut_taint_mark *om, held = {};
	struct fut_taint_reached who = {}, *reached;
	struct fut_taint_exe *xo;

	if (key == 0 || (__u32)BPF_CORE_READ(other, tgid) == agent_tgid)
		return 0;
	om = bpf_task_storage_get(&task_marks, other->group_leader, 0, 0);
	if (om != 0 && has_mark(om))
		held = *om;
	mm_shared_used = 1;
	if (bpf_map_lookup_elem(&mm_marks, &key) == 0 &&
	    bpf_map_update_elem(&mm_marks, &key, &held, BPF_NOEXIST) != 0 &&
	    bpf_map_lookup_elem(&mm_marks, &key) == 0)
		return -ENOMEM;
	reached = bpf_map_lookup_elem(&mm_reached, &key);
	if (reached != 0 && om != 0 && (om->flags & FUT_TAINT_TASK_SHARED_FILE))
		reached->shared_file = 1;
	if (reached != 0 && om != 0 && (om->flags & FUT_TAINT_TASK_SHARED_READ))
		reached->shared_read = 1;
	if (reached == 0) {
		xo = task_exe(other);
		who.tgid = (__u32)BPF_CORE_READ(other, tgid);
		who.exempt = xo != 0 && (xo->flags & FUT_TAINT_EXE_EXEMPT);
		who.shared_file = om != 0 && (om->flags & FUT_TAINT_TASK_SHARED_FILE);
		who.shared_read = om != 0 && (om->flags & FUT_TAINT_TASK_SHARED_READ);
		BPF_CORE_READ_STR_INTO(&who.comm, other, comm);
		if (bpf_map_update_elem(&mm_reached, &key, &who, BPF_NOEXIST) != 0 &&
		    bpf_map_lookup_elem(&mm_reached, &key) == 0)
			return -ENOMEM;
	}
	om = bpf_task_storage_get(&task_marks, other->group_leader, 0,
	                          BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (om == 0)
		mm_lookup_all = 1;
	else
		om->flags |= FUT_TAINT_TASK_MM_SHARED;
	return 0;
}

/* A child made by a process that made anonymous shared memory or shares some (fork(), or a
 * CLONE_VM child until its exec): the child @task shares it too and joins the parent's group, made
 * now if the parent has none (with what the parent holds). Returns 1 when @task joined, 0 when
 * there is nothing to share, -ENOMEM when the group cannot be noted (the fork is refused: it could
 * not be followed). */
static __always_inline int
join_shm_group(struct task_struct *task)
{
	struct task_struct *leader = bpf_get_current_task_btf()->group_leader;
	struct fut_taint_mark *pm = bpf_task_storage_get(&task_marks, leader, 0, 0);
	struct fut_taint_mark held = {};
	__u64 *pg, *cg, g;

	if (pm == 0 || !(pm->flags & (FUT_TAINT_TASK_SHM_MAKER | FUT_TAINT_TASK_SHM_GROUP)) ||
	    (__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return 0;
	if (pm->flags & FUT_TAINT_TASK_SHM_GROUP) {
		/* Its group, also when the entry was evicted: its members take Class II. */
		pg = bpf_task_storage_get(&shm_groups, leader, 0, 0);
		if (pg == 0 || *pg == 0)
			return -ENOMEM;
		g = *pg;
	} else {
		g = ((__u64)bpf_get_prandom_u32() << 32) | bpf_get_prandom_u32();
		if (g == 0)
			g = 1;
		if (has_mark(pm))
			held = *pm;
		held.flags = 0;
		if (bpf_map_update_elem(&group_marks, &g, &held, BPF_NOEXIST) != 0)
			return -ENOMEM;
		pg = bpf_task_storage_get(&shm_groups, leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (pg == 0)
			return -ENOMEM;
		*pg = g;
		pm = bpf_task_storage_get(&task_marks, leader, 0, 0);
		if (pm == 0)
			return -ENOMEM;
		pm->flags |= FUT_TAINT_TASK_SHM_GROUP;
	}
	cg = bpf_task_storage_get(&shm_groups, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (cg == 0)
		return -ENOMEM;
	*cg = g;
	return 1;
}
