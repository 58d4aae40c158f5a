#!/bin/sh
# Issue 16 item 1: a revocation list cannot be rolled back. Alice approves, then her
# certificate is revoked (list 2). Putting the older list 1 back, installing a fresh list of
# sequence 1, removing the list, restarting the agent with the old list in place: each time
# her approval stays refused as revoked, the refused list is logged (revocation.refused) and
# `futari status` shows list 2 in force. A newer list (3) is taken; a kept list that is
# garbage refuses every redeem (nothing can be decided). Before the fix, the older list
# un-revoked Alice and the export was written.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr stat
APPROVE="$top_builddir/approver/futari-approve"
[ -x "$APPROVE" ] || skip "futari-approve is not built"
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev=$STICK
approver_keys

start_agent
wait_ro "$dev" || fail "not read-only"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount"
defer "umount $mnt 2>/dev/null"

public_file "$HOME_U/plan.bin" 4000 planbin
chown 65534:65534 "$HOME_U/plan.bin"
setfattr -n trusted.futari.class -v II "$HOME_U/plan.bin"
as_user "$FUTARI" export "$HOME_U/plan.bin" --to alpha --dir out --reason "rollback test" \
	>"$TEST_TMP/out" 2>&1 || fail "Class II export failed: $(cat "$TEST_TMP/out")"
REQ="$HOME_U/plan.bin.futari-request"
[ -f "$REQ" ] || fail "no request file: $(cat "$TEST_TMP/out")"
OK="$TEST_TMP/ok.futari-approval"
"$APPROVE" sign "$REQ" --key "$W/keys/alice.key" --cert "$W/alice.cert" \
	--passphrase-file "$W/alice.pass" --root "$W/org/org.pub" --out "$OK" --allow-root \
	>>"$W/approve.log" 2>&1 || fail "sign failed: $(tail -3 "$W/approve.log")"
chmod 0644 "$OK"

install_list() { install -m 0644 "$W/$1" "$ETC/revocations.futari-revocation"; }
revoked() { # what
	if out=$(as_user "$FUTARI" redeem "$OK" 2>&1); then fail "$1: redeem accepted: $out"; fi
	echo "$out" | grep -q "is revoked (certificate-revoked)" || fail "$1: unexpected refusal: $out"
	[ ! -e "$mnt/out" ] || fail "$1: something was written"
}
status_seq() { # expected
	as_user "$FUTARI" status >"$TEST_TMP/status" 2>&1 || fail "status failed"
	grep -q "^revocations: *list $1 in force" "$TEST_TMP/status" ||
		fail "status does not show list $1: $(cat "$TEST_TMP/status")"
}
L="$TEST_TMP/log"
n_refused() { cat "$L"/egress-*.jsonl | grep -c '"event":"revocation.refused"'; }

status_seq 1
serial=$(grep '^serial: ' "$W/alice.cert" | cut -d' ' -f2)
(cd "$W" && A revoke "$serial" --previous crl1 --root-key org/org.key \
	--passphrase-file root.pass --out crl2)
install_list crl2
revoked "list 2"
status_seq 2
[ "$(n_refused)" -eq 0 ] || fail "a newer list was logged as refused"
K="$TEST_TMP/state/revocation-list"
[ "$(stat -c '%a %u' "$K")" = "600 0" ] || fail "kept list not root-only: $(stat -c '%a %u' "$K")"
cmp -s "$K" "$W/crl2" || fail "the kept list is not list 2"

# The older list put back.
install_list crl1
revoked "older list"
[ "$(n_refused)" -eq 1 ] || fail "the rollback was not logged"
cat "$L"/egress-*.jsonl | grep '"event":"revocation.refused"' | grep -q 'sequence 1, older than list 2' ||
	fail "the record does not say why: $(grep revocation.refused "$L"/egress-*.jsonl)"
status_seq 2
grep -q "older than list 2" "$TEST_TMP/status" || fail "status does not say the list was refused"

# A fresh list of sequence 1 (signed by the real root, revoking nothing).
(cd "$W" && A revoke --root-key org/org.key --passphrase-file root.pass --out crl-fresh)
grep -q '^sequence: 1$' "$W/crl-fresh" || fail "the fresh list is not sequence 1"
install_list crl-fresh
revoked "fresh list of sequence 1"
[ "$(n_refused)" -eq 2 ] || fail "the fresh list was not logged"

# No list at all.
rm -f "$ETC/revocations.futari-revocation"
revoked "list removed"
[ "$(n_refused)" -eq 3 ] || fail "the removal was not logged"

# Across a restart, with the old list in place.
install_list crl1
stop_agent
start_agent
revoked "older list after a restart"
status_seq 2

# A newer list is taken (and kept).
(cd "$W" && A revoke --previous crl2 --root-key org/org.key --passphrase-file root.pass --out crl3)
install_list crl3
revoked "list 3"
status_seq 3
cmp -s "$K" "$W/crl3" || fail "the kept list is not list 3"

# A kept list that is garbage: nothing can be decided, every redeem is refused.
printf 'garbage\n' >"$K"
if out=$(as_user "$FUTARI" redeem "$OK" 2>&1); then fail "garbage kept list: accepted: $out"; fi
echo "$out" | grep -q "keeps is unusable" || fail "garbage kept list: unexpected: $out"
[ ! -e "$mnt/out" ] || fail "garbage kept list: something was written"
stop_agent
echo "ok: older, fresh and removed revocation lists refused and logged; list 2 stays in force across a restart"
exit 0
