# Issue 9 scenario 6: approvals that must not work are refused with a clear reason, nothing is
# written, and each refusal is logged: self-approval, expired, tampered, replayed, revoked,
# made for another host's request, for another file, and for the same request after the stick
# was swapped for one with another serial. Then the valid one works, once.
# e2e-stick: f1 serial=FUT-AGENT-0001 label=OFFICE1
# e2e-stick: f2 serial=FUT-AGENT-0002 label=FINANCE
# e2e-timeout: 420
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
mnt=$E2E_SCRATCH/mnt
FE_ON_EXIT='umount "$mnt" 2>/dev/null'
A=/home/hanako/approvals-16
mkdir -p "$A"
chown hanako: "$A"
give() { install -o hanako -m 0644 "$1" "$A/$2"; }

# Another host: a second agent installation with its own host key (another PC) makes a
# request for a copy of the file; alice signs it.
O=$E2E_SCRATCH/other
mkdir -p "$O/etc" "$O/run"
chmod 0755 "$E2E_SCRATCH" "$O" "$O/etc" "$O/run"
sed -e "s|$FE_SOCK|$O/run/agent.sock|" -e "s|$FE/state|$O/state|" -e "s|$FE/spool|$O/spool|" \
	-e "s|$FE_LOG|$O/log|" -e "s|$FE_ETC/host.key|$O/etc/host.key|" -e "s|$FE/labels|$O/labels|" \
	"$FE_ETC/agent.conf" >"$O/etc/agent.conf"
chmod 0644 "$O/etc/agent.conf"
f=$(fe_staff_file tender-77.txt 400000 II)
want=$(sha "$f")
disk=$(e2e_plug f1)
part=${disk}1
"$FUTARID" --config "$O/etc/agent.conf" --foreground >"$O/agent.log" 2>&1 &
other=$!
for ((i = 0; i < 300; i++)); do [ -S "$O/run/agent.sock" ] && break; sleep 0.1; done
[ -S "$O/run/agent.sock" ] || { cat "$O/agent.log" >&2; fail "the second (other host) agent did not start"; }
cp "$f" /home/hanako/tender-77-copy.txt
chown hanako: /home/hanako/tender-77-copy.txt
setfattr -n trusted.futari.class -v II /home/hanako/tender-77-copy.txt
out=$(e2e_as hanako env FUTARI_SOCKET="$O/run/agent.sock" "$FUTARI" export \
	/home/hanako/tender-77-copy.txt --to OFFICE1 --reason "other PC" 2>&1) ||
	fail "the other host made no request: $out"
kill "$other"
wait "$other" || fail "the other host's agent did not stop cleanly"
fe_sign alice /home/hanako/tender-77-copy.txt.futari-request "$E2E_SCRATCH/x" ||
	fail "alice could not sign the other host's request: $(cat "$FE/sign.out")"
give "$E2E_SCRATCH/x" other-host.futari-approval

fe_start_agent
fe_wait_ro "$disk" "$part"
fe_mount "$part" "$mnt"
# (no refusal yet when this scenario runs alone: grep -c then says 0 and exits 1)
refusals_before=$(cat "$FE_LOG"/egress-*.jsonl | grep -c '"event":"approval.refused"' || true)
out=$(e2e_as hanako "$FUTARI" export "$f" --to OFFICE1 --dir t77 --reason "tender 77" 2>&1) ||
	fail "no request: $out"
req=$f.futari-request
fe_sign alice "$req" "$E2E_SCRATCH/x" --comment "OK" || fail "alice could not sign: $(cat "$FE/sign.out")"
give "$E2E_SCRATCH/x" ok.futari-approval

# A second request, for another file, approved too: its approval edited to name the first
# request's id is "an approval for another file".
g=$(fe_staff_file memo-78.txt 1000 II)
e2e_as hanako "$FUTARI" export "$g" --to OFFICE1 --dir t78 --reason "memo 78" >/dev/null 2>&1 ||
	fail "no second request"
fe_sign alice "$g.futari-request" "$E2E_SCRATCH/x" || fail "alice could not sign the second request"
req1=$(grep '^request: ' "$A/ok.futari-approval" | cut -d' ' -f2)
req2=$(grep '^request: ' "$E2E_SCRATCH/x" | cut -d' ' -f2)
[ -n "$req1" ] && [ -n "$req2" ] && [ "$req1" != "$req2" ] || fail "cannot read the request ids"
sed "s/^request: $req2/request: $req1/" "$E2E_SCRATCH/x" >"$E2E_SCRATCH/y"
give "$E2E_SCRATCH/y" other-file.futari-approval
# The request itself altered to name another file's digest: the supervisor's tool refuses it.
sed "s/^sha256: .*/sha256: $(sha "$g")/" "$req" >"$E2E_SCRATCH/bad.futari-request"
cmp -s "$req" "$E2E_SCRATCH/bad.futari-request" && fail "the request edit changed nothing"
if fe_sign alice "$E2E_SCRATCH/bad.futari-request" "$E2E_SCRATCH/x"; then
	fail "futari-approve signed a request whose digest was altered"
fi
grep -iE "signature|altered|forged" "$FE/sign.out" >/dev/null ||
	fail "the altered request was refused for another reason: $(cat "$FE/sign.out")"

# Tampered: the validity stretched by hand.
sed 's/^not-after: 20/not-after: 21/' "$A/ok.futari-approval" >"$E2E_SCRATCH/x"
cmp -s "$A/ok.futari-approval" "$E2E_SCRATCH/x" && fail "tampering changed nothing"
give "$E2E_SCRATCH/x" tampered.futari-approval

# Expired: valid for 2 s.
fe_sign alice "$req" "$E2E_SCRATCH/x" --valid-for 2s || fail "alice could not sign (2 s)"
give "$E2E_SCRATCH/x" expired.futari-approval
sleep 3

# Self-approval: hanako holds an approver certificate too (she stands in for her
# supervisor); her own tool refuses to sign her own request.
if [ ! -f /home/hanako/futari-keys/hanako.key ]; then
	fe_approver hanako II info-manager S2001
fi
if fe_sign hanako "$req" "$E2E_SCRATCH/x"; then fail "hanako signed her own request"; fi
grep -F "cannot approve your own request" "$FE/sign.out" >/dev/null ||
	fail "self-approval refused for another reason: $(cat "$FE/sign.out")"

refused() { # what pattern approval
	local what=$1 pat=$2 out
	if out=$(e2e_as hanako "$FUTARI" redeem "$A/$3" 2>&1); then fail "$what: redeem accepted: $out"; fi
	echo "$out" | grep -E "$pat" >/dev/null || fail "$what: refused for another reason: $out"
	[ ! -e "$mnt/t77" ] || fail "$what: something was written"
	note "$what refused: $out"
}
refused expired "expired" expired.futari-approval
refused tampered "invalid signature|altered" tampered.futari-approval
refused "another file" "invalid signature|altered" other-file.futari-approval
refused "another host" "did not make|another computer" other-host.futari-approval

# Revoked: dave approves too, then his certificate goes on the revocation list. Not alice:
# the agent never goes back to an older list (issue 16 item 1), so the list stays, and
# alice's approval is the valid one below (and she approves again in scenario 20).
fe_sign dave "$req" "$E2E_SCRATCH/x" || fail "dave could not sign: $(cat "$FE/sign.out")"
give "$E2E_SCRATCH/x" dave.futari-approval
serial=$(grep '^serial: ' "$FE/org/dave.cert" | cut -d' ' -f2)
fe_root_approve revoke "$serial" --previous "$FE/org/crl1" --root-key "$FE/org/root/org.key" \
	--passphrase-file "$FE/org/root.pass" --out "$E2E_SCRATCH/crl2"
install -m 0644 "$E2E_SCRATCH/crl2" "$FE_ETC/revocations.futari-revocation"
refused revoked "revoked" dave.futari-approval

# Swapped: the same request, with another (registered) stick in place of the one named.
umount "$mnt"
e2e_unplug f1
disk2=$(e2e_plug f2)
fe_wait_ro "$disk2" "${disk2}1"
refused "swapped stick" "plug in the stick named in the request \(serial FUT-AGENT-0001\)" ok.futari-approval
e2e_unplug f2
disk=$(e2e_plug f1)
part=${disk}1
fe_wait_ro "$disk" "$part"
fe_mount "$part" "$mnt"

# The valid approval works once; its replay is refused.
out=$(e2e_as hanako "$FUTARI" redeem "$A/ok.futari-approval" 2>&1) || fail "valid approval refused: $out"
[ "$(sha "$mnt/t77/tender-77.txt")" = "$want" ] || fail "the stick does not hold the approved bytes"
if out=$(e2e_as hanako "$FUTARI" redeem "$A/ok.futari-approval" 2>&1); then fail "replay accepted: $out"; fi
echo "$out" | grep -E "redeemed|already used" >/dev/null || fail "replay refused for another reason: $out"
[ "$(ls "$mnt/t77" | wc -l)" = 1 ] || fail "the replay wrote a second copy"

# Each refusal of a known request names its file and the stick it was for.
fe_log_has '"event":"approval.refused"' 'expired at' '"tender-77.txt"' '"serial":"FUT-AGENT-0001"' >/dev/null ||
	fail "the refusal of the expired approval does not name the file and the stick"
after=$(grep -c '"event":"approval.refused"' "$FE_LOG"/egress-*.jsonl | awk -F: '{s+=$NF} END {print s+0}')
[ $((after - refusals_before)) -ge 7 ] ||
	fail "only $((after - refusals_before)) of the 7 refusals at redeem were logged"
