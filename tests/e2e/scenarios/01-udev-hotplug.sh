# A stick hot-plugged after boot reaches udev as a USB mass-storage disk with the properties
# the agent keys on: bus, driver, USB serial, filesystem type and label, on the partition.
# e2e-stick: s1 serial=FUT-HOT-0001 label=HOTPLUG
# e2e-timeout: 120

[ -z "${E2E_STICK_S1_PLUGGED:-}" ] || fail "stick s1 is plugged before the scenario asked for it"
[ -z "$(e2e_disks_by_serial "$E2E_STICK_S1_SERIAL")" ] ||
	fail "a disk with serial $E2E_STICK_S1_SERIAL exists before the hot-plug"

disk=$(e2e_plug s1)
part=$(e2e_fs_dev s1)
[ "$part" = "${disk}1" ] || fail "expected the partition ${disk}1, found $part"
note "stick s1 is $disk, filesystem on $part"

for dev in "$disk" "$part"; do
	e2e_expect_prop "$dev" ID_BUS usb
	e2e_expect_prop "$dev" ID_USB_DRIVER usb-storage
	e2e_expect_prop "$dev" ID_SERIAL_SHORT "$E2E_STICK_S1_SERIAL"
done
e2e_expect_prop "$disk" DEVTYPE disk
e2e_expect_prop "$part" DEVTYPE partition
e2e_expect_prop "$part" ID_FS_TYPE vfat
e2e_expect_prop "$part" ID_FS_LABEL "$E2E_STICK_S1_LABEL"
e2e_expect_prop "$part" ID_FS_UUID "$E2E_STICK_S1_UUID"
# The kernel itself must see a USB device behind it, not only udev's database.
syspath=$(readlink -f "/sys/class/block/${disk#/dev/}")
[[ "$syspath" == */usb[0-9]*/* ]] || fail "$disk is not below a USB host controller: $syspath"
