#!/bin/sh
# Two-person export end to end (DESIGN §5, §8.2, §8.3): a Class II export makes a signed
# request and writes nothing; a supervisor signs it with futari-approve; `futari redeem`
# writes the agent's spooled copy with the exact digest. A tampered approval, a rejection,
# a revoked approver, the wrong stick, another user and a replay are refused, each logged.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr sha256sum
APPROVE="$top_builddir/approver/futari-approve"
[ -x "$APPROVE" ] || skip "futari-approve is not built"
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev=$STICK

# The security manager's root key, two approvers, an empty revocation list (TEST ONLY).
approver_keys
cd "$W" || fail "no dir"
echo 'TEST ONLY carol passphrase' >carol.pass
A keygen --name carol --out keys --passphrase-file carol.pass
A certify --root-key org/org.key --passphrase-file root.pass --key keys/carol.pub --id S1003 \
	--name "Carol (TEST ONLY)" --login carol --role security-manager --classes I,II \
	--valid-for 30d --out carol.cert
cd / || fail "cd"

start_agent
wait_ro "$dev" || fail "not read-only"
# The desktop's event stream (futari-notify) of the requester and of another user.
agent_subscribe 65534 "$TEST_TMP/sub-user.out" 300
agent_subscribe 65533 "$TEST_TMP/sub-other.out" 300
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount"
defer "umount $mnt 2>/dev/null"

public_file "$HOME_U/bid-spec.bin" 1500000 bidspecbin
chown 65534:65534 "$HOME_U/bid-spec.bin"
setfattr -n trusted.futari.class -v II "$HOME_U/bid-spec.bin"
want=$(sha256sum <"$HOME_U/bid-spec.bin" | cut -d' ' -f1)
as_user "$FUTARI" export "$HOME_U/bid-spec.bin" --to alpha --dir bids --reason "tender 42" \
	--with-copy >"$TEST_TMP/out" 2>&1 || fail "Class II export failed: $(cat "$TEST_TMP/out")"
REQ="$HOME_U/bid-spec.bin.futari-request"
[ -f "$REQ" ] || fail "no request file: $(cat "$TEST_TMP/out")"
[ ! -e "$mnt/bids" ] || fail "something was written before approval"
# The user changes the file after asking: the approved (spooled) bytes are written anyway.
printf 'changed after the request\n' >>"$HOME_U/bid-spec.bin"

sign() { # who out [extra]
	who=$1 out=$2
	shift 2
	"$APPROVE" sign "$REQ" --key "$W/keys/$who.key" --cert "$W/$who.cert" \
		--passphrase-file "$W/$who.pass" --root "$W/org/org.pub" --out "$out" --allow-root "$@" \
		>>"$W/approve.log" 2>&1 || fail "sign by $who failed: $(tail -3 "$W/approve.log")"
	chmod 0644 "$out"
}
# The supervisor checks the file: the user's changed file is not what was requested; the
# copy beside the request (--with-copy) is, and the approval records content-checked: yes.
"$APPROVE" sign "$REQ" --key "$W/keys/alice.key" --cert "$W/alice.cert" --file "$HOME_U/bid-spec.bin" \
	--passphrase-file "$W/alice.pass" --root "$W/org/org.pub" --out "$TEST_TMP/changed.futari-approval" \
	--allow-root >"$TEST_TMP/out" 2>&1 && fail "signed a changed file: $(cat "$TEST_TMP/out")"
grep -q "does NOT match the request" "$TEST_TMP/out" || fail "no reason: $(cat "$TEST_TMP/out")"
sign alice "$TEST_TMP/ok.futari-approval" --comment "OK for tender 42" \
	--file "$HOME_U/bid-spec.bin.futari-copy"
grep -q "^content-checked: yes$" "$TEST_TMP/ok.futari-approval" || fail "content-checked not recorded"
"$APPROVE" reject "$REQ" --key "$W/keys/carol.key" --cert "$W/carol.cert" \
	--passphrase-file "$W/carol.pass" --root "$W/org/org.pub" --out "$TEST_TMP/no.futari-approval" \
	--comment "not this one" --allow-root >>"$W/approve.log" 2>&1 || fail "reject failed"
chmod 0644 "$TEST_TMP/no.futari-approval"
sed 's/^not-after: 20/not-after: 21/' "$TEST_TMP/ok.futari-approval" >"$TEST_TMP/tampered.futari-approval"
chmod 0644 "$TEST_TMP/tampered.futari-approval"
cmp -s "$TEST_TMP/ok.futari-approval" "$TEST_TMP/tampered.futari-approval" && fail "tampering changed nothing"

refused() { # what grep-pattern cmd...
	what=$1 pat=$2
	shift 2
	before=$(ls -A "$mnt/bids" 2>/dev/null | wc -l)
	if out=$("$@" 2>&1); then fail "$what: redeem accepted: $out"; fi
	echo "$out" | grep -q "$pat" || fail "$what: unexpected refusal: $out"
	[ "$(ls -A "$mnt/bids" 2>/dev/null | wc -l)" = "$before" ] || fail "$what: a file was written"
}
refused tampered "approval 1 .*(approval-signature)$" as_user "$FUTARI" redeem "$TEST_TMP/tampered.futari-approval"
refused rejected "rejected the request.*(rejected)$" as_user "$FUTARI" redeem "$TEST_TMP/no.futari-approval"
refused other-user "only the person who made the request can redeem it (not-requester)$" \
	setpriv --reuid=65533 --regid=65533 --clear-groups env FUTARI_SOCKET="$SOCK" \
	"$FUTARI" redeem "$TEST_TMP/ok.futari-approval"
refused garbage "approval 1 is not a valid futari approval: this is a FUTARI REQUEST.*(malformed)$" \
	as_user "$FUTARI" redeem "$REQ"
# a binary file is refused by the CLI itself, under the same name
printf 'bin\000ary\n' >"$TEST_TMP/binary.futari-approval"
chmod 0644 "$TEST_TMP/binary.futari-approval"
refused binary "is not an approval file (malformed)$" as_user "$FUTARI" redeem "$TEST_TMP/binary.futari-approval"
# a certificate handed in as an approval: named too (issue 16 item 3)
refused certificate "approval 1 is not a valid futari approval: this is a FUTARI CERTIFICATE.*(malformed)$" \
	as_user "$FUTARI" redeem "$W/carol.cert"

# Carol's certificate revoked: her decision is worthless (the revocation is checked before
# what she decided). The list stays: the agent never goes back to an older one
# (agent-crl-rollback.sh), so the revoked approver is not Alice, whose approval is used below.
serial=$(grep '^serial: ' "$W/carol.cert" | cut -d' ' -f2)
(cd "$W" && A revoke "$serial" --previous crl1 --root-key org/org.key \
	--passphrase-file root.pass --out crl2)
install -m 0644 "$W/crl2" "$ETC/revocations.futari-revocation"
refused revoked "is revoked (certificate-revoked)$" as_user "$FUTARI" redeem "$TEST_TMP/no.futari-approval"

# The wrong stick: alpha's twin with another filesystem.
umount "$mnt"
blockdev --setrw "$dev"
losetup -d "$dev"
udevadm settle -t 10
refused wrong-stick "plug in the stick named in the request.*(destination-absent)$" \
	as_user "$FUTARI" redeem "$TEST_TMP/ok.futari-approval"
dev=$(losetup --find --show "$TEST_TMP/$MARK-alpha.img") || fail "reattach"
defer "loop_release $dev $TEST_TMP/$MARK-alpha.img"
udevadm settle -t 10
wait_ro "$dev" || fail "re-attached stick not read-only"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount again"

# The valid approval.
out=$(as_user "$FUTARI" redeem "$TEST_TMP/ok.futari-approval" 2>&1) || fail "redeem refused: $out"
echo "$out" | grep -q "written to CITY-USB-alpha:/bids/bid-spec.bin" || fail "unexpected: $out"
[ "$(sha256sum <"$mnt/bids/bid-spec.bin" | cut -d' ' -f1)" = "$want" ] ||
	fail "the stick does not hold the approved bytes"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "not read-only after redeem"

# Replay.
grep -h "^state=" "$TEST_TMP"/state/pending/*.pending | grep -q redeemed || { cat "$TEST_TMP"/state/pending/*.pending; fail "not marked redeemed"; }
refused replay "already used.*(already-redeemed)$" as_user "$FUTARI" redeem "$TEST_TMP/ok.futari-approval"
[ "$(ls "$mnt/bids" | wc -l)" -eq 1 ] || fail "replay wrote a second copy"
as_user "$FUTARI" requests | grep -q "redeemed" || fail "requests does not show redeemed"

L="$TEST_TMP/log"
req_id=$(grep '"event":"redeem.accepted"' "$L"/egress-*.jsonl | sed 's/.*"request":"\([0-9a-f]*\)".*/\1/')
[ -n "$req_id" ] || fail "redeem.accepted not logged"
grep '"event":"export.written"' "$L"/egress-*.jsonl | grep "$req_id" | grep -q "$want" ||
	fail "export.written lacks request id or digest"
grep '"event":"export.written"' "$L"/egress-*.jsonl | grep "$req_id" | grep -q '"approvers":\["' ||
	fail "export.written lacks the approver"
# The people, not only their certificate serials (issue 15): name and staff id at redeem.
for ev in redeem.accepted export.written; do
	grep "\"event\":\"$ev\"" "$L"/egress-*.jsonl | grep "$req_id" |
		grep -q '"approver_1":"[A-Za-z]* (TEST ONLY) (S100[0-9])"' ||
		fail "$ev lacks approver_1 with name and staff id: $(grep "\"event\":\"$ev\"" "$L"/egress-*.jsonl | grep "$req_id")"
done
# Whether the approver saw the content travels into the records and the monthly report.
for ev in redeem.accepted export.written; do
	grep "\"event\":\"$ev\"" "$L"/egress-*.jsonl | grep "$req_id" | grep -q '"content_checked":"yes"' ||
		fail "$ev lacks content_checked"
done
"$top_builddir/approver/futari-audit" report --month "$(date -u +%Y-%m)" --lang en \
	--out "$TEST_TMP/report" "$L" >"$TEST_TMP/report.out" 2>&1 || fail "report: $(cat "$TEST_TMP/report.out")"
grep -q "(content checked)" "$TEST_TMP/report/report.html" || fail "the report does not show content checked"
n=$(grep -c '"event":"approval.refused"' "$L"/egress-*.jsonl)
[ "$n" -ge 7 ] || fail "refusals not all logged ($n)"
# every refusal carries its stable name at the end of the reason (issue 16 item 3)
unnamed=$(grep '"event":"approval.refused"' "$L"/egress-*.jsonl | grep -v '"reason":"[^"]* ([a-z-]*)"')
[ -z "$unnamed" ] || fail "refusals logged without a name: $unnamed"

# Each person's subscription heard of their own refusals and writes only.
U="$TEST_TMP/sub-user.out" O="$TEST_TMP/sub-other.out"
wait_text "$U" "\"export.written\".*$req_id" || fail "no export.written event for the requester: $(cat "$U")"
grep '"approval.refused"' "$U" | grep -q '"reason":"[^"]*rejected' ||
	fail "no approval.refused event for the rejection: $(cat "$U")"
grep '"approval.refused"' "$U" | grep -q '"next_step":"ask your supervisor' ||
	fail "approval.refused event without the next step: $(cat "$U")"
grep '"approval.refused"' "$U" | grep -q "plug in the stick named in the request" ||
	fail "no approval.refused event for the wrong stick: $(cat "$U")"
grep '"approval.refused"' "$O" | grep -q "only the person who made the request" ||
	fail "the other user did not hear of their own refusal: $(cat "$O")"
grep -q '"subject":{"uid":65534' "$O" && fail "the other user got the requester's events: $(cat "$O")"
grep -q '"subject":{"uid":65533' "$U" && fail "the requester got the other user's event"
# Issue 16 item 5: a redeem whose name is taken on the stick and fills 255 bytes needs
# " (2)". Before the fix faccessat's ENAMETOOLONG counted as "name free": export.written was
# logged and the request marked redeemed, then the rename failed, so the approval was burned
# and nothing written. Now the name is cut to fit and the file written once.
long=$(python3 -c 'print("b" * 251 + ".txt")')
public_file "$HOME_U/taken.txt" 100 taken
out=$(as_user "$PROBE" "$SOCK" --fd "$HOME_U/taken.txt" \
	"{\"command\":\"export\",\"args\":{\"name\":\"$long\",\"to\":\"alpha\",\"reason\":\"r\"}}")
echo "$out" | grep -q '"written"' || fail "the long name was not taken: $out"
public_file "$HOME_U/long.bin" 2000 longsecret
setfattr -n trusted.futari.class -v II "$HOME_U/long.bin"
out=$(as_user "$PROBE" "$SOCK" --fd "$HOME_U/long.bin" \
	"{\"command\":\"export\",\"args\":{\"name\":\"$long\",\"to\":\"alpha\",\"reason\":\"r\"}}")
REQ="$TEST_TMP/long.futari-request"
echo "$out" | python3 -c 'import json,sys; sys.stdout.write(json.loads(sys.stdin.read(), strict=False)["result"]["request_text"])' \
	>"$REQ" || fail "no request for the long name: $out"
sign alice "$TEST_TMP/long.futari-approval"
out=$(as_user "$FUTARI" redeem "$TEST_TMP/long.futari-approval" 2>&1) ||
	fail "the redeem of a long taken name failed: $out"
n=$(ls "$mnt" | grep -c '^bbbb')
[ "$n" -eq 2 ] || fail "$n files with the long name on the stick, want 2: $(ls "$mnt")"
ls "$mnt" | grep '^bbbb' | while read -r name; do
	[ "$(printf %s "$name" | wc -c)" -le 255 ] || fail "a name over 255 bytes"
done
grep -h '"event":"export.failed"' "$L"/egress-*.jsonl | grep -q . &&
	fail "an export failed on the way: $(grep -h export.failed "$L"/egress-*.jsonl)"

# A redeem killed after its file's export.written record is durable but before the request
# is marked redeemed (the write path's "logged" step): recovery keeps the file (the log holds
# it); the same approval redeemed again finds the record, marks the request redeemed and
# writes nothing twice. Before, it wrote a second copy with a second record.
public_file "$HOME_U/crash-v1.bin" 3000 crashv1
chown 65534:65534 "$HOME_U/crash-v1.bin"
setfattr -n trusted.futari.class -v II "$HOME_U/crash-v1.bin"
want=$(sha256sum <"$HOME_U/crash-v1.bin" | cut -d' ' -f1)
as_user "$FUTARI" export "$HOME_U/crash-v1.bin" --to alpha --dir crash --reason "crash TEST ONLY" \
	>"$TEST_TMP/out" 2>&1 || fail "crash-v1: export failed: $(cat "$TEST_TMP/out")"
REQ="$HOME_U/crash-v1.bin.futari-request"
sign alice "$TEST_TMP/crash-v1.futari-approval"
stop_agent
export FUTARI_TEST_PAUSE_AT=logged
start_agent
unset FUTARI_TEST_PAUSE_AT
wait_ro "$dev" || fail "crash-v1: not read-only"
as_user "$FUTARI" redeem "$TEST_TMP/crash-v1.futari-approval" >"$TEST_TMP/bg.out" 2>&1 &
job=$!
wait_file "$TEST_TMP/state/paused-logged" || fail "crash-v1: the agent never paused at logged"
kill -9 "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
wait $job && fail "crash-v1: the redeem reported success though the agent died"
rm -f "$TEST_TMP/state/paused-logged"
start_agent
wait_ro "$dev" || fail "crash-v1: not read-only after the restart"
[ "$(sha256sum <"$mnt/crash/crash-v1.bin" | cut -d' ' -f1)" = "$want" ] ||
	fail "crash-v1: the logged file is not on the stick: $(ls -a "$mnt/crash" 2>&1)"
out=$(as_user "$FUTARI" redeem "$TEST_TMP/crash-v1.futari-approval" 2>&1) &&
	fail "crash-v1: the approval was used twice: $out"
echo "$out" | grep -q "already written.*(already-redeemed)$" || fail "crash-v1: $out"
[ "$(ls "$mnt/crash" | wc -l)" -eq 1 ] || fail "crash-v1: files on the stick: $(ls "$mnt/crash")"
n=$(grep -h '"event":"export.written"' "$L"/egress-*.jsonl | grep -c "crash-v1.bin")
[ "$n" -eq 1 ] || fail "crash-v1: $n export.written records, not 1"
stop_agent
echo "ok: Class II written only after a valid approval; refused approvals logged"
exit 0
