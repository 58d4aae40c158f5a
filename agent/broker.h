/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "agent.h"

G_BEGIN_DECLS

/* The export broker: the "export" command of the local API. It copies the caller's open file
 * into the spool while hashing it, classifies the copy, and for Class III writes it through
 * the write path at once (docs/export.md). */

/* The API handler for "export" (args: name, to, dir, reason; one descriptor). */
void fut_broker_export(FutApiCall *call, JsonObject *args, gpointer user_data);

/* The upload-program value of an upload request made without --app: any upload program. */
#define FUT_UPLOAD_ANY_PROGRAM  "*"
/* Workers reading one user's files at a time (classify, label, export, upload-request): one
 * more than the files futari export -R keeps in flight (EXPORT_IN_FLIGHT, 8), so a folder
 * never waits for its own reads and another program of the user still gets one. */
#define FUT_BROKER_WORK_PER_UID 9

/* The API handler for "upload-request" (args: name, to, app, reason; one descriptor): hashes
 * and classifies the caller's file and, for Class I and II, makes a host-signed request on
 * the upload channel and stores it pending (docs/upload-control.md). */
void fut_broker_upload_request(FutApiCall *call, JsonObject *args, gpointer user_data);

/* The API handler for "redeem" (args: approvals, a list of approval texts): checks them
 * with fut_redeem_check() and writes the spooled copy of the request's file. */
void fut_broker_redeem(FutApiCall *call, JsonObject *args, gpointer user_data);

/* The API handler for "classify" (one descriptor, no args): the class the agent would give
 * the file and why. */
void fut_broker_classify(FutApiCall *call, JsonObject *args, gpointer user_data);

/* The API handler for "label" (one descriptor, args: class "I", "II" or "III"): sets the
 * file's label and remembers its content's class. The owner may raise the class, root may
 * set any class. */
void fut_broker_label(FutApiCall *call, JsonObject *args, gpointer user_data);

/* The API handler for "requests": the caller's requests and their states. */
void fut_broker_requests(FutApiCall *call, JsonObject *args, gpointer user_data);
/* "export-seal" {"job"}: one version-2 request for the held Class I/II files of the caller's
 * export job (broker-held.c). */
void fut_broker_export_seal(FutApiCall *call, JsonObject *args, gpointer user_data);

/* Removes expired requests and their spooled copies. */
void fut_broker_purge(FutAgent *agent);

/* Returns the fields of a device event in the log's record shape: "destination" and
 * "detail". @vol may be NULL (the device's first volume is used). Caller unrefs. */
JsonObject *fut_broker_device_fields(const FutUsbDevice *dev,
                                     const FutUsbVolume *vol,
                                     const gchar *agent_reason);

/* At start, after enforcement: removes partial files left by a write path the agent did not
 * finish (the recovered @leftovers), recording what it did, and half-made spool copies. */
void fut_broker_clean_leftovers(FutAgent *agent, GPtrArray *leftovers);

G_END_DECLS
