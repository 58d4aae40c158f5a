# Issue 9 scenario 4: a Class II export writes a request and no file; the supervisor, with a
# key she made in her own account ("another machine": her own key directory), reviews it with
# futari-approve show and signs it; the staff member redeems it and the approved bytes land
# with the exact digest; the log names requester and approver.
# e2e-stick: d1 serial=FUT-AGENT-0001 label=OFFICE1
# e2e-timeout: 300
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
fe_start_agent
disk=$(e2e_plug d1)
part=${disk}1
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/mnt
FE_ON_EXIT='umount "$mnt" 2>/dev/null'
fe_mount "$part" "$mnt"
f=$(fe_staff_file bid-spec-42.txt 1500000 II)
want=$(sha "$f")
out=$(e2e_as hanako "$FUTARI" export "$f" --to OFFICE1 --dir bids --reason "tender 42" 2>&1) ||
	fail "Class II export did not make a request: $out"
echo "$out" | grep -F "Class II: approval needed" >/dev/null || fail "no 'approval needed' answer: $out"
req=$f.futari-request
[ -f "$req" ] || fail "no request file beside the exported file: $out"
[ ! -e "$mnt/bids" ] || fail "something was written to the stick before approval"
fe_log_has '"event":"export.requested"' "$want" >/dev/null || fail "export.requested not logged"

# The supervisor reviews it in her own account.
cp "$req" "$FE/share/review-14.futari-request"
chmod 0644 "$FE/share/review-14.futari-request"
shown=$(e2e_as alice "$APPROVE" show "$FE/share/review-14.futari-request" \
	--root "$FE/share/org.pub" 2>&1) || fail "futari-approve show failed: $shown"
echo "$shown" | grep -F hanako >/dev/null || fail "show does not name the requester: $shown"
echo "$shown" | grep -F "$want" >/dev/null || fail "show does not give the digest: $shown"
fe_sign alice "$req" "$E2E_SCRATCH/ok.futari-approval" --comment "OK for tender 42" ||
	fail "alice could not sign: $(cat "$FE/sign.out")"
cp "$E2E_SCRATCH/ok.futari-approval" /home/hanako/bid-spec-42.futari-approval
chown hanako: /home/hanako/bid-spec-42.futari-approval
# The staff member changes the file after asking: the approved (spooled) bytes are written.
echo "changed after the request" >>"$f"
out=$(e2e_as hanako "$FUTARI" redeem /home/hanako/bid-spec-42.futari-approval 2>&1) ||
	fail "redeem refused: $out"
echo "$out" | grep -F "written to CITY-USB-0001:/bids/bid-spec-42.txt" >/dev/null || fail "unexpected answer: $out"
[ "$(sha "$mnt/bids/bid-spec-42.txt")" = "$want" ] || fail "the stick does not hold the approved bytes"
fe_wait_ro "$disk" "$part"
fe_no_writes "$disk" "$part" "$mnt"
rec=$(fe_log_has '"event":"export.written"' "$want") || fail "export.written with the digest not logged"
echo "$rec" | grep -F '"hanako"' >/dev/null || fail "export.written does not name the requester: $rec"
# The log names approvers by certificate serial (docs/log-format.md).
alice=$(fe_cert_serial alice)
echo "$rec" | grep -F "\"approvers\":[\"$alice\"]" >/dev/null ||
	fail "export.written does not name the approver alice (certificate $alice): $rec"
