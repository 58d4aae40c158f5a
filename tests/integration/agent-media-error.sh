#!/bin/sh
# A stick that fails in the middle of a write (its backing store runs out of space, so the
# block device returns I/O errors, as a stick pulled out or broken would): the export fails
# with one line, is logged as export.failed, the private mount goes, the stick is read-only
# again and the agent keeps working.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv
agent_setup
user_home
register_sticks frail
# The image lives on a 24 MiB tmpfs but claims 64 MiB: writes past 24 MiB fail underneath.
backing="$TEST_TMP/backing"
mkdir -p "$backing"
mount -t tmpfs -o size=24m tmpfs "$backing" || skip "cannot mount a small tmpfs"
defer "umount -l $backing 2>/dev/null"
img="$backing/$MARK-frail.img"
truncate -s 64M "$img"
mkfs.ext4 -q -F -L frail -E lazy_itable_init=0,lazy_journal_init=0 "$img" || fail "mkfs"
dev=$(losetup --find --show "$img") || skip "no free loop device"
defer "loop_release $dev $img"
udevadm settle -t 10
start_agent
wait_ro "$dev" || fail "not read-only"
public_file "$HOME_U/big.bin" 40000000 bigbin
chown 65534:65534 "$HOME_U/big.bin"
out=$(as_user "$FUTARI" export "$HOME_U/big.bin" --to frail --reason r 2>&1) &&
	fail "export to a failing stick succeeded"
[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "failure is not one line: $out"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "stick not read-only after the failure"
grep -q " $TEST_TMP/state/mnt-" /proc/self/mountinfo && fail "private mount left behind"
grep -q '"event":"export.failed"' "$TEST_TMP"/log/egress-*.jsonl || fail "failure not logged"
"$FUTARI" status >/dev/null || fail "agent not answering after the failure"
stop_agent
echo "ok: a failing stick fails the export cleanly: $out"
exit 0
