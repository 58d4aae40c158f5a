/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The agent's local API server (docs/agent-api.md). It accepts only commands from the
 * fixed table it is given, knows each caller by SO_PEERCRED, and enforces the limits: message
 * size, requests per minute per uid, open connections per uid. */

typedef struct _FutApiServer FutApiServer;
typedef struct _FutApiCall FutApiCall;

typedef enum {
	FUT_API_ANY_USER = 0,
	FUT_API_ROOT_ONLY = 1 << 0, /* uid 0 only (administration) */
	FUT_API_TAKES_FD = 1 << 1,  /* the request carries one open descriptor */
	/* A request with its descriptor counts against the per-user file bucket
	 * (FutApiLimits.files_burst, files_per_minute) instead of requests_per_minute: one
	 * file of a folder export each, a folder's worth at once. */
	FUT_API_PER_FILE = 1 << 2,
} FutApiFlags;

/* A handler answers @call with fut_api_call_return() or fut_api_call_return_error(), now or
 * later (the connection reads no further request until then). @args is never NULL. */
typedef void (*FutApiHandler)(FutApiCall *call, JsonObject *args, gpointer user_data);

typedef struct {
	const gchar *name;
	FutApiHandler handler;
	FutApiFlags flags;
	gsize max_message; /* 0: the server's limit */
} FutApiCommand;

typedef struct {
	gsize max_message;
	guint requests_per_minute;
	guint connections_per_uid;
	/* Requests of FUT_API_PER_FILE commands with their descriptor: a bucket of
	 * files_burst, refilled at files_per_minute. */
	guint files_burst;
	guint files_per_minute;
} FutApiLimits;

/* Binds @path (removing a stale socket there), mode 0666 so every local user can connect;
 * the table decides what each may do. @commands ends with a {NULL} entry and must outlive
 * the server. Caller frees. */
FutApiServer *fut_api_server_new(const gchar *path,
                                 const FutApiCommand *commands,
                                 const FutApiLimits *limits,
                                 gpointer user_data,
                                 GError **error);
/* A stopping agent: the socket goes (no new connection), idle connections close, and a
 * connection whose call is outstanding stays until that call answers, then takes nothing
 * more. fut_api_server_free() still frees. */
void fut_api_server_stop(FutApiServer *server);
void fut_api_server_free(FutApiServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutApiServer, fut_api_server_free)

void fut_api_server_set_limits(FutApiServer *server, const FutApiLimits *limits);

uid_t fut_api_call_get_uid(FutApiCall *call);
gid_t fut_api_call_get_gid(FutApiCall *call);
pid_t fut_api_call_get_pid(FutApiCall *call);
/* The descriptor that came with the request (-1 when none). The call still owns it; use
 * fut_api_call_steal_fd() to take it. */
int fut_api_call_get_fd(FutApiCall *call);
int fut_api_call_steal_fd(FutApiCall *call);

/* Sends {"progress":@progress} (borrowed) without finishing the call: an interim message
 * the client shows while a long request runs. Main thread only. */
void fut_api_call_send_progress(FutApiCall *call, JsonObject *progress);

/* Sends {"event":@event} (borrowed) without finishing the call: for a long-lived call (the
 * "subscribe" command) that streams events. Main thread only. */
void fut_api_call_send_event(FutApiCall *call, JsonObject *event);
/* FALSE once the connection of @call is gone (a send failed or the server stopped): finish
 * the call then. */
gboolean fut_api_call_is_connected(FutApiCall *call);

/* Sends {"ok":true,"result":@result} (@result borrowed, may be NULL) and frees the call. */
void fut_api_call_return(FutApiCall *call, JsonObject *result);
/* Sends {"ok":false,"error":message,"code":name} and frees the call. */
void fut_api_call_return_error(FutApiCall *call, const GError *error);

/* Closes a descriptor a caller passed without waiting for it (in a closer thread): a
 * FUSE file's close can wait for ever. Any thread. */
void fut_api_close_passed_fd(int fd);

G_END_DECLS
