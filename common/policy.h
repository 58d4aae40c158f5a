/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "token.h"

G_BEGIN_DECLS

/* The class policy: how many approvers each class needs, which roles they must hold and how
 * long an approval may last. It is read from one group of the agent config (GKeyFile):
 *
 *   [approval]
 *   class-ii-approvals=1
 *   class-ii-roles=info-manager;security-manager
 *   class-ii-required-roles=
 *   class-ii-max-validity=24h
 *   class-i-approvals=2
 *   class-i-roles=info-manager;security-manager
 *   class-i-required-roles=security-manager
 *   class-i-max-validity=4h
 *   class-iii-approvals=0
 *   require-revocation-list=true
 *
 * Keys left out keep the built-in defaults shown above (DESIGN.md §5 and the city policy
 * 2.2.1). A config cannot weaken the two-person rule: Class I needs at least 2 approvals and
 * Class II at least 1; an unknown key is an error. */

#define FUT_POLICY_MAX_APPROVALS 8

typedef struct {
	guint approvals;      /* distinct people needed (fut_certificate_same_person); 0 = none */
	GStrv roles;          /* every approver must hold at least one of these */
	GStrv required_roles; /* each of these must be held by at least one approver */
	gint64 max_validity;  /* seconds: longest not-after minus not-before of an approval */
} FutClassRule;

typedef struct {
	FutClassRule rules[FUT_CLASS_III + 1]; /* indexed by FutClass; [0] unused */
	/* TRUE (default): an approval is refused when no revocation list is installed, since a
	 * revoked approver could not be told from a valid one (fail closed). */
	gboolean require_revocation_list;
} FutPolicy;

/* Returns the built-in default policy. Free with fut_policy_free(). */
FutPolicy *fut_policy_new_default(void);
/* Returns the defaults overridden by the keys of @group in @kf (a missing group gives the
 * defaults). Errors read "@source: [group] key: reason". */
FutPolicy *fut_policy_load(GKeyFile *kf, const gchar *group, const gchar *source, GError **error);
void fut_policy_free(FutPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutPolicy, fut_policy_free)
/* Returns the rule for @klass (never NULL for I, II, III; NULL otherwise). Owned by @policy. */
const FutClassRule *fut_policy_get_rule(const FutPolicy *policy, FutClass klass);

G_END_DECLS
