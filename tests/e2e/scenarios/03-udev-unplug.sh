# Pulling a stick out is seen: its block devices and udev entries go away, and a udev monitor
# running during the unplug receives the remove events for disk and partition, which is what
# the agent will listen to.
# e2e-stick: s3 serial=FUT-UNPLUG-0003 label=UNPLUG
# e2e-timeout: 120

disk=$(e2e_plug s3)
part=${disk}1
[ -b "$part" ] || fail "$part missing after plug"

udevadm monitor --udev --subsystem-match=block >"$E2E_SCRATCH/monitor.log" &
monitor=$!
sleep 1
e2e_unplug s3
sleep 1
kill "$monitor"
wait "$monitor" 2>/dev/null || true

[ ! -e "$disk" ] || fail "$disk still exists after unplug"
[ ! -e "$part" ] || fail "$part still exists after unplug"
[ ! -e "/sys/class/block/${disk#/dev/}" ] || fail "$disk still in sysfs after unplug"
[ -z "$(e2e_disks_by_serial "$E2E_STICK_S3_SERIAL")" ] || fail "serial still present after unplug"
for dev in "${disk#/dev/}" "${part#/dev/}"; do
	grep -qE "^UDEV .* remove .*/block/(.*/)?$dev \(block\)" "$E2E_SCRATCH/monitor.log" ||
		fail "no udev remove event for $dev; monitor saw: $(tr '\n' '|' <"$E2E_SCRATCH/monitor.log")"
done

# Plugging the same stick in again works after an unplug (the agent must handle re-attach).
disk=$(e2e_plug s3)
e2e_expect_prop "${disk}1" ID_FS_LABEL "$E2E_STICK_S3_LABEL"
e2e_unplug s3
