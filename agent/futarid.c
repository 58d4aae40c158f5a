/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futarid: the endpoint agent. Keeps USB mass storage read-only, answers the local API and
 * (with the broker) writes approved exports. Runs as root under systemd (Type=notify). */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "agent.h"
#include "broker.h"
#include "caps.h"
#include "writepath.h"
#include "errors.h"
#include "egresslog.h"
#include "export-progress.h"
#include "fanwatch.h"
#include "hostkey.h"
#include "logforward.h"
#include "spool.h"
#include "scanclassify.h"
#include "taint.h"
#include "util.h"

static gchar *opt_config = NULL;
static gboolean opt_foreground = FALSE;
static gboolean opt_check = FALSE;
static gboolean opt_print_host_key = FALSE;

static const GOptionEntry options[] = {
    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config, NULL, "FILE"},
    {"foreground", 'f', 0, G_OPTION_ARG_NONE, &opt_foreground,
     N_("Stay in the foreground and log to stderr (systemd runs it this way)"), NULL},
    {"check", 0, 0, G_OPTION_ARG_NONE, &opt_check,
     N_("Validate the configuration, the media register and file ownership, then exit"), NULL},
    {"print-host-key", 0, 0, G_OPTION_ARG_NONE, &opt_print_host_key,
     N_("Print this PC's host public key (for futari-audit verify --keys HOST.pub), then exit"),
     NULL},
    {NULL}};

static void say(const gchar *level, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

/* The only place futarid prints. Messages are already escaped by their callers. The
 * <N> prefix gives journald the syslog priority. */
static void
say(const gchar *level, const gchar *format, ...)
{
	va_list ap;
	g_autofree gchar *msg = NULL;

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	fprintf(stderr, "%sfutarid: %s\n", level, msg);
}
#define LOG_ERR_PREFIX     "<3>"
#define LOG_WARNING_PREFIX "<4>"
#define LOG_INFO_PREFIX    "<6>"

static void
record(FutAgent *agent, const gchar *event, JsonObject *fields)
{
	g_autoptr(GError) error = NULL;

	if (!fut_recorder_emit(agent->recorder, event, fields, &error))
		say(LOG_ERR_PREFIX, _("cannot record %s: %s"), event, error->message);
}

/* The broker's records (export.*, approval.*) for the desktop of the user they are about. */
static void
recorded(const gchar *event, JsonObject *fields, gpointer user_data)
{
	fut_agent_notify_record_later(user_data, event, fields);
}

static gboolean
asset_lookup(const gchar *vid,
             const gchar *pid,
             const gchar *serial,
             gchar **ret_asset_id,
             gchar **ret_owner,
             gpointer user_data)
{
	FutAgent *agent = user_data;
	const FutMediaEntry *e = fut_media_register_lookup(agent->media, vid, pid, serial);

	if (e == NULL)
		return FALSE;
	*ret_asset_id = g_strdup(e->asset_id);
	*ret_owner = g_strdup(e->owner);
	return TRUE;
}

static void
usb_event(FutUsbStore *store,
          FutUsbEvent event,
          const FutUsbDevice *dev,
          const gchar *detail,
          gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(JsonObject) fields = fut_broker_device_fields(dev, NULL, NULL);
	g_autofree gchar *evendor = fut_strescape(dev->vendor != NULL ? dev->vendor : "?", -1);
	g_autofree gchar *emodel = fut_strescape(dev->model != NULL ? dev->model : "?", -1);
	g_autofree gchar *eserial = fut_strescape(dev->serial != NULL ? dev->serial : "-", -1);
	g_autofree gchar *edetail = fut_strescape(detail != NULL ? detail : "", -1);
	const gchar *asset = dev->asset_id != NULL ? dev->asset_id : _("unregistered");

	switch (event) {
	case FUT_USB_EVENT_ATTACH:
		say(LOG_INFO_PREFIX, _("USB storage attached: %s %s %s:%s serial %s (%s)%s%s"),
		    evendor, emodel, dev->vid != NULL ? dev->vid : "?",
		    dev->pid != NULL ? dev->pid : "?", eserial, asset,
		    dev->suspicious != NULL ? _(", suspicious: ") : "",
		    dev->suspicious != NULL ? dev->suspicious : "");
		record(agent, "device.attach", fields);
		if (dev->suspicious != NULL)
			record(agent, "device.suspicious", fields);
		break;
	case FUT_USB_EVENT_CHANGE:
		/* Re-asserted silently: attach and detach are what the inspection needs. */
		break;
	case FUT_USB_EVENT_DETACH:
		say(LOG_INFO_PREFIX, _("USB storage detached: %s %s serial %s (%s)"), evendor,
		    emodel, eserial, asset);
		record(agent, "device.detach", fields);
		break;
	case FUT_USB_EVENT_READONLY_FAILED:
		say(LOG_ERR_PREFIX, _("cannot make USB storage serial %s read-only: %s"), eserial,
		    edetail);
		json_object_set_string_member(fields, "reason", detail);
		record(agent, "device.readonly-failed", fields);
		break;
	}
}

/* Runs in the listener thread while an opener waits: reads only the given descriptor. The
 * classifier may be replaced by a reload; retired ones live until exit, so whichever this
 * reads stays valid. */
static gboolean
upload_classify(int fd, const gchar *path, guint *ret_class, gpointer user_data, GError **error)
{
	FutAgent *agent = user_data;
	FutClassifier *c = g_atomic_pointer_get(&agent->classifier);

	return fut_classifier_classify_fd_cb(fd, path, ret_class, c, error);
}

/* The listener found a file Class I or II (or could not judge it: Class II): the kernel side
 * of the taint learns the inode. Any listener thread; the descriptor is borrowed. */
static void
upload_classified(int fd, guint file_class, gpointer user_data)
{
	FutAgent *agent = user_data;

	if (agent->taint != NULL)
		(void)fut_taint_mark_fd(agent->taint, fd, file_class, NULL);
}

/* Runs in the main context, after the listener has answered the kernel. Denials and
 * approved uploads are egress decisions: durable, like export records. */
static void
upload_record(const FutFanwatchRecord *r, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(FutLogEvent) ev = fut_fanwatch_record_to_log_event(r);
	g_autoptr(GError) error = NULL;
	FutEgressLogAppendFlags flags = FUT_EGRESS_LOG_APPEND_NONE;

	if (r->kind == FUT_FANWATCH_RECORD_DENIED || r->kind == FUT_FANWATCH_RECORD_ALLOWED)
		flags |= FUT_EGRESS_LOG_APPEND_DURABLE;
	if (agent->log == NULL || !fut_egress_log_append(agent->log, ev, flags, NULL, &error))
		say(LOG_ERR_PREFIX, _("cannot record %s: %s"),
		    fut_fanwatch_record_kind_to_string(r->kind),
		    error != NULL ? error->message : _("the log is closed"));
	/* The desktop notification's cue: the person whose upload was refused, and why (the
	 * same record shape as the export events; the fields are escaped already). */
	if (r->kind == FUT_FANWATCH_RECORD_DENIED) {
		g_autoptr(JsonObject) fields = fut_fanwatch_record_to_fields(r);
		fut_agent_notify_record(agent, fut_fanwatch_record_kind_to_string(r->kind), fields);
	}
	if (r->kind == FUT_FANWATCH_RECORD_GAP)
		say(LOG_WARNING_PREFIX, _("upload control: %s (%llu)"), r->gap_kind,
		    (unsigned long long)r->gap_count);
}

/* Creates and starts the listener from [upload]. Fail closed: when upload control is
 * configured and fanotify cannot be set up, the agent does not start. */
static gboolean
start_upload_control(FutAgent *agent, GError **error)
{
	const FutConfig *c = agent->config;
	FutFanwatchConfig cfg;

	if (!c->upload_enabled)
		return TRUE;
	fut_fanwatch_config_init(&cfg);
	cfg.mounts = (const gchar *const *)c->upload_filesystems;
	cfg.mount_patterns = (const gchar *const *)c->upload_mounts;
	cfg.deadline_ms = c->upload_deadline_ms;
	cfg.upload_programs = (const gchar *const *)c->upload_programs;
	cfg.upload_names = (const gchar *const *)c->upload_names;
	cfg.observe_paths = (const gchar *const *)c->upload_observe;
	cfg.digest_max = c->upload_digest_max;
	cfg.learn_max = c->upload_learn_max;
	cfg.observe_interval_s = c->upload_observe_interval;
	cfg.observe_per_minute = c->upload_observe_per_minute;
	/* Only with the kernel side running: the learner then classifies every file other
	 * programs open (and holds its descriptor meanwhile, which keeps a user from taking a
	 * write lease on it), and approvals go to the kernel map. Without it, that is cost
	 * with nothing to feed. */
	if (agent->taint != NULL) {
		cfg.on_classified = upload_classified;
		cfg.on_classified_data = agent;
		cfg.on_approved = fut_agent_taint_approved;
		cfg.on_approved_data = agent;
		/* A non-upload program's open of a file not classified yet marks it pending
		 * before it is answered, so a read that comes before the learner's verdict
		 * cannot be sent (docs/upload-control.md). */
		cfg.on_pending = fut_agent_taint_pending;
		cfg.on_resolved = fut_agent_taint_resolved;
		cfg.on_pending_data = agent;
	}
	agent->fanwatch =
	    fut_fanwatch_new(&cfg, upload_classify, agent, upload_record, agent, NULL, error);
	if (agent->fanwatch == NULL || !fut_fanwatch_start(agent->fanwatch, error)) {
		g_prefix_error(error, _("upload control is configured but cannot run: "));
		return FALSE;
	}
	return TRUE;
}

/* Drops upload approvals whose window has ended (the listener ignores them already; this
 * keeps its bounded table free). */
static void
expire_upload_approvals(FutAgent *agent)
{
	GHashTableIter it;
	gpointer key, value;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (agent->fanwatch == NULL)
		return;
	g_hash_table_iter_init(&it, agent->upload_approvals);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		if (*(gint64 *)value >= now)
			continue;
		fut_fanwatch_remove_approval(agent->fanwatch, key);
		fut_agent_taint_withdraw(agent, key);
		g_hash_table_iter_remove(&it);
	}
}

static FutMediaRegister *
load_media(const FutConfig *config, GError **error)
{
	if (!g_file_test(config->media_register, G_FILE_TEST_EXISTS))
		return fut_media_register_new_empty();
	return fut_media_register_load(config->media_register, error);
}

/* Loads and checks everything a start or a reload needs, or nothing. */
static gboolean
load_all(const gchar *path, FutConfig **ret_config, FutMediaRegister **ret_media, GError **error)
{
	g_autoptr(FutConfig) config = fut_config_load(path, error);
	g_autoptr(FutMediaRegister) media = NULL;

	if (config == NULL)
		return FALSE;
	if (!fut_config_check_trusted_files(config, 0, error))
		return FALSE;
	media = load_media(config, error);
	if (media == NULL)
		return FALSE;
	*ret_config = g_steal_pointer(&config);
	*ret_media = g_steal_pointer(&media);
	return TRUE;
}

static FutApiLimits
limits_from_config(const FutConfig *c)
{
	FutApiLimits l = {
	    .max_message = c->max_message,
	    .requests_per_minute = c->requests_per_minute,
	    /* A user needs a few connections at once (CLI, notifier, file manager). */
	    .connections_per_uid = 16,
	};
	return l;
}

static gboolean
on_sigterm(gpointer user_data)
{
	FutAgent *agent = user_data;

	sd_notify(0, "STOPPING=1");
	g_main_loop_quit(agent->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_sighup(gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(GError) error = NULL;
	FutConfig *config = NULL;
	FutMediaRegister *media = NULL;
	FutApiLimits limits;

	sd_notify(0, "RELOADING=1");
	if (!load_all(agent->config->path, &config, &media, &error)) {
		say(LOG_ERR_PREFIX, _("reload refused, keeping the running configuration: %s"),
		    error->message);
		sd_notify(0, "READY=1");
		return G_SOURCE_CONTINUE;
	}
	if (g_strcmp0(config->socket, agent->config->socket) != 0 ||
	    g_strcmp0(config->spool_dir, agent->config->spool_dir) != 0 ||
	    g_strcmp0(config->state_dir, agent->config->state_dir) != 0 ||
	    g_strcmp0(config->log_dir, agent->config->log_dir) != 0 ||
	    g_strcmp0(config->host_key, agent->config->host_key) != 0)
		say(LOG_WARNING_PREFIX, _("changed paths take effect at the next restart"));
	if (config->upload_enabled != agent->config->upload_enabled)
		say(LOG_WARNING_PREFIX, _("[upload] changes take effect at the next restart"));
	if (g_strcmp0(config->scan_program, agent->config->scan_program) != 0 ||
	    g_strcmp0(config->scan_user, agent->config->scan_user) != 0 ||
	    config->scan_workers != agent->config->scan_workers ||
	    config->scan_timeout_ms != agent->config->scan_timeout_ms ||
	    config->scan_files_per_worker != agent->config->scan_files_per_worker ||
	    config->scan_cpu != agent->config->scan_cpu ||
	    config->scan_memory != agent->config->scan_memory)
		say(LOG_WARNING_PREFIX, _("[scan-worker] changes take effect at the next restart"));
	{
		FutClassifier *classifier =
		    fut_classifier_new(config->keyfile, agent->labels, &error);
		if (classifier == NULL) {
			say(LOG_ERR_PREFIX,
			    _("reload refused, keeping the running configuration: %s"),
			    error->message);
			fut_config_free(config);
			fut_media_register_free(media);
			sd_notify(0, "READY=1");
			return G_SOURCE_CONTINUE;
		}
		fut_scan_attach(classifier);
		/* new workers parse with the new [classify] group; [scan-worker] itself needs a
		 * restart */
		fut_scan_reconfigure(config->keyfile);
		g_ptr_array_add(agent->retired_classifiers, agent->classifier);
		g_atomic_pointer_set(&agent->classifier, classifier);
	}
	/* The policy and path rules may have changed: every file judged Class III (and
	 * marked to be skipped) is judged again. The [upload] group itself needs a restart. */
	if (agent->fanwatch != NULL && !fut_fanwatch_flush(agent->fanwatch, &error)) {
		say(LOG_ERR_PREFIX, _("upload control: %s"), error->message);
		g_clear_error(&error);
	}
	/* Exports still running read the old configuration: retire it, free it at exit. */
	g_ptr_array_add(agent->retired_configs, agent->config);
	agent->config = config;
	fut_media_register_free(agent->media);
	agent->media = media;
	fut_usb_store_set_asset_lookup(agent->usb, asset_lookup, agent);
	limits = limits_from_config(config);
	fut_api_server_set_limits(agent->api, &limits);
	/* A reload is also a chance to re-check the enforcement. */
	if (!fut_usb_store_reassert(agent->usb, &error))
		say(LOG_ERR_PREFIX, "%s", error->message);
	record(agent, "agent.reload", NULL);
	say(LOG_INFO_PREFIX, _("configuration reloaded"));
	sd_notify(0, "READY=1");
	return G_SOURCE_CONTINUE;
}

static gboolean
make_private_dir(const gchar *path, GError **error)
{
	struct stat st;
	g_autofree gchar *epath = fut_strescape(path, -1);

	if (g_mkdir_with_parents(path, 0700) < 0)
		return fut_error_set_errno(error, errno, epath);
	if (lstat(path, &st) < 0)
		return fut_error_set_errno(error, errno, epath);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("%s must be a directory owned by root with mode 0700"), epath);
		return FALSE;
	}
	return TRUE;
}

static gboolean
on_tick(gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(GError) error = NULL;

	if (!fut_egress_log_tick(agent->log, &error))
		say(LOG_ERR_PREFIX, _("egress log: %s"), error->message);
	fut_broker_purge(agent);
	expire_upload_approvals(agent);
	if (agent->taint != NULL)
		fut_taint_check_gap(agent->taint);
	fut_agent_subscribers_prune(agent, FALSE);
	fut_export_jobs_expire(agent->export_jobs, g_get_monotonic_time());
	/* Events can be lost when the netlink buffer overflows: look at every device again.
	 * (The udev rule covers new sticks meanwhile.) */
	g_clear_error(&error);
	if (!fut_usb_store_rescan(agent->usb, &error))
		say(LOG_ERR_PREFIX, "%s", error->message);
	return G_SOURCE_CONTINUE;
}

/* The host name as the log wants it: 1-64 characters of [A-Za-z0-9._-]. */
static gchar *
host_name(void)
{
	g_autofree gchar *h = g_strndup(g_get_host_name(), 64);

	for (gchar *p = h; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-')
			*p = '-';
	}
	return *h != '\0' ? g_steal_pointer(&h) : g_strdup("localhost");
}

/* The log directory is root's; its group may read it (inspectors' collection tools). */
static gboolean
make_log_dir(const gchar *path, GError **error)
{
	struct stat st;
	g_autofree gchar *epath = fut_strescape(path, -1);

	if (g_mkdir_with_parents(path, 0750) < 0 || lstat(path, &st) < 0)
		return fut_error_set_errno(error, errno, epath);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0027) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("%s must be a directory owned by root, not writable by its group "
		              "nor accessible to others"),
		            epath);
		return FALSE;
	}
	return TRUE;
}

/* What classify and label threads that did not end in time still use (see agent_clear). */
static gpointer kept_for_readers[4];
static gpointer kept_spawner;

static gboolean
on_wait_readers(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* Classify and label jobs answer before the agent stops, for up to STOP_WAIT_READERS_S: what
 * they use (the classifiers, the label memory, upload control) is freed only after them. A
 * job reading a file that never answers does not hold the stop longer. */
#define STOP_WAIT_READERS_S 10

static void
wait_readers(FutAgent *agent)
{
	gboolean timed_out = FALSE;
	guint id;

	if (agent->reading_jobs == 0)
		return;
	id = g_timeout_add_seconds(STOP_WAIT_READERS_S, on_wait_readers, &timed_out);
	while (agent->reading_jobs > 0 && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	else
		say(LOG_WARNING_PREFIX,
		    ngettext("%d classification still running: stopping without it",
		             "%d classifications still running: stopping without them",
		             agent->reading_jobs),
		    agent->reading_jobs);
}

static void
agent_clear(FutAgent *agent)
{
	g_autoptr(GError) error = NULL;

	if (agent->tick_id != 0)
		g_source_remove(agent->tick_id);
	agent->tick_id = 0;
	fut_agent_subscribers_prune(agent, TRUE);
	g_clear_pointer(&agent->api, fut_api_server_free);
	g_clear_pointer(&agent->subscribers, g_ptr_array_unref);
	g_clear_pointer(&agent->export_jobs, fut_export_jobs_free);
	/* Before the log closes: stop the listener (the kernel allows pending opens), then
	 * let the records it has handed over reach the log; freeing it drops the rest. */
	if (agent->fanwatch != NULL) {
		fut_fanwatch_stop(agent->fanwatch);
		/* Bounded: other sources (udev) may always be ready. The listener holds at
		 * most 10 000 records in flight. */
		for (guint i = 0; i < 20000 && g_main_context_iteration(NULL, FALSE); i++)
			;
		/* A label thread still running tells upload control when it is done. */
		if (agent->reading_jobs == 0)
			g_clear_pointer(&agent->fanwatch, fut_fanwatch_free);
	}
	/* Its last denials reach the log before the log closes. */
	fut_agent_taint_stop(agent);
	g_clear_pointer(&agent->upload_approvals, g_hash_table_unref);
	g_clear_pointer(&agent->usb, fut_usb_store_free);
	g_clear_pointer(&agent->recorder, fut_recorder_free);
	if (agent->log != NULL && !fut_egress_log_close(agent->log, "stopped", &error))
		say(LOG_ERR_PREFIX, _("egress log: %s"), error->message);
	agent->log = NULL;
	g_clear_pointer(&agent->forward, fut_log_forward_free);
	g_clear_pointer(&agent->host_key, fut_key_free);
	g_clear_pointer(&agent->media, fut_media_register_free);
	g_clear_pointer(&agent->config, fut_config_free);
	g_clear_pointer(&agent->loop, g_main_loop_unref);
	g_clear_pointer(&agent->started, g_date_time_unref);
	g_clear_pointer(&agent->redeeming, g_hash_table_unref);
	g_clear_pointer(&agent->retired_configs, g_ptr_array_unref);
	g_clear_pointer(&agent->spool_quota, fut_spool_quota_free);
	g_clear_pointer(&agent->host, g_free);
	if (agent->reading_jobs > 0) {
		/* A classify or label thread still reads a file that does not answer (a user's
		 * FUSE file): what it uses stays, reachable, until the process ends. */
		kept_for_readers[0] = agent->classifier;
		kept_for_readers[1] = agent->retired_classifiers;
		kept_for_readers[2] = agent->labels;
		kept_for_readers[3] = agent->fanwatch;
		return;
	}
	/* the workers go before the classifiers they were registered with */
	fut_scan_uninstall();
	g_clear_pointer(&agent->classifier, fut_classifier_free);
	g_clear_pointer(&agent->retired_classifiers, g_ptr_array_unref);
	g_clear_pointer(&agent->labels, fut_labelstore_free);
}

static gboolean
on_watchdog(gpointer user_data)
{
	sd_notify(0, "WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}

int
main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autofree gchar *config_help = NULL;
	g_autoptr(GError) error = NULL;
	FutAgent agent = {0};
	g_autofree gchar *keyid = NULL;
	gboolean created = FALSE;
	FutApiLimits limits;
	g_autofree gchar *socket_dir = NULL;
	g_autoptr(GPtrArray) leftovers = NULL;
	FutScanSpawner *spawner = NULL;
	int rc = EXIT_FAILURE;

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	umask(0077);

	ctx = g_option_context_new(NULL);
	g_option_context_set_summary(ctx, _("The futari endpoint agent."));
	{
		/* The default path comes from configure: formatted here, not in the msgid. */
		GOptionEntry config_entry[] = {options[0], {NULL}};
		config_help = g_strdup_printf(_("Read the configuration from FILE (default %s)"),
		                              FUT_CONFIG_DEFAULT_PATH);
		config_entry[0].description = config_help;
		g_option_context_add_main_entries(ctx, config_entry, GETTEXT_PACKAGE);
	}
	g_option_context_add_main_entries(ctx, options + 1, GETTEXT_PACKAGE);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "futarid: %s\n", error->message);
		return 2;
	}
	if (argc > 1) {
		fprintf(stderr, _("futarid: unexpected argument '%s'\n"), argv[1]);
		return 2;
	}
	if (opt_config == NULL)
		opt_config = g_strdup(FUT_CONFIG_DEFAULT_PATH);

	if (!load_all(opt_config, &agent.config, &agent.media, &error)) {
		fprintf(stderr, "futarid: %s\n", error->message);
		return EXIT_FAILURE;
	}
	if (opt_print_host_key) {
		g_autoptr(FutKey) key = fut_host_key_load(agent.config->host_key, &error);
		g_autofree gchar *host = host_name();
		g_autofree gchar *text = NULL;

		if (key == NULL) {
			if (!g_file_test(agent.config->host_key, G_FILE_TEST_EXISTS))
				fprintf(stderr,
				        _("futarid: no host key yet: futarid makes it at its first "
				          "start\n"));
			else
				fprintf(stderr, "futarid: %s\n", error->message);
			agent_clear(&agent);
			return EXIT_FAILURE;
		}
		text = fut_key_export_public(key);
		fputs(text, stdout);
		keyid = fut_key_dup_id_string(key);
		fprintf(stderr,
		        _("futarid: host key %s of host %s: keep it as %s.pub for futari-audit "
		          "verify --keys\n"),
		        keyid, host, host);
		agent_clear(&agent);
		return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	if (opt_check) {
		printf(_("%s: configuration is valid; %u registered media\n"), opt_config,
		       fut_media_register_get_n_entries(agent.media));
		agent_clear(&agent);
		return EXIT_SUCCESS;
	}
	if (geteuid() != 0) {
		fprintf(stderr, _("futarid: must run as root\n"));
		agent_clear(&agent);
		return EXIT_FAILURE;
	}
	if (!opt_foreground && daemon(0, 1) < 0) {
		fprintf(stderr, "futarid: daemon: %s\n", g_strerror(errno));
		agent_clear(&agent);
		return EXIT_FAILURE;
	}
	/* The content parsers run as their own user: the spawner that starts them keeps the
	 * two capabilities that takes, and goes before the agent drops them. */
	{
		FutScanSpawnConfig scfg = {0};
		if (!fut_scan_lookup_user(agent.config->scan_user, &scfg.uid, &scfg.gid, &error)) {
			fprintf(stderr, "futarid: %s\n", error->message);
			agent_clear(&agent);
			return EXIT_FAILURE;
		}
		scfg.program = agent.config->scan_program;
		scfg.memory = agent.config->scan_memory;
		scfg.cpu = agent.config->scan_cpu;
		spawner = fut_scan_spawner_new(&scfg, &error);
		if (spawner == NULL) {
			fprintf(stderr, "futarid: %s\n", error->message);
			agent_clear(&agent);
			return EXIT_FAILURE;
		}
	}
	/* Root's other powers go before any thread exists (capabilities are per thread), and
	 * the agent proves it cannot take them back. */
	if (!fut_caps_restrict(fut_caps_agent_keep(), &error) ||
	    !fut_caps_verify(fut_caps_agent_keep(), &error)) {
		fprintf(stderr, "futarid: %s\n", error->message);
		fut_scan_spawner_free(spawner);
		agent_clear(&agent);
		return EXIT_FAILURE;
	} else {
		g_autofree gchar *kept = fut_caps_to_string(fut_caps_agent_keep());
		say(LOG_INFO_PREFIX, _("capabilities kept: %s; all others dropped for good"), kept);
	}

	agent.loop = g_main_loop_new(NULL, FALSE);
	agent.host = host_name();
	agent.redeeming = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	agent.retired_configs = g_ptr_array_new_with_free_func((GDestroyNotify)fut_config_free);
	agent.spool_quota = fut_spool_quota_new();
	agent.retired_classifiers =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_classifier_free);
	agent.started = g_date_time_new_now_utc();
	agent.upload_approvals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	agent.subscribers = g_ptr_array_new();
	agent.export_jobs = fut_export_jobs_new(fut_agent_notify_progress, &agent);
	socket_dir = g_path_get_dirname(agent.config->socket);
	if (!make_private_dir(agent.config->state_dir, &error) ||
	    !make_private_dir(agent.config->spool_dir, &error) ||
	    !make_log_dir(agent.config->log_dir, &error))
		goto out;
	/* Every user must reach the socket; the umask would make a new directory 0700. */
	if (!g_file_test(socket_dir, G_FILE_TEST_IS_DIR) &&
	    (g_mkdir_with_parents(socket_dir, 0755) < 0 || chmod(socket_dir, 0755) < 0)) {
		fut_error_set_errno(&error, errno, socket_dir);
		goto out;
	}
	agent.host_key = fut_host_key_load_or_create(agent.config->host_key, &created, &error);
	if (agent.host_key == NULL) {
		g_prefix_error(&error, _("host key: "));
		goto out;
	}
	keyid = fut_key_dup_id_string(agent.host_key);
	{
		FutEgressLogOptions lopts = {0};
		g_autoptr(GError) ferr = NULL;

		agent.forward = fut_log_forward_new_journald(&ferr);
		if (agent.forward == NULL) {
			g_clear_error(&ferr);
			agent.forward = fut_log_forward_new_syslog(NULL, "futarid", &ferr);
		}
		if (agent.forward == NULL)
			say(LOG_WARNING_PREFIX,
			    _("log records are not forwarded (no journal, no syslog): %s"),
			    ferr->message);
		lopts.version = PACKAGE_VERSION;
		lopts.record_func = agent.forward != NULL ? fut_log_forward_record_func : NULL;
		lopts.record_data = agent.forward;
		/* No log, no egress: the agent does not start without its log. */
		agent.log = fut_egress_log_open(agent.config->log_dir, agent.host, agent.host_key,
		                                &lopts, &error);
		if (agent.log == NULL) {
			g_prefix_error(&error, _("egress log: "));
			goto out;
		}
		agent.recorder = fut_recorder_new_egress_log(agent.log);
		fut_recorder_set_observer(agent.recorder, recorded, &agent);
		agent.tick_id = g_timeout_add_seconds(60, on_tick, &agent);
	}
	if (created)
		say(LOG_INFO_PREFIX, _("created host key %s"), keyid);

	/* A damaged label memory is not an empty one: copies of labelled files would lose
	 * their class, so the agent does not start. */
	agent.labels = fut_labelstore_new(agent.config->label_store, 0);
	if (!fut_labelstore_load(agent.labels, &error)) {
		g_prefix_error(&error, _("label store: "));
		goto out;
	}
	agent.classifier = fut_classifier_new(agent.config->keyfile, agent.labels, &error);
	if (agent.classifier == NULL)
		goto out;
	fut_scan_attach(agent.classifier);
	/* One worker now, to prove the sandbox holds on this system; the rest on demand. */
	{
		FutScanPool *pool =
		    fut_scan_pool_new(g_steal_pointer(&spawner), agent.config->scan_workers,
		                      agent.config->scan_timeout_ms, agent.config->keyfile, &error);
		if (pool == NULL) {
			g_prefix_error(&error, _("classifier workers: "));
			goto out;
		}
		fut_scan_pool_set_files_per_worker(pool, agent.config->scan_files_per_worker);
		say(LOG_INFO_PREFIX, _("content parsers: up to %u workers as user %s, seccomp, %s"),
		    agent.config->scan_workers, agent.config->scan_user,
		    fut_scan_pool_get_landlock(pool) ? _("Landlock") : _("no Landlock here"));
		fut_scan_install(pool);
	}

	/* A write path the previous run did not finish: its private mount goes and its
	 * device gets BLKROSET back before anything else happens. */
	leftovers = fut_write_path_recover(agent.config->state_dir, &error);
	if (leftovers == NULL) {
		g_prefix_error(&error, _("restoring read-only after an interrupted export: "));
		goto out;
	}

	/* Enforcement first: every USB disk present is made read-only before the agent says
	 * it is ready or accepts a request. */
	agent.usb = fut_usb_store_new(usb_event, &agent, &error);
	if (agent.usb == NULL)
		goto out;
	fut_usb_store_set_asset_lookup(agent.usb, asset_lookup, &agent);
	if (!fut_usb_store_start(agent.usb, &error)) {
		g_prefix_error(&error, _("USB enforcement failed: "));
		goto out;
	}

	fut_broker_clean_leftovers(&agent, leftovers);

	/* Upload control before the socket and READY=1: an agent that says it is ready
	 * enforces both channels. The BPF LSM taint first, so the listener's classifications
	 * mark inodes from the start; a kernel without it leaves fanotify alone. */
	if (!fut_agent_taint_start(&agent, &error)) {
		say(LOG_WARNING_PREFIX, _("upload control: no BPF LSM process taint: %s"),
		    error->message);
		g_clear_error(&error);
	}
	if (!start_upload_control(&agent, &error))
		goto out;

	limits = limits_from_config(agent.config);
	agent.api =
	    fut_api_server_new(agent.config->socket, fut_agent_commands, &limits, &agent, &error);
	if (agent.api == NULL)
		goto out;

	g_unix_signal_add(SIGTERM, on_sigterm, &agent);
	g_unix_signal_add(SIGINT, on_sigterm, &agent);
	g_unix_signal_add(SIGHUP, on_sighup, &agent);

	sd_notifyf(0, "READY=1\nSTATUS=enforcing; host key %s", keyid);
	{
		/* systemd's watchdog (WatchdogSec= in the unit): the ping comes from the main
		 * loop, so a loop stuck anywhere stops the pings and systemd restarts the agent
		 * (the udev rule keeps sticks read-only meanwhile). */
		guint64 watchdog_usec = 0;
		if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec >= 2000)
			g_timeout_add((guint)MIN(watchdog_usec / 2000, G_MAXUINT), on_watchdog,
			              NULL);
	}
	say(LOG_INFO_PREFIX,
	    _("ready: USB storage read-only, upload control %s (%s), host key %s, socket %s"),
	    agent.fanwatch != NULL ? _("on") : _("off"), fut_agent_enforcement(&agent), keyid,
	    agent.config->socket);
	g_main_loop_run(agent.loop);
	/* No new requests; exports already writing finish and restore read-only first. */
	fut_agent_subscribers_prune(&agent, TRUE);
	fut_api_server_stop(agent.api);
	while (g_atomic_int_get(&agent.active_jobs) > 0)
		g_main_context_iteration(NULL, TRUE);
	wait_readers(&agent);

	say(LOG_INFO_PREFIX, _("stopping"));
	rc = EXIT_SUCCESS;
out:
	if (error != NULL)
		say(LOG_ERR_PREFIX, "%s", error->message);
	if (agent.reading_jobs == 0)
		fut_scan_spawner_free(spawner);
	else
		kept_spawner = spawner; /* the classify threads still running use its workers */
	agent_clear(&agent);
	g_free(opt_config);
	return rc;
}
