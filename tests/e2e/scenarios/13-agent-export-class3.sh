# Issue 9 scenario 3: a Class III (public) file exported by staff lands on the registered stick
# with the exact digest, in one step; the stick is read-only again; the log has the digest.
# e2e-stick: c1 serial=FUT-AGENT-0001 label=OFFICE1 size=64
# e2e-timeout: 300
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
fe_start_agent
disk=$(e2e_plug c1)
part=${disk}1
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/mnt
FE_ON_EXIT='umount "$mnt" 2>/dev/null'
fe_mount "$part" "$mnt"
f=$(fe_staff_file press-release.txt 2000000)
want=$(sha "$f")
out=$(e2e_as hanako "$FUTARI" export "$f" --to CITY-USB-0001 --dir public --reason "press kit" 2>&1) ||
	fail "Class III export refused: $out"
echo "$out" | grep -F "Class III, written to CITY-USB-0001:/public/press-release.txt" >/dev/null ||
	fail "unexpected answer: $out"
[ -f "$mnt/public/press-release.txt" ] || fail "the file is not on the stick"
[ "$(sha "$mnt/public/press-release.txt")" = "$want" ] || fail "the file on the stick has another digest"
fe_wait_ro "$disk" "$part"
fe_no_writes "$disk" "$part" "$mnt"
fe_log_has '"event":"export.written"' "$want" '"hanako"' '"FUT-AGENT-0001"' >/dev/null ||
	fail "no export.written record with the digest, requester and serial"
