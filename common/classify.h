/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "content.h"
#include "crypto.h"
#include "infoclass.h"
#include "labelstore.h"

G_BEGIN_DECLS

/* The classifier: the class of a file is the strictest of
 *   (a) its root-only label, the xattr FUT_CLASSIFY_XATTR ("I", "II" or "III"), and the
 *       label memory (FutLabelStore) looked up by the SHA-256 of the content;
 *   (b) the path rules of policy (pathrules.h);
 *   (c) content detectors (detect.h) over plain text (UTF-8, UTF-16 with BOM, Shift_JIS/CP932),
 *       CSV, and Office Open XML (xlsx, docx, pptx) and other zip archives.
 * What cannot be read or decided — an unreadable label, a read error, encryption, a
 * malformed or unsupported container, anything over a limit — is Class II, with evidence
 * saying why. With no finding at all a file is Class III.
 *
 * The content detectors run behind one boundary, fut_content_scan_fd() (content.h), which
 * sees only the bytes; this file decides with the label, the label memory and path rules.
 *
 * Configuration is the [classify] and [path-rules] groups of a GKeyFile; see
 * docs/classification.md for every key and its default. */

#define FUT_CLASSIFY_XATTR "trusted.futari.class"

typedef struct {
	FutClass klass;      /* I, II or III; never NONE */
	GPtrArray *evidence; /* FutEvidence, strictest first */
	FutClass label;      /* the file's own xattr label (NONE: none or unreadable) */
	gboolean has_digest; /* TRUE when the whole content was hashed */
	guint8 digest[FUT_SHA256_LEN];
	guint64 size; /* bytes, from fstat */
} FutClassification;

void fut_classification_free(FutClassification *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutClassification, fut_classification_free)

/* Returns lines for a terminal: "<name>: Class II" then one indented line per evidence
 * item. @display_name is escaped here. Caller frees. */
gchar *fut_classification_to_text(const FutClassification *c, const gchar *display_name);
/* Returns {"file": name, "class": "II", "size": n, "sha256": hex (when hashed),
 * "label": "I" (when labelled), "evidence": [{"rule", "class", "count", "description"}]}
 * where an evidence "class" is null for an informational finding.
 * @display_name is escaped here. Caller frees with json_node_unref(). */
JsonNode *fut_classification_to_json(const FutClassification *c, const gchar *display_name);

typedef struct _FutClassifier FutClassifier;

/* Returns a classifier configured from @kf (NULL: all defaults), or NULL with an error that
 * names the bad key, word or pattern. @store (may be NULL) is borrowed: it must outlive the
 * classifier. The classifier is immutable and thread-safe. It loads the iconv modules and
 * the message catalog it needs up front (call setlocale() and textdomain() before), so
 * a classification of text, Office files and archives opens no file; poppler may still
 * open its CMap files for a PDF with CJK fonts, and GMime the iconv module of a charset a
 * mail names (the agent answers its own fanotify events, and the worker is to allow those
 * read-only paths). */
FutClassifier *fut_classifier_new(GKeyFile *kf, FutLabelStore *store, GError **error);
/* The same, loading nothing up front (fut_content_config_new_lazy()): only for a one-shot
 * process that neither confines itself nor answers fanotify events. */
FutClassifier *fut_classifier_new_lazy(GKeyFile *kf, FutLabelStore *store, GError **error);
void fut_classifier_free(FutClassifier *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutClassifier, fut_classifier_free)

typedef enum {
	FUT_CLASSIFY_FLAG_NONE = 0,
	/* hash the content even when the label memory is empty (for requests) */
	FUT_CLASSIFY_FLAG_DIGEST = 1 << 0,
} FutClassifyFlags;

/* Classifies the open file @fd, reading it with pread() only (its offset is untouched; it
 * is not closed; nothing else is opened). @path (may be NULL) is used for path rules and
 * messages. Never fails: whatever goes wrong makes the result Class II with a reason.
 * Caller frees the result. */
FutClassification *
fut_classifier_classify_fd(FutClassifier *self, int fd, const gchar *path, FutClassifyFlags flags);

/* The same as a plain callback (the shape of the fanotify listener's classify function):
 * @user_data is a FutClassifier; stores the class as 1, 2 or 3 (I, II, III) in @ret_class.
 * Never fails; returns TRUE. */
gboolean fut_classifier_classify_fd_cb(
    int fd, const gchar *path, guint *ret_class, gpointer user_data, GError **error);

/* Sets the label of the open file @fd to @klass (I, II or III), or removes it (NONE).
 * Needs root (CAP_SYS_ADMIN) and a filesystem with trusted.* xattrs. Who may raise or
 * lower a label is the caller's policy (issue 6: the owner raises, only root lowers); after
 * labelling I or II the caller records the content digest in the label store. */
gboolean fut_classify_write_label(int fd, FutClass klass, GError **error);

/* A replacement for fut_content_scan_fd(), e.g. one that hands @fd to a sandboxed worker.
 * Must never return NULL: what goes wrong is Class II evidence in the result. */
typedef FutContentResult *(*FutContentScanFunc)(const FutContentConfig *cfg,
                                                int fd,
                                                gpointer user_data);
/* Makes the classifier scan content with @func (NULL: fut_content_scan_fd() in this process).
 * Set it before the classifier is shared between threads. */
void
fut_classifier_set_content_scan(FutClassifier *self, FutContentScanFunc func, gpointer user_data);
/* fut_content_config_set_map_files() for the classifier's own content scan (a developer
 * tool's: a file truncated under it kills it with SIGBUS). Before the classifier is shared. */
void fut_classifier_set_map_files(FutClassifier *self, gboolean map_files);
/* fut_content_config_set_split_scan() for the classifier's own content scan. */
void fut_classifier_set_split_scan(FutClassifier *self, guint parts);
/* The content part of the configuration (borrowed), for a worker to be given the same. */
const FutContentConfig *fut_classifier_get_content_config(const FutClassifier *self);

/* The limits in effect, for messages and tests. */
guint64 fut_classifier_get_scan_limit(const FutClassifier *self);

G_END_DECLS
