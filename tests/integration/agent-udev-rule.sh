#!/bin/sh
# The packaging udev rule alone (no futarid running) makes a USB stick read-only before
# anyone else hears of it and asks udisks for ro,nosuid,nodev: enforcement is fail-closed.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
agent_setup

cp "$top_srcdir/packaging/udev/61-futari-usb-readonly.rules" /run/udev/rules.d/
udevadm control --reload
make_stick delta
dev=$STICK
# After settle (which gives up after 10 s on a loaded machine), and at most 5 s more.
wait_ro "$dev" || fail "the udev rule did not make $dev read-only"
props=$(udevadm info --query=property "$dev")
echo "$props" | grep -q '^UDISKS_MOUNT_OPTIONS_DEFAULTS=ro,nosuid,nodev$' ||
	fail "udisks defaults not set: $props"
echo "$props" | grep -q '^UDISKS_MOUNT_OPTIONS_ALLOW=ro,nosuid,nodev$' ||
	fail "udisks allow list not set"
if dd if=/dev/zero of="$dev" bs=4096 count=1 conv=notrunc,fsync 2>/dev/null; then
	fail "raw write succeeded with the rule alone"
fi
echo "ok: the udev rule alone makes USB storage read-only"
exit 0
