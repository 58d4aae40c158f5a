# Issue 9 scenario 7: a stick that is not in the media register is made read-only like any
# other, is logged as unregistered, and an export to it (even of a public file) is refused
# with a reason and logged; nothing is written.
# e2e-stick: g1 serial=FUT-STRANGER-9 label=PRIVATE
# e2e-timeout: 300
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
fe_start_agent
disk=$(e2e_plug g1)
part=${disk}1
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/mnt
FE_ON_EXIT='umount "$mnt" 2>/dev/null'
fe_mount "$part" "$mnt"
fe_no_writes "$disk" "$part" "$mnt"
rec=$(fe_log_has '"event":"device.attach"' '"FUT-STRANGER-9"') || fail "the attach is not logged"
echo "$rec" | grep -F "CITY-USB" >/dev/null && fail "an unregistered stick was logged with an asset: $rec"
f=$(fe_staff_file leaflet.txt 5000)
if out=$(e2e_as hanako "$FUTARI" export "$f" --to PRIVATE --reason "take home" 2>&1); then
	fail "export to an unregistered stick accepted: $out"
fi
echo "$out" | grep -F "not in the media register" >/dev/null || fail "refused for another reason: $out"
[ ! -e "$mnt/leaflet.txt" ] || fail "the file was written to the unregistered stick"
[ "$(blockdev --getro "$part")" = 1 ] || fail "the stick is writable after the refused export"
fe_log_has '"event":"export.refused"' '"FUT-STRANGER-9"' >/dev/null ||
	fail "the refused export is not logged with the stick's serial"
