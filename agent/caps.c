/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "caps.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errors.h"
#include "util.h"

/* libcap is not a dependency: the two system calls are small enough to make directly. */
static int
sys_capget(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d)
{
	return (int)syscall(SYS_capget, h, d);
}

static int
sys_capset(struct __user_cap_header_struct *h, const struct __user_cap_data_struct *d)
{
	return (int)syscall(SYS_capset, h, d);
}

static const gchar *const cap_names[] = {
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
};

guint64
fut_caps_agent_keep(void)
{
	/* CAP_SYS_CHROOT with CAP_SYS_ADMIN: setns() into a user's mount namespace to make a
	 * mount of a stick there read-only (agent/mounts.c, issue 16 item 4). */
	return (1ULL << CAP_SYS_ADMIN) | (1ULL << CAP_SYS_PTRACE) | (1ULL << CAP_DAC_OVERRIDE) |
	       (1ULL << CAP_SYS_CHROOT);
}

gchar *
fut_caps_to_string(guint64 mask)
{
	GString *s = g_string_new(NULL);

	for (guint c = 0; c < 64; c++) {
		if ((mask & (1ULL << c)) == 0)
			continue;
		if (s->len > 0)
			g_string_append_c(s, ',');
		if (c < G_N_ELEMENTS(cap_names))
			g_string_append(s, cap_names[c]);
		else
			g_string_append_printf(s, "cap_%u", c);
	}
	return g_string_free(s, FALSE);
}

/* The highest capability this kernel knows (PR_CAPBSET_READ fails past it). */
static guint
last_cap(void)
{
	guint c = 0;

	while (c < 63 && prctl(PR_CAPBSET_READ, (unsigned long)(c + 1), 0, 0, 0) >= 0)
		c++;
	return c;
}

static gboolean
caps_get(guint64 *ret_eff, guint64 *ret_prm, guint64 *ret_inh, GError **error)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {{0}};

	if (sys_capget(&h, d) < 0)
		return fut_error_set_errno(error, errno, "capget");
	*ret_eff = d[0].effective | ((guint64)d[1].effective << 32);
	*ret_prm = d[0].permitted | ((guint64)d[1].permitted << 32);
	*ret_inh = d[0].inheritable | ((guint64)d[1].inheritable << 32);
	return TRUE;
}

static int
caps_set(guint64 eff, guint64 prm, guint64 inh)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {
	    {.effective = (guint32)eff, .permitted = (guint32)prm, .inheritable = (guint32)inh},
	    {.effective = (guint32)(eff >> 32),
	     .permitted = (guint32)(prm >> 32),
	     .inheritable = (guint32)(inh >> 32)},
	};

	return sys_capset(&h, d);
}

gboolean
fut_caps_restrict(guint64 keep, GError **error)
{
	guint64 eff, prm, inh;
	guint last = last_cap();

	if (!caps_get(&eff, &prm, &inh, error))
		return FALSE;
	if ((prm & keep) != keep) {
		g_autofree gchar *missing = fut_caps_to_string(keep & ~prm);
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("the agent lacks capabilities it needs (%s): run it as root"),
		            missing);
		return FALSE;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fut_error_set_errno(error, errno, "PR_CAP_AMBIENT_CLEAR_ALL");
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which goes next. Under
	 * systemd's CapabilityBoundingSet= the set is small already (and CAP_SETPCAP gone). */
	for (guint c = 0; c <= last; c++) {
		if ((keep & (1ULL << c)) != 0 ||
		    prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) {
			g_autofree gchar *name = fut_caps_to_string(1ULL << c);
			return fut_error_set_errno(error, errno, name);
		}
	}
	if (caps_set(keep, keep, 0) < 0)
		return fut_error_set_errno(error, errno, "capset");
	/* Nothing the agent could ever execute gains privileges either. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fut_error_set_errno(error, errno, "PR_SET_NO_NEW_PRIVS");
	return TRUE;
}

/* Reads "Name:\t<hex>" from a /proc status file. */
static gboolean
status_mask(const gchar *status, const gchar *name, guint64 *ret_mask)
{
	g_autofree gchar *key = g_strdup_printf("\n%s:", name);
	const gchar *p = strstr(status, key);
	g_autofree gchar *hex = NULL;

	if (p == NULL)
		return FALSE;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	hex = g_strndup(p, strcspn(p, "\n"));
	return g_ascii_string_to_unsigned(hex, 16, 0, G_MAXUINT64, ret_mask, NULL);
}

static gboolean
check_task(const gchar *tid, guint64 keep, GError **error)
{
	static const gchar *const sets[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
	g_autofree gchar *path = g_strdup_printf("/proc/self/task/%s/status", tid);
	g_autofree gchar *status = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (!fut_file_read_bounded(path, 64 * 1024, &status, &len, error))
		return FALSE;
	text = g_strconcat("\n", status, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(sets); i++) {
		guint64 mask;
		if (!status_mask(text, sets[i], &mask)) {
			/* CapAmb is missing only on kernels without ambient capabilities */
			if (g_str_equal(sets[i], "CapAmb"))
				continue;
			g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED, _("%s has no %s line"),
			            path, sets[i]);
			return FALSE;
		}
		if ((mask & ~keep) != 0) {
			g_autofree gchar *extra = fut_caps_to_string(mask & ~keep);
			g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
			            _("thread %s still holds %s in %s"), tid, extra, sets[i]);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
fut_caps_verify(guint64 keep, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, error);
	const gchar *tid;
	guint64 eff, prm, inh;
	guint last = last_cap();

	if (dir == NULL)
		return FALSE;
	while ((tid = g_dir_read_name(dir)) != NULL) {
		if (!check_task(tid, keep, error))
			return FALSE;
	}
	if (!caps_get(&eff, &prm, &inh, error))
		return FALSE;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION, _("no_new_privs is not set"));
		return FALSE;
	}
	/* Try to take each dropped capability back: the kernel must refuse every one. */
	for (guint c = 0; c <= last; c++) {
		guint64 bit = 1ULL << c;
		if ((keep & bit) != 0)
			continue;
		if (caps_set(eff | bit, prm | bit, inh) == 0 || errno != EPERM ||
		    prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) != 0) {
			g_autofree gchar *name = fut_caps_to_string(bit);
			(void)caps_set(eff, prm, inh);
			g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
			            _("a dropped capability (%s) could be taken back"), name);
			return FALSE;
		}
	}
	return TRUE;
}
