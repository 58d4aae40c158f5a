// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel side of upload control's second layer (DESIGN §6, docs/upload-control.md):
 * BPF LSM programs that taint a process reading a Class I/II file and refuse a tainted
 * process's connects and sends to the network. The agent (agent/taint.c) fills the maps:
 * which inodes are classified, which executables are exempt (browsers and mail clients stay
 * on fanotify's deny-at-open), which approvals are active; denials come back through the ring
 * buffer. Built with clang for CO-RE against a vmlinux.h generated from the build machine's
 * BTF; relocated by libbpf against the running kernel's. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define __FUT_BPF__
#include "taint.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM        1
#define AF_UNIX      1
#define AF_INET      2
#define AF_INET6     10
#define MAY_WRITE    0x2
#define MAY_READ     0x4
#define PROT_READ    0x1
#define PROT_WRITE   0x2
#define MAP_SHARED   0x1
#define S_IFMT       00170000
#define S_IFSOCK     0140000
#define S_IFREG      0100000
#define S_IFIFO      0010000
#define CLONE_THREAD 0x00010000

/* Classified files (set by the agent through a descriptor) and files, pipes written by a
 * tainted process. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fut_taint_mark);
} inode_marks SEC(".maps");

/* Regular files whose current version the agent had not classified when a non-upload
 * program's open of it was allowed: the sequence number the agent gave that version, set
 * through the file's descriptor before the open is answered, so a read through that open
 * makes the reader pending (docs/upload-control.md). Written by the agent only. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} inode_pending SEC(".maps");

/* The agent's verdicts on pending sequence numbers, once the learner (or a worker) has
 * classified that version. Keyed by the number, never by the inode: a verdict on an older
 * version cannot clear a pending of a newer one. An evicted verdict leaves its pendings
 * unresolved, so denied (fail closed). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct fut_taint_resolution);
} resolved SEC(".maps");

/* Tainted processes: kept on the thread group leader, so every thread shares it. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fut_taint_mark);
} task_marks SEC(".maps");

/* Unix sockets a tainted process sent to (the receiving end). */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fut_taint_mark);
} sock_marks SEC(".maps");

/* Loopback TCP/UDP flows a tainted process sent on: key (receiver's local port << 16 |
 * receiver's remote port), both host order. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fut_taint_mark);
} loopback_marks SEC(".maps");

/* Pipes a tainted process wrote to, keyed by device and inode number (inode_key()): also
 * for the tracing programs (splice), which cannot read inode storage. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct fut_taint_mark);
} pipe_marks SEC(".maps");

/* A splice in progress into a pipe: pid_tgid -> the pipe's inode_key(), so the read check
 * of the file it splices from (file_permission, inside do_splice, before any data moves)
 * marks the pipe. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} splicing SEC(".maps");

/* Executables never tainted nor refused (browsers, mail clients: fanotify's deny-at-open
 * covers them) and the programs approvals name. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fut_taint_exe);
} exe_marks SEC(".maps");

/* Active upload approvals: content (origin inode), program (executable inode), user; the
 * value is the window's end on the boot clock (nanoseconds, exclusive). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct fut_taint_approval_key);
	__type(value, __u64);
} approvals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 4096);
} events SEC(".maps");

/* Set by the agent before load: its own process is never tainted. */
const volatile __u32 agent_tgid = 0;

struct fut_taint_counters counters = {};
/* Nonzero once a loopback flow has been marked: receivers look it up only then. */
__u32 loopback_used = 0;

static __always_inline int
stronger(__u32 a, __u32 b)
{
	return a != 0 && (b == 0 || a < b);
}

static __always_inline struct task_struct *
current_leader(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return t->group_leader;
}

static __always_inline void
exe_of_current(struct fut_taint_inode *out, char *name, int name_len)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct file *f = BPF_CORE_READ(t, mm, exe_file);

	out->ino = BPF_CORE_READ(f, f_inode, i_ino);
	out->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	out->pad = 0;
	if (name != 0)
		bpf_probe_read_kernel_str(name, name_len,
		                          BPF_CORE_READ(f, f_path.dentry, d_name.name));
}

/* The agent's entry for the current executable, or NULL. */
static __always_inline struct fut_taint_exe *
current_exe(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct mm_struct *mm = t->mm;
	struct fut_taint_exe *x;
	struct file *f;

	if (mm == 0)
		return 0;
	f = mm->exe_file;
	if (f == 0)
		return 0;
	/* The inode of the path the program was run by first: on overlayfs the agent's
	 * descriptor of the program names the overlay inode, while an executed file's f_inode
	 * may be the layer's. */
	x = bpf_inode_storage_get(&exe_marks, f->f_path.dentry->d_inode, 0, 0);
	if (x != 0)
		return x;
	return bpf_inode_storage_get(&exe_marks, f->f_inode, 0, 0);
}

static __always_inline int
current_exempt(void)
{
	struct fut_taint_exe *x;

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return 1;
	x = current_exe();
	return x != 0 && (x->flags & FUT_TAINT_EXE_EXEMPT);
}

/* The mark carries a class or a pending sequence number. */
static __always_inline int
has_mark(const struct fut_taint_mark *m)
{
	int i;

	if (m->file_class != FUT_TAINT_CLASS_NONE)
		return 1;
	for (i = 0; i < FUT_TAINT_PENDING_SLOTS; i++)
		if (m->pending[i] != 0)
			return 1;
	return 0;
}

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

/* A read of a regular file with a pending sequence number (inode_pending): the reader takes
 * it; with @splice, a splice in progress into a pipe passes it to the pipe. */
static __always_inline void mark_pipe_key(__u64 key, const struct fut_taint_mark *from);
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
	bpf_map_update_elem(&pipe_marks, &key, from, BPF_ANY);
	__sync_fetch_and_add(&counters.flowed, 1);
}

static __always_inline int
loopback4(__u32 addr_be)
{
	return (addr_be & bpf_htonl(0xff000000)) == bpf_htonl(0x7f000000);
}

static __always_inline int
loopback6(const __u8 *a)
{
	int i, zero = 1;

	for (i = 0; i < 15; i++)
		zero = zero && a[i] == 0;
	if (zero && a[15] == 1)
		return 1; /* ::1 */
	for (i = 0; i < 10; i++)
		if (a[i] != 0)
			return 0;
	/* ::ffff:127.0.0.0/104 */
	return a[10] == 0xff && a[11] == 0xff && a[12] == 127;
}

struct dest {
	__u16 family;
	__u16 port; /* host order */
	__u8 addr[16];
};

/* Reads a destination from a kernel sockaddr (connect's, or sendmsg's msg_name). */
static __always_inline int
dest_from_sockaddr(const void *sa, struct dest *d)
{
	struct sockaddr_in6 sin6 = {};
	__u16 family = 0;

	if (bpf_probe_read_kernel(&family, sizeof family, sa) != 0)
		return -1;
	d->family = family;
	if (family == AF_INET) {
		struct sockaddr_in sin = {};

		if (bpf_probe_read_kernel(&sin, sizeof sin, sa) != 0)
			return -1;
		d->port = bpf_ntohs(sin.sin_port);
		__builtin_memcpy(d->addr, &sin.sin_addr.s_addr, 4);
	} else if (family == AF_INET6) {
		if (bpf_probe_read_kernel(&sin6, sizeof sin6, sa) != 0)
			return -1;
		d->port = bpf_ntohs(sin6.sin6_port);
		__builtin_memcpy(d->addr, &sin6.sin6_addr, 16);
	}
	return 0;
}

static __always_inline void
dest_from_sock(struct sock *sk, struct dest *d)
{
	d->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	d->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (d->family == AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(d->addr, &a, 4);
	} else if (d->family == AF_INET6) {
		BPF_CORE_READ_INTO(&d->addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

static __always_inline int
dest_is_network(const struct dest *d)
{
	__u32 a4;

	if (d->family == AF_INET) {
		__builtin_memcpy(&a4, d->addr, 4);
		return !loopback4(a4);
	}
	if (d->family == AF_INET6)
		return !loopback6(d->addr);
	return 0;
}

/* The approval @k is in the map and its window has not ended. An ended one is deleted here,
 * at once, not at the agent's next tick. */
static __always_inline int
approval_live(const struct fut_taint_approval_key *k)
{
	__u64 *end = bpf_map_lookup_elem(&approvals, k);

	if (end == 0)
		return 0;
	if (bpf_ktime_get_boot_ns() < *end)
		return 1;
	bpf_map_delete_elem(&approvals, k);
	__sync_fetch_and_add(&counters.expired, 1);
	return 0;
}

static __always_inline int
approved(const struct fut_taint_mark *m)
{
	struct fut_taint_approval_key k = {};
	struct fut_taint_exe *x = current_exe();

	k.origin = m->origin;
	k.uid = (__u32)bpf_get_current_uid_gid();
	if (x != 0 && x->exe_id != 0) {
		k.exe_id = x->exe_id;
		if (approval_live(&k))
			return 1;
	}
	/* An approval for any program. */
	k.exe_id = 0;
	return approval_live(&k);
}

/* Decides a tainted or pending process's send to @d: 0 to let it go, -EPERM (and a ring
 * buffer record, or the drop counter) to refuse it. Pending sequence numbers the agent has
 * resolved are applied to @m (the process's own mark) first; one still unresolved refuses
 * the send whatever approvals there are (content not yet classified). */
static __always_inline int
decide_send(struct fut_taint_mark *m, const struct dest *d, __u32 kind)
{
	struct fut_taint_event *e;
	__u64 seq;

	if (!dest_is_network(d))
		return 0;
	if (current_exempt())
		return 0;
	resolve_pending(m);
	seq = first_pending(m);
	if (seq != 0)
		kind = FUT_TAINT_EVENT_DENY_PENDING;
	else if (m->file_class == FUT_TAINT_CLASS_NONE)
		return 0; /* its pendings were all Class III */
	else if (approved(m))
		return 0;
	__sync_fetch_and_add(&counters.denied, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == 0) {
		__sync_fetch_and_add(&counters.dropped, 1);
		return -EPERM;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->file_class = m->file_class;
	e->origin = m->origin;
	e->family = d->family;
	e->port = d->port;
	e->seq = seq;
	__builtin_memcpy(e->addr, d->addr, 16);
	bpf_get_current_comm(e->comm, sizeof e->comm);
	exe_of_current(&e->exe, e->exe_name, sizeof e->exe_name);
	bpf_ringbuf_submit(e, 0);
	return -EPERM;
}

/* The receiving end @peer of a unix socket is bound to (or was accepted on) a socket file the
 * agent marked PEER_EXEMPT ([upload] taint-exempt-peers: /dev/log, the D-Bus socket…). */
static __always_inline int
peer_socket_exempt(struct sock *peer)
{
	struct unix_sock *pu = bpf_skc_to_unix_sock(peer);
	struct dentry *d;
	struct inode *inode;
	struct fut_taint_exe *x;

	if (pu == 0)
		return 0;
	d = pu->path.dentry;
	if (d == 0)
		return 0; /* abstract or unbound: only the program can say */
	inode = d->d_inode;
	if (inode == 0)
		return 0;
	x = bpf_inode_storage_get(&exe_marks, inode, 0, 0);
	return x != 0 && (x->flags & FUT_TAINT_EXE_PEER_EXEMPT);
}

/* A tainted process sends on @sk: unix peers and loopback receivers get the taint. */
static __always_inline void
flow_to_sock(struct sock *sk, const struct dest *d, const struct fut_taint_mark *m)
{
	if (d->family == AF_UNIX) {
		struct unix_sock *u = bpf_skc_to_unix_sock(sk);
		struct sock *peer;
		struct fut_taint_mark *pm;

		if (u == 0)
			return;
		peer = u->peer;
		if (peer == 0)
			return;
		if (peer_socket_exempt(peer)) {
			__sync_fetch_and_add(&counters.peer_exempt, 1);
			return;
		}
		pm = bpf_sk_storage_get(&sock_marks, peer, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (pm != 0 && merge_mark(pm, m))
			__sync_fetch_and_add(&counters.flowed, 1);
	} else if (d->family == AF_INET || d->family == AF_INET6) {
		__u32 key = ((__u32)d->port << 16) | BPF_CORE_READ(sk, __sk_common.skc_num);

		bpf_map_update_elem(&loopback_marks, &key, m, BPF_ANY);
		loopback_used = 1;
		__sync_fetch_and_add(&counters.flowed, 1);
	}
}

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
	if (mask & MAY_READ) {
		m = bpf_inode_storage_get(&inode_marks, inode, 0, 0);
		if ((m == 0 || !has_mark(m)) && fmt == S_IFIFO) {
			__u64 key = inode_key(file);
			m = bpf_map_lookup_elem(&pipe_marks, &key);
		}
		if (m != 0 && has_mark(m)) {
			__u64 pid_tgid = bpf_get_current_pid_tgid();
			__u64 *into;

			taint_current(m);
			/* Read inside a splice into a pipe: mark the pipe before any data moves. */
			into = bpf_map_lookup_elem(&splicing, &pid_tgid);
			if (into != 0 && !current_exempt())
				mark_pipe_key(*into, m);
		}
		if (fmt == S_IFREG)
			pending_read(inode, 1);
	}
	if (!(mask & MAY_WRITE))
		return 0;
	m = current_mark();
	if (m == 0)
		return 0;
	if (fmt == S_IFREG || fmt == S_IFIFO) {
		if (!current_exempt()) {
			mark_inode(inode, m);
			if (fmt == S_IFIFO)
				mark_pipe_key(inode_key(file), m);
		}
		return 0;
	}
	if (fmt == S_IFSOCK) {
		/* write()/sendfile() to a socket: struct socket sits before its inode
		 * (struct socket_alloc). sendfile to a socket never reaches socket_sendmsg. */
		struct socket *sock =
		    (void *)((char *)inode - bpf_core_field_offset(struct socket_alloc, vfs_inode));
		struct sock *sk = BPF_CORE_READ(sock, sk);
		struct dest d = {};

		if (sk == 0)
			return 0;
		dest_from_sock(sk, &d);
		return decide_send(m, &d, FUT_TAINT_EVENT_DENY_WRITE);
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

	if (ret != 0 || file == 0)
		return ret;
	inode = file->f_inode;
	if (inode == 0)
		return 0;
	if (prot & PROT_READ) {
		m = bpf_inode_storage_get(&inode_marks, inode, 0, 0);
		if (m != 0 && has_mark(m))
			taint_current(m);
		if ((inode->i_mode & S_IFMT) == S_IFREG)
			pending_read(inode, 0);
	}
	if ((prot & PROT_WRITE) && (flags & MAP_SHARED)) {
		m = current_mark();
		if (m != 0 && (inode->i_mode & S_IFMT) == S_IFREG && !current_exempt())
			mark_inode(inode, m);
	}
	return 0;
}

SEC("lsm/task_alloc")
int
BPF_PROG(fut_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct fut_taint_mark *m, *n;

	if (ret != 0 || (clone_flags & CLONE_THREAD))
		return ret; /* a thread shares its leader's mark */
	m = current_mark();
	if (m == 0)
		return 0;
	n = bpf_task_storage_get(&task_marks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (n != 0)
		*n = *m;
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
		flow_to_sock(sk, &d, m);
	return r;
}

/* The current process runs a taint-exempt peer program ([upload] taint-exempt-peers). The
 * LSM hook, at the start of every unix or loopback receive, looks at the executable's inode
 * storage and keeps the answer as a note in the task's storage (cleared again after an exec
 * into another program); the fexit program, which cannot read inode storage and sees data
 * that arrived while the receive blocked, reads the note. */
static __always_inline int
receiver_note(void)
{
	struct fut_taint_exe *x = current_exe();
	int exempt = x != 0 && (x->flags & FUT_TAINT_EXE_PEER_EXEMPT);
	struct fut_taint_mark *t = bpf_task_storage_get(
	    &task_marks, current_leader(), 0, exempt ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);

	if (t != 0) {
		if (exempt)
			t->flags |= FUT_TAINT_TASK_PEER_EXEMPT;
		else
			t->flags &= ~FUT_TAINT_TASK_PEER_EXEMPT;
	}
	return exempt;
}

static __always_inline int
receiver_noted(void)
{
	struct fut_taint_mark *t = bpf_task_storage_get(&task_marks, current_leader(), 0, 0);

	return t != 0 && (t->flags & FUT_TAINT_TASK_PEER_EXEMPT);
}

static __always_inline void
recv_from(const struct fut_taint_mark *m, int lsm, int exempt)
{
	if (exempt) {
		__sync_fetch_and_add(&counters.peer_exempt, 1);
		return;
	}
	taint_current_from(m, lsm);
}

/* A receive taints when what it returns came from a tainted sender. @lsm: from the LSM hook
 * (may read inode storage). */
static __always_inline void
recv_taint(struct socket *sock, int lsm)
{
	struct sock *sk;
	struct fut_taint_mark *m;
	__u16 family;
	int exempt;

	sk = sock->sk;
	if (sk == 0)
		return;
	family = sk->__sk_common.skc_family;
	if (family == AF_UNIX) {
		exempt = lsm ? receiver_note() : 0;
		m = bpf_sk_storage_get(&sock_marks, sk, 0, 0);
		if (m != 0 && has_mark(m))
			recv_from(m, lsm, lsm ? exempt : receiver_noted());
	} else if ((family == AF_INET || family == AF_INET6) && loopback_used) {
		__u32 key =
		    ((__u32)sk->__sk_common.skc_num << 16) | bpf_ntohs(sk->__sk_common.skc_dport);

		exempt = lsm ? receiver_note() : 0;
		m = bpf_map_lookup_elem(&loopback_marks, &key);
		if (m != 0 && has_mark(m))
			recv_from(m, lsm, lsm ? exempt : receiver_noted());
	}
}

SEC("lsm/socket_recvmsg")
int
BPF_PROG(fut_socket_recvmsg, struct socket *sock, struct msghdr *msg, int size, int flags, int ret)
{
	if (ret != 0)
		return ret;
	recv_taint(sock, 1);
	return 0;
}

/* The LSM hook runs before a receive blocks: data a tainted sender adds while the receiver
 * waits is seen only here, after the receive returned it. */
SEC("fexit/sock_recvmsg")
int
BPF_PROG(fut_sock_recvmsg_exit, struct socket *sock, struct msghdr *msg, int flags, int ret)
{
	if (ret > 0)
		recv_taint(sock, 0);
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
	if (in != 0 && in->f_inode != 0 && (in->f_inode->i_mode & S_IFMT) == S_IFIFO) {
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

SEC("fentry/do_splice")
int
BPF_PROG(fut_do_splice_entry, struct file *in, loff_t *off_in, struct file *out)
{
	splice_flow(in, out, 1);
	return 0;
}

/* tee(2): pipe to pipe, no check at all. */
SEC("fentry/do_tee")
int
BPF_PROG(fut_do_tee_entry, struct file *in, struct file *out)
{
	splice_flow(in, out, 0);
	return 0;
}

SEC("fexit/do_splice")
int
BPF_PROG(fut_do_splice_exit, struct file *in, loff_t *off_in, struct file *out)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&splicing, &pid_tgid);
	return 0;
}
