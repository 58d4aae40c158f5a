/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Part of taint.bpf.c: SysV shared memory (round 17). shmat(2) maps a segment's file into the
 * process without the mmap_file check (do_shmat() calls do_mmap() itself), and what one
 * process stores there another reads with no hook at all: before this part, a tainted process
 * that attached a segment and copied a Class II file into it, and an untainted one that
 * attached the same segment and sent what it found, got the file out. The segment's file
 * (its shmem inode) is only reachable here through an untrusted pointer (shmid_kernel), so
 * the segment is followed by its device and inode number (its IPC id, sysv_id()): its readers are
 * noted in their shared_reads slots as for a file mapping (taint-mapped.bpf.h) and take its marks
 * from mapped_marks, where a tainted writer's shmat puts its mark, and where mark_shared_vma()
 * copies the mark of a writer tainted after it attached (sysv_shm_file()). Included once, by
 * taint.bpf.c only, after taint-pipe.bpf.h: it holds programs (SEC) as well as helpers. */
#pragma once

/* The current process attaches the segment whose file is @ino on @dev (@addr: its inode's
 * address, @owner: its inode's owner, who made the segment), @writable unless SHM_RDONLY
 * (or, from lsm/file_mprotect, made accessible later): as lsm/mmap_file does for a file
 * mapping. A reader is noted in its slots (not an exempt program nor peer: their mappings
 * are not followed) and takes what the segment holds now (not an exempt peer: a receipt); an
 * exempt program is refused a marked segment; a writable attachment by a tainted process copies its
 * mark for the segment's readers, and flags the process so that what it takes later reaches the
 * segment too (its slot, noted when shmat returns, fexit/do_shmat). Returns 0 or the refusal. */
static __noinline int
sysv_attach(__u64 ino, __u32 dev, __u64 addr, __u32 owner, int writable)
{
	struct fut_taint_inode id = sysv_id(ino, dev);
	struct fut_taint_mark acc = {};
	struct fut_taint_mark *m;
	int r, unfollowed;

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return 0;
	unfollowed = current_maps_unfollowed();
	if (!unfollowed) {
		r = note_read_slot(id, addr, owner);
		if (r != 0)
			return r;
	}
	marks_of_file(&id, owner + 1, &acc);
	if (mapped_lost)
		lost_mark(&acc); /* a copy that did not fit: whatever it was, denied */
	if (has_mark(&acc)) {
		if (current_exempt_program() || traced_by_exempt())
			return decide_exempt_read(&acc, 0);
		/* An exempt peer is not tainted by what it receives, and a segment a client hands
		 * it is a receipt: the X server attaches its clients' MIT-SHM segments, and one
		 * tainted by a tainted client's picture would pass the taint to every client. */
		if (!unfollowed)
			taint_current(&acc);
	}
	if (!writable || current_exempt())
		return 0;
	m = current_mark();
	if (m != 0) {
		acc = *m;
		acc.flags = 0;
		mirror_by_id(&id, owner, &acc);
	}
	return flag_shared_writer(&id);
}

/* shmat(2), before the segment is mapped: its file is read from shmid_kernel, which
 * kern_ipc_perm begins (shm_perm is its first member). A segment whose file cannot be read
 * is refused (what cannot be followed is not mapped). */
SEC("lsm/shm_shmat")
int
BPF_PROG(fut_shm_shmat, struct kern_ipc_perm *perm, char *shmaddr, int shmflg, int ret)
{
	struct shmid_kernel *shp = (struct shmid_kernel *)perm;
	struct inode *inode;

	if (ret != 0)
		return ret;
	inode = BPF_CORE_READ(shp, shm_file, f_inode);
	if (inode == 0)
		return -ENOMEM;
	return sysv_attach(BPF_CORE_READ(inode, i_ino), BPF_CORE_READ(inode, i_sb, s_dev),
	                   (__u64)inode, BPF_CORE_READ(inode, i_uid.val), !(shmflg & SHM_RDONLY));
}

/* bpf_find_vma()'s callback for fexit/do_shmat: the segment attached at the address. */
static long
vma_file_id(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct fut_taint_inode *id = data;
	struct file *file = vma->vm_file;

	if (file != 0 && file->f_inode != 0 && sysv_shm_file(file, file->f_inode))
		*id = sysv_id(file->f_inode->i_ino, file->f_inode->i_sb->s_dev);
	return 0;
}

/* shmat(2) returned: a writable attachment by a process flagged at its check
 * (flag_shared_writer()) is noted at its address for mark_shared_files(), as fexit/vm_mmap_pgoff
 * does for mmap. An address space whose lock is busy leaves the file unknown in the slot:
 * mark_shared_files() still finds the mapping by its address. */
SEC("fexit/do_shmat")
int
BPF_PROG(fut_do_shmat_exit,
         int shmid,
         char *shmaddr,
         int shmflg,
         unsigned long *raddr,
         unsigned long shmlba,
         long ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_taint_inode id = {};
	__u64 addr = 0;

	if (ret != 0 || (shmflg & SHM_RDONLY))
		return 0;
	if (bpf_probe_read_kernel(&addr, sizeof addr, raddr) != 0 || addr == 0)
		return 0;
	bpf_find_vma(t, addr, vma_file_id, &id, 0);
	note_shared_slot_id(t, id, addr);
	return 0;
}
