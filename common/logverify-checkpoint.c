/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verifier's checkpoints: each compared with the records as it is read, one signature
 * checked per month (docs/log-format.md, "Failing closed"). */
#include "config.h"

#include <string.h>

#include "logverify-priv.h"
#include "util.h"

void
logv_set_host_key(Verifier *v, const guint8 pub[FUT_ED25519_PUBLIC_LEN], guint64 line, gint64 seq)
{
	if (!v->res->have_key) {
		memcpy(v->res->pub, pub, FUT_ED25519_PUBLIC_LEN);
		v->res->have_key = TRUE;
		if (v->pinned != NULL && memcmp(v->pinned_pub, pub, FUT_ED25519_PUBLIC_LEN) != 0)
			logv_add_finding(v, "key-not-pinned", line, seq,
			                 "the log's host key is not the pinned key");
		return;
	}
	if (memcmp(v->res->pub, pub, FUT_ED25519_PUBLIC_LEN) != 0)
		logv_add_finding(v, "key-changed", line, seq,
		                 "the host key differs from the one earlier in the log");
}

/* A checkpoint of the month being read, waiting for the month's end. */
typedef struct {
	FutLogCheckpoint *cp;
	guint64 line;
	gint64 seq;
	guint64 records_at; /* records of the month up to and with this checkpoint record */
	gboolean matched;   /* its host, key, month, size, tree head and last record match */
} Pending;

static void
logv_pending_clear(gpointer p)
{
	fut_log_checkpoint_free(((Pending *)p)->cp);
}

/* Every checkpoint is compared at once with the records before it (month, size, tree head,
 * last seq, last hash) and with the host and its key; its signature waits for the end of
 * the month (logv_finish_checkpoints): the last checkpoint signs a tree whose leaves hold every
 * earlier checkpoint record, so one signature check per month authenticates them all. */
void
logv_check_checkpoint(Verifier *v, const FutLogRecord *rec, guint64 line)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutLogCheckpoint) cp = fut_log_checkpoint_from_record(rec, &error);
	guint8 root[FUT_SHA256_LEN];
	gboolean matches;
	Pending p = {0};

	if (cp == NULL) {
		logv_add_finding(v, "checkpoint-mismatch", line, rec->seq,
		                 "checkpoint is malformed: %s", error->message);
		return;
	}
	v->month->checkpoints++;
	fut_merkle_root(v->tree, root);
	{
		g_autoptr(GString) what = g_string_new(NULL);
		if (strcmp(cp->month, v->month->month) != 0)
			g_string_append(what, ", month");
		if (cp->size != fut_merkle_size(v->tree))
			g_string_append(what, ", size");
		if (memcmp(cp->root, root, FUT_SHA256_LEN) != 0)
			g_string_append(what, ", tree head");
		if (cp->last_seq != v->last_seq)
			g_string_append(what, ", last seq");
		if (memcmp(cp->last_hash, v->last_hash, FUT_SHA256_LEN) != 0)
			g_string_append(what, ", last hash");
		/* Once a month's records disagree with one checkpoint, every later checkpoint of
		 * the month does too: say so once at the end of the month instead of each time. */
		matches = what->len == 0;
		if (what->len > 0 && v->month_cp_mismatches++ == 0)
			logv_add_finding(
			    v, "checkpoint-mismatch", line, rec->seq,
			    "checkpoint (size %" G_GUINT64_FORMAT ", last seq %" G_GINT64_FORMAT
			    ") does not match the %" G_GUINT64_FORMAT
			    " records before it: %s differ(s)",
			    cp->size, cp->last_seq, fut_merkle_size(v->tree), what->str + 2);
	}
	if (g_strcmp0(cp->host, v->res->host) != 0) {
		matches = FALSE;
		logv_add_finding(v, "foreign-host", line, rec->seq,
		                 "checkpoint of host \"%s\" in the log of \"%s\"", cp->host,
		                 v->res->host != NULL ? v->res->host : "?");
	}
	if (v->pinned != NULL && memcmp(cp->pub, v->pinned_pub, FUT_ED25519_PUBLIC_LEN) != 0) {
		matches = FALSE;
		if (v->key_findings++ == 0) {
			logv_add_finding(v, "key-not-pinned", line, rec->seq,
			                 "checkpoint is signed by another key than the pinned key");
			v->key_finding_at = (gint)v->res->findings->len - 1;
		}
	} else if (v->res->have_key && memcmp(cp->pub, v->res->pub, FUT_ED25519_PUBLIC_LEN) != 0) {
		matches = FALSE;
		if (v->key_findings++ == 0) {
			logv_add_finding(v, "checkpoint-key", line, rec->seq,
			                 "checkpoint is signed by another key than the host key");
			v->key_finding_at = (gint)v->res->findings->len - 1;
		}
	} else if (!v->res->have_key) {
		logv_set_host_key(v, cp->pub, line, rec->seq);
	}
	fut_log_checkpoint_free(v->month->last_checkpoint);
	v->month->last_checkpoint = fut_log_checkpoint_copy(cp);
	p.cp = g_steal_pointer(&cp);
	p.line = line;
	p.seq = rec->seq;
	p.records_at = v->month->records + 1;
	p.matched = matches;
	g_array_append_val(v->pending, p);
}

/* At the end of a month: the last matching checkpoint whose signature holds authenticates
 * it and every checkpoint and record before it. A bad signature is a finding, and the one
 * before it is tried. Records after the authenticated checkpoint are the unsigned tail. */
void
logv_finish_checkpoints(Verifier *v)
{
	FutLogMonthSummary *m = v->month;
	gint found = -1;

	for (gint i = (gint)v->pending->len - 1; i >= 0 && found < 0; i--) {
		Pending *p = &g_array_index(v->pending, Pending, i);
		if (!p->matched)
			continue;
		v->res->signatures_checked++;
		if (fut_log_checkpoint_verify(p->cp, NULL)) {
			found = i;
		} else {
			logv_add_finding(v, "checkpoint-signature", p->line, p->seq,
			                 "checkpoint signature is invalid");
		}
	}
	m->unsigned_tail = m->records;
	if (found >= 0) {
		Pending *p = &g_array_index(v->pending, Pending, found);
		v->valid_checkpoints++;
		if (v->pinned != NULL)
			v->res->key_pinned = TRUE;
		m->unsigned_tail = m->records - p->records_at;
		/* A witness that is one of these statements need not be verified again. */
		for (gint i = 0; v->host_witnesses != NULL && i <= found; i++) {
			Pending *q = &g_array_index(v->pending, Pending, i);
			if (q->matched && !g_hash_table_contains(v->verified, q->cp))
				g_hash_table_add(v->verified, g_steal_pointer(&q->cp));
		}
	}
	g_array_set_size(v->pending, 0);
}

/* The same statement: every field of the witness line (the signature too). */
static gboolean
checkpoint_equal(gconstpointer a, gconstpointer b)
{
	const FutLogCheckpoint *x = a;
	const FutLogCheckpoint *y = b;

	return x->size == y->size && x->last_seq == y->last_seq && x->time_us == y->time_us &&
	       memcmp(x->sig, y->sig, sizeof(x->sig)) == 0 &&
	       memcmp(x->root, y->root, sizeof(x->root)) == 0 &&
	       memcmp(x->last_hash, y->last_hash, sizeof(x->last_hash)) == 0 &&
	       memcmp(x->key_id, y->key_id, sizeof(x->key_id)) == 0 &&
	       memcmp(x->pub, y->pub, sizeof(x->pub)) == 0 &&
	       memcmp(x->month, y->month, sizeof(x->month)) == 0 &&
	       g_strcmp0(x->host, y->host) == 0;
}

static guint
checkpoint_hash(gconstpointer a)
{
	const FutLogCheckpoint *x = a;
	guint h;

	/* an Ed25519 signature's bytes are as good as a hash of what it signs */
	memcpy(&h, x->sig, sizeof(h));
	return h ^ (guint)x->size;
}

GHashTable *
logv_verified_new(void)
{
	return g_hash_table_new_full(checkpoint_hash, checkpoint_equal,
	                             (GDestroyNotify)fut_log_checkpoint_free, NULL);
}

GArray *
logv_pending_new(void)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(Pending));

	g_array_set_clear_func(a, logv_pending_clear);
	return a;
}
