# Issue 9 scenario 5: a Class I file needs two distinct approvers (one a security manager):
# one approval is refused, the same approver twice is refused, an approver not allowed Class I
# cannot sign it, two distinct ones pass and the file lands with the exact digest.
# e2e-stick: e1 serial=FUT-AGENT-0001 label=OFFICE1
# e2e-timeout: 300
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
fe_start_agent
disk=$(e2e_plug e1)
part=${disk}1
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/mnt
FE_ON_EXIT='umount "$mnt" 2>/dev/null'
fe_mount "$part" "$mnt"
f=$(fe_staff_file roster-2026.txt 300000 I)
want=$(sha "$f")
out=$(e2e_as hanako "$FUTARI" export "$f" --to CITY-USB-0001 --dir c1 --reason "court order 7" 2>&1) ||
	fail "Class I export did not make a request: $out"
echo "$out" | grep -F "Class I: approval needed" >/dev/null || fail "unexpected answer: $out"
req=$f.futari-request
A=/home/hanako/approvals-15
mkdir -p "$A"
fe_sign carol "$req" "$A/carol.futari-approval" || fail "carol could not sign: $(cat "$FE/sign.out")"
cp "$A/carol.futari-approval" "$A/carol-again.futari-approval"
if fe_sign alice "$req" "$A/alice.futari-approval"; then
	fail "alice (Class II only) signed a Class I request"
fi
grep -F "Class I" "$FE/sign.out" >/dev/null || fail "alice's refusal does not say why: $(cat "$FE/sign.out")"
fe_sign dave "$req" "$A/dave.futari-approval" || fail "dave could not sign: $(cat "$FE/sign.out")"
chown -R hanako: "$A"

refused() { # what pattern approvals...
	local what=$1 pat=$2 out
	shift 2
	if out=$(e2e_as hanako "$FUTARI" redeem "$@" 2>&1); then fail "$what: redeem accepted: $out"; fi
	echo "$out" | grep -E "$pat" >/dev/null || fail "$what: refused for another reason: $out"
	[ ! -e "$mnt/c1" ] || fail "$what: something was written"
}
refused "one approval" "needs 2 approval" "$A/carol.futari-approval"
refused "same approver twice" "same person" "$A/carol.futari-approval" "$A/carol-again.futari-approval"
refused "no security manager" "needs 2 approval|security-manager" "$A/dave.futari-approval"
out=$(e2e_as hanako "$FUTARI" redeem "$A/carol.futari-approval" "$A/dave.futari-approval" 2>&1) ||
	fail "two distinct approvers refused: $out"
[ "$(sha "$mnt/c1/roster-2026.txt")" = "$want" ] || fail "the stick does not hold the approved bytes"
fe_wait_ro "$disk" "$part"
rec=$(fe_log_has '"event":"export.written"' "$want") || fail "export.written not logged"
carol=$(fe_cert_serial carol)
dave=$(fe_cert_serial dave)
echo "$rec" | grep -F "\"approvers\":[\"$carol\",\"$dave\"]" >/dev/null ||
	fail "export.written does not list both approvers (certificates $carol, $dave): $rec"
