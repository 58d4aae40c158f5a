/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "errors.h"
#include "fanwatch-private.h"
#include "procinfo.h"
#include "util.h"

void
fw_exe_entry_free(gpointer p)
{
	ExeEntry *e = p;
	g_free(e->path);
	g_free(e);
}

void
fw_known_clear(gpointer p)
{
	Known *k = p;
	g_free(k->path);
}

/* The path /proc/PID/exe shows for a removed binary ends in " (deleted)"; match on the
 * name it had. */
gchar *
fw_exe_path_for_match(const gchar *exe)
{
	if (g_str_has_suffix(exe, DELETED_SUFFIX))
		return g_strndup(exe, strlen(exe) - strlen(DELETED_SUFFIX));
	return g_strdup(exe);
}

/* Multi-call binaries: one executable, many programs, chosen by argv[0]. */
static const gchar *const multicall_paths[] = {"/bin/busybox", "/usr/bin/busybox",
                                               "/usr/bin/toybox", NULL};
static const gchar *const multicall_names[] = {"busybox", "toybox", NULL};

/* Looks up the configured programs again (under lock): a package upgrade changes their
 * inode and size. Only stat() and realpath(): no open, so no event for ourselves. */
void
fw_known_refresh_locked(FutFanwatch *fw)
{
	g_array_set_size(fw->known, 0);
	g_hash_table_remove_all(fw->paths);
	g_hash_table_remove_all(fw->names);
	for (guint i = 0; fw->names_cfg != NULL && fw->names_cfg[i] != NULL; i++)
		g_hash_table_add(fw->names, g_strdup(fw->names_cfg[i]));
	for (guint i = 0; fw->programs != NULL && fw->programs[i] != NULL; i++) {
		Known k = {.path = g_strdup(fw->programs[i])};
		struct stat st;
		g_autofree gchar *real = realpath(fw->programs[i], NULL);

		g_hash_table_add(fw->paths, g_strdup(fw->programs[i]));
		g_hash_table_add(fw->names, g_path_get_basename(fw->programs[i]));
		if (real != NULL) {
			g_hash_table_add(fw->paths, g_strdup(real));
			g_hash_table_add(fw->names, g_path_get_basename(real));
		}
		if (stat(fw->programs[i], &st) == 0 && S_ISREG(st.st_mode)) {
			k.present = TRUE;
			k.id = fw_ident_of(&st);
		}
		g_array_append_val(fw->known, k);
	}
	g_array_set_size(fw->multicall, 0);
	for (guint i = 0; multicall_paths[i] != NULL; i++) {
		struct stat st;
		if (stat(multicall_paths[i], &st) == 0 && S_ISREG(st.st_mode)) {
			Ident id = fw_ident_of(&st);
			g_array_append_val(fw->multicall, id);
		}
	}
	g_atomic_int_inc(&fw->generation);
}

static gboolean
exe_is_multicall(FutFanwatch *fw, const gchar *path, const Ident *id)
{
	g_autofree gchar *base = path != NULL ? g_path_get_basename(path) : NULL;
	gboolean found = FALSE;

	for (guint i = 0; base != NULL && multicall_names[i] != NULL; i++)
		found = found || g_str_has_prefix(base, multicall_names[i]);
	g_mutex_lock(&fw->lock);
	/* The same file, or a renamed copy of it (same size, as for upload programs). */
	for (guint i = 0; i < fw->multicall->len && !found; i++) {
		Ident *m = &g_array_index(fw->multicall, Ident, i);
		found = (m->dev == id->dev && m->ino == id->ino) || m->size == id->size;
	}
	g_mutex_unlock(&fw->lock);
	return found;
}

/* TRUE when the file open at @fd is a program loader: an ELF shared object with no
 * interpreter of its own (ld-linux.so, ld-musl, and any copy of them under another name),
 * or a file that cannot be examined safely (then the mappings decide, which costs more but
 * is never wrong). */
static gboolean
elf_is_loader(int fd)
{
	Elf64_Ehdr eh;

	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) {
		/* Not a 64-bit ELF: a 32-bit loader is judged by its mappings too. */
		return memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0;
	}
	if (eh.e_type != ET_DYN)
		return FALSE;
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 128)
		return TRUE;
	for (guint i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (guint64)i * sizeof ph)) !=
		    (ssize_t)sizeof ph)
			return TRUE;
		if (ph.p_type == PT_INTERP)
			return FALSE; /* an ordinary dynamically linked program */
	}
	return TRUE;
}

/* elf_is_loader() for the executable of @pid (@st), read through /proc/@pid/exe: our own
 * open is answered at once by the reader thread; a FUSE file is not opened at all. With
 * @exec_fd (not -1): the file being executed, already open (an exec event's). */
static gboolean
exe_is_loader(pid_t pid, int exec_fd, const struct stat *st)
{
	gchar link[64];
	g_autofree gchar *fstype = fw_fstype_of_dev((guint64)st->st_dev);
	int fd;
	gboolean loader;

	if (fstype == NULL || g_str_has_prefix(fstype, "fuse"))
		return TRUE;
	if (exec_fd >= 0)
		return elf_is_loader(exec_fd);
	g_snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
	fd = open(link, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return TRUE;
	loader = elf_is_loader(fd);
	close(fd);
	return loader;
}

#define MAPS_MAX (8 * 1024 * 1024)

/* Looks for an upload program among the file mappings of @pid (a program run through the
 * loader is mapped by it). Returns the match ("mapping") or NULL; @ret_path gets the
 * mapped program's path. FALSE when the mappings cannot be read (fail closed: the caller
 * treats the process as an upload program). */
static gboolean
maps_find_upload(FutFanwatch *fw, pid_t pid, const gchar **ret_match, gchar **ret_path)
{
	gchar path[64];
	g_autoptr(GString) buf = g_string_new(NULL);
	gsize total = 0;
	gboolean eof = FALSE;
	int fd;

	*ret_match = NULL;
	g_snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return FALSE;
	while (!eof && *ret_match == NULL) {
		gchar chunk[16384];
		ssize_t n = read(fd, chunk, sizeof chunk);
		gchar *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || total + (gsize)MAX(n, 0) > MAPS_MAX) {
			close(fd);
			return FALSE;
		}
		total += (gsize)n;
		eof = n == 0;
		g_string_append_len(buf, chunk, n);
		while ((nl = memchr(buf->str, '\n', buf->len)) != NULL || (eof && buf->len > 0)) {
			gsize linelen = nl != NULL ? (gsize)(nl - buf->str) : buf->len;
			g_autofree gchar *line = g_strndup(buf->str, linelen);
			guint64 dev = 0, ino = 0;
			const gchar *mpath = NULL;

			g_string_erase(buf, 0, MIN(linelen + 1, buf->len));
			if (!fw_parse_maps_line(line, &dev, &ino, &mpath))
				continue;
			g_mutex_lock(&fw->lock);
			for (guint i = 0; i < fw->known->len && *ret_match == NULL; i++) {
				Known *k = &g_array_index(fw->known, Known, i);
				if (k->present && k->id.ino == ino && k->id.dev == dev)
					*ret_match = "mapping";
			}
			if (*ret_match == NULL && g_hash_table_contains(fw->paths, mpath))
				*ret_match = "mapping";
			g_mutex_unlock(&fw->lock);
			if (*ret_match != NULL) {
				*ret_path = g_strdup(mpath);
				break;
			}
		}
	}
	close(fd);
	return TRUE;
}

/* The applet a multi-call binary runs for @pid: argv[0]'s base name, or argv[1] when
 * argv[0] names the binary itself ("busybox wget"). Caller frees; NULL when unreadable. */
static gchar *
multicall_applet(pid_t pid)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (!fut_procinfo_read(pid, "cmdline", &text, &len, NULL))
		return NULL;
	return fw_parse_applet(text, len);
}

/* Parses one line of /proc/PID/maps ("start-end perms offset maj:min inode   path"): a file
 * mapping gives its device (makedev), inode and path (a pointer into @line). FALSE for
 * anonymous and special mappings ([heap], inode 0) and for garbage. */
gboolean
fw_parse_maps_line(const gchar *line, guint64 *ret_dev, guint64 *ret_ino, const gchar **ret_path)
{
	guint maj = 0, min = 0;
	guint64 ino = 0;
	int off = 0;

	if (sscanf(line,
	           "%*[0-9a-f]-%*[0-9a-f] %*4[-rwxps] %*[0-9a-f] %x:%x %" G_GUINT64_FORMAT " %n",
	           &maj, &min, &ino, &off) < 3 ||
	    ino == 0 || off <= 0 || line[off] != '/')
		return FALSE;
	*ret_dev = (guint64)makedev(maj, min);
	*ret_ino = ino;
	*ret_path = line + off;
	return TRUE;
}

/* The applet a multi-call binary runs, from its command line (@len bytes, NUL-separated
 * arguments): argv[0]'s base name, or argv[1]'s when argv[0] names the binary itself
 * ("busybox wget"). Caller frees; NULL when there is none. */
gchar *
fw_parse_applet(const gchar *cmdline, gsize len)
{
	gsize l0;
	g_autofree gchar *base = NULL;

	if (cmdline == NULL || len == 0 || cmdline[0] == '\0')
		return NULL;
	l0 = strnlen(cmdline, len);
	if (l0 == len)
		return NULL; /* not NUL-terminated: truncated */
	base = g_path_get_basename(cmdline);
	for (guint i = 0; multicall_names[i] != NULL; i++) {
		if (g_str_has_prefix(base, multicall_names[i])) {
			const gchar *a1 = cmdline + l0 + 1;
			gsize rest = len - l0 - 1;
			if (rest == 0 || a1[0] == '\0' || strnlen(a1, rest) == rest)
				return NULL;
			return g_path_get_basename(a1);
		}
	}
	return g_steal_pointer(&base);
}

/* Judges the executable @st (its path read from /proc/@pid/exe, or with @exec_fd not -1,
 * from that descriptor: the file an exec event is about) against the configured programs.
 * Returns a new entry. Caller holds no lock. */
static ExeEntry *
exe_judge(FutFanwatch *fw, pid_t pid, int exec_fd, const struct stat *st)
{
	Ident id = fw_ident_of(st);
	ExeEntry *e = g_new0(ExeEntry, 1);
	g_autofree gchar *match_path = NULL;

	e->id = id;
	e->path = exec_fd >= 0 ? fw_fd_path(exec_fd) : fut_procinfo_read_exe(pid, NULL);
	if (e->path != NULL)
		match_path = fw_exe_path_for_match(e->path);

	g_mutex_lock(&fw->lock);
	for (guint i = 0; i < fw->known->len && e->match == NULL; i++) {
		Known *k = &g_array_index(fw->known, Known, i);
		if (k->present && k->id.dev == id.dev && k->id.ino == id.ino)
			e->match = "inode";
	}
	if (e->match == NULL && match_path != NULL && g_hash_table_contains(fw->paths, match_path))
		e->match = "path";
	if (e->match == NULL && match_path != NULL) {
		g_autofree gchar *base = g_path_get_basename(match_path);
		if (g_hash_table_contains(fw->names, base))
			e->match = "name";
	}
	/* A renamed byte-for-byte copy has the size of the original. Hashing it would mean
	 * opening it, and an open on a watched filesystem from the thread that must answer it
	 * would wait on itself; the size alone catches exact copies just as well (any changed
	 * byte defeats a digest too) at the price of rare coincidences, which fail closed. */
	for (guint i = 0; i < fw->known->len && e->match == NULL; i++) {
		Known *k = &g_array_index(fw->known, Known, i);
		if (k->present && k->id.size == id.size)
			e->match = "size";
	}
	g_mutex_unlock(&fw->lock);
	e->upload = e->match != NULL;
	if (!e->upload) {
		e->multicall = exe_is_multicall(fw, match_path, &id);
		e->loader = !e->multicall && exe_is_loader(pid, exec_fd, st);
	}
	return e;
}

/* Copies the judgement of the executable @st of @pid (or of the file open at @exec_fd, not
 * -1) into @ev, from the cache or judged now. Thread-safe. */
static void
exe_lookup(FutFanwatch *fw, pid_t pid, int exec_fd, const struct stat *st, Event *ev)
{
	Key key = {(guint64)st->st_dev, (guint64)st->st_ino};
	Ident id = fw_ident_of(st);
	ExeEntry *e;
	gint gen = g_atomic_int_get(&fw->generation);

	ev->exe_key = key;
	g_mutex_lock(&fw->exes_lock);
	if (gen != fw->exes_generation) {
		g_hash_table_remove_all(fw->exes);
		fw->exes_generation = gen;
	}
	e = g_hash_table_lookup(fw->exes, &key);
	if (e != NULL && fw_ident_equal(&e->id, &id)) {
		ev->upload = e->upload;
		ev->match = e->match;
		ev->exe = g_strdup(e->path);
		ev->loader = e->loader;
		ev->multicall = e->multicall;
		g_mutex_unlock(&fw->exes_lock);
		return;
	}
	g_mutex_unlock(&fw->exes_lock);

	e = exe_judge(fw, pid, exec_fd, st);
	ev->upload = e->upload;
	ev->match = e->match;
	ev->exe = g_strdup(e->path);
	ev->loader = e->loader;
	ev->multicall = e->multicall;
	g_mutex_lock(&fw->exes_lock);
	if (g_hash_table_size(fw->exes) >= EXES_MAX)
		g_hash_table_remove_all(fw->exes);
	g_hash_table_replace(fw->exes, g_memdup2(&key, sizeof key), e);
	g_mutex_unlock(&fw->exes_lock);
}

/* The cached judgement of the executable @st, copied into @ret (path not copied): FALSE
 * when there is none for this version of the file. Never judges, never opens anything. */
static gboolean
exe_cached(FutFanwatch *fw, const struct stat *st, ExeEntry *ret)
{
	Key key = {(guint64)st->st_dev, (guint64)st->st_ino};
	Ident id = fw_ident_of(st);
	ExeEntry *e;
	gboolean found = FALSE;

	g_mutex_lock(&fw->exes_lock);
	if (fw->exes_generation == g_atomic_int_get(&fw->generation)) {
		e = g_hash_table_lookup(fw->exes, &key);
		if (e != NULL && fw_ident_equal(&e->id, &id)) {
			*ret = *e;
			ret->path = NULL;
			found = TRUE;
		}
	}
	g_mutex_unlock(&fw->exes_lock);
	return found;
}

gboolean
fw_identify_cached_ordinary(FutFanwatch *fw, Event *ev)
{
	gchar link[64];
	struct stat st;
	ExeEntry e;

	g_snprintf(link, sizeof link, "/proc/%d/exe", (int)ev->pid);
	if (!fw_path_stat(link, &st) || !exe_cached(fw, &st, &e) || e.upload || e.loader ||
	    e.multicall)
		return FALSE;
	ev->exe_key.dev = (guint64)st.st_dev;
	ev->exe_key.ino = (guint64)st.st_ino;
	return TRUE;
}

gboolean
fw_identify(FutFanwatch *fw, Event *ev)
{
	gchar link[64];
	struct stat exe_st;

	/* statx() without sync: the executable may sit on a user's FUSE filesystem whose
	 * GETATTR never returns; the attributes the kernel has cached are enough here. The
	 * magic link is not walked on that filesystem, so nothing else waits on its owner. */
	g_snprintf(link, sizeof link, "/proc/%d/exe", (int)ev->pid);
	if (!fw_path_stat(link, &exe_st))
		return FALSE;
	exe_lookup(fw, ev->pid, -1, &exe_st, ev);
	ev->identify_deep = !ev->upload && (ev->loader || ev->multicall);
	return TRUE;
}

/* Reads /proc/PID/cmdline or /proc/PID/maps: both take the process's mmap lock, which a
 * process can keep contended (a fault on a stalled FUSE mapping with a writer queued behind
 * it), so this runs on the identifier threads, under the event's deadline. */
void
fw_identify_deep(FutFanwatch *fw, Event *ev)
{
	ev->identify_deep = FALSE;
	if (ev->multicall) {
		g_autofree gchar *applet = multicall_applet(ev->pid);
		g_mutex_lock(&fw->lock);
		/* Unreadable: fail closed. */
		ev->upload = applet == NULL || g_hash_table_contains(fw->names, applet);
		g_mutex_unlock(&fw->lock);
		if (ev->upload)
			ev->match = "applet";
		return;
	}
	if (ev->loader) {
		const gchar *match = NULL;
		g_autofree gchar *mapped = NULL;
		if (!maps_find_upload(fw, ev->pid, &match, &mapped)) {
			ev->upload = TRUE;
			ev->match = "mapping";
		} else if (match != NULL) {
			ev->upload = TRUE;
			ev->match = match;
		}
	}
}

gboolean
fw_identify_exec(FutFanwatch *fw, Event *ev)
{
	struct stat st;

	if (!fw_fd_stat(ev->fd, &st) || !S_ISREG(st.st_mode))
		return FALSE;
	exe_lookup(fw, ev->pid, ev->fd, &st, ev);
	/* A loader or a multi-call binary: what it runs is not known before it runs (and the
	 * kernel loads every dynamic program's interpreter the same way): not judged here. */
	return TRUE;
}

gboolean
fw_exec_cached_ordinary(FutFanwatch *fw, Event *ev)
{
	struct stat st;
	ExeEntry e;

	return fw_fd_stat(ev->fd, &st) && exe_cached(fw, &st, &e) && !e.upload;
}

void
fw_mark_programs(FutFanwatch *fw)
{
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);

	g_mutex_lock(&fw->lock);
	for (guint i = 0; i < fw->known->len; i++) {
		Known *k = &g_array_index(fw->known, Known, i);
		if (k->present)
			g_ptr_array_add(paths, g_strdup(k->path));
	}
	g_mutex_unlock(&fw->lock);
	/* (fanotify_mark() resolves the path, a symbolic link to its target, and opens
	 * nothing.) A file gone meanwhile, or one on a filesystem that takes no marks, is left
	 * unmarked: its starts are then asked about only where its filesystem is watched. */
	for (guint i = 0; i < paths->len && fw->fan_fd >= 0; i++)
		(void)fanotify_mark(fw->fan_fd, FAN_MARK_ADD, FAN_OPEN_EXEC_PERM, AT_FDCWD,
		                    paths->pdata[i]);
}
