#!/bin/sh
# The kernel fact behind FAN_UNLIMITED_QUEUE in agent/fanwatch.c: with a bounded queue full of
# unread events a permission event is dropped and the open proceeds unanswered (fail open);
# with an unlimited queue it waits. Fails only if the unlimited queue lets an open through.
. "$(dirname "$0")/lib.sh"

require_root "fanotify permission events, loop devices, mounts"
require_cmd losetup mkfs.ext4 mount umount

prog="${top_builddir:-../..}/tests/integration/fanotify-queue"
[ -x "$prog" ] || fail "not built: $prog"
img="$TEST_TMP/disk.img"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
truncate -s 128M "$img"
mkfs.ext4 -q -F -N 40000 "$img" || fail "mkfs.ext4 failed"
dev=$(losetup --find --show "$img") || skip "no free loop device"
defer "loop_release $dev $img"
mount "$dev" "$mnt" || fail "mount failed"
defer "umount $mnt"
timeout 120 "$prog" "$mnt" || fail "an open went through an unlimited fanotify queue unanswered"
exit 0
