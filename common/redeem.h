/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "crypto.h"
#include "policy.h"
#include "token.h"

G_BEGIN_DECLS

/* The redeem decision (DESIGN.md §5 "On redeem"): one pure function that says whether the
 * agent may export the file of a request now. It does no I/O, keeps no state and reads no
 * clock: everything it needs is in FutRedeemInput. */

/* Why a redeem is refused. The values are stable (logs keep fut_refusal_to_string()). */
typedef enum {
	FUT_REFUSAL_NONE = 0,           /* accepted */
	FUT_REFUSAL_INVALID_INPUT,      /* the caller left out a required input */
	FUT_REFUSAL_REQUEST_SIGNATURE,  /* the request's host signature is invalid */
	FUT_REFUSAL_WRONG_HOST,         /* the request was made by another host */
	FUT_REFUSAL_UNKNOWN_REQUEST,    /* this host has no such pending request */
	FUT_REFUSAL_ALREADY_REDEEMED,   /* replay */
	FUT_REFUSAL_REQUEST_EXPIRED,    /* now is past the request's expiry */
	FUT_REFUSAL_WRONG_DESTINATION,  /* the device/host attached now is another one */
	FUT_REFUSAL_TOO_MANY_APPROVALS, /* more than FUT_REDEEM_MAX_APPROVALS given */
	FUT_REFUSAL_WRONG_REQUEST,      /* an approval is for another request */
	FUT_REFUSAL_APPROVAL_SIGNATURE, /* an approval's signature is invalid */
	FUT_REFUSAL_CERT_OTHER_ROOT,    /* the certificate is not from the org root key */
	FUT_REFUSAL_CERT_SIGNATURE,     /* the certificate's root signature is invalid */
	FUT_REFUSAL_CERT_NOT_YET_VALID,
	FUT_REFUSAL_CERT_EXPIRED,
	FUT_REFUSAL_NO_REVOCATION_LIST,  /* none installed and the policy requires one */
	FUT_REFUSAL_BAD_REVOCATION_LIST, /* not signed by the org root key */
	FUT_REFUSAL_CERT_REVOKED,
	FUT_REFUSAL_REJECTED,               /* an approver rejected the request */
	FUT_REFUSAL_SELF_APPROVAL,          /* an approver login equals the requester */
	FUT_REFUSAL_CLASS_NOT_ALLOWED,      /* the certificate does not list this class */
	FUT_REFUSAL_ROLE_NOT_ALLOWED,       /* the approver holds none of the class's roles */
	FUT_REFUSAL_APPROVAL_NOT_YET_VALID, /* now is before not-before */
	FUT_REFUSAL_APPROVAL_EXPIRED,       /* now is after not-after */
	FUT_REFUSAL_APPROVAL_TOO_LONG,      /* window longer than the class allows */
	FUT_REFUSAL_DUPLICATE_APPROVER,     /* the same person (staff id or key) twice */
	FUT_REFUSAL_TOO_FEW_APPROVALS,
	FUT_REFUSAL_REQUIRED_ROLE_MISSING, /* e.g. Class I without a security-manager */
	FUT_REFUSAL_CLOCK_BEHIND,          /* now is before the request was made */
	FUT_REFUSAL_MALFORMED,             /* an approval text did not parse */
	/* Refusals the agent decides around fut_redeem_check() (issue 16 item 3). */
	FUT_REFUSAL_NOT_REQUESTER,       /* the caller is not the person who made the request */
	FUT_REFUSAL_BEING_REDEEMED,      /* another redeem of this request is running */
	FUT_REFUSAL_DESTINATION_ABSENT,  /* the stick named in the request is not attached */
	FUT_REFUSAL_DESTINATION_REFUSED, /* the stick may not be written (register, BadUSB) */
	FUT_REFUSAL_NO_ROOT_KEY,         /* the organisation key is not installed */
	FUT_REFUSAL_UPLOAD_CONTROL_OFF,  /* an upload approval, but upload control is off */
	FUT_REFUSAL_AGENT_ERROR,         /* the agent's own state could not be read */
	FUT_REFUSAL_LOG_UNWRITABLE,      /* the egress log could not be written */
	FUT_REFUSAL_LAST = FUT_REFUSAL_LOG_UNWRITABLE,
} FutRefusal;

#define FUT_REDEEM_MAX_APPROVALS 16

/* Returns a stable machine name ("wrong-host", ...) for logs and JSON. Static string. */
const gchar *fut_refusal_to_string(FutRefusal refusal);
/* Returns the refusal named @name, or FUT_REFUSAL_NONE for anything else. */
FutRefusal fut_refusal_from_string(const gchar *name);

/* Every refusal at redeem reads "<message> (<name>)" in the log and the CLI: sets @error to
 * that (FUT_ERROR_REFUSED), or when @error is already set appends " (<name>)" to it. */
void fut_refusal_set_error(GError **error, FutRefusal refusal, const gchar *message);
/* Returns the name at the end of a message "<message> (<name>)", or NONE. */
FutRefusal fut_refusal_from_message(const gchar *message);

typedef enum {
	FUT_REQUEST_STATE_UNKNOWN = 0, /* never made here, purged, or the lookup failed */
	FUT_REQUEST_STATE_PENDING,
	FUT_REQUEST_STATE_REDEEMED,
} FutRequestState;

/* Tells the state of the request with id @request_id on this host. Must not fail: when it
 * cannot tell, it answers UNKNOWN (which refuses). */
typedef FutRequestState (*FutRequestLookupFunc)(const guint8 request_id[FUT_REQUEST_ID_LEN],
                                                gpointer user_data);

typedef struct {
	const FutRequest *request;
	FutApproval *const *approvals; /* may be NULL when n_approvals is 0 */
	guint n_approvals;
	const FutKey *root_key;               /* /etc/futari/org.pub */
	const FutRevocationList *revocations; /* NULL when none is installed */
	const FutPolicy *policy;
	gint64 now;             /* UTC seconds */
	const FutKey *host_key; /* this host's key (public part is enough) */
	FutRequestLookupFunc lookup;
	gpointer lookup_data;
	const FutDestination *destination; /* the device or upload target attached now */
} FutRedeemInput;

/* Parses @n approval texts (@texts[i] of @lens[i] bytes) as a user handed them in. Returns
 * FUT_REFUSAL_NONE and stores a new array of FutApproval* in @ret_approvals, or
 * FUT_REFUSAL_MALFORMED with a one-line message naming the approval and the reason (an
 * object of another type is named as such). More than FUT_REDEEM_MAX_APPROVALS gives
 * FUT_REFUSAL_TOO_MANY_APPROVALS. @ret_message may be NULL; caller frees both. */
FutRefusal fut_redeem_parse_approvals(const gchar *const *texts,
                                      const gsize *lens,
                                      guint n,
                                      GPtrArray **ret_approvals,
                                      gchar **ret_message);

/* Checks every rule, in a fixed order, and returns FUT_REFUSAL_NONE to accept or the first
 * rule broken. @ret_message (may be NULL) receives a one-line human message (untrusted
 * strings already escaped; for an acceptance it names the approvers). Caller frees. */
FutRefusal fut_redeem_check(const FutRedeemInput *input, gchar **ret_message);

G_END_DECLS
