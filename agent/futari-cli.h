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
/* "futari: MESSAGE" on standard error, MESSAGE escaped (fut_strescape): names in it are
 * given as they are, never escaped before (that would show "\\x01" for a control
 * character). */
void fail_line(const gchar *message);
/* The same for a message whose every untrusted part is escaped already. */
void fail_line_escaped(const gchar *message);
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

/* futari-walk.c: one file of an export job. */
#define FUT_WALK_MAX_ENTRIES 100000u
/* The agent's limit for --dir (fut_fsname_split_dir). */
#define FUT_WALK_MAX_DEPTH   16u

typedef struct {
	gchar *display; /* the path to name in messages (not escaped) */
	gchar *reldir;  /* the folder on the stick below --dir; NULL for a FILE argument */
	gchar *name;    /* the base name */
	gchar *refusal; /* why it is refused already (the walk), or NULL */
	guint64 size;   /* from the walk, for the progress bar */
	guint root;     /* the index of its folder argument's descriptor (walk only) */
} FutExportItem;

FutExportItem *fut_export_item_new(const gchar *display, const gchar *reldir, const gchar *name);
GPtrArray *fut_export_items_new(void);
int
fut_export_walk(const gchar *path, guint max_depth, GPtrArray *items, gchar **top, GError **error);
int fut_export_item_open(int rootfd, const gchar *top, const FutExportItem *it, GError **error);

/* futari-progress.c */
typedef struct {
	guint64 total_bytes, done_bytes, file_bytes;
	guint total_files, done_files;
	gint64 start, last_draw;
	gboolean tty, shown;
	gboolean waiting; /* for the agent's requests-per-minute */
} FutProgress;

void fut_progress_init(FutProgress *p, guint64 total_bytes, guint total_files);
void fut_progress_draw(FutProgress *p, gboolean force);
void fut_progress_clear(FutProgress *p);
void fut_progress_agent(JsonObject *msg, gpointer data);
void fut_progress_file_done(FutProgress *p, guint64 size);

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
