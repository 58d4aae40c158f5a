# Issue 9 scenario 10: upload control in the guest. futarid with an [upload] group watches a
# loop-mounted ext4 (fanotify filesystem marks on a real block filesystem, not the guest's
# overlay); staff's curl (file://) cannot read a labelled Class II file there while cat can,
# and upload.denied is logged; futari upload-request -> the supervisor signs -> futari redeem:
# staff's curl reads it, another user's curl is still denied.
# e2e-timeout: 240
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
CURL=/usr/bin/curl
[ -x "$CURL" ] || skip "needs $CURL in the guest (the host's userland; packaging/test-deps.txt)"
modprobe loop 2>/dev/null || true
modprobe ext4 2>/dev/null || true
grep -qw ext4 /proc/filesystems || skip "the guest kernel has no ext4 (modprobe ext4 failed)"

# The watched filesystem: a 32 MiB ext4 image on a loop device, in this scenario's scratch.
chmod 0755 "$E2E_SCRATCH"
img=$E2E_SCRATCH/watched.img
wfs=$E2E_SCRATCH/wfs
mkdir -p "$wfs"
truncate -s 32M "$img"
mkfs.ext4 -q -F "$img" || fail "mkfs.ext4 on $img failed"
wdev=$(losetup --find --show "$img") || fail "no loop device in the guest for $img"
# Stop the agent (it holds marks on the filesystem) before the filesystem goes.
FE_ON_EXIT='fe_stop_agent; umount "$wfs" 2>/dev/null; losetup -d "$wdev" 2>/dev/null'
trap 'fe_exit' EXIT
mount -t ext4 "$wdev" "$wfs" || fail "cannot mount the ext4 image ($wdev) on $wfs"
chmod 0755 "$wfs"
U=$wfs/hanako
mkdir -p "$U"
chown hanako: "$U"

# The Class II file, written by the staff member; the root-only label makes it Class II.
f=$U/tender-42-bid.txt
e2e_as hanako sh -c "printf 'bid specification for tender 42 (TEST ONLY)\n' >'$f'" ||
	fail "hanako cannot write on the watched filesystem"
setfattr -n trusted.futari.class -v II "$f" || fail "cannot set trusted.futari.class on ext4"
want=$(cat "$f")

# Before the agent: curl reads it (so the later denial is the agent's doing).
[ "$(e2e_as hanako timeout 10 "$CURL" -s "file://$f")" = "$want" ] ||
	fail "hanako's curl cannot read $f even before futarid runs"

FE_CONF=$FE_ETC/agent-upload-20.conf
cat "$FE_ETC/agent.conf" - >"$FE_CONF" <<CONF

[upload]
filesystems = $wfs
programs = $CURL
CONF
chmod 0644 "$FE_CONF"
t0=$EPOCHREALTIME
fe_start_agent
note "futarid with upload control answered after $(awk "BEGIN { printf \"%.2f\", $EPOCHREALTIME - $t0 }") s"

# Denied for curl, cat reads it.
[ "$(e2e_as hanako timeout 10 cat "$f")" = "$want" ] || fail "cat (not an upload program) cannot read the Class II file"
rc=0
got=$(e2e_as hanako timeout 10 "$CURL" -s "file://$f") || rc=$?
[ "$rc" -ne 0 ] && [ -z "$got" ] ||
	fail "hanako's curl read the Class II file with no approval (exit $rc, got '$got')"
[ "$rc" -ne 124 ] || fail "hanako's curl hung (the agent did not answer the open)"
fe_wait_log() { # PATTERN… : wait up to 5 s for a log line matching every pattern
	local i
	for ((i = 0; i < 50; i++)); do
		fe_log_has "$@" && return 0
		sleep 0.1
	done
	return 1
}
rec=$(fe_wait_log '"event":"upload.denied"' tender-42-bid.txt) ||
	fail "no upload.denied logged for hanako's curl on tender-42-bid.txt"
echo "$rec" | grep -F "$CURL" >/dev/null || fail "upload.denied does not name the program $CURL: $rec"
echo "$rec" | grep -F "\"uid\":$(id -u hanako)" >/dev/null || fail "upload.denied does not name hanako's uid: $rec"

# The request, as the staff member.
out=$(e2e_as hanako "$FUTARI" upload-request "$f" --to files.example.org --app "$CURL" \
	--reason "send the bid to the contractor" 2>&1) || fail "futari upload-request failed: $out"
echo "$out" | grep -F "Class II: approval needed" >/dev/null || fail "no 'approval needed' answer: $out"
req=$f.futari-request
[ -f "$req" ] || fail "no request file beside $f: $out"
grep -x 'channel: upload' "$req" >/dev/null || fail "the request is not on the upload channel: $(cat "$req")"
fe_log_has '"event":"export.requested"' '"kind":"upload"' >/dev/null || fail "the upload request is not logged"

# The supervisor signs it in her own account; the staff member redeems it.
fe_sign alice "$req" "$E2E_SCRATCH/up.futari-approval" --comment "OK to send bid 42" ||
	fail "alice could not sign the upload request: $(cat "$FE/sign.out")"
cp "$E2E_SCRATCH/up.futari-approval" /home/hanako/tender-42.futari-approval
chown hanako: /home/hanako/tender-42.futari-approval
out=$(e2e_as hanako "$FUTARI" redeem /home/hanako/tender-42.futari-approval 2>&1) ||
	fail "futari redeem of the upload approval refused: $out"
echo "$out" | grep -F "may be uploaded to files.example.org by $CURL" >/dev/null ||
	fail "unexpected redeem answer: $out"
fe_log_has '"event":"redeem.accepted"' '"kind":"upload"' >/dev/null || fail "redeem.accepted (upload) not logged"

# Now hanako's curl reads it; dave's curl does not (the approval is hanako's).
got=$(e2e_as hanako timeout 10 "$CURL" -s "file://$f") ||
	fail "hanako's curl cannot read the file under the redeemed approval"
[ "$got" = "$want" ] || fail "hanako's curl read '$got', expected '$want'"
fe_wait_log '"event":"upload.allowed"' tender-42-bid.txt >/dev/null ||
	fail "no upload.allowed logged for hanako's curl"
rc=0
got=$(e2e_as dave timeout 10 "$CURL" -s "file://$f") || rc=$?
[ "$rc" -ne 0 ] && [ -z "$got" ] || fail "dave's curl read hanako's approved file (exit $rc)"
[ "$(e2e_as dave timeout 10 cat "$f")" = "$want" ] || fail "dave's cat cannot read the file (so his denied curl proves nothing)"
rec=$(fe_wait_log '"event":"upload.denied"' tender-42-bid.txt "\"uid\":$(id -u dave)") ||
	fail "no upload.denied logged for dave's curl"
