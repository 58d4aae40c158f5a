/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "agentconf.h"
#include "classify.h"
#include "labelstore.h"
#include "api.h"
#include "crypto.h"
#include "mediareg.h"
#include "recorder.h"
#include "usbstore.h"

G_BEGIN_DECLS

/* The running agent's state, shared by futarid.c and the command handlers. Owned by
 * futarid.c's main(). */
typedef struct {
	FutConfig *config;
	FutMediaRegister *media;
	FutUsbStore *usb;
	FutRecorder *recorder;
	struct _FutEgressLog *log;
	struct _FutLogForward *forward;
	guint tick_id;
	gint active_jobs;               /* exports running in worker threads */
	GHashTable *redeeming;          /* request ids being redeemed now (main thread only) */
	gchar *host;                    /* this host's name in requests and the log */
	GPtrArray *retired_configs;     /* replaced by reloads, still read by running exports */
	GHashTable *spool_reserved;     /* uid -> spool bytes reserved by running exports */
	FutLabelStore *labels;          /* the label memory, shared by every classifier */
	FutClassifier *classifier;      /* from the current configuration */
	GPtrArray *retired_classifiers; /* replaced by reloads, still used by running jobs */
	FutKey *host_key;
	FutApiServer *api;
	GMainLoop *loop;
	GDateTime *started;
} FutAgent;

/* The fixed command table of the local API (commands.c), ending in {NULL}. */
extern const FutApiCommand fut_agent_commands[];

G_END_DECLS
