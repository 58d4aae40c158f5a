/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's side of a classification (scanclassify.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "crypto.h"
#include "pathrules.h"
#include "scanclassify.h"
#include "scanproto.h"
#include "util.h"

#define LABEL_MAX  16
#define HASH_CHUNK (1024 * 1024)

typedef struct {
	FutPathRules *rules;
	guint64 scan_limit;
} Registered;

static GMutex lock;
static GCond idle;
static guint inflight;         /* classifications using the pool now */
static FutScanPool *pool;      /* NULL: in process */
static gboolean uninstalled;   /* TRUE after fut_scan_uninstall: Class II */
static FutLabelStore *store;   /* borrowed */
static GHashTable *registered; /* FutClassifier* -> Registered* (never removed) */

static void
registered_free(gpointer p)
{
	Registered *r = p;

	fut_path_rules_free(r->rules);
	g_free(r);
}

void
fut_scan_install(FutScanPool *p, FutLabelStore *s)
{
	g_mutex_lock(&lock);
	pool = p;
	store = s;
	uninstalled = FALSE;
	g_mutex_unlock(&lock);
}

void
fut_scan_uninstall(void)
{
	FutScanPool *p;

	g_mutex_lock(&lock);
	p = g_steal_pointer(&pool);
	uninstalled = TRUE;
	/* each one ends by its deadline */
	while (inflight > 0)
		g_cond_wait(&idle, &lock);
	g_clear_pointer(&registered, g_hash_table_unref);
	g_mutex_unlock(&lock);
	fut_scan_pool_free(p);
}

void
fut_scan_reconfigure(GKeyFile *kf)
{
	g_mutex_lock(&lock);
	if (pool != NULL)
		fut_scan_pool_set_config(pool, kf);
	g_mutex_unlock(&lock);
}

gboolean
fut_scan_register(FutClassifier *classifier, GKeyFile *kf, GError **error)
{
	Registered *r;
	FutPathRules *rules = fut_path_rules_new_from_keyfile(kf, FUT_PATH_RULES_GROUP, error);

	if (rules == NULL)
		return FALSE;
	r = g_new0(Registered, 1);
	r->rules = rules;
	r->scan_limit = fut_classifier_get_scan_limit(classifier);
	g_mutex_lock(&lock);
	if (registered == NULL)
		registered = g_hash_table_new_full(NULL, NULL, NULL, registered_free);
	g_hash_table_replace(registered, classifier, r);
	g_mutex_unlock(&lock);
	return TRUE;
}

static void add(FutClassification *c, const gchar *rule, FutClass klass, const gchar *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void
add(FutClassification *c, const gchar *rule, FutClass klass, const gchar *fmt, ...)
{
	g_autofree gchar *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fut_scan_evidence_add(c, rule, klass, 1, text);
}

/* The root-only label: only root reads trusted.* (the worker could not). */
static void
read_label(FutClassification *c, int fd)
{
	gchar buf[LABEL_MAX];
	ssize_t n = fgetxattr(fd, FUT_CLASSIFY_XATTR, buf, sizeof(buf));
	FutClass k;

	if (n < 0) {
		int e = errno;
		if (e == ENODATA || e == ENOTSUP)
			return;
		if (e == ERANGE)
			add(c, "label", FUT_CLASS_II, _("unreadable label (longer than %d bytes)"),
			    LABEL_MAX);
		else
			add(c, "label", FUT_CLASS_II, _("the label cannot be read: %s"),
			    g_strerror(e));
		return;
	}
	k = fut_class_parse(buf, (gsize)n);
	if (k == FUT_CLASS_NONE) {
		add(c, "label", FUT_CLASS_II, _("unreadable label (not I, II or III)"));
		return;
	}
	c->label = k;
	add(c, "label", k, _("labelled Class %s"), fut_class_name(k));
}

/* SHA-256 of the whole file, read by the agent itself: the label memory and the requests
 * never take a digest from the worker. FALSE when the file is over @limit or unreadable. */
static gboolean
hash_file(int fd, guint64 limit, guint8 digest[FUT_SHA256_LEN], int *ret_errno)
{
	g_autoptr(FutSha256) sha = fut_sha256_new();
	g_autofree guint8 *buf = g_malloc(HASH_CHUNK);
	guint64 off = 0;

	*ret_errno = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, HASH_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*ret_errno = errno;
			return FALSE;
		}
		if (n == 0)
			break;
		off += (guint64)n;
		if (off > limit)
			return FALSE;
		fut_sha256_update(sha, buf, (gsize)n);
	}
	fut_sha256_finish(sha, digest);
	return TRUE;
}

static gboolean
failed_worker(const FutClassification *c)
{
	for (guint i = 0; i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		if (g_strcmp0(e->rule, "worker") == 0)
			return TRUE;
	}
	return FALSE;
}

static gint
evidence_cmp(gconstpointer a, gconstpointer b)
{
	const FutEvidence *x = *(FutEvidence *const *)a;
	const FutEvidence *y = *(FutEvidence *const *)b;
	guint kx = x->klass == FUT_CLASS_NONE ? 4 : x->klass;
	guint ky = y->klass == FUT_CLASS_NONE ? 4 : y->klass;

	return (gint)kx - (gint)ky;
}

static FutClassification *classify(FutScanPool *p,
                                   FutLabelStore *s,
                                   Registered *r,
                                   int fd,
                                   const gchar *path,
                                   FutClassifyFlags flags);

FutClassification *
fut_scan_classify_fd(FutClassifier *classifier, int fd, const gchar *path, FutClassifyFlags flags)
{
	FutClassification *res;
	FutScanPool *p;
	FutLabelStore *s;
	Registered *r = NULL;

	g_mutex_lock(&lock);
	p = pool;
	s = store;
	if (registered != NULL)
		r = g_hash_table_lookup(registered, classifier);
	if (p == NULL && !uninstalled) {
		g_mutex_unlock(&lock);
		return fut_classifier_classify_fd(classifier, fd, path, flags);
	}
	if (p != NULL)
		inflight++;
	g_mutex_unlock(&lock);
	res = classify(p, s, r, fd, path, flags);
	if (p != NULL) {
		g_mutex_lock(&lock);
		if (--inflight == 0)
			g_cond_broadcast(&idle);
		g_mutex_unlock(&lock);
	}
	return res;
}

static FutClassification *
classify(FutScanPool *p,
         FutLabelStore *s,
         Registered *r,
         int fd,
         const gchar *path,
         FutClassifyFlags flags)
{
	g_autoptr(FutClassification) res = fut_scan_classification_new();
	g_autoptr(FutClassification) content = NULL;
	FutScanJob *job;
	struct stat st;
	const gchar *pattern = NULL;
	int ro = -1;
	FutClass k;

	if (fstat(fd, &st) < 0) {
		add(res, "unreadable", FUT_CLASS_II, _("cannot stat the file: %s"),
		    g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		add(res, "unreadable", FUT_CLASS_II, _("not a regular file"));
		goto out;
	}
	res->size = (guint64)st.st_size;
	read_label(res, fd);
	if (p == NULL || r == NULL) {
		add(res, "worker", FUT_CLASS_II,
		    _("not scanned: the classifier workers are stopped"));
		goto out;
	}
	k = fut_path_rules_match(r->rules, path, &pattern);
	if (k != FUT_CLASS_NONE) {
		g_autofree gchar *safe = fut_strescape(pattern, -1);
		add(res, "path-rule", k, _("path matches policy rule \"%s\""), safe);
	}
	/* the worker gets a read-only descriptor, whatever the caller opened */
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY) {
		g_autofree gchar *proc = g_strdup_printf("/proc/self/fd/%d", fd);
		ro = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (ro < 0) {
			add(res, "unreadable", FUT_CLASS_II,
			    _("cannot open the file read-only: %s"), g_strerror(errno));
			goto out;
		}
	}
	job = fut_scan_pool_begin(p, ro >= 0 ? ro : fd);
	if (ro >= 0)
		close(ro);
	content = fut_scan_pool_finish(p, job);
	for (guint i = 0; i < content->evidence->len; i++) {
		FutEvidence *e = g_ptr_array_index(content->evidence, i);
		fut_scan_evidence_add(res, e->rule, e->klass, e->count, e->description);
	}
	/* Hashed after the worker answered, and only then: content the worker could not read
	 * (a read that never returns, from a user's own FUSE mount) is never read by the agent
	 * either, and the page cache makes this read cheap. */
	if (!failed_worker(content) &&
	    ((flags & FUT_CLASSIFY_FLAG_DIGEST) || (s != NULL && fut_labelstore_get_size(s) > 0)) &&
	    res->size <= r->scan_limit) {
		int e = 0;
		if (hash_file(fd, r->scan_limit, res->digest, &e))
			res->has_digest = TRUE;
		else if (e != 0)
			add(res, "unreadable", FUT_CLASS_II, _("read error: %s"), g_strerror(e));
	}
	if (res->has_digest && s != NULL) {
		k = fut_labelstore_lookup(s, res->digest);
		if (k != FUT_CLASS_NONE)
			add(res, "label-memory", k, _("same content as a file labelled Class %s"),
			    fut_class_name(k));
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
	return g_steal_pointer(&res);
}

gboolean
fut_scan_classify_fd_cb(
    int fd, const gchar *path, guint *ret_class, gpointer user_data, GError **error)
{
	g_autoptr(FutClassification) c = fut_scan_classify_fd(user_data, fd, path, 0);

	*ret_class = (guint)c->klass;
	return TRUE;
}
