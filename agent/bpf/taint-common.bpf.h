/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Part of the one BPF object taint.bpf.c (a single skeleton): the constants, the maps and
 * globals the agent (agent/taint.c) sees, and the helpers every part uses (the current
 * executable, whether it is exempt, whether a mark carries anything). Included once, by
 * taint.bpf.c only. */
#pragma once

#define EPERM               1
#define AF_UNSPEC           0
#define AF_UNIX             1
#define AF_INET             2
#define AF_INET6            10
#define AF_NETLINK          16
#define AF_ALG              38
#define MAY_WRITE           0x2
#define MAY_READ            0x4
#define PROT_READ           0x1
#define PROT_WRITE          0x2
#define PROT_EXEC           0x4
#define MAP_SHARED          0x1
#define MAP_SHARED_VALIDATE 0x3
#define SHM_RDONLY          010000
#define SB_KERNMOUNT        (1 << 22)
#define S_IFMT              00170000
#define S_IFSOCK            0140000
#define S_IFREG             0100000
#define S_IFIFO             0010000
#define S_IFCHR             0020000
#define CLONE_VM            0x00000100
#define CLONE_THREAD        0x00010000
#define ENOMEM              12
#define EBUSY               16
#define PTRACE_MODE_ATTACH  0x02
#define FMODE_WRITE         0x2
/* /dev/fuse: misc major 10, minor 229, in the kernel's dev_t (major << 20 | minor). */
#define FUSE_DEVICE         ((10u << 20) | 229u)

/* The syscall entry points the tracing programs attach to (vmsplice), per architecture.
 * Elsewhere those programs are not built (docs/upload-control.md says what that leaves). */
#if defined(__TARGET_ARCH_x86)
#define FUT_SYSCALL(name) "__x64_sys_" #name
#elif defined(__TARGET_ARCH_arm64)
#define FUT_SYSCALL(name) "__arm64_sys_" #name
#endif

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
 * unresolved, so denied (fail closed); the denial's record carries the numbers, and the agent
 * puts back a verdict it still knows (agent/taint-pending.c), so the next try resolves. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct fut_taint_resolution);
} resolved SEC(".maps");

/* Where a process without a mark mapped a regular file shared and writable (round 12): the
 * addresses fexit/vm_mmap_pgoff returned, so that when it takes a mark the files still
 * mapped there get it at once (bpf_find_vma), before what it took in can be stored into
 * them. On the thread group leader; copied to a child by task_alloc, dropped at exec. More
 * mappings than slots: overflow, and the agent is asked to mark them (ring buffer). */
#define FUT_SHARED_SLOTS 8
#define VM_WRITE         0x2
#define VM_SHARED        0x8
/* A process, by thread group id and start time (a reused number is another process). */
struct fut_mapper {
	__u64 start;
	__u32 tgid;
	__u32 pad;
};

struct fut_shared_maps {
	__u64 addr[FUT_SHARED_SLOTS];
	/* the file mapped at each address when it was noted: what a tracing program, which
	 * cannot look a mapping up, owes a mark (owed_files) */
	struct fut_taint_inode file[FUT_SHARED_SLOTS];
	/* who overflow_files names for this process's files beyond the slots: the process that
	 * first overflowed, inherited by its children with the mappings, so what a child takes
	 * reaches the files it shares (mapper_marks) */
	struct fut_mapper mapper;
	__u32 overflow;
	__u32 applied_class; /* the mark the files last took: its class */
	__u64 applied_pending[FUT_TAINT_PENDING_SLOTS]; /* and its pending numbers */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fut_shared_maps);
} shared_maps SEC(".maps");

/* Marks owed to regular files (round 14): a process with files mapped shared and writable
 * took a mark in a tracing program (fexit/pipe_read, fexit/sock_recvmsg), which has no inode
 * storage and cannot look its mappings up. Each file it noted at its mmap (shared_maps) is
 * owed that mark here, by device and inode number; the LSM hooks give it to the inode at the
 * file's next read or mapping (take_owed()) and drop the entry. A hash: an LRU would forget
 * a debt. Full: the agent is asked, as before (FUT_TAINT_EVENT_SHARED_FILES). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct fut_taint_inode);
	__type(value, struct fut_taint_mark);
} owed_files SEC(".maps");

/* Files a process without a mark mapped shared and writable when its shared_maps slots were
 * all in use (round 14): the file (device and inode number) -> up to FUT_MAPPERS such
 * processes. Their marks are in mapper_marks; a read or mapping of the file takes them
 * (take_mapper_marks()), whatever the agent is doing. A file that cannot be noted (the map
 * full, or more mappers) is not mapped. */
#define FUT_MAPPERS 4
struct fut_overflow_file {
	struct fut_mapper who[FUT_MAPPERS];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct fut_taint_inode);
	__type(value, struct fut_overflow_file);
} overflow_files SEC(".maps");

/* The marks of the processes in overflow_files, kept after they exit (what they stored into
 * the files stays there): written whenever such a process takes a mark. A hash: a forgotten
 * mark would unmark the files. Full: the agent is asked, as before. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct fut_mapper);
	__type(value, struct fut_taint_mark);
} mapper_marks SEC(".maps");

/* Readers of shared file mappings (round 16). A process that maps a file MAP_SHARED reads
 * whatever any writer puts into it later, straight from memory: no hook runs. So the file is
 * flagged here when such a mapping is made (mapped_shared, before the mapping exists), every
 * mark it takes from then on is copied into mapped_marks by its device and inode number
 * (mirror_mapped()) and counted in mapped_gen, and the process notes the file in its slots
 * (shared_reads); at each of its decisions, when mapped_gen moved, it takes what its files'
 * entries hold (take_mapped_current()). Files no unprivileged user can write (root's, mode
 * without group or other write) are not followed: only root can put anything into them. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} mapped_shared SEC(".maps");

/* The marks of flagged files, by device and inode number. Kept after the inode goes (a
 * reader may hold a copy of what it mapped), so bounded: when full, a reader of a file whose
 * mark found no room takes every mark of the file's owner (lost_owners, mapped_by_owner). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct fut_taint_inode);
	__type(value, struct fut_taint_mark);
} mapped_marks SEC(".maps");

/* A process's shared mappings of flagged files: the file, and its inode's address, used only
 * to see whether anyone still maps it (read with bpf_probe_read_kernel: an inode freed since
 * reads as unmapped or as another inode, never as a crash) before a slot is given to another
 * file, its marks kept (held) first. More files mapped at once than slots: overflow, and the
 * process takes the marks of every flagged file of the same owners as the files it mapped
 * beyond them (mapped_by_owner: a user's own files, not another user's), and every mark owed
 * to a file (owed_union). On the thread
 * group leader, copied to a child by task_alloc; kept across exec (what it read may go on in
 * its arguments). */
#define FUT_READ_SLOTS  16
#define FUT_READ_OWNERS 4
struct fut_shared_reads {
	struct fut_taint_inode file[FUT_READ_SLOTS];
	__u64 inode[FUT_READ_SLOTS];
	__u32 file_owner[FUT_READ_SLOTS]; /* the file's owner (uid + 1): lost_owners */
	/* the marks of files whose slot was freed (nobody mapped them any more) */
	struct fut_taint_mark held;
	struct fut_taint_mark scratch; /* gather_mapped() gathers there */
	__u64 seen_gen;                /* mapped_gen when it last took its files' marks */
	__u32 overflow;
	/* beyond the slots: the owners (uid + 1) of the files mapped there, whose marks it takes
	 * (mapped_by_owner); more owners than this, or a reach into another's memory: all */
	__u32 owners_all;
	__u32 owner[FUT_READ_OWNERS];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fut_shared_reads);
} shared_reads SEC(".maps");

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

/* Pipes and loopback flows a browser or mail client (or a process one traces) reads: the
 * pipe's inode_key(), or FLOW_READER_TAG | the flow's loopback_marks key; the value says who
 * reads. A read check runs before the read blocks, so what a tainted writer puts in while
 * the reader waits would never meet it: decide_exempt_feed() refuses it at the write or send
 * instead (docs/upload-control.md, "Exempt programs and marked copies"). */
struct fut_exempt_reader {
	__u32 pid; /* thread group */
	__u32 uid;
	__u32 exe_id; /* the program's approval key part (0: none) */
	__u32 pad;
	char comm[16];
};

#define FLOW_READER_TAG 0xffffffff00000000ULL

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct fut_exempt_reader);
} exempt_readers SEC(".maps");

/* Exempt programs (browsers, mail clients) that a tainted process fed marked data without a
 * check that could refuse it: vmsplice(2), tee(2) or a pipe-to-pipe splice into a pipe the
 * program was already waiting on (its read check ran on the empty pipe). Thread group ->
 * the mark it was fed and the program it ran then (exe_id). While it still runs that
 * program it is exempt no more: it takes the mark at its next write or send and is judged
 * as any tainted process (feed_exempt(), take_fed_mark()). */
struct fut_fed_exempt {
	struct fut_taint_mark mark;
	__u32 exe_id;
	__u32 pad;
};

/* A hash, not an LRU: an entry evicted to make room would make that program exempt again.
 * An entry goes when its thread group has exited (tp_btf/sched_process_exit); when the map is
 * full, no program is exempt any more (fed_exempt_full). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct fut_fed_exempt);
} fed_exempt SEC(".maps");

/* A splice in progress into a pipe: pid_tgid -> the pipe's inode_key(), so the read check
 * of the file it splices from (file_permission, inside do_splice, before any data moves)
 * marks the pipe. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} splicing SEC(".maps");

/* A splice or tee in progress from an unmarked pipe into a regular file or another pipe
 * (round 13): pid_tgid -> the source pipe's inode_key() and a pending number made here (bit
 * 63 set: never one of the agent's). The destination takes that number before the call can
 * wait for its source (a pipe at once, a file at its write check); the call's return
 * resolves it to what the source carries then (splice_wait_done()), so a tainted writer that
 * fills the source while the call waits taints the destination, and whoever reads the
 * destination in the meantime is pending, refused its sends until then. Evicted (LRU): the
 * number is never resolved and the destination's readers stay refused (fail closed). */
struct fut_splice_wait {
	__u64 pipe;
	__u64 seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct fut_splice_wait);
} splice_waits SEC(".maps");

/* A splice in progress from a pipe into a socket, on the splicing thread itself (not its
 * leader: another thread's write to a socket is not a splice): set by fentry/do_splice,
 * cleared by fexit/do_splice, read by the socket's write check (file_permission, MAY_WRITE,
 * from rw_verify_area in do_splice before the splice waits or any data moves). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} splice_from_pipe SEC(".maps");

/* A vmsplice(2) in progress out of a pipe into user memory: pid_tgid -> the pipe's
 * inode_key(), noted where the pipe is looked up (fentry/get_pipe_info) and read when the
 * syscall returns (fexit), so data a tainted writer put in while the call waited taints the
 * caller. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} vmsplice_from SEC(".maps");

/* The same note when the task storage above cannot be created (out of memory): keyed by the
 * thread (pid_tgid), in a preallocated LRU map (an update takes no new memory, it evicts the
 * oldest note). Looked up only once one was made (splice_unnoted_used), so the write check
 * of a socket costs nothing more until then. Cleared by fexit/do_splice like the other. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} splice_unnoted SEC(".maps");

/* Address spaces shared by more than one process (not threads of one process): a vfork()
 * child, a clone(CLONE_VM) child and their parent read and write the same memory, so what
 * one takes in the other holds. Keyed by the mm_struct's address, the mark of everything
 * either took in since they first shared it; made by task_alloc, merged into by
 * taint_current_from(), taken in by current_mark(), removed when the address space ends
 * (fentry/exit_mmap, so a later mm at the same address does not inherit it). Preallocated:
 * an update never allocates, so it fails only when the map is full (16,384 address spaces that
 * vforked and still live). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct fut_taint_mark);
} mm_marks SEC(".maps");

/* The processes whose address space another process reached with ATTACH access
 * (ptrace_access_check: a /proc/PID/mem open, process_vm_readv/writev, a ptrace attach), by
 * the same key as mm_marks: which process it was, for a refusal's record, and whether it runs
 * an exempt program. A /proc/PID/mem descriptor reads and writes that memory for as long as
 * it is open (fut_file_permission). Preallocated like mm_marks, removed with it. */
struct fut_taint_reached {
	__u32 tgid;
	__u32 exempt;
	char comm[16];
	/* the process maps a file shared and writable it mapped while carrying nothing: a
	 * write into its memory there reaches the file with no hook of the file's */
	__u32 shared_file;
	/* the process maps a file shared that others can write into (round 16): a reader of its
	 * memory reads what they write there later, so it takes every such file's marks */
	__u32 shared_read;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct fut_taint_reached);
} mm_reached SEC(".maps");

/* Anonymous shared memory (mmap(MAP_SHARED | MAP_ANONYMOUS), Python's mmap.mmap(-1, n))
 * made before a fork(): parent and child have their own address spaces but share those
 * pages, and no hook sees the stores. The processes that share it form a group (a random
 * 64-bit key, in shm_groups on each); group_marks holds the mark of everything any member
 * took in since, merged in as for a shared address space and taken in at each decision.
 * An LRU: a member whose group's entry was evicted (or never made) takes Class II at its
 * decisions, so evicting a group (making 16,384 others) cannot clear it. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} shm_groups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct fut_taint_mark);
} group_marks SEC(".maps");

/* FUSE servers: processes (thread group leaders) that wrote to /dev/fuse, i.e. answered a
 * FUSE filesystem's requests (its INIT, at mount, is the first). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} fuse_servers SEC(".maps");

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
/* Set by the agent before load for a test only (FUTARI_TEST_SPLICE_NO_NOTE, tests/e2e
 * scenario 22): fentry/do_splice acts as if the task storage could not be created. */
const volatile __u32 test_no_splice_note = 0;
/* Tests only: bpf_find_vma() in mark_shared_files() taken as busy (mark_shared_at()). */
const volatile __u32 test_find_vma_busy = 0;

struct fut_taint_counters counters = {};
/* Nonzero once a loopback flow has been marked: receivers look it up only then. */
__u32 loopback_used = 0;
/* Nonzero once a pipe has been marked in pipe_marks: readers and splicers look it up only
 * then (before, every lookup would miss). Set before the first entry is added. */
__u32 pipes_used = 0;
/* Nonzero once a splice or tee from a pipe was noted (splice_waits). */
__u32 splice_waits_used = 0;
/* Nonzero once an address space was shared (mm_marks): exit_mmap looks it up only then. */
__u32 mm_shared_used = 0;
/* Nonzero once a process sharing an address space could not be flagged (no memory for its
 * task storage): from then on every decision looks its address space up in mm_marks. */
__u32 mm_lookup_all = 0;
/* Nonzero once a process answered /dev/fuse: regular file reads look fuse_servers up only
 * then. Set before the first entry is added. */
__u32 fuse_servers_used = 0;
/* Nonzero once a splice note went to splice_unnoted: socket write checks look it up only then. */
__u32 splice_unnoted_used = 0;
/* Nonzero once an exempt reader was noted in exempt_readers: writers look it up only then. */
__u32 exempt_readers_used = 0;
/* Nonzero once a file went into overflow_files: reads look it up only then. */
__u32 overflow_used = 0;
/* Entries in owed_files, counted up before one is added and down after one is dropped (never
 * below the truth): reads of regular files look it up only while it is above zero. */
__s64 owed_count = 0;
/* The marks of flagged files by their owner's uid: what a process with more files mapped at
 * once than its slots takes for the files beyond them. Full: mapped_owner_lost, and such
 * processes take mapped_union. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fut_taint_mark);
} mapped_by_owner SEC(".maps");

/* Moved (never back) each time a flagged file took a mark (mirror_mapped()). */
__u64 mapped_gen = 0;
/* Every mark mirrored since load: what a process with more flagged files than slots takes. */
struct fut_taint_mark mapped_union = {};
/* Owners (uid) of files whose mark mapped_marks had no room for (it is full): a reader of
 * such an owner's files whose entry is missing takes that owner's marks (mapped_by_owner), too
 * much but only that owner's. One user who fills mapped_marks (many files of their own mapped
 * shared and marked) so costs only readers of their own files, not every user's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} lost_owners SEC(".maps");

/* Nonzero once an owner went into lost_owners: readers look it up only then. */
__u32 lost_owners_used = 0;
/* Nonzero once neither mapped_marks nor lost_owners could take a file's mark: every reader
 * takes Class II. */
__u32 mapped_lost = 0;
/* Nonzero once mapped_by_owner could not take one: processes beyond their slots take all. */
__u32 mapped_owner_lost = 0;
/* Every mark owed to a file (owe_file()) or kept for a file's writable mappers beyond their
 * slots (note_mapper_mark()): which files is known by device and inode number only, so a
 * process beyond its read slots takes all of these. */
struct fut_taint_mark owed_union = {};
/* Target of the atomic adds that order a mark's store before the flag's load (x86: a locked
 * add is a full barrier), and the flag's store before the mark's load on the other side. */
__u64 mapped_order = 0;
/* Nonzero once an exempt program was fed (fed_exempt): looked up only then. */
__u32 fed_exempt_used = 0;
/* Nonzero once a fed program could not be noted in fed_exempt (full): from then on, until
 * the programs are loaded again, no program is exempt (fail closed): a browser or mail client
 * is judged by its own mark like any process, and pipe_read/recvmsg gave it the marks of what
 * it read. */
__u32 fed_exempt_full = 0;

/* The entry of @key in the hash @map. When there is none, @fresh is added as it: *@added is
 * set and NULL returned (the caller holds what went in). NULL with *@added clear: it could not
 * be added (the map full). An entry another CPU adds between the lookup and the insert is
 * returned. */
static __always_inline void *
lookup_or_add(void *map, const void *key, const void *fresh, int *added)
{
	void *v = bpf_map_lookup_elem(map, key);

	*added = 0;
	if (v != 0)
		return v;
	if (bpf_map_update_elem(map, key, fresh, BPF_NOEXIST) == 0) {
		*added = 1;
		return 0;
	}
	return bpf_map_lookup_elem(map, key);
}

/* An inode's device (the kernel's numbering) and number, as a map key. */
static __always_inline struct fut_taint_inode
inode_id(struct inode *inode)
{
	struct fut_taint_inode id = {};

	id.ino = inode->i_ino;
	id.dev = inode->i_sb->s_dev;
	return id;
}

static __always_inline int
stronger(__u32 a, __u32 b)
{
	return a != 0 && (b == 0 || a < b);
}

/* @file (with @inode) is a process's attachment of a SysV shared memory segment (shmat(2)):
 * a file on the kernel's internal shmem (or hugetlbfs) mount whose operations are not its
 * inode's (shm_file_operations wrap the segment's own file). An anonymous shared mapping and
 * a memfd, on the same mount, use their inode's operations. */
static __always_inline int
sysv_shm_file(struct file *file, struct inode *inode)
{
	if (!(BPF_CORE_READ(inode, i_sb, s_flags) & SB_KERNMOUNT))
		return 0;
	return (__u64)BPF_CORE_READ(file, f_op) != (__u64)BPF_CORE_READ(inode, i_fop);
}

/* The key a SysV segment is followed by (for its readers, mapped_marks; for its writers'
 * debts, owed_files). Its inode number is the segment's IPC id, 0 for the first segment, on
 * the kernel's shmem mount, where memfds and anonymous shared memory live too: the top bit
 * keeps it apart from those and from "no file" (0). */
static __always_inline struct fut_taint_inode
sysv_id(__u64 ino, __u32 dev)
{
	struct fut_taint_inode id = {};

	id.ino = ino | (1ULL << 63);
	id.dev = dev;
	return id;
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

/* The agent's entry for @t's executable, or NULL. */
static __always_inline struct fut_taint_exe *
task_exe(struct task_struct *t)
{
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

/* The agent's entry for the current executable, or NULL. */
static __always_inline struct fut_taint_exe *
current_exe(void)
{
	return task_exe(bpf_get_current_task_btf());
}

/* The current process runs a taint-exempt program (a browser, a mail client) and is not the
 * agent, which reads every file to classify, spool and export it. */
static __always_inline int
current_exempt_program(void)
{
	struct fut_taint_exe *x;

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return 0;
	x = current_exe();
	if (x == 0 || !(x->flags & FUT_TAINT_EXE_EXEMPT) || fed_exempt_full)
		return 0;
	/* fed marked data where nothing could refuse it: exempt no more (fed_exempt) */
	if (fed_exempt_used) {
		__u32 tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
		struct fut_fed_exempt *f = bpf_map_lookup_elem(&fed_exempt, &tgid);

		if (f != 0 && f->exe_id == x->exe_id)
			return 0;
	}
	return 1;
}

/* Exempt from the taint itself: an exempt program, or the agent. */
static __always_inline int
current_exempt(void)
{
	return (__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid || current_exempt_program();
}

/* The current thread is traced by a taint-exempt program (a browser tracing a process: it
 * reads the tracee's memory with PTRACE_PEEKDATA, which asks no LSM, and is never tainted
 * itself). What such a thread may read is what the browser may read. */
static __always_inline int
traced_by_exempt(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct task_struct *tracer;
	struct fut_taint_exe *x;

	if (t->ptrace == 0)
		return 0;
	tracer = t->parent;
	if (tracer == 0 || (__u32)BPF_CORE_READ(tracer, tgid) == agent_tgid)
		return 0;
	x = task_exe(tracer);
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
