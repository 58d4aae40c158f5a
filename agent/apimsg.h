/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The local API's wire format (docs/agent-api.md): a SOCK_SEQPACKET unix socket, one JSON
 * object per packet, at most one file descriptor per packet (SCM_RIGHTS). Shared by futarid
 * and the futari CLI. */

#define FUT_API_MESSAGE_MAX_DEFAULT (64 * 1024)
#define FUT_API_JSON_DEPTH_MAX      16

/* Sends @msg as one packet on @fd, with @pass_fd attached when >= 0. */
gboolean fut_api_send(int fd, JsonObject *msg, int pass_fd, GError **error);

/* Receives one packet of at most @max bytes. Stores the object in @ret_msg and an attached
 * descriptor in @ret_fd (-1 when none; the caller closes it). At end of stream returns TRUE
 * with @ret_msg NULL. Oversized packets, more than one descriptor, non-JSON, non-objects,
 * NUL bytes, invalid UTF-8 and nesting deeper than FUT_API_JSON_DEPTH_MAX are refused (any
 * descriptor that came with them is closed). */
gboolean fut_api_recv(int fd, gsize max, JsonObject **ret_msg, int *ret_fd, GError **error);
/* The same, storing the packet's size in @ret_len (the server checks each command's own
 * limit against it). */
gboolean fut_api_recv_sized(
    int fd, gsize max, JsonObject **ret_msg, int *ret_fd, gsize *ret_len, GError **error);

/* Makes fut_api_recv() close the descriptors it refuses with @close_fn (the agent: off its
 * main loop, see fut_api_close_passed_fd()). Call once, before receiving. */
void fut_api_set_passed_fd_closer(void (*close_fn)(int fd));

/* Parses @len bytes as one JSON object with the checks above. */
JsonObject *fut_api_parse(const gchar *data, gsize len, GError **error);

/* Small helpers for reading members with a type check: a missing member gives NULL/FALSE
 * and a wrong type an error. */
gboolean fut_api_get_string(
    JsonObject *obj, const gchar *name, gboolean required, const gchar **ret_value, GError **error);

G_END_DECLS
