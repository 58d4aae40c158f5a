/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Upload control: an upload program's command line at its start, where the kernel's taint
 * layer does not run.
 *
 * `curl -d "$(cat roster.csv)" URL`, `curl -H "X-Data: $(<roster.csv)" URL`: the shell reads
 * the file (no upload program opened it) and hands its content to curl as an argument. The
 * kernel asks before the program runs (FAN_OPEN_EXEC_PERM, fanwatch-exec.c); the process
 * calling execve() is blocked in the call, and /proc/PID/syscall gives its arguments: the
 * address of the argument vector in that process's memory. The vector and its strings are
 * read with process_vm_readv(2) and the command line is decided as a file the program opened
 * (class, records): Class I/II refuses the start.
 *
 * Reading another process's memory can fault its pages in, and a page of a file mapping on a
 * user's FUSE filesystem waits on that daemon. So the addresses must lie in anonymous
 * memory (heap, stack) or in file mappings on a filesystem that cannot wait on a user
 * (/proc/self/mountinfo names it, not FUSE): a vector placed anywhere else refuses the
 * start. Not covered: another thread of the starting process that changes the strings, or
 * maps a FUSE file over them, between this look and the read (a worker then waits on the
 * daemon); a process of another ABI (32-bit), refused. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fanwatch-private.h"
#include "procinfo.h"

/* The most bytes of arguments read (the kernel's own limit is a quarter of the stack
 * limit, 2 MiB by default), and the most arguments. More refuses the start. */
#define ARGV_BYTES_MAX (4 * 1024 * 1024)
#define ARGV_COUNT_MAX (1024 * 1024)
#define CHUNK          4096

typedef struct {
	guint64 start, end;
} Range;

/* The ranges of @pid's memory that can be read without waiting on a user: anonymous, or a
 * file mapping on a filesystem the agent's mount table names and that is not FUSE. */
static GArray *
safe_ranges(pid_t pid)
{
	gchar path[64];
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GHashTable) devs =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	GArray *r;

	g_snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	r = g_array_new(FALSE, FALSE, sizeof(Range));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		Range x;
		guint maj = 0, min = 0;
		guint64 ino = 0;
		gchar perms[5] = "";

		if (lines[i][0] == '\0')
			continue;
		if (sscanf(lines[i],
		           "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER
		           "x %4s %*x %x:%x %" G_GUINT64_FORMAT,
		           &x.start, &x.end, perms, &maj, &min, &ino) != 6 ||
		    x.end <= x.start || perms[0] != 'r')
			continue;
		if (ino != 0) {
			guint64 dev = (guint64)makedev(maj, min);
			gpointer ok = NULL;
			if (!g_hash_table_lookup_extended(devs, &dev, NULL, &ok)) {
				g_autofree gchar *fstype = fw_fstype_of_dev(dev);
				ok = GINT_TO_POINTER(fstype != NULL &&
				                     !g_str_has_prefix(fstype, "fuse"));
				g_hash_table_insert(devs, g_memdup2(&dev, sizeof dev), ok);
			}
			if (!GPOINTER_TO_INT(ok))
				continue;
		}
		g_array_append_val(r, x);
	}
	return r;
}

/* How many bytes from @addr can be read (up to @want): 0 when @addr is not in a safe
 * range. */
static gsize
readable(GArray *ranges, guint64 addr, gsize want)
{
	for (guint i = 0; i < ranges->len; i++) {
		Range *x = &g_array_index(ranges, Range, i);
		if (addr >= x->start && addr < x->end)
			return (gsize)MIN((guint64)want, x->end - addr);
	}
	return 0;
}

static gboolean
read_mem(pid_t pid, guint64 addr, void *buf, gsize len)
{
	struct iovec local = {.iov_base = buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/* The address of the argument vector of the execve()/execveat() thread @tid is blocked in;
 * 0 when it is in another call, or the file cannot be read; with @ret_running set when the
 * kernel says "running": the thread is between two sleeps (a fanotify group wakes every
 * waiter at each answer, and each goes back to sleep), so it is worth asking again. */
static guint64
argv_address_of(pid_t pid, const gchar *tid, gboolean *ret_running)
{
	gchar path[96];
	g_autofree gchar *text = NULL;
	g_auto(GStrv) f = NULL;
	gint64 nr;

	g_snprintf(path, sizeof path, "/proc/%d/task/%s/syscall", (int)pid, tid);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	if (g_str_has_prefix(text, "running")) {
		*ret_running = TRUE;
		return 0;
	}
	f = g_strsplit(g_strstrip(text), " ", -1);
	if (f[0] == NULL || !g_ascii_string_to_signed(f[0], 10, 0, G_MAXINT32, &nr, NULL))
		return 0;
	for (guint i = 1; i <= 4; i++)
		if (f[i] == NULL)
			return 0;
	if (nr == __NR_execve)
		return g_ascii_strtoull(f[2], NULL, 16);
	if (nr == __NR_execveat)
		return g_ascii_strtoull(f[3], NULL, 16);
	return 0;
}

/* The most looks at a process whose threads are all between two sleeps, 1 ms apart. */
#define RUNNING_TRIES 200

/* The same for the one thread of @pid that is in execve() (the event names the process; the
 * call may come from any of its threads). 0 when none or more than one is. */
static guint64
argv_address(pid_t pid)
{
	gchar path[64];

	g_snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	for (guint tries = 0; tries < RUNNING_TRIES; tries++) {
		GDir *dir = g_dir_open(path, 0, NULL);
		const gchar *tid;
		guint64 found = 0;
		guint n = 0;
		gboolean running = FALSE;

		if (dir == NULL)
			return 0;
		while ((tid = g_dir_read_name(dir)) != NULL) {
			guint64 a = argv_address_of(pid, tid, &running);
			if (a != 0) {
				found = a;
				n++;
			}
		}
		g_dir_close(dir);
		if (n > 0 || !running)
			return n == 1 ? found : 0;
		g_usleep(1000);
	}
	return 0;
}

/* Appends the string at @at in @pid's memory and a newline to @out. */
static gboolean
read_string(pid_t pid, GArray *ranges, guint64 at, GByteArray *out, const gchar **ret_reason)
{
	for (;;) {
		guint8 chunk[CHUNK];
		gsize n = readable(ranges, at, CHUNK - (at % CHUNK));
		guint8 *nul;

		if (n == 0 || !read_mem(pid, at, chunk, n)) {
			*ret_reason = "its command line is not in memory that can be read safely";
			return FALSE;
		}
		nul = memchr(chunk, '\0', n);
		g_byte_array_append(out, chunk, nul != NULL ? (guint)(nul - chunk) : (guint)n);
		if (out->len > ARGV_BYTES_MAX) {
			*ret_reason = "its command line is too long to examine";
			return FALSE;
		}
		if (nul != NULL)
			break;
		at += n;
	}
	g_byte_array_append(out, (const guint8 *)"\n", 1);
	return TRUE;
}

/* The command line @pid is about to start its program with, NUL-separated arguments turned
 * into lines; NULL with @ret_reason when it cannot be read safely. */
static GByteArray *
read_argv(pid_t pid, const gchar **ret_reason)
{
	g_autoptr(GArray) ranges = NULL;
	g_autoptr(GByteArray) out = g_byte_array_new();
	guint64 vec = argv_address(pid);
	guint count = 0;

	/* (the vector is read a page at a time, each string up to its end) */

	*ret_reason = "its command line cannot be read";
	if (vec == 0 || (ranges = safe_ranges(pid)) == NULL)
		return NULL;
	for (;;) {
		guint64 ptrs[CHUNK / sizeof(guint64)];
		gsize n = readable(ranges, vec, CHUNK - (vec % CHUNK)) / sizeof ptrs[0];

		/* a chunk of the vector, up to the end of its page */
		if (n == 0 || !read_mem(pid, vec, ptrs, n * sizeof ptrs[0])) {
			*ret_reason = "its command line is not in memory that can be read safely";
			return NULL;
		}
		for (gsize k = 0; k < n; k++) {
			guint64 at = ptrs[k];
			if (at == 0)
				return g_steal_pointer(&out);
			if (++count > ARGV_COUNT_MAX) {
				*ret_reason = "its command line has too many arguments to examine";
				return NULL;
			}
			if (!read_string(pid, ranges, at, out, ret_reason))
				return NULL;
		}
		vec += n * sizeof ptrs[0];
	}
	return g_steal_pointer(&out);
}

gboolean
fw_argv_allowed(FutFanwatch *fw, Event *ev)
{
	g_autoptr(GByteArray) argv = NULL;
	const gchar *reason = NULL;
	gboolean allow;
	int mem;

	argv = read_argv(ev->pid, &reason);
	if (argv == NULL) {
		ev->record = TRUE;
		ev->reason = reason;
		return FALSE;
	}
	mem = memfd_create("futari-argv", MFD_CLOEXEC);
	if (mem < 0 || write(mem, argv->data, argv->len) != (ssize_t)argv->len) {
		if (mem >= 0)
			close(mem);
		ev->record = TRUE;
		ev->reason = "its command line cannot be examined";
		return FALSE;
	}
	allow = fw_inherited_allowed(fw, ev, ev->pid, mem, FW_INHERITED_ARGV, 0, "(command line)");
	close(mem);
	return allow;
}
