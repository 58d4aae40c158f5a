# A stick that is plugged in before the machine boots is present when the guest is ready,
# with the same udev properties as a hot-plugged one: the coldplug path (udevadm trigger)
# that the agent relies on for sticks present when it starts.
# e2e-stick: cold serial=FUT-COLD-0002 label=COLDPLUG coldplug
# e2e-timeout: 60

[ "${E2E_STICK_COLD_PLUGGED:-}" = 1 ] || fail "the harness did not attach stick cold at boot"
# No waiting: a cold-plugged stick must already be there when the guest reports ready.
disk=$(e2e_disks_by_serial "$E2E_STICK_COLD_SERIAL")
[ -n "$disk" ] || fail "no disk with serial $E2E_STICK_COLD_SERIAL at start (cold-plug not seen)"
[ "$(echo "$disk" | wc -l)" = 1 ] || fail "several disks with serial $E2E_STICK_COLD_SERIAL: $disk"
part=${disk}1
[ -b "$part" ] || fail "$disk has no partition 1"

e2e_expect_prop "$disk" ID_BUS usb
e2e_expect_prop "$disk" ID_USB_DRIVER usb-storage
e2e_expect_prop "$part" ID_SERIAL_SHORT "$E2E_STICK_COLD_SERIAL"
e2e_expect_prop "$part" ID_FS_TYPE vfat
e2e_expect_prop "$part" ID_FS_LABEL "$E2E_STICK_COLD_LABEL"
