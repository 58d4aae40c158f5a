/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futarid's stop: waits (bounded) for classify and label jobs, then frees what the agent
 * holds in the order that lets the last records reach the log before it closes. */
#include "config.h"

#include <glib/gi18n.h>

#include "agent.h"
#include "broker.h"
#include "egresslog.h"
#include "export-progress.h"
#include "fanwatch.h"
#include "hostkey.h"
#include "logforward.h"
#include "scanclassify.h"
#include "spool.h"
#include "taint.h"

/* What classify and label threads that did not end in time still use (see fut_agent_clear). */
static gpointer kept_for_readers[4];

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

void
fut_agent_wait_readers(FutAgent *agent)
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
		fut_agent_say(FUT_AGENT_LOG_WARNING,
		              ngettext("%d classification still running: stopping without it",
		                       "%d classifications still running: stopping without them",
		                       agent->reading_jobs),
		              agent->reading_jobs);
}

void
fut_agent_clear(FutAgent *agent)
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
		fut_agent_say(FUT_AGENT_LOG_ERR, _("egress log: %s"), error->message);
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
