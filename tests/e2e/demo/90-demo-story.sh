# The README's story, told step by step in the VM (run by tests/e2e/demo.sh, not by make
# check): a registered stick is plugged in and is read-only; a staff member exports a public
# file (it lands), then a Class II file (blocked: a request is written); the supervisor reviews
# and signs it on her own account; the staff member redeems it and the approved bytes land;
# the inspector verifies the log and writes the monthly report (copied out to the host).
# e2e-stick: demo serial=FUT-AGENT-0001 label=OFFICE1
# e2e-timeout: 600
. "$E2E_SRCDIR/guest/agent.sh"

n=0
step() {
	n=$((n + 1))
	printf '\n\033[1m[%d] %s\033[0m\n' "$n" "$*"
}
show() { sed 's/^/      /'; }
ok() { printf '      \033[32mOK\033[0m %s\n' "$*"; }

step "Setting up the office PC: the agent's config, a media register with the stick"
echo "      CITY-USB-0001 (serial FUT-AGENT-0001), the organisation root key, and three"
echo "      approvers (TEST ONLY keys): alice may approve Class II; carol and dave Class I."
fe_setup
fe_start_agent
ok "futarid runs (config $FE_ETC/agent.conf, log $FE_LOG)"

step "Plugging in the registered USB stick (QEMU hot-plug, a real USB mass-storage device)"
disk=$(e2e_plug demo)
part=${disk}1
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/stick
FE_ON_EXIT='umount "$mnt" 2>/dev/null'
fe_mount "$part" "$mnt"
ok "the stick is $disk, its vfat filesystem is mounted at $mnt"
"$FUTARI" devices 2>&1 | show

step "Is it read-only? hanako (staff) tries to copy a file onto it, root tries a raw write"
e2e_as hanako cp /etc/hostname "$mnt/" 2>&1 | show || true
dd if=/dev/zero of="$part" bs=512 count=1 seek=100 conv=notrunc status=none 2>&1 | show || true
fe_no_writes "$disk" "$part" "$mnt"
ok "nobody but the agent can write to the stick (block layer read-only, mount read-only)"

step "hanako exports a public (Class III) file with futari export: one step"
pub=$(fe_staff_file press-release.txt 200000)
echo "      \$ futari export press-release.txt --to OFFICE1 --reason \"press kit\""
e2e_as hanako "$FUTARI" export "$pub" --to OFFICE1 --reason "press kit" 2>&1 | show
[ "$(sha "$mnt/press-release.txt")" = "$(sha "$pub")" ] || fail "the public file did not land"
ok "it is on the stick with the same SHA-256; the stick is read-only again: $(blockdev --getro "$part")"

step "hanako exports a Class II file (a bid specification): blocked, a request is written"
bid=$(fe_staff_file bid-spec-42.txt 500000 II)
echo "      \$ futari export bid-spec-42.txt --to OFFICE1 --reason \"tender 42\" --with-copy"
e2e_as hanako "$FUTARI" export "$bid" --to OFFICE1 --reason "tender 42" --with-copy 2>&1 | show
[ -f "$bid.futari-request" ] || fail "no request was written"
[ -f "$bid.futari-copy" ] || fail "no copy of the file beside the request"
[ ! -e "$mnt/bid-spec-42.txt" ] || fail "the Class II file was written without approval"
ok "nothing was written; hanako sends $bid.futari-request and the copy beside it to her supervisor"

step "alice (supervisor, her own key in her own account) reviews the request"
cp "$bid.futari-request" "$FE/share/demo.futari-request"
chmod 0644 "$FE/share/demo.futari-request"
install -m 0644 "$bid.futari-copy" "$FE/share/demo.futari-copy"
echo "      \$ futari-approve show bid-spec-42.txt.futari-request"
e2e_as alice "$APPROVE" show "$FE/share/demo.futari-request" --root "$FE/share/org.pub" \
	>"$FE/show.out" 2>&1 || fail "show: $(cat "$FE/show.out")"
show <"$FE/show.out"
grep -q "demo.futari-copy matches the request" "$FE/show.out" || fail "the copy was not checked"

step "alice signs it with her key and passphrase (two factors)"
echo "      \$ futari-approve sign bid-spec-42.txt.futari-request --file bid-spec-42.txt.futari-copy --key ~/futari-keys/alice.key --comment \"OK for tender 42\""
fe_sign alice "$bid.futari-request" /home/hanako/bid-spec-42.futari-approval --comment "OK for tender 42" \
	--file "$FE/share/demo.futari-copy" || fail "alice could not sign: $(cat "$FE/sign.out")"
show <"$FE/sign.out"
grep -q "^content-checked: yes$" /home/hanako/bid-spec-42.futari-approval || fail "content-checked not recorded"
chown hanako: /home/hanako/bid-spec-42.futari-approval
ok "the approval goes back to hanako: /home/hanako/bid-spec-42.futari-approval"

step "hanako redeems the approval: the agent writes its own spooled copy of the approved bytes"
echo "      \$ futari redeem bid-spec-42.futari-approval"
e2e_as hanako "$FUTARI" redeem /home/hanako/bid-spec-42.futari-approval 2>&1 | show
[ "$(sha "$mnt/bid-spec-42.txt")" = "$(sha "$bid")" ] || fail "the approved file did not land"
ok "bid-spec-42.txt is on the stick, SHA-256 $(sha "$mnt/bid-spec-42.txt")"
fe_wait_ro "$disk" "$part"
ok "and the stick is read-only again"

step "Replaying the same approval is refused"
if out=$(e2e_as hanako "$FUTARI" redeem /home/hanako/bid-spec-42.futari-approval 2>&1); then
	fail "the replayed approval was accepted: $out"
fi
echo "$out" | show
ok "refused, and logged"

step "The inspector verifies the tamper-evident log and writes the monthly report"
fe_stop_agent
echo "      \$ futari-audit verify $FE_LOG"
"$AUDIT" verify "$FE_LOG" 2>&1 | show
month=$(date -u +%Y-%m)
echo "      \$ futari-audit report --month $month --lang en --out report $FE_LOG"
"$AUDIT" report --month "$month" --lang en --media "$FE_ETC/media.conf" \
	--out "$E2E_ARTIFACTS/report" "$FE_LOG" 2>&1 | show
cp "$FE_LOG"/egress-*.jsonl "$E2E_ARTIFACTS/"
[ -s "$E2E_ARTIFACTS/report/report.html" ] || fail "no report.html"
ok "report written; the host copies it out"
