#!/bin/sh
# Issue 16 item 8: the agent reads a passed descriptor with its own (root's) credentials, so
# a user who hands it /proc/<futarid pid>/stat would get the agent's memory layout (fields
# the kernel shows only to the process's owner) written to a stick, classified or
# labelled. Files on proc, sys and the other kernel filesystems are refused for export,
# upload-request, classify and label in one line, and nothing reaches the stick. Before the
# fix the export was "Class III, written" with the agent's own stack and code addresses.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev_a=$STICK
start_agent
wait_ro "$dev_a" || fail "stick not read-only"
cd "$HOME_U"

check_refused() { # what, output
	echo "$2" | grep -q "kernel filesystem" || fail "$1 not refused as a kernel file: $2"
	[ "$(echo "$2" | wc -l)" -eq 1 ] || fail "$1: the refusal is not one line: $2"
}
for f in "/proc/$AGENT_PID/stat" /proc/self/status /sys/kernel/uevent_seqnum; do
	[ -r "$f" ] || continue
	out=$(as_user "$FUTARI" export "$f" --to alpha --reason r 2>&1) &&
		fail "export of $f accepted: $out"
	check_refused "export of $f" "$out"
	out=$(as_user "$FUTARI" classify "$f" 2>&1) && fail "classify of $f accepted: $out"
	check_refused "classify of $f" "$out"
	out=$(as_user "$FUTARI" label "$f" I 2>&1) && fail "label of $f accepted: $out"
	check_refused "label of $f" "$out"
done
# Root is refused the same way: the agent never exports the kernel's files.
out=$("$FUTARI" export "/proc/$AGENT_PID/stat" --to alpha --reason r 2>&1) &&
	fail "root's export of the agent's stat accepted: $out"
check_refused "root's export" "$out"
# Nothing on the stick; the refusals are in the log.
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount -o ro "$dev_a" "$mnt" || fail "cannot mount alpha"
found=$(ls -A "$mnt" | grep -v '^lost+found$')
umount "$mnt"
[ -z "$found" ] || fail "reached the stick: $found"
grep -rq "kernel filesystem" "$TEST_TMP/log" || fail "no refusal in the log"
# An ordinary file still goes.
public_file "$HOME_U/ok.txt" 100 ok
out=$(as_user "$FUTARI" export "$HOME_U/ok.txt" --to alpha --reason r 2>&1) ||
	fail "an ordinary export failed: $out"
stop_agent
exit 0
