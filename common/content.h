/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "infoclass.h"

G_BEGIN_DECLS

/* The content scan: bytes in, detector findings out. The one boundary between the decision
 * (classify.h: label, label memory, path rules, digest of record) and everything that parses
 * what a user wrote (format readers, text decoders, the scanner). It looks at the content of
 * a descriptor only: no label, no xattr, no path, no label memory, no digest, no file opened.
 * That is what lets it run in an unprivileged worker process: the agent hands it a
 * descriptor and gets back a FutContentResult, serialised with fut_content_result_to_json()
 * and read back with fut_content_result_from_json(). */

#define FUT_CLASSIFY_GROUP "classify"

/* One reason behind a class. Never holds an identifier in full. */
typedef struct {
	gchar *rule;        /* stable id: "label", "label-memory", "path-rule", "mynumber",
	                       "resident-code", "marking", "unreadable", "too-large",
	                       "encrypted", "malformed", "unsupported", "zip-bomb",
	                       "encoding"; agent only: "taint" (the kernel's mark) */
	FutClass klass;     /* the class this reason alone gives; NONE: for information
	                           only (a finding below its threshold) */
	guint64 count;      /* matches (detectors) or 1 */
	gchar *description; /* short, human, already safe for a terminal */
} FutEvidence;

/* Returns a new evidence item; @description is copied as it is (the caller made it safe). */
FutEvidence *
fut_evidence_new(const gchar *rule, FutClass klass, guint64 count, const gchar *description);
void fut_evidence_free(FutEvidence *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutEvidence, fut_evidence_free)

/* The limits, thresholds and words of the [classify] group. Immutable and thread-safe. */
typedef struct _FutContentConfig FutContentConfig;

/* Returns the configuration from the [classify] group of @kf (NULL: all defaults), or NULL
 * with a one-line error naming the bad key or word. Loads the iconv modules and the message
 * catalog it needs up front (see fut_classifier_new() for what poppler and GMime may still
 * open). */
FutContentConfig *fut_content_config_new(GKeyFile *kf, GError **error);
/* The same, without loading anything up front: the iconv modules, the message catalog, the
 * time zone and poppler's parameters are loaded when a scan first needs them. Only for a
 * process that neither confines itself nor answers fanotify events (a one-shot tool such
 * as bench/classify-file): it saves about 15 ms of start-up (gconv modules of some twenty
 * charsets, poppler's data folders). */
FutContentConfig *fut_content_config_new_lazy(GKeyFile *kf, GError **error);
void fut_content_config_free(FutContentConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutContentConfig, fut_content_config_free)
guint64 fut_content_config_get_scan_limit(const FutContentConfig *cfg);
/* Text files larger than the first read are then mapped (mmap, in pieces) instead of copied
 * by pread(): about a tenth less CPU on a large file. A file truncated while it is mapped
 * raises SIGBUS in the scanning process, so only a process that may die of it (the
 * sandboxed worker, whose death makes the file Class II; a developer tool) sets it. */
void fut_content_config_set_map_files(FutContentConfig *cfg, gboolean map_files);
/* A text file of 16 MiB or more is scanned by @parts threads at once (at most
 * FUT_SPLIT_PARTS_MAX; 0 or 1: one), split at line ends (content-split.c): about 1/@parts
 * of the wall time where there are that many CPUs free, the same results. Only for a
 * process that may start threads (the worker's system-call filter allows them). */
#define FUT_SPLIT_PARTS_MAX 8
void fut_content_config_set_split_scan(FutContentConfig *cfg, guint parts);

typedef struct {
	FutClass klass;      /* the strictest evidence; III with none; never NONE */
	GPtrArray *evidence; /* FutEvidence, in the order found */
	gboolean complete;   /* every byte of the file was read (a digest of it means
	                        something); FALSE after a read error or a limit */
} FutContentResult;

void fut_content_result_free(FutContentResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutContentResult, fut_content_result_free)

/* Scans the content of the open regular file @fd, reading it with pread() (or mapping it,
 * see fut_content_config_set_map_files(); its offset is untouched; it is not closed). Never fails:
 * whatever cannot be read or decided is Class II evidence in the result. Caller frees. */
FutContentResult *fut_content_scan_fd(const FutContentConfig *cfg, int fd);

/* Returns the evidence of the marking words in a file's name (@name: its base name, any
 * bytes; Shift_JIS names are read too), Class II at a word's threshold, or NULL when there
 * is none. Caller frees. */
FutEvidence *fut_content_scan_name(const FutContentConfig *cfg, const gchar *name);

/* The maximum size of a serialised result accepted by fut_content_result_from_json(). */
#define FUT_CONTENT_RESULT_MAX 65536

/* Returns {"v":1,"class":"II","complete":true,"evidence":[{"rule","class","count",
 * "description"}]} (an evidence "class" is null for an informational finding) as a string
 * of at most FUT_CONTENT_RESULT_MAX bytes. Caller frees. */
gchar *fut_content_result_to_json(const FutContentResult *r);
/* Parses what fut_content_result_to_json() wrote, strictly (an untrusted worker may have
 * written it): unknown members, unknown rules, bad classes, a class that is not the
 * strictest evidence, control characters, over-long text or too many items are refused
 * with a one-line reason. Returns a new result or NULL. */
FutContentResult *fut_content_result_from_json(const gchar *json, gsize len, GError **error);

/* A PDF file of @objs (object 1 to @n_objs, the first the catalog) with a correct
 * cross-reference table: the small document pdf.c keeps open, and test fixtures. */
GBytes *fut_pdf_build(const gchar *const *objs, gsize n_objs);

G_END_DECLS
