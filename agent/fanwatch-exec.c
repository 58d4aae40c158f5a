/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Upload control: what an upload program inherits when it starts (round 18).
 *
 * `curl -T - < roster.csv`, `curl -F file=@- < roster.csv`, `curl --data-binary @- <&3`: the
 * shell opens the file and the upload program only reads a descriptor it inherited, so the
 * check at open (an upload program's open of a Class I/II file) never sees it. The kernel
 * asks before it runs a program (FAN_OPEN_EXEC_PERM, on every watched filesystem and on each
 * configured upload program's file); while it waits, the process that calls execve() still
 * holds the descriptors the new program will inherit. For an upload program, each descriptor
 * that stays open across the exec (no O_CLOEXEC), can be read (not O_WRONLY, not O_PATH) and
 * names a regular file on a watched filesystem is decided as if the program had opened it:
 * its class, the approvals, the records. One that must be refused refuses the exec (EPERM):
 * `upload.denied` names the file, the program and the descriptor. A descriptor that cannot
 * be examined refuses it too.
 *
 * The file is looked at through /proc/PID/fd/N: statx() without sync on the magic link (never
 * waits on a FUSE daemon; a FUSE file is refused unread, as at open), then, for its content,
 * opened again through the link (our own open, answered at once by the reader thread). Not
 * with pidfd_getfd(): closing a copy of the user's own descriptor would flush it, and a FUSE
 * daemon can make that wait for ever.
 *
 * Not covered: an upload program started through the loader (`ld-linux… /usr/bin/curl`) or
 * as a multi-call binary's applet (`busybox wget`): what they run is known only once it runs
 * (and the kernel loads every dynamic program's interpreter as it starts a program); their
 * opens are still judged. A pipe (`cat roster.csv | curl --data-binary @-`: the writer
 * opened the file, and what flows through a pipe is not known here; the BPF taint layer
 * follows it), a descriptor passed later over a unix socket, and a descriptor another
 * thread of the starting process puts in place after this look and before the exec
 * completes. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fanwatch-private.h"
#include "procinfo.h"

/* The most descriptors looked at for one exec; a process holding more is refused. */
#define EXEC_FDS_MAX 4096

/* (The agent's own starts never get here: the reader thread answers them.) */
FwVerdict
fw_decide_exec_fast(FutFanwatch *fw, Event *ev)
{
	if (!fw_identify_exec(fw, ev)) {
		ev->record = TRUE;
		ev->kind = FUT_FANWATCH_RECORD_DENIED;
		ev->reason = "the program being started cannot be examined";
		return FW_VERDICT_DENY;
	}
	/* An ordinary program, or a descriptor-free start: nothing inherited is at stake. */
	return ev->upload ? FW_VERDICT_WORK : FW_VERDICT_ALLOW;
}

/* The open flags of descriptor @n of @pid (/proc/PID/fdinfo/N), or -1 when they cannot be
 * read (closed meanwhile, or the process gone). */
static gint64
fd_flags(pid_t pid, const gchar *n)
{
	gchar path[64];
	g_autofree gchar *text = NULL;
	const gchar *f;
	gchar *end = NULL;
	guint64 flags;

	g_snprintf(path, sizeof path, "/proc/%d/fdinfo/%s", (int)pid, n);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	f = g_str_has_prefix(text, "flags:") ? text : strstr(text, "\nflags:");
	if (f == NULL)
		return -1;
	f = strchr(f, ':') + 1;
	while (*f == '\t' || *f == ' ')
		f++;
	flags = g_ascii_strtoull(f, &end, 8);
	if (end == f || flags > G_MAXINT32)
		return -1;
	return (gint64)flags;
}

/* Decides the inherited descriptor @n of @ev's process, open here as @fd: as the upload
 * program's open of it would be. Returns TRUE to allow; a refusal or an allowance under an
 * approval is recorded (the record names the file and the descriptor). */
static gboolean
inherited_allowed(FutFanwatch *fw, Event *ev, int fd, int n)
{
	Event c = {0};
	FwVerdict v;
	gboolean allow;

	c.fd = fd;
	c.pid = ev->pid;
	c.upload = TRUE;
	c.match = ev->match;
	c.exe = g_strdup(ev->exe);
	c.exe_key = ev->exe_key;
	v = fw_decide_opener(fw, &c);
	if (v == FW_VERDICT_WORK)
		allow = fw_decide_slow(fw, &c);
	else
		allow = v == FW_VERDICT_ALLOW || v == FW_VERDICT_RECORD;
	if (allow && c.commit) {
		/* Class III under an observed path: its upload.observed durable first, as the
		 * record thread makes it for an open. */
		g_autoptr(FutFanwatchRecord) rec = NULL;
		gboolean durable = FALSE;

		c.kind = FUT_FANWATCH_RECORD_OBSERVED;
		c.reason = "an upload program started with a class III file open";
		rec = fw_record_from_event(fw, &c, g_get_real_time());
		rec->inherited_fd = n + 1;
		fw->on_observing((const FutFanwatchRecord *const *)&rec, 1, &durable,
		                 fw->on_observing_data);
		if (durable) {
			fw_observe_note(fw, &c);
		} else {
			allow = FALSE;
			c.record = TRUE;
			c.kind = FUT_FANWATCH_RECORD_DENIED;
			c.reason = "the egress log cannot record this upload";
		}
		c.commit = FALSE;
	}
	if (!allow || c.record) {
		FutFanwatchRecord *rec;

		if (!allow) {
			c.kind = FUT_FANWATCH_RECORD_DENIED;
			if (c.reason == NULL)
				c.reason = "the file's class cannot be decided";
		}
		rec = fw_record_from_event(fw, &c, g_get_real_time());
		rec->inherited_fd = n + 1;
		fw_post_record(fw, rec);
	}
	g_free(c.exe);
	g_free(c.path);
	g_free(c.approval_id);
	return allow;
}

/* Examines descriptor @name of @ev's process. Returns TRUE to go on (allowed, or nothing to
 * decide), FALSE when the exec is refused (recorded). */
static gboolean
examine_fd(FutFanwatch *fw, Event *ev, const gchar *name)
{
	gchar link[64];
	struct stat st;
	gint64 flags;
	guint64 n = 0;
	int fd;
	gboolean allow;

	if (!g_ascii_string_to_unsigned(name, 10, 0, G_MAXINT32, &n, NULL))
		return TRUE; /* "." and ".." */
	flags = fd_flags(ev->pid, name);
	if (flags >= 0 &&
	    ((flags & O_CLOEXEC) || (flags & O_PATH) || (flags & O_ACCMODE) == O_WRONLY))
		return TRUE; /* closed at the exec, or not readable through it */
	g_snprintf(link, sizeof link, "/proc/%d/fd/%s", (int)ev->pid, name);
	if (!fw_path_stat(link, &st)) {
		if (flags < 0 && errno == ENOENT)
			return TRUE; /* closed meanwhile */
		ev->record = TRUE;
		ev->reason = "a descriptor the program would inherit cannot be examined";
		return FALSE;
	}
	if (!S_ISREG(st.st_mode) || !fw_dev_watched(fw, (guint64)st.st_dev))
		return TRUE;
	if (fw_on_fuse(fw, &st)) {
		ev->record = TRUE;
		ev->reason = "it would inherit a file on a FUSE filesystem: its class cannot be "
		             "decided";
		return FALSE;
	}
	fd = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ev->record = TRUE;
		ev->reason = "a file the program would inherit cannot be read";
		return FALSE;
	}
	allow = inherited_allowed(fw, ev, fd, (int)n);
	close(fd);
	return allow;
}

gboolean
fw_decide_exec_slow(FutFanwatch *fw, Event *ev)
{
	gchar path[64];
	DIR *dir;
	struct dirent *de;
	guint count = 0;
	gboolean allow = TRUE;

	ev->kind = FUT_FANWATCH_RECORD_DENIED;
	g_snprintf(path, sizeof path, "/proc/%d/fd", (int)ev->pid);
	dir = opendir(path);
	if (dir == NULL) {
		ev->record = TRUE;
		ev->reason = "the descriptors the program would inherit cannot be listed";
		return FALSE;
	}
	while (allow && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (++count > EXEC_FDS_MAX) {
			ev->record = TRUE;
			ev->reason =
			    "too many descriptors to examine for an upload program's start";
			allow = FALSE;
			break;
		}
		allow = examine_fd(fw, ev, de->d_name);
	}
	closedir(dir);
	return allow;
}
