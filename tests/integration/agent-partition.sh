#!/bin/sh
# A stick with a partition table (the usual case): the disk and the partition are both made
# read-only; an export lands in the partition's filesystem (the kernel counts a partition
# read-only while its disk is, so the write path clears and restores both); afterwards both
# are read-only again and the user's mount of the partition stays EROFS throughout.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv
agent_setup
user_home
register_sticks parted
make_partitioned_stick parted
disk=$STICK
part=$STICK_PART
start_agent
wait_ro "$disk" && wait_ro "$part" || fail "disk or partition not read-only"
"$FUTARI" devices | grep -q "$part  ext4  label parted" || fail "partition not listed: $("$FUTARI" devices)"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$part" "$mnt" 2>/dev/null || fail "cannot mount the partition"
defer "umount $mnt 2>/dev/null"
touch "$mnt/evil" 2>/dev/null && fail "partition mount writable"
public_file "$HOME_U/notice.txt" 100000 notice
out=$(as_user "$FUTARI" export "$HOME_U/notice.txt" --to parted --reason r 2>&1) ||
	fail "export to a partitioned stick failed: $out"
cmp -s "$HOME_U/notice.txt" "$mnt/notice.txt" || fail "exported file differs"
[ "$(blockdev --getro "$disk")" = 1 ] || fail "disk writable after the export"
[ "$(blockdev --getro "$part")" = 1 ] || fail "partition writable after the export"
touch "$mnt/evil" 2>/dev/null && fail "partition mount writable after the export"
dd if=/dev/zero of="$disk" bs=512 count=1 conv=notrunc 2>/dev/null && fail "raw write to the disk"
stop_agent
echo "ok: a partitioned stick is read-only and takes exports"
exit 0
