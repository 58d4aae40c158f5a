/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "classify.h"
#include "errors.h"
#include "pathrules.h"
#include "util.h"

/* The decision: label, label memory, path rules and the content scan (content.h), each a
 * source of evidence; the class is the strictest. */

#define LABEL_MAX       16 /* bytes of the xattr value read */
#define HASH_CHUNK      (1024 * 1024)
#define HASH_THREAD_MIN (4 * 1024 * 1024) /* hash larger files beside the scan */

struct _FutClassifier {
	FutContentConfig *content;
	FutPathRules *rules;
	FutLabelStore *store; /* borrowed */
	FutContentScanFunc scan_func;
	gpointer scan_data;
};

/* --- evidence and results ------------------------------------------------------------ */

void
fut_classification_free(FutClassification *c)
{
	if (c == NULL)
		return;
	g_ptr_array_unref(c->evidence);
	g_free(c);
}

static void G_GNUC_PRINTF(5, 6) add_evidence(
    FutClassification *res, const gchar *rule, FutClass klass, guint64 count, const gchar *fmt, ...)
{
	g_autofree gchar *d = NULL;
	va_list ap;

	va_start(ap, fmt);
	d = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(res->evidence, fut_evidence_new(rule, klass, count, d));
}

/* --- configuration ------------------------------------------------------------------- */

static FutClassifier *
classifier_new(GKeyFile *kf, FutLabelStore *store, gboolean lazy, GError **error)
{
	g_autoptr(FutClassifier) self = g_new0(FutClassifier, 1);

	self->store = store;
	self->content =
	    lazy ? fut_content_config_new_lazy(kf, error) : fut_content_config_new(kf, error);
	if (self->content == NULL)
		return NULL;
	self->rules = fut_path_rules_new_from_keyfile(kf, FUT_PATH_RULES_GROUP, error);
	if (self->rules == NULL)
		return NULL;
	return g_steal_pointer(&self);
}

FutClassifier *
fut_classifier_new(GKeyFile *kf, FutLabelStore *store, GError **error)
{
	return classifier_new(kf, store, FALSE, error);
}

FutClassifier *
fut_classifier_new_lazy(GKeyFile *kf, FutLabelStore *store, GError **error)
{
	return classifier_new(kf, store, TRUE, error);
}

void
fut_classifier_free(FutClassifier *self)
{
	if (self == NULL)
		return;
	fut_content_config_free(self->content);
	fut_path_rules_free(self->rules);
	g_free(self);
}

guint64
fut_classifier_get_scan_limit(const FutClassifier *self)
{
	return fut_content_config_get_scan_limit(self->content);
}

void
fut_classifier_set_map_files(FutClassifier *self, gboolean map_files)
{
	fut_content_config_set_map_files(self->content, map_files);
}

void
fut_classifier_set_split_scan(FutClassifier *self, guint parts)
{
	fut_content_config_set_split_scan(self->content, parts);
}

const FutContentConfig *
fut_classifier_get_content_config(const FutClassifier *self)
{
	return self->content;
}

void
fut_classifier_set_content_scan(FutClassifier *self, FutContentScanFunc func, gpointer user_data)
{
	self->scan_func = func;
	self->scan_data = user_data;
}

/* --- the label ----------------------------------------------------------------------- */

static void
read_label(FutClassification *res, int fd)
{
	gchar buf[LABEL_MAX];
	ssize_t n = fgetxattr(fd, FUT_CLASSIFY_XATTR, buf, sizeof(buf));
	FutClass c;

	if (n < 0) {
		int e = errno;
		if (e == ENODATA || e == ENOTSUP)
			return;
		if (e == ERANGE)
			add_evidence(res, "label", FUT_CLASS_II, 1,
			             _("unreadable label (longer than %d bytes)"), LABEL_MAX);
		else
			add_evidence(res, "label", FUT_CLASS_II, 1,
			             _("the label cannot be read: %s"), g_strerror(e));
		return;
	}
	c = fut_class_parse(buf, (gsize)n);
	if (c == FUT_CLASS_NONE) {
		add_evidence(res, "label", FUT_CLASS_II, 1,
		             _("unreadable label (not I, II or III)"));
		return;
	}
	res->label = c;
	add_evidence(res, "label", c, 1, _("labelled Class %s"), fut_class_name(c));
}

gboolean
fut_classify_write_label(int fd, FutClass klass, GError **error)
{
	const gchar *v = fut_class_name(klass);
	int rc;

	if (klass == FUT_CLASS_NONE) {
		rc = fremovexattr(fd, FUT_CLASSIFY_XATTR);
		if (rc < 0 && errno == ENODATA)
			rc = 0;
	} else {
		rc = fsetxattr(fd, FUT_CLASSIFY_XATTR, v, strlen(v), 0);
	}
	if (rc < 0) {
		int e = errno;
		if (e == ENOTSUP) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
			            _("the filesystem does not support labels (trusted.* xattrs)"));
			return FALSE;
		}
		if (e == EPERM || e == EACCES) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
			            _("only root can set a label: %s"), g_strerror(e));
			return FALSE;
		}
		return fut_error_set_errno(error, e, _("label"));
	}
	return TRUE;
}

/* --- the digest of record ------------------------------------------------------------ */

typedef struct {
	int fd;
	guint64 limit;
	gboolean ok;
	guint8 digest[FUT_SHA256_LEN];
} HashJob;

static gpointer
hash_run(gpointer data)
{
	HashJob *job = data;
	g_autoptr(FutSha256) sha = fut_sha256_new();
	g_autofree guint8 *buf = g_malloc(HASH_CHUNK);
	guint64 off = 0;

	job->ok = FALSE;
	for (;;) {
		gssize n = 0;
		while ((n = pread(job->fd, buf, HASH_CHUNK, (off_t)off)) < 0 && errno == EINTR)
			;
		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		off += (guint64)n;
		if (off > job->limit)
			return NULL;
		fut_sha256_update(sha, buf, (gsize)n);
	}
	fut_sha256_finish(sha, job->digest);
	job->ok = TRUE;
	return NULL;
}

static gboolean
same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* --- the decision -------------------------------------------------------------------- */

static FutContentResult *
scan_content(FutClassifier *self, int fd)
{
	if (self->scan_func != NULL)
		return self->scan_func(self->content, fd, self->scan_data);
	return fut_content_scan_fd(self->content, fd);
}

static gint
evidence_cmp(gconstpointer a, gconstpointer b)
{
	const FutEvidence *x = *(FutEvidence *const *)a;
	const FutEvidence *y = *(FutEvidence *const *)b;
	/* strictest first; NONE (informational) last */
	guint kx = x->klass == FUT_CLASS_NONE ? 4 : x->klass;
	guint ky = y->klass == FUT_CLASS_NONE ? 4 : y->klass;

	return (gint)kx - (gint)ky;
}

/* TRUE when @fd is on a FUSE filesystem, whose daemon may never answer a read. */
static gboolean
on_fuse(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == 0x65735546; /* FUSE_SUPER_MAGIC */
}

static gboolean
evidence_has_rule(GPtrArray *evidence, const gchar *rule)
{
	for (guint i = 0; evidence != NULL && i < evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(evidence, i);
		if (g_strcmp0(e->rule, rule) == 0)
			return TRUE;
	}
	return FALSE;
}

FutClassification *
fut_classifier_classify_fd(FutClassifier *self, int fd, const gchar *path, FutClassifyFlags flags)
{
	FutClassification *res = g_new0(FutClassification, 1);
	g_autoptr(FutContentResult) content = NULL;
	HashJob job = {.fd = fd, .limit = fut_classifier_get_scan_limit(self)};
	GThread *hasher = NULL;
	gboolean want_digest;
	gboolean scan_failed = FALSE;
	struct stat st;
	struct stat st_after;
	const gchar *pattern = NULL;
	FutClass c;

	res->evidence = g_ptr_array_new_with_free_func((GDestroyNotify)fut_evidence_free);

	if (fstat(fd, &st) < 0) {
		add_evidence(res, "unreadable", FUT_CLASS_II, 1, _("cannot stat the file: %s"),
		             g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		add_evidence(res, "unreadable", FUT_CLASS_II, 1, _("not a regular file"));
		goto out;
	}
	res->size = (guint64)st.st_size;
	read_label(res, fd);

	c = fut_path_rules_match(self->rules, path, &pattern);
	if (c != FUT_CLASS_NONE) {
		g_autofree gchar *safe = fut_strescape(pattern, -1);
		add_evidence(res, "path-rule", c, 1, _("path matches policy rule \"%s\""), safe);
	}
	if (path != NULL) {
		/* 【極秘】名簿.xlsx: the name says what the file is */
		const gchar *slash = strrchr(path, '/');
		FutEvidence *e =
		    fut_content_scan_name(self->content, slash != NULL ? slash + 1 : path);
		if (e != NULL)
			g_ptr_array_add(res->evidence, e);
	}

	want_digest = res->size <= job.limit &&
	              ((flags & FUT_CLASSIFY_FLAG_DIGEST) ||
	               (self->store != NULL && fut_labelstore_get_size(self->store) > 0));
	/* A large file is hashed in another thread while the content is scanned; the page
	 * cache serves both. The file must not change in between (checked below). */
	/* Not on a FUSE file: its reads may never return, and a hash thread started beside the
	 * scan would wait for ever (the scan's own deadline cannot stop it). */
	if (want_digest && res->size >= HASH_THREAD_MIN && !on_fuse(fd))
		hasher = g_thread_try_new("futari-hash", hash_run, &job, NULL);
	content = scan_content(self, fd);
	if (content != NULL) {
		scan_failed = evidence_has_rule(content->evidence, "worker");
		g_ptr_array_extend_and_steal(res->evidence, g_steal_pointer(&content->evidence));
	} else {
		scan_failed = TRUE;
		add_evidence(res, "unreadable", FUT_CLASS_II, 1, _("the content scan failed"));
	}
	/* A small file, or no thread to be had: hash it here. The digest does not depend on
	 * what the content scan says (it may run in a worker that is not trusted): the label
	 * memory is looked up whenever the file could be read whole. Not when the agent's own
	 * worker pool gave up on the file ("worker": a crash or a read past its deadline, which
	 * a worker cannot claim): that file is Class II already, and reading it here could
	 * wait for ever. */
	if (want_digest && hasher == NULL && !scan_failed)
		hash_run(&job);
	if (hasher != NULL)
		g_thread_join(hasher);
	if (want_digest && job.ok) {
		if (fstat(fd, &st_after) < 0 || !same_file_state(&st, &st_after)) {
			add_evidence(res, "unreadable", FUT_CLASS_II, 1,
			             _("the file changed while it was read"));
			goto out;
		}
		memcpy(res->digest, job.digest, FUT_SHA256_LEN);
		res->has_digest = TRUE;
		if (self->store != NULL) {
			/* root's entries, and the file owner's own (issue 16 item 7) */
			c = fut_labelstore_lookup_owner(self->store, res->digest,
			                                (guint32)st.st_uid);
			if (c != FUT_CLASS_NONE)
				add_evidence(res, "label-memory", c, 1,
				             _("same content as a file labelled Class %s"),
				             fut_class_name(c));
		}
	} else if (want_digest && content != NULL && content->complete) {
		add_evidence(res, "unreadable", FUT_CLASS_II, 1,
		             _("the file changed while it was read"));
	}
out:
	res->klass = FUT_CLASS_NONE;
	for (guint i = 0; i < res->evidence->len; i++) {
		FutEvidence *e = g_ptr_array_index(res->evidence, i);
		res->klass = fut_class_max(res->klass, e->klass);
	}
	if (res->klass == FUT_CLASS_NONE)
		res->klass = FUT_CLASS_III;
	g_ptr_array_sort(res->evidence, evidence_cmp);
	return res;
}

gboolean
fut_classifier_classify_fd_cb(
    int fd, const gchar *path, guint *ret_class, gpointer user_data, GError **error)
{
	g_autoptr(FutClassification) c = fut_classifier_classify_fd(user_data, fd, path, 0);

	*ret_class = (guint)c->klass;
	return TRUE;
}

/* --- rendering ----------------------------------------------------------------------- */

/* Descriptions are built from escaped parts only; check rather than escape twice (which
 * would double every backslash of a file name), and escape if a part ever slipped through. */
static gchar *
safe_text(const gchar *s)
{
	if (!g_utf8_validate(s, -1, NULL))
		return fut_strescape(s, -1);
	for (const gchar *p = s; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return fut_strescape(s, -1);
	}
	return g_strdup(s);
}

gchar *
fut_classification_to_text(const FutClassification *c, const gchar *display_name)
{
	g_autofree gchar *name = fut_strescape(display_name, -1);
	GString *out = g_string_new(NULL);

	g_string_append_printf(out, _("%s: Class %s\n"), name, fut_class_name(c->klass));
	if (c->evidence->len == 0)
		g_string_append(out, _("  no personal data, markings or rules found\n"));
	for (guint i = 0; i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		g_autofree gchar *d = safe_text(e->description);
		if (e->klass == FUT_CLASS_NONE)
			g_string_append_printf(out, "  %-14s %s\n", e->rule, d);
		else
			g_string_append_printf(out, "  %-14s %s (Class %s)\n", e->rule, d,
			                       fut_class_name(e->klass));
	}
	return g_string_free(out, FALSE);
}

JsonNode *
fut_classification_to_json(const FutClassification *c, const gchar *display_name)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree gchar *name = fut_strescape(display_name, -1);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "file");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "class");
	json_builder_add_string_value(b, fut_class_name(c->klass));
	json_builder_set_member_name(b, "size");
	json_builder_add_int_value(b, (gint64)c->size);
	if (c->has_digest) {
		g_autofree gchar *hex = fut_hex_encode(c->digest, FUT_SHA256_LEN);
		json_builder_set_member_name(b, "sha256");
		json_builder_add_string_value(b, hex);
	}
	if (c->label != FUT_CLASS_NONE) {
		json_builder_set_member_name(b, "label");
		json_builder_add_string_value(b, fut_class_name(c->label));
	}
	json_builder_set_member_name(b, "evidence");
	json_builder_begin_array(b);
	for (guint i = 0; i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		g_autofree gchar *d = safe_text(e->description);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "rule");
		json_builder_add_string_value(b, e->rule);
		json_builder_set_member_name(b, "class");
		if (e->klass == FUT_CLASS_NONE)
			json_builder_add_null_value(b);
		else
			json_builder_add_string_value(b, fut_class_name(e->klass));
		json_builder_set_member_name(b, "count");
		json_builder_add_int_value(b, (gint64)e->count);
		json_builder_set_member_name(b, "description");
		json_builder_add_string_value(b, d);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
