# Pulling a stick out is seen: its block devices and udev entries go away, and a udev monitor
# running during the unplug receives the remove events for disk and partition, which is what
# the agent will listen to.
# e2e-stick: s3 serial=FUT-UNPLUG-0003 label=UNPLUG
# e2e-timeout: 120

disk=$(e2e_plug s3)
part=${disk}1
[ -b "$part" ] || fail "$part missing after plug"

log=$E2E_SCRATCH/monitor.log
udevadm monitor --udev --subsystem-match=block >"$log" &
monitor=$!
# Listening once it has printed its header (slow under TCG: do not guess with a sleep).
for ((i = 0; i < 40; i++)); do
	grep -q '^UDEV - the event' "$log" && break
	sleep 0.5
done
grep -q '^UDEV - the event' "$log" || fail "udevadm monitor did not start within 20s"

e2e_unplug s3

removed() { grep -qE "^UDEV .* remove .*/block/(.*/)?$1 \(block\)" "$log"; }
for ((i = 0; i < 20; i++)); do
	removed "${disk#/dev/}" && removed "${part#/dev/}" && break
	sleep 0.5
done
kill "$monitor"
wait "$monitor" 2>/dev/null || true
for dev in "${disk#/dev/}" "${part#/dev/}"; do
	removed "$dev" || fail "no udev remove event for $dev; monitor saw: $(tr '\n' '|' <"$log")"
done

[ ! -e "$disk" ] || fail "$disk still exists after unplug"
[ ! -e "$part" ] || fail "$part still exists after unplug"
[ ! -e "/sys/class/block/${disk#/dev/}" ] || fail "$disk still in sysfs after unplug"
[ -z "$(e2e_disks_by_serial "$E2E_STICK_S3_SERIAL")" ] || fail "serial still present after unplug"

# Plugging the same stick in again works after an unplug (the agent must handle re-attach).
disk=$(e2e_plug s3)
e2e_expect_prop "${disk}1" ID_FS_LABEL "$E2E_STICK_S3_LABEL"
e2e_unplug s3
