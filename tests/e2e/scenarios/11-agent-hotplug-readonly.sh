# Issue 9 scenario 1: a registered vfat stick plugged in after the agent starts is read-only
# at once: writes through its mount (as staff and as root) and raw writes to disk and
# partition fail; the attach is logged with the serial and the register entry.
# e2e-stick: a1 serial=FUT-AGENT-0001 label=OFFICE1
# e2e-timeout: 300
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
fe_start_agent
disk=$(e2e_plug a1)
part=${disk}1
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/mnt
FE_ON_EXIT='umount "$mnt" 2>/dev/null'
fe_mount "$part" "$mnt"
[ "$(cat "$mnt/README.TXT")" = "futari e2e stick FUT-AGENT-0001" ] ||
	fail "the stick cannot be read through its mount"
grep -E "^$part $mnt vfat ro[, ]" /proc/mounts >/dev/null ||
	fail "a read-write mount request on the protected stick was not turned into a ro mount"
fe_no_writes "$disk" "$part" "$mnt"
fe_log_has '"event":"device.attach"' '"FUT-AGENT-0001"' '"CITY-USB-0001"' >/dev/null ||
	fail "no device.attach record with serial FUT-AGENT-0001 and asset CITY-USB-0001"
out=$("$FUTARI" devices 2>&1) || fail "futari devices failed: $out"
echo "$out" | grep -F FUT-AGENT-0001 >/dev/null || fail "futari devices does not list the stick: $out"
