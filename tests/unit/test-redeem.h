/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the parts of test-redeem: the scenario (test-redeem-scenario.c) and the table
 * of rows (test-redeem-rows.c). */

#include <glib.h>

#include "policy.h"
#include "redeem.h"
#include "token.h"

#define C_I   (1u << FUT_CLASS_I)
#define C_II  (1u << FUT_CLASS_II)
#define C_III (1u << FUT_CLASS_III)

typedef struct {
	FutKey *root, *other_root, *host, *other_host;
	FutKey *k_alice, *k_carol, *k_dave, *k_eve, *k_bob, *k_frank;
	FutCertificate *c_alice; /* info-manager, Class II */
	FutCertificate *c_carol; /* security-manager, Class I and II */
	FutCertificate *c_dave;  /* info-manager, Class I and II */
	FutCertificate *c_eve;   /* role "staff" only, every class */
	FutCertificate *c_bob;   /* info-manager whose login is the requester's */
	FutCertificate *c_frank; /* info-manager, Class I and II */
	FutRequest *req;
	GPtrArray *approvals;
	FutRevocationList *crl;
	FutPolicy *policy;
	gint64 now;
	FutDestination dest;
	FutRequestState state;
	gboolean no_destination;
} Scenario;

void add_approval(Scenario *s, FutCertificate *c, FutKey *k, gint64 nb, gint64 na);
void set_request(Scenario *s, FutClass klass);
Scenario *scenario_new(void);
void scenario_free(Scenario *s);
FutRefusal scenario_run(Scenario *s, gchar **ret_message);
FutApproval *approval_at(Scenario *s, guint i);
void resign_approval(Scenario *s, guint i, FutKey *key);

typedef struct {
	const gchar *name;
	void (*mutate)(Scenario *s);
	FutRefusal expect;
	const gchar *message_part;
} Row;

/* The rows, one per refusal reason (and the accepted cases). */
extern const Row rows[];
extern const guint n_rows;
