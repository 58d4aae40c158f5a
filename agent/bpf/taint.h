/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The records shared by the kernel side (taint.bpf.c) and the loader (agent/taint.c). Plain
 * fixed-width types only: this header is compiled by clang for BPF and by gcc for the agent. */
#pragma once

#ifndef __FUT_BPF__
#include <stdint.h>
typedef uint8_t fut_u8;
typedef uint16_t fut_u16;
typedef uint32_t fut_u32;
typedef uint64_t fut_u64;
#else
typedef __u8 fut_u8;
typedef __u16 fut_u16;
typedef __u32 fut_u32;
typedef __u64 fut_u64;
#endif

/* The class numbers of common/infoclass.h: 1 is Class I (the highest), 2 Class II. 0: none.
 * 3 (Class III) only in the resolution map: the content taints nothing. */
#define FUT_TAINT_CLASS_NONE 0
#define FUT_TAINT_CLASS_III  3

/* Reads of content the agent had not classified yet, carried per mark until the agent has
 * classified it: at most this many sequence numbers; one more makes the mark Class II. */
#define FUT_TAINT_PENDING_SLOTS   4
/* Set in a pending sequence number the kernel side made itself (a splice or tee waiting for
 * its source pipe to fill, taint-pipe.bpf.h); the agent's numbers never have it. */
#define FUT_TAINT_SEQ_SPLICE_WAIT (1ULL << 63)

/* An inode in the kernel's numbering: dev is the kernel's dev_t (major << 20 | minor). */
struct fut_taint_inode {
	fut_u64 ino;
	fut_u32 dev;
	fut_u32 pad;
};

/* The value in inode storage (a classified or tainted file, pipe or socket) and in task
 * storage (a tainted process): the class and the Class I/II file it came from, and the
 * sequence numbers of not yet classified content it read (or that was written into it:
 * pending flows exactly like taint; 0: a free slot). In task storage, flags may hold
 * FUT_TAINT_TASK_PEER_EXEMPT and FUT_TAINT_TASK_MM_SHARED with or without a class. */
/* In task storage: runs a taint-exempt peer program, so its receives never taint it. */
#define FUT_TAINT_TASK_PEER_EXEMPT 0x1
/* In task storage: shares its address space with another process (vfork, posix_spawn,
 * clone(CLONE_VM)): mm_marks has an entry for it (or had, before an exec). */
#define FUT_TAINT_TASK_MM_SHARED   0x2
/* In task storage: made an anonymous MAP_SHARED mapping, which a child made by fork() shares
 * (round 9). */
#define FUT_TAINT_TASK_SHM_MAKER   0x4
/* In task storage: shares anonymous shared memory with other processes (its parent, its
 * children): shm_groups holds its group, whose mark is in group_marks. */
#define FUT_TAINT_TASK_SHM_GROUP   0x8
/* In task storage: mapped a regular file MAP_SHARED and writable while it carried no mark
 * (round 12): what it takes in later it can store into that file with no hook seeing it, so
 * a change of its mark is told to the agent (FUT_TAINT_EVENT_SHARED_FILES), which marks the
 * files it has mapped so. Inherited by fork(), dropped by exec. */
#define FUT_TAINT_TASK_SHARED_FILE 0x10
/* In task storage: maps (or mapped) a regular file MAP_SHARED that an unprivileged user can
 * write (round 16): what another process writes into that file later reaches this one's
 * memory with no hook, so its decisions first take the marks those files got since
 * (shared_reads, mapped_marks; taint-mapped.bpf.h). Inherited by fork(), kept across exec. */
#define FUT_TAINT_TASK_SHARED_READ 0x20
struct fut_taint_mark {
	fut_u32 file_class;
	fut_u32 flags;
	struct fut_taint_inode origin;
	fut_u64 pending[FUT_TAINT_PENDING_SLOTS];
};

/* The agent's verdict on one pending sequence number (the value of the resolution map):
 * FUT_TAINT_CLASS_III drops the pending, 1 or 2 turns it into that taint, from @origin. */
struct fut_taint_resolution {
	fut_u32 file_class;
	fut_u32 pad;
	struct fut_taint_inode origin;
};

/* The value in the executables' inode storage, set by the agent through a descriptor of the
 * program (so the kernel's own inode is meant, also on overlayfs where stat's numbers are not
 * the inode's): exempt, and the id approvals name the program by. PEER_EXEMPT ([upload]
 * taint-exempt-peers): on a program, what its processes receive from a socket never taints
 * them; on a unix socket's file (its bound path), what is sent to it never taints its
 * receiving end. */
#define FUT_TAINT_EXE_EXEMPT      0x1
#define FUT_TAINT_EXE_PEER_EXEMPT 0x2
struct fut_taint_exe {
	fut_u32 flags;
	fut_u32 exe_id; /* 0: none */
};

/* The key of the approval map: this content (the origin inode) by this user with this
 * program (its exe_id; 0: any program). The value (a fut_u64) is the end of the approval's
 * window on the kernel's boot clock (CLOCK_BOOTTIME, bpf_ktime_get_boot_ns), exclusive: the
 * agent converts the approval's wall-clock end when it adds the key, the kernel side refuses
 * and deletes a key whose end has passed, and the agent's tick removes ended ones too. The
 * boot clock cannot be set: moving the wall clock back does not lengthen a window. */
struct fut_taint_approval_key {
	struct fut_taint_inode origin;
	fut_u32 exe_id;
	fut_u32 uid;
};

enum fut_taint_event_kind {
	FUT_TAINT_EVENT_DENY_CONNECT = 1,
	FUT_TAINT_EVENT_DENY_SEND = 2,
	FUT_TAINT_EVENT_DENY_WRITE = 3, /* write()/sendfile() to a network socket */
	/* A connect, send or write by a process that read content the agent has not
	 * classified yet (seq: the first such sequence number). */
	FUT_TAINT_EVENT_DENY_PENDING = 4,
	/* A splice from a pipe into an AF_INET/AF_INET6 socket, by any program not exempt,
	 * tainted or not (file_class 0 when not): what the pipe will carry cannot be decided
	 * when the splice starts, and the data then goes out through sendpage, which no LSM hook
	 * sees. */
	FUT_TAINT_EVENT_DENY_SPLICE = 5,
	/* A write to a regular file on a network or FUSE filesystem (NFS, SMB, sshfs, rclone,
	 * gvfs…), or a shared writable mapping of one: the content leaves through that
	 * filesystem's server or daemon, not through a socket of the writer's (fs_magic, fs_dev,
	 * target say where; call: FUT_TAINT_CALL_WRITE or _MMAP). A PENDING refusal of such a
	 * write, or of a DENY_USB ioctl, carries the same fields. */
	FUT_TAINT_EVENT_DENY_REMOTE_FS = 6,
	/* An ioctl on a USB device node (usbfs, /dev/bus/usb/BBB/DDD: how MTP and PTP phones and
	 * cameras, adb and any libusb program talk to a device) by a tainted or pending process
	 * that is not root's (fs_dev: the node's device number, usbfs's major 189). */
	FUT_TAINT_EVENT_DENY_USB = 7,
	/* A reach into another process's memory (ptrace attach, process_vm_writev/readv,
	 * /proc/PID/mem, PTRACE_TRACEME) across an exempt program: a tainted process into a
	 * browser, or a browser into a tainted process (fs_dev: the other's pid; target: its
	 * comm). Between two ordinary processes the taint flows both ways instead. */
	FUT_TAINT_EVENT_DENY_PTRACE = 8,
	/* A FUSE server (a process that answered /dev/fuse) read a Class I/II file (call
	 * FUT_TAINT_CALL_FUSE_READ; target: the file's name), or answered /dev/fuse while it
	 * carried taint (call FUT_TAINT_CALL_FUSE_REPLY): what it serves reaches whoever reads its
	 * files, whose read check ran before the answer existed. A PENDING refusal of either
	 * carries the same call. */
	FUT_TAINT_EVENT_DENY_FUSE_SERVE = 9,
	/* A taint-exempt program (a browser, a mail client: never tainted, it sends what it
	 * reads) read or mapped a regular file whose mark holds Class I/II content, not under
	 * an approval: a copy a tainted process wrote (cp of a labelled file, base64, xz), on any
	 * filesystem (call FUT_TAINT_CALL_EXEMPT_READ; target: the file's name), or received
	 * what a tainted process sent on a loopback flow (FUT_TAINT_CALL_EXEMPT_RECV).
	 * Content in the mark not classified yet is a PENDING refusal with the same call. */
	FUT_TAINT_EVENT_DENY_EXEMPT_READ = 10,
	/* A tainted process wrote into a pipe, or sent on a loopback flow, that a browser or
	 * mail client reads (its read check ran before, on an empty pipe or socket): refused as
	 * the browser's read would be (call FUT_TAINT_CALL_EXEMPT_FEED; fs_dev: the reader's
	 * pid; target: its comm; family and port: the flow's destination, family 0 for a pipe).
	 * Content not classified yet is a PENDING refusal with the same call. */
	FUT_TAINT_EVENT_DENY_EXEMPT_FEED = 11,
	/* Not a refusal: a process flagged FUT_TAINT_TASK_SHARED_FILE took in a mark (a read of
	 * a Class I/II or not yet classified file, a pipe, a socket). The agent gives its mark
	 * to every regular file it has mapped shared and writable (/proc/PID/maps). */
	FUT_TAINT_EVENT_SHARED_FILES = 12,
};

/* How a DENY_REMOTE_FS write was made. */
#define FUT_TAINT_CALL_WRITE       1 /* write, writev, sendfile, splice, copy_file_range, io_uring */
#define FUT_TAINT_CALL_MMAP        2 /* mmap(PROT_WRITE, MAP_SHARED) */
#define FUT_TAINT_CALL_IOCTL       3 /* DENY_USB: an ioctl on a USB device node */
#define FUT_TAINT_CALL_PTRACE      4 /* DENY_PTRACE */
#define FUT_TAINT_CALL_FUSE_READ   5 /* DENY_FUSE_SERVE: the server's read of a file */
#define FUT_TAINT_CALL_FUSE_REPLY  6 /* DENY_FUSE_SERVE: its write to /dev/fuse */
#define FUT_TAINT_CALL_EXEMPT_READ 7 /* DENY_EXEMPT_READ: an exempt program's read or mapping */
#define FUT_TAINT_CALL_EXEMPT_RECV 8 /* DENY_EXEMPT_READ: its receive on a loopback flow */
#define FUT_TAINT_CALL_EXEMPT_FEED 9 /* DENY_EXEMPT_FEED: a write or send to what one reads */

#define FUT_TAINT_COMM_LEN 16
#define FUT_TAINT_NAME_LEN 64

/* One denial, from the kernel through the ring buffer. */
struct fut_taint_event {
	fut_u32 kind;
	fut_u32 pid; /* thread group id */
	fut_u32 uid;
	fut_u32 file_class;
	struct fut_taint_inode origin;
	struct fut_taint_inode exe;
	fut_u16 family;
	fut_u16 port;     /* host order */
	fut_u32 fs_magic; /* DENY_REMOTE_FS: the filesystem's magic number (statfs f_type) */
	fut_u8 addr[16];
	fut_u32 fs_dev; /* DENY_REMOTE_FS: its device, the kernel's dev_t (major << 20 | minor);
	                 * DENY_USB: the USB device node's */
	fut_u32 call;   /* DENY_REMOTE_FS: FUT_TAINT_CALL_* */
	fut_u64 seq;    /* DENY_PENDING: the unresolved sequence number */
	/* DENY_PENDING: every unresolved sequence number of the process (0: none), so the agent
	 * can give the kernel again a verdict its resolution map has lost (LRU eviction). */
	fut_u64 pending[FUT_TAINT_PENDING_SLOTS];
	char comm[FUT_TAINT_COMM_LEN];
	char exe_name[FUT_TAINT_NAME_LEN]; /* the executable's file name, no directory */
	char target[FUT_TAINT_NAME_LEN];   /* DENY_REMOTE_FS: the written file's name */
};

/* Counters in the program's .bss, read by the agent. */
struct fut_taint_counters {
	fut_u64 tainted;          /* processes tainted by a read */
	fut_u64 denied;           /* connects and sends refused */
	fut_u64 dropped;          /* denials the ring buffer had no room for */
	fut_u64 flowed;           /* files, pipes and sockets marked by a tainted writer */
	fut_u64 expired;          /* approvals the kernel side found ended (and deleted) */
	fut_u64 peer_exempt;      /* sends and receives that did not taint: an exempt peer */
	fut_u64 pending;          /* pending sequence numbers a process took by a read */
	fut_u64 pending_overflow; /* marks made Class II: no free pending slot */
	/* Splices from a pipe into a socket whose note the task storage could not take (out of
	 * memory): noted in the fallback map instead, and refused all the same. */
	fut_u64 splice_unnoted;
	/* ... and the fallback map could not take it either: judged by taint alone. */
	fut_u64 splice_note_lost;
	/* Browsers or mail clients fed marked data by vmsplice, tee or a pipe-to-pipe splice
	 * while they waited on the pipe (no check can refuse those): no longer exempt. */
	fut_u64 exempt_fed;
	/* ... that fed_exempt could not note (full): from then on no program is exempt. */
	fut_u64 exempt_fed_full;
	/* Files mapped shared and writable owed a mark a tracing program could not give them
	 * (owed_files), and given it at their next read or mapping. */
	fut_u64 shared_owed;
	fut_u64 shared_owed_taken;
	/* Files mapped shared and writable beyond a process's slots (overflow_files). */
	fut_u64 shared_overflow;
	/* Shared mappings of user-writable files noted for their readers (shared_reads), those
	 * beyond a process's slots (it takes every such file's mark: mapped_union), and the
	 * marks readers took from files marked after they mapped them. */
	fut_u64 mapped_noted;
	fut_u64 mapped_overflow;
	fut_u64 mapped_pulled;
	/* Marks of such files that mapped_marks had no room for (their owner's readers take the
	 * owner's marks: lost_owners), and those lost_owners could not take either (every reader
	 * takes Class II). */
	fut_u64 mapped_full;
	fut_u64 mapped_lost;
};
