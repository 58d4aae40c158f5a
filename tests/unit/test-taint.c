/* SPDX-License-Identifier: GPL-2.0-or-later */
/* agent/taint.c without a kernel: the records of BPF LSM denials and drops (untrusted
 * strings from the kernel and /proc arrive escaped; a drop count is a gap), and what a
 * build or kernel without BPF LSM answers. The kernel side itself is tested in the e2e VM
 * (tests/e2e/scenarios/22-agent-bpf-taint.sh). */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/taint.h"
#include "errors.h"
#include "logrecord.h"

static FutLogRecord *
round_trip(FutLogEvent *ev)
{
	FutLogRecord lr = {.seq = 0, .time_us = 1764720000000000, .host = (gchar *)"pc1", .ev = ev};
	g_autofree gchar *line = NULL;
	g_autoptr(GError) error = NULL;
	FutLogRecord *back;
	gsize len = 0;

	line = fut_log_record_encode(&lr, &len);
	g_assert_null(strchr(line, '\n'));
	back = fut_log_record_parse(line, len, &error);
	g_assert_no_error(error);
	return back;
}

static void
test_denial_record(void)
{
	FutTaintDenial d = {
	    .kind = FUT_TAINT_DENIED_CONNECT,
	    .pid = 4242,
	    .uid = 1000,
	    .file_class = 2,
	    .origin_dev = 2049,
	    .origin_ino = 77,
	    .origin_path = "/home/a/bid\n{\"seq\":1}.txt",
	    .exe = "/tmp/cu\x1brl",
	    .comm = "curl\nforged",
	    .destination = "192.0.2.1:8080",
	};
	g_autoptr(FutLogEvent) ev = fut_taint_denial_to_log_event(&d);
	g_autoptr(FutLogRecord) back = round_trip(ev);

	g_assert_cmpstr(back->ev->event, ==, "upload.denied");
	g_assert_cmpint(back->ev->subject.uid, ==, 1000);
	g_assert_cmpint(back->ev->subject.pid, ==, 4242);
	g_assert_cmpstr(back->ev->object.klass, ==, "II");
	g_assert_cmpstr(back->ev->decision, ==, "deny");
	g_assert_cmpstr(back->ev->destination.kind, ==, "upload");
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "layer"), ==, "bpf-lsm");
	g_assert_nonnull(strstr(back->ev->reason, "connect"));
	/* Untrusted strings arrive escaped: no record can forge another. */
	g_assert_null(strchr(back->ev->object.path, '\n'));
	g_assert_null(strchr(back->ev->subject.exe, '\x1b'));
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "comm"), ==, "curl\\nforged");

	/* Class I stays Class I; a class the kernel should never send is Class II. */
	d.file_class = 1;
	d.kind = FUT_TAINT_DENIED_SEND;
	{
		g_autoptr(FutLogEvent) ev1 = fut_taint_denial_to_log_event(&d);
		g_assert_cmpstr(ev1->object.klass, ==, "I");
		g_assert_nonnull(strstr(ev1->reason, "send"));
	}
	d.file_class = 9;
	d.origin_path = NULL;
	d.comm = NULL;
	{
		g_autoptr(FutLogEvent) ev9 = fut_taint_denial_to_log_event(&d);
		g_autoptr(FutLogRecord) b9 = round_trip(ev9);
		g_assert_cmpstr(b9->ev->object.klass, ==, "II");
	}
}

/* A tainted process's write to a file on a network or FUSE filesystem: the filesystem is the
 * destination, and the written file's name (the user's choice, escaped) and the call are in
 * the details. */
static void
test_remote_fs_record(void)
{
	FutTaintDenial d = {
	    .kind = FUT_TAINT_DENIED_REMOTE_FS,
	    .pid = 4244,
	    .uid = 1000,
	    .file_class = 1,
	    .origin_dev = 2049,
	    .origin_ino = 78,
	    .origin_path = "/home/a/roster.csv",
	    .exe = "/usr/bin/cp",
	    .comm = "cp",
	    .destination = "fuse.sshfs /home/a/share",
	    .target = "roster\n{\"seq\":1}.csv",
	    .call = "mmap",
	};
	g_autoptr(FutLogEvent) ev = fut_taint_denial_to_log_event(&d);
	g_autoptr(FutLogRecord) back = round_trip(ev);

	g_assert_cmpstr(back->ev->event, ==, "upload.denied");
	g_assert_cmpstr(back->ev->decision, ==, "deny");
	g_assert_cmpstr(back->ev->object.klass, ==, "I");
	g_assert_cmpstr(back->ev->object.path, ==, "/home/a/roster.csv");
	g_assert_cmpstr(back->ev->destination.host, ==, "fuse.sshfs /home/a/share");
	g_assert_nonnull(strstr(back->ev->reason, "network or FUSE filesystem"));
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "call"), ==, "mmap");
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "written_file"), ==,
	                "roster\\n{\"seq\":1}.csv");

	/* A tainted process's ioctl on a USB device node. */
	d.kind = FUT_TAINT_DENIED_USB;
	d.destination = "USB device 001/002";
	d.target = NULL;
	d.call = "ioctl";
	{
		g_autoptr(FutLogEvent) evu = fut_taint_denial_to_log_event(&d);
		g_autoptr(FutLogRecord) bu = round_trip(evu);

		g_assert_cmpstr(bu->ev->destination.host, ==, "USB device 001/002");
		g_assert_nonnull(strstr(bu->ev->reason, "USB device directly"));
		g_assert_cmpstr(fut_log_event_get_detail_str(bu->ev, "call"), ==, "ioctl");
		g_assert_null(fut_log_event_get_detail_str(bu->ev, "written_file"));
	}

	/* A reach into the browser's memory. */
	d.kind = FUT_TAINT_DENIED_PTRACE;
	d.destination = "process 4300 (firefox)";
	d.call = "ptrace";
	{
		g_autoptr(FutLogEvent) evp = fut_taint_denial_to_log_event(&d);

		g_assert_cmpstr(evp->destination.host, ==, "process 4300 (firefox)");
		g_assert_nonnull(strstr(evp->reason, "process_vm_writev"));
		g_assert_cmpstr(fut_log_event_get_detail_str(evp, "call"), ==, "ptrace");
	}

	/* A tainted writer's refused feed into a pipe a browser reads: the writer is the
	 * subject, the browser (its comm, a user's string) the destination, escaped. */
	d.kind = FUT_TAINT_DENIED_EXEMPT_FEED;
	d.destination =
	    "process 4300 (fire\x1b[2Jfox), a browser or mail client, reading this pipe";
	d.call = "exempt-feed";
	{
		g_autoptr(FutLogEvent) evx = fut_taint_denial_to_log_event(&d);
		g_autoptr(FutLogRecord) bx = round_trip(evx);

		g_assert_nonnull(strstr(bx->ev->reason, "pass it to a browser or mail client"));
		g_assert_cmpstr(fut_log_event_get_detail_str(bx->ev, "call"), ==, "exempt-feed");
		g_assert_null(strchr(bx->ev->destination.host, '\x1b'));
		g_assert_nonnull(strstr(bx->ev->destination.host, "reading this pipe"));
	}

	/* A FUSE server's refused read names the file it read, as read_file, not written_file. */
	d.kind = FUT_TAINT_DENIED_FUSE_SERVE;
	d.destination = "FUSE filesystem served by this process";
	d.target = "roster\tcopy.csv";
	d.call = "read";
	{
		g_autoptr(FutLogEvent) evf = fut_taint_denial_to_log_event(&d);
		g_autoptr(FutLogRecord) bf = round_trip(evf);

		g_assert_cmpstr(bf->ev->destination.host, ==,
		                "FUSE filesystem served by this process");
		g_assert_nonnull(strstr(bf->ev->reason, "FUSE filesystem's server"));
		g_assert_cmpstr(fut_log_event_get_detail_str(bf->ev, "call"), ==, "read");
		g_assert_cmpstr(fut_log_event_get_detail_str(bf->ev, "read_file"), ==,
		                "roster\\tcopy.csv");
		g_assert_null(fut_log_event_get_detail_str(bf->ev, "written_file"));
	}

	/* Other kinds carry neither. */
	d.kind = FUT_TAINT_DENIED_SEND;
	d.target = NULL;
	d.call = NULL;
	{
		g_autoptr(FutLogEvent) ev2 = fut_taint_denial_to_log_event(&d);
		g_assert_null(fut_log_event_get_detail_str(ev2, "written_file"));
		g_assert_null(fut_log_event_get_detail_str(ev2, "call"));
	}
}

/* What the refused user's desktop is sent: the record's shape, strings escaped, the layer
 * named; an untainted splice names no file and no class. */
static void
test_denial_fields(void)
{
	FutTaintDenial d = {
	    .kind = FUT_TAINT_DENIED_REMOTE_FS,
	    .pid = 4245,
	    .uid = 1000,
	    .file_class = 2,
	    .origin_path = "/home/a/bid\n.txt",
	    .exe = "/usr/bin/c\x1bp",
	    .destination = "fuse.sshfs /home/a/share",
	    .target = "bid.txt",
	    .call = "write",
	};
	g_autoptr(JsonObject) f = fut_taint_denial_to_fields(&d);
	JsonObject *subject = json_object_get_object_member(f, "subject");
	JsonObject *object = json_object_get_object_member(f, "object");
	JsonObject *dest = json_object_get_object_member(f, "destination");
	JsonObject *detail = json_object_get_object_member(f, "detail");

	g_assert_cmpint(json_object_get_int_member(subject, "uid"), ==, 1000);
	g_assert_null(strchr(json_object_get_string_member(subject, "exe"), '\x1b'));
	g_assert_cmpstr(json_object_get_string_member(object, "path"), ==, "/home/a/bid\\n.txt");
	g_assert_cmpstr(json_object_get_string_member(object, "class"), ==, "II");
	g_assert_cmpstr(json_object_get_string_member(dest, "host"), ==,
	                "fuse.sshfs /home/a/share");
	g_assert_cmpstr(json_object_get_string_member(detail, "layer"), ==, "bpf-lsm");
	g_assert_cmpstr(json_object_get_string_member(detail, "call"), ==, "write");
	g_assert_nonnull(strstr(json_object_get_string_member(f, "reason"), "FUSE filesystem"));

	g_assert_false(json_object_has_member(detail, "classification"));
	d.kind = FUT_TAINT_DENIED_PENDING;
	{
		g_autoptr(JsonObject) p = fut_taint_denial_to_fields(&d);

		g_assert_cmpstr(json_object_get_string_member(
		                    json_object_get_object_member(p, "detail"), "classification"),
		                ==, "pending");
	}

	d.kind = FUT_TAINT_DENIED_SPLICE;
	d.file_class = 0;
	d.call = NULL;
	{
		g_autoptr(JsonObject) s = fut_taint_denial_to_fields(&d);
		JsonObject *o = json_object_get_object_member(s, "object");

		g_assert_false(json_object_has_member(o, "path"));
		g_assert_false(json_object_has_member(o, "class"));
	}
}

/* A refused splice from a pipe into a socket: by an untainted process it names no file and
 * no class (nothing was read); by a tainted one, the file and class as any denial. */
static void
test_splice_record(void)
{
	FutTaintDenial d = {
	    .kind = FUT_TAINT_DENIED_SPLICE,
	    .pid = 4243,
	    .uid = 1000,
	    .file_class = 0,
	    .exe = "/usr/bin/python3.11",
	    .comm = "python3",
	    .destination = "192.0.2.1:8080",
	};
	g_autoptr(FutLogEvent) ev = fut_taint_denial_to_log_event(&d);
	g_autoptr(FutLogRecord) back = round_trip(ev);
	g_autoptr(FutLogEvent) ev2 = NULL;
	g_autoptr(FutLogRecord) back2 = NULL;

	g_assert_cmpstr(back->ev->event, ==, "upload.denied");
	g_assert_cmpstr(back->ev->decision, ==, "deny");
	g_assert_null(back->ev->object.klass);
	g_assert_null(back->ev->object.path);
	g_assert_nonnull(strstr(back->ev->reason, "splice from a pipe into a network socket"));
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "call"), ==, "splice");
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "layer"), ==, "bpf-lsm");

	d.file_class = 1;
	d.origin_path = "/home/a/bid.txt";
	d.origin_ino = 77;
	ev2 = fut_taint_denial_to_log_event(&d);
	back2 = round_trip(ev2);
	g_assert_cmpstr(back2->ev->object.klass, ==, "I");
	g_assert_cmpstr(back2->ev->object.path, ==, "/home/a/bid.txt");
	g_assert_nonnull(strstr(back2->ev->reason, "splice from a pipe"));
}

static void
test_gap_record(void)
{
	g_autoptr(FutLogEvent) ev = fut_taint_gap_to_log_event(17);
	const FutLogDetail *n;

	g_assert_cmpstr(ev->event, ==, "gap");
	g_assert_cmpstr(fut_log_event_get_detail_str(ev, "kind"), ==, "taint-denials-dropped");
	n = fut_log_event_get_detail(ev, "count");
	g_assert_nonnull(n);
	g_assert_cmpint(n->num, ==, 17);
}

/* Unprivileged, or on a kernel without BPF LSM, or built without it: the load fails with a
 * reason and nothing is left behind. */
static void
test_refused_load(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutTaint) t = NULL;

	if (geteuid() == 0 && g_file_test("/sys/kernel/security/lsm", G_FILE_TEST_EXISTS)) {
		g_autofree gchar *lsms = NULL;
		if (g_file_get_contents("/sys/kernel/security/lsm", &lsms, NULL, NULL) &&
		    strstr(lsms, "bpf") != NULL) {
			g_test_skip(
			    "this kernel runs BPF LSM programs: the refusal cannot be seen");
			return;
		}
	}
	t = fut_taint_new(NULL, NULL, NULL, NULL, &error);
	g_assert_null(t);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED);
	g_assert_cmpuint(strlen(error->message), >, 10);
	g_assert_null(strchr(error->message, '\n'));
}

#define NS G_GINT64_CONSTANT(1000000000)

/* The kernel side ends an approval on the boot clock: the wall-clock end is converted once,
 * to what is left of the window after now. */
static void
test_window_end(void)
{
	guint64 end = 0;
	const gint64 now_s = 1764720000;

	/* Last second inclusive: at now_s + 0.25 s, a window ending at now_s + 10 has 9.75 s. */
	g_assert_true(fut_taint_window_end(now_s + 10, now_s * NS + NS / 4, 5000, &end));
	g_assert_cmpuint(end, ==, 5000 + 10 * (guint64)NS - (guint64)NS / 4 + (guint64)NS);
	/* In its last second: what is left of it. */
	g_assert_true(fut_taint_window_end(now_s, now_s * NS + NS / 2, 7, &end));
	g_assert_cmpuint(end, ==, 7 + (guint64)NS / 2);
	/* Ended: a second ago, long ago, at the very start of time. */
	g_assert_false(fut_taint_window_end(now_s - 1, now_s * NS, 7, &end));
	g_assert_false(fut_taint_window_end(G_MININT64, now_s * NS, 7, &end));
	g_assert_false(fut_taint_window_end(now_s, -1, 7, &end));
	/* Far ends and a late boot clock saturate, never wrap to the past. */
	g_assert_true(fut_taint_window_end(G_MAXINT64, now_s * NS, 7, &end));
	g_assert_cmpuint(end, ==, G_MAXUINT64);
	g_assert_true(fut_taint_window_end(now_s + 100, now_s * NS, G_MAXUINT64 - 5, &end));
	g_assert_cmpuint(end, ==, G_MAXUINT64);
}

static const gchar mountinfo[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "40 22 0:35 / /home/alice/drive rw,nosuid,nodev shared:2 - fuse.rclone remote: rw\n"
    "41 22 0:36 / /run/user/1000/doc rw,nosuid,nodev shared:3 - fuse.portal portal rw\n"
    "42 22 0:37 / /mnt/with\\040space rw shared:4 - fuseblk /dev/sdb1 rw\n"
    "43 22 0:38 / /srv rw - tmpfs tmpfs rw\n";

static void
test_path_on_fuse(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) m = fut_taint_mounts_parse(mountinfo, strlen(mountinfo), &error);

	g_assert_no_error(error);
	g_assert_cmpuint(m->len, ==, 5);
	g_assert_true(fut_taint_path_on_fuse("/home/alice/drive/bin/curl", m));
	g_assert_true(fut_taint_path_on_fuse("/home/alice/drive", m));
	g_assert_true(fut_taint_path_on_fuse("/run/user/1000/doc/x/curl", m));
	g_assert_true(fut_taint_path_on_fuse("/mnt/with space/curl", m));
	g_assert_false(fut_taint_path_on_fuse("/home/alice/drivex/curl", m));
	g_assert_false(fut_taint_path_on_fuse("/usr/bin/curl", m));
	g_assert_false(fut_taint_path_on_fuse("/srv/curl", m));
	g_assert_false(fut_taint_path_on_fuse("/mnt/with", m));
}

/* Garbage mount tables are refused with the line's number, never half-read. */
static void
test_mounts_garbage(void)
{
	static const gchar *const bad[] = {
	    "22 1 8:1 / / rw shared:1 ext4 /dev/sda1 rw\n", /* no separator */
	    "x 1 8:1 / / rw - ext4 /dev/sda1 rw\n",         /* mount id */
	    "22 1 8:1 / rel rw - ext4 /dev/sda1 rw\n",      /* mount point not absolute */
	    "22 1 8:1 / / rw -  /dev/sda1 rw\n",            /* no type */
	    "22 1 8:1 /\n",                                 /* short */
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) m = fut_taint_mounts_parse(bad[i], strlen(bad[i]), &error);
		g_assert_null(m);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_nonnull(strstr(error->message, "line 1"));
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) m = fut_taint_mounts_parse("22 1\0x", 6, &error);
		g_assert_null(m);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

/* An approved program is opened without following links and without walking into FUSE. */
static void
test_open_program(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("taint-prog-XXXXXX", NULL);
	g_autofree gchar *prog = g_build_filename(dir, "curl", NULL);
	g_autofree gchar *link = g_build_filename(dir, "link", NULL);
	g_autofree gchar *sub = g_build_filename(dir, "sub", NULL);
	g_autofree gchar *via_link = NULL;
	g_autofree gchar *dotted = g_strdup_printf("%s/./curl", dir);
	g_autofree gchar *dotdot = g_strdup_printf("%s/sub/../curl", dir);
	g_autoptr(GError) error = NULL;
	int fd;

	g_assert_true(g_file_set_contents(prog, "#!/bin/sh\n", -1, NULL));
	g_assert_cmpint(mkdir(sub, 0700), ==, 0);
	g_assert_cmpint(symlink(prog, link), ==, 0);

	fd = fut_taint_open_program(prog, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	/* The link is followed only for the configured (exempt) programs. */
	fd = fut_taint_open_program(link, FALSE, &error);
	g_assert_cmpint(fd, <, 0);
	g_assert_nonnull(error);
	g_clear_error(&error);
	fd = fut_taint_open_program(link, TRUE, &error);
	g_assert_no_error(error);
	close(fd);
	/* A link in a directory component too. */
	g_assert_cmpint(unlink(link), ==, 0);
	g_assert_cmpint(symlink(dir, link), ==, 0);
	via_link = g_build_filename(link, "curl", NULL);
	fd = fut_taint_open_program(via_link, FALSE, &error);
	g_assert_cmpint(fd, <, 0);
	g_assert_nonnull(error);
	g_clear_error(&error);
	/* Not canonical, relative, a directory. */
	for (guint i = 0; i < 4; i++) {
		const gchar *p = i == 0 ? dotted : i == 1 ? dotdot : i == 2 ? "curl" : sub;
		fd = fut_taint_open_program(p, FALSE, &error);
		g_assert_cmpint(fd, <, 0);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	unlink(via_link);
	unlink(link);
	unlink(prog);
	rmdir(sub);
	rmdir(dir);
}

/* taint-exempt-peers names programs and unix socket files: a socket is held by an O_PATH
 * descriptor of its inode (it cannot be opened), a program is opened. */
static void
test_open_peer(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("taint-peer-XXXXXX", NULL);
	g_autofree gchar *sock = g_build_filename(dir, "log.sock", NULL);
	g_autofree gchar *prog = g_build_filename(dir, "journald", NULL);
	g_autofree gchar *missing = g_build_filename(dir, "none", NULL);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	g_autoptr(GError) error = NULL;
	gboolean is_sock = FALSE;
	struct stat st, fst;
	int s, fd;

	g_assert_true(g_file_set_contents(prog, "\177ELF", -1, NULL));
	g_assert_cmpuint(strlen(sock), <, sizeof sa.sun_path);
	strcpy(sa.sun_path, sock);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(s, >=, 0);
	g_assert_cmpint(bind(s, (struct sockaddr *)&sa, sizeof sa), ==, 0);

	fd = fut_taint_open_peer(sock, &is_sock, &error);
	g_assert_no_error(error);
	g_assert_true(is_sock);
	g_assert_cmpint(fstat(fd, &fst), ==, 0);
	g_assert_cmpint(stat(sock, &st), ==, 0);
	g_assert_true(S_ISSOCK(fst.st_mode) && fst.st_ino == st.st_ino);
	close(fd);
	fd = fut_taint_open_peer(prog, &is_sock, &error);
	g_assert_no_error(error);
	g_assert_false(is_sock);
	g_assert_cmpint(fcntl(fd, F_GETFL) & O_ACCMODE, ==, O_RDONLY);
	close(fd);
	fd = fut_taint_open_peer(missing, &is_sock, &error);
	g_assert_cmpint(fd, <, 0);
	g_assert_nonnull(error);
	g_clear_error(&error);
	/* A directory is neither. */
	fd = fut_taint_open_peer(dir, &is_sock, &error);
	g_assert_cmpint(fd, <, 0);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	close(s);
	unlink(sock);
	unlink(prog);
	rmdir(dir);
}

/* A pending number resolved twice (the learner and a worker, or a file that changed between
 * them) keeps the stronger class; garbage classes are Class II. */
static void
test_resolution_class(void)
{
	g_assert_cmpuint(fut_taint_resolution_class(0, 3), ==, 3);
	g_assert_cmpuint(fut_taint_resolution_class(0, 1), ==, 1);
	g_assert_cmpuint(fut_taint_resolution_class(3, 2), ==, 2);
	g_assert_cmpuint(fut_taint_resolution_class(2, 3), ==, 2);
	g_assert_cmpuint(fut_taint_resolution_class(1, 3), ==, 1);
	g_assert_cmpuint(fut_taint_resolution_class(2, 1), ==, 1);
	g_assert_cmpuint(fut_taint_resolution_class(0, 0), ==, 2);
	g_assert_cmpuint(fut_taint_resolution_class(0, 4), ==, 2);
	g_assert_cmpuint(fut_taint_resolution_class(3, 99), ==, 2);
	g_assert_cmpuint(fut_taint_resolution_class(77, 3), ==, 3);
}

/* curl's connect refused while what it read was not yet classified. */
static FutTaintDenial
pending_denial(guint32 pid)
{
	FutTaintDenial d = {0};

	d.kind = FUT_TAINT_DENIED_PENDING;
	d.pid = pid;
	d.uid = 1000;
	d.exe = "/usr/bin/curl";
	d.destination = "192.0.2.1:8080";
	return d;
}

/* A refusal of a pending reader names the file and says why. */
static void
test_pending_record(void)
{
	FutTaintDenial d = pending_denial(42);
	g_autoptr(FutLogEvent) ev = NULL;

	d.origin_path = "/home/u/fresh.csv";
	ev = fut_taint_denial_to_log_event(&d);
	g_assert_cmpstr(ev->event, ==, "upload.denied");
	g_assert_cmpstr(fut_log_event_get_detail_str(ev, "classification"), ==, "pending");
	g_assert_cmpstr(fut_log_event_get_detail_str(ev, "layer"), ==, "bpf-lsm");
	/* Nothing was given again: the record does not say so. */
	g_assert_null(fut_log_event_get_detail(ev, "verdicts_republished"));
}

/* A refusal after which the agent gave the kernel a lost verdict again says how many. */
static void
test_pending_record_republished(void)
{
	FutTaintDenial d = pending_denial(42);
	g_autoptr(FutLogEvent) ev = NULL;
	g_autoptr(FutLogRecord) back = NULL;
	const FutLogDetail *n;

	d.republished = 2;
	ev = fut_taint_denial_to_log_event(&d);
	back = round_trip(ev);
	n = fut_log_event_get_detail(back->ev, "verdicts_republished");
	g_assert_nonnull(n);
	g_assert_null(n->str);
	g_assert_cmpint(n->num, ==, 2);
	g_assert_cmpstr(back->ev->decision, ==, "deny");
	/* Only a pending refusal can have lost verdicts. */
	d.kind = FUT_TAINT_DENIED_SEND;
	d.file_class = 2;
	g_clear_pointer(&ev, fut_log_event_free);
	ev = fut_taint_denial_to_log_event(&d);
	g_assert_null(fut_log_event_get_detail(ev, "verdicts_republished"));
}

/* A refusal pending on a number the kernel made (a splice or tee that waited for its source)
 * names no file, and says why; one pending on a file's number does not say it. */
static void
test_pending_record_splice_wait(void)
{
	FutTaintDenial d = pending_denial(43);
	g_autoptr(FutLogEvent) ev = NULL;
	g_autoptr(FutLogRecord) back = NULL;
	g_autoptr(JsonObject) fields = NULL;
	const gchar *from;

	d.splice_wait = TRUE;
	ev = fut_taint_denial_to_log_event(&d);
	back = round_trip(ev);
	from = fut_log_event_get_detail_str(back->ev, "pending_from");
	g_assert_nonnull(from);
	g_assert_nonnull(strstr(from, "splice or tee"));
	g_assert_null(back->ev->object.path);
	g_assert_cmpstr(fut_log_event_get_detail_str(back->ev, "classification"), ==, "pending");
	fields = fut_taint_denial_to_fields(&d);
	g_assert_nonnull(
	    strstr(json_object_get_string_member(json_object_get_object_member(fields, "detail"),
	                                         "pending_from"),
	           "splice or tee"));
	d.splice_wait = FALSE;
	g_clear_pointer(&ev, fut_log_event_free);
	ev = fut_taint_denial_to_log_event(&d);
	g_assert_null(fut_log_event_get_detail(ev, "pending_from"));
}

/* The agent's own copy of its verdicts (what it gives the kernel again after the kernel's LRU
 * lost one): kept, only ever raised, the oldest forgotten first, garbage is Class II. */
static void
test_verdicts(void)
{
	g_autoptr(FutTaintVerdicts) v = fut_taint_verdicts_new(3);
	guint cls = 0;
	guint32 kdev = 0;
	guint64 ino = 0;

	g_assert_false(fut_taint_verdicts_lookup(v, 1, &cls, &kdev, &ino));
	g_assert_cmpuint(fut_taint_verdicts_put(v, 0, 3, 0, 0), ==, 0); /* 0 is no number */
	g_assert_cmpuint(fut_taint_verdicts_size(v), ==, 0);

	g_assert_cmpuint(fut_taint_verdicts_put(v, 10, 3, 0, 0), ==, 3);
	g_assert_true(fut_taint_verdicts_lookup(v, 10, &cls, &kdev, &ino));
	g_assert_cmpuint(cls, ==, 3);
	/* Raised to Class I from a file: the origin comes with it. */
	g_assert_cmpuint(fut_taint_verdicts_put(v, 10, 1, 2049, 77), ==, 1);
	g_assert_true(fut_taint_verdicts_lookup(v, 10, &cls, &kdev, &ino));
	g_assert_cmpuint(cls, ==, 1);
	g_assert_cmpuint(kdev, ==, 2049);
	g_assert_cmphex(ino, ==, 77);
	/* Never lowered: a later Class III verdict on the same number (an older event's) keeps
	 * Class I and its origin. */
	g_assert_cmpuint(fut_taint_verdicts_put(v, 10, 3, 9, 9), ==, 1);
	g_assert_true(fut_taint_verdicts_lookup(v, 10, &cls, &kdev, &ino));
	g_assert_cmpuint(cls, ==, 1);
	g_assert_cmpuint(kdev, ==, 2049);
	g_assert_cmphex(ino, ==, 77);
	/* A class that cannot be said is Class II. */
	g_assert_cmpuint(fut_taint_verdicts_put(v, 11, 0, 0, 0), ==, 2);
	g_assert_cmpuint(fut_taint_verdicts_put(v, 12, 99, 0, 0), ==, 2);
	g_assert_cmpuint(fut_taint_verdicts_size(v), ==, 3);
	/* Full: the oldest (10) is forgotten first, a raise did not make it younger. */
	g_assert_cmpuint(fut_taint_verdicts_put(v, 13, 3, 0, 0), ==, 3);
	g_assert_cmpuint(fut_taint_verdicts_size(v), ==, 3);
	g_assert_false(fut_taint_verdicts_lookup(v, 10, &cls, &kdev, &ino));
	g_assert_true(fut_taint_verdicts_lookup(v, 11, &cls, &kdev, &ino));
	g_assert_true(fut_taint_verdicts_lookup(v, 13, &cls, &kdev, &ino));
	/* Round the ring several times: always the last three. */
	for (guint64 s = 100; s < 1000; s++)
		(void)fut_taint_verdicts_put(v, s, 3, 0, 0);
	g_assert_cmpuint(fut_taint_verdicts_size(v), ==, 3);
	for (guint64 s = 997; s < 1000; s++)
		g_assert_true(fut_taint_verdicts_lookup(v, s, &cls, &kdev, &ino));
	g_assert_false(fut_taint_verdicts_lookup(v, 996, &cls, &kdev, &ino));
	g_assert_false(fut_taint_verdicts_lookup(v, 13, &cls, &kdev, &ino));
}

/* A table of one (and a max of 0, taken as 1). */
static void
test_verdicts_tiny(void)
{
	g_autoptr(FutTaintVerdicts) v = fut_taint_verdicts_new(0);
	guint cls = 0;
	guint32 kdev = 0;
	guint64 ino = 0;

	(void)fut_taint_verdicts_put(v, 5, 2, 1, 1);
	(void)fut_taint_verdicts_put(v, 6, 3, 0, 0);
	g_assert_cmpuint(fut_taint_verdicts_size(v), ==, 1);
	g_assert_false(fut_taint_verdicts_lookup(v, 5, &cls, &kdev, &ino));
	g_assert_true(fut_taint_verdicts_lookup(v, 6, &cls, &kdev, &ino));
	g_assert_cmpuint(cls, ==, 3);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/taint/denial-record", test_denial_record);
	g_test_add_func("/taint/splice-record", test_splice_record);
	g_test_add_func("/taint/remote-fs-record", test_remote_fs_record);
	g_test_add_func("/taint/denial-fields", test_denial_fields);
	g_test_add_func("/taint/gap-record", test_gap_record);
	g_test_add_func("/taint/resolution-class", test_resolution_class);
	g_test_add_func("/taint/pending-record", test_pending_record);
	g_test_add_func("/taint/pending-record-republished", test_pending_record_republished);
	g_test_add_func("/taint/pending-record-splice-wait", test_pending_record_splice_wait);
	g_test_add_func("/taint/verdicts", test_verdicts);
	g_test_add_func("/taint/verdicts-tiny", test_verdicts_tiny);
	g_test_add_func("/taint/refused-load", test_refused_load);
	g_test_add_func("/taint/window-end", test_window_end);
	g_test_add_func("/taint/path-on-fuse", test_path_on_fuse);
	g_test_add_func("/taint/mounts-garbage", test_mounts_garbage);
	g_test_add_func("/taint/open-program", test_open_program);
	g_test_add_func("/taint/open-peer", test_open_peer);
	return g_test_run();
}
