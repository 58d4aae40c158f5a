#!/bin/sh
# The agent keeps only the capabilities it needs (agent/caps.h) once it has started, in
# every thread, with no_new_privs set; an export still works with what is left
# (issue 10, privilege).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv sha256sum
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev=$STICK
start_agent
wait_ro "$dev" || fail "stick not read-only"

# dac_override, sys_chroot, sys_ptrace, sys_admin (the unit's CapabilityBoundingSet=)
keep=00000000002c0002
for status in /proc/"$AGENT_PID"/task/*/status; do
	for set in CapPrm CapEff CapBnd; do
		v=$(sed -n "s/^$set:[[:space:]]*//p" "$status")
		[ "$v" = "$keep" ] || fail "$status: $set is $v, expected $keep"
	done
	for set in CapInh CapAmb; do
		v=$(sed -n "s/^$set:[[:space:]]*//p" "$status")
		[ "$v" = 0000000000000000 ] || fail "$status: $set is $v, expected none"
	done
	grep -q "^NoNewPrivs:[[:space:]]*1" "$status" || fail "$status: no_new_privs not set"
done
grep -q "capabilities" "$TEST_TMP/agent.log" || fail "the agent did not say what it kept"

# What is left is enough for the agent's work: a Class III export lands on the stick.
printf 'public notice\n' >"$HOME_U/notice.txt"
chown 65534:65534 "$HOME_U/notice.txt"
out=$(as_user "$FUTARI" export "$HOME_U/notice.txt" --to CITY-USB-alpha --reason r 2>&1) ||
	fail "export with reduced capabilities failed: $out"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount -o ro "$dev" "$mnt" || fail "cannot mount the stick"
defer "umount $mnt 2>/dev/null"
[ "$(cat "$mnt/notice.txt")" = "public notice" ] || fail "the export is not on the stick"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "the stick is not read-only after the export"
stop_agent

# Started without a capability it needs, the agent refuses to run and names it.
rm -f "$SOCK"
if setpriv --bounding-set=-all,+sys_admin,+dac_override,+sys_chroot "$FUTARID" --config "$ETC/agent.conf" \
	--foreground >"$TEST_TMP/nocap.log" 2>&1; then
	fail "the agent ran without sys_ptrace"
fi
grep -q "sys_ptrace" "$TEST_TMP/nocap.log" || fail "unexpected refusal: $(cat "$TEST_TMP/nocap.log")"
[ ! -S "$SOCK" ] || fail "the agent opened its socket before refusing"
exit 0
