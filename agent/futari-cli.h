/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari (the staff CLI): what its subcommand files share. Only the CLI includes this. */
#ifndef FUTARI_CLI_H
#define FUTARI_CLI_H

#include <glib.h>
#include <json-glib/json-glib.h>

#define EXIT_REFUSED 1
#define EXIT_USAGE   2

/* --socket and --json, common to every subcommand (parse_sub_options). */
extern gchar *opt_socket;
extern gboolean opt_json;

typedef void (*ProgressFunc)(JsonObject *progress, gpointer data);

/* futari-call.c */
void fail_line(const gchar *message);
JsonObject *agent_call_full(const gchar *command,
                            JsonObject *args,
                            int pass_fd,
                            ProgressFunc progress,
                            gpointer progress_data,
                            GError **error);
JsonObject *agent_call(const gchar *command, JsonObject *args, int pass_fd, GError **error);
void print_json(JsonObject *obj);
const gchar *str_member(JsonObject *o, const gchar *name);
gint64 int_member(JsonObject *o, const gchar *name);
gboolean bool_member(JsonObject *o, const gchar *name);
gchar *esc(const gchar *s);
gboolean parse_sub_options(
    int *argc, char ***argv, const gchar *params, const gchar *summary, const GOptionEntry *extra);
int call_without_args(
    int *argc, char ***argv, const gchar *cmd, const gchar *summary, JsonObject **ret);

/* futari-request.c */
typedef struct {
	const gchar *name;
	gboolean shown;
} ExportProgress;

void export_progress(JsonObject *p, gpointer data);
int open_for_export(const gchar *path, GError **error);
gboolean save_request(const gchar *source, const gchar *ename, JsonObject *r, int copy_fd);

/* One file per subcommand. */
int cmd_status(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_requests(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_upload_request(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_label(int argc, char **argv);
int cmd_redeem(int argc, char **argv);

#endif
