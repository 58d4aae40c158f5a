/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
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
	g_atomic_int_inc(&fw->generation);
}

/* Judges the executable @st (its path read from /proc/@pid/exe) against the configured
 * programs. Returns a new entry. Caller holds no lock. */
static ExeEntry *
exe_judge(FutFanwatch *fw, pid_t pid, const struct stat *st)
{
	Ident id = fw_ident_of(st);
	ExeEntry *e = g_new0(ExeEntry, 1);
	g_autofree gchar *match_path = NULL;

	e->id = id;
	e->path = fut_procinfo_read_exe(pid, NULL);
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
	return e;
}

/* Copies the judgement of the executable @st of @pid into @ev, from the cache or judged
 * now. Thread-safe. */
static void
exe_lookup(FutFanwatch *fw, pid_t pid, const struct stat *st, Event *ev)
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
		g_mutex_unlock(&fw->exes_lock);
		return;
	}
	g_mutex_unlock(&fw->exes_lock);

	e = exe_judge(fw, pid, st);
	ev->upload = e->upload;
	ev->match = e->match;
	ev->exe = g_strdup(e->path);
	g_mutex_lock(&fw->exes_lock);
	if (g_hash_table_size(fw->exes) >= EXES_MAX)
		g_hash_table_remove_all(fw->exes);
	g_hash_table_replace(fw->exes, g_memdup2(&key, sizeof key), e);
	g_mutex_unlock(&fw->exes_lock);
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
	exe_lookup(fw, ev->pid, &exe_st, ev);
	return TRUE;
}
