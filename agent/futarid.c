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

/* The only place futarid prints (agent.h). */
void
fut_agent_say(const gchar *level, const gchar *format, ...)
{
	va_list ap;
	g_autofree gchar *msg = NULL;

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	fprintf(stderr, "%sfutarid: %s\n", level, msg);
}

static void
record(FutAgent *agent, const gchar *event, JsonObject *fields)
{
	g_autoptr(GError) error = NULL;

	if (!fut_recorder_emit(agent->recorder, event, fields, &error))
		fut_agent_say(FUT_AGENT_LOG_ERR, _("cannot record %s: %s"), event, error->message);
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
		fut_agent_say(FUT_AGENT_LOG_INFO,
		              _("USB storage attached: %s %s %s:%s serial %s (%s)%s%s"), evendor,
		              emodel, dev->vid != NULL ? dev->vid : "?",
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
		fut_agent_say(FUT_AGENT_LOG_INFO, _("USB storage detached: %s %s serial %s (%s)"),
		              evendor, emodel, eserial, asset);
		record(agent, "device.detach", fields);
		break;
	case FUT_USB_EVENT_READONLY_FAILED:
		fut_agent_say(FUT_AGENT_LOG_ERR,
		              _("cannot make USB storage serial %s read-only: %s"), eserial,
		              edetail);
		json_object_set_string_member(fields, "reason", detail);
		record(agent, "device.readonly-failed", fields);
		break;
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
	    /* A user needs a few connections at once (CLI, notifier, file manager), and a
	     * folder's export keeps up to 32 files with the agent, one connection each, so
	     * they share the stick's flushes (futari-export.c). Each costs a descriptor; a
	     * file waiting at the stick also a thread of the export pool (broker-export.c). */
	    .connections_per_uid = 40,
	    .files_burst = c->export_files_at_once,
	    .files_per_minute = c->export_files_per_minute,
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
		fut_agent_say(FUT_AGENT_LOG_ERR,
		              _("reload refused, keeping the running configuration: %s"),
		              error->message);
		sd_notify(0, "READY=1");
		return G_SOURCE_CONTINUE;
	}
	if (g_strcmp0(config->socket, agent->config->socket) != 0 ||
	    g_strcmp0(config->spool_dir, agent->config->spool_dir) != 0 ||
	    g_strcmp0(config->state_dir, agent->config->state_dir) != 0 ||
	    g_strcmp0(config->log_dir, agent->config->log_dir) != 0 ||
	    g_strcmp0(config->host_key, agent->config->host_key) != 0)
		fut_agent_say(FUT_AGENT_LOG_WARNING,
		              _("changed paths take effect at the next restart"));
	if (config->upload_enabled != agent->config->upload_enabled)
		fut_agent_say(FUT_AGENT_LOG_WARNING,
		              _("[upload] changes take effect at the next restart"));
	if (g_strcmp0(config->scan_program, agent->config->scan_program) != 0 ||
	    g_strcmp0(config->scan_user, agent->config->scan_user) != 0 ||
	    config->scan_workers != agent->config->scan_workers ||
	    config->scan_timeout_ms != agent->config->scan_timeout_ms ||
	    config->scan_files_per_worker != agent->config->scan_files_per_worker ||
	    config->scan_cpu != agent->config->scan_cpu ||
	    config->scan_memory != agent->config->scan_memory)
		fut_agent_say(FUT_AGENT_LOG_WARNING,
		              _("[scan-worker] changes take effect at the next restart"));
	{
		FutClassifier *classifier =
		    fut_classifier_new(config->keyfile, agent->labels, &error);
		if (classifier == NULL) {
			fut_agent_say(FUT_AGENT_LOG_ERR,
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
		fut_agent_say(FUT_AGENT_LOG_ERR, _("upload control: %s"), error->message);
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
		fut_agent_say(FUT_AGENT_LOG_ERR, "%s", error->message);
	record(agent, "agent.reload", NULL);
	fut_agent_say(FUT_AGENT_LOG_INFO, _("configuration reloaded"));
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
		fut_agent_say(FUT_AGENT_LOG_ERR, _("egress log: %s"), error->message);
	fut_broker_purge(agent);
	fut_agent_upload_expire(agent);
	if (agent->taint != NULL)
		fut_taint_check_gap(agent->taint);
	fut_agent_subscribers_prune(agent, FALSE);
	fut_export_jobs_expire(agent->export_jobs, g_get_monotonic_time());
	/* Events can be lost when the netlink buffer overflows: look at every device again.
	 * (The udev rule covers new sticks meanwhile.) */
	g_clear_error(&error);
	if (!fut_usb_store_rescan(agent->usb, &error))
		fut_agent_say(FUT_AGENT_LOG_ERR, "%s", error->message);
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

/* The content-parser spawner, kept past the stop while a classify thread still uses its
 * workers (see fut_agent_clear). */
static gpointer kept_spawner;

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
			fut_agent_clear(&agent);
			return EXIT_FAILURE;
		}
		text = fut_key_export_public(key);
		fputs(text, stdout);
		keyid = fut_key_dup_id_string(key);
		fprintf(stderr,
		        _("futarid: host key %s of host %s: keep it as %s.pub for futari-audit "
		          "verify --keys\n"),
		        keyid, host, host);
		fut_agent_clear(&agent);
		return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	if (opt_check) {
		printf(_("%s: configuration is valid; %u registered media\n"), opt_config,
		       fut_media_register_get_n_entries(agent.media));
		fut_agent_clear(&agent);
		return EXIT_SUCCESS;
	}
	if (geteuid() != 0) {
		fprintf(stderr, _("futarid: must run as root\n"));
		fut_agent_clear(&agent);
		return EXIT_FAILURE;
	}
	if (!opt_foreground && daemon(0, 1) < 0) {
		fprintf(stderr, "futarid: daemon: %s\n", g_strerror(errno));
		fut_agent_clear(&agent);
		return EXIT_FAILURE;
	}
	/* The content parsers run as their own user: the spawner that starts them keeps the
	 * two capabilities that takes, and goes before the agent drops them. */
	{
		FutScanSpawnConfig scfg = {0};
		if (!fut_scan_lookup_user(agent.config->scan_user, &scfg.uid, &scfg.gid, &error)) {
			fprintf(stderr, "futarid: %s\n", error->message);
			fut_agent_clear(&agent);
			return EXIT_FAILURE;
		}
		scfg.program = agent.config->scan_program;
		scfg.memory = agent.config->scan_memory;
		scfg.cpu = agent.config->scan_cpu;
		spawner = fut_scan_spawner_new(&scfg, &error);
		if (spawner == NULL) {
			fprintf(stderr, "futarid: %s\n", error->message);
			fut_agent_clear(&agent);
			return EXIT_FAILURE;
		}
	}
	/* Root's other powers go before any thread exists (capabilities are per thread), and
	 * the agent proves it cannot take them back. */
	if (!fut_caps_restrict(fut_caps_agent_keep(), &error) ||
	    !fut_caps_verify(fut_caps_agent_keep(), &error)) {
		fprintf(stderr, "futarid: %s\n", error->message);
		fut_scan_spawner_free(spawner);
		fut_agent_clear(&agent);
		return EXIT_FAILURE;
	} else {
		g_autofree gchar *kept = fut_caps_to_string(fut_caps_agent_keep());
		fut_agent_say(FUT_AGENT_LOG_INFO,
		              _("capabilities kept: %s; all others dropped for good"), kept);
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
			fut_agent_say(
			    FUT_AGENT_LOG_WARNING,
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
		fut_agent_say(FUT_AGENT_LOG_INFO, _("created host key %s"), keyid);

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
		fut_agent_say(FUT_AGENT_LOG_INFO,
		              _("content parsers: up to %u workers as user %s, seccomp, %s"),
		              agent.config->scan_workers, agent.config->scan_user,
		              fut_scan_pool_get_landlock(pool) ? _("Landlock")
		                                               : _("no Landlock here"));
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
		fut_agent_say(FUT_AGENT_LOG_WARNING,
		              _("upload control: no BPF LSM process taint: %s"), error->message);
		g_clear_error(&error);
	}
	if (!fut_agent_upload_start(&agent, &error))
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
	fut_agent_say(
	    FUT_AGENT_LOG_INFO,
	    _("ready: USB storage read-only, upload control %s (%s), host key %s, socket %s"),
	    agent.fanwatch != NULL ? _("on") : _("off"), fut_agent_enforcement(&agent), keyid,
	    agent.config->socket);
	g_main_loop_run(agent.loop);
	/* No new requests; exports already writing finish and restore read-only first. */
	fut_agent_subscribers_prune(&agent, TRUE);
	fut_api_server_stop(agent.api);
	while (g_atomic_int_get(&agent.active_jobs) > 0)
		g_main_context_iteration(NULL, TRUE);
	fut_agent_wait_readers(&agent);

	fut_agent_say(FUT_AGENT_LOG_INFO, _("stopping"));
	rc = EXIT_SUCCESS;
out:
	if (error != NULL)
		fut_agent_say(FUT_AGENT_LOG_ERR, "%s", error->message);
	if (agent.reading_jobs == 0)
		fut_scan_spawner_free(spawner);
	else
		kept_spawner = spawner; /* the classify threads still running use its workers */
	fut_agent_clear(&agent);
	g_free(opt_config);
	return rc;
}
