# Issue 18: `futari export -R` of a folder with 2 Class I/II files (one Class I) and 3 Class III
# files to the real (QEMU) vfat stick: the 3 land at once, ONE FOLDER.futari-request for the 2;
# carol and erin (Class I needs two, one a security manager) approve it with their TEST ONLY
# keys; `futari redeem` writes both with the approved digests; the log verifies and holds
# export.requested and export.written for each file with the one request id; read-only again.
# e2e-stick: r1 serial=FUT-AGENT-0001 label=OFFICE1 size=64
# e2e-timeout: 400
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
fe_start_agent
disk=$(e2e_plug r1)
part=${disk}1
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/mnt
ro=$E2E_SCRATCH/ro
FE_ON_EXIT='umount "$mnt" 2>/dev/null; umount "$ro" 2>/dev/null'
fe_mount "$part" "$mnt"

# The folder (a name with a space): 3 public files at two levels, a Class I and a Class II file.
src="/home/hanako/event 25"
mkdir -p "$src/sub"
# (fe_staff_file in $(…), as every scenario calls it: its `yes | head` ends in SIGPIPE.)
for f in p1.txt p2.txt sub/p3.txt; do
	made=$(fe_staff_file "event 25/$f" 150000)
done
made=$(fe_staff_file "event 25/roster.csv" 3000 I)
made=$(fe_staff_file "event 25/sub/budget.txt" 400000 II)
[ -f "$made" ] || fail "no $made"
chown -R hanako: "$src"
w_roster=$(sha "$src/roster.csv")
w_budget=$(sha "$src/sub/budget.txt")

out=$(e2e_as hanako "$FUTARI" export --to CITY-USB-0001 --reason "event 25 TEST ONLY" -R "$src" 2>&1) ||
	fail "export -R failed: $out"
echo "$out" | grep -F "3 written" >/dev/null || fail "not 3 written at once: $out"
echo "$out" | grep -F "2 waiting for approval, 0 refused" >/dev/null || fail "summary: $out"
req="$src.futari-request"
[ -f "$req" ] || fail "no FOLDER.futari-request: $out"
n=$(find /home/hanako -name '*.futari-request' -newer "$src/roster.csv" | wc -l)
[ "$n" -eq 1 ] || fail "$n request files, not one"
grep -qx 'version: 2' "$req" || fail "not a version-2 request"
grep -qx 'files: 2' "$req" || fail "the request does not name 2 files"
grep -qx 'class: I' "$req" || fail "the request's class is not the highest (I)"
grep -qx "sha256.1: $w_roster" "$req" || fail "roster.csv's digest is not in the request"
grep -qx "sha256.2: $w_budget" "$req" || fail "budget.txt's digest is not in the request"
# The request id (SHA-256 of the request's body, docs/formats.md) from the log's records.
id=$(fe_log_has '"event":"export.requested"' "$w_roster" | sed -n 's/.*"request":"\([0-9a-f]*\)".*/\1/p')
[ "${#id}" -eq 64 ] || fail "export.requested for roster.csv does not name one request id: $id"

# The Class III files are on the stick at once: checked on a second, read-only mount.
mkdir -p "$ro"
mount -t vfat -o ro "$part" "$ro" || fail "cannot mount $part read-only"
for f in p1.txt p2.txt sub/p3.txt; do
	[ "$(sha "$ro/event 25/$f")" = "$(sha "$src/$f")" ] || fail "$f is not on the stick with its digest"
done
for f in roster.csv sub/budget.txt; do
	[ ! -e "$ro/event 25/$f" ] || fail "$f was written before approval"
done
umount "$ro"
for w in "$w_roster" "$w_budget"; do
	fe_log_has '"event":"export.requested"' "$w" "\"$id\"" >/dev/null ||
		fail "no export.requested with the request id for $w"
done

# The user changes a file after asking: the approved (spooled) bytes are written anyway.
echo "changed after the request" >>"$src/sub/budget.txt"

# carol (security manager) and erin approve, each with their own TEST ONLY key.
A=/home/hanako/approvals-25
mkdir -p "$A"
fe_sign carol "$req" "$A/carol.futari-approval" || fail "carol could not sign: $(cat "$FE/sign.out")"
fe_sign erin "$req" "$A/erin.futari-approval" || fail "erin could not sign: $(cat "$FE/sign.out")"
grep -qx "request: $id" "$A/carol.futari-approval" || fail "the approval does not name the request id"
chown -R hanako: "$A"
out=$(e2e_as hanako "$FUTARI" redeem "$A/carol.futari-approval" 2>&1) &&
	fail "one approval of a Class I request redeemed: $out"
out=$(e2e_as hanako "$FUTARI" redeem "$A/carol.futari-approval" "$A/erin.futari-approval" 2>&1) ||
	fail "redeem refused: $out"
echo "$out" | grep -F "2 of 2 files written" >/dev/null || fail "redeem: $out"
fe_wait_ro "$disk" "$part"

# The bytes on the stick are the approved ones: a fresh read-only mount, hashed.
umount "$mnt"
mount -t vfat -o ro "$part" "$ro" || fail "cannot mount $part read-only after the redeem"
[ "$(sha "$ro/event 25/roster.csv")" = "$w_roster" ] || fail "roster.csv: not the approved bytes"
[ "$(sha "$ro/event 25/sub/budget.txt")" = "$w_budget" ] || fail "budget.txt: not the approved bytes"
[ "$(find "$ro/event 25" -type f | wc -l)" -eq 5 ] || fail "files on the stick: $(find "$ro/event 25" -type f)"
[ -z "$(find "$ro" -name '.futari-partial-*')" ] || fail "a partial file is left on the stick"
umount "$ro"
fe_mount "$part" "$mnt"
fe_no_writes "$disk" "$part" "$mnt"

# The log: each file's export.requested and export.written with the one request id, and the
# chain verifies.
carol=$(fe_cert_serial carol)
erin=$(fe_cert_serial erin)
for w in "$w_roster" "$w_budget"; do
	rec=$(fe_log_has '"event":"export.written"' "$w" "\"$id\"") ||
		fail "no export.written with the request id for $w"
	echo "$rec" | grep -F "\"approvers\":[\"$carol\",\"$erin\"]" >/dev/null ||
		fail "export.written does not list both approvers: $rec"
done
n=$(fe_log_has '"event":"export.written"' "\"$id\"" | wc -l)
[ "$n" -eq 2 ] || fail "$n export.written records with the request id, not 2"
out=$("$AUDIT" verify --host-key "$FE_ETC/host.pub" "$FE_LOG" 2>&1) ||
	out=$("$AUDIT" verify "$FE_LOG" 2>&1) || fail "futari-audit verify fails: $out"
