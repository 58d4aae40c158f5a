/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "policy.h"

G_BEGIN_DECLS

/* The agent's configuration (/etc/futari/agent.conf), a GKeyFile whose groups and keys come
 * from a fixed table in config.c. Every path the agent touches comes from here, so a test
 * runs a full agent in a temporary directory. */

#define FUT_CONFIG_DEFAULT_PATH SYSCONFDIR "/futari/agent.conf"
#define FUT_CONFIG_FILE_MAX     (64 * 1024)

typedef struct {
	gchar *path; /* the file it was read from */

	/* [paths] */
	gchar *socket;          /* the local API socket */
	gchar *state_dir;       /* pending store, write-path state file */
	gchar *spool_dir;       /* root-only copies of exported files */
	gchar *log_dir;         /* the egress log */
	gchar *host_key;        /* the host's Ed25519 key, created on first start */
	gchar *media_register;  /* the media register (media.conf) */
	gchar *org_key;         /* organisation root public key (optional until redeem) */
	gchar *revocation_list; /* signed revocation list (optional; policy may require it) */
	gchar *label_store;     /* the classifier's label memory (common/labelstore.h) */

	/* [usb] */
	gboolean export_unregistered; /* FALSE: exports only to registered media */

	/* [limits] */
	guint max_message;             /* bytes of one API message */
	guint requests_per_minute;     /* per uid, every packet but the files below */
	guint export_files_at_once;    /* per uid: exports with their file, at once... */
	guint export_files_per_minute; /* ...then this many a minute */
	guint pending_per_uid;         /* pending requests per uid */
	guint64 spool_bytes_per_uid;
	guint64 max_export_bytes;     /* one file */
	guint request_lifetime_hours; /* how long a Class I/II request waits for approval */
	guint export_queue_seconds;   /* longest wait of an export for its turn at the stick */

/* [upload] system when agent.conf does not say: where packages put their files, and the
 * package managers' own state and caches (not /var/lib as a whole: the agent's spool). */
#define FUT_CONFIG_UPLOAD_SYSTEM                                                                   \
	"/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/opt", "/snap", "/etc",   \
	    "/var/lib/flatpak", "/var/lib/dpkg", "/var/lib/apt", "/var/cache"

/* [upload] taint-exempt-peers when agent.conf does not say: the journal, the D-Bus daemons
 * and the X servers, by program, and the journal's and the system bus's sockets. */
#define FUT_CONFIG_TAINT_EXEMPT_PEERS                                                              \
	"/usr/lib/systemd/systemd-journald", "/usr/bin/dbus-daemon", "/usr/bin/dbus-broker",       \
	    "/usr/lib/xorg/Xorg", "/usr/bin/Xwayland", "/run/systemd/journal/socket",              \
	    "/run/systemd/journal/stdout", "/run/systemd/journal/dev-log",                         \
	    "/run/dbus/system_bus_socket"

	/* [upload]: upload control (agent/fanwatch.h, docs/upload-control.md). Upload control
	 * is on when the group is present; it then needs at least one filesystem and one
	 * program or name. Lists are NULL-terminated; NULL when not given. */
	gboolean upload_enabled;
	gchar **upload_filesystems;      /* paths on the filesystems to mark whole */
	gchar **upload_mounts;           /* mount point patterns marked as they are mounted */
	guint upload_deadline_ms;        /* longest wait of an open for its answer */
	gchar **upload_programs;         /* absolute paths of upload program executables */
	gchar **upload_names;            /* executable base names that are upload programs */
	gchar **upload_observe;          /* path prefixes where Class III opens are reported */
	guint64 upload_digest_max;       /* largest classified file hashed for an approval */
	guint64 upload_learn_max;        /* largest file classified to set an ignore mark */
	guint upload_observe_interval;   /* seconds between upload.observed of one file */
	guint upload_observe_per_minute; /* upload.observed records per minute, in all */
	gboolean upload_observe_hidden;  /* observe hidden folders and files too */
	/* Programs and unix socket files whose receiving end a tainted sender does not taint
	 * (the BPF taint layer; FUT_CONFIG_TAINT_EXEMPT_PEERS when not given, empty for
	 * "none"). */
	gchar **upload_taint_exempt_peers;
	/* Folders whose root-owned files (no group or other write bit, no ACL) are the
	 * system's own: not classified for upload programs or the taint learner
	 * (FUT_CONFIG_UPLOAD_SYSTEM when not given, empty for "none"). */
	gchar **upload_system;

	/* [scan-worker]: the content-parser workers (agent/scanpool.h, docs/classification.md).
	 * Changes take effect at the next restart. */
	gchar *scan_program;         /* futari-scan-worker */
	gchar *scan_user;            /* the workers' own user */
	guint scan_workers;          /* at most this many at once */
	guint scan_timeout_ms;       /* one file's deadline */
	guint scan_files_per_worker; /* files one worker scans before it is replaced */
	guint scan_cpu;              /* CPU seconds one file may take */
	guint64 scan_memory;         /* address-space limit of a worker, bytes */

	/* [approval]: the class policy (common/policy.h), parsed by its own module */
	FutPolicy *policy;

	/* The whole file, for the modules that read their own groups ([classify] and
	 * [path-rules]: common/classify.h). Validated when parsed. */
	GKeyFile *keyfile;
} FutConfig;

void fut_config_free(FutConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutConfig, fut_config_free)

/* Returns the configuration with every default filled in. Caller frees. */
FutConfig *fut_config_new_default(void);

/* Parses the config text @data (@len bytes) read from @path (used in messages). Unknown
 * groups or keys, duplicates, bad values and syntax errors are refused with
 * "path:line: reason". The result has passed fut_config_validate(). Caller frees. */
FutConfig *fut_config_parse(const gchar *path, const gchar *data, gsize len, GError **error);

/* Reads and parses the file at @path (bounded, no symlinks). Does not check ownership. */
FutConfig *fut_config_load(const gchar *path, GError **error);

/* The validate pass: relations between values (absolute paths, limits in range). */
gboolean fut_config_validate(const FutConfig *config, GError **error);

/* Returns TRUE when the file at @path and its parent directory are owned by @owner and not
 * writable by group or others (and, when @private_file, not readable by them either).
 * A missing file is an error unless @may_be_missing. The agent always passes uid 0; the
 * parameter exists so unit tests can exercise the check without root. */
gboolean fut_config_check_file_owner(
    const gchar *path, uid_t owner, gboolean private_file, gboolean may_be_missing, GError **error);

/* Checks the ownership of every file the agent trusts: the config file, the host key
 * (private), the media register, the organisation key and the revocation list. */
gboolean fut_config_check_trusted_files(const FutConfig *config, uid_t owner, GError **error);

G_END_DECLS
