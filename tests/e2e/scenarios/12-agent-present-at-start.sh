# Issue 9 scenario 2: a stick already plugged in (and writable) before the agent starts is
# made read-only by the agent's start-up scan, with no udev rule to help.
# e2e-stick: b1 serial=FUT-AGENT-0002 label=FINANCE
# e2e-timeout: 300
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
disk=$(e2e_plug b1)
part=${disk}1
# Writable before: the read-only state later is the agent's doing.
[ "$(blockdev --getro "$part")" = 0 ] || fail "the stick is read-only before the agent started"
dd if=/dev/zero of="$part" bs=512 count=1 seek=100 conv=notrunc,fsync status=none ||
	fail "raw write before the agent started failed"
fe_start_agent
# The rule fe_start_agent installs acts only on new events: take it out again so only the
# agent's own scan can have done it.
rm -f /run/udev/rules.d/61-futari-usb-readonly.rules
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/mnt
FE_ON_EXIT='umount "$mnt" 2>/dev/null'
fe_mount "$part" "$mnt"
fe_no_writes "$disk" "$part" "$mnt"
fe_log_has '"event":"device.attach"' '"FUT-AGENT-0002"' '"CITY-USB-0002"' >/dev/null ||
	fail "the stick present at start is not logged with serial and asset"
