/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "agentconf.h"
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
	FutKey *host_key;
	FutApiServer *api;
	GMainLoop *loop;
	GDateTime *started;
} FutAgent;

/* The fixed command table of the local API (commands.c), ending in {NULL}. */
extern const FutApiCommand fut_agent_commands[];

G_END_DECLS
