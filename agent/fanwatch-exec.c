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
 * The open file itself is taken with pidfd_getfd() (fanwatch-fds.c: nothing is opened again,
 * so no path walk or permission check reaches a user's FUSE daemon) and looked at with
 * statx() without sync; a FUSE file is refused unread, as at open, and our copy of it is
 * closed on the reaper thread (its flush is a request to the daemon).
 *
 * Not covered: an upload program started through the loader (`ld-linux… /usr/bin/curl`) or
 * as a multi-call binary's applet (`busybox wget`): what they run is known only once it runs
 * (and the kernel loads every dynamic program's interpreter as it starts a program); their
 * opens are still judged. A pipe or FIFO it would read is followed (fanwatch-pipe.c) where
 * the kernel's taint layer does not run. A descriptor passed later over a unix socket, and
 * a descriptor another thread of the starting process puts in place after this look and
 * before the exec completes, are not seen. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fanwatch-private.h"
#include "procinfo.h"

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

gboolean
fw_inherited_allowed(FutFanwatch *fw,
                     Event *ev,
                     pid_t pid,
                     int fd,
                     gint inherited_fd,
                     pid_t feeding,
                     const gchar *path_as)
{
	Event c = {0};
	FwVerdict v;
	gboolean allow;

	c.fd = fd;
	c.pid = pid;
	c.feeding = feeding;
	c.upload = TRUE;
	c.match = ev->match;
	c.exe = g_strdup(ev->exe);
	c.exe_key = ev->exe_key;
	v = fw_decide_opener(fw, &c);
	if (v == FW_VERDICT_WORK)
		allow = fw_decide_slow(fw, &c);
	else
		allow = v == FW_VERDICT_ALLOW || v == FW_VERDICT_RECORD;
	if (path_as != NULL) {
		g_free(c.path);
		c.path = g_strdup(path_as);
	}
	if (allow && c.commit) {
		/* Class III under an observed path: its upload.observed durable first, as the
		 * record thread makes it for an open. */
		g_autoptr(FutFanwatchRecord) rec = NULL;
		gboolean durable = FALSE;

		c.kind = FUT_FANWATCH_RECORD_OBSERVED;
		c.reason = feeding != 0 ? "a process writing into an upload program's pipe "
		                          "holds a class III file open"
		                        : "an upload program started with a class III file open";
		rec = fw_record_from_event(fw, &c, g_get_real_time());
		rec->inherited_fd = inherited_fd;
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
		rec->inherited_fd = inherited_fd;
		fw_post_record(fw, rec);
	}
	g_free(c.exe);
	g_free(c.path);
	g_free(c.approval_id);
	return allow;
}

gboolean
fw_examine_fd(FutFanwatch *fw, Event *ev, pid_t pid, const gchar *name, pid_t feeding)
{
	struct stat st;
	gint64 flags;
	guint64 n = 0;
	int fd;
	gboolean at_exec = feeding == 0;
	gboolean allow;

	if (!g_ascii_string_to_unsigned(name, 10, 0, G_MAXINT32, &n, NULL))
		return TRUE; /* "." and ".." */
	{
		gchar fdinfo[64];
		g_snprintf(fdinfo, sizeof fdinfo, "/proc/%d/fdinfo/%s", (int)pid, name);
		flags = fw_fdinfo_flags(AT_FDCWD, fdinfo);
	}
	if (flags >= 0 && ((at_exec && (flags & O_CLOEXEC)) || (flags & O_PATH) ||
	                   (flags & O_ACCMODE) == O_WRONLY))
		return TRUE; /* closed at the exec, or not readable through it */
	/* The open file itself (fanwatch-fds.c): nothing is opened again, so a descriptor
	 * swapped meanwhile for a FUSE file cannot hold this thread. */
	fd = fw_take_fd(fw, pid, (int)n, &st);
	if (fd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return TRUE; /* closed meanwhile, or the writer is gone */
		ev->record = TRUE;
		ev->reason = at_exec ? "a descriptor the program would inherit cannot be examined"
		                     : "a process writing into the program's pipe cannot be "
		                       "examined";
		return FALSE;
	}
	if (S_ISFIFO(st.st_mode) && at_exec && ev->follow_pipe) {
		/* A pipe (or a FIFO) the upload program would read: its writers, what they
		 * hold and what it holds now (fanwatch-pipe.c). */
		gchar link[64];
		g_autofree gchar *target = NULL;

		g_snprintf(link, sizeof link, "/proc/%d/fd/%s", (int)pid, name);
		target = g_file_read_link(link, NULL);
		if (target == NULL) {
			fw_release_fd(fw, fd, &st);
			ev->record = TRUE;
			ev->reason = "a pipe the program would read cannot be examined";
			return FALSE;
		}
		allow = fw_pipe_follow(fw, ev, fd, target, (gint)n + 1);
		fw_release_fd(fw, fd, &st);
		return allow;
	}
	if (!S_ISREG(st.st_mode) || !fw_dev_watched(fw, (guint64)st.st_dev)) {
		fw_release_fd(fw, fd, &st);
		return TRUE;
	}
	if (fw_on_fuse(fw, &st)) {
		fw_release_fd(fw, fd, &st);
		ev->record = TRUE;
		ev->reason = at_exec ? "it would inherit a file on a FUSE filesystem: its class "
		                       "cannot be decided"
		                     : "a process writing into its pipe holds a file on a FUSE "
		                       "filesystem: its class cannot be decided";
		return FALSE;
	}
	allow = fw_inherited_allowed(fw, ev, pid, fd, at_exec ? (gint)n + 1 : 0, feeding, NULL);
	fw_release_fd(fw, fd, &st);
	return allow;
}

gboolean
fw_examine_fds(FutFanwatch *fw, Event *ev, pid_t pid, pid_t feeding)
{
	gchar path[64];
	DIR *dir;
	struct dirent *de;
	guint count = 0;
	gboolean allow = TRUE;

	g_snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (dir == NULL) {
		if (feeding != 0 && errno == ENOENT)
			return TRUE; /* the writer is gone */
		ev->record = TRUE;
		ev->reason = feeding == 0
		                 ? "the descriptors the program would inherit cannot be listed"
		                 : "the files of a process writing into its pipe cannot be listed";
		return FALSE;
	}
	while (allow && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (++count > EXEC_FDS_MAX) {
			ev->record = TRUE;
			ev->reason = "too many descriptors to examine for an upload program";
			allow = FALSE;
			break;
		}
		allow = fw_examine_fd(fw, ev, pid, de->d_name, feeding);
	}
	closedir(dir);
	return allow;
}

gboolean
fw_decide_exec_slow(FutFanwatch *fw, Event *ev)
{
	ev->kind = FUT_FANWATCH_RECORD_DENIED;
	/* Pipes and the command line are followed where the kernel's taint layer does not
	 * follow them itself; not when an upload program starts itself again (a browser's
	 * helpers: whatever it writes into their pipes or arguments, it read with its own opens
	 * judged; the very same executable, not any upload program: a copy of a shell named
	 * `curl` is one by name, and would start the real curl unfollowed), and not for root,
	 * who can stop futarid (and whose processes are every daemon's: following them would
	 * scan them all at each of root's starts). */
	if (!ev->have_uid && fut_procinfo_read_uid(ev->pid, &ev->uid, NULL))
		ev->have_uid = TRUE;
	ev->follow_pipe = fw->follow_pipes && !(ev->have_uid && ev->uid == 0) &&
	                  !fw_pid_is_upload(fw, ev->pid, &ev->exe_key);
	if (!fw_examine_fds(fw, ev, ev->pid, 0))
		return FALSE;
	/* `curl -d "$(cat roster.csv)"`: the content in its arguments (fanwatch-argv.c) */
	return !ev->follow_pipe || fw_argv_allowed(fw, ev);
}
