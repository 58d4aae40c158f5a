/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Part of taint.bpf.c: pipes, splice(2), tee(2) and vmsplice(2): a reader waiting on a pipe,
 * data moved between pipes, files and sockets without read() or write(), a splice or tee that
 * waits for its source (pending numbers made here), and a browser fed where no check can
 * refuse (docs/upload-control.md). Included once, by taint.bpf.c only, after
 * taint-share.bpf.h: it holds programs (SEC) as well as helpers. */
#pragma once

/* Adds the pending number @seq to the mark @m (a file's inode storage or a pipe's entry):
 * no free slot, Class II (what cannot be tracked is denied). Loops unrolled: merge_mark()
 * inlined once more into file_permission made Debian 6.1's verifier see a loop closed by a
 * fall-through ("back-edge"), which it refuses. */
static __always_inline void
add_pending_unrolled(struct fut_taint_mark *m, __u64 seq)
{
	int i;

#pragma unroll
	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++)
		if (m->pending[i] == seq)
			return;
#pragma unroll
	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++) {
		if (m->pending[i] == 0) {
			m->pending[i] = seq;
			__sync_fetch_and_add(&counters.flowed, 1);
			return;
		}
	}
	__sync_fetch_and_add(&counters.pending_overflow, 1);
	if (stronger(2, m->file_class)) {
		m->file_class = 2;
		m->origin.ino = 0;
		m->origin.dev = 0;
		m->origin.pad = 0;
	}
}

/* The write check of the file a splice from an unmarked pipe writes into (splice_waits):
 * the file takes the splice's pending number, so a reader before the splice returns is
 * refused its sends until splice_wait_done() resolves it. A function of its own (see
 * add_pending_unrolled()). */
static __noinline int
splice_file_pending(struct inode *inode)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fut_splice_wait *n = bpf_map_lookup_elem(&splice_waits, &pid_tgid);
	struct fut_taint_mark *m;

	if (n == 0 || n->seq == 0 || inode == 0)
		return 0;
	m = bpf_inode_storage_get(&inode_marks, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (m == 0)
		return 0;
	add_pending_unrolled(m, n->seq);
	mirror_mapped(inode, m);
	return 1;
}

/* The same for pipes and FIFOs: the read check (file_permission) runs before a read blocks on
 * an empty pipe, so data a tainted writer puts in while the reader waits is seen only here,
 * after pipe_read (fs/pipe.c, every read(), readv() and io_uring read of a pipe) returned it.
 * The writer marked the pipe in pipe_marks in its write check, before its data went in; the
 * reader is tainted before it can connect or send. */
SEC("fexit/pipe_read")
int
BPF_PROG(fut_pipe_read_exit, struct kiocb *iocb, struct iov_iter *to, ssize_t ret)
{
	struct fut_taint_mark *m;
	struct file *file;
	__u64 key;

	if (ret <= 0 || !pipes_used)
		return 0;
	file = iocb->ki_filp;
	if (file == 0 || file->f_inode == 0)
		return 0;
	key = inode_key(file);
	m = bpf_map_lookup_elem(&pipe_marks, &key);
	if (m != 0 && has_mark(m))
		taint_current_from(m, 0);
	return 0;
}

/* splice(2) moves data between a pipe and a file or socket without read() or write():
 * - from a file into a pipe, only the file's read is checked: the splicer is tainted there,
 *   and the pipe (noted here) is marked in that same check, before data moves;
 * - from a pipe, the pipe's read is not checked at all: a splice from a marked pipe taints
 *   the splicer here, before the write check of its destination (a socket: refused there);
 * - a tainted splicer marks the pipe it splices into here.
 * Tracing programs cannot read inode storage: pipes are looked up in pipe_marks. */
/* A splice or tee from @in to @out: a marked pipe taints the caller, a tainted caller marks
 * the pipe it writes to; with @note, a file read into a pipe marks it (see above). */
static __always_inline void
splice_flow(struct file *in, struct file *out, int note)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fut_taint_mark *m;
	__u64 key;

	if ((__u32)(pid_tgid >> 32) == agent_tgid)
		return;
	if (pipes_used && in != 0 && in->f_inode != 0 &&
	    (in->f_inode->i_mode & S_IFMT) == S_IFIFO) {
		key = inode_key(in);
		m = bpf_map_lookup_elem(&pipe_marks, &key);
		if (m != 0 && has_mark(m))
			taint_current_from(m, 0);
	}
	if (out != 0 && out->f_inode != 0 && (out->f_inode->i_mode & S_IFMT) == S_IFIFO) {
		key = inode_key(out);
		m = current_mark();
		if (m != 0)
			mark_pipe_key(key, m);
		else if (note)
			bpf_map_update_elem(&splicing, &pid_tgid, &key, BPF_ANY);
	}
}

/* A splice from a pipe into a socket: noted on the thread for the socket's write check. */
static __always_inline int
pipe_to_socket(struct file *in, struct file *out)
{
	return in != 0 && in->f_inode != 0 && (in->f_inode->i_mode & S_IFMT) == S_IFIFO &&
	       out != 0 && out->f_inode != 0 && (out->f_inode->i_mode & S_IFMT) == S_IFSOCK;
}

/* The note of a splice from a pipe into a socket could not be made in task storage (out of
 * memory): made in the fallback map, so the splice is refused all the same (fail closed),
 * and counted. Only if that map cannot take it either is the splice judged by taint alone:
 * counted too (futari status --json, taint_splice_note_lost). */
static __always_inline void
note_splice_unnoted(void)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 one = 1;

	splice_unnoted_used = 1; /* before the note: a write check never misses it */
	if (bpf_map_update_elem(&splice_unnoted, &pid_tgid, &one, BPF_ANY) == 0)
		__sync_fetch_and_add(&counters.splice_unnoted, 1);
	else
		__sync_fetch_and_add(&counters.splice_note_lost, 1);
}

/* The pipe @key takes the pending number @seq (a tee or splice into it that may wait, see
 * note_splice_wait()); no free slot: Class II. A function of its own (see
 * add_pending_unrolled()). */
static __noinline int
mark_pipe_pending(__u64 key, __u64 seq)
{
	struct fut_taint_mark *m, fresh = {};
	int added;

	pipes_used = 1; /* before the entry: a reader never misses it */
	fresh.pending[0] = seq;
	m = lookup_or_add(&pipe_marks, &key, &fresh, &added);
	if (added) {
		__sync_fetch_and_add(&counters.flowed, 1);
		return 1;
	}
	if (m == 0)
		return 0;
	add_pending_unrolled(m, seq);
	return 1;
}

/* A splice from an unmarked pipe into a regular file or another pipe, or a tee (pipe to
 * pipe), which may wait for a writer to fill the pipe: noted with a fresh pending number,
 * which a destination pipe takes here and a file at its write check (splice_file_pending()),
 * resolved at the return (splice_wait_done()). */
static __always_inline void
note_splice_wait(struct file *in, struct file *out)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fut_splice_wait n = {};
	__u32 out_fmt;
	__u64 now;

	if (in == 0 || out == 0 || in->f_inode == 0 || out->f_inode == 0)
		return;
	out_fmt = out->f_inode->i_mode & S_IFMT;
	if ((in->f_inode->i_mode & S_IFMT) != S_IFIFO || (out_fmt != S_IFREG && out_fmt != S_IFIFO))
		return;
	if ((__u32)(pid_tgid >> 32) == agent_tgid)
		return;
	n.pipe = inode_key(in);
	/* a pipe marked already has tainted the caller (splice_flow()), which marks the
	 * destination */
	if (pipes_used) {
		struct fut_taint_mark *pm = bpf_map_lookup_elem(&pipe_marks, &n.pipe);

		if (pm != 0 && has_mark(pm))
			return;
	}
	/* unique without an atomic fetch: the time in ns and the CPU; FUT_TAINT_SEQ_SPLICE_WAIT */
	now = bpf_ktime_get_ns();
	n.seq = FUT_TAINT_SEQ_SPLICE_WAIT | ((now & 0x1ffffffffffffULL) << 6) |
	        (bpf_get_smp_processor_id() & 63);
	splice_waits_used = 1; /* before the note: a write check never misses it */
	bpf_map_update_elem(&splice_waits, &pid_tgid, &n, BPF_ANY);
	if (out_fmt == S_IFIFO)
		mark_pipe_pending(inode_key(out), n.seq);
}

/* The call noted by note_splice_wait() returns: its pending number is resolved to what the
 * source pipe carries now (a superset of what it carried when the data moved: marks only
 * grow), Class II when that is still pending on the agent, Class III when the pipe is
 * unmarked. The caller is tainted as by a read of the pipe. */
static __always_inline void
splice_wait_done(void)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fut_splice_wait *n;
	struct fut_taint_resolution r = {};
	struct fut_taint_mark *pm, copy = {};
	__u64 seq, pipe;

	if (!splice_waits_used)
		return;
	n = bpf_map_lookup_elem(&splice_waits, &pid_tgid);
	if (n == 0)
		return;
	seq = n->seq;
	pipe = n->pipe;
	bpf_map_delete_elem(&splice_waits, &pid_tgid);
	r.file_class = FUT_TAINT_CLASS_III;
	pm = pipes_used ? bpf_map_lookup_elem(&pipe_marks, &pipe) : 0;
	if (pm != 0 && has_mark(pm)) {
		copy = *pm;
		resolve_pending(&copy);
		r.file_class = first_pending(&copy) != 0 ? 2 : copy.file_class;
		if (r.file_class == FUT_TAINT_CLASS_NONE)
			r.file_class = FUT_TAINT_CLASS_III;
		r.origin = copy.origin;
		taint_current_from(&copy, 0);
	}
	bpf_map_update_elem(&resolved, &seq, &r, BPF_ANY);
}

SEC("fentry/do_splice")
int
BPF_PROG(fut_do_splice_entry, struct file *in, loff_t *off_in, struct file *out)
{
	__u32 *f = 0;

	splice_flow(in, out, 1);
	note_splice_wait(in, out);
	if (pipe_to_socket(in, out)) {
		if (!test_no_splice_note)
			f = bpf_task_storage_get(&splice_from_pipe, bpf_get_current_task_btf(), 0,
			                         BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (f != 0)
			*f = 1;
		else
			note_splice_unnoted();
	}
	return 0;
}

/* tee(2): pipe to pipe, no check at all. */
SEC("fentry/do_tee")
int
BPF_PROG(fut_do_tee_entry, struct file *in, struct file *out)
{
	splice_flow(in, out, 0);
	note_splice_wait(in, out);
	return 0;
}

/* A tee or splice from one pipe into another that had to wait for its source: the entry
 * program saw the source empty and unmarked, and a tainted writer filled it while the call
 * waited, so what moved carries no mark yet. On the way out the source's mark goes to the
 * destination, and a browser waiting on the destination is fed (feed_exempt()). The caller
 * is tainted by splice_wait_done() (or was at the entry, when the source was marked then);
 * a reader of the destination before this return carries the destination's pending number
 * from note_splice_wait() (docs/upload-control.md, round 13). */
static __always_inline void
pipe_to_pipe_done(struct file *in, struct file *out, long ret)
{
	struct fut_taint_mark *m, copy;
	__u64 key;

	if (ret <= 0 || !pipes_used || in == 0 || out == 0 || in->f_inode == 0 || out->f_inode == 0)
		return;
	if ((in->f_inode->i_mode & S_IFMT) != S_IFIFO || (out->f_inode->i_mode & S_IFMT) != S_IFIFO)
		return;
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return;
	key = inode_key(in);
	m = bpf_map_lookup_elem(&pipe_marks, &key);
	if (m == 0 || !has_mark(m))
		return;
	copy = *m;
	key = inode_key(out);
	mark_pipe_key(key, &copy);
	feed_exempt(&copy, key);
}

SEC("fexit/do_tee")
int
BPF_PROG(
    fut_do_tee_exit, struct file *in, struct file *out, size_t len, unsigned int flags, long ret)
{
	pipe_to_pipe_done(in, out, ret);
	splice_wait_done();
	return 0;
}

SEC("fexit/do_splice")
int
BPF_PROG(fut_do_splice_exit,
         struct file *in,
         loff_t *off_in,
         struct file *out,
         loff_t *off_out,
         size_t len,
         unsigned int flags,
         long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 *f;

	pipe_to_pipe_done(in, out, ret);
	splice_wait_done();
	bpf_map_delete_elem(&splicing, &pid_tgid);
	if (pipe_to_socket(in, out)) {
		f = bpf_task_storage_get(&splice_from_pipe, bpf_get_current_task_btf(), 0, 0);
		if (f != 0)
			*f = 0;
		if (splice_unnoted_used)
			bpf_map_delete_elem(&splice_unnoted, &pid_tgid);
	}
	return 0;
}

/* vmsplice(2) moves user memory into a pipe, or a pipe's pages out to user memory, with no
 * file_permission check of the pipe at all (fs/splice.c: vmsplice_to_pipe, vmsplice_to_user),
 * so neither a tainted writer's mark nor a reader's taint would happen there. Both look the
 * pipe up with get_pipe_info(file, true), as splice and tee do: there, with the very file the
 * call uses (no second look at the descriptor table another thread could change), a tainted
 * caller writing into a pipe marks it before any page goes in, and a caller reading out of a
 * marked pipe is tainted; a read is noted for the syscall's return too. For splice and tee
 * this repeats what fentry/do_splice and do_tee did. */
SEC("fentry/get_pipe_info")
int
BPF_PROG(fut_get_pipe_info_entry, struct file *file, bool for_splice)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fut_taint_mark *m;
	__u64 key;

	if (!for_splice || file == 0 || file->f_inode == 0 || (__u32)(pid_tgid >> 32) == agent_tgid)
		return 0;
	if ((file->f_inode->i_mode & S_IFMT) != S_IFIFO)
		return 0;
	key = inode_key(file);
	if (file->f_mode & FMODE_WRITE) {
		/* Into the pipe (vmsplice treats a FIFO open for both as this direction). A
		 * browser waiting on it cannot be kept from the data here: it is fed instead. */
		m = current_mark();
		if (m != 0) {
			mark_pipe_key(key, m);
			feed_exempt(m, key);
		}
		return 0;
	}
	bpf_map_update_elem(&vmsplice_from, &pid_tgid, &key, BPF_ANY);
	if (!pipes_used)
		return 0;
	m = bpf_map_lookup_elem(&pipe_marks, &key);
	if (m != 0 && has_mark(m))
		taint_current_from(m, 0);
	return 0;
}

#ifdef FUT_SYSCALL
/* A note left by a splice() out of a pipe is not this call's. */
SEC("fentry/" FUT_SYSCALL(vmsplice))
int
BPF_PROG(fut_vmsplice_entry, struct pt_regs *regs)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&vmsplice_from, &pid_tgid);
	return 0;
}

SEC("fexit/" FUT_SYSCALL(vmsplice))
int
BPF_PROG(fut_vmsplice_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fut_taint_mark *m;
	__u64 *key;

	key = bpf_map_lookup_elem(&vmsplice_from, &pid_tgid);
	if (key == 0)
		return 0;
	if (ret > 0 && pipes_used) {
		m = bpf_map_lookup_elem(&pipe_marks, key);
		if (m != 0 && has_mark(m))
			taint_current_from(m, 0);
	}
	bpf_map_delete_elem(&vmsplice_from, &pid_tgid);
	return 0;
}
#endif /* FUT_SYSCALL */
