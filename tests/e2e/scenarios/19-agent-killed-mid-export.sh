# Issue 9 scenario 9: the agent is killed (SIGKILL) in the middle of an export: the export
# fails, the staff's mount of the stick stays read-only while no agent runs, and the restarted
# agent sets the block device read-only again, removes the partial file, logs the interrupted
# export and the gap, and the log still verifies.
# e2e-stick: i1 serial=FUT-AGENT-0001 label=OFFICE1 size=64
# e2e-timeout: 300
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
FUTARI_TEST_PAUSE_AT=writing fe_start_agent
disk=$(e2e_plug i1)
part=${disk}1
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/mnt
FE_ON_EXIT='umount "$mnt" 2>/dev/null'
fe_mount "$part" "$mnt"
f=$(fe_staff_file ledger.txt 16000000)
e2e_as hanako "$FUTARI" export "$f" --to OFFICE1 --reason "killed" >"$E2E_SCRATCH/out" 2>&1 &
job=$!
for ((i = 0; i < 600; i++)); do [ -e "$FE/state/paused-writing" ] && break; sleep 0.1; done
[ -e "$FE/state/paused-writing" ] || fail "the export never reached the write step"
gaps_before=$(cat "$FE_LOG"/egress-*.jsonl | grep -c '"event":"gap"' || true)
kill -9 "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
AGENT_PID=
rm -f "$FE/state/paused-writing"
if wait "$job"; then fail "the export reported success though the agent was killed"; fi
# No agent: the staff's mount refuses writes (per-mount read-only flag).
if e2e_as hanako touch "$mnt/evil-user" 2>/dev/null; then fail "hanako wrote to the stick while the agent was dead"; fi
if touch "$mnt/evil-root" 2>/dev/null; then fail "root wrote through the mount while the agent was dead"; fi
if e2e_as hanako dd if=/dev/zero of="$part" bs=512 count=1 conv=notrunc 2>/dev/null; then
	fail "hanako wrote to the block device while the agent was dead"
fi
fe_start_agent
fe_wait_ro "$disk" "$part"
fe_no_writes "$disk" "$part" "$mnt"
ls -a "$mnt" | grep -F .futari-partial && fail "the partial file is still on the stick after restart"
[ ! -e "$mnt/ledger.txt" ] || fail "a file was claimed though the agent died before logging it"
fe_log_has '"event":"export.failed"' interrupted >/dev/null || fail "the interrupted export is not logged"
gaps_after=$(cat "$FE_LOG"/egress-*.jsonl | grep -c '"event":"gap"' || true)
[ "$gaps_after" -gt "$gaps_before" ] || fail "the restart did not log a gap"
fe_log_has '"event":"gap"' unclean-stop >/dev/null || fail "the gap is not an unclean stop"
fe_stop_agent
out=$("$AUDIT" verify "$FE_LOG" 2>&1) || fail "futari-audit verify fails after the crash: $out"
note "$out"
