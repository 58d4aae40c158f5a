#!/bin/sh
# Proves that this kernel gives futari what its USB enforcement relies on (DESIGN §6):
# a read-only block device (BLKROSET) refuses raw writes, a per-mount read-only bind stays
# EROFS while a private mount of the same filesystem writes, and the flag can be cleared.
. "$(dirname "$0")/lib.sh"

require_root "loop devices, BLKROSET, mounts"
require_cmd losetup blockdev mkfs.ext4 mount umount dd

img="$TEST_TMP/disk.img"
truncate -s 64M "$img"
mkfs.ext4 -q -F "$img" || fail "mkfs.ext4 failed"
dev=$(losetup --find --show "$img") || skip "no free loop device"
# The kernel keeps BLKROSET on a loop device after detach: always clear it first.
defer "loop_release $dev $img"

blockdev --setro "$dev"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "BLKROSET did not stick on $dev"
if dd if=/dev/zero of="$dev" bs=4096 count=1 conv=notrunc,fsync 2>/dev/null; then
	fail "raw write to a BLKROSET device succeeded"
fi

# A user's mount, read-only, as udisks makes it. The agent's private mount is a bind of it;
# the agent clears the per-mount flag on its own bind only, then turns the superblock
# writable. The user's mount keeps its per-mount read-only flag and stays EROFS.
blockdev --setrw "$dev"
user_mnt="$TEST_TMP/user"
agent_mnt="$TEST_TMP/agent"
mkdir -p "$user_mnt" "$agent_mnt"
mount -o ro "$dev" "$user_mnt" || fail "mount ro failed"
defer "umount $user_mnt"
mount --bind "$user_mnt" "$agent_mnt" || fail "bind mount failed"
defer "umount $agent_mnt"
mount -o remount,bind,ro "$user_mnt" || fail "per-mount read-only flag failed"
mount -o remount,bind,rw "$agent_mnt" || fail "cannot clear the private mount's flag"
mount -o remount,rw "$agent_mnt" || fail "cannot make the superblock writable"
echo data >"$agent_mnt/exported.txt" || fail "private mount cannot write"
if (echo evil >"$user_mnt/evil.txt") 2>/dev/null; then
	fail "user's read-only bind accepted a write"
fi
[ -f "$user_mnt/exported.txt" ] || fail "write through the private mount is not visible"
echo "ok: BLKROSET refuses raw writes; a read-only bind stays EROFS while a private mount writes"
exit 0
