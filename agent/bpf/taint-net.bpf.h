/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Part of taint.bpf.c: the network side: where a connect or send goes, whether an approval
 * covers it, the refusal and its ring buffer record, and taint carried through unix and
 * loopback sockets to their receivers (lsm/unix_may_send, a program, is at the end).
 * Included once, by taint.bpf.c only, after taint-flow.bpf.h. */
#pragma once

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

/* Whether a send to @d may leave this machine. What stays here is a short list: unix and
 * netlink sockets, the kernel's crypto (AF_ALG), loopback, and AF_UNSPEC (a datagram
 * socket's disconnect). Every other family leaves or may: the internet ones, Bluetooth (a
 * file pushed to a phone), vsock (to a VM's host), packet, TIPC, RDS, CAN, NFC, SMC, XDP...
 * A family not on the list, known to this file or not, is refused to a tainted process. */
static __always_inline int
dest_is_network(const struct dest *d)
{
	__u32 a4;

	switch (d->family) {
	case AF_UNSPEC:
	case AF_UNIX:
	case AF_NETLINK:
	case AF_ALG:
		return 0;
	case AF_INET:
		__builtin_memcpy(&a4, d->addr, 4);
		return !loopback4(a4);
	case AF_INET6:
		return !loopback6(d->addr);
	default:
		return 1;
	}
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

/* An approval of @m's content is live for user @uid and program @exe_id (0: none), or for
 * that user and any program. */
static __always_inline int
approved_for(const struct fut_taint_mark *m, __u32 uid, __u32 exe_id)
{
	struct fut_taint_approval_key k = {};

	k.origin = m->origin;
	k.uid = uid;
	if (exe_id != 0) {
		k.exe_id = exe_id;
		if (approval_live(&k))
			return 1;
	}
	/* An approval for any program. */
	k.exe_id = 0;
	return approval_live(&k);
}

/* ... for the current process's user and program. */
static __always_inline int
approved(const struct fut_taint_mark *m)
{
	struct fut_taint_exe *x = current_exe();

	return approved_for(m, (__u32)bpf_get_current_uid_gid(), x != 0 ? x->exe_id : 0);
}

/* Reserves the ring buffer record of a refusal of @kind by the current process and fills
 * what every refusal carries: process, user, executable, destination @d, and the class and
 * origin of @m (NULL: an untainted process, class 0). Counts the refusal; NULL, and the drop
 * counter (a gap record from the agent), when the ring buffer has no room. The caller adds
 * what is its own and submits. */
static __always_inline struct fut_taint_event *
deny_event(__u32 kind, const struct fut_taint_mark *m, const struct dest *d)
{
	struct fut_taint_event *e;

	__sync_fetch_and_add(&counters.denied, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == 0) {
		__sync_fetch_and_add(&counters.dropped, 1);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	e->uid = (__u32)bpf_get_current_uid_gid();
	if (m != 0) {
		e->file_class = m->file_class;
		e->origin = m->origin;
	}
	e->family = d->family;
	e->port = d->port;
	__builtin_memcpy(e->addr, d->addr, 16);
	bpf_get_current_comm(e->comm, sizeof e->comm);
	exe_of_current(&e->exe, e->exe_name, sizeof e->exe_name);
	return e;
}

/* Decides a tainted or pending process's send to @d: 0 to let it go, -EPERM (and a ring
 * buffer record, or the drop counter) to refuse it. Pending sequence numbers the agent has
 * resolved are applied to @m (the process's own mark) first; one still unresolved refuses
 * the send whatever approvals there are (content not yet classified). */
static __always_inline int
decide_egress(
    struct fut_taint_mark *m, const struct dest *d, __u32 kind, struct file *remote, __u32 call)
{
	struct fut_taint_event *e;
	__u64 seq;

	/* An exempt program is refused only while a process holding taint traces it (that
	 * process may have written what it holds into the program's memory). */
	if (current_exempt() && tracer_mark(bpf_get_current_task_btf()) == 0)
		return 0;
	resolve_pending(m);
	seq = first_pending(m);
	if (seq != 0)
		kind = FUT_TAINT_EVENT_DENY_PENDING;
	else if (m->file_class == FUT_TAINT_CLASS_NONE)
		return 0; /* its pendings were all Class III */
	else if (approved(m))
		return 0;
	e = deny_event(kind, m, d);
	if (e != 0) {
		e->seq = seq;
		__builtin_memcpy(e->pending, m->pending, sizeof e->pending);
		if (call == FUT_TAINT_CALL_FUSE_REPLY) {
			e->call = call;
		} else if (remote != 0 && call == FUT_TAINT_CALL_IOCTL) {
			e->fs_dev = BPF_CORE_READ(remote, f_inode, i_rdev);
			e->call = call;
		} else if (remote != 0) {
			e->fs_magic = (__u32)BPF_CORE_READ(remote, f_inode, i_sb, s_magic);
			e->fs_dev = BPF_CORE_READ(remote, f_inode, i_sb, s_dev);
			e->call = call;
			bpf_probe_read_kernel_str(
			    e->target, sizeof e->target,
			    BPF_CORE_READ(remote, f_path.dentry, d_name.name));
		}
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

/* Content @m is about to reach a taint-exempt reader (a browser, a mail client: never
 * tainted, it sends what it reads) of user @uid and program @exe_id. 0 when it may (Class III,
 * or an approval covers that content, user and program, as fanotify's at open); otherwise
 * the refusal's kind: DENY_PENDING for content not classified yet (*@seq its number: the
 * agent then gives the verdict again if the kernel's map lost it), or @kind. */
static __always_inline __u32
exempt_refusal(struct fut_taint_mark *m, __u32 kind, __u32 uid, __u32 exe_id, __u64 *seq)
{
	resolve_pending(m);
	*seq = first_pending(m);
	if (*seq != 0)
		return FUT_TAINT_EVENT_DENY_PENDING;
	if (m->file_class == FUT_TAINT_CLASS_NONE || approved_for(m, uid, exe_id))
		return 0;
	return kind;
}

/* The ring buffer record of an exempt_refusal() of @kind (NULL: no room, counted): what
 * every refusal carries, and the pending numbers. The caller adds its call and submits. */
static __always_inline struct fut_taint_event *
exempt_event(__u32 kind, const struct fut_taint_mark *m, const struct dest *d, __u64 seq)
{
	struct fut_taint_event *e = deny_event(kind, m, d);

	if (e != 0) {
		e->seq = seq;
		__builtin_memcpy(e->pending, m->pending, sizeof e->pending);
	}
	return e;
}

/* A taint-exempt program (or a process one traces) reads or maps @file, or receives on a
 * loopback flow (@file NULL), whose mark @m (the inode's or the socket's own storage) says
 * what was written into it: a copy a tainted process wrote, whatever its bytes look like.
 * 0 or -EPERM with a ring buffer record. */
static __always_inline int
decide_exempt_read(struct fut_taint_mark *m, struct file *file)
{
	struct fut_taint_exe *x = current_exe();
	struct fut_taint_event *e;
	struct dest d = {};
	__u32 kind;
	__u64 seq;

	kind = exempt_refusal(m, FUT_TAINT_EVENT_DENY_EXEMPT_READ, (__u32)bpf_get_current_uid_gid(),
	                      x != 0 ? x->exe_id : 0, &seq);
	if (kind == 0)
		return 0;
	e = exempt_event(kind, m, &d, seq);
	if (e != 0) {
		e->call = file != 0 ? FUT_TAINT_CALL_EXEMPT_READ : FUT_TAINT_CALL_EXEMPT_RECV;
		if (file != 0)
			bpf_probe_read_kernel_str(e->target, sizeof e->target,
			                          BPF_CORE_READ(file, f_path.dentry, d_name.name));
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

/* The current process, a browser or mail client or a process one traces, is about to read
 * the pipe or loopback flow @key (exempt_readers): noted before the read can block. */
static __always_inline void
note_exempt_reader(__u64 key)
{
	struct fut_exempt_reader r = {}, *old;
	struct fut_taint_exe *x = current_exe();

	r.pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	old = bpf_map_lookup_elem(&exempt_readers, &key);
	if (old != 0 && old->pid == r.pid)
		return;
	r.uid = (__u32)bpf_get_current_uid_gid();
	r.exe_id = x != 0 ? x->exe_id : 0;
	bpf_get_current_comm(r.comm, sizeof r.comm);
	exempt_readers_used = 1; /* before the entry: a writer never misses it */
	bpf_map_update_elem(&exempt_readers, &key, &r, BPF_ANY);
}

/* A tainted or pending process (@m) writes into the pipe or sends on the loopback flow @key
 * (@d: the flow's destination, or none for a pipe) that a browser or mail client reads
 * (exempt_readers): what it puts in reaches the browser even when the browser's read check
 * ran before, while the pipe or socket was empty. Refused as the browser's read would be
 * (decide_exempt_read()): unless the content is Class III or an approval covers it for the
 * reader's user and program. 0 or -EPERM with a ring buffer record naming the reader. */
static __always_inline int
decide_exempt_feed(struct fut_taint_mark *m, __u64 key, const struct dest *d)
{
	struct fut_exempt_reader *r;
	struct fut_taint_event *e;
	__u32 kind;
	__u64 seq;

	if (!exempt_readers_used || key == 0)
		return 0;
	r = bpf_map_lookup_elem(&exempt_readers, &key);
	if (r == 0)
		return 0;
	kind = exempt_refusal(m, FUT_TAINT_EVENT_DENY_EXEMPT_FEED, r->uid, r->exe_id, &seq);
	if (kind == 0)
		return 0;
	e = exempt_event(kind, m, d, seq);
	if (e != 0) {
		e->call = FUT_TAINT_CALL_EXEMPT_FEED;
		e->fs_dev = r->pid;
		__builtin_memcpy(e->target, r->comm, sizeof r->comm);
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

/* A tainted or pending process (@m) puts data into the pipe @key by vmsplice(2), tee(2) or a
 * splice from another pipe: no LSM check runs there (tracing programs only), so nothing can
 * refuse it. When a browser or mail client is noted as that pipe's reader (it may already
 * wait in a read whose check saw the pipe empty) and the content is neither Class III nor
 * approved for it, the reader is fed: while it runs that program it is exempt no more
 * (current_exempt_program()), takes @m at its next write or send (take_fed_mark()) and is
 * refused the network as any tainted process, with an upload.denied record naming it. */
static __always_inline void
feed_exempt(struct fut_taint_mark *m, __u64 key)
{
	struct fut_exempt_reader *r;
	struct fut_fed_exempt *old, f = {};
	__u32 tgid;
	__u64 seq;

	if (!exempt_readers_used || key == 0)
		return;
	r = bpf_map_lookup_elem(&exempt_readers, &key);
	if (r == 0)
		return;
	tgid = r->pid;
	if (tgid == (__u32)(bpf_get_current_pid_tgid() >> 32))
		return;
	if (exempt_refusal(m, FUT_TAINT_EVENT_DENY_EXEMPT_FEED, r->uid, r->exe_id, &seq) == 0)
		return;
	fed_exempt_used = 1; /* before the entry: a check never misses it */
	old = bpf_map_lookup_elem(&fed_exempt, &tgid);
	if (old != 0 && old->exe_id == r->exe_id) {
		merge_mark(&old->mark, m);
	} else {
		f.mark = *m;
		f.exe_id = r->exe_id;
		if (bpf_map_update_elem(&fed_exempt, &tgid, &f, BPF_ANY) != 0) {
			/* full (or no memory): exempt no program rather than miss this one */
			if (!fed_exempt_full)
				__sync_fetch_and_add(&counters.exempt_fed_full, 1);
			fed_exempt_full = 1;
		}
	}
	__sync_fetch_and_add(&counters.exempt_fed, 1);
}

/* The current process was fed marked data while it was exempt (feed_exempt()) and still
 * runs that program: the mark becomes its own. Called by the write and send checks before
 * they look at the process's mark. */
static __always_inline void
take_fed_mark(void)
{
	__u32 tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	struct fut_fed_exempt *f;
	struct fut_taint_exe *x;
	struct fut_taint_mark copy;

	if (!fed_exempt_used)
		return;
	f = bpf_map_lookup_elem(&fed_exempt, &tgid);
	if (f == 0)
		return;
	x = current_exe();
	if (x == 0 || x->exe_id != f->exe_id)
		return;
	copy = f->mark;
	merge_into_task(bpf_get_current_task_btf()->group_leader, &copy);
}

static __always_inline int
decide_send(struct fut_taint_mark *m, const struct dest *d, __u32 kind)
{
	if (!dest_is_network(d))
		return 0;
	return decide_egress(m, d, kind, 0, 0);
}

/* Filesystems whose files another machine serves (NFS, SMB/CIFS, Ceph, AFS, Coda, Lustre,
 * OrangeFS) or a program in user space does (FUSE, fuseblk and virtiofs: sshfs, rclone, gvfs,
 * a passthrough view of the home): what a process writes there leaves through that server or
 * daemon, never through a socket of the writer's own, so a write there is a send. 9p is not
 * counted: on a PC it is a virtual machine's share with its host (virtiofs, the current way,
 * is FUSE and counted), and the e2e guest writes its results there (docs/upload-control.md). */
static __always_inline int
remote_fs(const struct inode *inode)
{
	__u32 magic = (__u32)BPF_CORE_READ(inode, i_sb, s_magic);

	switch (magic) {
	case 0x6969:     /* NFS */
	case 0x517B:     /* smbfs */
	case 0xFF534D42: /* CIFS */
	case 0xFE534D42: /* SMB2 */
	case 0x65735546: /* FUSE */
	case 0x00C36400: /* Ceph */
	case 0x6B414653: /* kAFS */
	case 0x5346414F: /* OpenAFS */
	case 0x73757245: /* Coda */
	case 0x0BD00BD0: /* Lustre */
	case 0x20030528: /* OrangeFS */
		return 1;
	default:
		return 0;
	}
}

/* The kernel's dev_t of a USB device node (usbfs): major 189. */
#define USB_DEVICE_MAJOR 189

/* A tainted or pending process makes an ioctl on @file, a USB device node: every transfer to
 * or from a device through usbfs (libusb, libmtp, gphoto2, adb) is an ioctl, so an MTP phone
 * or a camera is reached only this way. Decided as a send to the device. Root's processes are
 * left alone (pcscd, fprintd and fwupd run as root and may be tainted by a client; root can
 * switch futari off anyway). */
static __always_inline int
decide_usb_ioctl(struct fut_taint_mark *m, struct file *file)
{
	struct dest d = {};

	if ((__u32)bpf_get_current_uid_gid() == 0)
		return 0;
	return decide_egress(m, &d, FUT_TAINT_EVENT_DENY_USB, file, FUT_TAINT_CALL_IOCTL);
}

/* The current process reaches into @other's memory (ptrace_access_check with ATTACH,
 * ptrace_traceme). Taint may not cross into or out of an exempt program (a browser, which
 * sends whatever it holds): a tainted process reaching into one, or one reaching into a
 * tainted process, is refused (the agent's own reach is not judged). Returns 0 or -EPERM,
 * with its upload.denied record: the other process's pid in fs_dev, its comm in target. */
static __always_inline int
deny_reach(struct task_struct *other)
{
	struct fut_taint_mark *mine = current_mark();
	struct fut_taint_mark *theirs =
	    bpf_task_storage_get(&task_marks, other->group_leader, 0, 0);
	struct fut_taint_exe *xo = task_exe(other);
	struct fut_taint_event *e;
	struct dest d = {};

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return 0;
	if (theirs != 0 && !has_mark(theirs))
		theirs = 0;
	if (!((mine != 0 && xo != 0 && (xo->flags & FUT_TAINT_EXE_EXEMPT)) ||
	      (theirs != 0 && current_exempt())))
		return 0;
	e = deny_event(FUT_TAINT_EVENT_DENY_PTRACE, mine != 0 ? mine : theirs, &d);
	if (e != 0) {
		e->fs_dev = (__u32)BPF_CORE_READ(other, tgid);
		e->call = FUT_TAINT_CALL_PTRACE;
		BPF_CORE_READ_STR_INTO(&e->target, other, comm);
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

/* A tainted or pending process writes to @file, a regular file on a remote_fs() (@call:
 * FUT_TAINT_CALL_*): decided as a send, with the filesystem as the destination. */
static __always_inline int
decide_remote_write(struct fut_taint_mark *m, struct file *file, __u32 call)
{
	struct dest d = {};

	return decide_egress(m, &d, FUT_TAINT_EVENT_DENY_REMOTE_FS, file, call);
}

/* The current process serves a FUSE filesystem (it answered /dev/fuse). */
static __always_inline int
current_fuse_server(void)
{
	__u32 *s;

	if (!fuse_servers_used)
		return 0;
	s = bpf_task_storage_get(&fuse_servers, current_leader(), 0, 0);
	return s != 0 && *s != 0;
}

/* The current process writes to /dev/fuse (@file): it answers a FUSE filesystem's requests,
 * and a read's answer goes to a reader whose read check ran before the answer existed, so
 * taint cannot follow it. It is noted as a FUSE server (its reads of Class I/II files are
 * refused from now on, fuse_server_read()), and while it carries taint or a pending number its
 * answer is decided as a send and refused (the reader waits until the server answers again or
 * is killed; the read refusal keeps a server from getting here by reading). */
static __always_inline int
fuse_reply(struct file *file)
{
	struct fut_taint_mark *m;
	struct dest d = {};
	__u32 *s;

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return 0;
	s = bpf_task_storage_get(&fuse_servers, current_leader(), 0,
	                         BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (s != 0 && *s == 0) {
		fuse_servers_used = 1; /* before the entry: a read check never misses it */
		*s = 1;
	}
	m = current_mark();
	if (m == 0)
		return 0;
	return decide_egress(m, &d, FUT_TAINT_EVENT_DENY_FUSE_SERVE, file,
	                     FUT_TAINT_CALL_FUSE_REPLY);
}

/* A FUSE server reads @file, a regular file marked @m (may be NULL) or pending: refused when
 * it carries Class I/II (unless an approval covers it) or content not classified yet, with
 * EPERM, so the server answers its reader with an error and stays clean (docs/upload-control.md
 * "FUSE servers"). Returns 0 or -EPERM. */
static __always_inline int
fuse_server_read(struct file *file, const struct fut_taint_mark *m)
{
	struct fut_taint_mark r = {};
	struct dest d = {};
	__u64 *seq;

	if (!current_fuse_server() || current_exempt())
		return 0;
	if (m != 0)
		r = *m;
	seq = bpf_inode_storage_get(&inode_pending, file->f_inode, 0, 0);
	if (seq != 0)
		add_pending(&r, *seq);
	if (!has_mark(&r))
		return 0;
	return decide_egress(&r, &d, FUT_TAINT_EVENT_DENY_FUSE_SERVE, file,
	                     FUT_TAINT_CALL_FUSE_READ);
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

/* A tainted process (@m) sends to the unix socket @peer: it takes the mark, unless an exempt
 * peer's. Returns 0, or -ENOMEM when the mark cannot be stored (the send is refused). */
static __always_inline int
mark_unix_peer(struct sock *peer, const struct fut_taint_mark *m)
{
	struct fut_taint_mark *pm;

	if (peer_socket_exempt(peer)) {
		__sync_fetch_and_add(&counters.peer_exempt, 1);
		return 0;
	}
	pm = bpf_sk_storage_get(&sock_marks, peer, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (pm == 0)
		return -ENOMEM;
	if (merge_mark(pm, m))
		__sync_fetch_and_add(&counters.flowed, 1);
	return 0;
}

/* A tainted process sends on @sk: unix peers and loopback receivers get the taint; a send
 * on a loopback flow a browser or mail client reads is refused (decide_exempt_feed()).
 * Returns 0 or -EPERM. */
static __always_inline int
flow_to_sock(struct sock *sk, const struct dest *d, struct fut_taint_mark *m)
{
	if (d->family == AF_UNIX) {
		struct unix_sock *u = bpf_skc_to_unix_sock(sk);
		struct sock *peer;

		if (u == 0)
			return 0;
		peer = u->peer;
		if (peer == 0)
			return 0;
		return mark_unix_peer(peer, m);
	} else if (d->family == AF_INET || d->family == AF_INET6) {
		__u32 key = ((__u32)d->port << 16) | BPF_CORE_READ(sk, __sk_common.skc_num);
		int r = decide_exempt_feed(m, FLOW_READER_TAG | key, d);

		if (r != 0)
			return r;
		bpf_map_update_elem(&loopback_marks, &key, m, BPF_ANY);
		loopback_used = 1;
		__sync_fetch_and_add(&counters.flowed, 1);
	}
	return 0;
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

/* @sk's peer is on this machine (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104). */
static __always_inline int
loopback_peer(struct sock *sk, __u16 family)
{
	if (family == AF_INET)
		return loopback4(sk->__sk_common.skc_daddr);
	{
		__u8 a[16];

		BPF_CORE_READ_INTO(&a, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
		return loopback6(a);
	}
}

/* A receive taints when what it returns came from a tainted sender. @lsm: from the LSM hook
 * (may read inode storage), where a browser's or mail client's receive of marked data on a
 * loopback flow is refused (-EPERM; a receive that blocked and got the data later is seen
 * only by the fexit program, which cannot refuse: not covered). */
static __always_inline int
recv_taint(struct socket *sock, int lsm)
{
	struct sock *sk;
	struct fut_taint_mark *m;
	__u16 family;
	int exempt;

	sk = sock->sk;
	if (sk == 0)
		return 0;
	family = sk->__sk_common.skc_family;
	if (family == AF_UNIX) {
		exempt = lsm ? receiver_note() : 0;
		m = bpf_sk_storage_get(&sock_marks, sk, 0, 0);
	} else if (family == AF_INET || family == AF_INET6) {
		__u32 key =
		    ((__u32)sk->__sk_common.skc_num << 16) | bpf_ntohs(sk->__sk_common.skc_dport);

		/* A browser's receive on a loopback flow, noted before it can block: a tainted
		 * sender's later send on the flow is refused (decide_exempt_feed()). */
		if (lsm && loopback_peer(sk, family) &&
		    (current_exempt_program() || traced_by_exempt()))
			note_exempt_reader(FLOW_READER_TAG | key);
		if (!loopback_used)
			return 0;
		exempt = lsm ? receiver_note() : 0;
		m = bpf_map_lookup_elem(&loopback_marks, &key);
	} else {
		return 0;
	}
	if (m == 0 || !has_mark(m))
		return 0;
	/* Loopback only: over unix sockets a browser talks to the compositor, the input
	 * method, the sound server, which every tainted program talks to as well; refusing
	 * their messages would break the browser (docs/upload-control.md). */
	if (lsm && !exempt && family != AF_UNIX && current_exempt_program())
		return decide_exempt_read(m, 0);
	recv_from(m, lsm, lsm ? exempt : receiver_noted());
	return 0;
}

/* The current thread is inside a splice from a pipe into a socket (fentry/do_splice): its
 * note in task storage, or in the fallback map where the task storage could not take it. */
static __always_inline int
splicing_from_pipe(void)
{
	__u32 *f = bpf_task_storage_get(&splice_from_pipe, bpf_get_current_task_btf(), 0, 0);
	__u64 pid_tgid;

	if (f != 0 && *f != 0)
		return 1;
	if (!splice_unnoted_used)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	f = bpf_map_lookup_elem(&splice_unnoted, &pid_tgid);
	return f != 0 && *f != 0;
}

/* Refuses a splice from a pipe into the network socket @d (docs/upload-control.md): any
 * program not exempt, tainted (@m) or not. -EPERM and a ring buffer record. */
static __always_inline int
deny_splice(const struct fut_taint_mark *m, const struct dest *d)
{
	struct fut_taint_event *e;

	if (current_exempt())
		return 0;
	e = deny_event(FUT_TAINT_EVENT_DENY_SPLICE, m, d);
	if (e != 0)
		bpf_ringbuf_submit(e, 0);
	return -EPERM;
}

/* A unix datagram (round 17): the kernel finds the receiving socket itself, after
 * socket_sendmsg, when the datagram goes to an address (sendto) rather than to a connected
 * peer, which flow_to_sock() knows; before, a tainted process's sendto() to another's bound
 * socket, path or abstract, reached it untainted. Every datagram send (connected or not)
 * asks this with the receiver: a tainted sender marks it, as flow_to_sock() marks a peer. A
 * mark that cannot be stored refuses the datagram. */
SEC("lsm/unix_may_send")
int
BPF_PROG(fut_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	struct fut_taint_mark *m;
	struct sock *peer;

	if (ret != 0)
		return ret;
	if (current_exempt())
		return 0;
	m = current_mark();
	if (m == 0)
		return 0;
	peer = other->sk;
	if (peer == 0)
		return 0;
	return mark_unix_peer(peer, m);
}
