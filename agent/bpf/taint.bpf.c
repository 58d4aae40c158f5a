// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel side of upload control's second layer (DESIGN §6, docs/upload-control.md):
 * BPF LSM programs that taint a process reading a Class I/II file and refuse a tainted
 * process's connects and sends to the network. The agent (agent/taint.c) fills the maps:
 * which inodes are classified, which executables are exempt (browsers and mail clients stay
 * on fanotify's deny-at-open), which approvals are active; denials come back through the ring
 * buffer. Built with clang for CO-RE against a vmlinux.h generated from the build machine's
 * BTF; relocated by libbpf against the running kernel's.
 *
 * One object, in parts: taint-common.bpf.h (maps, shared helpers), taint-pending.bpf.h
 * (content not classified yet), taint-flow.bpf.h (taint into readers, files and pipes),
 * taint-mapped.bpf.h (readers of shared file mappings made before the file was marked),
 * taint-net.bpf.h (sends, approvals, receivers), taint-share.bpf.h (memory shared after the check);
 * the programs (hooks) are here. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define __FUT_BPF__
#include "taint.h"

char LICENSE[] SEC("license") = "GPL";

#include "taint-common.bpf.h"
#include "taint-pending.bpf.h"
#include "taint-flow.bpf.h"
#include "taint-mappers.bpf.h"
#include "taint-mapped.bpf.h"
#include "taint-net.bpf.h"
#include "taint-share.bpf.h"
#include "taint-pipe.bpf.h"
#include "taint-sysv.bpf.h"

SEC("lsm/file_permission")
int
BPF_PROG(fut_file_permission, struct file *file, int mask, int ret)
{
	struct inode *inode;
	struct fut_taint_mark *m;
	__u32 fmt;

	if (ret != 0)
		return ret;
	inode = file->f_inode;
	if (inode == 0)
		return 0;
	fmt = inode->i_mode & S_IFMT;
	/* An answer written to /dev/fuse by a FUSE filesystem's server. */
	if (fmt == S_IFCHR)
		return (mask & MAY_WRITE) && inode->i_rdev == FUSE_DEVICE ? fuse_reply(file) : 0;
	/* Only regular files and pipes carry marks, and only they and sockets pass taint on: a
	 * read or write of anything else (a terminal, an eventfd, a directory) returns here,
	 * before any map lookup or helper call. */
	if (fmt != S_IFREG && fmt != S_IFIFO && fmt != S_IFSOCK)
		return 0;
	if (fmt == S_IFREG && proc_mem_file(file, inode))
		return proc_mem_io(file, mask);
	/* A socket's read taints in socket_recvmsg: its inode is never marked. */
	if ((mask & MAY_READ) && fmt != S_IFSOCK) {
		if (fmt == S_IFREG)
			take_owed(inode);
		m = bpf_inode_storage_get(&inode_marks, inode, 0, 0);
		if ((m == 0 || !has_mark(m)) && fmt == S_IFIFO && pipes_used) {
			__u64 key = inode_key(file);
			m = bpf_map_lookup_elem(&pipe_marks, &key);
		}
		if (fmt == S_IFREG && fuse_servers_used) {
			int r = fuse_server_read(file, m != 0 && has_mark(m) ? m : 0);

			if (r != 0)
				return r;
		}
		/* A browser or mail client (or a process one traces) reading a marked file or
		 * pipe. Its read of a pipe is noted first: data a tainted writer puts in while
		 * the read blocks is refused at that write (decide_exempt_feed()). */
		if ((fmt == S_IFIFO || (m != 0 && has_mark(m))) &&
		    (current_exempt_program() || traced_by_exempt())) {
			if (fmt == S_IFIFO)
				note_exempt_reader(inode_key(file));
			if (m != 0 && has_mark(m))
				return decide_exempt_read(m, file);
		}
		if (m != 0 && has_mark(m)) {
			__u64 pid_tgid = bpf_get_current_pid_tgid();
			__u64 *into;

			taint_current(m);
			/* Read inside a splice into a pipe: mark the pipe before any data moves;
			 * a pipe a browser reads gets nothing marked (refused here). */
			into = bpf_map_lookup_elem(&splicing, &pid_tgid);
			if (into != 0 && !current_exempt()) {
				struct dest none = {};
				int r = decide_exempt_feed(m, *into, &none);

				if (r != 0)
					return r;
				mark_pipe_key(*into, m);
			}
		}
		if (fmt == S_IFREG)
			pending_read(inode, 1);
	}
	if (!(mask & MAY_WRITE))
		return 0;
	take_fed_mark();
	m = current_mark();
	if (fmt == S_IFSOCK) {
		/* write()/sendfile()/splice() to a socket: struct socket sits before its inode
		 * (struct socket_alloc). sendfile and splice to a socket never reach
		 * socket_sendmsg (sendpage). */
		struct socket *sock =
		    (void *)((char *)inode - bpf_core_field_offset(struct socket_alloc, vfs_inode));
		struct sock *sk = BPF_CORE_READ(sock, sk);
		struct dest d = {};
		int r = 0;

		if (sk == 0)
			return 0;
		dest_from_sock(sk, &d);
		if (m != 0)
			r = decide_send(m, &d, FUT_TAINT_EVENT_DENY_WRITE);
		/* A splice from a pipe into an internet socket, loopback too (sendpage carries no
		 * taint to a receiver): refused whoever splices, tainted or not, before it waits
		 * for the pipe's writer (docs/upload-control.md). */
		if (r == 0 && (d.family == AF_INET || d.family == AF_INET6) && splicing_from_pipe())
			r = deny_splice(m, &d);
		return r;
	}
	if (fmt == S_IFREG && splice_waits_used)
		splice_file_pending(inode);
	if (m == 0)
		return 0;
	if (fmt == S_IFREG && remote_fs(inode)) {
		int r = decide_remote_write(m, file, FUT_TAINT_CALL_WRITE);

		if (r != 0)
			return r;
	}
	if (fmt == S_IFREG || fmt == S_IFIFO) {
		if (!current_exempt()) {
			if (fmt == S_IFIFO) {
				struct dest none = {};
				__u64 key = inode_key(file);
				int r = decide_exempt_feed(m, key, &none);

				if (r != 0)
					return r;
				mark_pipe_key(key, m);
			}
			mark_inode(inode, m);
		}
		return 0;
	}
	return 0;
}

/* A mapping of regular file @file (@inode) that can be read: its mark taints the process, an
 * exempt program is refused a marked file, content not classified yet makes it pending. */
static __noinline int
map_read(struct file *file, struct inode *inode)
{
	struct fut_taint_mark *m;

	take_owed(inode);
	m = bpf_inode_storage_get(&inode_marks, inode, 0, 0);
	if (fuse_servers_used) {
		int r = fuse_server_read(file, m != 0 && has_mark(m) ? m : 0);

		if (r != 0)
			return r;
	}
	if (m != 0 && has_mark(m) && (current_exempt_program() || traced_by_exempt()))
		return decide_exempt_read(m, file);
	/* An exempt peer is not tainted by what it receives, and memory a client hands it (a
	 * memfd or anonymous shared memory: files of the kernel's internal mounts) is a receipt:
	 * the X server maps its clients' MIT-SHM buffers, and one tainted by a tainted client's
	 * picture would pass the taint to every client (round 17; a file the peer opens itself
	 * taints it as before). */
	if (m != 0 && has_mark(m) &&
	    !((inode->i_sb->s_flags & SB_KERNMOUNT) && current_maps_unfollowed()))
		taint_current(m);
	pending_read(inode, 0);
	return 0;
}

/* A shared mapping of regular file @file (@inode) that can be written: a tainted process's
 * stores carry its mark into the file (marked now; refused on a network or FUSE filesystem);
 * an untainted one is flagged so that a mark it takes later reaches the file. */
static __noinline int
map_write_shared(struct file *file, struct inode *inode)
{
	struct fut_taint_mark *m;

	m = current_mark();
	if (m != 0 && remote_fs(inode)) {
		int r = decide_remote_write(m, file, FUT_TAINT_CALL_MMAP);

		if (r != 0)
			return r;
	}
	if (m != 0 && !current_exempt())
		mark_inode(inode, m);
	/* What it takes in later it can store here unseen: flagged, so that a mark it takes
	 * reaches the file; one that cannot be flagged (no memory for task storage) is not
	 * mapped. A tainted one too (round 17: before, a process that carried Class II when it
	 * mapped the file, then read a Class I file and stored it, left the file Class II with
	 * the first file's origin, which an approval of that first file covers). */
	if (!current_exempt() && (__u32)(bpf_get_current_pid_tgid() >> 32) != agent_tgid) {
		struct fut_taint_inode id = inode_id(inode);

		return flag_shared_writer(&id);
	}
	return 0;
}

SEC("lsm/mmap_file")
int
BPF_PROG(fut_mmap_file,
         struct file *file,
         unsigned long reqprot,
         unsigned long prot,
         unsigned long flags,
         int ret)
{
	struct inode *inode;
	struct fut_taint_mark *m;
	int followed;

	if (ret != 0)
		return ret;
	if (file == 0) {
		/* Anonymous: shared with the children fork() makes from here on when
		 * MAP_SHARED (task_alloc); a private mapping is this process's own. */
		__u64 type = flags & 0x0f;

		if ((type == MAP_SHARED || type == MAP_SHARED_VALIDATE) &&
		    (__u32)(bpf_get_current_pid_tgid() >> 32) != agent_tgid) {
			m = bpf_task_storage_get(&task_marks, current_leader(), 0,
			                         BPF_LOCAL_STORAGE_GET_F_CREATE);
			if (m == 0)
				return -ENOMEM; /* could not be followed: not made */
			m->flags |= FUT_TAINT_TASK_SHM_MAKER;
		}
		return 0;
	}
	inode = file->f_inode;
	/* Only regular files carry marks here: a mapping of a device (a GPU's, a frame
	 * buffer) or of anonymous memory returns at once. */
	if (inode == 0 || (inode->i_mode & S_IFMT) != S_IFREG)
		return 0;
	/* What is written into the file later is read here with no hook (round 16): through a
	 * shared mapping, and through a private one too (its pages are the page cache's until
	 * the process writes one); noted first, then its mark is taken whatever the protection. */
	followed = shared_read_followed(inode);
	if (followed) {
		int r = note_shared_read(inode);

		if (r != 0)
			return r;
	}
	/* Any access reads: x86 pages cannot be writable or executable and unreadable. */
	if (followed || (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) {
		int r = map_read(file, inode);

		if (r != 0)
			return r;
	}
	if ((prot & PROT_WRITE) && (flags & MAP_SHARED))
		return map_write_shared(file, inode);
	return 0;
}

/* A mapping made without access (PROT_NONE) and given it later: read from then on, as if it
 * had been mapped so (round 16: before, mmap(PROT_NONE) then mprotect(PROT_READ) read a
 * marked file untainted); a shared one made writable, as if mapped writable. */
SEC("lsm/file_mprotect")
int
BPF_PROG(fut_file_mprotect,
         struct vm_area_struct *vma,
         unsigned long reqprot,
         unsigned long prot,
         int ret)
{
	struct file *file;
	struct inode *inode;
	int r;

	if (ret != 0)
		return ret;
	file = vma->vm_file;
	if (file == 0 || !(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return 0;
	inode = file->f_inode;
	if (inode == 0 || (inode->i_mode & S_IFMT) != S_IFREG)
		return 0;
	/* A SysV segment's attachment: followed by number, as at its shmat */
	if (sysv_shm_file(file, inode)) {
		int w = (prot & PROT_WRITE) && (vma->vm_flags & VM_SHARED);
		__u32 dev = inode->i_sb->s_dev;

		r = sysv_attach(inode->i_ino, dev, (__u64)inode, inode->i_uid.val, w);
		if (r == 0 && w)
			note_shared_slot_id(bpf_get_current_task_btf(), sysv_id(inode->i_ino, dev),
			                    vma->vm_start);
		return r;
	}
	r = map_read(file, inode);
	if (r != 0)
		return r;
	/* A shared mapping made writable: as mmap_file and fexit/vm_mmap_pgoff do for one mapped
	 * so (before, a read-only shared mapping of a descriptor opened for writing, made
	 * writable by mprotect, took stores unseen) */
	if ((prot & PROT_WRITE) && (vma->vm_flags & VM_SHARED)) {
		r = map_write_shared(file, inode);
		if (r != 0)
			return r;
		note_shared_slot(bpf_get_current_task_btf(), file, vma->vm_start);
	}
	return 0;
}

/* A core dump: the kernel writes a dumping process's memory into the core file without any
 * file permission check, so a tainted process that crashes itself (ulimit -c, then SIGSEGV)
 * would leave an unmarked copy of what it read. The file is opened in the dumping thread
 * while its thread group's core_state is set: marked then, before a byte is written. Every
 * other open returns after two loads. A core piped to a helper (systemd-coredump) is
 * followed in fentry/dump_emit below. */
/* A shared writable mapping of a regular file by a process flagged at its mmap_file check
 * (flag_shared_writer()): its address is noted for mark_shared_files(). */
SEC("fexit/vm_mmap_pgoff")
int
BPF_PROG(fut_vm_mmap_pgoff_exit,
         struct file *file,
         unsigned long addr,
         unsigned long len,
         unsigned long prot,
         unsigned long flag,
         unsigned long pgoff,
         unsigned long ret)
{
	if (file == 0 || !(prot & PROT_WRITE) || !(flag & MAP_SHARED) ||
	    ret >= (unsigned long)-4095)
		return 0;
	note_shared_slot(bpf_get_current_task_btf(), file, ret);
	return 0;
}

SEC("lsm/file_open")
int
BPF_PROG(fut_file_open, struct file *file, int ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_taint_mark *m;

	if (ret != 0 || t->signal->core_state == 0)
		return ret;
	m = current_mark();
	if (m != 0 && file->f_inode != 0 && (file->f_inode->i_mode & S_IFMT) == S_IFREG)
		mark_inode(file->f_inode, m);
	return 0;
}

/* A core piped to a helper (core_pattern "|/lib/systemd/systemd-coredump …"): the kernel
 * writes the dumping process's memory into a pipe the helper (root) reads, with no file
 * permission check and no open in the dumping thread. The ELF dumper's first write, the
 * header, goes through dump_emit() before any memory does: a tainted dumper marks the pipe
 * there, so the helper is tainted by its reads (fexit/pipe_read) and so is the core file it
 * writes (and whoever reads that, coredumpctl included). Called only while a core is
 * written. */
SEC("fentry/dump_emit")
int
BPF_PROG(fut_dump_emit, struct coredump_params *cprm, const void *addr, int nr)
{
	struct fut_taint_mark *m;
	struct file *file = cprm->file;

	if (file == 0 || file->f_inode == 0 || (file->f_inode->i_mode & S_IFMT) != S_IFIFO)
		return 0;
	m = current_mark();
	if (m != 0)
		mark_pipe_key(inode_key(file), m);
	return 0;
}

/* usbfs: every transfer to or from a USB device through /dev/bus/usb is an ioctl. */
SEC("lsm/file_ioctl")
int
BPF_PROG(fut_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	struct inode *inode;
	struct fut_taint_mark *m;

	if (ret != 0)
		return ret;
	inode = file->f_inode;
	if (inode == 0 || (inode->i_mode & S_IFMT) != S_IFCHR ||
	    (inode->i_rdev >> 20) != USB_DEVICE_MAJOR)
		return 0;
	m = current_mark();
	if (m == 0)
		return 0;
	return decide_usb_ioctl(m, file);
}

/* The current process reaches into @other's memory: refused across an exempt program,
 * else the taint flows both ways. */
static __always_inline int
reach(struct task_struct *other)
{
	struct task_struct *self = bpf_get_current_task_btf();
	int r = deny_reach(other);

	if (r != 0)
		return r;
	/* what each side's shared mappings got since it last decided, so that the flow
	 * carries it; a stopped process makes no decision of its own */
	take_mapped_of(other->group_leader);
	take_mapped_of(self->group_leader);
	flow_between(self, other);
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid ||
	    (__u32)BPF_CORE_READ(other, tgid) == agent_tgid)
		return 0;
	/* and what is written into those files later, read from the other's memory */
	if (maps_shared(other->group_leader) && read_all_mapped(self->group_leader) != 0)
		return -ENOMEM;
	if (maps_shared(self->group_leader) && read_all_mapped(other->group_leader) != 0)
		return -ENOMEM;
	return 0;
}

/* ptrace attach, process_vm_readv/writev and /proc/PID/mem (at open) ask for ATTACH access;
 * /proc/PID/stat and the like ask only for READ access, which carries no memory and taints
 * nobody (ps and top would be tainted otherwise). */
SEC("lsm/ptrace_access_check")
int
BPF_PROG(fut_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	int r;

	if (ret != 0 || !(mode & PTRACE_MODE_ATTACH))
		return ret;
	r = reach(child);
	if (r != 0 || (__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return r;
	r = trace_shared_files(bpf_get_current_task_btf(), child);
	if (r != 0)
		return r;
	return share_mm(child);
}

/* PTRACE_TRACEME: the current process lets @parent trace it. */
SEC("lsm/ptrace_traceme")
int
BPF_PROG(fut_ptrace_traceme, struct task_struct *parent, int ret)
{
	int r;

	if (ret != 0)
		return ret;
	r = reach(parent);
	if (r != 0)
		return r;
	return trace_shared_files(parent, bpf_get_current_task_btf());
}

/* A tracer lets go of @child (PTRACE_DETACH, the tracer's exit): what the tracer holds now
 * may have been written into @child's memory (POKEDATA, SETREGS ask the LSM nothing), and
 * while attached @child took it in only as it was judged (current_mark()); from here it is
 * @child's own. (The other way, the tracer took what @child read as it read it:
 * taint_tracer().) */
SEC("fentry/__ptrace_unlink")
int
BPF_PROG(fut_ptrace_unlink, struct task_struct *child)
{
	take_tracer_mark(child);
	return 0;
}

/* A child made by fork() or clone() has its parent's mappings at the same addresses. Copied
 * from storage to storage, not through the stack (task_alloc's frame is the largest: what
 * merge_into_task() calls needs room below it); the parent's looked up after the child's is
 * made. */
static __always_inline void
copy_shared_maps(struct task_struct *child)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_shared_maps *s, *n;

	n = bpf_task_storage_get(&shared_maps, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (n == 0)
		return;
	s = bpf_task_storage_get(&shared_maps, t->group_leader, 0, 0);
	if (s != 0)
		__builtin_memcpy(n, s, sizeof(*n));
}

/* The same for the files the parent maps shared (shared_reads): the child reads them too.
 * Returns -ENOMEM when the child's copy cannot be made. */
static __always_inline int
copy_shared_reads(struct task_struct *child)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_shared_reads *s, *n;

	n = bpf_task_storage_get(&shared_reads, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (n == 0)
		return -ENOMEM;
	s = bpf_task_storage_get(&shared_reads, t->group_leader, 0, 0);
	if (s != 0)
		__builtin_memcpy(n, s, sizeof(*n));
	return 0;
}

/* A thread group is gone: its fed_exempt entry goes with it, while its number is still held
 * (no new process can have it yet). Only once the last thread exits (signal->live is 0): a
 * leader that exits first leaves its other threads running the program. */
SEC("tp_btf/sched_process_exit")
int
BPF_PROG(fut_process_exit, struct task_struct *p)
{
	__u32 tgid;

	if (!fed_exempt_used || p->signal == 0 || p->signal->live.counter != 0)
		return 0;
	tgid = (__u32)p->tgid;
	bpf_map_delete_elem(&fed_exempt, &tgid);
	return 0;
}

SEC("lsm/task_alloc")
int
BPF_PROG(fut_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct fut_taint_mark *m, *n, *raw, none = {};
	__u32 shared_file, shared_read, extra;
	int joined;

	if (ret != 0 || (clone_flags & CLONE_THREAD))
		return ret; /* a thread shares its leader's mark */
	/* the parent's shared file mappings are the child's too */
	raw = bpf_task_storage_get(&task_marks, current_leader(), 0, 0);
	shared_file = raw != 0 ? (raw->flags & FUT_TAINT_TASK_SHARED_FILE) : 0;
	shared_read = raw != 0 ? (raw->flags & FUT_TAINT_TASK_SHARED_READ) : 0;
	if (shared_read && copy_shared_reads(task) != 0)
		return -ENOMEM; /* its mappings could not be followed: not made */
	m = current_mark();
	/* vfork(), posix_spawn(), clone(CLONE_VM): the child will run in this address space.
	 * Noted before the child exists, with what the parent holds now, and both are flagged
	 * so their decisions look the address space up. One that cannot be noted (the map
	 * full) is not shared: the clone is refused. A flag that cannot be set (no memory for
	 * task storage) makes every decision look its address space up instead. */
	if ((clone_flags & CLONE_VM) && (__u32)(bpf_get_current_pid_tgid() >> 32) != agent_tgid) {
		struct task_struct *t = bpf_get_current_task_btf();
		__u64 key = mm_key(t);
		struct fut_taint_mark *pm;

		if (key == 0)
			goto copy;
		if (bpf_map_lookup_elem(&mm_marks, &key) == 0) {
			mm_shared_used = 1;
			if (bpf_map_update_elem(&mm_marks, &key, m != 0 ? m : &none, BPF_NOEXIST) !=
			        0 &&
			    bpf_map_lookup_elem(&mm_marks, &key) == 0)
				return -ENOMEM;
		}
		/* The parent's anonymous shared memory is in this address space too: the
		 * child is in its group (until its exec), so that what it writes there while
		 * it runs in it reaches the group's other members at once. */
		joined = join_shm_group(task);
		if (joined < 0)
			return joined;
		pm = bpf_task_storage_get(&task_marks, t->group_leader, 0,
		                          BPF_LOCAL_STORAGE_GET_F_CREATE);
		n = bpf_task_storage_get(&task_marks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (pm == 0 || n == 0)
			mm_lookup_all = 1;
		if (pm != 0)
			pm->flags |= FUT_TAINT_TASK_MM_SHARED;
		if (n != 0) {
			if (m != 0)
				*n = *m;
			n->flags &= ~(FUT_TAINT_TASK_SHM_MAKER | FUT_TAINT_TASK_SHM_GROUP);
			n->flags |= FUT_TAINT_TASK_MM_SHARED | shared_file | shared_read;
			if (shared_file)
				copy_shared_maps(task);
			if (joined)
				n->flags |= FUT_TAINT_TASK_SHM_GROUP;
		}
		return 0;
	}
copy:
	joined = join_shm_group(task);
	if (joined < 0)
		return joined;
	/* (the flags gathered apart from the pointer: clang would OR them with it otherwise,
	 * which the verifier refuses) */
	extra = shared_file | shared_read;
	barrier_var(extra);
	if (m == 0 && !joined && !extra)
		return 0;
	n = bpf_task_storage_get(&task_marks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (n == 0)
		return joined || shared_file || shared_read ? -ENOMEM : 0;
	if (m != 0)
		*n = *m;
	/* its own address space; anonymous shared memory only through the group */
	n->flags &=
	    ~(FUT_TAINT_TASK_MM_SHARED | FUT_TAINT_TASK_SHM_MAKER | FUT_TAINT_TASK_SHM_GROUP);
	if (joined)
		n->flags |= FUT_TAINT_TASK_SHM_GROUP;
	n->flags |= shared_file | shared_read;
	if (shared_file)
		copy_shared_maps(task);
	return 0;
}

/* An exec from a thread that is not its process's leader (round 17): de_thread() makes the
 * exec'ing thread the leader and releases the old one, and with it the task storage the taint
 * sits in, so the new program started clean with whatever the tainted process put in its
 * arguments (python3 read a Class II file and a second thread exec'd curl --data-binary with
 * it: sent). This check runs after the arguments were copied and before de_thread(): the
 * leader's mark, with what it takes in first (current_mark()), is copied into the thread's
 * own storage, where it is found once the thread leads. A copy that cannot be stored refuses
 * the exec. (An exec that fails later leaves the copy on a thread nobody looks up: too much,
 * never too little.) */
SEC("lsm/bprm_creds_for_exec")
int
BPF_PROG(fut_bprm_creds_for_exec, struct linux_binprm *bprm, int ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_taint_mark *m, *n, copy;

	if (ret != 0)
		return ret;
	if (t->pid == t->tgid)
		return 0;
	m = current_mark();
	if (m == 0)
		return 0;
	copy = *m;
	copy.flags = 0; /* the old program's mappings and groups go with it */
	n = bpf_task_storage_get(&task_marks, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (n == 0)
		return -ENOMEM;
	merge_mark(n, &copy);
	return 0;
}

/* An exec replaces the address space: anonymous shared memory is no longer shared. What the
 * group holds is taken in first (a member about to run another program may have read the
 * shared pages since its last decision), then the process leaves the group. */
SEC("lsm/bprm_committed_creds")
int
BPF_PROG(fut_bprm_committed_creds, struct linux_binprm *bprm)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fut_taint_mark *m = bpf_task_storage_get(&task_marks, t->group_leader, 0, 0);

	if (m != 0 && (m->flags & FUT_TAINT_TASK_SHARED_FILE)) {
		struct fut_shared_maps *s =
		    bpf_task_storage_get(&shared_maps, t->group_leader, 0, 0);
		int i;

		/* Its mappings went with the old program. Files noted under its identity in
		 * overflow_files (its own beyond the slots, or a tracee's it may still write into:
		 * trace_shared_files()) keep taking what it takes from now on. */
		if (s != 0 && s->overflow && s->mapper.tgid != 0) {
#pragma unroll
			for (i = 0; i < FUT_SHARED_SLOTS; i++) {
				s->addr[i] = 0;
				s->file[i] = (struct fut_taint_inode){};
			}
		} else {
			m->flags &= ~FUT_TAINT_TASK_SHARED_FILE;
			bpf_task_storage_delete(&shared_maps, t->group_leader);
		}
	}
	/* The files it mapped shared went with the old program, but what it read from them may go
	 * on (its arguments): kept, unless it now runs a program whose mappings are not followed
	 * (an exempt program, never tainted; an exempt peer, taint-mapped.bpf.h). */
	if (m != 0 && (m->flags & FUT_TAINT_TASK_SHARED_READ) && current_maps_unfollowed()) {
		m->flags &= ~FUT_TAINT_TASK_SHARED_READ;
		bpf_task_storage_delete(&shared_reads, t->group_leader);
	}
	if (m == 0 || !(m->flags & (FUT_TAINT_TASK_SHM_MAKER | FUT_TAINT_TASK_SHM_GROUP)))
		return 0;
	if (m->flags & FUT_TAINT_TASK_SHM_GROUP)
		take_group_mark(t);
	m = bpf_task_storage_get(&task_marks, t->group_leader, 0, 0);
	if (m != 0)
		m->flags &= ~(FUT_TAINT_TASK_SHM_MAKER | FUT_TAINT_TASK_SHM_GROUP);
	return 0;
}

/* An address space ends (its last user let go): its mm_marks entry goes with it. */
SEC("fentry/exit_mmap")
int
BPF_PROG(fut_exit_mmap, struct mm_struct *mm)
{
	__u64 key = (__u64)mm;

	if (mm_shared_used) {
		bpf_map_delete_elem(&mm_marks, &key);
		bpf_map_delete_elem(&mm_reached, &key);
	}
	return 0;
}

SEC("lsm/socket_connect")
int
BPF_PROG(fut_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	struct fut_taint_mark *m;
	struct dest d = {};

	if (ret != 0)
		return ret;
	take_fed_mark();
	m = current_mark();
	if (m == 0)
		return 0;
	if (dest_from_sockaddr(address, &d) != 0)
		return -EPERM; /* cannot tell where: fail closed for a tainted process */
	return decide_send(m, &d, FUT_TAINT_EVENT_DENY_CONNECT);
}

SEC("lsm/socket_sendmsg")
int
BPF_PROG(fut_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	struct fut_taint_mark *m;
	struct sock *sk;
	struct dest d = {};
	void *name;
	int r;

	if (ret != 0)
		return ret;
	take_fed_mark();
	m = current_mark();
	if (m == 0)
		return 0;
	sk = sock->sk;
	if (sk == 0)
		return 0;
	name = BPF_CORE_READ(msg, msg_name);
	dest_from_sock(sk, &d);
	if (name != 0 && (d.family == AF_INET || d.family == AF_INET6)) {
		__u16 fam = d.family;

		if (dest_from_sockaddr(name, &d) != 0)
			return -EPERM;
		if (d.family != AF_INET && d.family != AF_INET6)
			d.family = fam; /* AF_UNSPEC etc.: judged on the socket's own peer */
	}
	r = decide_send(m, &d, FUT_TAINT_EVENT_DENY_SEND);
	/* Only what stays on this machine carries taint to a receiver: an approved or exempt
	 * send to the network does not taint whoever answers it. */
	if (r == 0 && !dest_is_network(&d) && !current_exempt())
		r = flow_to_sock(sk, &d, m);
	return r;
}

SEC("lsm/socket_recvmsg")
int
BPF_PROG(fut_socket_recvmsg, struct socket *sock, struct msghdr *msg, int size, int flags, int ret)
{
	if (ret != 0)
		return ret;
	return recv_taint(sock, 1);
}

/* The LSM hook runs before a receive blocks: data a tainted sender adds while the receiver
 * waits is seen only here, after the receive returned it. */
SEC("fexit/sock_recvmsg")
int
BPF_PROG(fut_sock_recvmsg_exit, struct socket *sock, struct msghdr *msg, int flags, int ret)
{
	if (ret > 0)
		(void)recv_taint(sock, 0);
	return 0;
}
