# The enforcement mechanism the agent uses, checked on the guest's real vfat and USB stack:
# a stick can be mounted and read; after `blockdev --setro` on disk and partition, raw writes
# fail, a new read-only mount refuses writes, and a read-write mount is not granted.
# e2e-stick: s4 serial=FUT-RO-0004 label=READONLY
# e2e-timeout: 120

disk=$(e2e_plug s4)
part=${disk}1
mnt=$E2E_SCRATCH/mnt
mkdir -p "$mnt"
cleanup() {
	umount "$mnt" 2>/dev/null || true
	blockdev --setrw "$part" "$disk" 2>/dev/null || true
}
trap cleanup EXIT

# Readable, with the content the harness put on it.
mount -t vfat -o ro "$part" "$mnt" || fail "cannot mount $part (vfat) read-only"
[ "$(cat "$mnt/README.TXT")" = "futari e2e stick $E2E_STICK_S4_SERIAL" ] ||
	fail "README.TXT on the stick does not hold the expected text"
umount "$mnt"

# Writable before the block layer is made read-only: proves the later failures are caused by
# BLKROSET and not by the image or the driver.
mount -t vfat -o rw "$part" "$mnt" || fail "cannot mount $part read-write before setro"
echo before >"$mnt/BEFORE.TXT" || fail "cannot write to a rw mount before setro"
umount "$mnt"
dd if=/dev/zero of="$part" bs=512 count=1 seek=100 conv=notrunc,fsync status=none ||
	fail "raw write to $part failed before setro"

blockdev --setro "$disk" "$part"
[ "$(blockdev --getro "$part")" = 1 ] || fail "blockdev --getro $part is not 1 after --setro"
[ "$(cat "/sys/class/block/${part#/dev/}/ro")" = 1 ] || fail "sysfs ro flag of $part is not 1"

for dev in "$disk" "$part"; do
	if dd if=/dev/zero of="$dev" bs=512 count=1 seek=100 conv=notrunc,fsync status=none 2>/dev/null; then
		fail "raw write to $dev succeeded after blockdev --setro"
	fi
done

mount -t vfat -o ro "$part" "$mnt" || fail "cannot mount $part read-only after setro"
[ "$(cat "$mnt/BEFORE.TXT")" = before ] || fail "the file written before setro is not readable"
if (echo after >"$mnt/AFTER.TXT") 2>/dev/null; then fail "write through a ro mount succeeded"; fi
if mount -o remount,rw "$mnt" 2>/dev/null; then
	fail "remounting $part read-write succeeded after setro"
fi
umount "$mnt"

# util-linux falls back to read-only when the device is write-protected; either way no
# writable mount may result.
if mount -t vfat -o rw "$part" "$mnt" 2>/dev/null; then
	if (echo after >"$mnt/AFTER.TXT") 2>/dev/null; then
		fail "a rw mount request after setro produced a writable mount"
	fi
	grep -E "^[^ ]+ $mnt vfat ro[, ]" /proc/mounts >/dev/null ||
		fail "a rw mount request after setro was not downgraded to ro"
	umount "$mnt"
fi
