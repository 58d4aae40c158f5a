#!/bin/sh
# The spool (the agent's own copy of what it exports) on a full filesystem: an export that
# does not fit fails with one line, nothing reaches the stick, no partial copy is left in
# the spool, the stick stays read-only, and once there is room again exports work
# (issue 10, fault tests).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv sha256sum timeout
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev=$STICK
# A 1 MiB spool filesystem; the per-user quota is far larger, so the disk runs out first.
mkdir -p "$TEST_TMP/spool"
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$TEST_TMP/spool" || skip "cannot mount a tmpfs"
defer "umount -l $TEST_TMP/spool 2>/dev/null"
start_agent
wait_ro "$dev" || fail "stick not read-only"

mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount -o ro "$dev" "$mnt" || fail "cannot mount the stick"
defer "umount $mnt 2>/dev/null"

head -c 3000000 /dev/urandom >"$HOME_U/big.bin"
printf 'small public file\n' >"$HOME_U/small.txt"
chown 65534:65534 "$HOME_U"/*

out=$(FUTARI_TIMEOUT=30 timeout 40 setpriv --reuid=65534 --regid=65534 --clear-groups \
	env FUTARI_SOCKET="$SOCK" "$FUTARI" export "$HOME_U/big.bin" --to CITY-USB-alpha \
	--reason "does not fit" 2>&1)
rc=$?
[ $rc -ne 124 ] || fail "export with a full spool hung"
[ $rc -eq 1 ] || fail "export with a full spool: exit $rc: $out"
[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "the refusal is not one line: $out"
echo "$out"
[ ! -e "$mnt/big.bin" ] || fail "the file reached the stick"
ls -A "$mnt" | grep -v '^lost+found$' | grep -q . && fail "something reached the stick: $(ls -A "$mnt")"
left=$(find "$TEST_TMP/spool" -type f | wc -l)
[ "$left" -eq 0 ] || fail "$left file(s) left in the spool: $(find "$TEST_TMP/spool" -type f)"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "the stick is not read-only after the failure"
kill -0 "$AGENT_PID" || fail "agent died"

# With room again (the failed copy freed its space), a small export works.
out=$(FUTARI_TIMEOUT=30 timeout 40 setpriv --reuid=65534 --regid=65534 --clear-groups \
	env FUTARI_SOCKET="$SOCK" "$FUTARI" export "$HOME_U/small.txt" --to CITY-USB-alpha \
	--reason "fits" 2>&1) || fail "a small export after the failure was refused: $out"
umount "$mnt"
mount -o ro "$dev" "$mnt" || fail "cannot mount the stick again"
[ "$(cat "$mnt/small.txt")" = "small public file" ] || fail "the small export is not on the stick"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "the stick is not read-only after the export"
stop_agent
exit 0
