# Issue 9 scenario 8: the stick is pulled out (QMP device_del) in the middle of a large export:
# the export fails, no file is claimed (no export.written, no file on the stick when it comes
# back), the failure is logged, and the same agent goes on working.
# e2e-stick: h1 serial=FUT-AGENT-0001 label=OFFICE1 size=64
# e2e-timeout: 300
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
# The agent's test hook holds the write at the "writing" step (mid-file) until we let go.
FUTARI_TEST_PAUSE_AT=writing fe_start_agent
disk=$(e2e_plug h1)
part=${disk}1
fe_wait_ro "$disk" "$part"
f=$(fe_staff_file census-tables.txt 24000000)
want=$(sha "$f")
e2e_as hanako "$FUTARI" export "$f" --to OFFICE1 --reason "big export" >"$E2E_SCRATCH/out" 2>&1 &
job=$!
for ((i = 0; i < 600; i++)); do [ -e "$FE/state/paused-writing" ] && break; sleep 0.1; done
[ -e "$FE/state/paused-writing" ] || fail "the export never reached the write step: $(cat "$E2E_SCRATCH/out")"
e2e_unplug h1
rm -f "$FE/state/paused-writing"
if wait "$job"; then fail "the export reported success though the stick was pulled: $(cat "$E2E_SCRATCH/out")"; fi
note "the export said: $(cat "$E2E_SCRATCH/out")"
kill -0 "$AGENT_PID" || fail "the agent died when the stick was pulled"
fe_log_has '"event":"export.written"' "$want" >/dev/null && fail "an export.written was logged for the pulled stick"
fe_log_has '"event":"export.failed"' "$want" >/dev/null || fail "the failed export is not logged"
# Healthy: it still answers, sees the stick come back read-only, and exports to it.
( while kill -0 "$AGENT_PID" 2>/dev/null; do rm -f "$FE/state/paused-writing"; sleep 0.2; done ) &
"$FUTARI" status >/dev/null || fail "futari status fails after the pull"
disk=$(e2e_plug h1)
part=${disk}1
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/mnt
FE_ON_EXIT='umount "$mnt" 2>/dev/null'
fe_mount "$part" "$mnt"
[ ! -e "$mnt/census-tables.txt" ] || fail "a file was claimed on the pulled stick"
ls -a "$mnt" | grep -F .futari-partial && note "a partial file is left on the stick (removed at the next write)"
g=$(fe_staff_file after-pull.txt 1000)
out=$(e2e_as hanako "$FUTARI" export "$g" --to OFFICE1 --reason "after the pull" 2>&1) ||
	fail "the agent cannot export after the pull: $out"
[ "$(sha "$mnt/after-pull.txt")" = "$(sha "$g")" ] || fail "the export after the pull is wrong"
ls -a "$mnt" | grep -F .futari-partial && fail "a partial file is left on the stick after the next export"
true
