#!/bin/sh
# No egress without a log record (DESIGN §7, issue 5): with the log's filesystem full, a
# Class III export fails, nothing appears on the stick (no file, no partial file), the user
# is told, and the stick is read-only again.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev=$STICK
mkdir -p "$TEST_TMP/log"
mount -t tmpfs -o size=256k,mode=0750 tmpfs "$TEST_TMP/log" || skip "cannot mount a small tmpfs"
defer "umount $TEST_TMP/log 2>/dev/null"
start_agent
wait_ro "$dev" || fail "not read-only"
printf 'public\n' >"$HOME_U/a.txt"
chown 65534:65534 "$HOME_U/a.txt"
as_user "$FUTARI" export "$HOME_U/a.txt" --to alpha --reason r >/dev/null ||
	fail "export with a working log failed"
# Fill the log's filesystem.
dd if=/dev/zero of="$TEST_TMP/log/filler" bs=4096 2>/dev/null
# The last page of the log file may still have room for a record or two: keep exporting
# until the log refuses, then check that this export left nothing.
failed=""
i=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	if ! out=$(as_user "$FUTARI" export "$HOME_U/a.txt" --to alpha --dir "full$i" --reason r 2>&1); then
		failed=$i
		break
	fi
done
[ -n "$failed" ] || fail "20 exports succeeded with the log's filesystem full"
echo "$out" | grep -q "log cannot be written" || fail "the user is not told about the log: $out"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "not read-only after the failed export"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount -o ro "$dev" "$mnt" || fail "cannot mount"
defer "umount $mnt 2>/dev/null"
[ -f "$mnt/a.txt" ] || fail "the first export is missing"
if [ -e "$mnt/full$failed" ] && [ -n "$(ls -A "$mnt/full$failed")" ]; then
	fail "the refused export reached the stick: $(ls -A "$mnt/full$failed")"
fi
kill -0 "$AGENT_PID" || fail "agent died"
stop_agent
echo "ok: with the log full, nothing is exported"
exit 0
