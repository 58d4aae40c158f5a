#!/bin/sh
# Issue 16 item 4: a stick must not stay writable through a mount the agent did not look
# at. Two sticks are mounted read-write in other mount namespaces (unshare -m, as a user
# namespace copy would be) before the agent starts:
#  alpha: nothing open. The agent makes that mount read-only in its namespace: a write
#         there fails with EROFS, after enforcement and after an export to alpha.
#  beta:  a file held open for writing. Neither the mount nor the superblock can be made
#         read-only (EBUSY): the agent says so (device.readonly-failed in the log, the
#         stick "not read-only") and refuses exports to beta instead of writing to it and
#         ignoring the EBUSY of its closing remount. Once the writer is gone a rescan makes
#         beta read-only and it takes exports again.
# Before the fix the agent looked only at its own mount table: alpha's other mount stayed
# writable, and beta took an export while the user kept writing.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv unshare nsenter python3
agent_setup
user_home
register_sticks alpha beta
make_stick alpha
dev_a=$STICK
make_stick beta
dev_b=$STICK
ma="$TEST_TMP/ns-alpha"
mb="$TEST_TMP/ns-beta"
mkdir -p "$ma" "$mb"
unshare -m --propagation private sh -c "mount $dev_a '$ma' && touch '$TEST_TMP/ready-a' && exec sleep 300" &
ns_a=$!
defer "kill_ours $ns_a"
unshare -m --propagation private sh -c "mount $dev_b '$mb' && exec 3>>'$mb/held' && touch '$TEST_TMP/ready-b' && exec sleep 300" &
ns_b=$!
defer "kill_ours $ns_b"
wait_file "$TEST_TMP/ready-a" && wait_file "$TEST_TMP/ready-b" || fail "cannot mount in another namespace"
nsenter -t "$ns_a" -m touch "$ma/before" || fail "alpha's other mount is not writable to begin with"

start_agent
wait_ro "$dev_a" && wait_ro "$dev_b" || fail "sticks not read-only (BLKROSET)"
sleep 1
# alpha: the other namespace's mount is read-only now.
err=$(nsenter -t "$ns_a" -m touch "$ma/after" 2>&1) && fail "alpha: wrote through a mount in another namespace"
case "$err" in *"Read-only file system"*) ;; *) fail "alpha: wrong refusal: $err" ;; esac
grep " $ma " /proc/"$ns_a"/mountinfo | grep -q ' - ext4 [^ ]* ro' ||
	fail "alpha: superblock not read-only: $(grep " $ma " /proc/"$ns_a"/mountinfo)"
public_file "$HOME_U/a.txt" 1000 ns
cd "$HOME_U"
out=$(as_user "$FUTARI" export "$HOME_U/a.txt" --to alpha --reason r 2>&1) || fail "export to alpha: $out"
err=$(nsenter -t "$ns_a" -m touch "$ma/after-export" 2>&1) &&
	fail "alpha: writable in another namespace after an export"

# beta: cannot be made read-only while the file is open for writing: said and refused.
grep -h '"event":"device.readonly-failed"' "$TEST_TMP"/log/egress-*.jsonl | grep -q 'open for writing' ||
	fail "beta: no device.readonly-failed record: $(grep -h device "$TEST_TMP"/log/egress-*.jsonl | tail -3)"
out=$("$FUTARI" devices --json 2>&1) || fail "devices: $out"
echo "$out" | python3 -c '
import json, sys
d = [x for x in json.load(sys.stdin)["devices"] if x["serial"].endswith("-beta")]
sys.exit(0 if d and d[0]["readonly"] is False else 1)' || fail "beta shown read-only: $out"
out=$(as_user "$FUTARI" export "$HOME_U/a.txt" --to beta --reason r 2>&1) &&
	fail "beta took an export while a mount of it stays writable: $out"
echo "$out" | grep -q "could not be made read-only" || fail "beta: wrong refusal: $out"
[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "beta: refusal not one line: $out"

# The writer goes; a rescan makes beta read-only and it takes exports again.
kill "$ns_b"
wait "$ns_b" 2>/dev/null
out=$("$PROBE" "$SOCK" '{"command":"rescan"}') || fail "rescan failed: $out"
out=$(as_user "$FUTARI" export "$HOME_U/a.txt" --to beta --reason r 2>&1) ||
	fail "beta refused after the writer went: $out"
kill -0 "$AGENT_PID" || fail "agent died"
stop_agent
exit 0
