# Issue 18: a folder's request redeemed while the stick is pulled out between its files (QMP
# device_del at the second file's write step) is finished by redeeming the same approval again
# once the stick is back: the first file is written once (never twice), the second is written
# then, each with one export.written record and its approved digest, and a third redeem is
# refused as a replay. Before, the request was used up by the first file and the second needed
# a new request and a new approval.
# e2e-stick: p1 serial=FUT-AGENT-0001 label=OFFICE1 size=64
# e2e-timeout: 400
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
# The agent's test hook holds the second file written by this agent (the second file of the
# redeem: the folder holds no Class III file, so the export writes nothing) at "writing".
FUTARI_TEST_PAUSE_AT=writing@2 fe_start_agent
disk=$(e2e_plug p1)
part=${disk}1
fe_wait_ro "$disk" "$part"

src="/home/hanako/pulled 26"
mkdir -p "$src"
made=$(fe_staff_file "pulled 26/a.txt" 300000 II)
made=$(fe_staff_file "pulled 26/b.txt" 2000000 II)
[ -f "$made" ] || fail "no $made"
chown -R hanako: "$src"
w_a=$(sha "$src/a.txt")
w_b=$(sha "$src/b.txt")
out=$(e2e_as hanako "$FUTARI" export --to CITY-USB-0001 --reason "pulled 26 TEST ONLY" -R "$src" 2>&1) ||
	fail "export -R failed: $out"
echo "$out" | grep -F "0 written" >/dev/null || fail "a Class II file was written at once: $out"
req="$src.futari-request"
[ -f "$req" ] || fail "no FOLDER.futari-request: $out"
id=$(fe_log_has '"event":"export.requested"' "$w_a" | sed -n 's/.*"request":"\([0-9a-f]*\)".*/\1/p')
[ "${#id}" -eq 64 ] || fail "export.requested for a.txt does not name one request id: $id"
A=/home/hanako/approvals-26
mkdir -p "$A"
fe_sign carol "$req" "$A/carol.futari-approval" || fail "carol could not sign: $(cat "$FE/sign.out")"
chown -R hanako: "$A"

# The first redeem: a.txt is written, the stick is pulled at b.txt's write.
e2e_as hanako "$FUTARI" redeem "$A/carol.futari-approval" >"$E2E_SCRATCH/out" 2>&1 &
job=$!
for ((i = 0; i < 600; i++)); do [ -e "$FE/state/paused-writing" ] && break; sleep 0.1; done
[ -e "$FE/state/paused-writing" ] || fail "the redeem never reached the second file: $(cat "$E2E_SCRATCH/out")"
e2e_unplug p1
rm -f "$FE/state/paused-writing"
if wait "$job"; then fail "the redeem reported success though the stick was pulled: $(cat "$E2E_SCRATCH/out")"; fi
out=$(cat "$E2E_SCRATCH/out")
note "the first redeem said: $out"
echo "$out" | grep -F "1 of 2 files written" >/dev/null || fail "first redeem: $out"
echo "$out" | grep -F "run futari redeem again with the same approval" >/dev/null || fail "no hint: $out"
kill -0 "$AGENT_PID" || fail "the agent died when the stick was pulled"
fe_log_has '"event":"export.written"' "$w_a" "\"$id\"" >/dev/null || fail "a.txt: no export.written"
fe_log_has '"event":"export.written"' "$w_b" >/dev/null && fail "b.txt: export.written for the pulled stick"
out=$(e2e_as hanako "$FUTARI" requests 2>&1) || fail "requests: $out"
echo "$out" | grep -F "and 1 more files, 1 written" >/dev/null || fail "requests does not say 1 written: $out"

# The stick comes back: the same approval writes b.txt only.
disk=$(e2e_plug p1)
part=${disk}1
fe_wait_ro "$disk" "$part"
out=$(e2e_as hanako "$FUTARI" redeem "$A/carol.futari-approval" 2>&1) || fail "second redeem refused: $out"
note "the second redeem said: $out"
echo "$out" | grep -F "1 of 2 files written now, 1 by an earlier redeem" >/dev/null || fail "second redeem: $out"
fe_wait_ro "$disk" "$part"
out=$(e2e_as hanako "$FUTARI" redeem "$A/carol.futari-approval" 2>&1) && fail "a third redeem was accepted: $out"
echo "$out" | grep -F "(already-redeemed)" >/dev/null || fail "third redeem: $out"

ro=$E2E_SCRATCH/ro
FE_ON_EXIT='umount "$ro" 2>/dev/null'
mkdir -p "$ro"
mount -t vfat -o ro "$part" "$ro" || fail "cannot mount $part read-only"
[ "$(sha "$ro/pulled 26/a.txt")" = "$w_a" ] || fail "a.txt: not the approved bytes"
[ "$(sha "$ro/pulled 26/b.txt")" = "$w_b" ] || fail "b.txt: not the approved bytes"
[ "$(find "$ro/pulled 26" -type f | wc -l)" -eq 2 ] || fail "files on the stick: $(find "$ro/pulled 26" -type f)"
umount "$ro"
for w in "$w_a" "$w_b"; do
	n=$(fe_log_has '"event":"export.written"' "$w" "\"$id\"" | wc -l)
	[ "$n" -eq 1 ] || fail "$n export.written records for $w, not 1"
done
out=$("$AUDIT" verify --host-key "$FE_ETC/host.pub" "$FE_LOG" 2>&1) ||
	out=$("$AUDIT" verify "$FE_LOG" 2>&1) || fail "futari-audit verify fails: $out"
true
