/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The BPF taint's denials (agent/taint.h): read from the ring buffer in the main loop, named
 * (the executable, the file the taint or the pending number came from, the destination) and
 * handed to the agent; what the ring buffer had no room for is reported as a gap. Also the
 * log records of both. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "jsonesc.h"
#include "taint-private.h"

/* detail.pending_from of a refusal pending on a number the kernel made (FutTaintDenial) */
#define SPLICE_WAIT_NOTE "what a splice or tee was still waiting for: no file known yet"

#ifdef HAVE_BPF_TAINT
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>

#include "mounts.h"
#endif

static const gchar *
class_name(guint file_class)
{
	switch (file_class) {
	case 1:
		return "I";
	case 2:
		return "II";
	default:
		return "II"; /* what cannot be said is Class II */
	}
}

static const gchar *
kind_reason(FutTaintDenialKind kind)
{
	switch (kind) {
	case FUT_TAINT_DENIED_CONNECT:
		return "a process that read a classified file tried to connect to the network";
	case FUT_TAINT_DENIED_WRITE:
		return "a process that read a classified file tried to write to a network socket";
	case FUT_TAINT_DENIED_PENDING:
		return "content not yet classified: a process that read a file the agent had not "
		       "classified yet tried to send to the network";
	case FUT_TAINT_DENIED_SPLICE:
		return "splice from a pipe into a network socket: refused for every program not "
		       "exempt (what the pipe will carry cannot be decided when the splice starts)";
	case FUT_TAINT_DENIED_REMOTE_FS:
		return "a process that read a classified file tried to write to a network or FUSE "
		       "filesystem";
	case FUT_TAINT_DENIED_USB:
		return "a process that read a classified file tried to talk to a USB device "
		       "directly (usbfs: a phone, a camera, adb)";
	case FUT_TAINT_DENIED_PTRACE:
		return "a process that read a classified file tried to reach into a browser's or "
		       "mail client's memory, or one of those into its memory (ptrace, "
		       "process_vm_writev, /proc/PID/mem), or to write through /proc/PID/mem into "
		       "a process that maps files shared and writable (the write would reach "
		       "those files unseen)";
	case FUT_TAINT_DENIED_FUSE_SERVE:
		return "a FUSE filesystem's server tried to read a classified file, or to answer "
		       "its readers after it read one (what it serves reaches whoever reads its "
		       "files)";
	case FUT_TAINT_DENIED_EXEMPT_READ:
		return "a browser or mail client (or a process one of them traces) tried to read a "
		       "classified file or a copy written from classified content, or to receive "
		       "what a process that read one sent it, with no approval";
	case FUT_TAINT_DENIED_EXEMPT_FEED:
		return "a process that read a classified file tried to pass it to a browser or "
		       "mail "
		       "client through a pipe or a loopback connection the browser reads, with no "
		       "approval";
	case FUT_TAINT_DENIED_SEND:
	default:
		return "a process that read a classified file tried to send to the network";
	}
}

FutLogEvent *
fut_taint_denial_to_log_event(const FutTaintDenial *d)
{
	FutLogEvent *ev = fut_log_event_new("upload.denied");

	fut_log_event_set_subject(ev, (gint64)d->uid, NULL, FUT_LOG_INT_ABSENT,
	                          d->pid > 0 ? (gint64)d->pid : FUT_LOG_INT_ABSENT, d->exe);
	/* An untainted splicer's refusal names no file and no class. */
	if (d->kind == FUT_TAINT_DENIED_SPLICE && d->file_class == 0)
		fut_log_event_set_object(ev, NULL, FUT_LOG_INT_ABSENT, NULL, NULL);
	else
		fut_log_event_set_object(ev, d->origin_path, FUT_LOG_INT_ABSENT, NULL,
		                         class_name(d->file_class));
	fut_log_event_set_upload(ev, d->destination, d->exe);
	fut_log_event_set_decision(ev, FUT_LOG_DECISION_DENY, kind_reason(d->kind));
	fut_log_event_set_detail(ev, "layer", "bpf-lsm");
	if (d->kind == FUT_TAINT_DENIED_PENDING)
		fut_log_event_set_detail(ev, "classification", "pending");
	if (d->kind == FUT_TAINT_DENIED_PENDING && d->republished > 0)
		fut_log_event_set_detail_int(ev, "verdicts_republished", (gint64)d->republished);
	if (d->kind == FUT_TAINT_DENIED_PENDING && d->splice_wait)
		fut_log_event_set_detail(ev, "pending_from", SPLICE_WAIT_NOTE);
	if (d->comm != NULL)
		fut_log_event_set_detail(ev, "comm", d->comm);
	if (d->kind == FUT_TAINT_DENIED_SPLICE)
		fut_log_event_set_detail(ev, "call", "splice");
	if (d->call != NULL)
		fut_log_event_set_detail(ev, "call", d->call);
	if (d->target != NULL)
		fut_log_event_set_detail(ev,
		                         g_strcmp0(d->call, "read") == 0 ||
		                                 g_strcmp0(d->call, "exempt-read") == 0
		                             ? "read_file"
		                             : "written_file",
		                         d->target);
	if (d->kind == FUT_TAINT_DENIED_SPLICE && d->file_class == 0)
		return ev;
	fut_log_event_set_detail_int(ev, "dev", (gint64)MIN(d->origin_dev, G_MAXINT64));
	fut_log_event_set_detail_int(ev, "ino", (gint64)MIN(d->origin_ino, G_MAXINT64));
	return ev;
}

JsonObject *
fut_taint_denial_to_fields(const FutTaintDenial *d)
{
	JsonObject *f = json_object_new();
	JsonObject *subject = json_object_new();
	JsonObject *object = json_object_new();
	JsonObject *dest = json_object_new();
	JsonObject *detail = json_object_new();

	json_object_set_int_member(subject, "uid", d->uid);
	if (d->pid > 0)
		json_object_set_int_member(subject, "pid", d->pid);
	fut_json_set_escaped(subject, "exe", d->exe);
	json_object_set_object_member(f, "subject", subject);
	/* An untainted splicer's refusal names no file and no class (as its record). */
	if (!(d->kind == FUT_TAINT_DENIED_SPLICE && d->file_class == 0)) {
		fut_json_set_escaped(object, "path", d->origin_path);
		json_object_set_string_member(object, "class", class_name(d->file_class));
	}
	json_object_set_object_member(f, "object", object);
	json_object_set_string_member(dest, "kind", "upload");
	fut_json_set_escaped(dest, "host", d->destination);
	fut_json_set_escaped(dest, "program", d->exe);
	json_object_set_object_member(f, "destination", dest);
	fut_json_set_escaped(f, "reason", kind_reason(d->kind));
	json_object_set_string_member(detail, "layer", "bpf-lsm");
	/* as in the record: refused only until the content is classified */
	if (d->kind == FUT_TAINT_DENIED_PENDING)
		json_object_set_string_member(detail, "classification", "pending");
	if (d->kind == FUT_TAINT_DENIED_PENDING && d->splice_wait)
		json_object_set_string_member(detail, "pending_from", SPLICE_WAIT_NOTE);
	fut_json_set_escaped(detail, "call", d->call);
	json_object_set_object_member(f, "detail", detail);
	return f;
}

FutLogEvent *
fut_taint_gap_to_log_event(guint64 lost)
{
	FutLogEvent *ev = fut_log_event_new_gap(
	    "taint-denials-dropped",
	    "the kernel refused these sends but its ring buffer had no room to report them");

	fut_log_event_set_detail_int(ev, "count", (gint64)MIN(lost, G_MAXINT64));
	return ev;
}

#ifndef HAVE_BPF_TAINT

void
fut_taint_check_gap(FutTaint *t)
{
	(void)t;
}

#else /* HAVE_BPF_TAINT */

static gchar *
read_exe(guint32 pid)
{
	g_autofree gchar *link = g_strdup_printf("/proc/%u/exe", pid);

	return g_file_read_link(link, NULL);
}

/* The name of a remote_fs() magic number (taint-net.bpf.h), for a mount the agent cannot see. */
static const gchar *
remote_fs_name(guint32 magic)
{
	switch (magic) {
	case 0x6969:
		return "nfs";
	case 0x517B:
		return "smbfs";
	case 0xFF534D42:
		return "cifs";
	case 0xFE534D42:
		return "smb2";
	case 0x65735546:
		return "fuse";
	case 0x00C36400:
		return "ceph";
	case 0x6B414653:
	case 0x5346414F:
		return "afs";
	case 0x73757245:
		return "coda";
	case 0x0BD00BD0:
		return "lustre";
	case 0x20030528:
		return "orangefs";
	default:
		return "remote";
	}
}

/* "TYPE MOUNTPOINT" of the filesystem on device @kdev (the kernel's dev_t) as the agent's
 * mount namespace sees it (the first such mount), or "TYPE filesystem, device MAJ:MIN" when
 * it is not there (a user's FUSE mount in a namespace of their own). */
static gchar *
format_remote_fs(guint32 magic, guint32 kdev)
{
	guint maj = kdev >> 20, min = kdev & 0xfffff;
	g_autoptr(GPtrArray) mounts = fut_mounts_for_device(maj, min, NULL);

	if (mounts != NULL && mounts->len > 0) {
		const FutMount *m = g_ptr_array_index(mounts, 0);

		return g_strdup_printf("%s %s", m->fs_type, m->mount_point);
	}
	return g_strdup_printf("%s filesystem, device %u:%u", remote_fs_name(magic), maj, min);
}

/* The families a tainted process is refused besides the internet ones (taint-net.bpf.h's
 * dest_is_network()), by name where one is known. */
static const gchar *
family_name(guint family)
{
	switch (family) {
	case AF_PACKET:
		return "packet";
	case AF_BLUETOOTH:
		return "Bluetooth";
	case AF_VSOCK:
		return "vsock";
	case AF_TIPC:
		return "TIPC";
	case AF_RDS:
		return "RDS";
	case AF_CAN:
		return "CAN";
	case AF_NFC:
		return "NFC";
	case AF_SMC:
		return "SMC";
	case AF_XDP:
		return "XDP";
	default:
		return "another";
	}
}

static gchar *
format_destination(const struct fut_taint_event *e)
{
	char buf[INET6_ADDRSTRLEN] = "";

	if (e->call == FUT_TAINT_CALL_FUSE_READ || e->call == FUT_TAINT_CALL_FUSE_REPLY)
		return g_strdup("FUSE filesystem served by this process");
	if (e->call == FUT_TAINT_CALL_EXEMPT_READ || e->call == FUT_TAINT_CALL_EXEMPT_RECV)
		return g_strdup("this program (a browser or mail client sends what it reads)");
	if (e->call == FUT_TAINT_CALL_EXEMPT_FEED) {
		g_autofree gchar *comm = g_strndup(e->target, sizeof e->target);

		if (e->family == AF_INET || e->family == AF_INET6) {
			inet_ntop(e->family, e->addr, buf, sizeof buf);
			return g_strdup_printf(
			    e->family == AF_INET
			        ? "process %u (%s), a browser or mail client, at %s:%u"
			        : "process %u (%s), a browser or mail client, at [%s]:%u",
			    e->fs_dev, comm, buf, e->port);
		}
		return g_strdup_printf(
		    "process %u (%s), a browser or mail client, reading this pipe", e->fs_dev,
		    comm);
	}
	if (e->call == FUT_TAINT_CALL_PTRACE) {
		g_autofree gchar *comm = g_strndup(e->target, sizeof e->target);

		return g_strdup_printf("process %u (%s)", e->fs_dev, comm);
	}
	if (e->call == FUT_TAINT_CALL_IOCTL) {
		/* usbfs numbers its nodes (bus - 1) * 128 + (device - 1), as /dev/bus/usb/BBB/DDD.
		 */
		guint minor = e->fs_dev & 0xfffff;

		return g_strdup_printf("USB device %03u/%03u", minor / 128 + 1, minor % 128 + 1);
	}
	if (e->fs_magic != 0)
		return format_remote_fs(e->fs_magic, e->fs_dev);

	if (e->family == AF_INET) {
		inet_ntop(AF_INET, e->addr, buf, sizeof buf);
		return g_strdup_printf("%s:%u", buf, e->port);
	}
	if (e->family == AF_INET6) {
		inet_ntop(AF_INET6, e->addr, buf, sizeof buf);
		return g_strdup_printf("[%s]:%u", buf, e->port);
	}
	return g_strdup_printf("%s socket (address family %u)", family_name(e->family), e->family);
}

int
fut_taint_on_event(void *ctx, void *data, size_t size)
{
	FutTaint *t = ctx;
	const struct fut_taint_event *e = data;
	FutTaintDenial d = {0};
	g_autofree gchar *exe = NULL;
	g_autofree gchar *comm = NULL;
	g_autofree gchar *dest = NULL;
	g_autofree gchar *origin = NULL;
	g_autofree gchar *target = NULL;

	if (size < sizeof *e)
		return 0;
	if (e->kind == FUT_TAINT_EVENT_SHARED_FILES) {
		fut_taint_mappings_queue(t, e->pid); /* not a refusal: nothing is recorded */
		return 0;
	}
	if (e->call == FUT_TAINT_CALL_FUSE_READ) {
		target = g_strndup(e->target, sizeof e->target);
		d.call = "read";
	} else if (e->call == FUT_TAINT_CALL_EXEMPT_READ) {
		target = g_strndup(e->target, sizeof e->target);
		d.call = "exempt-read";
	} else if (e->call == FUT_TAINT_CALL_EXEMPT_RECV) {
		d.call = "exempt-receive";
	} else if (e->call == FUT_TAINT_CALL_EXEMPT_FEED) {
		d.call = "exempt-feed";
	} else if (e->call == FUT_TAINT_CALL_FUSE_REPLY) {
		d.call = "write";
	} else if (e->call == FUT_TAINT_CALL_IOCTL) {
		d.call = "ioctl";
	} else if (e->call == FUT_TAINT_CALL_PTRACE) {
		d.call = "ptrace";
	} else if (e->fs_magic != 0) {
		target = g_strndup(e->target, sizeof e->target);
		d.call = e->call == FUT_TAINT_CALL_MMAP ? "mmap" : "write";
	}
	exe = read_exe(e->pid);
	if (exe == NULL)
		exe = g_strndup(e->exe_name, sizeof e->exe_name);
	comm = g_strndup(e->comm, sizeof e->comm);
	dest = format_destination(e);
	if (e->kind == FUT_TAINT_EVENT_DENY_PENDING) {
		/* Named by the file whose content is not classified yet. */
		if (!fut_taint_pending_origin(t, e->seq, &origin, &d.origin_dev, &d.origin_ino))
			d.splice_wait = (e->seq & FUT_TAINT_SEQ_SPLICE_WAIT) != 0;
		/* A verdict the kernel's map evicted would keep this process refused until it
		 * exits: given again when the agent still has it. */
		d.republished = fut_taint_republish(t, e->pending, FUT_TAINT_PENDING_SLOTS);
	} else {
		origin = fut_taint_origin_path(t, e->origin.dev, e->origin.ino);
		d.origin_dev = fut_taint_udev_of(e->origin.dev);
		d.origin_ino = e->origin.ino;
	}
	d.kind = (FutTaintDenialKind)e->kind;
	d.pid = e->pid;
	d.uid = e->uid;
	d.file_class = e->file_class;
	d.origin_path = origin;
	d.exe = exe;
	d.comm = comm;
	d.destination = dest;
	d.target = target;
	if (t->on_denial != NULL)
		t->on_denial(&d, t->user_data);
	return 0;
}

void
fut_taint_check_gap(FutTaint *t)
{
	guint64 dropped = __atomic_load_n(&t->skel->bss->counters.dropped, __ATOMIC_RELAXED);

	if (dropped == t->dropped_reported)
		return;
	if (t->on_gap != NULL)
		t->on_gap(dropped - t->dropped_reported, t->user_data);
	t->dropped_reported = dropped;
}

gboolean
fut_taint_rb_ready(gint fd, GIOCondition cond, gpointer user_data)
{
	FutTaint *t = user_data;

	(void)fd, (void)cond;
	ring_buffer__consume(t->rb);
	fut_taint_check_gap(t);
	return G_SOURCE_CONTINUE;
}

#endif /* HAVE_BPF_TAINT */
