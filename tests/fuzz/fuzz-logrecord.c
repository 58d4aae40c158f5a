/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: one line of the egress log and a checkpoint witness line
 * (common/logrecord*.c). An accepted line must be the canonical encoding of what was read:
 * encoding the parsed record gives the same bytes and the same hash; and the single-pass
 * reader must accept and refuse exactly what the parse + re-encode reference does. */
#include "config.h"

#include "fuzz-common.h"
#include "logrecord-priv.h"
#include "logrecord.h"

static void
check_checkpoint(const FutLogCheckpoint *cp)
{
	g_autofree gchar *w = fut_log_checkpoint_to_witness(cp);
	g_autoptr(FutLogCheckpoint) again = NULL;
	g_autofree gchar *w2 = NULL;

	/* the signature itself may be anything; checking it must not crash */
	(void)fut_log_checkpoint_verify(cp, NULL);
	if (w == NULL)
		abort();
	again = fut_log_checkpoint_from_witness(w, strlen(w), NULL);
	if (again == NULL)
		abort();
	w2 = fut_log_checkpoint_to_witness(again);
	if (strcmp(w, w2) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const gchar *line = (const gchar *)data;
	g_autoptr(FutLogRecord) rec = fut_log_record_parse(line, size, NULL);
	g_autoptr(FutLogCheckpoint) w = fut_log_checkpoint_from_witness(line, size, NULL);
	g_autoptr(FutLogRecord) ref = fut_log_record_parse_reencode(line, size, NULL);

	g_autoptr(FutLogCheckpoint) wref = fut_log_checkpoint_from_witness_json(line, size, NULL);
	g_autoptr(FutLogRecord) lean = fut_log_record_parse_lean(line, size, NULL);

	if ((lean == NULL) != (rec == NULL)) {
		fprintf(stderr, "lean and full readers disagree\n");
		abort();
	}
	/* the reads in place (verify's), into one arena kept across inputs */
	{
		static FutLogRecordArena *arena;
		if (arena == NULL)
			arena = fut_log_record_arena_new();
		for (gint lean_view = 1; lean_view >= 0; lean_view--) {
			const FutLogRecord *v =
			    fut_log_record_parse_view(arena, line, size, lean_view, NULL);
			if ((v == NULL) != (rec == NULL) ||
			    (v != NULL && memcmp(v->hash, rec->hash, FUT_SHA256_LEN) != 0)) {
				fprintf(stderr, "read in place and full reader disagree\n");
				abort();
			}
			if (v != NULL && !lean_view) {
				FutLogRecord copy = *v;
				gsize n = 0;
				g_autofree gchar *again = fut_log_record_encode(&copy, &n);
				if (n != size || memcmp(again, data, size) != 0) {
					fprintf(stderr, "read in place does not encode back\n");
					abort();
				}
			}
		}
	}

	if ((w == NULL) != (wref == NULL)) {
		fprintf(stderr, "witness: direct reader and JSON reference disagree\n");
		abort();
	}
	if ((rec == NULL) != (ref == NULL)) {
		fprintf(stderr, "single-pass reader %s what the re-encode reference %s\n",
		        rec != NULL ? "accepts" : "refuses", ref != NULL ? "accepts" : "refuses");
		abort();
	}

	if (rec != NULL) {
		guint8 hash[FUT_SHA256_LEN];
		gsize len = 0;
		g_autofree gchar *again = NULL;
		g_autoptr(FutLogCheckpoint) cp = NULL;

		memcpy(hash, rec->hash, sizeof(hash));
		again = fut_log_record_encode(rec, &len);
		if (again == NULL || len != size || memcmp(again, data, size) != 0 ||
		    memcmp(hash, rec->hash, sizeof(hash)) != 0) {
			fprintf(stderr, "accepted log line is not canonical\n");
			abort();
		}
		cp = fut_log_checkpoint_from_record(rec, NULL);
		if (cp != NULL)
			check_checkpoint(cp);
	}
	if (w != NULL) {
		g_autofree gchar *again = fut_log_checkpoint_to_witness(w);

		if (again == NULL || strlen(again) != size || memcmp(again, data, size) != 0) {
			fprintf(stderr, "accepted witness line is not canonical\n");
			abort();
		}
		check_checkpoint(w);
	}
	return 0;
}
